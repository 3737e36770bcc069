"""Session state: the keys as named constants, input limits, the selection's start from the URL,
URL sync, and the widget <-> state plumbing (widgets keep ``w_*`` keys and copy into plain keys
in callbacks, because Streamlit forgets a widget's state on a page that does not draw it).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .. import custom, i18n
from .cache import _default_text, load_model, model_names

ROOT = Path(__file__).resolve().parents[2]  # where app.py and pages/ live


# Input limits, documented in the README: every text box, and the URL, is clipped to them.
APP_MAX_CHARS = 200  # a sentence (sidebar, What if, the URL's text); models may read more


TOKEN_MAX_CHARS = 20  # one token typed in What if


CODE_MAX_CHARS = 3000  # the code on Cells in code


CUSTOM_MAX_CHARS = 20_000  # the user's own model's input (numbers: one row per step)


VOCAB_MAX_CHARS = 500  # a random model's vocabulary


class Key:
    """The session-state contract: every key the app keeps in ``st.session_state``, by name.
    Code outside this module writes ``ss[Key.STEP]``, never ``ss[Key.STEP]`` or ``ss[Key.STEP]``
    (tests/test_state_keys.py reads the source). Widgets keep ``W_*`` keys and copy into the
    plain keys in callbacks; the widgets listed here are those whose state the code reads or
    sets, and their ``key=`` is the same constant."""

    # the selection, then the view: mirrored into the URL (STATE_KEYS)
    MODEL = "model"
    TEXT = "text"
    LANG = "lang"
    STEP = "step"
    UNIT = "unit"
    PROJECTOR = "projector"
    QUANTITY = "quantity"
    ORDER = "order"
    MERGE = "merge"
    LAYER = "layer"
    PLAY = "play"  # Play's direction: forward or backward
    # the session's bookkeeping
    URL_SEEN = "url_seen"  # the BROWSER_KEYS' values as last seen in (or written to) the URL
    CUSTOM = "custom_model"  # key of the user's own model, or absent
    LINK_MISSING = "link_missing"  # a link's model that could not be opened (said once)
    CLIPPED_FROM = "clipped_from"  # length of a typed sentence that was clipped (a warning)
    UPLOAD_SESSION = "upload_session"  # the session's id when no script context gives one
    REPLICA_CHECKED = "replica_checked"  # the "your replica went away" notice was decided
    PLAYING = "playing"  # Play is on (the Predictions step controls' toggle)
    STORY_MODEL = "story_model"  # the model whose story unit Step through last opened on
    PLAYER_SEEK = "player_seek"  # bumped when Python asks the player for a unit
    LESSON_APPLIED = "lesson_applied"  # "lesson:stage" whose selection was applied
    # the analysis pages
    AN_SOURCE = "an_source"  # the model an analysis page works on (sidebar's or the user's)
    AN_PREFER_CUSTOM = "an_prefer_custom"  # open analysis pages on the user's own model
    SAT_PICK = "sat_pick"  # Gate saturation's clicked (model, layer, direction, gate, unit)
    SE_UNITS = "se_units"  # Unit search opens on these units (from Gate saturation)
    SE_LAYER = "se_layer"  # … on this layer
    SE_DIRECTION = "se_direction"  # … in this direction
    LV_LAST = "lv_last"  # Train live's last result
    CC_TEXT = "cc_text"  # the code on Cells in code
    CU_FILE_ID = "cu_file_id"  # the uploaded file Your own model last read
    CU_MESSAGE = "cu_message"  # (kind, message) of Your own model's last upload or build
    # widgets whose state the code reads or sets
    W_MODEL = "w_model"
    W_TEXT = "w_text"
    W_EXAMPLE = "w_example"
    W_LANG = "w_lang"
    W_PROJECTOR = "w_projector"
    W_STEP = "w_step"
    W_UNIT = "w_unit"
    W_LAYER = "w_layer"
    W_QUANTITY = "w_quantity"
    W_CMP_QUANTITY = "w_cmp_quantity"
    W_ORDER = "w_order"
    W_MERGE = "w_merge"
    W_AN_SOURCE = "w_an_source"
    W_SE_DIRECTION = "w_se_direction"
    W_WI_POS = "w_wi_pos"

    # keys made per model, text or lesson stage
    @staticmethod
    def analysis_text(model: str) -> str:
        """The user's own model's input on the analysis pages."""
        return f"an_text_{abs(hash(model)) % 10**8}"

    @staticmethod
    def lesson_pick(lesson: str, stage: int) -> str:
        """A lesson stage's chosen answer, kept when the learner comes back."""
        return f"ls_pick_{lesson}_{stage}"

    @staticmethod
    def lesson_widget(lesson: str, stage: int) -> str:
        """The radio of a lesson stage's question."""
        return f"w_ls_{lesson}_{stage}"

    @staticmethod
    def lesson_shown(lesson: str, stage: int) -> str:
        """Whether a lesson stage's answer is revealed."""
        return f"ls_shown_{lesson}_{stage}"


# mirrored into the URL: the selection, then the view (issue 18: a link lands on the same view)
STATE_KEYS = (
    Key.MODEL, Key.TEXT, Key.LANG, Key.STEP, Key.UNIT, Key.PROJECTOR, Key.QUANTITY, Key.ORDER,
    Key.MERGE, Key.LAYER, Key.PLAY,
)  # fmt: skip


BROWSER_KEYS = (Key.STEP, Key.UNIT, Key.PLAY)  # the player writes these into the URL itself


URL_SEEN = Key.URL_SEEN


PLAY_DIRECTIONS = ("forward", "backward")


CUSTOM_KEY = Key.CUSTOM


def _session_language() -> str | None:
    """The session's language (fragment reruns and Play ticks read it through ``i18n``)."""
    return st.session_state.get(Key.LANG)


i18n.set_resolver(_session_language)


def _int(value: object, default: int = 0) -> int:
    try:
        return max(0, int(str(value)))
    except (TypeError, ValueError):
        return default


PREFERRED_MODELS = ("cws-bilstm", "cws-bigru", "sentiment-gru")  # a first lesson's best start


def default_model(names: Sequence[str]) -> str:
    """The model a fresh visit opens with: a preferred one if shipped, else the first."""
    return next((n for n in PREFERRED_MODELS if n in names), names[0] if names else "")


def start() -> None:
    """Initialise the selection (from the URL on a session's first run) and the language.

    Every page calls this (through :func:`setup`), so a page opened on its own works too.
    """
    ss = st.session_state
    if Key.MODEL not in ss:
        qp = st.query_params
        names = model_names()
        wanted = qp.get("model")
        own = ss.get(Key.CUSTOM)  # the user's own model, when a page put one in the session
        if wanted and custom.is_custom(wanted) and wanted != own:
            try:  # a random model rebuilds from its key; an upload lives in its own session
                load_model(wanted)
                ss[Key.CUSTOM] = own = wanted
            except Exception:
                ss[Key.LINK_MISSING] = wanted  # said on the page, never silently another model
        ss[Key.MODEL] = (
            wanted if wanted in names or (own and wanted == own) else default_model(names)
        )
        # the link's text belongs to the model it names: not read by another one
        linked = qp.get("text") if not wanted or ss[Key.MODEL] == wanted else None
        fallback = _default_text(ss[Key.MODEL]) if ss[Key.MODEL] else ""
        ss[Key.TEXT] = (linked if linked is not None else fallback)[:APP_MAX_CHARS]
        lang = qp.get("lang")
        ss[Key.LANG] = lang if lang in i18n.LANGUAGES else i18n.language_from_locale(_locale())
        ss[Key.STEP] = _int(qp.get("step"))
        ss[Key.UNIT] = _int(qp.get("unit"))
        ss[Key.LAYER] = _int(qp.get("layer"))  # the pages clip it to the model's layers
        ss[Key.PROJECTOR] = qp.get("projector") == "1"
        for key in ("quantity", "order", "merge"):  # checked against the options where drawn
            if qp.get(key):
                ss[key] = str(qp.get(key))[:40]
    _adopt_browser_keys()
    i18n.use(ss[Key.LANG])


def _adopt_browser_keys() -> None:
    """Learn what the browser player wrote into the URL since this script last saw it (its step,
    unit and Play direction: the player moves them without a rerun), so the next links and the
    pages Python draws start there too."""
    ss = st.session_state
    seen = ss.setdefault(Key.URL_SEEN, {})
    qp = st.query_params
    for key in BROWSER_KEYS:
        value = qp.get(key)
        if value is None or value == seen.get(key):
            continue
        seen[key] = value
        if key == "play":
            ss[Key.PLAY] = value if value in PLAY_DIRECTIONS else PLAY_DIRECTIONS[0]
        else:
            ss[key] = _int(value)


def _locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser (bare script): default to English
        return None


def url_state() -> dict[str, str]:
    """The selection as query parameters (what a shared link carries)."""
    ss = st.session_state
    state = {k: str(ss[k]) for k in STATE_KEYS if k in ss and str(ss[k]) != ""}
    if "text" in state:
        state["text"] = state["text"][:APP_MAX_CHARS]  # a long text never floods the link
    if ss.get(Key.PROJECTOR):
        state["projector"] = "1"
    else:
        state.pop("projector", None)
    for key, default in (("layer", "0"), ("play", PLAY_DIRECTIONS[0])):
        if state.get(key) == default:  # the defaults keep a link short
            state.pop(key)
    return state


def sync_url() -> None:
    """Write the selection into the address bar (only what changed)."""
    wanted = url_state()
    qp = st.query_params
    for key in STATE_KEYS:
        if key in wanted and qp.get(key) != wanted[key]:
            qp[key] = wanted[key]
        elif key not in wanted and key in qp:
            del qp[key]
    seen = st.session_state.setdefault(Key.URL_SEEN, {})
    for key in BROWSER_KEYS:
        seen[key] = wanted.get(key)


def _copy_value(widget: str, target: str, reset: Sequence[str] = ()) -> None:
    ss = st.session_state
    value = ss.get(widget)
    if value is None:  # a deselected segmented control keeps the old value
        return
    ss[target] = value
    for key in reset:
        ss[key] = 0


def _copy(widget: str, target: str, reset: Sequence[str] = ()) -> Callable[[], None]:
    """Callback copying a widget's value into the plain state (picklable: a partial)."""
    return functools.partial(_copy_value, widget, target, tuple(reset))


def _bind(widget: str, target: str) -> None:
    """Show the plain state in a widget drawn this run (set before the widget exists)."""
    ss = st.session_state
    if ss.get(widget) != ss.get(target):
        ss[widget] = ss[target]


def _set(key: str, value: int) -> None:
    st.session_state[key] = value


def upload_session() -> str:
    """This browser session's id: it names the session's folder of uploads."""
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.session_id:
        return ctx.session_id
    return st.session_state.setdefault(Key.UPLOAD_SESSION, uuid.uuid4().hex)


def counts_steps(name: str | None) -> bool:
    """Whether ``name`` reads numbers or token ids (the user's own model without a vocabulary):
    its input is limited in steps (``max_chars`` of them), not in characters."""
    try:
        return bool(name) and getattr(load_model(name), "input_mode", "") in ("numbers", "ids")
    except Exception:
        return False


def text_limit(name: str | None = None) -> int:
    """Characters the sentence box holds: the app's sentence limit, or for a model that counts
    steps (16 numbers a step are ~80 characters) the user's-own-input limit; the model itself
    refuses more steps than it reads, with a message that counts steps."""
    name = st.session_state.get(Key.MODEL) if name is None else name
    return CUSTOM_MAX_CHARS if counts_steps(name) else APP_MAX_CHARS


def _limit() -> int:
    """Characters the pages show: the sentence box's limit, or the model's own if it is lower
    (a model that counts steps checks its own limit in steps)."""
    name = st.session_state.get(Key.MODEL)
    limit = text_limit(name)
    if counts_steps(name):
        return limit
    try:
        return min(limit, int(load_model(name).max_chars)) if name else limit
    except Exception:
        return limit


def _clipped(text: str) -> str:
    return text[: _limit()]
