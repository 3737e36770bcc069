"""Plotly figures for the analysis pages (what if, saliency, saturation, search, code cells).

Pure builders: arrays in, ``go.Figure`` out, no streamlit. Colour ranges are fixed per quantity
(``rnnviz.schema.STYLES``); x axes are integer positions with token tick labels, so repeated
tokens never merge; hover shows token, position, unit and value. Text arguments (titles, axis
names) come from the caller, already translated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..schema import STYLES

_FONT = "Noto Sans CJK SC, Noto Sans, sans-serif"


def diff_range(name: str) -> float:
    """Fixed half-range of a difference's colour scale: 1 for gates and tanh states, 2 for c."""
    return 2.0 if name == "c" else 1.0


def _ticks(labels: Sequence[str], max_ticks: int = 80) -> dict:
    n = len(labels)
    step = max(1, int(np.ceil(n / max_ticks)))
    vals = list(range(0, n, step))
    return dict(tickmode="array", tickvals=vals, ticktext=[str(labels[i]) for i in vals])


def _layout(fig: go.Figure, title: str, xlabel: str, ylabel: str, height: int) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=60, r=20, t=50, b=60),
        font=dict(family=_FONT),
        xaxis_title=xlabel,
        yaxis_title=ylabel,
    )
    return fig


def diff_heatmap(
    diff: np.ndarray,
    columns: Sequence[str],
    name: str,
    title: str = "",
    xlabel: str = "token (aligned)",
    ylabel: str = "unit",
    height: int = 320,
) -> go.Figure:
    """``diff (K, units)`` as units × aligned tokens, diverging PuOr, zero white, NaN blank."""
    k, units = diff.shape
    r = diff_range(name)
    z = diff.T.astype(np.float32)  # (units, K)
    hover_tokens = np.tile(np.asarray(columns, dtype=object), (units, 1))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=np.arange(k),
            y=np.arange(units),
            zmin=-r,
            zmax=r,
            zmid=0.0,
            colorscale=STYLES["diff"].colorscale,
            customdata=hover_tokens,
            hovertemplate="token %{customdata} (pos %{x})<br>unit %{y}<br>Δ = %{z:.4f}"
            "<extra></extra>",
            colorbar=dict(title=f"Δ{name}"),
        )
    )
    fig.update_xaxes(**_ticks(columns))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, xlabel, ylabel, height)


def change_bars(
    before: np.ndarray,
    after: np.ndarray,
    columns: Sequence[str],
    title: str = "",
    names: tuple[str, str] = ("before", "after"),
    ylabel: str = "probability of predicted label",
) -> go.Figure:
    """Per aligned column the top probability before and after (NaN = no such token)."""
    x = np.arange(len(columns))
    fig = go.Figure(
        [
            go.Bar(x=x, y=before, name=names[0], marker_color="#7f7f7f", customdata=columns,
                   hovertemplate="%{customdata}: %{y:.3f}<extra></extra>"),
            go.Bar(x=x, y=after, name=names[1], marker_color="#e66101", customdata=columns,
                   hovertemplate="%{customdata}: %{y:.3f}<extra></extra>"),
        ]
    )  # fmt: skip
    fig.update_xaxes(**_ticks(columns))
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(barmode="group")
    return _layout(fig, title, "", ylabel, 280)


def saliency_heatmap(
    matrix: np.ndarray,
    tokens: Sequence[str],
    title: str = "",
    xlabel: str = "input token s",
    ylabel: str = "output position t",
    height: int = 460,
) -> go.Figure:
    """``matrix (T, T)`` row-normalised to 0..1 shares (fixed scale); hover shows the raw norm."""
    total = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, total, out=np.zeros_like(matrix), where=total > 0)
    steps = len(tokens)
    toks = np.asarray(tokens, dtype=object)
    custom = np.stack(
        [np.tile(toks, (steps, 1)), np.tile(toks[:, None], (1, steps)), matrix.round(5)], axis=-1
    )
    fig = go.Figure(
        go.Heatmap(
            z=share.astype(np.float32),
            x=np.arange(steps),
            y=np.arange(steps),
            zmin=0.0,
            zmax=1.0,
            colorscale="Viridis",
            customdata=custom,
            hovertemplate="output %{y} (%{customdata[1]}) ← input %{x} (%{customdata[0]})"
            "<br>share %{z:.3f}<br>‖∂score/∂x‖ = %{customdata[2]}<extra></extra>",
            colorbar=dict(title="share"),
        )
    )
    fig.update_xaxes(**_ticks(tokens))
    fig.update_yaxes(**_ticks(tokens), autorange="reversed")
    return _layout(fig, title, xlabel, ylabel, height)


def reach_lines(
    series: dict[str, np.ndarray], tokens: Sequence[str], title: str = "", ylabel: str = "tokens"
) -> go.Figure:
    """One line per model/direction: how many tokens back (or ahead) each position looks."""
    fig = go.Figure(
        [
            go.Scatter(x=np.arange(len(v)), y=v, mode="lines+markers", name=k,
                       customdata=np.asarray(tokens, dtype=object),
                       hovertemplate="%{customdata} (pos %{x}): %{y}<extra>" + k + "</extra>")
            for k, v in series.items()
        ]
    )  # fmt: skip
    fig.update_xaxes(**_ticks(tokens))
    return _layout(fig, title, "", ylabel, 280)


def saturation_scatter(
    left: np.ndarray,
    right: np.ndarray,
    units: np.ndarray,
    groups: Sequence[str],
    title: str = "",
    xlabel: str = "fraction left-saturated",
    ylabel: str = "fraction right-saturated",
    highlight: tuple[str, int] | None = None,
) -> go.Figure:
    """Units as dots at (fraction < low, fraction > high); one colour per group (gate/direction).

    ``highlight = (group, unit)`` rings the selected unit.

    ``customdata`` carries ``[group, unit]`` so a click can open the unit elsewhere.
    """
    groups_arr = np.asarray(groups, dtype=object)
    traces = []
    for g in dict.fromkeys(groups):
        m = groups_arr == g
        traces.append(
            go.Scattergl(
                x=left[m],
                y=right[m],
                mode="markers",
                name=str(g),
                marker=dict(size=7, opacity=0.75),
                customdata=np.stack([groups_arr[m], units[m]], axis=-1),
                hovertemplate="%{customdata[0]} unit %{customdata[1]}<br>left %{x:.2f}, right "
                "%{y:.2f}<extra></extra>",
            )
        )
    fig = go.Figure(traces)
    fig.add_shape(type="line", x0=0, y0=1, x1=1, y1=0, line=dict(color="#bbb", dash="dot"))
    fig.update_xaxes(range=[-0.02, 1.02])
    fig.update_yaxes(range=[-0.02, 1.02])
    if highlight is not None:
        m = (groups_arr == highlight[0]) & (units == highlight[1])
        fig.add_trace(
            go.Scatter(x=left[m], y=right[m], mode="markers", showlegend=False, hoverinfo="skip",
                       marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(color="#000", width=2)))
        )  # fmt: skip
    fig.update_layout(clickmode="event+select")
    return _layout(fig, title, xlabel, ylabel, 420)


def activation_strip(
    values: np.ndarray,
    tokens: Sequence[str],
    name: str = "h",
    unit_labels: Sequence[str] | None = None,
    highlight: tuple[int, int] | None = None,
    title: str = "",
    height: int | None = None,
) -> go.Figure:
    """``values (T, k)`` of a few units over tokens; fixed range of ``name``; span outlined."""
    style = STYLES.get(name, STYLES["h"])
    steps, k = values.shape
    ylabels = list(unit_labels) if unit_labels is not None else [str(u) for u in range(k)]
    toks = np.asarray(tokens, dtype=object)
    fig = go.Figure(
        go.Heatmap(
            z=values.T.astype(np.float32),
            x=np.arange(steps),
            y=np.arange(k),
            zmin=style.zmin,
            zmax=style.zmax,
            colorscale=style.colorscale,
            customdata=np.tile(toks, (k, 1)),
            hovertemplate="%{customdata} (pos %{x})<br>unit %{y}<br>%{z:.3f}<extra></extra>",
            colorbar=dict(title=name),
        )
    )
    if highlight is not None:
        a, b = highlight
        fig.add_shape(type="rect", x0=a - 0.5, x1=b - 0.5, y0=-0.5, y1=k - 0.5,
                      line=dict(color="#e66101", width=3))  # fmt: skip
    fig.update_xaxes(**_ticks(tokens))
    fig.update_yaxes(tickmode="array", tickvals=list(range(k)), ticktext=ylabels,
                     autorange="reversed")  # fmt: skip
    fig = _layout(fig, title, "", "unit", height or max(200, 120 + 22 * k))
    lines = max((str(x).count("<br>") for x in tokens), default=0)
    fig.update_layout(margin=dict(b=40 + 18 * lines), height=fig.layout.height + 18 * lines)
    return fig


def label_scores_bar(
    units: Sequence[str], scores: np.ndarray, title: str = "", xlabel: str = "separation (AUC)"
) -> go.Figure:
    """Horizontal bars of how well each unit separates a label."""
    fig = go.Figure(
        go.Bar(x=scores, y=list(units), orientation="h", marker_color="#5e3c99",
               hovertemplate="%{y}: %{x:.3f}<extra></extra>")
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0.5, 1.0])
    return _layout(fig, title, xlabel, "", 120 + 24 * len(units))


def loss_curve(steps: Sequence[int], losses: Sequence[float], accs: Sequence[float] | None = None,
               title: str = "") -> go.Figure:  # fmt: skip
    """Live training curve: loss (left axis) and accuracy (right axis, 0..1)."""
    fig = go.Figure(go.Scatter(x=list(steps), y=list(losses), mode="lines", name="loss"))
    if accs is not None:
        fig.add_trace(go.Scatter(x=list(steps), y=list(accs), mode="lines", name="accuracy",
                                 yaxis="y2"))  # fmt: skip
        fig.update_layout(
            yaxis2=dict(overlaying="y", side="right", range=[0, 1], tickformat=".0%"),
            legend=dict(x=1.08),
        )
    return _layout(fig, title, "step", "loss", 300)
