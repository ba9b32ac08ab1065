"""Hashprice around the halvings, from the daily chain table (pure pandas/numpy, no disk).

Definitions used throughout (all days are UTC calendar days of the chain table):

* **Daily hashprice** [USD/(TH/s)/day]: (issuance + fees) x price / hash rate in TH/s, recomputed at
  full precision by :func:`recompute_hashprice_usd_per_th_day`.
* **Halving day** of halving ``n`` (n = 1 is block 210,000 in 2012, 2 = 2016, 3 = 2020, 4 = 2024):
  derived from ``issuance_btc / block_count`` (see :func:`find_halvings`): the day the first blocks at
  the new subsidy appear, unless they are fewer than ``min_new_block_frac`` of that day's blocks, in
  which case the next day. On the chain table this gives 2012-11-28, 2016-07-09, 2020-05-11 and
  2024-04-20 — the UTC days on which blocks 210,000 (15:24 UTC), 420,000 (16:46), 630,000 (19:23) and
  840,000 (00:09) were mined. The first three are mixed days (part old, part new subsidy); Coin
  Metrics books 4 of 151 blocks at the new subsidy on 2024-04-19, read here as a day-assignment
  artefact (see ``../shared/data/README.md``, "Known caveats").
* **Before window** (``before_days`` = A): the A days ending the day before the halving day,
  ``[H - A, H - 1]``. **After window** (``after_days`` = B): the B days starting on the halving day,
  ``[H, H + B - 1]``. The halving day is in the after window. Both bounds inclusive.
* **Mean of daily values**: arithmetic mean of the daily hashprice over the window's days.
* **Pooled hashprice**: sum of daily revenue in USD / sum of daily hash rate in TH/s over the window
  (a hash-rate-weighted mean of the daily values; robust to the noise of single-day hash-rate
  estimates, as the data README recommends).
* **Revenue split**: subsidy = sum of ``issuance_btc x price_usd``, fees = sum of
  ``fees_btc x price_usd`` over the window [USD], and each as a fraction of their total (shares of
  USD revenue; the data README's "fee share" 6.0 % -> 21.2 % around 2024 is the share in BTC, which
  :class:`PeriodStats` also allows from ``fees_btc`` and ``subsidy_btc``).

Source of the data: Coin Metrics Community Data (github.com/coinmetrics/data), CC BY-NC 4.0.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.errors import DataError, InputError
from hashpivot.formulas.mining import hashprice_from_daily_totals, hashprice_from_revenue_usd
from hashpivot.protocol import HALVING_INTERVAL_BLOCKS, ZERO_SUBSIDY_HEIGHT, subsidy_btc

#: Default share of a day's blocks at the new subsidy for that day to count as the halving day.
MIN_NEW_BLOCK_FRAC = 0.1
#: Default window lengths, as in the CLI. [days]
DEFAULT_BEFORE_DAYS = 365
DEFAULT_AFTER_DAYS = 60
#: Default length of the trailing average drawn on the chart. [days]
DEFAULT_ROLLING_DAYS = 30

DateLike = str | dt.date | pd.Timestamp
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Halving:
    """A halving found in the chain table.

    Attributes: ``n`` (1 = 2012), ``height`` [block height], ``date`` (the halving day, see the module
    docstring), ``old_subsidy_btc`` and ``new_subsidy_btc`` [BTC/block], ``first_new_block_date``
    (first day with any block at the new subsidy), ``new_blocks_on_first_date`` and
    ``blocks_on_first_date`` [blocks] on that day.
    """

    n: int
    height: int
    date: dt.date
    old_subsidy_btc: float
    new_subsidy_btc: float
    first_new_block_date: dt.date
    new_blocks_on_first_date: int
    blocks_on_first_date: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (dates as ISO strings)."""
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class PeriodStats:
    """Hashprice and revenue over a run of consecutive days (both bounds inclusive).

    Attributes: ``start``, ``end``, ``n_days`` [days]; ``mean_daily_hashprice_usd_per_th_day`` (mean of
    the daily values) and ``pooled_hashprice_usd_per_th_day`` (sum revenue / sum hash rate)
    [USD/(TH/s)/day]; ``subsidy_usd``, ``fees_usd``, ``revenue_usd`` (sums over the days) [USD];
    ``subsidy_frac``, ``fees_frac`` (shares of revenue in USD) [0-1]; ``subsidy_btc``, ``fees_btc``
    (sums over the days) [BTC]; ``mean_btc_price_usd`` [USD/BTC];
    ``mean_hashrate_ehs`` [EH/s].
    """

    start: dt.date
    end: dt.date
    n_days: int
    mean_daily_hashprice_usd_per_th_day: float
    pooled_hashprice_usd_per_th_day: float
    subsidy_usd: float
    fees_usd: float
    revenue_usd: float
    subsidy_frac: float
    fees_frac: float
    subsidy_btc: float
    fees_btc: float
    mean_btc_price_usd: float
    mean_hashrate_ehs: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (dates as ISO strings)."""
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class HalvingWindow:
    """Hashprice in the ``before_days`` before and the ``after_days`` from a halving day.

    ``before`` covers ``[H - before_days, H - 1]``, ``after`` covers ``[H, H + after_days - 1]``.
    """

    halving: Halving
    before_days: int
    after_days: int
    before: PeriodStats
    after: PeriodStats

    @property
    def mean_daily_change_frac(self) -> float:
        """Relative change of the mean of daily hashprice, after vs before. [fraction, -0.3 = -30 %]"""
        return _change(self.before.mean_daily_hashprice_usd_per_th_day,
                       self.after.mean_daily_hashprice_usd_per_th_day)

    @property
    def pooled_change_frac(self) -> float:
        """Relative change of the pooled hashprice, after vs before. [fraction]"""
        return _change(self.before.pooled_hashprice_usd_per_th_day,
                       self.after.pooled_hashprice_usd_per_th_day)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: the halving, the window lengths, both periods and the changes."""
        return {
            "halving": self.halving.to_dict(),
            "before_days": self.before_days,
            "after_days": self.after_days,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "mean_daily_change_frac": self.mean_daily_change_frac,
            "pooled_change_frac": self.pooled_change_frac,
        }


def select_dates(
    history: pd.DataFrame, date_from: DateLike | None = None, date_to: DateLike | None = None
) -> pd.DataFrame:
    """Rows of ``history`` from ``date_from`` to ``date_to``, both inclusive (None = open end).

    Raises InputError when a bound is not a date or ``date_from`` is after ``date_to``, and DataError
    when no day of the table is left.
    """
    start = _to_day("date_from", date_from)
    end = _to_day("date_to", date_to)
    if start is not None and end is not None and start > end:
        raise InputError(
            "date_from", f"{start:%Y-%m-%d}", f"a date on or before the end date {end:%Y-%m-%d}"
        )
    selected = history.loc[start:end]
    if selected.empty:
        raise DataError(
            f"no day of the chain history between {_fmt(start) or 'its start'} and "
            f"{_fmt(end) or 'its end'}; it covers {_span(history)}"
        )
    return selected


def per_block_issuance_btc(history: pd.DataFrame) -> pd.Series:
    """Issuance per block found that day, ``issuance_btc / block_count`` (NaN with no block). [BTC]"""
    blocks = history["block_count"].to_numpy(dtype=np.float64)
    issuance = history["issuance_btc"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(blocks > 0, issuance / np.where(blocks > 0, blocks, 1.0), np.nan)
    return pd.Series(values, index=history.index, name="issuance_per_block_btc")


def find_halvings(
    history: pd.DataFrame, min_new_block_frac: float = MIN_NEW_BLOCK_FRAC
) -> tuple[Halving, ...]:
    """Halvings that happen inside the table, derived from ``issuance_btc / block_count``.

    For halving ``n`` (old subsidy S_old, new S_new from :mod:`hashpivot.protocol`), the number of
    new-subsidy blocks on a day is ``(block_count x S_old - issuance_btc) / (S_old - S_new)``. The
    first day where it reaches one block (rounded) is ``first_new_block_date``; it is the halving day
    when at least ``min_new_block_frac`` of that day's blocks are new, else the next day is (a few
    blocks booked on the day before by the data's day assignment, as 2024-04-19 in the Coin Metrics
    table; block 840,000 has timestamp 2024-04-20 00:09 UTC). A halving counts as found only when the
    table has a day before its first new-subsidy day (so a table starting after a halving does not
    report it). Returns them in order of ``n``.
    """
    if not 0.0 <= min_new_block_frac <= 1.0:
        raise InputError("min_new_block_frac", min_new_block_frac, "a fraction in [0, 1]")
    if len(history) < 2:
        return ()
    blocks = history["block_count"].to_numpy(dtype=np.float64)
    issuance = history["issuance_btc"].to_numpy(dtype=np.float64)
    days = history.index
    found: list[Halving] = []
    for n in range(1, ZERO_SUBSIDY_HEIGHT // HALVING_INTERVAL_BLOCKS + 1):
        height = n * HALVING_INTERVAL_BLOCKS
        old = float(subsidy_btc(height - 1))
        new = float(subsidy_btc(height))
        new_blocks = np.rint((blocks * old - issuance) / (old - new))
        hits = np.flatnonzero(new_blocks >= 1)
        if len(hits) == 0 or hits[0] == 0:
            continue  # not reached yet, or already past when the table starts
        i = int(hits[0])
        n_new = int(min(new_blocks[i], blocks[i]))
        n_blocks = int(blocks[i])
        halving_pos = i if n_new >= min_new_block_frac * n_blocks else i + 1
        if halving_pos >= len(days):
            continue  # the table ends before the halving day
        found.append(
            Halving(
                n=n,
                height=height,
                date=days[halving_pos].date(),
                old_subsidy_btc=old,
                new_subsidy_btc=new,
                first_new_block_date=days[i].date(),
                new_blocks_on_first_date=n_new,
                blocks_on_first_date=n_blocks,
            )
        )
    return tuple(found)


def recompute_hashprice_usd_per_th_day(history: pd.DataFrame) -> pd.Series:
    """Daily hashprice recomputed at full precision from the chain table's inputs. [USD/(TH/s)/day]

    (``issuance_btc`` + ``fees_btc``) x ``price_usd`` / hash rate in TH/s, via
    :func:`hashpivot.formulas.mining.hashprice_from_daily_totals`. The table's own
    ``hashprice_usd_per_th_day`` is the same quantity rounded to 6 significant digits.
    """
    values = hashprice_from_daily_totals(
        history["price_usd"].to_numpy(),
        history["hashrate_ehs"].to_numpy(),
        history["issuance_btc"].to_numpy(),
        history["fees_btc"].to_numpy(),
    )
    return pd.Series(values, index=history.index, name="hashprice_usd_per_th_day")


def period_stats(history: pd.DataFrame) -> PeriodStats:
    """Hashprice and revenue over all rows of ``history`` (consecutive days). See the module docstring."""
    if history.empty:
        raise DataError("no day of the chain history to summarise")
    price = history["price_usd"].to_numpy(dtype=np.float64)
    hashrate_ehs = history["hashrate_ehs"].to_numpy(dtype=np.float64)
    subsidy_usd = float(np.sum(history["issuance_btc"].to_numpy(dtype=np.float64) * price))
    fees_usd = float(np.sum(history["fees_btc"].to_numpy(dtype=np.float64) * price))
    revenue_usd = subsidy_usd + fees_usd
    daily = recompute_hashprice_usd_per_th_day(history).to_numpy()
    return PeriodStats(
        start=history.index[0].date(),
        end=history.index[-1].date(),
        n_days=len(history),
        mean_daily_hashprice_usd_per_th_day=float(np.mean(daily)),
        pooled_hashprice_usd_per_th_day=float(hashprice_from_revenue_usd(revenue_usd, float(np.sum(hashrate_ehs)))),
        subsidy_usd=subsidy_usd,
        fees_usd=fees_usd,
        revenue_usd=revenue_usd,
        subsidy_frac=subsidy_usd / revenue_usd if revenue_usd > 0 else float("nan"),
        fees_frac=fees_usd / revenue_usd if revenue_usd > 0 else float("nan"),
        subsidy_btc=float(history["issuance_btc"].sum()),
        fees_btc=float(history["fees_btc"].sum()),
        mean_btc_price_usd=float(np.mean(price)),
        mean_hashrate_ehs=float(np.mean(hashrate_ehs)),
    )


def halving_window(
    history: pd.DataFrame,
    halving_n: int,
    before_days: int = DEFAULT_BEFORE_DAYS,
    after_days: int = DEFAULT_AFTER_DAYS,
    halvings: tuple[Halving, ...] | None = None,
) -> HalvingWindow:
    """Hashprice in the ``before_days`` before and the ``after_days`` from halving ``halving_n``.

    ``halvings`` defaults to :func:`find_halvings` on ``history``; pass the halvings of the full table
    when ``history`` is a date-filtered part of it. Both windows must lie inside ``history``
    (DataError otherwise, saying how many days are available). Window definitions: module docstring.
    """
    before_days = _whole("before_days", before_days)
    after_days = _whole("after_days", after_days)
    if halvings is None:
        halvings = find_halvings(history)
    by_n = {h.n: h for h in halvings}
    if isinstance(halving_n, bool) or not isinstance(halving_n, (int, np.integer)) or (
        halving_n not in by_n
    ):
        listed = ", ".join(f"{h.n} ({h.date:%Y-%m-%d})" for h in halvings) or "none"
        raise InputError("halving_n", halving_n, f"a halving found in the data: {listed}")
    halving = by_n[int(halving_n)]
    day = pd.Timestamp(halving.date)
    before_start = day - pd.Timedelta(days=before_days)
    after_end = day + pd.Timedelta(days=after_days - 1)
    first, last = history.index[0], history.index[-1]
    if before_start < first:
        available = max((day - first).days, 0)
        raise DataError(
            f"the {before_days} days before halving {halving.n} ({halving.date:%Y-%m-%d}) start on "
            f"{before_start:%Y-%m-%d}, before the data's first day {first:%Y-%m-%d}; "
            f"{available} days before it are available"
        )
    if after_end > last:
        available = max((last - day).days + 1, 0)
        raise DataError(
            f"the {after_days} days from halving {halving.n} ({halving.date:%Y-%m-%d}) end on "
            f"{after_end:%Y-%m-%d}, after the data's last day {last:%Y-%m-%d}; "
            f"{available} days from it are available"
        )
    before = history.loc[before_start : day - pd.Timedelta(days=1)]
    after = history.loc[day:after_end]
    if len(before) != before_days or len(after) != after_days:
        raise DataError(
            f"the windows around halving {halving.n} are not complete in the data "
            f"({len(before)} of {before_days} days before, {len(after)} of {after_days} after)"
        )
    return HalvingWindow(
        halving=halving,
        before_days=before_days,
        after_days=after_days,
        before=period_stats(before),
        after=period_stats(after),
    )


def rolling_mean_hashprice(
    history: pd.DataFrame, window_days: int = DEFAULT_ROLLING_DAYS
) -> pd.Series:
    """Trailing mean of daily hashprice over ``window_days`` days (NaN until full). [USD/(TH/s)/day]"""
    window_days = _whole("window_days", window_days)
    daily = recompute_hashprice_usd_per_th_day(history)
    return daily.rolling(window_days, min_periods=window_days).mean().rename(
        f"hashprice_{window_days}d_mean_usd_per_th_day"
    )


def _whole(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(name, value, "a whole number of days >= 1")
    return int(value)


def _to_day(name: str, value: DateLike | None) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip()):
        raise InputError(name, value, "a date as YYYY-MM-DD")
    try:
        day = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError) as exc:
        raise InputError(name, value, "a date as YYYY-MM-DD") from exc
    if pd.isna(day) or day != day.normalize() or day.tz is not None:
        raise InputError(name, value, "a date as YYYY-MM-DD (no time of day, no time zone)")
    return day


def _change(before: float, after: float) -> float:
    return after / before - 1.0 if before > 0 else float("nan")


def _fmt(day: pd.Timestamp | None) -> str:
    return "" if day is None else f"{day:%Y-%m-%d}"


def _span(history: pd.DataFrame) -> str:
    if history.empty:
        return "no days"
    return f"{history.index[0]:%Y-%m-%d} to {history.index[-1]:%Y-%m-%d}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def yearly_hashprice(history: pd.DataFrame) -> pd.DataFrame:
    """Hashprice by calendar year from the chain table: its mean, lowest and highest day [USD/PH/day] (1 PH/s =
    1,000 TH/s), the mean BTC price [USD] and network hashrate [EH/s], and the days counted; index ``year``.

    >>> days = pd.date_range("2023-12-31", periods=3, freq="D")
    >>> t = pd.DataFrame({"hashprice_usd_per_th_day": [0.1, 0.06, 0.08], "price_usd": [42e3, 44e3, 46e3],
    ...                   "hashrate_ehs": [500.0, 510.0, 530.0]}, index=days)
    >>> yearly_hashprice(t).loc[2024, ["hashprice_mean_usd_per_ph_day", "hashprice_low_usd_per_ph_day", "days"]].tolist()
    [70.0, 60.0, 2.0]
    """
    per_ph = history["hashprice_usd_per_th_day"] * 1_000.0
    by = history.index.year
    table = pd.DataFrame({
        "hashprice_mean_usd_per_ph_day": per_ph.groupby(by).mean(),
        "hashprice_low_usd_per_ph_day": per_ph.groupby(by).min(),
        "hashprice_high_usd_per_ph_day": per_ph.groupby(by).max(),
        "btc_price_mean_usd": history["price_usd"].groupby(by).mean(),
        "network_hashrate_mean_ehs": history["hashrate_ehs"].groupby(by).mean(),
        "days": per_ph.groupby(by).count().astype(float),
    })
    table.index.name = "year"
    return table
