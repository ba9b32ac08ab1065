"""Side-by-side comparison of policies from a ``SimResult`` summary (pure pandas)."""

from __future__ import annotations

import pandas as pd

from hashpivot.format import COMPARISON_METRICS

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
