"""The GRU cell as ``nn.GRU`` computes it: gates ``r, z, n`` (PyTorch's row order).

    r, z = σ(W x_t + U h_{t-1} + b)
    n    = tanh(W_n x_t + b_in + r ⊙ (U_n h_{t-1} + b_hn))   reset AFTER the recurrent product
    h_t  = z ⊙ h_{t-1} + (1 - z) ⊙ n                         kept + written

Textbooks that write ``U_n (r ⊙ h)`` describe a different network than ``nn.GRU``.
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
    tanh_,
    tracks_grad,
)


def gru_gates(
    wx: Array, uh: Array, b_x: Array = 0.0, b_h: Array = 0.0, force: Force = None
) -> Gates:
    """GRU gates from ``wx = W_ih x``, ``uh = W_hh h_{t-1}`` (both ``(..., 3H)``) and biases.

    ``r, z = σ(W x + b_i + U h + b_h)``; ``n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn))``: the
    reset gate applies after the recurrent product, as ``nn.GRU`` does.
    """
    hidden = wx.shape[-1] // 3
    rz = wx[..., : 2 * hidden] + uh[..., : 2 * hidden]  # (..., 2H) temporary
    if not isinstance(b_x, float):
        rz = add_(rz, b_x[..., : 2 * hidden] + b_h[..., : 2 * hidden])
    rz = sigmoid_(rz)
    r, z = rz[..., :hidden], rz[..., hidden:]  # (..., H) reset and update gates
    if force is not None:  # before n reads r
        r, z = force("r", r), force("z", z)
    n = uh[..., 2 * hidden :] + (b_h if isinstance(b_h, float) else b_h[..., 2 * hidden :])
    x_n = wx[..., 2 * hidden :] + (0.0 if isinstance(b_x, float) else b_x[..., 2 * hidden :])
    if tracks_grad(n) or tracks_grad(x_n) or tracks_grad(r):  # autograd: out of place
        n = n * r + x_n
    else:
        n *= r  # r after the product U_n h + b_hn
        n += x_n
    n = tanh_(n)  # (..., H) candidate
    return {"r": r, "z": z, "n": n if force is None else force("n", n)}


def _update(g: Gates, prev: Mapping[str, Array], force: Force = None) -> dict[str, Array]:
    return {"h": g["z"] * prev["h"] + (1 - g["z"]) * g["n"]}


def gru_layer(
    x: np.ndarray, w: LayerWeights, init: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """One GRU layer, one direction, left to right. ``x (T, F)`` → ``{r z n h: (T, H)}``.

    The candidate keeps its two biases apart (``b_in``, ``b_hn``): PyTorch resets after the
    recurrent product, ``r ⊙ (U_n h + b_hn)``."""
    W_r, W_z, W_n = np.split(w.w_ih, 3)
    U_r, U_z, U_n = np.split(w.w_hh, 3)
    b_ih, b_hh = w.biases()
    (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = np.split(b_ih, 3), np.split(b_hh, 3)
    b_r, b_z = b_ir + b_hr, b_iz + b_hz
    h = init["h"]
    steps: dict[str, list[np.ndarray]] = {k: [] for k in "rznh"}
    for x_t in x:
        r_t = sigmoid(W_r @ x_t + U_r @ h + b_r)  # reset gate
        z_t = sigmoid(W_z @ x_t + U_z @ h + b_z)  # update gate
        n_t = np.tanh(W_n @ x_t + b_in + r_t * (U_n @ h + b_hn))  # candidate
        h = (1 - z_t) * n_t + z_t * h  # h_t: carried forward to the next step
        for k, v in zip("rznh", (r_t, z_t, n_t, h), strict=True):
            steps[k].append(v)
    return {k: np.stack(v) for k, v in steps.items()}


def _split(v: Mapping[str, Array]) -> tuple[Array, Array]:
    return v["z"] * v["h_prev"], (1 - v["z"]) * v["n"]  # kept, written


def _derived(v: Mapping[str, float]) -> dict[str, float]:
    return {"one_minus_z": 1.0 - v["z"]} if "z" in v else {}


SPEC = CellSpec(
    name="gru",
    title="GRU",
    module=nn.GRU,
    kernel="gru",
    gates=("r", "z", "n"),
    states=("h",),
    quantities=("r", "z", "n", "h"),
    activations={"r": "sigmoid", "z": "sigmoid", "n": "tanh"},
    gate_fn=gru_gates,
    linear_states=lambda g: {"h": (g["z"], (1 - g["z"]) * g["n"])},  # h = z ⊙ h_{t-1} + …
    update_fn=_update,
    updated="h",
    split_fn=_split,
    kept_label="z⊙h_{t-1}",
    written_label="(1−z)⊙n",
    equations=(
        gate_line("r", r"\sigma"),
        gate_line("z", r"\sigma"),
        Equation(
            "n",
            r"n_t &= \tanh(W_{n} x_t + b_{in} + r_t \odot (U_{n} h_{$prev} + b_{hn}))",
            r"\tanh($wx_n + $r \cdot $uh_n)",
        ),
        Equation(
            "h",
            r"h_t &= (1 - z_t) \odot n_t + z_t \odot h_{$prev}",
            r"$one_minus_z \cdot $n + $z \cdot $h_prev",
        ),
    ),
    diagram=Diagram(
        gate_x={"z": 2.2, "r": 3.7, "n": 5.2},
        boxes=(
            Box(0.2, 4.5, "h<sub>$prev</sub>", "h_prev", "h"),
            Box(9.2, 4.5, "h<sub>t</sub>", "h", "h"),
        ),
        nodes=((2.2, 4.5, "×"), (5.2, 3.0, "×"), (6.8, 4.5, "+")),
        arrows=(
            (0.75, 4.5, 1.95, 4.5),
            (2.2, 1.65, 2.2, 4.25),
            (2.6, 1.6, 4.95, 2.9),
            (4.25, 1.25, 4.65, 1.25),
            (5.2, 1.65, 5.2, 2.75),
            (2.45, 4.5, 6.55, 4.5),
            (5.4, 3.15, 6.6, 4.3),
            (7.05, 4.5, 8.65, 4.5),
        ),
        labels=((2.0, 3.0, "z"), (3.6, 2.55, "1−z")),
    ),
    derived=_derived,
    reference=gru_layer,
    onepass=1,
    keep_gate="z",
)
