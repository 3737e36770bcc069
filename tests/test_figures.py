"""Figures are semantic: fixed colour ranges, token axis, hover, click mapping, small payload."""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from rnnviz import STYLES, markup, trace_rnn
from rnnviz import figures as F
from rnnviz.analysis.decompose import split_scores


@pytest.fixture(scope="module", params=["lstm", "gru"])
def trace(request):
    torch.manual_seed(0)
    cell = torch.nn.LSTM if request.param == "lstm" else torch.nn.GRU
    rnn = cell(6, 16, bidirectional=True)
    return trace_rnn(rnn, torch.randn(7, 6), tokens=list("我爱我的家。。"))


def test_heatmap_panels_share_the_token_axis_and_keep_repeats(trace) -> None:
    figs = F.heatmaps(trace, "h", 0, "variance")
    assert set(figs) == {"forward", "backward"}
    axes = [f["layout"]["xaxis"] for f in figs.values()]
    assert all(list(a["tickvals"]) == list(range(7)) for a in axes)
    assert all(list(a["ticktext"]) == list("我爱我的家。。") for a in axes)  # repeats stay separate
    orders = [f["layout"]["meta"]["order"] for f in figs.values()]
    assert orders[0] == orders[1]  # a row is the same unit in both directions


def test_heatmap_colour_range_is_fixed_and_values_exact(trace) -> None:
    gate = trace.names[1]  # f (LSTM) or z (GRU): a sigmoid gate
    fig = go.Figure(F.heatmaps(trace, gate, 0, "index")["forward"])  # validates the plain spec
    heat = fig.data[0]
    assert heat.zmin == 0 and heat.zmax == F.SHADES and heat.hoverinfo == "skip"
    assert heat.colorscale == go.Heatmap(colorscale=STYLES[gate].colorscale).colorscale
    rows = fig.data[1:]
    assert len(rows) == 16
    values = trace.quantity(0, "forward", gate)
    color = fig.to_dict()["data"][4]["marker"]["color"]  # typed array: exact float32 values
    shown = np.frombuffer(base64.b64decode(color["bdata"]), dtype=color["dtype"])
    np.testing.assert_array_equal(shown, values[:, 3].astype(np.float32))
    template = fig.layout.template.data.scattergl[0].hovertemplate
    assert "%{x}" in template and "%{pointNumber}" in template and "%{marker.color" in template


def test_heatmap_spec_is_plain_and_valid(trace) -> None:
    """The spec is built without Plotly's validation; Plotly must accept it as it is."""
    spec = F.heatmaps(trace, "h", 0, "similarity")["backward"]
    assert isinstance(spec, dict) and spec["data"][0]["z"]["dtype"] == "u1"
    rebuilt = go.Figure(spec)  # raises if any attribute were invalid
    assert len(rebuilt.data) == 1 + trace.hidden_size


def test_quantised_colours_follow_the_fixed_range() -> None:
    style = STYLES["h"]
    q = F._quantise(np.array([-5.0, -1.0, 0.0, 1.0, 9.0]), style)
    assert q.tolist() == [0, 0, F.SHADES // 2, F.SHADES, F.SHADES]


def test_click_maps_back_to_unit_and_position(trace) -> None:
    spec = F.heatmaps(trace, "h", 0, "similarity")["forward"]
    order = spec["layout"]["meta"]["order"]
    assert F.unit_at(spec, {"x": 4, "y": 2}) == (order[2], 4)
    assert F.unit_at(spec, {"x": 4, "y": 99}) is None
    assert F.unit_at(spec, {}) is None
    marked = F.mark(spec, unit=order[5], step=3)
    assert marked["layout"]["shapes"][0]["y0"] == 4.5
    assert "shapes" not in spec["layout"] or not spec["layout"]["shapes"]  # cached spec untouched


def test_heatmap_payload_128_units_100_tokens_under_150kb() -> None:
    torch.manual_seed(0)
    trace = trace_rnn(torch.nn.LSTM(8, 128, bidirectional=True), torch.randn(100, 8))
    for order in ("index", "similarity"):
        for fig in F.heatmaps(trace, "c", 0, order).values():
            assert F.payload_bytes(fig) <= 150_000


def test_merged_heatmap_modes(trace) -> None:
    concat = F.merged_heatmap(trace, "concat")
    assert len(concat["data"]) == 1 + 32
    assert F.merged_heatmap(trace, "product")["layout"]["meta"]["order"] == list(range(16))


def test_step_figures_and_equations(trace) -> None:
    for d in trace.directions:
        assert F.cell_diagram(trace, 0, d, 2, 3).layout.shapes
        assert len(F.gate_strips(trace, 0, d, 2, 3).data) == len(trace.names)
        assert len(F.state_split(trace, 0, d, 2).data) == 3
        lines = F.equations(trace, 0, d, 2, 3)
        assert len(lines) == (6 if trace.cell == "lstm" else 4)
        h = trace.quantity(0, d, "h")[2, 3]
        assert f"\\mathbf{{{h:.2f}}}" in lines[-1]
    assert "h_{t+1}" in F.equations(trace, 0, "backward", 2, 3)[0]


def test_state_split_adds_up(trace) -> None:
    fig = F.state_split(trace, 0, "forward", 4)
    kept, written, new = (np.asarray(d.y, dtype=np.float64) for d in fig.data)
    np.testing.assert_allclose(kept + written, new, atol=1e-5)


def test_prediction_figures(trace) -> None:
    tokens, labels = trace.tokens, ["B", "M", "E", "S"]
    proba = np.full((7, 4), 0.25)
    assert F.label_probabilities(tokens, labels, proba).data[0].zmax == 1
    assert len(F.evolution_figure(tokens, labels, proba).data) == 4
    split = split_scores(trace.hidden(), np.ones((4, 32)), np.zeros(4), labels)
    assert len(F.score_split_figure(split, tokens, 2).data) == 4
    html = markup.tokens_html(["我", "<b>"], ["B", "E"], "cws", [False, True], 1)
    assert "&lt;b&gt;" in html and "unk" in html and "cur" in html


def test_html_download_is_self_contained(trace) -> None:
    html = F.to_html(F.legend_figure())
    assert "<html>" in html[:200] and "Plotly.newPlot" in html
    assert '<script src="http' not in html  # plotly.js is inlined: works offline
