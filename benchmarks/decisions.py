"""Benchmark: the decision tools at the sizes of issue 15's speed goals, each timed end to end (the sweep and the
analysis), in-process.

    python benchmarks/decisions.py                    # tornado: 12 inputs of `default`, 5,000 paths x 10 years;
                                                      # optimisation: 30 candidates x 2,000 paths x 10 years
    python benchmarks/decisions.py --paths 1000 --optimize-paths 500    # a quicker look

Goals (issue 15): the tornado under 60 s and the optimisation under 60 s on a 2-core machine. The tornado moves 12
inputs of the default scenario -/+ 20 % (25 variants); the optimisation searches the MW leased to an AI tenant
(ai_pivot's 200 MW Core Scientific-style lease made the main plan: 50 to 300 MW by 50) and the treasury policy (5
kinds), a grid of 30 candidates. Speed lives here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import time

#: The 12 inputs of the tornado: the market's drivers, the site, the fleet and the balance sheet.
TORNADO_INPUTS = (
    "market.btc_price.start_usd", "market.btc_price.drift_per_day", "market.btc_price.vol_per_sqrt_day",
    "market.network_hashrate.start_ehs", "market.network_hashrate.response_per_day",
    "market.network_hashrate.vol_per_sqrt_day", "market.fees.median_btc_per_block",
    "company.sites.texas.power_price_usd_per_mwh", "company.fleets.s21.uptime_frac", "company.fleets.s21.pool_fee_frac",
    "company.btc_held", "company.fixed_opex_usd_per_day",
)
TREASURY_KINDS = ("sell_all", "hold_all", "sell_fraction", "sell_to_cover_costs", "min_cash_runway")


def lease_scenario(n_paths: int):
    """ai_pivot with its 200 MW lease as the main capacity plan and nothing compared."""
    from hashpivot import api
    from hashpivot.scenarios.toml import from_dict

    data = api.load("ai_pivot", n_paths=n_paths).model_dump(mode="python")
    data["policy"]["capacity"] = data["compare_capacity"][0]
    data["compare_capacity"], data["compare"] = [], []
    return from_dict(data, "benchmark: ai_pivot with its lease as the main plan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=5000, help="paths of the tornado")
    parser.add_argument("--optimize-paths", type=int, default=2000, help="paths of each optimisation candidate")
    args = parser.parse_args()

    from hashpivot import api
    from hashpivot.analysis.optimize import Decision, grid_decision

    print(f"machine: {os.cpu_count()} CPUs (shared with other work: the figures are upper bounds)")
    api.run("default", n_paths=8)  # load the kernels from numba's cache first

    t = time.perf_counter()
    tables, ranges, _, sweep = api.sensitivity("default", inputs=dict.fromkeys(TORNADO_INPUTS), n_paths=args.paths)
    tornado_s = time.perf_counter() - t
    print(f"tornado: {len(ranges)} inputs, {sweep.n_variants} variants x {args.paths:,} paths x 3,650 days: "
          f"{tornado_s:.1f} s (goal < 60 s)")
    top = tables[0].table.iloc[0]
    print(f"  largest swing: {top['input']} {top['swing']:,.0f} +- {top['swing_se']:,.0f} USD of NAV mean")

    scenario = lease_scenario(args.optimize_paths)
    decisions = [grid_decision("policy.capacity.mw", 50, 300, 50), Decision("policy.treasury.kind", TREASURY_KINDS)]
    t = time.perf_counter()
    answer = api.optimize(scenario, decisions=decisions, objective="nav_usd:mean",
                          constraints=["insolvency:probability<=0.05"], budget=30)
    optimize_s = time.perf_counter() - t
    print(f"optimisation: 2 decisions, {len(answer.table)} candidates ({answer.method}) x {args.optimize_paths:,} "
          f"paths x 3,650 days: {optimize_s:.1f} s (goal < 60 s)")
    for line in answer.lines():
        print(f"  {line}")


if __name__ == "__main__":
    main()
