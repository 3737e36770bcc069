"""Your own model as the app shows it: its :class:`Architecture`, the :class:`CustomModel`
(tokens, ids or typed numbers in; trace, head and predictions out), and the size limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import uploads
from ..architecture import Architecture
from ..cells import CELLS
from ..checkpoint_reader import CustomModelError
from ..tracer import Trace, trace_rnn

MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # .streamlit/config.toml server.maxUploadSize agrees (MB)
MAX_STEPS = 500
MAX_LAYERS = 8
MAX_HIDDEN = 2048
MAX_INPUT = 4096
MAX_VOCAB = 200_000  # rows of an embedding or a head
MAX_PARAMS = 16 * 2**20  # recurrent weights + embedding + head: 64 MB as float32
MAX_EXAMPLE_CHARS = 2000
UPLOAD_SUFFIXES = ("safetensors", "pt", "pth")  # what the upload page takes


def upload_suffix_ok(filename: str) -> bool:
    """Whether ``filename`` ends like a file the upload page takes (checked before reading it,
    so the page says which endings it wants instead of the uploader naming a MIME type)."""
    return "." in filename and filename.lower().rsplit(".", 1)[-1] in UPLOAD_SUFFIXES


KNOWN_TASKS = uploads.KNOWN_TASKS
NO_HEAD = "(no head)"  # the one pseudo-label of a model without a linear head

DEFAULT_CELL = next(iter(CELLS))  # the registry's first cell: what a picker opens on


@dataclass(frozen=True)
class CustomModel:
    """An uploaded or random recurrent module with optional embedding, vocabulary and head.

    Input text is tokens of the vocabulary (characters, or words split on spaces), token ids when
    there is an embedding without vocabulary, or numbers (one step per line or ``;``, features
    separated by spaces or commas) when there is no embedding.
    """

    name: str
    arch: Architecture
    rnn: nn.RNNBase
    embedding: torch.Tensor | None  # (V, input_size)
    vocab: tuple[str, ...] | None
    head_weight: torch.Tensor | None  # (n_labels, D * H_out)
    head_bias: torch.Tensor | None  # (n_labels,)
    labels: tuple[str, ...]
    notes: tuple[str, ...]
    digest: str
    task: str = "custom"  # "count" etc. when the file says so (metadata), for the right corpus

    max_chars = MAX_STEPS

    @property
    def kind(self) -> str:
        """Always ``tagger``: one prediction per step (a head-less model has one pseudo-label)."""
        return "tagger"

    @property
    def input_mode(self) -> str:
        """``tokens`` (vocabulary), ``ids`` (embedding only) or ``numbers`` (raw features)."""
        if self.embedding is None:
            return "numbers"
        return "tokens" if self.vocab else "ids"

    @property
    def examples(self) -> tuple[str, ...]:
        """A default input that works for this model."""
        return (self.random_text(8, seed=0),)

    def describe(self) -> str:
        """What was found, in one paragraph."""
        parts = [self.arch.describe()]
        if self.embedding is not None:
            parts.append(f"embedding {tuple(self.embedding.shape)}")
        if self.vocab:
            parts.append(f"vocabulary of {len(self.vocab)}")
        if self.head_weight is not None:
            parts.append(f"linear head to {self.head_weight.shape[0]} outputs")
        return "; ".join(parts)

    @property
    def card(self) -> str:
        """A short model card in Markdown: what the file holds and what was inferred."""
        lines = [f"**{self.name}**", "", self.describe() + ".", ""]
        lines += [f"- {note}" for note in self.notes]
        lines += ["", f"SHA-256 `{self.digest[:16]}…`" if self.digest else ""]
        return "\n".join(lines).strip()

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` in this model's input mode."""
        if self.input_mode == "numbers":
            return [str(i) for i in range(len(_parse_rows(text, self.arch.input_size)))]
        if self.input_mode == "ids":
            return text.replace(",", " ").split()
        assert self.vocab is not None
        if all(len(v) == 1 for v in self.vocab if not _is_special(v)):
            return list(text)
        return text.split()

    def unknown(self, text: str) -> list[bool]:
        """Per token: is it outside the vocabulary (mapped to ``<unk>`` or id 0)."""
        tokens = self.tokenize(text)
        if self.input_mode != "tokens":
            return [False] * len(tokens)
        known = set(self.vocab or ())
        return [t not in known for t in tokens]

    def ids(self, text: str) -> list[int]:
        """Embedding row of every token; raises :class:`CustomModelError` on bad ids."""
        assert self.embedding is not None
        if self.input_mode == "ids":
            try:
                out = [int(t) for t in self.tokenize(text)]
            except ValueError:
                raise CustomModelError(
                    "this model has an embedding but no vocabulary: type token ids such as "
                    "'3 14 15'"
                ) from None
            size = self.embedding.shape[0]
            bad = [i for i in out if not 0 <= i < size]
            if bad:
                raise CustomModelError(
                    f"token ids must be in 0..{size - 1}; got {bad[:5]}",
                    key="cu_err_ids",
                    top=size - 1,
                    bad=", ".join(map(str, bad[:5])),
                )
            return out
        index = {v: i for i, v in enumerate(self.vocab or ())}
        unk = next((index[v] for v in ("<unk>", "[UNK]", "<UNK>", "unk") if v in index), 0)
        return [index.get(t, unk) for t in self.tokenize(text)]

    def _inputs(self, tokens: Sequence[str]) -> torch.Tensor:
        """``(T, input_size)`` for given tokens, no length limit (numbers: one row per token)."""
        if self.input_mode == "numbers":
            rows = _parse_rows("\n".join(tokens), self.arch.input_size)
            return torch.tensor(rows, dtype=torch.float32).reshape(-1, self.arch.input_size)
        sep = " " if self.input_mode == "ids" or any(len(t) != 1 for t in tokens) else ""
        ids = self.ids(sep.join(tokens))
        return self.embedding[torch.tensor(ids, dtype=torch.long)]  # (T, E)

    def inputs(self, text: str) -> torch.Tensor:
        """``(T, input_size)`` float32 sequence fed to ``rnn``."""
        if self.input_mode == "numbers":
            rows = _parse_rows(text, self.arch.input_size)
            x = torch.tensor(rows, dtype=torch.float32).reshape(-1, self.arch.input_size)
        else:
            ids = self.ids(text)
            x = self.embedding[torch.tensor(ids, dtype=torch.long)]  # (T, E)
        if x.shape[0] == 0:
            raise CustomModelError(
                "the input is empty; type at least one step", key="cu_err_no_steps"
            )
        if x.shape[0] > MAX_STEPS:
            raise CustomModelError(
                f"at most {MAX_STEPS} steps; got {x.shape[0]}",
                key="cu_err_steps",
                limit=MAX_STEPS,
                steps=x.shape[0],
            )
        return x

    def trace(self, text: str) -> Trace:
        """Every gate and state on ``text``."""
        return trace_rnn(self.rnn, self.inputs(text), tokens=self.tokenize(text))

    def head(self) -> tuple[np.ndarray, np.ndarray]:
        """``W (n_labels, D*H_out)``, ``b (n_labels,)``; a head-less model gets one zero row."""
        if self.head_weight is None:
            width = _out_width(self.arch)
            return np.zeros((1, width), np.float32), np.zeros(1, np.float32)
        b = self.head_bias if self.head_bias is not None else torch.zeros(self.head_weight.shape[0])
        return self.head_weight.numpy(), b.numpy()

    def scores(self, x: torch.Tensor) -> torch.Tensor:
        """Differentiable ``(T, n_labels)`` head scores from inputs ``x (T, input_size)``."""
        out, _ = self.rnn(x)  # (T, D*H_out)
        w, b = (torch.as_tensor(a) for a in self.head())
        return out @ w.T + b  # (T, n_labels)

    def predict_proba(self, text: str) -> np.ndarray:
        """``(T, n_labels)`` softmax of the head."""
        with torch.no_grad():
            return torch.softmax(self.scores(self.inputs(text)), dim=-1).numpy()

    def predict(self, text: str) -> list[str]:
        """Most likely label per step."""
        return [self.labels[i] for i in self.predict_proba(text).argmax(axis=1)]

    def random_text(self, steps: int = 8, seed: int = 0) -> str:
        """A random input of ``steps`` steps in this model's input mode, at most
        :data:`MAX_EXAMPLE_CHARS` long (wide numeric steps are written as runs, ``0.3*512``)."""
        rng = np.random.default_rng(seed)
        if self.input_mode == "numbers":
            width = self.arch.input_size
            if width * steps <= 250:
                rows = rng.normal(size=(steps, width)).round(2)
                return "\n".join(" ".join(f"{v:g}" for v in row) for row in rows)
            runs = np.diff(np.linspace(0, width, min(width, 8) + 1).round().astype(int))
            values = rng.normal(size=(steps, len(runs))).round(2)
            return "\n".join(
                " ".join(f"{v:g}*{n}" for v, n in zip(row, runs, strict=True)) for row in values
            )
        if self.input_mode == "ids":
            return " ".join(str(i) for i in rng.integers(0, self.embedding.shape[0], steps))
        words = [v for v in (self.vocab or ()) if not _is_special(v) and v.strip()]
        words = [w for w in words if len(w) <= 20] or sorted(words, key=len)[:1]
        if not words:
            return ""
        sep = "" if all(len(w) == 1 for w in words) else " "
        picks = [words[i] for i in rng.integers(0, len(words), steps)]
        while len(picks) > 1 and len(sep.join(picks)) > MAX_EXAMPLE_CHARS:
            picks.pop()
        return sep.join(picks) if len(picks[0]) <= MAX_EXAMPLE_CHARS else ""


def _is_special(token: str) -> bool:
    return token.startswith(("<", "[")) and token.endswith((">", "]")) and len(token) > 2


def _numbers(chunk: str, cap: int) -> list[float]:
    """Numbers separated by spaces or commas; ``v*n`` repeats ``v`` n times (n ≤ ``cap``)."""
    out: list[float] = []
    for item in re.split(r"[\s,]+", chunk.strip()):
        value, star, count = item.partition("*")
        if not value:
            continue
        n = int(count) if star else 1
        if not 1 <= n <= cap - len(out):
            raise ValueError(f"{item!r} repeats more than the {cap} numbers a step has")
        out += [float(value)] * n
    return out


def _parse_rows(text: str, width: int) -> list[list[float]]:
    """Numbers → ``(T, width)`` rows: one step per line or ``;``; for width 1 any separator.

    ``v*n`` stands for ``n`` copies of ``v`` (wide inputs stay short to type and to show).
    """
    cleaned = text.strip()
    if not cleaned:
        return []
    try:
        if width == 1:
            return [[v] for v in _numbers(cleaned.replace(";", " "), MAX_STEPS + 1)]
        rows = [r for r in re.split(r"[;\n]+", cleaned) if r.strip()]
        out = [_numbers(r, width + 1) for r in rows]
    except ValueError as exc:
        raise CustomModelError(f"type numbers only; {exc}", key="cu_err_numbers") from None
    bad = [i for i, r in enumerate(out) if len(r) != width]
    if bad:
        raise CustomModelError(
            f"each step needs {width} numbers (one step per line or ';'); step {bad[0]} has "
            f"{len(out[bad[0]])}",
            key="cu_err_width",
            width=width,
            step=bad[0],
            n=len(out[bad[0]]),
        )
    return out


def _out_width(arch: Architecture) -> int:
    return arch.out_width
