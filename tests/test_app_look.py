"""What a class reads on screen (issue 18, cosmetic): Why gates names each direction's chart, and
no formula shows a literal underscore ("x_T", "‖∂h_T/∂h_t‖") in English or 中文."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from rnnviz import figures, i18n
from rnnviz.i18n import STRINGS

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parent.parent
# Not a formula: placeholders, `code`, $LaTeX$ (rendered by KaTeX), Plotly's <sub> tags.
NOT_SHOWN = re.compile(r"\{[^{}]*\}|`[^`]*`|\$[^$]*\$|<sub>[^<]*</sub>")
# A one-letter symbol with an underscore subscript: h_t, x_T, h_{t-1}, c_(t−1), ∂h_50.
SUBSCRIPT = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]_[A-Za-z0-9({]")


def underscores(text: str) -> list[str]:
    return SUBSCRIPT.findall(NOT_SHOWN.sub("", text))


def test_no_string_shows_a_formula_with_an_underscore() -> None:
    bad = {
        f"{key}/{lang}": hits
        for key, entry in STRINGS.items()
        for lang in ("en", "zh")
        if (hits := underscores(entry[lang]))
    }
    assert not bad, bad


def test_the_model_diagram_writes_x1_to_xT_as_subscripts() -> None:
    fig = figures.model_diagram("lstm", False, 1, 6, 16, 4, "tagger")
    texts = [a.text for a in fig.layout.annotations]
    assert any("x<sub>1</sub> … x<sub>T</sub>" in s for s in texts), texts
    assert not [s for s in texts if underscores(s)], texts


def _figure_text(spec: dict) -> list[str]:
    layout = spec["layout"]
    out = [layout["title"]["text"], layout["xaxis"]["title"]["text"]]
    out.append(layout["yaxis"]["title"]["text"])
    return out + [d.get("hovertemplate", "") for d in spec["data"]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_open_why_gates_on_a_bidirectional_model_each_direction_has_its_own_title(lang) -> None:
    i18n.use(lang)
    at = AppTest.from_file(str(ROOT / "pages" / "gradients.py"), default_timeout=180)
    at.query_params.update({"lang": lang, "model": "cws-bigru", "text": "我爱北京天安门。"})
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(specs) == 3  # untrained cells, then the model's forward and backward curves
    titles = [s["layout"]["title"]["text"] for s in specs[1:]]
    assert titles[0] != titles[1], titles
    for title, direction in zip(titles, ("forward", "backward"), strict=True):
        assert STRINGS[f"ex_{direction}"][lang] in title, title
    shown = [m.value for m in (*at.markdown, *at.caption, *at.info)]
    shown += [s for spec in specs for s in _figure_text(spec)]
    assert not [s for s in shown if underscores(s)], [s for s in shown if underscores(s)]
    assert "$\\lVert \\partial h_T / \\partial h_t \\rVert$" in at.markdown[0].value  # KaTeX


def test_train_live_in_projector_mode_draws_the_curve_at_projector_size() -> None:
    """Train live's curve (redrawn while training) was the one chart left at 12 px on a
    projector; it now gets the same scaling as every other chart (20 px text)."""
    i18n.use("zh")
    at = AppTest.from_file(str(ROOT / "pages" / "live.py"), default_timeout=180)
    at.query_params.update({"lang": "zh", "projector": "1"})
    at.run()
    at.slider(key="w_lv_seconds").set_value(5)
    at.number_input(key="w_lv_hidden").set_value(4)
    at.button(key="b_lv_train").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    curve = next(s for s in specs if any(d.get("yaxis") == "y2" for d in s["data"]))
    assert curve["layout"]["font"]["size"] == 20, curve["layout"].get("font")
    assert all(s["layout"]["font"]["size"] >= 19 for s in specs), [
        s["layout"]["font"] for s in specs
    ]
