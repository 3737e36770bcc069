"""Compare: the same sentence through the task's LSTM, GRU (and RNN), each on its own best unit
for the task, any gate or state, one shared step cursor.

The cursor is the browser's: one trace player per model (``ui.trace_player`` in its "compare"
view), all in one group, so Prev/Next, the keys, Play, a token or a heatmap click move every
model's step together without a script rerun."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_compare"))
res = ui.selection()
ss = st.session_state
runs = ui.task_runs(res)
if len(runs) < 2:
    st.info(t("cmp_none"))
    st.stop()
bests = [ui.story_unit(r.model, r.text, r) for r in runs]
with st.expander(t("notice_title")):  # the page's words in one line: the players stay high
    st.markdown(t("cmp_intro", task=t("task_" + res.task)))
    for r, best in zip(runs, bests, strict=True):
        st.markdown(f"**{r.trace.spec.title} · {r.model}**")
        ui.story(best, button=False)

projector = bool(ss[Key.PROJECTOR])  # one screen: the gate choice and the agreement share a row
pick, agree = (
    st.columns([2, 3], vertical_alignment="bottom")
    if projector
    else (st.container(), st.container())
)
labels = ui.quantity_labels(runs)
with pick:
    quantity = ui.choice(
        "cmp_quantity", ui.quantity_names(runs), Key.W_CMP_QUANTITY, labels=labels,
        compact=projector,
    )  # fmt: skip
with agree:
    ui.agreement(runs)
for k, (col, r, best) in enumerate(zip(st.columns(len(runs)), runs, bests, strict=True)):
    direction = best.direction if best is not None else r.trace.directions[0]
    with col:
        st.subheader(f"{r.trace.spec.title} · {r.model}")
        if r.kind == "classifier":
            ui.prediction(r)
        shown = quantity if quantity in r.trace.names else r.trace.spec.updated
        if shown != quantity:
            st.caption(t("cmp_missing", cell=r.trace.spec.title, quantity=quantity, shown=shown))
        ui.trace_player(
            r,
            0,
            key=f"cmp_player_{r.model}",
            mode="compare",
            view={"direction": direction, "quantity": shown},
            group="compare",
            heatmaps=f"cmp:{r.model}",
            controls=k == 0,  # one step bar drives them all
            url_keys=("step", "play") if k == 0 else (),
            unit=best.unit if best is not None else 0,
        )
        spec = ui.heatmap_specs(r.model, r.text, shown, 0, "index", ss[Key.LANG], r)[direction]
        spec = ui.sized(ui.linked(spec, f"cmp:{r.model}"), ui.COMPARE_HEATMAP_PX, title=False)
        ui.chart(spec, key=f"cmp_{r.model}", name=f"cmp_{r.model}")
ui.sync_url()
