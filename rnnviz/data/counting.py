"""Synthetic bracket sequences, where counting is the whole job.

Each step is labelled by the state of the prefix read so far: ``balanced`` (depth 0), ``open``
(depth > 0) or ``invalid`` (a ``)`` closed more than was opened, at any earlier step). Knowing when
the depth returns to zero needs a counter, so one hidden unit is expected to track the depth
(Suzgun et al. 2019, "LSTM networks can perform dynamic counting").
"""

from __future__ import annotations

import numpy as np

LABELS = ("balanced", "open", "invalid")
SYMBOLS = ("(", ")")


def depths(text: str) -> list[int]:
    """Depth after each bracket (other characters leave it unchanged)."""
    out, d = [], 0
    for c in text:
        d += 1 if c == "(" else -1 if c == ")" else 0
        out.append(d)
    return out


def labels(text: str) -> list[str]:
    """One label per character: balanced, open or invalid."""
    out, bad = [], False
    for d in depths(text):
        bad = bad or d < 0
        out.append("invalid" if bad else "balanced" if d == 0 else "open")
    return out


def sample(rng: np.random.Generator, max_len: int) -> str:
    """One random sequence of length ≤ ``max_len``: nested, random walk or noise."""
    kind = rng.random()
    if kind < 0.35:  # (ⁿ )ⁿ, possibly repeated: deep nesting, the hardest to count
        out = ""
        while len(out) < max_len:
            n = int(rng.integers(1, max(2, (max_len - len(out)) // 2 + 1)))
            out += "(" * n + ")" * n
            if rng.random() < 0.5:
                break
        text = out[:max_len]
    elif kind < 0.85:  # balanced-leaning random walk
        n = int(rng.integers(2, max_len + 1))
        out, d = [], 0
        for t in range(n):
            left = n - t
            p_open = 0.5 if d < left else 0.0
            if d == 0:
                p_open = 1.0 if rng.random() < 0.97 else 0.0
            c = "(" if rng.random() < p_open else ")"
            d += 1 if c == "(" else -1
            out.append(c)
        text = "".join(out)
    else:  # uniform noise: mostly invalid
        n = int(rng.integers(1, max_len + 1))
        text = "".join(rng.choice(SYMBOLS, size=n))
    return text


def dataset(n: int, max_len: int, seed: int, min_len: int = 1) -> list[str]:
    """``n`` sequences with lengths in ``min_len..max_len``."""
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        s = sample(rng, max_len)
        if len(s) >= min_len:
            out.append(s)
    return out
