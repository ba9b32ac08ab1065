"""The cross-check source: mempool.space's public REST API (no key), daily network hash rate and
difficulty.

Request, as documented in "GET Hashrate" of https://mempool.space/docs/api/rest (the page's data
lives in ``frontend/src/app/docs/api-docs/api-docs-data.ts`` of github.com/mempool/mempool)::

    GET {base}/v1/mining/hashrate/:timePeriod     timePeriod: 1m, 3m, 6m, 1y, 2y, 3y; none = all data

Response: "Historical daily average hashrates" and "Historical difficulty"::

    {"hashrates": [{"timestamp": 1652486400, "avgHashrate": 236499762108771800000}, ...],
     "difficulty": [{"timestamp": 1652468330, "difficulty": 31251101365711.12, "height": 736249}, ...],
     "currentHashrate": 252033247355212300000, "currentDifficulty": 31251101365711.12}

``timestamp`` is Unix seconds, ``avgHashrate`` H/s, and each ``difficulty`` entry a retarget: the
block ``height`` and time from which that difficulty holds. A daily hash rate is stamped with the END of
its UTC day: mempool's indexer (``Mining.$generateNetworkHashrateHistory`` in
``backend/src/api/mining/mining.ts`` of github.com/mempool/mempool) computes ``getnetworkhashps`` over
the blocks between ``toTimestamp - 1 day`` and ``toTimestamp`` (a midnight) and saves it with
``hashrateTimestamp: toTimestamp``; so the entry stamped 2022-05-14 00:00 UTC is the hash rate of
2022-05-13. Errors are plain text or ``{"error": "..."}``; too many requests give HTTP 429.

Licence: the Mempool Open Source Project publishes its software under AGPL-3.0; the public API's
data carries no published licence and is rate limited. It is used here only to cross-check the
primary source, never as data for simulations.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashpivot.errors import DataError
from hashpivot.io.fetch import Notify, RetryPolicy, get_json

if TYPE_CHECKING:
    import httpx

NAME = "mempool"
TITLE = "mempool.space REST API"
DEFAULT_BASE_URL = "https://mempool.space/api"
#: Environment variable overriding :data:`DEFAULT_BASE_URL`.
URL_ENV_VAR = "HASHPIVOT_MEMPOOL_URL"
ENDPOINT = "/v1/mining/hashrate"
DOCS_URL = "https://mempool.space/docs/api/rest#get-hashrate"
ATTRIBUTION = "Cross-check: mempool.space (The Mempool Open Source Project), public REST API"
LICENSE = (
    "no licence published for the API's data (software: AGPL-3.0); rate limited; "
    "used for cross-checks only"
)
#: Trailing periods the endpoint accepts, with the days each surely covers (a month counted as 28
#: days, so the choice errs on the long side). None = all data.
PERIODS_DAYS: tuple[tuple[str, int], ...] = (
    ("1m", 28), ("3m", 89), ("6m", 180), ("1y", 364), ("2y", 729), ("3y", 1094),
)
H_PER_EH = 1e18


@dataclass(frozen=True)
class HashrateHistory:
    """Daily mean hash rate [EH/s] by UTC day, and the retargets (time [UTC], difficulty)."""

    hashrate_ehs: pd.Series
    retargets: list[tuple[dt.datetime, float]]
    url: str

    def difficulty_in_force(self, days: pd.DatetimeIndex, margin_days: int = 1) -> pd.Series:
        """Difficulty that held for all of each day; NaN for days within ``margin_days`` of a retarget
        (blocks of those days may be mined at either difficulty) or before the first known one."""
        out = np.full(len(days), np.nan)
        if not self.retargets:
            return pd.Series(out, index=days)
        times = np.array([t.timestamp() for t, _ in self.retargets])
        values = np.array([v for _, v in self.retargets])
        order = np.argsort(times)
        times, values = times[order], values[order]
        starts = np.array([pd.Timestamp(d).tz_localize("UTC").timestamp() for d in days])
        day_s = 86_400.0
        for i, start in enumerate(starts):
            lo, hi = start - margin_days * day_s, start + (1 + margin_days) * day_s
            if np.any((times >= lo) & (times < hi)):
                continue
            before = np.flatnonzero(times < start)
            if len(before):
                out[i] = values[before[-1]]
        return pd.Series(out, index=days)


def period_for(first_day: dt.date, today: dt.date) -> str | None:
    """The shortest trailing period that covers ``first_day`` .. ``today``; None = all data."""
    needed = (today - first_day).days + 1
    for name, days in PERIODS_DAYS:
        if needed <= days:
            return name
    return None


def fetch_hashrate(client: httpx.Client, base_url: str, period: str | None, *, policy: RetryPolicy,
                   notify: Notify | None = None) -> HashrateHistory:
    """GET the hash rate and difficulty history; raises FetchError (unreachable) or DataError
    (a response not in the documented format, naming the field)."""
    url = base_url.rstrip("/") + ENDPOINT + (f"/{period}" if period else "")
    body = get_json(client, url, policy=policy, what=TITLE, notify=notify)
    return parse_hashrate(body, url)


def parse_hashrate(body: Any, url: str = ENDPOINT) -> HashrateHistory:
    """Parse a ``/v1/mining/hashrate`` body (see the module docstring)."""
    if not isinstance(body, dict):
        raise DataError(f"{TITLE}: the response of {url} is {type(body).__name__}; allowed: an object "
                        "with 'hashrates' and 'difficulty' lists")
    hashrates = _list(body, "hashrates", url)
    difficulty = _list(body, "difficulty", url)
    days: list[pd.Timestamp] = []
    values: list[float] = []
    for i, item in enumerate(hashrates):
        when = _time(item, "timestamp", f"hashrates[{i}]", url)
        rate = _number(item, "avgHashrate", f"hashrates[{i}]", url)
        if rate <= 0:
            raise DataError(f"{TITLE}: hashrates[{i}].avgHashrate on {when:%Y-%m-%d} is {rate!r} in {url}; "
                            "allowed: > 0 H/s")
        days.append(pd.Timestamp((when - dt.timedelta(seconds=1)).date()))  # the day that ends at `when`
        values.append(rate / H_PER_EH)
    series = pd.Series(values, index=pd.DatetimeIndex(days, name="date"), dtype=np.float64,
                       name="hashrate_ehs")
    series = series[~series.index.duplicated(keep="last")].sort_index()
    retargets = []
    for i, item in enumerate(difficulty):
        when = _time(item, "timestamp", f"difficulty[{i}]", url)
        value = _number(item, "difficulty", f"difficulty[{i}]", url)
        if value <= 0:
            raise DataError(f"{TITLE}: difficulty[{i}].difficulty is {value!r} in {url}; allowed: > 0")
        retargets.append((when, value))
    return HashrateHistory(series, retargets, url)


def source_record(base_url: str) -> Mapping[str, str]:
    """What the cache keeps about this source next to its data."""
    return {"source": NAME, "role": "cross-check", "title": TITLE, "base_url": base_url,
            "endpoint": ENDPOINT, "docs_url": DOCS_URL, "attribution": ATTRIBUTION, "license": LICENSE}


def _list(body: dict, key: str, url: str) -> list:
    value = body.get(key)
    if not isinstance(value, list):
        raise DataError(f"{TITLE}: field {key!r} in the response of {url} is "
                        f"{'missing' if value is None else type(value).__name__}; allowed: a list")
    return value


def _number(item: Any, key: str, where: str, url: str) -> float:
    value = item.get(key) if isinstance(item, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(f"{TITLE}: {where}.{key} is {value!r} in {url}; allowed: a finite number")
    return float(value)


def _time(item: Any, key: str, where: str, url: str) -> dt.datetime:
    seconds = _number(item, key, where, url)
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise DataError(f"{TITLE}: {where}.{key} is {seconds!r} in {url}; allowed: Unix seconds") from None

