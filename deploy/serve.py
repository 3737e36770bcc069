"""K identical rnnviz replicas behind one nginx, all on this machine; Ctrl-C stops everything.

    python deploy/serve.py                      # one replica per core, nginx on 127.0.0.1:8501
    python deploy/serve.py --replicas 2 --port 8080 --replica-port 8601
    python deploy/serve.py --host 0.0.0.0       # let the classroom in (nginx only; replicas
                                                # always listen on 127.0.0.1)
    python deploy/serve.py --print-config       # the rendered nginx.conf, nothing started

Replica k listens on ``--replica-port + k``. nginx runs unprivileged from a private directory
(``--workdir``, default a fresh temporary one) holding its config, logs and temp files, and the
replicas' logs. See deploy/README.md for sizing and the reasons behind each nginx setting.

Used as a library by bench/classroom.py and tests/test_deploy.py::

    with Deployment(replicas=2) as d:   # free ports, started and healthy
        d.url, d.replica_urls, d.replica_pids, d.access_log
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
COOKIE = "rnnviz_replica"
UPLOAD_MB = 64  # the app's upload limit (MiB); nginx's client_max_body_size says the same
THREAD_ENV = {"RNNVIZ_TORCH_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def replica_name(k: int) -> str:
    """The stickiness cookie's value for replica ``k``."""
    return f"r{k}"


def render_config(
    prefix: Path, listen: str, replica_ports: list[int], upload_mb: int = UPLOAD_MB
) -> str:
    """nginx.conf for nginx on ``listen`` (``host:port``) in front of 127.0.0.1:<replica_ports>."""
    if not replica_ports:
        raise ValueError("need at least one replica port")
    addrs = [f"127.0.0.1:{p}" for p in replica_ports]
    pool = "\n".join(f"        server {a};" for a in addrs)
    upstreams, to_upstream, to_cookie = [], [], []
    for k, addr in enumerate(addrs):
        name = replica_name(k)
        backups = "".join(f"\n        server {b} backup;" for b in addrs if b != addr)
        upstreams.append(f"    upstream rnnviz_{name} {{\n        server {addr};{backups}\n    }}")
        to_upstream.append(f"        {name} rnnviz_{name};")
        cookie = f"{COOKIE}={name}; Path=/; HttpOnly; SameSite=Lax"
        to_cookie.append(f'        "~(^|\\s){re.escape(addr)}$" "{cookie}";')
    values = {
        "PREFIX": str(prefix),
        "LISTEN": listen,
        "UPLOAD_MB": str(upload_mb),
        "POOL_SERVERS": pool,
        "REPLICA_UPSTREAMS": "\n".join(upstreams),
        "COOKIE_TO_UPSTREAM": "\n".join(to_upstream),
        "ADDR_TO_COOKIE": "\n".join(to_cookie),
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ValueError(f"{TEMPLATE.name}: placeholders without a value: {left}")
    return text


def streamlit_command(port: int, upload_mb: int = UPLOAD_MB) -> list[str]:
    """The command line of one replica listening on 127.0.0.1:``port``."""
    return [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        "--server.enableXsrfProtection=true", f"--server.maxUploadSize={upload_mb}",
        "--runner.postScriptGC=false",
    ]  # fmt: skip


def wait_healthy(url: str, procs: list[subprocess.Popen], timeout: float) -> None:
    """Poll ``url``/_stcore/health until it answers ``ok``; fail early if a process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url}/_stcore/health did not answer ok within {timeout:.0f} s")


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
    """Stop one process we started, by its pid: ``sig``, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass


class Deployment:
    """nginx on ``host:port`` in front of ``replicas`` streamlit processes on 127.0.0.1.

    Ports default to free ones. ``start()`` returns when nginx and every replica answer their
    health check; ``stop()`` (or leaving the ``with`` block) ends every process it started.
    """

    def __init__(
        self,
        replicas: int = 2,
        port: int | None = None,
        replica_port: int | None = None,
        host: str = "127.0.0.1",
        workdir: Path | None = None,
        upload_mb: int = UPLOAD_MB,
        env: dict[str, str] | None = None,
        nginx: str | None = None,
    ) -> None:
        if replicas < 1:
            raise ValueError(f"replicas must be ≥ 1, got {replicas}")
        self.nginx = nginx or shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(self.nginx).exists():
            raise FileNotFoundError("nginx is not installed: apt-get install -y nginx")
        self.host = host
        self.port = port or free_port()
        if replica_port is None:
            self.replica_ports = [free_port() for _ in range(replicas)]
        else:
            self.replica_ports = [replica_port + k for k in range(replicas)]
        self.upload_mb = upload_mb
        self.own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="rnnviz-deploy-")).resolve()
        self.env = {**os.environ, **THREAD_ENV, **(env or {})}
        # One cookie secret for all replicas (signed cookies must verify on any of them);
        # passed in the environment, not on the command line where `ps` shows it.
        self.env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
        self.replica_procs: list[subprocess.Popen] = []
        self.nginx_proc: subprocess.Popen | None = None
        self._logs: list = []

    @property
    def url(self) -> str:
        """The front door (nginx); 0.0.0.0 is reached as 127.0.0.1 from this machine."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def replica_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.replica_ports]

    @property
    def replica_pids(self) -> list[int]:
        return [p.pid for p in self.replica_procs]

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    def replica_of(self, cookie_value: str) -> int:
        """Replica index named by a stickiness cookie value (``r1`` → 1)."""
        names = [replica_name(k) for k in range(len(self.replica_ports))]
        if cookie_value not in names:
            raise ValueError(f"{COOKIE}={cookie_value!r} names no replica of {names}")
        return names.index(cookie_value)

    def config(self) -> str:
        return render_config(
            self.workdir, f"{self.host}:{self.port}", self.replica_ports, self.upload_mb
        )

    def start(self, timeout: float = 120.0) -> Deployment:
        """Start every replica and nginx, and wait until all of them are healthy."""
        try:
            for k, port in enumerate(self.replica_ports):
                log = open(self.workdir / f"replica-{k}.log", "w")  # noqa: SIM115 (closed in stop)
                self._logs.append(log)
                self.replica_procs.append(
                    subprocess.Popen(
                        streamlit_command(port, self.upload_mb),
                        cwd=ROOT,
                        env={**self.env, "RNNVIZ_REPLICA": replica_name(k)},  # its cookie value
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,  # Ctrl-C reaches us; we stop them in order
                    )
                )
            conf = self.workdir / "nginx.conf"
            conf.write_text(self.config())
            for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (self.workdir / sub).mkdir(exist_ok=True)
            cmd = [self.nginx, "-p", str(self.workdir), "-c", str(conf)]
            cmd += ["-e", str(self.workdir / "error.log"), "-g", "daemon off;"]
            self.nginx_proc = subprocess.Popen(
                cmd, cwd=self.workdir, stderr=subprocess.STDOUT, start_new_session=True
            )
            for url in self.replica_urls:
                wait_healthy(url, self.replica_procs, timeout)
            try:
                wait_healthy(self.url, [self.nginx_proc], 20.0)
            except (RuntimeError, TimeoutError) as err:
                errors = (self.workdir / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx did not start: {err}\n{errors[-2000:]}") from err
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop nginx, then the replicas (each by its pid); remove a temporary workdir."""
        if self.nginx_proc is not None:
            stop_process(self.nginx_proc, signal.SIGQUIT)  # graceful: finish open requests
        for proc in self.replica_procs:
            stop_process(proc)
        for log in self._logs:
            log.close()
        self._logs.clear()
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 1, help="one per core")
    parser.add_argument(
        "--port", type=int, default=8501, help="nginx, the address students open (0: a free port)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="nginx listen address")
    parser.add_argument("--replica-port", type=int, default=8601, help="replica k: this + k")
    parser.add_argument(
        "--workdir", type=Path, help="config, logs, temp (default: a temp dir, removed at exit)"
    )
    parser.add_argument("--upload-mb", type=int, default=UPLOAD_MB, help="upload limit, MiB")
    parser.add_argument("--print-config", action="store_true", help="print nginx.conf and exit")
    args = parser.parse_args(argv)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    deployment = Deployment(
        replicas=args.replicas,
        port=args.port,
        replica_port=args.replica_port,
        host=args.host,
        workdir=args.workdir,
        upload_mb=args.upload_mb,
    )
    if args.print_config:
        print(deployment.config(), end="")
        if deployment.own_workdir:
            shutil.rmtree(deployment.workdir, ignore_errors=True)
        return 0

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    try:
        deployment.start()
        print(f"rnnviz: {deployment.url}  ({args.replicas} replicas: {deployment.replica_urls})")
        print(f"logs: {deployment.workdir}   Ctrl-C stops everything", flush=True)
        while True:
            for k, proc in enumerate(deployment.replica_procs):
                if proc.poll() is not None:
                    print(f"replica {k} exited with code {proc.returncode}", file=sys.stderr)
                    return 1
            if deployment.nginx_proc is not None and deployment.nginx_proc.poll() is not None:
                print(f"nginx exited with code {deployment.nginx_proc.returncode}", file=sys.stderr)
                return 1
            time.sleep(1.0)
    except KeyboardInterrupt:
        return 0
    finally:
        deployment.stop()


if __name__ == "__main__":
    sys.exit(main())
