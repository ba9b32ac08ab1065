"""The company as packed arrays for the jitted step: fleets, sites, AI projects and which fleet megawatts
each project takes; and, per chunk of paths, the day each project's build starts.

A capacity plan's steps expand into projects (one per tranche). Static facts go into small float arrays;
what depends on the path (the start day of a hashprice-triggered conversion) is computed from the
market chunk before the step runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hashpivot.policies.capacity import (
    ConvertOnDay,
    ConvertWhenHashpriceBelow,
    GpuCloud,
)
from hashpivot.units import DAYS_PER_YEAR

# Fleet columns.
F_PROD_EHS, F_MW, F_EHS_PER_MW, F_UPTIME, F_SITE, F_J_PER_TH_GRID, F_NET, F_PUE = range(8)
N_FLEET_COLS = 8
# Site columns.
S_PRICE, S_CURTAILABLE, S_HOURLY_LOG_SD, S_DR_CREDIT = range(4)
N_SITE_COLS = 4
# Project columns.
(P_KIND, P_MW, P_IT_MW, P_RATE, P_ESCALATOR, P_TERM_DAYS, P_OPEX, P_CAPEX, P_BUILD_DAYS, P_DELAY_DAYS,
 P_HAZARD_PER_DAY, P_DOWNTIME_DAYS, P_N_GPUS, P_CONTRACT_FRAC, P_UTILISATION, P_CONTRACT_DAYS, P_SPOT0,
 P_POWER_PRICE) = range(18)
N_PROJECT_COLS = 18


@dataclass(frozen=True)
class ProjectSpec:
    """One project instance (a tranche of a conversion step) and how its start day is found."""

    label: str
    project: object
    mw: float
    day: int | None  # fixed start day, or None when triggered by hashprice
    threshold_usd_per_th_day: float
    for_days: int
    earliest_day: int
    offset_days: int


@dataclass(frozen=True)
class CompanyArrays:
    fleets: NDArray[np.float64]
    #: Hashrate per MW relative to new, by fleet and day: (1 - derate)^(age in years). Shape (fleets, days + 1).
    derate: NDArray[np.float64]
    #: Upgrade policy: [enabled, new J/TH, capex USD/TH, max payback days, max MW per check, days between checks].
    upgrade: NDArray[np.float64]
    sites: NDArray[np.float64]
    projects: NDArray[np.float64]
    removal_mw: NDArray[np.float64]  # (projects, fleets) grid MW each project takes from each fleet
    specs: tuple[ProjectSpec, ...]
    fixed_opex_usd_per_day: float

    def start_days(self, market) -> NDArray[np.int64]:
        """Build start day of each project on each path of a ``MarketChunk``, shape (paths, projects); -1 = never.
        Hashprice is computed only when a project is triggered by it."""
        n_paths, n_cols = market.btc_price_usd.shape
        n_days = n_cols - 1
        out = np.full((n_paths, len(self.specs)), -1, dtype=np.int64)
        hashprice_usd_per_th_day = None
        for k, spec in enumerate(self.specs):
            if spec.day is not None:
                start = spec.day + spec.offset_days
                out[:, k] = start if start <= n_days else -1
                continue
            if hashprice_usd_per_th_day is None:
                hashprice_usd_per_th_day = market.hashprice_usd_per_th_day()
            below = (hashprice_usd_per_th_day[:, 1:] < spec.threshold_usd_per_th_day).astype(np.int64)
            run = np.cumsum(below, axis=1)
            n = spec.for_days
            window = run.copy()
            window[:, n:] -= run[:, :-n]
            days = np.arange(1, n_days + 1)
            hit = (window >= n) & (days >= spec.earliest_day)[None, :]
            # Decided at the end of the day the run completes; the build starts the next day.
            first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 2, -1)
            start = np.where(first > 0, first + spec.offset_days, -1)
            out[:, k] = np.where((start > 0) & (start <= n_days), start, -1)
        return out


def _expand(plan) -> list[ProjectSpec]:
    specs = []
    for i, step in enumerate(plan.steps()):
        base = step.name or f"{step.project.kind}_{i + 1}"
        for j in range(step.n_tranches):
            label = base if step.n_tranches == 1 else f"{base}_t{j + 1}"
            if isinstance(step, ConvertOnDay):
                specs.append(ProjectSpec(label, step.project, step.mw / step.n_tranches, step.day, 0.0, 0, 0,
                                         j * step.tranche_spacing_days))
            else:
                assert isinstance(step, ConvertWhenHashpriceBelow)
                specs.append(ProjectSpec(label, step.project, step.mw / step.n_tranches, None,
                                         step.threshold_usd_per_th_day, step.for_days, step.earliest_day,
                                         j * step.tranche_spacing_days))
    return specs


def _hazard_per_day(prob_per_year: float) -> float:
    return 1.0 - (1.0 - prob_per_year) ** (1.0 / DAYS_PER_YEAR)


def _project_row(spec: ProjectSpec, first_site_price: float) -> NDArray[np.float64]:
    p = spec.project
    row = np.zeros(N_PROJECT_COLS)
    row[P_KIND] = p.code
    row[P_MW] = spec.mw
    row[P_BUILD_DAYS] = p.build_days
    row[P_DELAY_DAYS] = p.delay_days
    row[P_HAZARD_PER_DAY] = _hazard_per_day(p.tenant_default_prob_per_year)
    row[P_DOWNTIME_DAYS] = p.downtime_days
    if isinstance(p, GpuCloud):
        n_gpus = spec.mw * p.n_gpus_per_grid_mw
        row[P_IT_MW] = spec.mw / p.pue_ratio
        row[P_RATE] = p.contract_rate_usd_per_gpu_hour
        row[P_OPEX] = p.opex_usd_per_gpu_hour
        row[P_CAPEX] = n_gpus * p.capex_usd_per_gpu
        row[P_N_GPUS] = n_gpus
        row[P_CONTRACT_FRAC] = p.contracted_frac
        row[P_UTILISATION] = p.utilisation_frac
        row[P_CONTRACT_DAYS] = p.contract_years * DAYS_PER_YEAR
        row[P_SPOT0] = p.spot_start_usd_per_gpu_hour
        row[P_POWER_PRICE] = first_site_price if p.power_price_usd_per_mwh is None else p.power_price_usd_per_mwh
        row[P_TERM_DAYS] = 0.0
    else:
        it_mw = spec.mw / p.pue_ratio
        row[P_IT_MW] = it_mw
        row[P_RATE] = p.rate_usd_per_kw_month
        row[P_ESCALATOR] = p.escalator_frac_per_year
        row[P_TERM_DAYS] = p.term_years * DAYS_PER_YEAR
        row[P_OPEX] = p.opex_frac_of_revenue
        row[P_CAPEX] = it_mw * p.capex_usd_per_mw
    return row


def build_company(scenario, plan) -> CompanyArrays:
    """Packed arrays of ``scenario.company`` under the capacity ``plan``."""
    company = scenario.company
    site_index = {s.name: i for i, s in enumerate(company.sites)}
    sites = np.array([[s.power_price_usd_per_mwh, s.curtailable_frac, s.hourly_price_vol_log,
                       s.demand_response_usd_per_mwh] for s in company.sites], dtype=np.float64)
    fleets = np.zeros((len(company.fleets), N_FLEET_COLS))
    for i, f in enumerate(company.fleets):
        pue = company.sites[site_index[f.site]].pue_ratio
        ehs = f.effective_hashrate_ehs
        mw = f.power_mw * pue
        fleets[i] = [f.uptime_frac * (1 - f.pool_fee_frac) * ehs, mw, ehs / mw, f.uptime_frac,
                     site_index[f.site], f.effective_efficiency_j_per_th * pue, 1 - f.pool_fee_frac, pue]
    specs = _expand(plan)
    projects = np.array([_project_row(s, company.sites[0].power_price_usd_per_mwh) for s in specs],
                        dtype=np.float64).reshape(len(specs), N_PROJECT_COLS)
    # Take converted MW from the least efficient fleets first, in the order the steps are listed.
    order = np.argsort(-fleets[:, F_J_PER_TH_GRID], kind="stable")
    left = fleets[:, F_MW].copy()
    removal = np.zeros((len(specs), len(company.fleets)))
    for k, spec in enumerate(specs):
        need = spec.mw
        for f in order:
            take = min(need, left[f])
            removal[k, f] = take
            left[f] -= take
            need -= take
            if need <= 1e-12:
                break
    days = np.arange(scenario.run.horizon_days + 1) / DAYS_PER_YEAR
    derate = np.array([(1.0 - f.derate_frac_per_year) ** (f.age_years + days) for f in company.fleets])
    up = scenario.policy.upgrade
    upgrade = np.zeros(6)
    if up.kind == "payback":
        upgrade[:] = [1.0, up.efficiency_j_per_th, up.capex_usd_per_th, up.max_payback_months * DAYS_PER_YEAR / 12,
                      up.max_mw_per_check, up.check_every_days]
    return CompanyArrays(fleets, derate, upgrade, sites, projects, removal, tuple(specs),
                         company.fixed_opex_usd_per_day)

