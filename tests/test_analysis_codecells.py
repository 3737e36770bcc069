"""Cells in code: features from Python's tokenizer, correlations, the shipped code LSTM."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from test_app_zh import assert_same_numbers_and_tables

from rnnviz.analysis import codecells as C
from rnnviz.models.code import code_arch
from rnnviz.training import codelm

CODE = 'def f(a, b):\n    s = "x(y"  # c\n    return [a,\n            b]\n'


def test_features_follow_the_tokenizer() -> None:
    f = C.features(CODE)
    at = {name: dict(zip(range(len(CODE)), v, strict=True)) for name, v in f.items()}
    k = CODE.index('"x(y"')
    assert [at["in_string"][i] for i in range(k, k + 5)] == [1] * 5
    assert at["bracket_depth"][k + 2] == 0  # a bracket inside a string does not count
    assert at["bracket_depth"][CODE.index("a,")] == 1
    assert at["bracket_depth"][CODE.index("b]")] == 1 and at["bracket_depth"][len(CODE) - 1] == 0
    assert at["in_comment"][CODE.index("# c")] == 1 and at["in_comment"][0] == 0
    assert at["indentation"][CODE.index("return")] == 4 and at["indentation"][0] == 0
    assert at["line_position"][CODE.index("return")] == 4
    assert at["indentation"][CODE.index("b]")] == 12


@pytest.mark.parametrize("text", ["x = 1", "def f():\n    return (1)", "s = 'a'  # c"])
def test_features_of_text_without_a_final_newline(text: str) -> None:
    f = C.features(text)
    assert all(len(v) == len(text) for v in f.values())
    assert f["in_string"].sum() == (3 if "'a'" in text else 0) and f["in_comment"][-1] == (
        "#" in text
    )


def test_correlations_equal_numpy() -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(200, 3))
    feat = {"x": v[:, 1] * 2 + rng.normal(size=200) * 0.1}
    r = C.correlations(v, feat)["x"]
    np.testing.assert_allclose(r, [np.corrcoef(v[:, u], feat["x"])[0, 1] for u in range(3)],
                               atol=1e-9)  # fmt: skip
    assert int(np.argmax(np.abs(r))) == 1


def test_split_is_by_file_and_fixed() -> None:
    files = C.stdlib_files()
    test = [p.name for p in files if C.split_of(p) == "test"]
    assert 0 < len(test) < len(files) / 5
    assert C.split_of(files[0]) == C.split_of(files[0])


def test_best_units_on_a_random_model() -> None:
    model = C.CharLM(
        C.CodeConfig(chars=C.UNK + "".join(sorted(set(CODE))), arch=code_arch(hidden_size=8))
    )
    best = C.analyse(model, CODE * 3)
    assert set(best) == set(C.FEATURES)
    assert all(abs(b.r) <= 1 for units in best.values() for b in units)


def test_shipped_code_model_has_interpretable_cells() -> None:
    try:
        model = C.load()
    except FileNotFoundError:
        pytest.fail("code-lstm is missing from assets/code")
    tr = model.cfg.training
    text = C.held_out_text(20_000, tr.get("docstrings", True), tr.get("quotes", False))
    assert codelm.bits_per_char(model, text[:5000]) < 3.0
    best = C.analyse(model, text)
    assert abs(best["line_position"][0].r) > 0.5
    assert abs(best["indentation"][0].r) > 0.5
    assert abs(best["in_string"][0].r) > 0.6  # a quote cell, scored on text read as in training


def test_shipped_config_reads_into_architecture_training_and_metrics() -> None:
    data = json.loads((C.ASSET / "config.json").read_text(encoding="utf-8"))
    cfg = C.CodeConfig.from_json(data)
    arch = code_arch(32, data["hidden_size"], data.get("num_layers", 1))
    assert (cfg.arch, cfg.chars) == (arch, data["chars"])  # one architecture record, an LSTM
    # stored flat, key for key and in order, as before the config held an Architecture
    assert json.dumps(cfg.to_json()) == json.dumps(data)
    assert set(cfg.metrics["cells"]) == set(C.FEATURES) and cfg.metrics["runs"]
    assert set(cfg.metrics["cells"]["in_string"]) == set(C.REPRESENTATIONS)
    assert cfg.training["stateful"] and cfg.training["packages"] and cfg.training["steps"] > 0
    assert cfg.training["held_out_files"] and cfg.metrics["held_out_bits_per_char"] < 1.6
    assert C.CodeConfig.from_json(cfg.to_json()) == cfg  # the layout round-trips
    assert C.CodeConfig.from_json(cfg.to_json()).training == cfg.training
    # the first shipped layout kept run facts and scores at the top level: still read
    first = {k: v for k, v in data.items() if k not in ("training", "metrics")}
    first |= {k: data["training"][k] for k in ("train_chars", "steps", "seconds", "held_out_files")}
    first["held_out_bits_per_char"] = data["metrics"]["held_out_bits_per_char"]
    old = C.CodeConfig.from_json(first)
    assert old == cfg and old.training["steps"] == data["training"]["steps"]
    assert old.metrics == {"held_out_bits_per_char": data["metrics"]["held_out_bits_per_char"]}
    with pytest.raises(ValueError, match="unknown keys"):
        C.CodeConfig.from_json({**data, "layers": 2})


@pytest.mark.parametrize("stateful", [True, False])
def test_a_few_steps_of_code_training_through_the_loop(tmp_path: Path, stateful: bool) -> None:
    recipe = codelm.CodeRecipe(arch=code_arch(4, 8), seq_len=16, batch_size=4, max_steps=30,
                                min_char_count=1, stateful=stateful)  # fmt: skip
    logs: list[str] = []
    model = codelm.train(recipe, text=CODE * 20, log=logs.append, held_out_chars=2000)
    assert model.cfg.training["steps"] == 30 and model.cfg.training["seq_len"] == 16
    assert model.cfg.training["stateful"] is stateful
    assert 0 < model.cfg.metrics["held_out_bits_per_char"] < 10
    best = codelm.save(model, tmp_path / "code", eval_chars=2000)
    again = C.load(tmp_path / "code")
    assert again.cfg == model.cfg and again.cfg.training == model.cfg.training
    assert set(best) == set(C.FEATURES)
    en = (tmp_path / "code" / "card.md").read_text(encoding="utf-8")
    zh = (tmp_path / "code" / "card.zh.md").read_text(encoding="utf-8")
    assert "Reproduce" in en and "复现" in zh
    assert ("--random-windows" in en) is not stateful and ("--random-windows" in zh) is not stateful
    assert_same_numbers_and_tables(en, zh)
    text = CODE[:20]
    np.testing.assert_allclose(again.trace(text).output, model.trace(text).output, atol=1e-6)


def test_stateful_training_reads_each_row_on_and_carries_its_state(monkeypatch) -> None:
    """Row b's next window starts where its last ended, and the LSTM gets the state it left."""
    seen: list[tuple[torch.Tensor, object]] = []
    original = C.CharLM.forward

    def spy(self, ids, state=None):
        seen.append((ids.clone(), state))
        return original(self, ids, state)

    monkeypatch.setattr(C.CharLM, "forward", spy)
    text = "".join(chr(65 + i % 26) for i in range(400))
    recipe = codelm.CodeRecipe(arch=code_arch(2, 4), seq_len=8, batch_size=2, max_steps=3,
                                min_char_count=1, stateful=True)  # fmt: skip
    codelm.train(recipe, text=text, log=None, held_out_chars=100)
    (first, s0), (second, s1) = seen[0], seen[1]
    assert s0 is None and s1 is not None and not s1[0].requires_grad
    code = {c: i for i, c in enumerate(C.UNK + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    following = [(code[chr(65 + (int(a) - 1 + 1) % 26)]) for a in first[:, -1]]
    assert second[:, 0].tolist() == following  # each row goes on with the next character


def test_training_files_hold_packages_but_never_a_held_out_name() -> None:
    top = codelm.training_files(packages=False)
    every = codelm.training_files(packages=True)
    assert every[: len(top)] == top and len(every) > len(top)
    assert all(C.split_of(p) == "train" for p in every)
    assert not any({"test", "tests", "site-packages"} & set(p.parts) for p in every)


def test_readout_finds_a_feature_spread_over_two_units() -> None:
    model = C.CharLM(
        C.CodeConfig(chars=C.UNK + "".join(sorted(set(CODE))), arch=code_arch(hidden_size=8))
    )
    trace = model.trace(CODE * 4)
    h = trace.quantity(0, "forward", "h").astype(np.float64)
    spread = {"two_units": h[:, 0] - 2 * h[:, 3], "noise": np.random.default_rng(0).random(len(h))}
    best = C.best_units(trace, spread)
    reads = C.readouts(trace, spread)
    assert reads["two_units"] > 0.99 and abs(best["two_units"][0].r) < reads["two_units"]
    assert abs(reads["noise"]) < 0.3


DOCS = '''"""Module docstring."""
import os  # a comment


class A:
    """Only a docstring: its body becomes pass."""


class B:
    """Class docstring."""  # with a comment after it

    x = 'kept'

    def f(self):
        """Method
        docstring."""
        s = "not a docstring"
        return s


def g(): "doc on the header's line"; return 1


def h():
    x = 1
    """a string after the first statement is no docstring"""
    return x
'''


def _without_docstrings(tree: ast.AST) -> str:
    """``ast.dump`` of ``tree`` without docstrings and without a ``pass`` beside other statements."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                body = body[1:] if isinstance(first.value.value, str) else body
        node.body = [s for s in body if not isinstance(s, ast.Pass)] or [ast.Pass()]
    return ast.dump(tree)


def test_strip_docstrings_keeps_the_code_and_removes_only_docstrings() -> None:
    out = C.strip_docstrings(DOCS)
    assert _without_docstrings(ast.parse(out)) == _without_docstrings(ast.parse(DOCS))
    for gone in ("Module docstring", "Only a docstring", "Class docstring", "Method", "header"):
        assert gone not in out
    for kept in ("# a comment", "x = 'kept'", '"not a docstring"', "no docstring", "return 1"):
        assert kept in out
    assert "class A:\n    pass\n" in out and "\n\n\nclass B:\n\n    x" in out
    for path in [p for p in C.stdlib_files() if C.split_of(p) == "test"][:6]:
        source = path.read_text(encoding="utf-8")
        stripped = C.strip_docstrings(source)
        assert _without_docstrings(ast.parse(stripped)) == _without_docstrings(ast.parse(source))
    assert C.strip_docstrings("def broken(:\n") == "def broken(:\n"  # does not parse: as is


def test_normalise_quotes_changes_no_value() -> None:
    source = "a = 'x' + rb'y' + 'it\"s' + f'{a}' + 'don\\'t'\nb = '''tri'''\n"
    out = C.normalise_quotes(source)
    assert out == "a = \"x\" + rb\"y\" + 'it\"s' + f'{a}' + 'don\\'t'\nb = '''tri'''\n"
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(source))
    assert C.prepare(DOCS, docstrings=False, quotes=True).count("'kept'") == 0


def test_features_split_short_strings_docstrings_and_comments() -> None:
    code = '"""Doc."""\nx = \'a\' + f"b{x}"  # c\ns = ("""multi\nline""")\n'
    f = C.features(code)

    def marked(name: str) -> str:
        return "".join(c for c, v in zip(code, f[name], strict=True) if v)

    assert marked("in_docstring") == '"""Doc."""'
    assert marked("in_short_string") == "'a'f\"b{x}\""
    assert marked("in_comment") == "# c"
    assert marked("in_string") == '"""Doc."""\'a\'f"b{x}""""multi\nline"""'


def test_auroc_equals_counting_pairs() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 5, 60).astype(float)  # many ties
    label = (rng.random(60) < 0.3).astype(float)
    pos, neg = values[label == 1], values[label == 0]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert C.auroc(values, label) == pytest.approx(pairs, abs=1e-12)
    assert C.auroc(np.arange(4.0), np.array([0, 0, 1, 1])) == 1.0
    assert np.isnan(C.auroc(np.arange(3.0), np.zeros(3)))


def test_forget_bias_starts_at_one_in_every_layer() -> None:
    rnn = torch.nn.LSTM(3, 4, num_layers=2)
    before = rnn.bias_ih_l1.detach().clone()
    codelm.init_forget_bias(rnn, 1.0)
    for k in range(2):
        total = getattr(rnn, f"bias_ih_l{k}") + getattr(rnn, f"bias_hh_l{k}")
        assert torch.equal(total[4:8], torch.ones(4))
    assert torch.equal(rnn.bias_ih_l1[:4], before[:4]) and torch.equal(
        rnn.bias_ih_l1[8:], before[8:]
    )


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    recipe = codelm.CodeRecipe(arch=code_arch(4, 8, 2), seq_len=16, batch_size=4,
                               min_char_count=1, forget_bias=1.0)  # fmt: skip
    text = CODE * 8  # short: the rows' stretches run out and a second pass starts
    kw = {"text": text, "log": None, "held_out_chars": 500}
    whole = codelm.train(replace(recipe, max_steps=12), run=tmp_path / "a", **kw)
    codelm.train(replace(recipe, max_steps=5), run=tmp_path / "b", **kw)  # stopped at step 5
    saved = torch.load(tmp_path / "b" / codelm.CHECKPOINT, weights_only=False)
    assert saved["step"] == 5 and saved["carried"] is not None
    # the checkpoint stores the recipe flat, as every run so far did (a run resumes across code)
    flat = ["budget_seconds", "max_steps", "hidden_size", "embed_size", "num_layers", "seq_len"]
    assert list(saved["recipe"])[:6] == flat and saved["recipe"]["embed_size"] == 4
    assert codelm.CodeRecipe.from_json(saved["recipe"]) == replace(recipe, max_steps=5)
    resumed = codelm.train(replace(recipe, max_steps=12), run=tmp_path / "b", resume=True, **kw)
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert resumed.cfg.training["steps"] == 12 and resumed.cfg.training["num_layers"] == 2
    exported = codelm.from_checkpoint(tmp_path / "b", held_out_chars=500)  # the average, as shipped
    for a, b in zip(exported.state_dict().values(), whole.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        codelm.train(recipe, run=tmp_path / "c", resume=True, **kw)


def test_a_run_goes_on_from_another_runs_checkpoint_on_other_text(tmp_path: Path) -> None:
    """``init_from``: the weights, Adam and the step go on; the text is prepared as the new
    recipe says; the config, the checkpoint (across a resume) and the card say both parts."""
    recipe = codelm.CodeRecipe(arch=code_arch(4, 8, 2), seq_len=16, batch_size=4,
                               min_char_count=1, forget_bias=1.0, docstrings=False)  # fmt: skip
    kw = {"text": CODE * 8, "log": None, "held_out_chars": 500}
    codelm.train(replace(recipe, max_steps=5), run=tmp_path / "a", **kw)
    first = torch.load(tmp_path / "a" / codelm.CHECKPOINT, weights_only=False)
    second = replace(recipe, max_steps=7, long_strings=False, lr=1.0)  # lr: the first run's holds
    codelm.train(second, run=tmp_path / "b", init_from=tmp_path / "a", **kw)
    saved = torch.load(tmp_path / "b" / codelm.CHECKPOINT, weights_only=False)
    assert saved["step"] == 7 and saved["continued_from"]["steps"] == 5
    assert saved["continued_from"]["recipe"] == first["recipe"]
    r = codelm.CodeRecipe.from_json(saved["recipe"])
    assert r.long_strings is False and r.lr == recipe.lr and not r.docstrings
    model = codelm.train(replace(second, max_steps=9), run=tmp_path / "b", resume=True, **kw)
    tr = model.cfg.training
    assert tr["steps"] == 9 and tr["continued_from"]["run"] == "a"
    assert tr["long_strings"] is False and tr["continued_from"]["recipe"]["long_strings"] is True
    summary = codelm.run_summary(model.cfg, {})
    assert summary["name"] == "2x8-nodoc-then-nolong" and "then (from step 5)" in summary["text"]
    en, zh = codelm.card(model.cfg, 500, "en"), codelm.card(model.cfg, 500, "zh")
    assert "Trained in two parts: 5 steps" in en and "4 steps" in en
    assert "--init-from /tmp/a" in en and "--no-long-strings --max-steps 9" in en
    assert "分两段训练" in zh and "--init-from /tmp/a" in zh
    exported = codelm.from_checkpoint(tmp_path / "b", held_out_chars=500)
    assert exported.cfg.training["continued_from"]["steps"] == 5
    # trained without multi-line strings: the card also reads the string units with them kept
    codelm.save(model, tmp_path / "m", eval_chars=2000)
    kept = C.load(tmp_path / "m").cfg.metrics["with_long_strings"]
    assert set(kept) == {"in_string", "in_short_string"} and set(kept["in_string"]) == {
        "c",
        "tanh_c",
        "h",
    }
    assert "multi-line string literals kept" in (tmp_path / "m" / "card.md").read_text()
    assert "保留跨行字符串字面量" in (tmp_path / "m" / "card.zh.md").read_text()


def test_best_units_and_scorecard_look_in_every_layer() -> None:
    cfg = C.CodeConfig(C.UNK + "".join(sorted(set(CODE))), code_arch(hidden_size=6, num_layers=2))
    trace = C.CharLM(cfg).trace(CODE * 3)
    c1 = trace.quantity(1, "forward", "c")
    feats = {"in_string": C.features(CODE * 3)["in_string"], "planted": np.tanh(c1[:, 4])}
    best = C.best_units(trace, feats)
    top = best["planted"][0]
    assert (top.layer, top.quantity, top.unit, top.name(2)) == (1, "tanh_c", 4, "L2 tanh(c)[4]")
    assert top.r == pytest.approx(1.0) and top.auroc is None
    assert all(b.auroc is not None and 0 <= b.auroc <= 1 for b in best["in_string"])
    card = C.scorecard(trace, feats)
    assert set(card["planted"]) == set(C.REPRESENTATIONS)
    assert card["planted"]["tanh_c"].r == pytest.approx(1.0)
    assert abs(card["planted"]["c"].r) < 1
