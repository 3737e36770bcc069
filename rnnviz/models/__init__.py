"""Models the app can show: the protocol and one pass (``base``), the shipped task models
(``shipped``; their record ``config``, network ``net``, ``decoding`` and file ``storage``).
``rnnviz.models.load(name)`` returns a shipped model with ``.predict``, ``.words`` (segmenters)
and ``.trace``; :func:`run` makes the :class:`Run` pages read."""

from .base import EmptyText, Prepared, Run, ShowableModel, argmax_decode, run, softmax
from .config import (
    ASSETS,
    CARD_FILE,
    CONFIG_FILE,
    FORMAT_VERSION,
    TASKS,
    WEIGHTS_FILE,
    Kind,
    ModelConfig,
    Task,
)
from .decoding import (
    FORBIDDEN,
    bmes_constraints,
    crf_marginals,
    log_softmax,
    spans_to_words,
    viterbi,
)
from .net import TaskNet
from .shipped import RNNModel, available, load, load_dir
from .storage import EMB_SUFFIX, dequantize, quantize_rows, size_mb, write_config

__all__ = [
    "ASSETS",
    "CARD_FILE",
    "CONFIG_FILE",
    "EMB_SUFFIX",
    "FORBIDDEN",
    "FORMAT_VERSION",
    "TASKS",
    "WEIGHTS_FILE",
    "EmptyText",
    "Kind",
    "ModelConfig",
    "Prepared",
    "RNNModel",
    "Run",
    "ShowableModel",
    "Task",
    "TaskNet",
    "argmax_decode",
    "available",
    "bmes_constraints",
    "crf_marginals",
    "dequantize",
    "load",
    "load_dir",
    "log_softmax",
    "quantize_rows",
    "run",
    "size_mb",
    "softmax",
    "spans_to_words",
    "viterbi",
    "write_config",
]
