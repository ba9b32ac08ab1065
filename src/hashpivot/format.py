"""One number formatter and one metric vocabulary for the report, the CLI, the dashboard and notebooks.

Before this module the three front ends formatted numbers three ways (``1.303e+04`` beside ``8,359``, ``-``
beside ``n/a``); now each calls these functions, so the same number reads the same everywhere.

- Formatters (text out, :data:`MISSING` for NaN, inf or None): :func:`fmt_usd` (scaled: ``1.23 B``), :func:`fmt_btc`,
  :func:`fmt_sats`, :func:`fmt_pct`, :func:`fmt_number`, and :func:`fmt_metric`, which picks one of them by the
  unit in a label's brackets (``"NAV median [USD]"``).
- The vocabulary: :data:`COMPARISON_METRICS`, the rows of every policy comparison (label with its unit, short
  header for a terminal, and the priority by which a narrow terminal drops columns).
- The one definition of what a MW earns: :data:`MARGIN_STAT` and :func:`margin_label` (see their docstrings).

Only the standard library and :mod:`hashpivot.units`: the CLI imports this at start-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Satoshis per bitcoin (1 BTC = 10^8 sat) and the days of a "per MW-year" figure (365, no leap days).
from hashpivot.units import DAYS_PER_YEAR, SATS_PER_BTC

#: Text for a missing or undefined number (NaN, inf, None), and for a table cell that has no value: the one
#: placeholder of the report, the CLI and the dashboard (an em dash, as financial tables print it; "n/a", "-",
#: "nan" and empty cells each read differently and a dash can be mistaken for a minus sign). [text]
MISSING = "—"


def _missing(value) -> bool:
    return value is None or not math.isfinite(value)


def _sig3(x: float) -> str:
    """Three significant digits for 1 <= |x| < 1000 (``1.23``, ``45.6``, ``789``)."""
    size = abs(x)
    return f"{x:.2f}" if size < 9.995 else f"{x:.1f}" if size < 99.95 else f"{x:.0f}"


def fmt_usd(value: float | None) -> str:
    """An amount in USD, scaled to three significant digits: ``1.23 B``, ``-45.6 M``, ``789 k``, ``12``. [text]

    >>> fmt_usd(1.234e9), fmt_usd(-45_600_000.0), fmt_usd(789_000.0), fmt_usd(12.4), fmt_usd(float("nan"))
    ('1.23 B', '-45.6 M', '789 k', '12', '—')
    >>> fmt_usd(999_999.0)  # rounds up into the next scale rather than printing '1000 k'
    '1.00 M'
    """
    if _missing(value):
        return MISSING
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit * 0.9995:
            return f"{_sig3(value / limit)} {suffix}"
    return f"{value:,.0f}"


def fmt_btc(value: float | None) -> str:
    """An amount of BTC: whole coins from 100 up, two decimals from 0.01, below that to the satoshi (the
    protocol's 8 decimals, trailing zeros dropped: two decimals would read 0.00). [text]

    >>> fmt_btc(6537.2), fmt_btc(12.345), fmt_btc(0.0000613149), fmt_btc(0.0), fmt_btc(float("inf"))
    ('6,537', '12.35', '0.00006131', '0.00', '—')
    """
    if _missing(value):
        return MISSING
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 0.01 or round(value, 8) == 0:
        return f"{value:,.2f}"
    return f"{value:.8f}".rstrip("0")


def fmt_sats(value_btc: float | None) -> str:
    """An amount given in BTC, shown in whole satoshis (``0.00012345`` BTC -> ``12,345``). [text]

    >>> fmt_sats(0.00012345)
    '12,345'
    """
    return MISSING if _missing(value_btc) else f"{value_btc * SATS_PER_BTC:,.0f}"


def fmt_pct(value_frac: float | None, signed: bool = False) -> str:
    """A fraction in percent with one decimal (``0.404`` -> ``40.4 %``; signed: ``+12.3 %``). [text]

    >>> fmt_pct(0.404), fmt_pct(0.123, signed=True), fmt_pct(-1.0, signed=True)
    ('40.4 %', '+12.3 %', '-100.0 %')
    """
    if _missing(value_frac):
        return MISSING
    return f"{value_frac * 100:+.1f} %" if signed else f"{value_frac * 100:.1f} %"


def fmt_number(value: float | None) -> str:
    """A plain number: thousands separators and no decimals from 100 up, else four significant digits. [text]

    >>> fmt_number(13030.4), fmt_number(225.24), fmt_number(0.0012345), fmt_number(-3.14159)
    ('13,030', '225', '0.001234', '-3.142')
    """
    if _missing(value):
        return MISSING
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def unit_of(label: str) -> str:
    """The unit in a label's last brackets (``"NAV median [USD]"`` -> ``"USD"``; none -> ``""``). [text]

    >>> unit_of("mining margin median [USD/MW-day]"), unit_of("policy")
    ('USD/MW-day', '')
    """
    head, sep, tail = label.rpartition("[")
    return tail.rstrip("]").strip() if sep and tail.endswith("]") else ""


def shown_label(label: str) -> str:
    """A comparison row's label as it is shown: a BTC amount per share in satoshis (a share holds about 0.00006
    BTC, which two decimals of BTC show as 0.00). [text]

    >>> shown_label("BTC per share median [BTC]"), shown_label("BTC held median [BTC]")
    ('BTC per share median [sats]', 'BTC held median [BTC]')
    """
    return label.replace("[BTC]", "[sats]") if "per share" in label else label


def fmt_metric(label: str, value: float | None) -> str:
    """A value formatted by the unit in its ``label``: ``[USD]`` scaled (:func:`fmt_usd`), ``[fraction]`` in %,
    ``[BTC]`` by :func:`fmt_btc`, ``[sats]`` from BTC, ``[day]`` whole, anything else (rates such as
    ``[USD/MW-day]``) by :func:`fmt_number`. [text]

    >>> fmt_metric("NAV median [USD]", 4.03e8), fmt_metric("P(insolvent) [fraction]", 0.404)
    ('403 M', '40.4 %')
    >>> fmt_metric("mining margin median [USD/MW-day]", 225.24), fmt_metric("BTC per share median [sats]", 2e-5)
    ('225', '2,000')
    """
    unit = unit_of(label)
    if unit == "USD":
        return fmt_usd(value)
    if unit == "fraction":
        return fmt_pct(value)
    if unit == "BTC":
        return fmt_btc(value)
    if unit == "sats":
        return fmt_sats(value)
    if unit == "day":
        return MISSING if _missing(value) else f"{value:,.0f}"
    return fmt_number(value)


#: A name's unit suffix and the unit it means, for :func:`name_label`.
_NAME_UNITS = (("_usd", "USD"), ("_frac", "fraction"), ("_btc", "BTC"), ("_days", "day"), ("_day", "day"))


def name_label(name: str) -> str:
    """A figure's label from its name, the unit in its suffix (units live in names): ``option_value_usd`` ->
    ``option value [USD]``, for :func:`fmt_metric`; a name without a known suffix is its words. [text]

    >>> name_label("option_value_usd"), name_label("used_frac"), name_label("exercise_months")
    ('option value [USD]', 'used [fraction]', 'exercise months')
    """
    for suffix, unit in _NAME_UNITS:
        if name.endswith(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} [{unit}]"
    return name.replace("_", " ")


def fmt_count(n: int, noun: str) -> str:
    """``n`` of a ``noun``, plural unless one: ``1 path``, ``2,000 paths``. [text]

    >>> fmt_count(1, "path"), fmt_count(2000, "path")
    ('1 path', '2,000 paths')
    """
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def html_topic_line(line: str) -> str:
    """A sentence as HTML, escaped, its topic (the text before the first ``": "``) in bold. [HTML]

    >>> html_topic_line("Why paths fail: cash <0")
    '<b>Why paths fail:</b> cash &lt;0'
    """
    import html

    head, sep, tail = line.partition(": ")
    return f"<b>{html.escape(head)}:</b> {html.escape(tail)}" if sep else html.escape(line)


# --- what a MW earns: one definition ------------------------------------------------------------------

#: The statistic over paths of "what a MW earns" everywhere (report, CLI, dashboard, notebook): the MEDIAN over
#: paths of each path's margin per MW-day over the horizon, ``(revenue - opex) / MW-days`` of the segment (for
#: mining: mining revenue + demand response - power cost, before overheads; engine/result.py). Why the median:
#: a path's margin follows the BTC price, which is log-normal-like, so the mean is pulled up by a few boom paths
#: (on the default scenario the mean was about twice the median: 251 vs 114 USD/MW-day, issue 16) and is not what a typical year looks like; the
#: median is the figure half the futures beat, it is robust to the tail, and the report's fans and bars already
#: showed medians. The p5-p95 range stays beside it where there is room.
MARGIN_STAT = "p50"
#: How :data:`MARGIN_STAT` reads in a label. [text]
MARGIN_STAT_WORD = "median"


def margin_label(segment_label: str, per: str = "MW-day") -> str:
    """The label of a segment's margin under the one definition, e.g. ``"mining margin median [USD/MW-day]"``.

    >>> margin_label("mining"), margin_label("AI", per="MW-year")
    ('mining margin median [USD/MW-day]', 'AI margin median [USD/MW-year]')
    """
    return f"{segment_label} margin {MARGIN_STAT_WORD} [USD/{per}]"


def per_mw_year(usd_per_mw_day: float) -> float:
    """A margin per MW-day as a margin per MW-year (x :data:`DAYS_PER_YEAR`). [USD/MW-year]

    >>> per_mw_year(225.0)
    82125.0
    """
    return usd_per_mw_day * DAYS_PER_YEAR


# --- the vocabulary of a policy comparison -----------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One row of a policy comparison: the summary's (``metric``, ``stat``), its ``label`` (unit in brackets),
    the ``short`` header a terminal shows, and its ``priority`` there (1 is kept longest; 0: never shown in a
    terminal, only in the report, --json and the dashboard)."""

    metric: str
    stat: str
    label: str
    short: str
    priority: int


#: Rows of every policy comparison (CLI, dashboard, ``runs diff``), in display order.
COMPARISON_METRICS: tuple[Metric, ...] = (
    Metric("nav_usd", "p50", "NAV median [USD]", "NAV p50", 1),
    Metric("nav_usd", "p5", "NAV p5 [USD]", "NAV p5", 3),
    Metric("nav_usd", "p95", "NAV p95 [USD]", "NAV p95", 6),
    Metric("nav_usd", "mean", "NAV mean [USD]", "NAV mean", 0),
    Metric("nav_usd", "cvar5", "NAV CVaR 5% [USD]", "CVaR 5%", 7),
    Metric("btc_held", "p50", "BTC held median [BTC]", "BTC p50", 5),
    Metric("btc_per_share", "p50", "BTC per share median [BTC]", "BTC/share", 0),
    Metric("btc_yield_frac", "p50", "BTC yield median [fraction]", "BTC yield", 8),
    Metric("cash_usd", "p50", "cash median [USD]", "cash p50", 0),
    Metric("insolvency", "probability", "P(insolvent) [fraction]", "P(insolv.)", 2),
    Metric("insolvency", "mean_day", "mean insolvency day [day]", "insolv. day", 0),
    Metric("mining_margin_usd_per_mw_day", MARGIN_STAT, margin_label("mining"), "mining p50\nUSD/MW-day", 4),
    Metric("ai_margin_usd_per_mw_day", MARGIN_STAT, margin_label("AI"), "AI p50\nUSD/MW-day", 4),
)
