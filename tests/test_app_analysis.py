"""AppTest of the analysis pages: each renders on its own and from the entry; widgets work."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import models
from rnnviz.analysis import codecells
from rnnviz.analysis.saturation import group_name, pick_from_event
from rnnviz.player import unpack
from tests.helpers import app_pages, ok

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = app_pages("analysis")
TIMEOUT = 90


def counting_model() -> str:
    found = [n for n in models.available() if n.startswith("count-")]
    if not found:
        pytest.fail("no counting model in assets/models")
    return found[0]


def page(name: str, **state: object) -> AppTest:
    """A page on its own, with the counting model selected (small corpus: fast index)."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    at.query_params["model"] = str(state.pop("model", counting_model()))
    at.query_params["text"] = str(state.pop("text", "(()(()))()"))
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def body(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    return "\n".join(parts + [m.value for m in at.success] + [m.value for m in at.warning])


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_on_its_own_with_defaults(name: str) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT).run()
    ok(at)


def test_pages_from_the_entry() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["model"] = counting_model()
    at.run()
    ok(at)
    for name in PAGES:
        at.switch_page(f"pages/{name}.py").run()
        ok(at)


def test_whatif_delete_and_prediction_table() -> None:
    at = page("whatif")
    ok(at)
    assert len(at.get("plotly_chart")) >= 2  # prediction bars + a difference heatmap
    at.segmented_control(key="w_wi_edit").set_value("delete").run()
    ok(at)
    table = at.dataframe[0].value
    assert "−" in "".join(table["token"]) and table["label after"].isna().sum() == 1


def test_saliency_compares_lstm_and_gru() -> None:
    names = [n for n in models.available() if n.startswith("count-")]
    if len(names) < 2:
        pytest.fail("needs count-lstm and count-gru")
    at = page("saliency")
    ok(at)
    assert len(at.get("plotly_chart")) == 3  # two saliency maps + the reach lines
    assert body(at).count("mean distance looked back") == 2


def test_saturation_summary_and_click_mapping() -> None:
    at = page("saturation")
    ok(at)
    table = at.dataframe[0].value
    headers = {"mean left-saturated", "mean right-saturated", "mostly right-saturated"}
    assert headers <= set(table.columns)
    at.slider(key="w_sat_low").set_value(0.3).run()
    ok(at)
    groups = (group_name(0, "forward", "i"),) * 2 + (group_name(0, "forward", "f"),) * 2
    event = {"selection": {"points": [{"curve_number": 1, "point_index": 1}]}}
    assert pick_from_event(event, groups, (0, 1, 0, 1)) == (0, "forward", "f", 1)
    assert pick_from_event({"selection": {"points": []}}, groups, (0, 1, 0, 1)) is None


def test_saturation_pick_opens_unit_in_search() -> None:
    at = page("search", se_units=[3], se_layer=0, se_direction="forward")
    ok(at)
    assert at.multiselect[0].value == [3]
    assert "matches in" in body(at)


def test_search_finds_units_and_matches() -> None:
    at = page("search")
    ok(at)
    at.slider(key="w_se_threshold").set_value(0.0).run()
    ok(at)
    if at.multiselect[0].value:
        assert "matches in" in body(at)
    labels = at.selectbox(key="w_se_track").options
    assert labels  # the counting corpus has tracks label and depth


def test_custom_random_model_opens_on_the_analysis_pages() -> None:
    at = page("custom")
    ok(at)
    assert at.info  # no model yet
    at.text_input(key="w_cu_vocab").set_value("()")
    at.number_input(key="w_cu_hidden").set_value(6)
    at.button[0].click().run()
    ok(at)
    assert "LSTM, 1 layer" in body(at)
    assert at.get("plotly_chart")
    key = at.session_state["custom_model"]
    for name in ("whatif", "saliency", "search"):
        other = page(name, custom_model=key, an_prefer_custom=True)
        ok(other)
        assert other.segmented_control(key="w_an_source").value == key


def test_live_training_then_search_finds_the_counter() -> None:
    at = page("live")
    ok(at)
    at.slider(key="w_lv_seconds").set_value(5)
    at.number_input(key="w_lv_hidden").set_value(6)
    at.button(key="b_lv_train").click().run()
    ok(at)
    assert at.success and "The counter is unit" in at.success[0].value
    key = at.session_state["custom_model"]
    assert key.startswith("upload:") and key.endswith(":live-lstm-6.safetensors")
    search_page = page("search", custom_model=key, an_prefer_custom=True)
    ok(search_page)
    assert "counting-400-60-9" in body(search_page)


def test_codecells_colours_the_best_unit_of_each_feature() -> None:
    at = page("codecells")
    ok(at)
    if at.warning:
        pytest.fail("code-lstm is missing from assets/code")
    assert "Colouring by" in body(at)
    # the paper's view by default: the model's own held-out cell for strings, by its tanh(c)
    held = codecells.held_out_unit(codecells.load().cfg, "in_string")
    assert held is not None
    assert at.number_input(key="w_cc_unit_in_string").value == held.unit
    assert at.number_input(key="w_cc_layer_in_string").value == held.layer + 1
    assert at.segmented_control(key="w_cc_q_in_string").value == "tanh_c"
    assert f"{held.r:+.3f}" in [m.value for m in at.metric]
    at.segmented_control(key="w_cc_feature").set_value("bracket_depth").run()
    ok(at)
    assert "bracket depth" in body(at)


def counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts model passes (``trace_rnn`` inside ``run``) and POS tokenizations (segmenter runs)."""
    from rnnviz.models import base, shipped

    counts = {"runs": 0, "pos_tokenize": 0}
    trace, tokenize = base.trace_rnn, shipped.RNNModel.tokenize

    def counted_trace(*args, **kwargs):
        counts["runs"] += 1
        return trace(*args, **kwargs)

    def counted_tokenize(self, text):
        counts["pos_tokenize"] += self.task == "pos"
        return tokenize(self, text)

    monkeypatch.setattr(base, "trace_rnn", counted_trace)
    monkeypatch.setattr(shipped.RNNModel, "tokenize", counted_tokenize)
    return counts


def test_whatif_on_a_classifier_shows_the_answer_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once per sentence: the page's two Runs are the only model passes, cached for reruns."""
    if "sentiment-gru" not in models.available():
        pytest.fail("no sentiment model shipped")
    counts = counting(monkeypatch)
    at = page("whatif", model="sentiment-gru", text="这个手机质量很好，我很喜欢它。")
    ok(at)
    assert "→" in at.markdown[0].value and "%" in at.markdown[0].value
    assert counts["runs"] == 2  # before and after, once each (four passes before)
    at.run()
    assert counts["runs"] == 2


def test_sidebar_tokenizes_a_pos_sentence_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidebar no longer tokenizes to test emptiness: the Run's one tokenization decides."""
    if "pos-bilstm" not in models.available():
        pytest.fail("no pos-bilstm shipped")
    counts = counting(monkeypatch)
    at = page("overview", model="pos-bilstm", text="我们在北京读书，很开心。")
    ok(at)
    assert counts == {"runs": 1, "pos_tokenize": 1}
    empty = page("overview", model="pos-bilstm", text="   ")
    assert not empty.exception and empty.info  # empty text: the prompt, not an error


@pytest.mark.parametrize("name", app_pages("trace"))
def test_custom_model_opens_on_the_main_pages(name) -> None:
    """The user's own model, chosen in the sidebar, drives the five main pages too."""
    built = page("custom")
    built.text_input(key="w_cu_vocab").set_value("()")
    built.number_input(key="w_cu_hidden").set_value(6)
    built.button[0].click().run()
    key = built.session_state["custom_model"]
    at = page(name, custom_model=key, model=key, text="(())")
    ok(at)
    assert at.session_state["model"] == key
    if name == "heatmaps":
        assert at.get("plotly_chart"), "no figure for the user's own model"
    if name == "step":  # the trace player, holding the user's model's sentence
        found = [e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz_player"]
        assert len(found) == 1, "no player for the user's own model"
        assert unpack(found[0].proto.bytes)["payload"]["tokens"] == list("(())")


def test_pages_look_a_sentence_up_once_and_views_receive_its_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cached views receive the Run the page holds (an unhashed ``_run``) instead of looking
    it up again from (model, text): on every page each (model, text) is looked up at most once
    per script run, no sentence is ever traced twice, and a rerun traces nothing."""
    from collections import Counter

    from rnnviz.ui import bytecache, cache

    lookups: Counter = Counter()  # cache.analyse(name, text) calls, hits included
    traced: Counter = Counter()  # models.run(model, text): a pass through the model
    call, run = bytecache.ByteCache.__call__, models.run

    def counted_call(self, *args, **kwargs):
        if self is cache.analyse:
            lookups[self._key(args, kwargs)] += 1
        return call(self, *args, **kwargs)

    def counted_run(model, text, name=None):
        traced[name, text] += 1
        return run(model, text, name=name)

    monkeypatch.setattr(bytecache.ByteCache, "__call__", counted_call)
    monkeypatch.setattr(models, "run", counted_run)
    text = "(()())((()))(()"  # no model's example: the sentence is only the page's
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["model"], at.query_params["text"] = "count-lstm", text
    at.run()
    for name in ["step", "heatmaps", "predictions", "compare", "memory", "clamps", "gradients"]:
        lookups.clear()
        at.switch_page(f"pages/{name}.py").run()
        ok(at)
        assert lookups[("count-lstm", text)] == 1, (name, lookups)
        assert max(lookups.values()) == 1, (name, lookups)  # never the same Run twice in a run
        before = traced.copy()
        lookups.clear()
        at.run()  # a rerun (a widget, a language): nothing is traced again
        ok(at)
        assert traced == before, name
        assert set(lookups.values()) == {1} and {k[1] for k in lookups} == {text}, (name, lookups)
        if name != "compare":  # Compare also reads the task's other models on the sentence
            assert list(lookups) == [("count-lstm", text)], (name, lookups)
    assert traced[("count-lstm", text)] == 1 and max(traced.values()) == 1, traced
