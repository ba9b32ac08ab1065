"""Hedge payoffs: a hashprice forward's day, a put's and a call's payoff at expiry, by hand; collar = put - call."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.formulas import hedges as hf


def test_a_forward_day_by_hand() -> None:
    # 14,500 PH/s (half of 29 EH/s) sold at 50.49 USD/PH/day on a day at 42.00: 14,500 x 8.49 = 123,105 USD;
    # at 60 the seller pays 14,500 x 9.51 = 137,895 USD.
    assert_allclose(hf.forward_day_usd(14_500, 50.49, 42.0), 123_105.0, rtol=1e-12)
    assert_allclose(hf.forward_day_usd(14_500, 50.49, 60.0), -137_895.0, rtol=1e-12)


def test_payoffs_scalar_vector_and_broadcast() -> None:
    prices = np.array([30_000.0, 48_681.0, 70_000.0])
    assert_allclose(hf.put_payoff_usd(5_000, 48_681.0, prices), [5_000 * 18_681.0, 0.0, 0.0], rtol=1e-15)
    assert_allclose(hf.call_payoff_usd(5_000, 60_000.0, prices), [0.0, 0.0, 5_000 * 10_000.0], rtol=1e-15)
    grid = hf.put_payoff_usd(np.array([[1.0], [2.0]]), 100.0, np.array([90.0, 120.0]))
    assert grid.shape == (2, 2)
    assert_allclose(grid, [[10.0, 0.0], [20.0, 0.0]], rtol=1e-15)
    days = hf.forward_day_usd(np.array([[1.0], [10.0]]), 50.0, np.array([45.0, 55.0]))
    assert_allclose(days, [[5.0, -5.0], [50.0, -50.0]], rtol=1e-15)


@given(st.floats(0.0, 1e4), st.floats(1.0, 1e6), st.floats(1.0, 1e6), st.floats(0.0, 2e6))
def test_a_collar_is_a_floor_and_a_cap(notional: float, k_put: float, extra: float, price: float) -> None:
    """Held with the BTC, a collar (put at K_p, call sold at K_c > K_p) keeps the value between N K_p and N K_c."""
    k_call = k_put + extra
    value = notional * price + hf.put_payoff_usd(notional, k_put, price) - hf.call_payoff_usd(notional, k_call, price)
    expected = notional * min(max(price, k_put), k_call)
    assert_allclose(value, expected, rtol=1e-12, atol=1e-6 * max(notional * k_call, 1.0))


def test_the_compiled_twins_give_the_same_numbers() -> None:
    assert hf.put_payoff_usd_unchecked(2.0, 100.0, 90.0) == float(hf.put_payoff_usd(2.0, 100.0, 90.0))
    assert hf.call_payoff_usd_unchecked(2.0, 100.0, 130.0) == float(hf.call_payoff_usd(2.0, 100.0, 130.0))
    assert hf.forward_day_usd_unchecked(3.0, 50.0, 45.5) == float(hf.forward_day_usd(3.0, 50.0, 45.5))


def test_bad_inputs_name_the_argument() -> None:
    assert_input_error(lambda: hf.put_payoff_usd(-1.0, 100.0, 90.0), "notional_btc", ">= 0")
    assert_input_error(lambda: hf.call_payoff_usd(1.0, 100.0, float("nan")), "btc_price_usd", "not NaN")
    assert_input_error(lambda: hf.forward_day_usd(1.0, -50.0, 45.0), "strike_usd_per_ph_day", ">= 0")
