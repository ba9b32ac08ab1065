"""``hashpivot data update`` and ``hashpivot data status`` against the local fake APIs, and the
commands that read the chain history working from the cache with no ``--data``."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_bad_input, assert_fits_columns
from test_data_fakes import fake_apis, offline_data_env, shared_rows  # noqa: F401
from typer.testing import CliRunner

from hashpivot.cli import app
from hashpivot.io import load_chain_history
from hashpivot.io.cache import ChainCache

pytestmark = pytest.mark.shared_data

FAST = ["--since", "2024-01-01", "--page-size", "30", "--retry-wait-s", "0", "--timeout-s", "5"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def data(runner: CliRunner, *args: str):
    return runner.invoke(app, ["data", *args])


# --- success -----------------------------------------------------------------------------------------


def test_update_then_status(runner, fake_apis):
    result = data(runner, "update", *FAST)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # progress only with --verbose
    out = result.stdout
    assert f"added 2024-01-01..2024-03-30 (90 days) to {ChainCache().file}" in out
    assert "90 days compared, 0 disagreements" in out
    assert "note: 1 latest day not complete" in out
    assert "Source: Coin Metrics Community Data" in out and "CC BY-NC 4.0" in out
    result = data(runner, "status")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "coinmetrics" in out and "mempool" in out and fake_apis.cm_url in out
    assert "the cache holds 2024-01-01..2024-03-30 (90 days)" in out
    assert "disagreements between the sources: 0" in out
    assert "Licence: CC BY-NC 4.0" in out


def test_update_and_status_as_json(runner, fake_apis):
    fake_apis.mempool_factor["2024-03-01"] = 0.5
    result = data(runner, "update", *FAST, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["status"], report["n_days_added"], report["last_date"]) == ("updated", 90, "2024-03-30")
    assert report["cross_check"]["n_disagreements"] == 1
    assert report["incomplete_dates"] == ["2024-03-31"]
    result = data(runner, "status", "--json")
    assert result.exit_code == 0, result.output
    state = json.loads(result.stdout)
    assert state["exists"] and state["n_days"] == 90
    assert {s["source"]: (s["first_date"], s["last_date"], s["gaps"]) for s in state["sources"]} == {
        "coinmetrics": ("2024-01-01", "2024-03-30", []), "mempool": ("2024-01-01", "2024-03-30", [])}
    (row,) = state["disagreements"]
    assert (row["date"], row["field"], row["diff_frac"]) == ("2024-03-01", "hashrate_ehs", pytest.approx(1.0))
    assert state["last_attempt"]["status"] == "updated"
    assert state["updates"][0]["n_days"] == 90
    # in text, the disagreement's row fits 80 columns (its fixed padding ran to 83)
    text = data(runner, "status")
    (line,) = [x for x in text.stdout.splitlines() if x.startswith("  2024-03-01")]
    assert line.split()[:2] == ["2024-03-01", "hashrate_ehs"] and line.endswith("%")
    assert_fits_columns(text.stdout)


def test_status_shows_disagreements_gaps_and_the_last_failed_attempt(runner, fake_apis):
    fake_apis.mempool_factor["2024-03-01"] = 0.5
    fake_apis.faults["mempool"] = ["ok"]
    assert data(runner, "update", *FAST, "--until", "2024-02-29").exit_code == 0
    fake_apis.faults["mempool"] = ["500"] * 4  # the second batch is stored unchecked: a gap in mempool's days
    assert data(runner, "update", *FAST).exit_code == 0
    fake_apis.last_day = "2024-03-31"
    fake_apis.faults["cm"] = ["drop"] * 4
    failed = data(runner, "update", *FAST)
    assert failed.exit_code == 1
    result = data(runner, "status")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "gap in mempool: 2024-03-01..2024-03-30 (30 days)" in out
    assert "last update attempt:" in out and "failed" in out and "dropped" in out
    json_state = json.loads(data(runner, "status", "--json").stdout)
    mempool_state = next(s for s in json_state["sources"] if s["source"] == "mempool")
    assert mempool_state["gaps"] == [{"first": "2024-03-01", "last": "2024-03-30", "n_days": 30}]


def test_status_of_an_empty_cache_says_how_to_fill_it(runner):
    result = data(runner, "status")
    assert result.exit_code == 0, result.output
    assert "run `hashpivot data update`" in " ".join(result.stdout.split())  # wrapped at spaces to the terminal
    assert_fits_columns(result.stdout)
    assert json.loads(data(runner, "status", "--json").stdout)["exists"] is False


def test_verbose_prints_progress_and_retries_on_stderr(runner, fake_apis):
    fake_apis.faults["cm"] = ["500"]
    result = data(runner, "update", *FAST, "--verbose", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_days_added"] == 90
    assert "HTTP 500" in result.stderr and "retrying in 0 s (try 2 of 4)" in result.stderr
    assert "days received" in result.stderr


def test_hashprice_and_replay_read_the_cache_without_data_option(runner, fake_apis, tmp_path):
    assert data(runner, "update", *FAST).exit_code == 0
    assert len(load_chain_history()) == 90
    result = runner.invoke(app, ["hashprice", "--out", str(tmp_path / "hp"), "--json"])
    assert result.exit_code == 0, result.output
    period = json.loads(result.stdout)["period"]
    assert (period["start"], period["end"]) == ("2024-01-01", "2024-03-30")
    from hashpivot import api

    replay = api.replay("default", date_from="2024-02-01", date_to="2024-03-15")
    assert replay.dataset["mined_btc"].values[0, 0] > 0


def test_calibrate_reads_the_cache_without_data_option(runner, fake_apis, tmp_path):
    fake_apis.rows = shared_rows("2023-01-01", "2024-03-31")
    assert data(runner, "update", "--since", "2023-01-01", "--page-size", "1000", "--retry-wait-s", "0").exit_code == 0
    result = runner.invoke(app, ["calibrate", "--since", "2023-01-01", "--out", str(tmp_path / "cal"), "--json"])
    assert result.exit_code == 0, result.output
    fit = json.loads(result.stdout)
    assert (fit["since"], fit["end"]) == ("2023-01-01", "2024-03-30")


# --- bad input: exit 2, one sentence; unreachable source: exit 1 ------------------------------------------


@pytest.mark.parametrize("args, words", [
    (["--since", "yesterday"], ("--since yesterday is invalid", "YYYY-MM-DD")),
    (["--page-size", "0"], ("--page-size 0 is invalid", "1 to 10,000")),
    (["--retries", "11"], ("--retries 11 is invalid",)),
    (["--coinmetrics-url", "community-api.coinmetrics.io"], ("--coinmetrics-url", "http:// or https://")),
    (["--since", "2024-02-01", "--until", "2024-01-01"], ("--until 2024-01-01 is invalid",)),
])
def test_update_bad_options(runner, args, words):
    assert_bad_input(data(runner, "update", *args), *words)


def test_update_with_a_file_as_cache_folder(runner, tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("x")
    assert_bad_input(data(runner, "update", "--cache", str(path)), "--cache", "a folder")
    assert_bad_input(data(runner, "status", "--cache", str(path)), "--cache", "a folder")


def test_a_rejected_batch_is_one_sentence_and_the_cache_is_unchanged(runner, fake_apis):
    fake_apis.cm_overrides["2024-02-02"] = {"PriceUSD": "-1"}
    line = assert_bad_input(data(runner, "update", *FAST), "rejected, the cache is unchanged",
                            "PriceUSD (price_usd) must be > 0 USD", "2024-02-02 (-1)")
    assert "Coin Metrics" in line
    assert not ChainCache().exists()


def test_an_unreachable_source_exits_1_with_one_sentence(runner):
    result = data(runner, "update", *FAST, "--retries", "0")
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Coin Metrics community API v4: GET http://127.0.0.1:9/")
    assert "run the update again to resume" in lines[0] and "Traceback" not in result.output


def test_a_corrupt_cache_file_is_bad_input(runner, offline_data_env):
    (offline_data_env / "chain.duckdb").write_text("not a database")
    assert_bad_input(data(runner, "status"), "chain.duckdb", "not a readable hashpivot data cache")
