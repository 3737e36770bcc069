"""The translated cards (``card.zh.md``) are translations, not generated as a whole: these
functions rewrite the sections that carry numbers or model output (references, the app's unit,
the every-cell table, the score history, the teacher sentences) from the same data as
:func:`.cards.card`."""

from __future__ import annotations

import re
from typing import Any

from ..models import RNNModel
from .card_text import (
    APP_UNIT,
    COMPARISON_HEAD,
    EXAMPLES_HEAD,
    FAILURES_HEAD,
    HISTORY_HEAD,
    OLD_COMPARISON_HEADS,
    REFERENCE_HEAD,
    TEACHER_INTRO,
)
from .cards import (
    _count_comparison,
    app_unit_lines,
    history_section,
    references_section,
    teacher_lines,
)


def with_app_unit(text: str, counter: dict[str, Any], lang: str) -> str:
    """A translated count card with its app-unit line (re)written after the counter-unit lines."""
    head = APP_UNIT[lang].split("`")[0]
    lines = [ln for ln in text.split("\n") if not ln.startswith(head)]
    at = max(i for i, ln in enumerate(lines) if re.match(r"- `[a-z]` ", ln)) + 1  # `h` unit 7
    lines[at:at] = app_unit_lines(counter, lang)
    return "\n".join(lines)


def with_references(text: str, task: str, rows: dict[str, dict[str, float]], lang: str) -> str:
    """A card's ``text`` with its reference section (re)written from ``rows``.

    The section goes right after the test-metrics table; table rows of reference tools elsewhere
    (older cards kept them in that table) are dropped. Used for the translated cards, which are
    not generated as a whole.
    """
    lines = [
        ln for ln in text.split("\n") if not ln.startswith(("| jieba", "| thulac", "| snownlp"))
    ]
    if REFERENCE_HEAD[lang] in lines:
        start = lines.index(REFERENCE_HEAD[lang])
        end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
        del lines[start:end]
    metrics_at = next(i for i, ln in enumerate(lines) if ln.startswith("|---"))
    at = next(i for i in range(metrics_at, len(lines)) if lines[i].startswith("## "))
    lines[at:at] = references_section(task, rows, lang)
    return "\n".join(lines)


def with_history(text: str, name: str, lang: str) -> str:
    """A translated card with its how-reached section (re)written before the examples."""
    lines = text.split("\n")
    if HISTORY_HEAD[lang] in lines:
        start = lines.index(HISTORY_HEAD[lang])
        end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
        del lines[start:end]
    if EXAMPLES_HEAD[lang] in lines:
        at = lines.index(EXAMPLES_HEAD[lang])
        lines[at:at] = history_section(name, lang)
    return "\n".join(lines)


def with_comparison(text: str, model: RNNModel, lang: str) -> str:
    """A (translated) count card with its every-cell table rewritten from the sibling models."""
    lines = text.split("\n")
    heads = (COMPARISON_HEAD[lang], *OLD_COMPARISON_HEADS)
    start = next((i for i, line in enumerate(lines) if line in heads), None)
    if start is None:
        return text
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    lines[start:end] = _count_comparison(model, lang)
    return "\n".join(lines)


def with_teacher_sentences(text: str, model: RNNModel, lang: str) -> str:
    """A translated card with its teacher sentences (re)written right after the failures head."""
    lines = text.split("\n")
    if FAILURES_HEAD[lang] not in lines:
        return text
    at = lines.index(FAILURES_HEAD[lang]) + 2
    intro = TEACHER_INTRO.get(model.task, {}).get(lang)
    if intro and lines[at : at + intro.count("\n") + 1] == intro.split("\n"):
        end = at + intro.count("\n") + 2  # the intro and the blank line after it
        while end < len(lines) and lines[end].startswith("- `"):
            end += 1
        del lines[at : end + 1]  # the answers and their blank line
    lines[at:at] = teacher_lines(model, lang)
    return "\n".join(lines)
