"""Monte Carlo commands: ``run`` (a scenario under its main capacity plan and treasury policy), ``compare``
(plans and policies side by side on the same random numbers), and ``margins`` (what a megawatt earns
mining vs in an AI GPU cloud).

``run`` and ``compare`` record every run in the run store (:class:`hashpivot.io.store.RunStore`) unless
``--no-store``; a busy store does not lose the results: they are printed, then the command exits 1.
The numbers come from :mod:`hashpivot.api` and :mod:`hashpivot.analysis`; this module reads the options
and prints.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from hashpivot.cli.common import (
    parse_share,
    printable,
    EXIT_FAILURE,
    CheckOpt,
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
    comparison_title,
    echo_json,
    exit_on_error,
    fail,
    fitted_table,
    fmt_usd,
    print_comparison,
    print_fitted,
    progress_bar,
    rich_console,
    rich_text,
    win_rate_json,
)
from hashpivot.format import fmt_pct

ScenarioArg = Annotated[
    str, typer.Argument(metavar="SCENARIO", help="A scenario TOML file or a preset name (e.g. default, rm1).")
]
PathsOpt = Annotated[int | None, typer.Option("--paths", metavar="N", help="Override run.n_paths.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", metavar="S", help="Override run.seed.")]
OutOpt = Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Write report.html into DIR.")]
LimitOpt = Annotated[
    str | None,
    typer.Option("--insolvency-limit", metavar="FRAC",
                 help="Largest share of insolvent paths a recommended policy may have, 0..1 or 0 %..100 % "
                      "(default 5 %)."),
]
StressOpt = Annotated[
    list[str] | None,
    typer.Option("--stress", metavar="NAME",
                 help="Apply a stress case; repeat: tenant_default, build_delay, gpu_rent_crash, hashrate_surge."),
]


# --- run and compare ------------------------------------------------------------------------------


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
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Simulate a scenario under its main capacity plan and treasury policy and print the summary.

    The run is recorded in the run store (see 'hashpivot runs') unless --no-store."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        _run_and_record(scenario, None, None, n_paths, seed, data, check, stress, store, no_store, name, out,
                        as_json, debug, main_only=True, cluster=(workers, scheduler), wide=wide)


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
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    insolvency_limit: LimitOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compare capacity plans and treasury policies side by side on the same random numbers.

    The run is recorded in the run store (see 'hashpivot runs') unless --no-store."""
    with exit_on_error(debug, {"n_paths": "--paths", "seed": "--seed"}):
        limit = _check_limit(insolvency_limit)
        _run_and_record(scenario, policy, capacity, n_paths, seed, data, check, stress, store, no_store, name, out,
                        as_json, debug, cluster=(workers, scheduler), wide=wide, limit=limit)


def _run_and_record(scenario, policies, capacity, n_paths, seed, data, check, stresses, store, no_store, name, out,
                    as_json, debug, *, main_only: bool = False, cluster: tuple = (None, None),
                    wide: bool = False, limit: float | None = None) -> None:
    """The body of ``run`` and ``compare``: simulate (in-process, or on the Dask cluster of ``cluster``:
    (--workers, --scheduler)), record in the run store, write and print the results."""
    from hashpivot.parallel.executor import connect

    check_out_dir(out)
    check_store(store, no_store, name)
    with connect(*cluster) as client:
        result = _simulate_with_progress(scenario, policies, n_paths, seed, data, check, as_json,
                                         capacity=capacity, stresses=stresses, main_only=main_only, client=client)
        # A comparison shows what economic shutdown is worth: the same plans and policies with machines always on.
        always_on = None if main_only else api_insolvency_always_on(result, data, client)
        # A comparison of a hedged scenario shows each plan and policy hedged beside the same unhedged.
        hedges = None if main_only else api_hedge_comparison(result, data, client)
    recorded = record_run(result, store, no_store, name)
    _emit_result(result, out, as_json, recorded, wide=wide, limit=limit, always_on=always_on, hedges=hedges,
                 stresses=stresses or ())
    recorded.finish(debug)


def api_insolvency_always_on(result, data, client) -> dict[str, float] | None:
    """``api.insolvency_always_on`` of ``result`` (None when no site switches off)."""
    from hashpivot import api

    return api.insolvency_always_on(result, data=data, client=client)


def api_hedge_comparison(result, data, client):
    """``api.hedge_comparison`` of ``result`` (None when the scenario has no hedges)."""
    from hashpivot import api

    return api.hedge_comparison(result, data=data, client=client)


def print_hedges(console, hedges, wide: bool) -> None:
    """The hedged-against-unhedged table (``api.hedge_comparison``), fitted to the console unless ``wide``."""
    from hashpivot.report.hedges import column_priorities, hedge_cells

    headers, rows = hedge_cells(hedges)
    # Kept first when the terminal is narrow: what the hedge costs in the mean and adds to the tail.
    print_cells(console, "Hedged against unhedged, on the same random numbers (cost: mean NAV given up)", headers,
                rows, column_priorities(hedges), 2, wide)


def print_cells(console, title: str, headers: list[str], rows: list[list[str]], priorities: list[int], n_left: int,
                wide: bool) -> None:
    """A table of text cells, the first column each row's policy, fitted to the console unless ``wide``:
    ``headers`` with their ``[unit]`` on a second line, the first ``n_left`` columns left-aligned, the others
    right-aligned; a narrow console drops the columns of highest ``priorities`` first (0: always kept). A policy
    label wraps at its spaces rather than push figures out; where the rows name more than one policy its column is
    kept (a row without it could be any policy's) and, where a policy has several rows, a rule parts its rows from
    the next policy's."""
    priorities = list(priorities)
    n_policies = len({row[0] for row in rows})
    if n_policies > 1:
        priorities[0] = 0
    columns = [(h.replace(" [", "\n["), "left" if i < n_left else "right", p)
               for i, (h, p) in enumerate(zip(headers, priorities, strict=True))]
    grid, dropped = fitted_table(title, columns, rows, console.width, wide, wrap=(0,),
                                 sections_by=0 if 1 < n_policies < len(rows) else None)
    print_fitted(console, grid, dropped, wide)


def print_debt(console, debt, wide: bool) -> None:
    """The debt table (``analysis.debt.debt_frame``: covenant breaches, refinancings, insolvency when debt fell
    due), fitted to the console unless ``wide``."""
    from hashpivot.report.debt import debt_cells

    headers, rows = debt_cells(debt)
    # Kept first when the terminal is narrow: the breach probability and the failures when debt fell due.
    print_cells(console, "Debt: covenant breaches, refinancing and insolvency when debt fell due", headers, rows,
                [0, 0, 2, 4, 3, 4, 1, 2, 5], 1, wide)


def print_sites(console, sites, wide: bool) -> None:
    """Each site's figures per policy (``analysis.sites.site_frame``: path means), fitted to the console unless
    ``wide``."""
    from hashpivot.report.company import site_cells

    headers, rows = site_cells(sites)
    print_cells(console, "By site: path means over the horizon; margin = revenue - opex, before capex and overheads",
                headers, rows, [1, 0, 2, 3, 3, 0, 0, 1, 4], 2, wide)


def print_spin_offs(console, spin_offs, wide: bool) -> None:
    """Each spin-off per policy (``analysis.spin_offs.spin_off_frame``: medians), fitted to the console unless
    ``wide``."""
    from hashpivot.report.company import spin_off_cells

    headers, rows = spin_off_cells(spin_offs)
    print_cells(console, "Spin-offs: medians over paths; attributable NAV takes the other holders' share of each "
                "entity's NAV off", headers, rows, [1, 0, 0, 2, 0, 1, 3, 0], 2, wide)


def print_valuation(console, valuation, wide: bool) -> None:
    """The DCF value on day 0 per policy (``analysis.valuation.valuation_frame``) and one line of the peers'
    multiples beside it, fitted to the console unless ``wide``."""
    from hashpivot.analysis.valuation import peer_range
    from hashpivot.format import fmt_usd
    from hashpivot.report.company import value_cells

    rate = float(valuation["equity_discount_rate_per_year"].iloc[0])
    headers, rows = value_cells(valuation)
    print_cells(console, f"Value on day 0: the simulated flows discounted at {fmt_pct(rate)}/year (mining after "
                "the horizon counts only the fleets' resale)", headers, rows, [0, 0, 2, 1, 1, 0, 3, 2], 1, wide)
    cap_low, cap_high, cap_date = peer_range("market_cap_per_ehs")
    mw_low, mw_high, mw_date = peer_range("equity_per_mw")
    console.print(f"Peers: market capitalisation {fmt_usd(cap_low)}-{fmt_usd(cap_high)} USD per EH/s (MARA, "
                  f"CleanSpark, Riot, {cap_date}); AI/HPC colocation equity {fmt_usd(mw_low)}-{fmt_usd(mw_high)} "
                  f"USD per MW (J.P. Morgan, {mw_date}); sources in domain/facts/peer_multiples.csv.",
                  markup=False, highlight=False)


def print_additions(console, additions, wide: bool) -> None:
    """The returns of each fleet addition and of the growth policy's purchases (``SimResult.addition_returns``),
    fitted to the console unless ``wide``."""
    from hashpivot.report.growth import addition_cells

    headers, rows = addition_cells(additions)
    print_cells(console, "Fleet additions and purchases: capex, payback from day 0, ROI to the horizon", headers,
                rows, [0, 0, 1, 3, 1, 2, 3, 1], 2, wide)


def print_purchases(console, purchases, wide: bool) -> None:
    """The growth policy's purchases by ordinal (``SimResult.purchase_returns``), fitted to the console unless
    ``wide``."""
    from hashpivot.report.growth import purchase_cells

    headers, rows = purchase_cells(purchases)
    print_cells(console, "Growth purchases, one row per ordinal over the paths that made it: share of paths, median "
                "order day and date, EH/s and price, mean capex, median payback from the order, mean ROI", headers,
                rows, [0, 0, 1, 2, 3, 2, 1, 1, 1, 2, 1], 2, wide)


def _simulate_with_progress(scenario: str, policies: list[str] | None, n_paths: int | None, seed: int | None,
                            data: Path | None, check: bool, quiet: bool, *, capacity: list[str] | None = None,
                            stresses: list[str] | None = None, main_only: bool = False, client=None):
    """Run ``api.run`` with a progress bar on stderr (hidden with --json); ``main_only`` runs the scenario's
    main capacity plan and treasury policy; ``client`` a Dask client (the bar then counts tasks)."""
    from hashpivot import api

    sc = api.load(scenario, n_paths=n_paths, seed=seed, stresses=stresses or ())
    if main_only:
        policies, capacity = api.main_selectors(sc)
    unit = "paths" if client is None else "tasks"
    with progress_bar(f"simulating {sc.name}", sc.run.n_paths, quiet, unit) as progress:
        return api.run(sc, policies=policies, capacity=capacity, data=data, check_invariants=check,
                       progress=progress, client=client)


def _check_limit(text: str | None) -> float | None:
    """--insolvency-limit as a fraction (``5%`` or ``0.05``), in [0, 1]; None when not given."""
    return None if text is None else parse_share(text, "--insolvency-limit")


def _emit_result(result, out: Path | None, as_json: bool, recorded: Recorded | None = None,
                 wide: bool = False, limit: float | None = None, always_on: dict[str, float] | None = None,
                 hedges=None, stresses=()) -> None:
    """Write the report (when ``out``) and print the answer at a glance (under the insolvency ``limit``) and the
    comparison (rich table or JSON; every column with ``wide``); ``recorded`` says where the run store recorded
    the run; ``stresses`` the stress cases it ran under, said first."""
    from hashpivot.analysis.incremental import incremental_returns

    from hashpivot.analysis.debt import debt_frame
    from hashpivot.analysis.sites import site_frame
    from hashpivot.analysis.spin_offs import spin_off_frame
    from hashpivot.analysis.valuation import peers_frame, valuation_frame

    files = {}
    debt = debt_frame(result.dataset)
    answer = result.glance(limit)
    incremental = incremental_returns(result.dataset)
    valuation = valuation_frame(result)
    sites = None if "site_mining_revenue_usd" not in result.dataset else site_frame(result)
    spin_offs = spin_off_frame(result)
    additions = result.addition_returns
    purchases = result.purchase_returns
    if out is not None:
        from hashpivot.report.sim_report import write_report

        files["html"] = str(write_report(result, out / "report.html", answer.insolvency_limit_frac, always_on,
                                         hedges))
    if as_json:
        from hashpivot.io.export import json_value, records

        echo_json({
            "scenario": result.dataset.attrs.get("scenario_toml", ""),
            "seed": result.seed,
            "version": result.version,
            "n_paths": int(result.dataset.sizes["path"]),
            "per_path": result.dataset.attrs.get("per_path", "all"),
            "policies": result.policies,
            "summary": records(result.summary),
            "win_rate": win_rate_json(result.win_rate),
            "glance": {"insolvency_limit_frac": answer.insolvency_limit_frac, "best": answer.best,
                       "within_noise": None if answer.lead is None else answer.lead.within_noise,
                       "lines": answer.lines()},
            "insolvency_always_on": always_on,
            "incremental_returns": records(incremental),
            "hedges": None if hedges is None else records(hedges),
            "debt": None if debt is None else records(debt),
            "valuation": records(valuation),
            "peer_multiples": records(peers_frame()),
            "sites": None if sites is None else records(sites),
            "spin_offs": None if spin_offs is None else records(spin_offs),
            "addition_returns": records(additions),
            "purchase_returns": records(purchases),
            "files": files,
            **(json_value(recorded.to_dict()) if recorded is not None else {}),
        })
        return
    console = rich_console()
    if stresses:
        from hashpivot.scenarios.stress import STRESSES

        console.print("Under stress: " + "; ".join(f"{n} ({STRESSES[n].description})" for n in stresses) + ".",
                      markup=False)
    for line in answer.lines():
        console.print(printable(line), markup=False)
    print_comparison(console, result.summary, result.win_rate, result.policies,
                     comparison_title(int(result.dataset.sizes["path"]), result.seed, len(result.policies)), wide=wide)
    if always_on:
        shutdown = result.summary[(result.summary["metric"] == "insolvency") & (result.summary["stat"] == "probability")]
        pairs = ", ".join(f"{p} {fmt_pct(v)} ({fmt_pct(always_on[p])})"
                          for p, v in zip(shutdown["policy"], shutdown["value"], strict=True) if p in always_on)
        console.print("P(insolvency) with economic shutdown (in brackets: the same paths, machines always on): "
                      + pairs, markup=False, highlight=False)
    if not incremental.empty:
        # one line per plan, under the first treasury policy it ran (the others differ little; --json has all)
        median = incremental[incremental["stat"] == "p50"]
        plan_of = dict(zip(result.dataset["policy"].values, result.dataset["capacity"].values, strict=True))
        first = median.assign(plan=[str(plan_of[p]) for p in median["policy"]]).drop_duplicates("plan")
        pairs = "; ".join(
            f"{plan} {fmt_pct(i)}/year, payback {f'{y:.1f} years' if math.isfinite(y) else 'never'} ({p})"
            for plan, p, i, y in zip(first["plan"], first["policy"], first["irr_frac_per_year"],
                                     first["payback_years"], strict=True))
        console.print("IRR of converting against all-mining on the same paths (medians over the stored paths, the "
                      f"mining margin given up counted): {pairs}", markup=False, highlight=False)
    if hedges is not None:
        print_hedges(console, hedges, wide)
    if not additions.empty:
        print_additions(console, additions, wide)
    if not purchases.empty:
        print_purchases(console, purchases, wide)
    if debt is not None:
        print_debt(console, debt, wide)
    print_valuation(console, valuation, wide)
    if sites is not None and sites["site"].nunique() > 1:
        print_sites(console, sites, wide)
    if spin_offs is not None:
        print_spin_offs(console, spin_offs, wide)
    if result.dataset.attrs.get("per_path") == "finals":
        console.print("per path, only the summary's inputs were kept (the client could not hold every value; "
                      "see docs/scaling.md)")
    for kind, path in files.items():
        console.print(f"report: {path}")
    if recorded is not None and recorded.describe():
        console.print(recorded.describe())


# --- recording runs in the run store --------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """Where a run was recorded: ``run_id`` and ``store``; both None with --no-store; ``error`` when the
    store stayed busy (the results are still printed, then the command exits 1)."""

    run_id: int | None = None
    store: Path | None = None
    error: Exception | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "store": None if self.store is None else str(self.store)}

    def describe(self) -> str | None:
        """One line for the terminal, or None when nothing was recorded."""
        if self.run_id is None:
            return None
        return rich_text(f"recorded as run {self.run_id} in {self.store} (hashpivot runs show {self.run_id})")

    def finish(self, debug: bool) -> None:
        """Exit 1 with the busy-store sentence if recording failed; otherwise nothing."""
        if self.error is not None:
            fail(self.error, EXIT_FAILURE, debug, f"{self.error}; this run was not recorded")


def check_store(store: Path | None, no_store: bool, name: str | None = None) -> None:
    """Fail early (before a long simulation) when ``--store`` cannot be a run store, or ``--name`` labels a run
    that ``--no-store`` keeps out of it (the name would be dropped unsaid)."""
    if no_store and name is not None:
        from hashpivot.errors import ScenarioError

        raise ScenarioError(f"--name {name!r} is given with --no-store; allowed: --name for a run that is recorded "
                            "(without --no-store)")
    if not no_store:
        from hashpivot.io.store import RunStore

        RunStore(store).check()


def record_sweep(result, store: Path | None, no_store: bool, name: str | None = None) -> Recorded:
    """Record a sweep (``analysis.sweep.SweepResult``) as one run of the store unless ``no_store``."""
    if no_store:
        return Recorded()
    import pandas as pd

    from hashpivot.analysis.fan import FAN_COLUMNS
    from hashpivot.io.store import RunStore, StoreBusyError

    rs = RunStore(store)
    try:
        return Recorded(rs.save_run(result.as_run(), pd.DataFrame(columns=FAN_COLUMNS), name=name), rs.path)
    except StoreBusyError as exc:
        return Recorded(None, rs.path, exc)


def record_run(result, store: Path | None, no_store: bool, name: str | None = None) -> Recorded:
    """Record ``result`` in the run store unless ``no_store``; a busy store is reported, not raised."""
    if no_store:
        return Recorded()
    from hashpivot.analysis.fan import fan_frame
    from hashpivot.io.store import RunStore, StoreBusyError

    rs = RunStore(store)
    try:
        return Recorded(rs.save_run(result, fan_frame(result.dataset), name=name), rs.path)
    except StoreBusyError as exc:
        return Recorded(None, rs.path, exc)


# --- margins --------------------------------------------------------------------------------------


def margins(
    rent_text: Annotated[str, typer.Option("--rent-drop", metavar="FRAC",
                                           help="GPU rent fall to test, 0..1 or 0 %..100 %.")] = "40%",
    utilisation_text: Annotated[str, typer.Option("--utilisation", metavar="FRAC",
                                                  help="GPU utilisation to test, 0..1 or 0 %..100 %.")] = "60%",
    as_json: JsonOpt = False,
    wide: WideOpt = False,
    debug: DebugOpt = False,
) -> None:
    """What a megawatt earns mining vs in an AI GPU cloud (IREN-like FY2025 inputs), with sensitivities."""
    with exit_on_error(debug):
        from hashpivot.analysis.per_mw import iren_like, sensitivities
        from hashpivot.format import fmt_number, fmt_pct, per_mw_year

        rent_drop = parse_share(rent_text, "--rent-drop")
        utilisation = parse_share(utilisation_text, "--utilisation")
        inputs = iren_like()
        table = sensitivities(inputs, rent_drop, utilisation)
        if as_json:
            from hashpivot.io.export import records

            # a margin of 0 or less: no margin share (NaN) and no payback (inf), null in JSON
            echo_json({"inputs": inputs.model_dump(), "rows": records(table)})
            return
        columns = [("case", "left", 0), ("segment", "left", 0), ("revenue\nUSD/MW-day", "right", 5),
                   ("power\nUSD/MW-day", "right", 6), ("margin\nUSD/MW-day", "right", 1),
                   ("margin\nUSD/MW-year", "right", 2), ("margin\nshare", "right", 4), ("capex\nUSD/MW", "right", 7),
                   ("payback", "right", 3)]
        rows = [(row.case, row.segment, fmt_number(row.revenue_usd_per_mw_day), fmt_number(row.power_usd_per_mw_day),
                 fmt_number(row.margin_usd_per_mw_day), fmt_usd(per_mw_year(row.margin_usd_per_mw_day)),
                 fmt_pct(row.margin_frac), fmt_usd(row.capex_usd_per_mw),
                 f"{row.payback_years:.1f} y" if math.isfinite(row.payback_years) else "never")
                for row in table.itertuples(index=False)]
        console = rich_console()
        grid, dropped = fitted_table(f"What a MW earns today at {inputs.name} inputs: one day's hardware margin "
                                     "(revenue - electricity), a point estimate, not a run's median",
                                     columns, rows, console.width, wide, sections_by=0)  # a rule per case
        print_fitted(console, grid, dropped, wide)
        console.print("Per grid MW; capex in USD per MW, payback in years. Sources: domain/facts/iren_per_mw.toml. "
                   "A simulated run's figure is the median over paths of the horizon's margin per MW-day "
                   "('hashpivot compare', the report)")
