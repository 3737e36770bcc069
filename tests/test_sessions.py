"""Sessions through the load balancer over a lesson: reconnects, ends, a replica that dies.

Two replicas behind deploy/serve.py's nginx (as tests/test_deploy.py), and students who speak
Streamlit's websocket protocol (bench/classroom.py's ``WireStudent``) with their own cookie jar:
- a dropped websocket reconnects (the browser names its session) to its own session, with what
  the student typed, because the cookie brings it back to the same replica;
- a session that ended (its websocket gone for ``server.disconnectedSessionTTL``) releases what
  it owned: its uploads folder goes from the data directory; a session still open keeps its own;
- a replica killed mid-lesson: the other replica's students go on untouched (same session, same
  sentence), and the dead replica's students land on the other one with a fresh session opened
  from their link, and a notice saying so, not a traceback.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.classroom import Student, WireStudent
from deploy.serve import COOKIE, Deployment
from rnnviz.i18n import STRINGS

pytestmark = [pytest.mark.slow]

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx)"
)
QUERY = "model=count-lstm&lang=en"
TTL = 3  # seconds a disconnected session is kept (Streamlit's default: 120)
MOVED = STRINGS["replica_moved"]["en"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def deployment(data_dir: Path) -> Iterator[Deployment]:
    env = {"RNNVIZ_DATA_DIR": str(data_dir), "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(TTL)}
    with Deployment(replicas=2, nginx=NGINX, env=env) as d:
        yield d


def replica_cookie(d: Deployment) -> str:
    """A new browser's first request: the cookie nginx gives it (round robin over replicas)."""
    parts = urlsplit(d.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
    finally:
        conn.close()
    (value,) = [c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith(f"{COOKIE}=")]
    return value


def sentence(wire: WireStudent) -> str:
    """The sentence the session holds (the app writes its state into the URL every run)."""
    return parse_qs(wire.query_string).get("text", [""])[0]


class Browser:
    """One student's cookie jar and websocket (reconnects name the session, as browsers do)."""

    def __init__(self, d: Deployment, cookie: str) -> None:
        self.d, self.cookie = d, cookie
        self.ws = None
        self.wire: WireStudent | None = None
        self.set_cookies: list[str] = []

    async def connect(self, session_id: str = "") -> WireStudent:
        import websockets

        protocols = ["streamlit", "noxsrf", session_id] if session_id else ["streamlit"]
        self.ws = await websockets.connect(
            self.d.url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=protocols,
            additional_headers={"Cookie": f"{COOKIE}={self.cookie}"},
            origin=self.d.url,
            max_size=None,
            open_timeout=60,
        )
        self.set_cookies = self.ws.response.headers.get_all("Set-Cookie")
        for c in self.set_cookies:  # the browser keeps what nginx sets (failover rewrites it)
            if c.startswith(f"{COOKIE}="):
                self.cookie = c.split(";")[0].split("=", 1)[1]
        self.wire = WireStudent(self.ws, Student(0), timeout=120)
        return self.wire

    async def run(self, text: str | None = None) -> WireStudent:
        assert self.wire is not None
        ok = await self.wire.rerun("run", "", QUERY, text=text)
        assert ok, self.wire.student.records[-1].error
        return self.wire

    async def drop(self) -> None:
        if self.ws is not None:
            await self.ws.close()


@needs_nginx
def test_a_dropped_websocket_reconnects_to_its_own_session(deployment: Deployment) -> None:
    async def lesson() -> None:
        browser = Browser(deployment, replica_cookie(deployment))
        first = browser.cookie
        await browser.connect()
        await browser.run()
        await browser.run(text="(()(()))")  # types a sentence (Ctrl+Enter)
        wire = await browser.run()  # the next run draws the box from the session's state
        session = wire.session_id
        assert session and sentence(wire) == "(()(()))"
        await browser.drop()  # the laptop's wifi blinks
        await browser.connect(session_id=session)
        again = await browser.run()
        assert browser.cookie == first  # nginx sent it back to the same replica
        assert again.session_id == session  # ... and the replica resumed the session
        assert sentence(again) == "(()(()))"
        assert not again.alerts
        await browser.drop()
        # Control: without naming its session a browser gets a new one (the default sentence).
        other = Browser(deployment, first)
        await other.connect()
        fresh = await other.run()
        assert fresh.session_id != session and sentence(fresh) != "(()(()))"
        await other.drop()

    asyncio.run(lesson())


@needs_nginx
def test_an_ended_session_releases_its_uploads(deployment: Deployment, data_dir: Path) -> None:
    async def lesson() -> None:
        leaving = Browser(deployment, replica_cookie(deployment))
        staying = Browser(deployment, replica_cookie(deployment))
        folders = []
        for browser in (leaving, staying):
            await browser.connect()
            wire = await browser.run()
            folder = data_dir / "uploads" / wire.session_id
            folder.mkdir(parents=True)
            (folder / "0123456789abcdef.safetensors").write_bytes(b"weights")  # its upload
            folders.append(folder)
        await leaving.drop()
        deadline = time.monotonic() + TTL + 60
        while folders[0].exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            await staying.run()  # the class goes on meanwhile
        assert not folders[0].exists(), "the ended session's uploads are still there"
        assert folders[1].exists(), "an open session lost its uploads"
        await staying.drop()

    asyncio.run(lesson())


@needs_nginx
def test_a_replica_killed_mid_lesson(deployment: Deployment) -> None:
    """Runs last in this module: it kills replica 1 of the shared deployment."""

    async def lesson() -> None:
        students: dict[int, Browser] = {}
        for _ in range(6):
            cookie = replica_cookie(deployment)
            students.setdefault(deployment.replica_of(cookie), Browser(deployment, cookie))
            if len(students) == 2:
                break
        assert len(students) == 2, "six new browsers all landed on one replica"
        survivor, victim = students[0], students[1]
        sessions = {}
        for k, (browser, text) in enumerate([(survivor, "(())()"), (victim, "((()))")]):
            await browser.connect()
            await browser.run()
            await browser.run(text=text)
            sessions[k] = (await browser.run()).session_id
        os.kill(deployment.replica_pids[1], signal.SIGKILL)  # the replica dies mid-lesson
        deployment.replica_procs[1].wait(timeout=30)
        # The victim's browser reconnects, naming its old session, with its old cookie.
        await victim.drop()
        await victim.connect(session_id=sessions[1])
        moved = await victim.run()
        assert victim.cookie == "r0"  # nginx failed over and rewrote the cookie
        assert moved.session_id != sessions[1]  # a fresh session: state does not move
        assert any(MOVED in a for a in moved.alerts), moved.alerts
        assert moved.student.records[-1].error == ""  # no traceback
        again = await victim.run()  # the notice is said once
        assert not any(MOVED in a for a in again.alerts)
        # The survivor on replica 0 noticed nothing: same session, same sentence, no notice.
        same = await survivor.run()
        assert same.session_id == sessions[0] and sentence(same) == "(())()"
        assert not same.alerts
        for browser in (survivor, victim):
            await browser.drop()

    asyncio.run(lesson())
