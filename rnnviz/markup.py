"""HTML (not Plotly): the sentence as token boxes with tags, and text coloured by a unit."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from .figures.style import PALETTE
from .i18n import label_name
from .schema import SIGMOID_QUANTITIES, STYLES

TAG_COLOURS = dict(zip(("PER", "LOC", "ORG", "MISC", "GPE", "TIME"), PALETTE, strict=False))


def tokens_html(
    tokens: Sequence[str],
    tags: Sequence[str],
    task: str,
    unknown: Sequence[bool] | None = None,
    step: int | None = None,
) -> str:
    """A sentence as HTML: word boxes (cws), tags under tokens (pos), entity highlights (ner).

    Unknown tokens are dashed and marked "?"; the current step is underlined.
    """
    unknown = list(unknown) if unknown is not None else [False] * len(tokens)
    spans = []
    for k, (tok, tag) in enumerate(zip(tokens, tags, strict=False)):
        text = html.escape(tok if tok.strip() else "␣")
        cls = ["tok"]
        if unknown[k]:
            cls.append("unk")
        if step == k:
            cls.append("cur")
        style = ""
        if task == "cws":
            start = tag in ("B", "S")
            end = tag in ("E", "S")
            cls.append("cws" + ("-b" if start else "") + ("-e" if end else ""))
        elif task == "ner" and tag not in ("O", ""):
            kind = tag.split("-")[-1]
            style = f"background:{TAG_COLOURS.get(kind, PALETTE[-1])}33;"
        mark = "<sup>?</sup>" if unknown[k] else ""
        shown_tag = "" if task == "ner" and tag == "O" else tag  # only entities are tagged
        sub = f"<small>{html.escape(label_name(shown_tag)) or '&nbsp;'}</small>"
        spans.append(f'<span class="{" ".join(cls)}" style="{style}">{text}{mark}{sub}</span>')
    return f'<div class="rnnviz-sentence">{"".join(spans)}</div>'


SENTENCE_CSS = """
<style>
.rnnviz-sentence{display:flex;flex-wrap:wrap;gap:2px 0;font-size:1.35em;line-height:1.2;margin:.3em 0}
.rnnviz-sentence .tok{display:inline-flex;flex-direction:column;align-items:center;
  padding:.15em .3em;border-top:2px solid transparent;border-bottom:2px solid transparent;
  min-width:1.1em}
.rnnviz-sentence .tok small{font-size:.55em;color:#444;margin-top:.15em}
.rnnviz-sentence .cws{border-color:#0b6e99}
.rnnviz-sentence .cws-b,.rnnviz-sentence .cws-b-e{border-left:2px solid #0b6e99;margin-left:6px}
.rnnviz-sentence .cws-e,.rnnviz-sentence .cws-b-e{border-right:2px solid #0b6e99}
.rnnviz-sentence .unk{outline:1px dashed #d1495b}
.rnnviz-sentence .cur{box-shadow:inset 0 -4px 0 #ff7f0e}
</style>
"""


def _css_colour(value: float, name: str) -> str:
    """Background colour of one character: blue (−) → white (0) → red (+); sigmoid: white → green."""
    style = STYLES.get(name, STYLES["h"])
    if name in SIGMOID_QUANTITIES:
        a = float(np.clip((value - style.zmin) / (style.zmax - style.zmin), 0, 1))
        return f"rgba(33,145,140,{a:.2f})"
    a = float(np.clip(value / max(abs(style.zmin), style.zmax), -1, 1))
    return f"rgba(202,0,32,{a:.2f})" if a >= 0 else f"rgba(5,113,176,{-a:.2f})"


def coloured_text(text: str, values: np.ndarray, name: str = "h") -> str:
    """The classic view: each character's background coloured by a unit's value (HTML).

    ``values (len(text),)``; newlines are kept; hover (``title``) shows the value.
    """
    if len(values) != len(text):
        raise ValueError(f"{len(values)} values for {len(text)} characters")
    out = ['<pre class="rnnviz-coloured" '
           'style="font-family: monospace; line-height: 1.35; white-space: pre-wrap">']  # fmt: skip
    for ch, v in zip(text, values, strict=True):
        shown = "↵\n" if ch == "\n" else html.escape(ch)
        out.append(
            f'<span title="{float(v):.3f}" style="background:{_css_colour(float(v), name)}">'
            f"{shown}</span>"
        )
    out.append("</pre>")
    return "".join(out)
