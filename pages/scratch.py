"""From scratch: the textbook NumPy cell beside PyTorch, the no-carry bug, many-to-many vs one."""

import streamlit as st

from rnnviz import cells, ui
from rnnviz.cells import CELLS
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_scratch"))
st.caption(t("sc_intro"))
ss = st.session_state
wide = not ss[Key.PROJECTOR]  # side by side on a screen; stacked, and larger, on a projector
cell = st.segmented_control(
    t("sc_cell"), list(CELLS), key="w_sc_cell", default=next(iter(CELLS)), format_func=cells.title
) or next(iter(CELLS))
view = ui.explain.scratch_view(cell, ss[Key.LANG], ui.explain.scale())

st.subheader(t("sc_textbook"))
code_col, numbers_col = st.columns(2) if wide else (st.container(), st.container())
with code_col:
    st.code(view["source"], language="python")
with numbers_col:
    verdict = "sc_ok" if view["ok"] else "sc_not_ok"
    (st.success if view["ok"] else st.error)(t(verdict, diff=f"{view['diff']:.1e}"))
    ui.chart(view["table"], key="sc_table", name=f"scratch-{cell}")

st.subheader(t("sc_bug"))
bug_col, fig_col = st.columns(2) if wide else (st.container(), st.container())
with bug_col:
    st.code(view["bug_source"], language="python")
with fig_col:
    ui.chart(view["bug"], key="sc_bug_fig", name="no-carry")
    step = view["diverges"]
    st.markdown(t("sc_diverges", step=step) if step is not None else t("sc_never"))

st.subheader(t("sc_ways"))
st.markdown(t("sc_ways_text"))
m2m_col, m2o_col = st.columns(2)
for col, way in ((m2m_col, "many_to_many"), (m2o_col, "many_to_one")):
    with col:
        st.markdown(f"**{t('sc_' + way)}**")
        st.code(view["ways_sources"][way], language="python")
shapes = view["shapes"]
st.table({t("sc_tensor"): list(shapes), t("sc_shape"): [str(s) for s in shapes.values()]})
st.markdown(t("sc_ways_equal", diff=f"{view['ways_diff']:.1e}"))

st.subheader(t("sc_parallel"))
par = view["parallel"]
st.markdown(t("sc_parallel_text", steps=par.steps, rounds=par.rounds))
st.table(
    {
        t("sc_cell"): [cells.title(c) for c in par.gates_without_h],
        t("sc_parallel_col"): [f"{v:.1e}" for v in par.gates_without_h.values()],
    }
)
st.code(par.source, language="python")
for name, diff in par.scan_diff.items():
    st.success(t("sc_scan_equal", cell=cells.title(name), steps=par.steps, diff=f"{diff:.1e}"))
