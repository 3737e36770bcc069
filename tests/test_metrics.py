"""Word F1, entity F1 and accuracy on hand-checked cases."""

import pytest

from rnnviz import metrics


def test_word_prf_counts_matching_spans() -> None:
    prf = metrics.word_prf([["中国", "人民"]], [["中", "国", "人民"]])
    assert (prf.correct, prf.predicted, prf.gold) == (1, 3, 2)
    assert prf.f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))


def test_word_prf_rejects_different_text() -> None:
    with pytest.raises(ValueError, match="same characters"):
        metrics.word_prf([["中国"]], [["中华"]])


def test_entity_spans_drop_ill_formed() -> None:
    labels = ["B-PER", "E-PER", "O", "S-LOC", "B-ORG", "E-LOC", "M-PER", "E-PER"]
    assert metrics.entity_spans(labels) == {(0, 2, "PER"), (3, 4, "LOC")}


def test_entity_prf_per_type() -> None:
    gold = [["B-PER", "E-PER", "S-LOC"]]
    pred = [["B-PER", "E-PER", "S-ORG"]]
    assert metrics.entity_prf(gold, pred).f1 == pytest.approx(0.5)
    assert metrics.entity_prf(gold, pred, "PER").f1 == 1.0
    assert metrics.entity_prf(gold, pred, "LOC").recall == 0.0


def test_accuracies() -> None:
    assert metrics.accuracy([["a", "b"], ["c"]], [["a", "x"], ["c"]]) == pytest.approx(2 / 3)
    assert metrics.sequence_accuracy([["a", "b"], ["c"]], [["a", "x"], ["c"]]) == 0.5
    with pytest.raises(ValueError):
        metrics.accuracy([["a"]], [["a", "b"]])
