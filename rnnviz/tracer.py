"""Record every gate and state of a recurrent module, every step, direction and layer.

Two designs for cells PyTorch ships, one result (tested equal to the modules and to each other):

- **One pass** (LSTM and GRU, where :mod:`rnnviz.onepass` is built): ``W x`` of every step in one
  matrix product, then per step one matrix-vector product ``U h_{t-1}`` and a fused C++ loop that
  writes every gate, ``c`` and ``h`` as it goes. About the cost of PyTorch's own forward.
- **Recompute** (the fallback, and the vanilla RNN): run PyTorch's own kernel one layer at a time
  (so each layer's real output, the next layer's input, is known), then recompute all gates of
  all steps at once from the known ``h_{t-1}``: two matrix products per direction, activations
  in place in torch. States other than ``h`` that follow ``s_t = a_t ⊙ s_{t-1} + b_t`` (the LSTM
  cell ``c``) take one scan. Here ``h`` and the final states are PyTorch's own numbers.

A cell torch has no kernel for runs one layer at a time through its spec
(``CellSpec.run_layer``: its own equations step by step, or the cell's own way, e.g. minGRU's
parallel scan), which writes every quantity itself.

The cell's equations come from the registry (:mod:`rnnviz.cells`); no path asks which cell it
traces. The :class:`Trace` record itself lives in :mod:`rnnviz.trace_record` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import cells, native, onepass
from .cells import CellSpec
from .native import native_layer
from .scan import linear_scan
from .schema import DIRECTIONS
from .trace_record import Trace, shifted

__all__ = ["ONE_PASS", "RECOMPUTE", "SPEC_LAYER", "Trace", "native_layer", "path", "trace_rnn"]

# The two designs (bench/trace_speed.py prints which one ran).
ONE_PASS = "one pass (C++): W x in one product, then per step U h and a fused gate/state loop"
RECOMPUTE = "native kernel per layer, then all gates recomputed at once in torch"
SPEC_LAYER = "the cell's own layer function (its spec), every quantity written as computed"


def path(rnn: nn.RNNBase) -> str:
    """Which design traces ``rnn`` now: :data:`ONE_PASS` or :data:`RECOMPUTE`."""
    spec = cells.cell_of(rnn)
    if spec.kernel is None:
        return SPEC_LAYER
    return ONE_PASS if onepass.for_module(spec, rnn) else RECOMPUTE


def _arguments(
    inp: torch.Tensor,
    out: np.ndarray,
    params: list[list[torch.Tensor]],
    h0: np.ndarray,
    bias: bool,
) -> tuple[torch.Tensor, ...]:
    """Both halves of every gate's argument, all steps, all directions of one layer.

    ``inp (T, F)``, ``out (T, D, H_out)`` the layer's real output, ``h0 (D, H_out)``. Returns
    ``wx, uh (D, T, G*H)``, biases ``b_x, b_h (D, 1, G*H)`` (copies) and ``h_prev (D, T, H_out)``:
    the state each step started from, i.e. the step before in reading order.
    """
    n_dir, steps, h_out = len(params), inp.shape[0], h0.shape[1]
    h_prev = np.empty((n_dir, steps, h_out), out.dtype)  # (D, T, H_out)
    for d in range(n_dir):
        shifted(out[:, d], h0[d], backward=d == 1, out=h_prev[d])
    gh = params[0][0].shape[0]
    h_prev_t = torch.from_numpy(h_prev)
    wx = inp.new_empty((n_dir, steps, gh))  # (D, T, G*H)
    uh = inp.new_empty((n_dir, steps, gh))  # (D, T, G*H)
    for d, p in enumerate(params):  # two GEMMs per direction, written in place
        torch.mm(inp, p[0].t(), out=wx[d])
        torch.mm(h_prev_t[d], p[1].t(), out=uh[d])
    if bias:
        b_x = torch.stack([p[2] for p in params])[:, None, :]  # (D, 1, G*H)
        b_h = torch.stack([p[3] for p in params])[:, None, :]  # (D, 1, G*H)
    else:
        b_x = b_h = inp.new_zeros((n_dir, 1, gh))
    return wx, uh, b_x, b_h, h_prev_t


def _trace_onepass(
    ext: object,
    rnn: nn.RNNBase,
    spec: CellSpec,
    inp: torch.Tensor,
    init: dict[str, torch.Tensor],
    tokens: tuple[str, ...],
) -> Trace:
    """The one-pass design (:mod:`rnnviz.onepass`): per layer, ``W x`` of all steps and both
    directions in one product, then the extension's loop writes ``U h``, every gate, ``c`` and
    ``h`` of every step into token-order arrays. Same :class:`Trace` as the recompute path."""
    steps, n_dir, hidden = inp.shape[0], 2 if rnn.bidirectional else 1, rnn.hidden_size
    gh = spec.gate_count * hidden
    directions = DIRECTIONS[:n_dir]
    order, sizes = onepass.single_order(steps, n_dir)
    arrays: dict[tuple[int, str, str], np.ndarray] = {}
    previous: dict[tuple[int, str, str], np.ndarray] = {}
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = {}
    checks, layer_inputs = [], []
    finals = {s: init[s].clone() for s in spec.states}  # (L*D, units), updated in place
    carried = [s for s in spec.states if s != "h"]
    with torch.no_grad():
        for layer, lp in enumerate(onepass.plan(spec, rnn)):
            rows = slice(layer * n_dir, (layer + 1) * n_dir)
            wx = torch.mm(inp, lp.w_ih.t()).view(steps, n_dir, gh)  # (T, D, G*H)
            # one buffer per layer: U h and the gates (D, T, G*H) each, c (D, T, H) if any
            buf = inp.new_empty(n_dir * steps * (2 * gh + hidden * len(carried)))
            uh = buf[: n_dir * steps * gh].view(n_dir, steps, gh)
            gates = buf[n_dir * steps * gh : 2 * n_dir * steps * gh].view(n_dir, steps, gh)
            states = buf[2 * n_dir * steps * gh :].view(len(carried), n_dir, steps, hidden)
            out = inp.new_empty((steps, n_dir, hidden))  # (T, D, H): the layer's output
            running = {s: list(finals[s][rows, None, :].unbind(0)) for s in spec.states}
            written = {"uh": list(uh), "gates": list(gates), "h": list(out.unbind(1))}
            for k, s in enumerate(carried):
                written[s] = list(states[k])
            wx_d = list(wx.unbind(1))
            onepass.run_layer(ext, spec, lp, wx_d, order, sizes, running, written, True)
            for s in spec.states:  # the running states end as the final states
                finals[s][rows] = torch.cat(running[s])
            layer_inputs.append(inp.numpy(force=True).copy() if layer == 0 else inp.numpy())
            wx_np, uh_np, g_np, st_np, hs = (t.numpy() for t in (wx, uh, gates, states, out))
            with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf weights show here
                checks += [wx_np.sum(), uh_np.sum()]
            b_x, b_h = lp.b_x.numpy(), lp.b_h.numpy()
            first = {s: init[s][rows].numpy() for s in spec.states}  # (D, units)
            for d, direction in enumerate(directions):
                back = d == 1
                preacts[(layer, direction)] = (wx_np[:, d], uh_np[d], b_x[d, 0], b_h[d, 0])
                for k, g in enumerate(spec.gates):
                    arrays[(layer, direction, g)] = g_np[d, :, k * hidden : (k + 1) * hidden]
                arrays[(layer, direction, "h")] = hs[:, d]
                previous[(layer, direction, "h")] = shifted(hs[:, d], first["h"][d], back)
                for k, s in enumerate(carried):
                    arrays[(layer, direction, s)] = st_np[k, d]
                    previous[(layer, direction, s)] = shifted(st_np[k, d], first[s][d], back)
            inp = out.view(steps, n_dir * hidden)  # (T, D*H)
        output = inp.numpy()
        if not (np.isfinite(output).all() and np.isfinite(checks).all()):
            native.diagnose_non_finite(rnn, layer_inputs[0])
    return Trace(
        cell=spec.name,
        num_layers=rnn.num_layers,
        bidirectional=rnn.bidirectional,
        hidden_size=hidden,
        proj_size=0,
        tokens=tokens,
        output=output,
        h_n=finals["h"].numpy(),
        c_n=finals["c"].numpy() if "c" in finals else None,
        inputs=tuple(layer_inputs),
        arrays=arrays,
        previous_states=previous,
        preacts=preacts,
    )


def trace_rnn(
    rnn: nn.RNNBase,
    x: torch.Tensor | np.ndarray,
    hx: object = None,
    tokens: Sequence[str] | None = None,
) -> Trace:
    """Trace ``rnn`` (any cell of the registry) on one sequence ``x (T, input_size)``.

    ``hx`` is the optional initial state in PyTorch's unbatched layout: ``h0 (L*D, H_out)``, or
    ``(h0, c0)`` for an LSTM. The module is run with eval semantics (no dropout) and is left
    untouched: no hooks, no change of mode, no gradients. See :class:`Trace`; the design that
    runs is :func:`path`.
    """
    spec = cells.cell_of(rnn)
    inp = native.as_sequence(rnn, x)  # (T, input_size)
    init = native.initial_states(rnn, spec, hx, inp)
    steps = inp.shape[0]
    tokens = tuple(map(str, range(steps) if tokens is None else tokens))
    if len(tokens) != steps:
        raise ValueError(f"got {len(tokens)} tokens for a sequence of {steps} steps")
    if spec.kernel is None:
        return _trace_layers(rnn, spec, inp, init, tokens)
    ext = onepass.for_module(spec, rnn)
    if ext is not None:
        return _trace_onepass(ext, rnn, spec, inp, init, tokens)
    return _trace_recompute(rnn, spec, inp, init, tokens)


def _trace_recompute(
    rnn: nn.RNNBase,
    spec: CellSpec,
    inp: torch.Tensor,
    init: dict[str, torch.Tensor],
    tokens: tuple[str, ...],
) -> Trace:
    """The recompute design: PyTorch's own kernel per layer, then every gate recomputed at once
    from the known ``h_{t-1}`` (see the module doc)."""
    steps = inp.shape[0]
    n_dir = 2 if rnn.bidirectional else 1
    hidden, proj = rnn.hidden_size, rnn.proj_size
    h_out = proj or hidden
    carried = [s for s in spec.states if s != "h"]  # solved by a scan (LSTM: c)

    arrays: dict[tuple[int, str, str], np.ndarray] = {}
    previous: dict[tuple[int, str, str], np.ndarray] = {}
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = {}
    scans: dict[str, list] = {s: [] for s in carried}  # (a, b, s0, key) in reading order
    checks, layer_inputs, finals = [], [], {s: [] for s in spec.states}
    directions = DIRECTIONS[:n_dir]
    init_np = {s: v.numpy() for s, v in init.items()}  # (L*D, units) each
    with torch.no_grad():
        for layer in range(rnn.num_layers):
            rows = slice(layer * n_dir, (layer + 1) * n_dir)
            params = [spec.weights(rnn, layer, d).detached().flat() for d in range(n_dir)]
            # 1. PyTorch's own kernel: the real h of every step, the next layer's input.
            out, last = native_layer(
                spec, inp, [init[s][rows] for s in spec.states], [w for ps in params for w in ps],
                rnn.bias, rnn.bidirectional,
            )  # fmt: skip
            for s, value in zip(spec.states, last, strict=True):
                finals[s].append(value)
            layer_inputs.append(inp.numpy(force=True).copy() if layer == 0 else inp.numpy())
            hs = out.numpy().reshape(steps, n_dir, h_out)  # (T, D, H_out)
            # 2. Every gate of every step and direction at once, from the known h_{t-1}.
            parts = _arguments(inp, hs, params, init_np["h"][rows], rnn.bias)
            wx, uh, b_x, b_h, h_prev = parts  # (D, T, G*H) ×2, (D, 1, G*H) ×2, (D, T, H_out)
            gates = spec.gate_fn(wx, uh, b_x, b_h)  # {gate: (D, T, H)}, activated in place
            linear = {  # {state: (a, b)}, each (D, T, H); h is the kernel's
                s: ab for s, ab in spec.linear_states(gates).items() if s != "h"
            }
            # Slice and sum in NumPy (its small calls cost a fraction of torch's); shared memory.
            wx, uh, b_x, b_h, h_prev = (t.numpy() for t in parts)
            with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf weights show here
                checks += [wx.sum(), uh.sum(), b_x.sum(), b_h.sum()]
            gates = {name: value.numpy() for name, value in gates.items()}
            linear = {s: (a.numpy(), b.numpy()) for s, (a, b) in linear.items()}
            for d, direction in enumerate(directions):
                key = (layer, direction)
                preacts[key] = (wx[d], uh[d], b_x[d, 0], b_h[d, 0])
                for name, value in gates.items():
                    arrays[(layer, direction, name)] = value[d]
                arrays[(layer, direction, "h")] = hs[:, d]
                previous[(layer, direction, "h")] = h_prev[d]
                for s, (a, b) in linear.items():
                    a_d, b_d = a[d], b[d]
                    if d == 1:  # the backward direction reads right to left
                        a_d, b_d = a_d[::-1], b_d[::-1]
                    scans[s].append((a_d, b_d, init_np[s][layer * n_dir + d], key))
            inp = out  # (T, D * H_out)
        output = out.numpy()
        h_n = torch.cat(finals["h"]).numpy()
        if not (np.isfinite(output).all() and np.isfinite(checks).all()):
            native.diagnose_non_finite(rnn, layer_inputs[0])

    # 3. The only loop: s_t = a_t ⊙ s_{t-1} + b_t, all layers and directions side by side.
    for s, parts in scans.items():
        s0_flat = np.concatenate([p[2] for p in parts])  # (K*H,)
        s_all = linear_scan([p[0] for p in parts], [p[1] for p in parts], s0_flat)  # (T, K*H)
        for k, (*_, (layer, direction)) in enumerate(parts):
            cols = slice(k * hidden, (k + 1) * hidden)
            value = s_all[:, cols]  # (T, H) in reading order
            backward = direction == "backward"
            if backward:  # back to token order
                value = value[::-1]
            arrays[(layer, direction, s)] = value
            previous[(layer, direction, s)] = shifted(value, s0_flat[cols], backward)

    return Trace(
        cell=spec.name,
        num_layers=rnn.num_layers,
        bidirectional=rnn.bidirectional,
        hidden_size=hidden,
        proj_size=proj,
        tokens=tokens,
        output=output,
        h_n=h_n,
        c_n=torch.cat(finals["c"]).numpy() if "c" in finals else None,
        inputs=tuple(layer_inputs),
        arrays=arrays,
        previous_states=previous,
        preacts=preacts,
    )


def _trace_layers(
    rnn: nn.Module,
    spec: CellSpec,
    inp: torch.Tensor,
    init: dict[str, torch.Tensor],
    tokens: tuple[str, ...],
) -> Trace:
    """A cell without a torch kernel: its spec runs each layer (all directions) and returns every
    quantity (:class:`rnnviz.cells.LayerRun`); this only files them in token order."""
    n_dir = 2 if rnn.bidirectional else 1
    directions = DIRECTIONS[:n_dir]
    arrays: dict[tuple[int, str, str], np.ndarray] = {}
    previous: dict[tuple[int, str, str], np.ndarray] = {}
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = {}
    finals: dict[str, list[np.ndarray]] = {s: [] for s in spec.states}
    layer_inputs = []
    with torch.no_grad():
        for layer in range(rnn.num_layers):
            rows = slice(layer * n_dir, (layer + 1) * n_dir)
            weights = [spec.weights(rnn, layer, d).detached() for d in range(n_dir)]
            run = spec.run_layer(inp, {s: init[s][rows] for s in spec.states}, weights)
            layer_inputs.append(inp.numpy(force=True).copy() if layer == 0 else inp.numpy())
            values = {q: v.numpy() for q, v in run.values.items()}  # (D, T, units)
            wx, uh, b_x, b_h = (t.numpy() for t in (run.wx, run.uh, run.b_x, run.b_h))
            for d, direction in enumerate(directions):
                preacts[(layer, direction)] = (wx[d], uh[d], b_x[d, 0], b_h[d, 0])
                for q in spec.quantities:
                    arrays[(layer, direction, q)] = values[q][d]
                for s in spec.states:
                    first = init[s][layer * n_dir + d].numpy()
                    previous[(layer, direction, s)] = shifted(values[s][d], first, d == 1)
            for s in spec.states:
                finals[s].append(run.finals[s].numpy())
            inp = run.out  # (T, D*H)
        output = inp.numpy().copy()
    if not np.isfinite(output).all():
        native.diagnose_non_finite(rnn, layer_inputs[0])
    return Trace(
        cell=spec.name,
        num_layers=rnn.num_layers,
        bidirectional=rnn.bidirectional,
        hidden_size=rnn.hidden_size,
        proj_size=0,
        tokens=tokens,
        output=output,
        h_n=np.concatenate(finals["h"]),
        c_n=np.concatenate(finals["c"]) if "c" in finals else None,
        inputs=tuple(layer_inputs),
        arrays=arrays,
        previous_states=previous,
        preacts=preacts,
        extra_finals={s: np.concatenate(v) for s, v in finals.items() if s not in ("h", "c")},
    )
