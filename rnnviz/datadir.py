"""Where the app writes: one data directory outside the source tree, bounded by bytes.

``RNNVIZ_DATA_DIR`` overrides the default, the user's cache directory
(``$XDG_CACHE_HOME/rnnviz`` or ``~/.cache/rnnviz``). Inside it:

- ``corpus/``: corpus indexes (one folder per model weights hash), shared by every session;
- ``uploads/``: uploaded and live-trained checkpoints, one folder per session.

``RNNVIZ_CORPUS_DIR`` / ``RNNVIZ_UPLOADS_DIR`` put one part elsewhere (the container image keeps
the corpus indexes it built in the image, and the uploads in the data volume).

``RNNVIZ_CORPUS_MAX_MB`` and ``RNNVIZ_UPLOADS_MAX_MB`` bound each part; :func:`evict` removes
the least recently used entries past the bound (``touch`` marks an entry as used).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

DEFAULT_CORPUS_MAX_MB = 2048
DEFAULT_UPLOADS_MAX_MB = 1024


def root() -> Path:
    """The data directory (created on first use)."""
    env = os.environ.get("RNNVIZ_DATA_DIR")
    if env:
        path = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        path = Path(base) / "rnnviz"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sub(name: str) -> Path:
    """A named part of the data directory (``corpus``, ``uploads``), created on first use;
    ``RNNVIZ_<NAME>_DIR`` puts it elsewhere."""
    env = os.environ.get(f"RNNVIZ_{name.upper()}_DIR")
    path = Path(env).expanduser() if env else root() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes(part: str) -> int:
    """The byte bound of a part, from ``RNNVIZ_<PART>_MAX_MB`` or the default."""
    default = {"corpus": DEFAULT_CORPUS_MAX_MB, "uploads": DEFAULT_UPLOADS_MAX_MB}.get(part, 1024)
    raw = os.environ.get(f"RNNVIZ_{part.upper()}_MAX_MB", "")
    try:
        mb = float(raw) if raw else float(default)
    except ValueError:
        mb = float(default)
    return int(mb * 2**20)


def size_of(path: Path) -> int:
    """Bytes under ``path`` (a file or a folder); 0 if it vanished meanwhile."""
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    except OSError:
        return 0


def touch(path: Path) -> None:
    """Mark ``path`` as just used (its modification time), for least-recently-used eviction."""
    with contextlib.suppress(OSError):
        os.utime(path)


def remove(path: Path) -> None:
    """Remove a file or a folder (gone already: nothing to do)."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def evict(
    folder: Path,
    limit: int,
    keep: Iterable[Path] = (),
    protected: Callable[[Path], bool] | None = None,
) -> list[Path]:
    """Remove the least recently used entries of ``folder`` until it holds ≤ ``limit`` bytes.

    Entries in ``keep`` and those ``protected`` says yes to are never removed; names starting
    with ``.`` (temporary build folders, locks) are left alone. Returns what was removed.
    """
    if not folder.is_dir():
        return []
    kept = {Path(p).resolve() for p in keep}
    entries = []
    for p in folder.iterdir():
        if p.name.startswith("."):
            continue
        try:
            entries.append((p.stat().st_mtime, p, size_of(p)))
        except OSError:
            continue
    total = sum(size for _, _, size in entries)
    removed: list[Path] = []
    for _, path, size in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if path.resolve() in kept or (protected is not None and protected(path)):
            continue
        remove(path)
        removed.append(path)
        total -= size
    return removed


def age_seconds(path: Path) -> float:
    """Seconds since ``path`` was last touched (inf if it is gone)."""
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


# Write failures that are the disk's, not the code's: the message says what to do.
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


def free_mb(path: Path) -> float:
    """Megabytes free on the file system holding ``path`` (its nearest existing parent)."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free / 2**20
    except OSError:
        return float("nan")


def is_disk_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full or not writable (not a bug to show as one)."""
    return isinstance(exc, OSError) and exc.errno in NO_SPACE + NOT_WRITABLE


def disk_error_message(exc: OSError, where: Path) -> str:
    """An actionable sentence for a write that failed for want of space or permission."""
    if exc.errno in NO_SPACE:
        return (
            f"no space left to write in {where} ({free_mb(where):.0f} MB free): whoever runs the "
            "server can free space there, lower RNNVIZ_CORPUS_MAX_MB / RNNVIZ_UPLOADS_MAX_MB, or "
            "point RNNVIZ_DATA_DIR at a larger disk"
        )
    return (
        f"cannot write in {where} ({exc.strerror}): whoever runs the server can make it writable "
        "for the server's user or point RNNVIZ_DATA_DIR elsewhere"
    )
