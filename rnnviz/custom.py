"""Your own model: open an uploaded ``nn.LSTM``/``nn.GRU`` state dict, or build one at random.

Files are read only with ``safetensors`` or ``torch.load(weights_only=True)``: neither runs code
from the file. A pickle that tries to (``__reduce__``) is refused by the restricted unpickler
before any of its calls happen. The architecture (cell, sizes, layers, directions, bias,
projection) is inferred from tensor shapes; an optional embedding ``(V, input_size)``, vocabulary
and linear head are recognised by shape too.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .schema import Cell
from .tracer import Trace, trace_rnn

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_STEPS = 500
MAX_UPLOADS_KEPT = 20
KNOWN_TASKS = ("count", "cws", "ner", "pos", "sentiment")
NO_HEAD = "(no head)"  # the one pseudo-label of a model without a linear head
UPLOAD_DIR = Path(__file__).resolve().parent.parent / ".cache" / "rnnviz" / "uploads"
_RNN_KEY = re.compile(r"^(?P<prefix>.*?)(?P<param>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                      r"_l(?P<layer>\d+)(?P<rev>_reverse)?$")  # fmt: skip
_VOCAB_KEYS = ("vocab", "itos", "tokens", "vocabulary")
_LABEL_KEYS = ("labels", "classes", "label_names")
_HEAD_NAME = re.compile(r"(fc|head|out|linear|classifier|decoder|proj)", re.IGNORECASE)


class CustomModelError(ValueError):
    """A file or a choice that can't become a model; the message says what to do."""


@dataclass(frozen=True)
class Architecture:
    """What the tensor shapes say the recurrent module is."""

    cell: Cell
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    bias: bool
    proj_size: int = 0

    def describe(self) -> str:
        """One line such as ``LSTM, 2 layers, bidirectional, input 16, hidden 32``."""
        parts = [
            self.cell.upper(),
            f"{self.num_layers} layer{'s' if self.num_layers > 1 else ''}",
            "bidirectional" if self.bidirectional else "unidirectional",
            f"input {self.input_size}",
            f"hidden {self.hidden_size}",
        ]
        if self.proj_size:
            parts.append(f"projection {self.proj_size}")
        if not self.bias:
            parts.append("no bias")
        return ", ".join(parts)

    def build(self) -> nn.LSTM | nn.GRU:
        """An untrained module of this architecture (float32, eval mode)."""
        kwargs = dict(
            input_size=self.input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            bias=self.bias,
        )
        if self.cell == "lstm":
            return nn.LSTM(proj_size=self.proj_size, **kwargs).eval()
        return nn.GRU(**kwargs).eval()


@dataclass(frozen=True)
class CustomModel:
    """An uploaded or random recurrent module with optional embedding, vocabulary and head.

    Input text is tokens of the vocabulary (characters, or words split on spaces), token ids when
    there is an embedding without vocabulary, or numbers (one step per line or ``;``, features
    separated by spaces or commas) when there is no embedding.
    """

    name: str
    arch: Architecture
    rnn: nn.LSTM | nn.GRU
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
                raise CustomModelError(f"token ids must be in 0..{size - 1}; got {bad[:5]}")
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
            raise CustomModelError("the input is empty; type at least one step")
        if x.shape[0] > MAX_STEPS:
            raise CustomModelError(f"at most {MAX_STEPS} steps; got {x.shape[0]}")
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
        """A random input of ``steps`` steps in this model's input mode."""
        rng = np.random.default_rng(seed)
        if self.input_mode == "numbers":
            rows = rng.normal(size=(steps, self.arch.input_size)).round(2)
            return "\n".join(" ".join(f"{v:g}" for v in row) for row in rows)
        if self.input_mode == "ids":
            return " ".join(str(i) for i in rng.integers(0, self.embedding.shape[0], steps))
        words = [v for v in (self.vocab or ()) if not _is_special(v) and v.strip()]
        picks = [words[i] for i in rng.integers(0, len(words), steps)]
        return ("" if all(len(w) == 1 for w in words) else " ").join(picks)


def _is_special(token: str) -> bool:
    return token.startswith(("<", "[")) and token.endswith((">", "]")) and len(token) > 2


def _parse_rows(text: str, width: int) -> list[list[float]]:
    """Numbers → ``(T, width)`` rows: one step per line or ``;``; for width 1 any separator."""
    cleaned = text.strip()
    if not cleaned:
        return []
    try:
        if width == 1:
            return [[float(v)] for v in re.split(r"[\s,;]+", cleaned) if v]
        rows = [r for r in re.split(r"[;\n]+", cleaned) if r.strip()]
        out = [[float(v) for v in re.split(r"[\s,]+", r.strip()) if v] for r in rows]
    except ValueError as exc:
        raise CustomModelError(f"type numbers only; {exc}") from None
    bad = [i for i, r in enumerate(out) if len(r) != width]
    if bad:
        raise CustomModelError(
            f"each step needs {width} numbers (one step per line or ';'); step {bad[0]} has "
            f"{len(out[bad[0]])}"
        )
    return out


def read_state_dict(
    data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """Tensors and extras (vocabulary, labels) from ``.safetensors`` or ``.pt``/``.pth`` bytes.

    Never runs code from the file: safetensors holds no code, and ``torch.load`` runs with
    ``weights_only=True``, whose unpickler refuses every global it does not know.
    """
    if len(data) > max_bytes:
        raise CustomModelError(
            f"{filename} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB"
        )
    if not data:
        raise CustomModelError(f"{filename} is empty")
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    extras: dict[str, object] = {}
    if suffix == "safetensors":
        from safetensors import SafetensorError, safe_open
        from safetensors.torch import load

        try:
            tensors = load(data)
        except (SafetensorError, ValueError, RuntimeError) as exc:
            raise CustomModelError(f"{filename} is not a valid safetensors file ({exc})") from None
        extras.update(_safetensors_metadata(data, safe_open))
    elif suffix in ("pt", "pth", "bin"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as exc:
            found = re.search(r"GLOBAL (\S+)", str(exc))
            why = f"it calls {found[1]}" if found else "unsafe pickle"
            raise CustomModelError(
                f"{filename} was refused without running it: it asks to call or build objects "
                f"that are not plain tensors ({why}). Save the state "
                "dict (torch.save(model.state_dict(), path)) or use safetensors."
            ) from None
        except (RuntimeError, EOFError, ValueError, OSError) as exc:
            raise CustomModelError(f"{filename} is not a readable torch file ({exc})") from None
        tensors, extras = _split_state(obj, filename)
    else:
        raise CustomModelError(f"{filename}: upload a .safetensors file or a .pt/.pth state dict")
    return tensors, extras


def _safetensors_metadata(data: bytes, safe_open) -> dict[str, object]:
    """Vocabulary and labels stored as JSON lists in the safetensors header metadata."""
    # The header is 8 bytes of little-endian length, then JSON; read only the metadata part.
    try:
        n = int.from_bytes(data[:8], "little")
        meta = json.loads(data[8 : 8 + n]).get("__metadata__") or {}
    except (ValueError, UnicodeDecodeError):
        return {}
    extras: dict[str, object] = {}
    if meta.get("task") in KNOWN_TASKS:
        extras["task"] = meta["task"]
    for key in (*_VOCAB_KEYS, *_LABEL_KEYS):
        if key in meta:
            try:
                value = json.loads(meta[key])
            except ValueError:
                continue
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                extras["vocab" if key in _VOCAB_KEYS else "labels"] = tuple(value)
    return extras


def _split_state(obj: object, filename: str) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """A (possibly nested) dict of tensors plus optional vocabulary/labels lists."""
    if isinstance(obj, nn.Module):  # not reachable with weights_only, kept for clarity
        obj = obj.state_dict()
    if not isinstance(obj, Mapping):
        raise CustomModelError(
            f"{filename} holds a {type(obj).__name__}, not a state dict; save "
            "model.state_dict() instead"
        )
    tensors: dict[str, torch.Tensor] = {}
    extras: dict[str, object] = {}
    for key, value in obj.items():
        key = str(key)
        if isinstance(value, torch.Tensor):
            tensors[key] = value
        elif isinstance(value, Mapping) and key in ("state_dict", "model", "model_state_dict"):
            inner, inner_extras = _split_state(value, filename)
            tensors.update(inner)
            extras.update(inner_extras)
        elif (
            isinstance(value, Sequence)
            and not isinstance(value, str)
            and all(isinstance(v, str) for v in value)
            and key in (*_VOCAB_KEYS, *_LABEL_KEYS)
        ):
            extras["vocab" if key in _VOCAB_KEYS else "labels"] = tuple(value)
    if not tensors:
        raise CustomModelError(f"{filename} holds no tensors")
    return tensors, extras


def infer_architecture(tensors: Mapping[str, torch.Tensor]) -> tuple[str, Architecture]:
    """``(prefix, architecture)`` of the recurrent module among ``tensors`` (from shapes only)."""
    groups: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        m = _RNN_KEY.match(key)
        if m:
            groups.setdefault(m["prefix"], {})[key[len(m["prefix"]) :]] = value
    if not groups:
        raise CustomModelError(
            "found no recurrent weights: expected names like 'weight_ih_l0', 'weight_hh_l0' "
            f"(optionally with a prefix such as 'rnn.'); the file has {sorted(tensors)[:8]}"
        )
    if len(groups) > 1:
        raise CustomModelError(
            f"found {len(groups)} recurrent modules ({', '.join(p or '(none)' for p in groups)}); "
            "upload one"
        )
    prefix, params = next(iter(groups.items()))
    for need in ("weight_ih_l0", "weight_hh_l0"):
        if need not in params:
            raise CustomModelError(f"missing tensor {prefix}{need}")
    w_ih, w_hh = params["weight_ih_l0"], params["weight_hh_l0"]
    if w_ih.ndim != 2 or w_hh.ndim != 2:
        raise CustomModelError(
            f"{prefix}weight_ih_l0 and weight_hh_l0 must be matrices; got shapes "
            f"{tuple(w_ih.shape)} and {tuple(w_hh.shape)}"
        )
    proj = 0
    if "weight_hr_l0" in params:
        hidden = int(params["weight_hr_l0"].shape[1])
        proj = int(params["weight_hr_l0"].shape[0])
    else:
        hidden = int(w_hh.shape[1])
    rows = int(w_hh.shape[0])
    if hidden == 0 or rows % hidden:
        raise CustomModelError(
            f"{prefix}weight_hh_l0 has shape {tuple(w_hh.shape)}: rows must be 4×hidden (LSTM) "
            "or 3×hidden (GRU)"
        )
    gates = rows // hidden
    if gates == 1:
        raise CustomModelError("this is a plain nn.RNN (1 gate block); rnnviz opens LSTM and GRU")
    if gates not in (3, 4) or (proj and gates != 4):
        raise CustomModelError(
            f"{prefix}weight_hh_l0 has {rows} rows for hidden size {hidden}: {gates} gate "
            "blocks, but an LSTM has 4 and a GRU 3"
        )
    layers = sorted({int(_RNN_KEY.match(prefix + k)["layer"]) for k in params})
    if layers != list(range(len(layers))):
        raise CustomModelError(f"layers must be numbered 0..n-1; found {layers}")
    arch = Architecture(
        cell="lstm" if gates == 4 else "gru",
        input_size=int(w_ih.shape[1]),
        hidden_size=hidden,
        num_layers=len(layers),
        bidirectional=any(k.endswith("_reverse") for k in params),
        bias="bias_ih_l0" in params or "bias_hh_l0" in params,
        proj_size=proj,
    )
    return prefix, arch


def _load_rnn(arch: Architecture, prefix: str, tensors: Mapping[str, torch.Tensor]) -> nn.Module:
    rnn = arch.build()
    own = {
        k[len(prefix) :]: v
        for k, v in tensors.items()
        if _RNN_KEY.match(k) and k.startswith(prefix)
    }
    expected = rnn.state_dict()
    missing = sorted(set(expected) - set(own))
    unexpected = sorted(set(own) - set(expected))
    if missing or unexpected:
        msg = [f"the shapes say {arch.describe()}, but"]
        if missing:
            msg.append(f"missing tensors: {', '.join(prefix + k for k in missing[:6])}")
        if unexpected:
            msg.append(f"unexpected tensors: {', '.join(prefix + k for k in unexpected[:6])}")
        raise CustomModelError("; ".join(msg))
    for key, ref in expected.items():
        if tuple(own[key].shape) != tuple(ref.shape):
            raise CustomModelError(
                f"{prefix}{key} has shape {tuple(own[key].shape)}; {arch.describe()} needs "
                f"{tuple(ref.shape)}"
            )
        if not own[key].is_floating_point():
            raise CustomModelError(f"{prefix}{key} holds {own[key].dtype}, not floating point")
        if not torch.isfinite(own[key]).all():
            raise CustomModelError(f"{prefix}{key} holds NaN or inf")
    rnn.load_state_dict({k: v.float() for k, v in own.items()})
    rnn.requires_grad_(False)
    return rnn


def _out_width(arch: Architecture) -> int:
    return (2 if arch.bidirectional else 1) * (arch.proj_size or arch.hidden_size)


def model_from_tensors(
    tensors: Mapping[str, torch.Tensor],
    extras: Mapping[str, object] | None = None,
    name: str = "custom",
    digest: str = "",
) -> CustomModel:
    """Infer, check and assemble a :class:`CustomModel` from a flat dict of tensors."""
    extras = dict(extras or {})
    prefix, arch = infer_architecture(tensors)
    rnn = _load_rnn(arch, prefix, tensors)
    notes: list[str] = []
    rest = {k: v for k, v in tensors.items() if not _RNN_KEY.match(k)}
    emb_keys = [
        k
        for k, v in rest.items()
        if v.ndim == 2
        and v.shape[1] == arch.input_size
        and v.is_floating_point()
        and not _HEAD_NAME.search(k)
    ]
    emb_keys.sort(key=lambda k: "emb" not in k.lower())
    embedding = None
    if emb_keys:
        key = emb_keys[0]
        embedding = rest.pop(key).float()
        notes.append(f"embedding: {key} {tuple(embedding.shape)}")
    width = _out_width(arch)
    head_w = head_b = None
    head_keys = [k for k, v in rest.items() if v.ndim == 2 and v.shape[1] == width]
    if head_keys:
        key = head_keys[0]
        head_w = rest.pop(key).float()
        bias_key = key[: -len("weight")] + "bias" if key.endswith("weight") else None
        if bias_key in rest and tuple(rest[bias_key].shape) == (head_w.shape[0],):
            head_b = rest.pop(bias_key).float()
        notes.append(f"head: {key} {tuple(head_w.shape)}")
    vocab = extras.get("vocab")
    if vocab is not None and embedding is None:
        notes.append("a vocabulary was found but no embedding; it is ignored")
        vocab = None
    if vocab is not None and len(vocab) != embedding.shape[0]:
        raise CustomModelError(
            f"the vocabulary has {len(vocab)} entries but the embedding {embedding.shape[0]} rows"
        )
    labels = extras.get("labels")
    n_out = head_w.shape[0] if head_w is not None else 0
    if labels is not None and len(labels) != n_out:
        notes.append(f"{len(labels)} labels for {n_out} outputs; labels ignored")
        labels = None
    labels = tuple(labels) if labels else tuple(str(i) for i in range(n_out))
    labels = labels or (NO_HEAD,)
    if rest:
        notes.append(f"ignored: {', '.join(sorted(rest)[:6])}")
    for t in (embedding, head_w, head_b):
        if t is not None and not torch.isfinite(t).all():
            raise CustomModelError("the embedding or head holds NaN or inf")
    return CustomModel(
        name=name,
        arch=arch,
        rnn=rnn,
        embedding=embedding,
        vocab=tuple(vocab) if vocab else None,
        head_weight=head_w,
        head_bias=head_b,
        labels=labels,
        notes=tuple(notes),
        digest=digest,
        task=str(extras.get("task", "custom")),
    )


def load_upload(data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES) -> CustomModel:
    """Bytes of an uploaded file → :class:`CustomModel`, or :class:`CustomModelError`."""
    tensors, extras = read_state_dict(data, filename, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    return model_from_tensors(tensors, extras, name=filename, digest=digest)


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
    if cell not in ("lstm", "gru"):
        raise CustomModelError(f"cell must be 'lstm' or 'gru', got {cell!r}")
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
        rnn = arch.build()
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

UPLOAD_PREFIX = "upload:"
RANDOM_PREFIX = "random:"


@dataclass(frozen=True)
class RandomSpec:
    """The choices of the random builder; ``key()`` is a name that rebuilds the same model."""

    cell: Cell = "lstm"
    hidden_size: int = 16
    input_size: int = 8
    num_layers: int = 1
    bidirectional: bool = False
    vocab: str = ""  # characters of a char vocabulary ("" = numeric inputs)
    n_labels: int = 0
    seed: int = 0

    def key(self) -> str:
        return RANDOM_PREFIX + json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    def build(self) -> CustomModel:
        vocab = ["<unk>", *dict.fromkeys(self.vocab)] if self.vocab else None
        return build_random(
            self.cell, self.hidden_size, self.input_size, self.num_layers, self.bidirectional,
            vocab, self.n_labels, self.seed,
        )  # fmt: skip


def save_upload(
    data: bytes, filename: str, folder: Path = UPLOAD_DIR, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[str, CustomModel]:
    """Validate an upload (loading it safely) and keep it on disk; returns ``(key, model)``.

    Nothing is written unless the file loads: a refused file changes nothing.
    """
    model = load_upload(data, filename, max_bytes)
    ext = filename.lower().rsplit(".", 1)[-1]
    safe = re.sub(r"[^\w.-]+", "_", filename)[:60]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model.digest[:16]}.{ext}"
    if not path.is_file():
        path.write_bytes(data)
    kept = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[MAX_UPLOADS_KEPT:]:  # a bounded folder: the oldest uploads go first
        if old != path:
            old.unlink(missing_ok=True)
    return f"{UPLOAD_PREFIX}{path.name}:{safe}", model


def resolve(key: str, folder: Path = UPLOAD_DIR) -> CustomModel:
    """The model behind a key from :func:`save_upload` or :meth:`RandomSpec.key`."""
    if key.startswith(RANDOM_PREFIX):
        try:
            spec = RandomSpec(**json.loads(key[len(RANDOM_PREFIX) :]))
        except (ValueError, TypeError) as exc:
            raise CustomModelError(f"not a random-model key: {exc}") from None
        return spec.build()
    if key.startswith(UPLOAD_PREFIX):
        stored, _, shown = key[len(UPLOAD_PREFIX) :].partition(":")
        path = folder / Path(stored).name  # never leave the upload folder
        if not path.is_file():
            raise CustomModelError(f"the uploaded file {shown or stored} is gone; upload it again")
        model = load_upload(path.read_bytes(), path.name)
        return CustomModel(**{**model.__dict__, "name": shown or path.name})
    raise CustomModelError(f"not a custom model key: {key[:40]!r}")


def is_custom(key: str) -> bool:
    """Whether a model name refers to an uploaded or random model."""
    return key.startswith((UPLOAD_PREFIX, RANDOM_PREFIX))


def display_name(key: str) -> str:
    """A short human name for a custom-model key."""
    if key.startswith(UPLOAD_PREFIX):
        stored, _, shown = key[len(UPLOAD_PREFIX) :].partition(":")
        return shown or stored
    if key.startswith(RANDOM_PREFIX):
        try:
            spec = RandomSpec(**json.loads(key[len(RANDOM_PREFIX) :]))
        except (ValueError, TypeError):
            return "random"
        bi = "Bi" if spec.bidirectional else ""
        return f"random {bi}{spec.cell.upper()} {spec.hidden_size} (seed {spec.seed})"
    return key
