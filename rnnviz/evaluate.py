"""``python -m rnnviz.evaluate NAME`` (or ``all``): test metrics of a shipped model and its card.

The code lives in :mod:`rnnviz.training.evaluate` and :mod:`rnnviz.training.cards`; this module
keeps the command and the names other code imports from here.
"""

from __future__ import annotations

from .training.cards import card, example_output
from .training.evaluate import (
    REFERENCES_FILE,
    cached_reference_rows,
    confusions,
    counter_units,
    evaluate,
    failure_cases,
    main,
    reference_rows,
    score,
    score_test,
    test_examples,
)

__all__ = [
    "REFERENCES_FILE",
    "cached_reference_rows",
    "card",
    "confusions",
    "counter_units",
    "evaluate",
    "example_output",
    "failure_cases",
    "main",
    "reference_rows",
    "score",
    "score_test",
    "test_examples",
]

if __name__ == "__main__":
    main()
