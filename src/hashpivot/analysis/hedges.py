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

from hashpivot.analysis.summary import cvar, win_share

#: Label of the twin without hedges.
UNHEDGED = "unhedged"
#: Columns of :func:`hedge_comparison_frame`, each with its unit.
HEDGE_COMPARISON_COLUMNS = (
    "policy", "hedges", "nav_mean_usd", "nav_p5_usd", "nav_cvar5_usd", "insolvency_frac", "margin_calls_per_path",
    "win_rate_frac", "mean_cost_usd", "mean_cost_se_usd", "p5_gain_usd", "nav_p25_usd", "nav_p50_usd",
    "nav_p75_usd", "nav_p95_usd",
)


def hedge_comparison_frame(unhedged: xr.Dataset, hedged: dict[str, xr.Dataset], loans: bool = True) -> pd.DataFrame:
    """One row per (policy, hedged variant) and one per policy unhedged, columns
    :data:`HEDGE_COMPARISON_COLUMNS`: NAV mean, p5 and CVaR 5 % [USD], insolvency probability [fraction], margin
    calls per path [count], the share of paths on which the hedged plan ends with a higher NAV per share than the
    unhedged one [fraction], the mean cost = mean(unhedged NAV - hedged NAV) [USD] with its standard error
    (paired differences over paths) [USD], and the p5 gain = p5 hedged - p5 unhedged [USD]. ``unhedged`` and each of
    ``hedged`` (label -> Dataset) are results of the same scenario on the same seed and paths. Then the NAV's
    quartiles and p95 [USD] (with p5: the distribution before and after). ``loans`` False (no hedge is a BTC-backed
    loan): margin calls are NaN, a count that cannot occur, not a measured 0.

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
    frame = pd.DataFrame(rows, columns=list(HEDGE_COMPARISON_COLUMNS))
    if not loans:
        frame["margin_calls_per_path"] = np.nan
    return frame


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
    return (policy, name, *stats, win_share(score, score_u), float(cost.mean()), se,
            stats[1] - float(np.quantile(nav_unhedged, 0.05)), *spread)


#: Columns of :func:`hedge_terms_frame`, each with its unit.
HEDGE_TERMS_COLUMNS = ("hedge", "kind", "underlying", "strike", "strike_unit", "start_day", "end_day",
                       "premium_frac_of_spot", "source")


def hedge_terms_frame(scenario) -> pd.DataFrame:
    """The terms of each of ``scenario``'s hedges, one row each, columns :data:`HEDGE_TERMS_COLUMNS`: its label,
    kind and underlying [text], its strike in ``strike_unit`` (a forward's USD/PH/day, the starting hashprice when
    not given: ``engine.plan.starting_hashprice_usd_per_ph_day``; an option's put strike / spot [ratio]; a fixed
    power contract's USD/MWh; a loan's initial LTV [fraction]), its first and last day [day], the net premium an
    option pays at inception per BTC covered over that day's spot (``premium_per_spot_ratio``: Black-Scholes at its
    implied volatility and rate; NaN for the instruments that cost nothing up front) [fraction], and its source.

    >>> from hashpivot.scenarios.toml import load_preset
    >>> from hashpivot.scenarios.variants import with_values
    >>> put = {"kind": "btc_put", "name": "put", "treasury_frac": 0.5, "put_strike_ratio": 0.75, "tenor_days": 730}
    >>> t = hedge_terms_frame(with_values(load_preset("default"), {"hedges": [put]}, "doctest"))
    >>> row = t.iloc[0]
    >>> row["hedge"], row["underlying"], float(row["strike"]), int(row["end_day"])
    ('put', 'BTC price', 0.75, 731)
    """
    from hashpivot.engine.plan import starting_hashprice_usd_per_ph_day
    from hashpivot.policies.hedges import (BTC_BACKED_LOAN, BTC_COLLAR, BTC_PUT, FIXED_POWER, HASHPRICE_FORWARD,
                                           hedge_label)

    rows = []
    for i, h in enumerate(scenario.hedges):
        premium = float("nan")
        if h.code == HASHPRICE_FORWARD:
            strike = h.strike_usd_per_ph_day or starting_hashprice_usd_per_ph_day(scenario)
            underlying, unit = "hashprice", "USD/PH/day"
        elif h.code in (BTC_PUT, BTC_COLLAR):
            strike, underlying, unit = h.put_strike_ratio, "BTC price", "put strike / spot"
            premium = h.premium_per_spot_ratio()
        elif h.code == FIXED_POWER:
            strike, underlying, unit = h.price_usd_per_mwh, "power price", "USD/MWh"
        else:
            assert h.code == BTC_BACKED_LOAN
            strike, underlying, unit = h.initial_ltv_frac, "BTC price (collateral)", "initial LTV"
        rows.append((hedge_label(h, i), h.kind, underlying, float(strike), unit, h.start_day, h.end_day, premium,
                     h.source))
    return pd.DataFrame(rows, columns=list(HEDGE_TERMS_COLUMNS))
