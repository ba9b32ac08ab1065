"""Historical replay: the real chain drives the company through the same step as Monte Carlo."""

from __future__ import annotations

import csv
import json

import pytest
from cli_helpers import assert_bad_input
from typer.testing import CliRunner

from hashpivot import api
from hashpivot.analysis.replay import monthly_table
from hashpivot.cli import app
from hashpivot.scenarios.toml import from_dict, load_preset


def thirty_ehs_company():
    """The default preset's company replaced by one 30 EH/s fleet, uptime 1, no pool fee."""
    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["company"]["sites"] = [{"name": "s", "power_mw": 600.0, "power_price_usd_per_mwh": 45.0}]
    data["company"]["fleets"] = [{"name": "f", "site": "s", "hashrate_ehs": 30.0, "efficiency_j_per_th": 20.0,
                                  "uptime_frac": 1.0, "pool_fee_frac": 0.0}]
    data["policy"]["treasury"] = {"kind": "hold_all"}
    data["compare"] = []
    return from_dict(data, "30 EH/s company")


@pytest.mark.shared_data
def test_replay_mines_its_hashrate_share_of_the_real_blocks(shared_csv):
    result = api.replay(thirty_ehs_company(), date_from="2024-05-01", date_to="2025-04-30", data=shared_csv,
                        check_invariants=True)
    # Independent: share of each day's network hashrate x that day's issuance and fees, from the CSV rows.
    expected = 0.0
    with open(shared_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            if "2024-05-01" <= row["date"] <= "2025-04-30":
                expected += 30.0 / float(row["hashrate_ehs"]) * (float(row["issuance_btc"]) + float(row["fees_btc"]))
    mined = float(result.dataset["mined_btc"].values[0, 0])
    assert abs(mined / expected - 1) < 1e-3
    table = monthly_table(result)
    assert list(table.index[:2]) == ["2024-05", "2024-06"] and len(table) == 12
    assert table["mined_btc"].sum() == pytest.approx(mined, rel=1e-5)  # monthly series are float32


@pytest.mark.shared_data
def test_replay_cli_prints_months_and_reported_production(shared_csv, tmp_path):
    scenario = thirty_ehs_company().model_dump(mode="python", exclude_none=True)
    scenario["company"]["reported_production"] = [{"month": "2024-06", "mined_btc": 1000.0, "source": "test"}]
    from hashpivot.scenarios.toml import to_toml

    path = tmp_path / "company.toml"
    path.write_text(to_toml(from_dict(scenario, "t")))
    runner = CliRunner()
    result = runner.invoke(app, ["replay", "--company", str(path), "--from", "2024-05-01", "--to", "2024-07-31",
                                 "--data", str(shared_csv), "--json"])
    assert result.exit_code == 0, result.output
    months = {m["month"]: m for m in json.loads(result.stdout)["months"]}
    assert set(months) == {"2024-05", "2024-06", "2024-07"}
    june = months["2024-06"]
    assert june["reported_mined_btc"] == 1000.0
    assert june["mined_vs_reported_frac"] == pytest.approx(june["mined_btc"] / 1000.0 - 1, rel=1e-12)
    human = runner.invoke(app, ["replay", "--company", str(path), "--from", "2024-05-01", "--to", "2024-05-31",
                                "--data", str(shared_csv)], env={"COLUMNS": "250"})
    assert human.exit_code == 0 and "2024-05" in human.stdout and "Coin Metrics" in human.stdout


def test_replay_without_data_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.delenv("HASHPIVOT_DATA", raising=False)
    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["replay", "--company", "default", "--from", "2024-05-01", "--to", "2024-05-31"])
    line = assert_bad_input(result, "--data")
    assert "HASHPIVOT_DATA" in line


@pytest.mark.shared_data
def test_replay_outside_the_table_is_bad_input(shared_csv):
    result = CliRunner().invoke(app, ["replay", "--company", "default", "--from", "2025-12-01", "--to", "2026-02-01",
                                      "--data", str(shared_csv)])
    assert_bad_input(result, "2025-12-29", "allowed")
    result = CliRunner().invoke(app, ["replay", "--company", "default", "--from", "2025-02-01", "--to", "2025-01-01",
                                      "--data", str(shared_csv)])
    assert_bad_input(result, "--to", "before")


def test_replay_of_unknown_company_is_bad_input():
    result = CliRunner().invoke(app, ["replay", "--company", "nobody", "--from", "2024-05-01", "--to", "2024-05-31"])
    assert_bad_input(result, "nobody", "preset")


