"""Every page of app.py in 中文 in a real browser: after its main click, no English UI text left.

Each page is opened with ``?lang=zh``, driven the way a student would (Step through: 下一步 and
Play for about 3 s; Heatmaps: a click on a cell; What if: another token), and the visible text
of the main area is scanned for the English side of ``rnnviz.i18n.STRINGS``: any English string
(or fragment between placeholders) of two words or more, or one of the single-word controls, that
differs from its 中文 is a failure. Tables are drawn on a canvas (their headers are not in the
DOM): ``tests/test_app_zh.py`` checks their headers through AppTest instead. Screenshots at
1280×720 go to tests/artifacts/zh-<page>.png.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rnnviz.i18n import STRINGS
from tests.helpers import settle, zh

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MODEL = "cws-bilstm"
pytestmark = [pytest.mark.browser, pytest.mark.slow]
# One-word controls that must not stay English (longer strings are found by their words).
SINGLE = ("prev", "next", "play", "step", "unit", "layer", "position", "page_heatmaps")


def app_pages() -> list[tuple[str, str]]:
    """``(file stem, URL path)`` of every ``ui.page(...)`` in app.py's ONE list, in order."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "page"
            and len(node.args) >= 3
        ):
            path, _, url = (ast.literal_eval(a) for a in node.args[:3])
            found.append((Path(path).stem, url))
    assert found, "no ui.page(...) in app.py"
    return found


def _fragments(text: str) -> list[str]:
    """The fixed parts of a string between ``{placeholders}``, whitespace collapsed."""
    parts = re.split(r"\{[^}]*\}", text)
    return [" ".join(p.split()).strip(" .,:;·()") for p in parts]


def english_needles() -> dict[str, str]:
    """``{English text to look for: its key}``: fragments of ≥ 2 words, and the single words."""
    needles = {}
    for key, entry in STRINGS.items():
        en, zh = entry["en"], entry.get("zh", "")
        if not en or en == zh:
            continue
        for frag in _fragments(en):
            if len(re.findall(r"[A-Za-z]{2,}", frag)) >= 2 and frag not in zh:
                needles.setdefault(frag, key)
    for key in SINGLE:
        word = STRINGS[key]["en"].strip("◀▶ ")
        needles.setdefault(word, key)
    return needles


def english_left(text: str) -> list[str]:
    """``"key: English"`` for every needle found in ``text`` as whole words."""
    flat = " ".join(text.split())
    flat = re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", " ", flat)  # icon ligatures: keyboard_arrow_right
    out = []
    for needle, key in english_needles().items():
        if re.search(r"(?<![A-Za-z])" + re.escape(needle) + r"(?![A-Za-z])", flat):
            out.append(f"{key}: {needle}")
    return sorted(out)


def interact(page, stem: str) -> None:
    """The page's main interaction, if it has one."""
    main = page.locator("[data-testid=stMain]")
    if stem == "step":  # the player (shadow DOM: Playwright's locators reach inside)
        player = page.locator("[data-testid=rnnviz-player]")
        player.get_by_role("button", name=zh("next")).click()
        player.get_by_role("button", name=zh("play")).click()
        page.wait_for_timeout(3000)
        player.get_by_role("button", name=zh("pause")).click()
        player.focus()
        page.keyboard.press("ArrowRight")
    elif stem == "heatmaps":
        grid = main.locator("[data-testid=stPlotlyChart]").first.locator(".nsewdrag").first
        area = grid.bounding_box()
        assert area is not None
        x, y = area["x"] + area["width"] * 0.55, area["y"] + area["height"] * 0.33
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        page.wait_for_function(
            "() => new URL(location.href).searchParams.get('unit') !== null", timeout=20_000
        )
    elif stem == "whatif":
        box = main.get_by_label(zh("wi_token"))
        box.fill("的")
        box.press("Enter")
    settle(page)


@pytest.mark.parametrize(("stem", "url"), app_pages(), ids=[s for s, _ in app_pages()])
def test_page_in_chinese_has_no_english_ui_text(app_server, zh_page, stem: str, url: str) -> None:
    page = zh_page
    page.goto(f"{app_server}/{url}?model={MODEL}&lang=zh")
    page.wait_for_selector("[data-testid=stMain] h1")
    settle(page)
    interact(page, stem)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"zh-{stem}.png"))
    assert page.locator("[data-testid=stException]").count() == 0, "a traceback is shown"
    left = english_left(visible_text(page))
    assert not left, f"{stem}: English left in 中文 mode: {left}"


def visible_text(page) -> str:
    """The main area's text, its charts' SVG text (axes, legends, titles) and table headers."""
    return page.evaluate(SCRAPE)


SCRAPE = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const svg = [...main.querySelectorAll('svg text')].map(e => e.textContent);
  const heads = [...main.querySelectorAll('[data-testid=stDataFrame] [role=columnheader]')]
    .map(e => e.textContent);
  // Source code shown as code (From scratch's NumPy step) is Python, not UI text.
  const code = [...main.querySelectorAll('[data-testid=stCode], pre, code')].map(e => e.innerText);
  let text = main.innerText;
  for (const c of code) text = text.split(c).join(' ');
  // components in a shadow root (the Step through player): their text and SVG text too
  const shadows = [...main.querySelectorAll('*')].filter(e => e.shadowRoot).map(e => e.shadowRoot);
  const inner = shadows.flatMap(s => [...s.children].map(c => c.innerText || ''));
  const innerSvg = shadows.flatMap(s => [...s.querySelectorAll('svg text')].map(e => e.textContent));
  return [text, ...inner, ...svg, ...innerSvg, ...heads].join('\\n');
}"""


def test_the_scan_sees_chart_text_in_english(app_server, zh_page) -> None:
    """Control: the same scan on an English page finds its chart and page words."""
    page = zh_page
    page.goto(f"{app_server}/whatif?model={MODEL}&lang=en")
    page.wait_for_selector("h1:has-text('What if')")
    settle(page)
    page.wait_for_selector("[data-testid=stMain] .js-plotly-plot .main-svg")
    left = english_left(visible_text(page))
    assert "fa_prob_top: probability of predicted label" in left, left
    assert "wi_diffs: Difference of every gate and state" in left, left


def test_the_scan_finds_english() -> None:
    """The scanner itself: an English control and sentence are found, 中文 and labels are not."""
    assert english_left("下一步 ▶ 单元 B M E S cws-bilstm 0.953") == []
    found = english_left("Next ▶ · Could not compute this: boom")
    assert "next: Next" in found and "an_failed: Could not compute this" in found
