"""CLI: `runs list/show/diff/delete`, `report`, `presets list/show`, and `run`/`compare` recording in the
run store. Each command: success, --json, bad input (exit 2, one clear line). Every test uses a store
under tmp_path (conftest sets HASHPIVOT_STORE); nothing touches the home folder."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib import resources

import pandas as pd
import pytest
from cli_helpers import assert_bad_input, assert_fits_columns
from store_helpers import N_PATHS, save, tiny_result, write_tiny_toml
from typer.testing import CliRunner

from hashpivot.cli import app
from hashpivot.io.store import BUSY_TIMEOUT_ENV_VAR, RunStore
from hashpivot.scenarios.toml import preset_names


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "runs.duckdb"
    monkeypatch.setenv("HASHPIVOT_STORE", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # belt and braces: never the real home
    return path


@pytest.fixture
def two_runs(store_path):
    """A store with run 1 (seed 11) and run 2 (seed 12, other BTC drift and volatility)."""
    store = RunStore(store_path)
    a = save(store, tiny_result(), name="base")
    b = save(store, tiny_result(seed=12, drift=0.001, vol=0.02), name="bullish")
    return a, b


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- run / compare record every run --------------------------------------------------------------


def test_compare_records_the_run_and_says_where(runner, store_path, tmp_path):
    scenario = write_tiny_toml(tmp_path / "tiny.toml")
    payload = _json(runner.invoke(app, ["compare", str(scenario), "--name", "first", "--json"]))
    assert payload["run_id"] == 1 and payload["store"] == str(store_path)
    stored = RunStore(store_path).get_run(1)
    assert stored.info.name == "first" and stored.info.policies == payload["policies"]
    assert stored.summary["value"].tolist() == pytest.approx(
        [float("nan") if r["value"] is None else r["value"] for r in payload["summary"]], rel=1e-15, nan_ok=True)
    human = runner.invoke(app, ["run", str(scenario)])
    assert human.exit_code == 0, human.output
    assert f"recorded as run 2 in {store_path}" in " ".join(human.stdout.split())


def test_run_with_no_store_records_nothing_and_store_option_wins(runner, store_path, tmp_path):
    scenario = write_tiny_toml(tmp_path / "tiny.toml")
    payload = _json(runner.invoke(app, ["run", str(scenario), "--no-store", "--json"]))
    assert payload["run_id"] is None and payload["store"] is None
    assert not store_path.exists()
    other = tmp_path / "elsewhere" / "mine.duckdb"
    payload = _json(runner.invoke(app, ["run", str(scenario), "--store", str(other), "--json"]))
    assert payload["store"] == str(other) and [r.run_id for r in RunStore(other).list_runs()] == [1]
    assert not store_path.exists()


def test_a_store_that_is_not_a_store_is_bad_input_before_simulating(runner, store_path, tmp_path):
    scenario = write_tiny_toml(tmp_path / "tiny.toml")
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_text("hello\n" * 50)
    result = runner.invoke(app, ["compare", str(scenario), "--store", str(bogus)])
    line = assert_bad_input(result, "cannot open the run store", str(bogus), "not a DuckDB file")
    # no copy can read runs out of a file that is no store: the advice to copy them is not given
    assert "--copy-to" not in line
    assert_bad_input(runner.invoke(app, ["runs", "check", "--store", str(bogus), "--copy-to",
                                         str(tmp_path / "new.duckdb")]), "not a DuckDB file")
    result = runner.invoke(app, ["run", str(scenario), "--store", str(tmp_path)])
    assert_bad_input(result, "is not a file")


_HOLDER = """
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1])
    print("HOLDING", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def held_store(two_runs, store_path, monkeypatch):
    """The store, locked by another process; the CLI waits 0.2 s at most."""
    monkeypatch.setenv(BUSY_TIMEOUT_ENV_VAR, "0.2")
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_HOLDER), str(store_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "HOLDING", proc.stderr.read()
        yield store_path
    finally:
        proc.kill()
        proc.communicate(timeout=60)


def test_a_busy_store_is_a_failure_in_one_sentence(runner, held_store, tmp_path):
    result = runner.invoke(app, ["runs", "list"])
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: store busy: another process has held the run store")
    scenario = write_tiny_toml(tmp_path / "tiny.toml")
    result = runner.invoke(app, ["run", str(scenario), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["run_id"] is None  # the results are still printed
    assert "store busy" in result.stderr and "this run was not recorded" in result.stderr


# --- runs list ------------------------------------------------------------------------------------


def test_runs_list(runner, two_runs, store_path):
    result = runner.invoke(app, ["runs", "list"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "base" in result.stdout and "bullish" in result.stdout
    # at 80 columns whole cells (no "…"), the least needed columns left out and named
    assert "…" not in result.stdout and "not shown at this width:" in result.stdout
    assert_fits_columns(result.stdout)
    wide = runner.invoke(app, ["runs", "list", "--wide"], env={"COLUMNS": "80"})
    assert "version" in wide.stdout and "not shown" not in wide.stdout
    payload = _json(runner.invoke(app, ["runs", "list", "--json"]))
    assert payload["store"] == str(store_path)
    assert [(r["run_id"], r["name"], r["seed"]) for r in payload["runs"]] == [(2, "bullish", 12), (1, "base", 11)]
    assert payload["runs"][0]["n_paths"] == N_PATHS and payload["runs"][0]["created_utc"].endswith("Z")
    assert [r["run_id"] for r in _json(runner.invoke(app, ["runs", "list", "--limit", "1", "--json"]))["runs"]] == [2]


def test_runs_list_of_an_empty_store(runner, store_path):
    result = runner.invoke(app, ["runs", "list"])
    assert result.exit_code == 0 and "no runs in" in result.stdout
    assert _json(runner.invoke(app, ["runs", "list", "--json"]))["runs"] == []
    assert not store_path.exists()


def test_runs_list_bad_input(runner, two_runs):
    assert_bad_input(runner.invoke(app, ["runs", "list", "--limit", "0"]), "--limit", "0", ">= 1")


# --- runs show ------------------------------------------------------------------------------------


def test_runs_show(runner, two_runs):
    result = runner.invoke(app, ["runs", "show", "1"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "run 1 'base'" in text and f"{N_PATHS} paths, seed 11" in text
    assert "scenario default, capacity plan all_mining, 75 days" in text  # its one plan, named
    for policy in tiny_result().policies:
        assert policy in result.stdout
    latest = runner.invoke(app, ["runs", "show", "latest"])
    assert "run 2 'bullish'" in " ".join(latest.stdout.split())


def test_runs_show_json(runner, two_runs):
    payload = _json(runner.invoke(app, ["runs", "show", "1", "--json"]))
    result = tiny_result()
    assert payload["run"]["run_id"] == 1 and payload["scenario"] == result.scenario_toml
    assert payload["run"]["capacity"] == ["all_mining"]
    expected = result.summary.to_dict(orient="records")
    got = pd.DataFrame(payload["summary"])
    assert got[["policy", "metric", "stat"]].to_dict(orient="records") == [
        {k: r[k] for k in ("policy", "metric", "stat")} for r in expected]
    assert payload["win_rate"]["sell_all"]["sell_all"] is None
    assert payload["win_rate"]["hold_all"]["sell_all"] == result.win_rate.loc["hold_all", "sell_all"]


@pytest.mark.parametrize(("run_id", "words"), [("9", ("run 9 is not in the run store", "runs list")),
                                                ("first", ("run id 'first' is invalid", "latest"))])
def test_runs_show_bad_input(runner, two_runs, run_id, words):
    assert_bad_input(runner.invoke(app, ["runs", "show", run_id]), *words)


# --- runs diff ------------------------------------------------------------------------------------


def test_runs_diff(runner, two_runs):
    result = runner.invoke(app, ["runs", "diff", "1", "2"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for key in ("run.seed", "market.btc_price.drift_per_day", "market.btc_price.vol_per_sqrt_day"):
        assert key in out
    assert "NAV median [USD]" in out
    # BTC per share in satoshis, as the comparison shows it (two decimals of BTC read 0.00 for every run)
    summary = {(p, m, s): v for p, m, s, v in tiny_result().summary.itertuples(index=False)}
    sats = f"{summary[('hold_all', 'btc_per_share', 'p50')] * 1e8:,.0f}"
    row = next(line for line in out.splitlines() if "hold_all" in line and "BTC per share median" in line)
    assert row.split("│")[3].strip() == sats and sats != "0"
    same = runner.invoke(app, ["runs", "diff", "1", "1"])
    assert "scenario: identical" in same.stdout and "summary: identical" in same.stdout


def test_runs_diff_json(runner, two_runs):
    payload = _json(runner.invoke(app, ["runs", "diff", "1", "2", "--json"]))
    assert payload["a"]["run_id"] == 1 and payload["b"]["run_id"] == 2
    assert payload["scenario"] == [
        {"key": "run.seed", "a": 11, "b": 12},
        {"key": "market.btc_price.drift_per_day", "a": 0.0005, "b": 0.001},
        {"key": "market.btc_price.vol_per_sqrt_day", "a": 0.0325, "b": 0.02},
    ]
    rows = {(r["policy"], r["metric"], r["stat"]): r for r in payload["summary"]}
    row = rows[("hold_all", "nav_usd", "p50")]
    summary = {(p, m, s): v for p, m, s, v in tiny_result().summary.itertuples(index=False)}
    assert row["a"] == summary[("hold_all", "nav_usd", "p50")]
    assert row["change"] == pytest.approx(row["b"] - row["a"])


def test_runs_diff_bad_input(runner, two_runs):
    assert_bad_input(runner.invoke(app, ["runs", "diff", "1", "7"]), "run 7 is not in the run store")


# --- runs delete ----------------------------------------------------------------------------------


def test_runs_delete(runner, two_runs, store_path):
    result = runner.invoke(app, ["runs", "delete", "1"])
    assert result.exit_code == 0 and f"deleted run 1 from {store_path}" in " ".join(result.stdout.split())
    assert _json(runner.invoke(app, ["runs", "delete", "latest", "--json"])) == {"deleted": 2, "store": str(store_path)}
    assert RunStore(store_path).list_runs() == []


def test_runs_delete_bad_input(runner, two_runs):
    assert_bad_input(runner.invoke(app, ["runs", "delete", "3"]), "run 3 is not in the run store")
    assert len(RunStore().list_runs()) == 2


# --- report ---------------------------------------------------------------------------------------


def test_report_exports_the_stored_tables(runner, two_runs, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "2", "--format", "csv", "--format", "xlsx", "--format", "parquet",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["fan.csv", "fan.parquet", "run.xlsx", "scenario.toml", "summary.csv", "summary.parquet",
                     "win_rate.csv", "win_rate.parquet"]
    stored = RunStore().get_run(2)
    summary = pd.read_csv(out / "summary.csv")
    assert summary["value"].tolist() == pytest.approx(stored.summary["value"].tolist(), rel=1e-15, nan_ok=True)


def test_report_html_resimulates_the_stored_run(runner, two_runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = _json(runner.invoke(app, ["report", "1", "--json"]))
    assert payload == {"run_id": 1, "resimulated": True, "files": {"html": ["reports/run-1/report.html"]}}
    page = (tmp_path / "reports" / "run-1" / "report.html").read_text()
    assert 'id="hashpivot-data"' in page and "seed 11" in page


def test_report_refuses_html_when_the_numbers_do_not_reproduce(runner, two_runs, store_path, tmp_path):
    import duckdb

    con = duckdb.connect(str(store_path))
    # a change well beyond the check's relative 1e-9, whatever NAV's size (+1 USD on a NAV above 1e9 USD is not)
    con.execute("UPDATE summary SET value = value * (1 + 1e-6) WHERE run_id = 1 AND metric = 'nav_usd' "
                "AND stat = 'p50'")
    con.close()
    result = runner.invoke(app, ["report", "1", "--format", "html"])
    assert_bad_input(result, "did not reproduce its stored summary", "--format xlsx, csv or parquet")
    # with the tables asked for too (before or after html): nothing written, not the tables without the report
    for formats in (["csv", "html"], ["html", "csv"]):
        out = tmp_path / "-".join(formats)
        args = [a for f in formats for a in ("--format", f)]
        assert_bad_input(runner.invoke(app, ["report", "1", *args, "--out", str(out)]), "did not reproduce")
        assert not out.exists()


@pytest.mark.parametrize(("args", "words"), [
    (["report", "1", "--format", "pdf"], ("--format pdf is invalid", "html, xlsx, csv, parquet")),
    (["report", "5", "--format", "csv"], ("run 5 is not in the run store",)),
])
def test_report_bad_input(runner, two_runs, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    assert_bad_input(runner.invoke(app, args), *words)
    assert not (tmp_path / "reports").exists()


# --- presets --------------------------------------------------------------------------------------


def test_presets_list(runner):
    result = runner.invoke(app, ["presets", "list"])
    assert result.exit_code == 0, result.output
    for name in preset_names():
        assert name in result.stdout
    payload = _json(runner.invoke(app, ["presets", "list", "--json"]))
    assert [p["name"] for p in payload["presets"]] == preset_names()
    rm1 = next(p for p in payload["presets"] if p["name"] == "rm1")
    assert rm1["policies"] == ["hold_above_average"] and rm1["description"]
    # at 80 columns every policy label shown is whole (sell_monthly_production was cut with an ellipsis)
    narrow = runner.invoke(app, ["presets", "list"], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0 and "…" not in narrow.stdout
    assert "sell_monthly_production" in narrow.stdout
    assert_fits_columns(narrow.stdout)


def test_presets_list_bad_input(runner):
    result = runner.invoke(app, ["presets", "list", "--verbose"])
    assert result.exit_code == 2 and "No such option" in result.output  # click's usage error


def test_presets_show_prints_the_file_as_shipped(runner):
    text = resources.files("hashpivot.scenarios.presets").joinpath("rm1.toml").read_text(encoding="utf-8")
    result = runner.invoke(app, ["presets", "show", "rm1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == text
    assert _json(runner.invoke(app, ["presets", "show", "rm1", "--json"])) == {"name": "rm1", "toml": text}


def test_presets_show_bad_input(runner):
    assert_bad_input(runner.invoke(app, ["presets", "show", "nope"]), "preset='nope' is unknown", "default", "rm1")


def test_a_healthy_store_is_copied_whole(runner, two_runs, store_path, tmp_path):
    new = tmp_path / "copy.duckdb"
    out = runner.invoke(app, ["runs", "check", "--copy-to", str(new)])
    assert out.exit_code == 0, out.output
    copied = RunStore(new)
    assert [r.run_id for r in copied.list_runs()] == [2, 1]
    assert copied.get_run(1).summary.equals(RunStore(store_path).get_run(1).summary)


def test_a_store_of_which_no_run_reads_has_nothing_to_copy(runner, two_runs, store_path, tmp_path):
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(store_path.read_bytes()[: 2 * 2**18 + 4096])  # cut inside its tables
    assert RunStore(damaged).health().readable_run_ids == []
    out = runner.invoke(app, ["runs", "check", "--store", str(damaged)])
    assert out.exit_code == 2 and "nothing to copy out" in out.stderr and "--copy-to" not in out.stderr
    new = tmp_path / "copy.duckdb"
    # an empty copy would read as the runs saved: refused, and nothing written
    assert_bad_input(runner.invoke(app, ["runs", "check", "--store", str(damaged), "--copy-to", str(new)]),
                     "--copy-to", "nothing was copied")
    assert not new.exists()
