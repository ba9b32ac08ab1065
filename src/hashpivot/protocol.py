"""Bitcoin consensus facts, vectorized over numpy arrays.

Each checked function (``subsidy_sats``, ``expected_blocks_per_day``, ...) validates its input and then calls an
``*_unchecked`` twin that holds the arithmetic alone. The twins work on numpy arrays and on scalars, and the
engine's jitted kernels compile those same functions (``hashpivot.engine.kernels``), so every consensus rule is
written once.

Source: Bitcoin Core ``src/validation.cpp`` (``GetBlockSubsidy``) and ``src/pow.cpp``
(``CalculateNextWorkRequired``); consensus parameters in ``src/kernel/chainparams.cpp``
(``nSubsidyHalvingInterval = 210000``, ``nPowTargetTimespan = 14 days``, ``nPowTargetSpacing = 600 s``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.errors import InputError
from hashpivot.units import SATS_PER_BTC

HALVING_INTERVAL_BLOCKS = 210_000
INITIAL_SUBSIDY_SATS = 50 * SATS_PER_BTC
TARGET_BLOCK_SECONDS = 600.0
RETARGET_INTERVAL_BLOCKS = 2016
TARGET_TIMESPAN_SECONDS = RETARGET_INTERVAL_BLOCKS * TARGET_BLOCK_SECONDS  # 14 days
RETARGET_CLAMP_RATIO = 4.0
BLOCKS_PER_DAY_TARGET = 144.0
#: Consensus returns 0 once the shift would reach 64; the right shift already gives 0 from 33 on.
MAX_HALVINGS = 64
#: Height of the first block with zero subsidy (50 BTC in sats >> 33 == 0).
ZERO_SUBSIDY_HEIGHT = 33 * HALVING_INTERVAL_BLOCKS


def _heights(height: ArrayLike) -> NDArray[np.int64]:
    arr = np.asarray(height)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind != "f" or np.any(arr != np.floor(arr)):
            raise InputError("height", height, "whole block heights >= 0")
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        raise InputError("height", height, "block heights >= 0")
    return arr


def halvings_at_height(height: ArrayLike) -> NDArray[np.int64]:
    """Number of halvings that have occurred at a block height. [count]

    >>> int(halvings_at_height(840_000))
    4
    """
    return _heights(height) // HALVING_INTERVAL_BLOCKS


def subsidy_sats_unchecked(halvings):
    """Block subsidy after ``halvings`` halvings (integers >= 0, scalar or array), unchecked. [sat]

    The consensus right shift; 0 from 64 halvings on (``GetBlockSubsidy``).

    >>> int(subsidy_sats_unchecked(4)), int(subsidy_sats_unchecked(64))
    (312500000, 0)
    """
    shift = np.minimum(halvings, MAX_HALVINGS - 1)
    return (np.int64(INITIAL_SUBSIDY_SATS) >> shift) * (halvings < MAX_HALVINGS)


def subsidy_sats(height: ArrayLike) -> NDArray[np.int64]:
    """Block subsidy at a height, in integer satoshis, with the consensus right shift. [sat]

    >>> int(subsidy_sats(840_000))
    312500000
    >>> int(subsidy_sats(6_930_000))
    0
    """
    return np.asarray(subsidy_sats_unchecked(halvings_at_height(height))).astype(np.int64)


def subsidy_btc(height: ArrayLike) -> NDArray[np.float64]:
    """Block subsidy at a height. [BTC]

    >>> float(subsidy_btc(1_050_000))
    1.5625
    """
    return subsidy_sats(height) / SATS_PER_BTC


def halving_height(n: ArrayLike) -> NDArray[np.int64]:
    """Height of the n-th halving (n = 1 is block 210,000). [block height]

    >>> int(halving_height(5))
    1050000
    """
    arr = np.asarray(n)
    if arr.dtype.kind not in "iu" or np.any(arr < 1):
        raise InputError("n", n, "whole numbers >= 1")
    return arr.astype(np.int64) * HALVING_INTERVAL_BLOCKS


def next_halving_height(height: ArrayLike) -> NDArray[np.int64]:
    """Height of the next halving strictly after ``height``. [block height]

    >>> int(next_halving_height(840_000))
    1050000
    """
    return (halvings_at_height(height) + 1) * HALVING_INTERVAL_BLOCKS


def total_supply_sats(up_to_height: int | None = None) -> int:
    """Sum of all subsidies from height 0 up to (excluding) ``up_to_height``; all eras if None. [sat]

    >>> total_supply_sats() / 1e8
    20999999.9769
    """
    eras = np.arange(MAX_HALVINGS, dtype=np.int64)
    per_block = np.right_shift(np.int64(INITIAL_SUBSIDY_SATS), eras)
    if up_to_height is None:
        return int(per_block.sum() * HALVING_INTERVAL_BLOCKS)
    h = int(_heights(up_to_height))
    full, rest = divmod(h, HALVING_INTERVAL_BLOCKS)
    full = min(full, MAX_HALVINGS)
    tail = int(per_block[full]) * rest if full < MAX_HALVINGS else 0
    return int(per_block[:full].sum()) * HALVING_INTERVAL_BLOCKS + tail


def retarget_difficulty_ehs_unchecked(old_difficulty_ehs, measured_hashrate_ehs):
    """Difficulty after a retarget, both carried as the hashrate they imply, unchecked. [EH/s]

    The period's mean hashrate, clamped to [old / 4, old x 4]: the consensus clamp of
    :func:`retarget_difficulty` in hashrate units (a period that took T seconds ran at old x target / T).

    >>> float(retarget_difficulty_ehs_unchecked(600.0, 660.0)), float(retarget_difficulty_ehs_unchecked(600.0, 1e5))
    (660.0, 2400.0)
    """
    return np.minimum(np.maximum(measured_hashrate_ehs, old_difficulty_ehs / RETARGET_CLAMP_RATIO),
                      old_difficulty_ehs * RETARGET_CLAMP_RATIO)


def retarget_difficulty(
    difficulty: ArrayLike, actual_timespan_seconds: ArrayLike
) -> NDArray[np.float64]:
    """Difficulty after a 2016-block period that took ``actual_timespan_seconds``. [dimensionless]

    Consensus clamps the measured timespan to [target/4, 4 x target], so difficulty moves at most
    x4 up or /4 down per retarget.

    >>> float(retarget_difficulty(100.0, 604_800.0))  # one week instead of two
    200.0
    >>> float(retarget_difficulty(100.0, 1.0))  # clamp: at most x4
    400.0
    """
    d = np.asarray(difficulty, dtype=np.float64)
    t = np.asarray(actual_timespan_seconds, dtype=np.float64)
    if np.any(~(d > 0)):
        raise InputError("difficulty", difficulty, "> 0")
    if np.any(~(t > 0)):
        raise InputError("actual_timespan_seconds", actual_timespan_seconds, "> 0 seconds")
    clamped = np.clip(
        t, TARGET_TIMESPAN_SECONDS / RETARGET_CLAMP_RATIO, TARGET_TIMESPAN_SECONDS * RETARGET_CLAMP_RATIO
    )
    return d * TARGET_TIMESPAN_SECONDS / clamped


def hashrate_ehs_from_difficulty_unchecked(difficulty):
    """Network hashrate implied by a difficulty (scalar or array), unchecked. [EH/s]"""
    return difficulty * 2.0**32 / TARGET_BLOCK_SECONDS / 1e18


def hashrate_ehs_from_difficulty(difficulty: ArrayLike) -> NDArray[np.float64]:
    """Network hashrate implied by a difficulty: difficulty x 2^32 / 600 s. [EH/s]

    >>> round(float(hashrate_ehs_from_difficulty(86.39e12)), 1)  # April 2024
    618.4
    """
    d = np.asarray(difficulty, dtype=np.float64)
    if np.any(~(d > 0)):
        raise InputError("difficulty", difficulty, "> 0")
    return hashrate_ehs_from_difficulty_unchecked(d)


def difficulty_from_hashrate_ehs(hashrate_ehs: ArrayLike) -> NDArray[np.float64]:
    """Difficulty at which ``hashrate_ehs`` finds one block per 600 s on average. [dimensionless]

    >>> round(float(difficulty_from_hashrate_ehs(618.4)) / 1e12, 2)
    86.39
    """
    h = np.asarray(hashrate_ehs, dtype=np.float64)
    if np.any(~(h > 0)):
        raise InputError("hashrate_ehs", hashrate_ehs, "> 0 EH/s")
    return h * 1e18 * TARGET_BLOCK_SECONDS / 2.0**32


def expected_blocks_per_day_unchecked(network_hashrate_ehs, difficulty_hashrate_ehs):
    """Expected blocks in a day (scalars or arrays), unchecked: 144 x hashrate / difficulty's hashrate. [blocks]"""
    return BLOCKS_PER_DAY_TARGET * network_hashrate_ehs / difficulty_hashrate_ehs


def expected_blocks_per_day(
    network_hashrate_ehs: ArrayLike, difficulty_hashrate_ehs: ArrayLike
) -> NDArray[np.float64]:
    """Expected blocks in a day: 144 x actual hashrate / hashrate the difficulty is set for. [blocks]

    >>> float(expected_blocks_per_day(660.0, 600.0))
    158.4
    """
    h = np.asarray(network_hashrate_ehs, dtype=np.float64)
    hd = np.asarray(difficulty_hashrate_ehs, dtype=np.float64)
    if np.any(~(h >= 0)):
        raise InputError("network_hashrate_ehs", network_hashrate_ehs, ">= 0 EH/s")
    if np.any(~(hd > 0)):
        raise InputError("difficulty_hashrate_ehs", difficulty_hashrate_ehs, "> 0 EH/s")
    return expected_blocks_per_day_unchecked(h, hd)
