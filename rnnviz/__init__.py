"""rnnviz: see inside recurrent networks, one token at a time.

The library never imports streamlit; only ``rnnviz.ui`` does.
"""

from .schema import DIRECTIONS, GATES, MERGE_MODES, QUANTITIES, STYLES, Cell, Direction, MergeMode
from .tracer import Trace, trace_rnn

__all__ = [
    "DIRECTIONS",
    "GATES",
    "MERGE_MODES",
    "QUANTITIES",
    "STYLES",
    "Cell",
    "Direction",
    "MergeMode",
    "Trace",
    "trace_rnn",
]
