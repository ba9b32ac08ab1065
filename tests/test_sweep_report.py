"""The sweep's HTML report (issue 12, point 4) and ``hashpivot sweep --out``: every figure is read back from the
page and compared with the sweep's own summary, a line per value of the other axis, the band from p5 to p95."""

from __future__ import annotations

import html
import json
import re

import pytest
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from hashpivot import api
from hashpivot.cli import app
from hashpivot.report.sweep_report import SECTION_IDS, render_sweep_report
from hashpivot.scenarios.variants import replace

PRICE = "company.sites.texas.power_price_usd_per_mwh"
AXES = {PRICE: [35.0, 55.0, 45.0], "policy.treasury.kind": ["sell_all", "hold_all"]}


@pytest.fixture(scope="module")
def swept():
    base = replace(api.load("default", n_paths=64), "run.horizon_days", 2 * 365)
    return api.sweep(base, axes=AXES)


def figures(page: str) -> dict[str, dict]:
    blocks = re.findall(r'<script type="application/json" class="hashpivot-figure" data-target="([^"]+)">(.*?)'
                        r"</script>", page, flags=re.S)
    return {target: json.loads(text) for target, text in blocks}


def test_the_page_has_every_section_and_a_figure_per_axis(swept):
    page = render_sweep_report(swept)
    for sid in SECTION_IDS:
        assert f'<section id="{sid}">' in page, sid
    assert sorted(figures(page)) == ["by-axis-0", "by-axis-1"]
    text = re.sub(r"<script.*?</script>", "", page, flags=re.S)  # plotly.js and the figures' JSON (no NaN allowed)
    assert not re.search(r"\bnan\b", text, flags=re.I)  # a missing value reads — (format.MISSING)


def test_each_line_is_the_summary_of_its_variants_in_axis_order(swept):
    page = render_sweep_report(swept)
    fig = figures(page)["by-axis-0"]  # NAV against the power price, a line per treasury kind
    summary = swept.summary[swept.summary["metric"] == "nav_usd"]
    for kind in ("sell_all", "hold_all"):
        traces = [t for t in fig["data"] if t.get("legendgroup") == f"treasury_kind={kind}"]
        upper, lower, line = traces  # the band's upper and lower edges, then the line
        assert line["x"] == [35.0, 45.0, 55.0]  # sorted, though the axis listed 35, 55, 45
        for stat, trace in (("mean", line), ("p5", lower), ("p95", upper)):
            want = [summary[(summary["treasury_kind"] == kind) & (summary["power_price_usd_per_mwh"] == x)
                            & (summary["stat"] == stat)]["value"].item() for x in (35.0, 45.0, 55.0)]
            assert trace["y"] == pytest.approx(want, rel=1e-12), (kind, stat)
        assert lower["fill"] == "tonexty"


def test_the_differences_table_names_the_baseline_and_says_within_noise(swept):
    page = render_sweep_report(swept)
    section = page[page.index('<section id="differences">'):page.index('<section id="variants">')]
    assert "Against the baseline v0" in section
    assert section.count("<tr>") == 1 + swept.n_variants  # header and one row per variant (one policy each)


def test_the_sweep_command_writes_its_report_into_out(tmp_path):
    out = tmp_path / "sw"
    result = CliRunner().invoke(app, ["sweep", "default", "--set", f"{PRICE}=35,45", "--paths", "64", "--no-store",
                                      "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert files == {"html": str(out / "sweep.html")}
    assert '<section id="by-axis">' in (out / "sweep.html").read_text()


def test_an_out_that_is_a_file_exits_2_before_the_sweep_runs(tmp_path, monkeypatch):
    import hashpivot.parallel.executor as executor

    monkeypatch.setattr(executor.Executor, "run_variants", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    target = tmp_path / "taken"
    target.write_text("mine")
    result = CliRunner().invoke(app, ["sweep", "default", "--set", f"{PRICE}=35,45", "--paths", "64", "--no-store",
                                      "--out", str(target)])
    assert_bad_input(result, "--out", str(target))
    assert target.read_text() == "mine"


def test_the_sweep_report_carries_the_data_attribution_and_the_shared_page(swept):
    from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION
    from hashpivot.report.sim_report import _CSS

    page = render_sweep_report(swept)
    assumptions = page.split('<section id="assumptions">', 1)[1].split("</section>", 1)[0]
    assert html.escape(CHAIN_TABLE_ATTRIBUTION) in assumptions  # beside the presets' market facts
    assert f"<style>{_CSS}</style>" in page  # the base template's head, as in the simulation report
    assert page.count("<nav>") == 1 and page.rstrip().endswith("</html>")


def test_a_sweep_over_the_horizon_says_its_variants_end_on_different_days(tmp_path):
    """Terminal figures of a 1-year and a 2-year variant are a year apart: the terminal, the JSON and the page say
    so, with each variant's last day (2024-04-20 + 365 days = 2025-04-20; + 730 = 2026-04-20)."""
    args = ["sweep", "default", "--set", "run.horizon_days=365,730", "--paths", "64", "--no-store",
            "--policy", "sell_all"]
    shown = CliRunner().invoke(app, [*args, "--out", str(tmp_path)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert ("The variants end on different days (v0 on 2025-04-20, v1 on 2026-04-20): each figure is at its own "
            "horizon") in shown.output
    page = (tmp_path / "sweep.html").read_text()
    assert "v0 on 2025-04-20, v1 on 2026-04-20" in html.unescape(page)
    as_json = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    assert [v["last_day"] for v in as_json["variants"]] == ["2025-04-20", "2026-04-20"]


def test_a_sweep_that_ends_every_variant_on_one_day_says_nothing_of_horizons(swept):
    assert set(swept.last_days()) == {"2026-04-20"} and swept.horizons_note() is None
    assert "end on different days" not in render_sweep_report(swept)


def test_a_sweep_over_a_list_item_and_another_axis_prints_its_table(tmp_path):
    # Two axes, one through a list index: its column once began with the index ("0_power_price_usd_per_mwh"),
    # which is no Python name, and the table's rows could not be read (exit 1 after the run was written).
    args = ["sweep", "default", "--paths", "16", "--no-store", "--policy", "sell_all",
            "--set", "company.btc_held=0,5000", "--set", "company.sites.0.power_price_usd_per_mwh=30,60"]
    shown = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    payload = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert payload["axes"] == {"company.btc_held": "company_btc_held",
                               "company.sites.0.power_price_usd_per_mwh": "sites_0_power_price_usd_per_mwh"}
    rows = [[c.strip() for c in line.split("│")[1:-1]]
            for line in shown.stdout.splitlines() if line.startswith("│")]
    assert [r[:4] for r in rows] == [["0", "0", "30", "sell_all"], ["1", "0", "60", "sell_all"],
                                     ["2", "5000", "30", "sell_all"], ["3", "5000", "60", "sell_all"]]


def test_the_readme_sweep_fits_80_columns_without_a_header_cut_mid_word():
    # the README's sweep: the treasury kind axis is the policy column again (shown once), and every header
    # fits whole (they broke mid-word: "power_price / _usd_per_mw / h", "treasury_ki / nd")
    args = ["sweep", "default", "--set", f"{PRICE}=35,45,55", "--set", "policy.treasury.kind=sell_all,hold_all",
            "--paths", "20", "--no-store"]
    out = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = [[c.strip() for c in line.split("┃")[1:-1]] for line in lines if line.startswith("┃")]
    assert header[-1] == ["v", "power_price_usd_per_mwh", "policy", "nav_usd:mean", "(nav_usd)", "s.e."]
    assert header[0][4] == "vs v0"
