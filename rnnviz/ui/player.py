"""The trace player: a Custom Components v2 element (no iframe) that steps through one layer of a
trace in the browser. Python sends the trace once per (model, text, layer) with the page's
strings; Prev/Next, the slider, the keys, Play, the unit and hover are drawn by ``player.js``
without a script rerun, and step and unit reach the address bar with ``history.replaceState``.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import streamlit as st

from .. import markup
from .. import player as payloads
from ..i18n import t
from .cache import Result, bounded, held_run
from .legacy import plain_component_state
from .state import Key

_HERE = Path(__file__).resolve().parent
JS = (_HERE / "player.js").read_text(encoding="utf-8")
CSS = (_HERE / "player.css").read_text(encoding="utf-8") + re.sub(
    r"</?style>", "", markup.SENTENCE_CSS
)
_component = st.components.v2.component("rnnviz_player", js=JS, css=CSS)
plain_component_state()  # the element's (empty) state must pickle: see legacy.py


# Strings the player shows (all from rnnviz/i18n.py, in the session's language).
STRING_KEYS = (
    "prev", "next", "play", "pause", "step", "unit", "forward", "backward", "timeline",
    "all_units", "kept", "written", "kept_written", "reading", "reading_uni", "reading_one",
    "reading_first", "reading_last", "player_play_back", "player_speed", "player_keys",
    "player_key_prev", "player_key_next", "player_key_play", "player_label", "player_aria",
    "player_colon",
    "selected_unit", "position",
)  # fmt: skip


@bounded  # ~0.8 MB for 50 characters, ~3.5 MB for 200: bounded by bytes, not entries
def player_payload(
    name: str, text: str, layer: int, full: bool = True, *, _run: Result
) -> dict[str, Any]:
    """:func:`rnnviz.player.payload` of ``_run``, model ``name``'s Run of ``text`` (cached per
    layer; ``_run`` is not part of the key), its values as raw float32 bytes."""
    result = held_run(_run, name, text)
    tags = result.predicted if result.kind == "tagger" else None
    data = payloads.payload(result.trace, layer, tags, full)
    # kept as raw bytes: a cache hit unpickles them by copying, and pack() sends them as they are
    values = data["values"]
    data["values"] = {d: {k: base64.b64decode(v) for k, v in f.items()} for d, f in values.items()}
    return data


def strings(cell: str) -> dict[str, str]:
    """The player's strings in the current language (``{field}`` templates kept for the JS)."""
    out = {key: t(key) for key in STRING_KEYS}
    out["key_prev"], out["key_next"] = out.pop("player_key_prev"), out.pop("player_key_next")
    out["key_play"], out["play_back"] = out.pop("player_key_play"), out.pop("player_play_back")
    out["speed"], out["keys"] = out.pop("player_speed"), out.pop("player_keys")
    out["colon"] = out.pop("player_colon")
    out["split_note"] = t("split_explain_" + cell)
    return out


def seek_unit(unit: int) -> None:
    """Callback: show ``unit`` in the player even though it keeps its own unit across reruns."""
    ss = st.session_state
    ss[Key.UNIT] = unit
    ss[Key.PLAYER_SEEK] = ss.get(Key.PLAYER_SEEK, 0) + 1


def data(
    result: Result,
    layer: int,
    mode: str = "step",
    view: dict[str, Any] | None = None,
    group: str | None = None,
    heatmaps: str | None = None,
    controls: bool = True,
    url_keys: tuple[str, ...] = ("step", "unit", "play"),
    unit: int | None = None,
) -> dict[str, Any]:
    """What the player receives: the payload, strings, where to start (the URL's step and unit
    on a new sentence) and the sentence as HTML; for the Heatmaps (``mode="unit"``) and Compare
    (``"compare"``) views also the view, the group whose players share a step, the
    ``layout.meta.group`` of the page's heatmaps it reads clicks from, what it puts in the URL,
    and a unit to open on instead of the session's (Compare: each model's best unit).
    """
    ss = st.session_state
    tags = result.predicted if result.kind == "tagger" else [""] * result.length
    full = mode == "step"
    return {
        "payload": player_payload(result.model, result.text, layer, full, _run=result),
        "payload_id": f"{result.model}\n{result.text}\n{layer}\n{int(full)}",
        "sentence_id": f"{result.model}\n{result.text}",
        "strings": strings(result.trace.cell),
        "lang": ss.get(Key.LANG, "en"),
        "projector": bool(ss.get(Key.PROJECTOR)),
        "step": int(min(ss.get(Key.STEP, 0), result.length - 1)),
        "unit": int(
            min(ss.get(Key.UNIT, 0) if unit is None else unit, result.trace.hidden_size - 1)
        ),
        "seek": int(ss.get(Key.PLAYER_SEEK, 0)),
        "sentence_html": markup.tokens_html(result.tokens, tags, result.task, result.unknown),
        "mode": mode,
        "view": view or {},
        "group": group,
        "heatmaps": heatmaps,
        "controls": controls,
        "url_keys": list(url_keys),
        "play_direction": ss.get(Key.PLAY, "forward"),
    }


def trace_player(result: Result, layer: int = 0, key: str = "rnnviz_player", **view: Any) -> None:
    """Draw the player for ``result``'s trace at ``layer`` (one element; no rerun per step).

    ``view`` goes to :func:`data` (``mode``, ``view``, ``group``, ``heatmaps``, ``controls``,
    ``url_keys``): the Heatmaps and Compare pages use the same element for their cursors."""
    _component(data=payloads.pack(data(result, layer, **view)), key=key)


def linked(spec: dict, group: str) -> dict:
    """A heatmap spec whose clicks and hover the player with ``heatmaps=group`` reads (its
    ``layout.meta.group``); the cached spec is not changed."""
    layout = spec["layout"]
    return {**spec, "layout": {**layout, "meta": {**layout.get("meta", {}), "group": group}}}
