"""The one training loop: shipped models, live training and the code language model all run it.

What differs between them comes in as hooks: where batches come from (``batches(epoch)``), how a
batch becomes a loss (``loss(net, batch)``), how a finished epoch is scored (``evaluate()``) and
what to show while it runs (``on_step``, ``on_epoch``). The loop owns what they share: Adam,
gradient clipping, the learning-rate schedule, the time and step budget, and keeping the best
epoch's weights.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import torch
from torch import nn

Batch = TypeVar("Batch")
Schedule = Literal["constant", "linear", "plateau"]
SCHEDULES: tuple[str, ...] = ("constant", "linear", "plateau")


@dataclass(frozen=True)
class Step(Generic[Batch]):
    """What a finished optimizer step reports to ``on_step``."""

    step: int  # steps done so far, over all epochs (1-based)
    epoch: int  # 1-based
    epoch_step: int  # steps done in this epoch (1-based)
    seconds: float  # since the loop started
    loss: float  # this batch
    epoch_loss: float  # mean over this epoch's steps so far
    batch: Batch
    output: Any  # what the loss hook returned beside the loss (e.g. scores (B, T, L))
    last: bool  # the time or step budget is used up: the loop stops after this step


@dataclass(frozen=True)
class Epoch:
    """What a finished epoch reports to ``on_epoch``."""

    epoch: int
    loss: float  # mean training loss of the epoch
    metrics: dict[str, float]  # ``evaluate()``'s dict (empty without one); the main one is "score"
    best: bool  # its weights are kept: the best score so far (or, keep="last", the newest)


@dataclass(frozen=True)
class Snapshot:
    """Where a run stands after a step, enough to go on from there (``fit(resume=...)``):
    the net's own weights are saved beside it by whoever keeps the snapshot."""

    step: int
    seconds: float  # training time so far (over every part of the run)
    optimizer: dict[str, Any]  # Adam's state_dict
    average: list[torch.Tensor]  # the moving average of the weights ([] without average)
    last: bool  # the budget is used up


@dataclass(frozen=True)
class Fitted:
    """How a run ended; the net holds the best epoch's weights (or the last, without evaluate)."""

    steps: int
    seconds: float
    epochs: int  # epochs run (a budget can stop the last one early)
    metrics: dict[str, float]  # of the best epoch


class Progress:
    """A small tqdm-like bar on stderr: ``label [####....] i/n info 12s`` (``stream=None``: quiet)."""

    def __init__(self, label: str, total: int, stream: Any = sys.stderr) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.start = self.last = time.monotonic()

    def update(self, done: int, info: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.stream is None or (not force and now - self.last < 0.25):
            return
        self.last = now
        width = 24
        filled = int(width * done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        msg = f"\r{self.label} [{bar}] {done}/{self.total} {info} {now - self.start:5.0f}s"
        self.stream.write(msg)
        self.stream.flush()

    def close(self, info: str) -> None:
        self.update(self.total, info, force=True)
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


LossFn = Callable[[nn.Module, Batch], tuple[torch.Tensor, Any]]


def fit(
    net: nn.Module,
    batches: Callable[[int], Iterable[Batch]],
    loss: LossFn,
    *,
    lr: float,
    epochs: int = 1,
    schedule: Schedule = "constant",
    total_steps: int | None = None,
    clip: float = 5.0,
    evaluate: Callable[[], dict[str, float]] | None = None,
    seconds: float = math.inf,
    max_steps: int | None = None,
    on_step: Callable[[Step[Batch]], None] | None = None,
    on_epoch: Callable[[Epoch], None] | None = None,
    average: float = 0.0,
    keep: Literal["best", "last"] = "best",
    resume: Snapshot | None = None,
    checkpoint: Callable[[Snapshot], None] | None = None,
    checkpoint_seconds: float = 300.0,
) -> Fitted:
    """Train ``net`` with Adam for ``epochs`` passes over ``batches(epoch)``.

    - ``loss(net, batch)`` → ``(scalar loss, output)``; the net is in train mode meanwhile.
    - ``schedule``: ``constant``; ``linear`` decays to ``lr / 10`` over ``total_steps``;
      ``plateau`` halves the rate after an epoch whose ``evaluate()["score"]`` is no gain.
    - ``evaluate()`` runs in eval mode after each epoch; the best epoch's weights are restored.
    - ``seconds`` / ``max_steps`` stop the loop early (checked after every step).
    - ``average`` > 0: an exponential moving average of the weights (decay ``average`` per step,
      warmed up as ``min(average, (1 + step) / (10 + step))``) is what each epoch is scored with,
      kept and returned; training itself goes on from the raw weights.
    - ``keep="last"``: return the last epoch's weights whatever its score (a run whose dev
      examples are part of its training data cannot select on them).
    - ``checkpoint(snapshot)`` is called every ``checkpoint_seconds`` of training and after the
      last step; ``resume=snapshot`` (the net already holding that step's raw weights) goes on
      from it: Adam's state, the average, the step count and the time budget carry over, so a
      run stopped and resumed ends where an uninterrupted one does (the batches hook must start
      where the stopped run's left off; one-epoch runs, as the code model's).
    """
    if keep not in ("best", "last"):
        raise ValueError(f"keep must be 'best' or 'last', got {keep!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if schedule == "linear" and not total_steps:
        raise ValueError("the linear schedule needs total_steps")
    if schedule == "plateau" and evaluate is None:
        raise ValueError("the plateau schedule needs evaluate (a dev score per epoch)")
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    params = [p for p in net.parameters() if p.requires_grad]
    shadow = [p.detach().clone() for p in params] if average > 0 else []
    rate = lr
    began = time.perf_counter()
    step = 0
    if resume is not None:
        opt.load_state_dict(resume.optimizer)
        if shadow:
            _load(shadow, resume.average)
        step, began = resume.step, began - resume.seconds
    saved = time.perf_counter()
    best: tuple[float, dict[str, torch.Tensor], dict[str, float]] | None = None
    top = -math.inf  # the best score so far
    epoch, stop = 0, False
    while epoch < epochs and not stop:
        epoch += 1
        net.train()
        total, done = 0.0, 0
        for batch in batches(epoch):
            value, output = loss(net, batch)
            if schedule == "linear":
                assert total_steps is not None
                for group in opt.param_groups:
                    group["lr"] = lr * (1 - 0.9 * step / total_steps)
            opt.zero_grad()
            value.backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
            if shadow:
                decay = min(average, (1 + step) / (10 + step))
                with torch.no_grad():
                    torch._foreach_lerp_(shadow, [p.detach() for p in params], 1 - decay)
            step, done = step + 1, done + 1
            total += value.item()
            elapsed = time.perf_counter() - began
            stop = elapsed >= seconds or (max_steps is not None and step >= max_steps)
            if on_step is not None:
                on_step(
                    Step(
                        step, epoch, done, elapsed, value.item(), total / done, batch, output, stop
                    )
                )
            if checkpoint is not None and (stop or time.perf_counter() - saved >= checkpoint_seconds):  # fmt: skip
                checkpoint(Snapshot(step, elapsed, opt.state_dict(), shadow, stop))
                saved = time.perf_counter()
            if stop:
                break
        net.eval()
        raw = [p.detach().clone() for p in params] if shadow else []
        _load(params, shadow)  # score and keep the averaged weights (nothing without average)
        metrics = evaluate() if evaluate is not None else {}
        gain = evaluate is None or metrics["score"] > top
        top = max(top, metrics["score"]) if evaluate is not None else top
        kept = evaluate is not None and (gain or keep == "last")
        if kept:
            state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            best = (metrics["score"], state, metrics)
        if schedule == "plateau" and not gain:  # no dev gain: halve the step size
            rate /= 2
            for group in opt.param_groups:
                group["lr"] = rate
        if on_epoch is not None:
            on_epoch(Epoch(epoch, total / max(done, 1), metrics, kept or evaluate is None))
        if not (stop or epoch == epochs):  # training goes on from the raw weights
            _load(params, raw)
    if best is not None:
        net.load_state_dict(best[1])  # the best (or last) epoch's weights, averaged if asked
    net.eval()
    return Fitted(step, time.perf_counter() - began, epoch, best[2] if best else {})


def _load(params: list[torch.Tensor], values: list[torch.Tensor]) -> None:
    """Copy ``values`` into ``params`` in place (nothing for an empty list: no average)."""
    if not values:
        return
    with torch.no_grad():
        for p, v in zip(params, values, strict=True):
            p.copy_(v)
