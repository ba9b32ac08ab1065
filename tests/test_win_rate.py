"""analysis.summary.beats and the win rates built on it: a path where two policies end equal up to rounding is a
tie, so no library version's or machine's arithmetic decides a win."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hashpivot.analysis.summary import TIE_REL_TOL, beats, win_rate_matrix


def test_rounding_ties_and_real_differences_win():
    nav_per_share = 36.52629757670221
    one_ulp_up = np.nextafter(nav_per_share, np.inf)
    assert not beats(one_ulp_up, nav_per_share)
    assert not beats(nav_per_share, one_ulp_up)
    # 1e-8 of the value is a difference a model change makes, not rounding: it wins.
    assert beats(nav_per_share * (1 + 1e-8), nav_per_share)
    assert not beats(nav_per_share, nav_per_share * (1 + 1e-8))
    # Below zero the larger |value| sets the tolerance too.
    assert beats(-1.0, -1.0 - 1e-8) and not beats(-1.0, -1.0 - 1e-12)
    assert not beats(0.0, 0.0) and beats(1e-300, 0.0)


def test_a_tie_counts_for_neither_policy():
    # Path 1: the two policies never diverged (a sell rule that never fired) and end 2e-16 apart.
    score = np.array([[1.0, 5.0, 3.0],
                      [2.0, 5.0 * (1 + 2e-16), 3.0 * (1 + 1e-6)]])
    win = win_rate_matrix(score, ["a", "b"]).to_numpy()
    # a wins nothing: path 0 it is lower, path 1 ties, path 2 it is 1e-6 lower; b wins paths 0 and 2.
    assert win[0, 1] == 0.0
    assert win[1, 0] == 2 / 3


@given(st.floats(-1e12, 1e12, allow_nan=False), st.floats(-1e12, 1e12, allow_nan=False))
def test_never_both_win_and_exact_order_decides_beyond_the_tolerance(a, b):
    assert not (beats(a, b) and beats(b, a))
    if abs(a - b) > 2 * TIE_REL_TOL * max(abs(a), abs(b)):
        assert beats(a, b) == (a > b)
