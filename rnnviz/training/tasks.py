"""Task data of the shipped models: corpus → examples → tensors, and the loss per task.

The task-specific parts :func:`rnnviz.training.loop.fit` is given for a shipped model: the
examples of a split (:func:`task_data`), the architecture they imply (:func:`build_config`),
padded batches (:func:`batches`, :func:`collate`) and the loss (:func:`batch_loss`: per token for
taggers, on the last real step for the many-to-one classifier).
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence

import torch
from torch import nn

from ..data import corpus, counting
from ..data.corpus import Example
from ..models import ModelConfig, RNNModel, TaskNet, bmes_constraints, spans_to_words
from ..vocab import Vocab, bigrams, lexicon_marks
from .recipes import Recipe

Batch = tuple[
    torch.Tensor, torch.Tensor, torch.Tensor
]  # ids (B, T, k), labels (B, T), lengths (B,)


def task_data(task: str, split: str, recipe: Recipe) -> list[Example]:
    """Examples of a split: (tokens, labels) per line."""
    if task == "cws":
        return corpus.segmentation(split)
    if task == "pos":
        return corpus.pos_tagged(split)
    if task == "ner":
        return corpus.ner(split)
    if task == "sentiment":
        return corpus.sentiment(split)
    n = {"train": recipe.count_train, "dev": 500, "test": 1000}[split]
    seed = {"train": recipe.seed, "dev": 10_001, "test": 20_002}[split]
    if (
        split != "train"
    ):  # 2× longer than any training sequence; dev picks the epoch that generalises
        texts = counting.dataset(n, 2 * recipe.count_max_len, seed, recipe.count_max_len + 1)
    else:
        texts = counting.dataset(n, recipe.count_max_len, seed)
    return [Example(i, tuple(s), tuple(counting.labels(s))) for i, s in enumerate(texts)]


def build_config(recipe: Recipe, train: Sequence[Example]) -> ModelConfig:
    """Vocabularies and labels from the training split, sizes from the recipe."""
    r = recipe
    if r.task == "pos":
        words = Vocab.build((w for e in train for w in e.tokens), r.min_word_count)
        chars = Vocab.build(
            (w[k] for e in train for w in e.tokens for k in (0, -1)), r.min_char_count
        )
        bigram_vocab: tuple[str, ...] = ()
        word_list = words.itos
    else:
        chars = Vocab.build((c for e in train for c in e.tokens), r.min_char_count)
        word_list = ()
        bigram_vocab = ()
        if r.bigrams != "none":
            grams = (
                g
                for e in train
                for side in bigrams(e.tokens)[: 2 if r.bigrams == "both" else 1]
                for g in side
            )
            bigram_vocab = Vocab.build(grams, r.min_bigram_count).itos
    lexicon: tuple[str, ...] = ()
    if r.lexicon_dim:  # words of the training split, as the gold segmentation cuts them
        lexicon = tuple(sorted(frequent_words(word_counts(train, r), r)))
    if r.task == "count":
        chars = Vocab(("<pad>", "<unk>", *counting.SYMBOLS))
        labels: tuple[str, ...] = counting.LABELS
    elif r.task == "sentiment":
        labels = ("negative", "positive")
    elif r.task == "cws":
        labels = ("B", "M", "E", "S")
    elif r.task == "ner":
        labels = (*tuple(f"{p}-{k}" for k in ("PER", "LOC", "ORG") for p in "BMES"), "O")
    else:
        labels = tuple(sorted({t for e in train for t in e.labels}))
    return ModelConfig(
        name=r.name,
        task=r.task,
        arch=r.arch,
        labels=labels,
        chars=chars.itos,
        char_dim=r.char_dim,
        bigram_dim=r.bigram_dim,
        bigrams=r.bigrams,
        bigram_vocab=bigram_vocab,
        word_dim=r.word_dim,
        words=word_list,
        lexicon_dim=r.lexicon_dim,
        lexicon_max_len=r.lexicon_max_len,
        lexicon=lexicon,
        decode=r.decode,
        segmenter=r.segmenter,
        dropout=r.dropout,
        examples=r.examples,
    )


def word_counts(examples: Sequence[Example], recipe: Recipe) -> Counter[str]:
    """How often each gold word of 2 … ``lexicon_max_len`` characters occurs in ``examples``."""
    return Counter(
        w
        for e in examples
        for w in spans_to_words(e.tokens, e.labels)
        if 2 <= len(w) <= recipe.lexicon_max_len
    )


def frequent_words(counts: Counter[str], recipe: Recipe) -> frozenset[str]:
    """The lexicon: words seen at least ``min_lexicon_count`` times."""
    return frozenset(w for w, n in counts.items() if n >= recipe.min_lexicon_count)


def jackknifed_lexicon_marks(recipe: Recipe, examples: Sequence[Example]) -> list[list[int]]:
    """Lexicon marks per training example from a lexicon built without the example's fold.

    The examples are cut into ``recipe.lexicon_folds`` contiguous blocks; block ``f`` is marked
    with the words (2 … ``lexicon_max_len`` characters) seen ``min_lexicon_count`` times in the
    other blocks. With the full lexicon every training word is in it, and the model learns to
    trust the marks more than test text, whose new words have none, deserves.
    """
    k = recipe.lexicon_folds
    fold_of = [i * k // max(len(examples), 1) for i in range(len(examples))]
    per_fold = [
        word_counts([e for e, g in zip(examples, fold_of, strict=True) if g == f], recipe)
        for f in range(k)
    ]
    total: Counter[str] = sum(per_fold, Counter())
    lexicons = [frequent_words(total - per_fold[f], recipe) for f in range(k)]
    return [
        lexicon_marks(e.tokens, lexicons[f], recipe.lexicon_max_len)
        for e, f in zip(examples, fold_of, strict=True)
    ]


def encode_examples(
    model: RNNModel, examples: Sequence[Example]
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Feature ids ``(T, k)`` and label ids ``(T,)`` (classifier: ``(1,)``) per example."""
    index = {lab: i for i, lab in enumerate(model.config.labels)}
    return [
        (model.encode(e.tokens), torch.tensor([index[lab] for lab in e.labels]))
        for e in examples
        if e.tokens
    ]


def batches(
    data: Sequence[tuple[torch.Tensor, torch.Tensor]], size: int, rng: random.Random
) -> list[list[int]]:
    """Index batches of similar length (less padding), in random order."""
    order = sorted(range(len(data)), key=lambda i: (len(data[i][0]), rng.random()))
    out = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(out)
    return out


def collate(
    data: Sequence[tuple[torch.Tensor, torch.Tensor]], idx: Sequence[int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded ids ``(B, T, k)``, labels ``(B, T)`` (−100 on padding) and lengths ``(B,)``."""
    lengths = torch.tensor([len(data[i][0]) for i in idx])
    t_max, k = int(lengths.max()), data[idx[0]][0].shape[1]
    ids = torch.zeros(len(idx), t_max, k, dtype=torch.long)
    labels = torch.full((len(idx), t_max), -100, dtype=torch.long)
    for b, i in enumerate(idx):
        x, y = data[i]
        ids[b, : len(x)] = x
        labels[b, : len(y)] = y
    return ids, labels, lengths


def batch_loss(net: TaskNet, ids, labels, lengths, classifier: bool) -> torch.Tensor:
    """Mean cross-entropy over real tokens (tagger) or over the sequences' last steps; with a
    CRF layer, the sequences' negative log-likelihood per real token."""
    scores = net(ids, lengths)  # (B, T, L)
    if net.crf is not None:
        mask = labels >= 0  # (B, T): real tokens
        return -net.crf(scores, labels.clamp_min(0), mask=mask, reduction="token_mean")
    if classifier:  # many-to-one: the head on the last real step
        last = scores[torch.arange(len(lengths)), lengths - 1]  # (B, L)
        return nn.functional.cross_entropy(last, labels[:, 0])
    return nn.functional.cross_entropy(scores.flatten(0, 1), labels.flatten(), ignore_index=-100)


def training_examples(recipe: Recipe, train: Sequence[Example], kind: str) -> list[Example]:
    """What a model trains on: lines cut at 。！？； into chunks of at most ``max_len`` tokens;
    a classifier keeps the last ``max_len`` tokens of each review (its prediction reads h_T)."""
    if kind == "classifier":
        return [Example(e.index, e.tokens[-recipe.max_len :], e.labels) for e in train if e.tokens]
    chunks = [c for e in train for c in corpus.chunk(e, recipe.max_len)]
    if recipe.decode == "crf":  # a CRF gives a chunk cut inside a word (M first…) zero probability
        chunks = [c for c in chunks if bmes_valid(c.labels)]
    return chunks


def bmes_valid(labels: Sequence[str]) -> bool:
    """Whether a label sequence obeys the BMES rules (starts and ends outside a word or entity,
    only allowed moves between); cws cuts long lines without punctuation inside words."""
    names = tuple(dict.fromkeys(labels))
    start, trans, end = bmes_constraints(names)
    ix = [names.index(lab) for lab in labels]
    return bool(
        not ix
        or (start[ix[0]] and end[ix[-1]] and all(trans[a, b] for a, b in itertools.pairwise(ix)))
    )
