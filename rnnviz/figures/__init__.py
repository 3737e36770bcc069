"""Pure Plotly figure builders, split by what is drawn (no streamlit here).

``style`` (template, colour scales, token axis, typed arrays), ``heatmaps``, ``step`` (cell
diagram, gate strips, kept vs written, equations), ``diagrams`` (the model, the legend),
``predictions``, ``explain`` and ``scratch`` (the explainer pages), ``analysis`` (what-if, saliency, saturation, live training). HTML lives in
``rnnviz.markup``. Everything public is re-exported here: ``from rnnviz import figures``.
"""

from . import analysis
from . import explain as explain
from . import scratch as scratch
from .diagrams import legend_figure, model_diagram
from .heatmaps import heatmap_panel, heatmaps, mark, merged_heatmap, unit_at, unit_lines
from .predictions import (
    evolution_figure,
    evolution_spec,
    label_probabilities,
    label_probabilities_spec,
    score_split_figure,
    score_split_spec,
    transition_figure,
    transition_spec,
)
from .step import (
    at_step,
    cell_diagram,
    cell_diagram_spec,
    equations,
    gate_strips,
    gate_strips_spec,
    state_split,
    state_split_spec,
    unit_timeline,
)
from .style import (
    BASE,
    BASE_LAYOUT,
    DIRECTION_COLOURS,
    FONT,
    PALETTE,
    SHADES,
    _quantise,
    colorscale,
    payload_bytes,
    style_of,
    to_html,
    token_axis,
    typed,
)

__all__ = [
    "BASE",
    "BASE_LAYOUT",
    "DIRECTION_COLOURS",
    "FONT",
    "PALETTE",
    "SHADES",
    "_quantise",
    "analysis",
    "at_step",
    "cell_diagram",
    "cell_diagram_spec",
    "colorscale",
    "equations",
    "evolution_figure",
    "evolution_spec",
    "gate_strips",
    "gate_strips_spec",
    "heatmap_panel",
    "heatmaps",
    "label_probabilities",
    "label_probabilities_spec",
    "legend_figure",
    "mark",
    "merged_heatmap",
    "model_diagram",
    "payload_bytes",
    "score_split_figure",
    "score_split_spec",
    "state_split",
    "state_split_spec",
    "style_of",
    "to_html",
    "token_axis",
    "transition_figure",
    "transition_spec",
    "typed",
    "unit_at",
    "unit_lines",
    "unit_timeline",
]
