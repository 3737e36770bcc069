"""Bad input is refused at the boundary with a message that says what was expected."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz import trace_rnn

# every test runs on both tracer designs (one pass in C++, and the torch-only fallback)
pytestmark = pytest.mark.usefixtures("tracer_path")


@pytest.fixture
def lstm():
    torch.manual_seed(0)
    return nn.LSTM(4, 6, bidirectional=True)


def test_not_a_recurrent_module():
    with pytest.raises(TypeError, match=r"torch.nn.GRU, torch.nn.LSTM, torch.nn.RNN, got Linear"):
        trace_rnn(nn.Linear(4, 4), torch.randn(3, 4))
    with pytest.raises(TypeError, match="got RNNCell"):
        trace_rnn(nn.RNNCell(4, 4), torch.randn(3, 4))


def test_rnn_initial_state_is_one_tensor():
    rnn = nn.RNN(4, 6, num_layers=2)
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 6\)"):
        trace_rnn(rnn, torch.randn(3, 4), hx=torch.zeros(1, 6))


def test_batched_input_is_refused(lstm):
    with pytest.raises(ValueError, match=r"one sequence.*x\[0\]"):
        trace_rnn(lstm, torch.randn(2, 3, 4))


def test_wrong_feature_size(lstm):
    with pytest.raises(ValueError, match="3 features per step but the module expects input_size=4"):
        trace_rnn(lstm, torch.randn(5, 3))


def test_one_dimensional_input(lstm):
    with pytest.raises(ValueError, match=r"shape \(T, 4\)"):
        trace_rnn(lstm, torch.randn(5))


def test_empty_sequence(lstm):
    with pytest.raises(ValueError, match="empty sequence"):
        trace_rnn(lstm, torch.zeros(0, 4))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_input(lstm, bad):
    x = torch.randn(5, 4)
    x[3, 1] = bad
    with pytest.raises(ValueError, match=r"NaN or inf \(first at step 3\)"):
        trace_rnn(lstm, x)


def test_non_finite_weights(lstm):
    with torch.no_grad():
        lstm.weight_hh_l0_reverse[0, 0] = float("nan")
    with pytest.raises(ValueError, match="weight_hh_l0_reverse"):
        trace_rnn(lstm, torch.randn(5, 4))


def test_complex_and_non_numeric_input(lstm):
    with pytest.raises(TypeError, match="real numbers"):
        trace_rnn(lstm, np.ones((3, 4), dtype=complex))
    with pytest.raises(TypeError):
        trace_rnn(lstm, [["a", "b", "c", "d"]])


def test_wrong_initial_state(lstm):
    with pytest.raises(TypeError, match="pair"):
        trace_rnn(lstm, torch.randn(3, 4), hx=torch.zeros(2, 6))
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 6\)"):
        trace_rnn(lstm, torch.randn(3, 4), hx=(torch.zeros(1, 6), torch.zeros(2, 6)))


def test_numpy_and_lists_are_accepted_and_cast(lstm):
    x = np.random.default_rng(0).normal(size=(5, 4))  # float64 into a float32 module
    tr = trace_rnn(lstm, x)
    assert tr.output.dtype == np.float32
    np.testing.assert_allclose(trace_rnn(lstm, x.tolist()).output, tr.output)


def test_wrong_token_count(lstm):
    with pytest.raises(ValueError, match="got 2 tokens for a sequence of 3 steps"):
        trace_rnn(lstm, torch.randn(3, 4), tokens=["a", "b"])


def test_bad_queries(lstm):
    tr = trace_rnn(lstm, torch.randn(3, 4))
    with pytest.raises(ValueError, match="quantities are"):
        tr.quantity(0, "forward", "z")
    with pytest.raises(ValueError, match="layer must be"):
        tr.quantity(1, "forward", "h")
    with pytest.raises(ValueError, match="direction must be"):
        tr.quantity(0, "sideways", "h")
    with pytest.raises(ValueError, match="merge mode"):
        tr.merged("max")


@pytest.mark.parametrize("name", ["weight_ih_l0", "bias_hh_l0_reverse", "weight_hr_l0"])
def test_inf_weights_are_named(name):
    torch.manual_seed(0)
    rnn = nn.LSTM(4, 6, bidirectional=True, proj_size=3)
    with torch.no_grad():
        getattr(rnn, name).view(-1)[0] = float("inf")
    with pytest.raises(ValueError, match=name):
        trace_rnn(rnn, torch.randn(5, 4))
