"""Memory provenance: which token's write is still in a unit's memory, and how much (exact)."""

import streamlit as st

from rnnviz import ui
from rnnviz.analysis.provenance import supports
from rnnviz.cells import CELLS
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_memory"))
st.caption(t("mem_intro"))
res = ui.selection()
tr = res.trace
if not supports(tr.cell):
    st.info(t("mem_no_decomposition", cell=CELLS[tr.cell].title))
    st.stop()

d_col, l_col, u_col = st.columns([2, 1, 1])
with d_col:
    direction = ui.direction_picker(tr.directions, "w_mem_direction")
with l_col:
    layer = ui.layer_picker(tr)
cell_spec = CELLS[tr.cell]
state, keep = cell_spec.memory  # the state the decomposition splits and the factor that keeps it
st.caption(
    t("mem_keeps", cell=cell_spec.title, name=state, keep=keep, write=cell_spec.written_label)
)
best = ui.explain.memory_unit(res.model, res.text, layer, direction, res)
with u_col:
    unit = st.number_input(
        t("unit"),
        0,
        tr.hidden_size - 1,
        value=best,
        step=1,
        key=f"w_mem_unit_{res.model}_{layer}_{direction}",
        help=t("mem_unit_help", unit=best),
    )
spec, check = ui.explain.provenance_view(
    res.model,
    res.text,
    layer,
    direction,
    int(unit),
    st.session_state[Key.LANG],
    ui.explain.scale(),
    res,
)
st.markdown(t(f"mem_read_{direction}", name=state, unit=unit))
ui.chart(spec, key="mem_heatmap", name=f"provenance-{state}{unit}")
st.caption(t("mem_check", name=state, unit=unit, diff=f"{check:.1e}"))
