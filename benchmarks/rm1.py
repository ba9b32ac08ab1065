"""Benchmark: RM1 throughput (path-days per second) and peak memory.

    python benchmarks/rm1.py --paths 100000 --days 3650
    python benchmarks/rm1.py --scenario benchmarks/capacity.toml --paths 20000   # three sites, lease, GPU cloud
    python benchmarks/rm1.py --preset default --paths 10000 --main-only          # the dashboard's one-policy run
    python benchmarks/rm1.py --preset default --paths 10000 --main-only --growth # + a growth policy and retirement

Prints the import + first-run time (includes numba compilation or cache load), the warm run time and
throughput, and the process's peak resident memory. Speed lives here, never in tests.
"""

from __future__ import annotations

import argparse
import resource
import time

T0 = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--chunk", type=int, default=None, help="paths per chunk (default: the scenario's)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--preset", default="rm1")
    parser.add_argument("--scenario", default=None, help="a scenario TOML file instead of a preset")
    parser.add_argument("--warm-runs", type=int, default=1, help="timed runs after the first")
    parser.add_argument("--main-only", action="store_true", help="only the scenario's main treasury policy "
                        "(what the dashboard runs for one policy)")
    parser.add_argument("--growth", action="store_true", help="add a 300 MW site (economic shutdown), a scheduled "
                        "addition, a buy_toward_target growth policy on it and retirement after 30 days of losses")
    args = parser.parse_args()

    from hashpivot.engine.run import simulate
    from hashpivot.scenarios.toml import from_dict, load_preset, load_scenario

    base = load_scenario(args.scenario) if args.scenario else load_preset(args.preset)
    data = base.model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=args.paths, horizon_days=args.days)
    if args.chunk:
        data["run"]["chunk_paths"] = args.chunk
    if args.growth:
        _add_growth(data)
    scenario = from_dict(data, f"benchmark {base.name}")
    policies = scenario.treasury_policies()[:1] if args.main_only else scenario.treasury_policies()
    n_pol = len(policies)
    t = time.perf_counter()
    simulate(scenario, policies, n_threads=args.threads)
    first = time.perf_counter() - t
    whole = time.perf_counter() - T0
    from hashpivot.engine.market import chain_kernel
    from hashpivot.engine.step import run_company, run_company_full

    compiled = sum(sum(k.stats.cache_misses.values()) for k in (chain_kernel, run_company, run_company_full))
    best = float("inf")
    for _ in range(args.warm_runs):
        t = time.perf_counter()
        simulate(scenario, policies, n_threads=args.threads)
        best = min(best, time.perf_counter() - t)
    path_days = args.paths * args.days
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scenario={base.name} paths={args.paths} days={args.days} chunk={scenario.run.chunk_paths} policies={n_pol}")
    origin = "compiled in this process" if compiled else "loaded from numba's cache (python -m hashpivot.engine.warmup)"
    print(f"first run (incl. compile/cache load): {first:.2f} s; process to end of first run: {whole:.2f} s; "
          f"kernels {origin}")
    if args.warm_runs:
        print(f"warm run: {best:.2f} s = {path_days / best / 1e6:.1f} million path-days/s "
              f"({path_days * n_pol / best / 1e6:.1f} million policy-path-days/s)")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


def _add_growth(data: dict) -> None:
    """A 300 MW site at the first site's power price with economic shutdown, 2 EH/s of 15 J/TH units ordered 180
    days in at 15 USD/TH, a growth policy buying toward twice the installed hashrate on it (18-month payback, 2 EH/s
    a month at most) and retirement after 30 days of negative margin: the growth machinery on every day."""
    import datetime as dt

    company = data["company"]
    first = company["sites"][0]
    company["sites"].append({"name": "growth_site", "power_mw": 300.0, "curtailable_frac": 1.0,
                             "power_price_usd_per_mwh": first["power_price_usd_per_mwh"]})
    start = data["run"]["start_date"]
    company["fleet_additions"] = [{"name": "batch", "on_date": start + dt.timedelta(days=180), "site": "growth_site",
                                   "hashrate_ehs": 2.0, "efficiency_j_per_th": 15.0, "price_usd_per_th": 15.0}]
    installed = sum(f["hashrate_ehs"] for f in company["fleets"]) + 2.0
    data["policy"]["growth"] = {"kind": "buy_toward_target", "site": "growth_site", "target_ehs": 2 * installed,
                                "efficiency_j_per_th": 15.0, "price_usd_per_th": 15.0, "payback_months": 18.0,
                                "check_every_days": 30, "max_ehs_per_check": 2.0}
    data["policy"]["retirement"] = {"retire_after_negative_days": 30}


if __name__ == "__main__":
    main()
