"""Heatmaps: units × tokens for every gate and state, both directions on one token axis."""

import streamlit as st

from rnnviz import schema, ui
from rnnviz.analysis.ordering import ORDERS
from rnnviz.i18n import t

ui.setup()
st.title(t("page_heatmaps"))
res = ui.selection()
tr = res.trace
ss = st.session_state

names = [*tr.names, "merged"] if tr.bidirectional else list(tr.names)
quantity = ui.choice("quantity", names, "w_quantity", prefix="q_")
c2, c3 = st.columns([3, 1])
with c2:
    order = ui.choice("order", ORDERS, "w_order", prefix="order_")
with c3:
    layer = ui.layer_picker(tr)
if quantity == "merged":
    mode = ui.choice("merge_mode", schema.MERGE_MODES, "w_merge", prefix="merge_")
    quantity = f"merged:{mode}"
st.caption(t("click_hint"))


@st.fragment
def heatmap_view() -> None:
    specs = ui.heatmap_specs(res.model, res.text, quantity, layer, order, ss.lang)
    left, right = ui.side_by_side([3, 2])
    with left:
        for direction, spec in specs.items():
            ui.heatmap(spec, f"hm_{direction}", ss.unit, ss.step)
    with right:
        ui.unit_picker(tr.hidden_size)  # the keyboard way to select what a click selects
        st.markdown(f"**{t('selected_unit')}: {ss.unit}** · {res.tokens[ss.step]} ({ss.step})")
        shown = quantity if quantity in tr.names else "h"
        lines = (shown, "h") if shown != "h" else ("h",)
        if ss.unit < tr.units(shown):
            ui.chart(
                ui.unit_lines_spec(res.model, res.text, ss.unit, layer, lines, ss.step, ss.lang),
                key="unit_lines",
                name=f"unit{ss.unit}",
            )
    ui.sync_url()


heatmap_view()
