"""Corpus tracing, per sentence (``trace_rnn``) against batched (``trace_batch``), in one run.

    python bench/corpus_build.py [model] [--limit N]

Torch on ``--threads`` threads (default 1: the app's setting; 2 threads were measured slower for
the one-pass loop). Prints the tracer path, both times on the wall clock and the process CPU clock,
their ratio, tokens/s, the largest difference between the two paths, and the time of a whole
index build (corpus read and encoding excluded, as for the traces).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, no install

from rnnviz import models, onepass
from rnnviz.analysis import search
from rnnviz.batched import trace_batch
from rnnviz.cells import cell_of
from rnnviz.tracer import trace_rnn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="cws-bilstm")
    parser.add_argument("--limit", type=int, default=None, help="sentences (default: all)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    m = models.load(args.model)
    began = time.process_time()
    corpus = search.corpus_for(m, args.limit)
    read = time.process_time() - began
    began = time.process_time()
    kept = [s for s in corpus.sentences if s]
    xs = [search.encode(m, s) for s in kept]
    encoded = time.process_time() - began
    tokens = sum(len(s) for s in kept)
    print(f"{args.model} on {corpus.name}: {len(kept)} sentences, {tokens} tokens "
          f"(read {read:.1f} s, encode {encoded:.1f} s CPU)")  # fmt: skip

    fast = onepass.for_module(cell_of(m.rnn), m.rnn, wait=True)
    path = "one pass (C++)" if fast is not None else "torch recompute (one-pass not available)"
    print(f"path: {path}; torch threads {torch.get_num_threads()}")
    # Timed passes keep nothing, as an index build does (keeping 1 GB of traces would time
    # the allocator); an untimed pass afterwards compares the two paths chunk by chunk.
    began, wall = time.process_time(), time.perf_counter()
    for x in xs:
        trace_rnn(m.rnn, x)
    per_sentence = time.process_time() - began
    per_sentence_wall = time.perf_counter() - wall

    order = sorted(range(len(xs)), key=lambda k: -len(xs[k]))
    chunks: list[list[int]] = [[]]
    size = 0
    for k in order:  # as build_index batches: similar lengths, about CHUNK_TOKENS tokens each
        if size >= search.CHUNK_TOKENS:
            chunks.append([])
            size = 0
        chunks[-1].append(k)
        size += len(xs[k])
    began, wall = time.process_time(), time.perf_counter()
    for chunk in chunks:
        trace_batch(m.rnn, [xs[k] for k in chunk])
    batched = time.process_time() - began
    batched_wall = time.perf_counter() - wall

    worst = worst_rel = 0.0
    for chunk in chunks:
        bt = trace_batch(m.rnn, [xs[k] for k in chunk])
        for s, k in enumerate(chunk):
            single = trace_rnn(m.rnn, xs[k])
            for layer in range(bt.num_layers):
                for d in bt.directions:
                    for name in single.names:
                        want = single.quantity(layer, d, name)
                        diff = np.abs(bt.sequence(s, layer, d, name) - want)
                        worst = max(worst, float(diff.max()))
                        worst_rel = max(
                            worst_rel, float((diff / np.maximum(1, np.abs(want))).max())
                        )
    print(f"per sentence: {per_sentence_wall:.2f} s wall, {per_sentence:.2f} s CPU "
          f"({tokens / per_sentence_wall:,.0f} tokens/s)")  # fmt: skip
    print(f"batched:      {batched_wall:.2f} s wall, {batched:.2f} s CPU "
          f"({tokens / batched_wall:,.0f} tokens/s), "
          f"{len(chunks)} batches of ~{search.CHUNK_TOKENS} tokens")  # fmt: skip
    print(f"ratio per-sentence / batched (wall): {per_sentence_wall / batched_wall:.2f}x; "
          f"max |difference| {worst:.2e} (relative to max(1, |value|): {worst_rel:.2e})")  # fmt: skip

    with tempfile.TemporaryDirectory() as root:
        began, wall = time.process_time(), time.perf_counter()
        search._write_index(m, corpus, Path(root), lambda f: None)
        print(f"whole index build (trace + histograms + files, corpus read excluded): "
              f"{time.perf_counter() - wall:.2f} s wall, "
              f"{time.process_time() - began:.2f} s CPU")  # fmt: skip


if __name__ == "__main__":
    main()
