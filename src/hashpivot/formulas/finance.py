"""Discounting, NPV, IRR and payback of cash-flow arrays.

Cash flows lie along the LAST axis, one per period, the first at t = 0 (undiscounted; unlike a
spreadsheet's NPV(), which discounts the first flow too). Leading axes (path, scenario, ...) are
independent cash-flow streams, and a rate broadcasts against them: flows of shape (3, 10) with
rates of shape (4, 1) give NPVs of shape (4, 3). Rates are per period (a month for monthly flows);
convert an annual rate with :func:`rate_per_period_from_annual`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.errors import InputError
from hashpivot.formulas._validate import finite, nonneg, positive
from hashpivot.units import DAYS_PER_YEAR

#: IRR search grid in x = log(1 + rate): rates from about -0.9999992 to 1.2e6 per period, with a
#: point at exactly rate 0 so that no bracket straddles it.
_IRR_GRID_X = np.linspace(-14.0, 14.0, 1401)
_IRR_ZERO_INDEX = 700
_IRR_BISECTIONS = 64
_ROWS_PER_CHUNK = 2048


def _rate(name: str, value: ArrayLike) -> NDArray[np.float64]:
    arr = finite(name, value)
    if np.any(arr <= -1):
        raise InputError(name, value, "finite rates > -1 per period")
    return arr


def _flows(value: ArrayLike) -> NDArray[np.float64]:
    arr = finite("cash_flows_usd", value)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise InputError(
            "cash_flows_usd", value, "an array with at least one period along the last axis"
        )
    return arr


def rate_per_period_from_annual(
    rate_per_year: ArrayLike, periods_per_year: ArrayLike
) -> NDArray[np.float64]:
    """Compound rate per period equivalent to an annual rate: (1 + r)^(1/m) - 1. [1/period]

    >>> round(float(rate_per_period_from_annual(0.1, 12)), 12)  # 1.1 ** (1/12) - 1
    0.007974140429
    """
    r = _rate("rate_per_year", rate_per_year)
    m = positive("periods_per_year", periods_per_year)
    return np.expm1(np.log1p(r) / m)


def discount_factor(rate_per_period: ArrayLike, n_periods: ArrayLike) -> NDArray[np.float64]:
    """Present value of 1 paid after ``n_periods``: (1 + r)^-n. [dimensionless]

    >>> round(float(discount_factor(0.1, 2)), 12)  # 1 / 1.21
    0.826446280992
    """
    r = _rate("rate_per_period", rate_per_period)
    n = nonneg("n_periods", n_periods)
    return (1.0 + r) ** -n


def annuity_factor(rate_per_period: ArrayLike, n_periods: ArrayLike) -> NDArray[np.float64]:
    """Present value of 1 paid at the end of each of ``n_periods`` periods. [dimensionless]

    sum over t = 1 .. n of (1 + r)^-t = (1 - (1 + r)^-n) / r, and n where r = 0.

    >>> round(float(annuity_factor(0.1, 3)), 12)  # 1/1.1 + 1/1.21 + 1/1.331
    2.486851990984
    """
    r = _rate("rate_per_period", rate_per_period)
    n = nonneg("n_periods", n_periods)
    r_safe = np.where(r == 0, 1.0, r)
    # -expm1(-n log1p r) = 1 - (1+r)^-n without cancellation for small r
    return np.where(r == 0, n, -np.expm1(-n * np.log1p(r)) / r_safe)


def npv_usd(cash_flows_usd: ArrayLike, rate_per_period: ArrayLike) -> NDArray[np.float64]:
    """Net present value of cash flows along the last axis, the first at t = 0. [USD]

    sum over t of flow_t / (1 + r)^t. The result has the leading shape of the flows broadcast
    against the shape of the rate.

    >>> round(float(npv_usd([-100, 60, 60], 0.1)), 9)  # -100 + 60/1.1 + 60/1.21
    4.132231405
    """
    flows = _flows(cash_flows_usd)
    r = _rate("rate_per_period", rate_per_period)
    t = np.arange(flows.shape[-1], dtype=np.float64)
    return np.sum(flows * (1.0 + r[..., np.newaxis]) ** -t, axis=-1)


def _npv_sign(flows: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sign of the NPV of each row of ``flows`` (L, n) at rate expm1(x) for x of shape (L,).

    Multiplied by the positive (1 + r)^(n-1) where r <= 0, so that no factor exceeds 1.
    """
    n = flows.shape[-1]
    t = np.arange(n, dtype=np.float64)
    xc = x[:, np.newaxis]
    exponent = np.where(xc <= 0, xc * (n - 1 - t), -xc * t)
    return np.sign(np.sum(flows * np.exp(exponent), axis=-1))


def _bisect_x(
    flows: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64]
) -> NDArray[np.float64]:
    s_lo = _npv_sign(flows, lo)
    for _ in range(_IRR_BISECTIONS):
        mid = 0.5 * (lo + hi)
        s_mid = _npv_sign(flows, mid)
        on_root = s_mid == 0
        same = s_mid == s_lo
        lo = np.where(on_root | same, mid, lo)
        hi = np.where(on_root | ~same, mid, hi)
    return np.where(s_lo == 0, lo, 0.5 * (lo + hi))


def _irr_rows(flows: NDArray[np.float64]) -> NDArray[np.float64]:
    n = flows.shape[-1]
    t = np.arange(n, dtype=np.float64)[:, np.newaxis]
    grid = _IRR_GRID_X[np.newaxis, :]
    exponent = np.where(grid <= 0, grid * (n - 1 - t), -grid * t)  # (n, G)
    signs = np.sign(flows @ np.exp(exponent))  # (L, G)
    c = _IRR_ZERO_INDEX
    rows = np.arange(flows.shape[0])

    # Upward from rate 0: first grid point j > c that is a root or ends a sign change.
    up = (signs[:, c + 1 :] == 0) | (signs[:, c + 1 :] * signs[:, c:-1] < 0)
    has_up = up.any(axis=1)
    j_up = c + 1 + np.argmax(up, axis=1)
    # Downward from rate 0: first grid point j < c that is a root or starts a sign change.
    down = (signs[:, :c][:, ::-1] == 0) | (signs[:, :c][:, ::-1] * signs[:, 1 : c + 1][:, ::-1] < 0)
    has_down = down.any(axis=1)
    j_down = c - 1 - np.argmax(down, axis=1)

    x_up = _bisect_x(flows, _IRR_GRID_X[j_up - 1], _IRR_GRID_X[j_up])
    x_up = np.where(signs[rows, j_up] == 0, _IRR_GRID_X[j_up], x_up)
    x_down = _bisect_x(flows, _IRR_GRID_X[j_down], _IRR_GRID_X[j_down + 1])
    r_up = np.where(has_up, np.expm1(x_up), np.nan)
    r_down = np.where(has_down, np.expm1(x_down), np.nan)

    pick_down = has_down & (~has_up | (np.abs(r_down) < np.abs(r_up)))
    out = np.where(pick_down, r_down, r_up)
    out = np.where(signs[:, c] == 0, 0.0, out)
    return np.where(np.all(flows == 0, axis=1), np.nan, out)


def irr_per_period(cash_flows_usd: ArrayLike) -> NDArray[np.float64]:
    """Internal rate of return of cash flows along the last axis (the rate where NPV = 0). [1/period]

    Vectorized over the leading axes: the NPV's sign is scanned on a grid of rates from about
    -0.9999992 to 1.2e6 per period (uniform in log(1 + rate), step 0.02), then the bracket is
    bisected to machine precision. Where the NPV has several roots (flows that change sign more
    than once) the one closest to 0 is returned, as numpy-financial does; two roots closer than the
    grid step may be missed. NaN where no IRR exists: the NPV does not change sign on the grid
    (e.g. all flows >= 0, or all <= 0), or every flow is 0.

    >>> round(float(irr_per_period([-100, 110])), 12)  # 110 / 100 - 1
    0.1
    >>> round(float(irr_per_period([-100, 40, 40, 40])), 9)  # 40 * annuity_factor(r, 3) = 100
    0.097010257
    >>> float(irr_per_period([100, 40]))  # never negative: no IRR
    nan
    """
    flows = _flows(cash_flows_usd)
    lead = flows.shape[:-1]
    rows = flows.reshape(-1, flows.shape[-1])
    out = np.empty(rows.shape[0])
    for start in range(0, rows.shape[0], _ROWS_PER_CHUNK):
        stop = start + _ROWS_PER_CHUNK
        out[start:stop] = _irr_rows(rows[start:stop])
    return out.reshape(lead)[()]


def _payback_rows(flows: NDArray[np.float64]) -> NDArray[np.float64]:
    cum = np.cumsum(flows, axis=-1)
    negative = cum < 0
    ever_negative = negative.any(axis=1)
    first_negative = np.argmax(negative, axis=1)
    periods = np.arange(flows.shape[-1])
    recovered = (periods > first_negative[:, np.newaxis]) & (cum >= 0)
    has = ever_negative & recovered.any(axis=1)
    out = np.where(ever_negative, np.inf, 0.0)
    k = np.argmax(recovered, axis=1)[has]
    idx = np.flatnonzero(has)
    # cum[k-1] < 0 <= cum[k], so flows[k] > 0: recover the rest linearly within period k
    out[idx] = (k - 1) + (-cum[idx, k - 1]) / flows[idx, k]
    return out


def payback_periods(cash_flows_usd: ArrayLike) -> NDArray[np.float64]:
    """Periods until cumulative cash flow first recovers to >= 0, interpolated linearly. [periods]

    Flow t (t >= 1) is taken to accrue evenly over period (t-1, t]; flow 0 is at t = 0. If the
    cumulative flow first turns negative and then reaches >= 0 in period k, the payback is
    (k - 1) + (-cumulative_{k-1}) / flow_k. 0 where the cumulative flow is never negative, ``inf``
    where it never recovers. A later dip below 0 (e.g. a second capex) does not move it.

    >>> float(payback_periods([-100, 40, 40, 40]))  # cumulative -100, -60, -20, +20: 2 + 20/40
    2.5
    >>> float(payback_periods([-100, 40, 40]))
    inf
    """
    flows = _flows(cash_flows_usd)
    rows = flows.reshape(-1, flows.shape[-1])
    return _payback_rows(rows).reshape(flows.shape[:-1])[()]


def discounted_payback_periods(
    cash_flows_usd: ArrayLike, rate_per_period: ArrayLike
) -> NDArray[np.float64]:
    """Payback of the discounted flows flow_t / (1 + r)^t (see :func:`payback_periods`). [periods]

    >>> round(float(discounted_payback_periods([-100, 55, 66], 0.1)), 12)  # 1 + 50*1.21/66
    1.916666666667
    """
    flows = _flows(cash_flows_usd)
    r = _rate("rate_per_period", rate_per_period)
    t = np.arange(flows.shape[-1], dtype=np.float64)
    discounted = flows * (1.0 + r[..., np.newaxis]) ** -t
    rows = discounted.reshape(-1, discounted.shape[-1])
    return _payback_rows(rows).reshape(discounted.shape[:-1])[()]


def daily_flow_pv_unchecked(usd_per_day, first_day, n_days, rate_per_year, hazard_per_day):
    """Present value on day 0 of ``usd_per_day`` paid on each of days ``first_day`` .. ``first_day + n_days - 1``
    while a counterparty that defaults with probability ``hazard_per_day`` each day survives, discounted at
    ``rate_per_year`` compounded daily over 365-day years (``units.DAYS_PER_YEAR``), unchecked (scalars; the
    engine's jitted stages compile this very function): x q^first_day (1 - q^n) / (1 - q), q = (1 - h) / (1 + r)^(1/365); x n where
    q = 1. [USD]"""
    if n_days <= 0:
        return 0.0
    log_q = np.log1p(-hazard_per_day) - np.log1p(rate_per_year) / DAYS_PER_YEAR
    if log_q == 0.0:
        return usd_per_day * n_days
    # -expm1(n log q) / -expm1(log q) = (1 - q^n) / (1 - q) without cancellation when q is near 1
    return usd_per_day * np.exp(first_day * log_q) * np.expm1(n_days * log_q) / np.expm1(log_q)


def daily_flow_pv_usd(usd_per_day: ArrayLike, first_day: ArrayLike, n_days: ArrayLike, rate_per_year: ArrayLike,
                      hazard_per_day: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Present value on day 0 of a level daily flow [USD/day] paid on days ``first_day`` .. ``first_day + n_days -
    1`` while the payer survives a daily default probability, at an annual discount rate. [USD]

    Contracted rent left at a run's horizon is valued this way (``engine.stages.contracted_value_usd``).

    >>> round(float(daily_flow_pv_usd(100.0, 1, 365, 0.0)), 6)  # no discount, no default: 100 x 365
    36500.0
    >>> round(float(daily_flow_pv_usd(1.0, 1, 2, 0.1)), 12)  # 1.1^(-1/365) + 1.1^(-2/365)
    1.999216799097
    >>> round(float(daily_flow_pv_usd(1.0, 1, 1, 0.0, 0.01)), 12)  # survives the day with 0.99
    0.99
    """
    x = finite("usd_per_day", usd_per_day)
    first = nonneg("first_day", first_day)
    n = nonneg("n_days", n_days)
    r = _rate("rate_per_year", rate_per_year)
    h = nonneg("hazard_per_day", hazard_per_day)
    if np.any(h >= 1):
        raise InputError("hazard_per_day", hazard_per_day, "a daily default probability in [0, 1)")
    return np.vectorize(daily_flow_pv_unchecked, otypes=[np.float64])(x, first, n, r, h)
