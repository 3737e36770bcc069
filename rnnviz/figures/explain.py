"""Figures for the explainer: memory provenance, gate clamps, the vanishing gradient, from scratch.

Pure Plotly, no streamlit. Every builder takes ``lang`` (``"en"``/``"zh"``) and reads its labels
from :data:`rnnviz.i18n.STRINGS` in that language, never from the session's hidden language.
``scale`` multiplies every font size (projector mode). Colour ranges are fixed: contributions and
tanh-range values −1..1, differences of ``c`` −2..2; x axes are integer positions with token tick
labels, so repeated tokens never merge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .. import i18n
from ..analysis.clamps import ClampResult
from ..analysis.provenance import Provenance
from ..cells import CELLS
from ..schema import STYLES

FONT = "Inter, 'Source Sans Pro', 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"
# Okabe-Ito, one per registered cell in registry order (LSTM blue, GRU green, RNN vermillion, ...)
PALETTE = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def cell_colour(cell: str) -> str:
    """The line colour of a registered cell (grey for an unknown one)."""
    names = list(CELLS)
    return PALETTE[names.index(cell) % len(PALETTE)] if cell in names else "#999999"


SPAN_FILL = "rgba(230, 159, 0, 0.18)"  # the clamped span, shaded


def tr(key: str, lang: str, **fmt: object) -> str:
    """``STRINGS[key][lang]`` (English if missing), formatted with ``fmt``."""
    entry = i18n.STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text


def _direction(direction: str, lang: str) -> str:
    return tr(f"ex_{direction}", lang)


def _token_axis(
    tokens: Sequence[str],
    first: int = 0,
    start_label: str = "",
    start_after: bool = False,
    **extra: object,
) -> dict:
    """Integer positions ``first..T-1`` labelled with tokens (position ``-1``: ``start_label``;
    ``start_after``: one more position ``T`` labelled ``start_label``)."""
    vals = list(range(first, len(tokens) + int(start_after)))
    text = [tok if str(tok).strip() else "␣" for tok in tokens]
    return {
        "tickmode": "array",
        "tickvals": vals,
        "ticktext": [start_label if v < 0 or v >= len(tokens) else text[v] for v in vals],
        "range": [first - 0.5, vals[-1] + 0.5] if vals else [first - 0.5, first + 0.5],
        "tickangle": 0 if len(tokens) <= 40 else -90,
        "showgrid": False,
        "zeroline": False,
        **extra,
    }


def _wrap(title: str, width: int = 48) -> tuple[str, int]:
    """A long title broken after its first colon (Plotly never wraps): ``(text, lines)``.
    ``width`` counts a Chinese character as two."""
    wide = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in title)
    for colon in (":", "\uff1a"):
        head, sep, tail = title.partition(colon)
        if sep and wide > width and tail.strip():
            return f"{head}{sep}<br>{tail.strip()}", 2
    return title, 1


def _layout(fig: go.Figure, title: str, scale: float, height: int) -> go.Figure:
    title, lines = _wrap(title)
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15 * scale}},
        font={"family": FONT, "size": 13 * scale, "color": "#1b1b1b"},
        hoverlabel={"font": {"family": FONT, "size": 13 * scale}},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=int((height + 22 * (lines - 1)) * scale),
        margin={
            "l": int(70 * scale),
            "r": 20,
            "t": int((60 + 22 * (lines - 1)) * scale),
            "b": int(60 * scale),
        },
    )
    return fig


def provenance_heatmap(
    prov: Provenance, lang: str, unit: int | None = None, scale: float = 1.0
) -> go.Figure:
    """Token now (rows) × token written (columns) of one unit, plus a column for the initial state.

    ``prov`` holds one unit, or all units and ``unit`` picks one. Diverging −1..1 (a write is
    at most ±1 and gates only shrink it); tokens not yet read are blank.
    """
    matrix, init = prov.matrix, prov.init
    if matrix.ndim == 3:
        if unit is None:
            raise ValueError("this provenance holds every unit: pass unit=")
        matrix, init = matrix[unit], init[unit]
    else:
        unit = prov.unit if unit is None else unit
    steps = matrix.shape[0]
    if len(prov.tokens) != steps:
        raise ValueError(f"{len(prov.tokens)} tokens for a {steps}×{steps} provenance matrix")
    rows, cols = np.indices((steps, steps))
    unread = cols > rows if prov.direction == "forward" else cols < rows
    z = np.where(unread, np.nan, matrix).astype(np.float32)  # (T, T)
    # The initial state is read before the first token of its direction: the left column for
    # the forward direction, the right one for the backward direction (which starts at T-1).
    forward = prov.direction == "forward"
    column = init[:, None].astype(np.float32)
    z = np.concatenate([column, z] if forward else [z, column], axis=1)  # (T, 1 + T)
    reach = max(1.0, _peak(z))  # a write is at most ±1; widened only if the data says otherwise
    tokens = [str(tok) for tok in prov.tokens]
    start = tr("ex_initial_state", lang)
    cells = [f"{tok} ({s})" for s, tok in enumerate(tokens)]
    written = np.array([start, *cells] if forward else [*cells, start], dtype=object)
    now = np.array([f"{tok} ({t})" for t, tok in enumerate(tokens)], dtype=object)
    custom = np.stack(np.broadcast_arrays(written[None, :], now[:, None]), axis=-1)
    hover = (
        f"{tr('ex_written', lang)}: %{{customdata[0]}}<br>{tr('ex_now', lang)}: "
        f"%{{customdata[1]}}<br>{tr('ex_contribution', lang)}: %{{z:.4f}}<extra></extra>"
    )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=np.arange(-1, steps) if forward else np.arange(steps + 1),
            y=np.arange(steps),
            zmin=-reach,
            zmax=reach,
            zmid=0.0,
            colorscale=STYLES["h"].colorscale,
            customdata=custom,
            hovertemplate=hover,
            colorbar={"title": {"text": tr("ex_contribution", lang)}},
        )
    )
    fig.update_xaxes(
        **_token_axis(
            tokens,
            first=-1 if forward else 0,
            start_label=tr("ex_initial", lang),
            start_after=not forward,
        ),
        title={"text": tr("ex_written", lang)},
    )
    fig.update_yaxes(
        **_token_axis(tokens),
        title={"text": tr("ex_now", lang)},
    )
    fig.update_yaxes(range=[steps - 0.5, -0.5], tickangle=0)  # token 0 at the top
    title = tr(
        "ex_prov_title", lang, name=prov.name, unit=unit,
        direction=_direction(prov.direction, lang), layer=prov.layer,
    )  # fmt: skip
    return _layout(fig, title, scale, height=max(360, 40 + 18 * steps))


def _span_shapes(result: ClampResult, layer: int, direction: str, filled: bool) -> list[dict]:
    """The clamped spans of one layer and direction: shaded under lines, outlined over a
    heatmap (a fill would tint its colours)."""
    spans = {
        (c.start, c.end) for c in result.clamps if (c.layer, c.direction) == (layer, direction)
    }
    return [
        {
            "type": "rect", "xref": "x", "yref": "paper", "x0": a - 0.5, "x1": b + 0.5, "y0": 0,
            "y1": 1, "fillcolor": SPAN_FILL if filled else "rgba(0,0,0,0)",
            "line": {"color": "#E69F00", "width": 2}, "layer": "below" if filled else "above",
        }
        for a, b in sorted(spans)
    ]  # fmt: skip


def clamp_heatmap(
    result: ClampResult,
    layer: int,
    direction: str,
    name: str,
    lang: str,
    scale: float = 1.0,
) -> go.Figure:
    """Units × tokens of ``Δname`` (clamped − original), diverging PuOr on a fixed range
    (±2 for ``c``, ±1 otherwise); the clamped spans of this layer and direction outlined."""
    delta = result.delta(layer, direction, name)  # (T, units)
    steps, units = delta.shape
    r = max(2.0 if name == "c" else 1.0, _peak(delta))  # fixed, widened only to fit the data
    tokens = [str(tok) for tok in result.tokens]
    hover_tok = np.tile(np.array(tokens, dtype=object), (units, 1))
    hover = (
        f"{tr('ex_token', lang)}: %{{customdata}} (%{{x}})<br>{tr('ex_unit', lang)}: %{{y}}"
        f"<br>Δ{name} = %{{z:.4f}}<extra></extra>"
    )
    fig = go.Figure(
        go.Heatmap(
            z=delta.T.astype(np.float32),
            x=np.arange(steps),
            y=np.arange(units),
            zmin=-r,
            zmax=r,
            zmid=0.0,
            colorscale=STYLES["diff"].colorscale,
            customdata=hover_tok,
            hovertemplate=hover,
            colorbar={"title": {"text": f"Δ{name}"}},
        )
    )
    fig.update_xaxes(**_token_axis(tokens), title={"text": tr("ex_token", lang)})
    fig.update_yaxes(autorange="reversed", title={"text": tr("ex_unit", lang)})
    fig.update_layout(shapes=_span_shapes(result, layer % _layers(result), direction, False))
    title = tr(
        "ex_clamp_title", lang, name=name, direction=_direction(direction, lang),
        layer=layer % _layers(result),
    )  # fmt: skip
    return _layout(fig, title, scale, height=max(300, 80 + 6 * units))


def _peak(values: np.ndarray) -> float:
    """Largest finite |value| (0 for none): a fixed colour range widens to it, never clips it."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


def _layers(result: ClampResult) -> int:
    return 1 + max(k[0] for k in result.arrays)


def clamp_lines(
    result: ClampResult,
    layer: int,
    direction: str,
    name: str,
    units: Sequence[int],
    lang: str,
    scale: float = 1.0,
) -> go.Figure:
    """``name`` of a few units over the tokens: original (dashed) and clamped (solid)."""
    new, old = (
        result.quantity(layer, direction, name),
        result.original[(layer % _layers(result), direction, name)],
    )
    tokens = [str(tok) for tok in result.tokens]
    steps = len(tokens)
    palette = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#999999")
    fig = go.Figure()
    for k, u in enumerate(units):
        colour = palette[k % len(palette)]
        for values, dash, label in ((old, "dash", "ex_original"), (new, "solid", "ex_clamped")):
            fig.add_trace(
                go.Scatter(
                    x=np.arange(steps),
                    y=values[:, u].astype(np.float32),
                    mode="lines+markers",
                    line={"color": colour, "dash": dash},
                    name=f"{name}[{u}] {tr(label, lang)}",
                    customdata=np.array(tokens, dtype=object),
                    hovertemplate=f"{tr('ex_token', lang)}: %{{customdata}} (%{{x}})<br>"
                    f"{name}[{u}] = %{{y:.4f}}<extra>{tr(label, lang)}</extra>",
                )
            )
    fig.update_xaxes(**_token_axis(tokens), title={"text": tr("ex_token", lang)})
    lo, hi = (-2.0, 2.0) if name == "c" else ((0.0, 1.0) if name in "ifozr" else (-1.0, 1.0))
    bottom = min(lo, float(np.nanmin([new[:, list(units)].min(), old[:, list(units)].min()])))
    top = max(hi, float(np.nanmax([new[:, list(units)].max(), old[:, list(units)].max()])))
    fig.update_yaxes(range=[bottom - 0.05, top + 0.05], title={"text": tr("ex_value", lang)})
    fig.update_layout(shapes=_span_shapes(result, layer % _layers(result), direction, True))
    title = tr(
        "ex_clamp_lines_title", lang, name=name, direction=_direction(direction, lang),
        layer=layer % _layers(result),
    )  # fmt: skip
    return _layout(fig, title, scale, height=360)


def prediction_delta(
    before: np.ndarray,
    after: np.ndarray,
    tokens: Sequence[str],
    labels: Sequence[str],
    lang: str,
    scale: float = 1.0,
) -> go.Figure:
    """Labels × tokens of ``after − before`` probabilities ``(T, labels)``, fixed −1..1."""
    if before.shape != after.shape or before.shape != (len(tokens), len(labels)):
        raise ValueError(
            f"probabilities {before.shape} / {after.shape} do not match {len(tokens)} tokens × "
            f"{len(labels)} labels"
        )
    tokens = [str(tok) for tok in tokens]
    delta = (after - before).T.astype(np.float32)  # (labels, T)
    hover = (
        f"{tr('ex_token', lang)}: %{{customdata}} (%{{x}})<br>{tr('ex_label', lang)}: %{{y}}"
        f"<br>{tr('ex_prob_delta', lang)} = %{{z:+.4f}}<extra></extra>"
    )
    fig = go.Figure(
        go.Heatmap(
            z=delta,
            x=np.arange(len(tokens)),
            y=[i18n.label_name(str(label), lang) for label in labels],
            zmin=-1.0,
            zmax=1.0,
            zmid=0.0,
            colorscale=STYLES["diff"].colorscale,
            customdata=np.tile(np.array(tokens, dtype=object), (len(labels), 1)),
            hovertemplate=hover,
            colorbar={"title": {"text": tr("ex_prob_delta", lang)}},
        )
    )
    fig.update_xaxes(**_token_axis(tokens), title={"text": tr("ex_token", lang)})
    fig.update_yaxes(title={"text": tr("ex_label", lang)}, type="category")
    return _layout(fig, tr("ex_pred_title", lang), scale, height=max(260, 120 + 22 * len(labels)))


def gradient_curves(
    curves: Mapping[str, np.ndarray],
    lang: str,
    tokens: Sequence[str] | None = None,
    scale: float = 1.0,
    direction: str | None = None,
) -> go.Figure:
    """``‖∂h_T/∂h_t‖`` over ``t`` for each cell (keys: registry names), log y axis.

    ``direction`` (a model's own curve): ``h_T`` is the last state that direction read (token 0
    for the backward one), and the title names the direction, so two charts never share one."""
    steps = {len(v) for v in curves.values()}
    if len(steps) != 1:
        raise ValueError(f"curves have different lengths {sorted(steps)}")
    (n,) = steps
    if tokens is not None and len(tokens) != n:
        raise ValueError(f"{len(tokens)} tokens for curves of {n} steps")
    last = "T" if direction is None else "last"
    norm = f"‖∂h<sub>{last}</sub>/∂h<sub>t</sub>‖"
    fig = go.Figure()
    for cell, values in curves.items():
        label = (
            tr(f"ex_cell_{cell}", lang)
            if f"ex_cell_{cell}" in i18n.STRINGS
            else (CELLS[cell].title if cell in CELLS else cell)
        )
        y = np.maximum(np.asarray(values, dtype=np.float64), 1e-300)
        fig.add_trace(
            go.Scatter(
                x=np.arange(n),
                y=y,
                mode="lines",
                name=label,
                line={"color": cell_colour(cell), "width": 2.5 * scale},
                hovertemplate=f"{label}<br>{tr('ex_step', lang)} %{{x}}<br>"
                f"{norm} = %{{y:.3e}}<extra></extra>",
            )
        )
    axis = _token_axis(list(tokens)) if tokens is not None else {"range": [0, n - 1]}
    fig.update_xaxes(**axis, title={"text": tr("ex_grad_x", lang)})
    fig.update_yaxes(
        type="log", title={"text": tr("ex_grad_y", lang, norm=norm)}, exponentformat="power"
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    title = (
        tr("ex_grad_title", lang)
        if direction is None
        else tr("ex_grad_title_dir", lang, direction=_direction(direction, lang))
    )
    return _layout(fig, title, scale, height=420)
