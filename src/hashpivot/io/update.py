"""``hashpivot data update``: fetch the days the cache lacks, validate them as one batch, cross-check
them against a second source, and commit them in one transaction.

Sources: the primary is the Coin Metrics community API (:mod:`hashpivot.io.coinmetrics`), which has
every column of the chain table; mempool.space (:mod:`hashpivot.io.mempool`) cross-checks the daily hash
rate and difficulty. mempool.space has no daily price, issuance or transaction count, so it cannot
stand in for Coin Metrics: when Coin Metrics cannot be reached the update fails with a clear message
and the cache stays as it was; when mempool.space cannot be reached the days are stored unchecked and
the report says so.

Incremental: only days after the cache's last day are requested (``start_time`` = last day + 1); a
fresh cache starts at ``since`` (default 2012-01-01, where ``shared/data/btc_daily.csv`` starts).

Resume: every page of Coin Metrics rows that is followed by another page is written (atomically) to
``<cache>/partial/coinmetrics/`` as soon as it arrives. If the download is interrupted (connection
dropped, timeout, Ctrl-C), the next update takes those pages and asks only for the days after them.
Pages never enter the cache on their own: the batch is validated and committed whole, then the partial
pages are deleted. A rejected batch deletes them too, so the next update fetches afresh.

Validation of every batch (rejected whole, naming the field, the value and the allowed range; the cache
is not touched): consecutive UTC days continuing the cache's last day; no value missing except on the
latest days, which the source has not completed yet (those are left for the next update and reported);
``PriceUSD`` > 0, ``HashRate`` > 0, ``BlkCnt`` a whole number in [0, 400], fees and issuance >= 0,
``TxCnt`` a whole number >= 0; then the derived rows pass every check of
:func:`hashpivot.io.history.validate_chain_history`, so whatever lands can be loaded.

Agreement of the two sources (reported, never fatal; stored in the cache's ``disagreements`` table):

* hash rate: both are one-day estimates from the day's blocks (Coin Metrics: sum of difficulty x 2^32
  over the day's blocks / 86,400 s; mempool.space: chain work over the time spanned by the day's
  blocks), so they differ by how blocks near midnight and block timestamps fall. Flagged when they
  differ by more than :data:`HASHRATE_TOLERANCE_FRAC` (15 %) of mempool.space's value.
* difficulty: Coin Metrics' mean difficulty of the day's blocks must equal the difficulty in force on
  days at least one day away from a retarget, within :data:`DIFFICULTY_TOLERANCE_FRAC` (0.1 %, far
  above the rounding of the stored hash rate).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.errors import DataError, InputError
from hashpivot.io import coinmetrics, mempool
from hashpivot.io.cache import Batch, ChainCache
from hashpivot.io.fetch import FetchError, Notify, RetryPolicy, new_client

#: First day fetched into an empty cache (the first day of shared/data/btc_daily.csv).
DEFAULT_SINCE = dt.date(2012, 1, 1)
#: Largest relative difference of the daily hash rate between the sources before it is reported. [fraction]
HASHRATE_TOLERANCE_FRAC = 0.15
#: Largest relative difference of the difficulty on days away from a retarget. [fraction]
DIFFICULTY_TOLERANCE_FRAC = 0.001
#: Most blocks a UTC day may hold in a batch (144 expected; 400 is far beyond any real day). [blocks]
MAX_BLOCKS_PER_DAY = 400
STAGING_DIR_NAME = "partial"
LAST_ATTEMPT_FILE_NAME = "last_update.json"
MAX_LISTED = 5


@dataclass(frozen=True)
class UpdateSettings:
    """Where to fetch from and how hard to try. Build it with :func:`resolve_settings`."""

    coinmetrics_url: str
    mempool_url: str
    page_size: int = coinmetrics.DEFAULT_PAGE_SIZE
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    cross_check: bool = True


def resolve_settings(coinmetrics_url: str | None = None, mempool_url: str | None = None, *,
                     page_size: int | None = None, retries: int | None = None, timeout_s: float | None = None,
                     backoff_first_s: float | None = None, cross_check: bool = True) -> UpdateSettings:
    """Settings from arguments, else the environment (``HASHPIVOT_COINMETRICS_URL``,
    ``HASHPIVOT_MEMPOOL_URL``), else the public defaults. Raises InputError naming a bad argument."""
    cm_url = _url("coinmetrics_url", coinmetrics_url, coinmetrics.URL_ENV_VAR, coinmetrics.DEFAULT_BASE_URL)
    mp_url = _url("mempool_url", mempool_url, mempool.URL_ENV_VAR, mempool.DEFAULT_BASE_URL)
    base = RetryPolicy()
    size = coinmetrics.DEFAULT_PAGE_SIZE if page_size is None else page_size
    if not 1 <= size <= coinmetrics.MAX_PAGE_SIZE:
        raise InputError("page_size", size, f"a whole number of days from 1 to {coinmetrics.MAX_PAGE_SIZE:,}")
    n_retries = base.retries if retries is None else retries
    if not 0 <= n_retries <= 10:
        raise InputError("retries", n_retries, "a whole number from 0 to 10")
    timeout = base.timeout_s if timeout_s is None else timeout_s
    if not 0 < timeout <= 600:
        raise InputError("timeout_s", timeout, "seconds > 0 and <= 600")
    backoff = base.backoff_first_s if backoff_first_s is None else backoff_first_s
    if not 0 <= backoff <= 60:
        raise InputError("backoff_first_s", backoff, "seconds from 0 to 60")
    policy = RetryPolicy(retries=n_retries, timeout_s=timeout, backoff_first_s=backoff,
                         backoff_max_s=max(backoff, base.backoff_max_s))
    return UpdateSettings(cm_url, mp_url, size, policy, cross_check)


@dataclass
class UpdateReport:
    """What an update did. Dates are UTC days (ISO text)."""

    cache: str
    status: str  # "updated" or "up to date"
    first_date: str | None = None
    last_date: str | None = None
    n_days_added: int = 0
    n_days_resumed: int = 0
    cache_first_date: str | None = None
    cache_last_date: str | None = None
    incomplete_dates: list[str] = field(default_factory=list)
    cross_check: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def update_cache(data_dir: str | os.PathLike[str] | None = None, *, since: dt.date | str | None = None,
                 until: dt.date | str | None = None, settings: UpdateSettings | None = None,
                 today: dt.date | None = None, notify: Notify | None = None) -> UpdateReport:
    """Bring the cache up to date (see the module docstring); returns what was done.

    ``since`` is the first day of an empty cache (ignored once it holds data); ``until`` the last day
    to fetch (default: whatever the source has). Raises FetchError (source unreachable; pages already
    received are kept for the next try), DataError (a bad batch, rejected whole; the cache is
    unchanged) or InputError (bad arguments).
    """
    settings = settings or resolve_settings()
    today = today or dt.datetime.now(dt.UTC).date()
    first_day = _day("since", since) if since is not None else DEFAULT_SINCE
    last_day = _day("until", until) if until is not None else None
    if last_day is not None and last_day < first_day:
        raise InputError("until", last_day.isoformat(), f"a day on or after since ({first_day})")
    cache = ChainCache(data_dir)
    try:
        report = _update(cache, first_day, last_day, settings, today, notify)
    except FetchError as exc:
        _write_attempt(cache, "failed", str(exc))
        raise
    except DataError as exc:
        _Staging(cache, settings).clear()
        _write_attempt(cache, "rejected", str(exc))
        raise
    _write_attempt(cache, report.status, _summary(report))
    return report


def last_attempt(data_dir: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    """The record of the last update attempt (time, status, message), or None."""
    path = ChainCache(data_dir).dir / LAST_ATTEMPT_FILE_NAME
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


# --- the update --------------------------------------------------------------------------------------


def _update(cache: ChainCache, since: dt.date, until: dt.date | None, settings: UpdateSettings,
            today: dt.date, notify: Notify | None) -> UpdateReport:
    after = cache.last_date()
    start = after + dt.timedelta(days=1) if after is not None else since
    report = UpdateReport(cache=str(cache.file), status="up to date",
                          attribution=[coinmetrics.ATTRIBUTION] + ([mempool.ATTRIBUTION] if settings.cross_check else []))
    if until is not None and until < start:
        report.notes.append(f"nothing to fetch: the cache already holds every day to {until}")
        return _finish(report, cache)
    staging = _Staging(cache, settings, start)
    staged_items, resume_from = staging.load()
    if staged_items:
        if notify:
            notify(f"resuming: {len(staged_items):,} days already received, fetching from {resume_from}")
    items = list(staged_items)
    with new_client(settings.policy) as client:
        for page in coinmetrics.iter_pages(client, settings.coinmetrics_url, resume_from, until,
                                           page_size=settings.page_size, policy=settings.policy, notify=notify):
            if page.has_more and page.items:
                staging.save(page.items)
            items.extend(page.items)
            if notify and page.items:
                notify(f"{coinmetrics.TITLE}: {len(items):,} days received (to {str(page.items[-1].get('time'))[:10]})")
        metrics = coinmetrics.parse_items(items)
        metrics = metrics[metrics.index >= pd.Timestamp(start)]
        if until is not None:
            metrics = metrics[metrics.index <= pd.Timestamp(until)]
        metrics, incomplete, leading = _complete_rows(metrics, fresh=after is None)
        report.incomplete_dates = [f"{d:%Y-%m-%d}" for d in incomplete]
        if incomplete:
            report.notes.append(
                f"{_count(len(incomplete), 'latest day')} not complete at {coinmetrics.TITLE} yet "
                f"({_list_dates(incomplete)}); left for the next update"
            )
        if leading:
            report.notes.append(
                f"{coinmetrics.TITLE} has no complete day before {metrics.index[0]:%Y-%m-%d} "
                f"({_count(len(leading), 'day')} from {leading[0]:%Y-%m-%d} skipped)" if len(metrics) else
                f"{coinmetrics.TITLE} has no complete day from {start}"
            )
        report.n_days_resumed = len(staged_items)
        if metrics.empty:
            staging.clear()
            report.notes.append(f"no new complete day after {after or since}")
            return _finish(report, cache)
        chain = validate_batch(metrics, after, start if after is None else None)
        crosscheck, disagreements, check_info = _cross_check(client, chain, settings, today, notify)
    report.cross_check = check_info
    note = "; ".join(report.notes)
    cache.commit(Batch(
        chain=chain, after=after, primary_url=settings.coinmetrics_url, secondary_source=mempool.NAME,
        secondary_url=settings.mempool_url if settings.cross_check else None, crosscheck=crosscheck,
        disagreements=disagreements,
        sources=[coinmetrics.source_record(settings.coinmetrics_url)]
        + ([mempool.source_record(settings.mempool_url)] if settings.cross_check and not crosscheck.empty else []),
        note=note,
    ))
    staging.clear()
    report.status = "updated"
    report.first_date = f"{chain.index[0]:%Y-%m-%d}"
    report.last_date = f"{chain.index[-1]:%Y-%m-%d}"
    report.n_days_added = len(chain)
    return _finish(report, cache)


def _finish(report: UpdateReport, cache: ChainCache) -> UpdateReport:
    status = cache.status(max_disagreements=0)
    report.cache_first_date = status.get("first_date")
    report.cache_last_date = status.get("last_date")
    return report


def _complete_rows(metrics: pd.DataFrame, fresh: bool
                   ) -> tuple[pd.DataFrame, list[pd.Timestamp], list[pd.Timestamp]]:
    """Drop the trailing days the source has not completed yet (any metric missing), and for a fresh
    cache the leading ones (the metrics start on different days); holes in between stay for
    :func:`validate_batch` to reject."""
    complete = metrics.notna().all(axis=1).to_numpy()
    if not complete.any():
        return metrics.iloc[:0], list(metrics.index), []
    last = int(np.flatnonzero(complete)[-1])
    first = int(np.flatnonzero(complete)[0]) if fresh else 0
    trailing = list(metrics.index[last + 1:])
    leading = list(metrics.index[:first])
    return metrics.iloc[first:last + 1], trailing, leading


def validate_batch(metrics: pd.DataFrame, after: dt.date | None, since: dt.date | None = None,
                   source: str = coinmetrics.TITLE) -> pd.DataFrame:
    """Check one batch of Coin Metrics rows and turn it into chain-table rows. [chain table units]

    ``after``: the cache's last day (the batch must start the day after it); ``since``: for an empty
    cache, the earliest day allowed. Raises DataError naming the field, the offending days and values,
    and what is allowed; the message says the batch was rejected and the cache is unchanged.
    """
    dates = metrics.index
    span = f"{dates[0]:%Y-%m-%d}..{dates[-1]:%Y-%m-%d}" if len(dates) else "(empty)"

    def reject(problem: str) -> DataError:
        return DataError(f"{source}: batch {span} ({_count(len(dates), 'day')}) rejected, the cache is "
                         f"unchanged: {problem}")

    duplicated = dates[dates.duplicated()]
    if len(duplicated):
        raise reject(f"'time' repeats {_list_dates(duplicated)}; allowed: each UTC day once")
    steps = np.diff(dates.asi8)
    if len(steps) and (steps <= 0).any():
        raise reject(f"'time' goes back after {_list_dates(dates[:-1][steps <= 0])}; allowed: increasing days")
    full = pd.date_range(dates[0], dates[-1], freq="D")
    missing = full.difference(dates)
    if len(missing):
        raise reject(f"'time' has a gap: {_list_dates(missing)} missing; allowed: consecutive days")
    if after is not None and dates[0].date() != after + dt.timedelta(days=1):
        raise reject(f"it starts on {dates[0]:%Y-%m-%d} but the cache ends on {after}; allowed: a batch starting "
                     f"on {after + dt.timedelta(days=1)} (days continuous with the cache)")
    if since is not None and dates[0].date() < since:
        raise reject(f"it starts on {dates[0]:%Y-%m-%d}, before the first day asked for ({since})")
    for metric, column in coinmetrics.METRICS.items():
        values = metrics[metric]
        holes = dates[values.isna().to_numpy()]
        if len(holes):
            raise reject(f"{metric} ({column}) is missing on {_list_dates(holes)}; allowed: a value on every "
                         "day before the latest complete one")
    checks: Sequence[tuple[str, Callable[[np.ndarray], np.ndarray], str]] = (
        ("PriceUSD", lambda v: v > 0, "> 0 USD"),
        ("HashRate", lambda v: v > 0, "> 0 TH/s"),
        ("BlkCnt", lambda v: (v >= 0) & (v <= MAX_BLOCKS_PER_DAY) & (v == np.round(v)),
         f"a whole number of blocks from 0 to {MAX_BLOCKS_PER_DAY}"),
        ("FeeTotNtv", lambda v: v >= 0, ">= 0 BTC"),
        ("IssTotNtv", lambda v: v >= 0, ">= 0 BTC"),
        ("TxCnt", lambda v: (v >= 0) & (v == np.round(v)), "a whole number >= 0"),
    )
    for metric, ok, allowed in checks:
        values = metrics[metric].to_numpy(dtype=np.float64)
        bad = ~ok(values)
        if bad.any():
            shown = ", ".join(f"{d:%Y-%m-%d} ({v:g})" for d, v in zip(dates[bad][:MAX_LISTED], values[bad][:MAX_LISTED],
                                                                       strict=True))
            more = f" and {bad.sum() - MAX_LISTED} more" if bad.sum() > MAX_LISTED else ""
            raise reject(f"{metric} ({coinmetrics.METRICS[metric]}) must be {allowed}; it is not on {shown}{more} "
                         f"({_count(int(bad.sum()), 'day')})")
    chain = coinmetrics.to_chain_table(metrics)
    from hashpivot.io.history import validate_chain_history

    text = pd.DataFrame({"date": [f"{d:%Y-%m-%d}" for d in chain.index]})
    for column in chain.columns:
        values = chain[column].to_numpy()
        text[column] = [repr(float(v)) if values.dtype.kind == "f" else str(int(v)) for v in values]
    try:
        validate_chain_history(text, source=f"{source} batch {span}")
    except DataError as exc:
        raise reject(str(exc)) from None
    return chain


# --- cross-check --------------------------------------------------------------------------------------


def _cross_check(client, chain: pd.DataFrame, settings: UpdateSettings, today: dt.date,
                 notify: Notify | None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    info: dict[str, Any] = {
        "source": mempool.NAME, "title": mempool.TITLE, "url": None, "n_days_compared": 0, "skipped": None,
        "tolerances_frac": {"hashrate_ehs": HASHRATE_TOLERANCE_FRAC, "difficulty_mean": DIFFICULTY_TOLERANCE_FRAC},
        "n_disagreements": 0, "disagreements": [],
    }
    empty_check = pd.DataFrame({"hashrate_ehs": [], "difficulty": []}, index=pd.DatetimeIndex([], name="date"))
    if not settings.cross_check:
        info["skipped"] = "cross-check turned off"
        return empty_check, _disagreement_frame([]), info
    period = mempool.period_for(chain.index[0].date(), today)
    try:
        history = mempool.fetch_hashrate(client, settings.mempool_url, period, policy=settings.policy,
                                         notify=notify)
    except (FetchError, DataError) as exc:
        info["skipped"] = str(exc)
        if notify:
            notify(f"cross-check skipped: {exc}")
        return empty_check, _disagreement_frame([]), info
    info["url"] = history.url
    check, disagreements = compare_sources(chain, history)
    info["n_days_compared"] = int(check["hashrate_ehs"].notna().sum())
    info["n_disagreements"] = len(disagreements)
    info["disagreements"] = [
        {**row, "date": f"{pd.Timestamp(row['date']):%Y-%m-%d}"} for row in disagreements.to_dict(orient="records")
    ]
    if info["n_days_compared"] == 0:
        info["skipped"] = (f"{mempool.TITLE} had no daily hash rate for {chain.index[0]:%Y-%m-%d}.."
                           f"{chain.index[-1]:%Y-%m-%d}")
    return check, disagreements, info


def compare_sources(chain: pd.DataFrame, history: mempool.HashrateHistory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The second source's values on the batch's days, and the disagreements beyond the tolerances."""
    days = chain.index
    rate = history.hashrate_ehs.reindex(days)
    difficulty = history.difficulty_in_force(days)
    check = pd.DataFrame({"hashrate_ehs": rate.to_numpy(), "difficulty": difficulty.to_numpy()}, index=days)
    check = check[check.notna().any(axis=1)]
    rows: list[dict[str, Any]] = []
    for field_name, primary, secondary, tolerance in (
        ("hashrate_ehs", chain["hashrate_ehs"], rate, HASHRATE_TOLERANCE_FRAC),
        ("difficulty_mean", chain["difficulty_mean"], difficulty, DIFFICULTY_TOLERANCE_FRAC),
    ):
        p = primary.to_numpy(dtype=np.float64)
        s = secondary.to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = p / s - 1.0
        flagged = np.isfinite(diff) & (np.abs(diff) > tolerance)
        for i in np.flatnonzero(flagged):
            rows.append({"date": days[i], "field": field_name, "primary_source": coinmetrics.NAME,
                         "primary_value": float(p[i]), "secondary_source": mempool.NAME,
                         "secondary_value": float(s[i]), "diff_frac": float(diff[i]), "tolerance_frac": tolerance})
    rows.sort(key=lambda r: (r["date"], r["field"]))
    return check, _disagreement_frame(rows)


def _disagreement_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["date", "field", "primary_source", "primary_value", "secondary_source", "secondary_value",
               "diff_frac", "tolerance_frac"]
    return pd.DataFrame(rows, columns=columns)


# --- partial downloads ------------------------------------------------------------------------------


class _Staging:
    """Pages received but not yet committed, one JSON file each under ``<cache>/partial/coinmetrics``.

    A page file records the request it answers (base URL, metrics, first day asked for); pages of any
    other request, or that do not follow each other day by day, are ignored and removed.
    """

    def __init__(self, cache: ChainCache, settings: UpdateSettings, start: dt.date | None = None) -> None:
        self.dir = cache.dir / STAGING_DIR_NAME / coinmetrics.NAME
        self.start = start
        self.key = {"base_url": settings.coinmetrics_url, "metrics": list(coinmetrics.METRICS),
                    "start": start.isoformat() if start else None}

    def load(self) -> tuple[list[dict[str, Any]], dt.date]:
        """Staged items (in order) and the first day still to fetch."""
        assert self.start is not None
        items: list[dict[str, Any]] = []
        if not self.dir.is_dir():
            return items, self.start
        pages = []
        for path in sorted(self.dir.glob("page-*.json")):
            try:
                content = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                self.clear()
                return [], self.start
            pages.append(content)
        pages.sort(key=lambda p: p.get("first", ""))
        expected: dt.date | None = None
        for page in pages:
            try:
                first, last = dt.date.fromisoformat(page["first"]), dt.date.fromisoformat(page["last"])
            except (KeyError, TypeError, ValueError):
                self.clear()
                return [], self.start
            if page.get("key") != self.key or (expected is not None and first != expected) or first < self.start:
                self.clear()
                return [], self.start
            items.extend(page["items"])
            expected = last + dt.timedelta(days=1)
        return items, expected or self.start

    def save(self, page_items: list[dict[str, Any]]) -> None:
        from hashpivot.io import write_text_atomic

        first, last = str(page_items[0].get("time"))[:10], str(page_items[-1].get("time"))[:10]
        if not (_ISO_DAY.fullmatch(first) and _ISO_DAY.fullmatch(last)):
            return  # not stageable; parse_items will name the bad item
        write_text_atomic(self.dir / f"page-{first}-{last}.json",
                          json.dumps({"key": self.key, "first": first, "last": last, "items": page_items}))

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- helpers ----------------------------------------------------------------------------------------


def _write_attempt(cache: ChainCache, status: str, message: str) -> None:
    from hashpivot.io import write_text_atomic

    record = {"time_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "status": status,
              "message": message}
    try:
        write_text_atomic(cache.dir / LAST_ATTEMPT_FILE_NAME, json.dumps(record, indent=2))
    except OSError:
        pass  # the record is a convenience; never hide the update's own outcome behind it


def _summary(report: UpdateReport) -> str:
    if report.status == "updated":
        return f"added {report.first_date}..{report.last_date} ({_count(report.n_days_added, 'day')})"
    return "; ".join(report.notes) or "up to date"


def _url(name: str, value: str | None, env_var: str, default: str) -> str:
    text = (value if value is not None else os.environ.get(env_var, "")).strip() or default
    if not re.match(r"^https?://[^/\s]+", text):
        shown = name if value is not None else env_var
        raise InputError(shown, text, "an http:// or https:// URL")
    return text.rstrip("/")


def _day(name: str, value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(name, value, "a date as YYYY-MM-DD") from None


def _list_dates(dates: Sequence[pd.Timestamp] | pd.DatetimeIndex) -> str:
    idx = pd.DatetimeIndex(dates)
    shown = ", ".join(f"{d:%Y-%m-%d}" for d in idx[:MAX_LISTED])
    return shown + (f" and {len(idx) - MAX_LISTED} more" if len(idx) > MAX_LISTED else "")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


__all__ = [
    "DEFAULT_SINCE", "DIFFICULTY_TOLERANCE_FRAC", "HASHRATE_TOLERANCE_FRAC", "MAX_BLOCKS_PER_DAY",
    "UpdateReport", "UpdateSettings", "compare_sources", "last_attempt", "resolve_settings", "update_cache",
    "validate_batch",
]
