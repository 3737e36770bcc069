"""Task models shipped in ``assets/models/``: Embedding → nn.LSTM/nn.GRU/nn.RNN → one nn.Linear head.

Every model rebuilds from its own folder: ``config.json`` (a :class:`ModelConfig`: architecture,
vocabularies, labels, training settings, metrics), ``model.safetensors`` (weights, never pickle)
and ``card.md``. The app reads a model through :class:`RNNModel` only::

    m = load("cws-bilstm")
    m.predict("中共中央总书记江泽民发表新年讲话。")  # ["B", "M", "M", "E", ...]
    m.trace("…")                                  # every gate of m.rnn on m.inputs("…")
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torchcrf import CRF

from .. import cards
from ..cells import CELLS
from ..tracer import Trace, trace_rnn
from ..vocab import Vocab, bigrams, lexicon_marks
from .base import Prepared

Task = Literal["cws", "pos", "ner", "sentiment", "count"]
Kind = Literal["tagger", "classifier"]
TASKS: tuple[str, ...] = ("cws", "pos", "ner", "sentiment", "count")
ASSETS = Path(__file__).resolve().parents[2] / "assets" / "models"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "card.md"
FORMAT_VERSION = 1
DECODES: tuple[str, ...] = ("argmax", "bmes", "crf")
FORBIDDEN = -1e4  # a CRF's score for a transition the BMES scheme forbids (exp(-1e4) == 0)


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model; stored as ``config.json`` next to its weights.

    Input per token (``input_size`` features, concatenated in this order):
    - character tasks: char embedding ``char_dim`` [+ bigram ``c[t-1]c[t]`` ``bigram_dim``]
      [+ bigram ``c[t]c[t+1]`` ``bigram_dim`` when ``bigrams == "both"``] [+ an embedding
      ``lexicon_dim`` of which ``lexicon`` words (2 … ``lexicon_max_len`` characters, from the
      training split) start or end at the character, see :func:`rnnviz.vocab.lexicon_marks`];
    - pos (word tokens): word embedding ``word_dim`` + first-char and last-char embeddings
      (``char_dim`` each), so an unseen word still shows its affixes.
    """

    name: str
    task: str
    cell: str  # a key of rnnviz.cells.CELLS: "lstm", "gru", "rnn", "rnn_relu"
    labels: tuple[str, ...]
    chars: tuple[str, ...]
    bidirectional: bool = True
    num_layers: int = 1
    hidden_size: int = 128
    char_dim: int = 64
    bigram_dim: int = 0
    bigrams: str = "none"  # "none", "left" (causal, for one-direction models) or "both"
    bigram_vocab: tuple[str, ...] = ()
    word_dim: int = 0
    words: tuple[str, ...] = ()
    lexicon_dim: int = 0
    lexicon_max_len: int = 4
    lexicon: tuple[str, ...] = ()
    # "argmax"; "bmes": Viterbi on log-softmax scores forbidding invalid BMES transitions;
    # "crf": a linear-chain CRF layer (learned transitions, same BMES constraints)
    decode: str = "argmax"
    segmenter: str = ""  # pos: the cws model that splits raw text into words
    max_chars: int = 10_000
    dropout: float = 0.2
    examples: tuple[str, ...] = ()
    training: dict[str, Any] = field(default_factory=dict, compare=False)
    metrics: dict[str, Any] = field(default_factory=dict, compare=False)
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {tuple(CELLS)}, got {self.cell!r}")
        if self.bigrams not in ("none", "left", "both"):
            raise ValueError(f"bigrams must be none, left or both, got {self.bigrams!r}")
        if self.bigrams == "both" and not self.bidirectional:
            raise ValueError("a one-direction model must not read the right bigram c[t]c[t+1]")
        if self.decode not in DECODES:
            raise ValueError(f"decode must be one of {DECODES}, got {self.decode!r}")
        if self.lexicon_dim and (self.task == "pos" or not self.lexicon):
            raise ValueError("lexicon features need a character task and a lexicon")
        if self.decode == "crf" and self.task == "sentiment":
            raise ValueError("a CRF decodes a tag sequence; a classifier cannot use it")

    @property
    def kind(self) -> Kind:
        return "classifier" if self.task == "sentiment" else "tagger"

    @property
    def num_bigram_inputs(self) -> int:
        return {"none": 0, "left": 1, "both": 2}[self.bigrams]

    @property
    def input_size(self) -> int:
        if self.task == "pos":
            return self.word_dim + 2 * self.char_dim
        return self.char_dim + self.num_bigram_inputs * self.bigram_dim + self.lexicon_dim

    @property
    def lexicon_patterns(self) -> int:
        """Distinct :func:`~rnnviz.vocab.lexicon_marks` patterns (rows of the lexicon table)."""
        return 4 ** (self.lexicon_max_len - 1)

    @property
    def output_size(self) -> int:
        return self.hidden_size * (2 if self.bidirectional else 1)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = CONFIG_FILE) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{source}: unknown config keys {unknown}")
        version = data.get("format_version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(
                f"{source}: format_version {version}, this code reads {FORMAT_VERSION}"
            )
        tuples = {"labels", "chars", "bigram_vocab", "words", "lexicon", "examples"}
        args = {k: tuple(v) if k in tuples else v for k, v in data.items()}
        try:
            return cls(**args)
        except TypeError as exc:
            raise ValueError(f"{source}: {exc}") from None


class TaskNet(nn.Module):
    """Embeddings → ``rnn`` (nn.LSTM / nn.GRU / nn.RNN, batch_first) → dropout → ``head`` (one
    Linear) [→ ``crf``: a linear-chain CRF (``pytorch-crf``) over the head's scores]."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c = config
        self.config = c
        self.char_emb = nn.Embedding(len(c.chars), c.char_dim, padding_idx=0)
        self.bigram_emb = (
            nn.Embedding(len(c.bigram_vocab), c.bigram_dim, padding_idx=0)
            if c.num_bigram_inputs
            else None
        )
        self.word_emb = (
            nn.Embedding(len(c.words), c.word_dim, padding_idx=0) if c.word_dim else None
        )
        self.lexicon_emb = (
            nn.Embedding(c.lexicon_patterns, c.lexicon_dim) if c.lexicon_dim else None
        )
        self.rnn = CELLS[c.cell].build(
            c.input_size,
            c.hidden_size,
            num_layers=c.num_layers,
            bidirectional=c.bidirectional,
            batch_first=True,
            dropout=c.dropout if c.num_layers > 1 else 0.0,  # between stacked layers (training)
        )
        self.dropout = nn.Dropout(c.dropout)
        self.head = nn.Linear(c.output_size, len(c.labels))
        self.crf = CRF(len(c.labels), batch_first=True) if c.decode == "crf" else None
        if self.crf is not None:  # forbidden BMES moves start (and stay: zero gradient) at -1e4
            start, trans, end = bmes_constraints(c.labels)
            with torch.no_grad():
                for param, allowed in (
                    (self.crf.start_transitions, start),
                    (self.crf.transitions, trans),
                    (self.crf.end_transitions, end),
                ):
                    param.masked_fill_(~torch.from_numpy(allowed), FORBIDDEN)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Input vectors ``(B, T, input_size)`` from feature ids ``(B, T, k)``."""
        if self.word_emb is not None:
            parts = [
                self.word_emb(ids[..., 0]),
                self.char_emb(ids[..., 1]),
                self.char_emb(ids[..., 2]),
            ]
        else:
            parts = [self.char_emb(ids[..., 0])]
            if self.bigram_emb is not None:
                n = self.config.num_bigram_inputs
                parts += [self.bigram_emb(ids[..., k]) for k in range(1, 1 + n)]
            if self.lexicon_emb is not None:  # the last column: lexicon_marks patterns
                parts.append(self.lexicon_emb(ids[..., -1]))
        return torch.cat(parts, dim=-1)  # (B, T, input_size)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Label scores ``(B, T, n_labels)`` at every step; padding steps are zeros → head bias."""
        x = self.dropout(self.embed(ids))  # (B, T, input_size)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(
            out, batch_first=True, total_length=ids.shape[1]
        )  # (B, T, D*H)
        return self.head(self.dropout(out))  # (B, T, n_labels)


def bmes_constraints(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Allowed (start ``(L,)``, transition ``(L, L)``, end ``(L,)``) masks for BMES labels.

    Labels are ``B M E S`` or typed ``B-PER … O``: inside a span (after B or M) only M or E of the
    same type may follow; outside, only B, S or O; a sequence may not end inside a span.
    """

    def parts(label: str) -> tuple[str, str]:
        return (label[0], label[2:]) if label != "O" else ("O", "")

    n = len(labels)
    start = np.zeros(n, bool)
    end = np.zeros(n, bool)
    trans = np.zeros((n, n), bool)
    for j, lab in enumerate(labels):
        pos, _ = parts(lab)
        start[j] = pos in ("B", "S", "O")
        end[j] = pos in ("E", "S", "O")
        for i, prev in enumerate(labels):
            p_pos, p_type = parts(prev)
            _, j_type = parts(lab)
            if p_pos in ("B", "M"):
                trans[i, j] = pos in ("M", "E") and j_type == p_type
            else:
                trans[i, j] = pos in ("B", "S", "O")
    return start, trans, end


def viterbi(
    log_probs: np.ndarray,
    start: np.ndarray,
    trans: np.ndarray,
    end: np.ndarray,
    scores: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[int]:
    """Best label path through ``log_probs (T, L)`` using only allowed transitions.

    ``scores``: a CRF's learned (start ``(L,)``, transition ``(L, L)``, end ``(L,)``) scores,
    added to the path's score (``log_probs`` are then the CRF's emission scores)."""
    s_start, s_trans, s_end = scores if scores is not None else (0.0, 0.0, 0.0)
    neg = -1e9
    trans_score = np.where(trans, s_trans, neg)  # (L, L)
    score = log_probs[0] + np.where(start, s_start, neg)  # (L,)
    back = np.zeros(log_probs.shape, dtype=np.int64)
    for t in range(1, len(log_probs)):
        total = score[:, None] + trans_score  # (L_prev, L)
        back[t] = total.argmax(0)
        score = total.max(0) + log_probs[t]
    score = score + np.where(end, s_end, neg)
    path = [int(score.argmax())]
    for t in range(len(log_probs) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def crf_marginals(
    emissions: np.ndarray, start: np.ndarray, trans: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """``P(y_t = l | x)`` ``(T, L)`` of a linear-chain CRF, by forward-backward in log space.

    ``emissions (T, L)``; ``start``/``end`` ``(L,)`` and ``trans (L_prev, L)`` are the CRF's
    scores (forbidden moves already at ``FORBIDDEN``). Rows sum to 1."""
    e = emissions.astype(np.float64)
    t_len = len(e)
    alpha = np.empty_like(e)
    beta = np.zeros_like(e)
    alpha[0] = start + e[0]
    for t in range(1, t_len):
        alpha[t] = np.logaddexp.reduce(alpha[t - 1][:, None] + trans, axis=0) + e[t]
    beta[-1] = end
    for t in range(t_len - 2, -1, -1):
        beta[t] = np.logaddexp.reduce(trans + (e[t + 1] + beta[t + 1])[None, :], axis=1)
    log_z = np.logaddexp.reduce(alpha[-1] + end)
    return np.exp(alpha + beta - log_z).astype(np.float32)


def spans_to_words(tokens: Sequence[str], labels: Sequence[str]) -> list[str]:
    """Join characters into words at B/S starts (``labels`` are B/M/E/S)."""
    words: list[str] = []
    for tok, lab in zip(tokens, labels, strict=True):
        if lab[0] in ("B", "S") or not words:
            words.append(tok)
        else:
            words[-1] += tok
    return words


class RNNModel:
    """A trained task model: tokenize, predict, and trace its recurrent layer on any text."""

    def __init__(self, config: ModelConfig, net: TaskNet, card: str = "", path: Path | None = None):
        self.config = config
        self.net = net.eval()
        self.card = card
        self.path = path
        self.char_vocab = Vocab(config.chars)
        self.bigram_vocab = Vocab(config.bigram_vocab) if config.bigram_vocab else None
        self.word_vocab = Vocab(config.words) if config.words else None
        self.lexicon = frozenset(config.lexicon) if config.lexicon_dim else None
        self._segmenter: RNNModel | None = None
        if config.decode in ("bmes", "crf"):
            self._constraints = bmes_constraints(config.labels)

    def card_for(self, lang: str) -> str:
        """The model card in ``lang`` (``card.<lang>.md`` beside ``card.md``), else English."""
        return cards.read(self.path, lang) or self.card

    def __repr__(self) -> str:
        c = self.config
        return (
            f"RNNModel({c.name!r}, task={c.task!r}, cell={c.cell!r}, "
            f"bidirectional={c.bidirectional}, hidden={c.hidden_size}, labels={len(c.labels)})"
        )

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def task(self) -> str:
        """One of ``cws pos ner sentiment count``."""
        return self.config.task

    @property
    def kind(self) -> Kind:
        """``tagger`` (one label per token) or ``classifier`` (many-to-one)."""
        return self.config.kind

    @property
    def labels(self) -> list[str]:
        return list(self.config.labels)

    @property
    def examples(self) -> list[str]:
        """Example inputs for the sidebar."""
        return list(self.config.examples)

    @property
    def max_chars(self) -> int:
        """Longest text accepted; longer raises ValueError."""
        return self.config.max_chars

    @property
    def rnn(self) -> nn.RNNBase:
        """The recurrent module (batch_first; trace it with :meth:`trace`)."""
        return self.net.rnn

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.net.parameters())

    @property
    def segmenter(self) -> RNNModel:
        """pos: the segmentation model that turns raw text into words."""
        if not self.config.segmenter:
            raise AttributeError(f"{self.name} has no segmenter")
        if self._segmenter is None:
            root = self.path.parent if self.path is not None else ASSETS
            self._segmenter = load_dir(root / self.config.segmenter)
        return self._segmenter

    def _check(self, text: str) -> str:
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if len(text) > self.max_chars:
            raise ValueError(
                f"text has {len(text):,} characters; {self.name} reads at most "
                f"{self.max_chars:,} (max_chars); shorten it"
            )
        return text

    def tokenize(self, text: str) -> list[str]:
        """Tokens the RNN reads: characters without whitespace (pos: words from the segmenter)."""
        text = self._check(text)
        if self.task == "pos":
            return self.segmenter.words(text)
        return [c for c in text if not c.isspace()]

    def encode(self, tokens: Sequence[str]) -> torch.Tensor:
        """Feature ids ``(T, k)`` of tokens (k = 3 for pos and char+2 bigrams, …)."""
        c = self.config
        if c.task == "pos":
            assert self.word_vocab is not None
            cols = [
                self.word_vocab.encode(tokens),
                self.char_vocab.encode([w[0] for w in tokens]),
                self.char_vocab.encode([w[-1] for w in tokens]),
            ]
        else:
            cols = [self.char_vocab.encode(tokens)]
            if self.bigram_vocab is not None:
                left, right = bigrams(tokens)
                cols.append(self.bigram_vocab.encode(left))
                if c.bigrams == "both":
                    cols.append(self.bigram_vocab.encode(right))
            if self.lexicon is not None:
                cols.append(lexicon_marks(tokens, self.lexicon, c.lexicon_max_len))
        return torch.tensor(cols, dtype=torch.long).T.reshape(len(tokens), len(cols))  # (T, k)

    def unknown(self, text: str) -> list[bool]:
        """Per token: was it out of vocabulary (pos: the word; others: the character)."""
        tokens = self.tokenize(text)
        vocab = self.word_vocab if self.task == "pos" else self.char_vocab
        assert vocab is not None
        return [not k for k in vocab.known(tokens)]

    def inputs(self, text: str) -> torch.Tensor:
        """Vectors fed to :attr:`rnn`, ``(T, input_size)`` float32 (``(0, input_size)`` if empty)."""
        return self._inputs(self.tokenize(text))

    def prepare(self, text: str) -> Prepared:
        """Tokens, unknown flags and input vectors of ``text``, tokenizing it once."""
        tokens = self.tokenize(text)
        vocab = self.word_vocab if self.task == "pos" else self.char_vocab
        assert vocab is not None
        unknown = tuple(not k for k in vocab.known(tokens))
        return Prepared(tuple(tokens), unknown, self._inputs(tokens))

    def decode(self, scores: np.ndarray) -> list[str]:
        """Labels from head scores ``(T, labels)``: BMES Viterbi, argmax, or the classifier's
        answer at the last step."""
        if self.kind == "classifier":
            return [self.config.labels[int(scores[-1].argmax())]]
        return self._decode(scores)

    def _inputs(self, tokens: Sequence[str]) -> torch.Tensor:
        if not tokens:
            return torch.zeros(0, self.config.input_size)
        with torch.no_grad():
            return self.net.embed(self.encode(tokens)[None])[0]  # (T, input_size)

    def _scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Head scores ``(T, n_labels)`` at every step."""
        with torch.no_grad():
            out, _ = self.rnn(self._inputs(tokens))  # (T, D*H)
            return self.net.head(out).numpy()

    def predict_proba(self, text: str) -> np.ndarray:
        """Probabilities ``(T, n_labels)`` per token (softmax, or a CRF's marginals); classifier:
        the head on h_t at every step."""
        tokens = self.tokenize(text)
        if not tokens:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.probabilities(self._scores(tokens))

    def transitions(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The CRF's learned (start ``(L,)``, transition ``(L_prev, L)``, end ``(L,)``) scores;
        ``None`` without a CRF layer. Forbidden BMES moves hold ``FORBIDDEN``."""
        crf = self.net.crf
        if crf is None:
            return None
        return tuple(  # type: ignore[return-value]
            p.detach().numpy().astype(np.float32).copy()
            for p in (crf.start_transitions, crf.transitions, crf.end_transitions)
        )

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """``(T, labels)`` probabilities from head scores: the CRF's marginals ``P(y_t | x)``
        with a CRF layer, else the softmax of each step's scores."""
        crf = self.transitions()
        if crf is not None and len(scores):
            return crf_marginals(scores, *crf)
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def _decode(self, scores: np.ndarray) -> list[str]:
        if self.config.decode == "crf":
            path = viterbi(scores, *self._constraints, scores=self.transitions())
        elif self.config.decode == "bmes":
            path = viterbi(log_softmax(scores), *self._constraints)
        else:
            path = scores.argmax(1).tolist()
        return [self.config.labels[i] for i in path]

    def predict(self, text: str) -> list[str]:
        """One label per token; a classifier returns one label for the whole text."""
        return self.predict_tokens(self.tokenize(text))

    def predict_tokens(self, tokens: Sequence[str]) -> list[str]:
        """Labels for given tokens (e.g. gold words for pos), bypassing :meth:`tokenize`."""
        if not tokens:
            return []
        scores = self._scores(tokens)
        if self.kind == "classifier":
            return [self.config.labels[int(scores[-1].argmax())]]
        return self._decode(scores)

    def scores_batch(
        self, token_lists: Sequence[Sequence[str]], batch_size: int = 64
    ) -> list[np.ndarray]:
        """Head scores ``(T_i, n_labels)`` of many token lists, run padded in batches."""
        out: list[np.ndarray] = [np.zeros((0, len(self.labels)), np.float32)] * len(token_lists)
        order = sorted(
            (i for i, t in enumerate(token_lists) if t), key=lambda i: len(token_lists[i])
        )
        was_training = self.net.training
        self.net.eval()
        with torch.no_grad():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                encoded = [self.encode(token_lists[i]) for i in idx]
                lengths = torch.tensor([len(e) for e in encoded])
                ids = torch.zeros(
                    len(idx), int(lengths.max()), encoded[0].shape[1], dtype=torch.long
                )
                for b, e in enumerate(encoded):
                    ids[b, : len(e)] = e
                scores = self.net(ids, lengths).numpy()  # (B, T, n_labels)
                for b, i in enumerate(idx):
                    out[i] = scores[b, : len(encoded[b])]
        self.net.train(was_training)
        return out

    def predict_batch(self, token_lists: Sequence[Sequence[str]]) -> list[list[str]]:
        """:meth:`predict_tokens` for many token lists at once (same labels, faster)."""
        out = []
        for s in self.scores_batch(token_lists):
            if not len(s):
                out.append([])
            elif self.kind == "classifier":
                out.append([self.config.labels[int(s[-1].argmax())]])
            else:
                out.append(self._decode(s))
        return out

    def words(self, text: str) -> list[str]:
        """Segmented words (cws models, and pos through its segmenter)."""
        if self.task == "pos":
            return self.tokenize(text)
        if self.task != "cws":
            raise AttributeError(f"{self.name} is a {self.task} model; words() needs cws or pos")
        tokens = self.tokenize(text)
        return spans_to_words(tokens, self.predict_tokens(tokens)) if tokens else []

    def trace(self, text: str) -> Trace:
        """Every gate and state of :attr:`rnn` on :meth:`inputs`; ValueError on empty text."""
        tokens = self.tokenize(text)
        if not tokens:
            raise ValueError("empty text")
        return trace_rnn(self.rnn, self._inputs(tokens), tokens=tokens)

    def head(self) -> tuple[np.ndarray, np.ndarray]:
        """``W (n_labels, D*H)`` and ``b (n_labels,)``; forward half is ``W[:, :H]``."""
        return (
            self.net.head.weight.detach().numpy().copy(),
            self.net.head.bias.detach().numpy().copy(),
        )

    def save(self, folder: Path) -> None:
        """Write ``config.json`` and ``model.safetensors`` (embedding tables as int8 per row)."""
        folder.mkdir(parents=True, exist_ok=True)
        state: dict[str, torch.Tensor] = {}
        for k, v in self.net.state_dict().items():
            if k.endswith(EMB_SUFFIX):
                q, scale = quantize_rows(v)
                state[k[: -len("weight")] + "qweight"] = q
                state[k[: -len("weight")] + "scale"] = scale
            else:
                state[k] = v.contiguous()
        save_file(
            state,
            str(folder / WEIGHTS_FILE),
            metadata={"name": self.name, "cell": self.config.cell},
        )
        write_config(folder / CONFIG_FILE, self.config)


EMB_SUFFIX = "_emb.weight"


def quantize_rows(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row symmetric int8: ``w (V, E) ≈ q (V, E) int8 * scale (V, 1)``.

    Embedding tables are most of every checkpoint; int8 keeps all shipped models far under the
    25 MB budget, and the error (≤ 0.4 % of a row's largest entry) does not move the test scores.
    Metrics are always measured on the dequantized weights the app loads.
    """
    scale = w.detach().abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127  # (V, 1)
    q = torch.round(w.detach() / scale).clamp(-127, 127).to(torch.int8)  # (V, E)
    return q.contiguous(), scale.float().contiguous()


def dequantize(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Float32 state dict from a stored one (int8 rows + scales, or float16/32 tensors)."""
    out: dict[str, torch.Tensor] = {}
    for k, v in state.items():
        if k.endswith("_emb.qweight"):
            base = k[: -len("qweight")]
            scale = state.get(base + "scale")
            if scale is None:
                raise KeyError(base + "scale")
            out[base + "weight"] = v.float() * scale.float()
        elif not k.endswith("_emb.scale"):
            out[k] = v.float()
    return out


def write_config(path: Path, config: ModelConfig) -> None:
    """``config.json`` with one top-level key per line (vocabularies stay on one line each)."""
    items = [
        f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in config.to_json().items()
    ]
    path.write_text("{\n" + ",\n".join(items) + "\n}\n", encoding="utf-8")


def load_dir(folder: str | Path) -> RNNModel:
    """Load a model folder; errors name the file and what does not match."""
    folder = Path(folder)
    cfg_path, w_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    for p in (cfg_path, w_path):
        if not p.is_file():
            raise FileNotFoundError(f"{p} is missing; retrain with python -m rnnviz.train")
    try:
        data = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{cfg_path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{cfg_path} must hold a JSON object")
    config = ModelConfig.from_json(data, source=str(cfg_path))
    try:
        state = load_file(str(w_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"{w_path} is not a readable safetensors file: {exc}") from None
    net = TaskNet(config)
    expected = net.state_dict()
    try:
        state = dequantize(state)
    except KeyError as exc:
        raise ValueError(f"{w_path} lacks {exc.args[0]} for its int8 embedding table") from None
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise ValueError(
            f"{w_path} does not match {cfg_path}: missing {missing}, unexpected {extra}"
        )
    for key, value in expected.items():
        if tuple(state[key].shape) != tuple(value.shape):
            raise ValueError(
                f"{w_path}: {key} has shape {tuple(state[key].shape)} but {cfg_path} "
                f"implies {tuple(value.shape)}"
            )
        if not torch.isfinite(state[key]).all():
            raise ValueError(f"{w_path}: {key} holds NaN or inf")
    net.load_state_dict(state)
    card_path = folder / CARD_FILE
    card = card_path.read_text(encoding="utf-8") if card_path.is_file() else ""
    return RNNModel(config, net, card=card, path=folder)


def available(root: str | Path | None = None) -> list[str]:
    """Names of shipped models (folders holding a config.json), sorted."""
    base = Path(root) if root is not None else ASSETS
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / CONFIG_FILE).is_file())


def load(name: str, root: str | Path | None = None) -> RNNModel:
    """Load a shipped model by name, e.g. ``load("cws-bilstm")``."""
    names = available(root)
    if name not in names:
        raise ValueError(f"unknown model {name!r}; available: {names}")
    return load_dir((Path(root) if root is not None else ASSETS) / name)


def size_mb(folder: Path) -> float:
    """Disk size of a model folder in MB."""
    return sum(p.stat().st_size for p in folder.iterdir()) / 2**20


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of ``(T, L)`` scores."""
    return scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)


__all__ = [
    "ASSETS",
    "ModelConfig",
    "RNNModel",
    "TaskNet",
    "available",
    "bmes_constraints",
    "crf_marginals",
    "load",
    "load_dir",
    "spans_to_words",
    "viterbi",
]
