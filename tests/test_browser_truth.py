"""Headless Chromium, in 中文 (issue 18): "/overview" opens the overview (no "Page not found"),
uploads are judged in the page's language by our own file-type check, and a refusal box goes
when another file is chosen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import torch
from safetensors.torch import save
from torch import nn

from tests.helpers import settle, zh

ZH_VIEWPORT = (1280, 900)  # the shared zh_page fixture (conftest) at this size
pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
UPLOAD = '[data-testid="stFileUploader"] input[type="file"]'


def test_open_overview_by_its_path_in_chinese(app_server, zh_page) -> None:
    """The default page is served at "/"; "/overview" once showed Streamlit's English "Page not
    found" dialog (on the second load in a browser, within a second of the page drawing)."""
    page = zh_page
    for query in ("lang=zh", "lang=zh&model=count-lstm", "model=count-lstm"):
        page.goto(f"{app_server}/overview?{query}")
        page.wait_for_selector(f"h1:has-text('{zh('app_title')}')")
        for _ in range(12):  # the dialog comes and stays; look for it while the page settles
            page.wait_for_timeout(500)
            assert page.get_by_text("Page not found").count() == 0, query
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "truth-overview-path.png"))


def test_upload_a_text_file_then_a_pickle_then_a_model_in_chinese(
    app_server, zh_page, tmp_path: Path
) -> None:
    page = zh_page
    ARTIFACTS.mkdir(exist_ok=True)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model")
    evil = tmp_path / "evil.pt"
    buf = io.BytesIO()
    torch.save({"weight_ih_l0": torch.zeros(3, 1), "x": print}, buf)  # pickles a builtin call
    evil.write_bytes(buf.getvalue())
    good = tmp_path / "tiny-gru.safetensors"
    good.write_bytes(save({f"rnn.{k}": v for k, v in nn.GRU(3, 5).state_dict().items()}))

    page.goto(f"{app_server}/custom?lang=zh&model=count-lstm")
    page.wait_for_selector(f"h1:has-text('{zh('page_custom')}')")
    settle(page)
    page.locator(UPLOAD).set_input_files(str(notes))
    page.wait_for_selector(f"text={zh('cu_wrong_type', filename='notes.txt')}")
    settle(page)
    assert page.get_by_text("not allowed").count() == 0  # the uploader's MIME message
    assert page.get_by_text("application/").count() == 0
    page.screenshot(path=str(ARTIFACTS / "truth-upload-wrong-type-zh.png"))

    page.locator(UPLOAD).set_input_files(str(evil))
    page.wait_for_selector("text=未经运行就被拒绝")
    settle(page)
    assert page.get_by_text("refused without running").count() == 0
    assert page.get_by_text(zh("cu_wrong_type", filename="notes.txt")).count() == 0  # not stale
    page.screenshot(path=str(ARTIFACTS / "truth-upload-refused-zh.png"))

    page.locator(UPLOAD).set_input_files(str(good))
    page.wait_for_selector("text=tiny-gru.safetensors")
    settle(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0  # no stale refusal
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "truth-upload-loaded-zh.png"))
