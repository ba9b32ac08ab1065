"""Work a run may take on one machine: refuse, before any work, a run whose arrays cannot fit in memory.

The engine keeps, for the whole run, per-path terminal values (``TERMINAL_COLUMNS`` and the tracked sites' totals,
x 8 B per path per policy), the monthly series of the stored paths (float32) and their AI projects' monthly flows (float64); each
thread also holds one chunk's market arrays. Building the result copies the terminal values about twice more
(the result Dataset and the derived per-path metrics), hence :data:`RESULT_COPIES`.
"""

from __future__ import annotations

import os

from hashpivot.errors import HashpivotError

#: Environment variable that sets the memory a run may use. [bytes]
MEMORY_LIMIT_ENV_VAR = "HASHPIVOT_MEMORY_LIMIT_BYTES"
#: Share of the machine's physical memory a run may use by default: the rest is the OS's, the Python heap's and
#: other programs'. [fraction]
DEFAULT_MEMORY_FRAC = 0.5
#: The engine's terminal array, the result Dataset's copy and the derived per-path metrics. [count]
RESULT_COPIES = 3
#: Market arrays of one chunk (price, hashrate, fees, difficulty, blocks, hashprice, power and GPU indices,
#: with room for the kernels' temporaries), each (chunk paths, days + 1) float64. [count]
MARKET_ARRAYS_PER_CHUNK = 16
#: Mean days per month, to count the monthly slots. [days]
DAYS_PER_MONTH = 30.4375

SCALE_OUT_HINT = "split it across a Dask cluster (--workers / --scheduler, see docs/scaling.md)"


class WorkTooLargeError(HashpivotError, ValueError):
    """A run whose arrays would not fit in the memory this machine allows (bad input: exit 2)."""


def memory_limit_bytes() -> float:
    """``$HASHPIVOT_MEMORY_LIMIT_BYTES`` if set, else half of the physical memory. [bytes]"""
    text = os.environ.get(MEMORY_LIMIT_ENV_VAR, "").strip()
    if text:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise WorkTooLargeError(f"{MEMORY_LIMIT_ENV_VAR}={text!r} is invalid: allowed a number of bytes > 0")
        return value
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a small machine
        physical = 8 * 2**30
    return DEFAULT_MEMORY_FRAC * physical


def run_bytes(n_paths: int, horizon_days: int, n_policies: int, store_paths: int, chunk_paths: int,
              n_projects: int, n_threads: int, n_terminal: int, n_monthly: int) -> float:
    """Memory a run needs at its peak: terminal values, stored monthly series and flows, chunk market arrays
    of every thread. [bytes]"""
    n_months = horizon_days / DAYS_PER_MONTH + 2
    n_store = min(store_paths, n_paths)
    terminal = n_policies * n_paths * n_terminal * 8.0 * RESULT_COPIES
    monthly = n_policies * n_store * n_months * (n_monthly * 4.0 + max(n_projects, 1) * 8.0) + 3 * n_store * n_months * 4.0
    market = n_threads * min(chunk_paths, n_paths) * (horizon_days + 1) * MARKET_ARRAYS_PER_CHUNK * 8.0
    return terminal + monthly + market


def client_bytes(scenario, n_policies: int, n_projects: int, kept: str) -> float:
    """Memory the client of a run split into tasks holds at its peak when every task is in: the merged per-path
    arrays (``TERMINAL_COLUMNS`` x :data:`RESULT_COPIES`, or ``engine.result.FINALS`` once when only the finals are
    kept) and the stored paths' monthly series; no chunk's market arrays (the workers build those). [bytes]"""
    from hashpivot.engine.result import FINALS
    from hashpivot.engine.state import MONTHLY_VARIABLES, terminal_width

    run = scenario.run
    width = terminal_width(len(scenario.company.sites), bool(scenario.company.spin_offs))
    whole = run_bytes(run.n_paths, run.horizon_days, n_policies, run.store_paths, run.chunk_paths, n_projects, 0,
                      width, len(MONTHLY_VARIABLES))
    if kept == "all":
        return whole
    terminal = n_policies * run.n_paths * width * 8.0 * RESULT_COPIES
    return whole - terminal + n_policies * run.n_paths * len(FINALS) * 8.0


def check_client_fits(scenario, n_policies: int, n_projects: int, kept: str) -> None:
    """Raise WorkTooLargeError, before any task is sent, when the client cannot hold what the run's tasks send back
    (:func:`client_bytes`), naming the need, the limit and what to do."""
    need, limit = client_bytes(scenario, n_policies, n_projects, kept), memory_limit_bytes()
    if need <= limit:
        return
    run = scenario.run
    raise WorkTooLargeError(
        f"run.n_paths={run.n_paths:,} x {n_policies} policies: the client would hold about {need / 1e9:,.1f} GB of "
        f"per-path results ({'the summary inputs only' if kept == 'finals' else 'every terminal value'}); allowed: "
        f"at most {limit / 1e9:,.1f} GB on this machine ({MEMORY_LIMIT_ENV_VAR} sets the limit): use fewer paths "
        "(--paths) or split the run into several seeds"
    )


def check_run_fits(scenario, n_policies: int, n_projects: int = 0, n_threads: int | None = None) -> None:
    """Raise WorkTooLargeError, in microseconds and before any work, when ``scenario``'s paths x days x
    policies need more memory than :func:`memory_limit_bytes`; the message names the need, the limit, the most
    paths that fit and how to go past it."""
    from hashpivot.engine.state import MONTHLY_VARIABLES, terminal_width

    run = scenario.run
    threads = n_threads or os.cpu_count() or 1
    sizes = (run.horizon_days, n_policies, run.store_paths, run.chunk_paths, n_projects, threads,
             terminal_width(len(scenario.company.sites), bool(scenario.company.spin_offs)), len(MONTHLY_VARIABLES))
    need, limit = run_bytes(run.n_paths, *sizes), memory_limit_bytes()
    if need <= limit:
        return
    fits = max(run_bytes(1, *sizes), 1.0)
    per_path = max(run_bytes(run.n_paths, *sizes) - run_bytes(run.n_paths - 1, *sizes), 1.0)
    most = max(0, int(1 + (limit - fits) // per_path))
    raise WorkTooLargeError(
        f"run.n_paths={run.n_paths:,} x {n_policies} {'policy' if n_policies == 1 else 'policies'} x "
        f"{run.horizon_days:,} days needs about "
        f"{need / 1e9:,.1f} GB of memory; allowed: at most {limit / 1e9:,.1f} GB on this machine (about "
        f"{most:,} paths; {MEMORY_LIMIT_ENV_VAR} sets the limit): use fewer paths (--paths), or {SCALE_OUT_HINT}"
    )
