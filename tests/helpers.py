"""Helpers shared by the tests (captum's ``testing/helpers/basic.py`` move): seeding, and array
asserts that check the shape first, so a wrong shape never passes by broadcasting."""

from __future__ import annotations

import numpy as np
import torch

TOL = {torch.float32: 1e-5, torch.float64: 1e-10}


def seeded(seed: int = 0) -> torch.Generator:
    """Seed torch's global generator and return a separate generator with the same seed."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def as_numpy(x: object) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def assert_close(actual: object, expected: object, atol: float, msg: str = "") -> None:
    """Same shape, then ``max |actual - expected| <= atol`` (no relative slack)."""
    a, e = as_numpy(actual), as_numpy(expected)
    assert a.shape == e.shape, f"{msg}: shape {a.shape} != {e.shape}"
    np.testing.assert_allclose(a, e, rtol=0, atol=atol, err_msg=msg)
