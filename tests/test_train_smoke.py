"""One short epoch on a few hundred lines, then a save/load round trip."""

from dataclasses import replace
from pathlib import Path

import numpy as np

from rnnviz import models
from rnnviz.data import corpus
from rnnviz.train import RECIPES, fit


def test_one_short_epoch_learns_and_round_trips(tmp_path: Path) -> None:
    recipe = replace(
        RECIPES["cws-bigru"],
        hidden_size=16,
        char_dim=16,
        bigram_dim=8,
        min_bigram_count=2,
        lr=1e-2,
        batch_size=16,
    )
    train = corpus.segmentation("train")[:300]
    dev = corpus.segmentation("dev")[:40]
    model, dev_metrics = fit(recipe, train, dev, epochs=1, show_progress=False)
    assert dev_metrics["word_f1"] > 0.4  # far above chance after one epoch
    model.save(tmp_path / "tiny")
    again = models.load_dir(tmp_path / "tiny")
    text = "中共中央总书记江泽民发表新年讲话。"
    assert again.predict(text) == model.predict(text)
    np.testing.assert_allclose(again.trace(text).output, model.trace(text).output, atol=1e-2)
