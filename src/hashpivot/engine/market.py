"""Exogenous market arrays for a chunk of paths: BTC price, network hashrate, fees, power index,
and what follows from hashrate alone: difficulty, blocks per day, height and subsidy.

Every array has shape (paths, days + 1); column 0 holds the initial conditions (RM1 convention).

Difficulty is carried as the hashrate it implies (``difficulty_ehs``). Each day
``blocks = 144 x H[t] / difficulty_ehs`` with the difficulty in force at the start of the day; on the
day the cumulative block count reaches the next retarget boundary (at most one retarget a day) the
difficulty becomes the mean hashrate of the days since the last retarget (today included), clamped to
[x1/4, x4] of the old one (the consensus clamp of ``protocol.retarget_difficulty``). Height at the start of
the day sets the subsidy (``protocol.subsidy_btc``).
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from hashpivot.engine import kernels as k
from hashpivot.formulas.mining import hashprice_usd_per_th_day_unchecked
from hashpivot.processes.hashrate import EndogenousHashrate, LognormalHashrate
from hashpivot.processes.random import standard_normals
from hashpivot.protocol import (
    BLOCKS_PER_DAY_TARGET,
    HALVING_INTERVAL_BLOCKS,
    RETARGET_INTERVAL_BLOCKS,
    hashrate_ehs_from_difficulty_unchecked,
)
from hashpivot.units import HOURS_PER_DAY, SATS_PER_BTC


@dataclass(frozen=True)
class MarketChunk:
    """Exogenous arrays for paths ``first_path .. first_path + n_paths - 1``. Shape (paths, days + 1)."""

    first_path: int
    btc_price_usd: NDArray[np.float64]
    network_hashrate_ehs: NDArray[np.float64]
    fees_btc_per_block: NDArray[np.float64]
    blocks: NDArray[np.float64]
    subsidy_btc: NDArray[np.float64]
    difficulty_ehs: NDArray[np.float64]
    #: Multiplier of every site's contract power price; shape (paths or 1, days + 1).
    power_price_index: NDArray[np.float64]
    #: GPU rental price index (1 on day 0); shape (paths or 1, days + 1).
    gpu_rent_index: NDArray[np.float64]

    @property
    def n_paths(self) -> int:
        return self.btc_price_usd.shape[0]

    def hashprice_usd_per_th_day(self, rows: slice = slice(None)) -> NDArray[np.float64]:
        """Realised hashprice of each day, for the paths ``rows``. [USD/(TH/s)/day]"""
        return hashprice_usd_per_th_day_unchecked(self.btc_price_usd[rows], self.network_hashrate_ehs[rows],
                                                  self.subsidy_btc[rows], self.fees_btc_per_block[rows],
                                                  self.blocks[rows])


@njit(inline="always")
def _subsidy_btc(height: float, n_halvings_max: int) -> float:
    """Subsidy at ``height`` with at most ``n_halvings_max`` halvings (a reference spec may cap them). [BTC]"""
    return k.subsidy_sats(min(int(height) // HALVING_INTERVAL_BLOCKS, n_halvings_max)) / SATS_PER_BTC


@njit(cache=True, nogil=True, error_model="numpy")
def norm_cdf(x: float) -> float:
    """Standard normal CDF (jitted; used by the market and the step)."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@njit(inline="always")
def _chain_day(h, hd, cum_blocks, next_retarget, period_sum, period_days, subsidy, next_halving,
               start_height, n_halvings_max):
    """One path-day of the chain at network hashrate ``h`` (EH/s). Takes and returns the path's state:
    difficulty (EH/s), cumulative blocks, next retarget boundary, the period's hashrate sum and days,
    subsidy and next halving height. Returns (blocks today, that state after the day); the day's subsidy is
    the returned one (set by the height at the start of the day) and its difficulty the one in force at the
    end of the day."""
    if start_height + cum_blocks >= next_halving:
        # Only at a halving boundary: an integer division every path-day would cost more than the day.
        subsidy = _subsidy_btc(start_height + cum_blocks, n_halvings_max)
        next_halving += HALVING_INTERVAL_BLOCKS
    b = k.expected_blocks_per_day(h, hd)
    cum_blocks += b
    period_sum += h
    period_days += 1
    if cum_blocks >= next_retarget:
        hd = k.retarget_difficulty_ehs(hd, period_sum / period_days)
        next_retarget += RETARGET_INTERVAL_BLOCKS
        period_sum = 0.0
        period_days = 0
    return b, hd, cum_blocks, next_retarget, period_sum, period_days, subsidy, next_halving


#: The chain's starting point: height, the cap on halvings (a reference spec may set one), the blocks already
#: mined in the current retarget period and the difficulty in force, carried as the hashrate it implies [EH/s].
ChainStart = namedtuple("ChainStart", ("start_height", "n_halvings_max", "retarget_phase_blocks",
                                       "start_difficulty_ehs"))
#: Parameters of the endogenous network hashrate (``processes.hashrate.EndogenousHashrate``), in its units;
#: ``is_endogenous`` False: hashrate is given and the others are not read.
EndogenousParams = namedtuple("EndogenousParams", (
    "is_endogenous", "growth_per_day", "vol_per_sqrt_day", "response_per_day", "lag_days",
    "median_efficiency_j_per_th", "efficiency_vol_log", "efficiency_gain_per_day", "power_price_usd_per_mwh",
    "adjustment_frac_per_day",
))
#: The endogenous parameters when hashrate is exogenous (never read).
EXOGENOUS = EndogenousParams(False, 0.0, 0.0, 0.0, 1, 1.0, 1.0, 0.0, 1.0, 1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def chain_kernel(hashrate, price, fees, z_hash, chain, endo, blocks, subsidy, difficulty) -> None:
    """Fill ``blocks``, ``subsidy`` [BTC] and ``difficulty`` [EH/s] in place (shape (paths, days + 1)) from
    ``chain`` (``ChainStart``); when ``endo.is_endogenous`` also fill ``hashrate`` [EH/s] from yesterday's
    hashprice (see ``EndogenousHashrate``; ``z_hash`` its standard normals), else read it."""
    start_height, n_halvings_max = chain.start_height, chain.n_halvings_max
    start_difficulty_ehs = chain.start_difficulty_ehs
    n_paths, n_cols = price.shape
    subsidy0 = _subsidy_btc(start_height, n_halvings_max)
    halving0 = float((start_height // HALVING_INTERVAL_BLOCKS + 1) * HALVING_INTERVAL_BLOCKS)
    retarget0 = float(RETARGET_INTERVAL_BLOCKS - chain.retarget_phase_blocks)
    for p in range(n_paths):
        blocks[p, 0] = BLOCKS_PER_DAY_TARGET  # day 0: the protocol's target, for day-0 hashprice
        subsidy[p, 0] = subsidy0
        difficulty[p, 0] = start_difficulty_ehs
    if not endo.is_endogenous:
        # Paths outside, days inside, the state in registers: about 3 ns a path-day.
        for p in range(n_paths):
            hd, cum, nxt, psum, pdays, sub, halving = start_difficulty_ehs, 0.0, retarget0, 0.0, 0, subsidy0, halving0
            for t in range(1, n_cols):
                b, hd, cum, nxt, psum, pdays, sub, halving = _chain_day(
                    hashrate[p, t], hd, cum, nxt, psum, pdays, sub, halving, start_height, n_halvings_max)
                blocks[p, t] = b
                subsidy[p, t] = sub
                difficulty[p, t] = hd
        return
    # Endogenous: days outside, paths inside, so that the CPU overlaps the paths' exp/log/erf; the
    # chain state lives in per-path arrays.
    hd_a = np.full(n_paths, start_difficulty_ehs)
    cum_a = np.zeros(n_paths)
    next_a = np.full(n_paths, retarget0)
    psum_a = np.zeros(n_paths)
    pdays_a = np.zeros(n_paths, dtype=np.int64)
    sub_a = np.full(n_paths, subsidy0)
    halving_a = np.full(n_paths, halving0)
    # Path-independent logs, once per chunk: median efficiency by day and the median machine's cost.
    log_e_med = np.empty(n_cols)
    log_cost_med = np.empty(n_cols)
    growth, vol, response = endo.growth_per_day, endo.vol_per_sqrt_day, endo.response_per_day
    eff_sd, adjust = endo.efficiency_vol_log, endo.adjustment_frac_per_day
    log_e_star_per_hp = math.log(1e6 / (HOURS_PER_DAY * endo.power_price_usd_per_mwh))  # e* = hashprice x this
    for t in range(n_cols):
        log_e_med[t] = math.log(endo.median_efficiency_j_per_th) - endo.efficiency_gain_per_day * max(t - 1, 0)
        log_cost_med[t] = log_e_med[t] - log_e_star_per_hp
    log_hp = np.empty((n_paths, n_cols))  # log hashprice by path and day
    installed = np.zeros(n_paths)
    share = np.ones(n_paths)
    for p in range(n_paths):
        log_hp[p, 0] = np.log(k.hashprice_usd_per_th_day(price[p, 0], hashrate[p, 0], subsidy0, fees[p, 0],
                                                         BLOCKS_PER_DAY_TARGET))
        share[p] = max(norm_cdf((log_hp[p, 0] + log_e_star_per_hp - log_e_med[0]) / eff_sd), 1e-3)
        installed[p] = hashrate[p, 0] / share[p]
    for t in range(1, n_cols):
        tl = max(t - endo.lag_days, 0)
        for p in range(n_paths):
            # Margin of the median machine `lag` days ago drives new capacity; yesterday's hashprice
            # decides which machines run (break-even efficiency e* = hashprice x 1e6 / (24 h x price)).
            margin = max(log_hp[p, tl] - log_cost_med[t], 0.0)
            installed[p] *= np.exp(growth + response * margin + vol * z_hash[p, t - 1])
            target = max(norm_cdf((log_hp[p, t - 1] + log_e_star_per_hp - log_e_med[t]) / eff_sd), 1e-3)
            share[p] += adjust * (target - share[p])
            h = installed[p] * share[p]
            hashrate[p, t] = h
            b, hd_a[p], cum_a[p], next_a[p], psum_a[p], pdays_a[p], sub_a[p], halving_a[p] = _chain_day(
                h, hd_a[p], cum_a[p], next_a[p], psum_a[p], pdays_a[p], sub_a[p], halving_a[p],
                start_height, n_halvings_max)
            blocks[p, t] = b
            subsidy[p, t] = sub_a[p]
            difficulty[p, t] = hd_a[p]
            log_hp[p, t] = np.log(k.hashprice_usd_per_th_day(price[p, t], h, sub_a[p], fees[p, t], b))


def build_market(scenario, first_path: int, n_paths: int, history_log_returns=None) -> MarketChunk:
    """Draw every shock for a chunk of paths and build its exogenous arrays.

    ``scenario`` is a ``hashpivot.scenarios.Scenario``; ``history_log_returns`` feeds the bootstrap
    price process (loaded by ``io``, never here).
    """
    run, market = scenario.run, scenario.market
    seed, n_days = run.seed, run.horizon_days
    price = market.btc_price.simulate(seed, first_path, n_paths, n_days, history_log_returns)
    fees = market.fees.simulate(seed, first_path, n_paths, n_days)
    hr_model = market.network_hashrate
    if isinstance(hr_model, LognormalHashrate):
        hashrate = hr_model.simulate(seed, first_path, n_paths, n_days)
        z_hash = np.zeros((1, 1))
        endo = EXOGENOUS
    else:
        assert isinstance(hr_model, EndogenousHashrate)
        hashrate = np.empty_like(price)
        hashrate[:, 0] = hr_model.start_ehs
        z_hash = standard_normals(seed, first_path, n_paths, "network_hashrate", n_days)
        endo = EndogenousParams(
            True, hr_model.growth_per_day, hr_model.vol_per_sqrt_day, hr_model.response_per_day, hr_model.lag_days,
            hr_model.median_efficiency_j_per_th, hr_model.efficiency_vol_log,
            -np.log1p(-hr_model.efficiency_gain_per_year) / 365.0, hr_model.power_price_usd_per_mwh,
            hr_model.adjustment_frac_per_day,
        )
    blocks = np.empty_like(price)
    subsidy = np.empty_like(price)
    difficulty = np.empty_like(price)
    chain = ChainStart(run.start_height, market.n_halvings_max,
                       market.difficulty.retarget_phase_blocks(run.start_height),
                       market.difficulty.start_ehs or float(hashrate[0, 0]))
    chain_kernel(hashrate, price, fees, z_hash, chain, endo, blocks, subsidy, difficulty)
    power_index = market.power_price.index(seed, first_path, n_paths, n_days, run.start_date)
    gpu_index = market.gpu_rent.index(seed, first_path, n_paths, n_days)
    return MarketChunk(first_path, price, hashrate, fees, blocks, subsidy, difficulty, power_index, gpu_index)



def market_from_history(history, first_day, last_day) -> MarketChunk:
    """One path of the real chain: the day before ``first_day`` is day 0, then every day to ``last_day``.

    ``history`` is the daily chain table of ``io.history`` (price, hash rate, difficulty, blocks, fees,
    issuance). Blocks, fees per block and the subsidy per block are the day's actual ones; difficulty is
    carried as the hashrate it implies (difficulty x 2^32 / 600 s), as in the Monte Carlo market.
    """
    import pandas as pd

    start = pd.Timestamp(first_day) - pd.Timedelta(days=1)
    rows = history.loc[start : pd.Timestamp(last_day)]
    if rows.empty or rows.index[0] != start or rows.index[-1] != pd.Timestamp(last_day):
        from hashpivot.errors import DataError

        # day 0 is the day before the first replayed day: the first day a replay can start is the table's second
        have = (f"--from {history.index[0] + pd.Timedelta(days=1):%Y-%m-%d} (the day after the table's first, "
                f"{history.index[0]:%Y-%m-%d}, which is day 0) to --to {history.index[-1]:%Y-%m-%d}"
                if len(history) else "a chain table with days in it")
        raise DataError(
            f"replay {pd.Timestamp(first_day):%Y-%m-%d}..{pd.Timestamp(last_day):%Y-%m-%d} needs the chain table "
            f"from {start:%Y-%m-%d} (day 0) to {pd.Timestamp(last_day):%Y-%m-%d}; allowed: {have}"
        )
    blocks = rows["block_count"].to_numpy(dtype=np.float64)
    safe_blocks = np.where(blocks > 0, blocks, 1.0)

    def one(values) -> NDArray[np.float64]:
        return np.asarray(values, dtype=np.float64)[None, :].copy()

    difficulty_ehs = hashrate_ehs_from_difficulty_unchecked(rows["difficulty_mean"].to_numpy())
    return MarketChunk(
        first_path=0,
        btc_price_usd=one(rows["price_usd"]),
        network_hashrate_ehs=one(rows["hashrate_ehs"]),
        fees_btc_per_block=one(rows["fees_btc"].to_numpy() / safe_blocks),
        blocks=one(blocks),
        subsidy_btc=one(rows["issuance_btc"].to_numpy() / safe_blocks),
        difficulty_ehs=one(difficulty_ehs),
        power_price_index=np.ones((1, len(rows))),
        gpu_rent_index=np.ones((1, len(rows))),
    )
