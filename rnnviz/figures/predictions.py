"""Predictions: label probabilities per token, a classifier over time, the exact score split.

Each figure is built as a plain Plotly spec (``*_spec``: arrays as base64 typed arrays, what
the page caches and sends; Plotly's object model cost ~70 ms per new sentence here) and offered
as a validated ``go.Figure`` under the old name for notebooks and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..analysis.decompose import ScoreSplit
from ..i18n import label_name, t
from .style import DIRECTION_COLOURS, PALETTE, spec_layout, token_axis, typed

Arrays = Callable[[np.ndarray], Any]


def _plain(values: np.ndarray) -> np.ndarray:
    return values


def label_probabilities(
    tokens: Sequence[str], labels: Sequence[str], proba: np.ndarray, keep: float = 0.05
) -> go.Figure:
    """Labels × tokens heatmap of ``proba (T, labels)`` on the fixed 0..1 scale.

    With more than 12 labels (POS), only those reaching ``keep`` somewhere are drawn.
    """
    return go.Figure(label_probabilities_spec(tokens, labels, proba, keep, arrays=_plain))


def label_probabilities_spec(
    tokens: Sequence[str],
    labels: Sequence[str],
    proba: np.ndarray,
    keep: float = 0.05,
    arrays: Arrays = typed,
) -> dict:
    """:func:`label_probabilities` as a plain spec."""
    proba = np.asarray(proba, dtype=np.float32)
    rows = np.arange(len(labels))
    title = t("label_probabilities")
    if len(labels) > 12:
        rows = np.flatnonzero(proba.max(axis=0) >= keep)
        title += f" (p ≥ {keep:g})"
    shown = np.ascontiguousarray(proba[:, rows].T)  # (labels shown, T)
    heatmap = {
        "type": "heatmap",
        "z": arrays(shown),
        "x0": 0,
        "dx": 1,
        "y": [label_name(labels[k]) for k in rows],
        "zmin": 0,
        "zmax": 1,
        "colorscale": "Viridis",
        "colorbar": {"thickness": 12, "title": {"text": "p"}},
        "customdata": [list(tokens)] * len(rows),
        "hovertemplate": "<b>%{customdata}</b> · "
        + t("position")
        + " %{x}<br>%{y}: %{z:.3f}<extra></extra>",
    }
    layout = {
        "xaxis": token_axis(tokens),
        "yaxis": {"autorange": "reversed", "type": "category", "automargin": True},
    }
    return spec_layout({"data": [heatmap], "layout": layout}, title, int(120 + 24 * len(rows)))


def transition_figure(
    labels: Sequence[str], start: np.ndarray, trans: np.ndarray, end: np.ndarray
) -> go.Figure:
    """A CRF's learned scores as one heatmap: rows are the previous label (or the sentence
    start), columns the next label (or the sentence end); forbidden BMES moves are blank."""
    return go.Figure(transition_spec(labels, start, trans, end))


def transition_spec(
    labels: Sequence[str], start: np.ndarray, trans: np.ndarray, end: np.ndarray
) -> dict:
    """:func:`transition_figure` as a plain spec (small: plain lists, blanks as ``None``)."""
    n = len(labels)
    z = np.full(
        (n + 1, n + 1), np.nan, dtype=np.float32
    )  # (from: start + labels, to: labels + end)
    z[0, :n] = start
    z[1:, :n] = trans
    z[1:, n] = end
    z[z <= -1e3] = np.nan  # forbidden: held at FORBIDDEN, drawn blank with a cross
    rows = [t("crf_start"), *labels]
    cols = [*labels, t("crf_end")]
    text = np.where(np.isnan(z), "✕", np.char.mod("%.2f", np.nan_to_num(z)))
    text[0, n] = ""  # start → end is no move at all
    peak = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    heatmap = {
        "type": "heatmap",
        "z": [[None if np.isnan(v) else float(v) for v in row] for row in z],
        "x": cols,
        "y": rows,
        "zmin": -peak,
        "zmax": peak,
        "zmid": 0,
        "colorscale": "RdBu",
        "reversescale": True,
        "text": text.tolist(),
        "texttemplate": "%{text}",
        "colorbar": {"thickness": 12, "title": {"text": t("crf_score")}},
        "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra></extra>",
        "hoverongaps": False,
    }
    # automargin + standoff: the axis titles sit clear of long tick labels ("(start)", "E-PER")
    layout = {
        "xaxis": {
            "type": "category",
            "title": {"text": t("crf_to"), "standoff": 8},
            "side": "top",
            "automargin": True,
        },
        "yaxis": {
            "type": "category",
            "title": {"text": t("crf_from"), "standoff": 8},
            "autorange": "reversed",
            "automargin": True,
        },
    }
    spec = spec_layout(
        {"data": [heatmap], "layout": layout}, t("crf_transitions"), 150 + 44 * (n + 1)
    )
    spec["layout"]["margin"] = {"t": 100}  # the title above the top axis and its title
    return spec


def evolution_figure(tokens: Sequence[str], labels: Sequence[str], proba: np.ndarray):
    """A many-to-one prediction as it grows: probability of each label after reading token t."""
    return go.Figure(evolution_spec(tokens, labels, proba, arrays=_plain))


def evolution_spec(
    tokens: Sequence[str], labels: Sequence[str], proba: np.ndarray, arrays: Arrays = typed
) -> dict:
    """:func:`evolution_figure` as a plain spec."""
    x = np.arange(len(tokens), dtype=np.int32)
    data = [
        {
            "type": "scatter",
            "x": arrays(x),
            "y": arrays(np.ascontiguousarray(proba[:, k], dtype=np.float32)),
            "mode": "lines+markers",
            "name": label_name(str(label)),
            "line": {"color": PALETTE[k % len(PALETTE)], "width": 3},
            "customdata": list(tokens),
            "hovertemplate": "<b>%{customdata}</b> · %{y:.3f}<extra>%{fullData.name}</extra>",
        }
        for k, label in enumerate(labels)
    ]
    layout = {
        "xaxis": token_axis(tokens),
        "yaxis": {"range": [0, 1], "title": {"text": "p"}},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
    }
    return spec_layout({"data": data, "layout": layout}, t("evolution"), 360)


def score_split_figure(
    split: ScoreSplit, tokens: Sequence[str], position: int, top: int = 10
) -> go.Figure:
    """Each label's score at one token as forward part + backward part + bias (exact).

    With many labels, the ``top`` highest-scoring ones at this token.
    """
    return go.Figure(score_split_spec(split, tokens, position, top, arrays=_plain))


def score_split_spec(
    split: ScoreSplit, tokens: Sequence[str], position: int, top: int = 10, arrays: Arrays = typed
) -> dict:
    """:func:`score_split_figure` as a plain spec."""
    keep = np.argsort(-split.total[position], kind="stable")[:top]
    keep = np.sort(keep) if len(split.labels) <= top else keep
    labels = [label_name(split.labels[k]) for k in keep]
    parts = [
        (t("forward_part"), split.forward[position, keep], DIRECTION_COLOURS["forward"]),
        (t("backward_part"), split.backward[position, keep], DIRECTION_COLOURS["backward"]),
        (t("bias"), split.bias[keep], "#999999"),
    ]
    data: list[dict] = [
        {
            "type": "bar",
            "x": labels,
            "y": arrays(np.ascontiguousarray(values, dtype=np.float32)),
            "name": name,
            "marker": {"color": colour},
        }
        for name, values, colour in parts
    ]
    data.append(
        {
            "type": "scatter",
            "x": labels,
            "y": arrays(np.ascontiguousarray(split.total[position, keep], dtype=np.float32)),
            "mode": "markers",
            "name": t("score"),
            "marker": {"color": "#111", "size": 10, "symbol": "diamond"},
        }
    )
    layout = {
        "barmode": "relative",
        "legend": {"orientation": "h", "y": -0.25},
        "xaxis": {"type": "category"},
    }
    title = f"{t('score_split')} · {position}: {tokens[position]}"
    return spec_layout({"data": data, "layout": layout}, title, 360)
