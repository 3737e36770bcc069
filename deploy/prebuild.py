"""Build, ahead of serving, what a replica would otherwise build on its first morning.

    python -m deploy.prebuild            # the one-pass tracer and every shipped model's corpus index
    python -m deploy.prebuild --no-onepass --models count-lstm

The container image runs this at build time (Dockerfile), so no replica compiles the tracer or
indexes a corpus while a class waits. It writes where the app reads: the tracer into torch's
extension cache (``TORCH_EXTENSIONS_DIR``), the indexes into the data directory's ``corpus`` part
(``RNNVIZ_CORPUS_DIR``, else ``RNNVIZ_DATA_DIR``/corpus; see rnnviz/datadir.py). Exits non-zero if
anything asked for was not built, so an image build fails instead of shipping without it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file too (python deploy/prebuild.py)
    sys.path.insert(0, str(ROOT))


def build_onepass() -> str:
    """Compile the one-pass tracer now; its path, or raise with the reason it failed."""
    from rnnviz import onepass

    ext = onepass.module(wait=True)
    if ext is None:
        raise RuntimeError(f"one-pass tracer not built: {onepass.error() or 'switched off'}")
    return str(ext.__file__)


def build_indexes(names: list[str]) -> list[tuple[str, Path, float]]:
    """Corpus index of each shipped model ``names`` (built once; already built: opened)."""
    from rnnviz import models
    from rnnviz.analysis import search

    done = []
    for name in names:
        began = time.perf_counter()
        index = search.ensure_index(models.load(name))
        done.append((name, index.folder, time.perf_counter() - began))
    return done


def main(argv: list[str] | None = None) -> int:
    from rnnviz import models

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", help="shipped models to index (default: all)")
    parser.add_argument("--no-onepass", action="store_true", help="skip the tracer build")
    args = parser.parse_args(argv)
    names = args.models if args.models is not None else list(models.available())
    if not args.no_onepass:
        began = time.perf_counter()
        try:
            path = build_onepass()
        except RuntimeError as err:
            print(f"prebuild: {err}", file=sys.stderr)
            return 1
        print(f"prebuild: one-pass tracer {path} ({time.perf_counter() - began:.0f} s)")
    for name, folder, seconds in build_indexes(names):
        print(f"prebuild: corpus index of {name}: {folder} ({seconds:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
