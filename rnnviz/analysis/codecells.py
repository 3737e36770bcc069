"""Interpretable cells in code (after Karpathy, Johnson & Fei-Fei 2015): a character-level LSTM
language model trained on the Python standard library's own top-level modules, and every unit
correlated with what a reader of code tracks — inside a string, bracket depth, indentation,
position in the line.

Data: the ``*.py`` files directly in this interpreter's stdlib folder (on every machine). Split by
file: ``crc32(file name) % 10 == 9`` is held out (never trained on), the rest is training text.
Ship: ``python -m rnnviz.analysis.codecells train`` writes ``assets/code/code-lstm/``
(``model.safetensors``, ``config.json``, ``card.md`` with the correlations found).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import sysconfig
import time
import tokenize
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ..tracer import Trace, trace_rnn

ASSET = Path(__file__).resolve().parents[2] / "assets" / "code" / "code-lstm"
FEATURES = ("in_string", "bracket_depth", "indentation", "line_position", "in_comment")
UNK = "\x00"


def stdlib_files() -> list[Path]:
    """Top-level ``*.py`` modules of the running interpreter's standard library, sorted."""
    return sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))


def split_of(path: Path) -> str:
    """``test`` for held-out files (``crc32(name) % 10 == 9``), else ``train``."""
    return "test" if zlib.crc32(path.name.encode()) % 10 == 9 else "train"


def read_text(paths: list[Path]) -> str:
    """Files joined by a blank line; tabs kept, non-ASCII characters left for ``<unk>``."""
    parts = []
    for p in paths:
        try:
            parts.append(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
    return "\n\n".join(parts)


@dataclass(frozen=True)
class CodeConfig:
    """The language model's architecture and vocabulary (stored as config.json)."""

    chars: str  # index 0 is the unknown character
    embed_size: int = 32
    hidden_size: int = 128
    train_chars: int = 0
    steps: int = 0
    seconds: float = 0.0
    held_out_files: tuple[str, ...] = ()
    held_out_bits_per_char: float = 0.0


class CharLM(nn.Module):
    """Embedding → one-layer LSTM → Linear over the characters."""

    def __init__(self, cfg: CodeConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(len(cfg.chars), cfg.embed_size)
        self.rnn = nn.LSTM(cfg.embed_size, cfg.hidden_size, batch_first=True)
        self.head = nn.Linear(cfg.hidden_size, len(cfg.chars))
        self.index = {c: i for i, c in enumerate(cfg.chars)}

    def encode(self, text: str) -> torch.Tensor:
        """Character ids ``(T,)``; unknown characters map to 0."""
        return torch.tensor([self.index.get(c, 0) for c in text], dtype=torch.long)

    def forward(self, ids: torch.Tensor, state=None):
        out, state = self.rnn(self.emb(ids), state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)

    def trace(self, text: str) -> Trace:
        """Every gate and state of the LSTM on ``text`` (one character per step)."""
        with torch.no_grad():
            x = self.emb(self.encode(text))  # (T, E)
        return trace_rnn(self.rnn, x, tokens=list(text))


def features(text: str) -> dict[str, np.ndarray]:
    """Per character: ``in_string`` (0/1), ``bracket_depth``, ``indentation`` (leading spaces of
    its line), ``line_position`` (column), ``in_comment`` (0/1). Strings, brackets and comments
    come from Python's own tokenizer (a file that does not tokenize keeps zeros there)."""
    n = len(text)
    out = {k: np.zeros(n, dtype=np.float32) for k in FEATURES}
    line_starts = [0]
    for k, c in enumerate(text):
        if c == "\n":
            line_starts.append(k + 1)
    starts = np.asarray(line_starts)
    line_of = np.searchsorted(starts, np.arange(n), side="right") - 1
    col = np.arange(n) - starts[line_of]
    out["line_position"] = col.astype(np.float32)
    indent = np.zeros(len(starts), dtype=np.float32)
    for i, s in enumerate(starts):
        j = s
        while j < n and text[j] == " ":
            j += 1
        indent[i] = j - s
    out["indentation"] = indent[line_of]

    def offset(row: int, column: int) -> int:
        # The tokenizer ends with NEWLINE/ENDMARKER on a line past the text when the code has
        # no trailing newline: such positions are the end of the text.
        if row - 1 >= len(starts):
            return n
        return min(n, int(starts[row - 1]) + column)

    depth_changes = np.zeros(n + 1, dtype=np.float32)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            a, b = offset(*tok.start), offset(*tok.end)
            if tok.type == tokenize.STRING:
                out["in_string"][a:b] = 1
            elif tok.type == tokenize.COMMENT:
                out["in_comment"][a:b] = 1
            elif tok.type == tokenize.OP and tok.string in "([{":
                depth_changes[b] += 1  # inside from the character after the opening bracket
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth_changes[a] -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    out["bracket_depth"] = np.maximum(np.cumsum(depth_changes)[:n], 0)
    return out


def correlations(values: np.ndarray, feats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pearson r of every unit ``values (N, U)`` with each feature ``(N,)`` → ``{name: (U,)}``."""
    v = values.astype(np.float64)
    vc = v - v.mean(0)
    vn = np.sqrt((vc**2).sum(0)) + 1e-12
    out = {}
    for name, f in feats.items():
        fc = f.astype(np.float64) - f.mean()
        out[name] = (vc * fc[:, None]).sum(0) / (vn * (np.sqrt((fc**2).sum()) + 1e-12))
    return out


@dataclass(frozen=True)
class BestUnit:
    feature: str
    quantity: str  # "c" or "h"
    unit: int
    r: float  # signed Pearson r


def best_units(trace: Trace, feats: dict[str, np.ndarray], top: int = 5) -> dict[str, list[BestUnit]]:  # fmt: skip
    """For each feature, the ``top`` units (of ``c`` and ``h``) with the largest ``|r|``."""
    ranked: dict[str, list[BestUnit]] = {name: [] for name in feats}
    for quantity in ("c", "h"):
        rs = correlations(trace.quantity(0, "forward", quantity), feats)
        for name, r in rs.items():
            ranked[name] += [BestUnit(name, quantity, int(u), float(r[u])) for u in range(len(r))]
    return {name: sorted(units, key=lambda b: -abs(b.r))[:top] for name, units in ranked.items()}


def load(folder: Path = ASSET) -> CharLM:
    """The shipped code language model (eval mode)."""
    cfg_path, w_path = folder / "config.json", folder / "model.safetensors"
    if not cfg_path.is_file() or not w_path.is_file():
        raise FileNotFoundError(
            f"{folder} has no model; train it with python -m rnnviz.analysis.codecells train"
        )
    data = json.loads(cfg_path.read_text(encoding="utf-8"))
    data["held_out_files"] = tuple(data.get("held_out_files", ()))
    model = CharLM(CodeConfig(**data))
    model.load_state_dict(load_file(str(w_path)))
    return model.eval()


def held_out_text(max_chars: int | None = None) -> str:
    """The held-out files' text (what correlations are measured on)."""
    text = read_text([p for p in stdlib_files() if split_of(p) == "test"])
    return text[:max_chars] if max_chars else text


def snippet(chars: int = 2500, name: str = "configparser.py") -> str:
    """A held-out piece of code to look at: from the first ``def`` past a third of the file."""
    held = [p for p in stdlib_files() if split_of(p) == "test"]
    if not held:
        return ""
    path = next((p for p in held if p.name == name), held[0])
    text = path.read_text(encoding="utf-8")
    start = text.find("\n    def ", len(text) // 3)
    return text[start + 1 if start >= 0 else 0 :][:chars]


def analyse(model: CharLM, text: str) -> dict[str, list[BestUnit]]:
    """Trace ``text`` and rank units per feature."""
    return best_units(model.trace(text), features(text))


def bits_per_char(model: CharLM, text: str, chunk: int = 2000) -> float:
    """Cross-entropy of the model on ``text`` in bits per character."""
    ids = model.encode(text)
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for a in range(0, len(ids) - 1, chunk):
            x = ids[a : a + chunk + 1]
            logits, state = model(x[None, :-1], state)
            loss = nn.functional.cross_entropy(logits[0], x[1:], reduction="sum")
            total += float(loss)
            count += len(x) - 1
    return total / max(count, 1) / np.log(2)


def train(
    seconds: float = 600.0, hidden: int = 128, seq_len: int = 128, batch: int = 32, seed: int = 0
) -> CharLM:
    """Train on the training files for ``seconds`` (truncated BPTT on random windows)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    files = stdlib_files()
    text = read_text([p for p in files if split_of(p) == "train"])
    counts: dict[str, int] = {}
    for c in text:
        counts[c] = counts.get(c, 0) + 1
    chars = UNK + "".join(sorted(c for c, k in counts.items() if k >= 20 and c != UNK))
    cfg = CodeConfig(chars=chars, hidden_size=hidden)
    model = CharLM(cfg)
    ids = model.encode(text)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    began, step = time.perf_counter(), 0
    while time.perf_counter() - began < seconds:
        starts = rng.integers(0, len(ids) - seq_len - 1, batch)
        x = torch.stack([ids[s : s + seq_len + 1] for s in starts])  # (B, L+1)
        logits, _ = model(x[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), x[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 200 == 0:
            bpc = loss.item() / np.log(2)
            print(f"step {step}  {time.perf_counter() - began:.0f} s  {bpc:.3f} bits/char",
                  flush=True)  # fmt: skip
    model.eval()
    held = [p.name for p in files if split_of(p) == "test"]
    bpc = bits_per_char(model, held_out_text(200_000))
    model.cfg = CodeConfig(
        chars=chars, hidden_size=hidden, train_chars=len(text), steps=step,
        seconds=round(time.perf_counter() - began, 1), held_out_files=tuple(held),
        held_out_bits_per_char=round(bpc, 4),
    )  # fmt: skip
    return model


def save(model: CharLM, folder: Path = ASSET, eval_chars: int = 100_000) -> dict[str, list[BestUnit]]:  # fmt: skip
    """Write weights, config and a card with the best unit per feature on held-out text."""
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(folder / "model.safetensors"))  # fmt: skip
    (folder / "config.json").write_text(json.dumps(asdict(model.cfg), indent=1) + "\n")
    best = analyse(model, held_out_text(eval_chars))
    c = model.cfg
    lines = [
        "# code-lstm: a character-level LSTM language model of Python source",
        "",
        f"- Data: the {len(stdlib_files())} top-level `*.py` modules of the Python "
        f"{sys.version_info.major}.{sys.version_info.minor} standard library; held out "
        f"(crc32(name) % 10 == 9, never trained on): {', '.join(c.held_out_files)}.",
        f"- Model: embedding {c.embed_size} → LSTM {c.hidden_size} → linear over "
        f"{len(c.chars)} characters; {c.steps} Adam steps in {c.seconds:.0f} s on one CPU thread "
        f"({c.train_chars:,} training characters, random 128-character windows, batch 32).",
        f"- Held-out cross-entropy: {c.held_out_bits_per_char:.3f} bits per character "
        "(first 200,000 held-out characters).",
        f"- Best unit per feature (Pearson r over the first {eval_chars:,} held-out characters):",
        "",
        "| feature | unit | r |",
        "|---|---|---|",
    ]
    for name, units in best.items():
        b = units[0]
        lines.append(f"| {name} | {b.quantity}[{b.unit}] | {b.r:+.3f} |")
    lines += ["", "Reproduce: `python -m rnnviz.analysis.codecells train --seconds 900`.", ""]
    (folder / "card.md").write_text("\n".join(lines), encoding="utf-8")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the code LSTM and report its cells.")
    parser.add_argument("command", choices=["train", "report"])
    parser.add_argument("--seconds", type=float, default=900.0)
    parser.add_argument("--hidden", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.command == "train":
        model = train(args.seconds, args.hidden)
        best = save(model)
    else:
        best = analyse(load(), held_out_text(100_000))
    for name, units in best.items():
        print(name, ", ".join(f"{b.quantity}[{b.unit}] r={b.r:+.3f}" for b in units[:3]))


if __name__ == "__main__":
    main()
