"""The sweep report: one self-contained HTML page of an :class:`~hashpivot.analysis.sweep.SweepResult`.

Sections (each an element with this ``id``): ``sweep`` (what was swept, on how many paths), ``by-axis`` (the
metric against each axis: its mean, and the 5 %-95 % band of its values over the paths, one line per value of
the other axes and policy), ``differences`` (each variant's paired difference against the baseline variant on
common random numbers, with its Monte Carlo standard error), ``variants`` (the metric's mean and quantiles per
variant) and ``assumptions`` (the base scenario's TOML). The page is the simulation report's (the jinja2 template ``base.html.j2``, autoescaped, through
``sweep_report.html.j2``) and draws its figures the same way (plotly.js inlined once, each figure a JSON block), so
it opens offline.

It computes nothing a test would need to check: every number comes from the sweep's summary and differences.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
from hashpivot.format import fmt_number, fmt_pct, fmt_usd
from hashpivot.report import templating as tpl

SECTION_IDS = ("sweep", "by-axis", "differences", "variants", "assumptions")
#: Lines drawn per axis chart at most (the rest are in the tables).
MAX_LINES = 10
#: Most lines of an axis chart drawn with their bands (more bands overlap into one wash).
MAX_BANDS = 3
#: Stats of a metric that the band uses, when the summary has them (an insolvency probability has none).
BAND = ("p5", "p95")


def write_sweep_report(result, path: str | os.PathLike[str], metric: str = "nav_usd", stat: str = "mean") -> Path:
    """Write the sweep report of ``result`` to ``path`` atomically; the folder is created if needed."""
    from hashpivot.io import write_text_atomic

    return write_text_atomic(path, render_sweep_report(result, metric, stat))


def render_sweep_report(result, metric: str = "nav_usd", stat: str = "mean") -> str:
    """The report of a sweep as a complete HTML page, ``metric``'s ``stat`` against each axis. [text]"""
    from plotly.offline import get_plotlyjs

    base = result.scenario
    n_paths = result.n_paths
    title = f"hashpivot sweep: {base.name}"
    sections = [
        _what_section(result, n_paths),
        _axes_section(result, metric, stat),
        _differences_section(result),
        _variants_section(result, metric),
        tpl.section("assumptions", "Base scenario",
                 f'<p class="note">Market inputs drawn from the chain history (the presets\' prices, hashrate, fees and '
                 f"volatilities): {tpl.esc(CHAIN_TABLE_ATTRIBUTION)}.</p><pre>{tpl.esc(result.as_run().scenario_toml)}</pre>"),
    ]
    from markupsafe import Markup


    return tpl.render_template("sweep_report.html.j2", {
        "title": title, "n_variants": result.n_variants, "n_paths": n_paths, "seed": result.seed,
        "version": result.version, "nav": [(sid, sid.replace("-", " ").capitalize()) for sid in SECTION_IDS],
        "sections": [Markup(body) for body in sections],  # each built (and escaped) by this module's helpers
        "data_json": "", "data_script_id": "", "css": tpl.CSS, "draw_script": tpl.DRAW_SCRIPT, "plotly_js": get_plotlyjs(),
    }, safe=("css", "draw_script", "plotly_js"))


def _value(value) -> str:
    """An axis value as text: four significant digits for a sampled (non-round) number."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.4g}"
    return tpl.num(value)


def _labels(result) -> list[str]:
    return [", ".join(f"{result.axes[p]}={_value(v)}" for p, v in values.items()) for values in result.values]


def _what_section(result, n_paths: int) -> str:
    rows = []
    for path, name in result.axes.items():
        distinct = list(dict.fromkeys(values[path] for values in result.values))
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in distinct)
        shown = (f"{len(distinct)} values from {_value(min(distinct))} to {_value(max(distinct))}"
                 if numeric and len(distinct) > 8 else ", ".join(_value(v) for v in distinct))
        rows.append((f"<code>{tpl.esc(path)}</code>", tpl.esc(name), tpl.esc(shown)))
    spec = result.scenario.sweep
    how = (f"{spec.n_samples} {spec.method} samples over ranges" if spec is not None and spec.n_samples
           else f"{spec.mode if spec is not None else 'grid'} of the axes' values")
    note = (f'<p class="note">{result.n_variants} variants ({tpl.esc(how)}), each on the same {n_paths:,} paths: path '
            "<i>i</i> of every variant faces the same prices, hashrate and fees, so differences between variants are "
            f"paired. Baseline: v{result.baseline_index} ({tpl.esc(_labels(result)[result.baseline_index])}).</p>")
    horizons = result.horizons_note()
    if horizons:
        note += f'<p class="note">{tpl.esc(horizons)}</p>'
    return tpl.section("sweep", "What was swept", note + tpl.table(("field", "axis", "values"), rows))


def _axes_section(result, metric: str, stat: str) -> str:
    summary = result.summary[result.summary["metric"] == metric]
    if summary.empty:
        return tpl.section("by-axis", "Against each axis", f'<p class="note">No metric {tpl.esc(metric)} in the summary.</p>')
    wide = summary.pivot_table(index=["variant", "policy"], columns="stat", values="value", aggfunc="first")
    wide = wide.reset_index()
    coords = list(result.axes.values())
    for path, name in result.axes.items():
        wide[name] = [result.values[v][path] for v in wide["variant"]]
    # A policy's place in its variant's list: an axis over the treasury kind renames the policy, not its place.
    places = [list(labels) for labels in result.dataset["policy_label"].values]
    wide["policy_place"] = [places[v].index(p) for v, p in zip(wide["variant"], wide["policy"], strict=True)]
    if wide["policy_place"].nunique() == 1:
        wide = wide.drop(columns="policy_place")
    elif all(p == places[0] for p in places):  # the same policies in every variant: a line is named by its policy
        wide = wide.drop(columns="policy_place").rename(columns={"policy": "policy_name"})
    parts = []
    for k, name in enumerate(coords):
        parts.append(tpl.figure_html(_axis_figure(wide, name, [c for c in coords if c != name], metric, stat),
                                  f"by-axis-{k}"))
    has_band = all(b in wide.columns for b in BAND)
    note = (f'<p class="note">{tpl.esc(metric)}: {tpl.esc(stat)} over the paths (line), and the band from its 5 % to its '
            "95 % quantile over the paths (90 % of paths lie inside), one line per value of the other axes"
            f"{'' if has_band else '; this metric has no per-path band'}; a chart of more than {MAX_BANDS} lines "
            "draws the lines alone, since their bands would overlap into one wash.</p>")
    return tpl.section("by-axis", "Against each axis", note + "\n".join(parts))


def _axis_figure(wide: pd.DataFrame, axis: str, others: list[str], metric: str, stat: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    keys = [*others, *[k for k in ("policy_place", "policy_name") if k in wide.columns]]
    groups = list(wide.groupby(keys, sort=False, dropna=False)) if keys else [((), wide)]
    sampled = all(len(g) == 1 for _, g in groups)
    if sampled:  # a sampled sweep: every variant has its own values, so one scatter of all of them
        groups = [(("all variants",), wide)]
    for i, (key, group) in enumerate(groups[:MAX_LINES]):
        group = _sorted_by(group, axis)
        x = [str(v) if not isinstance(v, (int, float, np.number)) else float(v) for v in group[axis]]
        label = ", ".join(f"policy {v + 1}" if k == "policy_place" else str(v) if k == "policy_name" else f"{k}={_value(v)}"
                          for k, v in zip(keys, key if isinstance(key, tuple) else (key,), strict=False))
        color = tpl.color(i)
        if all(b in group.columns for b in BAND) and (sampled or len(groups) <= MAX_BANDS):
            if sampled:
                fig.add_trace(go.Scatter(
                    x=x, y=_finite(group[stat]), mode="markers", name=f"{stat}", marker={"color": color},
                    error_y={"type": "data", "symmetric": False,
                             "array": _finite(group[BAND[1]] - group[stat]),
                             "arrayminus": _finite(group[stat] - group[BAND[0]])}))
                continue
            fig.add_trace(go.Scatter(x=x, y=_finite(group[BAND[1]]), mode="lines", line={"width": 0},
                                     showlegend=False, hoverinfo="skip", legendgroup=label))
            fig.add_trace(go.Scatter(x=x, y=_finite(group[BAND[0]]), mode="lines", line={"width": 0},
                                     fill="tonexty", fillcolor=tpl.rgba(color, 0.15), showlegend=False,
                                     hoverinfo="skip", legendgroup=label))
        fig.add_trace(go.Scatter(x=x, y=_finite(group[stat]), mode="lines+markers", name=label or stat,
                                 line={"color": color}, legendgroup=label))
    more = f" (first {MAX_LINES} of {len(groups)} lines)" if len(groups) > MAX_LINES else ""
    fig.update_layout(title=f"{metric} against {axis}{more}", xaxis_title=axis, yaxis_title=_metric_label(metric, stat),
                      template="plotly_white", height=420, legend={"font": {"size": 11}})
    return fig


def _metric_label(metric: str, stat: str) -> str:
    """The comparison's label of ``metric``'s ``stat`` with its unit (``format.COMPARISON_METRICS``: "NAV mean
    [USD]"), else ``metric (stat)``. [text]"""
    from hashpivot.format import COMPARISON_METRICS

    return next((m.label for m in COMPARISON_METRICS if (m.metric, m.stat) == (metric, stat)), f"{metric} ({stat})")


def _sorted_by(group: pd.DataFrame, axis: str) -> pd.DataFrame:
    numeric = pd.to_numeric(group[axis], errors="coerce")
    return group.iloc[np.argsort(numeric.to_numpy(), kind="stable")] if numeric.notna().all() else group


def _fmt(metric: str, value: float) -> str:
    """A value of ``metric`` as text in its unit (``hashpivot.format``): compact USD, a percentage for fractions and
    probabilities, else a plain number."""
    if metric.endswith("_usd") and np.isfinite(value) and abs(value) >= 1000:
        return fmt_usd(value)
    if metric.endswith("_frac") or metric in ("insolvency", "is_insolvent"):
        return fmt_pct(value)
    return fmt_number(value)


def _finite(values) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _differences_section(result) -> str:
    diffs = result.differences
    labels = _labels(result)
    rows = []
    for (variant, policy), group in diffs.groupby(["variant", "policy"], sort=False):
        by = group.set_index("metric")
        cells = []
        for metric in ("nav_usd", "nav_per_share_usd", "is_insolvent"):
            mean, se = by.loc[metric, "mean_difference"], by.loc[metric, "standard_error"]
            within = np.isfinite(se) and abs(mean) <= 2 * se
            text = f"{_fmt(metric, mean)} ± {_fmt(metric, se)}" if np.isfinite(se) else _fmt(metric, mean)
            cells.append(tpl.esc(text) + (' <span class="range">within noise</span>' if within and mean != 0 else ""))
        rows.append((f"v{variant}", tpl.esc(labels[variant]), tpl.esc(policy), *cells))
    note = ('<p class="note">Mean over paths of (variant - baseline) on the same paths, ± its standard error '
            "(sd of the differences / sqrt(paths)); \"within noise\" when the difference is within two standard "
            "errors. is_insolvent: the difference in insolvency probability.</p>")
    table = tpl.table(("v", "axes", "policy", "NAV [USD]", "NAV per share [USD]", "insolvency probability"), rows,
                   num_from=3)
    return tpl.section("differences", f"Against the baseline v{result.baseline_index}", note + table)


def _variants_section(result, metric: str) -> str:
    summary = result.summary[result.summary["metric"] == metric]
    stats = [s for s in ("mean", "p5", "p50", "p95", "probability") if s in set(summary["stat"])]
    labels = _labels(result)
    rows = []
    for (variant, policy), group in summary.groupby(["variant", "policy"], sort=False):
        by = group.set_index("stat")["value"]
        rows.append((f"v{variant}", tpl.esc(labels[variant]), tpl.esc(policy), *(tpl.esc(_fmt(metric, by[s])) for s in stats)))
    return tpl.section("variants", f"{metric} per variant",
                    tpl.table(("v", "axes", "policy", *stats), rows, num_from=3))
