"""Step through: one token at a time, both directions side by side, gate by gate, opened on the
model's most telling unit with its timeline over the sentence.

The stepping itself is the browser's (``ui.trace_player``): Prev/Next, the keys, Play and the
unit never rerun this script; a new sentence, model, layer or language does."""

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t

ui.setup()
st.title(t("page_step"))
res = ui.selection()
tr = res.trace

best = ui.story_unit(res.model, res.text, res)
ui.open_on_story_unit(res.model, best)
notice, pick = st.columns([4, 1], vertical_alignment="bottom")
with notice.expander(t("notice_title")):
    ui.story(best, res.task)
with pick:
    layer = ui.layer_picker(tr)
ui.trace_player(res, layer)
