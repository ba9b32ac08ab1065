"""Bitcoin consensus facts: subsidy schedule, supply, retarget clamp, hashrate from difficulty.

Expected values are written as protocol facts (50 BTC halving every 210,000 blocks, integer right
shift of the subsidy in satoshis, 2016-block retarget clamped to a factor of 4), not taken from the
code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from formula_helpers import assert_input_error
from hashpivot import protocol

# (height, subsidy in BTC) — the halving schedule: 50 BTC, halved every 210,000 blocks.
SUBSIDY_FACTS_BTC = [
    (0, 50.0),
    (209_999, 50.0),
    (210_000, 25.0),
    (839_999, 6.25),
    (840_000, 3.125),
    (1_049_999, 3.125),
    (1_050_000, 1.5625),
    (6_929_999, 1e-8),  # era 32: 5_000_000_000 >> 32 = 1 sat
    (6_930_000, 0.0),  # era 33: 5_000_000_000 >> 33 = 0
]


@pytest.mark.parametrize(("height", "expected_btc"), SUBSIDY_FACTS_BTC)
def test_subsidy_btc_at_edges_scalar(height: int, expected_btc: float) -> None:
    assert float(protocol.subsidy_btc(height)) == expected_btc


def test_subsidy_sats_last_sat_and_zero() -> None:
    assert 5_000_000_000 >> 32 == 1  # the fact itself
    assert int(protocol.subsidy_sats(6_929_999)) == 1
    assert int(protocol.subsidy_sats(6_930_000)) == 0
    assert int(protocol.subsidy_sats(10**9)) == 0


def test_subsidy_sats_exact_integers_1d() -> None:
    heights = np.array([h for h, _ in SUBSIDY_FACTS_BTC])
    expected = np.array(
        [
            5_000_000_000,
            5_000_000_000,
            2_500_000_000,
            625_000_000,
            312_500_000,
            312_500_000,
            156_250_000,
            1,
            0,
        ],
        dtype=np.int64,
    )
    out = protocol.subsidy_sats(heights)
    assert out.dtype == np.int64
    assert_array_equal(out, expected)


def test_subsidy_btc_1d_and_2d() -> None:
    heights = np.array([h for h, _ in SUBSIDY_FACTS_BTC])
    expected = np.array([b for _, b in SUBSIDY_FACTS_BTC])
    assert_allclose(protocol.subsidy_btc(heights), expected, rtol=1e-12)
    grid = heights[:8].reshape(2, 4)
    assert protocol.subsidy_btc(grid).shape == (2, 4)
    assert_allclose(protocol.subsidy_btc(grid), expected[:8].reshape(2, 4), rtol=1e-12)


def test_subsidy_accepts_whole_floats() -> None:
    assert float(protocol.subsidy_btc(840_000.0)) == 3.125


def test_total_supply_all_eras_in_sats() -> None:
    # sum over eras of 210,000 blocks x (50 BTC in sats >> era); eras 33+ pay nothing
    by_hand = sum(210_000 * (5_000_000_000 >> era) for era in range(64))
    assert by_hand == 2_099_999_997_690_000
    assert protocol.total_supply_sats() == 2_099_999_997_690_000
    assert protocol.total_supply_sats(protocol.ZERO_SUBSIDY_HEIGHT) == 2_099_999_997_690_000
    assert protocol.total_supply_sats(10**9) == 2_099_999_997_690_000


def test_total_supply_partial() -> None:
    assert protocol.total_supply_sats(0) == 0
    assert protocol.total_supply_sats(1) == 5_000_000_000
    assert protocol.total_supply_sats(210_000) == 210_000 * 5_000_000_000
    assert protocol.total_supply_sats(210_001) == 210_000 * 5_000_000_000 + 2_500_000_000
    # at the 4th halving (840,000): 210,000 x (50 + 25 + 12.5 + 6.25) BTC = 19,687,500 BTC
    assert protocol.total_supply_sats(840_000) == 210_000 * (50 + 25 + 12.5 + 6.25) * 100_000_000


def test_halvings_and_halving_heights() -> None:
    assert_array_equal(
        protocol.halvings_at_height([0, 209_999, 210_000, 840_000, 1_050_000]), [0, 0, 1, 4, 5]
    )
    assert_array_equal(protocol.halving_height(np.array([1, 4, 5])), [210_000, 840_000, 1_050_000])
    assert_array_equal(
        protocol.next_halving_height([0, 839_999, 840_000]), [210_000, 840_000, 1_050_000]
    )


TWO_WEEKS_S = 2016 * 600.0  # 1,209,600 s


def test_retarget_normal_case() -> None:
    # blocks came twice as fast as targeted: difficulty doubles (100 x 1,209,600 / 604,800)
    assert_allclose(protocol.retarget_difficulty(100.0, 604_800.0), 200.0, rtol=1e-12)
    # 10 % slower: difficulty x 1/1.1
    assert_allclose(protocol.retarget_difficulty(100.0, TWO_WEEKS_S * 1.1), 100.0 / 1.1, rtol=1e-12)
    # on target: unchanged
    assert_allclose(protocol.retarget_difficulty(100.0, TWO_WEEKS_S), 100.0, rtol=1e-12)


def test_retarget_clamps_up_x4() -> None:
    # any period shorter than 2 weeks / 4 = 302,400 s counts as 302,400 s: x4 at most
    assert_allclose(
        protocol.retarget_difficulty(100.0, [1.0, 100_000.0, 302_400.0]), [400.0] * 3, rtol=1e-12
    )


def test_retarget_clamps_down_div4() -> None:
    # any period longer than 2 weeks x 4 = 4,838,400 s counts as 4,838,400 s: /4 at most
    assert_allclose(protocol.retarget_difficulty(100.0, [4_838_400.0, 1e9]), [25.0, 25.0], rtol=1e-12)


def test_retarget_broadcast_2d() -> None:
    d = np.array([[50.0], [100.0], [200.0]])
    t = np.array([1.0, 604_800.0, TWO_WEEKS_S, 1e9])
    factor = np.array([4.0, 2.0, 1.0, 0.25])
    out = protocol.retarget_difficulty(d, t)
    assert out.shape == (3, 4)
    assert_allclose(out, d * factor, rtol=1e-12)


def test_hashrate_implied_by_difficulty() -> None:
    # difficulty x 2^32 hashes per block / 600 s per block, in EH/s
    assert_allclose(
        protocol.hashrate_ehs_from_difficulty(1e12), 1e12 * 4_294_967_296 / 600 / 1e18, rtol=1e-12
    )
    d = np.array([1e12, 86.39e12, 110e12])
    assert_allclose(protocol.hashrate_ehs_from_difficulty(d), d * 4_294_967_296 / 600 / 1e18, rtol=1e-12)
    d2 = d.reshape(3, 1) * np.array([1.0, 2.0])
    assert_allclose(
        protocol.hashrate_ehs_from_difficulty(d2), d2 * 4_294_967_296 / 600 / 1e18, rtol=1e-12
    )


def test_difficulty_round_trip() -> None:
    h = np.array([100.0, 618.4, 900.0])
    assert_allclose(protocol.difficulty_from_hashrate_ehs(h), h * 1e18 * 600 / 4_294_967_296, rtol=1e-12)
    assert_allclose(
        protocol.hashrate_ehs_from_difficulty(protocol.difficulty_from_hashrate_ehs(h)), h, rtol=1e-12
    )


def test_expected_blocks_per_day() -> None:
    # 144 blocks a day when hashrate matches difficulty; 10 % more hashrate -> 158.4
    assert_allclose(protocol.expected_blocks_per_day(660.0, 600.0), 144 * 1.1, rtol=1e-12)
    h = np.array([[300.0], [600.0]])
    hd = np.array([600.0, 1200.0])
    assert_allclose(protocol.expected_blocks_per_day(h, hd), 144 * h / hd, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "name", "allowed"),
    [
        (lambda: protocol.subsidy_btc(-1), "height", ">= 0"),
        (lambda: protocol.subsidy_btc(1.5), "height", "whole block heights"),
        (lambda: protocol.subsidy_btc(np.nan), "height", "whole block heights"),
        (lambda: protocol.halving_height(0), "n", ">= 1"),
        (lambda: protocol.retarget_difficulty(0.0, 1.0), "difficulty", "> 0"),
        (lambda: protocol.retarget_difficulty(1.0, -1.0), "actual_timespan_seconds", "> 0"),
        (lambda: protocol.hashrate_ehs_from_difficulty(np.nan), "difficulty", "> 0"),
        (lambda: protocol.difficulty_from_hashrate_ehs(-5.0), "hashrate_ehs", "> 0"),
        (lambda: protocol.expected_blocks_per_day(-1.0, 600.0), "network_hashrate_ehs", ">= 0"),
    ],
)
def test_bad_inputs_name_argument_and_range(call, name: str, allowed: str) -> None:
    assert_input_error(call, name, allowed)
