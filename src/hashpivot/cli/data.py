"""CLI commands for the local data cache: ``data update`` (fetch the missing days from public sources)
and ``data status`` (sources, date ranges, last update, gaps, disagreements).

Registered on the app in :mod:`hashpivot.cli.entry` as the ``data`` sub-app. Like every command:
``--json`` prints the results as JSON on stdout and nothing else; exit 0 on success, 2 on bad input or
a bad batch (one sentence on stderr; the cache is unchanged), 1 on any other failure, a source that
cannot be reached included (worth retrying later; pages already received are kept for resuming).
Progress and retries go to stderr only with ``--verbose``. Nothing here computes a number:
:mod:`hashpivot.io.update` and :mod:`hashpivot.io.cache` do; this module formats.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from hashpivot.cli.common import (
    EXIT_FAILURE,
    DebugOpt,
    JsonOpt,
    echo_json,
    exit_on_error,
    fail,
    fmt_signed_pct,
    rich_console,
)
from hashpivot.format import MISSING

CacheOpt = Annotated[
    Path | None,
    typer.Option("--cache", metavar="DIR",
                 help="Data cache folder. Default: $HASHPIVOT_DATA_DIR, else ~/.hashpivot/data."),
]

#: How the library's argument names read as this command's options, for error messages.
OPTION_NAMES = {
    "since": "--since", "until": "--until", "coinmetrics_url": "--coinmetrics-url", "mempool_url": "--mempool-url",
    "page_size": "--page-size", "retries": "--retries", "timeout_s": "--timeout-s",
    "backoff_first_s": "--retry-wait-s", "cache": "--cache",
}
#: Disagreements listed by ``data status`` unless ``--all``.
SHOWN_DISAGREEMENTS = 20

data_app = typer.Typer(
    name="data",
    help="Chain and market history from public sources, in a local cache: update, status.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)


@contextmanager
def _guard(debug: bool) -> Iterator[None]:
    """``exit_on_error``, plus: an unreachable source exits 1 (retry later) with its sentence."""
    from hashpivot.io.fetch import FetchError

    with exit_on_error(debug, OPTION_NAMES):
        try:
            yield
        except FetchError as exc:
            fail(exc, EXIT_FAILURE, debug, f"{exc} (pages already received are kept; run the update again to resume)")


def _cache_dir(path: Path | None) -> Path | None:
    from hashpivot.errors import InputError

    if path is not None and path.exists() and not path.is_dir():
        raise InputError("cache", str(path), "a folder (the data cache's), not a file")
    return path


def _tolerances(tolerances: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {value * 100:g} %" for name, value in tolerances.items())


# --- data update ------------------------------------------------------------------------------------


@data_app.command("update")
def update(
    cache: CacheOpt = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="DATE", help="First day fetched into an empty cache, YYYY-MM-DD (default 2012-01-01).")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="DATE", help="Last day fetched, YYYY-MM-DD (default: the latest complete day).")] = None,
    coinmetrics_url: Annotated[str | None, typer.Option(
        "--coinmetrics-url", metavar="URL",
        help="Coin Metrics API v4 base URL. Default: $HASHPIVOT_COINMETRICS_URL, else the community API.")] = None,
    mempool_url: Annotated[str | None, typer.Option(
        "--mempool-url", metavar="URL",
        help="mempool.space API base URL. Default: $HASHPIVOT_MEMPOOL_URL, else https://mempool.space/api.")] = None,
    cross_check: Annotated[bool, typer.Option(
        "--cross-check/--no-cross-check", help="Compare hash rate and difficulty with mempool.space.")] = True,
    page_size: Annotated[int | None, typer.Option(
        "--page-size", metavar="N", help="Days per Coin Metrics page (1..10000, default 2000).")] = None,
    retries: Annotated[int | None, typer.Option(
        "--retries", metavar="N", help="Retries of a failed request (0..10, default 3).")] = None,
    retry_wait_s: Annotated[float | None, typer.Option(
        "--retry-wait-s", metavar="S", help="Wait before the first retry, doubling each time (default 1).")] = None,
    timeout_s: Annotated[float | None, typer.Option(
        "--timeout-s", metavar="S", help="Timeout of each connection and read (default 30).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="Print progress and retries on stderr.")] = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Fetch the days the cache lacks (Coin Metrics), check them and store them in one transaction.

    Each batch is validated and cross-checked (mempool.space) before it is stored; a bad batch is rejected whole
    and the cache stays as it was."""
    with _guard(debug):
        from hashpivot.io.update import resolve_settings, update_cache

        settings = resolve_settings(coinmetrics_url, mempool_url, page_size=page_size, retries=retries,
                                    timeout_s=timeout_s, backoff_first_s=retry_wait_s, cross_check=cross_check)
        notify = (lambda line: typer.echo(line, err=True)) if (verbose or debug) else None
        report = update_cache(_cache_dir(cache), since=since, until=until, settings=settings, notify=notify)
        if as_json:
            echo_json(report.to_dict())
            return
        _print_update(report)


def _print_update(report) -> None:
    if report.status == "updated":
        resumed = f", {report.n_days_resumed:,} of them from an interrupted download" if report.n_days_resumed else ""
        typer.echo(f"added {report.first_date}..{report.last_date} ({report.n_days_added:,} days{resumed}) "
                   f"to {report.cache}")
    else:
        typer.echo(f"up to date: {report.cache} holds "
                   + (f"{report.cache_first_date}..{report.cache_last_date}" if report.cache_last_date else "no days"))
    if report.status == "updated":
        typer.echo(f"the cache holds {report.cache_first_date}..{report.cache_last_date}")
    check = report.cross_check
    if check:
        if check.get("skipped"):
            typer.echo(f"cross-check skipped: {check['skipped']}")
        else:
            typer.echo(f"cross-check with {check['title']}: {check['n_days_compared']:,} days compared, "
                       f"{check['n_disagreements']:,} disagreement{'' if check['n_disagreements'] == 1 else 's'} "
                       f"beyond the tolerances ({_tolerances(check['tolerances_frac'])})")
            _print_disagreements(check["disagreements"][:SHOWN_DISAGREEMENTS], check["n_disagreements"])
    for note in report.notes:
        typer.echo(f"note: {note}")
    for line in report.attribution:
        typer.echo(line)


def _print_disagreements(rows: list[Mapping[str, Any]], total: int) -> None:
    """One line per disagreement: day, field, each source's value, difference (of the cross-check's)."""
    # columns as wide as their widest cell, not a fixed 15 and 12 (a row ran to 83 columns)
    cells = [(str(row["date"]), str(row["field"]), f"{row['primary_source']} {row['primary_value']:.6g}",
              f"{row['secondary_source']} {row['secondary_value']:.6g}", fmt_signed_pct(row["diff_frac"]))
             for row in rows]
    widths = [max((len(c[i]) for c in cells), default=0) for i in range(5)]
    for c in cells:
        typer.echo("  " + " ".join(f"{v:<{w}}" if i < 4 else f"{v:>{w}}" for i, (v, w) in enumerate(zip(c, widths)))
                   .rstrip())
    if total > len(rows):
        typer.echo(f"  ... and {total - len(rows):,} more (hashpivot data status --all, or --json)")


# --- data status ------------------------------------------------------------------------------------


@data_app.command("status")
def status(
    cache: CacheOpt = None,
    show_all: Annotated[bool, typer.Option("--all", help="List every disagreement (default: the first 20).")] = False,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Sources, date ranges, last update, gaps and disagreements of the data cache."""
    with _guard(debug):
        from hashpivot.io.cache import ChainCache
        from hashpivot.io.update import last_attempt

        chain_cache = ChainCache(_cache_dir(cache))
        state = chain_cache.status(max_disagreements=None if (show_all or as_json) else SHOWN_DISAGREEMENTS)
        state["last_attempt"] = last_attempt(chain_cache.dir)
        if as_json:
            echo_json(state)
            return
        _print_status(state)


def _print_status(state: Mapping[str, Any]) -> None:
    attempt = state.get("last_attempt")
    console = rich_console()  # prose wrapped at spaces to the terminal, a long path whole on its own line

    def say(line: str) -> None:
        console.print(line, markup=False)

    if not state["exists"]:
        say(f"no data cache at {state['cache']} yet: run `hashpivot data update` to fetch the chain history")
        if attempt:
            say(f"last update attempt: {attempt['time_utc']} {attempt['status']}: {attempt['message']}")
        return
    from rich.table import Table

    say(f"data cache {state['cache']}")
    grid = Table(header_style="bold")
    for col in ("source", "role", "first", "last", "days", "gaps"):
        grid.add_column(col, justify="right" if col == "days" else "left", no_wrap=True)
    for source in state["sources"]:
        gaps = source["gaps"]
        gap_text = "none" if not gaps else f"{sum(g['n_days'] for g in gaps):,} days in {len(gaps)}"
        grid.add_row(source["source"], source["role"], source["first_date"] or MISSING, source["last_date"] or MISSING,
                     f"{source['n_days']:,}", gap_text)
    console.print(grid)
    for source in state["sources"]:
        say(f"{source['source']}: {source['title']} at {source['base_url']}, last updated "
            f"{source['last_update_utc']}")
    behind = state.get("days_behind")
    say(f"the cache holds {state['first_date']}..{state['last_date']} ({state['n_days']:,} days)"
        + (f"; {behind:,} day{'' if behind == 1 else 's'} behind yesterday (UTC)" if behind else
           "; up to yesterday (UTC)" if behind == 0 else ""))
    for source in state["sources"]:
        for gap in source["gaps"][:5]:
            say(f"gap in {source['source']}: {gap['first']}..{gap['last']} ({gap['n_days']:,} days)")
    updates = state.get("updates") or []
    if updates:
        last = updates[-1]
        say(f"last update: {last['finished_utc']}, added {last['first_date']}..{last['last_date']} "
            f"({last['n_days']:,} days), {last['n_days_cross_checked']:,} cross-checked"
            + (f"; {last['note']}" if last["note"] else ""))
    if attempt and attempt.get("status") in ("failed", "rejected"):
        say(f"last update attempt: {attempt['time_utc']} {attempt['status']}: {attempt['message']}")
    from hashpivot.io.update import DIFFICULTY_TOLERANCE_FRAC, HASHRATE_TOLERANCE_FRAC

    tolerances = {"hashrate_ehs": HASHRATE_TOLERANCE_FRAC, "difficulty_mean": DIFFICULTY_TOLERANCE_FRAC}
    say(f"disagreements between the sources: {state['n_disagreements']:,} "
        f"(tolerances: {_tolerances(tolerances)})")
    _print_disagreements(state["disagreements"], state["n_disagreements"])
    for source in state["sources"]:
        say(f"{source['attribution']}. Licence: {source['license']}")
