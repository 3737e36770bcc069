"""Figures of From scratch: the textbook NumPy cell against PyTorch, and the no-carry bug.

Pure Plotly, no streamlit; labels in ``lang`` as in :mod:`rnnviz.figures.explain`.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..analysis.scratch import NoCarry, TextbookCheck
from .explain import _layout, tr


def scratch_table(check: TextbookCheck, lang: str, units: int = 4, scale: float = 1.0) -> go.Figure:
    """A table: per step, NumPy's and PyTorch's ``h`` (first ``units`` units) and the largest
    |difference|, with the verdict in the title."""
    ours, theirs = check.numpy["h"], check.torch_h  # (T, H)
    k = min(units, ours.shape[1])

    def fmt(row: np.ndarray) -> str:
        return " ".join(f"{v:+.4f}" for v in row[:k])

    diff = np.abs(ours - theirs).max(axis=1)
    header = [
        tr("ex_step", lang),
        tr("ex_numpy", lang),
        tr("ex_pytorch", lang),
        tr("ex_abs_diff", lang),
    ]
    cells = [
        list(range(len(ours))),
        [fmt(r) for r in ours],
        [fmt(r) for r in theirs],
        [f"{d:.1e}" for d in diff],
    ]
    fig = go.Figure(
        go.Table(
            header={"values": header, "font": {"size": 13 * scale}, "fill": {"color": "#eef2f5"}},
            cells={"values": cells, "font": {"size": 13 * scale, "family": "monospace"}},
            columnwidth=[0.6, 3, 3, 1.4],
        )
    )
    verdict = tr("ex_equal" if check.ok else "ex_not_equal", lang)
    title = tr("ex_scratch_title", lang, cell=check.cell.upper(), last=k - 1) + " · " + verdict
    return _layout(fig, title, scale, height=80 + 32 * (len(ours) + 1))


def no_carry_figure(bug: NoCarry, lang: str, scale: float = 1.0) -> go.Figure:
    """Max |correct − buggy| of ``h`` per step, the first divergence marked."""
    n = len(bug.diff)
    fig = go.Figure(
        go.Bar(
            x=np.arange(n),
            y=bug.diff.astype(np.float32),
            marker={"color": ["#999999" if d == 0 else "#D55E00" for d in bug.diff]},
            hovertemplate=f"{tr('ex_step', lang)} %{{x}}<br>{tr('ex_abs_diff', lang)} = "
            "%{y:.4f}<extra></extra>",
        )
    )
    if bug.first_divergence is not None:
        fig.add_annotation(
            x=bug.first_divergence, y=float(bug.diff[bug.first_divergence]),
            text=tr("ex_diverges", lang), showarrow=True, arrowhead=2,
            font={"size": 13 * scale},
        )  # fmt: skip
    fig.update_xaxes(title={"text": tr("ex_step", lang)}, tickmode="linear", dtick=1)
    fig.update_yaxes(title={"text": tr("ex_abs_diff", lang)}, rangemode="tozero")
    return _layout(fig, tr("ex_nocarry_title", lang), scale, height=320)
