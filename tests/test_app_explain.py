"""AppTest of the explainer pages (issue 10) in both languages, with and without user actions:
memory provenance, gate clamps, why gates, from scratch, and every guided lesson walked to its end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import i18n, lessons, models
from rnnviz.cells import CELLS
from tests.helpers import app_pages, ok

ROOT = Path(__file__).resolve().parent.parent
PAGES = app_pages("explainer")
LANGS = ["en", "zh"]
TIMEOUT = 120
BRACKETS = "(()(()))()"


def page(name: str, lang: str, projector: bool = False, **params: str) -> AppTest:
    i18n.use(lang)  # AppTest formats widget options in the test's thread, in its language
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    if projector:
        at.query_params["projector"] = "1"
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.success, *at.warning, *at.info, *at.error]
    return "\n".join(str(p.value) for p in parts)


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chinese(s: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", s))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_page_renders_on_its_own_with_defaults(name: str, lang: str) -> None:
    at = page(name, lang)
    ok(at)
    assert at.title[0].value == i18n.STRINGS[f"page_{name}"][lang]


@pytest.mark.parametrize("lang", LANGS)
def test_memory_rows_sum_to_the_trace_and_unit_changes(lang: str) -> None:
    at = page("memory", lang, model="count-lstm", text=BRACKETS)
    ok(at)
    unit = at.number_input[0]
    assert unit.value == 4  # count-lstm's measured counter c[4]
    found = re.search(r"(\d\.\de[-+]\d+)", "\n".join(c.value for c in at.caption))
    assert found and float(found.group(1)) <= 1e-5
    title = specs(at)[0]["layout"]["title"]["text"]
    assert "c[4]" in title and chinese(title) == (lang == "zh")
    unit.set_value(2).run()
    ok(at)
    assert "c[2]" in specs(at)[0]["layout"]["title"]["text"]


def test_memory_backward_direction_and_projector() -> None:
    at = page("memory", "zh", projector=True, model="cws-bilstm", text="我爱北京天安门。")
    ok(at)
    at.segmented_control(key="w_mem_direction").set_value("backward").run()
    ok(at)
    spec = specs(at)[0]
    assert "反向" in spec["layout"]["title"]["text"]
    assert spec["layout"]["height"] > 500  # scaled for the projector


@pytest.mark.parametrize("lang", LANGS)
def test_clamps_choose_a_gate_and_clear_the_units(lang: str) -> None:
    at = page("clamps", lang, model="count-lstm", text=BRACKETS)
    ok(at)
    assert len(at.get("plotly_chart")) == 4  # Δprediction, lines, Δc, Δh
    at.segmented_control(key="w_cl_gate").set_value("f").run()
    at.select_slider(key="w_cl_v_f").set_value(0.0).run()
    ok(at)
    body = text(at)
    assert "**f" in body and "0.0**" in body
    at.text_input(key="w_cl_units_count-lstm").set_value("").run()
    ok(at)
    info = at.info[0].value
    assert i18n.STRINGS["cl_none"][lang].split("{")[0] in info
    assert float(re.search(r"(\d\.\de[-+]\d+)", info).group(1)) <= 1e-6


def test_clamps_on_a_gru_candidate_takes_minus_one_to_one() -> None:
    at = page("clamps", "zh", model="count-gru", text=BRACKETS)
    ok(at)
    at.segmented_control(key="w_cl_gate").set_value("n").run()
    assert at.select_slider(key="w_cl_v_n").options == ["-1.0", "0.0", "1.0"]
    at.select_slider(key="w_cl_v_n").set_value(1.0).run()
    ok(at)


def test_clamps_on_the_vanilla_rnn_hold_its_state() -> None:
    """count-rnn has one block, h: the page offers it, and holding it changes the prediction."""
    at = page("clamps", "zh", model="count-rnn", text=BRACKETS)
    ok(at)
    assert not at.info  # no "needs an LSTM or a GRU"
    assert [o.split(" ")[0] for o in at.segmented_control(key="w_cl_gate").options] == ["h"]
    at.select_slider(key="w_cl_v_h").set_value(1.0).run()
    ok(at)
    assert len(at.get("plotly_chart")) == 3  # Δprediction, lines, Δh


@pytest.mark.parametrize("lang", LANGS)
def test_gradients_keep_bias_slider(lang: str) -> None:
    at = page("gradients", lang, model="count-lstm", text=BRACKETS)
    ok(at)
    at.slider(key="w_gr_keep").set_value(3.0).run()
    ok(at)
    line = next(m.value for m in at.markdown if "RNN" in m.value and "LSTM" in m.value)
    left = {cell: float(v) for cell, v in re.findall(r"([\w ()]+?) (\d\.\de[-+]\d+)", line)}
    left = {cell.strip(" :·"): v for cell, v in left.items()}
    assert set(left) >= {CELLS[c].title for c in CELLS}, left
    rnn, lstm, gru = (left[CELLS[c].title] for c in ("rnn", "lstm", "gru"))
    assert rnn < 1e-10 and lstm > 1e-2 and gru > 1e-2  # gates that keep carry the gradient


@pytest.mark.parametrize("lang", LANGS)
def test_scratch_check_mark_and_lstm(lang: str) -> None:
    at = page("scratch", lang)
    ok(at)
    assert at.success and at.success[0].value.startswith("✓")
    assert "(10, 6, 3)" in str(at.table[0].value.to_dict())
    at.segmented_control(key="w_sc_cell").set_value("lstm").run()
    ok(at)
    assert "lstm_layer" in at.code[0].value and at.success[0].value.startswith("✓")


def open_lesson(lang: str, lesson: str) -> AppTest:
    at = page("lessons", lang)
    ok(at)
    at.button(key=f"b_ls_open_{lesson}").click().run()  # the link, outside the app's navigation
    ok(at)
    return at


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lesson", list(lessons.LESSONS))
def test_lesson_walked_to_its_end(lesson: str, lang: str) -> None:
    """Answer every stage (right in English, wrong in 中文), reveal, and go on to the end."""
    at = open_lesson(lang, lesson)
    for k, stage in enumerate(lessons.LESSONS[lesson].stages):
        assert at.query_params["stage"] == [str(k)] or at.query_params["stage"] == str(k)
        assert i18n.STRINGS[lessons.key(lesson, k, "title")][lang] in text(at)
        if stage.model:
            assert at.session_state["model"] == stage.model  # the stage set the selection
            assert at.session_state["text"] == stage.text
            assert at.session_state["step"] == stage.step
        reveal = at.button(key=f"b_ls_reveal_{lesson}_{k}")
        assert reveal.disabled and not at.get("plotly_chart")  # predict first
        pick = stage.answer if lang == "en" else (stage.answer + 1) % stage.options
        at.radio(key=f"w_ls_{lesson}_{k}").set_value(pick).run()
        at.button(key=f"b_ls_reveal_{lesson}_{k}").click().run()
        ok(at)
        feedback = (at.success if lang == "en" else at.warning)[0].value
        answer = i18n.STRINGS[lessons.key(lesson, k, f"o{stage.answer}")][lang]
        assert answer.split("{")[0] in feedback  # numbers in an option are measured on the model
        assert at.get("plotly_chart"), "the answer reveals a figure"
        if k < len(lessons.LESSONS[lesson].stages) - 1:
            at.button(key="b_ls_next").click().run()
            ok(at)
    assert i18n.STRINGS["ls_done"][lang] in text(at)
    at.button(key="b_ls_all").click().run()  # back to the list of lessons
    ok(at)
    assert i18n.STRINGS["ls_intro"][lang] in text(at) and "lesson" not in at.query_params


def test_lesson_link_reopens_a_stage_in_projector_mode() -> None:
    at = page("lessons", "zh", projector=True, lesson="gruvslstm", stage="1")
    ok(at)
    assert at.session_state["model"] == "count-gru" and at.session_state["unit"] == 7
    assert "第 2 步，共 3 步" in str([p.proto for p in at.get("progress")])


def test_lesson_with_a_missing_model_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    ghost = lessons.Lesson("ghost", (lessons.Stage("unit", "no-such-model", "x"),))
    monkeypatch.setitem(lessons.LESSONS, "ghost", ghost)
    at = page("lessons", "en", lesson="ghost")
    ok(at)
    assert "no-such-model" in at.warning[0].value


def test_every_lesson_model_is_shipped() -> None:
    names = models.available()
    for lesson in lessons.LESSONS.values():
        assert not lesson.missing(names), lesson.id


def test_pages_from_the_entry() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["model"] = "count-lstm"
    at.query_params["lang"] = "zh"
    at.run()
    ok(at)
    for name in PAGES:
        at.switch_page(f"pages/{name}.py").run()
        ok(at)
