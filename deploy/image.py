"""What the container image runs, read from the Dockerfile itself (for tests and tools).

    from deploy.image import instructions, command, environment
    command()       # the CMD as an argument list
    environment()   # every ENV the final image sets, as a dict

A small reader of the Dockerfile's own syntax (continuation lines, JSON or shell form, ``ENV``
with ``key=value`` pairs): enough for this repository's Dockerfile, so a test can run the image's
start command as a process and compare its settings with the app's, without a container engine.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of each instruction, continuation lines joined, comments and
    blank lines dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    if pending:
        raise ValueError(f"{path.name}: the last instruction ends with a line continuation")
    return out


def exec_form(args: str) -> list[str]:
    """An instruction's argument list: JSON (exec) form, or shell form as ``sh -c``."""
    if args.startswith("["):
        value = json.loads(args)
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ValueError(f"not a JSON list of strings: {args}")
        return value
    return ["/bin/sh", "-c", args]


def _last(kind: str, path: Path) -> str:
    found = [args for word, args in instructions(path) if word == kind]
    if not found:
        raise ValueError(f"{path.name} has no {kind}")
    return found[-1]


def entrypoint(path: Path = DOCKERFILE) -> list[str]:
    """The image's ENTRYPOINT (empty if none)."""
    entry = [args for word, args in instructions(path) if word == "ENTRYPOINT"]
    return exec_form(entry[-1]) if entry else []


def cmd(path: Path = DOCKERFILE) -> list[str]:
    """The image's CMD (what follows the ENTRYPOINT)."""
    return exec_form(_last("CMD", path))


def command(path: Path = DOCKERFILE) -> list[str]:
    """The image's start command: ENTRYPOINT (if any) followed by CMD."""
    return entrypoint(path) + cmd(path)


def healthcheck(path: Path = DOCKERFILE) -> tuple[dict[str, str], list[str]]:
    """``(options, command)`` of the HEALTHCHECK (``--interval=15s`` → ``{"interval": "15s"}``)."""
    args = _last("HEALTHCHECK", path)
    options: dict[str, str] = {}
    while args.startswith("--"):
        option, _, args = args.partition(" ")
        key, _, value = option[2:].partition("=")
        options[key] = value
        args = args.strip()
    word, _, rest = args.partition(" ")
    if word.upper() != "CMD":
        raise ValueError(f"HEALTHCHECK without CMD: {args}")
    return options, exec_form(rest.strip())


def environment(path: Path = DOCKERFILE) -> dict[str, str]:
    """Every ``ENV`` of the final stage (``$VAR`` references to earlier ENVs expanded)."""
    env: dict[str, str] = {}
    for word, args in instructions(path):
        if word == "FROM":
            env = {}
        elif word == "ENV":
            for pair in shlex.split(args):
                key, sep, value = pair.partition("=")
                if not sep:
                    raise ValueError(f"ENV {args}: use key=value pairs")
                for name, known in sorted(env.items(), key=lambda kv: -len(kv[0])):
                    value = value.replace(f"${name}", known).replace(f"${{{name}}}", known)
                env[key] = value
    return env


def flags(argv: list[str]) -> dict[str, str]:
    """``--a.b=c`` options of a command line as ``{"a.b": "c"}``."""
    out = {}
    for arg in argv:
        if arg.startswith("--") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            out[key] = value
    return out
