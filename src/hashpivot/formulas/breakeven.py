"""Break-even closed forms for decisions: the hashprice, power price and BTC price at which a choice pays.

Power arithmetic (as in :mod:`hashpivot.formulas.mining`): one TH/s at ``e`` J/TH draws ``e`` W at the
miner, so with a site PUE ``p`` it takes ``e x p`` W from the grid and uses ``e x p x 24 / 1e6`` MWh a day;
one grid MW of a mining site holds ``1e6 / (e x p)`` TH/s. "Per MW" here means per MW drawn from the grid,
so a MW of mining and a MW under an AI contract (per grid MW, :func:`hashpivot.formulas.ai.lease_revenue_usd_per_mw_day`)
compare on the same interconnect.

Uptime scales a miner's revenue and its energy alike; it does not scale fixed opex, which accrues whether or
not the machines run. All functions broadcast over array inputs (one break-even per path or per grid cell).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashpivot.formulas._validate import at_least, finite, fraction, nonneg, positive
from hashpivot.formulas.ai import lease_revenue_usd_per_mw_day
from hashpivot.formulas.mining import (  # noqa: F401  (the break-even hashprice lives with mining's formulas)
    breakeven_hashprice_usd_per_th_day,
    breakeven_power_price_usd_per_mwh_unchecked,
    btc_mined_per_day,
)
from hashpivot.protocol import BLOCKS_PER_DAY_TARGET
from hashpivot.units import HOURS_PER_DAY, W_PER_MW


def _fleet(
    efficiency_j_per_th: ArrayLike, pue_ratio: ArrayLike, other_opex_usd_per_th_day: ArrayLike, pool_fee_frac: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The checked fleet arguments both hashprice/power-price break-evens share: efficiency, PUE, opex, pool fee."""
    return (
        positive("efficiency_j_per_th", efficiency_j_per_th),
        at_least("pue_ratio", pue_ratio, 1.0),
        nonneg("other_opex_usd_per_th_day", other_opex_usd_per_th_day),
        fraction("pool_fee_frac", pool_fee_frac),
    )


def breakeven_power_price_with_opex_usd_per_mwh(
    hashprice_usd_per_th_day: ArrayLike,
    efficiency_j_per_th: ArrayLike,
    pue_ratio: ArrayLike = 1.0,
    other_opex_usd_per_th_day: ArrayLike = 0.0,
    pool_fee_frac: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Grid power price at which a fleet's revenue covers its energy and other opex. [USD/MWh]

    (hashprice x (1 - pool fee) - other opex per TH/s) / (efficiency x PUE x 24 / 1e6): the inverse of
    :func:`breakeven_hashprice_usd_per_th_day`, and with PUE 1 and no other opex the same number as
    :func:`hashpivot.formulas.mining.breakeven_power_price_usd_per_mwh` (whose arithmetic it reuses).
    Negative where the other opex alone exceeds revenue: no power price makes the fleet pay.

    >>> round(float(breakeven_power_price_with_opex_usd_per_mwh(0.05, 20, 1.1, 0.002)), 9)  # 0.048/0.000528
    90.909090909
    """
    hp = nonneg("hashprice_usd_per_th_day", hashprice_usd_per_th_day)
    eff, pue, opex, pool = _fleet(efficiency_j_per_th, pue_ratio, other_opex_usd_per_th_day, pool_fee_frac)
    margin_usd_per_mw_day = (hp * (1.0 - pool) - opex) * W_PER_MW / (eff * pue)
    return breakeven_power_price_usd_per_mwh_unchecked(margin_usd_per_mw_day)


def btc_price_matching_ai_usd(
    rate_usd_per_kw_month: ArrayLike,
    ai_pue_ratio: ArrayLike,
    ai_host_cost_usd_per_mw_day: ArrayLike,
    efficiency_j_per_th: ArrayLike,
    mining_pue_ratio: ArrayLike,
    power_price_usd_per_mwh: ArrayLike,
    network_hashrate_ehs: ArrayLike,
    subsidy_btc: ArrayLike,
    fees_btc_per_block: ArrayLike,
    blocks_per_day: ArrayLike = BLOCKS_PER_DAY_TARGET,
    uptime_frac: ArrayLike = 1.0,
    pool_fee_frac: ArrayLike = 0.0,
    mining_opex_usd_per_mw_day: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """BTC price at which one grid MW earns as much mining as it nets under an AI lease. [USD/BTC]

    AI net per grid MW-day = lease rent per grid MW-day (rate x 1,000 x 12 / 365 / AI PUE) - the host's own
    cost under the contract (``ai_host_cost_usd_per_mw_day``: an input, not a default, because it turns on
    the contract: near 0 where the tenant pays power through, the grid power bill where the host pays it).
    Mining margin per grid MW-day = P x BTC mined - uptime x 24 x power price - mining opex, with BTC mined =
    hashvalue per TH/s x 1e6 / (efficiency x mining PUE) x uptime x (1 - pool fee). Setting the two equal:
    P* = (AI net + uptime x 24 x power price + mining opex) / BTC mined. Above P* mining earns more. ``inf``
    where the MW mines nothing. Negative AI net (a contract that loses money) still gives a finite P*.

    >>> # AI: 100 * 1000 * 12 / 365 / 1.25 = 2630.1369863 USD/MW/day; mining at 20 J/TH, PUE 1, 600 EH/s:
    >>> # 144 * 3.275 / 600e6 BTC per TH/s-day * 1e6 / 20 TH/s = 0.0393 BTC; energy 24 * 50 = 1200 USD
    >>> round(float(btc_price_matching_ai_usd(100, 1.25, 0, 20, 1, 50, 600, 3.125, 0.15)), 6)  # 3830.137/0.0393
    97458.956394
    """
    ai_net = lease_revenue_usd_per_mw_day(rate_usd_per_kw_month, ai_pue_ratio) - finite(
        "ai_host_cost_usd_per_mw_day", ai_host_cost_usd_per_mw_day
    )
    eff = positive("efficiency_j_per_th", efficiency_j_per_th)
    pue = at_least("mining_pue_ratio", mining_pue_ratio, 1.0)
    price = nonneg("power_price_usd_per_mwh", power_price_usd_per_mwh)
    up = fraction("uptime_frac", uptime_frac)
    opex = nonneg("mining_opex_usd_per_mw_day", mining_opex_usd_per_mw_day)
    # one grid MW holds 1e6 / (e x PUE) TH/s = 1 / (e x PUE) EH/s
    btc_per_mw_day = btc_mined_per_day(
        1.0 / (eff * pue), network_hashrate_ehs, blocks_per_day, subsidy_btc, fees_btc_per_block, up, pool_fee_frac
    )
    need = ai_net + up * HOURS_PER_DAY * price + opex
    need, btc_per_mw_day = np.broadcast_arrays(need, btc_per_mw_day)
    return np.divide(need, btc_per_mw_day, out=np.full(need.shape, np.inf), where=btc_per_mw_day > 0)[()]
