"""Random streams: one independent PCG64 stream per (path, driver).

A path's numbers depend only on the seed, the path index and the driver: never on chunking, the
number of workers or the policies compared (common random numbers). Each driver has a fixed key, so
adding a driver does not shift the others (DESIGN.md section 7). A driver that needs several arrays of
numbers (fees: the day's normal and its spike uniform; a regime price: diffusion, jump sizes, switches, jump
days, the start state; tenant defaults and renewals: one array per project) draws each from a part of its own
(``part`` 1, 2, ...; part 0 is the driver's main stream), each in day order, so day ``t``'s numbers are the
same whatever the horizon: a 5-year run's paths are the first 5 years of the 10-year run's.

Seeding: ``SeedSequence`` costs about 15 us per stream, under the GIL; with three drivers that was
45 % of a path's time in RM1 and kept two threads from scaling. Instead, SplitMix64 (Steele, Lea &
Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the seeder of
``java.util.SplittableRandom`` and of the xoshiro family) expands (seed, path, driver) in one vectorized
pass into PCG64's 128-bit state and odd increment.

Drawing: the numbers are exactly numpy's ``Generator(PCG64)`` ones, ``standard_normal`` (numpy's
256-layer ziggurat) and ``random`` (53-bit doubles), but drawn inside one jitted loop over a chunk's
streams, with the PCG64 step (a 128-bit multiply) and the ziggurat inlined. numpy stays the oracle:
``path_generator`` returns a real numpy ``Generator`` on the same stream, and the tests check that both
give bit-identical numbers, and that numba's own Generator support does too.

The ziggurat tables come from ``hashpivot.processes.ziggurat_tables``: our literal copy of numpy's
``numpy/random/src/distributions/ziggurat_constants.h`` (its docstring says how it was made and checked),
not numba's private ``numba.np.random._constants``, which a numba upgrade may move or drop. What the
jitted code uses of numba and llvmlite is public API: ``numba.njit``, ``numba.types``,
``numba.extending.intrinsic`` (numba's documented low-level extension API) and llvmlite's IR builder
``llvmlite.ir``. One call is not in numba's documented API: ``context.make_tuple`` in the intrinsic's
codegen, the target context's tuple builder, used rather than an LLVM struct built here because numba's
data model decides how a tuple is laid out; a numba without it would fail every test here at the first
compile, not give other numbers.

Why not numba's supported path (numpy ``Generator`` objects passed to an ``@njit`` function that calls
``rng.standard_normal()`` and ``rng.random()`` in nopython code)? It gives the same numbers, but every
stream needs a Python-level step under the GIL: numpy's state setter re-points a Generator at the stream
(about 2 us), and a jitted call that unboxes a Generator costs about 10 us more; each draw is an indirect
call into numpy's C PCG64 (3.8-4.6 ns a normal against 3.3-3.5 here). ``benchmarks/random_streams.py``
measured on the shared 2-core machine (numba 0.68.1, numpy 2.4.6), per stream 11-19 us with one Generator
and one jitted call per stream against 0.02 us here, and RM1 at 100,000 paths x 3,650 days (3 streams a
path: 300,000 streams of 3,650 normals) end to end: 1.54x our wall time (1.37-1.39x the CPU time); the
cheapest supported variant found, a typed List of Generators per thread re-pointed in place and one jitted
call per chunk (1.9-2.5 us a stream), 1.04-1.09x our wall time and 1.07-1.09x the CPU time, over the
5 % issue 11 allowed.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic
from numpy.typing import NDArray

from hashpivot.processes.ziggurat_tables import fi_double, ki_double, wi_double, ziggurat_nor_inv_r, ziggurat_nor_r

#: Fixed stream keys per driver; never renumber (it would change every published result).
DRIVER_KEYS: dict[str, int] = {
    "btc_price": 0,
    "network_hashrate": 1,
    "fees": 2,
    "power_price": 3,
    "gpu_rent": 4,
    "tenant": 5,
    "renewal": 6,
}
MAX_SEED = 2**63 - 1

_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)

# PCG64 (O'Neill 2014, XSL-RR 128/64 as numpy implements it): the 128-bit LCG multiplier.
_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
_MASK52 = np.uint64(0x000FFFFFFFFFFFFF)
_U1, _U8, _U11, _U58, _U63, _U64 = (np.uint64(k) for k in (1, 8, 11, 58, 63, 64))
_U255 = np.uint64(0xFF)
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2^-53, numpy's next_double


def _splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        z = x + _GOLDEN_GAMMA
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def stream_words(seed: int, paths: NDArray[np.int64], driver: str, part: int = 0) -> NDArray[np.uint64]:
    """PCG64 state of each path's stream for ``driver`` (and its ``part``: 0 the main stream, k >= 1 the k-th
    array of a driver that draws several) as words (state high, state low, increment high, increment low); shape
    (paths, 4). The increment is odd, as PCG requires."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed={seed} is invalid: allowed 0 <= seed <= {MAX_SEED}")
    if not 0 <= part < 2**32:
        raise ValueError(f"part={part} is invalid: allowed 0 <= part < 2**32")
    key = _splitmix64(np.full(1, seed, dtype=np.uint64))
    key = _splitmix64(key ^ np.asarray(paths, dtype=np.uint64))
    key = _splitmix64(key ^ np.uint64(DRIVER_KEYS[driver]))
    if part:  # part 0 keeps the stream every result before parts was drawn from
        key = _splitmix64(key ^ (np.uint64(part) << np.uint64(32)))
    with np.errstate(over="ignore"):
        words = np.stack([_splitmix64(key + np.uint64(i) * _GOLDEN_GAMMA) for i in range(4)], axis=1)
    words[:, 3] |= _U1
    return words


def stream_states(seed: int, paths: NDArray[np.int64], driver: str, part: int = 0) -> list[tuple[int, int]]:
    """PCG64 (state, increment) of each path's stream for ``driver`` (and ``part``), as Python ints."""
    return [((w0 << 64) | w1, (w2 << 64) | w3)
            for w0, w1, w2, w3 in stream_words(seed, paths, driver, part).tolist()]


def path_generator(seed: int, path: int, driver: str, part: int = 0) -> np.random.Generator:
    """A numpy Generator on one path's stream for one driver and part (for tests and reference loops)."""
    bit_generator = np.random.PCG64()
    state, inc = stream_states(seed, np.array([path]), driver, part)[0]
    bit_generator.state = {
        "bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0,
    }
    return np.random.Generator(bit_generator)


@intrinsic
def _lcg128(typingctx, hi, lo, inc_hi, inc_lo):
    """PCG64's state step in LLVM's 128-bit integers: (hi, lo) <- (hi, lo) x multiplier + (inc_hi, inc_lo)
    mod 2^128 (one hardware multiply-high instead of a four-part 64-bit emulation)."""
    sig = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64, types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        i64, i128 = ir.IntType(64), ir.IntType(128)

        def join(high, low):
            return builder.or_(builder.shl(builder.zext(high, i128), ir.Constant(i128, 64)), builder.zext(low, i128))

        new = builder.add(builder.mul(join(args[0], args[1]), ir.Constant(i128, _MULTIPLIER)), join(args[2], args[3]))
        high = builder.trunc(builder.lshr(new, ir.Constant(i128, 64)), i64)
        return context.make_tuple(builder, signature.return_type, (high, builder.trunc(new, i64)))

    return sig, codegen


@njit(inline="always")
def _next_uint64(hi, lo, inc_hi, inc_lo):
    """One PCG64 step, then the XSL-RR output of the new state. Returns (output, new high, new low)."""
    hi, lo = _lcg128(hi, lo, inc_hi, inc_lo)
    x = hi ^ lo
    rot = hi >> _U58
    return (x >> rot) | (x << ((_U64 - rot) & _U63)), hi, lo


@njit(inline="always")
def _next_double(hi, lo, inc_hi, inc_lo):
    r, hi, lo = _next_uint64(hi, lo, inc_hi, inc_lo)
    return (r >> _U11) * _TO_DOUBLE, hi, lo


@njit(inline="always")
def _standard_normal(hi, lo, inc_hi, inc_lo):
    """numpy's ``random_standard_normal`` (256-layer ziggurat). Returns (z, new high, new low)."""
    while True:
        r, hi, lo = _next_uint64(hi, lo, inc_hi, inc_lo)
        idx = np.intp(r & _U255)
        r >>= _U8
        rabs = (r >> _U1) & _MASK52
        x = rabs * wi_double[idx]
        if r & _U1:
            x = -x
        if rabs < ki_double[idx]:
            return x, hi, lo
        if idx == 0:
            while True:
                d1, hi, lo = _next_double(hi, lo, inc_hi, inc_lo)
                d2, hi, lo = _next_double(hi, lo, inc_hi, inc_lo)
                xx = -ziggurat_nor_inv_r * np.log1p(-d1)
                yy = -np.log1p(-d2)
                if yy + yy > xx * xx:
                    if (rabs >> _U8) & _U1:
                        return -(ziggurat_nor_r + xx), hi, lo
                    return ziggurat_nor_r + xx, hi, lo
        else:
            d, hi, lo = _next_double(hi, lo, inc_hi, inc_lo)
            if (fi_double[idx - 1] - fi_double[idx]) * d + fi_double[idx] < np.exp(-0.5 * x * x):
                return x, hi, lo


@njit(cache=True, nogil=True)
def _fill(words: NDArray[np.uint64], z: NDArray[np.float64], u: NDArray[np.float64]) -> None:
    for i in range(words.shape[0]):
        hi, lo, inc_hi, inc_lo = words[i, 0], words[i, 1], words[i, 2], words[i, 3]
        for j in range(z.shape[1]):
            z[i, j], hi, lo = _standard_normal(hi, lo, inc_hi, inc_lo)
        for j in range(u.shape[1]):
            u[i, j], hi, lo = _next_double(hi, lo, inc_hi, inc_lo)


def standard_normals(
    seed: int, first_path: int, n_paths: int, driver: str, n_per_path: int, part: int = 0
) -> NDArray[np.float64]:
    """Standard normal draws, shape (n_paths, n_per_path), row i from path ``first_path + i``.

    Each path draws its numbers in order from the start of its own stream (of ``driver``'s ``part``).
    """
    z, _ = normals_then_uniforms(seed, first_path, n_paths, driver, n_per_path, 0, part)
    return z


def uniforms(
    seed: int, first_path: int, n_paths: int, driver: str, n_per_path: int, part: int = 0
) -> NDArray[np.float64]:
    """Uniform draws in [0, 1), shape (n_paths, n_per_path), row i from path ``first_path + i``, in order from the
    start of its stream (of ``driver``'s ``part``)."""
    _, u = normals_then_uniforms(seed, first_path, n_paths, driver, 0, n_per_path, part)
    return u


def uniforms_by_part(
    seed: int, first_path: int, n_paths: int, driver: str, n_per_path: int, n_parts: int
) -> NDArray[np.float64]:
    """``uniforms`` of parts ``0 .. n_parts - 1`` of ``driver``'s streams side by side, shape (n_paths, n_parts,
    n_per_path): one array per project (tenant defaults, renewals), each from a part of its own."""
    return np.stack([uniforms(seed, first_path, n_paths, driver, n_per_path, part=k) for k in range(n_parts)],
                    axis=1)


def normals_then_uniforms(
    seed: int, first_path: int, n_paths: int, driver: str, n_normals: int, n_uniforms: int, part: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per path: ``n_normals`` standard normals, then ``n_uniforms`` uniforms in [0, 1), same stream
    (numpy's ``standard_normal`` then ``random`` on ``path_generator``; ``part`` as in ``stream_words``).

    Drawing the normals first keeps them identical whether or not the uniforms are used; the uniforms' place in
    the stream moves with ``n_normals``, so numbers of a day that must not move with the horizon come from a
    part of their own.
    """
    z = np.empty((n_paths, n_normals), dtype=np.float64)
    u = np.empty((n_paths, n_uniforms), dtype=np.float64)
    _fill(stream_words(seed, np.arange(first_path, first_path + n_paths), driver, part), z, u)
    return z, u
