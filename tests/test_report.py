"""The simulation report (report/sim_report.py) and the numbers behind it (analysis/fan.py).

The report of a small run of the default preset is written once per module; tests read it back with
an HTML parser (section ids, the JSON blocks) rather than searching for substrings, and compare the
embedded numbers with the result they came from.
"""

from __future__ import annotations

import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashpivot.analysis.fan import FAN_QUANTILES, fan_quantiles, insolvency_curve, summary_table
from hashpivot.engine.run import simulate
from hashpivot.report.sim_report import DATA_SCRIPT_ID, FIGURE_CLASS, SECTION_IDS, format_usd, write_report
from hashpivot.scenarios.toml import from_dict, from_toml, load_preset

FAN_SECTIONS = {"fan-nav": "monthly_nav_usd", "fan-btc": "monthly_btc_held",
                "fan-btc-per-share": "monthly_btc_per_share", "fan-nav-per-share": "monthly_nav_per_share_usd"}
SATS_PER_BTC = 1e8


class _Page(HTMLParser):
    """Ids of every element, the text of every <script> and <pre>, and the attributes of each script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.section_ids: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.pre: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(str(attributes["id"]))
            if tag == "section":
                self.section_ids.append(str(attributes["id"]))
        if tag in ("script", "pre"):
            self._open = (tag, attributes)
            self._text = []

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            text = "".join(self._text)
            if tag == "script":
                self.scripts.append((self._open[1], text))
            else:
                self.pre.append(text)
            self._open = None


@pytest.fixture(scope="module")
def result():
    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=200, horizon_days=400, store_paths=200)
    return simulate(from_dict(data, "default, small"))


@pytest.fixture(scope="module")
def report(result, tmp_path_factory) -> Path:
    return write_report(result, tmp_path_factory.mktemp("report") / "sub" / "report.html")


@pytest.fixture(scope="module")
def page_text(report) -> str:
    return report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(page_text) -> _Page:
    parser = _Page()
    parser.feed(page_text)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def figures(page) -> dict[str, dict]:
    return {str(attrs["data-target"]): json.loads(text) for attrs, text in page.scripts
            if attrs.get("class") == FIGURE_CLASS}


@pytest.fixture(scope="module")
def data(page) -> dict:
    blocks = [text for attrs, text in page.scripts if attrs.get("id") == DATA_SCRIPT_ID]
    assert len(blocks) == 1
    assert [attrs.get("type") for attrs, _ in page.scripts if attrs.get("id") == DATA_SCRIPT_ID] == [
        "application/json"]
    return json.loads(blocks[0])


# ------------------------------------------------------------------------------------------ the page


def test_report_is_written_where_asked(report, tmp_path_factory):
    assert report.name == "report.html"
    assert report.is_file()
    assert report.stat().st_size > 1_000_000  # plotly.js alone is several MB
    assert [p.name for p in report.parent.iterdir()] == ["report.html"]  # no temporary file left


def test_every_section_once(page):
    assert page.section_ids == list(SECTION_IDS)
    assert len(page.ids) == len(set(page.ids))


def test_the_report_opens_with_the_answer_and_carries_the_data_attribution(page, page_text, result):
    from hashpivot.domain.sources import CHAIN_TABLE_ATTRIBUTION

    assert page.section_ids[0] == "answer"
    answer = page_text[page_text.index('id="answer"'):page_text.index('id="scenario"')]
    for topic in ("What a MW earns:", "Best policy", "It hangs on:"):
        assert f"<b>{topic}" in answer
    assert CHAIN_TABLE_ATTRIBUTION in page_text


def test_plotly_js_inlined_exactly_once_and_no_remote_scripts(page_text, page):
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    banner = f"plotly.js v{get_plotlyjs_version()}"
    assert page_text.count(banner) == 1
    bundles = [text for attrs, text in page.scripts if text == get_plotlyjs()]
    assert len(bundles) == 1
    assert not [attrs for attrs, _ in page.scripts if "src" in attrs]
    assert re.search(r"<script[^>]*\ssrc\s*=", page_text, flags=re.IGNORECASE) is None
    # the bundle itself names a CDN (topojson for geo maps, unused here); nothing else may
    outside = page_text.replace(get_plotlyjs(), "")
    assert "cdn.plot.ly" not in outside
    assert "https://" not in "".join(text for attrs, text in page.scripts if text != get_plotlyjs())


@pytest.mark.parametrize("section", sorted(FAN_SECTIONS))
def test_fan_chart_has_a_median_per_policy_matching_the_data(section, figures, result):
    fig = figures[f"fig-{section}"]
    policies = result.policies
    dates = [f"{d:%Y-%m-%d}" for d in pd.DatetimeIndex(result.dataset["date"].values)]
    medians = [t for t in fig["data"] if t.get("hoverinfo") != "skip"]
    assert [t["name"] for t in medians] == policies
    assert {t["legendgroup"] for t in fig["data"]} == set(policies)
    assert len(fig["data"]) == 5 * len(policies)  # two bands (two lines each) and the median
    scale = SATS_PER_BTC if section == "fan-btc-per-share" else 1.0
    values = result.dataset[FAN_SECTIONS[section]].values
    for i, trace in enumerate(medians):
        assert trace["x"] == dates
        expected = np.quantile(values[i].astype(np.float64), 0.5, axis=0) * scale
        np.testing.assert_allclose(np.array(trace["y"], dtype=float), expected, rtol=1e-12)


def test_other_figures_present(figures, result, data):
    assert set(figures) == {f"fig-{s}" for s in SECTION_IDS if s not in ("answer", "scenario", "summary", "value", "assumptions")}
    insolvency = figures["fig-insolvency"]["data"]
    assert [t["name"] for t in insolvency] == result.policies
    heat = figures["fig-win-rate"]["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["z"] == data["win_rate"]["matrix"]
    market = [t for t in figures["fig-market"]["data"] if t.get("hoverinfo") != "skip"]
    assert [t["name"] for t in market] == ["hashprice", "BTC price", "network hashrate"]
    np.testing.assert_allclose(
        np.array(market[0]["y"], dtype=float),
        np.quantile(result.dataset["monthly_hashprice_usd_per_th_day"].values.astype(np.float64), 0.5, axis=0),
        rtol=1e-12,
    )


def test_embedded_data(data, result):
    assert data["policies"] == result.policies
    assert data["seed"] == result.seed
    assert data["version"] == result.version
    assert data["n_paths"] == 200
    assert len(data["summary"]) == len(result.summary)
    got = pd.DataFrame(data["summary"])
    pd.testing.assert_frame_equal(
        got[["policy", "metric", "stat"]], result.summary[["policy", "metric", "stat"]].reset_index(drop=True)
    )
    np.testing.assert_array_equal(got["value"].astype(float).to_numpy(), result.summary["value"].to_numpy())
    win = np.array([[np.nan if v is None else v for v in row] for row in data["win_rate"]["matrix"]])
    np.testing.assert_array_equal(win, result.win_rate.loc[result.policies, result.policies].to_numpy())
    assert data["win_rate"]["policies"] == result.policies
    curves = insolvency_curve(result.dataset["insolvent_day"].values, result.dataset["day"].values)
    for i, policy in enumerate(result.policies):
        np.testing.assert_array_equal(np.array(data["insolvency"]["probability"][policy], dtype=float), curves[i])


def test_assumptions_hold_the_stored_scenario(page, result):
    assert len(page.pre) == 1
    assert page.pre[0] == result.scenario_toml
    assert from_toml(page.pre[0]) == from_toml(result.scenario_toml)


def test_the_result_carries_the_scenario_that_was_run():
    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=4, horizon_days=40, store_paths=4)
    scenario = from_dict(data, "default, tiny")
    result = simulate(scenario)
    assert result.scenario is scenario
    assert result.dataset.attrs["scenario_toml"] == result.scenario_toml
    assert from_toml(result.scenario_toml) == result.scenario


def test_scenario_section_names_the_company_and_fleets(page_text, result):
    scenario = from_toml(result.scenario_toml)
    section = page_text.split('<section id="scenario">', 1)[1].split("</section>", 1)[0]
    text = html.unescape(re.sub(r"<[^>]+>", " ", section))
    assert scenario.company.name in text
    for fleet in scenario.company.fleets:
        row = re.search(rf"{re.escape(fleet.name)}\s+{re.escape(fleet.site)}\s+(\S+)\s+(\S+)\s+(\S+)", text)
        assert row is not None
        assert [float(v.replace(",", "")) for v in row.groups()] == pytest.approx(
            [fleet.hashrate_ehs, fleet.efficiency_j_per_th, fleet.power_mw], abs=0.05)
    for site in scenario.company.sites:
        assert re.search(rf"{re.escape(site.name)}\s+[\d,.]+\s+{site.power_price_usd_per_mwh:,.2f}", text)
    assert f"seed {scenario.run.seed}" in text
    for pol in scenario.treasury_policies():
        assert pol.label in text


def _nav_caption(page_text: str) -> str:
    section = page_text.split('<section id="fan-nav">', 1)[1].split("</section>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", section)).split())


def test_the_nav_chart_says_what_nav_counts(page_text):
    """The default preset's NAV counts its contracts and fleets (nav_basis = "with_contracts"): its caption says so
    (test_report_without_stored_paths checks the balance-sheet basis)."""
    assert ("NAV = BTC held x BTC price + cash - debt, plus what the AI/HPC contracts still pay and what the fleets "
            "would resell for, at each month end") in _nav_caption(page_text)


def test_report_without_stored_paths(tmp_path):
    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=40, horizon_days=60, store_paths=0)
    data["company"]["nav_basis"] = "balance_sheet"
    small = simulate(from_dict(data, "default, no stored paths"))
    parser = _Page()
    text = write_report(small, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "cash - debt (the balance sheet's, nav_basis), at each month end" in _nav_caption(text)
    parser.feed(text)
    assert parser.section_ids == list(SECTION_IDS)
    fig = next(json.loads(text) for attrs, text in parser.scripts if attrs.get("data-target") == "fig-fan-nav")
    medians = [t for t in fig["data"] if t.get("hoverinfo") != "skip"]
    assert [t["name"] for t in medians] == small.policies
    assert all(v is None for t in medians for v in t["y"])
    figure_divs = [t for t in parser.ids if t.startswith("fig-")]
    assert len(figure_divs) == 8  # four fans, market, insolvency, win rate, margin


# ------------------------------------------------------------------------------------ atomic writes


def test_failed_replace_leaves_no_file(result, tmp_path, monkeypatch):
    def refuse(src, dst):
        raise OSError("disk says no")

    monkeypatch.setattr(os, "replace", refuse)
    target = tmp_path / "report.html"
    with pytest.raises(OSError, match="disk says no"):
        write_report(result, target)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_previous_report(result, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("previous report", encoding="utf-8")

    def refuse(src, dst):
        raise OSError("disk says no")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        write_report(result, target)
    assert target.read_text(encoding="utf-8") == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_parent_is_a_file(result, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OSError):
        write_report(result, blocker / "report.html")
    assert [p.name for p in tmp_path.iterdir()] == ["not_a_folder"]


# ------------------------------------------------------------------------------------ analysis/fan.py


def test_fan_quantiles_by_hand():
    values = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    fan = fan_quantiles(values, index=["2024-01-31", "2024-02-29"])
    assert list(fan.columns) == list(FAN_QUANTILES) == ["p5", "p25", "p50", "p75", "p95"]
    assert list(fan.index) == ["2024-01-31", "2024-02-29"]
    # linear interpolation between order statistics: position q x (n - 1) = 3q
    np.testing.assert_allclose(fan.loc["2024-01-31"].to_numpy(), [1.15, 1.75, 2.5, 3.25, 3.85], rtol=1e-12)
    np.testing.assert_allclose(fan.loc["2024-02-29"].to_numpy(), [11.5, 17.5, 25.0, 32.5, 38.5], rtol=1e-12)


def test_fan_quantiles_ignores_nan_and_keeps_empty_dates_nan():
    values = np.array([[1.0, np.nan], [np.nan, np.nan], [3.0, np.nan]])
    fan = fan_quantiles(values, {"p50": 0.5, "p0": 0.0})
    assert fan.at[0, "p50"] == 2.0
    assert fan.at[0, "p0"] == 1.0
    assert np.isnan(fan.loc[1]).all()


def test_fan_quantiles_rejects_bad_shapes():
    with pytest.raises(ValueError, match="sample, date"):
        fan_quantiles(np.arange(3.0))
    with pytest.raises(ValueError, match="index"):
        fan_quantiles(np.ones((2, 3)), index=["a", "b"])
    assert fan_quantiles(np.empty((0, 2))).isna().all().all()


def test_insolvency_curve_by_hand():
    days = np.array([-1, 0, 5, 5, 40])
    month_days = np.array([0, 4, 5, 30, 40, 50])
    # day 0: one path (insolvent on day 0); day 5: three; day 40: four; the -1 path never
    np.testing.assert_allclose(insolvency_curve(days, month_days), [0.2, 0.2, 0.6, 0.6, 0.8, 0.8], rtol=1e-15)


def test_insolvency_curve_per_policy():
    days = np.array([[-1, -1, -1, -1], [3, -1, 1, 10]])
    curves = insolvency_curve(days, np.array([0, 1, 3, 9, 10]))
    assert curves.shape == (2, 5)
    np.testing.assert_array_equal(curves[0], [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(curves[1], [0, 0.25, 0.5, 0.5, 0.75])
    with pytest.raises(ValueError):
        insolvency_curve(np.array([], dtype=np.int64), np.array([0]))


def test_summary_table_pivots_the_tidy_summary():
    rows = [("b", "nav_usd", "p50", 2.0), ("a", "nav_usd", "p5", -1.0), ("a", "nav_usd", "p50", 1.0),
            ("a", "nav_usd", "p95", 3.0), ("a", "insolvency", "probability", 0.25),
            ("a", "nav_usd", "cvar5", -2.0), ("a", "nav_usd", "mean", 9.0)]
    summary = pd.DataFrame(rows, columns=["policy", "metric", "stat", "value"])
    table = summary_table(summary, ["a", "b"])
    assert list(table.index) == ["a", "b"]
    assert table.at["a", "nav_usd_p5"] == -1.0
    assert table.at["a", "nav_usd_p50"] == 1.0
    assert table.at["a", "nav_usd_p95"] == 3.0
    assert table.at["b", "nav_usd_p50"] == 2.0
    assert table.at["a", "insolvency_probability"] == 0.25
    assert table.at["a", "nav_usd_cvar5"] == -2.0
    assert np.isnan(table.at["b", "nav_usd_p5"])
    assert np.isnan(table.at["a", "ai_margin_usd_per_mw_day_p50"])
    assert "nav_usd_mean" not in table.columns


def test_summary_table_of_a_result(result):
    table = summary_table(result.summary, result.policies)
    s = result.summary
    for policy in result.policies:
        expected = s[(s.policy == policy) & (s.metric == "btc_held") & (s.stat == "p95")]["value"].item()
        assert table.at[policy, "btc_held_p95"] == expected


def test_format_usd():
    assert [format_usd(v) for v in (1.234e9, -45_600_000.0, 789_000.0, 12.4, 0.0, 2.5e12, float("nan"))] == [
        "1.23 B", "-45.6 M", "789 k", "12", "0", "2.50 T", "—"]


def test_the_templates_escape_what_a_scenario_says():
    from hashpivot.report.sim_report import render_report

    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=8, horizon_days=40, store_paths=8)
    data["description"] = "<script>alert(1)</script> & co"
    data["company"]["name"] = "A <b>bold</b> miner"
    page = render_report(simulate(from_dict(data, "default, hostile text")))
    assert "<script>alert(1)</script>" not in page and "A <b>bold</b> miner" not in page
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</p>" in page
    assert "<b>A &lt;b&gt;bold&lt;/b&gt; miner</b>" in page
