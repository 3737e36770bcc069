"""Record every gate and state of a PyTorch LSTM/GRU, every step, every direction, every layer.

How: run PyTorch's own kernel one layer at a time (so each layer's real output, the next layer's
input, is known), then recompute all gates of all steps at once from the known ``h_{t-1}``: two
matrix products per direction. Only the LSTM cell update ``c_t = f*c_{t-1} + i*g`` needs a loop.
The hidden states and final states are PyTorch's own numbers, not a re-implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import cells
from .schema import DIRECTIONS, GATES, MERGE_MODES, Cell, Direction, MergeMode, quantities


@dataclass(frozen=True)
class Trace:
    """Everything a recurrent module computed on one sequence, in token order.

    ``quantity(layer, direction, name)`` is ``(T, units)``; row ``t`` is token ``t`` in both
    directions, so the backward ``h`` at ``t`` is the state after reading tokens ``T-1 … t``.
    """

    cell: Cell
    num_layers: int
    bidirectional: bool
    hidden_size: int
    proj_size: int
    tokens: tuple[str, ...]
    output: np.ndarray  # (T, D * H_out), equal to rnn(x)[0]
    h_n: np.ndarray  # (L * D, H_out), equal to rnn(x)[1] (or rnn(x)[1][0] for LSTM)
    c_n: np.ndarray | None  # (L * D, H) for LSTM, None for GRU
    inputs: tuple[np.ndarray, ...]  # per layer: (T, input_size of that layer)
    arrays: dict[tuple[int, str, str], np.ndarray] = field(repr=False)
    previous_states: dict[tuple[int, str, str], np.ndarray] = field(repr=False)
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = field(repr=False)

    @property
    def length(self) -> int:
        """Number of steps T."""
        return int(self.output.shape[0])

    @property
    def directions(self) -> tuple[Direction, ...]:
        return DIRECTIONS if self.bidirectional else DIRECTIONS[:1]

    @property
    def names(self) -> tuple[str, ...]:
        """Quantities recorded per step: ``i f g o c h`` (LSTM) or ``r z n h`` (GRU)."""
        return quantities(self.cell)

    @property
    def output_size(self) -> int:
        """Units of ``h`` (the projection size when the LSTM has one)."""
        return self.proj_size or self.hidden_size

    def units(self, name: str) -> int:
        """Number of units of a quantity."""
        return self.output_size if name == "h" else self.hidden_size

    def _key(self, layer: int, direction: str, name: str) -> tuple[int, str, str]:
        if not -self.num_layers <= layer < self.num_layers:
            raise ValueError(
                f"layer must be in 0..{self.num_layers - 1} (or negative), got {layer}"
            )
        if direction not in self.directions:
            raise ValueError(f"direction must be one of {self.directions}, got {direction!r}")
        if name not in self.names:
            raise ValueError(f"{self.cell.upper()} quantities are {self.names}, got {name!r}")
        return (layer % self.num_layers, direction, name)

    def quantity(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` values of gate or state ``name``; row t is token t."""
        return self.arrays[self._key(layer, direction, name)]

    def previous(self, layer: int, direction: Direction, name: str) -> np.ndarray:
        """``(T, units)`` state each step started from (``h_{t-1}``, ``c_{t-1}``), token order.

        For the backward direction the state before step ``t`` is the one after token ``t+1``.
        """
        if name not in ("h", "c") or (name == "c" and self.cell != "lstm"):
            raise ValueError(f"previous() has states {'h, c' if self.cell == 'lstm' else 'h'}")
        return self.previous_states[self._key(layer, direction, name)]

    def preactivation(self, layer: int, direction: Direction, gate: str) -> dict[str, np.ndarray]:
        """The parts of a gate's argument: ``Wx (T,H)``, ``Uh (T,H)``, ``b_x (H,)``, ``b_h (H,)``.

        LSTM and GRU ``r``/``z``: ``gate = act(Wx + b_x + Uh + b_h)``; GRU ``n``:
        ``n = tanh(Wx + b_x + r * (Uh + b_h))``.
        """
        if gate not in GATES[self.cell]:
            raise ValueError(f"{self.cell.upper()} gates are {GATES[self.cell]}, got {gate!r}")
        layer, direction, _ = self._key(layer, direction, "h")
        wx, uh, b_x, b_h = self.preacts[(layer, direction)]
        k = GATES[self.cell].index(gate)
        sl = slice(k * self.hidden_size, (k + 1) * self.hidden_size)
        return {"Wx": wx[:, sl], "Uh": uh[:, sl], "b_x": b_x[sl], "b_h": b_h[sl]}

    def hidden(self, layer: int = -1) -> np.ndarray:
        """``(T, D * H_out)`` output of a layer, directions concatenated as PyTorch does."""
        return np.concatenate([self.quantity(layer, d, "h") for d in self.directions], axis=1)

    def merged(self, mode: MergeMode = "concat", layer: int = -1) -> np.ndarray:
        """Both directions' ``h`` merged: concat ``(T, 2H)``; sum, mean, product ``(T, H)``.

        A unidirectional trace has one direction to merge: every mode returns its ``h``.
        """
        if mode not in MERGE_MODES:
            raise ValueError(f"merge mode must be one of {MERGE_MODES}, got {mode!r}")
        if not self.bidirectional:
            return self.quantity(layer, "forward", "h")
        fwd = self.quantity(layer, "forward", "h")
        bwd = self.quantity(layer, "backward", "h")
        if mode == "concat":
            return np.concatenate([fwd, bwd], axis=1)
        if mode == "sum":
            return fwd + bwd
        if mode == "mean":
            return (fwd + bwd) / 2
        return fwd * bwd

    def to_frame(self):
        """Tidy long table ``[layer, direction, position, token, quantity, unit, value]``."""
        from .frames import to_frame

        return to_frame(self)


def _check_module(rnn: object) -> Cell:
    if isinstance(rnn, nn.LSTM):
        return "lstm"
    if isinstance(rnn, nn.GRU):
        return "gru"
    raise TypeError(
        f"trace_rnn expects a torch.nn.LSTM or torch.nn.GRU, got {type(rnn).__name__}; "
        "pass the recurrent submodule itself (e.g. model.rnn)"
    )


def _param_dtype(rnn: nn.RNNBase) -> tuple[torch.dtype, torch.device]:
    first = next(iter(rnn.parameters()))
    return first.dtype, first.device


def _check_params(rnn: nn.RNNBase) -> None:
    for name, p in rnn.named_parameters():
        if not torch.isfinite(p).all():
            raise ValueError(f"parameter {name} of the {type(rnn).__name__} holds NaN or inf")


def _as_sequence(rnn: nn.RNNBase, x: object) -> torch.Tensor:
    dtype, device = _param_dtype(rnn)
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        try:
            t = torch.as_tensor(np.asarray(x))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"x must be an array of shape (T, input_size); {exc}") from None
    if t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"x must hold real numbers, got dtype {t.dtype}")
    if t.ndim == 3:
        layout = "(batch, T, features)" if rnn.batch_first else "(T, batch, features)"
        raise ValueError(
            f"trace_rnn traces one sequence of shape (T, {rnn.input_size}); got a batch "
            f"{tuple(t.shape)} read as {layout}; trace one sequence at a time, e.g. x[0]"
        )
    if t.ndim != 2:
        hint = " (for input_size 1 use x[:, None])" if t.ndim == 1 else ""
        raise ValueError(f"x must have shape (T, {rnn.input_size}), got {tuple(t.shape)}{hint}")
    if t.shape[0] == 0:
        raise ValueError("x is an empty sequence (T = 0); give at least one step")
    if t.shape[1] != rnn.input_size:
        raise ValueError(
            f"x has {t.shape[1]} features per step but the module expects input_size="
            f"{rnn.input_size}"
        )
    t = t.to(device=device, dtype=dtype)
    if not torch.isfinite(t).all():
        bad = int(torch.nonzero(~torch.isfinite(t))[0, 0])
        raise ValueError(f"x holds NaN or inf (first at step {bad})")
    return t


def _initial_states(
    rnn: nn.RNNBase, cell: Cell, hx: object, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor | None]:
    d = 2 if rnn.bidirectional else 1
    h_out = rnn.proj_size if cell == "lstm" and rnn.proj_size else rnn.hidden_size
    shape_h = (rnn.num_layers * d, h_out)
    shape_c = (rnn.num_layers * d, rnn.hidden_size)
    if hx is None:
        h0 = torch.zeros(shape_h, dtype=dtype, device=device)
        c0 = torch.zeros(shape_c, dtype=dtype, device=device) if cell == "lstm" else None
        return h0, c0
    parts = hx if cell == "lstm" else (hx, None)
    if cell == "lstm" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
        raise TypeError("hx for an LSTM is a pair (h0, c0)")
    h0 = torch.as_tensor(parts[0], dtype=dtype, device=device)
    if tuple(h0.shape) != shape_h:
        raise ValueError(f"h0 must have shape {shape_h}, got {tuple(h0.shape)}")
    c0 = None
    if cell == "lstm":
        c0 = torch.as_tensor(parts[1], dtype=dtype, device=device)
        if tuple(c0.shape) != shape_c:
            raise ValueError(f"c0 must have shape {shape_c}, got {tuple(c0.shape)}")
    return h0, c0


def _layer_weights(rnn: nn.RNNBase, layer: int, direction: int) -> list[torch.Tensor]:
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ["weight_ih", "weight_hh"]
    if rnn.bias:
        names += ["bias_ih", "bias_hh"]
    if getattr(rnn, "proj_size", 0):
        names += ["weight_hr"]
    return [getattr(rnn, n + suffix) for n in names]


def _cell_states(f: np.ndarray, u: np.ndarray, c0: np.ndarray) -> np.ndarray:
    """``c_t = f_t * c_{t-1} + u_t`` for ``t = 0..T-1``; ``f, u (T, M)``, ``c0 (M,)`` → ``(T, M)``."""
    c = np.empty_like(u)
    prev = c0
    for t in range(u.shape[0]):
        row = c[t]
        np.multiply(f[t], prev, out=row)
        row += u[t]
        prev = row
    return c


def trace_rnn(
    rnn: nn.LSTM | nn.GRU,
    x: torch.Tensor | np.ndarray,
    hx: object = None,
    tokens: Sequence[str] | None = None,
) -> Trace:
    """Trace ``rnn`` on one sequence ``x (T, input_size)``; see :class:`Trace`.

    ``hx`` is the optional initial state in PyTorch's unbatched layout: ``h0 (L*D, H_out)`` for
    a GRU, ``(h0, c0)`` for an LSTM. The module is run with eval semantics (no dropout) and is
    left untouched: no hooks, no change of mode, no gradients.
    """
    cell = _check_module(rnn)
    _check_params(rnn)
    inp = _as_sequence(rnn, x)  # (T, input_size)
    dtype, device = inp.dtype, inp.device
    h0_all, c0_all = _initial_states(rnn, cell, hx, dtype, device)
    steps = inp.shape[0]
    if tokens is None:
        tokens = [str(t) for t in range(steps)]
    tokens = tuple(str(t) for t in tokens)
    if len(tokens) != steps:
        raise ValueError(f"got {len(tokens)} tokens for a sequence of {steps} steps")

    n_dir = 2 if rnn.bidirectional else 1
    hidden = rnn.hidden_size
    proj = rnn.proj_size if cell == "lstm" else 0
    h_out = proj or hidden
    arrays: dict[tuple[int, str, str], np.ndarray] = {}
    previous: dict[tuple[int, str, str], np.ndarray] = {}
    preacts: dict[tuple[int, str], tuple[np.ndarray, ...]] = {}
    inputs: list[np.ndarray] = []
    h_n, c_n = [], []
    # LSTM cell updates of every layer and direction, run in one loop at the end.
    pending_f, pending_u, pending_c0, pending_keys = [], [], [], []

    with torch.no_grad():
        for layer in range(rnn.num_layers):
            rows = slice(layer * n_dir, (layer + 1) * n_dir)
            weights = [w for d in range(n_dir) for w in _layer_weights(rnn, layer, d)]
            seq = inp[:, None, :]  # (T, 1, F): PyTorch's kernel wants a batch axis
            if cell == "lstm":
                state = (h0_all[rows, None, :], c0_all[rows, None, :])
                out, hn, cn = torch._VF.lstm(
                    seq, state, weights, rnn.bias, 1, 0.0, False, rnn.bidirectional, False
                )
                c_n.append(cn[:, 0])
            else:
                out, hn = torch._VF.gru(
                    seq, h0_all[rows, None, :], weights, rnn.bias, 1, 0.0, False,
                    rnn.bidirectional, False,
                )  # fmt: skip
            h_n.append(hn[:, 0])
            out = out[:, 0, :]  # (T, D * H_out)
            inputs.append(inp.detach().cpu().numpy())
            for d, direction in enumerate(DIRECTIONS[:n_dir]):
                w_ih, w_hh = _layer_weights(rnn, layer, d)[:2]  # (G*H, F), (G*H, H_out)
                h = out[:, d * h_out : (d + 1) * h_out]  # (T, H_out)
                h0 = h0_all[layer * n_dir + d][None, :]  # (1, H_out)
                # State each step starts from: the step before in reading order.
                h_prev = torch.cat([h0, h[:-1]]) if d == 0 else torch.cat([h[1:], h0])
                wx = inp @ w_ih.T  # (T, G*H)
                uh = h_prev @ w_hh.T  # (T, G*H)
                if rnn.bias:
                    b_x = getattr(rnn, f"bias_ih_l{layer}" + ("_reverse" if d else ""))
                    b_h = getattr(rnn, f"bias_hh_l{layer}" + ("_reverse" if d else ""))
                else:
                    b_x = b_h = torch.zeros(w_ih.shape[0], dtype=dtype, device=device)
                gates = (cells.lstm_gates if cell == "lstm" else cells.gru_gates)(
                    wx + b_x, uh + b_h
                )
                key = (layer, direction)
                preacts[key] = tuple(a.detach().cpu().numpy() for a in (wx, uh, b_x, b_h))
                for name, value in gates.items():
                    arrays[(layer, direction, name)] = value.detach().cpu().numpy()
                arrays[(layer, direction, "h")] = h.detach().cpu().numpy()
                previous[(layer, direction, "h")] = h_prev.detach().cpu().numpy()
                if cell == "lstm":
                    f, u = gates["f"], gates["i"] * gates["g"]  # (T, H)
                    if d == 1:  # the backward cell reads right to left
                        f, u = f.flip(0), u.flip(0)
                    pending_f.append(f)
                    pending_u.append(u)
                    pending_c0.append(c0_all[layer * n_dir + d])
                    pending_keys.append((layer, direction))
            inp = out

        if cell == "lstm":
            width = hidden
            f_all = torch.cat(pending_f, dim=1).detach().cpu().numpy()  # (T, K*H)
            u_all = torch.cat(pending_u, dim=1).detach().cpu().numpy()  # (T, K*H)
            c0_flat = torch.cat(pending_c0).detach().cpu().numpy()  # (K*H,)
            c_all = _cell_states(f_all, u_all, c0_flat)  # (T, K*H) in reading order
            for k, (layer, direction) in enumerate(pending_keys):
                c = c_all[:, k * width : (k + 1) * width]
                c0 = c0_flat[k * width : (k + 1) * width][None, :]
                c_prev = np.concatenate([c0, c[:-1]])
                if direction == "backward":  # back to token order
                    c, c_prev = c[::-1], c_prev[::-1]
                arrays[(layer, direction, "c")] = np.ascontiguousarray(c)
                previous[(layer, direction, "c")] = np.ascontiguousarray(c_prev)

        output = inp.detach().cpu().numpy()
        h_n_arr = torch.cat(h_n).detach().cpu().numpy()
        c_n_arr = torch.cat(c_n).detach().cpu().numpy() if cell == "lstm" else None

    return Trace(
        cell=cell,
        num_layers=rnn.num_layers,
        bidirectional=rnn.bidirectional,
        hidden_size=hidden,
        proj_size=proj,
        tokens=tokens,
        output=output,
        h_n=h_n_arr,
        c_n=c_n_arr,
        inputs=tuple(inputs),
        arrays=arrays,
        previous_states=previous,
        preacts=preacts,
    )
