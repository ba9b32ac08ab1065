"""``hashpivot deal``: a lease deal's terms against a hand calculation (issue 14, point 5), and the AI presets'
lease rates against the deals they come from."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_bad_input
from typer.testing import CliRunner

from hashpivot.cli import app
from hashpivot.scenarios.toml import load_preset


def test_core_scientific_deal_by_hand():
    out = CliRunner().invoke(app, ["deal", "--value-usd", "3.5e9", "--mw", "200", "--years", "12", "--json"],
                             env={"HASHPIVOT_DATA": "/nonexistent/none.csv"})
    assert out.exit_code == 0, out.output
    deal = json.loads(out.stdout)["deal"]
    rate = 3.5e9 / (200 * 1000 * 12 * 12)  # 121.53 USD/kW-month
    assert round(rate, 1) == 121.5
    assert deal["first_year_rate_usd_per_kw_month"] == pytest.approx(rate, rel=1e-12)
    assert deal["npv_usd"] == pytest.approx(3.5e9, rel=1e-12)  # no discount: the value itself
    assert deal["revenue_usd_per_it_mw_day"] == pytest.approx(3.5e9 / (200 * 12 * 365), rel=1e-12)


def test_escalator_and_discount_by_hand():
    out = CliRunner().invoke(app, ["deal", "--value-usd", "3.5e9", "--mw", "200", "--years", "12", "--escalator",
                                   "3%", "--discount", "10%", "--json"], env={"HASHPIVOT_DATA": "/nonexistent/none.csv"})
    assert out.exit_code == 0, out.output
    deal = json.loads(out.stdout)["deal"]
    year_factor = sum(1.03**y for y in range(12))
    first = 3.5e9 / (200_000 * 12 * year_factor)
    assert deal["first_year_rate_usd_per_kw_month"] == pytest.approx(first, rel=1e-12)
    npv = sum(200_000 * first * 1.03 ** ((m - 1) // 12) * 1.1 ** (-m / 12) for m in range(1, 145))
    assert deal["npv_usd"] == pytest.approx(npv, rel=1e-12)


@pytest.mark.shared_data
def test_mining_beside_the_deal_on_the_same_dates(shared_csv):
    import csv

    out = CliRunner().invoke(app, ["deal", "--value-usd", "3.5e9", "--mw", "200", "--years", "12", "--from",
                                   "2024-06-01", "--to", "2024-06-30", "--data", str(shared_csv), "--json"])
    assert out.exit_code == 0, out.output
    mining = json.loads(out.stdout)["mining"]
    revenue = hashrate = 0.0
    with open(shared_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            if "2024-06-01" <= row["date"] <= "2024-06-30":
                revenue += float(row["revenue_usd"])
                hashrate += float(row["hashrate_ehs"]) * 1e6
    hashprice = revenue / hashrate
    assert mining["hashprice_usd_per_th_day"] == pytest.approx(hashprice, rel=1e-12)
    assert mining["margin_usd_per_mw_day"] == pytest.approx(hashprice * 1e6 / 20 - 24 * 45, rel=1e-12)


@pytest.mark.parametrize(("args", "words"), [
    (["--escalator", "3x"], ("--escalator", "3x")),
    (["--discount", "150%"], ("--discount", "150%")),
    (["--mw", "0"], ("--mw", "0")),
])
def test_bad_deal_input(args, words):
    base = {"--value-usd": "3.5e9", "--mw": "200", "--years": "12"}
    flat = [x for k, v in base.items() if k not in args for x in (k, v)]
    out = CliRunner().invoke(app, ["deal", *flat, *args])
    assert_bad_input(out, *words)


#: Announced miner/AI leases, each as (value USD, IT MW, years) and its source.
DEALS = {
    "core_scientific_coreweave_200mw": (3.5e9, 200, 12),   # Core Scientific 2024-06-03 (2024-10-22 release, sec.gov)
    "core_scientific_coreweave_500mw": (8.7e9, 500, 12),   # Core Scientific 2024-10-22 release (sec.gov)
    "terawulf_fluidstack": (3.7e9, 200, 10),    # TeraWulf 2025-08-14 (blockspace.media): >200 MW, 10 years, 3.7 B
    "cipher_fluidstack": (3.0e9, 168, 10),      # Cipher 2025-09 (coinmela.com): 168 MW, 10 years, about 3 B
    "cipher_aws": (5.5e9, 300, 15),             # Cipher 2025-11-03 (mexc.fm news 152384): 300 MW, 15 years, 5.5 B
}


def test_ai_presets_lease_rates_match_the_deals_they_come_from():
    from hashpivot.formulas.ai import contract_rate_usd_per_kw_month

    rates = {k: float(contract_rate_usd_per_kw_month(*v)) for k, v in DEALS.items()}
    corz = load_preset("corz_2024q2")
    assert corz.policy.capacity.project.rate_usd_per_kw_month == pytest.approx(
        rates["core_scientific_coreweave_200mw"], abs=0.05)
    assert corz.compare_capacity[1].project.rate_usd_per_kw_month == pytest.approx(
        rates["core_scientific_coreweave_500mw"], abs=0.05)
    # The other announced leases sit at 100-155 USD/kW-month: the presets' 120.8-121.5 lie inside that range.
    others = [rates[k] for k in ("terawulf_fluidstack", "cipher_fluidstack", "cipher_aws")]
    assert 100 < min(others) and max(others) < 160
    assert min(others) < rates["core_scientific_coreweave_200mw"] < max(others)
