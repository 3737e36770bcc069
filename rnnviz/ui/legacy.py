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
