"""Growth and capital allocation (issue 13, point 2): scheduled fleet additions, the growth policy, retirement and
resale. Every figure is derived by hand in the test from a constant market (flat price, flat hashrate equal to the
difficulty: 144 blocks a day)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from hashpivot.engine.run import simulate
from hashpivot.errors import ScenarioError
from hashpivot.scenarios.toml import from_dict

PRICE_USD = 60_000.0
NETWORK_EHS = 600.0
FEES_BTC = 0.125
#: BTC one EH/s mines a day: 144 blocks x (3.125 + 0.125) BTC / 600 EH/s.
BTC_PER_DAY_PER_EHS = 144 * (3.125 + FEES_BTC) / NETWORK_EHS
#: Hashprice of the constant market: BTC per TH/s-day x price. [USD/(TH/s)/day]
HASHPRICE_USD_PER_TH_DAY = BTC_PER_DAY_PER_EHS / 1e6 * PRICE_USD
POWER_USD_PER_MWH = 40.0


def base(horizon_days: int = 42, store_paths: int = 1, **company) -> dict:
    """One deterministic path: flat price, flat hashrate, flat fees; a 200 MW site half used by 5 EH/s at 20 J/TH."""
    return {
        "run": {"start_date": "2024-04-20", "start_height": 840_000, "horizon_days": horizon_days,
                "n_paths": 2, "seed": 1, "chunk_paths": 2, "store_paths": store_paths},
        "market": {
            "btc_price": {"kind": "gbm", "start_usd": PRICE_USD, "drift_per_day": 0.0, "vol_per_sqrt_day": 0.0},
            "network_hashrate": {"kind": "lognormal", "start_ehs": NETWORK_EHS, "growth_per_day": 0.0,
                                 "vol_per_sqrt_day": 0.0},
            "fees": {"kind": "lognormal", "median_btc_per_block": FEES_BTC, "vol_log": 0.0},
            "difficulty": {"start_ehs": NETWORK_EHS, "phase_blocks": 0},
        },
        "company": {
            "btc_held": 1_000.0, "cash_usd": 1e9, "shares_outstanding": 1e8,
            "sites": [{"name": "s", "power_mw": 200.0, "power_price_usd_per_mwh": POWER_USD_PER_MWH}],
            "fleets": [{"name": "f", "site": "s", "hashrate_ehs": 5.0, "efficiency_j_per_th": 20.0,
                        "uptime_frac": 1.0, "pool_fee_frac": 0.0}],
            **company,
        },
        "policy": {"treasury": {"kind": "hold_all"}},
    }


#: 2 EH/s of 15 J/TH units at 16 USD/TH ordered on 2024-05-01 (day 11), energized 30 days later (day 41).
ADDITION = {"name": "s21_batch", "on_date": "2024-05-01", "site": "s", "hashrate_ehs": 2.0,
            "efficiency_j_per_th": 15.0, "price_usd_per_th": 16.0, "lead_time_days": 30,
            "uptime_frac": 1.0, "pool_fee_frac": 0.0}
ORDER_DAY, ENERGIZE_DAY = 11, 41
CAPEX_USD = 2.0 * 1e6 * 16.0


def run(data: dict):
    return simulate(from_dict(data, "growth test"), check_invariants=True).dataset.isel(policy=0)


def test_capex_is_paid_on_the_order_day():
    """Cash with the addition less cash without: 0 on day 10 (the April month end), -2 EH/s x 1e6 x 16 USD/TH =
    -32 M USD on day 11, the order day (the last day of this run)."""
    with_it = run(base(horizon_days=ORDER_DAY, fleet_additions=[ADDITION]))
    without = run(base(horizon_days=ORDER_DAY))
    days = list(with_it["day"].values)
    assert days == [0, 10, 11]
    diff = with_it["monthly_cash_usd"].isel(sample=0).values.astype(float) \
        - without["monthly_cash_usd"].isel(sample=0).values.astype(float)
    assert diff[1] == 0.0
    assert float(with_it["cash_usd"].isel(path=0) - without["cash_usd"].isel(path=0)) == pytest.approx(-CAPEX_USD,
                                                                                                        rel=1e-12)
    assert float(with_it["growth_capex_usd"].isel(path=0)) == pytest.approx(CAPEX_USD, rel=1e-12)


def test_btc_mined_jumps_by_the_share_formula_on_the_energize_day():
    """5 EH/s mine 5 x 144 x 3.25 / 600 BTC a day; from day 41 (order day 11 + 30 days) 7 EH/s do. Cumulative
    mined at the May month end (day 41) is 41 x 5 x b + 2 x b, and at day 42 it is 42 x 5 x b + 2 x 2 x b."""
    ds = run(base(horizon_days=42, fleet_additions=[ADDITION]))
    assert list(ds["day"].values) == [0, 10, 41, 42]
    b = BTC_PER_DAY_PER_EHS
    mined = ds["cumulative_mined_btc"].isel(sample=0).values.astype(float)
    assert mined[2] == pytest.approx(41 * 5 * b + 2 * b, rel=1e-6)  # float32 monthly series
    assert float(ds["mined_btc"].isel(path=0)) == pytest.approx(42 * 5 * b + 2 * 2 * b, rel=1e-12)
    # Power: 100 MW for 42 days and the addition's 2 EH/s x 15 J/TH = 30 MW for days 41 and 42, at 40 USD/MWh.
    power = (100.0 * 42 + 30.0 * 2) * 24 * POWER_USD_PER_MWH
    assert float(ds["mining_opex_usd"].isel(path=0)) == pytest.approx(power, rel=1e-12)
    assert float(ds["cash_usd"].isel(path=0)) == pytest.approx(1e9 - CAPEX_USD - power, rel=1e-12)


def _error(data: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        from_dict(data, "growth test")
    return str(info.value)


@pytest.mark.parametrize(("change", "words"), [
    ({"site": "nowhere"}, ["fleet_additions", "site", "nowhere", "allowed"]),
    ({"hashrate_ehs": -1.0}, ["hashrate_ehs", "-1"]),
    ({"on_date": "2024-04-01"}, ["fleet_additions.s21_batch.on_date=2024-04-01", "allowed", "2024-04-20"]),
    ({"hashrate_ehs": 7.0}, ["fleet_additions.s21_batch", "hashrate_ehs=7", "power_mw=200"]),
])
def test_bad_additions_are_refused_naming_field_value_and_what_is_allowed(change, words):
    """An unknown site, a negative hashrate, a date before the run's start, an addition beyond the site's MW (7 EH/s
    x 15 J/TH = 105 MW on the 100 MW left)."""
    message = _error(base(fleet_additions=[{**ADDITION, **change}]))
    for word in words:
        assert word in message, (word, message)


def test_an_addition_that_fills_the_site_exactly_is_accepted():
    """100 MW left: 100 / 15 = 6.667 EH/s at 15 J/TH fits to the MW."""
    from_dict(base(fleet_additions=[{**ADDITION, "hashrate_ehs": 100.0 / 15.0}]), "growth test")


# --- the growth policy -------------------------------------------------------------------------------------------

#: Cost of power of one TH/s at 15 J/TH for a day at 40 USD/MWh: 15 W x 24 h / 1e6 x 40. [USD/(TH/s)/day]
POWER_USD_PER_TH_DAY_15 = 15.0 * 24 / 1e6 * POWER_USD_PER_MWH


def growth(kind: str = "buy_toward_target", **fields) -> dict:
    policy = {"kind": kind, "site": "s", "efficiency_j_per_th": 15.0, "price_usd_per_th": 16.0,
              "uptime_frac": 1.0, "pool_fee_frac": 0.0, "lead_time_days": 10, **fields}
    if kind == "buy_toward_target":
        policy.setdefault("target_ehs", 6.0)
    return policy


def test_a_purchase_happens_on_the_first_day_the_payback_rule_is_met():
    """BTC rises at 0.2 % a day (no volatility): hashprice_t = 0.0468 x e^(0.002 t), the ASIC's price (elasticity
    0.5) 16 x e^(0.001 t) USD/TH, one TH/s's margin hashprice_t - 0.0144. On day 0 the payback is 16 / 0.0324 = 494
    days, above 12 months (365 days); the first whole day it is within them is found below by bisection on the
    continuous rule. On that day 1 EH/s (max_ehs_per_check, which also reaches the 6 EH/s target) is ordered at that
    day's price, and no other day."""
    drift = 0.002
    max_days = 12 * 365 / 12

    def rule(t: float) -> float:  # > 0 once bought
        return max_days * (HASHPRICE_USD_PER_TH_DAY * math.exp(drift * t) - POWER_USD_PER_TH_DAY_15) \
            - 16.0 * math.exp(0.5 * drift * t)

    lo, hi = 0.0, 400.0
    assert rule(lo) < 0 < rule(hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rule(mid) < 0 else (lo, mid)
    day = math.ceil(hi)
    assert day - hi > 0.01 and hi - math.floor(hi) > 0.01  # not on a day's edge: rounding cannot move it
    data = base(horizon_days=day + 30)
    data["market"]["btc_price"]["drift_per_day"] = drift
    data["policy"]["growth"] = growth(payback_months=12, check_every_days=1, max_ehs_per_check=1.0,
                                      price_elasticity=0.5)
    ds = run(data).isel(path=0)
    assert float(ds["purchased_ehs"]) == pytest.approx(1.0, rel=1e-12)
    assert float(ds["growth_capex_usd"]) == pytest.approx(1e6 * 16.0 * math.exp(0.5 * drift * day), rel=1e-9)


def test_no_purchase_while_the_payback_is_too_long():
    """Flat market: the payback stays 16 / (0.0468 - 0.0144) = 494 days, beyond 12 months: nothing is bought."""
    data = base(horizon_days=120)
    data["policy"]["growth"] = growth(payback_months=12, check_every_days=1)
    ds = run(data).isel(path=0)
    assert float(ds["purchased_ehs"]) == 0.0 and float(ds["growth_capex_usd"]) == 0.0


def test_fill_site_builds_out_the_empty_megawatts_and_mines_after_the_lead_time():
    """Flat market, payback 494 days within 24 months: on the first decision day (day 30) the site's 100 empty MW
    are filled with 100 / 15 = 6.667 EH/s at 16 USD/TH; they mine from day 40 (lead time 10 days)."""
    data = base(horizon_days=60)
    data["policy"]["growth"] = growth("fill_site", payback_months=24, check_every_days=30, max_ehs_per_check=50.0)
    ds = run(data).isel(path=0)
    ehs = 100.0 / 15.0
    assert float(ds["purchased_ehs"]) == pytest.approx(ehs, rel=1e-12)
    assert float(ds["growth_capex_usd"]) == pytest.approx(ehs * 1e6 * 16.0, rel=1e-12)
    b = BTC_PER_DAY_PER_EHS
    assert float(ds["mined_btc"]) == pytest.approx(60 * 5 * b + (60 - 40 + 1) * ehs * b, rel=1e-12)


def test_a_target_below_todays_hashrate_is_refused():
    data = base()
    data["policy"]["growth"] = growth(target_ehs=4.0)
    message = _error(data)
    assert "policy.growth.target_ehs=4" in message and "5 EH/s" in message


def test_a_growth_site_that_does_not_exist_is_refused():
    data = base()
    data["policy"]["growth"] = growth(site="elsewhere")
    message = _error(data)
    assert "policy.growth.site='elsewhere'" in message and "allowed" in message


# --- retirement and resale ---------------------------------------------------------------------------------------

OLD_FLEET = {"name": "old", "site": "s", "hashrate_ehs": 1.0, "efficiency_j_per_th": 60.0, "uptime_frac": 1.0,
             "pool_fee_frac": 0.0, "age_years": 2.0}


def test_a_fleet_losing_money_for_m_days_is_retired_and_sold_at_its_resale_price():
    """BTC falls 0.1 % a day. 1 EH/s at 60 J/TH costs 60 x 24 / 1e6 x 40 = 0.0576 USD per TH/s-day, above the 0.0468
    hashprice: its margin running is negative from day 1, so with M = 30 it is sold on day 30, 2 + 30/365 years old:
    1e6 TH/s x 14 USD/TH x (1 - (2 + 30/365) / 5) x e^(-0.03) (hashprice / day-0 hashprice, elasticity 1). Switched
    off by economic shutdown, it mined nothing and cost nothing before; so cash rises by exactly the proceeds and the
    BTC mined do not change."""
    data = base(horizon_days=60)
    data["market"]["btc_price"]["drift_per_day"] = -0.001
    data["company"]["fleets"].append(OLD_FLEET)
    kept = run(copy.deepcopy(data)).isel(path=0)
    data["policy"]["retirement"] = {"retire_after_negative_days": 30, "life_years": 5.0, "price_elasticity": 1.0,
                                    "fleet_price_new_usd_per_th": 14.0}
    sold = run(data).isel(path=0)
    resale = 1e6 * 14.0 * (1 - (2 + 30 / 365) / 5) * math.exp(-0.001 * 30)
    assert float(sold["resale_usd"]) == pytest.approx(resale, rel=1e-9)
    assert float(sold["retired_ehs"]) == pytest.approx(1.0, rel=1e-12)
    assert float(sold["cash_usd"] - kept["cash_usd"]) == pytest.approx(resale, rel=1e-9)
    assert float(sold["mined_btc"]) == float(kept["mined_btc"])


def test_retirement_off_by_default_keeps_a_losing_fleet():
    data = base(horizon_days=60)
    data["company"]["fleets"].append(OLD_FLEET)
    ds = run(data).isel(path=0)
    assert float(ds["resale_usd"]) == 0.0 and float(ds["retired_ehs"]) == 0.0


def test_a_fleet_past_its_life_resells_for_nothing():
    """6 years old with a 5-year life: (1 - 6.08 / 5)^+ = 0."""
    data = base(horizon_days=60)
    data["company"]["fleets"].append({**OLD_FLEET, "age_years": 6.0})
    data["policy"]["retirement"] = {"retire_after_negative_days": 30}
    ds = run(data).isel(path=0)
    assert float(ds["retired_ehs"]) == pytest.approx(1.0, rel=1e-12)
    assert float(ds["resale_usd"]) == 0.0


# --- returns per addition: the result, the API, the CLI and the report ------------------------------------------

def test_payback_and_roi_of_an_addition_by_hand():
    """The addition earns 2e6 TH/s x (0.0468 - 0.0144) = 64,800 USD a day from day 41: its 32 M USD capex is back
    after ceil(32e6 / 64,800) = 494 days, on day 41 + 493 = 534, i.e. 534 / (365 / 12) months. ROI to day 600:
    (560 days x 64,800 + the units' resale value, 2e6 x 16 x (1 - (600 - 41) / 365 / 5)) / 32e6 - 1."""
    from hashpivot import api

    data = base(horizon_days=600, store_paths=0, fleet_additions=[ADDITION])
    result = simulate(from_dict(data, "growth test"), check_invariants=True)
    daily = 2e6 * (HASHPRICE_USD_PER_TH_DAY - POWER_USD_PER_TH_DAY_15)
    assert daily == pytest.approx(64_800.0, rel=1e-12)
    ds = result.dataset.isel(policy=0, path=0)
    assert float(ds["addition_payback_day"].sel(addition="s21_batch")) == 41 + math.ceil(CAPEX_USD / daily) - 1
    table = api.addition_returns(result)
    row = table[table["addition"] == "s21_batch"].iloc[0]
    assert row["capex_usd"] == pytest.approx(CAPEX_USD, rel=1e-12)
    assert row["payback_months_median"] == pytest.approx(534 / (365 / 12), rel=1e-12)
    assert row["paid_back_frac"] == 1.0
    residual = 2e6 * 16.0 * (1 - (600 - 41) / 365 / 5)
    assert row["roi_median_frac"] == pytest.approx((560 * daily + residual) / CAPEX_USD - 1, rel=1e-9)


def test_simulate_prints_the_returns_and_the_report_has_their_section(tmp_path):
    from typer.testing import CliRunner

    from hashpivot.cli import app
    from hashpivot.report.sim_report import render_report
    from hashpivot.scenarios.toml import to_toml

    scenario = from_dict(base(horizon_days=120, fleet_additions=[ADDITION]), "growth test")
    path = tmp_path / "growth.toml"
    path.write_text(to_toml(scenario))
    printed = CliRunner().invoke(app, ["run", str(path), "--no-store"], env={"COLUMNS": "200"})
    assert printed.exit_code == 0, printed.output
    assert "Fleet additions and purchases" in printed.output and "s21_batch" in printed.output
    page = render_report(simulate(scenario))
    assert '<section id="growth">' in page and "s21_batch" in page


def test_a_bad_addition_exits_2_at_the_cli(tmp_path):
    from typer.testing import CliRunner

    from hashpivot.cli import app
    from hashpivot.scenarios.toml import to_toml

    scenario = from_dict(base(horizon_days=120, fleet_additions=[ADDITION]), "growth test")
    path = tmp_path / "growth.toml"
    path.write_text(to_toml(scenario).replace('site = "s"\nhashrate_ehs = 2.0', 'site = "nowhere"\nhashrate_ehs = 2.0'))
    assert 'site = "nowhere"' in path.read_text()
    printed = CliRunner().invoke(app, ["run", str(path), "--no-store"])
    assert printed.exit_code == 2, printed.output
    assert "nowhere" in printed.output


def test_growth_with_a_conversion_and_retirement_conserves_btc_and_cash():
    """A 40 MW lease converted on day 20 out of the losing old fleet (least efficient first) after it was retired
    on day 10, a growth policy filling the site: the step's daily checks hold (check_invariants) and the purchases
    stop at the site's empty MW, 100 / 15 EH/s at most."""
    data = base(horizon_days=200)
    data["market"]["btc_price"]["drift_per_day"] = -0.001
    data["company"]["fleets"].append(OLD_FLEET)
    data["company"]["sites"][0]["power_mw"] = 260.0  # 100 + 60 MW of fleets, 100 MW empty
    data["policy"]["retirement"] = {"retire_after_negative_days": 10}
    data["policy"]["growth"] = growth("fill_site", payback_months=60, check_every_days=5, max_ehs_per_check=1.0)
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 20, "mw": 40.0,
                                  "project": {"kind": "site_lease", "rate_usd_per_kw_month": 40.0}}
    ds = run(data).isel(path=0)
    assert 0 < float(ds["purchased_ehs"]) <= 100.0 / 15.0 * (1 + 1e-12)
    assert float(ds["retired_ehs"]) == pytest.approx(1.0, rel=1e-12)


# --- funding by equity -------------------------------------------------------------------------------------------

#: Power of the day-0 fleet, 5 EH/s x 20 J/TH = 100 MW, for a day at 40 USD/MWh. [USD/day]
POWER_USD_PER_DAY = 100.0 * 24 * POWER_USD_PER_MWH
#: fill_site's purchase on the flat market: the 100 empty MW at 15 J/TH, bought on the first decision day (day 30).
FILL_EHS = 100.0 / 15.0
FILL_CAPEX_USD = FILL_EHS * 1e6 * 16.0


def _fill_site_day_30(**fields) -> dict:
    data = base(horizon_days=30)
    data["policy"]["growth"] = growth("fill_site", payback_months=24, check_every_days=30, max_ehs_per_check=50.0,
                                      **fields)
    return data


def test_an_equity_funded_purchase_issues_shares_at_mnav_times_nav_per_share_and_leaves_cash_and_btc():
    """Flat market, hold_all: the purchase is on day 30 (the first decision day; payback 494 days within 24
    months), 100 / 15 EH/s at 16 USD/TH. It is priced on the balance sheet of the evening of day 29 at day 30's
    price: NAV = (1,000 + 29 x 5 x b) BTC x 60,000 + 1e9 - 29 x 96,000 USD of power, no debt; the share price is
    mNAV 2 x NAV / 1e8 shares, so the shares rise by capex / that price. Cash is that of a run that buys nothing
    (1e9 - 30 days of power), BTC too; the equity raised is the capex."""
    b = BTC_PER_DAY_PER_EHS
    ds = run(_fill_site_day_30(funding="equity", mnav_ratio=2.0)).isel(path=0)
    nav_usd = (1_000.0 + 29 * 5 * b) * PRICE_USD + 1e9 - 29 * POWER_USD_PER_DAY
    price_per_share_usd = 2.0 * nav_usd / 1e8
    assert float(ds["growth_capex_usd"]) == pytest.approx(FILL_CAPEX_USD, rel=1e-12)
    assert float(ds["shares"]) == pytest.approx(1e8 + FILL_CAPEX_USD / price_per_share_usd, rel=1e-12)
    assert float(ds["equity_raised_usd"]) == pytest.approx(FILL_CAPEX_USD, rel=1e-12)
    assert float(ds["cash_usd"]) == pytest.approx(1e9 - 30 * POWER_USD_PER_DAY, rel=1e-12)
    assert float(ds["btc_held"]) == pytest.approx(1_000.0 + 30 * 5 * b, rel=1e-12)
    nothing = run(base(horizon_days=30)).isel(path=0)
    assert float(ds["cash_usd"]) == pytest.approx(float(nothing["cash_usd"]), rel=1e-12)
    assert float(ds["btc_held"]) == float(nothing["btc_held"])


def test_a_cash_funded_purchase_pays_from_cash_and_issues_nothing():
    """The default funding on the same day: cash falls by the capex, the share count stays 1e8."""
    ds = run(_fill_site_day_30()).isel(path=0)
    assert float(ds["cash_usd"]) == pytest.approx(1e9 - 30 * POWER_USD_PER_DAY - FILL_CAPEX_USD, rel=1e-12)
    assert float(ds["shares"]) == 1e8 and float(ds["equity_raised_usd"]) == 0.0


def test_the_dcf_sees_the_capex_whoever_pays_it_and_not_the_issuance():
    """The DCF counts equity raised as no flow (engine.step): the day's flow is operating cash (- capex) + financing
    (+ the raise) - the raise = - capex, as with cash funding. So both fundings value the company alike on day 0,
    while the equity-funded one has more shares at the horizon (its NAV per share is diluted instead)."""
    cash = run(_fill_site_day_30()).isel(path=0)
    equity = run(_fill_site_day_30(funding="equity")).isel(path=0)
    assert float(equity["dcf_equity_usd"]) == pytest.approx(float(cash["dcf_equity_usd"]), rel=1e-12)
    assert float(equity["shares"]) > float(cash["shares"]) == 1e8


def test_equity_funding_with_a_compressing_premium_prices_at_the_day_s_mnav():
    """BTC rises 0.1 % a day (no volatility), premium_beta 1: on day 30 the mNAV is 1.5 x e^(0.03) (the price over
    day 0's), NAV that evening-before balance sheet at day 30's price, and the ASIC price 16 x (hashprice ratio
    e^(0.03)) ** 1 (the default elasticity)."""
    data = _fill_site_day_30(funding="equity", premium_beta=1.0)
    drift = 0.001
    data["market"]["btc_price"]["drift_per_day"] = drift
    ds = run(data).isel(path=0)
    b = BTC_PER_DAY_PER_EHS
    price_30 = PRICE_USD * math.exp(drift * 30)
    power_29 = 29 * POWER_USD_PER_DAY
    nav_usd = (1_000.0 + 29 * 5 * b) * price_30 + 1e9 - power_29
    capex = FILL_EHS * 1e6 * 16.0 * math.exp(drift * 30)
    assert float(ds["growth_capex_usd"]) == pytest.approx(capex, rel=1e-9)
    assert float(ds["shares"]) == pytest.approx(1e8 + capex / (1.5 * math.exp(drift * 30) * nav_usd / 1e8), rel=1e-9)


def test_an_unknown_funding_kind_is_refused_naming_field_value_and_allowed():
    data = base()
    data["policy"]["growth"] = growth(funding="bonds")
    message = _error(data)
    for word in ("funding", "bonds", "cash_then_btc", "equity"):
        assert word in message, (word, message)


def test_an_unknown_funding_kind_exits_2_at_the_cli(tmp_path):
    from typer.testing import CliRunner

    from hashpivot.cli import app
    from hashpivot.scenarios.toml import to_toml

    data = base(horizon_days=60)
    data["policy"]["growth"] = growth("fill_site")
    text = to_toml(from_dict(data, "growth test"))
    assert 'funding = "cash_then_btc"' in text
    path = tmp_path / "growth.toml"
    path.write_text(text.replace('funding = "cash_then_btc"', 'funding = "bonds"'))
    printed = CliRunner().invoke(app, ["run", str(path), "--no-store"])
    assert printed.exit_code == 2, printed.output
    assert "funding" in printed.output and "bonds" in printed.output


# --- one row per purchase ----------------------------------------------------------------------------------------

#: buy_toward_target on the flat market: 1 EH/s a decision every 30 days toward 8 EH/s from 5: purchases on days
#: 30, 60 and 90, each energized 10 days later (days 40, 70, 100), at 16 USD/TH; the horizon is day 600.
TARGET_HORIZON = 600
TARGET_ORDERS = (30, 60, 90)


def _three_purchases(**fields) -> dict:
    data = base(horizon_days=TARGET_HORIZON, store_paths=0)
    data["policy"]["growth"] = growth(payback_months=24, check_every_days=30, max_ehs_per_check=1.0, target_ehs=8.0,
                                      **fields)
    return data


def test_each_purchase_has_its_own_row_with_payback_and_roi_by_hand():
    """Each 1 EH/s earns 1e6 TH/s x (0.0468 - 0.0144) = 32,400 USD a day from its energize day e: its 16 M USD is
    back after ceil(16e6 / 32,400) = 494 days, on day e + 493; its margin to day 600 is (600 - e + 1) x 32,400 and
    its units' resale value there 16e6 x (1 - (600 - e) / 365 / 5) (hashprice unchanged). The horizon has 600 // 30
    = 20 decision days: 20 rows, the 4th to the 20th unused (order day -1)."""
    result = simulate(from_dict(_three_purchases(), "growth test"), check_invariants=True)
    ds = result.dataset.isel(policy=0, path=0)
    assert list(result.dataset["purchase"].values) == ["1st", "2nd", "3rd"] + [f"{n}th" for n in range(4, 21)]
    daily = 1e6 * (HASHPRICE_USD_PER_TH_DAY - POWER_USD_PER_TH_DAY_15)
    assert daily == pytest.approx(32_400.0, rel=1e-12)
    for j, order in enumerate(TARGET_ORDERS):
        row = ds.isel(purchase=j)
        e = order + 10
        assert float(row["purchase_order_day"]) == order
        assert float(row["purchase_ehs"]) == pytest.approx(1.0, rel=1e-12)
        assert float(row["purchase_price_usd_per_th"]) == pytest.approx(16.0, rel=1e-12)
        assert float(row["purchase_capex_usd"]) == pytest.approx(16e6, rel=1e-12)
        assert float(row["purchase_payback_day"]) == e + math.ceil(16e6 / daily) - 1
        assert float(row["purchase_margin_usd"]) == pytest.approx((TARGET_HORIZON - e + 1) * daily, rel=1e-9)
        assert float(row["purchase_residual_usd"]) == pytest.approx(16e6 * (1 - (TARGET_HORIZON - e) / 365 / 5),
                                                                    rel=1e-9)
        assert float(row["purchase_resale_usd"]) == 0.0
    assert (ds["purchase_order_day"].values[3:] == -1).all()
    assert float(ds["purchase_capex_usd"].sum()) == pytest.approx(float(ds["growth_capex_usd"]), rel=1e-12)
    # The rows' margins sum to the bought units' fleet's line.
    assert float(ds["purchase_margin_usd"].sum()) == pytest.approx(
        float(ds["addition_margin_usd"].sel(addition="growth_buy_toward_target")), rel=1e-9)

    table = result.purchase_returns
    assert list(table["purchase"]) == ["1st", "2nd", "3rd"]
    first = table.iloc[0]
    assert first["paths_frac"] == 1.0 and first["paid_back_frac"] == 1.0
    assert first["order_day_median"] == 30 and first["order_date_median"] == "2024-05-20"
    assert first["price_usd_per_th_median"] == pytest.approx(16.0, rel=1e-12)
    assert first["payback_months_median"] == pytest.approx((40 + 493 - 30) / (365 / 12), rel=1e-12)
    roi = ((TARGET_HORIZON - 40 + 1) * daily + 16e6 * (1 - (TARGET_HORIZON - 40) / 365 / 5)) / 16e6 - 1
    assert first["roi_mean_frac"] == pytest.approx(roi, rel=1e-9)


def test_purchases_beyond_the_last_row_share_it():
    """fill_site deciding every day, 0.25 EH/s a decision, lead 10 days, horizon 40: 40 decision days, more than 24,
    so 24 rows. The site's 100 / 15 EH/s take 26 full purchases (days 1-26) and a 27th of the rest (day 27); the
    24th row holds the 24th to the 27th: 100 / 15 - 23 x 0.25 EH/s, ordered first on day 24."""
    data = base(horizon_days=40, store_paths=0)
    data["policy"]["growth"] = growth("fill_site", payback_months=24, check_every_days=1, max_ehs_per_check=0.25)
    result = simulate(from_dict(data, "growth test"), check_invariants=True)
    ds = result.dataset.isel(policy=0, path=0)
    labels = list(result.dataset["purchase"].values)
    assert len(labels) == 24 and labels[-1] == "24th and later" and labels[20] == "21st"
    assert list(ds["purchase_order_day"].values) == list(range(1, 25))
    last = ds.isel(purchase=23)
    assert float(last["purchase_ehs"]) == pytest.approx(100.0 / 15.0 - 23 * 0.25, rel=1e-9)
    assert float(last["purchase_capex_usd"]) == pytest.approx((100.0 / 15.0 - 23 * 0.25) * 16e6, rel=1e-9)
    assert float(ds["purchase_ehs"].sum()) == pytest.approx(100.0 / 15.0, rel=1e-12)


def test_a_retired_purchase_keeps_its_margin_and_gets_its_share_of_the_resale():
    """The 1st purchase (1 EH/s, day 30, mining from day 40) on a market where BTC falls 0.3 % a day from day 0:
    its fleet's margin running turns negative once 0.0468 x e^(-0.003 t) < 0.0144 (day 393); after 5 more days it
    is sold. No other purchase: the 24-month rule, (h - 0.0144) x 730 >= 16 x h / 0.0468, holds only while h >=
    0.0271 (day 182), before the day-0 fleet (20 J/TH) is retired and the target could call for more. Its row's
    resale is the fleet's whole resale (the only row mining), its margin what it earned to then, and the
    conservation checks hold."""
    data = base(horizon_days=600, store_paths=0)
    data["market"]["btc_price"]["drift_per_day"] = -0.003
    data["policy"]["growth"] = growth(payback_months=24, check_every_days=30, max_ehs_per_check=1.0, target_ehs=6.0)
    data["policy"]["retirement"] = {"retire_after_negative_days": 5}
    ds = simulate(from_dict(data, "growth test"), check_invariants=True).dataset.isel(policy=0, path=0)
    fleet = ds.sel(addition="growth_buy_toward_target")
    first = ds.isel(purchase=0)
    assert float(first["purchase_order_day"]) == 30
    assert float(fleet["addition_resale_usd"]) > 0
    assert float(first["purchase_resale_usd"]) == pytest.approx(float(fleet["addition_resale_usd"]), rel=1e-12)
    assert float(first["purchase_margin_usd"]) == pytest.approx(float(fleet["addition_margin_usd"]), rel=1e-9)
    assert float(first["purchase_residual_usd"]) == 0.0


def test_the_purchases_table_is_in_the_terminal_the_json_and_the_report(tmp_path):
    """fill_site on the flat market buys its 100 / 15 EH/s on day 30 (payback 494 days within 24 months): one
    purchase, the 1st, on every path, at 16 USD/TH."""
    import json

    from typer.testing import CliRunner

    from hashpivot.cli import app
    from hashpivot.report.sim_report import render_report
    from hashpivot.scenarios.toml import to_toml

    data = base(horizon_days=120)
    data["policy"]["growth"] = growth("fill_site", payback_months=24, check_every_days=30, max_ehs_per_check=50.0)
    scenario = from_dict(data, "growth test")
    path = tmp_path / "growth.toml"
    path.write_text(to_toml(scenario))
    printed = CliRunner().invoke(app, ["run", str(path), "--no-store"], env={"COLUMNS": "250"})
    assert printed.exit_code == 0, printed.output
    assert "Growth purchases, one row per ordinal" in printed.output and "1st" in printed.output
    as_json = CliRunner().invoke(app, ["run", str(path), "--no-store", "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)["purchase_returns"]
    assert [r["purchase"] for r in rows] == ["1st"]
    assert rows[0]["paths_frac"] == 1.0 and rows[0]["order_day_median"] == 30
    assert rows[0]["price_usd_per_th_median"] == pytest.approx(16.0, rel=1e-12)
    page = render_report(simulate(scenario))
    assert "The growth policy's purchases, one row each" in page and "1st" in page
