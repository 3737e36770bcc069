"""Character, bigram and word vocabularies: encode tokens to ids, with an unknown id for the rest.

Id 0 is padding and id 1 the unknown token in every vocabulary. A token missing from the
vocabulary is looked up again with its ASCII characters folded to full width and back (the
People's Daily corpus writes ``１９９８`` and ``ＷＴＯ``; users type ``1998`` and ``WTO``), and only
then mapped to the unknown id. Nothing ever raises on an unseen token.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PAD = "<pad>"
UNK = "<unk>"
BOS = "\u2402"  # "␂": left neighbour of the first token in a bigram
EOS = "\u2403"  # "␃": right neighbour of the last token in a bigram

_FULL_OFFSET = 0xFEE0  # ord("Ａ") - ord("A"); the full-width forms block mirrors ASCII 0x21..0x7E


def to_full_width(text: str) -> str:
    """ASCII letters, digits and punctuation (and space) as their full-width forms."""
    return "".join(
        chr(ord(c) + _FULL_OFFSET) if 0x21 <= ord(c) <= 0x7E else ("\u3000" if c == " " else c)
        for c in text
    )


def to_half_width(text: str) -> str:
    """Full-width forms (``１``, ``Ａ``, ``，`` …) as plain ASCII."""
    return "".join(
        chr(ord(c) - _FULL_OFFSET) if 0xFF01 <= ord(c) <= 0xFF5E else (" " if c == "\u3000" else c)
        for c in text
    )


@dataclass(frozen=True)
class Vocab:
    """An ordered token list; ``itos[0]`` is padding, ``itos[1]`` the unknown token."""

    itos: tuple[str, ...]
    stoi: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.itos[:2] != (PAD, UNK):
            raise ValueError(f"a vocabulary starts with {PAD!r}, {UNK!r}; got {self.itos[:2]}")
        object.__setattr__(self, "stoi", {s: i for i, s in enumerate(self.itos)})
        if len(self.stoi) != len(self.itos):
            raise ValueError("vocabulary holds duplicate tokens")

    @classmethod
    def build(cls, tokens: Iterable[str], min_count: int = 1, max_size: int | None = None) -> Vocab:
        """Vocabulary of tokens seen at least ``min_count`` times, most frequent first."""
        counts = Counter(tokens)
        kept = [
            t for t, n in counts.most_common(max_size) if n >= min_count and t not in (PAD, UNK)
        ]
        return cls((PAD, UNK, *kept))

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return self.lookup(str(token)) != 1

    def lookup(self, token: str) -> int:
        """Id of ``token``, trying full/half-width variants before the unknown id 1."""
        i = self.stoi.get(token)
        if i is None:
            i = self.stoi.get(to_full_width(token))
        if i is None:
            i = self.stoi.get(to_half_width(token))
        return 1 if i is None or i == 0 else i

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Ids of ``tokens`` (length T)."""
        return [self.lookup(t) for t in tokens]

    def decode(self, ids: Sequence[int]) -> list[str]:
        """Tokens of ``ids``."""
        return [self.itos[i] for i in ids]

    def known(self, tokens: Sequence[str]) -> list[bool]:
        """Per token: is it in the vocabulary (after width folding)."""
        return [self.lookup(t) != 1 for t in tokens]


def bigrams(chars: Sequence[str]) -> tuple[list[str], list[str]]:
    """Left bigrams ``c[t-1] c[t]`` and right bigrams ``c[t] c[t+1]`` (each length T)."""
    padded = [BOS, *chars, EOS]
    left = [padded[t] + padded[t + 1] for t in range(len(chars))]
    right = [padded[t + 1] + padded[t + 2] for t in range(len(chars))]
    return left, right


def lexicon_marks(chars: Sequence[str], lexicon: frozenset[str], max_len: int) -> list[int]:
    """Per character, which lexicon words touch it, as a bit pattern (length T).

    For a word of ``k`` characters (``2 ≤ k ≤ max_len``) found in ``lexicon``: bit ``2(k-2)`` is
    set on its first character and bit ``2(k-2)+1`` on its last. ASCII is folded to full width
    first, as the corpus writes it. Patterns run over ``0 … 4**(max_len-1) - 1``.
    """
    text = [to_full_width(c) for c in chars]
    marks = [0] * len(text)
    for k in range(2, max_len + 1):
        starts, ends = 1 << (2 * (k - 2)), 1 << (2 * (k - 2) + 1)
        for a in range(len(text) - k + 1):
            if "".join(text[a : a + k]) in lexicon:
                marks[a] |= starts
                marks[a + k - 1] |= ends
    return marks
