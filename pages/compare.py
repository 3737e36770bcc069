"""Compare: the same sentence through the task's LSTM, GRU (and RNN), each on its own best unit
for the task, any gate or state, one shared step cursor."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t

ui.setup()
st.title(t("page_compare"))
res = ui.selection()
ss = st.session_state
runs = ui.task_runs(res)
if len(runs) < 2:
    st.info(t("cmp_none"))
    st.stop()
st.markdown(t("cmp_intro", task=t("task_" + res.task)))
ui.agreement(runs)

quantity = ui.choice("cmp_quantity", ui.quantity_names(runs), "w_cmp_quantity", prefix="q_")
step = ui.step_controls(res.length, play=False)
for col, r in zip(st.columns(len(runs)), runs, strict=True):
    best = ui.story_unit(r.model, r.text)
    with col:
        st.subheader(f"{r.trace.spec.title} · {r.model}")
        ui.sentence(r, step)
        if r.kind == "classifier":
            ui.prediction(r)
        if best is None:
            continue
        ui.story(best, button=False)
        shown = quantity if quantity in r.trace.names else r.trace.spec.updated
        if shown != quantity:
            st.caption(t("cmp_missing", cell=r.trace.spec.title, quantity=quantity, shown=shown))
        timeline = ui.timeline_spec(r.model, r.text, 0, best.direction, best.unit, step, ss.lang)
        ui.chart(timeline, key=f"cmp_line_{r.model}", name=f"timeline_{r.model}")
        spec = ui.heatmap_specs(r.model, r.text, shown, 0, "index", ss.lang)[best.direction]
        ui.heatmap(spec, f"cmp_{r.model}", best.unit, step)
