"""From scratch: textbook NumPy equals PyTorch, the no-carry bug diverges, many-to-one is the
last step of many-to-many."""

from __future__ import annotations

import pytest
import torch

from rnnviz.analysis import scratch

torch.set_num_threads(1)  # tiny per-step ops: threads only contend on a shared machine


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_textbook_equals_pytorch(cell):
    check = scratch.textbook_vs_pytorch(cell)
    assert check.ok and check.max_abs_diff <= 1e-5
    assert check.x.shape == (6, 3) and check.torch_h.shape == (6, 8)
    assert set(check.numpy) == (set("rznh") if cell == "gru" else set("ifgoch"))
    name = "gru_layer" if cell == "gru" else "lstm_layer"
    assert check.source.startswith(f"def {name}(") and "np.tanh" in check.source


def test_wrong_cell():
    with pytest.raises(ValueError, match="cell must be"):
        scratch.textbook_vs_pytorch("rnn")


def test_no_carry_bug_diverges_after_the_first_step():
    bug = scratch.no_carry_bug()
    assert bug.correct.shape == bug.buggy.shape == (6, 8)
    assert bug.same_first_step
    assert bug.first_divergence is not None and bug.first_divergence >= 1
    assert bug.diff[bug.first_divergence] > scratch.DIVERGES
    assert (bug.diff[: bug.first_divergence] <= scratch.DIVERGES).all()
    assert "def gru_layer_without_carry(" in bug.source
    for seed in range(5):  # robust: always diverges within the seed's six steps
        assert scratch.no_carry_bug(seed=seed).first_divergence is not None


def test_many_to_many_vs_many_to_one():
    r = scratch.many_to_many_vs_one()
    assert r.shapes == {
        "x": (10, 6, 3),
        "out": (10, 6, 8),
        "h_n": (1, 10, 8),
        "many_to_many": (10, 6, 2),
        "many_to_one": (10, 2),
    }
    assert r.max_abs_diff_last <= 1e-6
    assert "head(out)" in r.sources["many_to_many"]
    assert "h_n[-1]" in r.sources["many_to_one"]
