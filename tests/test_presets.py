"""Presets of issue 5: the six miners of the seed article at two dates each (point 1) and the 2026-2030 bull,
base and bear outlooks (point 5).

Every preset loads and runs 1,000 paths with the accounting checks on; every company fact carries its
``# source:`` or ``# assumption:``; each company preset follows its strategy from the article; the latest
presets' market facts are the chain table's on their start date."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashpivot.engine.run import simulate
from hashpivot.policies.capacity import ColocationLease, GpuCloud, SiteLease
from hashpivot.scenarios.schema import Scenario
from hashpivot.scenarios.toml import PRESET_PACKAGE, from_dict, load_preset, preset_names

COMPANIES = ("mara", "riot", "hut8", "hive", "corz", "iren")
#: CleanSpark (issue 14) has a halving preset only: it publishes monthly and holds its BTC.
HALVING_ONLY = ("clsk",)
COMPANY_PRESETS = [f"{company}_{when}" for company in COMPANIES for when in ("2024q2", "latest")] + [
    f"{company}_2024q2" for company in HALVING_ONLY]
OUTLOOKS = ("outlook_bull", "outlook_base", "outlook_bear")
N_PATHS = 1000
SHORT_HORIZON_DAYS = 365
HALVING_DATE = dt.date(2024, 4, 20)
HALVING_HEIGHT = 840_000
LATEST_DATE = dt.date(2025, 9, 30)
DIFFICULTY_TO_EHS = 2**32 / 600 / 1e18  # hashrate implied by a difficulty [EH/s per unit of difficulty]


def _preset_text(name: str) -> str:
    return resources.files(PRESET_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def _clamp_days(node: Any, horizon_days: int) -> None:
    """Move every plan ``day`` and note ``issue_day`` after ``horizon_days`` onto the last day, in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("day", "issue_day") and isinstance(value, int):
                node[key] = min(value, horizon_days)
            else:
                _clamp_days(value, horizon_days)
    elif isinstance(node, list):
        for item in node:
            _clamp_days(item, horizon_days)


def _with_run(name: str, horizon_days: int | None = None) -> Scenario:
    """The preset with 1,000 paths and, when given, a shorter horizon."""
    data = load_preset(name).model_dump(mode="python", exclude_none=True)
    data["run"]["n_paths"] = N_PATHS
    data["run"]["chunk_paths"] = N_PATHS
    data["run"]["store_paths"] = 200
    if horizon_days is not None:
        data["run"]["horizon_days"] = horizon_days
        _clamp_days(data, horizon_days)
    return from_dict(data, f"preset {name}")


def _check_run(scenario: Scenario) -> None:
    result = simulate(scenario, check_invariants=True)
    n_combos = len(scenario.capacity_policies()) * len(scenario.treasury_policies())
    assert len(result.policies) == n_combos
    nav = result.dataset["nav_usd"].values
    assert nav.shape == (n_combos, N_PATHS)
    assert np.isfinite(nav).all()
    assert np.isfinite(result.dataset["btc_held"].values).all()
    assert (result.dataset["mined_btc"].values >= 0).all()


# --- every preset runs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_runs_a_year_of_1000_paths(name):
    _check_run(_with_run(name, SHORT_HORIZON_DAYS))


@pytest.mark.slow
@pytest.mark.parametrize("name", preset_names())
def test_every_preset_runs_its_full_horizon(name):
    _check_run(_with_run(name))


def test_the_issue_presets_are_shipped():
    assert set(COMPANY_PRESETS) | set(OUTLOOKS) <= set(preset_names())


# --- company facts carry their sources --------------------------------------------------------------------


def _number_lines_without_source(text: str) -> list[str]:
    """``key = number`` lines under ``[company...]`` tables whose comment names neither a source nor an
    assumption."""
    missing = []
    table = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[]").strip()
            continue
        if not table.startswith("company") or "=" not in stripped or stripped.startswith("#"):
            continue
        key, rest = stripped.split("=", 1)
        value, _, comment = rest.partition("#")
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
        is_number = isinstance(parsed, int | float) and not isinstance(parsed, bool)
        if is_number and "source:" not in comment and "assumption:" not in comment:
            missing.append(f"[{table}] {key.strip()}")
    return missing


@pytest.mark.parametrize("name", COMPANY_PRESETS)
def test_every_company_fact_names_its_source_or_assumption(name):
    assert _number_lines_without_source(_preset_text(name)) == []


def test_the_source_check_catches_a_bare_number():
    text = '[company]\nbtc_held = 5.0   # source: a report\n\n[[company.fleets]]\nhashrate_ehs = 3.0\nname = "x"\n'
    assert _number_lines_without_source(text) == ["[company.fleets] hashrate_ehs"]
    assert _number_lines_without_source("[run]\nn_paths = 1000\n") == []


# --- the article's strategies -----------------------------------------------------------------------------


def _projects(plan) -> list:
    return [step.project for step in plan.steps()]


@pytest.mark.parametrize("when", ["2024q2", "latest"])
def test_marathon_holds_and_buys_with_convertible_notes(when):
    scenario = load_preset(f"mara_{when}")
    assert scenario.policy.treasury.kind == "buy_with_convertible"
    assert "hold_all" in [p.kind for p in scenario.treasury_policies()]


@pytest.mark.parametrize("when", ["2024q2", "latest"])
def test_riot_holds_and_compares_leasing_corsicana_to_ai(when):
    scenario = load_preset(f"riot_{when}")
    assert scenario.policy.treasury.kind == "hold_all"
    leases = [p for plan in scenario.compare_capacity for p in _projects(plan) if isinstance(p, SiteLease)]
    assert leases and "corsicana" in {s.name for s in scenario.company.sites}


@pytest.mark.parametrize("when", ["2024q2", "latest"])
def test_hut8_keeps_80_percent_of_mining_and_runs_1000_h100(when):
    scenario = load_preset(f"hut8_{when}")
    assert scenario.company.ownership_frac["mining"] == 0.8
    (step,) = scenario.policy.capacity.steps()
    assert isinstance(step.project, GpuCloud) and step.project.gpu_model == "H100 SXM"
    assert step.mw * step.project.n_gpus_per_grid_mw == pytest.approx(1000, rel=0.01)
    assert step.project.contract_years <= 5.0


@pytest.mark.parametrize("when", ["2024q2", "latest"])
def test_hive_sells_part_of_its_btc_to_fund_gpus(when):
    scenario = load_preset(f"hive_{when}")
    assert scenario.policy.treasury.kind == "sell_fraction"
    assert 0.0 < scenario.policy.treasury.sell_frac < 1.0
    assert any(isinstance(p, GpuCloud) for p in _projects(scenario.policy.capacity))


@pytest.mark.parametrize("when", ["2024q2", "latest"])
def test_core_scientific_hosts_coreweave(when):
    scenario = load_preset(f"corz_{when}")
    leases = [p for p in _projects(scenario.policy.capacity) if isinstance(p, ColocationLease)]
    assert leases and all(p.term_years == 12.0 for p in leases)
    # 3.5 B USD for 200 MW and 8.7 B USD for 500 MW over 12 years: about 121 USD/kW-month
    assert all(115.0 < p.rate_usd_per_kw_month < 125.0 for p in leases)
    assert scenario.policy.treasury.kind == "sell_all"


@pytest.mark.parametrize("when", ["2024q2", "latest"])
def test_iren_sells_all_and_builds_a_gpu_cloud(when):
    scenario = load_preset(f"iren_{when}")
    assert scenario.policy.treasury.kind == "sell_all"
    assert scenario.company.btc_held == 0.0
    assert any(isinstance(p, GpuCloud) for p in _projects(scenario.policy.capacity))


def test_cleanspark_holds_what_it_mines_and_publishes_monthly():
    scenario = load_preset("clsk_2024q2")
    assert scenario.policy.treasury.kind == "hold_all"
    assert scenario.company.btc_held > 0
    assert len(scenario.company.reported_production) >= 3


# --- dates, runs and market facts -------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMPANY_PRESETS)
def test_company_presets_run_1000_paths_over_five_years(name):
    run = load_preset(name).run
    assert run.n_paths == N_PATHS and run.horizon_days == 5 * 365


@pytest.mark.parametrize("company", COMPANIES + HALVING_ONLY)
def test_halving_presets_start_at_block_840000_on_the_default_market(company):
    scenario = load_preset(f"{company}_2024q2")
    default = load_preset("default")
    assert (scenario.run.start_date, scenario.run.start_height) == (HALVING_DATE, HALVING_HEIGHT)
    assert scenario.market.model_copy(update={"gpu_rent": default.market.gpu_rent}) == default.market


@pytest.mark.parametrize("company", COMPANIES)
def test_latest_presets_share_one_start_and_market(company):
    scenario = load_preset(f"{company}_latest")
    reference = load_preset("mara_latest")
    assert scenario.run.start_date == LATEST_DATE
    assert scenario.run.start_height == reference.run.start_height
    assert scenario.market.model_copy(update={"gpu_rent": reference.market.gpu_rent}) == reference.market


@pytest.mark.parametrize("name", COMPANY_PRESETS)
def test_reported_production_is_monthly_in_the_replay_window(name):
    months = [r.month for r in load_preset(name).company.reported_production]
    assert len(set(months)) == len(months) == len(sorted(months))
    # The replay window after the halving; HIVE's last monthly updates (2023-09..2024-01) test the replay against
    # reports on the pre-halving chain.
    assert all("2024-05" <= m <= "2025-12" or (name == "hive_2024q2" and "2023-09" <= m <= "2024-01") for m in months)


@pytest.mark.parametrize("company", ["mara", "riot", "iren"])
def test_monthly_publishers_hold_at_least_three_months(company):
    assert len(load_preset(f"{company}_latest").company.reported_production) >= 3


def _chain(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, parse_dates=["date"]).set_index("date")


def _height_at(chain: pd.DataFrame, day: dt.date) -> int:
    """Height at the start of ``day``: block 840,000 plus the blocks of 2024-04-20 .. the day before."""
    before = chain.loc[pd.Timestamp(HALVING_DATE) : pd.Timestamp(day) - pd.Timedelta(days=1), "block_count"]
    return HALVING_HEIGHT + int(before.sum())


@pytest.mark.shared_data
def test_latest_market_facts_are_the_chain_tables(shared_csv):
    chain = _chain(shared_csv)
    market = load_preset("mara_latest").market
    day = pd.Timestamp(LATEST_DATE)
    prior_30 = chain.loc[day - pd.Timedelta(days=30) : day - pd.Timedelta(days=1)]
    prior_90 = chain.loc[day - pd.Timedelta(days=90) : day - pd.Timedelta(days=1)]
    fees_per_block = prior_90["fees_btc"] / prior_90["block_count"]
    assert market.btc_price.start_usd == pytest.approx(chain.loc[day, "price_usd"], abs=0.01)
    assert market.network_hashrate.start_ehs == pytest.approx(prior_30["hashrate_ehs"].mean(), abs=0.05)
    assert market.difficulty.start_ehs == pytest.approx(chain.loc[day, "difficulty_mean"] * DIFFICULTY_TO_EHS, abs=0.05)
    assert market.fees.median_btc_per_block == pytest.approx(fees_per_block.median(), abs=5e-5)
    assert market.fees.vol_log == pytest.approx(np.log(fees_per_block).std(), abs=0.005)
    assert load_preset("mara_latest").run.start_height == _height_at(chain, LATEST_DATE)


@pytest.mark.shared_data
def test_outlooks_start_from_the_last_chain_day(shared_csv):
    chain = _chain(shared_csv)
    last = chain.index[-1]
    height_last = _height_at(chain, last.date())
    prior_30 = chain.loc[last - pd.Timedelta(days=30) : last - pd.Timedelta(days=1), "hashrate_ehs"]
    days_to_start = (dt.date(2026, 1, 1) - last.date()).days
    for name in OUTLOOKS:
        scenario = load_preset(name)
        assert scenario.run.start_date == dt.date(2026, 1, 1)
        assert scenario.run.start_height == height_last + chain.loc[last, "block_count"] + 144 * (days_to_start - 1)
        assert scenario.market.btc_price.start_usd == pytest.approx(chain.loc[last, "price_usd"], abs=0.01)
        assert scenario.market.network_hashrate.start_ehs == pytest.approx(prior_30.mean(), abs=0.05)
        assert scenario.market.difficulty.start_ehs == pytest.approx(
            chain.loc[last, "difficulty_mean"] * DIFFICULTY_TO_EHS, abs=0.05
        )


# --- the 2026-2030 outlooks -------------------------------------------------------------------------------


def test_outlooks_cover_2026_to_2030_on_the_default_company():
    default = load_preset("default")
    for name in OUTLOOKS:
        scenario = load_preset(name)
        end = scenario.run.start_date + dt.timedelta(days=scenario.run.horizon_days)
        assert end >= dt.date(2030, 12, 31)
        assert scenario.company == default.company
        assert [p.kind for p in scenario.treasury_policies()] == [p.kind for p in default.treasury_policies()]


def test_outlooks_differ_only_in_the_market():
    base = load_preset("outlook_base")
    for name in ("outlook_bull", "outlook_bear"):
        other = load_preset(name)
        assert other.company == base.company and other.run.model_copy(update={"seed": base.run.seed}) == base.run
        assert other.market.network_hashrate == base.market.network_hashrate
        assert other.market.btc_price != base.market.btc_price


def test_outlook_prices_rank_bull_over_base_over_bear():
    """Median BTC price and hashprice at the end of 2030 on 1,000 paths; the gaps are many standard errors wide."""
    medians = {}
    for name in OUTLOOKS:
        result = simulate(_with_run(name), check_invariants=True)
        price = result.dataset["monthly_btc_price_usd"].isel(date=-1).values
        hashprice = result.dataset["monthly_hashprice_usd_per_th_day"].isel(date=-1).values
        medians[name] = (float(np.median(price)), float(np.median(hashprice)))
    start = load_preset("outlook_base").market.btc_price.start_usd
    assert medians["outlook_bull"][0] > 2 * medians["outlook_base"][0] > 2 * start
    assert medians["outlook_bear"][0] < start
    assert medians["outlook_bull"][1] > medians["outlook_base"][1] > medians["outlook_bear"][1]
