"""Uploads: hostile checkpoints refused from their metadata, per-session storage, limits."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import tomllib
import torch
from safetensors.torch import save
from torch import nn

from rnnviz import custom, uploads
from rnnviz.custom import MAX_EXAMPLE_CHARS, CustomModelError, load_upload, save_upload

ROOT = Path(__file__).resolve().parent.parent


# --- hostile and malformed files: (bytes, file name) ---


def pt_bytes(obj: object) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def safetensors_raw(header: str, body: bytes = b"") -> bytes:
    """A safetensors file from a header written by hand."""
    raw = header.encode()
    return len(raw).to_bytes(8, "little") + raw + body


def many_layers(layers: int = 2000, size: int = 3) -> tuple[bytes, str]:
    """A valid safetensors file (about 1.3 MB) whose shapes say ``layers`` LSTM layers."""
    sd = {}
    for k in range(layers):
        sd[f"weight_ih_l{k}"] = torch.zeros(4 * size, size)
        sd[f"weight_hh_l{k}"] = torch.zeros(4 * size, size)
        sd[f"bias_ih_l{k}"] = torch.zeros(4 * size)
        sd[f"bias_hh_l{k}"] = torch.zeros(4 * size)
    return save(sd), "deep.safetensors"


def zip_bomb(expanded: int = 2**30) -> tuple[bytes, str]:
    """A torch zip whose one storage entry is deflated zeros expanding to ``expanded`` bytes."""
    good = pt_bytes({"weight_ih_l0": torch.zeros(16, 4)})
    out = io.BytesIO()
    chunk = bytes(16 * 2**20)
    with (
        zipfile.ZipFile(io.BytesIO(good)) as src,
        zipfile.ZipFile(out, "w", compresslevel=1) as dst,
    ):
        for info in src.infolist():
            if info.filename.endswith("/data/0"):
                target = zipfile.ZipInfo(info.filename)
                target.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(target, "w", force_zip64=True) as f:
                    for _ in range(expanded // len(chunk)):
                        f.write(chunk)
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue(), "bomb.pt"


def projection_1d() -> tuple[bytes, str]:
    sd = dict(nn.LSTM(4, 8, proj_size=3).state_dict())
    sd["weight_hr_l0"] = sd["weight_hr_l0"].reshape(-1)
    return save(sd), "proj1d.safetensors"


def projection_too_big() -> tuple[bytes, str]:
    """weight_hr (8, 8): a projection as large as the hidden size (nn.LSTM refuses it)."""
    sd = {
        "weight_ih_l0": torch.zeros(32, 4),
        "weight_hh_l0": torch.zeros(32, 8),
        "weight_hr_l0": torch.zeros(8, 8),
    }
    return save(sd), "proj8.safetensors"


def self_referencing() -> tuple[bytes, str]:
    d: dict[str, object] = {}
    d["state_dict"] = d
    d["model"] = {"model_state_dict": d}
    return pt_bytes(d), "loop.pt"


def deep_json(levels: int = 100_000) -> tuple[bytes, str]:
    header = '{"__metadata__": ' + "[" * levels + "]" * levels + "}"
    return safetensors_raw(header), "deep-json.safetensors"


def plain_text() -> tuple[bytes, str]:
    return b"x = 1\nprint('this is not a checkpoint')\n" * 20, "notes.pt"


def truncated_safetensors() -> tuple[bytes, str]:
    data = save(dict(nn.LSTM(3, 4).state_dict()))
    return data[: len(data) // 2], "cut.safetensors"


def truncated_pt() -> tuple[bytes, str]:
    data = pt_bytes(dict(nn.LSTM(3, 4).state_dict()))
    return data[: len(data) // 2], "cut.pt"


def wrong_dtype(dtype: torch.dtype, fmt: str = "safetensors") -> tuple[bytes, str]:
    sd = {k: v.to(dtype) for k, v in nn.GRU(3, 4).state_dict().items()}
    blob = save(sd) if fmt == "safetensors" else pt_bytes(sd)
    return blob, f"typed.{fmt}"


def nan_weights() -> tuple[bytes, str]:
    sd = dict(nn.GRU(3, 4).state_dict())
    sd["weight_hh_l0"][0, 0] = float("nan")
    return save(sd), "nan.safetensors"


def lying_offsets() -> tuple[bytes, str]:
    """A header whose shape claims 10^12 floats stored in 16 bytes."""
    entry = {"dtype": "F32", "shape": [10**6, 10**6], "data_offsets": [0, 16]}
    return safetensors_raw(json.dumps({"weight_ih_l0": entry}), bytes(16)), "liar.safetensors"


def not_an_entry() -> tuple[bytes, str]:
    return safetensors_raw(json.dumps({"weight_ih_l0": [1, 2]})), "list.safetensors"


def sparse_weights() -> tuple[bytes, str]:
    sd = dict(nn.GRU(3, 4).state_dict())
    sd["weight_ih_l0"] = sd["weight_ih_l0"].to_sparse()
    return pt_bytes(sd), "sparse.pt"


HOSTILE = {
    "2000 layers": many_layers,
    "zip bomb (1 GB)": zip_bomb,
    "1-D projection": projection_1d,
    "projection >= hidden": projection_too_big,
    "self-referencing dict": self_referencing,
    "100k-deep JSON": deep_json,
    "plain-text .pt": plain_text,
    "truncated safetensors": truncated_safetensors,
    "truncated .pt": truncated_pt,
    "int64 weights": lambda: wrong_dtype(torch.int64),
    "bool weights": lambda: wrong_dtype(torch.bool),
    "complex weights (.pt)": lambda: wrong_dtype(torch.complex64, "pt"),
    "NaN weights": nan_weights,
    "lying offsets": lying_offsets,
    "entry not an object": not_an_entry,
    "sparse weights (.pt)": sparse_weights,
}

EXPECTED = {  # what each refusal says (a regular expression)
    "2000 layers": r"2000 layers; rnnviz opens at most 8",
    "zip bomb (1 GB)": r"refused: 1 of its entries are compressed",
    "1-D projection": r"must be matrices",
    "projection >= hidden": r"projection size must be between 1 and",
    "self-referencing dict": r"holds no tensors",
    "100k-deep JSON": r"nests too deeply",
    "plain-text .pt": r"refused: it is not a torch\.save checkpoint",
    "truncated safetensors": r"truncated",
    "truncated .pt": r"not a readable torch file",
    "int64 weights": r"holds int64; save float32",
    "bool weights": r"holds bool; save float32",
    "complex weights (.pt)": r"holds complex64; save float32",
    "NaN weights": r"weight_hh_l0 holds NaN or inf",
    "lying offsets": r"needs 4000000000000 bytes; the header gives 16",
    "entry not an object": r"lacks dtype, shape or offsets",
    "sparse weights (.pt)": r"sparse or quantized",
}


@pytest.fixture(scope="module")
def bomb() -> tuple[bytes, str]:
    return zip_bomb()  # ~5 s of CPU to deflate 1 GB of zeros: built once


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_each_hostile_file_gets_a_message(case: str, bomb) -> None:
    data, name = bomb if case == "zip bomb (1 GB)" else HOSTILE[case]()
    with pytest.raises(CustomModelError, match=EXPECTED[case]):
        load_upload(data, name)


def test_2000_layer_header_is_refused_before_any_module_or_weight(monkeypatch) -> None:
    data, name = many_layers()

    def refuse(*args, **kwargs):
        raise AssertionError("built or read before the header was checked")

    monkeypatch.setattr(nn.LSTM, "__init__", refuse)
    monkeypatch.setattr(nn.GRU, "__init__", refuse)
    monkeypatch.setattr(uploads.Checkpoint, "tensor", refuse)
    tracemalloc.start()
    try:
        with pytest.raises(CustomModelError, match="2000 layers"):
            load_upload(data, name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20


def test_zip_bomb_never_expands(bomb, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("torch.load reached")

    monkeypatch.setattr(torch, "load", refuse)
    with pytest.raises(CustomModelError, match="compressed"):
        load_upload(*bomb)


def test_self_referencing_dict_with_weights_loads() -> None:
    d: dict[str, object] = dict(nn.GRU(3, 4).state_dict())
    d["state_dict"] = d
    model = load_upload(pt_bytes(d), "loop.pt")
    assert model.arch.cell == "gru" and model.arch.hidden_size == 4


def test_deeply_nested_vocabulary_metadata_is_ignored() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    data = save(dict(nn.GRU(3, 4).state_dict()), metadata={"vocab": deep, "labels": deep})
    model = load_upload(data, "m.safetensors")
    assert model.vocab is None and model.labels == (custom.NO_HEAD,)


def test_size_budget_is_checked_from_shapes_alone() -> None:
    meta = {  # meta tensors: shapes without memory; reading one would fail
        "weight_ih_l0": torch.empty(4 * 2048, 4096, device="meta"),
        "weight_hh_l0": torch.empty(4 * 2048, 2048, device="meta"),
    }
    with pytest.raises(CustomModelError, match=r"50,331,648 parameters; rnnviz opens at most"):
        custom.model_from_tensors(meta)
    vocab = {
        "emb.weight": torch.empty(300_000, 4, device="meta"),
        "weight_ih_l0": torch.empty(12, 4, device="meta"),
        "weight_hh_l0": torch.empty(12, 4, device="meta"),
    }
    with pytest.raises(CustomModelError, match="300000 rows"):
        custom.model_from_tensors(vocab)


def test_half_precision_and_extra_integer_tensors_are_fine() -> None:
    lstm = nn.LSTM(3, 4)
    sd = {k: v.half() for k, v in lstm.state_dict().items()}
    sd["steps_done"] = torch.tensor([7])  # an int tensor the model does not use
    model = load_upload(save(sd), "half.safetensors")
    assert model.rnn.weight_hh_l0.dtype == torch.float32
    assert "ignored: steps_done" in model.notes[-1]


@pytest.mark.parametrize(
    "module, vocab",
    [
        (nn.LSTM(4096, 2), None),
        (nn.GRU(1000, 3), None),
        (nn.GRU(2, 3), [f"w{'x' * 500}{i}" for i in range(9)]),
    ],
)
def test_wide_models_get_short_examples_that_run(module, vocab) -> None:
    sd = dict(module.state_dict())
    if vocab:
        sd["emb.weight"] = torch.randn(len(vocab), module.input_size)
    meta = {"vocab": json.dumps(vocab)} if vocab else None
    model = load_upload(save(sd, metadata=meta), "wide.safetensors")
    example = model.examples[0]
    assert 0 < len(example) <= MAX_EXAMPLE_CHARS
    assert model.trace(example).length >= 1


def test_numbers_accept_runs() -> None:
    model = custom.build_random("lstm", 3, input_size=6)
    x = model.inputs("0.5*4 1 2\n-1*6")
    assert x.shape == (2, 6) and x[0, :4].eq(0.5).all() and x[1].eq(-1).all()
    with pytest.raises(CustomModelError, match="repeats more"):
        model.inputs("1*1000000000")
    with pytest.raises(CustomModelError, match="needs 6 numbers"):
        model.inputs("1*5")


def test_max_upload_size_agrees_with_the_library() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == custom.MAX_UPLOAD_BYTES


# --- storage: one folder per session, caps, eviction, keys ---


def small(seed: int) -> bytes:
    torch.manual_seed(seed)
    return save(dict(nn.LSTM(3, 4).state_dict()))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RNNVIZ_DATA_DIR", str(tmp_path))
    return tmp_path / "uploads"


def age(folder: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(folder, (then, then))


def test_keys_are_plain_strings_that_name_the_session(data_dir: Path) -> None:
    key, model = save_upload(small(0), "a b.safetensors", "s-1")
    assert (
        isinstance(key, str) and key.startswith("upload:s-1/") and key.endswith(":a_b.safetensors")
    )
    assert (data_dir / "s-1").is_dir() and custom.resolve(key).arch == model.arch
    assert custom.display_name(key) == "a_b.safetensors"
    odd, _ = save_upload(small(0), "a.safetensors", "../evil id")  # any id: hashed to a name
    assert ".." not in odd and custom.resolve(odd).arch == model.arch
    assert [p.parent.parent for p in data_dir.rglob("*.safetensors")] == [data_dir] * 2
    with pytest.raises(CustomModelError, match="session id"):
        save_upload(small(0), "a.safetensors", "")


def test_per_session_cap_drops_only_that_sessions_oldest(data_dir: Path) -> None:
    other, _ = save_upload(small(100), "other.safetensors", "s-b")
    keys = [
        save_upload(small(i), f"m{i}.safetensors", "s-a")[0]
        for i in range(uploads.SESSION_FILES + 2)
    ]
    assert len(list(uploads.stored("s-a"))) == uploads.SESSION_FILES
    for gone in keys[:2]:
        with pytest.raises(CustomModelError, match="gone"):
            custom.resolve(gone)
    custom.resolve(keys[-1])
    custom.resolve(other)


def test_server_cap_evicts_only_sessions_that_are_gone(data_dir: Path, monkeypatch) -> None:
    size = len(small(0))
    monkeypatch.setenv("RNNVIZ_UPLOADS_MAX_MB", str(2.5 * size / 2**20))  # room for two files
    alive, _ = save_upload(small(0), "alive.safetensors", "s-alive")
    save_upload(small(1), "idle.safetensors", "s-idle")
    age(data_dir / "s-idle", uploads.ALIVE_SECONDS + 60)
    new, _ = save_upload(small(2), "new.safetensors", "s-new")  # evicts the idle session
    assert not (data_dir / "s-idle").exists()
    custom.resolve(alive)
    custom.resolve(new)
    with pytest.raises(CustomModelError) as refused:  # both others alive: refused, not evicted
        save_upload(small(3), "late.safetensors", "s-late")
    assert refused.value.key == "up_full" and "RNNVIZ_UPLOADS_MAX_MB" in str(refused.value)
    custom.resolve(alive)
    custom.resolve(new)
    monkeypatch.setattr(uploads, "SESSION_FILES", 1)  # a refusal removes none of its own files
    with pytest.raises(CustomModelError, match="full"):
        save_upload(save(dict(nn.LSTM(3, 8).state_dict())), "bigger.safetensors", "s-alive")
    custom.resolve(alive)


def test_touch_keeps_a_session_alive(data_dir: Path) -> None:
    key, _ = save_upload(small(0), "m.safetensors", "s-1")
    age(data_dir / "s-1", uploads.ALIVE_SECONDS + 60)
    custom.touch(key)
    assert uploads._alive(data_dir / "s-1")
    age(data_dir / "s-1", uploads.ALIVE_SECONDS + 60)
    uploads.touch_session("s-1")
    assert uploads._alive(data_dir / "s-1")


def test_resolve_never_leaves_the_uploads_folder(data_dir: Path, tmp_path: Path) -> None:
    key, _ = save_upload(small(0), "m.safetensors", "s-1")
    stored = key.split(":")[1].split("/")[1]
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / stored).write_bytes(small(0))
    (data_dir / "s-link").symlink_to(secret)
    for bad in (
        "upload:../secret/" + stored + ":x",
        "upload:s-1/../../secret/" + stored + ":x",
        "upload:/etc/passwd:x",
        "upload:s-1/" + stored + "/..:x",
        "upload:s-link/" + stored + ":x",  # a symlinked folder pointing outside
        "upload:..:x",
        "upload:s-1/../s-1/" + stored + ":x",
    ):
        with pytest.raises(CustomModelError, match="gone"):
            custom.resolve(bad)
    custom.resolve(key)


def test_refused_file_writes_nothing(data_dir: Path) -> None:
    with pytest.raises(CustomModelError):
        save_upload(*many_layers(), session="s-1")
    assert not (data_dir / "s-1").exists()


def test_damaged_files_only_ever_raise_custom_model_error() -> None:
    """Seeded byte flips, cuts and insertions in a valid .safetensors and .pt: load or refuse."""
    torch.manual_seed(0)
    sd = dict(nn.LSTM(3, 4, num_layers=2, bidirectional=True).state_dict())
    sd["emb.weight"] = torch.randn(5, 3)
    vocab = list("abcde")
    bases = [
        (save(sd, metadata={"vocab": json.dumps(vocab)}), "m.safetensors"),
        (pt_bytes({**sd, "vocab": vocab}), "m.pt"),
    ]
    rng = random.Random(0)
    for i in range(400):
        data, name = bases[i % 2]
        d = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            pos, op = rng.randrange(len(d)), rng.random()
            if op < 0.6:
                d[pos] = rng.randrange(256)
            elif op < 0.8:
                del d[pos : pos + rng.randint(1, 50)]
            else:
                d[pos:pos] = rng.randbytes(rng.randint(1, 20))
        with contextlib.suppress(CustomModelError):  # any other exception fails the test
            load_upload(bytes(d), name)
