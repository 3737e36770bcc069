"""``python -m rnnviz.train NAME`` (or ``all``): reproduce a shipped checkpoint.

The code lives in :mod:`rnnviz.training` (recipes, task data, the one loop, evaluation); this
module keeps the command and the names other code imports from here.
"""

from __future__ import annotations

from .training.evaluate import score
from .training.loop import Progress
from .training.recipes import RECIPES, Recipe
from .training.shipped import QUEUES, fit, main, train
from .training.tasks import batch_loss, batches, build_config, collate, encode_examples, task_data

__all__ = [
    "QUEUES",
    "RECIPES",
    "Progress",
    "Recipe",
    "batch_loss",
    "batches",
    "build_config",
    "collate",
    "encode_examples",
    "fit",
    "main",
    "score",
    "task_data",
    "train",
]

if __name__ == "__main__":
    main()
