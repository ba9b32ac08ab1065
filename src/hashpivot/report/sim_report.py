"""The simulation report: one self-contained HTML page of a :class:`~hashpivot.engine.result.SimResult`.

The page is the jinja2 template ``templates/sim_report.html.j2`` (extending ``base.html.j2``, autoescaped, one macro
per section); this module hands each section's macro its numbers as text (:mod:`hashpivot.format`) and its figures
as JSON. The page inlines plotly.js once (in ``<head>``) and holds each figure as a JSON block
(``<script type="application/json" class="hashpivot-figure">``) drawn by a few lines of script, so it opens offline,
with no CDN, and tools can read every figure back. The summary numbers (policies, the tidy summary, the win-rate
matrix, the insolvency curves) are embedded as JSON in ``<script type="application/json" id="hashpivot-data">``.
What the reports share (the environment, the CSS, the figure blocks) is :mod:`hashpivot.report.templating`.

Sections (each an element with this ``id``): ``answer``, ``scenario``, ``summary``, ``fan-nav``, ``fan-btc``,
``fan-btc-per-share``, ``fan-nav-per-share``, ``market``, ``insolvency``, ``win-rate``, (``hedges`` when the
scenario holds hedges, ``debt`` with debt, ``sites`` for several sites, ``spin-offs`` with spin-offs), ``margin``,
``value``, ``assumptions``.

The report computes nothing a test would need to check: the numbers come from :mod:`hashpivot.analysis.fan`, the
result's summary and :mod:`hashpivot.analysis.glance`; this module only formats and draws them. Plotly is imported
inside the functions that draw; the file is written atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from hashpivot.analysis.fan import FAN_QUANTILES, fan_quantiles, insolvency_curve, summary_table
from hashpivot.analysis.glance import INSOLVENCY_LIMIT_FRAC, NOISE_Z, glance
from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
# One formatter for the report, the CLI and the dashboard; ``format_usd`` keeps the report's old name.
from hashpivot.format import MISSING, SATS_PER_BTC, fmt_btc, fmt_number, fmt_pct, fmt_sats, margin_label
from hashpivot.format import fmt_usd as format_usd
from hashpivot.report.templating import (
    CSS,
    DATA_SCRIPT_ID,
    DRAW_SCRIPT,
    FIGURE_CLASS,
    PAGE_SAFE,
    PALETTE,
    color,
    esc,
    figure_html,
    figure_payload,
    json_for_script,
    model_fields,
    num,
    page_context,
    plain,
    render_template,
    rgba,
    section,
    split_description,
    table,
)

SECTION_IDS = (
    "answer", "scenario", "summary", "fan-nav", "fan-btc", "fan-btc-per-share", "fan-nav-per-share", "market",
    "insolvency",
    "win-rate", "margin", "value", "assumptions",
)
FAN_COLUMNS = 4          # small multiples per row
FAN_ROW_HEIGHT_PX = 250

# The names the other reports and the tests knew before the shared helpers moved to report/templating.py.
_CSS, _DRAW_SCRIPT, _json_for_script, _figure_html = CSS, DRAW_SCRIPT, json_for_script, figure_html
_esc, _table, _section, _num, _fields = esc, table, section, num, model_fields
_plain, _rgba, _color, _split_description = plain, rgba, color, split_description

__all__ = ["DATA_SCRIPT_ID", "FIGURE_CLASS", "PALETTE", "SECTION_IDS", "format_usd", "render_report",
           "render_template", "write_report"]


def write_report(result, path: str | os.PathLike[str], insolvency_limit_frac: float | None = None,
                 insolvency_always_on: dict[str, float] | None = None, hedges: pd.DataFrame | None = None) -> Path:
    """Write the HTML report of ``result`` to ``path`` atomically (temp file in the same folder, then
    ``os.replace``); the folder is created if needed. Returns the path written."""
    from hashpivot.io import write_text_atomic

    page = render_report(result, insolvency_limit_frac, insolvency_always_on, hedges)
    return write_text_atomic(path, page)


def render_report(result, insolvency_limit_frac: float | None = None,
                  insolvency_always_on: dict[str, float] | None = None, hedges: pd.DataFrame | None = None) -> str:
    """The report of ``result`` as a complete HTML page, opening on the answer at a glance
    (:func:`hashpivot.analysis.glance.glance` under ``insolvency_limit_frac``, its default when None);
    ``insolvency_always_on`` (``api.insolvency_always_on``) sets each policy's insolvency probability had the
    machines run every day beside this run's, in the insolvency section; ``hedges`` (``api.hedge_comparison``) adds
    the hedge section (``report.hedges``); a company with debt tranches or covenants has a debt section
    (``report.debt``), one with fleet additions or a growth policy a growth section (``report.growth``). [text]"""
    from hashpivot.analysis.debt import debt_frame
    from hashpivot.report.debt import debt_context
    from hashpivot.report.growth import growth_context
    from hashpivot.report.hedges import hedge_context

    scenario = result.scenario
    ds = result.dataset
    policies = result.policies
    dates = [f"{pd.Timestamp(d):%Y-%m-%d}" for d in ds["date"].values]
    month_days = np.asarray(ds["day"].values, dtype=np.int64)
    n_paths = int(ds.sizes["path"])
    n_samples = int(ds.sizes["sample"])
    summary = summary_table(result.summary, policies)
    curves = insolvency_curve(ds["insolvent_day"].values, month_days)
    answer = glance(result, INSOLVENCY_LIMIT_FRAC if insolvency_limit_frac is None else insolvency_limit_frac)
    fans = [
        _fan("fan-nav", "Net asset value", ds["monthly_nav_usd"].values, policies, dates, "USD", 1.0, n_samples,
             "NAV = BTC held x BTC price + cash - debt"
             + (", plus what the AI/HPC contracts still pay and what the fleets would resell for"
                if scenario.company.nav_basis == "with_contracts" else " (the balance sheet's, nav_basis)")
             + ", at each month end."),
        _fan("fan-btc", "BTC held", ds["monthly_btc_held"].values, policies, dates, "BTC", 1.0, n_samples,
             "BTC on the balance sheet at each month end."),
        _fan("fan-btc-per-share", "BTC per share", ds["monthly_btc_per_share"].values, policies, dates,
             "sats/share", SATS_PER_BTC, n_samples,
             "BTC held / shares outstanding, in satoshis (1 BTC = 100,000,000 sats); share issuance (equity, "
             "conversions) dilutes it."),
        _fan("fan-nav-per-share", "NAV per share", ds["monthly_nav_per_share_usd"].values, policies, dates,
             "USD/share", 1.0, n_samples,
             "NAV / shares outstanding at each month end: what a share holds once issuance (equity, conversions) is "
             "counted."),
    ]
    from hashpivot.report.figures import insolvency_figure, market_figure, win_rate_figure

    title = f"hashpivot report: {scenario.name}"
    data = _data_block(result, scenario, policies, dates, curves, n_paths, n_samples)
    context = {
        **page_context(title, [(sid, _NAV_LABELS[sid]) for sid in SECTION_IDS], data),
        "figure_class": FIGURE_CLASS, "description": scenario.description or "", "n_paths": n_paths,
        "seed": result.seed, "version": result.version, "n_policies": len(policies),
        "answer": _answer(answer),
        "scenario": _scenario(scenario, result, n_paths, n_samples),
        "summary": _summary(summary, n_paths),
        "fans": fans,
        "market": {"n_samples": n_samples, "figure": figure_payload(market_figure(ds, dates))},
        "insolvency": {"n_paths": n_paths, "figure": figure_payload(insolvency_figure(curves, policies, dates)),
                       "always_on": _always_on_rows(result.summary, insolvency_always_on)},
        "win_rate": {"figure": figure_payload(win_rate_figure(result.win_rate, policies))},
        "hedges": hedge_context(hedges, scenario, figures=True),
        "debt": debt_context(debt_frame(ds)),
        "growth": growth_context(result.addition_returns, result.purchase_returns),
        "sites": _sites(result),
        "spin_offs": _spin_offs(result),
        "value": _value(result),
        "margin": _margin(result.summary, ds),
        "assumptions": {"attribution": CHAIN_TABLE_ATTRIBUTION, "toml": result.scenario_toml},
    }
    return render_template("sim_report.html.j2", context, safe=PAGE_SAFE)


_NAV_LABELS = {
    "answer": "Answer", "scenario": "Scenario", "summary": "Summary", "fan-nav": "NAV", "fan-btc": "BTC held",
    "fan-btc-per-share": "BTC/share", "fan-nav-per-share": "NAV/share", "market": "Market",
    "insolvency": "Insolvency", "win-rate": "Win rate", "margin": "Margins", "value": "Value",
    "assumptions": "Assumptions",
}


# ------------------------------------------------------------------------------------ section contexts


def _answer(answer) -> dict[str, Any]:
    """What a CFO reads first: the sentences of :meth:`hashpivot.analysis.glance.Glance.lines`, each split at its
    topic (set in bold by the template), and what they mean."""
    lines = []
    for line in answer.lines():
        head, sep, tail = line.partition(": ")
        lines.append({"head": head, "tail": tail} if sep else {"head": None, "tail": line})
    note = ("What a MW earns is the median over paths of each path's margin over the horizon per MW-day (revenue "
            "less power for mining, less the segment's own opex for AI), before overheads; per MW-year is x 365. "
            "The best policy is the one, among those within the insolvency limit, that most often ends with the "
            "higher NAV per share on the same random paths; 'within noise' means its lead over the runner-up is "
            f"under {NOISE_Z:g} standard errors of a paired sign test. What it hangs on is read from the stored "
            "paths of this run.")
    return {"lines": lines, "note": note}


def _params(model: BaseModel, skip: Sequence[str] = ("kind",)) -> dict[str, Any]:
    """Parameter | value | unit | meaning rows, from the model's fields and their descriptions."""
    rows = []
    for name, field in type(model).model_fields.items():
        if name in skip:
            continue
        value = getattr(model, name)
        meaning, unit = split_description(field.description)
        rows.append(({"code": name}, "default" if value is None else num(value), unit, meaning))
    return {"rows": rows}


def _scenario(scenario, result, n_paths: int, n_samples: int) -> dict[str, Any]:
    company, run, market = scenario.company, scenario.run, scenario.market
    total_ehs = sum(f.hashrate_ehs for f in company.fleets)
    processes = []
    for name, title in (("btc_price", "BTC price"), ("network_hashrate", "Network hashrate"),
                        ("fees", "Transaction fees"), ("power_price", "Power price index"),
                        ("difficulty", "Difficulty on day 0")):
        process = getattr(market, name)
        processes.append({"title": title, "kind": getattr(process, "kind", None), **_params(process)})
    capacity = scenario.policy.capacity
    treasury = []
    for i, pol in enumerate(scenario.treasury_policies()):
        params = [f"{k} = {num(v)}" for k, v in pol.shown_fields()]
        treasury.append(({"swatch": color(i), "text": pol.label}, {"code": pol.kind},
                         "main" if i == 0 else "compared", "; ".join(params)))
    return {
        "company": company.name, "n_fleets": len(company.fleets), "hashrate_ehs": f"{total_ehs:,.1f}",
        "efficiency_j_per_th": f"{company.mining_mw / total_ehs:.1f}", "mining_mw": f"{company.mining_mw:,.1f}",
        "n_sites": len(company.sites), "sites_mw": f"{sum(s.power_mw for s in company.sites):,.0f}",
        "btc_held": f"{company.btc_held:,.0f}", "cash_usd": format_usd(company.cash_usd),
        "debt_usd": format_usd(company.debt_usd), "debt_rate_pct": f"{company.debt_rate_per_year * 100:.2f}",
        "shares": f"{company.shares_outstanding:,.0f}",
        "fixed_opex_usd_per_day": format_usd(company.fixed_opex_usd_per_day),
        "horizon_days": f"{run.horizon_days:,}", "horizon_years": f"{run.horizon_days / 365:.1f}",
        "start_date": f"{run.start_date:%Y-%m-%d}", "start_height": f"{run.start_height:,}",
        "end_date": f"{run.start_date + timedelta(days=run.horizon_days):%Y-%m-%d}", "n_paths": f"{n_paths:,}",
        "n_samples": f"{n_samples:,}", "seed": run.seed, "version": result.version,
        "sites": [(s.name, f"{s.power_mw:,.1f}", f"{s.power_price_usd_per_mwh:,.2f}",
                   f"{sum(f.power_mw for f in company.fleets if f.site == s.name):,.1f}") for s in company.sites],
        "fleets": [(f.name, f.site, f"{f.hashrate_ehs:,.2f}", f"{f.efficiency_j_per_th:.1f}", f"{f.power_mw:,.1f}",
                    fmt_pct(f.uptime_frac), fmt_pct(f.pool_fee_frac)) for f in company.fleets],
        "processes": processes, "n_halvings_max": market.n_halvings_max,
        "capacity": {"kind": capacity.kind, **_params(capacity, skip=("kind", "name"))},
        "treasury": treasury,
    }


def _summary(table_: pd.DataFrame, n_paths: int) -> dict[str, Any]:
    def cell(policy: str, metric: str, fmt) -> dict[str, str]:
        p50, p5, p95 = (table_.at[policy, f"{metric}_{s}"] for s in ("p50", "p5", "p95"))
        return {"text": fmt(p50), "range": f"{fmt(p5)} \u2026 {fmt(p95)}"}

    rows = []
    for i, policy in enumerate(table_.index):
        rows.append((
            {"swatch": color(i), "text": policy},
            cell(policy, "nav_usd", format_usd),
            cell(policy, "btc_held", fmt_btc),
            cell(policy, "btc_per_share", fmt_sats),
            cell(policy, "btc_yield_frac", lambda v: fmt_pct(v, signed=True)),
            fmt_pct(table_.at[policy, "insolvency_probability"]),
            format_usd(table_.at[policy, "nav_usd_cvar5"]),
            cell(policy, "mining_margin_usd_per_mw_day", fmt_number),
            cell(policy, "ai_margin_usd_per_mw_day", fmt_number),
        ))
    header = ("policy", "terminal NAV [USD]", "BTC held [BTC]", "BTC per share [sats]", "BTC yield",
              "P(insolvency)", "CVaR 5 % of NAV [USD]", margin_label("mining"), margin_label("AI"))
    return {"n_paths": n_paths, "missing": MISSING, "header": header, "rows": rows}


def _fan(sid: str, title: str, monthly: np.ndarray, policies: Sequence[str], dates: Sequence[str],
         unit: str, scale: float, n_samples: int, note: str) -> dict[str, Any]:
    from plotly.subplots import make_subplots

    from hashpivot.report.figures import add_fan, panel_title

    n = len(policies)
    cols = min(n, FAN_COLUMNS)
    rows = math.ceil(n / cols)
    titles = [panel_title(p) for p in policies]
    title_px = 15 * max(t.count("<br>") + 1 for t in titles)  # the first row's titles, above the plot
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, shared_xaxes="all",
                        shared_yaxes="all", horizontal_spacing=0.035,
                        vertical_spacing=(0.22 + 0.06 * (title_px // 15 - 1)) / rows + 0.03)
    fans = [fan_quantiles(monthly[i], index=dates) for i in range(n)]
    for i, policy in enumerate(policies):
        add_fan(fig, fans[i], policy, color(i), unit, scale, row=i // cols + 1, col=i % cols + 1)
    inner = _axis_range(fans, ("p25", "p75"), scale)
    fig.update_layout(
        template="plotly_white", height=FAN_ROW_HEIGHT_PX * rows + 110, showlegend=False,
        margin={"l": 70, "r": 20, "t": 65 + title_px, "b": 40}, hovermode="closest",
    )
    fig.update_yaxes(exponentformat="B")
    fig.update_xaxes(showticklabels=True)
    if inner is not None:
        # The p95 of a long right tail can be 10-50x the median: open on the inner band, with a button
        # for the full range (all panels share the first panel's y axis).
        fig.update_layout(yaxis={"range": inner, "autorange": False}, updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
            "pad": {"b": title_px + 10}, "showactive": True, "active": 0, "font": {"size": 11},
            "buttons": [
                {"label": "y: fit p25-p75", "method": "relayout",
                 "args": [{"yaxis.range": inner, "yaxis.autorange": False}]},
                {"label": "y: full p5-p95", "method": "relayout", "args": [{"yaxis.autorange": True}]},
            ],
        }])
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text=unit, row=r, col=1)
    fig.update_annotations(font_size=12)
    return {"sid": sid, "title": title, "note": note, "n_samples": n_samples, "figure": figure_payload(fig)}


def _axis_range(fans: Sequence[pd.DataFrame], columns: tuple[str, str], scale: float) -> list[float] | None:
    """A y range holding the ``columns`` band of every fan with some margin; None if nothing is finite."""
    lo = min((np.nanmin(f[columns[0]].to_numpy()) for f in fans if f[columns[0]].notna().any()), default=None)
    hi = max((np.nanmax(f[columns[1]].to_numpy()) for f in fans if f[columns[1]].notna().any()), default=None)
    if lo is None or hi is None:
        return None
    lo, hi = float(lo) * scale, float(hi) * scale
    pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    return [min(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad]


def _always_on_rows(summary: pd.DataFrame, always_on: dict[str, float] | None) -> list[tuple[str, ...]]:
    """Per policy: P(insolvency) under economic shutdown and with machines always on, the power saved and the BTC
    not mined (means per path); none without the always-on twin."""
    if not always_on:
        return []
    rows = summary[(summary["metric"] == "insolvency") & (summary["stat"] == "probability")]
    mean = summary[summary["stat"] == "mean"].set_index(["policy", "metric"])["value"]
    return [(p, fmt_pct(v), fmt_pct(always_on[p]), format_usd(mean.get((p, "shutdown_saved_usd"), np.nan)) + " USD",
             fmt_btc(mean.get((p, "shutdown_forgone_btc"), np.nan)))
            for p, v in zip(rows["policy"], rows["value"], strict=True) if p in always_on]


def _value(result) -> dict[str, Any]:
    """The value section: the DCF per policy (``analysis.valuation.valuation_frame``) and the peers' multiples."""
    from hashpivot.analysis.valuation import peers_frame, valuation_frame

    from hashpivot.report.company import value_cells

    frame = valuation_frame(result)
    headers, rows = value_cells(frame)
    from urllib.parse import urlparse

    measures = {"market_cap_per_ehs": "market cap per EH/s", "ev_per_ehs": "EV per EH/s",
                "equity_per_mw": "equity per MW"}
    peers = [[p.name.replace("_", " "), measures[p.measure], p.as_of, urlparse(p.source).netloc.removeprefix("www."),
              format_usd(p.low_usd) if p.low_usd == p.high_usd else f"{format_usd(p.low_usd)} - {format_usd(p.high_usd)}"]
             for p in peers_frame().itertuples()]
    return {"rate_pct": f"{100 * float(frame['equity_discount_rate_per_year'].iloc[0]):.1f}", "header": headers,
            "rows": rows, "peers": peers}


def _spin_offs(result) -> dict[str, Any] | None:
    """The spin-off table (``analysis.spin_offs.spin_off_frame``: medians), or None without spin-offs."""
    from hashpivot.analysis.spin_offs import spin_off_frame

    frame = spin_off_frame(result)
    if frame is None:
        return None
    from hashpivot.report.company import spin_off_cells

    headers, rows = spin_off_cells(frame)
    return {"header": headers, "rows": rows}


def _sites(result) -> dict[str, Any] | None:
    """The by-site section of a company of several sites (``analysis.sites.site_frame``); None with one site."""
    from hashpivot.analysis.sites import site_frame

    if len(result.scenario.company.sites) < 2 or "site_mining_revenue_usd" not in result.dataset:
        return None

    from hashpivot.report.company import site_cells

    headers, rows = site_cells(site_frame(result))
    return {"header": headers, "rows": rows}


def _margin(summary: pd.DataFrame, ds) -> dict[str, Any]:
    """The margin section: the bars (``figures.margin_figure``), the segments without capacity, the AI projects'
    rows and the conversions against mining."""
    from hashpivot.report.figures import MARGIN_SEGMENTS, margin_figure, segment_margins

    present = set(segment_margins(summary)["segment"])
    missing = [label for segment, label, _ in MARGIN_SEGMENTS if segment not in present]
    named = " or ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
    return {"figure": figure_payload(margin_figure(summary)), "missing": named, "n_missing": len(missing),
            "projects": _projects_rows(summary), "incremental": _incremental_rows(ds)}


def _projects_rows(summary: pd.DataFrame) -> list[tuple]:
    """Per AI project: capex per MW of IT load, IRR and payback (median with p5..p95), from the summary rows."""
    rows = summary[summary["metric"].str.contains(".", regex=False)]
    if rows.empty:
        return []
    value = rows.set_index(["policy", "metric", "stat"])["value"]
    lines = []
    for policy, metric in dict.fromkeys(zip(rows["policy"], rows["metric"], strict=True)):
        if not metric.endswith(".capex_usd_per_mw"):
            continue
        name = metric.removesuffix(".capex_usd_per_mw")

        def get(m, st, _p=policy, _n=name):
            return value.get((_p, f"{_n}.{m}", st), float("nan"))

        irr = [get("irr_frac_per_year", st) for st in ("p50", "p5", "p95")]
        years = [get("payback_years", st) for st in ("p50", "p5", "p95")]
        paid = get("payback_years", "paid_back_share")
        lines.append((
            policy, name, format_usd(get("capex_usd_per_mw", "value")),
            {"lines": [fmt_pct(irr[0]), f"{fmt_pct(irr[1])} \u2026 {fmt_pct(irr[2])}"]},
            {"lines": [_years(years[0]), f"{_years(years[1])} \u2026 {_years(years[2])}"]},
            MISSING if not math.isfinite(paid) else f"{paid * 100:.0f} %",
        ))
    return lines


def _years(value: float) -> str:
    """A payback in years with one decimal (``3.0 y``), the placeholder when undefined. [text]"""
    return f"{value:.1f} y" if math.isfinite(value) else MISSING


def _incremental_rows(ds) -> list[tuple]:
    """Each conversion plan against all-mining under the same treasury policy (``analysis.incremental``): IRR and
    payback of the incremental cash flows, median with p5..p95, and their undiscounted sum; none without a pair."""
    from hashpivot.analysis.incremental import incremental_returns

    table_ = incremental_returns(ds)
    lines = []
    for policy, rows in table_.groupby("policy", sort=False):
        r = rows.set_index("stat")

        def span(col: str, fmt, _r=r) -> dict[str, list[str]]:
            return {"lines": [fmt(_r.at["p50", col]), f"{fmt(_r.at['p5', col])} \u2026 {fmt(_r.at['p95', col])}"]}

        lines.append((
            policy, str(r.at["p50", "baseline"]), span("irr_frac_per_year", fmt_pct),
            span("payback_years", lambda v: f"{v:.1f} y" if np.isfinite(v) else "never"),
            fmt_pct(r.at["defined_share", "payback_years"]), span("net_usd", lambda v: format_usd(v) + " USD"),
        ))
    return lines


def _data_block(result, scenario, policies, dates, curves, n_paths, n_samples) -> dict[str, Any]:
    summary = [
        {"policy": str(r.policy), "metric": str(r.metric), "stat": str(r.stat),
         "value": float(r.value) if math.isfinite(r.value) else None}
        for r in result.summary.itertuples(index=False)
    ]
    win = result.win_rate.reindex(index=list(policies), columns=list(policies)).to_numpy(dtype=np.float64)
    return {
        "scenario": scenario.name,
        "seed": int(result.seed),
        "version": str(result.version),
        "n_paths": n_paths,
        "n_stored_paths": n_samples,
        "policies": list(policies),
        "sections": list(SECTION_IDS),
        "fan_quantiles": FAN_QUANTILES,
        "summary": summary,
        "win_rate": {"policies": list(policies),
                     "matrix": [[float(v) if math.isfinite(v) else None for v in row] for row in win]},
        "insolvency": {"dates": list(dates),
                       "probability": {p: plain(curves[i]) for i, p in enumerate(policies)}},
    }
