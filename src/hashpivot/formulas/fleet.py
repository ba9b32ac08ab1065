"""Buying, running and reselling ASICs: the price of a new unit as hashprice moves, a unit's margin and payback,
and the resale value of a used one.

ASIC prices follow hashprice: ``price_usd_per_th(t) = price0 x (hashprice_t / hashprice_0) ** elasticity``
(the Hashrate Index ASIC Price Index against Luxor's hashprice; the elasticity's derivation is in
docs/assumptions.md). A used unit resells at the new price, less straight-line wear over its economic life:
``resale = price_new x (1 - age / life)^+ x (hashprice_t / hashprice_0) ** elasticity``.

Each checked function validates its inputs and calls an ``*_unchecked`` twin; the engine's jitted stages compile
those same twins (``hashpivot.engine.kernels``), so each quantity is written once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.formulas._validate import nonneg, positive
from hashpivot.units import HOURS_PER_DAY, W_PER_MW


def asic_price_usd_per_th_unchecked(price0_usd_per_th, hashprice_ratio, elasticity_ratio):
    """Price of a new unit when hashprice is ``hashprice_ratio`` times its day-0 level, unchecked. [USD/(TH/s)]"""
    return price0_usd_per_th * hashprice_ratio ** elasticity_ratio


def resale_usd_per_th_unchecked(price_new_usd_per_th, age_years, life_years, hashprice_ratio, elasticity_ratio):
    """Resale price of a used unit, unchecked. [USD/(TH/s)]"""
    wear = 1.0 - age_years / life_years
    if wear < 0.0:
        wear = 0.0
    return price_new_usd_per_th * wear * hashprice_ratio ** elasticity_ratio


def unit_margin_usd_per_th_day_unchecked(hashprice_usd_per_th_day, uptime_frac, net_of_pool_fee_frac,
                                         grid_j_per_th, power_price_usd_per_mwh):
    """Daily margin of one TH/s running all its uptime, unchecked: uptime x (hashprice x (1 - pool fee) - J/TH x
    24 / 1e6 x power price). [USD/(TH/s)/day]"""
    return uptime_frac * (hashprice_usd_per_th_day * net_of_pool_fee_frac
                          - grid_j_per_th * HOURS_PER_DAY / W_PER_MW * power_price_usd_per_mwh)


def asic_price_usd_per_th(price0_usd_per_th: ArrayLike, hashprice_ratio: ArrayLike,
                          elasticity_ratio: ArrayLike) -> NDArray[np.float64]:
    """Price of a new ASIC when hashprice is ``hashprice_ratio`` x its day-0 level: ``price0 x ratio **
    elasticity``. [USD/(TH/s)]

    >>> float(asic_price_usd_per_th(16.0, 0.25, 0.5))  # 16 x 0.25 ** 0.5
    8.0
    """
    p0 = nonneg("price0_usd_per_th", price0_usd_per_th)
    ratio = positive("hashprice_ratio", hashprice_ratio)
    e = nonneg("elasticity_ratio", elasticity_ratio)
    return np.asarray(asic_price_usd_per_th_unchecked(p0, ratio, e), dtype=np.float64)


def resale_usd_per_th(price_new_usd_per_th: ArrayLike, age_years: ArrayLike, life_years: ArrayLike,
                      hashprice_ratio: ArrayLike, elasticity_ratio: ArrayLike) -> NDArray[np.float64]:
    """Resale price of a used ASIC: ``price_new x (1 - age / life)^+ x hashprice_ratio ** elasticity``.
    [USD/(TH/s)]

    >>> float(resale_usd_per_th(20.0, 2.0, 5.0, 0.5, 1.0))  # 20 x (1 - 2/5) x 0.5
    6.0
    >>> float(resale_usd_per_th(20.0, 6.0, 5.0, 1.0, 1.0))  # past its life: nothing
    0.0
    """
    price = nonneg("price_new_usd_per_th", price_new_usd_per_th)
    age = nonneg("age_years", age_years)
    life = positive("life_years", life_years)
    ratio = positive("hashprice_ratio", hashprice_ratio)
    e = nonneg("elasticity_ratio", elasticity_ratio)
    wear = np.maximum(1.0 - age / life, 0.0)
    return np.asarray(price * wear * ratio ** e, dtype=np.float64)


def payback_days(price_usd_per_th: ArrayLike, hashprice_usd_per_th_day: ArrayLike, efficiency_j_per_th: ArrayLike,
                 power_price_usd_per_mwh: ArrayLike, uptime_frac: ArrayLike = 1.0,
                 pool_fee_frac: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Days a unit's daily margin at today's hashprice and power price takes to pay its price back; inf when the
    margin is not positive. [days]

    >>> float(payback_days(15.0, 0.05, 20.0, 40.0))  # 15 / (0.05 - 20 x 24 / 1e6 x 40) = 15 / 0.0308
    487.012987012987
    """
    price = nonneg("price_usd_per_th", price_usd_per_th)
    hp = nonneg("hashprice_usd_per_th_day", hashprice_usd_per_th_day)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    power = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    up = positive("uptime_frac", uptime_frac)
    fee = nonneg("pool_fee_frac", pool_fee_frac)
    margin = unit_margin_usd_per_th_day_unchecked(hp, up, 1.0 - fee, eff, power)
    with np.errstate(divide="ignore"):
        return np.where(margin > 0, price / np.where(margin > 0, margin, 1.0), np.inf)
