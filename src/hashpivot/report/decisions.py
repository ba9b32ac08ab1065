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
from hashpivot.report import templating as tpl

#: Inputs a tornado chart draws at most (the table lists them all).
MAX_BARS = 25


def _page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    from plotly.offline import get_plotlyjs

    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{tpl.CSS}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        "</head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1><p>{subtitle}</p></header>\n<main>\n" + "\n".join(sections)
        + "\n</main>\n"
        f"<script type=\"text/javascript\">{tpl.DRAW_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _write(path, text: str) -> Path:
    from hashpivot.io import write_text_atomic

    return write_text_atomic(path, text)


def _subtitle(sweep_result) -> str:
    return (f"{sweep_result.n_variants} variants &middot; {sweep_result.n_paths:,} paths each on the same random "
            f"numbers &middot; seed {sweep_result.seed} &middot; hashpivot {html.escape(sweep_result.version)}")


def _fmt(unit: str, value: float) -> str:
    return tpl.esc(fmt_metric(f"[{unit}]", value))


def _number(x: float) -> str:
    """An input's value: whole numbers from 1,000 up with separators, else four significant digits."""
    if isinstance(x, float) and abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:,.4g}" if isinstance(x, float) else f"{x:,}"


def _assumptions(sweep_result) -> str:
    return tpl.section("assumptions", "Base scenario", f"<pre>{tpl.esc(sweep_result.as_run().scenario_toml)}</pre>")


# --- sensitivity --------------------------------------------------------------------------------------


def tornado_figure(t):
    """A tornado of one metric: per input (largest swing on top) a bar from the base to the metric at the input's
    low and one to its high, with the standard error of each change. [plotly Figure]"""
    import plotly.graph_objects as go

    table = t.table[~t.table["no_effect"]].head(MAX_BARS).iloc[::-1]  # idle inputs: "no effect" in the table
    names = [f"{p} {'(within noise)' if n else ''}".strip() for p, n in zip(table["input"], table["within_noise"],
                                                                             strict=True)]
    fig = go.Figure()
    for side, color in (("low", tpl.color(0)), ("high", tpl.color(1))):
        fig.add_trace(go.Bar(
            y=names, x=table[f"{side}_delta"].to_numpy(float), base=t.base_value, orientation="h",
            name=f"input at its {side}", marker={"color": color},
            error_x={"type": "data", "array": table[f"{side}_se"].fillna(0).to_numpy(float)},
            customdata=table[side].to_numpy(float), hovertemplate="%{y}: " + side + " %{customdata:.4g} -> %{x:.4g}"))
    fig.add_vline(x=t.base_value, line={"color": "#444", "dash": "dot"})
    fig.update_layout(barmode="overlay", template="plotly_white", title=f"{t.metric.label}: tornado",
                      xaxis_title=t.metric.label, height=max(320, 60 + 28 * len(table)),
                      margin={"l": 360}, legend={"orientation": "h", "y": -0.3, "yanchor": "top"})
    return fig


def sobol_figure(s):
    """First-order and total Sobol indices per input with their 95 % intervals. [plotly Figure]"""
    import plotly.graph_objects as go

    fig = go.Figure()
    for column, label, i in (("s1", "first order", 0), ("st", "total", 1)):
        fig.add_trace(go.Bar(x=s.table["input"], y=s.table[column].to_numpy(float), name=label,
                             marker={"color": tpl.color(i)},
                             error_y={"type": "data", "array": s.table[f"{column}_conf"].to_numpy(float)}))
    fig.update_layout(barmode="group", template="plotly_white", yaxis_title="share of the variance",
                      title=f"{s.metric.label}: Sobol indices (N = {s.n_base}, {s.n_evaluations:,} variants)",
                      height=460, legend={"orientation": "h"})
    return fig


def _tornado_section(t, k: int) -> str:
    unit = t.metric.unit
    rows = [(f"<code>{tpl.esc(r.input)}</code>", tpl.esc(_number(r.base)), tpl.esc(_number(r.low)), tpl.esc(_number(r.high)),
             _fmt(unit, r.metric_low), _fmt(unit, r.metric_high), _fmt(unit, r.swing), _fmt(unit, r.swing_se),
             "no effect" if r.no_effect else "within noise" if r.within_noise else "", tpl.esc(r.note))
            for r in t.table.itertuples(index=False)]
    note = (f'<p class="note">Each input moved to its low, then to its high value, the others at their base, on the '
            f"same {t.n_paths:,} paths. Swing = metric at the high minus at the low, taken path by path, &plusmn; its "
            "Monte Carlo standard error (analytic for a mean, paired bootstrap for a quantile or CVaR); "
            f"\"within noise\" when |swing| &lt; 2 standard errors; \"no effect\" when the metric is the base's on "
            "every path at both ends (this scenario's runs do not read the input; left out of the chart). Base value: "
            f"{_fmt(unit, t.base_value)}.</p>")
    table = tpl.table(("input", "base", "low", "high", "at low", "at high", "swing", "s.e.", "", "note"), rows,
                   num_from=1)
    return tpl.section(f"tornado-{k}", f"Tornado: {t.metric.label}",
                    note + tpl.figure_html(tornado_figure(t), f"tornado-figure-{k}") + table)


def _sobol_section(s, k: int) -> str:
    rows = [(f"<code>{tpl.esc(r.input)}</code>", tpl.esc(_number(r.low)), tpl.esc(_number(r.high)),
             f"{r.s1:.3f} &plusmn; {r.s1_conf:.3f}", f"{r.st:.3f} &plusmn; {r.st_conf:.3f}")
            for r in s.table.itertuples(index=False)]
    note = ('<p class="note">Saltelli/Sobol\' sample of the inputs\' ranges (SALib), each point a variant on the same '
            "paths; first-order index = share of the metric's variance an input explains alone, total = with all its "
            "interactions; &plusmn; the half-width of the 95 % bootstrap interval.</p>")
    return tpl.section(f"sobol-{k}", f"Sobol indices: {s.metric.label}",
                    note + tpl.figure_html(sobol_figure(s), f"sobol-figure-{k}")
                    + tpl.table(("input", "low", "high", "first order", "total"), rows, num_from=1))


def render_sensitivity_report(tables, sweep_result, left_out=()) -> str:
    """The sensitivity page: a tornado (or Sobol) section per metric, the inputs left out, the base scenario."""
    sections = [(_tornado_section(t, k) if hasattr(t, "base_value") else _sobol_section(t, k))
                for k, t in enumerate(tables)]
    if left_out:
        rows = [(f"<code>{tpl.esc(p)}</code>", tpl.esc(" ".join(r.split()))) for p, r in left_out]
        sections.append(tpl.section("left-out", "Inputs left out", tpl.table(("input", "why"), rows)))
    sections.append(_assumptions(sweep_result))
    return _page(f"hashpivot sensitivity: {sweep_result.scenario.name}", _subtitle(sweep_result), sections)


def write_sensitivity_report(tables, sweep_result, path: str | os.PathLike[str], left_out=()) -> Path:
    """Write :func:`render_sensitivity_report` to ``path`` atomically."""
    return _write(path, render_sensitivity_report(tables, sweep_result, left_out))


def _finite(values) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


# --- optimisation -------------------------------------------------------------------------------------


def frontier_figure(answer, risk: str = "cvar5"):
    """Every evaluated candidate's mean of the objective's variable against its CVaR 5 % (or insolvency
    probability), the efficient ones joined by a line and the best marked. [plotly Figure]"""
    import plotly.graph_objects as go

    from hashpivot.analysis.optimize import candidate_label

    table = answer.table
    paths = [d.path for d in answer.decisions]
    labels = [candidate_label({p: row[p] for p in paths}) for _, row in table.iterrows()]
    x = table[risk].to_numpy(float)
    unit = answer.objective.unit
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=_finite(x), y=_finite(table["mean"]), mode="markers", name="candidates",
                             text=labels, marker={"color": [tpl.color(0) if f else "#bbbbbb" for f in table["feasible"]],
                                                  "size": 9}, hovertemplate="%{text}<br>%{x:.4g}, %{y:.4g}"))
    front = table[table["on_frontier"]].sort_values(risk)
    fig.add_trace(go.Scatter(x=_finite(front[risk]), y=_finite(front["mean"]), mode="lines+markers",
                             name="efficient frontier", line={"color": tpl.color(1)}, marker={"size": 11}))
    fig.add_trace(go.Scatter(x=_finite(x[:1]), y=_finite(table["mean"].to_numpy(float)[:1]), mode="markers",
                             name="best", marker={"symbol": "star", "size": 18, "color": tpl.color(2)}))
    x_title = (f"{answer.objective.variable} CVaR 5 % [{unit}]" if risk == "cvar5"
               else "insolvency probability [fraction]")
    fig.update_layout(template="plotly_white", height=480, xaxis_title=x_title,
                      yaxis_title=f"{answer.objective.variable} mean [{unit}]",
                      title=f"Evaluated decisions: mean against {'CVaR 5 %' if risk == 'cvar5' else 'insolvency'} "
                            "(grey: fails a constraint)")
    return fig


def decision_figure(answer, decision):
    """The objective of every evaluated candidate against one decision's value, with +- 2 standard errors of its
    paired difference from the best. [plotly Figure]"""
    import plotly.graph_objects as go

    table = answer.table
    fig = go.Figure(go.Scatter(
        x=table[decision.path].tolist(), y=_finite(table["objective"]), mode="markers",
        marker={"color": [tpl.color(0) if f else "#bbbbbb" for f in table["feasible"]], "size": 9},
        error_y={"type": "data", "array": _finite(2.0 * table["se_vs_best"].fillna(0.0))}, name="candidates"))
    fig.update_layout(template="plotly_white", height=380, xaxis_title=decision.path,
                      yaxis_title=answer.objective.label, title=f"{answer.objective.text} against {decision.path}")
    return fig


def render_optimize_report(answer, scenario) -> str:
    """The optimisation page: the answer in sentences, the frontier, the objective against each decision, every
    candidate, the base scenario."""
    from hashpivot.analysis.optimize import candidate_label

    unit = answer.objective.unit
    lines = "".join(f"<li>{tpl.esc(line)}</li>" for line in answer.lines())
    note = (f'<p class="note">{len(answer.table)} candidates ({answer.method}), each on the same {answer.n_paths:,} '
            "paths (common random numbers). The interval is a 95 % paired bootstrap over the paths of the objective's "
            "difference between the best and the runner-up; \"within noise\" when it holds 0.</p>")
    sections = [tpl.section("answer", "Answer", f"<ul>{lines}</ul>{note}"),
                tpl.section("frontier", "Efficient frontier", tpl.figure_html(frontier_figure(answer), "frontier-cvar")
                         + tpl.figure_html(frontier_figure(answer, "insolvency"), "frontier-insolvency"))]
    sections.append(tpl.section("by-decision", "Against each decision", "".join(
        tpl.figure_html(decision_figure(answer, d), f"decision-{k}") for k, d in enumerate(answer.decisions))))
    paths = [d.path for d in answer.decisions]
    rows = [(tpl.esc(candidate_label({p: r[p] for p in paths})), _fmt(unit, r["objective"]),
             _fmt(unit, r["difference_vs_best"]), _fmt(unit, r["se_vs_best"]), "yes" if r["feasible"] else "no",
             "yes" if r["on_frontier"] else "", _fmt(unit, r["cvar5"]), _fmt("fraction", r["insolvency"]))
            for _, r in answer.table.iterrows()]
    sections.append(tpl.section("candidates", "Every candidate", tpl.table(
        ("decision", answer.objective.text, "vs best", "s.e.", "feasible", "frontier", "CVaR 5 %", "insolvency"),
        rows, num_from=1)))
    sections.append(tpl.section("assumptions", "Base scenario", f"<pre>{tpl.esc(_toml(scenario))}</pre>"))
    subtitle = (f"{len(answer.table)} candidates &middot; {answer.n_paths:,} paths each on the same random numbers "
                f"&middot; seed {scenario.run.seed}")
    return _page(f"hashpivot optimize: {scenario.name}", subtitle, sections)


def write_optimize_report(answer, path: str | os.PathLike[str], scenario) -> Path:
    """Write :func:`render_optimize_report` to ``path`` atomically."""
    return _write(path, render_optimize_report(answer, scenario))


def _toml(scenario) -> str:
    from hashpivot.scenarios.toml import to_toml

    return to_toml(scenario)


# --- break-even maps ----------------------------------------------------------------------------------


def breakeven_figure(result):
    """A heatmap of the metric (or its difference against the alternative) over the grid, zero-centred, with the
    frontier where it crosses zero. [plotly Figure]"""
    import plotly.graph_objects as go

    z = result.grid("difference").T  # plotly: rows are y
    span = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    title = (f"{result.metric.label} minus {result.against_text}" if result.against is not None
             else result.metric.label)
    fig = go.Figure(go.Heatmap(x=list(result.x.values), y=list(result.y.values),
                               z=[_finite(row) for row in z], zmid=0.0, zmin=-span, zmax=span,
                               colorscale="RdBu", colorbar={"title": result.metric.unit or ""}))
    if result.frontier_y:
        fx, fy = zip(*result.frontier_y, strict=True)
        fig.add_trace(go.Scatter(x=list(fx), y=list(fy), mode="lines+markers", name="frontier (value = 0)",
                                 line={"color": "black", "width": 3}))
    noise = result.cells[result.cells["decision"] == "within noise"]
    if len(noise):
        fig.add_trace(go.Scatter(x=noise["x"].tolist(), y=noise["y"].tolist(), mode="markers", name="within noise",
                                 marker={"symbol": "x", "color": "#555", "size": 7}))
    fig.update_layout(template="plotly_white", height=560, xaxis_title=result.x.path, yaxis_title=result.y.path,
                      title=f"{title}: blue where it is above zero, red below", legend={"orientation": "h"})
    return fig


def render_breakeven_report(result, sweep_result) -> str:
    """The break-even page: the heatmap with its frontier, the frontier's points, every cell, the base scenario."""
    unit = result.metric.unit
    plus = "the scenario wins" if result.against is not None else "the metric is above zero"
    note = (f'<p class="note">Each cell is a variant on the same {result.n_paths:,} paths; '
            + (f"its value is the scenario's {tpl.esc(result.metric.text)} minus that of {tpl.esc(result.against_text)}, "
               "taken path by path" if result.against is not None else f"its value is {tpl.esc(result.metric.text)}")
            + f"; blue: {plus}; crosses: within two standard errors of zero. The frontier is the zero crossing "
            "along the y axis for each x, interpolated linearly between the two cells whose signs differ.</p>")
    rows = [(tpl.esc(_number(a)), tpl.esc(f"{b:,.6g}")) for a, b in result.frontier_y]
    cells = [(tpl.esc(_number(r.x)), tpl.esc(_number(r.y)), _fmt(unit, r.value), _fmt(unit, r.difference),
              _fmt(unit, r.standard_error), tpl.esc(r.decision)) for r in result.cells.itertuples(index=False)]
    sections = [
        tpl.section("map", "Break-even map", note + tpl.figure_html(breakeven_figure(result), "breakeven-figure")),
        tpl.section("frontier", "Frontier", tpl.table((result.x.path, f"{result.y.path} at zero"), rows, num_from=0)
                 if rows else '<p class="note">The sign does not change over this grid.</p>'),
        tpl.section("cells", "Every cell", tpl.table((result.x.path, result.y.path, result.metric.text,
                                                "difference" if result.against is not None else "value",
                                                "s.e.", "decision"), cells, num_from=0)),
        _assumptions(sweep_result),
    ]
    return _page(f"hashpivot breakeven: {sweep_result.scenario.name}", _subtitle(sweep_result), sections)


def write_breakeven_report(result, sweep_result, path: str | os.PathLike[str]) -> Path:
    """Write :func:`render_breakeven_report` to ``path`` atomically."""
    return _write(path, render_breakeven_report(result, sweep_result))
