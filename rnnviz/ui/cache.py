"""Every cache of the app: models by name, one Run per (model, text), figure specs per view,
analysis results. Cache by meaning; never mutate what ``cache_resource`` returns.

Results whose size grows with the text (traces, Runs, figure specs, tables, comparisons) are
kept in :class:`ByteCache`: a process-wide least-recently-used cache bounded by the bytes it
holds, not by a count of entries (a Run of a 200-character sentence on cws-bilstm is ~7 MB, one
of 10 characters ~0.4 MB: 64 entries could be 25 MB or 460 MB). The budgets, in ``BUDGETS_MB``,
add up to ``RNNVIZ_CACHE_MB`` (default 256); an entry unused for ``RNNVIZ_CACHE_IDLE_S`` (default
300) goes. Small results keep ``st.cache_data(max_entries=…)``.
"""

from __future__ import annotations

import io
from typing import Any

import streamlit as st

from .. import custom, figures, i18n, models
from ..analysis import codecells, saliency, saturation, search
from ..analysis.bestunits import BestUnit, best_unit
from ..cells import CELLS
from ..models import Run
from ..tracer import Trace
from .bytecache import (  # noqa: F401  (re-exported: tests and bench read them here)
    BUDGETS_MB,
    BYTE_CACHES,
    IDLE_S,
    TOTAL_MB,
    ByteCache,
    bounded,
    expire_idle,
    held_bytes,
)


@st.cache_data(ttl=30, show_spinner=False)
def model_names() -> list[str]:
    """Shipped model names (re-read every 30 s, so new checkpoints appear without a restart)."""
    try:
        return list(models.available())
    except Exception:  # a half-written checkpoint folder must not take the app down
        return []


def load_model(name: str) -> Any:
    """The model ``name``, loaded once per process; the user's own model by its key (see
    ``rnnviz.custom``), once per session. Never mutate what this returns."""
    return load_custom(name) if custom.is_custom(name) else _load_shipped(name)


@st.cache_resource(max_entries=16, show_spinner=False)
def _load_shipped(name: str) -> Any:
    return models.load(name)


def load_custom(key: str) -> Any:
    """An uploaded or random model by its key (see ``rnnviz.custom``); marks the upload as in
    use, so no other session's upload evicts it. Never mutate what this returns."""
    custom.touch(key)
    return _resolve_custom(key)


# Per session: another session's uploads never evict this one's models, and they are freed when
# the session ends (issue 20; before, up to 8 of them stayed in a process-wide cache).
@st.cache_resource(scope="session", max_entries=4, show_spinner=False)
def _resolve_custom(key: str) -> Any:
    return custom.resolve(key)


def any_model(name: str) -> Any:
    """A shipped model by name, or the user's own by its key."""
    return load_model(name)


def vocab_size(model: Any) -> int | None:
    """Characters the model knows (shipped: its character vocabulary; the user's own: its
    vocabulary), or None when it reads numbers."""
    config = getattr(model, "config", None)
    if config is not None and getattr(config, "chars", None):
        return len(config.chars)
    vocab = getattr(model, "vocab", None)
    return len(vocab) if vocab else None


Result = Run  # what the pages read about one sentence (``rnnviz.models.Run``)


@bounded
def analyse(name: str, text: str) -> Run:
    """One pass of ``text`` through model ``name`` (shipped, or the user's own by its key):
    tokenized once, traced once, the head applied to the trace; cached per (model, text)."""
    return models.run(any_model(name), text, name=name)


@bounded
def _trace_table(name: str, text: str, fmt: str) -> bytes:
    frame = analyse(name, text).trace.to_frame()
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False)
    else:
        frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def held_run(run: Run, name: str, text: str) -> Run:
    """The Run a caller passed as a cached view's unhashed ``_run``, checked against the key the
    cache stores it under: a wrong Run would be kept under another sentence's key."""
    if run.model != name or run.text != text:
        raise ValueError(f"_run is ({run.model!r}, {run.text!r}), the key ({name!r}, {text!r})")
    return run


# The views below are keyed by (model name, text, …) and receive the Run the page already holds
# as ``_run`` (not hashed: st.cache_data skips arguments named with a leading "_", and so does
# ByteCache): a hit costs nothing, a miss does not look the Run up again.
@bounded
def heatmap_specs(
    name: str, text: str, quantity: str, layer: int, order: str, lang: str, _run: Run
) -> dict[str, dict]:
    """Heatmap figure specs per direction (dicts: cheap to copy and mark)."""
    i18n.use(lang)
    trace = held_run(_run, name, text).trace
    if quantity.startswith("merged:"):
        return {"merged": figures.merged_heatmap(trace, quantity.split(":", 1)[1], layer, order)}
    return figures.heatmaps(trace, quantity, layer, order)


# Figures that Overview and Predictions drew anew on every run (built through Plotly's
# validating objects: ~10-20 ms each, the largest share of those pages' CPU in a py-spy profile of
# bench/classroom.py), cached as specs per what they show.
@st.cache_data(max_entries=64, show_spinner=False)
def model_diagram_spec(
    cell: str,
    bidirectional: bool,
    num_layers: int,
    input_size: int,
    hidden_size: int,
    labels: int,
    kind: str,
    vocab: int | None,
    lang: str,
) -> dict:
    """Overview's picture of a model (``figures.model_diagram``), cached per what it shows."""
    i18n.use(lang)
    return figures.model_diagram(
        cell, bidirectional, num_layers, input_size, hidden_size, labels, kind, vocab
    ).to_dict()


@bounded
def prediction_specs(name: str, text: str, lang: str, _run: Run) -> dict[str, dict]:
    """Predictions' figures of one sentence that do not move with the step: ``evolution``
    (classifiers) or ``probabilities`` and, with a CRF, ``transitions`` (taggers)."""
    i18n.use(lang)
    res = held_run(_run, name, text)
    if res.kind == "classifier":
        return {"evolution": figures.evolution_spec(res.tokens, res.labels, res.proba)}
    specs = {"probabilities": figures.label_probabilities_spec(res.tokens, res.labels, res.proba)}
    crf = getattr(any_model(name), "transitions", lambda: None)()
    if crf is not None:
        specs["transitions"] = figures.transition_spec(res.labels, *crf)
    return specs


@bounded
def score_split_spec(name: str, text: str, step: int, lang: str, _run: Run) -> dict:
    """Each label's score at token ``step`` split into forward, backward and bias (Predictions)."""
    i18n.use(lang)
    res = held_run(_run, name, text)
    return figures.score_split_spec(res.split, res.tokens, step)


@st.cache_data(max_entries=32, show_spinner=False)
def story_unit(name: str, text: str, _run: Run, layer: int = 0) -> BestUnit | None:
    """The model's best unit for its task (``analysis.bestunits``), scored on its example
    sentences (or on ``text``, whose Run is ``_run``, when it has none); cached per model. None
    if it cannot be found."""
    examples = list(_examples(name))[:8] or [text]
    try:
        runs = [
            held_run(_run, name, text) if x == text else analyse(name, x) for x in examples if x
        ]
        return best_unit(runs, layer)
    except Exception:
        return None


def task_models(name: str) -> list[str]:
    """Shipped models of ``name``'s task (same name before the first "-"), ``name`` included;
    a user's own model has none but itself."""
    if custom.is_custom(name):
        return [name]
    task = name.split("-", 1)[0]
    return [n for n in model_names() if n.split("-", 1)[0] == task]


def partner(name: str) -> str | None:
    """Another shipped model of the same task and shape with another cell (``cws-bilstm`` →
    ``cws-bigru``, ``count-lstm`` → ``count-gru``): the first other registered cell whose name,
    put in place of this model's cell, names a shipped model."""
    names = model_names()
    for mine in sorted(CELLS, key=len, reverse=True):  # the longest match: "rnn_relu" over "rnn"
        if mine in name:
            for other in CELLS:
                candidate = name.replace(mine, other)
                if other != mine and candidate in names:
                    return candidate
            return None
    return None


@st.cache_data(max_entries=4, show_spinner=False)
def _legend_spec(lang: str) -> dict:
    i18n.use(lang)
    return figures.legend_figure().to_dict()


@bounded
def saliency_result(name: str, text: str, label: str | None) -> Any:
    """Saliency matrix of ``text`` for ``label`` (None: each position's predicted label)."""
    return saliency.saliency(any_model(name), text, label)


@st.cache_resource(max_entries=8, show_spinner=False)
def _open_index(name: str) -> Any:
    return search.ensure_index(any_model(name))


@st.cache_data(max_entries=16, show_spinner=False)
def saturation_result(name: str, low: float, high: float) -> tuple[Any, Any]:
    """``(per-unit table, per-gate summary)`` of gate saturation over the cached corpus."""
    table = saturation.saturation_table(_open_index(name), low, high)
    return table, saturation.summary(table)


@st.cache_resource(show_spinner=False)
def load_code_model() -> Any:
    """The character-level LSTM of Python source (``assets/code/code-lstm``)."""
    return codecells.load()


@bounded
def code_analysis(text: str) -> tuple[Trace, dict[str, list[Any]]]:
    """Trace of a piece of code and the best units per feature on it."""
    model = load_code_model()
    trace = model.trace(text)
    return trace, codecells.best_units(trace, codecells.features(text))


def _examples(name: str) -> list[str]:
    try:
        return list(any_model(name).examples)
    except Exception:
        return []


def _default_text(name: str) -> str:
    try:
        examples = any_model(name).examples
    except Exception:
        return ""
    return examples[0] if examples else ""
