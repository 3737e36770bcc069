"""Scores and test-split evaluation of shipped models, side by side with jieba / snownlp.

``python -m rnnviz.evaluate NAME`` (or ``all``) prints the numbers; ``--write`` also stores them
in ``config.json`` (``metrics.test``) and regenerates ``card.md`` (:mod:`.cards`).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import metrics
from ..cells import CELLS
from ..data import corpus, counting
from ..data.corpus import Example
from ..models import (
    ASSETS,
    CARD_FILE,
    CONFIG_FILE,
    RNNModel,
    load_dir,
    spans_to_words,
    write_config,
)
from .cards import card, entities_str
from .recipes import recipe_of
from .tasks import task_data


def score(model: RNNModel, examples: Sequence[Example]) -> dict[str, float]:
    """Task metrics of ``model`` on gold-tokenized examples (the main one under ``"score"``)."""
    gold = [list(e.labels) for e in examples]
    pred = model.predict_batch([e.tokens for e in examples])
    task = model.task
    if task == "cws":
        prf = metrics.word_prf(
            [spans_to_words(e.tokens, g) for e, g in zip(examples, gold, strict=True)],
            [spans_to_words(e.tokens, p) for e, p in zip(examples, pred, strict=True)],
        )
        return {"score": prf.f1, **{f"word_{k}": v for k, v in prf.as_dict().items()}}
    if task == "ner":
        prf = metrics.entity_prf(gold, pred)
        out = {"score": prf.f1, **{f"entity_{k}": v for k, v in prf.as_dict().items()}}
        for kind in ("PER", "LOC", "ORG"):
            out[f"f1_{kind}"] = metrics.entity_prf(gold, pred, kind).f1
        return out
    if task == "count":
        seq = metrics.sequence_accuracy(gold, pred)
        return {
            "score": seq,
            "sequence_accuracy": seq,
            "token_accuracy": metrics.accuracy(gold, pred),
        }
    acc = metrics.accuracy(gold, pred)
    return {"score": acc, "accuracy": acc}


def test_examples(model: RNNModel) -> list[Example]:
    """The test split of the model's task, made as its recipe says (counting: its lengths)."""
    return task_data(model.task, "test", recipe_of(model.name, model.config.training))


def reference_rows(task: str, test: Sequence[Example]) -> dict[str, dict[str, float]]:
    """Scores of jieba / snownlp on the same test lines (snownlp was fitted on them)."""
    rows: dict[str, dict[str, float]] = {}
    if task == "cws":
        texts = ["".join(e.tokens) for e in test]
        gold = [spans_to_words(e.tokens, e.labels) for e in test]
        try:
            import jieba

            jieba.setLogLevel(60)
            pred = [[w for w in jieba.lcut(t) if w.strip()] for t in texts]
            rows["jieba 0.42 (default dictionary)"] = metrics.word_prf(gold, pred).as_dict()
        except ImportError:
            pass
        from snownlp import seg

        pred = [seg.seg(t) for t in texts]
        rows["snownlp segmenter (fitted on these lines)"] = metrics.word_prf(gold, pred).as_dict()
    elif task == "sentiment":
        from snownlp import SnowNLP

        lines = corpus.sentiment_text("test")
        pred = ["positive" if SnowNLP(t).sentiments > 0.5 else "negative" for t, _ in lines]
        acc = float(np.mean([p == g for p, (_, g) in zip(pred, lines, strict=True)]))
        rows["snownlp sentiment (fitted on these lines)"] = {"accuracy": acc}
    return rows


REFERENCES_FILE = ASSETS / "references.json"


def cached_reference_rows(
    task: str, test: Sequence[Example], refresh: bool = False
) -> dict[str, dict[str, float]]:
    """:func:`reference_rows`, stored per task in ``assets/models/references.json``.

    The rows do not depend on our models, and scoring snownlp takes minutes, so retraining a
    model reuses them; ``refresh`` rescores.
    """
    cache = (
        json.loads(REFERENCES_FILE.read_text(encoding="utf-8")) if REFERENCES_FILE.is_file() else {}
    )
    if refresh or task not in cache:
        rows = reference_rows(task, test)
        if rows != cache.get(task):  # the shipped file is rewritten only when a row changes
            cache[task] = rows
            text = json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True)
            REFERENCES_FILE.write_text(text + "\n", encoding="utf-8")
    return cache[task]


def counter_units(model: RNNModel, texts: Sequence[str]) -> dict[str, Any]:
    """Which hidden unit tracks the bracket depth: Pearson r per unit over valid prefixes."""
    names = list(CELLS[model.config.cell].states)  # c and h (LSTM), h (GRU, RNN)
    values: dict[str, list[np.ndarray]] = {n: [] for n in names}
    depth: list[np.ndarray] = []
    for s in texts:
        keep = np.array([lab != "invalid" for lab in counting.labels(s)])
        tr = model.trace(s)
        for n in names:
            values[n].append(tr.quantity(0, "forward", n)[keep])
        depth.append(np.array(counting.depths(s))[keep])
    d = np.concatenate(depth).astype(float)
    out: dict[str, Any] = {}
    for n in names:
        v = np.concatenate(values[n]).astype(float)  # (steps, units)
        r = np.array(
            [
                np.corrcoef(v[:, u], d)[0, 1] if v[:, u].std() > 1e-9 else 0.0
                for u in range(v.shape[1])
            ]
        )
        best = int(np.nanargmax(np.abs(r)))
        out[n] = {"unit": best, "r": float(r[best]), "all_r": [round(float(x), 3) for x in r]}
    return out


def _nested_accuracy(model: RNNModel, lo: int, hi: int) -> float:
    """Fraction of ``(ⁿ)ⁿ`` for n in lo..hi labelled right at every step."""
    ok = [
        model.predict("(" * n + ")" * n) == counting.labels("(" * n + ")" * n)
        for n in range(lo, hi + 1)
    ]
    return float(np.mean(ok))


def evaluate(
    name: str,
    root: Path = ASSETS,
    write: bool = False,
    verbose: bool = True,
    references: bool = True,
) -> dict[str, Any]:
    """Test metrics of model ``name``; with ``write`` also store them and rewrite the card.

    ``references=False`` reuses the stored jieba / snownlp rows instead of rescoring them.
    """
    folder = Path(root) / name
    model = load_dir(folder)
    test = test_examples(model)
    start = time.monotonic()
    result: dict[str, Any] = {"test": score_test(model, test)}
    result["test_seconds"] = round(time.monotonic() - start, 1)
    result["test_examples"] = len(test)
    result["references"] = cached_reference_rows(model.task, test, refresh=references)
    if model.task == "count":
        max_len = model.config.training.get("count_max_len", 40)
        result["counter"] = counter_units(
            model, [e.tokens and "".join(e.tokens) for e in test[:300]]
        )
        result["nested_2x"] = _nested_accuracy(model, max_len // 2 + 1, max_len)
        long4 = counting.dataset(300, 4 * max_len, 30_003, 2 * max_len + 1)
        gold4 = [counting.labels(s) for s in long4]
        pred4 = [model.predict(s) for s in long4]
        result["test_4x_sequence_accuracy"] = metrics.sequence_accuracy(gold4, pred4)
        wrong = [s for s, g, p in zip(long4, gold4, pred4, strict=True) if g != p]
        result["test_4x_wrong_min_depth"] = min((max(counting.depths(s)) for s in wrong), default=0)
    if model.task == "pos":
        result["confusions"] = confusions(model, test)
    result["failures"] = failure_cases(model, test)
    if verbose:
        print(
            json.dumps(
                {k: v for k, v in result.items() if k != "failures"}, ensure_ascii=False, indent=1
            )
        )
    if write:
        merged = {**model.config.metrics, **result}
        config = replace(model.config, metrics=merged)
        write_config(folder / CONFIG_FILE, config)
        (folder / CARD_FILE).write_text(card(load_dir(folder)), encoding="utf-8")
    return result


def score_test(model: RNNModel, test: Sequence[Example]) -> dict[str, float]:
    """:func:`score` without the ``"score"`` key; pos adds end-to-end F1 and OOV accuracy."""
    out = score(model, test)
    out.pop("score")
    if model.task == "pos":  # end to end: raw text → segmenter → tagger, word+tag must match
        c = p = g = 0
        seg = model.segmenter
        chars = [seg.tokenize("".join(e.tokens)) for e in test]
        seg_labels = seg.predict_batch(chars)
        all_words = [spans_to_words(ch, lab) for ch, lab in zip(chars, seg_labels, strict=True)]
        all_tags = model.predict_batch(all_words)
        for e, words, tags in zip(test, all_words, all_tags, strict=True):
            gold = {
                (s, t) for s, t in zip(sorted(metrics.word_spans(e.tokens)), e.labels, strict=True)
            }
            pred = {(s, t) for s, t in zip(sorted(metrics.word_spans(words)), tags, strict=True)}
            c, p, g = c + len(gold & pred), p + len(pred), g + len(gold)
        out["end_to_end_f1"] = metrics.PRF(c, p, g).f1
        pred = model.predict_batch([e.tokens for e in test])
        assert model.word_vocab is not None
        pairs = [
            (g_, p_, model.word_vocab.lookup(w) == 1)
            for e, tags in zip(test, pred, strict=True)
            for w, g_, p_ in zip(e.tokens, e.labels, tags, strict=True)
        ]
        oov = [g_ == p_ for g_, p_, unk in pairs if unk]
        out["oov_rate"] = len(oov) / len(pairs)
        out["oov_accuracy"] = sum(oov) / max(len(oov), 1)
    return out


def confusions(model: RNNModel, test: Sequence[Example], n: int = 6) -> list[list[Any]]:
    """Most frequent ``[gold, predicted, count]`` label errors on the test split."""
    counts: Counter[tuple[str, str]] = Counter()
    for e, pred in zip(test, model.predict_batch([e.tokens for e in test]), strict=True):
        counts.update((g, p) for g, p in zip(e.labels, pred, strict=True) if g != p)
    return [[g, p, k] for (g, p), k in counts.most_common(n)]


def failure_cases(model: RNNModel, test: Sequence[Example], n: int = 4) -> list[dict[str, str]]:
    """A few short test lines the model gets wrong: text, gold and predicted."""
    cands = sorted(
        (e for e in test if 6 <= len(e.tokens) <= 40), key=lambda e: (len(e.tokens), e.index)
    )
    out: list[dict[str, str]] = []
    for e, pred in zip(cands, model.predict_batch([e.tokens for e in cands]), strict=True):
        if pred == list(e.labels):
            continue
        text = "".join(e.tokens) if model.task != "pos" else " ".join(e.tokens)
        if model.task == "cws":
            gold_s = " / ".join(spans_to_words(e.tokens, e.labels))
            pred_s = " / ".join(spans_to_words(e.tokens, pred))
        elif model.task == "ner":
            gold_s = entities_str(e.tokens, e.labels)
            pred_s = entities_str(e.tokens, pred)
        elif model.task == "pos":
            diff = [(w, g, p) for w, g, p in zip(e.tokens, e.labels, pred, strict=True) if g != p]
            gold_s = " ".join(f"{w}/{g}" for w, g, _ in diff)
            pred_s = " ".join(f"{w}/{p}" for w, _, p in diff)
        else:
            gold_s, pred_s = " ".join(e.labels), " ".join(pred)
            if model.task == "count":
                bad = next(t for t, (a, b) in enumerate(zip(e.labels, pred, strict=True)) if a != b)
                gold_s = f"step {bad}: {e.labels[bad]} (depth {counting.depths(text)[bad]})"
                pred_s = f"step {bad}: {pred[bad]}"
        out.append({"text": text, "gold": gold_s, "predicted": pred_s})
        if len(out) == n:
            break
    return out


def main(argv: Sequence[str] | None = None) -> None:
    from ..models import available

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", help="a shipped model or 'all'")
    parser.add_argument("--write", action="store_true", help="store metrics and rewrite card.md")
    parser.add_argument(
        "--keep-references",
        action="store_true",
        help="reuse the stored jieba / snownlp rows instead of rescoring them (minutes)",
    )
    args = parser.parse_args(argv)
    names = available() if args.name == "all" else [args.name]
    for name in names:
        print(f"== {name}")
        evaluate(name, write=args.write, references=not args.keep_references)


if __name__ == "__main__":
    main()
