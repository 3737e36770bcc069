"""What if: alignment of edited token sequences and token-aligned trace differences."""

from __future__ import annotations

import numpy as np
import pytest
from shipped import shipped_model

from rnnviz.analysis.whatif import align, apply_edit, compare, join_tokens, what_if
from rnnviz.custom import build_random


def test_apply_edit_and_join() -> None:
    toks = list("今天天气")
    assert apply_edit(toks, "replace", 1, "明") == list("今明天气")
    assert apply_edit(toks, "delete", 0) == list("天天气")
    assert apply_edit(toks, "insert", 4, "好") == list("今天天气好")
    assert join_tokens(["a", "b"], "x y", ["x", "y"]) == "a b"
    assert join_tokens(["今", "日"], "今天", ["今", "天"]) == "今日"
    with pytest.raises(ValueError, match="position"):
        apply_edit(toks, "delete", 4)
    with pytest.raises(ValueError, match="needs a token"):
        apply_edit(toks, "replace", 0)


def test_align_pairs_equal_tokens_and_marks_missing() -> None:
    assert align("abc", "aXc") == [(0, 0), (1, 1), (2, 2)]
    assert align("abcd", "acd") == [(0, 0), (1, None), (2, 1), (3, 2)]
    assert align("acd", "abcd") == [(0, 0), (None, 1), (1, 2), (2, 3)]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_forward_differences_are_zero_before_the_edit_backward_after(cell: str) -> None:
    m = build_random(cell, 16, input_size=4, bidirectional=True, vocab=list("abcdefgX"), n_labels=3)
    comp, pred = what_if(m, "abcdefg", "abcXefg")
    assert comp.labels[3] == "d→X" and comp.changed() == [3]
    for name in comp.before.names:
        fwd = comp.diff(0, "forward", name)
        bwd = comp.diff(0, "backward", name)
        assert np.abs(fwd[:3]).max() == 0  # the forward pass has not seen the edit yet
        assert np.abs(bwd[4:]).max() == 0  # nor has the backward pass after it
    assert np.abs(comp.diff(0, "forward", "h")[3:]).max() > 0
    assert comp.reach(0, "forward") == 3
    assert list(pred.columns[:3]) == ["column", "token", "label_before"]
    assert len(pred) == 7 and pred["flipped"].dtype == bool


def test_deletion_leaves_nan_column_and_equal_prefix() -> None:
    m = build_random("lstm", 8, input_size=4, vocab=list("abcdef"))
    comp = compare(m.trace("abcdef"), m.trace("abdef"))
    d = comp.diff(0, "forward", "c")
    assert d.shape == (6, 8) and np.isnan(d[2]).all() and np.abs(d[:2]).max() == 0
    assert comp.labels[2] == "−c"
    summary = comp.summary()
    assert set(summary["quantity"]) == set("ifgoch") and (summary["max_abs_change"] > 0).all()


def test_shipped_model_edit_changes_prediction_table() -> None:
    m = shipped_model("cws")
    text = m.examples[0][:20]
    toks = m.tokenize(text)
    after = join_tokens(apply_edit(toks, "replace", 1, "的"), text, toks)
    comp, pred = what_if(m, text, after)
    assert len(pred) == len(toks) == len(comp.pairs)
    assert pred["p_before"].between(0, 1).all() and pred["p_after"].between(0, 1).all()
    layer = comp.before.num_layers - 1
    assert np.nanmax(np.abs(comp.diff(layer, "forward", "h"))) > 0


def test_what_if_runs_the_model_once_per_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each sentence makes one Run (one trace, the head on it); nothing else calls the model."""
    from rnnviz.models import base

    m = build_random("gru", 8, input_size=4, vocab=list("abcdX"), n_labels=3)
    calls = []
    real = base.trace_rnn
    monkeypatch.setattr(base, "trace_rnn", lambda *a, **k: calls.append(1) or real(*a, **k))
    for method in ("trace", "predict_proba", "predict", "scores"):
        monkeypatch.setattr(
            type(m), method, lambda *a, **k: pytest.fail("the model ran outside run()")
        )
    comp, pred = what_if(m, "abcd", "abXd")
    assert len(calls) == 2 and comp.changed() == [2]
    before, after = base.run(m, "abcd"), base.run(m, "abXd")
    np.testing.assert_array_equal(pred["p_before"], before.proba.max(axis=1))
    np.testing.assert_array_equal(pred["p_after"], after.proba.max(axis=1))


def test_a_flipped_label_is_visible_even_when_the_bars_are_equal() -> None:
    from rnnviz.figures import analysis as af

    p = np.array([0.6, 0.7], dtype=np.float32)
    fig = af.change_bars(
        p, p, ["a", "b→c"], labels=(["positive", "positive"], ["positive", "negative"]), lang="zh"
    )
    before, after = fig.data
    assert list(after.marker.pattern.shape) == ["", "/"]  # only the flipped column is hatched
    assert list(after.text) == ["", "负面"] and list(before.text) == ["", "正面"]
    assert after.marker.line.color[1] != after.marker.line.color[0]
    plain = af.change_bars(p, p, ["a", "b"])
    assert not any(plain.data[1].text or [])
