"""The in-kernel PCG64 draws are numpy's: bit-identical to ``Generator(PCG64).standard_normal`` and
``.random`` on the same stream (numpy is the oracle), for any seed, path and driver; and to numba's own
supported Generator in nopython code, so a numba or numpy upgrade that changes either is seen."""

from __future__ import annotations

import ast
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from hashpivot.processes import ziggurat_tables
from hashpivot.processes.random import (
    _GOLDEN_GAMMA,
    DRIVER_KEYS,
    MAX_SEED,
    normals_then_uniforms,
    _splitmix64,
    path_generator,
    standard_normals,
    stream_words,
    uniforms,
)

SRC = Path(__file__).parents[1] / "src"
ZIGGURAT_NAMES = ("ki_double", "wi_double", "fi_double", "ziggurat_nor_r", "ziggurat_nor_inv_r")

# Beyond this radius numpy's ziggurat draws from its exponential tail (ziggurat_constants.h, ziggurat_nor_r).
ZIGGURAT_TAIL_R = 3.6541528853610088


def numpy_draws(seed: int, path: int, driver: str, n_normals: int, n_uniforms: int):
    gen = path_generator(seed, path, driver)
    return gen.standard_normal(n_normals), gen.random(n_uniforms)


def test_a_long_run_of_normals_matches_numpy_bit_for_bit_including_the_tail():
    """200,000 normals: every branch of the ziggurat is taken (the tail beyond r included)."""
    z, _ = normals_then_uniforms(2024, 17, 40, "btc_price", 5000, 0)
    for i in range(40):
        expected, _ = numpy_draws(2024, 17 + i, "btc_price", 5000, 0)
        np.testing.assert_array_equal(z[i], expected)
    assert np.sum(np.abs(z) > ZIGGURAT_TAIL_R) > 0  # the tail branch ran


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, MAX_SEED),
    first_path=st.integers(0, 2**40),
    driver=st.sampled_from(sorted(DRIVER_KEYS)),
    n_normals=st.integers(0, 40),
    n_uniforms=st.integers(0, 40),
)
def test_any_stream_matches_numpy(seed, first_path, driver, n_normals, n_uniforms):
    z, u = normals_then_uniforms(seed, first_path, 3, driver, n_normals, n_uniforms)
    for i in range(3):
        expected_z, expected_u = numpy_draws(seed, first_path + i, driver, n_normals, n_uniforms)
        np.testing.assert_array_equal(z[i], expected_z)
        np.testing.assert_array_equal(u[i], expected_u)


def test_uniforms_are_53_bit_doubles_in_the_unit_interval():
    _, u = normals_then_uniforms(5, 0, 4, "tenant", 0, 10_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    np.testing.assert_array_equal(u * 2.0**53, np.floor(u * 2.0**53))


def test_streams_differ_by_seed_path_and_driver_and_increments_are_odd():
    base = standard_normals(1, 0, 2, "fees", 8)
    assert not np.array_equal(base[0], base[1])
    assert not np.array_equal(base, standard_normals(2, 0, 2, "fees", 8))
    assert not np.array_equal(base, standard_normals(1, 0, 2, "btc_price", 8))
    words = stream_words(1, np.arange(1000), "fees")
    assert np.all(words[:, 3] & np.uint64(1) == 1)


def test_a_drivers_parts_are_streams_of_their_own_and_part_0_is_its_main_stream():
    """Part 0 is the stream drawn before parts existed (every earlier result's numbers); parts 1 and 2 differ from
    it, from each other and across paths, and each matches numpy on the same stream."""
    main = standard_normals(7, 3, 2, "fees", 16)
    assert np.array_equal(main, standard_normals(7, 3, 2, "fees", 16, part=0))
    first, second = uniforms(7, 3, 2, "fees", 16, part=1), uniforms(7, 3, 2, "fees", 16, part=2)
    assert not np.array_equal(first, second) and not np.array_equal(first[0], first[1])
    assert not np.array_equal(first, uniforms(7, 3, 2, "fees", 16))
    for i in range(2):
        np.testing.assert_array_equal(first[i], path_generator(7, 3 + i, "fees", part=1).random(16))
    assert np.all(stream_words(7, np.arange(100), "tenant", part=5)[:, 3] & np.uint64(1) == 1)
    with pytest.raises(ValueError, match=r"part=-1 is invalid: allowed 0 <= part < 2\*\*32"):
        uniforms(7, 0, 1, "fees", 1, part=-1)


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1])
def test_a_seed_out_of_range_names_the_allowed_range(seed):
    with pytest.raises(ValueError, match=rf"seed={seed} is invalid: allowed 0 <= seed <= {MAX_SEED}"):
        standard_normals(seed, 0, 1, "fees", 1)


def test_splitmix64_gives_the_published_reference_outputs():
    """Seed 1234567: the first five outputs listed by Rosetta Code ("Pseudo-random numbers/Splitmix64"), which
    follow Vigna's splitmix64.c. Output k mixes the state after k + 1 golden-gamma steps."""
    with np.errstate(over="ignore"):
        states = np.uint64(1234567) + np.arange(5, dtype=np.uint64) * _GOLDEN_GAMMA
    assert _splitmix64(states).tolist() == [6457827717110365317, 3203168211198807973, 9817491932198370423,
                                            4593380528125082431, 16408922859458223821]


@njit
def _numba_generator_draws(rng, n_normals, n_uniforms):
    """numba's supported path: a numpy Generator's ``standard_normal`` then ``random`` inside nopython code."""
    z = np.empty(n_normals)
    u = np.empty(n_uniforms)
    for j in range(n_normals):
        z[j] = rng.standard_normal()
    for j in range(n_uniforms):
        u[j] = rng.random()
    return z, u


def _first_difference(ours: np.ndarray, theirs: np.ndarray, what: str) -> str | None:
    """None when both arrays are equal bit for bit, else which draw differs first and how."""
    differ = np.flatnonzero(ours.view(np.uint64) != theirs.view(np.uint64))
    if not differ.size:
        return None
    j = differ[0]
    return (f"{what} #{j} (0-based, of {ours.size}) differs first, {differ.size} differ: "
            f"ours {float(ours[j])!r}, numba's {float(theirs[j])!r}")


@pytest.mark.parametrize(("seed", "first_path", "driver"), [
    (1, 0, "btc_price"), (20240420, 9_999, "network_hashrate"), (MAX_SEED, 2**40, "fees"), (0, 123, "tenant"),
])
def test_numbas_supported_generator_gives_our_draws_bit_for_bit(seed, first_path, driver):
    """200,000 normals per stream take the ziggurat's every branch (about 2,900 wedge and 50 tail entries
    expected, from ki_double), then 2,000 uniforms; numba draws them from a numpy Generator set to our stream."""
    n_normals, n_uniforms, n_paths = 200_000, 2_000, 3
    z, u = normals_then_uniforms(seed, first_path, n_paths, driver, n_normals, n_uniforms)
    assert np.sum(np.abs(z) > ziggurat_tables.ziggurat_nor_r) > 0  # the tail branch ran
    for i in range(n_paths):
        theirs_z, theirs_u = _numba_generator_draws(path_generator(seed, first_path + i, driver), n_normals,
                                                    n_uniforms)
        first = _first_difference(z[i], theirs_z, "normal") or _first_difference(u[i], theirs_u, "uniform")
        assert first is None, (
            f"numba {numba.__version__} with numpy {np.__version__}: numba's supported Generator disagrees with "
            f"hashpivot.processes.random on seed={seed}, path={first_path + i}, driver={driver!r}: {first}. "
            "numba or numpy changed its PCG64 or ziggurat; the published results depend on ours staying numpy's"
        )


def test_our_ziggurat_tables_equal_the_ones_numba_ships():
    """Our literal copy (``processes/ziggurat_tables.py``) equals numba's private one, bit for bit."""
    try:
        from numba.np.random import _constants as numbas
    except ImportError as exc:
        pytest.skip(f"numba {numba.__version__} no longer ships numba.np.random._constants ({exc}); nothing to "
                    "compare the copied tables with (the draws test still compares the numbers)")
    for name in ZIGGURAT_NAMES:
        ours, theirs = np.asarray(getattr(ziggurat_tables, name)), np.asarray(getattr(numbas, name, np.nan))
        same = ours.dtype == theirs.dtype and ours.shape == theirs.shape and ours.tobytes() == theirs.tobytes()
        assert same, (f"numba {numba.__version__} (numpy {np.__version__}): {name} differs from our copy in "
                      "hashpivot/processes/ziggurat_tables.py (numpy's ziggurat_constants.h)")
    assert ziggurat_tables.ki_double.shape == ziggurat_tables.wi_double.shape == ziggurat_tables.fi_double.shape
    assert ziggurat_tables.ki_double.shape == (256,)


def test_no_module_imports_numbas_private_random_internals():
    """``numba.np.random`` is private to numba: the library keeps its own copy of what it needs."""
    importers = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name == "numba.np" or name.startswith("numba.np.") for name in names):
                importers.append(str(path.relative_to(SRC)))
    assert not importers, f"modules importing numba.np: {importers}"
