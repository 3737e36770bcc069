"""Array operations the cells' equations use on NumPy arrays and torch tensors alike: the
in-place activations the tracer runs on temporaries (out of place when autograd records), and
the textbook's own (new arrays)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

Array = Any  # np.ndarray or torch.Tensor with the same operations


def tracks_grad(x: Array) -> bool:
    """Whether ``x`` is a tensor autograd records: the gate functions then work out of place
    (an in-place change of a value a backward pass needs would make it fail)."""
    return isinstance(x, torch.Tensor) and x.requires_grad and torch.is_grad_enabled()


def add_(x: Array, other: Array) -> Array:
    """``x + other``, in place on the temporary ``x`` unless autograd records it."""
    if tracks_grad(x):
        return x + other
    x += other
    return x


def sigmoid_(x: Array) -> Array:
    """Logistic function in place on a temporary (saves allocations on long sequences)."""
    if isinstance(x, torch.Tensor):
        return x.sigmoid() if tracks_grad(x) else x.sigmoid_()
    np.multiply(x, 0.5, out=x)  # σ(x) = (1 + tanh(x/2)) / 2 never overflows
    np.tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


def tanh_(x: Array) -> Array:
    """tanh in place on a temporary.

    torch: as ``2σ(2x) - 1``, because torch's CPU sigmoid is about 3× faster than its tanh
    (absolute difference ~1 ulp of 1, far inside the tracer's tolerances).
    """
    if isinstance(x, torch.Tensor):
        return x.tanh() if tracks_grad(x) else x.mul_(2.0).sigmoid_().mul_(2.0).sub_(1.0)
    return np.tanh(x, out=x)


def relu_(x: Array) -> Array:
    """max(x, 0) in place on a temporary."""
    if isinstance(x, torch.Tensor):
        return x.relu() if tracks_grad(x) else x.relu_()
    return np.maximum(x, 0, out=x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^{-x}) of a NumPy array, written with tanh so large |x| cannot overflow
    (the textbook's; :func:`sigmoid_` is the tracer's in-place one)."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def tanh(x: Array) -> Array:
    """tanh of a NumPy array or a torch tensor (a new array)."""
    return x.tanh() if isinstance(x, torch.Tensor) else np.tanh(x)
