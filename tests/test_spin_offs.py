"""Spin-offs and stakes (issue 13, point 4): on a date named sites move into an entity of which the company keeps a
share (Hut 8 kept 80 % of American Bitcoin). Consolidated figures stay the company's; attributable ones take the other
holders' share of the entity's NAV off; the stake is valued at the entity's NAV or at a stated multiple. Every figure
by hand on two sites of one constant path (test_sites.two_sites)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from hashpivot.cli import app
from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import BTC_PER_DAY_PER_EHS, N_DAYS
from tests.test_sites import two_sites

PRICE_USD = 60_000.0
B_NET_USD_PER_DAY = 3.0 * BTC_PER_DAY_PER_EHS * PRICE_USD - 60.0 * 24 * 30.0  # 140,400 - 43,200 = 97,200


def resale_usd(ehs: float, day: int = N_DAYS) -> float:
    """What ``ehs`` of new (day-0 age 0) units resell for on ``day`` of a constant path: price new 14 USD/TH (the
    schema's default) x (1 - age / 5-year life), hashprice unchanged. [USD]"""
    return ehs * 1e6 * 14.0 * (1.0 - day / 365.0 / 5.0)


B_FLEET_USD = resale_usd(3.0)  # 3e6 TH x 14 x (1 - 120/1825) = 39.24 M USD


def spin(**extra) -> dict:
    """Site b spun off on 2024-05-21 (day 31 of a run from 2024-04-20), the company keeping 80 %."""
    return {"name": "b_co", "on_date": "2024-05-21", "sites": ["b"], "retained_frac": 0.8, **extra}


def run(data: dict):
    return simulate(from_dict(data, "spin-off test"), check_invariants=True).dataset.isel(policy=0, path=0)


def test_the_entity_owns_its_sites_flows_from_the_spin_off_date():
    assert B_NET_USD_PER_DAY == pytest.approx(97_200.0)
    data = two_sites()
    data["company"]["spin_offs"] = [spin()]
    ds = run(data)
    days = N_DAYS - 30  # days 31..120
    entity = ds.sel(entity="b_co")
    assert float(entity["entity_revenue_usd"]) == pytest.approx(days * 3.0 * BTC_PER_DAY_PER_EHS * PRICE_USD, rel=1e-12)
    assert float(entity["entity_opex_usd"]) == pytest.approx(days * 60.0 * 24 * 30.0, rel=1e-12)
    # its NAV: the net cash since the spin-off and what b's fleet would resell for at the horizon (the company's
    # NAV counts its fleets, nav_basis = "with_contracts", the default)
    assert float(entity["entity_fleet_value_usd"]) == pytest.approx(B_FLEET_USD, rel=1e-12)
    assert float(entity["entity_contracted_value_usd"]) == 0.0
    nav = days * B_NET_USD_PER_DAY + B_FLEET_USD
    assert float(entity["entity_nav_usd"]) == pytest.approx(nav, rel=1e-12)
    # the parent's share of the entity's NAV, and the attributable NAV that takes the other 20 % off
    assert float(entity["entity_retained_nav_usd"]) == pytest.approx(0.8 * nav, rel=1e-12)
    assert float(ds["nav_usd"] - ds["attributable_nav_usd"]) == pytest.approx(0.2 * nav, rel=1e-9)
    assert float(entity["entity_stake_usd"]) == float(entity["entity_retained_nav_usd"])


def test_each_site_keeps_its_fleets_resale_value_and_the_balance_sheet_basis_counts_none():
    """a's 5 EH/s and b's 3 EH/s at the horizon, summing to the company's fleet value; at nav_basis =
    "balance_sheet" the entity's NAV is its net cash only, as the company's NAV leaves its fleets out."""
    data = two_sites()
    data["company"]["spin_offs"] = [spin()]
    ds = run(data)
    held = ds["site_fleet_value_usd"]
    assert float(held.sel(site="a")) == pytest.approx(resale_usd(5.0), rel=1e-12)
    assert float(held.sel(site="b")) == pytest.approx(resale_usd(3.0), rel=1e-12)
    assert float(ds["fleet_value_usd"]) == pytest.approx(resale_usd(8.0), rel=1e-12)
    data["company"]["nav_basis"] = "balance_sheet"
    entity = run(data).sel(entity="b_co")
    assert float(entity["entity_fleet_value_usd"]) == pytest.approx(B_FLEET_USD, rel=1e-12)  # still reported
    assert float(entity["entity_nav_usd"]) == pytest.approx((N_DAYS - 30) * B_NET_USD_PER_DAY, rel=1e-12)


def test_consolidated_figures_do_not_move_and_a_spin_off_before_the_start_owns_every_day():
    plain = run(two_sites())
    data = two_sites()
    data["company"]["spin_offs"] = [spin(on_date="2023-01-01")]
    spun = run(data)
    for name in ("nav_usd", "mined_btc", "cash_usd", "mining_revenue_usd"):
        assert float(spun[name]) == float(plain[name]), name
    assert float(spun.sel(entity="b_co")["entity_nav_usd"]) == pytest.approx(N_DAYS * B_NET_USD_PER_DAY + B_FLEET_USD,
                                                                           rel=1e-12)


@pytest.mark.parametrize(("valuation", "size"), [("ev_per_mw", 60.0), ("ev_per_ehs", 3.0)])
def test_a_stake_at_a_multiple_is_the_retained_share_of_the_multiple(valuation, size):
    """At 1 M USD per MW of b's 60 MW, or 20 M USD per EH/s of b's 3 EH/s: 80 % of it."""
    multiple = 1e6 if valuation == "ev_per_mw" else 20e6
    data = two_sites()
    data["company"]["spin_offs"] = [spin(valuation=valuation, multiple_usd=multiple)]
    assert float(run(data).sel(entity="b_co")["entity_stake_usd"]) == pytest.approx(0.8 * multiple * size, rel=1e-12)


def test_a_lease_at_a_spun_off_site_is_the_entitys():
    """25 MW of b leased from day 11 (1 M USD/MW of capex that day): from day 31 its rent is the entity's, its capex
    (paid before) is not; what the lease still pays at the horizon is the entity's, as is the resale value of the
    35 MW of b's fleet still mining."""
    from tests.test_sites import RENT_USD_PER_DAY, lease_on_b

    data = two_sites(kind="hybrid", conversions=[lease_on_b()])
    data["company"]["spin_offs"] = [spin()]
    ds = run(data)
    entity = ds.sel(entity="b_co")
    days = N_DAYS - 30
    mining = days * (35.0 / 60.0) * B_NET_USD_PER_DAY  # 35 of b's 60 MW still mine
    # the company's only contract is at b: all of its remaining value is the entity's
    contracted = float(ds["contracted_value_usd"])
    assert contracted > 0.0
    assert float(entity["entity_contracted_value_usd"]) == pytest.approx(contracted, rel=1e-12)
    assert float(entity["entity_fleet_value_usd"]) == pytest.approx(35.0 / 60.0 * B_FLEET_USD, rel=1e-12)
    assert float(entity["entity_nav_usd"]) == pytest.approx(
        mining + days * RENT_USD_PER_DAY * 0.9 + 35.0 / 60.0 * B_FLEET_USD + contracted, rel=1e-9)
    assert float(entity["entity_capex_usd"]) == 0.0


def test_bad_spin_offs_are_refused_naming_the_field(tmp_path):
    import tomli_w

    cases = [
        (spin(retained_frac=1.2), ("retained_frac", "1.2")),
        (spin(sites=["c"]), ("company.spin_offs.b_co.sites", "'c'", "a site of the company")),
        (spin(valuation="ev_per_mw"), ("multiple_usd is missing",)),
        (spin(on_date="2030-01-01"), ("on_date=2030-01-01", "after the horizon")),
    ]
    for i, (bad, words) in enumerate(cases):
        data = two_sites()
        data["company"]["spin_offs"] = [bad]
        path = tmp_path / f"{i}.toml"
        path.write_text(tomli_w.dumps(data))
        assert_bad_input(CliRunner().invoke(app, ["run", str(path), "--no-store"]), *words)
    data = two_sites()
    data["company"]["spin_offs"] = [spin(), spin(name="again")]
    path = tmp_path / "twice.toml"
    path.write_text(tomli_w.dumps(data))
    assert_bad_input(CliRunner().invoke(app, ["run", str(path), "--no-store"]), "already spun off into 'b_co'")


def test_spin_offs_keep_btc_and_cash_conserved_on_random_paths():
    data = two_sites()
    data["company"]["spin_offs"] = [spin()]
    data["market"]["btc_price"]["vol_per_sqrt_day"] = 0.05
    data["run"]["n_paths"] = 30
    ds = simulate(from_dict(data, "spin-off test"), check_invariants=True).dataset.isel(policy=0)
    assert np.all(np.isfinite(ds["entity_nav_usd"].values)) and np.all(np.isfinite(ds["attributable_nav_usd"].values))


def test_the_cli_and_the_report_show_the_spin_off(tmp_path):
    import json

    from hashpivot.scenarios.toml import to_toml

    data = two_sites()
    data["company"]["spin_offs"] = [spin()]
    path = tmp_path / "spin.toml"
    path.write_text(to_toml(from_dict(data, "spin-off test")))
    out = CliRunner().invoke(app, ["run", str(path), "--no-store", "--out", str(tmp_path / "r")], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert "Spin-offs" in out.stdout and "b_co" in out.stdout
    page = (tmp_path / "r" / "report.html").read_text()
    assert '<section id="spin-offs">' in page
    got = json.loads(CliRunner().invoke(app, ["run", str(path), "--no-store", "--json"]).stdout)
    row = got["spin_offs"][0]
    assert row["entity_nav_usd_p50"] == pytest.approx((N_DAYS - 30) * B_NET_USD_PER_DAY + B_FLEET_USD, rel=1e-12)
    assert row["nav_usd_p50"] - row["attributable_nav_usd_p50"] == pytest.approx(0.2 * row["entity_nav_usd_p50"],
                                                                             rel=1e-9)
