"""Scores used in training, evaluation and the model cards: word F1, entity F1, accuracy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 from counts of matching, predicted and gold items."""

    correct: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def word_spans(words: Sequence[str]) -> set[tuple[int, int]]:
    """Character offsets ``(start, end)`` of each word."""
    spans, start = set(), 0
    for w in words:
        spans.add((start, start + len(w)))
        start += len(w)
    return spans


def word_prf(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]) -> PRF:
    """Word-level precision/recall/F1: a word counts when both its ends match the gold."""
    c = p = g = 0
    for gw, pw in zip(gold, predicted, strict=True):
        if "".join(gw) != "".join(pw):
            raise ValueError("gold and predicted words must spell the same characters")
        gs, ps = word_spans(gw), word_spans(pw)
        c, p, g = c + len(gs & ps), p + len(ps), g + len(gs)
    return PRF(c, p, g)


def entity_spans(labels: Sequence[str]) -> set[tuple[int, int, str]]:
    """Typed spans ``(start, end, type)`` from BMES labels ``B-PER … O`` (ill-formed spans dropped)."""
    spans, start, kind = set(), None, ""
    for t, lab in enumerate(labels):
        pos, typ = (lab[0], lab[2:]) if lab != "O" else ("O", "")
        if pos == "S":
            spans.add((t, t + 1, typ))
            start = None
        elif pos == "B":
            start, kind = t, typ
        elif pos == "M":
            if start is None or typ != kind:
                start = None
        elif pos == "E":
            if start is not None and typ == kind:
                spans.add((start, t + 1, typ))
            start = None
        else:
            start = None
    return spans


def entity_prf(
    gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]], kind: str | None = None
) -> PRF:
    """Exact-match entity precision/recall/F1, over all types or one ``kind``."""
    c = p = g = 0
    for gl, pl in zip(gold, predicted, strict=True):
        gs = {s for s in entity_spans(gl) if kind is None or s[2] == kind}
        ps = {s for s in entity_spans(pl) if kind is None or s[2] == kind}
        c, p, g = c + len(gs & ps), p + len(ps), g + len(gs)
    return PRF(c, p, g)


def accuracy(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]) -> float:
    """Fraction of tokens whose label matches, over all sequences."""
    right = total = 0
    for gl, pl in zip(gold, predicted, strict=True):
        if len(gl) != len(pl):
            raise ValueError(f"{len(gl)} gold labels but {len(pl)} predicted")
        right += sum(a == b for a, b in zip(gl, pl, strict=True))
        total += len(gl)
    return right / total if total else 0.0


def sequence_accuracy(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]) -> float:
    """Fraction of sequences with every label right."""
    pairs = [(list(a), list(b)) for a, b in zip(gold, predicted, strict=True)]
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else 0.0
