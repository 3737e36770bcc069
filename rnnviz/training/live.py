"""Train a tiny LSTM or GRU on the counting task in about a minute, with a progress callback.

The result is a ``.safetensors`` blob (embedding, recurrent weights, head; vocabulary, labels and
task in its metadata) that ``rnnviz.custom`` opens like any upload, so every analysis page can
show it; and the "counter unit": the unit whose cell state (LSTM) or hidden state (GRU) tracks
the bracket depth best (Pearson r over held-out sequences).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import torch
from safetensors.torch import save
from torch import nn

from ..architecture import Architecture, flatten, unflatten
from ..cells import CELLS, cell_of
from ..data import counting
from ..tracer import trace_rnn
from . import loop

VOCAB = ("<pad>", "<unk>", *counting.SYMBOLS)
LABELS = counting.LABELS


DEFAULT_CELL = next(iter(CELLS))  # the registry's first cell: what a picker opens on


def live_arch(cell: str = DEFAULT_CELL, hidden: int = 8, embed: int = 4) -> Architecture:
    """A live model's recurrent module: one layer, one direction, reading ``embed`` features."""
    return Architecture(cell, embed, hidden)


# stored key → Architecture field, in the order the flat metadata has always listed them
LIVE_ARCH_KEYS = {"cell": "cell", "hidden_size": "hidden_size", "embed_size": "input_size"}


@dataclass(frozen=True)
class LiveConfig:
    """What the page lets you choose: the architecture (cell, sizes) and the training budget.

    Stored flat in the weights' metadata under ``training`` (:meth:`to_json`), beside the
    vocabulary and labels."""

    arch: Architecture = field(default_factory=live_arch)
    seconds: float = 60.0
    max_steps: int = 5000
    max_len: int = 40
    batch_size: int = 32
    lr: float = 0.01
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        """The flat form stored with the weights (``cell``, ``hidden_size``, ``embed_size``…)."""
        return flatten(self, LIVE_ARCH_KEYS)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LiveConfig:
        known = {f.name for f in fields(cls)} - {"arch"} | set(LIVE_ARCH_KEYS)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"live config: unknown keys {unknown}")
        return cls(**unflatten(data, LIVE_ARCH_KEYS, live_arch()))


@dataclass(frozen=True)
class LiveStatus:
    """One progress report: every ``report_every`` steps and at the end."""

    step: int
    seconds: float
    loss: float
    accuracy: float  # on the current batch
    fraction: float  # of the time (or step) budget used


@dataclass(frozen=True)
class LiveResult:
    """A trained model as bytes, its learning curve, held-out accuracy and counter unit."""

    config: LiveConfig
    weights: bytes  # .safetensors with vocab/labels/task metadata
    steps: int
    seconds: float
    history: tuple[LiveStatus, ...]
    accuracy: float  # held-out, per token
    counter_unit: int
    counter_r: float  # Pearson r of that unit with the depth (signed)
    counter_quantity: str  # "c" (LSTM) or "h" (GRU)
    correlations: np.ndarray = field(repr=False)  # (hidden,) r of every unit


class _Net(nn.Module):
    def __init__(self, cfg: LiveConfig) -> None:
        super().__init__()
        self.emb = nn.Embedding(len(VOCAB), cfg.arch.input_size, padding_idx=0)
        self.rnn = cfg.arch.build(batch_first=True)
        self.head = nn.Linear(cfg.arch.out_width, len(LABELS))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.emb(ids))  # (B, T, H); right padding never reaches real steps
        return self.head(out)  # (B, T, labels)


Batch = tuple[torch.Tensor, torch.Tensor]  # ids (B, T), labels (B, T)


def _batch(texts: list[str]) -> Batch:
    """Ids ``(B, T)`` right-padded with 0 and labels ``(B, T)`` with −100 on padding."""
    width = max(len(t) for t in texts)
    ids = torch.zeros(len(texts), width, dtype=torch.long)
    ys = torch.full((len(texts), width), -100, dtype=torch.long)
    for k, text in enumerate(texts):
        ids[k, : len(text)] = torch.tensor([VOCAB.index(c) for c in text])
        ys[k, : len(text)] = torch.tensor([LABELS.index(lab) for lab in counting.labels(text)])
    return ids, ys


def counter_unit(rnn: nn.RNNBase, texts: list[str], emb: torch.Tensor) -> tuple[int, float, str, np.ndarray]:  # fmt: skip
    """The unit whose updated state (the cell's memory: LSTM ``c``, GRU ``h``) correlates best
    with the bracket depth."""
    quantity = cell_of(rnn).updated
    values, depths = [], []
    for text in texts:
        ids = torch.tensor([VOCAB.index(c) for c in text])
        tr = trace_rnn(rnn, emb[ids])
        values.append(tr.quantity(0, "forward", quantity))  # (T, H)
        depths.extend(counting.depths(text))
    v = np.concatenate(values)  # (N, H)
    d = np.asarray(depths, dtype=np.float64)
    vc = v - v.mean(0)
    dc = d - d.mean()
    denom = np.sqrt((vc**2).sum(0) * (dc**2).sum()) + 1e-12
    r = (vc * dc[:, None]).sum(0) / denom  # (H,)
    best = int(np.nanargmax(np.abs(r)))
    return best, float(r[best]), quantity, r


def train_counting(
    cfg: LiveConfig,
    progress: Callable[[LiveStatus], None] | None = None,
    report_every: int = 20,
) -> LiveResult:
    """Train until ``cfg.seconds`` or ``cfg.max_steps``; report progress; return the model."""
    if cfg.arch.cell not in CELLS:
        raise ValueError(f"cell must be one of {tuple(CELLS)}, got {cfg.arch.cell!r}")
    if not 1 <= cfg.arch.hidden_size <= 64:
        raise ValueError(f"hidden size must be in 1..64, got {cfg.arch.hidden_size}")
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    net = _Net(cfg)
    history: list[LiveStatus] = []

    def stream(_epoch: int) -> Iterator[Batch]:  # fresh random sequences, never repeated
        while True:
            yield _batch([counting.sample(rng, cfg.max_len) for _ in range(cfg.batch_size)])

    def loss(net_: nn.Module, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        ids, ys = batch
        logits = net_(ids)  # (B, T, labels)
        flat = logits.reshape(-1, len(LABELS))  # (B*T, labels)
        return nn.functional.cross_entropy(flat, ys.reshape(-1), ignore_index=-100), logits

    def on_step(s: loop.Step[Batch]) -> None:
        if s.step % report_every and not s.last:
            return
        ys = s.batch[1]
        mask = ys != -100
        acc = float((s.output.argmax(-1)[mask] == ys[mask]).float().mean())
        fraction = min(1.0, max(s.seconds / cfg.seconds, s.step / cfg.max_steps))
        status = LiveStatus(s.step, s.seconds, s.loss, acc, fraction)
        history.append(status)
        if progress is not None:
            progress(status)

    fitted = loop.fit(
        net,
        stream,
        loss,
        lr=cfg.lr,
        clip=1.0,
        seconds=cfg.seconds,
        max_steps=cfg.max_steps,
        on_step=on_step,
    )
    held_out = counting.dataset(200, cfg.max_len, seed=cfg.seed + 10_000, min_len=2)
    with torch.no_grad():
        ids, ys = _batch(held_out)
        pred = net(ids).argmax(-1)
        mask = ys != -100
        accuracy = float((pred[mask] == ys[mask]).float().mean())
        emb = net.emb.weight.detach().clone()
    unit, r, quantity, rs = counter_unit(net.rnn, held_out, emb)
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    meta = {
        "vocab": json.dumps(list(VOCAB)),
        "labels": json.dumps(list(LABELS)),
        "task": "count",
        "cell": cfg.arch.cell,  # a cell of rnnviz's own cannot be told from its shapes
        "training": json.dumps(cfg.to_json()),
    }
    return LiveResult(
        config=cfg,
        weights=save(state, metadata=meta),
        steps=fitted.steps,
        seconds=fitted.seconds,
        history=tuple(history),
        accuracy=accuracy,
        counter_unit=unit,
        counter_r=r,
        counter_quantity=quantity,
        correlations=rs,
    )
