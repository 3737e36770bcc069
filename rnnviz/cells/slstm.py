"""sLSTM (Beck et al. 2024, "xLSTM"): an LSTM with an exponential input gate and a normalizer.

    ĩ, f̃, z̃, õ = W x_t + U h_{t−1} + b               (row blocks i, f, z, o)
    m_t = max(log σ(f̃_t) + m_{t−1}, ĩ_t)              stabilizer (log scale)
    i_t = exp(ĩ_t − m_t)                               exponential input gate, stabilised
    f_t = exp(log σ(f̃_t) + m_{t−1} − m_t)              sigmoid forget gate, stabilised
    z_t = tanh(z̃_t),  o_t = σ(õ_t)
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ z_t                    kept + written
    n_t = f_t ⊙ n_{t−1} + i_t                          normalizer: the sum of the input gates
    h_t = o_t ⊙ c_t / n_t

An exponential gate can write far more strongly than a sigmoid (e^5 ≈ 148 against at most 1),
so a new token can overrule the memory; dividing by n keeps h in −1..1. The stabilizer m only
rescales c and n together (h is unchanged) so that nothing overflows; the recorded ``i`` and ``f``
are the stabilised values the update uses, both in (0, 1], so ``c_t = f ⊙ c_{t−1} + i ⊙ z`` holds
on the trace exactly. One head (a full recurrent matrix U).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch.nn import functional as F

from ..schema import QuantityStyle
from .base import (
    Array,
    Box,
    CellSpec,
    Diagram,
    Equation,
    Force,
    Gates,
    LayerWeights,
    gate_line,
    sigmoid,
    textbook_parts,
)
from .module import StackedCell


def _log_sigmoid(x: Array) -> Array:
    return F.logsigmoid(x) if isinstance(x, torch.Tensor) else -np.logaddexp(0.0, -x)


def _maximum(a: Array, b: Array) -> Array:
    return torch.maximum(a, b) if isinstance(a, torch.Tensor) else np.maximum(a, b)


def _exp(x: Array) -> Array:
    return x.exp() if isinstance(x, torch.Tensor) else np.exp(x)


def _tanh(x: Array) -> Array:
    return x.tanh() if isinstance(x, torch.Tensor) else np.tanh(x)


def _sigmoid(x: Array) -> Array:
    return x.sigmoid() if isinstance(x, torch.Tensor) else sigmoid(x)


def _nonzero(n: Array) -> Array:
    """``n`` with exact zeros replaced by 1: n is never 0 in a real run (it adds the input gate,
    e^(ĩ−m) > 0), only when a clamp holds i at 0 from the start; then c = 0 too and h = 0."""
    return torch.where(n == 0, 1.0, n) if isinstance(n, torch.Tensor) else np.where(n == 0, 1.0, n)


def slstm_gates(
    wx: Array, uh: Array, b_x: Array = 0.0, b_h: Array = 0.0, force: Force = None
) -> Gates:
    """``z = tanh(z̃)``, ``o = σ(õ)`` and the raw ``ĩ``, ``f̃`` (stabilised by the update, which
    needs ``m_{t-1}``) from ``wx, uh (..., 4H)`` and biases."""
    pre = wx + uh + b_x + b_h  # (..., 4H) a new array
    hidden = pre.shape[-1] // 4
    z, o = _tanh(pre[..., 2 * hidden : 3 * hidden]), _sigmoid(pre[..., 3 * hidden :])
    if force is not None:
        z, o = force("z", z), force("o", o)
    return {"i": pre[..., :hidden], "f": pre[..., hidden : 2 * hidden], "z": z, "o": o}


def _update(g: Gates, prev: Mapping[str, Array], force: Force = None) -> dict[str, Array]:
    log_f = _log_sigmoid(g["f"])  # (..., H) log of the sigmoid forget gate
    m = _maximum(log_f + prev["m"], g["i"])  # stabilizer: the larger log-gate
    i = _exp(g["i"] - m)  # (0, 1]
    f = _exp(log_f + prev["m"] - m)  # (0, 1]
    if force is not None:
        i, f = force("i", i), force("f", f)
    c = f * prev["c"] + i * g["z"]
    n = f * prev["n"] + i
    return {"i": i, "f": f, "m": m, "c": c, "n": n, "h": g["o"] * c / _nonzero(n)}


def _split(v: Mapping[str, Array]) -> tuple[Array, Array]:
    return v["f"] * v["c_prev"], v["i"] * v["z"]  # kept, written


def _derived(v: Mapping[str, Array]) -> dict[str, Array]:
    """c/n: one number (none while n is still 0), or every step and unit at once."""
    if "c" not in v or "n" not in v:
        return {}
    n = np.asarray(v["n"])
    if n.ndim == 0:
        return {"c_over_n": v["c"] / v["n"]} if v["n"] else {}
    return {"c_over_n": np.divide(v["c"], n, out=np.zeros(n.shape), where=n != 0)}


def slstm_layer(
    x: np.ndarray, w: LayerWeights, init: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """One sLSTM layer, one direction, left to right. ``x (T, F)`` → ``{i f z o c n m h}``."""
    (W_i, W_f, W_z, W_o), (U_i, U_f, U_z, U_o), (b_i, b_f, b_z, b_o) = textbook_parts(w, 4)
    h, c, n, m = init["h"], init["c"], init["n"], init["m"]
    names = ("i", "f", "z", "o", "c", "n", "m", "h")
    steps: dict[str, list[np.ndarray]] = {k: [] for k in names}
    for x_t in x:
        i_raw = W_i @ x_t + U_i @ h + b_i  # log of the exponential input gate
        log_f = np.log(sigmoid(W_f @ x_t + U_f @ h + b_f))  # log of the forget gate
        z_t = np.tanh(W_z @ x_t + U_z @ h + b_z)  # cell input
        o_t = sigmoid(W_o @ x_t + U_o @ h + b_o)  # output gate
        m_new = np.maximum(log_f + m, i_raw)  # stabilizer
        i_t = np.exp(i_raw - m_new)  # exp(ĩ), divided by e^m
        f_t = np.exp(log_f + m - m_new)  # σ(f̃), times e^(m_prev - m)
        c = f_t * c + i_t * z_t  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ z_t
        n = f_t * n + i_t  # n_t = f_t ⊙ n_{t-1} + i_t
        h = o_t * c / n  # h_t = o_t ⊙ c_t / n_t
        m = m_new
        for k, v in zip(names, (i_t, f_t, z_t, o_t, c, n, m, h), strict=True):
            steps[k].append(v)
    return {k: np.stack(v) for k, v in steps.items()}


class SLSTM(StackedCell):
    """sLSTM layers with one head; ``hx`` and the final states are ``(h, c, n, m)``."""

    gate_count = 4
    states = ("h", "c", "n", "m")

    def direction(self, x, w, init, mask):
        hidden = self.hidden_size
        wx = x @ w.w_ih.t()  # (T, B, 4H)
        if w.b_ih is not None:
            wx = wx + w.b_ih
        h, c, n, m = (init[s] for s in self.states)
        outs = []
        for t in range(x.shape[0]):
            pre = wx[t] + h @ w.w_hh.t()  # (B, 4H)
            i_raw, f_raw, z_raw, o_raw = pre.split(hidden, dim=-1)
            log_f = F.logsigmoid(f_raw)
            m_new = torch.maximum(log_f + m, i_raw)
            i_t, f_t = (i_raw - m_new).exp(), (log_f + m - m_new).exp()
            c_new = f_t * c + i_t * z_raw.tanh()
            n_new = f_t * n + i_t
            h_new = o_raw.sigmoid() * c_new / n_new
            keep = mask[t]  # (B, 1): a finished sequence keeps its states
            h, c = torch.where(keep, h_new, h), torch.where(keep, c_new, c)
            n, m = torch.where(keep, n_new, n), torch.where(keep, m_new, m)
            outs.append(h)
        return torch.stack(outs), {"h": h, "c": c, "n": n, "m": m}


SPEC = CellSpec(
    name="slstm",
    title="sLSTM",
    module=SLSTM,
    kernel=None,
    gates=("i", "f", "z", "o"),
    states=("h", "c", "n", "m"),
    quantities=("i", "f", "z", "o", "c", "n", "m", "h"),
    # f is σ(f̃) rescaled by e^(m_{t-1} - m_t) ≤ 1: still in (0, 1], read as a sigmoid gate
    activations={"i": "exp", "f": "sigmoid", "z": "tanh", "o": "sigmoid"},
    gate_fn=slstm_gates,
    linear_states=lambda g: {"c": (g["f"], g["i"] * g["z"]), "n": (g["f"], g["i"])},
    update_fn=_update,
    updated="c",
    split_fn=_split,
    kept_label="f⊙c_{t-1}",
    written_label="i⊙z",
    equations=(
        Equation(
            "m",
            r"m_t &= \max(\log\sigma(\tilde{f}_t) + m_{$prev},\ \tilde{i}_t)",
            r"\max(\log\sigma($wx_f + $uh_f) + $m_prev,\ $wx_i + $uh_i)",
        ),
        Equation(
            "i",
            r"i_t &= \exp(W_{i} x_t + U_{i} h_{$prev} + b_{i} - m_t)",
            r"\exp($wx_i + $uh_i - $m)",
        ),
        Equation(
            "f",
            r"f_t &= \exp(\log\sigma(W_{f} x_t + U_{f} h_{$prev} + b_{f}) + m_{$prev} - m_t)",
            r"\exp(\log\sigma($wx_f + $uh_f) + $m_prev - $m)",
        ),
        gate_line("z", r"\tanh"),
        gate_line("o", r"\sigma"),
        Equation(
            "c", r"c_t &= f_t \odot c_{$prev} + i_t \odot z_t", r"$f \cdot $c_prev + $i \cdot $z"
        ),
        Equation("n", r"n_t &= f_t \odot n_{$prev} + i_t", r"$f \cdot $n_prev + $i"),
        Equation("h", r"h_t &= o_t \odot c_t / n_t", r"$o \cdot $c / $n"),
    ),
    diagram=Diagram(
        gate_x={"f": 2.2, "i": 3.6, "z": 5.0, "o": 6.4},
        boxes=(
            Box(0.2, 4.5, "c<sub>$prev</sub>", "c_prev", "c"),
            Box(6.0, 4.5, "c<sub>t</sub>", "c", "c"),
            Box(6.0, 3.6, "n<sub>t</sub>", "n", "n"),
            Box(7.6, 4.5, "c/n", "c_over_n", "h"),
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
        labels=((3.0, 0.3, "i = e<sup>ĩ−m</sup>"),),
    ),
    derived=_derived,
    styles={
        "i": QuantityStyle("i", "input gate (exp, stabilised)", 0.0, 1.0, "Viridis", "exp"),
        "f": QuantityStyle("f", "forget gate (stabilised)", 0.0, 1.0, "Viridis", "exp"),
        "z": QuantityStyle("z", "cell input", -1.0, 1.0, "RdBu_r", "tanh"),
        "n": QuantityStyle("n", "normalizer", 0.0, 2.0, "Viridis", "unbounded"),
        "m": QuantityStyle("m", "stabilizer", -4.0, 4.0, "RdBu_r", "unbounded"),
    },
    reference=slstm_layer,
    keep_gate="f",
    labels={"z": "q_slstm_z", "n": "q_slstm_n", "m": "q_slstm_m", "i": "q_slstm_i"},
)
