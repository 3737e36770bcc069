"""Saliency over time: gradient norms proven against finite differences and causality."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from shipped import shipped_model

from rnnviz.analysis.saliency import saliency
from rnnviz.custom import build_random


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_forward_only_model_never_looks_ahead(cell: str) -> None:
    m = build_random(cell, 12, input_size=5, vocab=list("abcdef"), n_labels=3, seed=1)
    s = saliency(m, "abcdefabc")
    assert s.matrix.shape == (9, 9)
    assert np.abs(np.triu(s.matrix, 1)).max() == 0
    assert (np.diag(s.matrix) > 0).all()
    back, ahead = s.reach()
    assert (ahead == 0).all() and (back <= np.arange(9)).all()
    assert s.mean_distance()[1] == 0


def test_bidirectional_model_looks_both_ways() -> None:
    m = build_random("gru", 12, input_size=5, bidirectional=True, vocab=list("abcdef"), n_labels=3)
    s = saliency(m, "abcdefabc")
    assert np.triu(s.matrix, 1).max() > 0 and np.tril(s.matrix, -1).max() > 0
    np.testing.assert_allclose(s.normalised().sum(1), 1, atol=1e-5)


def test_matches_finite_differences() -> None:
    m = build_random("lstm", 6, input_size=3, bidirectional=True, vocab=list("abc"), n_labels=2)
    text = "abcab"
    s = saliency(m, text, label="1")
    x = m.inputs(text).double()
    w, b = (torch.as_tensor(a).double() for a in m.head())
    rnn = m.rnn.double()
    eps = 1e-6
    try:
        for t in range(len(text)):
            for src in range(len(text)):
                g = np.zeros(3)
                for e in range(3):
                    xp, xm = x.clone(), x.clone()
                    xp[src, e] += eps
                    xm[src, e] -= eps
                    with torch.no_grad():
                        fp = (rnn(xp)[0] @ w.T + b)[t, 1]
                        fm = (rnn(xm)[0] @ w.T + b)[t, 1]
                    g[e] = float(fp - fm) / (2 * eps)
                assert abs(np.linalg.norm(g) - s.matrix[t, src]) < 1e-4
    finally:
        rnn.float()


def test_bad_label_and_empty_text() -> None:
    m = build_random("lstm", 4, input_size=3, vocab=list("ab"), n_labels=2)
    with pytest.raises(ValueError, match="label"):
        saliency(m, "ab", label="nope")
    with pytest.raises(ValueError):
        saliency(m, "")


def test_shipped_models_gradients_are_causal_and_finite() -> None:
    m = shipped_model("cws")
    text = m.examples[0][:30]
    s = saliency(m, text)
    assert np.isfinite(s.matrix).all() and s.matrix.shape == (len(s.tokens),) * 2
    if not m.rnn.bidirectional:
        assert np.abs(np.triu(s.matrix, 1)).max() == 0
