"""Interactive figures (report/figures.py): one fan panel per policy, margins only for segments that ran."""

from __future__ import annotations

import math

import pytest

from hashpivot import api
from hashpivot.report.figures import fan_figure, margin_figure, segment_margins
from hashpivot.scenarios.toml import from_dict, load_preset


@pytest.fixture(scope="module")
def lease_result():
    """rm1 shortened to two years: one plan converting 200 MW to a colocation lease on day 365."""
    data = load_preset("rm1").model_dump(mode="python")
    data["run"]["horizon_days"] = 730
    return api.run(from_dict(data, "test"), n_paths=40, policies=["sell_all", "hold_all"])


def test_fan_has_bands_and_a_median_per_policy(lease_result):
    fig = fan_figure(lease_result, "nav_usd", "USD")
    medians = [t for t in fig.data if t.line.width == 2]
    assert [t.name for t in medians] == lease_result.policies
    assert len(fig.data) == 5 * len(lease_result.policies)  # p5, p95, p25, p75, median
    n_months = lease_result.dataset.sizes["date"]
    assert all(len(t.y) == n_months for t in fig.data)


def test_segment_margins_are_read_from_the_summary(lease_result):
    table = segment_margins(lease_result.summary)
    assert sorted(set(table["segment"])) == ["colocation_lease", "mining"]
    summary = lease_result.summary.set_index(["policy", "metric", "stat"])["value"]
    for row in table.itertuples():
        for stat in ("p5", "p50", "p95"):
            expected = summary[(row.policy, f"{row.segment}_margin_usd_per_mw_day", stat)]
            assert getattr(row, stat) == expected or (math.isnan(expected) and math.isnan(getattr(row, stat)))
    fig = margin_figure(lease_result)
    assert [t.name for t in fig.data] == ["mining", "colocation lease"]


def test_hashprice_history_figure_marks_the_halving_and_carries_the_attribution(make_chain_csv, synthetic_rows):
    from hashpivot.io.history import ATTRIBUTION, load_chain_history
    from hashpivot.report.figures import hashprice_history_figure

    history = load_chain_history(make_chain_csv())
    fig = hashprice_history_figure(history, ATTRIBUTION)
    daily, mean = fig.data
    # USD/PH/day = the table's USD/(TH/s)/day x 1,000, day by day
    assert daily.y[0] == pytest.approx(float(synthetic_rows()[0]["hashprice_usd_per_th_day"]) * 1000, rel=1e-12)
    assert mean.y[28] is None and mean.y[29] is not None  # a 30-day mean starts on the 30th day
    # the synthetic halving is on day 30, 2024-03-31 (40 of its blocks at the new subsidy)
    assert [shape.x0 for shape in fig.layout.shapes] == ["2024-03-31"]
    assert any(a.text == ATTRIBUTION for a in fig.layout.annotations)
    assert fig.layout.yaxis.type == "log"
