"""The cell registry: one file per cell, one line per cell here.

``CELLS[name]`` is a :class:`CellSpec`; :func:`cell_of` finds the spec of a torch module. Adding
a cell = a new file that defines a ``CellSpec`` + one line in ``_SPECS``. Nothing else in the
library branches on a cell's name.
"""

from __future__ import annotations

from . import gru, lstm, rnn
from .base import (
    Array,
    Box,
    CellSpec,
    Diagram,
    Equation,
    relu_,
    sigmoid_,
    split_gates,
    split_last,
    tanh_,
)
from .gru import gru_gates
from .lstm import lstm_gates
from .rnn import rnn_relu_gates, rnn_tanh_gates

_SPECS = (
    lstm.SPEC,
    gru.SPEC,
    rnn.SPEC,
    rnn.RELU_SPEC,
)
CELLS: dict[str, CellSpec] = {spec.name: spec for spec in _SPECS}


def get(cell: str | CellSpec) -> CellSpec:
    """The spec of a cell name (or the spec itself); a ValueError names the known cells."""
    if isinstance(cell, CellSpec):
        return cell
    try:
        return CELLS[cell]
    except (KeyError, TypeError):
        raise ValueError(f"cell must be one of {tuple(CELLS)}, got {cell!r}") from None


def cell_of(module: object) -> CellSpec:
    """The spec describing a recurrent module (``nn.LSTM``, ``nn.GRU``, ``nn.RNN``)."""
    for spec in _SPECS:
        if spec.matches(module):
            return spec
    kinds = ", ".join(sorted({f"torch.nn.{s.module.__name__}" for s in _SPECS}))
    raise TypeError(
        f"trace_rnn expects one of {kinds}, got {type(module).__name__}; "
        "pass the recurrent submodule itself (e.g. model.rnn)"
    )


__all__ = [
    "CELLS",
    "Array",
    "Box",
    "CellSpec",
    "Diagram",
    "Equation",
    "cell_of",
    "get",
    "gru_gates",
    "lstm_gates",
    "relu_",
    "rnn_relu_gates",
    "rnn_tanh_gates",
    "sigmoid_",
    "split_gates",
    "split_last",
    "tanh_",
]
