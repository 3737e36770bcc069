"""Headless Chromium through the analysis pages: direct URLs, an upload, a refused pickle, a
click on a saturation dot. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import torch
from safetensors.torch import save
from torch import nn

from rnnviz import models
from tests.helpers import no_traceback, settle

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MAIN_PLOT = '[data-testid="stMain"] .js-plotly-plot'  # the sidebar legend holds a hidden one


class _WritesFile:
    """Unpickling this would create a file (if anything ever ran it)."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def counting_model() -> str:
    found = [n for n in models.available() if n.startswith("count-")]
    if not found:
        pytest.fail("no counting model in assets/models")
    return found[0]


def open_page(page, url: str, path: str) -> None:
    page.goto(f"{url}/{path}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    "path", ["whatif", "saliency", "saturation", "search", "custom", "live", "codecells"]
)
def test_direct_url_renders(browser_page, app_server: str, path: str) -> None:
    page = browser_page
    open_page(page, app_server, f"{path}?model={counting_model()}&text=(()(()))()")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = str(ARTIFACTS / f"analysis-{path}.png")
    try:
        settle(page)
        no_traceback(page)
        if path == "codecells":
            page.wait_for_selector("text=Colouring by", timeout=60_000)
        elif path not in ("custom", "live"):
            page.wait_for_selector(MAIN_PLOT, timeout=60_000)
    finally:
        page.screenshot(path=shot, full_page=True)


def test_upload_then_refuse_a_malicious_pickle(browser_page, app_server: str, tmp_path: Path):
    page = browser_page
    good = tmp_path / "tiny-gru.safetensors"
    good.write_bytes(save({f"rnn.{k}": v for k, v in nn.GRU(3, 5).state_dict().items()}))
    target = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    buf = io.BytesIO()
    torch.save({"weight_ih_l0": torch.zeros(3, 1), "x": _WritesFile(target)}, buf)
    evil.write_bytes(buf.getvalue())

    open_page(page, app_server, f"custom?model={counting_model()}")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(good))
    page.wait_for_selector("text=Loaded tiny-gru.safetensors", timeout=60_000)
    page.wait_for_selector("text=GRU, 1 layer, unidirectional, input 3, hidden 5")
    settle(page)
    no_traceback(page)
    page.wait_for_selector(MAIN_PLOT)
    page.screenshot(path=str(ARTIFACTS / "analysis-custom-upload.png"), full_page=True)

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(evil))
    page.wait_for_selector("text=refused without running it", timeout=60_000)
    settle(page)
    no_traceback(page)
    assert not target.exists(), "the upload ran code"
    # the model loaded before is still the current one
    assert page.locator("text=GRU, 1 layer, unidirectional, input 3, hidden 5").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "analysis-custom-refused.png"), full_page=True)


def test_uploaded_model_drives_the_main_pages(browser_page, app_server: str) -> None:
    """Right after the upload above: the sidebar lists the file (★) and Heatmaps draw it."""
    page = browser_page
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="★ tiny-gru.safetensors").click()
    settle(page)
    sidebar.get_by_role("link", name="Heatmaps").click()
    page.wait_for_selector("h1:has-text('Heatmaps')", timeout=60_000)
    settle(page)
    page.wait_for_selector(MAIN_PLOT)
    no_traceback(page)
    assert page.locator('[data-testid="stMain"] .js-plotly-plot').count() >= 1
    page.screenshot(path=str(ARTIFACTS / "analysis-custom-heatmaps.png"), full_page=True)


def test_click_a_saturation_dot_opens_the_unit(browser_page, app_server: str) -> None:
    page = browser_page
    open_page(page, app_server, f"saturation?model={counting_model()}")
    settle(page)
    plot = page.locator(MAIN_PLOT).first
    plot.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # WebGL draw
    xy = plot.evaluate(
        """(gd) => {
            const fl = gd._fullLayout, d = gd._fullData[0];
            const r = gd.getBoundingClientRect();
            return [r.left + fl.xaxis._offset + fl.xaxis.l2p(d.x[0]),
                    r.top + fl.yaxis._offset + fl.yaxis.l2p(d.y[0])];
        }"""
    )
    page.mouse.click(xy[0], xy[1])
    page.wait_for_selector("text=Selected:", timeout=30_000)
    settle(page)
    no_traceback(page)
    page.screenshot(path=str(ARTIFACTS / "analysis-saturation-click.png"), full_page=True)
    page.get_by_text("Open in unit search").click()
    page.wait_for_selector("text=Units that separate a label", timeout=60_000)
    settle(page)
    no_traceback(page)
    page.screenshot(path=str(ARTIFACTS / "analysis-search-from-click.png"), full_page=True)


def test_train_live_in_the_browser_then_open_it_in_search(browser_page, app_server: str) -> None:
    page = browser_page
    open_page(page, app_server, f"live?model={counting_model()}&lang=zh")
    page.wait_for_selector("text=现场训练")
    slider = page.get_by_role("slider")
    slider.focus()
    for _ in range(11):  # 60 s → 5 s
        page.keyboard.press("ArrowLeft")
    settle(page)
    page.get_by_role("button", name="开始训练").click()
    page.wait_for_selector("text=计数单元是", timeout=90_000)
    settle(page)
    no_traceback(page)
    page.wait_for_selector(MAIN_PLOT)
    page.screenshot(path=str(ARTIFACTS / "analysis-live-zh.png"), full_page=True)
    page.get_by_role("link", name="单元搜索").last.click()
    page.wait_for_selector("text=区分某个标签的单元", timeout=60_000)
    settle(page)
    no_traceback(page)
    assert page.locator("text=counting-400-60-9").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "analysis-search-live-model.png"), full_page=True)
