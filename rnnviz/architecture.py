"""The one architecture record: what a recurrent module is (cell, sizes, layers, directions,
bias, projection), shared by shipped, uploaded, random, live and code models.

Each model's stored config keeps its own file format (a shipped ``config.json``, a code model's
``config.json``, an upload's tensor shapes, the live page's metadata); every config says what
it is through ``.arch`` (an :class:`Architecture`), and the module is built from that one record.
Records that hold an ``arch`` field (the training recipes, the code model's config) are stored
flat as before: :func:`flatten` writes the architecture's fields where ``arch`` stands, under
the record's own key names, and :func:`unflatten` reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from torch import nn

from .cells import CELLS


@dataclass(frozen=True)
class Architecture:
    """A recurrent module's shape: ``build()`` makes it, ``describe()`` says it in one line."""

    cell: str  # a key of rnnviz.cells.CELLS
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    proj_size: int = 0

    @property
    def out_width(self) -> int:
        """Width of the module's output per step: ``directions × (proj_size or hidden_size)``."""
        return (2 if self.bidirectional else 1) * (self.proj_size or self.hidden_size)

    def describe(self) -> str:
        """One line such as ``LSTM, 2 layers, bidirectional, input 16, hidden 32``."""
        parts = [
            CELLS[self.cell].title,
            f"{self.num_layers} layer{'s' if self.num_layers > 1 else ''}",
            "bidirectional" if self.bidirectional else "unidirectional",
            f"input {self.input_size}",
            f"hidden {self.hidden_size}",
        ]
        if self.proj_size:
            parts.append(f"projection {self.proj_size}")
        if not self.bias:
            parts.append("no bias")
        return ", ".join(parts)

    def build(self, **kwargs: object) -> nn.Module:
        """An untrained module of this architecture (``batch_first``, ``dropout``, ``device``…
        pass through to the cell's module)."""
        return CELLS[self.cell].build(
            self.input_size,
            self.hidden_size,
            self.proj_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            bias=self.bias,
            **kwargs,
        )


def flatten(record: Any, keys: Mapping[str, str]) -> dict[str, Any]:
    """``record``'s fields as one flat dict (its stored layout): each field in order, its
    ``arch`` replaced by ``{stored key: arch.<field>}`` for ``keys`` (stored key → field of
    :class:`Architecture`), in that order. Fields of ``arch`` not in ``keys`` are implied by the
    record (an input width its other fields give, a cell fixed by the model)."""
    flat: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if f.name == "arch":
            flat |= {key: getattr(value, name) for key, name in keys.items()}
        else:
            flat[f.name] = value
    return flat


def unflatten(
    data: Mapping[str, Any], keys: Mapping[str, str], default: Architecture
) -> dict[str, Any]:
    """The inverse of :func:`flatten`: ``data`` without the stored architecture keys, plus
    ``arch``: ``default`` with the fields those keys give."""
    rest = {k: v for k, v in data.items() if k not in keys}
    given = {keys[k]: v for k, v in data.items() if k in keys}
    return {**rest, "arch": replace(default, **given)}
