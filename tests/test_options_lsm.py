"""Least-squares Monte Carlo (formulas/lsm.py) against independent values derived here: Longstaff and Schwartz's
own numerical example, an American put on a binomial tree written in this file, and McDonald and Siegel's
perpetual option to invest in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.formulas.lsm import basis_matrix, lsm_price


def crr_american_put(spot: float, strike: float, rate: float, vol: float, years: float, n_steps: int) -> float:
    """Cox-Ross-Rubinstein tree (J. C. Hull, Options, Futures, and Other Derivatives, 8th ed., section 20.1):
    u = exp(sigma sqrt(dt)), d = 1/u, p = (exp(r dt) - d) / (u - d); at each node the larger of exercising and
    the discounted expectation of the next two."""
    dt = years / n_steps
    up = math.exp(vol * math.sqrt(dt))
    p = (math.exp(rate * dt) - 1 / up) / (up - 1 / up)
    disc = math.exp(-rate * dt)
    j = np.arange(n_steps + 1)
    value = np.maximum(strike - spot * up ** (n_steps - 2 * j), 0.0)
    for i in range(n_steps - 1, -1, -1):
        j = np.arange(i + 1)
        value = np.maximum(disc * (p * value[:-1] + (1 - p) * value[1:]), strike - spot * up ** (i - 2 * j))
    return float(value[0])


def gbm_paths(spot: float, drift: float, vol: float, years: float, n_steps: int, n_paths: int,
              seed: int) -> np.ndarray:
    """(paths, n_steps + 1) geometric Brownian motion from ``spot``, exact in law at each step; the second half
    of the paths uses the first half's shocks with the opposite sign (antithetic pairs i, i + n/2)."""
    dt = years / n_steps
    z = np.random.default_rng(seed).standard_normal((n_paths // 2, n_steps))
    z = np.vstack([z, -z])
    log_steps = (drift - 0.5 * vol**2) * dt + vol * math.sqrt(dt) * z
    return spot * np.exp(np.hstack([np.zeros((n_paths, 1)), np.cumsum(log_steps, axis=1)]))


def test_longstaff_schwartz_numerical_example() -> None:
    # Longstaff & Schwartz (2001), section 1: eight paths of a non-dividend stock, an American put struck at
    # 1.10 exercisable at t = 1, 2, 3, r = 6 %; regressing on 1, X, X^2 over the in-the-money paths the paper
    # finds the stopping rule (paths 4, 6, 7, 8 at t = 1; path 3 at t = 3; the rest never) and a value of 0.1144.
    prices = np.array([[1.09, 1.08, 1.34], [1.16, 1.26, 1.54], [1.22, 1.07, 1.03], [0.93, 0.97, 0.92],
                       [1.11, 1.56, 1.52], [0.76, 0.77, 0.90], [0.92, 0.84, 1.01], [0.88, 1.22, 1.34]])
    discount = np.exp(-0.06 * np.arange(1, 4))
    result = lsm_price(np.maximum(1.10 - prices, 0.0), prices, discount_factor=discount, degree=2, basis="power",
                       cross_fit=False)
    assert result.exercise_index.tolist() == [-1, -1, 2, 0, -1, 0, 0, 0]
    # the paper's cash flows, discounted by hand: 0.07 at t=3 on path 3; 0.17, 0.34, 0.18, 0.22 at t=1
    by_hand = (0.07 * math.exp(-0.18) + (0.17 + 0.34 + 0.18 + 0.22) * math.exp(-0.06)) / 8
    assert_allclose(result.value, by_hand, rtol=1e-12)
    assert round(result.value, 4) == 0.1144


def test_american_put_within_one_percent_of_a_binomial_tree() -> None:
    # S = K = 100, r = 5 %, sigma = 20 %, T = 1: the 2,000-step tree gives about 6.09
    tree = crr_american_put(100.0, 100.0, 0.05, 0.20, 1.0, 2000)
    assert 6.08 < tree < 6.10
    n_dates = 100
    prices = gbm_paths(100.0, 0.05, 0.20, 1.0, n_dates, 100_000, seed=20010101)[:, 1:]
    times = np.arange(1, n_dates + 1) / n_dates
    result = lsm_price(np.maximum(100.0 - prices, 0.0), prices, discount_factor=np.exp(-0.05 * times),
                       antithetic=True)
    assert abs(result.value / tree - 1) < 0.01
    # an early-exercise premium the European put cannot have: above Black-Scholes' 5.5735 (Hull eq. 15.21 with
    # these inputs: d1 = 0.35, d2 = 0.15, K e^-rT N(-d2) - S N(-d1))
    d1, d2 = 0.35, 0.15
    european = 100 * math.exp(-0.05) * 0.5 * math.erfc(d2 / math.sqrt(2)) - 100 * 0.5 * math.erfc(d1 / math.sqrt(2))
    assert result.value - european > 5 * result.standard_error
    # the boundary of a put lies below the strike and rises towards it at expiry
    assert np.nanmax(result.boundary) <= 100.0
    assert result.boundary[-1] > result.boundary[n_dates // 2]


def mcdonald_siegel(value: float, investment: float, rate: float, yield_: float, vol: float):
    """McDonald & Siegel (1986), "The Value of Waiting to Invest", Quarterly Journal of Economics 101(4); Dixit and
    Pindyck, Investment under Uncertainty (1994), ch. 5: F(V) = (V* - I)(V/V*)^beta below the threshold
    V* = beta/(beta - 1) I, beta = 1/2 - (r - delta)/s^2 + sqrt(((r - delta)/s^2 - 1/2)^2 + 2 r/s^2)."""
    a = (rate - yield_) / vol**2
    beta = 0.5 - a + math.sqrt((a - 0.5) ** 2 + 2 * rate / vol**2)
    threshold = beta / (beta - 1) * investment
    return (threshold - investment) * (value / threshold) ** beta, threshold


def test_option_to_invest_within_two_percent_of_mcdonald_siegel() -> None:
    # r = 5 %, delta = 10 %, sigma = 20 %, I = V = 100: beta = 4.108, V* = 132.2, F = 10.23. Monthly exercise over
    # 30 years stands for the perpetual option: the log value drifts down 7 % a year and the discount is e^-1.5
    # there, so the decades after contribute well under 1 %.
    closed, threshold = mcdonald_siegel(100.0, 100.0, 0.05, 0.10, 0.20)
    assert_allclose([closed, threshold], [10.2277, 132.17], rtol=1e-4)
    n_dates = 30 * 12
    project = gbm_paths(100.0, 0.05 - 0.10, 0.20, 30.0, n_dates, 40_000, seed=19860101)
    times = np.arange(n_dates + 1) / 12
    result = lsm_price(project - 100.0, project, discount_factor=np.exp(-0.05 * times), degree=5, antithetic=True,
                       boundary_side="above")
    assert abs(result.value / closed - 1) < 0.02
    # date 0 is "now": investing now pays V - I = 0, so all the value is the value of waiting
    assert result.exercise_now_value == 0.0
    assert_allclose(result.waiting_value, result.value)
    assert result.hold_value == result.value
    # the threshold the paths exercise at, a few years in, is near V* (monthly exercise and a regression rule)
    early = result.boundary[12:120]
    assert abs(np.nanmedian(early) / threshold - 1) < 0.1


def test_a_regressed_payoffs_boundary_is_the_fitted_rules_and_near_mcdonald_siegel() -> None:
    """The same option with its payoff regressed (as the conversion option's is): V - I is linear in V, so the
    fitted payoff is the payoff and the rule is a function of V alone; its boundary, read off the rule, lies within
    5 % of V* = 132.2 a few years in, and moves less from month to month than the extreme exercising path's."""
    _, threshold = mcdonald_siegel(100.0, 100.0, 0.05, 0.10, 0.20)
    n_dates = 30 * 12
    project = gbm_paths(100.0, 0.05 - 0.10, 0.20, 30.0, n_dates, 40_000, seed=19860101)
    df = np.exp(-0.05 * np.arange(n_dates + 1) / 12)
    known = lsm_price(project - 100.0, project, discount_factor=df, degree=5, antithetic=True, boundary_side="above")
    regressed = lsm_price(project - 100.0, project, discount_factor=df, degree=5, antithetic=True,
                          boundary_side="above", payoff_is_known=False)
    early = regressed.boundary[12:120]
    assert np.all(np.isfinite(early))
    assert abs(np.median(early) / threshold - 1) < 0.05
    assert np.std(np.diff(early)) < np.nanstd(np.diff(known.boundary[12:120]))
    assert abs(regressed.value / known.value - 1) < 0.05


def test_payoff_known_only_later_is_not_looked_ahead() -> None:
    # Exercising pays pure noise independent of the state: any rule that does not see the future is worth 0
    # in expectation; deciding on the realised payoff would collect E[max] > 0.
    rng = np.random.default_rng(5)
    noise = rng.standard_normal((20_000, 12))
    state = np.cumsum(rng.standard_normal((20_000, 12)), axis=1)
    fair = lsm_price(noise, state, payoff_is_known=False)
    assert abs(fair.value) < 4 * fair.standard_error + 0.02
    peeking = lsm_price(noise, state, payoff_is_known=True)
    assert peeking.value > 1.0  # E[max of 12 normals, 0] is about 1.6


def test_exercise_statistics_add_up() -> None:
    prices = gbm_paths(100.0, 0.05, 0.20, 1.0, 20, 2_000, seed=3)[:, 1:]
    result = lsm_price(np.maximum(100.0 - prices, 0.0), prices, discount_factor=np.exp(-0.05 * np.arange(1, 21) / 20))
    counts = result.exercise_date_counts()
    assert counts.sum() == (result.exercise_index >= 0).sum()
    assert_allclose(result.exercise_probability(), counts.sum() / 2_000, rtol=1e-15)
    rows = np.nonzero(result.exercise_index >= 0)[0]
    assert (prices[rows, result.exercise_index[rows]] < 100.0).all()  # a put exercises only in the money
    assert_allclose(result.value, result.path_value.mean(), rtol=1e-12)


def test_exercising_now_when_it_pays_more_than_waiting() -> None:
    # a deep in-the-money put with a high rate: exercising today (payoff 60 now, at most 60 later, discounted at
    # 50 %) beats waiting on every path
    prices = gbm_paths(40.0, 0.5, 0.05, 1.0, 12, 1_000, seed=8)
    times = np.arange(13) / 12
    result = lsm_price(np.maximum(100.0 - prices, 0.0), prices, discount_factor=np.exp(-0.5 * times))
    assert (result.exercise_index == 0).all()
    assert_allclose(result.value, 60.0, rtol=1e-12)
    assert result.waiting_value == 0.0
    assert result.hold_value < 60.0


def test_basis_is_laguerre_or_powers() -> None:
    x = np.array([0.5, 2.0])
    lag = basis_matrix(x, 3, "laguerre")
    # L3(x) = (-x^3 + 9x^2 - 18x + 6) / 6
    assert_allclose(lag[:, 3], (-(x**3) + 9 * x**2 - 18 * x + 6) / 6, rtol=1e-12)
    two = basis_matrix(np.array([[2.0, 3.0]]), 2, "power")
    assert_allclose(two, [[1, 3, 2, 9, 6, 4]])  # 1; y, x; y^2, xy, x^2


@pytest.mark.parametrize("kwargs, name, allowed", [
    ({"payoff": np.ones(5)}, "payoff", "(paths, dates)"),
    ({"payoff": np.ones((4, 3)), "states": np.ones((4, 2))}, "states", "(paths, dates)"),
    ({"payoff": np.ones((4, 3)), "discount_factor": np.ones(2)}, "discount_factor", "(dates,)"),
    ({"payoff": np.ones((4, 3)), "discount_factor": -np.ones(3)}, "discount_factor", "> 0"),
    ({"payoff": np.ones((4, 3)), "degree": 0}, "degree", "[1, 8]"),
    ({"payoff": np.ones((4, 3)), "basis": "hermite"}, "basis", "laguerre, power"),
    ({"payoff": np.ones((5, 3)), "antithetic": True}, "antithetic", "an even number of paths"),
    ({"payoff": np.ones((4, 3)), "boundary_side": "left"}, "boundary_side", "below, above"),
    ({"payoff": np.full((4, 3), np.nan)}, "payoff", "not NaN"),
])
def test_bad_inputs_name_the_argument(kwargs, name, allowed) -> None:
    payoff = kwargs.pop("payoff")
    assert_input_error(lambda: lsm_price(payoff, **kwargs), name, allowed)


# --- the shutdown option of an ASIC fleet (issue 15, point 4) --------------------------------------------------


def _lognormal_revenue(vol_per_sqrt_period: float, n_paths: int, n_periods: int, seed: int) -> np.ndarray:
    """Revenue per period with mean 100 in every period and log-sd vol x sqrt(period), antithetic pairs."""
    z = np.random.default_rng(seed).standard_normal((n_paths // 2, n_periods))
    z = np.vstack([z, -z])
    sd = vol_per_sqrt_period * np.sqrt(np.arange(1, n_periods + 1))
    return 100.0 * np.exp(sd * z - 0.5 * sd**2)


def _black_call(forward: float, strike: float, sd: float) -> float:
    """Black (1976) undiscounted call on a lognormal forward with total log-sd ``sd``, written out by hand."""
    n = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731 - the normal CDF
    d1 = (math.log(forward / strike) + 0.5 * sd**2) / sd
    return forward * n(d1) - strike * n(d1 - sd)


def test_shutdown_strip_is_a_strip_of_black_calls() -> None:
    """Switching off in any month where revenue is below the power cost is, month by month, a call on revenue
    struck at the cost: its value is the sum of discounted Black calls (mean 100, cost 90, 30 % per sqrt-month)."""
    from hashpivot.formulas.lsm import shutdown_strip_value_usd

    rev = _lognormal_revenue(0.30, 200_000, 12, seed=7)
    df = 0.995 ** np.arange(1, 13)
    with_opt, without, per_path, _ = shutdown_strip_value_usd(rev, 90.0, df)
    expected = sum(df[t] * _black_call(100.0, 90.0, 0.30 * math.sqrt(t + 1)) for t in range(12))
    se = per_path.std(ddof=1) / math.sqrt(per_path.size)
    assert abs(with_opt - expected) < 4 * se
    assert without == pytest.approx(10.0 * df.sum(), rel=0.01)  # the obligation earns the mean margin, 100 - 90


def test_shutdown_option_value_rises_with_volatility() -> None:
    """Same mean revenue, wider spread: the right to switch off is worth more (convexity of max(R - C, 0))."""
    from hashpivot.formulas.lsm import shutdown_strip_value_usd

    values = [shutdown_strip_value_usd(_lognormal_revenue(vol, 20_000, 24, seed=3), 95.0)[0] for vol in (0.05, 0.2, 0.5)]
    assert values[0] < values[1] < values[2]


def test_shutdown_option_never_in_the_money_is_worth_the_obligation() -> None:
    """Revenue above the cost on every path and month: the machines never switch off, both values are equal."""
    from hashpivot.formulas.lsm import shutdown_strip_value_usd

    rev = np.random.default_rng(1).uniform(60.0, 100.0, (2_000, 12))  # always above the cost of 50
    with_opt, without, per_with, per_without = shutdown_strip_value_usd(rev, 50.0)
    assert with_opt == without
    assert np.array_equal(per_with, per_without)
