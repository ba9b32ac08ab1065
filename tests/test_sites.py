"""Sites as first-class results (issue 13, point 3): a conversion targets a named site; each site's revenue, costs,
MW-days and margin per MW are reported, and they sum to the company's. Two sites on one constant path, every
figure by hand: 144 blocks a day of 3.25 BTC over 600 EH/s, 60,000 USD per BTC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from hashpivot.analysis.sites import site_frame
from hashpivot.cli import app
from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict, to_toml
from tests.test_capacity import BTC_PER_DAY_PER_EHS, N_DAYS, base

PRICE_USD = 60_000.0
RENT_USD_PER_DAY = 25 * 1000 * 120.0 * 12 / 365  # 25 MW of IT load at 120 USD/kW-month


def two_sites(**capacity) -> dict:
    """Site a: 5 EH/s at 20 J/TH (100 MW) on 40 USD/MWh; site b: 3 EH/s at 20 J/TH (60 MW) on 30 USD/MWh."""
    data = base()
    data["company"]["sites"] = [{"name": "a", "power_mw": 100.0, "power_price_usd_per_mwh": 40.0},
                                {"name": "b", "power_mw": 60.0, "power_price_usd_per_mwh": 30.0}]
    data["company"]["fleets"] = [
        {"name": "fa", "site": "a", "hashrate_ehs": 5.0, "efficiency_j_per_th": 20.0, "uptime_frac": 1.0,
         "pool_fee_frac": 0.0},
        # equally efficient: a conversion naming no site takes the first fleet's (a's) MW first
        {"name": "fb", "site": "b", "hashrate_ehs": 3.0, "efficiency_j_per_th": 20.0, "uptime_frac": 1.0,
         "pool_fee_frac": 0.0}]
    if capacity:
        data["policy"]["capacity"] = capacity
    return data


def lease_on_b(site: str | None = "b") -> dict:
    step = {"kind": "convert_on_day", "day": 11, "mw": 25.0,
            "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 120.0, "term_years": 5.0,
                        "opex_frac_of_revenue": 0.1, "capex_usd_per_mw": 1e6}}
    return step | ({"site": site} if site else {})


def run(data: dict):
    return simulate(from_dict(data, "sites test"), check_invariants=True)


def test_each_site_earns_what_its_fleets_mine_at_its_power_price():
    result = run(two_sites())
    frame = site_frame(result).set_index("site")
    for site, ehs, mw, price in (("a", 5.0, 100.0, 40.0), ("b", 3.0, 60.0, 30.0)):
        row = frame.loc[site]
        assert row["mined_btc"] == pytest.approx(N_DAYS * ehs * BTC_PER_DAY_PER_EHS, rel=1e-12)
        assert row["mining_revenue_usd"] == pytest.approx(N_DAYS * ehs * BTC_PER_DAY_PER_EHS * PRICE_USD, rel=1e-12)
        assert row["mining_opex_usd"] == pytest.approx(N_DAYS * mw * 24 * price, rel=1e-12)
        assert row["mining_mw_days"] == pytest.approx(N_DAYS * mw, rel=1e-12)
        margin = ehs * BTC_PER_DAY_PER_EHS * PRICE_USD - mw * 24 * price
        assert row["mining_margin_usd_per_mw_day"] == pytest.approx(margin / mw, rel=1e-12)
    # 0.78 BTC per EH/s-day x 60,000 USD = 46,800 USD per EH/s-day; a's MW cost 960 USD a day, b's 720
    assert frame.loc["a", "mining_margin_usd_per_mw_day"] == pytest.approx(46_800 * 5 / 100 - 960, rel=1e-12)
    assert frame.loc["b", "mining_margin_usd_per_mw_day"] == pytest.approx(46_800 * 3 / 60 - 720, rel=1e-12)


def test_a_conversion_that_names_a_site_takes_that_sites_mw_and_counts_there():
    """25 MW of b leased from day 11 (capex 1 M USD/MW paid that day, rent from day 11): b mines with 35 MW from
    then; a is untouched."""
    result = run(two_sites(kind="hybrid", conversions=[lease_on_b()]))
    frame = site_frame(result).set_index("site")
    a, b = frame.loc["a"], frame.loc["b"]
    assert a["mining_mw_days"] == pytest.approx(N_DAYS * 100.0, rel=1e-12)
    assert a["ai_mw_days"] == 0.0 and a["ai_capex_usd"] == 0.0
    b_mw_days = 10 * 60.0 + (N_DAYS - 10) * 35.0
    assert b["mining_mw_days"] == pytest.approx(b_mw_days, rel=1e-12)
    assert b["mining_opex_usd"] == pytest.approx(b_mw_days * 24 * 30.0, rel=1e-12)
    assert b["ai_capex_usd"] == pytest.approx(25e6, rel=1e-12)
    assert b["ai_mw_days"] == pytest.approx((N_DAYS - 10) * 25.0, rel=1e-12)
    assert b["ai_revenue_usd"] == pytest.approx((N_DAYS - 10) * RENT_USD_PER_DAY, rel=1e-12)
    assert b["ai_opex_usd"] == pytest.approx((N_DAYS - 10) * RENT_USD_PER_DAY * 0.1, rel=1e-12)
    assert b["ai_margin_usd_per_mw_day"] == pytest.approx(RENT_USD_PER_DAY * 0.9 / 25.0, rel=1e-12)


def test_without_a_site_the_conversion_takes_the_least_efficient_fleet_wherever_it_is():
    data = two_sites(kind="hybrid", conversions=[lease_on_b(site=None)])
    data["company"]["fleets"][0]["efficiency_j_per_th"] = 19.0  # a's fleet is now the more efficient one
    data["company"]["sites"][0]["power_mw"] = 100.0
    frame = site_frame(run(data)).set_index("site")
    assert frame.loc["b", "ai_mw_days"] == pytest.approx((N_DAYS - 10) * 25.0, rel=1e-12)
    assert frame.loc["a", "ai_mw_days"] == 0.0


@pytest.mark.parametrize("capacity", [{}, {"kind": "hybrid", "conversions": [lease_on_b()]}])
def test_the_sites_sum_to_the_company(capacity):
    """On every path of a random market, and with shutdown on (the default), each flow summed over the sites is the
    company's segment total."""
    data = two_sites(**capacity)
    data["market"]["btc_price"]["vol_per_sqrt_day"] = 0.04
    data["market"]["network_hashrate"]["vol_per_sqrt_day"] = 0.02
    data["run"]["n_paths"] = 40
    ds = run(data).dataset.isel(policy=0)
    pairs = {"mined_btc": "mined_btc", "mining_revenue_usd": "mining_revenue_usd", "mining_opex_usd": "mining_opex_usd",
             "mining_mw_days": "mining_mw_days", "mining_capex_usd": "mining_capex_usd"}
    for site_name, total in pairs.items():
        np.testing.assert_allclose(ds[f"site_{site_name}"].sum("site").values, ds[total].values, rtol=1e-12,
                                   err_msg=site_name)
    for f in ("revenue_usd", "opex_usd", "capex_usd", "mw_days"):
        company = sum(ds[f"{seg}_{f}"].values for seg in ("colocation_lease", "site_lease", "gpu_cloud"))
        np.testing.assert_allclose(ds[f"site_ai_{f}"].sum("site").values, company, rtol=1e-12, atol=1e-6, err_msg=f)


def test_a_company_of_one_site_reports_its_segments_as_the_site():
    ds = run(base()).dataset.isel(policy=0)
    assert list(ds["site"].values) == ["s"]
    np.testing.assert_array_equal(ds["site_mining_revenue_usd"].sel(site="s").values, ds["mining_revenue_usd"].values)


def test_the_run_command_prints_a_table_per_site(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text(to_toml(from_dict(two_sites(kind="hybrid", conversions=[lease_on_b()]), "sites test")))
    out = CliRunner().invoke(app, ["run", str(path), "--no-store"], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert "By site" in out.stdout
    lines = [line for line in out.stdout.splitlines() if line.startswith("│")]
    assert any(line.split("│")[2].strip() == "b" for line in lines)
    import json

    got = json.loads(CliRunner().invoke(app, ["run", str(path), "--no-store", "--json"]).stdout)
    b = next(r for r in got["sites"] if r["site"] == "b")
    assert b["ai_capex_usd"] == pytest.approx(25e6, rel=1e-12)


def test_a_conversion_on_a_site_that_does_not_exist_or_is_too_small_is_refused(tmp_path):
    import tomli_w

    for site, mw, words in (("c", 25.0, ("site='c'", "allowed: a site of the company")),
                            ("b", 61.0, ("61 MW of site 'b'", "at most its mining MW (60)"))):
        step = lease_on_b(site) | {"mw": mw}
        path = tmp_path / f"{site}.toml"
        path.write_text(tomli_w.dumps(two_sites(kind="hybrid", conversions=[step])))
        assert_bad_input(CliRunner().invoke(app, ["run", str(path), "--no-store"]), *words)



def test_a_step_naming_a_site_whose_mw_a_step_before_it_took_is_refused(tmp_path):
    """b's fleet made the less efficient (2 EH/s at 30 J/TH, still 60 MW): a first step naming no site takes b's 60
    MW and 40 of a's, so a second step naming b finds none left; each site's total alone (60 of 60) would pass. The
    engine would otherwise lease 60 MW that still mine (220 MW on a 160 MW grid)."""
    import tomli_w

    data = two_sites(kind="hybrid", conversions=[lease_on_b(None) | {"mw": 100.0}, lease_on_b("b") | {"mw": 60.0}])
    data["company"]["fleets"][1].update(hashrate_ehs=2.0, efficiency_j_per_th=30.0)
    path = tmp_path / "twice.toml"
    path.write_text(tomli_w.dumps(data))
    assert_bad_input(CliRunner().invoke(app, ["run", str(path), "--no-store"]),
                     "step 2 converts 60 MW of site 'b' but only 0 MW of it still mine", "allowed: at most that")
    data["policy"]["capacity"]["conversions"][1]["site"] = "a"  # a's 60 MW left: accepted, and nothing mines twice
    ds = run(data).dataset.isel(policy=0, path=0)
    assert float(ds["mining_mw_days"]) == pytest.approx(10 * 160.0, rel=1e-12)  # days 1-10 only


def test_the_report_has_a_section_by_site_and_the_value_section(tmp_path):
    from hashpivot.report.sim_report import write_report

    result = run(two_sites(kind="hybrid", conversions=[lease_on_b()]))
    page = write_report(result, tmp_path / "r.html").read_text()
    assert '<section id="sites">' in page and '<section id="value">' in page
    b = site_frame(result).set_index("site").loc["b"]
    from hashpivot.format import fmt_usd

    assert fmt_usd(b["ai_capex_usd"]) == "25.0 M" and f"<td class=\"num\">{fmt_usd(b['capex_usd'])}</td>" in page


def test_by_site_rows_of_several_policies_keep_their_policy_in_80_columns():
    """In 80 columns the site table drops figures, never the policy of a row of several policies (a row without
    it could be any policy's): a long label wraps at its spaces and a rule parts one policy's rows from the next."""
    import io

    from rich.console import Console

    from hashpivot.cli.simulate import print_sites
    from hashpivot.report.company import SITE_HEADERS

    policies = ["corsicana_site_lease / sell_monthly_production", "all_mining / hold_all"]
    frame = pd.DataFrame(
        [{"policy": p, "site": s, "revenue_usd": 1e9, "opex_usd": 4e8, "capex_usd": 0.0, "margin_usd": 6e8,
          "mining_margin_usd_per_mw_day": 733.0, "ai_margin_usd_per_mw_day": float("nan"),
          "mining_mw_days": 1000.0, "ai_mw_days": 0.0} for p in policies for s in ("rockdale", "corsicana")])
    assert list(frame.columns)[:2] == SITE_HEADERS[:2]
    out = io.StringIO()
    print_sites(Console(width=80, file=out, highlight=False), frame, wide=False)
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    body = [line for line in lines if line.startswith("│")]
    assert body[0].split("│")[1].split() == ["corsicana_site_lease", "/"]   # wrapped at its space
    assert body[1].split("│")[1].split() == ["sell_monthly_production"]
    assert body[1].split("│")[2].strip() == ""                               # the label's second line
    assert [line.split("│")[2].strip() for line in body if line.split("│")[2].strip()] == [
        "rockdale", "corsicana", "rockdale", "corsicana"]
    assert sum(line.startswith("├") for line in lines) == 1                 # one rule between the two policies
    assert "not shown at this width:" in out.getvalue() and "policy" not in out.getvalue().split("not shown")[1]
    # one policy: no rule to draw; its label wraps as well rather than push a figure out
    one = io.StringIO()
    print_sites(Console(width=80, file=one, highlight=False), frame[frame.policy == policies[0]], wide=False)
    assert all(len(line) <= 80 for line in one.getvalue().splitlines())
    assert not any(line.startswith("├") for line in one.getvalue().splitlines())
    assert one.getvalue().split("not shown")[1] == out.getvalue().split("not shown")[1]
