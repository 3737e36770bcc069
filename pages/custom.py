"""Your own model: upload a recurrent module's state dict or build one with random weights."""

import streamlit as st

from rnnviz import cells, custom, ui
from rnnviz.i18n import error_text, t
from rnnviz.ui import Key

ui.setup()
st.title(t("page_custom"))
st.caption(t("cu_intro"))
ss = st.session_state

upload_col, random_col = st.columns(2)
with upload_col:
    st.subheader(t("cu_upload"))
    ui.uploader_text(custom.MAX_UPLOAD_BYTES // 2**20)
    file = st.file_uploader(  # no type=: our own check names the endings, in the page's language
        t("cu_upload"),
        help=t("cu_limit", mb=custom.MAX_UPLOAD_BYTES // 2**20),
        label_visibility="collapsed",
        key="w_cu_file",
    )
    if file is None and ss.get(Key.CU_FILE_ID):  # the file was removed: its message goes too
        ss[Key.CU_FILE_ID], ss[Key.CU_MESSAGE] = None, ("", "")
    if file is not None and ss.get(Key.CU_FILE_ID) != file.file_id:
        ss[Key.CU_FILE_ID] = file.file_id
        if not custom.upload_suffix_ok(file.name):
            ss[Key.CU_MESSAGE] = ("error", t("cu_wrong_type", filename=file.name))
        else:
            try:
                key, model = custom.save_upload(file.getvalue(), file.name, ui.upload_session())
            except custom.CustomModelError as exc:
                ss[Key.CU_MESSAGE] = ("error", t("cu_refused", error=error_text(exc)))
            else:
                ss[Key.CUSTOM] = key
                ss[Key.AN_PREFER_CUSTOM] = True
                ss[Key.CU_MESSAGE] = (
                    "success",
                    t("cu_loaded", name=file.name, what=ui.describe(model)),
                )
    kind, message = ss.get(Key.CU_MESSAGE, ("", ""))
    if kind == "error":
        active = ss.get(Key.CUSTOM)  # which model is in use after a refusal, said plainly
        still = t("cu_still", name=ui.model_label(active)) if active else t("cu_still_none")
        st.error(f"{message}\n\n{still}")
    elif kind == "success":
        st.success(message)

with random_col, st.form("cu_random_form"):
    st.subheader(t("cu_random"))
    a, b = st.columns(2)
    cell = a.segmented_control(
        t("cu_cell"), cells.names(), default=cells.names()[0], key="w_cu_cell",
        format_func=cells.title,
    )  # fmt: skip
    bidirectional = b.toggle(t("cu_bidirectional"), key="w_cu_bi")
    hidden = a.number_input(t("cu_hidden"), 1, 256, 16, key="w_cu_hidden")
    input_size = b.number_input(t("cu_input_size"), 1, 256, 8, key="w_cu_input")
    layers = a.number_input(t("cu_layers"), 1, 4, 1, key="w_cu_layers")
    n_labels = b.number_input(t("cu_labels"), 0, 32, 3, key="w_cu_labels")
    vocab = st.text_input(t("cu_vocab"), "()abc", key="w_cu_vocab", max_chars=ui.VOCAB_MAX_CHARS)
    seed = st.number_input(t("cu_seed"), 0, 10**6, 0, key="w_cu_seed")
    if st.form_submit_button(t("cu_build")):
        arch = custom.random_arch(
            cell or cells.names()[0], int(hidden), int(input_size), int(layers), bool(bidirectional)
        )
        spec = custom.RandomSpec(arch, vocab.strip(), int(n_labels), int(seed))
        ss[Key.CUSTOM] = spec.key()
        ss[Key.AN_PREFER_CUSTOM] = True
        ss[Key.CU_MESSAGE] = ("", "")

st.divider()
key = ss.get(Key.CUSTOM)
if not key:
    st.info(t("cu_none"))
    st.stop()
try:
    model = ui.load_custom(key)
except custom.CustomModelError as exc:
    st.error(t("cu_refused", error=error_text(exc)))
    st.stop()

st.markdown(f"**{t('cu_current', name=ui.model_label(key))}** — {ui.describe(model)}")
with st.expander(t("cu_notes")):
    for note in model.notes:
        st.markdown(f"- {note}")
st.caption(t("cu_everywhere"))
if st.button(t("cu_forget"), key="b_cu_forget"):
    ss.pop(Key.CUSTOM, None)
    ss[Key.AN_PREFER_CUSTOM] = False
    st.rerun()

st.subheader(t("cu_preview"))
text = ui.analysis_text(key, model)
try:
    run = ui.analyse(key, text)  # the sentence's one Run: the pages reuse it
except (custom.CustomModelError, ValueError) as exc:
    ui.show_error(exc)
    st.stop()
for direction, fig in ui.heatmap_specs(key, text, "h", 0, "index", ss[Key.LANG], run).items():
    ui.chart(fig, key=f"cu_h_{direction}", name=f"custom-h-{direction}")
