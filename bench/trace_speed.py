"""How much slower is tracing every gate than PyTorch's own forward pass?

For bidirectional LSTM and GRU (and the vanilla RNN with ``--all-cells``), 1 and 2 layers,
H in {64, 128, 256, 512} x T in {10, 100, 1000}: the median time of the native forward (no grad)
and of ``trace_rnn``, measured alternately in one run so both see the same machine load, on the
process CPU clock and on the wall clock at once. The last line is
``median ratio R, worst ratio W`` on the CPU clock (steady on a busy machine).

    python bench/trace_speed.py [--repeats N] [--threads N] [--layers 1 2] [--all-cells]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, no install
from rnnviz import CELLS, trace_rnn, tracer

INPUT = 64


def measure(rnn: nn.Module, x: torch.Tensor, repeats: int) -> list[float]:
    """Median ``[native cpu, trace cpu, native wall, trace wall]`` in seconds."""
    rows = []
    with torch.no_grad():
        rnn(x)  # warm-up: first calls allocate
        trace_rnn(rnn, x)
        for _ in range(repeats):
            c0, w0 = time.process_time(), time.perf_counter()
            rnn(x)
            c1, w1 = time.process_time(), time.perf_counter()
            trace_rnn(rnn, x)
            c2, w2 = time.process_time(), time.perf_counter()
            rows.append((c1 - c0, c2 - c1, w1 - w0, w2 - w1))
    return [statistics.median(col) for col in zip(*rows, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=0, help="0: chosen per size")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--layers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument("--steps", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--all-cells", action="store_true", help="also the vanilla RNNs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    names = list(CELLS) if args.all_cells else ["lstm", "gru"]
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, input size {INPUT}, "
        f"bidirectional; path: {tracer.PATH}"
    )
    head = "cell      L    H     T  native cpu ms  trace cpu ms  ratio cpu  ratio wall"
    print(head)
    ratios: dict[str, list[float]] = {}
    for name in names:
        spec = CELLS[name]
        extra = {"nonlinearity": spec.nonlinearity} if spec.nonlinearity else {}
        for layers in args.layers:
            for hidden in args.hidden:
                rnn = spec.module(INPUT, hidden, layers, bidirectional=True, **extra).eval()
                for steps in args.steps:
                    x = torch.randn(steps, INPUT)
                    work = hidden * steps * layers
                    repeats = args.repeats or max(5, min(200, int(2e6 / work)))
                    n_cpu, t_cpu, n_wall, t_wall = measure(rnn, x, repeats)
                    ratio = t_cpu / n_cpu
                    ratios.setdefault(name, []).append(ratio)
                    print(
                        f"{name:8} {layers:2d} {hidden:4d} {steps:5d} {n_cpu * 1e3:14.3f} "
                        f"{t_cpu * 1e3:13.3f} {ratio:10.2f} {t_wall / n_wall:11.2f}",
                        flush=True,
                    )
    for name, values in ratios.items():
        print(f"{name}: median {statistics.median(values):.2f}, worst {max(values):.2f}")
    every = [r for values in ratios.values() for r in values]
    print(f"median ratio {statistics.median(every):.2f}, worst ratio {max(every):.2f}")


if __name__ == "__main__":
    main()
