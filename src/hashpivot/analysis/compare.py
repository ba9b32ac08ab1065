"""Side-by-side comparison of policies from a ``SimResult`` summary (pure pandas): numbers, and the same as text
(the cells the dashboard and a notebook show, by the one formatter :mod:`hashpivot.format`)."""

from __future__ import annotations

import pandas as pd

from hashpivot.format import COMPARISON_METRICS, fmt_metric

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
    labels = {label: label.replace("[BTC]", "[sats]") if "per share" in label else label for label in table.index}
    return pd.DataFrame({labels[label]: [fmt_metric(labels[label], v) for v in table.loc[label]]
                         for label in table.index}, index=pd.Index(table.columns, name="policy"))
