"""``hashpivot replay``: the real chain history drives a company through the same daily step as Monte
Carlo, and the months are printed beside the production the company reported.

The replay is :func:`hashpivot.api.replay`, the monthly table :func:`hashpivot.analysis.replay.monthly_table`;
this module reads the options and prints. With ``--against-reports`` it prints
:func:`hashpivot.api.replay_against_reports`: each month's reported BTC beside what the reported hashrate earns,
with the payout scheme's band widened by the rounding of the two published figures (their decimals as published).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hashpivot.cli.common import (
    ChainDataOpt,
    CheckOpt,
    DebugOpt,
    JsonOpt,
    WideOpt,
    echo_json,
    exit_on_error,
    fitted_table,
    fmt_usd,
    parse_fraction,
    print_fitted,
    refuse_without,
    rich_console,
)
from hashpivot.format import MISSING

#: The columns of the terminal table: (column of the monthly table, header, format (None: USD scaled), priority:
#: the highest dropped first when the terminal is narrow).
_COLUMNS = (("mined_btc", "mined BTC", "{:,.1f}", 1), ("reported_mined_btc", "reported BTC", "{:,.1f}", 1),
            ("mined_vs_reported_frac", "ours vs reported", "{:+.1%}", 1), ("sold_btc", "sold BTC", "{:,.1f}", 3),
            ("btc_held", "held BTC", "{:,.0f}", 2), ("mining_revenue_usd", "revenue", None, 2),
            ("hashprice_usd_per_th_day", "hashprice", "{:.4f}", 3),
            ("cost_per_btc_mined_usd", "power per BTC", None, 4),
            ("mining_margin_usd_per_mw_day", "mining USD/MW-day", "{:,.0f}", 2),
            ("ai_margin_usd_per_mw_day", "AI USD/MW-day", "{:,.0f}", 5))


def replay(
    company: Annotated[str, typer.Option("--company", metavar="NAME",
                                         help="A preset (e.g. riot, riot_2024q2, default) or a scenario TOML file.")],
    date_from: Annotated[str, typer.Option("--from", metavar="DATE", help="First day replayed, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", metavar="DATE", help="Last day replayed, YYYY-MM-DD.")],
    data: ChainDataOpt = None,
    policy: Annotated[str | None, typer.Option("--policy", metavar="NAME", help="Treasury policy (default: the scenario's).")] = None,
    check: CheckOpt = False,
    against_reports: Annotated[bool, typer.Option(
        "--against-reports", help="Reported BTC beside what the reported hashrate earns, with the luck band "
        "widened by the rounding of the published figures.")] = False,
    hashrate: Annotated[str | None, typer.Option(
        "--hashrate", metavar="FILE", help="Your own hashrate path (implies --against-reports): a CSV with columns "
        "month, hashrate_ehs and optional kind, curtailed_frac; each hashrate's decimals as written set its "
        "rounding (10.0: +-0.05 EH/s).")] = None,
    pool_fee_text: Annotated[str | None, typer.Option(
        "--pool-fee", metavar="FRAC", help="Pool fee taken from what the hashrate earns (with --against-reports), "
        "as 0.02 or 2%.")] = None,
    html: Annotated[str | None, typer.Option(
        "--html", metavar="FILE", help="Write the chart of reported against replayed production (with --against-reports).")] = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Replay history: the real chain drives the company through the same daily step as Monte Carlo."""
    with exit_on_error(debug, {}):
        pool_fee = 0.0 if pool_fee_text is None else parse_fraction(pool_fee_text, "--pool-fee")
    if against_reports or hashrate:
        _against_reports(company, date_from, date_to, data, hashrate, pool_fee, html, as_json, wide, debug)
        return
    # they shape the comparison with the reports; a plain replay would drop them unsaid
    refuse_without("--against-reports (or --hashrate)",
                   (("--html", html is not None), ("--pool-fee", pool_fee_text is not None)),
                   debug)
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
        console = rich_console()
        rows = [(month, *(MISSING if row[c] != row[c] else (fmt_usd(row[c]) if f is None else f.format(row[c]))
                          for c, _, f, _ in _COLUMNS)) for month, row in table.iterrows()]
        columns = [("month", "left", 0), *((header, "right", rank) for _, header, _, rank in _COLUMNS)]
        grid, dropped = fitted_table(f"Replay of {scenario.name} ({result.policies[0]}), {date_from}..{date_to}",
                                     columns, rows, console.width, wide)
        print_fitted(console, grid, dropped, wide)
        typer.echo(ATTRIBUTION)


#: Columns of the --against-reports table: (column, header, format, priority: the highest dropped first).
_REPORT_COLUMNS = (("reported_btc", "reported BTC", "{:,.1f}", 1), ("ours_btc", "ours BTC", "{:,.1f}", 1),
                   ("error_frac", "error", "{:+.1%}", 1), ("operating_ehs", "operating EH/s", "{:.2f}", 3),
                   ("curtailed_frac", "curtailed (reported)", "{:.1%}", 2),
                   ("rounding_btc", "rounding +- BTC", "{:,.2f}", 3),
                   ("reported_blocks", "blocks won", "{:,.0f}", 5), ("expected_blocks", "expected blocks", "{:,.1f}", 5))


def _against_reports(company, date_from, date_to, data, hashrate, pool_fee, html, as_json, wide, debug) -> None:
    """``hashpivot replay --against-reports``: the table of :func:`hashpivot.api.replay_against_reports`."""
    names = {"date_from": "--from", "date_to": "--to", "pool_fee_frac": "--pool-fee", "html": "--html"}
    with exit_on_error(debug, names):
        from hashpivot import api
        from hashpivot.errors import InputError
        from hashpivot.io import ATTRIBUTION

        if html is not None and Path(html).is_dir():  # checked before the replay's work, and named as given
            raise InputError("html", html, "a file to write, not a directory")

        table, summary = api.replay_against_reports(company, date_from=date_from, date_to=date_to, data=data,
                                                    hashrate=hashrate, pool_fee_frac=pool_fee)
        if html:
            from hashpivot.io import write_text_atomic
            from hashpivot.report.figures import against_reports_page

            write_text_atomic(html, against_reports_page(table, summary, f"{company}, {date_from}..{date_to}"))
        if as_json:
            rows = [{"month": m, **{k: _plain(v) for k, v in row.items()}}
                    for m, row in table.to_dict(orient="index").items()]
            clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in summary.items()}
            echo_json({"company": company, "from": date_from, "to": date_to, "months": rows, "summary": clean,
                       "files": {"html": str(html)} if html else {}, "attribution": ATTRIBUTION})
            return
        console = rich_console()
        if table.empty:  # the line says why; an empty table's headers would only take room
            console.print(_summary_line(summary, hashrate), markup=False, highlight=False)
            typer.echo(ATTRIBUTION)
            return
        rows = [(month, *(MISSING if row[c] != row[c] else f.format(row[c]) for c, _, f, _ in _REPORT_COLUMNS),
                 f"{row['band_low_btc']:,.1f}-{row['band_high_btc']:,.1f}", "yes" if row["inside_band"] else "no",
                 "yes" if row["inside_payout_band"] else "no", row["kind"]) for month, row in table.iterrows()]
        columns = [("month", "left", 0), *((h, "right", rank) for _, h, _, rank in _REPORT_COLUMNS),
                   ("band BTC (90 % luck, rounding)", "right", 2), ("inside band", "right", 1),
                   ("inside payout band alone", "right", 4), ("kind", "left", 4)]
        grid, dropped = fitted_table(f"Reported against replayed production: {company}, {date_from}..{date_to} "
                                     f"({summary['payout_scheme']})", columns, rows, console.width, wide)
        print_fitted(console, grid, dropped, wide)
        console.print(_summary_line(summary, hashrate), markup=False, highlight=False)
        if html:
            console.print(f"chart: {html}", markup=False, highlight=False)
        typer.echo(ATTRIBUTION)


def _plain(value):
    """A table cell as JSON: numpy scalars as Python numbers, NaN (no figure reported) as null."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and value != value else value


def _summary_line(s: dict, hashrate_file: str | None = None) -> str:
    """The summary of the table in one line of text (``hashrate_file``: the --hashrate file the hashrate came
    from, else the preset's rows)."""
    def pct(x):
        return MISSING if x != x else f"{x:.2%}"

    if s["n_months"] == 0:
        source = f"the rows of {hashrate_file}" if hashrate_file else "the company's [[company.hashrate_reported]]"
        return ("No whole calendar month of the window has both reported BTC and reported hashrate: nothing to "
                f"compare ({source} and [[company.reported_production]] rows; a month counts only when the "
                "window holds every day of it).")
    fitted = s["uptime_fitted_uncapped_frac"]
    uptime = "" if s["uptime_fit_frac"] != s["uptime_fit_frac"] else (
        f"; {s['n_months_fitted']} month-end months x fitted uptime {s['uptime_fit_frac']:.3f} (they test nothing)"
        if fitted <= s["uptime_fit_frac"] else
        f"; {s['n_months_fitted']} month-end months x uptime 1: the fit, {fitted:.3f}, is above 1, so their "
        "figures could not have earned the reported BTC even hashing every hour (a figure too low?)")
    curtailed = "" if not s.get("n_months_curtailed") else (
        f"; {s['n_months_curtailed']} months expect (1 - the curtailed share they reported) x what the hashrate earns")
    blocks = "" if not s["n_months_blocks"] else (
        f"; blocks won inside the Poisson band in {s['n_blocks_inside_band']} of {s['n_months_blocks']} months")
    return (f"{s['n_months_average_operating']} months of average operating hashrate: mean |error| "
            f"{pct(s['mean_abs_error_frac'])}, max |error| {pct(s['max_abs_error_frac'])}, total {pct(s['total_error_frac'])}; "
            f"{s['n_inside_band']} of them inside the luck band widened by the rounding of the published figures "
            f"({s['n_inside_payout_band']} inside the payout band alone); luck and rounding explain "
            f"{pct(s['luck_explained_frac'])} of the gaps{blocks}{curtailed}{uptime}.")
