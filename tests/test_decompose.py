"""The score split is exact, and the classifier's evolution ends at its prediction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnviz import trace_rnn
from rnnviz.analysis.decompose import evolution, softmax, split_scores
from rnnviz.analysis.ordering import unit_order


@pytest.mark.parametrize("cell", [torch.nn.LSTM, torch.nn.GRU])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_split_is_exact(cell, bidirectional) -> None:
    torch.manual_seed(0)
    rnn = cell(5, 7, bidirectional=bidirectional)
    head = torch.nn.Linear(7 * (2 if bidirectional else 1), 4)
    x = torch.randn(9, 5)
    trace = trace_rnn(rnn, x)
    weight, bias = head.weight.detach().numpy(), head.bias.detach().numpy()
    split = split_scores(trace.hidden(), weight, bias, list("BMES"), len(trace.directions))
    expected = head(rnn(x)[0]).detach().numpy()  # (T, 4)
    np.testing.assert_allclose(split.total, expected, atol=1e-5)
    np.testing.assert_allclose(split.forward + split.backward + split.bias, split.total)
    if bidirectional:
        fwd = trace.quantity(0, "forward", "h") @ weight[:, :7].T
        np.testing.assert_allclose(split.forward, fwd, atol=1e-6)
    else:
        assert not split.backward.any()


def test_split_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="same D\\*H"):
        split_scores(np.zeros((3, 4)), np.zeros((2, 6)), np.zeros(2), ["a", "b"])
    with pytest.raises(ValueError, match="must agree"):
        split_scores(np.zeros((3, 4)), np.zeros((2, 4)), np.zeros(2), ["a"])
    with pytest.raises(ValueError, match="directions"):
        split_scores(np.zeros((3, 4)), np.zeros((2, 4)), np.zeros(2), ["a", "b"], 3)


def test_evolution_rows_are_probabilities_and_last_is_the_prediction() -> None:
    rng = np.random.default_rng(0)
    hidden, weight, bias = rng.normal(size=(6, 8)), rng.normal(size=(3, 8)), rng.normal(size=3)
    probs = evolution(hidden, weight, bias)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert probs[-1].argmax() == (hidden[-1] @ weight.T + bias).argmax()
    np.testing.assert_allclose(softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])


@pytest.mark.parametrize("how", ["index", "variance", "similarity"])
def test_unit_order_is_a_permutation(how) -> None:
    values = np.random.default_rng(1).normal(size=(10, 12))
    order = unit_order(values, how)
    assert sorted(order.tolist()) == list(range(12))


def test_unit_order_by_variance_and_similarity() -> None:
    t = np.linspace(0, 3, 20)
    values = np.stack([0.1 * np.sin(t), 2 * np.sin(t), 0.5 * np.cos(t), 1.9 * np.sin(t)], axis=1)
    assert unit_order(values, "variance")[0] == 1
    order = unit_order(values, "similarity").tolist()
    assert abs(order.index(1) - order.index(3)) == 1  # units that move together are neighbours
    with pytest.raises(ValueError, match="order must be"):
        unit_order(values, "random")
