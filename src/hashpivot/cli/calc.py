"""``hashpivot calc``: the mining calculator users know from Braiins Insights: hashprice today (USD and BTC per
PH/s per day, from the chain table or the data cache), and a fleet's revenue, power cost, margin, break-even power
price and hashprice and cost to mine one BTC, today and over a horizon with a difficulty and a price path.

The numbers come from :mod:`hashpivot.analysis.calc`, the chain table from :mod:`hashpivot.io`; this module reads
the options (in the units a user states them: PH/s, J/TH, USD/MWh, percent) and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hashpivot.cli.common import (
    DebugOpt,
    JsonOpt,
    echo_json,
    exit_on_error,
    fitted_table,
    print_fitted,
    rich_console,
)

#: The options' names for the calculator's fields (an error names the option the user typed).
OPTIONS = {
    "hashrate_phs": "--hashrate-phs", "efficiency_j_per_th": "--efficiency-j-per-th",
    "power_price_usd_per_mwh": "--power-price-usd-per-mwh", "pool_fee_frac": "--pool-fee-pct",
    "pue_ratio": "--pue", "horizon_days": "--days", "difficulty_growth_frac": "--difficulty-growth-pct",
    "btc_price_growth_frac_per_year": "--price-growth-pct", "btc_price_usd": "--btc-price-usd",
    "difficulty": "--difficulty", "fees_btc_per_block": "--fees-btc-per-block", "height": "--height",
}
#: Percent options (divided by 100 into the calculator's fractions) and what each allows, in %: the bounds of
#: :class:`hashpivot.analysis.calc.CalcFleet` and :class:`~hashpivot.analysis.calc.CalcPath` x 100.
PERCENT = {"pool_fee_frac": "from 0 to below 100 %",
           "difficulty_growth_frac": "from -75 % (the x4 retarget clamp) to +300 %",
           "btc_price_growth_frac_per_year": "from -99 % to +10,000 %"}


def _model(cls, values: dict):
    """``cls(**values)``, a validation failure as an InputError naming the option, the value and the limit."""
    from pydantic import ValidationError

    from hashpivot.errors import InputError

    try:
        return cls(**values)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0])
        if field in PERCENT:
            raise InputError(field, round(values[field] * 100, 12), PERCENT[field]) from None
        raise InputError(field, values.get(field), err["msg"].removeprefix("Input should be ")) from None


def calc(
    hashrate_phs: Annotated[float | None, typer.Option("--hashrate-phs", metavar="PH/S",
                                                      help="Fleet hashrate in PH/s (required).")] = None,
    efficiency_j_per_th: Annotated[float | None, typer.Option("--efficiency-j-per-th", metavar="J/TH",
                                                             help="Fleet efficiency in J/TH (required).")] = None,
    power_price_usd_per_mwh: Annotated[float | None, typer.Option("--power-price-usd-per-mwh", metavar="USD/MWH",
                                                                 help="All-in power price in USD/MWh (required).")] = None,
    pool_fee_pct: Annotated[float, typer.Option("--pool-fee-pct", metavar="PCT", help="Pool fee in %.")] = 0.0,
    pue: Annotated[float, typer.Option("--pue", metavar="RATIO", help="Facility power / miners' power.")] = 1.0,
    days: Annotated[int, typer.Option("--days", metavar="N", help="Horizon in days.")] = 365,
    difficulty_growth_pct: Annotated[float, typer.Option(
        "--difficulty-growth-pct", metavar="PCT", help="Difficulty change at each retarget (every 14 days), in %.")] = 0.0,
    price_growth_pct: Annotated[float, typer.Option(
        "--price-growth-pct", metavar="PCT", help="BTC price change per year, in %.")] = 0.0,
    btc_price_usd: Annotated[float | None, typer.Option("--btc-price-usd", metavar="USD",
                                                       help="BTC price today (default: the chain table's last day).")] = None,
    difficulty: Annotated[float | None, typer.Option("--difficulty", metavar="D",
                                                    help="Network difficulty today (default: the chain table's).")] = None,
    fees_btc_per_block: Annotated[float | None, typer.Option(
        "--fees-btc-per-block", metavar="BTC", help="Fees per block (default: the chain table's last 30 days).")] = None,
    height: Annotated[int | None, typer.Option("--height", metavar="N",
                                              help="Height of the last block (default: counted in the chain table).")] = None,
    data: Annotated[Path | None, typer.Option("--data", metavar="PATH",
                                             help="Chain table (default $HASHPIVOT_DATA, else the data cache).")] = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Mining calculator: a fleet's hashprice, revenue, power, margin, break-evens and cost to mine one BTC.

    Today's figures, and over --days with a difficulty and a price path."""
    with exit_on_error(debug, OPTIONS):
        from hashpivot.analysis.calc import CalcFleet, CalcPath, MarketToday, calculate
        from hashpivot.errors import ScenarioError

        missing = [f"{OPTIONS[field]} {unit}" for field, value, unit in (
            ("hashrate_phs", hashrate_phs, "PH/s"), ("efficiency_j_per_th", efficiency_j_per_th, "J/TH"),
            ("power_price_usd_per_mwh", power_price_usd_per_mwh, "USD/MWh")) if value is None]
        if missing:
            raise ScenarioError(f"the fleet is not given: {', '.join(missing)} required; allowed: a number for "
                                "each, e.g. hashpivot calc --hashrate-phs 1000 --efficiency-j-per-th 18 "
                                "--power-price-usd-per-mwh 45")
        fleet = _model(CalcFleet, {"hashrate_phs": hashrate_phs, "efficiency_j_per_th": efficiency_j_per_th,
                                   "power_price_usd_per_mwh": power_price_usd_per_mwh,
                                   "pool_fee_frac": pool_fee_pct / 100, "pue_ratio": pue})
        path = _model(CalcPath, {"horizon_days": days, "difficulty_growth_frac": difficulty_growth_pct / 100,
                                 "btc_price_growth_frac_per_year": price_growth_pct / 100})
        given = {"btc_price_usd": btc_price_usd, "difficulty": difficulty, "fees_btc_per_block": fees_btc_per_block,
                 "height": height}
        from hashpivot import api

        result = calculate(_model(MarketToday, api.calc_market(given, data)), fleet, path)
        if as_json:
            from hashpivot.io.export import json_value

            echo_json(json_value(result.to_dict()))
            return
        _print(result)


def _print(result) -> None:
    from hashpivot.format import fmt_btc, fmt_number, fmt_usd

    t, h, m, f, n = result.today, result.horizon, result.market, result.fleet, result.path.horizon_days
    rows = [
        ("hashprice [USD/PH/day]", fmt_number(t.hashprice_usd_per_ph_day), fmt_number(h.hashprice_usd_per_ph_day)),
        ("hashprice [BTC/PH/day]", fmt_number(t.hashprice_btc_per_ph_day), fmt_number(h.hashprice_btc_per_ph_day)),
        ("revenue [USD]", fmt_usd(t.revenue_usd), fmt_usd(h.revenue_usd)),
        ("power cost [USD]", fmt_usd(t.power_cost_usd), fmt_usd(h.power_cost_usd)),
        ("margin [USD]", fmt_usd(t.margin_usd), fmt_usd(h.margin_usd)),
        ("BTC mined [BTC]", fmt_number(t.btc_mined), fmt_btc(h.btc_mined)),
        ("break-even power price [USD/MWh]", fmt_number(t.breakeven_power_price_usd_per_mwh),
         fmt_number(h.breakeven_power_price_usd_per_mwh)),
        ("break-even hashprice [USD/PH/day]", fmt_number(t.breakeven_hashprice_usd_per_ph_day),
         fmt_number(h.breakeven_hashprice_usd_per_ph_day)),
        ("cost to mine 1 BTC [USD]", fmt_usd(t.cost_to_mine_usd_per_btc), fmt_usd(h.cost_to_mine_usd_per_btc)),
    ]
    console = rich_console()
    for line in (f"fleet: {f.hashrate_phs:,.10g} PH/s at {f.efficiency_j_per_th:g} J/TH (PUE {f.pue_ratio:g}), "
                 f"{f.power_price_usd_per_mwh:g} USD/MWh, pool fee {f.pool_fee_frac * 100:g} %",
                 f"market{' on ' + m.date if m.date else ''}: BTC {fmt_usd(m.btc_price_usd)} USD, difficulty "
                 f"{m.difficulty / 1e12:,.2f} T, fees {m.fees_btc_per_block:.4f} BTC/block, height {m.height:,}"):
        # wrapped, the line goes on indented under its start
        console.print(line, markup=False, indent="    ")
    over = f"over {n:,} day{'' if n == 1 else 's'}"
    grid, dropped = fitted_table(
        f"Calculator: today and {over} (difficulty {result.path.difficulty_growth_frac * 100:+g} % per "
        f"retarget, BTC price {result.path.btc_price_growth_frac_per_year * 100:+g} % a year)",
        [("figure", "left", 0), ("today (a day)", "right", 0), (over, "right", 0)],
        rows, console.width)
    print_fitted(console, grid, dropped, False)
    console.print("Over the horizon: totals; hashprice, break-evens and cost to mine are the horizon's averages "
                  "(total over total). Break-evens and cost to mine count electricity only (PUE included).")
    if result.first_loss_day is not None:
        console.print(f"The margin turns negative on day {result.first_loss_day:,} of {n:,}.")
    console.print(f"source: {m.source}")
