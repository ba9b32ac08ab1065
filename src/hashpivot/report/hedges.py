"""The report's hedge section: each plan and policy hedged beside the same unhedged, on the same random numbers
(the table of :func:`hashpivot.analysis.hedges.hedge_comparison_frame`, from ``api.hedge_comparison``), and the
payoff diagram of the scenario's forwards and options at settlement. It displays; nothing here computes a figure a
test needs (the payoffs are ``formulas.hedges``'s, the premiums the hedges' own)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from hashpivot.analysis.hedges import UNHEDGED
from hashpivot.format import MISSING, fmt_number, fmt_pct, fmt_usd

#: The section's anchor in the page.
SECTION_ID = "hedges"
#: (column of the comparison, header with its unit, formatter, priority in a narrow terminal: 1 kept longest, 0
#: always), in display order: what the hedge buys in the tail and costs in the mean first, then the rest.
_COLUMNS = (
    ("policy", "policy", str, 0),
    ("hedges", "hedges", str, 0),
    ("nav_p5_usd", "NAV p5 [USD]", fmt_usd, 2),
    ("p5_gain_usd", "p5 gain [USD]", fmt_usd, 1),
    ("mean_cost_usd", "cost in the mean NAV [USD]", fmt_usd, 1),
    ("mean_cost_se_usd", "its standard error [USD]", fmt_usd, 4),
    ("win_rate_frac", "wins vs unhedged", fmt_pct, 3),
    ("nav_mean_usd", "NAV mean [USD]", fmt_usd, 4),
    ("nav_cvar5_usd", "NAV CVaR 5 % [USD]", fmt_usd, 5),
    ("insolvency_frac", "P(insolvency)", fmt_pct, 2),
    ("margin_calls_per_path", "margin calls per path", fmt_number, 3),
    ("nav_p50_usd", "NAV median [USD]", fmt_usd, 6),
    ("nav_p95_usd", "NAV p95 [USD]", fmt_usd, 6),
)
#: Columns of the comparison that pair a hedged row with its unhedged one (the placeholder on unhedged rows).
PAIRED_COLUMNS = ("win_rate_frac", "mean_cost_usd", "mean_cost_se_usd", "p5_gain_usd")
#: Columns left out when NaN on every row: margin calls, which only a BTC-backed loan can have
#: (``analysis.hedges.hedge_comparison_frame`` with ``loans=False``).
OPTIONAL_COLUMNS = ("margin_calls_per_path",)


def _shown(table: pd.DataFrame) -> list[tuple]:
    """The ``_COLUMNS`` shown for ``table``: every one but an :data:`OPTIONAL_COLUMNS` NaN on every row."""
    return [c for c in _COLUMNS if c[0] not in OPTIONAL_COLUMNS or not table[c[0]].isna().all()]


def column_priorities(table: pd.DataFrame) -> list[int]:
    """Each shown column's priority in a narrow terminal (``cli.simulate.print_hedges``), in display order."""
    return [p for *_, p in _shown(table)]


def hedge_cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers with units, rows of text) of the comparison: the report's and the terminal's cells (one formatter);
    an unhedged row shows the placeholder (:data:`hashpivot.format.MISSING`) in the paired columns; margin calls
    only when a hedge is a loan (:data:`OPTIONAL_COLUMNS`). [text]"""
    columns = _shown(table)
    rows = []
    for row in table.itertuples(index=False):
        values = row._asdict()
        paired = values["hedges"] != UNHEDGED
        rows.append([fmt(values[column]) if paired or column not in PAIRED_COLUMNS else MISSING
                     for column, _, fmt, _ in columns])
    return [label for _, label, _, _ in columns], rows


#: Where a payoff diagram is drawn: the underlying at settlement over its value at inception. [ratio]
PAYOFF_X = np.linspace(0.2, 1.8, 161)




def hedge_frame(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Callable[[float], str]]]:
    """The comparison as the dashboard's sortable grid shows it: the report's columns and headers (units in
    brackets), indexed by policy and hedges, :data:`PAIRED_COLUMNS` NaN on unhedged rows (the grid writes the
    placeholder there, as :func:`hedge_cells` does), and each column's formatter. [table]"""
    columns = _shown(table)
    shown = table[[c for c, *_ in columns]].copy()
    shown.loc[shown["hedges"] == UNHEDGED, list(PAIRED_COLUMNS)] = np.nan
    shown = shown.rename(columns={c: label for c, label, *_ in columns}).set_index(["policy", "hedges"])
    return shown, {label: fmt for _, label, fmt, _ in columns[2:]}


def payoff_points(hedge, x: np.ndarray = PAYOFF_X) -> np.ndarray | None:
    """Payoff at settlement of a forward or option per unit of its notional value at inception (spot x BTC covered,
    or strike x PH/s sold) at the underlying's ratios ``x`` (BTC price / spot; hashprice / strike), net of the
    option's premium (``premium_per_spot_ratio``); None for a hedge without such a payoff (a loan, fixed power).
    The payoffs are ``formulas.hedges``'s. [ratio]"""
    from hashpivot.formulas.hedges import call_payoff_usd, forward_day_usd, put_payoff_usd
    from hashpivot.policies.hedges import BTC_COLLAR, BTC_PUT, HASHPRICE_FORWARD

    if hedge.code == HASHPRICE_FORWARD:
        return forward_day_usd(1.0, 1.0, x)
    if hedge.code not in (BTC_PUT, BTC_COLLAR):
        return None
    y = put_payoff_usd(1.0, hedge.put_strike_ratio, x) - hedge.premium_per_spot_ratio()
    if hedge.code == BTC_COLLAR:
        y = y - call_payoff_usd(1.0, hedge.solved_call_strike_ratio(), x)
    return y


def payoff_figure(scenario, only: int | None = None):
    """Payoff diagram (:func:`payoff_points`) of each forward and option of ``scenario`` (or of hedge ``only``
    alone), a line per hedge against the underlying at settlement over its value at inception; None when there is
    none to draw. [figure]"""
    import plotly.graph_objects as go

    from hashpivot.policies.hedges import hedge_label

    fig = go.Figure()
    for i, h in enumerate(scenario.hedges):
        y = None if only is not None and i != only else payoff_points(h)
        if y is not None:
            fig.add_trace(go.Scatter(x=PAYOFF_X.tolist(), y=y.tolist(), mode="lines", name=hedge_label(h, i)))
    if not fig.data:
        return None
    if only is not None:  # one hedge: its strike marked (a forward's is its inception value, 100 %)
        h = scenario.hedges[only]
        strike = getattr(h, "put_strike_ratio", 1.0)
        fig.add_vline(x=strike, line={"color": "#7a8396", "dash": "dot"}, annotation_text=f"strike {strike:.0%}",
                      annotation_position="top right")
    fig.update_layout(xaxis_title="underlying at settlement / at inception", yaxis_title="payoff / notional value",
                      yaxis_tickformat=".0%", xaxis_tickformat=".0%", height=360, margin={"t": 30},
                      template="plotly_white", showlegend=only is None)
    return fig


#: (column of :func:`hashpivot.analysis.hedges.hedge_terms_frame`, header with its unit), in display order.
_TERMS = (("hedge", "hedge"), ("kind", "kind"), ("underlying", "underlying"), ("strike", "strike"),
          ("strike_unit", "strike in"), ("start_day", "from day"), ("end_day", "to day"),
          ("premium_frac_of_spot", "premium at inception [% of spot]"), ("source", "source"))


def terms_cells(terms: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """(headers, rows of text) of the hedges' terms (``analysis.hedges.hedge_terms_frame``): strikes as ratios in %,
    prices as numbers, the premium in % of spot with two decimals, the placeholder where it does not apply. [text]"""
    rows = []
    for row in terms.itertuples(index=False):
        v = row._asdict()
        ratio = v["strike_unit"] in ("put strike / spot", "initial LTV")
        cells = {"strike": f"{v['strike'] * 100:.1f} %" if ratio else fmt_number(v["strike"]),
                 "start_day": f"{v['start_day']:,}", "end_day": f"{v['end_day']:,}",
                 "premium_frac_of_spot": MISSING if not np.isfinite(v["premium_frac_of_spot"])
                 else f"{v['premium_frac_of_spot'] * 100:.2f} %"}
        rows.append([cells.get(c, str(v[c])) for c, _ in _TERMS])
    return [label for _, label in _TERMS], rows


def distribution_figure(table: pd.DataFrame):
    """Terminal NAV of each policy's hedged and unhedged plans as boxes: p5, quartiles and p95 from the comparison
    ``table`` (whiskers at p5 and p95, not min and max), the y axis opening on p5 to p75. [figure]"""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, rows in table.groupby("hedges", sort=False):
        fig.add_trace(go.Box(x=rows["policy"].tolist(), name=str(name), q1=rows["nav_p25_usd"].tolist(),
                             median=rows["nav_p50_usd"].tolist(), q3=rows["nav_p75_usd"].tolist(),
                             lowerfence=rows["nav_p5_usd"].tolist(), upperfence=rows["nav_p95_usd"].tolist(),
                             mean=rows["nav_mean_usd"].tolist(), boxmean=True))
    fig.update_layout(boxmode="group", yaxis_title="terminal NAV [USD]", height=420, margin={"t": 40},
                      template="plotly_white")
    # The p95 whiskers reach 10-50 times the boxes: open on p5 to p75 (and the means), where a hedge's effect on the tail shows,
    # with a button for the whole range.
    lo, hi = float(table["nav_p5_usd"].min()), float(table[["nav_p75_usd", "nav_mean_usd"]].max().max())
    if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
        inner = [lo - 0.08 * (hi - lo), hi + 0.08 * (hi - lo)]
        fig.update_layout(yaxis={"range": inner, "autorange": False}, updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
            "pad": {"b": 8}, "showactive": True, "active": 0, "font": {"size": 11},
            "buttons": [{"label": "y: p5 to p75", "method": "relayout",
                         "args": [{"yaxis.range": inner, "yaxis.autorange": False}]},
                        {"label": "y: all (to p95)", "method": "relayout", "args": [{"yaxis.autorange": True}]}],
        }])
    return fig


#: What the comparison table says (the report's note and the dashboard's caption). [text]
COMPARISON_NOTE = (
    "Each plan and policy with the scenario's hedges (all of them, and each alone when there are several) beside the "
    "same without hedges, on the same random numbers: every path sees the same market in each. The cost is the mean "
    "over paths of unhedged NAV less hedged NAV at the horizon (positive: the hedge costs), its standard error from "
    "those paired differences; the p5 gain is what the hedge adds to the 5 % quantile of terminal NAV; wins is the "
    "share of paths on which the hedged plan ends with the higher NAV per share. Premiums, settlements and loan "
    "interest are each their own line in the summary (docs/assumptions.md)."
)
#: What the terms table says. [text]
TERMS_NOTE = (
    "Each hedge as the scenario states it: a forward's fixed hashprice, an option's put strike over the spot on its "
    "inception day, and the premium it pays then per BTC covered over that spot (Black-Scholes at its implied "
    "volatility and rate); forwards, fixed power and loans cost nothing up front."
)
#: What the distribution figure shows. [text]
SPREAD_NOTE = ("Boxes: quartiles and median; whiskers: p5 and p95 (not the extremes); the dashed line: the mean. The "
               "y axis opens on p5 to p75, where a hedge's effect on the tail shows; the button above shows all.")
#: What a payoff diagram shows. [text]
PAYOFF_NOTE = (
    "Per unit of its notional value at inception, against the underlying at settlement over its value at inception "
    "(a forward: hashprice over its strike, per day covered; an option: BTC price over spot, net of its premium)."
)


def hedge_context(table: pd.DataFrame | None, scenario=None, figures: bool = False) -> dict | None:
    """What the ``hedge_section`` macro of ``templates/hedges.html.j2`` shows (None when the scenario has no
    hedges, ``table`` None): the hedges' terms (with ``scenario``), the comparison's cells (:func:`hedge_cells`),
    and with ``figures`` the distribution and the payoff diagram as figure JSON. [context]"""
    if table is None or table.empty:
        return None
    from hashpivot.analysis.hedges import hedge_terms_frame
    from hashpivot.report.templating import figure_payload

    payoffs = payoff_figure(scenario) if scenario is not None and figures else None
    return {
        "sid": SECTION_ID,
        "terms": None if scenario is None else terms_cells(hedge_terms_frame(scenario)), "terms_note": TERMS_NOTE,
        "comparison": hedge_cells(table), "comparison_note": COMPARISON_NOTE,
        "spread": figure_payload(distribution_figure(table)) if figures else None, "spread_note": SPREAD_NOTE,
        "payoffs": None if payoffs is None else figure_payload(payoffs), "payoff_note": PAYOFF_NOTE,
    }


def hedge_section(table: pd.DataFrame | None, scenario=None, figure_html: Callable[..., str] | None = None) -> str:
    """The section as HTML (empty when the scenario has no hedges, ``table`` None), by the template's macro: with
    ``scenario`` the hedges' terms precede the comparison, and with ``figure_html`` too (any value: the figures are
    the report's JSON blocks) the distribution and the payoff diagram follow it. [text]"""
    from hashpivot.report.templating import FIGURE_CLASS, environment

    context = hedge_context(table, scenario, figures=figure_html is not None)
    if context is None:
        return ""
    return str(environment().get_template("hedges.html.j2").module.hedge_section(context, FIGURE_CLASS))
