"""Library functions the CLI calls and once held itself: a company's scenario (``riot`` -> its halving
preset), the main capacity plan and treasury policy of a scenario, and re-simulating a stored run."""

from __future__ import annotations

import dataclasses
import re

import pytest
from store_helpers import N_PATHS, save, tiny_result, tiny_scenario

from hashpivot import api
from hashpivot._version import __version__
from hashpivot.errors import ScenarioError
from hashpivot.io.store import RunStore, StoreError
from hashpivot.scenarios.toml import from_dict, load_preset, preset_names, resolve_company, to_toml

COMPANIES = ("mara", "riot", "hut8", "hive", "corz", "iren")


@pytest.mark.parametrize("company", COMPANIES)
def test_a_company_name_stands_for_its_halving_preset(company):
    assert resolve_company(company) == f"{company}_2024q2"
    assert api.load_company(company) == load_preset(f"{company}_2024q2")


def test_presets_files_and_unknown_names_are_kept(tmp_path):
    for name in preset_names():
        assert resolve_company(name) == name
    path = tmp_path / "riot"  # a file wins over the company of the same name
    path.write_text(to_toml(tiny_scenario()), encoding="utf-8")
    assert resolve_company(str(path)) == str(path)
    assert api.load_company(path) == tiny_scenario()
    assert resolve_company("nobody") == "nobody"
    with pytest.raises(ScenarioError, match=r"neither a file nor a preset.*or a company's name for its first preset "
                                            r"\(riot: riot_2024q2\)"):
        api.load_company("nobody")


def test_main_selectors_name_the_main_plan_and_policy():
    rm1 = load_preset("rm1")
    assert api.main_selectors(rm1) == (["hold_above_average"], ["convert_on_day"])
    result = api.run(tiny_scenario(), policies=api.main_selectors(tiny_scenario())[0])
    assert result.policies == ["sell_all"]


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs.duckdb")


def test_resimulate_reproduces_a_stored_run(store):
    stored = store.get_run(save(store, tiny_result()))
    calls = []
    result = api.resimulate(stored, progress=lambda done, total: calls.append((done, total)))
    assert result.policies == stored.info.policies
    assert result.summary.reset_index(drop=True).equals(tiny_result().summary.reset_index(drop=True))
    assert calls and calls[-1] == (N_PATHS, N_PATHS)


def test_resimulate_keeps_the_capacity_plans_of_the_run(store):
    scenario = _short_ai_pivot()
    original = api.run(scenario, policies=["sell_all", "hold_all"], capacity=["lease_200mw", "gpu_cloud_10mw"])
    assert " / " in original.policies[0]  # several plans: labels are "plan / policy"
    stored = store.get_run(save(store, original))
    assert api.resimulate(stored).policies == original.policies


def _short_ai_pivot():
    data = load_preset("ai_pivot").model_dump(mode="python")
    data["run"].update(horizon_days=60, n_paths=8, store_paths=8, chunk_paths=8)
    return from_dict(data, "short ai_pivot")


@pytest.mark.parametrize("plan", [None, "gpu_cloud_10mw"])
def test_resimulate_runs_the_one_plan_of_a_run_of_one_plan_among_several(store, plan):
    # One plan of several: its labels carry no plan ("hold_all"), so the store keeps the plan (the main one, or
    # the one chosen); re-simulating every plan would give other rows.
    scenario = _short_ai_pivot()
    policies, main_plan = api.main_selectors(scenario)
    assert len(scenario.capacity_policies()) > 1
    original = api.run(scenario, policies=policies, capacity=main_plan if plan is None else [plan])
    assert " / " not in original.policies[0]
    stored = store.get_run(save(store, original))
    assert stored.info.capacity == (main_plan if plan is None else [plan])
    again = api.resimulate(stored)
    assert again.policies == original.policies
    assert again.summary.reset_index(drop=True).equals(original.summary.reset_index(drop=True))


def test_a_run_recorded_without_its_plan_resimulates_under_the_main_one(store):
    scenario = _short_ai_pivot()
    policies, main_plan = api.main_selectors(scenario)
    original = api.run(scenario, policies=policies, capacity=main_plan)
    stored = store.get_run(save(store, original))
    old = dataclasses.replace(stored, info=dataclasses.replace(stored.info, capacity=None))  # a schema-1 row
    assert api.resimulate(old).summary.reset_index(drop=True).equals(original.summary.reset_index(drop=True))
    other = store.get_run(save(store, api.run(scenario, policies=policies, capacity=["gpu_cloud_10mw"])))
    old_other = dataclasses.replace(other, info=dataclasses.replace(other.info, capacity=None))
    with pytest.raises(StoreError, match=rf"it ran one capacity plan the store did not keep, not the main one "
                                         rf"\({main_plan[0]}\)\?"):
        api.resimulate(old_other)


def test_resimulate_refuses_numbers_that_do_not_reproduce(store):
    stored = store.get_run(save(store, tiny_result()))
    summary = stored.summary.copy()
    summary.loc[0, "value"] = summary.loc[0, "value"] * 1.01 + 1.0
    with pytest.raises(StoreError, match=r"re-simulating run 1 \(recorded by hashpivot .*\) did not reproduce"):
        api.resimulate(dataclasses.replace(stored, summary=summary))
    # Recorded by the version running: the message points at the chain table; by another, at the version.
    with pytest.raises(StoreError, match=rf"this is {re.escape(__version__)}: the same version: was --data"):
        api.resimulate(dataclasses.replace(stored, summary=summary))
    older = dataclasses.replace(stored.info, version="0.0.1")
    with pytest.raises(StoreError, match=rf"recorded by hashpivot 0\.0\.1; this is {re.escape(__version__)}: "
                                         "another version's numbers"):
        api.resimulate(dataclasses.replace(stored, summary=summary, info=older))
