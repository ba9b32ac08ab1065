"""A company's reported monthly production beside what its reported hashrate earns from the real chain, with
the luck band of its pool's payout scheme.

For each calendar month the company reported both its BTC mined and its hashrate:

- operating hashrate: the reported average operating hashrate; or, for a figure energized or deployed at the
  month's end, the mean of the previous and this month-end figures (this month's alone when the previous one
  is missing) times an uptime fitted per company: sum of reported BTC / sum of what the month-end figures
  would earn at uptime 1, over the months that have one (stated in the summary; those months test nothing);
- share of the network on each day: operating EH/s / the day's network hashrate (Coin Metrics estimates it
  from blocks x difficulty, so share x the day's issuance and fees is exactly what a pool paying per share
  on difficulty pays);
- ours = (1 - curtailed share) x sum over the month's days of share x (issuance + fees) x (1 - pool fee), the
  curtailed share being what the company reported for the month (``HashrateReported.curtailed_frac``: the share
  of the month's hours its fleet was curtailed, where its hashrate figure does not already net that out; 0 where
  none was reported) and shown in the table's ``curtailed_frac`` column;
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
  table, and no preset company is known to be paid on it.) Both bands are widened
  by the rounding of the reported hashrate (half a unit of its last published digit) and of the reported BTC
  (half a BTC when it is published in whole BTC), the only other spread a correct model leaves.

What luck explains: for each month the part of the gap (reported - ours) that lies inside the band, summed
over the months, over the sum of the gaps' sizes.

Blocks: where a company running its own pool reports the blocks it won (MARA), they are set beside the same
Poisson band in blocks (5 % and 95 % quantiles of Poisson(expected blocks), widened by the hashrate's rounding):
the direct test of block luck, free of fees and of BTC the pool did not find itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The luck band's quantiles (a 90 % band).
BAND_QUANTILES = (0.05, 0.95)
#: Payout schemes that pass the luck of the blocks to the company.
LUCK_SCHEMES = ("own_pool",)


def _decimals(value: float) -> int:
    """Digits after the decimal point in the shortest repr of ``value`` (8.8 -> 1, 9.414 -> 3). [count]"""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    digits = text.split(".")[1].rstrip("0")
    return len(digits)


def rounding_frac(hashrate_ehs: float, published_unit_ehs: float | None = None) -> float:
    """Relative half-unit of the last published digit of a reported hashrate (8.8 EH/s: 0.05 / 8.8), the digit's
    unit given where the value's decimals hide it (29.0 EH/s reads as 29 without ``published_unit_ehs=0.1``).
    [fraction]

    >>> round(rounding_frac(8.8), 6), round(rounding_frac(9.414), 8)
    (0.005682, 5.311e-05)
    >>> round(rounding_frac(29.0), 6), round(rounding_frac(29.0, 0.1), 6)  # +-0.5 EH/s against +-0.05
    (0.017241, 0.001724)
    """
    if hashrate_ehs <= 0:
        return 0.0
    unit = published_unit_ehs if published_unit_ehs is not None else 10.0 ** (-_decimals(hashrate_ehs))
    return 0.5 * unit / hashrate_ehs


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


def _month_end_mean(by_month: dict, month: str) -> float:
    """Mean of the previous and this month-end figures of the same kind; this one alone without a previous. [EH/s]"""
    row = by_month[month]
    prev = (pd.Period(month, "M") - 1).strftime("%Y-%m")
    if prev in by_month and by_month[prev].kind == row.kind:
        return 0.5 * (by_month[prev].hashrate_ehs + row.hashrate_ehs)
    return row.hashrate_ehs


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
    curtailment); curtailed_frac [fraction of the month's hours, as reported; 0 where none];
    reported_btc, ours_btc, band_low_btc, band_high_btc [BTC]; expected_blocks, reported_blocks (NaN where not
    reported), band_low_blocks, band_high_blocks [blocks]; error_frac (ours / reported - 1), inside_band,
    blocks_inside_band. The summary: months, mean/max |error|, total error, months inside the band,
    the fitted uptime and the share of the gaps luck explains.
    """
    from scipy.stats import poisson

    months = month_days(history, first_day, last_day)
    by_month = {r.month: r for r in hashrate_reported}
    reported = {r.month: float(r.mined_btc) for r in reported_production}
    won_by_month = {r.month: r.n_blocks_won for r in reported_production if getattr(r, "n_blocks_won", None) is not None}
    uptime = fit_uptime_frac(months, by_month, reported, pool_fee_frac)
    rows = []
    for month, days in months.items():
        row = by_month.get(month)
        if row is None or month not in reported:
            continue
        operating = row.hashrate_ehs if row.kind == "average_operating" else _month_end_mean(by_month, month) * uptime
        curtailed = float(row.curtailed_frac)
        ours, blocks = _earned(days, operating, pool_fee_frac, curtailed)
        per_block = ours / blocks if blocks > 0 else 0.0
        if payout_scheme in LUCK_SCHEMES:
            low, high = (float(poisson.ppf(q, blocks)) * per_block for q in BAND_QUANTILES)
        else:
            low = high = ours
        spread = rounding_frac(row.hashrate_ehs, row.published_unit_ehs)
        # The reported BTC is rounded too (to whole BTC in every update held): half its last digit either side.
        btc_half_unit = rounding_frac(reported[month]) * reported[month]
        won = won_by_month.get(month)
        low_blocks, high_blocks = (float(poisson.ppf(q, blocks)) for q in BAND_QUANTILES)
        rows.append({"month": month, "kind": row.kind, "reported_ehs": row.hashrate_ehs, "operating_ehs": operating,
                     "curtailed_frac": curtailed,
                     "reported_btc": reported[month], "ours_btc": ours, "expected_blocks": blocks,
                     "band_low_btc": low * (1 - spread) - btc_half_unit,
                     "band_high_btc": high * (1 + spread) + btc_half_unit,
                     "reported_blocks": float("nan") if won is None else float(won),
                     "band_low_blocks": low_blocks * (1 - spread), "band_high_blocks": high_blocks * (1 + spread)})
    table = pd.DataFrame(rows, columns=["month", "kind", "reported_ehs", "operating_ehs", "curtailed_frac",
                                        "reported_btc", "ours_btc",
                                        "expected_blocks", "band_low_btc", "band_high_btc", "reported_blocks",
                                        "band_low_blocks", "band_high_blocks"]).set_index("month")
    table["error_frac"] = table["ours_btc"] / table["reported_btc"] - 1.0
    table["inside_band"] = (table["band_low_btc"] <= table["reported_btc"]) & (
        table["reported_btc"] <= table["band_high_btc"])
    # Only where blocks were reported; NaN compares False, so a month without them is never "inside".
    table["blocks_inside_band"] = (table["band_low_blocks"] <= table["reported_blocks"]) & (
        table["reported_blocks"] <= table["band_high_blocks"])
    return table, summarize(table, uptime, payout_scheme)


def summarize(table: pd.DataFrame, uptime_frac: float, payout_scheme: str) -> dict:
    """The summary of an :func:`against_reports` table; the error statistics and the months inside the band count
    average-operating months only: a month-end month goes through the uptime fitted on those same months, so it
    tests nothing (``n_months_fitted`` of them). [fractions, counts]"""
    tested = table[table["kind"] == "average_operating"]
    gap = table["reported_btc"] - table["ours_btc"]
    explained = gap.clip(lower=table["band_low_btc"] - table["ours_btc"], upper=table["band_high_btc"] - table["ours_btc"])
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
        "n_months_curtailed": int((table["curtailed_frac"] > 0).sum()),
        "n_months_blocks": int(tested["reported_blocks"].notna().sum()),
        "n_blocks_inside_band": int(tested["blocks_inside_band"].sum()),
        "uptime_fit_frac": uptime_frac,
        # No gap at all is wholly explained; no month at all explains nothing (NaN).
        "luck_explained_frac": (float(explained.abs().sum() / total_gap) if total_gap > 0
                                else (1.0 if len(table) else float("nan"))),
    }
