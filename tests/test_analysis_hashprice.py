"""hashpivot.analysis.hashprice: the daily hashprice recomputed from the chain table, halving days, windows
around a halving, date selection."""

from __future__ import annotations

import csv
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from hashpivot.analysis.hashprice import (
    HalvingWindow,
    find_halvings,
    halving_window,
    per_block_issuance_btc,
    period_stats,
    recompute_hashprice_usd_per_th_day,
    rolling_mean_hashprice,
    select_dates,
)
from hashpivot.errors import DataError, InputError
from hashpivot.io import load_chain_history

D = dt.date


def _plain_stats(rows: list[dict[str, str]], first: str, last: str) -> dict[str, float]:
    """Independent computation over CSV rows with plain python (no pandas, no hashpivot)."""
    chosen = [r for r in rows if first <= r["date"] <= last]
    hashprices, revenue_usd, hashrate_ths, subsidy_usd, fees_usd = [], 0.0, 0.0, 0.0, 0.0
    for r in chosen:
        price = float(r["price_usd"])
        issuance, fees = float(r["issuance_btc"]), float(r["fees_btc"])
        ths = float(r["hashrate_ehs"]) * 1e6
        hashprices.append((issuance + fees) * price / ths)
        revenue_usd += (issuance + fees) * price
        hashrate_ths += ths
        subsidy_usd += issuance * price
        fees_usd += fees * price
    return {
        "n_days": len(chosen),
        "mean": sum(hashprices) / len(hashprices),
        "pooled": revenue_usd / hashrate_ths,
        "subsidy_usd": subsidy_usd,
        "fees_usd": fees_usd,
        "fees_frac": fees_usd / (subsidy_usd + fees_usd),
    }


# --- halving days ----------------------------------------------------------------------------------


def test_mixed_first_day_is_the_halving_day(make_chain_csv):
    history = load_chain_history(make_chain_csv(new_blocks_on_halving_day=40))
    (halving,) = find_halvings(history)
    assert halving.n == 4
    assert halving.height == 840_000
    assert (halving.old_subsidy_btc, halving.new_subsidy_btc) == (6.25, 3.125)
    assert halving.date == D(2024, 3, 31)  # day index 30 from 2024-03-01
    assert halving.first_new_block_date == D(2024, 3, 31)
    assert halving.new_blocks_on_first_date == 40


def test_few_new_blocks_on_the_first_day_move_the_halving_to_the_next_day(make_chain_csv):
    history = load_chain_history(make_chain_csv(new_blocks_on_halving_day=4))
    (halving,) = find_halvings(history)
    assert halving.first_new_block_date == D(2024, 3, 31)
    assert halving.new_blocks_on_first_date == 4
    assert halving.date == D(2024, 4, 1)
    (strict,) = find_halvings(history, min_new_block_frac=0.0)
    assert strict.date == D(2024, 3, 31)


def test_pure_first_day(make_chain_csv, synthetic_rows):
    rows = synthetic_rows()
    n_blocks = int(rows[30]["block_count"])
    history = load_chain_history(make_chain_csv(new_blocks_on_halving_day=n_blocks))
    (halving,) = find_halvings(history)
    assert halving.date == halving.first_new_block_date == D(2024, 3, 31)


def test_no_halving_when_the_table_starts_after_it_or_never_reaches_it(make_chain_csv):
    after = load_chain_history(make_chain_csv(halving_index=0, name="after.csv"))
    assert find_halvings(after) == ()
    never = load_chain_history(make_chain_csv(halving_index=None, name="never.csv"))
    assert find_halvings(never) == ()


def test_other_eras(make_chain_csv):
    history = load_chain_history(
        make_chain_csv(start="2012-10-01", old_subsidy_btc=50.0, new_subsidy_btc=25.0)
    )
    (halving,) = find_halvings(history)
    assert (halving.n, halving.height, halving.date) == (1, 210_000, D(2012, 10, 31))


def test_min_new_block_frac_is_checked(make_chain_csv):
    history = load_chain_history(make_chain_csv())
    with pytest.raises(InputError, match="min_new_block_frac"):
        find_halvings(history, min_new_block_frac=1.5)


def test_per_block_issuance(make_chain_csv, synthetic_rows):
    history = load_chain_history(make_chain_csv())
    rows = synthetic_rows()
    per_block = per_block_issuance_btc(history)
    assert per_block.iloc[0] == 6.25
    assert per_block.iloc[-1] == 3.125
    assert per_block.iloc[30] == pytest.approx(
        float(rows[30]["issuance_btc"]) / int(rows[30]["block_count"]), rel=1e-15
    )


@pytest.mark.shared_data
def test_halving_days_in_the_shared_table(shared_csv):
    halvings = find_halvings(load_chain_history(shared_csv))
    assert [(h.n, h.date) for h in halvings] == [
        (1, D(2012, 11, 28)),
        (2, D(2016, 7, 9)),
        (3, D(2020, 5, 11)),
        (4, D(2024, 4, 20)),
    ]
    assert [h.new_subsidy_btc for h in halvings] == [25.0, 12.5, 6.25, 3.125]
    # README caveat: Coin Metrics books 4 of 151 blocks at 3.125 BTC on 2024-04-19
    assert (halvings[3].first_new_block_date, halvings[3].new_blocks_on_first_date) == (
        D(2024, 4, 19),
        4,
    )
    assert [h.first_new_block_date for h in halvings[:3]] == [h.date for h in halvings[:3]]


# --- windows ---------------------------------------------------------------------------------------


def test_window_days_and_numbers(make_chain_csv, synthetic_rows):
    rows = synthetic_rows()
    history = load_chain_history(make_chain_csv())
    window = halving_window(history, 4, before_days=20, after_days=10)
    assert isinstance(window, HalvingWindow)
    assert window.halving.date == D(2024, 3, 31)
    # before: the 20 days ending the day before the halving day; after: 10 days from it
    assert (window.before.start, window.before.end) == (D(2024, 3, 11), D(2024, 3, 30))
    assert (window.after.start, window.after.end) == (D(2024, 3, 31), D(2024, 4, 9))
    assert (window.before.n_days, window.after.n_days) == (20, 10)
    for stats, (first, last) in [
        (window.before, ("2024-03-11", "2024-03-30")),
        (window.after, ("2024-03-31", "2024-04-09")),
    ]:
        expected = _plain_stats(rows, first, last)
        assert stats.n_days == expected["n_days"]
        assert stats.mean_daily_hashprice_usd_per_th_day == pytest.approx(expected["mean"], rel=1e-12)
        assert stats.pooled_hashprice_usd_per_th_day == pytest.approx(expected["pooled"], rel=1e-12)
        assert stats.subsidy_usd == pytest.approx(expected["subsidy_usd"], rel=1e-12)
        assert stats.fees_usd == pytest.approx(expected["fees_usd"], rel=1e-12)
        assert stats.fees_frac == pytest.approx(expected["fees_frac"], rel=1e-12)
        assert stats.subsidy_frac + stats.fees_frac == pytest.approx(1.0, rel=1e-15)
        assert stats.revenue_usd == pytest.approx(stats.subsidy_usd + stats.fees_usd, rel=1e-15)
    assert window.mean_daily_change_frac == pytest.approx(
        window.after.mean_daily_hashprice_usd_per_th_day
        / window.before.mean_daily_hashprice_usd_per_th_day
        - 1.0,
        rel=1e-12,
    )
    # the halving cuts the subsidy: hashprice falls in this synthetic table
    assert window.mean_daily_change_frac < -0.3
    assert window.pooled_change_frac < -0.3


def test_window_to_dict_is_json_ready(make_chain_csv):
    import json

    window = halving_window(load_chain_history(make_chain_csv()), 4, 20, 10)
    data = json.loads(json.dumps(window.to_dict(), allow_nan=False))
    assert data["halving"]["date"] == "2024-03-31"
    assert data["before"]["start"] == "2024-03-11"
    assert data["after"]["mean_daily_hashprice_usd_per_th_day"] == (
        window.after.mean_daily_hashprice_usd_per_th_day
    )
    assert data["pooled_change_frac"] == window.pooled_change_frac


def test_window_needs_the_days(make_chain_csv):
    history = load_chain_history(make_chain_csv())
    with pytest.raises(DataError) as info:
        halving_window(history, 4, before_days=31, after_days=10)
    message = str(info.value)
    assert "2024-02-29" in message and "2024-03-01" in message and "30 days before it" in message
    with pytest.raises(DataError) as info:
        halving_window(history, 4, before_days=30, after_days=31)
    assert "30 days from it" in str(info.value)
    exact = halving_window(history, 4, before_days=30, after_days=30)
    assert (exact.before.start, exact.after.end) == (D(2024, 3, 1), D(2024, 4, 29))


@pytest.mark.parametrize("halving_n", [9, 0, 3, True, 4.0])
def test_unknown_halving(make_chain_csv, halving_n):
    history = load_chain_history(make_chain_csv())
    with pytest.raises(InputError) as info:
        halving_window(history, halving_n, 20, 10)
    assert "halving_n" in str(info.value)
    assert "4 (2024-03-31)" in str(info.value)


@pytest.mark.parametrize(("before", "after"), [(0, 10), (20, 0), (-5, 10), (20, 2.5)])
def test_window_lengths_are_checked(make_chain_csv, before, after):
    history = load_chain_history(make_chain_csv())
    with pytest.raises(InputError, match="whole number of days"):
        halving_window(history, 4, before, after)


def test_window_on_a_date_filtered_part_uses_the_given_halvings(make_chain_csv):
    history = load_chain_history(make_chain_csv(new_blocks_on_halving_day=4))
    halvings = find_halvings(history)
    part = select_dates(history, "2024-04-01")  # starts on the halving day itself
    assert find_halvings(part) == ()  # not detectable from the part alone
    with pytest.raises(DataError, match="before the data's first day 2024-04-01"):
        halving_window(part, 4, 1, 5, halvings=halvings)
    window = halving_window(select_dates(history, "2024-03-20"), 4, 5, 5, halvings=halvings)
    assert window.after.start == D(2024, 4, 1)


@pytest.mark.shared_data
def test_halving_4_with_365_and_60_days_matches_an_independent_computation(shared_csv):
    with shared_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    window = halving_window(load_chain_history(shared_csv), 4, before_days=365, after_days=60)
    # 2024-04-20 - 365 days = 2023-04-21 (2024 is a leap year); 2024-04-20 + 59 days = 2024-06-18
    assert (window.before.start, window.before.end) == (D(2023, 4, 21), D(2024, 4, 19))
    assert (window.after.start, window.after.end) == (D(2024, 4, 20), D(2024, 6, 18))
    before = _plain_stats(rows, "2023-04-21", "2024-04-19")
    after = _plain_stats(rows, "2024-04-20", "2024-06-18")
    assert (before["n_days"], after["n_days"]) == (365, 60)
    for stats, expected in [(window.before, before), (window.after, after)]:
        assert stats.mean_daily_hashprice_usd_per_th_day == pytest.approx(expected["mean"], rel=1e-12)
        assert stats.pooled_hashprice_usd_per_th_day == pytest.approx(expected["pooled"], rel=1e-12)
        assert stats.subsidy_usd == pytest.approx(expected["subsidy_usd"], rel=1e-12)
        assert stats.fees_usd == pytest.approx(expected["fees_usd"], rel=1e-12)
    # the values reported in the task note (rounded), so a silent change is noticed
    assert round(window.before.mean_daily_hashprice_usd_per_th_day, 4) == 0.0812
    assert round(window.after.mean_daily_hashprice_usd_per_th_day, 4) == 0.0582
    assert round(window.before.pooled_hashprice_usd_per_th_day, 4) == 0.0833
    assert round(window.after.pooled_hashprice_usd_per_th_day, 4) == 0.0582


@pytest.mark.shared_data
def test_readme_sanity_numbers_30_days(shared_csv):
    """The data README: 0.107 -> 0.059 USD/TH/day, fee share (in BTC) 6.0 % -> 21.2 %."""
    window = halving_window(load_chain_history(shared_csv), 4, before_days=30, after_days=30)
    assert round(window.before.mean_daily_hashprice_usd_per_th_day, 3) == 0.107
    assert round(window.after.mean_daily_hashprice_usd_per_th_day, 3) == 0.059
    for stats, share in [(window.before, 0.060), (window.after, 0.212)]:
        assert round(stats.fees_btc / (stats.fees_btc + stats.subsidy_btc), 3) == share


# --- date selection, period stats, rolling mean ----------------------------------------------------


def test_select_dates_inclusive_and_open_ended(make_chain_csv):
    history = load_chain_history(make_chain_csv())
    part = select_dates(history, "2024-03-05", "2024-03-09")
    assert list(part.index.strftime("%Y-%m-%d")) == [
        "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-09",
    ]
    assert len(select_dates(history)) == 60
    assert select_dates(history, date_from=D(2024, 4, 20)).index[0] == pd.Timestamp("2024-04-20")
    assert select_dates(history, date_to="2024-03-02").index[-1] == pd.Timestamp("2024-03-02")
    one = select_dates(history, "2024-03-07", "2024-03-07")
    assert len(one) == 1


def test_select_dates_errors(make_chain_csv):
    history = load_chain_history(make_chain_csv())
    with pytest.raises(InputError) as info:
        select_dates(history, "2024-04-10", "2024-03-10")
    assert "date_from" in str(info.value) and "2024-03-10" in str(info.value)
    for bad in ["2024-13-01", "tomorrow", "today", "2024-03-05 12:00", "20240305"]:
        with pytest.raises(InputError, match="YYYY-MM-DD"):
            select_dates(history, bad)
    with pytest.raises(DataError) as data_info:
        select_dates(history, "2025-01-01")
    assert "2024-03-01 to 2024-04-29" in str(data_info.value)


def test_period_stats_over_the_whole_table(make_chain_csv, synthetic_rows):
    rows = synthetic_rows()
    stats = period_stats(load_chain_history(make_chain_csv()))
    expected = _plain_stats(rows, "2024-03-01", "2024-04-29")
    assert stats.n_days == 60
    assert stats.mean_daily_hashprice_usd_per_th_day == pytest.approx(expected["mean"], rel=1e-12)
    assert stats.pooled_hashprice_usd_per_th_day == pytest.approx(expected["pooled"], rel=1e-12)
    assert stats.mean_btc_price_usd == pytest.approx(
        sum(float(r["price_usd"]) for r in rows) / 60, rel=1e-12
    )
    assert stats.mean_hashrate_ehs == pytest.approx(
        sum(float(r["hashrate_ehs"]) for r in rows) / 60, rel=1e-12
    )


def test_rolling_mean(make_chain_csv, synthetic_rows):
    rows = synthetic_rows()
    rolling = rolling_mean_hashprice(load_chain_history(make_chain_csv()), window_days=30)
    assert rolling.iloc[:29].isna().all()
    expected = _plain_stats(rows, "2024-03-12", "2024-04-10")["mean"]
    assert rolling.loc["2024-04-10"] == pytest.approx(expected, rel=1e-12)
    assert not math.isnan(rolling.iloc[-1])
    assert np.isfinite(rolling.iloc[29:].to_numpy()).all()


# --- recompute of hashprice ------------------------------------------------------------------------


def test_recompute_matches_hand_calculation(make_chain_csv):
    history = load_chain_history(make_chain_csv())
    ours = recompute_hashprice_usd_per_th_day(history)
    row = history.iloc[12]
    by_hand = (row["issuance_btc"] + row["fees_btc"]) * row["price_usd"] / (row["hashrate_ehs"] * 1e6)
    assert ours.iloc[12] == pytest.approx(by_hand, rel=1e-12)
    assert ours.index.equals(history.index)
    # the synthetic table stores 6 significant digits, as the real one does
    assert_allclose(ours.to_numpy(), history["hashprice_usd_per_th_day"].to_numpy(), rtol=5e-6)


def test_recompute_does_not_mutate(make_chain_csv):
    history = load_chain_history(make_chain_csv())
    before = history.copy()
    recompute_hashprice_usd_per_th_day(history)
    pd.testing.assert_frame_equal(history, before)


def _round_sig(values: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """Values rounded to ``digits`` significant digits, and the unit of the last kept digit."""
    unit = 10.0 ** (np.floor(np.log10(np.abs(values))) - (digits - 1))
    return np.round(values / unit) * unit, unit


@pytest.mark.shared_data
def test_recomputed_hashprice_equals_table_2016_2025(shared_csv):
    """Our hashprice vs the table's ``hashprice_usd_per_th_day`` over 2016-01-01..2025-12-29.

    The table stores hashprice rounded to 6 significant digits (0.103362), computed by the data's
    author from the source values before those were themselves rounded for the file (price to 4
    decimals, hash rate to 9 significant digits, BTC amounts to 8 decimals; data README). So:

    1. Unrounded, ours is within half a unit of the stored value's 6th digit plus the error that the
       rounding of the inputs can carry.
    2. Rounded to 6 significant digits, ours agrees within 1e-6 relative on every day except those
       where ours lies within that input error of a rounding boundary (there the last digit can go
       either way); those days differ by exactly one unit in the 6th digit.
    """
    history = load_chain_history(shared_csv).loc["2016-01-01":"2025-12-29"]
    assert len(history) == 3651
    ours = recompute_hashprice_usd_per_th_day(history).to_numpy()
    stored = history["hashprice_usd_per_th_day"].to_numpy()
    price = history["price_usd"].to_numpy()
    revenue_btc = (history["issuance_btc"] + history["fees_btc"]).to_numpy()
    # relative error carried by the file's rounded inputs (first order)
    input_rel = 0.5e-4 / price + 0.5e-8 + 2 * 0.5e-8 / revenue_btc
    _, stored_unit = _round_sig(stored, 6)

    unrounded_abs = np.abs(ours - stored)
    assert np.all(unrounded_abs <= 0.5 * stored_unit + ours * input_rel * (1 + 1e-9))
    unrounded_rel = unrounded_abs / stored
    assert unrounded_rel.max() < 5e-6  # the 6th digit's resolution: half a unit is <= 5e-6

    ours6, our_unit = _round_sig(ours, 6)
    rel6 = np.abs(ours6 / stored - 1.0)
    agrees = rel6 <= 1e-6
    distance_to_boundary = np.abs(ours / our_unit - np.floor(ours / our_unit) - 0.5) * our_unit
    near_boundary = distance_to_boundary <= ours * input_rel
    assert np.all(agrees | near_boundary)
    assert np.all(np.abs(ours6 - stored)[~agrees] <= our_unit[~agrees] * (1 + 1e-9))
    assert (~agrees).sum() <= 10  # 10 of 3,651 days as of the 2025-12-30 snapshot
