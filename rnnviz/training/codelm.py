"""Training of the code model: a character-level LSTM language model of Python source.

``python -m rnnviz.training.codelm train`` (70 minutes of one core) trains on the standard library's
training files through the one loop (truncated BPTT, each batch row reading its own stretch of
text with the state carried from window to window) and writes
``assets/code/code-lstm/``: weights, ``config.json`` (architecture + ``training`` recipe and run
facts + ``metrics``) and cards (en, zh) with the best unit per feature on held-out files.
The model, its data split and its analysis live in :mod:`rnnviz.analysis.codecells`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from ..analysis.codecells import (
    REPRESENTATIONS,
    BestUnit,
    features,
    readouts,
    scorecard,
)
from ..data.code import held_out_text, read_text, split_of, stdlib_files
from ..models.code import ASSET, UNK, CharLM, CodeConfig, load
from . import loop


@dataclass(frozen=True)
class CodeRecipe:
    """Training settings of the code model (stored in its config.json under ``training``)."""

    budget_seconds: float = 4200.0  # the run stops after this much training time
    max_steps: int | None = None
    hidden_size: int = 256
    embed_size: int = 32
    num_layers: int = 1
    seq_len: int = 128
    batch_size: int = 32
    lr: float = 3e-3
    clip: float = 1.0
    # the forget gate's bias starts here (char-rnn: 1, so cells keep what they hold until they
    # learn to forget); None: PyTorch's default initialisation, as the first shipped runs
    forget_bias: float | None = None
    # False: docstrings removed from every file (training and held-out alike), so strings are
    # short literals; True: files as they are
    docstrings: bool = True
    quotes: bool = False  # True: one quote style ('...' becomes "..." where the value allows)
    # False: string literals that span lines (prose blocks once docstrings are gone) become
    # empty ones in training and held-out text alike, so every string is a one-line literal
    long_strings: bool = True
    min_char_count: int = 20  # rarer characters read as the unknown one
    # True: each batch row reads one stretch of the text window after window, its state carried
    # over (detached), as the app and the analysis run the model over a whole file; False: random
    # windows from a zero state, which never teach the model anything longer than a window
    stateful: bool = True
    # True: the standard library's packages' modules (not their tests) join the top-level ones
    # as training text; held-out names (crc32 % 10 == 9) stay out wherever they are
    packages: bool = True
    average: float = 0.999  # > 0: ship a moving average of the weights (rnnviz.training.loop)
    seed: int = 0


def training_files(packages: bool = True) -> list[Path]:
    """The training split's files: top-level stdlib modules, then (``packages``) the modules of
    its packages, without tests, IDLE, lib2to3 and site-packages; sorted, so the text is fixed."""
    top = [p for p in stdlib_files() if split_of(p) == "train"]
    if not packages:
        return top
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "test", "tests", "idle_test", "idlelib", "lib2to3"}
    deeper = sorted(
        p
        for p in root.rglob("*.py")
        if p.parent != root and not skip & set(p.relative_to(root).parts) and split_of(p) == "train"
    )
    return top + deeper


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


def training_text(recipe: CodeRecipe) -> str:
    """The training split's text as the recipe reads it (:func:`codecells.prepare`)."""
    r = recipe
    return read_text(training_files(r.packages), r.docstrings, r.quotes, r.long_strings)


def init_forget_bias(rnn: nn.LSTM, value: float) -> None:
    """Set every layer's forget-gate bias (``b_ih + b_hh``, PyTorch's i f g o order) to ``value``."""
    h = rnn.hidden_size
    with torch.no_grad():
        for k in range(rnn.num_layers):
            getattr(rnn, f"bias_ih_l{k}")[h : 2 * h] = value
            getattr(rnn, f"bias_hh_l{k}")[h : 2 * h] = 0.0


CHECKPOINT = "checkpoint.pt"


def train(
    recipe: CodeRecipe = CodeRecipe(),
    text: str | None = None,
    log: Callable[[str], None] | None = print,
    held_out_chars: int = 200_000,
    run: Path | None = None,
    resume: bool = False,
    checkpoint_seconds: float = 300.0,
) -> CharLM:
    """Train on ``text`` (default: the stdlib training files) within the recipe's budget.

    ``run``: a folder that gets ``checkpoint.pt`` every ``checkpoint_seconds`` and at the end
    (raw weights, Adam, the weight average, step, time, where each batch row stands in the
    text, its carried state, the random generators); ``resume=True`` goes on from it (the
    recipe's budget and step limit may grow; the rest of the recipe is the checkpoint's).
    """
    r = recipe
    saved = None
    if resume:
        if run is None or not (run / CHECKPOINT).is_file():
            raise FileNotFoundError(f"nothing to resume: no {CHECKPOINT} in {run}")
        saved = torch.load(run / CHECKPOINT, weights_only=False)
        r = replace(CodeRecipe(**saved["recipe"]), budget_seconds=r.budget_seconds,
                    max_steps=r.max_steps)  # fmt: skip
    torch.manual_seed(r.seed)
    rng = np.random.default_rng(r.seed)
    if text is None:
        text = training_text(r)
    if saved is not None:
        chars = saved["chars"]
    else:
        counts: dict[str, int] = {}
        for c in text:
            counts[c] = counts.get(c, 0) + 1
        rare = r.min_char_count
        chars = UNK + "".join(sorted(c for c, k in counts.items() if k >= rare and c != UNK))
    cfg = CodeConfig(chars=chars, embed_size=r.embed_size, hidden_size=r.hidden_size,
                     num_layers=r.num_layers)  # fmt: skip
    model = CharLM(cfg)
    if r.forget_bias is not None:
        init_forget_bias(model.rnn, r.forget_bias)
    ids = model.encode(text)  # (N,)

    carried: list = [None]  # the state each row ends its last window with (stateful)
    # where the next batch starts: (pass over the text, offset in each row's stretch)
    position = [0, 0]
    snapshot = None
    if saved is not None:
        model.load_state_dict(saved["weights"])
        torch.set_rng_state(saved["torch_rng"])
        rng.bit_generator.state = saved["numpy_rng"]
        carried[0] = saved["carried"]
        position[:] = saved["position"]
        snapshot = loop.Snapshot(saved["step"], saved["seconds"], saved["optimizer"],
                                 saved["average"], False)  # fmt: skip

    def random_windows() -> Iterator[torch.Tensor]:
        while True:
            starts = rng.integers(0, len(ids) - r.seq_len - 1, r.batch_size)
            yield torch.stack([ids[s : s + r.seq_len + 1] for s in starts])  # (B, L+1)

    def streams() -> Iterator[torch.Tensor]:
        """Row b reads stretch b of the text (from an offset fixed by the seed and the pass)
        window after window; at the end of the stretches every row starts again from a fresh
        offset and a zero state."""
        span = len(ids) // r.batch_size
        while True:
            shift = int(np.random.default_rng([r.seed, position[0]]).integers(0, span))
            rows = torch.roll(ids, -shift)[: span * r.batch_size].view(r.batch_size, span)
            if position[1] == 0:
                carried[0] = None
            for a in range(position[1], span - r.seq_len - 1, r.seq_len):
                position[1] = a + r.seq_len
                yield rows[:, a : a + r.seq_len + 1]
            position[:] = [position[0] + 1, 0]

    def windows(_epoch: int) -> Iterator[torch.Tensor]:
        return streams() if r.stateful else random_windows()

    def loss(net: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        logits, state = net(x[:, :-1], carried[0])  # (B, L, V)
        if r.stateful:
            carried[0] = tuple(s.detach() for s in state)
        return nn.functional.cross_entropy(
            logits.reshape(-1, len(chars)), x[:, 1:].reshape(-1)
        ), None

    def on_step(s: loop.Step[torch.Tensor]) -> None:
        if log is not None and s.step % 200 == 0:
            log(f"step {s.step}  {s.seconds:.0f} s  {s.epoch_loss / np.log(2):.3f} bits/char "
                f"(mean since start or resume; this batch {s.loss / np.log(2):.3f})")  # fmt: skip

    def keep(s: loop.Snapshot) -> None:
        assert run is not None
        run.mkdir(parents=True, exist_ok=True)
        state = {
            "recipe": asdict(r), "chars": chars, "train_chars": len(text),
            "step": s.step, "seconds": s.seconds,
            "weights": model.state_dict(), "optimizer": s.optimizer, "average": s.average,
            "carried": carried[0], "position": list(position),
            "torch_rng": torch.get_rng_state(), "numpy_rng": rng.bit_generator.state,
        }  # fmt: skip
        torch.save(state, run / (CHECKPOINT + ".tmp"))
        os.replace(run / (CHECKPOINT + ".tmp"), run / CHECKPOINT)  # never half a checkpoint
        if log is not None:
            log(f"checkpoint: step {s.step}, {s.seconds:.0f} s of training")

    fitted = loop.fit(
        model,
        windows,
        loss,
        lr=r.lr,
        clip=r.clip,
        seconds=r.budget_seconds,
        max_steps=r.max_steps,
        on_step=on_step,
        average=r.average,
        resume=snapshot,
        checkpoint=keep if run is not None else None,
        checkpoint_seconds=checkpoint_seconds,
    )
    return finish(model, r, fitted.steps, fitted.seconds, len(text), held_out_chars)


def finish(model: CharLM, r: CodeRecipe, steps: int, seconds: float, train_chars: int,
           held_out_chars: int = 200_000) -> CharLM:  # fmt: skip
    """Store the recipe, run facts and held-out bits/char in the model's config."""
    held = [p.name for p in stdlib_files() if split_of(p) == "test"]
    held_text = held_out_text(held_out_chars, r.docstrings, r.quotes, r.long_strings)
    bpc = bits_per_char(model, held_text)
    facts = {"train_chars": train_chars, "steps": steps, "seconds": round(seconds, 1)}
    model.cfg = replace(
        model.cfg,
        training={**asdict(r), **facts, "held_out_files": held, "torch": torch.__version__},
        metrics={"held_out_bits_per_char": round(bpc, 4)},
    )
    return model


def from_checkpoint(run: Path, held_out_chars: int = 200_000) -> CharLM:
    """The model of a run's last checkpoint with its weight average (what would be shipped)."""
    saved = torch.load(run / CHECKPOINT, weights_only=False)
    r = CodeRecipe(**saved["recipe"])
    cfg = CodeConfig(chars=saved["chars"], embed_size=r.embed_size, hidden_size=r.hidden_size,
                     num_layers=r.num_layers)  # fmt: skip
    model = CharLM(cfg)
    model.load_state_dict(saved["weights"])
    if saved["average"]:
        params = [p for p in model.parameters() if p.requires_grad]
        with torch.no_grad():
            for p, v in zip(params, saved["average"], strict=True):
                p.copy_(v)
    model.eval()
    chars = saved.get("train_chars", 0)
    return finish(model, r, saved["step"], saved["seconds"], chars, held_out_chars)


def save(model: CharLM, folder: Path = ASSET, eval_chars: int = 100_000, half: bool = False,
         runs: list[dict[str, Any]] | None = None) -> dict[str, dict[str, BestUnit]]:  # fmt: skip
    """Write weights (``half``: stored as float16, loaded back as float32), config and the cards
    (en, zh) with the best unit per feature and representation on held-out text; ``runs``: the
    earlier runs the card reports beside this one."""
    folder.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    state = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"))
    if half:  # what is measured and shipped is what the file holds
        model.load_state_dict({k: v.float() for k, v in state.items()})
    model.cfg = replace(model.cfg, training={**model.cfg.training, "stored_as": str(dtype)[6:]})
    return write_cards(model, folder, eval_chars, runs)


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
    cells = {
        name: {rep: {"layer": b.layer, "unit": b.unit, "r": round(b.r, 4),
                     "auroc": None if b.auroc is None or np.isnan(b.auroc) else round(b.auroc, 4)}
               for rep, b in by_rep.items()}
        for name, by_rep in score.items()
    }  # fmt: skip
    this = run_summary(c, cells)
    earlier = [r for r in (c.metrics.get("runs", []) if runs is None else runs) if r != this]
    earlier = [r for r in earlier if r.get("name") != this["name"]]
    metrics = {**c.metrics, "cells": cells, "readout": {k: round(v, 4) for k, v in reads.items()}}
    model.cfg = replace(c, metrics={**metrics, "runs": [*earlier, this]})
    config = json.dumps(model.cfg.to_json(), indent=1)
    (folder / "config.json").write_text(config + "\n", encoding="utf-8")
    for lang, name in (("en", "card.md"), ("zh", "card.zh.md")):
        markdown = card(model.cfg, eval_chars, lang)
        (folder / name).write_text(markdown, encoding="utf-8")
    return score


def run_summary(c: CodeConfig, cells: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """One row of the card's table of runs: the model, its text, how long, what it reached."""
    tr = c.training
    docstrings, quotes = tr.get("docstrings", True), tr.get("quotes", False)
    text = ("code" if docstrings else "code − docstrings") + (", one quote style" if quotes else "")
    long_strings = tr.get("long_strings", True)
    text += "" if long_strings else " − multi-line strings"
    best = {}
    for name in ("in_string", "in_short_string", "bracket_depth"):
        by_rep = cells.get(name, {})
        if by_rep:
            rep, b = max(by_rep.items(), key=lambda kv: abs(kv[1]["r"]))
            q = "tanh(c)" if rep == "tanh_c" else rep
            layer = f"L{b['layer'] + 1} " if c.num_layers > 1 else ""
            best[name] = {"unit": f"{layer}{q}[{b['unit']}]", "r": b["r"], "auroc": b["auroc"]}
    return {
        "name": f"{c.num_layers}x{c.hidden_size}"
        + ("" if docstrings else "-nodoc")
        + ("" if long_strings else "-nolong"),
        "model": f"LSTM {c.num_layers} × {c.hidden_size}",
        "text": text,
        "steps": tr.get("steps"),
        "seconds": tr.get("seconds"),
        "bits_per_char": c.metrics.get("held_out_bits_per_char"),
        "best": best,
    }


_ZH_NOTE = (
    "> 中文译文。所有数字、表格和代码与英文原版 `card.md` 完全一致,均为训练与评估时机器实测的结果。"
)
_REPS = {"c": "c", "tanh_c": "tanh(c)", "h": "h"}
_SCORE_NOTE = {
    "en": "Best unit per feature and representation (any layer; Pearson r over the first "
    "{n:,} held-out characters, read as in training: the point-biserial r for the 0/1 features, "
    "which also get their AUROC — the chance that a character inside scores above one outside: "
    "0.5 is chance, 1 or 0 a perfect split). The last column is a linear read-out of every "
    "layer's c and h together (ridge regression fitted on the first half of the characters, r on "
    "the second): it tells a feature the model lacks from one spread over many units:",
    "zh": "每个特征、每种表示下最相关的单元(任一层;在留出数据前 {n:,} 个字符上计算皮尔逊 r,"
    "文本按训练时的方式处理;0/1 特征的 r 即点二列相关,并给出 AUROC——特征内字符的取值高于特征外字符的概率:"
    "0.5 为随机,1 或 0 为完全分开)。最后一列是各层 c 和 h 合起来的线性读出(在前一半字符上用岭回归拟合,"
    "在后一半上计算 r):它说明一个特征是模型里根本没有,还是分散在许多单元里:",
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
        "训练过的各次运行(尝试了什么;比特/字符与单元均在按该次训练方式处理的留出文本上测得):",
        "| 运行 | 模型 | 文本 | 步数 | 秒 | 比特/字符 | in_string | in_short_string | bracket_depth |",
    ),
}


def _cell(b: dict[str, Any]) -> str:
    auroc = b.get("auroc")
    return f"{b['unit']} {b['r']:+.3f}" + (f" (AUROC {auroc:.3f})" if auroc is not None else "")


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
    layers = f"{c.num_layers} × {c.hidden_size}" if c.num_layers > 1 else f"{c.hidden_size}"
    if zh:
        data = "顶层 `*.py` 模块" + (
            "及其各个包中的模块(不含测试、IDLE、lib2to3)" if packages else ""
        )
        reading = (
            f"批中 {batch} 行各读自己的一段文本,每次 {seq_len} 个字符,状态从一个窗口延续到下一个"
            if stateful
            else f"从零状态开始、随机截取 {seq_len} 字符的窗口,批大小 {batch}"
        )
        prep = ("去掉了文档字符串(模块、类、函数体的第一条语句若是字符串,按 `ast` 判断)" if not docstrings else "")  # fmt: skip
        prep += ("," if prep and not long_strings else "") + ("跨行的字符串字面量改为空字符串(`x = \"\"\"…\"\"\"` 变为 `x = \"\"`)" if not long_strings else "")  # fmt: skip
        prep += ("," if prep and quotes else "") + ("统一了引号风格(值不变时 '…' 改为 \"…\")" if quotes else "")  # fmt: skip
        lines = [
            "# code-lstm:Python 源代码的字符级 LSTM 语言模型",
            "",
            _ZH_NOTE,
            "",
            f"- 数据:Python {version} 标准库的{data}"
            + (f";训练与留出文本都{prep}" if prep else "")
            + f";留出的文件(crc32(name) % 10 == 9,无论位于哪个目录,从不参与训练):{held}。",
            f"- 模型:嵌入 {c.embed_size} → LSTM {layers} → 在 {len(c.chars)} 个字符上的线性层"
            + (f";遗忘门偏置初始化为 {forget:g}" if forget is not None else "")
            + f";梯度裁剪到 {clip:g};"
            f"{steps} 步 Adam,用时 {seconds:.0f} s,1 个 CPU 线程({chars:,} 个训练字符,{reading})"
            + (f";发布的权重是权重的滑动平均(每步衰减 {average})" if average else "")
            + (",以 float16 存储" if half else "")
            + "。",
            f"- 留出数据上的交叉熵:每字符 {bpc:.3f} 比特(留出数据的前 200,000 个字符)。",
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
            f"- Model: embedding {c.embed_size} → LSTM {layers} → linear over "
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
            f"- Held-out cross-entropy: {bpc:.3f} bits per character "
            "(first 200,000 held-out characters).",
            f"- {_SCORE_NOTE['en'].format(n=eval_chars)}",
        ]
    cells, reads = m.get("cells", {}), m.get("readout", {})
    lines += ["", _TABLE_HEAD[lang], "|---|---|---|---|---|"]
    for name, by_rep in cells.items():
        row = []
        for rep in REPRESENTATIONS:
            b = by_rep[rep]
            layer = f"L{b['layer'] + 1} " if c.num_layers > 1 else ""
            row.append(_cell({**b, "unit": f"{layer}{_REPS[rep]}[{b['unit']}]"}))
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
    budget = tr.get("budget_seconds", CodeRecipe.budget_seconds)
    flags = f"--seconds {budget:.0f} --hidden {c.hidden_size} --seq-len {seq_len}"
    flags += f" --layers {c.num_layers}" if c.num_layers > 1 else ""
    flags += f" --batch {batch}" if batch != CodeRecipe.batch_size else ""
    lr = tr.get("lr", CodeRecipe.lr)
    flags += f" --lr {lr:g}" if lr != CodeRecipe.lr else ""
    flags += f" --clip {clip:g}" if clip != CodeRecipe.clip else ""
    flags += f" --forget-bias {forget:g}" if forget is not None else ""
    flags += f" --average {average}" if average else ""
    flags += "" if stateful else " --random-windows"
    flags += "" if packages else " --top-level-only"
    flags += "" if docstrings else " --no-docstrings"
    flags += "" if long_strings else " --no-long-strings"
    flags += " --quotes" if quotes else ""
    command = f"`python -m rnnviz.training.codelm train {flags}`"
    lines += ["", f"复现:{command}。" if zh else f"Reproduce: {command}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``train [--seconds S] [--hidden H] …`` writes a model and its cards (``--run DIR``: with
    checkpoints and a log there, ``--resume`` goes on from them); ``export --run DIR`` writes a
    run's last checkpoint as a model; ``cards`` rewrites a model's cards; ``report`` ranks its
    units (``--out``: which folder, default the shipped one, or ``DIR/model`` for a run)."""
    parser = argparse.ArgumentParser(description="Train the code LSTM and report its cells.")
    parser.add_argument("command", choices=["train", "report", "cards", "export"])
    d = CodeRecipe()
    parser.add_argument("--seconds", type=float, default=d.budget_seconds)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--hidden", type=int, default=d.hidden_size)
    parser.add_argument("--layers", type=int, default=d.num_layers)
    parser.add_argument("--seq-len", type=int, default=d.seq_len)
    parser.add_argument("--batch", type=int, default=d.batch_size)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--clip", type=float, default=d.clip)
    parser.add_argument("--forget-bias", type=float, default=None)
    parser.add_argument("--average", type=float, default=d.average)
    parser.add_argument("--no-docstrings", action="store_true", help="train without docstrings")
    parser.add_argument("--quotes", action="store_true", help="one quote style where safe")
    parser.add_argument(
        "--no-long-strings", action="store_true", help="string literals that span lines made empty"
    )
    parser.add_argument(
        "--random-windows", action="store_true", help="the old way: no state carried over"
    )
    parser.add_argument("--top-level-only", action="store_true", help="no packages' modules")
    parser.add_argument("--run", type=Path, default=None, help="checkpoint and log folder")
    parser.add_argument("--resume", action="store_true", help="go on from --run's checkpoint")
    parser.add_argument("--checkpoint-minutes", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=None, help="model folder (default: shipped)")
    parser.add_argument("--eval-chars", type=int, default=100_000, help="held-out characters")
    parser.add_argument("--float16", action="store_true", help="store the weights as float16")
    parser.add_argument(
        "--runs-from", type=Path, default=ASSET, help="the model whose runs the card lists too"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = args.out or (args.run / "model" if args.run and args.command != "export" else ASSET)
    log: Callable[[str], None] = print
    if args.run is not None:
        args.run.mkdir(parents=True, exist_ok=True)
        log_path = args.run / "train.log"

        def log(line: str) -> None:
            stamped = f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {line}"
            print(stamped, flush=True)
            with log_path.open("a", encoding="utf-8") as f:
                f.write(stamped + "\n")

    if args.command == "train":
        recipe = CodeRecipe(
            budget_seconds=args.seconds,
            max_steps=args.max_steps,
            hidden_size=args.hidden,
            num_layers=args.layers,
            seq_len=args.seq_len,
            batch_size=args.batch,
            lr=args.lr,
            clip=args.clip,
            forget_bias=args.forget_bias,
            average=args.average,
            stateful=not args.random_windows,
            packages=not args.top_level_only,
            docstrings=not args.no_docstrings,
            quotes=args.quotes,
            long_strings=not args.no_long_strings,
        )
        log(f"train {'(resume) ' if args.resume else ''}{' '.join(argv or sys.argv[1:])}")
        model = train(recipe, log=log, run=args.run, resume=args.resume,
                      checkpoint_seconds=60 * args.checkpoint_minutes)  # fmt: skip
        best = save(model, out, half=args.float16, runs=earlier_runs(args.runs_from))
        log(f"done: {model.cfg.metrics['held_out_bits_per_char']} bits/char -> {out}")
    elif args.command == "export":  # a run's last checkpoint, averaged, as a model
        if args.run is None:
            parser.error("export needs --run")
        model = from_checkpoint(args.run)
        best = save(model, out, half=args.float16, runs=earlier_runs(args.runs_from))
        bpc = model.cfg.metrics["held_out_bits_per_char"]
        log(f"exported step {model.cfg.training['steps']}: {bpc} bits/char -> {out}")
    elif args.command == "cards":  # rewrite the cards of a trained model
        best = write_cards(load(out), out)
    else:
        model = load(args.run / "model" if args.run and not args.out else out)
        print(report(model, args.eval_chars, False if args.no_docstrings else None))
        return
    for name, by_rep in best.items():
        print(name, ", ".join(f"{b.name(2)} r={b.r:+.3f}" for b in by_rep.values()))


def earlier_runs(folder: Path) -> list[dict[str, Any]]:
    """The runs a model folder's config reports ([] without one)."""
    try:
        return list(load(folder).cfg.metrics.get("runs", []))
    except FileNotFoundError:
        return []


def report(model: CharLM, eval_chars: int = 100_000, docstrings: bool | None = None) -> str:
    """The scorecard of a model as text: per feature and representation the best unit, its r
    and AUROC on held-out text read as the model was trained (``docstrings``: with or without
    them whatever the training did), and the read-out."""
    tr = model.cfg.training
    keep = tr.get("docstrings", True) if docstrings is None else docstrings
    text = held_out_text(eval_chars, keep, tr.get("quotes", False), tr.get("long_strings", True))
    trace, feats = model.trace(text), features(text)
    score, reads = scorecard(trace, feats), readouts(trace, feats)
    layers = model.cfg.num_layers
    lines = [f"{len(text):,} held-out characters; bits/char {bits_per_char(model, text):.3f}"]
    for name, by_rep in score.items():
        cells = [
            f"{b.name(layers)} r={b.r:+.3f}"
            + (f" AUROC={b.auroc:.3f}" if b.auroc is not None else "")
            for b in by_rep.values()
        ]
        lines.append(f"{name:16s} " + " | ".join(cells) + f" | read-out {reads[name]:+.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
