"""Benchmark: our in-kernel PCG64 streams against numba's supported ``np.random.Generator`` path.

    python benchmarks/random_streams.py                      # micro-benchmark: per stream and per draw
    python benchmarks/random_streams.py --rm1 --paths 100000 # plus RM1 end to end with each drawing path

"Ours" is ``hashpivot.processes.random._fill``: one jitted call per chunk walks every stream of the chunk
with the PCG64 step and numpy's ziggurat inlined. "Supported" is the prototype issue 11 asks to measure
(numba's documented Generator support in nopython code): per stream, a numpy ``Generator(PCG64)`` is set to
the stream's state (from ``stream_words``) and passed to an ``@njit`` function that calls
``rng.standard_normal()`` then ``rng.random()`` in a loop. A second supported variant amortizes numba's
dispatch: per thread, a numba typed List of Generators built once, re-pointed per stream, one jitted call
per chunk. The prototypes live only here; all give bit-identical numbers (checked before timing, and RM1's
summaries compared).

Per-stream and per-draw costs are fitted from two timings over the same streams (1 and ``--draws`` normals
per stream): per stream = the 1-draw time less one draw, per draw = the difference over the extra draws.
RM1 (gbm price, lognormal hashrate, lognormal fees without spikes; no tenant hazard, flat power and GPU
rents) draws 3 streams per path of ``horizon_days`` normals each, no uniforms. Timings are the best of
``--repeats``; the machine is shared, so compare the lines of one run, not runs of different minutes. RM1
also prints the process's CPU time (all threads), less sensitive than wall time to other people's load.
"""

from __future__ import annotations

import argparse
import threading
import time

import numpy as np
from numba import njit
from numba.typed import List

from hashpivot.processes import random as streams

RM1_DRIVERS = ("btc_price", "network_hashrate", "fees")


@njit(nogil=True)
def _draw_with_generator(rng, z_row, u_row):
    """Numba's supported path: the Generator's own ``standard_normal`` and ``random`` in nopython code."""
    for j in range(z_row.shape[0]):
        z_row[j] = rng.standard_normal()
    for j in range(u_row.shape[0]):
        u_row[j] = rng.random()


@njit(nogil=True)
def _draw_with_generators(rngs, z, u):
    """The same over a chunk: stream i from ``rngs[i]`` (a numba typed List of Generators)."""
    for i in range(z.shape[0]):
        rng = rngs[i]
        for j in range(z.shape[1]):
            z[i, j] = rng.standard_normal()
        for j in range(u.shape[1]):
            u[i, j] = rng.random()


def _point(bit_generator: np.random.PCG64, w0: int, w1: int, w2: int, w3: int) -> None:
    """Set a numpy PCG64 to one stream's state (numpy's public state setter, as ``path_generator`` does)."""
    bit_generator.state = {"bit_generator": "PCG64", "state": {"state": (w0 << 64) | w1, "inc": (w2 << 64) | w3},
                           "has_uint32": 0, "uinteger": 0}


def fill_per_stream(words, z, u) -> None:
    """Drop-in for ``streams._fill``: one numpy Generator, re-pointed at each stream, one jitted call per stream
    (what issue 11 describes)."""
    bit_generator = np.random.PCG64()
    rng = np.random.Generator(bit_generator)
    for i, w in enumerate(words.tolist()):
        _point(bit_generator, *w)
        _draw_with_generator(rng, z[i], u[i])


_POOL = threading.local()


def fill_pooled(words, z, u) -> None:
    """Drop-in for ``streams._fill``, the cheapest supported variant found: each thread keeps a numba typed List
    of Generators (built once: building one costs about as much as a call per stream), re-points one per stream
    in place (numba's Generator holds the address of numpy's state, which the setter overwrites) and draws the
    whole chunk in one jitted call."""
    pool = getattr(_POOL, "rngs", None)
    if pool is None or len(pool[0]) < words.shape[0]:
        bit_generators = [np.random.PCG64() for _ in range(max(words.shape[0], 64))]
        pool = _POOL.rngs = (bit_generators, List([np.random.Generator(b) for b in bit_generators]))
    bit_generators, rngs = pool
    for bit_generator, w in zip(bit_generators, words.tolist()):
        _point(bit_generator, *w)
    _draw_with_generators(rngs, z, u)


FILLS = {
    "ours (_fill, one jitted call per chunk)": streams._fill,
    "supported, a Generator re-pointed and one @njit call per stream": fill_per_stream,
    "supported, per thread a typed List of Generators re-pointed, one @njit call per chunk": fill_pooled,
}


def _time_fill(fill, words_per_chunk, n_normals: int, repeats: int) -> float:
    """Best wall time [s] to fill every chunk's streams with ``n_normals`` normals each."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for words in words_per_chunk:
            z = np.empty((words.shape[0], n_normals))
            fill(words, z, np.empty((words.shape[0], 0)))
        best = min(best, time.perf_counter() - t)
    return best


def _check_identical(seed: int) -> None:
    words = streams.stream_words(seed, np.arange(8), "btc_price")
    ours_z, ours_u = np.empty((8, 500)), np.empty((8, 50))
    streams._fill(words, ours_z, ours_u)
    for fill in FILLS.values():
        z, u = np.empty((8, 500)), np.empty((8, 50))
        fill(words, z, u)
        np.testing.assert_array_equal(z, ours_z)
        np.testing.assert_array_equal(u, ours_u)


def _repoint_us(words_per_chunk, repeats: int) -> float:
    """Best cost [us] per stream of numpy's state setter alone."""
    bit_generator = np.random.PCG64()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for words in words_per_chunk:
            for w in words.tolist():
                _point(bit_generator, *w)
        best = min(best, time.perf_counter() - t)
    return best / sum(w.shape[0] for w in words_per_chunk) * 1e6


def micro(n_streams: int, n_draws: int, chunk_streams: int, repeats: int, seed: int, rm1_paths: int) -> None:
    """Per-stream and per-draw cost of each path, one thread, and the drawing time [s] they imply for RM1's
    streams (``len(RM1_DRIVERS)`` per path, ``n_draws`` normals each)."""
    _check_identical(seed)
    words_per_chunk = [streams.stream_words(seed, np.arange(s, min(s + chunk_streams, n_streams)), "btc_price")
                       for s in range(0, n_streams, chunk_streams)]
    print(f"streams={n_streams:,} draws per stream={n_draws} chunk={chunk_streams} streams, one thread, "
          f"best of {repeats}")
    for name, fill in FILLS.items():
        t_one = _time_fill(fill, words_per_chunk, 1, repeats)
        t_all = _time_fill(fill, words_per_chunk, n_draws, repeats)
        per_draw_ns = (t_all - t_one) / (n_streams * (n_draws - 1)) * 1e9
        per_stream_us = t_one / n_streams * 1e6 - per_draw_ns / 1e3
        rm1_streams = len(RM1_DRIVERS) * rm1_paths
        rm1_s = rm1_streams * (per_stream_us * 1e-6 + n_draws * per_draw_ns * 1e-9)
        print(f"  {name}:\n    {per_stream_us:.2f} us per stream + {per_draw_ns:.2f} ns per normal; "
              f"{n_streams:,} x {n_draws} normals: {t_all:.2f} s; RM1's {rm1_streams:,} streams extrapolated: "
              f"{rm1_s:.2f} s of one thread")
    print(f"  of which numpy's state setter alone: {_repoint_us(words_per_chunk, repeats):.2f} us per stream")


def rm1(n_paths: int, n_days: int, repeats: int, variants: tuple[str, ...] = ("per_stream", "pooled")) -> None:
    """RM1 end to end (``engine.run.simulate``, default threads) with ours and with each supported variant
    swapped in for ``_fill``, alternating, each timed warm (the first run of each compiles)."""
    import pandas as pd

    from hashpivot.engine.run import simulate
    from hashpivot.scenarios.toml import from_dict, load_preset

    data = load_preset("rm1").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=n_paths, horizon_days=n_days)
    scenario = from_dict(data, "benchmark rm1")
    ours = streams._fill
    supported = {"per_stream": ("supported per stream", fill_per_stream), "pooled": ("supported pooled", fill_pooled)}
    fills = {"ours": ours, **dict(supported[v] for v in variants)}
    best = dict.fromkeys(fills, float("inf"))
    best_cpu = dict.fromkeys(fills, float("inf"))
    results = {}
    try:
        for name, fill in fills.items():  # warm-up: compile each, keep its result to compare
            streams._fill = fill
            results[name] = simulate(scenario).summary
        for _ in range(repeats):
            for name, fill in fills.items():
                streams._fill = fill
                t, cpu = time.perf_counter(), time.process_time()
                simulate(scenario)
                best[name] = min(best[name], time.perf_counter() - t)
                best_cpu[name] = min(best_cpu[name], time.process_time() - cpu)
    finally:
        streams._fill = ours
    for name in fills:
        pd.testing.assert_frame_equal(results[name], results["ours"], check_exact=True)
    path_days = n_paths * n_days
    print(f"RM1 paths={n_paths:,} days={n_days} ({3 * n_paths:,} streams of {n_days} normals), best of {repeats}:")
    for name, seconds in best.items():
        print(f"  {name}: {seconds:.2f} s = {path_days / seconds / 1e6:.1f} million path-days/s "
              f"({seconds / best['ours']:.2f}x ours); CPU of all threads {best_cpu[name]:.2f} s "
              f"({best_cpu[name] / best_cpu['ours']:.2f}x ours)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=30_000, help="streams in the micro-benchmark")
    parser.add_argument("--draws", type=int, default=3650, help="normals per stream (RM1: horizon_days)")
    parser.add_argument("--chunk", type=int, default=64, help="streams per jitted call of ours (RM1's chunk_paths)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rm1", action="store_true", help="also time RM1 end to end with each path")
    parser.add_argument("--paths", type=int, default=100_000, help="RM1 paths (extrapolated, and run with --rm1)")
    parser.add_argument("--days", type=int, default=3650, help="RM1 days (with --rm1)")
    parser.add_argument("--variants", nargs="+", choices=("per_stream", "pooled"), default=("per_stream", "pooled"),
                        help="supported variants timed against ours in RM1")
    parser.add_argument("--skip-micro", action="store_true", help="only RM1 (with --rm1)")
    args = parser.parse_args()
    if not args.skip_micro:
        micro(args.streams, args.draws, args.chunk, args.repeats, args.seed, args.paths)
    if args.rm1:
        rm1(args.paths, args.days, args.repeats, tuple(args.variants))


if __name__ == "__main__":
    main()
