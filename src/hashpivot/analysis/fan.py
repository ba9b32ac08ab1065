"""Numbers behind the simulation report and the exports: fan-chart quantiles per month (and the tidy fan
table of a result's Dataset), the insolvency curve and the summary table. Pure numpy/pandas, no plotting
and no disk; the report only draws what these return and :mod:`hashpivot.io` only writes them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import xarray as xr

#: Quantiles of a fan chart: the p5-p95 band, the p25-p75 band and the median line.
FAN_QUANTILES: dict[str, float] = {"p5": 0.05, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p95": 0.95}

#: Columns of the tidy monthly fan table (:func:`fan_frame`).
FAN_COLUMNS = ("policy", "variable", "date", "day", *FAN_QUANTILES)
#: Prefix of the Dataset's monthly series (``monthly_<variable>``) that the fan table covers.
MONTHLY_PREFIX = "monthly_"

#: Rows of the summary table, in order: (metric in ``SimResult.summary``, label, unit).
SUMMARY_METRICS: tuple[tuple[str, str, str], ...] = (
    ("nav_usd", "NAV", "USD"),
    ("btc_held", "BTC held", "BTC"),
    ("btc_per_share", "BTC per share", "BTC/share"),
    ("btc_yield_frac", "BTC yield", "fraction"),
    ("mining_margin_usd_per_mw_day", "Mining margin", "USD/MW-day"),
    ("ai_margin_usd_per_mw_day", "AI margin", "USD/MW-day"),
    ("colocation_lease_margin_usd_per_mw_day", "Colocation lease margin", "USD/MW-day"),
    ("site_lease_margin_usd_per_mw_day", "Site lease margin", "USD/MW-day"),
    ("gpu_cloud_margin_usd_per_mw_day", "GPU cloud margin", "USD/MW-day"),
)


def fan_quantiles(
    values: np.ndarray,
    quantiles: dict[str, float] | None = None,
    index: Sequence | pd.Index | None = None,
) -> pd.DataFrame:
    """Quantiles across samples at each date of a ``(sample, date)`` array. [unit of ``values``]

    Rows are the dates (``index``, default 0..n_dates-1), columns the quantile names (default
    :data:`FAN_QUANTILES`). NaN values are ignored; a date with no finite value gives NaN.
    Quantiles interpolate linearly (numpy's default).

    >>> fan_quantiles(np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0]]), {"p50": 0.5, "p100": 1.0})
        p50  p100
    0   1.0   2.0
    1  20.0  30.0
    """
    quantiles = FAN_QUANTILES if quantiles is None else quantiles
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"values must be a (sample, date) array; got shape {arr.shape}")
    n_dates = arr.shape[1]
    idx = pd.RangeIndex(n_dates) if index is None else pd.Index(index)
    if len(idx) != n_dates:
        raise ValueError(f"index has {len(idx)} entries; values have {n_dates} dates")
    if arr.shape[0] == 0:
        qs = np.full((len(quantiles), n_dates), np.nan)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN dates -> NaN, by design
            qs = np.nanquantile(arr, list(quantiles.values()), axis=0)
    return pd.DataFrame(qs.T, index=idx, columns=list(quantiles))


def fan_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The monthly fan data of a result's Dataset as a tidy table (see :data:`FAN_COLUMNS`). [unit of variable]

    One block of rows per policy and monthly variable (``monthly_<variable>``, dims policy, sample, date),
    then the market series (dims sample, date) with ``policy`` None. Quantiles over the stored sample paths,
    from :func:`fan_quantiles`; ``date`` is the month end (midnight), ``day`` its day of the run.
    """
    dates = pd.DatetimeIndex(ds["date"].values).normalize()
    days = np.asarray(ds["day"].values, dtype=np.int64)
    blocks: list[pd.DataFrame] = []

    def block(policy: str | None, variable: str, values: np.ndarray) -> pd.DataFrame:
        fan = fan_quantiles(values, index=dates).reset_index(drop=True)
        head = pd.DataFrame({"policy": pd.Series([policy] * len(dates), dtype=object),
                             "variable": variable, "date": dates, "day": days})
        return pd.concat([head, fan], axis=1)

    names = [str(n) for n in ds.data_vars if str(n).startswith(MONTHLY_PREFIX)]
    per_policy = [n for n in names if ds[n].dims == ("policy", "sample", "date")]
    market = [n for n in names if ds[n].dims == ("sample", "date")]
    for i, policy in enumerate(str(p) for p in ds["policy"].values):
        for name in per_policy:
            blocks.append(block(policy, name.removeprefix(MONTHLY_PREFIX), ds[name].values[i]))
    for name in market:
        blocks.append(block(None, name.removeprefix(MONTHLY_PREFIX), ds[name].values))
    if not blocks:
        return pd.DataFrame({c: [] for c in FAN_COLUMNS})
    out = pd.concat(blocks, ignore_index=True)
    return out[list(FAN_COLUMNS)]


def insolvency_curve(insolvent_day: np.ndarray, month_days: np.ndarray) -> np.ndarray:
    """Share of paths insolvent by the end of each day in ``month_days``. [fraction]

    ``insolvent_day`` holds, per path, the day the path became insolvent or -1 if it never did
    (``SimResult.dataset["insolvent_day"]``); a leading ``policy`` axis gives one curve per row.
    Exact over all paths: path ``p`` counts at day ``d`` when ``0 <= insolvent_day[p] <= d``.

    >>> insolvency_curve(np.array([-1, 3, 10, 10]), np.array([0, 3, 9, 10]))
    array([0.  , 0.25, 0.25, 0.75])
    """
    days = np.asarray(insolvent_day, dtype=np.int64)
    months = np.asarray(month_days, dtype=np.int64)
    if days.ndim == 0 or days.shape[-1] == 0:
        raise ValueError("insolvent_day needs at least one path")
    flat = days.reshape(-1, days.shape[-1])
    out = np.empty((flat.shape[0], months.size))
    for i, row in enumerate(flat):
        hit = np.sort(row[row >= 0])
        out[i] = np.searchsorted(hit, months, side="right") / row.size
    return out.reshape(days.shape[:-1] + (months.size,))


def summary_table(summary: pd.DataFrame, policies: Sequence[str] | None = None) -> pd.DataFrame:
    """The tidy ``SimResult.summary`` as one row per policy.

    Columns: ``<metric>_<stat>`` for each metric of :data:`SUMMARY_METRICS` and stat p5, p50, p95,
    then ``insolvency_probability`` [fraction] and ``nav_usd_cvar5`` [USD]. Missing entries are NaN;
    rows follow ``policies`` (default: order of first appearance).
    """
    order = list(dict.fromkeys(summary["policy"])) if policies is None else list(policies)
    wide = summary.assign(column=summary["metric"] + "_" + summary["stat"]).pivot_table(
        index="policy", columns="column", values="value", aggfunc="first", dropna=False
    )
    columns = [f"{m}_{s}" for m, _, _ in SUMMARY_METRICS for s in ("p5", "p50", "p95")]
    columns += ["insolvency_probability", "nav_usd_cvar5"]
    table = wide.reindex(index=order, columns=columns)
    table.index.name = "policy"
    table.columns.name = None
    return table.astype(np.float64)
