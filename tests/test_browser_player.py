"""The Step through player in a real browser (headless Chromium), English and 中文.

Keys and clicks drive the player; its root's ``data-step``/``data-unit`` and the numbers it
draws are checked against the trace, the address bar follows without a rerun, and a Next sends
nothing over the websocket. Screenshots (1920×1080 projector, 1280×720) go to tests/artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from rnnviz import models
from tests.helpers import opened, query, settle

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MODEL = "cws-bilstm"
SENTENCE = "我爱北京天安门。"
PLAYER = "[data-testid=rnnviz-player]"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def run():
    return models.run(models.load(MODEL), SENTENCE)


def open_player(page, app_server: str, lang: str = "en", **params: str):
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    page.goto(f"{app_server}/step?model={MODEL}&lang={lang}&text={quote(SENTENCE)}{extra}")
    player = page.locator(PLAYER)
    player.wait_for(timeout=60_000)
    settle(page)
    return player


def attr(player, name: str) -> str:
    return player.get_attribute(f"data-{name}") or ""


def wait_attr(page, name: str, value: str, timeout: float = 10_000) -> None:
    page.wait_for_function(
        "([sel, name, value]) => {"
        "  const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot &&"
        "    e.shadowRoot.querySelector(sel));"
        "  return host && host.shadowRoot.querySelector(sel).getAttribute('data-' + name) === value;"
        "}",
        arg=[PLAYER, name, value],
        timeout=timeout,
    )


def drawn(player, direction: str, quantity: str) -> str:
    """The number the cell diagram shows for ``quantity`` in ``direction``."""
    box = player.locator(f"section[data-direction={direction}] tspan.rp-boxval[data-q={quantity}]")
    return box.text_content().strip()


def equation_result(player, direction: str, quantity: str) -> str:
    sel = f"section[data-direction={direction}] [data-eq-value={quantity}]"
    return player.locator(sel).text_content().strip()


def check_numbers(player, run, step: int, unit: int) -> None:
    """Every box of both diagrams and every equation's result against the trace."""
    tr = run.trace
    for d in tr.directions:
        for q in tr.names:
            want = float(tr.quantity(0, d, q)[step, unit])
            assert abs(float(drawn(player, d, q)) - want) <= 0.0051, (d, q, step, unit)
            assert abs(float(equation_result(player, d, q)) - want) <= 0.0051, (d, q)
        c_prev = float(tr.previous(0, d, "c")[step, unit])
        assert abs(float(drawn(player, d, "c_prev")) - c_prev) <= 0.0051


def test_keys_step_and_pick_units_with_the_trace_numbers(app_server, chromium, run) -> None:
    with opened(chromium, 1920, 1080, "en-US") as page:
        player = open_player(page, app_server, step="3", unit="5", projector="1")
        assert attr(player, "step") == "3" and attr(player, "unit") == "5"
        assert attr(player, "layer") == "0" and attr(player, "play") == "off"
        check_numbers(player, run, 3, 5)
        player.focus()
        page.keyboard.press("ArrowRight")
        wait_attr(page, "step", "4")
        check_numbers(player, run, 4, 5)
        assert query(page)["step"] == "4" and query(page)["unit"] == "5"
        assert "Step 4:" in player.locator(".rp-reading").inner_text()
        assert player.locator(".rp-slider").input_value() == "4"
        assert "cur" in (player.locator(".tok").nth(4).get_attribute("class") or "")
        for key, step in (("End", run.trace.length - 1), ("Home", 0), ("j", 1), ("n", 2),
                          ("k", 1), ("ArrowLeft", 0)):  # fmt: skip
            page.keyboard.press(key)
            wait_attr(page, "step", str(step))
        page.keyboard.press("ArrowUp")
        wait_attr(page, "unit", "6")
        check_numbers(player, run, 0, 6)
        assert query(page)["unit"] == "6"
        # a click on a token jumps there; the unit box picks a unit
        player.locator(".tok").nth(5).click()
        wait_attr(page, "step", "5")
        player.locator("input.rp-unit").fill("17")
        player.locator("input.rp-unit").press("Enter")
        wait_attr(page, "unit", "17")
        check_numbers(player, run, 5, 17)
        assert page.locator("[data-testid=stException]").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "player-1920-projector-en.png"))
        # one screen for a class: controls, sentence and both directions' cells are in view
        for sel in (".rp-bar", ".rp-sentence", "section[data-direction=backward] .rp-splitbox"):
            box = player.locator(sel).bounding_box()
            assert box is not None and box["y"] + box["height"] <= 1080, (sel, box)
        # the link opens on the same step and unit
        page.goto(page.url)
        player = page.locator(PLAYER)
        player.wait_for()
        wait_attr(page, "step", "5")
        assert attr(player, "unit") == "17"


def test_next_sends_nothing_to_the_server(app_server, chromium) -> None:
    """0 reruns: no websocket frame either way while Next, keys and the slider move the step."""
    with opened(chromium, 1280, 720, "en-US") as page:
        frames: list[tuple[str, int]] = []

        def watch(ws) -> None:
            ws.on("framesent", lambda payload: frames.append(("sent", len(payload))))
            ws.on("framereceived", lambda payload: frames.append(("received", len(payload))))

        page.on("websocket", watch)
        player = open_player(page, app_server)
        page.wait_for_timeout(1000)
        frames.clear()
        for k in range(1, 6):
            player.get_by_role("button", name=re.compile("Next")).click()
            wait_attr(page, "step", str(k))
        player.focus()
        page.keyboard.press("ArrowLeft")
        wait_attr(page, "step", "4")
        page.wait_for_timeout(1000)
        assert frames == [], frames
        assert query(page)["step"] == "4"


def test_play_forward_and_backward_stop_on_the_step_on_screen(app_server, chromium) -> None:
    with opened(chromium, 1280, 720, "en-US") as page:
        player = open_player(page, app_server)
        player.locator("select.rp-speed").select_option("8")
        player.get_by_role("button", name="▶ Play").click()
        wait_attr(page, "play", "on")
        wait_attr(page, "step", "3")
        player.get_by_role("button", name=re.compile("Pause")).click()
        wait_attr(page, "play", "off")
        stopped = attr(player, "step")
        page.wait_for_timeout(800)
        assert attr(player, "step") == stopped
        assert player.locator(".rp-slider").input_value() == stopped
        assert f"Step {stopped}:" in player.locator(".rp-reading").inner_text()
        assert query(page)["step"] == stopped
        # backward: from the end, right to left, every step shown once
        player.focus()
        page.keyboard.press("End")
        last = len(SENTENCE) - 1
        wait_attr(page, "step", str(last))
        seen: list[int] = []
        page.expose_function("rnnvizSeen", lambda s: seen.append(int(s)))
        page.evaluate(
            """sel => {
              const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot &&
                e.shadowRoot.querySelector(sel));
              const root = host.shadowRoot.querySelector(sel);
              new MutationObserver(() => window.rnnvizSeen(root.dataset.step))
                .observe(root, {attributes: true, attributeFilter: ['data-step']});
            }""",
            PLAYER,
        )
        page.keyboard.press("b")
        wait_attr(page, "play", "on")
        wait_attr(page, "step", "0", timeout=15_000)
        wait_attr(page, "play", "off")  # Play stops at the end of its reading direction
        shown = [s for k, s in enumerate(seen) if k == 0 or seen[k - 1] != s]
        assert shown == list(range(last, -1, -1)), seen  # right to left, no step skipped
        page.keyboard.press(" ")  # Space plays again, in the last direction: from the end
        wait_attr(page, "play", "on")
        page.keyboard.press(" ")
        wait_attr(page, "play", "off")
        assert player.locator(".rp-slider").input_value() == attr(player, "step")


def test_chinese_stays_chinese_through_keys_play_and_a_layer(app_server, chromium, run) -> None:
    from rnnviz.i18n import STRINGS

    with opened(chromium, 1280, 720, "zh-CN") as page:
        player = open_player(page, app_server, lang="zh", step="2", unit="3")
        player.focus()
        page.keyboard.press("ArrowRight")
        wait_attr(page, "step", "3")
        player.get_by_role("button", name=STRINGS["play"]["zh"]).click()
        wait_attr(page, "step", "5", timeout=15_000)
        page.keyboard.press(" ")
        wait_attr(page, "play", "off")
        text = player.inner_text()
        step = attr(player, "step")
        assert f"第 {step} 步" in text
        for key in ("prev", "next", "play", "player_play_back", "all_units", "kept_written"):
            assert STRINGS[key]["zh"] in text, key
            assert STRINGS[key]["en"] not in text, key
        assert "Step" not in text and "unit" not in text
        check_numbers(player, run, int(step), 3)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "player-1280-zh.png"))
        # another layer reruns Python; the player keeps its step and unit and draws layer 1
        layer = page.locator("[data-testid=stMain] [data-testid=stSelectbox]").first
        layer.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # a popover opened while the page still scrolls closes again
        layer.get_by_role("button", name="Open").click()
        page.get_by_role("listbox").get_by_role("option", name="1", exact=True).click()
        wait_attr(page, "layer", "1", timeout=30_000)
        assert attr(player, "step") == step and attr(player, "unit") == "3"
        want = float(run.trace.quantity(1, "forward", "h")[int(step), 3])
        assert abs(float(drawn(player, "forward", "h")) - want) <= 0.0051
        assert STRINGS["next"]["zh"] in player.inner_text()


@pytest.mark.parametrize(
    ("width", "height", "projector", "lang"),
    [(1920, 1080, "1", "zh"), (1280, 720, "0", "en"), (1280, 720, "1", "en")],
)
def test_screenshots(app_server, chromium, width, height, projector, lang) -> None:
    with opened(chromium, width, height, "en-US") as page:
        player = open_player(page, app_server, lang=lang, projector=projector, step="4")
        assert attr(player, "step") == "4"
        ARTIFACTS.mkdir(exist_ok=True)
        name = f"player-{width}-{'projector' if projector == '1' else 'plain'}-{lang}.png"
        page.screenshot(path=str(ARTIFACTS / name))
        assert page.locator("[data-testid=stException]").count() == 0


# --- Heatmaps and Compare: the same player reads the heatmaps' clicks and shares the step ---


def players(page, mode: str):
    return page.locator(f"{PLAYER}[data-mode={mode}]")


def watch_frames(page) -> list[tuple[str, int]]:
    frames: list[tuple[str, int]] = []

    def watch(ws) -> None:
        ws.on("framesent", lambda payload: frames.append(("sent", len(payload))))
        ws.on("framereceived", lambda payload: frames.append(("received", len(payload))))

    page.on("websocket", watch)
    return frames


def click_cell(page, chart: int, step: int, row: int) -> float:
    """Click the centre of heatmap ``chart``'s cell at (position ``step``, row ``row``), placed
    from the chart's own axes."""
    grid = page.locator("[data-testid=stMain] [data-testid=stPlotlyChart]").nth(chart)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    x, y = page.evaluate(
        """([k, t, row]) => {
          const gd = document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')[k];
          const fl = gd._fullLayout;
          const box = gd.querySelector('.svg-container').getBoundingClientRect();
          return [box.left + fl.xaxis._offset + fl.xaxis.l2p(t),
                  box.top + fl.yaxis._offset + fl.yaxis.l2p(row)];
        }""",
        [chart, step, row],
    )
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    return y


def readout_numbers(player, trace, layer: int, step: int, unit: int) -> None:
    """Every number of the read-out against the trace (the payload's float32, 2 decimals)."""
    spans = player.locator(".rp-readout span[data-q]")
    assert spans.count() >= len(trace.names)
    for k in range(spans.count()):
        span = spans.nth(k)
        d, q = span.get_attribute("data-d"), span.get_attribute("data-q")
        want = float(trace.quantity(layer, d, q)[step, unit])
        assert abs(float(span.text_content()) - want) <= 0.0051, (d, q, step, unit)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_heatmap_click_draws_the_unit_beside_it_without_a_rerun(app_server, chromium, run, lang):
    from rnnviz.i18n import STRINGS

    with opened(chromium, 1920, 1080, "en-US") as page:
        frames = watch_frames(page)
        page.goto(
            f"{app_server}/heatmaps?model={MODEL}&lang={lang}&text={quote(SENTENCE)}&projector=1"
        )
        player = players(page, "unit")
        player.wait_for(timeout=60_000)
        settle(page)
        page.wait_for_function(  # the player has found both heatmaps
            "() => document.querySelectorAll('.js-plotly-plot[data-rnnviz-unit]').length === 2"
        )
        page.wait_for_timeout(500)
        frames.clear()
        click_cell(page, 0, 5, 40)  # index order: row r is unit r
        page.wait_for_function(
            "() => new URL(location.href).searchParams.get('unit') === '40'", timeout=10_000
        )
        assert attr(player, "step") == "5" and attr(player, "unit") == "40"
        readout_numbers(player, run.trace, 0, 5, 40)
        text = player.inner_text()
        assert f"{STRINGS['selected_unit'][lang]}{STRINGS['player_colon'][lang]}40" in text
        if lang == "zh":
            assert "Selected unit" not in text and "position" not in text
        lines = player.locator("polyline[data-q]")
        assert lines.count() == 2 * len(run.trace.directions)  # i and h, both directions
        assert query(page)["step"] == "5" and query(page)["quantity"] == "i"
        # the other heatmap outlines the same cell; the unit chart shares the screen
        assert page.locator(".js-plotly-plot[data-rnnviz-unit='40']").count() == 2
        y = click_cell(page, 0, 2, 7)
        wait_attr(page, "unit", "7")
        readout_numbers(player, run.trace, 0, 2, 7)
        chart = player.locator(".rp-tl").bounding_box()
        assert chart is not None and chart["y"] >= 0 and chart["y"] + chart["height"] <= 1080
        assert 0 <= y <= 1080  # the clicked cell and the unit's chart on one screen
        page.wait_for_timeout(500)
        assert frames == [], frames  # the clicks never reached the server
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"heatmaps-1920-projector-{lang}.png"))
        # the link lands on the same view: the unit and step the click chose, gate i
        page.goto(page.url)
        player = players(page, "unit")
        player.wait_for(timeout=60_000)
        wait_attr(page, "unit", "7")
        assert attr(player, "step") == "2"
        assert page.locator("[data-testid=stException]").count() == 0


def test_compare_shares_one_step_cursor_without_a_rerun(app_server, chromium) -> None:
    with opened(chromium, 1920, 1080, "en-US") as page:
        frames = watch_frames(page)
        page.goto(f"{app_server}/compare?model={MODEL}&lang=en&text={quote(SENTENCE)}&projector=1")
        both = players(page, "compare")
        both.nth(1).wait_for(timeout=60_000)
        settle(page)
        page.wait_for_timeout(500)
        # one projector screen: both players and, under them, both heatmaps, with no scrolling
        shown = [
            *(both.nth(k) for k in range(2)),
            *page.locator("[data-testid=stMain] .js-plotly-plot").all(),
        ]
        assert len(shown) == 4
        for box in (e.bounding_box() for e in shown):
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1080, box
        names = [
            n.split(" · ")[-1]
            for n in page.locator("[data-testid=stMain] h3").all_inner_texts()[:2]
        ]
        runs = {n: models.run(models.load(n), SENTENCE) for n in names}
        frames.clear()
        leader = both.nth(0)
        for k in range(1, 4):
            leader.get_by_role("button", name=re.compile("Next")).click()
            page.wait_for_function(
                "([sel, k]) => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)"
                "  .map(e => e.shadowRoot.querySelector(sel)).filter(Boolean)"
                "  .every(p => p.dataset.step === String(k))",
                arg=[f"{PLAYER}[data-mode=compare]", k],
            )
        for k, name in enumerate(names):
            p = both.nth(k)
            assert attr(p, "step") == "3"  # each on its own best unit, one shared step
            readout_numbers(p, runs[name].trace, 0, 3, int(attr(p, "unit")))
        assert query(page)["step"] == "3"
        # the follower's token click moves the leader too
        both.nth(1).locator(".tok").nth(6).click()
        page.wait_for_function(
            "() => new URL(location.href).searchParams.get('step') === '6'", timeout=10_000
        )
        assert attr(leader, "step") == "6"
        page.wait_for_timeout(500)
        assert frames == [], frames
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "compare-1920-projector-en.png"))
