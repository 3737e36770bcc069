"""The step page's drawings: every gate at one step, kept vs written, the cell diagram, equations,
and one unit's timeline over the sentence. Every cell-specific detail comes from ``trace.spec``
(the cell registry): names, colour scales, the kept/written split, the diagram and the equations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from string import Template
from typing import Any

import numpy as np
import plotly.graph_objects as go

from ..i18n import t
from ..tracer import Trace
from .style import PALETTE, _arrow, _Canvas, _hex_for, _layout, spec_layout, token_axis, typed


def previous_label(direction: str) -> str:
    """The step a state comes from: ``t-1`` reading forward, ``t+1`` reading backward."""
    return "t-1" if direction == "forward" else "t+1"


def html_label(label: str, direction: str) -> str:
    """A registry label (``f⊙c_{t-1}``) as Plotly HTML for ``direction``: ``f⊙c<sub>t+1</sub>``."""
    label = label.replace("t-1", previous_label(direction))
    return re.sub(r"_\{([^}]*)\}", r"<sub>\1</sub>", label)


def gate_strips(
    trace: Trace, layer: int, direction: str, step: int, unit: int | None = None
) -> go.Figure:
    """Every gate and state at one step as a strip over all units, each on its own fixed scale."""
    return go.Figure(gate_strips_spec(trace, layer, direction, step, unit, arrays=_plain))


def _plain(values: np.ndarray) -> np.ndarray:
    return values


def gate_strips_spec(
    trace: Trace,
    layer: int,
    direction: str,
    step: int,
    unit: int | None = None,
    arrays: Callable[[np.ndarray], Any] = typed,
) -> dict:
    """:func:`gate_strips` as a plain spec (what the step page sends): arrays as Plotly's
    base64 typed arrays, or as given with ``arrays=_plain`` (for a ``go.Figure``)."""
    spec = trace.spec
    names = trace.names
    height = 1.0 / len(names)
    data, layout, shapes = [], {}, []
    for k, name in enumerate(names):
        style = spec.style(name)
        row = trace.quantity(layer, direction, name)[step].astype(np.float32)  # (units,)
        axis = "" if k == 0 else str(k + 1)
        data.append(
            {
                "type": "heatmap",
                "z": arrays(row[None, :]),
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
    spec = {"data": data, "layout": {**layout, "shapes": shapes}}
    return spec_layout(spec, f"{t('all_units')} · {t(direction)}", 110 + 42 * len(names))


def step_values(trace: Trace, layer: int, direction: str, step: int) -> dict[str, np.ndarray]:
    """Every quantity and previous state ``<state>_prev`` of one step over all units ``(H,)``."""
    values = {n: trace.quantity(layer, direction, n)[step] for n in trace.names}
    for s in trace.spec.states:
        values[f"{s}_prev"] = trace.previous(layer, direction, s)[step]
    return values


def state_split(trace: Trace, layer: int, direction: str, step: int) -> go.Figure:
    """How the new state is made, unit by unit: what was kept plus what was written.

    The cell's own split (``spec.split``): LSTM ``c_t = f⊙c_{t-1} + i⊙g``, GRU ``h_t =
    z⊙h_{t-1} + (1-z)⊙n``, vanilla RNN ``h_t = 0 + tanh(…)``. Bars stack to the new state (◆).
    """
    return go.Figure(state_split_spec(trace, layer, direction, step, arrays=_plain))


def state_split_spec(
    trace: Trace,
    layer: int,
    direction: str,
    step: int,
    arrays: Callable[[np.ndarray], Any] = typed,
) -> dict:
    """:func:`state_split` as a plain spec (what the step page sends; ``arrays`` as in
    :func:`gate_strips_spec`)."""
    spec = trace.spec
    values = step_values(trace, layer, direction, step)
    kept, written = spec.split(values)  # (H,) each
    new = values[spec.updated]  # (H,)
    units = arrays(np.arange(new.shape[0], dtype=np.int32))
    kept_name = html_label(spec.kept_label, direction)
    written_name = html_label(spec.written_label, direction)
    data = [
        {
            "type": "bar",
            "x": units,
            "y": arrays(np.asarray(kept, dtype=np.float32)),
            "name": f"{t('kept')} {kept_name}",
            "marker": {"color": "#0072B2"},
        },
        {
            "type": "bar",
            "x": units,
            "y": arrays(np.asarray(written, dtype=np.float32)),
            "name": f"{t('written')} {written_name}",
            "marker": {"color": "#E69F00"},
        },
        {
            "type": "scatter",
            "x": units,
            "y": arrays(np.asarray(new, dtype=np.float32)),
            "mode": "markers",
            "name": f"{spec.updated}<sub>t</sub>",
            "marker": {"color": "#111", "size": 6, "symbol": "diamond"},
        },
    ]
    layout = {
        "barmode": "relative",
        "legend": {"orientation": "h", "y": -0.32, "yanchor": "top"},
        "hovermode": "x unified",
        "margin": {"b": 90},
        "xaxis": {"title": {"text": t("unit")}},
    }
    return spec_layout(
        {"data": data, "layout": layout}, f"{t('kept_written')} · {t(direction)}", 340
    )


def cell_diagram(trace: Trace, layer: int, direction: str, step: int, unit: int) -> go.Figure:
    """The cell of one unit at one step, drawn from the registry's layout (``spec.diagram``);
    every box is coloured by its value on its quantity's fixed scale."""
    return go.Figure(cell_diagram_spec(trace, layer, direction, step, unit))


def cell_diagram_spec(trace: Trace, layer: int, direction: str, step: int, unit: int) -> dict:
    """:func:`cell_diagram` as a plain spec (what the step page sends)."""
    spec, fig = trace.spec, _Canvas()
    prev = previous_label(direction)
    values = trace.values_at(layer, direction, step, unit)
    values.update(spec.derived(values))

    def text(label: str) -> str:
        return Template(label).safe_substitute(prev=prev)

    def box(x: float, y: float, label: str, value: float | None, quantity: str | None, width=1.1):
        fill, colour = ("#f3f3f3", "#111")
        if value is not None and quantity is not None:
            fill, colour = _hex_for(value, spec.style(quantity))
        fig.add_shape(
            type="rect",
            x0=x - width / 2,
            x1=x + width / 2,
            y0=y - 0.4,
            y1=y + 0.4,
            fillcolor=fill,
            line={"color": "#333", "width": 1.5},
        )
        shown = label if value is None else f"<b>{label}</b><br>{value:.2f}"
        fig.add_annotation(
            x=x, y=y, text=shown, showarrow=False, font={"color": colour, "size": 14}
        )

    diagram = spec.diagram
    # Inputs enter along a bus under the gates; every gate reads [x_t, h_prev].
    box(0.2, 0.45, f"x<sub>t</sub>, h<sub>{prev}</sub>", None, None, width=1.3)
    fig.add_shape(
        type="line",
        x0=0.95,
        x1=max(diagram.gate_x.values()),
        y0=0.45,
        y1=0.45,
        line={"color": "#555", "width": 1.5},
    )
    for g, x in diagram.gate_x.items():
        box(x, 1.25, g, values[g], g)
        _arrow(fig, x, 0.45, x, 0.85, width=1.5)
    for b in diagram.boxes:
        value = values.get(b.value) if b.value else None
        box(b.x, b.y, text(b.label), value, b.style, b.width)
    for x, y, op in diagram.nodes:
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
    for x0, y0, x1, y1 in diagram.arrows:
        _arrow(fig, x0, y0, x1, y1, width=1.5)
    for x, y, label in diagram.labels:
        fig.add_annotation(x=x, y=y, text=text(label), showarrow=False, font={"size": 13})
    title = f"{spec.title} · {t('unit')} {unit} · {step}: {trace.tokens[step]}"
    out = fig.spec([-0.6, 10], [0.0, 5.0], {"l": 10, "r": 10, "t": 40, "b": 6})
    return spec_layout(out, title, 340)


def _num(v: float) -> str:
    return f"{v:.2f}" if v >= 0 else f"({v:.2f})"


_DOUBLE = re.compile(r"\(\((-[0-9.]+)\)")  # "tanh((-0.02))" -> "tanh(-0.02)"


def _eq(symbolic: str, numeric: str, value: float) -> str:
    """One equation on two aligned lines: the formula, then its numbers and result."""
    numeric = _DOUBLE.sub(r"(\1", numeric)
    return rf"\begin{{aligned}}{symbolic} \\ &= {numeric} = \mathbf{{{value:.2f}}}\end{{aligned}}"


def equations(trace: Trace, layer: int, direction: str, step: int, unit: int) -> list[str]:
    """LaTeX of one step for one unit: each of the cell's equations, then its real numbers.

    The backward direction's previous state is the one after the token to the right (``t+1``).
    """
    values = trace.values_at(layer, direction, step, unit)
    lines = trace.spec.render(values, previous_label(direction), _num)
    return [_eq(symbolic, numeric, value) for symbolic, numeric, value in lines]


def unit_timeline(
    trace: Trace, layer: int, direction: str, unit: int, step: int | None = None
) -> go.Figure:
    """One unit's gates and states over the whole sentence (a line each), the step marked.

    ``(T,)`` per line; gates share the 0..1 / −1..1 range, an unbounded state (LSTM ``c``)
    widens the axis to fit. The backward direction reads right to left: an arrow says so.
    """
    spec = trace.spec
    x = np.arange(trace.length)
    fig = go.Figure()
    lo, hi = 0.0, 1.0
    for k, name in enumerate(trace.names):
        if unit >= trace.units(name):
            continue
        y = trace.quantity(layer, direction, name)[:, unit].astype(np.float32)  # (T,)
        style = spec.style(name)
        lo, hi = min(lo, style.zmin, float(y.min())), max(hi, float(y.max()))
        state = name in spec.states
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers",
                name=name,
                line={"color": PALETTE[k % len(PALETTE)], "width": 3.5 if state else 1.8},
                marker={"size": 7 if state else 5},
                customdata=list(trace.tokens),
                hovertemplate="<b>%{customdata}</b> · "
                + t("position")
                + " %{x}<br>%{y:.3f}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_xaxes(token_axis(trace.tokens))
    fig.update_yaxes(range=[lo - 0.08, hi + 0.08], zeroline=True, zerolinecolor="#bbb")
    if step is not None:
        fig.add_shape(step_line(step))
    fig.update_layout(
        legend={"orientation": "h", "y": -0.16, "yanchor": "top", "x": 0},
        hovermode="x unified",
        margin={"t": 44, "b": 40},
    )
    arrow = "→" if direction == "forward" else "←"
    title = f"{arrow} {t('unit')} {unit} · {t('timeline')}"
    return _layout(fig, title, 330)


def step_line(step: int) -> dict:
    """The current step as a dotted vertical line over a token axis (a layout shape)."""
    return {
        "type": "line", "xref": "x", "yref": "paper", "x0": step, "x1": step, "y0": 0, "y1": 1,
        "line": {"color": "#ff7f0e", "width": 2, "dash": "dot"},
    }  # fmt: skip


def at_step(spec: dict, step: int) -> dict:
    """A cached timeline spec (``to_dict()``) with the step marked; the cached dict is kept."""
    layout = spec["layout"]
    return {**spec, "layout": {**layout, "shapes": [*layout.get("shapes", ()), step_line(step)]}}
