"""The simulation report: one self-contained HTML page of a :class:`~hashpivot.engine.result.SimResult`.

The page inlines plotly.js once (in ``<head>``) and holds each figure as a JSON block
(``<script type="application/json" class="hashpivot-figure">``) drawn by a few lines of script, so
it opens offline, with no CDN, and tools can read every figure back. The summary numbers (policies,
the tidy summary, the win-rate matrix, the insolvency curves) are embedded as JSON in
``<script type="application/json" id="hashpivot-data">``.

Sections (each an element with this ``id``): ``scenario``, ``summary``, ``fan-nav``, ``fan-btc``,
``fan-btc-per-share``, ``market``, ``insolvency``, ``win-rate``, ``margin``, ``assumptions``.

The report computes nothing a test would need to check: the numbers come from
:mod:`hashpivot.analysis.fan` and the result's summary; this module only formats and draws them.
The page is drawn by jinja2 templates (``report/templates/``: ``base.html.j2``, the page every report shares, and
``sim_report.html.j2``; autoescape on), from a context of plain text this module writes with :mod:`hashpivot.format`.
Plotly is imported inside the functions that draw; the file is written atomically.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup
from pydantic import BaseModel

from hashpivot.analysis.fan import FAN_QUANTILES, fan_quantiles, insolvency_curve, summary_table
from hashpivot.analysis.glance import INSOLVENCY_LIMIT_FRAC, NOISE_Z, glance
from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
# One formatter for the report, the CLI and the dashboard; ``format_usd`` keeps the report's old name.
from hashpivot.format import SATS_PER_BTC, fmt_btc, fmt_number, fmt_pct, fmt_sats, margin_label
from hashpivot.format import fmt_usd as format_usd

SECTION_IDS = (
    "answer", "scenario", "summary", "fan-nav", "fan-btc", "fan-btc-per-share", "market", "insolvency",
    "win-rate", "margin", "assumptions",
)
DATA_SCRIPT_ID = "hashpivot-data"
FIGURE_CLASS = "hashpivot-figure"
FAN_COLUMNS = 4          # small multiples per row
FAN_ROW_HEIGHT_PX = 250
#: Plotly's default qualitative palette; a policy keeps its colour in every chart.
PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880",
           "#ff97ff", "#fecb52")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433;background:#fafbfc}
header{background:#1f3b73;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px 0;font-size:24px}
header p{margin:0;opacity:.85;font-size:14px}
nav{background:#e8edf5;padding:8px 32px;font-size:14px;position:sticky;top:0;z-index:10}
nav a{margin-right:14px;color:#1f3b73;text-decoration:none}
main{padding:0 32px 48px 32px;max-width:1500px}
section{background:#fff;border:1px solid #e1e5ec;border-radius:6px;margin:18px 0;padding:14px 20px}
h2{font-size:19px;margin:4px 0 8px 0;color:#1f3b73}
h3{font-size:15px;margin:14px 0 6px 0}
p.note{color:#5a6478;font-size:13px;margin:4px 0 8px 0}
ul.answer{font-size:15px;line-height:1.5;margin:6px 0 8px 0;padding-left:20px}
ul.answer li{margin:4px 0}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px 0}
th,td{border-bottom:1px solid #e6e9ef;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f3f5f9;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.num .range{display:block;color:#7a8396;font-size:11px}
td:first-child{white-space:nowrap}
table.summary td:first-child{font-weight:600}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
pre{background:#f5f7fa;border:1px solid #e1e5ec;padding:10px;font-size:12px;overflow:auto;max-height:520px}
.figure{width:100%}
"""

_DRAW_SCRIPT = """
(function(){
  var blocks = document.querySelectorAll('script.hashpivot-figure');
  for (var i = 0; i < blocks.length; i++) {
    var fig = JSON.parse(blocks[i].textContent);
    Plotly.newPlot(blocks[i].getAttribute('data-target'), fig.data, fig.layout,
                   {responsive: true, displaylogo: false});
  }
})();
"""


def write_report(result, path: str | os.PathLike[str], insolvency_limit_frac: float | None = None,
                 insolvency_always_on: dict[str, float] | None = None) -> Path:
    """Write the HTML report of ``result`` to ``path`` atomically (temp file in the same folder, then
    ``os.replace``); the folder is created if needed. Returns the path written."""
    from hashpivot.io import write_text_atomic

    page = render_report(result, insolvency_limit_frac, insolvency_always_on)
    return write_text_atomic(path, page)


def render_report(result, insolvency_limit_frac: float | None = None,
                  insolvency_always_on: dict[str, float] | None = None) -> str:
    """The report of ``result`` as a complete HTML page, opening on the answer at a glance
    (:func:`hashpivot.analysis.glance.glance` under ``insolvency_limit_frac``, its default when None);
    ``insolvency_always_on`` (``api.insolvency_always_on``) sets each policy's insolvency probability had the
    machines run every day beside this run's, in the insolvency section. Drawn by the jinja2 templates
    ``sim_report.html.j2`` on ``base.html.j2`` (package data, autoescaped). [text]"""
    from plotly.offline import get_plotlyjs

    scenario = result.scenario
    ds = result.dataset
    policies = result.policies
    dates = [f"{pd.Timestamp(d):%Y-%m-%d}" for d in ds["date"].values]
    month_days = np.asarray(ds["day"].values, dtype=np.int64)
    n_paths = int(ds.sizes["path"])
    n_samples = int(ds.sizes["sample"])
    table = summary_table(result.summary, policies)
    curves = insolvency_curve(ds["insolvent_day"].values, month_days)
    answer = glance(result, INSOLVENCY_LIMIT_FRAC if insolvency_limit_frac is None else insolvency_limit_frac)
    fans = [
        _fan_context("fan-nav", "Net asset value", ds["monthly_nav_usd"].values, policies, dates, "USD", 1.0,
                     n_samples, "NAV = BTC held x BTC price + cash - debt, at each month end."),
        _fan_context("fan-btc", "BTC held", ds["monthly_btc_held"].values, policies, dates, "BTC", 1.0, n_samples,
                     "BTC on the balance sheet at each month end."),
        _fan_context("fan-btc-per-share", "BTC per share", ds["monthly_btc_per_share"].values, policies, dates,
                     "sats/share", SATS_PER_BTC, n_samples,
                     "BTC held / shares outstanding, in satoshis (1 BTC = 100,000,000 sats); share issuance (equity, "
                     "conversions) dilutes it."),
    ]
    context = {
        "title": f"hashpivot report: {scenario.name}", "description": scenario.description or "",
        "n_paths": n_paths, "seed": result.seed, "version": result.version, "n_policies": len(policies),
        "nav": [(sid, _NAV_LABELS[sid]) for sid in SECTION_IDS],
        "answer_lines": [dict(zip(("topic", "rest"), _topic(line), strict=True)) for line in answer.lines()],
        "answer_note": _ANSWER_NOTE.format(noise_z=NOISE_Z),
        "scenario": _scenario_context(scenario, result, n_paths, n_samples),
        "params_header": ("parameter", "value", "unit", "meaning"),
        "summary": _summary_context(table, n_paths),
        "fans": fans,
        "no_samples": _NO_SAMPLES if n_samples == 0 else "",
        "market_note": (f"The market every policy faces (common random numbers), over the {n_samples:,} stored paths; "
                        "log scale. Hashprice is what one TH/s earns per day, averaged over each month; it falls by "
                        "about half at each halving and as the network grows."),
        "market_figure": _figure_json(_market_figure(ds, dates)),
        "insolvency": _insolvency_context(curves, policies, dates, n_paths, result.summary, insolvency_always_on),
        "win_rate": _win_rate_context(result.win_rate, policies),
        "margin": _margin_context(table, policies, result.summary),
        "assumptions_note": _ASSUMPTIONS_NOTE,
        "attribution_note": ("Market inputs drawn from the chain history (the presets' prices, hashrate, fees and "
                             f"volatilities; bootstrap and calibrated markets): {CHAIN_TABLE_ATTRIBUTION}."),
        "scenario_toml": result.scenario_toml,
        "figure_class": FIGURE_CLASS,
        "data_script_id": DATA_SCRIPT_ID,
        "data_json": _json_for_script(_data_block(result, scenario, policies, dates, curves, n_paths, n_samples)),
        "css": _CSS, "draw_script": _DRAW_SCRIPT, "plotly_js": get_plotlyjs(),
    }
    return render_template("sim_report.html.j2", context, safe=("data_json", "css", "draw_script", "plotly_js"))


def _topic(line: str) -> tuple[str, str]:
    """A sentence of the answer as (topic, rest): the topic is the text before the first ": " (bold in the page)."""
    head, sep, tail = line.partition(": ")
    return (head, tail) if sep else ("", line)


_ANSWER_NOTE = (
    "What a MW earns is the median over paths of each path's margin over the horizon per MW-day (revenue less power "
    "for mining, less the segment's own opex for AI), before overheads; per MW-year is x 365. The best policy is the "
    "one, among those within the insolvency limit, that most often ends with the higher NAV per share on the same "
    "random paths; 'within noise' means its lead over the runner-up is under {noise_z:g} standard errors of a paired "
    "sign test. What it hangs on is read from the stored paths of this run.")
_NO_SAMPLES = ("No monthly series were stored (run.store_paths = 0), so this chart is empty; rerun with "
               "store_paths > 0 to draw it.")
_ASSUMPTIONS_NOTE = (
    "The scenario exactly as stored with the result (the validated TOML that reproduces this run with the same seed "
    "and version). Comments are not kept here: the preset files (src/hashpivot/scenarios/presets/*.toml) carry a "
    "# source: comment on every fact, and docs/assumptions.md explains each default.")


def render_template(name: str, context: dict[str, Any], safe: Sequence[str] = ()) -> str:
    """A template of ``hashpivot/report/templates`` rendered with autoescape on; the ``safe`` keys of ``context`` are
    inserted as they are (plotly.js, the CSS, and JSON already escaped for ``<script>`` by :func:`_json_for_script`;
    every figure's JSON is too). [text]"""
    from markupsafe import Markup

    env = _environment()
    values = {k: (Markup(v) if k in safe else v) for k, v in context.items()}
    return env.get_template(name).render(**values)


def _environment():
    """The reports' jinja2 environment (package data, autoescape on, undefined names an error), built once."""
    global _ENV
    if _ENV is None:
        import jinja2

        _ENV = jinja2.Environment(loader=jinja2.PackageLoader("hashpivot.report", "templates"),
                                  autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        _ENV.filters["thousands"] = lambda n: f"{n:,}"
    return _ENV


_ENV = None


_NAV_LABELS = {
    "answer": "Answer", "scenario": "Scenario", "summary": "Summary", "fan-nav": "NAV", "fan-btc": "BTC held",
    "fan-btc-per-share": "BTC/share", "market": "Market", "insolvency": "Insolvency",
    "win-rate": "Win rate", "margin": "Margins", "assumptions": "Assumptions",
}


# ----------------------------------------------------------------------------------------- formatting


def _num(value: Any) -> str:
    """A parameter value as text: thousands separators for large round numbers, else 6 digits."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.10g}"
    if isinstance(value, BaseModel):
        return ", ".join(f"{k} = {_num(v)}" for k, v in _fields(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_num(v) for v in value)
    return str(value)


def _fields(model: BaseModel) -> list[tuple[str, Any]]:
    return [(name, getattr(model, name)) for name in type(model).model_fields]


def _split_description(text: str | None) -> tuple[str, str]:
    """``"Volatility. [1/sqrt(day)]"`` -> ``("Volatility.", "1/sqrt(day)")``."""
    text = (text or "").strip()
    if text.endswith("]") and "[" in text:
        head, _, unit = text.rpartition("[")
        return head.strip(), unit[:-1].strip()
    return text, ""


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "", num_from: int = 99) -> str:
    """An HTML table; cells are already-escaped HTML; columns from ``num_from`` are right-aligned."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{c}</td>' if j >= num_from else f"<td>{c}</td>" for j, c in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}">\n<h2>{_esc(title)}</h2>\n{body}\n</section>'


def _json_for_script(obj: Any) -> str:
    """JSON text safe inside ``<script>``: ``<``, ``>`` and ``&`` (only ever inside strings) escaped."""
    text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _figure_json(fig) -> Markup:
    """A figure's JSON, escaped for ``<script>`` (:func:`_json_for_script`), for the templates' ``figure`` macro."""
    from markupsafe import Markup

    return Markup(_json_for_script(json.loads(fig.to_json())))


def _figure_html(fig, target: str) -> str:
    """A div and the figure's JSON block; the page's draw script renders it."""
    payload = json.loads(fig.to_json())
    return (
        f'<div class="figure" id="{target}"></div>\n'
        f'<script type="application/json" class="{FIGURE_CLASS}" data-target="{target}">'
        f"{_json_for_script(payload)}</script>"
    )


def _plain(values: np.ndarray | pd.Series, scale: float = 1.0) -> list[float | None]:
    """Finite floats as a JSON list, NaN as None (readable numbers in the page, not base64)."""
    arr = np.asarray(values, dtype=np.float64) * scale
    return [float(v) if math.isfinite(v) else None for v in arr]


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


# ------------------------------------------------------------------------------------------- sections


def _param_rows(model: BaseModel, skip: Sequence[str] = ("kind",)) -> list[tuple]:
    """Parameter | value | unit | meaning rows, from the model's fields and their descriptions."""
    rows = []
    for name, field in type(model).model_fields.items():
        if name in skip:
            continue
        value = getattr(model, name)
        meaning, unit = _split_description(field.description)
        rows.append(({"code": name}, "default" if value is None else _num(value), unit, meaning))
    return rows


def _scenario_context(scenario, result, n_paths: int, n_samples: int) -> dict[str, Any]:
    company = scenario.company
    run = scenario.run
    end = run.start_date + timedelta(days=run.horizon_days)
    total_ehs = sum(f.hashrate_ehs for f in company.fleets)
    mean_j_per_th = company.mining_mw / total_ehs
    sites_mw = sum(s.power_mw for s in company.sites)
    market = scenario.market
    processes = []
    for name, title in (("btc_price", "BTC price"), ("network_hashrate", "Network hashrate"),
                        ("fees", "Transaction fees"), ("power_price", "Power price index"),
                        ("difficulty", "Difficulty on day 0")):
        process = getattr(market, name)
        processes.append({"title": title, "kind": getattr(process, "kind", None), "rows": _param_rows(process)})
    treasury = []
    for i, pol in enumerate(scenario.treasury_policies()):
        params = [f"{k} = {_num(v)}" for k, v in _fields(pol) if k not in ("kind", "name")]
        treasury.append(({"swatch": _color(i), "text": pol.label}, {"code": pol.kind}, "main" if i == 0 else "compared",
                         "; ".join(params)))
    capacity = scenario.policy.capacity
    return {
        "company": company.name,
        "paragraphs": [
            f"runs {len(company.fleets)} fleet(s), {total_ehs:,.1f} EH/s at {mean_j_per_th:.1f} J/TH on average, drawing "
            f"{company.mining_mw:,.1f} MW at full uptime, on {len(company.sites)} site(s) with {sites_mw:,.0f} MW of grid "
            f"capacity. It starts with {company.btc_held:,.0f} BTC, {format_usd(company.cash_usd)} USD of cash, "
            f"{format_usd(company.debt_usd)} USD of debt at {company.debt_rate_per_year * 100:.2f} %/year, "
            f"{company.shares_outstanding:,.0f} shares and {format_usd(company.fixed_opex_usd_per_day)} USD/day of fixed "
            "overheads.",
            f"Horizon: {run.horizon_days:,} days ({run.horizon_days / 365:.1f} years) from {run.start_date:%Y-%m-%d} "
            f"(block height {run.start_height:,}) to {end:%Y-%m-%d}; {n_paths:,} Monte Carlo paths (monthly series kept "
            f"for {n_samples:,}), seed {run.seed}, hashpivot {result.version}.",
        ],
        "sites": {"header": ("site", "grid capacity [MW]", "power price [USD/MWh]", "fleets' draw [MW]"),
                  "rows": [(s.name, f"{s.power_mw:,.1f}", f"{s.power_price_usd_per_mwh:,.2f}",
                            f"{sum(f.power_mw for f in company.fleets if f.site == s.name):,.1f}")
                           for s in company.sites]},
        "fleets": {"header": ("fleet", "site", "hashrate [EH/s]", "efficiency [J/TH]", "power [MW]", "uptime",
                              "pool fee"),
                   "rows": [(f.name, f.site, f"{f.hashrate_ehs:,.2f}", f"{f.efficiency_j_per_th:.1f}",
                             f"{f.power_mw:,.1f}", fmt_pct(f.uptime_frac), fmt_pct(f.pool_fee_frac))
                            for f in company.fleets]},
        "processes": processes,
        "halvings_note": f"Halvings applied at most: {market.n_halvings_max}.",
        "capacity": {"kind": capacity.kind, "rows": _param_rows(capacity, skip=("kind", "name"))},
        "treasury": {"header": ("treasury policy", "kind", "role", "parameters"), "rows": treasury},
    }


def _summary_context(table: pd.DataFrame, n_paths: int) -> dict[str, Any]:
    def cell(policy: str, metric: str, fmt) -> dict[str, str]:
        p50, p5, p95 = (table.at[policy, f"{metric}_{s}"] for s in ("p50", "p5", "p95"))
        return {"text": fmt(p50), "range": f"{fmt(p5)} \u2026 {fmt(p95)}"}

    rows = []
    for i, policy in enumerate(table.index):
        rows.append((
            {"swatch": _color(i), "text": policy},
            cell(policy, "nav_usd", format_usd),
            cell(policy, "btc_held", fmt_btc),
            cell(policy, "btc_per_share", fmt_sats),
            cell(policy, "btc_yield_frac", lambda v: fmt_pct(v, signed=True)),
            fmt_pct(table.at[policy, "insolvency_probability"]),
            format_usd(table.at[policy, "nav_usd_cvar5"]),
            cell(policy, "mining_margin_usd_per_mw_day", fmt_number),
            cell(policy, "ai_margin_usd_per_mw_day", fmt_number),
        ))
    header = ("policy", "terminal NAV [USD]", "BTC held [BTC]", "BTC per share [sats]", "BTC yield",
              "P(insolvency)", "CVaR 5 % of NAV [USD]", margin_label("mining"), margin_label("AI"))
    note = (f"At the end of the horizon, over all {n_paths:,} paths: median, with p5 \u2026 p95 below. BTC yield is "
            "the change of BTC per share since day 0. P(insolvency) is the share of paths on which the company ran "
            "out of cash and BTC. CVaR 5 % is the mean NAV of the worst 5 % of paths. Margins are (revenue - power) "
            "per MW-day of mining over the horizon and the AI project's net per MW-day (n/a: no such capacity).")
    return {"header": header, "rows": rows, "note": note}


def _fan_figure(monthly: np.ndarray, policies: Sequence[str], dates: Sequence[str], unit: str, scale: float):
    """Small multiples, one panel per policy, of a monthly series' fan (same y axis, opening on p25-p75)."""
    from plotly.subplots import make_subplots

    from hashpivot.report.figures import add_fan

    n = len(policies)
    cols = min(n, FAN_COLUMNS)
    rows = math.ceil(n / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(policies), shared_xaxes="all",
                        shared_yaxes="all", horizontal_spacing=0.035, vertical_spacing=0.22 / rows + 0.03)
    fans = [fan_quantiles(monthly[i], index=dates) for i in range(n)]
    for i, policy in enumerate(policies):
        add_fan(fig, fans[i], policy, _color(i), unit, scale, row=i // cols + 1, col=i % cols + 1)
    inner = _axis_range(fans, ("p25", "p75"), scale)
    fig.update_layout(
        template="plotly_white", height=FAN_ROW_HEIGHT_PX * rows + 110, showlegend=False,
        margin={"l": 70, "r": 20, "t": 80, "b": 40}, hovermode="closest",
    )
    fig.update_yaxes(exponentformat="B")
    fig.update_xaxes(showticklabels=True)
    if inner is not None:
        # The p95 of a long right tail can be 10-50x the median: open on the inner band, with a button
        # for the full range (all panels share the first panel's y axis).
        fig.update_layout(yaxis={"range": inner, "autorange": False}, updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
            "pad": {"b": 30}, "showactive": True, "active": 0, "font": {"size": 11},
            "buttons": [
                {"label": "y: fit p25-p75", "method": "relayout",
                 "args": [{"yaxis.range": inner, "yaxis.autorange": False}]},
                {"label": "y: full p5-p95", "method": "relayout", "args": [{"yaxis.autorange": True}]},
            ],
        }])
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text=unit, row=r, col=1)
    fig.update_annotations(font_size=12)
    return fig


def _fan_context(sid: str, title: str, monthly: np.ndarray, policies: Sequence[str], dates: Sequence[str],
                 unit: str, scale: float, n_samples: int, note: str) -> dict[str, Any]:
    return {"sid": sid, "title": f"{title} over time",
            "note": (f"{note} Median line; dark band p25\u2013p75, light band p5\u2013p95, over the {n_samples:,} "
                     "paths whose monthly series are stored. One panel per policy, same y axis."),
            "figure": _figure_json(_fan_figure(monthly, policies, dates, unit, scale))}


def _axis_range(fans: Sequence[pd.DataFrame], columns: tuple[str, str], scale: float) -> list[float] | None:
    """A y range holding the ``columns`` band of every fan with some margin; None if nothing is finite."""
    lo = min((np.nanmin(f[columns[0]].to_numpy()) for f in fans if f[columns[0]].notna().any()), default=None)
    hi = max((np.nanmax(f[columns[1]].to_numpy()) for f in fans if f[columns[1]].notna().any()), default=None)
    if lo is None or hi is None:
        return None
    lo, hi = float(lo) * scale, float(hi) * scale
    pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    return [min(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad]


def _market_figure(ds, dates: Sequence[str]):
    from hashpivot.report.figures import market_figure

    return market_figure(ds, dates)


def _insolvency_context(curves: np.ndarray, policies: Sequence[str], dates: Sequence[str], n_paths: int,
                        summary: pd.DataFrame, always_on: dict[str, float] | None) -> dict[str, Any]:
    from hashpivot.analysis.compare import insolvency_table
    from hashpivot.report.figures import insolvency_figure

    out: dict[str, Any] = {
        "note": (f"Share of all {n_paths:,} paths on which the company is insolvent by each month end (cash negative "
                 "and no BTC left to sell; it stops operating). Exact, from each path's insolvency day."),
        "figure": _figure_json(insolvency_figure(curves, policies, dates)),
        "always_on": None,
        "always_on_note": (
            "This run switches machines off on the days (or hours) when power costs more than they earn, as operators "
            "do (docs/assumptions.md); beside it, the same plans and policies on the same random numbers with every "
            "machine running every day, the assumption before economic shutdown became the default."),
    }
    if always_on:
        t = insolvency_table(summary, always_on)
        t = t[t["policy"].isin(list(always_on))]
        out["always_on"] = {
            "header": ("policy", "P(insolvency), economic shutdown", "machines always on"),
            "rows": [(p, fmt_pct(a), fmt_pct(b)) for p, a, b in t.itertuples(index=False)]}
    return out


def _win_rate_context(win_rate: pd.DataFrame, policies: Sequence[str]) -> dict[str, Any]:
    from hashpivot.report.figures import win_rate_figure

    return {"note": ("Share of paths on which the row policy ends with a higher NAV per share than the column policy, "
                     "on the same random numbers. Blue: the row policy usually wins."),
            "figure": _figure_json(win_rate_figure(win_rate, policies))}


def _margin_figure(table: pd.DataFrame, policies: Sequence[str]):
    """Grouped bars of each segment's median margin per MW-day, p5-p95 error bars; the segments it lacks."""
    import plotly.graph_objects as go

    fig = go.Figure()
    missing = []
    for metric, label, color in (("mining_margin_usd_per_mw_day", "mining", "#1f3b73"),
                                 ("colocation_lease_margin_usd_per_mw_day", "colocation lease", "#8e44ad"),
                                 ("site_lease_margin_usd_per_mw_day", "site lease", "#16a085"),
                                 ("gpu_cloud_margin_usd_per_mw_day", "GPU cloud", "#d35400")):
        p50 = table[f"{metric}_p50"].to_numpy()
        if not np.isfinite(p50).any():
            missing.append(label)
            continue
        p5 = table[f"{metric}_p5"].to_numpy()
        p95 = table[f"{metric}_p95"].to_numpy()
        fig.add_trace(go.Bar(
            x=list(policies), y=_plain(p50), name=label, marker_color=color,
            error_y={"type": "data", "symmetric": False, "array": _plain(p95 - p50),
                     "arrayminus": _plain(p50 - p5), "thickness": 1.2, "width": 4},
            customdata=[[format_usd(a), format_usd(b)] for a, b in zip(p5, p95, strict=True)],
            hovertemplate=(f"<b>%{{x}}</b> {label}: median %{{y:,.0f}} USD/MW-day<br>"
                           "p5-p95: %{customdata[0]} - %{customdata[1]}<extra></extra>"),
        ))
    fig.update_layout(template="plotly_white", height=430, barmode="group",
                      yaxis={"title": {"text": "margin [USD/MW-day]"}, "zeroline": True},
                      xaxis={"tickangle": -30}, margin={"l": 70, "r": 20, "t": 20, "b": 120},
                      legend={"orientation": "h", "y": 1.08})
    return fig, missing


def _margin_context(table: pd.DataFrame, policies: Sequence[str], summary: pd.DataFrame) -> dict[str, Any]:
    from hashpivot.analysis.compare import projects_table

    fig, missing = _margin_figure(table, policies)
    note = ("Median over all paths of each segment's margin over the horizon, per MW-day it ran; error bars "
            "p5\u2013p95. Mining: (mining revenue + demand response - power cost) / mining MW-days (before overheads). "
            "AI segments: (revenue - their opex, power included for GPU clouds) / the grid MW-days they earned "
            "(tenant downtime included).")
    if missing:
        note += f" No {' or '.join(missing)} capacity in this scenario, so no {' or '.join(missing)} bars."
    projects = projects_table(summary)

    def pct(v: float) -> str:
        return f"{v * 100:.1f} %"

    rows = [(r.policy, r.project, format_usd(r.capex_usd_per_mw),
             {"lines": [pct(r.irr_frac_per_year_p50), f"{pct(r.irr_frac_per_year_p5)} \u2026 {pct(r.irr_frac_per_year_p95)}"]},
             {"lines": [f"{r.payback_years_p50:.1f} y", f"{r.payback_years_p5:.1f} \u2026 {r.payback_years_p95:.1f} y"]},
             f"{r.paid_back_frac * 100:.0f} %") for r in projects.itertuples(index=False)]
    return {"note": note, "figure": _figure_json(fig),
            "projects": {"header": ("plan / policy", "project", "capex per MW", "IRR", "payback", "paths paid back"),
                         "rows": rows} if rows else None,
            "projects_note": ("Monthly net cash flows (revenue - opex - capex) of each project on the stored paths; IRR "
                              "per year and payback from the conversion day, median with p5\u2026p95.")}


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
                       "probability": {p: _plain(curves[i]) for i, p in enumerate(policies)}},
    }
