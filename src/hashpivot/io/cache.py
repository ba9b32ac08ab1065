"""The local data cache: daily chain history fetched from public sources, in one DuckDB file.

Where: ``data_dir`` if given, else ``$HASHPIVOT_DATA_DIR``, else ``~/.hashpivot/data``; the file is
``chain.duckdb`` in that folder. :func:`hashpivot.io.history.load_chain_history` reads it when no CSV
is named, so a fresh machine needs only ``hashpivot data update``.

Tables (units in the column names, as everywhere):

* ``chain_daily``: the chain table of :mod:`hashpivot.io.history` (same columns as
  ``shared/data/btc_daily.csv``), one row per UTC day, from the primary source; ``update_id`` says which
  update brought the row.
* ``crosscheck_daily``: the second source's daily hash rate [EH/s] and the difficulty in force for the
  whole day (NULL near a retarget), for the days it was compared on.
* ``disagreements``: days where the two sources differ by more than the tolerance (reported, not fatal).
* ``sources``: each source's title, base URL, endpoint, documentation, **attribution and licence** --
  kept with the data so that whoever copies the file keeps them too.
* ``updates``: one row per committed update (days added, URLs, cross-check counts, notes).
* ``cache_meta``: schema version.

Atomicity: an update is ONE transaction (all of its rows, the sources, the log); a crash, ``kill -9`` or
Ctrl-C before the commit leaves the file as it was. Inside the transaction the last stored day is read
again, so two updates racing cannot both append the same days. Like the run store, every operation
opens the file, works and closes it, retrying a locked file for up to ``busy_timeout_s`` seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashpivot.errors import DataError
from hashpivot.io.chain_table import DATE_COLUMN, FLOAT_COLUMNS, REQUIRED_COLUMNS

if TYPE_CHECKING:
    import duckdb

#: Environment variable naming the cache folder.
DATA_DIR_ENV_VAR = "HASHPIVOT_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.hashpivot/data")
CACHE_FILE_NAME = "chain.duckdb"
SCHEMA_VERSION = 1
#: Longest wait for another process to release the cache file. [s]
BUSY_TIMEOUT_S = 15.0

#: The chain table's columns after its date, in file order (the ``chain_daily`` table's order).
CHAIN_COLUMNS = tuple(c for c in REQUIRED_COLUMNS if c != DATE_COLUMN)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    """CREATE TABLE IF NOT EXISTS chain_daily (
        date DATE PRIMARY KEY, price_usd DOUBLE NOT NULL, hashrate_ehs DOUBLE NOT NULL,
        difficulty_mean DOUBLE NOT NULL, block_count BIGINT NOT NULL, fees_btc DOUBLE NOT NULL,
        issuance_btc DOUBLE NOT NULL, revenue_btc DOUBLE NOT NULL, revenue_usd DOUBLE NOT NULL,
        hashprice_usd_per_th_day DOUBLE NOT NULL, tx_count BIGINT NOT NULL, update_id BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS crosscheck_daily (
        date DATE PRIMARY KEY, source VARCHAR NOT NULL, hashrate_ehs DOUBLE, difficulty DOUBLE,
        update_id BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS disagreements (
        update_id BIGINT NOT NULL, date DATE NOT NULL, field VARCHAR NOT NULL, primary_source VARCHAR NOT NULL,
        primary_value DOUBLE NOT NULL, secondary_source VARCHAR NOT NULL, secondary_value DOUBLE NOT NULL,
        diff_frac DOUBLE NOT NULL, tolerance_frac DOUBLE NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sources (
        source VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, title VARCHAR NOT NULL, base_url VARCHAR NOT NULL,
        endpoint VARCHAR NOT NULL, docs_url VARCHAR NOT NULL, attribution VARCHAR NOT NULL,
        license VARCHAR NOT NULL, last_update_utc TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS updates (
        update_id BIGINT PRIMARY KEY, finished_utc TIMESTAMP NOT NULL, first_date DATE NOT NULL,
        last_date DATE NOT NULL, n_days BIGINT NOT NULL, primary_url VARCHAR NOT NULL,
        secondary_url VARCHAR, n_days_cross_checked BIGINT NOT NULL, n_disagreements BIGINT NOT NULL,
        note VARCHAR NOT NULL)""",
)
#: SQL formats of a stored timestamp (UTC) and day as ISO text.
_TS = "strftime({}, '%Y-%m-%dT%H:%M:%SZ')"
_DAY = "strftime({}, '%Y-%m-%d')"
_TABLES = ("cache_meta", "chain_daily", "crosscheck_daily", "disagreements", "sources", "updates")


class CacheError(DataError):
    """The cache file cannot be used: not a hashpivot cache, from a newer version, locked, or changed
    by another update while this one ran."""


def default_data_dir() -> Path:
    """``$HASHPIVOT_DATA_DIR`` if set (and not empty), else ``~/.hashpivot/data``. [folder]"""
    env = os.environ.get(DATA_DIR_ENV_VAR, "").strip()
    return Path(env).expanduser() if env else DEFAULT_DATA_DIR.expanduser()


@dataclass(frozen=True)
class Batch:
    """Everything one update commits.

    ``chain``: chain-table rows (index: UTC days, columns :data:`CHAIN_COLUMNS`). ``after``: the last
    stored day this batch continues (None for an empty cache). ``crosscheck``: index days, columns
    ``hashrate_ehs`` [EH/s] and ``difficulty`` (NaN where unknown). ``disagreements``: columns date,
    field, primary_source, primary_value, secondary_source, secondary_value, diff_frac, tolerance_frac.
    ``sources``: records of :func:`hashpivot.io.coinmetrics.source_record` and the like.
    """

    chain: pd.DataFrame
    after: dt.date | None
    primary_url: str
    secondary_source: str
    secondary_url: str | None
    crosscheck: pd.DataFrame
    disagreements: pd.DataFrame
    sources: Sequence[Mapping[str, str]]
    note: str = ""


@dataclass(frozen=True)
class SourceState:
    """One source as stored: its record, and the days it holds in the cache."""

    record: dict[str, Any]
    first_date: dt.date | None
    last_date: dt.date | None
    n_days: int
    gaps: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.record,
            "first_date": _iso(self.first_date), "last_date": _iso(self.last_date), "n_days": self.n_days,
            "gaps": [{"first": _iso(a), "last": _iso(b), "n_days": (b - a).days + 1} for a, b in self.gaps],
        }


class ChainCache:
    """The data cache in ``data_dir`` (see :func:`default_data_dir`)."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, *,
                 busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.dir = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
        self.file = self.dir / CACHE_FILE_NAME
        self.busy_timeout_s = busy_timeout_s

    @classmethod
    def at_file(cls, file: str | os.PathLike[str]) -> ChainCache:
        """The cache in the DuckDB file ``file`` (whatever its name)."""
        cache = cls(Path(file).expanduser().parent)
        cache.file = Path(file).expanduser()
        return cache

    def __repr__(self) -> str:
        return f"ChainCache({str(self.dir)!r})"

    def exists(self) -> bool:
        """Whether the cache file exists (it is only ever created by a committed update)."""
        return self.file.is_file()

    # ------------------------------------------------------------------------------------- reading

    def last_date(self) -> dt.date | None:
        """The last stored day, or None when nothing is stored."""
        if not self.exists():
            return None
        with self._connect(read_only=True) as con:
            row = _one(con, "SELECT max(date) FROM chain_daily")
        return None if row is None or row[0] is None else _as_date(row[0])

    def chain_strings(self) -> pd.DataFrame:
        """The chain table as strings, in the CSV's column order (what
        :func:`hashpivot.io.history.validate_chain_history` reads). Floats are written with ``repr``
        precision, so the round trip is exact."""
        with self._connect(read_only=True) as con:
            frame = con.execute(
                f"SELECT strftime(date, '%Y-%m-%d') AS date, {', '.join(CHAIN_COLUMNS)} "
                "FROM chain_daily ORDER BY date"
            ).df()
        text = pd.DataFrame({"date": frame["date"].astype(str)})
        for column in CHAIN_COLUMNS:
            values = frame[column].to_numpy()
            text[column] = [repr(float(v)) if column in FLOAT_COLUMNS else str(int(v)) for v in values]
        return text

    def status(self, *, today: dt.date | None = None, max_disagreements: int | None = None) -> dict[str, Any]:
        """Sources with their date ranges and gaps, last updates, disagreements; see ``hashpivot data
        status``. ``today`` (default: the UTC date) gives how many days the cache is behind."""
        today = today or dt.datetime.now(dt.UTC).date()
        out: dict[str, Any] = {"cache": str(self.file), "exists": self.exists()}
        if not out["exists"]:
            return out
        with self._connect(read_only=True) as con:
            chain_dates = [_as_date(r[0]) for r in con.execute("SELECT date FROM chain_daily ORDER BY date").fetchall()]
            check_dates = [_as_date(r[0]) for r in
                           con.execute("SELECT date FROM crosscheck_daily ORDER BY date").fetchall()]
            records = _records(con, "SELECT source, role, title, base_url, endpoint, docs_url, attribution, "
                               f"license, {_TS.format('last_update_utc')} AS last_update_utc FROM sources "
                               "ORDER BY role = 'cross-check', source")
            updates = _records(con, f"SELECT update_id, {_TS.format('finished_utc')} AS finished_utc, "
                               f"{_DAY.format('first_date')} AS first_date, {_DAY.format('last_date')} AS last_date, "
                               "n_days, primary_url, secondary_url, n_days_cross_checked, n_disagreements, note "
                               "FROM updates ORDER BY update_id")
            disagreements = _records(
                con, f"SELECT update_id, {_DAY.format('date')} AS date, field, primary_source, primary_value, "
                "secondary_source, secondary_value, diff_frac, tolerance_frac FROM disagreements ORDER BY date, field"
                + (f" LIMIT {int(max_disagreements)}" if max_disagreements is not None else "")
            )
            n_disagreements = _one(con, "SELECT count(*) FROM disagreements")[0]
        states = []
        for record in records:
            dates = chain_dates if record["role"] == "primary" else check_dates
            span = (chain_dates[0], chain_dates[-1]) if chain_dates else None
            states.append(SourceState(
                record=record,
                first_date=dates[0] if dates else None, last_date=dates[-1] if dates else None,
                n_days=len(dates), gaps=_gaps(dates, span),
            ))
        last = chain_dates[-1] if chain_dates else None
        out.update(
            sources=[s.to_dict() for s in states],
            first_date=_iso(chain_dates[0]) if chain_dates else None,
            last_date=_iso(last),
            n_days=len(chain_dates),
            days_behind=(today - last).days - 1 if last else None,
            updates=updates,
            n_disagreements=int(n_disagreements),
            disagreements=disagreements,
        )
        return out

    # ------------------------------------------------------------------------------------- writing

    def commit(self, batch: Batch, *, now: dt.datetime | None = None) -> int:
        """Append ``batch`` in one transaction; returns its update id.

        Raises CacheError (nothing written) when the cache's last day is no longer ``batch.after``
        (another update ran meanwhile) or the batch's first day does not follow it.
        """
        now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
        chain = batch.chain
        if chain.empty:
            raise CacheError("an update with no days cannot be committed")
        first = chain.index[0].date()
        expected_first = batch.after + dt.timedelta(days=1) if batch.after else first
        if first != expected_first:
            raise CacheError(f"the batch starts on {first} but the cache ends on {batch.after}; "
                             f"allowed: a batch starting on {expected_first}")
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._connect(read_only=False) as con:
            con.begin()
            try:
                for statement in _SCHEMA:
                    con.execute(statement)
                con.execute("INSERT OR IGNORE INTO cache_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
                row = _one(con, "SELECT max(date) FROM chain_daily")
                stored_last = None if row is None or row[0] is None else _as_date(row[0])
                if stored_last != batch.after:
                    raise CacheError(
                        f"the cache {self.file} changed during the update (it now ends on {stored_last}, "
                        f"expected {batch.after}); run `hashpivot data update` again"
                    )
                update_id = int(_one(con, "SELECT coalesce(max(update_id), 0) + 1 FROM updates")[0])
                rows = chain.reset_index().rename(columns={chain.index.name or "index": "date"})
                rows["date"] = pd.to_datetime(rows["date"]).dt.date
                rows["update_id"] = update_id
                con.register("hp_chain_batch", rows)
                con.execute(f"INSERT INTO chain_daily SELECT date, {', '.join(CHAIN_COLUMNS)}, update_id "
                            "FROM hp_chain_batch")
                con.unregister("hp_chain_batch")
                if not batch.crosscheck.empty:
                    check = pd.DataFrame({
                        "date": [d.date() for d in batch.crosscheck.index],
                        "source": batch.secondary_source,
                        "hashrate_ehs": batch.crosscheck["hashrate_ehs"].to_numpy(dtype=np.float64),
                        "difficulty": batch.crosscheck["difficulty"].to_numpy(dtype=np.float64),
                        "update_id": update_id,
                    })
                    con.register("hp_check_batch", check)
                    con.execute("INSERT OR REPLACE INTO crosscheck_daily SELECT date, source, "
                                "CASE WHEN isnan(hashrate_ehs) THEN NULL ELSE hashrate_ehs END, "
                                "CASE WHEN isnan(difficulty) THEN NULL ELSE difficulty END, update_id "
                                "FROM hp_check_batch")
                    con.unregister("hp_check_batch")
                if not batch.disagreements.empty:
                    dis = batch.disagreements.copy()
                    dis["date"] = pd.to_datetime(dis["date"]).dt.date
                    dis.insert(0, "update_id", update_id)
                    con.register("hp_dis_batch", dis)
                    con.execute("INSERT INTO disagreements SELECT update_id, date, field, primary_source, "
                                "primary_value, secondary_source, secondary_value, diff_frac, tolerance_frac "
                                "FROM hp_dis_batch")
                    con.unregister("hp_dis_batch")
                for record in batch.sources:
                    con.execute(
                        "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [record["source"], record["role"], record["title"], record["base_url"],
                         record["endpoint"], record["docs_url"], record["attribution"], record["license"], now],
                    )
                con.execute(
                    "INSERT INTO updates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [update_id, now, first, chain.index[-1].date(), len(chain), batch.primary_url,
                     batch.secondary_url, int(batch.crosscheck["hashrate_ehs"].notna().sum())
                     if not batch.crosscheck.empty else 0, len(batch.disagreements), batch.note],
                )
                con.commit()
            except BaseException:
                con.rollback()
                raise
        return update_id

    # ------------------------------------------------------------------------------------- connection

    @contextmanager
    def _connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        import duckdb

        deadline = time.monotonic() + self.busy_timeout_s
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.file), read_only=read_only)
                break
            except duckdb.Error as exc:
                text = str(exc)
                if "lock" not in text.lower():
                    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
                    raise CacheError(f"{self.file} is not a readable hashpivot data cache ({first}); "
                                     "remove it and run `hashpivot data update`") from exc
                if time.monotonic() + delay > deadline:
                    raise CacheError(f"the data cache {self.file} is busy: another process held it for "
                                     f"{self.busy_timeout_s:g} s; try again when it has finished") from exc
                time.sleep(delay)
                delay = min(2 * delay, 0.5)
        try:
            if read_only:
                self._check_schema(con)
            yield con
        finally:
            con.close()

    def _check_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        missing = [t for t in _TABLES if t not in tables]
        if missing:
            raise CacheError(f"{self.file} is a DuckDB file but not a hashpivot data cache "
                             f"(no table {', '.join(missing)})")
        row = _one(con, "SELECT value FROM cache_meta WHERE key = 'schema_version'")
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise CacheError(f"the data cache {self.file} was written by a newer hashpivot "
                             f"(schema {row[0]}, this one reads {SCHEMA_VERSION})")


def _gaps(dates: list[dt.date], span: tuple[dt.date, dt.date] | None) -> list[tuple[dt.date, dt.date]]:
    """Runs of days missing from ``dates`` inside ``span`` (first, last), as (first, last) pairs."""
    if span is None:
        return []
    have = set(dates)
    gaps: list[tuple[dt.date, dt.date]] = []
    day, end = span
    start_gap: dt.date | None = None
    while day <= end:
        if day not in have:
            start_gap = start_gap or day
        elif start_gap is not None:
            gaps.append((start_gap, day - dt.timedelta(days=1)))
            start_gap = None
        day += dt.timedelta(days=1)
    if start_gap is not None:
        gaps.append((start_gap, end))
    return gaps


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return value.isoformat()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple | None:
    """The first row of ``sql`` (all rows fetched, so the connection is free for the next statement)."""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """Rows of ``sql`` as dicts of Python values (NULL -> None)."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
