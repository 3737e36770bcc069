"""Step through: one token at a time, both directions side by side, gate by gate."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t

ui.setup()
st.title(t("page_step"))
res = ui.selection()
tr = res.trace


playing = ui.playing()


@st.fragment(run_every=ui.PLAY_SECONDS if playing else None)
def step_view() -> None:
    if playing:
        ui.advance(res.length)
    step = ui.step_controls(res.length, was_playing=playing)
    ui.sentence(res, step)
    tok, n = res.tokens[step], res.length
    if tr.bidirectional:
        before = f"0…{step - 1}" if step else "∅"
        after = f"{n - 1}…{step + 1}" if step < n - 1 else "∅"
        st.markdown(t("reading", t=step, tok=tok, before=before, after=after))
    else:
        st.markdown(t("reading_uni", t=step, tok=tok))
    pick_unit, pick_layer, _ = st.columns([1, 1, 2])
    with pick_unit:
        unit = ui.unit_picker(tr.hidden_size)
    with pick_layer:
        layer = ui.layer_picker(tr)
    columns = st.columns(len(tr.directions))
    for col, d in zip(columns, tr.directions, strict=True):
        spec = ui.step_specs(res.model, res.text, layer, d, step, unit, st.session_state.lang)
        with col:
            st.markdown(f"#### {t(d)}")
            ui.chart(spec["cell"], key=f"cell_{d}", html=False)
            st.markdown(f"**{t('equations')}** · {t('unit')} {unit}")
            ui.equations(spec["equations"])
            ui.chart(spec["strips"], key=f"strips_{d}", name=f"gates_{d}")
            ui.chart(spec["split"], key=f"split_{d}", name=f"split_{d}")
            st.caption(t("split_explain_" + tr.spec.name))


step_view()
