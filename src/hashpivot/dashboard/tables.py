"""The dashboard's tables as text, built with the one formatter (:mod:`hashpivot.format`). Pure: no Streamlit.

Kept apart from ``app.py`` so that a test can read the very cells the dashboard shows (issue 16: the report,
the CLI and the dashboard give the same margin per MW for the same run).
"""

from __future__ import annotations

import pandas as pd

from hashpivot.analysis.compare import comparison_table
from hashpivot.format import fmt_metric


def comparison_cells(summary: pd.DataFrame) -> pd.DataFrame:
    """The comparison of a result's tidy ``summary`` as text: a row per policy (index ``policy``), a column per
    row of :data:`hashpivot.format.COMPARISON_METRICS` with its unit in the header; BTC per share in sats."""
    table = comparison_table(summary)
    labels = {label: label.replace("[BTC]", "[sats]") if "per share" in label else label for label in table.index}
    shown = pd.DataFrame({labels[label]: [fmt_metric(labels[label], v) for v in table.loc[label]]
                          for label in table.index}, index=pd.Index(table.columns, name="policy"))
    return shown
