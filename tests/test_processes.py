"""Market processes and the chain kernel: statistical checks with tolerances from the standard error
(fixed seeds), hand-calculated difficulty, retarget clamp, halving and endogenous hashrate, and the
random-stream contract (one stream per path and driver)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from hashpivot.domain.heights import estimated_date, estimated_height
from hashpivot.engine.market import build_market
from hashpivot.errors import ScenarioError
from hashpivot.processes.price import BootstrapPrice
from hashpivot.processes.random import path_generator
from hashpivot.scenarios.toml import from_dict, load_preset

N_SIGMA = 4.0


def market_dict(
    *,
    price: dict[str, Any] | None = None,
    hashrate: dict[str, Any] | None = None,
    fees: dict[str, Any] | None = None,
    power: dict[str, Any] | None = None,
    difficulty: dict[str, Any] | None = None,
    n_paths: int = 10,
    horizon_days: int = 30,
    start_height: int = 840_000,
    start_date: dt.date | None = None,
    n_halvings_max: int = 64,
    seed: int = 7,
) -> dict[str, Any]:
    """The RM1 preset with its market replaced piece by piece (and all megawatts mining); the start date is the
    day the chain reached ``start_height`` (about, ``domain.heights``) unless given."""
    data = load_preset("rm1").model_dump(mode="python")
    data["policy"]["capacity"] = {"kind": "all_mining"}
    data["run"].update(n_paths=n_paths, horizon_days=horizon_days, start_height=start_height,
                       start_date=estimated_date(start_height) if start_date is None else start_date, seed=seed)
    m = data["market"]
    if price is not None:
        m["btc_price"] = price
    if hashrate is not None:
        m["network_hashrate"] = hashrate
    if fees is not None:
        m["fees"] = fees
    if power is not None:
        m["power_price"] = power
    if difficulty is not None:
        m["difficulty"] = difficulty
    m["n_halvings_max"] = n_halvings_max
    return data


def build(n_paths: int | None = None, first_path: int = 0, **kwargs: Any):
    data = market_dict(**kwargs)
    scenario = from_dict(data, "test_processes")
    return build_market(scenario, first_path, n_paths or scenario.run.n_paths)


def within_se(samples: np.ndarray, expected: float) -> tuple[bool, float, float]:
    """Whether the sample mean is within N_SIGMA standard errors of ``expected``."""
    mean = float(np.mean(samples))
    se = float(np.std(samples, ddof=1) / math.sqrt(samples.size))
    return abs(mean - expected) <= N_SIGMA * se, mean, se


FLAT_HASHRATE = {"kind": "lognormal", "start_ehs": 600.0, "growth_per_day": 0.0, "vol_per_sqrt_day": 0.0}
NO_FEES = {"kind": "lognormal", "median_btc_per_block": 0.0, "vol_log": 0.0}


# ------------------------------------------------------------------------------------------ statistics

def test_gbm_mean_price_is_s0_exp_mu_t():
    """E[S_T] = S0 exp(mu T) (arithmetic drift), and E[ln S_T/S0] = (mu - sigma^2/2) T: the Ito term is
    13 standard errors here, so either convention error fails."""
    mu, sigma, s0, days, n = 0.0015, 0.035, 64_000.0, 30, 20_000
    mk = build(n_paths=n, horizon_days=days,
               price={"kind": "gbm", "start_usd": s0, "drift_per_day": mu, "vol_per_sqrt_day": sigma})
    s_t = mk.btc_price_usd[:, days]
    ok, mean, se = within_se(s_t, s0 * math.exp(mu * days))
    assert ok, (mean, se, s0 * math.exp(mu * days))
    ok, mean, se = within_se(np.log(s_t / s0), (mu - 0.5 * sigma**2) * days)
    assert ok, (mean, se)
    # Increments are independent with the right variance (a cumsum bug would change this).
    log_ret = np.diff(np.log(mk.btc_price_usd), axis=1)
    ok, var, se = within_se((log_ret - (mu - 0.5 * sigma**2)) ** 2, sigma**2)
    assert ok, (var, se)


def test_lognormal_hashrate_median_path():
    """Half the paths end below H0 exp(g T) (binomial standard error)."""
    g, s, h0, days, n = 0.0008, 0.03, 600.0, 30, 20_000
    mk = build(n_paths=n, horizon_days=days,
               hashrate={"kind": "lognormal", "start_ehs": h0, "growth_per_day": g, "vol_per_sqrt_day": s})
    below = (mk.network_hashrate_ehs[:, days] < h0 * math.exp(g * days)).astype(float)
    assert abs(below.mean() - 0.5) <= N_SIGMA * math.sqrt(0.25 / n), below.mean()
    np.testing.assert_array_equal(mk.network_hashrate_ehs[:, 0], h0)


def test_lognormal_fees_median_and_spike_frequency():
    median, n, days = 0.2, 5_000, 40
    mk = build(n_paths=n, horizon_days=days,
               fees={"kind": "lognormal", "median_btc_per_block": median, "vol_log": 0.8})
    fees = mk.fees_btc_per_block[:, 1:].ravel()  # i.i.d. over paths and days
    below = (fees < median).mean()
    assert abs(below - 0.5) <= N_SIGMA * math.sqrt(0.25 / fees.size), below
    np.testing.assert_array_equal(mk.fees_btc_per_block[:, 0], median)
    # Spikes: with vol_log 0 a day pays either the median or median x multiple.
    p, multiple = 0.03, 5.0
    mk = build(n_paths=n, horizon_days=days,
               fees={"kind": "lognormal", "median_btc_per_block": median, "vol_log": 0.0,
                     "spike_prob_per_day": p, "spike_ratio": multiple})
    fees = mk.fees_btc_per_block[:, 1:].ravel()
    is_spike = np.isclose(fees, median * multiple, rtol=1e-12)
    assert np.all(is_spike | np.isclose(fees, median, rtol=1e-12))
    assert abs(is_spike.mean() - p) <= N_SIGMA * math.sqrt(p * (1 - p) / fees.size), is_spike.mean()


REGIME = {
    "kind": "regime", "start_usd": 50_000.0,
    # Zero volatility and distinct drifts: each day's log return reveals the state.
    "bull_drift_per_day": 0.01, "bull_vol_per_sqrt_day": 0.0,
    "bear_drift_per_day": -0.01, "bear_vol_per_sqrt_day": 0.0,
    "bull_to_bear_prob_per_day": 0.05, "bear_to_bull_prob_per_day": 0.10,
}


def test_regime_stationary_share_of_bull_days():
    """Started from its stationary law, the share of bull days is p(bear->bull) / (p(bull->bear) +
    p(bear->bull)) = 2/3 on average; the SE comes from the per-path means (days are correlated)."""
    pi_bull = 0.10 / (0.05 + 0.10)
    n, days = 4_000, 200
    mk = build(n_paths=n, horizon_days=days, price={**REGIME, "start_bull_frac": pi_bull})
    log_ret = np.diff(np.log(mk.btc_price_usd), axis=1)
    is_bull = np.isclose(log_ret, 0.01, rtol=1e-9)
    assert np.all(is_bull | np.isclose(log_ret, -0.01, rtol=1e-9))
    ok, mean, se = within_se(is_bull.mean(axis=1), pi_bull)
    assert ok, (mean, se, pi_bull)


def test_regime_switches_before_the_first_return():
    """From a sure bull start, day 1 is already bear with probability p(bull->bear)."""
    n = 20_000
    mk = build(n_paths=n, horizon_days=3, price={**REGIME, "start_bull_frac": 1.0})
    day1_bear = np.isclose(np.log(mk.btc_price_usd[:, 1] / REGIME["start_usd"]), -0.01, rtol=1e-9)
    p = REGIME["bull_to_bear_prob_per_day"]
    assert abs(day1_bear.mean() - p) <= N_SIGMA * math.sqrt(p * (1 - p) / n), day1_bear.mean()


def test_regime_jumps_frequency_and_size():
    p_jump, jump = 0.02, -0.2
    price = {**REGIME, "bull_drift_per_day": 0.0, "bear_drift_per_day": 0.0,
             "jump_prob_per_day": p_jump, "jump_mean_log": jump, "jump_vol_log": 0.0}
    n, days = 2_000, 100
    mk = build(n_paths=n, horizon_days=days, price=price)
    log_ret = np.diff(np.log(mk.btc_price_usd), axis=1).ravel()
    is_jump = np.isclose(log_ret, jump, rtol=1e-9)
    assert np.all(is_jump | (np.abs(log_ret) < 1e-12))
    m = log_ret.size
    assert abs(is_jump.mean() - p_jump) <= N_SIGMA * math.sqrt(p_jump * (1 - p_jump) / m), is_jump.mean()


def test_seasonal_power_index_by_hand_and_noise_mean_one():
    start, amplitude, peak, days = dt.date(2024, 7, 25), 0.3, 213, 400
    mk = build(n_paths=3, horizon_days=days, start_date=start, start_height=estimated_height(start),
               power={"kind": "seasonal", "amplitude_frac": amplitude, "peak_day_of_year": peak})
    doy = np.array([(start + dt.timedelta(days=t)).timetuple().tm_yday for t in range(days + 1)], dtype=float)
    expected = 1.0 + amplitude * np.cos(2.0 * np.pi * (doy - peak) / 365.25)
    assert mk.power_price_index.shape == (1, days + 1)
    np.testing.assert_allclose(mk.power_price_index[0], expected, rtol=1e-12)
    assert mk.power_price_index[0, 6] == pytest.approx(1.0 + amplitude, rel=1e-15)  # 2024-07-31 is day 213
    # Daily lognormal noise of mean 1 on top of the season.
    n = 2_000
    mk = build(n_paths=n, horizon_days=days, start_date=start, start_height=estimated_height(start),
               power={"kind": "seasonal", "amplitude_frac": amplitude, "peak_day_of_year": peak,
                      "vol_per_sqrt_day": 0.4})
    assert mk.power_price_index.shape == (n, days + 1)
    ratio = (mk.power_price_index / expected).ravel()
    ok, mean, se = within_se(ratio, 1.0)
    assert ok, (mean, se)


def test_flat_power_index_is_one():
    mk = build(n_paths=4, horizon_days=20, power={"kind": "flat"})
    np.testing.assert_array_equal(mk.power_price_index, np.ones((1, 21)))


# ---------------------------------------------------------------------------- difficulty and subsidy

def test_retarget_when_cumulative_blocks_reach_2016():
    """Zero volatility, constant growth, phase 0: the retarget day and new difficulty by hand."""
    h0, g, days = 600.0, 0.002, 40
    mk = build(n_paths=2, horizon_days=days, fees=NO_FEES,
               hashrate={"kind": "lognormal", "start_ehs": h0, "growth_per_day": g, "vol_per_sqrt_day": 0.0},
               difficulty={"start_ehs": h0, "phase_blocks": 0})
    hd, cum, since, retarget_days = h0, 0.0, [], []
    exp_blocks, exp_diff = [144.0], [h0]
    for t in range(1, days + 1):
        h = h0 * math.exp(g * t)
        b = 144.0 * h / hd
        exp_blocks.append(b)
        cum += b
        since.append(h)
        if cum >= 2016.0 * (len(retarget_days) + 1):
            hd = min(max(sum(since) / len(since), hd / 4), hd * 4)
            since = []
            retarget_days.append(t)
        exp_diff.append(hd)
    assert retarget_days[0] == 14  # 14 days of slightly more than 144 blocks reach 2016
    np.testing.assert_allclose(mk.blocks[0], exp_blocks, rtol=1e-12)
    np.testing.assert_allclose(mk.difficulty_ehs[0], exp_diff, rtol=1e-12)
    d = mk.difficulty_ehs[0]
    changed = np.flatnonzero(np.diff(d) != 0) + 1
    np.testing.assert_array_equal(changed, retarget_days)
    # The difficulty before the first retarget is the start; right after it, the period's mean hashrate.
    assert np.all(d[:14] == h0)
    assert d[14] == pytest.approx(np.mean([h0 * math.exp(g * t) for t in range(1, 15)]), rel=1e-12)
    assert np.cumsum(mk.blocks[0, 1:14])[-1] < 2016.0 <= np.cumsum(mk.blocks[0, 1:15])[-1]


def test_retarget_phase_defaults_to_height_mod_2016():
    """start_height 840,000 sits 1,344 blocks into its period (840,000 mod 2016): 672 blocks to go."""
    assert 840_000 % 2016 == 1344
    mk = build(n_paths=1, horizon_days=10, fees=NO_FEES,
               hashrate={**FLAT_HASHRATE, "start_ehs": 700.0}, difficulty={"start_ehs": 600.0})
    # 168 blocks a day: 672 reached on day 4 exactly.
    d = mk.difficulty_ehs[0]
    assert np.all(d[:4] == 600.0) and np.all(d[4:] == 700.0)


@pytest.mark.parametrize(
    ("hashrate_ehs", "expected_ehs"),
    [(6_000.0, 2_400.0), (60.0, 150.0), (1_200.0, 1_200.0), (300.0, 300.0)],
    ids=["x10-clamped-x4", "div10-clamped-div4", "x2-unclamped", "div2-unclamped"],
)
def test_retarget_clamp(hashrate_ehs, expected_ehs):
    """A hashrate x10 (or /10) the difficulty moves the difficulty only x4 (or /4); x2 passes through."""
    mk = build(n_paths=1, horizon_days=5, fees=NO_FEES,
               hashrate={**FLAT_HASHRATE, "start_ehs": hashrate_ehs},
               difficulty={"start_ehs": 600.0, "phase_blocks": 2015})  # one block to the boundary
    assert mk.blocks[0, 1] == pytest.approx(144.0 * hashrate_ehs / 600.0, rel=1e-15)
    assert mk.difficulty_ehs[0, 0] == 600.0
    assert mk.difficulty_ehs[0, 1] == pytest.approx(expected_ehs, rel=1e-15)


def test_at_most_one_retarget_a_day_and_clamp_repeats():
    """x10 hashrate, one block before the boundary: day 1 retargets to 2,400 EH/s (clamp); 360 blocks a
    day then reach the next boundary (2,017) on day 3, which retargets to the true 6,000 EH/s."""
    mk = build(n_paths=1, horizon_days=6, fees=NO_FEES, hashrate={**FLAT_HASHRATE, "start_ehs": 6_000.0},
               difficulty={"start_ehs": 600.0, "phase_blocks": 2015})
    np.testing.assert_allclose(mk.difficulty_ehs[0], [600, 2400, 2400, 6000, 6000, 6000, 6000], rtol=1e-15)
    np.testing.assert_allclose(mk.blocks[0], [144, 1440, 360, 360, 144, 144, 144], rtol=1e-15)


def test_subsidy_halves_when_height_crosses_1_050_000():
    """144 blocks a day from height 1,049,000: day t starts at 1,049,000 + 144 (t - 1); day 8 starts at
    1,050,008 and is the first at 1.5625 BTC."""
    mk = build(n_paths=1, horizon_days=12, start_height=1_049_000, fees=NO_FEES,
               hashrate=FLAT_HASHRATE, difficulty={"start_ehs": 600.0})
    np.testing.assert_array_equal(mk.blocks[0], 144.0)
    expected = [3.125] * 8 + [1.5625] * 5
    np.testing.assert_array_equal(mk.subsidy_btc[0], expected)


def test_subsidy_edge_height_exactly_1_050_000():
    mk = build(n_paths=1, horizon_days=3, start_height=1_050_000 - 144, fees=NO_FEES,
               hashrate=FLAT_HASHRATE, difficulty={"start_ehs": 600.0})
    np.testing.assert_array_equal(mk.subsidy_btc[0], [3.125, 3.125, 1.5625, 1.5625])


def test_n_halvings_max_caps_the_subsidy():
    """RM1's rule: at most 5 halvings (1.5625 BTC after 1,050,000 forever); 4 keeps 3.125 BTC."""
    for cap, after in [(4, 3.125), (5, 1.5625)]:
        mk = build(n_paths=1, horizon_days=12, start_height=1_049_000, fees=NO_FEES,
                   hashrate=FLAT_HASHRATE, difficulty={"start_ehs": 600.0}, n_halvings_max=cap)
        assert mk.subsidy_btc[0, -1] == after
    mk = build(n_paths=1, horizon_days=3, start_height=1_259_990, fees=NO_FEES, hashrate=FLAT_HASHRATE,
               difficulty={"start_ehs": 600.0}, n_halvings_max=5)
    np.testing.assert_array_equal(mk.subsidy_btc[0], 1.5625)  # the 2032 halving never comes in RM1


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@pytest.mark.parametrize("adjust", [0.3, 1.0])
def test_endogenous_hashrate_by_hand(adjust):
    """The endogenous kernel against a loop written from the EndogenousHashrate docstring: installed
    capacity grows with the lagged margin of the median machine; the running share closes ``adjust`` of
    its gap to the profitable share each day (1 = instant switching)."""
    p = {"kind": "endogenous", "start_ehs": 600.0, "growth_per_day": 0.0005, "vol_per_sqrt_day": 0.02,
         "response_per_day": 0.004, "lag_days": 3, "median_efficiency_j_per_th": 22.0,
         "efficiency_vol_log": 0.35, "efficiency_gain_per_year": 0.10, "power_price_usd_per_mwh": 45.0,
         "adjustment_frac_per_day": adjust}
    days, seed, hd = 12, 11, 610.0
    mk = build(n_paths=2, horizon_days=days, seed=seed, hashrate=p,
               difficulty={"start_ehs": hd, "phase_blocks": 0})
    gain = -math.log(1 - p["efficiency_gain_per_year"]) / 365.0
    for path in range(2):
        z = path_generator(seed, path, "network_hashrate").standard_normal(days)
        S, F = mk.btc_price_usd[path], mk.fees_btc_per_block[path]
        H, B = [p["start_ehs"]], [144.0]

        def hp(t: int) -> float:
            return B[t] * (3.125 + F[t]) * S[t] / (H[t] * 1e6)

        def profitable_share(hashprice: float, e_med: float) -> float:
            e_star = hashprice * 1e6 / (24.0 * p["power_price_usd_per_mwh"])
            return max(_phi((math.log(e_star) - math.log(e_med)) / p["efficiency_vol_log"]), 1e-3)

        running = profitable_share(hp(0), p["median_efficiency_j_per_th"])
        installed = H[0] / running
        for t in range(1, days + 1):
            e_med = p["median_efficiency_j_per_th"] * math.exp(-gain * (t - 1))
            cost_med = e_med * 24.0 * p["power_price_usd_per_mwh"] / 1e6
            margin = max(math.log(hp(max(t - p["lag_days"], 0)) / cost_med), 0.0)
            installed *= math.exp(p["growth_per_day"] + p["response_per_day"] * margin
                                  + p["vol_per_sqrt_day"] * z[t - 1])
            running += adjust * (profitable_share(hp(t - 1), e_med) - running)
            H.append(installed * running)
            B.append(144.0 * H[t] / hd)
        np.testing.assert_allclose(mk.network_hashrate_ehs[path], H, rtol=1e-12)
        np.testing.assert_allclose(mk.blocks[path], B, rtol=1e-12)
        # The margin term is live here (otherwise the test would not check the response).
        assert math.log(hp(0) / (22.0 * 24 * 45.0 / 1e6)) > 0


# ------------------------------------------------------------------------------------ random streams

MARKET_ARRAYS = ("btc_price_usd", "network_hashrate_ehs", "fees_btc_per_block", "blocks", "subsidy_btc",
                 "difficulty_ehs", "power_price_index")

NOISY = dict(
    price={**REGIME, "bull_vol_per_sqrt_day": 0.03, "bear_vol_per_sqrt_day": 0.05, "jump_prob_per_day": 0.05,
           "jump_mean_log": -0.1, "jump_vol_log": 0.1},
    fees={"kind": "lognormal", "median_btc_per_block": 0.2, "vol_log": 0.7, "spike_prob_per_day": 0.05,
          "spike_ratio": 4.0},
    power={"kind": "seasonal", "amplitude_frac": 0.2, "vol_per_sqrt_day": 0.1},
    hashrate={"kind": "endogenous", "start_ehs": 600.0, "growth_per_day": 0.001, "vol_per_sqrt_day": 0.03},
)


def test_a_path_depends_only_on_its_index():
    """Rows 5..11 of a 12-path chunk equal a chunk that starts at path 5: chunking cannot matter."""
    whole = build(n_paths=12, horizon_days=60, **NOISY)
    part = build(n_paths=7, first_path=5, horizon_days=60, **NOISY)
    for name in MARKET_ARRAYS:
        a, b = getattr(whole, name), getattr(part, name)
        if a.shape[0] == 1:
            np.testing.assert_array_equal(a, b, err_msg=name)
        else:
            np.testing.assert_array_equal(a[5:], b, err_msg=name)
    assert part.first_path == 5
    # And different paths do differ.
    assert not np.array_equal(whole.btc_price_usd[0], whole.btc_price_usd[1])


def test_drivers_have_their_own_streams():
    """Changing one driver's model leaves every other driver's numbers unchanged."""
    base = build(n_paths=6, horizon_days=50, **NOISY)
    other_power = build(n_paths=6, horizon_days=50, **{**NOISY, "power": {"kind": "flat"}})
    np.testing.assert_array_equal(base.btc_price_usd, other_power.btc_price_usd)
    np.testing.assert_array_equal(base.fees_btc_per_block, other_power.fees_btc_per_block)
    np.testing.assert_array_equal(base.network_hashrate_ehs, other_power.network_hashrate_ehs)
    gbm = {"kind": "gbm", "start_usd": 50_000.0, "drift_per_day": 0.001, "vol_per_sqrt_day": 0.03}
    other_price = build(n_paths=6, horizon_days=50, **{**NOISY, "price": gbm,
                                                        "hashrate": {**FLAT_HASHRATE, "vol_per_sqrt_day": 0.03}})
    np.testing.assert_array_equal(base.fees_btc_per_block, other_price.fees_btc_per_block)
    np.testing.assert_array_equal(base.power_price_index, other_price.power_price_index)


def test_fee_spikes_do_not_shift_the_normal_draws():
    """Normals are drawn before the spike uniforms: adding spikes only multiplies some days."""
    fees = {"kind": "lognormal", "median_btc_per_block": 0.2, "vol_log": 0.7}
    plain = build(n_paths=5, horizon_days=80, fees=fees)
    spiky = build(n_paths=5, horizon_days=80, fees={**fees, "spike_prob_per_day": 0.2, "spike_ratio": 3.0})
    ratio = spiky.fees_btc_per_block / plain.fees_btc_per_block
    is_spike = np.isclose(ratio, 3.0, rtol=1e-12)
    assert np.all(is_spike | np.isclose(ratio, 1.0, rtol=1e-12))
    assert 0 < is_spike.mean() < 1


def test_bootstrap_draws_contiguous_blocks_of_history():
    rng = np.random.default_rng(3)
    history = rng.normal(0.001, 0.03, 500)
    block = 10
    process = BootstrapPrice(start_usd=30_000.0, block_days=block)
    prices = process.simulate(5, 0, 4, 35, history)
    log_ret = np.diff(np.log(prices), axis=1)
    for row in log_ret:
        for k in range(0, 35, block):
            seg = row[k : k + block]
            starts = [i for i in range(history.size - block + 1)
                      if np.allclose(history[i : i + seg.size], seg, rtol=0, atol=1e-12)]
            assert starts, "a bootstrap block is not a contiguous slice of the history"
    # Re-centring replaces the historical mean.
    recentred = BootstrapPrice(start_usd=30_000.0, block_days=block, drift_per_day=-0.002)
    r = np.diff(np.log(recentred.simulate(5, 0, 2, 30, history)), axis=1)
    np.testing.assert_allclose(r, log_ret[:2, :30] - history.mean() - 0.002, rtol=0, atol=1e-12)
    with pytest.raises(ScenarioError, match="bootstrap"):
        process.simulate(5, 0, 1, 10, None)
    with pytest.raises(ScenarioError, match=r"block_days=10 .*allowed at most 4"):
        process.simulate(5, 0, 1, 10, history[:5])
