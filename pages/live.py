"""Train a tiny LSTM or GRU on the counting task, live, then open it on the analysis pages."""

import streamlit as st

from rnnviz import cells, custom, ui
from rnnviz.figures import analysis as af
from rnnviz.i18n import current, t
from rnnviz.live import LiveConfig, live_arch, train_counting
from rnnviz.ui import Key

ui.setup()
st.title(t("page_live"))
st.caption(t("lv_intro"))
ss = st.session_state
lang = current()

c1, c2, c3, c4 = st.columns([2, 2, 3, 2], vertical_alignment="bottom")
cell = c1.segmented_control(
    t("cu_cell"), cells.names(), default=cells.names()[0], key="w_lv_cell", format_func=cells.title
)
hidden = c2.number_input(t("cu_hidden"), 2, 32, 8, key="w_lv_hidden")
seconds = c3.slider(t("lv_seconds"), 5, 120, 60, 5, key="w_lv_seconds")
start = c4.button(t("lv_train"), type="primary", key="b_lv_train")

bar_slot, chart_slot = st.empty(), st.empty()
if start:
    config = LiveConfig(live_arch(cell or cells.names()[0], int(hidden)), float(seconds))
    bar = bar_slot.progress(0.0, text=t("lv_train"))
    steps, losses, accs = [], [], []

    def report(status) -> None:
        steps.append(status.step)
        losses.append(status.loss)
        accs.append(status.accuracy)
        bar.progress(status.fraction, text=t("lv_progress", step=status.step, loss=status.loss))
        if len(steps) % 4 == 1:
            ui.live_chart(chart_slot, af.loss_curve(steps, losses, accs, lang=lang))

    try:
        result = train_counting(config, report, report_every=10)
    except ValueError as exc:
        ui.show_error(exc)
        st.stop()
    key, _ = custom.save_upload(
        result.weights,
        f"live-{config.arch.cell}-{config.arch.hidden_size}.safetensors",
        ui.upload_session(),
    )
    ss[Key.CUSTOM] = key
    ss[Key.AN_PREFER_CUSTOM] = True
    ss[Key.AN_SOURCE] = key
    ss[Key.LV_LAST] = {
        "steps": result.steps, "seconds": result.seconds, "acc": result.accuracy,
        "unit": result.counter_unit, "r": abs(result.counter_r), "key": key,
        "curve": (steps, losses, accs), "quantity": result.counter_quantity,
    }  # fmt: skip
    bar_slot.empty()

last = ss.get(Key.LV_LAST)
if last:
    ui.live_chart(chart_slot, af.loss_curve(*last["curve"], lang=lang))
    st.success(t("lv_done", steps=last["steps"], seconds=last["seconds"], acc=last["acc"],
                 unit=last["unit"], r=last["r"]))  # fmt: skip
    example = "((((()))))(()(()))"
    trace = ui.analyse(last["key"], example).trace  # cached: a rerun does not trace again
    values = trace.quantity(0, "forward", last["quantity"])[:, [last["unit"]]]
    ui.chart(
        af.activation_strip(values, list(example), last["quantity"], [str(last["unit"])], lang=lang),
        key="lv_counter", name="counter-unit",
    )  # fmt: skip
    cols = st.columns(4)
    for col, (path, label) in zip(
        cols,
        [("pages/search.py", "page_search"), ("pages/saturation.py", "page_saturation"),
         ("pages/whatif.py", "page_whatif"), ("pages/saliency.py", "page_saliency")],
        strict=True,
    ):  # fmt: skip
        with col:
            ui.link(path, t(label))
