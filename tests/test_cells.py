"""The cell registry: every spec is complete, consistent with its torch module, and drawable."""

from __future__ import annotations

from string import Template

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz import cells, schema
from rnnviz.cells import CELLS, cell_of

SPECS = list(CELLS.values())
IDS = list(CELLS)


def module_for(spec, hidden=6, input_size=3, **kw):
    if spec.nonlinearity:
        kw["nonlinearity"] = spec.nonlinearity
    return spec.module(input_size, hidden, **kw)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_registry_finds_the_spec_of_its_module(spec):
    assert cell_of(module_for(spec)) is spec
    assert cells.get(spec.name) is spec


def test_unknown_cells_are_refused_with_the_known_names():
    with pytest.raises(ValueError, match="cell must be one of"):
        cells.get("transformer")
    with pytest.raises(TypeError, match="got LSTMCell"):
        cell_of(nn.LSTMCell(3, 4))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_names_agree_with_pytorch_and_each_other(spec):
    rnn = module_for(spec)
    assert rnn.weight_ih_l0.shape[0] == spec.gate_count * rnn.hidden_size
    assert spec.states[0] == "h" and spec.updated in spec.states
    assert set(spec.gates) | set(spec.states) <= set(spec.quantities)
    assert set(spec.activations) == set(spec.gates)
    assert spec.activations.keys() <= {g for g in spec.gates}
    for name in spec.quantities:
        assert spec.style(name).zmin < spec.style(name).zmax


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_one_step_equals_the_torch_module(spec):
    """``spec.step`` on one step from a random state is the module's own first step."""
    torch.manual_seed(0)
    rnn = module_for(spec, dtype=torch.float64)
    x = torch.randn(1, 3, dtype=torch.float64)
    prev = {s: torch.rand(1, 6, dtype=torch.float64) + 0.5 for s in spec.states}  # n > 0
    hx = tuple(prev[s] for s in spec.states)
    out, state = rnn(x, hx if len(hx) > 1 else hx[0])
    w = spec.weights(rnn, 0, 0).numpy()
    b_ih, b_hh = w.biases()
    x_np = x.numpy()[0]
    prev_np = {s: v.numpy()[0] for s, v in prev.items()}
    uh = w.w_hh @ prev_np["h"] if w.w_hh is not None else np.zeros_like(b_hh)
    values = spec.step(w.w_ih @ x_np, uh, b_ih, b_hh, prev_np)
    np.testing.assert_allclose(values["h"], out.detach().numpy()[0], atol=1e-12)
    finals = state if isinstance(state, tuple) else (state,)
    for s, final in zip(spec.states, finals, strict=True):
        np.testing.assert_allclose(values[s], final.detach().numpy()[0], atol=1e-12)
    values.update({f"{s}_prev": v for s, v in prev_np.items()})
    kept, written = spec.split(values)
    np.testing.assert_allclose(kept + written, values[spec.updated], atol=1e-12)


def test_sigmoid_gates_are_the_saturating_ones():
    assert CELLS["lstm"].sigmoid_gates == ("i", "f", "o")
    assert CELLS["gru"].sigmoid_gates == ("r", "z")
    assert CELLS["rnn"].sigmoid_gates == ()


def test_the_vanilla_rnn_keeps_nothing():
    spec = CELLS["rnn"]
    h = np.array([0.5, -0.2])
    kept, written = spec.split({"h": h, "h_prev": np.array([0.9, 0.9])})
    np.testing.assert_array_equal(kept, 0)
    np.testing.assert_array_equal(written, h)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_gate_functions_work_on_numpy_and_torch_alike(spec):
    rng = np.random.default_rng(0)
    wx, uh = rng.normal(size=(2, 5, spec.gate_count * 4))
    b_x, b_h = rng.normal(size=(2, spec.gate_count * 4))
    a = spec.gate_fn(wx.copy(), uh.copy(), b_x, b_h)
    t = spec.gate_fn(*(torch.from_numpy(v.copy()) for v in (wx, uh, b_x, b_h)))
    assert list(a) == list(spec.gates)
    for g in spec.gates:
        np.testing.assert_allclose(a[g], t[g].numpy(), atol=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_latex_and_diagram_name_only_known_values(spec):
    """Every ``$field`` of the equations and every diagram value is one a trace provides."""
    values = {q: 0.5 for q in spec.quantities}
    values.update({f"{s}_prev": -0.25 for s in spec.states})
    values.update({f"{p}_{g}": 0.1 for g in spec.gates for p in ("wx", "uh")})
    lines = spec.render(values, "t+1", num=lambda v: f"{v:.2f}")
    assert [e.name for e in spec.equations][-1] in spec.quantities
    for symbolic, numeric, value in lines:
        assert "$" not in symbolic + numeric and "t-1" not in symbolic
        assert isinstance(value, float)
    assert spec.latex() == [s.replace("t+1", "t-1") for s, _, _ in lines]
    known = {**values, **spec.derived(values)}
    assert set(spec.diagram.gate_x) == set(spec.gates)
    for box in spec.diagram.boxes:
        assert box.value is None or box.value in known
        assert box.style is None or box.style in schema.STYLES or box.style in spec.styles
        Template(box.label).substitute(prev="t-1")
