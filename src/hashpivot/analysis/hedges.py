"""Hedged against unhedged on the same random numbers (pure numpy/pandas over result Datasets).

``api.hedge_comparison`` runs a scenario's twin without hedges (and, when it has several, a twin with each hedge
alone) on the same seed, so every path sees the same market in each; :func:`hedge_comparison_frame` then sets each
(plan, policy) of the hedged runs beside the unhedged one: mean, p5 and CVaR 5 % of terminal NAV, insolvency
probability, margin calls per path, the paired win rate on NAV per share, and what the hedge costs in the mean NAV
with the standard error of the paired differences (not of two independent means).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from hashpivot.analysis.summary import cvar

#: Label of the twin without hedges.
UNHEDGED = "unhedged"
#: Columns of :func:`hedge_comparison_frame`, each with its unit.
HEDGE_COMPARISON_COLUMNS = (
    "policy", "hedges", "nav_mean_usd", "nav_p5_usd", "nav_cvar5_usd", "insolvency_frac", "margin_calls_per_path",
    "win_rate_frac", "mean_cost_usd", "mean_cost_se_usd", "p5_gain_usd", "nav_p25_usd", "nav_p50_usd",
    "nav_p75_usd", "nav_p95_usd",
)


def hedge_comparison_frame(unhedged: xr.Dataset, hedged: dict[str, xr.Dataset]) -> pd.DataFrame:
    """One row per (policy, hedged variant) and one per policy unhedged, columns
    :data:`HEDGE_COMPARISON_COLUMNS`: NAV mean, p5 and CVaR 5 % [USD], insolvency probability [fraction], margin
    calls per path [count], the share of paths on which the hedged plan ends with a higher NAV per share than the
    unhedged one [fraction], the mean cost = mean(unhedged NAV - hedged NAV) [USD] with its standard error
    (paired differences over paths) [USD], and the p5 gain = p5 hedged - p5 unhedged [USD]. ``unhedged`` and each of
    ``hedged`` (label -> Dataset) are results of the same scenario on the same seed and paths. Then the NAV's
    quartiles and p95 [USD] (with p5: the distribution before and after).

    >>> import numpy as np, xarray as xr
    >>> def ds(nav):
    ...     nav = np.array([nav], dtype=float)
    ...     return xr.Dataset({"nav_usd": (("policy", "path"), nav), "shares": (("policy", "path"), nav * 0 + 1),
    ...                        "insolvent_day": (("policy", "path"), nav * 0 - 1),
    ...                        "margin_calls": (("policy", "path"), nav * 0)}, coords={"policy": ["p"]})
    >>> t = hedge_comparison_frame(ds([1.0, 2.0, 3.0, 4.0]), {"put": ds([2.0, 2.0, 2.5, 3.0])})
    >>> t.loc[1, ["win_rate_frac", "mean_cost_usd"]].tolist()  # wins on path 0 only; costs (-1 + 0 + 0.5 + 1) / 4
    [0.25, 0.125]
    """
    rows = []
    for label in unhedged["policy"].values:
        base = unhedged.sel(policy=label)
        nav_u = base["nav_usd"].values
        rows.append(_row(str(label), UNHEDGED, base, nav_u, None))
        for name, ds in hedged.items():
            rows.append(_row(str(label), name, ds.sel(policy=label), nav_u, base))
    return pd.DataFrame(rows, columns=list(HEDGE_COMPARISON_COLUMNS))


def _row(policy: str, name: str, sub: xr.Dataset, nav_unhedged: np.ndarray, base: xr.Dataset | None) -> tuple:
    nav = sub["nav_usd"].values
    stats = (float(nav.mean()), float(np.quantile(nav, 0.05)), cvar(nav),
             float((sub["insolvent_day"].values >= 0).mean()), float(sub["margin_calls"].values.mean()))
    spread = tuple(float(q) for q in np.quantile(nav, [0.25, 0.5, 0.75, 0.95]))
    if base is None:
        return (policy, name, *stats, float("nan"), 0.0, 0.0, 0.0, *spread)
    score = nav / sub["shares"].values
    score_u = nav_unhedged / base["shares"].values
    cost = nav_unhedged - nav
    se = float(cost.std(ddof=1) / np.sqrt(cost.size)) if cost.size > 1 else float("nan")
    return (policy, name, *stats, float(np.mean(score > score_u)), float(cost.mean()), se,
            stats[1] - float(np.quantile(nav_unhedged, 0.05)), *spread)
