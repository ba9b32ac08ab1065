"""Levels from log steps, shared by the multiplicative processes (price, hashrate, GPU rent)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def levels_from_log_steps(start: float, log_steps: NDArray[np.float64]) -> NDArray[np.float64]:
    """``out[:, 0] = start`` and ``out[:, t] = start x exp(sum of log_steps[:, :t])``; shape (paths, days + 1).

    The start multiplies ``exp(0) = 1`` so that a flat path stays exactly at ``start`` (adding ``log(start)``
    inside the exponent would round it).

    >>> levels_from_log_steps(2.0, np.log(np.array([[2.0, 3.0]]))).round(12).tolist()
    [[2.0, 4.0, 12.0]]
    >>> float(levels_from_log_steps(700.0, np.zeros((1, 3)))[0, -1])
    700.0
    """
    n_paths, n_days = log_steps.shape
    out = np.empty((n_paths, n_days + 1), dtype=np.float64)
    out[:, 0] = 0.0
    np.cumsum(log_steps, axis=1, out=out[:, 1:])
    np.exp(out, out=out)
    out *= start
    return out
