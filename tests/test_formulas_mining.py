"""Miner economics against hand calculations: scalar, 1-D and broadcast 2-D inputs.

Hand arithmetic used throughout: 1 EH/s = 1e6 TH/s; one TH/s at e J/TH draws e W, so it uses
e x 24 / 1e6 MWh a day; one MW of miners at e J/TH is 1e6 / e TH/s.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.errors import InputError
from hashpivot.formulas import mining

RTOL = 1e-12


# --- hashprice -----------------------------------------------------------------------------------


def test_hashprice_usd_per_th_day() -> None:
    # 144 blocks x (3.125 + 0.15) BTC x 64,000 USD / 600e6 TH/s = 0.050304
    assert_allclose(mining.hashprice_usd_per_th_day(64_000, 600, 3.125, 0.15), 0.050304, rtol=RTOL)
    price = np.array([40_000.0, 64_000.0, 100_000.0])
    assert_allclose(
        mining.hashprice_usd_per_th_day(price, 600, 3.125, 0.15), 144 * 3.275 * price / 600e6, rtol=RTOL
    )
    price2 = price.reshape(3, 1)
    network = np.array([500.0, 600.0, 700.0, 800.0])
    out = mining.hashprice_usd_per_th_day(price2, network, 3.125, 0.15, 140.0)
    assert out.shape == (3, 4)
    assert_allclose(out, 140 * 3.275 * price2 / (network * 1e6), rtol=RTOL)


def test_hashprice_from_daily_totals() -> None:
    # (906.25 + 107.17) BTC x 63,510.15 USD / 622.7e6 TH/s
    assert_allclose(
        mining.hashprice_from_daily_totals(63_510.15, 622.7, 906.25, 107.17),
        1013.42 * 63_510.15 / 622.7e6,
        rtol=RTOL,
    )
    fees = np.array([10.0, 50.0, 107.17])
    assert_allclose(
        mining.hashprice_from_daily_totals(60_000, 600, 450.0, fees),
        (450.0 + fees) * 60_000 / 600e6,
        rtol=RTOL,
    )
    price = np.array([[50_000.0], [60_000.0], [70_000.0]])
    network = np.array([550.0, 600.0, 650.0, 700.0])
    out = mining.hashprice_from_daily_totals(price, network, 450.0, 20.0)
    assert out.shape == (3, 4)
    assert_allclose(out, 470.0 * price / (network * 1e6), rtol=RTOL)


def test_hashprice_usd_per_ph_day() -> None:
    assert_allclose(mining.hashprice_usd_per_ph_day(0.055), 55.0, rtol=RTOL)
    hp = np.array([0.04, 0.05, 0.06])
    assert_allclose(mining.hashprice_usd_per_ph_day(hp), hp * 1000, rtol=RTOL)
    hp2 = np.array([[0.04], [0.05], [0.06]]) * np.array([1.0, 1.5, 2.0, 2.5])
    assert_allclose(mining.hashprice_usd_per_ph_day(hp2), hp2 * 1000, rtol=RTOL)


# --- production and revenue ----------------------------------------------------------------------


def test_btc_mined_per_day() -> None:
    # 0.95 x (10 / 600) x 144 x (3.125 + 0.15) x (1 - 0.02) = 0.95 x 2.4 x 3.275 x 0.98 = 7.31766
    assert_allclose(mining.btc_mined_per_day(10, 600, 144, 3.125, 0.15, 0.95, 0.02), 7.31766, rtol=RTOL)
    # defaults: full uptime, no pool fee: 10/600 x 144 x 3.275 = 7.86
    assert_allclose(mining.btc_mined_per_day(10, 600, 144, 3.125, 0.15), 7.86, rtol=RTOL)
    h = np.array([5.0, 10.0, 20.0])
    assert_allclose(
        mining.btc_mined_per_day(h, 600, 144, 3.125, 0.15, 0.95, 0.02),
        0.95 * h / 600 * 144 * 3.275 * 0.98,
        rtol=RTOL,
    )
    uptime = np.array([[0.9], [0.95], [1.0]])
    network = np.array([500.0, 600.0, 700.0, 800.0])
    out = mining.btc_mined_per_day(10, network, 144, 3.125, 0.15, uptime, 0.02)
    assert out.shape == (3, 4)
    assert_allclose(out, uptime * 10 / network * 144 * 3.275 * 0.98, rtol=RTOL)


def test_btc_mined_whole_network_mines_every_block() -> None:
    # the whole network at full uptime mines all 144 x 3.275 BTC
    assert_allclose(mining.btc_mined_per_day(600, 600, 144, 3.125, 0.15), 144 * 3.275, rtol=RTOL)


def test_mining_revenue_usd_per_day() -> None:
    # 10 EH/s = 10e6 TH/s x 0.05 USD/TH/day x 0.95 x 0.98 = 465,500
    assert_allclose(mining.mining_revenue_usd_per_day(10, 0.05, 0.95, 0.02), 465_500.0, rtol=RTOL)
    hp = np.array([0.03, 0.05, 0.07])
    assert_allclose(mining.mining_revenue_usd_per_day(10, hp), 10e6 * hp, rtol=RTOL)
    h = np.array([[1.0], [10.0], [30.0]])
    pool = np.array([0.0, 0.01, 0.02, 0.03])
    out = mining.mining_revenue_usd_per_day(h, 0.05, 1.0, pool)
    assert out.shape == (3, 4)
    assert_allclose(out, h * 1e6 * 0.05 * (1 - pool), rtol=RTOL)


def test_revenue_from_hashprice_equals_btc_mined_times_price() -> None:
    price = np.array([[40_000.0], [64_000.0], [90_000.0]])
    network = np.array([500.0, 600.0, 700.0, 800.0])
    hp = mining.hashprice_usd_per_th_day(price, network, 3.125, 0.15, 144)
    by_hashprice = mining.mining_revenue_usd_per_day(12.0, hp, 0.97, 0.015)
    by_btc = mining.btc_mined_per_day(12.0, network, 144, 3.125, 0.15, 0.97, 0.015) * price
    assert_allclose(by_hashprice, by_btc, rtol=RTOL)


# --- break-evens ---------------------------------------------------------------------------------


def test_breakeven_power_price_usd_per_mwh() -> None:
    # 1 TH/s at 20 J/TH uses 20 x 24 / 1e6 = 0.00048 MWh/day; 0.05 USD / 0.00048 MWh = 104.1666...
    assert_allclose(mining.breakeven_power_price_usd_per_mwh(0.05, 20), 0.05 / 0.00048, rtol=RTOL)
    assert_allclose(mining.breakeven_power_price_usd_per_mwh(0.05, 20), 104.16666666666667, rtol=RTOL)
    eff = np.array([15.0, 20.0, 30.0])
    assert_allclose(
        mining.breakeven_power_price_usd_per_mwh(0.05, eff, 0.02),
        0.05 * 0.98 / (eff * 24 / 1e6),
        rtol=RTOL,
    )
    hp = np.array([[0.03], [0.05], [0.07]])
    eff4 = np.array([12.0, 17.5, 21.5, 30.0])
    out = mining.breakeven_power_price_usd_per_mwh(hp, eff4)
    assert out.shape == (3, 4)
    assert_allclose(out, hp / (eff4 * 24 / 1e6), rtol=RTOL)


def test_breakeven_btc_price_usd() -> None:
    # 10 EH/s x 20 J/TH = 200 MW; 200 x 24 x 50 = 240,000 USD/day; mined 10/600 x 144 x 3.275 = 7.86 BTC
    assert_allclose(
        mining.breakeven_btc_price_usd(10, 20, 50, 600, 3.125, 0.15), 240_000 / 7.86, rtol=RTOL
    )
    # with uptime 0.9, pool fee 2 % and 30,000 USD/day fixed opex (paid even when down)
    assert_allclose(
        mining.breakeven_btc_price_usd(10, 20, 50, 600, 3.125, 0.15, 144, 0.9, 0.02, 30_000),
        (200 * 24 * 0.9 * 50 + 30_000) / (0.9 * 10 / 600 * 144 * 3.275 * 0.98),
        rtol=RTOL,
    )
    power = np.array([30.0, 50.0, 70.0])
    assert_allclose(
        mining.breakeven_btc_price_usd(10, 20, power, 600, 3.125, 0.15),
        200 * 24 * power / 7.86,
        rtol=RTOL,
    )
    eff = np.array([[15.0], [20.0], [25.0]])
    network = np.array([500.0, 600.0, 700.0, 800.0])
    out = mining.breakeven_btc_price_usd(5, eff, 45, network, 3.125, 0.2)
    assert out.shape == (3, 4)
    assert_allclose(out, 5 * eff * 24 * 45 / (5 / network * 144 * 3.325), rtol=RTOL)


def test_breakeven_btc_price_edges() -> None:
    # nothing mined (uptime 0) but fixed opex: no price breaks even
    assert mining.breakeven_btc_price_usd(10, 20, 50, 600, 3.125, 0.15, 144, 0.0, 0.0, 1000.0) == np.inf
    # no costs at all: any price breaks even, the least is 0
    assert mining.breakeven_btc_price_usd(10, 20, 0.0, 600, 3.125, 0.15) == 0.0
    assert mining.breakeven_btc_price_usd(10, 20, 0.0, 600, 3.125, 0.15, 144, 0.0) == 0.0


def test_breakeven_btc_price_makes_revenue_equal_cost() -> None:
    p = mining.breakeven_btc_price_usd(8, 18, 55, 650, 3.125, 0.1, 144, 0.93, 0.01, 12_000)
    revenue = mining.btc_mined_per_day(8, 650, 144, 3.125, 0.1, 0.93, 0.01) * p
    cost = 8 * 18 * 24 * 0.93 * 55 + 12_000
    assert_allclose(revenue, cost, rtol=RTOL)


# --- margins -------------------------------------------------------------------------------------


def test_mining_margin_usd_per_mw_day() -> None:
    # 1 MW at 20 J/TH = 50,000 TH/s x 0.05 = 2,500 USD; energy 24 MWh x 50 = 1,200 USD
    assert_allclose(mining.mining_margin_usd_per_mw_day(0.05, 20, 50), 2_500 - 1_200, rtol=RTOL)
    assert_allclose(
        mining.mining_margin_usd_per_mw_day(0.05, 20, 50, 0.9, 0.02),
        0.9 * (2_500 * 0.98 - 1_200),
        rtol=RTOL,
    )
    power = np.array([20.0, 50.0, 120.0])
    assert_allclose(
        mining.mining_margin_usd_per_mw_day(0.05, 20, power), 0.05 * 1e6 / 20 - 24 * power, rtol=RTOL
    )
    hp = np.array([[0.03], [0.05], [0.07]])
    eff = np.array([12.0, 17.5, 21.5, 30.0])
    out = mining.mining_margin_usd_per_mw_day(hp, eff, 60.0, 0.95)
    assert out.shape == (3, 4)
    assert_allclose(out, 0.95 * (hp * 1e6 / eff - 24 * 60.0), rtol=RTOL)


def test_mining_margin_ratio() -> None:
    # 1 - 1,200 / 2,500 = 0.52
    assert_allclose(mining.mining_margin_ratio(0.05, 20, 50), 0.52, rtol=RTOL)
    power = np.array([20.0, 50.0, 120.0])
    assert_allclose(mining.mining_margin_ratio(0.05, 20, power), 1 - 24 * power / 2_500, rtol=RTOL)
    hp = np.array([[0.03], [0.05], [0.07]])
    pool = np.array([0.0, 0.01, 0.02, 0.03])
    out = mining.mining_margin_ratio(hp, 20, 50, pool)
    assert out.shape == (3, 4)
    revenue = hp * (1 - pool) * 1e6 / 20
    assert_allclose(out, (revenue - 1_200) / revenue, rtol=RTOL)


def test_mining_margin_ratio_without_revenue() -> None:
    assert mining.mining_margin_ratio(0.05, 20, 50, 1.0) == -np.inf
    assert np.isnan(mining.mining_margin_ratio(0.05, 20, 0.0, 1.0))


def test_margin_is_zero_at_breakeven_power_price() -> None:
    hp = np.array([[0.03], [0.05], [0.07]])
    eff = np.array([12.0, 17.5, 21.5, 30.0])
    be = mining.breakeven_power_price_usd_per_mwh(hp, eff, 0.02)
    assert_allclose(mining.mining_margin_usd_per_mw_day(hp, eff, be, 0.9, 0.02), 0.0, atol=1e-9)
    assert_allclose(mining.mining_margin_ratio(hp, eff, be, 0.02), 0.0, atol=1e-12)


@given(
    hashprice=st.floats(0.0, 1.0),
    efficiency=st.floats(5.0, 150.0),
    p1=st.floats(0.0, 500.0),
    p2=st.floats(0.0, 500.0),
    uptime=st.floats(0.0, 1.0),
)
def test_margin_never_rises_with_power_price(hashprice, efficiency, p1, p2, uptime) -> None:
    low, high = min(p1, p2), max(p1, p2)
    m_low = mining.mining_margin_usd_per_mw_day(hashprice, efficiency, low, uptime)
    m_high = mining.mining_margin_usd_per_mw_day(hashprice, efficiency, high, uptime)
    assert m_high <= m_low


# --- validation and purity -----------------------------------------------------------------------

GOOD_MINED = dict(
    hashrate_ehs=10.0,
    network_hashrate_ehs=600.0,
    blocks_per_day=144.0,
    subsidy_btc=3.125,
    fees_btc_per_block=0.15,
    uptime_frac=0.95,
    pool_fee_frac=0.02,
)
GOOD_MARGIN = dict(hashprice_usd_per_th_day=0.05, efficiency_j_per_th=20.0, power_price_usd_per_mwh=50.0)


@pytest.mark.parametrize(
    ("func", "good", "name", "bad", "allowed"),
    [
        (mining.btc_mined_per_day, GOOD_MINED, "hashrate_ehs", -1.0, ">= 0"),
        (mining.btc_mined_per_day, GOOD_MINED, "hashrate_ehs", 601.0, "<= network_hashrate_ehs"),
        (mining.btc_mined_per_day, GOOD_MINED, "network_hashrate_ehs", 0.0, "> 0"),
        (mining.btc_mined_per_day, GOOD_MINED, "uptime_frac", 1.01, "[0, 1]"),
        (mining.btc_mined_per_day, GOOD_MINED, "pool_fee_frac", -0.01, "[0, 1]"),
        (mining.btc_mined_per_day, GOOD_MINED, "subsidy_btc", np.nan, "not NaN"),
        (mining.btc_mined_per_day, GOOD_MINED, "blocks_per_day", [144.0, -1.0], ">= 0"),
        (mining.mining_margin_usd_per_mw_day, GOOD_MARGIN, "efficiency_j_per_th", 0.0, "> 0"),
        (mining.mining_margin_usd_per_mw_day, GOOD_MARGIN, "power_price_usd_per_mwh", -5.0, ">= 0"),
        (
            mining.mining_margin_usd_per_mw_day,
            GOOD_MARGIN,
            "hashprice_usd_per_th_day",
            np.nan,
            "not NaN",
        ),
        (mining.mining_margin_ratio, GOOD_MARGIN, "hashprice_usd_per_th_day", 0.0, "> 0"),
        (mining.mining_margin_ratio, GOOD_MARGIN, "efficiency_j_per_th", -20.0, "> 0"),
        (
            mining.hashprice_usd_per_th_day,
            dict(
                btc_price_usd=1.0, network_hashrate_ehs=600.0, subsidy_btc=3.125, fees_btc_per_block=0.1
            ),
            "network_hashrate_ehs",
            -600.0,
            "> 0",
        ),
    ],
)
def test_bad_inputs_name_argument_and_range(func, good, name, bad, allowed) -> None:
    assert_input_error(lambda: func(**{**good, name: bad}), name, allowed)


def test_breakeven_functions_validate() -> None:
    with pytest.raises(InputError, match=r"efficiency_j_per_th=0\.0 .*> 0"):
        mining.breakeven_power_price_usd_per_mwh(0.05, 0.0)
    with pytest.raises(InputError, match=r"pool_fee_frac=1\.5 .*\[0, 1\]"):
        mining.breakeven_power_price_usd_per_mwh(0.05, 20.0, 1.5)
    with pytest.raises(InputError, match=r"hashrate_ehs=-1\.0 .*>= 0"):
        mining.breakeven_btc_price_usd(-1.0, 20, 50, 600, 3.125, 0.15)
    with pytest.raises(InputError, match=r"fixed_opex_usd_per_day=-1\.0 .*>= 0"):
        mining.breakeven_btc_price_usd(1.0, 20, 50, 600, 3.125, 0.15, fixed_opex_usd_per_day=-1.0)


def test_formulas_do_not_mutate_inputs() -> None:
    h = np.array([5.0, 10.0, 20.0])
    net = np.array([600.0, 620.0, 640.0])
    hp = np.array([0.03, 0.05, 0.07])
    eff = np.array([15.0, 20.0, 25.0])
    price = np.array([30.0, 50.0, 70.0])
    up = np.array([0.9, 0.95, 1.0])
    arrays = (h, net, hp, eff, price, up)
    copies = [a.copy() for a in arrays]
    mining.btc_mined_per_day(h, net, 144.0, 3.125, 0.15, up, 0.02)
    mining.mining_revenue_usd_per_day(h, hp, up)
    mining.breakeven_power_price_usd_per_mwh(hp, eff)
    mining.breakeven_btc_price_usd(h, eff, price, net, 3.125, 0.15, 144.0, up)
    mining.mining_margin_usd_per_mw_day(hp, eff, price, up)
    mining.mining_margin_ratio(hp, eff, price)
    mining.hashprice_usd_per_th_day(price, net, 3.125, 0.15)
    for a, c in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, c)
