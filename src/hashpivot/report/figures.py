"""Plotly figures of a ``SimResult`` for interactive use (the dashboard, notebooks).

They draw numbers computed elsewhere: fan quantiles from :func:`hashpivot.analysis.fan.fan_quantiles`
and margins from the result's tidy summary; nothing here is a computation a test would need to check.
Plotly is imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hashpivot.analysis.fan import fan_quantiles

#: Plotly's default qualitative palette (as in the HTML report): a policy keeps its colour everywhere.
PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880",
           "#ff97ff", "#fecb52")
#: Segments whose margin per MW-day a result may hold (``<segment>_margin_usd_per_mw_day``), with labels.
MARGIN_SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("mining", "mining", "#1f3b73"),
    ("colocation_lease", "colocation lease", "#8e44ad"),
    ("site_lease", "site lease", "#16a085"),
    ("gpu_cloud", "GPU cloud", "#e67e22"),
)
FAN_COLUMNS = 4
#: Colour of the p5-p95 error bars on the margin bars: a mid grey that shows on the dark bars and on the white
#: page alike (plotly's default #444 vanished inside a navy bar).
ERROR_BAR_COLOR = "#9aa3b5"
#: The insolvency chart's y axis spans at least 0 to this: a curve of 0.3 % is then seen as the small share it is,
#: not as a wall filling the chart. [%]
INSOLVENCY_AXIS_MIN_PCT = 5.0
#: The win-rate heatmap's least height, so that two or three policies' labels and cells do not overlap. [px]
WIN_RATE_MIN_HEIGHT_PX = 320


def color(i: int) -> str:
    """Colour of the ``i``-th policy."""
    return PALETTE[i % len(PALETTE)]


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _plain(values, scale: float = 1.0) -> list[float | None]:
    arr = np.asarray(values, dtype=np.float64) * scale
    return [float(v) if math.isfinite(v) else None for v in arr]


#: Longest line of a small multiple's title: a panel of a four-wide grid in an 800-pixel window holds about this
#: many characters of plotly's 11-12 px title font before it runs into its neighbour's. [characters]
PANEL_TITLE_CHARS = 16


def panel_title(name: str, width: int = PANEL_TITLE_CHARS) -> str:
    """A panel's title broken into lines of at most ``width`` characters at its underscores, slashes or spaces
    (a word longer than that stays whole), lines joined by plotly's ``<br>``. [text]

    >>> panel_title("sell_above_halving_average"), panel_title("sell_all")
    ('sell_above_<br>halving_average', 'sell_all')
    >>> panel_title("lease_200mw / sell_above_average")
    'lease_200mw /<br>sell_above_<br>average'
    """
    import re

    lines, line = [], ""
    for piece in re.findall(r"[^_/ ]+[_/ ]*", name):
        if line and len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    return "<br>".join([*lines, line.rstrip()]) if line else "<br>".join(lines)


def fan_figure(result, variable: str, unit: str, *, scale: float = 1.0, title: str = ""):
    """Small multiples, one panel per policy: median line, p25-p75 and p5-p95 bands of the monthly
    series ``monthly_<variable>`` over the stored paths (e.g. ``nav_usd``, ``btc_held``)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ds = result.dataset
    policies = result.policies
    dates = [f"{pd.Timestamp(d):%Y-%m-%d}" for d in ds["date"].values]
    monthly = ds[f"monthly_{variable}"].values
    n = len(policies)
    cols = min(n, FAN_COLUMNS)
    rows = math.ceil(n / cols)
    titles = [panel_title(p) for p in policies]
    title_px = 15 * max(t.count("<br>") + 1 for t in titles)  # the first row's titles, above the plot
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, shared_xaxes="all",
                        shared_yaxes="all", horizontal_spacing=0.04,
                        vertical_spacing=(0.25 + 0.06 * (title_px // 15 - 1)) / rows + 0.04)
    fans = [fan_quantiles(monthly[i], index=dates) for i in range(n)]
    for i, (policy, fan) in enumerate(zip(policies, fans, strict=True)):
        where = {"row": i // cols + 1, "col": i % cols + 1}
        c = color(i)
        for lo, hi, alpha in (("p5", "p95", 0.15), ("p25", "p75", 0.35)):
            fig.add_trace(_line(dates, fan[lo], scale, f"{policy} {lo}"), **where)
            fig.add_trace(_line(dates, fan[hi], scale, f"{policy} {hi}", fill=_rgba(c, alpha)), **where)
        fig.add_trace(go.Scatter(
            x=dates, y=_plain(fan["p50"], scale), mode="lines", line={"color": c, "width": 2}, name=policy,
            hovertemplate=f"{policy} %{{x}}: median %{{y:,.4g}} {unit}<extra></extra>",
        ), **where)
    inner = _inner_range(fans, scale)
    fig.update_layout(template="plotly_white", height=230 * rows + 90, showlegend=False, title=title or None,
                      margin={"l": 60, "r": 10, "t": (45 if title else 25) + title_px, "b": 30})
    if inner is not None:  # open on the inner band: a long right tail can dwarf the median
        fig.update_layout(yaxis={"range": inner, "autorange": False})
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text=unit, row=r, col=1)
    fig.update_annotations(font_size=11)
    return fig


def _line(x, values, scale, name, fill: str | None = None):
    import plotly.graph_objects as go

    extra = {"fill": "tonexty", "fillcolor": fill} if fill else {}
    return go.Scatter(x=x, y=_plain(values, scale), mode="lines", line={"width": 0}, hoverinfo="skip",
                      showlegend=False, name=name, **extra)


def _inner_range(fans: Sequence[pd.DataFrame], scale: float) -> list[float] | None:
    lows = [np.nanmin(f["p25"].to_numpy()) for f in fans if f["p25"].notna().any()]
    highs = [np.nanmax(f["p75"].to_numpy()) for f in fans if f["p75"].notna().any()]
    if not lows or not highs:
        return None
    lo, hi = float(min(lows)) * scale, float(max(highs)) * scale
    pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
    return [min(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad]


def add_fan(fig, fan: pd.DataFrame, name: str, color: str, unit: str, scale: float, row=None, col=None) -> None:
    """Bands p5-p95 and p25-p75 (filled between two lines) and the median line, for one fan (``fan``: the columns of
    :func:`hashpivot.analysis.fan.fan_quantiles`), hover values by :mod:`hashpivot.format` in ``unit``."""
    import html

    import plotly.graph_objects as go

    from hashpivot.format import fmt_number, fmt_usd

    x = [str(d) for d in fan.index]
    where = {"row": row, "col": col} if row is not None else {}
    for lo, hi, alpha in (("p5", "p95", 0.15), ("p25", "p75", 0.32)):
        fig.add_trace(go.Scatter(x=x, y=_plain(fan[lo], scale), mode="lines", line={"width": 0},
                                 legendgroup=name, showlegend=False, hoverinfo="skip",
                                 name=f"{name} {lo}"), **where)
        fig.add_trace(go.Scatter(x=x, y=_plain(fan[hi], scale), mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor=_rgba(color, alpha), legendgroup=name,
                                 showlegend=False, hoverinfo="skip", name=f"{name} {hi}"), **where)
    fmt = fmt_usd if unit == "USD" else fmt_number
    custom = [
        [fmt(a) for a in (fan.at[d, "p5"] * scale, fan.at[d, "p25"] * scale, fan.at[d, "p75"] * scale,
                          fan.at[d, "p95"] * scale, fan.at[d, "p50"] * scale)]
        for d in fan.index
    ]
    fig.add_trace(go.Scatter(
        x=x, y=_plain(fan["p50"], scale), mode="lines", line={"color": color, "width": 2},
        name=name, legendgroup=name, customdata=custom,
        hovertemplate=(f"<b>{html.escape(name)}</b> %{{x}}<br>median %{{customdata[4]}} {unit}<br>"
                       "p25-p75: %{customdata[1]} - %{customdata[2]}<br>"
                       "p5-p95: %{customdata[0]} - %{customdata[3]}<extra></extra>"),
    ), **where)


#: Panels of :func:`market_figure`: monthly variable, trace name, panel title, unit, colour.
MARKET_PANELS = (
    ("monthly_hashprice_usd_per_th_day", "hashprice", "Hashprice, monthly mean [USD/(TH/s)/day]", "USD/(TH/s)/day",
     "#e67e22"),
    ("monthly_btc_price_usd", "BTC price", "BTC price at month end [USD]", "USD", "#1f3b73"),
    ("monthly_network_hashrate_ehs", "network hashrate", "Network hashrate at month end [EH/s]", "EH/s", "#16a085"),
)


def market_figure(ds, dates: Sequence[str]):
    """The market every policy faces: fans (median, p25-p75, p5-p95 over the stored paths) of the monthly hashprice,
    BTC price and network hashrate (:data:`MARKET_PANELS`), log scale; the report's and the dashboard's chart."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(MARKET_PANELS), subplot_titles=[p[2] for p in MARKET_PANELS],
                        horizontal_spacing=0.07)
    for j, (var, name, _title, unit, c) in enumerate(MARKET_PANELS):
        fan = fan_quantiles(ds[var].values, index=dates)
        add_fan(fig, fan, name, c, unit, 1.0, row=1, col=j + 1)
        fig.update_yaxes(type="log", row=1, col=j + 1)
    fig.update_layout(template="plotly_white", height=420, showlegend=False,
                      margin={"l": 60, "r": 20, "t": 50, "b": 40})
    fig.update_annotations(font_size=12)
    return fig


def segment_margins(summary: pd.DataFrame) -> pd.DataFrame:
    """Margin per MW-day by policy and segment under the one definition (:func:`hashpivot.analysis.per_mw.run_margins`):
    columns policy, segment, p5, p50 (the median), p95 [USD/MW-day]; segments without such capacity left out."""
    from hashpivot.analysis.per_mw import run_margins

    table = run_margins(summary).rename(columns={"usd_per_mw_day": "p50"})
    return table[["policy", "segment", "p5", "p50", "p95"]]


def margin_figure(summary: pd.DataFrame):
    """Grouped bars: median margin per MW-day of each segment for each policy of a run's tidy ``summary``, p5-p95
    error bars, each median written on its bar (a GPU cloud's 15,000 USD/MW-day leaves mining's 300 a sliver;
    its figure still reads); the report's and the dashboard's chart. Segments without capacity have no bars."""
    import plotly.graph_objects as go

    from hashpivot.format import fmt_usd

    table = segment_margins(summary)
    fig = go.Figure()
    for segment, label, c in MARGIN_SEGMENTS:
        sub = table[table["segment"] == segment]
        if sub.empty:
            continue
        fig.add_trace(go.Bar(
            x=list(sub["policy"]), y=_plain(sub["p50"]), name=label, marker_color=c,
            text=[fmt_usd(v) for v in sub["p50"]], textposition="outside", textangle=0, textfont={"size": 10},
            cliponaxis=False,
            error_y={"type": "data", "symmetric": False, "array": _plain(sub["p95"] - sub["p50"]),
                     "arrayminus": _plain(sub["p50"] - sub["p5"]), "thickness": 1.5, "width": 5,
                     "color": ERROR_BAR_COLOR},
            customdata=[[fmt_usd(a), fmt_usd(b)] for a, b in zip(sub["p5"], sub["p95"], strict=True)],
            hovertemplate=(f"<b>%{{x}}</b> {label}: median %{{y:,.0f}} USD/MW-day<br>"
                           "p5-p95: %{customdata[0]} - %{customdata[1]}<extra></extra>"),
        ))
    fig.update_layout(template="plotly_white", height=430, barmode="group",
                      yaxis={"title": {"text": "margin [USD/MW-day]"}, "zeroline": True},
                      xaxis={"tickangle": -30}, margin={"l": 70, "r": 20, "t": 30, "b": 120},
                      legend={"orientation": "h", "y": 1.1})
    return fig


def insolvency_figure(curves: np.ndarray, policies: Sequence[str], dates: Sequence[str]):
    """Share of paths insolvent by each month end, a line per policy (``curves``: policy x month, from
    :func:`hashpivot.analysis.fan.insolvency_curve`) [%], on a y axis from 0 to at least
    :data:`INSOLVENCY_AXIS_MIN_PCT`; the report's and the dashboard's chart."""
    import html

    import plotly.graph_objects as go

    fig = go.Figure()
    for i, policy in enumerate(policies):
        fig.add_trace(go.Scatter(
            x=list(dates), y=_plain(curves[i], 100.0), mode="lines", name=policy,
            line={"color": color(i), "width": 2},
            hovertemplate=f"<b>{html.escape(policy)}</b> %{{x}}: %{{y:.1f}} %<extra></extra>",
        ))
    finite = np.asarray(curves, dtype=np.float64) * 100.0
    top = float(np.nanmax(finite)) if np.isfinite(finite).any() else 0.0
    # at least 0-5 %: a 0.3 % curve on an axis of its own height would look like a wall
    y_range = [0.0, max(INSOLVENCY_AXIS_MIN_PCT, 1.08 * top)]
    fig.update_layout(template="plotly_white", height=500, yaxis={"title": {"text": "paths insolvent [%]"},
                      "range": y_range, "autorange": False}, margin={"l": 60, "r": 20, "t": 30, "b": 40},
                      legend={"orientation": "h", "x": 0.0, "y": -0.1, "yanchor": "top"}, hovermode="x unified")
    return fig


def win_rate_figure(win_rate: pd.DataFrame, policies: Sequence[str]):
    """The paired win-rate matrix as a heatmap (row policy beats column policy on that share of paths)."""
    import plotly.graph_objects as go

    matrix = win_rate.reindex(index=list(policies), columns=list(policies)).to_numpy(dtype=np.float64)
    z = [[float(v) if math.isfinite(v) else None for v in row] for row in matrix]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(policies), y=list(policies), zmin=0.0, zmax=1.0, zmid=0.5, colorscale="RdBu",
        texttemplate="%{z:.0%}", textfont={"size": 11}, colorbar={"title": {"text": "win rate"},
                                                                   "tickformat": ".0%"},
        hovertemplate="%{y} beats %{x} on %{z:.1%} of paths<extra></extra>", hoverongaps=False,
    ))
    height = max(WIN_RATE_MIN_HEIGHT_PX, 120 + 46 * len(policies))
    fig.update_layout(template="plotly_white", height=height, width=None,
                      yaxis={"autorange": "reversed", "title": {"text": "policy (row)"}},
                      xaxis={"title": {"text": "versus (column)"}, "tickangle": -30},
                      margin={"l": 200, "r": 20, "t": 20, "b": 140})
    return fig


def hashprice_history_figure(history: pd.DataFrame, attribution: str):
    """Daily hashprice of the chain table [USD/PH/day] on a log axis, its 30-day mean, and a line at each halving
    the table holds (:func:`hashpivot.analysis.hashprice.find_halvings`), with the data attribution."""
    import plotly.graph_objects as go

    from hashpivot.analysis.hashprice import find_halvings

    x = [f"{d:%Y-%m-%d}" for d in history.index]
    daily = history["hashprice_usd_per_th_day"] * 1_000.0  # 1 PH/s = 1,000 TH/s
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=_plain(daily), mode="lines", name="daily", line={"color": "#9db4d3", "width": 1}))
    fig.add_trace(go.Scatter(x=x, y=_plain(daily.rolling(30, min_periods=30).mean()), mode="lines",
                             name="30-day mean", line={"color": "#1f3b73", "width": 2}))
    for h in find_halvings(history):
        fig.add_vline(x=f"{h.date:%Y-%m-%d}", line={"color": "#c0392b", "dash": "dot"},
                      annotation_text=f"halving {h.n}", annotation_position="top left")
    fig.update_layout(template="plotly_white", height=380, yaxis={"type": "log", "title": {"text": "USD/PH/day"}},
                      margin={"l": 60, "r": 10, "t": 30, "b": 60}, legend={"orientation": "h", "y": 1.08},
                      annotations=[*fig.layout.annotations, {"text": attribution, "xref": "paper", "yref": "paper",
                                                             "x": 0, "y": -0.18, "showarrow": False,
                                                             "font": {"size": 10, "color": "#5a6478"}}])
    return fig


def against_reports_figure(table: pd.DataFrame, title: str = ""):
    """Reported BTC mined per month against what the reported hashrate earns (ours), with the luck band of the
    payout scheme widened by the rounding of the published hashrate (``band_low_btc``, ``band_high_btc``), from a :func:`hashpivot.analysis.against_reports.against_reports` table. [BTC]"""
    import plotly.graph_objects as go

    months = list(table.index)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=months, y=_plain(table["band_high_btc"]), mode="lines", line={"width": 0},
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=months, y=_plain(table["band_low_btc"]), mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=_rgba(PALETTE[0], 0.2), name="90 % luck band, over the hashrate's rounding"))
    fig.add_trace(go.Scatter(x=months, y=_plain(table["ours_btc"]), mode="lines+markers", name="replayed (ours)",
                             line={"color": PALETTE[0]}))
    fig.add_trace(go.Scatter(x=months, y=_plain(table["reported_btc"]), mode="markers", name="reported",
                             marker={"color": PALETTE[1], "size": 9, "symbol": "diamond"}))
    fig.update_layout(title=title or "Reported against replayed production", xaxis_title="month",
                      yaxis_title="BTC mined", template="plotly_white", hovermode="x unified")
    return fig


def against_reports_page(table: pd.DataFrame, summary: dict, title: str) -> str:
    """A complete HTML page (plotly.js inlined) with :func:`against_reports_figure` and the summary. [text]"""
    import html

    fig = against_reports_figure(table, f"Reported against replayed production: {title}")
    facts = "".join(f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in summary.items())
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + html.escape(title) + "</title></head><body>"
            + fig.to_html(full_html=False, include_plotlyjs=True) + "<ul>" + facts + "</ul>"
            + "<p>Source: Coin Metrics Community Data (github.com/coinmetrics/data), CC BY-NC 4.0</p></body></html>")
