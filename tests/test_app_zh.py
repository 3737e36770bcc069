"""The analysis pages in 中文 (AppTest): no exception, no English table header or chart label.

Table headers are checked here because the browser draws ``st.dataframe`` on a canvas (glide
data grid): its headers are not in the DOM. Chart specs are read from the Plotly JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import cards, models
from rnnviz.analysis import codecells
from rnnviz.analysis.saturation import group_label
from rnnviz.figures import analysis as af
from rnnviz.i18n import STRINGS
from rnnviz.ui.services import table_frame
from tests.helpers import app_pages

ROOT = Path(__file__).resolve().parent.parent
PAGES = app_pages("analysis")
SHIPPED = ["cws-bilstm", "cws-bigru", "pos-bilstm", "ner-bilstm", "sentiment-gru", "count-lstm",
           "count-gru", "count-rnn", "count-mingru", "count-slstm"]  # fmt: skip
# Header words that are the same in both languages or are the model's own labels.
SAME = {"r", "Δ"}


def english_headers() -> set[str]:
    """English sides of the ``col_`` strings that a 中文 table must not show."""
    return {v["en"] for k, v in STRINGS.items() if k.startswith("col_") and v["en"] != v.get("zh")}


def run(name: str, model: str, text: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=90)
    at.query_params["model"] = model
    at.query_params["lang"] = "zh"
    at.query_params["text"] = text
    return at.run()


def chart_words(at: AppTest) -> str:
    """Titles, axis titles, legend names, hover templates and colour bars of every chart."""
    out = []
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        for key, value in layout.items():
            if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
                out.append(json.dumps(value.get("title", "")))
        for trace in spec.get("data", []):
            out += [str(trace.get("name", "")), str(trace.get("hovertemplate", ""))]
            out.append(json.dumps(trace.get("colorbar", {}).get("title", "")))
    return "\n".join(out)


@pytest.mark.parametrize(
    ("name", "model", "text"),
    [
        ("whatif", "count-lstm", "(()(()))()"),
        ("whatif", "cws-bilstm", "我爱北京天安门。"),
        ("saliency", "count-lstm", "(()(()))()"),
        ("saturation", "count-lstm", "(()(()))()"),
        ("search", "count-lstm", "(()(()))()"),
        ("custom", "count-lstm", "(()(()))()"),
        ("live", "count-lstm", "(()(()))()"),
        ("codecells", "count-lstm", "(()(()))()"),
    ],
)
def test_page_in_chinese_has_no_english_headers_or_chart_words(
    name: str, model: str, text: str
) -> None:
    if model not in models.available():
        pytest.fail(f"{model} is not shipped")
    at = run(name, model, text)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    english = english_headers()
    for frame in at.dataframe:
        shown = {str(c) for c in frame.value.columns}
        assert not shown & english, (name, sorted(shown & english))
    words = chart_words(at)
    for key in ("fa_unit", "fa_pos", "fa_share", "fa_left", "fa_input_s", "fa_token_aligned"):
        assert f">{STRINGS[key]['en']} " not in words and f'"{STRINGS[key]["en"]}"' not in words
    assert "forward" not in words and "unit %" not in words, (name, words[:500])


def test_saturation_legend_is_chinese() -> None:
    at = run("saturation", "count-lstm", "(()(()))()")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [tr["name"] for tr in spec["data"] if tr.get("name")]
    assert "第0层·正向·i 输入门" in names, names
    assert group_label("L0 forward i", "en") == "L0 forward i"


def test_table_frame_translates_headers_and_directions() -> None:
    import pandas as pd

    frame = pd.DataFrame({"layer": [0], "direction": ["backward"], "never_saturated": [3]})
    zh = table_frame(frame, "zh")
    assert list(zh.columns) == ["层", "方向", "很少饱和"] and zh["方向"][0] == "反向"
    en = table_frame(frame, "en")
    assert list(en.columns) == ["layer", "direction", "rarely saturated"]
    assert list(frame.columns) == ["layer", "direction", "never_saturated"]  # input untouched


def test_figures_take_the_language_and_keep_english_defaults() -> None:
    import numpy as np

    fig = af.diff_heatmap(np.zeros((3, 2)), ["a", "b", "c"], "h", lang="zh")
    assert fig.layout.xaxis.title.text == "字词（已对齐）" and fig.layout.yaxis.title.text == "单元"
    assert "单元" in fig.data[0].hovertemplate
    fig = af.diff_heatmap(np.zeros((3, 2)), ["a", "b", "c"], "h")
    assert fig.layout.xaxis.title.text == "token (aligned)"
    fig = af.loss_curve([1, 2], [0.5, 0.4], [0.1, 0.2], lang="zh")
    assert [d.name for d in fig.data] == ["损失", "准确率"]
    fig = af.change_bars(np.ones(2), np.ones(2), ["a", "b"], lang="zh")
    assert [d.name for d in fig.data] == ["修改前", "修改后"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_model_has_a_faithful_chinese_card(name: str) -> None:
    if name not in models.available():
        pytest.fail(f"{name} is not shipped")
    model = models.load(name)
    zh = model.card_for("zh")
    assert zh != model.card and zh.startswith(f"# {name}")
    assert model.card_for("en") == model.card
    assert cards.translation(model.card, "zh") == zh
    assert_same_numbers_and_tables(model.card, zh)


def test_code_model_card_in_chinese() -> None:
    en, zh = cards.load(codecells.ASSET, "en"), cards.load(codecells.ASSET, "zh")
    assert en and zh != en
    assert_same_numbers_and_tables(en, zh)


def assert_same_numbers_and_tables(en: str, zh: str) -> None:
    """Every number and every table row of the English card is in the translation, unchanged."""
    import re

    def numbers(s: str) -> list[str]:
        return list(re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", s))

    assert set(numbers(en)) <= set(numbers(zh)), sorted(set(numbers(en)) - set(numbers(zh)))
    lines = en.splitlines()
    for line, below in zip(lines, [*lines[1:], ""], strict=True):
        if line.startswith("|") and not below.startswith(
            "|---"
        ):  # rows verbatim, headers translated
            assert line in zh, line
    for code in re.findall(r"`([^`]+)`", en):
        assert code in zh, code


def test_custom_random_model_described_in_chinese() -> None:
    at = run("custom", "count-lstm", "(()(()))()")
    at.text_input(key="w_cu_vocab").set_value("()")
    at.number_input(key="w_cu_hidden").set_value(6)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(m.value for m in at.markdown)
    assert "LSTM、1 层、单向、输入 8、隐藏 6" in shown, shown
    assert "layer" not in shown and "hidden" not in shown
