"""Benchmark: one very large run of RM1 through a dask.distributed LocalCluster, with the client's memory.

    python benchmarks/big_run.py                                   # 10 million paths x 10 years, 2 workers
    python benchmarks/big_run.py --paths 1000000 --days 365        # a quicker look

The run is split into tasks of about ``parallel.tasks.TARGET_POLICY_PATH_DAYS`` of work; each task sends back its
paths' finals (``engine.run.PathFinals``: the summary's per-path inputs), which the client copies into the merged
arrays and drops. Printed: the split, the bytes one task sends back, the wall time and throughput, and the
client's peak resident memory (the workers are other processes). Speed lives here, never in tests.
"""

from __future__ import annotations

import argparse
import resource
import time


def _warm_up() -> None:
    """On a worker: one tiny run, so that its process has loaded the engine's kernels from numba's cache."""
    from hashpivot import api

    api.run("rm1", n_paths=2)


def _rss_mb() -> float:
    """This process's resident memory now. [MB]"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", default=None, help="an existing cluster's address instead of a LocalCluster")
    args = parser.parse_args()

    from hashpivot import api
    from hashpivot.parallel.executor import Variant, connect, tasks_of
    from hashpivot.parallel.tasks import run_task
    from hashpivot.scenarios.selection import select_capacity, select_policies
    from hashpivot.scenarios.variants import replace

    sc = replace(api.load("rm1", n_paths=args.paths), "run.horizon_days", args.days)
    treasury, plans = select_policies(sc, None), select_capacity(sc, None)
    tasks = tasks_of([Variant(sc, tuple(plans), tuple(treasury))], kept=["finals"])
    sizes = sorted({t.n_paths for t in tasks})
    print(f"RM1: {args.paths:,} paths x {args.days:,} days = {args.paths * args.days / 1e9:.1f} billion path-days; "
          f"{len(tasks):,} tasks of {sizes[-1]:,} paths")
    t = time.perf_counter()
    with connect(workers=None if args.scheduler else args.workers, scheduler=args.scheduler) as client:
        started = time.perf_counter() - t
        client.run(_warm_up)
        # What one task past the stored paths sends back, run on a worker (the client never runs the engine).
        [(_, sample)] = client.submit(run_task, tasks[-1], pure=False).result()
        print(f"a task sends {len(tasks[0].members[0].scenario_toml):,} B of scenario TOML and returns {sample.nbytes:,} B of "
              f"finals for {sample.n_paths:,} paths ({sample.nbytes / sample.n_paths:.0f} B per path; the tasks that "
              "hold the first run.store_paths paths also return their monthly series)")
        del sample
        print(f"client memory before the run (RSS): {_rss_mb():,.0f} MB")
        t = time.perf_counter()
        result = api.run(sc, client=client, kept="finals")
        wall = time.perf_counter() - t
    n_workers = args.workers if not args.scheduler else "the cluster's"
    print(f"on {n_workers} workers: {wall:.1f} s = {args.paths * args.days / wall / 1e6:.1f} million path-days/s "
          f"(cluster start-up {started:.1f} s)")
    stats = result.summary.set_index(["metric", "stat"])["value"]
    print(f"NAV mean {stats['nav_usd', 'mean']:,.0f} USD, p5 {stats['nav_usd', 'p5']:,.0f} USD; insolvency "
          f"probability {stats['insolvency', 'probability']:.4f}")
    print(f"client peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
