"""The decision commands: ``sensitivity`` (tornado and Sobol indices), ``optimize`` (the best decision, with its
interval against the runner-up) and ``breakeven`` (where the answer flips over a grid of two inputs).

Each runs ONE sweep of the scenario on common random numbers through ``hashpivot.api`` (in-process, or on Dask
with ``--workers``/``--scheduler``: the same numbers), records it in the run store as one run unless
``--no-store``, prints a table (or ``--json``) and, with ``--out DIR``, writes the HTML report
(``report.decisions``). Bad input (a path that names no field, a range with low > high, an unknown metric, a
constraint no candidate meets) exits 2 with one sentence naming it.
"""

from __future__ import annotations

import math

from pathlib import Path
from typing import Annotated, Any

import typer

from hashpivot.cli.common import (
    printable,
    DataOpt,
    DebugOpt,
    JsonOpt,
    NameOpt,
    NoStoreOpt,
    SchedulerOpt,
    StoreOpt,
    WideOpt,
    WorkersOpt,
    check_out_dir,
    echo_json,
    exit_on_error,
    fmt_metric,
    parse_fraction,
    print_fitted,
    progress_bar,
    rich_console,
    rich_text,
)
from hashpivot.cli.simulate import PathsOpt, ScenarioArg, SeedOpt
from hashpivot.errors import InputError

MetricsOpt = Annotated[
    list[str] | None,
    typer.Option("--metric", metavar="METRIC:STAT",
                 help="A metric of the summary and its stat (nav_usd:mean, nav_usd:cvar5, insolvency:probability); "
                      "repeat. Default nav_usd:mean."),
]
OutDirOpt = Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Write the HTML report into DIR.")]


def parse_inputs(items: list[str] | None) -> dict[str, tuple[float, float] | None] | None:
    """``--input PATH`` (the relative range) or ``--input PATH=LOW:HIGH`` as ``{path: (low, high) or None}``.

    >>> parse_inputs(["market.btc_price.start_usd=30000:90000", "company.cash_usd"])
    {'market.btc_price.start_usd': (30000.0, 90000.0), 'company.cash_usd': None}
    """
    if not items:
        return None
    out: dict[str, tuple[float, float] | None] = {}
    for item in items:
        path, sep, bounds = item.partition("=")
        path = path.strip()
        if not path or path in out:
            raise InputError("--input", item, "PATH or PATH=LOW:HIGH, each path once")
        if not sep:
            out[path] = None
            continue
        low, colon, high = bounds.partition(":")
        try:
            out[path] = (float(low), float(high))
        except ValueError:
            raise InputError("--input", item, "PATH=LOW:HIGH with two numbers, e.g. "
                                              "market.btc_price.start_usd=30000:90000") from None
        if not colon or not out[path][0] < out[path][1]:
            raise InputError("--input", item, "PATH=LOW:HIGH with LOW < HIGH")
    return out


def _record(result, store, no_store: bool, name: str | None):
    from hashpivot.cli.simulate import record_sweep

    return record_sweep(result, store, no_store, name)


def _left_out_json(left_out) -> list[dict[str, str]]:
    return [{"input": path, "reason": " ".join(reason.split())} for path, reason in left_out]


# --- sensitivity --------------------------------------------------------------------------------------


def sensitivity(
    scenario: ScenarioArg,
    metric: MetricsOpt = None,
    range_text: Annotated[str, typer.Option("--range", metavar="FRAC",
                                            help="Move each input -/+ this share of its base value (20% or 0.2).")]
    = "20%",
    inputs: Annotated[list[str] | None, typer.Option(
        "--input", metavar="PATH[=LOW:HIGH]",
        help="An input to move (default: every numeric input the scenario sets); repeat.")] = None,
    sobol_n: Annotated[int | None, typer.Option(
        "--sobol", metavar="N",
        help="First-order and total Sobol indices (SALib) from N x (inputs + 2) variants; N a power of two.")] = None,
    n_paths: PathsOpt = None,
    seed: SeedOpt = None,
    out: OutDirOpt = None,
    data: DataOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    name: NameOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Which input the answer hangs on: a tornado over the inputs (or Sobol indices), on common random numbers."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        from hashpivot import api
        from hashpivot.analysis import sensitivity as sa
        from hashpivot.analysis.decision_metric import parse_metric
        from hashpivot.cli.simulate import check_store
        from hashpivot.parallel.executor import connect

        metrics = metric or ["nav_usd:mean"]
        for m in metrics:
            parse_metric(m)
        range_frac = parse_fraction(range_text, "--range")
        parsed = parse_inputs(inputs)
        check_out_dir(out)
        check_store(store, no_store, name)
        as_set = api.load(scenario)
        ranges, _ = sa.input_ranges(as_set, parsed, range_frac)  # every input valid before a cluster starts
        if sobol_n is not None:
            sa.check_sobol_base(sobol_n, len(ranges))
        with connect(workers, scheduler) as client, progress_bar(
                f"sensitivity of {as_set.name}", 1, as_json, "variants" if client is None else "tasks") as bar:
            tables, ranges, left_out, result = api.sensitivity(
                as_set, metrics=metrics, inputs=parsed, range_frac=range_frac, sobol_n=sobol_n, n_paths=n_paths,
                seed=seed, data=data, client=client, progress=bar)
        kind = "sobol" if sobol_n is not None else "tornado"
        recorded = _record(result, store, no_store, name or f"{kind} of {as_set.name} ({', '.join(metrics)})")
        files = {}
        if out is not None:
            from hashpivot.report.decisions import write_sensitivity_report

            files["html"] = str(write_sensitivity_report(tables, result, out / f"{kind}.html", left_out))
        if as_json:
            from hashpivot.io.export import records

            echo_json({"scenario": as_set.name, "kind": kind, "n_paths": result.n_paths, "seed": result.seed,
                       "version": result.version, "n_variants": result.n_variants,
                       "results": [{"metric": t.metric.text, **_tool_json(t), "table": records(t.table)}
                                   for t in tables],
                       "left_out": _left_out_json(left_out), "files": files, **recorded.to_dict()})
        else:
            from hashpivot.analysis.sensitivity import no_effect_line, sobol_noise_line

            console = rich_console()
            for t in tables:
                grid, dropped = (_tornado_grid if kind == "tornado" else _sobol_grid)(t, console.width, wide)
                print_fitted(console, grid, dropped, wide)
                if kind == "tornado" and (line := no_effect_line(t)):
                    console.print(line, markup=False)
                if kind == "sobol" and (line := sobol_noise_line(t)):
                    console.print(line, markup=False)
            for path, reason in left_out:
                console.print(rich_text(f"left out {path}: {' '.join(reason.split())}"))
            for path in files.values():
                console.print(f"wrote {path}")
            if recorded.describe():
                console.print(recorded.describe())
        recorded.finish(debug)


def _tool_json(table) -> dict[str, Any]:
    from hashpivot.io.export import json_value

    if hasattr(table, "base_value"):
        return {"base_value": json_value(table.base_value)}
    return {"n_base": table.n_base, "n_evaluations": table.n_evaluations, "variance": json_value(table.variance)}


def _value(x: float) -> str:
    from hashpivot.format import fmt_number

    return fmt_number(x) if abs(x) >= 1e-3 or x == 0 else f"{x:.3g}"


def _tornado_grid(t, width: int, wide: bool = False):
    """The tornado as a table fitted to ``width`` (the metric at each end goes first when narrow), without the
    inputs of no effect (:func:`~hashpivot.analysis.sensitivity.no_effect_line` names them)."""
    from hashpivot.cli.common import fitted_table

    label = f"[{t.metric.unit}]"
    title = (f"{t.metric.label}: base {fmt_metric(label, t.base_value)}, {t.n_paths:,} paths on the same random "
             "numbers; swing = high - low, +- its standard error")
    columns = [("input", "left", 0), ("low .. high", "right", 2), ("at low .. high", "right", 3),
               ("swing", "right", 0), ("s.e.", "right", 0), ("noise", "left", 1), ("note", "left", 4)]
    rows = [[rich_text(row.input), f"{_value(row.low)} .. {_value(row.high)}",
             f"{fmt_metric(label, row.metric_low)} .. {fmt_metric(label, row.metric_high)}", fmt_metric(label, row.swing), fmt_metric(label, row.swing_se),
             "within noise" if row.within_noise else "", rich_text(row.note)]
            for row in t.table.itertuples(index=False) if not row.no_effect]
    return fitted_table(title, columns, rows, width, wide)


def _sobol_grid(t, width: int, wide: bool = False):
    """The Sobol indices as a table fitted to ``width``."""
    from hashpivot.cli.common import fitted_table

    title = (f"{t.metric.label}: Sobol indices from {t.n_evaluations:,} variants (N = {t.n_base}) x "
             f"{t.n_paths:,} paths; +- the 95 % interval's half-width")
    columns = [("input", "left", 0), ("low .. high", "right", 3), ("first order", "right", 0), ("+-", "right", 2),
               ("total", "right", 0), ("+- ", "right", 1)]
    rows = [[rich_text(row.input), f"{_value(row.low)} .. {_value(row.high)}", f"{row.s1:.3f}", f"{row.s1_conf:.3f}",
             f"{row.st:.3f}", f"{row.st_conf:.3f}"] for row in t.table.itertuples(index=False)]
    return fitted_table(title, columns, rows, width, wide)


# --- optimize -----------------------------------------------------------------------------------------


def parse_decision(text: str):
    """``--decide PATH=LOW:HIGH:STEP`` (a grid, both ends included), ``PATH=LOW:HIGH`` (a continuous range, searched
    by TPE) or ``PATH=A,B,C`` (choices) as an ``analysis.optimize.Decision``.

    >>> parse_decision("policy.capacity.mw=50:200:50").choices
    (50.0, 100.0, 150.0, 200.0)
    >>> parse_decision("policy.treasury.kind=sell_all,hold_all").choices
    ('sell_all', 'hold_all')
    >>> parse_decision("company.sites.main.power_price_usd_per_mwh=20:80").high
    80.0
    """
    import math

    from hashpivot.analysis.optimize import Decision, grid_decision
    from hashpivot.cli.sweep import parse_value

    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    allowed = "PATH=LOW:HIGH:STEP, PATH=LOW:HIGH or PATH=A,B,C"
    if not sep or not path or not spec:
        raise InputError("--decide", text, allowed)
    if ":" not in spec:
        choices = tuple(parse_value(v) for v in spec.split(",") if v.strip())
        if not choices or len(set(choices)) != len(choices):
            raise InputError("--decide", text, f"{allowed} with distinct choices")
        return Decision(path, choices)
    try:
        numbers = [float(p) for p in spec.split(":")]
    except ValueError:
        raise InputError("--decide", text, f"{allowed} with numbers LOW, HIGH and STEP") from None
    if len(numbers) not in (2, 3) or not all(map(math.isfinite, numbers)) or not numbers[0] < numbers[1]:
        raise InputError("--decide", text, f"{allowed} with LOW < HIGH")
    if len(numbers) == 2:
        return Decision(path, None, numbers[0], numbers[1])
    if not numbers[2] > 0:
        raise InputError("--decide", text, f"{allowed} with STEP > 0")
    return grid_decision(path, *numbers)


def optimize(
    scenario: ScenarioArg,
    decide: Annotated[list[str], typer.Option(
        "--decide", metavar="PATH=VALUES",
        help="A decision and its values: PATH=LO:HI:STEP (a grid), PATH=LO:HI (continuous, searched by TPE) or "
             "PATH=A,B,C; repeat.")],
    objective: Annotated[str, typer.Option("--objective", metavar="METRIC:STAT",
                                           help="What to maximise (or minimise, --minimize).")] = "nav_usd:mean",
    constraint: Annotated[list[str] | None, typer.Option(
        "--constraint", metavar="METRIC:STAT<=X", help="A limit every answer must meet (<= or >=); repeat.")] = None,
    minimize: Annotated[bool, typer.Option("--minimize", help="Minimise the objective instead.")] = False,
    budget: Annotated[int, typer.Option("--budget", metavar="N",
                                        help="Candidates to evaluate: the grid when it is no bigger, else TPE.")] = 30,
    frontier: Annotated[bool, typer.Option("--frontier", help="Print the efficient frontier (mean vs CVaR 5 %, or "
                                                              "vs insolvency with --frontier-risk insolvency).")] = False,
    frontier_risk: Annotated[str, typer.Option("--frontier-risk", metavar="cvar5|insolvency",
                                               help="Risk axis of the frontier.")] = "cvar5",
    search_seed: Annotated[int, typer.Option("--search-seed", metavar="S", help="Seed of the TPE sampler.")] = 0,
    n_paths: PathsOpt = None,
    seed: SeedOpt = None,
    out: OutDirOpt = None,
    data: DataOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    name: NameOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The best decision on common random numbers, with its interval against the runner-up (or 'within noise')."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        from hashpivot import api
        from hashpivot.analysis.decision_metric import parse_metric
        from hashpivot.analysis.optimize import parse_constraint, typed
        from hashpivot.cli.simulate import check_store
        from hashpivot.parallel.executor import connect

        decisions = [parse_decision(d) for d in decide]
        spec = parse_metric(objective, "--objective")
        constraints = [parse_constraint(c) for c in constraint or []]
        check_out_dir(out)
        check_store(store, no_store, name)
        base = api.load(scenario, n_paths=n_paths, seed=seed)
        typed(decisions, base)  # every path names a field before a cluster starts
        with connect(workers, scheduler) as client, progress_bar(
                f"optimising {base.name}", 1, as_json, "variants" if client is None else "tasks") as bar:
            answer = api.optimize(base, decisions=decisions, objective=spec, constraints=constraints, budget=budget,
                                  direction="min" if minimize else "max", search_seed=search_seed,
                                  frontier_risk=frontier_risk, data=data, client=client, progress=bar)
        recorded = _record(answer.evaluated(), store, no_store, name or f"optimize {spec.text} of {base.name}")
        files = {}
        if out is not None:
            from hashpivot.report.decisions import write_optimize_report

            files["html"] = str(write_optimize_report(answer, out / "optimize.html", base))
        _emit_optimum(answer, as_json, frontier, recorded, files, wide, frontier_risk)
        recorded.finish(debug)


def _emit_optimum(answer, as_json: bool, frontier: bool, recorded, files, wide: bool = False,
                  frontier_risk: str = "cvar5") -> None:
    from hashpivot.io.export import json_value, records

    lines = answer.lines()
    if as_json:
        echo_json({"objective": answer.objective.text, "direction": answer.direction, "method": answer.method,
                   "n_paths": answer.n_paths, "n_candidates": len(answer.table),
                   "constraints": [c.text for c in answer.constraints],
                   "best": json_value(answer.best), "runner_up": json_value(answer.runner_up),
                   "difference_vs_runner_up": None if answer.ci is None else
                   {"value": json_value(answer.ci[0]), "low": json_value(answer.ci[1]),
                    "high": json_value(answer.ci[2]), "level": 0.95},
                   "within_noise": answer.within_noise, "lines": lines, "candidates": records(answer.table),
                   "invalid_candidates": [{"values": json_value(v), "reason": why} for v, why in answer.invalid],
                   "files": files, **recorded.to_dict()})
        return
    console = rich_console()
    for line in lines:
        console.print(printable(line), markup=False)
    unit = f"[{answer.objective.unit}]"
    from hashpivot.cli.common import fitted_table
    from hashpivot.scenarios.variants import coordinate_names

    paths = [d.path for d in answer.decisions]
    names = coordinate_names(paths)
    # with --frontier, its two axes beside it: the objective variable's mean and the risk it is traded against
    risk_label, risk_unit = ("CVaR 5%", unit) if frontier_risk == "cvar5" else ("P(insolv.)", "[fraction]")
    axes = [("mean", "right", 2), (risk_label, "right", 2), ("frontier", "right", 0)] if frontier else []
    columns = [*((names[p], "right", 0) for p in paths), (answer.objective.text, "right", 0), ("vs best", "right", 1),
               ("s.e.", "right", 1), ("feasible", "right", 0), *axes]
    rows = [[*(rich_text(_cell(row[p])) for p in paths), fmt_metric(unit, row["objective"]),
             fmt_metric(unit, row["difference_vs_best"]), fmt_metric(unit, row["se_vs_best"]),
             "yes" if row["feasible"] else "no",
             *([fmt_metric(unit, row["mean"]), fmt_metric(risk_unit, row[frontier_risk]),
                "yes" if row["on_frontier"] else ""] if frontier else [])]
            for _, row in answer.table.head(len(answer.table) if frontier else 15).iterrows()]
    grid, dropped = fitted_table(f"candidates ({answer.method}, {len(answer.table)} evaluated, {answer.n_paths:,} "
                                 "paths each, best first)", columns, rows, console.width, wide)
    print_fitted(console, grid, dropped, wide)
    for path in files.values():
        console.print(f"wrote {path}")
    if recorded.describe():
        console.print(recorded.describe())


def _cell(value) -> str:
    """A decision's value in the candidates' table; the placeholder (``format.MISSING``) where it does not apply to
    the candidate's kind."""
    from hashpivot.format import MISSING

    if isinstance(value, float) and math.isnan(value):
        return MISSING
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- breakeven ------------------------------------------------------------------------------------------


def parse_grid(text: str, option: str) -> tuple[str, float, float, int]:
    """``PATH=LOW:HIGH:N`` (N points, both ends included) as ``(path, low, high, n)``.

    >>> parse_grid("market.btc_price.start_usd=30000:150000:25", "--x")
    ('market.btc_price.start_usd', 30000.0, 150000.0, 25)
    """
    path, sep, spec = text.partition("=")
    parts = spec.split(":")
    try:
        if not sep or not path.strip() or len(parts) != 3:
            raise ValueError
        low, high, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise InputError(option, text, "PATH=LOW:HIGH:N (N grid points from LOW to HIGH), e.g. "
                                       "company.sites.main.power_price_usd_per_mwh=20:80:13") from None
    if not low < high:
        raise InputError(option, text, "PATH=LOW:HIGH:N with LOW < HIGH")
    return path.strip(), low, high, n


def parse_against(text: str | None):
    """``--against``: a treasury policy (label or kind) as text, or ``PATH=VALUE`` as ``(path, value)``.

    >>> parse_against("hold_all"), parse_against("policy.capacity.kind=all_mining")
    ('hold_all', ('policy.capacity.kind', 'all_mining'))
    """
    if text is None or "=" not in text:
        return text
    from hashpivot.cli.sweep import parse_value

    path, _, value = text.partition("=")
    if not path.strip() or not value.strip():
        raise InputError("--against", text, "a treasury policy, or PATH=VALUE (a variant of the scenario)")
    return path.strip(), parse_value(value)


def breakeven(
    scenario: ScenarioArg,
    x: Annotated[str, typer.Option("--x", metavar="PATH=LOW:HIGH:N", help="The map's x axis: N points.")],
    y: Annotated[str, typer.Option("--y", metavar="PATH=LOW:HIGH:N", help="The map's y axis: N points.")],
    metric: Annotated[str, typer.Option("--metric", metavar="METRIC:STAT", help="The metric whose sign (or "
                                        "difference against --against) is mapped.")]
    = "mining_margin_usd_per_mw_day:mean",
    against: Annotated[str | None, typer.Option(
        "--against", metavar="POLICY|PATH=VALUE",
        help="The alternative: a treasury policy run beside the scenario's, or a variant PATH=VALUE.")] = None,
    n_paths: PathsOpt = None,
    seed: SeedOpt = None,
    out: OutDirOpt = None,
    data: DataOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    name: NameOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Where the answer flips over a grid of two inputs, from the simulation, with the frontier line."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        from hashpivot import api
        from hashpivot.analysis.breakeven_map import grid_axis
        from hashpivot.analysis.decision_metric import parse_metric
        from hashpivot.analysis.optimize import concat_sweeps
        from hashpivot.analysis.sensitivity import base_value
        from hashpivot.cli.simulate import check_store
        from hashpivot.parallel.executor import connect
        from hashpivot.scenarios.sweep import MAX_VARIANTS

        spec = parse_metric(metric)
        alternative = parse_against(against)
        check_out_dir(out)
        check_store(store, no_store, name)
        base = api.load(scenario, n_paths=n_paths, seed=seed)
        axes = []
        for option, text in (("--x", x), ("--y", y)):
            path, low, high, n = parse_grid(text, option)
            axes.append(grid_axis(path, low, high, n, isinstance(base_value(base, path), int)))
        if len(axes[0].values) * len(axes[1].values) > MAX_VARIANTS:
            raise InputError("--y", y, f"a grid of at most {MAX_VARIANTS} cells with --x")
        with connect(workers, scheduler) as client, progress_bar(
                f"mapping {base.name}", 1, as_json, "variants" if client is None else "tasks") as bar:
            result, sweeps = api.breakeven_map(base, x=axes[0], y=axes[1], metric=spec, against=alternative,
                                               data=data, client=client, progress=bar)
        what = f"{spec.text}" + (f" against {result.against_text}" if against else "")
        recorded = _record(concat_sweeps(sweeps), store, no_store, name or f"breakeven {what} of {base.name}")
        files = {}
        if out is not None:
            from hashpivot.report.decisions import write_breakeven_report

            files["html"] = str(write_breakeven_report(result, sweeps[0], out / "breakeven.html"))
        if as_json:
            from hashpivot.io.export import json_value, records

            echo_json({"scenario": base.name, "metric": spec.text, "against": result.against_text,
                       "x": {"path": result.x.path, "values": list(result.x.values)},
                       "y": {"path": result.y.path, "values": list(result.y.values)}, "n_paths": result.n_paths,
                       "cells": records(result.cells),
                       "frontier_y": [[json_value(a), json_value(b)] for a, b in result.frontier_y],
                       "frontier_x": [[json_value(a), json_value(b)] for a, b in result.frontier_x],
                       "files": files, **recorded.to_dict()})
        else:
            _print_map(result)
            for path in files.values():
                rich_console().print(f"wrote {path}")
            if recorded.describe():
                rich_console().print(recorded.describe())
        recorded.finish(debug)


def _print_map(result) -> None:
    """The decision of each cell as one letter (+ scenario/positive, - against/negative, ~ within noise), y up,
    and the frontier's points."""
    console = rich_console()
    mark = {"scenario": "+", "positive": "+", "against": "-", "negative": "-", "within noise": "~"}
    grid = result.cells["decision"].to_numpy().reshape(len(result.x.values), len(result.y.values))
    plus, minus = (("scenario", "against") if result.against is not None else ("metric > 0", "metric < 0"))
    console.print(rich_text(f"{result.metric.label}{' minus ' + result.against_text if result.against else ''} "
                            f"over {result.x.path} (across) and {result.y.path} (up), {result.n_paths:,} paths: "
                            f"+ {plus}, - {minus}, ~ within noise"))
    for j in range(len(result.y.values) - 1, -1, -1):
        console.print(f"{_cell(result.y.values[j]):>12} " + " ".join(mark[d] for d in grid[:, j]), markup=False)
    console.print(f"{'':>12} x: {_cell(result.x.values[0])} .. {_cell(result.x.values[-1])}", markup=False)
    if result.frontier_y:
        points = ", ".join(f"({_cell(a)}, {b:,.4g})" for a, b in result.frontier_y)
        console.print(rich_text(f"frontier (x, y where it crosses 0): {points}"))
    else:
        console.print("no frontier: the sign does not change over this grid")
