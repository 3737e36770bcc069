"""rnnviz: `streamlit run app.py`. Entry point: page config, the page list, the shared sidebar."""

import streamlit as st

from rnnviz import ui

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")
ui.start()

# The ONE list of pages: (file, title key in rnnviz/i18n.py, URL path, icon). Append new pages here.
PAGES = [
    # trace pages: one sentence through the model (tests/helpers.app_pages reads these headings)
    ui.page("pages/overview.py", "page_overview", "overview", ":material/home:", default=True),
    ui.page("pages/step.py", "page_step", "step", ":material/footprint:"),
    ui.page("pages/heatmaps.py", "page_heatmaps", "heatmaps", ":material/grid_on:"),
    ui.page("pages/predictions.py", "page_predictions", "predictions", ":material/label:"),
    ui.page("pages/compare.py", "page_compare", "compare", ":material/compare:"),
    # analysis pages (issue 5)
    ui.page("pages/whatif.py", "page_whatif", "whatif", ":material/edit_note:"),
    ui.page("pages/saliency.py", "page_saliency", "saliency", ":material/flare:"),
    ui.page("pages/saturation.py", "page_saturation", "saturation", ":material/scatter_plot:"),
    ui.page("pages/search.py", "page_search", "search", ":material/search:"),
    ui.page("pages/custom.py", "page_custom", "custom", ":material/upload_file:"),
    ui.page("pages/live.py", "page_live", "live", ":material/model_training:"),
    ui.page("pages/codecells.py", "page_codecells", "codecells", ":material/code:"),
    # explainer pages (issue 10)
    ui.page("pages/lessons.py", "page_lessons", "lessons", ":material/school:"),
    ui.page("pages/memory.py", "page_memory", "memory", ":material/memory:"),
    ui.page("pages/clamps.py", "page_clamps", "clamps", ":material/lock:"),
    ui.page("pages/gradients.py", "page_gradients", "gradients", ":material/trending_down:"),
    ui.page("pages/scratch.py", "page_scratch", "scratch", ":material/construction:"),
]

current = st.navigation(ui.routes(PAGES), position="hidden")  # + "/overview" for the default
with ui.timed_run(current.url_path or "overview"):  # server-side time, for bench/classroom.py
    ui.sidebar(PAGES)
    current.run()
