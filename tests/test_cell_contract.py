"""What ANY registered cell must satisfy, written once against its spec and run for every cell
in the registry: a new cell file is tested by these without a line here.

- the trace equals the module's own forward and the cell's NumPy textbook layer, final states
  included (float32 ≤ 1e-5, float64 ≤ 1e-10), for several layers and both directions;
- every gate lies in its declared range;
- the spec's equations, fed the traced previous states, rebuild every quantity;
- every state the spec calls linear follows ``s_t = a ⊙ s_{t-1} + b`` on the trace, and the
  kept + written split adds up to the updated state;
- the weights reader gives each layer's ``W`` with ``G·H`` rows.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnviz import reference, trace_rnn
from rnnviz.cells import CELLS, cell_of
from tests.helpers import TOL, assert_close, seeded

DTYPES = (torch.float32, torch.float64)


def build(cell: str, layers: int = 2, bidirectional: bool = True, dtype=torch.float64, seed=0):
    """A module of ``cell`` with weights scaled so gates saturate sometimes (an unbounded cell
    keeps its initial scale)."""
    seeded(seed)
    spec = CELLS[cell]
    rnn = spec.build(5, 7, num_layers=layers, bidirectional=bidirectional)
    bounded = all(np.isfinite(spec.value_range(g)).all() for g in spec.gates)
    with torch.no_grad():
        for p in rnn.parameters():
            p.mul_(3.0 if bounded else 1.0)
    return rnn.to(dtype)


def own_forward(rnn, x):
    """``(output, {state: final})`` of the module's own forward."""
    out, states = rnn(x)
    states = states if isinstance(states, tuple) else (states,)
    return out, dict(zip(cell_of(rnn).states, states, strict=True))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("layers", "bidirectional"), [(1, False), (2, True), (3, False)])
@pytest.mark.parametrize("cell", CELLS)
def test_trace_equals_the_modules_forward_and_the_textbook(cell, layers, bidirectional, dtype):
    rnn = build(cell, layers, bidirectional, dtype)
    x = torch.randn(11, 5, dtype=dtype, generator=seeded(1))
    tr = trace_rnn(rnn, x)
    out, finals = own_forward(rnn, x)
    tol = TOL[dtype]
    assert_close(tr.output, out, tol, "output")
    for s, value in finals.items():
        assert_close(tr.final(s), value, tol, f"final {s}")
    ref_out, ref = reference.rnn_forward(rnn, x.numpy())
    assert_close(ref_out, out, tol, "textbook output")
    assert set(ref) == {(la, d, q) for la in range(layers) for d in tr.directions for q in tr.names}
    for key, value in ref.items():
        assert_close(tr.quantity(*key), value, tol, str(key))


@pytest.mark.parametrize("cell", CELLS)
def test_gates_lie_in_their_declared_range(cell):
    spec = CELLS[cell]
    tr = trace_rnn(build(cell), torch.randn(30, 5, dtype=torch.float64, generator=seeded(2)))
    for layer in range(tr.num_layers):
        for d in tr.directions:
            for g in spec.gates:
                lo, hi = spec.value_range(g)
                q = tr.quantity(layer, d, g)
                assert q.min() >= lo and q.max() <= hi, (g, q.min(), q.max())


@pytest.mark.parametrize("cell", CELLS)
def test_spec_equations_rebuild_every_step_and_states_follow_their_keep_factor(cell):
    spec = CELLS[cell]
    tr = trace_rnn(build(cell), torch.randn(9, 5, dtype=torch.float64, generator=seeded(3)))
    linear_seen = False
    for layer in range(tr.num_layers):
        for d in tr.directions:
            wx, uh, b_x, b_h = tr.preacts[(layer, d)]
            prev = {s: tr.previous(layer, d, s) for s in spec.states}
            values = spec.step(wx, uh, b_x, b_h, prev)
            q = {n: tr.quantity(layer, d, n) for n in tr.names}
            for name in spec.quantities:
                assert_close(values[name], q[name], 1e-12, name)
            for s, (a, b) in spec.linear_states(q).items():  # s_t = a ⊙ s_{t-1} + b, exactly
                assert_close(q[s], a * prev[s] + b, 1e-12, f"{s} = a*{s}_prev + b")
                linear_seen = True
            q.update({f"{s}_prev": v for s, v in prev.items()})
            kept, written = spec.split(q)
            assert_close(kept + written, q[spec.updated], 1e-12, "kept + written")
    if spec.keep_gate is not None:  # the gate named as keeping the memory is its factor a
        assert linear_seen
        a = spec.linear_states(q)[spec.updated][0]
        keep = q[spec.keep_gate]
        assert_close(a, 1 - keep if spec.keep_complement else keep, 1e-12, "keep factor")
    else:
        assert spec.updated not in spec.linear_states(q)


@pytest.mark.parametrize("cell", CELLS)
def test_initial_states_are_used(cell):
    rnn = build(cell, 2, True)
    x = torch.randn(6, 5, dtype=torch.float64, generator=seeded(4))
    spec = CELLS[cell]
    hx = tuple(torch.rand(4, 7, dtype=torch.float64, generator=seeded(5 + k)) + 0.5
               for k, _ in enumerate(spec.states))  # fmt: skip
    hx_arg = hx if len(hx) > 1 else hx[0]
    out, states = rnn(x, hx_arg)
    tr = trace_rnn(rnn, x, hx=hx_arg)
    assert_close(tr.output, out, 1e-10, "output from hx")
    states = states if isinstance(states, tuple) else (states,)
    for s, value in zip(spec.states, states, strict=True):
        assert_close(tr.final(s), value, 1e-10, s)


@pytest.mark.parametrize("cell", CELLS)
def test_weights_reader_gives_every_layer_and_direction(cell):
    spec = CELLS[cell]
    rnn = build(cell, 2, True)
    for layer in range(2):
        for d in range(2):
            w = spec.weights(rnn, layer, d)
            assert w.w_ih.shape == (spec.gate_count * 7, 5 if layer == 0 else 14)
            assert (w.w_hh is not None) == spec.reads_h


@pytest.mark.parametrize("cell", CELLS)
def test_padded_batch_equals_each_sequence_alone(cell):
    """The module's own batched forward (what training runs) agrees with one sequence at a time,
    packed sequences of different lengths included."""
    rnn = build(cell, 1, True, dtype=torch.float64).train(False)
    xs = [torch.randn(n, 5, dtype=torch.float64, generator=seeded(n)) for n in (7, 3, 5)]
    packed = torch.nn.utils.rnn.pack_sequence(xs, enforce_sorted=False)
    out, _ = rnn(packed)
    padded, lengths = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    for k, x in enumerate(xs):
        assert_close(padded[k, : lengths[k]], trace_rnn(rnn, x).output, 1e-10, f"sequence {k}")


@pytest.mark.parametrize("cell", CELLS)
def test_a_checkpoint_uploads_and_traces_the_same(cell):
    """safetensors + metadata (never a pickle): a cell of our own is named in the metadata; a cell
    PyTorch ships is read from its shapes alone (an nn.RNN's nonlinearity from the metadata)."""
    from safetensors.torch import save

    from rnnviz import custom

    spec = CELLS[cell]
    rnn = build(cell, 2, True, torch.float32)
    meta = {"cell": cell} if spec.kernel is None else {}
    if spec.nonlinearity:
        meta["nonlinearity"] = spec.nonlinearity
    data = save({f"rnn.{k}": v.contiguous() for k, v in rnn.state_dict().items()}, metadata=meta)
    model = custom.load_upload(data, "model.safetensors")
    assert model.arch.cell == cell and model.arch.num_layers == 2 and model.arch.bidirectional
    x = torch.randn(6, 5, generator=seeded(9))
    assert_close(trace_rnn(model.rnn, x).output, rnn(x)[0], 1e-6, "uploaded")
