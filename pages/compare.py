"""Compare: the same sentence through the LSTM and the GRU of one task, on the same scales."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t

ui.setup()
st.title(t("page_compare"))
res = ui.selection()
other = ui.partner(res.model)
if other is None:
    st.info(t("compare_none"))
    st.stop()
pair = ui.other_result(other, res.text)
if pair is None:
    st.stop()
results = sorted([res, pair], key=lambda r: r.trace.cell != "lstm")  # LSTM left, GRU right
st.markdown(t("compare_intro", a=results[0].model, b=results[1].model))
if res.kind == "tagger":
    same = sum(a == b for a, b in zip(results[0].predicted, results[1].predicted, strict=False))
    st.markdown(t("agreement", k=same, n=res.length))

quantity = ui.choice("quantity", ["h"], "w_cmp_quantity", prefix="q_")
columns = st.columns(2)
for col, r in zip(columns, results, strict=True):
    with col:
        st.subheader(f"{r.trace.cell.upper()} · {r.model}")
        ui.sentence(r)
        if r.kind == "classifier":
            ui.prediction(r)
        specs = ui.heatmap_specs(r.model, r.text, quantity, 0, "index", st.session_state.lang)
        for direction, spec in specs.items():
            ui.heatmap(spec, f"cmp_{r.trace.cell}_{direction}", None, st.session_state.step)
