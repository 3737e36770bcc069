"""rnnviz: `streamlit run app.py`. Entry point: page config, the page list, the shared sidebar."""

import streamlit as st

from rnnviz import ui

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")
ui.start()

# The ONE list of pages: (file, title key in rnnviz/i18n.py, URL path, icon). Append new pages here.
PAGES = [
    ui.page("pages/overview.py", "page_overview", "overview", ":material/home:", default=True),
    ui.page("pages/step.py", "page_step", "step", ":material/footprint:"),
    ui.page("pages/heatmaps.py", "page_heatmaps", "heatmaps", ":material/grid_on:"),
    ui.page("pages/predictions.py", "page_predictions", "predictions", ":material/label:"),
    ui.page("pages/compare.py", "page_compare", "compare", ":material/compare:"),
]

current = st.navigation(PAGES, position="hidden")
ui.sidebar(PAGES)
current.run()
