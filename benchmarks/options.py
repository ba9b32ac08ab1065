"""Benchmark: the real option to convert MW to an AI lease (``hashpivot option``), end to end (two engine runs of
every path with their monthly series stored, the payoffs, and the least-squares Monte Carlo), in-process.

    python benchmarks/options.py                      # default: 200 MW, a 36-month window, 20,000 paths x 5 years
    python benchmarks/options.py --paths 2000         # a quicker look

Goal (issue 15): a real-option valuation at 20,000 paths x 5 years under 30 s on a 2-core machine. Speed lives
here, never in tests.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--mw", type=float, default=200.0)
    parser.add_argument("--window-months", type=int, default=36)
    args = parser.parse_args()

    from hashpivot import api
    from hashpivot.scenarios.variants import with_values

    sc = with_values(api.load("default"), {"run.n_paths": args.paths, "run.horizon_days": 365 * args.years},
                     "benchmark")
    api.conversion_option(with_values(sc, {"run.n_paths": 64}, "warm-up"), args.mw, args.window_months)  # compile
    start = time.perf_counter()
    option = api.conversion_option(sc, args.mw, args.window_months)
    seconds = time.perf_counter() - start
    print(f"real option: {args.mw:g} MW, {args.window_months}-month window, {args.paths:,} paths x {args.years} years:"
          f" {seconds:.1f} s (goal < 30 s); value {option.value_usd / 1e6:,.1f} M USD, converting now "
          f"{option.convert_now_usd / 1e6:,.1f} M, waiting {option.waiting_usd / 1e6:,.1f} M")


if __name__ == "__main__":
    main()
