"""Issue 14: replays fed with the companies' reported hashrate against their reported production, with the luck
band of their payout scheme; the user's own hashrate path; bad input.

The expected figures are built here by hand from the chain table's rows (share of the day's network hashrate x
the day's issuance and fees), not from the replay's code."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict

import pytest
from cli_helpers import assert_bad_input, assert_fits_columns
from typer.testing import CliRunner

from hashpivot import api
from hashpivot.cli import app
from hashpivot.errors import ScenarioError
from hashpivot.scenarios.toml import from_dict, load_preset

#: (preset, first day, last day) of the windows compared: the months each preset holds both figures for.
WINDOWS = {"riot_2024q2": ("2024-05-01", "2025-04-30"), "mara_2024q2": ("2024-05-01", "2024-09-30"),
           "iren_2024q2": ("2024-05-01", "2025-08-31"), "clsk_2024q2": ("2024-06-01", "2024-08-31"),
           "hive_2024q2": ("2023-09-01", "2024-01-31")}


def daily_rows(shared_csv):
    """The chain table's rows by month: [(network EH/s, issuance + fees BTC, blocks)]."""
    by_month = defaultdict(list)
    with open(shared_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            if "2023-09-01" <= row["date"] <= "2025-08-31":
                by_month[row["date"][:7]].append((float(row["hashrate_ehs"]),
                                                  float(row["issuance_btc"]) + float(row["fees_btc"]),
                                                  float(row["block_count"])))
    return by_month


def by_hand(shared_csv, preset: str) -> dict[str, tuple[float, float]]:
    """{month: (reported BTC, share x issuance and fees summed over the days)} for the preset's months of
    average operating hashrate."""
    company = load_preset(preset).company
    reported = {r.month: r.mined_btc for r in company.reported_production}
    days = daily_rows(shared_csv)
    out = {}
    for row in company.hashrate_reported:
        if row.kind == "average_operating" and row.month in reported and row.month in days:
            out[row.month] = (reported[row.month], sum(row.hashrate_ehs / h * btc for h, btc, _ in days[row.month]))
    return out


@pytest.mark.shared_data
@pytest.mark.parametrize("preset", sorted(WINDOWS))
def test_the_replay_earns_share_times_issuance_of_the_reported_hashrate(preset, shared_csv):
    first, last = WINDOWS[preset]
    table, _ = api.replay_against_reports(preset, date_from=first, date_to=last, data=shared_csv)
    hand = by_hand(shared_csv, preset)
    assert hand
    for month, (reported, ours) in hand.items():
        assert table.loc[month, "ours_btc"] == pytest.approx(ours, rel=1e-9)
        assert table.loc[month, "reported_btc"] == reported


@pytest.mark.shared_data
@pytest.mark.parametrize("preset", ["riot_2024q2", "iren_2024q2", "clsk_2024q2", "hive_2024q2"])
def test_reported_hashrate_reproduces_reported_production_within_2_percent_over_the_months(preset, shared_csv):
    # The FPPS-paid companies, over their months together (sum of BTC); Riot's June 2024 alone is 12 % off.
    # MARA takes the luck of its own pool: its months are checked against the band below.
    hand = by_hand(shared_csv, preset)
    reported = sum(r for r, _ in hand.values())
    ours = sum(o for _, o in hand.values())
    assert abs(ours / reported - 1) < 0.02


@pytest.mark.shared_data
def test_iren_lands_within_1_percent_every_month(shared_csv):
    for month, (reported, ours) in by_hand(shared_csv, "iren_2024q2").items():
        assert abs(ours / reported - 1) < 0.01, month


@pytest.mark.shared_data
@pytest.mark.parametrize("preset", ["riot_2024q2", "iren_2024q2"])
def test_the_mean_abs_error_over_the_months_of_average_operating_hashrate_is_under_2_percent(preset, shared_csv):
    # Issue 14's acceptance, built by hand: |share x (issuance + fees) / reported - 1| averaged over the months.
    # Riot's mean holds with June 2024 alone at +11.9 % (255 BTC reported where 11.4 EH/s earns 285), its gap not
    # explained by any update found (docs/assumptions.md); the other eight months land within 3.2 %.
    hand = by_hand(shared_csv, preset)
    errors = {month: ours / reported - 1 for month, (reported, ours) in hand.items()}
    assert sum(abs(e) for e in errors.values()) / len(errors) < 0.02
    if preset == "riot_2024q2":
        assert len(errors) == 9 and 0.11 < errors["2024-06"] < 0.13
        assert max(abs(e) for m, e in errors.items() if m != "2024-06") < 0.035


@pytest.mark.shared_data
def test_iren_is_paid_the_transaction_fees_too(shared_csv):
    # June 2024: fees were a tenth of the month's rewards (the 2024-06-07 spike alone 322.7 BTC). IREN's reported
    # 9,316 PH/s earns its 233 BTC only with the fees counted: share x issuance alone would be 10 % short, beyond any
    # rounding (half a BTC, half a PH/s), so its pool pays the expectation of subsidy and fees (FPPS), not PPS.
    june = [(h, btc, n) for h, btc, n in daily_rows(shared_csv)["2024-06"]]
    issuance = {}
    with open(shared_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            if row["date"].startswith("2024-06"):
                issuance[row["date"]] = (float(row["hashrate_ehs"]), float(row["issuance_btc"]))
    with_fees = sum(9.316 / h * btc for h, btc, _ in june)
    subsidy_only = sum(9.316 / h * sub for h, sub in issuance.values())
    assert len(june) == len(issuance) == 30
    assert abs(with_fees / 233 - 1) < 0.005
    assert subsidy_only / 233 - 1 < -0.09


@pytest.mark.shared_data
def test_hive_lands_within_half_a_percent_every_month_before_the_halving(shared_csv):
    # HIVE's own monthly average hash rate (2023-09, 2023-11, 2024-01) earns its reported BTC within 0.5 %.
    hand = by_hand(shared_csv, "hive_2024q2")
    assert set(hand) == {"2023-09", "2023-11", "2024-01"}
    for month, (reported, ours) in hand.items():
        assert abs(ours / reported - 1) < 0.005, month


@pytest.mark.shared_data
def test_mara_months_are_explained_by_the_luck_of_its_own_pool(shared_csv):
    table, summary = api.replay_against_reports("mara_2024q2", date_from="2024-05-01", date_to="2024-07-31",
                                                data=shared_csv)
    assert summary["payout_scheme"] == "own_pool" and math.isnan(summary["uptime_fit_frac"])
    days = daily_rows(shared_csv)
    for month, row in table.iterrows():
        blocks = sum(row["reported_ehs"] / h * n for h, _, n in days[month])
        # Poisson(blocks) has sd sqrt(blocks): the 90 % band is about +-1.645 sd, here 160-190 blocks a month.
        assert abs(row["expected_blocks"] / blocks - 1) < 1e-9
        half_width = (row["band_high_btc"] - row["band_low_btc"]) / 2 / row["ours_btc"]
        assert half_width == pytest.approx(1.645 / math.sqrt(blocks), rel=0.15)
        assert row["inside_band"], month
    assert summary["luck_explained_frac"] == 1.0


@pytest.mark.shared_data
def test_month_end_figures_go_through_a_fitted_uptime_that_is_stated(shared_csv):
    table, summary = api.replay_against_reports("corz_2024q2", date_from="2024-06-01", date_to="2024-09-30",
                                                data=shared_csv)
    assert set(table["kind"]) == {"energized_month_end"}
    # Fitted months test nothing: none counts as inside the band, all four are counted apart.
    assert (summary["n_months_fitted"], summary["n_inside_band"], summary["n_months_average_operating"]) == (4, 0, 0)
    uptime = summary["uptime_fit_frac"]
    assert 0.5 < uptime < 1.0
    assert table["ours_btc"].sum() == pytest.approx(table["reported_btc"].sum(), rel=1e-9)
    # July averages the June and July month-end figures.
    assert table.loc["2024-07", "operating_ehs"] == pytest.approx((19.4 + 20.1) / 2 * uptime)


@pytest.mark.shared_data
def test_against_reports_cli_prints_the_table_and_json(shared_csv):
    runner = CliRunner()
    args = ["replay", "--company", "iren", "--from", "2024-05-01", "--to", "2024-12-31", "--data", str(shared_csv),
            "--against-reports"]
    out = runner.invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    months = {m["month"]: m for m in payload["months"]}
    assert list(months) == sorted(months) and "2024-05" in months and "2024-12" in months
    assert months["2024-05"]["reported_btc"] == 230
    assert months["2024-05"]["error_frac"] == pytest.approx(months["2024-05"]["ours_btc"] / 230 - 1, rel=1e-12)
    assert payload["summary"]["n_months"] == len(months)
    assert payload["summary"]["max_abs_error_frac"] == pytest.approx(
        max(abs(m["error_frac"]) for m in months.values()), rel=1e-12)
    # The JSON carries both bands. May 2024's 9,414 PH/s is published to the PH/s (3 decimals of an EH/s), so its
    # FPPS band is what 9.4135 and 9.4145 EH/s earn: ours x 9.4135 / 9.414 and x 9.4145 / 9.414 (linear in the
    # hashrate); the payout band alone is ours itself, which 230 is not.
    may = months["2024-05"]
    assert (may["hashrate_decimals"], may["btc_decimals"]) == (3, 0)
    assert may["band_low_btc"] == pytest.approx(may["ours_btc"] * 9.4135 / 9.414, rel=1e-9)
    assert may["band_high_btc"] == pytest.approx(may["ours_btc"] * 9.4145 / 9.414, rel=1e-9)
    assert may["payout_low_btc"] == may["payout_high_btc"] == may["ours_btc"]
    assert may["inside_payout_band"] is False and may["inside_band"] is False
    assert (may["reported_low_btc"], may["reported_high_btc"]) == (229.5, 230.5)
    assert payload["summary"]["n_inside_payout_band"] == sum(m["inside_payout_band"] for m in months.values()) == 0
    human = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert human.exit_code == 0 and "mean |error|" in human.stdout and "inside band" in human.stdout
    assert "rounding +- BTC" in human.stdout and "0 inside the payout band" in " ".join(human.stdout.split())
    narrow = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert narrow.exit_code == 0
    assert_fits_columns(narrow.stdout)
    assert "2024-05" in narrow.stdout and "inside band" in narrow.stdout and "--wide shows them" in narrow.stdout


def test_a_figures_decimals_are_read_as_published():
    from hashpivot.scenarios.schema import HashrateReported, ReportedProduction

    def decimals(value, **extra):
        return HashrateReported(month="2024-05", hashrate_ehs=value, kind="average_operating", source="t",
                                **extra).published_hashrate_decimals

    # A float keeps no formatting: its shortest repr is what is left (9.2 and 27.4: one decimal, 10.0 too); an
    # integer has none; an explicit count overrides the repr (IREN's 10,940 PH/s = 10.940 EH/s, three).
    assert (decimals(9.2), decimals(27.4), decimals(10.0), decimals(10), decimals(9.414)) == (1, 1, 1, 0, 3)
    assert decimals(10.94, hashrate_decimals=3) == 3
    rows = {r.month: r for r in load_preset("iren_2024q2").company.hashrate_reported}
    assert rows["2024-08"].published_hashrate_decimals == 3 and rows["2025-01"].published_hashrate_decimals == 1
    assert ReportedProduction(month="2024-05", mined_btc=230, source="t").published_btc_decimals == 0
    hive = {r.month: r for r in load_preset("hive_2024q2").company.reported_production}
    assert hive["2023-09"].mined_btc == 269.5 and hive["2023-09"].published_btc_decimals == 1


def test_a_hashrate_files_decimals_are_taken_as_written(tmp_path):
    from hashpivot.io.reported import load_hashrate_csv

    path = tmp_path / "mine.csv"
    path.write_text("month,hashrate_ehs\n2024-05,10.0\n2024-06,10\n2024-07,10.940\n")
    rows = {r.month: r for r in load_hashrate_csv(path)}
    assert {m: r.published_hashrate_decimals for m, r in rows.items()} == {"2024-05": 1, "2024-06": 0, "2024-07": 3}
    assert rows["2024-07"].hashrate_ehs == 10.94


def _riot_months_by_hand(shared_csv, month: str, ehs: float) -> dict[str, float]:
    """What ehs - 0.05, ehs and ehs + 0.05 EH/s earn over the month: share of each day's network hashrate x the
    day's issuance and fees, summed (a figure published to one decimal)."""
    days = daily_rows(shared_csv)[month]
    return {side: sum((ehs + offset) / h * btc for h, btc, _ in days)
            for side, offset in (("low", -0.05), ("at", 0.0), ("high", 0.05))}


@pytest.mark.shared_data
def test_the_band_spans_what_the_hashrates_rounding_interval_earns_and_the_reported_btcs_interval_meets_it(shared_csv):
    # Riot, December 2024: "27.4 EH/s" and "516 BTC" say 27.35 <= h < 27.45 and 515.5 <= b < 516.5. Under FPPS the
    # payout is the expectation, so the band is what 27.35 and 27.45 EH/s earn.
    table, summary = api.replay_against_reports("riot_2024q2", date_from="2024-12-01", date_to="2024-12-31",
                                                data=shared_csv)
    row = table.loc["2024-12"]
    hand = _riot_months_by_hand(shared_csv, "2024-12", 27.4)
    assert (row["reported_ehs"], row["reported_btc"], row["hashrate_decimals"], row["btc_decimals"]) == (
        27.4, 516.0, 1, 0)
    assert row["band_low_btc"] == pytest.approx(hand["low"], rel=1e-9)
    assert row["band_high_btc"] == pytest.approx(hand["high"], rel=1e-9)
    assert row["ours_btc"] == pytest.approx(hand["at"], rel=1e-9)
    # The payout band alone is the one point 27.4 EH/s earns, and 516 is not it.
    assert row["payout_low_btc"] == row["payout_high_btc"] == pytest.approx(hand["at"], rel=1e-9)
    assert not row["inside_payout_band"]
    # By hand: 27.4 EH/s earns more than 516.5 BTC, so the BTC's rounding alone leaves the month outside; the
    # hashrate's low end earns less than 516.5, so the two intervals overlap.
    assert hand["at"] > 516.5 > hand["low"]
    inside = 515.5 <= hand["high"] and hand["low"] <= 516.5
    assert inside and row["inside_band"]
    # How much the rounding widened the band on each side: half the hashrate interval's BTC, and half a BTC.
    assert row["rounding_btc"] == pytest.approx((hand["high"] - hand["low"]) / 2 + 0.5, rel=1e-9)
    assert (summary["n_inside_band"], summary["n_inside_payout_band"]) == (1, 0)


@pytest.mark.shared_data
def test_riots_june_2024_stays_outside_the_rounding_band(shared_csv):
    # 11.4 EH/s published to one decimal: even 11.35 EH/s earns far more than 255.5 BTC (+11.9 % at 11.4).
    table, _ = api.replay_against_reports("riot_2024q2", date_from="2024-06-01", date_to="2024-06-30",
                                          data=shared_csv)
    hand = _riot_months_by_hand(shared_csv, "2024-06", 11.4)
    assert hand["low"] > 255.5 and 0.11 < hand["at"] / 255 - 1 < 0.13
    assert table.loc["2024-06", "band_low_btc"] == pytest.approx(hand["low"], rel=1e-9)
    assert not table.loc["2024-06", "inside_band"] and not table.loc["2024-06", "inside_payout_band"]


@pytest.mark.shared_data
def test_an_own_pools_band_is_the_poisson_band_over_the_hashrates_rounding_interval(shared_csv):
    # MARA, May 2024, 25.7 EH/s: the 5 % Poisson quantile of the blocks 25.65 EH/s expects to the 95 % quantile of
    # those 25.75 EH/s expects, x the month's BTC per expected block (share cancels: the network's BTC per block).
    from scipy.stats import poisson

    table, _ = api.replay_against_reports("mara_2024q2", date_from="2024-05-01", date_to="2024-05-31",
                                          data=shared_csv)
    days = daily_rows(shared_csv)["2024-05"]
    ehs = table.loc["2024-05", "reported_ehs"]
    assert ehs == 25.7 and table.loc["2024-05", "hashrate_decimals"] == 1

    def blocks(e):
        return sum(e / h * n for h, _, n in days)

    per_block = sum(btc / h for h, btc, _ in days) / sum(n / h for h, _, n in days)
    assert table.loc["2024-05", "band_low_btc"] == pytest.approx(poisson.ppf(0.05, blocks(25.65)) * per_block,
                                                                 rel=1e-9)
    assert table.loc["2024-05", "band_high_btc"] == pytest.approx(poisson.ppf(0.95, blocks(25.75)) * per_block,
                                                                  rel=1e-9)
    assert table.loc["2024-05", "payout_low_btc"] == pytest.approx(poisson.ppf(0.05, blocks(25.7)) * per_block,
                                                                   rel=1e-9)
    assert table.loc["2024-05", "band_low_blocks"] == poisson.ppf(0.05, blocks(25.65))
    assert table.loc["2024-05", "band_high_blocks"] == poisson.ppf(0.95, blocks(25.75))


@pytest.mark.shared_data
def test_against_reports_writes_the_chart(shared_csv, tmp_path):
    page = tmp_path / "chart.html"
    out = CliRunner().invoke(app, ["replay", "--company", "mara", "--from", "2024-05-01", "--to", "2024-07-31",
                                   "--data", str(shared_csv), "--against-reports", "--html", str(page), "--json"])
    assert out.exit_code == 0, out.output
    text = page.read_text()
    assert "90 % luck band" in text and "reported" in text and "Coin Metrics" in text
    assert json.loads(out.stdout)["files"] == {"html": str(page)}
    shown = CliRunner().invoke(app, ["replay", "--company", "mara", "--from", "2024-05-01", "--to", "2024-07-31",
                                     "--data", str(shared_csv), "--against-reports", "--html", str(page)],
                               env={"COLUMNS": "400"})
    assert f"chart: {page}" in shown.stdout.splitlines()


@pytest.mark.shared_data
def test_a_users_own_hashrate_file_replaces_the_presets(shared_csv, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("month,hashrate_ehs\n2024-05,10.0\n2024-06,10.0\n")
    table, _ = api.replay_against_reports("iren", date_from="2024-05-01", date_to="2024-06-30", data=shared_csv,
                                          hashrate=path)
    days = daily_rows(shared_csv)
    assert table.loc["2024-05", "ours_btc"] == pytest.approx(sum(10.0 / h * b for h, b, _ in days["2024-05"]), rel=1e-9)
    assert set(table.index) == {"2024-05", "2024-06"}


@pytest.mark.parametrize(("rows", "words"), [
    ("month,hashrate_ehs\n2024-05,10\n2024-05,11\n", ("2024-05", "twice", "line 3")),
    ("month,hashrate_ehs\n2024-05,-1\n", ("hashrate_ehs", "-1", "line 2")),
    ("month,hashrate_ehs,kind\n2024-05,10,peak\n", ("kind", "peak", "average_operating")),
    ("month,ehs\n2024-05,10\n", ("hashrate_ehs", "missing")),
    ("month,hashrate_ehs\nMay 2024,10\n", ("month", "May 2024")),
    # a misspelt column would be read as absent; a row of more fields than the header; a file with no row
    ("month,hashrate_ehs,curtailed\n2024-05,10,0.1\n", ("column 'curtailed' is not known", "curtailed_frac")),
    ("month,hashrate_ehs\n2024-05,10,3\n", ("line 2", "3 fields for the 2 columns")),
    ("month,hashrate_ehs,month\n2024-05,8.8,2024-06\n", ("column 'month' is in the header twice",)),
    # more than the whole network (May 2024's lowest day: about 516 EH/s)
    ("month,hashrate_ehs\n2024-05,5000\n", ("2024-05 hashrate_ehs=5000", "below the network's",
                                            "lowest day of 2024-05")),
    ("month,hashrate_ehs\n", ("no rows",)),
    ("", ("bad.csv: the file is empty", "a header row month,hashrate_ehs")),
    # months the chain table cannot replay, or none inside the window: an error, not an empty table
    ("month,hashrate_ehs\n2010-05,1.0\n", ("line 2", "month='2010-05'", "outside the chain table", "2012-01")),
    ("month,hashrate_ehs\n2025-11,20.0\n", ("none of its months", "2025-11", "2024-05-01..2024-06-30")),
    (b"month,hashrate_ehs\n2024-05,9\xe9\n", ("bad.csv", "not UTF-8")),
])
def test_a_bad_hashrate_file_is_bad_input(rows, words, tmp_path, shared_csv):
    path = tmp_path / "bad.csv"
    if isinstance(rows, bytes):
        path.write_bytes(rows)
    else:
        path.write_text(rows)
    out = CliRunner().invoke(app, ["replay", "--company", "iren", "--from", "2024-05-01", "--to", "2024-06-30",
                                   "--data", str(shared_csv), "--against-reports", "--hashrate", str(path)])
    assert_bad_input(out, *words)


@pytest.mark.shared_data
@pytest.mark.parametrize(("first", "last", "named"), [("2025-12-01", "2026-01-31", "2026-01-31"),
                                                     ("2011-12-01", "2012-01-31", "2011-12-01")])
def test_a_window_outside_the_chain_table_is_bad_input(first, last, named, shared_csv):
    out = CliRunner().invoke(app, ["replay", "--company", "riot", "--from", first, "--to", last,
                                   "--data", str(shared_csv), "--against-reports"])
    assert_bad_input(out, named, "outside the chain table", "2012-01-01", "2025-12-29")


def _with_hashrate(rows):
    data = load_preset("riot_2024q2").model_dump(mode="python", exclude_none=True)
    data["company"]["hashrate_reported"] = rows
    return from_dict(data, "test company")


def test_a_month_listed_twice_in_a_scenario_is_an_error():
    row = {"month": "2024-05", "hashrate_ehs": 8.8, "kind": "average_operating", "source": "t"}
    with pytest.raises(ScenarioError, match="2024-05.*twice"):
        _with_hashrate([row, {**row, "hashrate_ehs": 9.0}])


@pytest.mark.parametrize(("field", "value", "words"), [("hashrate_ehs", -1.0, "hashrate_ehs"),
                                                        ("kind", "peak", "kind")])
def test_a_bad_reported_hashrate_in_a_scenario_is_an_error(field, value, words):
    row = {"month": "2024-05", "hashrate_ehs": 8.8, "kind": "average_operating", "source": "t", field: value}
    with pytest.raises(ScenarioError, match=words):
        _with_hashrate([row])


def _edited_preset(tmp_path, old: str, new: str):
    """riot_2024q2 written as a TOML file with the first ``old`` replaced by ``new``."""
    from hashpivot.scenarios.toml import to_toml

    text = to_toml(load_preset("riot_2024q2"))
    assert old in text
    path = tmp_path / "company.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.shared_data
@pytest.mark.parametrize(("old", "new", "words"), [
    ('month = "2024-06"\nhashrate_ehs', 'month = "2024-05"\nhashrate_ehs',
     ("hashrate_reported", "2024-05", "twice")),
    ('month = "2024-06"\nmined_btc', 'month = "2024-05"\nmined_btc', ("reported_production", "2024-05", "twice")),
    ("hashrate_ehs = 8.8", "hashrate_ehs = -8.8", ("hashrate_ehs", "-8.8")),
    ('kind = "average_operating"', 'kind = "peak"', ("kind", "peak", "average_operating")),
    ('month = "2024-06"\nmined_btc', 'month = "2024-13"\nmined_btc', ("month", "2024-13")),
])
def test_a_bad_company_file_is_bad_input_on_the_command_line(old, new, words, tmp_path, shared_csv):
    path = _edited_preset(tmp_path, old, new)
    out = CliRunner().invoke(app, ["replay", "--company", str(path), "--from", "2024-05-01", "--to", "2024-09-30",
                                   "--data", str(shared_csv), "--against-reports"])
    assert_bad_input(out, *words)


@pytest.mark.shared_data
def test_a_window_without_any_month_to_compare_says_so(shared_csv):
    # Hut 8 publishes fleet hashrate but no monthly BTC after April 2024: nothing to compare, and the line says so.
    out = CliRunner().invoke(app, ["replay", "--company", "hut8_2024q2", "--from", "2024-05-01", "--to", "2024-09-30",
                                   "--data", str(shared_csv), "--against-reports"])
    assert out.exit_code == 0, out.output
    assert "No whole calendar month of the window has both reported BTC and reported hashrate" in " ".join(
        out.stdout.split())
    assert "┏" not in out.stdout  # no empty table before the line
    _, summary = api.replay_against_reports("hut8_2024q2", date_from="2024-05-01", date_to="2024-09-30",
                                            data=shared_csv)
    assert summary["n_months"] == 0 and math.isnan(summary["luck_explained_frac"])


@pytest.mark.shared_data
def test_mara_block_wins_are_set_beside_the_poisson_band_of_its_expected_blocks(shared_csv):
    """MARA reports the blocks its pool won (May 170, June 158, July 2024 201). Expected blocks by hand: share of the
    day's network hashrate x the day's blocks, summed. June's 158 against about 189 expected lies below the 5 %
    quantile (P(X <= 158) is about 1 %): the block count, free of fees, says June's reported 26.3 EH/s did not all
    mine, while the BTC (inside their wider band) hide it."""
    from scipy.stats import poisson

    table, summary = api.replay_against_reports("mara_2024q2", date_from="2024-05-01", date_to="2024-07-31",
                                                data=shared_csv)
    days = daily_rows(shared_csv)
    won = {"2024-05": 170, "2024-06": 158, "2024-07": 201}
    for month, n_blocks_won in won.items():
        ehs = table.loc[month, "reported_ehs"]
        expected = sum(ehs / h * n for h, _, n in days[month])
        assert table.loc[month, "reported_blocks"] == n_blocks_won
        low, high = poisson.ppf(0.05, expected), poisson.ppf(0.95, expected)
        assert table.loc[month, "blocks_inside_band"] == bool(low * 0.99 <= n_blocks_won <= high * 1.01), month
    assert 0.005 < poisson.cdf(158, table.loc["2024-06", "expected_blocks"]) < 0.02
    assert not table.loc["2024-06", "blocks_inside_band"]
    assert table.loc["2024-05", "blocks_inside_band"] and table.loc["2024-07", "blocks_inside_band"]
    assert (summary["n_months_blocks"], summary["n_blocks_inside_band"]) == (3, 2)


# --- Issue 14, replay14: reported curtailment, the FPPS terms, sourced payout schemes, bad curtailment ----------


def _riot_with_july_curtailed(curtailed_frac: float, source: str | None = "t: 0.1 of the hours, by hand"):
    """riot_2024q2 with July 2024's reported hashrate carrying a curtailment."""
    data = load_preset("riot_2024q2").model_dump(mode="python", exclude_none=True)
    for row in data["company"]["hashrate_reported"]:
        if row["month"] == "2024-07":
            row["curtailed_frac"] = curtailed_frac
            if source is not None:
                row["curtailed_source"] = source
    return from_dict(data, "test company")


@pytest.mark.shared_data
def test_a_reported_curtailment_takes_its_share_of_the_hours_off_what_the_hashrate_earns(shared_csv):
    scenario = _riot_with_july_curtailed(0.1)
    table, summary = api.replay_against_reports(scenario, date_from="2024-06-01", date_to="2024-07-31",
                                                data=shared_csv)
    days = daily_rows(shared_csv)
    # 15.5 EH/s hashing 90 % of July's hours: 0.9 x sum of 15.5 / network EH/s x (issuance + fees), and 0.9 x the
    # blocks; June, with none reported, earns its whole share.
    july = 0.9 * sum(15.5 / h * btc for h, btc, _ in days["2024-07"])
    assert table.loc["2024-07", "ours_btc"] == pytest.approx(july, rel=1e-9)
    assert table.loc["2024-07", "expected_blocks"] == pytest.approx(
        0.9 * sum(15.5 / h * n for h, _, n in days["2024-07"]), rel=1e-9)
    assert table.loc["2024-07", "curtailed_frac"] == 0.1 and table.loc["2024-06", "curtailed_frac"] == 0.0
    assert table.loc["2024-06", "ours_btc"] == pytest.approx(sum(11.4 / h * btc for h, btc, _ in days["2024-06"]),
                                                             rel=1e-9)
    # The operating hashrate shown is the reported one, before curtailment.
    assert table.loc["2024-07", "operating_ehs"] == 15.5
    assert summary["n_months_curtailed"] == 1


@pytest.mark.shared_data
def test_the_cli_says_which_months_take_a_reported_curtailment(shared_csv, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("month,hashrate_ehs,kind,curtailed_frac\n2024-05,10.0,average_operating,0.25\n"
                    "2024-06,10.0,average_operating,\n")
    args = ["replay", "--company", "iren", "--from", "2024-05-01", "--to", "2024-06-30", "--data", str(shared_csv),
            "--against-reports", "--hashrate", str(path)]
    out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    months = {m["month"]: m for m in json.loads(out.stdout)["months"]}
    days = daily_rows(shared_csv)
    assert months["2024-05"]["ours_btc"] == pytest.approx(0.75 * sum(10.0 / h * b for h, b, _ in days["2024-05"]),
                                                          rel=1e-9)
    assert (months["2024-05"]["curtailed_frac"], months["2024-06"]["curtailed_frac"]) == (0.25, 0.0)
    human = CliRunner().invoke(app, [*args, "--wide"], env={"COLUMNS": "200"})
    assert human.exit_code == 0, human.output
    assert "curtailed (reported)" in human.stdout and "25.0%" in human.stdout
    assert "1 months expect (1 - the curtailed share they reported)" in " ".join(human.stdout.split())


@pytest.mark.shared_data
def test_fpps_on_foundrys_stated_terms_is_what_the_replay_pays(shared_csv):
    # Foundry USA Pool's FPPS (payout methodology, SEC exhibit printed 2023-05-07): a PPS base of hashes x subsidy /
    # (difficulty x 2^32) each UTC day, times an FPPS rate of 1 + the day's fees / the day's subsidies. Built here
    # from the difficulty column, without the network hashrate the replay divides by.
    with open(shared_csv, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["date"].startswith("2024-10")]
    ehs = 19.9
    fpps = sum(ehs * 1e18 * 86_400 / (float(r["difficulty_mean"]) * 2**32)
               * (float(r["issuance_btc"]) / float(r["block_count"]))
               * (1 + float(r["fees_btc"]) / float(r["issuance_btc"])) for r in rows)
    table, _ = api.replay_against_reports("iren_2024q2", date_from="2024-10-01", date_to="2024-10-31",
                                          data=shared_csv)
    assert table.loc["2024-10", "reported_ehs"] == ehs
    assert table.loc["2024-10", "ours_btc"] == pytest.approx(fpps, rel=1e-6)
    # So the FPPS band is the rounding of the published figures only: what 19.85 and 19.95 EH/s earn (the payout
    # is linear in the hashrate: 0.05 / 19.9 of ours either side), met by the reported 439 -/+ 0.5 BTC.
    ours = table.loc["2024-10", "ours_btc"]
    assert table.loc["2024-10", "band_low_btc"] == pytest.approx(ours * (1 - 0.05 / 19.9), rel=1e-12)
    assert table.loc["2024-10", "band_high_btc"] == pytest.approx(ours * (1 + 0.05 / 19.9), rel=1e-12)
    assert (table.loc["2024-10", "reported_low_btc"], table.loc["2024-10", "reported_high_btc"]) == (438.5, 439.5)


#: The payout scheme each preset company declares, and a word its comment must hold.
PAYOUT_SCHEMES = {"riot_2024q2": "fpps", "iren_2024q2": "fpps", "corz_2024q2": "fpps", "clsk_2024q2": "fpps",
                  "hive_2024q2": "fpps", "hut8_2024q2": "fpps", "mara_2024q2": "own_pool"}


@pytest.mark.parametrize("preset", sorted(PAYOUT_SCHEMES))
def test_each_preset_states_its_payout_scheme_and_pool_fee_with_a_source_or_as_an_assumption(preset):
    from importlib.resources import files

    text = (files("hashpivot.scenarios.presets") / f"{preset}.toml").read_text()
    scheme = [line for line in text.splitlines() if line.startswith("payout_scheme")]
    assert len(scheme) == 1
    assert scheme[0].split("#")[0].strip() == f'payout_scheme = "{PAYOUT_SCHEMES[preset]}"'
    assert "source" in scheme[0].split("#", 1)[1] or "assumption" in scheme[0].split("#", 1)[1]
    assert load_preset(preset).company.payout_scheme == PAYOUT_SCHEMES[preset]
    fees = [line for line in text.splitlines() if line.startswith("pool_fee_frac")]
    assert fees
    for line in fees:
        assert "#" in line and ("source" in line or "assumption" in line), line


@pytest.mark.parametrize(("value", "source", "words"), [
    (1.0, "t", ("curtailed_frac", "less than 1")),
    (-0.1, "t", ("curtailed_frac", "greater than or equal to 0")),
    (0.2, None, ("curtailed_frac=0.2", "curtailed_source")),
])
def test_a_bad_curtailment_in_a_scenario_is_an_error(value, source, words):
    with pytest.raises(ScenarioError) as err:
        _riot_with_july_curtailed(value, source)
    for word in words:
        assert word in str(err.value)


@pytest.mark.parametrize(("cell", "shown"), [("1", "'1'"), ("-0.2", "'-0.2'"), ("1.5", "'1.5'"), ("half", "'half'")])
def test_a_bad_curtailment_in_a_hashrate_file_is_bad_input(cell, shown, tmp_path, shared_csv):
    path = tmp_path / "bad.csv"
    path.write_text(f"month,hashrate_ehs,curtailed_frac\n2024-05,10,{cell}\n")
    out = CliRunner().invoke(app, ["replay", "--company", "iren", "--from", "2024-05-01", "--to", "2024-06-30",
                                   "--data", str(shared_csv), "--against-reports", "--hashrate", str(path)])
    assert_bad_input(out, "line 2", f"curtailed_frac={shown}", "[0, 1)")


@pytest.mark.shared_data
def test_a_bad_curtailment_in_a_company_file_is_bad_input_on_the_command_line(tmp_path, shared_csv):
    path = _edited_preset(tmp_path, "curtailed_frac = 0.0", "curtailed_frac = -0.2")
    out = CliRunner().invoke(app, ["replay", "--company", str(path), "--from", "2024-05-01", "--to", "2024-09-30",
                                   "--data", str(shared_csv), "--against-reports"])
    assert_bad_input(out, "curtailed_frac", "-0.2")


# --- Issue 14, replay14: the decimals of a published figure, bad input --------------------------------------------


@pytest.mark.parametrize(("field", "value", "words"), [
    ("hashrate_decimals", -1, ("hashrate_decimals", "greater than or equal to 0")),
    ("hashrate_decimals", 7, ("hashrate_decimals", "less than or equal to 6")),
    ("hashrate_decimals", 1.5, ("hashrate_decimals", "valid integer")),
    ("hashrate_decimals", True, ("hashrate_decimals=true is a boolean",)),
    ("hashrate_ehs", 0.1 + 0.2, ("hashrate_ehs=0.30000000000000004", "17 decimals", "at most 6", "hashrate_decimals")),
    ("published_unit_ehs", 0.25, ("published_unit_ehs=0.25", "hashrate_decimals")),
])
def test_a_bad_hashrate_decimals_in_a_scenario_is_an_error(field, value, words):
    row = {"month": "2024-05", "hashrate_ehs": 8.8, "kind": "average_operating", "source": "t", field: value}
    with pytest.raises(ScenarioError) as err:
        _with_hashrate([row])
    for word in words:
        assert word in str(err.value)


def test_a_row_saved_with_the_former_published_unit_reads_as_its_decimals():
    """published_unit_ehs (0.001 EH/s: IREN's figures to the PH/s) was renamed hashrate_decimals (3): a file saved
    with it still loads, as 3 decimals."""
    row = {"month": "2024-05", "hashrate_ehs": 8.8, "kind": "average_operating", "source": "t",
           "published_unit_ehs": 0.001}
    assert _with_hashrate([row]).company.hashrate_reported[0].hashrate_decimals == 3


@pytest.mark.parametrize(("value", "words"), [(-1, ("btc_decimals", "greater than or equal to 0")),
                                              (7, ("btc_decimals", "less than or equal to 6"))])
def test_a_bad_btc_decimals_in_a_scenario_is_an_error(value, words):
    data = load_preset("riot_2024q2").model_dump(mode="python", exclude_none=True)
    data["company"]["reported_production"][0]["btc_decimals"] = value
    with pytest.raises(ScenarioError) as err:
        from_dict(data, "test company")
    for word in words:
        assert word in str(err.value)


@pytest.mark.shared_data
@pytest.mark.parametrize(("new", "words"), [("hashrate_ehs = 8.8\nhashrate_decimals = -1", ("hashrate_decimals", "-1")),
                                            ("hashrate_ehs = 8.8\nhashrate_decimals = 7", ("hashrate_decimals", "7"))])
def test_a_bad_decimals_count_in_a_company_file_is_bad_input_on_the_command_line(new, words, tmp_path, shared_csv):
    path = _edited_preset(tmp_path, "hashrate_ehs = 8.8", new)
    out = CliRunner().invoke(app, ["replay", "--company", str(path), "--from", "2024-05-01", "--to", "2024-09-30",
                                   "--data", str(shared_csv), "--against-reports"])
    assert_bad_input(out, *words)


def test_a_hashrate_written_with_more_than_6_decimals_in_a_file_is_bad_input(tmp_path, shared_csv):
    path = tmp_path / "bad.csv"
    path.write_text("month,hashrate_ehs\n2024-05,9.1234567\n")
    out = CliRunner().invoke(app, ["replay", "--company", "iren", "--from", "2024-05-01", "--to", "2024-06-30",
                                   "--data", str(shared_csv), "--against-reports", "--hashrate", str(path)])
    assert_bad_input(out, "line 2", "hashrate_ehs='9.1234567'", "7 decimals", "at most 6")


@pytest.mark.shared_data
def test_a_hashrate_files_written_decimals_set_the_band(shared_csv, tmp_path):
    # "10" says 9.5 <= h < 10.5, "10.0" says 9.95 <= h < 10.05: the FPPS band is what each end earns, by hand.
    path = tmp_path / "mine.csv"
    path.write_text("month,hashrate_ehs\n2024-05,10\n2024-06,10.0\n")
    table, _ = api.replay_against_reports("iren", date_from="2024-05-01", date_to="2024-06-30", data=shared_csv,
                                          hashrate=path)
    days = daily_rows(shared_csv)
    for month, (low, high) in {"2024-05": (9.5, 10.5), "2024-06": (9.95, 10.05)}.items():
        assert table.loc[month, "band_low_btc"] == pytest.approx(sum(low / h * b for h, b, _ in days[month]), rel=1e-9)
        assert table.loc[month, "band_high_btc"] == pytest.approx(sum(high / h * b for h, b, _ in days[month]),
                                                                  rel=1e-9)
    assert list(table["hashrate_decimals"]) == [0, 1]


def test_a_hashrate_file_may_open_with_a_byte_order_mark(tmp_path, shared_csv):
    """A spreadsheet's UTF-8 export starts with a byte-order mark: it is not part of the first column's name."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbfmonth,hashrate_ehs\n2024-05,10.0\n")
    table, _ = api.replay_against_reports("iren", date_from="2024-05-01", date_to="2024-05-31", data=shared_csv,
                                          hashrate=path)
    assert list(table.index) == ["2024-05"]


@pytest.mark.parametrize(("args", "words"), [
    (["--html", "x.html"], ("--html is given without --against-reports",)),
    (["--pool-fee", "0.02"], ("--pool-fee is given without --against-reports",)),
    (["--against-reports", "--html", "."], ("--html .", "not a directory")),
])
def test_options_of_the_comparison_are_not_dropped_unsaid(args, words, shared_csv):
    out = CliRunner().invoke(app, ["replay", "--company", "riot", "--from", "2024-05-01", "--to", "2024-06-30",
                                   "--data", str(shared_csv), *args])
    assert_bad_input(out, *words)


@pytest.mark.shared_data
def test_a_company_without_reported_hashrate_or_none_in_the_window_is_bad_input(shared_csv):
    """iren_latest carries no reported months (its halving preset does): exit 2 naming the preset that does and
    --hashrate; a window before IREN's first reported month (2024-05) is exit 2 naming the months it has."""
    out = CliRunner().invoke(app, ["replay", "--company", "iren_latest", "--from", "2024-05-01", "--to",
                                   "2024-09-30", "--data", str(shared_csv), "--against-reports"])
    assert_bad_input(out, "iren_latest: no [[company.hashrate_reported]] rows", "iren_2024q2 (2024-05..2025-08)",
                     "--hashrate FILE.csv")
    out = CliRunner().invoke(app, ["replay", "--company", "iren", "--from", "2022-01-01", "--to", "2022-12-31",
                                   "--data", str(shared_csv), "--against-reports"])
    assert_bad_input(out, "iren_2024q2: none of its reported months (2024-05..2025-08)", "2022-01-01..2022-12-31",
                     "--from", "--to")


@pytest.mark.shared_data
def test_an_uptime_fitted_above_1_is_held_at_1_and_stated(shared_csv, tmp_path):
    # Riot's reported May and June 2024 BTC (a figure too low for them: month-end 5.0 and 6.0 EH/s). At uptime 1,
    # May earns what 5.0 EH/s earns (no April figure), June what 6.0 earns (May's figure is of another kind, so
    # it is not averaged in): by hand from the table.
    path = tmp_path / "month_end.csv"
    path.write_text("month,hashrate_ehs,kind\n2024-05,5.0,energized_month_end\n2024-06,6.0,deployed_month_end\n")
    table, summary = api.replay_against_reports("riot", date_from="2024-05-01", date_to="2024-06-30",
                                                data=shared_csv, hashrate=path)
    days = daily_rows(shared_csv)
    earned = {"2024-05": sum(5.0 / h * btc for h, btc, _ in days["2024-05"]),
              "2024-06": sum(6.0 / h * btc for h, btc, _ in days["2024-06"])}
    fitted = table["reported_btc"].sum() / sum(earned.values())
    assert fitted > 1.0
    assert summary["uptime_fit_frac"] == 1.0
    assert summary["uptime_fitted_uncapped_frac"] == pytest.approx(fitted, rel=1e-9)
    for month, btc in earned.items():
        assert table.loc[month, "ours_btc"] == pytest.approx(btc, rel=1e-9)
    out = CliRunner().invoke(app, ["replay", "--company", "riot", "--from", "2024-05-01", "--to", "2024-06-30",
                                   "--data", str(shared_csv), "--hashrate", str(path)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert f"2 month-end months x uptime 1: the fit, {fitted:.3f}, is above 1" in " ".join(out.stdout.split())


@pytest.mark.shared_data
def test_a_replay_of_a_fleet_larger_than_the_network_is_refused(shared_csv):
    # Riot's 2024 fleet in January 2012, when the network was under 1e-5 EH/s: it would mine more than was issued.
    out = CliRunner().invoke(app, ["replay", "--company", "riot", "--from", "2012-01-02", "--to", "2012-02-29",
                                   "--data", str(shared_csv)])
    installed = load_preset("riot_2024q2").company.installed_ehs()
    with open(shared_csv, newline="") as fh:
        network = {r["date"]: float(r["hashrate_ehs"]) for r in csv.DictReader(fh)}
    # the first day after the last day the network was below the fleet
    last_below = max(d for d, h in network.items() if h < installed)
    first_above = min(d for d in network if d > last_below)
    assert_bad_input(out, "the company's fleets", f"{installed:.4g} EH/s installed", "part of the network's",
                     f"--from on or after {first_above}")


@pytest.mark.shared_data
def test_a_replay_from_the_tables_first_day_names_the_first_day_it_can_start(shared_csv):
    # day 0 is the day before --from: the table's first day (2012-01-01) can only be day 0, so --from 2012-01-02
    out = CliRunner().invoke(app, ["replay", "--company", "riot", "--from", "2012-01-01", "--to", "2012-01-31",
                                   "--data", str(shared_csv)])
    line = assert_bad_input(out, "needs the chain table from 2011-12-31 (day 0)", "--from 2012-01-02",
                            "to --to 2025-12-29")
    assert "2012-01-01..2025-12-29" not in line


@pytest.mark.shared_data
def test_a_pool_fee_in_percent_is_the_same_fee(shared_csv):
    args = ["replay", "--company", "iren", "--from", "2024-05-01", "--to", "2024-06-30", "--data", str(shared_csv),
            "--against-reports", "--json", "--pool-fee"]
    pct, frac = (json.loads(CliRunner().invoke(app, [*args, v]).stdout)["months"] for v in ("2%", "0.02"))
    assert pct == frac
