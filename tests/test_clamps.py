"""Gate clamps: no clamp reproduces the trace; a clamp changes only the steps it can reach."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz import trace_rnn
from rnnviz.analysis.clamps import Clamp, allowed_gates, clamp, probabilities, value_range
from rnnviz.cells import CELLS

T = 12


def _setup(cls, seed: int = 0, **kw):
    torch.manual_seed(seed)
    rnn = cls(4, 5, num_layers=2, bidirectional=True, **kw)
    x = torch.randn(T, 4)
    return rnn, x, trace_rnn(rnn, x)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_no_clamp_reproduces_the_trace(cell):
    """Every registered cell re-runs through its own registry equations."""
    rnn, x, tr = _setup(CELLS[cell].build)
    res = clamp(rnn, x, tr, [], recompute_all=True)
    for layer in range(2):
        for d in tr.directions:
            for name in tr.names:
                np.testing.assert_allclose(
                    res.quantity(layer, d, name), tr.quantity(layer, d, name), atol=1e-5, rtol=0
                )
    np.testing.assert_allclose(res.output, tr.output, atol=1e-5, rtol=0)
    with torch.no_grad():
        np.testing.assert_allclose(res.output, rnn(x)[0].numpy(), atol=1e-5, rtol=0)
    lazy = clamp(rnn, x, tr, [])  # nothing to re-run: the trace's own numbers
    assert not np.abs(lazy.output_delta).any()


def test_lstm_with_projection_and_initial_state():
    torch.manual_seed(1)
    rnn = nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3)
    x = torch.randn(T, 4)
    hx = (torch.randn(4, 3), torch.randn(4, 6))
    tr = trace_rnn(rnn, x, hx=hx)
    res = clamp(rnn, x, tr, [], recompute_all=True)
    np.testing.assert_allclose(res.output, tr.output, atol=1e-5, rtol=0)
    np.testing.assert_allclose(res.quantity(1, "backward", "c"), tr.quantity(1, "backward", "c"),
                               atol=1e-5, rtol=0)  # fmt: skip


def test_keep_everything_holds_c_constant():
    """f = 1, i = 0 over tokens 3..7: the forward cell state does not move there."""
    rnn, x, tr = _setup(nn.LSTM)
    units = (0, 2, 4)
    res = clamp(rnn, x, tr, [
        Clamp(0, "forward", "f", units, 3, 7, 1.0),
        Clamp(0, "forward", "i", units, 3, 7, 0.0),
    ])  # fmt: skip
    c = res.quantity(0, "forward", "c")[:, units]
    before = tr.quantity(0, "forward", "c")[2, units]
    np.testing.assert_allclose(c[3:8], np.tile(before, (5, 1)), atol=1e-12)
    assert np.abs(res.delta(0, "forward", "c")[3:8, units]).max() > 1e-3


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_a_clamp_reaches_later_steps_forward_and_earlier_backward(cls):
    rnn, x, tr = _setup(cls)
    gate = "f" if cls is nn.LSTM else "z"
    start, end = 4, 6
    fwd = clamp(rnn, x, tr, [Clamp(0, "forward", gate, (1, 3), start, end, 0.0)])
    dh = np.abs(fwd.delta(0, "forward", "h")).max(axis=1)
    assert not dh[:start].any() and dh[start:].min() > 0
    assert not np.abs(fwd.delta(0, "backward", "h")).any()  # layer 0 backward untouched
    up = np.abs(fwd.delta(1, "backward", "h")).max(axis=1)  # layer 1 backward reads it all
    assert up[: end + 1].min() > 0
    assert not np.abs(fwd.output_delta[:start, :5]).any()  # layer 1 forward: only t ≥ start

    bwd = clamp(rnn, x, tr, [Clamp(0, "backward", gate, (1, 3), start, end, 0.0)])
    dh = np.abs(bwd.delta(0, "backward", "h")).max(axis=1)
    assert not dh[end + 1 :].any() and dh[: end + 1].min() > 0
    assert not np.abs(bwd.delta(0, "forward", "h")).any()


def test_gru_update_gate_one_freezes_h():
    rnn, x, tr = _setup(nn.GRU)
    res = clamp(rnn, x, tr, [Clamp(1, "backward", "z", (0, 1, 2, 3, 4), 2, 9, 1.0)])
    h = res.quantity(1, "backward", "h")
    np.testing.assert_allclose(h[2:10], np.tile(tr.quantity(1, "backward", "h")[10], (8, 1)))


def test_shipped_model_prediction_changes():
    from rnnviz import models

    m = models.load("count-lstm")
    text = "((()))(()"
    tr = m.trace(text)
    x = m.inputs(text)
    same = clamp(m.rnn, x, tr, [], recompute_all=True)
    np.testing.assert_allclose(same.output, tr.output, atol=1e-5, rtol=0)
    units = tuple(range(tr.hidden_size))
    res = clamp(m.rnn, x, tr, [Clamp(0, "forward", "f", units, 2, 4, 0.0)])
    before, after = probabilities(res, *m.head())
    np.testing.assert_allclose(before, m.predict_proba(text), atol=1e-5)
    np.testing.assert_allclose(before[:2], after[:2])
    assert np.abs(after - before)[2:].max() > 1e-3


def test_bad_clamps():
    rnn, x, tr = _setup(nn.GRU)
    with pytest.raises(ValueError, match="gates that can be clamped"):
        clamp(rnn, x, tr, [Clamp(0, "forward", "f", (0,), 0, 1, 0.0)])
    with pytest.raises(ValueError, match="span"):
        clamp(rnn, x, tr, [Clamp(0, "forward", "z", (0,), 5, 2, 0.0)])
    with pytest.raises(ValueError, match="can be clamped to"):
        clamp(rnn, x, tr, [Clamp(0, "forward", "z", (0,), 0, 1, 2.0)])
    with pytest.raises(ValueError, match="units"):
        clamp(rnn, x, tr, [Clamp(0, "forward", "z", (9,), 0, 1, 0.0)])
    lstm, x2, _ = _setup(nn.LSTM)
    with pytest.raises(ValueError, match="does not come from"):
        clamp(lstm, x2, tr, [])


def test_gru_reset_clamp_reaches_the_candidate():
    """r = 0 at a step: n there reads no memory, n = tanh(W_n x + b_in), exactly."""
    rnn, x, tr = _setup(nn.GRU)
    res = clamp(rnn, x, tr, [Clamp(0, "forward", "r", (0, 1, 2, 3, 4), 5, 5, 0.0)])
    w, b = rnn.weight_ih_l0.detach().double(), rnn.bias_ih_l0.detach().double()
    n = torch.tanh(x[5].double() @ w[10:].T + b[10:]).numpy()  # rows 2H..3H: the candidate
    np.testing.assert_allclose(res.quantity(0, "forward", "n")[5], n, atol=1e-12)
    assert np.abs(res.delta(0, "forward", "n")[5]).max() > 1e-3


@pytest.mark.parametrize("cell", ["rnn", "rnn_relu"])
def test_vanilla_rnn_h_clamp_holds_and_propagates(cell):
    rnn, x, tr = _setup(CELLS[cell].build)
    assert allowed_gates(cell) == ("h",)
    lo, hi = value_range("h", cell)
    assert (lo, hi) == ((-1.0, 1.0) if cell == "rnn" else (0.0, 2.0))  # relu: its colour scale
    res = clamp(rnn, x, tr, [Clamp(0, "forward", "h", (2,), 3, 6, hi)])
    h = res.quantity(0, "forward", "h")
    np.testing.assert_allclose(h[3:7, 2], hi)
    assert not np.abs(res.delta(0, "forward", "h")[:3]).any()
    assert np.abs(res.delta(0, "forward", "h")[7:]).max() > 1e-4  # later steps read it
