"""The tracer's numbers are PyTorch's numbers: outputs, final states, gates and invariants."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rnnviz import reference, trace_rnn
from rnnviz.cells import CELLS, cell_of
from rnnviz.tracer import native_layer

# every test runs on both tracer designs (one pass in C++, and the torch-only fallback)
pytestmark = pytest.mark.usefixtures("tracer_path")

TOL = {torch.float32: 1e-5, torch.float64: 1e-10}


def make(cell: str, layers=1, bidirectional=False, bias=True, proj=0, dtype=torch.float32,
         input_size=5, hidden=7, batch_first=False, seed=0):  # fmt: skip
    """A module of the registry's cell ``cell``, weights scaled so gates saturate sometimes."""
    torch.manual_seed(seed)
    spec = CELLS[cell]
    kw = dict(num_layers=layers, bidirectional=bidirectional, bias=bias, batch_first=batch_first)
    if proj:
        kw["proj_size"] = proj
    if spec.nonlinearity:
        kw["nonlinearity"] = spec.nonlinearity
    rnn = spec.module(input_size, hidden, **kw)
    # Scale weights up so gates saturate sometimes and cell states leave (-1, 1); an unbounded
    # relu would only grow, so it keeps PyTorch's initial scale.
    scale = 1.0 if "relu" in spec.activations.values() else 3.0
    with torch.no_grad():
        for p in rnn.parameters():
            p.mul_(scale)
    return rnn.to(dtype)


def native(rnn, x):
    """``(output, h_n, {state: final})`` of the module's own forward, as NumPy."""
    out, state = rnn(x)
    states = state if isinstance(state, tuple) else (state,)
    finals = {s: v.detach().numpy() for s, v in zip(cell_of(rnn).states, states, strict=True)}
    return out.detach().numpy(), finals["h"], finals


CASES = [
    (cell, layers, bidi, bias, proj, dtype)
    for cell, spec in CELLS.items()
    for layers in (1, 2, 3)
    for bidi in (False, True)
    for bias in (True, False)
    for proj in ((0, 3) if spec.projection else (0,))
    for dtype in (torch.float32, torch.float64)
]


@pytest.mark.parametrize(("cell", "layers", "bidi", "bias", "proj", "dtype"), CASES)
def test_trace_equals_pytorch_and_reference(cell, layers, bidi, bias, proj, dtype):
    rnn = make(cell, layers, bidi, bias, proj, dtype)
    x = torch.randn(13, 5, dtype=dtype, generator=torch.Generator().manual_seed(1))
    tr = trace_rnn(rnn, x)
    out, _, finals = native(rnn, x)
    tol = TOL[dtype]
    assert tr.output.dtype == out.dtype
    assert tr.output.shape == out.shape
    np.testing.assert_allclose(tr.output, out, rtol=0, atol=tol)
    for s, value in finals.items():
        np.testing.assert_allclose(tr.final(s), value, rtol=0, atol=tol, err_msg=s)
    assert (tr.c_n is None) == ("c" not in finals)
    ref_out, ref_states = reference.rnn_forward(rnn, x.numpy())
    np.testing.assert_allclose(ref_out, out, rtol=0, atol=tol)
    for key, value in ref_states.items():
        np.testing.assert_allclose(tr.quantity(*key), value, rtol=0, atol=tol, err_msg=str(key))


@pytest.mark.parametrize("cell", CELLS)
def test_final_states_sit_at_the_ends_of_token_order(cell):
    rnn = make(cell, layers=2, bidirectional=True)
    x = torch.randn(8, 5)
    tr = trace_rnn(rnn, x)
    for layer in range(2):
        fwd = tr.quantity(layer, "forward", "h")
        bwd = tr.quantity(layer, "backward", "h")
        np.testing.assert_allclose(tr.h_n[2 * layer], fwd[-1], atol=1e-6)
        np.testing.assert_allclose(tr.h_n[2 * layer + 1], bwd[0], atol=1e-6)  # after token 0
        for s in CELLS[cell].states:
            final = tr.final(s)
            np.testing.assert_allclose(final[2 * layer], tr.quantity(layer, "forward", s)[-1],
                                       atol=1e-5)  # fmt: skip
            np.testing.assert_allclose(final[2 * layer + 1],
                                       tr.quantity(layer, "backward", s)[0], atol=1e-5)  # fmt: skip


def test_backward_state_at_t_has_read_exactly_tokens_t_to_end():
    rnn = make("lstm", bidirectional=True)
    x = torch.randn(10, 5)
    tr = trace_rnn(rnn, x)
    for t in (0, 4, 9):
        # A forward-only LSTM with the backward weights, run on the reversed suffix x[t:].
        uni = nn.LSTM(5, 7)
        with torch.no_grad():
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                getattr(uni, name).copy_(getattr(rnn, name + "_reverse"))
        suffix_out, _ = uni(x[t:].flip(0))
        np.testing.assert_allclose(
            tr.quantity(0, "backward", "h")[t], suffix_out[-1].detach().numpy(), atol=1e-6
        )


@pytest.mark.parametrize(("layers", "bidi", "proj"), [(1, False, 0), (2, True, 0), (2, True, 3)])
def test_lstm_invariants(layers, bidi, proj):
    rnn = make("lstm", layers, bidi, proj=proj, dtype=torch.float64)
    tr = trace_rnn(rnn, torch.randn(20, 5, dtype=torch.float64))
    for layer in range(layers):
        for d in tr.directions:
            q = {n: tr.quantity(layer, d, n) for n in tr.names}
            for n in "ifo":
                assert q[n].min() >= 0 and q[n].max() <= 1
            assert np.abs(q["g"]).max() <= 1
            c_prev = tr.previous(layer, d, "c")
            np.testing.assert_allclose(q["c"], q["f"] * c_prev + q["i"] * q["g"], atol=1e-12)
            m = q["o"] * np.tanh(q["c"])
            if proj:
                w_hr = getattr(rnn, f"weight_hr_l{layer}" + ("_reverse" if d == "backward" else ""))
                m = m @ w_hr.detach().numpy().T
            np.testing.assert_allclose(q["h"], m, atol=1e-10)


def test_gru_invariants():
    rnn = make("gru", 2, True, dtype=torch.float64)
    tr = trace_rnn(rnn, torch.randn(20, 5, dtype=torch.float64))
    for layer in range(2):
        for d in tr.directions:
            r, z, n, h = (tr.quantity(layer, d, k) for k in "rznh")
            assert r.min() >= 0 and r.max() <= 1 and z.min() >= 0 and z.max() <= 1
            assert np.abs(n).max() <= 1
            h_prev = tr.previous(layer, d, "h")
            np.testing.assert_allclose(h, (1 - z) * n + z * h_prev, atol=1e-12)


@pytest.mark.parametrize("cell", [name for name, spec in CELLS.items() if spec.kernel])
def test_native_kernel_of_every_cell_still_exists(cell):
    """The tracer's one private torch call (torch._VF.<kernel>): fail loudly if torch drops it."""
    spec = CELLS[cell]
    assert hasattr(torch._VF, spec.kernel), f"torch._VF.{spec.kernel} is gone: see native_layer"
    rnn = make(cell, 1, True)
    x = torch.randn(6, 5)
    zeros = [torch.zeros(2, 7) for _ in spec.states]
    weights = [p for p in rnn._flat_weights]
    with torch.no_grad():
        out, finals = native_layer(spec, x, zeros, weights, True, True)
    ref_out, ref_h, _ = native(rnn, x)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=1e-6)
    np.testing.assert_allclose(finals[0].numpy(), ref_h, atol=1e-6)


def test_initial_state_is_used():
    rnn = make("lstm", 2, True)
    x = torch.randn(5, 5)
    h0, c0 = torch.randn(4, 7), torch.randn(4, 7)
    out, (hn, cn) = rnn(x, (h0, c0))
    tr = trace_rnn(rnn, x, hx=(h0, c0))
    np.testing.assert_allclose(tr.output, out.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(tr.h_n, hn.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(tr.c_n, cn.detach().numpy(), atol=1e-5)


def test_batch_first_is_irrelevant_for_one_sequence():
    for cell in CELLS:
        rnn = make(cell, 2, True, batch_first=True)
        x = torch.randn(7, 5)
        np.testing.assert_allclose(trace_rnn(rnn, x).output, native(rnn, x)[0], atol=1e-5)


def test_module_is_left_as_it_was():
    rnn = make("lstm", 2, True)
    rnn.train()
    before = {k: v.clone() for k, v in rnn.state_dict().items()}
    trace_rnn(rnn, torch.randn(4, 5))
    assert rnn.training
    assert not rnn._forward_hooks and not rnn._forward_pre_hooks
    for k, v in rnn.state_dict().items():
        assert torch.equal(v, before[k])
    assert all(p.grad is None for p in rnn.parameters())


@pytest.mark.parametrize("mode", ["concat", "sum", "mean", "product"])
def test_merge_modes(mode):
    rnn = make("gru", 1, True)
    tr = trace_rnn(rnn, torch.randn(6, 5))
    fwd, bwd = tr.quantity(0, "forward", "h"), tr.quantity(0, "backward", "h")
    expected = {
        "concat": np.concatenate([fwd, bwd], 1),
        "sum": fwd + bwd,
        "mean": (fwd + bwd) / 2,
        "product": fwd * bwd,
    }[mode]
    np.testing.assert_allclose(tr.merged(mode), expected)
    if mode == "concat":
        np.testing.assert_allclose(tr.merged(mode), tr.output)  # PyTorch's own merge


@settings(max_examples=25, deadline=None)
@given(
    cell=st.sampled_from(list(CELLS)),
    layers=st.integers(1, 3),
    bidi=st.booleans(),
    steps=st.integers(1, 30),
    input_size=st.integers(1, 6),
    hidden=st.integers(1, 9),
    seed=st.integers(0, 1000),
)
def test_random_shapes(cell, layers, bidi, steps, input_size, hidden, seed):
    rnn = make(cell, layers, bidi, input_size=input_size, hidden=hidden, seed=seed)
    x = torch.randn(steps, input_size, generator=torch.Generator().manual_seed(seed))
    tr = trace_rnn(rnn, x)
    out, h_n, _ = native(rnn, x)
    np.testing.assert_allclose(tr.output, out, atol=1e-5)
    np.testing.assert_allclose(tr.h_n, h_n, atol=1e-5)
    for layer in range(layers):
        for d in tr.directions:
            for name in tr.names:
                assert tr.quantity(layer, d, name).shape == (steps, tr.units(name))


@pytest.mark.parametrize("steps", [64, 301])
def test_long_sequences_use_the_blocked_cell_update_exactly(steps):
    """Past 64 steps the cell recurrence runs in blocks; it must still match step by step."""
    rnn = make("lstm", 2, True, dtype=torch.float64)
    x = torch.randn(steps, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    tr = trace_rnn(rnn, x)
    _, ref = reference.rnn_forward(rnn, x.numpy())
    for layer in range(2):
        for d in tr.directions:
            np.testing.assert_allclose(tr.quantity(layer, d, "c"), ref[(layer, d, "c")], atol=1e-10)
    np.testing.assert_allclose(tr.c_n, native(rnn, x)[2]["c"], atol=1e-10)


def test_trace_keeps_its_numbers_when_the_module_and_input_change_later():
    rnn = make("lstm", 1, True)
    x = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    tr = trace_rnn(rnn, x)
    kept = {k: v.copy() for k, v in tr.arrays.items()}
    bias = tr.preactivation(0, "forward", "f")["b_x"].copy()
    first_input = tr.inputs[0].copy()
    with torch.no_grad():
        for p in rnn.parameters():
            p.add_(1.0)  # e.g. training goes on after the trace was taken
    x += 1.0
    for key, value in kept.items():
        np.testing.assert_array_equal(tr.arrays[key], value)
    np.testing.assert_array_equal(tr.preactivation(0, "forward", "f")["b_x"], bias)
    np.testing.assert_array_equal(tr.inputs[0], first_input)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_trace_follows_weights_changed_in_place_or_replaced(cell):
    """The one-pass design prepares a module's weights once: a change must not be missed."""
    rnn = make(cell, 2, True)
    x = torch.randn(9, 5, generator=torch.Generator().manual_seed(1))
    trace_rnn(rnn, x)  # prepares (and caches) the weights
    with torch.no_grad():
        rnn.weight_hh_l1_reverse.mul_(0.5)  # in place, e.g. an optimizer step
        rnn.bias_ih_l0.add_(0.25)
    np.testing.assert_allclose(trace_rnn(rnn, x).output, native(rnn, x)[0], atol=TOL[torch.float32])
    rnn.weight_ih_l0 = nn.Parameter(torch.randn_like(rnn.weight_ih_l0))  # replaced
    np.testing.assert_allclose(trace_rnn(rnn, x).output, native(rnn, x)[0], atol=TOL[torch.float32])
