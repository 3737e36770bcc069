"""The one-pass tracer: a small C++ loop (``onepass.cpp``) that runs a recurrence and writes every
gate and state as it goes, built on first use where a C++ compiler is present.

One pass per direction: ``W x`` for all steps in one matrix product (torch), then per step one
matrix-vector product ``U h_{t-1}`` and one fused loop over the units (activations, state update,
every value written to its token-order row). The GRU's own CPU kernel is itself such a loop,
so this costs about half of what ``nn.GRU`` does; an LSTM about 1.1× oneDNN's fused kernel
(``bench/trace_speed.py``).

Where the extension cannot be built (no compiler, a torch without the BLAS symbols it calls) or
while it is still compiling (:func:`start` builds it in the background; the app starts it at
boot), :func:`module` returns None and the tracer keeps its torch-only path. ``RNNVIZ_TRACER``
chooses: ``auto`` (default: one pass when built), ``onepass`` (build now, wait for it) or
``recompute`` (never).
"""

from __future__ import annotations

import hashlib
import os
import platform
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import torch
from filelock import FileLock

from .cells import CellSpec

SOURCE = Path(__file__).with_name("onepass.cpp")
# The cells traced in one pass say so in their spec (``CellSpec.onepass``, their number in
# onepass.cpp). Not the vanilla RNN: its tanh/relu recurrence can be chaotic (the count-rnn
# model's is): a rounding difference of 1e-7 grows to 2e-4 over 40 steps, so it keeps PyTorch's
# own kernel for h (which costs it little: one gate, recomputed with two matrix products).
CHOICES = ("auto", "onepass", "recompute")
BUILD_SECONDS = 600  # longest wait for a build (ours or another process's) before falling back

_lock = threading.Lock()
_built: dict[str, object] = {}  # "module": ModuleType, "error": str, "thread": Thread
# id(module) -> (weakref, parameter key, [LayerPlan]): weights prepared once per model (keyed by
# id: modules and tensors do not hash by value)
_plans: dict[int, tuple[weakref.ref, tuple, list]] = {}
_orders: dict[tuple[int, int], tuple[list[torch.Tensor], torch.Tensor]] = {}  # by (T, D)


def choice() -> str:
    """``RNNVIZ_TRACER`` (``auto`` when unset); an unknown value is an error, not a guess."""
    value = os.environ.get("RNNVIZ_TRACER", "auto").strip().lower() or "auto"
    if value not in CHOICES:
        raise ValueError(f"RNNVIZ_TRACER must be one of {CHOICES}, got {value!r}")
    return value


def _build() -> None:
    from torch.utils import cpp_extension  # imports setuptools: only when building

    # -march=native: the build is for this CPU, so its flags are part of the cached build's name
    cpu = platform.machine() + _cpu_flags()
    try:
        digest = hashlib.sha256(SOURCE.read_bytes() + cpu.encode()).hexdigest()[:10]
        name = f"rnnviz_onepass_{digest}"
        build_dir = Path(cpp_extension._get_build_directory(name, verbose=False))
        # torch's own build lock is a plain file that a killed builder leaves behind, and every
        # later build waits on it forever. Ours is released by the OS when its holder dies, so
        # whoever holds it may remove torch's: no live builder can own it then.
        with FileLock(str(build_dir / "rnnviz-build.lock"), timeout=BUILD_SECONDS):
            (build_dir / "lock").unlink(missing_ok=True)
            # build from a copy inside the build folder: the folder is named by the source's
            # hash, so every checkout (another clone, another install path) writes the same
            # build.ninja and reuses the build instead of recompiling it for its own path
            source = build_dir / "onepass.cpp"
            if not source.exists() or source.read_bytes() != SOURCE.read_bytes():
                source.write_bytes(SOURCE.read_bytes())
            _built["module"] = cpp_extension.load(
                name=name,
                sources=[str(source)],
                extra_cflags=["-O3", "-march=native"],
                verbose=False,
            )
    except Exception as exc:  # no compiler, no ninja, missing BLAS symbols... keep the fallback
        _built["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300]}"


def _cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return ""
    return next((line for line in text.splitlines() if line.startswith(("flags", "Features"))), "")


def start() -> None:
    """Build the extension in a background thread (once per process; cached on disk)."""
    if choice() == "recompute":
        return
    with _lock:
        if "thread" not in _built:
            _built["thread"] = threading.Thread(target=_build, name="rnnviz-onepass", daemon=True)
            _built["thread"].start()


def module(wait: bool | None = None) -> ModuleType | None:
    """The built extension, or None (not built here, still building, or switched off).

    ``wait``: block until a build finishes (default: only when ``RNNVIZ_TRACER=onepass``).
    """
    mode = choice()
    if mode == "recompute":
        return None
    start()
    if wait or (wait is None and mode == "onepass"):
        _built["thread"].join(BUILD_SECONDS)
        if mode == "onepass" and "module" not in _built:
            raise RuntimeError(f"RNNVIZ_TRACER=onepass but the extension failed: {error()}")
    return _built.get("module")  # type: ignore[return-value]


def error() -> str | None:
    """Why the extension is not available, once a build has failed."""
    return _built.get("error")  # type: ignore[return-value]


def supports(spec: CellSpec, rnn: torch.nn.RNNBase) -> bool:
    """Whether the one-pass loop computes this module (no LSTM projection; CPU float32/64)."""
    first = rnn.weight_ih_l0
    return (
        spec.onepass is not None
        and not getattr(rnn, "proj_size", 0)
        and first.device.type == "cpu"
        and first.dtype in (torch.float32, torch.float64)
    )


def for_module(
    spec: CellSpec, rnn: torch.nn.RNNBase, wait: bool | None = None
) -> ModuleType | None:
    """The extension that traces ``rnn`` (a module of cell ``spec``), or None: the cell or the
    module is not one it computes, or it is not built (see :func:`module` for ``wait``)."""
    return module(wait) if supports(spec, rnn) else None


@dataclass(frozen=True)
class LayerPlan:
    """One layer's weights as the extension reads them, detached and contiguous, made once per
    module (:func:`plan`): the per-call cost of a short sentence is mostly such bookkeeping."""

    w_ih: torch.Tensor  # (D*G*H, F): every direction's W, for one product over all steps
    w_hh: list[torch.Tensor]  # per direction (G*H, H)
    w_hh_t: list[torch.Tensor]  # per direction (H, G*H): U transposed, for the own U h product
    b_ih: list[torch.Tensor]  # per direction (G*H,), zeros without bias
    b_hh: list[torch.Tensor]
    b_x: torch.Tensor  # (D, 1, G*H) the same biases stacked, as the Trace stores them
    b_h: torch.Tensor
    empty: list[torch.Tensor]  # per direction: "no tensor here"


def _layer_plan(spec: CellSpec, rnn: torch.nn.RNNBase, layer: int) -> LayerPlan:
    params = [
        spec.weights(rnn, layer, d).detached().flat() for d in range(2 if rnn.bidirectional else 1)
    ]
    w_ih = torch.cat([p[0] for p in params]).contiguous()
    gh = params[0][1].shape[0]
    if rnn.bias:
        b_ih = [p[2].contiguous() for p in params]
        b_hh = [p[3].contiguous() for p in params]
    else:
        b_ih = b_hh = [w_ih.new_zeros(gh) for _ in params]
    return LayerPlan(
        w_ih=w_ih,
        w_hh=[p[1].contiguous() for p in params],
        w_hh_t=[p[1].t().contiguous() for p in params],
        b_ih=b_ih,
        b_hh=b_hh,
        b_x=torch.stack(b_ih)[:, None, :],
        b_h=torch.stack(b_hh)[:, None, :],
        empty=[w_ih.new_empty(0) for _ in params],
    )


def plan(spec: CellSpec, rnn: torch.nn.RNNBase) -> list[LayerPlan]:
    """Every layer's :class:`LayerPlan`, cached per module until a parameter is replaced or
    changed in place (keyed by the parameters' identities and version counters)."""
    weights = rnn._flat_weights
    key = tuple((id(w), w._version) for w in weights)
    hit = _plans.get(id(rnn))
    if hit is not None and hit[0]() is rnn and hit[1] == key:
        return hit[2]
    with torch.no_grad():
        value = [_layer_plan(spec, rnn, layer) for layer in range(rnn.num_layers)]
    if len(_plans) > 64:  # drop the entries of modules that are gone
        for k in [k for k, v in _plans.items() if v[0]() is None]:
            del _plans[k]
    _plans[id(rnn)] = (weakref.ref(rnn), key, value)
    return value


def run_layer(
    ext: ModuleType,
    spec: CellSpec,
    layer: LayerPlan,
    wx: list[torch.Tensor],
    order: list[torch.Tensor],
    batch_sizes: torch.Tensor,
    init: dict[str, list[torch.Tensor]],
    out: dict[str, list[torch.Tensor]],
    single: bool,
) -> None:
    """One layer, every direction: ``wx[d] (N, G*H)`` (rows may be strided), ``order[d] (N,)``
    the token row of each packed position, ``batch_sizes (T,)``. ``init``: running states
    ``{"h": [(S, H)], "c": ...}``, updated in place to the final states. ``out``: ``uh, gates
    (N, G*H)``, ``h``, ``c (N, H)`` per direction, written in place. ``single``: one sequence
    (all batch sizes 1): the extension's own matrix-vector product; else the BLAS product."""
    empty = layer.empty
    ext.run_layer(
        spec.onepass,
        wx,
        layer.w_hh,
        layer.w_hh_t if single else empty,
        layer.b_ih,
        layer.b_hh,
        order,
        batch_sizes,
        init["h"],
        init.get("c", empty),
        out["uh"],
        out["gates"],
        out["h"],
        out.get("c", empty),
    )


def single_order(steps: int, n_dir: int) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Packed order of one sequence: row t forward, row T-1-t backward; batch sizes all 1."""
    hit = _orders.get((steps, n_dir))
    if hit is None:
        order = [torch.arange(steps), torch.arange(steps - 1, -1, -1)][:n_dir]
        hit = _orders[(steps, n_dir)] = (order, torch.ones(steps, dtype=torch.long))
        if len(_orders) > 4096:
            _orders.clear()
    return hit


def main() -> None:
    """``python -m rnnviz.onepass``: build the extension now and say which tracer path runs."""
    import sys

    ext = module(wait=True)
    if ext is None:
        why = error() or (
            "RNNVIZ_TRACER=recompute" if choice() == "recompute" else "still building"
        )
        print(f"one-pass tracer not available ({why}); "
              "the torch-only path runs", file=sys.stderr)  # fmt: skip
        raise SystemExit(1)
    print(f"one-pass tracer built: {ext.__file__}")


if __name__ == "__main__":
    main()
