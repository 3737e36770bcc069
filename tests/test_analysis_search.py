"""Unit search: cache on disk, select-and-match, label → units, on real corpus slices."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from shipped import shipped_model

from rnnviz import datadir
from rnnviz.analysis import search as S
from rnnviz.custom import build_random


def test_select_units_on_inside_off_outside() -> None:
    h = np.array(
        [[0.0, 0.9, 0.9], [0.8, 0.9, 0.9], [0.8, 0.9, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32
    )  # (T=4, units=3)
    assert S.select_units(h, 1, 3, 0.5).tolist() == [0]  # unit 1 is on before the span too
    assert S.select_units(h, 1, 3, 0.5, context=0).tolist() == [0, 1]
    with pytest.raises(ValueError, match="span"):
        S.select_units(h, 3, 3, 0.5)


def test_runs_never_cross_sentences(tmp_path: Path) -> None:
    corpus = S.Corpus("toy", (tuple("ab"), tuple("ab")), {"kind": (tuple("xy"), tuple("xy"))})
    m = build_random("gru", 4, input_size=2, vocab=["<unk>", "a", "b"], seed=0)
    idx = S.build_index(m, corpus, tmp_path)
    h = idx.states(0, "forward")
    assert h.shape == (4, 4) and idx.offsets.tolist() == [0, 2, 4]
    thr = float(np.asarray(h, np.float32).min()) - 1  # everything is on
    found = S.match(idx, 0, "forward", [0, 1], thr, length=2)
    assert sorted((f.sentence, f.start, f.end) for f in found) == [(0, 0, 2), (1, 0, 2)]
    np.testing.assert_allclose(
        np.asarray(h, np.float32).T[:2], m.trace("ab").quantity(0, "forward", "h"), atol=1e-3
    )


def test_people_daily_tracks_line_up() -> None:
    c = S.people_daily("test", "char", limit=5)
    s0, b0, p0 = c.sentences[0], c.tracks["bmes"][0], c.tracks["pos"][0]
    assert len(s0) == len(b0) == len(p0) and set(b0) <= set("BMES")
    assert set(c.tracks["entity"][0]) <= {"O", "PER", "LOC", "ORG"}
    w = S.people_daily("test", "word", limit=5)
    assert "bmes" not in w.tracks and len(w.sentences[0]) == len(w.tracks["pos"][0])


def test_cache_is_reused_and_keyed_by_weights(tmp_path: Path) -> None:
    c = S.people_daily("test", "char", limit=30)
    vocab = ["<unk>", *sorted({ch for s in c.sentences for ch in s})]
    m = build_random("lstm", 16, input_size=6, bidirectional=True, vocab=vocab, seed=1)
    assert not S.is_cached(m, c, tmp_path)
    calls: list[float] = []
    idx = S.open_index(m, c, tmp_path, progress=calls.append)
    assert calls[-1] == 1.0 and S.is_cached(m, c, tmp_path)
    again = S.open_index(m, c, tmp_path, progress=calls.append)
    assert again.folder == idx.folder and calls.count(1.0) == 1  # no rebuild
    other = build_random("lstm", 16, input_size=6, bidirectional=True, vocab=vocab, seed=2)
    assert S.cache_dir(other, c, tmp_path) != idx.folder
    # search on a sentence of the corpus finds that very span among the matches
    text = "".join(c.sentences[4])
    h = m.trace(text).quantity(0, "backward", "h")
    units, found = S.search(idx, h, 3, 5, 0.05, 0, "backward", top=100_000, context=0)
    assert len(units) > 0
    assert any(f.sentence == 4 and f.start <= 3 and f.end >= 5 for f in found)
    frame = S.matches_frame(idx, found[:5])
    assert {"text", "bmes", "pos", "entity"} <= set(frame.columns)
    assert frame["text"].str.contains("【").all()


def test_label_units_auc_matches_exact_ranking(tmp_path: Path) -> None:
    m = shipped_model("count")
    c = S.counting_corpus(n=120)
    idx = S.build_index(m, c, tmp_path)
    top = S.label_units(idx, 0, "forward", "label", "open", top=3)
    unit = int(top["unit"][0])
    h = np.asarray(idx.states(0, "forward")[unit], np.float32)
    is_open = np.array([lab == "open" for s in c.tracks["label"] for lab in s])
    pos, neg = h[is_open], h[~is_open]
    exact = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert abs(max(exact, 1 - exact) - top["auc"][0]) < 0.03
    assert top["auc"][0] > 0.9  # a trained counter separates "open" almost perfectly
    with pytest.raises(ValueError, match="labels are"):
        S.label_units(idx, 0, "forward", "label", "nope")


def test_reopened_cache_answers_like_the_fresh_index(tmp_path: Path) -> None:
    """The on-disk cache is the index: reopening it gives the same search (speed: bench/)."""
    m = shipped_model("count", "lstm")
    built = S.build_index(m, S.counting_corpus(n=300), tmp_path)
    reopened = S.CorpusIndex(built.folder)
    h = m.trace("(()(()))()").quantity(0, "forward", "h")
    units, matches = S.search(built, h, 1, 2, 0.5, 0, "forward")
    units_again, matches_again = S.search(reopened, h, 1, 2, 0.5, 0, "forward")
    assert len(units) and matches, "the span should select units that occur in the corpus"
    np.testing.assert_array_equal(units_again, units)
    assert matches_again == matches


def test_eviction_is_lru_by_bytes_and_spares_locked_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = S.counting_corpus(n=5, max_len=8)
    models = [
        build_random("gru", 3, input_size=2, vocab=["<unk>", "(", ")"], seed=s) for s in range(4)
    ]
    built = [S.build_index(m, c, tmp_path).folder for m in models[:3]]
    for age, folder in enumerate(built):  # built[0] least recently used
        os.utime(folder, (1000 + age, 1000 + age))
    size = datadir.size_of(built[0])
    monkeypatch.setenv("RNNVIZ_CORPUS_MAX_MB", str(2.5 * size / 2**20))  # room for two
    with S._lock(built[0]):  # being opened elsewhere: never evicted
        newest = S.build_index(models[3], c, tmp_path).folder
    assert built[0].exists() and newest.exists()
    assert not built[1].exists() and not built[2].exists()
    assert S.is_cached(models[3], c, tmp_path) and not S.is_cached(models[1], c, tmp_path)
