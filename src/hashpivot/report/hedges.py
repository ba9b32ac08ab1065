"""The report's hedge section: each plan and policy hedged beside the same unhedged, on the same random numbers
(the table of :func:`hashpivot.analysis.hedges.hedge_comparison_frame`, from ``api.hedge_comparison``), and the
payoff diagram of the scenario's forwards and options at settlement. It displays; nothing here computes a figure a
test needs (the payoffs are ``formulas.hedges``'s, the premiums the hedges' own)."""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
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
    ("nav_p50_usd", "NAV median [USD]", fmt_usd),
    ("nav_p95_usd", "NAV p95 [USD]", fmt_usd),
)


def hedge_cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers with units, rows of text) of the comparison: the report's and the terminal's cells (one formatter);
    an unhedged row leaves the paired columns empty. [text]"""
    rows = []
    for row in table.itertuples(index=False):
        values = row._asdict()
        paired = values["hedges"] != UNHEDGED
        rows.append([fmt(values[column]) if paired or not 7 <= i <= 10 else ""
                     for i, (column, _, fmt) in enumerate(_COLUMNS)])
    return [label for _, label, _ in _COLUMNS], rows


def payoff_figure(scenario):
    """Payoff at settlement of each forward and option of ``scenario``, per unit of notional value at inception
    (spot x BTC covered, or strike x PH/s sold), against the underlying at settlement over its value at inception
    (BTC price / spot; hashprice / strike), net of the option's premium; None when it has neither. [figure]"""
    import plotly.graph_objects as go

    from hashpivot.formulas.hedges import call_payoff_usd, forward_day_usd, put_payoff_usd
    from hashpivot.policies.hedges import BTC_COLLAR, BTC_PUT, HASHPRICE_FORWARD, hedge_label

    x = np.linspace(0.2, 1.8, 161)
    fig = go.Figure()
    for i, h in enumerate(scenario.hedges):
        if h.code == HASHPRICE_FORWARD:
            y = forward_day_usd(1.0, 1.0, x)
        elif h.code in (BTC_PUT, BTC_COLLAR):
            y = put_payoff_usd(1.0, h.put_strike_ratio, x) - h.premium_per_spot_ratio()
            if h.code == BTC_COLLAR:
                y = y - call_payoff_usd(1.0, h.solved_call_strike_ratio(), x)
        else:
            continue
        fig.add_trace(go.Scatter(x=x.tolist(), y=y.tolist(), mode="lines", name=hedge_label(h, i)))
    if not fig.data:
        return None
    fig.update_layout(xaxis_title="underlying at settlement / at inception", yaxis_title="payoff / notional value",
                      yaxis_tickformat=".0%", xaxis_tickformat=".0%", height=360, margin={"t": 30})
    return fig


def distribution_figure(table: pd.DataFrame):
    """Terminal NAV of each policy's hedged and unhedged plans as boxes: p5, quartiles and p95 from the comparison
    ``table`` (whiskers at p5 and p95, not min and max). [figure]"""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, rows in table.groupby("hedges", sort=False):
        fig.add_trace(go.Box(x=rows["policy"].tolist(), name=str(name), q1=rows["nav_p25_usd"].tolist(),
                             median=rows["nav_p50_usd"].tolist(), q3=rows["nav_p75_usd"].tolist(),
                             lowerfence=rows["nav_p5_usd"].tolist(), upperfence=rows["nav_p95_usd"].tolist(),
                             mean=rows["nav_mean_usd"].tolist(), boxmean=True))
    fig.update_layout(boxmode="group", yaxis_title="terminal NAV [USD]", height=380, margin={"t": 30})
    return fig


def hedge_section(table: pd.DataFrame | None, scenario=None, figure_html: Callable[..., str] | None = None) -> str:
    """The section as HTML (empty when the scenario has no hedges, ``table`` None); with ``scenario`` and
    ``figure_html`` (the page's embedder: figure, target id -> HTML) the payoff diagram follows the table. [text]"""
    if table is None or table.empty:
        return ""
    fig = payoff_figure(scenario) if scenario is not None and figure_html is not None else None
    spread = "" if figure_html is None else (
        '<h3>Terminal NAV, hedged and unhedged</h3><p class="note">Boxes: quartiles and median; whiskers: p5 and '
        "p95 (not the extremes); the dashed line: the mean.</p>" + figure_html(distribution_figure(table),
                                                                             "fig-hedge-nav"))
    diagram = "" if fig is None else (
        '<h3>Payoffs at settlement</h3><p class="note">Each forward and option per unit of its notional value at '
        "inception, against the underlying at settlement over its value at inception (a forward: hashprice over its "
        "strike, per day covered; an option: BTC price over spot, net of its premium).</p>"
        + figure_html(fig, "fig-hedge-payoffs"))
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
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n{spread}{diagram}</section>")
