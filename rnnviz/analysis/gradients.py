"""The vanishing gradient: how much the last hidden state still depends on each earlier one.

``‖∂h_T/∂h_t‖`` (Frobenius norm of the Jacobian) over ``t``: a vanilla RNN multiplies one
``diag(tanh′)·U`` per step and the norm shrinks geometrically; an LSTM's cell state and a GRU's
``z``-gated carry give the gradient a path through gates instead of squashing functions — the
reason gates exist.

The recurrence runs step by step in float64 with the module's own weights (zero initial state).
The Jacobian comes from one backward pass: the sequence is copied once per output unit ``j``
(a batch of ``H``), a zero perturbation ``δ_t`` is added to every ``h_t``, and copy ``j``
back-propagates only ``h_T[j]``, so ``∂/∂δ_t`` of copy ``j`` is row ``j`` of ``∂h_T/∂h_t``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..cells import CELLS, CellSpec, LayerWeights, cell_of
from ..schema import Direction

Module = nn.Module  # any module of the cell registry


def _params(spec: CellSpec, rnn: nn.Module, layer: int, reverse: bool) -> LayerWeights:
    """One layer's weights in float64 (biases filled with zeros where the module has none)."""
    w = spec.weights(rnn, layer, int(reverse)).detached(torch.float64)
    b_ih, b_hh = w.biases()
    return LayerWeights(w.w_ih, w.w_hh, b_ih, b_hh, w.w_hr)


def _step(
    spec: CellSpec, p: LayerWeights, x_t: torch.Tensor, prev: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """One step on a batch: ``x_t (B, F)``, ``prev[s] (B, units)`` → the new states.

    The registry's own equations (``spec.step``); with autograd recording they run out of
    place, so the backward pass can go through them."""
    wx = x_t @ p.w_ih.T + p.b_ih  # (B, G*H)
    uh = p.b_hh if p.w_hh is None else prev["h"] @ p.w_hh.T + p.b_hh  # (B, G*H)
    values = spec.step(wx, uh.expand_as(wx), 0.0, 0.0, prev)
    if p.w_hr is not None:
        values["h"] = values["h"] @ p.w_hr.T  # (B, H_out) LSTM projection
    return {s: values[s] for s in spec.states}


def _layer(
    spec: CellSpec,
    p: LayerWeights,
    x: torch.Tensor,
    reverse: bool,
    deltas: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """One layer, one direction: ``x (B, T, F)`` → ``h (B, T, H_out)`` in token order.

    ``deltas[t] (B, H_out)`` is added to ``h_t`` before the next step reads it.
    """
    batch, steps = x.shape[:2]
    hidden = p.w_ih.shape[0] // spec.gate_count
    h_out = p.w_hr.shape[0] if p.w_hr is not None else hidden
    prev = {
        s: torch.zeros(batch, h_out if s == "h" else hidden, dtype=torch.float64)
        for s in spec.states
    }
    outs: list[torch.Tensor | None] = [None] * steps
    for t in reversed(range(steps)) if reverse else range(steps):
        prev = _step(spec, p, x[:, t], prev)
        if deltas is not None:
            prev["h"] = prev["h"] + deltas[t]
        outs[t] = prev["h"]
    return torch.stack(outs, dim=1)


def forward(rnn: Module, x: torch.Tensor | np.ndarray, upto: int | None = None) -> torch.Tensor:
    """Run every layer (or layers ``< upto``) in float64: ``x (B, T, F)`` → ``(B, T, D*H_out)``."""
    spec = cell_of(rnn)
    out = torch.as_tensor(x, dtype=torch.float64)
    dirs = 2 if rnn.bidirectional else 1
    for layer in range(rnn.num_layers if upto is None else upto):
        out = torch.cat(
            [_layer(spec, _params(spec, rnn, layer, d == 1), out, d == 1) for d in range(dirs)],
            dim=-1,
        )
    return out


def _sequence(rnn: Module, x: torch.Tensor | np.ndarray) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x.detach() if isinstance(x, torch.Tensor) else x))
    if t.ndim != 2 or t.shape[1] != rnn.input_size or t.shape[0] == 0:
        raise ValueError(f"x must have shape (T, {rnn.input_size}), got {tuple(t.shape)}")
    return t.double()


def gradient_norms(
    rnn: Module, x: torch.Tensor | np.ndarray, layer: int = -1, direction: Direction = "forward"
) -> np.ndarray:
    """``(T,)`` Frobenius norms ``‖∂h_last/∂h_t‖`` of one layer and direction, token order.

    ``h_last`` is the state after the direction's last read: token ``T−1`` forward, token 0
    backward. At ``h_last`` itself the Jacobian is the identity, norm ``√H_out``.
    """
    spec = cell_of(rnn)
    if direction not in ("forward", "backward") or (
        direction == "backward" and not rnn.bidirectional
    ):
        raise ValueError(
            f"direction must be 'forward' or 'backward' (a bidirectional module), got {direction!r}"
        )
    layer %= rnn.num_layers
    seq = _sequence(rnn, x)  # (T, F)
    with torch.no_grad():
        below = forward(rnn, seq[None], upto=layer)[0]  # (T, F_layer) this layer's input
    p = _params(spec, rnn, layer, direction == "backward")
    h_out = p.w_hr.shape[0] if p.w_hr is not None else p.w_ih.shape[0] // spec.gate_count
    steps = seq.shape[0]
    inp = below[None].expand(h_out, -1, -1)  # (H_out, T, F): one copy per output unit
    deltas = [
        torch.zeros(h_out, h_out, dtype=torch.float64, requires_grad=True) for _ in range(steps)
    ]
    out = _layer(spec, p, inp, direction == "backward", deltas)  # (H_out, T, H_out)
    last = out[:, -1] if direction == "forward" else out[:, 0]  # (H_out, H_out)
    grads = torch.autograd.grad(torch.diagonal(last).sum(), deltas)  # T × (H_out, H_out)
    return torch.stack(grads).flatten(1).norm(dim=1).numpy()


def input_saliency_norms(
    rnn: Module,
    x: torch.Tensor | np.ndarray,
    head: tuple[np.ndarray, np.ndarray] | None = None,
    target: int | None = None,
    at: int = -1,
) -> np.ndarray:
    """``(T,)`` gradient norms with respect to each input ``x_t``, through every layer.

    Without ``head``: ``‖∂o_at/∂x_t‖`` (Frobenius), ``o_at`` the network's output at token ``at``
    (both directions concatenated). With a Linear ``head = (W (labels, D*H), b)`` and a
    ``target`` label: ``‖∂ loss/∂x_t‖`` for the cross-entropy of the prediction at ``at``.
    """
    seq = _sequence(rnn, x)  # (T, F)
    if head is None:
        width = (getattr(rnn, "proj_size", 0) or rnn.hidden_size) * (2 if rnn.bidirectional else 1)
        inp = seq[None].repeat(width, 1, 1).requires_grad_()  # (W, T, F): a copy per output
        out = forward(rnn, inp)[:, at]  # (W, W)
        (grad,) = torch.autograd.grad(torch.diagonal(out).sum(), inp)  # (W, T, F)
        return grad.transpose(0, 1).flatten(1).norm(dim=1).numpy()
    if target is None:
        raise ValueError("a head needs a target label index")
    w, b = (torch.as_tensor(np.asarray(a), dtype=torch.float64) for a in head)
    inp = seq[None].clone().requires_grad_()  # (1, T, F)
    scores = forward(rnn, inp)[0, at] @ w.T + b  # (labels,)
    loss = -torch.log_softmax(scores, dim=0)[target]
    (grad,) = torch.autograd.grad(loss, inp)
    return grad[0].norm(dim=1).numpy()


def compare_cells(
    steps: int = 50,
    hidden: int = 32,
    input_size: int = 8,
    seed: int = 0,
    keep_bias: float = 0.0,
    cells: tuple[str, ...] | None = None,
) -> dict[str, np.ndarray]:
    """``‖∂h_T/∂h_t‖`` over ``t`` for untrained modules of each registered cell (``cells``;
    default every cell of the registry).

    Same size, the cell's default initialisation (seeded), the same random input ``(steps,
    input_size)``. ``keep_bias`` is added to the bias of the gate that keeps memory
    (``CellSpec.keep_gate``: LSTM ``f``, GRU ``z``; subtracted for a gate that keeps with its
    complement, minGRU's ``1 − z``); a vanilla RNN has no such gate. Measured at T=50, H=32
    (seeds 0-2): at ``keep_bias=0`` ``‖∂h_T/∂h_0‖`` is ~1e-13 (RNN) vs ~1e-10 (LSTM, GRU); at 2
    the gated cells keep ~3e-2..7e-2, at 3 ~0.2..0.7, the RNN stays ~1e-13.
    Returns ``{cell: (T,)}``.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(steps, input_size, generator=gen)  # (T, F)
    curves = {}
    for name in cells or tuple(CELLS):
        spec = CELLS[name]
        torch.manual_seed(seed)
        module = spec.build(input_size, hidden)
        if spec.keep_gate is not None and keep_bias:
            k = spec.gates.index(spec.keep_gate)
            bias = spec.weights(module, 0, 0).b_ih
            with torch.no_grad():  # the keep gate's block of the input bias
                bias[k * hidden : (k + 1) * hidden] += (
                    -keep_bias if spec.keep_complement else keep_bias
                )
        curves[name] = gradient_norms(module, x)
    return curves
