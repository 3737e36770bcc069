"""Cells in code: features from Python's tokenizer, correlations, the shipped code LSTM."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnviz.analysis import codecells as C

torch.set_num_threads(1)

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
    model = C.CharLM(C.CodeConfig(chars=C.UNK + "".join(sorted(set(CODE))), hidden_size=8))
    best = C.analyse(model, CODE * 3)
    assert set(best) == set(C.FEATURES)
    assert all(abs(b.r) <= 1 for units in best.values() for b in units)


def test_shipped_code_model_has_interpretable_cells() -> None:
    try:
        model = C.load()
    except FileNotFoundError:
        pytest.fail("code-lstm is missing from assets/code")
    text = C.held_out_text(20_000)
    assert C.bits_per_char(model, text[:5000]) < 3.0
    best = C.analyse(model, text)
    assert abs(best["line_position"][0].r) > 0.5
    assert abs(best["indentation"][0].r) > 0.5
