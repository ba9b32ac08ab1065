"""The daily chain table's format: its columns, in file order, with their units and the checks on them.

Stated once, for the loader (:mod:`hashpivot.io.history`) and the data cache (:mod:`hashpivot.io.cache`), which
both import it; it imports neither, so neither imports the other for a column name. The table's provenance and
caveats: ``../shared/data/README.md``.
"""

from __future__ import annotations

DATE_COLUMN = "date"
DATE_FORMAT = "%Y-%m-%d"

#: Numeric columns of the table, in file order, with their units (see the data README).
FLOAT_COLUMNS: tuple[str, ...] = (
    "price_usd",  # [USD/BTC] closing price
    "hashrate_ehs",  # [EH/s] daily mean network hash rate (estimate from blocks found)
    "difficulty_mean",  # [dimensionless] mean difficulty of the day's blocks
    "fees_btc",  # [BTC/day] fees paid to miners
    "issuance_btc",  # [BTC/day] new coins issued (block subsidy)
    "revenue_btc",  # [BTC/day] issuance + fees
    "revenue_usd",  # [USD/day] revenue_btc x price_usd
    "hashprice_usd_per_th_day",  # [USD/(TH/s)/day] revenue_usd / hash rate in TH/s, 6 significant digits
)
INT_COLUMNS: tuple[str, ...] = (
    "block_count",  # [blocks/day]
    "tx_count",  # [transactions/day]
)
#: Every column the loader requires, in the order of the file.
REQUIRED_COLUMNS: tuple[str, ...] = (
    DATE_COLUMN,
    "price_usd",
    "hashrate_ehs",
    "difficulty_mean",
    "block_count",
    "fees_btc",
    "issuance_btc",
    "revenue_btc",
    "revenue_usd",
    "hashprice_usd_per_th_day",
    "tx_count",
)
#: Columns that must be > 0 on every day.
POSITIVE_COLUMNS: tuple[str, ...] = ("price_usd", "hashrate_ehs", "difficulty_mean")
#: Columns that must be >= 0 on every day: every other number.
NONNEGATIVE_COLUMNS: tuple[str, ...] = tuple(
    c for c in REQUIRED_COLUMNS if c != DATE_COLUMN and c not in POSITIVE_COLUMNS
)
