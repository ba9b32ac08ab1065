"""Sites as results (issue 13, point 3): each site's revenue, costs, MW in use and margin per MW, per segment.

The engine keeps each site's flows apart for a company of several sites (``engine.state.SITE_TOTALS``, per path; a
fleet's to its site, an AI/HPC project's to the site whose MW it took or that its conversion names); the result
holds them as ``site_<name>`` variables (policy, path, site). Here they become one row per (policy, site): path
means of revenue, opex, capex and margin [USD] and of MW-days, and the margin per MW-day over all paths' MW-days
(the definition of ``analysis.per_mw``: sum of margins / sum of MW-days), mining and AI/HPC apart and together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of :func:`site_frame`, with their units.
SITE_COLUMNS = {
    "policy": "label", "site": "name", "mined_btc": "BTC", "mining_revenue_usd": "USD", "mining_opex_usd": "USD",
    "mining_capex_usd": "USD", "mining_mw_days": "MW-days", "mining_margin_usd_per_mw_day": "USD/MW-day",
    "ai_revenue_usd": "USD", "ai_opex_usd": "USD", "ai_capex_usd": "USD", "ai_mw_days": "MW-days",
    "ai_margin_usd_per_mw_day": "USD/MW-day", "revenue_usd": "USD", "opex_usd": "USD", "capex_usd": "USD",
    "margin_usd": "USD", "margin_usd_per_mw_day": "USD/MW-day",
}
_FLOWS = ("mined_btc", "mining_revenue_usd", "mining_opex_usd", "mining_capex_usd", "mining_mw_days",
          "ai_revenue_usd", "ai_opex_usd", "ai_capex_usd", "ai_mw_days")


def _per_mw_day(margin: float, mw_days: float) -> float:
    return margin / mw_days if mw_days > 0 else float("nan")


def site_frame(result) -> pd.DataFrame:
    """One row per (policy, site) of ``result`` (a ``SimResult`` that kept its per-path values): each flow's mean
    over paths, margins (revenue - opex, before capex and overheads) and margins per MW-day. Columns
    :data:`SITE_COLUMNS`. Raises ValueError for a result that kept only the finals (a sweep's)."""
    ds = result.dataset
    if "site_mining_revenue_usd" not in ds:
        raise ValueError("this result kept only the summary's inputs per path (per_path="
                         f"{ds.attrs.get('per_path')!r}); allowed: a run that keeps every value (hashpivot run)")
    rows = []
    for policy in result.policies:
        sel = ds.sel(policy=policy)
        for site in [str(s) for s in ds["site"].values]:
            flows = {name: float(np.mean(sel[f"site_{name}"].sel(site=site).values)) for name in _FLOWS}
            mining = flows["mining_revenue_usd"] - flows["mining_opex_usd"]
            ai = flows["ai_revenue_usd"] - flows["ai_opex_usd"]
            rows.append({
                "policy": policy, "site": site, **flows,
                "mining_margin_usd_per_mw_day": _per_mw_day(mining, flows["mining_mw_days"]),
                "ai_margin_usd_per_mw_day": _per_mw_day(ai, flows["ai_mw_days"]),
                "revenue_usd": flows["mining_revenue_usd"] + flows["ai_revenue_usd"],
                "opex_usd": flows["mining_opex_usd"] + flows["ai_opex_usd"],
                "capex_usd": flows["mining_capex_usd"] + flows["ai_capex_usd"],
                "margin_usd": mining + ai,
                "margin_usd_per_mw_day": _per_mw_day(mining + ai, flows["mining_mw_days"] + flows["ai_mw_days"]),
            })
    return pd.DataFrame(rows, columns=list(SITE_COLUMNS))
