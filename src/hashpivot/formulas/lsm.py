"""Least-squares Monte Carlo for options with early exercise (Longstaff & Schwartz), and the strip of
shutdown options of an ASIC.

Longstaff-Schwartz: F. A. Longstaff and E. S. Schwartz, "Valuing American Options by Simulation: A Simple
Least-Squares Approach", *Review of Financial Studies* 14(1), 2001, pp. 113-147. On each path the holder may
exercise at one of the dates (columns); exercising at date k pays ``payoff[:, k]``. Going backwards from the last
date, the cash each path will receive if it does not exercise now (its continuation) is regressed on a few basis
functions of the state at that date, over the paths where exercising pays something (in the money); a path
exercises where its payoff beats the fitted continuation. Everything is compared in present value at time 0
(the payoff times the discount factor of its date), so path-wise discount factors are handled as well.

Two refinements over the paper, both standard:

- **Out of sample** (``cross_fit=True``, the default): the regression coefficients are fitted on one half of the
  paths and the exercise rule they define is applied to the other half, then the halves swap. No path's
  decision uses its own future, so the estimate is a lower bound of the true value (a valid stopping rule),
  not the slightly high in-sample estimate (Glasserman, *Monte Carlo Methods in Financial Engineering*,
  Springer 2003, section 8.6).
- **Payoffs not known at exercise** (``payoff_is_known=False``): when the payoff of exercising at date k is the
  realised present value of cash flows after k (converting MW to AI forgoes mining revenue that is not known
  yet), the payoff is regressed on the basis too, and a path exercises where the *fitted* payoff is positive
  and beats the fitted continuation. Using the realised payoff in the decision would look ahead.

Antithetic paths (``antithetic=True``): the caller's paths come in pairs, path i and path i + n/2 drawn from
opposite shocks; the standard error is then taken over the pairs' means and the cross-fitting halves keep
pairs together.

When every path has the same state at the first date (date 0 is "now"), no regression is possible there: the
rule at date 0 compares the mean payoff of exercising now with the mean value of holding on.

The ASIC shutdown option (D. Yaish and A. Zohar, "Pricing ASICs for Cryptocurrency Mining", 2020,
arXiv:2002.11064): a miner that may switch off in any period when its revenue falls below its power cost holds a
strip of independent European options max(revenue - cost, 0), one per period; without the option (a
take-or-pay power contract, or machines that must run) it holds the obligation revenue - cost.
:func:`shutdown_strip_value_usd` values both on given paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.errors import InputError
from hashpivot.formulas._validate import finite, positive

#: Bases of the regression: Laguerre polynomials L_0..L_d (LS 2001 section 1 use weighted Laguerre functions;
#: unweighted polynomials with a constant span the same space times exp(-x/2) and are better conditioned on
#: scaled states), or plain powers 1, x, ..., x^d. Several states: products of one polynomial of each, total
#: degree <= d (cross terms such as hashprice x BTC price included).
BASES = ("laguerre", "power")
#: Sides of the exercise boundary: exercise when the first state is low (a put, converting mining when hashprice
#: is low) or high (a call, investing when the project is worth much).
BOUNDARY_SIDES = ("below", "above")


@dataclass(frozen=True)
class LsmResult:
    """What :func:`lsm_price` found. Money in the payoff's unit, at time 0.

    - ``value``: the option's value, the mean over paths of the cash the exercise rule collects. [payoff unit]
    - ``standard_error``: its Monte Carlo standard error (over antithetic pairs when given). [payoff unit]
    - ``path_value``: present value each path collects (0 where it never exercises). [payoff unit]
    - ``exercise_index``: date each path exercises at, -1 where it never does. [date index]
    - ``boundary``: per date, the first state's value at the edge of the exercise region: the highest state at
      which a path exercised there (``side="below"``) or the lowest (``"above"``); NaN where no path exercised.
      [state unit]
    - ``exercise_now_value``: mean present value of exercising at date 0 on every path. [payoff unit]
    - ``hold_value``: value of the best rule that never exercises at date 0 (NaN when date 0 is not "now").
      [payoff unit]
    """

    value: float
    standard_error: float
    path_value: NDArray[np.float64]
    exercise_index: NDArray[np.int64]
    boundary: NDArray[np.float64]
    exercise_now_value: float
    hold_value: float

    @property
    def waiting_value(self) -> float:
        """Value of keeping the option rather than exercising now: value - exercise_now_value. [payoff unit]"""
        return self.value - self.exercise_now_value

    def exercise_probability(self) -> float:
        """Share of paths that exercise at some date. [fraction]"""
        return float(np.mean(self.exercise_index >= 0))

    def exercise_date_counts(self) -> NDArray[np.int64]:
        """Paths exercising at each date (the distribution of exercise dates). [paths]"""
        n_dates = self.boundary.size
        return np.bincount(self.exercise_index[self.exercise_index >= 0], minlength=n_dates).astype(np.int64)


def basis_matrix(states: ArrayLike, degree: int, kind: str = "laguerre") -> NDArray[np.float64]:
    """Regression basis of ``states`` (n,) or (n, k), already scaled to order 1: every product of one polynomial
    of each state of total degree <= ``degree``, the constant first. [dimensionless]

    >>> basis_matrix([0.0, 1.0, 2.0], 2, "laguerre")  # L0 = 1, L1 = 1 - x, L2 = 1 - 2x + x^2 / 2
    array([[ 1. ,  1. ,  1. ],
           [ 1. ,  0. , -0.5],
           [ 1. , -1. , -1. ]])
    >>> basis_matrix([[1.0, 2.0]], 1, "power")  # 1, y, x (total degree <= 1)
    array([[1., 2., 1.]])
    """
    x = np.asarray(states, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    if kind not in BASES:
        raise InputError("basis", kind, f"one of {', '.join(BASES)}")
    if not 1 <= int(degree) <= 8:
        raise InputError("degree", degree, "an integer in [1, 8]")
    vander = np.polynomial.laguerre.lagvander if kind == "laguerre" else np.polynomial.polynomial.polyvander
    per_state = [vander(x[:, j], degree) for j in range(x.shape[1])]
    powers = [p for p in product(range(degree + 1), repeat=x.shape[1]) if sum(p) <= degree]
    powers.sort(key=lambda p: (sum(p), p))
    out = np.empty((x.shape[0], len(powers)))
    for col, p in enumerate(powers):
        term = np.ones(x.shape[0])
        for j, d in enumerate(p):
            term = term * per_state[j][:, d]
        out[:, col] = term
    return out


@dataclass(frozen=True)
class _Rule:
    """A fitted exercise rule: per date the state scales and the coefficients of the continuation (and of the
    payoff when it is not known at exercise); ``now``: date 0 is "now", decided outside the rule."""

    scales: list[NDArray[np.float64] | None]
    continuation: list[NDArray[np.float64] | None]
    payoff: list[NDArray[np.float64] | None]
    now: bool


def lsm_price(
    payoff: ArrayLike,
    states: ArrayLike | None = None,
    *,
    discount_factor: ArrayLike | None = None,
    degree: int = 3,
    basis: str = "laguerre",
    payoff_is_known: bool = True,
    cross_fit: bool = True,
    antithetic: bool = False,
    boundary_side: str = "below",
) -> LsmResult:
    """Value of the right to exercise once, at the date of one's choosing, by least squares Monte Carlo.

    ``payoff``: (paths, dates) what exercising at each date pays, in money of that date (or already in
    present value with ``discount_factor`` None). ``states``: (paths, dates) or (paths, dates, k) what is known
    at each date and drives the future (the underlying's price; default: the payoff itself). ``discount_factor``:
    (dates,) or (paths, dates), present value at time 0 of 1 paid at each date [dimensionless]. See the module
    docstring for the method and the options. Returns an :class:`LsmResult`.

    A hand check: two paths, one date, a payoff of 2 on one and 0 on the other, discounted by 0.5, are worth
    (2 x 0.5 + 0) / 2 = 0.5.

    >>> r = lsm_price([[2.0], [0.0]], discount_factor=[0.5], cross_fit=False)
    >>> r.value, r.exercise_index.tolist()
    (0.5, [0, -1])
    """
    pv, x = _inputs(payoff, states, discount_factor)
    if boundary_side not in BOUNDARY_SIDES:
        raise InputError("boundary_side", boundary_side, f"one of {', '.join(BOUNDARY_SIDES)}")
    basis_matrix(np.zeros((1, x.shape[2])), degree, basis)  # checks degree and basis once
    n_paths = pv.shape[0]
    if antithetic and n_paths % 2:
        raise InputError("antithetic", f"{n_paths} paths", "an even number of paths (pairs i and i + n/2)")
    now = n_paths > 1 and bool(np.all(x[:, 0, :] == x[0, 0, :])) and pv.shape[1] > 1
    rules = []
    if cross_fit and n_paths >= 4:
        halves = _halves(n_paths, antithetic)
        tau = np.empty(n_paths, dtype=np.int64)
        for fit_on, apply_to in (halves, halves[::-1]):
            rules.append(_fit(pv[fit_on], x[fit_on], degree, basis, payoff_is_known, now))
            tau[apply_to] = _apply(rules[-1], pv[apply_to], x[apply_to], degree, basis, payoff_is_known)
    else:
        rules.append(_fit(pv, x, degree, basis, payoff_is_known, now))
        tau = _apply(rules[0], pv, x, degree, basis, payoff_is_known)
    rows = np.arange(n_paths)
    path_value = np.where(tau >= 0, pv[rows, np.maximum(tau, 0)], 0.0)
    hold = np.nan
    if now:  # date 0 is one decision for every path: exercise all now, or follow the rule from date 1 on
        hold = float(path_value.mean())
        if pv[:, 0].mean() > max(hold, 0.0):
            tau = np.zeros(n_paths, dtype=np.int64)
            path_value = pv[:, 0].copy()
    return LsmResult(
        value=float(path_value.mean()),
        standard_error=_standard_error(path_value, antithetic),
        path_value=path_value,
        exercise_index=tau,
        boundary=(_rule_boundary(rules, x[:, :, 0], tau, degree, basis, boundary_side)
                  if not payoff_is_known and x.shape[2] == 1 else _boundary(x[:, :, 0], tau, boundary_side)),
        exercise_now_value=float(pv[:, 0].mean()),
        hold_value=hold,
    )


def _inputs(payoff, states, discount_factor) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The payoffs in present value (paths, dates) and the states (paths, dates, k), checked."""
    pay = finite("payoff", payoff)
    if pay.ndim != 2 or pay.shape[0] < 2 or pay.shape[1] < 1:
        raise InputError("payoff", f"shape {pay.shape}", "a (paths, dates) array with at least 2 paths and 1 date")
    x = pay if states is None else finite("states", states)
    x = x[:, :, None] if x.ndim == 2 else x
    if x.ndim != 3 or x.shape[:2] != pay.shape:
        raise InputError("states", f"shape {x.shape}", f"(paths, dates) or (paths, dates, k) with (paths, dates) = "
                         f"{pay.shape}")
    if discount_factor is None:
        return pay, x
    df = positive("discount_factor", discount_factor)
    try:
        return pay * np.broadcast_to(df, pay.shape), x
    except ValueError:
        raise InputError("discount_factor", f"shape {df.shape}",
                         f"(dates,) or (paths, dates) with (paths, dates) = {pay.shape}") from None


def _halves(n_paths: int, antithetic: bool) -> list[NDArray[np.int64]]:
    """Two disjoint halves of the paths; with antithetic pairs (i, i + n/2) each pair stays in one half."""
    if not antithetic:
        idx = np.arange(n_paths)
        return [idx[0::2], idx[1::2]]
    half = n_paths // 2
    pairs = np.arange(half)
    a, b = pairs[0::2], pairs[1::2]
    return [np.concatenate([a, a + half]), np.concatenate([b, b + half])]


def _scaled(x: NDArray[np.float64], scale: NDArray[np.float64]) -> NDArray[np.float64]:
    return x / scale


def _scale_of(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per state, the mean absolute value (1 where it is 0): scaled states are of order 1."""
    s = np.mean(np.abs(x), axis=0)
    return np.where(s > 0, s, 1.0)


def _lstsq(a: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Least-squares coefficients of ``y`` on the columns of ``a``, by the normal equations of the
    column-normalised basis solved by SVD: a few terms over many paths, so forming the small Gram matrix is
    hundreds of times cheaper than an SVD of ``a`` itself, and normalising keeps it well conditioned."""
    norm = np.sqrt(np.einsum("ij,ij->j", a, a))
    norm = np.where(norm > 0, norm, 1.0)
    b = a / norm
    return np.linalg.lstsq(b.T @ b, b.T @ y, rcond=1e-12)[0] / norm


def _fit(pv, x, degree, basis, payoff_is_known, now) -> _Rule:
    """Backward induction on these paths (in sample): the exercise rule's coefficients per date."""
    n_paths, n_dates = pv.shape
    n_terms = basis_matrix(np.zeros((1, x.shape[2])), degree, basis).shape[1]
    cash = np.maximum(pv[:, -1], 0.0) if payoff_is_known else pv[:, -1].copy()
    exercised_last = pv[:, -1] > 0
    scales: list = [None] * n_dates
    cont: list = [None] * n_dates
    pay: list = [None] * n_dates
    if not payoff_is_known:  # at the last date: exercise where the payoff's expectation is positive
        scales[-1] = _scale_of(x[:, -1])
        a = basis_matrix(_scaled(x[:, -1], scales[-1]), degree, basis)
        pay[-1] = _lstsq(a, pv[:, -1])
        exercised_last = a @ pay[-1] > 0
        cash = np.where(exercised_last, pv[:, -1], 0.0)
    first = 1 if now else 0
    for k in range(n_dates - 2, first - 1, -1):
        scale = _scale_of(x[:, k])
        a = basis_matrix(_scaled(x[:, k], scale), degree, basis)
        if payoff_is_known:
            itm = pv[:, k] > 0
            fitted_pay = pv[:, k]
        else:
            coef_pay = _lstsq(a, pv[:, k])
            fitted_pay = a @ coef_pay
            itm = fitted_pay > 0
            pay[k] = coef_pay
        scales[k] = scale
        if itm.sum() < n_terms:  # too few paths in the money to regress: nobody exercises here
            cont[k] = None
            continue
        coef = _lstsq(a[itm], cash[itm])
        cont[k] = coef
        ex = np.zeros(n_paths, dtype=bool)
        ex[itm] = fitted_pay[itm] > a[itm] @ coef
        cash = np.where(ex, pv[:, k], cash)
    return _Rule(scales, cont, pay, now)


def _apply(rule: _Rule, pv, x, degree, basis, payoff_is_known) -> NDArray[np.int64]:
    """The first date at which each path exercises under ``rule`` (-1: never), forwards in time."""
    n_paths, n_dates = pv.shape
    tau = np.full(n_paths, -1, dtype=np.int64)
    alive = np.ones(n_paths, dtype=bool)
    for k in range(n_dates):
        if k == 0 and rule.now:
            continue
        if k == n_dates - 1:
            if payoff_is_known:
                ex = pv[:, k] > 0
            else:
                a = basis_matrix(_scaled(x[:, k], rule.scales[k]), degree, basis)
                ex = a @ rule.payoff[k] > 0
        elif rule.continuation[k] is None:
            continue
        else:
            a = basis_matrix(_scaled(x[:, k], rule.scales[k]), degree, basis)
            fitted_pay = pv[:, k] if payoff_is_known else a @ rule.payoff[k]
            ex = (fitted_pay > 0) & (fitted_pay > a @ rule.continuation[k])
        hit = alive & ex
        tau[hit] = k
        alive &= ~hit
        if not alive.any():
            break
    return tau


def _standard_error(values: NDArray[np.float64], antithetic: bool) -> float:
    if antithetic:
        half = values.size // 2
        values = 0.5 * (values[:half] + values[half:])
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


def _boundary(first_state: NDArray[np.float64], tau: NDArray[np.int64], side: str) -> NDArray[np.float64]:
    """Per date, the highest (``below``) or lowest (``above``) first state among the paths exercising there."""
    n_dates = first_state.shape[1]
    out = np.full(n_dates, np.nan)
    hit = tau >= 0
    if not hit.any():
        return out
    values = first_state[np.nonzero(hit)[0], tau[hit]]
    dates = tau[hit]
    order_fn = np.fmax if side == "below" else np.fmin
    order_fn.at(out, dates, values)  # fmax/fmin ignore the NaN the array starts with
    return out


#: Points of the state grid on which a fitted rule's boundary is read. [points]
BOUNDARY_GRID_POINTS = 401


def _rule_boundary(rules: list[_Rule], first_state, tau, degree, basis, side: str) -> NDArray[np.float64]:
    """Per date, the exercise boundary of the fitted rule itself, where the rule depends on one state only (the
    payoff is regressed, so the decision is a function of the state): on a grid over the date's observed states,
    the highest (``below``) or lowest (``above``) state at which the rule exercises, averaged over the cross-fitted
    rules. Steadier than the extreme path that happened to exercise there (``_boundary``), which is the fallback
    for date 0 when it is "now" (one decision for every path, not a rule of the state)."""
    out = _boundary(first_state, tau, side)
    n_dates = first_state.shape[1]
    for k in range(1 if rules[0].now else 0, n_dates):
        lo, hi = float(first_state[:, k].min()), float(first_state[:, k].max())
        grid = np.linspace(lo, hi, BOUNDARY_GRID_POINTS)[:, None]
        found = []
        for rule in rules:
            if rule.scales[k] is None or (k < n_dates - 1 and rule.continuation[k] is None):
                continue
            a = basis_matrix(_scaled(grid, rule.scales[k]), degree, basis)
            fitted_pay = a @ rule.payoff[k]
            ex = fitted_pay > 0 if k == n_dates - 1 else (fitted_pay > 0) & (fitted_pay > a @ rule.continuation[k])
            if ex.any():
                found.append(grid[ex, 0].max() if side == "below" else grid[ex, 0].min())
        out[k] = float(np.mean(found)) if found else np.nan
    return out


def shutdown_strip_value_usd(
    revenue_usd: ArrayLike,
    cost_usd: ArrayLike,
    discount_factor: ArrayLike = 1.0,
) -> tuple[float, float, NDArray[np.float64], NDArray[np.float64]]:
    """Value of running machines with the option to switch off in any period against the obligation to run:
    per path the sum over periods of discount x max(revenue - cost, 0), and of discount x (revenue - cost)
    (Yaish and Zohar 2020, see the module docstring). ``revenue_usd`` (paths, periods); ``cost_usd`` and
    ``discount_factor`` broadcast to it. Returns (mean value with the option, mean value without it, per-path
    values with, per-path values without). [USD]

    >>> with_opt, without, _, _ = shutdown_strip_value_usd([[3.0, 1.0]], [[2.0, 2.0]])
    >>> with_opt, without  # max(1, 0) + max(-1, 0) = 1; (1) + (-1) = 0
    (1.0, 0.0)
    """
    rev = finite("revenue_usd", revenue_usd)
    if rev.ndim != 2:
        raise InputError("revenue_usd", f"shape {rev.shape}", "a (paths, periods) array")
    cost = finite("cost_usd", cost_usd)
    df = positive("discount_factor", discount_factor)
    try:
        margin = (rev - np.broadcast_to(cost, rev.shape)) * np.broadcast_to(df, rev.shape)
    except ValueError:
        raise InputError("cost_usd", f"shape {cost.shape}", f"broadcastable to {rev.shape}") from None
    with_option = np.maximum(margin, 0.0).sum(axis=1)
    obligation = margin.sum(axis=1)
    return float(with_option.mean()), float(obligation.mean()), with_option, obligation
