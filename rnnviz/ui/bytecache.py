"""Caches bounded by the bytes they hold (:class:`ByteCache`), their budgets, the idle sweep
that gives memory back, and their report in Streamlit's metrics. :mod:`rnnviz.ui.cache` decorates
its text-sized caches with :func:`bounded`."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from . import boot

# --- caches bounded by bytes ---------------------------------------------------------------------

# Each big cache's share of RNNVIZ_CACHE_MB (MB at the default 256). Sized from measured entries
# (cws-bilstm, 2 layers x 2 directions x 128 units; the sidebar clips a sentence at 200
# characters): a Run 1.8 MB at 50 characters, 7.2 MB at 200; a player payload 1.3 MB at 50, 5 MB
# at 200; a heatmap pair 0.43 MB at 200; the CSV download 21 MB (parquet 2.8 MB); a saliency
# matrix 0.16 MB. tests/test_cache_bounds.py fills them.
# The 84 MB of five caches that no page read any more (the Python step specs and timelines the
# player replaced, a second trace cache beside the Runs, a What-if pair) went to the Runs, the
# player's payloads and the heatmaps.
BUDGETS_MB: dict[str, float] = {
    "analyse": 112,
    "player_payload": 48,
    "_trace_table": 32,
    "heatmap_specs": 36,
    "saliency_result": 8,
    "code_analysis": 12,
    "prediction_specs": 6,
    "score_split_spec": 2,
}
TOTAL_MB = float(os.environ.get("RNNVIZ_CACHE_MB", "") or 256)


class ByteCache:
    """``func``'s results by its arguments, least recently used first out once the pickled
    results exceed ``max_bytes``; like ``st.cache_data`` each caller gets its own copy
    (unpickled), so what a page does with it never reaches another session. A result larger
    than the whole budget is returned and not kept. Concurrent callers of the same arguments
    wait for one computation. Process-wide: one cache for every session."""

    def __init__(self, func: Callable[..., Any], max_bytes: int) -> None:
        functools.update_wrapper(self, func)
        self._func = func
        self._signature = inspect.signature(func)
        self.max_bytes = int(max_bytes)
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()  # least recently used first
        self._used: dict[Hashable, float] = {}  # time.monotonic() of the last use
        self._held = 0
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    @property
    def held_bytes(self) -> int:
        """Bytes of the pickled results held now (always ≤ ``max_bytes``)."""
        return self._held

    def __len__(self) -> int:
        return len(self._entries)

    def _key(self, args: tuple, kwargs: dict) -> Hashable:
        """The arguments' values, without those whose name starts with "_" (as ``st.cache_data``
        does: a view's ``_run`` is what the key names, passed along, never hashed)."""
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(v for k, v in bound.arguments.items() if not k.startswith("_"))

    def holds(self, *args: Any, **kwargs: Any) -> bool:
        """Whether a call with these arguments would be answered from the cache (no work)."""
        key = self._key(args, kwargs)
        with self._lock:
            return key in self._entries

    def _lookup(self, key: Hashable) -> bytes | None:
        with self._lock:
            blob = self._entries.get(key)
            if blob is not None:
                self._entries.move_to_end(key)
                self._used[key] = time.monotonic()
            return blob

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = self._key(args, kwargs)
        blob = self._lookup(key)
        if blob is not None:
            return pickle.loads(blob)
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            blob = self._lookup(key)  # another session computed it while this one waited
            if blob is not None:
                return pickle.loads(blob)
            try:
                value = self._func(*args, **kwargs)
                self._store(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return value

    def _store(self, key: Hashable, blob: bytes) -> None:
        if len(blob) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._held -= len(old) if old is not None else 0
            self._entries[key] = blob
            self._used[key] = time.monotonic()
            self._held += len(blob)
            while self._held > self.max_bytes:
                self._drop_oldest()

    def _drop_oldest(self) -> None:
        key, dropped = self._entries.popitem(last=False)
        del self._used[key]
        self._held -= len(dropped)

    def expire(self, idle_s: float, now: float | None = None) -> int:
        """Drop the entries not used for ``idle_s`` seconds; returns the bytes freed."""
        cutoff = (time.monotonic() if now is None else now) - idle_s
        with self._lock:
            before = self._held
            while self._entries and self._used[next(iter(self._entries))] < cutoff:
                self._drop_oldest()
            return before - self._held

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._used.clear()
            self._held = 0


BYTE_CACHES: dict[str, ByteCache] = {}


def bounded(func: Callable[..., Any]) -> ByteCache:
    """Decorator: cache ``func`` in a :class:`ByteCache` with its share of ``TOTAL_MB``."""
    share = BUDGETS_MB[func.__name__] / sum(BUDGETS_MB.values())
    cache = ByteCache(func, int(share * TOTAL_MB * 2**20))
    BYTE_CACHES[func.__name__] = cache
    return cache


def held_bytes() -> int:
    """Bytes every :class:`ByteCache` holds now."""
    return sum(c.held_bytes for c in BYTE_CACHES.values())


# An entry nobody has used for IDLE_S seconds goes (recomputing a Run costs ~10-50 ms), so a
# server whose class has left gives its memory back instead of holding the caches full all night.
IDLE_S = float(os.environ.get("RNNVIZ_CACHE_IDLE_S", "") or 300)


def expire_idle(now: float | None = None) -> int:
    """Drop every byte cache's idle entries; returns the bytes dropped."""
    return sum(c.expire(IDLE_S, now) for c in BYTE_CACHES.values())


def _sweep() -> None:
    """Once a minute: idle entries go, and what they and ended sessions freed goes back to the
    system (a few ms of ``malloc_trim``)."""
    while True:
        time.sleep(max(1.0, min(60.0, IDLE_S / 4)))
        with contextlib.suppress(Exception):  # a daemon thread must never die of one bad sweep
            expire_idle()
            boot.trim_memory()


threading.Thread(target=_sweep, name="rnnviz-cache-sweep", daemon=True).start()


class _ByteCacheStats:
    """Reports the byte caches in Streamlit's ``cache_memory_bytes`` metric
    (``/_stcore/metrics``), beside its own caches: bench/soak.py reads it."""

    stats_families: Sequence[str] = ("cache_memory_bytes",)

    def get_stats(self, family_names: Sequence[str] | None = None) -> dict[str, list[Any]]:
        from streamlit.runtime.stats import CacheStat

        stats = [CacheStat("rnnviz.ByteCache", n, c.held_bytes) for n, c in BYTE_CACHES.items()]
        return {"cache_memory_bytes": stats}


def _register_stats() -> None:
    from streamlit.runtime import Runtime

    if Runtime.exists():
        Runtime.instance().stats_mgr.register_provider(_ByteCacheStats())


with contextlib.suppress(Exception):  # no runtime (bare mode, AppTest): nothing to report to
    _register_stats()
