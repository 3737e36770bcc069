from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from rnnviz import trace_rnn
from rnnviz.frames import COLUMNS, to_frame, to_matrix


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU])
def test_round_trip(cell):
    torch.manual_seed(0)
    rnn = cell(3, 5, num_layers=2, bidirectional=True)
    tokens = ["我", "爱", "我", "家"]  # a repeated token must not merge rows
    tr = trace_rnn(rnn, torch.randn(4, 3), tokens=tokens)
    frame = to_frame(tr)
    assert tuple(frame.columns) == COLUMNS
    assert len(frame) == 2 * 2 * len(tr.names) * 4 * 5
    for layer in range(2):
        for d in tr.directions:
            for name in tr.names:
                np.testing.assert_array_equal(
                    to_matrix(frame, layer, d, name), tr.quantity(layer, d, name)
                )
    first = frame[(frame.layer == 0) & (frame.position == 2)]
    assert set(first.token) == {"我"}
    assert frame.equals(tr.to_frame())


def test_parquet_and_csv_round_trip(tmp_path):
    rnn = nn.GRU(2, 3, bidirectional=True)
    tr = trace_rnn(rnn, torch.randn(5, 2))
    frame = to_frame(tr)
    frame.to_parquet(tmp_path / "t.parquet")
    back = pd.read_parquet(tmp_path / "t.parquet")
    np.testing.assert_array_equal(
        to_matrix(back, 0, "backward", "z"), tr.quantity(0, "backward", "z")
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    csv = pd.read_csv(tmp_path / "t.csv")
    np.testing.assert_allclose(to_matrix(csv, 0, "forward", "h"), tr.quantity(0, "forward", "h"))


def test_missing_rows_and_columns():
    tr = trace_rnn(nn.GRU(2, 3), torch.randn(5, 2))
    frame = to_frame(tr)
    with pytest.raises(ValueError, match="no rows"):
        to_matrix(frame, 0, "backward", "h")
    with pytest.raises(ValueError, match="lacks columns"):
        to_matrix(frame.drop(columns="unit"), 0, "forward", "h")
