"""The ``hashpivot`` command line (typer). Commands parse input, call the library and print;
they compute nothing a test would need to check.

Exit codes: 0 success, 2 bad input (one clear sentence, no traceback unless ``--debug``),
1 any other failure.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from hashpivot.errors import HashpivotError, InputError

if TYPE_CHECKING:
    from hashpivot.analysis.hashprice import HalvingWindow, PeriodStats

app = typer.Typer(
    name="hashpivot",
    help="Strategy lab for Bitcoin miners: hashprice, treasury policies, AI/HPC conversion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Strategy lab for Bitcoin miners: hashprice, treasury policies, AI/HPC conversion."""


# --- error handling shared by the commands ------------------------------------------------------

#: Exit code for bad input: hashpivot errors (DataError, InputError, ScenarioError) and bad options.
EXIT_BAD_INPUT = 2
#: Exit code for any other failure.
EXIT_FAILURE = 1

_PASS_THROUGH = (typer.Exit, typer.Abort, typer.exceptions.TyperException)


@contextmanager
def exit_on_error(debug: bool = False, option_names: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a command's body: turn failures into an exit code and one sentence on stderr.

    HashpivotError -> exit 2, anything else -> exit 1; with ``debug`` the traceback is printed to
    stderr too. ``option_names`` maps library argument names to the command's options (e.g.
    ``{"date_from": "--from"}``) so that an InputError names the option the user typed.
    typer/click exits and usage errors pass through unchanged (click exits 2 on bad options).

    Usage::

        with exit_on_error(debug, {"halving_n": "--around-halving"}):
            ...
    """
    try:
        yield
    except _PASS_THROUGH:
        raise
    except HashpivotError as exc:
        _fail(exc, EXIT_BAD_INPUT, debug, _message(exc, option_names or {}))
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a command
        text = f"unexpected {type(exc).__name__}: {exc}"
        if not debug:
            text += " (rerun with --debug for the traceback)"
        _fail(exc, EXIT_FAILURE, debug, text)


def _message(exc: HashpivotError, option_names: Mapping[str, str]) -> str:
    if isinstance(exc, InputError) and exc.name in option_names:
        return f"{option_names[exc.name]} {exc.value} is invalid: allowed {exc.allowed}"
    return str(exc)


def _fail(exc: BaseException, code: int, debug: bool, text: str) -> NoReturn:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    text = " ".join(text.split())
    if not text.endswith((".", "!", "?", ")")):
        text += "."
    typer.echo(f"error: {text}", err=True)
    raise typer.Exit(code) from None


# --- hashprice ----------------------------------------------------------------------------------

#: The claim of the article that motivated the lab, printed beside our numbers (not a computation).
ARTICLE_CLAIM = "article: about 0.08 -> 0.055 USD per TH/s per day"
HASHPRICE_UNIT = "USD/(TH/s)/day"


@app.command()
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
        int, typer.Option("--before-days", metavar="A",
                          help="Days before the halving day (ending the day before it).")
    ] = 365,
    after_days: Annotated[
        int, typer.Option("--after-days", metavar="B",
                          help="Days from the halving day (starting on it).")
    ] = 60,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder for hashprice.html and hashprice.png.")
    ] = Path("reports/hashprice"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the numbers as JSON on stdout (and nothing else).")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Daily hashprice from the chain history, halvings marked; optionally before vs after a halving.

    Writes a self-contained HTML chart and a PNG into --out. Hashprice = (subsidy + fees) x price /
    network hash rate [USD per TH/s per day].
    """
    options = {
        "date_from": "--from", "date_to": "--to", "halving_n": "--around-halving",
        "before_days": "--before-days", "after_days": "--after-days",
    }
    with exit_on_error(debug, options):
        from hashpivot.analysis import hashprice as hp
        from hashpivot.io import ATTRIBUTION, load_chain_history
        from hashpivot.report import write_hashprice_charts

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
            typer.echo(json.dumps(payload, indent=2, allow_nan=False))
            return
        _print_hashprice(period, shown, window, (files.html, files.png), ATTRIBUTION)


def _print_hashprice(period: PeriodStats, halvings: list, window: HalvingWindow | None,
                     files: tuple[Path, Path], attribution: str) -> None:
    """Human output (rich). Formats numbers computed by hashpivot.analysis; computes none."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
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
                      _g(a.mean_daily_hashprice_usd_per_th_day), _pct(window.mean_daily_change_frac))
        table.add_row("hashprice, pooled", _g(b.pooled_hashprice_usd_per_th_day),
                      _g(a.pooled_hashprice_usd_per_th_day), _pct(window.pooled_change_frac))
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
    return f"{value:.4g}"


def _pct(frac: float) -> str:
    return f"{frac * 100:+.1f} %"


def _usd_share(usd: float, frac: float) -> str:
    return f"{usd / 1e6:,.1f} ({frac * 100:.1f} %)"


# --- run and compare ------------------------------------------------------------------------------

from hashpivot.cli_runs import NameOpt, NoStoreOpt, StoreOpt, check_store, record_run  # noqa: E402

ScenarioArg = Annotated[
    str, typer.Argument(metavar="SCENARIO", help="A scenario TOML file or a preset name (e.g. default, rm1).")
]
PathsOpt = Annotated[int | None, typer.Option("--paths", metavar="N", help="Override run.n_paths.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", metavar="S", help="Override run.seed.")]
DataOpt = Annotated[
    Path | None, typer.Option("--data", metavar="PATH", help="Chain table for bootstrap prices (default $HASHPIVOT_DATA).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the results as JSON on stdout (and nothing else).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
CheckOpt = Annotated[bool, typer.Option("--check", help="Assert BTC and cash conservation every day (slower).")]
OutOpt = Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Write report.html into DIR.")]
StressOpt = Annotated[
    list[str] | None,
    typer.Option("--stress", metavar="NAME",
                 help="Apply a stress case; repeat: tenant_default, build_delay, gpu_rent_crash, hashrate_surge."),
]


def _simulate_with_progress(scenario: str, policies: list[str] | None, n_paths: int | None, seed: int | None,
                            data: Path | None, check: bool, quiet: bool, *, capacity: list[str] | None = None,
                            stresses: list[str] | None = None, main_only: bool = False):
    """Run ``api.run`` with a progress bar on stderr (hidden with --json); ``main_only`` runs the scenario's
    main capacity plan and treasury policy."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hashpivot import api
    from hashpivot.policies.capacity import capacity_label

    sc = api.load(scenario, n_paths=n_paths, seed=seed, stresses=stresses or ())
    if main_only:
        policies, capacity = [sc.policy.treasury.label], [capacity_label(sc.policy.capacity)]
    with Progress(TextColumn("simulating {task.fields[name]}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} paths"),
                  TimeElapsedColumn(), console=Console(stderr=True), disable=quiet, transient=True) as bar:
        task = bar.add_task("run", total=sc.run.n_paths, name=sc.name)
        return api.run(sc, policies=policies, capacity=capacity, data=data, check_invariants=check,
                       progress=lambda done, total: bar.update(task, completed=done))


def _emit_result(result, out: Path | None, as_json: bool, recorded=None) -> None:
    """Write the report (when ``out``) and print the comparison (rich table or JSON); ``recorded``
    (``cli_runs.Recorded``) says where the run store recorded the run."""
    files = {}
    if out is not None:
        from hashpivot.report.sim_report import write_report

        files["html"] = str(write_report(result, out / "report.html"))
    if as_json:
        from hashpivot.io.export import json_value, records

        payload = {
            "scenario": result.dataset.attrs.get("scenario_toml", ""),
            "seed": result.seed,
            "version": result.version,
            "n_paths": int(result.dataset.sizes["path"]),
            "policies": result.policies,
            "summary": records(result.summary),
            "win_rate": win_rate_json(result.win_rate),
            "files": files,
            **(json_value(recorded.to_dict()) if recorded is not None else {}),
        }
        typer.echo(json.dumps(payload, indent=2, allow_nan=False))
        return
    from rich.console import Console

    console = Console(highlight=False)
    print_comparison(console, result.summary, result.win_rate, result.policies,
                     f"{int(result.dataset.sizes['path']):,} paths, seed {result.seed}, "
                     f"{len(result.policies)} policies on the same random numbers")
    for kind, path in files.items():
        console.print(f"report: {path}")
    if recorded is not None and recorded.describe():
        console.print(recorded.describe())


def print_comparison(console, summary, win_rate, policies: list[str], title: str) -> None:
    """The terminal comparison grid (a row per policy) and each policy's mean win rate."""
    from rich.table import Table

    from hashpivot.analysis.compare import comparison_table

    table = comparison_table(summary)
    grid = Table(title=title, header_style="bold")
    grid.add_column("policy")
    shown = [label for label in table.index if label in TERMINAL_COLUMNS_SHOWN]
    for label in shown:
        grid.add_column(TERMINAL_COLUMNS_SHOWN[label], justify="right")
    for policy in table.columns:
        grid.add_row(str(policy), *(_fmt(label, table.at[label, policy]) for label in shown))
    console.print(grid)
    if len(policies) > 1:
        best = win_rate.mean(axis=1).sort_values(ascending=False)
        console.print("share of paths each policy beats the others on NAV per share (mean over rivals): "
                      + ", ".join(f"{p} {v * 100:.0f} %" for p, v in best.items()))


def win_rate_json(win_rate) -> dict[str, dict[str, float | None]]:
    """The win-rate matrix as plain JSON (NaN on the diagonal -> null)."""
    from hashpivot.io.export import json_value

    return {str(r): {str(c): json_value(float(v)) for c, v in cols.items()}
            for r, cols in win_rate.to_dict(orient="index").items()}


#: Comparison rows shown in the terminal (the report and --json carry them all), with short headers.
TERMINAL_COLUMNS_SHOWN = {
    "NAV median [USD]": "NAV p50",
    "NAV p5 [USD]": "NAV p5",
    "NAV p95 [USD]": "NAV p95",
    "NAV CVaR 5% [USD]": "CVaR 5%",
    "BTC held median [BTC]": "BTC p50",
    "BTC yield median [fraction]": "BTC yield p50",
    "P(insolvent) [fraction]": "P(insolvent)",
    "mining margin mean [USD/MW-day]": "mining USD/MW-day",
    "AI margin mean [USD/MW-day]": "AI USD/MW-day",
}


def _fmt(label: str, value: float) -> str:
    if value != value:
        return "-"
    if "[USD" in label and "USD/" not in label:
        return _money(value)
    if "[fraction]" in label:
        return f"{value * 100:.1f} %"
    if "[day]" in label:
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def _money(usd: float) -> str:
    for scale, suffix in ((1e9, " B"), (1e6, " M"), (1e3, " k")):
        if abs(usd) >= scale:
            return f"{usd / scale:,.2f}{suffix}"
    return f"{usd:,.0f}"


@app.command()
def run(
    scenario: ScenarioArg,
    n_paths: PathsOpt = None,
    seed: SeedOpt = None,
    data: DataOpt = None,
    out: OutOpt = None,
    check: CheckOpt = False,
    stress: StressOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    name: NameOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate a scenario under its main capacity plan and treasury policy and print the summary.

    The run is recorded in the run store (see 'hashpivot runs') unless --no-store."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        _run_and_record(scenario, None, None, n_paths, seed, data, check, stress, store, no_store, name, out,
                        as_json, debug, main_only=True)


@app.command()
def compare(
    scenario: ScenarioArg,
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", metavar="NAME",
                     help="A policy of the scenario ([[compare]] label) or a kind with default parameters; "
                          "repeat. Default: every policy of the scenario."),
    ] = None,
    capacity: Annotated[
        list[str] | None,
        typer.Option("--capacity", metavar="NAME",
                     help="A capacity plan of the scenario (label of policy.capacity or [[compare_capacity]]); "
                          "repeat. Default: every plan of the scenario."),
    ] = None,
    n_paths: PathsOpt = None,
    seed: SeedOpt = None,
    data: DataOpt = None,
    out: OutOpt = None,
    check: CheckOpt = False,
    stress: StressOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    name: NameOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compare capacity plans and treasury policies side by side on the same random numbers.

    The run is recorded in the run store (see 'hashpivot runs') unless --no-store."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        _run_and_record(scenario, policy, capacity, n_paths, seed, data, check, stress, store, no_store, name, out,
                        as_json, debug)


def _run_and_record(scenario, policies, capacity, n_paths, seed, data, check, stresses, store, no_store, name, out,
                    as_json, debug, *, main_only: bool = False) -> None:
    """The body of ``run`` and ``compare``: simulate, record in the run store, write and print the results."""
    check_store(store, no_store)
    result = _simulate_with_progress(scenario, policies, n_paths, seed, data, check, as_json,
                                     capacity=capacity, stresses=stresses, main_only=main_only)
    recorded = record_run(result, store, no_store, name)
    _emit_result(result, out, as_json, recorded)
    recorded.finish(debug)


@app.command()
def margins(
    rent_drop: Annotated[float, typer.Option("--rent-drop", metavar="FRAC", help="GPU rent fall to test, 0..1.")] = 0.4,
    utilisation: Annotated[float, typer.Option("--utilisation", metavar="FRAC", help="GPU utilisation to test, 0..1.")] = 0.6,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """What a megawatt earns mining vs in an AI GPU cloud (IREN-like FY2025 inputs), with sensitivities."""
    with exit_on_error(debug):
        from hashpivot.analysis.per_mw import iren_like, sensitivities
        from hashpivot.errors import InputError

        for option, value in (("--rent-drop", rent_drop), ("--utilisation", utilisation)):
            if not 0.0 <= value <= 1.0:
                raise InputError(option, value, "a fraction in [0, 1]")
        inputs = iren_like()
        table = sensitivities(inputs, rent_drop, utilisation)
        if as_json:
            typer.echo(json.dumps({"inputs": inputs.model_dump(), "rows": table.to_dict(orient="records")},
                                  indent=2, allow_nan=False))
            return
        from rich.console import Console
        from rich.table import Table

        grid = Table(title=f"Per MW per day: {inputs.name} (hardware margin = revenue - electricity)",
                     header_style="bold")
        for col in ("case", "segment", "revenue", "power", "margin", "margin %", "capex/MW", "payback"):
            grid.add_column(col, justify="left" if col in ("case", "segment") else "right")
        for row in table.itertuples(index=False):
            grid.add_row(row.case, row.segment, f"{row.revenue_usd_per_mw_day:,.0f}", f"{row.power_usd_per_mw_day:,.0f}",
                         f"{row.margin_usd_per_mw_day:,.0f}", f"{row.margin_frac * 100:.1f} %",
                         _money(row.capex_usd_per_mw), f"{row.payback_years:.1f} y")
        Console(highlight=False).print(grid)
        typer.echo("USD per MW per day; capex and payback in USD per grid MW and years. Sources: domain/facts/iren_per_mw.toml")


# --- stored runs, exports, presets (hashpivot.cli_runs) ------------------------------------------

from hashpivot.cli_runs import presets_app, report, runs_app  # noqa: E402

app.add_typer(runs_app, name="runs")
app.add_typer(presets_app, name="presets")
app.command("report")(report)


# --- web dashboard (hashpivot.cli_dashboard) ------------------------------------------------------

from hashpivot.cli_dashboard import dashboard  # noqa: E402

app.command("dashboard")(dashboard)


@app.command()
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

        scenario = api.load(_resolve_company(company))
        result = api.replay(scenario, date_from=date_from, date_to=date_to, data=data,
                            policies=[policy] if policy else None, check_invariants=check)
        table = monthly_table(result, reported=scenario.company.reported_production)
        if as_json:
            rows = [{"month": m, **{k: (None if v != v else float(v)) for k, v in row.items()}}
                    for m, row in table.to_dict(orient="index").items()]
            typer.echo(json.dumps({"scenario": scenario.name, "policy": result.policies[0], "from": date_from,
                                   "to": date_to, "months": rows, "attribution": ATTRIBUTION}, indent=2,
                                  allow_nan=False))
            return
        from rich.console import Console
        from rich.table import Table

        grid = Table(title=f"Replay of {scenario.name} ({result.policies[0]}), {date_from}..{date_to}",
                     header_style="bold")
        columns = (("mined_btc", "mined BTC", "{:,.1f}"), ("reported_mined_btc", "reported BTC", "{:,.1f}"),
                   ("mined_vs_reported_frac", "ours vs reported", "{:+.1%}"), ("sold_btc", "sold BTC", "{:,.1f}"),
                   ("btc_held", "held BTC", "{:,.0f}"), ("mining_revenue_usd", "revenue", None),
                   ("hashprice_usd_per_th_day", "hashprice", "{:.4f}"),
                   ("cost_per_btc_mined_usd", "power per BTC", None),
                   ("mining_margin_usd_per_mw_day", "mining USD/MW-day", "{:,.0f}"),
                   ("ai_margin_usd_per_mw_day", "AI USD/MW-day", "{:,.0f}"))
        grid.add_column("month")
        for _, header, _ in columns:
            grid.add_column(header, justify="right")
        for month, row in table.iterrows():
            grid.add_row(month, *("-" if row[c] != row[c] else (_money(row[c]) if f is None else f.format(row[c]))
                                  for c, _, f in columns))
        Console(highlight=False).print(grid)
        typer.echo(ATTRIBUTION)


def _resolve_company(name: str) -> str:
    """A scenario file, a preset, or a company's halving preset (``riot`` -> ``riot_2024q2``)."""
    from hashpivot.scenarios.toml import preset_names

    if Path(name).is_file() or name in preset_names():
        return name
    matches = sorted(p for p in preset_names() if p.startswith(f"{name}_"))
    return matches[0] if matches else name


from hashpivot.cli_claims import claims  # noqa: E402  (the article's claims checked)

app.command("claims")(claims)

from hashpivot.cli_calibrate import calibrate_command  # noqa: E402  (fit the market to the chain history)

app.command("calibrate")(calibrate_command)


from hashpivot.cli_data import data_app  # noqa: E402  (live data: update, status)

app.add_typer(data_app, name="data")


def main() -> None:
    """Console-script entry point."""
    app()
