"""Trace many sequences at once: the corpus tracer behind unit search and gate saturation.

Same numbers as :func:`rnnviz.trace_rnn` on each sequence alone, without building one
``Trace`` per sentence. How: sort the sequences by length and pack them (time-major rows, as
``pack_padded_sequence`` does), run PyTorch's own kernel one layer at a time on the packed
batch, then recompute every gate of every token at once from the known ``h_{t-1}`` (one matrix
product for ``W x`` and one for ``U h`` per direction, over all tokens of all sequences). Only
the LSTM cell update ``c_t = f*c_{t-1} + i*g`` needs a loop: one step per position of the
longest sequence, all sequences, layers and directions side by side.

Results are flat: ``(N, units)`` per (layer, direction, quantity), the sequences concatenated
in the order given, token order inside each (the backward state at ``t`` has read ``T-1 … t``
of its own sequence only, never padding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import cells
from .schema import DIRECTIONS


@dataclass(frozen=True)
class CellSpec:
    """What the batched tracer needs to know about one recurrent cell (the only such place)."""

    name: str
    module: type[nn.RNNBase]
    kernel: Callable[..., tuple[torch.Tensor, ...]]  # packed torch._VF kernel
    gates: Callable[..., dict[str, np.ndarray]]  # (wx, uh, b_x, b_h) -> {gate: (N, H)}
    sigmoid_gates: tuple[str, ...]  # gates in 0..1 (saturation histograms)
    carry: str | None = None  # name of a state updated by c_t = f*c_{t-1} + u_t
    carry_terms: Callable[[dict[str, np.ndarray]], tuple[np.ndarray, np.ndarray]] | None = None

    @property
    def quantities(self) -> tuple[str, ...]:
        """Names recorded per token (gates, then states), as ``Trace.names``."""
        gates = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}[self.name]
        return gates + ((self.carry,) if self.carry else ()) + ("h",)


CELL_SPECS: tuple[CellSpec, ...] = (
    CellSpec(
        "lstm", nn.LSTM, torch._VF.lstm, cells.lstm_gates, ("i", "f", "o"),
        carry="c", carry_terms=lambda g: (g["f"], g["i"] * g["g"]),
    ),
    CellSpec("gru", nn.GRU, torch._VF.gru, cells.gru_gates, ("r", "z")),
)  # fmt: skip


def spec_of(rnn: nn.Module) -> CellSpec:
    """The :class:`CellSpec` of a recurrent module (raises for anything else)."""
    for spec in CELL_SPECS:
        if isinstance(rnn, spec.module):
            return spec
    names = ", ".join(f"torch.nn.{s.module.__name__}" for s in CELL_SPECS)
    raise TypeError(f"trace_batch expects one of {names}, got {type(rnn).__name__}")


@dataclass(frozen=True)
class BatchTrace:
    """Every gate and state of many sequences, flat: row ``offsets[s] + t`` is token ``t`` of
    sequence ``s``. ``quantity(layer, direction, name)`` is ``(N, units)`` float32."""

    cell: str
    num_layers: int
    directions: tuple[str, ...]
    hidden_size: int
    output_size: int  # units of h per direction (proj_size or hidden_size)
    offsets: np.ndarray  # (S+1,) int64
    arrays: dict[tuple[int, str, str], np.ndarray] = field(repr=False)

    @property
    def num_tokens(self) -> int:
        return int(self.offsets[-1])

    def quantity(self, layer: int, direction: str, name: str) -> np.ndarray:
        """``(N, units)`` values of ``name`` (a gate, ``c`` or ``h``) over all tokens."""
        key = (layer % self.num_layers, direction, name)
        if key not in self.arrays:
            raise KeyError(
                f"no {name!r} for layer {layer}, {direction}; have {sorted(self.arrays)}"
            )
        return self.arrays[key]

    def sequence(self, s: int, layer: int, direction: str, name: str) -> np.ndarray:
        """``(T_s, units)`` values of one sequence (a view)."""
        return self.quantity(layer, direction, name)[self.offsets[s] : self.offsets[s + 1]]


def _layer_weights(rnn: nn.RNNBase, layer: int, direction: int) -> list[torch.Tensor]:
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ["weight_ih", "weight_hh"]
    if rnn.bias:
        names += ["bias_ih", "bias_hh"]
    if getattr(rnn, "proj_size", 0):
        names += ["weight_hr"]
    return [getattr(rnn, n + suffix) for n in names]


@dataclass(frozen=True)
class _Packing:
    """Where each packed row sits: sequences sorted by decreasing length, time-major rows."""

    batch_sizes: np.ndarray  # (T_max,) sequences still running at each step
    starts: np.ndarray  # (T_max,) first packed row of each step
    rows_fwd: np.ndarray  # (N,) flat token of each packed row, reading left to right
    rows_bwd: np.ndarray  # (N,) flat token read at that row by the backward direction


def _packing(lengths: np.ndarray, offsets: np.ndarray) -> _Packing:
    order = np.argsort(-lengths, kind="stable")  # (S,) longest first
    sorted_len = lengths[order]
    steps = int(sorted_len[0])
    batch_sizes = (sorted_len[None, :] > np.arange(steps)[:, None]).sum(axis=1)  # (T_max,)
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    step = np.repeat(np.arange(steps), batch_sizes)  # (N,) position read at each row
    seq = order[np.arange(step.size) - starts[step]]  # (N,) sequence of each row
    rows_fwd = offsets[seq] + step
    rows_bwd = offsets[seq] + lengths[seq] - 1 - step
    return _Packing(batch_sizes, starts, rows_fwd, rows_bwd)


def _carry_loop(f: np.ndarray, u: np.ndarray, pack: _Packing) -> np.ndarray:
    """``c = f*c_prev + u`` along packed rows (reading order), ``c_{-1} = 0``; ``(N, M)``."""
    c = u  # overwritten in place, step by step
    prev = np.zeros((0, u.shape[1]), u.dtype)
    for a, n in zip(pack.starts.tolist(), pack.batch_sizes.tolist(), strict=True):
        cur = c[a : a + n]
        if prev.shape[0]:
            cur += f[a : a + n] * prev[:n]
        prev = cur
    return c


def trace_batch(rnn: nn.LSTM | nn.GRU, xs: Sequence[torch.Tensor | np.ndarray]) -> BatchTrace:
    """Trace ``rnn`` (zero initial state, eval semantics) on every ``xs[s] (T_s, input_size)``.

    Returns a :class:`BatchTrace` whose arrays are the per-sequence ``trace_rnn`` arrays
    concatenated in the order of ``xs``.
    """
    spec = spec_of(rnn)
    if not len(xs):
        raise ValueError("trace_batch needs at least one sequence")
    first = next(iter(rnn.parameters()))
    dtype, device = first.dtype, first.device
    seqs = [torch.as_tensor(x).detach().to(device=device, dtype=dtype) for x in xs]
    for s, x in enumerate(seqs):
        if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] != rnn.input_size:
            raise ValueError(
                f"sequence {s} must have shape (T ≥ 1, {rnn.input_size}), got {tuple(x.shape)}"
            )
    lengths = np.array([x.shape[0] for x in seqs], dtype=np.int64)  # (S,)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)  # (S+1,)
    pack = _packing(lengths, offsets)
    flat = torch.cat(seqs)  # (N, F) token order
    if not torch.isfinite(flat).all():
        raise ValueError("an input sequence holds NaN or inf")

    n_dir = 2 if rnn.bidirectional else 1
    directions = DIRECTIONS[:n_dir]
    hidden = rnn.hidden_size
    h_out = getattr(rnn, "proj_size", 0) or hidden
    n_tok = int(offsets[-1])
    rows_fwd = torch.from_numpy(pack.rows_fwd)
    batch_sizes = torch.from_numpy(pack.batch_sizes)
    starts = offsets[:-1]  # (S,) first token of each sequence
    ends = offsets[1:] - 1  # (S,) last token of each sequence

    arrays: dict[tuple[int, str, str], np.ndarray] = {}
    carry_f, carry_u, carry_keys = [], [], []
    layer_in = flat[rows_fwd]  # (N, F) packed rows
    for layer in range(rnn.num_layers):
        weights = [w for d in range(n_dir) for w in _layer_weights(rnn, layer, d)]
        h0 = torch.zeros(n_dir, len(seqs), h_out, dtype=dtype, device=device)
        state = (h0, torch.zeros(n_dir, len(seqs), hidden, dtype=dtype, device=device))
        with torch.no_grad():
            out = spec.kernel(
                layer_in, batch_sizes, state if spec.carry else h0, weights, rnn.bias, 1,
                0.0, False, rnn.bidirectional,
            )[0]  # fmt: skip  # (N, D*H_out) packed rows
            x_tok = torch.empty_like(layer_in)  # (N, F) this layer's input in token order
            x_tok[rows_fwd] = layer_in
            h_tok = torch.empty_like(out)  # (N, D*H_out) token order
            h_tok[rows_fwd] = out
        h_np = h_tok.cpu().numpy()
        for d, direction in enumerate(directions):
            params = _layer_weights(rnn, layer, d)
            h = h_np[:, d * h_out : (d + 1) * h_out]  # (N, H_out)
            h_prev = np.empty_like(h)  # state each token started from, in reading order
            if d == 0:
                h_prev[1:] = h[:-1]
                h_prev[starts] = 0.0
            else:
                h_prev[:-1] = h[1:]
                h_prev[ends] = 0.0
            with torch.no_grad():
                wx = F.linear(x_tok, params[0]).cpu().numpy()  # (N, G*H)
                uh = F.linear(torch.from_numpy(h_prev).to(device), params[1]).cpu().numpy()
            if rnn.bias:
                b_x, b_h = params[2].detach().cpu().numpy(), params[3].detach().cpu().numpy()
            else:
                b_x = b_h = np.zeros(wx.shape[1], dtype=wx.dtype)
            for name, value in spec.gates(wx, uh, b_x, b_h).items():
                arrays[(layer, direction, name)] = value
            arrays[(layer, direction, "h")] = np.ascontiguousarray(h)
            if spec.carry_terms is not None:
                f, u = spec.carry_terms(arrays_of(arrays, layer, direction))
                rows = pack.rows_fwd if d == 0 else pack.rows_bwd
                carry_f.append(f[rows])
                carry_u.append(u[rows])
                carry_keys.append((layer, direction, rows))
        layer_in = out

    if spec.carry is not None:
        # The only loop: all layers and directions side by side, one step per position.
        c_all = _carry_loop(np.concatenate(carry_f, axis=1), np.concatenate(carry_u, axis=1), pack)
        for k, (layer, direction, rows) in enumerate(carry_keys):
            c = np.empty((n_tok, hidden), c_all.dtype)
            c[rows] = c_all[:, k * hidden : (k + 1) * hidden]
            arrays[(layer, direction, spec.carry)] = c
    for value in arrays.values():
        if not np.isfinite(value).all():
            raise ValueError("the recurrent computation gave NaN or inf (check the weights)")
    return BatchTrace(spec.name, rnn.num_layers, directions, hidden, h_out, offsets, arrays)


def arrays_of(
    arrays: dict[tuple[int, str, str], np.ndarray], layer: int, direction: str
) -> dict[str, np.ndarray]:
    """``{name: array}`` of one layer and direction from a flat ``(layer, direction, name)`` dict."""
    return {n: a for (la, d, n), a in arrays.items() if la == layer and d == direction}
