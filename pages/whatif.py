"""What if: edit, delete or insert a token; see how every gate and state and the prediction move."""

import functools

import numpy as np
import streamlit as st

from rnnviz import ui
from rnnviz.analysis.whatif import (
    EDITS,
    apply_edit,
    column_labels,
    compare_runs,
    join_tokens,
    position_label,
    suggest_token,
)
from rnnviz.figures import analysis as af
from rnnviz.i18n import current, label_name, t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_whatif"))
st.caption(t("wi_intro"))
ss = st.session_state
lang = current()
name, model = ui.analysis_model()
before = ui.analysis_text(name, model)
try:
    first = ui.analyse(name, before)  # the sentence's one Run (cached); its tokens are the page's
except Exception as exc:
    ui.show_error(exc)
    st.stop()
tokens = list(first.tokens)

c1, c2, c3 = st.columns([2, 2, 1])
with c1:
    edit = ui.choice("wi_edit", EDITS, "w_wi_edit", prefix="wi_")
top = len(tokens) if edit == "insert" else len(tokens) - 1
with c2:
    position = st.select_slider(
        t("wi_position"),
        options=list(range(top + 1)),
        value=min(ss.get(Key.W_WI_POS, 1), top) if top else 0,
        format_func=functools.partial(position_label, tuple(tokens)),
        key=Key.W_WI_POS,
    )
with c3:
    new_token = st.text_input(
        t("wi_token"),
        suggest_token(tokens, position),
        key=f"w_wi_token_{position}",
        max_chars=ui.TOKEN_MAX_CHARS,
        disabled=edit == "delete",
    )
if edit == "delete" and len(tokens) == 1:  # say it in the page's words, before the library does
    st.info(t("wi_only_token"))
    st.stop()
if edit != "delete" and not new_token.strip():
    st.info(t("wi_needs_token"))
    st.stop()
try:
    edited = join_tokens(
        apply_edit(tokens, edit, position, new_token.strip()[: ui.TOKEN_MAX_CHARS]), before, tokens
    )
except ValueError as exc:
    ui.show_error(exc)
    st.stop()
after = st.text_input(
    t("wi_after"),
    edited[: ui.APP_MAX_CHARS],
    key=f"w_wi_after_{hash((before, edited)) % 10**8}",
    max_chars=ui.APP_MAX_CHARS,
)
if after == before:
    st.info(t("wi_same"))
    st.stop()
try:
    comp, pred = compare_runs(first, ui.analyse(name, after))  # the edited sentence's one Run
except Exception as exc:
    ui.show_error(exc)
    st.stop()

st.subheader(t("wi_pred"))
if model.kind == "classifier":  # the answer is the head on the last state
    first, last = (
        pred.dropna(subset=["label_before"]).iloc[-1],
        pred.dropna(subset=["label_after"]).iloc[-1],
    )
    st.markdown(
        f"**{label_name(first['label_before'])}** ({first['p_before']:.1%}) → "
        f"**{label_name(last['label_after'])}** ({last['p_after']:.1%})"
    )
st.markdown(t("wi_flips", k=int(pred["flipped"].sum()), n=int(pred["label_before"].notna().sum())))
ui.chart(
    af.change_bars(
        pred["p_before"].to_numpy(dtype=np.float32),
        pred["p_after"].to_numpy(dtype=np.float32),
        comp.labels,
        lang=lang,
        labels=column_labels(pred),
    ),
    key="wi_bars",
    name="whatif-prediction",
)
ui.table(pred, hide_index=True, height=220)

st.subheader(t("wi_diffs"))
q_col, l_col = st.columns([4, 1])
with q_col:
    quantity = ui.choice("an_quantity", comp.before.names, "w_wi_quantity", prefix="q_")
with l_col:
    layer = ui.layer_picker(comp.before)
for direction in comp.before.directions:
    st.caption(t("wi_reach", k=comp.reach(layer, direction), direction=t("an_" + direction)))
    fig = af.diff_heatmap(
        comp.diff(layer, direction, quantity),
        comp.labels,
        quantity,
        title=f"Δ {t('an_' + direction)} · {quantity} ({t(comp.before.spec.label(quantity))}) · {t('layer')} {layer}",
        xlabel="",
        lang=lang,
    )
    ui.chart(fig, key=f"wi_{direction}", name=f"whatif-{direction}-{quantity}")
ui.table(comp.summary(), hide_index=True, height=200)
