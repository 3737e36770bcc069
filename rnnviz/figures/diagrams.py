"""Whole-model diagram and the colour legend."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .. import cells
from ..i18n import t
from ..schema import STYLES
from .style import (
    _arrow,
    _Canvas,
    _layout,
)


def model_diagram(
    cell: str,
    bidirectional: bool,
    num_layers: int,
    input_size: int,
    hidden_size: int,
    labels: int,
    kind: str,
    vocab: int | None = None,
) -> go.Figure:
    """Embedding → forward (and backward) recurrent layers → merge → linear head, with sizes."""
    fig = _Canvas()
    rnn = cells.get(cell).title if cell in cells.CELLS else cell.upper()

    def box(x: float, y: float, text: str, fill: str, w: float = 1.6) -> None:
        fig.add_shape(
            type="rect",
            x0=x - w / 2,
            x1=x + w / 2,
            y0=y - 0.45,
            y1=y + 0.45,
            fillcolor=fill,
            line={"color": "#333", "width": 1.2},
            layer="below",
        )
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font={"size": 13})

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        _arrow(fig, x0, y0, x1, y1)

    box(0.9, 1.5, f"<b>{t('tokens')}</b><br>x<sub>1</sub> … x<sub>T</sub>", "#f3f3f3")
    vocab_text = f"{vocab:,} → {input_size}" if vocab else f"→ {input_size}"
    box(3.0, 1.5, f"<b>{t('embedding')}</b><br>{vocab_text}", "#e8eef7")
    layers = f" × {num_layers}" if num_layers > 1 else ""
    ys = (2.3, 0.7) if bidirectional else (1.5,)
    for y, d in zip(ys, ("forward", "backward"), strict=False):
        arrow_text = "→" if d == "forward" else "←"
        box(
            5.5,
            y,
            f"<b>{arrow_text} {rnn}{layers}</b><br>H = {hidden_size}",
            "#d8ecf3" if d == "forward" else "#f6dde1",
            2.0,
        )
        arrow(3.8, 1.5, 4.5, y)
        arrow(6.5, y, 7.3, 1.5)
    merged = 2 * hidden_size if bidirectional else hidden_size
    merge_text = (
        f"<b>{t('merge')}</b><br>concat {merged}"
        if bidirectional
        else f"<b>h<sub>t</sub></b><br>{merged}"
    )
    box(8.1, 1.5, merge_text, "#f3f3f3")
    head = t("head_tagger") if kind == "tagger" else t("head_classifier")
    box(10.4, 1.5, f"<b>{head}</b><br>{merged} → {labels}", "#fdf0d5", 2.0)
    arrow(8.9, 1.5, 9.4, 1.5)
    arrow(1.7, 1.5, 2.2, 1.5)
    out = fig.figure([0, 11.6], [0.1, 2.9], {"l": 5, "r": 5, "t": 56, "b": 5})
    return _layout(out, t("model_diagram"), 280)


def legend_figure() -> go.Figure:
    """One legend for every colour in the app: the three fixed scales and what they mean."""
    fig = go.Figure()
    rows = [
        ("i f o r z", STYLES["i"], t("legend_gate")),
        ("g n h", STYLES["h"], t("legend_tanh")),
        ("c", STYLES["c"], t("legend_cell")),
    ]
    for k, (names, style, meaning) in enumerate(rows):
        ramp = np.linspace(style.zmin, style.zmax, 101, dtype=np.float32)
        axis = "" if k == 0 else str(k + 1)
        fig.add_trace(
            go.Heatmap(
                z=ramp[None, :],
                x=ramp,
                zmin=style.zmin,
                zmax=style.zmax,
                colorscale=style.colorscale,
                showscale=False,
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
                hovertemplate="%{x:.2f}<extra></extra>",
            )
        )
        fig.update_layout(
            {
                f"yaxis{axis}": {
                    "domain": [1 - (k + 1) / 3 + 0.08, 1 - k / 3 - 0.04],
                    "tickvals": [0],
                    "ticktext": [names],
                    "fixedrange": True,
                },
                f"xaxis{axis}": {
                    "anchor": f"y{axis}",
                    "fixedrange": True,
                    "tickvals": [style.zmin, (style.zmin + style.zmax) / 2, style.zmax],
                    "title": {"text": meaning, "standoff": 2, "font_size": 12},
                },
            }
        )
    fig.update_layout(margin={"l": 70, "r": 10, "t": 10, "b": 10})
    return _layout(fig, None, 300)
