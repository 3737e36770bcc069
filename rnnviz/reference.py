"""A from-scratch NumPy RNN, LSTM, GRU and bidirectional wrapper: the textbook, one line each.

This is the version a student reads. It shares no code with the tracer (nor the cell registry),
takes its weights from a ``torch.nn.RNN``/``nn.LSTM``/``nn.GRU`` and must agree with both PyTorch
and :func:`rnnviz.trace_rnn`.
Symbols follow the UI: ``W`` multiplies the input ``x_t``, ``U`` the previous hidden state
``h_{t-1}``, ``b`` is a bias, ``σ`` the logistic function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^{-x}), written with tanh so large |x| does not overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0)."""
    return np.maximum(x, 0)


@dataclass(frozen=True)
class RNNWeights:
    """One vanilla RNN layer in one direction. ``W (H, F)``, ``U (H, H)``, ``b (H,)``."""

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    act: str  # "tanh" or "relu", as nn.RNN's nonlinearity


@dataclass(frozen=True)
class LSTMWeights:
    """One LSTM layer in one direction. ``W_* (H, F)``, ``U_* (H, H_out)``, ``b_* (H,)``."""

    W_i: np.ndarray
    W_f: np.ndarray
    W_g: np.ndarray
    W_o: np.ndarray
    U_i: np.ndarray
    U_f: np.ndarray
    U_g: np.ndarray
    U_o: np.ndarray
    b_i: np.ndarray
    b_f: np.ndarray
    b_g: np.ndarray
    b_o: np.ndarray
    W_hr: np.ndarray | None  # (H_out, H) projection of h, or None


@dataclass(frozen=True)
class GRUWeights:
    """One GRU layer in one direction. The candidate keeps its two biases apart (b_in, b_hn),
    because PyTorch resets after the recurrent product: ``r ⊙ (U_n h + b_hn)``."""

    W_r: np.ndarray
    W_z: np.ndarray
    W_n: np.ndarray
    U_r: np.ndarray
    U_z: np.ndarray
    U_n: np.ndarray
    b_r: np.ndarray
    b_z: np.ndarray
    b_in: np.ndarray
    b_hn: np.ndarray


def _get(rnn: nn.RNNBase, name: str, layer: int, reverse: bool) -> np.ndarray | None:
    attr = f"{name}_l{layer}" + ("_reverse" if reverse else "")
    p = getattr(rnn, attr, None)
    return None if p is None else p.detach().cpu().numpy()


def rnn_weights(rnn: nn.RNN, layer: int = 0, reverse: bool = False) -> RNNWeights:
    """PyTorch's ``weight_ih``, ``weight_hh`` and the two biases (summed) of one layer."""
    W = _get(rnn, "weight_ih", layer, reverse)
    b = np.zeros(rnn.hidden_size, dtype=W.dtype)
    if rnn.bias:
        b = _get(rnn, "bias_ih", layer, reverse) + _get(rnn, "bias_hh", layer, reverse)
    return RNNWeights(W, _get(rnn, "weight_hh", layer, reverse), b, rnn.nonlinearity)


def lstm_weights(rnn: nn.LSTM, layer: int = 0, reverse: bool = False) -> LSTMWeights:
    """Unstack PyTorch's ``weight_ih``/``weight_hh`` rows (order i, f, g, o) into named matrices."""
    W_i, W_f, W_g, W_o = np.split(_get(rnn, "weight_ih", layer, reverse), 4)
    U_i, U_f, U_g, U_o = np.split(_get(rnn, "weight_hh", layer, reverse), 4)
    if rnn.bias:
        b = _get(rnn, "bias_ih", layer, reverse) + _get(rnn, "bias_hh", layer, reverse)
    else:
        b = np.zeros(4 * rnn.hidden_size, dtype=W_i.dtype)
    b_i, b_f, b_g, b_o = np.split(b, 4)
    W_hr = _get(rnn, "weight_hr", layer, reverse) if rnn.proj_size else None
    return LSTMWeights(W_i, W_f, W_g, W_o, U_i, U_f, U_g, U_o, b_i, b_f, b_g, b_o, W_hr)


def gru_weights(rnn: nn.GRU, layer: int = 0, reverse: bool = False) -> GRUWeights:
    """Unstack PyTorch's ``weight_ih``/``weight_hh`` rows (order r, z, n) into named matrices."""
    W_r, W_z, W_n = np.split(_get(rnn, "weight_ih", layer, reverse), 3)
    U_r, U_z, U_n = np.split(_get(rnn, "weight_hh", layer, reverse), 3)
    if rnn.bias:
        b_ir, b_iz, b_in = np.split(_get(rnn, "bias_ih", layer, reverse), 3)
        b_hr, b_hz, b_hn = np.split(_get(rnn, "bias_hh", layer, reverse), 3)
    else:
        b_ir = b_iz = b_in = b_hr = b_hz = b_hn = np.zeros(rnn.hidden_size, dtype=W_r.dtype)
    return GRUWeights(W_r, W_z, W_n, U_r, U_z, U_n, b_ir + b_hr, b_iz + b_hz, b_in, b_hn)


def rnn_layer(x: np.ndarray, w: RNNWeights, h0: np.ndarray) -> dict[str, np.ndarray]:
    """One vanilla (Elman) RNN layer, left to right. ``x (T, F)`` → ``{h: (T, H)}``."""
    act = np.tanh if w.act == "tanh" else relu
    h = h0
    steps = []
    for x_t in x:
        h = act(w.W @ x_t + w.U @ h + w.b)  # h_t: all of it written anew, nothing kept
        steps.append(h)
    return {"h": np.stack(steps)}


def lstm_layer(
    x: np.ndarray, w: LSTMWeights, h0: np.ndarray, c0: np.ndarray
) -> dict[str, np.ndarray]:
    """One LSTM layer, one direction, left to right. ``x (T, F)`` → ``{i f g o c h: (T, ·)}``."""
    h, c = h0, c0
    steps: dict[str, list[np.ndarray]] = {k: [] for k in "ifgoch"}
    for x_t in x:
        i_t = sigmoid(w.W_i @ x_t + w.U_i @ h + w.b_i)  # input gate: how much to write
        f_t = sigmoid(w.W_f @ x_t + w.U_f @ h + w.b_f)  # forget gate: how much to keep
        g_t = np.tanh(w.W_g @ x_t + w.U_g @ h + w.b_g)  # candidate values
        o_t = sigmoid(w.W_o @ x_t + w.U_o @ h + w.b_o)  # output gate: how much to show
        c = f_t * c + i_t * g_t  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h = o_t * np.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
        if w.W_hr is not None:
            h = w.W_hr @ h  # projected hidden state (LSTM with proj_size)
        for k, v in zip("ifgoch", (i_t, f_t, g_t, o_t, c, h), strict=True):
            steps[k].append(v)
    return {k: np.stack(v) for k, v in steps.items()}


def gru_layer(x: np.ndarray, w: GRUWeights, h0: np.ndarray) -> dict[str, np.ndarray]:
    """One GRU layer, one direction, left to right. ``x (T, F)`` → ``{r z n h: (T, H)}``."""
    h = h0
    steps: dict[str, list[np.ndarray]] = {k: [] for k in "rznh"}
    for x_t in x:
        r_t = sigmoid(w.W_r @ x_t + w.U_r @ h + w.b_r)  # reset gate
        z_t = sigmoid(w.W_z @ x_t + w.U_z @ h + w.b_z)  # update gate
        n_t = np.tanh(w.W_n @ x_t + w.b_in + r_t * (w.U_n @ h + w.b_hn))  # candidate
        h = (1 - z_t) * n_t + z_t * h  # h_t: carried forward to the next step
        for k, v in zip("rznh", (r_t, z_t, n_t, h), strict=True):
            steps[k].append(v)
    return {k: np.stack(v) for k, v in steps.items()}


def gru_layer_without_carry(x: np.ndarray, w: GRUWeights, h0: np.ndarray) -> dict[str, np.ndarray]:
    """The classic blog bug: every step starts again from ``h0`` instead of ``h_{t-1}``.

    Kept only so a test can show that carrying the state is what makes it a recurrent network.
    """
    steps: dict[str, list[np.ndarray]] = {k: [] for k in "rznh"}
    for x_t in x:
        r_t = sigmoid(w.W_r @ x_t + w.U_r @ h0 + w.b_r)
        z_t = sigmoid(w.W_z @ x_t + w.U_z @ h0 + w.b_z)
        n_t = np.tanh(w.W_n @ x_t + w.b_in + r_t * (w.U_n @ h0 + w.b_hn))
        h_t = (1 - z_t) * n_t + z_t * h0  # the bug: h_t is computed and then dropped
        for k, v in zip("rznh", (r_t, z_t, n_t, h_t), strict=True):
            steps[k].append(v)
    return {k: np.stack(v) for k, v in steps.items()}


def bidirectional(layer_fn, x: np.ndarray, forward_args: tuple, backward_args: tuple):
    """Run a layer left to right and right to left; both results come back in token order."""
    fwd = layer_fn(x, *forward_args)
    bwd = layer_fn(x[::-1], *backward_args)  # read the sentence from its last token
    return fwd, {k: v[::-1] for k, v in bwd.items()}  # flip back: row t is token t


def rnn_forward(
    rnn: nn.RNN | nn.LSTM | nn.GRU, x: np.ndarray
) -> tuple[np.ndarray, dict[tuple[int, str, str], np.ndarray]]:
    """Every layer and direction of ``rnn`` on ``x (T, input_size)``, from zero initial states.

    Returns ``output (T, D*H_out)`` and ``{(layer, direction, name): (T, units)}``.
    """
    lstm = isinstance(rnn, nn.LSTM)
    vanilla = isinstance(rnn, nn.RNN)
    directions = ("forward", "backward") if rnn.bidirectional else ("forward",)
    h_out = rnn.proj_size if lstm and rnn.proj_size else rnn.hidden_size
    dtype = next(rnn.parameters()).detach().numpy().dtype
    x = np.asarray(x, dtype=dtype)
    states: dict[tuple[int, str, str], np.ndarray] = {}
    for layer in range(rnn.num_layers):

        def args(reverse: bool, layer: int = layer) -> tuple:
            h0 = np.zeros(h_out, dtype=dtype)
            if lstm:
                return (lstm_weights(rnn, layer, reverse), h0, np.zeros(rnn.hidden_size, dtype))
            if vanilla:
                return (rnn_weights(rnn, layer, reverse), h0)
            return (gru_weights(rnn, layer, reverse), h0)

        fn = lstm_layer if lstm else rnn_layer if vanilla else gru_layer
        if rnn.bidirectional:
            outs = bidirectional(fn, x, args(False), args(True))
        else:
            outs = (fn(x, *args(False)),)
        for direction, out in zip(directions, outs, strict=True):
            for name, value in out.items():
                states[(layer, direction, name)] = value
        x = np.concatenate([out["h"] for out in outs], axis=1)  # next layer reads both
    return x, states
