"""From scratch: textbook NumPy equals PyTorch, the no-carry bug diverges, many-to-one is the
last step of many-to-many."""

from __future__ import annotations

import pytest

from rnnviz.analysis import scratch
from rnnviz.cells import CELLS


@pytest.mark.parametrize("cell", CELLS)
def test_textbook_equals_pytorch(cell):
    check = scratch.textbook_vs_pytorch(cell)
    assert check.ok and check.max_abs_diff <= 1e-5
    assert check.x.shape == (6, 3) and check.torch_h.shape == (6, 8)
    assert set(check.numpy) == set(CELLS[cell].quantities)
    assert check.source.lstrip().startswith("def ") and "for x_t in x:" in check.source


def test_wrong_cell():
    with pytest.raises(ValueError, match="cell must be"):
        scratch.textbook_vs_pytorch("transformer")


@pytest.mark.parametrize("cell", CELLS)
def test_no_carry_bug_diverges_after_the_first_step(cell):
    bug = scratch.no_carry_bug(cell)
    assert bug.correct.shape == bug.buggy.shape == (6, 8)
    assert bug.same_first_step
    assert bug.first_divergence is not None and bug.first_divergence >= 1
    assert bug.diff[bug.first_divergence] > scratch.DIVERGES
    assert (bug.diff[: bug.first_divergence] <= scratch.DIVERGES).all()
    assert "def layer_without_carry(" in bug.source
    for seed in range(5):  # robust: always diverges within the seed's six steps
        assert scratch.no_carry_bug(cell, seed=seed).first_divergence is not None


def test_only_a_cell_whose_gates_ignore_h_runs_as_a_parallel_scan():
    """Gates from x alone are the true gates only where the spec says the gates do not read
    h_{t-1}; there the parallel scan gives the loop's h to float32 rounding."""
    par = scratch.parallel_check(steps=64)
    assert par.rounds == 6 and set(par.gates_without_h) == set(CELLS)
    for name, spec in CELLS.items():
        if spec.reads_h:
            assert par.gates_without_h[name] > 1e-2, name
        else:
            assert par.gates_without_h[name] <= 1e-6, name
            assert par.scan_diff[name] <= 1e-5, name
    assert set(par.scan_diff) == {n for n, s in CELLS.items() if not s.reads_h} != set()


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
