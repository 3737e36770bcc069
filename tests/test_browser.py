"""A real browser: `streamlit run app.py` + headless Chromium clicking through every page.

Screenshots of each page go to tests/artifacts/ (git-ignored). The tests share one browser page
and run in file order, like a visitor: direct link, Chinese sentence, stepping, a heatmap click,
the language switch. The whole file takes about a minute.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnviz import models
from tests.helpers import no_traceback, opened, query, settle

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SENTENCE = "我爱北京天安门。"


def chinese_model() -> str:
    names = models.available()
    for wanted in ("cws-bilstm", "cws-bigru", "ner-bilstm", "pos-bilstm"):
        if wanted in names:
            return wanted
    assert names, "no models in assets/models"
    return names[0]


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_direct_url_opens_the_page_with_our_sidebar(app_server, browser_page) -> None:
    page = browser_page
    page.goto(f"{app_server}/heatmaps?model={chinese_model()}&lang=en")
    page.wait_for_selector("[data-testid=stSidebar] a[href*='heatmaps']")
    settle(page, charts=1)
    links = page.locator("[data-testid=stSidebar] a").all_inner_texts()
    assert any("Step through" in text for text in links), links
    assert not any(text.strip() == "app" for text in links), "legacy page list is shown"
    assert page.get_by_role("heading", name="Heatmaps").count() == 1
    no_traceback(page)


def player_text(page) -> str:
    """What the Step through player shows (it lives in a shadow root: stMain's innerText
    does not reach it, Playwright's locators do)."""
    return page.locator("[data-testid=rnnviz-player]").inner_text()


def test_shared_link_opens_the_same_step_and_unit(app_server, browser_page) -> None:
    page = browser_page
    page.goto(f"{app_server}/step?model={chinese_model()}&lang=en&step=3&unit=5")
    page.wait_for_selector("h1:has-text('Step through')")
    player = page.locator("[data-testid=rnnviz-player]")
    player.wait_for()
    settle(page)
    assert player.get_attribute("data-step") == "3"
    assert player.get_attribute("data-unit") == "5"
    assert "Step 3:" in player_text(page)
    assert player.locator("input.rp-unit").input_value() == "5"
    no_traceback(page)


def test_overview_with_a_chinese_sentence(app_server, browser_page) -> None:
    page = browser_page
    page.goto(f"{app_server}/?model={chinese_model()}&lang=en")
    box = page.locator("[data-testid=stSidebar] textarea")
    box.wait_for()
    box.fill(SENTENCE)
    box.press("Control+Enter")
    page.wait_for_function(
        "s => document.querySelector('.rnnviz-sentence')?.innerText.includes(s)", arg="天"
    )
    settle(page, charts=1)
    no_traceback(page)
    assert query(page).get("text") == SENTENCE
    shot(page, "1-overview")


def test_step_through_with_next_and_slider(app_server, browser_page) -> None:
    page = browser_page
    page.locator("[data-testid=stSidebar] a", has_text="Step through").click()
    page.wait_for_selector("h1:has-text('Step through')")
    player = page.locator("[data-testid=rnnviz-player]")
    player.wait_for()
    settle(page)
    assert "Step 0" in player_text(page)
    player.get_by_role("button", name=re.compile("Next")).click()
    page.wait_for_function("() => location.search.includes('step=1')")
    player.get_by_role("button", name=re.compile("Next")).click()
    page.wait_for_function("() => location.search.includes('step=2')")
    assert "Step 2:" in player_text(page)
    assert query(page).get("step") == "2"
    assert "北" in player_text(page)
    no_traceback(page)
    shot(page, "2-step")
    # Play advances by itself; pausing it stops on the step on screen.
    player.get_by_role("button", name="▶ Play").click()
    page.wait_for_function("() => location.search.includes('step=4')", timeout=15_000)
    player.get_by_role("button", name=re.compile("Pause")).click()
    stopped = player.get_attribute("data-step")
    page.wait_for_timeout(1500)
    assert player.get_attribute("data-step") == stopped
    assert query(page).get("step") == stopped
    assert f"Step {stopped}:" in player_text(page)


def test_click_a_heatmap_cell_selects_a_unit(app_server, browser_page) -> None:
    page = browser_page
    page.locator("[data-testid=stSidebar] a", has_text="Heatmaps").click()
    page.wait_for_selector("h1:has-text('Heatmaps')")
    settle(page, charts=2)
    before = query(page).get("unit")
    grid = (
        page.locator("[data-testid=stMain] [data-testid=stPlotlyChart]")
        .first.locator(".nsewdrag")
        .first
    )
    area = grid.bounding_box()
    assert area is not None
    # A cell in the middle of the sentence, a third of the way down the units.
    page.mouse.move(area["x"] + area["width"] * 0.55, area["y"] + area["height"] * 0.33)
    page.wait_for_timeout(300)
    page.mouse.click(area["x"] + area["width"] * 0.55, area["y"] + area["height"] * 0.33)
    page.wait_for_function(
        "b => { const u = new URL(location.href).searchParams.get('unit'); return u && u !== b }",
        arg=before or "0",
        timeout=20_000,
    )
    settle(page, charts=2)
    unit = query(page)["unit"]
    assert f"Selected unit: {unit}" in player_text(page)  # drawn in the browser, no rerun
    no_traceback(page)
    shot(page, "3-heatmaps-clicked")


def test_predictions_and_compare(app_server, browser_page) -> None:
    page = browser_page
    page.locator("[data-testid=stSidebar] a", has_text="Predictions").click()
    page.wait_for_selector("h1:has-text('Predictions')")
    settle(page, charts=2)
    no_traceback(page)
    shot(page, "4-predictions")
    page.locator("[data-testid=stSidebar] a", has_text="Compare").click()
    page.wait_for_selector("h1:has-text('Compare')")
    settle(page)
    no_traceback(page)
    shot(page, "5-compare")


def test_switch_language_to_chinese(app_server, browser_page) -> None:
    page = browser_page
    page.locator("[data-testid=stSidebar] a", has_text="Overview").click()
    settle(page, charts=1)
    page.locator("[data-testid=stSidebar] button", has_text="中文").click()
    page.wait_for_selector("h1:has-text('看懂')")
    settle(page, charts=1)
    assert query(page).get("lang") == "zh"
    links = page.locator("[data-testid=stSidebar] a").all_inner_texts()
    assert any("逐步演示" in text for text in links), links
    no_traceback(page)
    shot(page, "6-overview-zh")
    page.locator("[data-testid=stSidebar] a", has_text="热力图").click()
    page.wait_for_selector("h1:has-text('热力图')")
    settle(page, charts=2)
    shot(page, "7-heatmaps-zh")


def test_projector_mode(app_server, browser_page) -> None:
    page = browser_page
    page.locator("[data-testid=stSidebar] label", has_text="投影模式").click()
    settle(page, charts=2)
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert size >= 40, size
    # every page link reads in full at the projector's font size (none cut at the sidebar edge)
    cut = page.evaluate(
        """[...document.querySelectorAll('[data-testid=stPageLink-NavLink] span')]
             .filter(s => s.scrollWidth > s.clientWidth + 1 || s.getBoundingClientRect().right >
                          document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right)
             .map(s => s.textContent)"""
    )
    assert cut == [], cut
    no_traceback(page)
    shot(page, "8-projector-zh")


def test_chinese_browser_opens_in_chinese(app_server, chromium) -> None:
    with opened(chromium, 1400, 1000, "zh-CN") as page:
        page.goto(f"{app_server}/?model={chinese_model()}")
        page.wait_for_selector("h1:has-text('看懂')", timeout=30_000)
        settle(page, charts=1)
        no_traceback(page)


def english_fragments() -> list[str]:
    """Pieces of the English side of the string table that a Chinese page must not show: the
    literal text between format fields, kept when it has an English word and is not also part
    of the Chinese string (model and cell names like LSTM are the same in both)."""
    from rnnviz.i18n import STRINGS

    out = set()
    for entry in STRINGS.values():
        en, zh = entry.get("en", ""), entry.get("zh", "")
        for piece in re.split(r"\{[^}]*\}", en):
            piece = piece.strip(" .,:;·()→←▶◀*-\n")
            if re.search(r"[A-Za-z]{3,}", piece) and piece not in zh and len(piece) >= 4:
                out.add(piece)
    return sorted(out)


def english_left(page) -> list[str]:
    text = page.locator("[data-testid=stMain]").inner_text()
    if page.locator("[data-testid=rnnviz-player]").count():
        text += "\n" + player_text(page)
    text = re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", " ", text)  # icon ligatures: keyboard_arrow_right
    return [
        f
        for f in english_fragments()
        if re.search(rf"(?<![A-Za-z]){re.escape(f)}(?![A-Za-z])", text)
    ]


def test_chinese_stays_chinese_through_next_play_and_clicks(app_server, chromium) -> None:
    """Fragment reruns (下一步, Play ticks, a heatmap click) keep the session's 中文."""
    with opened(chromium, 1400, 1000, "en-US") as page:
        page.goto(f"{app_server}/step?model={chinese_model()}&lang=zh&step=0")
        page.wait_for_selector("h1:has-text('逐步演示')", timeout=30_000)
        player = page.locator("[data-testid=rnnviz-player]")
        player.wait_for()
        settle(page)
        player.get_by_role("button", name=re.compile("下一步")).click()
        page.wait_for_function("() => location.search.includes('step=1')")
        assert "第 1 步" in player_text(page)
        assert english_left(page) == []
        player.get_by_role("button", name="▶ 播放").click()
        page.wait_for_function("() => location.search.includes('step=3')", timeout=15_000)
        assert "单元" in player_text(page) and english_left(page) == []
        player.get_by_role("button", name=re.compile("暂停")).click()
        settle(page)
        assert english_left(page) == []
        no_traceback(page)
        shot(page, "9-step-zh-after-play")

        page.goto(f"{app_server}/heatmaps?model={chinese_model()}&lang=zh")
        page.wait_for_selector("h1:has-text('热力图')", timeout=30_000)
        settle(page, charts=2)
        grid = (
            page.locator("[data-testid=stMain] [data-testid=stPlotlyChart]")
            .first.locator(".nsewdrag")
            .first
        )
        area = grid.bounding_box()
        assert area is not None
        x, y = area["x"] + area["width"] * 0.45, area["y"] + area["height"] * 0.6
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        page.wait_for_function(
            "() => new URL(location.href).searchParams.get('unit') !== '0'", timeout=20_000
        )
        settle(page, charts=2)
        main = page.locator("[data-testid=stMain]").inner_text() + player_text(page)
        assert "选中的单元" in main and "Selected unit" not in main
        assert english_left(page) == []
        no_traceback(page)
        shot(page, "10-heatmaps-zh-clicked")
