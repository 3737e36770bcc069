"""The record a shipped model is rebuilt from: :class:`ModelConfig` (``config.json``), the task
names, the checkpoint's file names and format version."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from ..architecture import Architecture, flatten, unflatten
from ..cells import CELLS

Task = Literal["cws", "pos", "ner", "sentiment", "count"]
Kind = Literal["tagger", "classifier"]
TASKS: tuple[str, ...] = ("cws", "pos", "ner", "sentiment", "count")
ASSETS = Path(__file__).resolve().parents[2] / "assets" / "models"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "card.md"
FORMAT_VERSION = 1
DECODES: tuple[str, ...] = ("argmax", "bmes", "crf")


BIGRAM_INPUTS = {"none": 0, "left": 1, "both": 2}


def input_width(c: Any) -> int:
    """Features per token of a model (a :class:`ModelConfig`) or of the recipe that trains one
    (same field names): see :class:`ModelConfig` for what they are, in that order."""
    if c.task == "pos":
        return c.word_dim + 2 * c.char_dim
    return c.char_dim + BIGRAM_INPUTS[c.bigrams] * c.bigram_dim + c.lexicon_dim


def rnn(cell: str, hidden: int = 128, layers: int = 1, bidirectional: bool = True) -> Architecture:
    """A shipped model's recurrent module (``layers`` stacked, dropout between them in training);
    its input width is the model's per-token features (:func:`input_width`), filled in by the
    record that holds it (:class:`ModelConfig`, the training ``Recipe``)."""
    return Architecture(cell, 0, hidden, layers, bidirectional)


# config.json keeps the architecture flat: stored key → Architecture field, and where each
# stands in the file (the order every shipped config.json has).
MODEL_ARCH_KEYS = {
    "cell": "cell",
    "bidirectional": "bidirectional",
    "num_layers": "num_layers",
    "hidden_size": "hidden_size",
}
_FIRST_KEYS = (
    "name",
    "task",
    "cell",
    "labels",
    "chars",
    "bidirectional",
    "num_layers",
    "hidden_size",
)


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model; stored as ``config.json`` next to its weights.

    Input per token (``input_size`` features, concatenated in this order):
    - character tasks: char embedding ``char_dim`` [+ bigram ``c[t-1]c[t]`` ``bigram_dim``]
      [+ bigram ``c[t]c[t+1]`` ``bigram_dim`` when ``bigrams == "both"``] [+ an embedding
      ``lexicon_dim`` of which ``lexicon`` words (2 … ``lexicon_max_len`` characters, from the
      training split) start or end at the character, see :func:`rnnviz.vocab.lexicon_marks`];
    - pos (word tokens): word embedding ``word_dim`` + first-char and last-char embeddings
      (``char_dim`` each), so an unseen word still shows its affixes.
    """

    name: str
    task: str
    arch: Architecture  # the recurrent module (its cell a key of rnnviz.cells.CELLS)
    labels: tuple[str, ...]
    chars: tuple[str, ...]
    char_dim: int = 64
    bigram_dim: int = 0
    bigrams: str = "none"  # "none", "left" (causal, for one-direction models) or "both"
    bigram_vocab: tuple[str, ...] = ()
    word_dim: int = 0
    words: tuple[str, ...] = ()
    lexicon_dim: int = 0
    lexicon_max_len: int = 4
    lexicon: tuple[str, ...] = ()
    # "argmax"; "bmes": Viterbi on log-softmax scores forbidding invalid BMES transitions;
    # "crf": a linear-chain CRF layer (learned transitions, same BMES constraints)
    decode: str = "argmax"
    segmenter: str = ""  # pos: the cws model that splits raw text into words
    max_chars: int = 10_000
    dropout: float = 0.2
    examples: tuple[str, ...] = ()
    training: dict[str, Any] = field(default_factory=dict, compare=False)
    metrics: dict[str, Any] = field(default_factory=dict, compare=False)
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        width = input_width(self)
        if self.arch.input_size != width:  # the input width follows from the features
            object.__setattr__(self, "arch", replace(self.arch, input_size=width))
        if self.arch.cell not in CELLS:
            raise ValueError(f"cell must be one of {tuple(CELLS)}, got {self.arch.cell!r}")
        if self.bigrams not in ("none", "left", "both"):
            raise ValueError(f"bigrams must be none, left or both, got {self.bigrams!r}")
        if self.bigrams == "both" and not self.arch.bidirectional:
            raise ValueError("a one-direction model must not read the right bigram c[t]c[t+1]")
        if self.decode not in DECODES:
            raise ValueError(f"decode must be one of {DECODES}, got {self.decode!r}")
        if self.lexicon_dim and (self.task == "pos" or not self.lexicon):
            raise ValueError("lexicon features need a character task and a lexicon")
        if self.decode == "crf" and self.task == "sentiment":
            raise ValueError("a CRF decodes a tag sequence; a classifier cannot use it")

    @property
    def kind(self) -> Kind:
        return "classifier" if self.task == "sentiment" else "tagger"

    @property
    def num_bigram_inputs(self) -> int:
        return BIGRAM_INPUTS[self.bigrams]

    @property
    def input_size(self) -> int:
        return input_width(self)

    @property
    def lexicon_patterns(self) -> int:
        """Distinct :func:`~rnnviz.vocab.lexicon_marks` patterns (rows of the lexicon table)."""
        return 4 ** (self.lexicon_max_len - 1)

    @property
    def output_size(self) -> int:
        return self.arch.out_width

    def to_json(self) -> dict[str, Any]:
        """The flat ``config.json`` layout, key for key and in the order it has always had."""
        flat = flatten(self, MODEL_ARCH_KEYS)
        return {**{k: flat[k] for k in _FIRST_KEYS}, **flat}

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = CONFIG_FILE) -> ModelConfig:
        known = {f.name for f in fields(cls)} - {"arch"} | set(MODEL_ARCH_KEYS)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{source}: unknown config keys {unknown}")
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(
                f"{source}: format_version {version}, this code reads {FORMAT_VERSION}"
            )
        if "cell" not in data:
            raise ValueError(f"{source}: no cell")
        tuples = {"labels", "chars", "bigram_vocab", "words", "lexicon", "examples"}
        args = {k: tuple(v) if k in tuples else v for k, v in data.items()}
        try:
            return cls(**unflatten(args, MODEL_ARCH_KEYS, rnn("lstm")))
        except TypeError as exc:
            raise ValueError(f"{source}: {exc}") from None
