"""Test helper: pick a shipped model by task, skipping while none is trained yet."""

from __future__ import annotations

import pytest


def shipped_model(task: str, cell: str | None = None):
    """The first shipped model of ``task`` (and ``cell``); skip while none is trained yet."""
    try:
        from rnnviz import models
    except ImportError as exc:
        pytest.skip(f"rnnviz.models not importable yet: {exc}")
    for name in models.available():
        m = models.load(name)
        if m.task == task and (cell is None or m.config.cell == cell):
            return m
    pytest.skip(f"no shipped {task} model {cell or ''} yet")
