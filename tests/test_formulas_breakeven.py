"""Break-even closed forms against hand calculations, each other, and the mining formulas.

Hand arithmetic: one TH/s at e J/TH behind a PUE p takes e x p W from the grid, e x p x 24 / 1e6 MWh a day;
one grid MW holds 1e6 / (e x p) TH/s; a lease at r USD/kW-month pays r x 1,000 x 12 / 365 per IT MW-day.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.formulas import breakeven, mining

RTOL = 1e-12


def test_breakeven_hashprice_hand() -> None:
    # 30 USD/MWh x 18 J/TH x 1.05 x 24 / 1e6 = 0.013608; + 0.001 opex = 0.014608; / (1 - 0.025) = 0.0149825641...
    assert_allclose(breakeven.breakeven_hashprice_usd_per_th_day(18, 30, 0.025, 1.05, 0.001), 0.014608 / 0.975,
                    rtol=RTOL)
    # no PUE, no opex, no pool: 50 x 20 x 24 / 1e6 = 0.024
    assert_allclose(breakeven.breakeven_hashprice_usd_per_th_day(20, 50), 0.024, rtol=RTOL)
    # free power and no opex: break-even 0 even when the pool takes everything; with costs and fee 1: inf
    assert float(breakeven.breakeven_hashprice_usd_per_th_day(20, 0, pool_fee_frac=1.0)) == 0.0
    assert np.isinf(breakeven.breakeven_hashprice_usd_per_th_day(20, 50, pool_fee_frac=1.0))


def test_breakeven_hashprice_broadcasts() -> None:
    price = np.array([[20.0], [40.0], [60.0]])
    eff = np.array([15.0, 20.0, 25.0, 30.0])
    out = breakeven.breakeven_hashprice_usd_per_th_day(eff, price, pue_ratio=1.2)
    assert out.shape == (3, 4)
    assert_allclose(out, price * eff * 1.2 * 24 / 1e6, rtol=RTOL)


def test_breakeven_power_price_hand_and_reuse() -> None:
    # (0.045 x (1 - 0.02) - 0.003) / (17 x 1.08 x 24 / 1e6) = 0.0411 / 0.00044064 = 93.2734204...
    assert_allclose(breakeven.breakeven_power_price_with_opex_usd_per_mwh(0.045, 17, 1.08, 0.003, 0.02),
                    0.0411 / 0.00044064, rtol=RTOL)
    # PUE 1 and no opex: the same number as the mining module's break-even power price
    hp = np.array([0.03, 0.05, 0.08])
    assert_allclose(breakeven.breakeven_power_price_with_opex_usd_per_mwh(hp, 20, pool_fee_frac=0.01),
                    mining.breakeven_power_price_usd_per_mwh(hp, 20, 0.01), rtol=RTOL)
    # opex above revenue: negative, no power price pays: (0.01 - 0.02) / (20 x 24 / 1e6) = -20.8333...
    assert_allclose(breakeven.breakeven_power_price_with_opex_usd_per_mwh(0.01, 20, 1.0, 0.02), -0.01 / 0.00048,
                    rtol=RTOL)


@given(
    price=st.floats(0.0, 500.0),
    eff=st.floats(5.0, 120.0),
    pue=st.floats(1.0, 2.0),
    opex=st.floats(0.0, 0.05),
    pool=st.floats(0.0, 0.2),
)
def test_breakeven_hashprice_and_power_price_invert_each_other(price, eff, pue, opex, pool) -> None:
    hp = breakeven.breakeven_hashprice_usd_per_th_day(eff, price, pool, pue, opex)
    back = breakeven.breakeven_power_price_with_opex_usd_per_mwh(hp, eff, pue, opex, pool)
    assert_allclose(back, price, rtol=1e-9, atol=1e-9)


def test_btc_price_matching_ai_hand() -> None:
    # AI: 120 USD/kW-month at PUE 1.3: 120 x 1000 x 12 / 365 / 1.3 = 3034.7786... per grid MW-day, host cost 500.
    # Mining: 22 J/TH at PUE 1.05 -> 1e6 / 23.1 TH/s per grid MW; 720 EH/s, 3.125 + 0.05 BTC, 144 blocks:
    # 144 x 3.175 / 720e6 = 6.35e-7 BTC per TH/s-day; x 1e6 / 23.1 x 0.97 uptime x 0.98 after pool fee.
    ai_net = 120 * 1000 * 12 / 365 / 1.3 - 500
    btc = 144 * 3.175 / 720e6 * 1e6 / 23.1 * 0.97 * 0.98
    energy = 0.97 * 24 * 45
    expected = (ai_net + energy + 300) / btc
    got = breakeven.btc_price_matching_ai_usd(120, 1.3, 500, 22, 1.05, 45, 720, 3.125, 0.05, 144, 0.97, 0.02, 300)
    assert_allclose(got, expected, rtol=RTOL)


def test_btc_price_matching_ai_equalises_margins() -> None:
    # At P*, one MW's mining margin (mining module, PUE 1, no opex) equals the lease's rent per MW-day.
    rate = np.array([80.0, 120.0, 160.0])
    p_star = breakeven.btc_price_matching_ai_usd(rate, 1.0, 0.0, 20, 1.0, 50, 600, 3.125, 0.15)
    hp = mining.hashprice_usd_per_th_day(p_star, 600, 3.125, 0.15)
    margin = mining.mining_margin_usd_per_mw_day(hp, 20, 50)
    assert_allclose(margin, rate * 1000 * 12 / 365, rtol=1e-10)
    # a richer contract needs a higher BTC price to match
    assert np.all(np.diff(p_star) > 0)


def test_btc_price_matching_ai_mines_nothing() -> None:
    # the pool takes everything: no BTC price makes mining match
    assert np.isinf(breakeven.btc_price_matching_ai_usd(100, 1.2, 0, 20, 1.0, 50, 600, 3.125, 0.15, pool_fee_frac=1))


def test_breakeven_input_errors() -> None:
    assert_input_error(lambda: breakeven.breakeven_hashprice_usd_per_th_day(20, -1), "power_price_usd_per_mwh", ">= 0")
    assert_input_error(lambda: breakeven.breakeven_hashprice_usd_per_th_day(0, 50), "efficiency_j_per_th", "> 0")
    assert_input_error(lambda: breakeven.breakeven_hashprice_usd_per_th_day(20, 50, pue_ratio=0.9), "pue_ratio", ">= 1.0")
    assert_input_error(lambda: breakeven.breakeven_power_price_with_opex_usd_per_mwh(0.05, 20, 1, -0.1),
                       "other_opex_usd_per_th_day", ">= 0")
    assert_input_error(lambda: breakeven.btc_price_matching_ai_usd(100, 1.2, float("inf"), 20, 1, 50, 600, 3.125, 0),
                       "ai_host_cost_usd_per_mw_day", "finite")
    assert_input_error(lambda: breakeven.btc_price_matching_ai_usd(100, 1.2, 0, 20, 1, 50, 0, 3.125, 0),
                       "network_hashrate_ehs", "> 0")
