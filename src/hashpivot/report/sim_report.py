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
from pydantic import BaseModel

from hashpivot.analysis.fan import FAN_QUANTILES, fan_quantiles, insolvency_curve, summary_table
from hashpivot.analysis.glance import INSOLVENCY_LIMIT_FRAC, NOISE_Z, glance
from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
# One formatter for the report, the CLI and the dashboard; ``format_usd`` keeps the report's old name.
from hashpivot.format import SATS_PER_BTC, fmt_btc, fmt_number, fmt_pct, fmt_sats, html_topic_line, margin_label
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
    the hedge section (``report.hedges``). [text]"""
    from hashpivot.report.growth import growth_section
    from hashpivot.report.hedges import hedge_section

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
    sections = [
        _answer_section(answer),
        _scenario_section(scenario, result, n_paths, n_samples),
        _summary_section(table, n_paths),
        _fan_section("fan-nav", "Net asset value", ds["monthly_nav_usd"].values, policies, dates,
                     unit="USD", scale=1.0, n_samples=n_samples,
                     note="NAV = BTC held x BTC price + cash - debt, at each month end."),
        _fan_section("fan-btc", "BTC held", ds["monthly_btc_held"].values, policies, dates,
                     unit="BTC", scale=1.0, n_samples=n_samples,
                     note="BTC on the balance sheet at each month end."),
        _fan_section("fan-btc-per-share", "BTC per share", ds["monthly_btc_per_share"].values, policies,
                     dates, unit="sats/share", scale=SATS_PER_BTC, n_samples=n_samples,
                     note="BTC held / shares outstanding, in satoshis (1 BTC = 100,000,000 sats); "
                          "share issuance (equity, conversions) dilutes it."),
        _market_section(ds, dates, n_samples),
        _insolvency_section(curves, policies, dates, n_paths, result.summary, insolvency_always_on),
        _win_rate_section(result.win_rate, policies),
        hedge_section(hedges, scenario, _figure_html),
        growth_section(result.addition_returns),
        _margin_section(table, policies, result.summary) + _incremental_table(result.dataset),
        _assumptions_section(result.scenario_toml),
    ]
    data = _data_block(result, scenario, policies, dates, curves, n_paths, n_samples)
    title = f"hashpivot report: {scenario.name}"
    nav = "".join(f'<a href="#{sid}">{_NAV_LABELS[sid]}</a>' for sid in SECTION_IDS)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        "</head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(scenario.description or '')}</p>"
        f"<p>{n_paths:,} paths &middot; seed {result.seed} &middot; hashpivot {html.escape(result.version)}"
        f" &middot; {len(policies)} treasury policies on common random numbers</p></header>\n"
        f"<nav>{nav}</nav>\n<main>\n" + "\n".join(sections) + "\n</main>\n"
        f'<script type="application/json" id="{DATA_SCRIPT_ID}">{_json_for_script(data)}</script>\n'
        f"<script type=\"text/javascript\">{_DRAW_SCRIPT}</script>\n</body>\n</html>\n"
    )


_NAV_LABELS = {
    "answer": "Answer", "scenario": "Scenario", "summary": "Summary", "fan-nav": "NAV", "fan-btc": "BTC held",
    "fan-btc-per-share": "BTC/share", "market": "Market", "insolvency": "Insolvency",
    "win-rate": "Win rate", "margin": "Margins", "assumptions": "Assumptions",
}


# ----------------------------------------------------------------------------------------- formatting



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


def _params_table(model: BaseModel, skip: Sequence[str] = ("kind",)) -> str:
    """Parameter | value | unit | meaning, from the model's fields and their descriptions."""
    rows = []
    for name, field in type(model).model_fields.items():
        if name in skip:
            continue
        value = getattr(model, name)
        meaning, unit = _split_description(field.description)
        shown = "default" if value is None else _num(value)
        rows.append((f"<code>{_esc(name)}</code>", _esc(shown), _esc(unit), _esc(meaning)))
    if not rows:
        return '<p class="note">No parameters.</p>'
    return _table(("parameter", "value", "unit", "meaning"), rows)


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}">\n<h2>{_esc(title)}</h2>\n{body}\n</section>'


def _json_for_script(obj: Any) -> str:
    """JSON text safe inside ``<script>``: ``<``, ``>`` and ``&`` (only ever inside strings) escaped."""
    text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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


def _scenario_section(scenario, result, n_paths: int, n_samples: int) -> str:
    company = scenario.company
    run = scenario.run
    end = run.start_date + timedelta(days=run.horizon_days)
    total_ehs = sum(f.hashrate_ehs for f in company.fleets)
    mean_j_per_th = company.mining_mw / total_ehs
    sites_mw = sum(s.power_mw for s in company.sites)
    parts = [
        f"<p><b>{_esc(company.name)}</b> runs {len(company.fleets)} fleet(s), {total_ehs:,.1f} EH/s at "
        f"{mean_j_per_th:.1f} J/TH on average, drawing {company.mining_mw:,.1f} MW at full uptime, on "
        f"{len(company.sites)} site(s) with {sites_mw:,.0f} MW of grid capacity. It starts with "
        f"{company.btc_held:,.0f} BTC, {format_usd(company.cash_usd)} USD of cash, "
        f"{format_usd(company.debt_usd)} USD of debt at {company.debt_rate_per_year * 100:.2f} %/year, "
        f"{company.shares_outstanding:,.0f} shares and {format_usd(company.fixed_opex_usd_per_day)} USD/day "
        f"of fixed overheads.</p>",
        f"<p>Horizon: {run.horizon_days:,} days ({run.horizon_days / 365:.1f} years) from "
        f"{run.start_date:%Y-%m-%d} (block height {run.start_height:,}) to {end:%Y-%m-%d}; "
        f"{n_paths:,} Monte Carlo paths (monthly series kept for {n_samples:,}), seed {run.seed}, "
        f"hashpivot {_esc(result.version)}.</p>",
        "<h3>Sites</h3>",
        _table(("site", "grid capacity [MW]", "power price [USD/MWh]", "fleets' draw [MW]"), [
            (_esc(s.name), f"{s.power_mw:,.1f}", f"{s.power_price_usd_per_mwh:,.2f}",
             f"{sum(f.power_mw for f in company.fleets if f.site == s.name):,.1f}")
            for s in company.sites
        ], num_from=1),
        "<h3>Fleets</h3>",
        _table(("fleet", "site", "hashrate [EH/s]", "efficiency [J/TH]", "power [MW]", "uptime", "pool fee"), [
            (_esc(f.name), _esc(f.site), f"{f.hashrate_ehs:,.2f}", f"{f.efficiency_j_per_th:.1f}",
             f"{f.power_mw:,.1f}", fmt_pct(f.uptime_frac), fmt_pct(f.pool_fee_frac))
            for f in company.fleets
        ], num_from=2),
        "<h3>Market processes</h3>",
    ]
    market = scenario.market
    for name, title in (("btc_price", "BTC price"), ("network_hashrate", "Network hashrate"),
                        ("fees", "Transaction fees"), ("power_price", "Power price index"),
                        ("difficulty", "Difficulty on day 0")):
        process = getattr(market, name)
        kind = getattr(process, "kind", None)
        label = f"{title}: <code>{_esc(kind)}</code>" if kind else title
        parts.append(f"<p><b>{label}</b></p>" + _params_table(process))
    parts.append(f'<p class="note">Halvings applied at most: {market.n_halvings_max}.</p>')
    parts.append("<h3>Policies</h3>")
    capacity = scenario.policy.capacity
    parts.append(f"<p><b>Capacity: <code>{_esc(capacity.kind)}</code></b></p>"
                 + _params_table(capacity, skip=("kind", "name")))
    treasury = scenario.treasury_policies()
    rows = []
    for i, pol in enumerate(treasury):
        params = [f"{k} = {_num(v)}" for k, v in _fields(pol) if k not in ("kind", "name")]
        role = "main" if i == 0 else "compared"
        rows.append((f'<span class="swatch" style="background:{_color(i)}"></span>{_esc(pol.label)}',
                     f"<code>{_esc(pol.kind)}</code>", role, _esc("; ".join(params))))
    parts.append(_table(("treasury policy", "kind", "role", "parameters"), rows))
    return _section("scenario", "Scenario", "\n".join(parts))


def _answer_section(answer) -> str:
    """What a CFO reads first: the sentences of :meth:`hashpivot.analysis.glance.Glance.lines`."""
    items = "".join(f"<li>{html_topic_line(line)}</li>" for line in answer.lines())
    note = ("What a MW earns is the median over paths of each path's margin over the horizon per MW-day (revenue "
            "less power for mining, less the segment's own opex for AI), before overheads; per MW-year is x 365. "
            "The best policy is the one, among those within the insolvency limit, that most often ends with the "
            "higher NAV per share on the same random paths; 'within noise' means its lead over the runner-up is "
            f"under {NOISE_Z:g} standard errors of a paired sign test. What it hangs on is read from the stored "
            "paths of this run.")
    return _section("answer", "The answer at a glance", f'<ul class="answer">{items}</ul><p class="note">{note}</p>')


def _summary_section(table: pd.DataFrame, n_paths: int) -> str:
    def cell(policy: str, metric: str, fmt) -> str:
        p50, p5, p95 = (table.at[policy, f"{metric}_{s}"] for s in ("p50", "p5", "p95"))
        return f'{_esc(fmt(p50))}<span class="range">{_esc(fmt(p5))} &hellip; {_esc(fmt(p95))}</span>'

    rows = []
    for i, policy in enumerate(table.index):
        rows.append((
            f'<span class="swatch" style="background:{_color(i)}"></span>{_esc(policy)}',
            cell(policy, "nav_usd", format_usd),
            cell(policy, "btc_held", fmt_btc),
            cell(policy, "btc_per_share", fmt_sats),
            cell(policy, "btc_yield_frac", lambda v: fmt_pct(v, signed=True)),
            _esc(fmt_pct(table.at[policy, "insolvency_probability"])),
            _esc(format_usd(table.at[policy, "nav_usd_cvar5"])),
            cell(policy, "mining_margin_usd_per_mw_day", fmt_number),
            cell(policy, "ai_margin_usd_per_mw_day", fmt_number),
        ))
    header = ("policy", "terminal NAV [USD]", "BTC held [BTC]", "BTC per share [sats]", "BTC yield",
              "P(insolvency)", "CVaR 5 % of NAV [USD]", margin_label("mining"), margin_label("AI"))
    body = (
        f'<p class="note">At the end of the horizon, over all {n_paths:,} paths: median, with p5 &hellip; p95 '
        "below. BTC yield is the change of BTC per share since day 0. P(insolvency) is the share of paths on "
        "which the company ran out of cash and BTC. CVaR 5 % is the mean NAV of the worst 5 % of paths. "
        "Margins are (revenue - power) per MW-day of mining over the horizon and the AI project's net per "
        "MW-day (n/a: no such capacity).</p>"
        + _table(header, rows, cls="summary", num_from=1)
    )
    return _section("summary", "Summary by policy", body)


def _fan_section(sid: str, title: str, monthly: np.ndarray, policies: Sequence[str], dates: Sequence[str],
                 unit: str, scale: float, n_samples: int, note: str) -> str:
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
    body = (
        _no_samples_note(n_samples)
        + f'<p class="note">{_esc(note)} Median line; dark band p25&ndash;p75, light band p5&ndash;p95, over the '
        f"{n_samples:,} paths whose monthly series are stored. One panel per policy, same y axis.</p>"
        + _figure_html(fig, f"fig-{sid}")
    )
    return _section(sid, f"{title} over time", body)


def _axis_range(fans: Sequence[pd.DataFrame], columns: tuple[str, str], scale: float) -> list[float] | None:
    """A y range holding the ``columns`` band of every fan with some margin; None if nothing is finite."""
    lo = min((np.nanmin(f[columns[0]].to_numpy()) for f in fans if f[columns[0]].notna().any()), default=None)
    hi = max((np.nanmax(f[columns[1]].to_numpy()) for f in fans if f[columns[1]].notna().any()), default=None)
    if lo is None or hi is None:
        return None
    lo, hi = float(lo) * scale, float(hi) * scale
    pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    return [min(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad]


def _no_samples_note(n_samples: int) -> str:
    if n_samples > 0:
        return ""
    return ('<p class="note"><b>No monthly series were stored (<code>run.store_paths = 0</code>), so this '
            "chart is empty; rerun with store_paths &gt; 0 to draw it.</b></p>")


def _market_section(ds, dates: Sequence[str], n_samples: int) -> str:
    from hashpivot.report.figures import market_figure

    fig = market_figure(ds, dates)
    body = (
        _no_samples_note(n_samples)
        + f'<p class="note">The market every policy faces (common random numbers), over the {n_samples:,} stored '
        "paths; log scale. Hashprice is what one TH/s earns per day, averaged over each month; it falls by "
        "about half at each halving and as the network grows.</p>" + _figure_html(fig, "fig-market")
    )
    return _section("market", "Market: hashprice, BTC price and network hashrate", body)


def _insolvency_section(curves: np.ndarray, policies: Sequence[str], dates: Sequence[str], n_paths: int,
                        summary: pd.DataFrame, always_on: dict[str, float] | None) -> str:
    from hashpivot.report.figures import insolvency_figure

    fig = insolvency_figure(curves, policies, dates)
    body = (
        f'<p class="note">Share of all {n_paths:,} paths on which the company is insolvent by each month end '
        "(cash negative and no BTC left to sell; it stops operating). Exact, from each path's insolvency day."
        "</p>" + _figure_html(fig, "fig-insolvency")
    )
    if always_on:
        rows = summary[(summary["metric"] == "insolvency") & (summary["stat"] == "probability")]
        mean = summary[summary["stat"] == "mean"].set_index(["policy", "metric"])["value"]
        cells = [(_esc(p), _esc(fmt_pct(v)), _esc(fmt_pct(always_on[p])),
                  _esc(format_usd(mean.get((p, "shutdown_saved_usd"), np.nan)) + " USD"),
                  _esc(fmt_btc(mean.get((p, "shutdown_forgone_btc"), np.nan))))
                 for p, v in zip(rows["policy"], rows["value"], strict=True) if p in always_on]
        body += (
            '<h3 id="shutdown-vs-always-on">Economic shutdown against machines always on</h3>'
            '<p class="note">This run switches machines off on the days (or hours) when power costs more than they '
            "earn, as operators do (docs/assumptions.md); beside it, the same plans and policies on the same random "
            "numbers with every machine running every day, the assumption before economic shutdown became the "
            "default. Switching off saves the power (mean per path over the run) and gives up the BTC those "
            "hours would have mined.</p>"
            + _table(("policy", "P(insolvency), economic shutdown", "machines always on", "power saved, mean",
                      "BTC not mined, mean"), cells, num_from=1)
        )
    return _section("insolvency", "Probability of insolvency over time", body)


def _win_rate_section(win_rate: pd.DataFrame, policies: Sequence[str]) -> str:
    from hashpivot.report.figures import win_rate_figure

    fig = win_rate_figure(win_rate, policies)
    body = (
        '<p class="note">Share of paths on which the row policy ends with a higher NAV per share than the '
        "column policy, on the same random numbers. Blue: the row policy usually wins.</p>"
        + _figure_html(fig, "fig-win-rate")
    )
    return _section("win-rate", "Paired win rate (terminal NAV per share)", body)


def _margin_section(table: pd.DataFrame, policies: Sequence[str], summary: pd.DataFrame) -> str:
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
    note = (
        "Median over all paths of each segment's margin over the horizon, per MW-day it ran; error bars "
        "p5&ndash;p95. Mining: (mining revenue + demand response - power cost) / mining MW-days (before "
        "overheads). AI segments: (revenue - their opex, power included for GPU clouds) / the grid MW-days "
        "they earned (tenant downtime included)."
    )
    if missing:
        note += f" No {' or '.join(missing)} capacity in this scenario, so no {' or '.join(missing)} bars."
    body = f'<p class="note">{note}</p>' + _figure_html(fig, "fig-margin") + _projects_table(summary)
    return _section("margin", "Margin per MW-day by segment", body)


def _projects_table(summary: pd.DataFrame) -> str:
    """Per AI project: capex per MW, IRR and payback (median with p5..p95), from the summary rows."""
    rows = summary[summary["metric"].str.contains(".", regex=False)]
    if rows.empty:
        return ""
    value = rows.set_index(["policy", "metric", "stat"])["value"]
    lines = []
    for policy, metric in dict.fromkeys(zip(rows["policy"], rows["metric"], strict=True)):
        if not metric.endswith(".capex_usd_per_mw"):
            continue
        name = metric.removesuffix(".capex_usd_per_mw")

        def get(m, st, _p=policy, _n=name):
            return value.get((_p, f"{_n}.{m}", st), float("nan"))

        lines.append(
            f"<tr><td>{html.escape(policy)}</td><td>{html.escape(name)}</td>"
            f"<td>{format_usd(get('capex_usd_per_mw', 'value'))}</td>"
            f"<td>{get('irr_frac_per_year', 'p50') * 100:.1f} %<br><small>{get('irr_frac_per_year', 'p5') * 100:.1f}"
            f" &hellip; {get('irr_frac_per_year', 'p95') * 100:.1f} %</small></td>"
            f"<td>{get('payback_years', 'p50'):.1f} y<br><small>{get('payback_years', 'p5'):.1f} &hellip; "
            f"{get('payback_years', 'p95'):.1f} y</small></td>"
            f"<td>{get('payback_years', 'paid_back_share') * 100:.0f} %</td></tr>"
        )
    return (
        "<h3>AI projects</h3><p class=\"note\">Monthly net cash flows (revenue - opex - capex) of each project on "
        "the stored paths; IRR per year and payback from the conversion day, median with p5&hellip;p95.</p>"
        "<table><tr><th>plan / policy</th><th>project</th><th>capex per MW</th><th>IRR</th><th>payback</th>"
        "<th>paths paid back</th></tr>" + "".join(lines) + "</table>"
    )


def _incremental_table(ds) -> str:
    """Each conversion plan against all-mining under the same treasury policy (``analysis.incremental``): IRR and
    payback of the incremental cash flows, median with p5..p95, and their undiscounted sum; empty without a pair."""
    from hashpivot.analysis.incremental import incremental_returns

    table = incremental_returns(ds)
    if table.empty:
        return ""
    lines = []
    for policy, rows in table.groupby("policy", sort=False):
        r = rows.set_index("stat")

        def span(col: str, fmt) -> str:
            return (f"{_esc(fmt(r.at['p50', col]))}<br><small>{_esc(fmt(r.at['p5', col]))} &hellip; "
                    f"{_esc(fmt(r.at['p95', col]))}</small>")

        lines.append(
            f"<tr><td>{_esc(policy)}</td><td>{_esc(str(r.at['p50', 'baseline']))}</td>"
            f"<td>{span('irr_frac_per_year', fmt_pct)}</td>"
            f"<td>{span('payback_years', lambda v: f'{v:.1f} y' if np.isfinite(v) else 'never')}</td>"
            f"<td>{_esc(fmt_pct(r.at['defined_share', 'payback_years']))}</td>"
            f"<td>{span('net_usd', lambda v: format_usd(v) + ' USD')}</td></tr>"
        )
    return (
        "<h3 id=\"incremental\">Converting against mining on the same paths</h3><p class=\"note\">The plan's monthly "
        "operating cash (mining revenue and power, AI revenue and opex, capex) less the all-mining plan's under the "
        "same treasury policy, on each stored path, plus at the horizon the difference of what their contracts still "
        "pay: the project's return net of the mining margin its megawatts give up (a project's own IRR above "
        "counts them as earning nothing before). Overheads cancel; financing flows are left out.</p>"
        "<table><tr><th>plan / policy</th><th>against</th><th>IRR</th><th>payback</th><th>paths paid back</th>"
        "<th>sum of the difference</th></tr>" + "".join(lines) + "</table>"
    )


def _assumptions_section(scenario_toml: str) -> str:
    body = (
        '<p class="note">The scenario exactly as stored with the result (the validated TOML that '
        "reproduces this run with the same seed and version). Comments are not kept here: the preset files "
        "(<code>src/hashpivot/scenarios/presets/*.toml</code>) carry a <code># source:</code> comment on "
        "every fact, and <code>docs/assumptions.md</code> explains each default.</p>"
        f'<p class="note">Market inputs drawn from the chain history (the presets\' prices, hashrate, fees and '
        f"volatilities; bootstrap and calibrated markets): {html.escape(CHAIN_TABLE_ATTRIBUTION)}.</p>"
        f"<pre>{html.escape(scenario_toml)}</pre>"
    )
    return _section("assumptions", "Assumptions: the scenario TOML", body)


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
