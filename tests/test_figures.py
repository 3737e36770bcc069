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
from rnnviz.cells import CELLS


def small_module(name: str, layers: int = 1) -> torch.nn.Module:
    """A small random bidirectional module of a registered cell."""
    spec = CELLS[name]
    extra = {"nonlinearity": spec.nonlinearity} if spec.nonlinearity else {}
    return spec.module(6, 16, num_layers=layers, bidirectional=True, **extra)


@pytest.fixture(scope="module", params=list(CELLS))
def trace(request):
    torch.manual_seed(0)
    return trace_rnn(small_module(request.param), torch.randn(7, 6), tokens=list("我爱我的家。。"))


def test_heatmap_panels_share_the_token_axis_and_keep_repeats(trace) -> None:
    figs = F.heatmaps(trace, "h", 0, "variance")
    assert set(figs) == {"forward", "backward"}
    axes = [f["layout"]["xaxis"] for f in figs.values()]
    assert all(list(a["tickvals"]) == list(range(7)) for a in axes)
    assert all(list(a["ticktext"]) == list("我爱我的家。。") for a in axes)  # repeats stay separate
    orders = [f["layout"]["meta"]["order"] for f in figs.values()]
    assert orders[0] == orders[1]  # a row is the same unit in both directions


def test_heatmap_colour_range_is_fixed_and_values_exact(trace) -> None:
    gate = (trace.spec.sigmoid_gates or trace.names)[0]  # a sigmoid gate (i, r), or the RNN's h
    fig = go.Figure(F.heatmaps(trace, gate, 0, "index")["forward"])  # validates the plain spec
    heat = fig.data[0]
    assert heat.zmin == 0 and heat.zmax == F.SHADES and heat.hoverinfo == "skip"
    scale = trace.spec.style(gate).colorscale
    assert heat.colorscale == go.Heatmap(colorscale=scale).colorscale
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
        assert len(lines) == len(trace.spec.equations)
        h = trace.quantity(0, d, "h")[2, 3]
        assert f"\\mathbf{{{h:.2f}}}" in lines[-1]
    assert any("h_{t+1}" in line for line in F.equations(trace, 0, "backward", 2, 3))


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


def test_every_figure_of_every_cell_draws(trace) -> None:
    """A trace of any registered cell (LSTM, GRU, vanilla RNN) builds every figure the cell
    pages show: the registry, never a branch on the cell's name, decides what is drawn."""
    spec = trace.spec
    for d in trace.directions:
        cell = F.cell_diagram(trace, 0, d, 3, 5)
        texts = " ".join(a.text or "" for a in cell.layout.annotations)
        for gate in spec.gates:
            value = trace.quantity(0, d, gate)[3, 5]
            assert f"<b>{gate}</b><br>{value:.2f}" in texts
        prev = "t-1" if d == "forward" else "t+1"
        assert f"<sub>{prev}</sub>" in texts and "$prev" not in texts
        timeline = F.unit_timeline(trace, 0, d, 5, 3)
        assert [s.name for s in timeline.data] == list(trace.names)
        plain = F.unit_timeline(trace, 0, d, 5).to_dict()
        marked = F.at_step(plain, 3)
        assert marked["layout"]["shapes"][-1]["x0"] == 3 and not plain["layout"].get("shapes")
        go.Figure(marked)
        for q in trace.names:
            for fig in F.heatmaps(trace, q, 0, "variance").values():
                go.Figure(fig)
        F.unit_lines(trace, 5, 0, ("h",), 3)
    for mode in ("concat", "sum"):
        go.Figure(F.merged_heatmap(trace, mode))
    assert F.model_diagram(spec.name, True, 1, 6, 16, 4, "tagger").layout.annotations


def test_kept_written_legend_is_html_and_follows_the_direction(trace) -> None:
    for d, prev in (("forward", "t-1"), ("backward", "t+1")):
        names = [s.name for s in F.state_split(trace, 0, d, 2).data]
        assert not any("_{" in n for n in names), names  # no raw LaTeX-ish markup
        if trace.spec.kept_label != "0":
            assert f"<sub>{prev}</sub>" in names[0]


def test_equations_have_no_double_parentheses(trace) -> None:
    for step in range(trace.length):
        for unit in range(trace.hidden_size):
            for line in F.equations(trace, 0, "forward", step, unit):
                assert "((" not in line, line


def test_projector_scales_fonts_markers_and_lines(trace) -> None:
    from rnnviz.ui.charts import _projector

    cell = F.cell_diagram(trace, 0, "forward", 2, 3).to_dict()
    big = _projector(cell)
    sizes = [a["font"]["size"] for a in big["layout"]["annotations"]]
    assert min(sizes) >= 19  # the value labels (14 px) grow with the text
    assert cell["layout"]["annotations"][0]["font"].get("size", 13) < 19  # cached spec untouched
    timeline = _projector(F.unit_timeline(trace, 0, "forward", 3, 2).to_dict())
    assert all(d["line"]["width"] >= 2.7 for d in timeline["data"])
    assert all(d["marker"]["size"] >= 7.5 for d in timeline["data"])
    heat = _projector(F.heatmaps(trace, "h", 0, "index")["forward"])
    assert (
        heat["layout"]["yaxis"]["tickfont"]["size"] >= 19 and heat["layout"]["yaxis"]["automargin"]
    )
    assert heat["layout"]["margin"]["t"] > 50


def test_step_specs_are_the_figures_as_plain_dicts(trace) -> None:
    """The step page sends plain specs (no Plotly validation); they are valid Plotly and carry
    exactly the numbers of the validated figures."""

    def decoded(v):
        if isinstance(v, dict) and "bdata" in v:
            a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
            return a.reshape([int(n) for n in v["shape"].split(",")]) if "shape" in v else a
        return np.asarray(v)

    for d in trace.directions:
        pairs = (
            (F.gate_strips_spec(trace, 0, d, 2, 3), F.gate_strips(trace, 0, d, 2, 3)),
            (F.state_split_spec(trace, 0, d, 2), F.state_split(trace, 0, d, 2)),
            (F.cell_diagram_spec(trace, 0, d, 2, 3), F.cell_diagram(trace, 0, d, 2, 3)),
        )
        for fast, slow in pairs:
            go.Figure(fast)  # validates every property
            assert len(fast["data"]) == len(slow.data)
            for a, b in zip(fast["data"], slow.data, strict=True):
                for key in ("x", "y", "z"):
                    if a.get(key) is not None:
                        np.testing.assert_array_equal(decoded(a[key]), np.asarray(b[key]))
            assert fast["layout"]["title"]["text"] == slow.layout.title.text
            assert len(fast["layout"].get("annotations", [])) == len(slow.layout.annotations)


def test_sixty_tokens_write_at_most_thirty_labels_and_hover_keeps_every_token() -> None:
    """Issue 18: 60 token labels smeared into each other. The data axis keeps every position's
    token (Plotly's hover reads the tick texts) without writing them; an overlaid axis that
    follows it writes every second token, upright, at integer positions."""
    tokens = list("我爱我的家。" * 10)
    values = np.random.default_rng(0).random((60, 4)).astype(np.float32)
    spec = F.heatmap_panel(values, tokens, "h", "h")
    x, labels = spec["layout"]["xaxis"], spec["layout"]["xaxis2"]
    assert list(x["tickvals"]) == list(range(60)) and list(x["ticktext"]) == tokens
    assert x["showticklabels"] is False
    assert list(labels["tickvals"]) == list(range(0, 60, 2))
    assert list(labels["ticktext"]) == tokens[::2] and labels["tickangle"] == 0
    assert labels["matches"] == "x" and labels["overlaying"] == "x"
    go.Figure(spec)  # Plotly accepts it as it is
    short = F.heatmap_panel(values[:30], tokens[:30], "h", "h")["layout"]
    assert "xaxis2" not in short and list(short["xaxis"]["ticktext"]) == tokens[:30]
