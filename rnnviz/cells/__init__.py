"""The cell registry: one file per cell, one line per cell here.

``CELLS[name]`` is a :class:`CellSpec`; :func:`cell_of` finds the spec of a torch module. Adding
a cell = a new file that defines a ``CellSpec`` + one line in ``_SPECS``. Nothing else in the
library branches on a cell's name.
"""

from __future__ import annotations

from . import gru, lstm, mingru, rnn, slstm
from .base import (
    Array,
    Box,
    CellSpec,
    Diagram,
    Equation,
    LayerRun,
    LayerWeights,
    relu_,
    sigmoid_,
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
    mingru.SPEC,
    slstm.SPEC,
)
CELLS: dict[str, CellSpec] = {spec.name: spec for spec in _SPECS}
# Views of the registry: PyTorch's row-block order inside weight_ih/weight_hh, and everything a
# trace records per step, per cell name.
GATES: dict[str, tuple[str, ...]] = {name: spec.gates for name, spec in CELLS.items()}
QUANTITIES: dict[str, tuple[str, ...]] = {name: spec.quantities for name, spec in CELLS.items()}


def quantities(cell: str | CellSpec) -> tuple[str, ...]:
    """Quantities recorded for a cell, in display order."""
    return get(cell).quantities


def get(cell: str | CellSpec) -> CellSpec:
    """The spec of a cell name (or the spec itself); a ValueError names the known cells."""
    if isinstance(cell, CellSpec):
        return cell
    try:
        return CELLS[cell]
    except (KeyError, TypeError):
        raise ValueError(f"cell must be one of {tuple(CELLS)}, got {cell!r}") from None


def title(cell: str) -> str:
    """The human name of a registered cell (``"LSTM"``, ``"minGRU"``): a picker's format_func."""
    return get(cell).title


def names() -> list[str]:
    """Every registered cell, registry order (what a cell picker lists)."""
    return list(CELLS)


def split_last(preact: Array, cell: str | CellSpec) -> dict[str, Array]:
    """Split a ``(..., G*H)`` pre-activation into ``{gate: (..., H)}``."""
    names = get(cell).gates
    size = preact.shape[-1] // len(names)
    return {name: preact[..., k * size : (k + 1) * size] for k, name in enumerate(names)}


def split_gates(stacked: Array, cell: str | CellSpec) -> dict[str, Array]:
    """Split PyTorch's stacked gate rows ``(G*H, ...)`` (a weight or a bias) by gate name."""
    names = get(cell).gates
    size = stacked.shape[0] // len(names)
    return {name: stacked[k * size : (k + 1) * size] for k, name in enumerate(names)}


def _module_path(cls: type) -> str:
    """``torch.nn.LSTM`` for PyTorch's modules (as users write them), else the full path."""
    if cls.__module__.startswith("torch.nn"):
        return f"torch.nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__name__}"


def cell_of(module: object) -> CellSpec:
    """The spec describing a recurrent module (``nn.LSTM``, ``nn.GRU``, ``nn.RNN``)."""
    for spec in _SPECS:
        if spec.matches(module):
            return spec
    kinds = ", ".join(sorted({_module_path(s.module) for s in _SPECS}))
    raise TypeError(
        f"trace_rnn expects one of {kinds}, got {type(module).__name__}; "
        "pass the recurrent submodule itself (e.g. model.rnn)"
    )


__all__ = [
    "CELLS",
    "GATES",
    "QUANTITIES",
    "Array",
    "Box",
    "CellSpec",
    "Diagram",
    "Equation",
    "LayerRun",
    "LayerWeights",
    "cell_of",
    "get",
    "gru_gates",
    "lstm_gates",
    "names",
    "quantities",
    "relu_",
    "rnn_relu_gates",
    "rnn_tanh_gates",
    "sigmoid_",
    "split_gates",
    "split_last",
    "tanh_",
    "title",
]
