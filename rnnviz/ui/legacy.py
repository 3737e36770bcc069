"""The one place that touches a private Streamlit flag (legacy ``pages/`` mode); a test fails
loudly if Streamlit changes it.
"""

from __future__ import annotations

import streamlit as st


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


def plain_component_state() -> None:
    """Let a Custom Components v2 element live under ``runner.enforceSerializableSessionState``.

    Streamlit 1.67 presents such an element's state as a dict subclass defined inside a function
    (a "write-through" view), which pickle cannot serialise, so every run that draws one fails
    the config's check. The trace player keeps no state in Python: the view is replaced by a
    plain dict copy. Idempotent; a test fails loudly if Streamlit moves the function.
    """
    from streamlit.components.v2.bidi_component import main

    made = main.make_bidi_component_presenter
    if getattr(made, "_rnnviz_plain", False):
        return

    def presenter(*args, **kwargs):
        present = made(*args, **kwargs)

        def plain(base_value, session_state):
            value = present(base_value, session_state)
            return dict(value) if isinstance(value, dict) else value

        return plain

    presenter._rnnviz_plain = True
    main.make_bidi_component_presenter = presenter
