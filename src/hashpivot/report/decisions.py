"""The decision reports: one self-contained HTML page per tool (tornado or Sobol bars, the optimiser's candidates
and frontier, the break-even heatmap with its frontier line), drawn like the simulation report (plotly.js inlined
once, each figure a JSON block), so that a page opens offline.

It computes nothing a test would need to check: every number comes from the tool's tables
(``analysis.sensitivity``, ``analysis.optimize``, ``analysis.breakeven_map``).
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hashpivot.format import fmt_metric
from hashpivot.report.sim_report import _CSS, _DRAW_SCRIPT, _color, _esc, _figure_html, _section, _table

#: Inputs a tornado chart draws at most (the table lists them all).
MAX_BARS = 25


def _page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    from plotly.offline import get_plotlyjs

    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        "</head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1><p>{subtitle}</p></header>\n<main>\n" + "\n".join(sections)
        + "\n</main>\n"
        f"<script type=\"text/javascript\">{_DRAW_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _write(path, text: str) -> Path:
    from hashpivot.io import write_text_atomic

    return write_text_atomic(path, text)


def _subtitle(sweep_result) -> str:
    return (f"{sweep_result.n_variants} variants &middot; {sweep_result.n_paths:,} paths each on the same random "
            f"numbers &middot; seed {sweep_result.seed} &middot; hashpivot {html.escape(sweep_result.version)}")


def _fmt(unit: str, value: float) -> str:
    return _esc(fmt_metric(f"[{unit}]", value))


def _number(x: float) -> str:
    return f"{x:,.4g}" if isinstance(x, float) and not float(x).is_integer() else f"{x:,}"


def _assumptions(sweep_result) -> str:
    return _section("assumptions", "Base scenario", f"<pre>{_esc(sweep_result.as_run().scenario_toml)}</pre>")


# --- sensitivity --------------------------------------------------------------------------------------


def tornado_figure(t):
    """A tornado of one metric: per input (largest swing on top) a bar from the base to the metric at the input's
    low and one to its high, with the standard error of each change. [plotly Figure]"""
    import plotly.graph_objects as go

    table = t.table.head(MAX_BARS).iloc[::-1]
    names = [f"{p} {'(within noise)' if n else ''}".strip() for p, n in zip(table["input"], table["within_noise"],
                                                                             strict=True)]
    fig = go.Figure()
    for side, color in (("low", _color(0)), ("high", _color(1))):
        fig.add_trace(go.Bar(
            y=names, x=table[f"{side}_delta"].to_numpy(float), base=t.base_value, orientation="h",
            name=f"input at its {side}", marker={"color": color},
            error_x={"type": "data", "array": table[f"{side}_se"].fillna(0).to_numpy(float)},
            customdata=table[side].to_numpy(float), hovertemplate="%{y}: " + side + " %{customdata:.4g} -> %{x:.4g}"))
    fig.add_vline(x=t.base_value, line={"color": "#444", "dash": "dot"})
    fig.update_layout(barmode="overlay", template="plotly_white", title=f"{t.metric.label}: tornado",
                      xaxis_title=t.metric.label, height=max(320, 60 + 28 * len(table)),
                      margin={"l": 360}, legend={"orientation": "h"})
    return fig


def sobol_figure(s):
    """First-order and total Sobol indices per input with their 95 % intervals. [plotly Figure]"""
    import plotly.graph_objects as go

    fig = go.Figure()
    for column, label, i in (("s1", "first order", 0), ("st", "total", 1)):
        fig.add_trace(go.Bar(x=s.table["input"], y=s.table[column].to_numpy(float), name=label,
                             marker={"color": _color(i)},
                             error_y={"type": "data", "array": s.table[f"{column}_conf"].to_numpy(float)}))
    fig.update_layout(barmode="group", template="plotly_white", yaxis_title="share of the variance",
                      title=f"{s.metric.label}: Sobol indices (N = {s.n_base}, {s.n_evaluations:,} variants)",
                      height=460, legend={"orientation": "h"})
    return fig


def _tornado_section(t, k: int) -> str:
    unit = t.metric.unit
    rows = [(f"<code>{_esc(r.input)}</code>", _esc(_number(r.base)), _esc(_number(r.low)), _esc(_number(r.high)),
             _fmt(unit, r.metric_low), _fmt(unit, r.metric_high), _fmt(unit, r.swing), _fmt(unit, r.swing_se),
             "within noise" if r.within_noise else "", _esc(r.note)) for r in t.table.itertuples(index=False)]
    note = (f'<p class="note">Each input moved to its low, then to its high value, the others at their base, on the '
            f"same {t.n_paths:,} paths. Swing = metric at the high minus at the low, taken path by path, &plusmn; its "
            "Monte Carlo standard error (analytic for a mean, paired bootstrap for a quantile or CVaR); "
            f"\"within noise\" when |swing| &lt; 2 standard errors. Base value: {_fmt(unit, t.base_value)}.</p>")
    table = _table(("input", "base", "low", "high", "at low", "at high", "swing", "s.e.", "", "note"), rows,
                   num_from=1)
    return _section(f"tornado-{k}", f"Tornado: {t.metric.label}",
                    note + _figure_html(tornado_figure(t), f"tornado-figure-{k}") + table)


def _sobol_section(s, k: int) -> str:
    rows = [(f"<code>{_esc(r.input)}</code>", _esc(_number(r.low)), _esc(_number(r.high)),
             f"{r.s1:.3f} &plusmn; {r.s1_conf:.3f}", f"{r.st:.3f} &plusmn; {r.st_conf:.3f}")
            for r in s.table.itertuples(index=False)]
    note = ('<p class="note">Saltelli/Sobol\' sample of the inputs\' ranges (SALib), each point a variant on the same '
            "paths; first-order index = share of the metric's variance an input explains alone, total = with all its "
            "interactions; &plusmn; the half-width of the 95 % bootstrap interval.</p>")
    return _section(f"sobol-{k}", f"Sobol indices: {s.metric.label}",
                    note + _figure_html(sobol_figure(s), f"sobol-figure-{k}")
                    + _table(("input", "low", "high", "first order", "total"), rows, num_from=1))


def render_sensitivity_report(tables, sweep_result, left_out=()) -> str:
    """The sensitivity page: a tornado (or Sobol) section per metric, the inputs left out, the base scenario."""
    sections = [(_tornado_section(t, k) if hasattr(t, "base_value") else _sobol_section(t, k))
                for k, t in enumerate(tables)]
    if left_out:
        rows = [(f"<code>{_esc(p)}</code>", _esc(" ".join(r.split()))) for p, r in left_out]
        sections.append(_section("left-out", "Inputs left out", _table(("input", "why"), rows)))
    sections.append(_assumptions(sweep_result))
    return _page(f"hashpivot sensitivity: {sweep_result.scenario.name}", _subtitle(sweep_result), sections)


def write_sensitivity_report(tables, sweep_result, path: str | os.PathLike[str], left_out=()) -> Path:
    """Write :func:`render_sensitivity_report` to ``path`` atomically."""
    return _write(path, render_sensitivity_report(tables, sweep_result, left_out))


def _finite(values) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]
