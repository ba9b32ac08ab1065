"""The report's hedge section: each plan and policy hedged beside the same unhedged, on the same random numbers
(the table of :func:`hashpivot.analysis.hedges.hedge_comparison_frame`, from ``api.hedge_comparison``). It reads
the table only; nothing here computes a figure a test needs."""

from __future__ import annotations

import html

import pandas as pd

from hashpivot.analysis.hedges import UNHEDGED
from hashpivot.format import fmt_number, fmt_pct, fmt_usd

#: The section's anchor in the page.
SECTION_ID = "hedges"
#: (column of the comparison, header with its unit, formatter), in display order.
_COLUMNS = (
    ("policy", "policy", str),
    ("hedges", "hedges", str),
    ("nav_mean_usd", "NAV mean [USD]", fmt_usd),
    ("nav_p5_usd", "NAV p5 [USD]", fmt_usd),
    ("nav_cvar5_usd", "NAV CVaR 5 % [USD]", fmt_usd),
    ("insolvency_frac", "P(insolvency)", fmt_pct),
    ("margin_calls_per_path", "margin calls per path", fmt_number),
    ("win_rate_frac", "wins vs unhedged", fmt_pct),
    ("mean_cost_usd", "cost in the mean NAV [USD]", fmt_usd),
    ("mean_cost_se_usd", "its standard error [USD]", fmt_usd),
    ("p5_gain_usd", "p5 gain [USD]", fmt_usd),
)


def hedge_cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers with units, rows of text) of the comparison: the report's and the terminal's cells (one formatter);
    an unhedged row leaves the paired columns empty. [text]"""
    rows = []
    for row in table.itertuples(index=False):
        values = row._asdict()
        paired = values["hedges"] != UNHEDGED
        rows.append([fmt(values[column]) if paired or i < 7 else "" for i, (column, _, fmt) in enumerate(_COLUMNS)])
    return [label for _, label, _ in _COLUMNS], rows


def hedge_section(table: pd.DataFrame | None) -> str:
    """The section as HTML (empty when the scenario has no hedges, ``table`` None). [text]"""
    if table is None or table.empty:
        return ""
    headers, rows = hedge_cells(table)
    head = "".join(f"<th>{html.escape(label)}</th>" for label in headers)
    num = ' class="num"'
    body = "".join("<tr>" + "".join(f"<td{num if i >= 2 else ''}>{html.escape(text)}</td>"
                                    for i, text in enumerate(row)) + "</tr>" for row in rows)
    note = (
        '<p class="note">Each plan and policy with the scenario\'s hedges (all of them, and each alone when there are '
        "several) beside the same without hedges, on the same random numbers: every path sees the same market in "
        "each. The cost is the mean over paths of unhedged NAV less hedged NAV at the horizon (positive: the hedge "
        "costs), its standard error from those paired differences; the p5 gain is what the hedge adds to the 5 % "
        "quantile of terminal NAV; wins is the share of paths on which the hedged plan ends with the higher NAV per "
        "share. Premiums, settlements and loan interest are each their own line in the summary "
        "(docs/assumptions.md).</p>"
    )
    return (f'<section id="{SECTION_ID}">\n<h2>Hedges: what they cost in the mean and buy in the tail</h2>\n{note}'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n</section>")
