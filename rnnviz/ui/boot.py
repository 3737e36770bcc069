"""Server start: heavy modules imported once, torch threads, the session language hook.

Imported first by ``rnnviz.ui``, i.e. when the server runs app.py for the first time, never
lazily inside a session's script thread: a module half-imported by one session was seen by Plotly
in another ("partially initialized module 'pandas' has no attribute 'Series'").
"""

from __future__ import annotations

import contextlib
import os

import numpy as np  # noqa: F401
import pandas as pd  # noqa: F401  (Plotly and the tables use it)
import plotly.graph_objects as go  # noqa: F401
import plotly.io as pio  # noqa: F401
import pyarrow  # noqa: F401  (parquet downloads)
import safetensors.torch  # noqa: F401  (uploads)
import streamlit as st
import torch

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


def _session_language() -> str | None:
    """The session's language (fragment reruns and Play ticks read it through ``i18n``)."""
    return st.session_state.get("lang")


i18n.set_resolver(_session_language)
