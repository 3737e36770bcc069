"""Test helper: pick a shipped model by task; a missing one fails the test, never skips it."""

from __future__ import annotations

import pytest


def shipped_model(task: str, cell: str | None = None):
    """The first shipped model of ``task`` (and ``cell``); fail if none is shipped."""
    from rnnviz import models

    for name in models.available():
        m = models.load(name)
        if m.task == task and (cell is None or m.config.arch.cell == cell):
            return m
    pytest.fail(f"no shipped {task} model {cell or ''} in assets/models")


def tiny_recipe(name: str, **changes):
    """Shipped recipe ``name`` shrunk to train one epoch on a slice in seconds (the smoke tests)."""
    from rnnviz.training.recipes import RECIPES

    small = dict(hidden_size=16, char_dim=16, bigram_dim=8, min_bigram_count=2, lr=1e-2, batch_size=16)  # fmt: skip
    return RECIPES[name].changed(**{**small, **changes})
