"""The primary live source: the Coin Metrics community API v4 (no key), daily BTC asset metrics.

Request (documented at https://docs.coinmetrics.io/api-reference/timeseries/timeseries-rest/asset-metrics
and the API conventions at https://docs.coinmetrics.io/access-our-data/api)::

    GET {base}/timeseries/asset-metrics?assets=btc&metrics=PriceUSD,HashRate,BlkCnt,FeeTotNtv,IssTotNtv,TxCnt
        &frequency=1d&start_time=2024-01-01&page_size=2000&paging_from=start

Response, as documented (values are JSON *strings*; a metric missing from an item, or ``null``, means
"no data yet" for that day)::

    {"data": [{"asset": "btc", "time": "2024-01-01T00:00:00.000000000Z",
               "PriceUSD": "42280.2341", "HashRate": "516093486.53", "BlkCnt": "149", ...}, ...],
     "next_page_token": "0.MjAyNC0wMS0wMQ",
     "next_page_url": "https://community-api.coinmetrics.io/v4/timeseries/asset-metrics?...&next_page_token=..."}

"To fetch the next page of results use next_page_url JSON response field" (asset-metrics page): we
follow ``next_page_url`` unmodified and stop when it is absent. Errors come as
``{"error": {"type": "...", "message": "..."}}`` with a 4xx status. Community tier: base
``https://community-api.coinmetrics.io/v4``, at most 10 requests per 6 s per IP, page size at most
10,000 (https://docs.coinmetrics.io/python-api-client/reference/coinmetricsclient/timeseries/get_asset_metrics).

Units (Coin Metrics metric definitions, and ``../shared/data/README.md`` which checked them):
``PriceUSD`` USD per BTC (closing price, 00:00 UTC of the next day); ``HashRate`` TH/s (daily mean,
estimated from the day's blocks x difficulty); ``BlkCnt`` blocks; ``FeeTotNtv`` and ``IssTotNtv`` BTC;
``TxCnt`` transactions. They map onto the chain table of :mod:`hashpivot.io.history` exactly as the
shared ``btc_daily.csv`` was built: ``difficulty_mean`` = HashRate x 1e12 x 86,400 / (BlkCnt x 2^32),
``revenue_btc`` = issuance + fees, ``revenue_usd`` = revenue_btc x price, hashprice = revenue_usd /
hash rate in TH/s.

Licence: Coin Metrics Community Data is published under CC BY-NC 4.0 (attribution, non-commercial);
keep :data:`ATTRIBUTION` next to anything shown from it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashpivot.errors import DataError
from hashpivot.io.fetch import FetchError, Notify, RetryPolicy, get_json
from hashpivot.units import SECONDS_PER_DAY, TH_PER_EH

if TYPE_CHECKING:
    import httpx

NAME = "coinmetrics"
TITLE = "Coin Metrics community API v4"
DEFAULT_BASE_URL = "https://community-api.coinmetrics.io/v4"
#: Environment variable overriding :data:`DEFAULT_BASE_URL`.
URL_ENV_VAR = "HASHPIVOT_COINMETRICS_URL"
ENDPOINT = "/timeseries/asset-metrics"
DOCS_URL = "https://docs.coinmetrics.io/api-reference/timeseries/timeseries-rest/asset-metrics"
ATTRIBUTION = "Source: Coin Metrics Community Data (community-api.coinmetrics.io), CC BY-NC 4.0"
LICENSE = (
    "CC BY-NC 4.0 (https://creativecommons.org/licenses/by-nc/4.0/): attribution required, "
    "no commercial use without a Coin Metrics licence"
)
ASSET = "btc"
#: Largest page the API serves. [items]
MAX_PAGE_SIZE = 10_000
DEFAULT_PAGE_SIZE = 2_000

#: Coin Metrics metric -> the chain table column it becomes (after the unit change noted).
METRICS: dict[str, str] = {
    "PriceUSD": "price_usd",  # USD/BTC
    "HashRate": "hashrate_ehs",  # TH/s in the API -> EH/s
    "BlkCnt": "block_count",  # blocks/day
    "FeeTotNtv": "fees_btc",  # BTC/day
    "IssTotNtv": "issuance_btc",  # BTC/day
    "TxCnt": "tx_count",  # transactions/day
}
#: Metrics that must be whole numbers.
COUNT_METRICS = ("BlkCnt", "TxCnt")


@dataclass(frozen=True)
class Page:
    """One page of the asset-metrics response: its raw ``data`` items and whether more follow."""

    items: list[dict[str, Any]]
    url: str
    has_more: bool


def asset_metrics_params(start: dt.date, end: dt.date | None, page_size: int) -> dict[str, str]:
    """Query of the first request (later pages follow ``next_page_url``)."""
    params = {
        "assets": ASSET,
        "metrics": ",".join(METRICS),
        "frequency": "1d",
        "start_time": start.isoformat(),
        "page_size": str(page_size),
        "paging_from": "start",
    }
    if end is not None:
        params["end_time"] = end.isoformat()
    return params


def iter_pages(client: httpx.Client, base_url: str, start: dt.date, end: dt.date | None, *,
               page_size: int, policy: RetryPolicy, notify: Notify | None = None) -> Iterator[Page]:
    """Pages of daily BTC metrics from ``start`` (to ``end`` if given), oldest first.

    Each page is complete and parsed before it is yielded; a failure raises :class:`FetchError`.
    """
    url: str | None = base_url.rstrip("/") + ENDPOINT
    params: dict[str, str] | None = asset_metrics_params(start, end, page_size)
    while url is not None:
        body = get_json(client, url, params, policy=policy, what=TITLE, notify=notify)
        shown = str(client.build_request("GET", url, params=params).url)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            keys = sorted(body) if isinstance(body, dict) else type(body).__name__
            raise FetchError(
                f"{TITLE}: the response of {shown} has no 'data' list (got {keys}); "
                "allowed: the asset-metrics format {'data': [...], 'next_page_url': ...}",
                url=shown, reason="unexpected response format",
            )
        next_url = body.get("next_page_url")
        if next_url is not None and (not isinstance(next_url, str) or not next_url.strip()):
            raise FetchError(f"{TITLE}: 'next_page_url' in the response of {shown} is {next_url!r}; "
                             "allowed: a URL or no field", url=shown, reason="bad next_page_url")
        yield Page(items=body["data"], url=shown, has_more=next_url is not None)
        url, params = next_url, None


def parse_items(items: list[Any], source: str = TITLE) -> pd.DataFrame:
    """The raw ``data`` items as a float table indexed by UTC day, one column per metric of
    :data:`METRICS` (NaN where the item has no value yet). [Coin Metrics units]

    Raises DataError naming the item when one is not an object, has no valid ``time``, is not for
    BTC, or carries a value that is not a number.
    """
    dates: list[dt.date] = []
    values = np.full((len(items), len(METRICS)), np.nan)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DataError(f"{source}: data item {i} is {type(item).__name__}; allowed: an object")
        time_text = item.get("time")
        try:
            day = dt.date.fromisoformat(str(time_text)[:10])
        except ValueError:
            raise DataError(
                f"{source}: data item {i} has time {time_text!r}; allowed: an ISO 8601 time "
                "like 2024-01-01T00:00:00.000000000Z"
            ) from None
        asset = item.get("asset", ASSET)
        if asset != ASSET:
            raise DataError(f"{source}: data item for {day} has asset {asset!r}; allowed: {ASSET!r}")
        dates.append(day)
        for j, metric in enumerate(METRICS):
            raw = item.get(metric)
            if raw is None:
                continue
            try:
                number = float(raw)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise DataError(
                    f"{source}: {metric} on {day} is {raw!r}; allowed: a finite number (as a string)"
                )
            values[i, j] = number
    index = pd.DatetimeIndex(pd.to_datetime(dates), name="date") if dates else pd.DatetimeIndex([], name="date")
    return pd.DataFrame(values, index=index, columns=list(METRICS))


def to_chain_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Chain table rows (columns of :data:`hashpivot.io.history.REQUIRED_COLUMNS` minus ``date``) from
    complete, validated Coin Metrics rows. [units of the chain table]"""
    hashrate_ths = metrics["HashRate"].to_numpy(dtype=np.float64)
    blocks = metrics["BlkCnt"].to_numpy(dtype=np.float64)
    price = metrics["PriceUSD"].to_numpy(dtype=np.float64)
    fees = metrics["FeeTotNtv"].to_numpy(dtype=np.float64)
    issuance = metrics["IssTotNtv"].to_numpy(dtype=np.float64)
    revenue_btc = issuance + fees
    revenue_usd = revenue_btc * price
    with np.errstate(divide="ignore", invalid="ignore"):
        difficulty = hashrate_ths * 1e12 * SECONDS_PER_DAY / (blocks * 2.0**32)
        hashprice = revenue_usd / hashrate_ths
    return pd.DataFrame(
        {
            "price_usd": price,
            "hashrate_ehs": hashrate_ths / TH_PER_EH,
            "difficulty_mean": difficulty,
            "block_count": blocks.astype(np.int64),
            "fees_btc": fees,
            "issuance_btc": issuance,
            "revenue_btc": revenue_btc,
            "revenue_usd": revenue_usd,
            "hashprice_usd_per_th_day": hashprice,
            "tx_count": metrics["TxCnt"].to_numpy(dtype=np.float64).astype(np.int64),
        },
        index=metrics.index,
    )


def source_record(base_url: str) -> Mapping[str, str]:
    """What the cache keeps about this source next to its data."""
    return {"source": NAME, "role": "primary", "title": TITLE, "base_url": base_url,
            "endpoint": ENDPOINT, "docs_url": DOCS_URL, "attribution": ATTRIBUTION, "license": LICENSE}
