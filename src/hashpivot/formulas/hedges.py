"""Payoffs of the hedges a miner holds: a hashprice forward's daily accrual and European options at expiry.

A hashprice forward (Luxor's hashrate forwards, luxor.tech/hashrate-forwards) sells a notional hashrate at a
fixed hashprice: the seller receives ``notional x (strike - hashprice)`` for each day it covers, in cash. A
European put (call) pays ``max(K - S, 0)`` (``max(S - K, 0)``) per unit of the underlying at expiry (J. C. Hull,
*Options, Futures, and Other Derivatives*, 8th ed., section 10.1). A collar is long the put and short the call.

Each checked function validates its inputs and calls an ``*_unchecked`` twin that holds the arithmetic alone;
the engine's hedge stage (``hashpivot.engine.hedges``) compiles those twins, so each payoff is written once.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.formulas._validate import finite, nonneg


def forward_day_usd_unchecked(notional_phs, strike_usd_per_ph_day, hashprice_usd_per_ph_day):
    """A day of a hashprice forward for its seller, unchecked: notional x (strike - hashprice). [USD]"""
    return notional_phs * (strike_usd_per_ph_day - hashprice_usd_per_ph_day)


def put_payoff_usd_unchecked(notional_btc, strike_usd, btc_price_usd):
    """A put's payoff at expiry (scalars), unchecked: notional x max(strike - price, 0). [USD]"""
    return notional_btc * max(strike_usd - btc_price_usd, 0.0)


def call_payoff_usd_unchecked(notional_btc, strike_usd, btc_price_usd):
    """A call's payoff at expiry (scalars), unchecked: notional x max(price - strike, 0). [USD]"""
    return notional_btc * max(btc_price_usd - strike_usd, 0.0)


def forward_day_usd(
    notional_phs: ArrayLike, strike_usd_per_ph_day: ArrayLike, hashprice_usd_per_ph_day: ArrayLike
) -> NDArray[np.float64]:
    """What the seller of a hashprice forward receives for one day (negative: pays). [USD]

    10,000 PH/s sold at 50 USD/PH/day on a day whose hashprice is 45: 10,000 x (50 - 45) = 50,000 USD.

    >>> float(forward_day_usd(10_000, 50.0, 45.0))
    50000.0
    """
    n = nonneg("notional_phs", notional_phs)
    k = nonneg("strike_usd_per_ph_day", strike_usd_per_ph_day)
    hp = finite("hashprice_usd_per_ph_day", hashprice_usd_per_ph_day)
    return forward_day_usd_unchecked(n, k, hp)


def _option_inputs(notional_btc: ArrayLike, strike_usd: ArrayLike, btc_price_usd: ArrayLike):
    return (nonneg("notional_btc", notional_btc), nonneg("strike_usd", strike_usd),
            nonneg("btc_price_usd", btc_price_usd))


def put_payoff_usd(notional_btc: ArrayLike, strike_usd: ArrayLike, btc_price_usd: ArrayLike) -> NDArray[np.float64]:
    """A European put's cash payoff at expiry. [USD]

    5,000 BTC struck at 48,681 USD, expiring at 40,000: 5,000 x 8,681 = 43,405,000 USD; nothing above the strike.

    >>> put_payoff_usd(5_000, 48_681.0, [40_000.0, 60_000.0]).tolist()
    [43405000.0, 0.0]
    """
    n, k, s = _option_inputs(notional_btc, strike_usd, btc_price_usd)
    return n * np.maximum(k - s, 0.0)


def call_payoff_usd(notional_btc: ArrayLike, strike_usd: ArrayLike, btc_price_usd: ArrayLike) -> NDArray[np.float64]:
    """A European call's cash payoff at expiry (what the seller of a collar's call pays). [USD]

    >>> call_payoff_usd(2.0, 100.0, [90.0, 130.0]).tolist()
    [0.0, 60.0]
    """
    n, k, s = _option_inputs(notional_btc, strike_usd, btc_price_usd)
    return n * np.maximum(s - k, 0.0)
