"""A conversion's return net of the mining it gives up (issue 13, point 5), by hand on a still market: every day the
25 converted MW earn the lease's net rent instead of mining's margin; the incremental stream is that difference,
summed by month, less the capex, plus at the horizon the lease's remaining rent."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from hashpivot.analysis.incremental import incremental_returns
from hashpivot.engine.run import simulate
from hashpivot.policies.capacity import AllMining
from hashpivot.scenarios.toml import from_dict
from tests.test_capacity import BTC_PER_DAY_PER_EHS, base
from tests.test_contracted_value import pv_by_day, rent_per_day

HORIZON_DAYS = 400


def run():
    data = base(horizon_days=HORIZON_DAYS)
    data["run"]["store_paths"] = 3
    data["policy"]["capacity"] = {
        "kind": "convert_on_day", "day": 1, "mw": 25.0, "name": "lease_25mw",
        "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 120.0, "term_years": 2.0,
                    "opex_frac_of_revenue": 0.1, "capex_usd_per_mw": 1e6},
    }
    sc = from_dict(data, "incremental test")
    return simulate(sc, capacity=[sc.policy.capacity, AllMining()]).dataset


def test_the_incremental_irr_is_the_lease_net_of_the_mining_it_replaces():
    ds = run()
    # by hand: 25 MW of 20 J/TH miners (1.25 EH/s) earn 0.78 BTC per EH/s-day x 60,000 USD less 25 MW x 24 h x 40 USD
    mining_margin = 1.25 * BTC_PER_DAY_PER_EHS * 60_000.0 - 25.0 * 24 * 40.0
    lease_net = rent_per_day(25.0, 120.0) * 0.9
    daily = {d: lease_net - mining_margin for d in range(1, HORIZON_DAYS + 1)}
    slots = [int(d) for d in ds["day"].values]  # the month ends the result stores (day 0 first)
    months = [sum(daily[d] for d in range(a + 1, b + 1)) for a, b in zip(slots[:-1], slots[1:], strict=True)]
    months[0] -= 25.0 * 1e6  # capex on day 1
    # at the horizon the two-year term (days 1..730) still pays days 401..730, and the 25 MW converted (1.25 EH/s of
    # the fleet) are not there to resell: 1.25e6 TH/s x the policy's 14 USD/TH price new x (1 - 400 / 365 / 5 years)
    months[-1] += pv_by_day({d: lease_net for d in range(1, 731)}, HORIZON_DAYS)
    months[-1] -= 1.25e6 * 14.0 * (1 - HORIZON_DAYS / 365 / 5.0)
    r_month = brentq(lambda r: sum(f / (1 + r) ** (m + 1) for m, f in enumerate(months)), -0.5, 1.0)
    irr_year = (1 + r_month) ** 12 - 1
    table = incremental_returns(ds).set_index("stat")
    assert list(table["baseline"].unique()) == ["all_mining / hold_all"]
    assert table.loc["p50", "policy"] == "lease_25mw / hold_all"
    assert table.loc["p50", "irr_frac_per_year"] == pytest.approx(irr_year, rel=1e-4)
    assert table.loc["p50", "net_usd"] == pytest.approx(sum(months), rel=1e-5)
    # Paid back only by the lease's remaining rent at the horizon (month 14): its running sum turns >= 0 there,
    # interpolated within it
    cumulative = np.cumsum(months)
    k = int(np.argmax(cumulative >= 0))
    assert k == len(months) - 1
    assert table.loc["p50", "payback_years"] == pytest.approx(((k - 1) - cumulative[k - 1] / months[k]) / 12,
                                                              rel=1e-5)
    assert table.loc["defined_share", "irr_frac_per_year"] == 1.0


def test_no_all_mining_twin_gives_no_rows():
    data = base()
    data["policy"]["capacity"] = {"kind": "convert_on_day", "day": 1, "mw": 25.0,
                                  "project": {"kind": "colocation_lease", "rate_usd_per_kw_month": 120.0}}
    ds = simulate(from_dict(data, "incremental test")).dataset
    assert incremental_returns(ds).empty
