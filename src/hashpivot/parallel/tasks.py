"""The task model: a task is (variants that share a market, range of paths), and ``run_task`` is what a worker
executes.

A big single run splits along paths; a sweep along variants and paths, and the variants of a sweep that share a
market (``engine.run.market_key``: a sweep over company, policy or plan inputs) travel together in one task, so the
worker draws that range's market once for all of them (``engine.run.simulate_paths_many``, bit for bit the numbers of
separate runs). A task carries each member's scenario as TOML text (what the run store keeps too), the labels of the
capacity plans and treasury policies to run, and the bootstrap history's daily log returns when the price process
resamples history (tens of kB; workers of a remote cluster need not have the chain table). It returns, per member,
the range's ``PathArrays`` (per-path terminal values and, for the scenario's stored paths, their monthly series) or,
when only the finals are kept, its ``PathFinals`` (the summary's per-path inputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Paths per task are a multiple of this (the engine's default chunk): a task's chunks are whole.
PATH_BLOCK = 64
#: Work aimed at per task: policy-path-days (about one second of one core at the engine's speed).
TARGET_POLICY_PATH_DAYS = 20_000_000


@dataclass(frozen=True)
class Member:
    """One variant of a task: its index, its scenario as TOML, the capacity plans and treasury policies to run (by
    label), and what it sends back."""

    variant: int
    scenario_toml: str
    capacity: tuple[str, ...]
    policies: tuple[str, ...]
    #: ``"all"``: return every per-path terminal value (``PathArrays``); ``"finals"``: only the summary's inputs
    #: (``PathFinals``: ``engine.result.FINALS`` per path instead of ``TERMINAL_COLUMNS``, and one value for a
    #: metric that has the same value on every path of the task).
    kept: str = "all"


@dataclass(frozen=True)
class Task:
    """Paths ``first_path .. first_path + n_paths - 1`` of every member (variants with one market: equal
    ``engine.run.market_key`` and the same bootstrap history)."""

    members: tuple[Member, ...]
    first_path: int
    n_paths: int
    history_log_returns: np.ndarray | None = None
    check_invariants: bool = False

    @property
    def variants(self) -> tuple[int, ...]:
        return tuple(m.variant for m in self.members)


def split_paths(n_paths: int, n_tasks: int | None = None, *, n_days: int = 3650, n_policies: int = 1,
                task_paths: int | None = None) -> list[tuple[int, int]]:
    """(first path, paths) of each task covering ``0 .. n_paths - 1`` in order: ``n_tasks`` near-equal tasks, or tasks
    of ``task_paths`` paths, or by default tasks of about ``TARGET_POLICY_PATH_DAYS`` of work each. Task sizes are
    multiples of ``PATH_BLOCK`` except the last.

    >>> split_paths(1000, 3)
    [(0, 384), (384, 384), (768, 232)]
    >>> split_paths(100, task_paths=64)
    [(0, 64), (64, 36)]
    """
    if n_paths < 1:
        raise ValueError(f"n_paths={n_paths} is invalid: allowed >= 1")
    if task_paths is None:
        if n_tasks is None:
            task_paths = TARGET_POLICY_PATH_DAYS // max(1, n_days * n_policies)
        else:
            if n_tasks < 1:
                raise ValueError(f"n_tasks={n_tasks} is invalid: allowed >= 1")
            task_paths = -(-n_paths // n_tasks)
    if task_paths < 1:
        raise ValueError(f"task_paths={task_paths} is invalid: allowed >= 1")
    size = max(PATH_BLOCK, -(-task_paths // PATH_BLOCK) * PATH_BLOCK)
    return [(first, min(size, n_paths - first)) for first in range(0, n_paths, size)]


def run_task(task: Task, history_log_returns: np.ndarray | None = None) -> list[tuple[int, object]]:
    """Run one task (on a worker or in-process): its paths of its members on one market draw, on one thread.
    Returns ``(variant, engine.run.PathArrays)`` per member, or ``(variant, engine.run.PathFinals)`` for a member
    whose ``kept`` is ``"finals"``. ``history_log_returns`` stands in for the task's own (a cluster sends the
    bootstrap history to each worker once, not with every task)."""
    from hashpivot.engine.run import finals_of, simulate_paths_many
    from hashpivot.scenarios.selection import select_capacity, select_policies
    from hashpivot.scenarios.toml import from_toml

    scenarios = [from_toml(m.scenario_toml, f"task of variant {m.variant}") for m in task.members]
    specs = [(sc, select_policies(sc, list(m.policies)), select_capacity(sc, list(m.capacity)))
             for sc, m in zip(scenarios, task.members, strict=True)]
    parts = simulate_paths_many(specs, task.first_path, task.n_paths,
                                history_log_returns=(history_log_returns if history_log_returns is not None
                                                     else task.history_log_returns),
                                check_invariants=task.check_invariants, n_threads=1)
    return [(m.variant, finals_of(sc, part) if m.kept == "finals" else part)
            for m, sc, part in zip(task.members, scenarios, parts, strict=True)]
