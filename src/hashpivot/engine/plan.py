"""The company's deterministic daily plan: which hashrate and megawatts mine, what power costs at the
contract price, what the AI projects earn and cost. Shape (days + 1,); path-dependent effects (power
price index, insolvency) are applied in the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hashpivot.policies.capacity import ConvertOnDay
from hashpivot.units import DAYS_PER_YEAR, HOURS_PER_DAY, KW_PER_MW, MONTHS_PER_YEAR


@dataclass(frozen=True)
class CompanyPlan:
    """Per-day plan arrays, index = simulation day (0 = initial conditions, unused)."""

    #: Sum over fleets of uptime x (1 - pool fee) x hashrate: BTC mined = this / H x blocks x (subsidy + fees). [EH/s]
    production_ehs: NDArray[np.float64]
    #: Installed mining power still mining. [MW]
    mining_mw: NDArray[np.float64]
    #: Mining energy cost at contract prices, uptime applied; the step multiplies the power index. [USD/day]
    power_cost_usd: NDArray[np.float64]
    #: AI/HPC megawatts earning. [MW]
    ai_mw: NDArray[np.float64]
    ai_revenue_usd: NDArray[np.float64]
    ai_opex_usd: NDArray[np.float64]
    capex_usd: NDArray[np.float64]
    fixed_opex_usd: NDArray[np.float64]


def build_plan(scenario) -> CompanyPlan:
    """Daily plan of ``scenario.company`` under ``scenario.policy.capacity``."""
    company, n_days = scenario.company, scenario.run.horizon_days
    price_by_site = {s.name: s.power_price_usd_per_mwh for s in company.sites}
    n = n_days + 1
    fleets = sorted(company.fleets, key=lambda f: -f.efficiency_j_per_th)  # worst J/TH first
    mw_by_fleet = np.array([[f.power_mw] * n for f in fleets])
    ai_mw = np.zeros(n)
    ai_revenue = np.zeros(n)
    ai_opex = np.zeros(n)
    capex = np.zeros(n)
    cap = scenario.policy.capacity
    if isinstance(cap, ConvertOnDay):
        remaining = cap.mw
        for i in range(len(fleets)):
            take = min(remaining, mw_by_fleet[i, cap.day])
            mw_by_fleet[i, cap.day :] -= take
            remaining -= take
        ai_mw[cap.day :] = cap.mw
        revenue_per_day = cap.mw * KW_PER_MW * cap.project.rate_usd_per_kw_month * MONTHS_PER_YEAR / DAYS_PER_YEAR
        ai_revenue[cap.day :] = revenue_per_day
        ai_opex[cap.day :] = revenue_per_day * cap.project.opex_frac_of_revenue
        capex[cap.day] = cap.mw * cap.project.capex_usd_per_mw
    eff = np.array([f.efficiency_j_per_th for f in fleets])[:, None]
    uptime = np.array([f.uptime_frac for f in fleets])[:, None]
    net = np.array([1.0 - f.pool_fee_frac for f in fleets])[:, None]
    price = np.array([price_by_site[f.site] for f in fleets])[:, None]
    hashrate_ehs = mw_by_fleet / eff
    for arr in (mw_by_fleet, hashrate_ehs):
        arr[:, 0] = 0.0
    return CompanyPlan(
        production_ehs=(uptime * net * hashrate_ehs).sum(axis=0),
        mining_mw=mw_by_fleet.sum(axis=0),
        power_cost_usd=(uptime * mw_by_fleet * HOURS_PER_DAY * price).sum(axis=0),
        ai_mw=ai_mw,
        ai_revenue_usd=ai_revenue,
        ai_opex_usd=ai_opex,
        capex_usd=capex,
        fixed_opex_usd=np.r_[0.0, np.full(n_days, company.fixed_opex_usd_per_day)],
    )
