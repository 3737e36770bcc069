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
from .cache import Result, analyse, any_model, held_run
from .state import Key, url_state

PROJECTOR_SCALE = 1.4
LINE_UNITS = 8  # the clamp's line chart draws at most this many units (the heatmaps draw all)


def scale() -> float:
    """Font scale of the explainer figures: larger in projector mode."""
    return PROJECTOR_SCALE if st.session_state.get(Key.PROJECTOR) else 1.0


# The views below are keyed by (model name, text, …) and receive the Run the caller holds as the
# unhashed ``_run`` (st.cache_data skips arguments named with a leading "_"): a hit costs
# nothing, a miss does not look the Run up again.
@st.cache_data(max_entries=64, show_spinner=False)
def memory_unit(name: str, text: str, layer: int, direction: str, _run: Result) -> int:
    """A unit worth opening on: the model's measured counter (its card's ``counter`` unit, layer 0
    forward), else the unit whose decomposable state (LSTM ``c``, GRU ``h``) varies most."""
    trace = held_run(_run, name, text).trace
    state = "c" if "c" in trace.names else "h"
    metrics = getattr(getattr(any_model(name), "config", None), "metrics", None) or {}
    counter = metrics.get("counter", {}).get(state, {}).get("unit")
    if counter is not None and layer == 0 and direction == "forward":
        return int(counter)
    return int(trace.quantity(layer, direction, state).var(axis=0).argmax())


def _unit(run: Result, stage: lessons.Stage) -> int:
    """A lesson stage's unit: its own, or the memory unit of ``run`` (the stage's sentence)."""
    if stage.unit >= 0:
        return stage.unit
    return memory_unit(run.model, run.text, stage.layer, stage.direction, _run=run)


@st.cache_data(max_entries=64, show_spinner=False)
def provenance_view(
    name: str,
    text: str,
    layer: int,
    direction: str,
    unit: int,
    lang: str,
    size: float,
    _run: Result,
) -> tuple[dict, float]:
    """``(heatmap spec, max |rows summed − traced state|)`` of one unit's memory."""
    trace = held_run(_run, name, text).trace
    prov = provenance.provenance(trace, layer, direction, unit)
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
    run: Result, spec: tuple[clamps.Clamp, ...], recompute_all: bool = False
) -> clamps.ClampResult:
    x = run.trace.inputs[0]  # (T, input_size): the Run's own inputs, not tokenized again
    return clamps.clamp(any_model(run.model).rnn, x, run.trace, spec, recompute_all)


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
    _run: Result,
) -> dict[str, dict]:
    """Specs of a clamp: ``Δ<state> <direction>`` heatmaps for every direction and ``pred``."""
    run = held_run(_run, name, text)
    clamp = clamps.Clamp(layer, direction, gate, units, span[0], span[1], value)
    result = _clamp_result(run, (clamp,))
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
def unclamped_diff(name: str, text: str, _run: Result) -> float:
    """Max |re-run without clamps − trace| over every gate and state (0 up to rounding)."""
    result = _clamp_result(held_run(_run, name, text), (), recompute_all=True)
    return max(float(np.abs(result.quantity(*k) - v).max()) for k, v in result.original.items())


@st.cache_data(max_entries=16, show_spinner=False)
def gradient_comparison(keep_bias: float, lang: str, size: float) -> tuple[dict, dict[str, float]]:
    """Curves of untrained RNN / LSTM / GRU (50 steps) and each cell's ``‖∂h_T/∂h_0‖``."""
    curves = gradients.compare_cells(keep_bias=keep_bias)
    first = {cell: float(v[0]) for cell, v in curves.items()}
    return ef.gradient_curves(curves, lang, scale=size).to_dict(), first


@st.cache_data(max_entries=16, show_spinner=False)
def model_gradient(name: str, text: str, layer: int, direction: str, _run: Result) -> np.ndarray:
    """``(T,)`` ``‖∂h_last/∂h_t‖`` of a model's own RNN on ``text`` (seconds for H=128)."""
    x = held_run(_run, name, text).trace.inputs[0]  # the Run's own inputs
    return gradients.gradient_norms(any_model(name).rnn, x, layer, direction)


@st.cache_data(max_entries=16, show_spinner=False)
def model_gradient_spec(
    name: str, text: str, layer: int, direction: str, lang: str, size: float, _run: Result
) -> dict:
    """The curve of :func:`model_gradient` over the sentence's tokens."""
    run = held_run(_run, name, text)
    curve = model_gradient(name, text, layer, direction, run)
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
    run = analyse(s.model, s.text)  # the stage's sentence: looked up once per cached stage
    if s.figure == "model_gradient":
        spec = model_gradient_spec(s.model, s.text, s.layer, s.direction, lang, size, _run=run)
        return [("", _upright(spec, run.tokens))]
    if s.figure == "provenance":
        unit = _unit(run, s)
        view = provenance_view(s.model, s.text, s.layer, s.direction, unit, lang, size, _run=run)
        return [("", view[0])]
    if s.figure == "split":
        return [("", figures.score_split_spec(run.split, run.tokens, s.step))]
    if s.figure == "proba":
        return [
            (r.model, _upright(figures.label_probabilities_spec(r.tokens, r.labels, r.proba),
                               r.tokens))
            for r in (run, analyse(s.other, s.text))
        ]  # fmt: skip
    unit = _unit(run, s)
    spec = figures.unit_lines(run.trace, unit, s.layer, s.quantities, s.step).to_dict()
    return [("", _upright(spec, run.tokens))]


class _Cached:
    """The models as :func:`rnnviz.lessons.facts` reads them, through this app's caches."""

    def run(self, model: str, text: str):
        return analyse(model, text)

    def cell_gradients(self, keep_bias: float):
        return gradients.compare_cells(keep_bias=keep_bias)

    def model_gradient(self, model: str, text: str, layer: int, direction: str) -> np.ndarray:
        return model_gradient(model, text, layer, direction, analyse(model, text))

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
    if not s.model:
        return 0
    return s.unit if s.unit >= 0 else _unit(analyse(s.model, s.text), s)


def apply_stage(lesson: str, stage: int) -> None:
    """Put a lesson stage's model, sentence, unit, step and layer into the shared selection
    (once per stage, so the learner may change them afterwards); reruns to redraw the sidebar."""
    ss = st.session_state
    s = lessons.LESSONS[lesson].stages[stage]
    if st.query_params.get("stage") != str(stage):  # a link to the lesson names its stage
        st.query_params["stage"] = str(stage)
    here = f"{lesson}:{stage}"
    if ss.get(Key.LESSON_APPLIED) == here:
        return
    ss[Key.LESSON_APPLIED] = here
    if s.model:
        ss[Key.MODEL], ss[Key.TEXT] = s.model, s.text
        ss[Key.UNIT], ss[Key.STEP], ss[Key.LAYER] = lesson_unit(lesson, stage), s.step, s.layer
        st.rerun()


def plain_sentence(name: str, text: str, step: int) -> None:
    """A lesson's sentence with the step marked and no predicted tags (they would give answers
    away before the learner guesses)."""
    st.html(markup.SENTENCE_CSS + _plain_sentence_html(name, text, step))


@st.cache_data(max_entries=64, show_spinner=False)
def _plain_sentence_html(name: str, text: str, step: int) -> str:
    run = analyse(name, text)  # the lesson holds no Run: looked up on a miss only
    return markup.tokens_html(run.tokens, [""] * run.length, run.task, run.unknown, step)


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
    st.session_state[Key.lesson_shown(lesson, stage)] = True


def revealed(lesson: str, stage: int) -> bool:
    """Whether this stage's answer is shown."""
    return bool(st.session_state.get(Key.lesson_shown(lesson, stage)))


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
