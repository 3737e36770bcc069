"""Guided lessons: short tours that pick the model, sentence, unit and step, ask, then reveal.

Pure data (no streamlit): each :class:`Stage` names what to show and the index of the right
option; its words live in :mod:`rnnviz.i18n` under ``ls_<lesson>_<stage>_{title,text,q,o<k>,why}``
(English and 中文). Numbers quoted in the answers were measured on the shipped models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .schema import Direction

Figure = str  # "unit" | "provenance" | "split" | "proba" | "gradients" | "model_gradient"
LONG = "(" * 30 + ")" * 30  # deeper than any training sequence (count models saw depth ≤ 20)


@dataclass(frozen=True)
class Stage:
    """One step of a lesson: the selection it sets, the figure it reveals, the right option."""

    figure: Figure
    model: str = ""  # "" : the stage needs no shipped model (untrained cells)
    text: str = ""
    unit: int = -1  # -1: the unit whose memory varies most on this sentence
    step: int = 0
    layer: int = 0
    direction: Direction = "forward"
    quantities: tuple[str, ...] = ("h",)
    options: int = 3
    answer: int = 0
    other: str = ""  # a second model shown beside the first ("proba")
    keep_bias: float = 0.0  # "gradients": added to the LSTM f / GRU z bias


@dataclass(frozen=True)
class Lesson:
    """A titled list of stages (``ls_<id>_title`` / ``ls_<id>_intro`` in the strings)."""

    id: str
    stages: tuple[Stage, ...]

    @property
    def models(self) -> tuple[str, ...]:
        """Every shipped model a stage needs, in order of first use."""
        names = [s.model for s in self.stages] + [s.other for s in self.stages]
        return tuple(dict.fromkeys(n for n in names if n))

    def missing(self, available: Iterable[str]) -> tuple[str, ...]:
        """The models this lesson needs that are not shipped."""
        have = set(available)
        return tuple(n for n in self.models if n not in have)


def key(lesson: str, stage: int, part: str) -> str:
    """The string key of one part of a stage (``title text q why o0 o1 …``)."""
    return f"ls_{lesson}_{stage}_{part}"


_BRACKETS = "((((()))))"
_CWS = "我爱北京天安门。"

LESSONS: dict[str, Lesson] = {
    lesson.id: lesson
    for lesson in (
        Lesson(
            "memory",
            (
                Stage("unit", "count-lstm", "(((((", unit=4, step=4, quantities=("c",), answer=1),
                Stage("unit", "count-lstm", _BRACKETS, unit=4, step=9, quantities=("c",), answer=1),
                Stage("provenance", "count-lstm", _BRACKETS, unit=4, step=9, answer=0),
            ),
        ),
        Lesson(
            "bothways",
            (
                Stage("provenance", "cws-bilstm", _CWS, step=2, direction="backward", answer=1),
                Stage("split", "cws-bilstm", _CWS, step=3, answer=0),
                Stage("unit", "cws-bilstm", _CWS, step=7, quantities=("h",), options=2, answer=1),
            ),
        ),
        Lesson(
            "gruvslstm",
            (
                Stage("unit", "count-lstm", LONG, unit=4, step=29, quantities=("c",), answer=0),
                Stage("unit", "count-gru", LONG, unit=7, step=29, quantities=("h",), answer=1),
                Stage("proba", "count-lstm", LONG, step=59, other="count-gru", options=4, answer=1),
            ),
        ),
        Lesson(
            "whygates",
            (
                Stage("gradients", answer=2),
                Stage("gradients", keep_bias=3.0, answer=1),
                Stage("model_gradient", "count-lstm", LONG, step=0, options=2, answer=1),
            ),
        ),
    )
}
