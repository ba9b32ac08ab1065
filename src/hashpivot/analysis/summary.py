"""Summary statistics of a simulation result, from its Dataset (pure numpy/pandas/xarray, no disk).

Works from the Dataset's variable names only (``nav_usd``, ``shares``, ``insolvent_day``,
``<segment>_margin_usd_per_mw_day``, ``project_net_cash_usd``, ...), so that :mod:`hashpivot.engine`, which
builds the Dataset, may call it without an import cycle: nothing here imports the engine.

- :func:`summary_frame`: the tidy summary (columns policy, metric, stat, value) of ``SimResult.summary``.
- :func:`win_rate_frame`: the win-rate matrix of ``SimResult.win_rate`` [fraction].
- :func:`cvar`: mean of the worst tail of a sample [unit of the sample].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import ArrayLike

from hashpivot.policies.capacity import SEGMENTS
from hashpivot.units import DAYS_PER_YEAR

#: Quantiles reported for every metric, besides the mean.
QUANTILES = {"p5": 0.05, "p50": 0.50, "p95": 0.95}
#: Share of the worst paths averaged by :func:`cvar` (the ``cvar5`` stat). [fraction]
CVAR_TAIL_FRAC = 0.05
#: Per-path metrics summarised by mean and :data:`QUANTILES`, in the summary's row order; each segment's
#: margin metrics follow (see :func:`summary_frame`).
PATH_METRICS: tuple[str, ...] = (
    "nav_usd", "attributable_nav_usd", "btc_held", "btc_per_share", "cash_usd", "btc_yield_frac", "mined_btc",
    "capex_usd", "ai_margin_usd_per_mw_day", "nav_per_share_usd", "shutdown_saved_usd", "shutdown_forgone_btc",
    "contracted_value_usd", "fleet_value_usd", "dcf_equity_usd", "dcf_per_share_usd", "ev_usd",
)
#: Every per-path metric of the summary, in its row order: :data:`PATH_METRICS`, then each segment's margin per
#: MW-day, revenue per MW-day and margin fraction.
SUMMARY_METRICS: tuple[str, ...] = PATH_METRICS + tuple(
    f"{seg}_{m}" for seg in SEGMENTS for m in ("margin_usd_per_mw_day", "revenue_usd_per_mw_day", "margin_frac"))
#: Hedges' cash-flow lines per path, summarised (mean and :data:`QUANTILES`) only for a scenario with hedges
#: (``dataset.attrs["n_hedges"] > 0``), so that the summary of a run without them is what it always was: forward
#: settlements, option payoffs and premiums, loan interest, fixed-price power's saving and its energy brokerage
#: [USD], their net (``hedge_net_usd``: settlements + payoffs - premiums - interest + power saving + brokerage)
#: [USD], margin calls [count] and BTC the lenders liquidated [BTC].
HEDGE_METRICS: tuple[str, ...] = (
    "forward_settled_usd", "option_payoff_usd", "option_premium_usd", "loan_interest_usd", "power_hedge_usd",
    "brokerage_usd", "hedge_net_usd", "margin_calls", "liquidated_btc",
)
#: Debt tranches' and covenants' lines per path, summarised (mean and :data:`QUANTILES`) only for a company with
#: tranches or covenants (``dataset.attrs["n_debt"] > 0``): interest paid and principal repaid [USD], refinancings
#: and failed covenant tests [count]; with them, the probability of a breach and its mean first day, and the
#: probability of failing on a day debt fell due (``insolvency_from_debt``).
DEBT_METRICS: tuple[str, ...] = ("tranche_interest_usd", "tranche_repaid_usd", "refinance_count", "covenant_breaches")
#: Per-path variables (policy, path) that :func:`summary_frame` and :func:`win_rate_frame` read: a result that keeps
#: only these (``SimResult.dataset.attrs["per_path"] == "finals"``, a scale-out run's) has the same summary.
SUMMARY_INPUTS: tuple[str, ...] = SUMMARY_METRICS + ("insolvent_day", "shares") + HEDGE_METRICS + DEBT_METRICS + (
    "first_breach_day", "debt_insolvent_day")
#: Columns of the tidy summary.
SUMMARY_COLUMNS = ["policy", "metric", "stat", "value"]


def cvar(values: np.ndarray, tail_frac: float = CVAR_TAIL_FRAC) -> float:
    """Mean of the worst ``tail_frac`` of ``values`` (at least one value). [same unit]

    >>> cvar(np.arange(100.0))
    2.0
    """
    k = max(1, int(np.floor(tail_frac * values.size)))
    return float(np.mean(np.partition(values, k - 1)[:k]))


def quantile_stats(values: np.ndarray) -> dict[str, float]:
    """Mean and :data:`QUANTILES` of the finite ``values`` (all NaN when none is finite). [same unit]

    >>> quantile_stats(np.array([1.0, np.nan, 3.0]))
    {'mean': 2.0, 'p5': 1.1, 'p50': 2.0, 'p95': 2.9}
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"mean": float("nan"), **{k: float("nan") for k in QUANTILES}}
    # Values near the float range (a BTC yield from a subnormal start) may sum to inf: that is the honest mean.
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(finite.mean())  # before the quantiles partition ``finite`` in place (it is our own copy)
        qs = np.quantile(finite, list(QUANTILES.values()), overwrite_input=True)
    return {"mean": mean, **dict(zip(QUANTILES, map(float, qs), strict=True))}


def summary_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The tidy summary of a result's Dataset: one row per (policy, metric, stat), columns
    :data:`SUMMARY_COLUMNS`; values in the unit of the metric (its name says which).

    Per policy: mean and p5/p50/p95 of each per-path metric (:data:`PATH_METRICS`, then each segment's margin
    per MW-day, revenue per MW-day and margin fraction) over its finite values; the insolvency probability
    [fraction] and mean insolvency day [day] (``insolvent_day`` >= 0); the NAV CVaR 5 % [USD]; then the
    rows of :func:`project_rows`; with hedges, the mean and quantiles of each of :data:`HEDGE_METRICS`; with debt
    tranches or covenants, the breach and debt-insolvency probabilities and each of :data:`DEBT_METRICS`.
    """
    rows = []
    for label in ds["policy"].values:
        sub = ds.sel(policy=label)
        for metric in SUMMARY_METRICS:
            for stat, value in quantile_stats(sub[metric].values).items():
                rows.append((label, metric, stat, value))
        days = sub["insolvent_day"].values
        is_insolvent = days >= 0
        rows.append((label, "insolvency", "probability", float(is_insolvent.mean())))
        rows.append((label, "insolvency", "mean_day",
                     float(days[is_insolvent].mean()) if is_insolvent.any() else float("nan")))
        rows.append((label, "nav_usd", "cvar5", cvar(sub["nav_usd"].values)))
        rows += project_rows(sub, label)
        if ds.attrs.get("n_hedges", 0) > 0:
            for metric in HEDGE_METRICS:
                for stat, value in quantile_stats(sub[metric].values).items():
                    rows.append((label, metric, stat, value))
        if ds.attrs.get("n_debt", 0) > 0:
            first = sub["first_breach_day"].values
            rows.append((label, "covenant_breach", "probability", float((first >= 0).mean())))
            rows.append((label, "covenant_breach", "mean_first_day",
                         float(first[first >= 0].mean()) if (first >= 0).any() else float("nan")))
            rows.append((label, "insolvency_from_debt", "probability",
                         float((sub["debt_insolvent_day"].values >= 0).mean())))
            for metric in DEBT_METRICS:
                for stat, value in quantile_stats(sub[metric].values).items():
                    rows.append((label, metric, stat, value))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def project_rows(sub: xr.Dataset, label: str) -> list[tuple]:
    """Summary rows of each AI project of one policy (``sub``: the Dataset at that policy): capex per MW of
    critical IT load (grid MW / PUE: the MW a lease's capex and rent are given per, and data-centre capex is
    quoted per) [USD/MW], IRR [fraction/year] and payback [years] over the stored paths' monthly net cash flows,
    each with the share of paths on which it is defined (IRR) or reached (payback) [fraction]. The payback counts
    from the project's start (its build's first day, ``project_start_day``; for a conversion triggered by
    hashprice, whose day differs by path, the first day of the month of its first flow), each month's flow
    accruing evenly over its days (the month ends' ``day``)."""
    from hashpivot.formulas.finance import irr_per_period

    rows: list[tuple] = []
    if "project_net_cash_usd" not in sub:
        return rows
    for j in range(sub.sizes["project"]):
        name = str(sub["project_label"].values[j])
        if not name or sub.sizes["sample"] == 0:
            continue
        every = sub["project_net_cash_usd"].isel(project=j).values  # (sample, month); slot 0 is day 0: no flows
        flows = every[:, 1:]
        with np.errstate(invalid="ignore", over="ignore"):
            irr_year = (1.0 + irr_per_period(flows)) ** 12 - 1.0
        payback_years = _payback_years(every, np.asarray(sub["day"].values, dtype=np.float64),
                                       int(sub["project_start_day"].values[j]) if "project_start_day" in sub else -1)
        it_mw = float(sub["project_it_mw"].values[j])  # per IT MW, as a lease's capex is given and quoted
        rows.append((label, f"{name}.capex_usd_per_mw", "value", float(sub["project_capex_usd"].values[j]) / it_mw))
        for stat, value in quantile_stats(irr_year).items():
            rows.append((label, f"{name}.irr_frac_per_year", stat, value))
        rows.append((label, f"{name}.irr_frac_per_year", "defined_share", float(np.isfinite(irr_year).mean())))
        for stat, value in quantile_stats(np.where(np.isfinite(payback_years), payback_years, np.nan)).items():
            rows.append((label, f"{name}.payback_years", stat, value))
        rows.append((label, f"{name}.payback_years", "paid_back_share", float(np.isfinite(payback_years).mean())))
    return rows


def _payback_years(flows: np.ndarray, month_days: np.ndarray, start_day: int) -> np.ndarray:
    """Years from a project's start to the day its cumulative net cash first recovers, per path: ``flows``
    (sample, month slot; slot 0 is day 0 and slot i accrues evenly over the days from the month end before it to
    its own, ``month_days``), ``start_day`` its first day, or -1: the first day of the month of its first flow on
    each path. inf where it never recovers; NaN on a path where the project never started (no flow). [years]"""
    from hashpivot.formulas.finance import payback_periods

    periods = payback_periods(flows)  # in month slots; period i spans (month_days[i - 1], month_days[i]]
    slots = np.arange(month_days.size, dtype=np.float64)
    finite = np.isfinite(periods)
    day = np.full(periods.shape, np.inf)
    day[finite] = np.interp(periods[finite], slots, month_days)
    started = (flows != 0.0).any(axis=1)
    if start_day >= 0:
        start = np.full(periods.shape, float(start_day - 1))  # its first day begins at the end of the day before
    else:
        start = month_days[np.maximum(np.argmax(flows != 0.0, axis=1) - 1, 0)]
    years = np.where(finite, np.maximum(day - start, 0.0) / DAYS_PER_YEAR, np.inf)
    return np.where(started, years, np.nan)  # a project that never started on a path has no payback there


#: Two scores (NAV per share) closer than this fraction of the larger |score| tie: rounding (a library version's
#: arithmetic, a summation order) must not decide which policy won a path.
TIE_REL_TOL = 1e-9


def beats(score: ArrayLike, other: ArrayLike) -> np.ndarray:
    """Where ``score`` beats ``other`` (elementwise, broadcast): higher by more than ``TIE_REL_TOL`` of the larger
    |value|; a tie or a NaN beats nothing. [bool]

    >>> beats(np.array([1.0, 1.0 + 1e-12, 2.0, np.nan]), 1.0).tolist()
    [False, False, True, False]
    """
    score, other = np.asarray(score, dtype=np.float64), np.asarray(other, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, and NaN beats nothing
        return score - other > TIE_REL_TOL * np.maximum(np.abs(score), np.abs(other))


def win_share(score: ArrayLike, other: ArrayLike, axis: int = -1) -> np.ndarray | float:
    """Share of paths (``axis``) on which ``score`` :func:`beats` ``other``, on common random numbers. [fraction]

    >>> win_share([1.0, 3.0, 2.0], [2.0, 2.0, 2.0])
    0.3333333333333333
    """
    share = beats(score, other).mean(axis=axis)
    return float(share) if share.ndim == 0 else share


def win_rate_frame(ds: xr.Dataset) -> pd.DataFrame:
    """Share of paths on which the row policy ends with a higher NAV per share (``nav_usd / shares``) than the
    column policy, on common random numbers. [fraction] Index ``policy``, columns ``versus``; NaN on the
    diagonal."""
    score = ds["nav_usd"].values / ds["shares"].values
    return win_rate_matrix(score, [str(p) for p in ds["policy"].values])


def win_rate_matrix(score: np.ndarray, labels: list[str]) -> pd.DataFrame:
    """Share of columns (paths) on which row ``i`` of ``score`` (policy, path) beats row ``j`` (:func:`beats`: a tie
    within rounding counts for neither). [fraction]

    >>> win_rate_matrix(np.array([[1.0, 3.0], [2.0, 2.0]]), ["a", "b"]).to_numpy().tolist()
    [[nan, 0.5], [0.5, nan]]
    """
    n = len(labels)
    out = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if i != j:
                out[i, j] = win_share(score[i], score[j])
    return pd.DataFrame(out, index=pd.Index(labels, name="policy"), columns=pd.Index(labels, name="versus"))
