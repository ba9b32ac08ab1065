"""Miner economics: hashprice, production, revenue, break-evens, margin per MW.

Hashprice is what one TH/s of hashrate earns in a day: the network's daily revenue in USD spread
over the network hashrate (as in Luxor's Hashrate Index and the Coin Metrics-derived column of
``../shared/data/btc_daily.csv``).

Power arithmetic used below (the same as :mod:`hashpivot.formulas.power`): one TH/s at ``e`` J/TH
draws ``e`` W, so it uses ``e x 24 / 1e6`` MWh a day, and one MW of miners at ``e`` J/TH is
``1e6 / e`` TH/s. "Per MW" here means per MW drawn by the miners themselves (no PUE).

Each checked function validates its inputs and calls an ``*_unchecked`` twin that holds the arithmetic alone
(scalars or arrays, no checks); the engine's jitted stages compile those same twins
(``hashpivot.engine.kernels``), so hashprice, hashvalue, production and the break-even power price are each
written once. The twins keep the engine's order of floating-point operations.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.errors import InputError
from hashpivot.formulas._validate import at_least, fraction, nonneg, positive
from hashpivot.protocol import BLOCKS_PER_DAY_TARGET
from hashpivot.units import HOURS_PER_DAY, TH_PER_EH, TH_PER_PH, W_PER_MW


def hashprice_usd_per_th_day_unchecked(btc_price_usd, network_hashrate_ehs, subsidy_btc, fees_btc_per_block,
                                       blocks_per_day):
    """Hashprice (scalars or arrays), unchecked: blocks x (subsidy + fees) x price / TH/s. [USD/(TH/s)/day]

    (A twin calls no other Python function: numba compiles it as it stands.)
    """
    return blocks_per_day * (subsidy_btc + fees_btc_per_block) * btc_price_usd / (network_hashrate_ehs * TH_PER_EH)


def hashprice_from_revenue_usd(revenue_usd: ArrayLike, network_hashrate_ehs: ArrayLike) -> NDArray[np.float64]:
    """Hashprice of a network's revenue: USD earned / network hashrate in TH/s. [USD/(TH/s)/day]

    A day's revenue over that day's hashrate gives the day's hashprice; revenue and hashrate summed over a period's
    days give its pooled hashprice (total USD per TH/s-day).

    >>> round(float(hashprice_from_revenue_usd(144 * 3.275 * 64_000, 600)), 6)  # as hashprice_usd_per_th_day
    0.050304
    """
    revenue = nonneg("revenue_usd", revenue_usd)
    h = positive("network_hashrate_ehs", network_hashrate_ehs)
    # One "block" worth the whole revenue: 1 x (0 + revenue) x 1 / TH/s, the same bits as revenue / TH/s.
    return hashprice_usd_per_th_day_unchecked(1.0, h, 0.0, revenue, 1.0)


def hashvalue_btc_per_ehs_day_unchecked(network_hashrate_ehs, subsidy_btc, fees_btc_per_block, blocks_per_day):
    """BTC one EH/s earns in a day (scalars or arrays), unchecked: blocks x (subsidy + fees) / EH/s. [BTC/(EH/s)/day]"""
    return blocks_per_day * (subsidy_btc + fees_btc_per_block) / network_hashrate_ehs


def btc_mined_unchecked(net_hashrate_ehs, hashvalue_btc_per_ehs_day):
    """BTC a fleet earns in a day, unchecked: its hashrate after uptime and pool fee x hashvalue. [BTC/day]"""
    return net_hashrate_ehs * hashvalue_btc_per_ehs_day


def breakeven_power_price_usd_per_mwh_unchecked(revenue_usd_per_mw_day):
    """Power price at which one MW's energy (24 MWh a day) costs what it earns, unchecked. [USD/MWh]"""
    return revenue_usd_per_mw_day / HOURS_PER_DAY


def hashprice_usd_per_th_day(
    btc_price_usd: ArrayLike,
    network_hashrate_ehs: ArrayLike,
    subsidy_btc: ArrayLike,
    fees_btc_per_block: ArrayLike,
    blocks_per_day: ArrayLike = BLOCKS_PER_DAY_TARGET,
) -> NDArray[np.float64]:
    """Revenue of one TH/s for one day at the given network state. [USD/(TH/s)/day]

    blocks x (subsidy + fees per block) x price / network hashrate in TH/s.

    >>> round(float(hashprice_usd_per_th_day(64_000, 600, 3.125, 0.15)), 6)  # 144*3.275*64000/600e6
    0.050304
    """
    price = nonneg("btc_price_usd", btc_price_usd)
    h = positive("network_hashrate_ehs", network_hashrate_ehs)
    sub = nonneg("subsidy_btc", subsidy_btc)
    fees = nonneg("fees_btc_per_block", fees_btc_per_block)
    blocks = nonneg("blocks_per_day", blocks_per_day)
    return hashprice_usd_per_th_day_unchecked(price, h, sub, fees, blocks)


def hashprice_from_daily_totals(
    btc_price_usd: ArrayLike,
    network_hashrate_ehs: ArrayLike,
    issuance_btc: ArrayLike,
    fees_btc: ArrayLike,
) -> NDArray[np.float64]:
    """Hashprice from a day's total issuance and fees (as in the chain table). [USD/(TH/s)/day]

    >>> round(float(hashprice_from_daily_totals(63_510.15, 622.7, 906.25, 107.17)), 4)  # 2024-04-18
    0.1034
    """
    price = nonneg("btc_price_usd", btc_price_usd)
    h = positive("network_hashrate_ehs", network_hashrate_ehs)
    iss = nonneg("issuance_btc", issuance_btc)
    fees = nonneg("fees_btc", fees_btc)
    # One "block" carrying the day's totals: 1.0 x (issuance + fees) x price / TH/s, the same bits.
    return hashprice_usd_per_th_day_unchecked(price, h, iss, fees, 1.0)


def hashprice_usd_per_ph_day(hashprice_usd_per_th_day: ArrayLike) -> NDArray[np.float64]:
    """Hashprice per PH/s per day from hashprice per TH/s per day. [USD/(PH/s)/day]

    >>> round(float(hashprice_usd_per_ph_day(0.055)), 9)
    55.0
    """
    return nonneg("hashprice_usd_per_th_day", hashprice_usd_per_th_day) * TH_PER_PH


def hashvalue_btc_per_ehs_day(
    network_hashrate_ehs: ArrayLike,
    subsidy_btc: ArrayLike,
    fees_btc_per_block: ArrayLike,
    blocks_per_day: ArrayLike = BLOCKS_PER_DAY_TARGET,
) -> NDArray[np.float64]:
    """Hashvalue: BTC that one EH/s earns in a day at the given network state. [BTC/(EH/s)/day]

    blocks x (subsidy + fees per block) / network hashrate in EH/s; hashprice is this x price / 1e6.

    >>> round(float(hashvalue_btc_per_ehs_day(600, 3.125, 0.15)), 9)  # 144 * 3.275 / 600
    0.786
    """
    h = positive("network_hashrate_ehs", network_hashrate_ehs)
    sub = nonneg("subsidy_btc", subsidy_btc)
    fees = nonneg("fees_btc_per_block", fees_btc_per_block)
    blocks = nonneg("blocks_per_day", blocks_per_day)
    return hashvalue_btc_per_ehs_day_unchecked(h, sub, fees, blocks)


def _share_of_network(hashrate_ehs: ArrayLike, network_hashrate_ehs: ArrayLike) -> NDArray[np.float64]:
    h = nonneg("hashrate_ehs", hashrate_ehs)
    net = positive("network_hashrate_ehs", network_hashrate_ehs)
    if np.any(h > net):
        raise InputError(
            "hashrate_ehs",
            hashrate_ehs,
            "0 <= hashrate_ehs <= network_hashrate_ehs (a share of the network)",
        )
    return h / net


def btc_mined_per_day(
    hashrate_ehs: ArrayLike,
    network_hashrate_ehs: ArrayLike,
    blocks_per_day: ArrayLike,
    subsidy_btc: ArrayLike,
    fees_btc_per_block: ArrayLike,
    uptime_frac: ArrayLike = 1.0,
    pool_fee_frac: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Expected BTC a fleet earns in a day from its share of the network hashrate. [BTC/day]

    uptime x (hashrate / network hashrate) x blocks x (subsidy + fees per block) x (1 - pool fee).
    ``hashrate_ehs`` is part of ``network_hashrate_ehs``, so it may not exceed it.

    >>> round(float(btc_mined_per_day(10, 600, 144, 3.125, 0.15, 0.95, 0.02)), 9)  # .95*2.4*3.275*.98
    7.31766
    """
    _share_of_network(hashrate_ehs, network_hashrate_ehs)
    h = nonneg("hashrate_ehs", hashrate_ehs)
    up = fraction("uptime_frac", uptime_frac)
    pool = fraction("pool_fee_frac", pool_fee_frac)
    hashvalue = hashvalue_btc_per_ehs_day(network_hashrate_ehs, subsidy_btc, fees_btc_per_block, blocks_per_day)
    return btc_mined_unchecked(up * (1.0 - pool) * h, hashvalue)


def mining_revenue_usd_per_day(
    hashrate_ehs: ArrayLike,
    hashprice_usd_per_th_day: ArrayLike,
    uptime_frac: ArrayLike = 1.0,
    pool_fee_frac: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Mining revenue of a fleet in a day from its hashrate and the hashprice. [USD/day]

    hashrate in TH/s x hashprice x uptime x (1 - pool fee). With the hashprice of the same network
    state this equals ``btc_mined_per_day(...) x btc_price_usd``.

    >>> round(float(mining_revenue_usd_per_day(10, 0.05, 0.95, 0.02)), 6)  # 10e6*0.05*.95*.98
    465500.0
    """
    h = nonneg("hashrate_ehs", hashrate_ehs)
    hp = nonneg("hashprice_usd_per_th_day", hashprice_usd_per_th_day)
    up = fraction("uptime_frac", uptime_frac)
    pool = fraction("pool_fee_frac", pool_fee_frac)
    return h * TH_PER_EH * hp * up * (1.0 - pool)


def breakeven_power_price_usd_per_mwh(
    hashprice_usd_per_th_day: ArrayLike,
    efficiency_j_per_th: ArrayLike,
    pool_fee_frac: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Power price at which a miner's energy cost equals its revenue. [USD/MWh]

    hashprice x (1 - pool fee) / (efficiency x 24 / 1e6): one TH/s at e J/TH uses e x 24 / 1e6 MWh
    a day. Uptime scales revenue and energy alike, so it cancels.

    >>> round(float(breakeven_power_price_usd_per_mwh(0.05, 20)), 9)  # 0.05 / (20*24/1e6) = 0.05/0.00048
    104.166666667
    """
    hp = nonneg("hashprice_usd_per_th_day", hashprice_usd_per_th_day)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    pool = fraction("pool_fee_frac", pool_fee_frac)
    return breakeven_power_price_usd_per_mwh_unchecked(hp * (1.0 - pool) * W_PER_MW / eff)


def breakeven_hashprice_usd_per_th_day(
    efficiency_j_per_th: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    pool_fee_frac: ArrayLike = 0.0,
    pue_ratio: ArrayLike = 1.0,
    other_opex_usd_per_th_day: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Hashprice at which a fleet's revenue after the pool fee covers its energy and other opex. [USD/(TH/s)/day]

    (power price x efficiency x PUE x 24 / 1e6 + other opex per TH/s) / (1 - pool fee): one TH/s at e J/TH uses
    e x 24 / 1e6 MWh a day at the chips (as Braiins Insights' "break-even hashprice"), PUE times that at the meter.
    Uptime scales revenue and energy alike, so it cancels. ``inf`` where the pool takes everything (fee 1) and the
    fleet has costs; 0 where it has none.

    >>> round(float(breakeven_hashprice_usd_per_th_day(20, 50)), 12)  # 50 * 20 * 24 / 1e6
    0.024
    >>> # (50 * 20 * 1.1 * 24 / 1e6 + 0.002) / 0.98 = (0.0264 + 0.002) / 0.98
    >>> round(float(breakeven_hashprice_usd_per_th_day(20, 50, 0.02, 1.1, 0.002)), 12)
    0.028979591837
    """
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    pool = fraction("pool_fee_frac", pool_fee_frac)
    pue = at_least("pue_ratio", pue_ratio, 1.0)
    opex = nonneg("other_opex_usd_per_th_day", other_opex_usd_per_th_day)
    cost = price * eff * pue * HOURS_PER_DAY / W_PER_MW + opex
    keep = 1.0 - pool
    cost, keep = np.broadcast_arrays(cost, keep)
    out = np.divide(cost, keep, out=np.full(cost.shape, np.inf), where=keep > 0)
    return np.where(cost == 0, 0.0, out)[()]


def cost_to_mine_usd_per_btc(
    efficiency_j_per_th: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    hashvalue_btc_per_th_day: ArrayLike,
    pool_fee_frac: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Electricity cost of mining one BTC (Braiins' "cost to mine 1 BTC", energy only). [USD/BTC]

    energy cost of one TH/s for a day (power price x e x 24 / 1e6) / the BTC it earns after the pool fee
    (hashvalue x (1 - pool fee)). Equal to the break-even BTC price with no other costs.

    >>> hv = 144 * 3.275 / 600e6  # BTC per TH/s per day at 600 EH/s, 3.125 BTC subsidy + 0.15 BTC fees a block
    >>> round(float(cost_to_mine_usd_per_btc(20, 50, hv)), 2)  # 0.024 / 7.86e-7
    30534.35
    """
    hv = positive("hashvalue_btc_per_th_day", hashvalue_btc_per_th_day)
    # The break-even hashprice in USD over the BTC one TH/s earns before the fee: the fee is in the former.
    return breakeven_hashprice_usd_per_th_day(efficiency_j_per_th, power_price_usd_per_mwh, pool_fee_frac) / hv


def breakeven_btc_price_usd(
    hashrate_ehs: ArrayLike,
    efficiency_j_per_th: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    network_hashrate_ehs: ArrayLike,
    subsidy_btc: ArrayLike,
    fees_btc_per_block: ArrayLike,
    blocks_per_day: ArrayLike = BLOCKS_PER_DAY_TARGET,
    uptime_frac: ArrayLike = 1.0,
    pool_fee_frac: ArrayLike = 0.0,
    fixed_opex_usd_per_day: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """BTC price at which a fleet's revenue covers its power cost plus fixed opex. [USD/BTC]

    (power in MW x 24 x uptime x power price + fixed opex) / BTC mined per day, where power in MW is
    hashrate in EH/s x efficiency (1 EH/s at 20 J/TH is 20 MW) and BTC mined is
    :func:`btc_mined_per_day`. Fixed opex accrues whether or not the fleet runs. Returns ``inf``
    where the fleet mines nothing but has costs, and 0 where it has no costs at all.

    >>> round(float(breakeven_btc_price_usd(10, 20, 50, 600, 3.125, 0.15)), 6)  # 240000 / 7.86
    30534.351145
    """
    mined = btc_mined_per_day(
        hashrate_ehs,
        network_hashrate_ehs,
        blocks_per_day,
        subsidy_btc,
        fees_btc_per_block,
        uptime_frac,
        pool_fee_frac,
    )
    h = np.asarray(hashrate_ehs, dtype=np.float64)
    up = np.asarray(uptime_frac, dtype=np.float64)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    opex = nonneg("fixed_opex_usd_per_day", fixed_opex_usd_per_day)
    cost = h * eff * HOURS_PER_DAY * up * price + opex
    cost, mined = np.broadcast_arrays(cost, mined)
    out = np.divide(cost, mined, out=np.full(cost.shape, np.inf), where=mined > 0)
    return np.where(cost == 0, 0.0, out)[()]


def mining_margin_usd_per_mw_day(
    hashprice_usd_per_th_day: ArrayLike,
    efficiency_j_per_th: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    uptime_frac: ArrayLike = 1.0,
    pool_fee_frac: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Revenue less energy cost of one MW of miners for one day. [USD/MW/day]

    uptime x (hashprice x (1 - pool fee) x 1e6 / efficiency - 24 x power price): one MW at e J/TH
    is 1e6 / e TH/s. Negative when the power price is above the break-even power price.

    >>> round(float(mining_margin_usd_per_mw_day(0.05, 20, 50)), 6)  # 0.05*1e6/20 - 24*50 = 2500 - 1200
    1300.0
    """
    hp = nonneg("hashprice_usd_per_th_day", hashprice_usd_per_th_day)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    up = fraction("uptime_frac", uptime_frac)
    pool = fraction("pool_fee_frac", pool_fee_frac)
    revenue = hp * (1.0 - pool) * W_PER_MW / eff
    return up * (revenue - HOURS_PER_DAY * price)


def mining_margin_ratio(
    hashprice_usd_per_th_day: ArrayLike,
    efficiency_j_per_th: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    pool_fee_frac: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Mining margin as a share of revenue: 1 - energy cost / revenue. [fraction, may be < 0]

    0.52 means 52 %. Uptime cancels. Where revenue is 0 (pool fee of 1) the result is ``-inf`` if
    power costs anything and NaN if it is free.

    >>> round(float(mining_margin_ratio(0.05, 20, 50)), 12)  # 1 - 1200/2500
    0.52
    """
    hp = positive("hashprice_usd_per_th_day", hashprice_usd_per_th_day)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    pool = fraction("pool_fee_frac", pool_fee_frac)
    revenue = hp * (1.0 - pool) * W_PER_MW / eff
    cost = HOURS_PER_DAY * price
    with np.errstate(divide="ignore", invalid="ignore"):
        return (revenue - cost) / revenue
