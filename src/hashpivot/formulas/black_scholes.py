"""Black-Scholes prices of European calls and puts, and the zero-cost collar's call strike.

The model: the underlying (BTC in USD) follows a geometric Brownian motion with a constant volatility
``vol_per_year`` and pays no income; money earns the continuously compounded ``rate_per_year``. These are the
textbook formulas (J. C. Hull, *Options, Futures, and Other Derivatives*, 8th ed., Pearson 2012, section 15.8,
equations 15.20-15.21; example 15.6 prices S=42, K=40, r=10 %, sigma=20 %, T=0.5 at c=4.76 and p=0.81).
Hedges in hashpivot price their premium at inception with these formulas from an implied volatility (an
assumption of the scenario: BTC options trade on Deribit and CME, whose implied vols are what an operator
would quote) and settle in cash at expiry against the engine's price on each path.

All arguments broadcast against each other; times are in years, rates and vols per year.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from scipy.special import ndtr

from hashpivot.errors import InputError
from hashpivot.formulas._validate import finite, positive

#: relative tolerance of the collar's call strike search [dimensionless]
_STRIKE_RTOL = 1e-12


def _d1_d2(
    spot_usd: ArrayLike,
    strike_usd: ArrayLike,
    rate_per_year: ArrayLike,
    vol_per_year: ArrayLike,
    time_years: ArrayLike,
) -> tuple[NDArray[np.float64], ...]:
    s = positive("spot_usd", spot_usd)
    k = positive("strike_usd", strike_usd)
    r = finite("rate_per_year", rate_per_year)
    sigma = positive("vol_per_year", vol_per_year)
    t = positive("time_years", time_years)
    sd = sigma * np.sqrt(t)
    d1 = (np.log(s / k) + (r + 0.5 * sigma**2) * t) / sd
    return s, k, np.exp(-r * t), d1, d1 - sd


def call_price_usd(
    spot_usd: ArrayLike,
    strike_usd: ArrayLike,
    rate_per_year: ArrayLike,
    vol_per_year: ArrayLike,
    time_years: ArrayLike,
) -> NDArray[np.float64]:
    """European call: S N(d1) - K e^(-rT) N(d2). [USD per unit of the underlying]

    d1 = (ln(S/K) + (r + sigma^2/2) T) / (sigma sqrt T), d2 = d1 - sigma sqrt T. Hull's example 15.6:
    d1 = (ln 1.05 + 0.12 * 0.5) / (0.2 sqrt 0.5) = 0.7693, d2 = 0.6278,
    c = 42 N(0.7693) - 40 e^-0.05 N(0.6278) = 42 * 0.7791 - 38.049 * 0.7349 = 4.76.

    >>> round(float(call_price_usd(42, 40, 0.1, 0.2, 0.5)), 2)
    4.76
    """
    s, k, disc, d1, d2 = _d1_d2(spot_usd, strike_usd, rate_per_year, vol_per_year, time_years)
    return s * ndtr(d1) - k * disc * ndtr(d2)


def put_price_usd(
    spot_usd: ArrayLike,
    strike_usd: ArrayLike,
    rate_per_year: ArrayLike,
    vol_per_year: ArrayLike,
    time_years: ArrayLike,
) -> NDArray[np.float64]:
    """European put: K e^(-rT) N(-d2) - S N(-d1). [USD per unit of the underlying]

    Hull's example 15.6: p = 38.049 N(-0.6278) - 42 N(-0.7693) = 38.049 * 0.2651 - 42 * 0.2209 = 0.81.

    >>> round(float(put_price_usd(42, 40, 0.1, 0.2, 0.5)), 2)
    0.81
    """
    s, k, disc, d1, d2 = _d1_d2(spot_usd, strike_usd, rate_per_year, vol_per_year, time_years)
    return k * disc * ndtr(-d2) - s * ndtr(-d1)


def collar_call_strike_usd(
    spot_usd: ArrayLike,
    put_strike_usd: ArrayLike,
    rate_per_year: ArrayLike,
    vol_per_year: ArrayLike,
    time_years: ArrayLike,
) -> NDArray[np.float64]:
    """Call strike of a zero-cost collar: the K_c whose call is worth the put bought at ``put_strike_usd``. [USD]

    A collar buys a put at K_p and sells a call at K_c on the same underlying and expiry; zero cost means
    c(K_c) = p(K_p). The call price falls strictly from S (K -> 0) to 0 (K -> inf), so one root exists
    whenever p(K_p) < S, which holds for any put with K_p e^(-rT) < S plus its time value; a put worth S or
    more (a strike far above the forward) has no zero-cost call and is refused. Solved by Brent's method
    (scipy.optimize.brentq) element by element.

    With r = 0 put-call parity gives c(K) - p(K) = S - K, so a collar struck at K_p = S (at the money)
    sells its call at K_c = S as well:

    >>> round(float(collar_call_strike_usd(100, 100, 0.0, 0.6, 1.0)), 6)
    100.0
    """
    s, k_p, r, sigma, t = np.broadcast_arrays(
        positive("spot_usd", spot_usd),
        positive("put_strike_usd", put_strike_usd),
        finite("rate_per_year", rate_per_year),
        positive("vol_per_year", vol_per_year),
        positive("time_years", time_years),
    )
    premium_usd = put_price_usd(s, k_p, r, sigma, t)
    if np.any(premium_usd >= s):
        raise InputError(
            "put_strike_usd", put_strike_usd, "a strike whose put is worth less than the spot (else no call pays for it)"
        )
    out = np.empty(s.shape, dtype=np.float64)
    for idx in np.ndindex(s.shape):
        args = (s[idx], r[idx], sigma[idx], t[idx], premium_usd[idx])
        # bracket: the call is worth more than the premium at a tiny strike and less at a huge one
        low = s[idx] * 1e-12
        high = s[idx] * np.exp(r[idx] * t[idx] + 40.0 * sigma[idx] * np.sqrt(t[idx]))
        out[idx] = brentq(_collar_gap, low, high, args=args, xtol=1e-300, rtol=_STRIKE_RTOL * 4, maxiter=500)
    return out


def _collar_gap(
    strike_usd: float, spot_usd: float, rate: float, vol: float, time_years: float, premium_usd: float
) -> float:
    return float(call_price_usd(spot_usd, strike_usd, rate, vol, time_years)) - premium_usd
