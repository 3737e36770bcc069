"""rnnviz: see inside recurrent networks, one token at a time.

The library never imports streamlit; only ``rnnviz.ui`` does.
"""

from .cells import CELLS, GATES, QUANTITIES, CellSpec, cell_of
from .schema import DIRECTIONS, MERGE_MODES, STYLES, Cell, Direction, MergeMode
from .tracer import Trace, trace_rnn

__all__ = [
    "CELLS",
    "DIRECTIONS",
    "GATES",
    "MERGE_MODES",
    "QUANTITIES",
    "STYLES",
    "Cell",
    "CellSpec",
    "Direction",
    "MergeMode",
    "Trace",
    "cell_of",
    "trace_rnn",
]
