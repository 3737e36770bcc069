"""Pure Plotly figure builders: a Trace (or a model's numbers) in, a ``go.Figure`` out.

No streamlit here. Every figure is semantic: a quantity always has the same colour range
(``schema.STYLES``), the token axis uses integer positions with the tokens as tick text (so a
repeated token never merges), and hovering a cell shows token, position, unit and value.

Heatmap payload: the colour layer is quantised to ``uint8`` (256 shades, invisible on screen) and
the exact float32 values travel once, in an invisible ``Scattergl`` layer (one trace per unit
row) that carries the hover and the clicks (``st.plotly_chart`` returns no points for heatmap
clicks). 128 units × 100 tokens is ~6 bytes a cell, about 125 KB of JSON.
"""

from __future__ import annotations

import base64
import functools
import html
from collections.abc import Sequence

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
import plotly.io as pio

from .analysis.decompose import ScoreSplit
from .analysis.ordering import unit_order
from .i18n import t
from .schema import GATES, STYLES, QuantityStyle
from .tracer import Trace

FONT = "Inter, 'Source Sans Pro', 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"
DIRECTION_COLOURS = {"forward": "#0b6e99", "backward": "#d1495b"}  # blue / red, distinct for CVD
SHADES = 254  # quantised colour levels 0..254 of the heatmap layer
BASE = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT, "size": 13, "color": "#1b1b1b"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        hoverlabel={"font": {"family": FONT, "size": 13}},
    )
)
# Plotly.js colours of labels and entity types, colour-blind safe (Okabe-Ito).
BASE_LAYOUT = BASE.layout.to_plotly_json()  # the template's layout as a plain dict
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def _layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    fig.update_layout(template=BASE, title={"text": title or "", "x": 0, "font_size": 15})
    if height:
        fig.update_layout(height=height)
    return fig


class _Canvas:
    """Collects shapes and annotations as plain dicts; validated once when the figure is made
    (``fig.add_shape`` validates on every call: a 40-part drawing took 100 ms)."""

    def __init__(self) -> None:
        self.shapes: list[dict] = []
        self.annotations: list[dict] = []

    def add_shape(self, **shape: object) -> None:
        self.shapes.append(shape)

    def add_annotation(self, **annotation: object) -> None:
        self.annotations.append(annotation)

    def figure(self, xrange: list[float], yrange: list[float], margin: dict) -> go.Figure:
        hidden = {"visible": False, "fixedrange": True}
        layout = {
            "shapes": self.shapes,
            "annotations": self.annotations,
            "xaxis": {**hidden, "range": xrange},
            "yaxis": {**hidden, "range": yrange},
            "margin": margin,
            "showlegend": False,
        }
        return go.Figure({"data": [], "layout": layout})


def token_axis(tokens: Sequence[str], **extra: object) -> dict:
    """x axis of integer positions labelled with tokens; repeated tokens stay separate."""
    n = len(tokens)
    return {
        "tickmode": "array",
        "tickvals": list(range(n)),
        "ticktext": [tok if tok.strip() else "␣" for tok in tokens],
        "range": [-0.5, n - 0.5],
        "tickangle": 0 if n <= 40 else -90,
        "showgrid": False,
        "zeroline": False,
        **extra,
    }


def typed(values: np.ndarray) -> dict:
    """A NumPy array as Plotly's base64 typed-array spec (what validation would have made)."""
    a = np.ascontiguousarray(values)
    spec = {"dtype": a.dtype.str[1:], "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in a.shape)
    return spec


@functools.cache
def colorscale(name: str) -> tuple[tuple[float, str], ...]:
    """A named Plotly colour scale as explicit stops (so Streamlit's theme cannot recolour it)."""
    return tuple(tuple(stop) for stop in go.Heatmap(colorscale=name).colorscale)


def style_of(quantity: str) -> QuantityStyle:
    """The fixed colour range and scale of a quantity (``merged`` for merged outputs)."""
    return STYLES[quantity]


def _quantise(values: np.ndarray, style: QuantityStyle) -> np.ndarray:
    scaled = (np.clip(values, style.zmin, style.zmax) - style.zmin) / (style.zmax - style.zmin)
    return np.rint(scaled * SHADES).astype(np.uint8)


def _colorbar(style: QuantityStyle, **extra: object) -> dict:
    mid = (style.zmin + style.zmax) / 2
    return {
        "tickvals": [0, SHADES / 2, SHADES],
        "ticktext": [f"{style.zmin:g}", f"{mid:g}", f"{style.zmax:g}"],
        "thickness": 12,
        "len": 0.9,
        **extra,
    }


def heatmap_panel(
    values: np.ndarray,
    tokens: Sequence[str],
    quantity: str,
    title: str,
    order: np.ndarray | None = None,
    unit_names: Sequence[str] | None = None,
) -> dict:
    """Units × tokens heatmap spec of ``values (T, units)`` with a clickable, hoverable layer.

    ``order`` gives the unit shown on each row (top row first); it is kept in
    ``layout.meta["order"]`` for :func:`mark`. A clicked point comes back with ``x`` = position
    and ``y`` = row. A plain dict of typed arrays, never validated by Plotly: building and
    validating a ``go.Figure`` of 129 traces cost ~100 ms a heatmap, this costs a few.
    """
    style = style_of(quantity)
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
    ticktext = [names[u] for u in order]
    every = max(1, units // 16)
    layout = {
        "template": template,
        "title": {"text": title, "x": 0, "font": {"size": 15}},
        "height": int(min(560, max(260, 90 + 9 * units))),
        "xaxis": token_axis(tokens),
        "yaxis": {
            "title": {"text": unit_label},
            "autorange": "reversed",
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
    name = t(f"q_{quantity}")
    return {
        d: heatmap_panel(
            trace.quantity(layer, d, quantity),
            trace.tokens,
            quantity,
            f"{t(d)} · {quantity} ({name}) · {t('layer')} {layer}",
            rows,
        )
        for d in trace.directions
    }


def merged_heatmap(trace: Trace, mode: str, layer: int = -1, order: str = "index") -> dict:
    """Heatmap spec of both directions' ``h`` merged (concat, sum, mean or product)."""
    values = trace.merged(mode, layer)  # (T, units)
    names = None
    if mode == "concat" and trace.bidirectional:
        h = trace.output_size
        names = [f"→{u}" for u in range(h)] + [f"←{u}" for u in range(h)]
    return heatmap_panel(
        values,
        trace.tokens,
        "merged",
        f"{t('merged')} · {t('merge_' + mode)}",
        unit_order(values, order),
        names,
    )


def unit_lines(
    trace: Trace,
    unit: int,
    layer: int = 0,
    quantities: Sequence[str] = ("h",),
    step: int | None = None,
) -> go.Figure:
    """One unit over the sentence: a line per direction (solid →, dashed ←) per quantity."""
    fig = go.Figure()
    x = np.arange(trace.length)
    dashes = {"forward": "solid", "backward": "dash"}
    for k, quantity in enumerate(quantities):
        for d in trace.directions:
            if unit >= trace.units(quantity):
                continue
            y = trace.quantity(layer, d, quantity)[:, unit].astype(np.float32)
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
    lo = min(style_of(q).zmin for q in quantities)
    hi = max(style_of(q).zmax for q in quantities)
    fig.update_xaxes(token_axis(trace.tokens))
    fig.update_yaxes(range=[lo - 0.05, hi + 0.05], zeroline=True, zerolinecolor="#bbb")
    if step is not None:
        fig.add_vline(x=step, line={"color": "#888", "dash": "dot"})
    fig.update_layout(legend={"orientation": "h", "y": -0.25}, hovermode="x unified")
    return _layout(fig, f"{t('unit')} {unit} · {', '.join(quantities)}", 340)


def gate_strips(trace: Trace, layer: int, direction: str, step: int, unit: int | None = None):
    """Every gate and state at one step as a strip over all units, each on its own fixed scale."""
    names = trace.names
    height = 1.0 / len(names)
    data, layout, shapes = [], {}, []
    for k, name in enumerate(names):
        style = style_of(name)
        row = trace.quantity(layer, direction, name)[step].astype(np.float32)  # (units,)
        axis = "" if k == 0 else str(k + 1)
        data.append(
            {
                "type": "heatmap",
                "z": row[None, :],
                "zmin": style.zmin,
                "zmax": style.zmax,
                "colorscale": style.colorscale,
                "showscale": False,
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "hovertemplate": f"{name} · {t('unit')} %{{x}} = %{{z:.3f}}<extra></extra>",
            }
        )
        layout[f"yaxis{axis}"] = {
            "domain": [1 - (k + 1) * height + 0.02, 1 - k * height - 0.02],
            "tickvals": [0],
            "ticktext": [name],
            "showgrid": False,
            "fixedrange": True,
        }
        layout[f"xaxis{axis}"] = {
            "anchor": f"y{axis}",
            "showticklabels": k == len(names) - 1,
            "showgrid": False,
            "zeroline": False,
            **({"matches": "x"} if k else {}),
        }
        if unit is not None:
            shapes.append(
                {
                    "type": "rect",
                    "xref": f"x{axis}",
                    "yref": f"y{axis}",
                    "x0": unit - 0.5,
                    "x1": unit + 0.5,
                    "y0": -0.5,
                    "y1": 0.5,
                    "line": {"color": "#ff7f0e", "width": 2},
                }
            )
    last = str(len(names)) if len(names) > 1 else ""
    layout[f"xaxis{last}"]["title"] = {"text": t("unit")}
    fig = go.Figure({"data": data, "layout": {**layout, "shapes": shapes}})
    return _layout(fig, f"{t('all_units')} · {t(direction)}", 90 + 42 * len(names))


def state_split(trace: Trace, layer: int, direction: str, step: int) -> go.Figure:
    """How the new state is made, unit by unit: what was kept plus what was written.

    LSTM: ``c_t = f⊙c_{t-1} (kept) + i⊙g (written)``. GRU: ``h_t = z⊙h_{t-1} (kept) +
    (1-z)⊙n (written)``. Bars stack to the new state, drawn as a dot.
    """
    if trace.cell == "lstm":
        f = trace.quantity(layer, direction, "f")[step]
        kept = f * trace.previous(layer, direction, "c")[step]  # (H,)
        written = (trace.quantity(layer, direction, "i") * trace.quantity(layer, direction, "g"))[
            step
        ]  # (H,)
        new, new_name = trace.quantity(layer, direction, "c")[step], "c_t"
        kept_name, written_name = "f⊙c_{t-1}", "i⊙g"
    else:
        z = trace.quantity(layer, direction, "z")[step]
        kept = z * trace.previous(layer, direction, "h")[step]  # (H,)
        written = (1 - z) * trace.quantity(layer, direction, "n")[step]  # (H,)
        new, new_name = trace.quantity(layer, direction, "h")[step], "h_t"
        kept_name, written_name = "z⊙h_{t-1}", "(1−z)⊙n"
    units = np.arange(kept.shape[0])
    fig = go.Figure()
    fig.add_bar(
        x=units, y=kept.astype(np.float32), name=f"{t('kept')} {kept_name}", marker_color="#0072B2"
    )
    fig.add_bar(
        x=units,
        y=written.astype(np.float32),
        name=f"{t('written')} {written_name}",
        marker_color="#E69F00",
    )
    fig.add_scatter(
        x=units,
        y=new.astype(np.float32),
        mode="markers",
        name=new_name,
        marker={"color": "#111", "size": 6, "symbol": "diamond"},
    )
    fig.update_layout(
        barmode="relative", legend={"orientation": "h", "y": -0.3}, hovermode="x unified"
    )
    fig.update_xaxes(title_text=t("unit"))
    return _layout(fig, f"{t('kept_written')} · {t(direction)}", 320)


def _hex_for(value: float, style: QuantityStyle) -> tuple[str, str]:
    """Fill colour for a value on its fixed scale, and a readable text colour on it."""
    frac = float(np.clip((value - style.zmin) / (style.zmax - style.zmin), 0, 1))
    fill = pc.sample_colorscale(style.colorscale, [frac])[0]
    r, g, b = (int(v) for v in fill[fill.index("(") + 1 : -1].split(","))
    text = "#111" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"
    return fill, text


def _arrow(
    fig: go.Figure, x0: float, y0: float, x1: float, y1: float, width: float | None = None
) -> None:
    """An arrow from (x0, y0) to (x1, y1) in data coordinates of a drawing."""
    style = {"arrowwidth": width} if width else {}
    fig.add_annotation(
        x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
        showarrow=True, arrowhead=2, arrowcolor="#555", text="", **style,
    )  # fmt: skip


def cell_diagram(trace: Trace, layer: int, direction: str, step: int, unit: int) -> go.Figure:
    """The LSTM or GRU cell of one unit at one step; every gate box is coloured by its value."""
    fig = _Canvas()
    prev = "t-1" if direction == "forward" else "t+1"

    def box(
        x: float,
        y: float,
        label: str,
        value: float | None,
        quantity: str | None,
        width: float = 1.1,
    ) -> None:
        fill, colour = ("#f3f3f3", "#111")
        if value is not None and quantity is not None:
            fill, colour = _hex_for(value, style_of(quantity))
        fig.add_shape(
            type="rect",
            x0=x - width / 2,
            x1=x + width / 2,
            y0=y - 0.4,
            y1=y + 0.4,
            fillcolor=fill,
            line={"color": "#333", "width": 1.5},
        )
        text = label if value is None else f"<b>{label}</b><br>{value:.2f}"
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font={"color": colour, "size": 14})

    def node(x: float, y: float, op: str) -> None:
        fig.add_shape(
            type="circle",
            x0=x - 0.25,
            x1=x + 0.25,
            y0=y - 0.25,
            y1=y + 0.25,
            fillcolor="white",
            line={"color": "#333", "width": 1.5},
        )
        fig.add_annotation(x=x, y=y, text=op, showarrow=False, font={"size": 16})

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        _arrow(fig, x0, y0, x1, y1, width=1.5)

    def value(name: str) -> float:
        return float(trace.quantity(layer, direction, name)[step, unit])

    h_prev = float(trace.previous(layer, direction, "h")[step, unit])
    # Inputs enter along a bus under the gates; every gate reads [x_t, h_prev].
    box(0.2, 0.45, f"x<sub>t</sub>, h<sub>{prev}</sub>", None, None, width=1.3)
    gate_x = {
        "lstm": {"f": 2.2, "i": 3.6, "g": 5.0, "o": 6.4},
        "gru": {"z": 2.2, "r": 3.7, "n": 5.2},
    }
    xs = gate_x[trace.cell]
    fig.add_shape(
        type="line",
        x0=0.95,
        x1=max(xs.values()),
        y0=0.45,
        y1=0.45,
        line={"color": "#555", "width": 1.5},
    )
    for g, x in xs.items():
        box(x, 1.25, g, value(g), g)
        arrow(x, 0.45, x, 0.85)
    if trace.cell == "lstm":
        c_prev = float(trace.previous(layer, direction, "c")[step, unit])
        box(0.2, 4.5, f"c<sub>{prev}</sub>", c_prev, "c")
        node(2.2, 4.5, "×")
        node(4.3, 3.0, "×")
        node(4.3, 4.5, "+")
        node(7.6, 3.0, "×")
        arrow(0.75, 4.5, 1.95, 4.5)
        arrow(2.2, 1.65, 2.2, 4.25)
        arrow(3.6, 1.65, 4.15, 2.8)
        arrow(5.0, 1.65, 4.45, 2.8)
        arrow(4.3, 3.25, 4.3, 4.25)
        arrow(2.45, 4.5, 4.05, 4.5)
        box(6.0, 4.5, "c<sub>t</sub>", value("c"), "c")
        arrow(4.55, 4.5, 5.45, 4.5)
        box(7.6, 4.5, "tanh", float(np.tanh(value("c"))), "h")
        arrow(6.55, 4.5, 7.05, 4.5)
        arrow(7.6, 4.1, 7.6, 3.25)
        arrow(6.4, 1.65, 7.45, 2.8)
        box(9.2, 3.0, "h<sub>t</sub>", value("h"), "h")
        arrow(7.85, 3.0, 8.65, 3.0)
    else:
        box(0.2, 4.5, f"h<sub>{prev}</sub>", h_prev, "h")
        node(2.2, 4.5, "×")
        node(5.2, 3.0, "×")
        node(6.8, 4.5, "+")
        arrow(0.75, 4.5, 1.95, 4.5)
        arrow(2.2, 1.65, 2.2, 4.25)
        fig.add_annotation(x=2.0, y=3.0, text="z", showarrow=False)
        arrow(2.6, 1.6, 4.95, 2.9)
        fig.add_annotation(x=3.6, y=2.55, text="1−z", showarrow=False)
        arrow(4.25, 1.25, 4.65, 1.25)
        arrow(5.2, 1.65, 5.2, 2.75)
        arrow(2.45, 4.5, 6.55, 4.5)
        arrow(5.4, 3.15, 6.6, 4.3)
        box(9.2, 4.5, "h<sub>t</sub>", value("h"), "h")
        arrow(7.05, 4.5, 8.65, 4.5)
    title = f"{t('unit')} {unit} · {step}: {trace.tokens[step]}"
    out = fig.figure([-0.6, 10], [0.0, 5.0], {"l": 10, "r": 10, "t": 36, "b": 6})
    return _layout(out, title, 340)


def _num(v: float) -> str:
    return f"{v:.2f}" if v >= 0 else f"({v:.2f})"


def _eq(symbolic: str, numeric: str, value: float) -> str:
    """One equation on two aligned lines: the formula, then its numbers and result."""
    return rf"\begin{{aligned}}{symbolic} \\ &= {numeric} = \mathbf{{{value:.2f}}}\end{{aligned}}"


def equations(trace: Trace, layer: int, direction: str, step: int, unit: int) -> list[str]:
    """LaTeX of one step for one unit: each equation, then the same with its real numbers.

    The backward direction's previous state is the one after the token to the right (``t+1``).
    """
    j = unit
    prev = "t-1" if direction == "forward" else "t+1"
    lines = []
    values = {}
    for gate in GATES[trace.cell]:
        parts = trace.preactivation(layer, direction, gate)
        wx = float(parts["Wx"][step, j] + parts["b_x"][j])
        uh = float(parts["Uh"][step, j] + parts["b_h"][j])
        v = float(trace.quantity(layer, direction, gate)[step, j])
        values[gate] = v
        act = r"\sigma" if gate in ("i", "f", "o", "r", "z") else r"\tanh"
        if trace.cell == "gru" and gate == "n":
            symbolic = rf"n_t &= \tanh(W_{{n}} x_t + b_{{in}} + r_t \odot (U_{{n}} h_{{{prev}}} + b_{{hn}}))"
            numeric = rf"\tanh({_num(wx)} + {_num(values['r'])} \cdot {_num(uh)})"
        else:
            symbolic = (
                rf"{gate}_t &= {act}(W_{{{gate}}} x_t + U_{{{gate}}} h_{{{prev}}} + b_{{{gate}}})"
            )
            numeric = rf"{act}({_num(wx)} + {_num(uh)})"
        lines.append(_eq(symbolic, numeric, v))
    h = float(trace.quantity(layer, direction, "h")[step, j])
    if trace.cell == "lstm":
        c_prev = float(trace.previous(layer, direction, "c")[step, j])
        c = float(trace.quantity(layer, direction, "c")[step, j])
        i, f, g, o = (values[k] for k in "ifgo")
        lines.append(
            _eq(
                rf"c_t &= f_t \odot c_{{{prev}}} + i_t \odot g_t",
                rf"{f:.2f} \cdot {_num(c_prev)} + {i:.2f} \cdot {_num(g)}",
                c,
            )
        )
        lines.append(_eq(r"h_t &= o_t \odot \tanh(c_t)", rf"{o:.2f} \cdot \tanh({_num(c)})", h))
    else:
        h_prev = float(trace.previous(layer, direction, "h")[step, j])
        z, n = values["z"], values["n"]
        lines.append(
            _eq(
                rf"h_t &= (1 - z_t) \odot n_t + z_t \odot h_{{{prev}}}",
                rf"{1 - z:.2f} \cdot {_num(n)} + {z:.2f} \cdot {_num(h_prev)}",
                h,
            )
        )
    return lines


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
    rnn = cell.upper()

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

    box(0.9, 1.5, f"<b>{t('tokens')}</b><br>x₁ … x_T", "#f3f3f3")
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
        f"<b>{t('merge')}</b><br>concat {merged}" if bidirectional else f"<b>h_t</b><br>{merged}"
    )
    box(8.1, 1.5, merge_text, "#f3f3f3")
    head = t("head_tagger") if kind == "tagger" else t("head_classifier")
    box(10.4, 1.5, f"<b>{head}</b><br>{merged} → {labels}", "#fdf0d5", 2.0)
    arrow(8.9, 1.5, 9.4, 1.5)
    arrow(1.7, 1.5, 2.2, 1.5)
    out = fig.figure([0, 11.6], [0.1, 2.9], {"l": 5, "r": 5, "t": 30, "b": 5})
    return _layout(out, t("model_diagram"), 260)


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
            y=[labels[k] for k in rows],
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


def evolution_figure(tokens: Sequence[str], labels: Sequence[str], proba: np.ndarray):
    """A many-to-one prediction as it grows: probability of each label after reading token t."""
    fig = go.Figure()
    x = np.arange(len(tokens))
    for k, label in enumerate(labels):
        fig.add_scatter(
            x=x,
            y=np.asarray(proba[:, k], dtype=np.float32),
            mode="lines+markers",
            name=str(label),
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
    labels = [split.labels[k] for k in keep]
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


TAG_COLOURS = dict(zip(("PER", "LOC", "ORG", "MISC", "GPE", "TIME"), PALETTE, strict=False))


def tokens_html(
    tokens: Sequence[str],
    tags: Sequence[str],
    task: str,
    unknown: Sequence[bool] | None = None,
    step: int | None = None,
) -> str:
    """A sentence as HTML: word boxes (cws), tags under tokens (pos), entity highlights (ner).

    Unknown tokens are dashed and marked "?"; the current step is underlined.
    """
    unknown = list(unknown) if unknown is not None else [False] * len(tokens)
    spans = []
    for k, (tok, tag) in enumerate(zip(tokens, tags, strict=False)):
        text = html.escape(tok if tok.strip() else "␣")
        cls = ["tok"]
        if unknown[k]:
            cls.append("unk")
        if step == k:
            cls.append("cur")
        style = ""
        if task == "cws":
            start = tag in ("B", "S")
            end = tag in ("E", "S")
            cls.append("cws" + ("-b" if start else "") + ("-e" if end else ""))
        elif task == "ner" and tag not in ("O", ""):
            kind = tag.split("-")[-1]
            style = f"background:{TAG_COLOURS.get(kind, PALETTE[-1])}33;"
        mark = "<sup>?</sup>" if unknown[k] else ""
        shown_tag = "" if task == "ner" and tag == "O" else tag  # only entities are tagged
        sub = f"<small>{html.escape(shown_tag) or '&nbsp;'}</small>"
        spans.append(f'<span class="{" ".join(cls)}" style="{style}">{text}{mark}{sub}</span>')
    return f'<div class="rnnviz-sentence">{"".join(spans)}</div>'


SENTENCE_CSS = """
<style>
.rnnviz-sentence{display:flex;flex-wrap:wrap;gap:2px 0;font-size:1.35em;line-height:1.2;margin:.3em 0}
.rnnviz-sentence .tok{display:inline-flex;flex-direction:column;align-items:center;
  padding:.15em .3em;border-top:2px solid transparent;border-bottom:2px solid transparent;
  min-width:1.1em}
.rnnviz-sentence .tok small{font-size:.55em;color:#444;margin-top:.15em}
.rnnviz-sentence .cws{border-color:#0b6e99}
.rnnviz-sentence .cws-b,.rnnviz-sentence .cws-b-e{border-left:2px solid #0b6e99;margin-left:6px}
.rnnviz-sentence .cws-e,.rnnviz-sentence .cws-b-e{border-right:2px solid #0b6e99}
.rnnviz-sentence .unk{outline:1px dashed #d1495b}
.rnnviz-sentence .cur{box-shadow:inset 0 -4px 0 #ff7f0e}
</style>
"""


def to_html(fig: go.Figure) -> str:
    """A self-contained interactive HTML file of a figure (plotly.js inlined, works offline)."""
    return pio.to_html(fig, include_plotlyjs=True, full_html=True)


def payload_bytes(fig: go.Figure | dict) -> int:
    """Bytes of the figure's JSON spec, as ``st.plotly_chart`` sends it."""
    return len(pio.to_json(fig, validate=False).encode())
