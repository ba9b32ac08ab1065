"""One definition of what a MW earns (issue 16): the report, the CLI and the dashboard show the same number for
the same run, and it is the median over paths of the horizon's margin per MW-day, derived here from the run's
per-path revenue, power cost and MW-days."""

from __future__ import annotations

import re

import numpy as np
import pytest
from cli_helpers import small_scenario_toml
from typer.testing import CliRunner

from hashpivot import api
from hashpivot.analysis.compare import comparison_cells
from hashpivot.analysis.per_mw import run_margins
from hashpivot.cli import app
from hashpivot.format import margin_label

N_PATHS = 40
POLICIES = ("sell_all", "hold_all", "buy_with_equity")


@pytest.fixture(scope="module")
def small_scenario(tmp_path_factory):
    """The default preset shortened to one year, as a TOML file."""
    return small_scenario_toml(tmp_path_factory.mktemp("scenario"))


def _per_path(result, policy: str) -> np.ndarray:
    """Each path's (mining revenue - mining power cost) / mining MW-days over the horizon. [USD/MW-day]"""
    ds = result.dataset.sel(policy=policy)
    return (ds["mining_revenue_usd"].values - ds["mining_opex_usd"].values) / ds["mining_mw_days"].values


def _by_hand(result, policy: str) -> float:
    """Median over paths of :func:`_per_path`. [USD/MW-day]"""
    return float(np.median(_per_path(result, policy)))


def _as_text(value: float) -> str:
    """How a number of USD/MW-day is written: whole with separators from 100 up, else 4 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _cli_cells(stdout: str, header_word: str) -> dict[str, str]:
    """Policy -> cell of the column whose header starts with ``header_word``, from the CLI's comparison grid (the
    first table printed: the value table and others follow)."""
    lines = stdout.splitlines()
    lines = lines[:next(i for i, line in enumerate(lines) if line.startswith("└"))]
    heads = [line.split("┃")[1:-1] for line in lines if line.startswith("┃")]
    col = next(j for j, cell in enumerate(heads[0]) if cell.strip().startswith(header_word))
    rows = [line.split("│")[1:-1] for line in lines if line.startswith("│")]
    return {cells[0].strip(): cells[col].strip() for cells in rows}


def _report_cells(html_text: str, header: str) -> dict[str, str]:
    """Policy -> the median (before its p5-p95 range) of the column ``header`` of the report's summary table."""
    table = re.search(r'<table class="summary">(.*?)</table>', html_text, re.S).group(1)
    heads = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th>(.*?)</th>", table)]
    col = heads.index(header)
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1]):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        out[re.sub(r"<[^>]+>", "", cells[0])] = re.sub(r"<[^>]+>", "", cells[col].split('<span class="range">')[0])
    return out


def test_report_cli_and_dashboard_show_the_same_median_margin_per_mw(small_scenario, tmp_path):
    out = tmp_path / "report"
    args = ["compare", str(small_scenario), "--paths", str(N_PATHS), "--no-store", "--wide", "--out", str(out)]
    for p in POLICIES:
        args += ["--policy", p]
    cli = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert cli.exit_code == 0, cli.output
    cli_cells = _cli_cells(cli.stdout, "mining p50")
    report_cells = _report_cells((out / "report.html").read_text(encoding="utf-8"), margin_label("mining"))
    result = api.run(small_scenario, policies=list(POLICIES), n_paths=N_PATHS)  # the same run: same file, seed
    dashboard_cells = comparison_cells(result.summary)[margin_label("mining")].to_dict()
    margins = run_margins(result.summary).set_index(["policy", "segment"])
    for policy in POLICIES:
        by_hand = _by_hand(result, policy)
        assert margins.at[(policy, "mining"), "usd_per_mw_day"] == pytest.approx(by_hand, rel=1e-12)
        assert margins.at[(policy, "mining"), "usd_per_mw_year"] == pytest.approx(by_hand * 365, rel=1e-12)
        expected = _as_text(by_hand)
        assert (cli_cells[policy], report_cells[policy], dashboard_cells[policy]) == (expected,) * 3, policy
    # The figure is what the label says, not another column's: the median, not the mean, of the per-path margins.
    mean_text = _as_text(float(np.mean(_per_path(result, POLICIES[0]))))
    assert mean_text != _as_text(_by_hand(result, POLICIES[0]))
