"""What a recurrent cell is, as data: the :class:`CellSpec` every cell file fills in.

The tracer, the reference, the figures and the analyses read a cell's spec from the registry
(``rnnviz.cells.CELLS``) instead of branching on its name. A spec says:

- which ``torch.nn`` module it traces (and which ``nonlinearity``, for ``nn.RNN``);
- how to run one layer (``kernel``: PyTorch's own ``torch._VF`` function, or ``layer_fn``, or by
  default :func:`loop_layer`, the cell's own equations step by step) and how to read one layer's
  weights from a module (``read_weights``; default: ``nn.RNNBase`` names, see :class:`LayerWeights`);
- which factor keeps each state: ``linear_states`` gives ``s_t = a ⊙ s_{t-1} + b`` for every state
  that follows it (LSTM ``c``: ``a = f``; GRU ``h``: ``a = z``; minGRU ``h``: ``a = 1 - z``; the
  vanilla RNN: none), and ``keep_gate``/``keep_complement`` name the gate behind ``a``;
- ``reference``: the textbook NumPy layer a student reads (one direction, left to right);
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

Running a layer (:class:`LayerWeights`, :class:`LayerRun`, :func:`loop_layer`) lives in
:mod:`.layer`, the array operations the equations use in :mod:`.ops`; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from string import Template

import numpy as np
import torch
from torch import nn

from ..schema import STYLES, QuantityStyle
from .layer import LayerRun, LayerWeights, arguments, loop_layer, rnnbase_weights, textbook_parts
from .ops import Array, add_, relu_, sigmoid, sigmoid_, tanh, tanh_, tracks_grad

__all__ = [
    "ACTIVATION_RANGES",
    "Array",
    "Box",
    "CellSpec",
    "Diagram",
    "Equation",
    "Force",
    "Gates",
    "LayerRun",
    "LayerWeights",
    "add_",
    "arguments",
    "gate_line",
    "loop_layer",
    "relu_",
    "rnnbase_weights",
    "sigmoid",
    "sigmoid_",
    "tanh",
    "tanh_",
    "textbook_parts",
    "tracks_grad",
]

Gates = dict[str, Array]
# ``force(gate, value) -> value``: overrides a gate as soon as it is computed, before anything that
# reads it (a GRU's clamped r changes its candidate n); used by gate clamps, None elsewhere.
Force = Callable[[str, Array], Array] | None
# The value range of each activation as recorded on a trace ("exp": an exponential gate after its
# stabiliser, as an sLSTM uses it: in (0, 1]; "identity": a linear map, unbounded).
ACTIVATION_RANGES: dict[str, tuple[float, float]] = {
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "relu": (0.0, np.inf),
    "exp": (0.0, 1.0),
    "identity": (-np.inf, np.inf),
}


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

    name: str  # registry key and Trace.cell
    title: str  # for people: "LSTM", "GRU", "RNN (tanh)"
    module: type[nn.Module]  # nn.LSTM, nn.GRU, nn.RNN, or the cell file's own module
    # PyTorch's own kernel for it (torch._VF.<kernel>), or None: the layer runs through
    # ``layer_fn`` (default :func:`loop_layer`, the equations step by step)
    kernel: str | None
    gates: tuple[str, ...]  # weight row blocks in PyTorch order
    states: tuple[str, ...]  # carried states in PyTorch's hx order; "h" first
    quantities: tuple[str, ...]  # recorded per step, display order
    activations: Mapping[str, str]  # gate -> a key of ACTIVATION_RANGES
    # (wx, uh, b_x, b_h) -> {gate: (..., H)}: every gate from its known inputs (h_{t-1} known).
    gate_fn: Callable[[Array, Array, Array, Array, Force], Gates]
    # {gate: (T, H)} -> {state: (a, b)} for the states that follow s_t = a_t ⊙ s_{t-1} + b_t
    # and are not h (LSTM: c = f ⊙ c_{t-1} + i ⊙ g); the tracer solves these with one scan.
    linear_states: Callable[[Gates], dict[str, tuple[Array, Array]]]
    # ({gate: (..., H)}, {state: (..., units) before the step}, force) -> {state: new value}
    # (and any gate the update finalises, e.g. an sLSTM's stabilised i and f)
    update_fn: Callable[[Gates, Mapping[str, Array], Force], dict[str, Array]]
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
    # How to run one layer without a torch kernel: (spec, inp, init, weights) -> LayerRun.
    layer_fn: Callable[..., LayerRun] | None = None
    # (module, layer, direction) -> LayerWeights; default: nn.RNNBase's parameter names.
    read_weights: Callable[[nn.Module, int, int], LayerWeights] = rnnbase_weights
    # The textbook NumPy layer: (x (T, F), LayerWeights of NumPy arrays, {state: (units,)}) ->
    # {quantity: (T, units)}, one direction, left to right (rnnviz.reference runs it).
    reference: Callable[..., dict[str, np.ndarray]] | None = None
    onepass: int | None = None  # the cell's number in onepass.cpp, if the C++ loop computes it
    # The gate whose value (or 1 - value, keep_complement) keeps the memory state ``updated``.
    keep_gate: str | None = None
    keep_complement: bool = False
    # i18n keys of quantities whose meaning differs from the shared ``q_<name>`` (sLSTM's z, n).
    labels: Mapping[str, str] = field(default_factory=dict)
    reads_h: bool = True  # whether the gates read h_{t-1} (minGRU's do not: a parallel scan)

    @property
    def gate_count(self) -> int:
        """Row blocks per hidden unit in ``weight_ih``: 4 (LSTM), 3 (GRU), 1 (RNN)."""
        return len(self.gates)

    @property
    def sigmoid_gates(self) -> tuple[str, ...]:
        """Gates whose recorded values lie in 0..1 (the ones that saturate open or shut):
        ``i f o``, ``r z``, an sLSTM's stabilised exponential ``i f`` too."""
        return tuple(g for g in self.gates if self.value_range(g) == (0.0, 1.0))

    def value_range(self, name: str) -> tuple[float, float]:
        """Declared range of a gate's recorded value (from its activation); states: unbounded."""
        act = self.activations.get(name)
        return ACTIVATION_RANGES[act] if act else (-np.inf, np.inf)

    def label(self, name: str) -> str:
        """The i18n key naming a quantity of this cell (``q_<name>`` unless the cell says)."""
        return self.labels.get(name, f"q_{name}")

    @property
    def memory(self) -> tuple[str, str] | None:
        """``(state, keep factor)`` of the state that adds up per-token writes, as LaTeX-free
        text (``("c", "f")``, ``("h", "z")``, ``("h", "(1−z)")``), or None (the vanilla RNN)."""
        if self.keep_gate is None:
            return None
        keep = f"(1−{self.keep_gate})" if self.keep_complement else self.keep_gate
        return self.updated, keep

    def weights(self, module: nn.Module, layer: int, direction: int) -> LayerWeights:
        """Layer ``layer``, direction ``direction`` (0 forward, 1 backward) of ``module``."""
        return self.read_weights(module, layer, direction)

    def run_layer(
        self, inp: torch.Tensor, init: Mapping[str, torch.Tensor], weights: list[LayerWeights]
    ) -> LayerRun:
        """One layer, every direction, of a cell without a torch kernel (see :class:`LayerRun`)."""
        return (self.layer_fn or loop_layer)(self, inp, init, weights)

    def matches(self, module: object) -> bool:
        """Whether this spec describes ``module`` (class, and ``nonlinearity`` for ``nn.RNN``)."""
        if type(module) is not self.module and not isinstance(module, self.module):
            return False
        return self.nonlinearity is None or getattr(module, "nonlinearity", None) == (
            self.nonlinearity
        )

    def build(
        self, input_size: int, hidden_size: int, proj_size: int = 0, **kwargs: object
    ) -> nn.Module:
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
        return {**gates, **self.update_fn(gates, prev, force)}

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
