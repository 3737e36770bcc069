"""Over a thousand hostile inputs into every page, widget and URL parameter: no traceback, no hang.

Three sweeps, all AppTest (the app's own scripts, in this process):
- **links**: each page opened fresh with every URL parameter the app reads (``model text lang
  step unit projector lesson stage``) set to hostile values at once, rotating through the list so
  each parameter of each page gets several different ones;
- **widgets**: the whole app (app.py, with its sidebar), page after page: hostile strings typed
  into every text box, every number input and slider at its bounds, every select, segmented
  and multiselect at its options, every toggle flipped, every button clicked (not the
  live-training button, which trains for its set time); segmented controls are left out (AppTest
  shows their labels, not their values, so it cannot set one);
- **uploads**: hostile files into Your own model's uploader (empty, random bytes, a safetensors
  header that lies about its length, deep JSON, a zip bomb-like .pt name, a text file).

A run that raises shows as ``at.exception`` (Streamlit draws the traceback); one that takes longer
than ``RUN_TIMEOUT`` raises in AppTest (a hang). Each is collected with its page, field and value,
and the test fails listing them. Every input counted was delivered to a run.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
PAGES = re.findall(r'ui\.page\(\s*"(pages/\w+\.py)"', APP.read_text())
RUN_TIMEOUT = 60  # seconds: a run longer than this is a hang
MODEL = "count-lstm"  # the smallest shipped model: runs stay short
URL_PARAMS = ("model", "text", "lang", "step", "unit", "projector", "lesson", "stage")
URL_RUNS_PER_PAGE = 5
TEXT_VALUES_PER_PAGE = 8
SKIP_BUTTONS = ("b_lv_train",)  # trains a model for its set time (5-120 s); tested in its page

HOSTILE = [
    "",
    " ",
    "\n\t\r",
    "0",
    "-1",
    "-0",
    "2147483648",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "inf",
    "0x1F",
    "²",  # str.isdigit() is True, int() refuses it
    "١٢٣",  # Arabic-Indic digits
    "None",
    "[]",
    "{}",
    "null",
    "true",
    "../../../../etc/passwd",
    "upload:../../x/../y.pt:z",
    "upload:" + "a" * 32 + "/0123456789abcdef.pt:x",
    "random:lstm:999999:999999:1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE units; --",
    "{{7*7}}${7*7}%s%n%x",
    "\x00\x01\x02\x1b[31m",
    "\u202e\u200f\u200b\ufeff",  # bidi override, zero widths, BOM
    "👩‍👩‍👧‍👦🏳️‍🌈" * 20,
    "e" + "\u0301" * 500,  # one letter, 500 combining accents
    "我" * 5000,
    "(" * 3000 + ")" * 3000,
    "a" * 100_000,
    "🙂\n" * 300,
    "%F0%9F%98%80%00%",
]


def new_app(path: Path, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=RUN_TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


class Sweep:
    """Counts delivered inputs; collects every traceback and hang with where it happened."""

    def __init__(self) -> None:
        self.inputs = 0
        self.runs = 0
        self.failures: list[str] = []

    def run(self, at: AppTest, where: str, inputs: int) -> bool:
        self.runs += 1
        self.inputs += inputs
        try:
            at.run()
        except RuntimeError as exc:  # AppTest's timeout: the script did not finish
            self.failures.append(f"HANG {where}: {exc}")
            return False
        for e in at.exception:
            self.failures.append(f"TRACEBACK {where}: {e.message[:300]}")
        return not at.exception


def value(i: int) -> str:
    return HOSTILE[i % len(HOSTILE)]


def sweep_links(sweep: Sweep) -> None:
    counter = itertools.count()
    for page in ["app.py", *PAGES]:
        for _ in range(URL_RUNS_PER_PAGE):
            start = next(counter)
            params = {p: value(start * 3 + k) for k, p in enumerate(URL_PARAMS)}
            at = new_app(ROOT / page, params)
            shown = {k: v[:20] for k, v in params.items()}
            sweep.run(at, f"{page} ?{shown}", len(params))


def widget_moves(at: AppTest, offset: int) -> list[tuple[str, object]]:
    """What to do to the widgets of the page now shown: (description, thunk) pairs."""
    moves = []
    texts = [*at.text_area, *at.text_input]
    for k in range(TEXT_VALUES_PER_PAGE):
        text = value(offset + k)
        moves.append(
            (
                f"{len(texts)} text boxes = {text[:20]!r}",
                lambda t=text: (
                    [w.set_value(t) for w in at.text_area] + [w.set_value(t) for w in at.text_input]
                ),
            )
        )
    for kind in ("number_input", "slider"):
        for k, w in enumerate(getattr(at, kind)):
            for bound in ("min", "max"):
                v = getattr(w, bound)
                if v is not None:
                    moves.append(
                        (f"{kind}[{k}] {w.key} = {bound} {v}", lambda w=w, v=v: w.set_value(v))
                    )
    for k, w in enumerate(at.select_slider):
        for v in (w.options[0], w.options[-1]):
            moves.append((f"select_slider[{k}] {w.key} = {v}", lambda w=w, v=v: w.set_value(v)))
    for k, w in enumerate(at.selectbox):
        for i in range(min(len(w.options), 4)):
            moves.append((f"selectbox[{k}] {w.key} = #{i}", lambda w=w, i=i: w.select_index(i)))
    for k, w in enumerate(at.multiselect):
        moves.append((f"multiselect[{k}] {w.key} = all", lambda w=w: w.set_value(list(w.options))))
        moves.append((f"multiselect[{k}] {w.key} = none", lambda w=w: w.set_value([])))
    for k, w in enumerate(at.toggle):
        moves.append((f"toggle[{k}] {w.key}", lambda w=w: w.set_value(not w.value)))
    for k, w in enumerate(at.button):
        if w.key not in SKIP_BUTTONS and not w.disabled:  # a browser cannot click a disabled one
            moves.append((f"button[{k}] {w.key}", lambda w=w: w.click()))
    return moves


def sweep_widgets(sweep: Sweep) -> None:
    for p, page in enumerate(PAGES):
        at = new_app(APP, {"model": MODEL, "lang": "en"})
        at.run()
        at.switch_page(page)
        if not sweep.run(at, f"{page} (open)", 0):
            continue
        described = [d for d, _ in widget_moves(at, p * TEXT_VALUES_PER_PAGE)]
        for k, description in enumerate(described):
            moves = dict(widget_moves(at, p * TEXT_VALUES_PER_PAGE))  # fresh widget handles
            move = moves.get(description)
            if move is None:  # the previous move changed the page (a widget is gone)
                continue
            try:
                move()
            except Exception as exc:  # AppTest refused the value itself: not delivered
                sweep.failures.append(f"UNDELIVERED {page} {description}: {exc}")
                continue
            sweep.run(at, f"{page} {description}", 1)
            if k % 12 == 11:  # back to a known state now and then
                at.switch_page(page)


def safetensors_lying_header() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2**40], "data_offsets": [0, 4]}})
    return struct.pack("<Q", 2**62) + header.encode()


def sweep_uploads(sweep: Sweep) -> None:
    files = [
        ("empty.safetensors", b""),
        ("random.safetensors", bytes(range(256)) * 64),
        ("lying.safetensors", safetensors_lying_header()),
        ("deep.safetensors", struct.pack("<Q", 20_002) + b"[" * 10_001 + b"]" * 10_001),
        ("notzip.pt", b"PK\x03\x04" + b"\xff" * 1000),
        ("text.pth", "权重".encode() * 100),
        ("../../etc/passwd.pt", b"\x00" * 16),
        ("x" * 300 + ".safetensors", b"{}"),
    ]
    # Only the extensions the uploader accepts: the browser offers no others, and a client that
    # bypasses it gets Streamlit's own refusal ("Invalid file extension") before our code runs.
    for name, data in files:
        at = new_app(ROOT / "pages" / "custom.py", {"lang": "en"})
        at.run()
        uploaders = at.get("file_uploader")
        if not uploaders:
            sweep.failures.append("UNDELIVERED custom.py: no file uploader on the page")
            return
        uploaders[0].set_value((name, data, "application/octet-stream"))
        sweep.run(at, f"custom.py upload {name[:40]}", 1)


def test_a_thousand_hostile_inputs_no_traceback_no_hang() -> None:
    sweep = Sweep()
    began = time.perf_counter()
    sweep_links(sweep)
    links, links_s = sweep.inputs, time.perf_counter() - began
    sweep_widgets(sweep)
    widgets, widgets_s = sweep.inputs - links, time.perf_counter() - began - links_s
    sweep_uploads(sweep)
    print(
        f"hostile inputs: {sweep.inputs} in {sweep.runs} runs, {time.perf_counter() - began:.0f} s"
        f" (links {links} in {links_s:.0f} s, widgets {widgets} in {widgets_s:.0f} s)"
    )
    assert not sweep.failures, "\n".join(sweep.failures[:40])
    assert sweep.inputs >= 1000, f"only {sweep.inputs} hostile inputs were delivered"


def test_lesson_links_with_hostile_stages() -> None:
    from rnnviz import lessons

    sweep = Sweep()
    for lesson in list(lessons.LESSONS)[:3]:
        for stage in ("²", "٣", "-1", "999999999999999999999", "1e3", " 1", ""):
            at = new_app(ROOT / "pages" / "lessons.py", {"lesson": lesson, "stage": stage})
            sweep.run(at, f"lessons.py ?lesson={lesson}&stage={stage!r}", 2)
    assert not sweep.failures, "\n".join(sweep.failures)
