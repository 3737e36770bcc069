"""The :class:`Trace`: everything a recurrent module computed on one sequence, in token order,
with its accessors (a quantity, the state each step started from, a gate's argument halves, the
merged directions). :func:`rnnviz.tracer.trace_rnn` makes one; figures and analysis read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import cells
from .cells import CellSpec
from .schema import DIRECTIONS, MERGE_MODES, Cell, Direction, MergeMode


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
    c_n: np.ndarray | None  # (L * D, H) final cell state when the cell has one, else None
    inputs: tuple[np.ndarray, ...]  # per layer: (T, input_size of that layer)
    arrays: dict[tuple[int, str, str], np.ndarray] = field(repr=False)
    previous_states: dict[tuple[int, str, str], np.ndarray] = field(repr=False)
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = field(repr=False)
    # (L * D, units) per state beyond h and c (an sLSTM's n and m), equal to the module's own
    extra_finals: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def final(self, state: str) -> np.ndarray:
        """``(L * D, units)`` state ``state`` after the last read, rows as PyTorch's ``h_n``."""
        if state == "h":
            return self.h_n
        if state == "c" and self.c_n is not None:
            return self.c_n
        if state not in self.extra_finals:
            raise ValueError(f"{self.spec.title} states are {self.spec.states}, got {state!r}")
        return self.extra_finals[state]

    @property
    def spec(self) -> CellSpec:
        """The cell's registry entry: gate names, equations, LaTeX, diagram."""
        return cells.get(self.cell)

    @property
    def length(self) -> int:
        """Number of steps T."""
        return int(self.output.shape[0])

    @property
    def directions(self) -> tuple[Direction, ...]:
        return DIRECTIONS if self.bidirectional else DIRECTIONS[:1]

    @property
    def names(self) -> tuple[str, ...]:
        """Quantities recorded per step: ``i f g o c h`` (LSTM), ``r z n h`` (GRU), ``h`` (RNN)."""
        return self.spec.quantities

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
            raise ValueError(f"{self.spec.title} quantities are {self.names}, got {name!r}")
        return (layer % self.num_layers, direction, name)

    def quantity(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` values of gate or state ``name``; row t is token t."""
        return self.arrays[self._key(layer, direction, name)]

    def previous(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` state each step started from (``h_{t-1}``, ``c_{t-1}``), token order.

        For the backward direction the state before step ``t`` is the one after token ``t+1``.
        """
        if name not in self.spec.states:
            raise ValueError(f"previous() has states {', '.join(self.spec.states)}, got {name!r}")
        return self.previous_states[self._key(layer, direction, name)]

    def preactivation(self, layer: int, direction: Direction, gate: str) -> dict[str, np.ndarray]:
        """The parts of a gate's argument: ``Wx (T,H)``, ``Uh (T,H)``, ``b_x (H,)``, ``b_h (H,)``.

        Most gates are ``act(Wx + b_x + Uh + b_h)``; the GRU's ``n`` is
        ``tanh(Wx + b_x + r * (Uh + b_h))`` (see the cell's equations).
        """
        gates = self.spec.gates
        if gate not in gates:
            raise ValueError(f"{self.spec.title} gates are {gates}, got {gate!r}")
        layer, direction, _ = self._key(layer, direction, "h")
        wx, uh, b_x, b_h = self.preacts[(layer, direction)]
        k = gates.index(gate)
        sl = slice(k * self.hidden_size, (k + 1) * self.hidden_size)
        return {"Wx": wx[:, sl], "Uh": uh[:, sl], "b_x": b_x[sl], "b_h": b_h[sl]}

    def values_at(self, layer: int, direction: Direction, step: int, unit: int) -> dict[str, float]:
        """Every number of one unit at one step, by name, for equations and drawings.

        Quantities (``f``, ``c``, …), previous states (``c_prev``, ``h_prev``) and each gate's
        argument halves with their biases (``wx_f = Wx + b_x``, ``uh_f = Uh + b_h``).
        """
        values = {n: float(self.quantity(layer, direction, n)[step, unit]) for n in self.names}
        for s in self.spec.states:
            values[f"{s}_prev"] = float(self.previous(layer, direction, s)[step, unit])
        for g in self.spec.gates:
            p = self.preactivation(layer, direction, g)
            values[f"wx_{g}"] = float(p["Wx"][step, unit] + p["b_x"][unit])
            values[f"uh_{g}"] = float(p["Uh"][step, unit] + p["b_h"][unit])
        return values

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


def shifted(
    values: np.ndarray, first: np.ndarray, backward: bool, out: np.ndarray | None = None
) -> np.ndarray:
    """``(T, units)`` state each step started from, token order, given the states after each
    step: the step before in reading order (``first`` where reading starts). Written into
    ``out`` when given."""
    before = np.empty_like(values) if out is None else out
    if backward:  # the backward direction's previous step is the token to the right
        before[:-1], before[-1] = values[1:], first
    else:
        before[1:], before[0] = values[:-1], first
    return before
