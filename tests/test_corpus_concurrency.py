"""Many sessions asking for the same corpus index at once: one build, shared, never blocked."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnviz import models
from rnnviz.analysis import corpus_index
from rnnviz.analysis import search as S

MODEL = "count-lstm"


def _corpus() -> S.Corpus:
    return S.counting_corpus(n=80, max_len=30)


def _fingerprint(index: S.CorpusIndex) -> str:
    """Hash of an index's numbers (states, histograms, offsets)."""
    h = hashlib.sha256(np.asarray(index.offsets).tobytes())
    for layer in range(index.meta["layers"]):
        for d in index.meta["directions"]:
            h.update(np.asarray(index.states(layer, d)).tobytes())
            for gate in index.meta["gates"]:
                h.update(index.gate_histogram(layer, d, gate).tobytes())
    return h.hexdigest()


def _builds(root: Path) -> list[dict]:
    log = root / "corpus" / S.BUILD_LOG
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _worker(data_dir: str, barrier, results) -> None:
    """One process: two threads (two sessions) ask for the index once every process is ready."""
    import os

    os.environ["RNNVIZ_DATA_DIR"] = data_dir
    torch.set_num_threads(1)
    model, corpus = models.load(MODEL), _corpus()
    out: list[str] = []

    def session() -> None:
        try:
            out.append(_fingerprint(S.ensure_index(model, corpus)))
        except Exception as exc:  # reported to the parent, which fails the test
            out.append(f"error: {exc!r}")

    barrier.wait(timeout=120)
    threads = [threading.Thread(target=session) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for item in out:
        results.put(item)


def _stuck_builder(lock_path: str, progress_path: str, ready) -> None:
    """Takes the build lock, reports some progress, leaves a temp dir, and never finishes."""
    from filelock import FileLock

    lock = FileLock(lock_path)
    lock.acquire()
    Path(progress_path).write_text("0.3")
    Path(lock_path).with_name(Path(lock_path).name[:-5] + ".dead.tmp").mkdir()
    ready.set()
    time.sleep(600)


def test_threads_build_once_and_waiters_see_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNVIZ_DATA_DIR", str(tmp_path))
    model, corpus = models.load(MODEL), _corpus()
    real = S._write_index
    builder: list[int] = []
    waiter_saw = threading.Event()

    def slow_write(model, corpus, out, progress) -> None:
        builder.append(threading.get_ident())
        progress(0.5)
        waiter_saw.wait(30)  # hold the build until a waiting session has shown 0.5
        real(model, corpus, out, progress)

    monkeypatch.setattr(corpus_index, "_write_index", slow_write)  # where the builder calls it
    calls: dict[int, list[float]] = {}
    prints: list[str] = []

    def session(k: int) -> None:
        def progress(f: float) -> None:
            calls.setdefault(k, []).append(f)
            if f == 0.5 and threading.get_ident() not in builder:
                waiter_saw.set()

        prints.append(_fingerprint(S.ensure_index(model, corpus, progress=progress)))

    threads = [threading.Thread(target=session, args=(k,)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(prints) == 5 and len(set(prints)) == 1
    assert len(builder) == 1 and len(_builds(tmp_path)) == 1
    assert waiter_saw.is_set()
    waiters = [c for c in calls.values() if 1.0 not in c]  # only the builder reports 1.0
    assert waiters and all(0.5 in c for c in waiters)
    assert not list((tmp_path / "corpus").glob(".*.tmp"))


def test_processes_and_threads_build_once(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    n_proc = 3
    barrier, results = ctx.Barrier(n_proc), ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(str(tmp_path), barrier, results)) for _ in range(n_proc)
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=240) for _ in range(2 * n_proc)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert not [g for g in got if g.startswith("error")], got
    assert len(set(got)) == 1
    builds = _builds(tmp_path)
    assert len(builds) == 1, builds
    index = S.CorpusIndex(tmp_path / "corpus" / builds[0]["folder"])
    assert _fingerprint(index) == got[0] and index.meta["sentences"] == 80


def test_stale_temp_and_killed_builder_do_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNVIZ_DATA_DIR", str(tmp_path))
    model, corpus = models.load(MODEL), _corpus()
    folder = S.cache_dir(model, corpus)
    (folder.parent / f".{folder.name}.old.tmp").mkdir(parents=True)  # a crash long ago
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    lock_path = folder.with_name(f".{folder.name}.lock")
    progress_path = folder.with_name(f".{folder.name}.progress")
    stuck = ctx.Process(target=_stuck_builder, args=(str(lock_path), str(progress_path), ready))
    stuck.start()
    try:
        assert ready.wait(120)
        seen: list[float] = []
        done: list[S.CorpusIndex] = []
        waiter = threading.Thread(
            target=lambda: done.append(S.ensure_index(model, corpus, progress=seen.append))
        )
        waiter.start()
        deadline = time.monotonic() + 60
        while 0.3 not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.3 in seen and not done  # waiting on the stuck builder, showing its progress
        stuck.kill()  # the builder dies: its lock goes with it
        waiter.join(timeout=120)
    finally:
        if stuck.is_alive():
            stuck.kill()
        stuck.join()
    assert done and done[0].folder == folder and seen[-1] == 1.0
    assert S.is_cached(model, corpus)
    assert not list(folder.parent.glob(".*.tmp"))  # both leftovers cleaned by the new builder
    assert len(_builds(tmp_path)) == 1
