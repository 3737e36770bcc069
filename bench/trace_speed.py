"""How much slower is tracing every gate than PyTorch's own forward pass?

For bidirectional LSTM and GRU, H in {64, 128, 256, 512} x T in {10, 100, 1000}: the median time
of the native forward (no grad) and of ``trace_rnn``, measured alternately in one run so both see
the same machine load, and their ratio. The last line is ``median ratio R, worst ratio W``.

    python bench/trace_speed.py [--repeats N] [--clock wall|cpu] [--threads N]

On a machine shared with other work, ``--clock cpu`` (process CPU time) is steadier than wall
time; both calls are timed the same way in the same run, so the ratio stays comparable.
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
from rnnviz import trace_rnn

INPUT = 64


def measure(rnn: nn.Module, x: torch.Tensor, repeats: int, clock) -> tuple[float, float]:
    native, traced = [], []
    with torch.no_grad():
        rnn(x)  # warm-up: first calls allocate
        trace_rnn(rnn, x)
        for _ in range(repeats):
            t0 = clock()
            rnn(x)
            t1 = clock()
            trace_rnn(rnn, x)
            t2 = clock()
            native.append(t1 - t0)
            traced.append(t2 - t1)
    return statistics.median(native), statistics.median(traced)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=0, help="0: chosen per size")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    torch.manual_seed(0)
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, input size {INPUT}, "
        f"clock {args.clock}"
    )
    print(f"{'cell':5} {'H':>4} {'T':>5} {'native ms':>10} {'trace ms':>10} {'ratio':>6}")
    ratios = []
    for cls in (nn.LSTM, nn.GRU):
        for hidden in (64, 128, 256, 512):
            rnn = cls(INPUT, hidden, bidirectional=True).eval()
            for steps in (10, 100, 1000):
                x = torch.randn(steps, INPUT)
                repeats = args.repeats or max(5, min(200, int(2e6 / (hidden * steps))))
                native, traced = measure(rnn, x, repeats, clock)
                ratio = traced / native
                ratios.append(ratio)
                print(
                    f"{cls.__name__:5} {hidden:4d} {steps:5d} {native * 1e3:10.3f} "
                    f"{traced * 1e3:10.3f} {ratio:6.2f}",
                    flush=True,
                )
    print(f"median ratio {statistics.median(ratios):.2f}, worst ratio {max(ratios):.2f}")


if __name__ == "__main__":
    main()
