"""The vanishing gradient: Jacobian norms equal finite differences; gates keep the gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz.analysis import gradients as G
from rnnviz.cells import CELLS, cell_of


def _fd_jacobians(rnn, x, layer, direction, eps=1e-6):
    """``J[t] = ∂h_last/∂h_t (H, H)`` by central differences on the step-by-step forward."""
    spec = cell_of(rnn)
    rev = direction == "backward"
    below = G.forward(rnn, torch.as_tensor(x, dtype=torch.float64)[None], upto=layer)
    p = G._params(spec, rnn, layer, rev)
    steps, h = x.shape[0], rnn.hidden_size
    jac = np.zeros((steps, h, h))
    for t in range(steps):
        for k in range(h):
            outs = []
            for sign in (1, -1):
                deltas = [torch.zeros(1, h, dtype=torch.float64) for _ in range(steps)]
                deltas[t][0, k] = sign * eps
                out = G._layer(spec, p, below, rev, deltas)[0]
                outs.append((out[0] if rev else out[-1]).numpy())
            jac[t, :, k] = (outs[0] - outs[1]) / (2 * eps)
    return jac


@pytest.mark.parametrize("cell", CELLS)
def test_norms_equal_finite_differences(cell):
    torch.manual_seed(0)
    rnn = CELLS[cell].build(3, 4, num_layers=2, bidirectional=True)
    x = torch.randn(6, 3).numpy()
    for layer, direction in ((1, "forward"), (0, "backward")):
        got = G.gradient_norms(rnn, x, layer=layer, direction=direction)
        fd = np.linalg.norm(_fd_jacobians(rnn, x, layer, direction), axis=(1, 2))
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)
        last = -1 if direction == "forward" else 0
        assert got[last] == pytest.approx(2.0)  # identity: √H


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_step_forward_equals_pytorch(cls):
    torch.manual_seed(1)
    rnn = cls(3, 4, num_layers=2, bidirectional=True)
    x = torch.randn(7, 3)
    with torch.no_grad():
        ref = rnn(x)[0].double().numpy()
    np.testing.assert_allclose(G.forward(rnn, x[None])[0].numpy(), ref, atol=1e-6)


def test_lstm_with_projection():
    torch.manual_seed(2)
    rnn = nn.LSTM(3, 5, proj_size=2)
    x = torch.randn(6, 3)
    with torch.no_grad():
        np.testing.assert_allclose(
            G.forward(rnn, x[None])[0].numpy(), rnn(x)[0].double().numpy(), atol=1e-6
        )
    norms = G.gradient_norms(rnn, x)
    assert norms.shape == (6,) and norms[-1] == pytest.approx(np.sqrt(2))


def test_input_saliency_matches_finite_differences():
    torch.manual_seed(3)
    rnn = nn.GRU(3, 4, bidirectional=True)
    x = torch.randn(5, 3).double()
    w, b = np.random.default_rng(0).normal(size=(2, 8)), np.zeros(2)
    got = G.input_saliency_norms(rnn, x, head=(w, b), target=1, at=2)

    def loss(xx):
        s = G.forward(rnn, xx[None])[0, 2].numpy() @ w.T + b
        return -(s[1] - np.log(np.exp(s).sum()))

    eps, fd = 1e-6, np.zeros((5, 3))
    for t in range(5):
        for f in range(3):
            up, down = x.clone(), x.clone()
            up[t, f] += eps
            down[t, f] -= eps
            fd[t, f] = (loss(up) - loss(down)) / (2 * eps)
    np.testing.assert_allclose(got, np.linalg.norm(fd, axis=1), rtol=1e-5, atol=1e-9)
    jac = G.input_saliency_norms(rnn, x)
    assert jac.shape == (5,) and (jac > 0).all()
    with pytest.raises(ValueError, match="target"):
        G.input_saliency_norms(rnn, x, head=(w, b))


def test_vanilla_rnn_forgets_first():
    """Default init, T=50: the RNN's gradient from the first step is far below the gated cells'."""
    curves = G.compare_cells(steps=50, hidden=32, seed=0)
    assert set(curves) == set(CELLS)
    for v in curves.values():
        assert v.shape == (50,) and v[-1] == pytest.approx(np.sqrt(32))
    ratio = {k: v[-1] / v[0] for k, v in curves.items()}  # last / first: how much is lost
    assert ratio["rnn"] > 100 * ratio["lstm"] and ratio["rnn"] > 100 * ratio["gru"]
    opened = G.compare_cells(steps=50, hidden=32, seed=0, keep_bias=2.0)
    assert opened["lstm"][0] > 1e-2 and opened["gru"][0] > 1e-2
    for name, spec in CELLS.items():  # every gate that keeps memory, opened, keeps the gradient
        if spec.keep_gate is not None:  # (measured: minGRU 2e-13 -> 1.5e-2, sLSTM 4e-11 -> 1e-3)
            assert opened[name][0] > 1e6 * curves[name][0] and opened[name][0] > 1e-4, name
        else:
            np.testing.assert_array_equal(opened[name], curves[name])
    assert opened["rnn"][0] < 1e-10
    np.testing.assert_array_equal(opened["rnn"], curves["rnn"])


def test_shipped_model():
    from rnnviz import models

    m = models.load("count-lstm")
    x = m.inputs("((()))(()")
    norms = G.gradient_norms(m.rnn, x)
    assert norms.shape == (9,) and np.isfinite(norms).all()
    assert norms[-1] == pytest.approx(np.sqrt(m.rnn.hidden_size))


def test_bad_input():
    rnn = nn.GRU(3, 4)
    with pytest.raises(ValueError, match="shape"):
        G.gradient_norms(rnn, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="direction"):
        G.gradient_norms(rnn, np.zeros((5, 3)), direction="backward")
    with pytest.raises(TypeError):
        G.gradient_norms(nn.Linear(3, 4), np.zeros((5, 3)))
