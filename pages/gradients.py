"""Why gates: the vanishing gradient of a vanilla RNN beside an LSTM and a GRU."""

import streamlit as st

from rnnviz import ui
from rnnviz.cells import CELLS
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_gradients"))
st.markdown(t("gr_intro"))
ss = st.session_state
keep = st.slider(t("gr_keep_bias"), 0.0, 4.0, 0.0, 0.5, key="w_gr_keep", help=t("gr_keep_help"))
spec, first = ui.explain.gradient_comparison(float(keep), ss[Key.LANG], ui.explain.scale())
ui.chart(spec, key="gr_compare", name="gradients-untrained")
left = " · ".join(f"{CELLS[cell].title} {value:.1e}" for cell, value in first.items())
st.markdown(t("gr_first", values=left))
st.info(t("gr_honest"))

st.subheader(t("gr_model_title"))
res = ui.selection()
tr = res.trace
layer = ui.layer_picker(tr)
for direction in tr.directions:
    with st.spinner(t("gr_computing")):
        spec = ui.explain.model_gradient_spec(
            res.model, res.text, layer, direction, ss[Key.LANG], ui.explain.scale(), res
        )
    st.caption(t("gr_model_caption", model=res.model, direction=t("an_" + direction)))
    ui.chart(spec, key=f"gr_model_{direction}", name=f"gradients-{res.model}-{direction}")
st.caption(t("gr_model_note"))
