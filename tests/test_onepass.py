"""The one-pass tracer's switch and its fallback: where the extension cannot be built, every
trace still comes out (the torch-only path), equal to PyTorch's."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz import onepass, trace_rnn, tracer
from rnnviz.cells import cell_of


def _failed_build() -> dict:
    done = threading.Thread(target=lambda: None)
    done.start()
    done.join()
    return {"thread": done, "error": "CalledProcessError: no C++ compiler here"}


def test_without_the_extension_the_torch_path_traces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onepass, "_built", _failed_build())
    monkeypatch.setenv("RNNVIZ_TRACER", "auto")
    rnn = nn.LSTM(3, 4, bidirectional=True)
    x = torch.randn(6, 3)
    assert onepass.module() is None
    assert tracer.path(rnn) == tracer.RECOMPUTE
    np.testing.assert_allclose(trace_rnn(rnn, x).output, rnn(x)[0].detach().numpy(), atol=1e-6)


def test_asking_for_the_one_pass_path_where_it_failed_says_why(monkeypatch) -> None:
    monkeypatch.setattr(onepass, "_built", _failed_build())
    monkeypatch.setenv("RNNVIZ_TRACER", "onepass")
    with pytest.raises(RuntimeError, match="no C\\+\\+ compiler"):
        trace_rnn(nn.GRU(3, 4), torch.randn(5, 3))


def test_an_unknown_choice_is_an_error_not_a_guess(monkeypatch) -> None:
    monkeypatch.setenv("RNNVIZ_TRACER", "fastest")
    with pytest.raises(ValueError, match="RNNVIZ_TRACER must be one of"):
        onepass.choice()


def test_recompute_never_builds(monkeypatch) -> None:
    monkeypatch.setattr(onepass, "_built", {})
    monkeypatch.setenv("RNNVIZ_TRACER", "recompute")
    onepass.start()
    assert onepass.module() is None and "thread" not in onepass._built


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (nn.LSTM(3, 4), True),
        (nn.GRU(3, 4, num_layers=2, bidirectional=True), True),
        (nn.LSTM(3, 4, proj_size=2), False),  # the projection stays on the torch path
        (nn.RNN(3, 4), False),  # chaotic recurrences keep PyTorch's own h
        (nn.GRU(3, 4).to(torch.float16), False),
    ],
)
def test_which_modules_go_through_one_pass(module: nn.RNNBase, expected: bool) -> None:
    assert onepass.supports(cell_of(module), module) is expected
