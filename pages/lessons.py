"""Guided lessons: each stage picks the model, sentence and unit, asks, then reveals the answer."""

import functools

import streamlit as st

from rnnviz import ui
from rnnviz.i18n import t
from rnnviz.lessons import LESSONS, key
from rnnviz.ui import Key

ui.setup()
st.title(t("page_lessons"))
ss, qp, ex = st.session_state, st.query_params, ui.explain
lesson_id = qp.get("lesson")
if lesson_id not in LESSONS:
    st.markdown(t("ls_intro"))
    for lid in LESSONS:
        ex.lesson_link(lid)
        st.caption(t(f"ls_{lid}_intro"))
    st.stop()

lesson = LESSONS[lesson_id]
n = len(lesson.stages)
raw_stage = qp.get("stage", "0")
# ASCII digits only: '²' passes str.isdigit() and int() refuses it
stage = min(int(raw_stage) if raw_stage.isascii() and raw_stage.isdecimal() else 0, n - 1)
st.subheader(t(f"ls_{lesson_id}_title"))
missing = lesson.missing(ui.model_names())
if missing:
    st.warning(t("ls_missing", models=", ".join(missing)))
    st.button(t("ls_all"), on_click=ex.goto, args=(None,), key="b_ls_all")
    st.stop()
ex.apply_stage(lesson_id, stage)
s = lesson.stages[stage]
st.progress((stage + 1) / n, text=t("ls_stage", k=stage + 1, n=n))
st.markdown(f"#### {t(key(lesson_id, stage, 'title'))}")
facts = ex.lesson_facts(lesson_id, stage, ss[Key.LANG])  # every number quoted, measured now
st.markdown(t(key(lesson_id, stage, "text"), **facts))
if s.model:
    colon = "：" if ss[Key.LANG] == "zh" else ": "  # full-width in a Chinese sentence
    st.caption(f"{t('model')}{colon}**{s.model}**" + (f" · **{s.other}**" if s.other else ""))
    ex.plain_sentence(s.model, s.text, s.step)
widget, kept = Key.lesson_widget(lesson_id, stage), Key.lesson_pick(lesson_id, stage)
if widget not in ss and kept in ss:  # back on a stage: its answer (and its reveal) are kept
    ss[widget] = ss[kept]
pick = st.radio(
    t(key(lesson_id, stage, "q"), **facts), list(range(s.options)), index=None,
    format_func=functools.partial(ex.option_label, lesson_id, stage), key=widget,
)  # fmt: skip
if pick is not None:
    ss[kept] = pick
st.button(t("ls_reveal"), on_click=ex.reveal, args=(lesson_id, stage), disabled=pick is None,
          key=f"b_ls_reveal_{lesson_id}_{stage}")  # fmt: skip
if ex.revealed(lesson_id, stage) and pick is not None:
    right = ex.option_label(lesson_id, stage, s.answer)
    if pick == s.answer:
        st.success(t("ls_right", answer=right))
    else:
        st.warning(t("ls_wrong", answer=right))
    st.markdown(t(key(lesson_id, stage, "why"), **facts))
    for k, (caption, spec) in enumerate(
        ex.lesson_figures(lesson_id, stage, ss[Key.LANG], ex.scale())
    ):
        if caption:
            st.markdown(f"**{caption}**")
        ui.chart(spec, key=f"ls_fig_{k}", name=f"lesson-{lesson_id}-{stage}-{k}")

back, done, forward = st.columns([1, 2, 1])
back.button(t("ls_back"), on_click=ex.goto, args=(lesson_id, stage - 1), disabled=stage == 0,
            key="b_ls_back", width="stretch")  # fmt: skip
if stage < n - 1:
    forward.button(t("ls_next"), on_click=ex.goto, args=(lesson_id, stage + 1), key="b_ls_next",
                   width="stretch")  # fmt: skip
else:
    done.success(t("ls_done"))
    forward.button(t("ls_all"), on_click=ex.goto, args=(None,), key="b_ls_all", width="stretch")
