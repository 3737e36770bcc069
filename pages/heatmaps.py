"""Heatmaps: units × tokens for every gate and state, both directions on one token axis.

A click on a cell picks its unit and step in the browser (``ui.trace_player`` in its "unit"
view reads the heatmaps' clicks and hover): the unit's lines appear beside the heatmaps with no
script rerun. Python hears only about a new quantity, order, layer, sentence or language."""

import streamlit as st

from rnnviz import schema, ui
from rnnviz.analysis.ordering import ORDERS
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_heatmaps"))
res = ui.selection()
tr = res.trace

names = [*tr.names, "merged"] if tr.bidirectional else list(tr.names)
quantity = ui.choice("quantity", names, Key.W_QUANTITY, labels=ui.quantity_labels([res]))
c2, c3 = st.columns([3, 1])
with c2:
    order = ui.choice("order", ORDERS, Key.W_ORDER, prefix="order_")
with c3:
    layer = ui.layer_picker(tr)
if quantity == "merged":
    mode = ui.choice("merge_mode", schema.MERGE_MODES, Key.W_MERGE, prefix="merge_")
    quantity = f"merged:{mode}"
st.caption(t("click_hint"))

specs = ui.heatmap_specs(
    res.model, res.text, quantity, layer, order, st.session_state[Key.LANG], res
)
left, right = st.columns([3, 2])
with left:
    for direction, spec in specs.items():
        ui.chart(ui.linked(spec, "heatmaps"), key=f"hm_{direction}", name=f"hm_{direction}")
with right, st.container(key="rnnviz_side"):  # stays in view while the heatmaps scroll
    shown = quantity if quantity in tr.names else "h"
    lines = [shown, "h"] if shown != "h" else ["h"]
    view = {"lines": lines, "quantity": quantity}
    ui.trace_player(res, layer, key="heatmaps_player", mode="unit", view=view, heatmaps="heatmaps")
ui.sticky("rnnviz_side")
ui.sync_url()
