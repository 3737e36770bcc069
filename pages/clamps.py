"""Gate clamps: hold a gate at a value for chosen units over a span, re-run, see what changes."""

import functools

import streamlit as st

from rnnviz import ui
from rnnviz.analysis.clamps import allowed_gates, value_range
from rnnviz.analysis.whatif import position_label
from rnnviz.cells import CELLS
from rnnviz.i18n import t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_clamps"))
st.caption(t("cl_intro"))
ss = st.session_state
res = ui.selection()
tr = res.trace
if tr.cell not in CELLS:
    st.info(t("cl_unsupported", cell=tr.cell.upper()))
    st.stop()

gate = ui.choice("cl_gate", allowed_gates(tr.cell), "w_cl_gate", prefix="q_")
lo, hi = value_range(gate, tr.cell)
v_col, d_col, l_col = st.columns([2, 2, 1])
with v_col:
    value = st.select_slider(
        t("cl_value"), [lo, 0.0, hi] if lo < 0 else [lo, hi], key=f"w_cl_v_{gate}"
    )
with d_col:
    direction = ui.direction_picker(tr.directions, "w_cl_direction")
with l_col:
    layer = ui.layer_picker(tr)
typed = st.text_input(  # our own picker: "5" is unit 5, not every unit containing a 5
    t("cl_units"), str(min(ss[Key.UNIT], tr.hidden_size - 1)), key=f"w_cl_units_{res.model}",
    help=t("cl_units_help", top=tr.hidden_size - 1), max_chars=200,
)  # fmt: skip
units, refused = ui.explain.parse_units(typed, tr.hidden_size)
if refused:
    st.warning(t("cl_units_refused", items=", ".join(refused), top=tr.hidden_size - 1))
if len(units) > ui.explain.LINE_UNITS:
    st.caption(t("cl_units_lines", k=ui.explain.LINE_UNITS, n=len(units)))
positions = list(range(res.length))
span = (
    st.select_slider(
        t("cl_span"), positions, value=(0, res.length - 1), key=f"w_cl_span_{res.model}_{res.text}",
        format_func=functools.partial(position_label, res.tokens),
    )
    if res.length > 1
    else (0, 0)
)  # fmt: skip
if not units:
    diff = ui.explain.unclamped_diff(res.model, res.text, res)
    st.info(t("cl_none", diff=f"{diff:.1e}"))
    st.stop()
st.markdown(t("cl_summary", gate=gate, value=value, units=", ".join(map(str, units)),
              a=span[0], b=span[1], direction=t("an_" + direction)))  # fmt: skip
specs = ui.explain.clamp_view(
    res.model, res.text, layer, direction, gate, float(value), tuple(sorted(units)), tuple(span),
    ss[Key.LANG], ui.explain.scale(), res,
)  # fmt: skip
ui.chart(specs["pred"], key="cl_pred", name="clamp-prediction")
ui.chart(specs["lines"], key="cl_lines", name="clamp-lines")
for name, spec in specs.items():
    if name not in ("pred", "lines"):
        ui.chart(spec, key=f"cl_{name}", name=f"clamp-{name}")
st.caption(t("cl_reach"))
