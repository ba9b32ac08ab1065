"""The dashboard's pure input helpers: defaults, what changed, how inputs change a scenario, uploads."""

from __future__ import annotations

import math

import pytest

from hashpivot.dashboard.inputs import (
    DEFAULT_CONVERT_DAY,
    DEFAULT_LEASE_RATE_USD_PER_KW_MONTH,
    MAX_UPLOAD_BYTES,
    DashboardInputs,
    apply_inputs,
    changed_inputs,
    defaults_from,
    policy_options,
    scenario_from_upload,
    slider_bounds,
)
from hashpivot.errors import ScenarioError
from hashpivot.policies.treasury import TREASURY_KINDS
from hashpivot.scenarios.toml import from_dict, load_preset, to_toml


@pytest.fixture(scope="module")
def default():
    return load_preset("default")


@pytest.fixture(scope="module")
def rm1():
    return load_preset("rm1")


def _with(scenario, edit):
    data = scenario.model_dump(mode="python")
    edit(data)
    return from_dict(data, "test")


def test_defaults_read_the_scenario(default):
    d = defaults_from(default)
    assert d.btc_drift_per_day == 0.0005
    assert d.btc_vol_per_sqrt_day == 0.0325
    assert d.power_price_usd_per_mwh == 45.0
    assert d.hashrate_growth_per_day == 0.0
    assert d.n_paths == 2000
    # all mining: nothing converted, the offered day and rate are the documented defaults
    assert (d.convert_mw, d.convert_day, d.lease_rate_usd_per_kw_month) == (
        0.0, DEFAULT_CONVERT_DAY, DEFAULT_LEASE_RATE_USD_PER_KW_MONTH)


def test_defaults_of_a_conversion_plan(rm1):
    d = defaults_from(rm1)
    assert (d.convert_mw, d.convert_day, d.lease_rate_usd_per_kw_month) == (200.0, 365, 140.0)


def test_defaults_are_none_where_the_scenario_has_no_such_input(default):
    regime = _with(default, lambda d: d["market"].update(btc_price={
        "kind": "regime", "start_usd": 60000.0, "bull_drift_per_day": 0.002, "bull_vol_per_sqrt_day": 0.03,
        "bear_drift_per_day": -0.002, "bear_vol_per_sqrt_day": 0.04, "bull_to_bear_prob_per_day": 0.01,
        "bear_to_bull_prob_per_day": 0.01}))
    d = defaults_from(regime)
    assert d.btc_drift_per_day is None and d.btc_vol_per_sqrt_day is None
    with pytest.raises(ScenarioError, match=r"market\.btc_price\.drift_per_day = 0\.001: .*'regime'.*'gbm'"):
        apply_inputs(regime, DashboardInputs(btc_drift_per_day=0.001))


def test_unchanged_inputs_leave_the_scenario_equal(default, rm1):
    for sc in (default, rm1):
        same = apply_inputs(sc, changed_inputs(defaults_from(sc), defaults_from(sc)))
        assert same == sc
        assert to_toml(same) == to_toml(sc)


def test_changed_inputs_keeps_only_what_moved(default):
    d = defaults_from(default)
    values = DashboardInputs(**{**d.__dict__, "power_price_usd_per_mwh": 60.0, "n_paths": 300})
    changed = changed_inputs(values, d)
    assert changed == DashboardInputs(power_price_usd_per_mwh=60.0, n_paths=300)


def test_market_company_and_run_inputs_land_in_their_fields(default):
    sc = apply_inputs(default, DashboardInputs(
        btc_drift_per_day=0.001, btc_vol_per_sqrt_day=0.04, power_price_usd_per_mwh=30.0,
        hashrate_growth_per_day=0.0007, n_paths=500))
    assert sc.market.btc_price.drift_per_day == 0.001
    assert sc.market.btc_price.vol_per_sqrt_day == 0.04
    assert sc.market.network_hashrate.growth_per_day == 0.0007
    assert [s.power_price_usd_per_mwh for s in sc.company.sites] == [30.0]
    # the marginal network miner's power price is a market assumption, not the site contract
    assert sc.market.network_hashrate.power_price_usd_per_mwh == default.market.network_hashrate.power_price_usd_per_mwh
    assert sc.run.n_paths == 500
    assert default.run.n_paths == 2000  # the input scenario is left alone


def test_power_price_sets_every_site(default):
    two_sites = _with(default, lambda d: d["company"]["sites"].append(
        {"name": "ohio", "power_mw": 10.0, "power_price_usd_per_mwh": 70.0}))
    sc = apply_inputs(two_sites, DashboardInputs(power_price_usd_per_mwh=50.0))
    assert [s.power_price_usd_per_mwh for s in sc.company.sites] == [50.0, 50.0]


def test_converting_from_all_mining_makes_a_colocation_lease(default):
    sc = apply_inputs(default, DashboardInputs(convert_mw=150.0, convert_day=400, lease_rate_usd_per_kw_month=120.0))
    cap = sc.policy.capacity
    assert (cap.kind, cap.mw, cap.day) == ("convert_on_day", 150.0, 400)
    assert (cap.project.kind, cap.project.rate_usd_per_kw_month) == ("colocation_lease", 120.0)


def test_converting_only_mw_uses_the_default_day_and_rate(default):
    cap = apply_inputs(default, DashboardInputs(convert_mw=100.0)).policy.capacity
    assert (cap.day, cap.project.rate_usd_per_kw_month) == (DEFAULT_CONVERT_DAY, DEFAULT_LEASE_RATE_USD_PER_KW_MONTH)


def test_editing_a_conversion_keeps_its_other_fields(rm1):
    before = rm1.policy.capacity
    cap = apply_inputs(rm1, DashboardInputs(lease_rate_usd_per_kw_month=100.0, convert_day=730)).policy.capacity
    assert (cap.mw, cap.day, cap.project.rate_usd_per_kw_month) == (before.mw, 730, 100.0)
    assert cap.project.capex_usd_per_mw == before.project.capex_usd_per_mw
    assert cap.project.opex_frac_of_revenue == before.project.opex_frac_of_revenue


def test_zero_mw_means_all_mining(rm1):
    assert apply_inputs(rm1, DashboardInputs(convert_mw=0.0)).policy.capacity.kind == "all_mining"


def test_all_mining_comparison_is_added_once(default):
    sc = apply_inputs(default, DashboardInputs(convert_mw=100.0, compare_all_mining=True))
    assert [p.kind for p in sc.capacity_policies()] == ["convert_on_day", "all_mining"]
    # without a conversion there is nothing to compare with
    assert apply_inputs(default, DashboardInputs(compare_all_mining=True)).compare_capacity == []


def test_out_of_range_inputs_raise_the_scenario_errors(default):
    too_much = default.company.mining_mw + 100
    with pytest.raises(ScenarioError, match=r"policy\.capacity: converts .* MW; allowed: at most"):
        apply_inputs(default, DashboardInputs(convert_mw=too_much))
    with pytest.raises(ScenarioError, match=r"day=9999 is after the horizon"):
        apply_inputs(default, DashboardInputs(convert_mw=10.0, convert_day=9999))
    with pytest.raises(ScenarioError, match=r"dashboard inputs: company\.sites\.0\.power_price_usd_per_mwh = 5000\.0"):
        apply_inputs(default, DashboardInputs(power_price_usd_per_mwh=5000.0))


def test_lease_rate_on_a_gpu_cloud_is_refused():
    pivot = load_preset("ai_pivot")
    gpu = next(p for p in pivot.capacity_policies() if p.kind == "convert_on_day" and p.project.kind == "gpu_cloud")
    sc = _with(pivot, lambda d: d["policy"].update(capacity=gpu.model_dump(mode="python")) or d.update(
        compare_capacity=[]))
    assert defaults_from(sc).lease_rate_usd_per_kw_month is None
    with pytest.raises(ScenarioError, match=r"project is 'gpu_cloud'; allowed: a lease rate only"):
        apply_inputs(sc, DashboardInputs(lease_rate_usd_per_kw_month=100.0))
    # its MW can still move
    assert apply_inputs(sc, DashboardInputs(convert_mw=5.0)).policy.capacity.project.kind == "gpu_cloud"


def test_upload_validates_size_encoding_and_content(default):
    text = to_toml(default).encode()
    assert scenario_from_upload(text, "mine.toml") == default
    with pytest.raises(ScenarioError, match=r"^big\.toml: the file has 1,048,577 bytes; allowed: at most 1 MB"):
        scenario_from_upload(b"#" * (MAX_UPLOAD_BYTES + 1), "big.toml")
    with pytest.raises(ScenarioError, match=r"^bin\.toml: not UTF-8 text"):
        scenario_from_upload(b"\xff\xfe\x00", "bin.toml")
    with pytest.raises(ScenarioError, match=r"^bad\.toml: not valid TOML"):
        scenario_from_upload(b"[run\n", "bad.toml")
    misspelt = to_toml(default).replace("horizon_days", "horizon_dayz").encode()
    with pytest.raises(ScenarioError, match=r"bad\.toml: run\.horizon_dayz = .*unknown key; did you mean "
                                            r"horizon_days[?] allowed keys here:"):
        scenario_from_upload(misspelt, "bad.toml")


def test_policy_options_list_the_scenarios_then_the_other_kinds(default):
    options = policy_options(default)
    labels = [p.label for p in default.treasury_policies()]
    assert options[: len(labels)] == labels
    assert set(options) == set(labels) | set(TREASURY_KINDS)
    assert len(options) == len(set(options))


def test_slider_bounds_hold_the_default():
    assert slider_bounds(45.0, 0.0, 150.0) == (0.0, 150.0)
    assert slider_bounds(400.0, 0.0, 150.0) == (0.0, 400.0)
    assert slider_bounds(-0.01, -0.003, 0.003) == (-0.01, 0.003)


def test_user_units_map_back_exactly_so_untouched_sliders_change_nothing():
    from hashpivot.dashboard.inputs import (
        annual_vol_pct_from_per_sqrt_day,
        log_per_day_from_pct_per_year,
        pct_per_year_from_log_per_day,
        per_sqrt_day_from_annual_vol_pct,
    )

    sc = load_preset("default")
    d = defaults_from(sc)
    # What the sliders show: drift 0.0005/day -> exp(0.1825) - 1 = +20.021 %/year; vol 0.0325 x 19.10497 (sqrt 365) = 62.0912 %.
    assert pct_per_year_from_log_per_day(d.btc_drift_per_day) == pytest.approx(20.0214, abs=1e-4)
    assert annual_vol_pct_from_per_sqrt_day(d.btc_vol_per_sqrt_day) == pytest.approx(62.0912, abs=1e-4)
    back = DashboardInputs(
        btc_drift_per_day=log_per_day_from_pct_per_year(pct_per_year_from_log_per_day(d.btc_drift_per_day)),
        btc_vol_per_sqrt_day=per_sqrt_day_from_annual_vol_pct(annual_vol_pct_from_per_sqrt_day(d.btc_vol_per_sqrt_day)),
        hashrate_growth_per_day=log_per_day_from_pct_per_year(pct_per_year_from_log_per_day(d.hashrate_growth_per_day)),
        power_price_usd_per_mwh=d.power_price_usd_per_mwh, convert_mw=d.convert_mw, convert_day=d.convert_day,
        lease_rate_usd_per_kw_month=d.lease_rate_usd_per_kw_month, n_paths=d.n_paths)
    assert changed_inputs(back, d) == DashboardInputs()
    # A user's +10 %/year of hashrate is a log growth of log(1.1) / 365 a day.
    assert log_per_day_from_pct_per_year(10.0) == pytest.approx(math.log(1.1) / 365, rel=1e-12)


def test_the_btc_price_on_day_0_applies_to_any_price_process():
    sc = load_preset("default")
    assert defaults_from(sc).btc_price_start_usd == sc.market.btc_price.start_usd
    assert apply_inputs(sc, DashboardInputs(btc_price_start_usd=90_000.0)).market.btc_price.start_usd == 90_000.0
    with pytest.raises(ScenarioError, match=r"start_usd"):
        apply_inputs(sc, DashboardInputs(btc_price_start_usd=-1.0))


def test_fleet_efficiency_scales_every_fleet_at_the_same_power(default):
    # default: 15 EH/s at 17.5, 10 at 21.5, 4 at 30.5 J/TH = 599.5 MW of miners on 29 EH/s: 20.672 J/TH on average
    assert defaults_from(default).fleet_efficiency_j_per_th == pytest.approx(599.5 / 29, rel=1e-12)
    sc = apply_inputs(default, DashboardInputs(fleet_efficiency_j_per_th=15.0))
    factor = 15.0 / (599.5 / 29)
    assert [f.efficiency_j_per_th for f in sc.company.fleets] == pytest.approx([17.5 * factor, 21.5 * factor,
                                                                                30.5 * factor], rel=1e-12)
    assert sum(f.hashrate_ehs for f in sc.company.fleets) == pytest.approx(599.5 / 15, rel=1e-12)  # 39.97 EH/s
    assert sc.company.mining_mw == pytest.approx(599.5, rel=1e-12)
    assert changed_inputs(defaults_from(default), defaults_from(default)).fleet_efficiency_j_per_th is None
    with pytest.raises(ScenarioError, match="efficiency_j_per_th"):
        apply_inputs(default, DashboardInputs(fleet_efficiency_j_per_th=600.0))


def test_the_reference_hedges_are_issue_18s_forward_and_put(default):
    """One control adds issue 18's two: half the fleets' hashrate (15 + 10 + 4 EH/s in the preset, so 14,500 PH/s)
    sold forward for two years at the starting hashprice, and a two-year put at 75 % of spot on half the BTC held."""
    assert apply_inputs(default, DashboardInputs()).hedges == []
    hedged = apply_inputs(default, DashboardInputs(reference_hedges=True))
    forward, put = hedged.hedges
    assert (forward.kind, forward.notional_phs, forward.strike_usd_per_ph_day, forward.tenor_days) == (
        "hashprice_forward", 14_500.0, None, 730)
    assert (put.kind, put.treasury_frac, put.put_strike_ratio, put.tenor_days) == ("btc_put", 0.5, 0.75, 730)
    # untouched, the control changes nothing; a scenario too short for two years is refused naming the field
    assert changed_inputs(DashboardInputs(reference_hedges=False), defaults_from(default)).reference_hedges is False
    short = default.replace("run.horizon_days", 365)
    with pytest.raises(ScenarioError, match="tenor_days"):
        apply_inputs(short, DashboardInputs(reference_hedges=True))
