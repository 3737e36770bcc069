"""Every shipped model loads, predicts, traces, survives bad input, and keeps its test score."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnviz import Trace, models
from rnnviz.cells import CELLS
from rnnviz.data import corpus, counting
from rnnviz.train import RECIPES, score, task_data

EXPECTED = [
    "count-gru",
    "count-lstm",
    "count-mingru",
    "count-rnn",
    "count-slstm",
    "cws-bigru",
    "cws-bilstm",
    "ner-bilstm",
    "pos-bilstm",
    "sentiment-gru",
]
NAMES = models.available()
BAD_TEXTS = ["😀👍", "hello world", "１２３ＡＢＣ 123", "ꙮ𓀀ᚠ", "中\u200b国\t人\n民"]
# Floors on a fixed slice of the test split (its first lines), a little under what the shipped
# models score there (measured: cws-bilstm 0.967, cws-bigru 0.956, pos 0.951, ner 0.945,
# sentiment 0.950, count-lstm 1.000 sequences, count-gru 0.906 tokens).
FLOORS = {
    "cws-bilstm": ("word_f1", 0.955),
    "cws-bigru": ("word_f1", 0.94),
    "pos-bilstm": ("accuracy", 0.935),
    "ner-bilstm": ("entity_f1", 0.925),
    "sentiment-gru": ("accuracy", 0.93),
    "count-lstm": ("sequence_accuracy", 0.97),
    "count-gru": ("token_accuracy", 0.88),
    "count-rnn": ("token_accuracy", 0.80),  # measured 0.855 on the full test split
    "count-mingru": ("token_accuracy", 0.90),  # measured 0.929 on this slice
    "count-slstm": ("token_accuracy", 0.90),  # measured 0.929 on this slice
}
SLICE = {"cws": 300, "pos": 300, "ner": 400, "sentiment": 400, "count": 200}


@pytest.fixture(scope="module", params=NAMES)
def model(request: pytest.FixtureRequest) -> models.RNNModel:
    return models.load(request.param)


def test_all_models_are_shipped_within_budget() -> None:
    """Every asset (task models and the code model) stays under 40 MB (issue 11)."""
    assert NAMES == EXPECTED
    total = sum(p.stat().st_size for p in models.ASSETS.parent.rglob("*") if p.is_file())
    assert total < 40 * 10**6


def test_api_surface(model: models.RNNModel) -> None:
    assert model.task in models.TASKS
    assert model.kind == ("classifier" if model.task == "sentiment" else "tagger")
    assert CELLS[model.config.arch.cell].matches(model.rnn)
    assert model.rnn.bidirectional == (model.task in ("cws", "pos", "ner"))
    assert 3 <= len(model.examples) <= 6
    assert model.card.startswith(f"# {model.name}")
    assert model.max_chars >= 2000
    w, b = model.head()
    assert w.shape == (
        len(model.labels),
        model.rnn.hidden_size * (2 if model.rnn.bidirectional else 1),
    )
    assert b.shape == (len(model.labels),)


def test_examples_predict_and_trace(model: models.RNNModel) -> None:
    for text in model.examples:
        tokens = model.tokenize(text)
        labels = model.predict(text)
        assert set(labels) <= set(model.labels)
        assert len(labels) == (1 if model.kind == "classifier" else len(tokens))
        proba = model.predict_proba(text)
        assert proba.shape == (len(tokens), len(model.labels))
        np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)
        x = model.inputs(text)
        assert x.shape == (len(tokens), model.rnn.input_size)
        tr = model.trace(text)
        assert isinstance(tr, Trace) and tr.tokens == tuple(tokens)
        with torch.no_grad():
            native = model.rnn(x)[0].numpy()
        np.testing.assert_allclose(tr.output, native, atol=1e-5)
        if model.kind == "classifier":  # the last row of predict_proba is the prediction
            assert model.labels[int(proba[-1].argmax())] == labels[0]
        else:  # the head on the traced output gives the same scores the model uses
            w, b = model.head()
            scores = tr.output @ w.T + b
            crf = model.transitions()
            if crf is not None:  # a CRF shows its marginals P(label at t | sentence)
                expected = models.crf_marginals(scores, *crf)
            else:
                e = np.exp(scores - scores.max(1, keepdims=True))
                expected = e / e.sum(1, keepdims=True)
            np.testing.assert_allclose(expected, proba, atol=1e-4)


def test_words_join_back_to_text(model: models.RNNModel) -> None:
    if model.task not in ("cws", "pos"):
        return
    text = model.examples[0]
    assert "".join(model.words(text)) == "".join(text.split())
    assert model.words(" ") == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text(model: models.RNNModel, text: str) -> None:
    assert model.tokenize(text) == []
    assert model.predict(text) == []
    assert model.unknown(text) == []
    assert model.predict_proba(text).shape == (0, len(model.labels))
    with pytest.raises(ValueError, match="empty text"):
        model.trace(text)


def test_unusual_characters_map_to_unknown(model: models.RNNModel) -> None:
    for text in BAD_TEXTS:
        tokens = model.tokenize(text)
        assert len(model.predict(text)) == (
            min(1, len(tokens)) if model.kind == "classifier" else len(tokens)
        )
        unknown = model.unknown(text)
        assert len(unknown) == len(tokens)
        model.trace(text)
    if model.task != "pos":
        assert all(model.unknown("😀ꙮ"))
    if model.task in ("cws", "ner"):  # half-width digits fold to the corpus's full-width ones
        assert model.unknown("1998") == [False] * 4


def test_long_text_limit(model: models.RNNModel) -> None:
    unit = "((()))" if model.task == "count" else "中国人民银行今天宣布。"
    text = (unit * (model.max_chars // len(unit) + 1))[: model.max_chars]
    assert len(model.predict(text)) >= 1
    with pytest.raises(ValueError, match="max_chars"):
        model.predict(text + "中")
    with pytest.raises(TypeError):
        model.predict(None)  # type: ignore[arg-type]


def test_score_on_test_slice_stays_above_floor(model: models.RNNModel) -> None:
    test = task_data(model.task, "test", RECIPES[model.name])[: SLICE[model.task]]
    key, floor = FLOORS[model.name]
    result = score(model, test)
    assert result[key] >= floor, f"{model.name}: {key} {result[key]:.4f} < {floor}"


def test_vanilla_rnn_counts_worse_than_the_gated_cells() -> None:
    """The lesson the shipped count-rnn is for: without gates, counting past training fails."""
    acc = {
        n: models.load(n).config.metrics["test"]["sequence_accuracy"]
        for n in ("count-lstm", "count-gru", "count-rnn")
    }
    assert acc["count-rnn"] < acc["count-gru"] < acc["count-lstm"], acc


def test_counter_unit_tracks_depth() -> None:
    for name in ("count-lstm", "count-gru"):
        m = models.load(name)
        unit = m.config.metrics["counter"][CELLS[m.config.arch.cell].updated]["unit"]
        text = "(" * 30 + ")" * 30
        q = m.trace(text).quantity(0, "forward", "c" if m.config.arch.cell == "lstm" else "h")[
            :, unit
        ]
        r = np.corrcoef(q, counting.depths(text))[0, 1]
        assert abs(r) > (0.95 if m.config.arch.cell == "lstm" else 0.5), (name, r)


def _copy(tmp_path: Path, name: str = "count-lstm") -> Path:
    dst = tmp_path / name
    shutil.copytree(models.ASSETS / name, dst)
    return dst


def test_corrupt_weights_name_the_file(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "model.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"model\.safetensors"):
        models.load_dir(folder)


def test_mismatched_config_names_the_tensor(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    cfg["hidden_size"] = 12
    (folder / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(ValueError, match=r"model\.safetensors.*rnn\.weight_ih_l0.*config\.json"):
        models.load_dir(folder)


def test_broken_or_unknown_config(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**cfg, "colour": "red"}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"config\.json.*colour"):
        models.load_dir(folder)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match=r"config\.json is not valid JSON"):
        models.load_dir(folder)
    path.unlink()
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        models.load_dir(folder)
    with pytest.raises(ValueError, match="unknown model"):
        models.load("no-such-model")


def test_pos_tags_gold_words_of_a_test_line() -> None:
    m = models.load("pos-bilstm")
    e = corpus.pos_tagged("test")[0]
    assert len(m.predict_tokens(e.tokens)) == len(e.tokens)
    assert m.segmenter.name == "cws-bilstm"


def test_cards_regenerate_byte_identical_with_the_teacher_sentences(tmp_path: Path) -> None:
    """``write_cards`` (what ``python -m rnnviz.train`` ends with) rewrites the sentiment card,
    its "Known failure cases" teacher sentences included, exactly as committed, in both
    languages: the section comes from ``TEACHER_SENTENCES``, not a hand edit."""
    from rnnviz.training.card_text import TEACHER_SENTENCES
    from rnnviz.training.evaluate import write_cards

    source = models.ASSETS / "sentiment-gru"
    folder = tmp_path / "sentiment-gru"
    shutil.copytree(source, folder)
    write_cards(folder)
    for card in ("card.md", "card.zh.md"):
        assert (folder / card).read_bytes() == (source / card).read_bytes(), card
        text = (folder / card).read_text(encoding="utf-8")
        assert all(f"- `{s}` → " in text for s in TEACHER_SENTENCES["sentiment"])
    write_cards(folder)  # again: the section is replaced, not repeated
    assert (folder / "card.zh.md").read_bytes() == (source / "card.zh.md").read_bytes()


def test_every_kind_of_model_is_built_from_one_architecture_record() -> None:
    """Shipped, uploaded/random, live and code models all say what they are through ``.arch``
    (one frozen ``rnnviz.architecture.Architecture``) and their module is that record's build."""
    from rnnviz.architecture import Architecture
    from rnnviz.custom import build_random
    from rnnviz.models.code import load as load_code
    from rnnviz.training.live import LiveConfig, _Net, live_arch

    shipped = models.load("count-lstm")
    code = load_code()
    live = LiveConfig(live_arch("gru", hidden=5, embed=3))
    cases = [
        (shipped.config.arch, shipped.rnn),
        (build_random("slstm", 6, input_size=3).arch, build_random("slstm", 6, input_size=3).rnn),
        (live.arch, _Net(live).rnn),
        (code.cfg.arch, code.rnn),
    ]
    for arch, rnn in cases:
        assert type(arch) is Architecture
        built = arch.build()
        assert type(built) is type(rnn)
        assert {k: v.shape for k, v in built.state_dict().items()} == {
            k: v.shape for k, v in rnn.state_dict().items()
        }


def test_no_config_repeats_the_architecture_fields() -> None:
    """Every record that says what a model is holds one ``arch`` (issue 19 item 4): none of
    them lists a cell, a size, a layer count or a direction of its own."""
    from dataclasses import fields

    from rnnviz.custom import RandomSpec
    from rnnviz.models.code import CodeConfig
    from rnnviz.training.code_recipe import CodeRecipe
    from rnnviz.training.live import LiveConfig
    from rnnviz.training.recipes import Recipe

    shape = {"cell", "input_size", "embed_size", "hidden_size", "num_layers", "bidirectional"}
    for record in (models.ModelConfig, Recipe, CodeConfig, CodeRecipe, LiveConfig, RandomSpec):
        names = {f.name for f in fields(record)}
        assert "arch" in names and not names & shape, (record.__name__, names & shape)
