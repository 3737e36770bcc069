"""English / 中文 strings and ``t(key, **fmt)``.

``STRINGS`` is a plain dict ``{key: {"en": ..., "zh": ...}}``: add a key with both languages.
The language of the current script run is a context variable (each Streamlit session runs its
script in its own thread), set once per run with :func:`use`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}

_language: ContextVar[str | None] = ContextVar("rnnviz_language", default=None)
_resolver: Callable[[], str | None] | None = None


def use(language: str) -> None:
    """Set the language for this script run (``"en"`` or ``"zh"``)."""
    _language.set(language if language in LANGUAGES else "en")


def set_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Where the language comes from when :func:`use` was not called in this context.

    The UI points this at the session's choice, so a fragment rerun or a Play tick (which run
    outside the page's context) keeps the session's language instead of falling to English.
    """
    global _resolver
    _resolver = resolver


def current() -> str:
    """The language of this script run: set by :func:`use`, else the resolver's, else English."""
    lang = _language.get()
    if lang is None and _resolver is not None:
        try:
            lang = _resolver()
        except Exception:  # no session (a bare script, a worker thread): English
            lang = None
    return lang if lang in LANGUAGES else "en"


def language_from_locale(locale: str | None) -> str:
    """``"zh"`` for any Chinese browser locale (zh, zh-CN, zh-TW…), else ``"en"``."""
    return "zh" if (locale or "").lower().startswith("zh") else "en"


def t(key: str, **fmt: object) -> str:
    """The string ``key`` in the current language, formatted with ``fmt``.

    An unknown key returns the key itself, so a missing translation shows, never crashes.
    """
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(current()) or entry["en"]
    return text.format(**fmt) if fmt else text


def error_text(exc: BaseException) -> str:
    """An error as the user reads it: its translated message when it names one (``exc.key``
    and ``exc.params``, as :class:`rnnviz.uploads.CustomModelError` does), else its own words,
    marked as English in Chinese."""
    key = getattr(exc, "key", "")
    if key and key in STRINGS:
        return t(key, **getattr(exc, "params", {}))
    return t("err_untranslated", error=exc)


def label_name(label: str, lang: str | None = None) -> str:
    """A model's own label as shown in ``lang`` (default: this run's): ``negative`` → 负面.
    Labels without a translation (BMES tags, POS tags, PER/LOC/ORG) are shown as they are."""
    entry = STRINGS.get(f"lab_{label}")
    if entry is None:
        return label
    return entry.get(lang or current()) or entry["en"]


STRINGS: dict[str, dict[str, str]] = {
    # --- app and navigation ---
    "app_title": {"en": "rnnviz · inside an LSTM / GRU", "zh": "rnnviz · 看懂 LSTM / GRU"},
    "tagline": {
        "en": "Watch, token by token, what a recurrent network computes.",
        "zh": "逐个字词地观察循环神经网络在计算什么。",
    },
    "page_overview": {"en": "Overview", "zh": "总览"},
    "page_step": {"en": "Step through", "zh": "逐步演示"},
    "page_heatmaps": {"en": "Heatmaps", "zh": "热力图"},
    "page_predictions": {"en": "Predictions", "zh": "预测"},
    "page_compare": {"en": "Compare LSTM vs GRU", "zh": "对比 LSTM 与 GRU"},
    "pages": {"en": "Pages", "zh": "页面"},
    "page_missing": {
        "en": "This page ({path}) is not installed.",
        "zh": "此页面（{path}）尚未安装。",
    },
    # --- sidebar ---
    "model": {"en": "Model", "zh": "模型"},
    "examples": {"en": "Examples", "zh": "示例句子"},
    "sentence": {"en": "Sentence", "zh": "句子"},
    "pick_example": {"en": "Pick an example…", "zh": "选择一个示例…"},
    "sentence_help": {
        "en": "Type any text; characters the model never saw are marked and traced anyway.",
        "zh": "可输入任意文字；模型没见过的字会被标出，但照样计算。",
    },
    "language": {"en": "Language", "zh": "语言"},
    "projector": {"en": "Projector mode", "zh": "投影模式"},
    "projector_help": {
        "en": "Large type and high contrast for the classroom.",
        "zh": "大字号、高对比度，适合课堂投影。",
    },
    "share_hint": {
        "en": "The address bar holds the model, sentence, step and unit: copy it to share this view.",
        "zh": "地址栏里记录了模型、句子、步数和单元：复制链接即可分享当前画面。",
    },
    "no_models": {
        "en": "No trained models are installed yet; showing a randomly initialised demo network.",
        "zh": "尚未安装训练好的模型；当前显示的是随机初始化的演示网络。",
    },
    # --- bad input ---
    "empty_prompt": {
        "en": "Type a sentence in the sidebar (or pick an example) to see inside the network.",
        "zh": "请在侧边栏输入一句话（或选择示例），即可看到网络内部。",
    },
    "truncated": {
        "en": "The text is {n} characters long; this model reads at most {limit}, so only the "
        "first {limit} are shown.",
        "zh": "文本长 {n} 个字符；该模型最多读取 {limit} 个，因此只显示前 {limit} 个。",
    },
    "unknown_chars": {
        "en": "{n} token(s) the model never saw (marked ?): {chars}. They are traced as 'unknown'.",
        "zh": "有 {n} 个模型没见过的字词（标为“?”）：{chars}。它们按“未知”处理并照常计算。",
    },
    "trace_failed": {
        "en": "This text could not be traced: {error}",
        "zh": "无法处理这段文字：{error}",
    },
    "model_failed": {
        "en": "The model {name} could not be loaded: {error}",
        "zh": "无法加载模型 {name}：{error}",
    },
    # --- common words ---
    "forward": {"en": "forward →", "zh": "正向 →"},
    "backward": {"en": "backward ←", "zh": "反向 ←"},
    "unit": {"en": "unit", "zh": "单元"},
    "position": {"en": "position", "zh": "位置"},
    "layer": {"en": "layer", "zh": "层"},
    "step": {"en": "Step", "zh": "步"},
    "tokens": {"en": "tokens", "zh": "输入字词"},
    "embedding": {"en": "embedding", "zh": "嵌入层"},
    "merge": {"en": "merge", "zh": "合并"},
    "merged": {"en": "merged output", "zh": "合并后的输出"},
    "merge_concat": {"en": "concat [→; ←]", "zh": "拼接 [→; ←]"},
    "merge_sum": {"en": "sum → + ←", "zh": "相加 → + ←"},
    "merge_mean": {"en": "mean (→ + ←)/2", "zh": "平均 (→ + ←)/2"},
    "merge_product": {"en": "product → ⊙ ←", "zh": "逐元素相乘 → ⊙ ←"},
    "head_tagger": {"en": "Linear per token", "zh": "逐字线性层"},
    "head_classifier": {"en": "Linear on last h", "zh": "末状态线性层"},
    "model_diagram": {"en": "The model in one picture", "zh": "模型结构一览"},
    "q_i": {"en": "input gate", "zh": "输入门"},
    "q_f": {"en": "forget gate", "zh": "遗忘门"},
    "q_g": {"en": "candidate", "zh": "候选值"},
    "q_o": {"en": "output gate", "zh": "输出门"},
    "q_c": {"en": "cell state", "zh": "细胞状态"},
    "q_h": {"en": "hidden state", "zh": "隐藏状态"},
    "q_r": {"en": "reset gate", "zh": "重置门"},
    "q_z": {"en": "update gate", "zh": "更新门"},
    "q_n": {"en": "candidate", "zh": "候选值"},
    "q_merged": {"en": "merged output", "zh": "合并后的输出"},
    # --- issue 19: quantities of minGRU and sLSTM (CellSpec.label) ---
    "q_htilde": {"en": "candidate (linear)", "zh": "候选值（线性）"},
    "q_slstm_i": {"en": "input gate (exp, stabilised)", "zh": "输入门（指数，已稳定化）"},
    "q_slstm_z": {"en": "cell input", "zh": "单元输入"},
    "q_slstm_n": {"en": "normalizer", "zh": "归一化器"},
    "q_slstm_m": {"en": "stabilizer", "zh": "稳定器"},
    # --- overview ---
    "overview_intro": {
        "en": "Each token becomes a vector (embedding). A forward {cell} reads the sentence left "
        "to right, a backward one right to left; at every token their states are joined and a "
        "linear head turns them into a prediction.",
        "zh": "每个字词先变成一个向量（嵌入）。正向 {cell} 从左往右读句子，反向 {cell} 从右往左读；"
        "在每个位置把两者的状态拼起来，再由线性输出层给出预测。",
    },
    "overview_intro_uni": {
        "en": "Each token becomes a vector (embedding). The {cell} reads the sentence left to "
        "right; a linear head turns its state into a prediction.",
        "zh": "每个字词先变成一个向量（嵌入）。{cell} 从左往右读句子，线性输出层把它的状态变成预测。",
    },
    "model_card": {"en": "Model card", "zh": "模型说明"},
    "prediction": {"en": "Prediction", "zh": "预测结果"},
    "where_next": {"en": "Where next", "zh": "下一步看什么"},
    "next_step": {
        "en": "watch one token at a time, gate by gate.",
        "zh": "一次看一个字，一个门一个门地看。",
    },
    "next_heatmaps": {
        "en": "every unit at every token, both directions.",
        "zh": "所有单元在所有位置上的取值，正反两个方向。",
    },
    "next_predictions": {
        "en": "how the states become labels.",
        "zh": "状态是如何变成标签的。",
    },
    "next_compare": {
        "en": "the same sentence through an LSTM and a GRU.",
        "zh": "同一句话分别经过 LSTM 和 GRU。",
    },
    # --- step page ---
    "prev": {"en": "◀ Prev", "zh": "◀ 上一步"},
    "next": {"en": "Next ▶", "zh": "下一步 ▶"},
    "play": {"en": "▶ Play", "zh": "▶ 播放"},
    "pause": {"en": "⏸ Pause", "zh": "⏸ 暂停"},
    "reading": {
        "en": "Step {t}: the forward cell reads “{tok}” after tokens {before}; the backward "
        "cell reads it after tokens {after}.",
        "zh": "第 {t} 步：正向单元在读完 {before} 之后读“{tok}”；反向单元在读完 {after} 之后读它。",
    },
    "reading_uni": {
        "en": "Step {t}: the cell reads “{tok}”.",
        "zh": "第 {t} 步：单元读入“{tok}”。",
    },
    "equations": {"en": "Equations with the real numbers", "zh": "代入真实数值的公式"},
    "all_units": {"en": "every gate over all units", "zh": "所有单元上的各个门"},
    "kept": {"en": "kept", "zh": "保留"},
    "written": {"en": "written", "zh": "写入"},
    "kept_written": {"en": "new state = kept + written", "zh": "新状态 = 保留 + 写入"},
    "split_explain_lstm": {
        "en": "Blue: what the forget gate kept of the old cell (f⊙c). Orange: what the input "
        "gate wrote (i⊙g). Their sum is the new cell state cₜ (◆).",
        "zh": "蓝色：遗忘门保留下来的旧细胞状态 (f⊙c)；橙色：输入门写入的新内容 (i⊙g)；"
        "两者之和就是新的细胞状态 cₜ（◆）。",
    },
    "split_explain_gru": {
        "en": "Blue: what the update gate kept of the old state (z⊙h). Orange: what it wrote "
        "from the candidate ((1−z)⊙n). Their sum is the new state hₜ (◆).",
        "zh": "蓝色：更新门保留的旧状态 (z⊙h)；橙色：从候选值写入的部分 ((1−z)⊙n)；"
        "两者之和就是新状态 hₜ（◆）。",
    },
    # --- issue 17: the trace player (rnnviz/ui/player.js) ---
    "player_play_back": {"en": "◀ Play backward", "zh": "◀ 反向播放"},
    "player_speed": {"en": "Speed (steps/s)", "zh": "速度（步/秒）"},
    "player_keys": {
        "en": "Keys (click the player first): ← → or k j step · Home End first/last · Space "
        "play/pause · b play backward · ↑ ↓ unit · click a token or a unit to jump",
        "zh": "按键（先点一下播放器）：← → 或 k j 逐步 · Home End 首尾 · 空格 播放/暂停 · "
        "b 反向播放 · ↑ ↓ 换单元 · 点击字或单元可直接跳转",
    },
    "player_key_prev": {"en": "Previous token (← or k)", "zh": "上一个字（← 或 k）"},
    "player_key_next": {"en": "Next token (→ or j)", "zh": "下一个字（→ 或 j）"},
    "player_key_play": {"en": "Play / pause (Space)", "zh": "播放 / 暂停（空格）"},
    "player_label": {
        "en": "Trace player: step through the sentence with the arrow keys",
        "zh": "逐步播放器：用方向键逐字查看",
    },
    "player_aria": {
        "en": "Step {t}: “{tok}”. Unit {unit}: {values}.",
        "zh": "第 {t} 步：“{tok}”。单元 {unit}：{values}。",
    },
    "player_colon": {"en": ": ", "zh": "："},  # between a label and its value in the player
    # --- heatmaps page ---
    "quantity": {"en": "Gate or state", "zh": "门或状态"},
    "order": {"en": "Order units by", "zh": "单元排序方式"},
    "order_index": {"en": "index", "zh": "编号"},
    "order_variance": {"en": "variance", "zh": "方差"},
    "order_similarity": {"en": "similarity", "zh": "相似度"},
    "merge_mode": {"en": "Merge mode", "zh": "合并方式"},
    "click_hint": {
        "en": "Click a cell to follow that unit over the sentence in both directions.",
        "zh": "点击任一格子，即可查看该单元在整句话上、两个方向的变化曲线。",
    },
    "selected_unit": {"en": "Selected unit", "zh": "选中的单元"},
    # --- predictions page ---
    "label_probabilities": {"en": "Label probabilities per token", "zh": "每个字的标签概率"},
    "evolution": {
        "en": "How the prediction evolves as each token is read",
        "zh": "每读一个字，预测如何变化",
    },
    "evolution_explain": {
        "en": "The head is applied to the state after every token; the last point is the "
        "model's answer.",
        "zh": "对每个位置的状态都应用输出层；最后一个点就是模型的最终答案。",
    },
    "forward_part": {"en": "from forward half", "zh": "来自正向部分"},
    "backward_part": {"en": "from backward half", "zh": "来自反向部分"},
    "bias": {"en": "bias", "zh": "偏置"},
    "score": {"en": "score (logit)", "zh": "得分 (logit)"},
    "score_split": {"en": "Score split by direction", "zh": "得分按方向拆分"},
    "split_explain": {
        "en": "The head is linear, so each label's score is exactly forward part + backward "
        "part + bias.",
        "zh": "输出层是线性的，所以每个标签的得分恰好等于 正向部分 + 反向部分 + 偏置。",
    },
    "token_to_explain": {"en": "Token to explain", "zh": "要解释的字"},
    "predicted": {"en": "predicted: {label} ({p:.0%})", "zh": "预测：{label}（{p:.0%}）"},
    "task_cws": {"en": "Word segmentation (B/M/E/S)", "zh": "中文分词 (B/M/E/S)"},
    "task_pos": {"en": "Part-of-speech tags", "zh": "词性标注"},
    "task_ner": {"en": "Named entities", "zh": "命名实体"},
    "task_sentiment": {"en": "Sentiment", "zh": "情感分类"},
    "task_count": {"en": "Counting", "zh": "计数"},
    # --- compare page ---
    "compare_none": {
        "en": "This task has no LSTM/GRU pair to compare; choose another model.",
        "zh": "这个任务没有可对比的 LSTM/GRU 模型对，请换一个模型。",
    },
    "compare_intro": {
        "en": "The same sentence through {a} and {b}, on the same colour scales.",
        "zh": "同一句话分别经过 {a} 和 {b}，使用相同的颜色刻度。",
    },
    "agreement": {
        "en": "The two models agree on {k} of {n} tokens.",
        "zh": "两个模型在 {n} 个字中的 {k} 个上结果一致。",
    },
    # --- legend, downloads ---
    "legend": {"en": "Colour legend", "zh": "颜色说明"},
    "legend_gate": {
        "en": "sigmoid gates, 0 (closed) … 1 (open)",
        "zh": "sigmoid 门：0（关闭）… 1（打开）",
    },
    "legend_tanh": {
        "en": "tanh values, −1 … 0 (white) … +1",
        "zh": "tanh 取值：−1 … 0（白）… +1",
    },
    "legend_cell": {
        "en": "cell state (unbounded, colour clipped at ±2; hover shows the value)",
        "zh": "细胞状态（无界，颜色截断在 ±2；悬停显示真实值）",
    },
    "legend_text": {
        "en": "Colours never rescale: a 0.5 gate always looks the same, whatever the sentence.",
        "zh": "颜色刻度固定不变：无论哪句话，0.5 的门看起来都一样。",
    },
    "downloads": {"en": "Downloads", "zh": "下载"},
    "download_csv": {"en": "Trace (CSV)", "zh": "完整记录 (CSV)"},
    "download_parquet": {"en": "Trace (Parquet)", "zh": "完整记录 (Parquet)"},
    "download_html": {"en": "Figure (HTML)", "zh": "图 (HTML)"},
    "png_hint": {
        "en": "PNG: use the camera button in the figure's toolbar.",
        "zh": "PNG：点击图右上角工具栏中的相机按钮。",
    },
}

# --- analysis pages (issue 5): search, saturation, saliency, what if, your own model, live ---
STRINGS.update(
    {
        "page_custom": {"en": "Your own model", "zh": "上传你的模型"},
        "page_whatif": {"en": "What if", "zh": "假如改一个字"},
        "page_saliency": {"en": "Saliency over time", "zh": "显著性随时间"},
        "page_saturation": {"en": "Gate saturation", "zh": "门的饱和度"},
        "page_search": {"en": "Unit search", "zh": "单元搜索"},
        "page_codecells": {"en": "Cells in code", "zh": "代码中的单元"},
        "page_live": {"en": "Train live", "zh": "现场训练"},
        "an_source": {"en": "Analyse", "zh": "分析对象"},
        "an_input": {"en": "Input", "zh": "输入"},
        "an_input_numbers": {
            "en": "One step per line, {n} numbers each (spaces or commas).",
            "zh": "每行一步，每步 {n} 个数（空格或逗号分隔）。",
        },
        "an_input_ids": {
            "en": "Token ids 0…{n}, separated by spaces.",
            "zh": "词元编号 0…{n}，用空格分隔。",
        },
        "an_input_tokens": {
            "en": "Text in the model's vocabulary.",
            "zh": "使用模型词表中的字词。",
        },
        "an_random_input": {"en": "Random input", "zh": "随机输入"},
        "an_direction": {"en": "direction", "zh": "方向"},
        "an_forward": {"en": "forward", "zh": "正向"},
        "an_backward": {"en": "backward", "zh": "反向"},
        "an_quantity": {"en": "quantity", "zh": "量"},
        "an_failed": {"en": "Could not compute this: {error}", "zh": "无法计算：{error}"},
        # your own model
        "cu_intro": {
            "en": "Upload the state dict of an nn.LSTM or nn.GRU (.safetensors, or .pt/.pth saved "
            "with torch.save(model.state_dict(), …)), with or without an embedding, vocabulary and "
            "linear head, or build one with random weights. The architecture is read from the "
            "tensor shapes. Files are opened only with safetensors or torch.load(weights_only=True): "
            "nothing in them is ever run.",
            "zh": "上传 nn.LSTM 或 nn.GRU 的参数字典（.safetensors，或用 "
            "torch.save(model.state_dict(), …) 保存的 .pt/.pth），可以带嵌入层、词表和线性输出层；"
            "也可以用随机权重新建一个。结构从张量形状推断。文件只用 safetensors 或 "
            "torch.load(weights_only=True) 读取：文件里的任何代码都不会被执行。",
        },
        "cu_upload": {"en": "Upload weights", "zh": "上传权重"},
        "cu_limit": {"en": "At most {mb} MB.", "zh": "最大 {mb} MB。"},
        "cu_loaded": {"en": "Loaded {name}: {what}", "zh": "已载入 {name}：{what}"},
        "cu_refused": {"en": "Not loaded: {error}", "zh": "未载入：{error}"},
        "cu_random": {"en": "Build one with random weights", "zh": "用随机权重新建"},
        "cu_cell": {"en": "cell", "zh": "单元类型"},
        "cu_hidden": {"en": "hidden size", "zh": "隐藏层大小"},
        "cu_input_size": {"en": "input size", "zh": "输入维度"},
        "cu_layers": {"en": "layers", "zh": "层数"},
        "cu_bidirectional": {"en": "bidirectional", "zh": "双向"},
        "cu_vocab": {
            "en": "vocabulary characters (empty: numeric input)",
            "zh": "词表字符（留空：输入数字）",
        },
        "cu_labels": {"en": "output labels (0: no head)", "zh": "输出类别数（0：无输出层）"},
        "cu_seed": {"en": "seed", "zh": "随机种子"},
        "cu_build": {"en": "Build", "zh": "新建"},
        "cu_current": {"en": "Current model: {name}", "zh": "当前模型：{name}"},
        "cu_none": {
            "en": "No model of your own yet: upload one or build one.",
            "zh": "还没有你自己的模型：请上传或新建一个。",
        },
        "cu_everywhere": {
            "en": "It is now in the sidebar's model list (marked ★) for every page, and "
            "selectable on the analysis pages (What if, Saliency, Gate saturation, Unit search).",
            "zh": "现在它出现在侧边栏的模型列表中（标记为 ★），所有页面都能用；"
            "也可以在分析页面（假如改一个字、显著性、门的饱和度、单元搜索）中选择它。",
        },
        "cu_forget": {"en": "Forget my model", "zh": "移除我的模型"},
        "cu_notes": {"en": "What was found", "zh": "识别结果"},
        "cu_preview": {"en": "Hidden state on this input", "zh": "该输入上的隐藏状态"},
        # what if
        "wi_intro": {
            "en": "Edit, delete or insert one token; every gate and state of both directions is "
            "traced again and shown as the difference after − before (token-aligned; a deleted or "
            "inserted token has no partner and stays blank).",
            "zh": "修改、删除或插入一个词元；两个方向的所有门和状态都会重新计算，"
            "并显示为差值（修改后 − 修改前，按词元对齐；删除或插入的词元没有对应位置，显示为空白）。",
        },
        "wi_edit": {"en": "edit", "zh": "操作"},
        "wi_replace": {"en": "replace", "zh": "替换"},
        "wi_delete": {"en": "delete", "zh": "删除"},
        "wi_insert": {"en": "insert before", "zh": "在前插入"},
        "wi_position": {"en": "position", "zh": "位置"},
        "wi_token": {"en": "new token", "zh": "新词元"},
        "wi_after": {
            "en": "Edited text (you may also type here)",
            "zh": "修改后的文本（也可直接输入）",
        },
        "wi_same": {
            "en": "The edited text is the same as the original.",
            "zh": "修改后的文本与原文相同。",
        },
        "wi_pred": {"en": "How the prediction changed", "zh": "预测如何变化"},
        "wi_flips": {"en": "{k} of {n} predictions changed.", "zh": "{n} 个预测中有 {k} 个改变。"},
        "wi_before": {"en": "before", "zh": "修改前"},
        "wi_after_short": {"en": "after", "zh": "修改后"},
        "wi_reach": {
            "en": "The change of h reaches {k} tokens away from the edit ({direction}).",
            "zh": "h 的变化最远影响到距离修改处 {k} 个词元（{direction}）。",
        },
        "wi_diffs": {"en": "Difference of every gate and state", "zh": "每个门和状态的差值"},
        # saliency
        "sa_intro": {
            "en": "Row t: how strongly each input token s moves the score of the label predicted "
            "at t (norm of the gradient with respect to the token's embedding), as a share of "
            "the row. A forward-only network cannot look ahead; a bidirectional one looks both ways.",
            "zh": "第 t 行：每个输入词元 s 对位置 t 预测标签得分的影响（得分对该词元嵌入向量的梯度范数），"
            "以该行占比表示。单向网络看不到后文；双向网络前后都能看到。",
        },
        "sa_label": {"en": "score of", "zh": "得分标签"},
        "sa_predicted": {"en": "predicted label", "zh": "预测标签"},
        "sa_compare": {"en": "compare with", "zh": "对比模型"},
        "sa_reach": {
            "en": "How far back (and ahead) each position looks: tokens holding 90% of the gradient",
            "zh": "每个位置向前（及向后）看多远：包含 90% 梯度的词元距离",
        },
        "sa_mean": {
            "en": "{name}: mean distance looked back {back:.2f}, ahead {ahead:.2f} tokens",
            "zh": "{name}：平均向前看 {back:.2f} 个词元，向后看 {ahead:.2f} 个",
        },
        "sa_back": {"en": "back", "zh": "向前"},
        "sa_ahead": {"en": "ahead", "zh": "向后"},
        # saturation
        "sat_intro": {
            "en": "Each dot is one unit of one gate: how often over the test corpus it is "
            "left-saturated (below the low threshold) or right-saturated (above the high one). "
            "After Karpathy, Johnson & Fei-Fei (2015). Click a dot to open that unit.",
            "zh": "每个点是某个门的一个单元：在测试语料上它有多少比例处于左饱和（低于下阈值）"
            "或右饱和（高于上阈值）。参照 Karpathy、Johnson、Fei-Fei（2015）。点击一个点即可打开该单元。",
        },
        # --- issue 19: exponential gates (read from the cell's activations) ---
        "sat_exp_gates": {
            "en": "{cell}: exponential gate(s) {gates}, e^(pre-activation), shown after the "
            "stabilizer m divides them: {first} = e^(ĩ − m), where m is the largest log-gate so "
            "far. So {first} = 1 means this token's write is the strongest the unit has seen (it "
            "set m), and a value near 0 means far weaker than an earlier write — not 'closed' as "
            "for a sigmoid. An exponential gate can write e^5 ≈ 148 times more strongly than "
            "another; the normalizer n (the running sum of the input gates) divides the cell, "
            "h = o ⊙ c / n, so h stays within −1..1.",
            "zh": "{cell}：指数门 {gates} 的值为 e^(预激活)，这里显示的是除以稳定器 m 之后的值："
            "{first} = e^(ĩ − m)，m 是迄今最大的对数门值。所以 {first} = 1 表示这个字符的写入是该单元"
            "见过的最强一次（由它设定了 m）；接近 0 表示比之前某次写入弱得多——而不是像 sigmoid 门那样"
            "“关闭”。指数门的写入强度可以是另一次的 e^5 ≈ 148 倍；归一化器 n（输入门的累计和）"
            "去除单元状态，h = o ⊙ c / n，所以 h 仍在 −1..1 之内。",
        },
        "sat_low": {"en": "left-saturated below", "zh": "左饱和阈值（低于）"},
        "sat_high": {"en": "right-saturated above", "zh": "右饱和阈值（高于）"},
        "sat_left": {"en": "fraction left-saturated", "zh": "左饱和比例"},
        "sat_right": {"en": "fraction right-saturated", "zh": "右饱和比例"},
        "sat_summary": {"en": "Summary per gate", "zh": "各门汇总"},
        "sat_picked": {
            "en": "Selected: {gate} gate, {direction}, layer {layer}, unit {unit}",
            "zh": "已选：{gate} 门，{direction}，第 {layer} 层，单元 {unit}",
        },
        "sat_open_heatmaps": {"en": "Open in heatmaps", "zh": "在热力图中打开"},
        "sat_open_search": {"en": "Open in unit search", "zh": "在单元搜索中打开"},
        "corpus_building": {
            "en": "Tracing the test corpus once ({n} sentences); it is then cached on disk.",
            "zh": "正在对测试语料（{n} 句）计算一次；之后会缓存在磁盘上。",
        },
        "corpus_info": {
            "en": "Corpus: {corpus}, {sentences} sentences, {tokens} tokens (cached).",
            "zh": "语料：{corpus}，{sentences} 句，{tokens} 个词元（已缓存）。",
        },
        # search
        "se_intro": {
            "en": "Select a span of the sentence and a threshold: the units that are on (h above "
            "the threshold) over the whole span and off just outside it are found, then every "
            "place in the test corpus where the same units are all on (after LSTMVis).",
            "zh": "选择句子中的一段和一个阈值：找出在整段上都激活（h 高于阈值）、而在段外紧邻处不激活的单元，"
            "再在整个测试语料中找出这些单元同时激活的位置（参照 LSTMVis）。",
        },
        "se_span": {"en": "span", "zh": "片段"},
        "se_threshold": {"en": "threshold", "zh": "阈值"},
        "se_units": {"en": "Units on in the span: {units}", "zh": "片段内激活的单元：{units}"},
        "se_no_units": {
            "en": "No unit is on over the whole span and off outside it; lower the threshold or "
            "change the span.",
            "zh": "没有单元在整段激活且段外不激活；请降低阈值或改变片段。",
        },
        "se_matches": {
            "en": "{n} matches in {ms:.0f} ms (span in 【】, annotation tracks of the span)",
            "zh": "找到 {n} 处，用时 {ms:.0f} 毫秒（【】内为匹配片段，右侧为该片段的标注）",
        },
        "se_fraction": {"en": "units that must be on", "zh": "需同时激活的单元比例"},
        "se_by_label": {"en": "Units that separate a label", "zh": "区分某个标签的单元"},
        "se_track": {"en": "annotation", "zh": "标注"},
        "se_label": {"en": "label", "zh": "标签"},
        "se_label_help": {
            "en": "AUC of each unit's h for this label against all other tokens (1 = perfectly "
            "separated; sign + means higher on the label).",
            "zh": "每个单元的 h 区分该标签与其他词元的 AUC（1 表示完全分开；符号 + 表示在该标签上更高）。",
        },
        "se_strip": {
            "en": "The selected units on the best matches",
            "zh": "最佳匹配处所选单元的取值",
        },
        # code cells and live training
        "cc_missing": {
            "en": "The code language model is not shipped yet.",
            "zh": "代码语言模型尚未提供。",
        },
        "cc_intro": {
            "en": "A character-level LSTM trained to predict the next character of Python's own "
            "standard library. Every unit is correlated with what a reader of code keeps track "
            "of; the text below is coloured by one unit's value (red +, blue −). After Karpathy, "
            "Johnson & Fei-Fei (2015).",
            "zh": "一个字符级 LSTM，训练目标是预测 Python 标准库源码的下一个字符。"
            "把每个单元与读代码时需要记住的信息做相关分析；下方文本按某个单元的取值着色（红 +，蓝 −）。"
            "参照 Karpathy、Johnson、Fei-Fei（2015）。",
        },
        "cc_code": {"en": "Code (held-out file; you may edit)", "zh": "代码（留出文件；可编辑）"},
        "cc_feature": {"en": "feature", "zh": "特征"},
        "cc_in_string": {"en": "inside a string", "zh": "在字符串内"},
        "cc_bracket_depth": {"en": "bracket depth", "zh": "括号深度"},
        "cc_indentation": {"en": "indentation", "zh": "缩进"},
        "cc_line_position": {"en": "position in the line", "zh": "行内位置"},
        "cc_in_comment": {"en": "inside a comment", "zh": "在注释内"},
        "cc_best": {
            "en": "Best units for each feature on this text (Pearson r; AUROC for the yes/no "
            "features)",
            "zh": "该文本上每个特征最相关的单元（皮尔逊相关系数 r；是/否特征另给 AUROC）",
        },
        "cc_showing": {
            "en": "Colouring by {unit}: each character's background is the unit's value after "
            "reading it (red +, white 0, blue −)",
            "zh": "按 {unit} 着色：每个字符的底色是该单元读完这个字符后的取值（红 +，白 0，蓝 −）",
        },
        # --- issue 21: the quote cell (tanh(c), layers, split string labels, AUROC) ---
        "cc_in_short_string": {"en": "inside a short string", "zh": "在短字符串内"},
        "cc_in_docstring": {"en": "inside a docstring", "zh": "在文档字符串内"},
        "cc_layer": {"en": "layer", "zh": "层"},
        "cc_tanh_c": {"en": "tanh(c)", "zh": "tanh(c)"},
        "cc_c": {"en": "c", "zh": "c"},
        "cc_h": {"en": "h", "zh": "h"},
        "cc_i": {"en": "i", "zh": "i"},
        "cc_f": {"en": "f", "zh": "f"},
        "cc_g": {"en": "g", "zh": "g"},
        "cc_o": {"en": "o", "zh": "o"},
        "cc_here": {"en": "on this text", "zh": "在这段文本上"},
        "cc_held_out": {"en": "on held-out files", "zh": "在留出文件上"},
        "cc_r_with": {"en": "r with {feature}", "zh": "与{feature}的 r"},
        "cc_auroc": {
            "en": "AUROC (0.5 chance, 1 or 0 a clean split)",
            "zh": "AUROC（0.5 为随机，1 或 0 为完全分开）",
        },
        "cc_held_unit": {
            "en": "The model's best {unit} unit for {feature} on held-out files: {name}",
            "zh": "模型在留出文件上与{feature}最相关的 {unit} 单元：{name}",
        },
        "lv_intro": {
            "en": "Train a tiny LSTM or GRU on the counting task (brackets) right here, then open "
            "it on the other pages and find the counter unit.",
            "zh": "在这里现场训练一个很小的 LSTM 或 GRU（括号计数任务），"
            "然后在其他页面中打开它，找出负责计数的单元。",
        },
        "lv_seconds": {"en": "seconds", "zh": "秒"},
        "lv_train": {"en": "Train", "zh": "开始训练"},
        "lv_done": {
            "en": "Trained {steps} steps in {seconds:.0f} s: accuracy {acc:.1%} on held-out "
            "sequences. The counter is unit {unit} (|correlation with depth| = {r:.2f}).",
            "zh": "训练了 {steps} 步，用时 {seconds:.0f} 秒：在留出序列上准确率 {acc:.1%}。"
            "计数单元是 {unit}（与深度的相关系数绝对值 = {r:.2f}）。",
        },
        # helper corpus
        "corpus_building_shared": {
            "en": "Tracing the test corpus once for this model; every session then shares it.",
            "zh": "正在为此模型对测试语料计算一次；之后所有会话共享结果。",
        },
    }
)

# --- issue 20: a server that stays up (full disk, a replica that went away) ---
STRINGS.update(
    {
        "corpus_unavailable": {
            "en": "The test corpus can't be traced on this server right now: {error}. "
            "The other pages work.",
            "zh": "此服务器目前无法对测试语料进行计算：{error}。其他页面仍可使用。",
        },
        "up_no_space": {
            "en": "the server's disk is full, so the file was not kept; try again later or ask "
            "whoever runs the server to free space",
            "zh": "服务器磁盘已满，文件未能保存；请稍后再试，或请服务器管理员清理空间。",
        },
        "replica_moved": {
            "en": "The server process you were on stopped, so this is a fresh session on another "
            "one: the page was opened again from its link (model, sentence, page); uploads and "
            "live-trained models of the old session are gone.",
            "zh": "你原先连接的服务器进程已停止，这里是另一个进程上的新会话：页面已按链接（模型、句子、"
            "页面）重新打开；旧会话上传的文件和现场训练的模型已不在。",
        },
    }
)

# --- helper "explain": memory provenance, gate clamps, the vanishing gradient, from scratch ---
STRINGS.update(
    {
        "ex_forward": {"en": "forward", "zh": "正向"},
        "ex_backward": {"en": "backward", "zh": "反向"},
        "ex_token": {"en": "token", "zh": "字词"},
        "ex_unit": {"en": "unit", "zh": "单元"},
        "ex_written": {"en": "token written", "zh": "写入时的字词"},
        "ex_now": {"en": "token now", "zh": "当前字词"},
        "ex_contribution": {"en": "contribution", "zh": "贡献"},
        "ex_initial": {"en": "start", "zh": "初始"},
        "ex_initial_state": {"en": "initial state", "zh": "初始状态"},
        "ex_prov_title": {
            "en": "What is still in {name}[{unit}] ({direction}, layer {layer}): each token's "
            "write, faded by the gates since",
            "zh": "{name}[{unit}] 中还留着什么（{direction}，第 {layer} 层）："
            "每个字词写入的量，乘以此后各门的保留比例",
        },
        "ex_delta": {"en": "change", "zh": "变化"},
        "ex_clamped": {"en": "clamped", "zh": "已钳制"},
        "ex_original": {"en": "original", "zh": "原始"},
        "ex_clamp_title": {
            "en": "Change of {name} after clamping ({direction}, layer {layer})",
            "zh": "钳制后 {name} 的变化（{direction}，第 {layer} 层）",
        },
        "ex_clamp_lines_title": {
            "en": "{name} of the clamped units, original and clamped ({direction}, layer {layer})",
            "zh": "被钳制单元的 {name}：原始与钳制后（{direction}，第 {layer} 层）",
        },
        "ex_value": {"en": "value", "zh": "取值"},
        "ex_label": {"en": "label", "zh": "标签"},
        "ex_prob_delta": {"en": "Δ probability", "zh": "概率变化"},
        "ex_pred_title": {
            "en": "Change of each label's probability after clamping",
            "zh": "钳制后各标签概率的变化",
        },
        "ex_grad_title": {
            "en": "How much the last hidden state still depends on each earlier one",
            "zh": "最后的隐藏状态对此前每一步隐藏状态的依赖还剩多少",
        },
        "ex_grad_x": {"en": "step t", "zh": "第 t 步"},
        "ex_grad_y": {"en": "{norm} (log scale)", "zh": "{norm}（对数坐标）"},
        "ex_cell_rnn": {"en": "vanilla RNN (tanh)", "zh": "普通 RNN(tanh)"},
        "ex_cell_lstm": {"en": "LSTM", "zh": "LSTM（长短期记忆）"},
        "ex_cell_gru": {"en": "GRU", "zh": "GRU（门控循环单元）"},
        # --- issue 19: names of the new cells in the explainers ---
        "ex_cell_rnn_relu": {"en": "vanilla RNN (relu)", "zh": "普通 RNN(relu)"},
        "ex_cell_mingru": {"en": "minGRU", "zh": "minGRU（门只读输入的最小 GRU）"},
        "ex_cell_slstm": {"en": "sLSTM", "zh": "sLSTM（指数门控 LSTM）"},
        "ex_step": {"en": "step", "zh": "步"},
        "ex_numpy": {"en": "NumPy (textbook)", "zh": "NumPy（教科书公式）"},
        "ex_pytorch": {"en": "PyTorch", "zh": "PyTorch 结果"},
        "ex_abs_diff": {"en": "largest |difference|", "zh": "最大 |差值|"},
        "ex_equal": {"en": "✓ equal (≤ 1e-5)", "zh": "✓ 相等（≤ 1e-5）"},
        "ex_not_equal": {"en": "✗ different", "zh": "✗ 不相等"},
        "ex_scratch_title": {
            "en": "The textbook {cell} beside PyTorch, step by step (h, unit 0..{last})",
            "zh": "教科书版 {cell} 与 PyTorch 逐步对照（h，单元 0..{last}）",
        },
        "ex_nocarry_title": {
            "en": "A GRU that never carries h forward: difference from the correct GRU",
            "zh": "从不向前传递 h 的 GRU：与正确 GRU 的差值",
        },
        "ex_diverges": {"en": "diverges here", "zh": "从这里开始偏离"},
        # helper "uploads"
        "up_full": {
            "en": "the server's upload space ({mb} MB) is full of models other people are using; "
            "try again in a while or upload a smaller file (whoever runs the server can raise "
            "RNNVIZ_UPLOADS_MAX_MB)",
            "zh": "服务器的上传空间（{mb} MB）已被其他人正在使用的模型占满；请稍后再试或上传更小的文件"
            "（服务器管理员可以调大 RNNVIZ_UPLOADS_MAX_MB）。",
        },
    }
)

# --- helper "zh": analysis figures, table headers, the uploader's text, model cards ---
STRINGS.update(
    {
        "fa_token": {"en": "token", "zh": "字词"},
        "fa_pos": {"en": "pos", "zh": "位置"},
        "fa_unit": {"en": "unit", "zh": "单元"},
        "fa_token_aligned": {"en": "token (aligned)", "zh": "字词（已对齐）"},
        "fa_prob_top": {"en": "probability of predicted label", "zh": "预测标签的概率"},
        "fa_output": {"en": "output", "zh": "输出"},
        "fa_input": {"en": "input", "zh": "输入"},
        "fa_share": {"en": "share", "zh": "占比"},
        "fa_input_s": {"en": "input token s", "zh": "输入字词 s"},
        "fa_output_t": {"en": "output position t", "zh": "输出位置 t"},
        "fa_tokens": {"en": "tokens", "zh": "字词数"},
        "fa_left": {"en": "left", "zh": "左饱和"},
        "fa_right": {"en": "right", "zh": "右饱和"},
        "fa_separation": {"en": "separation (AUC)", "zh": "区分度（AUC）"},
        "fa_loss": {"en": "loss", "zh": "损失"},
        "fa_accuracy": {"en": "accuracy", "zh": "准确率"},
        "fa_step": {"en": "training step", "zh": "训练步数"},
        "fa_group": {"en": "L{layer} {direction} {gate}", "zh": "第{layer}层·{direction}·{gate}"},
        # table headers (st.dataframe columns), keyed by the library's column name
        "col_column": {"en": "column", "zh": "列"},
        "col_token": {"en": "token", "zh": "字词"},
        "col_label_before": {"en": "label before", "zh": "修改前标签"},
        "col_p_before": {"en": "p before", "zh": "修改前概率"},
        "col_label_after": {"en": "label after", "zh": "修改后标签"},
        "col_p_after": {"en": "p after", "zh": "修改后概率"},
        "col_p_of_before_label_after": {
            "en": "p after of the label before",
            "zh": "修改后原标签的概率",
        },
        "col_flipped": {"en": "changed", "zh": "已改变"},
        "col_layer": {"en": "layer", "zh": "层"},
        "col_direction": {"en": "direction", "zh": "方向"},
        "col_quantity": {"en": "quantity", "zh": "量"},
        "col_max_abs_change": {"en": "largest |change|", "zh": "最大 |变化|"},
        "col_mean_abs_change": {"en": "mean |change|", "zh": "平均 |变化|"},
        "col_cell": {"en": "cell", "zh": "单元类型"},
        "col_gate": {"en": "gate", "zh": "门"},
        "col_unit": {"en": "unit", "zh": "单元"},
        "col_units": {"en": "units", "zh": "单元数"},
        "col_mean_left": {"en": "mean left-saturated", "zh": "平均左饱和比例"},
        "col_mean_right": {"en": "mean right-saturated", "zh": "平均右饱和比例"},
        "col_mean_middle": {"en": "mean in the middle", "zh": "平均中间比例"},
        "col_mostly_left": {"en": "mostly left-saturated", "zh": "多数时间左饱和"},
        "col_mostly_right": {"en": "mostly right-saturated", "zh": "多数时间右饱和"},
        "col_never_saturated": {"en": "rarely saturated", "zh": "很少饱和"},
        "col_model": {"en": "model", "zh": "模型"},
        "col_sentence": {"en": "sentence", "zh": "句子"},
        "col_start": {"en": "start", "zh": "起点"},
        "col_text": {"en": "text", "zh": "文本"},
        "col_length": {"en": "length", "zh": "长度"},
        "col_mean_activation": {"en": "mean activation", "zh": "平均激活值"},
        "col_feature": {"en": "feature", "zh": "特征"},
        "col_r": {"en": "r", "zh": "r"},
        "col_pos": {"en": "part of speech", "zh": "词性"},
        "col_entity": {"en": "entity", "zh": "实体"},
        "col_bmes": {"en": "word position (BMES)", "zh": "词内位置（BMES）"},
        "col_label": {"en": "label", "zh": "标签"},
        "col_depth": {"en": "depth", "zh": "深度"},
        # the uploader (Streamlit draws its own English; the page covers it with these)
        "cu_drop": {"en": "Drag and drop a file here", "zh": "把文件拖放到这里"},
        "cu_browse": {"en": "Upload", "zh": "选择文件"},
        "cu_types": {
            "en": "At most {mb} MB per file · SAFETENSORS, PT, PTH",
            "zh": "每个文件最大 {mb} MB · SAFETENSORS、PT、PTH",
        },
        "lv_progress": {"en": "{step} · loss {loss:.4f}", "zh": "第 {step} 步 · 损失 {loss:.4f}"},
        "cc_card": {"en": "About this model", "zh": "关于此模型"},
        # a custom model described (English comes from CustomModel.describe itself)
        "cu_d_layers": {"en": "{n} layers", "zh": "{n} 层"},
        "cu_d_uni": {"en": "unidirectional", "zh": "单向"},
        "cu_d_input": {"en": "input {n}", "zh": "输入 {n}"},
        "cu_d_hidden": {"en": "hidden {n}", "zh": "隐藏 {n}"},
        "cu_d_proj": {"en": "projection {n}", "zh": "投影 {n}"},
        "cu_d_nobias": {"en": "no bias", "zh": "无偏置"},
        "cu_d_embedding": {"en": "embedding {shape}", "zh": "嵌入 {shape}"},
        "cu_d_vocab": {"en": "vocabulary of {n}", "zh": "{n} 个字词的词表"},
        "cu_d_head": {"en": "linear head to {n} outputs", "zh": "线性输出层，{n} 个输出"},
    }
)

# --- helper "explain2": lessons, memory, clamps, why gates, from scratch (pages) ---
STRINGS.update(
    {
        "page_lessons": {"en": "Guided lessons", "zh": "引导课程"},
        "page_memory": {"en": "Memory provenance", "zh": "记忆溯源"},
        "page_clamps": {"en": "Gate clamps", "zh": "钳制门"},
        "page_gradients": {"en": "Why gates", "zh": "为什么要有门"},
        "page_scratch": {"en": "From scratch", "zh": "从零实现"},
        # memory
        "mem_intro": {
            "en": "An LSTM's c (a GRU's h) is exactly a sum: what each token wrote, times the "
            "keep gates since. No approximation.",
            "zh": "LSTM 的 c（GRU 的 h）恰好是一个求和：每个字词写入的量，乘以此后各保留门的值。"
            "没有任何近似。",
        },
        "mem_no_decomposition": {
            "en": "A {cell} has no gate that keeps its state: it squashes the whole state through "
            "its activation at every step, so its memory has no exact per-token decomposition. "
            "Pick a model whose cell keeps its memory (LSTM, GRU, minGRU, sLSTM) in the sidebar.",
            "zh": "{cell} 没有保留状态的门：每一步都把整个状态压进激活函数，所以它的记忆无法精确"
            "拆分到每个字词。请在侧栏选择一个用门保留记忆的模型（LSTM、GRU、minGRU、sLSTM）。",
        },
        # --- issue 19: the kept factor, read from the cell's spec ---
        "mem_keeps": {
            "en": "A {cell} keeps its memory in {name}: {name}ₜ = {keep} ⊙ {name}ₜ₋₁ + "
            "{write}. {keep} is how much of the old {name} survives a step; the product of "
            "{keep} since a token is how much of its write is still there.",
            "zh": "{cell} 把记忆存放在 {name} 中：{name}ₜ = {keep} ⊙ {name}ₜ₋₁ + {write}。"
            "{keep} 是每一步旧的 {name} 保留下来的比例；某个字词之后各步 {keep} 的乘积，"
            "就是它写入的量还剩多少。",
        },
        "mem_unit_help": {
            "en": "Opens on unit {unit}: the model's measured counter, else the unit whose memory "
            "varies most on this sentence.",
            "zh": "默认单元 {unit}：模型已测得的计数单元；否则取在本句上记忆变化最大的单元。",
        },
        "mem_read_forward": {
            "en": "Row t: what is in {name}[{unit}] after token t, split by the token that wrote "
            "it (columns). Reading left to right, only earlier tokens are filled.",
            "zh": "第 t 行：读完第 t 个字词后 {name}[{unit}] 中的内容，按写入它的字词（列）拆开。"
            "从左往右读，只有之前的字词有值。",
        },
        "mem_read_backward": {
            "en": "Row t: what is in {name}[{unit}] at token t, split by the token that wrote it "
            "(columns). The backward direction reads right to left, so only later tokens are "
            "filled.",
            "zh": "第 t 行：在第 t 个字词处 {name}[{unit}] 中的内容，按写入它的字词（列）拆开。"
            "反向从右往左读，所以只有之后的字词有值。",
        },
        "mem_check": {
            "en": "Check: every row sums to the traced {name}[{unit}] (max difference {diff}).",
            "zh": "校验：每一行之和都等于记录下的 {name}[{unit}]（最大差值 {diff}）。",
        },
        # clamps
        "cl_intro": {
            "en": "Hold a gate at a value for some units over a span of tokens, re-run the "
            "recurrence, and see what changes: later tokens (forward), earlier tokens (backward).",
            "zh": "在一段字词上把某些单元的门固定为某个值，重新运行循环，看看哪里变了："
            "正向影响之后的字词，反向影响之前的字词。",
        },
        "cl_unsupported": {
            "en": "Clamps need an RNN, LSTM or GRU cell; this model is a {cell}.",
            "zh": "钳制需要 RNN、LSTM 或 GRU 单元；当前模型是 {cell}。",
        },
        "cl_gate": {"en": "Gate", "zh": "门"},
        "cl_value": {"en": "Value", "zh": "取值"},
        "cl_units": {"en": "Units", "zh": "单元"},
        "cl_span": {"en": "Tokens", "zh": "字词范围"},
        "cl_none": {
            "en": "No clamp: the re-run equals the trace (max difference {diff}). Choose units "
            "to clamp.",
            "zh": "没有钳制：重新运行的结果等于原记录（最大差值 {diff}）。请选择要钳制的单元。",
        },
        "cl_summary": {
            "en": "Gate **{gate} = {value}** for units **{units}**, tokens **{a}…{b}** "
            "({direction}).",
            "zh": "把单元 **{units}** 的门 **{gate}** 固定为 **{value}**，字词 **{a}…{b}**（{direction}）。",
        },
        "cl_reach": {
            "en": "Steps before the clamp (in reading order) are unchanged: their differences are "
            "exactly zero.",
            "zh": "钳制之前（按读取顺序）的各步不受影响：差值恰好为零。",
        },
        # why gates
        "gr_intro": {
            "en": "Training learns from the gradient. $\\lVert \\partial h_T / \\partial h_t \\rVert$ "
            "measures how much the last "
            "state still depends on the state at step t. A vanilla RNN multiplies one tanh′·U "
            "per step, so the gradient shrinks geometrically: it forgets.",
            "zh": "训练依靠梯度学习。$\\lVert \\partial h_T / \\partial h_t \\rVert$ 衡量最后的状态还依赖第 t 步状态多少。"
            "普通 RNN 每一步都乘一次 tanh′·U，梯度按几何级数缩小：它会遗忘。",
        },
        "gr_keep_bias": {
            "en": "Bias added to the gate that keeps (LSTM f, GRU z)",
            "zh": "加到保留门上的偏置（LSTM 的 f，GRU 的 z）",
        },
        "gr_keep_help": {
            "en": "Untrained networks, PyTorch's default initialisation, 50 random inputs, "
            "hidden size 32. The vanilla RNN has no such gate.",
            "zh": "未训练的网络，PyTorch 默认初始化，50 个随机输入，隐藏维度 32。普通 RNN 没有这样的门。",
        },
        "gr_first": {
            "en": "Left at step 0: {values}.",
            "zh": "第 0 步还剩：{values}。",
        },
        "gr_honest": {
            "en": "Honestly: untrained, with the default biases, the LSTM and GRU vanish too "
            "(about 1e-10 after 50 steps). Gates help once they are set to keep: raise the bias "
            "to 2 or 3 and their gradient survives (about 0.2–0.7), while the vanilla RNN stays "
            "near 1e-13. Training learns such biases.",
            "zh": "实话实说：未经训练、使用默认偏置时，LSTM 和 GRU 的梯度同样会消失（50 步后约 1e-10）。"
            "门只有在被设置为“保留”时才起作用：把偏置调到 2 或 3，它们的梯度就能保留下来"
            "（约 0.2–0.7），而普通 RNN 仍在 1e-13 左右。训练会学到这样的偏置。",
        },
        "gr_model_title": {
            "en": "The selected model on the current sentence",
            "zh": "当前所选模型在当前句子上",
        },
        "gr_model_unsupported": {
            "en": "This model's recurrent layer is not an RNN, LSTM or GRU.",
            "zh": "此模型的循环层不是 RNN、LSTM 或 GRU。",
        },
        "gr_computing": {"en": "Computing the gradients…", "zh": "正在计算梯度……"},
        "gr_model_caption": {
            "en": "{model}, {direction}: ‖∂hₗₐₛₜ/∂hₜ‖ over the sentence (hₗₐₛₜ: the last state read).",
            "zh": "{model}，{direction}：整句上的 ‖∂hₗₐₛₜ/∂hₜ‖（hₗₐₛₜ：最后读到的状态）。",
        },
        "gr_model_note": {
            "en": "At the last token read the Jacobian is the identity (norm √H). A trained "
            "model's curve shows how far back its memory reaches on this sentence.",
            "zh": "在最后读到的字词处雅可比矩阵是单位矩阵（范数 √H）。训练过的模型的曲线显示"
            "它在这句话上的记忆能追溯多远。",
        },
        # from scratch
        "sc_intro": {
            "en": "The textbook equations in NumPy, checked against PyTorch on the same input; a "
            "classic bug; and PyTorch's GRU used two ways. Shapes: batch 10, sequence 6, input 3, "
            "hidden 8.",
            "zh": "用 NumPy 写的教科书公式，与 PyTorch 在同一输入上对照；一个经典错误；以及 PyTorch "
            "GRU 的两种用法。形状：批大小 10，序列长 6，输入 3，隐藏 8。",
        },
        "sc_cell": {"en": "Cell", "zh": "单元类型"},
        "sc_cell_gru": {"en": "GRU", "zh": "GRU"},
        "sc_cell_lstm": {"en": "LSTM", "zh": "LSTM"},
        "sc_textbook": {
            "en": "One layer from scratch beside PyTorch",
            "zh": "从零实现的一层，与 PyTorch 对照",
        },
        "sc_ok": {
            "en": "✓ NumPy equals PyTorch (max difference {diff} ≤ 1e-5)",
            "zh": "✓ NumPy 与 PyTorch 相等（最大差值 {diff} ≤ 1e-5）",
        },
        "sc_not_ok": {
            "en": "✗ NumPy and PyTorch differ (max difference {diff})",
            "zh": "✗ NumPy 与 PyTorch 不相等（最大差值 {diff}）",
        },
        "sc_bug": {
            "en": "The classic bug: a loop that never carries h forward",
            "zh": "经典错误：循环从不把 h 向前传递",
        },
        "sc_diverges": {
            "en": "Step 0 agrees (both start from h0); the buggy GRU diverges from step **{step}**.",
            "zh": "第 0 步一致（都从 h0 开始）；有错误的 GRU 从第 **{step}** 步开始偏离。",
        },
        "sc_never": {"en": "The two never diverge here.", "zh": "两者在这里从未偏离。"},
        "sc_ways": {
            "en": "Many-to-many vs many-to-one",
            "zh": "多对多与多对一",
        },
        "sc_ways_text": {
            "en": "The same nn.GRU(3, 8, batch_first=True) and nn.Linear(8, 2): a prediction at "
            "every step (the Linear on out), or one per sequence (the Linear on the last h).",
            "zh": "同一个 nn.GRU(3, 8, batch_first=True) 和 nn.Linear(8, 2)：每一步都预测"
            "（Linear 作用于 out），或每个序列只预测一次（Linear 作用于最后的 h）。",
        },
        "sc_many_to_many": {"en": "Many-to-many", "zh": "多对多"},
        "sc_many_to_one": {"en": "Many-to-one", "zh": "多对一"},
        "sc_tensor": {"en": "tensor", "zh": "张量"},
        "sc_shape": {"en": "shape", "zh": "形状"},
        "sc_ways_equal": {
            "en": "Many-to-one equals many-to-many's last step (max difference {diff}).",
            "zh": "多对一等于多对多的最后一步（最大差值 {diff}）。",
        },
        # --- issue 19: which cells can run all their steps at once ---
        "sc_parallel": {
            "en": "Why minGRU can be trained in parallel",
            "zh": "为什么 minGRU 可以并行训练",
        },
        "sc_parallel_text": {
            "en": "An LSTM's or GRU's gates at step t read h(t−1): step t must wait for step t−1, "
            "so {steps} steps are {steps} rounds one after another. minGRU's gates read only x(t), "
            "so every h(t) = a(t) ⊙ h(t−1) + b(t) has its a and b before the first step, and the "
            "whole sequence is a scan: {rounds} rounds of whole-array products for {steps} steps. "
            "Below, each cell's gates computed from x alone (h(t−1) taken as 0) against its true "
            "gates: only a cell whose gates ignore h(t−1) gets them right.",
            "zh": "LSTM 或 GRU 在第 t 步的门要读 h(t−1)：第 t 步必须等第 t−1 步算完，"
            "所以 {steps} 步就是先后相继的 {steps} 轮。minGRU 的门只读 x(t)，"
            "每个 h(t) = a(t) ⊙ h(t−1) + b(t) 的 a 和 b 在第一步之前就都已知，"
            "整个序列就是一次扫描（scan）：{steps} 步只需 {rounds} 轮整批的乘加。"
            "下表：每种单元只用 x 算出的门（把 h(t−1) 当作 0）与真实的门之差："
            "只有门不读 h(t−1) 的单元才算得对。",
        },
        "sc_parallel_col": {
            "en": "max |gates from x alone − true gates|",
            "zh": "最大 |只用 x 算的门 − 真实的门|",
        },
        "sc_scan_equal": {
            "en": "{cell}: the parallel scan and the step-by-step loop (the module's own forward) "
            "give the same h over {steps} steps, to float rounding (max difference {diff}).",
            "zh": "{cell}：并行扫描与逐步循环（模块自己的前向计算）在 {steps} 步上得到同样的 h，"
            "只差浮点舍入（最大差值 {diff}）。",
        },
        # lessons: the frame
        "ls_intro": {
            "en": "Short tours: each stage picks the model, sentence and unit for you, asks a "
            "question, and reveals the answer once you have guessed. Each lesson has its own link.",
            "zh": "简短的导览：每一步都为你选好模型、句子和单元，先提一个问题，等你猜完再揭晓答案。"
            "每节课都有自己的链接。",
        },
        "ls_missing": {
            "en": "This lesson needs models that are not shipped here: {models}.",
            "zh": "本课需要的模型没有随应用提供：{models}。",
        },
        "ls_all": {"en": "All lessons", "zh": "全部课程"},
        "ls_stage": {"en": "Stage {k} of {n}", "zh": "第 {k} 步，共 {n} 步"},
        "ls_reveal": {"en": "Reveal", "zh": "揭晓答案"},
        "ls_right": {"en": "Right: {answer}.", "zh": "答对了：{answer}。"},
        "ls_wrong": {
            "en": "Not quite: the answer is “{answer}”.",
            "zh": "不太对：答案是“{answer}”。",
        },
        "ls_back": {"en": "← Back", "zh": "← 上一步"},
        "ls_next": {"en": "Next →", "zh": "下一步 →"},
        "ls_done": {"en": "Lesson complete.", "zh": "本课完成。"},
        # lesson: how an LSTM remembers
        "ls_memory_title": {"en": "How an LSTM remembers", "zh": "LSTM 如何记忆"},
        "ls_memory_intro": {
            "en": "count-lstm counts brackets in its cell state: watch its counter unit go down "
            "and up.",
            "zh": "count-lstm 在细胞状态里数括号：看它的计数单元如何下降又回升。",
        },
        "ls_memory_0_title": {"en": "A counter in the cell state", "zh": "细胞状态里的计数器"},
        "ls_memory_0_text": {
            "en": "count-lstm reads brackets and says after each one whether the prefix is "
            "balanced, open or invalid. For that it must count. Its counter is unit {unit} of "
            "the cell state c. The input: five “(”.",
            "zh": "count-lstm 逐个读括号，并在每个括号后判断前缀是平衡、未闭合还是非法。"
            "为此它必须计数。它的计数器是细胞状态 c 的第 {unit} 个单元。输入：五个“(”。",
        },
        "ls_memory_0_q": {
            "en": "What does c[{unit}] do at each “(”?",
            "zh": "每读到一个“(”，c[{unit}] 会怎样？",
        },
        "ls_memory_0_o0": {"en": "it rises by about 1", "zh": "上升约 1"},
        "ls_memory_0_o1": {"en": "it falls by about 1", "zh": "下降约 1"},
        "ls_memory_0_o2": {"en": "it stays where it is", "zh": "保持不变"},
        "ls_memory_0_why": {
            "en": "It falls by about 1 per “(” ({cs}): the input gate writes i·g ≈ {write} on "
            "average each time and the forget gate (f ≥ {fmin} at every step) keeps everything "
            "already there.",
            "zh": "每个“(”让它下降约 1（{cs}）：输入门每次平均写入 i·g ≈ {write}，"
            "遗忘门（每一步 f ≥ {fmin}）把已有的内容全部保留。",
        },
        "ls_memory_1_title": {"en": "Closing brackets", "zh": "右括号"},
        "ls_memory_1_text": {
            "en": "Now five “)” follow: ((((())))).",
            "zh": "接下来是五个“)”：((((()))))。",
        },
        "ls_memory_1_q": {
            "en": "What does c[{unit}] do at each “)”?",
            "zh": "每读到一个“)”，c[{unit}] 会怎样？",
        },
        "ls_memory_1_o0": {"en": "it keeps falling", "zh": "继续下降"},
        "ls_memory_1_o1": {"en": "it rises by about 1", "zh": "上升约 1"},
        "ls_memory_1_o2": {"en": "it jumps back to 0 at once", "zh": "一下子回到 0"},
        "ls_memory_1_why": {
            "en": "It climbs back by about 1 per “)” ({cs}). Back near its start, the head reads "
            "“balanced”. The steps are not exactly 1, so very deep nesting slowly drifts.",
            "zh": "每个“)”让它回升约 1（{cs}）。回到起点附近时，输出层读出“平衡”。"
            "每步并不恰好是 1，所以嵌套很深时会慢慢漂移。",
        },
        "ls_memory_2_title": {"en": "What is still in memory", "zh": "记忆里还剩什么"},
        "ls_memory_2_text": {
            "en": "The provenance heatmap splits c[{unit}] at every token into what each earlier token "
            "wrote, times the forget gates since. The rows sum exactly to c[{unit}].",
            "zh": "溯源热力图把每个字词处的 c[{unit}] 拆成此前每个字词写入的量，乘以此后的遗忘门。"
            "每一行之和恰好等于 c[{unit}]。",
        },
        "ls_memory_2_q": {
            "en": "At the last token, how much of what the first “(” wrote ({first}) is still in "
            "c[{unit}]?",
            "zh": "读到最后一个字符时，第一个“(”写入的量（{first}）还有多少留在 c[{unit}] 里？",
        },
        "ls_memory_2_o0": {"en": "almost all of it", "zh": "几乎全部"},
        "ls_memory_2_o1": {"en": "about half", "zh": "大约一半"},
        "ls_memory_2_o2": {"en": "almost nothing", "zh": "几乎没有"},
        "ls_memory_2_why": {
            "en": "Almost all: {kept} is still there at the last token, because f[{unit}] ≥ "
            "{fmin} at every step. c[{unit}] is the plain sum of the writes, a counter: the “(” "
            "writes and the “)” writes have opposite signs and cancel.",
            "zh": "几乎全部：到最后一个字符时 {kept} 仍然在，因为每一步 f[{unit}] ≥ {fmin}。"
            "c[{unit}] 就是各次写入的简单求和，也就是计数器：“(”与“)”写入的符号相反，互相抵消。",
        },
        # lesson: reading both ways
        "ls_bothways_title": {"en": "Reading both ways", "zh": "双向阅读"},
        "ls_bothways_intro": {
            "en": "cws-bilstm reads a sentence left to right and right to left at once.",
            "zh": "cws-bilstm 同时从左往右和从右往左读一句话。",
        },
        "ls_bothways_0_title": {
            "en": "The backward direction reads right to left",
            "zh": "反向从右往左读",
        },
        "ls_bothways_0_text": {
            "en": "cws-bilstm splits Chinese text into words with two LSTMs: the forward one reads "
            "我 → 。, the backward one reads 。 → 我. We look at unit {unit} of the backward "
            "direction's c, at 北 (position 2).",
            "zh": "cws-bilstm 用两个 LSTM 给中文分词：正向从 我 读到 。，反向从 。 读到 我。"
            "我们看反向 c 的第 {unit} 个单元，位置是 北（第 2 个）。",
        },
        "ls_bothways_0_q": {
            "en": "At 北, which tokens has the backward direction read?",
            "zh": "在 北 处，反向已经读过哪些字？",
        },
        "ls_bothways_0_o0": {"en": "我 爱 北 (positions 0–2)", "zh": "我 爱 北（第 0–2 个）"},
        "ls_bothways_0_o1": {
            "en": "北 京 天 安 门 。 (positions 2–7)",
            "zh": "北 京 天 安 门 。（第 2–7 个）",
        },
        "ls_bothways_0_o2": {"en": "only 北", "zh": "只有 北"},
        "ls_bothways_0_why": {
            "en": "Everything from the end back to 北. In the backward provenance heatmap the "
            "filled cells lie right of the diagonal: each token's memory holds the tokens after it.",
            "zh": "从句尾一直到 北 的所有字。在反向溯源热力图中，有值的格子在对角线右侧："
            "每个字处的记忆装的是它后面的字。",
        },
        "ls_bothways_1_title": {"en": "Who knows that a word ends?", "zh": "谁知道词在哪里结束？"},
        "ls_bothways_1_text": {
            "en": "北京 is a word and 京 ends it: its label is E (word end). A label's score is "
            "exactly a forward part + a backward part + a bias.",
            "zh": "北京 是一个词，京 是词尾：它的标签是 E（词尾）。每个标签的分数恰好等于"
            "正向部分 + 反向部分 + 偏置。",
        },
        "ls_bothways_1_q": {
            "en": "At 京, which part of label E's score is larger?",
            "zh": "在 京 处，标签 E 的分数中哪一部分更大？",
        },
        "ls_bothways_1_o0": {"en": "the forward part", "zh": "正向部分"},
        "ls_bothways_1_o1": {"en": "the backward part", "zh": "反向部分"},
        "ls_bothways_1_o2": {"en": "they are equal", "zh": "两者相等"},
        "ls_bothways_1_why": {
            "en": "The forward part ({fwd}) beats the backward part ({bwd}): having read 北京, "
            "the forward LSTM already knows a frequent two-character word. The backward part, "
            "which has seen 天安门 after 京, adds that a new word starts next.",
            "zh": "正向部分（{fwd}）大于反向部分（{bwd}）：读过 北京 后，正向 LSTM 已经认出一个"
            "常见的双字词。反向部分看过 京 后面的 天安门，补充了“下一个字开始新词”的证据。",
        },
        "ls_bothways_2_title": {"en": "One unit, both directions", "zh": "同一个单元，两个方向"},
        "ls_bothways_2_text": {
            "en": "The chart draws unit {unit}'s h along the sentence: solid for the forward "
            "direction, dashed for the backward.",
            "zh": "图中画出第 {unit} 个单元的 h 在整句上的变化：实线是正向，虚线是反向。",
        },
        "ls_bothways_2_q": {
            "en": "Where does the backward direction start reading?",
            "zh": "反向从哪里开始读？",
        },
        "ls_bothways_2_o0": {"en": "at the left end (我)", "zh": "左端（我）"},
        "ls_bothways_2_o1": {"en": "at the right end (。)", "zh": "右端（。）"},
        "ls_bothways_2_why": {
            "en": "At the right end: its first state is at 。 (position 7) and its last at 我. "
            "Token order is kept in every chart, so the dashed line is read right to left.",
            "zh": "右端：它的第一个状态在 。（第 7 个），最后一个在 我。所有图都按字的顺序排列，"
            "所以虚线要从右往左读。",
        },
        # lesson: GRU vs LSTM on long inputs
        "ls_gruvslstm_title": {"en": "GRU vs LSTM on long inputs", "zh": "长输入上的 GRU 与 LSTM"},
        "ls_gruvslstm_intro": {
            "en": "On 30 nested brackets the LSTM keeps counting; the GRU saturates.",
            "zh": "在 30 层嵌套括号上，LSTM 一直在数，GRU 却饱和了。",
        },
        "ls_gruvslstm_0_title": {"en": "The LSTM on a long input", "zh": "长输入上的 LSTM"},
        "ls_gruvslstm_0_text": {
            "en": "60 brackets: 30 “(” then 30 “)”. Training sequences nested at most 20 deep.",
            "zh": "60 个括号：30 个“(”再接 30 个“)”。训练序列最多嵌套 20 层。",
        },
        "ls_gruvslstm_0_q": {
            "en": "What does the LSTM's counter c[{unit}] do over the 30 “(”?",
            "zh": "在这 30 个“(”上，LSTM 的计数器 c[{unit}] 会怎样？",
        },
        "ls_gruvslstm_0_o0": {
            "en": "keeps counting, down to about {about}",
            "zh": "一直数下去，降到约 {about}",
        },
        "ls_gruvslstm_0_o1": {"en": "stops near −1", "zh": "停在 −1 附近"},
        "ls_gruvslstm_0_o2": {"en": "turns around halfway", "zh": "中途掉头"},
        "ls_gruvslstm_0_why": {
            "en": "It keeps counting: {cs}, … {deep} at the 30th “(”, then back up to {end} at "
            "the end. The cell state is a sum, never squashed, so nothing stops it.",
            "zh": "它一直在数：{cs}……第 30 个“(”时到 {deep}，最后回升到 {end}。"
            "细胞状态是一个求和，从不被压缩，所以没有什么能让它停下。",
        },
        "ls_gruvslstm_1_title": {"en": "The GRU on the same input", "zh": "同样输入上的 GRU"},
        "ls_gruvslstm_1_text": {
            "en": "count-gru learned the same task; its best counter is h[{unit}]. A GRU's h is a "
            "blend (1 − z)·n + z·h of tanh values, so it can never leave −1…1.",
            "zh": "count-gru 学的是同一个任务，它最好的计数单元是 h[{unit}]。GRU 的 h 是 tanh 值的"
            "混合 (1 − z)·n + z·h，所以永远不会超出 −1…1。",
        },
        "ls_gruvslstm_1_q": {
            "en": "What does h[{unit}] do over the 30 “(”?",
            "zh": "在这 30 个“(”上，h[{unit}] 会怎样？",
        },
        "ls_gruvslstm_1_o0": {
            "en": "counts like the LSTM, down to about −29",
            "zh": "像 LSTM 一样数到约 −29",
        },
        "ls_gruvslstm_1_o1": {
            "en": "flattens out near −1: it saturates",
            "zh": "在 −1 附近变平：饱和了",
        },
        "ls_gruvslstm_1_o2": {"en": "resets to 0", "zh": "归零"},
        "ls_gruvslstm_1_why": {
            "en": "It saturates: {hs}, … {h21} at the 21st “(”, {h30} at the 30th. Each new “(” "
            "moves it less, so depth 25 and depth 30 look almost the same.",
            "zh": "它饱和了：{hs}……第 21 个“(”时 {h21}，第 30 个时 {h30}。"
            "每多一个“(”它动得更少，所以 25 层和 30 层几乎分不出来。",
        },
        "ls_gruvslstm_2_title": {"en": "Who gets it right?", "zh": "谁答对了？"},
        "ls_gruvslstm_2_text": {
            "en": "The string is balanced. Below: each model's label probabilities after every "
            "bracket, the LSTM first, then the GRU.",
            "zh": "这个串是平衡的。下面是每个模型在每个括号后的标签概率，先 LSTM，后 GRU。",
        },
        "ls_gruvslstm_2_q": {
            "en": "At the last “)”, which model says “balanced”?",
            "zh": "读到最后一个“)”时，哪个模型说“平衡”？",
        },
        "ls_gruvslstm_2_o0": {"en": "both", "zh": "两个都说"},
        "ls_gruvslstm_2_o1": {"en": "only the LSTM", "zh": "只有 LSTM"},
        "ls_gruvslstm_2_o2": {"en": "only the GRU", "zh": "只有 GRU"},
        "ls_gruvslstm_2_o3": {"en": "neither", "zh": "都不说"},
        "ls_gruvslstm_2_why": {
            "en": "Only the LSTM ({lstm_label}, {lstm_p}). The GRU says “{gru_label}” ({gru_p}): "
            "its saturated counter cannot tell how many “)” are still owed. On test sequences "
            "twice the training length the LSTM gets {lstm_acc} of sequences right, the GRU "
            "{gru_acc}.",
            "zh": "只有 LSTM（{lstm_label}，{lstm_p}）。GRU 说“{gru_label}”（{gru_p}）：它饱和的"
            "计数器分不清还欠几个“)”。在两倍训练长度的测试序列上，LSTM 答对 {lstm_acc} 的序列，"
            "GRU 只答对 {gru_acc}。",
        },
        # lesson: why gates
        "ls_whygates_title": {
            "en": "Why gates: the vanilla RNN forgets",
            "zh": "为什么要有门：普通 RNN 会遗忘",
        },
        "ls_whygates_intro": {
            "en": "The vanishing gradient, measured: a vanilla RNN, an LSTM and a GRU side by side.",
            "zh": "实测梯度消失：普通 RNN、LSTM 和 GRU 并排对比。",
        },
        "ls_whygates_0_title": {"en": "A vanilla RNN forgets", "zh": "普通 RNN 会遗忘"},
        "ls_whygates_0_text": {
            "en": "Untrained networks with PyTorch's default initialisation read the same 50 random "
            "inputs. The curves show ‖∂h₅₀/∂hₜ‖: how much the last state still depends on the "
            "state at step t. Training can only learn from what this gradient carries back.",
            "zh": "使用 PyTorch 默认初始化的未训练网络读入同样的 50 个随机输入。曲线是 ‖∂h₅₀/∂hₜ‖："
            "最后的状态还依赖第 t 步的状态多少。训练只能从这个梯度带回的信息中学习。",
        },
        "ls_whygates_0_q": {
            "en": "How much is left at step 0 for the vanilla RNN?",
            "zh": "对普通 RNN 来说，第 0 步还剩多少？",
        },
        "ls_whygates_0_o0": {"en": "about 1", "zh": "约 1"},
        "ls_whygates_0_o1": {"en": "about 0.1", "zh": "约 0.1"},
        "ls_whygates_0_o2": {
            "en": "practically nothing (about {rnn})",
            "zh": "几乎为零（约 {rnn}）",
        },
        "ls_whygates_0_why": {
            "en": "About {rnn}: every step multiplies the gradient by tanh′·U and the product "
            "shrinks geometrically. Honestly: untrained, the LSTM and GRU vanish too (about "
            "{lstm} and {gru}); gates help once they are set to keep.",
            "zh": "约 {rnn}：每一步梯度都乘一次 tanh′·U，乘积按几何级数缩小。实话实说：未训练时 "
            "LSTM 和 GRU 也会消失（约 {lstm} 和 {gru}）；门只有被设置为“保留”时才有用。",
        },
        "ls_whygates_1_title": {"en": "Gates that keep", "zh": "会“保留”的门"},
        "ls_whygates_1_text": {
            "en": "Now add 3 to the bias of the gate that keeps memory: the LSTM's forget gate f, "
            "the GRU's update gate z. The vanilla RNN has no such gate.",
            "zh": "现在给负责保留记忆的门的偏置加 3：LSTM 的遗忘门 f，GRU 的更新门 z。普通 RNN 没有这样的门。",
        },
        "ls_whygates_1_q": {
            "en": "Which cells now keep a gradient from 50 steps back?",
            "zh": "现在哪些网络还能保留 50 步之前的梯度？",
        },
        "ls_whygates_1_o0": {"en": "all three", "zh": "三个都能"},
        "ls_whygates_1_o1": {"en": "the LSTM and the GRU", "zh": "LSTM 和 GRU"},
        "ls_whygates_1_o2": {"en": "none", "zh": "都不能"},
        "ls_whygates_1_why": {
            "en": "LSTM about {lstm}, GRU about {gru}, the vanilla RNN still about {rnn}. With f "
            "(or z) near 1 the path through c (or h) multiplies numbers near 1 instead of "
            "tanh′·U, so the gradient survives. This is why gates exist.",
            "zh": "LSTM 约 {lstm}，GRU 约 {gru}，普通 RNN 仍约 {rnn}。f（或 z）接近 1 时，经过 c"
            "（或 h）的路径乘的是接近 1 的数，而不是 tanh′·U，梯度得以保留。这就是门存在的原因。",
        },
        "ls_whygates_2_title": {"en": "A trained LSTM", "zh": "训练过的 LSTM"},
        "ls_whygates_2_text": {
            "en": "The trained count-lstm on 60 brackets (30 “(” then 30 “)”).",
            "zh": "训练过的 count-lstm 读 60 个括号（30 个“(”再接 30 个“)”）。",
        },
        "ls_whygates_2_q": {
            "en": "Does ‖∂h₅₉/∂hₜ‖ vanish on the way back to the first bracket?",
            "zh": "‖∂h₅₉/∂hₜ‖ 在回到第一个括号的路上会消失吗？",
        },
        "ls_whygates_2_o0": {"en": "yes, below 1e-6", "zh": "会，低于 1e-6"},
        "ls_whygates_2_o1": {"en": "no, it stays above 0.01", "zh": "不会，保持在 0.01 以上"},
        "ls_whygates_2_why": {
            "en": "No: before the last token it stays between about {low} and {high} ({last} at "
            "the last token, where the Jacobian is the identity: √{units}). Training made the "
            "memory keep, so the gradient reaches the first bracket.",
            "zh": "不会：在最后一个字符之前它保持在约 {low} 到 {high} 之间（最后一个字符处雅可比"
            "矩阵是单位矩阵，范数 √{units} = {last}）。训练让记忆学会保留，所以梯度能传回第一个括号。",
        },
    }
)

# --- issue 18: the models' own labels, the lessons' measured facts, our own messages ---
STRINGS.update(
    {
        # a model's labels as shown (config.json keeps the English names)
        "lab_balanced": {"en": "balanced", "zh": "平衡"},
        "lab_open": {"en": "open", "zh": "未闭合"},
        "lab_invalid": {"en": "invalid", "zh": "非法"},
        "lab_negative": {"en": "negative", "zh": "负面"},
        "lab_positive": {"en": "positive", "zh": "正面"},
        # a shared link naming a model uploaded in another session
        "link_model_missing": {
            "en": "This link names a model uploaded in another browser session ({name}); uploads "
            "stay with the session that made them. Showing {model} instead: upload the file on "
            "“Your own model” to see it here.",
            "zh": "这个链接指向在另一个浏览器会话中上传的模型（{name}）；上传的模型只属于上传它的会话。"
            "现在显示的是 {model}：请在“上传你的模型”页上传该文件，才能在这里查看。",
        },
        # the task heading of the user's own model (Predictions)
        "task_custom": {"en": "Your own model's labels", "zh": "你的模型的标签"},
        # the sentence box for a model that reads numbers or token ids (counts steps)
        "sentence_help_steps": {
            "en": "Your own model reads numbers: one step per line (or “;”), a step's numbers "
            "separated by spaces; “0.5*8” stands for eight 0.5. At most {n} steps.",
            "zh": "你的模型读的是数字：每行（或用“;”分隔）一步，一步中的数字用空格分隔；"
            "“0.5*8”表示 8 个 0.5。最多 {n} 步。",
        },
        # messages of the library, translated (CustomModelError keys, What if's edits)
        "err_untranslated": {"en": "{error}", "zh": "（英文原文）{error}"},
        "cu_err_size": {
            "en": "{filename} is {mb} MB; the limit is {limit} MB",
            "zh": "{filename} 有 {mb} MB，上限是 {limit} MB",
        },
        "cu_err_empty": {"en": "{filename} is empty", "zh": "{filename} 是空文件"},
        "cu_err_type": {
            "en": "{filename}: upload a .safetensors file or a .pt/.pth state dict",
            "zh": "{filename}：请上传 .safetensors 文件，或用 .pt/.pth 保存的 state dict",
        },
        "cu_err_unreadable": {
            "en": "{filename} is not a readable torch file (damaged or truncated)",
            "zh": "{filename} 不是可读取的 torch 文件（已损坏或不完整）",
        },
        "cu_err_pickle": {
            "en": "{filename} was refused without running it: it asks to call or build objects "
            "that are not plain tensors (it calls {call}). Save the state dict "
            "(torch.save(model.state_dict(), path)) or use safetensors.",
            "zh": "{filename} 未经运行就被拒绝了：它要求调用或构建张量以外的对象（它调用 {call}）。"
            "请只保存 state dict（torch.save(model.state_dict(), path)），或改用 safetensors。",
        },
        "cu_err_no_tensors": {
            "en": "{filename} holds no tensors",
            "zh": "{filename} 里没有张量",
        },
        "cu_err_gone": {
            "en": "the uploaded file {name} is gone; upload it again",
            "zh": "上传的文件 {name} 已不在服务器上，请重新上传",
        },
        "cu_err_missing": {"en": "missing tensor {name}", "zh": "缺少张量 {name}"},
        "cu_err_ids": {
            "en": "token ids must be in 0..{top}; got {bad}",
            "zh": "字词编号必须在 0..{top} 之间，收到的是 {bad}",
        },
        "cu_err_no_steps": {
            "en": "the input is empty; type at least one step",
            "zh": "输入是空的，请至少输入一步",
        },
        "cu_err_steps": {
            "en": "at most {limit} steps; got {steps}",
            "zh": "最多 {limit} 步，这里有 {steps} 步",
        },
        "cu_err_numbers": {
            "en": "type numbers only (one step per line or “;”)",
            "zh": "请只输入数字（每行或每个“;”一步）",
        },
        "cu_err_width": {
            "en": "each step needs {width} numbers (one step per line or “;”); step {step} has {n}",
            "zh": "每一步需要 {width} 个数字（每行或每个“;”一步）；第 {step} 步有 {n} 个",
        },
        "cu_wrong_type": {
            "en": "{filename} is not a model file: upload a .safetensors, .pt or .pth file.",
            "zh": "{filename} 不是模型文件：请上传 .safetensors、.pt 或 .pth 文件。",
        },
        "cu_still": {
            "en": "The model in use is still {name}.",
            "zh": "正在使用的仍是 {name}。",
        },
        "cu_still_none": {
            "en": "No model of your own is in use.",
            "zh": "目前没有在用你自己的模型。",
        },
        "wi_only_token": {
            "en": "The sentence has only one token: there is nothing left if it is deleted. "
            "Insert or replace instead.",
            "zh": "这句话只有一个字词，删掉就什么都不剩了。请改用插入或替换。",
        },
        "wi_needs_token": {
            "en": "Type the new token first.",
            "zh": "请先输入新的字词。",
        },
        # Gate clamps: our own unit picker
        "cl_units_help": {
            "en": "Unit numbers 0–{top}, separated by commas; a range as 3-7.",
            "zh": "单元编号 0–{top}，用逗号分隔；范围写作 3-7。",
        },
        "cl_units_refused": {
            "en": "Not a unit here (0–{top}): {items}",
            "zh": "不是这里的单元（0–{top}）：{items}",
        },
        "cl_units_lines": {
            "en": "The line chart shows the first {k} of the {n} clamped units; the heatmaps show "
            "all.",
            "zh": "折线图只画出被钳制的 {n} 个单元中的前 {k} 个；热力图画出全部。",
        },
        "steps_read": {
            "en": "{steps} steps of {width} numbers read.",
            "zh": "已读入 {steps} 步，每步 {width} 个数字。",
        },
    }
)

# --- issue 18, round 2: Why gates per direction, projector and dark theme ---
STRINGS.update(
    {
        "ex_grad_title_dir": {
            "en": "The {direction} direction: how much the last state it read depends on each step",
            "zh": "{direction}方向：它最后读到的状态对每一步状态的依赖还剩多少",
        },
    }
)

STRINGS.update(
    {
        # helper "pages": step story, timeline, compare by mechanism
        "timeline": {"en": "over the sentence", "zh": "整句变化"},
        "split_explain_rnn": {
            "en": "A vanilla RNN keeps nothing of the old state as it is (blue is 0): the new hₜ "
            "(◆) is all written anew from xₜ and hₜ₋₁, which is why it forgets.",
            "zh": "普通 RNN 不原样保留任何旧状态（蓝色为 0）：新的 hₜ（◆）全部由 xₜ 和 hₜ₋₁ "
            "重新写出，所以它容易遗忘。",
        },
        "split_explain_rnn_relu": {
            "en": "A vanilla RNN (relu) keeps nothing of the old state as it is (blue is 0): the "
            "new hₜ (◆) is all written anew, and relu lets it grow without bound.",
            "zh": "普通 RNN（relu）不原样保留任何旧状态（蓝色为 0）：新的 hₜ（◆）全部重新写出，"
            "而 relu 让它可以无限增大。",
        },
        "play_reads": {"en": "Play reads", "zh": "播放方向"},
        "play_forward": {"en": "forward → (left to right)", "zh": "正向 →（从左到右）"},
        "play_backward": {"en": "backward ← (right to left)", "zh": "反向 ←（从右到左）"},
        "story_unit_signal": {
            "en": "Unit {unit} ({direction}) is the unit whose {quantity} best follows the {signal} "
            "(correlation r = {r:.2f}).",
            "zh": "单元 {unit}（{direction}）的 {quantity} 最贴近{signal}（相关系数 r = {r:.2f}）。",
        },
        "story_unit_variance": {
            "en": "Unit {unit} ({direction}) is the unit whose {quantity} changes most over the "
            "model's example sentences.",
            "zh": "单元 {unit}（{direction}）的 {quantity} 在模型示例句子上变化最大。",
        },
        "story_go": {"en": "Show unit {unit}", "zh": "查看单元 {unit}"},
        "signal_depth": {"en": "bracket depth", "zh": "括号深度"},
        "signal_boundary": {"en": "start of a word (B or S)", "zh": "词的开头（B 或 S）"},
        "signal_entity": {"en": "inside an entity", "zh": "位于实体内部"},
        "notice_title": {"en": "What to notice", "zh": "值得注意的地方"},
        "notice_count": {
            "en": "- Watch **c** of the counter unit: it climbs by about the same amount at every "
            "“(” and falls at every “)”, so it *is* the bracket depth.\n"
            "- The forget gate **f** stays near 1: the LSTM keeps its count instead of "
            "rewriting it.\n"
            "- On Compare, the GRU has no c: its h must count and saturates near ±1.",
            "zh": "- 看计数单元的 **c**：每个“(”让它升高大约相同的量，每个“)”让它下降，它就是括号深度。\n"
            "- 遗忘门 **f** 一直接近 1：LSTM 保留计数而不是重写它。\n"
            "- 在“对比”页上，GRU 没有 c：只能用 h 计数，而 h 会在 ±1 附近饱和。",
        },
        "notice_cws": {
            "en": "- The word-boundary unit jumps at the first character of each word (tags B and "
            "S).\n- Play the backward direction: it reads right to left, so it already knows "
            "what comes after each character.\n"
            "- The update gate z (GRU) or forget gate f (LSTM) drops where a word ends: the old "
            "state is thrown away.",
            "zh": "- 词边界单元在每个词的第一个字（标签 B 和 S）处跳变。\n"
            "- 把播放方向切到反向：它从右往左读，因此在每个字处已经知道后面是什么。\n"
            "- 在词结束的地方，更新门 z（GRU）或遗忘门 f（LSTM）会下降：旧状态被丢弃。",
        },
        "notice_ner": {
            "en": "- The chosen unit turns on inside names of people, places and organisations.\n"
            "- Both directions matter: a name's end is easier to see from the right.",
            "zh": "- 选中的单元在人名、地名、机构名内部被激活。\n"
            "- 两个方向都重要：名字的结尾从右边更容易看出来。",
        },
        "notice_pos": {
            "en": "- Gates change most at word boundaries: each word gets a fresh tag.\n"
            "- Compare the forward and backward cells at the same character: they have read "
            "different halves of the sentence.",
            "zh": "- 门在词边界处变化最大：每个词都有新的词性。\n"
            "- 比较同一个字上的正向和反向单元：它们读过的是句子的不同两半。",
        },
        "notice_sentiment": {
            "en": "- Only the last step's h decides the label: watch how it moves at words like "
            "“不” or “好”.\n- The update gate z near 1 means the GRU keeps what it had.",
            "zh": "- 只有最后一步的 h 决定标签：看它在“不”“好”这样的字上怎么变化。\n"
            "- 更新门 z 接近 1 表示 GRU 保留原有的内容。",
        },
        "cmp_quantity": {"en": "gate or state", "zh": "门或状态"},
        "cmp_intro": {
            "en": "The same sentence through the {task} models, each shown with its own best unit "
            "for the task (found by analysis, not by unit number), on one step cursor.",
            "zh": "同一句话经过 {task} 任务的各个模型；每个模型显示它自己对该任务最重要的单元"
            "（由分析找出，而不是按单元编号），共用一个步骤游标。",
        },
        "cmp_missing": {
            "en": "{cell} has no {quantity}; showing {shown}.",
            "zh": "{cell} 没有 {quantity}，改为显示 {shown}。",
        },
        "cmp_none": {
            "en": "Only one model of this task is available; pick a task with an LSTM and a GRU "
            "(e.g. count-lstm, cws-bilstm).",
            "zh": "这个任务只有一个模型；请选择同时有 LSTM 和 GRU 的任务（例如 count-lstm、cws-bilstm）。",
        },
        "cmp_at_step": {
            "en": "At step {t} (“{tok}”): {values}",
            "zh": "第 {t} 步（“{tok}”）：{values}",
        },
        "agreement_one": {
            "en": "The models agree on {k} of {n} token.",
            "zh": "各模型在 {n} 个字中的 {k} 个上结果一致。",
        },
        "agreement_all": {
            "en": "The models agree on {k} of {n} tokens.",
            "zh": "各模型在 {n} 个字中的 {k} 个上结果一致。",
        },
        "reading_first": {
            "en": "Step {t}: the forward cell reads “{tok}” first; the backward cell reads it "
            "after tokens {after}.",
            "zh": "第 {t} 步：正向单元首先读“{tok}”；反向单元在读完 {after} 之后读它。",
        },
        "reading_last": {
            "en": "Step {t}: the forward cell reads “{tok}” after tokens {before}; the backward "
            "cell reads it first.",
            "zh": "第 {t} 步：正向单元在读完 {before} 之后读“{tok}”；反向单元首先读它。",
        },
        "reading_one": {
            "en": "Step {t}: both cells read “{tok}”, the only token.",
            "zh": "第 {t} 步：两个方向的单元都读“{tok}”，这是唯一的字。",
        },
    }
)

# lead: CRF decoding (issue 11)
STRINGS.update(
    {
        "crf_transitions": {
            "en": "CRF transition scores (learned)",
            "zh": "CRF 转移分数（训练所得）",
        },
        "crf_explain": {
            "en": "This model decodes with a CRF layer: the best tag sequence maximises the sum "
            "of the head's score per token plus one of these scores per move from one tag to the "
            "next. ✕ marks moves the BMES scheme forbids (e.g. B → B). The probabilities above "
            "are the CRF's marginals: P(tag at t | the whole sentence).",
            "zh": "这个模型用 CRF 层解码：最佳标签序列使“每个字的输出层得分”加上“每次从一个标签到下一个标签的转移分数”之和最大。"
            "✕ 表示 BMES 规则禁止的转移（例如 B → B）。上面的概率是 CRF 的边缘概率：P(第 t 个字的标签 | 整个句子)。",
        },
        "crf_start": {"en": "(start)", "zh": "（句首）"},
        "crf_end": {"en": "(end)", "zh": "（句尾）"},
        "crf_from": {"en": "from tag", "zh": "前一个标签"},
        "crf_to": {"en": "to tag", "zh": "后一个标签"},
        "crf_score": {"en": "score", "zh": "分数"},
    }
)
