"""Lexicon features of the segmenter: which training words start or end at each character."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from shipped import tiny_recipe

from rnnviz import models
from rnnviz.data import corpus
from rnnviz.models.config import rnn
from rnnviz.training.recipes import RECIPES, Recipe
from rnnviz.training.shipped import fit
from rnnviz.vocab import lexicon_marks


def test_marks_set_start_and_end_bits_per_word_length() -> None:
    lexicon = frozenset({"南京", "南京市", "市长", "长江", "大桥", "ＷＴＯ"})
    marks = lexicon_marks(list("南京市长江大桥"), lexicon, max_len=4)
    # 南京 starts at 0 (bit 0) and ends at 1 (bit 1); 南京市 starts at 0 (bit 2), ends at 2 (bit 3)
    assert marks == [1 | 4, 2, 1 | 8, 2 | 1, 2, 1, 2]
    assert lexicon_marks(list("WTO"), lexicon, 4) == [4, 0, 8]  # ASCII folded to full width
    assert lexicon_marks([], lexicon, 4) == []
    assert max(lexicon_marks(list("南京市长江大桥"), lexicon, 2)) < 4  # only length-2 bits


def test_lexicon_needs_a_character_task() -> None:
    with pytest.raises(ValueError, match="cws only"):
        replace(RECIPES["ner-bilstm"], lexicon_dim=8)
    with pytest.raises(ValueError, match="character task"):
        models.ModelConfig(
            name="p", task="pos", arch=rnn("lstm"), labels=("n",), chars=("<pad>", "<unk>"),
            lexicon_dim=8, lexicon=("南京",),
        )  # fmt: skip


def test_a_segmenter_with_lexicon_features_trains_and_round_trips(tmp_path: Path) -> None:
    recipe: Recipe = tiny_recipe("cws-bilstm", lexicon_dim=4)
    model, _ = fit(
        recipe,
        corpus.segmentation("train")[:300],
        corpus.segmentation("dev")[:20],
        epochs=1,
        show_progress=False,
    )
    c = model.config
    assert c.lexicon and all(2 <= len(w) <= c.lexicon_max_len for w in c.lexicon)
    assert c.input_size == 16 + 2 * 8 + 4 == model.rnn.input_size
    text = "南京市长江大桥今天通车。"
    ids = model.encode(list(text))
    assert ids.shape == (len(text), 4)  # char, two bigrams, lexicon pattern
    model.save(tmp_path / "lex")
    again = models.load_dir(tmp_path / "lex")
    assert again.config.lexicon == c.lexicon
    assert again.predict(text) == model.predict(text)
    run = models.run(again, text)
    np.testing.assert_allclose(run.scores, again._scores(list(text)), atol=1e-5)


def test_jackknifed_marks_leave_out_each_folds_own_words() -> None:
    """A word seen only in one fold is never marked there; one seen in every fold always is."""
    from rnnviz.data.corpus import Example
    from rnnviz.training.tasks import jackknifed_lexicon_marks

    def ex(*words: str) -> Example:
        labels = [
            lab
            for w in words
            for lab in (["S"] if len(w) == 1 else ["B", *"M" * (len(w) - 2), "E"])
        ]
        return Example(0, tuple("".join(words)), tuple(labels))

    common = ("北京", "的")  # in all four examples
    examples = [ex(*common, "长江"), ex(*common, "长江"), ex(*common, "黄河"), ex(*common, "黄河")]
    recipe = replace(RECIPES["cws-bilstm"], lexicon_folds=2, min_lexicon_count=2)
    marks = jackknifed_lexicon_marks(recipe, examples)
    # fold 0 = examples 0, 1 (长江 only there); fold 1 = examples 2, 3 (黄河 only there)
    for k, m in enumerate(marks):
        assert m[:2] == [1, 2]  # 北京: seen twice in the other fold
        assert m[3:] == [0, 0], k  # 长江 / 黄河: seen only in the example's own fold
    full = lexicon_marks(examples[0].tokens, frozenset({"北京", "长江", "黄河"}), 4)
    assert full[3:] == [1, 2]  # the full lexicon (dev, test, the app) marks it
