"""Orders of units for heatmap rows: by index, by variance, or by similarity of their traces."""

from __future__ import annotations

from typing import Literal

import numpy as np

Order = Literal["index", "variance", "similarity"]
ORDERS: tuple[Order, ...] = ("index", "variance", "similarity")


def unit_order(values: np.ndarray, how: Order = "index") -> np.ndarray:
    """Row order for ``values (T, units)``: a permutation of ``range(units)``.

    ``variance``: most active units first. ``similarity``: greedy nearest-neighbour chain on the
    correlation of the units' traces over the sentence, starting from the most variable unit, so
    units that move together sit next to each other.
    """
    if how not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {how!r}")
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be (T, units), got shape {values.shape}")
    units = values.shape[1]
    if how == "index" or units < 2:
        return np.arange(units)
    var = values.var(axis=0)  # (units,)
    if how == "variance":
        return np.argsort(-var, kind="stable")
    centred = values - values.mean(axis=0)  # (T, units)
    norm = np.linalg.norm(centred, axis=0)  # (units,)
    unit_vectors = centred / np.where(norm > 0, norm, 1.0)
    corr = unit_vectors.T @ unit_vectors  # (units, units)
    order = [int(np.argmax(var))]
    left = np.ones(units, dtype=bool)
    left[order[0]] = False
    for _ in range(units - 1):
        scores = np.where(left, corr[order[-1]], -np.inf)
        nxt = int(np.argmax(scores))
        order.append(nxt)
        left[nxt] = False
    return np.asarray(order)
