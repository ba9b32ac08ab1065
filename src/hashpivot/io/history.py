"""Daily chain history: load and validate the Coin Metrics-derived table ``btc_daily.csv``.

The table's format, provenance and caveats are described in ``../shared/data/README.md``:
one row per UTC day, no missing days, no missing values, units in the column names.
Source: Coin Metrics Community Data (github.com/coinmetrics/data), CC BY-NC 4.0 — keep
:data:`ATTRIBUTION` next to anything shown from this data, and do not use it commercially.

The same loader reads the local data cache that ``hashpivot data update`` fills from public sources
(:mod:`hashpivot.io.cache`, :mod:`hashpivot.io.update`): it is used when no path and no
``$HASHPIVOT_DATA`` is given, and goes through the same checks.

Every problem in the file raises :class:`hashpivot.errors.DataError` naming the file, the column and
the offending dates (the first few and how many in all). The columns and their units are stated once, in
:mod:`hashpivot.io.chain_table`, which the cache shares (``REQUIRED_COLUMNS`` is importable from here too).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
from hashpivot.errors import DataError
from hashpivot.io.chain_table import (
    DATE_COLUMN,
    DATE_FORMAT,
    INT_COLUMNS,
    NONNEGATIVE_COLUMNS,
    POSITIVE_COLUMNS,
    REQUIRED_COLUMNS,
)

#: Attribution required by the data's licence (CC BY-NC 4.0); show it wherever the data or results
#: derived from it are shown (:data:`hashpivot.domain.sources.CHAIN_TABLE_ATTRIBUTION`).
ATTRIBUTION = CHAIN_TABLE_ATTRIBUTION

#: Environment variable naming the chain table when no path is passed.
DATA_ENV_VAR = "HASHPIVOT_DATA"

#: How many offending dates an error message lists before giving the count.
MAX_LISTED = 5

HOW_TO_PROVIDE = (
    f"pass --data PATH or set the environment variable {DATA_ENV_VAR} to the daily chain table "
    "(format of shared/data/btc_daily.csv), or run `hashpivot data update` to fetch it from public "
    "sources into the local cache ($HASHPIVOT_DATA_DIR, default ~/.hashpivot/data)"
)


def resolve_data_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The chain table's path: ``path`` if given, else ``$HASHPIVOT_DATA``, else the data cache file
    (``chain.duckdb`` in ``$HASHPIVOT_DATA_DIR``, default ``~/.hashpivot/data``) when it exists. [path]

    Raises DataError saying how to provide one when none is there (an empty variable counts as unset).
    """
    if path is not None and str(path) != "":
        return Path(path)
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    if env:
        return Path(env)
    from hashpivot.io.cache import ChainCache

    cache = ChainCache()
    if cache.exists():
        return cache.file
    raise DataError(f"no chain history given: {HOW_TO_PROVIDE}")


def chain_history_file(path: str | os.PathLike[str] | None = None) -> Path:
    """The file :func:`load_chain_history` would read for ``path`` (a CSV, the cache's ``.duckdb`` file or the
    cache folder; None: ``$HASHPIVOT_DATA``, then the cache), without reading it. Raises DataError naming it when
    it does not exist or is not a file. [path]"""
    from hashpivot.io.cache import CACHE_FILE_NAME

    file = resolve_data_path(path)
    if file.is_dir() and (file / CACHE_FILE_NAME).is_file():
        file = file / CACHE_FILE_NAME
    if not file.exists():
        raise DataError(f"chain history file {file} does not exist; {HOW_TO_PROVIDE}")
    if not file.is_file():
        raise DataError(f"chain history path {file} is not a file; {HOW_TO_PROVIDE}")
    return file


def load_chain_history(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load and validate the daily chain table. [one row per UTC day]

    Returns a DataFrame indexed by a daily ``DatetimeIndex`` named ``date`` (frequency ``D``) with
    the columns of :data:`REQUIRED_COLUMNS` (minus ``date``) in file order: floats for amounts and
    rates, int64 for ``block_count`` and ``tx_count``. Extra columns in the file are ignored.

    ``path`` defaults to ``$HASHPIVOT_DATA``, then to the data cache filled by ``hashpivot data update``
    (see :func:`resolve_data_path`). ``path`` may be a CSV file, the cache's ``.duckdb`` file or the cache
    folder; the cache goes through the same checks as a CSV. Raises DataError (naming the file, the
    column and the offending dates) when the file is missing or unreadable, a column is missing, a
    value is empty or not a number, a date is malformed, duplicated, out of order or missing (a gap), a
    price, hash rate or difficulty is <= 0, or a count or amount is negative.
    """
    file = chain_history_file(path)
    if file.suffix == ".duckdb":
        from hashpivot.io.cache import ChainCache

        return validate_chain_history(ChainCache.at_file(file).chain_strings(), source=str(file))
    _check_not_cut_off(file)
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"{file}: cannot be read as a CSV table ({exc})") from exc
    return validate_chain_history(raw, source=str(file))


def height_at_start_of(history: pd.DataFrame, day: pd.Timestamp) -> int:
    """Block height at the start of ``day`` from the table's daily block counts, counted from the fourth halving
    (block 840,000, the first of 2024-04-20: ``domain.heights.HEIGHT_ANCHORS``) forward or back; where the table
    does not span the halving to the day, ``domain.heights.estimated_height`` (off by at most 44 days of blocks,
    7 since that halving). [blocks]"""
    from hashpivot.domain.heights import HEIGHT_ANCHORS, estimated_height

    anchor_date, anchor_height = HEIGHT_ANCHORS[-1]
    anchor_day, day = pd.Timestamp(anchor_date), pd.Timestamp(day).normalize()
    first, last = history.index[0], history.index[-1]
    blocks = history["block_count"]
    if day >= anchor_day and first <= anchor_day and day - pd.Timedelta(days=1) <= last:
        return anchor_height + int(blocks.loc[anchor_day: day - pd.Timedelta(days=1)].sum())
    if day < anchor_day and first <= day and anchor_day - pd.Timedelta(days=1) <= last:
        return anchor_height - int(blocks.loc[day: anchor_day - pd.Timedelta(days=1)].sum())
    return estimated_height(day.date())


def _check_not_cut_off(file: Path) -> None:
    """Refuse a CSV whose last line does not end with a newline: a download or copy cut off inside its last
    value ('64000.5' cut to '64000.') still parses as a number, so the only trace is the missing line end."""
    try:
        with file.open("rb") as f:
            f.seek(0, os.SEEK_END)
            if f.tell() == 0:
                return  # empty: read_csv says so
            f.seek(max(0, f.tell() - 256))
            tail = f.read()
    except OSError as exc:
        raise DataError(f"{file}: cannot be read ({exc})") from exc
    if not tail.endswith(b"\n"):
        last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
        raise DataError(f"{file}: the last line {last!r} does not end with a newline, so the file looks cut off "
                        "inside its last value; allowed: a complete table (download it again, or end it with a "
                        "newline if it is complete)")


def validate_chain_history(raw: pd.DataFrame, source: str = "<table>") -> pd.DataFrame:
    """Validate a table of strings (as read from the CSV) and convert it. [one row per UTC day]

    ``source`` names the file in error messages. See :func:`load_chain_history` for the checks.
    """
    columns = [str(c).strip() for c in raw.columns]
    raw = raw.set_axis(columns, axis=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise DataError(
            f"{source}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)} (required: {', '.join(REQUIRED_COLUMNS)})"
        )
    dup_cols = sorted({c for c in columns if columns.count(c) > 1 and c in REQUIRED_COLUMNS})
    if dup_cols:
        raise DataError(f"{source}: column {', '.join(repr(c) for c in dup_cols)} appears twice")
    if len(raw) == 0:
        raise DataError(f"{source}: the table has no rows")

    date_text = raw[DATE_COLUMN].astype(str).str.strip()
    dates = pd.to_datetime(date_text, format=DATE_FORMAT, errors="coerce")
    bad_dates = dates.isna().to_numpy()
    if bad_dates.any():
        rows = np.flatnonzero(bad_dates)
        shown = ", ".join(f"line {i + 2} {date_text.iloc[i]!r}" for i in rows[:MAX_LISTED])
        raise DataError(
            f"{source}: column 'date' has {_count(len(rows), 'value')} that are not "
            f"YYYY-MM-DD dates: {shown}{_more(len(rows))}"
        )
    dates = pd.DatetimeIndex(dates, name=DATE_COLUMN)
    _check_dates(dates, source)

    frame = pd.DataFrame(index=dates)
    for column in REQUIRED_COLUMNS[1:]:
        text = raw[column].astype(str).str.strip().to_numpy()
        values = pd.to_numeric(pd.Series(text, index=dates), errors="coerce").astype(np.float64)
        bad = ~np.isfinite(values.to_numpy())
        if bad.any():
            raise DataError(
                f"{source}: column {column!r} has empty, non-numeric or infinite values on "
                f"{_dates_text(dates[bad])} (first: {text[np.flatnonzero(bad)[0]]!r})"
            )
        if column in INT_COLUMNS:
            arr = values.to_numpy()
            not_whole = arr != np.round(arr)
            if not_whole.any():
                raise DataError(
                    f"{source}: column {column!r} must hold whole numbers; not on "
                    f"{_dates_text(dates[not_whole])}"
                )
            values = values.astype(np.int64)
        frame[column] = values

    for column in POSITIVE_COLUMNS:
        bad = ~(frame[column].to_numpy() > 0)
        if bad.any():
            raise DataError(
                f"{source}: column {column!r} must be > 0; it is not on {_dates_text(dates[bad])}"
            )
    for column in NONNEGATIVE_COLUMNS:
        bad = frame[column].to_numpy() < 0
        if bad.any():
            raise DataError(
                f"{source}: column {column!r} must be >= 0; it is negative on "
                f"{_dates_text(dates[bad])}"
            )
    frame.index.freq = "D"
    return frame


def _check_dates(dates: pd.DatetimeIndex, source: str) -> None:
    duplicated = dates[dates.duplicated(keep="first")].unique()
    if len(duplicated):
        raise DataError(
            f"{source}: column 'date' has duplicate dates: {_dates_text(duplicated, noun='date')}"
        )
    steps = np.diff(dates.asi8) if len(dates) > 1 else np.array([], dtype=np.int64)
    backwards = np.flatnonzero(steps < 0)
    if len(backwards):
        raise DataError(
            f"{source}: column 'date' is not in increasing order; it goes back after "
            f"{_dates_text(dates[backwards], noun='date')}"
        )
    full = pd.date_range(dates[0], dates[-1], freq="D")
    gaps = full.difference(dates)
    if len(gaps):
        raise DataError(
            f"{source}: column 'date' has a gap: {_count(len(gaps), 'day')} missing between "
            f"{dates[0]:%Y-%m-%d} and {dates[-1]:%Y-%m-%d}: {_dates_text(gaps, counted=False)}"
        )


def _dates_text(dates: Sequence[pd.Timestamp] | pd.DatetimeIndex, noun: str = "day",
                counted: bool = True) -> str:
    """'2024-01-02, 2024-01-05 and 3 more (5 days in all)' style listing."""
    idx = pd.DatetimeIndex(dates)
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in idx[:MAX_LISTED])
    text = shown + _more(len(idx))
    return f"{text} ({_count(len(idx), noun)})" if counted else text


def _more(n: int) -> str:
    return f" and {n - MAX_LISTED} more" if n > MAX_LISTED else ""


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
