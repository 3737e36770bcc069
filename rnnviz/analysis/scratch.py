"""From scratch: the textbook NumPy cell beside PyTorch, the classic no-carry bug, and PyTorch's
GRU used many-to-many vs many-to-one on the seed's shapes (batch 10, sequence 6, input 3,
hidden 8).

Everything here returns numbers and source text for a page to show; the NumPy code is
:mod:`rnnviz.reference`, imported, never copied.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import reference

TOLERANCE = 1e-5  # float32: the check mark means max |NumPy − PyTorch| ≤ this
DIVERGES = 1e-2  # the no-carry bug "diverges" at the first step whose h differs by more


@dataclass(frozen=True)
class TextbookCheck:
    """The NumPy layer and ``nn.LSTM``/``nn.GRU`` on the same input ``x (T, F)``."""

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


def _module(cell: str, input_size: int, hidden: int, seed: int) -> nn.LSTM | nn.GRU:
    classes = {"lstm": nn.LSTM, "gru": nn.GRU}
    if cell not in classes:
        raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}")
    torch.manual_seed(seed)
    return classes[cell](input_size, hidden)


def _input(steps: int, input_size: int, seed: int) -> torch.Tensor:
    return torch.randn(steps, input_size, generator=torch.Generator().manual_seed(seed + 1))


def textbook_vs_pytorch(
    cell: str = "gru", steps: int = 6, input_size: int = 3, hidden: int = 8, seed: int = 0
) -> TextbookCheck:
    """Run :func:`reference.gru_layer` / :func:`reference.lstm_layer` and PyTorch on one input."""
    rnn = _module(cell, input_size, hidden, seed)
    x = _input(steps, input_size, seed)  # (T, F)
    x_np = x.numpy()
    zeros = np.zeros(hidden, dtype=np.float32)
    if cell == "lstm":
        fn = reference.lstm_layer
        ours = fn(x_np, reference.lstm_weights(rnn), zeros, zeros)
    else:
        fn = reference.gru_layer
        ours = fn(x_np, reference.gru_weights(rnn), zeros)
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
    """A correct GRU beside one whose loop never carries ``h`` forward."""

    correct: np.ndarray  # (T, H)
    buggy: np.ndarray  # (T, H)
    diff: np.ndarray  # (T,) max |correct − buggy| at each step
    first_divergence: int | None  # first step with diff > DIVERGES (None: never)
    source: str  # the buggy function's code

    @property
    def same_first_step(self) -> bool:
        """Both start from ``h0``, so step 0 agrees; the bug shows from step 1."""
        return bool(self.diff[0] == 0)


def no_carry_bug(steps: int = 6, input_size: int = 3, hidden: int = 8, seed: int = 0) -> NoCarry:
    """Run :func:`reference.gru_layer` and :func:`reference.gru_layer_without_carry`."""
    rnn = _module("gru", input_size, hidden, seed)
    x = _input(steps, input_size, seed).numpy()  # (T, F)
    w, h0 = reference.gru_weights(rnn), np.zeros(hidden, dtype=np.float32)
    correct = reference.gru_layer(x, w, h0)["h"]
    buggy = reference.gru_layer_without_carry(x, w, h0)["h"]
    diff = np.abs(correct - buggy).max(axis=1)  # (T,)
    over = np.flatnonzero(diff > DIVERGES)
    return NoCarry(
        correct=correct,
        buggy=buggy,
        diff=diff,
        first_divergence=int(over[0]) if len(over) else None,
        source=inspect.getsource(reference.gru_layer_without_carry),
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
