"""HTML report of ``hashpivot option --out DIR``: the option's value against converting now, and the months in which
paths convert with the hashprice below which they do. The numbers are :class:`analysis.options.ConversionOption`'s;
this module lays them out (page helpers shared with the decision tools' reports)."""

from __future__ import annotations

import os
from pathlib import Path

from hashpivot.format import fmt_usd
from hashpivot.report import templating as tpl
from hashpivot.report.decisions import _page, _write


def exercise_figure(option):
    """Bars: paths converting in each month of the window; line (right axis): the hashprice below which the fitted
    rule converts that month (``formulas.lsm`` reads it off the rule) [USD/TH/day]."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    months = option.to_dict()["exercise_months"]
    dates = [m["date"] for m in months]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=dates, y=[m["paths"] for m in months], name="paths converting", marker_color="#1f3b73"))
    fig.add_trace(go.Scatter(x=dates, y=[m["boundary_hashprice_usd_per_th_day"] for m in months], mode="lines+markers",
                             name="converts below this hashprice", line={"color": "#e67e22"}), secondary_y=True)
    fig.update_yaxes(title_text="paths", secondary_y=False)
    fig.update_yaxes(title_text="hashprice [USD/(TH/s)/day]", secondary_y=True)
    fig.update_layout(template="plotly_white", height=420, legend={"orientation": "h", "y": -0.2},
                      margin={"l": 60, "r": 60, "t": 30, "b": 40})
    return fig


def render_option_report(option, scenario_name: str) -> str:
    """The whole page (one HTML string, plotly inlined: it opens offline)."""
    d = option.to_dict()
    t = option.terms
    facts = (f"{d['mw']:g} MW of {scenario_name} to a lease at {t.rate_usd_per_kw_month:g} USD/kW-month for "
             f"{t.term_years:g} years, capex {fmt_usd(t.capex_usd_per_mw)} USD per IT MW, first rent "
             f"{d['lead_months']} months after the decision; any month of the next {d['window_months']}; "
             f"{d['n_paths']:,} paths; discounted at {d['discount_rate_per_year']:.2%}/year")
    rows = [("value of the option", f"{fmt_usd(d['value_usd'])} USD"),
            ("standard error", f"{fmt_usd(d['standard_error_usd'])} USD"),
            ("converting now", f"{fmt_usd(d['convert_now_usd'])} USD"),
            ("value of waiting", f"{fmt_usd(d['waiting_usd'])} USD"),
            ("paths that convert", f"{d['exercise_probability']:.1%}")]
    value = tpl.section("option", "The option against converting now",
                     '<p class="note">Least-squares Monte Carlo on the engine\'s paths; the mining margin given up is '
                     "the engine's own, path by path (docs/assumptions.md).</p>"
                     + tpl.table(("", "USD at time 0"), [(tpl.esc(a), tpl.esc(b)) for a, b in rows], num_from=1))
    months = tpl.section("exercise", "When paths convert", tpl.figure_html(exercise_figure(option), "fig-exercise"))
    return _page("hashpivot: the option to convert to AI", tpl.esc(facts), [value, months])


def write_option_report(option, scenario_name: str, path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_option_report` to ``path`` atomically."""
    return _write(path, render_option_report(option, scenario_name))
