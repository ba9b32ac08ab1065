"""A discounted cash flow of the simulated flows (issue 13, point 5): ``dcf_equity_usd`` (per path: day 0's cash and
BTC at market, plus each day's free cash flow to equity discounted at the company's equity rate, plus the terminal
value, not below 0) and ``ev_usd``. Every figure is summed day by day here from the flows a constant path implies."""

from __future__ import annotations

import pytest

from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import BTC_PER_DAY_PER_EHS, MINING_MW, N_DAYS, base

RATE = 0.16  # the schema's default equity discount rate [1/year]
PRICE_USD = 60_000.0
MINED_USD_PER_DAY = 5.0 * BTC_PER_DAY_PER_EHS * PRICE_USD  # 3.9 BTC a day at 60,000 USD
POWER_USD_PER_DAY = MINING_MW * 24 * 40.0  # 100 MW at 40 USD/MWh
#: The fleet's resale value at the horizon, in the terminal value: 5 EH/s = 5e6 TH/s at the policy's price new of a
#: day-0 fleet (14 USD/TH), new on day 0, worn by 120 days of its 5-year life; hashprice is flat (ratio 1). [USD]
FLEET_USD = 5e6 * 14.0 * (1 - N_DAYS / 365 / 5.0)


def run(data: dict, **policy):
    if policy:
        data["policy"]["treasury"] = policy
    return simulate(from_dict(data, "valuation test"), check_invariants=True).dataset.isel(policy=0, path=0)


def discount(day: int, rate: float = RATE) -> float:
    return (1 + rate) ** (-day / 365)


def pv(usd_per_day: float, days: int = N_DAYS, rate: float = RATE) -> float:
    """Sum over days 1..days of a constant daily flow, each discounted to day 0."""
    return sum(usd_per_day * discount(d, rate) for d in range(1, days + 1))


def test_a_constant_path_is_its_daily_free_cash_flow_discounted():
    """3.9 BTC a day at 60,000 USD less 96,000 USD of power: 138,000 USD a day for 120 days, and the fleet's resale
    value at the horizon discounted to day 0."""
    assert MINED_USD_PER_DAY - POWER_USD_PER_DAY == pytest.approx(138_000.0)
    ds = run(base())
    flows = pv(MINED_USD_PER_DAY - POWER_USD_PER_DAY) + FLEET_USD * discount(N_DAYS)
    opening = 1e9 + 1_000 * PRICE_USD
    assert float(ds["dcf_equity_usd"]) == pytest.approx(opening + flows, rel=1e-9)
    assert float(ds["ev_usd"]) == pytest.approx(flows, rel=1e-9)  # no debt; day 0's cash and BTC are not the EV
    assert float(ds["dcf_per_share_usd"]) == pytest.approx((opening + flows) / 1e8, rel=1e-9)


def test_a_higher_rate_lowers_the_value_by_the_discount_alone():
    data = base(equity_discount_rate_per_year=0.30)
    assert float(run(data)["ev_usd"]) == pytest.approx(pv(MINED_USD_PER_DAY - POWER_USD_PER_DAY, rate=0.30)
                                                       + FLEET_USD * discount(N_DAYS, 0.30), rel=1e-9)


def test_debt_costs_its_interest_and_its_principal_at_the_horizon():
    """200 M USD at 10 %: each day pays 200e6 x 0.10 / 365; the principal is owed at the horizon (terminal value
    -200 M, discounted); the EV adds the day-0 debt back."""
    data = base(debt_usd=200e6, debt_rate_per_year=0.10)
    ds = run(data)
    operations = (pv(MINED_USD_PER_DAY - POWER_USD_PER_DAY - 200e6 * 0.10 / 365)
                  + (FLEET_USD - 200e6) * discount(N_DAYS))
    assert float(ds["dcf_equity_usd"]) == pytest.approx(1e9 + 1_000 * PRICE_USD + operations, rel=1e-9)
    assert float(ds["ev_usd"]) == pytest.approx(operations + 200e6, rel=1e-9)


@pytest.mark.parametrize("policy", [{"kind": "sell_all"}, {"kind": "buy_with_cash", "cash_floor_usd": 0.0},
                                    {"kind": "buy_with_equity", "issue_usd_per_day": 1e6, "mnav_ratio": 1.2}])
def test_trading_btc_or_issuing_shares_at_market_is_not_a_flow(policy):
    """Selling or buying BTC at the day's price, or selling shares for cash, moves value between the balance sheet's
    lines: on a constant path every policy has hold_all's DCF (its flows are the same 138,000 USD a day)."""
    assert float(run(base(), **policy)["dcf_equity_usd"]) == pytest.approx(float(run(base())["dcf_equity_usd"]),
                                                                        rel=1e-12)


def test_what_a_lease_still_pays_is_in_the_terminal_value_whatever_the_nav_basis():
    """25 MW leased on day 11 for two years: at the horizon the remaining rent enters the DCF's terminal value, the
    same whether NAV counts contracts or not."""
    def leased(nav_basis: str) -> dict:
        data = base(nav_basis=nav_basis)
        data["policy"]["capacity"] = {
            "kind": "convert_on_day", "day": 11, "mw": 25.0,
            "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 120.0, "term_years": 2.0,
                        "opex_frac_of_revenue": 0.1, "capex_usd_per_mw": 0.0}}
        return data

    with_contracts, balance_sheet = run(leased("with_contracts")), run(leased("balance_sheet"))
    assert float(balance_sheet["contracted_value_usd"]) == 0.0 < float(with_contracts["contracted_value_usd"])
    assert float(balance_sheet["dcf_equity_usd"]) == pytest.approx(float(with_contracts["dcf_equity_usd"]),
                                                                   rel=1e-12)
    # the terminal value is the contracted value (discounted to day 0 from the horizon), beside the flows; the
    # quarter of the fleet converted is no longer there to resell
    no_lease = run(base())
    rent_net = 25 * 1000 * 120.0 * 12 / 365 * 0.9
    mined_lost = 25.0 / MINING_MW * (MINED_USD_PER_DAY - POWER_USD_PER_DAY)  # a quarter of the fleet stops
    flows = sum((rent_net - mined_lost) * discount(d) for d in range(11, N_DAYS + 1))
    want = (float(no_lease["ev_usd"]) + flows
            + (float(with_contracts["contracted_value_usd"]) - 25.0 / MINING_MW * FLEET_USD) * discount(N_DAYS))
    assert float(with_contracts["ev_usd"]) == pytest.approx(want, rel=1e-6)


def test_an_insolvent_path_is_worth_nothing_to_its_shareholders():
    """Power at 400 USD/MWh costs 960,000 USD a day against 234,000 USD mined: 10 M USD of cash and 10 BTC last
    about two weeks; the path fails, its equity is 0 (limited liability) and its EV what the flows lost."""
    data = base(cash_usd=10e6, btc_held=10.0)
    data["company"]["sites"][0]["power_price_usd_per_mwh"] = 400.0
    data["company"]["sites"][0]["curtailable_frac"] = 0.0
    ds = run(data)
    assert int(ds["insolvent_day"]) > 0
    assert float(ds["dcf_equity_usd"]) == 0.0
    assert float(ds["ev_usd"]) < -10e6 - 10 * PRICE_USD


def test_the_valuation_frame_divides_by_the_fleet_and_the_sites():
    """One row per policy: EV per EH/s is the mean EV over day 0's 5 EH/s; equity per MW the median equity over the
    site's 100 MW."""
    from hashpivot.analysis.valuation import valuation_frame

    result = simulate(from_dict(base(), "valuation test"))
    frame = valuation_frame(result)
    ev = result.dataset["ev_usd"].values[0]
    equity = result.dataset["dcf_equity_usd"].values[0]
    row = frame.iloc[0]
    assert row["policy"] == result.policies[0] and row["equity_discount_rate_per_year"] == RATE
    assert row["ev_usd_per_ehs"] == pytest.approx(ev.mean() / 5.0, rel=1e-12)
    assert row["dcf_equity_usd_per_mw"] == pytest.approx(float(sorted(equity)[1]) / 100.0, rel=1e-12)  # 3 paths
    assert row["dcf_per_share_usd_p50"] == pytest.approx(float(sorted(equity)[1]) / 1e8, rel=1e-12)


def test_the_peers_multiples_are_the_arithmetic_of_their_sources():
    """Market capitalisation / EH/s as the page states both (MARA 3.8 B USD / 60.4 EH/s, ...); J.P. Morgan's ranges."""
    from hashpivot.analysis.valuation import peer_range, peers_frame

    peers = peers_frame().set_index("name")
    assert peers.loc["mara_market_cap_per_ehs", "low_usd"] == pytest.approx(3.8e9 / 60.4, rel=1e-3)
    assert peers.loc["cleanspark_market_cap_per_ehs", "low_usd"] == pytest.approx(2.86e9 / 50.0, rel=1e-3)
    assert peers.loc["riot_market_cap_per_ehs", "low_usd"] == pytest.approx(4.1e9 / 36.6, rel=1e-3)
    assert peer_range("equity_per_mw") == (4.0e6, 17.0e6, "2025-11-24")
    with pytest.raises(ValueError, match="no peer states it"):
        peer_range("ev_per_btc")


def test_the_run_command_prints_the_value_beside_the_peers_and_json_carries_it(tmp_path):
    import json

    from typer.testing import CliRunner

    from hashpivot.cli import app

    path = tmp_path / "s.toml"
    from hashpivot.scenarios.toml import to_toml

    path.write_text(to_toml(from_dict(base(), "valuation test")))
    out = CliRunner().invoke(app, ["run", str(path), "--no-store"], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert "Value on day 0" in out.stdout and "16.0 %/year" in out.stdout and "Peers: market capitalisation" in out.stdout
    got = json.loads(CliRunner().invoke(app, ["run", str(path), "--no-store", "--json"]).stdout)
    assert got["valuation"][0]["ev_usd_mean"] == pytest.approx(
        pv(MINED_USD_PER_DAY - POWER_USD_PER_DAY) + FLEET_USD * discount(N_DAYS), rel=1e-9)
    assert got["valuation"][0]["fleet_value_usd_p50"] == pytest.approx(FLEET_USD, rel=1e-9)
    assert {p["measure"] for p in got["peer_multiples"]} == {"market_cap_per_ehs", "equity_per_mw"}


def test_a_discount_rate_outside_0_to_1_is_refused_naming_the_field(tmp_path):
    from typer.testing import CliRunner

    from cli_helpers import assert_bad_input
    from hashpivot.cli import app

    data = base(equity_discount_rate_per_year=1.5)
    path = tmp_path / "s.toml"
    import tomli_w

    path.write_text(tomli_w.dumps(data))
    assert_bad_input(CliRunner().invoke(app, ["run", str(path), "--no-store"]), "equity_discount_rate_per_year", "1.5")


def test_a_note_repaid_inside_the_horizon_costs_its_interest_and_its_principal_on_its_day():
    """A 10 M USD note at 6 % due on day 30 (2024-05-20): interest 10e6 x 0.06 / 365 on days 1-30, the principal on
    day 30, nothing owed at the horizon; the EV adds the note back as day 0's debt."""
    data = base()
    data["company"]["debt"] = [{"name": "note", "kind": "note", "principal_usd": 10e6, "rate_per_year": 0.06,
                                "maturity_date": "2024-05-20"}]
    ds = run(data)
    assert float(ds["tranche_repaid_usd"]) == 10e6
    flows = (pv(MINED_USD_PER_DAY - POWER_USD_PER_DAY) - sum(10e6 * 0.06 / 365 * discount(d) for d in range(1, 31))
             - 10e6 * discount(30) + FLEET_USD * discount(N_DAYS))
    assert float(ds["ev_usd"]) == pytest.approx(flows + 10e6, rel=1e-9)
    assert float(ds["dcf_equity_usd"]) == pytest.approx(1e9 + 1_000 * PRICE_USD + flows, rel=1e-9)


@pytest.mark.parametrize("converts", [True, False])
def test_a_convertible_is_borrowing_whether_it_is_repaid_in_cash_or_settled_in_shares(converts):
    """100 M USD at a 2 % coupon issued on day 10 for 60 days: the principal comes in on day 10, the coupon is paid
    on days 11-70 on the principal outstanding, and on day 70 the principal goes out, in cash or in new shares
    (equity issued for the note: not value for day 0's holders). Either way the DCF is the same."""
    data = base()
    data["policy"]["treasury"] = {"kind": "buy_with_convertible", "principal_usd": 100e6, "coupon_rate_per_year": 0.02,
                                  "issue_day": 10, "term_days": 60, "mnav_ratio": 1.0,
                                  "conversion_price_usd_per_share": 0.01 if converts else 1e6}
    ds = run(data)
    assert (float(ds["shares"]) > 1e8) == converts
    flows = (pv(MINED_USD_PER_DAY - POWER_USD_PER_DAY) + 100e6 * discount(10)
             - sum(100e6 * 0.02 / 365 * discount(d) for d in range(11, 71)) - 100e6 * discount(70)
             + FLEET_USD * discount(N_DAYS))
    assert float(ds["ev_usd"]) == pytest.approx(flows, rel=1e-9)


def test_nav_per_share_is_kept_at_every_month_end():
    """At each stored month end, NAV / shares (no issuance here: 1e8 shares) is the month's NAV / 1e8."""
    data = base()
    data["run"]["store_paths"] = 2
    ds = run(data)
    import numpy as np

    np.testing.assert_allclose(ds["monthly_nav_per_share_usd"].values, ds["monthly_nav_usd"].values / 1e8, rtol=1e-6)


def test_a_fleet_addition_costs_its_capex_on_the_order_day_and_earns_from_the_energize_day():
    """2 EH/s at 20 J/TH ordered on day 11 (2024-05-01) at 16 USD/TH, energized 30 days later (day 41) on a site
    with room: 32 M USD out on day 11, then 2 x 0.78 BTC x 60,000 USD - 40 MW x 24 h x 40 USD/MWh = 55,200 USD a
    day from day 41."""
    data = base()
    data["company"]["sites"][0]["power_mw"] = 140.0
    data["company"]["fleet_additions"] = [{"on_date": "2024-05-01", "site": "s", "hashrate_ehs": 2.0,
                                           "efficiency_j_per_th": 20.0, "price_usd_per_th": 16.0,
                                           "lead_time_days": 30, "uptime_frac": 1.0, "pool_fee_frac": 0.0}]
    added = 2.0 * BTC_PER_DAY_PER_EHS * PRICE_USD - 40.0 * 24 * 40.0
    assert added == pytest.approx(55_200.0)
    # at the horizon the addition resells too: 2e6 TH/s at its 16 USD/TH, worn by the 79 days since it energized
    added_resale = 2e6 * 16.0 * (1 - (N_DAYS - 41) / 365 / 5.0)
    flows = (pv(MINED_USD_PER_DAY - POWER_USD_PER_DAY) - 32e6 * discount(11)
             + sum(added * discount(d) for d in range(41, N_DAYS + 1)) + (FLEET_USD + added_resale) * discount(N_DAYS))
    assert float(run(data)["ev_usd"]) == pytest.approx(flows, rel=1e-9)
