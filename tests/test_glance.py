"""The answer at a glance (issue 16, point 1): the best policy under an insolvency limit with its paired record
and sign test, "within noise" when the lead is under two standard errors, and why failing paths fail, on small
hand-built results whose every figure is counted here."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from cli_helpers import assert_bad_input, small_scenario_toml
from typer.testing import CliRunner

from hashpivot.analysis.glance import glance
from hashpivot.cli import app


def _result(nav_by_policy: dict[str, list[float]], insolvent_day_by_policy: dict[str, list[int]],
            margin_by_policy: dict[str, list[float]], fixed_opex_usd_per_day=5_000.0, debt_usd=0.0,
            debt_rate_per_year=0.0, mining_mw=100.0):
    """A result-like object: per-path NAV (shares = 1), insolvency days and mining margins [USD/MW-day] (revenue
    = margin x 10 MW-days, opex 0), its tidy summary of the rows glance reads, and a company stub."""
    policies = list(nav_by_policy)
    n = len(next(iter(nav_by_policy.values())))
    mw_days = np.full((len(policies), n), 10.0)
    margin = np.array([margin_by_policy[p] for p in policies])
    ds = xr.Dataset({
        "nav_usd": (("policy", "path"), np.array([nav_by_policy[p] for p in policies], dtype=float)),
        "shares": (("policy", "path"), np.ones((len(policies), n))),
        "insolvent_day": (("policy", "path"), np.array([insolvent_day_by_policy[p] for p in policies])),
        "mining_revenue_usd": (("policy", "path"), margin * mw_days),
        "mining_opex_usd": (("policy", "path"), np.zeros_like(margin)),
        "mining_mw_days": (("policy", "path"), mw_days),
        "mining_margin_usd_per_mw_day": (("policy", "path"), margin * mw_days / mw_days),
    }, coords={"policy": policies, "path": np.arange(n)})
    rows = []
    for i, p in enumerate(policies):
        days = np.array(insolvent_day_by_policy[p])
        rows.append((p, "insolvency", "probability", float(np.mean(days >= 0))))
        for stat, q in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
            rows.append((p, "mining_margin_usd_per_mw_day", stat, float(np.quantile(margin[i], q))))
    summary = pd.DataFrame(rows, columns=["policy", "metric", "stat", "value"])
    company = SimpleNamespace(fixed_opex_usd_per_day=fixed_opex_usd_per_day, debt_usd=debt_usd,
                              debt_rate_per_year=debt_rate_per_year, mining_mw=mining_mw)
    return SimpleNamespace(dataset=ds, summary=summary, scenario=SimpleNamespace(company=company))


def test_best_policy_within_the_limit_with_its_paired_record_and_within_noise():
    # 10 paths. "risky" ends highest everywhere but fails on 1 path of 10 (10 % > the 5 % limit): excluded.
    # "b" beats "c" on paths 0-6 and loses on 7-9: 7 wins, 3 losses, z = (7 - 3) / sqrt(10) = 1.26 < 2: noise.
    nav = {"risky": [100.0] * 10, "b": [2.0] * 7 + [1.0] * 3, "c": [1.0] * 7 + [2.0] * 3}
    days = {"risky": [-1] * 9 + [400], "b": [-1] * 10, "c": [-1] * 10}
    margin = {p: [50.0] * 10 for p in nav}
    g = glance(_result(nav, days, margin), insolvency_limit_frac=0.05)
    assert g.candidates == ["b", "c"]
    assert g.best == "b"
    assert (g.lead.runner_up, g.lead.wins, g.lead.losses) == ("c", 7, 3)
    assert g.lead.win_frac == pytest.approx(0.7, rel=1e-12)
    assert g.lead.z == pytest.approx(4 / math.sqrt(10), rel=1e-12)
    assert g.lead.within_noise
    assert "within noise" in g.best_line() and "b (P(insolvent) 0.0 %)" in g.best_line()
    # At a 10 % limit "risky" is a candidate: its NAV of 100 beats b's and c's (1 or 2) on all 10 paths.
    loose = glance(_result(nav, days, margin), insolvency_limit_frac=0.10)
    assert loose.best == "risky"
    # Its record against either rival: 10 ahead, 0 behind; z = 10 / sqrt(10) = 3.16 >= 2.
    assert (loose.lead.wins, loose.lead.losses) == (10, 0)
    assert not loose.lead.within_noise


def test_a_lead_beyond_noise_on_enough_paths():
    # 100 paths: b ahead on 70, behind on 30: z = 40 / sqrt(100) = 4 >= 2.
    nav = {"b": [2.0] * 70 + [1.0] * 30, "c": [1.0] * 70 + [2.0] * 30}
    days = {p: [-1] * 100 for p in nav}
    g = glance(_result(nav, days, {p: [10.0] * 100 for p in nav}))
    assert g.lead.z == pytest.approx(4.0, rel=1e-12)
    assert not g.lead.within_noise
    assert "a lead beyond noise" in g.best_line()


def test_no_policy_within_the_limit_names_the_least_insolvent_and_why_its_paths_fail():
    # 4 paths each. "x" fails on 2 (50 %), "y" on 1 (25 %): no candidate under 5 %; y is the least insolvent.
    nav = {"x": [1.0, 1.0, 0.0, 0.0], "y": [1.0, 1.0, 1.0, 0.0]}
    days = {"x": [-1, -1, 300, 500], "y": [-1, -1, -1, 730]}
    # y's failing path earned 20 USD/MW-day, its surviving paths 200, 300, 400 (median 300).
    margin = {"x": [100.0] * 4, "y": [200.0, 300.0, 400.0, 20.0]}
    # Overheads: (5,000 USD/day fixed + 36.5 M USD debt x 10 %/year / 365) / 100 MW = (5,000 + 10,000) / 100
    # = 150 USD/MW-day.
    r = _result(nav, days, margin, fixed_opex_usd_per_day=5_000.0, debt_usd=36.5e6, debt_rate_per_year=0.10)
    g = glance(r)
    assert g.best is None and g.least_insolvent == "y"
    assert g.best_line().startswith("Best policy: none keeps the chance of insolvency at or below 5.0 %")
    assert "y at 25.0 %" in g.best_line()
    f = g.failure
    assert (f.policy, f.insolvent_frac, f.median_day) == ("y", 0.25, 730.0)
    assert f.margin_failing_usd_per_mw_day == pytest.approx(20.0, rel=1e-12)
    assert f.margin_surviving_usd_per_mw_day == pytest.approx(300.0, rel=1e-12)
    assert f.overheads_usd_per_mw_day == pytest.approx(150.0, rel=1e-12)
    assert math.isnan(f.btc_price_change_at_failure_frac)  # no stored paths in this result
    # Day 730 is in year 3 (days 730-1094): floor(730 / 365) + 1.
    assert "by day 730 (year 3)" in g.failure_line()
    # What a MW earns is read under the least insolvent policy: y's median margin (200, 300, 400, 20) = 250.
    assert g.margins.iloc[0]["usd_per_mw_day"] == pytest.approx(250.0, rel=1e-12)
    assert g.margin_line().startswith("What a MW earns: mining 250 USD/MW-day (91.2 k USD/MW-year")  # 250 x 365


@pytest.fixture
def small_scenario(tmp_path):
    """The default preset shortened to one year, as a TOML file."""
    return small_scenario_toml(tmp_path)


def test_compare_opens_with_the_answer_and_json_carries_it(small_scenario, tmp_path):
    runner = CliRunner()
    base = ["compare", str(small_scenario), "--paths", "40", "--no-store", "--policy", "sell_all",
            "--policy", "hold_all", "--insolvency-limit", "0.5"]
    text = runner.invoke(app, [*base, "--out", str(tmp_path / "rep")], env={"COLUMNS": "80"})
    assert text.exit_code == 0, text.output
    first = text.stdout.lstrip().splitlines()[0]
    assert first.startswith("What a MW earns: mining ")
    assert "the median over 40 paths" in text.stdout
    assert "Best policy under an insolvency limit of 50.0 %" in text.stdout
    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert page.index('id="answer"') < page.index('id="scenario"') < page.index('id="summary"')
    assert "Best policy under an insolvency limit of 50.0 %" in page
    payload = json.loads(runner.invoke(app, [*base, "--json"]).stdout)
    assert payload["glance"]["insolvency_limit_frac"] == 0.5
    assert payload["glance"]["best"] in ("sell_all", "hold_all")
    assert payload["glance"]["lines"][0].startswith("What a MW earns")


def test_an_insolvency_limit_outside_0_1_is_bad_input(small_scenario):
    result = CliRunner().invoke(app, ["compare", str(small_scenario), "--paths", "40", "--insolvency-limit", "1.5"])
    assert_bad_input(result, "--insolvency-limit", "1.5", "[0, 1]")
    as_pct = CliRunner().invoke(app, ["compare", str(small_scenario), "--paths", "40", "--insolvency-limit", "150%"])
    assert_bad_input(as_pct, "--insolvency-limit='150%'", "0 % to 100 %")


def test_an_insolvency_limit_in_percent_is_the_same_limit(small_scenario):
    args = ["compare", str(small_scenario), "--paths", "40", "--no-store", "--json", "--insolvency-limit"]
    pct, frac = (json.loads(CliRunner().invoke(app, [*args, v]).stdout)["glance"] for v in ("50%", "0.5"))
    assert pct == frac and pct["insolvency_limit_frac"] == 0.5


def test_what_the_answer_hangs_on_is_read_from_the_runs_paths():
    from hashpivot.analysis.glance import assumptions

    # 3 stored paths over 2 years (day 0 and day 730): the BTC price from 100 to 50, 200 or 400 USD, the network
    # hashrate from 500 to 500, 720 or 1,000 EH/s; sites of 100 MW at 40 and 300 MW at 60 USD/MWh.
    ds = xr.Dataset({
        "monthly_btc_price_usd": (("sample", "date"), np.array([[100.0, 50.0], [100.0, 200.0], [100.0, 400.0]])),
        "monthly_network_hashrate_ehs": (("sample", "date"), np.array([[500.0, 500.0], [500.0, 720.0],
                                                                     [500.0, 1000.0]])),
    }, coords={"day": ("date", [0, 730]), "sample": np.arange(3), "date": np.arange(2)})
    sites = [SimpleNamespace(power_mw=100.0, power_price_usd_per_mwh=40.0),
             SimpleNamespace(power_mw=300.0, power_price_usd_per_mwh=60.0)]
    a = assumptions(ds, SimpleNamespace(company=SimpleNamespace(sites=sites)))
    assert a.years == 2.0
    assert (a.btc_price_start_usd, a.btc_price_end_median_usd) == (100.0, 200.0)
    # numpy's linear quantiles of (50, 200, 400): p5 = 50 + 0.1 x 150 = 65, p95 = 200 + 0.9 x 200 = 380
    assert a.btc_price_end_p5_usd == pytest.approx(65.0, rel=1e-12)
    assert a.btc_price_end_p95_usd == pytest.approx(380.0, rel=1e-12)
    assert a.btc_price_growth_frac_per_year == pytest.approx(2 ** 0.5 - 1, rel=1e-12)  # doubling in 2 years
    assert a.hashrate_growth_frac_per_year == pytest.approx(0.2, rel=1e-12)  # 720 / 500 = 1.44 = 1.2^2
    assert a.power_price_usd_per_mwh == pytest.approx((100 * 40 + 300 * 60) / 400, rel=1e-12)  # 55
    assert a.line().startswith("It hangs on: the BTC price (median path 100 to 200 USD in 2.0 years, +41.4 % a year")


def test_a_horizon_under_a_year_says_the_change_over_it_not_a_rate_a_year():
    from hashpivot.analysis.glance import assumptions

    # 30 days: the price from 100 to 105 (median), the hashrate from 500 to 510: +5.0 % and +2.0 % over them
    # (a rate a year would read +81 % and +27 %)
    ds = xr.Dataset({
        "monthly_btc_price_usd": (("sample", "date"), np.array([[100.0, 95.0], [100.0, 105.0], [100.0, 120.0]])),
        "monthly_network_hashrate_ehs": (("sample", "date"), np.array([[500.0, 505.0], [500.0, 510.0],
                                                                     [500.0, 520.0]])),
    }, coords={"day": ("date", [0, 30]), "sample": np.arange(3), "date": np.arange(2)})
    sites = [SimpleNamespace(power_mw=100.0, power_price_usd_per_mwh=40.0)]
    line = assumptions(ds, SimpleNamespace(company=SimpleNamespace(sites=sites))).line()
    assert "100 to 105 USD in 30 days, +5.0 % over them;" in line
    assert "500 to 510 EH/s, +2.0 % over them)" in line and "a year" not in line


def test_an_ai_segment_the_best_policy_does_not_run_is_read_from_the_first_plan_that_runs_it():
    from hashpivot.analysis.glance import _margins_of
    from hashpivot.analysis.per_mw import RUN_MARGIN_COLUMNS

    nan = float("nan")
    margins = pd.DataFrame([("a", "mining", 100.0, 36_500.0, 1.0, 2.0), ("b", "mining", 90.0, 32_850.0, 1.0, 2.0),
                            ("a", "gpu_cloud", nan, nan, nan, nan), ("b", "gpu_cloud", 500.0, 182_500.0, 4.0, 5.0)],
                           columns=RUN_MARGIN_COLUMNS)
    rows = _margins_of(margins, "a", ["a", "b"])
    assert rows[["policy", "segment", "usd_per_mw_day"]].values.tolist() == [["a", "mining", 100.0],
                                                                            ["b", "gpu_cloud", 500.0]]


@pytest.mark.parametrize(("failing_paths", "where"), [(0, "within"), (1, "above")])
def test_a_run_of_one_policy_says_where_it_stands_against_the_limit_and_ranks_nothing(failing_paths, where):
    # 10 paths of one policy; 1 failing is 10 %, above the 5 % limit.
    days = {"solo": [-1] * (10 - failing_paths) + [400] * failing_paths}
    g = glance(_result({"solo": [1.0] * 10}, days, {"solo": [50.0] * 10}), insolvency_limit_frac=0.05)
    share = "0.0 %" if failing_paths == 0 else "10.0 %"
    assert g.best_line().startswith(f"Policy: solo (P(insolvent) {share}), {where} the insolvency limit of 5.0 %; "
                                    "the only policy of this run, so nothing is ranked (compare it with others to "
                                    "rank it).")
    # 1 of 10: 0.05 from the limit, under 2 x sqrt(0.1 x 0.9 / 10) = 0.19, so not settled; 0 of 10: settled.
    assert ("lies within 2 standard errors" in g.best_line()) == (failing_paths == 1)


def test_a_share_of_insolvent_paths_within_two_standard_errors_of_the_limit_says_it_is_not_settled():
    # 100 paths. "near" fails on 4: p = 0.04, standard error sqrt(0.04 x 0.96 / 100) = 0.0196; the 5 % limit is
    # 0.01 away, under 2 x 0.0196 = 0.039: not settled. "safe" fails on none: standard error 0, settled.
    nav = {"near": [2.0] * 100, "safe": [1.0] * 100}
    days = {"near": [-1] * 96 + [400] * 4, "safe": [-1] * 100}
    g = glance(_result(nav, days, {p: [10.0] * 100 for p in nav}), insolvency_limit_frac=0.05)
    assert g.best == "near"
    assert g.best_line().endswith(" Its 4.0 % lies within 2 standard errors (2.0 % each, on 100 paths) of the "
                                  "limit: more paths would settle which side of it the policy is on.")
    assert g.near_limit("safe") == ""
    # At a 15 % limit, 0.11 away from 0.04 (over 0.039): settled, and the line says nothing of it.
    assert "standard errors" not in glance(_result(nav, days, {p: [10.0] * 100 for p in nav}),
                                           insolvency_limit_frac=0.15).best_line()
    # Above the limit, the least insolvent policy the same way: 6 of 100 against 5 % (0.01 < 2 x 0.0237).
    over = glance(_result({"x": [1.0] * 100}, {"x": [-1] * 94 + [300] * 6}, {"x": [10.0] * 100}), 0.05)
    assert over.best is None and "Its 6.0 % lies within 2 standard errors (2.4 % each" in over.best_line()
