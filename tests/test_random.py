"""The in-kernel PCG64 draws are numpy's: bit-identical to ``Generator(PCG64).standard_normal`` and
``.random`` on the same stream (numpy is the oracle), for any seed, path and driver."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashpivot.processes.random import (
    _GOLDEN_GAMMA,
    DRIVER_KEYS,
    MAX_SEED,
    normals_then_uniforms,
    _splitmix64,
    path_generator,
    standard_normals,
    stream_words,
)

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
