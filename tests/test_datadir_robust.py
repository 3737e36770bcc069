"""The data directory when things go wrong: a truncated or corrupted corpus index is rebuilt, a
full disk refuses with a message (library and page), an upload on a full disk is refused and
leaves nothing behind.

"Full" is a real full file system where the test may mount a small tmpfs (root on Linux), and a
write that raises ENOSPC otherwise.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import datadir, models, uploads
from rnnviz.analysis import corpus_index, search

ROOT = Path(__file__).resolve().parent.parent
MODEL = "count-lstm"  # its corpus (400 bracket strings) indexes in about a second


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (a real full disk), or skip where mounting is not allowed."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()[:200]}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(scope="module")
def model():
    return models.load(MODEL)


@pytest.fixture(scope="module")
def reference(model, tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    root = tmp_path_factory.mktemp("ref")
    return np.array(search.ensure_index(model, root=root).states(0, "forward"))


def folder_of(root: Path) -> Path:
    (folder,) = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return folder


@pytest.mark.parametrize("name", ["h_l0_forward.npy", "gates.npz", "tokens.json", "meta.json"])
def test_a_truncated_index_file_is_rebuilt(model, reference, tmp_path: Path, name: str) -> None:
    search.ensure_index(model, root=tmp_path)
    path = folder_of(tmp_path) / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a disk that filled up, a copy cut short
    assert not search.is_cached(model, root=tmp_path)
    index = search.ensure_index(model, root=tmp_path)
    np.testing.assert_array_equal(np.asarray(index.states(0, "forward")), reference)
    assert search.is_cached(model, root=tmp_path)


def test_a_corrupted_index_of_the_same_size_is_rebuilt(model, reference, tmp_path: Path) -> None:
    search.ensure_index(model, root=tmp_path)
    path = folder_of(tmp_path) / "labels_l0_forward.npz"
    path.write_bytes(b"\0" * path.stat().st_size)  # same size: the size check cannot see it
    assert search.is_cached(model, root=tmp_path)
    index = search.ensure_index(model, root=tmp_path)
    np.testing.assert_array_equal(np.asarray(index.states(0, "forward")), reference)


def test_a_full_disk_refuses_with_a_message(model, small_disk: Path) -> None:
    with pytest.raises(search.IndexUnavailable, match="no space left to write") as info:
        search.ensure_index(model, root=small_disk)
    assert "RNNVIZ_DATA_DIR" in str(info.value) and MODEL in str(info.value)
    # nothing half-written is left to be opened later, and the next try refuses again
    assert [p.name for p in small_disk.iterdir() if p.is_dir()] == []
    assert not search.is_cached(model, root=small_disk)


def test_a_write_error_refuses_with_a_message(model, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(corpus_index, "_write_index", no_space)  # the builder calls it there
    with pytest.raises(search.IndexUnavailable, match="no space left to write"):
        search.ensure_index(model, root=tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []


def test_pages_say_the_disk_is_full_and_keep_running(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RNNVIZ_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setattr(corpus_index, "_write_index", no_space)  # the builder calls it there
    for page in ("search", "saturation"):
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
        at.query_params["model"] = MODEL
        at.query_params["lang"] = "en"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        (error,) = at.error
        assert "can't be traced on this server" in error.value
        assert "no space left to write" in error.value
        assert at.title  # the page itself is drawn around the message


def test_an_upload_on_a_full_disk_is_refused(small_disk: Path, monkeypatch) -> None:
    monkeypatch.setenv("RNNVIZ_UPLOADS_DIR", str(small_disk))
    monkeypatch.setenv("RNNVIZ_UPLOADS_MAX_MB", "64")  # the byte bound allows it; the disk not
    with pytest.raises(uploads.CustomModelError) as info:
        uploads.store(b"x" * 1_000_000, "big.safetensors", "s" * 32)
    assert info.value.key == "up_no_space"
    assert "no space left to write" in str(info.value)
    leftovers = [p for p in small_disk.rglob("*") if p.is_file() and p.name != ".lock"]
    assert leftovers == []  # no partial file
    assert uploads.store(b"small", "ok.safetensors", "s" * 32)  # room for what fits


def test_data_parts_can_live_elsewhere(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RNNVIZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RNNVIZ_CORPUS_DIR", str(tmp_path / "image" / "corpus"))
    monkeypatch.delenv("RNNVIZ_UPLOADS_DIR", raising=False)
    assert datadir.sub("corpus") == tmp_path / "image" / "corpus"
    assert datadir.sub("uploads") == tmp_path / "data" / "uploads"
