"""Trace → tidy long table and back: one row per (layer, direction, position, quantity, unit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd


class Traced(Protocol):
    """What a table is made from: a :class:`rnnviz.Trace`'s arrays and names. This module never
    imports the tracer (``Trace.to_frame`` imports this one: one direction, no cycle)."""

    names: Sequence[str]
    tokens: Sequence[str]
    num_layers: int
    directions: Sequence[str]

    def quantity(self, layer: int, direction: str, name: str) -> np.ndarray: ...


COLUMNS = ("layer", "direction", "position", "token", "quantity", "unit", "value")


def to_frame(trace: Traced, quantities: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Long table ``[layer, direction, position, token, quantity, unit, value]``.

    One row per recorded number; ``position`` is the token index (both directions share it).
    """
    names = quantities or trace.names
    tokens = np.asarray(trace.tokens, dtype=object)
    parts = []
    for layer in range(trace.num_layers):
        for direction in trace.directions:
            for name in names:
                values = trace.quantity(layer, direction, name)  # (T, units)
                steps, units = values.shape
                parts.append(
                    pd.DataFrame(
                        {
                            "layer": np.full(steps * units, layer, dtype=np.int16),
                            "direction": direction,
                            "position": np.repeat(np.arange(steps, dtype=np.int32), units),
                            "token": np.repeat(tokens, units),
                            "quantity": name,
                            "unit": np.tile(np.arange(units, dtype=np.int32), steps),
                            "value": values.reshape(-1),
                        }
                    )
                )
    frame = pd.concat(parts, ignore_index=True)
    for col in ("direction", "quantity"):
        frame[col] = frame[col].astype("category")
    return frame


def to_matrix(frame: pd.DataFrame, layer: int, direction: str, quantity: str) -> np.ndarray:
    """Back from the long table to the ``(T, units)`` matrix of one quantity."""
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"table lacks columns {sorted(missing)}; expected {COLUMNS}")
    rows = frame[
        (frame["layer"] == layer)
        & (frame["direction"] == direction)
        & (frame["quantity"] == quantity)
    ]
    if rows.empty:
        raise ValueError(f"no rows for layer={layer}, direction={direction!r}, {quantity!r}")
    wide = rows.pivot(index="position", columns="unit", values="value").sort_index()
    return wide.sort_index(axis=1).to_numpy()
