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

The corpora are in :mod:`.corpora`, the cached index in :mod:`.corpus_index`; this module
re-exports both, and adds select-and-match and label → units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .corpora import (
    Corpus,
    corpus_for,
    counting_corpus,
    default_corpus_name,
    encode,
    model_digest,
    people_daily,
    random_corpus,
)
from .corpus_index import (
    BUILD_LOG,
    CACHE_VERSION,
    CHUNK_TOKENS,
    DAMAGED,
    GATE_BINS,
    STATE_BINS,
    WAIT_POLL,
    CorpusIndex,
    IndexUnavailable,
    Progress,
    build_index,
    cache_dir,
    ensure_index,
    is_cached,
    open_index,
)
from .corpus_index import _lock as _lock  # tests hold an index's lock
from .corpus_index import _write_index as _write_index  # bench/corpus_build.py times it

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


__all__ = [
    "BUILD_LOG",
    "CACHE_VERSION",
    "CHUNK_TOKENS",
    "DAMAGED",
    "GATE_BINS",
    "STATE_BINS",
    "WAIT_POLL",
    "Corpus",
    "CorpusIndex",
    "IndexUnavailable",
    "Match",
    "Progress",
    "auc_from_histograms",
    "build_index",
    "cache_dir",
    "corpus_for",
    "counting_corpus",
    "default_corpus_name",
    "encode",
    "ensure_index",
    "is_cached",
    "label_units",
    "match",
    "matches_frame",
    "model_digest",
    "open_index",
    "people_daily",
    "random_corpus",
    "search",
    "select_units",
    "snippet",
    "snippet_states",
    "with_tracks",
]
