"""Random streams: one independent PCG64 stream per (path, driver).

A path's numbers depend only on the seed, the path index and the driver: never on chunking, the
number of workers or the policies compared (common random numbers). Each driver has a fixed key, so
adding a driver does not shift the others (DESIGN.md section 7).

Seeding: ``SeedSequence`` costs about 15 us per stream, under the GIL; with three drivers that was
45 % of a path's time in RM1 and kept two threads from scaling. Instead, SplitMix64 (Steele, Lea &
Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the seeder of
``java.util.SplittableRandom`` and of the xoshiro family) expands (seed, path, driver) in one vectorized
pass into PCG64's 128-bit state and odd increment, and one PCG64 per thread is re-pointed at each
stream by setting its state (about 1 us). Draws are numpy's own (``Generator.standard_normal``,
``Generator.random``).
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.typing import NDArray

#: Fixed stream keys per driver; never renumber (it would change every published result).
DRIVER_KEYS: dict[str, int] = {
    "btc_price": 0,
    "network_hashrate": 1,
    "fees": 2,
    "power_price": 3,
    "gpu_rent": 4,
    "tenant": 5,
}
MAX_SEED = 2**63 - 1

_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_local = threading.local()


def _splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        z = x + _GOLDEN_GAMMA
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def stream_states(seed: int, paths: NDArray[np.int64], driver: str) -> list[tuple[int, int]]:
    """PCG64 (state, increment) of each path's stream for ``driver``, as Python ints."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed={seed} is invalid: allowed 0 <= seed <= {MAX_SEED}")
    key = _splitmix64(np.full(1, seed, dtype=np.uint64))
    key = _splitmix64(key ^ np.asarray(paths, dtype=np.uint64))
    key = _splitmix64(key ^ np.uint64(DRIVER_KEYS[driver]))
    with np.errstate(over="ignore"):
        words = [_splitmix64(key + np.uint64(i) * _GOLDEN_GAMMA).tolist() for i in range(4)]
    return [((w0 << 64) | w1, (w2 << 64) | w3 | 1) for w0, w1, w2, w3 in zip(*words, strict=True)]


def _point(bit_generator: np.random.PCG64, state: int, inc: int) -> None:
    bit_generator.state = {
        "bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0,
    }


def path_generator(seed: int, path: int, driver: str) -> np.random.Generator:
    """A new Generator on one path's stream for one driver (for tests and reference loops)."""
    bit_generator = np.random.PCG64()
    _point(bit_generator, *stream_states(seed, np.array([path]), driver)[0])
    return np.random.Generator(bit_generator)


def _thread_generator() -> tuple[np.random.PCG64, np.random.Generator]:
    if not hasattr(_local, "generator"):
        _local.bit_generator = np.random.PCG64()
        _local.generator = np.random.Generator(_local.bit_generator)
    return _local.bit_generator, _local.generator


def standard_normals(
    seed: int, first_path: int, n_paths: int, driver: str, n_per_path: int
) -> NDArray[np.float64]:
    """Standard normal draws, shape (n_paths, n_per_path), row i from path ``first_path + i``.

    Each path draws its numbers in order from the start of its own stream.
    """
    z, _ = normals_then_uniforms(seed, first_path, n_paths, driver, n_per_path, 0)
    return z


def normals_then_uniforms(
    seed: int, first_path: int, n_paths: int, driver: str, n_normals: int, n_uniforms: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per path: ``n_normals`` standard normals, then ``n_uniforms`` uniforms in [0, 1), same stream.

    Drawing the normals first keeps them identical whether or not the uniforms are used.
    """
    z = np.empty((n_paths, n_normals), dtype=np.float64)
    u = np.empty((n_paths, n_uniforms), dtype=np.float64)
    bit_generator, gen = _thread_generator()
    states = stream_states(seed, np.arange(first_path, first_path + n_paths), driver)
    for i, (state, inc) in enumerate(states):
        _point(bit_generator, state, inc)
        if n_normals:
            gen.standard_normal(out=z[i])
        if n_uniforms:
            gen.random(out=u[i])
    return z, u
