"""Uploaded checkpoints: read safely from their metadata first, kept per browser session.

Reading. :func:`open_checkpoint` returns the name, dtype and shape of every tensor without
reading any weights (:mod:`rnnviz.checkpoint_reader`, re-exported here).

Keeping. Files live in ``datadir.sub("uploads")/<session id>/<digest>.<ext>``. A session's folder
is *alive* while it was touched in the last :data:`ALIVE_SECONDS`; the app touches it on every
use. A session keeps at most :data:`SESSION_FILES` files and :data:`SESSION_BYTES` bytes (its own
least recently used files go first). When the whole folder would exceed
``datadir.max_bytes("uploads")``, folders of sessions that are no longer alive are evicted
(least recently used first); if that is not enough, the upload is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock

from . import datadir
from .checkpoint_reader import (
    FLOAT_DTYPES,
    KNOWN_TASKS,
    LABEL_KEYS,
    MAX_HEADER_BYTES,
    VOCAB_KEYS,
    Checkpoint,
    CustomModelError,
    TensorSpec,
    open_checkpoint,
    split_state,
)

__all__ = [
    "ALIVE_SECONDS",
    "FLOAT_DTYPES",
    "KNOWN_TASKS",
    "LABEL_KEYS",
    "MAX_HEADER_BYTES",
    "PREFIX",
    "SESSION_BYTES",
    "SESSION_FILES",
    "SUFFIXES",
    "VOCAB_KEYS",
    "Checkpoint",
    "CustomModelError",
    "TensorSpec",
    "open_checkpoint",
    "path_of",
    "release",
    "shown_name",
    "split_state",
    "store",
    "stored",
    "touch_key",
    "touch_session",
]

PREFIX = "upload:"
SUFFIXES = ("safetensors", "pt", "pth", "bin")
ALIVE_SECONDS = 60 * 60
SESSION_FILES = 8
SESSION_BYTES = 256 * 2**20
_SESSION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_STORED = re.compile(r"[0-9a-f]{16}\.(safetensors|pt|pth|bin)")


def _root() -> Path:
    return datadir.sub("uploads")


def _session(session: str) -> str:
    """The folder name of a session: its id if that is a safe name, else a hash of it."""
    if not session:
        raise CustomModelError("uploads need a session id")
    if _SESSION.fullmatch(session):
        return session
    return "h" + hashlib.sha256(session.encode()).hexdigest()[:32]


def _alive(folder: Path) -> bool:
    return datadir.age_seconds(folder) < ALIVE_SECONDS


def release(session: str) -> int:
    """Remove a session's stored files (the session has ended); returns how many there were."""
    if not session:
        return 0
    root = _root()
    folder = root / _session(session)
    if not folder.is_dir():
        return 0
    with FileLock(root / ".lock", timeout=60):
        count = sum(1 for p in folder.iterdir() if p.is_file())
        datadir.remove(folder)
    return count


def touch_session(session: str) -> None:
    """Mark a session's uploads as in use (call on every run of a page of that session)."""
    if session:
        folder = _root() / _session(session)
        if folder.is_dir():
            datadir.touch(folder)


def _files(folder: Path) -> list[Path]:
    """A session's stored files, least recently used first."""
    found = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def _make_room(root: Path, folder: Path, size: int) -> None:
    """Free space for ``size`` more bytes in ``folder``, or raise having removed nothing of
    this session. Call under the lock."""
    own = _files(folder)
    drop = 0  # this session's own least recently used files past its caps
    while drop < len(own) and (
        len(own) - drop + 1 > SESSION_FILES
        or sum(map(datadir.size_of, own[drop:])) + size > SESSION_BYTES
    ):
        drop += 1
    freed = sum(map(datadir.size_of, own[:drop]))
    limit = datadir.max_bytes("uploads")
    if datadir.size_of(root) - freed + size > limit:
        datadir.evict(root, max(limit - size + freed, 0), keep=[folder], protected=_alive)
    if datadir.size_of(root) - freed + size > limit:
        mb = limit / 2**20
        raise CustomModelError(
            f"the server's upload space ({mb:.0f} MB) is full of models other people are using; "
            "try again in a while, upload a smaller file, or ask whoever runs the server to raise "
            "RNNVIZ_UPLOADS_MAX_MB",
            key="up_full",
            mb=round(mb),
        )
    for path in own[:drop]:
        path.unlink(missing_ok=True)


def store(data: bytes, filename: str, session: str) -> str:
    """Keep ``data`` in the session's folder; returns a plain-string key for :func:`path_of`."""
    session = _session(session)
    ext = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if ext not in SUFFIXES:
        raise CustomModelError(
            f"{filename}: upload a .safetensors file or a .pt/.pth state dict",
            key="cu_err_type",
            filename=filename,
        )
    shown = re.sub(r"[^\w.-]+", "_", filename)[:60]
    root = _root()
    name = f"{hashlib.sha256(data).hexdigest()[:16]}.{ext}"
    with FileLock(root / ".lock", timeout=60):
        folder = root / session
        folder.mkdir(exist_ok=True)
        datadir.touch(folder)
        path = folder / name
        if not path.is_file():
            _make_room(root, folder, len(data))
            tmp = folder / f".{name}.tmp"
            try:
                tmp.write_bytes(data)
                os.replace(tmp, path)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                if not datadir.is_disk_error(exc):
                    raise
                raise CustomModelError(
                    datadir.disk_error_message(exc, root), key="up_no_space"
                ) from None
        datadir.touch(path)
        datadir.touch(folder)
    return f"{PREFIX}{session}/{name}:{shown}"


def _parse(key: str) -> tuple[str, str, str]:
    """``(session, stored file name, shown name)`` of a key; the parts are not checked."""
    stored, _, shown = key[len(PREFIX) :].partition(":")
    session, _, name = stored.partition("/")
    return session, name, shown or name


def shown_name(key: str) -> str:
    """The file name the user uploaded, from a key of :func:`store`."""
    return _parse(key)[2]


def path_of(key: str) -> Path:
    """The stored file behind a key of :func:`store`; never a path outside the uploads folder.

    Touches the file and its session folder (they are in use).
    """
    session, name, shown = _parse(key)
    root = _root().resolve()
    gone = CustomModelError(
        f"the uploaded file {shown[:60]} is gone; upload it again",
        key="cu_err_gone",
        name=shown[:60],
    )
    if not (key.startswith(PREFIX) and _SESSION.fullmatch(session) and _STORED.fullmatch(name)):
        raise gone
    path = (root / session / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise gone
    datadir.touch(path)
    datadir.touch(path.parent)
    return path


def touch_key(key: str) -> None:
    """Mark the upload behind ``key`` (and its session) as in use; silent if it is not one."""
    with contextlib.suppress(CustomModelError):
        path_of(key)


def stored(session: str) -> Iterable[Path]:
    """The files a session keeps, least recently used first (empty if none)."""
    folder = _root() / _session(session)
    return _files(folder) if folder.is_dir() else []
