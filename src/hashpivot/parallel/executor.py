"""Where tasks run, and the exact merge of what they return.

- In-process (the default; no Dask needed): each variant runs on the engine's thread pool, the variants that share
  a market (``market_groups``) together on one market draw.
- ``--workers N``: a ``dask.distributed.LocalCluster`` of N worker processes with one thread each, started and
  stopped around the run.
- ``--scheduler tcp://HOST:PORT`` (or ``HASHPIVOT_SCHEDULER``): an existing cluster; its workers need the same
  version of hashpivot installed.

On Dask, a task is a range of paths of up to ``GROUP_VARIANTS`` variants that share a market (``tasks_of``), so a
sweep over company, policy or plan inputs draws each range's market once on its worker, as in-process. Tasks are
submitted with ``client.map`` and collected with ``as_completed``: each finished task's arrays
are copied straight into its variant's place (``engine.run.Merger``; only the summary's per-path inputs when the
finals are kept: every sweep, and a run whose full per-path arrays would not fit on the client) and dropped, and
a variant's ``SimResult`` is built, handed to ``on_result`` and dropped as soon as its last task is in, so the
client holds one variant's merged arrays per unfinished variant. Dask retries the tasks of a worker
that dies. Ctrl-C cancels every pending future.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from hashpivot.errors import InputError
from hashpivot.parallel.tasks import Member, Task, run_task, split_paths

#: Environment variable naming a scheduler address when ``--scheduler`` is not given.
SCHEDULER_ENV = "HASHPIVOT_SCHEDULER"


@dataclass(frozen=True)
class Variant:
    """One scenario to run (a sweep's variant, or a single run): its validated scenario, the plans and policies to
    run (models) and the bootstrap history's log returns, if any."""

    scenario: object
    capacity: tuple
    policies: tuple
    history_log_returns: object = None
    check_invariants: bool = False


def tasks_of(variants: Sequence[Variant], *, n_tasks: int | None = None, task_paths: int | None = None,
             kept: Sequence[str] | None = None, first: int = 0) -> list[Task]:
    """Every variant's paths split into tasks (``parallel.tasks.split_paths``). Variants that share a market
    (:func:`market_groups`) travel together, up to :data:`GROUP_VARIANTS` a task, so that a worker draws each range's
    market once for all of them; a task's size counts the work of all its members. ``kept[i]`` (default ``"all"``)
    says what variant ``i`` sends back; variant ``first``'s tasks come first."""
    from hashpivot.policies.capacity import capacity_label
    from hashpivot.scenarios.toml import to_toml

    out = []
    for group in market_groups(variants, first):
        for batch in _batches(group, [0] * len(group)):
            members = tuple(
                Member(i, to_toml(variants[i].scenario), tuple(capacity_label(p) for p in variants[i].capacity),
                       tuple(p.label for p in variants[i].policies), kept[i] if kept is not None else "all")
                for i in batch)
            v0 = variants[batch[0]]
            run = v0.scenario.run
            n_pol = sum(len(variants[i].capacity) * len(variants[i].policies) for i in batch)
            for first_path, count in split_paths(run.n_paths, n_tasks, n_days=run.horizon_days, n_policies=n_pol,
                                                 task_paths=task_paths):
                out.append(Task(members, first_path, count, v0.history_log_returns, v0.check_invariants))
    return out


def market_groups(variants: Sequence[Variant], first: int = 0) -> list[list[int]]:
    """Indices of ``variants`` grouped by the market they simulate (``engine.run.market_key``, the bootstrap history
    and whether invariants are checked): a group's variants can share one market draw. Variant ``first``'s group
    comes first, with ``first`` first in it; otherwise the variants' order."""
    from hashpivot.engine.run import market_key

    order = [first] + [i for i in range(len(variants)) if i != first]
    groups: dict[tuple, list[int]] = {}
    for i in order:
        v = variants[i]
        groups.setdefault((market_key(v.scenario), id(v.history_log_returns), v.check_invariants), []).append(i)
    return list(groups.values())


#: Most variants simulated together on one market draw in-process, and most bytes of per-path arrays they may hold
#: together (terminal values and stored months; a variant alone may hold more, as a single run does). [variants, B]
GROUP_VARIANTS = 16
GROUP_BYTES = 512 * 2**20
#: What a run split into tasks keeps per path: every terminal value, only the summary's inputs, or (``"auto"``)
#: every terminal value when the client can hold it (``engine.budget.client_bytes``) and the finals otherwise.
KEPT = ("all", "finals", "auto")


class Executor:
    """Runs variants in-process or on a Dask client; ``run_variants`` returns one ``SimResult`` per variant.

    ``kept``: what a run split into tasks keeps per path (:data:`KEPT`); a result's ``dataset.attrs["per_path"]``
    says which it holds. An in-process run without ``n_tasks``/``task_paths`` always keeps everything."""

    def __init__(self, client=None, *, n_tasks: int | None = None, task_paths: int | None = None,
                 kept: str = "auto"):
        if kept not in KEPT:
            raise InputError("kept", kept, f"one of {', '.join(KEPT)}")
        self.client = client
        self.n_tasks = n_tasks
        self.task_paths = task_paths
        self.kept = kept
        self._first = 0

    @property
    def is_distributed(self) -> bool:
        return self.client is not None

    def run_variants(self, variants: Sequence[Variant], *, progress: Callable[[int, int], None] | None = None,
                     on_result: Callable[[int, object], None] | None = None, first: int = 0) -> list:
        """The ``SimResult`` of each variant, in order (also handed to ``on_result(i, result)`` as each completes,
        when given; then the list holds None, so that only one result needs to be alive at a time). Variant
        ``first``'s tasks go first (a sweep's baseline, so that the others can be compared with it on arrival)."""
        if not 0 <= first < max(len(variants), 1):
            raise ValueError(f"first={first}; allowed: 0 to {len(variants) - 1}")
        self._first = first
        results: list = [None] * len(variants)

        def finish(i: int, result) -> None:
            if on_result is not None:
                on_result(i, result)
            else:
                results[i] = result

        if self.client is None and self.n_tasks is None and self.task_paths is None:
            self._in_process(variants, progress, finish)
        else:
            self._by_tasks(variants, progress, finish)
        return results

    def _in_process(self, variants, progress, finish) -> None:
        """Every variant here, those that share a market (``engine.run.market_key``) together, up to
        :data:`GROUP_VARIANTS` at a time, so that each chunk's market is drawn once for all of them (a sweep over
        company, policy or plan inputs); the baseline's group first, the baseline first in it."""
        from hashpivot.engine.run import assemble, simulate_paths_many

        done = 0
        for members in market_groups(variants, self._first):
            for batch in _batches(members, [_result_bytes(variants[i]) for i in members]):
                v0 = variants[batch[0]]
                specs = [(variants[i].scenario, list(variants[i].policies), list(variants[i].capacity)) for i in batch]
                parts = simulate_paths_many(specs, 0, v0.scenario.run.n_paths,
                                            history_log_returns=v0.history_log_returns,
                                            check_invariants=v0.check_invariants)
                for i, spec, part in zip(batch, specs, parts, strict=True):
                    finish(i, assemble(*spec, [part]))
                    done += 1
                    if progress:
                        progress(done, len(variants))

    def kept_by_variant(self, variants: Sequence[Variant]) -> list[str]:
        """What each variant's tasks send back; raises WorkTooLargeError, before any task is sent, when the client
        could not hold even the finals of a variant."""
        from hashpivot.engine.budget import check_client_fits, client_bytes, memory_limit_bytes

        out = []
        for v in variants:
            n_pol, n_proj = _pairs_and_projects(v)
            kept = self.kept
            if kept == "auto":
                kept = "all" if client_bytes(v.scenario, n_pol, n_proj, "all") <= memory_limit_bytes() else "finals"
            check_client_fits(v.scenario, n_pol, n_proj, kept)
            out.append(kept)
        return out

    def _by_tasks(self, variants, progress, finish) -> None:
        from hashpivot.engine.run import Merger

        kept = self.kept_by_variant(variants)
        tasks = tasks_of(variants, n_tasks=self.n_tasks, task_paths=self.task_paths, kept=kept, first=self._first)
        left = [sum(i in t.variants for t in tasks) for i in range(len(variants))]
        mergers: dict[int, Merger] = {}
        done = 0
        for parts in self._results(tasks):
            for variant, part in parts:
                if variant not in mergers:
                    v = variants[variant]
                    mergers[variant] = Merger(v.scenario, v.policies, v.capacity, kept[variant])
                mergers[variant].add(part)
                del part  # its rows are in the merger: the client holds no finished part
                left[variant] -= 1
                if left[variant] == 0:
                    finish(variant, mergers.pop(variant).result())
            done += 1
            if progress:
                progress(done, len(tasks))

    def _results(self, tasks: list[Task]) -> Iterator[list[tuple[int, object]]]:
        if self.client is None:
            for task in tasks:
                yield run_task(task)
            return
        import dataclasses

        from dask.distributed import as_completed

        # The bootstrap history (8 B a day since its start: 41 kB from 2012) goes to the cluster once per array, not
        # with each of thousands of tasks; a task then carries only its scenario's TOML (2-4 kB).
        shared: dict[int, object] = {}
        shipped, histories = [], []
        for task in tasks:
            history = task.history_log_returns
            if history is not None and id(history) not in shared:
                shared[id(history)] = self.client.scatter(history, hash=False)
            shipped.append(task if history is None else dataclasses.replace(task, history_log_returns=None))
            histories.append(None if history is None else shared[id(history)])
        # pure=False: identical tasks of two sweeps are still separate tasks; results are gathered one by one.
        futures = self.client.map(run_task, shipped, histories, pure=False)
        try:
            for future in as_completed(futures):
                yield future.result()
                future.release()
        except BaseException:
            self.client.cancel(futures)
            raise


@contextmanager
def connect(workers: int | None = None, scheduler: str | None = None) -> Iterator[object | None]:
    """A Dask client for ``workers`` local worker processes or for the cluster at ``scheduler`` (default
    ``$HASHPIVOT_SCHEDULER``); None (in-process) when neither is given. Closed on exit."""
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if workers is not None and scheduler is not None:
        raise InputError("--workers", workers, "either --workers or --scheduler, not both")
    if workers is None and scheduler is None:
        yield None
        return
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://", "ucx://")):
            raise InputError("--scheduler", scheduler, "an address such as tcp://HOST:PORT")
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError("--scheduler", scheduler, f"a reachable Dask scheduler ({exc})") from None
        try:
            yield client
        finally:
            client.close()
        return
    if not 1 <= workers <= 512:
        raise InputError("--workers", workers, "1 to 512 local worker processes")
    # ":0": the scheduler's HTTP endpoints on a free loopback port (a fixed 8787 clashes with any other cluster).
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster, Client(cluster) as client:
        yield client


def _pairs_and_projects(v: Variant) -> tuple[int, int]:
    """A variant's (plan, policy) pairs and the most AI projects of one of its plans. [count]"""
    from hashpivot.engine.plan import build_company

    return (len(v.capacity) * len(v.policies),
            max([len(build_company(v.scenario, plan).specs) for plan in v.capacity] + [0]))


def _result_bytes(v: Variant) -> float:
    """Bytes of a variant's per-path results once simulated (``engine.budget.client_bytes``, every value kept). [B]"""
    from hashpivot.engine.budget import client_bytes

    return client_bytes(v.scenario, *_pairs_and_projects(v), "all")


def _batches(members: list[int], sizes: list[int]) -> Iterator[list[int]]:
    """``members`` in order, cut into runs of at most :data:`GROUP_VARIANTS` whose ``sizes`` sum to at most
    :data:`GROUP_BYTES` (a member bigger than that alone)."""
    batch: list[int] = []
    total = 0
    for i, size in zip(members, sizes, strict=True):
        if batch and (len(batch) == GROUP_VARIANTS or total + size > GROUP_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(i)
        total += size
    if batch:
        yield batch
