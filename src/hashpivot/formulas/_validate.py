"""Argument checks shared by the formulas. Each returns the argument as a float64 array."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.errors import InputError


def _as_float(name: str, value: ArrayLike) -> NDArray[np.float64]:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(name, value, "numbers") from exc
    if np.any(np.isnan(arr)):
        raise InputError(name, value, "numbers (not NaN)")
    return arr


def nonneg(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """``value >= 0`` (finite or +inf)."""
    arr = _as_float(name, value)
    if np.any(arr < 0):
        raise InputError(name, value, ">= 0")
    return arr


def positive(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """``value > 0``."""
    arr = _as_float(name, value)
    if np.any(arr <= 0):
        raise InputError(name, value, "> 0")
    return arr


def fraction(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """``0 <= value <= 1``."""
    arr = _as_float(name, value)
    if np.any((arr < 0) | (arr > 1)):
        raise InputError(name, value, "a fraction in [0, 1]")
    return arr


def finite(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """Any finite number (negative allowed, e.g. a cash flow)."""
    arr = _as_float(name, value)
    if np.any(~np.isfinite(arr)):
        raise InputError(name, value, "finite numbers")
    return arr


def at_least(name: str, value: ArrayLike, lower: float) -> NDArray[np.float64]:
    """``value >= lower``."""
    arr = _as_float(name, value)
    if np.any(arr < lower):
        raise InputError(name, value, f">= {lower}")
    return arr
