"""Debt that matures and its covenants (issue 13, point 6): hand calculations on the deterministic one-path
company of ``test_engine_properties`` (BTC price 60,000 x e^(0.001 t), hashrate 600 x e^(0.001 t) EH/s,
``hold_all``: cash moves by the day's operating flow, the hand-derived ``OPERATING``, and by the debt alone), the
packing of tranches and covenants, and bad input.

Day 0 is the preset's start date, 2024-04-20: a maturity on 2024-04-23 is day 3."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashpivot.engine.debt import (
    COVENANT_COLUMNS,
    DEBT_COLUMNS,
    MAX_LEVERAGE,
    NOTE,
    TERM_LOAN,
    pack_covenants,
    pack_debt,
)
from hashpivot.errors import ScenarioError
from hashpivot.scenarios.toml import from_dict
from test_engine_properties import (
    COMPANY,
    FLEETS,
    INTEREST,
    OPERATING,
    deterministic,
    fleet_resale_by_hand,
    mined_by_hand,
    power_by_hand,
    price,
    run,
)

START = "2024-04-20"
DEBT_VARS = ("tranche_debt_usd", "tranche_interest_usd", "tranche_repaid_usd", "refinance_count",
             "covenant_breaches", "first_breach_day", "debt_insolvent_day", "insolvent_day", "cash_usd", "btc_held",
             "debt_usd", "nav_usd", "sold_btc")


def day(n: int) -> str:
    """The calendar date of day ``n`` from 2024-04-20 (April has 30 days). [date]"""
    import datetime as dt

    return (dt.date(2024, 4, 20) + dt.timedelta(days=n)).isoformat()


def with_debt(days: int, debt: list[dict], covenants: list[dict] | None = None, treasury: dict | None = None,
              **company) -> dict:
    data = deterministic(days, treasury or {"kind": "hold_all"}, **company)
    assert str(data["run"]["start_date"]) == START
    data["company"]["debt"] = debt
    data["company"]["covenants"] = covenants or []
    return data


def final(data: dict) -> dict[str, float]:
    ds = run(data).dataset.isel(policy=0, path=0)
    return {name: float(ds[name]) for name in DEBT_VARS}


def btc_by_hand(t: int) -> float:
    """BTC held at the end of day ``t`` under hold_all with no sale: day 0's plus each day's production. [BTC]"""
    return COMPANY["btc_held"] + sum(mined_by_hand(u) for u in range(1, t + 1))


def note(principal: float, rate: float, maturity: int, **extra) -> dict:
    return {"name": "note", "kind": "note", "principal_usd": principal, "rate_per_year": rate,
            "maturity_date": day(maturity), **extra}


# ------------------------------------------------------------------------------------------ maturities

def test_a_bullet_note_is_repaid_from_cash_on_its_maturity_day():
    """A 10 M USD note at 6 % maturing on day 3: interest 10e6 x 0.06 / 365 a day on days 1-3, then on day 3 cash
    drops by the principal exactly (the company holds 50 M USD and never sells BTC for it)."""
    interest = 10e6 * 0.06 / 365.0
    before, on = (final(with_debt(n, [note(10e6, 0.06, 3)])) for n in (2, 3))
    assert before["cash_usd"] == pytest.approx(COMPANY["cash_usd"] + 2 * (OPERATING - interest), rel=1e-12)
    assert before["tranche_debt_usd"] == 10e6 and before["tranche_repaid_usd"] == 0.0
    assert on["cash_usd"] - before["cash_usd"] == pytest.approx(OPERATING - interest - 10e6, rel=1e-12)
    assert on["tranche_debt_usd"] == 0.0 and on["tranche_repaid_usd"] == 10e6
    assert on["tranche_interest_usd"] == pytest.approx(3 * interest, rel=1e-12)
    assert on["sold_btc"] == 0.0 and on["btc_held"] == pytest.approx(btc_by_hand(3), rel=1e-12)
    # NAV counts the note while it is outstanding: BTC x price + cash - straight debt - note (+ the fleets at their
    # resale value, test_engine_properties.fleet_resale_by_hand).
    assert before["debt_usd"] == COMPANY["debt_usd"] + 10e6
    assert before["nav_usd"] == pytest.approx(btc_by_hand(2) * price(2) + before["cash_usd"] - COMPANY["debt_usd"]
                                              - 10e6 + fleet_resale_by_hand(2), rel=1e-12)
    assert on["insolvent_day"] == -1 and on["debt_insolvent_day"] == -1


def test_a_term_loan_amortises_on_the_straight_line_to_its_maturity():
    """3.65 M USD maturing on day 5 with no amortisation stated: 3.65e6 / 5 = 730,000 USD of principal a day;
    interest at 10 % on each day's opening principal (3.65, 2.92, 2.19 M USD on days 1-3)."""
    loan = {"name": "tl", "kind": "term_loan", "principal_usd": 3.65e6, "rate_per_year": 0.10,
            "maturity_date": day(5)}
    got = final(with_debt(3, [loan]))
    interest = 0.10 / 365.0 * (3.65e6 + 2.92e6 + 2.19e6)
    assert got["tranche_debt_usd"] == pytest.approx(3.65e6 - 3 * 730_000.0, rel=1e-12)
    assert got["tranche_repaid_usd"] == pytest.approx(3 * 730_000.0, rel=1e-12)
    assert got["tranche_interest_usd"] == pytest.approx(interest, rel=1e-12)
    assert got["cash_usd"] == pytest.approx(COMPANY["cash_usd"] + 3 * OPERATING - interest - 3 * 730_000.0,
                                            rel=1e-12)
    # A stated amortisation: 20 % of the principal a year is 3.65e6 x 0.2 / 365 = 2,000 USD a day.
    got = final(with_debt(3, [{**loan, "amortization_frac_per_year": 0.2}]))
    assert got["tranche_debt_usd"] == pytest.approx(3.65e6 - 3 * 2_000.0, rel=1e-12)


def raisable_on_day_2(principal: float, rate: float) -> float:
    """What the company can pay on day 2 (no facility): its cash after two days of operations and interest, plus
    its BTC (day 0's and two days' production) at day 2's price. [USD]"""
    cash = COMPANY["cash_usd"] + 2 * (OPERATING - principal * rate / 365.0)
    return cash + btc_by_hand(2) * price(2)


def test_a_note_it_cannot_repay_or_refinance_makes_the_path_insolvent_on_its_maturity_day():
    """200 M USD due on day 2 against about 50 M USD of cash and 1,035 BTC (62 M USD): no spread is stated, so it
    cannot be refinanced; every BTC is sold and cash stays at what they raised less the principal."""
    raisable = raisable_on_day_2(200e6, 0.05)
    assert raisable < 200e6
    got = final(with_debt(4, [note(200e6, 0.05, 2)]))
    assert got["insolvent_day"] == 2 and got["debt_insolvent_day"] == 2
    assert got["btc_held"] == 0.0
    assert got["cash_usd"] == pytest.approx(raisable - 200e6, rel=1e-12)
    assert got["refinance_count"] == 0


def test_a_refinanced_note_pays_the_rate_plus_the_spread_after_its_maturity():
    """With ``on_maturity = "refinance"`` the whole 200 M USD rolls on day 2 at 5 % + 3 %: interest is
    200e6 x 0.05 / 365 on days 1-2 and 200e6 x 0.08 / 365 on days 3-4, and no BTC is sold."""
    refi = note(200e6, 0.05, 2, refinance_spread_per_year=0.03, on_maturity="refinance")
    got = final(with_debt(4, [refi]))
    interest = 200e6 * (2 * 0.05 + 2 * 0.08) / 365.0
    assert got["tranche_interest_usd"] == pytest.approx(interest, rel=1e-12)
    day_4 = final(with_debt(4, [refi]))["tranche_interest_usd"] - final(with_debt(3, [refi]))["tranche_interest_usd"]
    assert day_4 == pytest.approx(200e6 * (0.05 + 0.03) / 365.0, rel=1e-12)
    assert got["refinance_count"] == 1 and got["tranche_debt_usd"] == 200e6
    assert got["cash_usd"] == pytest.approx(COMPANY["cash_usd"] + 4 * OPERATING - interest, rel=1e-12)
    assert got["sold_btc"] == 0.0 and got["insolvent_day"] == -1


def test_repay_first_repays_what_it_can_and_refinances_the_rest():
    """``on_maturity = "repay"`` (the default): on day 2 the company pays all it can raise (cash, then every BTC),
    and only the rest, 200e6 - raisable, is refinanced."""
    raisable = raisable_on_day_2(200e6, 0.05)
    got = final(with_debt(2, [note(200e6, 0.05, 2, refinance_spread_per_year=0.03)]))
    assert got["tranche_debt_usd"] == pytest.approx(200e6 - raisable, rel=1e-12)
    assert got["tranche_repaid_usd"] == pytest.approx(raisable, rel=1e-12)
    assert got["refinance_count"] == 1 and got["insolvent_day"] == -1
    assert got["btc_held"] == pytest.approx(0.0, abs=1e-9) and got["cash_usd"] == pytest.approx(0.0, abs=1e-3)


# ------------------------------------------------------------------------------------------- covenants

def liquidity_by_hand(t: int, fixed_opex: float) -> float:
    """Cash + BTC x price at the end of day ``t`` under hold_all with ``fixed_opex`` a day (no tranche interest).
    [USD]"""
    operating = -power_by_hand() - fixed_opex - INTEREST
    return COMPANY["cash_usd"] + t * operating + btc_by_hand(t) * price(t)


def test_min_liquidity_breaches_on_the_test_day_the_hand_calculation_says():
    """3 M USD of overheads a day drain liquidity by about 2.7 M USD a day; tested every 2 days (days 2, 4, 6),
    a threshold between day 2's liquidity and day 4's is first breached on day 4, and on day 6 again."""
    fixed = 3e6
    l2, l4, l6 = (liquidity_by_hand(t, fixed) for t in (2, 4, 6))
    assert l6 < l4 < l2
    threshold = 0.5 * (l2 + l4)
    covenant = {"metric": "min_liquidity_usd", "threshold": threshold, "test_every_days": 2}
    debt = [note(1e6, 0.0, 100)]
    got = final(with_debt(5, debt, [covenant], fixed_opex_usd_per_day=fixed))
    assert got["first_breach_day"] == 4 and got["covenant_breaches"] == 1
    got = final(with_debt(7, debt, [covenant], fixed_opex_usd_per_day=fixed))
    assert got["first_breach_day"] == 4 and got["covenant_breaches"] == 2
    # Just under day 4's liquidity: no breach (a test that could not fail would pass here too).
    got = final(with_debt(5, debt, [{**covenant, "threshold": l4 * (1 - 1e-9)}], fixed_opex_usd_per_day=fixed))
    assert got["first_breach_day"] == -1 and got["covenant_breaches"] == 0
    # No debt outstanding: nothing to test.
    got = final(with_debt(5, [], [covenant], fixed_opex_usd_per_day=fixed, debt_usd=0.0))
    assert got["covenant_breaches"] == 0


def test_max_leverage_is_net_debt_over_the_annualised_trailing_margin():
    """Tested on day 2: net debt = 100 M USD straight + 10 M USD note - cash; the margin of days 1-2 (BTC mined x
    the day's price - power - overheads) x 365 / 2. A threshold just above the ratio holds; just below breaches."""
    debt = [note(10e6, 0.0, 100)]
    margin = sum(mined_by_hand(t) * price(t) - power_by_hand() - COMPANY["fixed_opex_usd_per_day"] for t in (1, 2))
    cash = COMPANY["cash_usd"] + 2 * OPERATING
    ratio = (COMPANY["debt_usd"] + 10e6 - cash) / (margin * 365.0 / 2.0)
    assert 0 < ratio < 100
    for factor, breaches in ((1 + 1e-9, 0), (1 - 1e-9, 1)):
        covenant = {"metric": "max_leverage", "threshold": ratio * factor, "test_every_days": 2}
        got = final(with_debt(3, debt, [covenant]))
        assert got["covenant_breaches"] == breaches, factor


def test_a_breach_blocks_refinancing_and_acceleration_makes_the_debt_due():
    """The refinanceable 200 M USD note of above, with a liquidity covenant no company meets: on the maturity day
    the covenant is tested, fails, and the note cannot roll, so the path fails that day. With ``on_breach =
    "accelerate"`` a 10 M USD note due on day 100 is repaid on the first failed test (day 2) with the straight debt:
    cash drops by both on that day."""
    impossible = {"metric": "min_liquidity_usd", "threshold": 1e12, "test_every_days": 50}
    refi = note(200e6, 0.05, 2, refinance_spread_per_year=0.03, on_maturity="refinance")
    got = final(with_debt(3, [refi], [impossible]))
    assert got["first_breach_day"] == 2 and got["refinance_count"] == 0
    assert got["insolvent_day"] == 2 and got["debt_insolvent_day"] == 2

    accelerate = {"metric": "min_liquidity_usd", "threshold": 1e12, "test_every_days": 2, "on_breach": "accelerate"}
    small = [note(10e6, 0.0, 100)]
    before, on = (final(with_debt(n, small, [accelerate], debt_usd=20e6)) for n in (1, 2))
    operating = -power_by_hand() - COMPANY["fixed_opex_usd_per_day"] - 20e6 * COMPANY["debt_rate_per_year"] / 365.0
    assert before["tranche_debt_usd"] == 10e6 and before["debt_usd"] == 30e6
    assert on["cash_usd"] - before["cash_usd"] == pytest.approx(operating - 10e6 - 20e6, rel=1e-12)
    assert on["debt_usd"] == 0.0 and on["tranche_repaid_usd"] == 30e6 and on["first_breach_day"] == 2
    assert on["insolvent_day"] == -1


def test_a_scenario_without_debt_reports_no_breach_and_no_refinancing():
    got = final(deterministic(3, {"kind": "hold_all"}))
    assert got["first_breach_day"] == -1 and got["debt_insolvent_day"] == -1
    assert got["tranche_debt_usd"] == 0.0 and got["covenant_breaches"] == 0 and got["refinance_count"] == 0


# -------------------------------------------------------------------------------------------- packing

def test_tranches_and_covenants_pack_into_their_columns():
    data = with_debt(10, [note(5e6, 0.07, 44, refinance_spread_per_year=0.02),
                          {"name": "tl", "kind": "term_loan", "principal_usd": 7.3e6, "rate_per_year": 0.1,
                           "maturity_date": day(730), "amortization_frac_per_year": 0.25,
                           "on_maturity": "refinance"}],
                     [{"metric": "max_leverage", "threshold": 4.0}])
    data["run"]["horizon_days"] = 800
    scenario = from_dict(data)
    rows = [dict(zip([n for n, _ in DEBT_COLUMNS], row, strict=True)) for row in pack_debt(scenario)]
    assert rows[0]["kind"] == NOTE and rows[0]["maturity_day"] == 44 and rows[0]["amortization_usd_per_day"] == 0
    assert rows[0]["can_refinance"] == 1 and rows[0]["refinance_spread_per_year"] == 0.02
    assert rows[0]["refinance_term_days"] == 3 * 365 and rows[0]["refinance_first"] == 0
    assert rows[1]["kind"] == TERM_LOAN and rows[1]["maturity_day"] == 730
    assert rows[1]["amortization_usd_per_day"] == pytest.approx(7.3e6 * 0.25 / 365.0, rel=1e-15)
    assert rows[1]["can_refinance"] == 0 and rows[1]["refinance_first"] == 1
    cov = dict(zip([n for n, _ in COVENANT_COLUMNS], pack_covenants(scenario)[0], strict=True))
    # A quarter by default: 365 / 4 = 91.25, tested every 91 days.
    assert cov == {"metric": MAX_LEVERAGE, "threshold": 4.0, "test_every_days": math.floor(365 / 4),
                   "accelerate": 0.0}


# ------------------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize(("edit", "words"), [
    (lambda d: d["company"].update(covenants=[{"threshold": 1e6}]),
     ("company.covenants", "no metric", "min_liquidity_usd", "max_leverage")),
    (lambda d: d["company"].update(covenants=[{"metric": "ebitda", "threshold": 1e6}]),
     ("company.covenants.0.metric", "'ebitda'", "min_liquidity_usd")),
    (lambda d: d["company"].update(debt=[note(1e6, 0.05, 10) | {"maturity_date": "2024-01-31"}]),
     ("company.debt.note.maturity_date=2024-01-31", "run.start_date=2024-04-20")),
    (lambda d: d["company"].update(debt=[note(1e6, 0.05, 0)]), ("maturity_date=2024-04-20", "after")),
    (lambda d: d["company"].update(debt=[note(-5.0, 0.05, 10)]), ("company.debt.0.principal_usd", "-5")),
    (lambda d: d["company"].update(debt=[note(1e6, 0.05, 10, amortization_frac_per_year=0.1)]),
     ("amortization_frac_per_year=0.1", "note")),
    (lambda d: d["company"].update(debt=[note(1e6, 0.05, 10), note(2e6, 0.05, 20)]),
     ("company.debt", "unique")),
])
def test_bad_debt_is_refused_naming_the_field_the_value_and_what_is_allowed(edit, words):
    data = deterministic(10, {"kind": "hold_all"})
    edit(data)
    with pytest.raises(ScenarioError) as err:
        from_dict(data, "bad debt")
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_every_default_leaves_debt_off():
    scenario = from_dict(deterministic(3, {"kind": "hold_all"}))
    assert scenario.company.debt == [] and scenario.company.covenants == []
    assert pack_debt(scenario).shape == (0, len(DEBT_COLUMNS))
    assert np.all(pack_covenants(scenario).shape == (0, len(COVENANT_COLUMNS)))
    assert FLEETS  # the deterministic company mines (its production is what holds liquidity up)


# ------------------------------------------------------------------------------------ results and CLI

def test_results_summary_cli_and_report_show_the_debt(tmp_path):
    """The default company with a 300 M USD note due on day 200 that cannot be refinanced, and a liquidity covenant
    it cannot meet: every path breaches on day 91 (the first quarterly test), none refinances; the summary, the
    printed table, the JSON and the report's debt section say so. A run without debt has none of them."""
    import json

    import tomli_w
    from typer.testing import CliRunner

    from hashpivot.analysis.debt import debt_frame
    from hashpivot.cli import app
    from hashpivot.scenarios.toml import load_preset

    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"]["horizon_days"] = 365
    data["company"]["debt"] = [{"name": "note", "kind": "note", "principal_usd": 3e8, "rate_per_year": 0.08,
                                "maturity_date": "2024-11-06"}]  # 2024-04-20 + 200 days
    data["company"]["covenants"] = [{"metric": "min_liquidity_usd", "threshold": 1e12}]
    path = tmp_path / "debt.toml"
    path.write_text(tomli_w.dumps(data))
    args = ["run", str(path), "--paths", "16", "--no-store"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    rows = out["debt"]
    assert len(rows) == len(out["policies"])
    for row in rows:
        assert row["breach_frac"] == 1.0 and row["first_breach_day_p50"] == 91.0
        assert row["refinance_per_path"] == 0.0 and row["debt_insolvency_frac"] <= row["insolvency_frac"]
    summary = {(r["policy"], r["metric"], r["stat"]): r["value"] for r in out["summary"]}
    first = out["policies"][0]
    assert summary[(first, "covenant_breach", "probability")] == 1.0
    assert summary[(first, "covenant_breach", "mean_first_day")] == 91.0
    assert (first, "insolvency_from_debt", "probability") in summary
    shown = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--wide"])
    assert shown.exit_code == 0, shown.output
    assert "Debt: covenant breaches" in shown.stdout and "P(covenant breach)" in shown.stdout
    page = (tmp_path / "out" / "report.html").read_text()
    assert '<section id="debt">' in page and "P(insolvent when debt fell due)" in page

    from hashpivot import api

    plain = api.run("default", n_paths=8, policies=["sell_all"])
    assert debt_frame(plain.dataset) is None
    assert "covenant_breach" not in set(plain.summary["metric"])
