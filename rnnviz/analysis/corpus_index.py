"""The corpus index of one model: every state of every corpus token, traced once (batched) and
cached in the data directory, shared by every session and process (a lock per folder, a private
temporary folder renamed into place, waiters shown the builder's progress, least-recently-used
eviction past ``RNNVIZ_CORPUS_MAX_MB``). File layout: see :mod:`rnnviz.analysis.search`."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from .. import datadir
from ..batched import spec_of, trace_batch
from .corpora import Corpus, corpus_for, default_corpus_name, encode, model_digest

CACHE_VERSION = 2
GATE_BINS = 100
STATE_BINS = 32
CHUNK_TOKENS = 4000  # tokens traced per batch (fastest on the cws test split, CPU, 1 thread)
WAIT_POLL = 0.25  # seconds between a waiter's looks at the builder's progress
BUILD_LOG = ".builds.log"  # one JSON line per finished build, in the corpus folder
Progress = Callable[[float], None]
# What opening a damaged index raises (a truncated .npy or .npz, a cut-off JSON file, a missing
# key): the folder is rebuilt once instead of failing every session that opens it.
DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


class IndexUnavailable(RuntimeError):
    """The corpus index can't be built or opened here (full or read-only disk); the message
    says what to do."""


def cache_dir(model: Any, corpus: Corpus | str, root: Path | None = None) -> Path:
    """Folder of one model's cached corpus states (``corpus``: a corpus or its name) under
    ``root`` (default: the data directory's ``corpus`` part)."""
    root = Path(root) if root is not None else datadir.sub("corpus")
    name = re.sub(r"[^\w.-]+", "_", str(getattr(model, "name", "model")))[:40]
    corpus_name = corpus if isinstance(corpus, str) else corpus.name
    key = hashlib.sha256(f"{model_digest(model)}|{corpus_name}|{CACHE_VERSION}".encode())
    return Path(root) / f"{name}-{key.hexdigest()[:16]}"


class CorpusIndex:
    """Cached corpus states of one model. Every file is opened (memory-mapped) at once, so an
    index stays readable even if eviction later removes its folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.meta: dict[str, Any] = json.loads((folder / "meta.json").read_text())
        self.sentences: list[list[str]] = json.loads(
            (folder / "tokens.json").read_text(encoding="utf-8")
        )
        self.offsets = np.load(folder / "offsets.npy")  # (S+1,)
        with np.load(folder / "tracks.npz") as z:
            self.track_codes = {k: z[k] for k in z.files}  # (N,) int16 each
        self.track_labels: dict[str, list[str]] = self.meta["track_labels"]
        keys = [(la, d) for la in range(self.meta["layers"]) for d in self.meta["directions"]]
        self._states = {
            (la, d): np.load(folder / f"h_l{la}_{d}.npy", mmap_mode="r") for la, d in keys
        }
        with np.load(folder / "gates.npz") as z:
            self._gates = {k: z[k] for k in z.files}
        self._labels = {}
        for la, d in keys:
            with np.load(folder / f"labels_l{la}_{d}.npz") as z:
                self._labels[(la, d)] = {k: z[k] for k in z.files}

    @property
    def num_tokens(self) -> int:
        return int(self.offsets[-1])

    @cached_property
    def sentence_of(self) -> np.ndarray:
        """``(N,)`` sentence index of every corpus token."""
        return np.repeat(np.arange(len(self.sentences)), np.diff(self.offsets))

    @cached_property
    def flat_tokens(self) -> list[str]:
        return [t for s in self.sentences for t in s]

    def states(self, layer: int, direction: str) -> np.ndarray:
        """``(units, N)`` float16 hidden states of the corpus (memory-mapped)."""
        return self._states[(layer, direction)]

    def gate_histogram(self, layer: int, direction: str, gate: str) -> np.ndarray:
        """``(units, 100)`` counts of a gate's values in bins of 0.01 over the corpus."""
        return self._gates[f"l{layer}_{direction}_{gate}"]

    def label_histogram(self, layer: int, direction: str, track: str) -> np.ndarray:
        """``(labels, units, 32)`` counts of ``h`` in 32 bins over −1..1, per track label."""
        return self._labels[(layer, direction)][track]


def _write_index(model: Any, corpus: Corpus, out: Path, progress: Progress) -> None:
    """Trace the corpus in batches of similar-length sentences and write every cache file of
    the module docstring into the empty folder ``out``."""
    rnn = model.rnn
    spec = spec_of(rnn)
    dirs = ("forward", "backward") if rnn.bidirectional else ("forward",)
    h_out = getattr(rnn, "proj_size", 0) or rnn.hidden_size
    hidden = rnn.hidden_size
    layers = rnn.num_layers
    keys = [(la, d) for la in range(layers) for d in dirs]
    lengths = np.array([len(s) for s in corpus.sentences], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    total = int(offsets[-1])
    # Annotation tracks as integer codes.
    track_labels: dict[str, list[str]] = {}
    codes: dict[str, np.ndarray] = {}
    for name, labels in corpus.tracks.items():
        flat = [lab for s in labels for lab in s]
        names = sorted(set(flat))
        lookup = {n: i for i, n in enumerate(names)}
        track_labels[name] = names
        codes[name] = np.fromiter((lookup[x] for x in flat), dtype=np.int16, count=len(flat))
    states = {
        key: np.lib.format.open_memmap(
            out / f"h_l{key[0]}_{key[1]}.npy", mode="w+", dtype=np.float16, shape=(h_out, total)
        )
        for key in keys
    }
    for key in keys:  # a full disk must raise ENOSPC here, not SIGBUS (the whole server) later
        _reserve(out / f"h_l{key[0]}_{key[1]}.npy")
    gate_hists = {
        (*key, g): np.zeros(hidden * GATE_BINS, dtype=np.int64)
        for key in keys
        for g in spec.sigmoid_gates
    }
    label_hists = {
        (*key, name): np.zeros(len(track_labels[name]) * h_out * STATE_BINS, dtype=np.int64)
        for key in keys
        for name in codes
    }
    gate_unit = np.arange(hidden) * GATE_BINS  # (H,)
    state_unit = np.arange(h_out) * STATE_BINS  # (H_out,)
    order = sorted((k for k in range(len(lengths)) if lengths[k]), key=lambda k: -lengths[k])
    done = 0
    chunks: list[list[int]] = [[]]
    size = 0
    for k in order:  # batches of about CHUNK_TOKENS tokens, longest sentences first
        if size >= CHUNK_TOKENS:
            chunks.append([])
            size = 0
        chunks[-1].append(k)
        size += int(lengths[k])
    for chunk in (c for c in chunks if c):
        bt = trace_batch(rnn, [encode(model, corpus.sentences[k]) for k in chunk])
        cols = np.concatenate([np.arange(offsets[k], offsets[k + 1]) for k in chunk])  # (n,)
        for key in keys:
            h16 = bt.quantity(*key, "h").astype(np.float16)  # (n, H_out) as stored
            states[key][:, cols] = h16.T
            bins = ((h16.astype(np.float32) + 1) * (STATE_BINS / 2)).astype(np.int64)
            bins = np.clip(bins, 0, STATE_BINS - 1) + state_unit  # (n, H_out)
            for name, c in codes.items():
                flat = (c[cols].astype(np.int64) * (h_out * STATE_BINS))[:, None] + bins
                label_hists[(*key, name)] += np.bincount(
                    flat.ravel(), minlength=label_hists[(*key, name)].size
                )
            for g in spec.sigmoid_gates:
                v = bt.quantity(*key, g)  # (n, H)
                gbins = np.minimum((v * GATE_BINS).astype(np.int64), GATE_BINS - 1) + gate_unit
                gate_hists[(*key, g)] += np.bincount(gbins.ravel(), minlength=hidden * GATE_BINS)
        done += len(cols)
        progress(0.95 * done / max(total, 1))
    for arr in states.values():
        arr.flush()
    del states
    np.savez(
        out / "gates.npz",
        **{f"l{la}_{d}_{g}": h.reshape(hidden, GATE_BINS) for (la, d, g), h in gate_hists.items()},
    )
    np.savez(out / "tracks.npz", **codes)
    for la, d in keys:
        np.savez(
            out / f"labels_l{la}_{d}.npz",
            **{name: label_hists[(la, d, name)].reshape(-1, h_out, STATE_BINS) for name in codes},
        )
    np.save(out / "offsets.npy", offsets)
    (out / "tokens.json").write_text(
        json.dumps([list(s) for s in corpus.sentences], ensure_ascii=False), encoding="utf-8"
    )
    meta = {
        "version": CACHE_VERSION,
        "model": str(getattr(model, "name", "model")),
        "digest": model_digest(model),
        "corpus": corpus.name,
        "cell": spec.name,
        "layers": layers,
        "directions": list(dirs),
        "units": h_out,
        "hidden": hidden,
        "gates": list(spec.sigmoid_gates),
        "tokens": total,
        "sentences": len(corpus.sentences),
        "track_labels": track_labels,
        "files": [*sorted(p.name for p in out.iterdir()), "meta.json"],
        "sizes": {p.name: p.stat().st_size for p in out.iterdir()},  # a truncated file shows
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1))


def _reserve(path: Path) -> None:
    """Allocate every block of a freshly created (sparse) memory-mapped file now. Writing
    through a mapping into a hole the disk has no room for kills the process with SIGBUS; an
    allocation raises OSError(ENOSPC) instead, which the caller turns into a message."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def _complete(folder: Path) -> bool:
    """Whether ``folder`` holds a whole index (every file its meta lists)."""
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return False
    sizes = meta.get("sizes", {})
    try:
        return meta.get("version") == CACHE_VERSION and all(
            (folder / name).is_file()
            and (name not in sizes or (folder / name).stat().st_size == sizes[name])
            for name in meta.get("files", ())
        )
    except OSError:
        return False


def _lock(folder: Path) -> FileLock:
    """The cross-process lock of one index folder (held while building or opening it)."""
    return FileLock(folder.with_name(f".{folder.name}.lock"))


def _progress_file(folder: Path) -> Path:
    return folder.with_name(f".{folder.name}.progress")


def _read_progress(folder: Path) -> float:
    try:
        return min(1.0, max(0.0, float(_progress_file(folder).read_text())))
    except (OSError, ValueError):
        return 0.0


def _reporter(folder: Path, progress: Progress | None) -> Progress:
    """Progress callback of the builder: to the caller and to the file waiters poll."""
    target = _progress_file(folder)

    def report(fraction: float) -> None:
        tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(f"{fraction:.4f}")
        os.replace(tmp, target)  # waiters never read a half-written number
        if progress is not None:
            progress(fraction)

    return report


def _build_locked(model: Any, corpus: Corpus, folder: Path, progress: Progress | None) -> None:
    """Build ``folder`` (its lock is held): private temp dir, atomic rename, build log line."""
    root = folder.parent
    for stale in root.glob(f".{folder.name}.*.tmp"):  # left by a builder that died
        shutil.rmtree(stale, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)  # an incomplete folder (eviction cut short)
    report = _reporter(folder, progress)
    report(0.0)
    began = time.process_time()
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=root))
    try:
        _write_index(model, corpus, tmp, report)
        tmp.rename(folder)  # atomic: a half-written index is never opened
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    line = {"folder": folder.name, "pid": os.getpid(), "cpu_s": time.process_time() - began}
    with open(root / BUILD_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
    report(1.0)


def _evict(root: Path, keep: Path) -> list[Path]:
    """LRU eviction of whole indexes past the corpus byte bound; never one that is locked
    (being built or opened): each candidate's lock is taken, without waiting, until done."""
    held: list[FileLock] = []

    def busy(path: Path) -> bool:
        lock = _lock(path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return True
        held.append(lock)
        return False

    try:
        return datadir.evict(root, datadir.max_bytes("corpus"), keep=[keep], protected=busy)
    finally:
        for lock in held:
            lock.release()


def ensure_index(
    model: Any,
    corpus: Corpus | None = None,
    progress: Progress | None = None,
    root: Path | None = None,
) -> CorpusIndex:
    """The corpus index of ``model`` (default corpus :func:`corpus_for`), built once for every
    session and process.

    Under the folder's cross-process lock: open it if complete, else build it into a private
    temporary folder and rename it into place. Callers that arrive during a build wait on the
    lock and get the builder's progress through ``progress``; if the builder dies, its lock is
    released and the next waiter builds. The folder is touched (least-recently-used eviction).
    """
    root = Path(root) if root is not None else datadir.sub("corpus")
    root.mkdir(parents=True, exist_ok=True)
    folder = cache_dir(model, corpus or default_corpus_name(model), root)
    lock = _lock(folder)
    while True:
        try:
            lock.acquire(timeout=WAIT_POLL)
        except Timeout:
            if progress is not None:
                progress(_read_progress(folder))
            continue
        try:
            built = False
            if not _complete(folder):
                _build_locked(model, corpus or corpus_for(model), folder, progress)
                built = True
            datadir.touch(folder)
            try:
                index = CorpusIndex(folder)
            except DAMAGED:
                if built:
                    raise
                _build_locked(model, corpus or corpus_for(model), folder, progress)  # once
                built = True
                index = CorpusIndex(folder)
        except OSError as exc:
            if not datadir.is_disk_error(exc):
                raise
            raise IndexUnavailable(
                f"the corpus index of {getattr(model, 'name', 'this model')} cannot be built: "
                + datadir.disk_error_message(exc, root)
            ) from exc
        finally:
            lock.release()
        if built:
            _evict(root, keep=folder)
        return index


def build_index(
    model: Any, corpus: Corpus, root: Path | None = None, progress: Progress | None = None
) -> CorpusIndex:
    """The index of ``model`` on ``corpus``: :func:`ensure_index` with an explicit corpus."""
    return ensure_index(model, corpus, progress, root)


def open_index(
    model: Any,
    corpus: Corpus | None = None,
    root: Path | None = None,
    progress: Progress | None = None,
) -> CorpusIndex:
    """The index of ``model`` on ``corpus`` (default :func:`corpus_for`), built if missing."""
    return ensure_index(model, corpus, progress, root)


def is_cached(model: Any, corpus: Corpus | None = None, root: Path | None = None) -> bool:
    """Whether the corpus states of ``model`` are already on disk."""
    root = Path(root) if root is not None else datadir.sub("corpus")
    return _complete(cache_dir(model, corpus or default_corpus_name(model), root))
