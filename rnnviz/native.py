"""The tracer's boundary with PyTorch: input checks, initial states, weights, the native kernel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .cells import CellSpec


def native_layer(
    spec: CellSpec,
    seq: torch.Tensor,
    states: Sequence[torch.Tensor],
    weights: Sequence[torch.Tensor],
    bias: bool,
    bidirectional: bool,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """One layer (all its directions) through PyTorch's own kernel ``torch._VF.<spec.kernel>``.

    ``seq (T, F)``, ``states``: ``(D, units)`` per state in ``spec.states`` order; ``weights``
    as ``nn.RNNBase`` flattens them. Returns ``out (T, D*H_out)`` and the final states. The only
    use of a private torch API in rnnviz (``tests/test_tracer.py`` checks it for every cell):
    public ways to get one layer's output of a stacked module cost a module or a copy per call.
    """
    kernel = getattr(torch._VF, spec.kernel)
    hx = tuple(s[:, None, :] for s in states)  # (D, 1, units): the kernel wants a batch axis
    out, *finals = kernel(
        seq[:, None, :], hx if len(hx) > 1 else hx[0], list(weights), bias, 1, 0.0, False,
        bidirectional, False,
    )  # fmt: skip
    return out[:, 0, :], [s[:, 0, :] for s in finals]


def as_sequence(rnn: nn.Module, x: object) -> torch.Tensor:
    first = rnn.weight_ih_l0  # dtype and device of the module (parameters() is slow)
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        try:
            t = torch.as_tensor(np.asarray(x))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"x must be an array of shape (T, input_size); {exc}") from None
    if t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"x must hold real numbers, got dtype {t.dtype}")
    if t.ndim == 3:
        layout = "(batch, T, features)" if rnn.batch_first else "(T, batch, features)"
        raise ValueError(
            f"trace_rnn traces one sequence of shape (T, {rnn.input_size}); got a batch "
            f"{tuple(t.shape)} read as {layout}; trace one sequence at a time, e.g. x[0]"
        )
    if t.ndim != 2:
        hint = " (for input_size 1 use x[:, None])" if t.ndim == 1 else ""
        raise ValueError(f"x must have shape (T, {rnn.input_size}), got {tuple(t.shape)}{hint}")
    if t.shape[0] == 0:
        raise ValueError("x is an empty sequence (T = 0); give at least one step")
    if t.shape[1] != rnn.input_size:
        raise ValueError(
            f"x has {t.shape[1]} features per step but the module expects input_size="
            f"{rnn.input_size}"
        )
    return t.to(device=first.device, dtype=first.dtype)  # finiteness: see diagnose_non_finite


def initial_states(
    rnn: nn.RNNBase, spec: CellSpec, hx: object, like: torch.Tensor
) -> dict[str, torch.Tensor]:
    """``{state: (L*D, units)}`` in ``spec.states`` order, zeros or checked from ``hx``."""
    d = 2 if rnn.bidirectional else 1
    shapes = {
        s: (rnn.num_layers * d, (rnn.proj_size or rnn.hidden_size) if s == "h" else rnn.hidden_size)
        for s in spec.states
    }
    if hx is None:
        return {s: like.new_zeros(shape) for s, shape in shapes.items()}
    if len(spec.states) == 1:
        hx = (hx,)
    elif not isinstance(hx, (tuple, list)) or len(hx) != len(spec.states):
        names = ", ".join(f"{s}0" for s in spec.states)
        raise TypeError(f"hx for an {spec.title} is a pair ({names})")
    states = {}
    for s, value in zip(spec.states, hx, strict=True):
        states[s] = torch.as_tensor(value, dtype=like.dtype, device=like.device)
        if tuple(states[s].shape) != shapes[s]:
            raise ValueError(f"{s}0 must have shape {shapes[s]}, got {tuple(states[s].shape)}")
    return states


def diagnose_non_finite(rnn: nn.RNNBase, x: np.ndarray) -> None:
    """Called only when a result is not finite: name the step of the input or the parameter.

    Checking the input and every parameter up front would cost more than tracing a short
    sentence; a NaN or inf in either always shows up in a pre-activation or in the output.
    """
    if not np.isfinite(x).all():
        bad = int(np.nonzero(~np.isfinite(x))[0][0])
        raise ValueError(f"x holds NaN or inf (first at step {bad})")
    for name, p in rnn.named_parameters():
        if not torch.isfinite(p).all():
            raise ValueError(f"parameter {name} of the {type(rnn).__name__} holds NaN or inf")
    raise ValueError("the recurrent computation overflowed to inf/NaN; scale the input down")
