"""Gate clamps: force a gate to a value for chosen units over a span of tokens and re-run.

"What does this unit's forget gate do?" is answered by holding it at 1 (keep everything) or 0
(forget everything) over a few tokens and watching ``c``, ``h`` and the prediction change at every
later step (forward) or earlier step (backward: it reads right to left, so a clamp on tokens
``a..b`` changes the states of tokens ``≤ b``).

The recurrence is re-run in float64 with the module's own weights, layer by layer (layer ``l+1``
reads layer ``l``'s new output), from the first step whose gate or input changes; steps before it
are the trace's own numbers, so their differences are exactly zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..cells import CELLS, GATES, LayerWeights
from ..schema import Direction
from ..tracer import Trace


@dataclass(frozen=True)
class Clamp:
    """Force ``gate`` of ``units`` in (``layer``, ``direction``) to ``value`` on tokens
    ``start..end`` (both included, token order). Sigmoid gates take 0..1, candidates −1..1."""

    layer: int
    direction: Direction
    gate: str
    units: tuple[int, ...]
    start: int
    end: int
    value: float

    def covers(self, t: int) -> bool:
        """Whether token ``t`` is in the span."""
        return self.start <= t <= self.end


@dataclass(frozen=True)
class ClampResult:
    """The clamped run beside the original trace, every array ``(T, units)`` in token order."""

    cell: str
    tokens: tuple[str, ...]
    clamps: tuple[Clamp, ...]
    output: np.ndarray  # (T, D * H_out) last layer's output after clamping
    original_output: np.ndarray  # (T, D * H_out) the trace's output
    arrays: dict[tuple[int, str, str], np.ndarray] = field(repr=False)
    original: dict[tuple[int, str, str], np.ndarray] = field(repr=False)

    def quantity(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` clamped values of a gate or state."""
        return self.arrays[self._key(layer, direction, name)]

    def delta(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` clamped − original."""
        key = self._key(layer, direction, name)
        return self.arrays[key] - self.original[key]

    @property
    def output_delta(self) -> np.ndarray:
        """``(T, D * H_out)`` change of the last layer's output."""
        return self.output - self.original_output

    def _key(self, layer: int, direction: str, name: str) -> tuple[int, str, str]:
        layers = 1 + max(k[0] for k in self.arrays)
        key = (layer % layers, direction, name)
        if key not in self.arrays:
            names = sorted({k[2] for k in self.arrays})
            raise KeyError(f"no {name!r} for layer {layer} {direction}; quantities are {names}")
        return key


def allowed_gates(cell: str) -> tuple[str, ...]:
    """Gates that can be clamped: every gate of the cell (``i f g o``, ``r z n``; a vanilla RNN's
    ``h``, its only block)."""
    return GATES[cell]


def value_range(gate: str, cell: str) -> tuple[float, float]:
    """The range a clamp value must lie in: the gate's declared range (0..1 for sigmoid and
    stabilised exponential gates, −1..1 for tanh), clipped to its colour scale where the range is
    unbounded (a relu RNN's h: 0..2; a linear candidate: −2..2)."""
    spec = CELLS[cell]
    lo, hi = spec.value_range(gate)
    style = spec.style(gate)
    return (max(lo, style.zmin), min(hi, style.zmax))


def _check(trace: Trace, clamps: Sequence[Clamp]) -> list[Clamp]:
    out = []
    steps = trace.length
    for c in clamps:
        if not -trace.num_layers <= c.layer < trace.num_layers:
            raise ValueError(f"clamp layer must be in 0..{trace.num_layers - 1}, got {c.layer}")
        if c.direction not in trace.directions:
            raise ValueError(f"clamp direction must be one of {trace.directions}")
        if c.gate not in allowed_gates(trace.cell):
            raise ValueError(
                f"{trace.cell.upper()} gates that can be clamped are "
                f"{allowed_gates(trace.cell)}, got {c.gate!r}"
            )
        if not 0 <= c.start <= c.end < steps:
            raise ValueError(f"clamp span must satisfy 0 <= start <= end < {steps}")
        bad = [u for u in c.units if not 0 <= u < trace.hidden_size]
        if bad:
            raise ValueError(f"clamp units must be in 0..{trace.hidden_size - 1}, got {bad}")
        lo, hi = value_range(c.gate, trace.cell)
        if not lo <= c.value <= hi:
            raise ValueError(f"gate {c.gate} can be clamped to {lo:g}..{hi:g}, got {c.value}")
        out.append(
            Clamp(c.layer % trace.num_layers, c.direction, c.gate, tuple(c.units), c.start,
                  c.end, float(c.value))
        )  # fmt: skip
    return out


def _run_direction(
    cell: str,
    w: LayerWeights,
    x: np.ndarray,
    order: np.ndarray,
    first: int,
    arrays: dict[str, np.ndarray],
    prev: dict[str, np.ndarray],
    clamps: list[Clamp],
) -> None:
    """Re-run reading steps ``first..T-1`` (token ``order[r]``) from the states ``prev``,
    writing into ``arrays``."""
    spec = CELLS[cell]
    b_ih, b_hh = w.biases()
    wx = x[order[first:]] @ w.w_ih.T + b_ih  # (T - first, G*H)
    for r in range(first, len(order)):
        t = int(order[r])
        here = [cl for cl in clamps if cl.covers(t)]

        def force(gate: str, value: np.ndarray, here: list[Clamp] = here) -> np.ndarray:
            for cl in here:
                if cl.gate == gate:
                    value[list(cl.units)] = cl.value
            return value

        uh = b_hh if w.w_hh is None else w.w_hh @ prev["h"] + b_hh  # (G*H,) biases included
        values = spec.step(wx[r - first], uh, 0.0, 0.0, prev, force=force)
        if w.w_hr is not None:
            values["h"] = w.w_hr @ values["h"]  # (H_out,) projection
        prev = {s: values[s] for s in spec.states}
        for name, out in arrays.items():
            out[t] = values[name]


def clamp(
    rnn: nn.RNNBase,
    x: torch.Tensor | np.ndarray,
    trace: Trace,
    clamps: Sequence[Clamp],
    recompute_all: bool = False,
) -> ClampResult:
    """Re-run ``rnn`` on ``x (T, input_size)`` with ``clamps``; ``trace`` is its trace on ``x``.

    ``recompute_all`` re-runs every step of every layer, not only from the first changed one
    (a check: with no clamps it reproduces the trace).
    """
    cell = trace.cell
    if not isinstance(rnn, nn.Module) or trace.cell not in CELLS:
        raise TypeError(f"clamp expects the recurrent module the trace came from, got {rnn!r}")
    if not CELLS[cell].matches(rnn) or rnn.num_layers != trace.num_layers:
        raise ValueError("the trace does not come from this module (cell or layers differ)")
    x_np = x.detach().cpu().double().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    x_np = x_np.astype(np.float64)  # (T, F)
    steps = trace.length
    if x_np.shape[0] != steps:
        raise ValueError(f"x has {x_np.shape[0]} steps but the trace has {steps}")
    clamps = _check(trace, clamps)
    names = trace.names
    original = {
        (layer, d, n): trace.quantity(layer, d, n).astype(np.float64)
        for layer in range(trace.num_layers)
        for d in trace.directions
        for n in names
    }
    arrays = {k: v.copy() for k, v in original.items()}
    new_in, old_in = x_np, x_np  # (T, F) this layer's input after / before clamping
    for layer in range(trace.num_layers):
        changed = np.flatnonzero((new_in != old_in).any(axis=1))  # tokens whose input moved
        for d, direction in enumerate(trace.directions):
            mine = [c for c in clamps if c.layer == layer and c.direction == direction]
            order = np.arange(steps) if d == 0 else np.arange(steps)[::-1]  # reading order
            where = np.empty(steps, dtype=int)
            where[order] = np.arange(steps)  # token -> reading step
            starts = [where[c.start] if d == 0 else where[c.end] for c in mine]
            starts += [where[changed].min()] if len(changed) else []
            starts += [0] if recompute_all else []
            if not starts:
                continue
            first = int(min(starts))
            t0 = int(order[first])
            prev = {
                s: trace.previous(layer, direction, s)[t0].astype(np.float64)
                for s in CELLS[cell].states
            }
            parts = {n: arrays[(layer, direction, n)] for n in names}
            w = CELLS[cell].weights(rnn, layer, d).numpy(np.float64)
            _run_direction(cell, w, new_in, order, first, parts, prev, mine)
        old_in = np.concatenate([original[(layer, d, "h")] for d in trace.directions], axis=1)
        new_in = np.concatenate([arrays[(layer, d, "h")] for d in trace.directions], axis=1)
    return ClampResult(
        cell=cell,
        tokens=tuple(trace.tokens),
        clamps=tuple(clamps),
        output=new_in,
        original_output=old_in,
        arrays=arrays,
        original=original,
    )


def probabilities(
    result: ClampResult, weight: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Softmax of a Linear head ``W (labels, D*H)``, ``b (labels,)`` at every step:
    ``(before, after)``, each ``(T, labels)``."""

    def soft(out: np.ndarray) -> np.ndarray:
        s = out @ np.asarray(weight, np.float64).T + np.asarray(bias, np.float64)
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return soft(result.original_output), soft(result.output)
