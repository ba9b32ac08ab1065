"""The engine's kernels against the public formulas, day by day (issue 11).

The jitted stages compile the formulas' arithmetic (``engine.kernels``); this test runs the kernel on one path
with a month slot for every day, then recomputes every day from the checked public functions of
``hashpivot.protocol`` and ``hashpivot.formulas`` and the scenario's own numbers, with none of the engine's code:
the chain (blocks, subsidy by height across a halving, difficulty retargets with the consensus clamp), hashprice,
production, mining revenue and power, a colocation lease's escalated rent and its capex, a GPU cloud's contracted
and spot revenue and its costs, and cash. Agreement is required at rtol=1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hashpivot import protocol
from hashpivot.engine.market import build_market
from hashpivot.engine.plan import build_company
from hashpivot.engine.run import _tenant_uniforms
from hashpivot.engine.state import (
    M_AI_OPEX,
    M_AI_REV,
    M_BTC,
    M_CAPEX,
    M_CASH,
    M_MINED,
    M_MINING_OPEX,
    M_MINING_REV,
    M_NAV,
    MONTHLY_VARIABLES,
    TERMINAL_COLUMNS,
)
from hashpivot.engine.step import (Outputs, company_inputs, every_day, market_arrays, new_workspace, no_handover,
                                  run_company)
from hashpivot.formulas import ai, mining, power
from hashpivot.scenarios.toml import from_dict

DAYS = 440
RTOL = 1e-12
START_HEIGHT = 1_049_300  # the fifth halving (1,050,000) falls on about day 5
PHASE_BLOCKS = 1_500  # blocks of the first retarget period already mined: a retarget on about day 4
FLEET = dict(hashrate_ehs=10.0, efficiency_j_per_th=20.0, uptime_frac=0.96, pool_fee_frac=0.02)
SITE_PUE, SITE_PRICE_USD_PER_MWH = 1.1, 40.0
LEASE = dict(day=10, mw=60.0, rate_usd_per_kw_month=120.0, escalator_frac_per_year=0.03, opex_frac_of_revenue=0.1,
             capex_usd_per_mw=2e6, pue_ratio=1.2, build_days=30)
CLOUD = dict(day=50, mw=22.0, server_power_kw_per_gpu=1.25, pue_ratio=1.25, capex_usd_per_gpu=40_000.0,
             utilisation_frac=0.9, contracted_frac=0.8, contract_rate_usd_per_gpu_hour=2.5, contract_years=1.0,
             spot_start_usd_per_gpu_hour=2.99, opex_usd_per_gpu_hour=0.1, build_days=20)
CASH0_USD, FIXED_OPEX_USD_PER_DAY = 3e9, 20_000.0  # cash enough for both builds: no path insolvent


def _scenario():
    lease = {k: v for k, v in LEASE.items() if k not in ("day", "mw")}
    cloud = {k: v for k, v in CLOUD.items() if k not in ("day", "mw")}
    return from_dict({
        "run": {"start_date": "2028-04-01", "start_height": START_HEIGHT, "horizon_days": DAYS, "n_paths": 1,
                "seed": 5, "chunk_paths": 1, "store_paths": 1},
        "market": {
            "btc_price": {"kind": "gbm", "start_usd": 64_000.0, "drift_per_day": 0.0003, "vol_per_sqrt_day": 0.03},
            "network_hashrate": {"kind": "lognormal", "start_ehs": 600.0, "growth_per_day": 0.0008,
                                 "vol_per_sqrt_day": 0.02},
            "fees": {"kind": "lognormal", "median_btc_per_block": 0.1, "vol_log": 0.4},
            "difficulty": {"start_ehs": 590.0, "phase_blocks": PHASE_BLOCKS},
            "gpu_rent": {"kind": "generational", "drift_per_day": -0.0008, "vol_per_sqrt_day": 0.01},
        },
        "company": {
            "btc_held": 500.0, "cash_usd": CASH0_USD, "shares_outstanding": 1e8,
            "fixed_opex_usd_per_day": FIXED_OPEX_USD_PER_DAY,
            # NAV on the balance sheet: the day's NAV is BTC x price + cash (contracts' value: test_contracted_value)
            "nav_basis": "balance_sheet",
            # Machines always on (curtailable 0): the day's formulas are those of a fleet that runs every day.
            "sites": [{"name": "s", "power_mw": 300.0, "power_price_usd_per_mwh": SITE_PRICE_USD_PER_MWH,
                       "pue_ratio": SITE_PUE, "curtailable_frac": 0.0}],
            "fleets": [{"name": "f", "site": "s", **FLEET}],
        },
        "policy": {
            "treasury": {"kind": "sell_all"},
            "capacity": {"kind": "hybrid", "conversions": [
                {"kind": "convert_on_day", "day": LEASE["day"], "mw": LEASE["mw"],
                 "project": {"kind": "colocation_lease", **lease}},
                {"kind": "convert_on_day", "day": CLOUD["day"], "mw": CLOUD["mw"],
                 "project": {"kind": "gpu_cloud", **cloud}},
            ]},
        },
    }, "engine vs formulas")


@pytest.fixture(scope="module")
def run():
    """(market chunk, daily series of the engine's kernel: variables x days + 1)."""
    sc = _scenario()
    market = build_market(sc, 0, 1)
    arrays = build_company(sc, sc.policy.capacity)
    daily = np.zeros((1, len(MONTHLY_VARIABLES), DAYS + 1))
    flows = np.zeros((1, len(arrays.specs), DAYS + 1))
    term = np.empty((1, len(TERMINAL_COLUMNS)))
    policy = sc.policy.treasury
    work = new_workspace(len(arrays.fleets), len(arrays.specs))
    run_company(market_arrays(market), company_inputs(arrays, arrays.start_days(market),
                                                      _tenant_uniforms(sc, arrays, 0, 1)),
                policy.code, policy.params(), np.arange(DAYS + 1), True, Outputs(term, daily, flows), work,
                every_day(DAYS + 1), no_handover(work))
    return market, daily[0]


def _day_flows(series: np.ndarray) -> np.ndarray:
    """Flows of days 1..DAYS from cumulative values at each day's end."""
    return np.diff(series)


def test_chain_follows_the_protocol(run):
    market, _ = run
    h = market.network_hashrate_ehs[0]
    blocks, subsidy, hd = market.blocks[0], market.subsidy_btc[0], market.difficulty_ehs[0]
    height = START_HEIGHT + np.floor(np.concatenate([[0.0], np.cumsum(blocks[1:])]))  # at the start of each day
    assert_allclose(blocks[1:], protocol.expected_blocks_per_day(h[1:], hd[:-1]), rtol=RTOL)
    assert_allclose(subsidy[1:], protocol.subsidy_btc(height[:-1].astype(np.int64)), rtol=0)
    assert subsidy[1] == 3.125 and subsidy[-1] == 1.5625  # the halving is inside the run
    # Retargets: on the day the cumulative count reaches each boundary (2016 - phase, then every 2016 blocks) the
    # difficulty becomes the period's mean hashrate, clamped; protocol.retarget_difficulty states the same rule in
    # difficulty units over the period's timespan (2016 blocks at mean hashrate m take target x old / m seconds).
    cum = np.cumsum(blocks[1:])
    boundary, period_start, n_retargets = protocol.RETARGET_INTERVAL_BLOCKS - PHASE_BLOCKS, 1, 0
    for t in range(1, DAYS + 1):
        if cum[t - 1] >= boundary:
            old = hd[t - 1]
            mean = h[period_start : t + 1].mean()
            timespan = protocol.TARGET_TIMESPAN_SECONDS * old / mean
            expected = protocol.hashrate_ehs_from_difficulty(
                protocol.retarget_difficulty(protocol.difficulty_from_hashrate_ehs(old), timespan))
            assert hd[t] == pytest.approx(float(expected), rel=RTOL), t
            boundary += protocol.RETARGET_INTERVAL_BLOCKS
            period_start, n_retargets = t + 1, n_retargets + 1
        else:
            assert hd[t] == hd[t - 1], t
    assert n_retargets >= 20
    hashprice = mining.hashprice_usd_per_th_day(market.btc_price_usd[0], h, subsidy, market.fees_btc_per_block[0],
                                                blocks)
    assert_allclose(market.hashprice_usd_per_th_day()[0], hashprice, rtol=RTOL)


def _expected(market):
    """Each day's flows and cash, from the public formulas and the scenario's numbers."""
    t = np.arange(1, DAYS + 1)
    price, h = market.btc_price_usd[0, 1:], market.network_hashrate_ehs[0, 1:]
    grid_mw = FLEET["hashrate_ehs"] * FLEET["efficiency_j_per_th"] * SITE_PUE
    active_mw = grid_mw - LEASE["mw"] * (t >= LEASE["day"]) - CLOUD["mw"] * (t >= CLOUD["day"])
    mined = mining.btc_mined_per_day(FLEET["hashrate_ehs"] * active_mw / grid_mw, h, market.blocks[0, 1:],
                                     market.subsidy_btc[0, 1:], market.fees_btc_per_block[0, 1:],
                                     FLEET["uptime_frac"], FLEET["pool_fee_frac"])
    hashprice = mining.hashprice_usd_per_th_day(price, h, market.subsidy_btc[0, 1:], market.fees_btc_per_block[0, 1:],
                                                market.blocks[0, 1:])
    mining_revenue = mining.mining_revenue_usd_per_day(FLEET["hashrate_ehs"] * active_mw / grid_mw, hashprice,
                                                       FLEET["uptime_frac"], FLEET["pool_fee_frac"])
    mining_power = power.energy_cost_usd_per_day(active_mw, SITE_PRICE_USD_PER_MWH, FLEET["uptime_frac"])
    # The lease: IT MW = grid MW / PUE; capex evenly over the build; rent from the end of the build, escalated at
    # each anniversary; our opex a share of the rent.
    it_mw = LEASE["mw"] / LEASE["pue_ratio"]
    lease_earn = LEASE["day"] + LEASE["build_days"]
    lease_capex = np.where((t >= LEASE["day"]) & (t < lease_earn), it_mw * LEASE["capex_usd_per_mw"] / 30, 0.0)
    rate = ai.lease_rate_usd_per_kw_month(LEASE["rate_usd_per_kw_month"], LEASE["escalator_frac_per_year"],
                                          np.maximum(t - lease_earn, 0) / 365)
    rent = np.where(t >= lease_earn, ai.lease_revenue_usd_per_mw_day(rate) * it_mw, 0.0)
    # The GPU cloud: GPUs per grid MW = 1000 kW / (kW per GPU x PUE); contracted hours at the contract rate for
    # the contract's days, the rest (and all after it) at spot = spot on day 0 x the GPU rent index.
    gpus_per_mw = ai.gpus_per_mw(CLOUD["server_power_kw_per_gpu"], 1, CLOUD["pue_ratio"])
    n_gpus = gpus_per_mw * CLOUD["mw"]
    cloud_earn = CLOUD["day"] + CLOUD["build_days"]
    cloud_capex = np.where((t >= CLOUD["day"]) & (t < cloud_earn), n_gpus * CLOUD["capex_usd_per_gpu"] / 20, 0.0)
    spot = CLOUD["spot_start_usd_per_gpu_hour"] * market.gpu_rent_index[0, 1:]
    contracted = (t - cloud_earn) < CLOUD["contract_years"] * 365
    cf = CLOUD["contracted_frac"]
    rent_per_gpu_hour = np.where(contracted, cf * CLOUD["contract_rate_usd_per_gpu_hour"] + (1 - cf) * spot, spot)
    gpu_revenue = np.where(t >= cloud_earn, ai.gpu_revenue_usd_per_mw_day(gpus_per_mw, rent_per_gpu_hour,
                                                                        CLOUD["utilisation_frac"]) * CLOUD["mw"], 0.0)
    gpu_costs = np.where(t >= cloud_earn, power.energy_cost_usd_per_day(CLOUD["mw"], SITE_PRICE_USD_PER_MWH)
                         + n_gpus * CLOUD["opex_usd_per_gpu_hour"] * 24, 0.0)
    ai_revenue = rent + gpu_revenue
    ai_opex = LEASE["opex_frac_of_revenue"] * rent + gpu_costs
    capex = lease_capex + cloud_capex
    # sell_all: every mined BTC is sold on the day at the day's price.
    cash = CASH0_USD + np.cumsum(mined * price - mining_power - FIXED_OPEX_USD_PER_DAY + ai_revenue - ai_opex - capex)
    return dict(mined=mined, mining_revenue=mining_revenue, mining_power=mining_power, ai_revenue=ai_revenue,
                ai_opex=ai_opex, capex=capex, cash=cash)


def test_every_day_matches_the_formulas(run):
    market, daily = run
    want = _expected(market)
    assert_allclose(_day_flows(daily[M_MINED]), want["mined"], rtol=RTOL)
    assert_allclose(_day_flows(daily[M_MINING_REV]), want["mining_revenue"], rtol=RTOL)
    assert_allclose(_day_flows(daily[M_MINING_OPEX]), want["mining_power"], rtol=RTOL)
    assert_allclose(_day_flows(daily[M_AI_REV]), want["ai_revenue"], rtol=RTOL, atol=0)
    assert_allclose(_day_flows(daily[M_AI_OPEX]), want["ai_opex"], rtol=RTOL, atol=0)
    assert_allclose(_day_flows(daily[M_CAPEX]), want["capex"], rtol=RTOL, atol=0)
    assert_allclose(daily[M_CASH, 1:], want["cash"], rtol=RTOL)
    assert np.all(daily[M_BTC] == 500.0)  # sell_all keeps the opening BTC
    assert_allclose(daily[M_NAV, 1:], 500.0 * market.btc_price_usd[0, 1:] + want["cash"], rtol=RTOL)


def test_the_run_reaches_every_branch_it_checks(run):
    """The path spans the lease's first anniversary and the end of the GPU contract (so the escalator and spot-only
    days are checked), and both projects' builds."""
    market, daily = run
    want = _expected(market)
    lease_earn = LEASE["day"] + LEASE["build_days"]
    assert DAYS > lease_earn + 365 and DAYS > CLOUD["day"] + CLOUD["build_days"] + 365
    assert want["capex"][LEASE["day"] - 1] > 0 and want["capex"][CLOUD["day"] - 1] > 0
    anniversary = lease_earn + 365
    assert want["ai_revenue"][anniversary - 1] > want["ai_revenue"][anniversary - 2]


# Each compiled twin of engine.kernels against the Python function it compiles, on the same arguments.
TWIN_ARGS = {
    "subsidy_sats": [(4,), (63,), (64,), (70,)],
    "expected_blocks_per_day": [(660.0, 600.0)],
    "retarget_difficulty_ehs": [(600.0, 660.0), (600.0, 1e5), (600.0, 1.0)],
    "hashprice_usd_per_th_day": [(64_000.0, 600.0, 3.125, 0.15, 144.0)],
    "hashvalue_btc_per_ehs_day": [(600.0, 3.125, 0.15, 150.3)],
    "btc_mined": [(9.31, 0.786)],
    "breakeven_power_price_usd_per_mwh": [(2_500.0,)],
    "energy_mwh_per_day": [(100.0, 0.97)],
    "energy_cost_usd": [(2_328.0, 45.0)],
    "lease_rent_usd_per_day": [(50.0, 121.5)],
    "escalation_factor": [(0.03, 3)],
    "lease_occupancy_frac": [(0.4, 0.9, 60.0, 30.0), (0.4, 0.9, 60.0, 75.0), (0.7, 0.97, 0.0, 0.0)],
    "gpu_hours_per_day": [(1_024.0, 0.9)],
    "gpu_revenue_usd": [(22_118.4, 2.6)],
    "daily_flow_pv": [(1_000.0, 1, 255, 0.0775, 0.0), (1_000.0, 30, 90, 0.0775, 0.0014), (5.0, 1, 0, 0.1, 0.0)],
    "forward_day_usd": [(10_000.0, 50.0, 47.88)],
    "put_payoff_usd": [(5_000.0, 48_681.0, 40_000.0), (5_000.0, 48_681.0, 60_000.0)],
    "call_payoff_usd": [(2.0, 100.0, 130.0), (2.0, 100.0, 90.0)],
    "asic_price_usd_per_th": [(16.0, 0.8, 1.0), (16.0, 1.3, 0.5)],
    "resale_usd_per_th": [(14.0, 2.5, 5.0, 0.7, 1.0), (14.0, 6.0, 5.0, 1.2, 1.0)],
    "unit_margin_usd_per_th_day": [(0.05, 0.97, 0.98, 17.5, 45.0)],
}


def test_each_compiled_twin_is_its_formula():
    from numba.core.registry import CPUDispatcher

    from hashpivot.engine import kernels

    twins = {name: obj for name, obj in vars(kernels).items() if isinstance(obj, CPUDispatcher)}
    assert set(twins) == set(TWIN_ARGS)
    for name, twin in twins.items():
        for args in TWIN_ARGS[name]:
            # a jitted caller, as the stages call them (an inline-only function runs only inside another)
            call = njit_caller(twin, len(args))
            assert call(*args) == twin.py_func(*args), (name, args)


def njit_caller(twin, n_args: int):
    from numba import njit

    if n_args == 1:
        return njit(lambda a: twin(a))
    if n_args == 2:
        return njit(lambda a, b: twin(a, b))
    if n_args == 3:
        return njit(lambda a, b, c: twin(a, b, c))
    if n_args == 4:
        return njit(lambda a, b, c, d: twin(a, b, c, d))
    return njit(lambda a, b, c, d, e: twin(a, b, c, d, e))
