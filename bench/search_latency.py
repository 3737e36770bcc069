"""Unit-search latency over the full test corpus, after the corpus states are cached.

    python bench/search_latency.py [model] [--runs 50]

Prints the one-time cache build (or open) time, then the latency of select-and-match on random
spans of random test sentences (median, p95, max) and of label → units, measured in this run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, no install

from rnnviz import models
from rnnviz.analysis import saturation, search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="cws-bilstm")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threshold", type=float, default=0.3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    m = models.load(args.model)
    cached = search.is_cached(m)
    began = time.perf_counter()
    index = search.open_index(m, progress=None)
    what = "opened" if cached else "built"
    print(f"{args.model}: corpus index {what} in {time.perf_counter() - began:.1f} s "
          f"({index.meta['sentences']} sentences, {index.meta['tokens']} tokens, "
          f"{index.meta['units']} units × {len(index.meta['directions'])} directions)")  # fmt: skip
    began = time.perf_counter()
    index = search.CorpusIndex(index.folder)
    print(f"reopen from disk: {1000 * (time.perf_counter() - began):.0f} ms")
    rng = np.random.default_rng(0)
    times, hits, sizes = [], [], []
    while len(times) < args.runs:
        sent = index.sentences[int(rng.integers(len(index.sentences)))]
        if len(sent) < 6:
            continue
        tr = m.trace("".join(sent)) if m.task != "pos" else None
        if tr is None:
            from rnnviz.tracer import trace_rnn

            tr = trace_rnn(m.rnn, search.encode(m, sent), tokens=sent)
        direction = index.meta["directions"][int(rng.integers(len(index.meta["directions"])))]
        h = tr.quantity(0, direction, "h")
        a = int(rng.integers(0, len(sent) - 3))
        b = a + int(rng.integers(1, 4))
        began = time.perf_counter()
        units, found = search.search(index, h, a, b, args.threshold, 0, direction)
        times.append(time.perf_counter() - began)
        hits.append(len(found))
        sizes.append(len(units))
    ms = sorted(1000 * t for t in times)
    print(f"select+match over {index.meta['tokens']} tokens, {args.runs} queries: "
          f"median {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * len(ms)) - 1]:.1f} ms, "
          f"max {ms[-1]:.1f} ms; units selected median {statistics.median(sizes)}, "
          f"queries with matches {sum(h > 0 for h in hits)}/{len(hits)}")  # fmt: skip
    track = sorted(index.track_labels)[0]
    label = index.track_labels[track][0]
    began = time.perf_counter()
    best = search.label_units(index, 0, index.meta["directions"][0], track, label)
    print(
        f"label → units ({track}={label}): {1000 * (time.perf_counter() - began):.1f} ms, "
        f"best unit {int(best.unit[0])} AUC {best.auc[0]:.3f}"
    )
    for track in sorted(index.track_labels):
        for label in index.track_labels[track][:60]:
            for d in index.meta["directions"]:
                best = search.label_units(index, 0, d, track, label, top=1)
                if best.support[0] >= 200 and best.auc[0] >= 0.95:
                    print(f"  {track}={label} ({d}): unit {int(best.unit[0])} AUC "
                          f"{best.auc[0]:.3f} {best.sign[0]} (n={int(best.support[0])})")  # fmt: skip
    table = saturation.saturation_table(index)
    print(saturation.summary(table).to_string(index=False))


if __name__ == "__main__":
    main()
