"""The trace player's payload: one layer of a :class:`~rnnviz.tracer.Trace` as a JSON-able dict.

The browser player (``rnnviz/ui/player.py`` + ``player.js``) receives this once per (model,
text, layer) and then steps, plays and picks units without asking Python again. Everything
cell-specific comes from the registry (``trace.spec``): quantity names, colour ranges, the
equations (LaTeX turned into HTML with numeric slots), the diagram, the kept/written split.

Numbers travel as the trace's own float32 bytes (base64, row-major ``(T, units)``), so what the
browser draws is exactly the trace's value; :func:`decode` reads one back.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from collections.abc import Mapping, Sequence
from string import Template
from typing import Any

import numpy as np

from .figures.style import colorscale
from .tracer import Trace

FORMAT = 1  # bump when the payload's shape changes (the JS checks it)


def encode(values: np.ndarray) -> str:
    """``(T, units)`` values as base64 of their float32 bytes, row-major."""
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.float32).tobytes()).decode()


def decode(text: str, units: int) -> np.ndarray:
    """The inverse of :func:`encode`: ``(T, units)`` float32."""
    return np.frombuffer(base64.b64decode(text), dtype=np.float32).reshape(-1, units)


MAGIC = b"RNV1"  # a packed player message: MAGIC, uint32 LE header length, JSON header, floats


def pack(data: dict[str, Any]) -> bytes:
    """The player's data as one binary message (what the element receives): the float32 values
    travel as raw bytes, not base64 inside JSON (a quarter fewer bytes, no JSON escaping and
    no base64 on either side); a value may already be raw ``bytes``. In the JSON header each value is ``{"o": byte offset, "n":
    count}`` into the float block that follows, which starts 4-byte aligned."""
    blocks: list[bytes] = []
    at = 0
    header = dict(data)
    payload = dict(header["payload"])
    refs: dict[str, dict[str, dict[str, int]]] = {}
    for d, fields in payload["values"].items():
        refs[d] = {}
        for k, value in fields.items():  # base64 text, or the raw bytes themselves
            raw = value if isinstance(value, bytes) else base64.b64decode(value)
            refs[d][k] = {"o": at, "n": len(raw) // 4}
            blocks.append(raw)
            at += len(raw)
    payload["values"] = refs
    header["payload"] = payload
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    text += b" " * (-(len(MAGIC) + 4 + len(text)) % 4)  # the floats start 4-byte aligned
    return b"".join([MAGIC, struct.pack("<I", len(text)), text, *blocks])


def unpack(message: bytes) -> dict[str, Any]:
    """The inverse of :func:`pack` (values back as base64 strings, as :func:`payload` has them)."""
    if message[:4] != MAGIC:
        raise ValueError("not a packed player message")
    (size,) = struct.unpack("<I", message[4:8])
    data = json.loads(message[8 : 8 + size])
    start = 8 + size
    for fields in data["payload"]["values"].values():
        for k, ref in fields.items():
            a = start + ref["o"]
            fields[k] = base64.b64encode(message[a : a + 4 * ref["n"]]).decode()
    return data


_SYMBOLS = {
    r"\sigma": "σ",
    r"\tanh": "tanh",
    r"\odot": "⊙",
    r"\cdot": "·",
    r"\mathrm{relu}": "relu",
    r"\,": " ",
}


def latex_html(latex: str) -> str:
    """The cell registry's one-line LaTeX as HTML (``c_{t-1}`` → ``c<sub>t-1</sub>``).

    Handles what the equations use: ``&=``, ``\\sigma \\tanh \\odot \\cdot \\mathrm``,
    ``\\mathbf{…}`` and one level of subscripts; anything else keeps its text.
    """
    out = latex.replace("&=", "=").replace("&", "")
    for command, symbol in _SYMBOLS.items():
        out = out.replace(command, symbol)
    out = re.sub(r"\\mathbf\{([^}]*)\}", r"<b>\1</b>", out)
    out = re.sub(r"\\mathrm\{([^}]*)\}", r"\1", out)
    out = re.sub(r"_\{([^}]*)\}", r"<sub>\1</sub>", out)
    out = re.sub(r"_([A-Za-z0-9])", r"<sub>\1</sub>", out)
    out = out.replace("-", "−")
    return re.sub(r"\s+", " ", out).strip()


def _numeric_parts(template: str) -> list[str | dict[str, str]]:
    """A numeric equation template (``\\sigma($wx_i + $uh_i)``) as HTML pieces and slots
    ``{"f": field}`` the browser fills with that field's number."""
    parts: list[str | dict[str, str]] = []
    last = 0
    for m in Template.pattern.finditer(template):
        name = m.group("named") or m.group("braced")
        if name is None:
            continue
        if m.start() > last:
            parts.append(latex_html(template[last : m.start()]))
        parts.append({"f": name})
        last = m.end()
    if last < len(template):
        parts.append(latex_html(template[last:]))
    # latex_html strips the spaces at a piece's ends: put back the ones around operators
    return [_spaced(p) if isinstance(p, str) else p for p in parts]


def _spaced(piece: str) -> str:
    return re.sub(r"^([+·⊙−=])", r" \1", re.sub(r"([+·⊙−=])$", r"\1 ", piece))


def _derived(trace: Trace, layer: int, direction: str, fields: Mapping[str, np.ndarray]):
    """The cell's derived values (LSTM ``tanh_c``, GRU ``one_minus_z``) at every step and unit.

    ``spec.derived`` is written for one step of one unit; it is tried on whole arrays first and
    called per value only when that does not give arrays of the right shape."""
    spec = trace.spec
    shape = fields[spec.quantities[0]].shape
    try:  # in float64, as the per-value path computes, so both give the same float32
        out = spec.derived({k: v.astype(np.float64) for k, v in fields.items()})
        if all(np.shape(v) == shape for v in out.values()):
            return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}
    except (TypeError, ValueError):
        pass
    names = list(fields)
    columns = [fields[n].astype(np.float64).ravel().tolist() for n in names]
    rows = [
        spec.derived(dict(zip(names, values, strict=True))) for values in zip(*columns, strict=True)
    ]
    keys = list(rows[0]) if rows else []
    return {k: np.array([r[k] for r in rows], dtype=np.float32).reshape(shape) for k in keys}


def _fields(trace: Trace, layer: int, direction: str) -> dict[str, np.ndarray]:
    """Every number the player shows for one direction, by the names the equations use:
    quantities, previous states ``<s>_prev``, gate arguments ``wx_<g>``/``uh_<g>`` (biases in),
    derived values, and the split ``kept``/``written``; each ``(T, units)`` float32."""
    spec = trace.spec
    fields = {n: trace.quantity(layer, direction, n) for n in trace.names}
    for s in spec.states:
        fields[f"{s}_prev"] = trace.previous(layer, direction, s)
    for g in spec.gates:
        p = trace.preactivation(layer, direction, g)
        fields[f"wx_{g}"] = (p["Wx"] + p["b_x"]).astype(np.float32)
        fields[f"uh_{g}"] = (p["Uh"] + p["b_h"]).astype(np.float32)
    same = {k: v for k, v in fields.items() if v.shape == fields[spec.updated].shape}
    fields.update(_derived(trace, layer, direction, same))
    kept, written = spec.split(same)
    fields["kept"] = np.asarray(kept, dtype=np.float32)
    fields["written"] = np.asarray(written, dtype=np.float32)
    return fields


def _previous(label: str, direction: str) -> str:
    return label.replace("t-1", "t+1" if direction == "backward" else "t-1")


def _scale(name: str, trace: Trace) -> dict[str, Any]:
    style = trace.spec.style(name)
    return {
        "zmin": style.zmin,
        "zmax": style.zmax,
        "stops": [[float(f), c] for f, c in colorscale(style.colorscale)],
        "state": name in trace.spec.states,
    }


def payload(
    trace: Trace, layer: int = 0, tags: Sequence[str] | None = None, full: bool = True
) -> dict[str, Any]:
    """One layer of ``trace`` for the browser player (JSON-able; no strings of the UI).

    ``values[direction][field]`` is base64 float32 ``(T, widths[field])``, row-major; fields are
    named as in the cell's numeric equations (see :func:`_fields`). ``full=False`` carries the
    quantities only (the Heatmaps and Compare views draw no equations): about a third the bytes.
    """
    spec = trace.spec
    layer = layer % trace.num_layers
    if full:
        directions = {d: _fields(trace, layer, d) for d in trace.directions}
    else:
        directions = {
            d: {n: trace.quantity(layer, d, n) for n in trace.names} for d in trace.directions
        }
    first = directions[trace.directions[0]]
    widths = {k: int(v.shape[1]) for k, v in first.items()}
    diagram = spec.diagram
    per_direction = {}
    for d in trace.directions:
        prev = "t+1" if d == "backward" else "t-1"
        per_direction[d] = {
            "symbolic": [latex_html(line) for line in spec.latex(prev)],
            "boxes": [Template(b.label).safe_substitute(prev=prev) for b in diagram.boxes],
            "labels": [Template(x[2]).safe_substitute(prev=prev) for x in diagram.labels],
            "kept_label": latex_html(_previous(spec.kept_label, d)),
            "written_label": latex_html(spec.written_label),
            "prev": prev,
        }
    return {
        "format": FORMAT,
        "cell": spec.name,
        "title": spec.title,
        "tokens": list(trace.tokens),
        "tags": list(tags) if tags is not None else [],
        "length": trace.length,
        "hidden": trace.hidden_size,
        "layer": layer,
        "layers": trace.num_layers,
        "directions": list(trace.directions),
        "names": list(trace.names),
        "gates": list(spec.gates),
        "states": list(spec.states),
        "updated": spec.updated,
        "widths": widths,
        "scales": {n: _scale(n, trace) for n in trace.names},
        "equations": [
            {"name": e.name, "numeric": _numeric_parts(e.numeric)} for e in spec.equations
        ],
        "diagram": {
            "gate_x": dict(diagram.gate_x),
            "boxes": [
                {"x": b.x, "y": b.y, "w": b.width, "value": b.value, "style": b.style}
                for b in diagram.boxes
            ],
            "nodes": [list(n) for n in diagram.nodes],
            "arrows": [list(a) for a in diagram.arrows],
            "labels": [[x, y] for x, y, _ in diagram.labels],
        },
        "text": per_direction,
        "values": {d: {k: encode(v) for k, v in f.items()} for d, f in directions.items()},
    }
