"""Saliency over time: how much each input token moves the score at each output position.

``S[t, s] = ‖∂ score_t / ∂ x_s‖₂`` where ``x_s`` is the embedding fed to the RNN at token ``s`` and
``score_t`` the head's score at position ``t`` for a chosen label (default: the predicted one).
A forward-only network has ``S[t, s] = 0`` for ``s > t``; a bidirectional one looks both ways.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch import nn


class GradModel(Protocol):
    """What saliency needs: the RNN, its inputs and a linear head."""

    rnn: nn.Module  # any module of the cell registry
    labels: Sequence[str]

    def tokenize(self, text: str) -> list[str]: ...
    def inputs(self, text: str) -> torch.Tensor: ...
    def head(self) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Saliency:
    """``matrix (T_out, T_in)`` of gradient norms; row t is output position t."""

    tokens: tuple[str, ...]
    matrix: np.ndarray
    label_index: np.ndarray  # (T_out,) label whose score was differentiated at each row

    def normalised(self) -> np.ndarray:
        """Each row divided by its sum (rows of zeros stay zero) → ``(T, T)``."""
        total = self.matrix.sum(axis=1, keepdims=True)
        return np.divide(self.matrix, total, out=np.zeros_like(self.matrix), where=total > 0)

    def reach(self, mass: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """How far back and ahead each output position looks: ``(back (T,), ahead (T,))``.

        The smallest distance ``d`` such that tokens ``t-d..t`` (back) hold ``mass`` of the row's
        past-and-present gradient, and likewise ``t..t+d`` for the future part.
        """
        w = self.normalised()
        steps = w.shape[0]
        back = np.zeros(steps, dtype=np.int64)
        ahead = np.zeros(steps, dtype=np.int64)
        for t in range(steps):
            past = w[t, : t + 1][::-1]  # distance 0, 1, ...
            future = w[t, t:]
            for arr, out in ((past, back), (future, ahead)):
                total = arr.sum()
                if total > 0:
                    out[t] = int(np.searchsorted(np.cumsum(arr) / total, mass - 1e-9))
        return back, ahead

    def mean_distance(self) -> tuple[float, float]:
        """Gradient-weighted mean distance to the past and to the future, over all rows."""
        w = self.normalised()
        steps = w.shape[0]
        t, s = np.meshgrid(np.arange(steps), np.arange(steps), indexing="ij")
        past = np.where(s <= t, w, 0.0)
        future = np.where(s >= t, w, 0.0)
        d = np.abs(t - s)
        mp = (past * d).sum() / past.sum() if past.sum() > 0 else 0.0
        mf = (future * d).sum() / future.sum() if future.sum() > 0 else 0.0
        return float(mp), float(mf)


def option_name(predicted: str, value: str | None) -> str:
    """Name of a label choice; ``None`` stands for each position's predicted label."""
    return predicted if value is None else str(value)


def saliency(model: GradModel, text: str, label: str | None = None) -> Saliency:
    """Gradient norm of every position's score w.r.t. every input embedding → :class:`Saliency`.

    ``label`` fixes the differentiated score to one label at every position; by default each
    position uses its own most likely label. Costs one forward and one batched backward pass.
    """
    tokens = tuple(model.tokenize(text))
    if not tokens:
        raise ValueError("empty text: type at least one token")
    x = model.inputs(text).detach().clone().float()  # (T, E)
    w, b = (torch.as_tensor(a, dtype=torch.float32) for a in model.head())
    labels = list(model.labels)
    if label is not None and label not in labels:
        raise ValueError(f"label must be one of {labels}, got {label!r}")
    steps = x.shape[0]

    def scores(inp: torch.Tensor) -> torch.Tensor:
        out, _ = model.rnn(inp)  # (T, D*H)
        return out @ w.T + b  # (T, n_labels)

    with torch.no_grad():
        s0 = scores(x)
    idx = (
        torch.full((steps,), labels.index(label), dtype=torch.long)
        if label is not None
        else s0.argmax(dim=1)
    )
    # Row t of the Jacobian of the chosen scores, all rows in one vectorised backward pass.
    was_training = model.rnn.training
    model.rnn.eval()
    try:
        x = x.requires_grad_(True)
        with torch.enable_grad():
            chosen = scores(x).gather(1, idx[:, None])[:, 0]  # (T,)
            eye = torch.eye(steps)
            (grads,) = torch.autograd.grad(
                chosen, x, grad_outputs=eye, is_grads_batched=True, allow_unused=False
            )  # (T_out, T_in, E)
    except RuntimeError:
        grads = torch.stack([torch.autograd.grad(scores(x)[t, idx[t]], x)[0] for t in range(steps)])
    finally:
        model.rnn.train(was_training)
    matrix = grads.norm(dim=2).detach().numpy().astype(np.float32)  # (T, T)
    return Saliency(tokens=tokens, matrix=matrix, label_index=idx.numpy())
