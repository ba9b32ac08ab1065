"""``hashpivot sweep``: variants of a scenario side by side on the same random numbers, in-process or on Dask.

Axes come from the scenario's ``[sweep]`` table or from ``--set PATH=V1,V2,...`` (repeat; a grid of every
combination, or ``--zip`` for the i-th value of each). The table printed has one row per variant and policy: the
axis values, the metric's value and its paired difference against the baseline variant with its standard error.
The sweep is recorded in the run store as one run (one row label per variant) unless ``--no-store``; ``--out DIR``
writes its HTML report (``report.sweep_report``: the metric against each axis with its 90 % band over paths).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hashpivot.cli.common import (
    DataOpt,
    DebugOpt,
    JsonOpt,
    NameOpt,
    NoStoreOpt,
    SchedulerOpt,
    StoreOpt,
    WorkersOpt,
    check_out_dir,
    echo_json,
    exit_on_error,
    fmt_metric,
    progress_bar,
    rich_console,
)
from hashpivot.errors import InputError

SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="PATH=V1,V2", help="An axis: a field's dotted path and its values; repeat."),
]


def parse_value(text: str) -> Any:
    """A value of ``--set``: an integer, a number, true/false, or else the text itself.

    >>> [parse_value(t) for t in ("35", "4.5e1", "true", "hold_all")]
    [35, 45.0, True, 'hold_all']
    """
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_axes(items: list[str]) -> dict[str, list[Any]]:
    """``{path: values}`` of ``--set`` options; an item without ``=`` or without a value is an InputError."""
    axes: dict[str, list[Any]] = {}
    for item in items:
        path, sep, values = item.partition("=")
        parts = [v for v in values.split(",") if v.strip()]
        if not sep or not path.strip() or not parts:
            raise InputError("--set", item, "PATH=V1,V2,... (a field's dotted path and at least one value)")
        if path.strip() in axes:
            raise InputError("--set", item, f"each path once ({path.strip()} is set twice)")
        axes[path.strip()] = [parse_value(v) for v in parts]
    return axes


def sweep(
    scenario: Annotated[str, typer.Argument(metavar="SCENARIO", help="A scenario TOML file or a preset name.")],
    axes: SetOpt = None,
    zip_axes: Annotated[bool, typer.Option("--zip", help="The i-th value of every axis instead of a grid.")] = False,
    policy: Annotated[list[str] | None, typer.Option("--policy", metavar="NAME", help="Policies; repeat.")] = None,
    n_paths: Annotated[int | None, typer.Option("--paths", metavar="N", help="Override run.n_paths.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", metavar="S", help="Override run.seed.")] = None,
    metric: Annotated[str, typer.Option("--metric", metavar="METRIC:STAT", help="Metric shown.")] = "nav_usd:mean",
    out: Annotated[Path | None, typer.Option("--out", metavar="DIR",
                                             help="Write the sweep report (sweep.html) into DIR.")] = None,
    data: DataOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    name: NameOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run every variant of a sweep on the same random numbers and print a row per variant."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        from hashpivot import api
        from hashpivot.cli.simulate import check_store, record_sweep
        from hashpivot.parallel.executor import connect

        metric_name, _, stat = metric.partition(":")
        check_out_dir(out)
        check_store(store, no_store, name)
        parsed = parse_axes(axes) if axes else None
        base = api.load(scenario, n_paths=n_paths, seed=seed)
        api.sweep_variants(base, parsed, "zip" if zip_axes else None)  # every variant valid before a cluster starts
        with connect(workers, scheduler) as client, progress_bar(f"sweeping {base.name}", 1, as_json,
                                                                   "variants" if client is None else "tasks") as bar:
            result = api.sweep(base, axes=parsed, mode="zip" if zip_axes else None, policies=policy, data=data,
                               client=client, progress=bar)
        table = result.table(metric_name, stat or "mean")
        if table.empty:
            raise InputError("--metric", metric, "a metric:stat of the summary, e.g. nav_usd:mean, insolvency:probability")
        recorded = record_sweep(result, store, no_store, name)
        files = {}
        if out is not None:
            from hashpivot.report.sweep_report import write_sweep_report

            files["html"] = str(write_sweep_report(result, out / "sweep.html", metric_name, stat or "mean"))
        _emit(result, table, metric, as_json, recorded, files)
        recorded.finish(debug)


def _emit(result, table, metric: str, as_json: bool, recorded, files: dict[str, str]) -> None:
    from hashpivot.io.export import records

    diffs = result.differences
    if as_json:
        echo_json({
            "scenario": result.scenario.name, "seed": result.seed, "version": result.version,
            "n_paths": result.n_paths, "baseline_index": result.baseline_index,
            "axes": result.axes, "variants": [{"variant": i, **v, "last_day": day}
                                              for i, (v, day) in enumerate(zip(result.values, result.last_days()))],
            "summary": records(result.summary), "differences": records(diffs), "files": files,
            **recorded.to_dict(),
        })
        return
    from rich.table import Table

    console = rich_console()
    grid = Table(title=f"{result.n_variants} variants x {result.n_paths:,} paths, seed {result.seed}, "
                       f"on the same random numbers; baseline v{result.baseline_index}", title_justify="left")
    records_ = table.to_dict(orient="records")  # dicts: an axis column may be no Python name ("0_uptime_frac")
    # an axis whose value is the policy's label on every row (policy.treasury.kind) is the policy column again
    axes = [c for c in result.axes.values() if any(str(r[c]) != str(r["policy"]) for r in records_)]
    for column in ["v", *axes, "policy", metric, f"vs v{result.baseline_index}\n(nav_usd)", "s.e."]:
        grid.add_column(column, justify="right" if column not in ("policy",) else "left", overflow="fold")
    nav = diffs[diffs["metric"] == "nav_usd"].set_index(["variant", "policy"])
    for row in records_:
        d = nav.loc[(row["variant"], row["policy"])]
        grid.add_row(str(row["variant"]), *[str(row[c]) for c in axes], row["policy"],
                     fmt_metric(f"[{_unit(metric)}]", row["value"]), fmt_metric("[USD]", d["mean_difference"]),
                     fmt_metric("[USD]", d["standard_error"]))
    console.print(grid)
    horizons = result.horizons_note()
    if horizons:
        console.print(horizons, markup=False)
    for path in files.values():
        console.print(f"wrote {path}")
    if recorded.describe():
        console.print(recorded.describe())


def _unit(metric: str) -> str:
    name = metric.split(":")[0]
    if name.endswith("_usd"):
        return "USD"
    if name.endswith("_frac") or name == "insolvency":
        return "fraction"
    return "value"

