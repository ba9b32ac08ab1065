"""The article's claims (hashpivot.analysis.claims, 'hashpivot claims'): each number by hand, verdict edges,
the sourced fact table, the command's output, JSON, bad input and the behaviour without chain data."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from importlib import resources

import pytest
from cli_helpers import assert_fits_columns
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from hashpivot.analysis import claims as cl
from hashpivot.analysis.claims import (
    CLAIMS,
    NO_CHAIN_DATA,
    VERDICTS,
    ClaimCheck,
    ClaimFacts,
    change_verdict,
    check_ai_margin_per_mw,
    check_all,
    check_core_scientific_rate,
    check_hashprice_halving,
    check_hashrate_costlier,
    check_iren_margins,
    check_marathon_holdings,
    claim_facts,
    within_abs,
    within_rel,
)
from hashpivot.analysis.hashprice import halving_window
from hashpivot.analysis.per_mw import iren_like
from hashpivot.cli import app
from hashpivot.errors import InputError
from hashpivot.io import ATTRIBUTION, load_chain_history

NO_DATA_LINE = f"not checkable: {NO_CHAIN_DATA}"
assert NO_DATA_LINE == "not checkable: no chain data (use --data or hashpivot data update)"


def _facts(**tables) -> ClaimFacts:
    """The sourced facts with some tables replaced (dicts validated like the TOML)."""
    base = claim_facts().model_dump()
    base.update(tables)
    return ClaimFacts.model_validate(base)


# --- the claims as data and the fact table ------------------------------------------------------------


def test_claims_are_data_in_the_order_checked():
    ids = [c.id for c in CLAIMS]
    assert ids == ["hashprice_halving", "marathon_btc_held", "core_scientific_lease", "iren_margins",
                   "ai_margin_per_mw", "hashrate_costlier"]
    assert [c.claim.id for c in check_all(None)] == ids
    hashprice = CLAIMS[0]
    assert [(f.value, f.unit) for f in hashprice.article] == [(0.08, "USD/(TH/s)/day"), (0.055, "USD/(TH/s)/day")]


def test_every_fact_value_has_a_source_comment():
    text = resources.files("hashpivot.domain.facts").joinpath("claims.toml").read_text(encoding="utf-8")
    value_lines = [line for line in text.splitlines()
                   if re.match(r"^\s*\w+\s*=\s*[-+\d]", line)]  # numbers and dates
    assert len(value_lines) == 9 + 2 * 8
    for line in value_lines:
        assert "# source:" in line, line


def test_fact_table_values():
    facts = claim_facts()
    assert facts.marathon.btc_held == 49_179 and facts.marathon.btc_held_date == dt.date(2025, 5, 31)
    assert facts.core_scientific.contract_value_usd == 3.5e9
    assert facts.core_scientific.contract_it_load_mw == 200.0
    assert [m.month for m in facts.iren_monthly] == sorted(m.month for m in facts.iren_monthly)


def test_a_check_refuses_an_unknown_verdict():
    with pytest.raises(InputError, match="verdict"):
        ClaimCheck(CLAIMS[0], (), "how", "source", "maybe", "rule", "reason")  # type: ignore[arg-type]


# --- verdict helpers at their edges -------------------------------------------------------------------


def test_within_rel_edges():
    assert within_rel(0.088, 0.08, 0.10)  # exactly +10 %: bound included
    assert within_rel(0.072, 0.08, 0.10)
    assert not within_rel(0.0881, 0.08, 0.10)
    assert not within_rel(float("nan"), 0.08, 0.10)
    assert not within_rel(0.0, 0.0, 0.10)  # no relative tolerance around zero


def test_within_abs_edges():
    assert within_abs(0.95, 0.98, 0.03)  # exactly 3 points
    assert not within_abs(0.949, 0.98, 0.03)
    assert not within_abs(float("nan"), 0.98, 0.03)


def test_change_verdict_edges():
    assert change_verdict({"a": 0.051, "b": 0.9})[0] == "supported"
    assert change_verdict({"a": 0.05, "b": 0.9})[0] == "not checkable"  # +5 % is within the noise
    assert change_verdict({"a": -0.051, "b": 0.9})[0] == "contradicted"
    assert change_verdict({"a": -0.05, "b": 0.0})[0] == "not checkable"
    assert change_verdict({"a": float("nan"), "b": 0.9})[0] == "not checkable"


# --- Core Scientific: 3.5 B USD over 12 years as USD/kW-month ------------------------------------------


def test_core_scientific_rate_by_hand():
    check = check_core_scientific_rate(claim_facts())
    rate = 3.5e9 / (200_000 * 144)  # 200 MW of IT load = 200,000 kW; 12 years = 144 months
    assert round(rate, 1) == 121.5
    assert check.figure("lease rate") == pytest.approx(rate, rel=1e-12)
    assert check.figure("lease_total_value_usd at that rate") == pytest.approx(3.5e9, rel=1e-12)
    assert check.figure("lease revenue per IT MW-day") == pytest.approx(rate * 1000 * 12 / 365, rel=1e-12)
    total_rate = 8.7e9 / (500_000 * 144)  # 120.83: the whole programme after the October 2024 option
    assert check.figure("lease rate, all CoreWeave contracts") == pytest.approx(total_rate, rel=1e-12)
    assert check.verdict == "supported"
    assert "+-2%" in check.tolerance and "+-5%" in check.tolerance


@pytest.mark.parametrize(
    ("value_usd", "expected"),
    [(3.5e9 * 1.02, "supported"),  # exactly +2 %: bound included (rate 124.0, 2.6 % above 120.8)
     (3.5e9 * 1.03, "contradicted"),  # disclosed value 3 % off the article's
     (3.5e9 * 0.98, "supported")],
)
def test_core_scientific_value_tolerance(value_usd, expected):
    facts = _facts(core_scientific={**claim_facts().core_scientific.model_dump(), "contract_value_usd": value_usd})
    assert check_core_scientific_rate(facts).verdict == expected


def test_core_scientific_rate_inconsistent_with_the_programme():
    cs = {**claim_facts().core_scientific.model_dump(), "total_contract_value_usd": 7.0e9}  # 97.2 USD/kW-month
    check = check_core_scientific_rate(_facts(core_scientific=cs))
    assert check.verdict == "contradicted"
    assert "disagrees" in check.reason


def test_core_scientific_without_a_sourced_load_is_not_checkable():
    cs = {**claim_facts().core_scientific.model_dump(), "contract_it_load_mw": None}
    check = check_core_scientific_rate(_facts(core_scientific=cs))
    assert check.verdict == "not checkable"
    assert "IT load" in check.reason and check.ours == ()


# --- Marathon's holdings ---------------------------------------------------------------------------------


def test_marathon_holdings_above_49000():
    check = check_marathon_holdings(claim_facts())
    assert check.figure("BTC held at 2025-05-31") == 49_179
    assert check.verdict == "supported"
    assert "ccn.com" in check.source


@pytest.mark.parametrize(
    ("btc_held", "day", "expected"),
    [(49_000.0, dt.date(2025, 5, 31), "contradicted"),  # "more than 49,000": 49,000 itself is not
     (49_001.0, dt.date(2025, 5, 1), "supported"),
     (60_000.0, dt.date(2025, 6, 30), "not checkable"),  # a June figure does not say what May held
     (None, None, "not checkable")],
)
def test_marathon_verdict_edges(btc_held, day, expected):
    facts = _facts(marathon={"btc_held": btc_held, "btc_held_date": day})
    check = check_marathon_holdings(facts)
    assert check.verdict == expected
    if btc_held is None:
        assert check.reason == "no sourced figure for MARA's holdings in May 2025"


# --- IREN's margins --------------------------------------------------------------------------------------


def test_iren_margins_by_hand():
    check = check_iren_margins(claim_facts(), iren_like())
    mining_revenue = 1e6 / 15 * 0.0513  # USD per MW-day at 15 J/TH and 0.0513 USD/TH/day
    power = 24 * 33.0
    gpu_revenue = 1000 / (1.275 * 1.2) * 1.873 * 0.9 * 24
    assert check.figure("mining hardware margin, IREN-like model") == pytest.approx(1 - power / mining_revenue,
                                                                                     rel=1e-12)
    assert check.figure("AI cloud hardware margin, IREN-like model") == pytest.approx(1 - power / gpu_revenue,
                                                                                       rel=1e-12)
    months = claim_facts().iren_monthly
    assert check.figure("mining hardware margin reported, lowest 2024-12..2025-08") == min(
        m.mining_margin_frac for m in months) == 0.66
    assert check.verdict == "supported"


def test_iren_contradicted_when_reported_range_excludes_the_article():
    months = [{"month": "2025-01", "mining_margin_frac": 0.60, "ai_margin_frac": 0.98},
              {"month": "2025-02", "mining_margin_frac": 0.73, "ai_margin_frac": 0.97}]  # 75 % is 2 points above
    check = check_iren_margins(_facts(iren_monthly=months), iren_like())
    assert check.verdict == "contradicted"
    months[1]["mining_margin_frac"] = 0.74  # 75 % is now exactly 1 point above the range: inside the slack
    assert check_iren_margins(_facts(iren_monthly=months), iren_like()).verdict == "supported"


def test_iren_contradicted_when_the_model_is_off():
    inputs = iren_like()
    dearer = inputs.model_copy(update={"mining": inputs.mining.model_copy(update={"power_price_usd_per_mwh": 45.0})})
    check = check_iren_margins(claim_facts(), dearer)
    assert check.figure("mining hardware margin, IREN-like model") == pytest.approx(1 - 24 * 45 / 3420, rel=1e-12)
    assert check.verdict == "contradicted"  # 68.4 % is more than 3 points below 75 %


def test_iren_without_reported_months_uses_the_model_alone():
    check = check_iren_margins(_facts(iren_monthly=[]), iren_like())
    assert check.verdict == "supported"
    assert "model alone" in check.reason


# --- margin per MW ---------------------------------------------------------------------------------------


def test_ai_margin_per_mw_by_hand():
    check = check_ai_margin_per_mw(claim_facts(), iren_like(), None)
    gpus = 1000 / (1.275 * 1.2)
    gpu_margin = gpus * 1.873 * 0.9 * 24 - 24 * 33.0
    lease = 3.5e9 / (200_000 * 144) * 1000 * 12 / 365  # 3,995 USD per IT MW-day, tenant pays power
    mining = 1e6 / 15 * 0.0513 - 24 * 33.0  # 2,628 USD per MW-day
    assert check.figure("GPU cloud, IREN-like") == pytest.approx(gpu_margin, rel=1e-12)
    assert check.figure("colocation lease at 121.5 USD/kW-month") == pytest.approx(lease, rel=1e-12)
    assert check.figure("mining at 0.0513 (FY2025)") == pytest.approx(mining, rel=1e-12)
    assert check.figure("lowest AI / highest mining margin") == pytest.approx(lease / mining, rel=1e-12)
    assert check.verdict == "supported"
    assert NO_CHAIN_DATA in check.reason and not check.uses_chain_data


def test_ai_margin_per_mw_contradicted_when_mining_pays_more():
    inputs = iren_like()
    rich = inputs.model_copy(update={"mining": inputs.mining.model_copy(update={"hashprice_usd_per_th_day": 0.08})})
    check = check_ai_margin_per_mw(claim_facts(), rich, None)
    # mining 1e6/15 x 0.08 - 792 = 4,541 > lease 3,995 USD/MW-day
    assert check.figure("lowest AI / highest mining margin") < 1
    assert check.verdict == "contradicted"


# --- chain-table claims on synthetic tables ------------------------------------------------------------------


def _long_table(make_chain_csv, scale_last_30_hashrate: float = 1.0):
    """430 synthetic days from 2023-01-01 with halving 4 on day 370 (2024-01-06); the last 30 days' hash rate
    scaled by ``scale_last_30_hashrate``."""

    def edit(rows):
        for row in rows[-30:]:
            row["hashrate_ehs"] = f"{float(row['hashrate_ehs']) * scale_last_30_hashrate:.9g}"

    return make_chain_csv(edit=edit, start="2023-01-01", n_days=430, halving_index=370)


def _rows_cost(rows, e=15.0, price=33.0):
    """Plain-Python cost per BTC of a fixed fleet over rows: 24 h x mean EH/s x J/TH x USD/MWh / BTC per day."""
    n = len(rows)
    hashrate = sum(float(r["hashrate_ehs"]) for r in rows) / n
    btc_per_day = sum(float(r["issuance_btc"]) + float(r["fees_btc"]) for r in rows) / n
    return 24 * hashrate * e * price / btc_per_day, hashrate


@pytest.mark.parametrize(("scale", "expected"), [(1.5, "supported"), (1.0, "not checkable"),
                                                  (0.7, "contradicted")])
def test_hashrate_costlier_on_synthetic_tables(make_chain_csv, scale, expected):
    path = _long_table(make_chain_csv, scale)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    check = check_hashrate_costlier(load_chain_history(path), iren_like())
    first, last = rows[370:400], rows[-30:]
    cost_a, hr_a = _rows_cost(first)
    cost_b, hr_b = _rows_cost(last)
    assert check.figure("electricity cost per BTC 2024-01-06..2024-02-04") == pytest.approx(cost_a, rel=1e-9)
    assert check.figure(f"electricity cost per BTC {last[0]['date']}..{last[-1]['date']}") == pytest.approx(
        cost_b, rel=1e-9)
    assert check.figure("of the cost change: network hash rate factor") == pytest.approx(hr_b / hr_a, rel=1e-9)
    assert check.verdict == expected
    assert check.uses_chain_data


def test_hashrate_costlier_needs_two_separate_windows(make_chain_csv):
    history = load_chain_history(make_chain_csv())  # 60 days, halving on day 30: the windows coincide
    check = check_hashrate_costlier(history, iren_like())
    assert check.verdict == "not checkable"
    assert "too soon after the halving" in check.reason


def test_hashprice_window_too_long_for_the_table(make_chain_csv):
    history = load_chain_history(make_chain_csv())  # 30 days before the halving, 30 from it
    check = check_hashprice_halving(history)
    assert "not in the data: 365/60" in check.reason
    assert len(check.ours) == 2  # the 30/30 window only
    assert check.verdict in ("supported", "contradicted")


def test_without_chain_data_two_claims_are_not_checkable():
    checks = {c.claim.id: c for c in check_all(None)}
    for claim_id in ("hashprice_halving", "hashrate_costlier"):
        assert checks[claim_id].verdict == "not checkable"
        assert checks[claim_id].reason == NO_CHAIN_DATA
        assert checks[claim_id].ours == ()
    for claim_id in ("marathon_btc_held", "core_scientific_lease", "iren_margins", "ai_margin_per_mw"):
        assert checks[claim_id].verdict == "supported"
    assert not any(c.uses_chain_data for c in checks.values())


# --- on the real chain table -----------------------------------------------------------------------------------


def _shared_rows(shared_csv):
    with shared_csv.open() as handle:
        return {row["date"]: row for row in csv.DictReader(handle)}


def _mean_hashprice(rows, first: str, n_days: int) -> float:
    """Mean of daily (issuance + fees) x price / (EH/s x 1e6) over n_days from first, in plain Python."""
    day = dt.date.fromisoformat(first)
    values = []
    for i in range(n_days):
        r = rows[(day + dt.timedelta(days=i)).isoformat()]
        values.append((float(r["issuance_btc"]) + float(r["fees_btc"])) * float(r["price_usd"])
                      / (float(r["hashrate_ehs"]) * 1e6))
    return sum(values) / len(values)


@pytest.mark.shared_data
def test_hashprice_claim_on_the_shared_table(shared_csv):
    rows = _shared_rows(shared_csv)
    check = check_hashprice_halving(load_chain_history(shared_csv))
    # halving 4 is 2024-04-20 (block 840,000 at 00:09 UTC); 365 days before start 2023-04-21
    before_365 = _mean_hashprice(rows, "2023-04-21", 365)
    after_60 = _mean_hashprice(rows, "2024-04-20", 60)
    before_30 = _mean_hashprice(rows, "2024-03-21", 30)
    after_30 = _mean_hashprice(rows, "2024-04-20", 30)
    assert check.figure("365 days before 2024-04-20") == pytest.approx(before_365, rel=1e-12)
    assert check.figure("60 days from 2024-04-20") == pytest.approx(after_60, rel=1e-12)
    assert check.figure("30 days before 2024-04-20") == pytest.approx(before_30, rel=1e-12)
    assert check.figure("30 days from 2024-04-20") == pytest.approx(after_30, rel=1e-12)
    # 365/60 is within 10 % of 0.08 -> 0.055; the 30 days before the halving (about 0.107) are not
    assert abs(before_365 / 0.08 - 1) <= 0.10 and abs(after_60 / 0.055 - 1) <= 0.10
    assert abs(before_30 / 0.08 - 1) > 0.10
    assert check.verdict == "supported"
    assert "matches the article: 365/60" in check.reason and "does not match: 30/30" in check.reason


@pytest.mark.shared_data
def test_hashrate_claim_on_the_shared_table(shared_csv):
    rows = _shared_rows(shared_csv)
    dates = sorted(rows)
    first = [rows[d] for d in dates if "2024-04-20" <= d <= "2024-05-19"]
    last = [rows[d] for d in dates[-30:]]
    cost_a, hr_a = _rows_cost(first)
    cost_b, hr_b = _rows_cost(last)
    check = check_hashrate_costlier(load_chain_history(shared_csv), iren_like())
    assert check.figure("network hash rate 2024-04-20..2024-05-19") == pytest.approx(hr_a, rel=1e-12)
    assert check.figure("electricity cost per BTC 2024-04-20..2024-05-19") == pytest.approx(cost_a, rel=1e-9)
    assert check.figure("electricity cost per BTC 2025-11-30..2025-12-29") == pytest.approx(cost_b, rel=1e-9)
    assert check.figure("energy per BTC 2025-11-30..2025-12-29") == pytest.approx(cost_b / 33.0, rel=1e-9)
    assert hr_b / hr_a > 1.05 and cost_b / cost_a > 1.05
    assert check.verdict == "supported"


# --- the command ----------------------------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.delenv("HASHPIVOT_DATA", raising=False)
    return CliRunner()


def test_command_with_data(runner, make_chain_csv):
    path = _long_table(make_chain_csv, 1.5)
    result = runner.invoke(app, ["claims", "--data", str(path)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert_fits_columns(result.stdout)  # wrapped at spaces; only a source's long address stands alone
    out = " ".join(result.stdout.split())  # the text as read, whatever the wrapping

    def flat(text: str) -> str:
        return " ".join(text.split())

    for claim in CLAIMS:
        assert flat(f"{claim.id}: {claim.text}") in out
    assert flat(NO_DATA_LINE) not in out
    checks = check_all(load_chain_history(path))
    for check in checks:
        assert flat(f"verdict: {check.verdict}: {check.reason}") in out
    assert "summary: " in out
    assert result.stdout.rstrip().endswith(ATTRIBUTION)
    assert result.stderr == ""


def test_command_json(runner, make_chain_csv):
    path = _long_table(make_chain_csv, 1.5)
    result = runner.invoke(app, ["claims", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["data"] == str(path)
    assert payload["attribution"] == ATTRIBUTION
    assert [c["id"] for c in payload["claims"]] == [c.id for c in CLAIMS]
    assert all(c["verdict"] in VERDICTS and c["tolerance"] and c["source"] for c in payload["claims"])
    by_id = {c["id"]: c for c in payload["claims"]}
    window = halving_window(load_chain_history(path), 4, 365, 60)
    ours = {f["label"]: f["value"] for f in by_id["hashprice_halving"]["ours"]}
    assert ours["365 days before 2024-01-06"] == window.before.mean_daily_hashprice_usd_per_th_day
    assert by_id["hashrate_costlier"]["verdict"] == "supported"
    rate = {f["label"]: f["value"] for f in by_id["core_scientific_lease"]["ours"]}["lease rate"]
    assert math.isclose(rate, 3.5e9 / (200_000 * 144), rel_tol=1e-12)


def test_command_without_chain_data(runner):
    result = runner.invoke(app, ["claims"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count(NO_DATA_LINE) == 2  # hashprice and hashrate
    assert "no chain data" in result.stdout.splitlines()[0]
    assert ATTRIBUTION not in result.stdout  # nothing derived from the chain data is shown
    as_json = runner.invoke(app, ["claims", "--json"])
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert payload["data"] is None and payload["attribution"] is None
    by_id = {c["id"]: c for c in payload["claims"]}
    assert by_id["hashprice_halving"]["verdict"] == "not checkable"
    assert by_id["hashprice_halving"]["reason"] == NO_CHAIN_DATA
    assert by_id["marathon_btc_held"]["verdict"] == "supported"


def test_command_reads_the_environment(runner, make_chain_csv, monkeypatch):
    monkeypatch.setenv("HASHPIVOT_DATA", str(_long_table(make_chain_csv, 1.5)))
    result = runner.invoke(app, ["claims", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["attribution"] == ATTRIBUTION


def test_command_nonexistent_data(runner, tmp_path):
    missing = tmp_path / "missing.csv"
    line = assert_bad_input(runner.invoke(app, ["claims", "--data", str(missing)]), str(missing), "does not exist")
    assert "hashpivot data update" in line


def test_command_malformed_data(runner, make_chain_csv):
    path = make_chain_csv(drop_columns=("fees_btc",))
    assert_bad_input(runner.invoke(app, ["claims", "--data", str(path)]), "missing column", "fees_btc")


def test_command_environment_names_a_missing_file(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("HASHPIVOT_DATA", str(tmp_path / "gone.csv"))
    assert_bad_input(runner.invoke(app, ["claims"]), "does not exist")


def test_command_debug_shows_the_traceback(runner, tmp_path):
    result = runner.invoke(app, ["claims", "--data", str(tmp_path / "missing.csv"), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_module_constants_match_the_rules():
    assert cl.HASHPRICE_WINDOWS == ((365, 60), (30, 30))
    assert cl.HASHPRICE_REL_TOL == 0.10
