"""Explainer figures build for LSTM and GRU traces in both languages, with translated labels."""

from __future__ import annotations

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from torch import nn

from rnnviz import i18n, trace_rnn
from rnnviz.analysis import scratch
from rnnviz.analysis.clamps import Clamp, clamp, probabilities
from rnnviz.analysis.gradients import compare_cells
from rnnviz.analysis.provenance import provenance
from rnnviz.cells import CELLS
from rnnviz.figures import explain as ef
from rnnviz.figures import scratch as sf

TOKENS = ["我", "们", "的", "的", "好", "x", " ", "好"]  # repeated tokens must not merge
EX_KEYS = [k for k in i18n.STRINGS if k.startswith("ex_")]


def _setup(cls):
    torch.manual_seed(0)
    rnn = cls(4, 5, num_layers=2, bidirectional=True)
    x = torch.randn(len(TOKENS), 4)
    return rnn, x, trace_rnn(rnn, x, tokens=TOKENS)


def _strings(node: object) -> list[str]:
    """Every string value (not key) of a figure's JSON: titles, names, hover, ticks, cells."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, (list, tuple)):
        return [s for v in node for s in _strings(v)]
    return []


def _english_left(fig: go.Figure) -> list[str]:
    """English fragments of the explainer's strings (those that differ in 中文) in a figure."""
    text = "\n".join(_strings(json.loads(fig.to_json())))
    found = []
    for key in EX_KEYS:
        en, zh = i18n.STRINGS[key]["en"], i18n.STRINGS[key]["zh"]
        for part in re.split(r"\{[^}]*\}", en):
            words = part.strip(" ,:()[]·")
            english = len(words) > 3 and words not in zh and re.search(r"[A-Za-z]{3}", words)
            if english and re.search(rf"\b{re.escape(words)}\b", text):
                found.append(words)
    return found


def _figures(cls):
    rnn, x, tr = _setup(cls)
    gate = "f" if cls is nn.LSTM else "z"
    res = clamp(rnn, x, tr, [Clamp(0, "forward", gate, (0, 1), 2, 4, 1.0)])
    w = np.random.default_rng(0).normal(size=(3, 10))
    before, after = probabilities(res, w, np.zeros(3))
    out = {}
    for lang in ("en", "zh"):
        out[lang] = [
            ef.provenance_heatmap(provenance(tr, 0, "forward", 2), lang),
            ef.provenance_heatmap(provenance(tr, 1, "backward"), lang, unit=3, scale=1.5),
            ef.clamp_heatmap(res, 0, "forward", tr.names[-1], lang),
            ef.clamp_lines(res, 0, "forward", "h", (0, 1), lang),
            ef.prediction_delta(before, after, TOKENS, ["甲", "B", "C"], lang),
        ]
    return out


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_figures_build_in_both_languages(cls):
    figs = _figures(cls)
    for lang, built in figs.items():
        for fig in built:
            assert isinstance(fig, go.Figure)
            fig.to_json()  # serialisable
            if lang == "zh":
                assert _english_left(fig) == [], fig.layout.title.text
    en, zh = figs["en"][0], figs["zh"][0]
    assert "token written" in _english_left(en)  # the scan does find English
    assert en.layout.xaxis.title.text == "token written"
    assert zh.layout.xaxis.title.text == "写入时的字词"
    assert zh.layout.yaxis.title.text == "当前字词"


def test_provenance_heatmap_layout():
    _, _, tr = _setup(nn.LSTM)
    p = provenance(tr, 0, "backward", 1)
    fig = ef.provenance_heatmap(p, "en")
    hm = fig.data[0]
    z = np.asarray(hm.z)
    assert z.shape == (len(TOKENS), len(TOKENS) + 1)  # + the initial-state column
    assert (hm.zmin, hm.zmax, hm.colorscale is not None) == (-1.0, 1.0, True)
    np.testing.assert_allclose(np.nansum(z, axis=1), tr.quantity(0, "backward", "c")[:, 1],
                               atol=1e-5)  # fmt: skip
    assert np.isnan(z[3, :3]).all() and not np.isnan(z[3, 3:]).any()  # backward: s ≥ t only
    # the backward direction starts at the right end: its initial state is the right column
    assert list(fig.layout.xaxis.tickvals) == list(range(len(TOKENS) + 1))
    assert list(fig.layout.xaxis.ticktext)[:-1] == [t if t.strip() else "␣" for t in TOKENS]
    assert fig.layout.xaxis.ticktext[-1] == i18n.STRINGS["ex_initial"]["en"]
    forward = ef.provenance_heatmap(provenance(tr, 0, "forward", 1), "en")
    assert list(forward.layout.xaxis.tickvals) == list(range(-1, len(TOKENS)))
    assert "contribution" in hm.hovertemplate and "token written" in hm.hovertemplate
    with pytest.raises(ValueError, match="unit="):
        ef.provenance_heatmap(provenance(tr, 0, "forward"), "en")


def test_clamp_figures_show_the_span():
    rnn, x, tr = _setup(nn.LSTM)
    res = clamp(rnn, x, tr, [Clamp(1, "backward", "i", (0,), 3, 5, 0.0)])
    fig = ef.clamp_heatmap(res, 1, "backward", "c", "en")
    (shape,) = fig.layout.shapes
    assert (shape.x0, shape.x1) == (2.5, 5.5)
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-2.0, 2.0)
    assert fig.data[0].colorscale is not None
    lines = ef.clamp_lines(res, 1, "backward", "c", (0,), "zh")
    assert len(lines.data) == 2 and "原始" in lines.data[0].name
    assert not ef.clamp_heatmap(res, 0, "forward", "h", "en").layout.shapes


def test_gradient_curves_are_log_and_translated():
    curves = compare_cells(steps=20, hidden=8)
    en = ef.gradient_curves(curves, "en")
    zh = ef.gradient_curves(curves, "zh", scale=1.5)
    assert en.layout.yaxis.type == "log"
    assert [d.name for d in en.data] == [i18n.STRINGS[f"ex_cell_{c}"]["en"] for c in CELLS]
    assert [d.name for d in zh.data] == [i18n.STRINGS[f"ex_cell_{c}"]["zh"] for c in CELLS]
    assert en.data[list(CELLS).index("rnn")].name == "vanilla RNN (tanh)"
    assert _english_left(zh) == []
    assert zh.layout.font.size == pytest.approx(13 * 1.5)
    with pytest.raises(ValueError, match="tokens"):
        ef.gradient_curves(curves, "en", tokens=["a"])


def test_scratch_figures():
    for lang in ("en", "zh"):
        t = sf.scratch_table(scratch.textbook_vs_pytorch("lstm"), lang)
        b = sf.no_carry_figure(scratch.no_carry_bug("gru"), lang)
        if lang == "zh":
            assert _english_left(t) == [] and _english_left(b) == []
            assert "✓ 相等" in t.layout.title.text
        else:
            assert "✓ equal" in t.layout.title.text
        assert len(b.layout.annotations) == 1


def test_shipped_model_figures():
    from rnnviz import models

    m = models.load("count-lstm")
    text = "((()))(()"
    tr = m.trace(text)
    fig = ef.provenance_heatmap(provenance(tr, 0, "forward"), "zh", unit=0)
    assert list(fig.layout.yaxis.ticktext) == list(tr.tokens)
    res = clamp(m.rnn, m.inputs(text), tr, [Clamp(0, "forward", "f", (0, 1), 2, 3, 0.0)])
    before, after = probabilities(res, *m.head())
    ef.prediction_delta(before, after, tr.tokens, m.labels, "zh").to_json()
