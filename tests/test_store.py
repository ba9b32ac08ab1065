"""The run store (DuckDB): round trip, list/delete, diff, a writer killed mid-transaction, concurrent
writers, a busy store. Child processes save a pickled result, so they never simulate."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from store_helpers import N_PATHS, pickle_result, save, tiny_result

from hashpivot.errors import HashpivotError
from hashpivot.analysis.fan import fan_frame
from hashpivot.io.store import (
    BUSY_TIMEOUT_ENV_VAR,
    RunStore,
    StoreBusyError,
    StoreError,
    default_store_path,
    summary_diff,
)

CHILD_TIMEOUT_S = 60


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs.duckdb")


def _child(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_line(proc: subprocess.Popen, expected: str) -> None:
    line = proc.stdout.readline().strip()
    if line != expected:
        proc.kill()
        _, err = proc.communicate(timeout=CHILD_TIMEOUT_S)
        raise AssertionError(f"child printed {line!r}, expected {expected!r}; stderr:\n{err}")


def _orphans(path: Path) -> dict[str, int]:
    """Rows of the data tables whose run is not in ``runs`` (a half-written run would leave some)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t} WHERE run_id NOT IN (SELECT run_id FROM runs)").fetchone()[0]
                for t in ("summary", "win_rate", "fan")}
    finally:
        con.close()


def _assert_same_run(stored, result, name=None) -> None:
    pd.testing.assert_frame_equal(stored.summary, result.summary.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(stored.win_rate, result.win_rate, check_names=False)
    expected_fan = fan_frame(result.dataset)
    pd.testing.assert_frame_equal(stored.fan, expected_fan, check_dtype=False)
    assert stored.scenario_toml == result.scenario_toml
    assert stored.info.seed == result.seed and stored.info.version == result.version
    assert stored.info.policies == result.policies
    assert stored.info.n_paths == N_PATHS
    assert stored.info.name == name


# --- round trip, list, delete ---------------------------------------------------------------------


def test_round_trip_keeps_every_table_and_fact(store):
    result = tiny_result()
    before = pd.Timestamp.now(tz="UTC")
    run_id = save(store, result, name="base case")
    stored = store.get_run(run_id)
    _assert_same_run(stored, result, name="base case")
    assert before <= pd.Timestamp(stored.info.created_utc) <= pd.Timestamp.now(tz="UTC")
    assert stored.info.created_utc.tzinfo is not None
    assert stored.info.horizon_days == 75 and stored.info.n_samples == N_PATHS
    assert store.get_run("latest").info.run_id == run_id


def test_fan_rows_cover_each_policy_variable_and_month_with_ordered_quantiles(store):
    result = tiny_result()
    fan = store.get_run(save(store, result)).fan
    n_dates = result.dataset.sizes["date"]
    per_policy = fan[fan["policy"].notna()]
    assert set(per_policy["policy"]) == set(result.policies)
    assert set(per_policy["variable"]) == {"nav_usd", "btc_held", "cash_usd", "btc_per_share", "nav_per_share_usd"}
    assert (per_policy.groupby(["policy", "variable"]).size() == n_dates).all()
    market = fan[fan["policy"].isna()]
    assert set(market["variable"]) == {"btc_price_usd", "network_hashrate_ehs", "hashprice_usd_per_th_day"}
    q = fan[["p5", "p25", "p50", "p75", "p95"]].to_numpy()
    assert np.all(np.diff(q, axis=1) >= 0)
    # The median of NAV for the first policy is numpy's median over the stored sample paths.
    nav = per_policy[(per_policy["policy"] == "sell_all") & (per_policy["variable"] == "nav_usd")]
    expected = np.median(result.dataset["monthly_nav_usd"].sel(policy="sell_all").values.astype(np.float64), axis=0)
    np.testing.assert_allclose(nav["p50"].to_numpy(), expected, rtol=1e-12)


def test_list_is_newest_first_and_delete_removes_every_row(store):
    assert store.list_runs() == [] and not store.path.exists()
    first = save(store, tiny_result(), name="a")
    second = save(store, tiny_result(seed=12), name="b")
    assert [r.run_id for r in store.list_runs()] == [second, first]
    assert [r.name for r in store.list_runs(limit=1)] == ["b"]
    assert store.delete_run(first) == first
    assert [r.run_id for r in store.list_runs()] == [second]
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        for table in ("runs", "summary", "win_rate", "fan"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [first]).fetchone()[0] == 0
    finally:
        con.close()
    third = save(store, tiny_result())
    assert third > second  # ids are never reused


def test_unknown_or_malformed_ids_are_clear_errors(store):
    with pytest.raises(StoreError, match="no runs yet"):
        store.get_run(1)
    save(store, tiny_result())
    with pytest.raises(StoreError, match=r"run 42 is not in the run store"):
        store.get_run(42)
    with pytest.raises(StoreError, match=r"run 42 is not in the run store"):
        store.delete_run(42)
    with pytest.raises(StoreError, match=r"run id 'x1' is invalid: allowed"):
        store.get_run("x1")
    assert issubclass(StoreError, HashpivotError) and not issubclass(StoreBusyError, HashpivotError)


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open the run store"):
        RunStore(text).list_runs()
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE prices (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not a hashpivot run store"):
        save(RunStore(other), tiny_result())
    with pytest.raises(StoreError, match="not a file"):
        RunStore(tmp_path).check()


#: The run store as hashpivot wrote it before its schema 2 (no ``runs.capacity``), written out here by hand.
SCHEMA_1 = (
    "CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "INSERT INTO store_meta VALUES ('schema_version', '1')",
    "CREATE SEQUENCE run_id_seq START 1",
    """CREATE TABLE runs (run_id BIGINT PRIMARY KEY, created_utc TIMESTAMP NOT NULL, name VARCHAR,
        scenario_name VARCHAR NOT NULL, scenario_toml VARCHAR NOT NULL, seed BIGINT NOT NULL,
        version VARCHAR NOT NULL, n_paths BIGINT NOT NULL, n_samples BIGINT NOT NULL, horizon_days BIGINT NOT NULL,
        policies VARCHAR[] NOT NULL)""",
    "CREATE TABLE summary (run_id BIGINT NOT NULL, ord INTEGER NOT NULL, policy VARCHAR NOT NULL, "
    "metric VARCHAR NOT NULL, stat VARCHAR NOT NULL, value DOUBLE)",
    "CREATE TABLE win_rate (run_id BIGINT NOT NULL, ord INTEGER NOT NULL, policy VARCHAR NOT NULL, "
    "versus VARCHAR NOT NULL, value DOUBLE)",
    "CREATE TABLE fan (run_id BIGINT NOT NULL, ord INTEGER NOT NULL, policy VARCHAR, variable VARCHAR NOT NULL, "
    "date DATE NOT NULL, day INTEGER NOT NULL, p5 DOUBLE, p25 DOUBLE, p50 DOUBLE, p75 DOUBLE, p95 DOUBLE)",
    "INSERT INTO runs VALUES (nextval('run_id_seq'), TIMESTAMP '2026-01-02 03:04:05', 'old', 'tiny', 'x = 1', 11, "
    "'0.1.0', 24, 24, 75, ['sell_all'])",
)


def test_a_schema_1_store_is_read_as_it_is_and_gains_the_plans_column_when_written(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for statement in SCHEMA_1:
        con.execute(statement)
    con.close()
    store = RunStore(path)
    (old,) = store.list_runs()  # read-only: the file is not changed
    assert (old.run_id, old.name, old.policies, old.capacity) == (1, "old", ["sell_all"], None)
    # its readable runs copy into a new (schema 2) store, plan unknown
    store.copy_readable_to(tmp_path / "copy.duckdb")
    assert RunStore(tmp_path / "copy.duckdb").list_runs() == [old]
    assert store.get_run(1).info.capacity is None
    new_id = save(store, tiny_result())
    assert new_id == 2
    assert store.get_run(1).info == old
    assert store.get_run(2).info.capacity == ["all_mining"]
    assert store.get_run(2).info.to_dict()["capacity"] == ["all_mining"]
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone() == ("2",)
    finally:
        con.close()


def test_a_store_of_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    con = duckdb.connect(str(path))
    for statement in SCHEMA_1:
        con.execute(statement)
    con.execute("UPDATE store_meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match=r"written by a newer hashpivot \(schema 3, this one reads 2\)"):
        RunStore(path).list_runs()
    with pytest.raises(StoreError, match=r"written by a newer hashpivot \(schema 3, this one reads 2\)"):
        save(RunStore(path), tiny_result())


def test_store_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHPIVOT_STORE", str(tmp_path / "env.duckdb"))
    assert default_store_path() == tmp_path / "env.duckdb"
    assert RunStore().path == tmp_path / "env.duckdb"
    monkeypatch.delenv("HASHPIVOT_STORE")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store_path() == tmp_path / "home" / ".hashpivot" / "runs.duckdb"
    monkeypatch.setenv(BUSY_TIMEOUT_ENV_VAR, "2.5")
    assert RunStore(tmp_path / "x.duckdb").busy_timeout_s == 2.5
    monkeypatch.setenv(BUSY_TIMEOUT_ENV_VAR, "soon")
    with pytest.raises(StoreError, match=BUSY_TIMEOUT_ENV_VAR):
        RunStore(tmp_path / "x.duckdb")


# --- diff -----------------------------------------------------------------------------------------


def test_diff_lists_scenario_keys_and_summary_changes(store):
    a = save(store, tiny_result())
    b = save(store, tiny_result(seed=12, drift=0.001, vol=0.02))
    diff = store.diff_runs(a, b)
    assert diff.scenario == [
        ("run.seed", 11, 12),
        ("market.btc_price.drift_per_day", 0.0005, 0.001),
        ("market.btc_price.vol_per_sqrt_day", 0.0325, 0.02),
    ]
    row = diff.summary.set_index(["policy", "metric", "stat"]).loc[("hold_all", "nav_usd", "p50")]
    old = tiny_result().summary.set_index(["policy", "metric", "stat"])["value"][("hold_all", "nav_usd", "p50")]
    assert row["a"] == old and row["b"] != old
    assert row["change"] == pytest.approx(row["b"] - row["a"], rel=1e-12)
    same = store.diff_runs(a, a)
    assert same.scenario == [] and same.summary.empty


def test_diff_of_different_policy_sets_marks_absent_entries(store):
    result = tiny_result()
    a = save(store, result)
    stored = store.get_run(a)
    sub = stored.summary[stored.summary["policy"] == "sell_all"]
    diff = summary_diff(stored.summary, sub)
    assert set(diff["policy"]) == {"hold_all", "sell_fraction"}
    assert diff["b"].isna().all() and diff["change"].isna().all()


# --- transactions: a writer killed mid-write ------------------------------------------------------

_DOOMED_WRITER = """
    import pickle, signal, sys, time
    from pathlib import Path
    from hashpivot.analysis.fan import fan_frame
    from hashpivot.io import store

    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C even when started in the background
    path, pickled, stage = sys.argv[1:4]
    result = pickle.loads(Path(pickled).read_bytes())

    def stop_here(name):
        if name == stage:
            print("IN_TRANSACTION", flush=True)
            time.sleep(120)

    store._after_insert = stop_here
    store.RunStore(path, busy_timeout_s=30).save_run(result, fan_frame(result.dataset), name="doomed")
    print("COMMITTED", flush=True)
"""


@pytest.mark.parametrize(("stage", "sig"), [("fan", signal.SIGKILL), ("summary", signal.SIGINT)])
def test_a_writer_stopped_mid_transaction_leaves_the_store_intact_without_its_run(store, tmp_path, stage, sig):
    result = tiny_result()
    kept = save(store, result, name="kept")
    pickled = pickle_result(result, tmp_path / "result.pkl")
    proc = _child(_DOOMED_WRITER, str(store.path), str(pickled), stage)
    _wait_line(proc, "IN_TRANSACTION")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=CHILD_TIMEOUT_S)
    assert "COMMITTED" not in out
    if sig == signal.SIGINT:
        assert proc.returncode != 0 and "KeyboardInterrupt" in err
    else:
        assert proc.returncode == -signal.SIGKILL
    runs = store.list_runs()
    assert [(r.run_id, r.name) for r in runs] == [(kept, "kept")]
    _assert_same_run(store.get_run(kept), result, name="kept")
    assert _orphans(store.path) == {"summary": 0, "win_rate": 0, "fan": 0}
    again = save(store, result, name="after")
    assert [r.name for r in store.list_runs()] == ["after", "kept"]
    _assert_same_run(store.get_run(again), result, name="after")


# --- concurrency ----------------------------------------------------------------------------------

_WRITER = """
    import json, pickle, sys, time
    from pathlib import Path
    from hashpivot.analysis.fan import fan_frame
    from hashpivot.io import store

    path, pickled, go, tag = sys.argv[1:5]
    result = pickle.loads(Path(pickled).read_bytes())
    fan = fan_frame(result.dataset)
    store._after_insert = lambda name: time.sleep(0.05) if name == "fan" else None  # hold the lock
    rs = store.RunStore(path, busy_timeout_s=60)
    print("READY", flush=True)
    while not Path(go).exists():
        time.sleep(0.002)
    print(json.dumps([rs.save_run(result, fan, name=f"{tag}-{i}") for i in range(3)]), flush=True)
"""


def test_two_processes_writing_at_once_both_succeed(store, tmp_path):
    result = tiny_result()
    pickled = pickle_result(result, tmp_path / "result.pkl")
    go = tmp_path / "go"
    procs = [_child(_WRITER, str(store.path), str(pickled), str(go), tag) for tag in ("a", "b")]
    for proc in procs:
        _wait_line(proc, "READY")
    go.touch()
    ids = []
    for proc in procs:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT_S)
        assert proc.returncode == 0, err
        ids += json.loads(out.strip().splitlines()[-1])
    runs = store.list_runs()
    assert sorted(r.run_id for r in runs) == sorted(ids) and len(set(ids)) == 6
    assert sorted(r.name for r in runs) == ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2"]
    for run_id in ids[::3]:
        _assert_same_run(store.get_run(run_id), result, name=store.get_run(run_id).info.name)
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        for table, expected in (("summary", len(result.summary)), ("fan", len(fan_frame(result.dataset))),
                                ("win_rate", len(result.policies) ** 2)):
            counts = con.execute(f"SELECT run_id, count(*) FROM {table} GROUP BY run_id").fetchall()
            assert sorted(counts) == [(i, expected) for i in sorted(ids)], table
    finally:
        con.close()
    assert _orphans(store.path) == {"summary": 0, "win_rate": 0, "fan": 0}


_HOLDER = """
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1])
    print("HOLDING", flush=True)
    time.sleep(120)
"""


def test_a_store_held_by_another_process_is_busy_after_retries_then_free_again(store, tmp_path):
    result = tiny_result()
    save(store, result, name="before")
    holder = _child(_HOLDER, str(store.path))
    try:
        _wait_line(holder, "HOLDING")
        impatient = RunStore(store.path, busy_timeout_s=0.3)
        with pytest.raises(StoreBusyError, match=r"^store busy: another process has held the run store") as info:
            save(impatient, result, name="refused")
        tries = int(str(info.value).split("(")[1].split(" tries")[0])
        assert tries >= 2  # it retried before giving up
        with pytest.raises(StoreBusyError):
            impatient.list_runs()
        # A patient writer waits for the holder to finish, then succeeds.
        patient = RunStore(store.path, busy_timeout_s=60)
        saved: list[int] = []
        writer = threading.Thread(target=lambda: saved.append(save(patient, result, name="waited")))
        writer.start()
        time.sleep(0.2)
        assert writer.is_alive()
    finally:
        holder.kill()
        holder.communicate(timeout=CHILD_TIMEOUT_S)
    writer.join(timeout=CHILD_TIMEOUT_S)
    assert len(saved) == 1
    assert [r.name for r in store.list_runs()] == ["waited", "before"]


def test_check_accepts_a_new_path_and_refuses_one_that_cannot_be_created(tmp_path):
    RunStore(tmp_path / "new" / "deeper" / "runs.duckdb").check()
    assert not (tmp_path / "new").exists()  # checking creates nothing
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="not a writable folder"):
        RunStore(blocker / "sub" / "runs.duckdb").check()
