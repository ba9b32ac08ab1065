"""The run store: every run recorded in one embedded DuckDB file.

Where: ``path`` if given, else ``$HASHPIVOT_STORE``, else ``~/.hashpivot/runs.duckdb``. How long to wait
for a busy store: ``busy_timeout_s``, else ``$HASHPIVOT_STORE_BUSY_TIMEOUT_S``, else 15 s.

What a run holds: id, creation time (UTC), name, the scenario TOML, seed, version, n_paths, the policies,
the tidy summary, the win-rate matrix and the monthly fan data (p5/p25/p50/p75/p95 per policy, variable
and date, computed by :func:`hashpivot.analysis.fan.fan_frame` and handed to :meth:`RunStore.save_run`).

Transactions: a run is written in ONE transaction (the run row, then its summary, win-rate and fan
rows); a crash, ``kill -9`` or Ctrl-C before the commit leaves the store as it was, without the run.

Concurrency: DuckDB lets one process at a time open a file for writing (and none read while it
writes). Every operation opens the file, does its work and closes it, so the lock is held for well
under a second; a process that finds the file locked retries with jittered exponential backoff for at
most ``busy_timeout_s`` seconds, then raises :class:`StoreBusyError` ("store busy"). The tables are
built before the file is opened, so the lock is never held while computing.
"""

from __future__ import annotations

import os
import random
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashpivot.errors import HashpivotError

if TYPE_CHECKING:
    import duckdb

STORE_ENV_VAR = "HASHPIVOT_STORE"
#: Environment variable overriding :data:`DEFAULT_BUSY_TIMEOUT_S`. [s]
BUSY_TIMEOUT_ENV_VAR = "HASHPIVOT_STORE_BUSY_TIMEOUT_S"
DEFAULT_STORE = Path("~/.hashpivot/runs.duckdb")
#: Longest a process waits for another to release the store before "store busy". [s]
DEFAULT_BUSY_TIMEOUT_S = 15.0
#: First and longest pause between two tries to open a locked store. [s]
FIRST_BACKOFF_S = 0.01
MAX_BACKOFF_S = 0.5
#: 2 added ``runs.capacity`` (the capacity plans a run simulated); a schema-1 store gains the column, empty for
#: its old runs, the first time this version writes to it.
SCHEMA_VERSION = 2

#: Test seam: called inside the write transaction after each table is inserted, with the table name
#: ("runs", "summary", "win_rate", "fan"). Tests set it in a child process to stop mid-write.
_after_insert: Callable[[str], None] | None = None

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE SEQUENCE IF NOT EXISTS run_id_seq START 1",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id BIGINT PRIMARY KEY, created_utc TIMESTAMP NOT NULL, name VARCHAR, scenario_name VARCHAR NOT NULL,
        scenario_toml VARCHAR NOT NULL, seed BIGINT NOT NULL, version VARCHAR NOT NULL, n_paths BIGINT NOT NULL,
        n_samples BIGINT NOT NULL, horizon_days BIGINT NOT NULL, policies VARCHAR[] NOT NULL)""",
    # schema 2; a schema-1 store's old runs keep NULL (their plan is read from their labels, or is the main one)
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS capacity VARCHAR[]",
    """CREATE TABLE IF NOT EXISTS summary (
        run_id BIGINT NOT NULL, ord INTEGER NOT NULL, policy VARCHAR NOT NULL, metric VARCHAR NOT NULL,
        stat VARCHAR NOT NULL, value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS win_rate (
        run_id BIGINT NOT NULL, ord INTEGER NOT NULL, policy VARCHAR NOT NULL, versus VARCHAR NOT NULL,
        value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS fan (
        run_id BIGINT NOT NULL, ord INTEGER NOT NULL, policy VARCHAR, variable VARCHAR NOT NULL, date DATE NOT NULL,
        day INTEGER NOT NULL, p5 DOUBLE, p25 DOUBLE, p50 DOUBLE, p75 DOUBLE, p95 DOUBLE)""",
)
DATA_TABLES = ("summary", "win_rate", "fan")


class StoreError(HashpivotError):
    """The run store cannot do what was asked: unknown run, not a run store, unreadable file."""


class StoreDamagedError(StoreError):
    """The store file is truncated or corrupt: it is never written to; ``runs check --copy-to`` saves what reads."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(
            f"the run store {path} is damaged ({detail}); it was left as it is: 'hashpivot runs check --store "
            f"{path} --copy-to NEW.duckdb' copies its readable runs into a new store, then use that one "
            f"(--store or ${STORE_ENV_VAR})"
        )


#: DuckDB errors that mean the file itself is damaged (truncated, corrupt), not a lock or a query.
_DAMAGE_ERRORS = ("IOException", "SerializationException", "InternalException", "FatalException")


class StoreBusyError(Exception):
    """Another process held the run store for longer than the busy timeout (not bad input: retry later)."""


@dataclass(frozen=True)
class StoreHealth:
    """What ``RunStore.health`` found: ``broken_tables`` {table: DuckDB's first line}, the ids of the runs
    whose rows all read, and of those that do not."""

    path: Path
    broken_tables: dict[str, str]
    readable_run_ids: list[int]
    unreadable_run_ids: list[int]

    @property
    def is_healthy(self) -> bool:
        return not self.broken_tables and not self.unreadable_run_ids

    def to_dict(self) -> dict[str, Any]:
        return {"store": str(self.path), "healthy": self.is_healthy, "broken_tables": dict(self.broken_tables),
                "readable_run_ids": list(self.readable_run_ids), "unreadable_run_ids": list(self.unreadable_run_ids)}


@dataclass(frozen=True)
class RunInfo:
    """One stored run, without its tables."""

    run_id: int
    created_utc: datetime
    name: str | None
    scenario_name: str
    seed: int
    version: str
    n_paths: int
    n_samples: int
    horizon_days: int
    policies: list[str]
    #: The labels of the capacity plans it simulated, in order (None: recorded before the store kept them).
    capacity: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "created_utc": self.created_utc.isoformat().replace("+00:00", "Z"),
            "name": self.name, "scenario_name": self.scenario_name, "seed": self.seed, "version": self.version,
            "n_paths": self.n_paths, "n_samples": self.n_samples, "horizon_days": self.horizon_days,
            "policies": list(self.policies),
            "capacity": None if self.capacity is None else list(self.capacity),
        }


@dataclass(frozen=True)
class StoredRun:
    """A stored run with its tables: ``summary`` tidy (policy, metric, stat, value); ``win_rate`` square
    (index policy, columns versus) [fraction]; ``fan`` tidy (policy, variable, date, day, p5..p95),
    ``policy`` None for market series."""

    info: RunInfo
    scenario_toml: str
    summary: pd.DataFrame
    win_rate: pd.DataFrame
    fan: pd.DataFrame

    def tables(self):
        """The export tables (:class:`hashpivot.io.export.RunTables`) of this run."""
        from hashpivot.io.export import RunTables

        meta = self.info.to_dict()
        meta["policies"] = ", ".join(self.info.policies)
        meta["capacity"] = None if self.info.capacity is None else ", ".join(self.info.capacity)
        return RunTables(self.summary, self.fan, self.win_rate, self.scenario_toml, meta)


@dataclass(frozen=True)
class RunDiff:
    """What changed from run ``a`` to run ``b``.

    ``scenario``: (dotted key, value in a, value in b) for every key whose value differs; None means
    the key is absent (TOML has no null). ``summary``: columns policy, metric, stat, a, b, change
    (b - a) and change_frac ((b - a) / |a|), for every entry that differs (NaN on both sides counts as
    equal; NaN on one side as a difference).
    """

    a: RunInfo
    b: RunInfo
    scenario: list[tuple[str, Any, Any]]
    summary: pd.DataFrame


def default_store_path() -> Path:
    """``$HASHPIVOT_STORE`` if set (and not empty), else ``~/.hashpivot/runs.duckdb``."""
    env = os.environ.get(STORE_ENV_VAR, "").strip()
    return Path(env).expanduser() if env else DEFAULT_STORE.expanduser()


def default_busy_timeout_s() -> float:
    """``$HASHPIVOT_STORE_BUSY_TIMEOUT_S`` if set, else :data:`DEFAULT_BUSY_TIMEOUT_S`. [s]"""
    text = os.environ.get(BUSY_TIMEOUT_ENV_VAR, "").strip()
    if not text:
        return DEFAULT_BUSY_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 3600.0:
        raise StoreError(f"{BUSY_TIMEOUT_ENV_VAR}={text!r} is invalid: allowed seconds from 0 to 3600")
    return value


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class RunStore:
    """The run store in the DuckDB file ``path`` (see :func:`default_store_path`)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 busy_timeout_s: float | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.busy_timeout_s = default_busy_timeout_s() if busy_timeout_s is None else float(busy_timeout_s)

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r})"

    # ------------------------------------------------------------------------------------- connection

    @contextmanager
    def _connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the file (retrying while another process holds it), yield, always close."""
        import duckdb

        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of the run store {self.path}: {exc}") from exc
        deadline = time.monotonic() + self.busy_timeout_s
        delay = FIRST_BACKOFF_S
        tries = 0
        while True:
            tries += 1
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.Error as exc:
                if not _is_lock_conflict(exc):
                    if "not a valid DuckDB database" in str(exc):  # no store at all: nothing a copy could read
                        raise StoreError(f"cannot open the run store {self.path}: it is not a DuckDB file, so it "
                                         "holds no runs to copy; allowed: a run store's file, or a new path "
                                         "(--store, $HASHPIVOT_STORE)") from exc
                    raise StoreError(f"cannot open the run store {self.path}: {_first_line(exc)}; if it is a damaged "
                                     f"run store, 'hashpivot runs check --store {self.path} --copy-to NEW.duckdb' "
                                     "copies its readable runs") from exc
                pause = delay * random.uniform(0.5, 1.5)
                if time.monotonic() + pause > deadline:
                    raise StoreBusyError(
                        f"store busy: another process has held the run store {self.path} for "
                        f"{self.busy_timeout_s:g} s ({tries} tries); try again when it has finished"
                    ) from exc
                time.sleep(pause)
                delay = min(2 * delay, MAX_BACKOFF_S)
        try:
            yield con
        except duckdb.Error as exc:
            if type(exc).__name__ in _DAMAGE_ERRORS:
                raise StoreDamagedError(self.path, _first_line(exc)) from exc
            raise
        finally:
            con.close()

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A read-only connection, or None when the store file does not exist yet (no runs)."""
        if not self.path.exists():
            yield None
            return
        with self._connect(read_only=True) as con:
            self._check_schema(con)
            yield con

    def _check_schema(self, con) -> None:
        import duckdb

        try:
            row = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
        except duckdb.CatalogException:
            tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if not tables:  # an empty DuckDB file: a store not written yet
                return
            raise StoreError(f"{self.path} is a DuckDB file but not a hashpivot run store") from None
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"the run store {self.path} was written by a newer hashpivot "
                             f"(schema {row[0]}, this one reads {SCHEMA_VERSION})")

    def _ensure_schema(self, con) -> None:
        self._check_schema(con)
        con.begin()
        try:
            for statement in _SCHEMA:
                con.execute(statement)
            con.execute("INSERT OR REPLACE INTO store_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            con.commit()
        except BaseException:
            con.rollback()
            raise

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection inside one transaction: committed when the block ends normally, rolled
        back on any exception (KeyboardInterrupt included); a killed process never commits."""
        if self.path.exists():
            self.verify()  # read-only first: a damaged file is never opened for writing
        with self._connect(read_only=False) as con:
            self._ensure_schema(con)
            con.begin()
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()

    def check(self) -> None:
        """Raise StoreError now if ``path`` cannot be a run store (a folder, not a DuckDB file, not a
        hashpivot store, an uncreatable folder), so a long run does not fail only when recording.
        A store that another process holds is taken as fine (it is in use, hence a store)."""
        if self.path.exists():
            if not self.path.is_file():
                raise StoreError(f"the run store {self.path} is not a file")
            try:
                RunStore(self.path, busy_timeout_s=0.0).verify()
            except StoreBusyError:
                return
            return
        parent = self.path.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise StoreError(f"cannot create the run store {self.path}: {parent} is not a writable folder")

    def verify(self) -> None:
        """Read every row of every table (a checksum query), read-only: StoreDamagedError if any block cannot be
        read or decoded. A store that does not exist yet is fine."""
        with self._reader() as con:
            if con is None:
                return
            for table in _present_tables(con):
                con.execute(f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {table}").fetchall()

    def health(self) -> StoreHealth:
        """What of the store can be read: the tables that read whole, the runs whose rows all read, and the
        ids that fail. Never raises StoreDamagedError (that is what it reports)."""
        import duckdb

        with self._connect(read_only=True) as con:
            broken: dict[str, str] = {}
            try:
                self._check_schema(con)
                present = _present_tables(con)
            except duckdb.Error as exc:
                broken["store_meta"] = _first_line(exc)
                present = []
            for table in present:
                try:
                    con.execute(f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {table}").fetchall()
                except duckdb.Error as exc:
                    broken[table] = _first_line(exc)
            try:
                ids = [int(r[0]) for r in con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()] \
                    if "runs" in present else []
            except duckdb.Error as exc:
                broken.setdefault("runs", _first_line(exc))
                ids = []
            readable, unreadable = [], []
            for rid in ids:
                try:
                    self._read_rows(con, rid)
                    readable.append(rid)
                except duckdb.Error:
                    unreadable.append(rid)
        return StoreHealth(self.path, broken, readable, unreadable)

    def copy_readable_to(self, dest: str | os.PathLike[str]) -> StoreHealth:
        """Copy every readable run (same ids, same rows) into a NEW store file ``dest``; the damaged store is only
        read. Returns the health of this store (which runs were copied). ``dest`` existing, or a damaged store of
        which no run reads (an empty copy would read as the runs saved): StoreError, and nothing written."""
        target = Path(dest).expanduser()
        if target.exists():
            raise StoreError(f"--copy-to {target} exists; allowed: a new file (the copy never overwrites)")
        health = self.health()
        if not health.is_healthy and not health.readable_run_ids:
            raise StoreError(f"--copy-to {target}: no run of {self.path} reads whole, so nothing was copied; allowed: "
                             "a store with a run that reads whole")
        import duckdb

        with self._connect(read_only=True) as src:
            rows = {rid: self._read_rows(src, rid) for rid in health.readable_run_ids}
        tmp = target.with_name(target.name + ".partial")
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            # The sequence starts past the copied ids, so new runs never take an old run's number.
            con.execute(f"CREATE SEQUENCE run_id_seq START {max(health.readable_run_ids, default=0) + 1}")
            RunStore(tmp)._ensure_schema(con)
            con.begin()
            for run_row, tables in rows.values():
                con.execute(f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES ({', '.join('?' * len(run_row))})",
                            list(run_row))
                for table, frame in tables.items():
                    con.register("copied_df", frame)
                    con.execute(f"INSERT INTO {table} SELECT * FROM copied_df")
                    con.unregister("copied_df")
            con.commit()
        finally:
            con.close()
        os.replace(tmp, target)  # whole or not at all
        return health

    @staticmethod
    def _read_rows(con, rid: int) -> tuple[tuple, dict[str, pd.DataFrame]]:
        # by name, in _RUN_COLUMNS' order: a schema-1 store has no capacity column (its runs' plans: NULL)
        columns = _RUN_COLUMNS if _has_capacity(con) else _RUN_COLUMNS.replace(", capacity", ", NULL AS capacity")
        run_row = con.execute(f"SELECT {columns} FROM runs WHERE run_id = ?", [rid]).fetchone()
        tables = {t: con.execute(f"SELECT * FROM {t} WHERE run_id = ? ORDER BY ord", [rid]).df() for t in DATA_TABLES}
        return run_row, tables

    # ---------------------------------------------------------------------------------------- writes

    def save_run(self, result, fan: pd.DataFrame, name: str | None = None) -> int:
        """Record a ``SimResult`` with its monthly ``fan`` table (``hashpivot.analysis.fan.fan_frame`` of its
        dataset) in one transaction; returns its run id."""
        scenario = result.scenario
        policies = list(result.policies)
        summary = result.summary.reset_index(drop=True)[["policy", "metric", "stat", "value"]]
        summary = summary.assign(ord=np.arange(len(summary), dtype=np.int32))
        win = result.win_rate.reindex(index=policies, columns=policies)
        win_long = pd.DataFrame(
            [(i * len(policies) + j, p, v, float(win.iat[i, j]))
             for i, p in enumerate(policies) for j, v in enumerate(policies)],
            columns=["ord", "policy", "versus", "value"],
        )
        fan = fan.reset_index(drop=True)
        fan = fan.assign(ord=np.arange(len(fan), dtype=np.int32), date=pd.to_datetime(fan["date"]))
        meta = [
            datetime.now(UTC).replace(tzinfo=None), name, scenario.name, result.scenario_toml, int(result.seed),
            str(result.version), int(result.dataset.sizes.get("path", result.dataset.attrs.get("n_paths", 0))),
            int(result.dataset.sizes.get("sample", 0)),
            int(scenario.run.horizon_days), policies,
            _plans_run(result),
        ]
        with self._transaction() as con:
            run_id = int(con.execute("SELECT nextval('run_id_seq')").fetchone()[0])
            con.execute(f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, *meta])
            _hook("runs")
            con.register("summary_df", summary)
            con.execute("INSERT INTO summary SELECT ?, ord, policy, metric, stat, value FROM summary_df", [run_id])
            _hook("summary")
            con.register("win_df", win_long)
            con.execute("INSERT INTO win_rate SELECT ?, ord, policy, versus, value FROM win_df", [run_id])
            _hook("win_rate")
            con.register("fan_df", fan)
            con.execute(
                "INSERT INTO fan SELECT ?, ord, policy, variable, CAST(date AS DATE), day, p5, p25, p50, p75, p95 "
                "FROM fan_df", [run_id],
            )
            _hook("fan")
        return run_id

    def delete_run(self, run_id: int | str) -> int:
        """Remove a run and its tables (one transaction); returns its id. Unknown id: StoreError."""
        with self._transaction() as con:
            rid = self._resolve(con, run_id)
            for table in DATA_TABLES:
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", [rid])
            con.execute("DELETE FROM runs WHERE run_id = ?", [rid])
        return rid

    # ----------------------------------------------------------------------------------------- reads

    def list_runs(self, limit: int | None = None) -> list[RunInfo]:
        """Stored runs, newest first (at most ``limit``)."""
        with self._reader() as con:
            if con is None or not _has_runs_table(con):
                return []
            sql = f"SELECT {_info_columns(con)} FROM runs ORDER BY run_id DESC"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            return [_info(row) for row in con.execute(sql).fetchall()]

    def get_run(self, run_id: int | str) -> StoredRun:
        """A stored run with its tables. ``run_id``: an id or ``"latest"``. Unknown id: StoreError."""
        with self._reader() as con:
            if con is None or not _has_runs_table(con):
                raise StoreError(f"run {run_id} is not in the run store {self.path}: the store has no runs yet")
            rid = self._resolve(con, run_id)
            row = con.execute(f"SELECT {_info_columns(con)}, scenario_toml FROM runs WHERE run_id = ?",
                              [rid]).fetchone()
            info, toml_text = _info(row[:-1]), row[-1]
            summary = con.execute(
                "SELECT policy, metric, stat, value FROM summary WHERE run_id = ? ORDER BY ord", [rid]).df()
            win_long = con.execute(
                "SELECT policy, versus, value FROM win_rate WHERE run_id = ? ORDER BY ord", [rid]).df()
            fan = con.execute(
                "SELECT policy, variable, date, day, p5, p25, p50, p75, p95 FROM fan WHERE run_id = ? ORDER BY ord",
                [rid]).df()
        summary["value"] = summary["value"].astype(np.float64)
        fan["date"] = pd.to_datetime(fan["date"])
        fan["day"] = fan["day"].astype(np.int64)
        fan["policy"] = fan["policy"].astype(object).where(fan["policy"].notna(), None)
        order = list(info.policies)
        win = win_long.pivot(index="policy", columns="versus", values="value").reindex(index=order, columns=order)
        win = win.astype(np.float64)
        win.index.name, win.columns.name = "policy", "versus"
        return StoredRun(info, toml_text, summary, win, fan)

    def resolve_id(self, run_id: int | str) -> int:
        """The id of ``run_id`` (an id or ``"latest"``), checked to exist. Unknown: StoreError."""
        with self._reader() as con:
            if con is None or not _has_runs_table(con):
                raise StoreError(f"run {run_id} is not in the run store {self.path}: the store has no runs yet")
            return self._resolve(con, run_id)

    def _resolve(self, con, run_id: int | str) -> int:
        text = str(run_id).strip()
        if text == "latest":
            row = con.execute("SELECT max(run_id) FROM runs").fetchone()
            if row is None or row[0] is None:
                raise StoreError(f"run latest is not in the run store {self.path}: the store has no runs yet")
            return int(row[0])
        try:
            rid = int(text)
        except ValueError:
            raise StoreError(f"run id {text!r} is invalid: allowed a run number from 'hashpivot runs list' "
                             f"or 'latest'") from None
        if con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [rid]).fetchone()[0] == 0:
            raise StoreError(f"run {rid} is not in the run store {self.path}; 'hashpivot runs list' shows the runs")
        return rid

    # ------------------------------------------------------------------------------------------ diff

    def diff_runs(self, a: int | str, b: int | str) -> RunDiff:
        """What changed from run ``a`` to run ``b``: scenario keys and summary entries (see RunDiff)."""
        run_a, run_b = self.get_run(a), self.get_run(b)
        return diff_stored(run_a, run_b)


def diff_stored(run_a: StoredRun, run_b: StoredRun) -> RunDiff:
    """The :class:`RunDiff` of two stored runs."""
    from hashpivot.io.export import flatten

    flat_a = flatten(tomllib.loads(run_a.scenario_toml))
    flat_b = flatten(tomllib.loads(run_b.scenario_toml))
    keys = list(dict.fromkeys([*flat_a, *flat_b]))
    scenario = [(k, flat_a.get(k), flat_b.get(k)) for k in keys if flat_a.get(k) != flat_b.get(k)]
    return RunDiff(run_a.info, run_b.info, scenario, summary_diff(run_a.summary, run_b.summary))


def summary_diff(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Entries of two tidy summaries that differ: policy, metric, stat, a, b, change, change_frac.

    >>> s = lambda v: pd.DataFrame({"policy": ["p"], "metric": ["nav_usd"], "stat": ["p50"], "value": [v]})
    >>> summary_diff(s(100.0), s(110.0))[["a", "b", "change", "change_frac"]].to_dict("records")
    [{'a': 100.0, 'b': 110.0, 'change': 10.0, 'change_frac': 0.1}]
    >>> len(summary_diff(s(float("nan")), s(float("nan"))))
    0
    """
    keys = ["policy", "metric", "stat"]
    merged = pd.merge(a[[*keys, "value"]].rename(columns={"value": "a"}),
                      b[[*keys, "value"]].rename(columns={"value": "b"}), on=keys, how="outer", sort=False)
    va, vb = merged["a"].to_numpy(np.float64), merged["b"].to_numpy(np.float64)
    same = (va == vb) | (np.isnan(va) & np.isnan(vb))
    out = merged.loc[~same].reset_index(drop=True)
    va, vb = out["a"].to_numpy(np.float64), out["b"].to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change"] = vb - va
        out["change_frac"] = np.where(np.abs(va) > 0, (vb - va) / np.abs(va), np.nan)
    return out


_RUN_COLUMNS = ("run_id, created_utc, name, scenario_name, scenario_toml, seed, version, n_paths, n_samples, "
                "horizon_days, policies, capacity")


def _plans_run(result) -> list[str] | None:
    """The labels of the capacity plans a result simulated, in order (None: a result without them, a sweep's)."""
    if "capacity" not in result.dataset.variables:
        return None
    return [str(c) for c in dict.fromkeys(result.dataset["capacity"].values.tolist())]


def _has_capacity(con) -> bool:
    """Whether the store's ``runs`` has schema 2's ``capacity`` column (a schema-1 store read, never written, has
    not)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'runs' "
                            "AND column_name = 'capacity'").fetchone()[0])


def _info_columns(con) -> str:
    """The ``runs`` columns of a ``RunInfo``; a schema-1 store's ``capacity``: NULL."""
    return ("run_id, created_utc, name, scenario_name, seed, version, n_paths, n_samples, horizon_days, policies, "
            + ("capacity" if _has_capacity(con) else "NULL AS capacity"))


def _info(row) -> RunInfo:
    created = row[1]
    if isinstance(created, datetime):
        created = created.replace(tzinfo=UTC)
    return RunInfo(int(row[0]), created, row[2], row[3], int(row[4]), row[5], int(row[6]), int(row[7]),
                   int(row[8]), list(row[9]), None if row[10] is None else list(row[10]))


def _present_tables(con) -> list[str]:
    """The store's tables that exist in this file, in :data:`_SCHEMA` order."""
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return [t for t in ("store_meta", "runs", *DATA_TABLES) if t in names]


def _has_runs_table(con) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'").fetchone()[0])


def _hook(stage: str) -> None:
    if _after_insert is not None:
        _after_insert(stage)
