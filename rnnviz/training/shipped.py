"""Reproduce every shipped checkpoint: ``python -m rnnviz.train NAME`` (or ``all``).

Seeded; a progress bar on stderr shows loss and the dev score; the best dev epoch is kept,
saved to ``assets/models/NAME/`` and evaluated on the test split (see :mod:`.evaluate`).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ..data.corpus import Example
from ..models import ASSETS, RNNModel, TaskNet
from . import evaluate, loop
from .recipes import RECIPES, Recipe
from .tasks import (
    Batch,
    batch_loss,
    batches,
    build_config,
    collate,
    encode_examples,
    jackknifed_lexicon_marks,
    task_data,
    training_examples,
)


def fit(
    recipe: Recipe,
    train: Sequence[Example],
    dev: Sequence[Example],
    epochs: int | None = None,
    log: Callable[[str], None] | None = None,
    show_progress: bool = True,
    on_best: Callable[[RNNModel, int, dict[str, float]], None] | None = None,
) -> tuple[RNNModel, dict[str, float]]:
    """Train from scratch; return the model of the best dev epoch and its dev metrics.

    ``on_best(model, epoch, dev)`` runs after every epoch that improves the dev score, with the
    model holding that epoch's weights (``train`` saves it there, so a killed run keeps its best).
    """
    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    config = build_config(recipe, train)
    net = TaskNet(config)
    model = RNNModel(config, net)
    examples = [e for e in training_examples(recipe, train, config.kind) if e.tokens]
    data = encode_examples(model, examples)
    if recipe.lexicon_folds and config.lexicon_dim:  # the last id column: lexicon marks
        for (ids, _), marks in zip(data, jackknifed_lexicon_marks(recipe, examples), strict=True):
            ids[:, -1] = torch.tensor(marks, dtype=ids.dtype)
    n_epochs = recipe.epochs if epochs is None else epochs
    per_epoch = (len(data) + recipe.batch_size - 1) // recipe.batch_size
    classifier = config.kind == "classifier"
    bars: list[loop.Progress] = []

    def plan(epoch: int) -> Iterator[Batch]:
        order = batches(data, recipe.batch_size, rng)
        stream = sys.stderr if show_progress else None
        bars.append(loop.Progress(f"{recipe.name} epoch {epoch}/{n_epochs}", len(order), stream))
        return (collate(data, idx) for idx in order)

    def loss(net_: torch.nn.Module, batch: Batch) -> tuple[torch.Tensor, None]:
        return batch_loss(net_, *batch, classifier), None  # type: ignore[arg-type]

    def on_epoch(e: loop.Epoch) -> None:
        info = f"loss {e.loss:.4f} dev {e.metrics['score']:.4f}"
        bars[-1].close(info)
        if log is not None:
            log(f"epoch {e.epoch}: {info}")
        if e.best and on_best is not None:
            on_best(model, e.epoch, e.metrics)

    fitted = loop.fit(
        net,
        plan,
        loss,
        lr=recipe.lr,
        epochs=n_epochs,
        schedule=recipe.schedule,  # type: ignore[arg-type]
        total_steps=n_epochs * per_epoch,
        clip=5.0,
        evaluate=lambda: evaluate.score(model, dev),
        on_step=lambda s: bars[-1].update(s.epoch_step, f"loss {s.epoch_loss:.4f}"),
        on_epoch=on_epoch,
        average=recipe.average,
        keep="last" if recipe.train_on_dev else "best",
    )
    return model, fitted.metrics


def with_overrides(recipe: Recipe, overrides: dict[str, str]) -> Recipe:
    """``recipe`` with some fields set from text (``--set hidden_size=256``), each parsed as
    the field's current type: how a variant is tried without editing the shipped recipe."""
    known = recipe.to_json()
    changes: dict[str, object] = {}
    for key, text in overrides.items():
        if key not in known or key in ("name", "examples"):
            raise SystemExit(f"--set {key}: not a recipe field one can set")
        kind = type(known[key])
        try:
            changes[key] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
        except ValueError:
            raise SystemExit(f"--set {key}={text}: not a {kind.__name__}") from None
    return recipe.changed(**changes)


def train(
    name: str,
    quick: bool = False,
    root: Path = ASSETS,
    evaluate_after: bool = True,
    threads: int = 1,
    overrides: dict[str, str] | None = None,
) -> RNNModel:
    """Train model ``name`` (quick: a short run on a slice) and save it under ``root/name``.

    The recipe, the run's facts (time, threads, torch version) and the dev metrics go into
    ``config.json`` beside the architecture, so the folder alone rebuilds and explains the model.
    """
    if name not in RECIPES:
        raise SystemExit(f"unknown model {name!r}; choose from {sorted(RECIPES)} or 'all'")
    recipe = with_overrides(RECIPES[name], overrides or {})
    # One thread by default: on 2 shared cores, OpenMP threads spinning against other processes
    # made a batch 6x slower with 2 threads than with 1 (measured 5.1 s vs 0.83 s).
    torch.set_num_threads(threads)
    np.random.seed(recipe.seed)
    start = time.monotonic()
    train_set = task_data(recipe.task, "train", recipe)
    dev_set = task_data(recipe.task, "dev", recipe)
    if recipe.train_on_dev:  # dev still reports a score each epoch, but on lines it trained on
        train_set = [*train_set, *dev_set]
    epochs = None
    if quick:
        pick = random.Random(recipe.seed)  # a mixed slice (the review files come sorted by label)
        train_set = pick.sample(train_set, min(3000, len(train_set)))
        dev_set = pick.sample(dev_set, min(300, len(dev_set)))
        epochs = min(recipe.epochs, 4 if recipe.task == "count" else 1)

    def saved(model: RNNModel, epochs_run: int, dev: dict[str, float], done: bool) -> RNNModel:
        settings = recipe.to_json()
        settings.update(
            quick=quick,
            epochs_run=epochs_run,
            train_examples=len(train_set),
            train_seconds=round(time.monotonic() - start, 1),
            torch=torch.__version__,
            threads=torch.get_num_threads(),
        )
        if not done:  # a checkpoint of a run still going: its card must not pass for the final
            settings["stopped_after_epoch"] = epochs_run
        config = replace(model.config, training=settings, metrics={"dev": dev})
        out = RNNModel(config, model.net)
        out.save(root / name)
        return out

    def checkpoint(model: RNNModel, epoch: int, dev: dict[str, float]) -> None:
        saved(model, epoch, dev, done=False)
        print(
            f"\n{name}: epoch {epoch} is the best so far, saved to {root / name}", file=sys.stderr
        )

    model, dev = fit(recipe, train_set, dev_set, epochs=epochs, on_best=checkpoint)
    model = saved(model, epochs or recipe.epochs, dev, done=True)
    if evaluate_after:
        evaluate.evaluate(name, root=root, write=True, references=False)
    return model


# Two queues of about equal time (measured on one free core: ~21 and ~17 min); pos comes after
# cws-bilstm because its evaluation segments raw text with that model.
QUEUES = (
    ("cws-bilstm", "pos-bilstm", "sentiment-gru", "count-lstm"),
    ("cws-bigru", "ner-bilstm", "count-gru", "count-rnn"),
)


def _run_queue(names: Sequence[str], extra: Sequence[str]) -> int:
    for name in names:
        code = subprocess.run([sys.executable, "-m", "rnnviz.train", name, *extra]).returncode
        if code:
            return code
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m rnnviz.train NAME|all [--quick] [--threads N] [--jobs N] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", help=f"one of {sorted(RECIPES)} or 'all'")
    parser.add_argument("--quick", action="store_true", help="a short run on a slice (minutes)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument(
        "--jobs", type=int, default=2, help="all: models trained at once, one process each (1 or 2)"
    )
    parser.add_argument("--out", type=Path, default=ASSETS, help="models folder (default: shipped)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="one model: try a variant of its recipe (e.g. --set num_layers=2); use with --out",
    )
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    if overrides and args.name == "all":
        raise SystemExit("--set applies to one model, not 'all'")
    if args.name != "all":
        train(args.name, quick=args.quick, root=args.out, threads=args.threads, overrides=overrides)
        return
    if args.jobs <= 1:
        for name in RECIPES:
            train(name, quick=args.quick, root=args.out, threads=args.threads)
        return
    extra = ["--threads", str(args.threads), "--out", str(args.out)]
    extra += ["--quick"] if args.quick else []
    with ThreadPoolExecutor(len(QUEUES)) as pool:
        codes = list(pool.map(lambda q: _run_queue(q, extra), QUEUES))
    if any(codes):
        raise SystemExit(f"training failed (exit codes {codes})")


if __name__ == "__main__":
    main()
