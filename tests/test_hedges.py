"""Hedges and BTC-backed loans (issue 18): hand calculations on deterministic paths, the schema's refusals, and
what each hedge does to the default scenario's tail on the same random numbers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from cli_helpers import assert_bad_input
from typer.testing import CliRunner

from hashpivot.cli import app
from hashpivot.engine.plan import starting_hashprice_usd_per_ph_day
from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict, load_preset, to_toml

from test_engine_properties import FLEETS, H0, SITES, deterministic

START_HEIGHT = 840_000  # subsidy 3.125 BTC until block 1,050,000


def hedged(data: dict[str, Any], *hedges: dict[str, Any]) -> dict[str, Any]:
    return {**data, "hedges": list(hedges)}


def flat_market(data: dict[str, Any], drift_per_day: float = 0.0, s0: float = 60_000.0) -> dict[str, Any]:
    """Network hashrate constant at H0 and difficulty at H0 (144 blocks a day, retargets change nothing), fees
    0.2 BTC a block, BTC price ``s0 x e^(drift x t)``: hashprice is constant when the drift is 0."""
    data["market"]["btc_price"] = {"kind": "gbm", "start_usd": s0, "drift_per_day": drift_per_day,
                                   "vol_per_sqrt_day": 0.0}
    data["market"]["network_hashrate"] = {"kind": "lognormal", "start_ehs": H0, "growth_per_day": 0.0,
                                          "vol_per_sqrt_day": 0.0}
    data["market"]["difficulty"] = {"start_ehs": H0, "phase_blocks": 0}
    return data


def final(data: dict[str, Any]):
    return simulate(from_dict(data, "test_hedges"), check_invariants=True).dataset.isel(policy=0, path=0)


def bs_by_hand(spot: float, strike: float, rate: float, vol: float, years: float) -> tuple[float, float]:
    """(call, put) by Hull's equations 15.20-15.21, written out with math.erf."""
    def n(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))
    d1 = (math.log(spot / strike) + (rate + 0.5 * vol * vol) * years) / (vol * math.sqrt(years))
    d2 = d1 - vol * math.sqrt(years)
    disc = math.exp(-rate * years)
    return spot * n(d1) - strike * disc * n(d2), strike * disc * n(-d2) - spot * n(-d1)


# ------------------------------------------------------------------------------------ hashprice forward

def test_a_forward_settles_each_month_the_strike_less_the_constant_hashprice():
    """10,000 PH/s sold at 50 USD/PH/day from day 1 for 60 days; hashprice every day 144 x 3.325 BTC x 60,000 USD /
    600 EH/s = 47.88 USD/PH/day, so each covered day (2..61) accrues 10,000 x 2.12 = 21,200 USD, paid at the month
    ends: 2024-04-30 (day 10: days 2-10, 9 days), 2024-05-31 (day 41: 31 days) and the last day 61 (20 days)."""
    hashprice = 144 * (3.125 + 0.2) * 60_000.0 / (H0 * 1e6) * 1e3
    assert hashprice == pytest.approx(47.88, rel=1e-12)
    day_usd = 10_000 * (50.0 - hashprice)
    data = flat_market(deterministic(80, {"kind": "hold_all"}, cash_usd=1e9))
    forward = {"kind": "hashprice_forward", "notional_phs": 10_000.0, "strike_usd_per_ph_day": 50.0,
               "start_day": 1, "tenor_days": 60}
    plain, hedge = final(data), final(hedged(data, forward))
    np.testing.assert_allclose(float(hedge["forward_settled_usd"]), 60 * day_usd, rtol=1e-12)
    np.testing.assert_allclose(float(hedge["cash_usd"] - plain["cash_usd"]), 60 * day_usd, rtol=1e-9)
    days = plain["day"].values
    assert list(days[:4]) == [0, 10, 41, 71]
    cash_gap = (hedge["monthly_cash_usd"] - plain["monthly_cash_usd"]).values
    # Month-end series are float32: cash near 1e9 USD is kept to 64 USD.
    np.testing.assert_allclose(cash_gap[0, :4], [0.0, 9 * day_usd, 40 * day_usd, 60 * day_usd], rtol=0, atol=256.0)


def test_the_forwards_default_strike_is_the_starting_hashprice():
    """Default scenario: 144 x (3.125 + 0.20) x 64,907.99 USD / 615.5 EH/s = 50.49 USD/PH/day."""
    by_hand = 144 * (3.125 + 0.20) * 64_907.99 / 615.5e6 * 1e3
    assert starting_hashprice_usd_per_ph_day(load_preset("default")) == pytest.approx(by_hand, rel=1e-12)


# ---------------------------------------------------------------------------------------------- options

def test_a_put_pays_its_premium_at_inception_and_its_payoff_at_expiry():
    """100 BTC, strike 1.1 x day 1's spot, 30 days, vol 0.6, rate 0.05; price falls 0.2 % a day, so the put ends
    in the money: payoff 100 x (1.1 S1 - S31), premium 100 x put(S1, 1.1 S1) by Hull's formula."""
    s0, mu = 60_000.0, -0.002
    s1, s31 = s0 * math.exp(mu), s0 * math.exp(31 * mu)
    data = flat_market(deterministic(40, {"kind": "hold_all"}, cash_usd=1e9), mu, s0)
    put = {"kind": "btc_put", "notional_btc": 100.0, "put_strike_ratio": 1.1, "tenor_days": 30,
           "implied_vol_per_sqrt_year": 0.6, "rate_per_year": 0.05}
    plain, hedge = final(data), final(hedged(data, put))
    _, premium = bs_by_hand(s1, 1.1 * s1, 0.05, 0.6, 30 / 365)
    np.testing.assert_allclose(float(hedge["option_premium_usd"]), 100 * premium, rtol=1e-9)
    np.testing.assert_allclose(float(hedge["option_payoff_usd"]), 100 * (1.1 * s1 - s31), rtol=1e-12)
    np.testing.assert_allclose(float(hedge["cash_usd"] - plain["cash_usd"]), 100 * (1.1 * s1 - s31 - premium),
                               rtol=1e-9)


def test_a_put_on_a_share_of_the_treasury_rolls_at_each_expiry():
    """Half the BTC held, 20-day puts struck at the money, rolled twice (days 1, 21, 41; expiries 21, 41, 61); the
    price rises, so no put pays and three premiums are paid, each on half the BTC held that day."""
    s0, mu = 60_000.0, 0.003
    data = flat_market(deterministic(61, {"kind": "sell_all"}), mu, s0)  # sell_all keeps the BTC held at 1,000
    put = {"kind": "btc_put", "treasury_frac": 0.5, "put_strike_ratio": 1.0, "tenor_days": 20, "n_rolls": 2}
    hedge = final(hedged(data, put))
    premiums = [500.0 * bs_by_hand(s0 * math.exp(mu * t), s0 * math.exp(mu * t), 0.05, 0.6, 20 / 365)[1]
                for t in (1, 21, 41)]
    assert float(hedge["option_payoff_usd"]) == 0.0
    # The BTC held on an inception day includes that day's production (sold later in the day by sell_all).
    mined_day = float(hedge["mined_btc"]) / 61
    np.testing.assert_allclose(float(hedge["option_premium_usd"]),
                               sum(p * (1000.0 + mined_day) / 1000.0 for p in premiums), rtol=1e-6)


def test_a_zero_cost_collar_prices_its_legs_equal_and_pays_the_call_above_its_strike():
    """A collar with a put at 0.9 x spot sells the call whose Black-Scholes value is the put's (Hull's formula by
    hand); the price rises 0.2 % a day for a year, above the call strike, so the company pays N x (S - K_c)."""
    ratio = from_dict(hedged(deterministic(400, {"kind": "hold_all"}), {
        "kind": "btc_collar", "notional_btc": 10.0, "put_strike_ratio": 0.9, "tenor_days": 365}),
        "collar").hedges[0].solved_call_strike_ratio()
    call, _ = bs_by_hand(1.0, ratio, 0.05, 0.6, 1.0)
    _, put = bs_by_hand(1.0, 0.9, 0.05, 0.6, 1.0)
    assert call == pytest.approx(put, rel=1e-9) and ratio > 1.0
    s0, mu = 60_000.0, 0.002
    data = flat_market(deterministic(400, {"kind": "hold_all"}), mu, s0)
    collar = {"kind": "btc_collar", "notional_btc": 10.0, "put_strike_ratio": 0.9, "tenor_days": 365}
    got = final(hedged(data, collar))
    s1, s_end = s0 * math.exp(mu), s0 * math.exp(366 * mu)
    assert s_end > ratio * s1
    assert abs(float(got["option_premium_usd"])) < 1e-6 * 10.0 * s1
    np.testing.assert_allclose(float(got["option_payoff_usd"]), -10.0 * (s_end - ratio * s1), rtol=1e-9)


# ------------------------------------------------------------------------------------- BTC-backed loan

def loan_reference(s: np.ndarray, free: float, cash: float, principal: float, ltv0: float, ltv_call: float,
                   start: int, end: int) -> dict[str, float]:
    """The loan's rules written out on a price path ``s`` (by day) for a company whose treasury buys BTC with its
    cash above ``cash`` every day (so a cure finds only that cash) and that has no other flows: pledge at ``ltv0``
    (the proceeds buy BTC that day); at a call pledge BTC held, then repay from cash, then the lender sells
    collateral back to ``ltv0``; at maturity repay from cash, selling released BTC for the rest. Zero interest."""
    coll = principal / (ltv0 * s[start])
    free += principal / s[start] - coll
    loan, calls, sold_by_lender = principal, 0, 0.0
    for t in range(start + 1, end + 1):
        if t == end:
            free += coll - max(loan - cash, 0.0) / s[t]
            cash = max(cash - loan, 0.0)
            break
        if loan >= ltv_call * coll * s[t]:
            calls += 1
            post = min(loan / (ltv0 * s[t]) - coll, free)
            free, coll = free - post, coll + post
            repay = min(max(loan - ltv0 * coll * s[t], 0.0), cash)
            cash, loan = cash - repay, loan - repay
            x = max(loan - ltv0 * coll * s[t], 0.0) / (s[t] * (1 - ltv0))
            loan, coll, sold_by_lender = loan - x * s[t], coll - x, sold_by_lender + x
    return {"btc_held": free, "cash_usd": cash, "margin_calls": calls, "liquidated_btc": sold_by_lender}


def test_a_loan_on_a_falling_path_is_called_then_cured_then_liquidated():
    """BTC falls 1 % a day. A loan of 0.5 x 50 BTC x S1 pledges 50 of the 100 BTC held at LTV 0.5 and its proceeds
    buy 25 BTC (buy_with_cash above a floor of the 1,000 USD of cash); the first call (LTV 0.7) comes when S falls
    to S1 / 1.4: day 1 + ceil(100 ln 1.4) = 35. Cures pledge the BTC held until none is left, then the 1,000 USD,
    then the lender liquidates; the loan matures on day 201. A fleet of 1e-9 EH/s on free power mines next to
    nothing and spends nothing."""
    first_call = 1 + math.ceil(100 * math.log(1.4))
    assert first_call == 35
    mu, s0 = -0.01, 60_000.0
    buy = {"kind": "buy_with_cash", "cash_floor_usd": 1000.0, "max_buy_usd_per_day": 1e10}
    data = flat_market(deterministic(205, buy, btc_held=100.0, cash_usd=1000.0, debt_usd=0.0,
                                     fixed_opex_usd_per_day=0.0), mu, s0)
    data["company"]["fleets"] = [{**FLEETS[0], "hashrate_ehs": 1e-9}]
    data["company"]["sites"] = [{**SITES[0], "power_price_usd_per_mwh": 0.0}]
    s = s0 * np.exp(mu * np.arange(206))
    principal = 0.5 * 50.0 * s[1]
    loan = {"kind": "btc_backed_loan", "principal_usd": principal, "rate_per_year": 0.0, "initial_ltv_frac": 0.5,
            "margin_call_ltv_frac": 0.7, "start_day": 1, "tenor_days": 200}
    ref = loan_reference(s, 100.0, 1000.0, principal, 0.5, 0.7, 1, 201)
    assert ref["liquidated_btc"] > 10.0 and ref["margin_calls"] >= 5
    assert 0.5 * s[1] / s[34] < 0.7 <= 0.5 * s[1] / s[35]  # called on day 35, not on day 34
    got = final(hedged(data, loan))
    assert int(got["margin_calls"]) == ref["margin_calls"]
    for name in ("btc_held", "liquidated_btc"):
        np.testing.assert_allclose(float(got[name]), ref[name], rtol=1e-6, err_msg=name)
    np.testing.assert_allclose(float(got["cash_usd"]), ref["cash_usd"], rtol=0, atol=1e-6)
    assert float(got["loan_usd"]) == 0.0 and float(got["collateral_btc"]) == 0.0
    # BTC over the run: what was held, mined and bought, less what was sold and what the lender sold.
    np.testing.assert_allclose(float(got["btc_held"]), 100.0 + float(got["mined_btc"] + got["bought_btc"]
                                                               - got["sold_btc"] - got["liquidated_btc"]), rtol=1e-12)
    # A loan maturing on day 35 is checked for calls on days 2-34 (none); one maturing on day 36 also on day 35.
    for tenor_days, calls in ((34, 0), (35, 1)):
        assert int(final(hedged(data, {**loan, "tenor_days": tenor_days}))["margin_calls"]) == calls


def test_a_loan_returns_excess_collateral_when_the_price_has_risen():
    """BTC rises 1 % a day. A loan of 0.5 x 50 BTC x S1 pledges 50 of the 100 BTC held at LTV 0.5; with a release
    LTV of 0.3 the LTV 0.5 x S1 / S_t first falls below 0.3 when t - 1 > 100 ln(5/3) = 51.08, on day 53, and the
    collateral above LTV 0.5 returns: 50 (1 - S1 / S53). From 0.5 again the next release is 52 days later, day 105.
    Month ends in the run: day 71 (2024-06-30) and day 133 (2024-08-31); the tiny fleet mines next to nothing."""
    assert 51 < 100 * math.log(5 / 3) < 52
    mu, s0 = 0.01, 60_000.0
    data = flat_market(deterministic(160, {"kind": "hold_all"}, btc_held=100.0, cash_usd=1000.0, debt_usd=0.0,
                                     fixed_opex_usd_per_day=0.0), mu, s0)
    data["company"]["fleets"] = [{**FLEETS[0], "hashrate_ehs": 1e-9}]
    data["company"]["sites"] = [{**SITES[0], "power_price_usd_per_mwh": 0.0}]
    s = s0 * np.exp(mu * np.arange(161))
    loan = {"kind": "btc_backed_loan", "principal_usd": 0.5 * 50.0 * s[1], "rate_per_year": 0.0,
            "initial_ltv_frac": 0.5, "margin_call_ltv_frac": 0.7, "start_day": 1, "tenor_days": 150}

    def held_at_month_ends(hedge):
        ds = simulate(from_dict(hedged(data, hedge), "test_hedges"), check_invariants=True).dataset
        dates = [str(d)[:10] for d in ds["date"].values]
        held = ds["monthly_btc_held"].isel(policy=0, sample=0).values
        return {d: float(h) for d, h in zip(dates, held, strict=True)}

    kept, released = held_at_month_ends(loan), held_at_month_ends({**loan, "release_ltv_frac": 0.3})
    assert kept["2024-06-30"] == pytest.approx(50.0, rel=1e-6) and kept["2024-08-31"] == pytest.approx(50.0, rel=1e-6)
    assert released["2024-05-31"] == pytest.approx(50.0, rel=1e-6)  # day 41: LTV 0.5 / e^0.4 = 0.34, not yet
    assert released["2024-06-30"] == pytest.approx(50.0 + 50.0 * (1 - s[1] / s[53]), rel=1e-6)
    assert released["2024-08-31"] == pytest.approx(50.0 + 50.0 * (1 - s[1] / s[105]), rel=1e-6)
    assert released["2024-09-27"] == kept["2024-09-27"] == pytest.approx(100.0, rel=1e-6)  # repaid on day 151


# -------------------------------------------------------------------------------------------- bad input

BAD = [
    ({"kind": "hashprice_forward", "notional_phs": -5.0, "tenor_days": 30}, "notional_phs", "-5"),
    ({"kind": "btc_put", "notional_btc": 10.0, "put_strike_ratio": 0.0, "tenor_days": 30}, "put_strike_ratio", "0"),
    ({"kind": "btc_put", "notional_btc": 10.0, "put_strike_ratio": 0.8, "tenor_days": 400}, "tenor_days", "400"),
    ({"kind": "btc_backed_loan", "principal_usd": 1e6, "rate_per_year": 0.1, "initial_ltv_frac": 0.6,
      "margin_call_ltv_frac": 0.5, "tenor_days": 30}, "margin_call_ltv_frac", "0.5"),
    ({"kind": "btc_backed_loan", "principal_usd": 1e6, "rate_per_year": 0.1, "initial_ltv_frac": 0.5,
      "margin_call_ltv_frac": 0.7, "release_ltv_frac": 0.6, "tenor_days": 30}, "release_ltv_frac", "0.6"),
    ({"kind": "btc_put", "put_strike_ratio": 0.8, "tenor_days": 30}, "notional_btc", "exactly one"),
]


@pytest.mark.parametrize(("hedge", "field", "value"), BAD, ids=[b[1] for b in BAD])
def test_bad_hedges_exit_2_naming_field_value_and_what_is_allowed(tmp_path, hedge, field, value):
    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"]["horizon_days"] = 365
    path = tmp_path / "hedged.toml"
    import tomli_w

    path.write_text(tomli_w.dumps({**data, "hedges": [hedge]}))
    result = CliRunner().invoke(app, ["run", str(path), "--paths", "4", "--no-store"])
    line = assert_bad_input(result, field, value)
    assert "allowed" in line or "greater than" in line or "less than" in line


def test_a_hedged_scenario_round_trips_through_toml():
    data = hedged(load_preset("default").model_dump(mode="python", exclude_none=True),
                  {"kind": "btc_collar", "name": "c", "treasury_frac": 0.5, "put_strike_ratio": 0.8, "tenor_days": 365,
                   "n_rolls": 1, "source": "assumption: a test"})
    sc = from_dict(data)
    assert from_dict(__import__("tomllib").loads(to_toml(sc))) == sc


# ------------------------------------------------------------------- hedged against unhedged, results

def default_with(*hedges: dict[str, Any]):
    from hashpivot.scenarios.variants import with_values

    return with_values(load_preset("default"), {"hedges": list(hedges)}, "test_hedges")


FLEET_PHS = 1000.0 * (15.0 + 10.0 + 4.0)  # the default preset's fleets: 15 + 10 + 4 EH/s
FORWARD = {"kind": "hashprice_forward", "name": "forward", "notional_phs": 0.5 * FLEET_PHS, "tenor_days": 730}
PUT = {"kind": "btc_put", "name": "put", "treasury_frac": 0.5, "put_strike_ratio": 0.75, "tenor_days": 730}


def test_on_the_default_scenario_a_forward_and_a_put_each_raise_the_5pct_quantile_of_nav():
    """The issue's acceptance: half the fleet's hashrate sold two years forward at the starting hashprice, and a
    two-year put 25 % out of the money on half the treasury, each raise the 5 % quantile of terminal NAV of the main
    policy (sell_all) against the unhedged plan on the same random numbers (400 paths); the comparison states what
    each costs in the mean with the standard error of the paired differences."""
    from hashpivot import api

    result = api.run(default_with(FORWARD, PUT), n_paths=400, policies=["sell_all"])
    table = api.hedge_comparison(result).set_index("hedges")
    assert list(table.index) == ["unhedged", "all hedges", "forward", "put"]
    base = table.loc["unhedged"]
    for name in ("forward", "put", "all hedges"):
        row = table.loc[name]
        assert row["nav_p5_usd"] > base["nav_p5_usd"] + 1e7, name
        assert row["p5_gain_usd"] == pytest.approx(row["nav_p5_usd"] - base["nav_p5_usd"], rel=1e-12)
        # Paired: the mean cost is the difference of the two means, on the same paths.
        assert row["mean_cost_usd"] == pytest.approx(base["nav_mean_usd"] - row["nav_mean_usd"], rel=1e-9, abs=1.0)
        assert 0 < row["mean_cost_se_usd"] < abs(base["nav_mean_usd"])
    # The put's premium is a cost in the mean (its price is fair at the rate; the BTC price drifts above it).
    assert table.loc["put", "mean_cost_usd"] > 0
    hedged_only = api.run(default_with(PUT), n_paths=400, policies=["sell_all"]).summary
    premium = hedged_only[(hedged_only["metric"] == "option_premium_usd") & (hedged_only["stat"] == "mean")]
    assert float(premium["value"].iloc[0]) > 0


def test_the_summary_has_hedge_lines_only_with_hedges():
    from hashpivot import api

    plain = api.run("default", n_paths=8, policies=["sell_all"]).summary
    hedged = api.run(default_with(FORWARD), n_paths=8, policies=["sell_all"]).summary
    assert "forward_settled_usd" not in set(plain["metric"])
    assert {"forward_settled_usd", "option_premium_usd", "hedge_net_usd", "margin_calls"} <= set(hedged["metric"])
    assert len(hedged) == len(plain) + 9 * 4  # nine lines, each a mean and three quantiles


def test_compare_prints_and_writes_hedged_beside_unhedged(tmp_path):
    import json

    import tomli_w

    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"]["horizon_days"] = 365
    loan = {"kind": "btc_backed_loan", "name": "loan", "principal_usd": 2e8, "rate_per_year": 0.1,
            "initial_ltv_frac": 0.5, "margin_call_ltv_frac": 0.7, "tenor_days": 300}
    path = tmp_path / "hedged.toml"
    path.write_text(tomli_w.dumps({**data, "hedges": [{**FORWARD, "tenor_days": 300}, loan]}))
    args = ["compare", str(path), "--paths", "16", "--policy", "sell_all", "--no-store"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["hedges"]
    assert [r["hedges"] for r in rows] == ["unhedged", "all hedges", "forward", "loan"]
    shown = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--wide"])
    assert shown.exit_code == 0, shown.output
    assert "Hedged against unhedged" in shown.stdout and "margin calls per path" in shown.stdout
    page = (tmp_path / "out" / "report.html").read_text()
    assert '<section id="hedges">' in page and "cost in the mean NAV [USD]" in page
    assert 'data-target="fig-hedge-payoffs"' in page  # the forward's payoff diagram (a loan has none)
    assert 'data-target="fig-hedge-nav"' in page


# ------------------------------------------------------------------------------------ fixed-price power

NORTH_MWH = 0.95 * 10.0 * 20.0 * 24.0  # fleet a on north: uptime x 200 MW x 24 h = 4,560 MWh a day


def power_run(north: dict[str, Any], days: int = 12, **contract: Any):
    data = deterministic(days, {"kind": "hold_all"}, cash_usd=1e9)
    data["company"]["sites"] = [{**SITES[0], **north}, SITES[1]]
    plain = final(data)
    power = {"kind": "fixed_power", "site": "north", "load_frac": 0.5, "price_usd_per_mwh": 35.0, "start_day": 1,
             "tenor_days": 10, **contract}
    return plain, final(hedged(data, power))


def test_fixed_power_saves_the_price_difference_times_the_covered_mwh():
    """Half of north's 4,560 MWh a day bought at 35 USD/MWh against its 40: 0.5 x 4,560 x 5 = 11,400 USD saved on
    each of the 10 days covered (days 2-11); machines run every hour (no curtailment), so nothing is resold."""
    plain, got = power_run({"curtailable_frac": 0.0})
    np.testing.assert_allclose(float(got["power_hedge_usd"]), 10 * 0.5 * NORTH_MWH * (40.0 - 35.0), rtol=1e-12)
    assert float(got["brokerage_usd"]) == 0.0
    np.testing.assert_allclose(float(got["cash_usd"] - plain["cash_usd"]), 114_000.0, rtol=1e-9)
    # The mining itself is what it was: the contract is money, the machines follow the market price.
    assert float(got["mined_btc"]) == float(plain["mined_btc"])


def test_contracted_power_not_drawn_is_resold_at_the_market_less_the_contract_price():
    """At 150 USD/MWh fleet a is below break-even and stops every day (test_engine_properties shows why): its
    contracted half, 0.5 x 4,560 MWh, is resold at 150 for the 35 paid, 0.5 x 4,560 x 115 USD a day (energy
    brokerage); nothing contracted is drawn, so the power hedge line is 0."""
    plain, got = power_run({"power_price_usd_per_mwh": 150.0, "curtailable_frac": 1.0})
    assert float(got["mined_btc"]) == float(plain["mined_btc"])
    assert float(got["power_hedge_usd"]) == 0.0
    np.testing.assert_allclose(float(got["brokerage_usd"]), 10 * 0.5 * NORTH_MWH * (150.0 - 35.0), rtol=1e-12)


def test_with_hourly_prices_the_two_lines_add_up_to_the_mean_price_difference():
    """Hourly prices lognormal around 95 USD/MWh (log-sd 0.8): fleet a runs in the cheap hours and resells the
    others; whatever the split, drawn + resold = (mean price - contract price) x contracted MWh, since the hours'
    mean is the day's mean price: 0.5 x 4,560 x (95 - 35) a day."""
    _, got = power_run({"power_price_usd_per_mwh": 95.0, "curtailable_frac": 1.0, "hourly_price_vol_log": 0.8})
    drawn, resold = float(got["power_hedge_usd"]), float(got["brokerage_usd"])
    assert drawn > 0 and resold > 0
    np.testing.assert_allclose(drawn + resold, 10 * 0.5 * NORTH_MWH * (95.0 - 35.0), rtol=1e-12)


def test_a_power_contract_on_an_unknown_site_is_refused():
    data = hedged(deterministic(30, {"kind": "hold_all"}), {"kind": "fixed_power", "site": "east", "load_frac": 0.5,
                                                             "price_usd_per_mwh": 35.0, "tenor_days": 10})
    with pytest.raises(Exception, match="site='east'.*allowed: a site of the company"):
        from_dict(data)


def test_a_hedges_strike_is_a_sweep_axis():
    """Issue 18, point 3 until the optimiser takes it: ``hedges.<name>.<field>`` is an axis like any other; a put
    struck higher costs more premium on the same paths."""
    from hashpivot import api

    base = default_with(PUT).replace("run.horizon_days", 800)
    result = api.sweep(base, axes={"hedges.put.put_strike_ratio": [0.6, 0.9]}, policies=["sell_all"], n_paths=30)
    rows = result.summary[(result.summary["metric"] == "option_premium_usd") & (result.summary["stat"] == "mean")]
    low, high = rows.sort_values("put_strike_ratio")["value"].tolist()
    assert 0 < low < high


def test_a_hedged_run_split_into_tasks_keeping_finals_has_the_same_summary():
    """The scale-out path (hashpivot.parallel) keeps only the summary's inputs: the hedge lines are among them."""
    import pandas as pd

    from hashpivot import api

    loan = {"kind": "btc_backed_loan", "name": "loan", "principal_usd": 3e8, "rate_per_year": 0.1,
            "initial_ltv_frac": 0.5, "margin_call_ltv_frac": 0.7, "tenor_days": 1000}
    sc = default_with(PUT, FORWARD, loan).replace("run.horizon_days", 1200)
    whole = api.run(sc, n_paths=96, policies=["sell_all", "hold_all"])
    split = api.run(sc, n_paths=96, policies=["sell_all", "hold_all"], n_tasks=3, kept="finals")
    assert split.dataset.attrs["per_path"] == "finals"
    pd.testing.assert_frame_equal(whole.summary, split.summary)
    calls = whole.summary[(whole.summary["metric"] == "margin_calls") & (whole.summary["stat"] == "mean")]
    assert (calls["value"] > 0).all()
