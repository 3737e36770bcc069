"""Every page, on its own, in English and in 中文, with awkward sentences: no traceback.

The classroom will type anything: nothing, spaces, emoji, Latin letters, full-width digits,
characters no model has seen, and far too much. Each page must answer with a page (a prompt, a
warning, a figure), never an exception.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
ODD = {
    "empty": "",
    "spaces": "   \n\t ",
    "emoji": "今天😀天气🌧不错!",
    "latin": "Hello, RNN world 123",
    "fullwidth": "１９９８年ＡＢＣ",
    "unseen": "龘靐齉",
    "long": "我爱北京天安门。" * 400,
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_page_with_odd_sentences(page: str, lang: str) -> None:
    for label, text in ODD.items():
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
        at.query_params["model"] = "cws-bilstm"
        at.query_params["lang"] = lang
        at.query_params["text"] = text
        at.run()
        assert not at.exception, (page, lang, label, [e.value for e in at.exception])
        assert at.title, (page, lang, label, "no title")
