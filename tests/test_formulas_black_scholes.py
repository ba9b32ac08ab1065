"""Black-Scholes calls, puts and zero-cost collars against Hull's example and put-call parity."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.formulas import black_scholes as bs


def _norm_cdf(x: float) -> float:
    # independent of scipy: the error function from the standard library
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_hull_example_15_6() -> None:
    # Hull, Options, Futures, and Other Derivatives (8th ed.), example 15.6: S=42, K=40, r=10 %, sigma=20 %,
    # T=0.5 -> c = 4.76, p = 0.81 (printed to the cent)
    assert round(float(bs.call_price_usd(42, 40, 0.1, 0.2, 0.5)), 2) == 4.76
    assert round(float(bs.put_price_usd(42, 40, 0.1, 0.2, 0.5)), 2) == 0.81
    # and to full precision from the formula written out with math.erf
    d1 = (math.log(42 / 40) + (0.1 + 0.02) * 0.5) / (0.2 * math.sqrt(0.5))
    d2 = d1 - 0.2 * math.sqrt(0.5)
    call = 42 * _norm_cdf(d1) - 40 * math.exp(-0.05) * _norm_cdf(d2)
    put = 40 * math.exp(-0.05) * _norm_cdf(-d2) - 42 * _norm_cdf(-d1)
    assert_allclose(bs.call_price_usd(42, 40, 0.1, 0.2, 0.5), call, rtol=1e-12)
    assert_allclose(bs.put_price_usd(42, 40, 0.1, 0.2, 0.5), put, rtol=1e-12)


def test_broadcasts_over_strikes() -> None:
    strikes = np.array([[30.0], [40.0], [50.0]])
    vols = np.array([0.2, 0.6])
    calls = bs.call_price_usd(42, strikes, 0.1, vols, 0.5)
    assert calls.shape == (3, 2)
    assert_allclose(calls[1, 0], bs.call_price_usd(42, 40, 0.1, 0.2, 0.5), rtol=1e-15)
    # a call is worth less at a higher strike, more at a higher vol
    assert np.all(np.diff(calls, axis=0) < 0)
    assert np.all(calls[:, 1] > calls[:, 0])


@given(
    spot=st.floats(1e3, 2e5),
    moneyness=st.floats(0.3, 3.0),
    rate=st.floats(-0.02, 0.15),
    vol=st.floats(0.05, 1.5),
    time_years=st.floats(0.01, 5.0),
)
def test_put_call_parity(spot: float, moneyness: float, rate: float, vol: float, time_years: float) -> None:
    # c - p = S - K e^(-rT) for European options on an asset without income (Hull, eq. 11.6)
    strike = spot * moneyness
    c = bs.call_price_usd(spot, strike, rate, vol, time_years)
    p = bs.put_price_usd(spot, strike, rate, vol, time_years)
    assert_allclose(c - p, spot - strike * math.exp(-rate * time_years), rtol=1e-9, atol=1e-9 * spot)
    # no-arbitrage bounds: max(S - K e^-rT, 0) <= c <= S
    assert c <= spot * (1 + 1e-12)
    assert c >= max(spot - strike * math.exp(-rate * time_years), 0.0) - 1e-9 * spot


def test_zero_cost_collar_legs_equal() -> None:
    # BTC at 60 000 USD, a 25 %-OTM put (K_p = 45 000), one year, 55 % implied vol, 5 % rate
    spot, k_put, rate, vol, t = 60_000.0, 45_000.0, 0.05, 0.55, 1.0
    k_call = float(bs.collar_call_strike_usd(spot, k_put, rate, vol, t))
    assert k_call > spot  # the call sold lies above the money
    put_leg = float(bs.put_price_usd(spot, k_put, rate, vol, t))
    call_leg = float(bs.call_price_usd(spot, k_call, rate, vol, t))
    assert_allclose(call_leg, put_leg, rtol=1e-9)


def test_at_the_money_collar_at_zero_rate_is_symmetric() -> None:
    # r = 0: parity gives c(K) - p(K) = S - K, so c(S) = p(S): the ATM put is paid for by the ATM call
    assert_allclose(bs.collar_call_strike_usd(100.0, 100.0, 0.0, 0.6, 1.0), 100.0, rtol=1e-9)


def test_collar_broadcasts() -> None:
    puts = np.array([40_000.0, 45_000.0, 50_000.0])
    k_calls = bs.collar_call_strike_usd(60_000.0, puts, 0.05, 0.55, 1.0)
    assert k_calls.shape == (3,)
    # a dearer put (higher strike) is paid for by a call closer to the money
    assert np.all(np.diff(k_calls) < 0)
    assert_allclose(
        bs.call_price_usd(60_000.0, k_calls, 0.05, 0.55, 1.0), bs.put_price_usd(60_000.0, puts, 0.05, 0.55, 1.0),
        rtol=1e-9,
    )


def test_bad_inputs_name_the_argument() -> None:
    assert_input_error(lambda: bs.call_price_usd(-1, 40, 0.1, 0.2, 0.5), "spot_usd", "> 0")
    assert_input_error(lambda: bs.put_price_usd(42, 0, 0.1, 0.2, 0.5), "strike_usd", "> 0")
    assert_input_error(lambda: bs.call_price_usd(42, 40, 0.1, 0.0, 0.5), "vol_per_year", "> 0")
    assert_input_error(lambda: bs.call_price_usd(42, 40, 0.1, 0.2, 0.0), "time_years", "> 0")
    assert_input_error(lambda: bs.call_price_usd(42, 40, math.inf, 0.2, 0.5), "rate_per_year", "finite")
    # a put struck so far above the forward that it is worth the spot: no call can pay for it
    assert_input_error(
        lambda: bs.collar_call_strike_usd(100.0, 1e6, 0.0, 0.2, 1.0), "put_strike_usd", "worth less than the spot"
    )
