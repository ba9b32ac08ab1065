"""What a company's debt tranches and covenants did on the paths of a result (pure numpy/pandas, from the Dataset's
variable names only, like :mod:`hashpivot.analysis.summary`): per policy, the probability that a covenant is
breached and when it first is, the refinancings, and how often the path failed on a day its debt fell due.

- :func:`debt_frame`: the table the CLI (``hashpivot simulate``) prints and the report's debt section shows; None
  for a scenario without tranches or covenants (``dataset.attrs["n_debt"]`` 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

#: Columns of :func:`debt_frame`, in order: (name, meaning [unit]).
DEBT_COLUMNS = (
    ("policy", "policy label [text]"),
    ("breach_frac", "share of paths on which a covenant is breached at least once [fraction]"),
    ("first_breach_day_p50", "median first breach day over the paths that breach [day]"),
    ("first_breach_day_mean", "mean first breach day over the paths that breach [day]"),
    ("breaches_per_path", "mean count of failed covenant tests per path [count]"),
    ("refinance_per_path", "mean count of refinancings per path [count]"),
    ("refinanced_frac", "share of paths with at least one refinancing [fraction]"),
    ("debt_insolvency_frac", "share of paths insolvent on a day debt principal fell due [fraction]"),
    ("insolvency_frac", "share of paths insolvent, for any reason [fraction]"),
    ("tranche_interest_mean_usd", "mean interest paid on the tranches per path [USD]"),
)


def debt_frame(ds: xr.Dataset) -> pd.DataFrame | None:
    """One row per policy with :data:`DEBT_COLUMNS`, or None when the scenario has no tranche and no covenant.

    >>> import numpy as np, xarray as xr
    >>> v = lambda a: (("policy", "path"), np.array([a], dtype=float))
    >>> ds = xr.Dataset({"first_breach_day": v([-1, 90, 182, -1]), "covenant_breaches": v([0, 1, 3, 0]),
    ...                  "refinance_count": v([1, 0, 0, 0]), "debt_insolvent_day": v([-1, -1, 200, -1]),
    ...                  "insolvent_day": v([-1, -1, 200, 30]), "tranche_interest_usd": v([4, 4, 2, 2])},
    ...                 coords={"policy": ["p"]}, attrs={"n_debt": 1})
    >>> row = debt_frame(ds).iloc[0]
    >>> float(row.breach_frac), float(row.first_breach_day_p50), float(row.debt_insolvency_frac)
    (0.5, 136.0, 0.25)
    """
    if ds.attrs.get("n_debt", 0) <= 0:
        return None
    rows = []
    for label in ds["policy"].values:
        sub = ds.sel(policy=label)
        first = sub["first_breach_day"].values
        breached = first >= 0
        refis = sub["refinance_count"].values
        rows.append((
            str(label), float(breached.mean()),
            float(np.median(first[breached])) if breached.any() else float("nan"),
            float(first[breached].mean()) if breached.any() else float("nan"),
            float(sub["covenant_breaches"].values.mean()), float(refis.mean()), float((refis > 0).mean()),
            float((sub["debt_insolvent_day"].values >= 0).mean()), float((sub["insolvent_day"].values >= 0).mean()),
            float(sub["tranche_interest_usd"].values.mean()),
        ))
    return pd.DataFrame(rows, columns=[name for name, _ in DEBT_COLUMNS])
