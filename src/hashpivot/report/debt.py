"""The report's debt section: per policy, how often a covenant is breached and when first, the refinancings, and how
often a path fails on a day its debt falls due (the table of :func:`hashpivot.analysis.debt.debt_frame`). It
displays; the figures are the analysis's."""

from __future__ import annotations

import pandas as pd

from hashpivot.format import MISSING, fmt_number, fmt_pct, fmt_usd

#: The section's anchor in the page.
SECTION_ID = "debt"


def _day(value: float) -> str:
    return MISSING if value != value else f"{value:,.0f}"


#: (column of the table, header with its unit, formatter), in display order.
_COLUMNS = (
    ("policy", "policy", str),
    ("breach_frac", "P(covenant breach)", fmt_pct),
    ("first_breach_day_p50", "first breach, median [day]", _day),
    ("breaches_per_path", "failed tests per path", fmt_number),
    ("refinanced_frac", "P(refinanced)", fmt_pct),
    ("refinance_per_path", "refinancings per path", fmt_number),
    ("debt_insolvency_frac", "P(insolvent when debt fell due)", fmt_pct),
    ("insolvency_frac", "P(insolvency), any cause", fmt_pct),
    ("tranche_interest_mean_usd", "tranche interest, mean [USD]", fmt_usd),
)


def debt_cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers with units, rows of text) of the debt table: the report's and the terminal's cells (one
    formatter). [text]"""
    rows = [[fmt(getattr(row, column)) for column, _, fmt in _COLUMNS] for row in table.itertuples(index=False)]
    return [label for _, label, _ in _COLUMNS], rows


def debt_context(table: pd.DataFrame | None) -> dict | None:
    """What the report's debt section (``templates/sim_report.html.j2``) shows: headers and rows of text; None
    when the scenario has no tranche and no covenant (``table`` None). [text]"""
    if table is None or table.empty:
        return None
    headers, rows = debt_cells(table)
    return {"sid": SECTION_ID, "header": headers, "rows": rows}
