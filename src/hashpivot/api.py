"""The facade used by the CLI, the dashboard and notebooks: ``load``, ``run``, ``compare``, ``replay``, ``sweep``
(the first five are also at the package root: ``hashpivot.run("riot", n_paths=2000)``).

It resolves what the engine must not touch itself (files, presets, company aliases, historical data) and hands
the engine plain models and arrays. A scenario is a :class:`~hashpivot.scenarios.schema.Scenario`, a TOML path,
a preset name (``default``, ``rm1``, ``riot_2024q2``) or a company alias (``riot`` -> ``riot_2024q2``, its halving
preset); change one field with ``scenario.replace("company.sites.main.power_price_usd_per_mwh", 38)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hashpivot.errors import InputError, ScenarioError
from hashpivot.scenarios.schema import Scenario
from hashpivot.scenarios.selection import select_capacity, select_policies

__all__ = ["breakeven_map", "calc", "calc_fleet_of", "calc_scenario", "chain_history", "compare", "conversion_option",
           "export_result", "history_log_returns_for", "load", "load_company", "main_selectors", "optimize", "replay",
           "resimulate", "run", "run_tables", "select_capacity", "select_policies", "sensitivity", "shutdown_option",
           "sweep"]


def load(
    scenario: Scenario | str | Path, *, n_paths: int | None = None, seed: int | None = None,
    stresses: Sequence[str] = (),
) -> Scenario:
    """A scenario from a model, a TOML path, a preset name or a company alias (``riot`` -> its halving preset,
    :func:`hashpivot.scenarios.toml.resolve_company`), with optional stresses and overrides.

    >>> load("riot").name
    'riot_2024q2'
    """
    from hashpivot.scenarios.stress import apply_stress
    from hashpivot.scenarios.toml import from_dict, load_scenario, resolve_company

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(resolve_company(str(scenario)))
    for name in stresses:
        sc = apply_stress(sc, name)
    if n_paths is None and seed is None:
        return sc
    data = sc.model_dump(mode="python")
    if n_paths is not None:
        data["run"]["n_paths"] = n_paths
    if seed is not None:
        data["run"]["seed"] = seed
    return from_dict(data, "command-line overrides (--paths/--seed)")


def load_company(company: str | Path) -> Scenario:
    """A company's scenario: a scenario TOML file, a preset, or a company name standing for its halving
    preset (``riot`` -> ``riot_2024q2``, see :func:`hashpivot.scenarios.toml.resolve_company`)."""
    from hashpivot.scenarios.toml import resolve_company

    return load(resolve_company(str(company)))


def main_selectors(scenario: Scenario) -> tuple[list[str], list[str]]:
    """The labels of the scenario's main treasury policy and main capacity plan, as ``(policies, capacity)``
    for :func:`run`: what runs when no ``[[compare]]`` or ``[[compare_capacity]]`` entry is asked for."""
    from hashpivot.policies.capacity import capacity_label

    return [scenario.policy.treasury.label], [capacity_label(scenario.policy.capacity)]


def history_log_returns_for(scenario: Scenario, data: str | Path | None = None) -> np.ndarray | None:
    """Daily BTC log returns from the chain table when the price process bootstraps history. A table named
    (``data``) that no process needs must still exist: a wrong path is an error, not dropped unsaid."""
    price = scenario.market.btc_price
    if price.kind != "bootstrap":
        if data is not None:
            from hashpivot.io.history import chain_history_file

            chain_history_file(data)
        return None
    from hashpivot.io.history import load_chain_history

    history = load_chain_history(data)
    _check_since_in_history(price, history.index)
    prices = history.loc[history.index >= price.since, "price_usd"].to_numpy()
    return np.diff(np.log(prices))


def _check_since_in_history(price, dates) -> None:
    """Refuse (before any work) a bootstrap ``since`` outside the chain table: before its first day (the
    sample would silently be shorter than asked) or too late to leave ``block_days + 1`` returns."""
    import pandas as pd

    first, last = dates.min(), dates.max()
    since = pd.Timestamp(price.since)
    latest = last - pd.Timedelta(days=price.block_days + 1)
    if since < first or since > latest:
        raise ScenarioError(
            f"market.btc_price.since={price.since!r} is outside the chain table; allowed: from {first:%Y-%m-%d} "
            f"(its first day) to {latest:%Y-%m-%d} (block_days={price.block_days} + 1 days before its last day, "
            f"{last:%Y-%m-%d})"
        )


def run(
    scenario: Scenario | str | Path,
    *,
    policies: Sequence[str] | None = None,
    capacity: Sequence[str] | None = None,
    stresses: Sequence[str] = (),
    n_paths: int | None = None,
    seed: int | None = None,
    data: str | Path | None = None,
    check_invariants: bool = False,
    progress: Callable[[int, int], None] | None = None,
    client=None,
    n_tasks: int | None = None,
    kept: str = "auto",
    task_paths: int | None = None,
):
    """Simulate a scenario under its capacity plans and treasury policies (or those selected), after
    applying the named ``stresses``. Returns a ``SimResult``.

    ``client``: a ``dask.distributed.Client`` to split the run into tasks of paths on its workers (see
    ``hashpivot.parallel``); the result is the same, bit for bit. ``n_tasks`` forces the split (also in-process).
    ``kept``: what a split run keeps per path: ``"all"`` terminal values, only the summary's inputs
    (``"finals"``: for millions of paths; the summary and win rates are the same), or ``"auto"`` (all when the
    client can hold them); ``result.dataset.attrs["per_path"]`` says which. ``task_paths``: paths per task
    (default: about ``parallel.tasks.TARGET_POLICY_PATH_DAYS`` of work; bigger on a cluster of thousands of workers,
    see docs/scaling.md).
    """
    sc = load(scenario, n_paths=n_paths, seed=seed, stresses=stresses)
    chosen = select_policies(sc, policies)
    plans = select_capacity(sc, capacity)
    history = history_log_returns_for(sc, data)
    if client is None and n_tasks is None and task_paths is None:
        from hashpivot.engine.run import simulate

        return simulate(sc, chosen, capacity=plans, history_log_returns=history, check_invariants=check_invariants,
                        progress=progress)
    from hashpivot.parallel.executor import Executor, Variant

    executor = Executor(client, n_tasks=n_tasks, task_paths=task_paths, kept=kept)
    variant = Variant(sc, tuple(plans), tuple(chosen), history, check_invariants)
    return executor.run_variants([variant], progress=progress)[0]


def compare(
    scenario: Scenario | str | Path,
    *,
    policies: Sequence[str] | None = None,
    capacity: Sequence[str] | None = None,
    **options,
):
    """Every capacity plan and treasury policy of a scenario (or those named) side by side on the same random
    numbers: :func:`run` under the name a notebook reads (``hashpivot.compare("default", n_paths=2000)``). The
    ``SimResult`` shows, in Jupyter, what a MW earns and the comparison table; its ``win_rate`` holds the paired
    win rates. ``options``: those of :func:`run` (``stresses``, ``n_paths``, ``seed``, ``data``, ...)."""
    return run(scenario, policies=policies, capacity=capacity, **options)


def calc(fleet, path=None, *, market: Mapping[str, Any] | None = None, data: str | Path | None = None):
    """The mining calculator (:func:`hashpivot.analysis.calc.calculate`, ``hashpivot calc``): ``fleet`` a
    ``CalcFleet`` (or its fields as a mapping), ``path`` a ``CalcPath`` (or mapping; default one year, flat
    difficulty and price), ``market`` today's values given by hand (``btc_price_usd``, ``difficulty``,
    ``fees_btc_per_block``, ``height``); what is not given comes from the chain table's last day (``data``, else
    ``$HASHPIVOT_DATA``, else the data cache). Returns a ``CalcResult``.

    >>> r = calc({"hashrate_phs": 1000, "efficiency_j_per_th": 20, "power_price_usd_per_mwh": 45},
    ...          market={"btc_price_usd": 90_000, "difficulty": 100e12, "fees_btc_per_block": 0.025, "height": 900_000})
    >>> round(r.today.hashprice_usd_per_ph_day, 2)  # 144 x 3.15 x 90,000 / (100e12 x 2^32 / 600 / 1e15)
    57.03
    """
    from hashpivot.analysis.calc import CalcFleet, CalcPath, MarketToday, calculate

    fleet = fleet if isinstance(fleet, CalcFleet) else CalcFleet(**fleet)
    path = path if isinstance(path, CalcPath) else CalcPath(**(path or {}))
    return calculate(MarketToday(**calc_market(market or {}, data)), fleet, path)


def calc_market(given: Mapping[str, Any], data: str | Path | None = None) -> dict[str, Any]:
    """Today's market for :func:`calc` as plain values: those ``given`` (None: not given), the rest from the chain
    table's last day (loaded only when needed), with a ``source`` naming the table and its attribution."""
    given = {k: v for k, v in given.items() if v is not None}
    fields = ("btc_price_usd", "difficulty", "fees_btc_per_block", "height")
    if all(k in given for k in fields):
        return {"source": "given", **given}
    from hashpivot.analysis.calc import market_today
    from hashpivot.io.history import ATTRIBUTION, load_chain_history, resolve_data_path

    table = market_today(load_chain_history(data), f"{resolve_data_path(data)} ({ATTRIBUTION})").model_dump()
    if given:
        table["source"] += f"; given: {', '.join(given)}"
    return {**table, **given}


def calc_scenario(result, base: Scenario | str | Path = "default") -> Scenario:
    """The inputs of a :func:`calc` result as a Monte Carlo scenario on ``base``'s random processes
    (:func:`hashpivot.analysis.calc.scenario_from_calc`): ``hashpivot.run(api.calc_scenario(r))``."""
    from hashpivot.analysis.calc import scenario_from_calc

    return scenario_from_calc(result, load(base))


def chain_history(data: str | Path | None = None):
    """The daily chain table (``data``, else ``$HASHPIVOT_DATA``, else the data cache) and its attribution, which
    goes wherever figures from it are shown: ``(DataFrame indexed by date, text)``."""
    from hashpivot.io.history import ATTRIBUTION, load_chain_history

    return load_chain_history(data), ATTRIBUTION


def calc_fleet_of(scenario: Scenario | str | Path) -> dict[str, float]:
    """A scenario's fleets as one calculator fleet (``CalcFleet`` fields): total stock hashrate [PH/s], and the
    hashrate-weighted efficiency [J/TH], pool fee [fraction] and site PUE [ratio], and the site power price
    weighted by the fleets' draw [USD/MWh]."""
    from hashpivot.units import TH_PER_PH

    sc = load(scenario)
    sites = {s.name: s for s in sc.company.sites}
    fleets = sc.company.fleets
    ehs = sum(f.hashrate_ehs for f in fleets)
    draw = [f.hashrate_ehs * f.efficiency_j_per_th for f in fleets]  # proportional to MW
    return {
        "hashrate_phs": ehs * TH_PER_PH,
        "efficiency_j_per_th": sum(draw) / ehs,
        "power_price_usd_per_mwh": sum(d * sites[f.site].power_price_usd_per_mwh for d, f in zip(draw, fleets, strict=True)) / sum(draw),
        "pool_fee_frac": sum(f.hashrate_ehs * f.pool_fee_frac for f in fleets) / ehs,
        "pue_ratio": sum(d * sites[f.site].pue_ratio for d, f in zip(draw, fleets, strict=True)) / sum(draw),
    }


def sweep(
    scenario: Scenario | str | Path,
    *,
    axes: Mapping[str, Sequence] | None = None,
    mode: str | None = None,
    policies: Sequence[str] | None = None,
    capacity: Sequence[str] | None = None,
    n_paths: int | None = None,
    seed: int | None = None,
    data: str | Path | None = None,
    client=None,
    n_tasks: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep_paths: bool | None = None,
    task_paths: int | None = None,
):
    """Run every variant of a sweep on the same random numbers; returns an ``analysis.sweep.SweepResult``.

    The variants come from ``axes`` (dotted field path -> values; ``mode`` ``"grid"`` (default) or ``"zip"``) or,
    when ``axes`` is None, from the scenario's ``[sweep]`` table. Every variant is validated before anything runs.
    Each variant runs its main capacity plan and treasury policy unless ``policies`` / ``capacity`` name others
    (labels, or treasury kinds with their defaults). ``client``: a ``dask.distributed.Client`` whose workers run the
    tasks (variant x range of paths); the numbers are the same wherever they run. ``keep_paths``: keep every
    variant's per-path finals in ``result.dataset`` (default: when they fit in a quarter of the memory limit,
    ``analysis.sweep.keeps_paths``); without them the paired differences and win rates against the baseline are
    taken as each variant arrives, and are the same. ``task_paths``: paths per task, as in :func:`run`.

    >>> result = sweep("rm1", axes={"company.sites.main.power_price_usd_per_mwh": [40, 50]}, n_paths=64)
    >>> result.table("nav_usd", "mean")["power_price_usd_per_mwh"].tolist()
    [40, 50]
    """
    from hashpivot._version import __version__
    from hashpivot.analysis.sweep import FINAL_METRICS, SweepCollector, keeps_paths
    from hashpivot.engine.budget import memory_limit_bytes
    from hashpivot.parallel.executor import Executor, Variant
    from hashpivot.scenarios.variants import coordinate_names

    base = load(scenario, n_paths=n_paths, seed=seed)
    spec, variants = sweep_variants(base, axes, mode)
    # A coordinate may not share a name with a result variable or a column of the summary (``company.btc_held``).
    names = coordinate_names(list(variants[0].values),
                             reserved={*FINAL_METRICS, "win_rate_vs_baseline", "variant", "policy", "metric", "stat",
                                       "value", "policy_label"})
    runs = []
    for v in variants:
        sel_pol, sel_cap = main_selectors(v.scenario)
        runs.append(Variant(v.scenario, tuple(select_capacity(v.scenario, capacity or sel_cap)),
                            tuple(select_policies(v.scenario, policies or sel_pol)),
                            history_log_returns_for(v.scenario, data)))
    if keep_paths is None:
        n_pol = max(len(r.capacity) * len(r.policies) for r in runs)
        keep_paths = keeps_paths(len(runs), n_pol, base.run.n_paths, memory_limit_bytes())
    collector = SweepCollector(names, [v.values for v in variants], spec.baseline_index, keep_paths)
    # A sweep keeps each variant's summary and finals only, so its tasks send back no more than that.
    Executor(client, n_tasks=n_tasks, task_paths=task_paths, kept="finals").run_variants(runs, progress=progress, on_result=collector.add,
                                                                  first=spec.baseline_index)
    base_for_record = base.model_copy(update={"sweep": spec})
    return collector.result(spec.baseline_index, base_for_record, base.run.seed, __version__)


def insolvency_always_on(result, *, data: str | Path | None = None, client=None) -> dict[str, float] | None:
    """Probability of insolvency of each of ``result``'s (plan, policy) pairs had the machines run every day
    (``scenarios.variants.machines_always_on``), on the same random numbers; None when no site switches off.
    [fraction]"""
    from hashpivot.scenarios.variants import machines_always_on

    twin = machines_always_on(result.scenario)
    if twin is None:
        return None
    treasury = list(dict.fromkeys(str(t) for t in result.dataset["treasury"].values))
    plans = list(dict.fromkeys(str(c) for c in result.dataset["capacity"].values))
    other = run(twin, policies=treasury, capacity=plans, data=data, client=client)
    rows = other.summary[(other.summary["metric"] == "insolvency") & (other.summary["stat"] == "probability")]
    return {str(p): float(v) for p, v in zip(rows["policy"], rows["value"], strict=True)}


def addition_returns(result):
    """Returns of each ``[[company.fleet_additions]]`` and of ``[policy.growth]``'s purchases in ``result``: capex
    [USD], mean and median payback [months], the share of paths paid back, mean and median ROI to the horizon
    [fraction] (``SimResult.addition_returns``); empty without growth. [table]"""
    return result.addition_returns


def purchase_returns(result):
    """Returns of ``[policy.growth]``'s purchases in ``result`` by ordinal (1st, 2nd ...; across paths the n-th
    purchase falls on different days): the share of paths that made it, its median order day and date, median EH/s
    and price paid [USD/(TH/s)], mean capex [USD], median payback from its order day [months], the share paid back
    and mean ROI to the horizon [fraction] (``SimResult.purchase_returns``); empty without a growth policy. [table]"""
    return result.purchase_returns


def hedge_comparison(result, *, data: str | Path | None = None, client=None):
    """Each of ``result``'s (plan, policy) pairs hedged beside the same pair unhedged, on the same random numbers
    (:func:`hashpivot.analysis.hedges.hedge_comparison_frame`): the scenario's twin without hedges is run, and, when
    it holds several, a twin with each hedge alone, so each hedge's cost in the mean and gain in the tail show on
    their own. None when the scenario has no hedges. [table]"""
    from hashpivot.analysis.hedges import hedge_comparison_frame
    from hashpivot.policies.hedges import hedge_label
    from hashpivot.scenarios.variants import hedges_only

    scenario = result.scenario
    if not scenario.hedges:
        return None
    treasury = list(dict.fromkeys(str(t) for t in result.dataset["treasury"].values))
    plans = list(dict.fromkeys(str(c) for c in result.dataset["capacity"].values))

    def twin(keep):
        return run(hedges_only(scenario, keep), policies=treasury, capacity=plans, data=data, client=client).dataset

    labels = [hedge_label(h, i) for i, h in enumerate(scenario.hedges)]
    hedged = {"all hedges" if len(labels) > 1 else labels[0]: result.dataset}
    if len(labels) > 1:
        hedged |= {label: twin(i) for i, label in enumerate(labels)}
    loans = any(h.kind == "btc_backed_loan" for h in scenario.hedges)
    return hedge_comparison_frame(twin(None), hedged, loans=loans)


def sweep_variants(base: Scenario, axes: Mapping[str, Sequence] | None = None, mode: str | None = None):
    """``(SweepSpec, variants)`` of a sweep of ``base``: from ``axes`` (dotted path -> values, over the scenario's
    ``[sweep]`` table when it has one) or from its ``[sweep]`` table alone; every variant is validated here, so a bad
    axis fails before anything runs (``ScenarioError`` naming the axis, the value and what is allowed)."""
    from pydantic import ValidationError

    from hashpivot.scenarios.sweep import SweepSpec
    from hashpivot.scenarios.toml import format_validation_error
    from hashpivot.scenarios.variants import expand

    spec = base.sweep
    if axes is not None:
        fields = {"axes": {k: list(v) for k, v in axes.items()}, **({"mode": mode} if mode else {})}
        if spec is not None:
            fields = {**spec.model_dump(), **fields}
        try:
            spec = SweepSpec(**fields)
        except ValidationError as exc:
            raise ScenarioError(format_validation_error(exc, "sweep (--set)")) from None
    return spec, expand(base, spec)


def _decision_sweep(data, client, progress, task_paths=None):
    """The sweep runner of the decision tools: :func:`sweep` with per-path finals kept (their paired differences
    need them), on ``client`` or in-process; the same numbers either way."""
    def run_sweep(scenario, *, axes, mode, policies=None):
        return sweep(scenario, axes=axes, mode=mode, policies=policies, data=data, client=client, progress=progress,
                     keep_paths=True, task_paths=task_paths)
    return run_sweep


def sensitivity(
    scenario: Scenario | str | Path,
    *,
    metrics: Sequence[str] = ("nav_usd:mean",),
    inputs: Mapping[str, tuple[float, float] | None] | None = None,
    range_frac: float = 0.2,
    sobol_n: int | None = None,
    sobol_seed: int = 0,
    n_paths: int | None = None,
    seed: int | None = None,
    data: str | Path | None = None,
    client=None,
    progress: Callable[[int, int], None] | None = None,
):
    """Which input the answer hangs on (:mod:`hashpivot.analysis.sensitivity`): a tornado of each ``metrics``
    (``METRIC:STAT``) over ``inputs`` (dotted path -> (low, high), or None for base -/+ ``range_frac``; default:
    every numeric input the scenario sets), one zip sweep of ``2k + 1`` variants on common random numbers; with
    ``sobol_n``, first-order and total Sobol indices over the same ranges from ``sobol_n (k + 2)`` variants instead.
    Returns ``(tables, ranges, left_out, sweep_result)``: a ``Tornado`` (or ``Sobol``) per metric.

    >>> tables, ranges, _, _ = sensitivity("rm1", inputs={"company.sites.main.power_price_usd_per_mwh": None},
    ...                                    n_paths=32)
    >>> [r.low for r in ranges], tables[0].table["input"].tolist()  # 45 USD/MWh -/+ 20 %
    ([36.0], ['company.sites.main.power_price_usd_per_mwh'])
    """
    from hashpivot.analysis import sensitivity as sa
    from hashpivot.analysis.decision_metric import parse_metric

    specs = [parse_metric(m) for m in metrics]
    if not specs:
        raise InputError("--metric", "none", "at least one METRIC:STAT, e.g. nav_usd:mean")
    as_set = load(scenario)  # the inputs it sets are those of its own TOML, before any override
    ranges, left_out = sa.input_ranges(as_set, inputs, range_frac)
    if sobol_n is not None:
        sa.check_sobol_base(sobol_n, len(ranges))
    base = load(as_set, n_paths=n_paths, seed=seed)
    run_sweep = _decision_sweep(data, client, progress)
    if sobol_n is None:
        tables, result = sa.tornado(base, ranges, specs, run_sweep, left_out)
    else:
        tables, result = sa.sobol(base, ranges, specs, sobol_n, run_sweep, sobol_seed)
    return tables, ranges, left_out, result


def breakeven_map(
    scenario: Scenario | str | Path,
    *,
    x,
    y,
    metric="mining_margin_usd_per_mw_day:mean",
    against: str | tuple[str, Any] | None = None,
    n_paths: int | None = None,
    seed: int | None = None,
    data: str | Path | None = None,
    client=None,
    progress: Callable[[int, int], None] | None = None,
):
    """Where the answer flips (:func:`hashpivot.analysis.breakeven_map.breakeven_map`): ``metric`` (``METRIC:STAT``
    or a ``MetricSpec``) over the grid ``x`` by ``y`` (``GridAxis``, or ``(path, low, high, n)``), or its difference
    against a treasury policy or a ``(PATH, VALUE)`` variant, with the frontier where it crosses zero; every cell on
    the same random numbers through :func:`sweep`. Returns ``(BreakevenMap, sweeps)``."""
    from hashpivot.analysis import breakeven_map as bm
    from hashpivot.analysis.decision_metric import parse_metric
    from hashpivot.analysis.sensitivity import base_value

    spec = parse_metric(metric) if isinstance(metric, str) else metric
    base = load(scenario, n_paths=n_paths, seed=seed)
    axes = []
    for option, axis in (("--x", x), ("--y", y)):
        if not isinstance(axis, bm.GridAxis):
            path, low, high, n = axis
            axis = bm.grid_axis(path, float(low), float(high), int(n), isinstance(base_value(base, path), int))
        axes.append(axis)
    return bm.breakeven_map(base, axes[0], axes[1], spec, _decision_sweep(data, client, progress), against=against)


def optimize(
    scenario: Scenario | str | Path,
    *,
    decisions: Sequence,
    objective,
    constraints: Sequence = (),
    budget: int = 30,
    direction: str = "max",
    search_seed: int = 0,
    frontier_risk: str = "cvar5",
    n_paths: int | None = None,
    seed: int | None = None,
    data: str | Path | None = None,
    client=None,
    progress: Callable[[int, int], None] | None = None,
):
    """The best decision (:func:`hashpivot.analysis.optimize.optimize`): ``decisions`` (``Decision``), ``objective``
    (a ``MetricSpec`` or ``METRIC:STAT``) and ``constraints`` (``Constraint`` or ``METRIC:STAT<=X``), searched on
    common random numbers by grid or TPE through :func:`sweep`. Returns an ``Optimum``; raises ``Infeasible`` (an
    InputError) when no candidate meets the constraints."""
    from hashpivot.analysis import optimize as opt
    from hashpivot.analysis.decision_metric import parse_metric

    spec = parse_metric(objective, "--objective") if isinstance(objective, str) else objective
    limits = [opt.parse_constraint(c) if isinstance(c, str) else c for c in constraints]
    base = load(scenario, n_paths=n_paths, seed=seed)
    return opt.optimize(base, decisions, spec, _decision_sweep(data, client, progress), constraints=limits,
                        budget=budget, direction=direction, seed=search_seed, frontier_risk=frontier_risk)


def replay(
    scenario: Scenario | str | Path,
    *,
    date_from: str,
    date_to: str,
    data: str | Path | None = None,
    policies: Sequence[str] | None = None,
    capacity: Sequence[str] | None = None,
    check_invariants: bool = False,
):
    """Drive the engine with the real chain (price, hashrate, difficulty, blocks, fees) as one path from
    ``date_from`` to ``date_to``, through the same step as Monte Carlo. Default: the scenario's main capacity
    plan and treasury policy. Returns a ``SimResult`` with one path."""
    import pandas as pd

    from hashpivot.engine.market import market_from_history
    from hashpivot.engine.run import simulate
    from hashpivot.engine.plan import quoted_hashprice_usd_per_ph_day
    from hashpivot.io.history import height_at_start_of, load_chain_history
    from hashpivot.policies.capacity import capacity_label, resolve_dates
    from hashpivot.scenarios.toml import from_dict

    from hashpivot.domain.bounds import check_iso_date

    sc = load(scenario)
    days = {}
    for name, text in (("date_from", date_from), ("date_to", date_to)):
        try:  # pandas would read 'yesterday' or '2024' as dates, and raise DateParseError on 2024-02-30
            days[name] = pd.Timestamp(check_iso_date(name, text))
        except ValueError as exc:
            raise InputError(name, text, str(exc).split("allowed: ")[-1]) from None
    first, last = days["date_from"], days["date_to"]
    if last < first:
        raise ScenarioError(f"--to {last:%Y-%m-%d} is before --from {first:%Y-%m-%d}; allowed: --from <= --to")
    history = load_chain_history(data)
    market = market_from_history(history, first, last)
    _check_fleet_within_network(sc, history, first, last)
    spec = sc.model_dump(mode="python", exclude_none=True)
    # day 1 is the first replayed day: the run starts at that day's height, whatever the scenario's start was
    spec["run"].update(start_date=(first - pd.Timedelta(days=1)).date(), horizon_days=int((last - first).days) + 1,
                       start_height=height_at_start_of(history, first), n_paths=1, chunk_paths=1, store_paths=1)
    # A forward left to strike at the starting hashprice is struck at the chain's on the replay's day 0, quoted as
    # an operator does, not at the scenario's market start
    day0 = history.loc[first - pd.Timedelta(days=1)]
    strike_usd_per_ph_day = quoted_hashprice_usd_per_ph_day(day0["price_usd"], day0["hashrate_ehs"],
                                                            spec["run"]["start_height"],
                                                            day0["fees_btc"] / day0["block_count"])
    for hedge in spec.get("hedges", []):
        if hedge.get("kind") == "hashprice_forward" and hedge.get("strike_usd_per_ph_day") is None:
            hedge["strike_usd_per_ph_day"] = strike_usd_per_ph_day
    plans = select_capacity(sc, capacity or [capacity_label(sc.policy.capacity)])
    horizon = spec["run"]["horizon_days"]
    # Dated conversions keep their calendar date: their day index is counted again from the replay's start.
    plans = [_within(resolve_dates(plan, spec["run"]["start_date"]), horizon) for plan in plans]
    spec["policy"]["capacity"] = plans[0].model_dump(mode="python", exclude_none=True)
    spec["compare_capacity"] = [p.model_dump(mode="python", exclude_none=True) for p in plans[1:]]
    replayed = from_dict(spec, f"replay of {sc.name}")
    chosen = select_policies(replayed, policies or [sc.policy.treasury.label])
    plans = replayed.capacity_policies()
    return simulate(replayed, chosen, capacity=plans, check_invariants=check_invariants, market=market)


def _check_fleet_within_network(sc: Scenario, history, first, last) -> None:
    """A replay's fleets are part of the network: refuse a window in which the network's hashrate falls below the
    hashrate installed on day 0 (a company's fleet of 2024 replayed in 2012 would mine more than the chain
    issued), naming the first day from which the network stays above it."""
    installed_ehs = sc.company.installed_ehs()
    network_ehs = history.loc[first:last, "hashrate_ehs"]
    if installed_ehs <= 0 or float(network_ehs.min()) >= installed_ehs:
        return
    low_day = network_ehs.idxmin()
    below = history.index[history["hashrate_ehs"].to_numpy() < installed_ehs]
    after = history.index[history.index > below.max()]
    allowed = (f"--from on or after {after[0]:%Y-%m-%d}, from which the network's hashrate stays above it"
               if len(after) else "a company whose fleets are smaller than the network")
    raise ScenarioError(f"the company's fleets ({installed_ehs:.4g} EH/s installed) are more than the network's "
                        f"hashrate on {low_day:%Y-%m-%d} ({network_ehs.min():.4g} EH/s): a company's hashrate is "
                        f"part of the network's; allowed: {allowed}")


def run_tables(result, meta: Mapping[str, Any] | None = None):
    """The export tables (``io.export.RunTables``) of a ``SimResult``: its summary, win rates and scenario TOML,
    and the monthly fan quantiles, computed by :func:`hashpivot.analysis.fan.fan_frame`; ``meta`` adds
    fields to the run's facts (seed, version, n_paths, policies)."""
    from hashpivot.analysis.fan import fan_frame
    from hashpivot.io.export import tables_from_result

    return tables_from_result(result, fan_frame(result.dataset), meta)


def export_result(result, out_dir: str | Path, formats: Sequence[str],
                  meta: Mapping[str, Any] | None = None) -> dict[str, list[Path]]:
    """Write a ``SimResult`` into the folder ``out_dir`` in each of ``formats`` (``io.export.FORMATS``): ``html``
    is the report (``report.html``, drawn by :mod:`hashpivot.report`), the others the tables of
    :func:`run_tables` (through :func:`hashpivot.io.export.export_tables`). Every file is written atomically.
    Returns ``{format: [paths written]}`` in the order of ``formats``; an unknown format raises InputError
    before anything is written."""
    from hashpivot.io.export import check_formats, export_tables

    chosen = check_formats(formats)
    written: dict[str, list[Path]] = {}
    if "html" in chosen:
        from hashpivot.report.sim_report import write_report

        written["html"] = [write_report(result, Path(out_dir) / "report.html")]
    rest = [f for f in chosen if f != "html"]
    if rest:
        written.update(export_tables(run_tables(result, meta), rest, out_dir))
    return {f: written[f] for f in chosen}


def _within(plan, horizon_days: int):
    """The capacity plan without the conversions dated after ``horizon_days`` (they cannot happen in a replay)."""
    from hashpivot.policies.capacity import AllMining, Hybrid

    steps = [st for st in plan.steps() if getattr(st, "day", 0) <= horizon_days]
    if len(steps) == len(plan.steps()):
        return plan
    if not steps:
        return AllMining(name=plan.name or plan.kind)
    return Hybrid(name=plan.name or plan.kind, conversions=steps)


def resimulate(stored, *, data: str | Path | None = None, progress: Callable[[int, int], None] | None = None):
    """The full ``SimResult`` of a run from the run store (a ``hashpivot.io.store.StoredRun``), simulated
    again from its scenario TOML and seed under the capacity plans and treasury policies it recorded.

    The store keeps the summary, not the paths (which the HTML report needs); runs are seeded, so a new
    simulation gives the same numbers. The new summary is checked against the stored one (same rows, values
    within a relative 1e-9, NaN equal to NaN); when they differ (another version of hashpivot recorded
    the run, or ``data``, the chain table of bootstrap prices, is not the one it used) this raises
    ``hashpivot.io.store.StoreError``. ``progress(done_paths, total_paths)`` is called as paths finish."""
    from hashpivot.io.store import StoreError
    from hashpivot.scenarios.toml import from_toml

    info = stored.info
    scenario = from_toml(stored.scenario_toml, f"run {info.run_id}")
    if scenario.sweep is not None:
        raise StoreError(f"run {info.run_id} is a sweep of {len(info.policies)} variant rows; allowed: its tables "
                         "(--format xlsx, csv or parquet), or run 'hashpivot sweep' again for its numbers")
    # Stored labels are "plan / policy" when the run compared capacity plans, else the policy's label.
    from hashpivot.engine.result import split_label

    pairs = [split_label(p) for p in info.policies]
    treasury = list(dict.fromkeys(policy for _, policy in pairs))
    guessed = info.capacity is None and len(scenario.capacity_policies()) > 1 and all(p is None for p, _ in pairs)
    if info.capacity is not None:
        plans = list(info.capacity)
    elif guessed:  # recorded before the store kept its plan: one plan of several, the main one unless chosen
        plans = main_selectors(scenario)[1]
    else:
        plans = list(dict.fromkeys(plan for plan, _ in pairs if plan is not None))
    extra = {"capacity": plans} if plans else {}
    result = run(scenario, policies=treasury, data=data, progress=progress, **extra)
    if not _same_summary(result, stored):
        from hashpivot._version import __version__

        why = ("another version's numbers" if info.version != __version__
               else "the same version: it ran one capacity plan the store did not keep, not the main one "
                    f"({plans[0]})?" if guessed
               else "the same version: was --data the chain table it used?")
        raise StoreError(f"re-simulating run {info.run_id} (recorded by hashpivot {info.version}; this is "
                         f"{__version__}: {why}) did not reproduce its stored summary")
    return result


def _same_summary(result, stored) -> bool:
    """Whether ``result`` has the stored run's policies and summary rows, with values within a relative 1e-9."""
    again = result.summary.reset_index(drop=True)
    return bool(
        result.policies == stored.info.policies and len(again) == len(stored.summary)
        and (again[["policy", "metric", "stat"]].to_numpy() == stored.summary[["policy", "metric", "stat"]]
             .to_numpy()).all()
        and np.allclose(again["value"].to_numpy(np.float64), stored.summary["value"].to_numpy(np.float64),
                        rtol=1e-9, atol=0.0, equal_nan=True))


def replay_against_reports(
    scenario: Scenario | str | Path,
    *,
    date_from: str,
    date_to: str,
    data: str | Path | None = None,
    hashrate: str | Path | None = None,
    pool_fee_frac: float = 0.0,
):
    """The company's reported monthly production beside what its reported hashrate earns from the real chain
    (:func:`hashpivot.analysis.against_reports.against_reports`), with the luck band of its payout scheme taken over
    the rounding of the published hashrate, and the reported BTC's own rounding interval set against it (each
    figure's decimals as published: ``hashrate_decimals``, ``btc_decimals``, else as the value is written).
    ``hashrate``: a CSV file (``month,hashrate_ehs[,kind][,curtailed_frac]``, the decimals as written) that replaces
    the preset's reported hashrate.
    ``pool_fee_frac``: a fee taken from what the reported hashrate earns; none by default, because a company's
    reported operating hashrate and BTC mined both come from its pool's accounting (the presets' 2 % fees are
    assumptions for simulations; with them IREN's and Riot's months would all sit about 2 % low).
    Returns ``(table, summary)``."""
    import pandas as pd

    from hashpivot.analysis.against_reports import against_reports
    from hashpivot.errors import DataError
    from hashpivot.io.history import load_chain_history

    sc = load_company(scenario) if isinstance(scenario, str) else load(scenario)
    first, last = pd.Timestamp(date_from), pd.Timestamp(date_to)
    if last < first:
        raise ScenarioError(f"--to {last:%Y-%m-%d} is before --from {first:%Y-%m-%d}; allowed: --from <= --to")
    history = load_chain_history(data)
    if first < history.index[0] or last > history.index[-1]:
        raise DataError(f"the window {first:%Y-%m-%d}..{last:%Y-%m-%d} is outside the chain table; allowed: dates "
                        f"inside {history.index[0]:%Y-%m-%d}..{history.index[-1]:%Y-%m-%d}")
    rows = sc.company.hashrate_reported
    if hashrate is not None:
        from hashpivot.io.reported import load_hashrate_csv

        rows = load_hashrate_csv(hashrate)
        table = (history.index[0].to_period("M"), history.index[-1].to_period("M"))
        for row in rows:  # a month the chain table cannot replay is the file's error, not an empty answer
            if not table[0] <= pd.Period(row.month, "M") <= table[1]:
                raise DataError(f"{row.source}: month={row.month!r} is outside the chain table; allowed: months "
                                f"{table[0]}..{table[1]}")
        window = (first.to_period("M"), last.to_period("M"))
        if not any(window[0] <= pd.Period(row.month, "M") <= window[1] for row in rows):
            raise DataError(f"--hashrate {Path(hashrate).name}: none of its months ({rows[0].month}.."
                            f"{rows[-1].month}) is in the window {first:%Y-%m-%d}..{last:%Y-%m-%d}; allowed: a "
                            "window holding some of them (--from, --to)")
    elif not rows:
        raise ScenarioError(f"{sc.name}: no [[company.hashrate_reported]] rows to replay; allowed: "
                            f"{_presets_reporting(sc.company.name)}--hashrate FILE.csv (month,hashrate_ehs)")
    elif not any(first.to_period("M") <= pd.Period(row.month, "M") <= last.to_period("M") for row in rows):
        months = sorted(row.month for row in rows)
        raise DataError(f"{sc.name}: none of its reported months ({months[0]}..{months[-1]}) is in the "
                        f"window {first:%Y-%m-%d}..{last:%Y-%m-%d}; allowed: a window holding some of them (--from, "
                        "--to)")
    if not 0.0 <= pool_fee_frac < 1.0:
        from hashpivot.errors import InputError

        raise InputError("pool_fee_frac", pool_fee_frac, "a fraction in [0, 1)")
    return against_reports(history, first, last, rows, sc.company.reported_production,
                           payout_scheme=sc.company.payout_scheme, pool_fee_frac=pool_fee_frac)


def _presets_reporting(company_name: str) -> str:
    """'the same company's P (first..last month), ... or ' for the presets of ``company_name`` that carry reported
    hashrate, to open an error's allowed list (empty text when none does)."""
    from hashpivot.scenarios.toml import load_preset, preset_names

    carrying = []
    for name in preset_names():
        preset = load_preset(name)
        if preset.company.name == company_name and preset.company.hashrate_reported:
            months = sorted(row.month for row in preset.company.hashrate_reported)
            carrying.append(f"{name} ({months[0]}..{months[-1]})")
    return f"the same company's {', '.join(carrying)}, or " if carrying else ""


def deal(value_usd: float, it_load_mw: float, term_years: float, *, escalator_frac_per_year: float = 0.0,
         discount_frac_per_year: float = 0.0, pue_ratio: float = 1.0, opex_frac_of_revenue: float | None = None,
         date_from: str | None = None, date_to: str | None = None, data: str | Path | None = None,
         efficiency_j_per_th: float = 20.0, power_price_usd_per_mwh: float = 45.0) -> dict:
    """A lease deal's rate, NPV and margin per MW-day (:func:`hashpivot.analysis.deal.deal_terms`), and, when
    the chain table is found, mining's margin per MW-day over ``date_from..date_to`` (default: the table's last
    365 days). ``opex_frac_of_revenue`` None: a colocation lease's default (``analysis.deal.DEFAULT_OPEX_FRAC``,
    RM1's 10 %). Returns ``{"deal": ..., "mining": ... or None}``."""
    import pandas as pd

    from hashpivot.analysis.deal import DEFAULT_OPEX_FRAC, deal_terms, mining_on_dates
    from hashpivot.domain.bounds import MAX_CASH_USD, MAX_SITE_MW
    from hashpivot.errors import DataError, InputError
    from hashpivot.io.history import load_chain_history

    opex_frac_of_revenue = DEFAULT_OPEX_FRAC if opex_frac_of_revenue is None else opex_frac_of_revenue
    for name, value, ok, allowed in (
        ("value_usd", value_usd, 0 < value_usd <= MAX_CASH_USD, f"in (0, {MAX_CASH_USD:.0e}] USD"),
        ("it_load_mw", it_load_mw, 0 < it_load_mw <= MAX_SITE_MW, f"in (0, {MAX_SITE_MW:,}] MW"),
        ("term_years", term_years, 0 < term_years <= 50, "in (0, 50] years"),
        ("escalator_frac_per_year", escalator_frac_per_year, 0 <= escalator_frac_per_year <= 1, "in [0, 100 %]"),
        ("discount_frac_per_year", discount_frac_per_year, 0 <= discount_frac_per_year <= 1, "in [0, 100 %]"),
        ("pue_ratio", pue_ratio, 1 <= pue_ratio <= 3, "in [1, 3]"),
        ("opex_frac_of_revenue", opex_frac_of_revenue, 0 <= opex_frac_of_revenue < 1, "in [0, 1)"),
        ("efficiency_j_per_th", efficiency_j_per_th, 0 < efficiency_j_per_th <= 1e4, "in (0, 10,000] J/TH"),
        ("power_price_usd_per_mwh", power_price_usd_per_mwh, 0 <= power_price_usd_per_mwh <= 1e4,
         "in [0, 10,000] USD/MWh"),
    ):
        if not ok:  # NaN fails every comparison, infinity every upper bound
            raise InputError(name, value, allowed)
    terms = deal_terms(value_usd, it_load_mw, term_years, escalator_frac_per_year=escalator_frac_per_year,
                       discount_frac_per_year=discount_frac_per_year, pue_ratio=pue_ratio,
                       opex_frac_of_revenue=opex_frac_of_revenue)
    if data is None and date_from is None and date_to is None:
        try:
            history = load_chain_history(None)
        except DataError:
            return {"deal": terms, "mining": None}
    else:
        history = load_chain_history(data)
    last = pd.Timestamp(date_to) if date_to else history.index[-1]
    first = pd.Timestamp(date_from) if date_from else last - pd.Timedelta(days=364)
    if date_from and not date_to and first > last:  # --to defaults to the table's last day: name the date given
        raise DataError(f"--from {first:%Y-%m-%d} is after the chain table's last day; allowed: a date inside "
                        f"{history.index[0]:%Y-%m-%d}..{history.index[-1]:%Y-%m-%d}")
    if last < first:
        raise ScenarioError(f"--to {last:%Y-%m-%d} is before --from {first:%Y-%m-%d}; allowed: --from <= --to")
    if first < history.index[0] or last > history.index[-1]:
        raise DataError(f"the window {first:%Y-%m-%d}..{last:%Y-%m-%d} is outside the chain table; allowed: dates "
                        f"inside {history.index[0]:%Y-%m-%d}..{history.index[-1]:%Y-%m-%d}")
    mining = mining_on_dates(history, first, last, efficiency_j_per_th=efficiency_j_per_th,
                             power_price_usd_per_mwh=power_price_usd_per_mwh)
    return {"deal": terms, "mining": mining}


def shutdown_option(scenario: Scenario | str | Path, *, n_paths: int | None = None, seed: int | None = None,
                    data: str | Path | None = None):
    """The value of the fleets' right to switch off at a loss against running every day, on the same random
    numbers (``analysis.options.value_shutdown``). Returns a ``ShutdownOption``."""
    from hashpivot.analysis.options import value_shutdown

    sc = load(scenario, n_paths=n_paths, seed=seed)
    return value_shutdown(sc, simulate=_main_policy_runner(sc, data))


def _main_policy_runner(scenario: Scenario, data: str | Path | None):
    """``run(s, plans)``: ``s`` under its main treasury policy and ``plans``, with ``scenario``'s bootstrap history
    (what the option valuations simulate)."""
    from hashpivot.engine.run import simulate

    history = history_log_returns_for(scenario, data)

    def run_plans(s, plans):
        return simulate(s, [s.treasury_policies()[0]], capacity=plans, history_log_returns=history)

    return run_plans


def conversion_option(scenario: Scenario | str | Path, convert_mw: float, window_months: int, *,
                      lead_months: int | None = None, rate_usd_per_kw_month: float | None = None,
                      term_years: float | None = None, capex_usd_per_mw: float | None = None,
                      n_paths: int | None = None, seed: int | None = None, data: str | Path | None = None):
    """The option to convert ``convert_mw`` grid MW of mining to an AI lease at any month of the next
    ``window_months`` (``analysis.options.value_conversion``), the lease's terms from the scenario's lease (or
    Core Scientific/CoreWeave's rate) unless given. Returns a ``ConversionOption``."""
    from dataclasses import replace as with_fields

    from hashpivot.analysis.options import DEFAULT_LEAD_MONTHS, _terms_of, value_conversion
    from hashpivot.errors import InputError
    from hashpivot.policies.capacity import ColocationLease

    sc = load(scenario, n_paths=n_paths, seed=seed)
    terms = _terms_of(sc, ColocationLease)
    given = {"rate_usd_per_kw_month": rate_usd_per_kw_month, "term_years": term_years,
             "capex_usd_per_mw": capex_usd_per_mw}
    bounds = {"rate_usd_per_kw_month": (0.0, 1000.0, "a rent in (0, 1000] USD/kW-month"),
              "term_years": (0.0, 30.0, "a term in (0, 30] years"),
              "capex_usd_per_mw": (-1e-300, 50e6, "a capex in [0, 50,000,000] USD per MW")}
    for field, value in given.items():
        lo, hi, allowed = bounds[field]
        if value is not None and not lo < value <= hi:
            raise InputError(field, value, allowed)
    terms = with_fields(terms, **{k: float(v) for k, v in given.items() if v is not None})
    return value_conversion(sc, convert_mw, window_months, DEFAULT_LEAD_MONTHS if lead_months is None else lead_months,
                            terms, simulate=_main_policy_runner(sc, data))
