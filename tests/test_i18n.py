"""Every string exists in both languages, formats the same way, and t() never crashes."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from rnnviz import i18n
from rnnviz.i18n import STRINGS, t

ROOT = Path(__file__).resolve().parent.parent


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = STRINGS[key]
    assert entry.get("en") and entry.get("zh"), f"{key} lacks a language"
    assert fields(entry["en"]) == fields(entry["zh"]), key


def test_t_follows_the_language_and_formats() -> None:
    i18n.use("zh")
    try:
        assert t("page_heatmaps") == "热力图"
        assert "120" in t("truncated", n=300, limit=120)
    finally:
        i18n.use("en")
    assert t("page_heatmaps") == "Heatmaps"
    assert t("no-such-key") == "no-such-key"
    i18n.use("fr")
    assert i18n.current() == "en"


@pytest.mark.parametrize(
    ("locale", "language"),
    [("zh-CN", "zh"), ("zh-TW", "zh"), ("en-US", "en"), (None, "en"), ("de", "en")],
)
def test_language_from_the_browser_locale(locale, language) -> None:
    assert i18n.language_from_locale(locale) == language


def test_every_key_used_in_the_app_exists() -> None:
    sources = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "rnnviz").rglob("*.py")]
    used = set()
    for path in sources:
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+)\"", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in STRINGS and not k.endswith("_"))  # prefixes
    assert not missing, missing
