"""Exports of a run: CSV, Parquet, Excel and HTML hold the summary, the monthly fan data and the win
rates; files are written atomically (no temporary file left behind). The tables go through io.export, the
HTML report and a result's full export through api.export_result."""

from __future__ import annotations

import tomllib

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from store_helpers import tiny_result

from hashpivot import api
from hashpivot.analysis.fan import FAN_COLUMNS, fan_frame, fan_quantiles
from hashpivot.errors import InputError
from hashpivot.io.export import (
    FORMATS,
    check_formats,
    export_tables,
    flatten,
    tables_from_result,
)
from hashpivot.io.store import RunStore


@pytest.fixture(scope="module")
def result():
    return tiny_result()


def _tables(result):
    return tables_from_result(result, fan_frame(result.dataset))


def _no_temp_files(folder) -> None:
    assert [p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"] == []


def test_fan_frame_is_fan_quantiles_per_policy_and_variable(result):
    fan = fan_frame(result.dataset)
    assert tuple(fan.columns) == FAN_COLUMNS
    n_dates = result.dataset.sizes["date"]
    assert len(fan) == n_dates * (len(result.policies) * 5 + 3)  # five monthly stocks per policy, three market series
    block = fan[(fan["policy"] == "hold_all") & (fan["variable"] == "btc_held")]
    expected = fan_quantiles(result.dataset["monthly_btc_held"].sel(policy="hold_all").values)
    np.testing.assert_array_equal(block[["p5", "p25", "p50", "p75", "p95"]].to_numpy(), expected.to_numpy())
    assert list(block["day"]) == list(result.dataset["day"].values)
    assert fan.loc[fan["variable"] == "btc_price_usd", "policy"].isna().all()


def test_csv_holds_summary_fan_win_rate_and_scenario(result, tmp_path):
    written = export_tables(_tables(result), ["csv"], tmp_path)
    assert [p.name for p in written["csv"]] == ["summary.csv", "fan.csv", "win_rate.csv", "scenario.toml"]
    summary = pd.read_csv(tmp_path / "summary.csv")
    pd.testing.assert_frame_equal(summary, result.summary.reset_index(drop=True), check_dtype=False, rtol=1e-15)
    fan = pd.read_csv(tmp_path / "fan.csv")
    expected = fan_frame(result.dataset)
    assert list(fan.columns) == list(FAN_COLUMNS) and len(fan) == len(expected)
    assert fan["date"].iloc[0] == f"{pd.Timestamp(result.dataset['date'].values[0]):%Y-%m-%d}"
    np.testing.assert_allclose(fan["p50"].to_numpy(), expected["p50"].to_numpy(), rtol=1e-15)
    win = pd.read_csv(tmp_path / "win_rate.csv", index_col="policy")
    np.testing.assert_array_equal(win.to_numpy(), result.win_rate.to_numpy())
    assert (tmp_path / "scenario.toml").read_text() == result.scenario_toml
    _no_temp_files(tmp_path)


def test_parquet_tables_round_trip_with_the_scenario_in_metadata(result, tmp_path):
    export_tables(_tables(result), ["parquet"], tmp_path)
    summary = pd.read_parquet(tmp_path / "summary.parquet")
    pd.testing.assert_frame_equal(summary, result.summary.reset_index(drop=True), check_dtype=False)
    fan = pd.read_parquet(tmp_path / "fan.parquet")
    expected = fan_frame(result.dataset)
    np.testing.assert_array_equal(fan[["p5", "p95"]].to_numpy(), expected[["p5", "p95"]].to_numpy())
    assert list(pd.to_datetime(fan["date"])) == list(expected["date"])
    win = pd.read_parquet(tmp_path / "win_rate.parquet")
    np.testing.assert_array_equal(win.to_numpy(), result.win_rate.to_numpy())
    meta = pq.read_schema(tmp_path / "fan.parquet").metadata
    assert meta[b"hashpivot.scenario_toml"].decode() == result.scenario_toml
    assert meta[b"hashpivot.seed"].decode() == str(result.seed)
    _no_temp_files(tmp_path)


def test_xlsx_has_one_sheet_per_table(result, tmp_path):
    (path,) = export_tables(_tables(result), ["xlsx"], tmp_path)["xlsx"]
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        assert book.sheetnames == ["run", "summary", "fan", "win_rate", "scenario"]
        summary_rows = list(book["summary"].iter_rows(values_only=True))
        assert summary_rows[0] == ("policy", "metric", "stat", "value")
        assert len(summary_rows) == len(result.summary) + 1
        fan_rows = list(book["fan"].iter_rows(values_only=True))
        assert fan_rows[0] == FAN_COLUMNS and len(fan_rows) == len(fan_frame(result.dataset)) + 1
        scenario = dict(list(book["scenario"].iter_rows(values_only=True))[1:])
        assert scenario["run.seed"] == str(result.seed)
        run = dict(list(book["run"].iter_rows(values_only=True))[1:])
        assert run["version"] == result.version
    finally:
        book.close()
    frame = pd.read_excel(path, sheet_name="summary")
    np.testing.assert_allclose(frame["value"].to_numpy(), result.summary["value"].to_numpy(), rtol=1e-15)


def test_html_and_tables_together(result, tmp_path):
    written = api.export_result(result, tmp_path, ["parquet", "html"])
    assert list(written) == ["parquet", "html"]
    assert written["html"] == [tmp_path / "report.html"]
    page = (tmp_path / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and 'id="fan-nav"' in page
    fan = pd.read_parquet(tmp_path / "fan.parquet")
    np.testing.assert_array_equal(fan["p50"].to_numpy(), fan_frame(result.dataset)["p50"].to_numpy())
    _no_temp_files(tmp_path)


def test_the_api_tables_are_the_result_with_its_fan(result):
    tables = api.run_tables(result, {"name": "x"})
    pd.testing.assert_frame_equal(tables.fan, fan_frame(result.dataset))
    pd.testing.assert_frame_equal(tables.summary, result.summary)
    assert tables.scenario_toml == result.scenario_toml
    assert tables.meta["seed"] == result.seed and tables.meta["name"] == "x"


def test_an_unknown_format_writes_nothing_not_even_the_report(result, tmp_path):
    with pytest.raises(InputError, match="format='pdf'"):
        api.export_result(result, tmp_path, ["html", "pdf"])
    assert list(tmp_path.iterdir()) == []


def test_exports_from_the_store_equal_exports_from_the_result(result, tmp_path):
    store = RunStore(tmp_path / "runs.duckdb")
    stored = store.get_run(store.save_run(result, fan_frame(result.dataset)))
    export_tables(stored.tables(), ["csv"], tmp_path / "stored")
    export_tables(_tables(result), ["csv"], tmp_path / "direct")
    for name in ("summary.csv", "fan.csv", "win_rate.csv", "scenario.toml"):
        assert (tmp_path / "stored" / name).read_text() == (tmp_path / "direct" / name).read_text(), name


def test_rewriting_replaces_the_files(result, tmp_path):
    export_tables(_tables(result), ["csv"], tmp_path)
    other = tiny_result(seed=12)
    export_tables(_tables(other), ["csv"], tmp_path)
    assert tomllib.loads((tmp_path / "scenario.toml").read_text())["run"]["seed"] == 12
    _no_temp_files(tmp_path)


def test_unknown_format_names_the_allowed_ones(result, tmp_path):
    with pytest.raises(InputError, match=r"format='pdf' is invalid: allowed one of html, xlsx, csv, parquet"):
        check_formats(["csv", "pdf"])
    with pytest.raises(InputError, match="html re-simulates"):
        export_tables(_tables(result), ["html"], tmp_path)
    assert check_formats(["csv", "xlsx", "csv"]) == ["csv", "xlsx"]
    assert set(FORMATS) == {"html", "xlsx", "csv", "parquet"}
    assert list(tmp_path.iterdir()) == []


def test_flatten_indexes_tables_in_lists():
    data = tomllib.loads('[run]\nseed = 3\n[[compare]]\nkind = "hold_all"\n[[compare]]\nkind = "sell_all"\n')
    assert flatten(data) == {"run.seed": 3, "compare.0.kind": "hold_all", "compare.1.kind": "sell_all"}
