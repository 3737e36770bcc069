"""The LSTM cell as ``nn.LSTM`` computes it: gates ``i, f, g, o`` (PyTorch's row order).

i, f, o = σ(W x_t + U h_{t-1} + b)      how much to write, keep, show
g       = tanh(W_g x_t + U_g h_{t-1} + b_g)   the candidate values
c_t = f ⊙ c_{t-1} + i ⊙ g               kept + written
h_t = o ⊙ tanh(c_t)                     (then W_hr h_t when the module has proj_size)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from torch import nn

from .base import (
    Array,
    Box,
    CellSpec,
    Diagram,
    Equation,
    Force,
    Gates,
    LayerWeights,
    add_,
    gate_line,
    sigmoid,
    sigmoid_,
    tanh,
    textbook_parts,
    tracks_grad,
)


def lstm_gates(
    wx: Array, uh: Array, b_x: Array = 0.0, b_h: Array = 0.0, force: Force = None
) -> Gates:
    """LSTM gates from ``wx = W_ih x``, ``uh = W_hh h_{t-1}`` (both ``(..., 4H)``) and biases.

    ``i, f, o = σ(wx + b_x + uh + b_h)`` and ``g = tanh(…)`` on their blocks (order i, f, g, o).
    """
    z = add_(wx + uh, b_x + b_h)  # (..., 4H) a fresh temporary, changed in place below
    hidden = z.shape[-1] // 4
    if tracks_grad(z):  # autograd (gradients.py): out of place
        s, g = z.sigmoid(), z[..., 2 * hidden : 3 * hidden].tanh()
    else:
        g = z[..., 2 * hidden : 3 * hidden]  # (..., H) the candidate's block
        g *= 2.0  # tanh(x) = 2σ(2x) - 1: one sigmoid pass serves all four blocks
        s = sigmoid_(z)
        g *= 2.0
        g -= 1.0
    gates = {
        "i": s[..., :hidden],  # (..., H) how much of the candidate to write
        "f": s[..., hidden : 2 * hidden],  # (..., H) how much of the old cell to keep
        "g": g,
        "o": s[..., 3 * hidden :],  # (..., H) how much of the cell to show
    }
    if force is not None:  # the four gates do not read each other: override them after
        gates = {name: force(name, value) for name, value in gates.items()}
    return gates


def _linear_states(g: Gates) -> dict[str, tuple[Array, Array]]:
    return {"c": (g["f"], g["i"] * g["g"])}  # c_t = f ⊙ c_{t-1} + i ⊙ g


def _update(g: Gates, prev: Mapping[str, Array], force: Force = None) -> dict[str, Array]:
    c = g["f"] * prev["c"] + g["i"] * g["g"]  # (..., H)
    return {"c": c, "h": g["o"] * tanh(c)}  # h before the optional projection W_hr


def lstm_layer(
    x: np.ndarray, w: LayerWeights, init: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """One LSTM layer, one direction, left to right. ``x (T, F)`` → ``{i f g o c h: (T, ·)}``."""
    (W_i, W_f, W_g, W_o), (U_i, U_f, U_g, U_o), (b_i, b_f, b_g, b_o) = textbook_parts(w, 4)
    h, c = init["h"], init["c"]
    steps: dict[str, list[np.ndarray]] = {k: [] for k in "ifgoch"}
    for x_t in x:
        i_t = sigmoid(W_i @ x_t + U_i @ h + b_i)  # input gate: how much to write
        f_t = sigmoid(W_f @ x_t + U_f @ h + b_f)  # forget gate: how much to keep
        g_t = np.tanh(W_g @ x_t + U_g @ h + b_g)  # candidate values
        o_t = sigmoid(W_o @ x_t + U_o @ h + b_o)  # output gate: how much to show
        c = f_t * c + i_t * g_t  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h = o_t * np.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
        if w.w_hr is not None:
            h = w.w_hr @ h  # projected hidden state (LSTM with proj_size)
        for k, v in zip("ifgoch", (i_t, f_t, g_t, o_t, c, h), strict=True):
            steps[k].append(v)
    return {k: np.stack(v) for k, v in steps.items()}


def _split(v: Mapping[str, Array]) -> tuple[Array, Array]:
    return v["f"] * v["c_prev"], v["i"] * v["g"]  # kept, written


def _derived(v: Mapping[str, Array]) -> dict[str, Array]:
    """tanh(c): one number, or every step and unit at once (the player's payload)."""
    return {"tanh_c": np.tanh(v["c"])} if "c" in v else {}


SPEC = CellSpec(
    name="lstm",
    title="LSTM",
    module=nn.LSTM,
    kernel="lstm",
    gates=("i", "f", "g", "o"),
    states=("h", "c"),
    quantities=("i", "f", "g", "o", "c", "h"),
    activations={"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"},
    gate_fn=lstm_gates,
    linear_states=_linear_states,
    update_fn=_update,
    updated="c",
    split_fn=_split,
    kept_label="f⊙c_{t-1}",
    written_label="i⊙g",
    equations=(
        gate_line("i", r"\sigma"),
        gate_line("f", r"\sigma"),
        gate_line("g", r"\tanh"),
        gate_line("o", r"\sigma"),
        Equation(
            "c", r"c_t &= f_t \odot c_{$prev} + i_t \odot g_t", r"$f \cdot $c_prev + $i \cdot $g"
        ),
        Equation("h", r"h_t &= o_t \odot \tanh(c_t)", r"$o \cdot \tanh($c)"),
    ),
    diagram=Diagram(
        gate_x={"f": 2.2, "i": 3.6, "g": 5.0, "o": 6.4},
        boxes=(
            Box(0.2, 4.5, "c<sub>$prev</sub>", "c_prev", "c"),
            Box(6.0, 4.5, "c<sub>t</sub>", "c", "c"),
            Box(7.6, 4.5, "tanh", "tanh_c", "h"),
            Box(9.2, 3.0, "h<sub>t</sub>", "h", "h"),
        ),
        nodes=((2.2, 4.5, "×"), (4.3, 3.0, "×"), (4.3, 4.5, "+"), (7.6, 3.0, "×")),
        arrows=(
            (0.75, 4.5, 1.95, 4.5),
            (2.2, 1.65, 2.2, 4.25),
            (3.6, 1.65, 4.15, 2.8),
            (5.0, 1.65, 4.45, 2.8),
            (4.3, 3.25, 4.3, 4.25),
            (2.45, 4.5, 4.05, 4.5),
            (4.55, 4.5, 5.45, 4.5),
            (6.55, 4.5, 7.05, 4.5),
            (7.6, 4.1, 7.6, 3.25),
            (6.4, 1.65, 7.45, 2.8),
            (7.85, 3.0, 8.65, 3.0),
        ),
    ),
    derived=_derived,
    projection=True,
    reference=lstm_layer,
    onepass=0,
    keep_gate="f",
)
