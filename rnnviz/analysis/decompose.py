"""Split a linear head's scores into what each direction contributes, and follow a classifier.

The shipped heads are one ``Linear`` on the concatenated directions, ``s = W [h_fwd; h_bwd] + b``,
so each label's score is exactly ``W[:, :H] h_fwd + W[:, H:] h_bwd + b``: no approximation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScoreSplit:
    """Scores ``(T, labels)`` and their exact parts; ``forward + backward + bias == total``."""

    labels: tuple[str, ...]
    forward: np.ndarray  # (T, labels)
    backward: np.ndarray  # (T, labels), zeros for a unidirectional model
    bias: np.ndarray  # (labels,)

    @property
    def total(self) -> np.ndarray:
        """``(T, labels)`` the head's scores (logits)."""
        return self.forward + self.backward + self.bias


def split_scores(
    hidden: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray,
    labels: Sequence[str],
    directions: int = 2,
) -> ScoreSplit:
    """Split ``hidden (T, D*H) @ weight.T + bias`` into the forward and backward halves.

    ``hidden`` is the last layer's output with directions concatenated as PyTorch does
    (``trace.hidden()``), ``weight (labels, D*H)``, ``bias (labels,)``, ``directions`` D = 1 or 2.
    """
    hidden = np.asarray(hidden, dtype=np.float64)  # (T, D*H)
    weight = np.asarray(weight, dtype=np.float64)  # (labels, D*H)
    bias = np.asarray(bias, dtype=np.float64).reshape(-1)  # (labels,)
    if directions not in (1, 2):
        raise ValueError(f"directions must be 1 or 2, got {directions}")
    if hidden.ndim != 2 or weight.ndim != 2 or hidden.shape[1] != weight.shape[1]:
        raise ValueError(
            f"hidden must be (T, D*H) and weight (labels, D*H) with the same D*H; got "
            f"{hidden.shape} and {weight.shape}"
        )
    if not len(labels) == weight.shape[0] == bias.shape[0]:
        raise ValueError(
            f"{len(labels)} labels, {weight.shape[0]} weight rows and {bias.shape[0]} biases "
            "must agree"
        )
    if directions == 1:
        forward = hidden @ weight.T  # (T, labels)
        return ScoreSplit(tuple(labels), forward, np.zeros_like(forward), bias)
    half = hidden.shape[1] // 2
    forward = hidden[:, :half] @ weight[:, :half].T  # (T, labels)
    backward = hidden[:, half:] @ weight[:, half:].T  # (T, labels)
    return ScoreSplit(tuple(labels), forward, backward, bias)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(T, labels)`` scores."""
    z = np.asarray(scores, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def evolution(hidden: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``(T, labels)`` probabilities of a many-to-one classifier's head applied to ``h_t`` at
    every step: how the prediction changes as each token is read (last row = the prediction).

    For a bidirectional classifier, row t uses the state after both directions reached token t;
    only the last row is what the model predicts.
    """
    scores = np.asarray(hidden, dtype=np.float64) @ np.asarray(weight, dtype=np.float64).T
    return softmax(scores + np.asarray(bias, dtype=np.float64).reshape(-1))
