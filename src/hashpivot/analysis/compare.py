"""Side-by-side comparison of policies from a ``SimResult`` summary (pure pandas): numbers, and the same as text
(the cells the dashboard and a notebook show, by the one formatter :mod:`hashpivot.format`)."""

from __future__ import annotations

import pandas as pd

from hashpivot.format import COMPARISON_METRICS, fmt_metric, shown_label

#: (metric, stat, label) rows of the comparison table, in display order: the vocabulary of
#: :data:`hashpivot.format.COMPARISON_METRICS` (the margins are medians: :data:`hashpivot.format.MARGIN_STAT`).
COMPARISON_ROWS: tuple[tuple[str, str, str], ...] = tuple((m.metric, m.stat, m.label) for m in COMPARISON_METRICS)


def comparison_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows = the metrics of ``COMPARISON_ROWS`` (labelled with units), columns = policies in run order."""
    policies = list(dict.fromkeys(summary["policy"]))
    indexed = summary.set_index(["metric", "stat", "policy"])["value"]
    rows = {
        label: [float(indexed.get((metric, stat, p), float("nan"))) for p in policies]
        for metric, stat, label in COMPARISON_ROWS
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=policies)


def comparison_cells(summary: pd.DataFrame) -> pd.DataFrame:
    """The comparison of a result's tidy ``summary`` as text: a row per policy (index ``policy``), a column per
    row of :data:`hashpivot.format.COMPARISON_METRICS` with its unit in the header; BTC per share in sats."""
    table = comparison_table(summary)
    labels = {label: shown_label(label) for label in table.index}
    return pd.DataFrame({labels[label]: [fmt_metric(labels[label], v) for v in table.loc[label]]
                         for label in table.index}, index=pd.Index(table.columns, name="policy"))


#: Columns of :func:`projects_table`, with their units.
PROJECT_COLUMNS = ("policy", "project", "capex_usd_per_mw", "irr_frac_per_year_p5", "irr_frac_per_year_p50",
                   "irr_frac_per_year_p95", "payback_years_p5", "payback_years_p50", "payback_years_p95",
                   "paid_back_frac")


def projects_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Each AI project of each policy in a result's tidy ``summary`` (the rows of
    :func:`hashpivot.analysis.summary.project_rows`): capex per MW of IT load [USD/MW], IRR p5/p50/p95 [fraction/year],
    payback p5/p50/p95 [years] and the share of stored paths paid back [fraction]; :data:`PROJECT_COLUMNS`, in run order
    (empty when the run has no AI project).

    >>> rows = [("p", "lease.capex_usd_per_mw", "value", 2e6), ("p", "lease.irr_frac_per_year", "p50", 0.12),
    ...         ("p", "lease.payback_years", "paid_back_share", 0.9)]
    >>> t = projects_table(pd.DataFrame(rows, columns=["policy", "metric", "stat", "value"]))
    >>> t[["policy", "project", "capex_usd_per_mw", "irr_frac_per_year_p50", "paid_back_frac"]].values.tolist()
    [['p', 'lease', 2000000.0, 0.12, 0.9]]
    """
    rows = summary[summary["metric"].str.endswith(".capex_usd_per_mw")]
    value = summary.set_index(["policy", "metric", "stat"])["value"]
    out = []
    for policy, metric in zip(rows["policy"], rows["metric"], strict=True):
        name = metric.removesuffix(".capex_usd_per_mw")

        def get(m: str, stat: str, _p=policy, _n=name) -> float:
            return float(value.get((_p, f"{_n}.{m}", stat), float("nan")))

        out.append((policy, name, get("capex_usd_per_mw", "value"),
                    *(get("irr_frac_per_year", s) for s in ("p5", "p50", "p95")),
                    *(get("payback_years", s) for s in ("p5", "p50", "p95")),
                    get("payback_years", "paid_back_share")))
    return pd.DataFrame(out, columns=list(PROJECT_COLUMNS))


def insolvency_table(summary: pd.DataFrame, always_on: dict[str, float] | None = None) -> pd.DataFrame:
    """Each policy's probability of insolvency by the end of the horizon [fraction], and beside it the same plans
    and policies with machines always on (``api.insolvency_always_on``; NaN where not given): columns ``policy``,
    ``insolvency_frac``, ``insolvency_always_on_frac``, in run order.

    >>> s = pd.DataFrame([("a", "insolvency", "probability", 0.1)], columns=["policy", "metric", "stat", "value"])
    >>> insolvency_table(s, {"a": 0.3}).values.tolist()
    [['a', 0.1, 0.3]]
    """
    rows = summary[(summary["metric"] == "insolvency") & (summary["stat"] == "probability")]
    on = always_on or {}
    return pd.DataFrame({"policy": list(rows["policy"]), "insolvency_frac": rows["value"].to_numpy(dtype=float),
                         "insolvency_always_on_frac": [float(on.get(p, float("nan"))) for p in rows["policy"]]})
