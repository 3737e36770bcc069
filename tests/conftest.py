"""Shared fixtures: a real `streamlit run` on a free local port, and headless Chromium.

The browser is Debian's chromium (``/usr/bin/chromium``) driven by Playwright; ``playwright
install`` cannot download a browser on these machines and is not needed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.helpers import opened

# Once for every test (not in each file): tiny per-step ops, and a machine shared by many jobs,
# where threads only contend.
torch.set_num_threads(1)


_MAIN = sys.modules["__main__"]  # pytest's own, before any page script ran


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Put ``sys.modules["__main__"]`` back after each test.

    Streamlit's script runner (AppTest included) installs the page it ran as ``__main__`` and
    leaves it there. A process started with ``spawn`` re-imports the parent's ``__main__`` by
    path, so it would run the last page script (``pages/custom.py``) and die before its target.
    The real one is kept from the start of the run: a module-scoped fixture that ran AppTest
    before a test would otherwise hand that test (and its spawned processes) a page script."""
    sys.modules["__main__"] = _MAIN
    yield
    sys.modules["__main__"] = _MAIN


@pytest.fixture(autouse=True)
def _no_language_left_behind() -> Iterator[None]:
    """Each test starts with no language chosen in the test's own thread.

    A test calling ``i18n.use("zh")`` sets it for the rest of the process's main thread; AppTest
    then formats widget options there (``format_func`` on reading widget states) in Chinese
    while the page drew them in English, and a later test fails for an earlier one's reason."""
    from rnnviz import i18n

    token = i18n._language.set(None)
    yield
    i18n._language.reset(token)


ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("RNNVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer {url}/_stcore/health within {timeout:.0f} s")


@contextmanager
def streamlit_server(
    log: str = "streamlit.log", env: dict[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run app.py`` on a free port (``env``: its environment), output in
    ``tests/artifacts/<log>``; its base URL once healthy; stopped by its pid after."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
    ]  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Base URL of `streamlit run app.py` on a free port, shared by the session."""
    with streamlit_server() as url:
        yield url


def launch_options() -> dict[str, object]:
    """``chromium.launch`` arguments (sync and async API alike): Debian's Chromium, headless."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """Headless Chromium through Playwright's sync API, closed after."""
    from playwright import sync_api  # a dev requirement: missing means a broken install

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def chromium(app_server: str):
    """Headless Debian Chromium through Playwright, one per test module.

    Not per session: Playwright's sync API keeps an event loop running on the main thread while
    it is open, which breaks later tests that use asyncio or spawn processes."""
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def browser_page(chromium):
    """One page (1400×1000, English locale) shared by the browser tests, run in file order."""
    with opened(chromium, 1400, 1000, "en-US", timeout=30) as page:
        yield page


@pytest.fixture(scope="module")
def zh_page(chromium, request: pytest.FixtureRequest):
    """One 中文 page shared by a module's tests: 1280×720, or the module's ``ZH_VIEWPORT``."""
    width, height = getattr(request.module, "ZH_VIEWPORT", (1280, 720))
    with opened(chromium, width, height, "zh-CN") as page:
        yield page


@pytest.fixture(params=["onepass", "recompute"])
def tracer_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once per tracer design: the one-pass C++ loop and the torch-only fallback.

    The one-pass run is skipped (with the reason) where the extension cannot be built here."""
    from rnnviz import onepass

    if request.param == "onepass" and onepass.module(wait=True) is None:
        pytest.skip(f"the one-pass extension is not built here: {onepass.error()}")
    monkeypatch.setenv("RNNVIZ_TRACER", request.param)
    return request.param
