"""The calibration page: fitted parameters with standard errors and the two figures of the fit.

Draws numbers computed by :mod:`hashpivot.analysis.calibrate` (a ``Calibration``); computes nothing a
test would need to check. The HTML inlines plotly.js so it opens offline. Plotly is imported inside
the functions.
"""

from __future__ import annotations

import html
import math

import numpy as np

#: Ids of the figures' containers in the page (stable, for tests and links).
QQ_FIGURE_ID = "qq-returns"
HASHRATE_FIGURE_ID = "hashrate-response"


def qq_figure(cal):
    """Normal QQ plot of standardized daily log returns, with the 45-degree line of the GBM's normal."""
    import plotly.graph_objects as go

    qq = cal.qq
    lim = float(np.nanmax(np.abs(qq[["normal_quantile", "standardized_return"]].to_numpy())))
    fig = go.Figure()
    fig.add_trace(go.Scattergl(
        x=_plain(qq["normal_quantile"]), y=_plain(qq["standardized_return"]), mode="markers",
        name="daily log returns", marker={"size": 4, "color": "#1f3b73", "opacity": 0.6},
        hovertemplate="normal %{x:.2f}<br>return %{y:.2f} sd<extra></extra>",
    ))
    fig.add_trace(go.Scatter(x=[-lim, lim], y=[-lim, lim], mode="lines", name="normal (GBM)",
                             line={"color": "#e74c3c", "dash": "dash"}))
    g = cal.gbm
    fig.update_layout(
        title=(f"QQ plot of standardized daily log returns, {cal.since:%Y-%m-%d}..{cal.end:%Y-%m-%d} "
               f"(skewness {g.skewness:.2f}, excess kurtosis {g.excess_kurtosis:.1f})"),
        xaxis_title="normal quantile [sd]", yaxis_title="standardized log return [sd]",
        template="plotly_white", height=520, legend={"x": 0.02, "y": 0.98},
    )
    return fig


def hashrate_figure(cal):
    """Growth of the 14-day mean hashrate against the lagged log margin of the median machine, with
    the fitted line (intercept + response x max(0, margin))."""
    import plotly.graph_objects as go

    h = cal.hashrate
    pts = h.points
    x = pts["log_margin"].to_numpy(dtype=np.float64)
    lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
    grid = np.unique(np.concatenate([np.linspace(lo, hi, 50), [0.0] if lo < 0 < hi else []]))
    # the line the market draws from: the slope held at 0 where its estimate is negative
    line = h.response_intercept_model_per_day + max(h.response_per_day, 0.0) * np.maximum(grid, 0.0)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=_plain(x), y=_plain(pts["growth_per_day"] * 100.0), mode="markers", name=f"{h.block_days}-day blocks",
        text=[f"{d:%Y-%m-%d}" for d in pts["date"]], marker={"size": 6, "color": "#16a085", "opacity": 0.7},
        hovertemplate="%{text}<br>log margin %{x:.2f}<br>growth %{y:.3f} %/day<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=_plain(grid), y=_plain(line * 100.0), mode="lines", name="model (slope >= 0)",
        line={"color": "#e67e22", "width": 3},
    ))
    fig.update_layout(
        title=(f"Hashrate growth vs hashprice {h.lag_days} days earlier over the median machine's power cost "
               f"(response {h.response_per_day:.2g} +/- {h.response_se_per_day:.2g} /day, "
               f"R^2 {h.response_r_squared:.2f})"),
        xaxis_title=f"ln(hashprice {h.lag_days} d before / power cost of the median machine)",
        yaxis_title="growth of the 14-day mean hashrate [%/day]",
        template="plotly_white", height=520, legend={"x": 0.02, "y": 0.98},
    )
    return fig


def calibration_html(cal, data_label: str, attribution: str) -> str:
    """Self-contained HTML page: parameter table, notes, QQ plot and hashrate response figure."""
    qq = qq_figure(cal).to_html(full_html=False, include_plotlyjs=True, div_id=QQ_FIGURE_ID)
    hr = hashrate_figure(cal).to_html(full_html=False, include_plotlyjs=False, div_id=HASHRATE_FIGURE_ID)
    rows = []
    for row in cal.table.itertuples(index=False):
        rows.append(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (row.process, row.parameter))
            + "".join(f"<td class='num'>{_num(v)}</td>" for v in (row.estimate, row.std_error, row.std_error_robust))
            + f"<td>{html.escape(row.unit)}</td><td>{html.escape(row.method)}</td></tr>"
        )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in cal.notes)
    title = f"Calibration on {data_label}, {cal.since:%Y-%m-%d}..{cal.end:%Y-%m-%d}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.attribution {{ color: #666; font-size: 0.85em; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{cal.n_days:,} days. Written to market.toml: price <b>{html.escape(cal.price_kind)}</b>, network hashrate
<b>{html.escape(cal.hashrate_kind)}</b>, lognormal fees. Standard errors are asymptotic under each model;
robust ones come from a circular block bootstrap (fat tails, serial dependence).</p>
<table><thead><tr><th>process</th><th>parameter</th><th>estimate</th><th>SE</th><th>robust SE</th>
<th>unit</th><th>method</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table>
{f'<h3>Notes</h3><ul>{notes}</ul>' if notes else ''}
<h2>Price: daily log returns against the normal</h2>
{qq}
<h2>Network hashrate: growth against lagged margin</h2>
{hr}
<p class="attribution">{html.escape(attribution)}</p>
</body></html>
"""


def _num(value: float) -> str:
    from hashpivot.format import fmt_number

    return fmt_number(value)


def _plain(values) -> list[float | None]:
    arr = np.asarray(values, dtype=np.float64)
    return [float(v) if math.isfinite(v) else None for v in arr]
