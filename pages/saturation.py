"""Gate saturation over the test corpus (Karpathy et al. 2015), two models' cells side by side."""

import pandas as pd
import streamlit as st

from rnnviz import ui
from rnnviz.analysis.saturation import group_label, group_name, picked_unit
from rnnviz.cells import cell_of
from rnnviz.figures import analysis as af
from rnnviz.i18n import current, t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_saturation"))
st.caption(t("sat_intro"))
ss = st.session_state
lang = current()
name, model = ui.analysis_model()
cell = cell_of(model.rnn)
exp_gates = [g for g in cell.gates if cell.activations[g] == "exp"]
if exp_gates:  # gates that are e^x after a stabilizer read differently from sigmoid gates
    st.info(t("sat_exp_gates", cell=cell.title, gates=", ".join(exp_gates), first=exp_gates[0]))

c1, c2, c3 = st.columns([2, 2, 3])
low = c1.slider(t("sat_low"), 0.01, 0.5, 0.1, 0.01, key="w_sat_low")
high = c2.slider(t("sat_high"), 0.5, 0.99, 0.9, 0.01, key="w_sat_high")
other = ui.compare_picker(c3, name, key="w_sat_other")


names = [name] + ([other] if other else [])
summaries = []
for col, shown in zip(st.columns(len(names)), names, strict=True):
    with col:
        try:
            ui.corpus_index(shown)
            table, summary = ui.saturation_result(shown, low, high)
        except Exception as exc:
            ui.show_error(exc)
            continue
        groups = [
            group_name(la, d, g)
            for la, d, g in zip(table.layer, table.direction, table.gate, strict=True)
        ]
        fig = af.saturation_scatter(
            table["left"].to_numpy(), table["right"].to_numpy(), table["unit"].to_numpy(), groups,
            title=ui.model_label(shown), xlabel=t("sat_left"), ylabel=t("sat_right"),
            highlight=picked_unit(ss.get(Key.SAT_PICK), shown), lang=lang,
            group_names={g: group_label(g, lang) for g in dict.fromkeys(groups)},
        )  # fmt: skip
        key = f"sat_{shown}"
        on_pick = ui.saturation_click(key, groups, table["unit"].tolist(), shown)
        ui.chart(fig, key=key, on_select=on_pick, name=key)
        summaries.append(summary.assign(model=ui.model_label(shown)))

pick = ss.get(Key.SAT_PICK)
if pick:
    picked_model, layer, direction, gate, unit = pick
    st.success(t("sat_picked", gate=gate, direction=t("an_" + direction), layer=layer, unit=unit))
    a, b = st.columns(2)
    with a:
        ui.link("pages/heatmaps.py", t("sat_open_heatmaps"))
    with b:
        ui.link("pages/search.py", t("sat_open_search"))
if summaries:
    st.subheader(t("sat_summary"))
    ui.table(pd.concat(summaries, ignore_index=True), hide_index=True)
