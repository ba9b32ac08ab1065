"""Every preset replays history through the engine; the replay prints the production the preset reports."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from hashpivot.cli import app
from hashpivot.scenarios.toml import load_preset, preset_names

LAST_DAY = dt.date(2025, 12, 29)  # last complete day of ../shared/data/btc_daily.csv


@pytest.mark.shared_data
@pytest.mark.parametrize("name", preset_names())
def test_every_preset_replays_with_its_reported_production(name, shared_csv):
    scenario = load_preset(name)
    first = max(scenario.run.start_date + dt.timedelta(days=1), dt.date(2012, 1, 2))
    if first > LAST_DAY:
        first = LAST_DAY - dt.timedelta(days=89)  # an outlook starting after the data: replay its last 90 days
    last = min(first + dt.timedelta(days=364), LAST_DAY)
    result = CliRunner().invoke(app, ["replay", "--company", name, "--from", first.isoformat(), "--to",
                                      last.isoformat(), "--data", str(shared_csv), "--json", "--check"])
    assert result.exit_code == 0, result.output
    months = {m["month"]: m for m in json.loads(result.stdout)["months"]}
    assert months and all(m["mined_btc"] >= 0 for m in months.values())
    for reported in scenario.company.reported_production:
        if reported.month in months and first.strftime("%Y-%m") < reported.month < last.strftime("%Y-%m"):
            row = months[reported.month]
            assert row["reported_mined_btc"] == pytest.approx(reported.mined_btc)
            assert row["mined_vs_reported_frac"] == pytest.approx(row["mined_btc"] / reported.mined_btc - 1)
