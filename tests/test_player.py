"""The trace player's payload (rnnviz/player.py) and its page (AppTest).

The browser draws exactly what the payload carries, so the payload must carry the trace's own
float32 numbers: every cell of the registry, both directions, every layer, compared bit for bit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from rnnviz import cells, player, trace_rnn
from rnnviz.i18n import STRINGS

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 90


def traced(cell: str, layers: int = 2, length: int = 7):
    torch.manual_seed(0)
    module = cells.CELLS[cell].build(5, 6, num_layers=layers, bidirectional=True)
    return trace_rnn(module, torch.randn(length, 5), tokens=list("abcdefg"[:length]))


@pytest.mark.parametrize("cell", list(cells.CELLS))
def test_payload_numbers_are_the_trace_float32_values(cell: str) -> None:
    tr = traced(cell)
    spec = tr.spec
    for layer in range(tr.num_layers):
        data = json.loads(json.dumps(player.payload(tr, layer)))  # what the browser receives
        assert data["names"] == list(spec.quantities)
        assert data["length"] == tr.length and data["hidden"] == tr.hidden_size
        for d in tr.directions:
            values = data["values"][d]

            def got(field: str, values=values, widths=data["widths"]) -> np.ndarray:
                return player.decode(values[field], widths[field])

            for name in tr.names:
                want = tr.quantity(layer, d, name)
                assert want.dtype == np.float32
                assert np.array_equal(got(name), want), (cell, layer, d, name)
            for s in spec.states:
                assert np.array_equal(got(f"{s}_prev"), tr.previous(layer, d, s))
            for g in spec.gates:
                p = tr.preactivation(layer, d, g)
                assert np.array_equal(got(f"wx_{g}"), (p["Wx"] + p["b_x"]).astype(np.float32))
                assert np.array_equal(got(f"uh_{g}"), (p["Uh"] + p["b_h"]).astype(np.float32))
            step_values = {n: tr.quantity(layer, d, n) for n in tr.names}
            step_values.update({f"{s}_prev": tr.previous(layer, d, s) for s in spec.states})
            kept, written = spec.split(step_values)
            assert np.array_equal(got("kept"), np.asarray(kept, dtype=np.float32))
            assert np.array_equal(got("written"), np.asarray(written, dtype=np.float32))
            # the equations' derived numbers are the cell's own, value by value
            for t in (0, tr.length - 1):
                for unit in (0, tr.hidden_size - 1):
                    at = tr.values_at(layer, d, t, unit)
                    for key, value in spec.derived(at).items():
                        assert got(key)[t, unit] == np.float32(value)
                    for eq in spec.equations:  # the equation's result is the quantity itself
                        assert got(eq.name)[t, unit] == np.float32(at[eq.name])


@pytest.mark.parametrize("cell", list(cells.CELLS))
def test_every_slot_the_drawing_reads_is_in_the_payload(cell: str) -> None:
    data = player.payload(traced(cell, layers=1))
    fields = set(data["values"]["forward"])
    slots = {p["f"] for eq in data["equations"] for p in eq["numeric"] if isinstance(p, dict)}
    boxes = {b["value"] for b in data["diagram"]["boxes"] if b["value"]}
    assert slots and slots <= fields
    assert boxes <= fields
    assert set(data["diagram"]["gate_x"]) == set(cells.CELLS[cell].gates)
    assert {"kept", "written", data["updated"]} <= fields
    assert set(data["scales"]) == set(cells.CELLS[cell].quantities)
    backward = data["text"]["backward"]
    assert all("t+1" in s or "t−1" not in s for s in backward["symbolic"])


def test_latex_becomes_html() -> None:
    html = player.latex_html(r"c_t &= f_t \odot c_{t-1} + i_t \odot g_t")
    assert html == "c<sub>t</sub> = f<sub>t</sub> ⊙ c<sub>t−1</sub> + i<sub>t</sub> ⊙ g<sub>t</sub>"
    assert player.latex_html(r"\sigma(x)") == "σ(x)"
    parts = player._numeric_parts(r"\tanh($wx_n + $r \cdot $uh_n)")
    assert parts == ["tanh(", {"f": "wx_n"}, " + ", {"f": "r"}, " · ", {"f": "uh_n"}, ")"]


def player_data(at: AppTest) -> dict:
    found = [e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz_player"]
    assert len(found) == 1, "the step page draws one player"
    return player.unpack(found[0].proto.bytes)


def step_page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/step.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_step_page_sends_the_trace_once_with_the_link_step_and_unit() -> None:
    from rnnviz import ui

    at = step_page(model="cws-bilstm", lang="zh", step="3", unit="5", text="我爱北京天安门。")
    data = player_data(at)
    assert data["step"] == 3 and data["unit"] == 5
    assert data["strings"]["next"] == STRINGS["next"]["zh"]
    assert all(v == STRINGS[k]["zh"] for k, v in data["strings"].items() if k in STRINGS)
    res = ui.analyse("cws-bilstm", "我爱北京天安门。")
    assert data["payload"]["tokens"] == list(res.tokens)
    assert data["payload"]["tags"] == list(res.predicted)
    c = player.decode(data["payload"]["values"]["backward"]["c"], res.trace.hidden_size)
    assert np.array_equal(c, res.trace.quantity(0, "backward", "c"))
    assert not at.main.get("plotly_chart"), "the step page draws in the browser, not with Plotly"
    # another layer is a rerun with that layer's numbers; the sentence stays the same
    at.selectbox(key="w_layer").set_value(1).run()
    assert not at.exception
    layer1 = player_data(at)
    assert layer1["payload"]["layer"] == 1
    assert layer1["sentence_id"] == data["sentence_id"]
    assert layer1["payload_id"] != data["payload_id"]
    h = player.decode(layer1["payload"]["values"]["forward"]["h"], res.trace.hidden_size)
    assert np.array_equal(h, res.trace.quantity(1, "forward", "h"))


def test_story_button_asks_the_player_for_its_unit() -> None:
    at = step_page(model="count-lstm", text="(()(()))", lang="en")
    assert player_data(at)["unit"] == 4  # opened on count-lstm's counter c[4] (its card)
    at = step_page(model="count-lstm", text="(()(()))", lang="en", unit="2")
    before = player_data(at)
    assert before["unit"] == 2  # a link's unit wins over the story unit
    at.button(key="b_story_unit").click().run()
    after = player_data(at)
    assert after["seek"] == before["seek"] + 1 and after["unit"] == 4


def test_the_views_payload_carries_the_quantities_only_and_exactly() -> None:
    tr = traced("lstm")
    data = json.loads(json.dumps(player.payload(tr, 1, full=False)))
    assert set(data["values"]["backward"]) == set(tr.names)
    for d in tr.directions:
        for name in tr.names:
            got = player.decode(data["values"][d][name], data["widths"][name])
            assert np.array_equal(got, tr.quantity(1, d, name)), (d, name)


def players(at: AppTest) -> list[dict]:
    found = [e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz_player"]
    return [player.unpack(e.proto.bytes) for e in found]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_shared_link_opens_heatmaps_and_compare_on_its_view(lang: str) -> None:
    """gate/state, order, layer and Play direction come from the link and go back into it; the
    Heatmaps and Compare players get the trace's numbers and the view (no Python per click)."""
    from rnnviz import ui

    text = "我爱北京天安门。"
    view = {"quantity": "c", "order": "variance", "layer": "1", "play": "backward"}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(model="cws-bilstm", lang=lang, text=text, unit="9", **view)
    at.run()
    at.switch_page("pages/heatmaps.py").run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    assert at.button_group(key="w_quantity").value == "c"
    assert at.button_group(key="w_order").value == "variance"
    assert at.selectbox(key="w_layer").value == 1
    assert {k: at.query_params[k] for k in view} == view  # still in the link
    (data,) = players(at)
    assert (data["mode"], data["heatmaps"], data["unit"]) == ("unit", "heatmaps", 9)
    assert data["view"] == {"lines": ["c", "h"], "quantity": "c"}
    assert data["play_direction"] == "backward"
    assert data["strings"]["selected_unit"] == STRINGS["selected_unit"][lang]
    res = ui.analyse("cws-bilstm", text)
    assert data["payload"]["layer"] == 1
    c = player.decode(data["payload"]["values"]["forward"]["c"], res.trace.hidden_size)
    assert np.array_equal(c, res.trace.quantity(1, "forward", "c"))
    charts = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    metas = [c["layout"]["meta"] for c in charts if c["layout"].get("meta", {}).get("group")]
    assert [(m["group"], m["direction"], m["quantity"]) for m in metas] == [
        ("heatmaps", "forward", "c"),
        ("heatmaps", "backward", "c"),
    ]
    chosen = "c"
    if lang == "en":  # AppTest formats a chosen option in the test's thread: English labels
        chosen = "f"
        at.button_group(key="w_quantity").set_value(chosen).run()
        assert at.query_params["quantity"] == chosen

    at.switch_page("pages/compare.py").run()
    assert not at.exception and not at.error
    assert at.button_group(key="w_cmp_quantity").value == chosen  # the same view follows
    found = players(at)
    assert len(found) >= 2 and {p["group"] for p in found} == {"compare"}
    assert [p["controls"] for p in found] == [True] + [False] * (len(found) - 1)
    assert all(p["mode"] == "compare" and p["heatmaps"].startswith("cmp:") for p in found)


def test_quantity_names_come_from_the_cell() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(model="count-slstm", lang="en", text="(())")
    at.run()
    at.switch_page("pages/heatmaps.py").run()
    assert not at.exception
    shown = at.button_group(key="w_quantity").options
    assert "z · cell input" in shown and "n · normalizer" in shown, shown


def test_the_packed_message_carries_the_same_floats_as_raw_bytes() -> None:
    """What the element receives: one binary message whose float block holds every value's
    float32 bytes (4-byte aligned for the browser's Float32Array), a quarter smaller than the
    base64 in JSON; unpacking gives the data back unchanged."""
    tokens = [f"t{k}" for k in range(40)]
    tr = trace_rnn(torch.nn.LSTM(3, 64, bidirectional=True), torch.randn(40, 3), tokens=tokens)
    data = {"payload": player.payload(tr, 0), "step": 2, "strings": {"next": "下一步"}}
    message = player.pack(data)
    assert message[:4] == player.MAGIC
    assert player.unpack(message) == json.loads(json.dumps(data))
    size = int.from_bytes(message[4:8], "little")
    assert (8 + size) % 4 == 0
    header = json.loads(message[8 : 8 + size])
    ref = header["payload"]["values"]["backward"]["c"]
    floats = np.frombuffer(message[8 + size + ref["o"] :][: 4 * ref["n"]], dtype=np.float32)
    assert np.array_equal(floats.reshape(40, 64), tr.quantity(0, "backward", "c"))
    assert len(message) < 0.8 * len(json.dumps(data))
