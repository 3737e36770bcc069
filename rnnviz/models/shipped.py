"""Task models shipped in ``assets/models/``: Embedding → a registered cell → one nn.Linear head.

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
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from .. import cards
from ..tracer import Trace, trace_rnn
from ..vocab import Vocab, bigrams, lexicon_marks
from .base import Prepared
from .config import ASSETS, CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, Kind, ModelConfig
from .decoding import bmes_constraints, crf_marginals, log_softmax, spans_to_words, viterbi
from .net import TaskNet
from .storage import EMB_SUFFIX, dequantize, quantize_rows, write_config


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
            f"RNNModel({c.name!r}, task={c.task!r}, cell={c.arch.cell!r}, "
            f"bidirectional={c.arch.bidirectional}, hidden={c.arch.hidden_size}, labels={len(c.labels)})"
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
            metadata={"name": self.name, "cell": self.config.arch.cell},
        )
        write_config(folder / CONFIG_FILE, self.config)


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
