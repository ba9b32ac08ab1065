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


# --- a project dated before the run: what was paid before day 1 is sunk, its term runs from its real start ----------

def _pre_run_lease(on_date: str, build_days: int, **terms) -> dict:
    """One constant path from 2024-04-20 (tests/test_capacity.base), 120 days; 50 grid MW (PUE 1: 50 IT MW) leased
    at 100 USD/kW-month, capex 1 M USD per MW, no operating share, no discounting of the contract."""
    from tests.test_capacity import base

    data = base(horizon_days=120, contract_discount_rate_per_year=0.0)
    data["policy"]["capacity"] = {"kind": "convert_on_day", "on_date": on_date, "mw": 50.0, "project": {
        "kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "opex_frac_of_revenue": 0.0,
        "capex_usd_per_mw": 1e6, "build_days": build_days, "pue_ratio": 1.0, **terms}}
    return data


def _run_one(data: dict):
    from hashpivot.engine.run import simulate

    return simulate(from_dict(data, "pre-run lease"), check_invariants=True).dataset.isel(policy=0, path=0)


RENT_50MW_USD_PER_DAY = 50 * 1000 * 100.0 * 12 / 365  # 50 MW of IT load at 100 USD/kW-month: 164,383.56 USD/day


def test_a_build_begun_before_the_run_pays_only_its_days_left():
    """Begun 2024-03-02, day -49: of its 100 build days, 50 (days -49..0) were paid before the run; days 1-50 pay
    the other half (0.5 M USD a day), and it earns from day 51: 70 days of rent."""
    ds = _run_one(_pre_run_lease("2024-03-02", 100))
    assert float(ds["colocation_lease_capex_usd"]) == pytest.approx(50 * 50e6 / 100, rel=1e-12)
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(70 * RENT_50MW_USD_PER_DAY, rel=1e-12)


def test_a_lease_already_earning_on_day_1_pays_no_capex_and_keeps_its_term_and_escalator():
    """Begun 2021-04-20 (day -1,096) with a 100-day build: earning since day -996, its 5-year term (1,825 days) ends
    on day 829 and its rent has stepped up by 3 % at two anniversaries (days -631 and -266); the third is day 99.
    So days 1-98 earn 1.03^2 x the base rent, days 99-120 1.03^3 x, no capex falls in the run, and what the lease
    still pays after day 120 (undiscounted, no default) is days 121-463 at 1.03^3 and 464-828 at 1.03^4."""
    assert (dt.date(2021, 4, 20) - dt.date(2024, 4, 20)).days == -1096
    ds = _run_one(_pre_run_lease("2021-04-20", 100, term_years=5.0, escalator_frac_per_year=0.03))
    assert float(ds["colocation_lease_capex_usd"]) == 0.0
    rent = RENT_50MW_USD_PER_DAY
    want = 98 * rent * 1.03**2 + 22 * rent * 1.03**3
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(want, rel=1e-12)
    left = (463 - 120) * rent * 1.03**3 + (828 - 463) * rent * 1.03**4
    assert float(ds["contracted_value_usd"]) == pytest.approx(left, rel=1e-12)
