"""How the app looks beyond Streamlit's theme: the sidebar's order, projector mode, our own HTML in
a dark theme, and the sidebar folded on narrow screens. One place for every line of our CSS.

Streamlit exposes no theme variables to CSS, so our HTML (token boxes, coloured text, the player)
is drawn as a light card with its own dark text, like the Plotly charts (white paper, our own
colours): it reads the same under the light and the dark theme, and white stays the scales' zero.
"""

from __future__ import annotations

import streamlit as st

from .. import markup

_SIDEBAR = '[data-testid="stSidebarUserContent"] [data-testid="stVerticalBlock"]'

BASE_CSS = f"""
<style>
.block-container {{ padding-top: 2.2rem !important; }}
.katex-display {{ overflow-x: auto; overflow-y: hidden; margin: .3em 0 !important; }}
.katex {{ font-size: 1.05em; }}
/* the sidebar: title, then Model / Examples / Sentence, then the page list, then the rest, so
   the sentence a class is looking at stays above the fold (17 pages pushed it below 1080 px) */
{_SIDEBAR} > * {{ order: 2; }}
{_SIDEBAR} > :first-child {{ order: 0; }}
{_SIDEBAR} > :has(.stSelectbox, .stTextArea) {{ order: 1; }}
{_SIDEBAR} > :has(.stTextArea) {{
  padding-bottom: 1rem; border-bottom: 1px solid rgba(128, 128, 128, .35); }}
{_SIDEBAR} > :has(.stTextArea) ~ * {{ order: 3; }}
/* our HTML: a light card with dark text under either theme */
.rnnviz-sentence {{ background: #ffffff; color: #1b1b1b; border-radius: .35em;
  padding: .15em .35em; width: fit-content; max-width: 100%; }}
.rnnviz-sentence .tok small {{ color: #444444; }}
/* the player (a component in a shadow root: its own CSS sets dark text on no background, and
   the host's background shows through) */
.stBidiComponent [data-testid="stBidiComponentIsolated"] {{ background: #ffffff; color: #1b1b1b;
  border-radius: .35em; padding: .2em .3em; }}
.rnnviz-coloured {{ background: #ffffff !important; color: #1b1b1b !important;
  border-radius: .35em; padding: .5em .7em; }}
</style>
"""

PROJECTOR_CSS = """
<style>
html, body, .stApp { font-size: 21px; }
.stApp p, .stApp li, .stApp label, .stMarkdown { font-size: 1.15rem !important; }
.stApp h1 { font-size: 2.6rem !important; }
.stApp h2, .stApp h3 { font-size: 1.9rem !important; }
.katex { font-size: 1.35em !important; }
.rnnviz-sentence { font-size: 1.9em !important; }
/* what a widget shows at its label's size (Streamlit keeps inputs at 14 px) */
.stApp input, .stApp textarea,
[role="listbox"] [role="option"], [data-testid="stSelectboxVirtualDropdown"] li,
.stApp [data-testid="stSliderThumbValue"], .stApp [data-testid="stSliderTickBarMin"],
.stApp [data-testid="stSliderTickBarMax"], .stApp [data-testid="stTooltipContent"] {
  font-size: 1.15rem !important; }
.stApp [data-testid="stNumberInputContainer"], .stApp [data-baseweb="select"] > div {
  min-height: 2.3rem; }
/* the sidebar's title on one or two lines, not three */
.stApp [data-testid="stSidebar"] h3 { font-size: 1.3rem !important; }
/* page links wrap instead of being cut at the sidebar's edge ("对比 LSTM 与 GRU" at 21 px) */
[data-testid="stPageLink-NavLink"] { height: auto !important; }
[data-testid="stPageLink-NavLink"] span:not([data-testid="stIconMaterial"]),
[data-testid="stPageLink-NavLink"] p,
[data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"] {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  line-height: 1.3 !important; }
</style>
"""

NARROW = 1000  # px: below this the sidebar starts folded (Streamlit's own "auto" folds at 768)

# Streamlit remembers a sidebar the user opened or closed (localStorage "stSidebarCollapsed-…"):
# that choice wins. Otherwise a narrow window starts with the sidebar folded, and the remembered
# key our click wrote is removed again, so a wider window later opens with it as usual.
NARROW_JS = f"""
<script>
(() => {{
  const store = window.localStorage;
  const chosen = () => Object.keys(store).filter(k => k.startsWith("stSidebarCollapsed-"));
  if (window.innerWidth > {NARROW} || window.innerWidth <= 768 || chosen().length) return;
  let tries = 0;
  const fold = () => {{
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (button && button.getAttribute("aria-expanded") === "true") {{
      button.click();
      setTimeout(() => chosen().forEach(k => store.removeItem(k)), 0);
    }} else if (tries++ < 20) {{
      setTimeout(fold, 100);
    }}
  }};
  fold();
}})();
</script>
"""


def apply(projector: bool) -> None:
    """Our CSS for this page run (and, once per tab, the narrow-window sidebar fold)."""
    st.html(BASE_CSS + markup.SENTENCE_CSS + (PROJECTOR_CSS if projector else ""))
    st.html(NARROW_JS, unsafe_allow_javascript=True)
