"""Saliency over time: which input tokens move each position's score, LSTM vs GRU."""

import functools

import streamlit as st

from rnnviz import ui
from rnnviz.analysis.saliency import option_name
from rnnviz.figures import analysis as af
from rnnviz.i18n import current, t

ui.setup()
st.title(t("page_saliency"))
st.caption(t("sa_intro"))
lang = current()
name, model = ui.analysis_model()
text = ui.analysis_text(name, model)

c1, c2 = st.columns(2)
with c1:
    options = [None, *model.labels]
    label = st.selectbox(
        t("sa_label"),
        options,
        format_func=functools.partial(option_name, t("sa_predicted")),
        key=f"w_sa_label_{name}",
    )
other = ui.compare_picker(c2, name, key="w_sa_other")

names = [name] + ([other] if other else [])
cols = st.columns(len(names))
reach = {}
for col, shown in zip(cols, names, strict=True):
    with col:
        m = ui.any_model(shown)
        use_label = label if label in m.labels else None
        try:
            sal = ui.saliency_result(shown, text, use_label)
        except Exception as exc:
            ui.show_error(exc)
            continue
        cell = m.rnn.__class__.__name__
        ui.chart(
            af.saliency_heatmap(
                sal.matrix, sal.tokens, title=f"{ui.model_label(shown)} ({cell})", lang=lang
            ),
            key=f"sa_{shown}",
            name=f"saliency-{shown}",
        )  # fmt: skip
        back, ahead = sal.mean_distance()
        st.caption(t("sa_mean", name=ui.model_label(shown), back=back, ahead=ahead))
        r_back, r_ahead = sal.reach()
        reach[f"{ui.model_label(shown)} · {t('sa_back')}"] = r_back
        if m.rnn.bidirectional:
            reach[f"{ui.model_label(shown)} · {t('sa_ahead')}"] = r_ahead
if reach:
    tokens = model.tokenize(text)
    ui.chart(
        af.reach_lines(reach, tokens, title=t("sa_reach"), lang=lang), key="sa_reach", name="reach"
    )
