"""How much slower is tracing every gate than PyTorch's own forward pass?

For bidirectional LSTM and GRU (and the vanilla RNN with ``--all-cells``), 1 and 2 layers,
H in {64, 128, 256, 512} x T in {10, 100, 1000}: the median time of the native forward (no grad)
and of ``trace_rnn`` on each design (one pass in C++ where it is built, and the torch-only
recompute fallback), measured alternately in one run so all see the same machine load, on the
process CPU clock and on the wall clock at once. The last line is ``median ratio R, worst
ratio W`` on the CPU clock for the design the app runs (one pass where it is built).

    python bench/trace_speed.py [--repeats N] [--threads N] [--layers 1 2] [--all-cells]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, no install
from rnnviz import CELLS, onepass, trace_rnn, tracer

INPUT = 64
DESIGNS = ("onepass", "recompute")


def _trace(rnn: nn.Module, x: torch.Tensor, design: str) -> None:
    os.environ["RNNVIZ_TRACER"] = design
    trace_rnn(rnn, x)


def measure(rnn: nn.Module, x: torch.Tensor, repeats: int, designs: list[str]) -> dict:
    """Median CPU and wall seconds of ``native`` and of each design, measured alternately."""
    rows: dict[str, list[tuple[float, float]]] = {k: [] for k in ("native", *designs)}
    with torch.no_grad():
        rnn(x)  # warm-up: first calls allocate (and the one-pass transposes U once per model)
        for design in designs:
            _trace(rnn, x, design)
        for _ in range(repeats):
            c0, w0 = time.process_time(), time.perf_counter()
            rnn(x)
            rows["native"].append((time.process_time() - c0, time.perf_counter() - w0))
            for design in designs:
                c0, w0 = time.process_time(), time.perf_counter()
                _trace(rnn, x, design)
                rows[design].append((time.process_time() - c0, time.perf_counter() - w0))
    return {k: [statistics.median(col) for col in zip(*v, strict=True)] for k, v in rows.items()}


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
    built = onepass.module(wait=True) is not None
    designs = list(DESIGNS) if built else ["recompute"]
    names = list(CELLS) if args.all_cells else ["lstm", "gru"]
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, input size {INPUT}, "
        f"bidirectional; one-pass extension: {'built' if built else onepass.error()}"
    )
    print("ratio = trace / native forward; cpu: process CPU clock, wall: wall clock")
    head = "cell      L    H     T  native cpu ms  " + "  ".join(
        f"{d:>9} cpu  {d:>9} wall" for d in designs
    )
    print(head + "  app path")
    ratios: dict[str, list[float]] = {}
    by_design: dict[tuple[str, str], list[float]] = {}
    for name in names:
        spec = CELLS[name]
        extra = {"nonlinearity": spec.nonlinearity} if spec.nonlinearity else {}
        for layers in args.layers:
            for hidden in args.hidden:
                rnn = spec.module(INPUT, hidden, layers, bidirectional=True, **extra).eval()
                os.environ["RNNVIZ_TRACER"] = "auto"
                app = "onepass" if tracer.path(rnn) == tracer.ONE_PASS else "recompute"
                for steps in args.steps:
                    x = torch.randn(steps, INPUT)
                    work = hidden * steps * layers
                    repeats = args.repeats or max(5, min(200, int(2e6 / work)))
                    t = measure(rnn, x, repeats, designs if app == "onepass" else ["recompute"])
                    cells = []
                    for d in designs:
                        if d not in t:
                            cells.append(f"{'-':>13}  {'-':>14}")
                            continue
                        r_cpu, r_wall = t[d][0] / t["native"][0], t[d][1] / t["native"][1]
                        by_design.setdefault((name, d), []).append(r_cpu)
                        cells.append(f"{r_cpu:13.2f}  {r_wall:14.2f}")
                    ratios.setdefault(name, []).append(t[app][0] / t["native"][0])
                    print(
                        f"{name:8} {layers:2d} {hidden:4d} {steps:5d} {t['native'][0] * 1e3:14.3f}  "
                        + "  ".join(cells)
                        + f"  {app}",
                        flush=True,
                    )
    for (name, design), values in by_design.items():
        print(f"{name} {design}: median {statistics.median(values):.2f}, worst {max(values):.2f}")
    os.environ["RNNVIZ_TRACER"] = "auto"
    every = [r for values in ratios.values() for r in values]
    print(f"app path (one pass where built, else recompute), cpu clock, over {len(every)} cases:")
    print(f"median ratio {statistics.median(every):.2f}, worst ratio {max(every):.2f}")


if __name__ == "__main__":
    main()
