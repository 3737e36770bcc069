"""Code as a corpus: the running interpreter's standard library, split by file name
(``crc32(name) % 10 == 9`` held out), read as a recipe reads it (without docstrings, with one
quote style)."""

from __future__ import annotations

import ast
import io
import sysconfig
import tokenize
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..models.code import CodeConfig


def stdlib_files() -> list[Path]:
    """Top-level ``*.py`` modules of the running interpreter's standard library, sorted."""
    return sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))


def split_of(path: Path) -> str:
    """``test`` for held-out files (``crc32(name) % 10 == 9``), else ``train``."""
    return "test" if zlib.crc32(path.name.encode()) % 10 == 9 else "train"


def read_text(
    paths: list[Path], docstrings: bool = True, quotes: bool = False, long_strings: bool = True
) -> str:
    """Files joined by a blank line; tabs kept, non-ASCII characters left for ``<unk>``; each
    file as :func:`prepare` makes it (default: as it is)."""
    parts = []
    for p in paths:
        try:
            parts.append(prepare(p.read_text(encoding="utf-8"), docstrings, quotes, long_strings))
        except (UnicodeDecodeError, OSError):
            continue
    return "\n\n".join(parts)


def docstring_spans(source: str) -> list[tuple[int, int, bool]]:
    """Character spans ``(start, end, alone)`` of the docstrings in ``source``: the first
    statement of a module, class or function when it is a string (``ast``'s rule); ``alone``:
    it is the only statement of its body. ``[]`` for source that does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    lines = source.splitlines(keepends=True)
    starts = np.cumsum([0] + [len(line) for line in lines])

    def offset(row: int, byte_col: int) -> int:  # ast columns count UTF-8 bytes
        line = lines[row - 1] if row <= len(lines) else ""
        return int(starts[row - 1]) + len(line.encode()[:byte_col].decode(errors="ignore"))

    spans = []
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    for node in ast.walk(tree):
        if not isinstance(node, kinds) or not node.body:
            continue
        first = node.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            a = offset(first.lineno, first.col_offset)
            b = offset(first.end_lineno or first.lineno, first.end_col_offset or 0)
            spans.append((a, b, len(node.body) == 1))
    return sorted(spans)


def strip_docstrings(source: str) -> str:
    """``source`` without its docstrings: a docstring on lines of its own (a comment after it
    included) goes with its lines; one that shares a line, or is the only statement of its body,
    becomes ``pass``; everything else is kept character for character (the code parses to the
    same tree, less the docstrings)."""
    out, at = [], 0
    for a, b, alone in docstring_spans(source):
        line_start = source.rfind("\n", 0, a) + 1
        line_end = source.find("\n", b)
        line_end = len(source) if line_end < 0 else line_end + 1
        rest = source[b:line_end].strip()
        own_lines = not source[line_start:a].strip() and (not rest or rest.startswith("#"))
        if own_lines and not alone:
            out.append(source[at:line_start])
            at = line_end
        else:
            out.append(source[at:a] + "pass")
            at = b
    out.append(source[at:])
    return "".join(out)


_PREFIX = set("rRbBuUfF")


def normalise_quotes(source: str) -> str:
    """One quote style: every one-line ``'...'`` string whose body holds no quote, backslash or
    brace becomes ``"..."`` (any prefix, f-strings too), so every value stays the same."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    lines = source.splitlines(keepends=True)
    starts = np.cumsum([0] + [len(line) for line in lines])
    chars = list(source)
    for tok in tokens:
        s = tok.string
        if tok.type != tokenize.STRING or tok.start[0] != tok.end[0]:
            continue
        k = 0
        while k < len(s) and s[k] in _PREFIX:
            k += 1
        body = s[k + 1 : -1]
        if s[k] != "'" or s[k : k + 3] == "'" * 3 or any(c in body for c in "'\"\\{}"):
            continue
        a = int(starts[tok.start[0] - 1]) + tok.start[1]
        chars[a + k] = chars[a + len(s) - 1] = '"'
    return "".join(chars)


def strip_long_strings(source: str) -> str:
    """Every string literal that spans lines (a triple-quoted block of prose, SQL, a template:
    what is left once docstrings are gone) becomes an empty one with the same prefix
    (``x = '''…'''`` → ``x = ""``); the code still parses, and every string left is one line."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    lines = source.splitlines(keepends=True)
    starts = np.cumsum([0] + [len(line) for line in lines])
    out, at = [], 0
    for tok in tokens:
        if tok.type != tokenize.STRING or tok.start[0] == tok.end[0]:
            continue
        a = int(starts[tok.start[0] - 1]) + tok.start[1]
        b = int(starts[tok.end[0] - 1]) + tok.end[1]
        k = 0
        while tok.string[k] in _PREFIX:
            k += 1
        out.append(source[at:a] + tok.string[:k] + '""')
        at = b
    out.append(source[at:])
    return "".join(out)


def prepare(
    source: str, docstrings: bool = True, quotes: bool = False, long_strings: bool = True
) -> str:
    """A file's text as a recipe reads it: without docstrings (``docstrings=False``), without
    the string literals that span lines (``long_strings=False``), with one quote style
    (``quotes=True``)."""
    if not docstrings:
        source = strip_docstrings(source)
    if not long_strings:
        source = strip_long_strings(source)
    if quotes:
        source = normalise_quotes(source)
    return source


def held_out_text(max_chars: int | None = None, docstrings: bool = True, quotes: bool = False,
                  long_strings: bool = True) -> str:  # fmt: skip
    """The held-out files' text (what correlations are measured on), read as a recipe with
    ``docstrings``, ``quotes`` and ``long_strings`` reads its training text (:func:`prepare`)."""
    held = [p for p in stdlib_files() if split_of(p) == "test"]
    text = read_text(held, docstrings, quotes, long_strings)
    return text[:max_chars] if max_chars else text


def snippet(chars: int = 2500, name: str = "configparser.py", cfg: CodeConfig | None = None) -> str:  # fmt: skip
    """A held-out piece of code to look at: from the first ``def`` past a third of the file,
    read as ``cfg``'s model was trained (without docstrings if it was trained without them)."""
    held = [p for p in stdlib_files() if split_of(p) == "test"]
    if not held:
        return ""
    path = next((p for p in held if p.name == name), held[0])
    tr = cfg.training if cfg is not None else {}
    text = prepare(
        path.read_text(encoding="utf-8"),
        tr.get("docstrings", True),
        tr.get("quotes", False),
        tr.get("long_strings", True),
    )
    start = text.find("\n    def ", len(text) // 3)
    return text[start + 1 if start >= 0 else 0 :][:chars]
