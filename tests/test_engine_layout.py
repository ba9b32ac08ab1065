"""The engine's packed vectors and columns: every index constant is the position of its name in the declaration,
every declared column has a unit, and each policy packs exactly the fields it declares into their slots."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hashpivot.engine import debt, hedges, plan, state
from hashpivot.policies import treasury
from hashpivot.policies.capacity import ColocationLease, GpuCloud, SiteLease
from hashpivot.units import DAYS_PER_YEAR

# (declaration, module holding the constants, constant prefix, names whose constant is spelt differently)
LAYOUTS = [
    (plan.FLEET_COLUMNS, plan, "F_"),
    (plan.SITE_COLUMNS, plan, "SITE_"),
    (plan.PROJECT_COLUMNS, plan, "P_"),
    (plan.UPGRADE_PARAMS, plan, "U_"),
    (plan.COMPANY_SCALARS, plan, "C_"),
    (treasury.TREASURY_PARAMS, treasury, "TP_"),
    (state.PATH_STATE[: state.S_SEGMENT0], state, "S_"),
    (state.FLEET_STATE, state, "FS_"),
    (state.PURCHASE_STATE, state, "PU_"),
    (state.PURCHASE_COLUMNS, state, "PC_"),
    (plan.GROWTH_PARAMS, plan, "G_"),
    (state.PROJECT_STATE, state, "PS_"),
    (state.HEDGE_STATE, state, "HS_"),
    (state.SITE_ENERGY, state, "SE_"),
    (hedges.HEDGE_COLUMNS, hedges, "H_"),
    (state.DEBT_STATE, state, "DS_"),
    (debt.DEBT_COLUMNS, debt, "D_"),
    (debt.COVENANT_COLUMNS, debt, "CV_"),
]


@pytest.mark.parametrize(("columns", "module", "prefix"), LAYOUTS, ids=[p for _, _, p in LAYOUTS])
def test_each_constant_is_the_position_of_its_name(columns, module, prefix):
    for i, (name, _) in enumerate(columns):
        assert getattr(module, prefix + name.upper()) == i, (prefix, name)


@pytest.mark.parametrize(("columns", "module", "prefix"), LAYOUTS, ids=[p for _, _, p in LAYOUTS])
def test_each_column_states_its_unit(columns, module, prefix):
    for name, meaning in columns:
        assert re.search(r"\[[^\]]+\]$", meaning), (name, meaning)
    names = [name for name, _ in columns]
    assert len(set(names)) == len(names)


def test_hedge_debt_then_value_fields_end_the_path_state_and_the_terminal_columns():
    """Hedges came last (issue 18), then debt tranches and covenants and the discounted cash flow (issue 13): their
    columns end both layouts, in one order, so a run without them keeps every earlier column where it was; the
    terminal array then ends with each AI/HPC segment's contracted value (``CONTRACT_FIELDS``, 2026-12-07)."""
    for fields, s0, t0 in ((state.HEDGE_FIELDS, state.S_HEDGE0, state.T_HEDGE0),
                           (state.DEBT_FIELDS, state.S_DEBT0, state.T_DEBT0)):
        names = [name for name, _ in fields]
        assert [name for name, _ in state.PATH_STATE[s0 : s0 + len(names)]] == names
        assert list(state.TERMINAL_COLUMNS[t0 : t0 + len(names)]) == names
        for i, name in enumerate(names):
            assert getattr(state, "S_" + name.upper()) == s0 + i, name
            assert re.search(r"\[[^\]]+\]$", fields[i][1]), name
    end_state, end_terminal = state.S_DEBT0 + state.N_DEBT_FIELDS, state.T_DEBT0 + state.N_DEBT_FIELDS
    assert [name for name, _ in state.PATH_STATE[end_state:]] == [name for name, _ in state.VALUE_STATE]
    assert list(state.TERMINAL_COLUMNS[end_terminal:]) == [name for name, _ in
                                                            state.VALUE_FIELDS + state.CONTRACT_FIELDS]
    assert state.T_CONTRACT0 == end_terminal + len(state.VALUE_FIELDS)
    assert [name for name, _ in state.CONTRACT_FIELDS] == ["colocation_lease_contracted_value_usd",
                                                           "site_lease_contracted_value_usd",
                                                           "gpu_cloud_contracted_value_usd"]  # project kind codes 0-2
    assert (state.S_DISCOUNT_FACTOR, state.S_PV_FLOWS_USD, state.S_CONVERTED_USD) == tuple(range(end_state,
                                                                                                 end_state + 3))
    assert (state.T_DCF_EQUITY_USD, state.T_EV_USD) == (end_terminal, end_terminal + 1)
    assert state.N_STATE == len(state.PATH_STATE) == end_state + len(state.VALUE_STATE)


def test_segment_block_follows_the_terminal_columns():
    """The path state's segment block is laid out as the terminal array's (one copy loop writes it)."""
    width = state.S_HEDGE0 - state.S_SEGMENT0
    seg_state = [name for name, _ in state.PATH_STATE[state.S_SEGMENT0:state.S_HEDGE0]]
    assert seg_state == list(state.TERMINAL_COLUMNS[state.T_SEGMENT0:state.T_SEGMENT0 + width])
    assert state.T_SEGMENT0 + width == state.T_HEDGE0


POLICIES = [
    treasury.SellFraction(sell_frac=0.37, floor_runway_months=3.0),
    treasury.SellAboveAverage(threshold_ratio=1.7, window_days=123, sell_production_frac=0.6,
                              sell_holdings_frac_per_day=0.01, sell_btc_before_debt=False),
    treasury.BuyWithCash(cash_floor_usd=7e7, max_buy_usd_per_day=3e6),
    treasury.BuyWithEquity(issue_usd_per_day=2.5e6, mnav_ratio=1.9, max_dilution_ratio=0.4, premium_beta=1.3,
                           mnav_floor_ratio=0.8),
    treasury.BuyWithConvertible(principal_usd=8e8, coupon_rate_per_year=0.02, issue_day=9, term_days=700,
                                conversion_price_usd_per_share=31.0, mnav_ratio=2.1),
    treasury.SellAll(), treasury.HoldAll(), treasury.SellToCoverCosts(), treasury.MinCashRunway(),
]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.kind)
def test_treasury_params_pack_each_declared_field_in_its_slot(policy):
    vector = policy.params()
    slots = {name: i for i, (name, _) in enumerate(treasury.TREASURY_PARAMS)}
    declared = policy.PARAMS + treasury.COMMON_PARAMS
    assert set(policy.PARAMS) <= set(type(policy).model_fields)
    for name in declared:
        assert vector[slots[name]] == float(getattr(policy, name)), name
    others = [i for name, i in slots.items() if name not in declared]
    assert np.all(vector[others] == 0.0)


def _row(project, mw=40.0, site_price=33.0, site_index=2):
    spec = plan.ProjectSpec("p", project, mw, 5, 0.0, 0, 0, 0)
    return dict(zip(plan.names(plan.PROJECT_COLUMNS), plan._project_row(spec, site_price, site_index), strict=True))


def test_a_lease_fills_its_declared_columns_from_its_fields():
    lease = ColocationLease(rate_usd_per_kw_month=121.5, escalator_frac_per_year=0.03, term_years=12.0,
                            opex_frac_of_revenue=0.1, capex_usd_per_mw=3e6, pue_ratio=1.25, build_days=90,
                            delay_days=10, tenant_default_prob_per_year=0.05, downtime_days=120)
    row = _row(lease)
    assert row["kind"] == lease.code
    assert row["grid_mw"] == 40.0 and row["it_mw"] == 40.0 / 1.25
    assert row["lease_rate_usd_per_kw_month"] == 121.5
    assert row["escalator_frac_per_year"] == 0.03
    assert row["term_days"] == 12.0 * DAYS_PER_YEAR
    assert row["opex_frac_of_revenue"] == 0.1
    assert row["capex_usd"] == pytest.approx(32.0 * 3e6, rel=1e-15)
    assert (row["build_days"], row["delay_days"], row["downtime_days"]) == (90, 10, 120)
    assert row["hazard_per_day"] == pytest.approx(1 - 0.95 ** (1 / 365), rel=1e-12)
    assert row["site_index"] == 2
    # A lease leaves the GPU cloud's columns empty: no column means two things.
    for name in GpuCloud.ENGINE_COLUMNS:
        if name not in ColocationLease.ENGINE_COLUMNS:
            assert row[name] == 0.0, name


def test_a_gpu_cloud_fills_its_declared_columns_from_its_fields():
    cloud = GpuCloud(server_power_kw_per_gpu=1.25, pue_ratio=1.25, capex_usd_per_gpu=40_000.0, utilisation_frac=0.9,
                     contracted_frac=0.8, contract_rate_usd_per_gpu_hour=2.5, contract_years=5.0,
                     spot_start_usd_per_gpu_hour=2.99, opex_usd_per_gpu_hour=0.1)
    row = _row(cloud)
    n_gpus = 40.0 * 1000 / (1.25 * 1.25)  # 1,024 GPUs: grid MW x 1000 kW / (kW per GPU x PUE)
    assert row["n_gpus"] == pytest.approx(n_gpus, rel=1e-15)
    assert row["capex_usd"] == pytest.approx(n_gpus * 40_000.0, rel=1e-15)
    assert row["contract_rate_usd_per_gpu_hour"] == 2.5
    assert row["opex_usd_per_gpu_hour"] == 0.1
    assert row["contract_days"] == 5.0 * DAYS_PER_YEAR
    assert row["spot_start_usd_per_gpu_hour"] == 2.99
    assert row["power_price_usd_per_mwh"] == 33.0  # the first site's, as none is stated
    assert row["lease_rate_usd_per_kw_month"] == 0.0 and row["opex_frac_of_revenue"] == 0.0
    assert _row(cloud.model_copy(update={"power_price_usd_per_mwh": 51.0}))["power_price_usd_per_mwh"] == 51.0


@pytest.mark.parametrize("kind", [ColocationLease, SiteLease, GpuCloud])
def test_every_declared_project_column_exists(kind):
    assert set(kind.ENGINE_COLUMNS) <= set(plan.names(plan.PROJECT_COLUMNS))
    assert not set(kind.ENGINE_COLUMNS) & set(plan.PROJECT_COMMON_COLUMNS)
    assert "capex_usd" in kind.ENGINE_COLUMNS
