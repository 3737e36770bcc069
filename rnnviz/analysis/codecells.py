"""Interpretable cells in code (after Karpathy, Johnson & Fei-Fei 2015): a character-level LSTM
language model trained on the Python standard library's own source, and every unit
correlated with what a reader of code tracks — inside a string, bracket depth, indentation,
position in the line.

Data: the ``*.py`` files of this interpreter's stdlib folder (on every machine). Split by file:
``crc32(file name) % 10 == 9`` is held out (never trained on); the held-out text is the top-level
held-out modules; training reads the other top-level modules and (the shipped recipe) the
packages' modules (:func:`rnnviz.training.codelm.training_files`).
The model is :mod:`rnnviz.models.code`, the corpus :mod:`rnnviz.data.code` (both re-exported here).
Training lives in :mod:`rnnviz.training.codelm`: ``python -m rnnviz.training.codelm train`` (or,
as the first shipped card said, ``python -m rnnviz.analysis.codecells train``) writes
``assets/code/code-lstm/`` (``model.safetensors``, ``config.json``, ``card.md``).
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, replace

import numpy as np

from ..data.code import (
    docstring_spans,
    held_out_text,
    normalise_quotes,
    prepare,
    read_text,
    snippet,
    split_of,
    stdlib_files,
    strip_docstrings,
)
from ..models.code import ASSET, UNK, CharLM, CodeConfig, load
from ..tracer import Trace
from .bestunits import unit_correlations

FEATURES = (
    "in_string",
    "in_short_string",
    "in_docstring",
    "in_comment",
    "bracket_depth",
    "indentation",
    "line_position",
)
REPRESENTATIONS = ("tanh_c", "c", "h")  # the states a unit is scored on (tanh(c) as the paper)


def features(text: str) -> dict[str, np.ndarray]:
    """Per character: ``in_string`` (0/1, any string literal), split into ``in_short_string``
    (a one-line literal, f-strings included, that is not a statement of its own) and
    ``in_docstring`` (a string that is a whole statement: docstrings and their like);
    ``in_comment`` (0/1), ``bracket_depth``, ``indentation`` (leading spaces of its line),
    ``line_position`` (column). Strings, brackets and comments come from Python's own tokenizer
    (a file that does not tokenize keeps zeros there)."""
    n = len(text)
    out = {k: np.zeros(n, dtype=np.float32) for k in FEATURES}
    line_starts = [0]
    for k, c in enumerate(text):
        if c == "\n":
            line_starts.append(k + 1)
    starts = np.asarray(line_starts)
    line_of = np.searchsorted(starts, np.arange(n), side="right") - 1
    col = np.arange(n) - starts[line_of]
    out["line_position"] = col.astype(np.float32)
    indent = np.zeros(len(starts), dtype=np.float32)
    for i, s in enumerate(starts):
        j = s
        while j < n and text[j] == " ":
            j += 1
        indent[i] = j - s
    out["indentation"] = indent[line_of]

    def offset(row: int, column: int) -> int:
        if row > len(starts):  # NEWLINE/ENDMARKER after a last line without "\n"
            return n
        return min(int(starts[row - 1]) + column, n)

    depth_changes = np.zeros(n + 1, dtype=np.float32)
    statement: list[tuple[int, int, bool]] = []  # the strings of the current logical line
    only_strings = True  # so far the logical line holds nothing but strings
    layout = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)

    def end_statement(whole: bool) -> None:  # whole: the statement is nothing but strings
        for a, b, one_line in statement:
            if whole or one_line:
                out["in_docstring" if whole else "in_short_string"][a:b] = 1
        statement.clear()

    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            a, b = offset(*tok.start), offset(*tok.end)
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                end_statement(only_strings)
                only_strings = True
                continue
            if tok.type == tokenize.STRING:
                out["in_string"][a:b] = 1
                statement.append((a, b, tok.start[0] == tok.end[0]))
            elif tok.type not in layout:
                only_strings = False
            if tok.type == tokenize.COMMENT:
                out["in_comment"][a:b] = 1
            elif tok.type == tokenize.OP and tok.string in "([{":
                depth_changes[b] += 1  # inside from the character after the opening bracket
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth_changes[a] -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    out["bracket_depth"] = np.maximum(np.cumsum(depth_changes)[:n], 0)
    return out


def correlations(values: np.ndarray, feats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pearson r of every unit ``values (N, U)`` with each feature ``(N,)`` → ``{name: (U,)}``
    (0 for a flat unit or feature; :func:`rnnviz.analysis.bestunits.unit_correlations`);
    against a 0/1 feature it is the point-biserial r."""
    v = values.astype(np.float64)
    return {name: unit_correlations(v, f.astype(np.float64)) for name, f in feats.items()}


def auroc(values: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve of ``values (N,)`` as a score for ``label (N,)`` (0/1): the
    chance that a positive character's value is above a negative one's (ties count half);
    0.5 is no better than chance, 0 or 1 separate the two perfectly. NaN without both labels."""
    pos = label > 0.5
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2  # 1-based, ties averaged
    ranks = average_rank[inverse.reshape(-1)]
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def quantity(trace: Trace, layer: int, name: str) -> np.ndarray:
    """A layer's ``(T, units)`` values of ``name``: a traced quantity (``c``, ``h``, a gate) or
    ``tanh_c``, the cell state squashed as the paper coloured it (and as ``h = o * tanh(c)``
    reads it)."""
    if name == "tanh_c":
        return np.tanh(trace.quantity(layer, "forward", "c"))
    return trace.quantity(layer, "forward", name)


def quantities(trace: Trace) -> tuple[str, ...]:
    """What :func:`best_units` ranks: for an LSTM ``tanh_c``, ``c``, ``h``, then the gates."""
    first = REPRESENTATIONS if "c" in trace.names else ()
    return first + tuple(q for q in trace.names if q not in first)


@dataclass(frozen=True)
class BestUnit:
    feature: str
    quantity: str  # "c", "tanh_c", "h" or a gate "i" / "f" / "g" / "o"
    unit: int
    r: float  # signed Pearson r (point-biserial for a 0/1 feature)
    layer: int = 0
    auroc: float | None = None  # for a 0/1 feature

    def name(self, layers: int = 1) -> str:
        """``tanh(c)[116]``, with the layer first when there are several: ``L2 c[7]``."""
        q = "tanh(c)" if self.quantity == "tanh_c" else self.quantity
        return (f"L{self.layer + 1} " if layers > 1 else "") + f"{q}[{self.unit}]"


def best_units(trace: Trace, feats: dict[str, np.ndarray], top: int = 5, names: tuple[str, ...] | None = None) -> dict[str, list[BestUnit]]:  # fmt: skip
    """For each feature, the ``top`` units with the largest ``|r|`` among every layer's
    quantities (``names``, default :func:`quantities`: ``c``, ``h``, the gates ``i f g o`` and
    ``tanh_c``); a 0/1 feature's units carry their AUROC."""
    ranked: dict[str, list[BestUnit]] = {name: [] for name in feats}
    for layer in range(trace.num_layers):
        for q in names or quantities(trace):
            rs = correlations(quantity(trace, layer, q), feats)
            for name, r in rs.items():
                order = np.argsort(-np.abs(r), kind="stable")[:top]
                ranked[name] += [BestUnit(name, q, int(u), float(r[u]), layer) for u in order]
    best = {name: sorted(units, key=lambda b: -abs(b.r))[:top] for name, units in ranked.items()}
    return {
        name: [with_auroc(trace, b, feats[name]) for b in units] for name, units in best.items()
    }


def with_auroc(trace: Trace, b: BestUnit, feature: np.ndarray) -> BestUnit:
    """``b`` with its AUROC when ``feature`` is 0/1 (else unchanged)."""
    if not np.isin(feature, (0, 1)).all():
        return b
    values = quantity(trace, b.layer, b.quantity)[:, b.unit]
    return replace(b, auroc=auroc(values, feature))


def scorecard(trace: Trace, feats: dict[str, np.ndarray]) -> dict[str, dict[str, BestUnit]]:
    """``{feature: {representation: the best unit}}``: for each of ``c``, ``tanh(c)`` and ``h``
    the unit (any layer) with the largest ``|r|``, with its AUROC for a 0/1 feature. What the
    card reports, so a clean cell in one representation is not hidden by another's."""
    out: dict[str, dict[str, BestUnit]] = {name: {} for name in feats}
    for rep in REPRESENTATIONS:
        best = best_units(trace, feats, top=1, names=(rep,))
        for name, units in best.items():
            out[name][rep] = units[0]
    return out


def held_out_unit(cfg: CodeConfig, feature: str, representation: str = "tanh_c") -> BestUnit | None:  # fmt: skip
    """The model's best unit for ``feature`` in ``representation`` on held-out text, as its
    card measured it (``metrics["cells"]``); None for a config without those scores."""
    b = cfg.metrics.get("cells", {}).get(feature, {}).get(representation)
    if b is None:
        return None
    auroc = b.get("auroc")
    return BestUnit(feature, representation, b["unit"], b["r"], b["layer"], auroc)


def unit_score(values: np.ndarray, feature: np.ndarray) -> tuple[float, float | None]:
    """``(r, AUROC)`` of one unit's ``values (N,)`` with ``feature (N,)``; AUROC only for a 0/1
    feature with both labels present (else None)."""
    r = float(correlations(values[:, None], {"f": feature})["f"][0])
    if not np.isin(feature, (0, 1)).all():
        return r, None
    area = auroc(values, feature)
    return r, None if np.isnan(area) else area


def readouts(trace: Trace, feats: dict[str, np.ndarray], ridge: float = 1e-3) -> dict[str, float]:
    """For each feature, how well *all* units together carry it: a linear read-out of every
    layer's ``c`` and ``h``, fitted by ridge regression on the first half of the characters
    and scored (Pearson r) on the second. Beside the best single unit it says whether a
    feature is absent from the model or only spread over many units."""
    x = np.concatenate(
        [trace.quantity(k, "forward", q) for k in range(trace.num_layers) for q in ("c", "h")],
        axis=1,
    )
    x = np.c_[x.astype(np.float64), np.ones(len(x))]  # (N, K + 1)
    half = len(x) // 2
    a, b = x[:half], x[half:]
    gram = a.T @ a + ridge * half * np.eye(a.shape[1])  # (K + 1, K + 1)
    out = {}
    for name, f in feats.items():
        w = np.linalg.solve(gram, a.T @ f[:half].astype(np.float64))
        out[name] = float(unit_correlations((b @ w)[:, None], f[half:].astype(np.float64))[0])
    return out


def analyse(model: CharLM, text: str) -> dict[str, list[BestUnit]]:
    """Trace ``text`` and rank units per feature."""
    return best_units(model.trace(text), features(text))


__all__ = [
    "ASSET",
    "FEATURES",
    "REPRESENTATIONS",
    "UNK",
    "BestUnit",
    "CharLM",
    "CodeConfig",
    "analyse",
    "auroc",
    "best_units",
    "correlations",
    "docstring_spans",
    "features",
    "held_out_text",
    "held_out_unit",
    "load",
    "normalise_quotes",
    "prepare",
    "quantities",
    "quantity",
    "read_text",
    "readouts",
    "scorecard",
    "snippet",
    "split_of",
    "stdlib_files",
    "strip_docstrings",
    "unit_score",
    "with_auroc",
]


if __name__ == "__main__":  # the command the shipped card names; only a script run imports training
    from rnnviz.training.codelm import main

    main()
