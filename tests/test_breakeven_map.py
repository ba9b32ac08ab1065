"""Break-even maps (issue 15, point 2, the maps): the sign of a metric, or of its difference against an alternative,
over a grid of two inputs, and the frontier where it crosses zero.

The closed form checked against: a fleet's break-even power price is hashprice x 1e6 / (J/TH x 24) (PUE 1, no pool
fee; formulas.breakeven), and in a market without noise (zero volatility and drift, a flat network on its
difficulty, no fees) hashprice is 144 x 3.125 x S0 / 600e6 TH/s, so the frontier is power price = S0 / 640 at 20 J/TH.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from decision_helpers import holder_toml
from hashpivot import api
from hashpivot.analysis.breakeven_map import grid_axis, zero_crossings
from hashpivot.cli import app
from hashpivot.formulas.breakeven import breakeven_power_price_with_opex_usd_per_mwh
from hashpivot.formulas.mining import hashprice_usd_per_th_day

X = ("market.btc_price.start_usd", 30_000.0, 150_000.0, 9)  # 15,000 USD apart
Y = ("company.sites.main.power_price_usd_per_mwh", 20.0, 140.0, 13)  # 10 USD/MWh apart


def test_the_simulated_frontier_lies_on_the_closed_form_break_even_power_price(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=8, drift_per_day=0.0, vol_per_sqrt_day=0.0, hashrate_vol=0.0)
    result, _ = api.breakeven_map(str(scenario), x=X, y=Y, metric="mining_margin_usd_per_mw_day:mean")
    step_y = 10.0
    checked = 0
    for s0 in result.x.values:
        closed = float(breakeven_power_price_with_opex_usd_per_mwh(hashprice_usd_per_th_day(s0, 600.0, 3.125, 0.0),
                                                                    20.0))
        assert closed == pytest.approx(s0 / 640.0, rel=1e-12)  # the hand form of the docstring above
        simulated = result.frontier_at(s0)
        if 20.0 < closed < 140.0:
            assert simulated is not None and abs(simulated - closed) < step_y
            checked += 1
        else:
            assert simulated is None  # no sign change inside the grid
    assert checked >= 4
    # Below the frontier mining pays: at 20 USD/MWh every cell is positive (30,000 / 640 = 47 > 20); at 140 USD/MWh
    # the cells whose break-even S0 / 640 lies below 140 are negative, the others (S0 > 89,600) positive.
    grid = result.grid()
    assert (grid[:, 0] > 0).all()
    x = np.array(result.x.values)
    assert ((grid[:, -1] < 0) == (x / 640.0 < 140.0)).all()


def test_a_map_against_another_policy_takes_the_difference_path_by_path(tmp_path):
    # Against hold_all, the scenario's own policy (hold_all as well, under another name) never differs: every cell
    # is exactly zero and within noise.
    scenario = holder_toml(tmp_path, n_paths=20)
    text = scenario.read_text().replace('kind = "hold_all"', 'kind = "hold_all"\nname = "keep"')
    scenario.write_text(text)
    result, sweeps = api.breakeven_map(str(scenario), x=("company.btc_held", 5000, 15000, 3),
                                       y=("company.sites.main.power_price_usd_per_mwh", 30, 50, 3),
                                       metric="nav_usd:mean", against="hold_all")
    assert len(sweeps) == 1 and (result.cells["difference"] == 0.0).all()
    assert (result.cells["decision"] == "within noise").all()


def test_a_map_against_a_variant_shows_where_selling_beats_holding(tmp_path):
    # Against the same company selling every BTC it mines each day, holding wins on NAV exactly when the price
    # drifts up: with drift +0.002/day and no volatility every path ends above where it sold.
    scenario = holder_toml(tmp_path, n_paths=4, drift_per_day=0.002, vol_per_sqrt_day=0.0)
    result, sweeps = api.breakeven_map(str(scenario), x=("market.btc_price.start_usd", 40000, 80000, 3),
                                       y=("company.sites.main.power_price_usd_per_mwh", 30, 50, 3),
                                       metric="nav_usd:mean", against=("policy.treasury.kind", "sell_all"))
    assert len(sweeps) == 2
    assert (result.cells["decision"] == "scenario").all()


def test_zero_crossings_interpolate_between_the_cells_whose_signs_differ():
    assert zero_crossings([0.0, 10.0, 20.0], np.array([5.0, -5.0, -10.0])) == [5.0]
    assert zero_crossings([0.0, 10.0, 20.0], np.array([5.0, 0.0, -10.0])) == [10.0]
    assert zero_crossings([0.0, 10.0], np.array([1.0, 2.0])) == []


def test_cells_at_zero_cross_only_where_the_answer_changes():
    # a metric at 0 on every cell (no insolvent path anywhere) flips nowhere: every cell was listed as frontier
    assert zero_crossings([20.0, 70.0, 120.0], np.zeros(3)) == []
    # a run of zeros between a positive and a negative cell: one crossing, at its middle
    assert zero_crossings([0.0, 10.0, 20.0, 30.0], np.array([5.0, 0.0, 0.0, -5.0])) == [15.0]
    # a probability leaving 0: where it leaves; one that touches 0 and rises again: both ends of the touch
    assert zero_crossings([0.0, 10.0, 20.0, 30.0], np.array([0.0, 0.0, 0.2, 0.4])) == [10.0]
    assert zero_crossings([0.0, 10.0, 20.0, 30.0], np.array([0.3, 0.0, 0.0, 0.1])) == [10.0, 20.0]
    assert zero_crossings([0.0, 10.0, 20.0], np.array([0.3, 0.0, 0.1])) == [10.0]
    # a cell without a value neither crosses nor borders
    assert zero_crossings([0.0, 10.0, 20.0], np.array([np.nan, 0.0, 0.0])) == []


def test_an_integer_axis_takes_whole_distinct_points():
    assert grid_axis("market.network_hashrate.lag_days", 0, 3, 7, is_int=True).values == (0, 1, 2, 3)


def test_the_breakeven_command_prints_the_map_json_and_its_report(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=4, drift_per_day=0.0, vol_per_sqrt_day=0.0)
    out = tmp_path / "out"
    args = ["breakeven", str(scenario), "--x", "market.btc_price.start_usd=30000:90000:4",
            "--y", "company.sites.main.power_price_usd_per_mwh=20:140:7"]
    result = CliRunner().invoke(app, [*args, "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["cells"]) == 28 and payload["run_id"] is not None
    assert payload["frontier_y"][0][0] == 30000.0
    assert abs(payload["frontier_y"][0][1] - 30000.0 / 640.0) < 20.0  # one grid step (120 / 6)
    page = (out / "breakeven.html").read_text()
    assert 'id="map"' in page and "frontier (value = 0)" in page
    text = CliRunner().invoke(app, [*args, "--no-store"])
    assert text.exit_code == 0 and "frontier (x, y where it crosses 0)" in text.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--x", "company.sites.nowhere.power_price_usd_per_mwh=20:80:5", "--y", "company.btc_held=1:2:2"],
     ["nowhere", "allowed"]),
    (["--x", "company.btc_held=9000:8000:3", "--y", "company.cash_usd=1:2:2"], ["--x", "LOW < HIGH"]),
    (["--x", "company.btc_held=1:2", "--y", "company.cash_usd=1:2:2"], ["--x", "PATH=LOW:HIGH:N"]),
    (["--x", "company.btc_held=1:2:1", "--y", "company.cash_usd=1:2:2"], ["N from 2"]),
    (["--x", "company.btc_held=1:2:2", "--y", "company.cash_usd=1:2:2", "--metric", "profit"], ["--metric"]),
    (["--x", "company.btc_held=1:2:2", "--y", "company.btc_held=1:2:2"], ["--y", "other than --x"]),
])
def test_bad_breakeven_input_exits_2_with_one_sentence(tmp_path, args, words):
    scenario = holder_toml(tmp_path, n_paths=4)
    assert_bad_input(CliRunner().invoke(app, ["breakeven", str(scenario), "--no-store", *args]), *words)
