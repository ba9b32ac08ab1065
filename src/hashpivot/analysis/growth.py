"""Returns of each fleet addition and of the growth policy's purchases (issue 13, point 2), from a result's
Dataset (its ``addition_*`` variables, dims (policy, path, addition); ``engine.state.TRACKED_COLUMNS``).

Per (policy, addition), over the paths:

- ``capex_usd``: mean capex paid [USD];
- ``payback_months_mean`` / ``payback_months_median``: months from day 0 to the first day the addition's margin
  (mining revenue less power, with any resale proceeds) reached its capex, over the paths where it did [months];
  ``paid_back_frac``: the share of paths where it did [fraction];
- ``roi_mean_frac`` / ``roi_median_frac``: ROI to the horizon, (margin + resale + resale value of the units still
  held at the horizon) / capex - 1, over the paths where capex was paid [fraction].

Per (policy, purchase ordinal) of the growth policy (its ``purchase_*`` variables, dims (policy, path, purchase);
``engine.state.PURCHASE_COLUMNS``; across paths the n-th purchase falls on different days), over the paths that
made that purchase (:func:`purchase_returns_frame`):

- ``paths_frac``: the share of paths that made it [fraction];
- ``order_day_median`` and ``order_date_median``: the median order day [day] and its date [date];
- ``ehs_median`` [EH/s], ``price_usd_per_th_median`` (capex / TH/s bought) [USD/(TH/s)], ``capex_usd_mean`` [USD];
- ``payback_months_median``: months from its order day (its capex paid) to the first day its margin (with its share
  of resale proceeds) reached its capex, over the paths where it did [months]; ``paid_back_frac``: the share of the
  paths that made it where it did [fraction];
- ``roi_mean_frac``: mean ROI to the horizon, (margin + resale share + share of the resale value still held) /
  capex - 1 [fraction].

Works from the Dataset's variable names only, so nothing here imports the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from hashpivot.units import DAYS_PER_YEAR, MONTHS_PER_YEAR

#: Columns of :func:`addition_returns_frame`, in order.
RETURN_COLUMNS = ["policy", "addition", "capex_usd", "payback_months_mean", "payback_months_median",
                  "paid_back_frac", "roi_mean_frac", "roi_median_frac"]
#: Columns of :func:`purchase_returns_frame`, in order.
PURCHASE_RETURN_COLUMNS = ["policy", "purchase", "paths_frac", "order_day_median", "order_date_median", "ehs_median",
                           "price_usd_per_th_median", "capex_usd_mean", "payback_months_median", "paid_back_frac",
                           "roi_mean_frac"]
_DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR


def roi_frac(capex_usd: np.ndarray, margin_usd: np.ndarray, resale_usd: np.ndarray,
             residual_usd: np.ndarray) -> np.ndarray:
    """ROI to the horizon: (margin + resale + residual) / capex - 1; NaN where no capex was paid. [fraction]

    >>> roi_frac(np.array([100.0, 0.0]), np.array([80.0, 5.0]), np.array([10.0, 0.0]), np.array([30.0, 0.0]))
    array([0.2, nan])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(capex_usd > 0, (margin_usd + resale_usd + residual_usd) / np.where(capex_usd > 0, capex_usd, 1.0)
                        - 1.0, np.nan)


def addition_returns_frame(ds: xr.Dataset) -> pd.DataFrame:
    """One row per (policy, addition) with :data:`RETURN_COLUMNS` (see the module docstring); empty without
    additions or a growth policy (or when the result kept only the summary's inputs)."""
    if "addition_capex_usd" not in ds or ds.sizes.get("addition", 0) == 0:
        return pd.DataFrame(columns=RETURN_COLUMNS)
    rows = []
    for label in ds["policy"].values:
        sub = ds.sel(policy=label)
        for j, name in enumerate(ds["addition"].values):
            capex = sub["addition_capex_usd"].values[:, j]
            day = sub["addition_payback_day"].values[:, j]
            roi = roi_frac(capex, sub["addition_margin_usd"].values[:, j], sub["addition_resale_usd"].values[:, j],
                           sub["addition_residual_usd"].values[:, j])
            paid = day >= 0
            months = day[paid] / _DAYS_PER_MONTH
            finite = roi[np.isfinite(roi)]
            rows.append((str(label), str(name), float(capex.mean()),
                         float(months.mean()) if months.size else float("nan"),
                         float(np.median(months)) if months.size else float("nan"),
                         float(paid.mean()),
                         float(finite.mean()) if finite.size else float("nan"),
                         float(np.median(finite)) if finite.size else float("nan")))
    return pd.DataFrame(rows, columns=RETURN_COLUMNS)


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if values.size else float("nan")


def purchase_returns_frame(ds: xr.Dataset, start_date) -> pd.DataFrame:
    """One row per (policy, purchase ordinal) that at least one path made, with :data:`PURCHASE_RETURN_COLUMNS`
    (see the module docstring); ``start_date`` is the run's day 0 (``order_date_median`` = it + the median order
    day, rounded down to a whole day). Empty without a growth policy (or when the result kept only the summary's
    inputs)."""
    if "purchase_order_day" not in ds or ds.sizes.get("purchase", 0) == 0:
        return pd.DataFrame(columns=PURCHASE_RETURN_COLUMNS)
    start = pd.Timestamp(start_date)
    rows = []
    for label in ds["policy"].values:
        sub = ds.sel(policy=label)
        for j, name in enumerate(ds["purchase"].values):
            day = sub["purchase_order_day"].values[:, j]
            made = day >= 0
            if not made.any():
                continue
            capex = sub["purchase_capex_usd"].values[made, j]
            payback = sub["purchase_payback_day"].values[made, j]
            paid = payback >= 0
            months = (payback[paid] - day[made][paid]) / _DAYS_PER_MONTH
            roi = roi_frac(capex, sub["purchase_margin_usd"].values[made, j], sub["purchase_resale_usd"].values[made, j],
                           sub["purchase_residual_usd"].values[made, j])
            finite = roi[np.isfinite(roi)]
            median_day = _median(day[made])
            rows.append((str(label), str(name), float(made.mean()), median_day,
                         (start + pd.Timedelta(days=int(np.floor(median_day)))).date().isoformat(),
                         _median(sub["purchase_ehs"].values[made, j]),
                         _median(sub["purchase_price_usd_per_th"].values[made, j]), float(capex.mean()),
                         _median(months), float(paid.mean()), float(finite.mean()) if finite.size else float("nan")))
    return pd.DataFrame(rows, columns=PURCHASE_RETURN_COLUMNS)
