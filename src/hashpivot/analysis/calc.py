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
from hashpivot.domain.heights import estimated_date
from hashpivot.errors import InputError
from hashpivot.formulas.mining import (
    breakeven_hashprice_usd_per_th_day,
    cost_to_mine_usd_per_btc,
    hashprice_usd_per_th_day,
    hashvalue_btc_per_ehs_day,
)
from hashpivot.protocol import BLOCKS_PER_DAY_TARGET, RETARGET_INTERVAL_BLOCKS, hashrate_ehs_from_difficulty, subsidy_btc
from hashpivot.scenarios.schema import Scenario
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
    fleet_ehs = fleet.hashrate_phs * TH_PER_PH / TH_PER_EH
    if np.any(network_ehs < fleet_ehs):  # the fleet hashes inside the network: its share cannot pass 1
        day = int(np.argmax(network_ehs < fleet_ehs))
        raise InputError("hashrate_phs", fleet.hashrate_phs,
                         f"a fleet below the network's hashrate on every day of the horizon (on day {day + 1} the "
                         f"difficulty implies {network_ehs[day]:.4g} EH/s, {fleet_ehs:.4g} EH/s being the fleet): "
                         "a smaller fleet, a difficulty that falls less (--difficulty-growth-pct) or fewer --days")
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


#: Name of the site and the fleet a calculator scenario holds (:func:`scenario_from_calc`).
CALC_SITE_NAME = "calculator"
#: Treasury policies a calculator scenario compares: the calculator's own reading (every BTC sold on the day, so
#: its revenue is in USD) and holding every BTC mined.
CALC_TREASURY = ({"kind": "sell_all"}, {"kind": "hold_all"})


def scenario_from_calc(result: CalcResult, base) -> Scenario:
    """The calculator's inputs as a Monte Carlo scenario (issue 16, point 2: "then the same inputs sent to a Monte
    Carlo run"), validated: ``base``'s random processes (their volatilities, fee spikes) around the calculator's
    own paths, and a company that is just the calculator's fleet.

    - run: from the calculator's day (``market.date``; for a market given by hand without one, the day the chain
      reached its height, ``domain.heights.estimated_date``: ``base``'s start date would not match the height) and
      its next block (``market.height + 1``), over ``path.horizon_days``;
    - BTC price: a GBM from today's price whose MEAN path is the calculator's price path, drift
      ln(1 + growth) / 365 per day, with ``base``'s volatility (0.0325/sqrt(day) in the default preset) when ``base``
      has a GBM, else that of the default preset;
    - network: exogenous (a lognormal hashrate, as the calculator's difficulty path is given) from the hashrate the
      difficulty implies, its median growing by ``difficulty_growth_frac`` every retarget (ln(1 + d) / 14 per
      day), with ``base``'s hashrate volatility; the difficulty starts at today's;
    - fees: lognormal around today's fees per block (the calculator's 30-day mean) with ``base``'s spread and spikes;
    - company: one site with exactly the fleet's draw (hashrate x J/TH x PUE) at the power price and PUE, one fleet
      at the hashrate, J/TH and pool fee, hashing all day (uptime 1, as the calculator counts), no BTC, cash, debt
      or overheads (the calculator has none); the site's contract is ``flexible``, so machines switch off on days
      they lose money (the default every preset states, docs/assumptions.md), where the calculator keeps them on;
    - policies: :data:`CALC_TREASURY`, all mining.

    >>> r = calculate(MarketToday(btc_price_usd=90_000, difficulty=100e12, fees_btc_per_block=0.025, height=900_000),
    ...               CalcFleet(hashrate_phs=1_000, efficiency_j_per_th=20, power_price_usd_per_mwh=45),
    ...               CalcPath(horizon_days=365))
    >>> from hashpivot.scenarios.toml import load_preset
    >>> sc = scenario_from_calc(r, load_preset("default"))
    >>> sc.company.mining_mw, sc.run.start_height  # 1 EH/s at 20 J/TH = 20 MW; the block after 900,000
    (20.0, 900001)
    """
    from hashpivot.scenarios.toml import from_dict, load_preset

    market, fleet, path = result.market, result.fleet, result.path
    data = base.model_dump(mode="python", exclude_none=True)
    price = data["market"]["btc_price"]
    if price["kind"] != "gbm":
        price = load_preset("default").model_dump(mode="python")["market"]["btc_price"]
    network = data["market"]["network_hashrate"]
    fees = data["market"]["fees"]
    network_ehs = float(hashrate_ehs_from_difficulty(market.difficulty))
    hashrate_ehs = fleet.hashrate_phs / (TH_PER_EH / TH_PER_PH)
    start = pd.Timestamp(market.date).date() if market.date else estimated_date(market.height + 1)
    spec = {
        "name": "calculator",
        "description": (f"The calculator's fleet: {fleet.hashrate_phs:,.6g} PH/s at {fleet.efficiency_j_per_th:g} J/TH, "
                        f"power {fleet.power_price_usd_per_mwh:g} USD/MWh, from {market.date or 'a market given by hand'}."),
        "run": {**data["run"], "start_date": start, "start_height": market.height + 1,
                "horizon_days": path.horizon_days},
        "market": {
            **{k: v for k, v in data["market"].items() if k not in ("btc_price", "network_hashrate", "fees", "difficulty")},
            "btc_price": {"kind": "gbm", "start_usd": market.btc_price_usd,
                          "drift_per_day": math.log1p(path.btc_price_growth_frac_per_year) / DAYS_PER_YEAR,
                          "vol_per_sqrt_day": price["vol_per_sqrt_day"]},
            "network_hashrate": {"kind": "lognormal", "start_ehs": network_ehs,
                                 "growth_per_day": math.log1p(path.difficulty_growth_frac) / RETARGET_DAYS,
                                 "vol_per_sqrt_day": network["vol_per_sqrt_day"]},
            "fees": {**fees, "median_btc_per_block": market.fees_btc_per_block},
            "difficulty": {"start_ehs": network_ehs},
        },
        "company": {
            "name": "Calculator fleet",
            "sites": [{"name": CALC_SITE_NAME, "power_mw": hashrate_ehs * fleet.efficiency_j_per_th * fleet.pue_ratio,
                       "power_price_usd_per_mwh": fleet.power_price_usd_per_mwh, "pue_ratio": fleet.pue_ratio}],
            "fleets": [{"name": CALC_SITE_NAME, "site": CALC_SITE_NAME, "hashrate_ehs": hashrate_ehs,
                        "efficiency_j_per_th": fleet.efficiency_j_per_th, "uptime_frac": 1.0,
                        "pool_fee_frac": fleet.pool_fee_frac}],
        },
        "policy": {"treasury": dict(CALC_TREASURY[0]), "capacity": {"kind": "all_mining"}},
        "compare": [dict(p) for p in CALC_TREASURY[1:]],
    }
    return from_dict(spec, "calculator inputs")
