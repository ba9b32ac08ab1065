"""Hypothesis properties of the capacity engine: random sites, fleets, AI projects, conversions, curtailment,
upgrades and credit facilities keep BTC and cash conserved every day (check_invariants), stay finite, and
give identical numbers whatever the chunking."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict

floats = lambda lo, hi: st.floats(lo, hi, allow_nan=False, allow_infinity=False)  # noqa: E731


def lease(kind: str):
    return st.fixed_dictionaries({
        "kind": st.just(kind),
        "rate_usd_per_kw_month": floats(20.0, 200.0),
        "escalator_frac_per_year": floats(0.0, 0.05),
        "term_years": floats(0.2, 15.0),
        "opex_frac_of_revenue": floats(0.0, 0.5),
        "capex_usd_per_mw": floats(0.0, 3e6),
        "build_days": st.integers(0, 200),
        "delay_days": st.integers(0, 100),
        "tenant_default_prob_per_year": floats(0.0, 0.9),
        "downtime_days": st.integers(0, 200),
    })


def gpu_cloud():
    return st.fixed_dictionaries({
        "kind": st.just("gpu_cloud"),
        "server_power_kw_per_gpu": floats(0.8, 2.0),
        "pue_ratio": floats(1.0, 1.5),
        "capex_usd_per_gpu": floats(0.0, 50_000.0),
        "utilisation_frac": floats(0.0, 1.0),
        "contracted_frac": floats(0.0, 1.0),
        "contract_rate_usd_per_gpu_hour": floats(0.5, 4.0),
        "contract_years": floats(0.0, 6.0),
        "spot_start_usd_per_gpu_hour": floats(0.5, 4.0),
        "opex_usd_per_gpu_hour": floats(0.0, 0.5),
        "build_days": st.integers(0, 200),
        "tenant_default_prob_per_year": floats(0.0, 0.9),
        "downtime_days": st.integers(0, 200),
    })


project = st.one_of(lease("colocation_lease"), lease("site_lease"), gpu_cloud())


@st.composite
def step(draw, max_mw: float, horizon_days: int):
    common = {"mw": draw(floats(1.0, max_mw)), "project": draw(project), "n_tranches": draw(st.integers(1, 3)),
              "tranche_spacing_days": draw(st.integers(0, 60))}
    if draw(st.booleans()):
        return {"kind": "convert_on_day", "day": draw(st.integers(1, horizon_days)), **common}
    return {"kind": "convert_when_hashprice_below", "threshold_usd_per_th_day": draw(floats(0.02, 0.08)),
            "for_days": draw(st.integers(1, 30)), **common}


@st.composite
def scenarios(draw):
    sites = [{"name": f"s{i}", "power_mw": 300.0, "power_price_usd_per_mwh": draw(floats(20.0, 120.0)),
              "curtailable_frac": draw(floats(0.0, 1.0)), "hourly_price_vol_log": draw(floats(0.0, 1.0)),
              "cooling": "immersion", "pue_ratio": draw(floats(1.0, 1.2))} for i in range(draw(st.integers(1, 3)))]
    for site in sites:
        if site["curtailable_frac"] > 0 and draw(st.booleans()):  # a demand-response program that calls
            site.update(demand_response_usd_per_mwh=draw(floats(0.0, 50.0)),
                        demand_response_call_frac=draw(floats(0.01, 0.3)),
                        demand_response_cap_hours_per_year=draw(floats(0.0, 8760.0)))
    fleets = [{"name": f"f{i}", "site": s["name"], "hashrate_ehs": draw(floats(0.5, 6.0)),
               "efficiency_j_per_th": draw(floats(12.0, 30.0)), "uptime_frac": draw(floats(0.8, 1.0)),
               "overclock_frac": draw(floats(0.0, 0.2)), "age_years": draw(floats(0.0, 4.0)),
               "derate_frac_per_year": draw(floats(0.0, 0.1))} for i, s in enumerate(sites)]
    mining_mw = sum(f["hashrate_ehs"] * (1 + f["overclock_frac"]) * f["efficiency_j_per_th"] * s["pue_ratio"]
                    for f, s in zip(fleets, sites, strict=True))
    horizon_days = draw(st.integers(30, 300))
    steps = draw(st.lists(step(mining_mw / 3, horizon_days), min_size=0, max_size=3))
    capacity = {"kind": "hybrid", "conversions": steps} if steps else {"kind": "all_mining"}
    upgrade = draw(st.one_of(st.just({"kind": "none"}), st.fixed_dictionaries({
        "kind": st.just("payback"), "efficiency_j_per_th": floats(9.0, 15.0), "capex_usd_per_th": floats(5.0, 25.0),
        "max_payback_months": floats(3.0, 36.0), "max_mw_per_check": floats(1.0, 50.0),
        "check_every_days": st.integers(1, 60)})))
    return {
        "run": {"start_date": "2024-04-20", "start_height": 840_000, "horizon_days": horizon_days,
                "n_paths": 7, "seed": draw(st.integers(0, 2**32)), "chunk_paths": 7, "store_paths": 3},
        "market": {
            "btc_price": {"kind": "gbm", "start_usd": draw(floats(20_000.0, 120_000.0)),
                          "drift_per_day": draw(floats(-0.003, 0.003)), "vol_per_sqrt_day": draw(floats(0.0, 0.06))},
            "network_hashrate": {"kind": "lognormal", "start_ehs": 600.0, "growth_per_day": draw(floats(-0.002, 0.003)),
                                 "vol_per_sqrt_day": draw(floats(0.0, 0.04))},
            "fees": {"kind": "lognormal", "median_btc_per_block": draw(floats(0.0, 0.5)), "vol_log": 0.5},
            "power_price": draw(st.one_of(st.just({"kind": "flat"}), st.just(
                {"kind": "seasonal", "amplitude_frac": 0.3, "vol_per_sqrt_day": 0.2}))),
            "gpu_rent": draw(st.one_of(st.just({"kind": "flat"}), st.just(
                {"kind": "generational", "first_generation_day": 30, "generation_every_days": 60}))),
        },
        "company": {"btc_held": draw(floats(0.0, 5_000.0)), "cash_usd": draw(floats(0.0, 3e8)),
                    "debt_usd": draw(floats(0.0, 1e8)), "debt_rate_per_year": 0.05,
                    "credit_facility_usd": draw(floats(0.0, 3e8)), "fixed_opex_usd_per_day": draw(floats(0.0, 2e5)),
                    "ownership_frac": {"mining": draw(floats(0.5, 1.0))},
                    "sites": sites, "fleets": fleets},
        "policy": {"treasury": {"kind": draw(st.sampled_from(["sell_all", "hold_all", "sell_to_cover_costs"])),
                                "sell_btc_before_debt": draw(st.booleans())},
                   "capacity": capacity, "upgrade": upgrade},
    }


RAW = ("btc_held", "cash_usd", "nav_usd", "mined_btc", "capex_usd", "credit_drawn_usd", "attributable_nav_usd",
       "mining_revenue_usd", "gpu_cloud_revenue_usd", "colocation_lease_revenue_usd", "site_lease_revenue_usd")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_capacity_scenarios_conserve_and_do_not_depend_on_chunks(data):
    one = simulate(from_dict(data, "hypothesis"), check_invariants=True).dataset
    for name in RAW:
        assert np.all(np.isfinite(one[name].values)), name
    assert np.all(one["btc_held"].values >= 0)
    assert np.all(one["credit_drawn_usd"].values <= data["company"]["credit_facility_usd"] * (1 + 1e-12) + 1e-6)
    data["run"]["chunk_paths"] = 2
    chunked = simulate(from_dict(data, "hypothesis"), check_invariants=True, n_threads=2).dataset
    for name in RAW + ("insolvent_day",):
        np.testing.assert_array_equal(one[name].values, chunked[name].values, err_msg=name)
    if "project_net_cash_usd" in one:
        np.testing.assert_array_equal(one["project_net_cash_usd"].values, chunked["project_net_cash_usd"].values)
