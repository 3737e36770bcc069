"""The corpora a model's units are searched in: People's Daily's test split (characters or
words, with their tags), the counting task's bracket strings, random inputs for a user's own
model; which one fits a model, and the digest that names a model's weights in a cache."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch


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
