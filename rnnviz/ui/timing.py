"""Server-side timing of script runs, for the load bench (off unless ``RNNVIZ_TIMING_LOG`` is set).

Each run of the app (and each fragment rerun, e.g. Step through's Next) appends one JSON line
``{"label", "ms", "cpu_ms", "t", "pid"}`` to that file: what the server spent, without the
browser's drawing time, which on a two-core machine shared with thirty headless browsers
dominates. ``ms`` is wall time (it includes waiting for the GIL while other sessions run);
``cpu_ms`` is the CPU of the script's own thread (Streamlit runs each script run in a thread),
which does not grow with the number of students waiting beside it.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _log(label: str, ms: float, cpu_ms: float) -> None:
    path = os.environ.get("RNNVIZ_TIMING_LOG")
    if not path:
        return
    line = json.dumps(
        {
            "label": label,
            "ms": round(ms, 2),
            "cpu_ms": round(cpu_ms, 2),
            "t": time.time(),
            "pid": os.getpid(),
        }
    )
    with open(path, "a", encoding="utf-8") as out:  # one short line: appended whole
        out.write(line + "\n")


@contextmanager
def timed_run(label: str) -> Iterator[None]:
    """Time the block (a page's script run) into the timing log."""
    start, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        _log(label, (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000)


def timed(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: time every call of a fragment function into the timing log."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with timed_run(label):
                return fn(*args, **kwargs)

        return inner

    return wrap
