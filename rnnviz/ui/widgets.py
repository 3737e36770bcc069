"""Small widgets shared by pages: choices, step controls, unit and layer pickers, the sentence."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from .. import cards, cells, custom, i18n, markup
from ..analysis.bestunits import BestUnit
from ..i18n import label_name, t
from ..tracer import Trace
from .cache import (
    Result,
    analyse,
    model_names,
    partner,
    task_models,
)
from .player import seek_unit
from .state import (
    Key,
    _bind,
    _copy,
    _set,
    sync_url,
    url_state,
)


def _option_name(prefix: str, option: str, labels: tuple[tuple[str, str], ...] = ()) -> str:
    named = dict(labels)
    if option in named:  # a quantity named by its cell (sLSTM's z is "cell input")
        return f"{option} · {t(named[option])}" if option != "merged" else t(named[option])
    name = t(prefix + option)
    return f"{option} · {name}" if prefix == "q_" and option != "merged" else name


URL_CHOICES = {  # widget key -> the plain key a shared link carries (see state.STATE_KEYS)
    Key.W_QUANTITY: Key.QUANTITY,
    Key.W_CMP_QUANTITY: Key.QUANTITY,
    Key.W_ORDER: Key.ORDER,
    Key.W_MERGE: Key.MERGE,
}


def choice(
    label_key: str,
    options: Sequence[str],
    key: str,
    prefix: str = "",
    labels: dict[str, str] | None = None,
    compact: bool = False,
) -> str:
    """A horizontal single choice with translated option names: ``labels[option]`` (an i18n
    key, e.g. from :func:`quantity_labels`) or ``t(prefix + option)``; ``compact``: a select
    box, one line high (nine gates in projector mode take two rows of buttons).

    Choices listed in ``URL_CHOICES`` open on the link's (or the last page's) value and are
    mirrored into the link."""
    ss = st.session_state
    url = URL_CHOICES.get(key)
    default = options[0]
    if url and key not in ss and ss.get(url) in options:
        default = ss[url]
    named = functools.partial(_option_name, prefix, labels=tuple(sorted((labels or {}).items())))
    if compact:
        if ss.get(key) not in options:  # a value the buttons left, or none yet
            ss[key] = default
        value = st.selectbox(  # its options name themselves ("c · cell state"): no label line
            t(label_key), list(options), key=key, format_func=named, label_visibility="collapsed"
        )
    else:
        value = st.segmented_control(
            t(label_key), list(options), key=key, default=default, format_func=named
        )
    value = value or options[0]
    if url:
        ss[url] = value
    return value


def quantity_labels(runs: Sequence[Result]) -> dict[str, str]:
    """Each quantity's i18n key as its cell names it (``trace.spec.label``): sLSTM's ``z`` is
    "cell input", GRU's ``z`` the update gate; the first run that has a quantity names it."""
    out: dict[str, str] = {"merged": "q_merged"}
    for r in runs:
        for q in r.trace.names:
            out.setdefault(q, r.trace.spec.label(q))
    return out


def sticky(key: str) -> None:
    """Keep the container ``st.container(key=key)`` in view while its column's neighbour scrolls
    (the Heatmaps page's unit chart beside tall heatmaps)."""
    st.html(  # the wrapper around the container is the box that moves inside the column
        f"<style>[data-testid=stLayoutWrapper]:has(> .st-key-{key}) "
        "{ position: sticky; top: 3.8rem; z-index: 2; background: inherit; }</style>"
    )


def prefixed(prefix: str, option: str) -> str:
    """``t(prefix + option)``: a picklable ``format_func`` for option lists."""
    return t(prefix + option)


PLAY_SECONDS = 1.2


def playing() -> bool:
    """Whether Play is on (the step page's fragment then reruns every ``PLAY_SECONDS``)."""
    return bool(st.session_state.get(Key.PLAYING))


def step_controls(length: int, play: bool = True, was_playing: bool = False) -> int:
    """Slider + Prev / Next (+ Play) over positions ``0..length-1``; returns the step.

    Play is a toggle under ``session_state.playing``. A fragment's timer is fixed when the page
    defines it, so switching Play reruns the whole page to start or stop the timer.
    """
    ss = st.session_state
    ss[Key.STEP] = min(ss[Key.STEP], length - 1)
    prev_col, slider_col, next_col, play_col = st.columns(
        [1.8, 4, 1.8, 1.6], vertical_alignment="bottom"
    )
    prev_col.button(
        t("prev"),
        on_click=_set,
        args=(Key.STEP, max(0, ss[Key.STEP] - 1)),
        disabled=ss[Key.STEP] == 0,
        key="b_prev",
        width="stretch",
    )
    next_col.button(
        t("next"),
        on_click=_set,
        args=(Key.STEP, min(length - 1, ss[Key.STEP] + 1)),
        disabled=ss[Key.STEP] >= length - 1,
        key="b_next",
        width="stretch",
    )
    if play:
        play_col.toggle(t("play"), key=Key.PLAYING)
        if playing() != was_playing:
            st.rerun()
    if length > 1:
        _bind(Key.W_STEP, Key.STEP)
        slider_col.slider(
            t("step"), 0, length - 1, key=Key.W_STEP, on_change=_copy(Key.W_STEP, Key.STEP)
        )
    sync_url()
    return ss[Key.STEP]


def advance(length: int, direction: str = "forward") -> None:
    """One Play tick: the next step in reading order, wrapping around at the end (the
    backward direction reads right to left, so its next step is the previous position)."""
    ss = st.session_state
    ss[Key.STEP] = (ss[Key.STEP] + (1 if direction == "forward" else -1)) % length


def side_by_side(spec: int | Sequence[float]) -> list[Any]:
    """Columns (``st.columns(spec)``); stacked full width in projector mode, where two columns of
    enlarged drawings, ticks and equations do not fit a 1280-pixel screen."""
    if st.session_state.get(Key.PROJECTOR):
        count = spec if isinstance(spec, int) else len(spec)
        return [st.container() for _ in range(count)]
    return list(st.columns(spec))


def play_direction(directions: Sequence[str]) -> str:
    """Which way Play reads: forward (left to right) or backward (right to left)."""
    if len(directions) == 1:
        return directions[0]
    return choice("play_reads", list(directions), "w_play_direction", prefix="play_")


def open_on_story_unit(model: str, best: BestUnit | None) -> None:
    """Open a model's first visit on its best unit (unless a unit other than 0 was chosen)."""
    ss = st.session_state
    if ss.get(Key.STORY_MODEL) == model:
        return
    ss[Key.STORY_MODEL] = model
    if best is not None and not ss.get(Key.UNIT):
        ss[Key.UNIT] = best.unit


def story(best: BestUnit | None, task: str | None = None, button: bool = True) -> None:
    """Why the story unit is interesting, a button to go to it, and the task's notes."""
    if best is not None:
        fields = {
            "unit": best.unit,
            "direction": t(best.direction),
            "quantity": best.quantity,
            "signal": t(f"signal_{best.signal}"),
        }
        if best.signal == "variance":
            st.markdown(t("story_unit_variance", **fields))
        else:
            st.markdown(t("story_unit_signal", r=best.score, **fields))
    if best is not None and button:
        st.button(
            t("story_go", unit=best.unit),
            on_click=seek_unit,
            args=(best.unit,),
            key="b_story_unit",
            disabled=st.session_state.get(Key.UNIT) == best.unit,
        )
    if task and f"notice_{task}" in i18n.STRINGS:
        st.markdown(t(f"notice_{task}"))


def _range(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}…{b}"


def reading(result: Result, step: int) -> None:
    """What each direction has read when it reaches ``step`` (one sentence)."""
    tok, n = result.tokens[step], result.length
    if not result.trace.bidirectional:
        st.markdown(t("reading_uni", t=step, tok=tok))
    elif n == 1:
        st.markdown(t("reading_one", t=step, tok=tok))
    elif step == 0:
        st.markdown(t("reading_first", t=step, tok=tok, after=_range(n - 1, 1)))
    elif step == n - 1:
        st.markdown(t("reading_last", t=step, tok=tok, before=_range(0, n - 2)))
    else:
        before, after = _range(0, step - 1), _range(n - 1, step + 1)
        st.markdown(t("reading", t=step, tok=tok, before=before, after=after))


def unit_picker(units: int) -> int:
    """Number input for the unit whose equations and diagram are shown."""
    ss = st.session_state
    ss[Key.UNIT] = min(ss[Key.UNIT], units - 1)
    _bind(Key.W_UNIT, Key.UNIT)
    st.number_input(
        t("unit"), 0, units - 1, step=1, key=Key.W_UNIT, on_change=_copy(Key.W_UNIT, Key.UNIT)
    )
    sync_url()
    return ss[Key.UNIT]


def layer_picker(trace: Trace) -> int:
    """Layer selector, drawn only for stacked networks."""
    ss = st.session_state
    ss[Key.LAYER] = min(ss.get(Key.LAYER, 0), trace.num_layers - 1)
    if trace.num_layers > 1:
        _bind(Key.W_LAYER, Key.LAYER)
        st.selectbox(
            t("layer"),
            list(range(trace.num_layers)),
            key=Key.W_LAYER,
            on_change=_copy(Key.W_LAYER, Key.LAYER),
        )
    return ss[Key.LAYER]


def sentence(result: Result, step: int | None = None) -> None:
    """The sentence with its predicted tags (word boxes, POS tags, entities), unknowns marked."""
    tags = result.predicted if result.kind == "tagger" else [""] * result.length
    st.html(
        markup.SENTENCE_CSS
        + markup.tokens_html(result.tokens, tags, result.task, result.unknown, step)
    )


def link(path: str, label: str) -> None:
    """A link to another page, keeping the selection; plain text when the page runs alone."""
    try:
        st.page_link(path, label=label, query_params=url_state())
    except StreamlitAPIException:  # opened without the entry's navigation (AppTest, a script)
        st.markdown(f"- {label}")


def card(markdown: str, markdown_zh: str | None = None) -> None:
    """A model card in the session's language, its headings demoted under the page's own.

    ``markdown`` is the English card; ``markdown_zh`` its translation. Without one, a shipped
    card's ``card.zh.md`` is found by its English text (:func:`rnnviz.cards.translation`).
    """
    lang = i18n.current()
    if lang == "zh":
        markdown = markdown_zh or cards.translation(markdown, lang) or markdown
    st.markdown(
        re.sub(
            r"^(#{1,3}) ", lambda m: "#" * (len(m.group(1)) + 3) + " ", markdown, flags=re.MULTILINE
        )
    )


def prediction(result: Result) -> None:
    """A classifier's answer and its probability."""
    p = float(result.proba[-1].max())
    st.metric(t("prediction"), f"{label_name(result.predicted[0])} · {p:.0%}")


def equations(lines: Sequence[str]) -> None:
    """LaTeX lines, one equation each."""
    for line in lines:
        st.latex(line)


def direction_picker(directions: Sequence[str], key: str) -> str:
    """Forward / backward choice (nothing drawn for a one-direction model)."""
    if len(directions) == 1:
        return directions[0]
    return choice("an_direction", list(directions), key, prefix="an_")


def show_error(exc: Exception) -> None:
    """A library error as a red message (never a traceback)."""
    st.error(t("an_failed", error=i18n.error_text(exc)))


def model_label(name: str | None) -> str:
    """Display name: shipped name, ``★ <file>`` for the user's own model, ``—`` for none."""
    if not name:
        return "—"
    return f"★ {custom.display_name(name)}" if custom.is_custom(name) else name


def compare_picker(container: Any, name: str, key: str) -> str | None:
    """A "compare with" select beside ``name``: the other shipped models, defaulting to its
    LSTM/GRU partner; ``None`` means no comparison."""
    partner_name = partner(name)
    others = [n for n in model_names() if n != name]
    return container.selectbox(
        t("sa_compare"),
        [None, *others],
        index=others.index(partner_name) + 1 if partner_name in others else 0,
        format_func=model_label,
        key=key,
    )


def task_runs(result: Result) -> list[Result]:
    """The sentence through every model of ``result``'s task, cells in registry order (LSTM,
    GRU, RNN); a model that cannot read the sentence is left out with a warning."""
    runs = []
    for name in task_models(result.model):
        try:
            runs.append(result if name == result.model else analyse(name, result.text))
        except Exception as exc:
            st.warning(t("trace_failed", error=exc))
    order = list(cells.CELLS)
    return sorted(runs, key=lambda r: (order.index(r.trace.cell), r.model))


def quantity_names(runs: Sequence[Result]) -> list[str]:
    """Every state, then every gate, any of ``runs`` records, each once (``c h i f g o r z n``):
    the updated states first, since they are what a task's best unit was found on."""
    states = [s for r in runs for s in r.trace.spec.states[::-1]]
    return list(dict.fromkeys([*states, *(q for r in runs for q in r.trace.names)]))


def agreement(runs: Sequence[Result]) -> None:
    """How many tokens the taggers tag alike (nothing for classifiers)."""
    if not runs or runs[0].kind != "tagger":
        return
    n = runs[0].length
    same = sum(len({r.predicted[k] for r in runs}) == 1 for k in range(n))
    st.markdown(t("agreement_one" if n == 1 else "agreement_all", k=same, n=n))
