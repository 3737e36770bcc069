"""The only Streamlit code of rnnviz, split by job; ``from rnnviz import ui`` gives pages all of it.

``boot`` (imported first: heavy modules at server start, torch threads, the language hook),
``cache`` (every st.cache_*), ``state`` (session keys, limits, URL sync), ``legacy`` (the one
private Streamlit flag), ``charts``, ``widgets``, ``services`` (analysis pages), ``sidebar``
(page setup, the sidebar, the selection every page reads).
"""

from . import boot
from .boot import TORCH_THREADS
from .cache import (
    Result,
    analyse,
    any_model,
    any_trace,
    code_analysis,
    heatmap_specs,
    load_code_model,
    load_custom,
    load_model,
    model_names,
    partner,
    saliency_result,
    saturation_result,
    step_specs,
    unit_lines_spec,
    vocab_size,
    what_if_result,
)
from .cache import (
    _open_index as _open_index,
)
from .cache import (
    _trace_table as _trace_table,
)
from .charts import (
    PLOTLY_CONFIG,
    chart,
    heatmap,
    heatmap_click,
    live_chart,
)
from .charts import (
    _Validated as _Validated,
)
from .legacy import (
    _leave_legacy_mode as _leave_legacy_mode,
)
from .services import (
    analysis_model,
    analysis_text,
    column_name,
    corpus_index,
    describe,
    saturation_click,
    table,
    uploader_text,
)
from .sidebar import (
    BASE_CSS,
    PROJECTOR_CSS,
    other_result,
    page,
    selection,
    setup,
    sidebar,
)
from .state import (
    APP_MAX_CHARS,
    CODE_MAX_CHARS,
    CUSTOM_KEY,
    CUSTOM_MAX_CHARS,
    PREFERRED_MODELS,
    ROOT,
    STATE_KEYS,
    TOKEN_MAX_CHARS,
    VOCAB_MAX_CHARS,
    default_model,
    start,
    sync_url,
    upload_session,
    url_state,
)
from .timing import timed, timed_run
from .widgets import (
    PLAY_SECONDS,
    advance,
    card,
    choice,
    compare_picker,
    direction_picker,
    equations,
    layer_picker,
    link,
    model_label,
    playing,
    prediction,
    prefixed,
    sentence,
    show_error,
    step_controls,
    unit_picker,
)

__all__ = [
    "APP_MAX_CHARS",
    "BASE_CSS",
    "CODE_MAX_CHARS",
    "CUSTOM_KEY",
    "CUSTOM_MAX_CHARS",
    "PLAY_SECONDS",
    "PLOTLY_CONFIG",
    "PREFERRED_MODELS",
    "PROJECTOR_CSS",
    "ROOT",
    "STATE_KEYS",
    "TOKEN_MAX_CHARS",
    "TORCH_THREADS",
    "VOCAB_MAX_CHARS",
    "Result",
    "advance",
    "analyse",
    "analysis_model",
    "analysis_text",
    "any_model",
    "any_trace",
    "boot",
    "card",
    "chart",
    "choice",
    "code_analysis",
    "column_name",
    "compare_picker",
    "corpus_index",
    "default_model",
    "describe",
    "direction_picker",
    "equations",
    "heatmap",
    "heatmap_click",
    "heatmap_specs",
    "layer_picker",
    "link",
    "live_chart",
    "load_code_model",
    "load_custom",
    "load_model",
    "model_label",
    "model_names",
    "other_result",
    "page",
    "partner",
    "playing",
    "prediction",
    "prefixed",
    "saliency_result",
    "saturation_click",
    "saturation_result",
    "selection",
    "sentence",
    "setup",
    "show_error",
    "sidebar",
    "start",
    "step_controls",
    "step_specs",
    "sync_url",
    "table",
    "timed",
    "timed_run",
    "unit_lines_spec",
    "unit_picker",
    "upload_session",
    "uploader_text",
    "url_state",
    "vocab_size",
    "what_if_result",
]

# helper explain2: the explainer pages' cached services, as ``ui.explain.<name>``
from . import explain as explain
