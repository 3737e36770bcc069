"""What "a model the app can show" is, and one pass of a sentence through it.

Shipped, uploaded, live-trained and code models all implement :class:`ShowableModel`.
:func:`run` is the only place a sentence meets a model: it tokenizes once, runs the recurrent
module once (through the tracer, whose output equals the module's own) and applies the head to
the trace's output. Everything downstream (figures, analysis, pages) reads the :class:`Run` it
returns and never runs the model again (bertviz's rule: the renderer never runs the model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import nn

from ..analysis.decompose import ScoreSplit, split_scores
from ..tracer import Trace, trace_rnn


@dataclass(frozen=True)
class Prepared:
    """A text made ready for the RNN: its tokens, which are unknown, and the input vectors."""

    tokens: tuple[str, ...]
    unknown: tuple[bool, ...]
    inputs: torch.Tensor  # (T, input_size) float


class EmptyText(ValueError):
    """The text has no tokens (raised by :func:`run`, so callers need not tokenize to check)."""


@runtime_checkable
class ShowableModel(Protocol):
    """The interface every model the app shows implements (duck-typed; see ``run``)."""

    @property
    def name(self) -> str: ...
    @property
    def task(self) -> str: ...
    @property
    def kind(self) -> str: ...  # "tagger" (a label per token) or "classifier" (one label)
    @property
    def labels(self) -> Sequence[str]: ...
    @property
    def examples(self) -> Sequence[str]: ...
    @property
    def max_chars(self) -> int: ...
    @property
    def rnn(self) -> nn.RNNBase: ...

    def tokenize(self, text: str) -> list[str]: ...
    def prepare(self, text: str) -> Prepared: ...
    def head(self) -> tuple[np.ndarray, np.ndarray]: ...  # W (labels, D*H), b (labels,)
    def decode(self, scores: np.ndarray) -> list[str]: ...  # scores (T, labels) -> labels


@dataclass(frozen=True)
class Run:
    """One sentence through one model: everything the pages show, computed once."""

    model: str  # the model's name (shipped name or the user's own model's key)
    text: str
    tokens: tuple[str, ...]
    unknown: tuple[bool, ...]
    trace: Trace
    labels: tuple[str, ...]
    scores: np.ndarray  # (T, labels) head logits at every step
    proba: np.ndarray  # (T, labels) softmax of scores (a CRF model: its marginals)
    predicted: tuple[str, ...]  # a label per token (tagger) or one label (classifier)
    split: ScoreSplit  # scores split exactly into forward + backward + bias
    task: str
    kind: str

    def __post_init__(self) -> None:
        n = len(self.tokens)
        for what, size in (
            ("unknown", len(self.unknown)),
            ("trace", self.trace.length),
            ("scores", len(self.scores)),
            ("proba", len(self.proba)),
        ):
            if size != n:
                raise ValueError(f"Run: {n} tokens but {what} has {size} steps")
        if self.kind == "tagger" and len(self.predicted) != n:
            raise ValueError(f"Run: {n} tokens but {len(self.predicted)} predicted labels")

    @property
    def length(self) -> int:
        return len(self.tokens)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(T, labels)`` scores, float32."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def argmax_decode(labels: Sequence[str], kind: str, scores: np.ndarray) -> list[str]:
    """The most likely label per step (tagger) or at the last step (classifier)."""
    if kind == "classifier":
        return [labels[int(scores[-1].argmax())]]
    return [labels[int(i)] for i in scores.argmax(axis=1)]


def prepare(model: ShowableModel, text: str) -> Prepared:
    """``model.prepare(text)``, or the same from ``tokenize``/``unknown``/``inputs``."""
    if hasattr(model, "prepare"):
        return model.prepare(text)
    tokens = tuple(model.tokenize(text))
    unknown = tuple(bool(u) for u in model.unknown(text)) if tokens else ()
    x = model.inputs(text) if tokens else torch.zeros(0, model.rnn.input_size)
    return Prepared(tokens, unknown, x)


def run(model: ShowableModel, text: str, name: str | None = None) -> Run:
    """Tokenize ``text`` once, trace the RNN once, apply the head to the trace's output.

    ``name`` is what the Run calls the model (default ``model.name``). Raises ``ValueError``
    for a text without tokens (:class:`EmptyText`; and whatever the model raises for text it
    cannot read).
    """
    prep = prepare(model, text)
    if not prep.tokens:
        raise EmptyText("the text has no tokens; type at least one character")
    trace = trace_rnn(model.rnn, prep.inputs, tokens=list(prep.tokens))
    weight, bias = (np.asarray(a, dtype=np.float32) for a in model.head())
    hidden = trace.hidden()  # (T, D*H)
    labels = tuple(model.labels) or tuple(str(k) for k in range(len(bias)))
    split = split_scores(hidden, weight, bias, labels, len(trace.directions))
    scores = np.asarray(split.total, dtype=np.float32)  # (T, labels) == hidden @ W.T + b
    decode = getattr(model, "decode", None)
    probabilities = getattr(model, "probabilities", None)  # e.g. a CRF's marginals
    predicted = decode(scores) if decode else argmax_decode(labels, model.kind, scores)
    return Run(
        model=name or str(getattr(model, "name", "model")),
        text=text,
        tokens=prep.tokens,
        unknown=prep.unknown,
        trace=trace,
        labels=labels,
        scores=scores,
        proba=probabilities(scores) if probabilities else softmax(scores),
        predicted=tuple(predicted),
        split=split,
        task=str(model.task),
        kind=str(model.kind),
    )
