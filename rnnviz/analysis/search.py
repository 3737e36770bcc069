"""Unit search across the test corpus (LSTMVis-style select and match) and label → units.

The corpus is traced once per model (:func:`ensure_index`, batched by :mod:`rnnviz.batched`) and
cached in the data directory, ``<datadir>/corpus/<model>-<hash>/`` (``hash`` covers the model's
weights and the corpus, so retraining invalidates it). One build serves every session and
process: a cross-process lock per folder, a private temporary folder renamed into place, waiters
shown the builder's progress; whole folders are evicted least-recently-used past
``RNNVIZ_CORPUS_MAX_MB``. The cache holds:
- ``h_l{layer}_{direction}.npy``: hidden states, ``(units, N)`` float16, one column per corpus
  token (units as rows, so selecting a few units reads contiguous memory);
- ``gates.npz``: per gate a ``(units, 100)`` histogram of its values in 0.01 bins (saturation);
- ``labels_l{layer}_{direction}.npz``: per annotation track a ``(labels, units, 32)`` histogram of
  ``h`` in bins over −1..1, from which each unit's AUC for each label is read without a pass;
- ``tokens.json`` (sentences of tokens), ``tracks.npz`` (label codes per token), ``meta.json``.

Search: units *on* (``h > θ``) at every token of the selected span and *off* just outside it;
then every run of corpus tokens where those units are all on, ranked by how close its length is
to the selection's and by the units' mean activation.
"""

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from filelock import FileLock, Timeout

from .. import datadir
from ..batched import spec_of, trace_batch

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


@dataclass(frozen=True)
class Corpus:
    """Sentences of tokens and annotation tracks (one label per token per track)."""

    name: str
    sentences: tuple[tuple[str, ...], ...]
    tracks: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for track, labels in self.tracks.items():
            if [len(s) for s in labels] != [len(s) for s in self.sentences]:
                raise ValueError(f"track {track!r} does not have one label per token")


def _entity_types(words: Sequence[str], tags: Sequence[str]) -> list[str]:
    from ..data.corpus import entities

    _, labels = entities(words, tags)
    return [lab.split("-", 1)[1] if "-" in lab else lab for lab in labels]


def people_daily(split: str = "test", unit: str = "char", limit: int | None = None) -> Corpus:
    """People's Daily sentences as characters (tracks bmes, pos, entity) or words (pos, entity)."""
    from ..data.corpus import ENTITY_TYPES, bmes, pos_tagged

    examples = pos_tagged(split)[:limit]
    sentences, b_track, p_track, e_track = [], [], [], []
    for e in examples:
        words, tags = e.tokens, e.labels
        if unit == "word":
            sentences.append(tuple(words))
            p_track.append(tuple(tags))
            e_track.append(tuple(ENTITY_TYPES.get(t, "O") for t in tags))
            continue
        chars = tuple("".join(words))
        sentences.append(chars)
        b_track.append(tuple(lab for w in words for lab in bmes(len(w))))
        p_track.append(tuple(t for w, t in zip(words, tags, strict=True) for _ in w))
        e_track.append(tuple(_entity_types(words, tags)))
    tracks = {"pos": tuple(p_track), "entity": tuple(e_track)}
    if unit == "char":
        tracks = {"bmes": tuple(b_track), **tracks}
    return Corpus(f"people-daily-{split}-{unit}-{limit or 'all'}", tuple(sentences), tracks)


def counting_corpus(n: int = 400, max_len: int = 60, seed: int = 9) -> Corpus:
    """Held-out bracket sequences with tracks ``label`` (balanced/open/invalid) and ``depth``."""
    from ..data import counting

    texts = counting.dataset(n, max_len, seed=seed, min_len=4)
    return Corpus(
        f"counting-{n}-{max_len}-{seed}",
        tuple(tuple(t) for t in texts),
        {
            "label": tuple(tuple(counting.labels(t)) for t in texts),
            "depth": tuple(
                tuple(str(min(d, 9)) if d >= 0 else "<0" for d in counting.depths(t)) for t in texts
            ),
        },
    )


def random_corpus(model: Any, n: int = 200, length: int = 30) -> Corpus:
    """Random inputs for models without a vocabulary (no tracks); a token is one step's text."""
    sep = "\n" if getattr(model, "input_mode", "") == "numbers" else None
    texts = [model.random_text(length, seed=i) for i in range(n)]
    return Corpus(f"random-{n}-{length}", tuple(tuple(t.split(sep)) for t in texts), {})


def default_corpus_name(model: Any) -> str:
    """Name of :func:`corpus_for`'s corpus, known without reading it (the cache key needs it)."""
    task = getattr(model, "task", "custom")
    if task == "count":
        return "counting-400-60-9"
    if task == "pos":
        return "people-daily-test-word-all"
    if task == "custom" and getattr(model, "input_mode", "tokens") != "tokens":
        return "random-200-30"
    return "people-daily-test-char-all"


def corpus_for(model: Any, limit: int | None = None) -> Corpus:
    """The held-out corpus a model is searched on: its task's test split, or random inputs."""
    task = getattr(model, "task", "custom")
    if task == "count":
        return counting_corpus(n=limit or 400)
    if task == "pos":
        return people_daily("test", "word", limit)
    if task == "custom" and getattr(model, "input_mode", "tokens") != "tokens":
        return random_corpus(model, n=limit or 200)
    return people_daily("test", "char", limit)


def encode(model: Any, tokens: Sequence[str]) -> torch.Tensor:
    """``(T, input_size)`` inputs for given tokens (gold words for pos, no length limit)."""
    return model._inputs(list(tokens))


def model_digest(model: Any) -> str:
    """Hash identifying a model's weights: the weights file's SHA-256, or the custom digest."""
    path = getattr(model, "path", None)
    if path is not None and (Path(path) / "model.safetensors").is_file():
        return hashlib.sha256((Path(path) / "model.safetensors").read_bytes()).hexdigest()
    digest = getattr(model, "digest", "")
    if digest:
        return digest
    h = hashlib.sha256()
    for name, p in model.rnn.state_dict().items():
        h.update(name.encode())
        h.update(p.detach().cpu().numpy().tobytes())
    return h.hexdigest()


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


# --- select and match -------------------------------------------------------------------------


def select_units(
    h: np.ndarray, start: int, end: int, threshold: float, context: int = 1
) -> np.ndarray:
    """Units of ``h (T, units)`` above ``threshold`` at every token of ``start..end-1`` and at or
    below it on the ``context`` tokens on each side (where the sentence has them)."""
    steps = h.shape[0]
    if not 0 <= start < end <= steps:
        raise ValueError(f"the span must satisfy 0 ≤ start < end ≤ {steps}; got {start}..{end}")
    on = (h[start:end] > threshold).all(axis=0)
    outside = list(range(max(0, start - context), start)) + list(
        range(end, min(steps, end + context))
    )
    if outside:
        on &= (h[outside] <= threshold).all(axis=0)
    return np.nonzero(on)[0]


@dataclass(frozen=True)
class Match:
    """A run of corpus tokens where the selected units are on."""

    sentence: int
    start: int  # token positions inside the sentence, end exclusive
    end: int
    score: float
    mean_activation: float


def match(
    index: CorpusIndex,
    layer: int,
    direction: str,
    units: Sequence[int],
    threshold: float,
    length: int,
    top: int = 20,
    min_fraction: float = 1.0,
) -> list[Match]:
    """Corpus runs where at least ``min_fraction`` of ``units`` are above ``threshold``.

    Ranked by ``−|run length − length|`` then the units' mean activation over the run. Runs never
    cross sentence boundaries.
    """
    units = np.asarray(sorted(set(int(u) for u in units)), dtype=np.int64)
    if units.size == 0:
        return []
    h = index.states(layer, direction)
    if units.max() >= h.shape[0] or units.min() < 0:
        raise ValueError(f"units must be in 0..{h.shape[0] - 1}")
    sel = np.asarray(h[units], dtype=np.float32)  # (k, N)
    count = (sel > threshold).sum(axis=0)
    need = max(1, int(np.ceil(min_fraction * len(units))))
    mask = count >= need
    # Runs of matching tokens, broken at every sentence start (vectorised: no loop over runs).
    n = mask.size
    first = np.zeros(n, dtype=bool)
    first[index.offsets[:-1][index.offsets[:-1] < n]] = True
    prev = np.concatenate([[False], mask[:-1]])
    nxt = np.concatenate([mask[1:], [False]])
    next_first = np.concatenate([first[1:], [True]])
    s_arr = np.flatnonzero(mask & (~prev | first))
    e_arr = np.flatnonzero(mask & (~nxt | next_first)) + 1
    if s_arr.size == 0:
        return []
    run_len = e_arr - s_arr
    csum = np.concatenate([[0.0], np.cumsum(sel.mean(axis=0), dtype=np.float64)])
    mean_act = (csum[e_arr] - csum[s_arr]) / run_len
    closeness = -np.abs(run_len - length).astype(np.float64)
    order = np.lexsort((-mean_act, -closeness))[:top]
    sent = index.sentence_of[s_arr[order]]
    out = []
    for k, si in zip(order, sent, strict=True):
        base = int(index.offsets[si])
        out.append(
            Match(
                int(si),
                int(s_arr[k] - base),
                int(e_arr[k] - base),
                float(closeness[k]),
                float(mean_act[k]),
            )
        )
    return out


def snippet(
    index: CorpusIndex, m: Match, context: int = 8
) -> tuple[list[str], tuple[int, int], dict[str, list[str]]]:
    """Tokens around a match, the match span inside them, and the annotation tracks under them."""
    sent = index.sentences[m.sentence]
    a = max(0, m.start - context)
    b = min(len(sent), m.end + context)
    base = int(index.offsets[m.sentence])
    tracks = {
        name: [index.track_labels[name][c] for c in codes[base + a : base + b]]
        for name, codes in index.track_codes.items()
    }
    return list(sent[a:b]), (m.start - a, m.end - a), tracks


def with_tracks(tokens: Sequence[str], tracks: dict[str, list[str]]) -> list[str]:
    """Tick labels with the annotation tracks under each token (``字<br>B<br>n<br>O``)."""
    return ["<br>".join([tok, *(labels[i] for labels in tracks.values())])
            for i, tok in enumerate(tokens)]  # fmt: skip


def snippet_states(
    index: CorpusIndex, m: Match, layer: int, direction: str, units: Sequence[int], context: int = 8
) -> np.ndarray:
    """``(T_snippet, k)`` states of the selected units over :func:`snippet`'s tokens."""
    sent_len = len(index.sentences[m.sentence])
    base = int(index.offsets[m.sentence])
    a = base + max(0, m.start - context)
    b = base + min(sent_len, m.end + context)
    return np.asarray(index.states(layer, direction)[np.asarray(units)][:, a:b], np.float32).T


def matches_frame(index: CorpusIndex, matches: Sequence[Match], context: int = 8) -> pd.DataFrame:
    """One row per match: the snippet with the span in 【】, the tracks of the span, the scores."""
    rows = []
    for m in matches:
        toks, (a, b), tracks = snippet(index, m, context)
        joiner = "" if all(len(t) == 1 for t in toks) else " "
        text = joiner.join(toks[:a]) + "【" + joiner.join(toks[a:b]) + "】" + joiner.join(toks[b:])
        row: dict[str, object] = {"sentence": m.sentence, "start": m.start, "text": text}
        for name, labels in tracks.items():
            row[name] = " ".join(labels[a:b])
        row["length"] = m.end - m.start
        row["mean_activation"] = round(m.mean_activation, 3)
        rows.append(row)
    return pd.DataFrame(rows)


def search(
    index: CorpusIndex,
    h: np.ndarray,
    start: int,
    end: int,
    threshold: float,
    layer: int,
    direction: str,
    top: int = 20,
    min_fraction: float = 1.0,
    context: int = 1,
) -> tuple[np.ndarray, list[Match]]:
    """Select units on a span of ``h (T, units)`` and match them in the corpus."""
    units = select_units(h, start, end, threshold, context)
    return units, match(index, layer, direction, units, threshold, end - start, top, min_fraction)


# --- label → units ----------------------------------------------------------------------------


def auc_from_histograms(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUC ``P(x_pos > x_neg)`` from binned counts ``(units, bins)`` (ties count half)."""
    p = pos / np.maximum(pos.sum(axis=1, keepdims=True), 1)
    q = neg / np.maximum(neg.sum(axis=1, keepdims=True), 1)
    below = np.cumsum(q, axis=1) - q  # mass of negatives in lower bins
    return (p * (below + 0.5 * q)).sum(axis=1)


def label_units(
    index: CorpusIndex, layer: int, direction: str, track: str, label: str, top: int = 10
) -> pd.DataFrame:
    """Units whose ``h`` best separates ``label`` from the rest of the track (AUC, binned).

    Columns ``unit, auc, sign, support``: ``auc`` is ``max(AUC, 1−AUC)``; ``sign`` is ``+`` when
    the unit is higher on the label, ``−`` when lower.
    """
    if track not in index.track_labels:
        raise ValueError(f"track must be one of {sorted(index.track_labels)}, got {track!r}")
    labels = index.track_labels[track]
    if label not in labels:
        raise ValueError(f"{track} labels are {labels}; got {label!r}")
    hist = index.label_histogram(layer, direction, track)  # (L, units, bins)
    k = labels.index(label)
    pos = hist[k]
    neg = hist.sum(axis=0) - pos
    auc = auc_from_histograms(pos, neg)
    strength = np.maximum(auc, 1 - auc)
    order = np.argsort(-strength)[:top]
    return pd.DataFrame(
        {
            "unit": order,
            "auc": strength[order].round(4),
            "sign": np.where(auc[order] >= 0.5, "+", "−"),
            "support": int(pos.sum(axis=1)[0]),
        }
    )
