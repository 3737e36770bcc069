"""Model cards in other languages: ``card.<lang>.md`` beside a model's ``card.md``.

The English ``card.md`` is written by the training run; a translation sits beside it
(``card.zh.md``, same numbers and tables). A card shown by its text alone is matched to its
folder by that text, so a page that only holds the English card still finds the translation.
"""

from __future__ import annotations

import functools
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
ROOTS = (ASSETS / "models", ASSETS / "code")
CARD_FILE = "card.md"


def read(folder: str | Path | None, lang: str) -> str:
    """``card.<lang>.md`` of ``folder`` ("" for English, no folder or no translation)."""
    if folder is None or lang == "en":
        return ""
    path = Path(folder) / f"card.{lang}.md"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def load(folder: str | Path, lang: str) -> str:
    """The card of ``folder`` in ``lang``, else its English ``card.md`` ("" if it has none)."""
    path = Path(folder) / CARD_FILE
    english = path.read_text(encoding="utf-8") if path.is_file() else ""
    return read(folder, lang) or english


@functools.cache
def _folders_by_text() -> dict[str, Path]:
    found = {}
    for root in ROOTS:
        for path in sorted(root.glob(f"*/{CARD_FILE}")):
            found[path.read_text(encoding="utf-8").strip()] = path.parent
    return found


def translation(markdown: str, lang: str) -> str:
    """The ``lang`` translation of a shipped card given by its English text ("" if none)."""
    return read(_folders_by_text().get(markdown.strip()), lang)
