"""Services of the analysis pages: which model and text they analyse, the corpus index."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from .. import custom, i18n
from ..analysis import saturation, search
from ..i18n import STRINGS, t
from ..models.base import prepare
from .cache import (
    _open_index,
    any_model,
)
from .state import (
    CUSTOM_MAX_CHARS,
    Key,
    _bind,
    _clipped,
    _copy,
    start,
)
from .widgets import (
    model_label,
)


def analysis_model() -> tuple[str, Any]:
    """The model an analysis page works on: the sidebar's, or the user's own if there is one
    and it is chosen. Stops the page with a message if nothing can be loaded."""
    ss = st.session_state
    start()
    options = [n for n in (ss.get(Key.MODEL), ss.get(Key.CUSTOM)) if n]
    if not options:
        st.error(t("model_failed", name="—", error="no models in assets/models"))
        st.stop()
    if ss.get(Key.AN_SOURCE) not in options:
        ss[Key.AN_SOURCE] = options[-1] if ss.get(Key.AN_PREFER_CUSTOM) else options[0]
    if len(options) > 1:
        _bind(Key.W_AN_SOURCE, Key.AN_SOURCE)
        st.segmented_control(
            t("an_source"),
            options,
            key=Key.W_AN_SOURCE,
            format_func=model_label,
            on_change=_copy(Key.W_AN_SOURCE, Key.AN_SOURCE),
        )
    name = ss[Key.AN_SOURCE]
    try:
        return name, any_model(name)
    except Exception as exc:
        st.error(t("model_failed", name=model_label(name), error=exc))
        st.stop()


def _random_input(state_key: str, text: str) -> None:
    st.session_state[state_key] = text


def analysis_text(name: str, model: Any) -> str:
    """The text to analyse: the sidebar sentence for shipped models, a page input for the
    user's own (numbers, ids or tokens, with a random-input button). Stops on unusable input."""
    ss = st.session_state
    if not custom.is_custom(name):
        text = _clipped(ss.get(Key.TEXT) or "")
    else:
        state_key = Key.analysis_text(name)
        widget_key = "w_" + state_key
        if state_key not in ss:
            ss[state_key] = model.examples[0][:CUSTOM_MAX_CHARS]
        mode = model.input_mode
        help_text = {
            "numbers": t("an_input_numbers", n=model.arch.input_size),
            "ids": t("an_input_ids", n=(model.embedding.shape[0] - 1) if mode == "ids" else 0),
            "tokens": t("an_input_tokens"),
        }[mode]
        left, right = st.columns([5, 1], vertical_alignment="bottom")
        _bind(widget_key, state_key)
        left.text_area(
            t("an_input"),
            key=widget_key,
            height=90 if mode == "numbers" else 68,
            max_chars=CUSTOM_MAX_CHARS,
            help=help_text,
            on_change=_copy(widget_key, state_key),
        )
        seed = int(np.random.default_rng().integers(1 << 30))
        right.button(
            t("an_random_input"),
            on_click=_random_input,
            args=(state_key, model.random_text(12, seed=seed)),
            key=f"b_rand_{state_key}",
        )
        text = ss[state_key][:CUSTOM_MAX_CHARS]
    try:  # one tokenization (a POS model's runs the whole segmenter), inputs checked with it
        tokens = prepare(model, text).tokens if text.strip() else ()
    except Exception as exc:
        st.error(t("an_failed", error=exc))
        st.stop()
    if not tokens:
        st.info(t("empty_prompt"))
        st.stop()
    return text


def corpus_index(name: str) -> Any:
    """The corpus index of a model: built once for every session and process (a progress bar
    here, whether this session builds it or waits for another), then cached on disk."""
    model = any_model(name)
    try:
        if not search.is_cached(model):
            words = t("corpus_building_shared")
            bar = st.progress(0.0, text=words)
            # every update names the work again: progress(value) alone replaces the words with none
            search.ensure_index(
                model,
                progress=lambda f: bar.progress(
                    min(1.0, max(0.0, f)), text=f"{words} {min(1.0, max(0.0, f)):.0%}"
                ),
            )
            bar.empty()
        index = _open_index(name)
    except search.IndexUnavailable as exc:  # a full or read-only disk: say so, keep running
        st.error(t("corpus_unavailable", error=exc))
        st.stop()
    meta = index.meta
    st.caption(
        t("corpus_info", corpus=meta["corpus"], sentences=meta["sentences"], tokens=meta["tokens"])
    )
    return index


def _on_saturation_click(
    chart_key: str, groups: tuple[str, ...], units: tuple[int, ...], model_name: str
) -> None:
    ss = st.session_state
    picked = saturation.pick_from_event(ss.get(chart_key), groups, units)
    if picked is None:
        return
    layer, direction, gate, unit = picked
    ss[Key.SAT_PICK] = (model_name, layer, direction, gate, unit)
    ss[Key.UNIT], ss[Key.LAYER] = unit, layer
    ss[Key.SE_UNITS], ss[Key.SE_LAYER], ss[Key.SE_DIRECTION] = [unit], layer, direction
    if not custom.is_custom(model_name):
        ss[Key.MODEL] = model_name


def saturation_click(
    chart_key: str, groups: Sequence[str], units: Sequence[int], model_name: str
) -> Callable[[], None]:
    """``on_select`` of a saturation scatter: the clicked unit becomes the selected unit."""
    return functools.partial(
        _on_saturation_click, chart_key, tuple(groups), tuple(int(u) for u in units), model_name
    )


def _word(key: str, lang: str, fallback: str) -> str:
    entry = STRINGS.get(key)
    return (entry.get(lang) or entry["en"]) if entry else fallback


def table_frame(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy of ``frame`` for display in ``lang``: headers from ``col_<column>``, directions
    translated (``forward`` → ``正向``); columns without a string keep their name."""
    shown = frame.copy()
    if "direction" in shown.columns:
        shown["direction"] = [_word(f"an_{d}", lang, str(d)) for d in shown["direction"]]
    return shown.rename(columns=lambda c: _word(f"col_{c}", lang, str(c)))


def table(frame: pd.DataFrame, **kwargs: Any) -> None:
    """``st.dataframe`` of a library table with translated headers (see :func:`table_frame`)."""
    st.dataframe(table_frame(frame, i18n.current()), **kwargs)


def column_name(column: str) -> str:
    """A table column's display name in the session's language (``col_<column>``)."""
    return _word(f"col_{column}", i18n.current(), column)


_UPLOADER_CSS = """<style>
[data-testid=stFileUploaderDropzoneInstructions] > div > * {{display: none}}
[data-testid=stFileUploaderDropzoneInstructions] > div::after {{content: "{types}";
  font-size: 0.875rem; opacity: 0.7}}
[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer] {{display: none}}
[data-testid=stFileUploaderDropzone] button > div::after {{content: "{browse}";
  margin-left: 0.3rem}}
</style>"""


def uploader_text(mb: int) -> None:
    """Streamlit draws the uploader's own words ("Upload", "200MB per file") in English only:
    in another language, hide them and show the translation instead (CSS, no layout change)."""
    if i18n.current() == "en":
        return
    st.html(_UPLOADER_CSS.format(types=t("cu_types", mb=mb), browse=t("cu_browse")))


def describe(model: Any) -> str:
    """A custom model's one-line description in the session's language
    (``CustomModel.describe`` in English)."""
    if i18n.current() == "en":
        return model.describe()
    a = model.arch
    parts = [
        a.cell.upper(),
        t("cu_d_layers", n=a.num_layers),
        t("cu_bidirectional") if a.bidirectional else t("cu_d_uni"),
        t("cu_d_input", n=a.input_size),
        t("cu_d_hidden", n=a.hidden_size),
    ]
    if a.proj_size:
        parts.append(t("cu_d_proj", n=a.proj_size))
    if not a.bias:
        parts.append(t("cu_d_nobias"))
    parts = ["、".join(parts)]
    if model.embedding is not None:
        parts.append(t("cu_d_embedding", shape=tuple(model.embedding.shape)))
    if model.vocab:
        parts.append(t("cu_d_vocab", n=len(model.vocab)))
    if model.head_weight is not None:
        parts.append(t("cu_d_head", n=model.head_weight.shape[0]))
    return ";".join(parts)
