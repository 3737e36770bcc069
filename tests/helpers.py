"""Helpers shared by the tests (captum's ``testing/helpers/basic.py`` move): seeding, array
asserts that check the shape first (a wrong shape never passes by broadcasting), app.py's page
list, AppTest's ``ok``, and the browser tests' ``settle``, ``no_traceback`` and ``opened``."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import torch

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

TOL = {torch.float32: 1e-5, torch.float64: 1e-10}


def seeded(seed: int = 0) -> torch.Generator:
    """Seed torch's global generator and return a separate generator with the same seed."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def as_numpy(x: object) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def assert_close(actual: object, expected: object, atol: float, msg: str = "") -> None:
    """Same shape, then ``max |actual - expected| <= atol`` (no relative slack)."""
    a, e = as_numpy(actual), as_numpy(expected)
    assert a.shape == e.shape, f"{msg}: shape {a.shape} != {e.shape}"
    np.testing.assert_allclose(a, e, rtol=0, atol=atol, err_msg=msg)


# --- the app's page list: app.py's PAGES, read from its source (importing app.py runs the app) ---

ROOT = Path(__file__).resolve().parent.parent
_PAGE = re.compile(r'ui\.page\("pages/(\w+)\.py"')
_SECTION = re.compile(r"#\s*(\w+) pages\b")


def app_pages(section: str | None = None) -> list[str]:
    """Names of the pages in app.py's ``PAGES`` (``pages/<name>.py``), in its order; ``section``:
    only those under the list's comment ``# <section> pages`` ("trace", "analysis", "explainer"),
    so a page added to the app is tested with its kind without touching a test."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    body = source[source.index("PAGES = [") : source.index("\n]\n", source.index("PAGES = ["))]
    names, current = [], None
    for line in body.splitlines():
        heading = _SECTION.search(line) if line.strip().startswith("#") else None
        if heading:
            current = heading.group(1)
        found = _PAGE.search(line)
        if found and section in (None, current):
            names.append(found.group(1))
    assert names, f"app.py has no {section or ''} pages"
    return names


# --- AppTest ---


def ok(at: AppTest) -> None:
    """The page ran without an exception and shows no ``st.error``."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# --- headless Chromium (Playwright) ---

STATUS = "[data-testid=stStatusWidget]"  # shown while a script run is going on
CHARTS = "[data-testid=stMain] .js-plotly-plot .main-svg"  # drawn Plotly svgs in the page body
TRACEBACK = "[data-testid=stException]"
POLL_MS, QUIET_POLLS = 200, 3  # settled: no script run (and the charts drawn) for 3 polls


class _Quiet:
    """Counts polls in a row with no script run going on and at least ``charts`` svgs drawn."""

    def __init__(self, charts: int) -> None:
        self.charts, self.quiet, self.seen = charts, 0, (0, 0)

    def settled(self, running: int, drawn: int) -> bool:
        self.seen = (running, drawn)
        self.quiet = 0 if running or drawn < self.charts else self.quiet + 1
        return self.quiet >= QUIET_POLLS

    def failure(self) -> str:
        running, drawn = self.seen
        return f"page did not settle: running={running}, charts={drawn}/{self.charts}"


def settle(page, charts: int = 0, timeout: float = 60.0) -> None:
    """Wait until the script run is over and at least ``charts`` Plotly svgs are drawn in the
    page body, and it stays so for ``QUIET_POLLS`` polls (a rerun that starts late is caught)."""
    deadline, state = time.monotonic() + timeout, _Quiet(charts)
    page.wait_for_timeout(2 * POLL_MS)
    while time.monotonic() < deadline:
        if state.settled(page.locator(STATUS).count(), page.locator(CHARTS).count()):
            return
        page.wait_for_timeout(POLL_MS)
    raise AssertionError(state.failure())


async def settle_async(page, charts: int = 0, timeout: float = 60.0) -> None:
    """:func:`settle` for Playwright's async API (several browsers at once)."""
    deadline, state = time.monotonic() + timeout, _Quiet(charts)
    await page.wait_for_timeout(2 * POLL_MS)
    while time.monotonic() < deadline:
        if state.settled(await page.locator(STATUS).count(), await page.locator(CHARTS).count()):
            return
        await page.wait_for_timeout(POLL_MS)
    raise AssertionError(state.failure())


def no_traceback(page) -> None:
    """No Streamlit exception box on the page (the message shows the first one's text)."""
    shown = page.locator(TRACEBACK)
    assert shown.count() == 0, f"a traceback is shown: {shown.first.inner_text()[:2000]}"


@contextmanager
def opened(browser, width: int, height: int, locale: str = "en-US", timeout: float = 60.0,
           **options: object) -> Iterator[Any]:  # fmt: skip
    """A page in a fresh browser context (its own session) of ``width × height`` in ``locale``;
    ``options`` go to ``new_context`` (``color_scheme="dark"``). The context closes after."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, **options
    )
    page = context.new_page()
    page.set_default_timeout(timeout * 1000)
    try:
        yield page
    finally:
        context.close()


def query(page) -> dict[str, str]:
    """The page URL's query parameters (one value each)."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def zh(key: str, **fmt: object) -> str:
    """The 中文 side of a string-table entry, formatted when ``fmt`` is given."""
    from rnnviz import i18n

    text = i18n.STRINGS[key]["zh"]
    return text.format(**fmt) if fmt else text
