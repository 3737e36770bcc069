"""The network of a shipped model: embeddings → a registered cell → one Linear head [→ a CRF]."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torchcrf import CRF

from .config import ModelConfig
from .decoding import FORBIDDEN, bmes_constraints


class TaskNet(nn.Module):
    """Embeddings → ``rnn`` (the config's registered cell, batch_first) → dropout → ``head`` (one
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
        self.rnn = c.arch.build(
            batch_first=True,
            dropout=c.dropout
            if c.arch.num_layers > 1
            else 0.0,  # between stacked layers (training)
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
