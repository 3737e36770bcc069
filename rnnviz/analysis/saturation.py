"""Gate saturation over a corpus (Karpathy, Johnson & Fei-Fei 2015, "Visualizing and
Understanding Recurrent Networks", fig. 3): for every unit of every gate, the fraction of steps
it is left-saturated (below ``low``) and right-saturated (above ``high``).

Read from the corpus index's per-unit histograms (bins of 0.01), so thresholds move freely
without another pass over the corpus; thresholds snap to the nearest 0.01.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import STRINGS
from .search import GATE_BINS, CorpusIndex


def fractions(hist: np.ndarray, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, ...]:
    """``(left (units,), right (units,))`` fractions from ``(units, 100)`` histograms."""
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"need 0 ≤ low ≤ high ≤ 1, got low={low}, high={high}")
    lo = round(low * GATE_BINS)
    hi = round(high * GATE_BINS)
    total = np.maximum(hist.sum(axis=1), 1)
    return hist[:, :lo].sum(axis=1) / total, hist[:, hi:].sum(axis=1) / total


def saturation_table(index: CorpusIndex, low: float = 0.1, high: float = 0.9) -> pd.DataFrame:
    """One row per (layer, direction, gate, unit): ``left``, ``right``, ``middle`` fractions."""
    rows = []
    for layer in range(index.meta["layers"]):
        for direction in index.meta["directions"]:
            for gate in index.meta["gates"]:
                left, right = fractions(index.gate_histogram(layer, direction, gate), low, high)
                units = len(left)
                rows.append(
                    pd.DataFrame(
                        {
                            "cell": index.meta["cell"],
                            "layer": layer,
                            "direction": direction,
                            "gate": gate,
                            "unit": np.arange(units),
                            "left": left,
                            "right": right,
                            "middle": 1 - left - right,
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


def summary(table: pd.DataFrame, frac: float = 0.5) -> pd.DataFrame:
    """Per gate: mean fractions, and how many units sit mostly (> ``frac``) at each end.

    Karpathy et al. report right-saturated forget gates (units that remember) and few units
    in the middle regime; this table gives those counts.
    """
    g = table.groupby(["cell", "layer", "direction", "gate"], observed=True)
    out = g.agg(
        units=("unit", "size"),
        mean_left=("left", "mean"),
        mean_right=("right", "mean"),
        mean_middle=("middle", "mean"),
    )
    out["mostly_left"] = g["left"].apply(lambda s: int((s > frac).sum()))
    out["mostly_right"] = g["right"].apply(lambda s: int((s > frac).sum()))
    out["never_saturated"] = g.apply(
        lambda d: int(((d["left"] < 0.1) & (d["right"] < 0.1)).sum()), include_groups=False
    )
    return out.reset_index().round(3)


def group_name(layer: int, direction: str, gate: str) -> str:
    """Legend name of one scatter group, e.g. ``L0 forward f``."""
    return f"L{layer} {direction} {gate}"


def group_label(group: str, lang: str = "en") -> str:
    """Display name of a group key ``L0 forward i`` in ``lang`` (``第0层·正向·i 输入门``)."""
    if lang == "en":
        return group
    layer, direction, gate = group.split(" ")

    def word(key: str) -> str:
        entry = STRINGS.get(key, {})
        return entry.get(lang) or entry.get("en") or key

    gate_name = f"{gate} {word('q_' + gate)}" if "q_" + gate in STRINGS else gate
    return STRINGS["fa_group"][lang].format(
        layer=layer[1:], direction=word("an_" + direction), gate=gate_name
    )


def pick_from_event(
    event: object, groups: tuple[str, ...], units: tuple[int, ...]
) -> tuple[int, str, str, int] | None:
    """``(layer, direction, gate, unit)`` of a clicked dot from a plotly selection event.

    ``groups``/``units`` are the per-row values the scatter was drawn from; traces are the
    groups in first-seen order, points in row order within a group.
    """
    try:
        point = event["selection"]["points"][0]  # type: ignore[index]
        curve, index = int(point["curve_number"]), int(point["point_index"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    order = list(dict.fromkeys(groups))
    if not 0 <= curve < len(order):
        return None
    rows = [r for r, g in enumerate(groups) if g == order[curve]]
    if not 0 <= index < len(rows):
        return None
    layer, direction, gate = order[curve].split(" ")
    return int(layer[1:]), direction, gate, int(units[rows[index]])


def picked_unit(pick: object, model_name: str) -> tuple[str, int] | None:
    """``(group, unit)`` to ring in ``model_name``'s scatter, from a stored click (or None)."""
    if not isinstance(pick, (tuple, list)) or len(pick) != 5 or pick[0] != model_name:
        return None
    _, layer, direction, gate, unit = pick
    return group_name(int(layer), str(direction), str(gate)), int(unit)
