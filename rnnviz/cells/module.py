"""``nn.RNN``'s interface for a cell PyTorch does not ship: layers, directions, batches, packing.

A cell file subclasses :class:`StackedCell` and writes one method, :meth:`StackedCell.direction`:
its own equations over ``(T, B, F)`` inputs, left to right. Everything else is here, once:
parameters named as ``nn.RNNBase`` names them (``weight_ih_l0``, ``weight_hh_l0_reverse``,
``bias_ih_l0``; only those the cell has), PyTorch's default initialisation, unbatched ``(T, F)``
and batched input (``batch_first``), ``PackedSequence``, ``hx``, dropout between layers, and the
backward direction (each sequence reversed within its own length).
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from .base import LayerWeights


class StackedCell(nn.Module):
    """A multi-layer, optionally bidirectional recurrent module of one cell (see module doc)."""

    gate_count: ClassVar[int]  # row blocks of weight_ih
    states: ClassVar[tuple[str, ...]]  # carried states, "h" first (the hx order)
    reads_h: ClassVar[bool] = True  # whether there is a weight_hh (gates read h_{t-1})

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if hidden_size < 1 or num_layers < 1 or input_size < 1:
            raise ValueError("input_size, hidden_size and num_layers must be positive")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, 0
        rows, kw = self.gate_count * hidden_size, {"device": device, "dtype": dtype}
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * (2 if bidirectional else 1)
            for sfx in ("", "_reverse") if bidirectional else ("",):
                own = f"_l{layer}{sfx}"
                self.register_parameter(
                    f"weight_ih{own}", nn.Parameter(torch.empty(rows, width, **kw))
                )
                if self.reads_h:
                    w_hh = nn.Parameter(torch.empty(rows, hidden_size, **kw))
                    self.register_parameter(f"weight_hh{own}", w_hh)
                if bias:
                    self.register_parameter(f"bias_ih{own}", nn.Parameter(torch.empty(rows, **kw)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's RNN initialisation: every parameter uniform in ±1/√hidden."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"
        return (
            s
            + f", bias={self.bias}, batch_first={self.batch_first}, "
            + (f"bidirectional={self.bidirectional}")
        )

    def layer_weights(self, layer: int, direction: int) -> LayerWeights:
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        get = lambda n: getattr(self, n + sfx, None)  # noqa: E731
        return LayerWeights(get("weight_ih"), get("weight_hh"), get("bias_ih"))

    def direction(
        self,
        x: torch.Tensor,
        w: LayerWeights,
        init: dict[str, torch.Tensor],
        mask: torch.Tensor,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``x (T, B, F)`` left to right from ``init[s] (B, units)`` → ``h (T, B, H)`` and the
        final states. ``mask (T, B, 1)``: where a sequence has ended the states stay as they were."""
        raise NotImplementedError

    def forward(self, input: torch.Tensor | PackedSequence, hx: object = None):
        """As ``nn.RNN``: ``(output, h_n)``, or ``(output, (h_n, …))`` for a cell with more states."""
        packed = isinstance(input, PackedSequence)
        if packed:
            x, lengths = pad_packed_sequence(input)  # (T, B, F), the caller's batch order
        else:
            x = input
            unbatched = x.dim() == 2
            if unbatched:
                x = x.unsqueeze(1)
            elif self.batch_first:
                x = x.transpose(0, 1)
            lengths = torch.full((x.shape[1],), x.shape[0], dtype=torch.long)
        steps, batch = x.shape[0], x.shape[1]
        n_dir = 2 if self.bidirectional else 1
        init = self._initial(hx, batch, x, not packed and unbatched)
        t = torch.arange(steps)[:, None]  # (T, 1)
        mask = (t < lengths[None, :].to(t.device))[..., None]  # (T, B, 1)
        back = torch.where(mask[..., 0], lengths[None, :] - 1 - t, t)  # (T, B) reversed in length
        finals: dict[str, list[torch.Tensor]] = {s: [] for s in self.states}
        for layer in range(self.num_layers):
            outs = []
            for d in range(n_dir):
                row = layer * n_dir + d
                seq = x if d == 0 else x.gather(0, back[..., None].expand_as(x))
                start = {s: init[s][row] for s in self.states}
                h, last = self.direction(seq, self.layer_weights(layer, d), start, mask)
                outs.append(h if d == 0 else h.gather(0, back[..., None].expand_as(h)))
                for s in self.states:
                    finals[s].append(last[s])
            x = torch.cat(outs, dim=-1)  # (T, B, D*H)
            if self.training and self.dropout and layer < self.num_layers - 1:
                x = nn.functional.dropout(x, self.dropout, True)
        x = x * mask  # padding positions are 0, as nn.RNN's
        states = tuple(torch.stack(finals[s]) for s in self.states)  # (L*D, B, units) each
        if packed:
            out = pack_padded_sequence(x, lengths, enforce_sorted=False)
        else:
            out = x[:, 0] if unbatched else (x.transpose(0, 1) if self.batch_first else x)
            if unbatched:
                states = tuple(s[:, 0] for s in states)
        return out, states[0] if len(states) == 1 else states

    def _initial(
        self, hx: object, batch: int, like: torch.Tensor, unbatched: bool
    ) -> dict[str, torch.Tensor]:
        rows = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            return {s: like.new_zeros(rows, batch, self.hidden_size) for s in self.states}
        values = (hx,) if len(self.states) == 1 else tuple(hx)
        out = {}
        for s, v in zip(self.states, values, strict=True):
            out[s] = v.unsqueeze(1) if unbatched else v
        return out
