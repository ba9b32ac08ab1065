"""Capacity: AI projects, conversions, curtailment. Each figure is derived by hand in the test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashpivot.engine.run import simulate
from hashpivot.errors import ScenarioError
from hashpivot.scenarios.toml import from_dict

N_DAYS = 120
#: Rent of the 100 MW leased at 100 USD/kW-month that several tests use: 100 MW x 1,000 kW x 100 x 12 / 365. [USD/day]
RENT_100MW_USD_PER_DAY = 100 * 1000 * 100.0 * 12 / 365


def base(horizon_days: int = N_DAYS, **company) -> dict:
    """One deterministic path: flat price, flat hashrate, flat fees, one 100 MW site."""
    return {
        "run": {"start_date": "2024-04-20", "start_height": 840_000, "horizon_days": horizon_days,
                "n_paths": 3, "seed": 1, "chunk_paths": 2, "store_paths": 0},
        "market": {
            "btc_price": {"kind": "gbm", "start_usd": 60_000.0, "drift_per_day": 0.0, "vol_per_sqrt_day": 0.0},
            "network_hashrate": {"kind": "lognormal", "start_ehs": 600.0, "growth_per_day": 0.0,
                                 "vol_per_sqrt_day": 0.0},
            "fees": {"kind": "lognormal", "median_btc_per_block": 0.125, "vol_log": 0.0},
            "difficulty": {"start_ehs": 600.0, "phase_blocks": 0},
        },
        "company": {
            "btc_held": 1_000.0, "cash_usd": 1e9, "shares_outstanding": 1e8,
            "sites": [{"name": "s", "power_mw": 100.0, "power_price_usd_per_mwh": 40.0}],
            "fleets": [{"name": "f", "site": "s", "hashrate_ehs": 5.0, "efficiency_j_per_th": 20.0,
                        "uptime_frac": 1.0, "pool_fee_frac": 0.0}],
            **company,
        },
        "policy": {"treasury": {"kind": "hold_all"}},
    }


# Hand figures of the base case: 144 blocks a day (hashrate equals difficulty), 3.25 BTC each.
BTC_PER_DAY_PER_EHS = 144 * 3.25 / 600.0
MINING_MW = 5.0 * 20.0


def run_one(data: dict):
    result = simulate(from_dict(data, "capacity test"), check_invariants=True)
    return result.dataset.isel(policy=0, path=0)


def test_all_mining_by_hand():
    ds = run_one(base())
    assert float(ds["mined_btc"]) == pytest.approx(N_DAYS * 5.0 * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["mining_opex_usd"]) == pytest.approx(N_DAYS * MINING_MW * 24 * 40.0, rel=1e-12)
    assert float(ds["mining_mw_days"]) == pytest.approx(N_DAYS * MINING_MW, rel=1e-12)


def test_core_scientific_lease_totals_3_5_billion():
    """200 MW of critical IT at 121.5 USD/kW-month for 12 years: 200 x 1000 x 121.5 x 12 x 12 = 3.4992e9 USD."""
    days = 12 * 365
    data = base(horizon_days=days)
    data["company"]["sites"][0]["power_mw"] = 250.0
    data["company"]["fleets"][0]["hashrate_ehs"] = 10.0  # 200 MW of miners to convert
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 200.0,
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 121.5, "term_years": 12.0,
                    "opex_frac_of_revenue": 0.0, "capex_usd_per_mw": 0.0},
    }
    ds = run_one(data)
    total = float(ds["colocation_lease_revenue_usd"])
    assert total == pytest.approx(200 * 1000 * 121.5 * 12 * 12, rel=1e-9)
    assert abs(total / 3.5e9 - 1) < 0.005
    assert float(ds["mined_btc"]) == 0.0  # every mining MW was converted on day 1


def test_converted_mw_mines_nothing_after_the_build_starts():
    """Convert 60 of 100 MW on day 31 into a GPU cloud with a 30-day build: mining falls to 40 MW from
    day 31; the cloud earns from day 61; capex is paid evenly over days 31..60."""
    data = base()
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 31, "mw": 60.0,
        "project": {"kind": "gpu_cloud", "server_power_kw_per_gpu": 1.25, "pue_ratio": 1.2,
                    "capex_usd_per_gpu": 10_000.0, "utilisation_frac": 0.9, "contracted_frac": 0.5,
                    "contract_rate_usd_per_gpu_hour": 2.0, "spot_start_usd_per_gpu_hour": 3.0,
                    "opex_usd_per_gpu_hour": 0.1, "build_days": 30},
    }
    ds = run_one(data)
    mined = 30 * 5.0 * BTC_PER_DAY_PER_EHS + (N_DAYS - 30) * 2.0 * BTC_PER_DAY_PER_EHS
    assert float(ds["mined_btc"]) == pytest.approx(mined, rel=1e-12)
    n_gpus = 60.0 * 1000 / (1.25 * 1.2)  # 40,000 GPUs
    earning_days = N_DAYS - 60
    revenue = earning_days * n_gpus * 24 * 0.9 * (0.5 * 2.0 + 0.5 * 3.0)
    opex = earning_days * (60.0 * 24 * 40.0 + 0.1 * n_gpus * 24)
    assert float(ds["gpu_cloud_revenue_usd"]) == pytest.approx(revenue, rel=1e-12)
    assert float(ds["gpu_cloud_opex_usd"]) == pytest.approx(opex, rel=1e-12)
    assert float(ds["gpu_cloud_mw_days"]) == pytest.approx(earning_days * 60.0, rel=1e-12)
    assert float(ds["capex_usd"]) == pytest.approx(n_gpus * 10_000.0, rel=1e-12)
    assert int(ds["insolvent_day"]) == -1


def test_build_delay_shifts_revenue_not_capex():
    data = base()
    project = {"kind": "site_lease", "rate_usd_per_kw_month": 50.0, "capex_usd_per_mw": 100_000.0,
               "opex_frac_of_revenue": 0.0, "build_days": 10, "delay_days": 40}
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 11, "mw": 100.0, "project": project}
    ds = run_one(data)
    earning_days = N_DAYS - (11 + 10 + 40) + 1
    assert float(ds["site_lease_revenue_usd"]) == pytest.approx(
        earning_days * 100 * 1000 * 50.0 * 12 / 365, rel=1e-12)
    assert float(ds["capex_usd"]) == pytest.approx(100 * 100_000.0, rel=1e-12)


def test_escalator_steps_up_on_each_anniversary():
    days = 3 * 365
    data = base(horizon_days=days)
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 100.0,
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "escalator_frac_per_year": 0.03,
                    "opex_frac_of_revenue": 0.0, "capex_usd_per_mw": 0.0},
    }
    ds = run_one(data)
    per_day = RENT_100MW_USD_PER_DAY
    assert float(ds["colocation_lease_revenue_usd"]) == pytest.approx(
        365 * per_day * (1 + 1.03 + 1.03**2), rel=1e-12)


def test_tenant_default_idles_the_lease_then_relets_at_the_market_rate():
    """A tenant that defaults almost surely on its first day: 30 idle days, then re-let at the contract rate
    (flat GPU rent index); it can default again, so revenue is at most the undisturbed total less 30 days."""
    data = base()
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 100.0,
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "opex_frac_of_revenue": 0.0,
                    "capex_usd_per_mw": 0.0, "tenant_default_prob_per_year": 0.999999, "downtime_days": 30},
    }
    ds = run_one(data)
    per_day = RENT_100MW_USD_PER_DAY
    revenue = float(ds["colocation_lease_revenue_usd"])
    # Daily hazard 1 - (1e-6)^(1/365) = 3.7 %: defaults happen; each costs 30 days of rent.
    lost_days = N_DAYS - revenue / per_day
    assert lost_days >= 30 - 1e-9
    assert lost_days == pytest.approx(round(lost_days), abs=1e-6)  # whole idle days only
    no_default = run_one(base() | {"policy": {"treasury": {"kind": "hold_all"}, "capacity": {
        **data["policy"]["capacity"], "project": {**data["policy"]["capacity"]["project"],
                                                 "tenant_default_prob_per_year": 0.0}}}})
    assert float(no_default["colocation_lease_revenue_usd"]) == pytest.approx(N_DAYS * per_day, rel=1e-12)


def test_conversion_triggered_by_low_hashprice():
    """Hashprice = 144 x 3.25 x 60,000 / 600e6 = 0.0468 USD/TH/day every day: a 0.05 trigger held for 20 days
    fires at the end of day 20 and the build starts on day 21; a 0.04 trigger never fires."""
    hashprice = 144 * 3.25 * 60_000 / 600e6
    assert hashprice == pytest.approx(0.0468)
    for threshold, start in ((0.05, 21), (0.04, None)):
        data = base()
        data["policy"]["capacity"] = {
            "kind": "convert_when_hashprice_below", "threshold_usd_per_th_day": threshold, "for_days": 20,
            "mw": 100.0,
            "project": {"kind": "site_lease", "rate_usd_per_kw_month": 50.0, "capex_usd_per_mw": 0.0,
                        "opex_frac_of_revenue": 0.0},
        }
        ds = run_one(data)
        mining_days = N_DAYS if start is None else start - 1
        assert float(ds["mined_btc"]) == pytest.approx(mining_days * 5.0 * BTC_PER_DAY_PER_EHS, rel=1e-12)


@pytest.mark.parametrize(("earliest_day", "start"), [(1, 2), (50, 50)])
def test_earliest_day_is_the_first_day_the_build_may_start(earliest_day, start):
    """Hashprice (0.0468) is below a 0.05 trigger every day and for_days is 1: the run completes at the end of day
    1, so with earliest_day 1 the build starts on day 2; with earliest_day 50 the decision waits for the end of day
    49 and the build starts on day 50 (not 51): mining stops the day before."""
    data = base()
    data["policy"]["capacity"] = {
        "kind": "convert_when_hashprice_below", "threshold_usd_per_th_day": 0.05, "for_days": 1,
        "earliest_day": earliest_day, "mw": 100.0,
        "project": {"kind": "site_lease", "rate_usd_per_kw_month": 50.0, "capex_usd_per_mw": 0.0,
                    "opex_frac_of_revenue": 0.0}}
    ds = run_one(data)
    assert float(ds["mined_btc"]) == pytest.approx((start - 1) * 5.0 * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["site_lease_mw_days"]) == pytest.approx((N_DAYS - start + 1) * 100.0, rel=1e-12)


def _half_year_gpu_contract(horizon_days: int) -> dict:
    """100 MW turned on day 1 into 100,000 GPUs (1 kW each, PUE 1) all rented on a 0.5-year contract at 2 USD per
    GPU-hour, nothing at spot, no power, opex or capex: 4.8 M USD a day while the contract runs."""
    data = base(horizon_days=horizon_days, contract_discount_rate_per_year=0.0)
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 100.0,
        "project": {"kind": "gpu_cloud", "gpu_model": "test GPU", "server_power_kw_per_gpu": 1.0, "pue_ratio": 1.0,
                    "capex_usd_per_gpu": 0.0, "utilisation_frac": 1.0, "contracted_frac": 1.0,
                    "contract_rate_usd_per_gpu_hour": 2.0, "contract_years": 0.5, "spot_start_usd_per_gpu_hour": 0.0,
                    "opex_usd_per_gpu_hour": 0.0, "power_price_usd_per_mwh": 0.0, "build_days": 0}}
    return data


def test_a_term_of_part_days_is_paid_and_valued_over_the_same_whole_days():
    """0.5 years x 365 = 182.5 days, a term of 183 whole days (policies.capacity.whole_days): the contract pays days
    1-183 (a 200-day run earns 183 x 4.8 M USD), and on day 10 what it still pays is days 11-183, 173 days."""
    from hashpivot.policies.capacity import whole_days

    assert (whole_days(0.5), whole_days(12.0), whole_days(1 / 365), whole_days(0.0)) == (183, 4380, 1, 0)
    per_day = 100_000 * 24 * 2.0
    paid = run_one(_half_year_gpu_contract(200))
    assert float(paid["gpu_cloud_revenue_usd"]) == pytest.approx(183 * per_day, rel=1e-12)
    valued = run_one(_half_year_gpu_contract(10))
    assert float(valued["gpu_cloud_revenue_usd"]) == pytest.approx(10 * per_day, rel=1e-12)
    assert float(valued["contracted_value_usd"]) == pytest.approx(173 * per_day, rel=1e-12)


def test_tranches_convert_step_by_step():
    data = base()
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 11, "mw": 100.0, "n_tranches": 4, "tranche_spacing_days": 20,
        "project": {"kind": "site_lease", "rate_usd_per_kw_month": 50.0, "capex_usd_per_mw": 0.0,
                    "opex_frac_of_revenue": 0.0},
    }
    ds = run_one(data)
    # 25 MW (1.25 EH/s) leaves mining on days 11, 31, 51 and 71.
    ehs_days = 10 * 5.0 + 20 * 3.75 + 20 * 2.5 + 20 * 1.25
    assert float(ds["mined_btc"]) == pytest.approx(ehs_days * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["site_lease_mw_days"]) == pytest.approx(25 * (110 + 90 + 70 + 50), rel=1e-12)


def test_curtailment_whole_day_when_power_costs_more_than_mining_earns():
    """Break-even = 3.25 x 144 / 600 BTC per EH/s-day x 60,000 / (20 J/TH x 24) = 97.5 USD/MWh. At 120 USD/MWh
    with no intraday spread the curtailable half stops all day: it saves 50 MW x 24 h x 120 USD and does not mine
    its 2.5 EH/s; a program calling 6 hours a day pays 10 USD/MWh on those 6 hours only, already off."""
    breakeven = BTC_PER_DAY_PER_EHS * 60_000 / (20.0 * 24)
    assert breakeven == pytest.approx(97.5)
    data = base()
    data["company"]["sites"][0].update(power_price_usd_per_mwh=120.0, curtailable_frac=0.5,
                                       demand_response_usd_per_mwh=10.0, demand_response_call_frac=0.25)
    ds = run_one(data)
    assert float(ds["mined_btc"]) == pytest.approx(N_DAYS * 0.5 * 5.0 * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["mining_opex_usd"]) == pytest.approx(N_DAYS * 0.5 * MINING_MW * 24 * 120.0, rel=1e-12)
    assert float(ds["shutdown_saved_usd"]) == pytest.approx(N_DAYS * 0.5 * MINING_MW * 24 * 120.0, rel=1e-12)
    assert float(ds["shutdown_forgone_btc"]) == pytest.approx(N_DAYS * 0.5 * 5.0 * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["demand_response_mwh"]) == pytest.approx(N_DAYS * 0.5 * MINING_MW * 6, rel=1e-12)
    assert float(ds["demand_response_usd"]) == pytest.approx(N_DAYS * 0.5 * MINING_MW * 6 * 10.0, rel=1e-12)


def test_a_called_hour_stops_machines_that_earn_and_pays_its_credit():
    """At 40 USD/MWh (below the 97.5 break-even) the whole fleet would run; a program calling 6 of 24 hours takes
    the curtailable half off in them: that half mines 18/24 of the day, saves 6 h x 50 MW x 40 USD, and earns
    25 USD/MWh on 6 h x 50 MW."""
    data = base()
    data["company"]["sites"][0].update(power_price_usd_per_mwh=40.0, curtailable_frac=0.5,
                                       demand_response_usd_per_mwh=25.0, demand_response_call_frac=0.25)
    ds = run_one(data)
    ehs_days = N_DAYS * (2.5 + 2.5 * 18 / 24)
    assert float(ds["mined_btc"]) == pytest.approx(ehs_days * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["shutdown_forgone_btc"]) == pytest.approx(N_DAYS * 2.5 * 6 / 24 * BTC_PER_DAY_PER_EHS,
                                                              rel=1e-12)
    assert float(ds["mining_opex_usd"]) == pytest.approx(N_DAYS * (50 * 24 + 50 * 18) * 40.0, rel=1e-12)
    assert float(ds["shutdown_saved_usd"]) == pytest.approx(N_DAYS * 50 * 6 * 40.0, rel=1e-12)
    assert float(ds["demand_response_usd"]) == pytest.approx(N_DAYS * 50 * 6 * 25.0, rel=1e-12)


def test_the_yearly_cap_stops_the_calls_and_their_credits():
    """A cap of 100 hours a year at 6 hours a day: 16 full days of calls (96 h), 4 h on day 17, then none in the
    120-day run (its first year): 100 h x 50 MW called, 100 h x 50 MW x 40 USD saved."""
    data = base()
    data["company"]["sites"][0].update(power_price_usd_per_mwh=40.0, curtailable_frac=0.5,
                                       demand_response_usd_per_mwh=25.0, demand_response_call_frac=0.25,
                                       demand_response_cap_hours_per_year=100.0)
    ds = run_one(data)
    assert float(ds["demand_response_mwh"]) == pytest.approx(100 * 50.0, rel=1e-12)
    assert float(ds["demand_response_usd"]) == pytest.approx(100 * 50.0 * 25.0, rel=1e-12)
    assert float(ds["shutdown_saved_usd"]) == pytest.approx(100 * 50.0 * 40.0, rel=1e-12)
    assert float(ds["mined_btc"]) == pytest.approx(
        (N_DAYS * 5.0 - 100 / 24 * 2.5) * BTC_PER_DAY_PER_EHS, rel=1e-12)


def test_the_cap_restarts_on_the_run_anniversary():
    """Over 400 days the second year of the run starts on day 366 (365-day years): a 100-hour cap pays twice,
    200 h x 50 MW."""
    data = base(horizon_days=400)
    data["company"]["sites"][0].update(power_price_usd_per_mwh=40.0, curtailable_frac=0.5,
                                       demand_response_usd_per_mwh=25.0, demand_response_call_frac=0.25,
                                       demand_response_cap_hours_per_year=100.0)
    ds = run_one(data)
    assert float(ds["demand_response_mwh"]) == pytest.approx(200 * 50.0, rel=1e-12)


def test_a_credit_without_calls_is_refused_naming_the_field():
    data = base()
    data["company"]["sites"][0].update(demand_response_usd_per_mwh=10.0)
    with pytest.raises(ScenarioError, match=r"company\.sites\.s\.demand_response_call_frac=0 .*allowed"):
        run_one(data)


def test_curtailment_with_lognormal_hourly_prices():
    """Hourly prices lognormal, mean 80, log-sd 0.6: mining runs a share Phi(d) of hours,
    d = (ln 97.5 - ln 80 + 0.18) / 0.6, and pays 80 x Phi(d - 0.6) per MWh of capacity."""
    data = base()
    data["company"]["sites"][0].update(power_price_usd_per_mwh=80.0, curtailable_frac=1.0, hourly_price_vol_log=0.6)
    ds = run_one(data)
    phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    d = (math.log(97.5) - (math.log(80.0) - 0.5 * 0.36)) / 0.6
    assert float(ds["mined_btc"]) == pytest.approx(N_DAYS * 5.0 * BTC_PER_DAY_PER_EHS * phi(d), rel=1e-12)
    assert float(ds["mining_opex_usd"]) == pytest.approx(N_DAYS * MINING_MW * 24 * 80.0 * phi(d - 0.6), rel=1e-12)
    # Curtailing raises the margin per MW-day over mining every hour.
    flat = run_one(base() | {"company": {**base()["company"], "sites": [
        {"name": "s", "power_mw": 100.0, "power_price_usd_per_mwh": 80.0}]}})
    assert float(ds["mining_margin_usd_per_mw_day"]) > float(flat["mining_margin_usd_per_mw_day"])


def test_immersion_overclocking_adds_hashrate_at_worse_efficiency():
    data = base()
    data["company"]["sites"][0]["cooling"] = "immersion"
    data["company"]["fleets"][0].update(hashrate_ehs=3.5, overclock_frac=0.2, overclock_efficiency_penalty_frac=0.1)
    ds = run_one(data)
    # 3.5 x 1.2 = 4.2 EH/s at 20 x 1.1 = 22 J/TH: 92.4 MW.
    assert float(ds["mined_btc"]) == pytest.approx(N_DAYS * 4.2 * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["mining_opex_usd"]) == pytest.approx(N_DAYS * 4.2 * 22.0 * 24 * 40.0, rel=1e-12)


def test_overclocking_needs_immersion():
    from hashpivot.errors import ScenarioError

    data = base()
    data["company"]["fleets"][0]["overclock_frac"] = 0.2
    with pytest.raises(ScenarioError, match="allowed: overclocking on immersion-cooled sites only"):
        from_dict(data, "t")


def test_plans_and_policies_compare_on_common_random_numbers():
    data = base()
    data["run"]["n_paths"] = 50
    data["market"]["btc_price"]["vol_per_sqrt_day"] = 0.03
    data["compare"] = [{"kind": "sell_all"}]
    data["compare_capacity"] = [{
        "kind": "convert_on_day", "day": 1, "mw": 100.0, "name": "lease",
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "capex_usd_per_mw": 0.0}}]
    result = simulate(from_dict(data, "t"), check_invariants=True)
    assert result.policies == ["all_mining / hold_all", "all_mining / sell_all", "lease / hold_all", "lease / sell_all"]
    ds = result.dataset
    # The treasury policy does not change what the megawatts mine (no path goes insolvent here).
    np.testing.assert_array_equal(ds["mined_btc"].values[0], ds["mined_btc"].values[1])
    assert np.all(ds["mined_btc"].values[2:] == 0.0)
    assert list(ds["capacity"].values) == ["all_mining", "all_mining", "lease", "lease"]


@pytest.mark.parametrize("sell_btc_first", [True, False])
def test_capex_is_paid_from_cash_then_btc_or_debt_as_the_policy_allows(sell_btc_first):
    """400 M USD of lease capex on day 1 against 100 M USD of cash, 1,000 BTC (60 M USD) and a 500 M USD facility.
    Selling BTC first: all 1,000 BTC go, then the facility covers the rest; drawing first: the facility covers the
    whole 300 M USD shortfall and no BTC is sold that day."""
    data = base(horizon_days=1)
    data["company"].update(cash_usd=100e6, credit_facility_usd=500e6, credit_rate_per_year=0.0)
    data["policy"]["treasury"] = {"kind": "hold_all", "sell_btc_before_debt": sell_btc_first}
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 100.0,
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "capex_usd_per_mw": 4e6,
                    "opex_frac_of_revenue": 0.0}}
    ds = run_one(data)
    revenue = RENT_100MW_USD_PER_DAY
    shortfall = 400e6 - 100e6 - revenue  # the base company has no fixed opex; the lease no opex
    assert int(ds["insolvent_day"]) == -1
    if sell_btc_first:
        assert float(ds["sold_btc"]) == pytest.approx(1_000.0, rel=1e-12)
        assert float(ds["credit_drawn_usd"]) == pytest.approx(shortfall - 1_000 * 60_000.0, rel=1e-12)
    else:
        assert float(ds["sold_btc"]) == 0.0
        assert float(ds["credit_drawn_usd"]) == pytest.approx(shortfall, rel=1e-12)
    assert float(ds["cash_usd"]) == pytest.approx(0.0, abs=1e-6)
    assert float(ds["nav_usd"]) == pytest.approx(
        float(ds["btc_held"]) * 60_000.0 - float(ds["credit_drawn_usd"]) + float(ds["contracted_value_usd"]),
        rel=1e-12)


def _lease_paid_by_the_facility(horizon_days: int, treasury: dict) -> dict:
    """test_capex_is_paid_from_cash_then_btc_or_debt_as_the_policy_allows's day 1, then days of rent and no cost
    but the facility's interest (10 %/year)."""
    data = base(horizon_days=horizon_days)
    data["company"].update(cash_usd=100e6, credit_facility_usd=500e6, credit_rate_per_year=0.1)
    data["policy"]["treasury"] = treasury
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 100.0,
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "capex_usd_per_mw": 4e6,
                    "opex_frac_of_revenue": 0.0}}
    return data


def test_a_drawn_facility_is_repaid_from_the_cash_that_comes_back():
    """Day 1 draws the 300 M USD shortfall (facility first); on each of days 2-4 the rent less the day's interest
    on what is drawn repays the facility at the end of the day, so cash ends each day at 0 and no BTC is sold."""
    ds = run_one(_lease_paid_by_the_facility(4, {"kind": "hold_all", "sell_btc_before_debt": False}))
    revenue = RENT_100MW_USD_PER_DAY
    drawn = 400e6 - 100e6 - revenue
    for _ in range(3):
        drawn -= revenue - drawn * 0.1 / 365
    assert float(ds["credit_drawn_usd"]) == pytest.approx(drawn, rel=1e-12)
    assert float(ds["cash_usd"]) == pytest.approx(0.0, abs=1e-6)
    assert float(ds["sold_btc"]) == 0.0


def test_term_funding_modelled_as_a_facility_stays_drawn():
    """credit_repaid_from_cash = false (notes, a prepayment): the day-1 draw stays, and the rent less its interest
    piles up in cash."""
    data = _lease_paid_by_the_facility(4, {"kind": "hold_all", "sell_btc_before_debt": False})
    data["company"]["credit_repaid_from_cash"] = False
    ds = run_one(data)
    revenue = RENT_100MW_USD_PER_DAY
    drawn = 400e6 - 100e6 - revenue
    assert float(ds["credit_drawn_usd"]) == pytest.approx(drawn, rel=1e-12)
    assert float(ds["cash_usd"]) == pytest.approx(3 * (revenue - drawn * 0.1 / 365), rel=1e-12)


def test_the_facility_is_repaid_only_from_cash_above_the_runway_floor():
    """Selling BTC first, day 1 sells all 1,000 BTC and draws the rest; two months of costs (the facility's
    interest: the lease has no opex, nothing mines) are about 5 M USD, more than three days of rent: the cash
    builds toward the floor and nothing is repaid."""
    ds = run_one(_lease_paid_by_the_facility(4, {"kind": "hold_all", "floor_runway_months": 2.0}))
    revenue = RENT_100MW_USD_PER_DAY
    drawn = 400e6 - 100e6 - revenue - 1_000 * 60_000.0
    assert 2 * 365 / 12 * drawn * 0.1 / 365 > 3 * revenue
    assert float(ds["credit_drawn_usd"]) == pytest.approx(drawn, rel=1e-12)
    assert float(ds["cash_usd"]) == pytest.approx(3 * (revenue - drawn * 0.1 / 365), rel=1e-12)


def test_a_path_is_insolvent_only_when_btc_and_the_facility_cannot_cover_it():
    data = base(horizon_days=1)
    data["company"].update(cash_usd=100e6, credit_facility_usd=100e6)
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 100.0,
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "capex_usd_per_mw": 4e6}}
    ds = run_one(data)
    assert int(ds["insolvent_day"]) == 1  # 400 M of capex > 100 M cash + 60 M of BTC + 100 M facility
    assert float(ds["btc_held"]) == 0.0 and float(ds["credit_drawn_usd"]) == 100e6


def test_derating_with_age():
    """10 %/year derating of units one year old on day 0: day t mines 5 EH/s x 0.9^(1 + t/365) at the same power."""
    data = base()
    data["company"]["fleets"][0].update(age_years=1.0, derate_frac_per_year=0.1)
    ds = run_one(data)
    ehs_days = sum(5.0 * 0.9 ** (1 + t / 365) for t in range(1, N_DAYS + 1))
    assert float(ds["mined_btc"]) == pytest.approx(ehs_days * BTC_PER_DAY_PER_EHS, rel=1e-12)
    assert float(ds["mining_opex_usd"]) == pytest.approx(N_DAYS * MINING_MW * 24 * 40.0, rel=1e-12)


@pytest.mark.parametrize(("max_payback_months", "upgrades"), [(18.0, True), (12.0, False)])
def test_upgrade_when_payback_is_short_enough(max_payback_months, upgrades):
    """New units at 10 J/TH for 10 USD/TH replace 20 J/TH units: per MW, 0.05 more EH/s earns
    0.05 x 0.78 BTC x 60,000 = 2,340 USD a day for 0.1 EH/s x 1e6 TH x 10 USD = 1 M USD: payback 427 days
    (14.0 months). Checks every 30 days replace 20 MW, which mine from the next day."""
    data = base()
    data["policy"]["upgrade"] = {"kind": "payback", "efficiency_j_per_th": 10.0, "capex_usd_per_th": 10.0,
                                 "max_payback_months": max_payback_months, "max_mw_per_check": 20.0,
                                 "check_every_days": 30}
    ds = run_one(data)
    payback_days = 1e6 / (0.05 * BTC_PER_DAY_PER_EHS * 60_000)
    assert payback_days / (365 / 12) == pytest.approx(14.0, abs=0.05)
    if upgrades:
        ehs_days = N_DAYS * 5.0 + 30 * (20 + 40 + 60) * 0.05  # days 31-60, 61-90, 91-120 with 20, 40, 60 MW new
        assert float(ds["mined_btc"]) == pytest.approx(ehs_days * BTC_PER_DAY_PER_EHS, rel=1e-12)
        assert float(ds["capex_usd"]) == pytest.approx(4 * 20 * 1e6, rel=1e-12)
    else:
        assert float(ds["mined_btc"]) == pytest.approx(N_DAYS * 5.0 * BTC_PER_DAY_PER_EHS, rel=1e-12)
        assert float(ds["capex_usd"]) == 0.0
    assert float(ds["mining_opex_usd"]) == pytest.approx(N_DAYS * MINING_MW * 24 * 40.0, rel=1e-12)


@pytest.mark.parametrize("day", [1, 366])
def test_project_cash_flows_irr_and_payback(day):
    """A 100 MW site lease: 5 M USD of capex on its first day, then 100 x 1000 x 50 x 12 / 365 USD a day. The
    monthly project flows add up to revenue - capex; the reported IRR zeroes their NPV; the payback counts from the
    conversion day, whichever it is: 5e6 / 164,383.56 = 30.42 days (each month's flow accrues evenly over its
    days, and the cumulative flow turns positive in the month after the one it starts in)."""
    data = base(horizon_days=400)
    data["run"]["store_paths"] = 3
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": day, "mw": 100.0, "name": "lease",
        "project": {"kind": "site_lease", "rate_usd_per_kw_month": 50.0, "capex_usd_per_mw": 50_000.0,
                    "opex_frac_of_revenue": 0.0}}
    result = simulate(from_dict(data, "t"), check_invariants=True)
    flows = result.dataset["project_net_cash_usd"].isel(policy=0, sample=0, project=0).values
    per_day = 100 * 1000 * 50.0 * 12 / 365
    assert flows.sum() == pytest.approx((400 - day + 1) * per_day - 5e6, rel=1e-12)
    rows = result.summary.set_index(["metric", "stat"])["value"]
    irr_month = (1 + rows[("lease.irr_frac_per_year", "p50")]) ** (1 / 12) - 1
    monthly = flows[1:]
    npv = sum(f / (1 + irr_month) ** i for i, f in enumerate(monthly))
    assert abs(npv) < 1e-6 * 5e6
    assert rows[("lease.payback_years", "p50")] == pytest.approx(5e6 / per_day / 365, rel=1e-9)
    assert rows[("lease.payback_years", "paid_back_share")] == 1.0
    assert rows[("lease.capex_usd_per_mw", "value")] == pytest.approx(50_000.0)


@pytest.mark.parametrize(("project", "capex_per_it_mw"), [
    # a lease's capex is given per IT MW: the report returns the input, whatever the PUE (1.3 here: 100 grid MW
    # are 76.9 IT MW)
    ({"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "capex_usd_per_mw": 2e6, "pue_ratio": 1.3}, 2e6),
    # a GPU hall's: 25,000 USD a GPU at 1.25 kW of IT load each is 25,000 / 1.25 x 1,000 = 20 M USD per IT MW
    ({"kind": "gpu_cloud", "gpu_model": "H100", "server_power_kw_per_gpu": 1.25, "pue_ratio": 1.3,
      "capex_usd_per_gpu": 25_000.0, "contract_rate_usd_per_gpu_hour": 2.0}, 20e6),
])
def test_project_capex_is_reported_per_it_mw(project, capex_per_it_mw):
    data = base(horizon_days=60)
    data["run"]["store_paths"] = 2
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 1, "mw": 100.0, "name": "ai", "project": project}
    rows = simulate(from_dict(data, "t")).summary.set_index(["metric", "stat"])["value"]
    assert rows[("ai.capex_usd_per_mw", "value")] == pytest.approx(capex_per_it_mw, rel=1e-12)


def test_ownership_frac_gives_attributable_figures():
    """Own 80 % of the mining segment (Hut 8 and American Bitcoin): the attributable mining margin is 80 % of the
    consolidated one and NAV loses the minority's 20 % of the segment's net cash and of its fleet at its resale value
    (5e6 TH/s x the policy's 14 USD/TH price new x (1 - 120 / 365 / the 5-year life), flat hashprice)."""
    data = base()
    data["company"]["ownership_frac"] = {"mining": 0.8}
    ds = run_one(data)
    margin = float(ds["mining_revenue_usd"]) - float(ds["mining_opex_usd"])
    fleet_usd = 5e6 * 14.0 * (1 - N_DAYS / 365 / 5.0)
    assert float(ds["mining_attributable_margin_usd"]) == pytest.approx(0.8 * margin, rel=1e-12)
    assert float(ds["attributable_nav_usd"]) == pytest.approx(float(ds["nav_usd"]) - 0.2 * (margin + fleet_usd),
                                                              rel=1e-12)
    data["company"]["ownership_frac"] = {"mining": 1.5}
    from hashpivot.errors import ScenarioError

    with pytest.raises(ScenarioError, match="ownership_frac"):
        from_dict(data, "t")


def test_gpu_cloud_power_comes_from_the_catalog():
    """DGX H100: 10.2 kW for 8 GPUs (catalog) -> 1.275 kW per GPU; at PUE 1.2, 1000 / 1.53 = 653.6 GPUs per MW."""
    from hashpivot.policies.capacity import GpuCloud

    cloud = GpuCloud(gpu_model="H100 SXM", pue_ratio=1.2)
    assert cloud.kw_per_gpu == pytest.approx(10.2 / 8, rel=1e-12)
    assert cloud.n_gpus_per_grid_mw == pytest.approx(1000 / (1.275 * 1.2), rel=1e-12)
    assert GpuCloud(gpu_model="B200").kw_per_gpu == pytest.approx(14.3 / 8, rel=1e-12)
    assert GpuCloud(gpu_model="custom", server_power_kw_per_gpu=2.0).kw_per_gpu == 2.0
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="gpu_model='Z9000' is invalid: allowed one of"):
        GpuCloud(gpu_model="Z9000")


def test_fleets_as_built_take_the_same_bits_as_the_general_fleet_loop():
    """Fleets nothing has touched take a shortcut through the step; an upgrade policy that can never pay back
    in time sends every day through the general per-fleet loop instead. Both must give identical bits (three
    fleets of different ages derating, a stochastic market, a seasonal power price with noise, every path)."""
    from hashpivot.scenarios.toml import load_preset

    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=24, horizon_days=500, store_paths=4)
    data["market"]["power_price"] = {"kind": "seasonal", "amplitude_frac": 0.2, "vol_per_sqrt_day": 0.05}
    data["compare"] = data["compare"][:3]
    for k, fleet in enumerate(data["company"]["fleets"]):
        fleet.update(age_years=0.7 * k, derate_frac_per_year=0.03 * (k + 1))
    shortcut = simulate(from_dict(data, "as built"), check_invariants=True).dataset
    data["policy"]["upgrade"] = {"kind": "payback", "efficiency_j_per_th": 10.0, "capex_usd_per_th": 1000.0,
                                 "max_payback_months": 0.01, "check_every_days": 1}
    general = simulate(from_dict(data, "general loop"), check_invariants=True).dataset
    assert float(general["capex_usd"].sum()) == 0.0  # no upgrade ever happened
    for name in ("nav_usd", "btc_held", "cash_usd", "mined_btc", "sold_btc", "mining_opex_usd", "mining_mw_days",
                 "insolvent_day", "monthly_nav_usd"):
        np.testing.assert_array_equal(general[name].values, shortcut[name].values, err_msg=name)


def test_a_part_owned_lease_segment_takes_the_other_holders_share_of_its_contracts_off_attributable_nav():
    """Half of the colocation segment owned (25 MW leased from day 11 at 120 USD/kW-month, 5 years, 10 % opex,
    1 M USD/MW of capex): attributable NAV loses half the segment's net cash and half of what the lease still pays
    at the horizon (in NAV, nav_basis = "with_contracts"); the lease is the only contract, so the segment's
    contracted value is the company's."""
    data = base()
    data["company"]["ownership_frac"] = {"colocation_lease": 0.5}
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 11, "mw": 25.0, "project": {
        "kind": "colocation_lease", "rate_usd_per_kw_month": 120.0, "term_years": 5.0, "opex_frac_of_revenue": 0.1,
        "capex_usd_per_mw": 1e6}}
    ds = run_one(data)
    rent = 25 * 1000 * 120.0 * 12 / 365
    net = (N_DAYS - 10) * rent * 0.9 - 25e6  # days 11-120 of rent less the 10 % share, less the capex of day 11
    contracted = float(ds["contracted_value_usd"])
    assert contracted > 0.0 and float(ds["colocation_lease_contracted_value_usd"]) == contracted
    assert float(ds["site_lease_contracted_value_usd"]) == 0.0 == float(ds["gpu_cloud_contracted_value_usd"])
    assert float(ds["nav_usd"] - ds["attributable_nav_usd"]) == pytest.approx(0.5 * (net + contracted), rel=1e-9)


def test_a_trigger_refuses_a_lease_that_takes_its_mw_at_delivery():
    """A hashprice trigger stops mining when it fires; taking the MW at delivery is read only for a dated
    conversion, so a trigger asking for it is refused, naming the field and the value."""
    data = base()
    data["policy"]["capacity"] = {
        "kind": "convert_when_hashprice_below", "threshold_usd_per_th_day": 0.05, "mw": 10.0,
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0, "takes_mining_mw_at": "delivery"}}
    with pytest.raises(ScenarioError, match=r"takes_mining_mw_at='delivery'; allowed: 'build_start'"):
        from_dict(data, "t")
