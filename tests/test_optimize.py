"""Optimisation (issue 15, point 3): grid or TPE over decisions on common random numbers, the best with a paired
bootstrap interval against the runner-up, "within noise", constraints and infeasibility, the frontier.

The expected answers follow by hand from the scenarios of ``decision_helpers``: a lease paying ~29,600 USD per MW-day
beats a fleet earning ~1,300 (at most a few thousand on a boom path), so every MW goes to the lease; a 10 EH/s fleet
on a flat 600 EH/s network mines 1/60 of 144 x 365 blocks x 3.125 BTC = 2,737.5 BTC a year, less the share converted.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from decision_helpers import LEASE_TOML, holder_toml
from hashpivot import api
from hashpivot.analysis.optimize import Decision, Infeasible, frontier_mask, grid_decision
from hashpivot.cli import app
from hashpivot.cli.decide import parse_decision

#: The lease's margin per IT MW-day: 1,000 USD/kW-month x 1,000 kW x 12 months / 365 days x (1 - 10 % opex).
LEASE_MARGIN_USD_PER_MW_DAY = 1000.0 * 1000.0 * 12.0 / 365.0 * 0.9
#: BTC the whole fleet (10 of 600 EH/s) mines in 365 days: 144 blocks x 365 x 3.125 BTC / 60.
FLEET_BTC_PER_YEAR = 144 * 365 * 3.125 / 60.0


def test_every_mw_goes_to_an_ai_lease_that_beats_every_path_of_mining(tmp_path):
    (tmp_path / "lease").mkdir()
    scenario = holder_toml(tmp_path / "lease", n_paths=300, extra=LEASE_TOML)
    # The premise, checked on the paths themselves: mining's margin per MW-day stays below the lease's on every path.
    mining = api.sweep(str(holder_toml(tmp_path, n_paths=300)), axes={"company.debt_usd": [0.0]})
    assert np.nanmax(mining.dataset["mining_margin_usd_per_mw_day"].values) < LEASE_MARGIN_USD_PER_MW_DAY
    answer = api.optimize(str(scenario), decisions=[grid_decision("policy.capacity.mw", 25, 200, 25)],
                          objective="nav_usd:mean")
    assert answer.method == "grid" and len(answer.table) == 8
    assert answer.best == {"policy.capacity.mw": 200.0}  # the fleet's whole 10 EH/s x 20 J/TH = 200 MW
    assert answer.runner_up == {"policy.capacity.mw": 175.0}
    diff, low, high = answer.ci
    assert 0 < low <= diff <= high and not answer.within_noise
    # 25 MW more leased for 364 days earn about 25 x 364 x (29,589 - mining's ~1,300) USD: the difference's scale.
    assert 0.5 * 25 * 364 * LEASE_MARGIN_USD_PER_MW_DAY < diff < 25 * 365 * LEASE_MARGIN_USD_PER_MW_DAY


def test_a_constraint_on_mined_btc_picks_the_largest_lease_that_meets_it(tmp_path):
    # mined(mw) = 2,737.5 x (200 - mw) / 200 BTC: >= 1,300 BTC holds up to mw = 105 MW, so 100 MW on a 25 MW grid.
    scenario = holder_toml(tmp_path, n_paths=200, extra=LEASE_TOML)
    answer = api.optimize(str(scenario), decisions=[grid_decision("policy.capacity.mw", 25, 200, 25)],
                          objective="nav_usd:mean", constraints=["mined_btc:mean>=1300"])
    assert answer.best == {"policy.capacity.mw": 100.0}
    rows = answer.table.set_index("policy.capacity.mw")
    assert rows.loc[100.0, "mined_btc:mean>=1300"] == pytest.approx(FLEET_BTC_PER_YEAR * 0.5, rel=1e-9)
    assert rows.loc[200.0, "mined_btc:mean>=1300"] == 0.0  # every MW leased from day 1: nothing mined
    assert not rows.loc[125.0, "feasible"] and rows.loc[75.0, "feasible"]


def test_a_hedge_is_a_decision_like_any_other(tmp_path):
    """Hedge fields are decisions (issue 18, point 3). On the holder at a constant price (no volatility) hashprice is
    144 x 3.125 BTC x 60,000 USD / 600 EH/s = 45 USD/PH/day every day; a forward sold at 60 pays 15 USD per PH/s
    on each of its 300 covered days (days 2..301) in cash, so every 1,000 PH/s more sold adds 4.5 M USD to NAV."""
    forward = """
[[hedges]]
kind = "hashprice_forward"
name = "fwd"
notional_phs = 1000.0
strike_usd_per_ph_day = 60.0
start_day = 1
tenor_days = 300
"""
    scenario = holder_toml(tmp_path, n_paths=8, vol_per_sqrt_day=0.0, drift_per_day=0.0, extra=forward)
    answer = api.optimize(str(scenario), decisions=[grid_decision("hedges.fwd.notional_phs", 1000, 3000, 1000)],
                          objective="nav_usd:mean")
    assert answer.best == {"hedges.fwd.notional_phs": 3000.0}
    assert answer.runner_up == {"hedges.fwd.notional_phs": 2000.0}
    assert answer.ci[0] == pytest.approx(1000 * 15.0 * 300, rel=1e-9)


def test_a_kind_and_a_field_of_one_kind_are_crossed_into_the_candidates_that_exist(tmp_path):
    """policy.treasury.kind=sell_all,sell_above_average,hold_all crossed with threshold_ratio=1.2,2 (a field of
    sell_above_average only) is 1 + 2 + 1 = 4 candidates, not 6: the threshold is left out (NaN) where it does not
    apply; each candidate's mean NAV is its own run's; a field of none of the kinds is refused naming it."""
    import math

    from hashpivot.errors import InputError
    from hashpivot.scenarios.variants import with_values

    scenario = holder_toml(tmp_path, n_paths=64)
    decisions = [Decision("policy.treasury.kind", ("sell_all", "sell_above_average", "hold_all"), None, None, None),
                 Decision("policy.treasury.threshold_ratio", (1.2, 2.0), 1.2, 2.0, 0.8)]
    answer = api.optimize(str(scenario), decisions=decisions, objective="nav_usd:mean")
    assert len(answer.table) == 4
    kinds = answer.table["policy.treasury.kind"].tolist()
    assert sorted(kinds) == ["hold_all", "sell_above_average", "sell_above_average", "sell_all"]
    for _, row in answer.table.iterrows():
        values = {"policy.treasury.kind": row["policy.treasury.kind"]}
        if row["policy.treasury.kind"] == "sell_above_average":
            values["policy.treasury.threshold_ratio"] = row["policy.treasury.threshold_ratio"]
        else:
            assert math.isnan(row["policy.treasury.threshold_ratio"])
        one = with_values(api.load(str(scenario)), values, "separate")
        separate = api.run(one, policies=[one.policy.treasury.kind])
        assert row["mean"] == pytest.approx(float(separate.dataset["nav_usd"].values[0].mean()), rel=1e-12)
    with pytest.raises(InputError, match="policy.treasury.no_such_ratio"):
        api.optimize(str(scenario), decisions=[decisions[0], Decision("policy.treasury.no_such_ratio", (1.0, 2.0),
                                                                      1.0, 2.0, 1.0)], objective="nav_usd:mean")


def test_tpe_searches_a_space_bigger_than_the_budget_the_same_way_every_time(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=100, extra=LEASE_TOML)
    decisions = [grid_decision("policy.capacity.mw", 10, 200, 10), Decision("company.debt_rate_per_year", (0.0, 0.1))]
    first = api.optimize(str(scenario), decisions=decisions, objective="nav_usd:mean", budget=30, search_seed=3)
    again = api.optimize(str(scenario), decisions=decisions, objective="nav_usd:mean", budget=30, search_seed=3)
    assert first.method == "tpe" and len(first.table) <= 30
    assert first.table["candidate"].tolist() == again.table["candidate"].tolist()
    assert first.table["objective"].tolist() == again.table["objective"].tolist()
    assert first.best["policy.capacity.mw"] >= 190.0  # within one grid step of the optimum, 200 MW


def test_candidates_that_differ_only_by_noise_are_reported_within_noise(tmp_path):
    # With no debt, its rate pays nothing: every candidate has the same paths, and no winner can be named.
    scenario = holder_toml(tmp_path, n_paths=100)
    answer = api.optimize(str(scenario), decisions=[Decision("company.debt_rate_per_year", (0.0, 0.05, 0.1))],
                          objective="nav_usd:p50")
    assert answer.within_noise
    assert answer.table["within_noise_of_best"].all()
    assert any("within noise" in line for line in answer.lines())


def test_no_candidate_meeting_the_constraint_is_infeasible_naming_the_closest(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=50, extra=LEASE_TOML)
    with pytest.raises(Infeasible, match="mined_btc:mean>=5000") as caught:
        api.optimize(str(scenario), decisions=[grid_decision("policy.capacity.mw", 50, 200, 50)],
                     objective="nav_usd:mean", constraints=["mined_btc:mean>=5000"])
    # The fleet mines at most 2,737.5 BTC a year: the closest candidate converts the fewest MW.
    assert caught.value.closest["policy.capacity.mw"].tolist()[0] == 50.0


def test_the_frontier_keeps_the_candidates_no_other_beats_on_both_axes():
    mean = np.array([1.0, 2.0, 2.0, 3.0])
    cvar = np.array([0.5, 0.4, 0.3, -1.0])  # higher is better
    assert frontier_mask(mean, cvar, True).tolist() == [True, True, False, True]


@pytest.mark.parametrize(("text", "expected"), [
    ("a.b=1:2:0.5", (1.0, 1.5, 2.0)),
    ("a.b=0:1:0.3", (0.0, 0.3, 0.6, 0.9)),
    ("a.kind=x,y", ("x", "y")),
])
def test_decisions_parse_into_their_levels(text, expected):
    assert parse_decision(text).choices == expected


def test_the_optimize_command_prints_json_the_frontier_and_writes_its_report(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=60, extra=LEASE_TOML)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["optimize", str(scenario), "--decide", "policy.capacity.mw=50:200:50",
                                      "--objective", "nav_usd:mean", "--frontier", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["best"] == {"policy.capacity.mw": 200.0} and payload["method"] == "grid"
    assert payload["within_noise"] is False and payload["run_id"] is not None
    page = (out / "optimize.html").read_text()
    assert 'id="frontier"' in page and 'id="candidates"' in page
    text = CliRunner().invoke(app, ["optimize", str(scenario), "--decide", "policy.capacity.mw=50:200:50",
                                    "--frontier", "--no-store"], env={"COLUMNS": "160"})
    assert text.exit_code == 0 and "frontier" in text.stdout and "runner-up" in text.stdout
    # the frontier's two axes are in the table beside it, as the JSON has them
    from hashpivot.format import fmt_usd

    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in text.stdout.splitlines() if line.startswith("│")]
    by_mw = {float(r[0]): r for r in rows}
    for candidate in payload["candidates"]:
        row = by_mw[candidate["policy.capacity.mw"]]
        assert row[-3:] == [fmt_usd(candidate["mean"]), fmt_usd(candidate["cvar5"]),
                            "yes" if candidate["on_frontier"] else ""]


@pytest.mark.parametrize(("args", "words"), [
    (["--decide", "policy.capacity.nowhere=1:2:1"], ["nowhere", "allowed"]),
    (["--decide", "policy.capacity.mw=200:50:50"], ["--decide", "LOW < HIGH"]),
    (["--decide", "policy.capacity.mw"], ["--decide"]),
    (["--decide", "policy.capacity.mw=50:200:50", "--objective", "profit:mean"], ["--objective", "profit:mean"]),
    (["--decide", "policy.capacity.mw=50:200:50", "--constraint", "insolvency:probability<0.1"], ["--constraint"]),
    (["--decide", "policy.capacity.mw=50:200:50", "--constraint", "mined_btc:mean>=5000"],
     ["mined_btc:mean>=5000", "closest", "policy.capacity.mw=50"]),
    (["--decide", "policy.capacity.mw=50:200:50", "--budget", "0"], ["--budget"]),
    # an integer field on a fractional step: its rounded levels would be uneven (30, 38, 45, 52, 60 at 7.5)
    (["--decide", "policy.capacity.day=30:120:7.5"], ["day=30:120:7.5", "whole-number STEP", "day is an integer"]),
])
def test_bad_optimize_input_exits_2_with_one_sentence(tmp_path, args, words):
    scenario = holder_toml(tmp_path, n_paths=16, extra=LEASE_TOML)
    assert_bad_input(CliRunner().invoke(app, ["optimize", str(scenario), "--no-store", *args]), *words)


def test_a_value_no_candidate_validates_with_is_refused_and_a_combination_left_out_is_said(tmp_path):
    """A kind that does not exist (every candidate holding it fails) is bad input, before anything runs; a value
    that fails only beside another (200 MW converted from a 5 EH/s fleet, 5 x 20 J/TH = 100 MW) leaves that one
    candidate out, and the answer says so."""
    scenario = holder_toml(tmp_path, n_paths=16, extra=LEASE_TOML)
    assert_bad_input(CliRunner().invoke(app, ["optimize", str(scenario), "--no-store", "--decide",
                                              "policy.treasury.kind=hold_all,sell_monthly_production"]),
                     "--decide", "policy.treasury.kind=sell_monthly_production", "hold_all")
    answer = api.optimize(str(scenario), decisions=[grid_decision("policy.capacity.mw", 100, 200, 100),
                                                    grid_decision("company.fleets.fleet.hashrate_ehs", 5, 10, 5)],
                          objective="nav_usd:mean")
    assert len(answer.table) == 3
    assert [values for values, _ in answer.invalid] == [
        {"policy.capacity.mw": 200.0, "company.fleets.fleet.hashrate_ehs": 5.0}]
    assert answer.lines()[-1].startswith("1 candidate did not validate and was left out; the first, "
                                         "policy.capacity.mw=200, company.fleets.fleet.hashrate_ehs=5: ")


def test_a_tpe_search_is_recorded_as_one_run_of_every_candidate(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=32, extra=LEASE_TOML)
    result = CliRunner().invoke(app, ["optimize", str(scenario), "--decide", "policy.capacity.mw=10:200:10",
                                      "--decide", "company.debt_rate_per_year=0,0.1", "--budget", "20", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["method"] == "tpe"
    shown = CliRunner().invoke(app, ["runs", "show", str(payload["run_id"]), "--json"])
    assert shown.exit_code == 0, shown.output
    assert len(json.loads(shown.stdout)["run"]["policies"]) == payload["n_candidates"]


@pytest.mark.slow
def test_the_decision_tools_give_the_same_numbers_on_two_dask_workers(tmp_path):
    # Every tool runs through the sweep, whose paths draw from their own streams: a LocalCluster changes nothing.
    from hashpivot.parallel.executor import connect

    scenario = str(holder_toml(tmp_path, n_paths=40, extra=LEASE_TOML))
    decisions = [grid_decision("policy.capacity.mw", 50, 200, 50)]
    inputs = {"company.btc_held": None, "market.btc_price.vol_per_sqrt_day": None}
    here = api.optimize(scenario, decisions=decisions, objective="nav_usd:p50")
    tornado_here = api.sensitivity(scenario, inputs=inputs)[0][0].table
    with connect(workers=2) as client:
        there = api.optimize(scenario, decisions=decisions, objective="nav_usd:p50", client=client)
        tornado_there = api.sensitivity(scenario, inputs=inputs, client=client)[0][0].table
    assert there.table.equals(here.table) and there.ci == here.ci
    assert tornado_there.equals(tornado_here)


def test_a_budget_counts_the_candidates_evaluated_not_the_proposals(tmp_path):
    # an integer decision searched by TPE: two proposals rounding to one day were one candidate (budget 4, 3 run)
    scenario = holder_toml(tmp_path, n_paths=8, extra=LEASE_TOML)
    out = CliRunner().invoke(app, ["optimize", str(scenario), "--decide", "policy.capacity.day=30:120", "--budget",
                                   "4", "--no-store", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    days = [c["policy.capacity.day"] for c in payload["candidates"]]
    assert payload["method"] == "tpe" and payload["n_candidates"] == 4 and len(set(days)) == 4
