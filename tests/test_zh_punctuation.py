"""Chinese sentences the app writes use full-width punctuation (issue 18: "未载入:{error}",
"无法计算:", "第 2 步,共 3 步" read as English punctuation inside Chinese), and so do the
model cards' 中文 versions (card.zh.md, shipped and code models).

What stays half-width: placeholders (``{p:.0%}``), code in backticks, LaTeX in ``$…$``, a quoted
character (“(”, “?”), and maths such as ``P(tag | sentence)``, ``e^(…)``, ``h(t−1)``, ``(1−z)``.
"""

from __future__ import annotations

import re
from pathlib import Path

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


# --- the model cards' 中文 (card.zh.md): their prose too, tables and lists included ---

ROOT = Path(__file__).resolve().parent.parent
CARDS = sorted(ROOT.glob("assets/*/*/card.zh.md"))
# Not prose in a card: inline code, LaTeX, a quoted character, a link's target, a URL.
CARD_NOT_PROSE = re.compile(r"`[^`]*`|\$[^$]*\$|“[^”]{1,3}”|\]\([!-(*-~]*\)|https?://\S+")
# Parentheses around Chinese text or Chinese punctuation (maths such as P(…) and f(x) stays).
CARD_PAREN = re.compile(rf"(?<![\^_])(?<!(?<![A-Za-z])[A-Za-z])\([^()]*[{CJK}][^()]*\)")
# Between two numbers in a Chinese sentence: "dropout 0.3,10 轮", "隐藏层 256:0.95" (a thousands
# separator, 4,111, is followed by three digits and stays).
NUMBER_MARK = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))|(?<=\d):(?=\d)")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.parent.name)
def test_chinese_model_cards_use_full_width_punctuation_in_their_prose(path: Path) -> None:
    bad = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = CARD_NOT_PROSE.sub("\u2060", line)
        rules = (HALF_NEXT_TO_CJK, CARD_PAREN, NUMBER_MARK) if HAN.search(text) else ()
        bad += [f"{n}: {m.group()!r}" for rule in rules for m in rule.finditer(text)]
    assert CARDS and not bad, f"{path.relative_to(ROOT)}: use ，：；？！（） in its prose: {bad}"
