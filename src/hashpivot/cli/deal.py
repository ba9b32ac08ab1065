"""``hashpivot deal``: a lease deal's terms (value, MW, years, escalator, discount) as USD per kW-month, NPV and
margin per MW-day, beside mining's margin per MW-day on the chain table's dates. The numbers are
:func:`hashpivot.api.deal`'s; this module reads the options and prints."""

from __future__ import annotations

from typing import Annotated

import typer

from hashpivot.cli.common import (
    ChainDataOpt,
    DebugOpt,
    JsonOpt,
    echo_json,
    exit_on_error,
    fmt_usd,
    parse_share,
    rich_console,
)


def deal(
    value_usd: Annotated[float, typer.Option("--value-usd", metavar="USD", help="Contract value over the term, e.g. 3.5e9.")],
    mw: Annotated[float, typer.Option("--mw", metavar="MW", help="Critical IT load contracted.")],
    years: Annotated[float, typer.Option("--years", metavar="YEARS", help="Contract term.")],
    escalator: Annotated[str, typer.Option("--escalator", metavar="PCT", help="Yearly rent escalator, e.g. 3%.")] = "0%",
    discount: Annotated[str, typer.Option("--discount", metavar="PCT", help="Yearly discount rate of the NPV, e.g. 10%.")] = "0%",
    pue: Annotated[float, typer.Option("--pue", metavar="RATIO", help="Grid MW per IT MW (for the margin per grid MW).")] = 1.0,
    opex: Annotated[str | None, typer.Option(
        "--opex", metavar="PCT", help="Our operating cost share of the rent (power is the tenant's). [default: 10%, "
        "a colocation lease's default, RM1's lease opex]")] = None,
    date_from: Annotated[str | None, typer.Option("--from", metavar="DATE", help="First day of mining's comparison.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last day of mining's comparison.")] = None,
    efficiency: Annotated[float, typer.Option("--efficiency", metavar="J/TH", help="Miners compared (J/TH).")] = 20.0,
    power_price: Annotated[float, typer.Option("--power-price", metavar="USD/MWh", help="Miners' power price.")] = 45.0,
    data: ChainDataOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """A lease deal as USD per kW-month, NPV and margin per MW-day, beside mining's margin on the same dates."""
    names = {"value_usd": "--value-usd", "it_load_mw": "--mw", "term_years": "--years", "pue_ratio": "--pue",
             "date_from": "--from", "date_to": "--to", "efficiency_j_per_th": "--efficiency",
             "power_price_usd_per_mwh": "--power-price", "opex_frac_of_revenue": "--opex"}
    with exit_on_error(debug, names):
        from hashpivot import api

        out = api.deal(value_usd, mw, years, escalator_frac_per_year=parse_share(escalator, "--escalator"),
                       discount_frac_per_year=parse_share(discount, "--discount"), pue_ratio=pue,
                       opex_frac_of_revenue=None if opex is None else parse_share(opex, "--opex", below_1=True),
                       date_from=date_from, date_to=date_to,
                       data=data, efficiency_j_per_th=efficiency, power_price_usd_per_mwh=power_price)
        if as_json:
            echo_json(out)
            return
        d, m = out["deal"], out["mining"]
        console = rich_console()

        def say(line: str) -> None:  # prose, wrapped at spaces to the terminal, its continuation indented
            console.print(line, markup=False, indent="    ")

        say(f"deal: {fmt_usd(d['value_usd'])} over {d['it_load_mw']:g} MW of IT load and {d['term_years']:g} years "
            f"(escalator {d['escalator_frac_per_year']:.1%}, discount {d['discount_frac_per_year']:.1%})")
        say(f"  rate: {d['first_year_rate_usd_per_kw_month']:.2f} USD/kW-month in year 1, "
            f"{d['average_rate_usd_per_kw_month']:.2f} on average")
        say(f"  NPV of the rent: {fmt_usd(d['npv_usd'])} ({d['npv_usd_per_kw']:,.0f} USD per kW)")
        say(f"  margin: {d['margin_usd_per_it_mw_day']:,.0f} USD per IT MW-day, "
            f"{d['margin_usd_per_grid_mw_day']:,.0f} per grid MW-day (PUE {d['pue_ratio']:g}, "
            f"opex {d['opex_frac_of_revenue']:.0%})")
        if m is None:
            say("mining: no chain table found (give --data or set HASHPIVOT_DATA) to compare")
            return
        say(f"mining {m['from']}..{m['to']}: hashprice {m['hashprice_usd_per_th_day']:.4f} USD/TH/day; "
            f"{m['efficiency_j_per_th']:g} J/TH at {m['power_price_usd_per_mwh']:g} USD/MWh earns "
            f"{m['margin_usd_per_mw_day']:,.0f} USD per MW-day")
        from hashpivot.io import ATTRIBUTION

        typer.echo(ATTRIBUTION)
