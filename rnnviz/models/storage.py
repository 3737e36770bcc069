"""How a shipped model's files are written: int8 embedding rows, ``config.json`` one key per line."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .config import ModelConfig

EMB_SUFFIX = "_emb.weight"


def quantize_rows(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row symmetric int8: ``w (V, E) ≈ q (V, E) int8 * scale (V, 1)``.

    Embedding tables are most of every checkpoint; int8 keeps all shipped models far under the
    25 MB budget, and the error (≤ 0.4 % of a row's largest entry) does not move the test scores.
    Metrics are always measured on the dequantized weights the app loads.
    """
    scale = w.detach().abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127  # (V, 1)
    q = torch.round(w.detach() / scale).clamp(-127, 127).to(torch.int8)  # (V, E)
    return q.contiguous(), scale.float().contiguous()


def dequantize(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Float32 state dict from a stored one (int8 rows + scales, or float16/32 tensors)."""
    out: dict[str, torch.Tensor] = {}
    for k, v in state.items():
        if k.endswith("_emb.qweight"):
            base = k[: -len("qweight")]
            scale = state.get(base + "scale")
            if scale is None:
                raise KeyError(base + "scale")
            out[base + "weight"] = v.float() * scale.float()
        elif not k.endswith("_emb.scale"):
            out[k] = v.float()
    return out


def write_config(path: Path, config: ModelConfig) -> None:
    """``config.json`` with one top-level key per line (vocabularies stay on one line each)."""
    items = [
        f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in config.to_json().items()
    ]
    path.write_text("{\n" + ",\n".join(items) + "\n}\n", encoding="utf-8")


def size_mb(folder: Path) -> float:
    """Disk size of a model folder in MB."""
    return sum(p.stat().st_size for p in folder.iterdir()) / 2**20
