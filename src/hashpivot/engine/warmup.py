"""Compile the engine's jitted kernels into numba's on-disk cache.

``make`` runs ``python -m hashpivot.engine.warmup`` once after installing, so that the first real run loads machine
code (under a second) instead of compiling it: about 3 minutes on two cores (2 min 53 s on 2026-12-07). Most of it
is numba's passes over the two day-loop kernels, whose inlined stages make one very large function each; the
writers of the monthly and terminal rows are compiled apart (``engine.stages._once_a_month``), which halved it
(about 5 minutes before, 4 min 52 s on the quiet VM on 2026-12-04). Compiling the two kernels in two processes at
once gains nothing: the one with the optional stages alone takes as long as both (5 min 10 s of 5 min 8 s, measured
2026-12-07 before the split). numba checks each cached kernel against its source file, so an edited kernel simply
compiles again on its next call.
"""

from __future__ import annotations

import time


def warm_up() -> float:
    """Run three tiny scenarios that reach every kernel (exogenous and endogenous hashrate, fee spikes, an AI
    lease, debt with a covenant, every array type the engine passes); return the seconds it took."""
    from hashpivot.engine.run import simulate
    from hashpivot.scenarios.toml import from_dict, load_preset

    start = time.perf_counter()
    for name in ("rm1", "default", "default+growth"):
        data = load_preset(name.split("+")[0]).model_dump(mode="python", exclude_none=True)
        data["run"].update(n_paths=2, horizon_days=400, store_paths=1)
        if name.endswith("+growth"):  # the kernel with the optional stages (engine.step.run_company_full)
            data["policy"]["retirement"] = {"retire_after_negative_days": 30}
        simulate(from_dict(data, f"warm-up {name}"), n_threads=1)
    # Debt tranches and covenants have their own kernel (engine.debt.settle_debt), reached only by a company with them.
    data["company"]["debt"] = [{"name": "note", "kind": "note", "principal_usd": 1e6, "rate_per_year": 0.05,
                                "maturity_date": "2030-01-01"}]
    data["company"]["covenants"] = [{"metric": "max_leverage", "threshold": 4.0}]
    simulate(from_dict(data, "warm-up debt"), n_threads=1)
    return time.perf_counter() - start


def main() -> None:
    print(f"hashpivot: engine kernels compiled and cached in {warm_up():.1f} s")


if __name__ == "__main__":
    main()
