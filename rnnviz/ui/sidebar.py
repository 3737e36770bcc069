"""Per page setup, the page list entries, the shared sidebar, and the selection every page reads."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from typing import Any

import streamlit as st

from .. import custom, i18n, uploads
from ..i18n import t
from ..models import EmptyText
from . import boot, look
from .cache import (
    Result,
    _default_text,
    _examples,
    _legend_spec,
    _trace_table,
    analyse,
    load_model,
    model_names,
)
from .charts import (
    chart,
)
from .legacy import (
    _leave_legacy_mode,
)
from .state import (
    APP_MAX_CHARS,
    CUSTOM_KEY,
    ROOT,
    _bind,
    _clipped,
    _copy,
    _limit,
    start,
    sync_url,
    text_limit,
    upload_session,
    url_state,
)
from .widgets import (
    model_label,
)


def setup() -> None:
    """Per page: state, language, CSS. Call first in every page."""
    _leave_legacy_mode()
    start()
    boot.session_started()  # release hook; notice after a replica went away
    if st.session_state.get(CUSTOM_KEY):  # this session's uploads stay while it is open
        uploads.touch_session(upload_session())
    look.apply(st.session_state.projector)


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
    # The default page is served at "/" and Streamlit still reserves its own path for it, so
    # "/overview" would say "Page not found": it reserves DEFAULT_PATH instead, and
    # :func:`routes` adds a hidden page at its name.
    shown = DEFAULT_PATH if default else url_path
    entry = st.Page(path, title=t(title_key), url_path=shown, icon=icon, default=default)
    entry.rnnviz_path = url_path  # the name it is linked and typed by
    return entry


DEFAULT_PATH = "home"


def routes(pages: Sequence[Any]) -> list[Any]:
    """The page list for ``st.navigation``: ``pages`` plus a hidden twin of the default page at
    its own name (``/overview`` opens the overview instead of "Page not found")."""
    twins = [
        st.Page(p._page, title=p.title, url_path=p.rnnviz_path, icon=p.icon, visibility="hidden")
        for p in pages
        if p._default and not callable(p._page) and getattr(p, "rnnviz_path", DEFAULT_PATH)
        != DEFAULT_PATH
    ]  # fmt: skip
    return [*pages, *twins]


def sidebar(pages: Sequence[Any]) -> None:
    """The shared sidebar: page links, model, sentence, language, projector, legend, downloads."""
    ss = st.session_state
    sb = st.sidebar
    sb.markdown(f"### {t('app_title')}")
    missing = ss.pop("link_missing", None)
    if missing:
        st.warning(t("link_model_missing", name=custom.display_name(missing), model=ss.model))
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
    limit = text_limit()  # numbers or ids: steps are counted, not characters
    ss.text = (ss.get("text") or "")[:limit]
    _bind("w_text", "text")
    sb.text_area(
        t("sentence"),
        key="w_text",
        height=90,
        max_chars=limit,
        help=t("sentence_help_steps", n=_steps_hint())
        if limit > APP_MAX_CHARS
        else t("sentence_help"),
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


def _steps_hint() -> int:
    """Steps the user's own model reads at most (its ``max_chars`` counts steps)."""
    try:
        return int(load_model(st.session_state.model).max_chars)
    except Exception:
        return 0


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
    limit = text_limit()
    ss.clipped_from = len(text) if len(text) > limit else 0
    ss.text = text[:limit]
    ss.step = 0


def _on_example() -> None:
    ss = st.session_state
    if ss.get("w_example"):
        ss.text = ss.w_example
        ss.step = 0
    ss.w_example = None


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
        st.warning(t("truncated", n=ss.clipped_from, limit=text_limit()))
    if len(text) > limit:
        st.warning(t("truncated", n=len(text), limit=limit))
        text = text[:limit]
    try:
        # the one Run tokenizes; no tokens raises EmptyText. A spinner only for real work: each
        # one starts a timer thread, on every run of every page
        cached = analyse.holds(ss.model, text)
        with contextlib.nullcontext() if cached else st.spinner("…"):
            result = analyse(ss.model, text) if text.strip() else None
    except EmptyText:
        result = None
    except Exception as exc:  # whatever the text, the page explains instead of a traceback
        st.error(t("trace_failed", error=i18n.error_text(exc)))
        st.stop()
    if result is None:
        st.info(t("empty_prompt"))
        st.stop()
    if getattr(m, "input_mode", "") == "numbers":  # steps, not characters, are what counts
        st.caption(t("steps_read", steps=result.length, width=m.arch.input_size))
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
