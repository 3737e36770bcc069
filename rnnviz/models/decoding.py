"""From head scores to labels: BMES constraints, Viterbi (with a CRF's scores), a CRF's marginals,
characters joined into words."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FORBIDDEN = -1e4  # a CRF's score for a transition the BMES scheme forbids (exp(-1e4) == 0)


def bmes_constraints(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Allowed (start ``(L,)``, transition ``(L, L)``, end ``(L,)``) masks for BMES labels.

    Labels are ``B M E S`` or typed ``B-PER … O``: inside a span (after B or M) only M or E of the
    same type may follow; outside, only B, S or O; a sequence may not end inside a span.
    """

    def parts(label: str) -> tuple[str, str]:
        return (label[0], label[2:]) if label != "O" else ("O", "")

    n = len(labels)
    start = np.zeros(n, bool)
    end = np.zeros(n, bool)
    trans = np.zeros((n, n), bool)
    for j, lab in enumerate(labels):
        pos, _ = parts(lab)
        start[j] = pos in ("B", "S", "O")
        end[j] = pos in ("E", "S", "O")
        for i, prev in enumerate(labels):
            p_pos, p_type = parts(prev)
            _, j_type = parts(lab)
            if p_pos in ("B", "M"):
                trans[i, j] = pos in ("M", "E") and j_type == p_type
            else:
                trans[i, j] = pos in ("B", "S", "O")
    return start, trans, end


def viterbi(
    log_probs: np.ndarray,
    start: np.ndarray,
    trans: np.ndarray,
    end: np.ndarray,
    scores: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[int]:
    """Best label path through ``log_probs (T, L)`` using only allowed transitions.

    ``scores``: a CRF's learned (start ``(L,)``, transition ``(L, L)``, end ``(L,)``) scores,
    added to the path's score (``log_probs`` are then the CRF's emission scores)."""
    s_start, s_trans, s_end = scores if scores is not None else (0.0, 0.0, 0.0)
    neg = -1e9
    trans_score = np.where(trans, s_trans, neg)  # (L, L)
    score = log_probs[0] + np.where(start, s_start, neg)  # (L,)
    back = np.zeros(log_probs.shape, dtype=np.int64)
    for t in range(1, len(log_probs)):
        total = score[:, None] + trans_score  # (L_prev, L)
        back[t] = total.argmax(0)
        score = total.max(0) + log_probs[t]
    score = score + np.where(end, s_end, neg)
    path = [int(score.argmax())]
    for t in range(len(log_probs) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def crf_marginals(
    emissions: np.ndarray, start: np.ndarray, trans: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """``P(y_t = l | x)`` ``(T, L)`` of a linear-chain CRF, by forward-backward in log space.

    ``emissions (T, L)``; ``start``/``end`` ``(L,)`` and ``trans (L_prev, L)`` are the CRF's
    scores (forbidden moves already at ``FORBIDDEN``). Rows sum to 1."""
    e = emissions.astype(np.float64)
    t_len = len(e)
    alpha = np.empty_like(e)
    beta = np.zeros_like(e)
    alpha[0] = start + e[0]
    for t in range(1, t_len):
        alpha[t] = np.logaddexp.reduce(alpha[t - 1][:, None] + trans, axis=0) + e[t]
    beta[-1] = end
    for t in range(t_len - 2, -1, -1):
        beta[t] = np.logaddexp.reduce(trans + (e[t + 1] + beta[t + 1])[None, :], axis=1)
    log_z = np.logaddexp.reduce(alpha[-1] + end)
    return np.exp(alpha + beta - log_z).astype(np.float32)


def spans_to_words(tokens: Sequence[str], labels: Sequence[str]) -> list[str]:
    """Join characters into words at B/S starts (``labels`` are B/M/E/S)."""
    words: list[str] = []
    for tok, lab in zip(tokens, labels, strict=True):
        if lab[0] in ("B", "S") or not words:
            words.append(tok)
        else:
            words[-1] += tok
    return words


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of ``(T, L)`` scores."""
    return scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
