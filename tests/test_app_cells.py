"""Every page that shows a cell, on every registered cell, in both languages: no traceback, no
error, the page's own content drawn. The cells come from the registry and the pages from app.py's
one list, so a new cell file or page is swept without a line here.

A cell with a shipped counting model is shown with it (``count-<cell>``); one without (the relu
RNN) with a random model of that cell, built as Your own model builds it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import models
from rnnviz.cells import CELLS
from rnnviz.custom import RandomSpec, random_arch
from rnnviz.ui.state import CUSTOM_KEY
from tests.helpers import app_pages

ROOT = Path(__file__).resolve().parent.parent
APP_PAGES = app_pages()
# The pages that show a cell's gates and states: the sidebar's model drives the first six, the
# last three pick a cell themselves (their pickers list the registry).
MODEL_PAGES = ("step", "heatmaps", "compare", "memory", "clamps", "gradients")
PICKER_PAGES = {"scratch": "w_sc_cell", "live": "w_lv_cell", "custom": "w_cu_cell"}
TIMEOUT = 120


def test_the_swept_pages_are_pages_of_the_app():
    assert set(MODEL_PAGES) | set(PICKER_PAGES) <= set(APP_PAGES)


def model_for(cell: str) -> tuple[str, dict]:
    """``(model name, session state)`` that shows ``cell`` in the sidebar."""
    name = f"count-{cell}"
    if name in models.available():
        return name, {}
    key = RandomSpec(random_arch(cell, 8, 4), "()", 3, 0).key()
    return key, {CUSTOM_KEY: key, "an_prefer_custom": True}


def run(page: str, lang: str, model: str, state: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    at.query_params["model"] = model
    at.query_params["lang"] = lang
    at.query_params["text"] = "(()(()))()"
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, (page, lang, [e.value for e in at.exception])
    assert not at.error, (page, lang, [e.value for e in at.error])
    assert at.title, (page, lang, "no title")
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("cell", CELLS)
def test_every_page_shows_every_cell(cell: str, lang: str) -> None:
    spec = CELLS[cell]
    model, state = model_for(cell)
    for page in MODEL_PAGES:
        at = run(page, lang, model, state)
        text = " ".join(m.value for m in [*at.markdown, *at.caption, *at.info])
        if page == "memory":  # the explanation comes from the spec's kept factor
            if spec.memory is None:
                assert any(spec.title in i.value for i in at.info), "no decomposition note"
            else:
                state_name, keep = spec.memory
                assert f"{state_name}ₜ = {keep} ⊙" in text, text[:300]
                assert at.get("plotly_chart"), "no provenance heatmap"
        elif page != "gradients":
            assert at.get("plotly_chart") or at.get("html") or at.get("bidi_component"), page
    for page, key in PICKER_PAGES.items():
        at = run(page, lang, model, {**state, key: cell})
        if page == "scratch":  # the cell's own textbook layer, checked against its module
            assert any("for x_t in x:" in c.value for c in at.code)
            assert any(s.value.startswith("✓") for s in at.success), [s.value for s in at.success]
