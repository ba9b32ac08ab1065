"""Discounting, NPV, IRR and payback against hand calculations.

Cash flows lie along the last axis, the first at t = 0; rates broadcast over the leading axes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.formulas import finance

RTOL = 1e-12


# --- rates and factors ---------------------------------------------------------------------------


def test_rate_per_period_from_annual() -> None:
    assert_allclose(finance.rate_per_period_from_annual(0.1, 12), 1.1 ** (1 / 12) - 1, rtol=RTOL)
    # compounding back over a year gives the annual rate
    assert_allclose((1 + finance.rate_per_period_from_annual(0.1, 12)) ** 12 - 1, 0.1, rtol=RTOL)
    r = np.array([0.05, 0.1, 0.2])
    assert_allclose(finance.rate_per_period_from_annual(r, 4), (1 + r) ** 0.25 - 1, rtol=RTOL)
    r2 = r.reshape(3, 1)
    m = np.array([1.0, 4.0, 12.0, 365.0])
    out = finance.rate_per_period_from_annual(r2, m)
    assert out.shape == (3, 4)
    assert_allclose(out, (1 + r2) ** (1 / m) - 1, rtol=RTOL)


def test_discount_factor() -> None:
    # 1 / 1.1^2 = 1 / 1.21
    assert_allclose(finance.discount_factor(0.1, 2), 1 / 1.21, rtol=RTOL)
    n = np.array([0.0, 1.0, 2.0, 10.0])
    assert_allclose(finance.discount_factor(0.1, n), 1 / 1.1**n, rtol=RTOL)
    r = np.array([[0.0], [0.05], [0.1]])
    out = finance.discount_factor(r, n)
    assert out.shape == (3, 4)
    assert_allclose(out, 1 / (1 + r) ** n, rtol=RTOL)


def test_annuity_factor() -> None:
    # 1/1.1 + 1/1.21 + 1/1.331
    assert_allclose(finance.annuity_factor(0.1, 3), 1 / 1.1 + 1 / 1.21 + 1 / 1.331, rtol=RTOL)
    assert_allclose(finance.annuity_factor(0.0, 3), 3.0, rtol=RTOL)
    r = np.array([0.0, 0.01, 0.1])
    assert_allclose(finance.annuity_factor(r, 2), 1 / (1 + r) + 1 / (1 + r) ** 2, rtol=RTOL)
    r2 = r.reshape(3, 1)
    n = np.array([0, 1, 2, 5])
    out = finance.annuity_factor(r2, n)
    assert out.shape == (3, 4)
    by_hand = np.array([[sum(1 / (1 + ri) ** t for t in range(1, ni + 1)) for ni in n] for ri in r])
    assert_allclose(out, by_hand, rtol=RTOL)


def test_annuity_factor_small_rate_is_continuous() -> None:
    assert_allclose(finance.annuity_factor(1e-12, 120), 120.0, rtol=1e-9)


# --- NPV -----------------------------------------------------------------------------------------


def test_npv_scalar_rate() -> None:
    # -100 + 60 / 1.1 + 60 / 1.21
    assert_allclose(finance.npv_usd([-100, 60, 60], 0.1), -100 + 60 / 1.1 + 60 / 1.21, rtol=RTOL)
    # the first flow is not discounted
    assert_allclose(finance.npv_usd([-100.0], 0.5), -100.0, rtol=RTOL)


def test_npv_1d_rates() -> None:
    r = np.array([0.0, 0.05, 0.1])
    out = finance.npv_usd([-100, 60, 60], r)
    assert out.shape == (3,)
    assert_allclose(out, -100 + 60 / (1 + r) + 60 / (1 + r) ** 2, rtol=RTOL)


def test_npv_broadcast_rates_over_streams() -> None:
    flows = np.array(
        [[-100.0, 60.0, 60.0], [-50.0, 10.0, 70.0], [0.0, 5.0, 5.0], [-10.0, 0.0, 20.0]]
    )  # 4 streams
    r = np.array([[0.0], [0.05], [0.1]])  # (3, 1)
    out = finance.npv_usd(flows, r)
    assert out.shape == (3, 4)
    assert_allclose(out, flows[:, 0] + flows[:, 1] / (1 + r) + flows[:, 2] / (1 + r) ** 2, rtol=RTOL)
    # one rate per stream
    r4 = np.array([0.0, 0.05, 0.1, 0.2])
    assert_allclose(
        finance.npv_usd(flows, r4),
        flows[:, 0] + flows[:, 1] / (1 + r4) + flows[:, 2] / (1 + r4) ** 2,
        rtol=RTOL,
    )


@given(flows=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_npv_at_rate_zero_is_the_sum(flows) -> None:
    assert_allclose(finance.npv_usd(flows, 0.0), math.fsum(flows), rtol=1e-9, atol=1e-6)


# --- IRR -----------------------------------------------------------------------------------------


def test_irr_two_flows() -> None:
    # -100 then 110: 110 / 100 - 1 = 10 %
    assert_allclose(finance.irr_per_period([-100, 110]), 0.1, rtol=RTOL)
    # losing 10 %: -100 then 90
    assert_allclose(finance.irr_per_period([-100, 90]), -0.1, rtol=RTOL)


def test_irr_three_flows_quadratic() -> None:
    # -100 + 60 y + 60 y^2 = 0 with y = 1 / (1 + r): y = (-1 + sqrt(1 + 4 x 100/60)) / 2
    y = (-1 + math.sqrt(1 + 4 * 100 / 60)) / 2
    assert_allclose(finance.irr_per_period([-100, 60, 60]), 1 / y - 1, rtol=RTOL)


def test_irr_exactly_zero() -> None:
    assert finance.irr_per_period([-100, 50, 50]) == 0.0


def test_irr_1d_and_2d_leading_axes() -> None:
    x = np.array([80.0, 100.0, 110.0, 150.0])
    flows = np.stack([np.full_like(x, -100.0), x], axis=-1)  # (4, 2)
    assert_allclose(finance.irr_per_period(flows), x / 100 - 1, rtol=RTOL)
    scale = np.array([[1.0], [2.0], [5.0]])
    x2 = scale * x  # (3, 4) payoffs on 100 * scale
    flows2 = np.stack([-100.0 * np.ones_like(x2), x2], axis=-1)  # (3, 4, 2)
    out = finance.irr_per_period(flows2)
    assert out.shape == (3, 4)
    assert_allclose(out, x2 / 100 - 1, rtol=RTOL)


def test_irr_several_roots_returns_the_one_closest_to_zero() -> None:
    # -100 + 230 y - 132 y^2 = 0 has roots 10 % and 20 % (y = 1/1.1 and 1/1.2)
    assert_allclose(finance.irr_per_period([-100, 230, -132]), 0.1, rtol=1e-10)
    # -100 + 170 y - 72 y^2 = 0 at y = 1/0.9 and 1/0.8: roots -10 % and -20 %, closest to 0 is -10 %
    assert_allclose(finance.irr_per_period([-100, 170, -72]), -0.1, rtol=1e-10)


def test_irr_nan_without_sign_change() -> None:
    out = finance.irr_per_period([[100.0, 40.0], [-100.0, -40.0], [0.0, 0.0], [-100.0, 110.0]])
    assert np.isnan(out[:3]).all()
    assert_allclose(out[3], 0.1, rtol=RTOL)


@given(
    capex=st.floats(1.0, 1e7),
    returns=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=20),
)
def test_irr_zeroes_npv(capex, returns) -> None:
    flows = np.array([-capex, *returns])
    r = finance.irr_per_period(flows)
    if sum(returns) == 0:
        assert np.isnan(r)
        return
    if np.isnan(r):
        # only where the IRR is below the searched range: NPV still <= 0 at its lowest rate
        assert finance.npv_usd(flows, np.expm1(-14.0)) <= 0
        return
    # |NPV| at the IRR is rounding noise next to the size of the discounted flows
    discounted = np.abs(flows) / (1 + r) ** np.arange(flows.size)
    assert abs(finance.npv_usd(flows, r)) <= 1e-9 * discounted.sum()


# --- payback -------------------------------------------------------------------------------------


def test_payback_scalar() -> None:
    # cumulative -100, -60, -20, +20: recovered in period 3 after 20 / 40 of it -> 2.5
    assert finance.payback_periods([-100, 40, 40, 40]) == 2.5
    assert finance.payback_periods([-100, 40, 40]) == np.inf
    assert finance.payback_periods([0, 10, 10]) == 0.0
    # exactly recovered at the end of period 2
    assert finance.payback_periods([-100, 50, 50]) == 2.0
    # cumulative 10, -90, 110: first negative at 1, recovered in period 2 after 90 / 200
    assert_allclose(finance.payback_periods([10, -100, 200]), 1 + 90 / 200, rtol=RTOL)
    # cumulative -100, 50, -50, 150: a later dip (second capex) does not move the first payback,
    # recovered in period 1 after 100 / 150 of it
    assert_allclose(finance.payback_periods([-100, 150, -100, 200]), 0 + 100 / 150, rtol=RTOL)


def test_payback_1d_and_2d() -> None:
    flows = np.array(
        [[-100.0, 40, 40, 40], [-100.0, 100, 0, 0], [-100.0, 10, 10, 10], [-100.0, 30, 30, 80]]
    )
    # 2 + 20/40; 0 + 100/100; never; 2 + 40/80
    assert_allclose(finance.payback_periods(flows), [2.5, 1.0, np.inf, 2.5], rtol=RTOL)
    stacked = np.stack([flows, 2 * flows, flows[::-1]])  # (3, 4, 4)
    out = finance.payback_periods(stacked)
    assert out.shape == (3, 4)
    assert_allclose(
        out, [[2.5, 1.0, np.inf, 2.5], [2.5, 1.0, np.inf, 2.5], [2.5, np.inf, 1.0, 2.5]], rtol=RTOL
    )


def test_discounted_payback() -> None:
    # discounted -100, 50, 66/1.21 = 54.54...: 1 + 50 / 54.54... = 1 + 50 x 1.21 / 66
    assert_allclose(
        finance.discounted_payback_periods([-100, 55, 66], 0.1), 1 + 50 * 1.21 / 66, rtol=RTOL
    )
    r = np.array([0.0, 0.1, 0.5])
    # rate 0: 1 + 45/66; rate 0.1: as above; rate 0.5: discounted -100, 36.67, 29.33 -> never
    assert_allclose(
        finance.discounted_payback_periods([-100, 55, 66], r),
        [1 + 45 / 66, 1 + 50 * 1.21 / 66, np.inf],
        rtol=RTOL,
    )
    # [-100, 125, 0] pays back within period 1 at every rate; 110 would discount to exactly 100 at 10 %, where the
    # answer (1 or never) turns on the last bit of 110 / 1.1 against 110 x 1.1^-1.
    flows = np.array([[-100.0, 55, 66], [-100.0, 125, 0], [-50.0, 30, 30], [-10.0, 0, 0]])
    r2 = np.array([[0.0], [0.1], [0.2]])
    out = finance.discounted_payback_periods(flows, r2)
    assert out.shape == (3, 4)
    d = flows / (1 + r2[..., np.newaxis]) ** np.arange(3)  # discounted flows by hand, (3, 4, 3)
    expected = np.array(
        [
            [
                (0 + -d[i, j, 0] / d[i, j, 1])
                if d[i, j, 0] + d[i, j, 1] >= 0
                else (1 + -(d[i, j, 0] + d[i, j, 1]) / d[i, j, 2])
                if d[i, j].sum() >= 0
                else np.inf
                for j in range(4)
            ]
            for i in range(3)
        ]
    )
    assert_allclose(out, expected, rtol=RTOL)


# --- validation and purity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name", "allowed"),
    [
        (lambda: finance.npv_usd([-100, 60], -1.0), "rate_per_period", "> -1"),
        (lambda: finance.npv_usd([-100, 60], np.inf), "rate_per_period", "finite"),
        (lambda: finance.npv_usd([-100, np.nan], 0.1), "cash_flows_usd", "not NaN"),
        (lambda: finance.npv_usd(-100.0, 0.1), "cash_flows_usd", "last axis"),
        (lambda: finance.irr_per_period([-100, np.inf]), "cash_flows_usd", "finite"),
        (lambda: finance.irr_per_period(np.empty((3, 0))), "cash_flows_usd", "at least one period"),
        (lambda: finance.payback_periods([np.nan, 1.0]), "cash_flows_usd", "not NaN"),
        (lambda: finance.discounted_payback_periods([-1.0, 2.0], -2.0), "rate_per_period", "> -1"),
        (lambda: finance.discount_factor(0.1, -1.0), "n_periods", ">= 0"),
        (lambda: finance.annuity_factor(np.nan, 3.0), "rate_per_period", "not NaN"),
        (lambda: finance.rate_per_period_from_annual(0.1, 0.0), "periods_per_year", "> 0"),
        (lambda: finance.rate_per_period_from_annual(-1.5, 12.0), "rate_per_year", "> -1"),
    ],
)
def test_bad_inputs_name_argument_and_range(call, name: str, allowed: str) -> None:
    assert_input_error(call, name, allowed)


def test_formulas_do_not_mutate_inputs() -> None:
    flows = np.array([[-100.0, 40, 40, 40], [-100.0, 100, 0, 0]])
    r = np.array([0.05, 0.1])
    n = np.array([1.0, 3.0])
    copies = [a.copy() for a in (flows, r, n)]
    finance.npv_usd(flows, r)
    finance.irr_per_period(flows)
    finance.payback_periods(flows)
    finance.discounted_payback_periods(flows, r)
    finance.discount_factor(r, n)
    finance.annuity_factor(r, n)
    finance.rate_per_period_from_annual(r, n)
    for a, c in zip((flows, r, n), copies, strict=True):
        np.testing.assert_array_equal(a, c)
