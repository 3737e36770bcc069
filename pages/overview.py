"""Overview: the model in one picture, its card, the sentence with its prediction."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("app_title"))
st.caption(t("tagline"))
res = ui.selection()
m = ui.load_model(res.model)
tr = res.trace

intro = "overview_intro" if tr.bidirectional else "overview_intro_uni"
st.markdown(t(intro, cell=tr.cell.upper()))
diagram = ui.model_diagram_spec(
    tr.cell,
    tr.bidirectional,
    tr.num_layers,
    m.rnn.input_size,
    tr.hidden_size,
    len(res.labels),
    res.kind,
    ui.vocab_size(m),
    st.session_state[Key.LANG],
)
ui.chart(diagram, name="model")

left, right = st.columns([3, 2])
with left:
    st.subheader(f"{t('prediction')} · {t('task_' + res.task)}")
    ui.sentence(res)
    if res.kind == "classifier":
        ui.prediction(res)
    st.subheader(t("where_next"))
    for path, key in (
        ("pages/step.py", "next_step"),
        ("pages/heatmaps.py", "next_heatmaps"),
        ("pages/predictions.py", "next_predictions"),
        ("pages/compare.py", "next_compare"),
    ):
        name = "page_" + path.split("/")[1].removesuffix(".py")
        ui.link(path, f"{t(name)}: {t(key)}")
with right, st.expander(t("model_card"), expanded=True):
    ui.card(m.card or f"`{m!r}`")
