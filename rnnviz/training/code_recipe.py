"""The code model's training recipe (:class:`CodeRecipe`): stored flat in a run's checkpoint
(``recipe``) and in the model's ``config.json`` under ``training``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeRecipe:
    """Training settings of the code model (stored in its config.json under ``training``)."""

    budget_seconds: float = 4200.0  # the run stops after this much training time
    max_steps: int | None = None
    hidden_size: int = 256
    embed_size: int = 32
    num_layers: int = 1
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
