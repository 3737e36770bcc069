"""The nginx path: two replicas behind deploy/serve.py, two browsers, each stays on its replica.

Starts `deploy/serve.py`'s Deployment (2 streamlit replicas + nginx, free ports, 127.0.0.1) and
drives headless Chromium contexts (separate cookie jars) through nginx. nginx's access log names
the upstream of every request, so the test reads which replica served what.
"""

from __future__ import annotations

import http.client
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.serve import COOKIE, UPLOAD_MB, Deployment, render_config
from tests.conftest import chromium_browser as launched_chromium
from tests.helpers import no_traceback, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx)"
)
ROOT = Path(__file__).resolve().parent.parent
MODEL = "cws-bilstm"
LOG_LINE = re.compile(r'"(\S+) (\S+) [^"]*" (\d{3}) \d+ upstream=(\S+(?:, \S+)*) cookie=(\S+)')


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data = tmp_path_factory.mktemp("data")
    with Deployment(replicas=2, nginx=NGINX, env={"RNNVIZ_DATA_DIR": str(data)}) as d:
        yield d


@pytest.fixture(scope="module")
def chromium_browser(deployment: Deployment):
    with launched_chromium() as browser:
        yield browser


def log_lines(d: Deployment) -> list[tuple[str, str, int, str, str]]:
    """(method, path, status, upstream address, stickiness cookie) of each proxied request."""
    rows = []
    for line in d.access_log.read_text().splitlines():
        m = LOG_LINE.search(line)
        if m:
            method, path, status, upstream, cookie = m.groups()
            rows.append((method, path, int(status), upstream.split(", ")[-1], cookie))
    return rows


def replica_cookie(context) -> str:
    values = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
    assert len(values) == 1, f"expected one {COOKIE} cookie, got {context.cookies()}"
    return values[0]


def open_app(browser, d: Deployment):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{d.url}/?model={MODEL}&lang=en")
    settle(page)
    page.wait_for_selector("[data-testid=stSidebar] textarea")  # the app reached us whole
    return context, page


@pytest.fixture(scope="module")
def two_sessions(chromium_browser, deployment: Deployment):
    """Browsers opened one after another until two replicas hold one each (round robin: 2)."""
    opened, by_replica = [], {}
    try:
        for _ in range(4):
            context, page = open_app(chromium_browser, deployment)
            opened.append(context)
            by_replica.setdefault(deployment.replica_of(replica_cookie(context)), (context, page))
            if len(by_replica) == 2:
                break
        yield [by_replica[k] for k in sorted(by_replica)]
    finally:
        for context in opened:
            context.close()


@needs_nginx
def test_config_has_the_classroom_settings(deployment: Deployment) -> None:
    conf = render_config(deployment.workdir, "127.0.0.1:8080", [8601, 8602, 8603])
    assert "map $http_upgrade $connection_upgrade" in conf
    assert "proxy_http_version 1.1;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_read_timeout 1d;" in conf
    assert f"client_max_body_size {UPLOAD_MB}m;" in conf
    assert f"map $cookie_{COOKIE} $rnnviz_upstream" in conf
    assert "ip_hash;" not in conf
    assert conf.count("backup;") == 3 * 2


@needs_nginx
def test_two_browsers_land_on_two_replicas(deployment: Deployment, two_sessions) -> None:
    assert len(two_sessions) == 2, "four new browsers all landed on one replica"
    for _, page in two_sessions:
        assert page.locator("[data-testid=stSidebar] a").count() > 3
        no_traceback(page)
    rows = log_lines(deployment)
    # Every request that carried a cookie went to the replica the cookie names.
    for method, path, _, upstream, cookie in rows:
        if cookie != "-":
            port = deployment.replica_ports[deployment.replica_of(cookie)]
            assert upstream.endswith(f":{port}"), (method, path, upstream, cookie)


@needs_nginx
def test_reload_stays_on_the_same_replica(deployment: Deployment, two_sessions) -> None:
    for context, page in two_sessions:
        before = replica_cookie(context)
        page.reload()
        settle(page)
        no_traceback(page)
        assert replica_cookie(context) == before
    # nginx logs a websocket (HTTP 101 on /_stcore/stream) when it closes, as the reloads did:
    # each replica held the websocket of one browser, the one whose cookie names it.
    sockets = {
        (up, cookie)
        for _, path, status, up, cookie in log_lines(deployment)
        if "/_stcore/stream" in path and status == 101
    }
    expected = {(f"127.0.0.1:{port}", f"r{k}") for k, port in enumerate(deployment.replica_ports)}
    assert sockets == expected


@needs_nginx
def test_websocket_works_through_nginx(deployment: Deployment, two_sessions) -> None:
    for k, (_, page) in enumerate(two_sessions):
        mark = "甲乙"[k]  # the sentence box shows one character per token, tags in between
        sentence = f"我们在{mark}班教室学习。"
        box = page.locator("[data-testid=stSidebar] textarea")
        box.fill(sentence)
        box.press("Control+Enter")
        page.wait_for_function(
            "s => document.querySelector('.rnnviz-sentence')?.innerText.includes(s)",
            arg=mark,
        )
        settle(page)
        no_traceback(page)


@needs_nginx
def test_upload_passes_nginx_and_xsrf(deployment: Deployment, two_sessions) -> None:
    _, page = two_sessions[0]
    page.locator("[data-testid=stSidebar] a[href*='custom']").click()
    settle(page)
    upload = page.locator("[data-testid=stMain] input[type=file]")
    upload.set_input_files(str(ROOT / "assets/models/count-lstm/model.safetensors"))
    page.wait_for_selector("[data-testid=stMain] :text('model.safetensors')")
    settle(page)
    uploads = [row for row in log_lines(deployment) if "/_stcore/upload_file" in row[1]]
    assert uploads, "no upload request went through nginx"
    assert all(status < 300 for _, _, status, _, _ in uploads), uploads


@needs_nginx
def test_nginx_refuses_a_body_over_the_upload_limit(deployment: Deployment) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", deployment.port, timeout=10)
    try:
        conn.putrequest("PUT", "/_stcore/upload_file/x/y")
        conn.putheader("Content-Length", str((UPLOAD_MB + 1) * 2**20))
        conn.endheaders()
        assert conn.getresponse().status == 413
    finally:
        conn.close()
