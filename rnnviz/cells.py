"""One-step LSTM and GRU equations, written the way PyTorch computes them.

PyTorch stores the gates of one layer and direction stacked in the rows of ``weight_ih`` and
``weight_hh``: LSTM rows are ``i, f, g, o`` and GRU rows are ``r, z, n`` (``schema.GATES``).
The GRU applies its reset gate *after* the recurrent product: ``n = tanh(W_in x + b_in +
r * (W_hn h + b_hn))``; textbooks that write ``W_hn (r * h)`` describe a different network.

The functions work on NumPy arrays or torch tensors alike, and on a single step ``(H,)`` or on
many steps at once ``(T, H)``: the tracer feeds them every step of a sequence in one call,
because ``h_{t-1}`` is already known from the native forward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .schema import GATES, Cell

Array = Any  # np.ndarray or torch.Tensor with the same operations


def _sigmoid_(x: Array) -> Array:
    """Logistic function in place on a temporary (saves allocations on long sequences)."""
    if isinstance(x, torch.Tensor):
        return x.sigmoid_()
    np.multiply(x, 0.5, out=x)  # σ(x) = (1 + tanh(x/2)) / 2 never overflows
    np.tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


def _tanh_(x: Array) -> Array:
    """tanh in place on a temporary."""
    return x.tanh_() if isinstance(x, torch.Tensor) else np.tanh(x, out=x)


def split_gates(stacked: Array, cell: Cell) -> dict[str, Array]:
    """Split PyTorch's stacked gate rows (or last-axis columns of a pre-activation) by gate name.

    ``stacked`` is ``(G*H, ...)`` for a weight or bias, ``(..., G*H)`` for a pre-activation: pass
    weights as they are and pre-activations with ``axis=-1`` via :func:`split_last`.
    """
    names = GATES[cell]
    size = stacked.shape[0] // len(names)
    return {name: stacked[k * size : (k + 1) * size] for k, name in enumerate(names)}


def split_last(preact: Array, cell: Cell) -> dict[str, Array]:
    """Split a ``(..., G*H)`` pre-activation into ``{gate: (..., H)}``."""
    names = GATES[cell]
    size = preact.shape[-1] // len(names)
    return {name: preact[..., k * size : (k + 1) * size] for k, name in enumerate(names)}


def lstm_gates(wx: Array, uh: Array, b_x: Array = 0.0, b_h: Array = 0.0) -> dict[str, Array]:
    """LSTM gates from ``wx = W_ih x``, ``uh = W_hh h_{t-1}`` (both ``(..., 4H)``) and biases.

    ``i, f, o = σ(wx + b_x + uh + b_h)`` and ``g = tanh(…)`` on their blocks (order i, f, g, o).
    """
    z = wx + uh  # (..., 4H) a fresh temporary, changed in place below
    z += b_x + b_h
    hidden = z.shape[-1] // 4
    g = _tanh_(z[..., 2 * hidden : 3 * hidden] * 1.0)  # (..., H) the candidate values (a copy)
    s = split_last(_sigmoid_(z), "lstm")  # one call for all blocks; g's block goes unused
    return {
        "i": s["i"],  # (..., H) how much of the candidate to write
        "f": s["f"],  # (..., H) how much of the old cell to keep
        "g": g,
        "o": s["o"],  # (..., H) how much of the cell to show
    }


def gru_gates(wx: Array, uh: Array, b_x: Array = 0.0, b_h: Array = 0.0) -> dict[str, Array]:
    """GRU gates from ``wx = W_ih x``, ``uh = W_hh h_{t-1}`` (both ``(..., 3H)``) and biases.

    ``r, z = σ(W x + b_i + U h + b_h)``; ``n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn))``: the
    reset gate applies after the recurrent product, as ``nn.GRU`` does.
    """
    hidden = wx.shape[-1] // 3
    rz = wx[..., : 2 * hidden] + uh[..., : 2 * hidden]  # (..., 2H) temporary
    if not isinstance(b_x, float):
        rz += b_x[..., : 2 * hidden] + b_h[..., : 2 * hidden]
    rz = _sigmoid_(rz)
    r, z = rz[..., :hidden], rz[..., hidden:]  # (..., H) reset and update gates
    n = uh[..., 2 * hidden :] + (b_h if isinstance(b_h, float) else b_h[..., 2 * hidden :])
    n *= r  # r after the product U_n h + b_hn
    n += wx[..., 2 * hidden :]
    if not isinstance(b_x, float):
        n += b_x[..., 2 * hidden :]
    return {"r": r, "z": z, "n": _tanh_(n)}  # n: (..., H) candidate


def lstm_cell_update(f: Array, i: Array, g: Array, c_prev: Array) -> Array:
    """``c_t = f ⊙ c_{t-1} + i ⊙ g``."""
    return f * c_prev + i * g


def lstm_hidden(o: Array, c: Array) -> Array:
    """``h_t = o ⊙ tanh(c_t)`` (before the optional projection ``W_hr``)."""
    return o * (c.tanh() if isinstance(c, torch.Tensor) else np.tanh(c))


def gru_hidden(z: Array, n: Array, h_prev: Array) -> Array:
    """``h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}``."""
    return (1 - z) * n + z * h_prev
