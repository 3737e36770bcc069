"""A classroom at once: N simulated students (headless Chromium contexts) on a cold server.

    python bench/classroom.py                      # 10 students, 1 replica, started cold here
    python bench/classroom.py --n 30 --replicas 2  # 2 replicas behind nginx (deploy/serve.py)
    python bench/classroom.py --url http://127.0.0.1:8501 --pid 1234 --pid 1235

Each student has its own browser context (own cookies, so nginx may put it on any replica) in one
Chromium, all driven concurrently with asyncio. Each one opens the overview, waits for the whole
class, types its own ~50-character Chinese sentence at the same moment as everyone else, opens
Step through and presses Next several times, then visits Heatmaps, Predictions and the overview.

Per action it measures the time from the click until the app is idle again (the ``stApp``
element's ``data-test-script-state`` leaves ``running``), the websocket bytes the browser received,
and errors (a traceback element ``stException`` on the page, or an action that timed out). Also:
when the last student's new sentence was drawn after everyone pressed Ctrl+Enter together, and
each replica's RSS (now and peak, ``VmHWM``) and CPU seconds, from /proc/<pid>.

Times are seen from the browser on the same machine: server work + localhost transfer, not the
browser's drawing. Chromium shares the cores with the server, so numbers at large N on a small
machine overstate the server's share; compare runs made on the same machine.

``--clients ws`` replaces the browsers by Streamlit's own wire protocol: each student is one
websocket speaking ``BackMsg``/``ForwardMsg`` (the protobufs the browser sends and receives), in
one asyncio loop that costs a few percent of a core. It does what the browser would (open a page
with the student's sentence in the query string, switch pages on the same connection, press Next
by sending its widget trigger inside Step through's fragment) and times each action until the
server's ``script_finished``. Nothing is drawn, so the numbers are the server's, under N
concurrent students, on cores it does not share with thirty browsers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.serve import Deployment  # noqa: E402
from rnnviz.i18n import STRINGS  # noqa: E402

CHROMIUM = os.environ.get("RNNVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--mute-audio"]

# Short news-style sentences written for this bench (not taken from any corpus). Student k types
# two of them joined and clipped to 50 characters, so every student's sentence is different.
SENTENCES = (
    "今年春耕期间，全省农机合作社为农户提供了代耕代种服务。",
    "市图书馆新增了三千册少儿读物，周末开放时间延长两小时。",
    "这座跨江大桥建成通车后，两岸居民通勤时间缩短一半。",
    "科研团队在低温条件下测试了新型电池的续航能力。",
    "社区卫生服务中心为老年人开设了免费体检绿色通道。",
    "铁路部门在暑运期间加开多趟旅客列车，方便学生返乡。",
    "山区小学的孩子们第一次通过网络课堂听到了外教讲课。",
    "沿海城市加强防台风准备，渔船已全部回港避风。",
    "新建的污水处理厂投入运行，河道水质明显好转。",
    "博物馆推出夜间开放活动，吸引了大批年轻观众。",
    "农业专家深入田间地头，指导农民科学施肥和病虫害防治。",
    "这家工厂通过技术改造，单位产品能耗下降了百分之十五。",
    "高校毕业生就业服务月活动在各地同步启动。",
    "志愿者们利用周末时间清理了河滩上的垃圾。",
    "国产大型客机完成了新一轮高原试飞任务。",
    "城市公园新增健身步道，市民晨练有了好去处。",
    "气象部门提醒，未来三天北方地区将出现明显降温。",
    "乡村振兴工作队帮助村民建起了蔬菜大棚和冷库。",
    "中学生机器人比赛吸引了来自二十个省份的代表队。",
    "快递企业在偏远乡镇设立服务点，网购商品当天可达。",
    "文化部门组织专家修缮了一批明清时期的古建筑。",
    "医院上线预约挂号系统，患者排队时间大幅减少。",
    "边防官兵在海拔四千米的哨所度过了又一个春节。",
    "新能源汽车充电桩覆盖了全市所有高速公路服务区。",
    "青年教师走上讲台，用生动的实验点燃学生的好奇心。",
    "湿地保护区今冬迎来上万只候鸟栖息越冬。",
    "消防部门开展进校园活动，教孩子们正确使用灭火器。",
    "老旧小区改造后加装了电梯，居民上下楼更加方便。",
    "粮食收购工作有序进行，各收储点秩序井然。",
    "一批中小企业借助电商平台把产品卖到了海外。",
    "地铁新线路开通首日，客流量超过二十万人次。",
    "研究人员发现了一种耐盐碱的水稻新品种。",
    "全民阅读活动走进工厂车间，职工书屋受到欢迎。",
    "海上风电项目并网发电，每年可节约标准煤数十万吨。",
    "县里组织农民工技能培训，学员结业后可获得证书。",
    "冬奥会场馆赛后向公众开放，成为群众冰雪运动的场地。",
)

IDLE_JS = """n => {
  const app = document.querySelector('[data-testid=stApp]');
  return window.__rnnvizRuns > n && app && app.getAttribute('data-test-script-state') === 'notRunning';
}"""
# Counts finished script runs: the stApp attribute leaving "running" (fragment runs too).
COUNT_RUNS_JS = """
window.__rnnvizRuns = 0;
new MutationObserver(changes => {
  for (const c of changes) {
    if (c.oldValue === 'running' && c.target.getAttribute(c.attributeName) !== 'running') {
      window.__rnnvizRuns += 1;
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""


DEFLATE = False  # --deflate: estimate what per-message compression would have sent


def deflated_size(raw: bytes) -> int:
    """The frame deflated alone (raw deflate, no zlib header), when ``--deflate`` asks for it:
    the estimate costs the client ~50 ms of CPU per MB, on the cores the server uses."""
    return len(zlib.compress(raw, 6)) - 6 if DEFLATE else 0


def sentence_for(student: int, length: int = 50, round_: int = 0) -> str:
    """Student ``student``'s own sentence: two of SENTENCES joined (more for a long one),
    clipped to ``length``; round ``round_`` > 0 rotates it by that many characters, so a second
    bench on a warm server types sentences its caches have not seen."""
    k = len(SENTENCES)
    text = SENTENCES[student % k] + SENTENCES[(student * 7 + 3) % k]
    more = 1
    while len(text) < length:
        text += SENTENCES[(student * 7 + 3 + 5 * more) % k]
        more += 1
    text = text[:length]
    return text[round_ % length :] + text[: round_ % length]


@dataclass
class Record:
    action: str
    ms: float
    received: int
    error: str = ""
    deflated: int = 0


@dataclass
class Student:
    index: int
    records: list[Record] = field(default_factory=list)
    received: int = 0
    deflated: int = 0  # the same frames, each deflated alone: an estimate of the wire bytes
    sentence_done: float = 0.0


class Class:
    """Shared clock points: every student waits here before typing, so all press at once."""

    def __init__(self, n: int, pids: list[int] | None = None) -> None:
        self.n = n
        self.arrived = 0
        self.go = asyncio.Event()
        self.go_time = 0.0
        self.pids = pids or []
        self.cpu_at_go: list[float] = []  # each server's CPU seconds when everyone had opened

    def _go(self) -> None:
        self.go_time = time.perf_counter()
        self.cpu_at_go = [proc_stats(pid)["cpu"] for pid in self.pids]
        self.go.set()

    async def gather(self) -> None:
        self.arrived += 1
        if self.arrived == self.n:
            self._go()
        await self.go.wait()

    def leave(self) -> None:
        """A student that failed before the meeting point must not hold up the others."""
        self.n -= 1
        if self.arrived >= self.n and not self.go.is_set():
            self._go()


async def act(page, student: Student, action: str, do, timeout: float) -> bool:
    """Run ``do()`` (a click, a key), wait for the app to be idle again, record the action."""
    before_runs = await page.evaluate("window.__rnnvizRuns || 0")
    before_bytes, before_deflated = student.received, student.deflated
    start = time.perf_counter()
    error = ""
    try:
        await do()
        await page.wait_for_function(IDLE_JS, arg=before_runs, timeout=timeout * 1000)
    except Exception as exc:
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    ms = (time.perf_counter() - start) * 1000
    if not error and await page.locator("[data-testid=stException]").count():
        text = await page.locator("[data-testid=stException]").first.inner_text()
        error = "traceback: " + " ".join(text.split())[:160]
    student.records.append(
        Record(
            action, ms, student.received - before_bytes, error, student.deflated - before_deflated
        )
    )
    return not error


async def run_student(
    browser, url: str, student: Student, klass: Class, args: argparse.Namespace
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    try:
        await context.add_init_script(COUNT_RUNS_JS)
        page = await context.new_page()
        page.set_default_timeout(args.timeout * 1000)

        def count(payload: str | bytes) -> None:
            raw = payload.encode() if isinstance(payload, str) else payload
            student.received += len(raw)
            student.deflated += deflated_size(raw)

        page.on("websocket", lambda ws: ws.on("framereceived", count))
        await asyncio.sleep(args.ramp * student.index / max(1, klass.n))

        async def goto() -> None:
            await page.goto(f"{url}/?model={args.model}&lang=en", timeout=args.timeout * 1000)

        if not await act(page, student, "open", goto, args.timeout):
            klass.leave()
            return
        await klass.gather()
        text = sentence_for(student.index, round_=args.round)
        box = page.locator("[data-testid=stSidebar] textarea")

        async def type_sentence() -> None:
            await box.fill(text)
            await box.press("Control+Enter")

        if await act(page, student, "new sentence", type_sentence, args.timeout):
            student.sentence_done = time.perf_counter()

        def link(name: str):
            title = STRINGS[f"page_{name}"]["en"]

            async def click() -> None:
                await page.locator("[data-testid=stSidebar] a", has_text=title).first.click()

            return click

        await act(page, student, "page step", link("step"), args.timeout)
        next_button = page.get_by_role("button", name="Next")
        for _ in range(args.nexts):
            await act(page, student, "next", next_button.first.click, args.timeout)
        for name in ("heatmaps", "predictions", "overview"):
            await act(page, student, f"page {name or 'overview'}", link(name), args.timeout)
    finally:
        await context.close()


class WireStudent:
    """One student on the wire: a websocket speaking Streamlit's protobufs (no browser)."""

    def __init__(self, ws, student: Student, timeout: float) -> None:
        self.ws, self.student, self.timeout = ws, student, timeout
        self.next_button: tuple[str, str] | None = None  # (widget id, fragment id)
        self.sentence_box = ""  # the sidebar text area's widget id
        self.markdown: list[str] = []  # the last run's markdown, to check what it showed
        self.alerts: list[str] = []  # the last run's st.error/warning/info/success and toasts
        self.sentence_shown = ""  # what the last run's sentence box showed
        self.session_id = ""  # the server's id of this session (a reconnect names it)
        self.query_string = ""  # the URL's query as the app last set it

    async def rerun(
        self,
        action: str,
        page: str,
        query: str,
        trigger: tuple[str, str] | None = None,
        text: str | None = None,
    ) -> bool:
        """Ask for a run of ``page`` (a fragment run with ``trigger``; ``text`` typed into the
        sentence box), wait for it to finish, record the action."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name = query, page
        if trigger is not None:
            widget = state.widget_states.widgets.add()
            widget.id, widget.trigger_value = trigger[0], True
            state.fragment_id = trigger[1]
        if text is not None:  # as the browser sends it on Ctrl+Enter
            widget = state.widget_states.widgets.add()
            widget.id, widget.string_value = self.sentence_box, text
        self.markdown, self.alerts = [], []
        start, received, deflated, error = time.perf_counter(), 0, 0, ""
        try:
            await self.ws.send(msg.SerializeToString())
            async with asyncio.timeout(self.timeout):
                while True:
                    raw = await self.ws.recv()
                    received += len(raw)
                    deflated += deflated_size(raw)
                    fwd = ForwardMsg()
                    fwd.ParseFromString(raw)
                    kind = fwd.WhichOneof("type")
                    if kind == "script_finished":
                        break
                    if kind == "page_not_found":
                        error = f"page not found: {page}"
                    if kind == "new_session":
                        self.session_id = fwd.new_session.initialize.session_id
                    if kind == "page_info_changed":  # the app keeps its state in the URL
                        self.query_string = fwd.page_info_changed.query_string
                    if kind != "delta" or fwd.delta.WhichOneof("type") != "new_element":
                        continue
                    element = fwd.delta.new_element
                    what = element.WhichOneof("type")
                    if what == "exception":
                        error = "traceback: " + element.exception.message[:160]
                    elif what == "button" and element.button.id.endswith("b_next"):
                        self.next_button = (element.button.id, fwd.delta.fragment_id)
                    elif what == "text_area" and self.sentence_box in ("", element.text_area.id):
                        self.sentence_box = element.text_area.id
                        box = element.text_area
                        self.sentence_shown = box.value if box.set_value else box.default
                    elif what == "markdown":
                        self.markdown.append(element.markdown.body)
                    elif what == "alert":
                        self.alerts.append(element.alert.body)
                    elif what == "toast":
                        self.alerts.append(element.toast.body)
        except Exception as exc:  # a timeout or a closed socket is the student's error
            error = error or f"{type(exc).__name__}: {str(exc)[:120]}"
        ms = (time.perf_counter() - start) * 1000
        self.student.records.append(Record(action, ms, received, error, deflated))
        self.student.received += received
        self.student.deflated += deflated
        return not error


async def run_student_ws(url: str, student: Student, klass: Class, args: argparse.Namespace) -> None:  # fmt: skip
    import websockets

    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    await asyncio.sleep(args.ramp * student.index / max(1, klass.n))
    opened = False
    try:
        async with websockets.connect(
            stream, subprotocols=["streamlit"], max_size=None, origin=url, open_timeout=args.timeout
        ) as ws:
            wire = WireStudent(ws, student, args.timeout)
            query = f"model={args.model}&lang={args.lang}"
            opened = await wire.rerun("open", "", query)
            if not opened:
                klass.leave()
                return
            await klass.gather()
            text = sentence_for(student.index, round_=args.round)
            if await wire.rerun("new sentence", "", query, text=text):
                student.sentence_done = time.perf_counter()
            think = thinker(student.index, args.think)
            await think()
            await wire.rerun("page step", "step", query)
            for _ in range(args.nexts):
                if wire.next_button is None:  # the trace player: Next never reaches the server
                    break
                await think()
                await wire.rerun("next", "step", query, wire.next_button)
            for name in ("heatmaps", "predictions", ""):
                await think()
                await wire.rerun(f"page {name or 'overview'}", name, query)
    except Exception as exc:  # could not connect at all
        student.records.append(Record("open", 0.0, 0, f"{type(exc).__name__}: {str(exc)[:120]}"))
        if not opened:
            klass.leave()


def thinker(student: int, think: tuple[float, float]):
    """A coroutine factory: each call waits a student's thinking time, drawn uniformly from
    ``think`` seconds (seeded by the student, so a rerun of the bench thinks the same)."""
    rng = random.Random(student)

    async def wait() -> None:
        if think[1] > 0:
            await asyncio.sleep(rng.uniform(*think))

    return wait


def think_range(text: str) -> tuple[float, float]:
    """``--think 2,5`` -> (2.0, 5.0); ``--think 3`` -> (3.0, 3.0)."""
    parts = [float(p) for p in text.split(",")]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or not 0 <= parts[0] <= parts[1]:
        raise argparse.ArgumentTypeError("--think takes LOW,HIGH seconds, 0 <= LOW <= HIGH")
    return parts[0], parts[1]


async def run_class_ws(url: str, args: argparse.Namespace) -> tuple[list[Student], Class, float]:
    students = [Student(k) for k in range(args.n)]
    klass = Class(args.n, args.pids)
    start = time.perf_counter()
    await asyncio.gather(*(run_student_ws(url, s, klass, args) for s in students))
    return students, klass, time.perf_counter() - start


def proc_stats(pid: int) -> dict[str, float]:
    """RSS now and at its peak (MB) and CPU seconds of one process, from /proc."""
    out = {"rss": float("nan"), "peak": float("nan"), "cpu": float("nan")}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                out["peak"] = int(line.split()[1]) / 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        out["cpu"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        pass
    return out


async def run_class(url: str, args: argparse.Namespace) -> tuple[list[Student], Class, float]:
    from playwright.async_api import async_playwright

    students = [Student(k) for k in range(args.n)]
    klass = Class(args.n, args.pids)
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            start = time.perf_counter()
            await asyncio.gather(*(run_student(browser, url, s, klass, args) for s in students))
            wall = time.perf_counter() - start
        finally:
            await browser.close()
    return students, klass, wall


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def table(students: list[Student]) -> list[dict]:
    """One row per action: count, errors, p50/p95/max ms, median and max KB received."""
    rows = []
    order = ("open", "new sentence", "page", "next")
    actions = sorted(
        {r.action for s in students for r in s.records},
        key=lambda a: (next((k for k, o in enumerate(order) if a.startswith(o)), 9), a),
    )

    def of(action: str) -> list[Record]:
        if action == "page":  # every page together
            return [r for s in students for r in s.records if r.action.startswith("page ")]
        if action == "after open":  # every interaction after the first page
            return [r for s in students for r in s.records if r.action != "open"]
        return [r for s in students for r in s.records if r.action == action]

    for action in [*actions, "page", "after open"]:
        recs = of(action)
        if not recs:
            continue
        good = [r for r in recs if not r.error] or recs
        ms = [r.ms for r in good]
        kb = [r.received / 1024 for r in good]
        deflated = [r.deflated / 1024 for r in good]
        rows.append(
            {
                "action": action,
                "count": len(recs),
                "errors": sum(bool(r.error) for r in recs),
                "p50 ms": percentile(ms, 50),
                "p95 ms": percentile(ms, 95),
                "max ms": max(ms),
                "KB p50": statistics.median(kb),
                "KB max": max(kb),
                "deflated KB p50": statistics.median(deflated),
            }
        )
    return rows


def server_times(path: Path | None, since: float = 0.0) -> dict[str, tuple[int, ...]]:
    """Per page label: count, p50, p95, max of the server's script-run times in the log, and
    the p50 and p95 of the script thread's CPU (runs logged at or after ``since``, epoch s)."""
    if path is None or not path.is_file():
        return {}
    runs: dict[str, list[tuple[float, float]]] = {}
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        if rec["t"] >= since:
            runs.setdefault(rec["label"], []).append((rec["ms"], rec.get("cpu_ms", float("nan"))))
    out = {}
    for k, v in sorted(runs.items()):
        ms, cpu = [a for a, _ in v], [b for _, b in v]
        out[k] = (len(v), percentile(ms, 50), percentile(ms, 95), max(ms))
        out[k] += (percentile(cpu, 50), percentile(cpu, 95))
    return out


def report(
    students: list[Student], klass: Class, wall: float, pids: list[int], args, before: list[dict]
) -> dict:
    rows = table(students)
    head = f"{'action':<18}{'count':>6}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    print(f"\n{args.n} students, {args.label}, model {args.model}, {wall:.1f} s in all")
    print(head + f"{'KB p50':>9}{'KB max':>9}{'deflated':>9}")
    for r in rows:
        print(
            f"{r['action']:<18}{r['count']:>6}{r['errors']:>7}{r['p50 ms']:>9.0f}{r['p95 ms']:>9.0f}"
            f"{r['max ms']:>9.0f}{r['KB p50']:>9.1f}{r['KB max']:>9.1f}"
            f"{r['deflated KB p50']:>9.1f}"
        )
    server = server_times(args.timing_log, args.started)
    if server:
        print("server-side script runs (RNNVIZ_TIMING_LOG; excludes the browsers' drawing;")
        print("  cpu = the script thread's own CPU, without waiting for the GIL):")
        for label, (count, p50, p95, top, cpu50, cpu95) in server.items():
            print(
                f"  {label:<16}{count:>6}   p50 {p50:>7.0f} ms   p95 {p95:>7.0f} ms"
                f"   max {top:>7.0f} ms   cpu p50 {cpu50:>5.0f} ms   cpu p95 {cpu95:>5.0f} ms"
            )
    done = [s.sentence_done - klass.go_time for s in students if s.sentence_done]
    last = max(done) if done else float("nan")
    print(
        f"new sentence, everyone at once: last drawn after {last:.2f} s ({len(done)}/{args.n} drawn)"
    )
    errors = [(s.index, r.action, r.error) for s in students for r in s.records if r.error]
    for index, action, error in errors[:10]:
        print(f"  error: student {index}, {action}: {error}")
    if len(errors) > 10:
        print(f"  … {len(errors) - 10} more errors")
    servers = []
    actions = sum(len(s.records) for s in students)
    opens = sum(r.action == "open" for s in students for r in s.records)
    for k, pid in enumerate(pids):
        now = proc_stats(pid)
        cpu = now["cpu"] - before[k]["cpu"]
        servers.append({"pid": pid, **now, "cpu during run": cpu, "rss before": before[k]["rss"]})
        print(
            f"replica {k} (pid {pid}): RSS {before[k]['rss']:.0f} → {now['rss']:.0f} MB, "
            f"peak {now['peak']:.0f} MB, CPU {cpu:.1f} s during the run"
            + (f" ({1000 * cpu / actions:.0f} ms per action)" if len(pids) == 1 and actions else "")
        )
        if len(pids) == 1 and klass.cpu_at_go and actions > opens:
            # after everyone opened: the actions a class repeats all lesson long (a cold
            # server's imports and model loads, paid once per process, stay out of it)
            after = now["cpu"] - klass.cpu_at_go[k]
            servers[-1]["cpu after open"] = after
            print(
                f"  after everyone opened: CPU {after:.1f} s for {actions - opens} actions "
                f"({1000 * after / (actions - opens):.0f} ms per action, process total)"
            )
    return {
        "n": args.n,
        "setup": args.label,
        "model": args.model,
        "wall s": wall,
        "actions": rows,
        "last sentence drawn s": last,
        "errors": errors,
        "servers": servers,
        "server runs": server,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10, help="students (browser contexts)")
    parser.add_argument("--replicas", type=int, default=1, help="replicas to start (cold)")
    parser.add_argument(
        "--direct", action="store_true", help="with --replicas 1: no nginx in front"
    )
    parser.add_argument("--url", help="bench a running server instead of starting one")
    parser.add_argument("--pid", type=int, action="append", default=[], help="its pids (RSS)")
    parser.add_argument("--model", default="cws-bilstm")
    parser.add_argument("--nexts", type=int, default=5, help="Next clicks on Step through")
    parser.add_argument("--ramp", type=float, default=0.0, help="spread arrivals over s seconds")
    parser.add_argument("--timeout", type=float, default=120.0, help="per action, seconds")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--clients",
        choices=("browser", "ws"),
        default="browser",
        help="headless Chromium per student, or Streamlit's websocket protocol (no browser)",
    )
    parser.add_argument("--lang", default="zh", help="ws clients: the UI language they ask for")
    parser.add_argument(
        "--think",
        type=think_range,
        default=(0.0, 0.0),
        help="LOW,HIGH: ws clients think this many seconds (uniform) before each action after "
        "the sentence everyone types at once (default 0: back to back)",
    )
    parser.add_argument(
        "--round", type=int, default=0, help="rotate every sentence by this many characters"
    )
    parser.add_argument(
        "--timing-log", type=Path, help="with --url: the server's RNNVIZ_TIMING_LOG file"
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="also estimate each frame's deflated size (client CPU; off: the column shows 0)",
    )
    args = parser.parse_args(argv)
    args.started = time.time()
    global DEFLATE
    DEFLATE = args.deflate
    # Replicas started here log their script-run times (rnnviz/ui/timing.py) for the report.
    if not args.url:
        args.timing_log = Path(tempfile.mkdtemp(prefix="rnnviz-timing-")) / "runs.jsonl"
        os.environ["RNNVIZ_TIMING_LOG"] = str(args.timing_log)
    if args.direct and (args.url or args.replicas != 1):
        parser.error("--direct needs --replicas 1 and no --url")

    deployment = None
    try:
        if args.url:
            url, pids = args.url.rstrip("/"), args.pid
            args.label = f"server {url}"
        else:
            deployment = Deployment(replicas=args.replicas).start()
            pids = deployment.replica_pids
            url = deployment.replica_urls[0] if args.direct else deployment.url
            args.label = (
                "1 replica, direct" if args.direct else f"{args.replicas} replica(s) + nginx"
            )
        args.pids = pids
        before = [proc_stats(pid) for pid in pids]
        args.label += ", websocket clients" if args.clients == "ws" else ", Chromium clients"
        runner = run_class_ws if args.clients == "ws" else run_class
        students, klass, wall = asyncio.run(runner(url, args))
        result = report(students, klass, wall, pids, args, before)
    finally:
        if deployment is not None:
            deployment.stop()
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
