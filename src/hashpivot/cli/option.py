"""``hashpivot option``: the value of the right to convert MW of mining to an AI lease at any month of a window, by
least-squares Monte Carlo on the engine's paths (:func:`hashpivot.api.conversion_option`), or with ``--shutdown``
the value of the fleets' right to switch off at a loss (:func:`hashpivot.api.shutdown_option`); this module reads
the options and prints."""

from __future__ import annotations

from typing import Annotated

import typer

from hashpivot.cli.common import (
    DataOpt,
    DebugOpt,
    JsonOpt,
    NameOpt,
    NoStoreOpt,
    StoreOpt,
    check_out_dir,
    echo_json,
    exit_on_error,
    fmt_usd,
)
from hashpivot.cli.decide import OutDirOpt
from hashpivot.cli.simulate import PathsOpt, ScenarioArg, SeedOpt, check_store, record_sweep
from hashpivot.errors import InputError, ScenarioError
from hashpivot.format import fmt_count

#: Exercise months printed at most (the busiest; --json has them all).
MAX_MONTH_ROWS = 12


def option(
    scenario: ScenarioArg,
    convert_mw: Annotated[float | None, typer.Option("--convert-mw", metavar="MW", help="Grid MW that may convert.")]
    = None,
    window_months: Annotated[int | None, typer.Option("--window-months", metavar="N",
                                                      help="Months from now in which converting is allowed.")] = None,
    shutdown: Annotated[bool, typer.Option(
        "--shutdown", help="Value the fleets' right to switch off at a loss instead (against running every day).")]
    = False,
    lead_months: Annotated[int | None, typer.Option(
        "--lead-months", metavar="N", help="Months from the decision to the lease's first rent (default 9).")] = None,
    rate: Annotated[float | None, typer.Option(
        "--rate-usd-per-kw-month", metavar="USD",
        help="Lease rent per kW of IT load (default: the scenario's lease, else 121.5, CoreWeave-Core Scientific).")]
    = None,
    term_years: Annotated[float | None, typer.Option("--term-years", metavar="YEARS", help="Lease term.")] = None,
    capex: Annotated[float | None, typer.Option(
        "--capex-usd-per-mw", metavar="USD", help="Capex per MW of IT load (grid MW / PUE), as a lease gives it.")]
    = None,
    n_paths: PathsOpt = None,
    seed: SeedOpt = None,
    out_dir: OutDirOpt = None,
    data: DataOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    name: NameOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """What waiting is worth: the option to convert mining MW to an AI lease later, or to switch machines off.

    The option to convert within a window, against converting now; or, with --shutdown, what switching machines off
    at a loss is worth against running them every day."""
    names = {"n_paths": "--paths", "seed": "--seed", "convert_mw": "--convert-mw", "window_months": "--window-months",
             "lead_months": "--lead-months", "rate_usd_per_kw_month": "--rate-usd-per-kw-month",
             "term_years": "--term-years", "capex_usd_per_mw": "--capex-usd-per-mw"}
    with exit_on_error(debug, names):
        from hashpivot import api

        if shutdown:
            conversion_only = [flag for flag, value in (
                ("--convert-mw", convert_mw), ("--window-months", window_months), ("--lead-months", lead_months),
                ("--rate-usd-per-kw-month", rate), ("--term-years", term_years), ("--capex-usd-per-mw", capex),
                ("--out", out_dir)) if value is not None]
            if conversion_only:  # each would be dropped unsaid: they shape a conversion, not the right to stop
                raise InputError("--shutdown", f"with {'/'.join(conversion_only)}",
                                 "either --shutdown or a conversion (--convert-mw and --window-months, with "
                                 "--lead-months, the lease's terms and --out), not both")
            check_store(store, no_store, name)
            result = api.shutdown_option(scenario, n_paths=n_paths, seed=seed, data=data)
            recorded = record_sweep(result, store, no_store, name or f"shutdown option of {result.scenario.name}")
            _print_shutdown(result, as_json, recorded)
            recorded.finish(debug)
            return
        missing = [flag for flag, value in (("--convert-mw MW", convert_mw), ("--window-months N", window_months))
                   if value is None]
        if missing:
            raise ScenarioError(f"the conversion is not given: {', '.join(missing)} required; allowed: both (e.g. "
                                "--convert-mw 50 --window-months 24), or --shutdown to value switching off at a loss")
        if out_dir is not None:
            check_out_dir(out_dir)
        check_store(store, no_store, name)
        result = api.conversion_option(scenario, convert_mw, window_months, lead_months=lead_months,
                                       rate_usd_per_kw_month=rate, term_years=term_years, capex_usd_per_mw=capex,
                                       n_paths=n_paths, seed=seed, data=data)
        recorded = record_sweep(result, store, no_store,
                                name or f"option to convert {convert_mw:g} MW of {result.scenario.name}")
        out = result.to_dict()
        if out_dir is not None:
            from hashpivot.report.options import write_option_report

            out["files"] = {"html": str(write_option_report(result, str(scenario), out_dir / "option.html"))}
        _print_conversion(out, result, as_json, recorded)
        recorded.finish(debug)


def _print_conversion(out: dict, result, as_json: bool, recorded) -> None:
    if as_json:
        echo_json({**out, **recorded.to_dict()})
        return
    t = result.terms
    import textwrap

    typer.echo(textwrap.fill(
               f"Option to convert {out['mw']:g} MW to a lease at {t.rate_usd_per_kw_month:g} USD/kW-month for "
               f"{t.term_years:g} years (capex {fmt_usd(t.capex_usd_per_mw)} USD per IT MW, first rent "
               f"{out['lead_months']} months after the decision), any month of the next {out['window_months']}; "
               f"{fmt_count(out['n_paths'], 'path')}, discounted at {out['discount_rate_per_year']:.2%}/year.",
               width=80))
    typer.echo(f"  value of the option:  {fmt_usd(out['value_usd'])} USD "
               f"(standard error {fmt_usd(out['standard_error_usd'])})")
    typer.echo(f"  converting now:       {fmt_usd(out['convert_now_usd'])} USD")
    typer.echo(f"  value of waiting:     {fmt_usd(out['waiting_usd'])} USD")
    typer.echo(f"  exercised on {out['exercise_probability']:.1%} of paths; by month, with the hashprice")
    typer.echo("  below which the fitted rule converts:")
    months = sorted((m for m in out["exercise_months"] if m["paths"]), key=lambda m: -m["paths"])
    for m in sorted(months[:MAX_MONTH_ROWS], key=lambda m: m["month"]):
        hp = m["boundary_hashprice_usd_per_th_day"]
        typer.echo(f"    month {m['month']:>3} ({m['date']}): {m['paths']:>7,} paths"
                   + ("" if hp is None else f", hashprice <= {hp:.4f} USD/TH/day"))
    if len(months) > MAX_MONTH_ROWS:
        typer.echo(f"    ... {len(months) - MAX_MONTH_ROWS} more months with fewer paths (--json has all)")
    for path in out.get("files", {}).values():
        typer.echo(f"report: {path}")
    if recorded.describe():
        typer.echo(recorded.describe())


def _print_shutdown(result, as_json: bool, recorded) -> None:
    out = result.to_dict()
    if as_json:
        echo_json({**out, **recorded.to_dict()})
        return
    import textwrap

    typer.echo(textwrap.fill(
        f"The right to switch machines off when power costs more than they earn, against running every day: the "
        f"fleets' mining margin over the run's {result.scenario.run.horizon_days:,} days, all mining, on "
        f"{fmt_count(out['n_paths'], 'path')} (the same "
        f"random numbers), discounted at {out['discount_rate_per_year']:.2%}/year.", width=80))
    typer.echo(f"  with the right to switch off:  {fmt_usd(out['with_option_usd'])} USD")
    typer.echo(f"  machines always on:            {fmt_usd(out['always_on_usd'])} USD")
    typer.echo(f"  value of the right:            {fmt_usd(out['value_usd'])} USD "
               f"(standard error {fmt_usd(out['standard_error_usd'])})")
    typer.echo(f"  used on {out['used_frac']:.1%} of paths")
    if recorded.describe():
        typer.echo(recorded.describe())
