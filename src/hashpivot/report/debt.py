"""The report's debt section: per policy, how often a covenant is breached and when first, the refinancings, and how
often a path fails on a day its debt falls due (the table of :func:`hashpivot.analysis.debt.debt_frame`). It
displays; the figures are the analysis's."""

from __future__ import annotations

import html

import pandas as pd

from hashpivot.format import fmt_number, fmt_pct, fmt_usd

#: The section's anchor in the page.
SECTION_ID = "debt"


def _day(value: float) -> str:
    return "—" if value != value else f"{value:,.0f}"


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


def debt_section(table: pd.DataFrame | None) -> str:
    """The section as HTML; empty when the scenario has no tranche and no covenant (``table`` None). [text]"""
    if table is None or table.empty:
        return ""
    headers, rows = debt_cells(table)
    head = "".join(f"<th>{html.escape(label)}</th>" for label in headers)
    num = ' class="num"'
    body = "".join("<tr>" + "".join(f"<td{num if i else ''}>{html.escape(text)}</td>"
                                    for i, text in enumerate(row)) + "</tr>" for row in rows)
    note = (
        '<p class="note">Covenants are tested on their test days (every 91 days unless stated) and on each maturity '
        "day while debt is outstanding; a failed test is a breach, which blocks refinancing that day (and, for an "
        "accelerating covenant, makes all debt due). A tranche due is repaid from cash, BTC sales and the facility, "
        "else refinanced at its spread when the covenants hold, else the path is insolvent that day "
        "(docs/assumptions.md).</p>"
    )
    return (f'<section id="{SECTION_ID}">\n<h2>Debt: covenants, refinancing and maturities</h2>\n{note}'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n</section>")
