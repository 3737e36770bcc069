"""What a recurrent cell is, as data: the :class:`CellSpec` every cell file fills in.

The tracer, the reference, the figures and the analyses read a cell's spec from the registry
(``rnnviz.cells.CELLS``) instead of branching on its name. A spec says:

- which ``torch.nn`` module it traces (and which ``nonlinearity``, for ``nn.RNN``);
- ``gates``: the names of the row blocks of ``weight_ih``/``weight_hh`` in PyTorch's order
  (``i f g o``, ``r z n``; the vanilla RNN has one block, the new ``h`` itself);
- ``states``: the carried states in PyTorch's ``hx`` order (``h c`` or ``h``);
- ``quantities``: everything a trace records per step, in display order;
- the equations as functions that work on NumPy arrays and torch tensors alike, on one step
  ``(H,)`` or on all steps at once ``(T, H)``;
- the state update as "kept + written", its LaTeX lines and its diagram layout, as data.

LaTeX templates are :class:`string.Template` strings (``$name``), because LaTeX itself is full
of braces: ``$prev`` is ``t-1`` or ``t+1``; in numeric lines every quantity ``$q``, previous
state ``$h_prev``, gate argument ``$wx_g``/``$uh_g`` (biases included) and derived value
(``CellSpec.derived``) is a formatted number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from string import Template
from typing import Any

import numpy as np
import torch
from torch import nn

from ..schema import STYLES, QuantityStyle

Array = Any  # np.ndarray or torch.Tensor with the same operations
Gates = dict[str, Array]
# ``force(gate, value) -> value``: overrides a gate as soon as it is computed, before anything that
# reads it (a GRU's clamped r changes its candidate n); used by gate clamps, None elsewhere.
Force = Callable[[str, Array], Array] | None


def tracks_grad(x: Array) -> bool:
    """Whether ``x`` is a tensor autograd records: the gate functions then work out of place
    (an in-place change of a value a backward pass needs would make it fail)."""
    return isinstance(x, torch.Tensor) and x.requires_grad and torch.is_grad_enabled()


def add_(x: Array, other: Array) -> Array:
    """``x + other``, in place on the temporary ``x`` unless autograd records it."""
    if tracks_grad(x):
        return x + other
    x += other
    return x


def sigmoid_(x: Array) -> Array:
    """Logistic function in place on a temporary (saves allocations on long sequences)."""
    if isinstance(x, torch.Tensor):
        return x.sigmoid() if tracks_grad(x) else x.sigmoid_()
    np.multiply(x, 0.5, out=x)  # σ(x) = (1 + tanh(x/2)) / 2 never overflows
    np.tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


def tanh_(x: Array) -> Array:
    """tanh in place on a temporary.

    torch: as ``2σ(2x) - 1``, because torch's CPU sigmoid is about 3× faster than its tanh
    (absolute difference ~1 ulp of 1, far inside the tracer's tolerances).
    """
    if isinstance(x, torch.Tensor):
        return x.tanh() if tracks_grad(x) else x.mul_(2.0).sigmoid_().mul_(2.0).sub_(1.0)
    return np.tanh(x, out=x)


def relu_(x: Array) -> Array:
    """max(x, 0) in place on a temporary."""
    if isinstance(x, torch.Tensor):
        return x.relu() if tracks_grad(x) else x.relu_()
    return np.maximum(x, 0, out=x)


def tanh(x: Array) -> Array:
    """tanh of a NumPy array or a torch tensor (a new array)."""
    return x.tanh() if isinstance(x, torch.Tensor) else np.tanh(x)


@dataclass(frozen=True)
class Equation:
    """One line of a step: ``symbolic`` (LaTeX, ``$prev``), ``numeric`` (``$field`` numbers)."""

    name: str  # the quantity this line computes
    symbolic: str
    numeric: str


@dataclass(frozen=True)
class Box:
    """A box of the cell diagram at ``(x, y)``; coloured by ``value`` on ``style``'s scale."""

    x: float
    y: float
    label: str  # HTML; ``$prev`` becomes t-1 or t+1
    value: str | None = None  # a key of Trace.values_at(...), or None for a plain box
    style: str | None = None  # the quantity whose colour scale is used
    width: float = 1.1


@dataclass(frozen=True)
class Diagram:
    """The cell of one unit drawn on a 10 × 5 canvas: gates on a bus, then the state update.

    ``gate_x`` places each gate's box on the row ``y = 1.25`` over the input bus ``y = 0.45``;
    the rest are extra boxes, operation nodes ``(x, y, "×")``, arrows ``(x0, y0, x1, y1)`` and
    text labels ``(x, y, text)``.
    """

    gate_x: Mapping[str, float]
    boxes: tuple[Box, ...] = ()
    nodes: tuple[tuple[float, float, str], ...] = ()
    arrows: tuple[tuple[float, float, float, float], ...] = ()
    labels: tuple[tuple[float, float, str], ...] = ()


@dataclass(frozen=True)
class CellSpec:
    """Everything the library knows about one kind of recurrent cell (see the module doc)."""

    name: str  # registry key and Trace.cell: "lstm", "gru", "rnn", "rnn_relu"
    title: str  # for people: "LSTM", "GRU", "RNN (tanh)"
    module: type[nn.RNNBase]  # nn.LSTM, nn.GRU, nn.RNN
    kernel: str  # PyTorch's own kernel for it (torch._VF.<kernel>), used only by the tracer
    gates: tuple[str, ...]  # weight row blocks in PyTorch order
    states: tuple[str, ...]  # carried states in PyTorch's hx order; "h" first
    quantities: tuple[str, ...]  # recorded per step, display order
    activations: Mapping[str, str]  # gate -> "sigmoid" | "tanh" | "relu"
    # (wx, uh, b_x, b_h) -> {gate: (..., H)}: every gate from its known inputs (h_{t-1} known).
    gate_fn: Callable[[Array, Array, Array, Array, Force], Gates]
    # {gate: (T, H)} -> {state: (a, b)} for the states that follow s_t = a_t ⊙ s_{t-1} + b_t
    # and are not h (LSTM: c = f ⊙ c_{t-1} + i ⊙ g); the tracer solves these with one scan.
    linear_states: Callable[[Gates], dict[str, tuple[Array, Array]]]
    # ({gate: (..., H)}, {state: (..., units) before the step}) -> {state: new value}
    update_fn: Callable[[Gates, Mapping[str, Array]], dict[str, Array]]
    # The state update as kept + written: the state it makes, and values -> (kept, written),
    # where values hold the quantities and the previous states "<state>_prev".
    updated: str  # "c" (LSTM) or "h"
    split_fn: Callable[[Mapping[str, Array]], tuple[Array, Array]]
    kept_label: str  # "f⊙c_{t-1}"; "0" when nothing is kept (the vanilla RNN)
    written_label: str  # "i⊙g"
    equations: tuple[Equation, ...]
    diagram: Diagram
    # Extra values a drawing or equation shows (LSTM "tanh_c", GRU "one_minus_z").
    derived: Callable[[Mapping[str, float]], dict[str, float]] = lambda values: {}
    nonlinearity: str | None = None  # nn.RNN's nonlinearity this spec traces
    projection: bool = False  # whether the module may have proj_size (nn.LSTM's W_hr)
    styles: Mapping[str, QuantityStyle] = field(default_factory=dict)  # overrides of STYLES

    @property
    def gate_count(self) -> int:
        """Row blocks per hidden unit in ``weight_ih``: 4 (LSTM), 3 (GRU), 1 (RNN)."""
        return len(self.gates)

    @property
    def sigmoid_gates(self) -> tuple[str, ...]:
        """Gates squashed to 0..1 (the ones that saturate open or shut): ``i f o``, ``r z``."""
        return tuple(g for g in self.gates if self.activations[g] == "sigmoid")

    def matches(self, module: object) -> bool:
        """Whether this spec describes ``module`` (class, and ``nonlinearity`` for ``nn.RNN``)."""
        if type(module) is not self.module and not isinstance(module, self.module):
            return False
        return self.nonlinearity is None or getattr(module, "nonlinearity", None) == (
            self.nonlinearity
        )

    def build(
        self, input_size: int, hidden_size: int, proj_size: int = 0, **kwargs: object
    ) -> nn.RNNBase:
        """A new module of this cell (``num_layers``, ``bidirectional``, ``batch_first``, ``bias``,
        ``device``... pass through; ``proj_size`` only where the cell has a projection)."""
        if self.nonlinearity is not None:
            kwargs["nonlinearity"] = self.nonlinearity
        if proj_size:
            if not self.projection:
                raise ValueError(f"{self.title} has no projection (proj_size={proj_size})")
            kwargs["proj_size"] = proj_size
        return self.module(input_size, hidden_size, **kwargs)

    def style(self, name: str) -> QuantityStyle:
        """Colour range and scale of a quantity for this cell (a relu ``h`` is not -1..1)."""
        return self.styles.get(name) or STYLES[name]

    def step(
        self,
        wx: Array,
        uh: Array,
        b_x: Array,
        b_h: Array,
        prev: Mapping[str, Array],
        force: Force = None,
    ):
        """One step (or all steps at once) of the equations: gates, then the new states.

        ``wx = W_ih x_t (..., G*H)``, ``uh = W_hh h_{t-1} (..., G*H)``; ``prev`` holds the states
        before the step; ``force`` may override gates as they are computed (see ``Force``).
        Returns every quantity (LSTM ``h`` before any projection).
        """
        gates = self.gate_fn(wx, uh, b_x, b_h, force)
        return {**gates, **self.update_fn(gates, prev)}

    def split(self, values: Mapping[str, Array]) -> tuple[Array, Array]:
        """``(kept, written)`` parts of the updated state: ``kept + written == values[updated]``.

        ``values`` holds the quantities and the previous states ``<state>_prev`` (``(H,)`` or
        ``(T, H)``), e.g. from ``Trace.values_at``; LSTM: ``f⊙c_prev``, ``i⊙g``.
        """
        return self.split_fn(values)

    def latex(self, prev: str = "t-1") -> list[str]:
        """The symbolic equations of one step, one LaTeX line each."""
        return [Template(e.symbolic).substitute(prev=prev) for e in self.equations]

    def render(
        self, values: Mapping[str, float], prev: str = "t-1", num: Callable[[float], str] = str
    ) -> list[tuple[str, str, float]]:
        """``(symbolic, numeric, value)`` per equation, numbers formatted by ``num``.

        ``values`` is what ``Trace.values_at`` returns (quantities, ``<state>_prev``,
        ``wx_<gate>``, ``uh_<gate>``); derived values are added here.
        """
        fields = {**values, **self.derived(values)}
        numbers = {k: num(float(v)) for k, v in fields.items()}
        return [
            (
                Template(e.symbolic).substitute(prev=prev),
                Template(e.numeric).substitute(numbers),
                float(fields[e.name]),
            )
            for e in self.equations
        ]


def gate_line(gate: str, act: str) -> Equation:
    """``gate_t = act(W x_t + U h_prev + b)`` for a gate whose argument is a plain sum."""
    return Equation(
        gate,
        rf"{gate}_t &= {act}(W_{{{gate}}} x_t + U_{{{gate}}} h_{{$prev}} + b_{{{gate}}})",
        rf"{act}($wx_{gate} + $uh_{gate})",
    )
