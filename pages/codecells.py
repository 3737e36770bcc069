"""Interpretable cells in code: units of a char-level LSTM of Python source, coloured text."""

import functools

import pandas as pd
import streamlit as st

from rnnviz import cards, markup, ui
from rnnviz.analysis import codecells
from rnnviz.i18n import t

ui.setup()
st.title(t("page_codecells"))
st.caption(t("cc_intro"))
ss = st.session_state
try:
    ui.load_code_model()
except FileNotFoundError as exc:
    st.warning(t("cc_missing") + f" ({exc})")
    st.stop()

if "cc_text" not in ss:
    ss.cc_text = codecells.snippet()
ss.cc_text = ss.cc_text[: ui.CODE_MAX_CHARS]
text = st.text_area(t("cc_code"), key="cc_text", height=160, max_chars=ui.CODE_MAX_CHARS)
if not text.strip():
    st.info(t("empty_prompt"))
    st.stop()
trace, best = ui.code_analysis(text)

rows = [
    {"feature": t("cc_" + b.feature), "unit": f"{b.quantity}[{b.unit}]", "r": round(b.r, 3)}
    for units in best.values()
    for b in units[:3]
]
st.markdown(f"**{t('cc_best')}**")
ui.table(pd.DataFrame(rows), hide_index=True, height=300)

c1, c2, c3 = st.columns([3, 1, 1])
feature = (
    c1.segmented_control(
        t("cc_feature"),
        list(codecells.FEATURES),
        default=codecells.FEATURES[0],
        format_func=functools.partial(ui.prefixed, "cc_"),
        key="w_cc_feature",
    )
    or codecells.FEATURES[0]
)
top = best[feature][0]
quantity = c2.segmented_control(t("an_quantity"), list(trace.names), default=top.quantity,
                                key=f"w_cc_q_{feature}") or top.quantity  # fmt: skip
unit = c3.number_input(t("unit"), 0, trace.hidden_size - 1, top.unit, key=f"w_cc_unit_{feature}")
values = trace.quantity(0, "forward", quantity)[:, int(unit)]
r = codecells.correlations(values[:, None], codecells.features(text))[feature][0]
st.markdown(t("cc_showing", quantity=quantity, unit=int(unit), r=float(r),
              feature=t("cc_" + feature)))  # fmt: skip
st.html(markup.coloured_text(text, values, quantity))
with st.expander(t("cc_card")):
    ui.card(cards.load(codecells.ASSET, "en"), cards.load(codecells.ASSET, "zh"))
