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
    ROOT,
    Key,
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
    boot.session_started()  # release hook
    if not st.session_state.get(Key.REPLICA_CHECKED):  # once per session
        st.session_state[Key.REPLICA_CHECKED] = True
        boot.replica_notice()  # after a replica went away
    if st.session_state.get(Key.CUSTOM):  # this session's uploads stay while it is open
        uploads.touch_session(upload_session())
    look.apply(st.session_state[Key.PROJECTOR])


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
    missing = ss.pop(Key.LINK_MISSING, None)
    if missing:
        st.warning(t("link_model_missing", name=custom.display_name(missing), model=ss[Key.MODEL]))
    params = url_state()
    for p in pages:
        sb.page_link(p, query_params=params)
    sb.divider()
    names = model_names() + ([ss[Key.CUSTOM]] if ss.get(Key.CUSTOM) else [])
    if names:
        if ss[Key.MODEL] not in names:
            ss[Key.MODEL] = names[0]
        _bind(Key.W_MODEL, Key.MODEL)
        sb.selectbox(
            t("model"), names, key=Key.W_MODEL, on_change=_on_model, format_func=model_label
        )
        examples = _examples(ss[Key.MODEL])
        if examples:
            sb.selectbox(
                t("examples"),
                examples,
                index=None,
                key=Key.W_EXAMPLE,
                placeholder=t("pick_example"),
                on_change=_on_example,
            )
    limit = text_limit()  # numbers or ids: steps are counted, not characters
    ss[Key.TEXT] = (ss.get(Key.TEXT) or "")[:limit]
    _bind(Key.W_TEXT, Key.TEXT)
    sb.text_area(
        t("sentence"),
        key=Key.W_TEXT,
        height=90,
        max_chars=limit,
        help=t("sentence_help_steps", n=_steps_hint())
        if limit > APP_MAX_CHARS
        else t("sentence_help"),
        on_change=_on_text,
    )
    _bind(Key.W_LANG, Key.LANG)
    sb.segmented_control(
        t("language"),
        i18n.LANGUAGES,
        key=Key.W_LANG,
        format_func=i18n.LANGUAGE_NAMES.get,
        on_change=_copy(Key.W_LANG, Key.LANG),
    )
    _bind(Key.W_PROJECTOR, Key.PROJECTOR)
    sb.toggle(
        t("projector"),
        key=Key.W_PROJECTOR,
        help=t("projector_help"),
        on_change=_copy(Key.W_PROJECTOR, Key.PROJECTOR),
    )
    with sb.expander(t("legend")):
        st.caption(t("legend_text"))
        chart(_legend_spec(ss[Key.LANG]), html=False)
    _downloads(sb)
    sb.caption(t("share_hint"))
    sync_url()


def _steps_hint() -> int:
    """Steps the user's own model reads at most (its ``max_chars`` counts steps)."""
    try:
        return int(load_model(st.session_state[Key.MODEL]).max_chars)
    except Exception:
        return 0


def _on_model() -> None:
    """A new model keeps text the user typed; an example (or nothing) becomes its example."""
    ss = st.session_state
    typed = (ss.get(Key.TEXT) or "").strip() and ss.get(Key.TEXT) not in _examples(ss[Key.MODEL])
    ss[Key.MODEL] = ss[Key.W_MODEL]
    if not typed:
        ss[Key.TEXT] = _default_text(ss[Key.MODEL])
    ss[Key.STEP] = ss[Key.UNIT] = ss[Key.LAYER] = 0


def _on_text() -> None:
    """The typed sentence becomes the selection, clipped to the app's limit (noted for a warning)."""
    ss = st.session_state
    text = ss.get(Key.W_TEXT) or ""
    limit = text_limit()
    ss[Key.CLIPPED_FROM] = len(text) if len(text) > limit else 0
    ss[Key.TEXT] = text[:limit]
    ss[Key.STEP] = 0


def _on_example() -> None:
    ss = st.session_state
    if ss.get(Key.W_EXAMPLE):
        ss[Key.TEXT] = ss[Key.W_EXAMPLE]
        ss[Key.STEP] = 0
    ss[Key.W_EXAMPLE] = None


def _downloads(container: Any) -> None:
    ss = st.session_state
    text = _clipped(ss.get(Key.TEXT, ""))
    if not ss.get(Key.MODEL) or not text.strip():
        return
    stem = f"rnnviz-{ss[Key.MODEL]}"
    with container.expander(t("downloads")):
        for fmt, key, mime in (
            ("csv", "download_csv", "text/csv"),
            ("parquet", "download_parquet", "application/octet-stream"),
        ):
            st.download_button(
                t(key),
                functools.partial(_safe_table, ss[Key.MODEL], text, fmt),
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
    if not ss[Key.MODEL]:
        st.error(t("model_failed", name="—", error="no models in assets/models"))
        st.stop()
    try:
        m = load_model(ss[Key.MODEL])
    except Exception as exc:
        st.error(t("model_failed", name=ss[Key.MODEL], error=exc))
        st.stop()
    text = ss[Key.TEXT] or ""
    limit = _limit()
    if ss.get(Key.CLIPPED_FROM):
        st.warning(t("truncated", n=ss[Key.CLIPPED_FROM], limit=text_limit()))
    if len(text) > limit:
        st.warning(t("truncated", n=len(text), limit=limit))
        text = text[:limit]
    try:
        # the one Run tokenizes; no tokens raises EmptyText. A spinner only for real work: each
        # one starts a timer thread, on every run of every page
        cached = analyse.holds(ss[Key.MODEL], text)
        with contextlib.nullcontext() if cached else st.spinner("…"):
            result = analyse(ss[Key.MODEL], text) if text.strip() else None
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
    ss[Key.STEP] = min(ss[Key.STEP], result.length - 1)
    return result


def other_result(name: str, text: str) -> Result | None:
    """Another model's result on the same text (compare page); None if it cannot be traced."""
    try:
        return analyse(name, text)
    except Exception as exc:
        st.warning(t("trace_failed", error=exc))
        return None
