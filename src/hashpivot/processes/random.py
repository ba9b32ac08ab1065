"""Random streams: one independent stream per (path, driver).

Every path owns its streams, seeded from ``SeedSequence(seed, spawn_key=(path, driver_key))``, so a
path's numbers depend only on the seed and its index: never on chunking, the number of workers or the
policies compared (common random numbers). Each driver has a fixed key, so adding a driver does not
shift the others (DESIGN.md section 7).
"""

from __future__ import annotations

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


def path_generator(seed: int, path: int, driver: str) -> np.random.Generator:
    """Generator of one path's stream for one driver."""
    key = DRIVER_KEYS[driver]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(path, key))))


def standard_normals(
    seed: int, first_path: int, n_paths: int, driver: str, n_per_path: int
) -> NDArray[np.float64]:
    """Standard normal draws, shape (n_paths, n_per_path), row i from path ``first_path + i``.

    Each path draws its numbers in order from the start of its own stream.
    """
    out = np.empty((n_paths, n_per_path), dtype=np.float64)
    for i in range(n_paths):
        path_generator(seed, first_path + i, driver).standard_normal(out=out[i])
    return out


def normals_then_uniforms(
    seed: int, first_path: int, n_paths: int, driver: str, n_normals: int, n_uniforms: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per path: ``n_normals`` standard normals, then ``n_uniforms`` uniforms in [0, 1), same stream.

    Drawing the normals first keeps them identical whether or not the uniforms are used.
    """
    z = np.empty((n_paths, n_normals), dtype=np.float64)
    u = np.empty((n_paths, n_uniforms), dtype=np.float64)
    for i in range(n_paths):
        gen = path_generator(seed, first_path + i, driver)
        gen.standard_normal(out=z[i])
        if n_uniforms:
            gen.random(out=u[i])
    return z, u
