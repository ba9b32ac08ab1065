"""What converting megawatts to AI/HPC returns against keeping them mining, on the same random numbers.

A project's own IRR (``analysis.summary.project_rows``) counts its capex and its net revenue only, as if its
megawatts had earned nothing before. The decision a miner faces is the difference between two plans: convert, or
keep mining those MW. :func:`incremental_returns` takes, for each treasury policy run under both a conversion plan
and the all-mining plan, the monthly difference of their operating cash flows on each stored path (mining revenue
and power, AI revenue and opex, capex), adds at the horizon the difference of what their contracts still pay
(``contracted_value_usd``: a lease with years left is worth its remaining rent) and of their fleets' resale value
(``fleet_value_usd``: the converted MW's machines are not there to sell), and gives the IRR and payback of
that incremental stream: the project's return net of the mining margin it gives up (issue 13, point 5).

Flows that both plans share (overheads) cancel; interest on debt drawn differently, and treasury flows (BTC sold or
bought) are left out: they finance the plan, they are not its return. Pure: reads a result's Dataset only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from hashpivot.analysis.summary import quantile_stats

#: Cumulative monthly flows of a stored path that make up a plan's operating cash flow, with their sign.
OPERATING_FLOWS = (("cumulative_mining_revenue_usd", 1.0), ("cumulative_mining_opex_usd", -1.0),
                   ("cumulative_ai_revenue_usd", 1.0), ("cumulative_ai_opex_usd", -1.0),
                   ("cumulative_capex_usd", -1.0))
#: Columns of :func:`incremental_returns`.
INCREMENTAL_COLUMNS = ("policy", "baseline", "stat", "irr_frac_per_year", "payback_years", "net_usd")


def operating_cash_by_month(ds: xr.Dataset, policy: str) -> np.ndarray:
    """Operating cash flow of each stored path of ``policy`` in each month after day 0 (sample, month) [USD]:
    mining revenue (with demand-response credits) - power + AI revenue - AI opex - capex, from the cumulative
    monthly series."""
    sub = ds.sel(policy=policy)
    cumulative = sum(sign * sub[name].values.astype(np.float64) for name, sign in OPERATING_FLOWS)
    return np.diff(cumulative, axis=-1)


def incremental_flows(ds: xr.Dataset, policy: str, baseline: str) -> np.ndarray:
    """Monthly incremental cash flow of ``policy`` over ``baseline`` on each stored path (sample, month) [USD], the
    last month with the difference of the contracts' value and of the fleets' resale value at the horizon."""
    flows = operating_cash_by_month(ds, policy) - operating_cash_by_month(ds, baseline)
    n = flows.shape[0]
    for name in ("contracted_value_usd", "fleet_value_usd"):
        if name in ds and flows.shape[1]:
            flows[:, -1] += ds[name].sel(policy=policy).values[:n] - ds[name].sel(policy=baseline).values[:n]
    return flows


def incremental_returns(ds: xr.Dataset) -> pd.DataFrame:
    """For each policy run under a conversion plan whose treasury policy also ran under ``all_mining``: quantiles
    (mean, p5, p50, p95) over the stored paths of the incremental stream's IRR [fraction/year], payback [years, NaN
    where never paid back] and undiscounted sum [USD], with the share of paths whose IRR is defined
    (``defined_share``) and paid back (``paid_back_share``); columns :data:`INCREMENTAL_COLUMNS`, empty when the
    run has no such pair or no stored paths."""
    from hashpivot.formulas.finance import irr_per_period, payback_periods

    rows: list[tuple] = []
    if "capacity" not in ds.coords or ds.sizes.get("sample", 0) == 0 or "cumulative_capex_usd" not in ds:
        return pd.DataFrame(rows, columns=list(INCREMENTAL_COLUMNS))
    policies = [str(p) for p in ds["policy"].values]
    capacity = dict(zip(policies, (str(c) for c in ds["capacity"].values), strict=True))
    treasury = dict(zip(policies, (str(t) for t in ds["treasury"].values), strict=True))
    mining = {treasury[p]: p for p in policies if capacity[p] == "all_mining"}
    for policy in policies:
        baseline = mining.get(treasury[policy])
        if capacity[policy] == "all_mining" or baseline is None:
            continue
        flows = incremental_flows(ds, policy, baseline)
        with np.errstate(invalid="ignore", over="ignore"):
            irr = (1.0 + irr_per_period(flows)) ** 12 - 1.0
        payback = payback_periods(flows) / 12.0
        stats = [quantile_stats(values) for values in (irr, payback, flows.sum(axis=-1))]
        for stat in ("mean", "p5", "p50", "p95"):
            rows.append((policy, baseline, stat, *(s[stat] for s in stats)))
        rows.append((policy, baseline, "defined_share", float(np.isfinite(irr).mean()),
                     float(np.isfinite(payback).mean()), float("nan")))
    return pd.DataFrame(rows, columns=list(INCREMENTAL_COLUMNS))
