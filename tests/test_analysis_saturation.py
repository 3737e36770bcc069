"""Gate saturation fractions from the cached histograms equal direct counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnviz.analysis import saturation as Z
from rnnviz.analysis import search as S
from rnnviz.custom import build_random


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_fractions_equal_direct_counts(cell: str, tmp_path: Path) -> None:
    c = S.counting_corpus(n=40, max_len=30)
    m = build_random(cell, 6, input_size=3, bidirectional=True, vocab=["<unk>", "(", ")"], seed=4)
    idx = S.build_index(m, c, tmp_path)
    table = Z.saturation_table(idx, low=0.3, high=0.6)
    gates = ("i", "f", "o") if cell == "lstm" else ("r", "z")
    assert set(table["gate"]) == set(gates) and len(table) == 2 * len(gates) * 6
    traces = [m.trace("".join(s)) for s in c.sentences]
    for gate in gates:
        v = np.concatenate([t.quantity(0, "backward", gate) for t in traces])  # (N, 6)
        rows = table[(table["gate"] == gate) & (table["direction"] == "backward")]
        np.testing.assert_allclose(rows["left"], (v < 0.3).mean(0), atol=2e-3)
        np.testing.assert_allclose(rows["right"], (v >= 0.6).mean(0), atol=2e-3)
    s = Z.summary(table)
    assert len(s) == 2 * len(gates) and (s["units"] == 6).all()


def test_bad_thresholds() -> None:
    with pytest.raises(ValueError, match="low"):
        Z.fractions(np.ones((2, 100)), 0.8, 0.2)
