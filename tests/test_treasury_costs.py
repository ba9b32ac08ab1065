"""What the treasury counts as the day's costs and the mean it sells above, by hand on one constant path
(tests/test_capacity.base: 5 EH/s on 100 MW at 40 USD/MWh, 96,000 USD of power a day, BTC at 60,000 USD)."""

from __future__ import annotations

import pytest

from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import BTC_PER_DAY_PER_EHS, base

POWER_USD_PER_DAY = 100.0 * 24 * 40.0
#: 100 M USD at 8 %/year: a day's interest. [USD/day]
INTEREST_USD_PER_DAY = 1e8 * 0.08 / 365


def _run(data: dict):
    return simulate(from_dict(data, "treasury costs"), check_invariants=True).dataset.isel(policy=0, path=0)


def _with_note(treasury: dict) -> dict:
    data = base(horizon_days=30, cash_usd=1e6)
    data["company"]["debt"] = [{"name": "n", "kind": "note", "principal_usd": 1e8, "rate_per_year": 0.08,
                                "maturity_date": "2030-01-01"}]
    data["policy"]["treasury"] = treasury
    return data


def test_the_runway_floor_counts_the_debt_tranches_interest():
    """Three months of costs: 3 x 365 / 12 x (96,000 + 21,917.81) = 10,760,000 USD, held once the day's interest,
    paid after the treasury, is paid; the same 100 M USD as the company's straight debt gives the same cash."""
    target = 3 * 365 / 12 * (POWER_USD_PER_DAY + INTEREST_USD_PER_DAY)
    assert target == pytest.approx(10_760_000.0, rel=1e-12)
    tranche = _run(_with_note({"kind": "min_cash_runway", "floor_runway_months": 3.0}))
    assert float(tranche["cash_usd"]) == pytest.approx(target, rel=1e-9)
    straight = base(horizon_days=30, cash_usd=1e6, debt_usd=1e8, debt_rate_per_year=0.08)
    straight["policy"]["treasury"] = {"kind": "min_cash_runway", "floor_runway_months": 3.0}
    assert float(_run(straight)["cash_usd"]) == pytest.approx(target, rel=1e-9)


def test_sell_to_cover_costs_sells_for_the_tranches_interest_too():
    """Each day's power and interest are covered by BTC sold that day: cash stays at its opening 1 M USD, and the
    BTC sold is 30 x (96,000 + 21,917.81) / 60,000."""
    ds = _run(_with_note({"kind": "sell_to_cover_costs"}))
    assert float(ds["cash_usd"]) == pytest.approx(1e6, rel=1e-9)
    assert float(ds["sold_btc"]) == pytest.approx(30 * (POWER_USD_PER_DAY + INTEREST_USD_PER_DAY) / 60_000.0,
                                                  rel=1e-9)


def _above_halving_mean(**extra) -> dict:
    data = base(horizon_days=120)
    data["policy"]["treasury"] = {"kind": "sell_above_average", "threshold_ratio": 1.2, "window_days": 0, **extra}
    return data


def test_the_mean_since_the_halving_holds_the_days_before_the_run():
    """100 days at a 40,000 USD mean before day 0, then 60,000 every day: on day t the mean is
    (100 x 40,000 + (t + 1) x 60,000) / (101 + t), and 60,000 > 1.2 x that while t < 99, so days 1-98 sell their
    production; without the days before the run the mean is 60,000 and nothing is ever sold."""
    mined_per_day = 5.0 * BTC_PER_DAY_PER_EHS
    seeded = _run(_above_halving_mean(halving_mean_usd=40_000.0, halving_mean_days=100))
    assert float(seeded["sold_btc"]) == pytest.approx(98 * mined_per_day, rel=1e-12)
    assert float(_run(_above_halving_mean())["sold_btc"]) == 0.0


@pytest.mark.parametrize(("extra", "words"), [
    ({"halving_mean_usd": 40_000.0}, "both > 0"),
    ({"halving_mean_days": 10}, "both > 0"),
    ({"halving_mean_usd": 40_000.0, "halving_mean_days": 10, "window_days": 200}, "only with window_days = 0"),
])
def test_a_halving_mean_needs_its_days_and_a_mean_since_the_halving(extra, words):
    from hashpivot.errors import ScenarioError

    with pytest.raises(ScenarioError, match=words):
        from_dict(_above_halving_mean(**extra), "bad halving mean")


#: A BTC-backed loan of 10 M USD at 10 %/year drawn on day 1 against BTC at 50 % LTV (the price is flat, so no
#: margin call): it pays its interest on days 2-30, with the hedges, before the treasury, and is repaid on day 30.
LOAN = {"kind": "btc_backed_loan", "name": "loan", "principal_usd": 1e7, "rate_per_year": 0.1,
        "initial_ltv_frac": 0.5, "margin_call_ltv_frac": 0.7, "start_day": 1, "tenor_days": 29}
LOAN_INTEREST_USD_PER_DAY = 1e7 * 0.1 / 365


def _with_loan(treasury: dict) -> dict:
    data = base(horizon_days=30, cash_usd=1e6)
    data["hedges"] = [LOAN]
    data["policy"]["treasury"] = treasury
    return data


def test_sell_to_cover_costs_sells_for_a_btc_backed_loans_interest():
    """Days 1-30 pay 96,000 USD of power, days 2-30 the loan's 2,739.73 USD of interest: all of it is covered by BTC
    sold that day, so cash ends at its opening 1 M USD (the principal borrowed on day 1 repaid on day 30), and the
    BTC pledged comes back: 1,000 BTC plus production less those sales remain."""
    ds = _run(_with_loan({"kind": "sell_to_cover_costs"}))
    sold = (30 * POWER_USD_PER_DAY + 29 * LOAN_INTEREST_USD_PER_DAY) / 60_000.0
    assert float(ds["cash_usd"]) == pytest.approx(1e6, rel=1e-9)
    assert float(ds["sold_btc"]) == pytest.approx(sold, rel=1e-9)
    assert float(ds["btc_held"]) == pytest.approx(1_000.0 + 30 * 5.0 * BTC_PER_DAY_PER_EHS - sold, rel=1e-9)


def test_the_runway_floor_counts_a_btc_backed_loans_interest():
    """Cash falls from 11 M USD by the day's power and interest, and by the principal repaid on day 30; BTC sales
    then bring it back to three months of both: 3 x 365 / 12 x (96,000 + 2,739.73) = 9,010,000 USD."""
    target = 3 * 365 / 12 * (POWER_USD_PER_DAY + LOAN_INTEREST_USD_PER_DAY)
    assert target == pytest.approx(9_010_000.0, rel=1e-12)
    ds = _run(_with_loan({"kind": "min_cash_runway", "floor_runway_months": 3.0}))
    assert float(ds["cash_usd"]) == pytest.approx(target, rel=1e-9)
