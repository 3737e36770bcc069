"""Random models, and the plain-string keys the app keeps in session state for a user's own
model (an upload or a random build) and resolves back to the model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from .. import uploads
from ..architecture import flatten, unflatten
from ..cells import CELLS
from ..checkpoint_reader import CustomModelError
from ..schema import Cell
from .infer import load_upload
from .model import DEFAULT_CELL, MAX_UPLOAD_BYTES, NO_HEAD, Architecture, CustomModel, _out_width


def build_random(
    cell: Cell,
    hidden_size: int,
    input_size: int = 8,
    num_layers: int = 1,
    bidirectional: bool = False,
    vocab: Sequence[str] | None = None,
    n_labels: int = 0,
    seed: int = 0,
) -> CustomModel:
    """A model with PyTorch's default random initialisation, reproducible from ``seed``.

    With ``vocab`` it gets an embedding ``(len(vocab), input_size)`` and reads text; with
    ``n_labels > 0`` a linear head.
    """
    if cell not in CELLS:
        raise CustomModelError(f"cell must be one of {tuple(CELLS)}, got {cell!r}")
    for label, value, top in (
        ("hidden size", hidden_size, 512),
        ("input size", input_size, 512),
        ("layers", num_layers, 4),
    ):
        if not 1 <= value <= top:
            raise CustomModelError(f"{label} must be in 1..{top}, got {value}")
    arch = Architecture(cell, input_size, hidden_size, num_layers, bidirectional, True)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        rnn = arch.build().eval()
        rnn.requires_grad_(False)
        embedding = torch.randn(len(vocab), input_size) if vocab else None
        head = nn.Linear(_out_width(arch), n_labels) if n_labels else None
    return CustomModel(
        name=f"random-{cell}-{hidden_size}",
        arch=arch,
        rnn=rnn,
        embedding=embedding,
        vocab=tuple(vocab) if vocab else None,
        head_weight=head.weight.detach() if head else None,
        head_bias=head.bias.detach() if head else None,
        labels=tuple(str(i) for i in range(n_labels)) or (NO_HEAD,),
        notes=(f"random weights, seed {seed}",),
        digest=f"random-{cell}-{input_size}-{hidden_size}-{num_layers}-{bidirectional}-{seed}",
    )


# --- names the app can keep in session state (plain strings) and resolve to a model ---

UPLOAD_PREFIX = uploads.PREFIX
RANDOM_PREFIX = "random:"


def random_arch(cell: Cell = DEFAULT_CELL, hidden: int = 16, input_size: int = 8, layers: int = 1,
                bidirectional: bool = False) -> Architecture:  # fmt: skip
    """The random builder's module (with biases, no projection)."""
    return Architecture(cell, input_size, hidden, layers, bidirectional)


# A random model's key names its architecture flat (stored key → Architecture field).
RANDOM_ARCH_KEYS = {
    "cell": "cell",
    "hidden_size": "hidden_size",
    "input_size": "input_size",
    "num_layers": "num_layers",
    "bidirectional": "bidirectional",
}


@dataclass(frozen=True)
class RandomSpec:
    """The choices of the random builder; ``key()`` is a name that rebuilds the same model."""

    arch: Architecture = field(default_factory=random_arch)
    vocab: str = ""  # characters of a char vocabulary ("" = numeric inputs)
    n_labels: int = 0
    seed: int = 0

    def key(self) -> str:
        """``random:`` + the choices as sorted JSON (the architecture's fields flat)."""
        flat = flatten(self, RANDOM_ARCH_KEYS)
        return RANDOM_PREFIX + json.dumps(flat, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_key(cls, key: str) -> RandomSpec:
        """The spec a :meth:`key` names (ValueError/TypeError for anything else)."""
        data: dict[str, Any] = json.loads(key[len(RANDOM_PREFIX) :])
        if not isinstance(data, dict) or set(data) - {
            "vocab",
            "n_labels",
            "seed",
            *RANDOM_ARCH_KEYS,
        }:
            raise ValueError("unknown fields")
        return cls(**unflatten(data, RANDOM_ARCH_KEYS, random_arch()))

    def build(self) -> CustomModel:
        vocab = ["<unk>", *dict.fromkeys(self.vocab)] if self.vocab else None
        a = self.arch
        return build_random(
            a.cell, a.hidden_size, a.input_size, a.num_layers, a.bidirectional,
            vocab, self.n_labels, self.seed,
        )  # fmt: skip


def save_upload(
    data: bytes, filename: str, session: str, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[str, CustomModel]:
    """Validate an upload (loading it safely) and keep it in the session's folder.

    Returns ``(key, model)``; the key is a plain string naming the session and the file.
    Nothing is written unless the file loads: a refused file changes nothing.
    """
    model = load_upload(data, filename, max_bytes)
    return uploads.store(data, filename, session), model


def resolve(key: str) -> CustomModel:
    """The model behind a key from :func:`save_upload` or :meth:`RandomSpec.key`."""
    if key.startswith(RANDOM_PREFIX):
        try:
            spec = RandomSpec.from_key(key)
        except (ValueError, TypeError) as exc:
            raise CustomModelError(f"not a random-model key: {exc}") from None
        return spec.build()
    if key.startswith(UPLOAD_PREFIX):
        path = uploads.path_of(key)
        model = load_upload(path.read_bytes(), path.name)
        return replace(model, name=uploads.shown_name(key))
    raise CustomModelError(f"not a custom model key: {key[:40]!r}")


def touch(key: str) -> None:
    """Mark the upload behind ``key`` and its session as in use (nothing for other keys)."""
    if key.startswith(UPLOAD_PREFIX):
        uploads.touch_key(key)


def is_custom(key: str) -> bool:
    """Whether a model name refers to an uploaded or random model."""
    return key.startswith((UPLOAD_PREFIX, RANDOM_PREFIX))


def display_name(key: str) -> str:
    """A short human name for a custom-model key."""
    if key.startswith(UPLOAD_PREFIX):
        return uploads.shown_name(key)
    if key.startswith(RANDOM_PREFIX):
        try:
            spec = RandomSpec.from_key(key)
        except (ValueError, TypeError):
            return "random"
        a = spec.arch
        bi = "Bi" if a.bidirectional else ""
        title = CELLS[a.cell].title if a.cell in CELLS else a.cell
        return f"random {bi}{title} {a.hidden_size} (seed {spec.seed})"
    return key
