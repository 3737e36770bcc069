"""Chinese sentences the app writes use full-width punctuation (issue 18: "未载入:{error}",
"无法计算:", "第 2 步,共 3 步" read as English punctuation inside Chinese).

What stays half-width: placeholders (``{p:.0%}``), code in backticks, LaTeX in ``$…$``, a quoted
character (“(”, “?”), and maths such as ``P(tag | sentence)``, ``e^(…)``, ``h(t−1)``, ``(1−z)``.
"""

from __future__ import annotations

import re

import pytest

from rnnviz.i18n import STRINGS

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
HALF = ",:;?!"
# Parts of a sentence that are not prose: placeholders, code, LaTeX, a quoted character.
NOT_PROSE = re.compile(r"\{[^{}]*\}|`[^`]*`|\$[^$]*\$|“[^”]{1,3}”")
# A mark touching Chinese, or glued to the next Latin word ("f,GRU", "1:LSTM"): Chinese prose.
HALF_NEXT_TO_CJK = re.compile(rf"[{CJK}][{HALF}]|[{HALF}][{CJK}]|(?<=\S)[,;:](?=[A-Za-z])")
# A half-width pair around Chinese words; maths (a one-letter function such as P(…) or e^(…)) stays.
PAREN_AROUND_CJK = re.compile(
    r"(?<![\^_])(?<!(?<![A-Za-z])[A-Za-z])\([^()]*[\u4e00-\u9fff][^()]*\)"
)
ALLOWED: dict[str, str] = {}  # key -> why a half-width mark must stay (none needed so far)


def prose(text: str) -> str:
    return NOT_PROSE.sub("\u2060", text)  # a neutral joiner: neither CJK nor punctuation


ZH = sorted((key, entry["zh"]) for key, entry in STRINGS.items() if key not in ALLOWED)


def test_no_chinese_string_puts_half_width_punctuation_next_to_chinese() -> None:
    bad = {key: m.group() for key, zh in ZH if (m := HALF_NEXT_TO_CJK.search(prose(zh)))}
    assert not bad, f"use ，：；？！ in these zh strings: {bad}"


def test_no_chinese_string_wraps_chinese_words_in_half_width_parentheses() -> None:
    bad = {key: m.group() for key, zh in ZH if (m := PAREN_AROUND_CJK.search(prose(zh)))}
    assert not bad, f"use （） in these zh strings: {bad}"


@pytest.mark.parametrize(
    ("key", "fmt", "expected"),
    [
        ("cu_refused", {"error": "x"}, "未载入：x"),
        ("an_failed", {"error": "x"}, "无法计算：x"),
        ("predicted", {"label": "正面", "p": 0.95}, "预测：正面（95%）"),
    ],
)
def test_the_messages_the_issue_names_read_with_full_width_marks(key, fmt, expected) -> None:
    assert STRINGS[key]["zh"].format(**fmt) == expected
