"""CLI commands for stored runs, exports and presets: ``runs list/show/diff/delete``, ``report``,
``presets list/show``. (``run`` and ``compare`` record the runs: :mod:`hashpivot.cli.simulate`.)

Registered on the app in :mod:`hashpivot.cli.entry`. Like every command: ``--json`` prints the
results as JSON on stdout and nothing else; exit 0 on success, 2 on bad input (one sentence), 1 on any
other failure (a busy store included: it is worth retrying). Nothing here computes a number: the
store, the exports, :mod:`hashpivot.api` and :mod:`hashpivot.analysis` do; this module formats.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hashpivot.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    DebugOpt,
    JsonOpt,
    StoreOpt,
    WideOpt,
    check_out_dir,
    comparison_title,
    echo_json,
    exit_on_error,
    fail,
    fitted_table,
    fmt_metric,
    print_comparison,
    print_fitted,
    printable,
    progress_bar,
    rich_console,
    rich_text,
    win_rate_json,
)
from hashpivot.format import MISSING, shown_label

if TYPE_CHECKING:
    from hashpivot.io.store import RunDiff, RunInfo, RunStore, StoredRun

RunIdArg = Annotated[str, typer.Argument(metavar="ID", help="A run id from 'hashpivot runs list', or 'latest'.")]

runs_app = typer.Typer(
    name="runs", help="Runs recorded in the run store: list, show, diff, delete, check.", no_args_is_help=True,
    add_completion=False, pretty_exceptions_enable=False,
)
presets_app = typer.Typer(
    name="presets", help="Scenario presets shipped with hashpivot: list, show.", no_args_is_help=True,
    add_completion=False, pretty_exceptions_enable=False,
)


# --- shared ---------------------------------------------------------------------------------------


@contextmanager
def _guard(debug: bool, option_names: Mapping[str, str] | None = None) -> Iterator[None]:
    """``exit_on_error``, plus: a busy store exits 1 (retry later) with its sentence."""
    from hashpivot.io.store import StoreBusyError

    with exit_on_error(debug, option_names):
        try:
            yield
        except StoreBusyError as exc:
            fail(exc, EXIT_FAILURE, debug, str(exc))


def _store(path: Path | None) -> RunStore:
    from hashpivot.io.store import RunStore

    return RunStore(path)


def _echo_json(payload: Any) -> None:
    """``payload`` as JSON, NaN and infinities as null (the store's tables hold NaN)."""
    from hashpivot.io.export import json_value

    echo_json(json_value(payload))


def _when(info: RunInfo, seconds: bool = True) -> str:
    return f"{info.created_utc:%Y-%m-%d %H:%M:%S}Z" if seconds else f"{info.created_utc:%Y-%m-%d %H:%M}"


# --- runs ---------------------------------------------------------------------------------------


@runs_app.command("list")
def runs_list(
    limit: Annotated[int | None, typer.Option("--limit", metavar="N", help="Show the N newest runs.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the stored runs, newest first."""
    with _guard(debug, {"limit": "--limit"}):
        from hashpivot.errors import InputError

        if limit is not None and limit < 1:
            raise InputError("limit", limit, "an integer >= 1")
        rs = _store(store)
        runs = rs.list_runs(limit)
        if as_json:
            _echo_json({"store": str(rs.path), "runs": [r.to_dict() for r in runs]})
            return
        console = rich_console()
        if not runs:
            console.print(f"no runs in {rich_text(rs.path)} yet ('hashpivot run' and 'hashpivot compare' record them)")
            return
        # (header, justify, priority): whole cells, the least needed columns left out first at a narrow width
        columns = [("id", "right", 0), ("created (UTC)", "left", 1), ("name", "left", 2), ("scenario", "left", 0),
                   ("policies", "left", 3), ("paths", "right", 4), ("days", "right", 5), ("seed", "right", 6),
                   ("version", "left", 7)]
        rows = [[str(r.run_id), _when(r, seconds=False), rich_text(r.name or ""), rich_text(r.scenario_name),
                 rich_text(_short_list(r.policies)), f"{r.n_paths:,}", f"{r.horizon_days:,}", str(r.seed),
                 rich_text(r.version)] for r in runs]
        grid, dropped = fitted_table(f"runs in {rs.path}", columns, rows, console.width, wide)
        print_fitted(console, grid, dropped, wide)


def _short_list(items: list[str], limit: int = 3) -> str:
    head = ", ".join(items[:limit])
    return head + (f" +{len(items) - limit}" if len(items) > limit else "")


@runs_app.command("show")
def runs_show(run_id: RunIdArg, store: StoreOpt = None, as_json: JsonOpt = False, wide: WideOpt = False,
              debug: DebugOpt = False) -> None:
    """Show a stored run: its facts, the comparison of its policies and its win rates."""
    with _guard(debug):
        from hashpivot.io.export import records

        stored = _store(store).get_run(run_id)
        info = stored.info
        if as_json:
            _echo_json({"run": info.to_dict(), "scenario": stored.scenario_toml,
                        "summary": records(stored.summary), "win_rate": win_rate_json(stored.win_rate)})
            return
        console = rich_console()
        label = f" '{rich_text(info.name)}'" if info.name else ""
        # one plan: the policies' labels do not name it ("plan / policy" when the run compared several)
        plan = f"capacity plan {rich_text(info.capacity[0])}, " if info.capacity and len(info.capacity) == 1 else ""
        console.print(f"[bold]run {info.run_id}{label}[/bold]: scenario {rich_text(info.scenario_name)}, {plan}"
                      f"{info.horizon_days:,} days, recorded {_when(info)} by hashpivot {info.version}")
        if _figures_only(stored.summary):  # a decision tool's figures (an option's value), not a comparison
            grid, dropped = _figures_grid(stored.summary, info, console.width, wide)
            print_fitted(console, grid, dropped, wide)
        else:
            print_comparison(console, stored.summary, stored.win_rate, info.policies,
                             comparison_title(info.n_paths, info.seed, len(info.policies)), wide=wide)
        console.print(f"scenario TOML, fan data and report: hashpivot report {info.run_id} "
                      "--format html|xlsx|csv|parquet")


def _figures_only(summary) -> bool:
    """Whether a stored summary holds figures (stat "value": what ``hashpivot option`` records), not the
    statistics over paths of a comparison."""
    return bool(len(summary)) and bool((summary["stat"] == "value").all())


def _figures_grid(summary, info, width: int, wide: bool):
    """A stored run's figures, a row per figure and a column per policy, each formatted by the unit in its name."""
    from hashpivot.format import fmt_count, fmt_metric, name_label

    table = summary.pivot_table(index="metric", columns="policy", values="value", sort=False, dropna=False)
    policies = [p for p in info.policies if p in table.columns]
    columns = [("figure", "left", 0), *((rich_text(p), "right", 0) for p in policies)]
    rows = [[rich_text(name_label(m)), *(fmt_metric(name_label(m), table.at[m, p]) for p in policies)]
            for m in table.index]
    title = f"{fmt_count(info.n_paths, 'path')}, seed {info.seed}: the run's figures"
    return fitted_table(title, columns, rows, width, wide)


@runs_app.command("diff")
def runs_diff(
    run_a: Annotated[str, typer.Argument(metavar="A", help="The first run (id or 'latest').")],
    run_b: Annotated[str, typer.Argument(metavar="B", help="The second run (id or 'latest').")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """What changed from run A to run B: the scenario (dotted keys, A -> B) and the summary numbers."""
    with _guard(debug):
        from hashpivot.io.export import records

        diff = _store(store).diff_runs(run_a, run_b)
        if as_json:
            _echo_json({
                "a": diff.a.to_dict(), "b": diff.b.to_dict(),
                "scenario": [{"key": k, "a": va, "b": vb} for k, va, vb in diff.scenario],
                "summary": records(diff.summary),
            })
            return
        _print_diff(diff)


def _print_diff(diff: RunDiff) -> None:
    from rich.table import Table

    from hashpivot.analysis.compare import COMPARISON_ROWS
    from hashpivot.format import name_label

    console = rich_console()
    a, b = diff.a, diff.b
    console.print(f"[bold]run {a.run_id} -> run {b.run_id}[/bold] ({rich_text(a.scenario_name)} -> {rich_text(b.scenario_name)})")
    if diff.scenario:
        grid = Table(title="scenario changes", header_style="bold")
        grid.add_column("key")
        grid.add_column(f"run {a.run_id}", justify="right")
        grid.add_column(f"run {b.run_id}", justify="right")
        for key, va, vb in diff.scenario:
            grid.add_row(rich_text(key), rich_text(_value(va)), rich_text(_value(vb)))
        console.print(grid)
    else:
        console.print("scenario: identical")
    if diff.summary.empty:
        console.print("summary: identical")
        return
    labels = {(m, s): shown_label(label) for m, s, label in COMPARISON_ROWS}
    # a decision tool's figures (stat "value") are headline figures too, labelled by the unit in their names
    labels.update({(m, "value"): name_label(m) for m in diff.summary.loc[diff.summary["stat"] == "value", "metric"]})
    shown = diff.summary[[(m, s) in labels for m, s in zip(diff.summary["metric"], diff.summary["stat"], strict=True)]]
    rows = []
    for row in shown.itertuples(index=False):
        label = labels[(row.metric, row.stat)]
        change = MISSING if row.change_frac != row.change_frac else f"{row.change_frac * 100:+.1f} %"
        rows.append([rich_text(str(row.policy)), rich_text(label), fmt_metric(label, row.a), fmt_metric(label, row.b),
                     change])
    if rows:
        # every column kept: the policy and the metric wrap at their spaces, and a rule parts the policies
        columns = [("policy", "left", 0), ("metric", "left", 0), (f"run {a.run_id}", "right", 0),
                   (f"run {b.run_id}", "right", 0), ("change", "right", 0)]
        grid, _ = fitted_table("summary changes (headline metrics)", columns, rows, console.width, wrap=(0, 1),
                               sections_by=0)
        console.print(grid)
    rest = len(diff.summary) - len(shown)
    if rest:
        console.print(f"{rest:,} more summary entries differ (--json lists them all)")


def _value(value: Any) -> str:
    return "(absent)" if value is None else str(value)


@runs_app.command("delete")
def runs_delete(run_id: RunIdArg, store: StoreOpt = None, as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Delete a stored run (its summary, win rates and fan data too)."""
    with _guard(debug):
        rs = _store(store)
        deleted = rs.delete_run(run_id)
        if as_json:
            _echo_json({"deleted": deleted, "store": str(rs.path)})
            return
        rich_console().print(f"deleted run {deleted} from {rs.path}")


@runs_app.command("check")
def runs_check(
    copy_to: Annotated[Path | None, typer.Option(
        "--copy-to", metavar="NEW.duckdb", help="Copy every readable run (same ids) into this new store file.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Report the run store's health: which tables and runs read whole; --copy-to saves the readable runs.

    With --copy-to, copy the readable runs into a new store (the checked store is only read). Exit 0 when healthy
    or copied, 2 when damaged."""
    with _guard(debug):
        from hashpivot.errors import InputError

        rs = _store(store)
        if not rs.path.is_file():
            raise InputError("--store", str(rs.path), "an existing run store file")
        if copy_to is not None:
            check_out_dir(copy_to.parent, "--copy-to")
        health = rs.copy_readable_to(copy_to) if copy_to is not None else rs.health()
        payload = {**health.to_dict(), "copied_to": None if copy_to is None else str(copy_to)}
        if as_json:
            _echo_json(payload)
        else:
            _print_health(health, copy_to)
        if not health.is_healthy and copy_to is None:
            raise typer.Exit(EXIT_BAD_INPUT)


def _print_health(health, copy_to: Path | None) -> None:
    """One line on the store's health on stdout, and where the readable runs went (or how to save them)."""
    console = rich_console()
    runs = len(health.readable_run_ids) + len(health.unreadable_run_ids)
    if health.is_healthy:
        console.print(rich_text(f"the run store {health.path} is healthy: {runs} runs, every table reads whole"))
    else:
        broken = "; ".join(f"{t}: {why}" for t, why in health.broken_tables.items()) or "none"
        unlisted = {"runs", "store_meta"} & set(health.broken_tables)  # then no run can even be counted
        counted = (f"its {'runs' if 'runs' in unlisted else 'schema'} table does not read, so no run can be listed"
                   if unlisted
                   else f"{len(health.readable_run_ids)} of {runs} runs read whole "
                        f"(unreadable: {health.unreadable_run_ids or 'none'})")
        console.print(rich_text(f"the run store {health.path} is damaged: {counted}; tables that do not read: "
                                f"{broken}"))
    if copy_to is not None:
        console.print(rich_text(f"copied {len(health.readable_run_ids)} readable runs into {copy_to} "
                                f"(use it with --store {copy_to})"))
    elif not health.is_healthy and not health.readable_run_ids:  # nothing a copy could save
        typer.echo(printable(f"error: the run store {health.path} is damaged and no run of it reads whole: there "
                             "is nothing to copy out; allowed: a new store (--store NEW.duckdb) for new runs."),
                   err=True)
    elif not health.is_healthy:
        typer.echo(printable(f"error: the run store {health.path} is damaged; 'hashpivot runs check --store "
                             f"{health.path} --copy-to NEW.duckdb' copies its readable runs into a new store."),
                   err=True)


# --- report ---------------------------------------------------------------------------------------


def report(
    run_id: RunIdArg,
    formats: Annotated[
        list[str] | None,
        typer.Option("--format", metavar="FMT",
                     help="html, xlsx, csv or parquet; repeat for several. Default: html."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Folder (default reports/run-ID).")] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="PATH",
                     help="Chain table for bootstrap prices when html re-simulates (default $HASHPIVOT_DATA)."),
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Export a stored run: the HTML report, or its tables as xlsx, csv or parquet.

    xlsx, csv, parquet: what the store holds (summary, monthly fan p5-p95, win rates, scenario).

    html: re-simulates the stored scenario with its seed (the store keeps no paths, which the report needs).
    Runs are seeded, so the numbers are the same; the summary is checked against the stored one.
    """
    with _guard(debug, {"format": "--format"}):
        from hashpivot.api import export_result
        from hashpivot.io.export import check_formats, export_tables

        chosen = check_formats(formats or ["html"])
        check_out_dir(out)
        stored = _store(store).get_run(run_id)
        folder = out if out is not None else Path("reports") / f"run-{stored.info.run_id}"
        files: dict[str, list[Path]] = {}
        # re-simulate before writing anything: a run that does not reproduce leaves no file of this call behind
        result = _resimulate(stored, data, quiet=as_json) if "html" in chosen else None
        table_formats = [f for f in chosen if f != "html"]
        if table_formats:
            files.update(export_tables(stored.tables(), table_formats, folder))
        if result is not None:
            files.update(export_result(result, folder, ["html"]))
        files = {f: files[f] for f in chosen}
        if as_json:
            _echo_json({"run_id": stored.info.run_id, "resimulated": "html" in chosen,
                        "files": {f: [str(p) for p in paths] for f, paths in files.items()}})
            return
        console = rich_console()
        for fmt, paths in files.items():
            for p in paths:
                console.print(f"{fmt}: {p}")


def _resimulate(stored: StoredRun, data: Path | None, quiet: bool):
    """``api.resimulate`` with a progress bar on stderr (hidden with --json); a summary that does not
    reproduce is reported as bad input, with the formats that export the stored numbers instead."""
    from hashpivot import api
    from hashpivot.io.store import StoreError

    info = stored.info
    try:
        with progress_bar(f"re-simulating run {info.run_id}", info.n_paths, quiet) as progress:
            return api.resimulate(stored, data=data, progress=progress)
    except StoreError as exc:  # the only StoreError of api.resimulate: the numbers did not reproduce
        raise StoreError(f"{exc}, so no html report was written; --format xlsx, csv or parquet export the "
                         "stored numbers") from None


# --- presets --------------------------------------------------------------------------------------


@presets_app.command("list")
def presets_list(as_json: JsonOpt = False, wide: WideOpt = False, debug: DebugOpt = False) -> None:
    """List the scenario presets with their descriptions."""
    with _guard(debug):
        from hashpivot.scenarios.toml import load_preset, preset_names

        rows = []
        for name in preset_names():
            sc = load_preset(name)
            rows.append({"name": name, "scenario": sc.name, "description": sc.description or "",
                         "horizon_days": sc.run.horizon_days, "n_paths": sc.run.n_paths,
                         "policies": [p.label for p in sc.treasury_policies()]})
        if as_json:
            _echo_json({"presets": rows})
            return
        # fitted: the policies and the description wrap at their spaces, never inside a policy's one-word label
        # (sell_monthly_production was cut to "sell_monthly_produc..."); the counts go first when it is narrow
        console = rich_console()
        columns = [("name", "left", 0), ("days", "right", 2), ("paths", "right", 3), ("policies", "left", 1),
                   ("description", "left", 0)]
        cells = [[rich_text(r["name"]), f"{r['horizon_days']:,}", f"{r['n_paths']:,}",
                  rich_text(_short_list(r["policies"])), rich_text(r["description"])] for r in rows]
        grid, dropped = fitted_table("scenario presets ('hashpivot presets show NAME' prints one)", columns, cells,
                                     console.width, wide, wrap=(3, 4))
        print_fitted(console, grid, dropped, wide)


@presets_app.command("show")
def presets_show(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A preset name from 'hashpivot presets list'.")],
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Print a preset's TOML (with its source comments); redirect it to a file to start a scenario."""
    with _guard(debug):
        from importlib import resources

        from hashpivot.scenarios.toml import PRESET_PACKAGE, load_preset

        load_preset(name)  # validates the name (ScenarioError lists the presets)
        text = resources.files(PRESET_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")
        if as_json:
            _echo_json({"name": name, "toml": text})
            return
        console = rich_console()
        if console.is_terminal:
            from rich.syntax import Syntax

            console.print(Syntax(text, "toml", word_wrap=True))
        else:  # piped or redirected: the file exactly as shipped
            typer.echo(text, nl=False)
