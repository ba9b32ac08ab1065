"""A local stand-in for the two public APIs that ``hashpivot data update`` reads, on 127.0.0.1.

It answers in each API's documented format (see the docstrings of :mod:`hashpivot.io.coinmetrics` and
:mod:`hashpivot.io.mempool`), with bodies built from rows of ../shared/data/btc_daily.csv (read in
place): Coin Metrics' asset-metrics pages (``data`` items of string values, ``next_page_token`` and
``next_page_url``) and mempool.space's ``/v1/mining/hashrate/:timePeriod`` (``hashrates``,
``difficulty``, ``currentHashrate``, ``currentDifficulty``). Faults are scripted per request: HTTP 500,
429, a connection dropped before any answer or halfway through the body, malformed JSON.

The other ``test_data_*`` files import :class:`FakeApis` and the fixtures from here; the tests at the
bottom check the fake itself against the documented shapes.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import functools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

#: The shared chain table (see tests/conftest.py), read in place.
SHARED_CSV = Path(__file__).parents[2] / "shared/data/btc_daily.csv"
#: The days the fake serves by default: three months of real 2024 rows.
FIRST_DAY = "2024-01-01"
LAST_DAY = "2024-03-31"
#: An address where nothing listens: what the data tests use unless they name the fake.
DEAD_URL = "http://127.0.0.1:9"

CM_METRICS = ("PriceUSD", "HashRate", "BlkCnt", "FeeTotNtv", "IssTotNtv", "TxCnt")
CM_PARAMS = {"assets", "metrics", "frequency", "start_time", "end_time", "page_size", "paging_from",
             "next_page_token"}
MEMPOOL_PERIODS = {"1m", "3m", "6m", "1y", "2y", "3y"}


@functools.lru_cache(maxsize=1)
def _csv_rows() -> tuple[dict[str, str], ...]:
    with SHARED_CSV.open(newline="") as handle:
        return tuple(csv.DictReader(handle))


def shared_rows(first: str = FIRST_DAY, last: str = LAST_DAY) -> list[dict[str, str]]:
    """Rows of the shared table from ``first`` to ``last`` (inclusive), as strings."""
    if not SHARED_CSV.is_file():
        pytest.skip(f"shared chain table not found at {SHARED_CSV}")
    return [dict(r) for r in _csv_rows() if first <= r["date"] <= last]


def cm_values(row: dict[str, str]) -> dict[str, str]:
    """A CSV row as Coin Metrics metric strings (HashRate in TH/s, as the API publishes it)."""
    return {
        "PriceUSD": row["price_usd"],
        "HashRate": repr(float(row["hashrate_ehs"]) * 1e6),
        "BlkCnt": row["block_count"],
        "FeeTotNtv": row["fees_btc"],
        "IssTotNtv": row["issuance_btc"],
        "TxCnt": row["tx_count"],
    }


def _day(text: str) -> str:
    return dt.date.fromisoformat(text[:10]).isoformat()


def _midnight_s(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


class FakeApis:
    """State of the fake: the rows it serves, scripted faults, and a log of requests.

    ``last_day``: the latest complete day (Coin Metrics also serves the next day, incomplete: only
    ``PriceUSD``, as the real API does for a day whose on-chain metrics are not computed yet).
    ``cm_overrides``: day -> {metric: value string, or None to leave the metric out}.
    ``cm_missing_days``: days Coin Metrics leaves out (a hole in the series).
    ``mempool_factor``: day -> factor on mempool.space's hash rate for that day.
    ``faults``: "cm"/"mempool" -> kinds consumed one per request: "ok", "500", "429", "drop"
    (connection closed with no answer), "truncate" (half the body, then closed), "malformed" (a 200
    whose body is not JSON), "bad_shape" (JSON without the documented fields).
    """

    def __init__(self, rows: list[dict[str, str]], last_day: str | None = None) -> None:
        self.rows = rows
        self.last_day = last_day or rows[-2]["date"]
        self.cm_overrides: dict[str, dict[str, str | None]] = {}
        self.cm_missing_days: set[str] = set()
        self.mempool_factor: dict[str, float] = {}
        self.faults: dict[str, list[str]] = {"cm": [], "mempool": []}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.host = ""

    # -------------------------------------------------------------------------- what tests read

    @property
    def cm_url(self) -> str:
        return f"http://{self.host}/cm/v4"

    @property
    def mempool_url(self) -> str:
        return f"http://{self.host}/mempool/api"

    def env(self) -> dict[str, str]:
        return {"HASHPIVOT_COINMETRICS_URL": self.cm_url, "HASHPIVOT_MEMPOOL_URL": self.mempool_url}

    def cm_requests(self) -> list[dict[str, str]]:
        return [q for api, _, q in self.requests if api == "cm"]

    def fault(self, api: str) -> str:
        with self.lock:
            queue = self.faults[api]
            return queue.pop(0) if queue else "ok"

    # -------------------------------------------------------------------------- Coin Metrics

    def cm_items(self, start: str, end: str | None) -> list[dict[str, Any]]:
        items = []
        served = [r for r in self.rows if r["date"] <= self.last_day]
        later = [r for r in self.rows if r["date"] > self.last_day]
        for row in served + later[:1]:
            day = row["date"]
            if day < start or (end is not None and day > end) or day in self.cm_missing_days:
                continue
            values: dict[str, str | None] = dict(cm_values(row))
            if day > self.last_day:  # not complete at the source yet
                values = {"PriceUSD": values["PriceUSD"]}
            values.update(self.cm_overrides.get(day, {}))
            item: dict[str, Any] = {"asset": "btc", "time": f"{day}T00:00:00.000000000Z"}
            item.update({k: v for k, v in values.items() if v is not None})
            items.append(item)
        return items

    def cm_page(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        unknown = sorted(set(query) - CM_PARAMS)
        if unknown:
            return 400, {"error": {"type": "bad_parameter", "message": f"Unsupported parameter '{unknown[0]}'."}}
        metrics = query.get("metrics", "").split(",")
        bad = [m for m in metrics if m not in CM_METRICS]
        if query.get("assets") != "btc" or bad or query.get("frequency") != "1d" \
                or query.get("paging_from", "start") != "start":
            return 400, {"error": {"type": "bad_parameter", "message": f"Bad request {query}."}}
        size = int(query.get("page_size", "100"))
        if not 1 <= size <= 10_000:
            return 400, {"error": {"type": "bad_parameter", "message": "Bad 'page_size' parameter."}}
        start = _day(query.get("start_time", "2009-01-03"))
        end = _day(query["end_time"]) if "end_time" in query else None
        items = [{k: v for k, v in it.items() if k in ("asset", "time", *metrics)} for it in self.cm_items(start, end)]
        first = 0
        if "next_page_token" in query:
            token_day = base64.urlsafe_b64decode(query["next_page_token"] + "==").decode()
            first = next(i for i, it in enumerate(items) if it["time"][:10] == token_day)
        page = items[first:first + size]
        body: dict[str, Any] = {"data": page}
        if first + size < len(items):
            token = base64.urlsafe_b64encode(items[first + size]["time"][:10].encode()).decode().rstrip("=")
            rest = {k: v for k, v in query.items() if k != "next_page_token"}
            body["next_page_token"] = token
            body["next_page_url"] = (f"http://{self.host}/cm/v4/timeseries/asset-metrics?"
                                     f"{urlencode(rest)}&next_page_token={token}")
        return 200, body

    # -------------------------------------------------------------------------- mempool.space

    def mempool_hashrate(self) -> dict[str, Any]:
        """All served days regardless of the period asked for (the fake covers a few months only)."""
        served = [r for r in self.rows if r["date"] <= self.last_day]
        # stamped with the end of the day (mempool's indexer saves toTimestamp, the next midnight)
        hashrates = [{"timestamp": _midnight_s(r["date"]) + 86_400,
                      "avgHashrate": float(r["hashrate_ehs"]) * 1e18 * self.mempool_factor.get(r["date"], 1.0)}
                     for r in served]
        difficulty = []
        runs: list[tuple[str, float]] = []  # first day of each run of one difficulty, and its value
        for i, row in enumerate(served):
            value = float(row["difficulty_mean"])
            nxt = float(served[i + 1]["difficulty_mean"]) if i + 1 < len(served) else None
            if (not runs or abs(value / runs[-1][1] - 1) > 1e-6) and nxt is not None and abs(nxt / value - 1) < 1e-6:
                runs.append((row["date"], value))
        for day, value in runs:  # the retarget block: noon of the day before the run (the mixed day)
            when = _midnight_s(day) - 43_200
            difficulty.append({"timestamp": when, "difficulty": value, "height": 820_000 + 2016 * len(difficulty)})
        return {"hashrates": hashrates, "difficulty": difficulty,
                "currentHashrate": hashrates[-1]["avgHashrate"], "currentDifficulty": difficulty[-1]["difficulty"]}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the access log
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/cm/v4/timeseries/asset-metrics":
            api = "cm"
        elif parts.path.startswith("/mempool/api/v1/mining/hashrate"):
            api = "mempool"
        else:
            api = "other"
        with fake.lock:
            fake.requests.append((api, parts.path, query))
        if api == "other":
            self._send(404, b"Not found", "text/plain")
            return
        kind = fake.fault(api)
        if kind == "drop":
            self.close_connection = True
            return
        if kind == "500":
            self._send(500, b'{"error":{"type":"internal_error","message":"Internal server error."}}')
            return
        if kind == "429":
            self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"})
            return
        if kind == "malformed":
            self._send(200, b'{"data": [{"asset": "btc", "time": "2024-01-0')
            return
        if kind == "bad_shape":
            self._send(200, b'{"result": []}')
            return
        if api == "cm":
            status, body = fake.cm_page(query)
        else:
            period = parts.path.removeprefix("/mempool/api/v1/mining/hashrate").strip("/")
            if period and period not in MEMPOOL_PERIODS:
                self._send(400, b"Invalid time period", "text/plain")
                return
            status, body = 200, fake.mempool_hashrate()
        data = json.dumps(body).encode()
        if kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(status, data)

    def _send(self, status: int, data: bytes, content_type: str = "application/json",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeApis


@pytest.fixture
def fake_apis(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApis]:
    """The fake APIs on 127.0.0.1 (a free port), serving 2024-01-01..2024-03-30 complete and 03-31
    incomplete; the environment points ``hashpivot data update`` at it."""
    fake = FakeApis(shared_rows())
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.host = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def offline_data_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every data test: the cache in a temporary folder (never ~/.hashpivot), no $HASHPIVOT_DATA, and the
    source URLs at an address where nothing listens, so no test can reach the internet."""
    data_dir = tmp_path_factory.mktemp("data_cache")
    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("HASHPIVOT_DATA", raising=False)
    monkeypatch.setenv("HASHPIVOT_COINMETRICS_URL", DEAD_URL)
    monkeypatch.setenv("HASHPIVOT_MEMPOOL_URL", DEAD_URL)
    return data_dir


# --- the fake itself answers in the documented formats -----------------------------------------------


def test_coinmetrics_pages_follow_next_page_url_and_hold_string_values(fake_apis):
    params = {"assets": "btc", "metrics": ",".join(CM_METRICS), "frequency": "1d", "start_time": "2024-03-01",
              "page_size": "20", "paging_from": "start"}
    first = httpx.get(f"{fake_apis.cm_url}/timeseries/asset-metrics", params=params).json()
    assert set(first) == {"data", "next_page_token", "next_page_url"}
    assert len(first["data"]) == 20
    item = first["data"][0]
    assert item["asset"] == "btc" and item["time"] == "2024-03-01T00:00:00.000000000Z"
    assert all(isinstance(item[m], str) for m in CM_METRICS)
    row = shared_rows("2024-03-01", "2024-03-01")[0]
    assert float(item["HashRate"]) == pytest.approx(float(row["hashrate_ehs"]) * 1e6, rel=1e-15)
    second = httpx.get(first["next_page_url"]).json()
    assert "next_page_url" not in second
    days = [it["time"][:10] for it in first["data"] + second["data"]]
    assert days[0] == "2024-03-01" and days[-1] == "2024-03-31" and len(days) == 31
    assert set(second["data"][-1]) == {"asset", "time", "PriceUSD"}  # the incomplete latest day


def test_coinmetrics_rejects_unknown_parameters_like_the_api(fake_apis):
    response = httpx.get(f"{fake_apis.cm_url}/timeseries/asset-metrics", params={"assets": "btc", "foo": "1"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "bad_parameter"


def test_mempool_hashrate_body_has_the_documented_fields(fake_apis):
    body = httpx.get(f"{fake_apis.mempool_url}/v1/mining/hashrate/3m").json()
    assert set(body) == {"hashrates", "difficulty", "currentHashrate", "currentDifficulty"}
    assert set(body["hashrates"][0]) == {"timestamp", "avgHashrate"}
    assert set(body["difficulty"][0]) == {"timestamp", "difficulty", "height"}
    assert body["hashrates"][0]["timestamp"] == _midnight_s(FIRST_DAY) + 86_400  # end of the first day
    assert len(body["difficulty"]) >= 5  # one retarget about every two weeks
    assert httpx.get(f"{fake_apis.mempool_url}/v1/mining/hashrate/5y").status_code == 400
