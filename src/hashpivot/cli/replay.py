"""``hashpivot replay``: the real chain history drives a company through the same daily step as Monte
Carlo, and the months are printed beside the production the company reported.

The replay is :func:`hashpivot.api.replay`, the monthly table :func:`hashpivot.analysis.replay.monthly_table`;
this module reads the options and prints.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hashpivot.cli.common import CheckOpt, DataOpt, DebugOpt, JsonOpt, echo_json, exit_on_error, fmt_usd, rich_console

#: The columns of the terminal table: (column of the monthly table, header, format; None: USD scaled).
_COLUMNS = (("mined_btc", "mined BTC", "{:,.1f}"), ("reported_mined_btc", "reported BTC", "{:,.1f}"),
            ("mined_vs_reported_frac", "ours vs reported", "{:+.1%}"), ("sold_btc", "sold BTC", "{:,.1f}"),
            ("btc_held", "held BTC", "{:,.0f}"), ("mining_revenue_usd", "revenue", None),
            ("hashprice_usd_per_th_day", "hashprice", "{:.4f}"),
            ("cost_per_btc_mined_usd", "power per BTC", None),
            ("mining_margin_usd_per_mw_day", "mining USD/MW-day", "{:,.0f}"),
            ("ai_margin_usd_per_mw_day", "AI USD/MW-day", "{:,.0f}"))


def replay(
    company: Annotated[str, typer.Option("--company", metavar="NAME",
                                         help="A preset (e.g. riot, riot_2024q2, default) or a scenario TOML file.")],
    date_from: Annotated[str, typer.Option("--from", metavar="DATE", help="First day replayed, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", metavar="DATE", help="Last day replayed, YYYY-MM-DD.")],
    data: DataOpt = None,
    policy: Annotated[str | None, typer.Option("--policy", metavar="NAME", help="Treasury policy (default: the scenario's).")] = None,
    check: CheckOpt = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Replay history: the real chain drives the company through the same daily step as Monte Carlo."""
    with exit_on_error(debug, {"date_from": "--from", "date_to": "--to"}):
        from hashpivot import api
        from hashpivot.analysis.replay import monthly_table
        from hashpivot.io import ATTRIBUTION

        scenario = api.load_company(company)
        result = api.replay(scenario, date_from=date_from, date_to=date_to, data=data,
                            policies=[policy] if policy else None, check_invariants=check)
        table = monthly_table(result, reported=scenario.company.reported_production)
        if as_json:
            rows = [{"month": m, **{k: (None if v != v else float(v)) for k, v in row.items()}}
                    for m, row in table.to_dict(orient="index").items()]
            echo_json({"scenario": scenario.name, "policy": result.policies[0], "from": date_from,
                       "to": date_to, "months": rows, "attribution": ATTRIBUTION})
            return
        from rich.table import Table

        grid = Table(title=f"Replay of {scenario.name} ({result.policies[0]}), {date_from}..{date_to}",
                     header_style="bold")
        grid.add_column("month")
        for _, header, _ in _COLUMNS:
            grid.add_column(header, justify="right")
        for month, row in table.iterrows():
            grid.add_row(month, *("-" if row[c] != row[c] else (fmt_usd(row[c]) if f is None else f.format(row[c]))
                                  for c, _, f in _COLUMNS))
        rich_console().print(grid)
        typer.echo(ATTRIBUTION)
