"""Server-side latency of each page and the bytes of every figure it sends.

    python bench/app_latency.py [--model cws-bilstm] [--repeat 7]

For each page, with Streamlit's AppTest running the real app in this process:
- cached: median time of a rerun after a cached interaction (step and unit change: sliders and
  clicks only index the cached trace and figure specs);
- new 50 / new 200: median time of the first run on a sentence never seen (50 and 200 chars);
- the bytes of each Plotly spec the page sends (what `st.plotly_chart` serialises), for the
  model's first example and for a 200-character sentence.
Then one heatmap of 128 units × 100 tokens. Targets: cached ≤ 100 ms, new ≤ 500 ms, heatmap
≤ 150 KB. Times include AppTest's own bookkeeping, so they slightly overstate a real server.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from rnnviz import figures, models  # noqa: E402

PAGES = ("overview", "step", "heatmaps", "predictions", "compare")
TARGETS = {"cached": 100.0, "new 50": 500.0, "new 200": 500.0}


def sentence(pool: str, length: int, rng: random.Random) -> str:
    """A fresh sentence of ``length`` characters drawn from the model's own examples."""
    return "".join(rng.choice(pool) for _ in range(length))


def timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - start) * 1000
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return elapsed


def chart_bytes(at: AppTest) -> list[int]:
    return [len(el.proto.spec.encode()) for el in at.get("plotly_chart")]


def bench_page(page: str, model: str, repeat: int, pool: str, rng: random.Random) -> dict:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["model"] = model
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()  # warm: model loaded, first sentence traced, figures cached
    steps = max(1, len(models.load(model).tokenize(at.session_state["text"])))
    cached = []
    for k in range(repeat):
        at.session_state["step"] = (k + 1) % steps
        at.session_state["unit"] = (7 * k) % 64
        cached.append(timed(at))
    sizes = chart_bytes(at)
    row = {"page": page, "cached": statistics.median(cached), "bytes": sizes}
    for length in (50, 200):
        runs = []
        for _ in range(max(3, repeat // 2)):
            at.session_state["text"] = sentence(pool, length, rng)
            at.session_state["step"] = 0
            runs.append(timed(at))
        row[f"new {length}"] = statistics.median(runs)
    row["bytes 200"] = chart_bytes(at)
    return row


def heatmap_bytes(model: str) -> tuple[int, str]:
    m = models.load(model)
    pool = "".join(m.examples) or "abc"
    text = (pool * (100 // len(pool) + 1))[:100]
    trace = m.trace(text)
    figs = figures.heatmaps(trace, trace.spec.updated, 0, "similarity")
    size = max(figures.payload_bytes(f) for f in figs.values())
    return size, f"{trace.units('h')} units × {trace.length} tokens"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model name (default: first cws model)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    names = models.available()
    if not names:
        sys.exit("no models in assets/models: python -m rnnviz.train first")
    model = args.model or next((n for n in names if n.startswith("cws")), names[0])
    m = models.load(model)
    pool = "".join(c for c in "".join(m.examples) if not c.isspace()) or "abc"
    rng = random.Random(0)
    print(f"model {model}, median of {args.repeat} runs (ms); figure bytes as sent")
    print(
        f"{'page':<12} {'cached':>8} {'new 50':>8} {'new 200':>8}  figures KB (example; 200 chars)"
    )
    worst = dict.fromkeys(TARGETS, 0.0)
    for page in PAGES:
        row = bench_page(page, model, args.repeat, pool, rng)
        for key in TARGETS:
            worst[key] = max(worst[key], row[key])
        kb = " ".join(f"{b / 1024:.0f}" for b in row["bytes"])
        kb += "; " + " ".join(f"{b / 1024:.0f}" for b in row["bytes 200"])
        print(f"{page:<12} {row['cached']:8.0f} {row['new 50']:8.0f} {row['new 200']:8.0f}  {kb}")
    size, shape = heatmap_bytes(model)
    print(f"\none heatmap, {shape}: {size / 1024:.0f} KB (target ≤ 150 KB)")
    for key, target in TARGETS.items():
        verdict = "ok" if worst[key] <= target else "OVER"
        print(f"worst {key}: {worst[key]:.0f} ms (target ≤ {target:.0f} ms) {verdict}")


if __name__ == "__main__":
    main()
