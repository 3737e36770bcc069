"""English / 中文 strings and ``t(key, **fmt)``.

``STRINGS`` is a plain dict ``{key: {"en": ..., "zh": ...}}``: add a key with both languages.
The language of the current script run is a context variable (each Streamlit session runs its
script in its own thread), set once per run with :func:`use`.
"""

from __future__ import annotations

from contextvars import ContextVar

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}

_language: ContextVar[str] = ContextVar("rnnviz_language", default="en")


def use(language: str) -> None:
    """Set the language for this script run (``"en"`` or ``"zh"``)."""
    _language.set(language if language in LANGUAGES else "en")


def current() -> str:
    """The language of this script run."""
    return _language.get()


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
    # --- sidebar ---
    "model": {"en": "Model", "zh": "模型"},
    "examples": {"en": "Examples", "zh": "示例句子"},
    "sentence": {"en": "Sentence", "zh": "句子"},
    "sentence_help": {
        "en": "Type any text; characters the model never saw are marked and traced anyway.",
        "zh": "可输入任意文字;模型没见过的字会被标出,但照样计算。",
    },
    "language": {"en": "Language", "zh": "语言"},
    "projector": {"en": "Projector mode", "zh": "投影模式"},
    "projector_help": {
        "en": "Large type and high contrast for the classroom.",
        "zh": "大字号、高对比度,适合课堂投影。",
    },
    "share_hint": {
        "en": "The address bar holds the model, sentence, step and unit: copy it to share this view.",
        "zh": "地址栏里记录了模型、句子、步数和单元:复制链接即可分享当前画面。",
    },
    "no_models": {
        "en": "No trained models are installed yet; showing a randomly initialised demo network.",
        "zh": "尚未安装训练好的模型;当前显示的是随机初始化的演示网络。",
    },
    # --- bad input ---
    "empty_prompt": {
        "en": "Type a sentence in the sidebar (or pick an example) to see inside the network.",
        "zh": "请在侧边栏输入一句话(或选择示例),即可看到网络内部。",
    },
    "truncated": {
        "en": "The text is {n} characters long; this model reads at most {limit}, so only the "
        "first {limit} are shown.",
        "zh": "文本长 {n} 个字符;该模型最多读取 {limit} 个,因此只显示前 {limit} 个。",
    },
    "unknown_chars": {
        "en": "{n} token(s) the model never saw (marked ?): {chars}. They are traced as 'unknown'.",
        "zh": "有 {n} 个模型没见过的字词(标 ?):{chars}。它们按“未知”处理并照常计算。",
    },
    "trace_failed": {
        "en": "This text could not be traced: {error}",
        "zh": "无法处理这段文字:{error}",
    },
    "model_failed": {
        "en": "The model {name} could not be loaded: {error}",
        "zh": "无法加载模型 {name}:{error}",
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
    # --- overview ---
    "overview_intro": {
        "en": "Each token becomes a vector (embedding). A forward {cell} reads the sentence left "
        "to right, a backward one right to left; at every token their states are joined and a "
        "linear head turns them into a prediction.",
        "zh": "每个字词先变成一个向量(嵌入)。正向 {cell} 从左往右读句子,反向 {cell} 从右往左读;"
        "在每个位置把两者的状态拼起来,再由线性输出层给出预测。",
    },
    "overview_intro_uni": {
        "en": "Each token becomes a vector (embedding). The {cell} reads the sentence left to "
        "right; a linear head turns its state into a prediction.",
        "zh": "每个字词先变成一个向量(嵌入)。{cell} 从左往右读句子,线性输出层把它的状态变成预测。",
    },
    "model_card": {"en": "Model card", "zh": "模型说明"},
    "prediction": {"en": "Prediction", "zh": "预测结果"},
    "where_next": {"en": "Where next", "zh": "下一步看什么"},
    "next_step": {
        "en": "watch one token at a time, gate by gate.",
        "zh": "一次看一个字,一个门一个门地看。",
    },
    "next_heatmaps": {
        "en": "every unit at every token, both directions.",
        "zh": "所有单元在所有位置上的取值,正反两个方向。",
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
        "en": "Step {t}: the forward cell reads “{tok}” after tokens 0…{prev}; the backward "
        "cell reads it after tokens {n}…{next}.",
        "zh": "第 {t} 步:正向单元在读完 0…{prev} 之后读“{tok}”;反向单元在读完 {n}…{next} 之后读它。",
    },
    "reading_uni": {
        "en": "Step {t}: the cell reads “{tok}”.",
        "zh": "第 {t} 步:单元读入“{tok}”。",
    },
    "equations": {"en": "Equations with the real numbers", "zh": "代入真实数值的公式"},
    "all_units": {"en": "every gate over all units", "zh": "所有单元上的各个门"},
    "kept": {"en": "kept", "zh": "保留"},
    "written": {"en": "written", "zh": "写入"},
    "kept_written": {"en": "new state = kept + written", "zh": "新状态 = 保留 + 写入"},
    "split_explain_lstm": {
        "en": "Blue: what the forget gate kept of the old cell (f⊙c). Orange: what the input "
        "gate wrote (i⊙g). Their sum is the new cell state c_t (◆).",
        "zh": "蓝色:遗忘门保留下来的旧细胞状态 (f⊙c);橙色:输入门写入的新内容 (i⊙g);"
        "两者之和就是新的细胞状态 c_t(◆)。",
    },
    "split_explain_gru": {
        "en": "Blue: what the update gate kept of the old state (z⊙h). Orange: what it wrote "
        "from the candidate ((1−z)⊙n). Their sum is the new state h_t (◆).",
        "zh": "蓝色:更新门保留的旧状态 (z⊙h);橙色:从候选值写入的部分 ((1−z)⊙n);"
        "两者之和就是新状态 h_t(◆)。",
    },
    # --- heatmaps page ---
    "quantity": {"en": "Gate or state", "zh": "门或状态"},
    "order": {"en": "Order units by", "zh": "单元排序方式"},
    "order_index": {"en": "index", "zh": "编号"},
    "order_variance": {"en": "variance", "zh": "方差"},
    "order_similarity": {"en": "similarity", "zh": "相似度"},
    "merge_mode": {"en": "Merge mode", "zh": "合并方式"},
    "click_hint": {
        "en": "Click a cell to follow that unit over the sentence in both directions.",
        "zh": "点击任一格子,即可查看该单元在整句话上、两个方向的变化曲线。",
    },
    "selected_unit": {"en": "Selected unit", "zh": "选中的单元"},
    # --- predictions page ---
    "label_probabilities": {"en": "Label probabilities per token", "zh": "每个字的标签概率"},
    "evolution": {
        "en": "How the prediction evolves as each token is read",
        "zh": "每读一个字,预测如何变化",
    },
    "evolution_explain": {
        "en": "The head is applied to the state after every token; the last point is the "
        "model's answer.",
        "zh": "对每个位置的状态都应用输出层;最后一个点就是模型的最终答案。",
    },
    "forward_part": {"en": "from forward half", "zh": "来自正向部分"},
    "backward_part": {"en": "from backward half", "zh": "来自反向部分"},
    "bias": {"en": "bias", "zh": "偏置"},
    "score": {"en": "score (logit)", "zh": "得分 (logit)"},
    "score_split": {"en": "Score split by direction", "zh": "得分按方向拆分"},
    "split_explain": {
        "en": "The head is linear, so each label's score is exactly forward part + backward "
        "part + bias.",
        "zh": "输出层是线性的,所以每个标签的得分恰好等于 正向部分 + 反向部分 + 偏置。",
    },
    "token_to_explain": {"en": "Token to explain", "zh": "要解释的字"},
    "predicted": {"en": "predicted: {label} ({p:.0%})", "zh": "预测:{label}({p:.0%})"},
    "task_cws": {"en": "Word segmentation (B/M/E/S)", "zh": "中文分词 (B/M/E/S)"},
    "task_pos": {"en": "Part-of-speech tags", "zh": "词性标注"},
    "task_ner": {"en": "Named entities", "zh": "命名实体"},
    "task_sentiment": {"en": "Sentiment", "zh": "情感分类"},
    "task_count": {"en": "Counting", "zh": "计数"},
    # --- compare page ---
    "compare_none": {
        "en": "This task has no LSTM/GRU pair to compare; choose another model.",
        "zh": "这个任务没有可对比的 LSTM/GRU 模型对,请换一个模型。",
    },
    "compare_intro": {
        "en": "The same sentence through {a} and {b}, on the same colour scales.",
        "zh": "同一句话分别经过 {a} 和 {b},使用相同的颜色刻度。",
    },
    "agreement": {
        "en": "The two models agree on {k} of {n} tokens.",
        "zh": "两个模型在 {n} 个字中的 {k} 个上结果一致。",
    },
    # --- legend, downloads ---
    "legend": {"en": "Colour legend", "zh": "颜色说明"},
    "legend_gate": {
        "en": "sigmoid gates, 0 (closed) … 1 (open)",
        "zh": "sigmoid 门:0(关闭)… 1(打开)",
    },
    "legend_tanh": {
        "en": "tanh values, −1 … 0 (white) … +1",
        "zh": "tanh 取值:−1 … 0(白)… +1",
    },
    "legend_cell": {
        "en": "cell state (unbounded, colour clipped at ±2; hover shows the value)",
        "zh": "细胞状态(无界,颜色截断在 ±2;悬停显示真实值)",
    },
    "legend_text": {
        "en": "Colours never rescale: a 0.5 gate always looks the same, whatever the sentence.",
        "zh": "颜色刻度固定不变:无论哪句话,0.5 的门看起来都一样。",
    },
    "downloads": {"en": "Downloads", "zh": "下载"},
    "download_csv": {"en": "Trace (CSV)", "zh": "完整记录 (CSV)"},
    "download_parquet": {"en": "Trace (Parquet)", "zh": "完整记录 (Parquet)"},
    "download_html": {"en": "Figure (HTML)", "zh": "图 (HTML)"},
    "png_hint": {
        "en": "PNG: use the camera button in the figure's toolbar.",
        "zh": "PNG:点击图右上角工具栏中的相机按钮。",
    },
}
