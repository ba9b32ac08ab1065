"""The facade used by the CLI, the dashboard and notebooks: ``run`` and ``compare``.

It resolves what the engine must not touch itself (files, presets, historical data) and hands the
engine plain models and arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hashpivot.errors import InputError, ScenarioError
from hashpivot.scenarios.schema import Scenario


def load(
    scenario: Scenario | str | Path, *, n_paths: int | None = None, seed: int | None = None,
    stresses: Sequence[str] = (),
) -> Scenario:
    """A scenario from a model, a TOML path or a preset name, with optional stresses and overrides."""
    from hashpivot.scenarios.stress import apply_stress
    from hashpivot.scenarios.toml import from_dict, load_scenario

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
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


def select_capacity(scenario: Scenario, selectors: Sequence[str] | None) -> list:
    """Capacity plans named by ``selectors`` (labels of the scenario's plans); None: all of them."""
    from hashpivot.policies.capacity import capacity_label

    available = {capacity_label(p): p for p in scenario.capacity_policies()}
    if not selectors:
        return list(available.values())
    unknown = [s for s in selectors if s not in available]
    if unknown:
        raise ScenarioError(f"capacity={unknown[0]!r} is unknown; allowed: {', '.join(available)}")
    return [available[s] for s in dict.fromkeys(selectors)]


def select_policies(scenario: Scenario, selectors: Sequence[str] | None) -> list:
    """Treasury policies named by ``selectors``: a label of the scenario's policies (main or
    ``[[compare]]``), or a policy kind with its default parameters. None: all of the scenario's."""
    from hashpivot.policies.treasury import TREASURY_KINDS

    available = {p.label: p for p in scenario.treasury_policies()}
    if not selectors:
        return list(available.values())
    chosen = []
    for sel in selectors:
        if sel in available:
            chosen.append(available[sel])
        elif sel in TREASURY_KINDS:
            chosen.append(TREASURY_KINDS[sel]())
        else:
            raise ScenarioError(
                f"policy={sel!r} is unknown; allowed: a policy of the scenario "
                f"({', '.join(available)}) or a kind ({', '.join(TREASURY_KINDS)})"
            )
    labels = [p.label for p in chosen]
    if len(set(labels)) != len(labels):
        raise ScenarioError(f"policy: each policy may be named once, got {labels}")
    return chosen


def main_selectors(scenario: Scenario) -> tuple[list[str], list[str]]:
    """The labels of the scenario's main treasury policy and main capacity plan, as ``(policies, capacity)``
    for :func:`run`: what runs when no ``[[compare]]`` or ``[[compare_capacity]]`` entry is asked for."""
    from hashpivot.policies.capacity import capacity_label

    return [scenario.policy.treasury.label], [capacity_label(scenario.policy.capacity)]


def history_log_returns_for(scenario: Scenario, data: str | Path | None = None) -> np.ndarray | None:
    """Daily BTC log returns from the chain table when the price process bootstraps history."""
    price = scenario.market.btc_price
    if price.kind != "bootstrap":
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
):
    """Simulate a scenario under its capacity plans and treasury policies (or those selected), after
    applying the named ``stresses``. Returns a ``SimResult``."""
    from hashpivot.engine.run import simulate

    sc = load(scenario, n_paths=n_paths, seed=seed, stresses=stresses)
    chosen = select_policies(sc, policies)
    plans = select_capacity(sc, capacity)
    return simulate(
        sc, chosen, capacity=plans, history_log_returns=history_log_returns_for(sc, data),
        check_invariants=check_invariants, progress=progress,
    )


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
    from hashpivot.io.history import load_chain_history
    from hashpivot.policies.capacity import capacity_label
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
    spec = sc.model_dump(mode="python", exclude_none=True)
    spec["run"].update(start_date=(first - pd.Timedelta(days=1)).date(), horizon_days=int((last - first).days) + 1,
                       n_paths=1, chunk_paths=1, store_paths=1)
    plans = select_capacity(sc, capacity or [capacity_label(sc.policy.capacity)])
    horizon = spec["run"]["horizon_days"]
    plans = [_within(plan, horizon) for plan in plans]
    spec["policy"]["capacity"] = plans[0].model_dump(mode="python", exclude_none=True)
    spec["compare_capacity"] = [p.model_dump(mode="python", exclude_none=True) for p in plans[1:]]
    replayed = from_dict(spec, f"replay of {sc.name}")
    chosen = select_policies(replayed, policies or [sc.policy.treasury.label])
    plans = replayed.capacity_policies()
    return simulate(replayed, chosen, capacity=plans, check_invariants=check_invariants, market=market)


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
    # Stored labels are "plan / policy" when the run compared capacity plans, else the policy's label.
    treasury = list(dict.fromkeys(p.split(" / ")[-1] for p in info.policies))
    plans = list(dict.fromkeys(p.split(" / ")[0] for p in info.policies if " / " in p))
    extra = {"capacity": plans} if plans else {}
    result = run(scenario, policies=treasury, data=data, progress=progress, **extra)
    if not _same_summary(result, stored):
        raise StoreError(f"re-simulating run {info.run_id} (recorded by hashpivot {info.version}) did not "
                         "reproduce its stored summary")
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
