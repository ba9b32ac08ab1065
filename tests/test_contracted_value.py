"""What contracts still pay enters terminal NAV (issue 13, point 5): a lease with years left at the horizon is worth
its remaining rent net of its operating share, discounted at the company's contract rate and the tenant's survival,
not zero. Every figure is summed day by day here, from the contract's terms."""

from __future__ import annotations

import pytest

from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import N_DAYS, base

RATE = 0.0775  # the schema's default contract discount rate [1/year]


def lease(**project) -> dict:
    return {"kind": "colocation_lease", "rate_usd_per_kw_month": 120.0, "term_years": 1.0,
            "opex_frac_of_revenue": 0.1, "capex_usd_per_mw": 0.0, **project}


def run(data: dict, nav_basis: str = "with_contracts"):
    data["company"]["nav_basis"] = nav_basis
    return simulate(from_dict(data, "contracted value test"), check_invariants=True).dataset.isel(policy=0)


def pv_by_day(usd_by_day: dict[int, float], horizon_day: int, rate: float = RATE, hazard: float = 0.0) -> float:
    """Sum over the days after the horizon of each day's flow x (1 - hazard)^d / (1 + rate)^(d / 365)."""
    return sum(x * (1 - hazard) ** (d - horizon_day) / (1 + rate) ** ((d - horizon_day) / 365)
               for d, x in usd_by_day.items() if d > horizon_day)


def rent_per_day(mw: float, rate_usd_per_kw_month: float) -> float:
    return mw * 1000 * rate_usd_per_kw_month * 12 / 365


def test_a_lease_mid_term_adds_its_remaining_rent_to_nav():
    """25 MW leased on day 11 for one year (days 11..375): at the 120-day horizon, days 121..375 remain, each paying
    the rent less 10 % opex."""
    data = base()
    data["run"]["store_paths"] = 3
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 11, "mw": 25.0, "project": lease()}
    twin = base() | {"policy": data["policy"], "run": data["run"]}
    with_contracts, balance_sheet = run(data), run(twin, "balance_sheet")
    flows = {d: rent_per_day(25.0, 120.0) * 0.9 for d in range(11, 376)}
    expected = pv_by_day(flows, N_DAYS)
    assert float(with_contracts["contracted_value_usd"][0]) == pytest.approx(expected, rel=1e-9)
    # NAV with contracts also counts the fleet left (75 of its 100 MW) at its resale value: 0.75 x 5e6 TH/s x the
    # policy's price new of a day-0 fleet (14 USD/TH) x (1 - 120 / 365 / its 5-year life), flat hashprice
    fleet_usd = 0.75 * 5e6 * 14.0 * (1 - N_DAYS / 365 / 5.0)
    assert float(with_contracts["nav_usd"][0] - balance_sheet["nav_usd"][0]) == pytest.approx(expected + fleet_usd,
                                                                                               rel=1e-9)
    assert float(balance_sheet["contracted_value_usd"][0]) == 0.0
    # the month-end NAV of the stored paths counts it too (the last month end is the horizon here; stored as
    # float32, hence 1e-7)
    assert float(with_contracts["monthly_nav_usd"][0, -1]) == pytest.approx(float(with_contracts["nav_usd"][0]),
                                                                           rel=1e-7)


def test_the_escalator_steps_at_each_anniversary_of_the_rate():
    """Leased on day 1 for three years with a 3 % escalator, horizon day 400: days 401..730 pay 1.03 x the rent,
    days 731..1095 pay 1.03^2 x."""
    data = base(horizon_days=400)
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 1, "mw": 25.0,
                                  "project": lease(term_years=3.0, escalator_frac_per_year=0.03)}
    ds = run(data)
    rent = rent_per_day(25.0, 120.0) * 0.9
    flows = {d: rent * 1.03 ** ((d - 1) // 365) for d in range(1, 1096)}
    assert float(ds["contracted_value_usd"][0]) == pytest.approx(pv_by_day(flows, 400), rel=1e-9)


def test_a_lease_still_being_built_counts_its_term_less_the_capex_still_due():
    """Conversion on day 50 with a 200-day build (days 50..249 pay capex, 1 M USD/MW over 25 MW) and a 30-day delay:
    at the horizon (day 120) days 121..249 of capex are still due; the one-year term runs days 280..644."""
    data = base()
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 50, "mw": 25.0,
                                  "project": lease(capex_usd_per_mw=1e6, build_days=200, delay_days=30)}
    ds = run(data)
    flows = {d: -25e6 / 200 for d in range(50, 250)}
    flows.update({d: rent_per_day(25.0, 120.0) * 0.9 for d in range(280, 645)})
    assert float(ds["contracted_value_usd"][0]) == pytest.approx(pv_by_day(flows, N_DAYS), rel=1e-9)


def test_a_lease_signed_for_delivery_counts_from_its_signing():
    """The same lease, its MW taken at delivery: signed on day 50 (its build's start), mining on to the delivery on
    day 250, when all 25 M USD of capex falls; rent from day 280 for a year. At the day-120 horizon the contract
    binds: its term less the capex due on delivery day (before 2026-12-07 it counted nothing until delivered)."""
    data = base()
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 50, "mw": 25.0, "project": lease(
        capex_usd_per_mw=1e6, build_days=200, delay_days=30, takes_mining_mw_at="delivery")}
    ds = run(data)
    flows = {250: -25e6} | {d: rent_per_day(25.0, 120.0) * 0.9 for d in range(280, 645)}
    assert float(ds["contracted_value_usd"][0]) == pytest.approx(pv_by_day(flows, N_DAYS), rel=1e-9)
    assert float(ds["capex_usd"][0]) == 0.0  # nothing paid yet: the MW still mine


def test_the_tenant_survival_discounts_the_rent():
    """A 40 %-a-year default probability: on the paths whose tenant has not defaulted by the horizon, each day's
    rent after it is weighted by the survival (1 - h)^d, h = 1 - 0.6^(1/365)."""
    data = base()
    data["run"]["n_paths"] = 16
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 11, "mw": 25.0,
                                  "project": lease(tenant_default_prob_per_year=0.4, downtime_days=30)}
    ds = run(data)
    full_rent = rent_per_day(25.0, 120.0) * (N_DAYS - 10)
    hazard = 1 - 0.6 ** (1 / 365)
    expected = pv_by_day({d: rent_per_day(25.0, 120.0) * 0.9 for d in range(11, 376)}, N_DAYS, hazard=hazard)
    survived = [p for p in range(16) if float(ds["colocation_lease_revenue_usd"][p]) == pytest.approx(full_rent)]
    assert survived, "no path kept its tenant; pick another seed"
    for p in survived:
        assert float(ds["contracted_value_usd"][p]) == pytest.approx(expected, rel=1e-9)


def test_a_gpu_clouds_contracted_hours_count_net_of_their_share_of_costs():
    """60 MW of GPUs (40,000 at 1.25 kW x PUE 1.2) earn from day 31; a 90-day contract on half the hours at 2 USD
    ends on day 120 (days 31..120): nothing is left at a 100-day horizon but days 101..120, each paying
    0.5 x (GPU-hours x 2 USD - power at 40 USD/MWh - 0.1 USD per GPU-hour)."""
    data = base(horizon_days=100)
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 31, "mw": 60.0,
        "project": {"kind": "gpu_cloud", "server_power_kw_per_gpu": 1.25, "pue_ratio": 1.2,
                    "capex_usd_per_gpu": 0.0, "utilisation_frac": 0.9, "contracted_frac": 0.5,
                    "contract_rate_usd_per_gpu_hour": 2.0, "contract_years": 90 / 365,
                    "spot_start_usd_per_gpu_hour": 3.0, "opex_usd_per_gpu_hour": 0.1, "build_days": 0},
    }
    ds = run(data)
    n_gpus = 60.0 * 1000 / (1.25 * 1.2)
    net = 0.5 * (n_gpus * 24 * 0.9 * 2.0 - 60.0 * 24 * 40.0 - 0.1 * n_gpus * 24)
    expected = pv_by_day({d: net for d in range(31, 121)}, 100)
    assert float(ds["contracted_value_usd"][0]) == pytest.approx(expected, rel=1e-9)


def test_an_insolvent_path_counts_no_contract():
    """A company with no cash and no BTC, paying 150,000 USD a day of overheads, fails on day 1: its lease is gone."""
    data = base()
    data["company"].update(btc_held=0.0, cash_usd=0.0, fixed_opex_usd_per_day=1.5e7)
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 1, "mw": 25.0, "project": lease()}
    ds = run(data)
    assert int(ds["insolvent_day"][0]) >= 0
    assert float(ds["contracted_value_usd"][0]) == 0.0
