"""minGRU (Feng et al. 2024, "Were RNNs All We Needed?"): a GRU whose gates never read h_{t-1}.

    z_t  = σ(W_z x_t + b_z)                       update gate, from the input alone
    h̃_t  = W_h x_t + b_h                          candidate, linear (no tanh)
    h_t  = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t          kept + written

Note the convention: z weights the NEW value (nn.GRU's z weights the old one). Because z and h̃
depend on x alone, every ``(a_t, b_t) = (1 − z_t, z_t ⊙ h̃_t)`` is known before the first step and
the whole sequence is one linear recurrence: the tracer runs it as a parallel scan
(:func:`rnnviz.scan.parallel_scan`, ⌈log₂ T⌉ rounds), the module's own forward as the step-by-step
loop, and the two agree to float rounding.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from ..scan import parallel_scan
from ..schema import QuantityStyle
from .base import (
    Array,
    Box,
    CellSpec,
    Diagram,
    Equation,
    Force,
    Gates,
    LayerRun,
    LayerWeights,
    arguments,
    sigmoid,
    textbook_parts,
)
from .module import StackedCell


def _sigmoid(x: Array) -> Array:
    return x.sigmoid() if isinstance(x, torch.Tensor) else sigmoid(x)


def mingru_gates(
    wx: Array, uh: Array, b_x: Array = 0.0, b_h: Array = 0.0, force: Force = None
) -> Gates:
    """``z = σ(W_z x + b_z)``, ``h̃ = W_h x + b_h`` from ``wx (..., 2H)``; ``uh`` is unused (0)."""
    pre = wx + b_x + b_h  # (..., 2H) a new array: the gates never read h_{t-1}
    hidden = pre.shape[-1] // 2
    z, htilde = _sigmoid(pre[..., :hidden]), pre[..., hidden:]
    if force is not None:
        z, htilde = force("z", z), force("htilde", htilde)
    return {"z": z, "htilde": htilde}


def _update(g: Gates, prev: Mapping[str, Array], force: Force = None) -> dict[str, Array]:
    return {"h": (1 - g["z"]) * prev["h"] + g["z"] * g["htilde"]}


def _split(v: Mapping[str, Array]) -> tuple[Array, Array]:
    return (1 - v["z"]) * v["h_prev"], v["z"] * v["htilde"]  # kept, written


def _derived(v: Mapping[str, float]) -> dict[str, float]:
    return {"one_minus_z": 1.0 - v["z"]} if "z" in v else {}


def scan_layer(
    spec: CellSpec, inp: torch.Tensor, init: Mapping[str, torch.Tensor], weights: list[LayerWeights]
) -> LayerRun:
    """Every step of every direction at once: the gates from ``x`` alone, then ``h`` by a
    parallel scan (the backward direction scans the reversed sequence, then flips back)."""
    wx, b_x, b_h = arguments(inp, weights)  # (D, T, 2H), (D, 1, 2H) ×2
    gates = mingru_gates(wx, 0.0, b_x, b_h)  # (D, T, H) each
    a, b = 1 - gates["z"], gates["z"] * gates["htilde"]  # h_t = a_t ⊙ h_{t-1} + b_t
    h = torch.empty_like(a)
    for d in range(len(weights)):
        rows = slice(d, d + 1)
        if d == 0:
            h[rows] = parallel_scan(a[rows], b[rows], init["h"][rows])
        else:  # reading order is right to left
            h[rows] = parallel_scan(a[rows].flip(1), b[rows].flip(1), init["h"][rows]).flip(1)
    last = torch.stack([h[0, -1], h[1, 0]]) if len(weights) == 2 else h[:, -1]  # (D, H)
    values = {"z": gates["z"], "htilde": gates["htilde"], "h": h}
    out = h.transpose(0, 1).reshape(inp.shape[0], -1)  # (T, D*H)
    return LayerRun(out, values, wx, torch.zeros_like(wx), b_x, b_h, {"h": last})


def mingru_layer(
    x: np.ndarray, w: LayerWeights, init: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """One minGRU layer, one direction, left to right. ``x (T, F)`` → ``{z htilde h: (T, H)}``."""
    (W_z, W_h), _, (b_z, b_h) = textbook_parts(w, 2)
    h = init["h"]
    steps: dict[str, list[np.ndarray]] = {k: [] for k in ("z", "htilde", "h")}
    for x_t in x:
        z_t = sigmoid(W_z @ x_t + b_z)  # update gate: reads x_t only
        htilde_t = W_h @ x_t + b_h  # candidate: linear, reads x_t only
        h = (1 - z_t) * h + z_t * htilde_t  # h_t: the only place h_{t-1} appears
        for k, v in zip(("z", "htilde", "h"), (z_t, htilde_t, h), strict=True):
            steps[k].append(v)
    return {k: np.stack(v) for k, v in steps.items()}


class MinGRU(StackedCell):
    """minGRU layers (``weight_ih_l{k}`` holds ``W_z`` and ``W_h``; there is no ``weight_hh``).

    Its forward is the sequential mode: one step at a time, as a student would write it.
    """

    gate_count = 2
    states = ("h",)
    reads_h = False

    def direction(self, x, w, init, mask):
        hidden = self.hidden_size
        pre = x @ w.w_ih.t()  # (T, B, 2H)
        if w.b_ih is not None:
            pre = pre + w.b_ih
        z, htilde = pre[..., :hidden].sigmoid(), pre[..., hidden:]  # (T, B, H) each
        h, outs = init["h"], []
        for t in range(x.shape[0]):
            new = (1 - z[t]) * h + z[t] * htilde[t]  # (B, H)
            h = torch.where(mask[t], new, h)
            outs.append(h)
        return torch.stack(outs), {"h": h}


SPEC = CellSpec(
    name="mingru",
    title="minGRU",
    module=MinGRU,
    kernel=None,
    gates=("z", "htilde"),
    states=("h",),
    quantities=("z", "htilde", "h"),
    activations={"z": "sigmoid", "htilde": "identity"},
    gate_fn=mingru_gates,
    linear_states=lambda g: {"h": (1 - g["z"], g["z"] * g["htilde"])},
    update_fn=_update,
    updated="h",
    split_fn=_split,
    kept_label="(1−z)⊙h_{t-1}",
    written_label="z⊙h̃",
    equations=(
        Equation("z", r"z_t &= \sigma(W_{z} x_t + b_{z})", r"\sigma($wx_z)"),
        Equation("htilde", r"\tilde{h}_t &= W_{h} x_t + b_{h}", r"$wx_htilde"),
        Equation(
            "h",
            r"h_t &= (1 - z_t) \odot h_{$prev} + z_t \odot \tilde{h}_t",
            r"$one_minus_z \cdot $h_prev + $z \cdot $htilde",
        ),
    ),
    diagram=Diagram(
        gate_x={"z": 2.2, "htilde": 5.2},
        boxes=(
            Box(0.2, 4.5, "h<sub>$prev</sub>", "h_prev", "h"),
            Box(9.2, 4.5, "h<sub>t</sub>", "h", "h"),
        ),
        nodes=((2.2, 4.5, "×"), (5.2, 3.0, "×"), (6.8, 4.5, "+")),
        arrows=(
            (0.75, 4.5, 1.95, 4.5),
            (2.2, 1.65, 2.2, 4.25),
            (2.6, 1.6, 4.95, 2.9),
            (5.2, 1.65, 5.2, 2.75),
            (2.45, 4.5, 6.55, 4.5),
            (5.4, 3.15, 6.6, 4.3),
            (7.05, 4.5, 8.65, 4.5),
        ),
        labels=((1.9, 3.0, "1−z"), (3.6, 2.55, "z"), (5.2, 0.3, "no h<sub>$prev</sub> here")),
    ),
    derived=_derived,
    styles={
        "htilde": QuantityStyle("htilde", "candidate (linear)", -2.0, 2.0, "RdBu_r", "identity"),
        "h": QuantityStyle("h", "hidden state", -2.0, 2.0, "RdBu_r", "unbounded"),
    },
    layer_fn=scan_layer,
    reference=mingru_layer,
    keep_gate="z",
    keep_complement=True,
    reads_h=False,
)
