"""Live training of a tiny counting model (the live-training page): see :mod:`rnnviz.training.live`.

This facade keeps the app's import small: it loads the training loop and the counting data only,
never the corpora, recipes or evaluation of :mod:`rnnviz.training`.
"""

from __future__ import annotations

from .training.live import (
    LABELS,
    VOCAB,
    LiveConfig,
    LiveResult,
    LiveStatus,
    counter_unit,
    live_arch,
    train_counting,
)

__all__ = [
    "LABELS",
    "VOCAB",
    "LiveConfig",
    "LiveResult",
    "LiveStatus",
    "counter_unit",
    "live_arch",
    "train_counting",
]
