"""The step page's drawings: every gate at one step, kept vs written, the cell diagram, equations."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..cells import GATES
from ..i18n import t
from ..tracer import Trace
from .style import (
    _arrow,
    _Canvas,
    _hex_for,
    _layout,
    style_of,
)


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
