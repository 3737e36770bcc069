"""Training of the code model: a character-level LSTM language model of Python source.

``python -m rnnviz.training.codelm train`` (70 minutes of one core) trains on the standard library's
training files through the one loop (truncated BPTT, each batch row reading its own stretch of
text with the state carried from window to window) and writes
``assets/code/code-lstm/``: weights, ``config.json`` (architecture + ``training`` recipe and run
facts + ``metrics``) and cards (en, zh) with the best unit per feature on held-out files.
The model lives in :mod:`rnnviz.models.code`, its data split in :mod:`rnnviz.data.code`, its
analysis in :mod:`rnnviz.analysis.codecells`, the recipe in :mod:`.code_recipe` and the cards
in :mod:`.code_card` (re-exported here).
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from ..analysis.codecells import BestUnit
from ..data.code import held_out_text, read_text, split_of, stdlib_files
from ..models.code import ASSET, UNK, CharLM, CodeConfig, load
from . import loop
from .code_card import bits_per_char, card, earlier_runs, report, run_summary, write_cards
from .code_recipe import CodeRecipe

__all__ = [
    "CHECKPOINT",
    "CodeRecipe",
    "bits_per_char",
    "card",
    "earlier_runs",
    "finish",
    "from_checkpoint",
    "init_forget_bias",
    "main",
    "report",
    "run_summary",
    "save",
    "train",
    "training_files",
    "training_text",
    "write_cards",
]


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
_DEFAULT = CodeRecipe()  # a frozen record: safe as a default


def train(
    recipe: CodeRecipe = _DEFAULT,
    text: str | None = None,
    log: Callable[[str], None] | None = print,
    held_out_chars: int = 200_000,
    run: Path | None = None,
    resume: bool = False,
    checkpoint_seconds: float = 300.0,
    init_from: Path | None = None,
) -> CharLM:
    """Train on ``text`` (default: the stdlib training files) within the recipe's budget.

    ``run``: a folder that gets ``checkpoint.pt`` every ``checkpoint_seconds`` and at the end
    (raw weights, Adam, the weight average, step, time, where each batch row stands in the
    text, its carried state, the random generators); ``resume=True`` goes on from it (the
    recipe's budget and step limit may grow; the rest of the recipe is the checkpoint's).
    ``init_from``: another run's folder whose last checkpoint (weights, Adam, the average, step
    and time) this run goes on from on text prepared as ``recipe`` says (docstrings, quotes,
    long strings); the rest of the recipe is that checkpoint's, and the model's config records
    what the first part was (``training["continued_from"]``).
    """
    r = recipe
    saved = None
    continued: dict[str, Any] | None = None
    if init_from is not None and not resume:
        saved = torch.load(init_from / CHECKPOINT, weights_only=False)
        first = CodeRecipe.from_json(saved["recipe"])
        continued = {"run": init_from.name, "recipe": saved["recipe"], "steps": saved["step"],
                     "seconds": round(saved["seconds"], 1), "train_chars": saved["train_chars"]}  # fmt: skip
        r = replace(first, budget_seconds=r.budget_seconds, max_steps=r.max_steps,
                    docstrings=r.docstrings, quotes=r.quotes, long_strings=r.long_strings,
                    packages=r.packages)  # fmt: skip
    elif resume:
        if run is None or not (run / CHECKPOINT).is_file():
            raise FileNotFoundError(f"nothing to resume: no {CHECKPOINT} in {run}")
        saved = torch.load(run / CHECKPOINT, weights_only=False)
        r = replace(CodeRecipe.from_json(saved["recipe"]), budget_seconds=r.budget_seconds,
                    max_steps=r.max_steps)  # fmt: skip
        continued = saved.get("continued_from")
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
    cfg = CodeConfig(chars=chars, arch=r.arch)
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
        if continued is None or resume:  # the same text: go on where the rows stood
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
            "recipe": r.to_json(), "chars": chars, "train_chars": len(text),
            "step": s.step, "seconds": s.seconds,
            "weights": model.state_dict(), "optimizer": s.optimizer, "average": s.average,
            "carried": carried[0], "position": list(position),
            "torch_rng": torch.get_rng_state(), "numpy_rng": rng.bit_generator.state,
            "continued_from": continued,
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
    return finish(model, r, fitted.steps, fitted.seconds, len(text), held_out_chars, continued)


def finish(model: CharLM, r: CodeRecipe, steps: int, seconds: float, train_chars: int,
           held_out_chars: int = 200_000, continued: dict[str, Any] | None = None) -> CharLM:  # fmt: skip
    """Store the recipe, run facts (``continued``: the run this one went on from) and held-out
    bits/char in the model's config."""
    held = [p.name for p in stdlib_files() if split_of(p) == "test"]
    held_text = held_out_text(held_out_chars, r.docstrings, r.quotes, r.long_strings)
    bpc = bits_per_char(model, held_text)
    facts: dict[str, Any] = {
        "train_chars": train_chars,
        "steps": steps,
        "seconds": round(seconds, 1),
    }
    if continued is not None:
        facts["continued_from"] = continued
    model.cfg = replace(
        model.cfg,
        training={**r.to_json(), **facts, "held_out_files": held, "torch": torch.__version__},
        metrics={"held_out_bits_per_char": round(bpc, 4)},
    )
    return model


def from_checkpoint(run: Path, held_out_chars: int = 200_000) -> CharLM:
    """The model of a run's last checkpoint with its weight average (what would be shipped)."""
    saved = torch.load(run / CHECKPOINT, weights_only=False)
    r = CodeRecipe.from_json(saved["recipe"])
    cfg = CodeConfig(chars=saved["chars"], arch=r.arch)
    model = CharLM(cfg)
    model.load_state_dict(saved["weights"])
    if saved["average"]:
        params = [p for p in model.parameters() if p.requires_grad]
        with torch.no_grad():
            for p, v in zip(params, saved["average"], strict=True):
                p.copy_(v)
    model.eval()
    chars = saved.get("train_chars", 0)
    return finish(model, r, saved["step"], saved["seconds"], chars, held_out_chars,
                  saved.get("continued_from"))  # fmt: skip


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
    parser.add_argument("--hidden", type=int, default=d.arch.hidden_size)
    parser.add_argument("--layers", type=int, default=d.arch.num_layers)
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
    parser.add_argument(
        "--init-from",
        type=Path,
        default=None,
        help="go on from another run's checkpoint on text prepared as this command says",
    )
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
            arch=replace(d.arch, hidden_size=args.hidden, num_layers=args.layers),
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
                      checkpoint_seconds=60 * args.checkpoint_minutes, init_from=args.init_from)  # fmt: skip
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


if __name__ == "__main__":
    main()
