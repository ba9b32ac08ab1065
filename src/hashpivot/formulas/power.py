"""Power and energy: miner load from hashrate and efficiency, energy per day, its cost, PUE.

One TH/s at ``e`` J/TH draws ``e`` W (a joule per second per TH/s), so 1 EH/s = 1e6 TH/s at
20 J/TH draws 20e6 W = 20 MW. PUE (power usage effectiveness) is facility power / IT power, >= 1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.formulas._validate import at_least, fraction, nonneg, positive
from hashpivot.units import HOURS_PER_DAY, TH_PER_EH, W_PER_MW


def mining_power_mw(hashrate_ehs: ArrayLike, efficiency_j_per_th: ArrayLike) -> NDArray[np.float64]:
    """Power drawn by miners of a given hashrate and efficiency. [MW]

    hashrate x 1e6 TH/s per EH/s x efficiency W per TH/s / 1e6 W per MW.

    >>> round(float(mining_power_mw(1, 20)), 12)  # 1e6 TH/s * 20 W / 1e6
    20.0
    """
    h = nonneg("hashrate_ehs", hashrate_ehs)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    return h * TH_PER_EH * eff / W_PER_MW


def mining_power_mw_from_ths(
    hashrate_ths: ArrayLike, efficiency_j_per_th: ArrayLike
) -> NDArray[np.float64]:
    """Power drawn by miners given their hashrate in TH/s. [MW]

    >>> round(float(mining_power_mw_from_ths(200, 17.5)), 12)  # one 200 TH/s unit: 3500 W
    0.0035
    """
    h = nonneg("hashrate_ths", hashrate_ths)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    return h * eff / W_PER_MW


def hashrate_ehs_from_power_mw(
    power_mw: ArrayLike, efficiency_j_per_th: ArrayLike
) -> NDArray[np.float64]:
    """Hashrate that a power budget runs at a given efficiency. [EH/s]

    power x 1e6 W per MW / efficiency / 1e6 TH/s per EH/s.

    >>> round(float(hashrate_ehs_from_power_mw(100, 20)), 12)  # 100e6 W / 20 W per TH/s = 5e6 TH/s
    5.0
    """
    p = nonneg("power_mw", power_mw)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    return p * W_PER_MW / eff / TH_PER_EH


def hashrate_ths_from_power_mw(
    power_mw: ArrayLike, efficiency_j_per_th: ArrayLike
) -> NDArray[np.float64]:
    """Hashrate that a power budget runs at a given efficiency. [TH/s]

    >>> round(float(hashrate_ths_from_power_mw(1, 20)), 9)  # 1e6 W / 20 W per TH/s
    50000.0
    """
    p = nonneg("power_mw", power_mw)
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    return p * W_PER_MW / eff


def energy_mwh_per_day_unchecked(power_mw, uptime_frac):
    """Energy a load uses in a day (scalars or arrays), unchecked: uptime x MW x 24 h. [MWh/day]

    The engine's jitted stages compile this very function (``hashpivot.engine.kernels``).
    """
    return uptime_frac * power_mw * HOURS_PER_DAY


def energy_cost_usd_unchecked(energy_mwh, power_price_usd_per_mwh):
    """Cost of an amount of energy (scalars or arrays), unchecked: MWh x USD/MWh. [USD]"""
    return energy_mwh * power_price_usd_per_mwh


def energy_mwh_per_day(power_mw: ArrayLike, uptime_frac: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Energy used in a day by a load running a share of the time. [MWh/day]

    >>> round(float(energy_mwh_per_day(100, 0.95)), 9)  # 100 MW * 24 h * 0.95
    2280.0
    """
    p = nonneg("power_mw", power_mw)
    up = fraction("uptime_frac", uptime_frac)
    return energy_mwh_per_day_unchecked(p, up)


def energy_cost_usd(energy_mwh: ArrayLike, power_price_usd_per_mwh: ArrayLike) -> NDArray[np.float64]:
    """Cost of an amount of energy at a power price; MWh per day in gives USD per day. [USD]

    >>> round(float(energy_cost_usd(2280, 45)), 9)  # 2280 MWh * 45 USD/MWh
    102600.0
    """
    e = nonneg("energy_mwh", energy_mwh)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    return energy_cost_usd_unchecked(e, price)


def energy_cost_usd_per_day(
    power_mw: ArrayLike, power_price_usd_per_mwh: ArrayLike, uptime_frac: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Cost of a day's energy for a load running a share of the time. [USD/day]

    power x 24 h x uptime x power price.

    >>> round(float(energy_cost_usd_per_day(100, 45, 0.95)), 9)  # 100*24*0.95*45
    102600.0
    """
    p = nonneg("power_mw", power_mw)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    up = fraction("uptime_frac", uptime_frac)
    return energy_cost_usd_unchecked(energy_mwh_per_day_unchecked(p, up), price)


def facility_power_mw(it_load_mw: ArrayLike, pue_ratio: ArrayLike) -> NDArray[np.float64]:
    """Power a facility draws from the grid for an IT load: IT load x PUE. [MW]

    >>> round(float(facility_power_mw(200, 1.3)), 9)
    260.0
    """
    it = nonneg("it_load_mw", it_load_mw)
    pue = at_least("pue_ratio", pue_ratio, 1.0)
    return it * pue


def it_load_mw_from_facility_power(
    facility_power_mw: ArrayLike, pue_ratio: ArrayLike
) -> NDArray[np.float64]:
    """IT load a facility's grid power supports: facility power / PUE. [MW]

    >>> round(float(it_load_mw_from_facility_power(260, 1.3)), 9)
    200.0
    """
    p = nonneg("facility_power_mw", facility_power_mw)
    pue = at_least("pue_ratio", pue_ratio, 1.0)
    return p / pue
