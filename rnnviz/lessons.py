"""Guided lessons: short tours that pick the model, sentence, unit and step, ask, then reveal.

No streamlit: each :class:`Stage` names what to show and the index of the right option; its
words live in :mod:`rnnviz.i18n` under ``ls_<lesson>_<stage>_{title,text,q,o<k>,why}`` (English
and 中文). The words hold no measured number: every number a stage quotes is a placeholder
filled by :func:`facts`, which reads the shipped model when the stage is shown, so a retrained
model can never leave a lesson quoting numbers its charts no longer show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .analysis.provenance import provenance
from .i18n import label_name
from .models.base import Run
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


class Source(Protocol):
    """Where :func:`facts` reads the models (the app: its caches; a test: the models directly)."""

    def run(self, model: str, text: str) -> Run: ...

    def cell_gradients(self, keep_bias: float) -> Mapping[str, np.ndarray]: ...

    def model_gradient(self, model: str, text: str, layer: int, direction: str) -> np.ndarray: ...

    def metrics(self, model: str) -> Mapping: ...


def number(value: float, digits: int = 2, sign: bool = False) -> str:
    """``value`` as a lesson prints it: fixed ``digits``, a true minus sign (−)."""
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace("-", "−")


def tiny(value: float) -> str:
    """A vanishing magnitude with one significant digit: ``2e-13``."""
    return f"{value:.0e}".replace("e-0", "e-").replace("e+00", "")


def percent(p: float) -> str:
    """A probability as a percentage with one decimal: ``98.7%``."""
    return f"{100 * p:.1f}%"


def series(values: Iterable[float], lang: str, digits: int = 2) -> str:
    """Numbers listed the way each language lists them (``, `` / ``、``)."""
    return ("、" if lang == "zh" else ", ").join(number(float(v), digits) for v in values)


def _state(run: Run, stage: Stage, name: str, unit: int) -> np.ndarray:
    return run.trace.quantity(stage.layer, stage.direction, name)[:, unit]  # (T,)


def _memory(src: Source, s: Stage, k: int, unit: int, lang: str) -> dict[str, str]:
    run = src.run(s.model, s.text)
    c, f = _state(run, s, "c", unit), _state(run, s, "f", unit)
    if k == 0:
        write = _state(run, s, "i", unit) * _state(run, s, "g", unit)  # (T,) i·g
        return {"cs": series(c, lang), "write": number(write.mean()), "fmin": number(f.min())}
    if k == 1:
        return {"cs": series(c[5:], lang)}
    prov = provenance(run.trace, s.layer, s.direction, unit)
    return {
        "first": number(prov.matrix[0, 0]),
        "kept": number(prov.matrix[-1, 0], 3),
        "fmin": number(f.min()),
    }


def _bothways(src: Source, s: Stage, k: int, unit: int, lang: str) -> dict[str, str]:
    if k != 1:
        return {}
    split = src.run(s.model, s.text).split
    e = split.labels.index("E")
    return {
        "fwd": number(split.forward[s.step, e], sign=True),
        "bwd": number(split.backward[s.step, e], sign=True),
    }


def _gruvslstm(src: Source, s: Stage, k: int, unit: int, lang: str) -> dict[str, str]:
    run = src.run(s.model, s.text)
    if k == 0:
        c = _state(run, s, "c", unit)
        return {
            "cs": series(c[:2], lang), "deep": number(c[29]), "about": number(c[29], 0),
            "end": number(c[-1]),
        }  # fmt: skip
    if k == 1:
        h = _state(run, s, "h", unit)
        return {"hs": series(h[:3], lang), "h21": number(h[20]), "h30": number(h[29])}
    other = src.run(s.other, s.text)
    facts = {}
    for who, r in (("lstm", run), ("gru", other)):
        last = r.proba[s.step]
        facts[f"{who}_label"] = label_name(r.labels[int(last.argmax())], lang)
        facts[f"{who}_p"] = percent(float(last.max()))
        facts[f"{who}_acc"] = percent(src.metrics(r.model)["test"]["sequence_accuracy"])
    return facts


def _whygates(src: Source, s: Stage, k: int, unit: int, lang: str) -> dict[str, str]:
    if k < 2:
        first = {cell: float(v[0]) for cell, v in src.cell_gradients(s.keep_bias).items()}
        return {
            "rnn": tiny(first["rnn"]),
            "lstm": tiny(first["lstm"]) if k == 0 else number(first["lstm"], 1),
            "gru": tiny(first["gru"]) if k == 0 else number(first["gru"], 1),
        }
    curve = src.model_gradient(s.model, s.text, s.layer, s.direction)  # (T,)
    units = src.run(s.model, s.text).trace.units("h")
    return {
        "low": number(curve.min()), "high": number(curve[:-1].max(), 1),
        "last": number(curve[-1]), "units": str(units),
    }  # fmt: skip


_FACTS: dict[str, Callable[[Source, Stage, int, int, str], dict[str, str]]] = {
    "memory": _memory,
    "bothways": _bothways,
    "gruvslstm": _gruvslstm,
    "whygates": _whygates,
}

OFF_CHART: dict[tuple[str, int], tuple[str, ...]] = {
    ("memory", 0): ("write", "fmin"),
    ("memory", 2): ("fmin",),
    ("gruvslstm", 0): ("about",),
    ("gruvslstm", 2): ("lstm_acc", "gru_acc"),
}
"""Facts a stage quotes that its chart does not draw (gates behind a state, a test metric, a
rounded repeat): every other quoted number is one of the values on the stage's chart."""


def facts(lesson: str, stage: int, unit: int, src: Source, lang: str) -> dict[str, str]:
    """The formatted numbers stage ``stage`` of ``lesson`` quotes, measured on its models now,
    keyed by the placeholders of its words (``unit`` always included)."""
    s = LESSONS[lesson].stages[stage]
    return {"unit": str(unit), **_FACTS[lesson](src, s, stage, unit, lang)}
