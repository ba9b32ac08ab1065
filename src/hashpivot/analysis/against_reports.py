"""A company's reported monthly production beside what its reported hashrate earns from the real chain, with
the luck band of its pool's payout scheme.

For each calendar month the company reported both its BTC mined and its hashrate:

- operating hashrate: the reported average operating hashrate; or, for a figure energized or deployed at the
  month's end, the mean of the previous and this month-end figures (this month's alone when the previous one
  is missing) times an uptime fitted per company: sum of reported BTC / sum of what the month-end figures
  would earn at uptime 1, over the months that have one (stated in the summary; those months test nothing); a
  fit above 1 (the figures could not have earned the reported BTC even hashing every hour: a figure too low, or
  hashrate that came and went within the month) is replayed at 1 and the fit kept beside it;
- share of the network on each day: operating EH/s / the day's network hashrate (Coin Metrics estimates it
  from blocks x difficulty, so share x the day's issuance and fees is exactly what a pool paying per share
  on difficulty pays);
- ours = (1 - curtailed share) x sum over the month's days of share x (issuance + fees) x (1 - pool fee), the
  curtailed share being what the company reported for the month (``HashrateReported.curtailed_frac``: the share
  of the month's hours its fleet was curtailed, where its hashrate figure does not already net that out; 0 where
  none was reported) and shown in the table's ``curtailed_frac`` column; a company's operating hashrate is part of
  the network's, so one above the network's on a day of its month is refused (a window before the company's
  size, or a figure in the wrong unit);
- expected blocks = sum of share x the day's block count. A company that runs its own pool finds a
  Poisson(expected blocks) number of blocks: its 90 % luck band is the 5 % and 95 % Poisson quantiles x the
  month's BTC per block. A pool paying FPPS/PPS+ pays the expectation: no block luck. Foundry USA Pool's
  stated FPPS terms (its payout methodology as printed 2023-05-07 in an SEC exhibit,
  sec.gov/Archives/edgar/data/827876/000095017023019070/filename2.htm) pay each UTC day a PPS base of hashes x
  subsidy / (difficulty x 2^32) times an FPPS rate of the day's fees / the day's subsidies over all its blocks;
  Coin Metrics' daily hashrate is blocks x mean difficulty x 2^32 / 86,400 s (to 1e-9 in the table), so the
  share x (issuance + fees) above is that payout exactly, fee included, and FPPS leaves no fee variance either.
  (Foundry's current FAQ, pool-faq.foundrydigital.com/what-is-foundry-usa-pools-payout-methodology, trims the
  3 highest and 3 lowest blocks' fees from the rate; the day's per-block fees it needs are not in the chain
  table, and no preset company is known to be paid on it.)
- the precision of the published figures: a company publishes rounded figures, so "9.2 EH/s" says
  9.15 <= h < 9.25 and "230 BTC" says 229.5 <= b < 230.5. Each figure carries its decimals as published
  (``HashrateReported.published_hashrate_decimals`` and ``ReportedProduction.published_btc_decimals``: an explicit
  ``hashrate_decimals`` / ``btc_decimals``, else the decimals the value is written with). The band is the union of
  the payout scheme's band over the hashrate's rounding interval: from the scheme's low end at h - half a unit of
  the last digit (``band_low_btc``) to its high end at h + half a unit (``band_high_btc``); for FPPS that is
  [ours at h - half a unit, ours at h + half a unit]. A month is inside when the reported BTC's own interval
  (b -/+ half a unit of its last digit) overlaps the band (the half-open ends are read closed: a measure-zero
  difference). This is no fitted factor: it is what the published numbers can tell. The payout scheme's band
  alone at the figure as published is kept beside it (``payout_low_btc``, ``payout_high_btc``,
  ``inside_payout_band``: for FPPS a single point, met only by coincidence), and ``rounding_btc`` says by how much
  the rounding widens the band on each side, the reported BTC's half unit included.

What luck (and the published figures' rounding) explains: for each month the part of the gap (reported - ours)
that lies inside the band widened by the reported BTC's half unit, summed over the months, over the sum of the
gaps' sizes.

Blocks: where a company running its own pool reports the blocks it won (MARA), they are set beside the same
Poisson band in blocks (the 5 % quantile of Poisson(expected blocks at h - half a unit) to the 95 % quantile at
h + half a unit; a block count is exact): the direct test of block luck, free of fees and of BTC the pool did not
find itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hashpivot.errors import InputError

#: The luck band's quantiles (a 90 % band).
BAND_QUANTILES = (0.05, 0.95)
#: Payout schemes that pass the luck of the blocks to the company.
LUCK_SCHEMES = ("own_pool",)


def half_unit(decimals: int) -> float:
    """Half a unit of the last digit of a figure published with ``decimals`` decimals (1 -> 0.05, 0 -> 0.5), in the
    figure's own unit. [unit of the figure]

    >>> half_unit(1), half_unit(0), half_unit(3)
    (0.05, 0.5, 0.0005)
    """
    return 0.5 * 10.0 ** (-int(decimals))


def month_days(history: pd.DataFrame, first_day, last_day) -> dict[str, pd.DataFrame]:
    """The chain table's rows of each calendar month lying wholly inside ``first_day..last_day`` (YYYY-MM)."""
    rows = history.loc[pd.Timestamp(first_day): pd.Timestamp(last_day)]
    out = {}
    for month, group in rows.groupby(rows.index.strftime("%Y-%m")):
        start = pd.Timestamp(f"{month}-01")
        if len(group) == start.days_in_month:
            out[str(month)] = group
    return out


def _earned(rows: pd.DataFrame, ehs: float, pool_fee_frac: float, curtailed_frac: float = 0.0) -> tuple[float, float]:
    """(BTC paid, expected blocks) of ``ehs`` of operating hashrate over ``rows``, hashing (1 - ``curtailed_frac``)
    of the hours. [BTC, blocks]"""
    share = ehs * (1.0 - curtailed_frac) / rows["hashrate_ehs"].to_numpy(np.float64)
    btc = float(np.sum(share * (rows["issuance_btc"].to_numpy() + rows["fees_btc"].to_numpy())))
    blocks = float(np.sum(share * rows["block_count"].to_numpy(np.float64)))
    return btc * (1.0 - pool_fee_frac), blocks


def _figure_ehs(row, side: int) -> float:
    """A reported hashrate at the low (``side`` -1) or high (+1) end of its rounding interval, or as published (0);
    never below 0. [EH/s]"""
    return max(0.0, row.hashrate_ehs + side * half_unit(row.published_hashrate_decimals))


def _month_end_mean(by_month: dict, month: str, side: int = 0) -> float:
    """Mean of the previous and this month-end figures of the same kind; this one alone without a previous; each
    figure at its ``side`` of its rounding interval (:func:`_figure_ehs`). [EH/s]"""
    row = by_month[month]
    prev = (pd.Period(month, "M") - 1).strftime("%Y-%m")
    if prev in by_month and by_month[prev].kind == row.kind:
        return 0.5 * (_figure_ehs(by_month[prev], side) + _figure_ehs(row, side))
    return _figure_ehs(row, side)


def _operating_ehs(by_month: dict, month: str, uptime: float, side: int = 0) -> float:
    """Operating hashrate of ``month`` with its figures at ``side`` of their rounding interval. [EH/s]"""
    row = by_month[month]
    if row.kind == "average_operating":
        return _figure_ehs(row, side)
    return _month_end_mean(by_month, month, side) * uptime


def _payout_band(ours: float, blocks: float, payout_scheme: str) -> tuple[float, float]:
    """The payout scheme's 90 % band of what ``ours`` BTC over ``blocks`` expected blocks pays: the Poisson 5 %
    and 95 % quantiles x BTC per block where the company takes the luck, the expectation itself under FPPS. [BTC]"""
    if payout_scheme not in LUCK_SCHEMES:
        return ours, ours
    from scipy.stats import poisson

    per_block = ours / blocks if blocks > 0 else 0.0
    low, high = (float(poisson.ppf(q, blocks)) * per_block for q in BAND_QUANTILES)
    return low, high


def fit_uptime_frac(months: dict[str, pd.DataFrame], by_month: dict, reported: dict[str, float],
                    pool_fee_frac: float) -> float:
    """Uptime that turns month-end (energized/deployed) figures into operating hashrate: sum of reported BTC /
    sum of what the month-end figures earn at uptime 1, over the months that have both; NaN without. [fraction]"""
    num = den = 0.0
    for month, rows in months.items():
        row = by_month.get(month)
        if row is None or row.kind == "average_operating" or month not in reported:
            continue
        num += reported[month]
        den += _earned(rows, _month_end_mean(by_month, month), pool_fee_frac, row.curtailed_frac)[0]
    return num / den if den > 0 else float("nan")


def against_reports(history: pd.DataFrame, first_day, last_day, hashrate_reported: Sequence,
                    reported_production: Sequence, *, payout_scheme: str = "fpps",
                    pool_fee_frac: float = 0.0) -> tuple[pd.DataFrame, dict]:
    """Reported against replayed production, one row per month of the window with both figures (index ``month``).

    ``history`` is the daily chain table (``io.history``), ``hashrate_reported`` ``HashrateReported`` rows,
    ``reported_production`` ``ReportedProduction`` rows. Columns: kind, reported_ehs, operating_ehs [EH/s] (before
    curtailment); hashrate_decimals, btc_decimals [decimals, as published]; curtailed_frac [fraction of the month's
    hours, as reported; 0 where none]; reported_btc, ours_btc [BTC]; payout_low_btc, payout_high_btc [BTC] (the
    payout scheme's band at the figures as published); band_low_btc, band_high_btc [BTC] (that band's union over
    the hashrate's rounding interval); rounding_btc [BTC] (how much the published figures' rounding widens the band
    on each side, the reported BTC's half unit included); expected_blocks, reported_blocks (NaN where not
    reported), band_low_blocks, band_high_blocks [blocks]; error_frac (ours / reported - 1); inside_band (the
    reported BTC's rounding interval overlaps the band), inside_payout_band (the reported BTC lies in the payout
    band alone), blocks_inside_band. The summary: months, mean/max |error|, total error, months inside each band,
    the fitted uptime and the share of the gaps luck explains.
    """
    from scipy.stats import poisson

    months = month_days(history, first_day, last_day)
    by_month = {r.month: r for r in hashrate_reported}
    production = {r.month: r for r in reported_production}
    won_by_month = {r.month: r.n_blocks_won for r in reported_production if getattr(r, "n_blocks_won", None) is not None}
    fitted = fit_uptime_frac(months, by_month, {m: float(r.mined_btc) for m, r in production.items()}, pool_fee_frac)
    uptime = min(fitted, 1.0) if fitted == fitted else fitted  # hashing every hour at most
    rows = []
    for month, days in months.items():
        row = by_month.get(month)
        if row is None or month not in production:
            continue
        reported = float(production[month].mined_btc)
        curtailed = float(row.curtailed_frac)
        operating = _operating_ehs(by_month, month, uptime)
        network = float(days["hashrate_ehs"].min())
        if operating * (1.0 - curtailed) > network:
            raise InputError(f"{month} hashrate_ehs", row.hashrate_ehs,
                             f"an operating hashrate ({operating:.4g} EH/s) below the network's, {network:.4g} EH/s "
                             f"on its lowest day of {month}: a company's hashrate is part of the network's")
        ours, blocks = _earned(days, operating, pool_fee_frac, curtailed)
        payout_low, payout_high = _payout_band(ours, blocks, payout_scheme)
        # The band: the scheme's low end at the hashrate's low end, its high end at the high end.
        ours_lo, blocks_lo = _earned(days, _operating_ehs(by_month, month, uptime, -1), pool_fee_frac, curtailed)
        ours_hi, blocks_hi = _earned(days, _operating_ehs(by_month, month, uptime, +1), pool_fee_frac, curtailed)
        low = _payout_band(ours_lo, blocks_lo, payout_scheme)[0]
        high = _payout_band(ours_hi, blocks_hi, payout_scheme)[1]
        btc_decimals = production[month].published_btc_decimals
        btc_half = half_unit(btc_decimals)
        won = won_by_month.get(month)
        rows.append({"month": month, "kind": row.kind, "reported_ehs": row.hashrate_ehs, "operating_ehs": operating,
                     "hashrate_decimals": row.published_hashrate_decimals, "btc_decimals": btc_decimals,
                     "curtailed_frac": curtailed, "reported_btc": reported, "ours_btc": ours,
                     "expected_blocks": blocks, "payout_low_btc": payout_low, "payout_high_btc": payout_high,
                     "band_low_btc": low, "band_high_btc": high,
                     "rounding_btc": ((high - low) - (payout_high - payout_low)) / 2 + btc_half,
                     "reported_low_btc": reported - btc_half, "reported_high_btc": reported + btc_half,
                     "reported_blocks": float("nan") if won is None else float(won),
                     "band_low_blocks": float(poisson.ppf(BAND_QUANTILES[0], blocks_lo)),
                     "band_high_blocks": float(poisson.ppf(BAND_QUANTILES[1], blocks_hi))})
    table = pd.DataFrame(rows, columns=["month", "kind", "reported_ehs", "operating_ehs", "hashrate_decimals",
                                        "btc_decimals", "curtailed_frac", "reported_btc", "ours_btc",
                                        "expected_blocks", "payout_low_btc", "payout_high_btc", "band_low_btc",
                                        "band_high_btc", "rounding_btc", "reported_low_btc", "reported_high_btc",
                                        "reported_blocks", "band_low_blocks", "band_high_blocks"]).set_index("month")
    table["error_frac"] = table["ours_btc"] / table["reported_btc"] - 1.0
    # Two intervals overlap when each starts before the other ends.
    table["inside_band"] = (table["reported_low_btc"] <= table["band_high_btc"]) & (
        table["band_low_btc"] <= table["reported_high_btc"])
    table["inside_payout_band"] = (table["payout_low_btc"] <= table["reported_btc"]) & (
        table["reported_btc"] <= table["payout_high_btc"])
    # Only where blocks were reported; NaN compares False, so a month without them is never "inside".
    table["blocks_inside_band"] = (table["band_low_blocks"] <= table["reported_blocks"]) & (
        table["reported_blocks"] <= table["band_high_blocks"])
    return table, summarize(table, uptime, payout_scheme, fitted)


def summarize(table: pd.DataFrame, uptime_frac: float, payout_scheme: str, uptime_fitted_frac: float) -> dict:
    """The summary of an :func:`against_reports` table; the error statistics and the months inside the band count
    average-operating months only: a month-end month goes through the uptime fitted on those same months, so it
    tests nothing (``n_months_fitted`` of them); ``uptime_frac`` the uptime they ran at, ``uptime_fitted_frac`` the
    fit before it was held at 1. [fractions, counts]"""
    tested = table[table["kind"] == "average_operating"]
    gap = table["reported_btc"] - table["ours_btc"]
    # The reported BTC's own half unit widens what the band explains, as it does the inside decision.
    half = table["reported_high_btc"] - table["reported_btc"]
    explained = gap.clip(lower=table["band_low_btc"] - table["ours_btc"] - half,
                         upper=table["band_high_btc"] - table["ours_btc"] + half)
    total_gap = float(gap.abs().sum())
    err = tested["error_frac"].abs()
    return {
        "payout_scheme": payout_scheme,
        "n_months": int(len(table)),
        "n_months_average_operating": int(len(tested)),
        "mean_abs_error_frac": float(err.mean()) if len(tested) else float("nan"),
        "max_abs_error_frac": float(err.max()) if len(tested) else float("nan"),
        "mean_error_frac": float(tested["error_frac"].mean()) if len(tested) else float("nan"),
        "total_error_frac": (float(tested["ours_btc"].sum() / tested["reported_btc"].sum() - 1.0)
                             if len(tested) else float("nan")),
        "n_months_fitted": int(len(table) - len(tested)),
        "n_inside_band": int(tested["inside_band"].sum()),
        "n_inside_payout_band": int(tested["inside_payout_band"].sum()),
        "n_months_curtailed": int((table["curtailed_frac"] > 0).sum()),
        "n_months_blocks": int(tested["reported_blocks"].notna().sum()),
        "n_blocks_inside_band": int(tested["blocks_inside_band"].sum()),
        "uptime_fit_frac": uptime_frac,
        "uptime_fitted_uncapped_frac": uptime_fitted_frac,
        # No gap at all is wholly explained; no month at all explains nothing (NaN).
        "luck_explained_frac": (float(explained.abs().sum() / total_gap) if total_gap > 0
                                else (1.0 if len(table) else float("nan"))),
    }
