"""The vanilla (Elman) RNN as ``nn.RNN`` computes it: one block, no gates.

    h_t = tanh(W_h x_t + U_h h_{t-1} + b_h)     (or relu, with nonlinearity="relu")

Its only quantity is ``h``; ``weight_ih`` has one row block per unit, named ``h`` because it
*is* the new state's argument. Nothing of ``h_{t-1}`` is kept as it is: everything is written
anew each step (kept = 0), which is why it forgets, and why the LSTM and GRU add gates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from torch import nn

from ..schema import QuantityStyle
from .base import (
    Array,
    Box,
    CellSpec,
    Diagram,
    Force,
    Gates,
    LayerWeights,
    add_,
    gate_line,
    relu_,
    tanh_,
)


def _gate_fn(act: Callable[[Array], Array]) -> Callable[..., Gates]:
    def rnn_gates(
        wx: Array, uh: Array, b_x: Array = 0.0, b_h: Array = 0.0, force: Force = None
    ) -> Gates:
        """``h = act(wx + b_x + uh + b_h)`` from ``wx = W_ih x``, ``uh = W_hh h_{t-1}`` (..., H)."""
        h = act(add_(wx + uh, b_x + b_h))  # (..., H) a fresh temporary, activated in place
        return {"h": h if force is None else force("h", h)}

    return rnn_gates


rnn_tanh_gates = _gate_fn(tanh_)
rnn_relu_gates = _gate_fn(relu_)


def _update(g: Gates, prev: Mapping[str, Array], force: Force = None) -> dict[str, Array]:
    return {"h": g["h"]}  # the new state is the activation itself


def _split(v: Mapping[str, Array]) -> tuple[Array, Array]:
    return v["h"] * 0, v["h"]  # nothing kept, everything written


def _textbook(act: Callable[[np.ndarray], np.ndarray]) -> Callable[..., dict[str, np.ndarray]]:
    def rnn_layer(
        x: np.ndarray, w: LayerWeights, init: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """One vanilla (Elman) RNN layer, left to right. ``x (T, F)`` → ``{h: (T, H)}``."""
        b_ih, b_hh = w.biases()
        W, U, b = w.w_ih, w.w_hh, b_ih + b_hh
        h = init["h"]
        steps = []
        for x_t in x:
            h = act(W @ x_t + U @ h + b)  # h_t: all of it written anew, nothing kept
            steps.append(h)
        return {"h": np.stack(steps)}

    return rnn_layer


def _spec(name: str, title: str, nonlinearity: str, act: str, latex_act: str) -> CellSpec:
    gate_fn = rnn_tanh_gates if nonlinearity == "tanh" else rnn_relu_gates
    styles = {}
    if nonlinearity == "relu":  # h ≥ 0 and unbounded: the diverging scale clipped like c
        styles = {"h": QuantityStyle("h", "hidden state", -2.0, 2.0, "RdBu_r", "relu")}
    return CellSpec(
        name=name,
        title=title,
        module=nn.RNN,
        kernel=f"rnn_{nonlinearity}",
        gates=("h",),
        states=("h",),
        quantities=("h",),
        activations={"h": act},
        gate_fn=gate_fn,
        linear_states=lambda g: {},
        update_fn=_update,
        updated="h",
        split_fn=_split,
        kept_label="0",
        written_label=f"{act}(Wx+Uh+b)",
        equations=(gate_line("h", latex_act),),
        diagram=Diagram(
            gate_x={"h": 3.6},
            boxes=(
                Box(0.2, 4.5, "h<sub>$prev</sub>", "h_prev", "h"),
                Box(9.2, 1.25, "h<sub>t</sub>", "h", "h"),
            ),
            arrows=((0.2, 4.1, 0.2, 0.85), (4.15, 1.25, 8.65, 1.25)),
            labels=((6.4, 1.6, act), (4.8, 3.2, "nothing of h<sub>$prev</sub> is kept")),
        ),
        nonlinearity=nonlinearity,
        styles=styles,
        reference=_textbook(np.tanh if nonlinearity == "tanh" else lambda v: np.maximum(v, 0)),
    )


SPEC = _spec("rnn", "RNN (tanh)", "tanh", "tanh", r"\tanh")
RELU_SPEC = _spec("rnn_relu", "RNN (relu)", "relu", "relu", r"\mathrm{relu}")
