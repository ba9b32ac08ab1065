"""Block height from a calendar date, roughly: what a scenario's ``run.start_height`` is checked against.

The chain's height on a date is history, not protocol, so it is anchored to the dates of the halvings (blocks
210,000 x n; their UTC dates from the block timestamps, which the chain table's daily issuance also shows:
``analysis.hashprice`` finds 2012-11-28, 2016-07-09, 2020-05-11 and 2024-04-20) and to the genesis block
(height 0, 2009-01-03), interpolated linearly between them and extrapolated at the target 144 blocks a day
after the last. Against the Coin Metrics daily block counts 2012-01-01 .. 2025-12-29 (``../shared/data``,
840,000 + cumulative BlkCnt) this is off by at most 44 days of blocks (2014, when hashrate grew fastest) and by
at most 7.3 days since the 2024 halving.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from hashpivot.protocol import BLOCKS_PER_DAY_TARGET, HALVING_INTERVAL_BLOCKS

#: (date, height) of the genesis block and of each halving block. [date, blocks]
HEIGHT_ANCHORS: tuple[tuple[dt.date, int], ...] = (
    (dt.date(2009, 1, 3), 0),
    (dt.date(2012, 11, 28), 1 * HALVING_INTERVAL_BLOCKS),
    (dt.date(2016, 7, 9), 2 * HALVING_INTERVAL_BLOCKS),
    (dt.date(2020, 5, 11), 3 * HALVING_INTERVAL_BLOCKS),
    (dt.date(2024, 4, 20), 4 * HALVING_INTERVAL_BLOCKS),
)
_ANCHOR_ORDINALS = [day.toordinal() for day, _ in HEIGHT_ANCHORS]
_ANCHOR_HEIGHTS = [height for _, height in HEIGHT_ANCHORS]
#: Days of blocks a start height may stand from the estimate within the anchors: twice the largest error of the
#: estimate over 2012-2025 (44 days), so a height read off any explorer passes and one of another year does not.
TOLERANCE_DAYS = 90
#: Beyond the last anchor the pace is unknown: blocks ran 1-4 % faster than 144 a day in years of hashrate growth
#: (145.8 a day from the 2024 halving to 2025-09-29, the latest presets' derivation); 10 % of the days since the
#: last anchor is added to the tolerance. [fraction]
TOLERANCE_GROWTH_FRAC = 0.10


def estimated_height(day: dt.date) -> int:
    """Block height at the start of ``day``, interpolated between :data:`HEIGHT_ANCHORS` and at 144 blocks a day
    after the last (before genesis: 0). [blocks]

    >>> estimated_height(dt.date(2024, 4, 20)), estimated_height(dt.date(2025, 9, 30))
    (840000, 916032)
    """
    last_day, last_height = HEIGHT_ANCHORS[-1]
    if day > last_day:
        return int(round(last_height + BLOCKS_PER_DAY_TARGET * (day - last_day).days))
    return int(round(float(np.interp(day.toordinal(), _ANCHOR_ORDINALS, _ANCHOR_HEIGHTS))))


def estimated_date(height: int) -> dt.date:
    """The day :func:`estimated_height` reaches ``height``: its inverse, to whole days. [date]

    >>> estimated_date(840_000), estimated_date(1_050_000)
    (datetime.date(2024, 4, 20), datetime.date(2028, 4, 17))
    """
    last_day, last_height = HEIGHT_ANCHORS[-1]
    if height > last_height:
        return last_day + dt.timedelta(days=round((height - last_height) / BLOCKS_PER_DAY_TARGET))
    return dt.date.fromordinal(int(round(float(np.interp(height, _ANCHOR_HEIGHTS, _ANCHOR_ORDINALS)))))


def height_tolerance_blocks(day: dt.date) -> int:
    """How far a start height on ``day`` may stand from :func:`estimated_height`: :data:`TOLERANCE_DAYS` of blocks,
    plus :data:`TOLERANCE_GROWTH_FRAC` of the days past the last anchor. [blocks]

    >>> height_tolerance_blocks(dt.date(2020, 1, 1)), height_tolerance_blocks(dt.date(2034, 4, 18))
    (12960, 65520)
    """
    beyond_days = max(0, (day - HEIGHT_ANCHORS[-1][0]).days)
    return int(round(BLOCKS_PER_DAY_TARGET * (TOLERANCE_DAYS + TOLERANCE_GROWTH_FRAC * beyond_days)))
