"""Benchmark: one sweep in-process and on a 2-worker dask.distributed LocalCluster, and their ratio.

    python benchmarks/sweep.py                               # 24 variants x 10,000 paths x 10 years of `default`
    python benchmarks/sweep.py --variants 6 --paths 2000     # a quicker look

The sweep: 6 power prices x 4 treasury policies of the default scenario, each variant its main capacity plan and
the policy of its axis, on the same random numbers. Both runs must give the same summary (checked here); the
figures are wall times of the sweep itself (the cluster's start-up is printed apart). Speed lives here, never in
tests.
"""

from __future__ import annotations

import argparse
import resource
import time


def _warm_up() -> None:
    """On a worker: one tiny run, so that its process has loaded the engine's kernels from numba's cache."""
    from hashpivot import api

    api.run("default", n_paths=2, policies=["sell_all", "hold_all", "sell_above_average", "min_cash_runway"])


def _nothing(i: int) -> int:
    """A task that does no work: what the scheduler costs per task."""
    return i


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=24, choices=[4, 6, 12, 24])
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--empty-tasks", type=int, default=5000,
                        help="empty tasks timed on the cluster, for the scheduler's cost per task (0: skip)")
    args = parser.parse_args()

    from hashpivot import api
    from hashpivot.parallel.executor import connect
    from hashpivot.scenarios.variants import replace

    kinds = ["sell_all", "hold_all", "sell_above_average", "min_cash_runway"][: max(1, args.variants // 6)]
    prices = [30.0, 35.0, 40.0, 45.0, 50.0, 55.0][: args.variants // len(kinds)]
    base = replace(api.load("default", n_paths=args.paths), "run.horizon_days", args.days)
    axes = {"company.sites.texas.power_price_usd_per_mwh": prices, "policy.treasury.kind": kinds}
    n = len(prices) * len(kinds)
    print(f"sweep of default: {n} variants x {args.paths:,} paths x {args.days:,} days "
          f"({n * args.paths * args.days / 1e9:.2f} billion path-days)")

    api.sweep(replace(base, "run.n_paths", 64), axes=axes)  # load the kernels from numba's cache first
    t = time.perf_counter()
    local = api.sweep(base, axes=axes)
    in_process = time.perf_counter() - t
    print(f"in-process (the engine's thread pool): {in_process:.1f} s")

    t = time.perf_counter()
    with connect(workers=args.workers) as client:
        started = time.perf_counter() - t
        client.run(_warm_up)  # each worker loads the kernels from numba's cache before the clock starts
        t = time.perf_counter()
        remote = api.sweep(base, axes=axes, client=client)
        on_cluster = time.perf_counter() - t
        if args.empty_tasks:
            from dask.distributed import as_completed

            t = time.perf_counter()
            for future in as_completed(client.map(_nothing, range(args.empty_tasks), pure=False)):
                future.result()
            empty = time.perf_counter() - t
    print(f"LocalCluster of {args.workers} worker processes: {on_cluster:.1f} s (cluster start-up {started:.1f} s)")
    print(f"ratio cluster / in-process: {on_cluster / in_process:.3f} (overhead {100 * (on_cluster / in_process - 1):+.1f} %)")
    print(f"same summary: {remote.summary.equals(local.summary)}")
    if args.empty_tasks:
        print(f"{args.empty_tasks:,} empty tasks submitted and gathered one by one: {empty:.1f} s = "
              f"{args.empty_tasks / empty:,.0f} tasks/s ({1e3 * empty / args.empty_tasks:.2f} ms per task)")
    print(f"client peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
