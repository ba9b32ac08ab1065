"""Conversions dated by the calendar (issue 14, point 4): a company's lease starts on its contract's date whatever
day a run or a replay starts, and the engine still sees day indices."""

from __future__ import annotations

import datetime as dt

import pytest

from hashpivot import api
from hashpivot.analysis.replay import monthly_table
from hashpivot.errors import ScenarioError
from hashpivot.policies.capacity import ConvertOnDay, resolve_dates
from hashpivot.scenarios.toml import from_dict, from_toml, load_preset, to_toml


def test_a_date_becomes_the_day_index_from_the_runs_start():
    corz = load_preset("corz_2024q2")
    step = corz.policy.capacity
    assert step.on_date == dt.date(2024, 6, 3)
    assert step.day == (dt.date(2024, 6, 3) - corz.run.start_date).days == 44  # the day it held before dates
    later = resolve_dates(step, dt.date(2024, 7, 1))
    assert later.on_date == step.on_date and later.day == -28


def test_dates_survive_the_toml_round_trip():
    corz = load_preset("corz_2024q2")
    again = from_toml(to_toml(corz), "round trip")
    assert again.policy.capacity == corz.policy.capacity


def test_a_step_needs_a_day_or_a_date():
    data = load_preset("corz_2024q2").model_dump(mode="python", exclude_none=True)
    data["policy"]["capacity"].pop("on_date")
    data["policy"]["capacity"]["day"] = 0
    with pytest.raises(ScenarioError, match="day"):
        from_dict(data, "no date")
    with pytest.raises(ValueError, match="on_date"):
        ConvertOnDay(mw=1.0, project={"kind": "site_lease", "rate_usd_per_kw_month": 10.0})


@pytest.mark.shared_data
def test_a_replay_starting_later_does_not_move_the_lease(shared_csv):
    early = monthly_table(api.replay("corz_2024q2", date_from="2024-05-01", date_to="2025-12-29", data=shared_csv))
    late = monthly_table(api.replay("corz_2024q2", date_from="2024-09-01", date_to="2025-12-29", data=shared_csv))
    both = [m for m in late.index if m in early.index and m >= "2024-10"]
    assert both
    for month in both:
        assert late.loc[month, "mining_mw_days"] == pytest.approx(early.loc[month, "mining_mw_days"], abs=1.0), month  # float32 months
