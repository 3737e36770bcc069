"""The container image without and with a container engine.

Without one (CI): the image's own start command and environment, read from the Dockerfile
(deploy/image.py), run here as a process from the repository (the image's WORKDIR); it must answer
its health check and serve a page to a websocket student with no traceback. The image's build step
``python -m deploy.prebuild`` is run into a temporary corpus folder, and the app then finds that
index without building it.

With one (``docker`` or ``podman`` that can run containers, and the base image present locally or
pullable): the image is built and started, and its health check and a page are read through the
published port. Set ``RNNVIZ_CONTAINER_ENGINE`` to the engine's command line (for example the
podman flags this sandbox needs, see deploy/README.md) and ``RNNVIZ_CONTAINER_BUILD_ARGS`` for
extra build arguments.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy import image
from deploy.serve import free_port, stop_process, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
IMAGE_ONLY = ("PATH", "VIRTUAL_ENV", "HOME", "TORCH_EXTENSIONS_DIR")  # the image's own layout


def local_command(port: int) -> list[str]:
    """The image's CMD, run by this interpreter, on 127.0.0.1:``port``."""
    cmd = image.cmd()  # the ENTRYPOINT is tini, PID 1 in the container; not needed here
    assert cmd[0] == "streamlit"
    out = [sys.executable, "-m", "streamlit", *cmd[1:]]
    out = [a for a in out if not a.startswith(("--server.port=", "--server.address="))]
    return [*out, f"--server.port={port}", "--server.address=127.0.0.1"]


def local_env(tmp: Path) -> dict[str, str]:
    """The image's ENV with its folders moved under ``tmp`` (no /data or /opt here)."""
    env = {k: v for k, v in image.environment().items() if k not in IMAGE_ONLY}
    env["RNNVIZ_DATA_DIR"] = str(tmp / "data")
    env["RNNVIZ_CORPUS_DIR"] = str(tmp / "corpus")
    return {**os.environ, **env}


async def open_page(url: str, query: str = "model=count-lstm&lang=en") -> tuple[str, list[str]]:
    """One websocket student opens the app: (error or "", the run's alerts)."""
    import websockets

    from bench.classroom import Student, WireStudent

    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(
        stream, subprotocols=["streamlit"], max_size=None, origin=url, open_timeout=60
    ) as ws:
        wire = WireStudent(ws, Student(0), timeout=120)
        await wire.rerun("open", "", query)
        record = wire.student.records[-1]
        return record.error, wire.alerts


@pytest.mark.slow
def test_image_start_command_serves_the_app(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        local_command(port),
        cwd=ROOT,  # the image's WORKDIR holds the same files
        env=local_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(url, [proc], 120)
        error, _ = asyncio.run(open_page(url))
        assert error == "", error
    finally:
        stop_process(proc)
        log.close()
    assert "Traceback" not in (tmp_path / "server.log").read_text()


@pytest.mark.slow
def test_prebuild_builds_the_index_the_app_then_opens(tmp_path: Path) -> None:
    env = local_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "deploy.prebuild", "--no-onepass", "--models", "count-lstm"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "corpus index of count-lstm" in done.stdout
    check = (
        "from rnnviz import models; from rnnviz.analysis import search; "
        "print(search.is_cached(models.load('count-lstm')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "True", out.stderr[-2000:]
    folders = [p for p in (tmp_path / "corpus").iterdir() if not p.name.startswith(".")]
    assert len(folders) == 1 and folders[0].name.startswith("count-lstm-")
    assert not (tmp_path / "data" / "corpus").exists()  # RNNVIZ_CORPUS_DIR took it elsewhere


# --- with a container engine ---------------------------------------------------------------------


def engine() -> tuple[list[str] | None, str]:
    """The container engine's command line, or None and why not."""
    configured = os.environ.get("RNNVIZ_CONTAINER_ENGINE")
    candidates = [shlex.split(configured)] if configured else [["docker"], ["podman"]]
    reasons = []
    for cmd in candidates:
        try:
            info = subprocess.run([*cmd, "info"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            reasons.append(f"{cmd[0]}: {exc}")
            continue
        if info.returncode == 0:
            return cmd, ""
        reasons.append(f"{cmd[0]} info: {(info.stderr or info.stdout).strip().splitlines()[-1:]}")
    return None, "; ".join(reasons)


def base_image(build_args: list[str]) -> str:
    for k, arg in enumerate(build_args):
        if arg == "--build-arg" and build_args[k + 1].startswith("BASE="):
            return build_args[k + 1].split("=", 1)[1]
    base = [a for w, a in image.instructions() if w == "ARG" and a.startswith("BASE=")]
    return base[0].split("=", 1)[1]


@pytest.mark.slow
def test_image_builds_and_serves(tmp_path: Path) -> None:
    cmd, why = engine()
    if cmd is None:
        pytest.skip(f"no container engine that runs containers here ({why})")
    build_args = shlex.split(os.environ.get("RNNVIZ_CONTAINER_BUILD_ARGS", ""))
    base = base_image(build_args)
    have = subprocess.run([*cmd, "image", "inspect", base], capture_output=True, timeout=60)
    if have.returncode != 0:
        pulled = subprocess.run([*cmd, "pull", base], capture_output=True, text=True, timeout=600)
        if pulled.returncode != 0:
            pytest.skip(
                f"base image {base} is not here and cannot be pulled: {pulled.stderr[-300:]}"
            )
    tag = "localhost/rnnviz:test"
    built = subprocess.run(
        [*cmd, "build", "--format", "docker", *build_args, "-t", tag, str(ROOT)]
        if "podman" in cmd[0]
        else [*cmd, "build", *build_args, "-t", tag, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    (tmp_path / "build.log").write_text(built.stdout + built.stderr)
    assert built.returncode == 0, (built.stdout + built.stderr)[-3000:]
    meta = json.loads(
        subprocess.run(
            [*cmd, "image", "inspect", tag], capture_output=True, text=True, check=True
        ).stdout
    )[0]
    config = meta.get("Config") or meta.get("config") or {}
    assert config.get("User") == "rnnviz"
    assert "/data" in (config.get("Volumes") or {})
    health = config.get("Healthcheck") or meta.get("Healthcheck") or {}  # docker | podman
    assert "/_stcore/health" in " ".join(health.get("Test") or []), "no HEALTHCHECK on the app"
    port = free_port()
    name = f"rnnviz-test-{port}"
    secret = os.urandom(16).hex()
    run = [*cmd, "run", "-d", "--rm", "--name", name, "-p", f"127.0.0.1:{port}:8501"]
    run += ["-e", f"STREAMLIT_SERVER_COOKIE_SECRET={secret}", tag]
    started = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr[-2000:]
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=3) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                if time.monotonic() > deadline:
                    logs = subprocess.run([*cmd, "logs", name], capture_output=True, text=True)
                    pytest.fail(f"container not healthy in 180 s:\n{logs.stdout[-2000:]}")
                time.sleep(1)
        error, _ = asyncio.run(open_page(url))
        assert error == "", error
        # the tracer and the corpus indexes came with the image: no build at start
        listing = subprocess.run(
            [*cmd, "exec", name, "ls", "/opt/rnnviz/corpus"], capture_output=True, text=True
        )
        assert len([n for n in listing.stdout.split() if "-" in n]) >= 1, listing
        whoami = subprocess.run([*cmd, "exec", name, "id", "-u"], capture_output=True, text=True)
        assert whoami.stdout.strip() == "10001"
    finally:
        subprocess.run([*cmd, "stop", "-t", "5", name], capture_output=True, timeout=120)
