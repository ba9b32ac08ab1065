"""``hashpivot calc`` (issue 16, point 2) against hand calculations: hashprice from subsidy, fees, difficulty and
price; the break-even power price from J/TH; break-even hashprice and cost to mine one BTC; the difficulty and
price paths; the halving inside the horizon; and today's market counted from a chain table."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_bad_input, assert_fits_columns
from typer.testing import CliRunner

from hashpivot.analysis.calc import CalcFleet, CalcPath, MarketToday, calculate
from hashpivot.cli import app

# A market stated by hand: difficulty 100 T, BTC at 90,000 USD, 0.025 BTC of fees a block, last block 900,000
# (the next 144 blocks pay 3.125 BTC: the 5th halving is at 1,050,000).
D, P, FEES, HEIGHT = 100e12, 90_000.0, 0.025, 900_000
# Network hashrate the difficulty implies: D x 2^32 / 600 s, in PH/s (1 PH/s = 1e15 H/s).
NETWORK_PHS = D * 2**32 / 600 / 1e15
# Hashprice: 144 blocks x (3.125 + 0.025) BTC x 90,000 USD / network PH/s.
HASHPRICE_USD_PER_PH_DAY = 144 * (3.125 + FEES) * P / NETWORK_PHS
HASHVALUE_BTC_PER_PH_DAY = 144 * (3.125 + FEES) / NETWORK_PHS


def _market(**change) -> MarketToday:
    return MarketToday(**{"btc_price_usd": P, "difficulty": D, "fees_btc_per_block": FEES, "height": HEIGHT,
                          **change})


def test_hashprice_and_a_fleets_day_by_hand():
    assert NETWORK_PHS == pytest.approx(715_827.88, rel=1e-8)  # 100e12 x 4,294,967,296 / 600 / 1e15
    assert HASHPRICE_USD_PER_PH_DAY == pytest.approx(57.0310, rel=1e-5)  # 40,824,000 / 715,827.88
    fleet = CalcFleet(hashrate_phs=1_000, efficiency_j_per_th=20, power_price_usd_per_mwh=45)
    r = calculate(_market(), fleet, CalcPath(horizon_days=1))
    t = r.today
    assert t.hashprice_usd_per_ph_day == pytest.approx(HASHPRICE_USD_PER_PH_DAY, rel=1e-12)
    assert t.hashprice_btc_per_ph_day == pytest.approx(HASHVALUE_BTC_PER_PH_DAY, rel=1e-12)
    # 1,000 PH/s = 1e6 TH/s at 20 J/TH draws 20 MW: 480 MWh a day, 21,600 USD at 45 USD/MWh.
    assert t.energy_mwh == pytest.approx(480.0, rel=1e-12)
    assert t.power_cost_usd == pytest.approx(21_600.0, rel=1e-12)
    assert t.revenue_usd == pytest.approx(1_000 * HASHPRICE_USD_PER_PH_DAY, rel=1e-12)
    assert t.margin_usd == pytest.approx(1_000 * HASHPRICE_USD_PER_PH_DAY - 21_600.0, rel=1e-12)
    assert t.btc_mined == pytest.approx(1_000 * HASHVALUE_BTC_PER_PH_DAY, rel=1e-12)
    # Break-even power price from J/TH: a TH/s earns hashprice / 1000 USD a day and uses 20 x 24 / 1e6 MWh.
    assert t.breakeven_power_price_usd_per_mwh == pytest.approx(
        (HASHPRICE_USD_PER_PH_DAY / 1_000) / (20 * 24 / 1e6), rel=1e-12)
    # Break-even hashprice: 45 USD/MWh x 20 J/TH x 24 h / 1e6 = 0.0216 USD/TH/day = 21.6 USD/PH/day.
    assert t.breakeven_hashprice_usd_per_ph_day == pytest.approx(21.6, rel=1e-12)
    # Cost to mine 1 BTC: the day's power bill over the day's BTC.
    assert t.cost_to_mine_usd_per_btc == pytest.approx(21_600.0 / (1_000 * HASHVALUE_BTC_PER_PH_DAY), rel=1e-12)
    assert r.first_loss_day is None


def test_pool_fee_and_pue_enter_revenue_energy_and_the_break_evens():
    fleet = CalcFleet(hashrate_phs=1_000, efficiency_j_per_th=20, power_price_usd_per_mwh=45, pool_fee_frac=0.02,
                      pue_ratio=1.1)
    t = calculate(_market(), fleet, CalcPath(horizon_days=1)).today
    revenue = 1_000 * HASHPRICE_USD_PER_PH_DAY * 0.98
    energy = 480.0 * 1.1  # cooling draws 10 % on top of the miners' 20 MW
    assert t.revenue_usd == pytest.approx(revenue, rel=1e-12)
    assert t.power_cost_usd == pytest.approx(energy * 45, rel=1e-12)
    assert t.breakeven_power_price_usd_per_mwh == pytest.approx(revenue / energy, rel=1e-12)
    # 45 x 20 x 1.1 x 24 / 1e6 / 0.98 USD/TH/day, x 1000 per PH/s
    assert t.breakeven_hashprice_usd_per_ph_day == pytest.approx(45 * 22 * 24 / 1e6 / 0.98 * 1000, rel=1e-12)
    assert t.cost_to_mine_usd_per_btc == pytest.approx(energy * 45 / (1_000 * HASHVALUE_BTC_PER_PH_DAY * 0.98),
                                                       rel=1e-12)


def test_difficulty_steps_at_each_retarget_and_the_price_compounds():
    fleet = CalcFleet(hashrate_phs=1_000, efficiency_j_per_th=20, power_price_usd_per_mwh=45)
    r = calculate(_market(), fleet, CalcPath(horizon_days=366, difficulty_growth_frac=0.10,
                                             btc_price_growth_frac_per_year=1.0))
    d = r.daily.set_index("day")
    # 2,016 blocks at 144 a day: a retarget every 14 days; days 1-14 at D, 15-28 at 1.1 D, day 366 after 26.
    assert d.at[14, "difficulty"] == D and d.at[15, "difficulty"] == pytest.approx(1.1 * D, rel=1e-12)
    assert d.at[366, "difficulty"] == pytest.approx(D * 1.1**26, rel=1e-12)
    # +100 % a year compounded daily: day 366 (365 days on) at 2 P.
    assert d.at[366, "btc_price_usd"] == pytest.approx(2 * P, rel=1e-12)
    # The horizon's totals are the days' sums; its break-even power price is total revenue / total MWh.
    h = r.horizon
    assert h.revenue_usd == pytest.approx(d["revenue_usd"].sum(), rel=1e-12)
    assert h.energy_mwh == pytest.approx(366 * 480.0, rel=1e-12)
    assert h.breakeven_power_price_usd_per_mwh == pytest.approx(d["revenue_usd"].sum() / (366 * 480.0), rel=1e-12)
    # The margin turns negative the first day hashprice falls below 21.6 USD/PH/day.
    below = d.index[d["hashprice_usd_per_ph_day"] < 21.6]
    assert r.first_loss_day == (int(below[0]) if len(below) else None)


def test_the_halving_falls_on_its_day():
    # Last block 1,049,927: day 1's blocks are 1,049,928..1,050,071, 72 at 3.125 and 72 at 1.5625 BTC.
    fleet = CalcFleet(hashrate_phs=1_000, efficiency_j_per_th=20, power_price_usd_per_mwh=45)
    d = calculate(_market(height=1_049_927), fleet, CalcPath(horizon_days=2)).daily
    assert d["subsidy_btc"].tolist() == [(72 * 3.125 + 72 * 1.5625) / 144, 1.5625]
    assert d.at[1, "hashprice_usd_per_ph_day"] == pytest.approx(144 * (1.5625 + FEES) * P / NETWORK_PHS, rel=1e-12)


def test_calc_reads_today_from_a_chain_table(make_chain_csv, synthetic_rows):
    path = make_chain_csv()
    rows = synthetic_rows()
    runner = CliRunner()
    result = runner.invoke(app, ["calc", "--hashrate-phs", "1000", "--efficiency-j-per-th", "20",
                                 "--power-price-usd-per-mwh", "45", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    market = json.loads(result.stdout)["market"]
    last = rows[-1]
    assert market["date"] == last["date"]
    assert market["btc_price_usd"] == float(last["price_usd"])
    assert market["difficulty"] == float(last["difficulty_mean"])
    window = rows[-30:]
    assert market["fees_btc_per_block"] == pytest.approx(
        sum(float(r["fees_btc"]) for r in window) / sum(int(r["block_count"]) for r in window), rel=1e-12)
    # Day 30 (2024-03-31) holds the halving: block 840,000 and 39 more new-subsidy blocks, then days 31-59.
    assert market["height"] == 840_000 + 40 - 1 + sum(int(r["block_count"]) for r in rows[31:])
    assert "Coin Metrics" in market["source"]
    text = runner.invoke(app, ["calc", "--hashrate-phs", "1000", "--efficiency-j-per-th", "20",
                               "--power-price-usd-per-mwh", "45", "--data", str(path)], env={"COLUMNS": "80"})
    assert text.exit_code == 0, text.output
    assert_fits_columns(text.stdout)
    assert "break-even power price [USD/MWh]" in text.stdout and "Coin Metrics" in text.stdout


def test_calc_needs_no_table_when_the_market_is_given_and_names_bad_input():
    runner = CliRunner()
    market = ["--btc-price-usd", str(P), "--difficulty", str(D), "--fees-btc-per-block", str(FEES),
              "--height", str(HEIGHT)]
    ok = runner.invoke(app, ["calc", "--hashrate-phs", "1000", "--efficiency-j-per-th", "20",
                             "--power-price-usd-per-mwh", "45", *market, "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["today"]["hashprice_usd_per_ph_day"] == pytest.approx(HASHPRICE_USD_PER_PH_DAY,
                                                                                      rel=1e-12)
    assert_bad_input(runner.invoke(app, ["calc", "--hashrate-phs", "1000", "--efficiency-j-per-th", "20", *market]),
                     "--power-price-usd-per-mwh USD/MWh required")
    # every missing one named at once, with a line that works
    line = assert_bad_input(runner.invoke(app, ["calc", *market]), "--hashrate-phs PH/s, --efficiency-j-per-th "
                            "J/TH, --power-price-usd-per-mwh USD/MWh required")
    example = line.split("e.g. hashpivot ")[1].rstrip(".").split()
    assert runner.invoke(app, [*example, *market]).exit_code == 0
    assert_bad_input(runner.invoke(app, ["calc", "--hashrate-phs", "1000", "--efficiency-j-per-th", "20",
                                         "--power-price-usd-per-mwh", "45", "--pool-fee-pct", "100", *market]),
                     "--pool-fee-pct", "100", "below 100 %")
    assert_bad_input(runner.invoke(app, ["calc", "--hashrate-phs", "0", "--efficiency-j-per-th", "20",
                                         "--power-price-usd-per-mwh", "45", *market]),
                     "--hashrate-phs", "greater than 0")


def test_a_scenarios_fleets_as_one_calculator_fleet():
    from hashpivot import api

    f = api.calc_fleet_of("default")
    # default: 15 EH/s at 17.5, 10 at 21.5 and 4 at 30.5 J/TH, all in 'texas' at 45 USD/MWh, pool fee 2 %.
    assert f["hashrate_phs"] == pytest.approx(29_000.0, rel=1e-12)
    assert f["efficiency_j_per_th"] == pytest.approx((15 * 17.5 + 10 * 21.5 + 4 * 30.5) / 29, rel=1e-12)  # 20.67
    assert f["power_price_usd_per_mwh"] == pytest.approx(45.0, rel=1e-12)
    assert f["pool_fee_frac"] == pytest.approx(0.02, rel=1e-12)
    market = {"btc_price_usd": P, "difficulty": D, "fees_btc_per_block": FEES, "height": HEIGHT}
    assert api.calc(f, market=market).today.revenue_usd == pytest.approx(
        29_000 * HASHPRICE_USD_PER_PH_DAY * 0.98, rel=1e-12)


# ------------------------------------------------------------------------- calculator -> Monte Carlo scenario


def _calm_default():
    """The default preset with every random driver still: the Monte Carlo paths are the calculator's path."""
    from hashpivot.scenarios.toml import load_preset

    base = load_preset("default")
    for path in ("market.btc_price.vol_per_sqrt_day", "market.network_hashrate.vol_per_sqrt_day", "market.fees.vol_log",
                 "market.fees.spike_prob_per_day"):
        base = base.replace(path, 0.0)
    return base


def test_the_calculators_inputs_become_a_scenario_by_hand():
    import math

    from hashpivot.analysis.calc import scenario_from_calc

    fleet = CalcFleet(hashrate_phs=1_000, efficiency_j_per_th=20, power_price_usd_per_mwh=45, pool_fee_frac=0.02,
                      pue_ratio=1.1)
    r = calculate(_market(date="2025-06-01"), fleet, CalcPath(horizon_days=700, difficulty_growth_frac=0.02,
                                                             btc_price_growth_frac_per_year=0.3))
    sc = scenario_from_calc(r, _calm_default())
    assert (str(sc.run.start_date), sc.run.start_height, sc.run.horizon_days) == ("2025-06-01", 900_001, 700)
    assert sc.market.btc_price.start_usd == P
    assert sc.market.btc_price.drift_per_day == pytest.approx(math.log(1.3) / 365, rel=1e-12)  # mean path +30 %/y
    assert sc.market.network_hashrate.kind == "lognormal"
    assert sc.market.network_hashrate.start_ehs == pytest.approx(NETWORK_PHS / 1_000, rel=1e-12)
    assert sc.market.difficulty.start_ehs == pytest.approx(NETWORK_PHS / 1_000, rel=1e-12)
    assert sc.market.network_hashrate.growth_per_day == pytest.approx(math.log(1.02) / 14, rel=1e-12)  # 2 %/retarget
    assert sc.market.fees.median_btc_per_block == FEES
    (site,), (f,) = sc.company.sites, sc.company.fleets
    # 1 EH/s at 20 J/TH draws 20 MW; with PUE 1.1 the site needs 22 MW
    assert (f.hashrate_ehs, f.efficiency_j_per_th, f.pool_fee_frac, f.uptime_frac) == (1.0, 20.0, 0.02, 1.0)
    assert site.power_mw == pytest.approx(22.0, rel=1e-12) and site.power_price_usd_per_mwh == 45.0
    assert site.pue_ratio == 1.1 and site.power_contract == "flexible"
    assert (sc.company.btc_held, sc.company.cash_usd, sc.company.debt_usd, sc.company.fixed_opex_usd_per_day) == (0, 0, 0, 0)
    assert [p.label for p in sc.treasury_policies()] == ["sell_all", "hold_all"]


def test_a_still_monte_carlo_run_of_the_calculators_scenario_earns_what_the_calculator_says():
    from hashpivot.analysis.calc import scenario_from_calc
    from hashpivot.engine.run import simulate

    fleet = CalcFleet(hashrate_phs=1_000, efficiency_j_per_th=20, power_price_usd_per_mwh=45, pool_fee_frac=0.02,
                      pue_ratio=1.1)
    r = calculate(_market(), fleet, CalcPath(horizon_days=28))
    result = simulate(scenario_from_calc(r, _calm_default()).replace("run.n_paths", 4))
    s = result.summary.set_index(["policy", "metric", "stat"])["value"]
    # a day: 1,000 PH/s x hashprice x 98 % earned, 480 MWh x 1.1 x 45 USD paid, over 22 grid MW
    hand = (1_000 * HASHPRICE_USD_PER_PH_DAY * 0.98 - 480 * 1.1 * 45) / 22
    for policy in ("sell_all", "hold_all"):
        assert s[(policy, "mining_margin_usd_per_mw_day", "p50")] == pytest.approx(hand, rel=1e-9)
        # 28 days x 1,000 PH/s x BTC per PH/s per day x 98 %
        assert s[(policy, "mined_btc", "p50")] == pytest.approx(28 * 1_000 * HASHVALUE_BTC_PER_PH_DAY * 0.98, rel=1e-9)


def test_a_fleet_larger_than_the_network_is_refused():
    # The network the difficulty implies: NETWORK_PHS (about 716 PH/s at 100 T). A fleet of twice that would
    # mine more than the chain issues; so would a fleet below it once the difficulty has fallen under it: at -50 %
    # a retarget, 0.4 x NETWORK_PHS is passed after 2 retargets (0.25 x), on day 2 x 14 + 1 = 29.
    runner = CliRunner()
    market = ["--btc-price-usd", str(P), "--difficulty", str(D), "--fees-btc-per-block", str(FEES),
              "--height", str(HEIGHT)]
    fleet = ["--efficiency-j-per-th", "20", "--power-price-usd-per-mwh", "45"]
    assert_bad_input(runner.invoke(app, ["calc", "--hashrate-phs", str(2 * NETWORK_PHS), *fleet, *market]),
                     "--hashrate-phs", "below the network's hashrate", "on day 1")
    small = ["--hashrate-phs", str(0.4 * NETWORK_PHS), *fleet, *market, "--difficulty-growth-pct", "-50"]
    assert runner.invoke(app, ["calc", *small, "--days", "28"]).exit_code == 0
    assert_bad_input(runner.invoke(app, ["calc", *small, "--days", "29"]), "--hashrate-phs", "on day 29",
                     f"{NETWORK_PHS / 4 / 1000:.4g} EH/s")


def test_one_day_is_one_day_and_a_large_fleet_is_written_out():
    market = ["--btc-price-usd", str(P), "--difficulty", str(D), "--fees-btc-per-block", str(FEES),
              "--height", str(HEIGHT)]
    out = CliRunner().invoke(app, ["calc", "--hashrate-phs", "200", "--efficiency-j-per-th", "20",
                                   "--power-price-usd-per-mwh", "45", "--days", "1", *market],
                             env={"COLUMNS": "120"})
    assert out.exit_code == 0, out.output
    assert "over 1 day " in out.stdout and "1 days" not in out.stdout
    assert "fleet: 200 PH/s" in out.stdout
    big = CliRunner().invoke(app, ["calc", "--hashrate-phs", "200000", "--efficiency-j-per-th", "20",
                                   "--power-price-usd-per-mwh", "45", "--difficulty", str(D * 1000),
                                   "--btc-price-usd", str(P), "--fees-btc-per-block", str(FEES),
                                   "--height", str(HEIGHT)], env={"COLUMNS": "120"})
    assert big.exit_code == 0, big.output
    assert "fleet: 200,000 PH/s" in big.stdout


def test_the_market_line_wrapped_goes_on_indented():
    market = ["--btc-price-usd", str(P), "--difficulty", str(D), "--fees-btc-per-block", str(FEES),
              "--height", str(HEIGHT)]
    out = CliRunner().invoke(app, ["calc", "--hashrate-phs", "200", "--efficiency-j-per-th", "20",
                                   "--power-price-usd-per-mwh", "45", *market], env={"COLUMNS": "50"})
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("market: "))
    assert lines[start + 1].startswith("    ") and "height 900,000" in " ".join(lines[start:start + 3])
