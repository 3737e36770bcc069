"""No import cycles anywhere in rnnviz, and the app's live-training import stays small.

The graph is read from the source with ``ast``: every ``import`` and ``from … import`` naming an
rnnviz module, at module level or inside a function (a lazy import is still a dependency), except
under ``if __name__ == "__main__":`` (a script run is a separate ``__main__`` module) and
``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "rnnviz"


def module_name(path: Path) -> str:
    parts = ("rnnviz", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _skipped(node: ast.If) -> bool:
    test = ast.unparse(node.test)
    return test in ("__name__ == '__main__'", "TYPE_CHECKING", "typing.TYPE_CHECKING")


def _nodes(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _skipped(node):
            yield from (n for child in node.orelse for n in _nodes_with_self(child))
            continue
        yield node
        yield from _nodes(node)


def _nodes_with_self(node: ast.AST):
    yield node
    yield from _nodes(node)


def imports_of(name: str) -> set[str]:
    """rnnviz modules that module ``name`` imports (the most specific module each names)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in MODULES:
                    out.add(target)
                elif base in MODULES:
                    out.add(base)
    out.discard(name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that import each other (strongly connected, more than one module)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                out.append(group)

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return out


# Trace.to_frame imports frames lazily while frames imports Trace: outside this helper's files;
# delete the entry when tracer/frames stop importing each other.
KNOWN_CYCLES: list[set[str]] = []


def test_the_graph_sees_relative_and_lazy_imports() -> None:
    assert "rnnviz.training.loop" in imports_of("rnnviz.training.live")
    assert "rnnviz.data.counting" in imports_of("rnnviz.training.live")
    assert "rnnviz.training.live" in imports_of("rnnviz.live")
    assert "rnnviz.metrics" in imports_of("rnnviz.training.evaluate")
    assert "rnnviz.training.codelm" not in imports_of("rnnviz.analysis.codecells")  # __main__ only
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_rnnviz() -> None:
    found = cycles({name: imports_of(name) for name in MODULES})
    new = [sorted(group) for group in found if group not in KNOWN_CYCLES]
    assert not new, f"modules importing each other: {new}"


def app_imports() -> set[str]:
    """rnnviz modules that app.py and pages/*.py import (``from rnnviz import ui`` included)."""
    out: set[str] = set()
    for path in [ROOT.parent / "app.py", *sorted((ROOT.parent / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name in MODULES)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnnviz"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    out.add(full if full in MODULES else node.module)
    return out


def test_the_app_never_reaches_training_except_live_training() -> None:
    graph = {name: imports_of(name) for name in MODULES}
    todo = sorted(app_imports())
    assert "rnnviz.live" in todo and "rnnviz.ui" in todo
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    training = sorted(m for m in seen if m.startswith("rnnviz.training"))
    assert training == ["rnnviz.training.live", "rnnviz.training.loop"]


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("rnnviz.training")))
def test_each_training_module_imports_fresh(name: str) -> None:
    prefixes = ("rnnviz.", "streamlit")
    code = f"import {name}, sys; print(sorted(m for m in sys.modules if m.startswith({prefixes})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = eval(out.stdout)  # a printed list of module names
    assert name in loaded and not [m for m in loaded if m.startswith("streamlit")]
    if name in ("rnnviz.training.live", "rnnviz.training.loop", "rnnviz.training"):
        heavy = {"rnnviz.data.corpus", "rnnviz.training.recipes", "rnnviz.training.evaluate"}
        assert not heavy & set(loaded), f"{name} loads {sorted(heavy & set(loaded))}"


# String tables (words, not logic) may be long; every other module stays at or under 400 lines
# (issue 19 item 4: split by what it does, the old module re-exporting what callers import).
STRING_TABLES = {"rnnviz.i18n"}


def test_no_module_is_longer_than_400_lines_outside_string_tables() -> None:
    long = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in MODULES.items()
        if name not in STRING_TABLES
    }
    over = {n: k for n, k in long.items() if k > 400}
    assert not over, f"split these by what they do: {over}"


def test_the_code_model_lives_outside_analysis_and_frames_never_import_the_tracer() -> None:
    assert "rnnviz.models.code" in imports_of("rnnviz.analysis.codecells")
    assert not any(m.startswith("rnnviz.analysis") for m in imports_of("rnnviz.models.code"))
    assert not {"rnnviz.tracer", "rnnviz.trace_record"} & set(imports_of("rnnviz.frames"))
    # Trace.to_frame: one direction only
    assert "rnnviz.frames" in imports_of("rnnviz.trace_record")
