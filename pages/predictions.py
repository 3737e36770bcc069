"""Predictions: tags under the sentence, per-token probabilities, and where each score comes from."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_predictions"))
res = ui.selection()
st.subheader(t("task_" + res.task))

specs = ui.prediction_specs(res.model, res.text, st.session_state[Key.LANG], res)
if res.kind == "classifier":
    ui.sentence(res)
    ui.prediction(res)
    ui.chart(specs["evolution"], name="evolution")
    st.caption(t("evolution_explain"))
else:
    ui.sentence(res, st.session_state[Key.STEP])
    ui.chart(specs["probabilities"], name="probabilities")
    if "transitions" in specs:  # a CRF decodes: show what it adds between neighbouring tags
        ui.chart(specs["transitions"], name="transitions")
        st.caption(t("crf_explain"))

st.subheader(t("score_split"))
st.caption(t("split_explain"))
step = ui.step_controls(res.length, play=False)
split = ui.score_split_spec(res.model, res.text, step, st.session_state[Key.LANG], res)
ui.chart(split, name=f"split{step}")
