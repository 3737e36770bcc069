"""The code model's cards: measure a trained model on held-out text (:func:`write_cards`),
store the scores in its ``config.json`` and write ``card.md`` and ``card.zh.md`` from that
config alone (:func:`card`: the same numbers and table rows in both languages)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..analysis.codecells import REPRESENTATIONS, BestUnit, features, readouts, scorecard
from ..data.code import held_out_text
from ..models.code import ASSET, CharLM, CodeConfig, load
from .code_recipe import CodeRecipe


def bits_per_char(model: CharLM, text: str, chunk: int = 2000) -> float:
    """Cross-entropy of the model on ``text`` in bits per character."""
    ids = model.encode(text)
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for a in range(0, len(ids) - 1, chunk):
            x = ids[a : a + chunk + 1]
            logits, state = model(x[None, :-1], state)
            loss = nn.functional.cross_entropy(logits[0], x[1:], reduction="sum")
            total += float(loss)
            count += len(x) - 1
    return total / max(count, 1) / np.log(2)


def report(model: CharLM, eval_chars: int = 100_000, docstrings: bool | None = None,
           long_strings: bool | None = None) -> str:  # fmt: skip
    """The scorecard of a model as text: per feature and representation the best unit, its r
    and AUROC on held-out text read as the model was trained (``docstrings``, ``long_strings``:
    with or without them whatever the training did), and the read-out."""
    tr = model.cfg.training
    keep = tr.get("docstrings", True) if docstrings is None else docstrings
    long = tr.get("long_strings", True) if long_strings is None else long_strings
    text = held_out_text(eval_chars, keep, tr.get("quotes", False), long)
    trace, feats = model.trace(text), features(text)
    score, reads = scorecard(trace, feats), readouts(trace, feats)
    layers = model.cfg.arch.num_layers
    lines = [f"{len(text):,} held-out characters; bits/char {bits_per_char(model, text):.3f}"]
    for name, by_rep in score.items():
        cells = [
            f"{b.name(layers)} r={b.r:+.3f}"
            + (f" AUROC={b.auroc:.3f}" if b.auroc is not None else "")
            for b in by_rep.values()
        ]
        lines.append(f"{name:16s} " + " | ".join(cells) + f" | read-out {reads[name]:+.3f}")
    return "\n".join(lines)


def write_cards(model: CharLM, folder: Path = ASSET, eval_chars: int = 100_000,
                runs: list[dict[str, Any]] | None = None) -> dict[str, dict[str, BestUnit]]:  # fmt: skip
    """Measure the model on held-out text (read as it was trained), store the scores in its
    ``config.json`` (``metrics``: ``cells``, ``readout``, ``runs``) and write ``card.md`` and
    ``card.zh.md``. ``runs`` default: the runs the config already reports."""
    c = model.cfg
    tr = c.training
    text = held_out_text(
        eval_chars, tr.get("docstrings", True), tr.get("quotes", False),
        tr.get("long_strings", True),
    )  # fmt: skip
    trace, feats = model.trace(text), features(text)
    score, reads = scorecard(trace, feats), readouts(trace, feats)
    cells = _stored(score)
    this = run_summary(c, cells)
    earlier = [r for r in (c.metrics.get("runs", []) if runs is None else runs) if r != this]
    earlier = [r for r in earlier if r.get("name") != this["name"]]
    metrics = {**c.metrics, "cells": cells, "readout": {k: round(v, 4) for k, v in reads.items()}}
    metrics.pop(KEPT, None)
    if not tr.get("long_strings", True):  # also read with multi-line strings kept, as they are
        kept = held_out_text(eval_chars, tr.get("docstrings", True), tr.get("quotes", False))
        both = _stored(scorecard(model.trace(kept), features(kept)))
        metrics[KEPT] = {k: both[k] for k in ("in_string", "in_short_string")}
    model.cfg = replace(c, metrics={**metrics, "runs": [*earlier, this]})
    config = json.dumps(model.cfg.to_json(), indent=1)
    (folder / "config.json").write_text(config + "\n", encoding="utf-8")
    for lang, name in (("en", "card.md"), ("zh", "card.zh.md")):
        markdown = card(model.cfg, eval_chars, lang)
        (folder / name).write_text(markdown, encoding="utf-8")
    return score


KEPT = "with_long_strings"  # metrics: the string units on text whose multi-line strings stay


def _stored(score: dict[str, dict[str, BestUnit]]) -> dict[str, dict[str, dict[str, Any]]]:
    """A scorecard as config.json stores it: per feature and representation layer, unit, r,
    AUROC (rounded; None where a feature has none)."""
    return {
        name: {rep: {"layer": b.layer, "unit": b.unit, "r": round(b.r, 4),
                     "auroc": None if b.auroc is None or np.isnan(b.auroc) else round(b.auroc, 4)}
               for rep, b in by_rep.items()}
        for name, by_rep in score.items()
    }  # fmt: skip


def run_summary(c: CodeConfig, cells: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """One row of the card's table of runs: the model, its text, how long, what it reached."""
    tr = c.training
    text, suffix = _text(tr), _suffix(tr)
    first = tr.get("continued_from")
    if first:  # two parts: the first run's text, then this one's
        text = f"{_text(first['recipe'])}, then (from step {first['steps']}) {text}"
        before = _suffix(first["recipe"])  # what changed is named once: -nodoc-then-nolong
        suffix = f"{before}-then{suffix.removeprefix(before) or '-same'}"
    best = {}
    for name in ("in_string", "in_short_string", "bracket_depth"):
        by_rep = cells.get(name, {})
        if by_rep:
            rep, b = _strongest(by_rep)
            unit = _unit(rep, b, c.arch.num_layers)
            best[name] = {"unit": unit, "r": b["r"], "auroc": b["auroc"]}
    return {
        "name": f"{c.arch.num_layers}x{c.arch.hidden_size}{suffix}",
        "model": f"LSTM {c.arch.num_layers} × {c.arch.hidden_size}",
        "text": text,
        "steps": tr.get("steps"),
        "seconds": tr.get("seconds"),
        "bits_per_char": c.metrics.get("held_out_bits_per_char"),
        "best": best,
    }


def _text(tr: dict[str, Any]) -> str:
    """The training text of a recipe (a config's ``training``) in a few words."""
    text = "code" if tr.get("docstrings", True) else "code − docstrings"
    text += ", one quote style" if tr.get("quotes", False) else ""
    return text + ("" if tr.get("long_strings", True) else " − multi-line strings")


def _suffix(tr: dict[str, Any]) -> str:
    """The part of a run's name that says how its text was prepared."""
    return ("" if tr.get("docstrings", True) else "-nodoc") + (
        "" if tr.get("long_strings", True) else "-nolong"
    )


def _flags(tr: dict[str, Any], hidden: int, layers: int) -> str:
    """The command-line flags of ``codelm train`` that give a recipe (a config's ``training``)."""
    seq_len = tr.get("seq_len", CodeRecipe.seq_len)
    batch = tr.get("batch_size", CodeRecipe.batch_size)
    budget = tr.get("budget_seconds", CodeRecipe.budget_seconds)
    flags = f"--seconds {budget:.0f} --hidden {hidden} --seq-len {seq_len}"
    flags += f" --layers {layers}" if layers > 1 else ""
    flags += f" --batch {batch}" if batch != CodeRecipe.batch_size else ""
    lr, clip = tr.get("lr", CodeRecipe.lr), tr.get("clip", CodeRecipe.clip)
    flags += f" --lr {lr:g}" if lr != CodeRecipe.lr else ""
    flags += f" --clip {clip:g}" if clip != CodeRecipe.clip else ""
    forget, average = tr.get("forget_bias"), tr.get("average", 0.0)
    flags += f" --forget-bias {forget:g}" if forget is not None else ""
    flags += f" --average {average}" if average else ""
    flags += "" if tr.get("stateful", False) else " --random-windows"
    flags += "" if tr.get("packages", False) else " --top-level-only"
    flags += "" if tr.get("docstrings", True) else " --no-docstrings"
    flags += "" if tr.get("long_strings", True) else " --no-long-strings"
    return flags + (" --quotes" if tr.get("quotes", False) else "")


_ZH_NOTE = "> 中文译文。所有数字、表格和代码与英文原版 `card.md` 完全一致，均为训练与评估时机器实测的结果。"
_REPS = {"c": "c", "tanh_c": "tanh(c)", "h": "h"}
_SCORE_NOTE = {
    "en": "Best unit per feature and representation (any layer; Pearson r over the first "
    "{n:,} held-out characters, read as in training: the point-biserial r for the 0/1 features, "
    "which also get their AUROC — the chance that a character inside scores above one outside: "
    "0.5 is chance, 1 or 0 a perfect split). The last column is a linear read-out of every "
    "layer's c and h together (ridge regression fitted on the first half of the characters, r on "
    "the second): it tells a feature the model lacks from one spread over many units:",
    "zh": "每个特征、每种表示下最相关的单元（任一层；在留出数据前 {n:,} 个字符上计算皮尔逊 r，"
    "文本按训练时的方式处理；0/1 特征的 r 即点二列相关，并给出 AUROC——特征内字符的取值高于特征外字符的概率："
    "0.5 为随机，1 或 0 为完全分开）。最后一列是各层 c 和 h 合起来的线性读出（在前一半字符上用岭回归拟合，"
    "在后一半上计算 r）：它说明一个特征是模型里根本没有，还是分散在许多单元里：",
}
_TABLE_HEAD = {
    "en": "| feature | tanh(c) | c | h | read-out r |",
    "zh": "| 特征 | tanh(c) | c | h | 读出 r |",
}
_RUNS_HEAD = {
    "en": (
        "Runs (what was tried; bits/char and units on held-out text read as each run was trained):",
        "| run | model | text | steps | seconds | bits/char | in_string | in_short_string | bracket_depth |",
    ),
    "zh": (
        "训练过的各次运行（尝试了什么；比特/字符与单元均在按该次训练方式处理的留出文本上测得）：",
        "| 运行 | 模型 | 文本 | 步数 | 秒 | 比特/字符 | in_string | in_short_string | bracket_depth |",
    ),
}


def _unit(rep: str, b: dict[str, Any], layers: int) -> str:
    """A stored unit's name as the cards write it: ``L1 tanh(c)[481]`` (no layer with one)."""
    layer = f"L{b['layer'] + 1} " if layers > 1 else ""
    return f"{layer}{_REPS[rep]}[{b['unit']}]"


def _strongest(by_rep: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The representation whose stored best unit has the largest |r|, and that unit."""
    return max(by_rep.items(), key=lambda kv: abs(kv[1]["r"]))


def _cell(b: dict[str, Any]) -> str:
    auroc = b.get("auroc")
    return f"{b['unit']} {b['r']:+.3f}" + (f" (AUROC {auroc:.3f})" if auroc is not None else "")


def _kept(kept: dict[str, Any] | None, layers: int, lang: str) -> list[str]:
    """The card's line for the string units read on text whose multi-line strings stay."""
    if not kept:
        return []

    def best(name: str) -> str:
        rep, b = _strongest(kept[name])
        return _cell({**b, "unit": _unit(rep, b, layers)})

    if lang == "zh":
        return [f"- 若留出文本保留跨行字符串字面量（与训练方式不同），最好的单元：in_string "
                f"{best('in_string')}，in_short_string {best('in_short_string')}。"]  # fmt: skip
    return [f"- Read with multi-line string literals kept (not as it was trained), the best units: "
            f"in_string {best('in_string')}, in_short_string {best('in_short_string')}."]  # fmt: skip


_TEXT_ZH = {"code": "代码", " − docstrings": "去掉文档字符串", ", one quote style": "、统一引号风格",
            " − multi-line strings": "、跨行字符串改为空字符串"}  # fmt: skip


def _parts(tr: dict[str, Any], lang: str) -> list[str]:
    """The card's line for a run in two parts (``training["continued_from"]``), else none."""
    first = tr.get("continued_from")
    if not first:
        return []
    n1, t1 = first["steps"], first["seconds"]
    n2, t2 = tr.get("steps", 0) - n1, tr.get("seconds", 0) - t1
    a, b = _text(first["recipe"]), _text(tr)
    if lang == "zh":
        for en, zh in _TEXT_ZH.items():
            a, b = a.replace(en, zh), b.replace(en, zh)
        return [f"- 分两段训练：先在“{a}”的文本上训练 {n1} 步（{t1:.0f} s，运行 `{first['run']}`），"
                f"再从该检查点（权重、Adam 状态和滑动平均）继续，在“{b}”的文本上训练 {n2} 步"
                f"（{t2:.0f} s）；留出文本按第二段的方式处理。"]  # fmt: skip
    return [f"- Trained in two parts: {n1} steps ({t1:.0f} s, run `{first['run']}`) on {a}, "
            f"then from that checkpoint (weights, Adam's state, the average) {n2} steps "
            f"({t2:.0f} s) on {b}; held-out text is read as in the second part."]  # fmt: skip


def card(c: CodeConfig, eval_chars: int, lang: str = "en") -> str:
    """Markdown card (``lang`` "en" or "zh", the same numbers and table rows) from the config:
    data, model, training recipe and run, held-out score, the best unit per feature and
    representation with its AUROC (``metrics["cells"]``), the read-out and the runs so far."""
    zh = lang == "zh"
    tr, m = c.training, c.metrics
    # configs written before recipes were recorded used the defaults
    seq_len = tr.get("seq_len", CodeRecipe.seq_len)
    batch = tr.get("batch_size", CodeRecipe.batch_size)
    stateful, packages = tr.get("stateful", False), tr.get("packages", False)
    average = tr.get("average", 0.0)
    docstrings, quotes = tr.get("docstrings", True), tr.get("quotes", False)
    long_strings = tr.get("long_strings", True)
    forget, clip = tr.get("forget_bias"), tr.get("clip", CodeRecipe.clip)
    half = tr.get("stored_as") == "float16"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    held = ", ".join(tr.get("held_out_files", ()))
    steps, seconds, chars = tr.get("steps"), tr.get("seconds", 0), tr.get("train_chars", 0)
    bpc = m.get("held_out_bits_per_char", 0)
    layers = (
        f"{c.arch.num_layers} × {c.arch.hidden_size}"
        if c.arch.num_layers > 1
        else f"{c.arch.hidden_size}"
    )
    if zh:
        data = "顶层 `*.py` 模块" + (
            "及其各个包中的模块（不含测试、IDLE、lib2to3）" if packages else ""
        )
        reading = (
            f"批中 {batch} 行各读自己的一段文本，每次 {seq_len} 个字符，状态从一个窗口延续到下一个"
            if stateful
            else f"从零状态开始、随机截取 {seq_len} 字符的窗口，批大小 {batch}"
        )
        prep = ("去掉了文档字符串（模块、类、函数体的第一条语句若是字符串，按 `ast` 判断）" if not docstrings else "")  # fmt: skip
        prep += ("，" if prep and not long_strings else "") + ("跨行的字符串字面量改为空字符串（`x = \"\"\"…\"\"\"` 变为 `x = \"\"`）" if not long_strings else "")  # fmt: skip
        prep += ("，" if prep and quotes else "") + ("统一了引号风格（值不变时 '…' 改为 \"…\"）" if quotes else "")  # fmt: skip
        lines = [
            "# code-lstm：Python 源代码的字符级 LSTM 语言模型",
            "",
            _ZH_NOTE,
            "",
            f"- 数据：Python {version} 标准库的{data}"
            + (f"；训练与留出文本都{prep}" if prep else "")
            + f"；留出的文件（crc32(name) % 10 == 9，无论位于哪个目录，从不参与训练）：{held}。",
            f"- 模型：嵌入 {c.arch.input_size} → LSTM {layers} → 在 {len(c.chars)} 个字符上的线性层"
            + (f"；遗忘门偏置初始化为 {forget:g}" if forget is not None else "")
            + f"；梯度裁剪到 {clip:g}；"
            f"{steps} 步 Adam，用时 {seconds:.0f} s，1 个 CPU 线程（{chars:,} 个训练字符，{reading}）"
            + (f"；发布的权重是权重的滑动平均（每步衰减 {average}）" if average else "")
            + ("，以 float16 存储" if half else "")
            + "。",
            *_parts(tr, "zh"),
            f"- 留出数据上的交叉熵：每字符 {bpc:.3f} 比特（留出数据的前 200,000 个字符）。",
            f"- {_SCORE_NOTE['zh'].format(n=eval_chars)}",
        ]
    else:
        data = "top-level `*.py` modules" + (
            " and its packages' modules (without tests, IDLE, lib2to3)" if packages else ""
        )
        reading = (
            f"each of the {batch} batch rows reading its own stretch of the text {seq_len} "
            "characters at a time, the state carried from window to window"
            if stateful
            else f"random {seq_len}-character windows from a zero state, batch {batch}"
        )
        prep = ("docstrings removed (a module's, class's or function's first statement when it is a string, by `ast`)" if not docstrings else "")  # fmt: skip
        prep += ("; " if prep and not long_strings else "") + ("string literals that span lines made empty (`x = \"\"\"…\"\"\"` becomes `x = \"\"`)" if not long_strings else "")  # fmt: skip
        prep += (" and " if prep and quotes else "") + ("one quote style ('…' becomes \"…\" where the value stays the same)" if quotes else "")  # fmt: skip
        lines = [
            "# code-lstm: a character-level LSTM language model of Python source",
            "",
            f"- Data: the {data} of the Python {version} standard library"
            + (f"; training and held-out text alike with {prep}" if prep else "")
            + "; held out "
            f"(crc32(name) % 10 == 9, never trained on, wherever the file lies): {held}.",
            f"- Model: embedding {c.arch.input_size} → LSTM {layers} → linear over "
            f"{len(c.chars)} characters"
            + (f"; forget-gate bias initialised to {forget:g}" if forget is not None else "")
            + f"; gradients clipped at {clip:g}; {steps} Adam steps in {seconds:.0f} s on one CPU "
            f"thread ({chars:,} training characters, {reading})"
            + (
                f"; the weights shipped are a moving average (decay {average} per step)"
                if average
                else ""
            )
            + (", stored as float16" if half else "")
            + ".",
            *_parts(tr, "en"),
            f"- Held-out cross-entropy: {bpc:.3f} bits per character "
            "(first 200,000 held-out characters).",
            f"- {_SCORE_NOTE['en'].format(n=eval_chars)}",
        ]
    cells, reads = m.get("cells", {}), m.get("readout", {})
    lines[-1:-1] = _kept(m.get(KEPT), c.arch.num_layers, lang)  # before the table's note
    lines += ["", _TABLE_HEAD[lang], "|---|---|---|---|---|"]
    for name, by_rep in cells.items():
        row = []
        for rep in REPRESENTATIONS:
            b = by_rep[rep]
            row.append(_cell({**b, "unit": _unit(rep, b, c.arch.num_layers)}))
        lines.append(f"| {name} | " + " | ".join(row) + f" | {reads.get(name, 0):+.3f} |")
    runs = m.get("runs", [])
    if runs:
        intro, head = _RUNS_HEAD[lang]
        lines += ["", intro, "", head, "|---" * 9 + "|"]
        for run in runs:
            best = run.get("best", {})
            cols = [_cell(best[k]) if k in best else "" for k in ("in_string", "in_short_string", "bracket_depth")]  # fmt: skip
            lines.append(
                f"| {run['name']} | {run['model']} | {run['text']} | {run['steps']} | "
                f"{run['seconds']:.0f} | {run['bits_per_char']:.3f} | " + " | ".join(cols) + " |"
            )
    flags = _flags(tr, c.arch.hidden_size, c.arch.num_layers)
    command = f"`python -m rnnviz.training.codelm train {flags}`"
    first = tr.get("continued_from")
    if first:  # two commands: the first run, then this one from its checkpoint
        one = _flags(first["recipe"], c.arch.hidden_size, c.arch.num_layers)
        run = f"/tmp/{first['run']}"
        command = (
            f"`python -m rnnviz.training.codelm train --run {run} {one} --max-steps "
            f"{first['steps']}`" + (" 然后 " if zh else ", then ")
            + f"`python -m rnnviz.training.codelm train --run {run}-2 --init-from {run} "
            f"{flags} --max-steps {steps}`"
        )  # fmt: skip
    lines += ["", f"复现：{command}。" if zh else f"Reproduce: {command}.", ""]
    return "\n".join(lines)


def earlier_runs(folder: Path) -> list[dict[str, Any]]:
    """The runs a model folder's config reports ([] without one)."""
    try:
        return list(load(folder).cfg.metrics.get("runs", []))
    except FileNotFoundError:
        return []
