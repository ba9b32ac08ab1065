"""``hashpivot data update`` against the local fake APIs: full and incremental fetches, resuming an
interrupted download, retries, bad batches rejected whole, disagreements reported, and the chain
history loading from the cache. No test reaches the internet (see tests/test_data_fakes.py)."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import pytest
from conftest import write_chain_csv
from test_data_fakes import DEAD_URL, FakeApis, fake_apis, offline_data_env, shared_rows  # noqa: F401

from hashpivot.errors import DataError, InputError
from hashpivot.io import load_chain_history
from hashpivot.io.cache import Batch, CacheError, ChainCache
from hashpivot.io.fetch import FetchError
from hashpivot.io.update import (
    DIFFICULTY_TOLERANCE_FRAC,
    HASHRATE_TOLERANCE_FRAC,
    STAGING_DIR_NAME,
    last_attempt,
    resolve_settings,
    update_cache,
)

pytestmark = pytest.mark.shared_data

TODAY = dt.date(2024, 4, 1)


def settings(fake: FakeApis | None = None, **kwargs):
    """Fast retries (no waiting), small pages; the fake's URLs when given."""
    urls = {"coinmetrics_url": fake.cm_url, "mempool_url": fake.mempool_url} if fake is not None else {}
    return resolve_settings(**{"page_size": 30, "retries": 3, "timeout_s": 5.0, "backoff_first_s": 0.0,
                               **urls, **kwargs})


def update(fake: FakeApis, **kwargs):
    notes: list[str] = []
    report = update_cache(since=kwargs.pop("since", "2024-01-01"), settings=settings(fake, **kwargs),
                          today=TODAY, notify=notes.append)
    return report, notes


def expected_history(tmp_path, last: str = "2024-03-30") -> pd.DataFrame:
    """The same days loaded from a CSV of the shared rows (what the cache must reproduce)."""
    path = write_chain_csv(tmp_path / f"expected-{last}.csv", shared_rows("2024-01-01", last))
    return load_chain_history(path)


def assert_same_history(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.index) == list(want.index)
    assert list(got.columns) == list(want.columns)
    for column in ("block_count", "tx_count"):
        np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())
    for column in ("price_usd", "hashrate_ehs", "fees_btc", "issuance_btc", "revenue_btc"):
        np.testing.assert_allclose(got[column].to_numpy(), want[column].to_numpy(), rtol=1e-12)
    # the CSV rounds derived columns (difficulty to 0.1, USD to cents, hashprice to 6 digits)
    np.testing.assert_allclose(got["difficulty_mean"], want["difficulty_mean"], rtol=1e-9)
    np.testing.assert_allclose(got["revenue_usd"], want["revenue_usd"], rtol=1e-9)
    np.testing.assert_allclose(got["hashprice_usd_per_th_day"], want["hashprice_usd_per_th_day"], rtol=1e-5)


def file_digest(cache: ChainCache) -> str | None:
    return hashlib.sha256(cache.file.read_bytes()).hexdigest() if cache.exists() else None


# --- full and incremental fetches ----------------------------------------------------------------------


def test_full_fetch_stores_every_complete_day_and_loads_without_a_path(fake_apis, tmp_path):
    report, _ = update(fake_apis)
    assert report.status == "updated"
    assert (report.first_date, report.last_date, report.n_days_added) == ("2024-01-01", "2024-03-30", 90)
    assert report.incomplete_dates == ["2024-03-31"]  # only PriceUSD yet: left for the next update
    requests = fake_apis.cm_requests()
    assert len(requests) == 4  # 91 items in pages of 30, following next_page_url
    assert requests[0]["start_time"] == "2024-01-01" and requests[0]["metrics"] == \
        "PriceUSD,HashRate,BlkCnt,FeeTotNtv,IssTotNtv,TxCnt"
    assert all("next_page_token" in q for q in requests[1:])
    assert report.cross_check["n_days_compared"] == 90 and report.cross_check["n_disagreements"] == 0
    assert_same_history(load_chain_history(), expected_history(tmp_path))
    assert not (ChainCache().dir / STAGING_DIR_NAME / "coinmetrics").exists()


def test_cache_keeps_each_sources_attribution_and_licence(fake_apis):
    update(fake_apis)
    status = ChainCache().status(today=TODAY)
    by_name = {s["source"]: s for s in status["sources"]}
    assert by_name["coinmetrics"]["role"] == "primary"
    assert "Coin Metrics" in by_name["coinmetrics"]["attribution"]
    assert "CC BY-NC 4.0" in by_name["coinmetrics"]["license"]
    assert by_name["coinmetrics"]["base_url"] == fake_apis.cm_url
    assert by_name["mempool"]["role"] == "cross-check" and "mempool.space" in by_name["mempool"]["attribution"]
    assert (by_name["mempool"]["first_date"], by_name["mempool"]["last_date"]) == ("2024-01-01", "2024-03-30")
    assert status["days_behind"] == 1 and status["n_days"] == 90


def test_incremental_fetch_asks_only_for_the_missing_days(fake_apis, tmp_path):
    fake_apis.last_day = "2024-02-15"
    first, _ = update(fake_apis)
    assert (first.last_date, first.n_days_added) == ("2024-02-15", 46)
    fake_apis.last_day = "2024-03-30"
    fake_apis.requests.clear()
    second, _ = update(fake_apis)
    assert fake_apis.cm_requests()[0]["start_time"] == "2024-02-16"
    assert (second.first_date, second.last_date, second.n_days_added) == ("2024-02-16", "2024-03-30", 44)
    assert_same_history(load_chain_history(), expected_history(tmp_path))
    status = ChainCache().status(today=TODAY)
    assert [u["n_days"] for u in status["updates"]] == [46, 44]
    fake_apis.requests.clear()
    third, _ = update(fake_apis)
    assert third.status == "up to date" and third.n_days_added == 0
    assert [q["start_time"] for q in fake_apis.cm_requests()] == ["2024-03-31"]
    assert last_attempt()["status"] == "up to date"


# --- interrupted downloads, retries ----------------------------------------------------------------------


def test_resume_after_the_server_drops_the_connection_midway(fake_apis, tmp_path):
    fake_apis.faults["cm"] = ["ok"] + ["drop"] * 4  # page 1 arrives, then every try of page 2 is cut off
    with pytest.raises(FetchError) as info:
        update(fake_apis)
    message = str(info.value)
    assert "4 tries" in message and "dropped" in message and "asset-metrics" in message
    cache = ChainCache()
    assert not cache.exists()  # nothing half-written landed
    assert last_attempt()["status"] == "failed"
    assert len(list((cache.dir / STAGING_DIR_NAME / "coinmetrics").glob("page-*.json"))) == 1
    fake_apis.requests.clear()
    report, notes = update(fake_apis)
    assert fake_apis.cm_requests()[0]["start_time"] == "2024-01-31"  # only what was not received yet
    assert report.n_days_resumed == 30 and report.n_days_added == 90
    assert any("resuming" in n for n in notes)
    assert_same_history(load_chain_history(), expected_history(tmp_path))
    assert not (cache.dir / STAGING_DIR_NAME / "coinmetrics").exists()


def test_a_body_cut_off_halfway_is_retried_and_never_used(fake_apis, tmp_path):
    fake_apis.faults["cm"] = ["ok", "truncate", "ok"]
    report, notes = update(fake_apis)
    assert report.n_days_added == 90
    assert sum("dropped" in n and "retrying" in n for n in notes) == 1
    assert_same_history(load_chain_history(), expected_history(tmp_path))


def test_server_errors_then_recovery(fake_apis):
    fake_apis.faults["cm"] = ["500", "500", "429"]
    report, notes = update(fake_apis)
    assert report.n_days_added == 90
    assert len(fake_apis.cm_requests()) == 4 + 3
    retries = [n for n in notes if "retrying" in n]
    assert len(retries) == 3 and "HTTP 500 (Internal server error.)" in retries[0] and "HTTP 429" in retries[2]
    assert "try 2 of 4" in retries[0]


def test_server_errors_that_persist_fail_with_a_clear_message_and_keep_the_cache(fake_apis):
    fake_apis.last_day = "2024-02-15"
    update(fake_apis)
    cache = ChainCache()
    before = file_digest(cache)
    fake_apis.last_day = "2024-03-30"
    fake_apis.faults["cm"] = ["500"] * 4
    with pytest.raises(FetchError) as info:
        update(fake_apis)
    assert "failed after 4 tries: HTTP 500" in str(info.value)
    assert "start_time=2024-02-16" in str(info.value)
    assert file_digest(cache) == before


def test_an_unreachable_source_fails_after_the_retries(tmp_path):
    with pytest.raises(FetchError) as info:
        update_cache(since="2024-01-01", settings=settings(retries=1), today=TODAY)
    assert "connection failed" in str(info.value) and "2 tries" in str(info.value)
    assert not ChainCache().exists()


def test_a_request_the_api_refuses_is_not_retried(fake_apis):
    with pytest.raises(FetchError) as info:
        update(fake_apis, coinmetrics_url=fake_apis.cm_url.replace("/cm/v4", "/nowhere"))
    assert "refused with HTTP 404" in str(info.value)
    assert len(fake_apis.requests) == 1


@pytest.mark.parametrize("kind, words", [("malformed", "malformed JSON"), ("bad_shape", "no 'data' list")])
def test_malformed_json_fails_and_leaves_the_cache_unchanged(fake_apis, kind, words):
    fake_apis.last_day = "2024-02-15"
    update(fake_apis)
    cache = ChainCache()
    before = file_digest(cache)
    fake_apis.last_day = "2024-03-30"
    fake_apis.faults["cm"] = [kind] * 4
    with pytest.raises(FetchError) as info:
        update(fake_apis)
    assert words in str(info.value)
    assert file_digest(cache) == before
    assert len(load_chain_history()) == 46


# --- bad batches are rejected whole ---------------------------------------------------------------------


def test_a_batch_with_a_negative_price_is_rejected_whole_and_the_cache_stays(fake_apis):
    fake_apis.last_day = "2024-02-15"
    update(fake_apis)
    cache = ChainCache()
    before = file_digest(cache)
    fake_apis.last_day = "2024-03-30"
    fake_apis.cm_overrides["2024-03-20"] = {"PriceUSD": "-5.25"}  # on the second page of this batch
    with pytest.raises(DataError) as info:
        update(fake_apis, page_size=20)
    message = str(info.value)
    assert "batch 2024-02-16..2024-03-30 (44 days) rejected, the cache is unchanged" in message
    assert "PriceUSD (price_usd) must be > 0 USD; it is not on 2024-03-20 (-5.25)" in message
    assert file_digest(cache) == before
    assert load_chain_history().index[-1] == pd.Timestamp("2024-02-15")
    assert not (cache.dir / STAGING_DIR_NAME / "coinmetrics").exists()  # the next update fetches afresh
    assert last_attempt()["status"] == "rejected" and "PriceUSD" in last_attempt()["message"]
    fake_apis.cm_overrides.clear()
    report, _ = update(fake_apis, page_size=20)
    assert (report.first_date, report.n_days_added) == ("2024-02-16", 44)


def test_a_rejected_first_batch_creates_no_cache(fake_apis):
    fake_apis.cm_overrides["2024-01-05"] = {"BlkCnt": "401"}
    with pytest.raises(DataError) as info:
        update(fake_apis)
    assert "BlkCnt (block_count) must be a whole number of blocks from 0 to 400; it is not on 2024-01-05 (401)" \
        in str(info.value)
    assert not ChainCache().exists()


@pytest.mark.parametrize("edit, words", [
    (lambda f: f.cm_overrides.update({"2024-02-01": {"HashRate": None}}),
     "HashRate (hashrate_ehs) is missing on 2024-02-01"),
    (lambda f: f.cm_overrides.update({"2024-02-01": {"HashRate": "0"}}),
     "HashRate (hashrate_ehs) must be > 0 TH/s; it is not on 2024-02-01 (0)"),
    (lambda f: f.cm_overrides.update({"2024-02-01": {"TxCnt": "12.5"}}), "TxCnt (tx_count) must be a whole number"),
    (lambda f: f.cm_overrides.update({"2024-02-01": {"FeeTotNtv": "-1"}}), "FeeTotNtv (fees_btc) must be >= 0 BTC"),
    (lambda f: f.cm_overrides.update({"2024-02-01": {"PriceUSD": "abc"}}), "PriceUSD on 2024-02-01 is 'abc'"),
    (lambda f: f.cm_missing_days.update({"2024-02-01", "2024-02-02"}),
     "'time' has a gap: 2024-02-01, 2024-02-02 missing; allowed: consecutive days"),
])
def test_other_bad_batches_name_the_field_the_days_and_what_is_allowed(fake_apis, edit, words):
    edit(fake_apis)
    with pytest.raises(DataError) as info:
        update(fake_apis)
    assert words in str(info.value)
    assert not ChainCache().exists()


def test_a_batch_that_does_not_continue_the_cache_is_rejected(fake_apis):
    fake_apis.last_day = "2024-02-15"
    update(fake_apis)
    before = file_digest(ChainCache())
    fake_apis.last_day = "2024-03-30"
    fake_apis.cm_missing_days.add("2024-02-16")
    with pytest.raises(DataError) as info:
        update(fake_apis)
    assert "it starts on 2024-02-17 but the cache ends on 2024-02-15; allowed: a batch starting on 2024-02-16" \
        in str(info.value)
    assert file_digest(ChainCache()) == before


# --- the two sources disagree: reported, not fatal --------------------------------------------------------


def test_disagreement_between_the_sources_is_reported_and_stored(fake_apis):
    fake_apis.mempool_factor["2024-02-10"] = 1.5
    report, _ = update(fake_apis)
    assert report.status == "updated" and report.n_days_added == 90
    check = report.cross_check
    assert check["n_days_compared"] == 90 and check["n_disagreements"] == 1
    (row,) = check["disagreements"]
    assert (row["date"], row["field"]) == ("2024-02-10", "hashrate_ehs")
    assert row["diff_frac"] == pytest.approx(1 / 1.5 - 1, rel=1e-9)
    assert row["tolerance_frac"] == HASHRATE_TOLERANCE_FRAC
    stored = ChainCache().status(today=TODAY)["disagreements"]
    assert [(d["date"], d["field"]) for d in stored] == [("2024-02-10", "hashrate_ehs")]


def test_difficulty_is_compared_away_from_retargets(fake_apis):
    original = FakeApis.mempool_hashrate

    def off_by_one_percent(self):
        body = original(self)
        for entry in body["difficulty"]:
            entry["difficulty"] *= 1.01
        return body

    fake_apis.mempool_hashrate = off_by_one_percent.__get__(fake_apis)
    report, _ = update(fake_apis)
    fields = {d["field"] for d in report.cross_check["disagreements"]}
    assert fields == {"difficulty_mean"}
    days = {d["date"] for d in report.cross_check["disagreements"]}
    assert 40 < len(days) < 90  # days near a retarget are not compared
    assert all(d["tolerance_frac"] == DIFFICULTY_TOLERANCE_FRAC for d in report.cross_check["disagreements"])


@pytest.mark.parametrize("fault", ["500", "malformed", "bad_shape"])
def test_an_unusable_second_source_skips_the_cross_check_only(fake_apis, fault):
    fake_apis.faults["mempool"] = [fault] * 4
    report, notes = update(fake_apis)
    assert report.status == "updated" and report.n_days_added == 90
    assert report.cross_check["skipped"] and "mempool.space" in report.cross_check["skipped"]
    assert any("cross-check skipped" in n for n in notes)
    status = ChainCache().status(today=TODAY)
    assert [s["source"] for s in status["sources"]] == ["coinmetrics"]


# --- the cache file ------------------------------------------------------------------------------------


def test_a_transaction_that_fails_midway_leaves_the_cache_as_it_was(fake_apis):
    fake_apis.last_day = "2024-02-15"
    update(fake_apis)
    cache = ChainCache()
    before = load_chain_history()
    rows = before.iloc[-1:].copy()
    rows.index = pd.DatetimeIndex([pd.Timestamp("2024-02-16")], name="date")
    broken = Batch(chain=rows, after=dt.date(2024, 2, 15), primary_url="x", secondary_source="mempool",
                   secondary_url=None, crosscheck=pd.DataFrame({"hashrate_ehs": [], "difficulty": []}),
                   disagreements=pd.DataFrame(), sources=[{"source": "incomplete record"}])
    with pytest.raises(KeyError):
        cache.commit(broken)  # the chain row is inserted before the bad source record fails
    pd.testing.assert_frame_equal(load_chain_history(), before)
    with pytest.raises(CacheError, match="changed during the update"):
        cache.commit(Batch(**{**broken.__dict__, "after": dt.date(2024, 2, 14),
                              "chain": before.iloc[-1:]}))


def test_the_loader_reads_the_cache_folder_or_file_and_prefers_an_explicit_table(fake_apis, make_chain_csv,
                                                                                 monkeypatch):
    update(fake_apis)
    cache = ChainCache()
    assert len(load_chain_history(cache.dir)) == 90
    assert len(load_chain_history(cache.file)) == 90
    csv_path = make_chain_csv()
    monkeypatch.setenv("HASHPIVOT_DATA", str(csv_path))
    assert len(load_chain_history()) == 60  # $HASHPIVOT_DATA wins over the cache


def test_without_cache_the_loader_says_how_to_get_data():
    with pytest.raises(DataError) as info:
        load_chain_history()
    message = str(info.value)
    assert "--data PATH" in message and "HASHPIVOT_DATA" in message and "hashpivot data update" in message


def test_a_file_that_is_not_a_cache_is_named(offline_data_env):
    (offline_data_env / "chain.duckdb").write_text("not a database")
    with pytest.raises(DataError) as info:
        load_chain_history()
    assert str(offline_data_env / "chain.duckdb") in str(info.value)
    assert "not a readable hashpivot data cache" in str(info.value)


def test_settings_name_what_is_wrong(monkeypatch):
    monkeypatch.setenv("HASHPIVOT_COINMETRICS_URL", "ftp://example")
    with pytest.raises(InputError, match="HASHPIVOT_COINMETRICS_URL='ftp://example' is invalid"):
        resolve_settings()
    with pytest.raises(InputError, match="page_size=0"):
        resolve_settings(coinmetrics_url=DEAD_URL, page_size=0)
    monkeypatch.setenv("HASHPIVOT_COINMETRICS_URL", DEAD_URL)
    with pytest.raises(InputError, match="until='2023-01-01' is invalid"):
        update_cache(since="2024-01-01", until="2023-01-01", settings=settings())
    with pytest.raises(InputError, match="since='yesterday'"):
        update_cache(since="yesterday", settings=settings())


# --- the documented response examples parse as documented -------------------------------------------------


def test_parse_the_documented_mempool_example():
    """The mainnet example of "GET Hashrate" (mempool.space/docs/api/rest#get-hashrate, 3d)."""
    from hashpivot.io.mempool import parse_hashrate

    body = {
        "hashrates": [{"timestamp": 1652486400, "avgHashrate": 236499762108771800000},
                      {"timestamp": 1652572800, "avgHashrate": 217473276787331300000},
                      {"timestamp": 1652659200, "avgHashrate": 189877203506913000000}],
        "difficulty": [{"timestamp": 1652468330, "difficulty": 31251101365711.12, "height": 736249}],
        "currentHashrate": 252033247355212300000, "currentDifficulty": 31251101365711.12,
    }
    history = parse_hashrate(body)
    # stamped at the end of each UTC day: 1652486400 is 2022-05-14 00:00 UTC, the hash rate of 05-13
    assert [f"{d:%Y-%m-%d}" for d in history.hashrate_ehs.index] == ["2022-05-13", "2022-05-14", "2022-05-15"]
    assert history.hashrate_ehs.iloc[0] == pytest.approx(236.4997621087718)
    in_force = history.difficulty_in_force(pd.DatetimeIndex(["2022-05-12", "2022-05-13", "2022-05-14",
                                                             "2022-05-15"]))
    # 1652468330 is 2022-05-13 18:58 UTC: the days from 05-12 to 05-14 are within a day of it, not compared
    assert in_force.iloc[:3].isna().all()
    assert in_force.iloc[3] == 31251101365711.12


def test_parse_the_documented_coinmetrics_example():
    """Items as in the Coin Metrics docs: string values, nanosecond times; a missing metric is NaN."""
    from hashpivot.io.coinmetrics import parse_items

    frame = parse_items([
        {"asset": "btc", "time": "2026-01-30T00:00:00.000000000Z", "PriceUSD": "84017.0340292227",
         "HashRate": "1000000000", "BlkCnt": "144", "FeeTotNtv": "3.5", "IssTotNtv": "450", "TxCnt": "400000"},
        {"asset": "btc", "time": "2026-01-31T00:00:00.000000000Z", "PriceUSD": "78702.38550263"},
    ])
    assert list(frame.index) == [pd.Timestamp("2026-01-30"), pd.Timestamp("2026-01-31")]
    assert frame.loc["2026-01-30", "PriceUSD"] == 84017.0340292227
    assert frame.loc["2026-01-31"].isna().sum() == 5
