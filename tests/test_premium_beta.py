"""At-the-market issuance whose premium compresses when BTC falls (issue 13 point 5, ``premium_beta``):
mNAV_t = max(mnav_floor_ratio, mnav_ratio x (S_t / S_0) ** premium_beta).

The direction, by hand. Each issuing day sells ``issue`` USD of shares at mNAV_t x NAV_t per share, so
shares_{t} = shares_{t-1} x (1 + issue / (mNAV_t x NAV_t)), and buys issue / S_t BTC. NAV_t (USD) and the BTC
bought do not depend on the mNAV (the same USD buys the same BTC at the same price; cash is untouched), so two runs on
the same random numbers that differ only in ``premium_beta`` hold the same BTC and NAV every day, and differ only in
the product of (1 + issue / (mNAV_t NAV_t)). On a path whose price stays below S_0, every mNAV_t is lower with
``premium_beta`` > 0, so it issues more shares: less BTC per share; above S_0, fewer shares: more (while issuance runs:
it stops at the dilution cap). The lowest BTC per share comes from paths with low NAV, i.e. low prices, so the 5 %
quantile falls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashpivot.engine.market import build_market
from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict, load_preset
from test_engine_properties import COMPANY, OPERATING, S0, deterministic, mined_by_hand, run

ISSUE = 2e6


def equity(**extra) -> dict:
    return {"kind": "buy_with_equity", "issue_usd_per_day": ISSUE, "mnav_ratio": 1.5, "max_dilution_ratio": 10.0,
            **extra}


def shares_by_hand(days: int, mu: float, beta: float, floor: float) -> tuple[float, float]:
    """(shares, BTC held) after ``days`` on the deterministic path S_t = 60,000 x e^(mu t), written out: production
    joins the BTC held, the day's operating flow the cash, then shares are sold at mNAV_t x NAV per share and the
    proceeds buy BTC (engine/step.py's order)."""
    btc, cash, shares = COMPANY["btc_held"], COMPANY["cash_usd"], COMPANY["shares_outstanding"]
    for t in range(1, days + 1):
        s = S0 * math.exp(mu * t)
        btc += mined_by_hand(t)
        cash += OPERATING
        nav = btc * s + cash - COMPANY["debt_usd"]
        assert nav > 0
        mnav = max(floor, 1.5 * (s / S0) ** beta)
        shares += ISSUE / (mnav * nav / shares)
        btc += ISSUE / s
    return shares, btc


@pytest.mark.parametrize(("mu", "beta", "floor"), [(0.001, 2.0, 0.0), (-0.01, 20.0, 0.0), (-0.01, 20.0, 1.0)])
def test_mnav_follows_the_price_on_a_constructed_path(mu, beta, floor):
    """Rising 0.1 %/day with beta 2: mNAV 1.5 x e^(0.002 t). Falling 1 %/day with beta 20: 1.5 x e^(-0.2 t) is
    1.23, 1.01, 0.82 on days 1-3; with a floor of 1 the third day issues at 1.0."""
    if floor:
        assert 1.5 * math.exp(-0.2 * 3) < floor < 1.5 * math.exp(-0.2 * 2)
    data = deterministic(3, equity(premium_beta=beta, mnav_floor_ratio=floor))
    data["market"]["btc_price"]["drift_per_day"] = mu
    ds = run(data).dataset.isel(policy=0, path=0)
    shares, btc = shares_by_hand(3, mu, beta, floor)
    assert float(ds["shares"]) == pytest.approx(shares, rel=1e-12)
    assert float(ds["btc_held"]) == pytest.approx(btc, rel=1e-12)
    # Against the constant premium: the same BTC, more shares when the price fell and fewer when it rose.
    flat_shares, flat_btc = shares_by_hand(3, mu, 0.0, 0.0)
    assert btc == pytest.approx(flat_btc, rel=1e-15)
    assert (shares > flat_shares) == (mu < 0)


def test_a_floor_above_the_ratio_issues_at_the_floor():
    """With premium_beta 0 the mNAV is max(floor, mnav_ratio): a floor of 2 over a ratio of 1.5 is a ratio of 2."""
    a = run(deterministic(3, equity(mnav_ratio=1.5, mnav_floor_ratio=2.0))).dataset
    b = run(deterministic(3, equity(mnav_ratio=2.0))).dataset
    assert np.array_equal(a["shares"].values, b["shares"].values)


def _paths(beta: float) -> dict:
    data = load_preset("default").model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=300, horizon_days=365, store_paths=0, chunk_paths=64)
    data["policy"]["treasury"] = equity(premium_beta=beta)
    data["compare"] = []
    return data


def test_a_compressing_premium_lowers_the_5_percent_quantile_of_btc_per_share():
    """The default market on the same random numbers, with and without premium_beta = 1.25 (the typical value of
    policies.treasury.TYPICAL_PREMIUM_BETA): the BTC held is the same on every path; BTC per share is lower on every
    path whose price never rose above its start, higher on every path that never fell below it (where neither run
    reached the dilution cap), and its 5 % quantile is lower."""
    flat_data, beta_data = _paths(0.0), _paths(1.25)
    flat = simulate(from_dict(flat_data), check_invariants=True).dataset.isel(policy=0)
    beta = simulate(from_dict(beta_data), check_invariants=True).dataset.isel(policy=0)
    scenario = from_dict(flat_data)
    prices = build_market(scenario, 0, scenario.run.n_paths).btc_price_usd
    below = np.all(prices[:, 1:] < prices[:, :1], axis=1)
    above = np.all(prices[:, 1:] > prices[:, :1], axis=1)
    # Issuance stops once new shares reach max_dilution_ratio (10) x the day-0 count: the derivation holds on the
    # paths where neither run reached it (a crash takes NAV, and so the share price, near zero: the cap binds).
    cap = scenario.company.shares_outstanding * (1 + 10.0)
    free = (flat["shares"].values < cap) & (beta["shares"].values < cap)
    assert free.mean() > 0.9
    below, above = below & free, above & free
    assert below.sum() >= 5 and above.sum() >= 5  # both kinds of path occur, so the checks below bite
    np.testing.assert_allclose(beta["btc_held"].values[free], flat["btc_held"].values[free], rtol=1e-12)
    bps_flat, bps_beta = flat["btc_per_share"].values, beta["btc_per_share"].values
    assert np.all(bps_beta[below] < bps_flat[below])
    assert np.all(bps_beta[above] > bps_flat[above])
    assert np.quantile(bps_beta, 0.05) < np.quantile(bps_flat, 0.05)
