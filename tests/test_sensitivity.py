"""Sensitivity (issue 15, point 1): the tornado and Sobol indices, each one sweep on common random numbers.

Every expected figure is derived here: a GBM price's mean S0 exp(mu T) and its standard deviation, a holder's NAV
that moves by (BTC held) x (price) and by nothing else, and the Sobol indices of a metric that only one input moves.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from decision_helpers import holder_toml
from hashpivot import api
from hashpivot.analysis.decision_metric import PATH_STATS, paired_stat_difference, parse_metric, stat_value
from hashpivot.analysis.sensitivity import input_range, input_ranges, scenario_inputs
from hashpivot.cli import app
from hashpivot.errors import InputError

S0_USD, MU_PER_DAY, SIGMA_PER_SQRT_DAY, T_DAYS = 60_000.0, 0.0005, 0.03, 365


def test_the_btc_held_swing_is_the_moved_btc_times_the_mean_final_price(tmp_path):
    # NAV of a holder = BTC held x final price + what mining and cash add, and BTC held changes nothing else (hold_all,
    # no insolvency), so moving 10,000 BTC to 8,000 and 12,000 moves NAV by 4,000 x S_T on every path: the swing of
    # the mean is 4,000 x E[S_T] = 4,000 x S0 exp(mu T), with the standard error 4,000 sd(S_T) / sqrt(n) of GBM.
    n = 2000
    scenario = holder_toml(tmp_path, n_paths=n)
    tables, ranges, left_out, sweep = api.sensitivity(
        str(scenario), inputs={"company.btc_held": None, "company.debt_rate_per_year": (0.0, 0.2)})
    row = tables[0].table.set_index("input").loc["company.btc_held"]
    assert (row["low"], row["high"]) == (8000.0, 12000.0)
    mean_st = S0_USD * math.exp(MU_PER_DAY * T_DAYS)
    sd_st = mean_st * math.sqrt(math.exp(SIGMA_PER_SQRT_DAY**2 * T_DAYS) - 1.0)
    se = 4000.0 * sd_st / math.sqrt(n)
    assert abs(row["swing"] - 4000.0 * mean_st) < 4.0 * se
    assert row["swing_se"] == pytest.approx(se, rel=0.15)
    assert not row["within_noise"]
    # Each side moves by 2,000 x S_T: the low and high changes mirror each other path by path.
    assert row["high_delta"] == pytest.approx(-row["low_delta"], rel=1e-9)
    assert sweep.n_variants == 5 and left_out == []


def test_an_input_with_no_effect_is_within_noise_and_ranks_last(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=200)
    tables, *_ = api.sensitivity(str(scenario), metrics=["nav_usd:mean", "nav_usd:p50"],
                                 inputs={"company.debt_rate_per_year": (0.0, 0.2), "company.btc_held": None})
    for t in tables:
        assert t.table["input"].tolist() == ["company.btc_held", "company.debt_rate_per_year"]
        idle = t.table.iloc[1]
        assert idle["swing"] == 0.0 and idle["within_noise"]
        # the holder has no debt, so its rate is read nowhere: the metric is the base's on every path, at both ends
        assert idle["no_effect"] and not t.table.iloc[0]["no_effect"]


def test_the_terminal_names_the_inputs_of_no_effect_on_one_line_instead_of_rows_of_zeros(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=64)
    out = CliRunner().invoke(app, ["sensitivity", str(scenario), "--no-store", "--input", "company.btc_held",
                                   "--input", "company.debt_rate_per_year=0:0.2"], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    rows = [line for line in out.stdout.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in rows] == ["company.btc_held"]
    assert ("no effect on nav_usd:mean, the same on every path at both ends of its range (1 input): "
            "company.debt_rate_per_year") in " ".join(out.stdout.split())


def test_the_tornado_moves_every_input_the_scenario_sets_and_says_what_it_leaves_out(tmp_path):
    sc = api.load(str(holder_toml(tmp_path)))
    inputs = scenario_inputs(sc)
    assert "company.btc_held" in inputs and "market.btc_price.start_usd" in inputs
    assert not any(p.startswith("run.") for p in inputs)
    assert "company.debt_rate_per_year" not in inputs  # not set by the TOML
    ranges, left_out = input_ranges(sc)
    by = {r.path: r for r in ranges}
    # uptime 1.0 + 20 % leaves the field's bound [0, 1]: clipped to 1.0; the fleet fills only 200 of its 200 MW
    assert (by["company.fleets.fleet.uptime_frac"].low, by["company.fleets.fleet.uptime_frac"].high) == (0.8, 1.0)
    assert "clipped" in by["company.fleets.fleet.uptime_frac"].note
    why = dict(left_out)
    assert "base value is 0" in why["market.network_hashrate.growth_per_day"]  # 0 +- 20 % moves nothing
    assert "draw" in why["company.fleets.fleet.hashrate_ehs"]  # 12 EH/s x 20 J/TH = 240 MW > the site's 200
    assert "market.network_hashrate.growth_per_day" not in by


def test_an_integer_input_moves_by_whole_numbers():
    sc = api.load("default")
    r = input_range(sc, "market.network_hashrate.lag_days", 0.25)  # 90 -/+ 22.5 days
    assert (r.low, r.high) == (68, 112) and isinstance(r.low, int)


def test_a_named_input_that_cannot_move_is_refused():
    sc = api.load("default")
    with pytest.raises(InputError, match="growth_per_day"):
        input_ranges(sc, {"market.network_hashrate.growth_per_day": None})
    with pytest.raises(InputError, match="power_price_usd_per_mwh"):
        input_ranges(sc, {"company.sites.texas.power_price_usd_per_mwh": (-5.0, 50.0)})  # below its bound 0


def test_sobol_gives_the_only_input_that_matters_all_the_variance(tmp_path):
    # The holder's mean NAV moves with the BTC price on day 0 and with nothing else: the debt and the credit
    # facility are zero, so their rates pay nothing. The total index of the price is then 1 and the others' 0.
    scenario = holder_toml(tmp_path, n_paths=64)
    tables, ranges, _, sweep = api.sensitivity(
        str(scenario), sobol_n=128,
        inputs={"market.btc_price.start_usd": (40_000.0, 90_000.0), "company.debt_rate_per_year": (0.0, 0.2),
                "company.credit_rate_per_year": (0.0, 0.2)})
    table = tables[0].table.set_index("input")
    assert sweep.n_variants == 128 * (3 + 2)
    assert table.loc["market.btc_price.start_usd", "st"] > 0.9
    assert table.loc["company.debt_rate_per_year", "st"] < 0.05
    assert table.loc["company.credit_rate_per_year", "st"] < 0.05
    assert table.loc["market.btc_price.start_usd", "st_conf"] > 0  # an interval, not a point


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=5, max_size=60), st.floats(-1e3, 1e3), st.sampled_from(PATH_STATS))
def test_a_shift_on_every_path_is_the_paired_difference_of_every_stat(values, shift, stat):
    # stat(b + c) - stat(b) = c for a mean, a quantile and a tail mean alike; on common paths it has no noise.
    b = np.array(values)
    a = b + shift
    difference, se = paired_stat_difference(a, b, stat)
    assert difference == pytest.approx(shift, abs=1e-6 * (1 + np.abs(b).max()))
    assert se == pytest.approx(0.0, abs=1e-6 * (1 + np.abs(b).max()))


def test_a_quantile_reads_like_the_summary():
    values = np.arange(1.0, 101.0)  # numpy's linear quantile of 1..100 at 5 %: 1 + 0.05 x 99 = 5.95
    assert stat_value(values, "p5") == pytest.approx(5.95)
    assert stat_value(values, "cvar5") == pytest.approx(3.0)  # mean of 1..5
    assert stat_value(np.array([0.0, 1.0, 1.0, 0.0]), "probability") == 0.5


@pytest.mark.parametrize("text", ["nav:mean", "nav_usd:p42", "insolvency:mean", "btc_yield_frac:mean"])
def test_an_unknown_metric_is_refused_naming_what_is_allowed(text):
    with pytest.raises(InputError, match="allowed METRIC:STAT with METRIC one of nav_usd"):
        parse_metric(text)


# --- the command -----------------------------------------------------------------------------------------


def test_the_sensitivity_command_prints_json_writes_the_report_and_records_the_sweep(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=100)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sensitivity", str(scenario), "--input", "company.btc_held",
                                      "--input", "market.btc_price.start_usd=50000:70000", "--metric", "nav_usd:mean",
                                      "--metric", "insolvency:probability", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [r["metric"] for r in payload["results"]] == ["nav_usd:mean", "insolvency:probability"]
    rows = {r["input"]: r for r in payload["results"][0]["table"]}
    assert (rows["market.btc_price.start_usd"]["low"], rows["market.btc_price.start_usd"]["high"]) == (50000, 70000)
    assert payload["n_variants"] == 5 and payload["run_id"] is not None
    page = (out / "tornado.html").read_text()
    assert 'id="tornado-0"' in page and 'id="tornado-1"' in page and "hashpivot-figure" in page
    shown = CliRunner().invoke(app, ["runs", "show", str(payload["run_id"]), "--json"])
    assert shown.exit_code == 0, shown.output


def test_the_sobol_command_prints_its_indices(tmp_path):
    scenario = holder_toml(tmp_path, n_paths=32)
    result = CliRunner().invoke(app, ["sensitivity", str(scenario), "--sobol", "8", "--no-store",
                                      "--input", "market.btc_price.start_usd", "--input", "company.btc_held"])
    assert result.exit_code == 0, result.output
    assert "Sobol indices from 32 variants (N = 8)" in result.stdout


def test_the_same_sobol_run_gives_the_same_intervals(tmp_path):
    # SALib's bootstrap is seeded only by a seed that is not 0: the intervals were drawn anew on every call
    scenario = holder_toml(tmp_path, n_paths=16)
    inputs = {"market.btc_price.start_usd": (40_000.0, 90_000.0), "company.btc_held": (5_000.0, 15_000.0)}
    first, again = (api.sensitivity(str(scenario), sobol_n=8, inputs=inputs)[0][0].table for _ in range(2))
    pd.testing.assert_frame_equal(first, again)
    assert (first["s1_conf"] > 0).all()


def test_estimates_no_index_can_take_are_called_noise():
    from hashpivot.analysis.sensitivity import SOBOL_COLUMNS, Sobol, sobol_noise_line

    def table(s1, st):
        return Sobol(parse_metric("nav_usd:mean"), pd.DataFrame(
            [["a", 0, 1, s1, 0.5, st, 0.5], ["b", 0, 1, 0.0, 0.01, 0.0, 0.01]], columns=SOBOL_COLUMNS), 4, 16, 5, 1.0)

    assert sobol_noise_line(table(0.6, 0.7)) is None
    assert sobol_noise_line(table(-0.03, 0.02)) is None  # within 5 % of the variance: usual for an input of no weight
    for s1, st in ((1.216, 1.3), (0.155, 0.037), (-0.2, 0.1), (0.5, 1.2)):
        line = sobol_noise_line(table(s1, st))
        assert line is not None and line.startswith("Not yet an answer: a has") and "N = 4 or of 5 paths" in line


@pytest.mark.parametrize(("args", "words"), [
    (["--input", "company.sites.nowhere.power_price_usd_per_mwh"], ["nowhere", "allowed"]),
    (["--input", "company.btc_held=9000:8000"], ["--input", "LOW < HIGH"]),
    (["--input", "company.btc_held=a:b"], ["--input", "two numbers"]),
    (["--metric", "nav:mean"], ["--metric", "nav:mean", "nav_usd"]),
    (["--range", "lots"], ["--range", "lots"]),
    (["--range", "0%"], ["--range"]),
    (["--sobol", "10"], ["--sobol", "power of two"]),
    (["--input", "company.name"], ["company.name", "not a number"]),
])
def test_bad_sensitivity_input_exits_2_with_one_sentence(tmp_path, args, words):
    scenario = holder_toml(tmp_path, n_paths=16)
    assert_bad_input(CliRunner().invoke(app, ["sensitivity", str(scenario), "--no-store", *args]), *words)


def test_a_sweep_over_a_field_named_like_a_result_variable_runs(tmp_path):
    # company.btc_held's last key is also a per-path result (btc_held): its coordinate takes a longer name.
    result = api.sweep(str(holder_toml(tmp_path, n_paths=16)), axes={"company.btc_held": [9000.0, 11000.0]})
    assert result.axes == {"company.btc_held": "company_btc_held"}
    assert result.dataset["company_btc_held"].values.tolist() == [9000.0, 11000.0]
