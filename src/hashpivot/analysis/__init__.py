"""Analysis of chain history and simulation results: pure pandas/numpy computations, no disk."""

from hashpivot.analysis.hashprice import (
    Halving,
    HalvingWindow,
    PeriodStats,
    find_halvings,
    halving_window,
    per_block_issuance_btc,
    period_stats,
    rolling_mean_hashprice,
    select_dates,
)

__all__ = [
    "Halving",
    "HalvingWindow",
    "PeriodStats",
    "find_halvings",
    "halving_window",
    "per_block_issuance_btc",
    "period_stats",
    "rolling_mean_hashprice",
    "select_dates",
]
