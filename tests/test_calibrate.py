"""Calibration: known parameters recovered from synthetic chain tables made by our own processes, the
standard errors' size checked by replication, the ``[market]`` block it writes validated and run, and
the ``hashpivot calibrate`` command (success, --json, bad input, no data, the real table)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli_helpers import assert_bad_input
from hashpivot import api
from hashpivot.analysis import calibrate as cb
from hashpivot.cli import app
from hashpivot.engine.market import build_market
from hashpivot.errors import DataError, InputError
from hashpivot.io import ATTRIBUTION, REQUIRED_COLUMNS, load_chain_history
from hashpivot.processes.fees import LognormalFees
from hashpivot.processes.hashrate import LognormalHashrate
from hashpivot.processes.price import GbmPrice, RegimePrice
from hashpivot.report.calibration import HASHRATE_FIGURE_ID, QQ_FIGURE_ID
from hashpivot.scenarios.schema import MarketConfig
from hashpivot.scenarios.toml import from_dict, load_preset

SEED = 20240420
GBM = GbmPrice(start_usd=30_000.0, drift_per_day=0.0012, vol_per_sqrt_day=0.032)
HASHRATE = LognormalHashrate(start_ehs=100.0, growth_per_day=0.0015, vol_per_sqrt_day=0.015)
FEES = LognormalFees(median_btc_per_block=0.15, vol_log=0.8)
BLOCKS_PER_DAY = 144.0


# --- synthetic chain tables ------------------------------------------------------------------------


def chain_table(price_usd, hashrate_ehs, fees_btc_per_block, seed: int, *, difficulty_ehs=None,
                subsidy_btc=3.125, start: str = "2016-01-01") -> pd.DataFrame:
    """A chain table in ``load_chain_history``'s format from true daily series.

    Observed as Coin Metrics observes the chain (shared/data/README.md): blocks found are Poisson with
    mean 144 x hashrate / difficulty-implied hashrate, and the day's hash rate estimate is
    blocks x difficulty-implied hashrate / 144 (so it carries the same Poisson noise as the real table).
    ``difficulty_ehs`` defaults to the true hashrate (difficulty tracking it perfectly).
    """
    rng = np.random.default_rng(seed)
    price = np.asarray(price_usd, dtype=np.float64)
    true_ehs = np.asarray(hashrate_ehs, dtype=np.float64)
    diff_ehs = true_ehs if difficulty_ehs is None else np.asarray(difficulty_ehs, dtype=np.float64)
    blocks = np.maximum(rng.poisson(BLOCKS_PER_DAY * true_ehs / diff_ehs), 1)
    fees = np.asarray(fees_btc_per_block, dtype=np.float64) * blocks
    issuance = np.broadcast_to(np.asarray(subsidy_btc, dtype=np.float64), price.shape) * blocks
    estimate_ehs = blocks * diff_ehs / BLOCKS_PER_DAY
    index = pd.date_range(start, periods=price.size, freq="D", name="date")
    frame = pd.DataFrame({
        "price_usd": price,
        "hashrate_ehs": estimate_ehs,
        "difficulty_mean": diff_ehs * 1e18 * 600.0 / 2.0**32,
        "block_count": blocks.astype(np.int64),
        "fees_btc": fees,
        "issuance_btc": issuance,
        "revenue_btc": issuance + fees,
        "revenue_usd": (issuance + fees) * price,
        "hashprice_usd_per_th_day": (issuance + fees) * price / (estimate_ehs * 1e6),
        "tx_count": np.full(price.size, 400_000, dtype=np.int64),
    }, index=index)
    frame.index.freq = "D"
    return frame[list(REQUIRED_COLUMNS[1:])]


def lognormal_table(n_days: int = 3000, path: int = 0, *, price=GBM, fees=FEES, seed: int = SEED,
                    start: str = "2016-01-01") -> pd.DataFrame:
    """GBM price, lognormal hashrate and lognormal fees from our processes, one path of ``n_days``."""
    return chain_table(
        price.simulate(seed, path, 1, n_days)[0],
        HASHRATE.simulate(seed, path, 1, n_days)[0],
        fees.simulate(seed, path, 1, n_days)[0],
        seed + path, start=start,
    )


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index_label="date", date_format="%Y-%m-%d", float_format="%.10g")
    return path


def within(estimate: float, truth: float, se: float, k: float = 3.0) -> bool:
    assert np.isfinite(se) and se > 0, se
    return abs(estimate - truth) <= k * se


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return lognormal_table()


@pytest.fixture(scope="module")
def cal(table):
    return cb.calibrate(table, "2016-01-01")


# --- recovery of known parameters --------------------------------------------------------------------


def test_synthetic_table_is_a_valid_chain_table(table, tmp_path):
    loaded = load_chain_history(write_csv(table, tmp_path / "chain.csv"))
    assert list(loaded.columns) == list(table.columns)
    np.testing.assert_allclose(loaded["price_usd"], table["price_usd"], rtol=1e-9)


def test_gbm_drift_and_vol_within_three_se(cal):
    g = cal.gbm
    assert within(g.drift_per_day, GBM.drift_per_day, g.drift_se_per_day)
    assert within(g.vol_per_sqrt_day, GBM.vol_per_sqrt_day, g.vol_se_per_sqrt_day)
    assert g.n_returns == 3000
    # the SEs are the model's: sigma sqrt((1 + sigma^2/2)/n) and sigma/sqrt(2n)
    s = g.vol_per_sqrt_day
    np.testing.assert_allclose(g.drift_se_per_day, s * np.sqrt((1 + s * s / 2) / 3000), rtol=1e-12)
    np.testing.assert_allclose(g.vol_se_per_sqrt_day, s / np.sqrt(6000), rtol=1e-12)


def test_hashrate_growth_and_vol_within_three_se(cal):
    h = cal.hashrate
    assert within(h.growth_per_day, HASHRATE.growth_per_day, h.growth_se_per_day)
    assert within(h.vol_per_sqrt_day, HASHRATE.vol_per_sqrt_day, h.vol_se_per_sqrt_day)
    assert h.n_blocks == 3001 // 14


def test_fee_median_and_vol_log_within_three_se(cal):
    f = cal.fees
    assert within(f.median_btc_per_block, FEES.median_btc_per_block, f.median_se_btc_per_block)
    assert within(f.vol_log, FEES.vol_log, f.vol_log_se)


def test_calibrated_market_carries_the_fits_and_the_last_day(cal, table):
    m = cal.market
    assert isinstance(m, MarketConfig)
    assert m.btc_price.kind == "gbm" and m.network_hashrate.kind == "lognormal"
    assert m.btc_price.start_usd == table["price_usd"].iloc[-1]
    assert m.btc_price.drift_per_day == cal.gbm.drift_per_day
    assert m.network_hashrate.growth_per_day == cal.hashrate.growth_per_day
    assert m.network_hashrate.start_ehs == pytest.approx(table["hashrate_ehs"].iloc[-14:].mean(), rel=1e-12)
    assert m.fees.median_btc_per_block == cal.fees.median_btc_per_block
    assert m.difficulty.start_ehs == pytest.approx(
        table["difficulty_mean"].iloc[-1] * 2.0**32 / 600.0 / 1e18, rel=1e-12)
    assert (cal.since, cal.end) == (table.index[0].date(), table.index[-1].date())
    params = set(zip(cal.table["process"], cal.table["parameter"], strict=True))
    assert {("gbm", "drift_per_day"), ("bootstrap", "block_days"), ("regime", "bull_to_bear_prob_per_day"),
            ("hashrate", "response_per_day"), ("fees", "spike_ratio")} <= params


@pytest.mark.parametrize(
    ("fit", "n_paths"),
    [("gbm", 120), ("hashrate", 60), ("fees", 60)],
)
def test_standard_errors_match_the_spread_of_estimates(fit, n_paths):
    """Over independent synthetic paths, (estimate - truth) / SE has mean about 0 and sd about 1: the SEs
    are neither too small (false alarms) nor too large (a 3-SE check that cannot fail)."""
    n_days = 2000
    z: dict[str, list[float]] = {}
    prices = GBM.simulate(SEED, 0, n_paths, n_days)
    if fit != "gbm":
        hashrate = HASHRATE.simulate(SEED, 0, n_paths, n_days)
        fees = FEES.simulate(SEED, 0, n_paths, n_days)
    for p in range(n_paths):
        if fit == "gbm":
            g = cb.fit_gbm(np.diff(np.log(prices[p])), robust=False)
            pairs = {"drift": (g.drift_per_day, GBM.drift_per_day, g.drift_se_per_day),
                     "vol": (g.vol_per_sqrt_day, GBM.vol_per_sqrt_day, g.vol_se_per_sqrt_day)}
        else:
            frame = chain_table(prices[p], hashrate[p], fees[p], SEED + p)
            if fit == "hashrate":
                h = cb.fit_hashrate(frame)
                pairs = {"growth": (h.growth_per_day, HASHRATE.growth_per_day, h.growth_se_per_day),
                         "vol": (h.vol_per_sqrt_day, HASHRATE.vol_per_sqrt_day, h.vol_se_per_sqrt_day)}
            else:
                f = cb.fit_fees(frame, robust=False)
                pairs = {"median": (f.median_btc_per_block, FEES.median_btc_per_block, f.median_se_btc_per_block),
                         "vol_log": (f.vol_log, FEES.vol_log, f.vol_log_se)}
        for name, (est, truth, se) in pairs.items():
            z.setdefault(name, []).append((est - truth) / se)
    for name, values in z.items():
        arr = np.asarray(values)
        # with n paths the mean of z has SE 1/sqrt(n) and the sd of z about 1/sqrt(2n)
        assert abs(arr.mean()) < 4.0 / np.sqrt(n_paths), (name, arr.mean())
        assert 0.75 < arr.std(ddof=1) < 1.3, (name, arr.std(ddof=1))


REGIME_TRUTH = dict(bull_drift_per_day=0.002, bull_vol_per_sqrt_day=0.02, bear_drift_per_day=-0.002,
                    bear_vol_per_sqrt_day=0.05, bull_to_bear_prob_per_day=0.01, bear_to_bull_prob_per_day=0.02)
REGIME = RegimePrice(start_usd=30_000.0, **REGIME_TRUTH)


def test_regime_parameters_within_three_se():
    truth = REGIME_TRUTH
    prices = REGIME.simulate(SEED, 0, 1, 3000)[0]
    fit = cb.fit_regime(np.diff(np.log(prices)), search_reps=5)
    assert fit.converged, fit.notes
    assert fit.notes == ()
    for name, value in truth.items():
        se_name = name.replace("_per_sqrt_day", "_se_per_sqrt_day").replace("_per_day", "_se_per_day")
        assert within(getattr(fit, name), value, getattr(fit, se_name)), (name, getattr(fit, name))
    assert 0.0 <= fit.start_bull_frac <= 1.0


def test_regime_maps_into_a_valid_regime_price():
    cal = cb.calibrate(lognormal_table(2000, price=REGIME), "2016-01-01", price_kind="regime")
    price = cal.market.btc_price
    assert price.kind == "regime"
    assert price.bull_vol_per_sqrt_day <= price.bear_vol_per_sqrt_day  # bull = the calm state
    assert price.bull_drift_per_day == cal.regime.bull_drift_per_day
    assert price.start_bull_frac == cal.regime.start_bull_frac


def test_hashrate_response_to_lagged_margin_recovered_from_the_endogenous_market():
    """Our EndogenousHashrate (through the engine's market kernel) with a known response; the running
    share stays near 1 (narrow, cheap fleet), so installed-capacity growth is what the table shows.

    In replications of this setup the Newey-West SEs were conservative (sd of z about 0.6-0.7), so
    "within 3 SE" is a loose check here; the sign and size check below is the sharper one."""
    spec = load_preset("default").model_dump(mode="python", exclude_none=True)
    n_days = 5000
    spec["run"].update(horizon_days=n_days, n_paths=1, chunk_paths=1, store_paths=1, seed=1)
    truth = {"growth_per_day": -0.002, "response_per_day": 0.002}
    spec["market"] = {
        "btc_price": {"kind": "gbm", "start_usd": 60_000.0, "drift_per_day": 0.0008, "vol_per_sqrt_day": 0.035},
        "network_hashrate": {"kind": "endogenous", "start_ehs": 600.0, "vol_per_sqrt_day": 0.012, "lag_days": 84,
                             "median_efficiency_j_per_th": 28.0, "efficiency_vol_log": 0.1,
                             "efficiency_gain_per_year": 0.1, "power_price_usd_per_mwh": 5.0, **truth},
        "fees": {"kind": "lognormal", "median_btc_per_block": 0.1, "vol_log": 0.5},
    }
    scenario = from_dict(spec)
    m = build_market(scenario, 0, 1)
    frame = chain_table(m.btc_price_usd[0], m.network_hashrate_ehs[0], m.fees_btc_per_block[0], 1,
                        difficulty_ehs=m.difficulty_ehs[0], subsidy_btc=m.subsidy_btc[0],
                        start=str(scenario.run.start_date))
    fit = cb.fit_hashrate(frame, lag_days=84, median_efficiency_j_per_th=28.0,
                          efficiency_reference_date=str(scenario.run.start_date),
                          efficiency_gain_per_year=0.1, power_price_usd_per_mwh=5.0)
    assert fit.lag_days == 84
    assert within(fit.response_per_day, truth["response_per_day"], fit.response_se_per_day)
    assert within(fit.response_intercept_per_day, truth["growth_per_day"], fit.response_intercept_se_per_day)
    assert fit.response_per_day / fit.response_se_per_day > 2.0  # the response is detected
    assert len(fit.points) == fit.response_n
    # a slope the model allows: the market takes the regression's own intercept
    assert fit.response_intercept_model_per_day == fit.response_intercept_per_day


@pytest.mark.shared_data
def test_a_negative_hashrate_response_is_held_at_0_and_the_growth_refit_without_it(shared_csv):
    """Since the 2020 halving the network's growth does not rise with the lagged margin (the slope is negative);
    the model allows none, so the endogenous market grows at the mean of the regression's growths, not at the
    intercept of the negative slope (which, over a regressor of positive mean, lies above every growth seen)."""
    cal = cb.calibrate(load_chain_history(shared_csv), "2020-05-11", hashrate_kind="endogenous")
    fit = cal.hashrate
    assert fit.response_per_day < 0
    growths = fit.points["growth_per_day"].to_numpy()
    assert fit.response_intercept_model_per_day == pytest.approx(growths.mean(), rel=1e-12)
    network = cal.market.network_hashrate
    assert network.response_per_day == 0.0
    assert network.growth_per_day == pytest.approx(growths.mean(), rel=1e-12)
    assert network.growth_per_day < fit.response_intercept_per_day
    assert any("growth refit with it" in note for note in cal.notes)


def test_fee_spikes_recovered():
    fees = LognormalFees(median_btc_per_block=0.2, vol_log=0.3, spike_prob_per_day=0.01, spike_ratio=8.0)
    frame = lognormal_table(3000, fees=fees)
    f = cb.fit_fees(frame, robust=False)
    assert within(f.spike_prob_per_day, 0.01, f.spike_prob_se_per_day)
    assert within(f.spike_ratio, 8.0, f.spike_ratio_se)
    assert within(f.median_btc_per_block, 0.2, f.median_se_btc_per_block)
    assert within(f.vol_log, 0.3, f.vol_log_se)
    assert f.n_spike_days == len(f.spike_dates) > 0


def test_block_length_short_for_iid_returns_long_for_clustered_volatility(table):
    iid = cb.fit_block_length(np.diff(np.log(table["price_usd"].to_numpy())))
    regimes = RegimePrice(start_usd=1.0, bull_drift_per_day=0.0, bull_vol_per_sqrt_day=0.015,
                          bear_drift_per_day=0.0, bear_vol_per_sqrt_day=0.06, bull_to_bear_prob_per_day=0.01,
                          bear_to_bull_prob_per_day=0.02).simulate(SEED, 0, 1, 3000)[0]
    clustered = cb.fit_block_length(np.diff(np.log(regimes)))
    assert 1 <= iid.block_days <= 10
    assert clustered.block_days > 2 * iid.block_days
    assert clustered.block_days == int(np.ceil(max(clustered.returns_block_days,
                                                   clustered.squared_returns_block_days)))


def test_qq_points_of_normal_returns_lie_on_the_line(table):
    qq = cb.qq_points(np.diff(np.log(table["price_usd"].to_numpy())))
    assert len(qq) == 3000
    assert np.all(np.diff(qq["standardized_return"]) >= 0)
    assert np.corrcoef(qq["normal_quantile"], qq["standardized_return"])[0, 1] > 0.998


# --- the [market] block -------------------------------------------------------------------------------


def _run_with_market(market: dict, data: Path | None = None, n_days: int = 60):
    spec = load_preset("default").model_dump(mode="python", exclude_none=True)
    spec["market"] = market
    spec["run"].update(horizon_days=n_days, n_paths=20, chunk_paths=20, store_paths=20)
    spec["policy"]["capacity"] = {"kind": "all_mining"}
    spec.pop("compare_capacity", None)
    scenario = from_dict(spec, "default with the calibrated market")
    return api.run(scenario, data=data, check_invariants=True)


def test_market_toml_validates_and_runs_in_the_default_preset(cal):
    text = cb.market_toml(cal, "synthetic.csv", ATTRIBUTION)
    parsed = tomllib.loads(text)
    assert set(parsed) == {"market"}
    assert parsed["market"] == cal.market_dict()
    assert MarketConfig.model_validate(parsed["market"]) == cal.market
    assert ATTRIBUTION in text
    assert "# source:" in text
    result = _run_with_market(parsed["market"])
    nav = result.dataset["terminal_nav_usd"].values if "terminal_nav_usd" in result.dataset else None
    assert result.dataset.sizes["path"] == 20
    if nav is not None:
        assert np.isfinite(nav).all()


def test_since_is_checked(table):
    with pytest.raises(InputError, match="since"):
        cb.calibrate(table, "2030-01-01")
    with pytest.raises(InputError, match="since"):
        cb.calibrate(table, "2015-12-31")  # before the table
    with pytest.raises(InputError, match="since"):
        cb.calibrate(table, "2016-13-01")
    with pytest.raises(InputError, match="price"):
        cb.calibrate(table, price_kind="heston")


def test_out_of_limits_fit_is_a_data_error(table):
    frame = table.copy()
    noise = np.random.default_rng(SEED).standard_normal(len(frame))
    frame["price_usd"] = 30_000.0 * np.exp(0.08 * np.arange(len(frame)) + 0.01 * noise)  # +8 %/day: beyond limits
    with pytest.raises(DataError, match=r"market\.btc_price\.drift_per_day = 0\.08"):
        cb.calibrate(frame, "2016-01-01")
    frame["price_usd"] = 30_000.0
    with pytest.raises(DataError, match="log returns are all equal"):
        cb.calibrate(frame, "2016-01-01")


def test_regime_fit_failure_is_reported_not_raised():
    fit = cb.fit_regime(np.zeros(500))
    assert not fit.converged
    assert any("failed" in note for note in fit.notes)


# --- the command --------------------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch, tmp_path) -> CliRunner:
    monkeypatch.delenv("HASHPIVOT_DATA", raising=False)
    monkeypatch.setenv("HASHPIVOT_DATA_DIR", str(tmp_path / "no-cache"))  # no data cache either
    return CliRunner()


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:
    return write_csv(lognormal_table(900, start="2022-01-01"), tmp_path_factory.mktemp("chain") / "chain.csv")


def test_cli_writes_market_toml_and_html(runner, small_csv, tmp_path):
    out = tmp_path / "cal"
    result = runner.invoke(app, ["calibrate", "--data", str(small_csv), "--since", "2022-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["calibration.html", "market.toml"]
    market = tomllib.loads((out / "market.toml").read_text())["market"]
    config = MarketConfig.model_validate(market)
    assert config.btc_price.kind == "gbm"
    html = (out / "calibration.html").read_text()
    assert html.count("Plotly.newPlot") == 2
    assert f'id="{QQ_FIGURE_ID}"' in html and f'id="{HASHRATE_FIGURE_ID}"' in html
    assert "QQ plot of standardized daily log returns" in html
    assert "Hashrate growth vs hashprice" in html
    assert 'src="http' not in html  # plotly.js inlined
    assert ATTRIBUTION in html
    history = load_chain_history(small_csv)
    expected = cb.calibrate(history, "2022-01-01")
    assert f"{expected.gbm.drift_per_day:.4g}" in result.stdout
    assert f"{expected.gbm.vol_se_per_sqrt_day:.4g}" in result.stdout
    assert ATTRIBUTION in result.stdout
    assert str(out / "market.toml") in result.stdout
    assert result.stderr == ""


def test_cli_json_and_bootstrap_market_runs_with_data(runner, small_csv, tmp_path):
    out = tmp_path / "cal"
    result = runner.invoke(app, ["calibrate", "--data", str(small_csv), "--since", "2022-01-01", "--out", str(out),
                                 "--price", "bootstrap", "--hashrate", "endogenous", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["since"] == "2022-01-01" and payload["end"] == "2024-06-19"
    assert payload["price"] == "bootstrap" and payload["hashrate"] == "endogenous"
    assert payload["attribution"] == ATTRIBUTION
    rows = {(r["process"], r["parameter"]): r for r in payload["parameters"]}
    assert rows[("gbm", "vol_per_sqrt_day")]["std_error"] > 0
    assert rows[("bootstrap", "block_days")]["std_error"] is None
    market = tomllib.loads(Path(payload["files"]["toml"]).read_text())["market"]
    assert market == payload["market"]
    assert market["btc_price"]["kind"] == "bootstrap"
    assert market["btc_price"]["block_days"] == rows[("bootstrap", "block_days")]["estimate"]
    assert market["network_hashrate"]["kind"] == "endogenous"
    assert Path(payload["files"]["html"]).is_file()
    result = _run_with_market(market, data=small_csv, n_days=30)
    assert result.dataset.sizes["path"] == 20


def test_cli_nonexistent_data(runner, tmp_path):
    result = runner.invoke(app, ["calibrate", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path)])
    assert_bad_input(result, "missing.csv", "does not exist", "--data", "hashpivot data update")


def test_cli_without_any_data_says_how_to_get_it(runner, tmp_path):
    result = runner.invoke(app, ["calibrate", "--out", str(tmp_path / "cal")])
    assert_bad_input(result, "no chain history", "--data", "HASHPIVOT_DATA", "hashpivot data update")
    assert not (tmp_path / "cal").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--since", "2024-06-20"], ("--since 2024-06-20 is invalid", "the table ends 2024-06-19")),
        (["--since", "2021-12-31"], ("--since 2021-12-31 is invalid", "from 2022-01-01")),
        (["--since", "20220101"], ("--since 20220101 is invalid", "YYYY-MM-DD")),
        (["--price", "heston"], ("--price heston is invalid", "gbm, bootstrap, regime")),
        (["--hashrate", "flat"], ("--hashrate flat is invalid", "lognormal, endogenous")),
    ],
)
def test_cli_bad_input(runner, small_csv, tmp_path, args, words):
    out = tmp_path / "cal"
    result = runner.invoke(app, ["calibrate", "--data", str(small_csv), "--out", str(out), *args])
    assert_bad_input(result, *words)
    assert not out.exists()


def test_cli_without_since_fits_from_the_tables_first_day_when_it_starts_after_the_default(runner, small_csv,
                                                                                           tmp_path):
    # the table starts 2022-01-01, after the default window's 2020-05-11: the user chose no date, so no error
    result = runner.invoke(app, ["calibrate", "--data", str(small_csv), "--out", str(tmp_path / "cal"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["since"] == "2022-01-01"


def test_a_table_shorter_than_a_calibration_says_so(runner, tmp_path):
    short = write_csv(lognormal_table(91, start="2024-04-01"), tmp_path / "short.csv")  # days 0..91
    result = runner.invoke(app, ["calibrate", "--data", str(short), "--out", str(tmp_path / "cal")])
    line = assert_bad_input(result, "the chain table holds 92 days (2024-04-01..2024-07-01)",
                            f"at least {cb.MIN_CALIBRATION_DAYS} days")
    assert "--since" not in line


# --- the real table -------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_real_table_since_2020_halving(runner, shared_csv, tmp_path):
    out = tmp_path / "cal"
    result = runner.invoke(app, ["calibrate", "--data", str(shared_csv), "--since", "2020-05-11", "--out", str(out),
                                 "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    est = {(r["process"], r["parameter"]): r["estimate"] for r in payload["parameters"]}
    se = {(r["process"], r["parameter"]): r["std_error"] for r in payload["parameters"]}
    assert payload["since"] == "2020-05-11" and payload["n_days"] >= 2000
    assert 0.02 < est[("gbm", "vol_per_sqrt_day")] < 0.05
    assert -0.005 < est[("gbm", "drift_per_day")] < 0.005
    assert 0 < se[("gbm", "drift_per_day")] < 0.002
    assert 1 <= est[("bootstrap", "block_days")] <= 120
    assert payload["regime_converged"] is True
    assert est[("regime", "bull_vol_per_sqrt_day")] < est[("regime", "bear_vol_per_sqrt_day")] < 0.1
    # hashrate rose about tenfold from 2020 to 2025: ln(10)/2,059 days = 0.0011/day
    assert 0.0003 < est[("hashrate", "growth_per_day")] < 0.003
    assert 0.005 < est[("hashrate", "vol_per_sqrt_day")] < 0.05
    assert 0.01 < est[("fees", "median_btc_per_block")] < 1.0
    assert 0.3 < est[("fees", "vol_log")] < 3.0
    assert "2024-04-20" in payload["fee_spike_dates"]  # the halving/Runes day (shared data README)
    history = load_chain_history(shared_csv)
    assert payload["market"]["btc_price"]["start_usd"] == history["price_usd"].iloc[-1]
    market = tomllib.loads((out / "market.toml").read_text())["market"]
    result = _run_with_market(market, n_days=90)
    assert result.dataset.sizes["path"] == 20
