"""Memory provenance: the per-token parts of c (LSTM) and h (GRU) sum exactly to the trace."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz import trace_rnn
from rnnviz.analysis.provenance import decompose, provenance
from rnnviz.cells import CELLS


def _trace(cls, seed: int = 0, steps: int = 17, hx: bool = False):
    torch.manual_seed(seed)
    rnn = cls(5, 6, num_layers=2, bidirectional=True)
    x = torch.randn(steps, 5)
    state = None
    if hx:
        h0 = torch.randn(4, 6)
        state = (h0, torch.randn(4, 6)) if cls is nn.LSTM else h0
    return trace_rnn(rnn, x, hx=state, tokens=[f"w{i % 5}" for i in range(steps)])


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
@pytest.mark.parametrize("hx", [False, True])
def test_rows_sum_to_the_trace(cls, hx):
    tr = _trace(cls, hx=hx)
    name = "c" if cls is nn.LSTM else "h"
    for layer in range(2):
        for direction in ("forward", "backward"):
            p = provenance(tr, layer, direction)
            assert p.matrix.shape == (6, 17, 17) and p.init.shape == (6, 17)
            state = tr.quantity(layer, direction, name)  # (T, H)
            np.testing.assert_allclose(p.total.T, state, atol=1e-5, rtol=0)
            for unit in (0, 3, 5):
                one = provenance(tr, layer, direction, unit)
                assert one.matrix.shape == (17, 17) and one.init.shape == (17,)
                np.testing.assert_allclose(one.total, state[:, unit], atol=1e-5, rtol=0)
                np.testing.assert_array_equal(one.matrix, p.matrix[unit])


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_only_read_tokens_contribute(cls):
    """Forward: token s only counts at t ≥ s; backward (read right to left): only at t ≤ s."""
    tr = _trace(cls)
    fwd = provenance(tr, 0, "forward").matrix
    bwd = provenance(tr, 0, "backward").matrix
    upper = np.triu(np.ones((17, 17), bool), 1)  # s > t
    assert not fwd[:, upper].any() and not bwd[:, upper.T].any()
    assert (fwd[:, ~upper] != 0).mean() > 0.9 and (bwd[:, ~upper.T] != 0).mean() > 0.9


def test_diagonal_is_this_tokens_write():
    tr = _trace(nn.LSTM)
    for direction in ("forward", "backward"):
        p = provenance(tr, 1, direction)
        w = tr.quantity(1, direction, "i") * tr.quantity(1, direction, "g")  # (T, H)
        np.testing.assert_allclose(np.diagonal(p.matrix, axis1=1, axis2=2).T, w, atol=1e-7)


def test_tiny_forget_gates_stay_exact():
    """A forget gate of 1e-30 cuts memory: no 0/0, parts after it exact."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(40, 3))
    k = rng.uniform(0.0, 1.0, size=(40, 3))
    k[10] = 1e-30
    k[25, 1] = 0.0
    init = rng.normal(size=3)
    matrix, left = decompose(w, k, init)
    s, ref = init.copy(), []
    for t in range(40):
        s = k[t] * s + w[t]
        ref.append(s)
    assert np.isfinite(matrix).all()
    np.testing.assert_allclose(matrix.sum(-1) + left, np.array(ref).T, atol=1e-12)
    assert np.abs(matrix[:, 12:, :10]).max() < 1e-29


def test_shipped_counter_model():
    from rnnviz import models

    m = models.load("count-lstm")
    text = "((()))(()"
    tr = m.trace(text)
    p = provenance(tr, 0, "forward")
    np.testing.assert_allclose(p.total.T, tr.quantity(0, "forward", "c"), atol=1e-5, rtol=0)
    assert p.tokens == tuple(tr.tokens)


def test_bad_unit_and_cell():
    tr = _trace(nn.GRU)
    with pytest.raises(ValueError, match=r"unit must be in 0\.\.5"):
        provenance(tr, 0, "forward", 6)

    class Fake:
        cell = "rnn"
        spec = CELLS["rnn"]

    with pytest.raises(ValueError, match="no exact per-token decomposition"):
        provenance(Fake(), 0, "forward")
