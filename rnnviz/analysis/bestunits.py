"""The best unit of a model for its task: the one a lesson should open on.

A task signal per token (bracket depth for counting, "a word starts here" for segmenters, "inside
an entity" for NER) is correlated with every unit's updated state (LSTM ``c``, else ``h``) in
every direction, over one or more sentences; the unit with the largest ``|r|`` wins. Tasks with
no per-token signal (sentiment, POS) fall back to the unit whose updated state varies most.
Reads Runs only; never runs a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..data import counting
from ..models.base import Run


@dataclass(frozen=True)
class BestUnit:
    """A unit worth looking at: where it is, what it follows and how well."""

    unit: int
    direction: str  # "forward" | "backward"
    quantity: str  # the state that was scored: "c" (LSTM) or "h"
    signal: str  # "depth" | "boundary" | "entity" | "variance"
    score: float  # Pearson r with the signal, or the variance


def task_signal(run: Run) -> tuple[str, np.ndarray] | None:
    """``(name, (T,) float signal)`` of a run's task, NaN where undefined; None if none.

    Counting: the depth after each bracket (NaN once the prefix is invalid). Segmenters: 1 where
    the model's own tags start a word (B, S). NER: 1 inside an entity (any tag but O).
    """
    if run.task == "count":
        text = "".join(run.tokens)
        if len(text) != run.length:
            return None
        labels = counting.labels(text)
        depth = np.array(counting.depths(text), dtype=np.float64)
        depth[[lab == "invalid" for lab in labels]] = np.nan
        return "depth", depth
    if run.kind != "tagger":
        return None
    tags = run.predicted
    if run.task == "cws":
        return "boundary", np.array([tag in ("B", "S") for tag in tags], dtype=np.float64)
    if run.task == "ner":
        return "entity", np.array([tag != "O" for tag in tags], dtype=np.float64)
    return None


def unit_correlations(values: np.ndarray, signal: np.ndarray) -> np.ndarray:
    """Pearson r of each column of ``values (N, H)`` with ``signal (N,)``; 0 for flat columns."""
    v = values - values.mean(axis=0)  # (N, H)
    s = signal - signal.mean()  # (N,)
    norm = np.sqrt((v * v).sum(axis=0) * (s * s).sum())  # (H,)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (v * s[:, None]).sum(axis=0) / norm
    return np.where(norm > 1e-12, r, 0.0)


def best_unit(runs: Sequence[Run], layer: int = 0) -> BestUnit:
    """The unit of ``runs``' model (one model, any sentences) that best follows its task.

    Scores the updated state (``spec.updated``: LSTM ``c``, GRU/RNN ``h``) of every unit in
    every direction of ``layer``; ties go to the lower unit, forward first.
    """
    if not runs:
        raise ValueError("best_unit needs at least one Run")
    trace = runs[0].trace
    quantity = trace.spec.updated
    signals = [task_signal(r) for r in runs]
    usable = [(r, s[1]) for r, s in zip(runs, signals, strict=True) if s is not None]
    name = next((s[0] for s in signals if s is not None), "variance")
    best: BestUnit | None = None
    for direction in trace.directions:
        if usable:
            values = np.concatenate(
                [r.trace.quantity(layer, direction, quantity)[~np.isnan(s)] for r, s in usable]
            ).astype(np.float64)  # (N, H)
            signal = np.concatenate([s[~np.isnan(s)] for _, s in usable])  # (N,)
            scores = unit_correlations(values, signal) if signal.std() > 0 else None
        else:
            scores = None
        if scores is None:  # no signal, or a flat one: the unit that changes most
            values = np.concatenate(
                [r.trace.quantity(layer, direction, quantity) for r in runs]
            ).astype(np.float64)
            scores, kind = values.var(axis=0), "variance"
        else:
            kind = name
        unit = int(np.argmax(np.abs(scores)))
        score = float(scores[unit])
        if (
            best is None
            or (best.signal == "variance") > (kind == "variance")
            or (
                (best.signal == "variance") == (kind == "variance") and abs(score) > abs(best.score)
            )
        ):
            best = BestUnit(unit, direction, quantity, kind, score)
    assert best is not None
    return best
