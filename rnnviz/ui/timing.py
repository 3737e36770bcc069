"""Server-side timing of script runs, for the load bench (off unless ``RNNVIZ_TIMING_LOG`` is set).

Each run of the app (and each fragment rerun, e.g. Step through's Next) appends one JSON line
``{"label", "ms", "t", "pid"}`` to that file: what the server spent, without the browser's
drawing time, which on a two-core machine shared with thirty headless browsers dominates.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def _log(label: str, ms: float) -> None:
    path = os.environ.get("RNNVIZ_TIMING_LOG")
    if not path:
        return
    line = json.dumps({"label": label, "ms": round(ms, 2), "t": time.time(), "pid": os.getpid()})
    with open(path, "a", encoding="utf-8") as out:  # one short line: appended whole
        out.write(line + "\n")


@contextmanager
def timed_run(label: str) -> Iterator[None]:
    """Time the block (a page's script run) into the timing log."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _log(label, (time.perf_counter() - start) * 1000)


def timed(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: time every call of a fragment function into the timing log."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with timed_run(label):
                return fn(*args, **kwargs)

        return inner

    return wrap
