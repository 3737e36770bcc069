"""Cached services of the explainer pages: memory provenance, gate clamps, the vanishing gradient,
from scratch, and the lessons' figures. Results and figure specs are cached per (model, text, …);
pages only pick and draw. Figures grow with ``scale`` (projector mode: :func:`scale`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException

from .. import figures, i18n, lessons, markup
from ..analysis import clamps, gradients, provenance, scratch
from ..figures import explain as ef
from ..figures import scratch as sf
from ..models.base import prepare
from .cache import analyse, any_model
from .state import url_state

PROJECTOR_SCALE = 1.4
LINE_UNITS = 8  # the clamp's line chart draws at most this many units (the heatmaps draw all)


def scale() -> float:
    """Font scale of the explainer figures: larger in projector mode."""
    return PROJECTOR_SCALE if st.session_state.get("projector") else 1.0


@st.cache_data(max_entries=64, show_spinner=False)
def memory_unit(name: str, text: str, layer: int, direction: str) -> int:
    """A unit worth opening on: the model's measured counter (its card's ``counter`` unit, layer 0
    forward), else the unit whose decomposable state (LSTM ``c``, GRU ``h``) varies most."""
    trace = analyse(name, text).trace
    state = "c" if "c" in trace.names else "h"
    metrics = getattr(getattr(any_model(name), "config", None), "metrics", None) or {}
    counter = metrics.get("counter", {}).get(state, {}).get("unit")
    if counter is not None and layer == 0 and direction == "forward":
        return int(counter)
    return int(trace.quantity(layer, direction, state).var(axis=0).argmax())


def _unit(name: str, text: str, stage: lessons.Stage) -> int:
    return stage.unit if stage.unit >= 0 else memory_unit(name, text, stage.layer, stage.direction)


@st.cache_data(max_entries=64, show_spinner=False)
def provenance_view(
    name: str, text: str, layer: int, direction: str, unit: int, lang: str, size: float
) -> tuple[dict, float]:
    """``(heatmap spec, max |rows summed − traced state|)`` of one unit's memory."""
    prov = provenance.provenance(analyse(name, text).trace, layer, direction, unit)
    check = float(np.abs(prov.total - prov.state).max())
    return ef.provenance_heatmap(prov, lang, scale=size).to_dict(), check


def parse_units(text: str, count: int) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Units typed as numbers and ranges (``5``, ``3, 7``, ``0-4``): ``(units, refused)``.

    An exact reading, not a search: "5" is unit 5 (a multiselect's search picked the 22 units
    whose number contains a 5). ``refused`` holds the entries that are no unit of ``count``."""
    units: dict[int, None] = {}
    refused = []
    for item in (
        p for p in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    ):
        if not item:
            continue
        a, dash, b = item.replace("–", "-").partition("-")
        try:
            lo, hi = int(a), int(b) if dash else int(a)
        except ValueError:
            refused.append(item)
            continue
        if not 0 <= lo <= hi < count:
            refused.append(item)
            continue
        units.update(dict.fromkeys(range(lo, hi + 1)))
    return tuple(units), tuple(refused)


def _clamp_result(
    name: str, text: str, spec: tuple[clamps.Clamp, ...], recompute_all: bool = False
) -> clamps.ClampResult:
    model = any_model(name)
    x = prepare(model, text).inputs  # (T, input_size)
    return clamps.clamp(model.rnn, x, analyse(name, text).trace, spec, recompute_all)


@st.cache_data(max_entries=32, show_spinner=False)
def clamp_view(
    name: str,
    text: str,
    layer: int,
    direction: str,
    gate: str,
    value: float,
    units: tuple[int, ...],
    span: tuple[int, int],
    lang: str,
    size: float,
) -> dict[str, dict]:
    """Specs of a clamp: ``Δ<state> <direction>`` heatmaps for every direction and ``pred``."""
    run = analyse(name, text)
    clamp = clamps.Clamp(layer, direction, gate, units, span[0], span[1], value)
    result = _clamp_result(name, text, (clamp,))
    specs = {
        f"{q} {d}": ef.clamp_heatmap(result, layer, d, q, lang, scale=size).to_dict()
        for d in run.trace.directions
        for q in ("c", "h")
        if q in run.trace.names
    }
    shown = units[:LINE_UNITS]
    specs["lines"] = ef.clamp_lines(result, layer, direction, "h", shown, lang, size).to_dict()
    before, after = clamps.probabilities(result, *any_model(name).head())
    specs["pred"] = ef.prediction_delta(before, after, run.tokens, run.labels, lang, size).to_dict()
    return specs


@st.cache_data(max_entries=32, show_spinner=False)
def unclamped_diff(name: str, text: str) -> float:
    """Max |re-run without clamps − trace| over every gate and state (0 up to rounding)."""
    result = _clamp_result(name, text, (), recompute_all=True)
    return max(float(np.abs(result.quantity(*k) - v).max()) for k, v in result.original.items())


@st.cache_data(max_entries=16, show_spinner=False)
def gradient_comparison(keep_bias: float, lang: str, size: float) -> tuple[dict, dict[str, float]]:
    """Curves of untrained RNN / LSTM / GRU (50 steps) and each cell's ``‖∂h_T/∂h_0‖``."""
    curves = gradients.compare_cells(keep_bias=keep_bias)
    first = {cell: float(v[0]) for cell, v in curves.items()}
    return ef.gradient_curves(curves, lang, scale=size).to_dict(), first


@st.cache_data(max_entries=16, show_spinner=False)
def model_gradient(name: str, text: str, layer: int, direction: str) -> np.ndarray:
    """``(T,)`` ``‖∂h_last/∂h_t‖`` of a model's own RNN on ``text`` (seconds for H=128)."""
    model = any_model(name)
    return gradients.gradient_norms(model.rnn, prepare(model, text).inputs, layer, direction)


def model_gradient_spec(
    name: str, text: str, layer: int, direction: str, lang: str, size: float
) -> dict:
    """The curve of :func:`model_gradient` over the sentence's tokens."""
    run = analyse(name, text)
    curve = model_gradient(name, text, layer, direction)
    spec = ef.gradient_curves({run.trace.cell: curve}, lang, run.tokens, size, direction)
    return spec.to_dict()


@st.cache_data(max_entries=4, show_spinner=False)
def scratch_view(cell: str, lang: str, size: float) -> dict[str, Any]:
    """From scratch: the textbook check, the no-carry bug, many-to-many vs many-to-one, and
    which cells can run as a parallel scan."""
    check = scratch.textbook_vs_pytorch(cell)
    bug = scratch.no_carry_bug(cell)
    ways = scratch.many_to_many_vs_one()
    parallel = scratch.parallel_check()
    return {
        "parallel": parallel,
        "source": check.source,
        "ok": check.ok,
        "diff": check.max_abs_diff,
        "table": sf.scratch_table(check, lang, units=3, scale=size).to_dict(),
        "bug_source": bug.source,
        "bug": sf.no_carry_figure(bug, lang, scale=size).to_dict(),
        "diverges": bug.first_divergence,
        "shapes": ways.shapes,
        "ways_diff": ways.max_abs_diff_last,
        "ways_sources": ways.sources,
    }


def _upright(spec: dict, tokens: tuple[str, ...]) -> dict:
    """Single characters (brackets) as tick labels stay upright: turned, "(" reads as "⌣"."""
    if all(len(tok) == 1 for tok in tokens) and "xaxis" in spec.get("layout", {}):
        spec["layout"]["xaxis"]["tickangle"] = 0
    return spec


@st.cache_data(max_entries=64, show_spinner=False)
def lesson_figures(lesson: str, stage: int, lang: str, size: float) -> list[tuple[str, dict]]:
    """``(caption, spec)`` of each figure a lesson stage reveals (a caption names the model when
    a stage shows two)."""
    i18n.use(lang)
    s = lessons.LESSONS[lesson].stages[stage]
    if s.figure == "gradients":
        return [("", gradient_comparison(s.keep_bias, lang, size)[0])]
    if s.figure == "model_gradient":
        spec = model_gradient_spec(s.model, s.text, s.layer, s.direction, lang, size)
        return [("", _upright(spec, analyse(s.model, s.text).tokens))]
    run = analyse(s.model, s.text)
    if s.figure == "provenance":
        unit = _unit(s.model, s.text, s)
        return [("", provenance_view(s.model, s.text, s.layer, s.direction, unit, lang, size)[0])]
    if s.figure == "split":
        return [("", figures.score_split_spec(run.split, run.tokens, s.step))]
    if s.figure == "proba":
        return [
            (r.model, _upright(figures.label_probabilities_spec(r.tokens, r.labels, r.proba),
                               r.tokens))
            for r in (run, analyse(s.other, s.text))
        ]  # fmt: skip
    unit = _unit(s.model, s.text, s)
    spec = figures.unit_lines(run.trace, unit, s.layer, s.quantities, s.step).to_dict()
    return [("", _upright(spec, run.tokens))]


class _Cached:
    """The models as :func:`rnnviz.lessons.facts` reads them, through this app's caches."""

    def run(self, model: str, text: str):
        return analyse(model, text)

    def cell_gradients(self, keep_bias: float):
        return gradients.compare_cells(keep_bias=keep_bias)

    def model_gradient(self, model: str, text: str, layer: int, direction: str) -> np.ndarray:
        return model_gradient(model, text, layer, direction)

    def metrics(self, model: str) -> dict:
        return getattr(getattr(any_model(model), "config", None), "metrics", None) or {}


@st.cache_data(max_entries=64, show_spinner=False)
def lesson_facts(lesson: str, stage: int, lang: str) -> dict[str, str]:
    """The numbers a lesson stage quotes, measured on the shipped models now (placeholders of
    its words: ``t(key, **lesson_facts(...))``)."""
    return lessons.facts(lesson, stage, lesson_unit(lesson, stage), _Cached(), lang)


def lesson_unit(lesson: str, stage: int) -> int:
    """The unit a lesson stage looks at (resolved when the stage says "most varying")."""
    s = lessons.LESSONS[lesson].stages[stage]
    return _unit(s.model, s.text, s) if s.model else 0


def apply_stage(lesson: str, stage: int) -> None:
    """Put a lesson stage's model, sentence, unit, step and layer into the shared selection
    (once per stage, so the learner may change them afterwards); reruns to redraw the sidebar."""
    ss = st.session_state
    s = lessons.LESSONS[lesson].stages[stage]
    if st.query_params.get("stage") != str(stage):  # a link to the lesson names its stage
        st.query_params["stage"] = str(stage)
    here = f"{lesson}:{stage}"
    if ss.get("lesson_applied") == here:
        return
    ss.lesson_applied = here
    if s.model:
        ss.model, ss.text = s.model, s.text
        ss.unit, ss.step, ss.layer = lesson_unit(lesson, stage), s.step, s.layer
        st.rerun()


def plain_sentence(name: str, text: str, step: int) -> None:
    """A lesson's sentence with the step marked and no predicted tags (they would give answers
    away before the learner guesses)."""
    run = analyse(name, text)
    tags = [""] * run.length
    st.html(markup.SENTENCE_CSS + markup.tokens_html(run.tokens, tags, run.task, run.unknown, step))


def goto(lesson: str | None, stage: int = 0) -> None:
    """Open a lesson's stage (``None``: the list of lessons), kept in the URL for a link."""
    qp = st.query_params
    if lesson is None:
        for k in ("lesson", "stage"):
            if k in qp:
                del qp[k]
        return
    qp["lesson"], qp["stage"] = lesson, str(stage)


def reveal(lesson: str, stage: int) -> None:
    """Reveal a stage's answer (a button's callback)."""
    st.session_state[f"ls_shown_{lesson}_{stage}"] = True


def revealed(lesson: str, stage: int) -> bool:
    """Whether this stage's answer is shown."""
    return bool(st.session_state.get(f"ls_shown_{lesson}_{stage}"))


def option_label(lesson: str, stage: int, option: int) -> str:
    """A question's option text (a picklable ``format_func`` through ``functools.partial``),
    its numbers measured on the model."""
    return i18n.t(
        lessons.key(lesson, stage, f"o{option}"), **lesson_facts(lesson, stage, i18n.current())
    )


def lesson_link(lesson: str) -> None:
    """A link that opens a lesson (a button when the page runs without the app's navigation)."""
    label = "▶ " + i18n.t(f"ls_{lesson}_title")
    try:
        st.page_link(
            "pages/lessons.py", label=label, query_params={**url_state(), "lesson": lesson}
        )
    except StreamlitAPIException:
        st.button(label, key=f"b_ls_open_{lesson}", on_click=goto, args=(lesson, 0))
