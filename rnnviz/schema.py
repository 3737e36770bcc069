"""Names, orders and value ranges shared by the tracer, the tables and the figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# A key of the cell registry (rnnviz.cells.CELLS), the only authority on cells: not a closed
# Literal, so a new cell file needs no line here.
Cell = str
Direction = Literal["forward", "backward"]
MergeMode = Literal["concat", "sum", "mean", "product"]

DIRECTIONS: tuple[Direction, ...] = ("forward", "backward")
MERGE_MODES: tuple[MergeMode, ...] = ("concat", "sum", "mean", "product")


@dataclass(frozen=True)
class QuantityStyle:
    """How a quantity is named and drawn: a fixed range so 0.5 never looks like 0.99."""

    name: str
    long_name: str
    zmin: float
    zmax: float
    colorscale: str
    activation: str


# Sigmoid gates: 0..1 sequential. tanh-range quantities: -1..1 diverging, zero in the middle.
# Both scales are colour-blind safe (viridis; RdBu is readable for deuteranopia and protanopia).
# The cell state c is unbounded; it shares the diverging scale clipped to -2..2 (hover shows the value).
STYLES: dict[str, QuantityStyle] = {
    "i": QuantityStyle("i", "input gate", 0.0, 1.0, "Viridis", "sigmoid"),
    "f": QuantityStyle("f", "forget gate", 0.0, 1.0, "Viridis", "sigmoid"),
    "o": QuantityStyle("o", "output gate", 0.0, 1.0, "Viridis", "sigmoid"),
    "r": QuantityStyle("r", "reset gate", 0.0, 1.0, "Viridis", "sigmoid"),
    "z": QuantityStyle("z", "update gate", 0.0, 1.0, "Viridis", "sigmoid"),
    "g": QuantityStyle("g", "candidate", -1.0, 1.0, "RdBu_r", "tanh"),
    "n": QuantityStyle("n", "candidate", -1.0, 1.0, "RdBu_r", "tanh"),
    "h": QuantityStyle("h", "hidden state", -1.0, 1.0, "RdBu_r", "tanh"),
    "c": QuantityStyle("c", "cell state", -2.0, 2.0, "RdBu_r", "unbounded"),
    "merged": QuantityStyle("merged", "merged output", -1.0, 1.0, "RdBu_r", "mixed"),
    "diff": QuantityStyle("diff", "difference", -1.0, 1.0, "PuOr", "difference"),
}

SIGMOID_QUANTITIES = frozenset({"i", "f", "o", "r", "z"})
