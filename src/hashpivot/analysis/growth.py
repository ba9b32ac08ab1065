"""Returns of each fleet addition and of the growth policy's purchases (issue 13, point 2), from a result's
Dataset (its ``addition_*`` variables, dims (policy, path, addition); ``engine.state.TRACKED_COLUMNS``).

Per (policy, addition), over the paths:

- ``capex_usd``: mean capex paid [USD];
- ``payback_months_mean`` / ``payback_months_median``: months from day 0 to the first day the addition's margin
  (mining revenue less power, with any resale proceeds) reached its capex, over the paths where it did [months];
  ``paid_back_frac``: the share of paths where it did [fraction];
- ``roi_mean_frac`` / ``roi_median_frac``: ROI to the horizon, (margin + resale + resale value of the units still
  held at the horizon) / capex - 1, over the paths where capex was paid [fraction].

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
