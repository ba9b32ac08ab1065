"""Side-by-side comparison of policies from a ``SimResult`` summary (pure pandas)."""

from __future__ import annotations

import pandas as pd

#: (metric, stat, label) rows of the comparison table, in display order.
COMPARISON_ROWS: tuple[tuple[str, str, str], ...] = (
    ("nav_usd", "p50", "NAV median [USD]"),
    ("nav_usd", "p5", "NAV p5 [USD]"),
    ("nav_usd", "p95", "NAV p95 [USD]"),
    ("nav_usd", "mean", "NAV mean [USD]"),
    ("nav_usd", "cvar5", "NAV CVaR 5% [USD]"),
    ("btc_held", "p50", "BTC held median [BTC]"),
    ("btc_per_share", "p50", "BTC per share median [BTC]"),
    ("btc_yield_frac", "p50", "BTC yield median [fraction]"),
    ("cash_usd", "p50", "cash median [USD]"),
    ("insolvency", "probability", "P(insolvent) [fraction]"),
    ("insolvency", "mean_day", "mean insolvency day [day]"),
    ("mining_margin_usd_per_mw_day", "mean", "mining margin mean [USD/MW-day]"),
    ("ai_margin_usd_per_mw_day", "mean", "AI margin mean [USD/MW-day]"),
)


def comparison_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows = the metrics of ``COMPARISON_ROWS`` (labelled with units), columns = policies in run order."""
    policies = list(dict.fromkeys(summary["policy"]))
    indexed = summary.set_index(["metric", "stat", "policy"])["value"]
    rows = {
        label: [float(indexed.get((metric, stat, p), float("nan"))) for p in policies]
        for metric, stat, label in COMPARISON_ROWS
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=policies)
