"""Shared figure style: fonts, the base template, colour scales, the token axis, typed arrays.

Every figure is semantic: a quantity always has the same colour range (``schema.STYLES``), the
token axis uses integer positions with the tokens as tick text (a repeated token never merges).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
import plotly.io as pio

from ..schema import STYLES, QuantityStyle

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


def spec_layout(spec: dict, title: str | None = None, height: int | None = None) -> dict:
    """``_layout`` for a plain-dict spec: the same template, title and height, no validation
    (a validated Plotly figure costs 5-15 ms to build and copy; a step redraws six of them)."""
    layout = spec.setdefault("layout", {})
    layout["template"] = {"layout": BASE_LAYOUT}
    layout["title"] = {"text": title or "", "x": 0, "font": {"size": 15}}
    if height:
        layout["height"] = height
    return spec


def _layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    return fig.update_layout(spec_layout({}, title, height)["layout"])


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

    def spec(self, xrange: list[float], yrange: list[float], margin: dict) -> dict:
        """The drawing as a plain Plotly spec (no traces: plotly wants one, ``chart`` adds it)."""
        hidden = {"visible": False, "fixedrange": True}
        layout = {
            "shapes": self.shapes,
            "annotations": self.annotations,
            "xaxis": {**hidden, "range": xrange},
            "yaxis": {**hidden, "range": yrange},
            "margin": margin,
            "showlegend": False,
        }
        return {"data": [], "layout": layout}

    def figure(self, xrange: list[float], yrange: list[float], margin: dict) -> go.Figure:
        return go.Figure(self.spec(xrange, yrange, margin))


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


def payload_bytes(fig: go.Figure | dict) -> int:
    """Bytes of the figure's JSON spec, as ``st.plotly_chart`` sends it."""
    return len(pio.to_json(fig, validate=False).encode())


def _hex_for(value: float, style: QuantityStyle) -> tuple[str, str]:
    """Fill colour for a value on its fixed scale, and a readable text colour on it (the scale
    sampled at 1/1000 steps: plotly resolves a scale on every call, ~0.3 ms each)."""
    frac = float(np.clip((value - style.zmin) / (style.zmax - style.zmin), 0, 1))
    return _sampled(style.colorscale, round(frac * 1000))


@functools.lru_cache(maxsize=16384)
def _sampled(scale: str, per_mille: int) -> tuple[str, str]:
    fill = pc.sample_colorscale(scale, [per_mille / 1000])[0]
    r, g, b = (int(float(v)) for v in fill[fill.index("(") + 1 : -1].split(","))
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


def to_html(spec: go.Figure | dict) -> str:
    """A self-contained interactive HTML file of a figure spec (plotly.js inlined, offline)."""
    return pio.to_html(spec, include_plotlyjs=True, full_html=True, validate=False)
