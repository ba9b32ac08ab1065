"""``hashpivot claims``: the seed article's quantitative claims beside our numbers, with a verdict.

The numbers come from :mod:`hashpivot.analysis.claims`; this module only reads the options, loads the chain
table through :mod:`hashpivot.io` and prints. With no chain table given (no ``--data``, no
``$HASHPIVOT_DATA``) the claims that need it are 'not checkable' and the command still exits 0; a table that
is given but cannot be read is bad input (exit 2). Registered on the app in :mod:`hashpivot.cli.entry`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashpivot.cli.common import DebugOpt, echo_json, exit_on_error, wrap_prose

if TYPE_CHECKING:
    import pandas as pd

    from hashpivot.analysis.claims import ClaimCheck, Figure


def load_history_if_given(data: Path | None) -> tuple[pd.DataFrame | None, Path | None]:
    """The chain table from ``data`` or ``$HASHPIVOT_DATA`` and its path; (None, None) when neither is set.

    A path that is given but missing or malformed raises DataError (bad input)."""
    from hashpivot.errors import DataError
    from hashpivot.io import load_chain_history, resolve_data_path

    try:
        path = resolve_data_path(data)
    except DataError:
        return None, None  # nothing given: the checks say which claims need the table
    return load_chain_history(path), path


def claims(
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="PATH",
                     help="Daily chain table (format of shared/data/btc_daily.csv). Default: $HASHPIVOT_DATA; "
                          "without one, the claims that need it are 'not checkable'."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON on stdout (and nothing else).")] = False,
    debug: DebugOpt = False,
) -> None:
    """Check the article's claims: each with the article's number, ours, the source and a verdict."""
    with exit_on_error(debug):
        from hashpivot.analysis.claims import check_all
        from hashpivot.io import ATTRIBUTION

        history, path = load_history_if_given(data)
        checks = check_all(history)
        uses_chain = any(c.uses_chain_data for c in checks)
        if as_json:
            payload = {
                "data": None if path is None else str(path),
                "claims": [c.to_dict() for c in checks],
                "attribution": ATTRIBUTION if uses_chain else None,
            }
            echo_json(payload)
            return
        _print_checks(checks, path)
        if uses_chain:
            typer.echo(ATTRIBUTION)


def _print_checks(checks: tuple[ClaimCheck, ...], path: Path | None) -> None:
    """Human output, one block per claim. Formats numbers computed by hashpivot.analysis.claims."""
    import shutil

    width = shutil.get_terminal_size((80, 24)).columns

    def say(line: str, indent: int = 13) -> None:  # at the terminal's width, a field's continuation under its text
        typer.echo(wrap_prose(line, width, indent=" " * indent))

    say(f"The article's claims, checked ({'chain data: ' + str(path) if path else 'no chain data'})", 0)
    for i, check in enumerate(checks, start=1):
        claim = check.claim
        typer.echo("")
        say(f"[{i}] {claim.id}: {claim.text}", 4)
        say(f"    article: {_figures(claim.article) or 'no number (a qualitative claim)'}")
        say(f"    ours:    {_figures(check.ours) or '-'}")
        say(f"    how:     {check.how}")
        say(f"    source:  {check.source}")
        say(f"    rule:    {check.tolerance}")
        say(f"    verdict: {check.verdict}: {check.reason}")
    counts = {v: sum(c.verdict == v for c in checks) for v in ("supported", "contradicted", "not checkable")}
    typer.echo("")
    typer.echo("summary: " + ", ".join(f"{n} {v}" for v, n in counts.items()))


def _figures(figures: tuple[Figure, ...]) -> str:
    return "; ".join(f"{f.label} {_value(f.value, f.unit)}" for f in figures)


def _value(value: float, unit: str) -> str:
    if value != value:
        from hashpivot.format import MISSING

        return MISSING
    if unit == "fraction":
        return f"{value * 100:.1f} %"
    if unit == "USD" and abs(value) >= 1e6:
        return f"{value / 1e9:,.3f} B USD" if abs(value) >= 1e9 else f"{value / 1e6:,.2f} M USD"
    if unit in ("BTC", "MW", "years", "USD/MW-day", "USD/BTC", "MWh/BTC", "EH/s"):
        return f"{value:,.1f} {unit}"
    if unit == "USD/kW-month":
        return f"{value:,.2f} {unit}"
    if unit == "dimensionless":
        return f"{value / 1e12:,.2f} T"
    return f"{value:.4g} {unit}"
