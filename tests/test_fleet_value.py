"""Fleets at their resale value in terminal NAV and the DCF (issue 13, point 5): at the horizon the machines the
company still holds count TH/s x price new x (1 - age / life)^+ x (hashprice_T / hashprice_0) ** elasticity
(``formulas.fleet.resale_usd_per_th``), in NAV (``nav_basis = "with_contracts"``) and in the DCF's terminal value
(discounted to day 0 like what the contracts still pay). Every figure is derived here from a constant path (flat
hashrate and fees, a BTC price with a stated drift and no volatility): the fleet of 5 EH/s at 20 J/TH of
``tests.test_capacity.base`` on its 100 MW site, 120 days."""

from __future__ import annotations

import math

import pytest

from hashpivot.engine.run import simulate
from hashpivot.errors import ScenarioError
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import N_DAYS, base

TH_PER_S = 5.0 * 1e6  # the base fleet: 5 EH/s = 5e6 TH/s
LIFE_YEARS = 5.0  # policy.retirement.life_years's default (straight-line wear to 0 over five years)
EQUITY_RATE = 0.16  # company.equity_discount_rate_per_year's default [1/year]


def with_fleet(price_new_usd_per_th: float, age_years: float, drift_per_day: float = 0.0,
               elasticity: float | None = None, **company) -> dict:
    data = base(**company)
    data["company"]["fleets"][0] |= {"price_new_usd_per_th": price_new_usd_per_th, "age_years": age_years}
    data["market"]["btc_price"]["drift_per_day"] = drift_per_day
    if elasticity is not None:
        data["policy"]["retirement"] = {"price_elasticity": elasticity}
    return data


def run(data: dict):
    return simulate(from_dict(data, "fleet value test"), check_invariants=True).dataset.isel(policy=0, path=0)


def resale_by_hand(price_new: float, age0_years: float, ratio: float, elasticity: float) -> float:
    """TH/s x price new x (1 - age at the horizon / life)^+ x ratio ** elasticity, the age at the horizon being the
    age on day 0 + 120 days / 365. [USD]"""
    age = age0_years + N_DAYS / 365.0
    return TH_PER_S * price_new * max(1.0 - age / LIFE_YEARS, 0.0) * ratio ** elasticity


@pytest.mark.parametrize(("drift_per_day", "elasticity"), [(0.0, None), (-0.001, 0.5), (0.002, 1.0)])
def test_nav_and_the_dcf_move_by_the_fleets_resale_value(drift_per_day, elasticity):
    """S21-class units bought a year before day 0 at 18 USD/TH: at the horizon they are 1 + 120/365 years old. With
    flat hashrate, fees and subsidy (no halving in 120 days from height 840,000), hashprice moves with the BTC price
    alone: the ratio is exp(drift x 120) (GBM with no volatility). The same company with units worth nothing new
    (price 0) differs by exactly that resale value in NAV, and by it x (1 + 16 %) ** (-120/365) in the DCF."""
    e = 1.0 if elasticity is None else elasticity
    value = resale_by_hand(18.0, 1.0, math.exp(drift_per_day * N_DAYS), e)
    assert value > 0.0
    held = run(with_fleet(18.0, 1.0, drift_per_day, elasticity))
    worthless = run(with_fleet(0.0, 1.0, drift_per_day, elasticity))
    assert float(worthless["fleet_value_usd"]) == 0.0
    assert float(held["fleet_value_usd"]) == pytest.approx(value, rel=1e-9)
    assert float(held["nav_usd"]) - float(worthless["nav_usd"]) == pytest.approx(value, rel=1e-9)
    discount = (1.0 + EQUITY_RATE) ** (-N_DAYS / 365.0)
    for name in ("dcf_equity_usd", "ev_usd"):
        assert float(held[name]) - float(worthless[name]) == pytest.approx(value * discount, rel=1e-9)
    # mining is the same: the price new is only the basis of the resale
    assert float(held["mined_btc"]) == float(worthless["mined_btc"])


def test_the_default_price_new_is_the_retirement_policys_and_the_monthly_nav_ends_at_the_terminal_one():
    """No price on the fleet: the policy's fleet_price_new_usd_per_th (14 USD/TH by default, set to 16 here) is its
    basis; the month-end NAV of the last month (the horizon) is the terminal NAV, fleets included."""
    data = with_fleet(16.0, 0.5)
    del data["company"]["fleets"][0]["price_new_usd_per_th"]
    data["policy"]["retirement"] = {"fleet_price_new_usd_per_th": 16.0}
    data["run"]["store_paths"] = 1
    result = simulate(from_dict(data, "fleet value test"), check_invariants=True).dataset.isel(policy=0)
    assert float(result["fleet_value_usd"].isel(path=0)) == pytest.approx(resale_by_hand(16.0, 0.5, 1.0, 1.0),
                                                                          rel=1e-9)
    assert float(result["monthly_nav_usd"].isel(sample=0)[-1]) == pytest.approx(
        float(result["nav_usd"].isel(path=0)), rel=1e-6)  # the monthly series are float32


def test_balance_sheet_nav_leaves_the_fleets_out_but_the_dcf_counts_them():
    """RM1's NAV (``nav_basis = "balance_sheet"``) is BTC x price + cash - debt: the fleets do not move it; the DCF's
    terminal value counts them whatever the basis."""
    held = run(with_fleet(18.0, 1.0, nav_basis="balance_sheet"))
    worthless = run(with_fleet(0.0, 1.0, nav_basis="balance_sheet"))
    value = resale_by_hand(18.0, 1.0, 1.0, 1.0)
    assert float(held["nav_usd"]) == float(worthless["nav_usd"])
    assert float(held["fleet_value_usd"]) == pytest.approx(value, rel=1e-9)
    assert float(held["ev_usd"]) - float(worthless["ev_usd"]) == pytest.approx(
        value * (1.0 + EQUITY_RATE) ** (-N_DAYS / 365.0), rel=1e-9)


def test_a_fleet_past_its_life_adds_nothing():
    """4.8 years old on day 0: 4.8 + 120/365 = 5.13 years at the horizon, past the five-year life: wear 0."""
    assert 4.8 + N_DAYS / 365.0 > LIFE_YEARS
    held, worthless = run(with_fleet(18.0, 4.8)), run(with_fleet(0.0, 4.8))
    assert float(held["fleet_value_usd"]) == 0.0
    assert float(held["nav_usd"]) == float(worthless["nav_usd"])
    assert float(held["dcf_equity_usd"]) == float(worthless["dcf_equity_usd"])


def test_an_insolvent_path_adds_nothing():
    """Power at 400 USD/MWh costs 960,000 USD a day against 234,000 USD mined: 10 M USD and 10 BTC last about two
    weeks. The path fails; its fleets were sold with everything else and count 0."""
    def failing(price_new: float) -> dict:
        data = with_fleet(price_new, 1.0, cash_usd=10e6, btc_held=10.0)
        data["company"]["sites"][0]["power_price_usd_per_mwh"] = 400.0
        data["company"]["sites"][0]["curtailable_frac"] = 0.0  # no economic shutdown: it runs at a loss
        return data

    held, worthless = run(failing(18.0)), run(failing(0.0))
    assert int(held["insolvent_day"]) > 0
    assert float(held["fleet_value_usd"]) == 0.0
    assert float(held["nav_usd"]) == float(worthless["nav_usd"])
    assert float(held["ev_usd"]) == float(worthless["ev_usd"])


def test_a_fleet_converted_to_ai_in_full_adds_nothing_and_in_part_its_share():
    """All 100 MW converted to a lease on day 1: no unit is left to sell. 40 MW converted: the 60 MW left, 3 EH/s,
    count (60 / 100 of the fleet)."""
    def converted(price_new: float, mw: float) -> dict:
        data = with_fleet(price_new, 1.0)
        data["policy"]["capacity"] = {
            "kind": "convert_on_day", "day": 1, "mw": mw,
            "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 120.0, "term_years": 2.0,
                        "opex_frac_of_revenue": 0.1, "capex_usd_per_mw": 0.0}}
        return data

    full, full_worthless = run(converted(18.0, 100.0)), run(converted(0.0, 100.0))
    assert float(full["mined_btc"]) == 0.0
    assert float(full["fleet_value_usd"]) == 0.0
    assert float(full["nav_usd"]) == float(full_worthless["nav_usd"])
    part, part_worthless = run(converted(18.0, 40.0)), run(converted(0.0, 40.0))
    value = 0.6 * resale_by_hand(18.0, 1.0, 1.0, 1.0)
    assert float(part["fleet_value_usd"]) == pytest.approx(value, rel=1e-9)
    assert float(part["nav_usd"]) - float(part_worthless["nav_usd"]) == pytest.approx(value, rel=1e-9)


def test_a_retired_fleet_counts_in_cash_once_and_not_again_at_the_horizon():
    """Power at 100 USD/MWh: 100 MW x 24 h x 100 = 240,000 USD a day against 5 x 0.78 BTC x 60,000 USD = 234,000 USD
    mined, a negative margin every day; with retirement after 3 such days the fleet is sold on day 3 at 5e6 TH/s x 18
    USD/TH x (1 - (1 + 3/365) / 5) (its age then) and holds nothing at the horizon: the sale's proceeds are in cash,
    and NAV differs from the worthless twin's by them alone."""
    def retiring(price_new: float) -> dict:
        data = with_fleet(price_new, 1.0)
        data["company"]["sites"][0] |= {"power_price_usd_per_mwh": 100.0, "curtailable_frac": 0.0}
        data["policy"]["retirement"] = {"retire_after_negative_days": 3}
        return data

    held, worthless = run(retiring(18.0)), run(retiring(0.0))
    proceeds = TH_PER_S * 18.0 * (1.0 - (1.0 + 3 / 365.0) / LIFE_YEARS)
    assert float(held["resale_usd"]) == pytest.approx(proceeds, rel=1e-9)
    assert float(held["fleet_value_usd"]) == 0.0
    assert float(held["nav_usd"]) - float(worthless["nav_usd"]) == pytest.approx(proceeds, rel=1e-9)


def test_units_put_in_by_the_upgrade_policy_count_at_the_new_models_price_from_their_day():
    """An upgrade to 15 J/TH at 16 USD/TH that pays back at once (payback limit 120 months) replaces 20 MW on day
    30 (its first check: days divisible by 30) and on days 60, 90 and 120: each batch 20 MW / 15 J/TH = 1.333 EH/s of
    new units, aged (120 - day) / 365 years at the horizon; the 100 - 80 = 20 MW of old units left, 1 EH/s, count
    at the fleet's own price and age."""
    def upgraded(price_new: float) -> dict:
        data = with_fleet(price_new, 1.0)
        data["policy"]["upgrade"] = {"kind": "payback", "efficiency_j_per_th": 15.0, "capex_usd_per_th": 16.0,
                                     "max_payback_months": 120.0, "max_mw_per_check": 20.0, "check_every_days": 30}
        return data

    held = run(upgraded(18.0))
    old = 0.2 * resale_by_hand(18.0, 1.0, 1.0, 1.0)
    new = sum(20.0 / 15.0 * 1e6 * 16.0 * (1.0 - (N_DAYS - day) / 365.0 / LIFE_YEARS) for day in (30, 60, 90, 120))
    assert float(held["fleet_value_usd"]) == pytest.approx(old + new, rel=1e-9)


@pytest.mark.parametrize(("change", "words"), [
    ({"price_new_usd_per_th": -1.0}, ["price_new_usd_per_th", "-1", "greater than or equal to 0"]),
    ({"age_years": 25.0}, ["age_years", "25", "less than or equal to 20"]),
])
def test_a_bad_price_new_or_age_is_refused_naming_field_value_and_what_is_allowed(change, words):
    data = base()
    data["company"]["fleets"][0] |= change
    with pytest.raises(ScenarioError) as info:
        from_dict(data, "fleet value test")
    for word in words:
        assert word in str(info.value), (word, str(info.value))
