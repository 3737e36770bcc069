"""Memory provenance: which token's write is still in a unit's memory, and how much.

The LSTM cell state is a sum of what each token wrote, each scaled by the forget gates since:
``c_t = Σ_{s≤t} (i_s g_s) Π_{k=s+1..t} f_k + c_init Π_{k≤t} f_k``. The GRU hidden state has the
same shape with ``w_s = (1 − z_s) n_s`` and keep factors ``z_k``. The decomposition is exact: the
rows of the matrix sum to the traced state. A vanilla RNN squashes its sum through ``tanh`` every
step, so it has no such decomposition.

For the backward direction the reading order is right to left (token ``T−1`` first): its state
at token ``t`` sums the writes of tokens ``s ≥ t``. Arrays are always in token order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..schema import Direction
from ..tracer import Trace

# Per cell: (state decomposed, gate that keeps it, how a step's write is made from the trace).
_PARTS = {
    "lstm": ("c", "f", lambda q: q("i") * q("g")),
    "gru": ("h", "z", lambda q: (1.0 - q("z")) * q("n")),
}


@dataclass(frozen=True)
class Provenance:
    """Exact decomposition of a state into per-token contributions.

    ``matrix[..., t, s]`` is what token ``s`` wrote that is still in the state at token ``t``
    (zero where ``s`` is not yet read); ``init[..., t]`` is what is left of the initial state.
    With one unit: ``matrix (T, T)``, ``init (T,)``, ``state (T,)``; with all units a leading
    ``units`` axis. ``matrix.sum(-1) + init == state``.
    """

    matrix: np.ndarray
    init: np.ndarray
    state: np.ndarray
    tokens: tuple[str, ...]
    name: str  # "c" (LSTM) or "h" (GRU)
    layer: int
    direction: Direction
    unit: int | None

    @property
    def total(self) -> np.ndarray:
        """``matrix.sum(-1) + init``: the state rebuilt from its parts."""
        return self.matrix.sum(-1) + self.init


def supports(cell: str) -> bool:
    """Whether a cell type has an exact additive memory (LSTM, GRU: yes; vanilla RNN: no)."""
    return cell in _PARTS


def decompose(
    writes: np.ndarray, keeps: np.ndarray, init: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``s_t = keep_t s_{t-1} + write_t`` into its per-step parts, in reading order.

    ``writes, keeps (T, U)``, ``init (U,)`` → ``matrix (U, T, T)``, ``left (U, T)``. Products
    only, carried along t for every s (O(T²·U)): no division, so a forget gate of 1e-30 stays
    exact where a ratio of cumulative products would be 0/0.
    """
    steps, units = writes.shape
    matrix = np.zeros((units, steps, steps), dtype=np.float64)
    left = np.empty((units, steps), dtype=np.float64)
    w = writes.astype(np.float64).T  # (U, T)
    k = keeps.astype(np.float64).T  # (U, T)
    carry = init.astype(np.float64)  # (U,) what is left of the initial state
    for t in range(steps):
        if t:
            matrix[:, t, :t] = matrix[:, t - 1, :t] * k[:, t, None]  # older writes fade
        matrix[:, t, t] = w[:, t]
        carry = carry * k[:, t]
        left[:, t] = carry
    return matrix, left


def provenance(
    trace: Trace, layer: int, direction: Direction, unit: int | None = None
) -> Provenance:
    """Decompose ``c`` (LSTM) or ``h`` (GRU) of one layer and direction; see :class:`Provenance`.

    ``unit=None`` decomposes every unit at once (a leading ``units`` axis).
    """
    if not supports(trace.cell):
        raise ValueError(
            f"memory provenance needs an additive memory (LSTM c or GRU h); a "
            f"{trace.cell.upper()} squashes its state through tanh every step, so its state "
            "has no exact per-token decomposition"
        )
    name, keep, write = _PARTS[trace.cell]
    units = trace.units(name)
    if unit is not None and not 0 <= unit < units:
        raise ValueError(f"unit must be in 0..{units - 1}, got {unit}")

    def q(gate: str) -> np.ndarray:
        return trace.quantity(layer, direction, gate)

    writes, keeps = write(q), q(keep)  # (T, H)
    state = q(name)  # (T, H)
    previous = trace.previous(layer, direction, name)  # (T, H)
    backward = direction == "backward"
    init = previous[-1] if backward else previous[0]  # (H,) the state before the first read
    cols = slice(None) if unit is None else slice(unit, unit + 1)
    writes, keeps, init = writes[:, cols], keeps[:, cols], init[cols]
    if backward:  # reading order: token T-1 first
        writes, keeps = writes[::-1], keeps[::-1]
    matrix, left = decompose(writes, keeps, init)
    if backward:  # back to token order on both axes
        matrix, left = matrix[:, ::-1, ::-1], left[:, ::-1]
    dtype = state.dtype
    matrix, left = np.ascontiguousarray(matrix, dtype=dtype), np.ascontiguousarray(left, dtype)
    state = np.ascontiguousarray(state[:, cols].T)  # (U, T)
    if unit is not None:
        matrix, left, state = matrix[0], left[0], state[0]
    return Provenance(
        matrix=matrix,
        init=left,
        state=state,
        tokens=tuple(trace.tokens),
        name=name,
        layer=layer % trace.num_layers,
        direction=direction,
        unit=unit,
    )
