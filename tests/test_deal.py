"""``hashpivot deal``: a lease deal's terms against a hand calculation (issue 14, point 5), and the AI presets'
lease rates against the deals they come from."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_bad_input, assert_fits_columns
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


def test_the_margin_takes_a_colocation_leases_opex_unless_told_and_a_grid_mw_hosts_1_over_pue_it_mw():
    """Margin = rent per IT MW-day x (1 - our opex share); per grid MW-day / PUE. Without --opex the share is a
    colocation lease's default in a scenario (RM1's 10 % of lease revenue): the deal and a run value one lease
    alike."""
    from hashpivot.policies.capacity import ColocationLease

    rent = 3.5e9 / (200 * 12 * 365)  # 3,995 USD per IT MW-day
    base = ["deal", "--value-usd", "3.5e9", "--mw", "200", "--years", "12", "--json"]
    env = {"HASHPIVOT_DATA": "/nonexistent/none.csv"}
    default = json.loads(CliRunner().invoke(app, base, env=env).stdout)["deal"]
    assert ColocationLease.model_fields["opex_frac_of_revenue"].default == default["opex_frac_of_revenue"] == 0.10
    assert default["margin_usd_per_it_mw_day"] == pytest.approx(rent * 0.9, rel=1e-12)
    told = json.loads(CliRunner().invoke(app, [*base, "--opex", "25%", "--pue", "1.43"], env=env).stdout)["deal"]
    assert told["margin_usd_per_it_mw_day"] == pytest.approx(rent * 0.75, rel=1e-12)
    assert told["margin_usd_per_grid_mw_day"] == pytest.approx(rent * 0.75 / 1.43, rel=1e-12)
    text = CliRunner().invoke(app, base[:-1], env=env).stdout
    assert f"margin: {rent * 0.9:,.0f} USD per IT MW-day" in text and "opex 10%" in text


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
def test_a_from_after_the_table_names_it_not_the_default_to(shared_csv):
    out = CliRunner().invoke(app, ["deal", "--value-usd", "3.5e9", "--mw", "200", "--years", "12", "--from",
                                   "2030-01-01", "--data", str(shared_csv)])
    line = assert_bad_input(out, "--from 2030-01-01 is after the chain table's last day", "2012-01-01..2025-12-29")
    assert "--to" not in line


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
    (["--mw", "inf"], ("--mw inf", "(0, 100,000] MW")),
    (["--value-usd", "inf"], ("--value-usd inf", "(0, 1e+13] USD")),
    (["--value-usd", "1e300"], ("--value-usd 1e+300",)),
    (["--years", "nan"], ("--years nan", "(0, 50] years")),
    # the operating share is of the rent: all of it would leave no deal, and the option is named, not the field
    (["--opex", "100%"], ("--opex='100%' is invalid", "below 100 %")),
])
def test_bad_deal_input(args, words):
    base = {"--value-usd": "3.5e9", "--mw": "200", "--years": "12"}
    flat = [x for k, v in base.items() if k not in args for x in (k, v)]
    out = CliRunner().invoke(app, ["deal", *flat, *args])
    assert_bad_input(out, *words)


#: Each announced lease's flat rate by hand: value / (IT kW x 12 months x years), from the row's own figures as the
#: releases give them (domain/facts/ai_leases.csv names each source). [USD/kW-month]
RATES_BY_HAND = {
    "core_scientific_coreweave_200mw": 3.5e9 / (200_000 * 12 * 12),   # 121.53
    "core_scientific_coreweave_500mw": 8.7e9 / (500_000 * 12 * 12),   # 120.83
    "applied_digital_coreweave_250mw": 7.0e9 / (250_000 * 12 * 15),   # 155.56
    "terawulf_fluidstack_200mw": 3.7e9 / (200_000 * 12 * 10),         # 154.17
    "cipher_fluidstack_168mw": 3.0e9 / (168_000 * 12 * 10),           # 148.81
    "cipher_aws_300mw": 5.5e9 / (300_000 * 12 * 15),                  # 101.85
    "hut8_fluidstack_245mw": 7.0e9 / (245_000 * 12 * 15),             # 158.73
    "riot_amd_25mw": 311.0e6 / (25_000 * 12 * 10),                    # 103.67
}


def test_every_announced_lease_rate_by_hand():
    from hashpivot.domain.catalog import ai_lease_deals

    deals = {d.name: d for d in ai_lease_deals()}
    assert set(deals) == set(RATES_BY_HAND)
    for name, rate in RATES_BY_HAND.items():
        assert deals[name].rate_usd_per_kw_month == pytest.approx(rate, rel=1e-12), name
        assert deals[name].source_urls, name


def _lease_rates(name):
    """{plan label: rate} of every lease (colocation or site) a preset's capacity plans hold. [USD/kW-month]"""
    from hashpivot.policies.capacity import capacity_label

    scenario = load_preset(name)
    out = {}
    for plan in (scenario.policy.capacity, *scenario.compare_capacity):
        for step in plan.steps():
            if step.project.kind in ("colocation_lease", "site_lease"):
                out[step.name or capacity_label(plan)] = step.project.rate_usd_per_kw_month
    return out


#: Presets whose lease rate is not a company's deal: RM1's reference model states its own 140 USD/kW-month.
NOT_A_DEAL = ("rm1",)


def test_ai_presets_lease_rates_match_the_deals_they_come_from():
    from hashpivot.scenarios.toml import preset_names

    found = {}
    for name in preset_names():
        for label, rate in _lease_rates(name).items():
            found[(name, label)] = rate
    assert ("corz_2024q2", "coreweave_200mw") in found and ("riot_2024q2", "corsicana_site_lease") in found
    for (name, label), rate in found.items():
        if name in NOT_A_DEAL:
            continue
        nearest = min(RATES_BY_HAND, key=lambda k: abs(RATES_BY_HAND[k] - rate))
        assert rate == pytest.approx(RATES_BY_HAND[nearest], abs=0.05), (name, label, rate)
    assert found[("corz_2024q2", "coreweave_200mw")] == pytest.approx(
        RATES_BY_HAND["core_scientific_coreweave_200mw"], abs=0.05)
    assert found[("corz_2024q2", "coreweave_500mw")] == pytest.approx(
        RATES_BY_HAND["core_scientific_coreweave_500mw"], abs=0.05)
    # The other announced miner/AI leases sit at 100-160 USD/kW-month; Core Scientific's 121.5 lies inside.
    others = [RATES_BY_HAND[k] for k in RATES_BY_HAND if not k.startswith("core_scientific")]
    assert 100 < min(others) < RATES_BY_HAND["core_scientific_coreweave_200mw"] < max(others) < 160


@pytest.mark.parametrize("years", [0.01, 0.05, 0.1, 1 / 3, 12.0])
def test_a_term_of_part_months_earns_the_whole_value_undiscounted(years):
    """The contract value is the rent over the term, whatever the term: at 0 % discount the NPV is the value (a term
    of 0.01 years, 0.12 of a month, printed an NPV of 0; 0.05 years one of 5.83 B for a 3.5 B contract: the NPV
    rounded the term to whole months while the rate spread the value over the exact term)."""
    got = json.loads(CliRunner().invoke(app, ["deal", "--value-usd", "3.5e9", "--mw", "200", "--years", str(years),
                                              "--json"]).stdout)["deal"]
    assert got["npv_usd"] == pytest.approx(3.5e9, rel=1e-12)


@pytest.mark.shared_data
def test_deal_fits_80_columns(shared_csv):
    out = CliRunner().invoke(app, ["deal", "--value-usd", "3.5e9", "--mw", "200", "--years", "12", "--data",
                                   str(shared_csv)], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert "USD per MW-day" in out.stdout
    assert_fits_columns(out.stdout)
    # a wrapped line goes on indented under its start (the mining line wrapped to the first column)
    lines = out.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("mining "))
    assert lines[start + 1].startswith("    ") and lines[start + 1].strip().endswith("USD per MW-day")
