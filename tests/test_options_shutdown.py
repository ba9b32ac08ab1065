"""The value of an ASIC fleet's right to switch off at a loss, on the engine's paths (issue 15, point 4): on a
constant path it is the loss avoided, by hand; it is 0 when the fleet never loses money; it rises with the BTC
price's volatility (Yaish and Zohar, "Pricing ASICs for Cryptocurrency Mining", 2020)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hashpivot.analysis.options import value_shutdown
from hashpivot.cli.entry import app
from hashpivot.errors import InputError
from hashpivot.format import fmt_pct, fmt_usd
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import BTC_PER_DAY_PER_EHS, MINING_MW, base

# base(): 5 EH/s at 20 J/TH (100 MW) mining 3.9 BTC a day at 60,000 USD: 234,000 USD a day, i.e. break-even at
# 234,000 / (100 MW x 24 h) = 97.5 USD/MWh
REVENUE_USD_PER_DAY = 5.0 * BTC_PER_DAY_PER_EHS * 60_000.0


def scenario(power_usd_per_mwh: float, vol_per_sqrt_day: float = 0.0, n_paths: int = 3, **company):
    data = base(horizon_days=365, **company)
    data["run"]["n_paths"] = n_paths
    data["market"]["btc_price"]["vol_per_sqrt_day"] = vol_per_sqrt_day
    data["company"]["sites"][0]["power_price_usd_per_mwh"] = power_usd_per_mwh
    return from_dict(data, "shutdown option test")


def test_below_break_even_the_right_is_worth_the_loss_avoided():
    """At 120 USD/MWh the fleet loses 234,000 - 288,000 USD a day: always on it loses that every day of the year,
    switched off it earns nothing; undiscounted, the right is worth 365 days of the loss."""
    result = value_shutdown(scenario(120.0, contract_discount_rate_per_year=0.0))
    loss = MINING_MW * 24 * 120.0 - REVENUE_USD_PER_DAY
    assert result.with_option_usd == 0.0
    assert result.always_on_usd == pytest.approx(-365 * loss, rel=1e-9)
    assert result.value_usd == pytest.approx(365 * loss, rel=1e-9)
    assert result.used_frac == 1.0


def test_never_in_the_money_the_right_is_worth_nothing():
    """At 40 USD/MWh the fleet loses money only below 24,600 USD, a 59 % fall: at 1 % a day of volatility (19 % a
    year) that is 4.7 standard deviations within the year, so no path of 200 gets there; the fleet never switches
    off and both values are equal."""
    result = value_shutdown(scenario(40.0, vol_per_sqrt_day=0.01, n_paths=200))
    assert result.value_usd == 0.0 and result.used_frac == 0.0
    assert result.with_option_usd == result.always_on_usd > 0


def test_the_right_is_worth_more_when_the_price_is_more_volatile():
    """Near break-even (90 USD/MWh), a wider spread of BTC prices makes the days off worth more; on a constant
    price the fleet earns every day and the right is worth nothing."""
    values = [value_shutdown(scenario(90.0, vol, n_paths=200)) for vol in (0.0, 0.01, 0.02, 0.04)]
    assert values[0].value_usd == 0.0
    for low, high in zip(values, values[1:]):
        assert high.value_usd - low.value_usd > 3 * max(high.standard_error_usd, low.standard_error_usd)


def test_a_company_whose_machines_never_stop_is_refused():
    with pytest.raises(InputError, match="curtailable_frac"):
        value_shutdown(scenario(90.0, sites=[{"name": "s", "power_mw": 100.0, "power_price_usd_per_mwh": 90.0,
                                              "power_contract": "take_or_pay"}]))


def test_the_command_prints_json_and_refuses_mixed_flags():
    runner = CliRunner()
    ok = runner.invoke(app, ["option", "default", "--shutdown", "--paths", "32", "--json"])
    assert ok.exit_code == 0, ok.output
    out = json.loads(ok.output)
    assert out["value_usd"] == pytest.approx(out["with_option_usd"] - out["always_on_usd"])
    assert out["value_usd"] >= 0 and out["n_paths"] == 32
    text = runner.invoke(app, ["option", "default", "--shutdown", "--paths", "32"])
    assert text.exit_code == 0 and "value of the right" in text.output
    assert "over the run's 3,650 days" in " ".join(text.output.split())
    both = runner.invoke(app, ["option", "default", "--shutdown", "--convert-mw", "10"])
    assert both.exit_code == 2 and "--shutdown" in both.output
    # a conversion's options would be dropped unsaid with --shutdown: refused, each named
    from cli_helpers import assert_bad_input

    for flags in (["--lead-months", "3"], ["--term-years", "5"], ["--out", "somewhere"]):
        assert_bad_input(runner.invoke(app, ["option", "default", "--shutdown", *flags]), "--shutdown", flags[0])
    neither = runner.invoke(app, ["option", "default", "--window-months", "6"])
    assert neither.exit_code == 2 and "--convert-mw" in neither.output


def test_both_options_are_recorded_in_the_run_store():
    from hashpivot.io.store import RunStore

    runner = CliRunner()
    out = json.loads(runner.invoke(app, ["option", "default", "--shutdown", "--paths", "32", "--json"]).output)
    conv = json.loads(runner.invoke(app, ["option", "default", "--convert-mw", "50", "--window-months", "3",
                                          "--paths", "32", "--json"]).output)
    store = RunStore(out["store"])
    for result, metric, value in ((out, "option_value_usd", out["value_usd"]),
                                  (conv, "option_value_usd", conv["value_usd"]),
                                  (conv, "waiting_usd", conv["waiting_usd"])):
        summary = store.get_run(result["run_id"]).summary
        row = summary[summary["metric"] == metric]
        assert row["value"].tolist() == pytest.approx([value])
    assert "shutdown option" in store.get_run(out["run_id"]).info.name
    # runs show and runs diff give an option run's figures, each by the unit in its name
    shown = runner.invoke(app, ["runs", "show", str(out["run_id"]), "--store", out["store"]], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    rows = {r[0]: r[1] for r in ([c.strip() for c in line.split("│")[1:-1]] for line in shown.output.splitlines()
                                 if line.startswith("│"))}
    assert rows["option value [USD]"] == fmt_usd(out["value_usd"])
    assert rows["used [fraction]"] == fmt_pct(out["used_frac"])
    again = json.loads(runner.invoke(app, ["option", "default", "--shutdown", "--paths", "16", "--json"]).output)
    diff = runner.invoke(app, ["runs", "diff", str(out["run_id"]), str(again["run_id"]), "--store", out["store"]],
                         env={"COLUMNS": "120"})
    assert diff.exit_code == 0, diff.output
    changed = [line for line in diff.output.splitlines() if "option value [USD]" in line]
    assert len(changed) == 1 and fmt_usd(out["value_usd"]) in changed[0] and fmt_usd(again["value_usd"]) in changed[0]
    skipped = json.loads(runner.invoke(app, ["option", "default", "--shutdown", "--paths", "8", "--no-store",
                                             "--json"]).output)
    assert skipped["run_id"] is None
