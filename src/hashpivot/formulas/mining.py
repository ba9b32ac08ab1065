"""Miner economics: hashprice, production, power, break-evens, margin per MW.

Hashprice is what one TH/s of hashrate earns in a day: the network's daily revenue in USD spread
over the network hashrate (as in Luxor's Hashrate Index and the Coin Metrics-derived column of
``../shared/data/btc_daily.csv``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.formulas._validate import nonneg, positive
from hashpivot.protocol import BLOCKS_PER_DAY_TARGET
from hashpivot.units import TH_PER_EH, TH_PER_PH


def hashprice_usd_per_th_day(
    btc_price_usd: ArrayLike,
    network_hashrate_ehs: ArrayLike,
    subsidy_btc: ArrayLike,
    fees_btc_per_block: ArrayLike,
    blocks_per_day: ArrayLike = BLOCKS_PER_DAY_TARGET,
) -> NDArray[np.float64]:
    """Revenue of one TH/s for one day at the given network state. [USD/(TH/s)/day]

    blocks x (subsidy + fees per block) x price / network hashrate in TH/s.

    >>> round(float(hashprice_usd_per_th_day(64_000, 600, 3.125, 0.15)), 6)  # 144*3.275*64000/600e6
    0.050304
    """
    price = nonneg("btc_price_usd", btc_price_usd)
    h = positive("network_hashrate_ehs", network_hashrate_ehs)
    sub = nonneg("subsidy_btc", subsidy_btc)
    fees = nonneg("fees_btc_per_block", fees_btc_per_block)
    blocks = nonneg("blocks_per_day", blocks_per_day)
    return blocks * (sub + fees) * price / (h * TH_PER_EH)


def hashprice_from_daily_totals(
    btc_price_usd: ArrayLike,
    network_hashrate_ehs: ArrayLike,
    issuance_btc: ArrayLike,
    fees_btc: ArrayLike,
) -> NDArray[np.float64]:
    """Hashprice from a day's total issuance and fees (as in the chain table). [USD/(TH/s)/day]

    >>> round(float(hashprice_from_daily_totals(63_510.15, 622.7, 906.25, 107.17)), 4)  # 2024-04-18
    0.1034
    """
    price = nonneg("btc_price_usd", btc_price_usd)
    h = positive("network_hashrate_ehs", network_hashrate_ehs)
    iss = nonneg("issuance_btc", issuance_btc)
    fees = nonneg("fees_btc", fees_btc)
    return (iss + fees) * price / (h * TH_PER_EH)


def hashprice_usd_per_ph_day(hashprice_usd_per_th_day: ArrayLike) -> NDArray[np.float64]:
    """Hashprice per PH/s per day from hashprice per TH/s per day. [USD/(PH/s)/day]

    >>> round(float(hashprice_usd_per_ph_day(0.055)), 9)
    55.0
    """
    return nonneg("hashprice_usd_per_th_day", hashprice_usd_per_th_day) * TH_PER_PH
