"""The from-scratch NumPy forward: every layer and direction of any registered cell, run by the
textbook layer its cell file writes out one line per equation (``CellSpec.reference``, e.g.
``rnnviz.cells.lstm.lstm_layer``).

This is the version a student reads. The textbook layers share no code with the tracer, take
their weights from the module (``CellSpec.weights``) and must agree with both the module's own
forward and :func:`rnnviz.trace_rnn`. Symbols follow the UI: ``W`` multiplies the input ``x_t``,
``U`` the previous hidden state ``h_{t-1}``, ``b`` is a bias, ``σ`` the logistic function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from torch import nn

from .cells import LayerWeights, cell_of
from .cells.base import sigmoid

__all__ = ["bidirectional", "layer_without_carry", "relu", "rnn_forward", "sigmoid"]

Layer = Callable[[np.ndarray, LayerWeights, Mapping[str, np.ndarray]], dict[str, np.ndarray]]


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0)."""
    return np.maximum(x, 0)


def layer_without_carry(
    layer: Layer, x: np.ndarray, w: LayerWeights, init: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The classic blog bug: every step starts again from ``init`` instead of ``h_{t-1}``.

    Kept only so a test and From scratch can show that carrying the state is what makes it a
    recurrent network.
    """
    steps = [layer(x[t : t + 1], w, init) for t in range(len(x))]  # the state is dropped
    return {k: np.concatenate([s[k] for s in steps]) for k in steps[0]}


def bidirectional(layer_fn, x: np.ndarray, forward_args: tuple, backward_args: tuple):
    """Run a layer left to right and right to left; both results come back in token order."""
    fwd = layer_fn(x, *forward_args)
    bwd = layer_fn(x[::-1], *backward_args)  # read the sentence from its last token
    return fwd, {k: v[::-1] for k, v in bwd.items()}  # flip back: row t is token t


def rnn_forward(
    rnn: nn.Module, x: np.ndarray
) -> tuple[np.ndarray, dict[tuple[int, str, str], np.ndarray]]:
    """Every layer and direction of ``rnn`` on ``x (T, input_size)``, from zero initial states.

    Returns ``output (T, D*H_out)`` and ``{(layer, direction, name): (T, units)}``.
    """
    spec = cell_of(rnn)
    directions = ("forward", "backward") if rnn.bidirectional else ("forward",)
    h_out = getattr(rnn, "proj_size", 0) or rnn.hidden_size
    dtype = rnn.weight_ih_l0.detach().numpy().dtype
    x = np.asarray(x, dtype=dtype)
    states: dict[tuple[int, str, str], np.ndarray] = {}
    for layer in range(rnn.num_layers):

        def args(reverse: bool, layer: int = layer) -> tuple:
            init = {s: np.zeros(h_out if s == "h" else rnn.hidden_size, dtype) for s in spec.states}
            return (spec.weights(rnn, layer, int(reverse)).numpy(), init)

        if rnn.bidirectional:
            outs = bidirectional(spec.reference, x, args(False), args(True))
        else:
            outs = (spec.reference(x, *args(False)),)
        for direction, out in zip(directions, outs, strict=True):
            for name, value in out.items():
                states[(layer, direction, name)] = value
        x = np.concatenate([out["h"] for out in outs], axis=1)  # next layer reads both
    return x, states
