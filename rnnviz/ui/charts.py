"""Chart plumbing: our colours, projector scaling, HTML download, heatmap clicks, live charts."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from .. import figures
from ..i18n import t
from .state import Key

PLOTLY_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "rnnviz"},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


PROJECTOR_SCALE = 1.5  # fonts, markers and lines on a projector (13 px text becomes ~20 px)


def _scaled(value: object, default: float, scale: float = PROJECTOR_SCALE) -> float:
    return round((value if isinstance(value, int | float) else default) * scale, 1)


def _projector(spec: dict) -> dict:
    """A figure spec made for the back row: every font, marker and line scaled, margins grown
    so the bigger titles and ticks are not clipped. The cached spec is not changed."""
    layout = dict(spec.get("layout", {}))
    layout["font"] = {**layout.get("font", {}), "size": 20, "color": "#000000"}
    title = layout.get("title")
    if isinstance(title, dict):
        layout["title"] = {**title, "font": {**title.get("font", {}), "size": 26}}
    layout["hoverlabel"] = {**layout.get("hoverlabel", {}), "font": {"size": 20}}
    for key, axis in list(layout.items()):
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            tickfont = axis.get("tickfont", {})
            layout[key] = {
                **{k: v for k, v in axis.items() if k != "tickangle" or v != 0},  # auto: no overlap
                "automargin": True,
                "tickfont": {**tickfont, "size": _scaled(tickfont.get("size"), 13)},
            }
    annotations = []
    for note in layout.get("annotations", ()):
        note = {**note, "font": {**note.get("font", {})}}
        note["font"]["size"] = _scaled(note["font"].get("size"), 13)
        if "arrowwidth" in note:
            note["arrowwidth"] = _scaled(note["arrowwidth"], 1)
        annotations.append(note)
    if annotations:
        layout["annotations"] = annotations
    if layout.get("shapes"):
        layout["shapes"] = [
            {**sh, "line": {**sh["line"], "width": _scaled(sh["line"].get("width"), 1)}}
            if isinstance(sh.get("line"), dict)
            else sh
            for sh in layout["shapes"]
        ]
    margin = dict(layout.get("margin", {}))
    if margin.get("t", 50) > 20:  # room for the bigger title (a chart set without one keeps it)
        margin["t"] = int(max(margin.get("t", 50), 40) * 1.45)
    margin["b"] = int(margin.get("b", 50) * 1.2)
    layout["margin"] = margin
    if "height" in layout:
        layout["height"] = int(layout["height"] * 1.3)
    data = []
    for trace in spec.get("data", ()):
        trace = dict(trace)
        drawn = {
            "marker": "markers" in str(trace.get("mode", "")),
            "line": "lines" in str(trace.get("mode", "")),
        }
        for part, key, default in (("marker", "size", 6), ("line", "width", 2)):
            attrs = trace.get(part)
            if isinstance(attrs, dict) and (isinstance(attrs.get(key), int | float) or drawn[part]):
                trace[part] = {**attrs, key: _scaled(attrs.get(key), default)}
        if trace.get("type") == "heatmap" and isinstance(trace.get("colorbar"), dict):
            trace["colorbar"] = {**trace["colorbar"], "thickness": 18}
        data.append(trace)
    return {**spec, "data": data, "layout": layout}


class _Validated(go.Figure):
    """A spec already validated by Plotly (built by ``rnnviz.figures``, maybe cached as a dict).

    ``st.plotly_chart`` re-validates a dict (20 ms for a heatmap) but takes a Figure's
    ``to_dict()`` as it is; this hands it the spec without a second validation.
    """

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._rnnviz_spec = spec

    def to_dict(self) -> dict:
        return self._rnnviz_spec


def chart(
    fig: go.Figure | dict,
    key: str | None = None,
    on_select: Callable[[], None] | None = None,
    html: bool = True,
    name: str = "figure",
) -> None:
    """Draw a figure with our own colours (``theme=None``), PNG in its toolbar, and a button
    that downloads it as a self-contained interactive HTML file."""
    spec = fig.to_dict() if isinstance(fig, go.Figure) else fig
    if not spec.get("data"):  # a drawing made of shapes only: plotly wants one trace
        spec = {**spec, "data": [{"type": "scatter", "x": [], "y": [], "hoverinfo": "skip"}]}
    if st.session_state.get(Key.PROJECTOR):
        spec = _projector(spec)
    kwargs: dict[str, Any] = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": "points"}
    st.plotly_chart(_Validated(spec), theme=None, config=PLOTLY_CONFIG, key=key, **kwargs)
    if html:
        st.download_button(
            f"⬇ {t('download_html')}",
            functools.partial(_html, spec),
            file_name=f"rnnviz-{name}.html",
            mime="text/html",
            on_click="ignore",
            key=f"html_{key or name}",
            type="tertiary",
        )


COMPARE_HEATMAP_PX = 150  # Compare: each model's heatmap under its player, one projector screen


def sized(spec: dict, height: int, title: bool = True) -> dict:
    """A figure spec drawn ``height`` pixels tall, without its title if ``title`` is False
    (Compare fits two models' heatmaps under their players on one projector screen; the
    player above names the direction, the gate choice the quantity). The cached spec is not
    changed."""
    layout = {**spec.get("layout", {}), "height": height}
    if not title:
        layout.pop("title", None)
        layout["margin"] = {**layout.get("margin", {}), "t": 8}
    y = layout.get("yaxis", {})
    rows = max(1, height // 40)  # a short chart: fewer unit ticks, so they do not overlap
    if len(y.get("tickvals", ())) > rows:
        every = -(-len(y["tickvals"]) // rows)
        y = {**y, "tickvals": y["tickvals"][::every], "ticktext": y.get("ticktext", [])[::every]}
        layout["yaxis"] = y
    return {**spec, "layout": layout}


def _html(spec: dict) -> str:
    return figures.to_html(spec)


def _on_heatmap_click(chart_key: str, order: tuple[int, ...]) -> None:
    ss = st.session_state
    event = ss.get(chart_key)
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    if not points:
        return
    hit = figures.unit_at({"layout": {"meta": {"order": list(order)}}}, points[0])
    if hit is not None:
        ss[Key.UNIT], ss[Key.STEP] = hit


def heatmap_click(chart_key: str, order: Sequence[int]) -> Callable[[], None]:
    """``on_select`` callback of a heatmap: copy the clicked cell's unit and position into the
    selection (the chart's own state is lost when the figure changes)."""
    return functools.partial(_on_heatmap_click, chart_key, tuple(order))


def heatmap(spec: dict, key: str, unit: int | None, step: int | None) -> None:
    """A cached heatmap spec, with the selected unit and step outlined; clicks select a unit."""
    order = spec["layout"].get("meta", {}).get("order", [])
    chart(figures.mark(spec, unit, step), key=key, on_select=heatmap_click(key, order), name=key)


_LIVE_DRAWS = itertools.count()


def live_chart(slot: Any, fig: go.Figure) -> None:
    """Redraw a figure in an ``st.empty`` slot (live training curve), our colours.

    Each redraw gets its own key: two identical curves in one run (a report and the final
    drawing) would otherwise collide on Streamlit's auto-generated element id.
    """
    key = f"live_chart_{next(_LIVE_DRAWS)}"
    spec = fig.to_dict()
    if st.session_state.get(Key.PROJECTOR):  # the back row reads the curve too
        spec = _projector(spec)
    slot.plotly_chart(spec, theme=None, config=PLOTLY_CONFIG, key=key)
