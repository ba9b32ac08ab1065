"""A lease deal's terms as a rate, a present value and a margin per MW-day, beside mining's margin per MW-day
on the same dates of the chain table (``hashpivot deal``). The formulas are those of
:mod:`hashpivot.formulas.ai` and :mod:`hashpivot.formulas.mining`; this module takes data, it loads none."""

from __future__ import annotations

import pandas as pd

from hashpivot.formulas.ai import contract_rate_usd_per_kw_month, lease_npv_usd, lease_revenue_usd_per_mw_day
from hashpivot.formulas.mining import hashprice_from_revenue_usd, mining_margin_usd_per_mw_day
from hashpivot.policies.capacity import ColocationLease
from hashpivot.units import DAYS_PER_YEAR, KW_PER_MW

#: Our operating cost share of a lease's rent when a deal does not say: a colocation lease's default in a scenario,
#: RM1's lease opex of 10 % of lease revenue (../shared/reference/RM1.md); power is the tenant's. [fraction]
DEFAULT_OPEX_FRAC = ColocationLease.model_fields["opex_frac_of_revenue"].default


def deal_terms(value_usd: float, it_load_mw: float, term_years: float, *, escalator_frac_per_year: float = 0.0,
               discount_frac_per_year: float = 0.0, pue_ratio: float = 1.0,
               opex_frac_of_revenue: float = DEFAULT_OPEX_FRAC) -> dict:
    """First-year and average rate [USD/kW-month], NPV of the rent [USD], and revenue and margin (after our
    opex share) per IT MW-day and per grid MW-day (IT MW-day / PUE) averaged over the term [USD/MW-day]."""
    first = float(contract_rate_usd_per_kw_month(value_usd, it_load_mw, term_years, escalator_frac_per_year))
    average = float(contract_rate_usd_per_kw_month(value_usd, it_load_mw, term_years))
    npv = float(lease_npv_usd(it_load_mw, first, term_years, escalator_frac_per_year, discount_frac_per_year))
    per_it_mw_day = value_usd / (it_load_mw * term_years * DAYS_PER_YEAR)
    margin_it = per_it_mw_day * (1.0 - opex_frac_of_revenue)
    return {
        "value_usd": value_usd, "it_load_mw": it_load_mw, "term_years": term_years,
        "escalator_frac_per_year": escalator_frac_per_year, "discount_frac_per_year": discount_frac_per_year,
        "first_year_rate_usd_per_kw_month": first, "average_rate_usd_per_kw_month": average,
        "npv_usd": npv, "npv_usd_per_kw": npv / (it_load_mw * KW_PER_MW),
        "revenue_usd_per_it_mw_day": per_it_mw_day,
        "revenue_usd_per_it_mw_day_first_year": float(lease_revenue_usd_per_mw_day(first)),
        "margin_usd_per_it_mw_day": margin_it, "margin_usd_per_grid_mw_day": margin_it / pue_ratio,
        "pue_ratio": pue_ratio, "opex_frac_of_revenue": opex_frac_of_revenue,
    }


def mining_on_dates(history: pd.DataFrame, first_day, last_day, *, efficiency_j_per_th: float,
                    power_price_usd_per_mwh: float) -> dict:
    """Mining's pooled hashprice (sum of revenue / sum of hashrate) [USD/(TH/s)/day] and margin per MW-day of
    miners at ``efficiency_j_per_th`` paying ``power_price_usd_per_mwh`` [USD/MW-day] over the chain table's
    days ``first_day..last_day``."""
    rows = history.loc[pd.Timestamp(first_day): pd.Timestamp(last_day)]
    hashprice = float(hashprice_from_revenue_usd(rows["revenue_usd"].sum(), rows["hashrate_ehs"].sum()))
    margin = float(mining_margin_usd_per_mw_day(hashprice, efficiency_j_per_th, power_price_usd_per_mwh))
    return {"from": f"{rows.index[0]:%Y-%m-%d}", "to": f"{rows.index[-1]:%Y-%m-%d}", "n_days": int(len(rows)),
            "hashprice_usd_per_th_day": hashprice, "efficiency_j_per_th": efficiency_j_per_th,
            "power_price_usd_per_mwh": power_price_usd_per_mwh, "margin_usd_per_mw_day": margin}
