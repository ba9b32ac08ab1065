"""Stress cases on the ai_pivot preset, on common random numbers: each shows up as risk."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot import api
from hashpivot.errors import ScenarioError
from hashpivot.scenarios.stress import STRESSES, apply_stress
from hashpivot.scenarios.toml import from_dict, load_preset


@pytest.fixture(scope="module")
def scenario():
    data = load_preset("ai_pivot").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=200, horizon_days=3 * 365, chunk_paths=100, store_paths=0)
    return from_dict(data, "stress test")


def _run(sc, stresses=()):
    return api.run(sc, policies=["sell_all"], stresses=stresses, check_invariants=True).dataset


@pytest.fixture(scope="module")
def base(scenario):
    return _run(scenario)


def _p_insolvent(ds, plan):
    return float((ds["insolvent_day"].sel(policy=f"{plan} / sell_all").values >= 0).mean())


def test_tenant_default_cuts_lease_revenue(scenario, base):
    ds = _run(scenario, ["tenant_default"])
    key = "lease_200mw / sell_all"
    assert ds["colocation_lease_revenue_usd"].sel(policy=key).mean() < 0.9 * base["colocation_lease_revenue_usd"].sel(
        policy=key).mean()
    assert _p_insolvent(ds, "lease_200mw") >= _p_insolvent(base, "lease_200mw")


def test_build_delay_defers_revenue_not_capex(scenario, base):
    ds = _run(scenario, ["build_delay"])
    key = "lease_200mw / sell_all"
    np.testing.assert_allclose(ds["capex_usd"].sel(policy=key), base["capex_usd"].sel(policy=key), rtol=1e-12)
    # Build from day 1 for 540 days: earning days 541..1,095 = 555; with 365 more days of delay, 906..1,095 = 190.
    # MW-days count from the day revenue would start (tenant downtime included) on paths still operating.
    alive = ((ds["insolvent_day"].sel(policy=key) < 0) & (base["insolvent_day"].sel(policy=key) < 0)).values
    assert alive.sum() > 0
    np.testing.assert_allclose(base["colocation_lease_mw_days"].sel(policy=key).values[alive], 200 * 555, rtol=1e-12)
    np.testing.assert_allclose(ds["colocation_lease_mw_days"].sel(policy=key).values[alive], 200 * 190, rtol=1e-12)


def test_gpu_rent_crash_lowers_gpu_revenue_on_every_path(scenario, base):
    ds = _run(scenario, ["gpu_rent_crash"])
    key = "gpu_cloud_10mw / sell_all"
    alive = (ds["insolvent_day"].sel(policy=key) < 0) & (base["insolvent_day"].sel(policy=key) < 0)
    stressed = ds["gpu_cloud_revenue_usd"].sel(policy=key).values[alive.values]
    plain = base["gpu_cloud_revenue_usd"].sel(policy=key).values[alive.values]
    assert alive.sum() > 0
    assert np.all(stressed < plain)


def test_hashrate_surge_cuts_mining_and_raises_insolvency(scenario, base):
    ds = _run(scenario, ["hashrate_surge"])
    key = "all_mining / sell_all"
    assert float(ds["mined_btc"].sel(policy=key).mean()) < float(base["mined_btc"].sel(policy=key).mean())
    assert _p_insolvent(ds, "all_mining") >= _p_insolvent(base, "all_mining")


def test_every_stress_keeps_the_scenario_valid_and_names_itself(scenario):
    for name in STRESSES:
        stressed = apply_stress(scenario, name)
        assert stressed.name.endswith(f"+{name}")
    with pytest.raises(ScenarioError, match="stress='bogus' is unknown; allowed: tenant_default"):
        apply_stress(scenario, "bogus")


@pytest.mark.parametrize(("stress", "needs"), [("tenant_default", "an AI project"), ("build_delay", "an AI project"),
                                               ("gpu_rent_crash", "a gpu_cloud project")])
def test_a_stress_that_changes_nothing_is_refused(stress, needs):
    # the default preset mines only: an AI stress would print the same numbers as if the answer withstood it
    with pytest.raises(ScenarioError, match=rf"stress='{stress}' changes nothing in default: it acts on {needs}.*"
                                            r"allowed: hashrate_surge$"):
        apply_stress(load_preset("default"), stress)


def test_a_gpu_stress_on_leases_only_names_the_stresses_that_act():
    data = load_preset("ai_pivot").model_dump(mode="python", exclude_none=True)
    data["compare_capacity"] = [p for p in data["compare_capacity"] if p["project"]["kind"] != "gpu_cloud"]
    leases = from_dict(data, "leases only")
    with pytest.raises(ScenarioError, match="allowed: tenant_default, build_delay, hashrate_surge$"):
        apply_stress(leases, "gpu_rent_crash")


def test_the_terminal_says_which_stress_it_ran_under():
    from typer.testing import CliRunner

    from hashpivot.cli import app

    out = CliRunner().invoke(app, ["run", "default", "--paths", "16", "--no-store", "--stress", "hashrate_surge"])
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0] == "Under stress: hashrate_surge (network hashrate +50 %)."
