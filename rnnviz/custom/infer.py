"""Open a checkpoint safely: infer the architecture from tensor shapes (or the cell named in
the metadata), check shapes, dtypes and the size budget before reading a weight, assemble the
model."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import torch

from ..cells import CELLS
from ..checkpoint_reader import FLOAT_DTYPES, CustomModelError, TensorSpec, open_checkpoint
from .model import (
    MAX_HIDDEN,
    MAX_INPUT,
    MAX_LAYERS,
    MAX_PARAMS,
    MAX_UPLOAD_BYTES,
    MAX_VOCAB,
    NO_HEAD,
    Architecture,
    CustomModel,
    _out_width,
)

_RNN_KEY = re.compile(r"^(?P<prefix>.*?)(?P<param>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                      r"_l(?P<layer>\d+)(?P<rev>_reverse)?$")  # fmt: skip
_HEAD_NAME = re.compile(r"(fc|head|out|linear|classifier|decoder|proj)", re.IGNORECASE)


def read_state_dict(
    data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """All tensors and extras (vocabulary, labels) of ``.safetensors`` or ``.pt``/``.pth`` bytes.

    Never runs code from the file (see :mod:`rnnviz.checkpoint_reader`). :func:`load_upload` instead checks
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
