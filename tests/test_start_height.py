"""run.start_height must match run.start_date: the height decides when the next halving falls, so a height copied
from a run of another year would move it by years without a word. The estimate is the halvings' dates and 144
blocks a day after the last (domain.heights); the chain table's own heights must pass, a year's error must not."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from hashpivot.domain.heights import estimated_date, estimated_height, height_tolerance_blocks
from hashpivot.errors import ScenarioError
from hashpivot.io.history import height_at_start_of, load_chain_history
from hashpivot.scenarios.toml import from_dict, load_preset


def with_start(date: str, height: int):
    data = load_preset("default").model_dump(mode="json")
    data["run"].update(start_date=date, start_height=height)
    return from_dict(data, "start height test")


def test_a_height_of_another_year_is_refused_naming_both_fields():
    # day 1 of a run from 2026-01-01 is 622 days after the 2024-04-20 halving: near 840,000 + 622 x 144 = 929,568,
    # give or take 144 x (90 + 62.2) = 21,917 blocks; the halving's own 840,000 is 89,568 blocks (622 days) off
    days = (dt.date(2026, 1, 2) - dt.date(2024, 4, 20)).days
    assert days == 622
    assert estimated_height(dt.date(2026, 1, 2)) == 840_000 + 144 * days == 929_568
    assert height_tolerance_blocks(dt.date(2026, 1, 2)) == round(144 * (90 + 0.1 * days)) == 21_917
    with pytest.raises(ScenarioError, match=r"run.start_height=840000 with run.start_date=2026-01-01: the chain "
                                            r"stood near block 929,568 on day 1 .* 907,651 .. 951,485"):
        with_start("2026-01-01", 840_000)
    assert with_start("2026-01-01", 930_378).run.start_height == 930_378  # the outlook presets' derived height


def test_the_halving_blocks_fall_on_their_days():
    """The anchors are the halvings: block 210,000 x n is reached on its date."""
    for n, day in enumerate((dt.date(2012, 11, 28), dt.date(2016, 7, 9), dt.date(2020, 5, 11),
                             dt.date(2024, 4, 20)), start=1):
        assert estimated_height(day) == 210_000 * n
        assert estimated_date(210_000 * n) == day
    # after the last, 144 a day: the fifth halving 210,000 / 144 = 1,458.3 days on
    assert estimated_date(1_050_000) == dt.date(2024, 4, 20) + dt.timedelta(days=1458)


@pytest.mark.shared_data
def test_the_chain_tables_heights_pass_and_the_halving_blocks_fall_in_their_days(shared_csv):
    """Every 7th day of the table (2012 ..) passes the check at its own height, counted from its block counts; each
    halving block is mined within its day: the height at the day's start is at most 210,000 x n, the next day's
    above it."""
    history = load_chain_history(shared_csv)
    for day in history.index[1::7]:
        height = height_at_start_of(history, day)
        assert abs(height - estimated_height(day.date())) <= height_tolerance_blocks(day.date()), day
    for n, day in ((1, "2012-11-28"), (2, "2016-07-09"), (3, "2020-05-11"), (4, "2024-04-20")):
        start = height_at_start_of(history, pd.Timestamp(day))
        assert start <= 210_000 * n < height_at_start_of(history, pd.Timestamp(day) + pd.Timedelta(days=1))
    # the latest presets' height: 840,000 + the table's 76,989 blocks of 2024-04-20 .. 2025-09-29
    assert height_at_start_of(history, pd.Timestamp("2025-09-30")) == load_preset("mara_latest").run.start_height


@pytest.mark.shared_data
def test_a_replay_starts_at_the_chains_height_not_the_scenarios(shared_csv):
    """The default scenario starts at the 2024 halving (840,000); replayed from 2022-01-01 it starts at that day's
    height, which the check would refuse to pair with 840,000."""
    from hashpivot import api

    result = api.replay("default", date_from="2022-01-01", date_to="2022-01-31", data=shared_csv)
    history = load_chain_history(shared_csv)
    assert result.scenario.run.start_height == height_at_start_of(history, pd.Timestamp("2022-01-01"))
    assert 700_000 < result.scenario.run.start_height < 720_000  # block 716,000 or so, early 2022


@pytest.mark.shared_data
def test_a_replayed_forward_is_struck_at_the_chains_hashprice_on_its_day_0(shared_csv):
    """A forward with no strike is struck at the starting hashprice, as an operator quotes it: 144 blocks x
    (subsidy + the day's fees per block) x price / network hashrate. Replayed from 2022-01-01, day 0 is 2021-12-31
    (subsidy 6.25 BTC), not the scenario's 2024 start."""
    from hashpivot import api

    data = load_preset("default").model_dump(mode="json")
    data["hedges"] = [{"kind": "hashprice_forward", "notional_phs": 1_000.0, "start_day": 1, "tenor_days": 20},
                      {"kind": "hashprice_forward", "notional_phs": 1_000.0, "start_day": 1, "tenor_days": 20,
                       "strike_usd_per_ph_day": 150.0, "name": "fixed"}]
    result = api.replay(from_dict(data, "forward replay"), date_from="2022-01-01", date_to="2022-01-31",
                        data=shared_csv)
    day0 = load_chain_history(shared_csv).loc[pd.Timestamp("2021-12-31")]
    by_hand = 144 * (6.25 + day0["fees_btc"] / day0["block_count"]) * day0["price_usd"] / (
        day0["hashrate_ehs"] * 1e6) * 1_000
    strikes = [h.strike_usd_per_ph_day for h in result.scenario.hedges]
    assert strikes[0] == pytest.approx(by_hand, rel=1e-12) and strikes[1] == 150.0
    assert 200 < by_hand < 400  # about 0.3 USD/TH/day at the end of 2021, not 2024's 0.05


def test_a_variant_that_moves_the_start_date_alone_moves_the_height_with_it():
    """A sweep over run.start_date (or --set of it) without run.start_height would be refused for the base's
    height; the height moves by the estimate's blocks between the two dates (144 a day after 2024-04-20), so the
    default's 840,000 on 2024-04-20 keeps its offset, and the next halving stays where the chain puts it."""
    from hashpivot.scenarios.sweep import SweepSpec
    from hashpivot.scenarios.variants import expand

    base = load_preset("default")
    assert (base.run.start_date, base.run.start_height) == (dt.date(2024, 4, 20), 840_000)
    spec = SweepSpec(axes={"run.start_date": ["2024-04-20", "2026-01-01", "2028-01-01"]})
    heights = [v.scenario.run.start_height for v in expand(base, spec)]
    # 2024-04-20 .. 2026-01-01 is 621 days, .. 2028-01-01 is 1,351 days: 144 blocks each
    assert heights == [840_000, 840_000 + 144 * 621, 840_000 + 144 * 1_351] == [840_000, 929_424, 1_034_544]
    # the fifth halving, block 1,050,000, then falls (1,050,000 - 1,034,544) / 144 = 107.3 days after 2028-01-01
    assert dt.date(2028, 1, 1) + dt.timedelta(days=107) == dt.date(2028, 4, 17) == estimated_date(1_050_000)
    # before the 2024 halving the estimate runs 1,440 days from block 630,000 (2020-05-11) to 840,000: 145.83 a day
    moved = base.replace("run.start_date", "2020-05-11").run.start_height
    assert moved == 840_000 + round(630_000 + 210_000 / 1_440) - (840_000 + 144) == 630_002
    # a variant that sets both keeps the height it was given
    both = expand(base, SweepSpec(mode="zip", axes={"run.start_date": ["2026-01-01"], "run.start_height": [930_000]}))
    assert both[0].scenario.run.start_height == 930_000
