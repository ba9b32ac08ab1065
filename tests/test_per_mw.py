"""Per-MW economics of mining vs an AI GPU cloud (IREN-like inputs), each figure by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hashpivot.analysis.per_mw import iren_like, per_mw_table, sensitivities
from hashpivot.cli import app


def test_iren_like_mining_by_hand():
    inputs = iren_like()
    table = per_mw_table(inputs)
    # 1 MW at 15 J/TH = 66,667 TH/s; x 0.0513 USD/TH/day = 3,420 USD; power 24 MWh x 33 USD = 792 USD.
    assert table.at["mining", "revenue_usd_per_mw_day"] == pytest.approx(1e6 / 15 * 0.0513, rel=1e-12)
    assert table.at["mining", "power_usd_per_mw_day"] == pytest.approx(24 * 33.0, rel=1e-12)
    assert table.at["mining", "margin_frac"] == pytest.approx(1 - 792 / 3420, rel=1e-12)
    assert table.at["mining", "capex_usd_per_mw"] == pytest.approx(1e6 / 15 * 17.5, rel=1e-12)


def test_iren_like_gpu_cloud_by_hand():
    table = per_mw_table(iren_like())
    n_gpus = 1000 / (1.275 * 1.2)  # 653.6 GPUs per grid MW
    revenue = n_gpus * 1.873 * 0.9 * 24
    assert table.at["gpu_cloud", "revenue_usd_per_mw_day"] == pytest.approx(revenue, rel=1e-12)
    assert table.at["gpu_cloud", "margin_frac"] == pytest.approx(1 - 24 * 33.0 / revenue, rel=1e-12)
    assert table.at["gpu_cloud", "payback_years"] == pytest.approx(
        n_gpus * 40_000 / ((revenue - 792.0) * 365), rel=1e-12)


def test_the_articles_98_vs_75_percent():
    """IREN reports about 97-98 % hardware margin for AI cloud and about 75 % for mining (FY2025)."""
    table = per_mw_table(iren_like())
    assert 0.96 <= table.at["gpu_cloud", "margin_frac"] <= 0.99
    assert 0.72 <= table.at["mining", "margin_frac"] <= 0.80
    assert table.at["gpu_cloud", "margin_usd_per_mw_day"] > 5 * table.at["mining", "margin_usd_per_mw_day"]


def test_sensitivities_move_only_the_gpu_cloud():
    s = sensitivities(iren_like(), rent_drop_frac=0.4, utilisation_frac=0.6).set_index(["case", "segment"])
    base = s.loc[("base", "gpu_cloud"), "revenue_usd_per_mw_day"]
    assert s.loc[("GPU rent -40%", "gpu_cloud"), "revenue_usd_per_mw_day"] == pytest.approx(0.6 * base, rel=1e-12)
    assert s.loc[("utilisation 60%", "gpu_cloud"), "revenue_usd_per_mw_day"] == pytest.approx(
        base * 0.6 / 0.9, rel=1e-12)
    assert s.loc[("GPU rent -40%", "mining"), "margin_frac"] == s.loc[("base", "mining"), "margin_frac"]
    # Margins stay high, payback stretches: the risk is in the capex, not the margin share.
    assert s.loc[("GPU rent -40%", "gpu_cloud"), "payback_years"] > 1.6 * s.loc[("base", "gpu_cloud"), "payback_years"]


def test_margins_command_json_and_bad_input():
    runner = CliRunner()
    result = runner.invoke(app, ["margins", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert {(r["case"], r["segment"]) for r in rows} >= {("base", "mining"), ("base", "gpu_cloud")}
    human = runner.invoke(app, ["margins"], env={"COLUMNS": "200"})
    assert human.exit_code == 0 and "gpu_cloud" in human.stdout and "97.0 %" in human.stdout
    # a rule between one case's two segments and the next case's
    n_cases = len({r["case"] for r in rows})
    assert n_cases >= 2 and sum(line.startswith("├") for line in human.stdout.splitlines()) == n_cases - 1
    bad = runner.invoke(app, ["margins", "--rent-drop", "1.5"])
    assert bad.exit_code == 2
    assert "--rent-drop" in bad.stderr and "1.5" in bad.stderr


def test_a_gpu_cloud_that_earns_nothing_has_no_payback():
    # rent -100 %: GPU revenue 0, margin = -24 MWh x 33 USD = -792 USD/MW-day; no margin share, payback never
    runner = CliRunner()
    result = runner.invoke(app, ["margins", "--rent-drop", "1", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = [r for r in json.loads(result.stdout)["rows"] if r["case"] == "GPU rent -100%" and
              r["segment"] == "gpu_cloud"]
    assert row["margin_usd_per_mw_day"] == pytest.approx(-24 * 33.0, rel=1e-12)
    assert row["margin_frac"] is None and row["payback_years"] is None
    human = runner.invoke(app, ["margins", "--rent-drop", "1"], env={"COLUMNS": "200"})
    assert human.exit_code == 0, human.output
    (line,) = [x for x in human.stdout.splitlines() if "GPU rent -100%" in x and "gpu_cloud" in x]
    assert line.split("│")[-2].strip() == "never" and "inf" not in human.stdout


def test_every_fraction_option_takes_a_percent_too():
    # --rent-drop 40% is --rent-drop 0.4 (it was refused by the option parser, with no range)
    runner = CliRunner()
    as_pct, as_frac = (json.loads(runner.invoke(app, ["margins", "--rent-drop", v, "--utilisation", u,
                                                      "--json"]).stdout) for v, u in (("40%", "60%"), ("0.4", "0.6")))
    assert as_pct == as_frac
    bad = runner.invoke(app, ["margins", "--rent-drop", "140%"])
    assert bad.exit_code == 2 and "--rent-drop='140%'" in bad.stderr and "0 % to 100 %" in bad.stderr
