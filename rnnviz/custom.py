"""Your own model: open an uploaded state dict of any registered cell, or build one at random.

Files are read by :mod:`rnnviz.uploads` (a safetensors header, or ``torch.load(weights_only=True,
mmap=True)``): no code from the file runs, and shapes, dtypes and the size budget
(:data:`MAX_PARAMS`, :data:`MAX_LAYERS`, ...) are checked before any weight is read or any module
is built. The architecture (cell, sizes, layers, directions, bias, projection) is inferred from
tensor shapes (a cell of rnnviz's own is named in the safetensors metadata, ``"cell"``); an
optional embedding ``(V, input_size)``, vocabulary and linear head are recognised by shape too.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import nn

from . import uploads
from .cells import CELLS
from .schema import Cell
from .tracer import Trace, trace_rnn
from .uploads import FLOAT_DTYPES, CustomModelError, TensorSpec, open_checkpoint

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
_RNN_KEY = re.compile(r"^(?P<prefix>.*?)(?P<param>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                      r"_l(?P<layer>\d+)(?P<rev>_reverse)?$")  # fmt: skip
_HEAD_NAME = re.compile(r"(fc|head|out|linear|classifier|decoder|proj)", re.IGNORECASE)


DEFAULT_CELL = next(iter(CELLS))  # the registry's first cell: what a picker opens on


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
            CELLS[self.cell].title,
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

    def build(self) -> nn.RNNBase:
        """An untrained module of this architecture (float32, eval mode)."""
        return (
            CELLS[self.cell]
            .build(
                self.input_size,
                self.hidden_size,
                self.proj_size,
                num_layers=self.num_layers,
                bidirectional=self.bidirectional,
                bias=self.bias,
            )
            .eval()
        )


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


def read_state_dict(
    data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """All tensors and extras (vocabulary, labels) of ``.safetensors`` or ``.pt``/``.pth`` bytes.

    Never runs code from the file (see :mod:`rnnviz.uploads`). :func:`load_upload` instead checks
    the tensor shapes before it reads any weights.
    """
    ck = open_checkpoint(data, filename, max_bytes)
    total = sum(spec.numel for spec in ck.specs.values())
    if total > MAX_PARAMS:
        raise CustomModelError(f"{filename} holds {total:,} numbers; at most {MAX_PARAMS:,}")
    return {k: ck.tensor(k) for k in ck.specs}, ck.extras


def _dtype(t: TensorSpec | torch.Tensor) -> str:
    return t.dtype if isinstance(t.dtype, str) else str(t.dtype).removeprefix("torch.")


def infer_architecture(
    tensors: Mapping[str, TensorSpec | torch.Tensor],
    nonlinearity: str = "tanh",
    cell: str | None = None,
) -> tuple[str, Architecture]:
    """``(prefix, architecture)`` of the recurrent module among ``tensors``: from shapes only
    among the cells PyTorch ships (an ``nn.RNN``'s ``nonlinearity`` cannot be seen in its
    weights: tanh unless told), or of the registered ``cell`` the file's metadata names (a cell
    of our own, whose shapes may look like another's: an sLSTM's like an LSTM's)."""
    groups: dict[str, dict[str, TensorSpec | torch.Tensor]] = {}
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
    named = CELLS.get(cell) if cell else None
    for need in ("weight_ih_l0", "weight_hh_l0"):
        if need not in params and (named is None or named.reads_h or need == "weight_ih_l0"):
            raise CustomModelError(
                f"missing tensor {prefix}{need}", key="cu_err_missing", name=f"{prefix}{need}"
            )
    w_ih, w_hh, w_hr = (
        params["weight_ih_l0"],
        params.get("weight_hh_l0"),
        params.get("weight_hr_l0"),
    )
    if any(w is not None and len(w.shape) != 2 for w in (w_ih, w_hh, w_hr)):
        shapes = ", ".join(f"{n} {tuple(w.shape)}" for n, w in params.items() if "weight" in n)
        raise CustomModelError(f"{prefix}weights of layer 0 must be matrices; got {shapes}")
    if named is not None:  # the metadata names the cell: its own weights say the hidden size
        return prefix, _named_architecture(prefix, params, named)
    hidden, proj = int(w_hh.shape[1]), 0
    if w_hr is not None:
        proj, hidden = int(w_hr.shape[0]), int(w_hr.shape[1])
        if not 0 < proj < hidden:
            raise CustomModelError(
                f"{prefix}weight_hr_l0 has shape {tuple(w_hr.shape)}: the projection size must "
                f"be between 1 and the hidden size - 1 ({hidden - 1})"
            )
    rows = int(w_hh.shape[0])
    if hidden == 0 or rows % hidden:
        raise CustomModelError(
            f"{prefix}weight_hh_l0 has shape {tuple(w_hh.shape)}: rows must be 4×hidden (LSTM), "
            "3×hidden (GRU) or 1×hidden (RNN)"
        )
    gates = rows // hidden
    shipped = [s for s in CELLS.values() if s.kernel and s.nonlinearity in (None, nonlinearity)]
    spec = next((s for s in shipped if s.gate_count == gates), None)
    if spec is None or (proj and not spec.projection):
        blocks = ", ".join(f"{s.title} {s.gate_count}" for s in shipped)
        raise CustomModelError(
            f"{prefix}weight_hh_l0 has {rows} rows for hidden size {hidden}: {gates} gate "
            f"blocks, but PyTorch's cells have: {blocks} (only an LSTM has a projection); a "
            'cell of rnnviz\'s own needs its name in the safetensors metadata ("cell")'
        )
    layers = sorted({int(_RNN_KEY.match(prefix + k)["layer"]) for k in params})
    if layers != list(range(len(layers))):
        raise CustomModelError(f"layers must be numbered 0..n-1; found {layers[:10]}")
    arch = Architecture(
        cell=spec.name,
        input_size=int(w_ih.shape[1]),
        hidden_size=hidden,
        num_layers=len(layers),
        bidirectional=any(k.endswith("_reverse") for k in params),
        bias="bias_ih_l0" in params or "bias_hh_l0" in params,
        proj_size=proj,
    )
    return prefix, _checked(arch)


def _named_architecture(prefix: str, params: Mapping[str, object], spec) -> Architecture:
    """The architecture of a module of ``spec`` (named in the file) from its layer-0 weights."""
    rows, width = (int(n) for n in params["weight_ih_l0"].shape)
    if rows == 0 or rows % spec.gate_count:
        raise CustomModelError(
            f"{prefix}weight_ih_l0 has {rows} rows: a {spec.title} has {spec.gate_count} gate "
            "blocks of hidden size rows each"
        )
    layers = sorted({int(_RNN_KEY.match(prefix + k)["layer"]) for k in params})
    if layers != list(range(len(layers))):
        raise CustomModelError(f"layers must be numbered 0..n-1; found {layers[:10]}")
    return _checked(
        Architecture(
            cell=spec.name,
            input_size=width,
            hidden_size=rows // spec.gate_count,
            num_layers=len(layers),
            bidirectional=any(k.endswith("_reverse") for k in params),
            bias="bias_ih_l0" in params or "bias_hh_l0" in params,
        )
    )


def _checked(arch: Architecture) -> Architecture:
    for what, value, top in (
        ("layers", arch.num_layers, MAX_LAYERS),
        ("hidden size", arch.hidden_size, MAX_HIDDEN),
        ("input size", arch.input_size, MAX_INPUT),
    ):
        if not 1 <= value <= top:
            raise CustomModelError(
                f"the shapes say {value} {what}; rnnviz opens at most {top} (and at least 1)"
            )
    return arch


def _expected(arch: Architecture) -> dict[str, tuple[int, ...]]:
    """Name → shape of every parameter of ``arch``, as its module names them (built on the meta
    device: no memory, and no cell's names written out here)."""
    with torch.device("meta"):
        module = arch.build()
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


@dataclass(frozen=True)
class _Plan:
    """What to read from a file, decided from its tensor specs alone."""

    prefix: str
    arch: Architecture
    embedding: str | None
    head: str | None
    head_bias: str | None
    ignored: tuple[str, ...]

    @property
    def needed(self) -> list[str]:
        own = [self.prefix + k for k in _expected(self.arch)]
        return own + [k for k in (self.embedding, self.head, self.head_bias) if k]


def _plan(specs: Mapping[str, TensorSpec | torch.Tensor], extras: Mapping[str, object]) -> _Plan:
    """Check architecture, shapes, dtypes and the size budget before reading any weight."""
    prefix, arch = infer_architecture(
        specs, str(extras.get("nonlinearity", "tanh")), extras.get("cell")
    )
    own = {k[len(prefix) :]: v for k, v in specs.items() if _RNN_KEY.match(k)}
    expected = _expected(arch)
    missing = sorted(set(expected) - set(own))
    unexpected = sorted(set(own) - set(expected))
    if missing or unexpected:
        msg = [f"the shapes say {arch.describe()}, but"]
        if missing:
            msg.append(f"missing tensors: {', '.join(prefix + k for k in missing[:6])}")
        if unexpected:
            msg.append(f"unexpected tensors: {', '.join(prefix + k for k in unexpected[:6])}")
        raise CustomModelError("; ".join(msg))
    for key, shape in expected.items():
        if tuple(own[key].shape) != shape:
            raise CustomModelError(
                f"{prefix}{key} has shape {tuple(own[key].shape)}; {arch.describe()} needs {shape}"
            )
        if _dtype(own[key]) not in FLOAT_DTYPES:
            raise CustomModelError(
                f"{prefix}{key} holds {_dtype(own[key])}; save float32 (or float16/bfloat16/"
                "float64) weights"
            )
    rest = {k: v for k, v in specs.items() if not _RNN_KEY.match(k)}
    floats = {k: v for k, v in rest.items() if _dtype(v) in FLOAT_DTYPES and len(v.shape) == 2}
    emb_keys = [
        k
        for k, v in floats.items()
        if v.shape[1] == arch.input_size and v.shape[0] > 0 and not _HEAD_NAME.search(k)
    ]
    emb_keys.sort(key=lambda k: "emb" not in k.lower())
    embedding = emb_keys[0] if emb_keys else None
    width = _out_width(arch)
    head_keys = [k for k, v in floats.items() if v.shape[1] == width and k != embedding]
    head = head_keys[0] if head_keys else None
    head_bias = None
    if head is not None and head.endswith("weight"):
        b = rest.get(head[: -len("weight")] + "bias")
        if (
            b is not None
            and tuple(b.shape) == (specs[head].shape[0],)
            and _dtype(b) in FLOAT_DTYPES
        ):
            head_bias = head[: -len("weight")] + "bias"
    for what, key in (("embedding", embedding), ("head", head)):
        if key is not None and specs[key].shape[0] > MAX_VOCAB:
            raise CustomModelError(
                f"the {what} {key} has {specs[key].shape[0]} rows; rnnviz opens at most {MAX_VOCAB}"
            )
    plan = _Plan(prefix, arch, embedding, head, head_bias, ())
    total = sum(math.prod(specs[k].shape) for k in plan.needed)  # Python ints: no overflow
    if total > MAX_PARAMS:
        raise CustomModelError(
            f"{arch.describe()} with its embedding and head has {total:,} parameters; rnnviz "
            f"opens at most {MAX_PARAMS:,} ({MAX_PARAMS * 4 // 2**20} MB of float32)"
        )
    return replace(plan, ignored=tuple(sorted(k for k in rest if k not in plan.needed)))


def _out_width(arch: Architecture) -> int:
    return (2 if arch.bidirectional else 1) * (arch.proj_size or arch.hidden_size)


def _assemble(
    plan: _Plan,
    tensors: Mapping[str, torch.Tensor],
    extras: Mapping[str, object],
    name: str,
    digest: str,
) -> CustomModel:
    """The model from owned tensors of every name in ``plan.needed`` (any float dtype)."""
    arch, prefix = plan.arch, plan.prefix
    weights = {k: tensors[k].float().contiguous() for k in plan.needed}  # float32, owned
    for key, value in weights.items():
        if not torch.isfinite(value).all():
            raise CustomModelError(f"{key} holds NaN or inf")
    with torch.device("meta"):  # no memory until the real weights are assigned
        rnn = arch.build()
    rnn.load_state_dict({k: weights[prefix + k] for k in _expected(arch)}, assign=True)
    rnn.eval().requires_grad_(False)
    notes: list[str] = []
    embedding = weights[plan.embedding] if plan.embedding else None
    if embedding is not None:
        notes.append(f"embedding: {plan.embedding} {tuple(embedding.shape)}")
    head_w = weights[plan.head] if plan.head else None
    head_b = weights[plan.head_bias] if plan.head_bias else None
    if head_w is not None:
        notes.append(f"head: {plan.head} {tuple(head_w.shape)}")
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
    if plan.ignored:
        notes.append(f"ignored: {', '.join(plan.ignored[:6])}")
    return CustomModel(
        name=name,
        arch=arch,
        rnn=rnn,
        embedding=embedding,
        vocab=tuple(vocab) if vocab else None,
        head_weight=head_w,
        head_bias=head_b,
        labels=labels or (NO_HEAD,),
        notes=tuple(notes),
        digest=digest,
        task=str(extras.get("task", "custom")),
    )


def model_from_tensors(
    tensors: Mapping[str, torch.Tensor],
    extras: Mapping[str, object] | None = None,
    name: str = "custom",
    digest: str = "",
) -> CustomModel:
    """Infer, check and assemble a :class:`CustomModel` from a flat dict of tensors (copied)."""
    plan = _plan(tensors, extras or {})
    owned = {k: tensors[k].detach().clone() for k in plan.needed}
    return _assemble(plan, owned, extras or {}, name, digest)


def load_upload(data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES) -> CustomModel:
    """Bytes of an uploaded file → :class:`CustomModel`, or :class:`CustomModelError`.

    Shapes, dtypes and sizes are checked from the file's metadata before any weight is read.
    """
    ck = open_checkpoint(data, filename, max_bytes)
    plan = _plan(ck.specs, ck.extras)
    tensors, extras = {k: ck.tensor(k) for k in plan.needed}, ck.extras
    del ck  # unmaps a .pt before the module is built
    return _assemble(plan, tensors, extras, filename, hashlib.sha256(data).hexdigest())


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

UPLOAD_PREFIX = uploads.PREFIX
RANDOM_PREFIX = "random:"


@dataclass(frozen=True)
class RandomSpec:
    """The choices of the random builder; ``key()`` is a name that rebuilds the same model."""

    cell: Cell = DEFAULT_CELL
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
            spec = RandomSpec(**json.loads(key[len(RANDOM_PREFIX) :]))
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
            spec = RandomSpec(**json.loads(key[len(RANDOM_PREFIX) :]))
        except (ValueError, TypeError):
            return "random"
        bi = "Bi" if spec.bidirectional else ""
        title = CELLS[spec.cell].title if spec.cell in CELLS else spec.cell
        return f"random {bi}{title} {spec.hidden_size} (seed {spec.seed})"
    return key
