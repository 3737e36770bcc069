"""Units × tokens heatmaps (plain dict specs of typed arrays) and one unit over the sentence.

Heatmap payload: the colour layer is quantised to ``uint8`` (256 shades, invisible on screen) and
the exact float32 values travel once, in an invisible ``Scattergl`` layer (one trace per unit
row, all in ONE WebGL context per chart) that carries the hover and the clicks
(``st.plotly_chart`` returns no points for heatmap clicks).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..analysis.ordering import unit_order
from ..i18n import t
from ..schema import QuantityStyle
from ..tracer import Trace
from .style import (
    BASE_LAYOUT,
    PALETTE,
    SHADES,
    _colorbar,
    _layout,
    _quantise,
    colorscale,
    style_of,
    token_axis,
    typed,
)


def heatmap_panel(
    values: np.ndarray,
    tokens: Sequence[str],
    quantity: str,
    title: str,
    order: np.ndarray | None = None,
    unit_names: Sequence[str] | None = None,
    style: QuantityStyle | None = None,
) -> dict:
    """Units × tokens heatmap spec of ``values (T, units)`` with a clickable, hoverable layer.

    ``order`` gives the unit shown on each row (top row first); it is kept in
    ``layout.meta["order"]`` for :func:`mark`. A clicked point comes back with ``x`` = position
    and ``y`` = row. A plain dict of typed arrays, never validated by Plotly: building and
    validating a ``go.Figure`` of 129 traces cost ~100 ms a heatmap, this costs a few.
    """
    style = style or style_of(quantity)  # a cell may override a quantity's range (relu h)
    values = np.asarray(values, dtype=np.float32)  # (T, units)
    steps, units = values.shape
    order = np.arange(units) if order is None else np.asarray(order)
    shown = values[:, order].T  # (units, T), row r is unit order[r]
    # Scattergl hover needs explicit y (y0/dy=0 and x0/dx=0 pick the wrong point); x0/dx=1 is fine.
    row_type = np.uint8 if units < 256 else np.uint16
    unit_label = t("unit")
    hover = (
        f"<b>%{{x}}</b> · {t('position')} %{{pointNumber}}<br>{unit_label} %{{fullData.name}}"
        f"<br>{html.escape(style.name)} = %{{marker.color:.3f}}<extra></extra>"
    )
    data: list[dict] = [
        {
            "type": "heatmap",
            "z": typed(_quantise(shown, style)),
            "x0": 0,
            "dx": 1,
            "zmin": 0,
            "zmax": SHADES,
            "colorscale": [list(stop) for stop in colorscale(style.colorscale)],
            "colorbar": _colorbar(style),
            "hoverinfo": "skip",
        }
    ]
    names = unit_names if unit_names is not None else [str(u) for u in range(units)]
    for row, unit in enumerate(order):
        # One trace per row: hover shows the token (x tick text), the position (point number),
        # the unit (trace name) and the exact value (marker colour, invisible).
        data.append(
            {
                "type": "scattergl",
                "x0": 0,
                "dx": 1,
                "y": typed(np.full(steps, row, dtype=row_type)),
                "name": names[unit],
                "marker": {"color": typed(shown[row])},
            }
        )
    # Shared attributes of the row traces live once, in the template.
    template = {
        "data": {
            "scattergl": [
                {
                    "hovertemplate": hover,
                    "marker": {"opacity": 0, "size": 8},
                    "mode": "markers",
                    "showlegend": False,
                    "type": "scattergl",
                }
            ]
        },
        "layout": BASE_LAYOUT,
    }
    data.extend(_label_trace(steps))
    ticktext = [names[u] for u in order]
    every = max(1, units // 16)
    layout = {
        "template": template,
        "title": {"text": title, "x": 0, "font": {"size": 15}},
        "height": int(min(560, max(260, 90 + 9 * units))),
        **_token_axes(tokens),
        "yaxis": {
            "title": {"text": unit_label, "standoff": 6},
            "automargin": True,
            "range": [units - 0.5, -0.5],  # top row first; no padding for the markers
            "tickmode": "array",
            "tickvals": list(range(0, units, every)),
            "ticktext": ticktext[::every],
            "showgrid": False,
            "zeroline": False,
        },
        "clickmode": "event+select",
        "dragmode": "pan",
        "hovermode": "closest",
        "meta": {"order": [int(u) for u in order], "steps": steps},
    }
    return {"data": data, "layout": layout}


LABELS = 30  # token labels a heatmap's axis writes at most (every k-th beyond: no smear)


def _token_axes(tokens: Sequence[str]) -> dict:
    """The heatmap's token axis. Up to ``LABELS`` tokens: every token labelled. Longer: the data
    axis keeps every position's token for the hover (Plotly's hover reads the tick texts) but
    writes none, and an overlaid axis that follows it writes every k-th token, upright."""
    axis = token_axis(tokens, tickangle=0)
    n = len(tokens)
    if n <= LABELS:
        return {"xaxis": axis}
    every = -(-n // LABELS)
    shown = list(range(0, n, every))
    return {
        "xaxis": {**axis, "showticklabels": False, "ticks": ""},
        "xaxis2": {
            **axis,
            "tickvals": shown,
            "ticktext": [axis["ticktext"][k] for k in shown],
            "overlaying": "x",
            "matches": "x",
            "anchor": "y",
            "side": "bottom",
        },
    }


def _label_trace(steps: int) -> list[dict]:
    """An empty trace on the overlaid label axis (Plotly draws only axes that carry a trace)."""
    if steps <= LABELS:
        return []
    return [{"type": "scatter", "x": [], "y": [], "xaxis": "x2", "hoverinfo": "skip"}]


def mark(spec: dict, unit: int | None = None, step: int | None = None) -> dict:
    """A heatmap spec (``fig.to_dict()``) with the selected unit's row and the step outlined.

    Works on the cached dict without rebuilding the figure: a click only adds two shapes.
    """
    meta = spec["layout"].get("meta", {})
    order, steps = meta.get("order", []), meta.get("steps", 0)
    shapes = []
    if unit is not None and unit in order:
        row = order.index(unit)
        shapes.append(
            {
                "type": "rect",
                "x0": -0.5,
                "x1": steps - 0.5,
                "y0": row - 0.5,
                "y1": row + 0.5,
                "line": {"color": "#ff7f0e", "width": 2},
            }
        )
    if step is not None and 0 <= step < steps:
        shapes.append(
            {
                "type": "rect",
                "x0": step - 0.5,
                "x1": step + 0.5,
                "y0": -0.5,
                "y1": len(order) - 0.5,
                "line": {"color": "#111", "width": 1, "dash": "dot"},
            }
        )
    return {**spec, "layout": {**spec["layout"], "shapes": shapes}}


def unit_at(spec: dict, point: dict) -> tuple[int, int] | None:
    """``(unit, position)`` of a clicked point of a heatmap spec, or None if it is no cell."""
    order = spec["layout"].get("meta", {}).get("order", [])
    try:
        row, pos = round(float(point["y"])), round(float(point["x"]))
    except (KeyError, TypeError, ValueError):
        return None
    if not 0 <= row < len(order):
        return None
    return int(order[row]), int(pos)


def heatmaps(
    trace: Trace,
    quantity: str,
    layer: int = 0,
    order: str = "index",
) -> dict[str, dict]:
    """One heatmap spec per direction of one gate or state, same token axis and row order."""
    stacked = np.concatenate([trace.quantity(layer, d, quantity) for d in trace.directions])
    rows = unit_order(stacked, order)  # one order for both directions: row r is the same unit
    name = t(trace.spec.label(quantity))
    specs = {
        d: heatmap_panel(
            trace.quantity(layer, d, quantity),
            trace.tokens,
            quantity,
            f"{t(d)} · {quantity} ({name}) · {t('layer')} {layer}",
            rows,
            style=trace.spec.style(quantity),
        )
        for d in trace.directions
    }
    for d, spec in specs.items():  # what a player reading this chart's clicks needs to know
        spec["layout"]["meta"].update(direction=d, quantity=quantity, layer=layer)
    return specs


def merged_heatmap(trace: Trace, mode: str, layer: int = -1, order: str = "index") -> dict:
    """Heatmap spec of both directions' ``h`` merged (concat, sum, mean or product)."""
    values = trace.merged(mode, layer)  # (T, units)
    names = None
    if mode == "concat" and trace.bidirectional:
        h = trace.output_size
        names = [f"→{u}" for u in range(h)] + [f"←{u}" for u in range(h)]
    spec = heatmap_panel(
        values,
        trace.tokens,
        "merged",
        f"{t('merged')} · {t('merge_' + mode)}",
        unit_order(values, order),
        names,
    )
    spec["layout"]["meta"].update(direction="merged", quantity=f"merged:{mode}", layer=layer)
    return spec


def unit_lines(
    trace: Trace,
    unit: int,
    layer: int = 0,
    quantities: Sequence[str] = ("h",),
    step: int | None = None,
) -> go.Figure:
    """One unit over the sentence: a line per direction (solid →, dashed ←) per quantity.

    The y axis spans the quantities' fixed ranges (gates 0..1, tanh −1..1: the same scale on
    every sentence) and widens to every drawn value (an LSTM's ``c`` counts far past ±2)."""
    fig = go.Figure()
    lo = min(trace.spec.style(q).zmin for q in quantities)
    hi = max(trace.spec.style(q).zmax for q in quantities)
    x = np.arange(trace.length)
    dashes = {"forward": "solid", "backward": "dash"}
    for k, quantity in enumerate(quantities):
        for d in trace.directions:
            if unit >= trace.units(quantity):
                continue
            y = trace.quantity(layer, d, quantity)[:, unit].astype(np.float32)  # (T,)
            lo, hi = min(lo, float(y.min())), max(hi, float(y.max()))
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    name=f"{quantity} {t(d)}",
                    line={"color": PALETTE[k % len(PALETTE)], "dash": dashes[d], "width": 2.5},
                    customdata=list(trace.tokens),
                    hovertemplate="<b>%{customdata}</b> · "
                    + t("position")
                    + " %{x}<br>%{y:.3f}<extra>%{fullData.name}</extra>",
                )
            )
    pad = 0.05 * max(1.0, (hi - lo) / 2)
    fig.update_xaxes(token_axis(trace.tokens))
    fig.update_yaxes(range=[lo - pad, hi + pad], zeroline=True, zerolinecolor="#bbb")
    if step is not None:
        fig.add_vline(x=step, line={"color": "#888", "dash": "dot"})
    fig.update_layout(legend={"orientation": "h", "y": -0.25}, hovermode="x unified")
    return _layout(fig, f"{t('unit')} {unit} · {', '.join(quantities)}", 340)
