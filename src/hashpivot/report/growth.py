"""The report's growth section: each fleet addition's and the growth policy's purchases' capex, payback and ROI to
the horizon (the table of :func:`hashpivot.analysis.growth.addition_returns_frame`, ``SimResult.addition_returns``).
It displays; the figures are the analysis's."""

from __future__ import annotations

import math

import pandas as pd

from hashpivot.format import MISSING, fmt_pct, fmt_usd

#: The section's anchor in the page.
SECTION_ID = "growth"


def _months(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "never"


#: (column of the returns, header with its unit, formatter), in display order.
_COLUMNS = (
    ("policy", "policy", str),
    ("addition", "addition", str),
    ("capex_usd", "capex, mean [USD]", fmt_usd),
    ("payback_months_mean", "payback, mean [months]", _months),
    ("payback_months_median", "payback, median [months]", _months),
    ("paid_back_frac", "paid back by the horizon", fmt_pct),
    ("roi_mean_frac", "ROI to the horizon, mean", fmt_pct),
    ("roi_median_frac", "ROI to the horizon, median", fmt_pct),
)


def addition_cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers with units, rows of text) of the returns: the report's and the terminal's cells (one formatter)."""
    rows = [[fmt(getattr(row, column)) for column, _, fmt in _COLUMNS] for row in table.itertuples(index=False)]
    return [label for _, label, _ in _COLUMNS], rows


def _day(value: float) -> str:
    return f"{value:.0f}" if math.isfinite(value) else MISSING


def _price(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else MISSING


def _ehs(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else MISSING


#: The purchases' table (``analysis.growth.purchase_returns_frame``): (column, header with its unit and statistic,
#: formatter), in display order.
_PURCHASE_COLUMNS = (
    ("policy", "policy", str),
    ("purchase", "purchase", str),
    ("paths_frac", "share of paths that made it", fmt_pct),
    ("order_day_median", "order day, median [day]", _day),
    ("order_date_median", "order date, median", str),
    ("ehs_median", "bought, median [EH/s]", _ehs),
    ("price_usd_per_th_median", "price paid, median [USD/TH]", _price),
    ("capex_usd_mean", "capex, mean [USD]", fmt_usd),
    ("payback_months_median", "payback from the order, median [months]", _months),
    ("paid_back_frac", "paid back by the horizon", fmt_pct),
    ("roi_mean_frac", "ROI to the horizon, mean", fmt_pct),
)


def purchase_cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers with units and statistics, rows of text) of the growth policy's purchases by ordinal: the report's
    and the terminal's cells (one formatter)."""
    rows = [[fmt(getattr(row, column)) for column, _, fmt in _PURCHASE_COLUMNS]
            for row in table.itertuples(index=False)]
    return [label for _, label, _ in _PURCHASE_COLUMNS], rows


def growth_context(table: pd.DataFrame | None, purchases: pd.DataFrame | None = None) -> dict | None:
    """What the report's growth section (``templates/sim_report.html.j2``) shows: headers and rows of text of the
    additions' returns and, with a growth policy that bought, of its purchases by ordinal (``purchases``: None or
    empty without); None without additions or a growth policy. [text]"""
    if table is None or table.empty:
        return None
    headers, rows = addition_cells(table)
    out = {"sid": SECTION_ID, "header": headers, "rows": rows, "purchase_header": None, "purchase_rows": None}
    if purchases is not None and not purchases.empty:
        out["purchase_header"], out["purchase_rows"] = purchase_cells(purchases)
    return out
