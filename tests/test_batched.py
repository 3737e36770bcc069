"""The batched corpus tracer equals per-sentence ``trace_rnn`` exactly, in token order."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz.batched import spec_of, trace_batch
from rnnviz.cells import CELLS
from rnnviz.tracer import trace_rnn

# every test runs on both tracer designs (one pass in C++, and the torch-only fallback)
pytestmark = pytest.mark.usefixtures("tracer_path")

LENGTHS = (5, 1, 9, 3, 9, 2, 1, 7)  # varied, with ties and length-1 sequences

CONFIGS = [
    ("lstm", 1, False, 0),
    ("lstm", 2, True, 0),
    ("lstm", 2, True, 3),
    ("lstm", 1, False, 2),
    ("gru", 1, False, 0),
    ("gru", 1, True, 0),
    ("gru", 2, True, 0),
    *((name, 2, True, 0) for name in CELLS if name not in ("lstm", "gru")),  # vanilla RNNs
]


def _module(cell: str, layers: int, bidirectional: bool, proj: int, bias: bool = True):
    torch.manual_seed(layers * 10 + bidirectional + proj)
    return CELLS[cell].build(4, 6, proj, num_layers=layers, bidirectional=bidirectional, bias=bias)


def _inputs(lengths=LENGTHS, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 4, generator=g) * 2 for n in lengths]


@pytest.mark.parametrize(("cell", "layers", "bidirectional", "proj"), CONFIGS)
def test_equals_per_sentence_trace(cell: str, layers: int, bidirectional: bool, proj: int):
    rnn = _module(cell, layers, bidirectional, proj)
    xs = _inputs()
    bt = trace_batch(rnn, xs)
    assert bt.offsets.tolist() == np.concatenate([[0], np.cumsum(LENGTHS)]).tolist()
    assert set(bt.arrays) == {
        (la, d, n) for la in range(layers) for d in bt.directions for n in spec_of(rnn).quantities
    }
    for s, x in enumerate(xs):
        tr = trace_rnn(rnn, x)
        for layer in range(layers):
            for d in tr.directions:
                for name in tr.names:
                    got = bt.sequence(s, layer, d, name)
                    want = tr.quantity(layer, d, name)
                    assert got.shape == want.shape, (s, layer, d, name)
                    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0, err_msg=f"{s} {name}")


def test_backward_starts_at_each_sequences_own_last_token() -> None:
    """Padding must never leak into the backward direction: a short sequence's backward state
    at its last token is one step from zero, whatever the longer sequences beside it hold."""
    rnn = _module("gru", 1, True, 0)
    short, long_ = torch.randn(3, 4), torch.randn(20, 4) * 5
    bt = trace_batch(rnn, [long_, short, long_[:1]])
    alone = trace_rnn(rnn, short)
    np.testing.assert_allclose(
        bt.sequence(1, 0, "backward", "h"), alone.quantity(0, "backward", "h"), atol=1e-6
    )
    one_step = rnn(short[-1:])[0][0, 6:].detach().numpy()  # backward reads only the last token
    np.testing.assert_allclose(bt.sequence(1, 0, "backward", "h")[-1], one_step, atol=1e-6)
    single = trace_rnn(rnn, long_[:1])
    np.testing.assert_allclose(
        bt.sequence(2, 0, "backward", "h"), single.quantity(0, "backward", "h"), atol=1e-6
    )


def test_no_bias_float64_and_order_of_inputs_kept() -> None:
    rnn = _module("lstm", 2, True, 0, bias=False).double()
    xs = [x.double() for x in _inputs((4, 6, 1), seed=3)]
    bt = trace_batch(rnn, xs)
    for s, x in enumerate(xs):
        tr = trace_rnn(rnn, x)
        for name in tr.names:
            np.testing.assert_allclose(
                bt.sequence(s, 1, "backward", name), tr.quantity(1, "backward", name), atol=1e-10
            )


def test_lstm_invariants_hold_on_the_flat_arrays() -> None:
    rnn = _module("lstm", 1, True, 0)
    bt = trace_batch(rnn, _inputs())
    for d in bt.directions:
        q = {n: bt.quantity(0, d, n) for n in "ifgohc"}
        np.testing.assert_allclose(q["h"], q["o"] * np.tanh(q["c"]), atol=1e-6)
        assert ((q["f"] >= 0) & (q["f"] <= 1)).all()


def test_bad_inputs_are_refused() -> None:
    rnn = _module("gru", 1, False, 0)
    with pytest.raises(ValueError, match="at least one"):
        trace_batch(rnn, [])
    with pytest.raises(ValueError, match="sequence 1"):
        trace_batch(rnn, [torch.zeros(2, 4), torch.zeros(0, 4)])
    with pytest.raises(TypeError, match="expects"):
        trace_batch(nn.Linear(2, 2), [torch.zeros(2, 2)])
