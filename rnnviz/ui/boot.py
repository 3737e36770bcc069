"""Server start: heavy modules imported once, torch threads, the session language hook; per
session: what is released when it ends, and a notice when it had to move to another replica.

Imported first by ``rnnviz.ui``, i.e. when the server runs app.py for the first time, never
lazily inside a session's script thread: a module half-imported by one session was seen by Plotly
in another ("partially initialized module 'pandas' has no attribute 'Series'").
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import gc
import os
from dataclasses import dataclass

import numpy as np  # noqa: F401
import pandas as pd  # noqa: F401  (Plotly and the tables use it)
import plotly.graph_objects as go  # noqa: F401
import plotly.io as pio  # noqa: F401
import pyarrow  # noqa: F401  (parquet downloads)
import safetensors.torch  # noqa: F401  (uploads)
import streamlit as st
import torch
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .. import custom, figures, frames, i18n, markup, models, onepass, uploads  # noqa: F401
from ..analysis import codecells, saliency, saturation, search, whatif  # noqa: F401
from ..data import corpus as corpus_readers  # noqa: F401
from ..data import counting  # noqa: F401

# One torch intra-op thread per process: concurrent sessions' OpenMP teams spun against each
# other (a 50-char trace took 6.5 ms alone and up to 2 s under load with 2 threads). Serve more
# users with more processes (deploy/). RNNVIZ_TORCH_THREADS overrides.
TORCH_THREADS = max(1, int(os.environ.get("RNNVIZ_TORCH_THREADS", "1") or 1))


torch.set_num_threads(TORCH_THREADS)


with contextlib.suppress(RuntimeError):  # already set, or parallel work has started: keep it
    torch.set_num_interop_threads(1)


# The one-pass tracer compiles in the background on a machine's first start (~50 s of one core,
# then cached on disk); traces take the torch-only path until it is ready.
onepass.start()


# Everything imported above lives as long as the process: gc.freeze() moves it out of the
# collector's generations, so the collections Python still runs (postScriptGC is off) stop walking
# torch's, pandas', Plotly's and Streamlit's ~260k objects. Measured in one process: a full
# collection 146 ms of CPU before, ~0 ms after; each automatic full collection was a stall of that
# size inside some student's run. Same RSS in the benches. RNNVIZ_GC_FREEZE=0 turns it off
# (bench/soak.py --no-freeze).
if os.environ.get("RNNVIZ_GC_FREEZE", "1") != "0":
    gc.collect()
    gc.freeze()


def trim_memory() -> None:
    """Hand the allocator's free pages back to the system (glibc ``malloc_trim``): after a
    session or a cache entry goes, the process's RSS then falls instead of staying at its peak.
    Does nothing where there is no glibc."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# --- per session ---------------------------------------------------------------------------------

# This process's name behind deploy/serve.py's nginx (r0, r1, ...; that nginx's stickiness cookie
# carries it). Unset elsewhere: no notice.
REPLICA = os.environ.get("RNNVIZ_REPLICA", "")
STICKY_COOKIE = "rnnviz_replica"
RELEASED: collections.deque[tuple[str, int]] = collections.deque(maxlen=1000)  # (session, files)


@dataclass(frozen=True)
class SessionResources:
    """What a session owns outside its session state (its uploads folder, by its id)."""

    session: str


def _release(resources: SessionResources) -> None:
    """The session has ended (its websocket closed and ``server.disconnectedSessionTTL`` passed,
    or the server stops): its uploaded and live-trained checkpoints go from the disk. Its models
    were in session-scoped caches, which Streamlit drops at the same moment."""
    files = 0
    with contextlib.suppress(Exception):  # runs on Streamlit's thread: never raise there
        files = uploads.release(resources.session)
    RELEASED.append((resources.session, files))
    trim_memory()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def session_resources(session: str) -> SessionResources:
    return SessionResources(session)


def session_started() -> None:
    """Per run: register the session's release hook."""
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.session_id:
        session_resources(ctx.session_id)


def replica_notice() -> None:
    """Tell a student who landed here because the replica holding their session stopped (the
    caller asks once per session)."""
    if not REPLICA:
        return
    came_from = st.context.cookies.get(STICKY_COOKIE)
    if came_from and came_from != REPLICA:
        st.info(i18n.t("replica_moved"), icon=":material/sync_problem:")
