"""Trace many sequences at once: the corpus tracer behind unit search and gate saturation.

Same numbers as :func:`rnnviz.trace_rnn` on each sequence alone, without building one
``Trace`` per sentence. How: run PyTorch's own kernel one layer and one direction at a time on
a padded batch ``(T_max, S, F)`` in which each sequence is laid out in that direction's reading
order (the backward one reversed, so it starts at its own last real token and padding comes
after), then recompute every gate of every token at once from the known ``h_{t-1}`` (one matrix
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

from . import cells, onepass
from .schema import DIRECTIONS


@dataclass(frozen=True)
class BatchCell:
    """What the batched tracer needs of one registered cell (``rnnviz.cells``), in torch terms."""

    spec: cells.CellSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kernel(self) -> Callable[..., tuple[torch.Tensor, ...]] | None:
        """PyTorch's own kernel of the cell (``torch._VF.<kernel>``; see ``rnnviz.native``), or
        None: the cell runs through its spec, one sequence at a time (:func:`_trace_each`)."""
        return getattr(torch._VF, self.spec.kernel) if self.spec.kernel else None

    @property
    def gates(self) -> Callable[..., dict[str, torch.Tensor]]:
        """``(wx, uh, b_x, b_h) -> {gate: (N, H)}``."""
        return self.spec.gate_fn

    @property
    def sigmoid_gates(self) -> tuple[str, ...]:
        """Gates in 0..1 (saturation histograms)."""
        return self.spec.sigmoid_gates

    @property
    def carry(self) -> str | None:
        """The state updated linearly, ``s_t = a*s_{t-1} + b`` (the LSTM's ``c``), if any."""
        return next((s for s in self.spec.linear_states(_PROBE) if s != "h"), None)

    def carry_terms(self, gates: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(a, b)`` of the carried state from this step's gates."""
        return self.spec.linear_states(gates)[self.carry]

    @property
    def quantities(self) -> tuple[str, ...]:
        """Names recorded per token, as ``Trace.names``."""
        return self.spec.quantities


class _Probe(dict):
    """Any gate name maps to 0: enough to ask a cell which states it updates linearly."""

    def __missing__(self, key: str) -> float:
        return 0.0


_PROBE = _Probe()


def spec_of(rnn: nn.Module) -> BatchCell:
    """The batched view of a recurrent module's cell (a TypeError names the supported ones)."""
    return BatchCell(cells.cell_of(rnn))


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


@dataclass(frozen=True)
class _Padding:
    """Sequences side by side in reading order, ``(T_max, S)`` slots, padding at the end.

    The backward direction reads each sequence reversed and padded after its own first token,
    so it starts at that sequence's last real token: padding is never read before real tokens.
    """

    steps: int  # T_max
    width: int  # S
    src: tuple[torch.Tensor, ...]  # per direction (T_max*S,) token in each slot (N: padding)
    dst: tuple[torch.Tensor, ...]  # per direction (N,) slot of each token


def _padding(lengths: np.ndarray, offsets: np.ndarray, n_dir: int) -> _Padding:
    steps, width, n_tok = int(lengths.max()), lengths.size, int(offsets[-1])
    k = np.arange(steps)[:, None]  # (T_max, 1) reading step
    valid = k < lengths[None, :]  # (T_max, S)
    src, dst = [], []
    for d in range(n_dir):
        token = offsets[None, :-1] + (k if d == 0 else lengths[None, :] - 1 - k)  # (T_max, S)
        token = np.where(valid, token, n_tok)
        slots = np.empty(n_tok + 1, dtype=np.int64)
        slots[token.ravel()] = np.arange(steps * width)
        src.append(torch.from_numpy(token.ravel()))
        dst.append(torch.from_numpy(slots[:n_tok]))
    return _Padding(steps, width, tuple(src), tuple(dst))


def _carry_loop(f: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """``c_t = f_t*c_{t-1} + u_t`` along axis 0 of ``(T, S, M)``, ``c_{-1} = 0``, in place on u."""
    for t in range(1, u.shape[0]):
        u[t].addcmul_(f[t], u[t - 1])
    return u


def _packed(lengths: np.ndarray, offsets: np.ndarray, n_dir: int) -> tuple[list, torch.Tensor]:
    """Packed order (as ``PackedSequence``: longest first, so the sequences still running at step
    t are the first ``batch_sizes[t]``): per direction ``(N,)`` the token row of each packed
    position, and ``batch_sizes (T_max,)``."""
    rank = np.argsort(-lengths, kind="stable")  # (S,) longest first
    lens, starts = lengths[rank], offsets[:-1][rank]  # (S,) each, sorted
    k = np.arange(int(lens[0]))[:, None]  # (T_max, 1) reading step
    valid = k < lens[None, :]  # (T_max, S): a prefix of each row
    forward = (starts[None, :] + k)[valid]  # row-major: step by step, sequences in rank order
    order = [torch.from_numpy(forward)]
    if n_dir == 2:  # the backward direction starts at each sequence's own last token
        order.append(torch.from_numpy((starts[None, :] + lens[None, :] - 1 - k)[valid]))
    return order, torch.from_numpy(valid.sum(axis=1).astype(np.int64))


def _trace_onepass(
    ext: object, spec: BatchCell, rnn: nn.RNNBase, x_tok: torch.Tensor, lengths, offsets
) -> dict[tuple[int, str, str], torch.Tensor]:
    """Every layer and direction through the one-pass extension on the packed batch."""
    n_dir = 2 if rnn.bidirectional else 1
    hidden, n_tok, width = rnn.hidden_size, x_tok.shape[0], lengths.size
    order, sizes = _packed(lengths, offsets, n_dir)
    arrays: dict[tuple[int, str, str], torch.Tensor] = {}
    for layer, lp in enumerate(onepass.plan(spec.spec, rnn)):
        gh = lp.w_hh[0].shape[0]
        wx = torch.mm(x_tok, lp.w_ih.t()).view(n_tok, n_dir, gh)  # (N, D, G*H)
        h_tok = x_tok.new_empty(n_tok, n_dir * hidden)  # (N, D*H) this layer's output
        written = {
            "uh": [x_tok.new_empty(n_tok, gh) for _ in range(n_dir)],  # not kept
            "gates": [x_tok.new_empty(n_tok, gh) for _ in range(n_dir)],
            "h": [h_tok[:, d * hidden : (d + 1) * hidden] for d in range(n_dir)],
        }
        running = {"h": [x_tok.new_zeros(width, hidden) for _ in range(n_dir)]}
        if spec.carry:
            written[spec.carry] = [x_tok.new_empty(n_tok, hidden) for _ in range(n_dir)]
            running[spec.carry] = [x_tok.new_zeros(width, hidden) for _ in range(n_dir)]
        wx_d = [wx[:, d] for d in range(n_dir)]
        single = width == 1
        onepass.run_layer(ext, spec.spec, lp, wx_d, order, sizes, running, written, single)
        for d, direction in enumerate(DIRECTIONS[:n_dir]):
            gates = written["gates"][d]  # (N, G*H)
            for k, name in enumerate(spec.spec.gates):
                arrays[(layer, direction, name)] = gates[:, k * hidden : (k + 1) * hidden]
            arrays[(layer, direction, "h")] = written["h"][d]
            if spec.carry:
                arrays[(layer, direction, spec.carry)] = written[spec.carry][d]
        x_tok = h_tok
    return arrays


def trace_batch(rnn: nn.RNNBase, xs: Sequence[torch.Tensor | np.ndarray]) -> BatchTrace:
    """Trace ``rnn`` (zero initial state, eval semantics) on every ``xs[s] (T_s, input_size)``.

    Returns a :class:`BatchTrace` whose arrays are the per-sequence ``trace_rnn`` arrays
    concatenated in the order of ``xs``. Sequences of similar lengths waste the least padding.
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
    n_dir = 2 if rnn.bidirectional else 1
    directions = DIRECTIONS[:n_dir]
    pad = _padding(lengths, offsets, n_dir)
    hidden = rnn.hidden_size
    h_out = getattr(rnn, "proj_size", 0) or hidden
    n_tok = int(offsets[-1])
    x_tok = torch.cat(seqs)  # (N, F) token order
    if not torch.isfinite(x_tok).all():
        raise ValueError("an input sequence holds NaN or inf")
    first_tok = torch.from_numpy(offsets[:-1])  # (S,) where the forward state starts from 0
    last_tok = torch.from_numpy(offsets[1:] - 1)  # (S,) where the backward state starts from 0

    arrays: dict[tuple[int, str, str], torch.Tensor] = {}
    carry_f, carry_u = [], []
    if spec.kernel is None:
        return _trace_each(rnn, spec, seqs, offsets)
    fast = onepass.for_module(spec.spec, rnn)
    with torch.no_grad():
        if fast is not None:  # one pass per layer and direction, the sequences side by side
            arrays = _trace_onepass(fast, spec, rnn, x_tok, lengths, offsets)
        for layer in range(rnn.num_layers if fast is None else 0):
            x_ext = torch.cat([x_tok, x_tok.new_zeros(1, x_tok.shape[1])])  # (N+1, F) padding row
            h_tok = x_tok.new_empty(n_tok, n_dir * h_out)  # (N, D*H_out) this layer's output
            for d, direction in enumerate(directions):
                params = spec.spec.weights(rnn, layer, d).detached().flat()
                # 1. PyTorch's own kernel, one direction at a time on a padded batch.
                x_pad = x_ext[pad.src[d]].view(pad.steps, pad.width, -1)  # (T_max, S, F)
                h0 = x_tok.new_zeros(1, pad.width, h_out)
                state = (h0, x_tok.new_zeros(1, pad.width, hidden)) if spec.carry else h0
                out = spec.kernel(x_pad, state, params, rnn.bias, 1, 0.0, False, False, False)[0]
                h = out.reshape(-1, h_out)[pad.dst[d]]  # (N, H_out) token order
                h_tok[:, d * h_out : (d + 1) * h_out] = h
                # 2. Every gate of every token from the known h_{t-1} (0 at a sequence's start).
                h_prev = torch.zeros_like(h)  # (N, H_out)
                if d == 0:
                    h_prev[1:] = h[:-1]
                    h_prev[first_tok] = 0.0
                else:
                    h_prev[:-1] = h[1:]
                    h_prev[last_tok] = 0.0
                wx = F.linear(x_tok, params[0])  # (N, G*H)
                uh = F.linear(h_prev, params[1])  # (N, G*H)
                b_x, b_h = (params[2], params[3]) if rnn.bias else (0.0, 0.0)
                gates = spec.gates(wx, uh, b_x, b_h)
                for name, value in gates.items():
                    arrays[(layer, direction, name)] = value
                arrays[(layer, direction, "h")] = h
                if spec.carry is not None:
                    f, u = spec.carry_terms(gates)  # (N, H) each
                    ext = f.new_zeros(1, hidden)
                    carry_f.append(torch.cat([f, ext])[pad.src[d]].view(pad.steps, pad.width, -1))
                    carry_u.append(torch.cat([u, ext])[pad.src[d]].view(pad.steps, pad.width, -1))
            x_tok = h_tok
        if spec.carry is not None and fast is None:
            # 3. The only loop: all layers and directions side by side, one step per position.
            c_all = _carry_loop(torch.cat(carry_f, dim=2), torch.cat(carry_u, dim=2))
            c_all = c_all.reshape(pad.steps * pad.width, -1)  # (T_max*S, K*H)
            for k, (layer, direction) in enumerate(
                (la, d) for la in range(rnn.num_layers) for d in directions
            ):
                c = c_all[pad.dst[directions.index(direction)], k * hidden : (k + 1) * hidden]
                arrays[(layer, direction, spec.carry)] = c  # (N, H) token order
    out_arrays = {key: np.ascontiguousarray(value.cpu().numpy()) for key, value in arrays.items()}
    for value in out_arrays.values():
        if not np.isfinite(value).all():
            raise ValueError("the recurrent computation gave NaN or inf (check the weights)")
    return BatchTrace(spec.name, rnn.num_layers, directions, hidden, h_out, offsets, out_arrays)


def _trace_each(rnn: nn.Module, spec: BatchCell, seqs: list[torch.Tensor], offsets) -> BatchTrace:
    """A cell without a torch kernel: each sequence through :func:`rnnviz.trace_rnn` (its spec's
    layer), the arrays concatenated in the same flat layout."""
    from .tracer import trace_rnn

    traces = [trace_rnn(rnn, x) for x in seqs]
    directions = traces[0].directions
    keys = [(la, d, q) for la in range(rnn.num_layers) for d in directions for q in spec.quantities]
    arrays = {k: np.concatenate([t.quantity(*k) for t in traces]) for k in keys}
    for value in arrays.values():
        if not np.isfinite(value).all():
            raise ValueError("the recurrent computation gave NaN or inf (check the weights)")
    hidden = rnn.hidden_size
    return BatchTrace(spec.name, rnn.num_layers, directions, hidden, hidden, offsets, arrays)
