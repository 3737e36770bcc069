"""Scores and test-split evaluation of shipped models, side by side with jieba / snownlp.

``python -m rnnviz.evaluate NAME`` (or ``all``) prints the numbers; ``--write`` also stores them
in ``config.json`` (``metrics.test``) and regenerates ``card.md`` (:mod:`.cards`).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .. import metrics
from ..analysis.bestunits import best_unit, task_signal, unit_correlations
from ..cells import CELLS
from ..data import counting
from ..data.corpus import Example
from ..models import (
    ASSETS,
    CARD_FILE,
    CONFIG_FILE,
    RNNModel,
    load_dir,
    run,
    spans_to_words,
    write_config,
)
from .card_sections import (
    with_app_unit,
    with_comparison,
    with_history,
    with_references,
    with_teacher_sentences,
)
from .cards import card, entities_str
from .recipes import recipe_of
from .references import (
    JIEBA_TO_PKU,
    REFERENCE_TOOLS,
    REFERENCES_FILE,
    THULAC_TO_PKU,
    cached_reference_rows,
    joint_f1,
    reference_rows,
)
from .tasks import task_data

__all__ = [
    "JIEBA_TO_PKU",
    "REFERENCES_FILE",
    "REFERENCE_TOOLS",
    "THULAC_TO_PKU",
    "cached_reference_rows",
    "confusions",
    "counter_units",
    "evaluate",
    "failure_cases",
    "joint_f1",
    "main",
    "reference_rows",
    "score",
    "score_test",
    "test_examples",
    "write_cards",
    "write_references",
]


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


def counter_units(model: RNNModel, texts: Sequence[str]) -> dict[str, Any]:
    """Which hidden unit tracks the bracket depth: Pearson r per unit over valid prefixes.

    The updated state (LSTM ``c``, else ``h``) is ranked by the app's own measure,
    :func:`rnnviz.analysis.bestunits.best_unit` over Runs of ``texts``, so card and app agree;
    ``"app"`` is the unit the app opens on (the same measure on the sidebar examples).
    """
    runs = [run(model, s) for s in texts]
    signals = [task_signal(r) for r in runs]
    depth = np.concatenate([s[1] for s in signals if s is not None])  # (N,) NaN once invalid
    keep = ~np.isnan(depth)
    out: dict[str, Any] = {}
    spec = CELLS[model.config.arch.cell]
    for n in sorted(spec.states, key=lambda q: q != spec.updated):  # c then h (LSTM), h
        v = np.concatenate([r.trace.quantity(0, "forward", n) for r in runs])[keep]  # (N, H)
        r_ = unit_correlations(v.astype(np.float64), depth[keep])  # (H,)
        unit = int(np.nanargmax(np.abs(r_)))
        out[n] = {"unit": unit, "r": float(r_[unit]), "all_r": [round(float(x), 3) for x in r_]}
    best = best_unit(runs)
    out[best.quantity] |= {"unit": best.unit, "r": best.score}
    app = best_unit([run(model, s) for s in model.config.examples[:8] if s])
    out["app"] = {"quantity": app.quantity, "unit": app.unit, "r": app.score}
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
        write_cards(folder)
    return result


def write_cards(folder: Path) -> None:
    """Regenerate ``card.md`` from ``config.json``; in ``card.zh.md`` (a translation, not
    generated as a whole) rewrite the reference section and carry over the files' size."""
    model = load_dir(folder)
    zh_path = folder / "card.zh.md"
    if zh_path.is_file():
        rows = model.config.metrics.get("references", {})
        zh = with_references(zh_path.read_text(encoding="utf-8"), model.task, rows, "zh")
        if model.task == "count":
            zh = with_app_unit(zh, model.config.metrics.get("counter", {}), "zh")
            zh = with_comparison(zh, model, "zh")
        zh = with_history(zh, model.name, "zh")
        zh = with_teacher_sentences(zh, model, "zh")
        zh_path.write_text(zh, encoding="utf-8")
    en = card(model)
    (folder / CARD_FILE).write_text(en, encoding="utf-8")
    size = re.search(r"files ([\d.]+) MB", en)
    if zh_path.is_file() and size:
        zh = re.sub(r"文件 [\d.]+ MB", f"文件 {size[1]} MB", zh_path.read_text(encoding="utf-8"))
        zh_path.write_text(zh, encoding="utf-8")


def write_references(name: str, root: Path = ASSETS, refresh: bool = True) -> dict[str, Any]:
    """Store the reference rows of ``name``'s task in its config and cards; the model's own
    metrics are kept as they are (nothing is evaluated or trained). Count models also get their
    counter unit rescored (cheap, and the card quotes it)."""
    folder = Path(root) / name
    model = load_dir(folder)
    test = test_examples(model)
    metrics_ = {**model.config.metrics}
    metrics_["references"] = cached_reference_rows(model.task, test, refresh=refresh)
    if model.task == "count":
        metrics_["counter"] = counter_units(model, ["".join(e.tokens) for e in test[:300]])
    write_config(folder / CONFIG_FILE, replace(model.config, metrics=metrics_))
    write_cards(folder)
    return metrics_["references"]


def score_test(model: RNNModel, test: Sequence[Example]) -> dict[str, float]:
    """:func:`score` without the ``"score"`` key; pos adds end-to-end F1 and OOV accuracy."""
    out = score(model, test)
    out.pop("score")
    if model.task == "pos":  # end to end: raw text → segmenter → tagger, word+tag must match
        seg = model.segmenter
        chars = [seg.tokenize("".join(e.tokens)) for e in test]
        seg_labels = seg.predict_batch(chars)
        all_words = [spans_to_words(ch, lab) for ch, lab in zip(chars, seg_labels, strict=True)]
        out["end_to_end_f1"] = joint_f1(test, all_words, model.predict_batch(all_words))
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
    parser.add_argument(
        "--references-only",
        action="store_true",
        help="only (re)score the reference tools and write them into config.json and the cards "
        "(the model's own metrics stay as stored)",
    )
    args = parser.parse_args(argv)
    names = available() if args.name == "all" else [args.name]
    scored: set[str] = set()  # models of one task share the rows: score them once per run
    for name in names:
        print(f"== {name}")
        if args.references_only:
            task = load_dir(ASSETS / name).task
            refresh = not args.keep_references and task not in scored
            rows = write_references(name, refresh=refresh)
            scored.add(task)
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            evaluate(name, write=args.write, references=not args.keep_references)


if __name__ == "__main__":
    main()
