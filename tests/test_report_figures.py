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
    fig = margin_figure(lease_result.summary)
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


def test_the_insolvency_axis_spans_at_least_five_percent():
    """A curve that ends at 0.3 % of paths sits on a 0-5 % axis (not on one of its own height, where it would look
    like a wall); a curve above 5 % widens the axis to hold it."""
    import numpy as np

    from hashpivot.report.figures import insolvency_figure

    dates = ["2024-05-31", "2024-06-30", "2024-07-31"]
    low = insolvency_figure(np.array([[0.0, 0.001, 0.003]]), ["a"], dates)
    assert list(low.layout.yaxis.range) == [0.0, 5.0] and low.layout.yaxis.autorange is False
    high = insolvency_figure(np.array([[0.0, 0.1, 0.2]]), ["a"], dates)  # 20 % at most: the axis holds it
    assert high.layout.yaxis.range[0] == 0.0 and high.layout.yaxis.range[1] > 20.0


def test_the_win_rate_heatmap_is_tall_enough_for_two_policies(lease_result):
    from hashpivot.report.figures import win_rate_figure

    # two policies: 120 + 46 x 2 = 212 px would squeeze the labels; the figure keeps at least 320 px
    assert win_rate_figure(lease_result.win_rate, lease_result.policies).layout.height == 320


def test_the_hedge_tables_show_the_one_placeholder_on_unhedged_rows():
    import numpy as np
    import pandas as pd

    from hashpivot.analysis.hedges import HEDGE_COMPARISON_COLUMNS
    from hashpivot.format import MISSING
    from hashpivot.report.hedges import PAIRED_COLUMNS, hedge_cells, hedge_frame

    row = dict.fromkeys(HEDGE_COMPARISON_COLUMNS, 1.0)
    table = pd.DataFrame([{**row, "policy": "p", "hedges": "unhedged", "win_rate_frac": np.nan},
                          {**row, "policy": "p", "hedges": "put", "win_rate_frac": 0.25}])
    headers, rows = hedge_cells(table)
    paired = [headers.index(h) for h in ("p5 gain [USD]", "cost in the mean NAV [USD]", "its standard error [USD]",
                                         "wins vs unhedged")]
    assert [rows[0][i] for i in paired] == [MISSING] * 4 and rows[1][headers.index("wins vs unhedged")] == "25.0 %"
    shown, _ = hedge_frame(table)
    assert shown.loc[("p", "unhedged")].isna().sum() == len(PAIRED_COLUMNS) == 4


def test_margin_calls_show_only_when_a_hedge_is_a_loan():
    import numpy as np
    import pandas as pd

    from hashpivot.analysis.hedges import HEDGE_COMPARISON_COLUMNS
    from hashpivot.report.hedges import column_priorities, hedge_cells, hedge_frame

    row = dict.fromkeys(HEDGE_COMPARISON_COLUMNS, 1.0)
    with_loan = pd.DataFrame([{**row, "policy": "p", "hedges": "unhedged", "margin_calls_per_path": 0.0},
                              {**row, "policy": "p", "hedges": "loan", "margin_calls_per_path": 0.0}])
    headers, rows = hedge_cells(with_loan)
    assert "margin calls per path" in headers and rows[1][headers.index("margin calls per path")] == "0"
    without = with_loan.assign(margin_calls_per_path=np.nan)  # what hedge_comparison_frame(..., loans=False) gives
    headers_without, rows_without = hedge_cells(without)
    assert headers_without == [h for h in headers if h != "margin calls per path"]
    assert len(rows_without[0]) == len(headers_without) == len(column_priorities(without)) == len(headers) - 1
    assert "margin calls per path" not in hedge_frame(without)[0].columns
