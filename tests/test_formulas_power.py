"""Power and energy formulas against hand calculations: scalar, 1-D and broadcast 2-D inputs.

Hand arithmetic: 1 EH/s = 1e6 TH/s; e J/TH = e W per TH/s; 1 MW = 1e6 W; a day is 24 h.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from formula_helpers import assert_input_error
from hashpivot.formulas import power

RTOL = 1e-12


def test_mining_power_mw() -> None:
    # 1 EH/s at 20 J/TH: 1e6 TH/s x 20 W = 20e6 W = 20 MW
    assert_allclose(power.mining_power_mw(1, 20), 20.0, rtol=RTOL)
    h = np.array([1.0, 5.5, 30.0])
    assert_allclose(power.mining_power_mw(h, 17.5), h * 1e6 * 17.5 / 1e6, rtol=RTOL)
    h2 = np.array([[1.0], [5.5], [30.0]])
    eff = np.array([12.0, 17.5, 21.5, 30.0])
    out = power.mining_power_mw(h2, eff)
    assert out.shape == (3, 4)
    assert_allclose(out, h2 * 1e6 * eff / 1e6, rtol=RTOL)


def test_mining_power_mw_from_ths() -> None:
    # one 200 TH/s unit at 17.5 J/TH: 3,500 W = 0.0035 MW
    assert_allclose(power.mining_power_mw_from_ths(200, 17.5), 0.0035, rtol=RTOL)
    h = np.array([100.0, 200.0, 335.0])
    assert_allclose(power.mining_power_mw_from_ths(h, 16.0), h * 16.0 / 1e6, rtol=RTOL)
    h2 = h.reshape(3, 1)
    eff = np.array([12.0, 17.5, 21.5, 30.0])
    out = power.mining_power_mw_from_ths(h2, eff)
    assert out.shape == (3, 4)
    assert_allclose(out, h2 * eff / 1e6, rtol=RTOL)


def test_hashrate_ehs_from_power_mw() -> None:
    # 100 MW = 1e8 W at 20 W per TH/s = 5e6 TH/s = 5 EH/s
    assert_allclose(power.hashrate_ehs_from_power_mw(100, 20), 5.0, rtol=RTOL)
    p = np.array([20.0, 100.0, 300.0])
    assert_allclose(power.hashrate_ehs_from_power_mw(p, 20), p * 1e6 / 20 / 1e6, rtol=RTOL)
    p2 = p.reshape(3, 1)
    eff = np.array([12.0, 17.5, 21.5, 30.0])
    out = power.hashrate_ehs_from_power_mw(p2, eff)
    assert out.shape == (3, 4)
    assert_allclose(out, p2 * 1e6 / eff / 1e6, rtol=RTOL)


def test_hashrate_ths_from_power_mw() -> None:
    # 1 MW = 1e6 W at 20 W per TH/s = 50,000 TH/s
    assert_allclose(power.hashrate_ths_from_power_mw(1, 20), 50_000.0, rtol=RTOL)
    p = np.array([0.5, 1.0, 2.0])
    assert_allclose(power.hashrate_ths_from_power_mw(p, 25), p * 1e6 / 25, rtol=RTOL)
    p2 = p.reshape(3, 1)
    eff = np.array([12.0, 17.5, 21.5, 30.0])
    out = power.hashrate_ths_from_power_mw(p2, eff)
    assert out.shape == (3, 4)
    assert_allclose(out, p2 * 1e6 / eff, rtol=RTOL)


def test_power_and_hashrate_round_trip() -> None:
    h = np.array([[1.0], [5.5], [30.0]])
    eff = np.array([12.0, 17.5, 21.5, 30.0])
    assert_allclose(
        power.hashrate_ehs_from_power_mw(power.mining_power_mw(h, eff), eff), h + 0 * eff, rtol=RTOL
    )


def test_energy_mwh_per_day() -> None:
    # 100 MW x 24 h x 0.95 = 2,280 MWh
    assert_allclose(power.energy_mwh_per_day(100, 0.95), 2_280.0, rtol=RTOL)
    assert_allclose(power.energy_mwh_per_day(100), 2_400.0, rtol=RTOL)
    p = np.array([10.0, 100.0, 250.0])
    assert_allclose(power.energy_mwh_per_day(p, 0.9), p * 24 * 0.9, rtol=RTOL)
    p2 = p.reshape(3, 1)
    up = np.array([0.0, 0.5, 0.9, 1.0])
    out = power.energy_mwh_per_day(p2, up)
    assert out.shape == (3, 4)
    assert_allclose(out, p2 * 24 * up, rtol=RTOL)


def test_energy_cost_usd() -> None:
    # 2,280 MWh x 45 USD/MWh = 102,600 USD
    assert_allclose(power.energy_cost_usd(2_280, 45), 102_600.0, rtol=RTOL)
    e = np.array([100.0, 2_280.0, 4_800.0])
    assert_allclose(power.energy_cost_usd(e, 45), e * 45, rtol=RTOL)
    e2 = e.reshape(3, 1)
    price = np.array([0.0, 30.0, 45.0, 80.0])
    out = power.energy_cost_usd(e2, price)
    assert out.shape == (3, 4)
    assert_allclose(out, e2 * price, rtol=RTOL)


def test_energy_cost_usd_per_day() -> None:
    # 100 MW x 24 h x 0.95 x 45 USD/MWh = 102,600 USD
    assert_allclose(power.energy_cost_usd_per_day(100, 45, 0.95), 102_600.0, rtol=RTOL)
    p = np.array([10.0, 100.0, 250.0])
    assert_allclose(power.energy_cost_usd_per_day(p, 45), p * 24 * 45, rtol=RTOL)
    p2 = p.reshape(3, 1)
    price = np.array([0.0, 30.0, 45.0, 80.0])
    out = power.energy_cost_usd_per_day(p2, price, 0.9)
    assert out.shape == (3, 4)
    assert_allclose(out, p2 * 24 * 0.9 * price, rtol=RTOL)


def test_facility_power_mw() -> None:
    # 200 MW IT x PUE 1.3 = 260 MW from the grid
    assert_allclose(power.facility_power_mw(200, 1.3), 260.0, rtol=RTOL)
    it = np.array([10.0, 100.0, 200.0])
    assert_allclose(power.facility_power_mw(it, 1.05), it * 1.05, rtol=RTOL)
    it2 = it.reshape(3, 1)
    pue = np.array([1.0, 1.1, 1.3, 1.5])
    out = power.facility_power_mw(it2, pue)
    assert out.shape == (3, 4)
    assert_allclose(out, it2 * pue, rtol=RTOL)


def test_it_load_mw_from_facility_power() -> None:
    # 260 MW from the grid / PUE 1.3 = 200 MW IT
    assert_allclose(power.it_load_mw_from_facility_power(260, 1.3), 200.0, rtol=RTOL)
    p = np.array([10.0, 100.0, 260.0])
    assert_allclose(power.it_load_mw_from_facility_power(p, 1.3), p / 1.3, rtol=RTOL)
    p2 = p.reshape(3, 1)
    pue = np.array([1.0, 1.1, 1.3, 1.5])
    out = power.it_load_mw_from_facility_power(p2, pue)
    assert out.shape == (3, 4)
    assert_allclose(out, p2 / pue, rtol=RTOL)


@given(p=st.floats(0.0, 1e4), price=st.floats(0.0, 1e3), up=st.floats(0.0, 1.0))
def test_cost_per_day_equals_energy_times_price(p, price, up) -> None:
    a = power.energy_cost_usd_per_day(p, price, up)
    b = power.energy_cost_usd(power.energy_mwh_per_day(p, up), price)
    assert_allclose(a, b, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("call", "name", "allowed"),
    [
        (lambda: power.mining_power_mw(-1.0, 20.0), "hashrate_ehs", ">= 0"),
        (lambda: power.mining_power_mw(1.0, 0.0), "efficiency_j_per_th", "> 0"),
        (lambda: power.mining_power_mw(np.nan, 20.0), "hashrate_ehs", "not NaN"),
        (lambda: power.mining_power_mw_from_ths([100.0, -1.0], 20.0), "hashrate_ths", ">= 0"),
        (lambda: power.hashrate_ehs_from_power_mw(100.0, 0.0), "efficiency_j_per_th", "> 0"),
        (lambda: power.hashrate_ths_from_power_mw(-1.0, 20.0), "power_mw", ">= 0"),
        (lambda: power.energy_mwh_per_day(100.0, 1.2), "uptime_frac", "[0, 1]"),
        (lambda: power.energy_mwh_per_day(100.0, np.nan), "uptime_frac", "not NaN"),
        (lambda: power.energy_cost_usd(-1.0, 45.0), "energy_mwh", ">= 0"),
        (lambda: power.energy_cost_usd_per_day(100.0, -45.0), "power_price_usd_per_mwh", ">= 0"),
        (lambda: power.facility_power_mw(100.0, 0.9), "pue_ratio", ">= 1"),
        (lambda: power.it_load_mw_from_facility_power(100.0, 0.5), "pue_ratio", ">= 1"),
    ],
)
def test_bad_inputs_name_argument_and_range(call, name: str, allowed: str) -> None:
    assert_input_error(call, name, allowed)


def test_formulas_do_not_mutate_inputs() -> None:
    a = np.array([1.0, 5.0, 30.0])
    b = np.array([12.0, 20.0, 30.0])
    u = np.array([0.5, 0.9, 1.0])
    pue = np.array([1.0, 1.2, 1.4])
    copies = [x.copy() for x in (a, b, u, pue)]
    for f in (
        power.mining_power_mw,
        power.mining_power_mw_from_ths,
        power.hashrate_ehs_from_power_mw,
        power.hashrate_ths_from_power_mw,
        power.energy_cost_usd,
    ):
        f(a, b)
    power.energy_mwh_per_day(a, u)
    power.energy_cost_usd_per_day(a, b, u)
    power.facility_power_mw(a, pue)
    power.it_load_mw_from_facility_power(a, pue)
    for x, c in zip((a, b, u, pue), copies, strict=True):
        np.testing.assert_array_equal(x, c)
