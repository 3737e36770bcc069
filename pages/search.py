"""Unit search: select a span and a threshold, find the units on there, find them in the corpus."""

import functools
import time

import streamlit as st

from rnnviz import ui
from rnnviz.analysis import search
from rnnviz.analysis.whatif import position_label
from rnnviz.figures import analysis as af
from rnnviz.i18n import current, t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_search"))
st.caption(t("se_intro"))
ss = st.session_state
lang = current()
name, model = ui.analysis_model()
text = ui.analysis_text(name, model)
try:
    trace = ui.analyse(name, text).trace  # the sentence's one Run, shared with every page
    index = ui.corpus_index(name)
except Exception as exc:
    ui.show_error(exc)
    st.stop()
tokens = trace.tokens

c1, c2, c3, c4 = st.columns([1, 2, 4, 2])
if ss.get(Key.SE_LAYER) is not None:
    ss[Key.LAYER] = ss.pop(Key.SE_LAYER)
if ss.get(Key.SE_DIRECTION) in trace.directions:
    ss[Key.W_SE_DIRECTION] = ss.pop(Key.SE_DIRECTION)
with c1:
    layer = ui.layer_picker(trace)
with c2:
    direction = ui.direction_picker(trace.directions, Key.W_SE_DIRECTION)
with c3:
    last = len(tokens) - 1
    span = st.select_slider(
        t("se_span"),
        options=list(range(len(tokens))),
        value=(min(1, last), min(2, last)),
        format_func=functools.partial(position_label, tokens),
        key=f"w_se_span_{hash(text) % 10**8}",
    )
with c4:
    threshold = st.slider(t("se_threshold"), -0.5, 0.95, 0.3, 0.05, key="w_se_threshold")
start, end = int(span[0]), int(span[1]) + 1
h = trace.quantity(layer, direction, "h")  # (T, units)
auto = search.select_units(h, start, end, threshold).tolist()
preset = ss.pop(Key.SE_UNITS, None)
units = st.multiselect(
    t("unit"),
    list(range(h.shape[1])),
    default=preset if preset else auto,
    key=f"w_se_units_{hash((name, text, layer, direction, start, end, threshold, str(preset)))}",
)
if auto:
    st.caption(t("se_units", units=", ".join(map(str, auto))))
elif not units:
    st.warning(t("se_no_units"))
if units:
    strip = af.activation_strip(
        h[:, units], tokens, "h", [str(u) for u in units], highlight=(start, end), lang=lang
    )
    ui.chart(strip, key="se_query", name="search-query")

fraction = st.slider(t("se_fraction"), 0.5, 1.0, 1.0, 0.05, key="w_se_fraction")
if units:
    began = time.perf_counter()
    found = search.match(index, layer, direction, units, threshold, end - start, 50, fraction)
    elapsed = (time.perf_counter() - began) * 1000
    st.markdown(t("se_matches", n=len(found), ms=elapsed))
    ui.table(search.matches_frame(index, found), hide_index=True, height=320)
    for k, m in enumerate(found[:3]):
        toks, (a, b), tracks = search.snippet(index, m)
        values = search.snippet_states(index, m, layer, direction, units)
        fig = af.activation_strip(values, search.with_tracks(toks, tracks), "h",
                                  [str(u) for u in units], highlight=(a, b),
                                  title=f"#{k + 1} · {t('se_strip')} "
                                  f"({', '.join(map(ui.column_name, tracks))})", lang=lang)  # fmt: skip
        ui.chart(fig, key=f"se_match_{k}", name=f"search-match-{k}")

st.subheader(t("se_by_label"))
tracks = sorted(index.track_labels)
if tracks:
    l1, l2 = st.columns(2)
    track = l1.selectbox(t("se_track"), tracks, format_func=ui.column_name, key="w_se_track")
    label = l2.selectbox(t("se_label"), index.track_labels[track], key=f"w_se_label_{track}")
    best = search.label_units(index, layer, direction, track, label, top=12)
    st.caption(t("se_label_help"))
    ui.chart(
        af.label_scores_bar([f"{u} ({s})" for u, s in zip(best.unit, best.sign, strict=True)],
                            best.auc.to_numpy(), title=f"{ui.column_name(track)} = {label}",
                            lang=lang),
        key="se_label_bar", name="label-units",
    )  # fmt: skip
