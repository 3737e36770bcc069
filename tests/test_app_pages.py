"""AppTest: every page renders from the entry and on its own; widgets change what is shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import models
from rnnviz.player import unpack
from tests.helpers import app_pages, ok

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = [f"pages/{name}.py" for name in app_pages("trace")]
TIMEOUT = 60  # first runs import torch and load a model


def names() -> list[str]:
    found = models.available()
    assert found, "no models in assets/models: train them with python -m rnnviz.train"
    return found


def fresh(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


# AppTest drops the sidebar's elements on reruns of an st.navigation app (the browser does not),
# so the tests read the session state and the page body after an interaction.


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.title]
    parts += [m.value for m in at.subheader] + [m.value for m in at.caption]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def entry() -> AppTest:
    at = fresh()
    ok(at)
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_from_the_entry(entry: AppTest, page: str) -> None:
    entry.switch_page(page).run()
    ok(entry)
    drawn = entry.main.get("plotly_chart") or entry.main.get("bidi_component")
    assert drawn or entry.info, f"{page} shows no figure"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_on_its_own(page: str) -> None:
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT).run()
    ok(at)
    assert at.title, f"{page} has no title"


def test_step_slider_changes_the_step() -> None:
    """Predictions keeps Python's step controls (Step through steps in the browser: its player
    is tested in test_player.py and the browser tests)."""
    at = fresh()
    at.switch_page("pages/predictions.py").run()
    ok(at)
    assert at.slider(key="w_step").value == 0
    at.slider(key="w_step").set_value(2).run()
    ok(at)
    assert at.session_state["step"] == 2
    assert at.query_params["step"] == "2"
    at.button(key="b_next").click().run()
    ok(at)
    assert at.session_state["step"] == 3


def test_model_picker_changes_the_model() -> None:
    all_names = names()
    if len(all_names) < 2:
        pytest.fail("one model shipped: nothing to switch to")
    at = fresh(model=all_names[0])
    ok(at)
    before = texts(at)
    at.selectbox(key="w_model").set_value(all_names[1]).run()
    ok(at)
    assert at.session_state["model"] == all_names[1]
    assert texts(at) != before


def test_language_switch_translates_the_page() -> None:
    at = fresh(lang="en")
    ok(at)
    assert "inside an LSTM" in at.title[0].value
    at.button_group(key="w_lang").set_value("zh").run()
    ok(at)
    assert "看懂" in at.title[0].value
    at.switch_page("pages/heatmaps.py").run()
    ok(at)
    assert at.title[0].value == "热力图"


def test_url_opens_the_shared_view() -> None:
    name = names()[-1]
    at = fresh(model=name, step="1", unit="2", lang="zh")
    ok(at)
    at.switch_page("pages/step.py").run()
    ok(at)
    assert at.session_state["model"] == name
    assert at.session_state["step"] == 1
    assert at.session_state["unit"] == 2
    (player,) = at.main.get("bidi_component")  # the player opens on the link's step and unit
    data = unpack(player.proto.bytes)
    assert (data["step"], data["unit"]) == (1, 2)


def test_empty_text_is_a_friendly_prompt() -> None:
    at = fresh(text="   ")
    ok(at)
    assert at.info, "an empty sentence should show a prompt"


def test_long_text_is_clipped_to_the_limit() -> None:
    """The sentence box holds at most 200 characters (max_chars, as in the browser)."""
    at = fresh()
    at.text_area(key="w_text").set_value("((()))" * 100).run()
    ok(at)
    assert len(at.session_state["text"]) == 200
    assert len(at.query_params["text"][0]) <= 200  # the link carries only what is shown


def test_long_text_in_the_url_is_clipped_with_a_warning() -> None:
    at = fresh(text="我" * 5000)
    ok(at)
    assert len(at.session_state["text"]) == 200


def test_bad_query_params_do_not_crash() -> None:
    at = fresh(model="no-such-model", step="-3", unit="abc", lang="xx")
    ok(at)
    assert at.session_state["model"] in names()


def test_unknown_characters_are_marked_and_traced() -> None:
    name = next((n for n in names() if n.startswith("cws")), names()[0])
    at = fresh(model=name, text="我㐀㐁好")
    ok(at)
    assert "㐀" in texts(at)
    assert at.get("plotly_chart")


def test_heatmap_views_merged_and_ordered() -> None:
    name = next((n for n in names() if "bi" in n), names()[0])
    at = fresh(model=name)
    at.switch_page("pages/heatmaps.py").run()
    ok(at)
    at.button_group(key="w_order").set_value("similarity").run()
    ok(at)
    at.button_group(key="w_quantity").set_value("merged").run()
    ok(at)
    at.button_group(key="w_merge").set_value("product").run()
    ok(at)
    assert at.get("plotly_chart")


def test_trace_downloads_are_tables() -> None:
    from rnnviz import ui

    name = names()[0]
    text = models.load(name).examples[0]
    csv = ui._trace_table(name, text, "csv").decode()
    assert csv.startswith("layer,direction,position,token,quantity,unit,value")
    parquet = ui._trace_table(name, text, "parquet")
    assert parquet[:4] == b"PAR1"


def test_step_opens_on_the_story_unit() -> None:
    """count-lstm's counter is c[4] (its card): the player opens on it."""
    if "count-lstm" not in names():
        pytest.fail("count-lstm not shipped (assets/models)")
    at = fresh(model="count-lstm", text="(()(()))")
    at.switch_page("pages/step.py").run()
    ok(at)
    assert at.session_state["unit"] == 4
    assert "bracket depth" in texts(at)
    (player,) = at.main.get("bidi_component")
    assert unpack(player.proto.bytes)["unit"] == 4


@pytest.mark.parametrize("model", ["count-lstm", "cws-bigru"])
def test_compare_shows_every_cell_of_the_task_with_its_best_unit(model: str) -> None:
    if model not in names():
        pytest.fail(f"{model} not shipped (assets/models)")
    at = fresh(model=model, lang="en")
    at.switch_page("pages/compare.py").run()
    ok(at)
    titles = [s.value for s in at.subheader]
    assert any(v.startswith("LSTM") for v in titles) and any(v.startswith("GRU") for v in titles)
    assert titles[0].startswith("LSTM")  # registry order: LSTM, GRU, RNN
    body = texts(at)
    assert "best follows" in body or "changes most" in body
    at.button_group(key="w_cmp_quantity").set_value("c").run()
    ok(at)
    assert "GRU has no c" in texts(at)
    # the shared step cursor is the browser's: one player per model, one group, one step bar
    found = [unpack(e.proto.bytes) for e in at.main.get("bidi_component")]
    assert len(found) == len(titles) and {p["group"] for p in found} == {"compare"}
    assert sum(p["controls"] for p in found) == 1
