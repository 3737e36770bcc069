"""Running one layer of a cell: its weights (:class:`LayerWeights`, read by ``nn.RNNBase``'s
names by default), what a run gives the tracer (:class:`LayerRun`) and the default way to run a
cell torch has no kernel for (:func:`loop_layer`, the equations step by step)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from .ops import Array

if TYPE_CHECKING:
    from .base import CellSpec


def textbook_parts(w: LayerWeights, blocks: int) -> tuple[list, list, list]:
    """A NumPy layer's ``W``, ``U`` (None when the gates do not read h) and summed bias, each
    split into its ``blocks`` gate blocks (the textbook names them ``W_i, W_f, ...``)."""
    b_ih, b_hh = w.biases()
    Ws = np.split(w.w_ih, blocks)
    Us = np.split(w.w_hh, blocks) if w.w_hh is not None else [None] * blocks
    return Ws, Us, np.split(b_ih + b_hh, blocks)


@dataclass(frozen=True)
class LayerWeights:
    """One layer, one direction of a recurrent module, in PyTorch's row-block order.

    ``w_ih (G*H, F)``; ``w_hh (G*H, H_out)`` or None when the gates never read ``h_{t-1}``
    (minGRU); biases ``(G*H,)`` or None; ``w_hr (H_out, H)`` (an LSTM's projection) or None.
    """

    w_ih: Array
    w_hh: Array | None = None
    b_ih: Array | None = None
    b_hh: Array | None = None
    w_hr: Array | None = None

    def flat(self) -> list[Array]:
        """The present tensors in ``nn.RNNBase``'s flattened order (what ``torch._VF`` reads)."""
        return [w for w in (self.w_ih, self.w_hh, self.b_ih, self.b_hh, self.w_hr) if w is not None]

    def biases(self) -> tuple[Array, Array]:
        """``(b_ih, b_hh)``, zeros ``(G*H,)`` where the module has none."""
        zero = self.w_ih.new_zeros if isinstance(self.w_ih, torch.Tensor) else None
        rows = self.w_ih.shape[0]

        def fill(b: Array | None) -> Array:
            if b is not None:
                return b
            return zero(rows) if zero else np.zeros(rows, dtype=self.w_ih.dtype)

        return fill(self.b_ih), fill(self.b_hh)

    def numpy(self, dtype: object = None) -> LayerWeights:
        """The same weights as NumPy arrays (detached copies; ``dtype`` casts them)."""

        def conv(w: Array | None) -> np.ndarray | None:
            if w is None:
                return None
            a = w.detach().cpu().numpy() if isinstance(w, torch.Tensor) else np.asarray(w)
            return a.astype(dtype) if dtype is not None else a.copy()

        return LayerWeights(*(conv(w) for w in (self.w_ih, self.w_hh, self.b_ih, self.b_hh,
                                                 self.w_hr)))  # fmt: skip

    def detached(self, dtype: torch.dtype | None = None) -> LayerWeights:
        """The same tensors detached (and cast to ``dtype``), for a computation autograd must not
        record, or one in float64."""

        def conv(w: Array | None) -> Array | None:
            if w is None:
                return None
            return w.detach() if dtype is None else w.detach().to(dtype)

        return LayerWeights(*(conv(w) for w in (self.w_ih, self.w_hh, self.b_ih, self.b_hh,
                                                 self.w_hr)))  # fmt: skip


def rnnbase_weights(module: nn.Module, layer: int, direction: int) -> LayerWeights:
    """One layer's weights by ``nn.RNNBase``'s names (``weight_ih_l0_reverse``, ...); a name the
    module does not have is None (no bias, no projection, gates that do not read h)."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
    return LayerWeights(*(getattr(module, n + suffix, None) for n in names))


@dataclass(frozen=True)
class LayerRun:
    """What running one layer (all its directions) gives the tracer, directions stacked first.

    ``out (T, D*H_out)`` the layer's output (the next layer's input); ``values[q] (D, T, units)``
    every quantity in token order; ``wx, uh (D, T, G*H)`` both halves of every gate's argument
    without biases, ``b_x, b_h (D, 1, G*H)``; ``finals[s] (D, units)`` the states after the last
    read.
    """

    out: torch.Tensor
    values: dict[str, torch.Tensor]
    wx: torch.Tensor
    uh: torch.Tensor
    b_x: torch.Tensor
    b_h: torch.Tensor
    finals: dict[str, torch.Tensor]


def arguments(inp: torch.Tensor, weights: list[LayerWeights]) -> tuple[torch.Tensor, ...]:
    """``wx (D, T, G*H)`` of every step and direction, and the biases ``b_x, b_h (D, 1, G*H)``."""
    wx = torch.stack([inp @ w.w_ih.t() for w in weights])  # (D, T, G*H)
    pairs = [w.biases() for w in weights]
    b_x = torch.stack([p[0] for p in pairs])[:, None, :]  # (D, 1, G*H)
    b_h = torch.stack([p[1] for p in pairs])[:, None, :]
    return wx, b_x, b_h


def loop_layer(
    spec: CellSpec,
    inp: torch.Tensor,
    init: Mapping[str, torch.Tensor],
    weights: list[LayerWeights],
) -> LayerRun:
    """The default way to run a cell torch has no kernel for: its own equations
    (``spec.step``), one step at a time, every value written to its token-order row.

    ``inp (T, F)``; ``init[s] (D, units)``; ``weights`` one :class:`LayerWeights` per direction.
    """
    steps, n_dir = inp.shape[0], len(weights)
    wx, b_x, b_h = arguments(inp, weights)
    uh = torch.zeros_like(wx)  # (D, T, G*H) stays 0 where the gates do not read h
    values: dict[str, torch.Tensor] = {}
    finals: dict[str, torch.Tensor] = {}
    for d, w in enumerate(weights):
        prev = {s: init[s][d] for s in spec.states}  # (units,) each
        for t in reversed(range(steps)) if d else range(steps):
            if w.w_hh is not None:
                torch.mv(w.w_hh, prev["h"], out=uh[d, t])
            step = spec.step(wx[d, t], uh[d, t], b_x[d, 0], b_h[d, 0], prev)
            for q in spec.quantities:
                if q not in values:
                    values[q] = inp.new_empty((n_dir, steps, step[q].shape[-1]))
                values[q][d, t] = step[q]
            prev = {s: step[s] for s in spec.states}
        for s in spec.states:
            finals.setdefault(s, inp.new_empty((n_dir, prev[s].shape[-1])))[d] = prev[s]
    out = values["h"].transpose(0, 1).reshape(steps, -1)  # (T, D*H)
    return LayerRun(out, values, wx, uh, b_x, b_h, finals)
