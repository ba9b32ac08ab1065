"""Facts about the data sources: what their licences require to be shown with the data.

Plain constants, importable from every layer (:mod:`hashpivot.io` loads the data, :mod:`hashpivot.analysis`
names the source next to figures computed from it) without an arrow from one to the other.
"""

from __future__ import annotations

#: Attribution required by the daily chain table's licence (CC BY-NC 4.0); show it wherever the data or
#: results derived from it are shown. Text from ``../shared/data/README.md``.
CHAIN_TABLE_ATTRIBUTION = (
    "Source: Coin Metrics Community Data (github.com/coinmetrics/data), CC BY-NC 4.0"
)
