"""What the company is worth on day 0 by a discounted cash flow of its simulated flows, beside peers' multiples.

The engine values each path (``engine.stages.value_day`` and ``store_value_terminal``): every day's free cash flow
to equity (BTC mined at the day's price + the AI/HPC margin + demand response - power - overheads - capex -
interest + hedge cash + net borrowing), discounted at ``company.equity_discount_rate_per_year``, plus a terminal
value (what the AI/HPC contracts still pay, plus what the fleets still held would resell for, less every debt
still owed; mining after the horizon counts only through the fleets' resale). Equity adds day 0's cash and BTC at
market and is floored at 0 per path; EV is the same unfloored, less day 0's cash and BTC, plus its debt (net debt
counting BTC as cash, TheMinerMag's definition of a miner's EV: theminermag.com/data/overview/
price-hash-ratio-bitcoin-mining/).

Here the per-path values become one row per policy, with EV per EH/s of day 0's self-mining hashrate and equity
per MW of the sites' grid power, and the peers' stated multiples (``domain/facts/peer_multiples.csv``) as a frame
to show beside them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of :func:`valuation_frame`, with their units.
VALUATION_COLUMNS = {
    "policy": "label", "equity_discount_rate_per_year": "1/year", "dcf_equity_usd_p50": "USD",
    "dcf_equity_usd_p5": "USD", "dcf_equity_usd_mean": "USD", "dcf_per_share_usd_p50": "USD/share",
    "ev_usd_mean": "USD", "ev_usd_per_ehs": "USD/(EH/s)", "dcf_equity_usd_per_mw": "USD/MW",
    "fleet_value_usd_p50": "USD",
}


def valuation_frame(result) -> pd.DataFrame:
    """One row per policy of ``result`` (a ``SimResult``): the equity DCF's median, 5 % quantile and mean, the median
    per day-0 share, the mean EV, EV per EH/s of day 0's self-mining hashrate (mean EV / EH/s) and the median equity
    per MW of the sites' grid power, and the median resale value at the horizon of the fleets still held (in the
    terminal value, undiscounted here: ``engine.stages.fleet_value_usd``). Columns :data:`VALUATION_COLUMNS`."""
    company = result.scenario.company
    ehs = sum(f.hashrate_ehs for f in company.fleets)
    site_mw = sum(s.power_mw for s in company.sites)
    stats = result.summary.set_index(["policy", "metric", "stat"])["value"]
    rows = []
    for policy in result.policies:
        equity_p50 = float(stats[(policy, "dcf_equity_usd", "p50")])
        ev = float(stats[(policy, "ev_usd", "mean")])
        rows.append({
            "policy": policy, "equity_discount_rate_per_year": company.equity_discount_rate_per_year,
            "dcf_equity_usd_p50": equity_p50, "dcf_equity_usd_p5": float(stats[(policy, "dcf_equity_usd", "p5")]),
            "dcf_equity_usd_mean": float(stats[(policy, "dcf_equity_usd", "mean")]),
            "dcf_per_share_usd_p50": float(stats[(policy, "dcf_per_share_usd", "p50")]),
            "ev_usd_mean": ev, "ev_usd_per_ehs": ev / ehs if ehs > 0 else np.nan,
            "dcf_equity_usd_per_mw": equity_p50 / site_mw if site_mw > 0 else np.nan,
            "fleet_value_usd_p50": float(stats[(policy, "fleet_value_usd", "p50")]),
        })
    return pd.DataFrame(rows, columns=list(VALUATION_COLUMNS))


def peers_frame() -> pd.DataFrame:
    """The peers' stated multiples (``domain.catalog.peer_multiples``): name, measure, low and high [USD per EH/s or
    per MW], date, confidence and the first source."""
    from hashpivot.domain.catalog import peer_multiples

    return pd.DataFrame([{"name": p.name, "measure": p.measure, "low_usd": p.low_usd, "high_usd": p.high_usd,
                          "as_of": p.as_of, "confidence": p.confidence, "source": p.source_urls[0]}
                         for p in peer_multiples()])


def peer_range(measure: str) -> tuple[float, float, str]:
    """(lowest low, highest high, latest date) of the peers' figures of ``measure``. [USD per unit, date]"""
    peers = peers_frame()
    rows = peers[peers["measure"] == measure]
    if rows.empty:
        raise ValueError(f"measure={measure!r}: no peer states it; allowed: {sorted(set(peers['measure']))}")
    return float(rows["low_usd"].min()), float(rows["high_usd"].max()), str(rows["as_of"].max())
