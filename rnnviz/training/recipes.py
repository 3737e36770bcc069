"""Recipes: the training settings of every shipped model, one ``Recipe`` per model.

Adding a shipped model of an existing task is one more entry in :data:`RECIPES`; training
(``python -m rnnviz.train NAME``) records the recipe in the model's ``config.json`` under
``training``, beside the architecture (:class:`rnnviz.models.ModelConfig`) it builds.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from ..architecture import Architecture, flatten, unflatten
from ..models.config import input_width, rnn

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


# How a recipe's architecture is stored (config.json ``training``, ``--set``): stored key →
# Architecture field, in the order the flat recipe has always listed them.
RECIPE_ARCH_KEYS = {
    "cell": "cell",
    "bidirectional": "bidirectional",
    "hidden_size": "hidden_size",
    "num_layers": "num_layers",
}


@dataclass(frozen=True)
class Recipe:
    """Training settings of one shipped model (stored in its config.json under ``training``,
    flat: :meth:`to_json`). ``arch`` is the recurrent module the model gets
    (``ModelConfig.arch`` of the trained model equals it)."""

    name: str
    task: str
    arch: Architecture
    char_dim: int = 64
    bigram_dim: int = 32
    bigrams: str = "both"
    word_dim: int = 0
    lexicon_dim: int = 0  # cws: embed which training-split words start/end at each character
    lexicon_max_len: int = 4
    min_lexicon_count: int = 2
    # > 0: a training chunk's lexicon marks come from a lexicon built without its fold (of this
    # many), so training sees unseen words as test text does; dev and test use the full lexicon
    lexicon_folds: int = 0
    decode: str = "argmax"  # "argmax", "bmes" or "crf" (see rnnviz.models.ModelConfig)
    segmenter: str = ""
    epochs: int = 6
    batch_size: int = 64
    lr: float = 3e-3
    # "linear": decay to lr/10 over all steps; "plateau": halve after an epoch without dev gain
    schedule: str = "linear"
    dropout: float = 0.2
    # > 0: score, keep and ship an exponential moving average of the weights (decay per step)
    average: float = 0.0
    # the dev lines join the training data; the last epoch is kept (dev can no longer select)
    train_on_dev: bool = False
    max_len: int = 150  # training chunks are cut at 。！？； to at most this many tokens
    min_char_count: int = 2
    min_bigram_count: int = 5
    min_word_count: int = 2
    count_train: int = 6000  # count: sequences of length ≤ count_max_len
    count_max_len: int = 40
    seed: int = 0
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        width = input_width(self)
        if self.arch.input_size != width:  # the input width follows from the features
            object.__setattr__(self, "arch", replace(self.arch, input_size=width))
        if self.lexicon_dim and self.task != "cws":
            raise ValueError("lexicon features are built from segmented words: cws only")
        if self.schedule not in ("linear", "plateau"):
            raise ValueError(f"schedule must be 'linear' or 'plateau', got {self.schedule!r}")

    def to_json(self) -> dict[str, Any]:
        """The flat form stored in ``config.json``'s ``training`` (``cell``, ``bidirectional``,
        ``hidden_size``, ``num_layers`` where ``arch`` stands)."""
        return flatten(self, RECIPE_ARCH_KEYS)

    @classmethod
    def from_training(cls, training: dict[str, Any]) -> Recipe:
        """The recipe recorded in a ``config.json``'s ``training`` section (extra keys ignored)."""
        known = {f.name for f in fields(cls)} | set(RECIPE_ARCH_KEYS)
        args = {k: v for k, v in training.items() if k in known}
        if "examples" in args:
            args["examples"] = tuple(args["examples"])
        return cls(**unflatten(args, RECIPE_ARCH_KEYS, rnn("lstm")))

    def changed(self, **flat: Any) -> Recipe:
        """This recipe with some fields changed by their stored names (``hidden_size=256``)."""
        unknown = sorted(set(flat) - set(self.to_json()))
        if unknown:
            raise ValueError(f"not recipe fields: {unknown}")
        return Recipe.from_training({**self.to_json(), **flat})


def recipe_of(name: str, training: dict[str, Any]) -> Recipe:
    """The shipped recipe of ``name``, else the one a model trained elsewhere recorded."""
    return RECIPES.get(name) or Recipe.from_training(training)


def _count(cell: str, layers: int = 1) -> Recipe:
    """The counting task's recipe for ``cell``: every cell trains the same way, so they compare."""
    return Recipe(
        f"count-{cell}",
        "count",
        rnn(cell, hidden=10, layers=layers, bidirectional=False),
        char_dim=4,
        bigram_dim=0,
        bigrams="none",
        epochs=12,
        lr=1e-2,
        schedule="plateau",
        dropout=0.0,
        examples=COUNT_EXAMPLES,
    )


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "cws-bilstm",
            "cws",
            rnn("lstm", layers=2),  # the better of 1 and 2 layers on dev (0.9655 vs 0.9645)
            decode="crf",
            bigram_dim=64,
            min_bigram_count=3,  # counted on both sides: a bigram seen about twice
            lexicon_dim=32,
            lexicon_folds=5,
            dropout=0.3,
            epochs=10,
            average=0.998,
            train_on_dev=True,  # the recipe chosen on dev, then retrained with the dev lines
            examples=CWS_EXAMPLES,
        ),
        Recipe("cws-bigru", "cws", rnn("gru"), decode="bmes", epochs=6, examples=CWS_EXAMPLES),
        Recipe(
            "pos-bilstm",
            "pos",
            rnn("lstm"),
            word_dim=96,
            char_dim=48,
            bigram_dim=0,
            bigrams="none",
            segmenter="cws-bilstm",
            dropout=0.3,
            epochs=8,
            examples=POS_EXAMPLES,
        ),
        Recipe(
            "ner-bilstm",
            "ner",
            rnn("lstm"),
            decode="crf",
            epochs=8,
            dropout=0.3,
            min_bigram_count=10,  # a smaller table keeps all assets under 25 MB
            examples=NER_EXAMPLES,
        ),
        Recipe(
            "sentiment-gru",
            "sentiment",
            rnn("gru", bidirectional=False),
            bigrams="left",
            epochs=6,
            schedule="plateau",
            max_len=400,
            dropout=0.3,
            examples=SENTIMENT_EXAMPLES,
        ),
        _count("lstm"),
        _count("rnn"),
        # one layer: 0.066 on test (dev 0.076); a gate reading x alone cannot keep
        _count("mingru", layers=2),
        _count("slstm"),
        _count("gru"),
    )
}
