"""The code model's training recipe (:class:`CodeRecipe`): stored flat in a run's checkpoint
(``recipe``) and in the model's ``config.json`` under ``training`` (:meth:`CodeRecipe.to_json`:
the same keys in the same order as when the recipe repeated the architecture's fields)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..architecture import Architecture, flatten, unflatten
from ..models.code import code_arch

# a run's model: embedding 32 → LSTM 256 → linear over the characters
CODE_RECIPE_ARCH = code_arch(embed_size=32, hidden_size=256)
# stored key → Architecture field, in the order the flat recipe has always listed them
RECIPE_ARCH_KEYS = {
    "hidden_size": "hidden_size",
    "embed_size": "input_size",
    "num_layers": "num_layers",
}


@dataclass(frozen=True)
class CodeRecipe:
    """Training settings of the code model (stored in its config.json under ``training``)."""

    budget_seconds: float = 4200.0  # the run stops after this much training time
    max_steps: int | None = None
    arch: Architecture = CODE_RECIPE_ARCH  # the model it trains
    seq_len: int = 128
    batch_size: int = 32
    lr: float = 3e-3
    clip: float = 1.0
    # the forget gate's bias starts here (char-rnn: 1, so cells keep what they hold until they
    # learn to forget); None: PyTorch's default initialisation, as the first shipped runs
    forget_bias: float | None = None
    # False: docstrings removed from every file (training and held-out alike), so strings are
    # short literals; True: files as they are
    docstrings: bool = True
    quotes: bool = False  # True: one quote style ('...' becomes "..." where the value allows)
    # False: string literals that span lines (prose blocks once docstrings are gone) become
    # empty ones in training and held-out text alike, so every string is a one-line literal
    long_strings: bool = True
    min_char_count: int = 20  # rarer characters read as the unknown one
    # True: each batch row reads one stretch of the text window after window, its state carried
    # over (detached), as the app and the analysis run the model over a whole file; False: random
    # windows from a zero state, which never teach the model anything longer than a window
    stateful: bool = True
    # True: the standard library's packages' modules (not their tests) join the top-level ones
    # as training text; held-out names (crc32 % 10 == 9) stay out wherever they are
    packages: bool = True
    average: float = 0.999  # > 0: ship a moving average of the weights (rnnviz.training.loop)
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        """The flat form a checkpoint and a config.json store (``hidden_size``, ``embed_size``,
        ``num_layers`` where ``arch`` stands)."""
        return flatten(self, RECIPE_ARCH_KEYS)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CodeRecipe:
        """The recipe of a flat dict (a checkpoint's ``recipe``; keys not of a recipe: error)."""
        known = {f.name for f in fields(cls)} - {"arch"} | set(RECIPE_ARCH_KEYS)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"code recipe: unknown keys {unknown}")
        return cls(**unflatten(data, RECIPE_ARCH_KEYS, CODE_RECIPE_ARCH))
