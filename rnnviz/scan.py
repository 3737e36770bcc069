"""The recurrence the tracer solves itself: ``s_t = a_t ⊙ s_{t-1} + b_t`` (LSTM's ``c``, minGRU's ``h``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def linear_scan(fs: Sequence[np.ndarray], us: Sequence[np.ndarray], c0: np.ndarray) -> np.ndarray:
    """``c_t = f_t * c_{t-1} + u_t`` for ``t = 0..T-1``, several recurrences side by side.

    ``fs``, ``us``: one ``(T, H)`` pair per layer and direction, in reading order; ``c0 (K*H,)``.
    Returns ``(T, K*H)``. A plain loop costs two NumPy calls per step. For long sequences the
    steps are cut into blocks of ``B ≈ sqrt(2T)``: every block runs the recurrence from zero at
    once (a loop of B steps over all blocks), a loop over blocks carries the true start state,
    and one pass adds ``(∏ f) * c_start``: about ``4B + 2T/B`` calls instead of ``2T``. Only
    products and sums, no division, so vanishing forget gates stay exact zeros, never 0/0.
    """
    steps, width = fs[0].shape[0], sum(f.shape[1] for f in fs)
    block = int(np.sqrt(2 * steps))
    short = steps < 64 or block < 4
    rows = steps if short else -(-steps // block) * block
    f_all = np.empty((rows, width), fs[0].dtype)  # one buffer each, padded to whole blocks
    u_all = np.empty((rows, width), us[0].dtype)
    col = 0
    for f, u in zip(fs, us, strict=True):
        f_all[:steps, col : col + f.shape[1]] = f
        u_all[:steps, col : col + f.shape[1]] = u
        col += f.shape[1]
    if short:
        prev = c0
        for t in range(steps):  # u_all becomes c in place
            row = u_all[t]
            row += f_all[t] * prev
            prev = row
        return u_all
    f_all[steps:], u_all[steps:] = 1, 0  # identity steps at the end
    a = f_all.reshape(-1, block, width)  # (N, B, M): f, then ∏ f within the block up to k
    b = u_all.reshape(-1, block, width)  # (N, B, M): c within each block, started from 0
    for k in range(1, block):
        b[:, k] += a[:, k] * b[:, k - 1]  # a[:, k] is still f here
        a[:, k] *= a[:, k - 1]
    starts = np.empty((a.shape[0], width), u_all.dtype)  # true c before each block
    prev = c0
    for j in range(a.shape[0]):
        starts[j] = prev
        prev = a[j, -1] * prev + b[j, -1]
    a *= starts[:, None, :]
    b += a
    return u_all[:steps]


def parallel_scan(a: torch.Tensor, b: torch.Tensor, s0: torch.Tensor) -> torch.Tensor:
    """``s_t = a_t ⊙ s_{t-1} + b_t`` along axis 1 of ``a, b (D, T, H)`` from ``s0 (D, H)``,
    in ⌈log₂ T⌉ rounds of whole-array products instead of T dependent steps (Hillis & Steele):
    after round k every ``(a_t, b_t)`` is the composition of the 2^k steps ending at t, because
    composing is associative: ``(a₂, b₂) ∘ (a₁, b₁) = (a₂ a₁, a₂ b₁ + b₂)``. It needs every
    ``a_t, b_t`` before the first step: a cell whose gates do not read ``h_{t-1}`` (minGRU)."""
    a, b = a.clone(), b.clone()
    offset, steps = 1, a.shape[1]
    while offset < steps:
        b_new = b.clone()
        b_new[:, offset:] = a[:, offset:] * b[:, :-offset] + b[:, offset:]
        a_new = a.clone()
        a_new[:, offset:] = a[:, offset:] * a[:, :-offset]
        a, b = a_new, b_new
        offset *= 2
    return a * s0[:, None, :] + b  # (D, T, H)
