"""hashpivot.io.history: loading, validation errors, attribution; atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
from hashpivot.errors import DataError
from hashpivot.io import (
    ATTRIBUTION,
    REQUIRED_COLUMNS,
    load_chain_history,
    write_bytes_atomic,
    write_text_atomic,
)


def _error(path: Path) -> str:
    with pytest.raises(DataError) as info:
        load_chain_history(path)
    return str(info.value)


# --- loading ---------------------------------------------------------------------------------------


def test_loads_synthetic_table(make_chain_csv, synthetic_rows):
    path = make_chain_csv()
    history = load_chain_history(path)
    rows = synthetic_rows()
    assert isinstance(history.index, pd.DatetimeIndex)
    assert history.index.name == "date"
    assert history.index.freqstr == "D"
    assert list(history.columns) == list(REQUIRED_COLUMNS[1:])
    assert len(history) == len(rows)
    assert history.index[0] == pd.Timestamp(rows[0]["date"])
    assert history.index[-1] == pd.Timestamp(rows[-1]["date"])
    assert history["block_count"].dtype == np.int64
    assert history["tx_count"].dtype == np.int64
    assert history["price_usd"].dtype == np.float64
    assert history["price_usd"].iloc[7] == float(rows[7]["price_usd"])
    assert history["block_count"].iloc[7] == int(rows[7]["block_count"])


def test_path_from_environment_and_argument_wins(make_chain_csv, monkeypatch, tmp_path):
    path = make_chain_csv()
    monkeypatch.setenv("HASHPIVOT_DATA", str(path))
    assert len(load_chain_history()) == 60
    other = make_chain_csv(name="other.csv", n_days=40)
    assert len(load_chain_history(other)) == 40


@pytest.mark.parametrize("env_value", [None, "", "  "])
def test_no_path_and_no_environment_says_how_to_provide_one(monkeypatch, env_value):
    if env_value is None:
        monkeypatch.delenv("HASHPIVOT_DATA", raising=False)
    else:
        monkeypatch.setenv("HASHPIVOT_DATA", env_value)
    with pytest.raises(DataError) as info:
        load_chain_history()
    message = str(info.value)
    assert "--data PATH" in message
    assert "HASHPIVOT_DATA" in message
    assert "hashpivot data update" in message


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere" / "btc_daily.csv"
    message = _error(path)
    assert str(path) in message
    assert "does not exist" in message


def test_directory_is_not_a_file(tmp_path):
    message = _error(tmp_path)
    assert str(tmp_path) in message
    assert "not a file" in message


def test_header_only_table(make_chain_csv):
    path = make_chain_csv(n_days=0)
    message = _error(path)
    assert str(path) in message and "no rows" in message


def test_unreadable_bytes(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage\x00\n\x9c")
    message = _error(path)
    assert str(path) in message


# --- validation errors: each names the file, the column and the offending dates ---------------------


def test_missing_column(make_chain_csv):
    path = make_chain_csv(drop_columns=("fees_btc",))
    message = _error(path)
    assert str(path) in message
    assert "missing column 'fees_btc'" in message


def test_missing_columns_are_all_named(make_chain_csv):
    path = make_chain_csv(drop_columns=("fees_btc", "tx_count"))
    message = _error(path)
    assert "'fees_btc'" in message and "'tx_count'" in message


def test_non_numeric_value(make_chain_csv):
    def edit(rows):
        rows[5]["price_usd"] = "n/a"

    path = make_chain_csv(edit=edit)
    message = _error(path)
    assert str(path) in message
    assert "'price_usd'" in message
    assert "2024-03-06" in message
    assert "(1 day)" in message


def test_empty_value_counts_as_non_numeric(make_chain_csv):
    def edit(rows):
        rows[2]["hashrate_ehs"] = ""

    message = _error(make_chain_csv(edit=edit))
    assert "'hashrate_ehs'" in message and "2024-03-03" in message


def test_many_bad_values_list_the_first_few_and_the_count(make_chain_csv):
    def edit(rows):
        for i in range(10, 17):
            rows[i]["fees_btc"] = "x"

    message = _error(make_chain_csv(edit=edit))
    assert "'fees_btc'" in message
    assert "2024-03-11, 2024-03-12, 2024-03-13, 2024-03-14, 2024-03-15 and 2 more" in message
    assert "(7 days)" in message
    assert "2024-03-16" not in message


def test_gap_in_dates(make_chain_csv):
    def edit(rows):
        return rows[:10] + rows[12:]

    path = make_chain_csv(edit=edit)
    message = _error(path)
    assert str(path) in message
    assert "'date'" in message
    assert "gap" in message
    assert "2024-03-11, 2024-03-12" in message
    assert "2 days missing" in message


def test_duplicate_date(make_chain_csv):
    def edit(rows):
        rows.insert(21, dict(rows[20]))

    path = make_chain_csv(edit=edit)
    message = _error(path)
    assert str(path) in message
    assert "'date'" in message
    assert "duplicate" in message
    assert "2024-03-21" in message


def test_dates_out_of_order(make_chain_csv):
    def edit(rows):
        rows[3], rows[4] = rows[4], rows[3]

    message = _error(make_chain_csv(edit=edit))
    assert "'date'" in message and "increasing order" in message and "2024-03-05" in message


def test_malformed_date(make_chain_csv):
    def edit(rows):
        rows[8]["date"] = "2024/03/09"

    path = make_chain_csv(edit=edit)
    message = _error(path)
    assert str(path) in message and "'date'" in message and "'2024/03/09'" in message
    assert "line 10" in message


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("price_usd", "0", "must be > 0"),
        ("price_usd", "-1.5", "must be > 0"),
        ("hashrate_ehs", "0", "must be > 0"),
        ("hashrate_ehs", "-600", "must be > 0"),
        ("block_count", "-1", "must be >= 0"),
        ("fees_btc", "-0.5", "must be >= 0"),
        ("issuance_btc", "-1", "must be >= 0"),
    ],
)
def test_out_of_range_values(make_chain_csv, column, value, words):
    def edit(rows):
        rows[44][column] = value

    path = make_chain_csv(edit=edit)
    message = _error(path)
    assert str(path) in message
    assert f"'{column}'" in message
    assert words in message
    assert "2024-04-14" in message


def test_block_count_must_be_whole(make_chain_csv):
    def edit(rows):
        rows[1]["block_count"] = "144.5"

    message = _error(make_chain_csv(edit=edit))
    assert "'block_count'" in message and "whole numbers" in message and "2024-03-02" in message


@pytest.mark.shared_data
def test_shared_table_loads_as_documented(shared_csv):
    history = load_chain_history(shared_csv)
    assert len(history) == 5112
    assert history.index[0] == pd.Timestamp("2012-01-01")
    assert history.index[-1] == pd.Timestamp("2025-12-29")
    assert history.index.freqstr == "D"
    assert list(history.columns) == list(REQUIRED_COLUMNS[1:])
    # a row of the README's sanity table
    row = history.loc["2024-04-20"]
    assert (row["block_count"], row["issuance_btc"]) == (130, 406.25)


# --- attribution -----------------------------------------------------------------------------------


def test_attribution_text():
    assert ATTRIBUTION == CHAIN_TABLE_ATTRIBUTION == (
        "Source: Coin Metrics Community Data (github.com/coinmetrics/data), CC BY-NC 4.0"
    )


@pytest.mark.shared_data
def test_attribution_is_the_data_readme_text(shared_csv):
    readme = " ".join((shared_csv.parent / "README.md").read_text().split())
    assert f'"{ATTRIBUTION}"' in readme


# --- atomic writes ---------------------------------------------------------------------------------


def test_write_bytes_atomic_creates_and_replaces(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    assert write_bytes_atomic(target, b"one") == target
    assert target.read_bytes() == b"one"
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]


def test_write_bytes_atomic_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]
