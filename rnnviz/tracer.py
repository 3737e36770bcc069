"""Record every gate and state of a PyTorch LSTM/GRU, every step, every direction, every layer.

How: run PyTorch's own kernel one layer at a time (so each layer's real output, the next layer's
input, is known), then recompute all gates of all steps at once from the known ``h_{t-1}``: two
matrix products per direction. Only the LSTM cell update ``c_t = f*c_{t-1} + i*g`` needs a loop.
The hidden states and final states are PyTorch's own numbers, not a re-implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import cells
from .schema import DIRECTIONS, GATES, MERGE_MODES, Cell, Direction, MergeMode, quantities


@dataclass(frozen=True)
class Trace:
    """Everything a recurrent module computed on one sequence, in token order.

    ``quantity(layer, direction, name)`` is ``(T, units)``; row ``t`` is token ``t`` in both
    directions, so the backward ``h`` at ``t`` is the state after reading tokens ``T-1 … t``.
    """

    cell: Cell
    num_layers: int
    bidirectional: bool
    hidden_size: int
    proj_size: int
    tokens: tuple[str, ...]
    output: np.ndarray  # (T, D * H_out), equal to rnn(x)[0]
    h_n: np.ndarray  # (L * D, H_out), equal to rnn(x)[1] (or rnn(x)[1][0] for LSTM)
    c_n: np.ndarray | None  # (L * D, H) for LSTM, None for GRU
    inputs: tuple[np.ndarray, ...]  # per layer: (T, input_size of that layer)
    arrays: dict[tuple[int, str, str], np.ndarray] = field(repr=False)
    previous_states: dict[tuple[int, str, str], np.ndarray] = field(repr=False)
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = field(repr=False)

    @property
    def length(self) -> int:
        """Number of steps T."""
        return int(self.output.shape[0])

    @property
    def directions(self) -> tuple[Direction, ...]:
        return DIRECTIONS if self.bidirectional else DIRECTIONS[:1]

    @property
    def names(self) -> tuple[str, ...]:
        """Quantities recorded per step: ``i f g o c h`` (LSTM) or ``r z n h`` (GRU)."""
        return quantities(self.cell)

    @property
    def output_size(self) -> int:
        """Units of ``h`` (the projection size when the LSTM has one)."""
        return self.proj_size or self.hidden_size

    def units(self, name: str) -> int:
        """Number of units of a quantity."""
        return self.output_size if name == "h" else self.hidden_size

    def _key(self, layer: int, direction: str, name: str) -> tuple[int, str, str]:
        if not -self.num_layers <= layer < self.num_layers:
            raise ValueError(
                f"layer must be in 0..{self.num_layers - 1} (or negative), got {layer}"
            )
        if direction not in self.directions:
            raise ValueError(f"direction must be one of {self.directions}, got {direction!r}")
        if name not in self.names:
            raise ValueError(f"{self.cell.upper()} quantities are {self.names}, got {name!r}")
        return (layer % self.num_layers, direction, name)

    def quantity(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` values of gate or state ``name``; row t is token t."""
        return self.arrays[self._key(layer, direction, name)]

    def previous(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` state each step started from (``h_{t-1}``, ``c_{t-1}``), token order.

        For the backward direction the state before step ``t`` is the one after token ``t+1``.
        """
        if name not in ("h", "c") or (name == "c" and self.cell != "lstm"):
            raise ValueError(f"previous() has states {'h, c' if self.cell == 'lstm' else 'h'}")
        return self.previous_states[self._key(layer, direction, name)]

    def preactivation(self, layer: int, direction: Direction, gate: str) -> dict[str, np.ndarray]:
        """The parts of a gate's argument: ``Wx (T,H)``, ``Uh (T,H)``, ``b_x (H,)``, ``b_h (H,)``.

        LSTM and GRU ``r``/``z``: ``gate = act(Wx + b_x + Uh + b_h)``; GRU ``n``:
        ``n = tanh(Wx + b_x + r * (Uh + b_h))``.
        """
        if gate not in GATES[self.cell]:
            raise ValueError(f"{self.cell.upper()} gates are {GATES[self.cell]}, got {gate!r}")
        layer, direction, _ = self._key(layer, direction, "h")
        wx, uh, b_x, b_h = self.preacts[(layer, direction)]
        k = GATES[self.cell].index(gate)
        sl = slice(k * self.hidden_size, (k + 1) * self.hidden_size)
        return {"Wx": wx[:, sl], "Uh": uh[:, sl], "b_x": b_x[sl], "b_h": b_h[sl]}

    def hidden(self, layer: int = -1) -> np.ndarray:
        """``(T, D * H_out)`` output of a layer, directions concatenated as PyTorch does."""
        return np.concatenate([self.quantity(layer, d, "h") for d in self.directions], axis=1)

    def merged(self, mode: MergeMode = "concat", layer: int = -1) -> np.ndarray:
        """Both directions' ``h`` merged: concat ``(T, 2H)``; sum, mean, product ``(T, H)``.

        A unidirectional trace has one direction to merge: every mode returns its ``h``.
        """
        if mode not in MERGE_MODES:
            raise ValueError(f"merge mode must be one of {MERGE_MODES}, got {mode!r}")
        if not self.bidirectional:
            return self.quantity(layer, "forward", "h")
        fwd = self.quantity(layer, "forward", "h")
        bwd = self.quantity(layer, "backward", "h")
        if mode == "concat":
            return np.concatenate([fwd, bwd], axis=1)
        if mode == "sum":
            return fwd + bwd
        if mode == "mean":
            return (fwd + bwd) / 2
        return fwd * bwd

    def to_frame(self):
        """Tidy long table ``[layer, direction, position, token, quantity, unit, value]``."""
        from .frames import to_frame

        return to_frame(self)


def _check_module(rnn: object) -> Cell:
    if isinstance(rnn, nn.LSTM):
        return "lstm"
    if isinstance(rnn, nn.GRU):
        return "gru"
    raise TypeError(
        f"trace_rnn expects a torch.nn.LSTM or torch.nn.GRU, got {type(rnn).__name__}; "
        "pass the recurrent submodule itself (e.g. model.rnn)"
    )


def _param_dtype(rnn: nn.RNNBase) -> tuple[torch.dtype, torch.device]:
    first = next(iter(rnn.parameters()))
    return first.dtype, first.device


def _as_sequence(rnn: nn.RNNBase, x: object) -> torch.Tensor:
    dtype, device = _param_dtype(rnn)
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
    t = t.to(device=device, dtype=dtype)
    if not torch.isfinite(t).all():
        bad = int(torch.nonzero(~torch.isfinite(t))[0, 0])
        raise ValueError(f"x holds NaN or inf (first at step {bad})")
    return t


def _initial_states(
    rnn: nn.RNNBase, cell: Cell, hx: object, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor | None]:
    d = 2 if rnn.bidirectional else 1
    h_out = rnn.proj_size if cell == "lstm" and rnn.proj_size else rnn.hidden_size
    shape_h = (rnn.num_layers * d, h_out)
    shape_c = (rnn.num_layers * d, rnn.hidden_size)
    if hx is None:
        h0 = torch.zeros(shape_h, dtype=dtype, device=device)
        c0 = torch.zeros(shape_c, dtype=dtype, device=device) if cell == "lstm" else None
        return h0, c0
    parts = hx if cell == "lstm" else (hx, None)
    if cell == "lstm" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
        raise TypeError("hx for an LSTM is a pair (h0, c0)")
    h0 = torch.as_tensor(parts[0], dtype=dtype, device=device)
    if tuple(h0.shape) != shape_h:
        raise ValueError(f"h0 must have shape {shape_h}, got {tuple(h0.shape)}")
    c0 = None
    if cell == "lstm":
        c0 = torch.as_tensor(parts[1], dtype=dtype, device=device)
        if tuple(c0.shape) != shape_c:
            raise ValueError(f"c0 must have shape {shape_c}, got {tuple(c0.shape)}")
    return h0, c0


def _layer_weights(rnn: nn.RNNBase, layer: int, direction: int) -> list[torch.Tensor]:
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ["weight_ih", "weight_hh"]
    if rnn.bias:
        names += ["bias_ih", "bias_hh"]
    if getattr(rnn, "proj_size", 0):
        names += ["weight_hr"]
    return [getattr(rnn, n + suffix) for n in names]


def _cell_states(fs: Sequence[np.ndarray], us: Sequence[np.ndarray], c0: np.ndarray) -> np.ndarray:
    """``c_t = f_t * c_{t-1} + u_t`` for ``t = 0..T-1``, several recurrences side by side.

    ``fs``, ``us``: one ``(T, H)`` pair per layer and direction, in reading order; ``c0 (K*H,)``.
    Returns ``(T, K*H)``. A plain loop costs two NumPy calls per step. For long sequences the
    steps are cut into blocks of ``B ≈ sqrt(2T)``: every block runs the recurrence from zero at
    once (a loop of B steps over all blocks), a loop over blocks carries the true start state,
    and one pass adds ``(∏ f) * c_start``: about ``4B + 2T/B`` calls instead of ``2T``. Only
    products and sums, no division, so vanishing forget gates stay exact zeros, never 0/0.
    """
    steps, width = fs[0].shape[0], sum(f.shape[1] for f in fs)
    block = int(np.sqrt(2 * steps))
    short = steps < 64 or block < 4
    rows = steps if short else -(-steps // block) * block
    f_all = np.empty((rows, width), fs[0].dtype)  # one buffer each, padded to whole blocks
    u_all = np.empty((rows, width), us[0].dtype)
    col = 0
    for f, u in zip(fs, us, strict=True):
        f_all[:steps, col : col + f.shape[1]] = f
        u_all[:steps, col : col + f.shape[1]] = u
        col += f.shape[1]
    if short:
        prev = c0
        for t in range(steps):  # u_all becomes c in place
            row = u_all[t]
            row += f_all[t] * prev
            prev = row
        return u_all
    f_all[steps:], u_all[steps:] = 1, 0  # identity steps at the end
    a = f_all.reshape(-1, block, width)  # (N, B, M): f, then ∏ f within the block up to k
    b = u_all.reshape(-1, block, width)  # (N, B, M): c within each block, started from 0
    for k in range(1, block):
        b[:, k] += a[:, k] * b[:, k - 1]  # a[:, k] is still f here
        a[:, k] *= a[:, k - 1]
    starts = np.empty((a.shape[0], width), u_all.dtype)  # true c before each block
    prev = c0
    for j in range(a.shape[0]):
        starts[j] = prev
        prev = a[j, -1] * prev + b[j, -1]
    a *= starts[:, None, :]
    b += a
    return u_all[:steps]


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def _diagnose_non_finite(rnn: nn.RNNBase) -> None:
    """Called only when a result is not finite (the input was checked): name the parameter.

    Checking every parameter up front would cost more than tracing a short sentence; a NaN or
    inf weight always shows up in a pre-activation or in the output, so it is looked for there.
    """
    for name, p in rnn.named_parameters():
        if not torch.isfinite(p).all():
            raise ValueError(f"parameter {name} of the {type(rnn).__name__} holds NaN or inf")
    raise ValueError("the recurrent computation overflowed to inf/NaN; scale the input down")


def trace_rnn(
    rnn: nn.LSTM | nn.GRU,
    x: torch.Tensor | np.ndarray,
    hx: object = None,
    tokens: Sequence[str] | None = None,
) -> Trace:
    """Trace ``rnn`` on one sequence ``x (T, input_size)``; see :class:`Trace`.

    ``hx`` is the optional initial state in PyTorch's unbatched layout: ``h0 (L*D, H_out)`` for
    a GRU, ``(h0, c0)`` for an LSTM. The module is run with eval semantics (no dropout) and is
    left untouched: no hooks, no change of mode, no gradients.
    """
    cell = _check_module(rnn)
    inp = _as_sequence(rnn, x)  # (T, input_size)
    dtype, device = inp.dtype, inp.device
    h0_all, c0_all = _initial_states(rnn, cell, hx, dtype, device)
    steps = inp.shape[0]
    tokens = tuple(map(str, range(steps) if tokens is None else tokens))
    if len(tokens) != steps:
        raise ValueError(f"got {len(tokens)} tokens for a sequence of {steps} steps")

    n_dir = 2 if rnn.bidirectional else 1
    hidden = rnn.hidden_size
    proj = rnn.proj_size if cell == "lstm" else 0
    h_out = proj or hidden
    gate_fn = cells.lstm_gates if cell == "lstm" else cells.gru_gates

    # 1. PyTorch's own kernel, one layer at a time: the real h of every step and layer.
    layer_inputs, layer_outputs, h_n, c_n = [], [], [], []
    with torch.no_grad():
        for layer in range(rnn.num_layers):
            rows = slice(layer * n_dir, (layer + 1) * n_dir)
            weights = [w for d in range(n_dir) for w in _layer_weights(rnn, layer, d)]
            seq = inp[:, None, :]  # (T, 1, F): the kernel wants a batch axis
            if cell == "lstm":
                state = (h0_all[rows, None, :], c0_all[rows, None, :])
                out, hn, cn = torch._VF.lstm(
                    seq, state, weights, rnn.bias, 1, 0.0, False, rnn.bidirectional, False
                )
                c_n.append(cn[:, 0])
            else:
                out, hn = torch._VF.gru(
                    seq, h0_all[rows, None, :], weights, rnn.bias, 1, 0.0, False,
                    rnn.bidirectional, False,
                )  # fmt: skip
            h_n.append(hn[:, 0])
            layer_inputs.append(_np(inp).copy())  # never a view of the caller's array
            inp = out[:, 0, :]  # (T, D * H_out): the next layer's input
            layer_outputs.append(_np(inp))
        output = layer_outputs[-1]
        h_n_arr = _np(torch.cat(h_n))
        c_n_arr = _np(torch.cat(c_n)) if cell == "lstm" else None
    if not (np.isfinite(output).all() and np.isfinite(h_n_arr).all()):
        _diagnose_non_finite(rnn)

    # 2. Every gate of every step at once, from the known h_{t-1}: torch for the two matrix
    # products, NumPy for the rest (its small calls cost a third of torch's).
    h0_np, c0_np = _np(h0_all), (_np(c0_all) if cell == "lstm" else None)
    arrays: dict[tuple[int, str, str], np.ndarray] = {}
    previous: dict[tuple[int, str, str], np.ndarray] = {}
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = {}
    pending_f, pending_u, pending_c0, pending_keys = [], [], [], []
    for layer in range(rnn.num_layers):
        x_np, out = layer_inputs[layer], layer_outputs[layer]
        for d, direction in enumerate(DIRECTIONS[:n_dir]):
            params = _layer_weights(rnn, layer, d)
            w_ih, w_hh = params[:2]  # (G*H, F), (G*H, H_out) torch
            if rnn.bias:
                b_x, b_h = _np(params[2]).copy(), _np(params[3]).copy()  # (G*H,), not views
            else:
                b_x = b_h = np.zeros(w_ih.shape[0], dtype=output.dtype)
            h = out[:, d * h_out : (d + 1) * h_out]  # (T, H_out)
            h0 = h0_np[layer * n_dir + d][None, :]  # (1, H_out)
            # State each step starts from: the step before in reading order.
            h_prev = np.concatenate([h0, h[:-1]] if d == 0 else [h[1:], h0])  # (T, H_out)
            with torch.no_grad():  # torch's GEMM beats NumPy's at these shapes
                wx = _np(F.linear(torch.from_numpy(x_np).to(device), w_ih))  # (T, G*H)
                uh = _np(F.linear(torch.from_numpy(h_prev).to(device), w_hh))  # (T, G*H)
            # A NaN or inf weight shows up in these sums; one reduction each is cheap.
            if not np.isfinite(wx.sum() + uh.sum() + b_x.sum() + b_h.sum()):
                _diagnose_non_finite(rnn)
            gates = gate_fn(wx, uh, b_x, b_h)  # {gate: (T, H)}
            key = (layer, direction)
            preacts[key] = (wx, uh, b_x, b_h)
            for name, value in gates.items():
                arrays[(layer, direction, name)] = value
            arrays[(layer, direction, "h")] = h
            previous[(layer, direction, "h")] = h_prev
            if cell == "lstm":
                f, u = gates["f"], gates["i"] * gates["g"]  # (T, H)
                if d == 1:  # the backward cell reads right to left
                    f, u = f[::-1], u[::-1]
                pending_f.append(f)
                pending_u.append(u)
                pending_c0.append(c0_np[layer * n_dir + d])
                pending_keys.append(key)

    # 3. The only loop: c_t = f ⊙ c_{t-1} + i ⊙ g, all layers and directions side by side.
    if cell == "lstm":
        c0_flat = np.concatenate(pending_c0)  # (K*H,)
        c_all = _cell_states(pending_f, pending_u, c0_flat)  # (T, K*H)
        for k, (layer, direction) in enumerate(pending_keys):
            cols = slice(k * hidden, (k + 1) * hidden)
            c = c_all[:, cols]  # (T, H) in reading order
            c_prev = np.concatenate([c0_flat[None, cols], c[:-1]])
            if direction == "backward":  # back to token order
                c, c_prev = c[::-1], c_prev[::-1]
            arrays[(layer, direction, "c")] = c
            previous[(layer, direction, "c")] = c_prev

    return Trace(
        cell=cell,
        num_layers=rnn.num_layers,
        bidirectional=rnn.bidirectional,
        hidden_size=hidden,
        proj_size=proj,
        tokens=tokens,
        output=output,
        h_n=h_n_arr,
        c_n=c_n_arr,
        inputs=tuple(layer_inputs),
        arrays=arrays,
        previous_states=previous,
        preacts=preacts,
    )
