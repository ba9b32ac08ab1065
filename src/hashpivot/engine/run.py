"""Run a scenario: chunks of paths, each with its own market, every treasury policy on the same
random numbers; memory bounded by the chunk (plus per-path terminal values and the monthly series
of ``run.store_paths`` paths).

Chunks run on a thread pool: shock drawing (numpy) and the jitted kernels release the GIL, and each
chunk writes only its own rows, so results do not depend on the number of threads or the chunk size.

Bounds: a run whose arrays cannot fit in memory is refused before any work (:mod:`hashpivot.engine.budget`);
Ctrl-C (SIGINT) sets a cancellation flag checked between chunks, pending chunks are dropped and ``simulate``
raises KeyboardInterrupt within a chunk's time; a state that overflowed (inf or NaN in a path's terminal values)
is refused with its policy, path and day rather than returned.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.engine.budget import check_run_fits
from hashpivot.engine.market import MarketChunk, build_market
from hashpivot.engine.memory import recycle_chunk_memory
from hashpivot.engine.plan import P_HAZARD_PER_DAY, P_KIND, P_RENEWAL_PROB, P_TERM_DAYS, build_company
from hashpivot.engine.result import FINALS, SimResult, path_metrics
from hashpivot.engine.debt import margin_window_days
from hashpivot.engine.state import MONTHLY_VARIABLES, TERMINAL_COLUMNS, tracked_sites
from hashpivot.engine.step import (
    Outputs,
    company_inputs,
    energy_sites,
    every_day,
    kernel_for,
    market_arrays,
    new_workspace,
    no_handover,
    terminal_width,
)
from hashpivot.errors import HashpivotError
from hashpivot.policies.capacity import PROJECT_GPU_CLOUD, capacity_label
from hashpivot.processes.random import uniforms_by_part


def month_end_days(start: pd.Timestamp | str, horizon_days: int) -> np.ndarray:
    """Day indices of day 0, every calendar month end inside the horizon, and the last day."""
    dates = pd.date_range(pd.Timestamp(start), periods=horizon_days + 1, freq="D")
    is_end = np.array(dates.is_month_end, dtype=bool)
    is_end[0] = True
    is_end[-1] = True
    return np.flatnonzero(is_end).astype(np.int64)


@dataclass(frozen=True)
class PathArrays:
    """What ``simulate_paths`` produced for paths ``first_path .. first_path + n_paths - 1``, every (capacity plan,
    treasury policy) pair in ``combos`` order: per-path terminal values (pairs, paths, ``TERMINAL_COLUMNS``), and for
    the paths among the scenario's first ``run.store_paths`` (``n_stored`` of them, from ``first_path``) their
    monthly series (pairs, stored, ``MONTHLY_VARIABLES``, months; float32), monthly market series (3, stored,
    months; float32: BTC price [USD], network hashrate [EH/s], mean hashprice [USD/(TH/s)/day]) and AI projects'
    monthly net cash flows (pairs, stored, projects, months) [USD]."""

    first_path: int
    terminal: np.ndarray
    monthly: np.ndarray
    market_monthly: np.ndarray
    project_flows: np.ndarray

    @property
    def n_paths(self) -> int:
        return self.terminal.shape[1]

    @property
    def n_stored(self) -> int:
        return self.monthly.shape[1]


def simulate(
    scenario,
    policies: Sequence | None = None,
    *,
    capacity: Sequence | None = None,
    history_log_returns: np.ndarray | None = None,
    check_invariants: bool = False,
    n_threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    market: MarketChunk | None = None,
) -> SimResult:
    """Simulate ``scenario`` under every pair of capacity plan and treasury policy (default: the
    scenario's main and compared ones), all on the same random numbers.

    ``progress(done_paths, total_paths)`` is called after each chunk. ``market`` replaces the simulated
    market with given arrays (a historical replay: ``engine.market.market_from_history``); its paths and
    days must match ``scenario.run``.
    """
    treasury = list(policies) if policies is not None else scenario.treasury_policies()
    plans = list(capacity) if capacity is not None else scenario.capacity_policies()
    part = simulate_paths(scenario, treasury, plans, 0, scenario.run.n_paths, history_log_returns=history_log_returns,
                          check_invariants=check_invariants, n_threads=n_threads, progress=progress, market=market)
    return assemble(scenario, treasury, plans, [part])


def simulate_paths(scenario, treasury: Sequence, plans: Sequence, first_path: int, n_paths: int,
                   **options: Any) -> PathArrays:
    """Simulate paths ``first_path .. first_path + n_paths - 1`` of ``scenario`` under every pair of ``plans`` and
    ``treasury`` policies (``options``: ``history_log_returns``, ``check_invariants``, ``n_threads``, ``progress``
    and ``market``, as :func:`simulate_paths_many` takes them). Each path draws from its own random streams, so a
    path's numbers do not depend on which range it is simulated in (the task model of ``hashpivot.parallel``)."""
    return simulate_paths_many([(scenario, treasury, plans)], first_path, n_paths, **options)[0]


def market_key(scenario) -> str:
    """What a scenario's simulated market depends on (``engine.market.build_market``): its market and the run's
    seed, dates, height, paths and chunking. Scenarios with equal keys (and the same bootstrap history) have the
    same market, bit for bit, so they can share one draw (``simulate_paths_many``)."""
    run = scenario.run
    return "|".join((scenario.market.model_dump_json(), str(run.seed), str(run.horizon_days), str(run.start_height),
                     str(run.start_date), str(run.n_paths), str(run.chunk_paths), str(run.store_paths)))


def simulate_paths_many(
    specs: Sequence[tuple],
    first_path: int,
    n_paths: int,
    *,
    history_log_returns: np.ndarray | None = None,
    check_invariants: bool = False,
    n_threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    market: MarketChunk | None = None,
) -> list[PathArrays]:
    """``simulate_paths`` of several ``(scenario, treasury, plans)`` that share one market (equal
    :func:`market_key`): each chunk's market is drawn once and every scenario's company runs on it, so a sweep over
    company, policy or plan inputs pays for the market once. The numbers are those of separate runs, bit for bit."""
    if len({market_key(sc) for sc, _, _ in specs}) > 1:
        raise ValueError("simulate_paths_many: the scenarios' markets differ (market_key); allowed: one market")
    recycle_chunk_memory()
    scenario = specs[0][0]
    run = scenario.run
    n_days = run.horizon_days
    month_days = month_end_days(run.start_date, n_days)
    n_store = max(0, min(run.store_paths, run.n_paths, first_path + n_paths) - first_path)
    jobs = [_Job(sc, treasury, plans, first_path, n_paths, n_store, month_days, n_threads)
            for sc, treasury, plans in specs]
    market_monthly = np.empty((3, n_store, month_days.size), dtype=np.float32)
    chunks = [(start, min(run.chunk_paths, first_path + n_paths - start))
              for start in range(first_path, first_path + n_paths, run.chunk_paths)]
    if market is not None:
        if market.btc_price_usd.shape != (n_paths, n_days + 1) or first_path != 0:
            raise ValueError(
                f"market arrays have shape {market.btc_price_usd.shape}; allowed: (run.n_paths, run.horizon_days + 1) "
                f"= ({n_paths}, {n_days + 1}) from path 0"
            )
        chunks = [(0, n_paths)]

    def work(chunk: tuple[int, int]) -> int:
        first, count = chunk
        mk = market if market is not None else build_market(scenario, first, count, history_log_returns)
        at = first - first_path  # row of this chunk's first path in this range's arrays
        store_here = max(0, min(count, n_store - at))
        for job in jobs:
            job.run_chunk(mk, first, count, at, store_here, check_invariants)
        if store_here:
            rows = slice(0, store_here)
            price = mk.btc_price_usd[rows][:, month_days]
            _check_fits_float32(price[:, None, :], None, first, month_days, "btc_price_usd")
            market_monthly[0, at : at + store_here] = price
            market_monthly[1, at : at + store_here] = mk.network_hashrate_ehs[rows][:, month_days]
            # Monthly hashprice: mean over the month's days (stored paths only).
            hp = mk.hashprice_usd_per_th_day(rows)
            csum = np.concatenate([np.zeros((store_here, 1)), np.cumsum(hp, axis=1)], axis=1)
            lo = np.r_[0, month_days[:-1] + 1]
            hi = month_days + 1
            market_monthly[2, at : at + store_here] = (csum[:, hi] - csum[:, lo]) / (hi - lo)
        return count

    threads = n_threads or min(len(chunks), os.cpu_count() or 1)
    cancel = threading.Event()
    with _sigint_sets(cancel):
        _run_chunks(work, chunks, threads, (lambda done: progress(done, n_paths)) if progress else None, cancel)
    for job in jobs:
        _check_finite(job.terminal, job.monthly, month_days,
                      [f"{capacity_label(p)} / {t.label}" for p, t in job.combos])
    return [PathArrays(first_path, job.terminal, job.monthly, market_monthly if i == 0 else market_monthly.copy(),
                       job.project_flows) for i, job in enumerate(jobs)]


class _Job:
    """One scenario's share of ``simulate_paths_many``: its companies' packed arrays and the arrays its chunks
    write (terminal values, stored monthly series, AI projects' monthly flows)."""

    def __init__(self, scenario, treasury: Sequence, plans: Sequence, first_path: int, n_paths: int, n_store: int,
                 month_days: np.ndarray, n_threads: int | None):
        self.scenario, self.treasury = scenario, list(treasury)
        self.combos = [(plan, policy) for plan in plans for policy in treasury]
        self.arrays = [build_company(scenario, plan) for plan in plans]
        if first_path == 0 and n_paths == scenario.run.n_paths:  # a whole run here (a task's range is a share)
            check_run_fits(scenario, len(self.combos), max([len(a.specs) for a in self.arrays] + [0]), n_threads)
        self.first_path, self.month_days = first_path, month_days
        n_pol = len(self.combos)
        self.n_sites = len(scenario.company.sites)
        self.spin_offs = bool(scenario.company.spin_offs)
        self.width = max(terminal_width(a, self.n_sites, self.spin_offs) for a in self.arrays)
        self.terminal = np.empty((n_pol, n_paths, self.width))
        self.monthly = np.empty((n_pol, n_store, len(MONTHLY_VARIABLES), month_days.size), dtype=np.float32)
        n_projects = max([len(a.specs) for a in self.arrays] + [0])
        self.project_flows = np.zeros((n_pol, n_store, n_projects, month_days.size))

    def run_chunk(self, mk: MarketChunk, first: int, count: int, at: int, store_here: int, check: bool) -> None:
        """Every (plan, policy) pair of this scenario on the chunk's market ``mk`` (paths ``first ..``, rows
        ``at ..`` of this range's arrays, the first ``store_here`` of them stored)."""
        month_days = self.month_days
        mon = np.empty((store_here, len(MONTHLY_VARIABLES), month_days.size))
        market_in = market_arrays(mk)
        k = 0
        for plan_arrays in self.arrays:
            starts = plan_arrays.start_days(mk)
            tenant_u = _tenant_uniforms(self.scenario, plan_arrays, first, count)
            renewal_u = _renewal_uniforms(self.scenario, plan_arrays, first, count)
            n_proj = len(plan_arrays.specs)
            for policy in self.treasury:
                term = np.empty((count, self.width))
                flows = np.zeros((store_here, max(n_proj, 1), month_days.size))
                work = new_workspace(len(plan_arrays.fleets), n_proj, len(plan_arrays.hedges),
                                     energy_sites(plan_arrays), len(plan_arrays.debt),
                                     margin_window_days(plan_arrays.covenants),
                                     tracked_sites(self.n_sites, self.spin_offs),
                                     self.n_sites if self.spin_offs else 0, plan_arrays.n_order_slots,
                                     plan_arrays.n_purchase_slots)
                kernel_for(plan_arrays, tracked_sites(self.n_sites, self.spin_offs))(
                    market_in, company_inputs(plan_arrays, starts, tenant_u, renewal_u), policy.code, policy.params(),
                    month_days, check, Outputs(term, mon, flows), work, every_day(mk.btc_price_usd.shape[1]),
                    no_handover(work),
                )
                self.terminal[k, at : at + count] = term
                _check_fits_float32(mon, self.combos[k], first, month_days)
                self.monthly[k, at : at + store_here] = mon
                self.project_flows[k, at : at + store_here, :n_proj] = flows[:, :n_proj]
                k += 1


def assemble(scenario, treasury: Sequence, plans: Sequence, parts: Iterable[PathArrays]) -> SimResult:
    """The ``SimResult`` of ``scenario`` from ``PathArrays`` that together cover every path once, in any order and
    of any sizes: each part's rows go where its paths belong, so the result is the one ``simulate`` gives."""
    merger = Merger(scenario, treasury, plans, "all")
    for part in parts:
        merger.add(part)
    return merger.result()


@dataclass(frozen=True)
class PathFinals:
    """What a task returns when only the summary's inputs are kept (``kept="finals"``): for paths ``first_path ..
    first_path + n_paths - 1``, each of :data:`FINALS` as a (pairs, paths) array, or as a 0-d array when every one
    of its values has the same bits (a metric that is NaN on every path, a share count that never changes), and
    the stored paths' monthly series as in :class:`PathArrays`."""

    first_path: int
    n_paths: int
    metrics: dict[str, np.ndarray]
    monthly: np.ndarray
    market_monthly: np.ndarray
    project_flows: np.ndarray

    @property
    def n_stored(self) -> int:
        return self.monthly.shape[1]

    @property
    def nbytes(self) -> int:
        """Bytes of its arrays (what a worker sends back, before pickling's few hundred bytes of framing)."""
        return sum(a.nbytes for a in (*self.metrics.values(), self.monthly, self.market_monthly, self.project_flows))


def finals_of(scenario, part: PathArrays) -> PathFinals:
    """The :class:`PathFinals` of a range's ``PathArrays``: its per-path variables (:func:`path_metrics`) reduced to
    :data:`FINALS`, a metric whose values all have the same bits sent as one value."""
    metrics = path_metrics(scenario, part.terminal)
    return PathFinals(part.first_path, part.n_paths, {name: _compact(metrics[name]) for name in FINALS},
                      part.monthly, part.market_monthly, part.project_flows)


def assemble_finals(scenario, treasury: Sequence, plans: Sequence, parts: Iterable[PathFinals]) -> SimResult:
    """The ``SimResult`` of ``scenario`` with only :data:`FINALS` per path (``dataset.attrs["per_path"] ==
    "finals"``), from ``PathFinals`` that together cover every path once: its summary and win rates are those
    ``simulate`` gives, bit for bit."""
    merger = Merger(scenario, treasury, plans, "finals")
    for part in parts:
        merger.add(part)
    return merger.result()


class Merger:
    """Builds one run's ``SimResult`` from its tasks' parts (``PathArrays`` when ``kept == "all"``, ``PathFinals``
    when ``"finals"``) as they arrive, in any order: each part's rows are copied where its paths belong and the part
    can be dropped at once, so the client holds the merged arrays and one part, never every part and a copy.

    A metric of the finals that has had one value on every path so far is kept as that value and its ranges; it
    is written out only when a part brings another value, and is a read-only broadcast in the result when none
    does (the unused segments' margins of a mining-only company cost no memory). One part holding every path is
    the result's arrays, uncopied (an in-process run)."""

    def __init__(self, scenario, treasury: Sequence, plans: Sequence, kept: str = "all"):
        self.scenario, self.plans, self.kept = scenario, list(plans), kept
        self.combos = [(plan, policy) for plan in plans for policy in treasury]
        self.arrays = [build_company(scenario, plan) for plan in plans]
        self.n_paths = scenario.run.n_paths
        self._covered = np.zeros(self.n_paths, dtype=np.uint8)  # parts that held each path (1 byte a path)
        self._n_parts = 0
        self._whole: PathArrays | None = None
        self._terminal: np.ndarray | None = None
        self._metrics: dict[str, np.ndarray] = {}
        self._constant: dict[str, list[tuple[slice, np.ndarray]]] = {}
        self._stored: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, part: PathArrays | PathFinals) -> None:
        rows = slice(part.first_path, part.first_path + part.n_paths)
        first = self._n_parts == 0
        self._n_parts += 1
        self._covered[rows] = np.minimum(self._covered[rows], 254) + 1
        if self.kept == "all":
            if first and part.first_path == 0 and part.n_paths == self.n_paths:
                self._whole = part
                return
            self._unwhole()
            if self._terminal is None:
                self._terminal = np.empty((len(self.combos), self.n_paths, part.terminal.shape[2]))
            self._terminal[:, rows] = part.terminal
        else:
            for name, values in part.metrics.items():
                self._add_metric(name, rows, values)
        self._add_stored(part)

    def result(self) -> SimResult:
        if not np.all(self._covered == 1):
            raise ValueError(f"parts cover paths {np.flatnonzero(self._covered != 1)[:5].tolist()}... not exactly "
                             "once")
        if self.kept == "all":
            whole = self._whole
            terminal = whole.terminal if whole is not None else self._terminal
            stored = ((whole.monthly, whole.market_monthly, whole.project_flows) if whole is not None
                      else self._stored)
            per_path = path_metrics(self.scenario, terminal)
        else:
            shape = (len(self.combos), self.n_paths)
            per_path = {name: self._metrics[name] if name in self._metrics
                        else np.broadcast_to(self._constant[name][0][1], shape) for name in FINALS}
            stored = self._stored
        run = self.scenario.run
        project_info = [([spec.label for spec in a.specs], a) for a in self.arrays]
        monthly, market_monthly, project_flows = stored
        return SimResult.from_path_data(
            self.scenario, self.combos, per_path, monthly, market_monthly,
            month_end_days(run.start_date, run.horizon_days), project_flows=project_flows,
            project_info=[project_info[self.plans.index(plan)] for plan, _ in self.combos], kept=self.kept)

    def _unwhole(self) -> None:
        """A second part after one that held every path: the paths are covered twice, which ``result`` says."""
        if self._whole is not None:
            whole, self._whole = self._whole, None
            self._terminal = whole.terminal.copy()
            self._add_stored(whole)

    def _add_metric(self, name: str, rows: slice, values: np.ndarray) -> None:
        if name in self._metrics:
            self._metrics[name][:, rows] = values
            return
        seen = self._constant.setdefault(name, [])
        if values.ndim == 0 and all(v.tobytes() == values.tobytes() for _, v in seen):
            seen.append((rows, values))
            return
        merged = np.empty((len(self.combos), self.n_paths), dtype=values.dtype)
        for earlier, value in self._constant.pop(name):
            merged[:, earlier] = value
        merged[:, rows] = values
        self._metrics[name] = merged

    def _add_stored(self, part) -> None:
        if part.n_stored == 0 and self._stored is not None:
            return
        if self._stored is None:
            run = self.scenario.run
            n_months = month_end_days(run.start_date, run.horizon_days).size
            n_store = min(run.store_paths, run.n_paths)
            n_projects = max([len(a.specs) for a in self.arrays] + [0])
            self._stored = (
                np.empty((len(self.combos), n_store, len(MONTHLY_VARIABLES), n_months), dtype=np.float32),
                np.empty((3, n_store, n_months), dtype=np.float32),
                np.zeros((len(self.combos), n_store, n_projects, n_months)),
            )
        stored = slice(part.first_path, part.first_path + part.n_stored)
        for merged, values in zip(self._stored, (part.monthly, part.market_monthly, part.project_flows), strict=True):
            merged[:, stored] = values


def _compact(values: np.ndarray) -> np.ndarray:
    """``values`` as a 0-d array when all of them have the same bits (NaN included), else ``values``, contiguous."""
    flat = np.ascontiguousarray(values).reshape(-1)
    if flat.size and (flat.view(np.uint8).reshape(flat.size, -1) == flat[:1].view(np.uint8)).all():
        return flat[0].copy().reshape(())
    return np.ascontiguousarray(values)


class StateOverflowError(HashpivotError, ValueError):
    """A path's state became inf or NaN: the inputs drive a quantity past float64's range (bad input: exit 2)."""


def _run_chunks(work: Callable[[tuple[int, int]], int], chunks: list[tuple[int, int]], threads: int,
                progress: Callable[[int], None] | None, cancel: threading.Event) -> int:
    """Run ``work`` on every chunk (on ``threads`` threads), calling ``progress(done_paths)`` after each; returns
    the paths done. ``cancel`` is checked between chunks: once set, pending chunks are dropped, running ones
    finish (a chunk is small) and KeyboardInterrupt is raised."""
    done = 0
    if threads <= 1:
        for chunk in chunks:
            if cancel.is_set():
                raise KeyboardInterrupt
            done += work(chunk)
            if progress:
                progress(done)
        return done
    pool = ThreadPoolExecutor(max_workers=threads)
    # At most 2 chunks queued per thread: a cancelled run has little to drop and the queue stays small.
    queue = iter(chunks)
    pending = {pool.submit(work, c) for c in _take(queue, 2 * threads)}
    try:
        while pending:
            # The timeout lets the main thread see the flag even while every worker is busy.
            finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            if cancel.is_set():
                raise KeyboardInterrupt
            for future in finished:
                done += future.result()
                if progress:
                    progress(done)
            pending |= {pool.submit(work, c) for c in _take(queue, len(finished))}
    except BaseException:
        cancel.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return done


def _take(items: Iterator, n: int) -> list:
    return [item for _, item in zip(range(n), items, strict=False)]


@contextmanager
def _sigint_sets(cancel: threading.Event) -> Iterator[None]:
    """While the block runs, SIGINT (Ctrl-C) sets ``cancel`` (a second one interrupts at once). Only the main
    thread may install handlers; elsewhere (a dashboard's script thread) SIGINT keeps its handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_finite(terminal: np.ndarray, monthly: np.ndarray, month_days: np.ndarray, labels: list[str]) -> None:
    """Raise StateOverflowError naming the policy, path, terminal column and (for a stored path) the first month
    end where a value is inf or NaN."""
    bad = ~np.isfinite(terminal)
    if not bad.any():
        return
    k, path, column = (int(i) for i in np.argwhere(bad)[0])
    when = "by the last day"
    if path < monthly.shape[1]:
        months = np.flatnonzero(~np.isfinite(monthly[k, path]).all(axis=0))
        if months.size:
            when = f"by day {int(month_days[months[0]])}"
    raise StateOverflowError(
        f"policy {labels[k]!r}, path {path}: "
        f"{TERMINAL_COLUMNS[column] if column < len(TERMINAL_COLUMNS) else 'a growth return'} became {terminal[k, path, column]} "
        f"{when} (a state overflowed float64); allowed: inputs whose products stay finite; lower the "
        "largest prices, holdings or rates of the scenario"
    )


#: Largest magnitude a stored monthly series (float32) holds. [unit of the series]
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_fits_float32(values: np.ndarray, combo, first_path: int, month_days: np.ndarray,
                        name: str | None = None) -> None:
    """Raise StateOverflowError when a stored path's monthly value (paths, variables, months; float64) is beyond
    float32's range (3.4e38), where storing it would write inf: a BTC price compounding at a drift of 5 % a day for
    ten years reaches 1e87 while float64 still holds it. Names the policy, the path, the variable and the day."""
    if values.size == 0 or not np.any(np.abs(values) > FLOAT32_MAX):
        return
    path, j, month = (int(i) for i in np.argwhere(np.abs(values) > FLOAT32_MAX)[0])
    variable = name or MONTHLY_VARIABLES[j]
    who = f"policy {capacity_label(combo[0]) + ' / ' + combo[1].label!r}, " if combo is not None else ""
    raise StateOverflowError(
        f"{who}path {first_path + path}: {variable} reached {values[path, j, month]:.3g} by day "
        f"{int(month_days[month])}, beyond what a stored series holds (float32, {FLOAT32_MAX:.3g}); allowed: inputs "
        "whose prices, holdings and rates stay within that range (lower the price drift, the largest holdings or "
        "rates, or the horizon)"
    )


def _tenant_uniforms(scenario, company_arrays, first: int, count: int) -> np.ndarray:
    """Daily uniforms deciding tenant defaults, shape (paths, projects, days + 1); (1, 1, 1) when no project
    can default. Project k reads part k of each path's ``tenant`` stream (``processes.random``), day by day, so its
    draws move neither with the horizon nor with the other projects."""
    hazards = company_arrays.projects[:, P_HAZARD_PER_DAY] if len(company_arrays.specs) else np.zeros(0)
    if not np.any(hazards > 0):
        return np.ones((1, 1, 1))
    n_cols = scenario.run.horizon_days + 1
    return uniforms_by_part(scenario.run.seed, first, count, "tenant", n_cols, len(hazards))


def renewal_draws(company_arrays, horizon_days: int) -> int:
    """Most term ends any lease that may not renew can reach within ``horizon_days``: a term starts at the earliest
    on day 1 and lasts at least ``max(term_days, 1)`` days, so at most horizon / that + 1 of them end; 0 when every
    lease renews (``renewal_prob`` 1) or there is none. [count]"""
    pr = company_arrays.projects
    if not len(company_arrays.specs):
        return 0
    lease = (pr[:, P_KIND] != PROJECT_GPU_CLOUD) & (pr[:, P_RENEWAL_PROB] < 1.0)
    if not np.any(lease):
        return 0
    return int(horizon_days // max(float(np.min(pr[lease, P_TERM_DAYS])), 1.0)) + 2


def _renewal_uniforms(scenario, company_arrays, first: int, count: int) -> np.ndarray:
    """Uniforms deciding lease renewals, shape (paths, projects, ``renewal_draws``); (1, 1, 1) when every lease
    renews. Project k's n-th term end reads the n-th uniform of part k of each path's ``renewal`` stream, so a
    path's draws depend on neither the chunking, the horizon, the other projects' terms nor their outcomes."""
    n_draws = renewal_draws(company_arrays, scenario.run.horizon_days)
    if n_draws == 0:
        return np.ones((1, 1, 1))
    n_proj = len(company_arrays.specs)
    return uniforms_by_part(scenario.run.seed, first, count, "renewal", n_draws, n_proj)
