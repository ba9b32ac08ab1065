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
    assert step.on_date == dt.date(2024, 7, 1)  # site modifications from H2 2024 (the preset's source)
    assert step.day == (dt.date(2024, 7, 1) - corz.run.start_date).days == 72  # 11 days of April, 31, 30
    later = resolve_dates(step, dt.date(2024, 9, 1))
    assert later.on_date == step.on_date and later.day == -62  # July and August before the run


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


@pytest.mark.shared_data
def test_the_coreweave_lease_takes_mining_mw_when_delivered_not_when_signed(shared_csv):
    """Core Scientific's self-mining energized hashrate stayed at 19.4-20.5 EH/s from June to September 2024 (its
    updates): the lease signed 2024-06-03 took no mining MW then. The replay mines July-September 2024 with its whole
    fleet: 745 MW of sites, the fleet's 19.3 EH/s x 26.85 J/TH = 518.2 MW, every MW mining until the first tranche
    is delivered on 2025-03-28 (2024-07-01 + 270 days); then a quarter of 286 grid MW leaves mining."""
    table = monthly_table(api.replay("corz_2024q2", date_from="2024-05-01", date_to="2025-06-30", data=shared_csv))
    fleet_mw = 19.3 * 26.85
    for month, n_days in (("2024-07", 31), ("2024-08", 31), ("2024-09", 30), ("2025-02", 28)):
        assert table.loc[month, "mining_mw_days"] == pytest.approx(fleet_mw * n_days, rel=1e-5), month
    # March 2025: 27 days with the whole fleet, then 4 days (28-31 March) without the first 71.5 MW tranche.
    assert table.loc["2025-03", "mining_mw_days"] == pytest.approx(fleet_mw * 31 - 286.0 / 4 * 4, rel=1e-5)
    reported = {"2024-07": 411, "2024-08": 358, "2024-09": 345}  # Core Scientific September 2024 update
    for month, btc in reported.items():
        # Before: about half the reported BTC (the lease took 286 MW on signing); now within 12 % of each report.
        assert abs(table.loc[month, "mined_btc"] / btc - 1) < 0.12, month
