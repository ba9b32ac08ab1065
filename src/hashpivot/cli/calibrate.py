"""``hashpivot calibrate``: fit the market processes to the chain table and write a ``[market]`` block.

Reads the chain table only through :func:`hashpivot.io.load_chain_history` (which says how to provide
one when none is given), fits with :func:`hashpivot.analysis.calibrate.calibrate`, and writes
``market.toml`` and ``calibration.html`` atomically into ``--out``. Registered on the app in
:mod:`hashpivot.cli.entry`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from hashpivot.analysis.calibration_options import DEFAULT_SINCE, HASHRATE_KINDS, PRICE_KINDS
from hashpivot.cli.common import DebugOpt, JsonOpt, check_out_dir, echo_json, exit_on_error, rich_console

#: Names of the files written into --out.
MARKET_FILE = "market.toml"
HTML_FILE = "calibration.html"


def calibrate_command(
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="PATH",
                     help="Daily chain table (format of shared/data/btc_daily.csv). Default: $HASHPIVOT_DATA."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help=f"First day of the calibration window, YYYY-MM-DD "
                                 f"(default {DEFAULT_SINCE}, the 2020 halving, or the table's first day if later).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help=f"Folder for {MARKET_FILE} and {HTML_FILE}.")
    ] = Path("reports/calibration"),
    price: Annotated[
        str, typer.Option("--price", metavar="KIND",
                          help=f"Price process written to {MARKET_FILE}: {', '.join(PRICE_KINDS)}.")
    ] = "gbm",
    hashrate: Annotated[
        str, typer.Option("--hashrate", metavar="KIND",
                          help=f"Network hashrate process written to {MARKET_FILE}: {', '.join(HASHRATE_KINDS)} "
                               "(endogenous uses the fitted response to lagged hashprice).")
    ] = "lognormal",
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Fit price (GBM, bootstrap block length, regimes), network hashrate and fees to the chain history.

    Prints every parameter with its standard error. Writes into --out: market.toml, a market table
    that a scenario accepts, and calibration.html, the fit's figures (QQ plot of returns, hashrate
    growth vs lagged hashprice).
    """
    with exit_on_error(debug, {"since": "--since", "price": "--price", "hashrate": "--hashrate"}):
        from hashpivot.analysis.calibrate import calibrate, market_toml
        from hashpivot.errors import InputError
        from hashpivot.io import ATTRIBUTION, load_chain_history, resolve_data_path, write_text_atomic
        from hashpivot.report.calibration import calibration_html

        # Options first: a bad one is reported before the table is read.
        if price not in PRICE_KINDS:
            raise InputError("price", price, f"one of {', '.join(PRICE_KINDS)}")
        if hashrate not in HASHRATE_KINDS:
            raise InputError("hashrate", hashrate, f"one of {', '.join(HASHRATE_KINDS)}")
        check_out_dir(out)
        history = load_chain_history(data)
        label = resolve_data_path(data).name
        if since is None:  # the default window, cut to the table a user gave: not an error of theirs
            import pandas as pd

            since = max(pd.Timestamp(DEFAULT_SINCE), history.index[0]).strftime("%Y-%m-%d") if len(history) \
                else DEFAULT_SINCE
        cal = calibrate(history, since, price_kind=price, hashrate_kind=hashrate)
        toml_path = write_text_atomic(out / MARKET_FILE, market_toml(cal, label, ATTRIBUTION))
        html_path = write_text_atomic(out / HTML_FILE, calibration_html(cal, label, ATTRIBUTION))
        if as_json:
            echo_json(_payload(cal, toml_path, html_path, ATTRIBUTION))
            return
        _print(cal, toml_path, html_path, ATTRIBUTION)


def _payload(cal, toml_path: Path, html_path: Path, attribution: str) -> dict:
    rows = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
            for row in cal.table.to_dict(orient="records")]
    return {
        "since": f"{cal.since:%Y-%m-%d}",
        "end": f"{cal.end:%Y-%m-%d}",
        "n_days": cal.n_days,
        "price": cal.price_kind,
        "hashrate": cal.hashrate_kind,
        "parameters": rows,
        "market": cal.market_dict(),
        "regime_converged": cal.regime.converged,
        "fee_spike_dates": list(cal.fees.spike_dates),
        "notes": list(cal.notes),
        "files": {"toml": str(toml_path), "html": str(html_path)},
        "attribution": attribution,
    }


def _print(cal, toml_path: Path, html_path: Path, attribution: str) -> None:
    """Human output (rich). Formats the numbers of the calibration; computes none."""
    from rich import box
    from rich.table import Table

    console = rich_console()
    grid = Table(title=f"Calibration {cal.since:%Y-%m-%d}..{cal.end:%Y-%m-%d} ({cal.n_days:,} days)",
                 caption="units in the names; SE: asymptotic under the model; robust SE: circular block bootstrap",
                 header_style="bold", box=box.SIMPLE_HEAD)
    grid.add_column("process")
    grid.add_column("parameter", no_wrap=True)
    for col in ("estimate", "SE", "robust SE"):
        grid.add_column(col, justify="right", no_wrap=True)
    for row in cal.table.itertuples(index=False):
        grid.add_row(row.process, row.parameter, _g(row.estimate), _g(row.std_error), _g(row.std_error_robust))
    console.print(grid)
    console.print(f"written to {MARKET_FILE}: price {cal.price_kind}, network hashrate {cal.hashrate_kind}, "
                  "lognormal fees")
    for note in cal.notes:
        console.print(f"note: {note}")
    console.print(f"market: {toml_path}")
    console.print(f"figures: {html_path}")
    console.print(attribution)


def _g(value: float) -> str:
    from hashpivot.format import fmt_number

    return fmt_number(value)
