"""Step through: one token at a time, both directions side by side, gate by gate, opened on the
model's most telling unit with its timeline over the sentence."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t

ui.setup()
st.title(t("page_step"))
res = ui.selection()
tr = res.trace
ss = st.session_state

best = ui.story_unit(res.model, res.text)
ui.open_on_story_unit(res.model, best)
with st.expander(t("notice_title")):
    ui.story(best, res.task)
reads = ui.play_direction(tr.directions)
playing = ui.playing()


@st.fragment(run_every=ui.PLAY_SECONDS if playing else None)
@ui.timed("step:fragment")  # Next / Prev / Play ticks rerun only this (server-side timing log)
def step_view() -> None:
    if playing:
        ui.advance(res.length, reads)
    step = ui.step_controls(res.length, was_playing=playing)
    ui.sentence(res, step)
    ui.reading(res, step)
    pick_unit, pick_layer, _ = st.columns([1, 1, 2])
    with pick_unit:
        unit = ui.unit_picker(tr.hidden_size)
    with pick_layer:
        layer = ui.layer_picker(tr)
    columns = ui.side_by_side(len(tr.directions))
    for col, d in zip(columns, tr.directions, strict=True):
        spec = ui.step_specs(res.model, res.text, layer, d, step, unit, ss.lang)
        timeline = ui.timeline_spec(res.model, res.text, layer, d, unit, step, ss.lang)
        with col:
            st.markdown(f"#### {t(d)}")
            ui.chart(spec["cell"], key=f"cell_{d}", html=False)
            ui.chart(timeline, key=f"timeline_{d}", name=f"timeline_{d}")
            st.markdown(f"**{t('equations')}** · {t('unit')} {unit}")
            ui.equations(spec["equations"])
            ui.chart(spec["strips"], key=f"strips_{d}", name=f"gates_{d}")
            ui.chart(spec["split"], key=f"split_{d}", name=f"split_{d}")
            st.caption(t("split_explain_" + tr.spec.name))


step_view()
