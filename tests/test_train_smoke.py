"""The one training loop: a short shipped-model epoch, its schedules, best epoch and budgets."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from shipped import tiny_recipe
from torch import nn

from rnnviz import models
from rnnviz.data import corpus
from rnnviz.training import loop
from rnnviz.training.recipes import RECIPES, Recipe
from rnnviz.training.shipped import fit


def test_one_short_epoch_learns_and_round_trips(tmp_path: Path) -> None:
    recipe = tiny_recipe("cws-bigru")
    train = corpus.segmentation("train")[:300]
    dev = corpus.segmentation("dev")[:40]
    logs: list[str] = []
    model, dev_metrics = fit(recipe, train, dev, epochs=1, log=logs.append, show_progress=False)
    assert dev_metrics["word_f1"] > 0.4  # far above chance after one epoch
    assert len(logs) == 1 and logs[0].startswith("epoch 1: loss")
    model.save(tmp_path / "tiny")
    again = models.load_dir(tmp_path / "tiny")
    text = "中共中央总书记江泽民发表新年讲话。"
    assert again.predict(text) == model.predict(text)
    np.testing.assert_allclose(again.trace(text).output, model.trace(text).output, atol=1e-2)


def test_the_old_import_paths_still_work() -> None:
    from rnnviz import evaluate, live, train

    assert train.RECIPES is RECIPES and train.fit is fit
    assert evaluate.score is train.score and callable(evaluate.card)
    assert live.train_counting.__module__ == "rnnviz.training.live"


def test_recipes_are_recorded_and_read_back() -> None:
    recipe = RECIPES["count-lstm"]
    recorded = {**recipe.to_json(), "quick": False, "train_seconds": 12.0}
    assert Recipe.from_training(recorded) == recipe
    # stored flat, in the order the recipe listed the architecture's fields before it held one
    assert list(recipe.to_json())[:6] == ["name", "task", "cell", "bidirectional", "hidden_size",
                                          "num_layers"]  # fmt: skip
    for name, r in RECIPES.items():  # each shipped config holds its recipe, and its module is
        config = models.load(name).config  # the recipe's architecture record, input included
        assert Recipe.from_training(config.training) == r and config.arch == r.arch, name
    assert recipe.changed(hidden_size=12).arch.hidden_size == 12
    wider = recipe.changed(char_dim=6)  # the input width follows the features
    assert wider.arch.input_size == 6 and replace(recipe, char_dim=6) == wider
    with pytest.raises(ValueError, match="not recipe fields"):
        recipe.changed(hidden=12)
    with pytest.raises(ValueError, match="schedule"):
        replace(recipe, schedule="cosine")


def _regression(n: int = 64) -> tuple[nn.Module, list[tuple[torch.Tensor, torch.Tensor]]]:
    torch.manual_seed(0)
    x = torch.randn(n, 3)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3
    return nn.Linear(3, 1), [(x[i : i + 8], y[i : i + 8]) for i in range(0, n, 8)]


def _mse(net: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, None]:
    x, y = batch
    return nn.functional.mse_loss(net(x)[:, 0], y), None


def test_linear_schedule_decays_to_a_tenth() -> None:
    net, data = _regression()
    seen = []

    def on_step(s: loop.Step) -> None:
        seen.append((s.epoch, s.epoch_step, s.step))

    rates: list[float] = []
    original = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        rates.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    torch.optim.Adam.step = spy  # type: ignore[method-assign]
    try:
        loop.fit(net, lambda e: data, _mse, lr=0.1, epochs=2, schedule="linear",
                 total_steps=2 * len(data), on_step=on_step)  # fmt: skip
    finally:
        torch.optim.Adam.step = original  # type: ignore[method-assign]
    assert rates[0] == pytest.approx(0.1) and rates[-1] == pytest.approx(0.1 * (1 - 0.9 * 15 / 16))
    assert seen[8] == (2, 1, 9)


def test_best_epoch_is_kept_and_plateau_halves_the_rate() -> None:
    net, data = _regression()
    scores = iter([0.5, 0.9, 0.7, 0.8])
    weights: list[torch.Tensor] = []
    epochs: list[loop.Epoch] = []

    def evaluate() -> dict[str, float]:
        weights.append(net.weight.detach().clone())
        return {"score": next(scores)}

    fitted = loop.fit(net, lambda e: data, _mse, lr=0.05, epochs=4, schedule="plateau",
                      evaluate=evaluate, on_epoch=epochs.append)  # fmt: skip
    assert [e.best for e in epochs] == [True, True, False, False]
    assert fitted.metrics == {"score": 0.9} and fitted.epochs == 4
    torch.testing.assert_close(net.weight.detach(), weights[1])  # the best epoch's weights
    assert not net.training


def test_averaged_weights_are_scored_kept_and_returned() -> None:
    net, data = _regression()
    start = [p.detach().clone() for p in net.parameters()]
    raw: list[list[torch.Tensor]] = []  # the raw weights after every step
    scored: list[list[torch.Tensor]] = []

    def on_step(_s: loop.Step) -> None:
        raw.append([p.detach().clone() for p in net.parameters()])

    def evaluate() -> dict[str, float]:
        scored.append([p.detach().clone() for p in net.parameters()])
        return {"score": float(len(scored))}  # every epoch better: the last is kept

    loop.fit(net, lambda e: data, _mse, lr=0.05, epochs=2, average=0.9, evaluate=evaluate,
             on_step=on_step)  # fmt: skip
    shadow = start
    for k, weights in enumerate(raw):  # the moving average, by hand
        decay = min(0.9, (1 + k) / (10 + k))
        shadow = [decay * a + (1 - decay) * w for a, w in zip(shadow, weights, strict=True)]
        if k == len(data) - 1:  # the first epoch is scored with the average so far
            for got, want in zip(scored[0], shadow, strict=True):
                torch.testing.assert_close(got, want)
    for got, want in zip(net.parameters(), shadow, strict=True):
        torch.testing.assert_close(got.detach(), want)
    assert not torch.equal(raw[-1][0], shadow[0])  # the raw weights were not what came back


def test_keep_last_returns_the_last_epoch_even_when_it_scores_worse() -> None:
    net, data = _regression()
    scores = iter([0.9, 0.5])
    weights: list[torch.Tensor] = []
    epochs: list[loop.Epoch] = []

    def evaluate() -> dict[str, float]:
        weights.append(net.weight.detach().clone())
        return {"score": next(scores)}

    fitted = loop.fit(net, lambda e: data, _mse, lr=0.05, epochs=2, evaluate=evaluate,
                      keep="last", on_epoch=epochs.append)  # fmt: skip
    torch.testing.assert_close(net.weight.detach(), weights[1])
    assert fitted.metrics == {"score": 0.5} and [e.best for e in epochs] == [True, True]
    with pytest.raises(ValueError, match="keep"):
        loop.fit(net, lambda e: data, _mse, lr=0.05, keep="first")  # type: ignore[arg-type]


def test_budget_stops_an_endless_stream() -> None:
    net, data = _regression()

    def endless(_epoch: int):
        while True:
            yield from data

    last = []
    fitted = loop.fit(net, endless, _mse, lr=0.01, max_steps=13, on_step=last.append)
    assert fitted.steps == 13 and last[-1].last and not any(s.last for s in last[:-1])
    with pytest.raises(ValueError, match="total_steps"):
        loop.fit(net, endless, _mse, lr=0.01, schedule="linear")


REFERENCE_TASKS = {"cws": "jieba", "pos": "jieba", "ner": "jieba", "sentiment": "snownlp"}


def test_references_cover_every_task_and_every_card_quotes_them() -> None:
    """Each task's reference rows name their setting, and every model of the task quotes each
    row verbatim in its English and Chinese card (same test lines, same scoring)."""
    import json

    from rnnviz.training.evaluate import REFERENCES_FILE

    refs = json.loads(REFERENCES_FILE.read_text(encoding="utf-8"))
    for task, tool in REFERENCE_TASKS.items():
        assert any(name.startswith(tool) for name in refs[task]), (task, refs[task])
    names = [n for n in refs["cws"] if n.startswith("jieba")]
    assert {"HMM=True" in n for n in names} == {True, False}  # both settings of jieba
    assert all("fitted on these lines" in n for t in refs for n in refs[t] if "snownlp" in n)
    for name in models.available():
        m = models.load(name)
        rows = refs.get(m.task, {})
        assert m.config.metrics.get("references", {}) == rows, name
        for lang in ("en", "zh"):
            text = m.card_for(lang)
            for sys_name, row in rows.items():
                for k, v in row.items():
                    assert f"| {sys_name} | {k} | {v:.4f} |" in text, (name, lang, sys_name, k)


def test_jieba_and_thulac_rows_score_a_few_test_lines() -> None:
    """The row code on three test lines per task (skipped where the tools are not installed)."""
    pytest.importorskip("jieba")
    pytest.importorskip("thulac")
    from rnnviz.training.evaluate import reference_rows
    from rnnviz.training.tasks import task_data

    for task, key in (("cws", "word_f1"), ("pos", "end_to_end_f1"), ("ner", "entity_f1")):
        test = task_data(task, "test", RECIPES[f"{task}-bilstm"])[:3]
        rows = {n: r for n, r in reference_rows(task, test).items() if "snownlp" not in n}
        tools = {n.split()[0] for n in rows}
        assert tools == {"jieba", "thulac"}, rows
        assert all(0.3 < r[key] <= 1.0 for r in rows.values()), rows
    from rnnviz.training.evaluate import joint_f1

    pos = task_data("pos", "test", RECIPES["pos-bilstm"])[:3]
    assert joint_f1(pos, [e.tokens for e in pos], [e.labels for e in pos]) == 1.0  # gold vs gold
