"""Interpretable cells in code (after Karpathy, Johnson & Fei-Fei 2015): a character-level LSTM
language model trained on the Python standard library's own source, and every unit
correlated with what a reader of code tracks — inside a string, bracket depth, indentation,
position in the line.

Data: the ``*.py`` files of this interpreter's stdlib folder (on every machine). Split by file:
``crc32(file name) % 10 == 9`` is held out (never trained on); the held-out text is the top-level
held-out modules; training reads the other top-level modules and (the shipped recipe) the
packages' modules (:func:`rnnviz.training.codelm.training_files`).
Training lives in :mod:`rnnviz.training.codelm`: ``python -m rnnviz.training.codelm train`` (or,
as the first shipped card said, ``python -m rnnviz.analysis.codecells train``) writes
``assets/code/code-lstm/`` (``model.safetensors``, ``config.json``, ``card.md``).
"""

from __future__ import annotations

import io
import json
import sysconfig
import tokenize
import zlib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

from ..tracer import Trace, trace_rnn
from .bestunits import unit_correlations

ASSET = Path(__file__).resolve().parents[2] / "assets" / "code" / "code-lstm"
FEATURES = ("in_string", "bracket_depth", "indentation", "line_position", "in_comment")
UNK = "\x00"


def stdlib_files() -> list[Path]:
    """Top-level ``*.py`` modules of the running interpreter's standard library, sorted."""
    return sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))


def split_of(path: Path) -> str:
    """``test`` for held-out files (``crc32(name) % 10 == 9``), else ``train``."""
    return "test" if zlib.crc32(path.name.encode()) % 10 == 9 else "train"


def read_text(paths: list[Path]) -> str:
    """Files joined by a blank line; tabs kept, non-ASCII characters left for ``<unk>``."""
    parts = []
    for p in paths:
        try:
            parts.append(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
    return "\n\n".join(parts)


@dataclass(frozen=True)
class CodeConfig:
    """The language model's architecture and vocabulary, stored as ``config.json`` beside the
    weights; ``training`` holds the recipe and run facts, ``metrics`` the held-out scores."""

    chars: str  # index 0 is the unknown character
    embed_size: int = 32
    hidden_size: int = 128
    training: dict[str, Any] = field(default_factory=dict, compare=False)
    metrics: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CodeConfig:
        """Read ``config.json``; the first shipped layout kept run facts and scores at top level."""
        data = dict(data)
        training = dict(data.pop("training", {}))
        metrics = dict(data.pop("metrics", {}))
        for key in _FIRST_LAYOUT_TRAINING:
            if key in data:
                training[key] = data.pop(key)
        for key in _FIRST_LAYOUT_METRICS:
            if key in data:
                metrics[key] = data.pop(key)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"code model config: unknown keys {unknown}")
        return cls(**data, training=training, metrics=metrics)


_FIRST_LAYOUT_TRAINING = ("train_chars", "steps", "seconds", "held_out_files")
_FIRST_LAYOUT_METRICS = ("held_out_bits_per_char",)


class CharLM(nn.Module):
    """Embedding → one-layer LSTM → Linear over the characters."""

    def __init__(self, cfg: CodeConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(len(cfg.chars), cfg.embed_size)
        self.rnn = nn.LSTM(cfg.embed_size, cfg.hidden_size, batch_first=True)
        self.head = nn.Linear(cfg.hidden_size, len(cfg.chars))
        self.index = {c: i for i, c in enumerate(cfg.chars)}

    def encode(self, text: str) -> torch.Tensor:
        """Character ids ``(T,)``; unknown characters map to 0."""
        return torch.tensor([self.index.get(c, 0) for c in text], dtype=torch.long)

    def forward(self, ids: torch.Tensor, state=None):
        out, state = self.rnn(self.emb(ids), state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)

    def trace(self, text: str) -> Trace:
        """Every gate and state of the LSTM on ``text`` (one character per step)."""
        with torch.no_grad():
            x = self.emb(self.encode(text))  # (T, E)
        return trace_rnn(self.rnn, x, tokens=list(text))


def features(text: str) -> dict[str, np.ndarray]:
    """Per character: ``in_string`` (0/1), ``bracket_depth``, ``indentation`` (leading spaces of
    its line), ``line_position`` (column), ``in_comment`` (0/1). Strings, brackets and comments
    come from Python's own tokenizer (a file that does not tokenize keeps zeros there)."""
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
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            a, b = offset(*tok.start), offset(*tok.end)
            if tok.type == tokenize.STRING:
                out["in_string"][a:b] = 1
            elif tok.type == tokenize.COMMENT:
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
    (0 for a flat unit or feature; :func:`rnnviz.analysis.bestunits.unit_correlations`)."""
    v = values.astype(np.float64)
    return {name: unit_correlations(v, f.astype(np.float64)) for name, f in feats.items()}


@dataclass(frozen=True)
class BestUnit:
    feature: str
    quantity: str  # "c", "h" or a gate "i" / "f" / "g" / "o"
    unit: int
    r: float  # signed Pearson r


def best_units(trace: Trace, feats: dict[str, np.ndarray], top: int = 5) -> dict[str, list[BestUnit]]:  # fmt: skip
    """For each feature, the ``top`` units with the largest ``|r|`` among every quantity the
    trace holds: the states ``c`` and ``h`` and the gates ``i f g o``."""
    ranked: dict[str, list[BestUnit]] = {name: [] for name in feats}
    for quantity in trace.names:
        rs = correlations(trace.quantity(0, "forward", quantity), feats)
        for name, r in rs.items():
            ranked[name] += [BestUnit(name, quantity, int(u), float(r[u])) for u in range(len(r))]
    return {name: sorted(units, key=lambda b: -abs(b.r))[:top] for name, units in ranked.items()}


def readouts(trace: Trace, feats: dict[str, np.ndarray], ridge: float = 1e-3) -> dict[str, float]:
    """For each feature, how well *all* units together carry it: a linear read-out of every
    value in the trace (``c``, ``h``, the gates), fitted by ridge regression on the first half
    of the characters and scored (Pearson r) on the second. Beside the best single unit it says
    whether a feature is absent from the model or only spread over many units."""
    x = np.concatenate([trace.quantity(0, "forward", q) for q in trace.names], axis=1)
    x = np.c_[x.astype(np.float64), np.ones(len(x))]  # (N, K + 1)
    half = len(x) // 2
    a, b = x[:half], x[half:]
    gram = a.T @ a + ridge * half * np.eye(a.shape[1])  # (K + 1, K + 1)
    out = {}
    for name, f in feats.items():
        w = np.linalg.solve(gram, a.T @ f[:half].astype(np.float64))
        out[name] = float(unit_correlations((b @ w)[:, None], f[half:].astype(np.float64))[0])
    return out


def load(folder: Path = ASSET) -> CharLM:
    """The shipped code language model (eval mode)."""
    cfg_path, w_path = folder / "config.json", folder / "model.safetensors"
    if not cfg_path.is_file() or not w_path.is_file():
        raise FileNotFoundError(
            f"{folder} has no model; train it with python -m rnnviz.training.codelm train"
        )
    model = CharLM(CodeConfig.from_json(json.loads(cfg_path.read_text(encoding="utf-8"))))
    model.load_state_dict(load_file(str(w_path)))
    return model.eval()


def held_out_text(max_chars: int | None = None) -> str:
    """The held-out files' text (what correlations are measured on)."""
    text = read_text([p for p in stdlib_files() if split_of(p) == "test"])
    return text[:max_chars] if max_chars else text


def snippet(chars: int = 2500, name: str = "configparser.py") -> str:
    """A held-out piece of code to look at: from the first ``def`` past a third of the file."""
    held = [p for p in stdlib_files() if split_of(p) == "test"]
    if not held:
        return ""
    path = next((p for p in held if p.name == name), held[0])
    text = path.read_text(encoding="utf-8")
    start = text.find("\n    def ", len(text) // 3)
    return text[start + 1 if start >= 0 else 0 :][:chars]


def analyse(model: CharLM, text: str) -> dict[str, list[BestUnit]]:
    """Trace ``text`` and rank units per feature."""
    return best_units(model.trace(text), features(text))


if __name__ == "__main__":  # the command the shipped card names; only a script run imports training
    from rnnviz.training.codelm import main

    main()
