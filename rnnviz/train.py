"""Reproduce every shipped checkpoint: ``python -m rnnviz.train NAME`` (or ``all``).

Seeded; a progress bar on stderr shows loss and the dev score; the best dev epoch is kept,
saved to ``assets/models/NAME/`` and evaluated on the test split (see :mod:`rnnviz.evaluate`).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import metrics
from .data import corpus, counting
from .data.corpus import Example
from .models import ASSETS, ModelConfig, RNNModel, TaskNet, spans_to_words
from .vocab import Vocab, bigrams

CWS_EXAMPLES = (
    "中共中央总书记江泽民发表新年讲话。",
    "研究生命的起源需要耐心。",
    "结婚的和尚未结婚的都来了。",
    "南京市长江大桥今天通车。",
    "我们在北京大学学习中文。",
)
NER_EXAMPLES = (
    "国家主席江泽民在北京会见了联合国秘书长安南。",
    "新华社记者兰红光摄",
    "李鹏总理访问上海浦东新区。",
    "中国人民银行行长戴相龙出席了会议。",
)
POS_EXAMPLES = (
    "迈向充满希望的新世纪。",
    "他在北京大学学习中文。",
    "经济发展速度明显加快了。",
    "这个小女孩非常可爱。",
)
SENTIMENT_EXAMPLES = (
    "这本书写得非常好，推荐大家买！",
    "质量太差了，很失望。",
    "内容还可以，就是物流太慢了。",
    "开始觉得不错，后来发现全是错别字，不推荐。",
    "不是很好看",
)
COUNT_EXAMPLES = (
    "((()))()",
    "(()(()))",
    "((((((((((((((((((((((()))))))))))))))))))))))",
    "(()))((",
    "((()",
)


@dataclass(frozen=True)
class Recipe:
    """Training settings of one shipped model (stored in its config.json under ``training``)."""

    name: str
    task: str
    cell: str
    bidirectional: bool = True
    hidden_size: int = 128
    char_dim: int = 64
    bigram_dim: int = 32
    bigrams: str = "both"
    word_dim: int = 0
    decode: str = "argmax"
    segmenter: str = ""
    epochs: int = 6
    batch_size: int = 64
    lr: float = 3e-3
    # "linear": decay to lr/10 over all steps; "plateau": halve after an epoch without dev gain
    schedule: str = "linear"
    dropout: float = 0.2
    max_len: int = 150  # training chunks are cut at 。！？； to at most this many tokens
    min_char_count: int = 2
    min_bigram_count: int = 5
    min_word_count: int = 2
    count_train: int = 6000  # count: sequences of length ≤ count_max_len
    count_max_len: int = 40
    seed: int = 0
    examples: tuple[str, ...] = ()


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe("cws-bilstm", "cws", "lstm", decode="bmes", epochs=6, examples=CWS_EXAMPLES),
        Recipe("cws-bigru", "cws", "gru", decode="bmes", epochs=6, examples=CWS_EXAMPLES),
        Recipe(
            "pos-bilstm",
            "pos",
            "lstm",
            word_dim=96,
            char_dim=48,
            bigram_dim=0,
            bigrams="none",
            segmenter="cws-bilstm",
            epochs=4,
            examples=POS_EXAMPLES,
        ),
        Recipe(
            "ner-bilstm",
            "ner",
            "lstm",
            decode="bmes",
            epochs=4,
            min_bigram_count=10,  # a smaller table keeps all assets under 25 MB
            examples=NER_EXAMPLES,
        ),
        Recipe(
            "sentiment-gru",
            "sentiment",
            "gru",
            bidirectional=False,
            bigrams="left",
            epochs=3,
            schedule="plateau",
            max_len=400,
            dropout=0.3,
            examples=SENTIMENT_EXAMPLES,
        ),
        Recipe(
            "count-lstm",
            "count",
            "lstm",
            bidirectional=False,
            hidden_size=10,
            char_dim=4,
            bigram_dim=0,
            bigrams="none",
            epochs=12,
            lr=1e-2,
            schedule="plateau",
            dropout=0.0,
            examples=COUNT_EXAMPLES,
        ),
        Recipe(
            "count-gru",
            "count",
            "gru",
            bidirectional=False,
            hidden_size=10,
            char_dim=4,
            bigram_dim=0,
            bigrams="none",
            epochs=12,
            lr=1e-2,
            schedule="plateau",
            dropout=0.0,
            examples=COUNT_EXAMPLES,
        ),
    )
}


class Progress:
    """A small tqdm-like bar on stderr: ``name epoch e/E [####....] i/n loss … dev …``."""

    def __init__(self, label: str, total: int, stream=sys.stderr) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.start = self.last = time.monotonic()
        self.done = 0

    def update(self, done: int, info: str, force: bool = False) -> None:
        self.done = done
        now = time.monotonic()
        if not force and now - self.last < 0.25:
            return
        self.last = now
        width = 24
        filled = int(width * done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        msg = f"\r{self.label} [{bar}] {done}/{self.total} {info} {now - self.start:5.0f}s"
        self.stream.write(msg)
        self.stream.flush()

    def close(self, info: str) -> None:
        self.update(self.total, info, force=True)
        self.stream.write("\n")
        self.stream.flush()


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
        cell=r.cell,
        labels=labels,
        chars=chars.itos,
        bidirectional=r.bidirectional,
        hidden_size=r.hidden_size,
        char_dim=r.char_dim,
        bigram_dim=r.bigram_dim,
        bigrams=r.bigrams,
        bigram_vocab=bigram_vocab,
        word_dim=r.word_dim,
        words=word_list,
        decode=r.decode,
        segmenter=r.segmenter,
        dropout=r.dropout,
        examples=r.examples,
    )


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
    scores = net(ids, lengths)  # (B, T, L)
    if classifier:  # many-to-one: the head on the last real step
        last = scores[torch.arange(len(lengths)), lengths - 1]  # (B, L)
        return nn.functional.cross_entropy(last, labels[:, 0])
    return nn.functional.cross_entropy(scores.flatten(0, 1), labels.flatten(), ignore_index=-100)


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


def fit(
    recipe: Recipe,
    train: Sequence[Example],
    dev: Sequence[Example],
    epochs: int | None = None,
    log: Callable[[str], None] | None = None,
    show_progress: bool = True,
) -> tuple[RNNModel, dict[str, float]]:
    """Train from scratch; return the model of the best dev epoch and its dev metrics."""
    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    config = build_config(recipe, train)
    net = TaskNet(config)
    model = RNNModel(config, net)
    chunks = [c for e in train for c in corpus.chunk(e, recipe.max_len)]
    if config.kind == "classifier":  # keep the end of long reviews: the prediction reads h_T
        chunks = [
            Example(e.index, e.tokens[-recipe.max_len :], e.labels) for e in train if e.tokens
        ]
    data = encode_examples(model, chunks)
    opt = torch.optim.Adam(net.parameters(), lr=recipe.lr)
    n_epochs = recipe.epochs if epochs is None else epochs
    best: tuple[float, dict[str, torch.Tensor], dict[str, float]] | None = None
    lr = recipe.lr
    steps_total = n_epochs * ((len(data) + recipe.batch_size - 1) // recipe.batch_size)
    step_count = 0
    for epoch in range(1, n_epochs + 1):
        net.train()
        plan = batches(data, recipe.batch_size, rng)
        bar = Progress(f"{recipe.name} epoch {epoch}/{n_epochs}", len(plan))
        if not show_progress:
            bar.stream = _Null()
        total = 0.0
        for step, idx in enumerate(plan, 1):
            ids, labels, lengths = collate(data, idx)
            loss = batch_loss(net, ids, labels, lengths, config.kind == "classifier")
            if recipe.schedule == "linear":
                for g in opt.param_groups:
                    g["lr"] = recipe.lr * (1 - 0.9 * step_count / steps_total)
            step_count += 1
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            total += loss.item()
            bar.update(step, f"loss {total / step:.4f}")
        net.eval()
        dev_metrics = score(model, dev)
        bar.close(f"loss {total / len(plan):.4f} dev {dev_metrics['score']:.4f}")
        if log is not None:
            log(f"epoch {epoch}: loss {total / len(plan):.4f} dev {dev_metrics['score']:.4f}")
        if best is None or dev_metrics["score"] > best[0]:
            best = (
                dev_metrics["score"],
                {k: v.clone() for k, v in net.state_dict().items()},
                dev_metrics,
            )
        elif recipe.schedule == "plateau":  # no dev gain: halve the step size
            lr /= 2
            for g in opt.param_groups:
                g["lr"] = lr
    assert best is not None
    net.load_state_dict(best[1])
    net.eval()
    return model, best[2]


class _Null:
    def write(self, _: str) -> None:
        pass

    def flush(self) -> None:
        pass


def train(
    name: str,
    quick: bool = False,
    root: Path = ASSETS,
    evaluate_after: bool = True,
    threads: int = 1,
) -> RNNModel:
    """Train model ``name`` (quick: a short run on a slice) and save it under ``root/name``."""
    if name not in RECIPES:
        raise SystemExit(f"unknown model {name!r}; choose from {sorted(RECIPES)} or 'all'")
    recipe = RECIPES[name]
    # One thread by default: on 2 shared cores, OpenMP threads spinning against other processes
    # made a batch 6x slower with 2 threads than with 1 (measured 5.1 s vs 0.83 s).
    torch.set_num_threads(threads)
    np.random.seed(recipe.seed)
    start = time.monotonic()
    train_set = task_data(recipe.task, "train", recipe)
    dev_set = task_data(recipe.task, "dev", recipe)
    epochs = None
    if quick:
        pick = random.Random(recipe.seed)  # a mixed slice (the review files come sorted by label)
        train_set = pick.sample(train_set, min(3000, len(train_set)))
        dev_set = pick.sample(dev_set, min(300, len(dev_set)))
        epochs = min(recipe.epochs, 4 if recipe.task == "count" else 1)
    model, dev = fit(recipe, train_set, dev_set, epochs=epochs)
    seconds = time.monotonic() - start
    settings = asdict(recipe)
    settings.update(
        quick=quick,
        epochs_run=epochs or recipe.epochs,
        train_examples=len(train_set),
        train_seconds=round(seconds, 1),
        torch=torch.__version__,
        threads=torch.get_num_threads(),
    )
    config = replace(model.config, training=settings, metrics={"dev": dev})
    model = RNNModel(config, model.net)
    folder = root / name
    model.save(folder)
    if evaluate_after:
        from . import evaluate

        evaluate.evaluate(name, root=root, write=True, references=False)
    return model


# Two queues of about equal time (measured on one free core: ~21 and ~17 min); pos comes after
# cws-bilstm because its evaluation segments raw text with that model.
QUEUES = (
    ("cws-bilstm", "pos-bilstm", "sentiment-gru", "count-lstm"),
    ("cws-bigru", "ner-bilstm", "count-gru"),
)


def _run_queue(names: Sequence[str], extra: Sequence[str]) -> int:
    for name in names:
        code = subprocess.run([sys.executable, "-m", "rnnviz.train", name, *extra]).returncode
        if code:
            return code
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", help=f"one of {sorted(RECIPES)} or 'all'")
    parser.add_argument("--quick", action="store_true", help="a short run on a slice (minutes)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument(
        "--jobs", type=int, default=2, help="all: models trained at once, one process each (1 or 2)"
    )
    parser.add_argument("--out", type=Path, default=ASSETS, help="models folder (default: shipped)")
    args = parser.parse_args(argv)
    if args.name != "all":
        train(args.name, quick=args.quick, root=args.out, threads=args.threads)
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
