"""The textbook NumPy equations agree with PyTorch; carrying h_{t-1} forward matters."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnnviz import reference, trace_rnn
from rnnviz.cells import CELLS


def test_gru_many_to_many():
    """Batch of 10 sequences of 6 steps, input 3, hidden 8, a Linear head on every step."""
    torch.manual_seed(0)
    gru, head = nn.GRU(3, 8, batch_first=True), nn.Linear(8, 2)
    x = torch.randn(10, 6, 3)
    out, h_n = gru(x)
    logits = head(out)  # (10, 6, 2)
    for b in range(10):
        tr = trace_rnn(gru, x[b])
        np.testing.assert_allclose(tr.output, out[b].detach().numpy(), atol=1e-6)
        np.testing.assert_allclose(tr.h_n, h_n[:, b].detach().numpy(), atol=1e-6)
        ours = head(torch.from_numpy(tr.output)).detach().numpy()
        np.testing.assert_allclose(ours, logits[b].detach().numpy(), atol=1e-6)
        ref_out, _ = reference.rnn_forward(gru, x[b].numpy())
        np.testing.assert_allclose(ref_out, out[b].detach().numpy(), atol=1e-5)


def test_gru_many_to_one():
    """The head reads only the last hidden state."""
    torch.manual_seed(1)
    gru, head = nn.GRU(3, 8, batch_first=True), nn.Linear(8, 1)
    x = torch.randn(10, 6, 3)
    _, h_n = gru(x)
    scores = head(h_n[-1])  # (10, 1)
    for b in range(10):
        tr = trace_rnn(gru, x[b])
        np.testing.assert_allclose(tr.h_n[-1], h_n[-1, b].detach().numpy(), atol=1e-6)
        last = head(torch.from_numpy(tr.quantity(-1, "forward", "h")[-1])).detach().numpy()
        np.testing.assert_allclose(last, scores[b].detach().numpy(), atol=1e-6)


def test_forgetting_to_carry_h_changes_the_answer():
    torch.manual_seed(2)
    gru = nn.GRU(3, 8)
    x = torch.randn(6, 3).numpy()
    w = CELLS["gru"].weights(gru, 0, 0).numpy()
    h0 = {"h": np.zeros(8, dtype=np.float32)}
    right = CELLS["gru"].reference(x, w, h0)["h"]
    wrong = reference.layer_without_carry(CELLS["gru"].reference, x, w, h0)["h"]
    torch_h = gru(torch.from_numpy(x))[0].detach().numpy()
    np.testing.assert_allclose(right, torch_h, atol=1e-6)
    np.testing.assert_allclose(wrong[0], torch_h[0], atol=1e-6)  # the first step cannot tell
    assert np.abs(wrong[1:] - torch_h[1:]).max() > 1e-2  # every later step is wrong


def test_bidirectional_wrapper_aligns_tokens():
    torch.manual_seed(3)
    lstm = nn.LSTM(3, 4, bidirectional=True)
    x = torch.randn(7, 3)
    fw, bw = (CELLS["lstm"].weights(lstm, 0, r).numpy() for r in (0, 1))
    zeros = {s: np.zeros(4, dtype=np.float32) for s in ("h", "c")}
    fwd, bwd = reference.bidirectional(CELLS["lstm"].reference, x.numpy(), (fw, zeros), (bw, zeros))
    out = lstm(x)[0].detach().numpy()
    np.testing.assert_allclose(np.concatenate([fwd["h"], bwd["h"]], 1), out, atol=1e-6)


def test_vanilla_rnn_textbook_equals_pytorch_for_both_nonlinearities():
    for act in ("tanh", "relu"):
        torch.manual_seed(4)
        rnn = nn.RNN(3, 5, num_layers=2, bidirectional=True, nonlinearity=act)
        x = torch.randn(8, 3)
        ref_out, ref = reference.rnn_forward(rnn, x.numpy())
        np.testing.assert_allclose(ref_out, rnn(x)[0].detach().numpy(), atol=1e-6)
        tr = trace_rnn(rnn, x)
        assert tr.names == ("h",)
        for key, value in ref.items():
            np.testing.assert_allclose(tr.quantity(*key), value, atol=1e-6)
