"""From scratch: the textbook NumPy cell beside PyTorch, the no-carry bug, many-to-many vs one."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t

ui.setup()
st.title(t("page_scratch"))
st.caption(t("sc_intro"))
ss = st.session_state
wide = not ss.projector  # side by side on a screen; stacked, and larger, on a projector
cell = ui.choice("sc_cell", ("gru", "lstm"), "w_sc_cell", prefix="sc_cell_")
view = ui.explain.scratch_view(cell, ss.lang, ui.explain.scale())

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
