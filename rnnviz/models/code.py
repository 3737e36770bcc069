"""The code language model: characters → Embedding → LSTM → Linear over the characters
(:class:`CharLM`), rebuilt from ``assets/code/code-lstm/`` (``config.json`` = :class:`CodeConfig`,
``model.safetensors``). Trained by :mod:`rnnviz.training.codelm`; its cells are read by
:mod:`rnnviz.analysis.codecells`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from ..architecture import Architecture, flatten, unflatten
from ..tracer import Trace, trace_rnn

ASSET = Path(__file__).resolve().parents[2] / "assets" / "code" / "code-lstm"

UNK = "\x00"
CODE_CELL = "lstm"  # the paper's cell; the checkpoint's names are nn.LSTM's


def code_arch(embed_size: int = 32, hidden_size: int = 128, num_layers: int = 1) -> Architecture:
    """A code model's recurrent module: an LSTM (Karpathy et al.'s model), one direction,
    reading the character embeddings."""
    return Architecture(CODE_CELL, embed_size, hidden_size, num_layers)


# How a code model's architecture is stored (config.json, the recipe in a run's checkpoint):
# stored key → Architecture field; the cell and the one direction are the code model's own.
CODE_ARCH_KEYS = {
    "embed_size": "input_size",
    "hidden_size": "hidden_size",
    "num_layers": "num_layers",
}


@dataclass(frozen=True)
class CodeConfig:
    """The language model's architecture and vocabulary, stored as ``config.json`` beside the
    weights (flat: ``chars``, ``embed_size``, ``hidden_size``, ``num_layers``, ``training``,
    ``metrics``); ``training`` holds the recipe and run facts, ``metrics`` the held-out scores."""

    chars: str  # index 0 is the unknown character
    arch: Architecture = field(default_factory=code_arch)
    training: dict[str, Any] = field(default_factory=dict, compare=False)
    metrics: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return flatten(self, CODE_ARCH_KEYS)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CodeConfig:
        """Read ``config.json``; the first shipped layout kept run facts and scores at top level."""
        data = dict(data)
        training = dict(data.pop("training", {}))
        metrics = dict(data.pop("metrics", {}))
        for key in _FIRST_LAYOUT_TRAINING:
            if key in data:
                training[key] = data.pop(key)
        for key in _FIRST_LAYOUT_METRICS:
            if key in data:
                metrics[key] = data.pop(key)
        known = {f.name for f in fields(cls)} - {"arch"} | set(CODE_ARCH_KEYS)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"code model config: unknown keys {unknown}")
        args = unflatten(data, CODE_ARCH_KEYS, code_arch())
        return cls(**args, training=training, metrics=metrics)


_FIRST_LAYOUT_TRAINING = ("train_chars", "steps", "seconds", "held_out_files")

_FIRST_LAYOUT_METRICS = ("held_out_bits_per_char",)


class CharLM(nn.Module):
    """Embedding → LSTM (``cfg.arch.num_layers`` stacked) → Linear over the characters."""

    def __init__(self, cfg: CodeConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(len(cfg.chars), cfg.arch.input_size)
        self.rnn = cfg.arch.build(batch_first=True)
        self.head = nn.Linear(cfg.arch.out_width, len(cfg.chars))
        self.index = {c: i for i, c in enumerate(cfg.chars)}

    def encode(self, text: str) -> torch.Tensor:
        """Character ids ``(T,)``; unknown characters map to 0."""
        return torch.tensor([self.index.get(c, 0) for c in text], dtype=torch.long)

    def forward(self, ids: torch.Tensor, state=None):
        out, state = self.rnn(self.emb(ids), state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)

    def trace(self, text: str) -> Trace:
        """Every gate and state of the LSTM on ``text`` (one character per step)."""
        with torch.no_grad():
            x = self.emb(self.encode(text))  # (T, E)
        return trace_rnn(self.rnn, x, tokens=list(text))


def load(folder: Path = ASSET) -> CharLM:
    """The shipped code language model (eval mode)."""
    cfg_path, w_path = folder / "config.json", folder / "model.safetensors"
    if not cfg_path.is_file() or not w_path.is_file():
        raise FileNotFoundError(
            f"{folder} has no model; train it with python -m rnnviz.training.codelm train"
        )
    model = CharLM(CodeConfig.from_json(json.loads(cfg_path.read_text(encoding="utf-8"))))
    model.load_state_dict(load_file(str(w_path)))
    return model.eval()
