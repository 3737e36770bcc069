"""Interpretable cells in code: units of a char-level LSTM of Python source, coloured text."""

import functools

import pandas as pd
import streamlit as st

from rnnviz import cards, markup, ui
from rnnviz.analysis import codecells
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_codecells"))
st.caption(t("cc_intro"))
ss = st.session_state
try:
    model = ui.load_code_model()
except FileNotFoundError as exc:
    st.warning(t("cc_missing") + f" ({exc})")
    st.stop()

if Key.CC_TEXT not in ss:
    ss[Key.CC_TEXT] = codecells.snippet(cfg=model.cfg)
ss[Key.CC_TEXT] = ss[Key.CC_TEXT][: ui.CODE_MAX_CHARS]
text = st.text_area(t("cc_code"), key=Key.CC_TEXT, height=160, max_chars=ui.CODE_MAX_CHARS)
if not text.strip():
    st.info(t("empty_prompt"))
    st.stop()
trace, best = ui.code_analysis(text)
layers = trace.num_layers

rows = [
    {t("cc_feature"): t("cc_" + b.feature), t("unit"): b.name(layers), "r": round(b.r, 3),
     "AUROC": None if b.auroc is None else round(b.auroc, 3)}
    for units in best.values()
    for b in units[:3]
    if b.r  # a feature absent from the text (docstrings the model never saw) has no row
]  # fmt: skip
st.markdown(f"**{t('cc_best')}**")
ui.table(pd.DataFrame(rows), hide_index=True, height=300)

c1, c2, c3, c4 = st.columns([4, 1, 2, 1])
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
# the paper's view: the model's own cell for the feature (held-out files), coloured by tanh(c)
held = codecells.held_out_unit(model.cfg, feature)
top = held or best[feature][0]
layer = c2.number_input(t("cc_layer"), 1, layers, top.layer + 1, key=f"w_cc_layer_{feature}",
                        disabled=layers == 1) - 1  # fmt: skip
quantity = c3.segmented_control(t("an_quantity"), list(codecells.quantities(trace)),
                                default=top.quantity, key=f"w_cc_q_{feature}",
                                format_func=functools.partial(ui.prefixed, "cc_")) or top.quantity  # fmt: skip
unit = c4.number_input(t("unit"), 0, trace.hidden_size - 1, top.unit, key=f"w_cc_unit_{feature}")
values = codecells.quantity(trace, int(layer), quantity)[:, int(unit)]
r, auroc = codecells.unit_score(values, codecells.features(text)[feature])
shown = codecells.BestUnit(feature, quantity, int(unit), r, int(layer))

left, right = st.columns([4, 1])
left.markdown(t("cc_showing", unit=shown.name(layers)))
left.html(markup.coloured_text(text, values, quantity))
right.metric(f"r · {t('cc_here')}", f"{r:+.3f}", help=t("cc_r_with", feature=t("cc_" + feature)))
right.metric(f"AUROC · {t('cc_here')}", "—" if auroc is None else f"{auroc:.3f}",
             help=t("cc_auroc"))  # fmt: skip
if held is not None:
    right.caption(t("cc_held_unit", unit=t("cc_tanh_c"), feature=t("cc_" + feature),
                    name=held.name(layers)))  # fmt: skip
    right.metric(t("cc_held_out") + " · r", f"{held.r:+.3f}")
    right.metric(t("cc_held_out") + " · AUROC", "—" if held.auroc is None else f"{held.auroc:.3f}",
                 help=t("cc_auroc"))  # fmt: skip
with st.expander(t("cc_card")):
    ui.card(cards.load(codecells.ASSET, "en"), cards.load(codecells.ASSET, "zh"))
