"""The option to convert MW to an AI lease, priced on the engine's paths (issue 15, point 4): where mining earns
nothing, converting at once is worth the lease's discounted net rent less its capex, summed here month by month;
a lease that never pays is worth nothing; the option is never worth less than converting now."""

from __future__ import annotations

import pytest

from hashpivot.analysis.options import ConversionTerms, value_conversion
from hashpivot.errors import InputError
from hashpivot.scenarios.toml import from_dict, load_preset
from hashpivot.scenarios.variants import with_values
from tests.test_capacity import base

RATE = 0.0775  # the company's default contract discount rate [1/year]


def idle_miner(horizon_days: int = 730):
    """A 100 MW fleet at 1,000 USD/MWh: below break-even every day, so economic shutdown keeps it off and its
    mining margin is 0 on every path; no overheads, so nothing else moves."""
    data = base(horizon_days=horizon_days)
    data["run"]["n_paths"] = 40
    data["company"]["sites"][0]["power_price_usd_per_mwh"] = 1000.0
    return from_dict(data, "option test")


def test_where_mining_earns_nothing_converting_now_is_worth_the_lease_less_its_capex():
    terms = ConversionTerms(rate_usd_per_kw_month=100.0, escalator_frac_per_year=0.03, term_years=3.0,
                            opex_frac_of_revenue=0.1, capex_usd_per_mw=1e6, pue_ratio=1.25)
    option = value_conversion(idle_miner(), 50.0, 6, lead_months=4, terms=terms)
    monthly = 1.0775 ** (1 / 12) - 1
    rent = 50.0 / 1.25 * 1_000 * 100.0 * 0.9  # net USD/month in the lease's first year
    # months 4 .. 39 of the run pay (36 months from the lead), the escalator stepping every 12 of them; months after
    # the run's last month count discounted to it, then to month 0: the same as discounting each to month 0
    by_hand = sum(rent * 1.03 ** ((m - 4) // 12) / (1 + monthly) ** m for m in range(4, 40)) - 50.0 / 1.25 * 1e6
    assert option.n_months < 40  # part of the term lies beyond the horizon
    assert option.convert_now_usd == pytest.approx(by_hand, rel=1e-9)
    assert option.value_usd == pytest.approx(by_hand, rel=1e-9)
    assert option.waiting_usd == pytest.approx(0.0, abs=1e-6 * by_hand)
    assert option.lsm.exercise_date_counts().tolist()[0] == 40


def test_a_lease_that_never_pays_back_is_worth_nothing():
    terms = ConversionTerms(1.0, 0.0, 1.0, 0.1, 20e6, 1.0)
    option = value_conversion(idle_miner(), 50.0, 6, lead_months=0, terms=terms)
    assert option.value_usd == 0.0 and option.lsm.exercise_probability() == 0.0
    assert option.convert_now_usd < 0


def test_the_option_is_worth_at_least_converting_now():
    sc = with_values(load_preset("default"), {"run.n_paths": 400, "run.horizon_days": 1095}, "option test")
    for rate in (40.0, 121.5):
        option = value_conversion(sc, 200.0, 24, terms=ConversionTerms(rate, 0.0, 12.0, 0.1, 2e6, 1.0))
        assert option.value_usd >= max(option.convert_now_usd, 0.0) - 1e-6 * abs(option.convert_now_usd)


@pytest.mark.parametrize(("mw", "window", "field"), [(1e4, 6, "convert_mw"), (50.0, 400, "window_months"),
                                                      (-1.0, 6, "convert_mw")])
def test_bad_input_names_the_field(mw, window, field):
    with pytest.raises(InputError, match=field):
        value_conversion(idle_miner(), mw, window)


def test_a_horizon_without_a_whole_month_has_no_window():
    # 30 days are 0.99 of a month (365.25 / 12 = 30.44 days): no window of 1 month fits; 31 days hold one
    short = idle_miner().model_copy(update={"run": idle_miner().run.model_copy(update={"horizon_days": 30})})
    with pytest.raises(InputError, match=r"run\.horizon_days=30 is invalid: allowed at least 31 days"):
        value_conversion(short, 10.0, 1)


def test_the_command_prints_json_and_refuses_bad_flags():
    import json

    from typer.testing import CliRunner

    from hashpivot.cli.entry import app

    runner = CliRunner()
    ok = runner.invoke(app, ["option", "default", "--convert-mw", "100", "--window-months", "6", "--paths", "64",
                             "--json"])
    assert ok.exit_code == 0, ok.output
    out = json.loads(ok.output)
    assert out["value_usd"] >= out["convert_now_usd"] - 1e-6 * abs(out["convert_now_usd"])
    assert len(out["exercise_months"]) == 6 and out["n_paths"] == 64
    for flags, named in ((["--convert-mw", "5000"], "--convert-mw"), (["--window-months", "999"], "--window-months"),
                         (["--capex-usd-per-mw", "-1"], "--capex-usd-per-mw"),
                         (["--rate-usd-per-kw-month", "0"], "--rate-usd-per-kw-month")):
        args = {"--convert-mw": "100", "--window-months": "6"} | dict(zip(flags[::2], flags[1::2], strict=True))
        bad = runner.invoke(app, ["option", "default", "--paths", "64", *sum(args.items(), ())])
        assert bad.exit_code == 2, bad.output
        assert named in bad.output and "allowed" in bad.output and "Traceback" not in bad.output
    # without a conversion: both missing options named at once, and the example given runs
    from cli_helpers import assert_bad_input

    line = assert_bad_input(runner.invoke(app, ["option", "default", "--paths", "64"]),
                            "--convert-mw MW, --window-months N required", "--shutdown")
    assert "--convert-mw 50 --window-months 24" in line
    assert_bad_input(runner.invoke(app, ["option", "default", "--convert-mw", "50"]), "--window-months N required")
