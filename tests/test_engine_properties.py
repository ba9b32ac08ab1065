"""Engine properties: hypothesis over random valid scenarios (every day's BTC and cash conservation is
asserted inside the step by ``check_invariants=True``), determinism, chunk and thread invariance,
common random numbers, a directional check on power prices, and hand-calculated accounting of the
first days on a deterministic path."""

from __future__ import annotations

import copy
import math
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashpivot.engine.market import build_market
from hashpivot.engine import run as engine_run
from hashpivot.engine.run import simulate
from hashpivot.engine.state import MONTHLY_VARIABLES, TERMINAL_COLUMNS
from hashpivot.scenarios.toml import from_dict, load_preset

from strategies import TREASURY_KINDS, scenario_dicts

#: Per-path terminal variables the step writes (the derived margins are NaN by design without MW-days).
RAW_TERMINAL = (
    "btc_held", "cash_usd", "debt_usd", "shares", "nav_usd", "mined_btc", "sold_btc", "bought_btc",
    "mining_revenue_usd", "power_cost_usd", "mining_mw_days", "ai_net_usd", "ai_mw_days",
    "equity_raised_usd", "btc_per_share",
)
MONTHLY = ("monthly_nav_usd", "monthly_btc_held", "monthly_cash_usd", "monthly_btc_per_share",
           "monthly_nav_per_share_usd")

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(data: dict[str, Any], **kwargs: Any):
    return simulate(from_dict(data, "test_engine_properties"), check_invariants=True, **kwargs)


def assert_same_dataset(a, b) -> None:
    assert list(a.dataset.data_vars) == list(b.dataset.data_vars)
    for name in a.dataset.data_vars:
        x, y = a.dataset[name].values, b.dataset[name].values
        assert x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
    for coord in ("policy", "path", "date"):
        assert np.array_equal(a.dataset[coord].values, b.dataset[coord].values), coord


def final_prices(data: dict[str, Any]) -> np.ndarray:
    scenario = from_dict(data)
    return build_market(scenario, 0, scenario.run.n_paths).btc_price_usd[:, -1]


# ------------------------------------------------------------------------------- hypothesis: sanity

@FAST
@given(scenario_dicts(with_hedges=True, with_debt=True, with_spin_offs=True))
def test_random_scenarios_conserve_and_stay_finite(data):
    """Random scenarios, hedges, BTC-backed loans, debt tranches, covenants and spin-offs among them: the step checks
    every day's BTC, collateral and cash identities (``check_invariants``); here the run's totals are checked from
    outside."""
    check_conservation(data)


@FAST
@given(scenario_dicts(with_hedges=True, with_growth=True, max_compare=1))
def test_random_scenarios_with_growth_and_retirement_conserve_and_stay_finite(data):
    """The same with fleet additions, a growth policy and retirement drawn as well (issue 13, point 2): capex paid for
    machines and the proceeds of those sold keep BTC and cash conserved every day, and the growth totals are sane:
    capex and proceeds >= 0, no more hashrate retired than was ever installed, the growth capex within all capex."""
    ds = check_conservation(data)
    for name in ("growth_capex_usd", "resale_usd", "purchased_ehs", "retired_ehs"):
        assert np.all(np.isfinite(ds[name].values)) and np.all(ds[name].values >= 0), name
    assert np.all(ds["growth_capex_usd"].values <= ds["capex_usd"].values * (1 + 1e-12) + 1e-6)
    comp = data["company"]
    ever = (sum(f["hashrate_ehs"] for f in comp["fleets"]) + sum(a["hashrate_ehs"] for a in comp["fleet_additions"])
            + ds["purchased_ehs"].values)
    assert np.all(ds["retired_ehs"].values <= ever * (1 + 1e-9))
    if data["policy"]["growth"]["kind"] == "buy_toward_target":
        assert np.all(ds["purchased_ehs"].values <= data["policy"]["growth"]["target_ehs"] * (1 + 1e-9))
    kind = data["policy"]["growth"]["kind"]
    if kind != "none":
        # The purchase rows add up to the growth policy's totals, and equity funding only ever adds shares.
        fleet = ds.sel(addition=f"growth_{kind}")
        assert np.allclose(ds["purchase_ehs"].sum("purchase").values, ds["purchased_ehs"].values, rtol=1e-9,
                           atol=1e-12)
        assert np.allclose(ds["purchase_capex_usd"].sum("purchase").values, fleet["addition_capex_usd"].values,
                           rtol=1e-9, atol=1e-6)
        assert np.all(ds["shares"].values >= data["company"]["shares_outstanding"] * (1 - 1e-12))
    if data["policy"]["retirement"]["retire_after_negative_days"] == 0:
        assert np.all(ds["retired_ehs"].values == 0) and np.all(ds["resale_usd"].values == 0)


def check_conservation(data):
    """Run ``data`` with the step's daily checks and check its totals from outside; returns its Dataset."""
    result = run(data)  # raises AssertionError from the step if a day breaks BTC or cash conservation
    ds = result.dataset
    n_pol = 1 + len(data["compare"])
    assert ds.sizes["policy"] == n_pol and ds.sizes["path"] == data["run"]["n_paths"]
    for name in RAW_TERMINAL:
        assert np.all(np.isfinite(ds[name].values)), name
    for name in MONTHLY:
        assert np.all(np.isfinite(ds[name].values)), name
    btc = ds["btc_held"].values
    assert np.all(btc >= 0)
    # Sites sum to the company; a spin-off moves attribution, never a consolidated flow.
    np.testing.assert_allclose(ds["site_mined_btc"].sum("site").values, ds["mined_btc"].values, rtol=1e-9, atol=1e-9)
    if data["company"].get("spin_offs"):
        retained = data["company"]["spin_offs"][0]["retained_frac"]
        entity_nav = ds["entity_nav_usd"].isel(entity=0).values
        assert np.all(np.isfinite(entity_nav)) and np.all(np.isfinite(ds["attributable_nav_usd"].values))
        np.testing.assert_allclose(ds["nav_usd"].values - ds["attributable_nav_usd"].values,
                                   (1 - retained) * entity_nav, rtol=1e-9,
                                   atol=1e-12 * (1 + np.abs(ds["nav_usd"].values).max()))
        # what the sites still hold sums to the company's (the contracts' where its NAV counts them)
        scale = 1e-9 * (1 + np.abs(ds["nav_usd"].values).max())
        np.testing.assert_allclose(ds["site_fleet_value_usd"].sum("site").values, ds["fleet_value_usd"].values,
                                   rtol=1e-9, atol=scale)
        if data["company"].get("nav_basis", "with_contracts") == "with_contracts":
            np.testing.assert_allclose(ds["site_contracted_value_usd"].sum("site").values,
                                       ds["contracted_value_usd"].values, rtol=1e-9, atol=scale)
    for name in ("mined_btc", "sold_btc", "bought_btc", "power_cost_usd", "mining_mw_days", "ai_mw_days"):
        assert np.all(ds[name].values >= 0), name
    assert np.all(ds["shares"].values >= data["company"]["shares_outstanding"])
    # The BTC identity over the whole run, from outside the step: BTC held and pledged as collateral together are
    # what was held, mined and bought less what was sold, and what lenders sold.
    btc0 = data["company"]["btc_held"]
    coll, liquidated = ds["collateral_btc"].values, ds["liquidated_btc"].values
    assert np.all(coll >= -1e-9) and np.all(liquidated >= 0)
    flows = btc0 + ds["mined_btc"].values - ds["sold_btc"].values + ds["bought_btc"].values - liquidated
    scale = btc0 + ds["mined_btc"].values + ds["sold_btc"].values + ds["bought_btc"].values + liquidated
    assert np.all(np.abs(btc + coll - flows) <= 1e-9 * np.maximum(scale, 1.0))
    # NAV = (BTC + collateral) x final price + cash - debt - BTC-backed loans (convertible principal in debt_usd)
    # + what contracts still pay, which only a path still operating with a contract has.
    s_end = final_prices(data)
    loans = ds["loan_usd"].values
    contracted = ds["contracted_value_usd"].values
    assert np.all(contracted[ds["insolvent_day"].values >= 0] == 0)
    # + the fleets still held at their resale value (0 on an insolvent path, never negative), where NAV counts them
    fleets = ds["fleet_value_usd"].values
    assert np.all(fleets >= 0) and np.all(fleets[ds["insolvent_day"].values >= 0] == 0)
    counted = fleets if data["company"].get("nav_basis", "with_contracts") == "with_contracts" else 0.0 * fleets
    nav = (btc + coll) * s_end + ds["cash_usd"].values - ds["debt_usd"].values - loans + contracted + counted
    nav_scale = ((btc + coll) * s_end + np.abs(ds["cash_usd"].values) + ds["debt_usd"].values + loans
                 + np.abs(contracted) + counted)
    assert np.all(np.abs(ds["nav_usd"].values - nav) <= 1e-12 * np.maximum(nav_scale, 1.0))
    # Insolvency: a day of the horizon; the path ends with no BTC and negative cash (frozen).
    day = ds["insolvent_day"].values
    assert np.all((day == -1) | ((day >= 1) & (day <= data["run"]["horizon_days"])))
    dead = day >= 0
    assert np.all(btc[dead] == 0) and np.all(ds["cash_usd"].values[dead] < 0)
    assert np.all(ds["cash_usd"].values[~dead] >= 0)
    # Debt tranches: what is outstanding is not negative; a breach and an insolvency from debt are days of the run,
    # and insolvency from debt is the path's insolvency.
    assert np.all(ds["tranche_debt_usd"].values >= 0) and np.all(ds["tranche_repaid_usd"].values >= 0)
    breach = ds["first_breach_day"].values
    assert np.all((breach == -1) | ((breach >= 1) & (breach <= data["run"]["horizon_days"])))
    assert np.all((breach >= 0) == (ds["covenant_breaches"].values > 0))
    from_debt = ds["debt_insolvent_day"].values
    assert np.all((from_debt == -1) | (from_debt == day))
    # The last monthly value is the terminal value (float32 storage).
    n_store = min(data["run"]["store_paths"], data["run"]["n_paths"])
    for var in ("nav_usd", "btc_held", "cash_usd"):
        np.testing.assert_allclose(ds[f"monthly_{var}"].values[:, :, -1], ds[var].values[:, :n_store],
                                   rtol=1e-6, atol=1e-3)
    return ds


# ---------------------------------------------------------------------------- hypothesis: determinism

@FAST
@given(scenario_dicts(max_paths=30, max_days=200, with_hedges=True, with_debt=True, with_spin_offs=True))
def test_same_seed_gives_identical_arrays(data):
    a, b = run(data), run(copy.deepcopy(data))
    assert_same_dataset(a, b)
    assert a.seed == data["run"]["seed"] and a.scenario_toml == b.scenario_toml


def test_another_seed_gives_other_arrays():
    data = load_preset("default").model_dump(mode="python")
    data["run"].update(n_paths=20, horizon_days=90, seed=1)
    a = run(data).dataset
    data["run"]["seed"] = 2
    b = run(data).dataset
    assert not np.array_equal(a["nav_usd"].values, b["nav_usd"].values)
    assert not np.array_equal(a["monthly_btc_price_usd"].values, b["monthly_btc_price_usd"].values)


@FAST
@given(scenario_dicts(max_paths=40, max_days=250, with_hedges=True, with_debt=True, with_spin_offs=True), st.sampled_from([1, 7]),
       st.integers(1, 2))
def test_chunking_and_threads_change_nothing(data, chunk, n_threads):
    single = copy.deepcopy(data)
    single["run"]["chunk_paths"] = single["run"]["n_paths"]
    chunked = copy.deepcopy(data)
    chunked["run"]["chunk_paths"] = chunk
    reference = run(single, n_threads=1)
    assert_same_dataset(run(chunked, n_threads=n_threads), reference)
    assert_same_dataset(run(chunked, n_threads=3 - n_threads), reference)


def per_path(ds) -> dict[str, np.ndarray]:
    """A run's per-path variables (those without a date axis)."""
    return {name: ds[name].values for name in ds.data_vars if "date" not in ds[name].dims}


def assert_same_paths(a, b) -> None:
    x, y = per_path(a), per_path(b)
    assert list(x) == list(y)
    for name in x:
        assert np.array_equal(x[name], y[name], equal_nan=x[name].dtype.kind == "f"), name


def test_a_forward_settles_each_month_on_paths_not_stored():
    """A hashprice forward settles at every month end on every path: keeping no path's monthly series (store_paths
    0) changes no path's value. (The day-0 month slot was counted on stored paths only, so on the others no month
    end was ever reached: their forwards settled once, on the last day, and their cash, NAV and DCF differed.)"""
    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=6, horizon_days=200, chunk_paths=6)
    data["compare"] = []
    data["hedges"] = [{"kind": "hashprice_forward", "start_day": 1, "tenor_days": 150, "notional_phs": 5000.0}]
    stored = run({**data, "run": {**data["run"], "store_paths": 6}}).dataset
    none = run({**data, "run": {**data["run"], "store_paths": 0}}).dataset
    assert_same_paths(stored, none)
    # 2024-04-20 + 1..150 days holds 5 month ends (April .. August) and the last day: six settlements, each non-zero
    assert np.all(stored["forward_settled_usd"].values != 0.0)


@FAST
@given(scenario_dicts(max_paths=30, max_days=200, with_hedges=True, with_debt=True, with_spin_offs=True))
def test_which_paths_are_stored_changes_no_path(data):
    """Storing every path's monthly series or none changes no path's terminal values."""
    every = copy.deepcopy(data)
    every["run"]["store_paths"] = every["run"]["n_paths"]
    assert_same_paths(run(data).dataset, run(every).dataset)


def in_spans(cut_fracs):
    """A stand-in for ``engine.run.kernel_for`` whose kernel runs each chunk's days in spans cut at ``cut_fracs`` of
    the horizon, handing every path's state over in an ``engine.step.Handover``; each span after the first starts
    from a workspace of NaN, so nothing a span leaves in it reaches the next but through the handover."""
    from hashpivot.engine.step import Workspace, new_handover

    real = engine_run.kernel_for

    def kernel_for(arrays, n_tracked: int = 0):
        kernel = real(arrays, n_tracked)

        def spans(market, company, code, params, month_days, check, out, work, days, handover):
            n_paths, n_cols = market.btc_price_usd.shape
            assert list(days) == [1, n_cols] and handover.path_state.shape[0] == 0  # engine.run runs every day
            cuts = sorted({min(max(int(f * n_cols), 2), n_cols - 1) for f in cut_fracs}) if n_cols > 2 else []
            bounds = [1, *cuts, n_cols]
            shared = new_handover(work, n_paths)
            for first, end in zip(bounds, bounds[1:]):
                kernel(market, company, code, params, month_days, check, out, work, np.array([first, end]), shared)
                work = Workspace(*(np.full_like(a, np.nan) for a in work))

        return spans

    return kernel_for


CUTS = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3)


@FAST
@given(scenario_dicts(max_paths=30, max_days=250, with_hedges=True, with_debt=True, with_spin_offs=True), CUTS)
def test_runs_handing_over_state_midway_equal_one_run(data, cut_fracs):
    """Two (or more) runs over parts of the horizon, each handing every path's state to the next, give the bits of
    one run (DESIGN: the kernel keeps no state outside its state arrays): hedges, BTC-backed loans, debt and
    covenants, spin-offs, AI projects, every treasury policy."""
    reference = run(data)
    with mock.patch.object(engine_run, "kernel_for", in_spans(cut_fracs)):
        assert_same_dataset(run(data), reference)


@FAST
@given(scenario_dicts(max_paths=30, max_days=250, with_hedges=True, with_growth=True, max_compare=1), CUTS)
def test_runs_handing_over_state_midway_equal_one_run_with_growth(data, cut_fracs):
    """The same with fleet additions, a growth policy (orders waiting for their lead time) and retirement."""
    reference = run(data)
    with mock.patch.object(engine_run, "kernel_for", in_spans(cut_fracs)):
        assert_same_dataset(run(data), reference)


def test_a_span_short_of_the_run_needs_a_handover():
    """The kernel refuses days outside the market's and a span short of the whole run without a handover."""
    from hashpivot.engine.step import Outputs, company_inputs, market_arrays, new_workspace, no_handover, run_company
    from hashpivot.engine.plan import build_company

    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=2, horizon_days=30, store_paths=0)
    sc = from_dict(data)
    market = build_market(sc, 0, 2)
    arrays = build_company(sc, sc.policy.capacity)
    work = new_workspace(len(arrays.fleets), len(arrays.specs))
    out = Outputs(np.empty((2, len(TERMINAL_COLUMNS))), np.empty((0, len(MONTHLY_VARIABLES), 2)),
                  np.zeros((0, len(arrays.specs), 2)))
    policy = sc.policy.treasury
    args = (market_arrays(market), company_inputs(arrays, arrays.start_days(market),
                                                  engine_run._tenant_uniforms(sc, arrays, 0, 2)),
            policy.code, policy.params(), engine_run.month_end_days(sc.run.start_date, 30), False, out, work)
    with pytest.raises(ValueError, match="handover of every path"):
        run_company(*args, np.array([1, 15]), no_handover(work))
    for days in ([0, 31], [1, 32], [15, 15]):
        with pytest.raises(ValueError, match=r"1 <= first < end <= the market's columns"):
            run_company(*args, np.array(days), no_handover(work))


MARKET_FIELDS = ("btc_price_usd", "network_hashrate_ehs", "fees_btc_per_block", "blocks", "subsidy_btc",
                 "power_price_index", "gpu_rent_index")


@FAST
@given(scenario_dicts(max_paths=20, max_days=200, with_hedges=True, with_debt=True), st.integers(1, 400))
def test_a_longer_horizon_keeps_the_first_days(data, extra_days):
    """A run's paths are the first days of a longer run's (common random numbers across horizons): every market
    array day by day, and the company's month ends before the shorter horizon. (Fee spikes, a regime price's jumps
    and switches, and the second project's tenant defaults drew from behind the first array of their stream, so
    they moved with the horizon; each now has a part of the stream of its own.)"""
    longer = copy.deepcopy(data)
    longer["run"]["horizon_days"] += extra_days
    short_sc, long_sc = from_dict(data), from_dict(longer)
    n = short_sc.run.n_paths
    short_mk, long_mk = build_market(short_sc, 0, n), build_market(long_sc, 0, n)
    cols = short_sc.run.horizon_days + 1
    for name in MARKET_FIELDS:
        a, b = getattr(short_mk, name), getattr(long_mk, name)
        assert np.array_equal(a, b[:, :cols] if b.shape[1] > 1 else b), name
    a, b = run(data).dataset, run(longer).dataset
    ends = a["date"].values[:-1]  # the short run's month ends (its last slot is its horizon, not a month end)
    for name in ("monthly_btc_held", "monthly_cash_usd", "monthly_nav_usd"):
        assert np.array_equal(a[name].sel(date=ends).values, b[name].sel(date=ends).values), name


@settings(max_examples=20, deadline=None)
@given(scenario_dicts(max_compare=3, max_paths=30, max_days=200))
def test_policies_share_random_numbers(data):
    """Each policy's results are the same alone or next to others (common random numbers)."""
    scenario = from_dict(data)
    together = simulate(scenario, check_invariants=True).dataset
    for k, policy in enumerate(scenario.treasury_policies()):
        alone = simulate(scenario, [policy], check_invariants=True).dataset
        for name in RAW_TERMINAL + ("insolvent_day",):
            np.testing.assert_array_equal(alone[name].values[0], together[name].values[k], err_msg=name)


@pytest.mark.parametrize("name", ["corz_2024q2", "ai_pivot"])
def test_capacity_plans_share_random_numbers(name):
    """Each capacity plan's paths are the same alone or beside the others: corz_2024q2's plans hold leases whose
    tenants may default (tenant draws by project, each from its own part of the stream), ai_pivot's a lease and a
    GPU cloud."""
    data = load_preset(name).model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=30, horizon_days=900, store_paths=5)
    scenario = from_dict(data)
    together = simulate(scenario, check_invariants=True).dataset
    k = len(scenario.treasury_policies())
    for i, plan in enumerate(scenario.capacity_policies()):
        alone = simulate(scenario, capacity=[plan], check_invariants=True).dataset
        for var in RAW_TERMINAL + ("insolvent_day",):
            np.testing.assert_array_equal(alone[var].values, together[var].values[i * k:(i + 1) * k], err_msg=var)


def test_chunk_1000_vs_50000_on_2000_paths():
    """The acceptance case: 2,000 paths in chunks of 1,000 or in one chunk of 50,000 (RM1 preset)."""
    data = load_preset("rm1").model_dump(mode="python")
    data["run"].update(n_paths=2_000, horizon_days=400, chunk_paths=1_000, store_paths=50)
    a = run(data)
    data["run"]["chunk_paths"] = 50_000
    b = run(data, n_threads=1)
    assert_same_dataset(a, b)


# --------------------------------------------------------------------- hypothesis: power price direction

#: Policies under which a higher power price can never raise terminal NAV on the same random numbers.
#: Excluded, because a counterexample is economically legitimate:
#: - the runway floor (``min_cash_runway`` and any ``floor_runway_months`` > 0): the cash target is
#:   N months of costs, so higher costs make the company sell more BTC into cash; if BTC then falls,
#:   the higher-cost company ends richer (``test_runway_floor_can_reward_higher_power_costs``);
#: - ``buy_with_equity`` with debt: NAV can be <= 0 while solvent, which stops issuance; the cheaper
#:   twin issues on those days at a low NAV per share, uses up its dilution cap at bad prices, and
#:   later cannot issue while the dearer twin still can (hypothesis found such paths). Without debt a
#:   solvent path has NAV > 0 every day, the cheaper twin issues whenever the dearer one does and
#:   fewer shares per dollar, so it keeps at least as many issuance days: it stays in.
MONOTONE_KINDS = tuple(k for k in TREASURY_KINDS if k != "min_cash_runway")


@settings(max_examples=50, deadline=None)
@given(
    scenario_dicts(kinds=MONOTONE_KINDS, allow_floor=False, max_compare=3, max_paths=40, max_days=300),
    st.floats(0.5, 150.0),
    st.data(),
)
def test_higher_power_price_never_raises_nav(data, extra_usd_per_mwh, draw):
    """On common random numbers, a dearer site keeps the company weakly poorer in cash and BTC every
    day (each policy's rule is monotone in cash and BTC), hence:
    - terminal NAV(dear) <= NAV(cheap) on every path, except where both go insolvent (an insolvent
      company stops operating, so failing earlier can stop losses: see
      ``test_insolvency_freeze_can_reward_earlier_failure``), and, for a convertible, where the dear twin
      fails (failing before the issue day escapes the principal: hypothesis found such a path);
    - the dear company is insolvent no later than the cheap one;
    - strictly lower NAV where it paid more for power and both stayed solvent."""
    if any(p["kind"] == "buy_with_equity" for p in [data["policy"]["treasury"], *data["compare"]]):
        data["company"]["debt_usd"] = 0.0
    # A law of machines that always run: with economic shutdown (the default) the dear twin mines less, and ends
    # with more NAV where the BTC the cheap twin mined and held lost value below the power it cost.
    for site in data["company"]["sites"]:
        site["curtailable_frac"] = 0.0
    dear = copy.deepcopy(data)
    sites = dear["company"]["sites"]
    which = draw.draw(st.sampled_from([None, *range(len(sites))]), label="site raised (None = all)")
    for i, site in enumerate(sites):
        if which is None or which == i:
            site["power_price_usd_per_mwh"] = min(1000.0, site["power_price_usd_per_mwh"] + extra_usd_per_mwh)
    lo, hi = run(data).dataset, run(dear).dataset
    nav_lo, nav_hi = lo["nav_usd"].values, hi["nav_usd"].values
    day_lo, day_hi = lo["insolvent_day"].values, hi["insolvent_day"].values
    is_convertible = np.array([p["kind"] == "buy_with_convertible"
                               for p in [data["policy"]["treasury"], *data["compare"]]])[:, None]
    # Not compared: both insolvent; or, under a convertible, the dear twin insolvent (it may fail before the
    # issue day and so never owe the principal the cheap twin still owes at the horizon).
    excused = ((day_lo >= 0) & (day_hi >= 0)) | (is_convertible & (day_hi >= 0))
    tol = 1e-9 * (np.abs(nav_lo) + np.abs(nav_hi)) + 1e-6
    assert np.all((nav_hi <= nav_lo + tol) | excused)
    # Insolvent no later: if the cheap twin fails on day d, the dear one has failed by day d.
    assert np.all((day_lo < 0) | ((day_hi >= 0) & (day_hi <= day_lo)))
    paid_more = hi["power_cost_usd"].values > lo["power_cost_usd"].values * (1 + 1e-12)
    both_solvent = (day_lo < 0) & (day_hi < 0)
    assert np.all(nav_hi[paid_more & both_solvent] < nav_lo[paid_more & both_solvent])
    # Sanity: while both operate for the whole horizon, the raised price never lowers the power bill.
    assert np.all(hi["power_cost_usd"].values[both_solvent] >= lo["power_cost_usd"].values[both_solvent])


# ------------------------------------------------------------------- deterministic one-path accounting

S0, MU = 60_000.0, 0.001  # BTC price, log drift per day (volatility 0)
H0, G = 600.0, 0.001  # network hashrate, log growth per day (volatility 0)
HD = 610.0  # difficulty as hashrate, no retarget in the first days (phase 0)
FEE = 0.2  # BTC per block, vol_log 0
SUBSIDY = 3.125
# The hand calculations below are of machines that always run (curtailable_frac 0); economic shutdown, the
# default, has its own hand calculation (test_a_fleet_below_break_even_switches_off_and_saves_its_power).
SITES = [
    {"name": "north", "power_mw": 300.0, "power_price_usd_per_mwh": 40.0, "curtailable_frac": 0.0},
    {"name": "south", "power_mw": 400.0, "power_price_usd_per_mwh": 55.0, "curtailable_frac": 0.0},
]
FLEETS = [
    {"name": "a", "site": "north", "hashrate_ehs": 10.0, "efficiency_j_per_th": 20.0, "uptime_frac": 0.95,
     "pool_fee_frac": 0.02},
    {"name": "b", "site": "south", "hashrate_ehs": 8.0, "efficiency_j_per_th": 30.0, "uptime_frac": 0.90,
     "pool_fee_frac": 0.01},
    {"name": "c", "site": "south", "hashrate_ehs": 5.0, "efficiency_j_per_th": 25.0, "uptime_frac": 0.99,
     "pool_fee_frac": 0.03},
]
PRICE_BY_SITE = {s["name"]: s["power_price_usd_per_mwh"] for s in SITES}
COMPANY = {"btc_held": 1_000.0, "cash_usd": 5e7, "debt_usd": 1e8, "debt_rate_per_year": 0.08,
           "shares_outstanding": 1e8, "fixed_opex_usd_per_day": 1e5}


def deterministic(horizon_days: int, treasury: dict[str, Any], capacity: dict[str, Any] | None = None,
                  **company: Any) -> dict[str, Any]:
    data = load_preset("default").model_dump(mode="python")
    data["run"].update(horizon_days=horizon_days, n_paths=1, chunk_paths=1, store_paths=1, seed=3,
                       start_height=840_000)
    data["market"] = {
        "btc_price": {"kind": "gbm", "start_usd": S0, "drift_per_day": MU, "vol_per_sqrt_day": 0.0},
        "network_hashrate": {"kind": "lognormal", "start_ehs": H0, "growth_per_day": G, "vol_per_sqrt_day": 0.0},
        "fees": {"kind": "lognormal", "median_btc_per_block": FEE, "vol_log": 0.0},
        "power_price": {"kind": "flat"},
        "difficulty": {"start_ehs": HD, "phase_blocks": 0},
    }
    data["company"] = {"name": "hand", "sites": SITES, "fleets": FLEETS, **COMPANY, **company}
    data["policy"] = {"treasury": treasury, "capacity": capacity or {"kind": "all_mining"}}
    data["compare"] = []
    return data


def price(t: int) -> float:
    return S0 * math.exp(MU * t)  # GBM with sigma = 0: the log drift is mu


def fleet_resale_by_hand(days: int, fleets: list[dict[str, Any]] = FLEETS) -> float:
    """What the fleets resell for at the horizon, which NAV counts (``nav_basis = "with_contracts"``, the default):
    stock TH/s x the policy's price new of a day-0 fleet (14 USD/TH) x (1 - days / 365 / the 5-year life) x
    (hashprice_T / hashprice_0) ** 1. Hashprice = blocks x (subsidy + fees) x price / TH/s with 144 x H / HD blocks
    on day T (the network hashrate cancels) and the protocol's 144 on day 0 (``engine.market``: day 0's hashprice
    is the target's), so the ratio is (H0 / HD) x exp(mu x days). [USD]"""
    return (sum(f["hashrate_ehs"] for f in fleets) * 1e6 * 14.0 * (1.0 - days / 365.0 / 5.0)
            * (H0 / HD) * price(days) / price(0))


def mined_by_hand(t: int, fleets: list[dict[str, Any]] = FLEETS) -> float:
    """Sum over fleets: hashrate share x blocks x (subsidy + fees) x uptime x (1 - pool fee). [BTC]"""
    h = H0 * math.exp(G * t)
    blocks = 144.0 * h / HD
    return sum(f["hashrate_ehs"] / h * blocks * (SUBSIDY + FEE) * f["uptime_frac"] * (1 - f["pool_fee_frac"])
               for f in fleets)


def power_by_hand(fleets: list[dict[str, Any]] = FLEETS) -> float:
    """Sum over fleets: uptime x MW x 24 h x the site's price. [USD/day]"""
    return sum(f["uptime_frac"] * f["hashrate_ehs"] * f["efficiency_j_per_th"] * 24.0 * PRICE_BY_SITE[f["site"]]
               for f in fleets)


INTEREST = COMPANY["debt_usd"] * COMPANY["debt_rate_per_year"] / 365.0
OPERATING = -power_by_hand() - COMPANY["fixed_opex_usd_per_day"] - INTEREST


def terminal(data: dict[str, Any]) -> dict[str, float]:
    ds = run(data).dataset.isel(policy=0, path=0)
    return {name: float(ds[name]) for name in (*RAW_TERMINAL, "insolvent_day")}


@pytest.mark.parametrize("days", [1, 3])
def test_a_fleet_below_break_even_switches_off_and_saves_its_power(days):
    """Economic shutdown (issue 13): at 150 USD/MWh fleet a (10 EH/s at 20 J/TH on north) earns about 7.3 BTC x
    60,000 USD = 437 k USD a day against 0.95 x 200 MW x 24 h x 150 = 684 k USD of power, so it switches off: it
    mines nothing and its power bill stops; the saving is its MWh times the price (against a twin whose machines
    always run, and as the result's ``shutdown_saved_usd``), and the BTC it does not mine is its production by
    hand. No demand-response program calls, so no credit is paid on that economic curtailment. Fleets b and c on
    south (55 USD/MWh, break-even about 65 and 75) keep mining."""
    def company(curtailable: float) -> dict[str, Any]:
        data = deterministic(days, {"kind": "sell_all"})
        data["company"]["sites"] = [
            {**SITES[0], "power_price_usd_per_mwh": 150.0, "curtailable_frac": curtailable},
            {**SITES[1], "curtailable_frac": 1.0},
        ]
        return data

    def terminal_with_credits(data):
        ds = run(data).dataset.isel(policy=0, path=0)
        return {name: float(ds[name])
                for name in (*RAW_TERMINAL, "demand_response_usd", "shutdown_saved_usd", "shutdown_forgone_btc")}

    off, on = terminal_with_credits(company(1.0)), terminal_with_credits(company(0.0))
    a, kept = FLEETS[0], FLEETS[1:]
    # By hand, fleet a's day: its BTC at day 0's price against its power, to show it is below break-even.
    assert mined_by_hand(0, [a]) * S0 < a["uptime_frac"] * 200.0 * 24.0 * 150.0
    assert off["mined_btc"] == pytest.approx(sum(mined_by_hand(t, kept) for t in range(1, days + 1)), rel=1e-12)
    assert off["power_cost_usd"] == pytest.approx(days * power_by_hand(kept), rel=1e-12)
    mwh_off = days * a["uptime_frac"] * a["hashrate_ehs"] * a["efficiency_j_per_th"] * 24.0
    assert on["power_cost_usd"] - off["power_cost_usd"] == pytest.approx(mwh_off * 150.0, rel=1e-12)
    assert off["shutdown_saved_usd"] == pytest.approx(mwh_off * 150.0, rel=1e-12)
    assert off["shutdown_forgone_btc"] == pytest.approx(sum(mined_by_hand(t, [a]) for t in range(1, days + 1)),
                                                        rel=1e-12)
    assert off["demand_response_usd"] == 0.0
    assert on["shutdown_saved_usd"] == 0.0 and on["shutdown_forgone_btc"] == 0.0


@pytest.mark.parametrize("days", [1, 2, 3])
def test_hand_accounting_sell_all(days):
    got = terminal(deterministic(days, {"kind": "sell_all"}))
    mined = [mined_by_hand(t) for t in range(1, days + 1)]
    cash = COMPANY["cash_usd"] + sum(OPERATING + m * price(t) for t, m in enumerate(mined, start=1))
    expected = {
        "mined_btc": sum(mined), "sold_btc": sum(mined), "btc_held": COMPANY["btc_held"], "cash_usd": cash,
        "nav_usd": COMPANY["btc_held"] * price(days) + cash - COMPANY["debt_usd"] + fleet_resale_by_hand(days),
        "power_cost_usd": days * power_by_hand(),
        "mining_revenue_usd": sum(m * price(t) for t, m in enumerate(mined, start=1)),
        "mining_mw_days": days * sum(f["hashrate_ehs"] * f["efficiency_j_per_th"] for f in FLEETS),
        "bought_btc": 0.0, "insolvent_day": -1.0, "shares": COMPANY["shares_outstanding"],
    }
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-12, err_msg=name)


@pytest.mark.parametrize("days", [1, 2, 3])
def test_hand_accounting_hold_all(days):
    got = terminal(deterministic(days, {"kind": "hold_all"}))
    mined = sum(mined_by_hand(t) for t in range(1, days + 1))
    btc = COMPANY["btc_held"] + mined
    cash = COMPANY["cash_usd"] + days * OPERATING
    assert cash > 0  # no forced sale in this case
    expected = {"mined_btc": mined, "sold_btc": 0.0, "btc_held": btc, "cash_usd": cash,
                "nav_usd": btc * price(days) + cash - COMPANY["debt_usd"] + fleet_resale_by_hand(days),
                "btc_per_share": btc / COMPANY["shares_outstanding"], "debt_usd": COMPANY["debt_usd"]}
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-12, err_msg=name)


def test_hand_mined_day_one_in_numbers():
    """Day 1 written out: production 0.95x0.98x10 + 0.90x0.99x8 + 0.99x0.97x5 = 21.2395 EH/s of
    600 e^0.001 EH/s, 144 x 600 e^0.001 / 610 blocks, 3.325 BTC each."""
    production = 0.95 * 0.98 * 10 + 0.90 * 0.99 * 8 + 0.99 * 0.97 * 5
    assert production == pytest.approx(21.2395, rel=1e-15)
    expected = production * 144.0 / 610.0 * 3.325  # the network hashrate cancels out
    got = terminal(deterministic(1, {"kind": "hold_all"}))
    np.testing.assert_allclose(got["mined_btc"], expected, rtol=1e-12)
    np.testing.assert_allclose(got["power_cost_usd"], 24 * (0.95 * 200 * 40 + 0.90 * 240 * 55 + 0.99 * 125 * 55),
                               rtol=1e-12)


def test_hand_accounting_forced_sale_keeps_cash_at_zero():
    """hold_all with no cash: each day's operating loss is covered by selling BTC at that day's price."""
    days = 3
    got = terminal(deterministic(days, {"kind": "hold_all"}, cash_usd=0.0))
    btc = COMPANY["btc_held"]
    for t in range(1, days + 1):
        btc += mined_by_hand(t) + OPERATING / price(t)  # OPERATING < 0: BTC sold
    np.testing.assert_allclose(got["btc_held"], btc, rtol=1e-12)
    assert got["cash_usd"] == 0.0 and got["insolvent_day"] == -1
    np.testing.assert_allclose(got["sold_btc"], sum(-OPERATING / price(t) for t in range(1, days + 1)), rtol=1e-12)


@pytest.mark.parametrize("days", [1, 2, 3])
def test_hand_accounting_insolvency_freezes_the_path(days):
    """Too little BTC for a day's loss: all BTC is sold on day 1, cash stays negative, nothing after."""
    opex = 5e6
    got = terminal(deterministic(days, {"kind": "hold_all"}, cash_usd=0.0, btc_held=1.0,
                                 fixed_opex_usd_per_day=opex))
    operating = -power_by_hand() - opex - INTEREST
    cash = operating + (1.0 + mined_by_hand(1)) * price(1)
    assert cash < 0
    assert got["insolvent_day"] == 1 and got["btc_held"] == 0.0
    np.testing.assert_allclose(got["cash_usd"], cash, rtol=1e-12)
    np.testing.assert_allclose(got["nav_usd"], cash - COMPANY["debt_usd"], rtol=1e-12)
    np.testing.assert_allclose(got["mined_btc"], mined_by_hand(1), rtol=1e-12)
    np.testing.assert_allclose(got["power_cost_usd"], power_by_hand(), rtol=1e-12)


def test_hand_accounting_conversion_takes_the_worst_fleets_first():
    """convert_on_day: 300 MW on day 2 take all of fleet b (30 J/TH, 240 MW) and 60 MW of fleet c
    (25 J/TH); fleet a (20 J/TH) keeps mining. Lease revenue from day 2, capex on day 2 (RM1 convention)."""
    days, rate, opex_frac, capex = 4, 120.0, 0.1, 1e5
    capacity = {"kind": "convert_on_day", "day": 2, "mw": 300.0,
                "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": rate,
                            "opex_frac_of_revenue": opex_frac, "capex_usd_per_mw": capex}}
    got = terminal(deterministic(days, {"kind": "hold_all"}, capacity))
    after = [FLEETS[0], {**FLEETS[2], "hashrate_ehs": (125.0 - 60.0) / 25.0}]
    mined = mined_by_hand(1) + sum(mined_by_hand(t, after) for t in range(2, days + 1))
    revenue = 300.0 * 1000.0 * rate * 12.0 / 365.0
    cash = (COMPANY["cash_usd"] - power_by_hand() - (days - 1) * power_by_hand(after)
            - days * (COMPANY["fixed_opex_usd_per_day"] + INTEREST)
            + (days - 1) * revenue * (1 - opex_frac) - 300.0 * capex)
    assert cash > 0
    expected = {"mined_btc": mined, "btc_held": COMPANY["btc_held"] + mined, "cash_usd": cash,
                "ai_net_usd": (days - 1) * revenue * (1 - opex_frac), "ai_mw_days": (days - 1) * 300.0,
                "mining_mw_days": 565.0 + (days - 1) * 265.0}
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-12, err_msg=name)


# ------------------------------------------- every treasury policy against a reference loop (days 1-3)

def reference_days(treasury: dict[str, Any], days: int) -> dict[str, float]:
    """The documented order of a day (engine/step.py) for one deterministic path, written out."""
    kind = treasury["kind"]
    floor_months = treasury.get("floor_runway_months", 6.0 if kind == "min_cash_runway" else 0.0)
    btc, cash, debt = COMPANY["btc_held"], COMPANY["cash_usd"], COMPANY["debt_usd"]
    shares0 = shares = COMPANY["shares_outstanding"]
    conv = 0.0
    mined_tot = sold_tot = bought_tot = 0.0
    prices = [price(t) for t in range(days + 1)]
    for t in range(1, days + 1):
        s = prices[t]
        btc_start = btc
        mined = mined_by_hand(t)
        btc += mined
        interest = (debt * COMPANY["debt_rate_per_year"] + conv * treasury.get("coupon_rate_per_year", 0.0)) / 365.0
        operating = -power_by_hand() - COMPANY["fixed_opex_usd_per_day"] - interest
        cash += operating
        bought = 0.0
        if kind == "buy_with_convertible":
            if t == treasury["issue_day"]:
                conv = treasury["principal_usd"]
                bought += conv / s
                btc += conv / s
            elif t == treasury["issue_day"] + treasury["term_days"] and conv > 0:
                share_price = treasury["mnav_ratio"] * (btc * s + cash - debt - conv) / shares
                if share_price >= treasury["conversion_price_usd_per_share"]:
                    shares += conv / treasury["conversion_price_usd_per_share"]
                else:
                    cash -= conv
                conv = 0.0
        elif kind == "buy_with_equity":
            nav = btc * s + cash - debt
            cap = shares0 * (1 + treasury["max_dilution_ratio"])
            if nav > 0 and shares < cap:
                share_price = treasury["mnav_ratio"] * nav / shares
                issue = min(treasury["issue_usd_per_day"], (cap - shares) * share_price)
                shares += issue / share_price
                bought += issue / s
                btc += issue / s
        sell = 0.0
        if kind == "sell_all":
            sell = mined
        elif kind == "sell_fraction":
            sell = treasury["sell_frac"] * mined
        elif kind == "sell_to_cover_costs":
            sell = max(-operating, 0.0) / s
        elif kind == "sell_above_average":
            window = treasury["window_days"]
            ma = float(np.mean(prices[max(0, t - window + 1) : t + 1]))
            if s > treasury["threshold_ratio"] * ma:
                sell = treasury["sell_production_frac"] * mined + treasury["sell_holdings_frac_per_day"] * btc_start
        sell = min(sell, btc)
        btc -= sell
        cash += sell * s
        target = floor_months * 365.0 / 12.0 * (power_by_hand() + COMPANY["fixed_opex_usd_per_day"] + interest)
        if kind == "buy_with_cash":  # never below the runway floor either
            buy_usd = min(max(cash - max(treasury["cash_floor_usd"], target), 0.0), treasury["max_buy_usd_per_day"])
            bought += buy_usd / s
            btc += buy_usd / s
            cash -= buy_usd
        if floor_months > 0:
            if cash < target:
                extra = min((target - cash) / s, btc)
                btc -= extra
                cash += extra * s
                sell += extra
        assert cash >= 0, "the reference cases stay solvent"
        mined_tot += mined
        sold_tot += sell
        bought_tot += bought
    return {"btc_held": btc, "cash_usd": cash, "shares": shares, "mined_btc": mined_tot, "sold_btc": sold_tot,
            "bought_btc": bought_tot, "debt_usd": debt + conv,
            "nav_usd": btc * prices[days] + cash - debt - conv + fleet_resale_by_hand(days)}


POLICIES = {
    "sell_fraction": {"kind": "sell_fraction", "sell_frac": 0.3},
    "sell_to_cover_costs": {"kind": "sell_to_cover_costs"},
    # The price rises 0.1 %/day: today / mean(yesterday, today) = 2 / (1 + e^-0.001) = 1.0005.
    "above_average_sells": {"kind": "sell_above_average", "threshold_ratio": 1.0004, "window_days": 2,
                            "sell_production_frac": 0.5, "sell_holdings_frac_per_day": 0.01},
    "above_average_holds": {"kind": "sell_above_average", "threshold_ratio": 1.0006, "window_days": 2,
                            "sell_production_frac": 0.5, "sell_holdings_frac_per_day": 0.01},
    "buy_with_cash": {"kind": "buy_with_cash", "cash_floor_usd": 4.8e7, "max_buy_usd_per_day": 1.5e6},
    # a runway floor above the policy's own: it buys only above the runway's cash, and sells nothing back
    "buy_with_cash_under_a_runway": {"kind": "buy_with_cash", "cash_floor_usd": 1e6, "max_buy_usd_per_day": 1.5e6,
                                     "floor_runway_months": 2.1},
    # a dilution cap reached on day 2: that day sells only the shares left under it, day 3 none
    "buy_with_equity_to_its_cap": {"kind": "buy_with_equity", "issue_usd_per_day": 2e5, "mnav_ratio": 1.5,
                                   "max_dilution_ratio": 0.02},
    "buy_with_equity": {"kind": "buy_with_equity", "issue_usd_per_day": 2e6, "mnav_ratio": 1.5,
                        "max_dilution_ratio": 0.5},
    "convertible_converts": {"kind": "buy_with_convertible", "principal_usd": 3e8, "coupon_rate_per_year": 0.02,
                             "issue_day": 1, "term_days": 2, "conversion_price_usd_per_share": 0.1,
                             "mnav_ratio": 1.5},
    "convertible_repays": {"kind": "buy_with_convertible", "principal_usd": 3e7, "coupon_rate_per_year": 0.02,
                           "issue_day": 1, "term_days": 1, "conversion_price_usd_per_share": 50.0,
                           "mnav_ratio": 1.5},
    "min_cash_runway": {"kind": "min_cash_runway", "floor_runway_months": 3.0},
    "hold_all_with_floor": {"kind": "hold_all", "floor_runway_months": 2.5},
}


def test_at_the_market_issuance_stops_at_its_dilution_cap():
    """A 2 % cap reached on day 2: that day sells only the shares left under it (1.02e8 in all, not more), so less
    than two days' issue is raised, and day 3 raises nothing."""
    cap = COMPANY["shares_outstanding"] * 1.02
    days = [terminal(deterministic(d, POLICIES["buy_with_equity_to_its_cap"])) for d in (1, 2, 3)]
    assert days[0]["shares"] < cap
    assert days[1]["shares"] == pytest.approx(cap, rel=1e-14) and days[2]["shares"] == days[1]["shares"]
    assert 2e5 < days[1]["equity_raised_usd"] < 4e5
    assert days[2]["equity_raised_usd"] == days[1]["equity_raised_usd"]


@pytest.mark.parametrize("days", [1, 2, 3])
@pytest.mark.parametrize("name", list(POLICIES))
def test_every_policy_matches_the_reference_loop(name, days):
    treasury = POLICIES[name]
    got = terminal(deterministic(days, treasury))
    expected = reference_days(treasury, days)
    for var, value in expected.items():
        np.testing.assert_allclose(got[var], value, rtol=1e-12, atol=1e-9, err_msg=var)


def test_reference_cases_exercise_their_branches():
    """Guards against a vacuous reference: each case does what its name says."""
    def three(name: str) -> dict[str, float]:
        return reference_days(POLICIES[name], 3)

    assert three("above_average_sells")["sold_btc"] > 0
    assert three("above_average_holds")["sold_btc"] == 0
    assert 0 < three("buy_with_cash")["bought_btc"] < 3 * 1.5e6 / S0 * 1.01
    assert three("buy_with_equity")["shares"] > COMPANY["shares_outstanding"]
    assert three("convertible_converts")["shares"] > COMPANY["shares_outstanding"]
    assert three("convertible_repays")["shares"] == COMPANY["shares_outstanding"]
    assert three("convertible_repays")["debt_usd"] == COMPANY["debt_usd"]
    assert three("min_cash_runway")["sold_btc"] > 0 and three("hold_all_with_floor")["sold_btc"] > 0


# ------------------------------------------------- documented exceptions to the power-price direction

def test_runway_floor_can_reward_higher_power_costs():
    """Why the runway floor is excluded above: the cash target scales with costs, so the dearer company
    sells more BTC on day 1; when BTC then falls, it ends with the higher NAV. Legitimate behaviour."""
    data = deterministic(60, {"kind": "min_cash_runway", "floor_runway_months": 6.0}, cash_usd=0.0,
                         btc_held=5_000.0, debt_usd=0.0)
    data["market"]["btc_price"]["drift_per_day"] = -0.01
    dear = copy.deepcopy(data)
    for site in dear["company"]["sites"]:
        site["power_price_usd_per_mwh"] += 20.0
    lo, hi = run(data).dataset, run(dear).dataset
    assert int(lo["insolvent_day"][0, 0]) == -1 and int(hi["insolvent_day"][0, 0]) == -1
    assert float(hi["nav_usd"][0, 0]) > float(lo["nav_usd"][0, 0])
    assert float(hi["sold_btc"][0, 0]) > float(lo["sold_btc"][0, 0])


def test_insolvency_freeze_can_reward_earlier_failure():
    """Why paths where both twins fail are excluded above: the dear twin fails on day 1 with a small
    shortfall and stops; the cheap twin survives to a large capex on day 3 and fails deeper."""
    capacity = {"kind": "convert_on_day", "day": 3, "mw": 300.0,
                "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 100.0,
                            "capex_usd_per_mw": 2e6}}
    data = deterministic(5, {"kind": "hold_all"}, capacity, cash_usd=0.0, btc_held=0.0, debt_usd=0.0,
                         fixed_opex_usd_per_day=0.0)
    dear = copy.deepcopy(data)
    for site in dear["company"]["sites"]:
        site["power_price_usd_per_mwh"] = 1000.0
    lo, hi = run(data).dataset, run(dear).dataset
    assert int(hi["insolvent_day"][0, 0]) == 1
    assert int(lo["insolvent_day"][0, 0]) == 3
    assert float(hi["nav_usd"][0, 0]) > float(lo["nav_usd"][0, 0])


def test_failing_before_a_convertible_issue_escapes_the_principal():
    """Why a failing dear twin is excused under a convertible: it fails on day 1 and never issues; the
    cheap twin issues 500 M USD on day 3, buys BTC that then falls 5 %/day, and still owes the principal. On the
    balance sheet (the surviving twin's fleets, at their resale value, would outweigh the loss: 23 EH/s x 14 USD/TH)."""
    treasury = {"kind": "buy_with_convertible", "principal_usd": 5e8, "coupon_rate_per_year": 0.0,
                "issue_day": 3, "term_days": 100, "conversion_price_usd_per_share": 1e6, "mnav_ratio": 1.0}
    data = deterministic(5, treasury, cash_usd=0.0, btc_held=0.0, debt_usd=0.0, fixed_opex_usd_per_day=0.0,
                         nav_basis="balance_sheet")
    data["market"]["btc_price"]["drift_per_day"] = -0.05
    dear = copy.deepcopy(data)
    for site in dear["company"]["sites"]:
        site["power_price_usd_per_mwh"] = 1000.0
    lo, hi = run(data).dataset, run(dear).dataset
    assert int(hi["insolvent_day"][0, 0]) == 1 and int(lo["insolvent_day"][0, 0]) == -1
    assert float(lo["debt_usd"][0, 0]) == 5e8 and float(hi["debt_usd"][0, 0]) == 0.0
    assert float(hi["nav_usd"][0, 0]) > float(lo["nav_usd"][0, 0])


# ------------------------------------------------------------------------------------ BTC yield

def test_tiny_initial_holdings_do_not_warn():
    """A subnormal BTC per share on day 0 once made the BTC yield overflow with a RuntimeWarning (an
    error under this suite's filterwarnings); the raw values stay finite and the yield is not NaN."""
    ds = run(deterministic(2, {"kind": "hold_all"}, btc_held=1e-310)).dataset
    for name in RAW_TERMINAL:
        assert np.all(np.isfinite(ds[name].values)), name
    assert not np.isnan(ds["btc_yield_frac"].values).any()


def test_btc_yield_for_ordinary_holdings():
    """The same quantity where it is well defined: BTC per share / BTC per share on day 0 - 1."""
    ds = run(deterministic(2, {"kind": "hold_all"})).dataset
    expected = (COMPANY["btc_held"] + mined_by_hand(1) + mined_by_hand(2)) / COMPANY["btc_held"] - 1
    np.testing.assert_allclose(float(ds["btc_yield_frac"][0, 0]), expected, rtol=1e-12)
