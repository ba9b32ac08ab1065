"""``hashpivot hashprice``: daily hashprice from the chain history with the halvings marked, optionally
before vs after one halving, as a table (or JSON) and an HTML and PNG chart.

The numbers come from :mod:`hashpivot.analysis.hashprice`, the chain table from :mod:`hashpivot.io`, the
charts from :mod:`hashpivot.report`; this module reads the options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashpivot.cli.common import (
    DebugOpt,
    check_out_dir,
    echo_json,
    exit_on_error,
    fmt_signed_pct,
    refuse_without,
    rich_console,
)

if TYPE_CHECKING:
    from hashpivot.analysis.hashprice import HalvingWindow, PeriodStats

#: The claim of the article that motivated the lab, printed beside our numbers (not a computation).
ARTICLE_CLAIM = "article: about 0.08 -> 0.055 USD per TH/s per day"
HASHPRICE_UNIT = "USD/(TH/s)/day"
#: Days before the halving day and from it that --around-halving compares by default (the article's 365 and 60).
HALVING_BEFORE_DAYS, HALVING_AFTER_DAYS = 365, 60


def hashprice(
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="PATH",
                     help="Daily chain table (format of shared/data/btc_daily.csv). "
                          "Default: $HASHPIVOT_DATA."),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="First day, YYYY-MM-DD (inclusive).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="Last day, YYYY-MM-DD (inclusive).")
    ] = None,
    around_halving: Annotated[
        int | None,
        typer.Option("--around-halving", metavar="N",
                     help="Compare hashprice before/after halving N (1=2012, 2=2016, 3=2020, 4=2024)."),
    ] = None,
    before_days: Annotated[
        int | None, typer.Option("--before-days", metavar="A",
                                 help="Days before the halving day (ending the day before it), with "
                                 "--around-halving. [default: 365]")
    ] = None,
    after_days: Annotated[
        int | None, typer.Option("--after-days", metavar="B",
                                 help="Days from the halving day (starting on it), with --around-halving. "
                                 "[default: 60]")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder for hashprice.html and hashprice.png.")
    ] = Path("reports/hashprice"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the numbers as JSON on stdout (and nothing else).")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Daily hashprice from the chain history, halvings marked; optionally before vs after a halving.

    Writes a self-contained HTML chart and a PNG into --out. Hashprice = (subsidy + fees) x price /
    network hash rate [USD per TH/s per day].
    """
    options = {
        "date_from": "--from", "date_to": "--to", "halving_n": "--around-halving",
        "before_days": "--before-days", "after_days": "--after-days",
    }
    refuse_without("--around-halving N", [(f"{option} {value}", value is not None and around_halving is None)
                                          for option, value in (("--before-days", before_days),
                                                                ("--after-days", after_days))], debug)
    before_days = HALVING_BEFORE_DAYS if before_days is None else before_days
    after_days = HALVING_AFTER_DAYS if after_days is None else after_days
    with exit_on_error(debug, options):
        from hashpivot.analysis import hashprice as hp
        from hashpivot.io import ATTRIBUTION, load_chain_history
        from hashpivot.report import write_hashprice_charts

        check_out_dir(out)
        history = load_chain_history(data)
        halvings = hp.find_halvings(history)
        selected = hp.select_dates(history, date_from, date_to)
        window = None
        if around_halving is not None:
            window = hp.halving_window(selected, around_halving, before_days, after_days, halvings)
        period = hp.period_stats(selected)
        rolling = hp.rolling_mean_hashprice(history).loc[selected.index]
        files = write_hashprice_charts(
            out, hp.recompute_hashprice_usd_per_th_day(selected), rolling, halvings, ATTRIBUTION,
            window=window,
        )
        shown = [h for h in halvings if period.start <= h.date <= period.end]
        if as_json:
            payload = {
                "period": period.to_dict(),
                "halvings": [h.to_dict() for h in shown],
                "window": None if window is None else window.to_dict(),
                "article_claim": ARTICLE_CLAIM,
                "files": {"html": str(files.html), "png": str(files.png)},
                "attribution": ATTRIBUTION,
            }
            echo_json(payload)
            return
        _print_hashprice(period, shown, window, (files.html, files.png), ATTRIBUTION)


def _print_hashprice(period: PeriodStats, halvings: list, window: HalvingWindow | None,
                     files: tuple[Path, Path], attribution: str) -> None:
    """Human output (rich). Formats numbers computed by hashpivot.analysis; computes none."""
    from rich.table import Table

    console = rich_console()
    days = ", ".join(f"{h.n}={h.date:%Y-%m-%d}" for h in halvings) or "none"
    console.print(f"[bold]Hashprice[/bold] {period.start:%Y-%m-%d}..{period.end:%Y-%m-%d} "
                  f"({period.n_days:,} days)")
    console.print(f"halvings in range: {days}")
    caption = f"hashprice in {HASHPRICE_UNIT}; pooled = sum of revenue / sum of hash rate"
    if window is None:
        table = Table(caption=caption, header_style="bold")
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_row("hashprice, mean of days", _g(period.mean_daily_hashprice_usd_per_th_day))
        table.add_row("hashprice, pooled", _g(period.pooled_hashprice_usd_per_th_day))
        table.add_row("subsidy [M USD] (share)", _usd_share(period.subsidy_usd, period.subsidy_frac))
        table.add_row("fees [M USD] (share)", _usd_share(period.fees_usd, period.fees_frac))
        console.print(table)
    else:
        h, b, a = window.halving, window.before, window.after
        console.print(
            f"[bold]Halving {h.n}[/bold] (block {h.height:,}) on {h.date:%Y-%m-%d}: "
            f"before = {window.before_days} days {b.start:%Y-%m-%d}..{b.end:%Y-%m-%d}, "
            f"after = {window.after_days} days {a.start:%Y-%m-%d}..{a.end:%Y-%m-%d}"
        )
        table = Table(caption=caption, header_style="bold")
        table.add_column("metric")
        table.add_column("before", justify="right")
        table.add_column("after", justify="right")
        table.add_column("change", justify="right")
        table.add_row("hashprice, mean of days", _g(b.mean_daily_hashprice_usd_per_th_day),
                      _g(a.mean_daily_hashprice_usd_per_th_day), fmt_signed_pct(window.mean_daily_change_frac))
        table.add_row("hashprice, pooled", _g(b.pooled_hashprice_usd_per_th_day),
                      _g(a.pooled_hashprice_usd_per_th_day), fmt_signed_pct(window.pooled_change_frac))
        table.add_row("subsidy [M USD] (share)", _usd_share(b.subsidy_usd, b.subsidy_frac),
                      _usd_share(a.subsidy_usd, a.subsidy_frac), "")
        table.add_row("fees [M USD] (share)", _usd_share(b.fees_usd, b.fees_frac),
                      _usd_share(a.fees_usd, a.fees_frac), "")
        console.print(table)
        console.print(
            f"ours:    {_g(b.mean_daily_hashprice_usd_per_th_day)} -> "
            f"{_g(a.mean_daily_hashprice_usd_per_th_day)} {HASHPRICE_UNIT} (mean of days)"
        )
        console.print(ARTICLE_CLAIM)
    console.print(f"charts:  {files[0]}")
    console.print(f"         {files[1]}")
    console.print(attribution)


def _g(value: float) -> str:
    from hashpivot.format import fmt_number

    return fmt_number(value)


def _usd_share(usd: float, frac: float) -> str:
    return f"{usd / 1e6:,.1f} ({frac * 100:.1f} %)"
