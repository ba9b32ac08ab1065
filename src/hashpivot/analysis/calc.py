"""A mining calculator users recognise (issue 16, point 2): hashprice today, and a fleet's revenue, power cost,
margin, break-even power price, break-even hashprice and cost to mine one BTC, today and over a horizon with a
difficulty and a price path, as Braiins Insights' profitability calculator states them
(insights.braiins.com/en/profitability-calculator; braiins.com/blog/cost-to-mine-bitcoin-user-guide, 2020-11-03:
BTC price and network difficulty as of today, the miner's hashrate and consumption, the electricity price and
pool fee; a "difficulty increment" per adjustment and a BTC price change over time for the projection).

The projection is deterministic, day by day: 144 blocks a day (difficulty retargets keep blocks on schedule on
average); the difficulty grows by ``difficulty_growth_frac`` at each retarget (every 2,016 blocks = 14 days); the
BTC price compounds at ``btc_price_growth_frac_per_year``; fees per block stay at today's; the subsidy follows the
block height (the day's 144 blocks' mean, so the 2028 halving falls on its day, :mod:`hashpivot.protocol`). The
network hashrate is the one the difficulty implies (difficulty x 2^32 / 600 s), as such calculators use.

Pure: numpy and pandas; the chain table (when the market comes from it) is handed in by the caller.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from pydantic import Field

from hashpivot.analysis.hashprice import find_halvings
from hashpivot.domain.base import Model
from hashpivot.errors import InputError
from hashpivot.formulas.mining import (
    breakeven_hashprice_usd_per_th_day,
    cost_to_mine_usd_per_btc,
    hashprice_usd_per_th_day,
    hashvalue_btc_per_ehs_day,
)
from hashpivot.protocol import BLOCKS_PER_DAY_TARGET, RETARGET_INTERVAL_BLOCKS, hashrate_ehs_from_difficulty, subsidy_btc
from hashpivot.units import DAYS_PER_YEAR, HOURS_PER_DAY, TH_PER_EH, TH_PER_PH, W_PER_MW

#: Days of the chain table over which today's fees per block are averaged: one day's fees swing with the
#: mempool (a 30-day window is what a treasurer budgets with). [days]
FEE_WINDOW_DAYS = 30
#: Days between two retargets at 144 blocks a day (2,016 / 144). [days]
RETARGET_DAYS = RETARGET_INTERVAL_BLOCKS // int(BLOCKS_PER_DAY_TARGET)


class MarketToday(Model):
    """The network and market on the calculator's first day."""

    date: str = Field(default="", description="Day the values are from (YYYY-MM-DD; empty: as given). [date]")
    btc_price_usd: float = Field(gt=0, le=1e8, description="BTC price. [USD]")
    difficulty: float = Field(gt=0, le=1e20, description="Network difficulty. [dimensionless]")
    fees_btc_per_block: float = Field(ge=0, le=100, description="Transaction fees per block. [BTC/block]")
    height: int = Field(ge=0, le=10_000_000, description="Height of the last block mined. [blocks]")
    source: str = Field(default="given", description="Where the values come from. [text]")


class CalcFleet(Model):
    """The fleet and its costs, as a user states them."""

    hashrate_phs: float = Field(gt=0, le=1e7, description="Fleet hashrate. [PH/s]")
    efficiency_j_per_th: float = Field(gt=0, le=500, description="Fleet efficiency. [J/TH]")
    power_price_usd_per_mwh: float = Field(ge=0, le=1000, description="All-in power price. [USD/MWh]")
    pool_fee_frac: float = Field(default=0.0, ge=0, lt=1, description="Pool fee. [fraction]")
    pue_ratio: float = Field(default=1.0, ge=1, le=3, description="Facility power / miners' power. [ratio]")


class CalcPath(Model):
    """The horizon and the difficulty and price paths of the projection."""

    horizon_days: int = Field(default=365, ge=1, le=3650, description="Days projected. [days]")
    difficulty_growth_frac: float = Field(default=0.0, ge=-0.75, le=3.0,
                                          description="Difficulty change at each retarget (x4 clamp). [fraction]")
    btc_price_growth_frac_per_year: float = Field(default=0.0, ge=-0.99, le=100,
                                                  description="BTC price change per year, compounded daily. [fraction/year]")


@dataclass(frozen=True)
class CalcFigures:
    """One set of calculator figures: per day (``today``) or over the horizon (totals; the break-evens and the
    cost to mine are the horizon's, total over total)."""

    hashprice_usd_per_ph_day: float
    hashprice_btc_per_ph_day: float
    revenue_usd: float
    power_cost_usd: float
    margin_usd: float
    btc_mined: float
    energy_mwh: float
    breakeven_power_price_usd_per_mwh: float
    breakeven_hashprice_usd_per_ph_day: float
    cost_to_mine_usd_per_btc: float


@dataclass(frozen=True)
class CalcResult:
    market: MarketToday
    fleet: CalcFleet
    path: CalcPath
    today: CalcFigures
    horizon: CalcFigures
    daily: pd.DataFrame
    #: First day (1-based) on which the margin is negative; None if it never is within the horizon. [day]
    first_loss_day: int | None

    def to_dict(self) -> dict:
        return {"market": self.market.model_dump(), "fleet": self.fleet.model_dump(), "path": self.path.model_dump(),
                "today": asdict(self.today), "horizon": asdict(self.horizon), "first_loss_day": self.first_loss_day}


def market_today(history: pd.DataFrame, source: str = "chain table") -> MarketToday:
    """Today's market from the chain table's last day: its BTC price and mean difficulty, fees per block over the
    last :data:`FEE_WINDOW_DAYS` days (their total fees / their blocks), and the height of its last block, counted
    from the last halving the table holds (its height, plus the new-subsidy blocks of its first day, plus every
    later day's blocks, less one)."""
    last = history.iloc[-1]
    window = history.iloc[-FEE_WINDOW_DAYS:]
    blocks = float(window["block_count"].sum())
    fees = float(window["fees_btc"].sum()) / blocks if blocks > 0 else 0.0
    halvings = find_halvings(history)
    if not halvings:
        raise InputError("height", None, "the chain table holds no halving to count the height from: pass --height")
    h = halvings[-1]
    after = history.index > pd.Timestamp(h.first_new_block_date)
    height = h.height + h.new_blocks_on_first_date + int(history.loc[after, "block_count"].sum()) - 1
    return MarketToday(date=f"{history.index[-1]:%Y-%m-%d}", btc_price_usd=float(last["price_usd"]),
                       difficulty=float(last["difficulty_mean"]), fees_btc_per_block=fees, height=height,
                       source=source)


def _figures(hashprice_usd_per_th_day: np.ndarray, hashvalue_btc_per_th_day: np.ndarray, fleet: CalcFleet):
    ths = fleet.hashrate_phs * TH_PER_PH
    keep = 1.0 - fleet.pool_fee_frac
    j_per_th = fleet.efficiency_j_per_th * fleet.pue_ratio  # energy the site draws per TH/s, cooling included
    energy_mwh = ths * j_per_th * HOURS_PER_DAY / W_PER_MW * np.ones_like(hashprice_usd_per_th_day)
    revenue = ths * hashprice_usd_per_th_day * keep
    power = energy_mwh * fleet.power_price_usd_per_mwh
    btc = ths * hashvalue_btc_per_th_day * keep
    return revenue, power, btc, energy_mwh, j_per_th


def calculate(market: MarketToday, fleet: CalcFleet, path: CalcPath) -> CalcResult:
    """The calculator: today's figures and the horizon's, day by day (module docstring for the paths)."""
    days = np.arange(path.horizon_days)
    epochs = days // RETARGET_DAYS
    difficulty = market.difficulty * (1.0 + path.difficulty_growth_frac) ** epochs
    price = market.btc_price_usd * (1.0 + path.btc_price_growth_frac_per_year) ** (days / DAYS_PER_YEAR)
    per_day = int(BLOCKS_PER_DAY_TARGET)
    heights = market.height + 1 + days[:, None] * per_day + np.arange(per_day)[None, :]
    subsidy = subsidy_btc(heights).mean(axis=1)
    network_ehs = hashrate_ehs_from_difficulty(difficulty)
    hashprice = hashprice_usd_per_th_day(price, network_ehs, subsidy, market.fees_btc_per_block)
    hashvalue = hashvalue_btc_per_ehs_day(network_ehs, subsidy, market.fees_btc_per_block) / TH_PER_EH
    revenue, power, btc, energy, j_per_th = _figures(hashprice, hashvalue, fleet)
    daily = pd.DataFrame({
        "day": days + 1, "difficulty": difficulty, "btc_price_usd": price, "subsidy_btc": subsidy,
        "hashprice_usd_per_ph_day": hashprice * TH_PER_PH, "revenue_usd": revenue, "power_cost_usd": power,
        "margin_usd": revenue - power, "btc_mined": btc,
    })

    def figures(sl: slice) -> CalcFigures:
        rev, cost, mined, mwh = (float(np.sum(x[sl])) for x in (revenue, power, btc, energy))
        n = len(days[sl])
        hp_usd_th = rev / (fleet.hashrate_phs * TH_PER_PH * (1.0 - fleet.pool_fee_frac) * n)
        return CalcFigures(
            hashprice_usd_per_ph_day=hp_usd_th * TH_PER_PH,
            hashprice_btc_per_ph_day=mined / (fleet.hashrate_phs * (1.0 - fleet.pool_fee_frac) * n),
            revenue_usd=rev, power_cost_usd=cost, margin_usd=rev - cost, btc_mined=mined, energy_mwh=mwh,
            breakeven_power_price_usd_per_mwh=rev / mwh,
            breakeven_hashprice_usd_per_ph_day=float(breakeven_hashprice_usd_per_th_day(
                j_per_th, fleet.power_price_usd_per_mwh, fleet.pool_fee_frac)) * TH_PER_PH,
            cost_to_mine_usd_per_btc=float(cost_to_mine_usd_per_btc(  # the formula takes BTC per TH/s before the fee
                j_per_th, fleet.power_price_usd_per_mwh,
                mined / (fleet.hashrate_phs * TH_PER_PH * (1.0 - fleet.pool_fee_frac) * n),
                fleet.pool_fee_frac)) if mined > 0 else math.inf,
        )

    losses = np.flatnonzero(revenue - power < 0)
    return CalcResult(market=market, fleet=fleet, path=path, today=figures(slice(0, 1)),
                      horizon=figures(slice(None)), daily=daily,
                      first_loss_day=int(losses[0]) + 1 if losses.size else None)
