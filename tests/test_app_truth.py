"""What the class sees must be true (issue 18): charts contain their data, and every number a
lesson quotes is the shipped model's, shown on the stage's chart, in English and 中文."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import i18n, lessons, models
from rnnviz.analysis import gradients
from rnnviz.models.base import prepare
from tests.helpers import ok

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180
LANGS = ["en", "zh"]
_DTYPES = {"f4": "<f4", "f8": "<f8", "i1": "i1", "u1": "u1", "i2": "<i2", "u2": "<u2",
           "i4": "<i4", "u4": "<u4", "u1c": "u1"}  # fmt: skip


# --- reading a Plotly spec as the browser gets it ----------------------------------------------


def values(array: object) -> np.ndarray:
    """A spec's array (a list, or Plotly's ``{"dtype", "bdata", "shape"}``) as float64;
    strings and other non-numbers become NaN."""
    if isinstance(array, dict) and "bdata" in array:
        out = np.frombuffer(base64.b64decode(array["bdata"]), dtype=_DTYPES[array["dtype"]])
        return out.astype(np.float64)
    flat = np.asarray(array, dtype=object).ravel()
    return np.array(
        [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else np.nan for v in flat]
    )  # fmt: skip


def _axis(layout: dict, ref: str, letter: str) -> dict:
    name = letter + "axis" + ref[1:]  # "x2" -> "xaxis2"
    return layout.get(name, {})


def _positions(trace: dict, letter: str) -> np.ndarray | None:
    if letter in trace:
        return values(trace[letter])
    if f"{letter}0" in trace:  # x0/dx: positions 0, 1, … of the other array's length
        other = "y" if letter == "x" else "x"
        n = (
            len(values(trace.get(other, trace.get("z", []))))
            if (other in trace or "z" in trace)
            else 0
        )
        return trace[f"{letter}0"] + trace.get(f"d{letter}", 1) * np.arange(n)
    return None


def outside(spec: dict) -> list[str]:
    """Every drawn value that lies outside the range its axis or colour scale was fixed to."""
    layout, problems = spec.get("layout", {}), []
    for k, trace in enumerate(spec.get("data", [])):
        kind = trace.get("type", "scatter")
        if kind in ("heatmap", "contour") and "z" in trace and trace.get("zauto") is not True:
            z = values(trace["z"])
            z = z[np.isfinite(z)]
            lo, hi = trace.get("zmin"), trace.get("zmax")
            if z.size and lo is not None and hi is not None and not lo <= z.min() <= z.max() <= hi:
                problems.append(f"trace {k} ({kind}) z {z.min():.3g}..{z.max():.3g} on {lo}..{hi}")
        if kind not in ("scatter", "scattergl", "bar"):
            continue
        for letter in ("x", "y"):
            axis = _axis(layout, trace.get(f"{letter}axis", letter), letter)
            bounds = axis.get("range")
            if not bounds or axis.get("autorange") is True or axis.get("type") == "category":
                continue
            v = _positions(trace, letter)
            if v is None:
                continue
            v = v[np.isfinite(v)]
            if axis.get("type") == "log":
                v = np.log10(v[v > 0])
            lo, hi = sorted(float(b) for b in bounds)
            if v.size and not lo <= v.min() <= v.max() <= hi:
                name = trace.get("name", "")
                problems.append(
                    f"trace {k} {name!r} {letter} {v.min():.3g}..{v.max():.3g} on {lo:.3g}..{hi:.3g}"
                )
    return problems


def drawn(spec: dict) -> np.ndarray:
    """Every number a spec draws (x, y, z, marker colours), flattened."""
    parts = []
    for trace in spec.get("data", []):
        for name in ("x", "y", "z"):
            if name in trace:
                parts.append(values(trace[name]))
        color = trace.get("marker", {}).get("color")
        if color is not None and not isinstance(color, str):
            parts.append(values(color))
    found = np.concatenate(parts) if parts else np.zeros(0)
    return found[np.isfinite(found)]


# --- numbers in words ---------------------------------------------------------------------------

NUMBER = re.compile(r"[−+-]?\d+\.\d+%?|\d+(?:\.\d+)?e-\d+|\d+(?:\.\d+)?%")


def quoted(text: str) -> list[str]:
    """The measured numbers in a text: decimals, percentages, ``2e-13``; not counts or indices."""
    return NUMBER.findall(text)


def on_chart(number: str, chart: np.ndarray) -> bool:
    """Whether a quoted number is one of the chart's values as that number is rounded."""
    plain = number.replace("−", "-").replace("+", "")
    if "e-" in plain:
        return any(lessons.tiny(v) == plain for v in chart if v > 0)
    if plain.endswith("%"):
        return any(lessons.percent(v) == plain for v in chart)
    digits = len(plain.split(".")[1])
    return bool(np.any(np.abs(chart - float(plain)) <= 0.5 * 10.0**-digits + 1e-9))


class Direct:
    """The models read directly (no app cache): the reference the lesson's words must equal."""

    def run(self, model: str, text: str):
        return models.run(models.load(model), text)

    def cell_gradients(self, keep_bias: float):
        return gradients.compare_cells(keep_bias=keep_bias)

    def model_gradient(self, model: str, text: str, layer: int, direction: str) -> np.ndarray:
        m = models.load(model)
        return gradients.gradient_norms(m.rnn, prepare(m, text).inputs, layer, direction)

    def metrics(self, model: str) -> dict:
        return models.load(model).config.metrics


# --- helpers for AppTest ------------------------------------------------------------------------


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def body(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.success, *at.warning, *at.info]
    return "\n".join(str(p.value) for p in parts)


def lesson_page(lang: str, lesson: str, stage: int) -> AppTest:
    i18n.use(lang)
    at = AppTest.from_file(str(ROOT / "pages" / "lessons.py"), default_timeout=TIMEOUT)
    at.query_params.update({"lang": lang, "lesson": lesson, "stage": str(stage)})
    return at.run()


def revealed(at: AppTest, lesson: str, k: int, pick: int) -> AppTest:
    at.radio(key=f"w_ls_{lesson}_{k}").set_value(pick).run()
    at.button(key=f"b_ls_reveal_{lesson}_{k}").click().run()
    ok(at)
    return at


STAGES = [(lid, k) for lid, lesson in lessons.LESSONS.items() for k in range(len(lesson.stages))]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("lesson", "stage"), STAGES)
def test_reveal_a_lesson_stage_charts_hold_every_value_and_every_quoted_number(
    lesson: str, stage: int, lang: str
) -> None:
    """Open each stage, answer, reveal: no drawn value is off its axis, and every number the
    stage's words quote is the model's (measured directly here) and drawn on its chart."""
    at = lesson_page(lang, lesson, stage)
    ok(at)
    s = lessons.LESSONS[lesson].stages[stage]
    at = revealed(at, lesson, stage, s.answer)
    charts = specs(at)
    assert charts, "the answer reveals a figure"
    for spec in charts:
        assert not outside(spec), outside(spec)
    unit = at.session_state["unit"] if s.model else 0
    facts = lessons.facts(lesson, stage, unit, Direct(), lang)
    words = [
        i18n.STRINGS[lessons.key(lesson, stage, part)][lang].format(**facts)
        for part in ("text", "q", "why", *(f"o{o}" for o in range(s.options)))
    ]
    radio = at.radio(key=f"w_ls_{lesson}_{stage}")
    shown = "\n".join([body(at), radio.label, *radio.options])
    for w in words:
        assert w in shown, w  # the page quotes what the model gives now
    chart = np.concatenate([drawn(spec) for spec in charts])
    off = [facts[name] for name in lessons.OFF_CHART.get((lesson, stage), ())]
    for w in words[:3]:  # an option may name a threshold ("below 1e-6"), not a measurement
        for value in off:
            w = w.replace(value, "")
        for number in quoted(w):
            assert on_chart(number, chart), f"{number} quoted but not on the chart: {w}"


def test_reading_both_ways_quotes_the_shipped_segmenters_split() -> None:
    """Stage 2 of "Reading both ways" once said +5.4 / +2.6 (a segmenter since retrained)."""
    run = models.run(models.load("cws-bilstm"), "我爱北京天安门。")
    e = run.split.labels.index("E")
    fwd, bwd = run.split.forward[3, e], run.split.backward[3, e]
    assert run.predicted[3] == "E" and fwd > bwd  # the words' claims and the right option
    for lang in LANGS:
        at = revealed(lesson_page(lang, "bothways", 1), "bothways", 1, 0)
        text = body(at)
        assert lessons.number(fwd, sign=True) in text and lessons.number(bwd, sign=True) in text
        assert "5.4" not in text and "2.6" not in text


def test_gru_vs_lstm_answers_follow_the_models() -> None:
    """The right options are what the models do: the LSTM counts past ±2 and says balanced at
    the end, the GRU stays inside −1…1 and does not."""
    lstm = models.run(models.load("count-lstm"), lessons.LONG)
    gru = models.run(models.load("count-gru"), lessons.LONG)
    assert lstm.trace.quantity(0, "forward", "c")[:, 4].min() < -20
    assert np.abs(gru.trace.quantity(0, "forward", "h")[:, 7]).max() < 1
    assert lstm.predicted[-1] == "balanced" != gru.predicted[-1]


def test_lesson_words_type_no_measured_number() -> None:
    """A measured number typed into a lesson's words goes stale on the next retrain: they hold
    placeholders, filled by rnnviz.lessons.facts."""
    typed = {
        (k, lang): quoted(v[lang])
        for k, v in i18n.STRINGS.items()
        if k.startswith("ls_")
        for lang in LANGS
        if quoted(v[lang])
    }
    allowed = {"0.01", "0.1", "1e-6"}  # thresholds and distractors in options, not measurements
    assert not {k: n for k, n in typed.items() if set(n) - allowed}, typed


def test_heatmaps_unit_line_of_c_holds_the_count() -> None:
    """Heatmaps → choose c: the unit line once clipped count-lstm's c[4] at −2…2."""
    from rnnviz import figures

    run = models.run(models.load("count-lstm"), lessons.LONG)
    spec = json.loads(json.dumps(figures.unit_lines(run.trace, 4, 0, ("c", "h")).to_dict(),
                                 default=lambda a: a.tolist()))  # fmt: skip
    assert not outside(spec)
    lo, hi = spec["layout"]["yaxis"]["range"]
    assert lo < -29 and hi > 1 - 1e-6


def entry_pages() -> list[str]:
    text = (ROOT / "app.py").read_text(encoding="utf-8")
    return re.findall(r'ui\.page\("(pages/[a-z_]+\.py)"', text)


@pytest.mark.parametrize("page", entry_pages())
def test_open_each_page_default_charts_hold_their_data(page: str) -> None:
    """Every page as it opens (count-lstm on a deep string, where c leaves −2…2): no drawn value
    lies outside the range its axis or colour scale was fixed to."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update({"model": "count-lstm", "text": "(" * 12 + ")" * 12})
    at.run()
    at.switch_page(page).run()
    ok(at)
    for spec in specs(at):
        assert not outside(spec), (page, spec["layout"].get("title"), outside(spec))


def numeric_model_app(steps: int, width: int = 16) -> tuple[AppTest, str]:
    """The app with the user's own numeric-input model (16 numbers a step) and ``steps`` rows."""
    from rnnviz import custom

    key = custom.RandomSpec(custom.random_arch("gru", 8, width), "", 3, 0).key()
    rows = np.random.default_rng(0).normal(size=(steps, width)).round(3)
    text = "\n".join(" ".join(f"{v:g}" for v in row) for row in rows)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["custom_model"] = key  # as the upload page leaves it
    at.query_params["model"] = key
    at.run()
    at.session_state["text"] = text  # as typed or pasted into the sentence box
    return at, text


@pytest.mark.parametrize("page", ["pages/step.py", "pages/predictions.py", "pages/heatmaps.py"])
def test_step_through_an_uploaded_numeric_model_reads_every_row(page: str) -> None:
    """16 numbers a step are ~90 characters: the sentence's 200-character limit once cut the
    second row ("each step needs 16 numbers; step 2 has 5"). Steps are counted, not characters."""
    at, text = numeric_model_app(12)
    assert len(text) > 600
    at.switch_page(page).run()
    ok(at)
    assert at.session_state["text"] == text
    assert i18n.STRINGS["steps_read"]["en"].format(steps=12, width=16) in body(at)


def test_too_many_numeric_steps_say_how_many() -> None:
    at, _ = numeric_model_app(501, width=2)
    at.switch_page("pages/predictions.py").run()
    assert at.error and "501" in at.error[0].value


# --- 中文 all the way: the models' labels, the library's messages -----------------------------


def page_alone(name: str, lang: str, **params: str) -> AppTest:
    i18n.use(lang)
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    at.query_params.update({"lang": lang, **params})
    return at.run()


@pytest.mark.parametrize("lang", LANGS)
def test_predictions_name_the_count_models_labels_in_the_chosen_language(lang: str) -> None:
    at = page_alone("predictions", lang, model="count-lstm", text="(()")
    ok(at)
    names = {i18n.label_name(x, lang) for x in ("balanced", "open", "invalid")}
    heat = next(s for s in specs(at) if s["data"][0].get("type") == "heatmap")
    assert set(heat["data"][0]["y"]) == names
    split = next(s for s in specs(at) if s["data"][0].get("type") == "bar")
    bars = split["data"][0]
    assert set(bars["x"] if isinstance(bars["x"], list) else bars["y"]) <= names
    if lang == "zh":
        assert names == {"平衡", "未闭合", "非法"} and "invalid" not in json.dumps(specs(at))


def test_sentiment_prediction_in_chinese_says_负面_or_正面() -> None:
    at = page_alone("predictions", "zh", model="sentiment-gru", text="质量太差了，很失望。")
    ok(at)
    assert at.metric[0].value.startswith("负面")


def test_whatif_delete_the_only_token_in_chinese() -> None:
    at = page_alone("whatif", "zh", model="count-lstm", text="(")
    ok(at)
    at.segmented_control(key="w_wi_edit").set_value("delete").run()
    ok(at)
    assert at.info[0].value == i18n.STRINGS["wi_only_token"]["zh"]
    assert "can't" not in body(at)


def test_library_refusals_read_in_chinese() -> None:
    from rnnviz import custom

    i18n.use("zh")
    try:
        with pytest.raises(custom.CustomModelError) as bad:
            custom._parse_rows("1 2 3\n4 5", 3)
        assert (
            i18n.error_text(bad.value) == "每一步需要 3 个数字（每行或每个“;”一步）；第 1 步有 2 个"
        )
        with pytest.raises(custom.CustomModelError) as empty:
            custom.load_upload(b"", "x.pt")
        assert i18n.error_text(empty.value) == "x.pt 是空文件"
        assert i18n.error_text(ValueError("odd")) == "（英文原文）odd"
    finally:
        i18n.use("en")
    assert custom.upload_suffix_ok("m.SafeTensors") and not custom.upload_suffix_ok("notes.txt")


@pytest.mark.parametrize("lang", LANGS)
def test_type_5_in_gate_clamps_units_clamps_unit_5(lang: str) -> None:
    """Typing "5" + Enter once selected the 22 units whose number contains a 5."""
    at = page_alone("clamps", lang, model="cws-bilstm", text="我爱北京天安门。")
    ok(at)
    at.text_input(key="w_cl_units_cws-bilstm").set_value("5").run()
    ok(at)
    lines = next(s for s in specs(at) if s["data"][0].get("mode") == "lines+markers")
    assert {tr["name"].split(" ")[0] for tr in lines["data"]} == {"h[5]"}
    at.text_input(key="w_cl_units_cws-bilstm").set_value("5, 40-42，x, 999").run()
    ok(at)
    assert "x, 999" in at.warning[0].value
    assert "5, 40, 41, 42" in body(at)


def test_parse_units_reads_numbers_and_ranges() -> None:
    from rnnviz.ui.explain import parse_units

    assert parse_units("5", 128) == ((5,), ())
    assert parse_units("3, 7 0-2、7", 8) == ((3, 7, 0, 1, 2), ())
    assert parse_units("8, -1, a, 2-1", 8) == ((), ("8", "-1", "a", "2-1"))


@pytest.mark.parametrize("lang", LANGS)
def test_back_in_a_lesson_keeps_the_chosen_answer_and_the_revealed_chart(lang: str) -> None:
    at = revealed(lesson_page(lang, "memory", 0), "memory", 0, 2)
    at.button(key="b_ls_next").click().run()
    ok(at)
    assert not at.get("plotly_chart")  # the next stage asks first
    at.button(key="b_ls_back").click().run()
    ok(at)
    assert at.radio(key="w_ls_memory_0").value == 2
    assert at.get("plotly_chart") and at.warning  # the wrong pick's answer and its chart


def test_predictions_of_your_own_model_have_a_heading_not_a_key() -> None:
    at, _ = numeric_model_app(3)
    at.switch_page("pages/predictions.py").run()
    ok(at)
    heads = [h.value for h in at.subheader]
    assert "task_custom" not in heads and i18n.STRINGS["task_custom"]["en"] in heads


def test_first_visit_to_gate_saturation_says_what_the_progress_bar_waits_for(monkeypatch) -> None:
    """The first visit builds the corpus index (13.6 s measured): each update of the bar once
    replaced its words with none."""

    def script() -> None:
        from rnnviz import ui

        ui.corpus_index("count-lstm")

    from rnnviz.analysis import search

    def halfway(model, corpus=None, progress=None, root=None):
        import streamlit as st

        progress(0.5)
        st.stop()  # the page as the user sees it mid-build

    monkeypatch.setattr(search, "is_cached", lambda *a, **k: False)
    monkeypatch.setattr(search, "ensure_index", halfway)
    i18n.use("zh")
    at = AppTest.from_function(script, default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.run()
    text = at.get("progress")[0].proto.text
    assert text.startswith(i18n.STRINGS["corpus_building_shared"]["zh"]) and "50%" in text


@pytest.mark.parametrize("card", ["card.md", "card.zh.md"])
def test_every_example_a_card_quotes_is_what_the_model_says(card: str) -> None:
    """Card lines "- `text` → output" (the sidebar examples, the sentences a teacher will meet)
    are the shipped model's output now: a retrain that changes one fails here."""
    from rnnviz.training.cards import example_output

    for name in models.available():
        path = ROOT / "assets" / "models" / name / card
        if not path.is_file():
            continue
        model = models.load(name)
        lines = re.findall(r"^- `([^`]+)` → (.+)$", path.read_text(encoding="utf-8"), re.M)
        for text, said in lines:
            legend = r"\s*[（(]0 .*$"  # a count card's legend "(0 balanced, …)" is translated
            expected = re.sub(legend, "", example_output(model, text))
            assert re.sub(legend, "", said) == expected, (name, card, text)
    sentiment = (ROOT / "assets/models/sentiment-gru" / card).read_text(encoding="utf-8")
    assert "`这家餐厅不难吃。` →" in sentiment and "`小明在清华大学读书。` →" in sentiment


@pytest.mark.parametrize("lang", LANGS)
def test_open_a_shared_link_naming_another_sessions_upload(lang: str) -> None:
    """It silently opened cws-bilstm and segmented the link's "0.1 0.2" as Chinese."""
    key = "upload:" + "a" * 32 + "/" + "b" * 16 + ".safetensors:mine.safetensors"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update({"model": key, "text": "0.1 0.2\n0.3 0.4", "lang": lang})
    at.run()
    ok(at)
    shown = i18n.STRINGS["link_model_missing"][lang].split("{")[0]
    assert any(shown in w.value and "mine.safetensors" in w.value for w in at.warning)
    assert at.session_state["text"] != "0.1 0.2\n0.3 0.4"  # not read by another model


def test_open_a_shared_link_naming_a_random_model_rebuilds_it() -> None:
    from rnnviz import custom

    key = custom.RandomSpec(custom.random_arch("lstm", 4, 2), "", 2, 0).key()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update({"model": key, "text": "0.1 0.2"})
    at.run()
    ok(at)
    assert at.session_state["model"] == key and at.session_state["text"] == "0.1 0.2"
