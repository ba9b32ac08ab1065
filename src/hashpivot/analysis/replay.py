"""Monthly table of a historical replay (a ``SimResult`` of ``api.replay``): production, sales, revenue,
hashprice, cost per BTC and margin per MW, beside the production the company reported."""

from __future__ import annotations

import numpy as np
import pandas as pd


def monthly_table(result, policy: str | None = None, reported=()) -> pd.DataFrame:
    """One row per calendar month of the replay (index ``month``, YYYY-MM).

    Columns: mined_btc, sold_btc, btc_held (end of month) [BTC]; mining_revenue_usd, power_cost_usd [USD];
    mining_mw_days (grid MW mining, summed over the month's days) [MW-days];
    hashprice_usd_per_th_day (monthly mean); cost_per_btc_mined_usd (power / mined); mining and AI margin per
    MW-day [USD/MW-day]; reported_mined_btc and mined_vs_reported_frac where ``reported``
    (``ReportedProduction`` rows) has the month.
    """
    ds = result.dataset
    label = policy or result.policies[0]
    sub = ds.sel(policy=label).isel(sample=0)

    def flow(name: str) -> np.ndarray:
        return np.diff(sub[f"cumulative_{name}"].values.astype(np.float64))

    months = pd.DatetimeIndex(ds["date"].values[1:]).strftime("%Y-%m")
    mined = flow("mined_btc")
    power = flow("mining_opex_usd")
    mining_mw_days = flow("mining_mw_days")
    ai_mw_days = flow("ai_mw_days")
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "mined_btc": mined,
            "sold_btc": flow("sold_btc"),
            "btc_held": sub["monthly_btc_held"].values[1:].astype(np.float64),
            "mining_revenue_usd": flow("mining_revenue_usd"),
            "power_cost_usd": power,
            "hashprice_usd_per_th_day": ds["monthly_hashprice_usd_per_th_day"].isel(sample=0).values[1:],
            "cost_per_btc_mined_usd": np.where(mined > 0, power / mined, np.nan),
            "mining_mw_days": mining_mw_days,
            "mining_margin_usd_per_mw_day": np.where(
                mining_mw_days > 0, (flow("mining_revenue_usd") - power) / mining_mw_days, np.nan),
            "ai_margin_usd_per_mw_day": np.where(
                ai_mw_days > 0, (flow("ai_revenue_usd") - flow("ai_opex_usd")) / ai_mw_days, np.nan),
        }, index=pd.Index(months, name="month"))
    by_month = {r.month: r.mined_btc for r in reported}
    table["reported_mined_btc"] = [by_month.get(m, np.nan) for m in table.index]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["mined_vs_reported_frac"] = table["mined_btc"] / table["reported_mined_btc"] - 1.0
    return table
