"""A day in miniature on one replica: websocket students arrive, work, drop and leave for a while.

    python bench/soak.py                                  # 300 sessions over 15 minutes
    python bench/soak.py --minutes 3 --sessions 40        # a short run
    python bench/soak.py --minutes 3 --sessions 40 --gc on      # Streamlit's gc.collect per run
    python bench/soak.py --minutes 3 --sessions 40 --no-freeze  # without gc.freeze() at start
    python bench/soak.py --url http://127.0.0.1:8501 --pid 1234  # a running server

Each student is bench/classroom.py's ``WireStudent`` (Streamlit's own websocket protocol, no
browser). Students arrive at random over the run (Poisson, spread so the last one can finish),
open the app, type their own sentence, open Step through and press Next a few times, visit
Heatmaps, Predictions, the overview and (some of them) Unit search, thinking a few seconds
between clicks; one in ten drops its websocket mid-session and reconnects naming its session, as a
browser does after a network blink (it must get the same session back); then they leave.

Before the students, one warm-up session visits every page (models loaded, the corpus index
opened): the replica's RSS after it is the *warm* level. Every ``--every`` seconds the bench
samples the replica's RSS, CPU seconds, the bytes Streamlit's caches hold (``/_stcore/metrics``,
``cache_memory_bytes``) and the sessions open. After the last student leaves it waits for
``server.disconnectedSessionTTL`` (``--ttl``) and more, so ended sessions are released, and
samples again: *after* should come back near *warm*. With the trace player (issue 17) Next
steps in the browser and never reaches the server. A share of the students (``--long``) types a
sentence of 200 characters, the sidebar's limit, so the caches fill by bytes. After the sessions
end the bench also waits for the caches' idle time (``--cache-idle``, the server's
``RNNVIZ_CACHE_IDLE_S``) and the sweep after it. Errors: a traceback on a page, an action that
timed out or failed, a reconnect that got a new session, a traceback in the server's log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.classroom import Student, WireStudent, percentile, proc_stats, sentence_for  # noqa: E402
from deploy.serve import (  # noqa: E402
    THREAD_ENV,
    free_port,
    stop_process,
    streamlit_command,
    wait_healthy,
)

PAGES = ("step", "heatmaps", "predictions", "", "search")


@dataclass
class Sample:
    t: float  # seconds since the students started
    open_sessions: int
    rss_mb: float
    cpu_s: float
    cache_mb: float


@dataclass
class Soak:
    url: str
    args: argparse.Namespace
    rng: random.Random
    open_sessions: int = 0
    done_sessions: int = 0
    actions: list[tuple[str, float]] = field(default_factory=list)  # (action, ms)
    errors: list[str] = field(default_factory=list)
    resumed: int = 0


def cache_bytes(url: str) -> float:
    """Bytes Streamlit's caches hold (its ``cache_memory_bytes`` metric, which includes the
    app's byte-bounded caches), NaN if unavailable."""
    by_cache = cache_bytes_by_name(url)
    return sum(by_cache.values()) if by_cache is not None else float("nan")


def cache_bytes_by_name(url: str) -> dict[str, float] | None:
    """``cache_memory_bytes`` per cache (``type:name``), None if unavailable."""
    try:
        req = urllib.request.Request(f"{url}/_stcore/metrics?families=cache_memory_bytes")
        with urllib.request.urlopen(req, timeout=20) as r:
            text = r.read().decode()
    except OSError:
        return None
    by_cache: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("cache_memory_bytes"):
            labels, value = line.rsplit(" ", 1)
            kind = labels.split('cache_type="', 1)[-1].split('"', 1)[0]
            name = labels.split('cache="', 1)[-1].split('"', 1)[0].rsplit(".", 1)[-1]
            key = f"{kind}:{name}"
            by_cache[key] = by_cache.get(key, 0.0) + float(value)
    return by_cache


async def student(soak: Soak, k: int, delay: float) -> None:
    import websockets

    args, rng = soak.args, soak.rng
    await asyncio.sleep(delay)
    stream = soak.url.replace("http", "ws", 1) + "/_stcore/stream"
    query = f"model={args.model}&lang={rng.choice(('zh', 'en'))}"
    record = Student(k)

    async def connect(session_id: str = ""):
        protocols = ["streamlit", "noxsrf", session_id] if session_id else ["streamlit"]
        return await websockets.connect(
            stream, subprotocols=protocols, max_size=None, origin=soak.url, open_timeout=60
        )

    async def think() -> None:
        await asyncio.sleep(rng.uniform(args.think_min, args.think_max))

    async def act(wire: WireStudent, action: str, page: str, **kw) -> bool:
        ok = await wire.rerun(action, page, query, **kw)
        rec = wire.student.records[-1]
        soak.actions.append((action, rec.ms))
        if not ok:
            soak.errors.append(f"student {k} {action} {page or 'overview'}: {rec.error}")
        return ok

    soak.open_sessions += 1
    ws = None
    try:
        ws = await connect()
        wire = WireStudent(ws, record, args.timeout)
        if not await act(wire, "open", ""):
            return
        await think()
        length = 200 if rng.random() < args.long else 50  # 200: the sidebar's limit
        await act(wire, "new sentence", "", text=sentence_for(k, length))
        await think()
        await act(wire, "page", "step")
        for _ in range(rng.randint(2, args.nexts)):
            await think()
            if wire.next_button is None:  # the trace player: Next never reaches the server
                break
            await act(wire, "next", "step", trigger=wire.next_button)
        if rng.random() < args.drop:  # the network blinks: reconnect, naming the session
            session = wire.session_id
            await ws.close()
            await asyncio.sleep(rng.uniform(0.5, 3.0))
            ws = await connect(session)
            wire = WireStudent(ws, record, args.timeout)
            if await act(wire, "reconnect", "step"):
                if wire.session_id == session:
                    soak.resumed += 1
                else:
                    soak.errors.append(f"student {k}: reconnect got a new session")
        for page in PAGES[1:]:
            if page == "search" and rng.random() > args.search:
                continue
            await think()
            await act(wire, "page", page)
    except Exception as exc:  # a refused or broken connection is this student's error
        soak.errors.append(f"student {k}: {type(exc).__name__}: {str(exc)[:160]}")
    finally:
        if ws is not None:
            await ws.close()
        soak.open_sessions -= 1
        soak.done_sessions += 1


async def warm_up(url: str, args: argparse.Namespace) -> list[str]:
    """One session over every page (models, figures and the corpus index loaded)."""
    import websockets

    errors = []
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(
        stream, subprotocols=["streamlit"], max_size=None, origin=url, open_timeout=60
    ) as ws:
        wire = WireStudent(ws, Student(-1), timeout=900)  # the first search may build an index
        query = f"model={args.model}&lang=zh"
        for action, page, kw in [
            ("open", "", {}),
            ("new sentence", "", {"text": sentence_for(10_000)}),
            *[("page", p, {}) for p in PAGES],
        ]:
            if not await wire.rerun(action, page, query, **kw):
                errors.append(f"warm-up {page or 'overview'}: {wire.student.records[-1].error}")
    return errors


async def sampler(soak: Soak, pid: int | None, start: float, samples: list[Sample]) -> None:
    while True:
        stats = proc_stats(pid) if pid else {"rss": float("nan"), "cpu": float("nan")}
        cache = await asyncio.to_thread(cache_bytes, soak.url)
        samples.append(
            Sample(
                time.perf_counter() - start,
                soak.open_sessions,
                stats["rss"],
                stats["cpu"],
                cache / 2**20,
            )
        )
        await asyncio.sleep(soak.args.every)


async def run(url: str, pid: int | None, args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
    soak = Soak(url, args, rng)
    warm_errors = await warm_up(url, args)
    await asyncio.sleep(2)
    warm = proc_stats(pid) if pid else {"rss": float("nan"), "cpu": float("nan")}
    warm_cache = cache_bytes(url) / 2**20
    # Arrivals: a Poisson process over the run, leaving each student time to finish.
    session_s = (args.think_min + args.think_max) / 2 * (8 + args.nexts / 2)
    window = max(1.0, args.minutes * 60 - session_s)
    gaps = [rng.expovariate(args.sessions / window) for _ in range(args.sessions)]
    arrivals, t = [], 0.0
    for g in gaps:
        t += g
        arrivals.append(t)
    scale = min(1.0, window / arrivals[-1]) if arrivals else 1.0
    arrivals = [a * scale for a in arrivals]
    samples: list[Sample] = []
    start = time.perf_counter()
    sampling = asyncio.create_task(sampler(soak, pid, start, samples))
    await asyncio.gather(*(student(soak, k, a) for k, a in enumerate(arrivals)))
    students_s = time.perf_counter() - start
    # ended sessions are released, then the caches' idle entries go (and the sweep trims)
    await asyncio.sleep(max(args.ttl, args.cache_idle + 60) + 2 * args.every + 5)
    sampling.cancel()
    after = proc_stats(pid) if pid else {"rss": float("nan"), "cpu": float("nan")}
    after_by_cache = cache_bytes_by_name(url) or {}
    after_cache = sum(after_by_cache.values()) / 2**20
    by_action: dict[str, list[float]] = {}
    for action, ms in soak.actions:
        by_action.setdefault(action, []).append(ms)
    return {
        "sessions": args.sessions,
        "minutes": args.minutes,
        "students_s": round(students_s, 1),
        "gc": args.gc,
        "freeze": args.freeze,
        "warm_rss_mb": round(warm["rss"], 1),
        "peak_rss_mb": round(max((s.rss_mb for s in samples), default=float("nan")), 1),
        "after_rss_mb": round(after["rss"], 1),
        "warm_cache_mb": round(warm_cache, 1),
        "peak_cache_mb": round(max((s.cache_mb for s in samples), default=float("nan")), 1),
        "after_cache_mb": round(after_cache, 1),
        "after_cache_mb_by_name": {
            k: round(v / 2**20, 2)
            for k, v in sorted(after_by_cache.items(), key=lambda kv: -kv[1])
            if v >= 2**18
        },
        "max_open_sessions": max((s.open_sessions for s in samples), default=0),
        "cpu_s": round(after["cpu"] - warm["cpu"], 1),
        "actions": len(soak.actions),
        "resumed": soak.resumed,
        "errors": warm_errors + soak.errors,
        "ms": {
            a: {
                "n": len(v),
                "p50": round(statistics.median(v)),
                "p95": round(percentile(v, 95)),
            }
            for a, v in sorted(by_action.items())
        },
        "samples": [s.__dict__ for s in samples],
    }


def report(result: dict, server_log: Path | None, every_row: int) -> None:
    tracebacks = 0
    if server_log is not None and server_log.exists():
        tracebacks = server_log.read_text(errors="replace").count("Traceback")
    result["server_tracebacks"] = tracebacks
    print(
        f"soak: {result['sessions']} sessions over {result['minutes']} min on one replica "
        f"(postScriptGC {result['gc']}, gc.freeze {'on' if result['freeze'] else 'off'})"
    )
    print("| t (s) | open sessions | RSS (MB) | caches (MB) | CPU (s) |")
    print("|---:|---:|---:|---:|---:|")
    rows = result["samples"]
    for i, s in enumerate(rows):
        if i % every_row == 0 or i == len(rows) - 1:
            print(
                f"| {s['t']:.0f} | {s['open_sessions']} | {s['rss_mb']:.0f} | "
                f"{s['cache_mb']:.1f} | {s['cpu_s']:.1f} |"
            )
    print(
        f"RSS warm {result['warm_rss_mb']} MB, peak {result['peak_rss_mb']} MB, after the "
        f"students left and their sessions ended {result['after_rss_mb']} MB; caches warm "
        f"{result['warm_cache_mb']} MB, peak {result['peak_cache_mb']} MB, after "
        f"{result['after_cache_mb']} MB"
    )
    held = ", ".join(f"{k} {v}" for k, v in result["after_cache_mb_by_name"].items())
    print(f"caches after (MB, those over 0.25): {held or 'none'}")
    print(
        f"{result['actions']} actions, {result['max_open_sessions']} sessions open at most, "
        f"{result['resumed']} reconnects resumed their session, server CPU {result['cpu_s']} s "
        f"in {result['students_s']} s"
    )
    for action, m in result["ms"].items():
        print(f"  {action}: n {m['n']}, p50 {m['p50']} ms, p95 {m['p95']} ms")
    print(f"errors: {len(result['errors'])}; tracebacks in the server log: {tracebacks}")
    for line in result["errors"][:20]:
        print("  " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--model", default="cws-bilstm")
    parser.add_argument("--nexts", type=int, default=5, help="at most this many Next clicks")
    parser.add_argument("--think-min", type=float, default=3.0, help="seconds between clicks")
    parser.add_argument("--think-max", type=float, default=12.0)
    parser.add_argument("--drop", type=float, default=0.1, help="share that reconnect midway")
    parser.add_argument("--search", type=float, default=0.3, help="share that open Unit search")
    parser.add_argument("--gc", choices=("off", "on"), default="off", help="runner.postScriptGC")
    parser.add_argument(
        "--freeze",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="RNNVIZ_GC_FREEZE (gc.freeze at the server's start; on by default)",
    )
    parser.add_argument("--ttl", type=int, default=120, help="server.disconnectedSessionTTL")
    parser.add_argument("--long", type=float, default=0.2, help="share typing 200 characters")
    parser.add_argument(
        "--cache-idle", type=int, default=300, help="RNNVIZ_CACHE_IDLE_S of the server started"
    )
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--timeout", type=float, default=120.0, help="per action, seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", help="soak a running server instead of starting one")
    parser.add_argument("--pid", type=int, help="the running server's pid (RSS, CPU)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    proc, log_path, log = None, None, None
    try:
        if args.url:
            url, pid = args.url.rstrip("/"), args.pid
        else:
            port = free_port()
            cmd = streamlit_command(port)
            cmd = [a for a in cmd if not a.startswith("--runner.postScriptGC=")]
            cmd += [
                f"--runner.postScriptGC={'true' if args.gc == 'on' else 'false'}",
                f"--server.disconnectedSessionTTL={args.ttl}",
            ]
            env = {
                **os.environ,
                **THREAD_ENV,
                "RNNVIZ_GC_FREEZE": "1" if args.freeze else "0",
                "RNNVIZ_CACHE_IDLE_S": str(args.cache_idle),
            }
            log_path = Path(tempfile.mkdtemp(prefix="rnnviz-soak-")) / "server.log"
            log = open(log_path, "w")  # noqa: SIM115 (closed below)
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            url, pid = f"http://127.0.0.1:{port}", proc.pid
            wait_healthy(url, [proc], 180)
        result = asyncio.run(run(url, pid, args))
    finally:
        if proc is not None:
            stop_process(proc)
        if log is not None:
            log.close()
    report(result, log_path, max(1, int(60 / args.every)))
    if log_path is not None:
        print(f"server log: {log_path}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 1 if result["errors"] or result["server_tracebacks"] else 0


if __name__ == "__main__":
    sys.exit(main())
