"""Reading an uploaded checkpoint safely, from its metadata first.

:func:`open_checkpoint` returns the name, dtype and shape of every tensor without reading any
weights: a safetensors header is parsed here (JSON, bounded in size and depth), a ``.pt`` is a
torch zip whose entries must be stored uncompressed and whose pickle is opened with
``torch.load(weights_only=True, mmap=True)`` (tensors are views of a mapped file until copied).
The caller validates sizes and only then copies the tensors it needs (:meth:`Checkpoint.tensor`).
Keeping the files per session is :mod:`rnnviz.uploads` (which re-exports all of this).
"""

from __future__ import annotations

import io
import json
import math
import pickle
import re
import tempfile
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .cells import CELLS

MAX_HEADER_BYTES = 8 * 2**20  # a safetensors JSON header, or a .pt's data.pkl
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
_ST_DTYPES = {  # safetensors dtype → (torch dtype name, bytes per element)
    "F64": ("float64", 8), "F32": ("float32", 4), "F16": ("float16", 2), "BF16": ("bfloat16", 2),
    "I64": ("int64", 8), "I32": ("int32", 4), "I16": ("int16", 2), "I8": ("int8", 1),
    "U8": ("uint8", 1), "U16": ("uint16", 2), "U32": ("uint32", 4), "U64": ("uint64", 8),
    "BOOL": ("bool", 1), "C64": ("complex64", 8), "F8_E4M3": ("float8_e4m3fn", 1),
    "F8_E5M2": ("float8_e5m2", 1),
}  # fmt: skip
_NESTED = ("state_dict", "model", "model_state_dict")
VOCAB_KEYS = ("vocab", "itos", "tokens", "vocabulary")
LABEL_KEYS = ("labels", "classes", "label_names")
KNOWN_TASKS = ("count", "cws", "ner", "pos", "sentiment")


class CustomModelError(ValueError):
    """A file or a choice that can't become a model; the message says what to do.

    ``key`` and ``params`` name a translated message (``rnnviz.i18n``) when the UI shows one.
    """

    def __init__(self, message: str, key: str = "", **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class TensorSpec:
    """What a file says a tensor is, before any of its bytes are read."""

    dtype: str  # torch dtype name: "float32", "int64", ...
    shape: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass
class Checkpoint:
    """Tensor specs and extras (vocabulary, labels, task) of a file; tensors copied on demand."""

    filename: str
    specs: dict[str, TensorSpec]
    extras: dict[str, object]
    _data: bytes = b""
    _offsets: dict[str, tuple[int, int]] = field(default_factory=dict)  # safetensors
    _mapped: dict[str, torch.Tensor] = field(default_factory=dict)  # .pt, views of a mapped file

    def tensor(self, name: str) -> torch.Tensor:
        """An owned, contiguous copy of tensor ``name`` in its file dtype."""
        spec = self.specs[name]
        if name in self._mapped:
            return self._mapped[name].clone(memory_format=torch.contiguous_format)
        dtype = getattr(torch, spec.dtype, None)
        if not isinstance(dtype, torch.dtype):
            raise CustomModelError(f"{self.filename}: {name[:40]} holds {spec.dtype} numbers")
        begin, end = self._offsets[name]
        if begin == end:
            return torch.empty(spec.shape, dtype=dtype)
        with warnings.catch_warnings():  # a read-only buffer: we copy before anyone writes
            warnings.simplefilter("ignore")
            raw = torch.frombuffer(self._data, dtype=torch.uint8, count=end - begin, offset=begin)
        return raw.clone().view(dtype).reshape(spec.shape)


def open_checkpoint(data: bytes, filename: str, max_bytes: int) -> Checkpoint:
    """Specs of every tensor in ``.safetensors`` or ``.pt``/``.pth`` bytes, reading no weights.

    Never runs code from the file. Raises :class:`CustomModelError` for anything else.
    """
    if len(data) > max_bytes:
        raise CustomModelError(
            f"{filename} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB",
            key="cu_err_size",
            filename=filename,
            mb=f"{len(data) / 2**20:.1f}",
            limit=f"{max_bytes / 2**20:.0f}",
        )
    if not data:
        raise CustomModelError(f"{filename} is empty", key="cu_err_empty", filename=filename)
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "safetensors":
        return _open_safetensors(data, filename)
    if suffix in ("pt", "pth", "bin"):
        return _open_pt(data, filename)
    raise CustomModelError(
        f"{filename}: upload a .safetensors file or a .pt/.pth state dict",
        key="cu_err_type",
        filename=filename,
    )


def _json(raw: bytes | str, what: str) -> object:
    try:
        return json.loads(raw)
    except RecursionError:
        raise CustomModelError(f"{what} nests too deeply to be a checkpoint header") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CustomModelError(f"{what} is not valid JSON ({exc})") from None


def _open_safetensors(data: bytes, filename: str) -> Checkpoint:
    bad = f"{filename} is not a valid safetensors file"
    if len(data) < 8:
        raise CustomModelError(f"{bad} (only {len(data)} bytes: truncated?)")
    n = int.from_bytes(data[:8], "little")
    if n > len(data) - 8:
        raise CustomModelError(
            f"{bad} (its header claims {n} bytes but {len(data) - 8} follow: truncated?)"
        )
    if n > MAX_HEADER_BYTES:
        raise CustomModelError(f"{bad} (a header of {n / 2**20:.1f} MB; at most 8 MB)")
    header = _json(data[8 : 8 + n], f"{bad}: the header")
    if not isinstance(header, dict):
        raise CustomModelError(f"{bad} (the header is not a JSON object)")
    meta = header.pop("__metadata__", None)
    body = len(data) - 8 - n
    specs: dict[str, TensorSpec] = {}
    offsets: dict[str, tuple[int, int]] = {}
    for name, entry in header.items():
        entry = entry if isinstance(entry, dict) else {}
        shape, span = entry.get("shape"), entry.get("data_offsets")
        if not (
            isinstance(entry.get("dtype"), str)
            and _ints(shape)
            and len(shape) <= 8
            and _ints(span)
            and len(span) == 2
        ):
            raise CustomModelError(f"{bad} (entry {name[:40]!r} lacks dtype, shape or offsets)")
        begin, end = span
        if not 0 <= begin <= end <= body:
            raise CustomModelError(f"{bad} ({name[:40]} lies outside the file: truncated?)")
        dtype, size = _ST_DTYPES.get(entry["dtype"], (f"unsupported {entry['dtype'][:20]}", 0))
        if size and (end - begin) != math.prod(shape) * size:
            raise CustomModelError(
                f"{bad} ({name[:40]}: shape {tuple(shape)} of {dtype} needs "
                f"{math.prod(shape) * size} bytes; the header gives {end - begin})"
            )
        specs[name] = TensorSpec(dtype, tuple(shape))
        offsets[name] = (8 + n + begin, 8 + n + end)
    extras = _metadata_extras(meta if isinstance(meta, dict) else {})
    return Checkpoint(filename, specs, extras, data, offsets)


def _ints(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    )


def _metadata_extras(meta: Mapping[str, object]) -> dict[str, object]:
    """Vocabulary and labels stored as JSON lists in the safetensors metadata; the task name;
    an ``nn.RNN``'s nonlinearity; the registered cell, when the file names it."""
    extras: dict[str, object] = {}
    if meta.get("task") in KNOWN_TASKS:
        extras["task"] = meta["task"]
    if meta.get("nonlinearity") in ("tanh", "relu"):  # nn.RNN's: not visible in the weights
        extras["nonlinearity"] = meta["nonlinearity"]
    if meta.get("cell") in CELLS:  # a cell of rnnviz's own (its shapes may look like another's)
        extras["cell"] = meta["cell"]
    for key in (*VOCAB_KEYS, *LABEL_KEYS):
        if isinstance(meta.get(key), str):
            try:
                value = _json(meta[key], f"metadata {key!r}")
            except CustomModelError:
                continue
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                extras["vocab" if key in VOCAB_KEYS else "labels"] = tuple(value)
    return extras


def _open_pt(data: bytes, filename: str) -> Checkpoint:
    if data[:4] != b"PK\x03\x04":
        raise CustomModelError(
            f"{filename} was refused: it is not a torch.save checkpoint (a zip file since "
            "PyTorch 1.6). Save the state dict (torch.save(model.state_dict(), path)) or use "
            "safetensors."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as exc:  # zipfile raises many kinds on a damaged archive; all are the file's
        raise CustomModelError(
            f"{filename} is not a readable torch file ({exc}: truncated?)"
        ) from None
    pickles = [e for e in entries if e.filename.endswith("data.pkl")]
    squeezed = [e for e in entries if e.compress_type != zipfile.ZIP_STORED]
    if squeezed:
        raise CustomModelError(
            f"{filename} was refused: {len(squeezed)} of its entries are compressed "
            f"({squeezed[0].filename[:60]}); torch.save never compresses, and a compressed entry "
            "can expand far past the upload limit"
        )
    if not pickles or any(e.header_offset + e.file_size > len(data) for e in entries):
        raise CustomModelError(
            f"{filename} is not a readable torch file (damaged or truncated)",
            key="cu_err_unreadable",
            filename=filename,
        )
    if pickles[0].file_size > MAX_HEADER_BYTES:
        raise CustomModelError(f"{filename}: its data.pkl is over 8 MB; save only the state dict")
    with tempfile.TemporaryDirectory(prefix="rnnviz-upload-") as tmp:
        path = Path(tmp) / "upload.pt"
        path.write_bytes(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RecursionError:
            raise CustomModelError(f"{filename} nests too deeply to be a state dict") from None
        except pickle.UnpicklingError as exc:
            found = re.search(r"GLOBAL (\S+)", str(exc))
            why = f"it calls {found[1]}" if found else "unsafe or unreadable pickle"
            raise CustomModelError(
                f"{filename} was refused without running it: it asks to call or build objects "
                f"that are not plain tensors ({why}). Save the state dict "
                "(torch.save(model.state_dict(), path)) or use safetensors.",
                key="cu_err_pickle",
                filename=filename,
                call=found[1] if found else "?",
            ) from None
        except Exception as exc:  # any other failure to parse an untrusted file is the file's
            raise CustomModelError(f"{filename} is not a readable torch file ({exc})") from None
    tensors, extras = split_state(obj, filename)
    odd = [k for k, v in tensors.items() if v.layout != torch.strided or v.is_quantized]
    if odd:
        raise CustomModelError(
            f"{filename}: {odd[0][:40]} is a sparse or quantized tensor; save dense float weights"
        )
    specs = {
        k: TensorSpec(str(v.dtype).removeprefix("torch."), tuple(v.shape))
        for k, v in tensors.items()
    }
    return Checkpoint(filename, specs, extras, _mapped=tensors)


def split_state(
    obj: object, filename: str, depth: int = 0, seen: set[int] | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """A (possibly nested, possibly self-referencing) dict of tensors plus vocabulary/labels."""
    if not isinstance(obj, Mapping):
        raise CustomModelError(
            f"{filename} holds a {type(obj).__name__}, not a state dict; save "
            "model.state_dict() instead"
        )
    seen = set() if seen is None else seen
    seen.add(id(obj))
    tensors: dict[str, torch.Tensor] = {}
    extras: dict[str, object] = {}
    for key, value in obj.items():
        if not isinstance(key, str | int):
            continue
        key = str(key)
        if isinstance(value, torch.Tensor):
            tensors[key] = value
        elif isinstance(value, Mapping) and key in _NESTED and depth < 3 and id(value) not in seen:
            inner, inner_extras = split_state(value, filename, depth + 1, seen)
            tensors.update(inner)
            extras.update(inner_extras)
        elif (
            isinstance(value, list | tuple)
            and key in (*VOCAB_KEYS, *LABEL_KEYS)
            and all(isinstance(v, str) for v in value)
        ):
            extras["vocab" if key in VOCAB_KEYS else "labels"] = tuple(value)
    if not tensors and depth == 0:
        raise CustomModelError(
            f"{filename} holds no tensors", key="cu_err_no_tensors", filename=filename
        )
    return tensors, extras
