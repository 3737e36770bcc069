"""A class at once: several students open a FRESH server at the same moment.

The first run of the app on a cold server imports torch, pandas and Plotly; sessions that arrive
together used to see half-imported modules ("partially initialized module 'pandas'"). Here six
browser contexts (separate sessions, Chinese and English) open six pages at once on a server
nobody has visited yet, each opens its own sentence by link, then steps; no page may show a traceback.
A second test counts WebGL contexts per page (browsers allow about 8-16; more draw blank).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ARTIFACTS, launch_options, streamlit_server
from tests.helpers import app_pages, opened, settle, settle_async

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STUDENTS = [
    ("overview", "zh-CN", "今天天气很好，我们去公园散步。"),
    ("step", "en-US", "中国人民银行宣布降低利率。"),
    ("heatmaps", "zh-CN", "北京大学的学生在图书馆学习。"),
    ("predictions", "en-US", "江泽民主席发表新年讲话。"),
    ("compare", "zh-CN", "上海浦东开发区建设很快。"),
    ("whatif", "en-US", "我爱北京天安门。"),
]
WEBGL_BUDGET = 8  # at most this many WebGL contexts on any page


@pytest.fixture()
def cold_server(tmp_path: Path):
    """A server no one has opened yet (its own process and data directory)."""
    env = {**os.environ, "RNNVIZ_DATA_DIR": str(tmp_path / "data")}
    with streamlit_server("streamlit-cold.log", env) as url:
        yield url


async def student(browser, url: str, page_name: str, locale: str, sentence: str) -> list[str]:
    """One student: open a page, type a sentence, press Next where there is one."""
    problems = []
    context = await browser.new_context(viewport={"width": 1280, "height": 720}, locale=locale)
    page = await context.new_page()
    page.set_default_timeout(240_000)  # generous: a cold server and 6 browsers on 2 cores
    try:
        path = "" if page_name == "overview" else page_name  # the default page lives at /
        await page.goto(f"{url}/{path}?model=cws-bilstm")
        await page.wait_for_selector("h1")
        await settle_async(page, timeout=240)
        # Each student's own sentence, as a shared link carries it (a new trace per student).
        await page.goto(f"{url}/{path}?model=cws-bilstm&text={quote(sentence)}")
        await page.wait_for_selector("h1")
        await settle_async(page, timeout=240)
        text = await page.locator("[data-testid=stMain]").inner_text()
        if page_name == "step":  # the player steps in the browser (its text is in a shadow root)
            player = page.locator("[data-testid=rnnviz-player]")
            for k in range(1, 4):
                await player.get_by_role("button", name="Next").click()
                await page.wait_for_function(f"() => location.search.includes('step={k}')")
            text += "\n" + await player.inner_text()
        elif page_name == "heatmaps":  # the selected cell's token is in the player's read-out
            text += "\n" + await page.locator("[data-testid=rnnviz-player]").inner_text()
        if await page.locator("[data-testid=stException]").count():
            problems.append(f"{page_name}: traceback: {text[:300]}")
        if page_name in ("heatmaps", "step", "predictions") and sentence[0] not in text:
            problems.append(f"{page_name}: the typed sentence is not shown")
        await page.screenshot(path=str(ARTIFACTS / f"classroom-{page_name}.png"))
    finally:
        await context.close()
    return problems


async def classroom(url: str) -> list[str]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(**launch_options())
        try:
            results = await asyncio.gather(
                *(student(browser, url, *s) for s in STUDENTS), return_exceptions=True
            )
        finally:
            await browser.close()
    problems = []
    for (name, _, _), result in zip(STUDENTS, results, strict=True):
        if isinstance(result, BaseException):
            problems.append(f"{name}: {type(result).__name__}: {result}")
        else:
            problems += result
    return problems


def test_six_students_open_a_cold_server_at_once(cold_server: str) -> None:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # its own thread: no running loop
        problems = pool.submit(asyncio.run, classroom(cold_server)).result()
    log = (ARTIFACTS / "streamlit-cold.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert not problems, problems


WEBGL_COUNT = """() => {
  let n = 0;
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const fl = plot._fullLayout;
    if (fl && fl._glcanvas && fl._glcanvas.size && fl._glcanvas.size()) n += 1;
  }
  return n;
}"""


@pytest.mark.parametrize("page_name", [*app_pages("trace"), "memory"])
def test_webgl_contexts_per_page_within_budget(app_server: str, chromium, page_name: str) -> None:
    with opened(chromium, 1920, 1080, "en-US") as page:
        path = "" if page_name == "overview" else page_name  # the default page lives at /
        page.goto(f"{app_server}/{path}?model=cws-bilstm")
        page.wait_for_selector("h1")
        drawn = (  # Step through draws the trace player (SVG and canvas), the others Plotly
            "[data-testid=rnnviz-player]"
            if page_name == "step"
            else "[data-testid=stMain] .js-plotly-plot .main-svg"
        )
        page.wait_for_selector(drawn, state="attached", timeout=90_000)
        settle(page)
        page.wait_for_timeout(900)
        contexts = page.evaluate(WEBGL_COUNT)
        plots = page.locator(".js-plotly-plot").count()
        assert plots >= 1 or page_name == "step"
        assert contexts <= WEBGL_BUDGET, f"{page_name}: {contexts} WebGL contexts in {plots} charts"
