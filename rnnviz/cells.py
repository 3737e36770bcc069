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


def _sigmoid(x: Array) -> Array:
    if isinstance(x, torch.Tensor):
        return torch.sigmoid(x)
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def _tanh(x: Array) -> Array:
    return torch.tanh(x) if isinstance(x, torch.Tensor) else np.tanh(x)


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


def lstm_gates(wx: Array, uh: Array) -> dict[str, Array]:
    """LSTM gates from ``wx = W_ih x + b_ih`` and ``uh = W_hh h_{t-1} + b_hh``, both ``(..., 4H)``."""
    z = wx + uh  # (..., 4H)
    # One logistic call over all four blocks is cheaper than three calls; g's block is unused.
    s = split_last(_sigmoid(z), "lstm")
    return {
        "i": s["i"],  # (..., H) how much of the candidate to write
        "f": s["f"],  # (..., H) how much of the old cell to keep
        "g": _tanh(split_last(z, "lstm")["g"]),  # (..., H) the candidate values
        "o": s["o"],  # (..., H) how much of the cell to show
    }


def gru_gates(wx: Array, uh: Array) -> dict[str, Array]:
    """GRU gates from ``wx = W_ih x + b_ih`` and ``uh = W_hh h_{t-1} + b_hh``, both ``(..., 3H)``."""
    x_parts = split_last(wx, "gru")
    h_parts = split_last(uh, "gru")
    r = _sigmoid(x_parts["r"] + h_parts["r"])  # (..., H) reset gate
    z = _sigmoid(x_parts["z"] + h_parts["z"])  # (..., H) update gate
    n = _tanh(x_parts["n"] + r * h_parts["n"])  # (..., H) candidate; r after the product
    return {"r": r, "z": z, "n": n}


def lstm_cell_update(f: Array, i: Array, g: Array, c_prev: Array) -> Array:
    """``c_t = f ⊙ c_{t-1} + i ⊙ g``."""
    return f * c_prev + i * g


def lstm_hidden(o: Array, c: Array) -> Array:
    """``h_t = o ⊙ tanh(c_t)`` (before the optional projection ``W_hr``)."""
    return o * _tanh(c)


def gru_hidden(z: Array, n: Array, h_prev: Array) -> Array:
    """``h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}``."""
    return (1 - z) * n + z * h_prev
