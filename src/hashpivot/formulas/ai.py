"""AI/HPC economics: colocation leases priced per kW-month and GPU-as-a-service per GPU-hour.

Leases are priced per kW of critical IT load per month. 1 MW of IT load is 1,000 kW; a site with
PUE p needs p MW from the grid per MW of IT load, so revenue per grid MW = revenue per IT MW / p.
A month is a twelfth of a 365-day year. Annual escalators step up the rate at each anniversary.

GPU-as-a-service: a server of ``gpus_per_server`` GPUs draws ``power_kw_per_server`` kW of IT load;
with PUE p one grid MW holds 1,000 / (kW per server x p) servers.

The ``*_unchecked`` functions hold the arithmetic of a lease's rent and a GPU cloud's revenue without checks
(scalars or arrays); the checked functions call them and the engine's jitted stages compile them
(``hashpivot.engine.kernels``), so each is written once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.formulas._validate import at_least, fraction, nonneg, positive
from hashpivot.units import DAYS_PER_YEAR, HOURS_PER_DAY, KW_PER_MW, MONTHS_PER_YEAR


def lease_rent_usd_per_day_unchecked(it_load_mw, rate_usd_per_kw_month):
    """A lease's rent for one day, unchecked: IT MW x 1,000 kW x rate x 12 months / 365 days. [USD/day]"""
    return it_load_mw * KW_PER_MW * rate_usd_per_kw_month * MONTHS_PER_YEAR / DAYS_PER_YEAR


def escalation_factor_unchecked(escalator_frac_per_year, whole_years):
    """Rate multiple after ``whole_years`` anniversaries of an annual escalator, unchecked: (1 + g)^n. [ratio]"""
    return (1.0 + escalator_frac_per_year) ** whole_years


def lease_occupancy_frac_unchecked(initial_frac, stabilised_frac, ramp_days, days_since_let):
    """Share of a lease's IT load let ``days_since_let`` days after its letting began, unchecked (scalars): a
    linear ramp from ``initial_frac`` on day 0 to ``stabilised_frac`` on day ``ramp_days``, then flat; with
    ``ramp_days`` 0 the stabilised share from day 0. [fraction]"""
    if ramp_days > 0.0 and days_since_let < ramp_days:
        return initial_frac + (stabilised_frac - initial_frac) * max(days_since_let, 0.0) / ramp_days
    return stabilised_frac


def gpu_hours_per_day_unchecked(n_gpus, utilisation_frac):
    """GPU-hours rented in a day, unchecked: GPUs x 24 h x share rented. [GPU-hours/day]"""
    return n_gpus * HOURS_PER_DAY * utilisation_frac


def gpu_revenue_usd_unchecked(gpu_hours, gpu_rent_usd_per_gpu_hour):
    """Revenue of rented GPU-hours, unchecked: GPU-hours x rent per GPU-hour. [USD]"""
    return gpu_hours * gpu_rent_usd_per_gpu_hour


def lease_revenue_usd_per_mw_month(
    rate_usd_per_kw_month: ArrayLike, pue_ratio: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Lease revenue per MW for one month: per IT MW (PUE 1) or per grid MW. [USD/MW/month]

    rate x 1,000 kW per MW / PUE: with the default PUE 1 this is per MW of critical IT load, with
    the site's PUE per MW drawn from the grid.

    >>> round(float(lease_revenue_usd_per_mw_month(121.5)), 9)  # 121.5 * 1000
    121500.0
    >>> round(float(lease_revenue_usd_per_mw_month(130, 1.3)), 9)  # 130 * 1000 / 1.3
    100000.0
    """
    rate = nonneg("rate_usd_per_kw_month", rate_usd_per_kw_month)
    pue = at_least("pue_ratio", pue_ratio, 1.0)
    return rate * KW_PER_MW / pue


def lease_revenue_usd_per_mw_year(
    rate_usd_per_kw_month: ArrayLike, pue_ratio: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Lease revenue per MW for one year (12 months), before escalation. [USD/MW/year]

    >>> round(float(lease_revenue_usd_per_mw_year(121.5)), 9)  # 121.5 * 1000 * 12
    1458000.0
    """
    return lease_revenue_usd_per_mw_month(rate_usd_per_kw_month, pue_ratio) * MONTHS_PER_YEAR


def lease_revenue_usd_per_mw_day(
    rate_usd_per_kw_month: ArrayLike, pue_ratio: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Lease revenue per MW for one day: a year's revenue / 365. [USD/MW/day]

    >>> round(float(lease_revenue_usd_per_mw_day(121.5)), 9)  # 121.5 * 1000 * 12 / 365
    3994.520547945
    """
    rate = nonneg("rate_usd_per_kw_month", rate_usd_per_kw_month)
    pue = at_least("pue_ratio", pue_ratio, 1.0)
    return lease_rent_usd_per_day_unchecked(1.0 / pue, rate)  # one grid MW carries 1 / PUE MW of IT load


def lease_rate_usd_per_kw_month(
    base_rate_usd_per_kw_month: ArrayLike,
    escalator_frac_per_year: ArrayLike,
    years_elapsed: ArrayLike,
) -> NDArray[np.float64]:
    """Lease rate after an annual escalator applied at each full anniversary. [USD/kW/month]

    base rate x (1 + escalator) ^ floor(years elapsed): the rate steps up at each anniversary and
    stays flat within a contract year.

    >>> round(float(lease_rate_usd_per_kw_month(100, 0.03, 2.5)), 9)  # 100 * 1.03**2
    106.09
    """
    rate = nonneg("base_rate_usd_per_kw_month", base_rate_usd_per_kw_month)
    g = fraction("escalator_frac_per_year", escalator_frac_per_year)
    years = nonneg("years_elapsed", years_elapsed)
    return rate * escalation_factor_unchecked(g, np.floor(years))


def lease_total_value_usd(
    it_load_mw: ArrayLike,
    rate_usd_per_kw_month: ArrayLike,
    term_years: ArrayLike,
    escalator_frac_per_year: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Undiscounted lease revenue over a whole term, with an annual escalator. [USD]

    IT MW x 1,000 kW x rate x 12 months x sum over contract years k = 0 .. n-1 of (1 + g)^k, with
    n = floor(term); a part year f = term - n at the end adds f x (1 + g)^n. For g = 0 this is
    MW x 1,000 x rate x 12 x term. Discount it with :mod:`hashpivot.formulas.finance`.

    >>> float(lease_total_value_usd(200, 121.5, 12)) / 1e9  # 200*1000*121.5*12*12: Core Scientific
    3.4992
    >>> round(float(lease_total_value_usd(1, 100, 3, 0.03)), 6)  # 1000*100*12 * (1 + 1.03 + 1.0609)
    3709080.0
    """
    mw = nonneg("it_load_mw", it_load_mw)
    rate = nonneg("rate_usd_per_kw_month", rate_usd_per_kw_month)
    term = nonneg("term_years", term_years)
    g = fraction("escalator_frac_per_year", escalator_frac_per_year)
    n = np.floor(term)
    part = term - n
    # sum_{k<n} (1+g)^k = ((1+g)^n - 1) / g, computed as expm1(n log1p g) / g to stay exact near g = 0
    g_safe = np.where(g == 0, 1.0, g)
    full_years = np.where(g == 0, n, np.expm1(n * np.log1p(g)) / g_safe)
    year_factor = full_years + part * (1.0 + g) ** n
    return mw * KW_PER_MW * rate * MONTHS_PER_YEAR * year_factor


def lease_occupancy_frac(
    initial_frac: ArrayLike, stabilised_frac: ArrayLike, ramp_days: ArrayLike, days_since_let: ArrayLike
) -> NDArray[np.float64]:
    """Share of a lease's IT load let (occupancy) ``days_since_let`` days after its letting began: a linear lease-up
    from ``initial_frac`` to ``stabilised_frac`` over ``ramp_days``, then flat. Rent and the lease's operating
    share scale with it (``engine.stages.lease_day``). [fraction]

    >>> float(lease_occupancy_frac(0.4, 0.9, 100, 25))  # 0.4 + (0.9 - 0.4) x 25 / 100
    0.525
    >>> float(lease_occupancy_frac(0.4, 0.9, 100, 150))  # stabilised after the ramp
    0.9
    >>> float(lease_occupancy_frac(0.4, 1.0, 0, 0))  # no ramp: stabilised from the first day
    1.0
    """
    a = fraction("initial_frac", initial_frac)
    b = fraction("stabilised_frac", stabilised_frac)
    n = nonneg("ramp_days", ramp_days)
    d = nonneg("days_since_let", days_since_let)
    return np.vectorize(lease_occupancy_frac_unchecked, otypes=[np.float64])(a, b, n, d)


def gpus_per_mw(
    power_kw_per_server: ArrayLike, gpus_per_server: ArrayLike = 8, pue_ratio: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """GPUs one MW holds (per IT MW at PUE 1, per grid MW at the site PUE); not rounded. [GPUs/MW]

    1,000 kW / (kW per server x PUE) x GPUs per server. For a power per GPU, pass
    ``gpus_per_server=1``.

    >>> round(float(gpus_per_mw(10, 8, 1.25)), 9)  # 1000 / (10 * 1.25) * 8 = 80 servers * 8
    640.0
    """
    kw = positive("power_kw_per_server", power_kw_per_server)
    n = positive("gpus_per_server", gpus_per_server)
    pue = at_least("pue_ratio", pue_ratio, 1.0)
    return KW_PER_MW / (kw * pue) * n


def gpu_revenue_usd_per_mw_day(
    n_gpus_per_mw: ArrayLike,
    gpu_rent_usd_per_gpu_hour: ArrayLike,
    utilisation_frac: ArrayLike = 1.0,
) -> NDArray[np.float64]:
    """GPU rental revenue of one MW for one day. [USD/MW/day]

    GPUs per MW x rent per GPU-hour x 24 h x share of GPU-hours rented.

    >>> round(float(gpu_revenue_usd_per_mw_day(640, 2.0, 0.8)), 9)  # 640 * 2 * 24 * 0.8
    24576.0
    """
    n = nonneg("n_gpus_per_mw", n_gpus_per_mw)
    rent = nonneg("gpu_rent_usd_per_gpu_hour", gpu_rent_usd_per_gpu_hour)
    util = fraction("utilisation_frac", utilisation_frac)
    return gpu_revenue_usd_unchecked(gpu_hours_per_day_unchecked(n, util), rent)


def gpu_margin_usd_per_mw_day(
    n_gpus_per_mw: ArrayLike,
    gpu_rent_usd_per_gpu_hour: ArrayLike,
    utilisation_frac: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    opex_usd_per_gpu_hour: ArrayLike = 0.0,
    opex_usd_per_mw_day: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """GPU revenue of one MW for one day less power and operating costs. [USD/MW/day]

    revenue - 1 MW x 24 h x power price - GPUs x opex per GPU-hour x 24 h - opex per MW-day.
    Power is paid on the full MW and GPU opex on every installed GPU-hour, rented or idle
    (``n_gpus_per_mw`` should be per grid MW, i.e. from :func:`gpus_per_mw` with the site PUE).

    >>> round(float(gpu_margin_usd_per_mw_day(640, 2.0, 0.8, 60, 0.3, 500)), 9)  # 24576-1440-4608-500
    18028.0
    """
    revenue = gpu_revenue_usd_per_mw_day(n_gpus_per_mw, gpu_rent_usd_per_gpu_hour, utilisation_frac)
    n = np.asarray(n_gpus_per_mw, dtype=np.float64)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    opex_gpu = nonneg("opex_usd_per_gpu_hour", opex_usd_per_gpu_hour)
    opex_mw = nonneg("opex_usd_per_mw_day", opex_usd_per_mw_day)
    return revenue - HOURS_PER_DAY * price - n * opex_gpu * HOURS_PER_DAY - opex_mw


def gpu_margin_ratio(
    n_gpus_per_mw: ArrayLike,
    gpu_rent_usd_per_gpu_hour: ArrayLike,
    utilisation_frac: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    opex_usd_per_gpu_hour: ArrayLike = 0.0,
    opex_usd_per_mw_day: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """GPU margin as a share of revenue: margin / revenue. [fraction, may be < 0]

    Where revenue is 0 (no GPUs rented) the result is ``-inf`` if there are costs and NaN if not.

    >>> round(float(gpu_margin_ratio(640, 2.0, 0.8, 60, 0.3, 500)), 12)  # 18028 / 24576
    0.733561197917
    """
    margin = gpu_margin_usd_per_mw_day(
        n_gpus_per_mw,
        gpu_rent_usd_per_gpu_hour,
        utilisation_frac,
        power_price_usd_per_mwh,
        opex_usd_per_gpu_hour,
        opex_usd_per_mw_day,
    )
    revenue = gpu_revenue_usd_per_mw_day(n_gpus_per_mw, gpu_rent_usd_per_gpu_hour, utilisation_frac)
    with np.errstate(divide="ignore", invalid="ignore"):
        return margin / revenue


def contract_rate_usd_per_kw_month(
    contract_value_usd: ArrayLike,
    it_load_mw: ArrayLike,
    term_years: ArrayLike,
    escalator_frac_per_year: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """First-year lease rate that earns a contract's announced value over its term. [USD/kW-month]

    value / (IT MW x 1,000 kW x 12 months x year factor), the inverse of :func:`lease_total_value_usd`:
    without an escalator the year factor is the term, so the rate is value / (kW x months).

    >>> round(float(contract_rate_usd_per_kw_month(3.5e9, 200, 12)), 4)  # 3.5e9 / (200,000 kW x 144): CORZ
    121.5278
    >>> round(float(contract_rate_usd_per_kw_month(3709080.0, 1, 3, 0.03)), 6)  # 1,000 kW, 100 rising 3 %/year
    100.0
    """
    value = nonneg("contract_value_usd", contract_value_usd)
    mw = positive("it_load_mw", it_load_mw)
    term = positive("term_years", term_years)
    return value / lease_total_value_usd(mw, 1.0, term, escalator_frac_per_year)


def _geometric_sum(ratio: NDArray[np.float64], n_terms: NDArray[np.float64]) -> NDArray[np.float64]:
    """sum_{k=0}^{n-1} ratio^k, exact at ratio 1. [ratio]"""
    safe = np.where(ratio == 1.0, 0.5, ratio)
    return np.where(ratio == 1.0, n_terms, (1.0 - safe**n_terms) / (1.0 - safe))


def lease_npv_usd(
    it_load_mw: ArrayLike,
    rate_usd_per_kw_month: ArrayLike,
    term_years: ArrayLike,
    escalator_frac_per_year: ArrayLike = 0.0,
    discount_frac_per_year: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Present value of a lease's rent, paid at the end of each month of the term. [USD]

    The term is T = 12 x years months, M = floor(T) whole and a part month f = T - M paid pro rata at the term's
    end; the rate steps up by the escalator g at each anniversary; month m is discounted by (1 + d)^(-m/12). With
    v = (1 + d)^(-1/12), n = M // 12 whole years and p = M - 12 n months left: kW x rate x [sum_{y<n} ((1+g)
    v^12)^y x sum_{k=1..12} v^k + (1+g)^n v^(12n) sum_{k=1..p} v^k + f (1+g)^n v^T]. Without discounting it
    equals :func:`lease_total_value_usd`, for any term.

    >>> float(lease_npv_usd(1, 100, 1))  # 1,000 kW x 100 USD x 12 months
    1200000.0
    >>> round(float(lease_npv_usd(1, 100, 1, 0.0, 0.1)), 2)  # 100,000 x sum_{m=1..12} 1.1^(-m/12)
    1140048.78
    >>> round(float(lease_npv_usd(1, 100, 3, 0.03)), 4)  # 1,000 x 100 x 12 x (1 + 1.03 + 1.0609)
    3709080.0
    >>> round(float(lease_npv_usd(1, 100, 0.01)), 6)  # 0.12 of a month: 1,000 x 100 x 0.12
    12000.0
    """
    mw = nonneg("it_load_mw", it_load_mw)
    rate = nonneg("rate_usd_per_kw_month", rate_usd_per_kw_month)
    exact = nonneg("term_years", term_years) * MONTHS_PER_YEAR
    # whole months, snapped where the term is a whole number of months to rounding (12 x 0.25 is 3, not 2.999...)
    months = np.where(np.abs(exact - np.rint(exact)) < 1e-9, np.rint(exact), np.floor(exact))
    fraction_month = np.maximum(exact - months, 0.0)
    g = fraction("escalator_frac_per_year", escalator_frac_per_year)
    d = nonneg("discount_frac_per_year", discount_frac_per_year)
    v = (1.0 + d) ** (-1.0 / MONTHS_PER_YEAR)
    n_years = np.floor(months / MONTHS_PER_YEAR)
    part = months - n_years * MONTHS_PER_YEAR
    in_year = v * _geometric_sum(v, MONTHS_PER_YEAR)
    whole = _geometric_sum((1.0 + g) * v**MONTHS_PER_YEAR, n_years) * in_year
    tail = (1.0 + g) ** n_years * v ** (MONTHS_PER_YEAR * n_years) * v * _geometric_sum(v, part)
    last = fraction_month * (1.0 + g) ** n_years * v ** (months + fraction_month)
    return mw * KW_PER_MW * rate * (whole + tail + last)
