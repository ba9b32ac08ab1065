"""Charts of daily hashprice with the halvings marked: a self-contained plotly HTML and a PNG.

The chart draws what it is given (a daily series, its trailing mean, the halving days); it computes
nothing a test would need to check (those numbers come from :mod:`hashpivot.analysis.hashprice`).
The HTML inlines plotly.js (``include_plotlyjs=True``) so it opens offline; the PNG is drawn with
matplotlib's Agg canvas (no display, no kaleido). Both show the data attribution. Files are written
atomically through :func:`hashpivot.io.write_bytes_atomic`.
"""

from __future__ import annotations

import html
import io as _bytes_io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hashpivot.analysis.hashprice import Halving, HalvingWindow

HTML_NAME = "hashprice.html"
PNG_NAME = "hashprice.png"
TITLE = "Bitcoin hashprice, daily (USD per TH/s per day)"
Y_LABEL = "hashprice [USD/(TH/s)/day], log scale"
DAILY_NAME = "daily hashprice"
HALVING_COLOR = "#c0392b"
DAILY_COLOR = "#9db4d3"
MEAN_COLOR = "#1f3b73"
BEFORE_COLOR = "#7f8c8d"
AFTER_COLOR = "#e67e22"


@dataclass(frozen=True)
class ChartFiles:
    """Paths of the written chart files."""

    html: Path
    png: Path


def hashprice_html(
    daily_usd_per_th_day: pd.Series,
    rolling_usd_per_th_day: pd.Series,
    halvings: Sequence[Halving],
    attribution: str,
    title: str = TITLE,
    mean_label: str = "30-day mean",
    window: HalvingWindow | None = None,
) -> str:
    """A full, self-contained HTML page (plotly.js inlined) of the hashprice chart. [text]

    ``window``, when given, is shaded (its before and after days); halvings outside the series' dates
    are not drawn.
    """
    import plotly.graph_objects as go

    x = _iso_days(daily_usd_per_th_day.index)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=_plain(daily_usd_per_th_day),
            name=DAILY_NAME,
            mode="lines",
            line={"color": DAILY_COLOR, "width": 1},
            hovertemplate="%{x}: %{y:.6g} USD/(TH/s)/day<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=_iso_days(rolling_usd_per_th_day.index),
            y=_plain(rolling_usd_per_th_day),
            name=mean_label,
            mode="lines",
            line={"color": MEAN_COLOR, "width": 2},
            hovertemplate="%{x}: %{y:.6g} USD/(TH/s)/day<extra></extra>",
        )
    )
    shapes = []
    annotations = []
    for h in _visible(halvings, daily_usd_per_th_day.index):
        day = f"{h.date:%Y-%m-%d}"
        shapes.append(
            {
                "type": "line", "xref": "x", "yref": "paper", "x0": day, "x1": day, "y0": 0, "y1": 1,
                "line": {"color": HALVING_COLOR, "width": 1.5, "dash": "dash"},
            }
        )
        annotations.append(
            {
                "x": day, "xref": "x", "y": 1.0, "yref": "paper", "yanchor": "bottom",
                "text": _halving_label(h), "showarrow": False, "font": {"color": HALVING_COLOR},
            }
        )
    for label, start, end, color in _spans(window):
        shapes.append(
            {
                "type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0,
                "y1": 1, "fillcolor": color, "opacity": 0.15, "line": {"width": 0}, "layer": "below",
            }
        )
        annotations.append(
            {
                "x": start, "xref": "x", "y": 0.0, "yref": "paper", "xanchor": "left",
                "yanchor": "bottom", "text": label, "showarrow": False, "font": {"color": color},
            }
        )
    annotations.append(
        {
            "x": 0.0, "xref": "paper", "y": -0.14, "yref": "paper", "xanchor": "left",
            "yanchor": "top", "text": attribution, "showarrow": False, "font": {"size": 11},
        }
    )
    fig.update_layout(
        title={"text": title},
        yaxis={"type": "log", "title": {"text": Y_LABEL}},
        xaxis={"title": {"text": "date (UTC day)"}},
        shapes=shapes,
        annotations=annotations,
        template="plotly_white",
        legend={"orientation": "h", "y": 1.08, "x": 1.0, "xanchor": "right"},
        margin={"b": 110, "t": 110},
    )
    page = fig.to_html(include_plotlyjs=True, full_html=True)
    # plotly's JSON escapes "/", so also put the attribution in the page as plain text
    note = f'<p style="font-family:sans-serif;font-size:12px">{html.escape(attribution)}</p>'
    head, tail = page.rsplit("</body>", 1)
    return f"{head}{note}\n</body>{tail}"


def hashprice_png(
    daily_usd_per_th_day: pd.Series,
    rolling_usd_per_th_day: pd.Series,
    halvings: Sequence[Halving],
    attribution: str,
    title: str = TITLE,
    mean_label: str = "30-day mean",
    window: HalvingWindow | None = None,
    dpi: int = 120,
) -> bytes:
    """The hashprice chart as PNG bytes (matplotlib Agg canvas; attribution drawn and in metadata)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(11, 6), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(_dates64(daily_usd_per_th_day.index), daily_usd_per_th_day.to_numpy(dtype=np.float64),
            color=DAILY_COLOR, linewidth=0.8, label=DAILY_NAME)
    ax.plot(_dates64(rolling_usd_per_th_day.index), rolling_usd_per_th_day.to_numpy(dtype=np.float64),
            color=MEAN_COLOR, linewidth=1.6, label=mean_label)
    ax.set_yscale("log")
    plain = FuncFormatter(lambda value, _pos: f"{value:g}")
    ax.yaxis.set_major_formatter(plain)
    low, high = ax.get_ylim()
    if high / low < 30:  # label the minor ticks only when few decades are shown
        ax.yaxis.set_minor_formatter(plain)
    else:
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda _value, _pos: ""))
    for h in _visible(halvings, daily_usd_per_th_day.index):
        x = np.datetime64(h.date, "D")
        ax.axvline(x, color=HALVING_COLOR, linestyle="--", linewidth=1.0)
        ax.annotate(_halving_label(h), xy=(x, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", color=HALVING_COLOR, fontsize=8)
    for label, start, end, color in _spans(window):
        ax.axvspan(np.datetime64(start, "D"), np.datetime64(end, "D"), color=color, alpha=0.15,
                   linewidth=0, label=label)
    ax.set_title(title)
    ax.set_ylabel(Y_LABEL)
    ax.set_xlabel("date (UTC day)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower left")
    fig.subplots_adjust(bottom=0.16)
    fig.text(0.01, 0.015, attribution, fontsize=8, ha="left", va="bottom")
    buffer = _bytes_io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Title": title, "Source": attribution,
                                                 "Copyright": attribution})
    return buffer.getvalue()


def write_hashprice_charts(
    out_dir: str | os.PathLike[str],
    daily_usd_per_th_day: pd.Series,
    rolling_usd_per_th_day: pd.Series,
    halvings: Sequence[Halving],
    attribution: str,
    mean_label: str = "30-day mean",
    window: HalvingWindow | None = None,
) -> ChartFiles:
    """Write ``hashprice.html`` and ``hashprice.png`` into ``out_dir`` (created if needed), atomically."""
    from hashpivot.io import write_bytes_atomic, write_text_atomic

    folder = Path(out_dir)
    page = hashprice_html(daily_usd_per_th_day, rolling_usd_per_th_day, halvings, attribution,
                          mean_label=mean_label, window=window)
    png = hashprice_png(daily_usd_per_th_day, rolling_usd_per_th_day, halvings, attribution,
                        mean_label=mean_label, window=window)
    return ChartFiles(
        html=write_text_atomic(folder / HTML_NAME, page),
        png=write_bytes_atomic(folder / PNG_NAME, png),
    )


def _visible(halvings: Sequence[Halving], index: pd.Index) -> list[Halving]:
    if len(index) == 0:
        return []
    first, last = pd.Timestamp(index[0]), pd.Timestamp(index[-1])
    return [h for h in halvings if first <= pd.Timestamp(h.date) <= last]


def _spans(window: HalvingWindow | None) -> list[tuple[str, str, str, str]]:
    """(label, first day, day after the last day, colour) of the shaded before/after windows."""
    if window is None:
        return []
    one = pd.Timedelta(days=1)
    return [
        (f"{window.before_days} days before", f"{window.before.start:%Y-%m-%d}",
         f"{pd.Timestamp(window.before.end) + one:%Y-%m-%d}", BEFORE_COLOR),
        (f"{window.after_days} days from", f"{window.after.start:%Y-%m-%d}",
         f"{pd.Timestamp(window.after.end) + one:%Y-%m-%d}", AFTER_COLOR),
    ]


def _halving_label(h: Halving) -> str:
    return f"halving {h.n} ({h.date:%Y-%m-%d})"


def _iso_days(index: pd.Index) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in pd.DatetimeIndex(index)]


def _dates64(index: pd.Index) -> np.ndarray:
    return pd.DatetimeIndex(index).to_numpy().astype("datetime64[D]")


def _plain(series: pd.Series) -> list[float | None]:
    """Values as a JSON list (None for NaN) so the HTML holds readable numbers, not base64."""
    return [None if np.isnan(v) else float(v) for v in series.to_numpy(dtype=np.float64)]
