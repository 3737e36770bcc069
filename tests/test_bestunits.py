"""The best unit for a task is found from the trace: a planted counter is found by its depth."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnviz import trace_rnn
from rnnviz.analysis.bestunits import best_unit, task_signal
from rnnviz.models.base import Run, softmax


def fake_run(task: str, text: str, kind: str, predicted, cell=torch.nn.LSTM, plant=None) -> Run:
    torch.manual_seed(0)
    rnn = cell(3, 8, bidirectional=task == "cws")
    trace = trace_rnn(rnn, torch.randn(len(text), 3), tokens=list(text))
    if plant is not None:  # make one unit's updated state equal the signal (plus a little noise)
        name = trace.spec.updated
        key = trace._key(0, "forward", name)
        values = trace.arrays[key].copy()
        values[:, plant[0]] = plant[1] + 0.01 * np.arange(len(text))
        trace.arrays[key] = values
    scores = np.zeros((len(text), 2))
    return Run(
        model="m", text=text, tokens=tuple(text), unknown=(False,) * len(text), trace=trace,
        labels=("a", "b"), scores=scores, proba=softmax(scores), predicted=tuple(predicted),
        split=None, task=task, kind=kind,
    )  # fmt: skip


def test_count_signal_is_depth_until_invalid() -> None:
    run = fake_run("count", "(()))(", "tagger", ["x"] * 6)
    name, depth = task_signal(run)
    assert name == "depth"
    assert depth[:4].tolist() == [1, 2, 1, 0]
    assert np.isnan(depth[4:]).all()  # from the first unmatched ")" on, the prefix is invalid


def test_planted_counter_is_found() -> None:
    text = "((()(())))()(("
    from rnnviz.data import counting

    depth = np.array(counting.depths(text), dtype=float)
    run = fake_run("count", text, "tagger", ["x"] * len(text), plant=(5, depth))
    best = best_unit([run])
    assert (best.unit, best.direction, best.quantity, best.signal) == (5, "forward", "c", "depth")
    assert best.score > 0.99


def test_boundary_signal_for_segmenters_and_variance_fallback() -> None:
    tags = ["B", "E", "S", "B", "M", "E"]
    run = fake_run("cws", "我爱北京天安", "tagger", tags, cell=torch.nn.GRU)
    name, signal = task_signal(run)
    assert name == "boundary" and signal.tolist() == [1, 0, 1, 1, 0, 0]
    assert best_unit([run]).signal == "boundary"
    sentiment = fake_run("sentiment", "很好", "classifier", ["b"], cell=torch.nn.GRU)
    assert task_signal(sentiment) is None
    best = best_unit([sentiment])
    h = sentiment.trace.quantity(0, "forward", "h")
    assert best.signal == "variance" and best.unit == int(np.argmax(h.var(axis=0)))


def test_no_runs_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        best_unit([])
