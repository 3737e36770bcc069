"""From scratch: the textbook NumPy cell beside the module's own forward, the classic no-carry
bug, PyTorch's GRU used many-to-many vs many-to-one on the seed's shapes (batch 10, sequence 6,
input 3, hidden 8), and which cells can run all their steps at once (a parallel scan).

Everything here returns numbers and source text for a page to show; the NumPy code is each cell's
textbook layer (``CellSpec.reference``) and :mod:`rnnviz.reference`, imported, never copied.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import reference
from ..cells import CELLS, get
from ..scan import parallel_scan
from ..tracer import trace_rnn

TOLERANCE = 1e-5  # float32: the check mark means max |NumPy − PyTorch| ≤ this
DIVERGES = 1e-2  # the no-carry bug "diverges" at the first step whose h differs by more


@dataclass(frozen=True)
class TextbookCheck:
    """The NumPy layer and the module's own forward on the same input ``x (T, F)``."""

    cell: str
    x: np.ndarray  # (T, F)
    numpy: dict[str, np.ndarray]  # every gate and state, (T, H) each
    torch_h: np.ndarray  # (T, H) PyTorch's output
    max_abs_diff: float
    source: str  # the NumPy layer function's code

    @property
    def ok(self) -> bool:
        """Whether NumPy and PyTorch agree to :data:`TOLERANCE`."""
        return self.max_abs_diff <= TOLERANCE


def _module(cell: str, input_size: int, hidden: int, seed: int) -> nn.Module:
    spec = get(cell)  # a ValueError names the known cells
    torch.manual_seed(seed)
    return spec.build(input_size, hidden)


def _zeros(cell: str, hidden: int) -> dict[str, np.ndarray]:
    return {s: np.zeros(hidden, dtype=np.float32) for s in get(cell).states}


def _input(steps: int, input_size: int, seed: int) -> torch.Tensor:
    return torch.randn(steps, input_size, generator=torch.Generator().manual_seed(seed + 1))


def textbook_vs_pytorch(
    cell: str, steps: int = 6, input_size: int = 3, hidden: int = 8, seed: int = 0
) -> TextbookCheck:
    """Run the cell's textbook layer (``CellSpec.reference``) and its module on one input."""
    rnn = _module(cell, input_size, hidden, seed)
    x = _input(steps, input_size, seed)  # (T, F)
    x_np = x.numpy()
    fn = get(cell).reference
    ours = fn(x_np, get(cell).weights(rnn, 0, 0).numpy(), _zeros(cell, hidden))
    with torch.no_grad():
        theirs = rnn(x)[0].numpy()  # (T, H)
    return TextbookCheck(
        cell=cell,
        x=x_np,
        numpy=ours,
        torch_h=theirs,
        max_abs_diff=float(np.abs(ours["h"] - theirs).max()),
        source=inspect.getsource(fn),
    )


@dataclass(frozen=True)
class NoCarry:
    """A correct layer beside one whose loop never carries its states forward."""

    correct: np.ndarray  # (T, H)
    buggy: np.ndarray  # (T, H)
    diff: np.ndarray  # (T,) max |correct − buggy| at each step
    first_divergence: int | None  # first step with diff > DIVERGES (None: never)
    source: str  # the buggy function's code

    @property
    def same_first_step(self) -> bool:
        """Both start from ``h0``, so step 0 agrees; the bug shows from step 1."""
        return bool(self.diff[0] == 0)


def no_carry_bug(
    cell: str, steps: int = 6, input_size: int = 3, hidden: int = 8, seed: int = 0
) -> NoCarry:
    """Run the cell's textbook layer and :func:`reference.layer_without_carry` on it."""
    rnn = _module(cell, input_size, hidden, seed)
    x = _input(steps, input_size, seed).numpy()  # (T, F)
    w, init, layer = get(cell).weights(rnn, 0, 0).numpy(), _zeros(cell, hidden), get(cell).reference
    correct = layer(x, w, init)["h"]
    buggy = reference.layer_without_carry(layer, x, w, init)["h"]
    diff = np.abs(correct - buggy).max(axis=1)  # (T,)
    over = np.flatnonzero(diff > DIVERGES)
    return NoCarry(
        correct=correct,
        buggy=buggy,
        diff=diff,
        first_divergence=int(over[0]) if len(over) else None,
        source=inspect.getsource(reference.layer_without_carry),
    )


def many_to_many(gru: nn.GRU, head: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """A prediction at every step: ``x (B, T, F)`` → ``(B, T, labels)``."""
    out, _ = gru(x)  # out (B, T, H): h at every step
    return head(out)  # the Linear on every step


def many_to_one(gru: nn.GRU, head: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """One prediction per sequence: ``x (B, T, F)`` → ``(B, labels)``."""
    _, h_n = gru(x)  # h_n (layers, B, H): the last h of each layer
    return head(h_n[-1])  # the Linear on the last h only (== out[:, -1])


@dataclass(frozen=True)
class ManyToManyVsOne:
    """Shapes and outputs of one GRU and one head used both ways on the same batch."""

    shapes: dict[str, tuple[int, ...]]
    many_to_many: np.ndarray  # (B, T, labels)
    many_to_one: np.ndarray  # (B, labels)
    max_abs_diff_last: float  # |many_to_one − many_to_many[:, -1]|, max
    sources: dict[str, str]


def many_to_many_vs_one(
    batch: int = 10, steps: int = 6, input_size: int = 3, hidden: int = 8, labels: int = 2,
    seed: int = 0,
) -> ManyToManyVsOne:  # fmt: skip
    """The seed's example: ``nn.GRU(3, 8, batch_first=True)`` and ``nn.Linear(8, labels)``."""
    torch.manual_seed(seed)
    gru, head = nn.GRU(input_size, hidden, batch_first=True), nn.Linear(hidden, labels)
    x = torch.randn(batch, steps, input_size, generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        out, h_n = gru(x)
        m2m = many_to_many(gru, head, x).numpy()  # (B, T, labels)
        m2o = many_to_one(gru, head, x).numpy()  # (B, labels)
    return ManyToManyVsOne(
        shapes={
            "x": tuple(x.shape),
            "out": tuple(out.shape),
            "h_n": tuple(h_n.shape),
            "many_to_many": m2m.shape,
            "many_to_one": m2o.shape,
        },
        many_to_many=m2m,
        many_to_one=m2o,
        max_abs_diff_last=float(np.abs(m2o - m2m[:, -1]).max()),
        sources={
            "many_to_many": inspect.getsource(many_to_many),
            "many_to_one": inspect.getsource(many_to_one),
        },
    )


@dataclass(frozen=True)
class ParallelCheck:
    """Which cells could compute all their gates before the first step, and minGRU's scan.

    ``gates_without_h[cell]``: max |gates computed from ``x`` alone (``h_{t-1}`` taken as 0) −
    the true gates| over a sequence: 0 for a cell whose gates never read ``h_{t-1}``, large for an
    LSTM or GRU, whose step t must wait for step t−1. ``scan_diff[cell]``: for each cell that can,
    max |h of the parallel scan − h of the step-by-step loop (the module's own forward)|.
    """

    steps: int
    rounds: int  # ⌈log₂ T⌉ rounds of the scan, against T dependent steps
    gates_without_h: dict[str, float]
    scan_diff: dict[str, float]
    source: str  # the scan's code


def parallel_check(steps: int = 64, input_size: int = 3, hidden: int = 8, seed: int = 0):
    """Every registered cell: its gates computed without ``h_{t-1}`` against the true ones; for
    the cells whose gates do not read it, the parallel scan against the loop (float32)."""
    x = _input(steps, input_size, seed)  # (T, F)
    without, scans = {}, {}
    for name, spec in CELLS.items():
        rnn = _module(name, input_size, hidden, seed)
        tr = trace_rnn(rnn, x)
        wx, uh, b_x, b_h = tr.preacts[(0, "forward")]
        prev = {s: np.zeros_like(tr.previous(0, "forward", s)) for s in spec.states}
        blind = spec.step(wx, np.zeros_like(uh), b_x, b_h, prev)  # as if h_{t-1} were 0
        without[name] = max(
            float(np.abs(blind[g] - tr.quantity(0, "forward", g)).max()) for g in spec.gates
        )
        if not spec.reads_h:
            with torch.no_grad():
                loop = rnn(x)[0].numpy()  # (T, H) the module's forward: one step at a time
            a, b = spec.linear_states({q: tr.quantity(0, "forward", q) for q in tr.names})["h"]
            h = parallel_scan(torch.from_numpy(a)[None], torch.from_numpy(b)[None],
                              torch.zeros(1, hidden))[0].numpy()  # fmt: skip
            scans[name] = float(np.abs(h - loop).max())
    return ParallelCheck(
        steps=steps,
        rounds=int(np.ceil(np.log2(steps))),
        gates_without_h=without,
        scan_diff=scans,
        source=inspect.getsource(parallel_scan),
    )
