"""Predictions: label probabilities per token, a classifier over time, the exact score split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..analysis.decompose import ScoreSplit
from ..i18n import label_name, t
from .style import (
    DIRECTION_COLOURS,
    PALETTE,
    _layout,
    token_axis,
)


def label_probabilities(
    tokens: Sequence[str], labels: Sequence[str], proba: np.ndarray, keep: float = 0.05
) -> go.Figure:
    """Labels × tokens heatmap of ``proba (T, labels)`` on the fixed 0..1 scale.

    With more than 12 labels (POS), only those reaching ``keep`` somewhere are drawn.
    """
    proba = np.asarray(proba, dtype=np.float32)
    rows = np.arange(len(labels))
    title = t("label_probabilities")
    if len(labels) > 12:
        rows = np.flatnonzero(proba.max(axis=0) >= keep)
        title += f" (p ≥ {keep:g})"
    shown = proba[:, rows].T  # (labels shown, T)
    fig = go.Figure(
        go.Heatmap(
            z=shown,
            x0=0,
            dx=1,
            y=[label_name(labels[k]) for k in rows],
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            colorbar={"thickness": 12, "title": {"text": "p"}},
            customdata=np.broadcast_to(np.asarray(tokens, dtype=object), shown.shape),
            hovertemplate="<b>%{customdata}</b> · "
            + t("position")
            + " %{x}<br>%{y}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(token_axis(tokens))
    fig.update_yaxes(autorange="reversed", type="category", automargin=True)
    return _layout(fig, title, int(120 + 24 * len(rows)))


def transition_figure(
    labels: Sequence[str], start: np.ndarray, trans: np.ndarray, end: np.ndarray
) -> go.Figure:
    """A CRF's learned scores as one heatmap: rows are the previous label (or the sentence
    start), columns the next label (or the sentence end); forbidden BMES moves are blank."""
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
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=rows,
            zmin=-peak,
            zmax=peak,
            zmid=0,
            colorscale="RdBu",
            reversescale=True,
            text=text,
            texttemplate="%{text}",
            colorbar={"thickness": 12, "title": {"text": t("crf_score")}},
            hovertemplate="%{y} → %{x}: %{z:.3f}<extra></extra>",
            hoverongaps=False,
        )
    )
    # automargin + standoff: the axis titles sit clear of long tick labels ("(start)", "E-PER")
    fig.update_xaxes(
        type="category", title={"text": t("crf_to"), "standoff": 8}, side="top", automargin=True
    )
    fig.update_yaxes(
        type="category",
        title={"text": t("crf_from"), "standoff": 8},
        autorange="reversed",
        automargin=True,
    )
    fig = _layout(fig, t("crf_transitions"), 150 + 44 * (n + 1))
    return fig.update_layout(margin={"t": 100})  # the title above the top axis and its title


def evolution_figure(tokens: Sequence[str], labels: Sequence[str], proba: np.ndarray):
    """A many-to-one prediction as it grows: probability of each label after reading token t."""
    fig = go.Figure()
    x = np.arange(len(tokens))
    for k, label in enumerate(labels):
        fig.add_scatter(
            x=x,
            y=np.asarray(proba[:, k], dtype=np.float32),
            mode="lines+markers",
            name=label_name(str(label)),
            line={"color": PALETTE[k % len(PALETTE)], "width": 3},
            customdata=list(tokens),
            hovertemplate="<b>%{customdata}</b> · %{y:.3f}<extra>%{fullData.name}</extra>",
        )
    fig.update_xaxes(token_axis(tokens))
    fig.update_yaxes(range=[0, 1], title_text="p")
    fig.update_layout(legend={"orientation": "h", "y": -0.2}, hovermode="x unified")
    return _layout(fig, t("evolution"), 360)


def score_split_figure(
    split: ScoreSplit, tokens: Sequence[str], position: int, top: int = 10
) -> go.Figure:
    """Each label's score at one token as forward part + backward part + bias (exact).

    With many labels, the ``top`` highest-scoring ones at this token.
    """
    keep = np.argsort(-split.total[position], kind="stable")[:top]
    keep = np.sort(keep) if len(split.labels) <= top else keep
    labels = [label_name(split.labels[k]) for k in keep]
    fig = go.Figure()
    parts = [
        (t("forward_part"), split.forward[position, keep], DIRECTION_COLOURS["forward"]),
        (t("backward_part"), split.backward[position, keep], DIRECTION_COLOURS["backward"]),
        (t("bias"), split.bias[keep], "#999999"),
    ]
    for name, values, colour in parts:
        fig.add_bar(
            x=labels, y=np.asarray(values, dtype=np.float32), name=name, marker_color=colour
        )
    fig.add_scatter(
        x=labels,
        y=split.total[position, keep].astype(np.float32),
        mode="markers",
        name=t("score"),
        marker={"color": "#111", "size": 10, "symbol": "diamond"},
    )
    fig.update_layout(barmode="relative", legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(type="category")
    title = f"{t('score_split')} · {position}: {tokens[position]}"
    return _layout(fig, title, 360)
