"""Predictions: tags under the sentence, per-token probabilities, and where each score comes from."""

import streamlit as st

from rnnviz import figures, ui
from rnnviz.i18n import t

ui.setup()
st.title(t("page_predictions"))
res = ui.selection()
st.subheader(t("task_" + res.task))

if res.kind == "classifier":
    ui.sentence(res)
    ui.prediction(res)
    ui.chart(figures.evolution_figure(res.tokens, res.labels, res.proba), name="evolution")
    st.caption(t("evolution_explain"))
else:
    ui.sentence(res, st.session_state.step)
    ui.chart(figures.label_probabilities(res.tokens, res.labels, res.proba), name="probabilities")
    crf = getattr(ui.load_model(res.model), "transitions", lambda: None)()
    if crf is not None:  # a CRF decodes: show what it adds between neighbouring tags
        ui.chart(figures.transition_figure(res.labels, *crf), name="transitions")
        st.caption(t("crf_explain"))

st.subheader(t("score_split"))
st.caption(t("split_explain"))
step = ui.step_controls(res.length, play=False)
ui.chart(figures.score_split_figure(res.split, res.tokens, step), name=f"split{step}")
