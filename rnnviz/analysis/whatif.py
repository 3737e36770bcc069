"""What if: edit, delete or insert a token and compare the two traces, token by token.

The two token sequences are aligned (``difflib``): unchanged tokens pair up, an edited token pairs
with its replacement, and a deleted or inserted token has no partner (its difference is NaN).
Differences are ``after − before`` for every gate and state of every layer and direction.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..models.base import Run, ShowableModel, run
from ..tracer import Trace

Edit = Literal["replace", "delete", "insert"]
EDITS: tuple[Edit, ...] = ("replace", "delete", "insert")


def apply_edit(tokens: Sequence[str], edit: Edit, position: int, token: str = "") -> list[str]:
    """Tokens after replacing, deleting, or inserting (before ``position``; ``len`` appends)."""
    out = list(tokens)
    if edit not in EDITS:
        raise ValueError(f"edit must be one of {EDITS}, got {edit!r}")
    top = len(out) if edit == "insert" else len(out) - 1
    if not 0 <= position <= top:
        raise ValueError(f"position must be in 0..{top}, got {position}")
    if edit != "delete" and not token:
        raise ValueError(f"{edit} needs a token")
    if edit == "replace":
        out[position] = token
    elif edit == "delete":
        if len(out) == 1:
            raise ValueError("can't delete the only token")
        del out[position]
    else:
        out.insert(position, token)
    return out


def position_label(tokens: Sequence[str], i: int) -> str:
    """``"3 天"`` for a position of ``tokens``; ``"n ⏎"`` for the end (insert after the last)."""
    return f"{i} {tokens[i]}" if i < len(tokens) else f"{i} ⏎"


def suggest_token(tokens: Sequence[str], position: int) -> str:
    """A replacement worth trying: another token of the same text (else ``的``)."""
    current = tokens[position] if position < len(tokens) else None
    others = [t for t in dict.fromkeys(tokens) if t != current]
    return others[0] if others else "的"


def join_tokens(tokens: Sequence[str], original_text: str, original_tokens: Sequence[str]) -> str:
    """Tokens back to text the way the original was written (no separator, or spaces)."""
    spaced = len(original_tokens) > 1 and " ".join(original_tokens) == original_text.strip()
    return " ".join(tokens) if spaced else "".join(tokens)


def align(before: Sequence[str], after: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Pairs ``(i, j)`` of positions in ``before``/``after``; ``None`` marks a missing partner."""
    pairs: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(a=list(before), b=list(after), autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and a1 - a0 == b1 - b0):
            pairs.extend(zip(range(a0, a1), range(b0, b1), strict=True))
        else:
            pairs.extend((i, None) for i in range(a0, a1))
            pairs.extend((None, j) for j in range(b0, b1))
    return pairs


def pair_labels(
    before: Sequence[str], after: Sequence[str], pairs: Sequence[tuple[int | None, int | None]]
) -> list[str]:
    """Tick label per aligned column: ``tok``, ``a→b`` (edited), ``+tok``, ``−tok``."""
    out = []
    for i, j in pairs:
        if i is None:
            out.append(f"+{after[j]}")
        elif j is None:
            out.append(f"−{before[i]}")
        elif before[i] == after[j]:
            out.append(before[i])
        else:
            out.append(f"{before[i]}→{after[j]}")
    return out


def _gather(values: np.ndarray, index: Sequence[int | None]) -> np.ndarray:
    """Rows of ``values (T, U)`` at ``index``; NaN rows where the index is None → ``(K, U)``."""
    out = np.full((len(index), values.shape[1]), np.nan, dtype=np.float32)
    for k, i in enumerate(index):
        if i is not None:
            out[k] = values[i]
    return out


@dataclass(frozen=True)
class Comparison:
    """Two traces, their alignment, and ``after − before`` per quantity ``(K, units)``."""

    before: Trace
    after: Trace
    pairs: tuple[tuple[int | None, int | None], ...]
    labels: tuple[str, ...]  # one tick label per aligned column

    def diff(self, layer: int, direction: str, name: str) -> np.ndarray:
        """``(K, units)`` difference ``after − before``; NaN where a token has no partner."""
        a = _gather(self.before.quantity(layer, direction, name), [i for i, _ in self.pairs])
        b = _gather(self.after.quantity(layer, direction, name), [j for _, j in self.pairs])
        return b - a

    def changed(self) -> list[int]:
        """Aligned columns whose token was edited, inserted or deleted."""
        return [
            k
            for k, (i, j) in enumerate(self.pairs)
            if i is None or j is None or self.before.tokens[i] != self.after.tokens[j]
        ]

    def summary(self) -> pd.DataFrame:
        """Largest absolute change of each quantity, per layer and direction (over aligned tokens)."""
        rows = []
        for layer in range(self.before.num_layers):
            for direction in self.before.directions:
                for name in self.before.names:
                    d = self.diff(layer, direction, name)
                    finite = d[np.isfinite(d)]
                    rows.append(
                        {
                            "layer": layer,
                            "direction": direction,
                            "quantity": name,
                            "max_abs_change": float(np.abs(finite).max()) if finite.size else 0.0,
                            "mean_abs_change": float(np.abs(finite).mean()) if finite.size else 0.0,
                        }
                    )
        return pd.DataFrame(rows)

    def reach(self, layer: int, direction: str, name: str = "h", tol: float = 1e-3) -> int:
        """How many aligned columns away from the edit the change still exceeds ``tol``."""
        d = np.nan_to_num(np.abs(self.diff(layer, direction, name)), nan=0.0).max(axis=1)
        edits = self.changed()
        if not edits:
            return 0
        far = [min(abs(k - e) for e in edits) for k in np.nonzero(d > tol)[0]]
        return int(max(far, default=0))


def compare(before: Trace, after: Trace) -> Comparison:
    """Align two traces of the same module by their tokens."""
    if (before.cell, before.num_layers, before.bidirectional, before.hidden_size) != (
        after.cell,
        after.num_layers,
        after.bidirectional,
        after.hidden_size,
    ):
        raise ValueError("compare traces of the same model")
    pairs = tuple(align(before.tokens, after.tokens))
    return Comparison(before, after, pairs, tuple(pair_labels(before.tokens, after.tokens, pairs)))


def prediction_change(before: Run, after: Run, comp: Comparison) -> pd.DataFrame:
    """Per aligned column: label and its probability before and after, and the probability shift.

    Reads each Run's probabilities (no model call). Columns: ``column, token, label_before,
    p_before, label_after, p_after, p_of_before_label_after, flipped``. A classifier's
    prediction is its last row (the head on the final state).
    """
    labels = list(before.labels)
    pa, pb = before.proba, after.proba  # (T, n_labels) each
    rows = []
    for k, (i, j) in enumerate(comp.pairs):
        row: dict[str, object] = {"column": k, "token": comp.labels[k]}
        if i is not None:
            row["label_before"] = labels[int(pa[i].argmax())]
            row["p_before"] = float(pa[i].max())
        if j is not None:
            row["label_after"] = labels[int(pb[j].argmax())]
            row["p_after"] = float(pb[j].max())
        if i is not None and j is not None:
            row["p_of_before_label_after"] = float(pb[j, int(pa[i].argmax())])
        rows.append(row)
    frame = pd.DataFrame(
        rows,
        columns=[
            "column",
            "token",
            "label_before",
            "p_before",
            "label_after",
            "p_after",
            "p_of_before_label_after",
        ],
    )
    frame["flipped"] = (
        frame["label_before"].notna()
        & frame["label_after"].notna()
        & (frame["label_before"] != frame["label_after"])
    )
    return frame


def column_labels(pred: pd.DataFrame) -> tuple[list[str | None], list[str | None]]:
    """The predicted label of each aligned column before and after (None: no such token)."""
    return tuple(  # type: ignore[return-value]
        [None if pd.isna(v) else str(v) for v in pred[col]]
        for col in ("label_before", "label_after")
    )


def compare_runs(before: Run, after: Run) -> tuple[Comparison, pd.DataFrame]:
    """Align two Runs of the same model and tabulate how the predictions changed.

    Reads only what each Run already holds (its trace and probabilities): the page passes the
    cached Runs of the two sentences, so the model runs once per sentence.
    """
    comp = compare(before.trace, after.trace)
    return comp, prediction_change(before, after, comp)


def what_if(model: ShowableModel, before: str, after: str) -> tuple[Comparison, pd.DataFrame]:
    """Run both texts through ``model`` once each (``rnnviz.models.run``) and compare them."""
    return compare_runs(run(model, before), run(model, after))
