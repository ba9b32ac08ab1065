"""AI/HPC formulas against hand calculations: scalar, 1-D and broadcast 2-D inputs.

Hand arithmetic: 1 MW = 1,000 kW; a year = 12 months = 365 days; grid MW = IT MW x PUE.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.formulas import ai

RTOL = 1e-12


# --- colocation leases ---------------------------------------------------------------------------


def test_lease_revenue_usd_per_mw_month() -> None:
    # 121.5 USD/kW-month x 1,000 kW = 121,500 USD per IT MW-month
    assert_allclose(ai.lease_revenue_usd_per_mw_month(121.5), 121_500.0, rtol=RTOL)
    # per grid MW at PUE 1.3: 130 x 1,000 / 1.3 = 100,000
    assert_allclose(ai.lease_revenue_usd_per_mw_month(130, 1.3), 100_000.0, rtol=RTOL)
    rate = np.array([100.0, 121.5, 180.0])
    assert_allclose(ai.lease_revenue_usd_per_mw_month(rate), rate * 1000, rtol=RTOL)
    rate2 = rate.reshape(3, 1)
    pue = np.array([1.0, 1.15, 1.3, 1.5])
    out = ai.lease_revenue_usd_per_mw_month(rate2, pue)
    assert out.shape == (3, 4)
    assert_allclose(out, rate2 * 1000 / pue, rtol=RTOL)


def test_lease_revenue_usd_per_mw_year() -> None:
    # 121.5 x 1,000 x 12 = 1,458,000
    assert_allclose(ai.lease_revenue_usd_per_mw_year(121.5), 1_458_000.0, rtol=RTOL)
    rate = np.array([100.0, 121.5, 180.0])
    assert_allclose(ai.lease_revenue_usd_per_mw_year(rate, 1.2), rate * 1000 * 12 / 1.2, rtol=RTOL)
    rate2 = rate.reshape(3, 1)
    pue = np.array([1.0, 1.15, 1.3, 1.5])
    out = ai.lease_revenue_usd_per_mw_year(rate2, pue)
    assert out.shape == (3, 4)
    assert_allclose(out, rate2 * 1000 * 12 / pue, rtol=RTOL)


def test_lease_revenue_usd_per_mw_day() -> None:
    # 121.5 x 1,000 x 12 / 365 = 3,994.52... USD per IT MW-day
    assert_allclose(ai.lease_revenue_usd_per_mw_day(121.5), 1_458_000.0 / 365, rtol=RTOL)
    rate = np.array([100.0, 121.5, 180.0])
    assert_allclose(ai.lease_revenue_usd_per_mw_day(rate), rate * 1000 * 12 / 365, rtol=RTOL)
    rate2 = rate.reshape(3, 1)
    pue = np.array([1.0, 1.15, 1.3, 1.5])
    out = ai.lease_revenue_usd_per_mw_day(rate2, pue)
    assert out.shape == (3, 4)
    assert_allclose(out, rate2 * 1000 * 12 / 365 / pue, rtol=RTOL)


def test_lease_rate_usd_per_kw_month_steps_at_anniversaries() -> None:
    # 100 x 1.03^2 in the third contract year
    assert_allclose(ai.lease_rate_usd_per_kw_month(100, 0.03, 2.5), 106.09, rtol=RTOL)
    years = np.array([0.0, 0.99, 1.0, 1.5, 2.0, 11.9])
    assert_allclose(
        ai.lease_rate_usd_per_kw_month(100, 0.03, years),
        100 * np.array([1.0, 1.0, 1.03, 1.03, 1.03**2, 1.03**11]),
        rtol=RTOL,
    )
    g = np.array([[0.0], [0.02], [0.03]])
    whole_years = np.array([0.0, 1.0, 2.0, 3.0])
    out = ai.lease_rate_usd_per_kw_month(121.5, g, whole_years)
    assert out.shape == (3, 4)
    assert_allclose(out, 121.5 * (1 + g) ** whole_years, rtol=RTOL)


def test_lease_total_value_core_scientific_coreweave() -> None:
    # 200 MW x 1,000 kW x 121.5 USD/kW-month x 12 months x 12 years = 3,499,200,000 USD (~3.5 B)
    value = ai.lease_total_value_usd(200, 121.5, 12)
    assert_allclose(value, 200 * 1000 * 121.5 * 12 * 12, rtol=RTOL)
    assert_allclose(value, 3.4992e9, rtol=RTOL)
    assert abs(value / 3.5e9 - 1) < 0.005


def test_lease_total_value_usd() -> None:
    # 1 MW at 100 USD/kW-month = 1.2 M USD a year; 3 years at 3 %: 1.2e6 x (1 + 1.03 + 1.0609)
    assert_allclose(ai.lease_total_value_usd(1, 100, 3, 0.03), 1.2e6 * 3.0909, rtol=RTOL)
    # 2.5 years: the half year at the end earns the third year's rate
    assert_allclose(
        ai.lease_total_value_usd(1, 100, 2.5, 0.03), 1.2e6 * (1 + 1.03 + 0.5 * 1.0609), rtol=RTOL
    )
    terms = np.array([0.0, 1.0, 5.0, 12.0])
    assert_allclose(
        ai.lease_total_value_usd(200, 121.5, terms), 200 * 1000 * 121.5 * 12 * terms, rtol=RTOL
    )
    g = np.array([[0.0], [0.02], [0.03]])
    t4 = np.array([1.0, 2.0, 3.0, 10.0])
    out = ai.lease_total_value_usd(50, 130, t4, g)
    assert out.shape == (3, 4)
    # sum of the year factors by hand: (1+g)^0 + ... + (1+g)^(n-1)
    factors = np.stack(
        [sum((1 + g[i, 0]) ** k for k in range(int(n))) for i in range(3) for n in t4]
    ).reshape(3, 4)
    assert_allclose(out, 50 * 1000 * 130 * 12 * factors, rtol=RTOL)


def test_lease_total_value_tiny_escalator_is_continuous() -> None:
    # geometric sum computed as expm1(n log1p g) / g stays exact as g -> 0
    assert_allclose(
        ai.lease_total_value_usd(1, 100, 12, 1e-12), ai.lease_total_value_usd(1, 100, 12, 0.0), rtol=1e-9
    )


@given(g1=st.floats(0.0, 0.2), g2=st.floats(0.0, 0.2), term=st.floats(0.0, 30.0))
def test_lease_value_never_falls_with_escalator(g1, g2, term) -> None:
    low, high = min(g1, g2), max(g1, g2)
    assert ai.lease_total_value_usd(10, 120, term, high) >= ai.lease_total_value_usd(
        10, 120, term, low
    ) * (1 - 1e-12)


# --- GPU-as-a-service ----------------------------------------------------------------------------


def test_gpus_per_mw() -> None:
    # 10 kW per 8-GPU server at PUE 1.25: 1,000 / 12.5 = 80 servers = 640 GPUs per grid MW
    assert_allclose(ai.gpus_per_mw(10, 8, 1.25), 640.0, rtol=RTOL)
    # per GPU: 1.25 kW per GPU, PUE 1 -> 800 GPUs per IT MW
    assert_allclose(ai.gpus_per_mw(1.25, 1), 800.0, rtol=RTOL)
    kw = np.array([8.0, 10.2, 14.3])
    assert_allclose(ai.gpus_per_mw(kw), 1000 / kw * 8, rtol=RTOL)
    kw2 = kw.reshape(3, 1)
    pue = np.array([1.0, 1.15, 1.3, 1.5])
    out = ai.gpus_per_mw(kw2, 8, pue)
    assert out.shape == (3, 4)
    assert_allclose(out, 1000 / (kw2 * pue) * 8, rtol=RTOL)


def test_gpu_revenue_usd_per_mw_day() -> None:
    # 640 GPUs x 2 USD/GPU-h x 24 h x 0.8 = 24,576
    assert_allclose(ai.gpu_revenue_usd_per_mw_day(640, 2.0, 0.8), 24_576.0, rtol=RTOL)
    rent = np.array([1.5, 2.0, 3.5])
    assert_allclose(ai.gpu_revenue_usd_per_mw_day(640, rent), 640 * rent * 24, rtol=RTOL)
    rent2 = rent.reshape(3, 1)
    util = np.array([0.0, 0.5, 0.8, 1.0])
    out = ai.gpu_revenue_usd_per_mw_day(600, rent2, util)
    assert out.shape == (3, 4)
    assert_allclose(out, 600 * rent2 * 24 * util, rtol=RTOL)


def test_gpu_margin_usd_per_mw_day() -> None:
    # revenue 24,576; power 1 MW x 24 h x 60 = 1,440; GPU opex 640 x 0.3 x 24 = 4,608; 500 per MW-day
    assert_allclose(
        ai.gpu_margin_usd_per_mw_day(640, 2.0, 0.8, 60, 0.3, 500),
        24_576 - 1_440 - 4_608 - 500,
        rtol=RTOL,
    )
    assert_allclose(ai.gpu_margin_usd_per_mw_day(640, 2.0, 0.8, 60), 24_576 - 1_440, rtol=RTOL)
    price = np.array([30.0, 60.0, 120.0])
    assert_allclose(
        ai.gpu_margin_usd_per_mw_day(640, 2.0, 0.8, price, 0.3),
        640 * 2.0 * 24 * 0.8 - 24 * price - 640 * 0.3 * 24,
        rtol=RTOL,
    )
    rent = np.array([[1.5], [2.0], [3.5]])
    util = np.array([0.2, 0.5, 0.8, 1.0])
    out = ai.gpu_margin_usd_per_mw_day(600, rent, util, 50.0, 0.25, 300.0)
    assert out.shape == (3, 4)
    assert_allclose(out, 600 * rent * 24 * util - 24 * 50.0 - 600 * 0.25 * 24 - 300.0, rtol=RTOL)


def test_gpu_margin_ratio() -> None:
    # 18,028 / 24,576
    assert_allclose(ai.gpu_margin_ratio(640, 2.0, 0.8, 60, 0.3, 500), 18_028 / 24_576, rtol=RTOL)
    util = np.array([0.5, 0.8, 1.0])
    revenue = 640 * 2.0 * 24 * util
    assert_allclose(ai.gpu_margin_ratio(640, 2.0, util, 60), (revenue - 1_440) / revenue, rtol=RTOL)
    rent = np.array([[1.5], [2.0], [3.5]])
    util4 = np.array([0.2, 0.5, 0.8, 1.0])
    out = ai.gpu_margin_ratio(600, rent, util4, 50.0, 0.25, 300.0)
    assert out.shape == (3, 4)
    revenue2 = 600 * rent * 24 * util4
    assert_allclose(out, (revenue2 - 1_200 - 3_600 - 300) / revenue2, rtol=RTOL)


def test_gpu_margin_ratio_without_revenue() -> None:
    assert ai.gpu_margin_ratio(640, 2.0, 0.0, 60) == -np.inf
    assert np.isnan(ai.gpu_margin_ratio(640, 2.0, 0.0, 0.0))


@given(u1=st.floats(0.0, 1.0), u2=st.floats(0.0, 1.0), price=st.floats(0.0, 300.0))
def test_gpu_margin_never_falls_with_utilisation(u1, u2, price) -> None:
    low, high = min(u1, u2), max(u1, u2)
    assert ai.gpu_margin_usd_per_mw_day(640, 2.0, high, price, 0.3) >= ai.gpu_margin_usd_per_mw_day(
        640, 2.0, low, price, 0.3
    )


# --- validation and purity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name", "allowed"),
    [
        (lambda: ai.lease_revenue_usd_per_mw_month(-1.0), "rate_usd_per_kw_month", ">= 0"),
        (lambda: ai.lease_revenue_usd_per_mw_month(120.0, 0.8), "pue_ratio", ">= 1"),
        (lambda: ai.lease_revenue_usd_per_mw_day(np.nan), "rate_usd_per_kw_month", "not NaN"),
        (lambda: ai.lease_rate_usd_per_kw_month(100.0, 1.5, 1.0), "escalator_frac_per_year", "[0, 1]"),
        (lambda: ai.lease_rate_usd_per_kw_month(100.0, 0.03, -1.0), "years_elapsed", ">= 0"),
        (lambda: ai.lease_total_value_usd(-200.0, 121.5, 12.0), "it_load_mw", ">= 0"),
        (lambda: ai.lease_total_value_usd(200.0, 121.5, -1.0), "term_years", ">= 0"),
        (
            lambda: ai.lease_total_value_usd(200.0, 121.5, 12.0, -0.01),
            "escalator_frac_per_year",
            "[0, 1]",
        ),
        (lambda: ai.gpus_per_mw(0.0), "power_kw_per_server", "> 0"),
        (lambda: ai.gpus_per_mw(10.0, 0), "gpus_per_server", "> 0"),
        (lambda: ai.gpus_per_mw(10.0, 8, 0.99), "pue_ratio", ">= 1"),
        (lambda: ai.gpu_revenue_usd_per_mw_day(640.0, 2.0, 1.1), "utilisation_frac", "[0, 1]"),
        (lambda: ai.gpu_revenue_usd_per_mw_day(-640.0, 2.0), "n_gpus_per_mw", ">= 0"),
        (lambda: ai.gpu_margin_usd_per_mw_day(640.0, 2.0, 0.8, -1.0), "power_price_usd_per_mwh", ">= 0"),
        (
            lambda: ai.gpu_margin_usd_per_mw_day(640.0, 2.0, 0.8, 60.0, -0.1),
            "opex_usd_per_gpu_hour",
            ">= 0",
        ),
        (
            lambda: ai.gpu_margin_ratio(640.0, 2.0, 0.8, 60.0, 0.1, np.nan),
            "opex_usd_per_mw_day",
            "not NaN",
        ),
    ],
)
def test_bad_inputs_name_argument_and_range(call, name: str, allowed: str) -> None:
    assert_input_error(call, name, allowed)


def test_formulas_do_not_mutate_inputs() -> None:
    rate = np.array([100.0, 121.5, 180.0])
    pue = np.array([1.0, 1.2, 1.4])
    years = np.array([0.5, 3.0, 12.0])
    g = np.array([0.0, 0.02, 0.03])
    util = np.array([0.2, 0.5, 1.0])
    arrays = (rate, pue, years, g, util)
    copies = [a.copy() for a in arrays]
    ai.lease_revenue_usd_per_mw_day(rate, pue)
    ai.lease_rate_usd_per_kw_month(rate, g, years)
    ai.lease_total_value_usd(rate, rate, years, g)
    n = ai.gpus_per_mw(rate / 10, 8, pue)
    ai.gpu_margin_ratio(n, pue, util, rate, g, rate)
    for a, c in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, c)


# --- issue 14: a contract's value as a rate, and the NPV of its rent -------------------------------------------


def test_contract_rate_is_value_over_kw_months():
    from hashpivot.formulas.ai import contract_rate_usd_per_kw_month

    assert float(contract_rate_usd_per_kw_month(3.5e9, 200, 12)) == pytest.approx(3.5e9 / (200_000 * 144), rel=1e-12)
    assert round(float(contract_rate_usd_per_kw_month(3.5e9, 200, 12)), 1) == 121.5
    rates = contract_rate_usd_per_kw_month(np.array([3.5e9, 8.7e9]), np.array([200.0, 500.0]), 12)
    np.testing.assert_allclose(rates, [3.5e9 / 28.8e6, 8.7e9 / 72e6], rtol=1e-12)
    grid = contract_rate_usd_per_kw_month(1.2e6, np.array([[1.0], [2.0]]), 1, np.array([0.0, 0.03]))
    assert grid.shape == (2, 2)
    np.testing.assert_allclose(grid[:, 0], [100.0, 50.0], rtol=1e-12)
    # With an escalator the first year's rate is lower: 3 years at 100, 103, 106.09 earn 3,709,080 USD per MW.
    assert float(contract_rate_usd_per_kw_month(1000 * 12 * (100 + 103 + 106.09), 1, 3, 0.03)) == pytest.approx(100)


def test_lease_npv_by_hand():
    from hashpivot.formulas.ai import lease_npv_usd

    # Month by month: rent 1,000 kW x 100 x 1.03^year, discounted (1.1)^(-m/12), 30 months (2.5 years).
    hand = sum(1000 * 100 * 1.03 ** ((m - 1) // 12) * 1.1 ** (-m / 12) for m in range(1, 31))
    assert float(lease_npv_usd(1, 100, 2.5, 0.03, 0.1)) == pytest.approx(hand, rel=1e-12)
    npv = lease_npv_usd(np.array([1.0, 2.0]), 100, 2.5, 0.03, np.array([[0.1], [0.0]]))
    assert npv.shape == (2, 2)
    assert npv[0, 1] == pytest.approx(2 * hand, rel=1e-12)
    assert npv[1, 0] == pytest.approx(sum(1000 * 100 * 1.03 ** ((m - 1) // 12) for m in range(1, 31)), rel=1e-12)
    assert_input_error(lambda: lease_npv_usd(1, -1, 1), "rate_usd_per_kw_month", ">= 0")
