"""Plotly figures for the analysis pages (what if, saliency, saturation, search, code cells).

Pure builders: arrays in, ``go.Figure`` out, no streamlit. Colour ranges are fixed per quantity
(``rnnviz.schema.STYLES``); x axes are integer positions with token tick labels, so repeated
tokens never merge; hover shows token, position, unit and value. Text arguments (titles, axis
names) come from the caller, already translated; every builder also takes ``lang`` (``"en"`` or
``"zh"``) for the words it adds itself (hover labels, colour bar titles, default axis titles), read
from :data:`rnnviz.i18n.STRINGS` in that language, never from the session's hidden language.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..i18n import STRINGS, label_name
from ..schema import STYLES

_FONT = "Noto Sans CJK SC, Noto Sans, sans-serif"


def tr(key: str, lang: str, **fmt: object) -> str:
    """``STRINGS[key][lang]`` (English if missing), formatted with ``fmt``."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text


def _or(value: str | None, key: str, lang: str) -> str:
    return tr(key, lang) if value is None else value


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
    xlabel: str | None = None,
    ylabel: str | None = None,
    height: int = 320,
    lang: str = "en",
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
            hovertemplate=f"{tr('fa_token', lang)} %{{customdata}} ({tr('fa_pos', lang)} %{{x}})"
            f"<br>{tr('fa_unit', lang)} %{{y}}<br>Δ = %{{z:.4f}}<extra></extra>",
            colorbar=dict(title=f"Δ{name}"),
        )
    )
    fig.update_xaxes(**_ticks(columns))
    fig.update_yaxes(autorange="reversed")
    xlabel, ylabel = _or(xlabel, "fa_token_aligned", lang), _or(ylabel, "fa_unit", lang)
    return _layout(fig, title, xlabel, ylabel, height)


def change_bars(
    before: np.ndarray,
    after: np.ndarray,
    columns: Sequence[str],
    title: str = "",
    names: tuple[str, str] | None = None,
    ylabel: str | None = None,
    lang: str = "en",
    labels: tuple[Sequence[str | None], Sequence[str | None]] | None = None,
) -> go.Figure:
    """Per aligned column the top probability before and after (NaN = no such token).

    ``labels`` (the model's predicted label of each column before and after, None where there is
    no token; shown in ``lang``) go into the hover, and a column whose label flipped is made
    visible even when both bars are equally tall: its after-bar is hatched, its outline dark,
    and both bars carry their label's name above them.
    """
    x = np.arange(len(columns))
    names = names or (tr("wi_before", lang), tr("wi_after_short", lang))
    k = len(columns)
    lab_before, lab_after = (
        [None if lab is None else label_name(lab, lang) for lab in side]
        for side in (labels or ([None] * k, [None] * k))
    )
    flipped = np.array(
        [
            a is not None and b is not None and a != b
            for a, b in zip(lab_before, lab_after, strict=True)
        ],
        dtype=bool,
    )
    hover = "%{customdata[0]}: %{y:.3f} %{customdata[1]}<extra></extra>"
    bars = []
    for values, name, colour, labs, hatch in (
        (before, names[0], "#7f7f7f", lab_before, ""),
        (after, names[1], "#e66101", lab_after, "/"),
    ):
        custom = np.array(
            [[c, "" if lab is None else lab] for c, lab in zip(columns, labs, strict=True)],
            dtype=object,
        ).reshape(k, 2)
        bars.append(
            go.Bar(
                x=x,
                y=values,
                name=name,
                marker=dict(
                    color=colour,
                    pattern=dict(shape=[hatch if f else "" for f in flipped], solidity=0.45),
                    line=dict(color=["#000000" if f else colour for f in flipped], width=1.5),
                ),
                text=[lab if f else "" for lab, f in zip(labs, flipped, strict=True)],
                textposition="outside",
                cliponaxis=False,
                customdata=custom,
                hovertemplate=hover,
            )
        )
    fig = go.Figure(bars)
    fig.update_xaxes(**_ticks(columns))
    fig.update_yaxes(range=[0, 1.15 if flipped.any() else 1], tickvals=[0, 0.25, 0.5, 0.75, 1])
    fig.update_layout(barmode="group")
    return _layout(fig, title, "", _or(ylabel, "fa_prob_top", lang), 280)


def saliency_heatmap(
    matrix: np.ndarray,
    tokens: Sequence[str],
    title: str = "",
    xlabel: str | None = None,
    ylabel: str | None = None,
    height: int = 460,
    lang: str = "en",
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
            hovertemplate=f"{tr('fa_output', lang)} %{{y}} (%{{customdata[1]}}) ← "
            f"{tr('fa_input', lang)} %{{x}} (%{{customdata[0]}})<br>{tr('fa_share', lang)} "
            "%{z:.3f}<br>‖∂score/∂x‖ = %{customdata[2]}<extra></extra>",
            colorbar=dict(title=tr("fa_share", lang)),
        )
    )
    fig.update_xaxes(**_ticks(tokens))
    fig.update_yaxes(**_ticks(tokens), autorange="reversed")
    xlabel, ylabel = _or(xlabel, "fa_input_s", lang), _or(ylabel, "fa_output_t", lang)
    return _layout(fig, title, xlabel, ylabel, height)


def reach_lines(
    series: dict[str, np.ndarray],
    tokens: Sequence[str],
    title: str = "",
    ylabel: str | None = None,
    lang: str = "en",
) -> go.Figure:
    """One line per model/direction: how many tokens back (or ahead) each position looks."""
    fig = go.Figure(
        [
            go.Scatter(x=np.arange(len(v)), y=v, mode="lines+markers", name=k,
                       customdata=np.asarray(tokens, dtype=object),
                       hovertemplate=f"%{{customdata}} ({tr('fa_pos', lang)} %{{x}}): %{{y}}"
                       f"<extra>{k}</extra>")
            for k, v in series.items()
        ]
    )  # fmt: skip
    fig.update_xaxes(**_ticks(tokens))
    return _layout(fig, title, "", _or(ylabel, "fa_tokens", lang), 280)


def saturation_scatter(
    left: np.ndarray,
    right: np.ndarray,
    units: np.ndarray,
    groups: Sequence[str],
    title: str = "",
    xlabel: str | None = None,
    ylabel: str | None = None,
    highlight: tuple[str, int] | None = None,
    lang: str = "en",
    group_names: dict[str, str] | None = None,
) -> go.Figure:
    """Units as dots at (fraction < low, fraction > high); one colour per group (gate/direction).

    ``highlight = (group, unit)`` rings the selected unit. ``group_names`` maps a group key to its
    legend and hover name (the keys stay the groups, in first-seen order, so clicks map back).

    ``customdata`` carries ``[group, unit]`` so a click can open the unit elsewhere.
    """
    groups_arr = np.asarray(groups, dtype=object)
    shown = group_names or {}
    hover = (
        f"%{{customdata[0]}} {tr('fa_unit', lang)} %{{customdata[1]}}<br>{tr('fa_left', lang)} "
        f"%{{x:.2f}}, {tr('fa_right', lang)} %{{y:.2f}}<extra></extra>"
    )
    traces = []
    for g in dict.fromkeys(groups):
        m = groups_arr == g
        name = shown.get(g, str(g))
        traces.append(
            go.Scattergl(
                x=left[m],
                y=right[m],
                mode="markers",
                name=name,
                marker=dict(size=7, opacity=0.75),
                customdata=np.stack([np.full(int(m.sum()), name, dtype=object), units[m]], axis=-1),
                hovertemplate=hover,
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
    xlabel, ylabel = _or(xlabel, "sat_left", lang), _or(ylabel, "sat_right", lang)
    return _layout(fig, title, xlabel, ylabel, 420)


def activation_strip(
    values: np.ndarray,
    tokens: Sequence[str],
    name: str = "h",
    unit_labels: Sequence[str] | None = None,
    highlight: tuple[int, int] | None = None,
    title: str = "",
    height: int | None = None,
    lang: str = "en",
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
            hovertemplate=f"%{{customdata}} ({tr('fa_pos', lang)} %{{x}})<br>"
            f"{tr('fa_unit', lang)} %{{y}}<br>%{{z:.3f}}<extra></extra>",
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
    fig = _layout(fig, title, "", tr("fa_unit", lang), height or max(200, 120 + 22 * k))
    lines = max((str(x).count("<br>") for x in tokens), default=0)
    fig.update_layout(margin=dict(b=40 + 18 * lines), height=fig.layout.height + 18 * lines)
    return fig


def label_scores_bar(
    units: Sequence[str],
    scores: np.ndarray,
    title: str = "",
    xlabel: str | None = None,
    lang: str = "en",
) -> go.Figure:
    """Horizontal bars of how well each unit separates a label."""
    fig = go.Figure(
        go.Bar(x=scores, y=list(units), orientation="h", marker_color="#5e3c99",
               hovertemplate="%{y}: %{x:.3f}<extra></extra>")
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0.5, 1.0])
    return _layout(fig, title, _or(xlabel, "fa_separation", lang), "", 120 + 24 * len(units))


def loss_curve(steps: Sequence[int], losses: Sequence[float], accs: Sequence[float] | None = None,
               title: str = "", lang: str = "en") -> go.Figure:  # fmt: skip
    """Live training curve: loss (left axis) and accuracy (right axis, 0..1)."""
    loss = tr("fa_loss", lang)
    fig = go.Figure(go.Scatter(x=list(steps), y=list(losses), mode="lines", name=loss))
    if accs is not None:
        fig.add_trace(go.Scatter(x=list(steps), y=list(accs), mode="lines",
                                 name=tr("fa_accuracy", lang), yaxis="y2"))  # fmt: skip
        fig.update_layout(
            yaxis2=dict(
                overlaying="y",
                side="right",
                range=[0, 1],
                tickformat=".0%",
                tickmode="linear",
                tick0=0,
                dtick=0.25,
                showgrid=False,
            ),  # not synced to y
            legend=dict(x=1.08),
        )
    return _layout(fig, title, tr("fa_step", lang), loss, 300)
