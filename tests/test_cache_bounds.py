"""The app's big caches are bounded by the bytes they hold (issue 20), not by a count of entries:
filled with long sentences, a cache keeps at most its documented share of ``RNNVIZ_CACHE_MB``."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rnnviz.ui import cache

MB = 2**20
ROOT = Path(__file__).resolve().parent.parent


def _sentences(n: int) -> list[str]:
    """``n`` different 200-character sentences (the sidebar's limit) of characters cws knows."""
    base = "我爱北京天安门今天的天气很好我们一起去公园散步吧看看花开得怎么样了人民日报记者报道"
    rng = np.random.default_rng(0)
    return ["".join(rng.choice(list(base), 200)) for _ in range(n)]


def test_budgets_add_up_to_the_documented_total() -> None:
    assert set(cache.BUDGETS_MB) == set(cache.BYTE_CACHES)
    assert sum(cache.BUDGETS_MB.values()) == 256  # MB at the default RNNVIZ_CACHE_MB
    total = sum(c.max_bytes for c in cache.BYTE_CACHES.values())
    assert total == pytest.approx(cache.TOTAL_MB * MB, abs=len(cache.BYTE_CACHES))


def test_long_sentences_stay_within_the_analyse_budget() -> None:
    runs = cache.analyse
    runs.clear()
    texts = _sentences(20)
    sizes = []
    for text in texts:
        run = runs("cws-bilstm", text)
        assert list(run.tokens) == list(text)
        sizes.append(len(pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL)))
        # what the cache says it holds is what it holds, and never more than its bound
        assert runs.held_bytes == sum(len(b) for b in runs._entries.values())
        assert (
            runs.held_bytes
            <= runs.max_bytes
            == int(cache.BUDGETS_MB["analyse"] / 256 * cache.TOTAL_MB * MB)
        )
    # a count bound would be wrong: one long sentence's Run is megabytes, so 64 entries (the old
    # max_entries) would have held ~460 MB
    assert min(sizes) > 4 * MB
    assert sum(sizes) > runs.max_bytes  # the fill went past the bound: eviction happened
    assert len(runs) < len(texts)
    assert runs.held_bytes > runs.max_bytes - max(sizes)  # and the budget is used, not wasted
    # least recently used first out: the newest is a hit (equal values, a copy), the oldest is not
    kept = runs("cws-bilstm", texts[-1])
    assert list(kept.tokens) == list(texts[-1])
    assert ("cws-bilstm", texts[-1]) in runs._entries
    assert ("cws-bilstm", texts[0]) not in runs._entries
    np.testing.assert_array_equal(
        kept.trace.quantity(1, "backward", "c"),
        runs("cws-bilstm", texts[-1]).trace.quantity(1, "backward", "c"),
    )
    assert kept is not runs("cws-bilstm", texts[-1])  # each caller gets its own copy
    assert cache.held_bytes() >= runs.held_bytes
    runs.clear()
    assert runs.held_bytes == 0


def test_too_big_results_are_not_kept_and_one_computation_serves_waiters() -> None:
    calls: list[int] = []
    gate = threading.Event()

    def build(n: int) -> bytes:
        calls.append(n)
        gate.wait(5)
        return b"x" * n

    small = cache.ByteCache(build, max_bytes=1000)
    threads = [threading.Thread(target=small, args=(100,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(10)
    assert calls == [100]  # four sessions asking at once: computed once
    assert small(5000) == b"x" * 5000  # larger than the whole budget: returned, not kept
    assert small.held_bytes < 1000 and len(small) == 1


def test_idle_entries_go() -> None:
    """An entry nobody used for ``RNNVIZ_CACHE_IDLE_S`` is dropped by the sweep (the clock is
    passed in: no waiting for it); one used since stays."""
    lists = cache.ByteCache(lambda n: list(range(n)), max_bytes=10**6)
    lists(10)
    lists(20)
    assert lists.expire(cache.IDLE_S, now=time.monotonic() + cache.IDLE_S / 2) == 0
    time.sleep(0.01)
    mid = time.monotonic()
    time.sleep(0.01)
    lists(20)  # used again after ``mid``: its idle time starts over
    assert lists.expire(cache.IDLE_S, now=mid + cache.IDLE_S) > 0
    assert list(lists._entries) == [(20,)]
    assert lists.held_bytes == len(pickle.dumps(list(range(20)), protocol=pickle.HIGHEST_PROTOCOL))
    assert lists.expire(cache.IDLE_S, now=time.monotonic() + cache.IDLE_S + 1) > 0
    assert len(lists) == 0 and lists.held_bytes == 0


def test_server_start_freezes_what_it_imported() -> None:
    """The server's start moves the imported libraries out of the collector (gc.freeze) unless
    ``RNNVIZ_GC_FREEZE=0``: a full collection then no longer walks them."""
    code = "import gc, rnnviz.ui.boot; print(gc.get_freeze_count())"
    procs = {
        setting: subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, "RNNVIZ_GC_FREEZE": setting},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for setting in ("", "0")  # the default, and off
    }
    frozen = {
        k: int(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for k, p in procs.items()
    }
    assert frozen[""] > 100_000 and frozen["0"] == 0
