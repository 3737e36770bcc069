"""The session-state contract lives in one module: every key the app reads or writes in
``st.session_state`` is a named constant of ``rnnviz.ui.state.Key``, and no code outside
``rnnviz/ui/state.py`` spells one as a string (read from the source with ``ast``)."""

from __future__ import annotations

import ast
from pathlib import Path

from rnnviz.ui.state import STATE_KEYS, Key

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    p
    for p in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "rnnviz").rglob("*.py")]
    if p != ROOT / "rnnviz" / "ui" / "state.py"
)
METHODS = {"get", "pop", "setdefault"}  # read a key given as their first argument
NOT_KEYS = METHODS | {"keys", "values", "items", "update", "clear", "to_dict"}
HELPERS = {"_bind", "_copy", "_copy_value", "_set"}  # state.py's plumbing: their args are keys
CONTRACT = {v for k, v in vars(Key).items() if k.isupper() and isinstance(v, str)}


def _is_state(node: ast.AST) -> bool:
    """``st.session_state``, or ``ss`` (the pages' and modules' name for it)."""
    if isinstance(node, ast.Attribute) and node.attr == "session_state":
        return True
    return isinstance(node, ast.Name) and node.id == "ss"


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _bare_keys(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        hits: list[ast.AST] = []
        if isinstance(node, ast.Subscript) and _is_state(node.value):
            hits = [node.slice]
        elif isinstance(node, ast.Attribute) and _is_state(node.value):
            if node.attr not in NOT_KEYS:  # ``ss.model``: a key spelled as an attribute
                found.append((node.lineno, f"ss.{node.attr}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in METHODS and _is_state(node.func.value) and node.args:
                hits = [node.args[0]]
        elif isinstance(node, ast.Compare) and any(_is_state(c) for c in node.comparators):
            hits = [node.left]
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name in HELPERS:
                hits += [a for arg in node.args for a in ast.walk(arg)]
            for kw in node.keywords:
                callback = kw.value if kw.arg in ("on_click", "on_change") else None
                if isinstance(callback, ast.Name) and callback.id in HELPERS:
                    hits += [a for k in node.keywords if k.arg == "args" for a in ast.walk(k.value)]
                literal = isinstance(kw.value, ast.Constant) and kw.value.value in CONTRACT
                if kw.arg == "key" and literal:  # a widget whose state the code reads or sets
                    found.append((kw.lineno, f"key={kw.value.value!r}"))
        found += [(h.lineno, ast.unparse(h)) for h in hits if _literal(h)]
    return found


def test_no_session_state_key_is_spelled_outside_the_state_module() -> None:
    bare = {
        f"{path.relative_to(ROOT)}:{line}": key
        for path in FILES
        for line, key in _bare_keys(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not bare, f"use rnnviz.ui.state.Key instead: {bare}"


def test_the_checker_sees_every_way_of_spelling_a_key() -> None:
    source = """
ss = st.session_state
ss.model = 1
x = ss["text"] + st.session_state.get("lang") + ss.pop(f"ls_{a}")
if "step" in ss: pass
st.button("b", on_click=_set, args=("unit", 0))
_bind("w_model", Key.MODEL)
st.selectbox("m", [], key="w_model")
ok = ss[Key.MODEL] + ss.get(Key.TEXT) + ss.get(variable) + len(ss.keys())
"""
    keys = [k for _, k in _bare_keys(ast.parse(source))]
    assert sorted(keys) == sorted(
        ["ss.model", "'text'", "'lang'", "f'ls_{a}'", "'step'", "'unit'", "'w_model'",
         "key='w_model'"]
    )  # fmt: skip


def test_the_url_keys_are_part_of_the_contract() -> None:
    assert set(STATE_KEYS) <= CONTRACT
