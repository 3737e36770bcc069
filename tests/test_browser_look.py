"""What a class sees in a real browser (issue 18, cosmetic): projector mode at 1920×1080, a
browser that prefers a dark theme, and an 800 px window. Screenshots go to
tests/artifacts/look-<what>-<lang>.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import opened

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.slow]
LABEL = {"en": ("Model", "Sentence"), "zh": ("模型", "句子")}

# Colours as the eye gets them: the text's colour against the first opaque background behind it
# (walking out of a component's shadow root to its host), as a WCAG contrast ratio.
CONTRAST_JS = r"""
(el) => {
  const rgba = s => (s.match(/[\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
  const lum = ([r, g, b]) => {
    const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const text = rgba(getComputedStyle(el).color);
  let node = el, back = null;
  while (node && !back) {
    if (node.nodeType === 1) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0.5) back = c;
    }
    node = node.parentNode || node.host;
  }
  back = back || [255, 255, 255, 1];
  const [a, b] = [lum(text), lum(back)].sort((x, y) => y - x);
  return {ratio: (a + 0.05) / (b + 0.05), text: text, back: back};
}
"""


def _open(page, url: str) -> None:
    """Open ``url`` and wait until the script has drawn the sidebar and stopped running."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebarUserContent"] .stSelectbox', timeout=180_000)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]').count()
        if not busy:
            break
        time.sleep(0.3)
    time.sleep(1.5)


def _font(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_teacher_opens_memory_in_projector_mode_at_1920x1080(chromium, app_server, lang) -> None:
    """Inputs and selects read at their labels' size; Model and Sentence are above the fold."""
    with opened(chromium, 1920, 1080) as page:
        _open(page, f"{app_server}/memory?projector=1&lang={lang}")
        main = '[data-testid="stMain"]'
        label = _font(page, f'{main} .stNumberInput [data-testid="stWidgetLabel"] p')
        assert label >= 22, label  # projector type (Streamlit's 14 px otherwise)
        number = _font(page, f"{main} .stNumberInput input")
        select = _font(page, f"{main} .stSelectbox input")
        assert number >= 0.95 * label and select >= 0.95 * label, (number, select, label)
        for name in LABEL[lang]:
            box = page.locator(
                '[data-testid="stSidebar"] [data-testid="stElementContainer"]'
            ).filter(has=page.get_by_text(name, exact=True))
            bottom = box.first.evaluate("e => e.getBoundingClientRect().bottom")
            assert 0 < bottom <= 1080, (name, bottom)
        page.screenshot(path=str(ARTIFACTS / f"look-projector-{lang}.png"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dark_preferring_browser_opens_overview_and_step_through(chromium, app_server, lang):
    """A dark theme, and our HTML (token boxes, the player) and charts keep readable text."""
    with opened(chromium, 1280, 720, color_scheme="dark") as page:
        _open(page, f"{app_server}/?lang={lang}")
        app = page.locator(".stApp").evaluate(CONTRAST_JS)
        assert sum(app["back"][:3]) < 3 * 60, app  # the page itself is dark
        assert app["ratio"] >= 7, app  # Streamlit's text on it
        for token in page.locator(".rnnviz-sentence .tok").all()[:3]:
            seen = token.evaluate(CONTRAST_JS)
            assert seen["ratio"] >= 7, seen
        paper = page.locator(".stPlotlyChart .main-svg").first
        paper = paper.evaluate("e => getComputedStyle(e).backgroundColor")
        assert paper == "rgb(255, 255, 255)", paper  # our charts: white paper, dark text
        page.screenshot(path=str(ARTIFACTS / f"look-dark-overview-{lang}.png"))
        _open(page, f"{app_server}/step?lang={lang}")
        page.wait_for_selector(".rp-sentence .tok")  # the player, inside its shadow root
        for selector in (".rp-sentence .tok", ".rp-bar button", ".rp-cap"):
            seen = page.locator(selector).first.evaluate(CONTRAST_JS)
            assert seen["ratio"] >= 4.5, (selector, seen)
        page.screenshot(path=str(ARTIFACTS / f"look-dark-step-{lang}.png"))


def test_student_opens_the_app_in_an_800px_window(chromium, app_server) -> None:
    """The sidebar starts folded (Streamlit folds only below 768 px); opened, it stays open."""
    with opened(chromium, 800, 900) as page:
        sidebar = '[data-testid="stSidebar"]'
        _open(page, f"{app_server}/heatmaps?lang=en")
        page.wait_for_function(
            f"document.querySelector('{sidebar}').getBoundingClientRect().right <= 0"
        )
        page.screenshot(path=str(ARTIFACTS / "look-narrow-en.png"))
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_function(
            f"document.querySelector('{sidebar}').getBoundingClientRect().right > 200"
        )
        _open(page, f"{app_server}/heatmaps?lang=en")  # the user's choice is remembered
        time.sleep(1)
        right = page.locator(sidebar).evaluate("e => e.getBoundingClientRect().right")
        assert right > 200, right
