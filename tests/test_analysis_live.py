"""Live training on the counting task: learns, reports progress, finds the counter unit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnviz.analysis import search
from rnnviz.custom import load_upload
from rnnviz.live import LiveConfig, live_arch, train_counting


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_trains_reports_and_opens_as_a_custom_model(cell: str) -> None:
    seen = []
    # the step count ends the run, never the clock: a busy machine takes longer, not fewer steps
    result = train_counting(
        LiveConfig(live_arch(cell, hidden=6), seconds=3600, max_steps=400), seen.append
    )
    assert result.steps == 400 and seen[-1].fraction == 1.0
    assert [s.step for s in seen] == sorted(s.step for s in seen)
    assert seen[-1].loss < seen[0].loss
    assert result.accuracy > 0.8
    assert abs(result.counter_r) == np.abs(result.correlations).max()
    model = load_upload(result.weights, "live.safetensors")
    assert model.task == "count" and model.labels == ("balanced", "open", "invalid")
    assert search.default_corpus_name(model) == "counting-400-60-9"
    assert model.predict("(((") == ["open"] * 3
    n = int.from_bytes(result.weights[:8], "little")
    meta = json.loads(result.weights[8 : 8 + n])["__metadata__"]
    stored = json.loads(meta["training"])  # stored with the weights, flat as it always was
    assert LiveConfig.from_json(stored) == result.config
    assert list(stored)[:4] == ["cell", "hidden_size", "embed_size", "seconds"]


def test_bad_config() -> None:
    with pytest.raises(ValueError, match="cell"):
        train_counting(LiveConfig(live_arch("elman")))
