"""Memory provenance: which token's write is still in a unit's memory, and how much.

Any state a cell updates as ``s_t = a_t ⊙ s_{t-1} + b_t`` (its spec's ``linear_states``) is a
sum of what each token wrote, each scaled by the keep factors since:
``s_t = Σ_{u≤t} b_u Π_{k=u+1..t} a_k + s_init Π_{k≤t} a_k``. The state decomposed is the one the
spec updates (``CellSpec.updated``), with the keep factor it names (``CellSpec.memory``: an
LSTM's or sLSTM's ``c`` with ``f``, a GRU's ``h`` with ``z``, a minGRU's ``h`` with ``1 − z``).
The decomposition is exact: the rows of the matrix sum to the traced state. A cell whose updated
state is not linear (the vanilla RNN squashes its sum through ``tanh`` every step) has none.

For the backward direction the reading order is right to left (token ``T−1`` first): its state
at token ``t`` sums the writes of tokens ``s ≥ t``. Arrays are always in token order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cells import get
from ..schema import Direction
from ..tracer import Trace


class _Probe(dict):
    """Any quantity maps to 0.0: enough to ask a spec which states it updates linearly."""

    def __missing__(self, key: str) -> float:
        return 0.0


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
    name: str  # the state decomposed: "c" (LSTM, sLSTM) or "h" (GRU, minGRU)
    layer: int
    direction: Direction
    unit: int | None

    @property
    def total(self) -> np.ndarray:
        """``matrix.sum(-1) + init``: the state rebuilt from its parts."""
        return self.matrix.sum(-1) + self.init


def supports(cell: str) -> bool:
    """Whether a cell has an exact additive memory: its updated state is one of its linear ones
    (LSTM, GRU, minGRU, sLSTM: yes; vanilla RNN: no)."""
    spec = get(cell)
    return spec.updated in spec.linear_states(_Probe())


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
    """Decompose the updated state of one layer and direction; see :class:`Provenance`.

    ``unit=None`` decomposes every unit at once (a leading ``units`` axis).
    """
    spec = trace.spec
    if not supports(trace.cell):
        raise ValueError(
            f"memory provenance needs an additive memory (s_t = a*s_(t-1) + b); a {spec.title} "
            f"squashes its state {spec.updated} every step, so it has no exact per-token "
            "decomposition"
        )
    name = spec.updated
    units = trace.units(name)
    if unit is not None and not 0 <= unit < units:
        raise ValueError(f"unit must be in 0..{units - 1}, got {unit}")

    values = {n: trace.quantity(layer, direction, n) for n in trace.names}
    keeps, writes = spec.linear_states(values)[name]  # (T, H) each: s_t = keeps*s_{t-1} + writes
    state = values[name]  # (T, H)
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
