"""Calibration: fit the market processes to the daily chain table and write them as a ``[market]`` block.

Pure functions on the chain-history DataFrame of :func:`hashpivot.io.load_chain_history` (daily index
``date``, the columns of ``shared/data/btc_daily.csv``); nothing here reads or writes files. The data's
licence asks for :data:`hashpivot.io.ATTRIBUTION` next to anything shown from it.

What is fitted, to which process of :mod:`hashpivot.processes`:

* :func:`fit_gbm` -> :class:`~hashpivot.processes.price.GbmPrice`: Gaussian MLE of daily log returns.
* :func:`fit_block_length` -> :class:`~hashpivot.processes.price.BootstrapPrice` ``block_days``:
  Politis & White (2004) automatic block length, corrected by Patton, Politis & White (2009).
* :func:`fit_regime` -> :class:`~hashpivot.processes.price.RegimePrice`: two-state Markov-switching
  mean and variance (Hamilton 1989), by ``statsmodels``' ``MarkovRegression``.
* :func:`fit_hashrate` -> :class:`~hashpivot.processes.hashrate.LognormalHashrate` (growth, volatility)
  and :class:`~hashpivot.processes.hashrate.EndogenousHashrate` (response of growth to the lagged
  margin of the median machine): 14-day means of hash rate, corrected for the averaging (Working 1960)
  and for the Poisson noise of the daily hash rate estimate.
* :func:`fit_fees` -> :class:`~hashpivot.processes.fees.LognormalFees`: robust median and log-sd of
  fees per block, and spikes as days far above the rolling median.

Standard errors are asymptotic ones under the fitted model (``std_error``); where the data may break
the model's independence or normality (price returns, fees), ``std_error_robust`` adds a circular
block bootstrap standard error (block length by Politis-White) that allows for fat tails and serial
dependence.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from hashpivot.errors import DataError, InputError
from hashpivot.formulas import mining
from hashpivot.processes.hashrate import EndogenousHashrate
from hashpivot.protocol import hashrate_ehs_from_difficulty
from hashpivot.scenarios.schema import MarketConfig
from hashpivot.units import DAYS_PER_YEAR, HOURS_PER_DAY

from hashpivot.analysis.calibration_options import (  # noqa: E402  (re-exported)
    DEFAULT_SINCE,
    HASHRATE_KINDS,
    PRICE_KINDS,
    HashrateKind,
    PriceKind,
)
#: Fewest days from ``since`` to the table's last day that :func:`calibrate` accepts. [days]
MIN_CALIBRATION_DAYS = 365
#: Length of the hash rate averaging blocks: one retarget period at the target block time. [days]
HASHRATE_BLOCK_DAYS = 14
#: Consistency factor of the MAD for a normal distribution: sigma = 1.4826 x MAD. [ratio]
MAD_TO_SD = 1.482602218505602
#: Asymptotic SE of the sample median of a normal sample, in sigma / sqrt(n): sqrt(pi / 2). [ratio]
MEDIAN_SE_FACTOR = math.sqrt(math.pi / 2.0)
#: Asymptotic SE of sigma = 1.4826 MAD for a normal sample, in sigma / sqrt(n) (efficiency 36.75 %,
#: Rousseeuw & Croux 1993, JASA 88:1273). [ratio]
MAD_SD_SE_FACTOR = 1.1664
#: Bootstrap replications of the robust standard errors, and their fixed seed. [count]
ROBUST_SE_REPS = 200
ROBUST_SE_SEED = 20240420

#: Cost model of the median network machine, as in ``EndogenousHashrate``'s defaults and the default
#: preset: 28 J/TH on 2024-04-20 improving 10 %/year, paying 45 USD/MWh (docs/assumptions.md).
DEFAULT_MEDIAN_EFFICIENCY_J_PER_TH = 28.0
DEFAULT_EFFICIENCY_REFERENCE_DATE = "2024-04-20"
DEFAULT_EFFICIENCY_GAIN_PER_YEAR = 0.10
DEFAULT_POWER_PRICE_USD_PER_MWH = 45.0
#: Parameters of the endogenous hashrate model that calibration does not fit: EndogenousHashrate's defaults.
ENDOGENOUS_DEFAULTS: dict[str, float] = {
    name: EndogenousHashrate.model_fields[name].default for name in ("efficiency_vol_log", "adjustment_frac_per_day")
}
#: Delay from margin to new capacity used by the response regression (EndogenousHashrate's default). [days]
DEFAULT_LAG_DAYS = 90

#: A fee day is a spike when its fees per block exceed this multiple of the centred rolling median. [ratio]
DEFAULT_SPIKE_THRESHOLD_RATIO = 4.0
#: Window of that rolling median (centred). [days]
DEFAULT_SPIKE_WINDOW_DAYS = 31


# --- price: GBM ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GbmFit:
    """Gaussian MLE of daily log returns r ~ N(mu - sigma^2/2, sigma^2) (``GbmPrice``).

    With m = mean(r) and sigma^2 = mean((r - m)^2): mu = m + sigma^2/2. Under the model m and sigma^2
    are independent with Var(m) = sigma^2/n and Var(sigma^2) = 2 sigma^4/n, so
    SE(mu) = sqrt(sigma^2/n + sigma^4/(2n)) = sigma sqrt((1 + sigma^2/2)/n) and (delta method)
    SE(sigma) = sigma / sqrt(2n).
    """

    drift_per_day: float  #: Arithmetic drift mu; E[S_t] = S_0 exp(mu t). [1/day]
    drift_se_per_day: float  #: Its standard error under the model. [1/day]
    vol_per_sqrt_day: float  #: Volatility sigma of daily log returns. [1/sqrt(day)]
    vol_se_per_sqrt_day: float  #: Its standard error under the model, sigma/sqrt(2n). [1/sqrt(day)]
    mean_log_return_per_day: float  #: m = mu - sigma^2/2, the median path's growth. [1/day]
    n_returns: int  #: Daily log returns used. [count]
    skewness: float  #: Sample skewness of the returns (0 under the model). [dimensionless]
    excess_kurtosis: float  #: Sample excess kurtosis (0 under the model). [dimensionless]
    drift_se_robust_per_day: float = math.nan  #: Block bootstrap SE of mu. [1/day]
    vol_se_robust_per_sqrt_day: float = math.nan  #: Block bootstrap SE of sigma. [1/sqrt(day)]


def _gbm_point(r: NDArray[np.float64]) -> tuple[float, float]:
    m = float(r.mean())
    sigma = float(r.std())
    return m + 0.5 * sigma * sigma, sigma


def fit_gbm(log_returns: ArrayLike, *, robust: bool = True) -> GbmFit:
    """Maximum-likelihood GBM drift and volatility of daily log returns. [1/day, 1/sqrt(day)]

    ``log_returns``: ln(S_t / S_{t-1}) of consecutive days. ``robust`` adds block bootstrap standard
    errors (fat tails and volatility clustering make the model's ones optimistic for real prices).
    """
    r = _returns(log_returns, "log_returns", minimum=30)
    n = r.size
    mu, sigma = _gbm_point(r)
    z = (r - r.mean()) / sigma if sigma > 0 else np.zeros_like(r)
    fit = GbmFit(
        drift_per_day=mu,
        drift_se_per_day=sigma * math.sqrt((1.0 + 0.5 * sigma * sigma) / n),
        vol_per_sqrt_day=sigma,
        vol_se_per_sqrt_day=sigma / math.sqrt(2.0 * n),
        mean_log_return_per_day=float(r.mean()),
        n_returns=n,
        skewness=float(np.mean(z**3)),
        excess_kurtosis=float(np.mean(z**4) - 3.0),
    )
    if not robust:
        return fit
    se = block_bootstrap_se(r, lambda x: np.array(_gbm_point(x)))
    return _replace(fit, drift_se_robust_per_day=float(se[0]), vol_se_robust_per_sqrt_day=float(se[1]))


def qq_points(log_returns: ArrayLike) -> pd.DataFrame:
    """Normal QQ plot of standardized daily log returns: columns ``normal_quantile`` (theoretical,
    plotting positions (i - 0.5)/n, Hazen) and ``standardized_return`` (sorted). [dimensionless]"""
    from scipy.special import ndtri

    r = _returns(log_returns, "log_returns", minimum=2)
    z = np.sort((r - r.mean()) / r.std())
    q = ndtri((np.arange(1, r.size + 1) - 0.5) / r.size)
    return pd.DataFrame({"normal_quantile": q, "standardized_return": z})


# --- price: block bootstrap ----------------------------------------------------------------------


@dataclass(frozen=True)
class BlockLengthFit:
    """Politis-White automatic block length of the moving/circular block bootstrap (``BootstrapPrice``).

    Returns are nearly uncorrelated, so their own block length is short; their volatility clusters,
    so the squared returns need long blocks. ``block_days`` is the longer of the two (rounded up), so
    resampled paths keep volatility clustering as well as the return autocorrelation.
    """

    block_days: int  #: Block length for ``BootstrapPrice``. [days]
    returns_block_days: float  #: Politis-White circular block length of the returns. [days]
    squared_returns_block_days: float  #: Same for the squared demeaned returns. [days]
    n_returns: int  #: Daily log returns used. [count]


def fit_block_length(log_returns: ArrayLike) -> BlockLengthFit:
    """Automatic block length (Politis & White 2004; Patton, Politis & White 2009) by
    ``arch.bootstrap.optimal_block_length``, circular-bootstrap column. [days]"""
    r = _returns(log_returns, "log_returns", minimum=30)
    plain, squared = _pw_block_lengths(r)
    return BlockLengthFit(
        block_days=int(max(1, math.ceil(plain), math.ceil(squared))),
        returns_block_days=plain,
        squared_returns_block_days=squared,
        n_returns=r.size,
    )


def _pw_block_lengths(r: NDArray[np.float64]) -> tuple[float, float]:
    from arch.bootstrap import optimal_block_length

    x = np.column_stack([r, (r - r.mean()) ** 2])
    table = optimal_block_length(x)
    plain, squared = (float(v) for v in table["circular"].to_numpy())
    return plain, squared


def block_bootstrap_se(
    x: NDArray[np.float64], statistic, reps: int = ROBUST_SE_REPS, seed: int = ROBUST_SE_SEED
) -> NDArray[np.float64]:
    """Standard errors of ``statistic(x)`` (an array) by circular block bootstrap, the block length
    chosen by Politis-White on ``x`` and ``x^2`` (the longer, at least 1 day). [units of the statistic]"""
    from arch.bootstrap import CircularBlockBootstrap

    plain, squared = _pw_block_lengths(x)
    block = int(max(1, math.ceil(plain), math.ceil(squared)))
    block = min(block, max(1, x.size // 4))
    boot = CircularBlockBootstrap(block, x, seed=np.random.default_rng(seed))
    draws = boot.apply(lambda y: np.atleast_1d(statistic(y)), reps)
    return np.asarray(draws.std(axis=0, ddof=1), dtype=np.float64)


# --- price: regimes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegimeFit:
    """Two-state Markov-switching mean and variance of daily log returns, mapped to ``RegimePrice``.

    statsmodels fits r_t = c_s + e_t, e_t ~ N(0, v_s), with P(s_t = j | s_{t-1} = i). ``RegimePrice``
    draws mu_s - sigma_s^2/2 + sigma_s z after the day's switch, so sigma_s = sqrt(v_s) and
    mu_s = c_s + v_s/2 (standard errors by the delta method from the fit's covariance matrix). The bull
    state is the calm one (lower variance): variances are estimated far more precisely than means, so
    labelling by variance does not flip between samples (labelling by drift did, in tests on synthetic
    regimes); on BTC since 2020 the turbulent state's drift is the higher one, not significantly.
    ``start_bull_frac`` is the filtered probability of the
    bull state on the last day of the data, where a simulation starting from it begins.
    """

    bull_drift_per_day: float  #: [1/day]
    bull_drift_se_per_day: float  #: [1/day]
    bull_vol_per_sqrt_day: float  #: [1/sqrt(day)]
    bull_vol_se_per_sqrt_day: float  #: [1/sqrt(day)]
    bear_drift_per_day: float  #: [1/day]
    bear_drift_se_per_day: float  #: [1/day]
    bear_vol_per_sqrt_day: float  #: [1/sqrt(day)]
    bear_vol_se_per_sqrt_day: float  #: [1/sqrt(day)]
    bull_to_bear_prob_per_day: float  #: [1/day]
    bull_to_bear_prob_se_per_day: float  #: [1/day]
    bear_to_bull_prob_per_day: float  #: [1/day]
    bear_to_bull_prob_se_per_day: float  #: [1/day]
    start_bull_frac: float  #: Filtered P(bull) on the last day. [fraction]
    log_likelihood: float  #: Of the returns in percent, as statsmodels reports it. [nats]
    n_returns: int  #: [count]
    converged: bool  #: The optimiser reported convergence and every standard error is finite.
    notes: tuple[str, ...] = ()  #: Warnings raised during the fit, as text.


#: statsmodels fits returns in percent: better-scaled likelihood; estimates are scaled back.
_REGIME_SCALE = 100.0


def fit_regime(log_returns: ArrayLike, *, search_reps: int = 20, seed: int = ROBUST_SE_SEED) -> RegimeFit:
    """Fit the two-state Markov-switching model by maximum likelihood (Hamilton filter), mapped to
    ``RegimePrice``'s parameters. [1/day, 1/sqrt(day), probabilities per day]

    Start values: statsmodels' own, improved by 50 EM iterations and ``search_reps`` random
    perturbations drawn from ``seed`` (deterministic). Every warning raised inside statsmodels
    (ConvergenceWarning, EstimationWarning, numerical RuntimeWarnings) is caught and returned in
    ``notes``; if the first fit does not converge it is retried with more iterations and Nelder-Mead
    before BFGS, and ``converged`` says whether that worked.
    """
    r = _returns(log_returns, "log_returns", minimum=100)
    y = r * _REGIME_SCALE
    notes: list[str] = []
    try:
        res = _markov_fit(y, notes, search_reps=search_reps, seed=seed, maxiter=200, polish=False)
        if not _regime_ok(res):
            notes.append("first fit did not converge; refitted with Nelder-Mead then BFGS, 1,000 iterations")
            res = _markov_fit(y, notes, search_reps=search_reps, seed=seed + 1, maxiter=1000, polish=True)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError) as exc:
        notes.append(f"the fit failed: {type(exc).__name__}: {exc}")
        return _failed_regime(r.size, notes)

    names = list(res.model.param_names)
    params = pd.Series(np.asarray(res.params, dtype=np.float64), index=names)
    cov = pd.DataFrame(np.asarray(res.cov_params(), dtype=np.float64), index=names, columns=names)
    c = np.array([params["const[0]"], params["const[1]"]]) / _REGIME_SCALE
    v = np.array([params["sigma2[0]"], params["sigma2[1]"]]) / _REGIME_SCALE**2
    mu = c + v / 2.0
    vol = np.sqrt(v)
    se_mu = np.empty(2)
    se_vol = np.empty(2)
    for s in (0, 1):
        cc = cov.at[f"const[{s}]", f"const[{s}]"] / _REGIME_SCALE**2
        vv = cov.at[f"sigma2[{s}]", f"sigma2[{s}]"] / _REGIME_SCALE**4
        cv = cov.at[f"const[{s}]", f"sigma2[{s}]"] / _REGIME_SCALE**3
        se_mu[s] = math.sqrt(max(cc + vv / 4.0 + cv, 0.0)) if np.isfinite([cc, vv, cv]).all() else math.nan
        se_vol[s] = math.sqrt(vv) / (2.0 * vol[s]) if np.isfinite(vv) and vv >= 0 else math.nan
    # P(0 -> 0) and P(1 -> 0): leaving state 0 is 1 - p00, leaving state 1 is p10.
    p00, p10 = float(params["p[0->0]"]), float(params["p[1->0]"])
    se00 = _sqrt_or_nan(cov.at["p[0->0]", "p[0->0]"])
    se10 = _sqrt_or_nan(cov.at["p[1->0]", "p[1->0]"])
    leave = np.array([1.0 - p00, p10])
    leave_se = np.array([se00, se10])
    bull = int(np.argmin(v))
    bear = 1 - bull
    filtered = np.asarray(res.filtered_marginal_probabilities, dtype=np.float64)
    if filtered.shape[0] != len(y):  # (regimes, days) in some statsmodels versions
        filtered = filtered.T
    start_bull = float(np.clip(filtered[-1, bull], 0.0, 1.0))
    ses = np.concatenate([se_mu, se_vol, leave_se])
    converged = bool(res.mle_retvals.get("converged", False)) and bool(np.isfinite(ses).all())
    if not np.isfinite(ses).all():
        notes.append("some standard errors are not finite (the likelihood's Hessian is not positive definite)")
    return RegimeFit(
        bull_drift_per_day=float(mu[bull]), bull_drift_se_per_day=float(se_mu[bull]),
        bull_vol_per_sqrt_day=float(vol[bull]), bull_vol_se_per_sqrt_day=float(se_vol[bull]),
        bear_drift_per_day=float(mu[bear]), bear_drift_se_per_day=float(se_mu[bear]),
        bear_vol_per_sqrt_day=float(vol[bear]), bear_vol_se_per_sqrt_day=float(se_vol[bear]),
        bull_to_bear_prob_per_day=float(np.clip(leave[bull], 0.0, 1.0)),
        bull_to_bear_prob_se_per_day=float(leave_se[bull]),
        bear_to_bull_prob_per_day=float(np.clip(leave[bear], 0.0, 1.0)),
        bear_to_bull_prob_se_per_day=float(leave_se[bear]),
        start_bull_frac=start_bull,
        log_likelihood=float(res.llf),
        n_returns=int(r.size),
        converged=converged,
        notes=tuple(dict.fromkeys(notes)),
    )


def _failed_regime(n: int, notes: list[str]) -> RegimeFit:
    nan = math.nan
    return RegimeFit(nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, n_returns=n,
                     converged=False, notes=tuple(dict.fromkeys(notes)))


def _markov_fit(y: NDArray[np.float64], notes: list[str], *, search_reps: int, seed: int, maxiter: int,
                polish: bool):
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = MarkovRegression(y, k_regimes=2, trend="c", switching_variance=True)
        kwargs: dict[str, Any] = dict(em_iter=50, search_reps=search_reps, search_iter=10,
                                      rng=np.random.default_rng(seed), disp=0)
        if polish:
            start = model.fit(method="nm", maxiter=maxiter, return_params=True, **kwargs)
            res = model.fit(start_params=start, method="bfgs", maxiter=maxiter, em_iter=0, disp=0)
        else:
            res = model.fit(method="bfgs", maxiter=maxiter, **kwargs)
    for w in caught:
        notes.append(f"{w.category.__name__}: {' '.join(str(w.message).split())}")
    return res


def _regime_ok(res) -> bool:
    if not res.mle_retvals.get("converged", False):
        return False
    return bool(np.isfinite(np.asarray(res.bse, dtype=np.float64)).all())


def _sqrt_or_nan(x: float) -> float:
    return math.sqrt(x) if np.isfinite(x) and x >= 0 else math.nan


# --- network hashrate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HashrateFit:
    """Lognormal growth of network hashrate and its response to the lagged margin of the median machine.

    The table's ``hashrate_ehs`` is blocks x difficulty x 2^32 / 86,400 s (see shared/data/README.md):
    single days carry Poisson noise of variance about 1/blocks in logs. Means over ``block_days``-day
    blocks (aligned so the last block ends on the table's last day), x_k = ln(mean hash rate of block k),
    cut that noise to 1/B_k (B_k = blocks found in block k). For H[t] = H[t-1] exp(g + s z) (the
    ``LognormalHashrate`` model) and d_k = x_k - x_{k-1} with blocks of m days:

    * E[d_k] = m g, so g = (x_K - x_0) / (m K), and Var(x_K - x_0) = s^2 (K m - m + 1 +
      (m - 1)(2m - 1)/(3m)) + 1/B_0 + 1/B_K (each daily step weighted by how many days of the two
      averages it separates);
    * Var(d_k) = s^2 (2m^2 + 1)/(3m) + 1/B_k + 1/B_{k-1} (Working 1960, Econometrica 28:916: averaging
      a random walk shrinks the variance of changes to about 2/3), so s^2 = (Var(d) - mean noise) x
      3m/(2m^2 + 1); its SE from Var(sample variance) = 2 (g0^2 + 2 g1^2)/K for MA(1) changes with
      autocovariances g0, g1.

    The response regression (``EndogenousHashrate``): d_k/m = g0 + beta max(0, ln(hp / c_med)) + e_k,
    where hp is the pooled hashprice (revenue / hash rate) of the two blocks around ``lag_days``
    before the boundary of blocks k-1 and k, and c_med = e_med x 24 h x power price / 1e6 is the
    power cost of the median machine [USD/(TH/s)/day] with e_med improving ``efficiency_gain_per_year``
    from ``median_efficiency_j_per_th`` on ``efficiency_reference_date``. OLS with Newey-West (1 lag)
    standard errors, because averaging makes consecutive d_k correlated. The model allows beta >= 0 only: where
    the estimate is negative, the market takes beta = 0 and the least-squares g0 under that constraint, the
    mean of d_k/m (``response_intercept_model_per_day``), not the unconstrained intercept (with a regressor of
    positive mean and a negative slope, that intercept lies above every growth the data show).
    """

    block_days: int  #: Averaging block length. [days]
    n_blocks: int  #: Blocks used. [count]
    growth_per_day: float  #: g, log growth of the median path. [1/day]
    growth_se_per_day: float  #: [1/day]
    vol_per_sqrt_day: float  #: s, volatility of daily log changes. [1/sqrt(day)]
    vol_se_per_sqrt_day: float  #: [1/sqrt(day)]
    measurement_noise_var: float  #: Mean Poisson noise variance of x_k removed from Var(d). [log^2]
    start_ehs: float  #: Mean hash rate of the last block. [EH/s]
    lag_days: int  #: Lag of the response regression, a whole number of blocks. [days]
    response_intercept_per_day: float  #: g0 of the regression. [1/day]
    response_intercept_se_per_day: float  #: [1/day]
    #: g0 of the model, beta held at 0 where its estimate is negative (then the mean of d_k/m), else g0. [1/day]
    response_intercept_model_per_day: float
    response_intercept_model_se_per_day: float  #: [1/day]
    response_per_day: float  #: beta, extra log growth per unit of log margin. [1/day]
    response_se_per_day: float  #: [1/day]
    response_r_squared: float  #: [fraction]
    response_n: int  #: Observations of the regression. [count]
    median_efficiency_j_per_th: float  #: Cost model input, on the reference date. [J/TH]
    efficiency_reference_date: str  #: [date]
    efficiency_gain_per_year: float  #: [1/year]
    power_price_usd_per_mwh: float  #: [USD/MWh]
    end_median_efficiency_j_per_th: float  #: e_med on the table's last day. [J/TH]
    points: pd.DataFrame = field(repr=False)
    """Per regression observation: ``date`` (end of block k), ``log_margin`` (regressor, ln of the
    lagged hashprice over c_med, before the positive part), ``growth_per_day`` (d_k/m)."""


def fit_hashrate(
    history: pd.DataFrame,
    *,
    block_days: int = HASHRATE_BLOCK_DAYS,
    lag_days: int = DEFAULT_LAG_DAYS,
    median_efficiency_j_per_th: float = DEFAULT_MEDIAN_EFFICIENCY_J_PER_TH,
    efficiency_reference_date: str = DEFAULT_EFFICIENCY_REFERENCE_DATE,
    efficiency_gain_per_year: float = DEFAULT_EFFICIENCY_GAIN_PER_YEAR,
    power_price_usd_per_mwh: float = DEFAULT_POWER_PRICE_USD_PER_MWH,
) -> HashrateFit:
    """Fit network hashrate growth, volatility and response to lagged hashprice. [1/day, 1/sqrt(day)]

    ``history``: the chain table (``hashrate_ehs``, ``block_count``, ``price_usd``, ``issuance_btc``,
    ``fees_btc``); see :class:`HashrateFit` for the method and the sources.
    """
    import statsmodels.api as sm

    m = int(block_days)
    if m < 1:
        raise InputError("block_days", block_days, "an integer >= 1")
    lag_blocks = max(1, round(lag_days / m))
    n_blocks = len(history) // m
    if n_blocks - lag_blocks - 2 < 8:
        raise DataError(
            f"fit_hashrate needs at least {(lag_blocks + 10) * m} days of chain history "
            f"({m}-day blocks, lag {lag_blocks * m} days); got {len(history)}"
        )
    rows = history.iloc[len(history) - n_blocks * m :]
    hashrate = rows["hashrate_ehs"].to_numpy(dtype=np.float64).reshape(n_blocks, m)
    blocks = rows["block_count"].to_numpy(dtype=np.float64).reshape(n_blocks, m).sum(axis=1)
    revenue_usd = ((rows["issuance_btc"] + rows["fees_btc"]) * rows["price_usd"]).to_numpy().reshape(n_blocks, m)
    ends = rows.index[m - 1 :: m]

    mean_ehs = hashrate.mean(axis=1)
    x = np.log(mean_ehs)
    d = np.diff(x)
    k = d.size
    noise = 1.0 / np.maximum(blocks, 1.0)
    shrink = 3.0 * m / (2.0 * m * m + 1.0)
    noise_mean = float(np.mean(noise[1:] + noise[:-1]))
    var_d = float(d.var(ddof=1))
    s2 = max((var_d - noise_mean) * shrink, 0.0)
    s = math.sqrt(s2)
    dc = d - d.mean()
    rho1 = float(np.dot(dc[1:], dc[:-1]) / np.dot(dc, dc)) if k > 2 else 0.0
    se_var_d = var_d * math.sqrt(2.0 * (1.0 + 2.0 * rho1 * rho1) / k)
    se_s = shrink * se_var_d / (2.0 * s) if s > 0 else math.nan
    g = float((x[-1] - x[0]) / (m * k))
    weight_sum = k * m - m + 1 + (m - 1) * (2 * m - 1) / (3 * m)
    se_g = math.sqrt(s2 * weight_sum + noise[0] + noise[-1]) / (m * k)

    # Response: pooled hashprice of each block over the median machine's power cost.
    hashprice = mining.hashprice_from_revenue_usd(revenue_usd.sum(axis=1), hashrate.sum(axis=1))
    ref = pd.Timestamp(efficiency_reference_date)
    mid_days = (rows.index[m // 2 :: m] - ref).days.to_numpy(dtype=np.float64)
    e_med = median_efficiency_j_per_th * (1.0 - efficiency_gain_per_year) ** (mid_days / DAYS_PER_YEAR)
    cost = e_med * HOURS_PER_DAY * power_price_usd_per_mwh / 1e6
    log_hashprice = np.log(hashprice)
    # d_k (k = 1..K, block k-1 -> k) is driven by margins lag days before the k-1/k boundary: blocks
    # k-L-1 and k-L straddle it. The cost is the one at the time of growth, as in the market kernel.
    ks = np.arange(lag_blocks + 1, n_blocks)
    lagged = 0.5 * (log_hashprice[ks - lag_blocks - 1] + log_hashprice[ks - lag_blocks])
    cost_now = np.log(0.5 * (cost[ks - 1] + cost[ks]))
    log_margin = lagged - cost_now
    regressor = np.maximum(log_margin, 0.0)
    y = d[ks - 1] / m
    exog = sm.add_constant(regressor, has_constant="add")
    hac = {"cov_type": "HAC", "cov_kwds": {"maxlags": 1, "use_correction": True}}
    ols = sm.OLS(y, exog).fit(**hac)
    # beta < 0 is outside the model: the constrained fit is the regression on the constant alone
    model = ols if ols.params[1] >= 0 else sm.OLS(y, np.ones((y.size, 1))).fit(**hac)
    end_days = float((history.index[-1] - ref).days)
    return HashrateFit(
        block_days=m,
        n_blocks=n_blocks,
        growth_per_day=g,
        growth_se_per_day=se_g,
        vol_per_sqrt_day=s,
        vol_se_per_sqrt_day=se_s,
        measurement_noise_var=float(np.mean(noise)),
        start_ehs=float(mean_ehs[-1]),
        lag_days=lag_blocks * m,
        response_intercept_per_day=float(ols.params[0]),
        response_intercept_se_per_day=float(ols.bse[0]),
        response_intercept_model_per_day=float(model.params[0]),
        response_intercept_model_se_per_day=float(model.bse[0]),
        response_per_day=float(ols.params[1]),
        response_se_per_day=float(ols.bse[1]),
        response_r_squared=float(ols.rsquared),
        response_n=int(y.size),
        median_efficiency_j_per_th=float(median_efficiency_j_per_th),
        efficiency_reference_date=str(ref.date()),
        efficiency_gain_per_year=float(efficiency_gain_per_year),
        power_price_usd_per_mwh=float(power_price_usd_per_mwh),
        end_median_efficiency_j_per_th=float(
            median_efficiency_j_per_th * (1.0 - efficiency_gain_per_year) ** (end_days / DAYS_PER_YEAR)
        ),
        points=pd.DataFrame({"date": ends[ks], "log_margin": log_margin, "growth_per_day": y}),
    )


# --- fees ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeesFit:
    """Lognormal fees per block with spikes (``LognormalFees``).

    ln(fees per block) is N(ln median, vol_log^2) on ordinary days. Estimated robustly, so rare spike days
    hardly move them: median = exp(median of ln f), SE sqrt(pi/2) vol_log/sqrt(n) on the log scale (delta
    method to BTC); vol_log = 1.4826 MAD of ln f, SE 1.1664 vol_log/sqrt(n). Spikes: days whose fees per
    block exceed ``threshold_ratio`` x the centred ``window_days`` rolling median; ``spike_prob_per_day``
    is their share less the share expected from the ordinary days' own spread around that median
    (lognormal with the robust log-sd of ln(f / rolling median)), SE binomial; ``spike_ratio`` is the
    geometric mean of f / rolling median on spike days (SE by the delta method).
    """

    median_btc_per_block: float  #: [BTC/block]
    median_se_btc_per_block: float  #: [BTC/block]
    vol_log: float  #: Log standard deviation of daily fees per block. [log BTC]
    vol_log_se: float  #: [log BTC]
    spike_prob_per_day: float  #: [1/day]
    spike_prob_se_per_day: float  #: [1/day]
    spike_ratio: float  #: Fee multiple on a spike day. [ratio]
    spike_ratio_se: float  #: [ratio]
    n_days: int  #: Days with at least one block. [count]
    n_spike_days: int  #: [count]
    spike_dates: tuple[str, ...]  #: ISO dates of the spike days. [date]
    threshold_ratio: float  #: [ratio]
    window_days: int  #: [days]
    local_vol_log: float  #: Robust log-sd of f / rolling median. [log BTC]
    median_se_robust_btc_per_block: float = math.nan  #: Block bootstrap SE. [BTC/block]
    vol_log_se_robust: float = math.nan  #: Block bootstrap SE. [log BTC]


def _robust_location_scale(v: NDArray[np.float64]) -> NDArray[np.float64]:
    med = np.median(v)
    return np.array([med, MAD_TO_SD * np.median(np.abs(v - med))])


def fit_fees(
    history: pd.DataFrame,
    *,
    threshold_ratio: float = DEFAULT_SPIKE_THRESHOLD_RATIO,
    window_days: int = DEFAULT_SPIKE_WINDOW_DAYS,
    robust: bool = True,
) -> FeesFit:
    """Fit fees per block (``fees_btc / block_count``) to ``LognormalFees``. [BTC/block, log BTC, 1/day]

    ``robust`` adds block bootstrap standard errors of the median and log-sd (real fees are persistent,
    so the iid ones are optimistic). See :class:`FeesFit` for the method.
    """
    if not threshold_ratio > 1.0:
        raise InputError("threshold_ratio", threshold_ratio, "> 1")
    if window_days < 3:
        raise InputError("window_days", window_days, "an integer >= 3")
    has_blocks = history["block_count"].to_numpy() > 0
    per_block = (history["fees_btc"] / history["block_count"].where(has_blocks))[has_blocks]
    if (per_block <= 0).any():
        bad = per_block.index[per_block.to_numpy() <= 0]
        raise DataError(f"fit_fees needs fees > 0 on days with blocks; zero on {len(bad)} days from {bad[0]:%Y-%m-%d}")
    n = int(per_block.size)
    if n < 60:
        raise DataError(f"fit_fees needs at least 60 days with blocks; got {n}")
    log_f = np.log(per_block.to_numpy(dtype=np.float64))
    loc, vol_log = (float(v) for v in _robust_location_scale(log_f))
    median = math.exp(loc)
    se_loc = MEDIAN_SE_FACTOR * vol_log / math.sqrt(n)

    rolling = per_block.rolling(window_days, center=True, min_periods=window_days // 2 + 1).median()
    ratio = (per_block / rolling).to_numpy(dtype=np.float64)
    log_ratio = np.log(ratio)
    local_sd = float(_robust_location_scale(log_ratio)[1])
    is_spike = ratio > threshold_ratio
    n_spike = int(is_spike.sum())
    false_rate = _normal_sf(math.log(threshold_ratio) / local_sd) if local_sd > 0 else 0.0
    p = max(n_spike / n - false_rate, 0.0)
    p_se = math.sqrt(max(n_spike / n * (1.0 - n_spike / n), 1.0 / n) / n)
    if n_spike:
        spike_logs = log_ratio[is_spike]
        spike_ratio = max(math.exp(float(spike_logs.mean())), 1.0)
        sd = float(spike_logs.std(ddof=1)) if n_spike > 1 else local_sd
        spike_ratio_se = spike_ratio * sd / math.sqrt(n_spike)
    else:
        spike_ratio, spike_ratio_se = 1.0, math.nan
    fit = FeesFit(
        median_btc_per_block=median,
        median_se_btc_per_block=median * se_loc,
        vol_log=vol_log,
        vol_log_se=MAD_SD_SE_FACTOR * vol_log / math.sqrt(n),
        spike_prob_per_day=p,
        spike_prob_se_per_day=p_se,
        spike_ratio=spike_ratio,
        spike_ratio_se=spike_ratio_se,
        n_days=n,
        n_spike_days=n_spike,
        spike_dates=tuple(f"{d:%Y-%m-%d}" for d in per_block.index[is_spike]),
        threshold_ratio=float(threshold_ratio),
        window_days=int(window_days),
        local_vol_log=local_sd,
    )
    if not robust:
        return fit
    se = block_bootstrap_se(log_f, _robust_location_scale)
    return _replace(fit, median_se_robust_btc_per_block=median * float(se[0]), vol_log_se_robust=float(se[1]))


def _normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


# --- the whole calibration ----------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """Every fit on the chain table from ``since`` to ``end``, and the ``[market]`` block they make.

    ``market`` holds the price process named by ``price_kind`` and the hashrate process named by
    ``hashrate_kind``, with levels (price, hashrate, difficulty) of the table's last day ``end``;
    ``table`` is tidy: one row per fitted parameter (``process``, ``parameter``, ``estimate``,
    ``std_error``, ``std_error_robust``, ``unit``, ``method``).
    """

    since: date
    end: date
    n_days: int  #: Days of history used. [days]
    price_kind: str
    hashrate_kind: str
    market: MarketConfig
    gbm: GbmFit
    block_length: BlockLengthFit
    regime: RegimeFit
    hashrate: HashrateFit
    fees: FeesFit
    table: pd.DataFrame = field(repr=False)
    qq: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    def market_dict(self) -> dict[str, Any]:
        """The ``[market]`` block as plain TOML-ready values: the fitted fields only (no defaults, no
        ``None``), so a scenario's own power price, GPU rent and halving settings are not overwritten."""
        return self.market.model_dump(mode="python", exclude_none=True, exclude_unset=True)


def select_since(history: pd.DataFrame, since: str | date | pd.Timestamp,
                 min_days: int = MIN_CALIBRATION_DAYS) -> pd.DataFrame:
    """The chain table from ``since`` (inclusive) to its end; an InputError naming ``since`` when the
    date is malformed or leaves fewer than ``min_days`` days. [rows of the table]"""
    if len(history) == 0:
        raise DataError("the chain table has no rows")
    first, last = history.index[0], history.index[-1]
    latest = last - pd.Timedelta(days=min_days - 1)
    allowed = (f"a date YYYY-MM-DD from {first:%Y-%m-%d} to {latest:%Y-%m-%d} (the table ends {last:%Y-%m-%d}; "
               f"calibration needs at least {min_days} days)")
    try:
        start = pd.Timestamp(since) if not isinstance(since, str) else pd.Timestamp(
            pd.to_datetime(since.strip(), format="%Y-%m-%d"))
    except (ValueError, TypeError):
        raise InputError("since", since, "a date YYYY-MM-DD") from None
    if latest < first:  # no --since can help: the table itself is too short (its range would run backwards)
        raise DataError(f"the chain table holds {len(history):,} days ({first:%Y-%m-%d}..{last:%Y-%m-%d}); "
                        f"allowed: a table of at least {min_days} days, the fewest a calibration fits on")
    if not first <= start <= latest:
        raise InputError("since", str(since), allowed)
    return history.loc[start:]


def calibrate(
    history: pd.DataFrame,
    since: str | date | pd.Timestamp = DEFAULT_SINCE,
    *,
    price_kind: str = "gbm",
    hashrate_kind: str = "lognormal",
    lag_days: int = DEFAULT_LAG_DAYS,
) -> Calibration:
    """Fit every market process on the chain table from ``since``; see the module docstring.

    ``price_kind`` (gbm, bootstrap, regime) and ``hashrate_kind`` (lognormal, endogenous) choose the
    processes written into ``market``; all fits are reported in ``table`` either way. Raises
    InputError for a bad ``since`` or kind, DataError when the fitted values fall outside the
    scenario's limits.
    """
    if price_kind not in PRICE_KINDS:
        raise InputError("price", price_kind, f"one of {', '.join(PRICE_KINDS)}")
    if hashrate_kind not in HASHRATE_KINDS:
        raise InputError("hashrate", hashrate_kind, f"one of {', '.join(HASHRATE_KINDS)}")
    rows = select_since(history, since)
    prices = rows["price_usd"].to_numpy(dtype=np.float64)
    log_returns = np.diff(np.log(prices))
    if not np.std(log_returns) > 0:
        raise DataError(f"price_usd from {since}: the daily log returns are all equal; nothing to fit")
    gbm = fit_gbm(log_returns)
    block = fit_block_length(log_returns)
    regime = fit_regime(log_returns)
    hashrate = fit_hashrate(rows, lag_days=lag_days)
    fees = fit_fees(rows)
    start, end = rows.index[0], rows.index[-1]
    notes: list[str] = []
    if not regime.converged:
        notes.append("regime fit: " + ("; ".join(regime.notes) or "did not converge"))
        if price_kind == "regime":
            raise DataError(f"--price regime: the Markov-switching fit on {since}.. did not converge "
                            f"({'; '.join(regime.notes) or 'no reason given'}); use --price gbm or bootstrap")
    if hashrate_kind == "endogenous" and hashrate.response_per_day < 0:
        notes.append(f"hashrate response {hashrate.response_per_day:.3g}/day < 0 set to 0 (the model allows >= 0), "
                     f"and growth refit with it: {hashrate.response_intercept_model_per_day:.3g}/day, the mean growth "
                     f"(the intercept {hashrate.response_intercept_per_day:.3g}/day belongs to the negative slope)")

    price_usd = float(prices[-1])
    price: dict[str, Any]
    if price_kind == "gbm":
        price = {"kind": "gbm", "start_usd": price_usd, "drift_per_day": gbm.drift_per_day,
                 "vol_per_sqrt_day": gbm.vol_per_sqrt_day}
    elif price_kind == "bootstrap":
        price = {"kind": "bootstrap", "start_usd": price_usd, "block_days": block.block_days,
                 "since": f"{start:%Y-%m-%d}"}
    else:
        price = {"kind": "regime", "start_usd": price_usd,
                 "bull_drift_per_day": regime.bull_drift_per_day, "bull_vol_per_sqrt_day": regime.bull_vol_per_sqrt_day,
                 "bear_drift_per_day": regime.bear_drift_per_day, "bear_vol_per_sqrt_day": regime.bear_vol_per_sqrt_day,
                 "bull_to_bear_prob_per_day": regime.bull_to_bear_prob_per_day,
                 "bear_to_bull_prob_per_day": regime.bear_to_bull_prob_per_day,
                 "start_bull_frac": regime.start_bull_frac}
    network: dict[str, Any]
    if hashrate_kind == "lognormal":
        network = {"kind": "lognormal", "start_ehs": hashrate.start_ehs, "growth_per_day": hashrate.growth_per_day,
                   "vol_per_sqrt_day": hashrate.vol_per_sqrt_day}
    else:
        network = {"kind": "endogenous", "start_ehs": hashrate.start_ehs,
                   "growth_per_day": hashrate.response_intercept_model_per_day,
                   "vol_per_sqrt_day": hashrate.vol_per_sqrt_day,
                   "response_per_day": max(hashrate.response_per_day, 0.0),
                   "lag_days": hashrate.lag_days,
                   "median_efficiency_j_per_th": hashrate.end_median_efficiency_j_per_th,
                   "efficiency_vol_log": ENDOGENOUS_DEFAULTS["efficiency_vol_log"],
                   "efficiency_gain_per_year": hashrate.efficiency_gain_per_year,
                   "power_price_usd_per_mwh": hashrate.power_price_usd_per_mwh,
                   "adjustment_frac_per_day": ENDOGENOUS_DEFAULTS["adjustment_frac_per_day"]}
    spec = {
        "btc_price": price,
        "network_hashrate": network,
        "fees": {"kind": "lognormal", "median_btc_per_block": fees.median_btc_per_block, "vol_log": fees.vol_log,
                 "spike_prob_per_day": fees.spike_prob_per_day, "spike_ratio": fees.spike_ratio},
        "difficulty": {"start_ehs": float(hashrate_ehs_from_difficulty(rows["difficulty_mean"].iloc[-1]))},
    }
    market = _validated_market(spec)
    return Calibration(
        since=start.date(), end=end.date(), n_days=len(rows), price_kind=price_kind, hashrate_kind=hashrate_kind,
        market=market, gbm=gbm, block_length=block, regime=regime, hashrate=hashrate, fees=fees,
        table=parameter_table(gbm, block, regime, hashrate, fees), qq=qq_points(log_returns), notes=tuple(notes),
    )


def _validated_market(spec: dict[str, Any]) -> MarketConfig:
    from pydantic import ValidationError

    try:
        return MarketConfig.model_validate(spec)
    except ValidationError as exc:
        problems = "; ".join(
            f"market.{_toml_path(spec, e['loc'])} = {e.get('input')!r}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise DataError(f"the fitted market is outside the scenario's limits: {problems}") from None


def _toml_path(spec: dict[str, Any], loc: tuple) -> str:
    """``loc`` as the TOML path: without the ``kind`` tag pydantic inserts after a tagged union."""
    parts: list[str] = []
    current: Any = spec
    for part in loc:
        if isinstance(current, dict) and part not in current and current.get("kind") == part:
            continue
        parts.append(str(part))
        current = current.get(part) if isinstance(current, dict) else None
    return ".".join(parts)


def parameter_table(gbm: GbmFit, block: BlockLengthFit, regime: RegimeFit, hashrate: HashrateFit,
                    fees: FeesFit) -> pd.DataFrame:
    """Tidy table of every fitted parameter: process, parameter, estimate, std_error,
    std_error_robust (NaN where not computed), unit, method."""
    nan = math.nan
    mle = "Gaussian MLE of daily log returns"
    ms = f"Markov switching, 2 states ({'converged' if regime.converged else 'NOT converged'})"
    hr = f"{hashrate.block_days}-day means, Working + Poisson-noise corrected"
    resp = f"OLS of growth on max(0, ln(hashprice {hashrate.lag_days} d before / median machine cost)), HAC SE"
    rows = [
        ("gbm", "drift_per_day", gbm.drift_per_day, gbm.drift_se_per_day, gbm.drift_se_robust_per_day, "1/day", mle),
        ("gbm", "vol_per_sqrt_day", gbm.vol_per_sqrt_day, gbm.vol_se_per_sqrt_day, gbm.vol_se_robust_per_sqrt_day,
         "1/sqrt(day)", mle),
        ("bootstrap", "block_days", float(block.block_days), nan, nan, "days",
         "Politis-White, longer of returns and squared returns"),
        ("regime", "bull_drift_per_day", regime.bull_drift_per_day, regime.bull_drift_se_per_day, nan, "1/day", ms),
        ("regime", "bull_vol_per_sqrt_day", regime.bull_vol_per_sqrt_day, regime.bull_vol_se_per_sqrt_day, nan,
         "1/sqrt(day)", ms),
        ("regime", "bear_drift_per_day", regime.bear_drift_per_day, regime.bear_drift_se_per_day, nan, "1/day", ms),
        ("regime", "bear_vol_per_sqrt_day", regime.bear_vol_per_sqrt_day, regime.bear_vol_se_per_sqrt_day, nan,
         "1/sqrt(day)", ms),
        ("regime", "bull_to_bear_prob_per_day", regime.bull_to_bear_prob_per_day,
         regime.bull_to_bear_prob_se_per_day, nan, "1/day", ms),
        ("regime", "bear_to_bull_prob_per_day", regime.bear_to_bull_prob_per_day,
         regime.bear_to_bull_prob_se_per_day, nan, "1/day", ms),
        ("regime", "start_bull_frac", regime.start_bull_frac, nan, nan, "fraction", "filtered P(bull) on the last day"),
        ("hashrate", "growth_per_day", hashrate.growth_per_day, hashrate.growth_se_per_day, nan, "1/day", hr),
        ("hashrate", "vol_per_sqrt_day", hashrate.vol_per_sqrt_day, hashrate.vol_se_per_sqrt_day, nan,
         "1/sqrt(day)", hr),
        ("hashrate", "response_intercept_per_day", hashrate.response_intercept_per_day,
         hashrate.response_intercept_se_per_day, nan, "1/day", resp),
        ("hashrate", "response_per_day", hashrate.response_per_day, hashrate.response_se_per_day, nan, "1/day", resp),
        ("hashrate", "response_intercept_model_per_day", hashrate.response_intercept_model_per_day,
         hashrate.response_intercept_model_se_per_day, nan, "1/day", "the intercept with the slope held at 0 where "
         "its estimate is negative (the mean growth), else the intercept: the endogenous market's growth"),
        ("fees", "median_btc_per_block", fees.median_btc_per_block, fees.median_se_btc_per_block,
         fees.median_se_robust_btc_per_block, "BTC/block", "median of ln(fees per block)"),
        ("fees", "vol_log", fees.vol_log, fees.vol_log_se, fees.vol_log_se_robust, "log BTC",
         "1.4826 x MAD of ln(fees per block)"),
        ("fees", "spike_prob_per_day", fees.spike_prob_per_day, fees.spike_prob_se_per_day, nan, "1/day",
         f"days > {fees.threshold_ratio:g} x {fees.window_days}-day rolling median"),
        ("fees", "spike_ratio", fees.spike_ratio, fees.spike_ratio_se, nan, "ratio",
         "geometric mean of spike day / rolling median"),
    ]
    return pd.DataFrame(rows, columns=["process", "parameter", "estimate", "std_error", "std_error_robust",
                                       "unit", "method"])


# --- market.toml ------------------------------------------------------------------------------------


def market_toml(cal: Calibration, data_label: str, attribution: str) -> str:
    """The ``[market]`` block as TOML text with a ``# source:`` comment on every fitted value.

    ``data_label`` names the chain table (e.g. its file name); ``attribution`` is the data's licence
    line. The text parses back (``tomllib``) to exactly :meth:`Calibration.market_dict` under ``market``.
    """
    import tomllib

    import tomli_w

    body = tomli_w.dumps({"market": cal.market_dict()})
    comments = _source_comments(cal)
    out: list[str] = [
        f"# Market calibrated by `hashpivot calibrate` on {data_label}, {cal.since:%Y-%m-%d}..{cal.end:%Y-%m-%d} "
        f"({cal.n_days:,} days).",
        f"# {attribution}",
        f"# Levels (start_usd, start_ehs, difficulty.start_ehs) are those of {cal.end:%Y-%m-%d}: start the "
        "scenario's run then.",
        "# Not calibrated here (defaults apply unless you add them): power_price, gpu_rent, n_halvings_max.",
    ]
    if cal.price_kind == "bootstrap":
        out.append("# btc_price.kind = 'bootstrap' resamples the chain table: run with --data PATH or HASHPIVOT_DATA.")
    section = ""
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.strip("[]").removeprefix("market.").removeprefix("market")
        elif "=" in stripped:
            key = stripped.split("=", 1)[0].strip()
            note = comments.get((section, key))
            if note:
                line = f"{line}  # {note}"
        out.append(line)
    text = "\n".join(out) + "\n"
    if tomllib.loads(text) != {"market": cal.market_dict()}:  # the comments must not change a value
        raise AssertionError("market.toml does not parse back to the calibrated market")
    return text


def _source_comments(cal: Calibration) -> dict[tuple[str, str], str]:
    g, b, r, h, f = cal.gbm, cal.block_length, cal.regime, cal.hashrate, cal.fees
    end = f"{cal.end:%Y-%m-%d}"
    window = f"{cal.since:%Y-%m-%d}..{end}"

    def pm(est: float, se: float) -> str:
        return f"{est:.4g} +/- {se:.2g} (1 SE)"

    c: dict[tuple[str, str], str] = {
        ("btc_price", "start_usd"): f"source: price_usd on {end}",
        ("btc_price", "drift_per_day"): f"source: Gaussian MLE {window}, {pm(g.drift_per_day, g.drift_se_per_day)}",
        ("btc_price", "vol_per_sqrt_day"): f"source: Gaussian MLE {window}, {pm(g.vol_per_sqrt_day, g.vol_se_per_sqrt_day)}",
        ("btc_price", "block_days"): f"source: Politis-White on returns ({b.returns_block_days:.1f} d) and squared "
                                     f"returns ({b.squared_returns_block_days:.1f} d), {window}",
        ("btc_price", "since"): "source: first day of the calibration window",
        ("btc_price", "start_bull_frac"): f"source: filtered P(bull) on {end}",
        ("network_hashrate", "start_ehs"): f"source: mean hashrate_ehs of the {h.block_days} days to {end}",
        ("network_hashrate", "vol_per_sqrt_day"): f"source: {h.block_days}-day means {window}, "
                                                  f"{pm(h.vol_per_sqrt_day, h.vol_se_per_sqrt_day)}",
        ("fees", "median_btc_per_block"): f"source: median of fees per block {window}, "
                                          f"{pm(f.median_btc_per_block, f.median_se_btc_per_block)}",
        ("fees", "vol_log"): f"source: 1.4826 MAD of ln(fees per block) {window}, {pm(f.vol_log, f.vol_log_se)}",
        ("fees", "spike_prob_per_day"): f"source: {f.n_spike_days} days > {f.threshold_ratio:g}x the "
                                        f"{f.window_days}-day median {window}",
        ("fees", "spike_ratio"): "source: geometric mean of those days over the rolling median",
        ("difficulty", "start_ehs"): f"source: difficulty_mean on {end} x 2^32 / 600 s",
    }
    for state in ("bull", "bear"):
        c[("btc_price", f"{state}_drift_per_day")] = "source: Markov switching " + window + ", " + pm(
            getattr(r, f"{state}_drift_per_day"), getattr(r, f"{state}_drift_se_per_day"))
        c[("btc_price", f"{state}_vol_per_sqrt_day")] = "source: Markov switching " + window + ", " + pm(
            getattr(r, f"{state}_vol_per_sqrt_day"), getattr(r, f"{state}_vol_se_per_sqrt_day"))
    c[("btc_price", "bull_to_bear_prob_per_day")] = "source: Markov switching, " + pm(
        r.bull_to_bear_prob_per_day, r.bull_to_bear_prob_se_per_day)
    c[("btc_price", "bear_to_bull_prob_per_day")] = "source: Markov switching, " + pm(
        r.bear_to_bull_prob_per_day, r.bear_to_bull_prob_se_per_day)
    if cal.hashrate_kind == "lognormal":
        c[("network_hashrate", "growth_per_day")] = (
            f"source: {h.block_days}-day means {window}, {pm(h.growth_per_day, h.growth_se_per_day)}")
    else:
        refit = h.response_per_day < 0  # the slope held at 0: the intercept of the regression on the constant
        c[("network_hashrate", "growth_per_day")] = (
            f"source: regression intercept {window}"
            + (" with the slope held at 0" if refit else "") + ", "
            + pm(h.response_intercept_model_per_day, h.response_intercept_model_se_per_day))
        c[("network_hashrate", "response_per_day")] = (
            f"source: regression slope {window}, {pm(h.response_per_day, h.response_se_per_day)}"
            + (" (negative estimate set to 0)" if h.response_per_day < 0 else ""))
        c[("network_hashrate", "lag_days")] = "assumption: lag of the regression, whole 14-day blocks"
        c[("network_hashrate", "median_efficiency_j_per_th")] = (
            f"assumption: {h.median_efficiency_j_per_th:g} J/TH on {h.efficiency_reference_date}, "
            f"-{h.efficiency_gain_per_year:.0%}/year to {end}")
        c[("network_hashrate", "efficiency_gain_per_year")] = "assumption: EndogenousHashrate default"
        c[("network_hashrate", "efficiency_vol_log")] = "assumption: EndogenousHashrate default"
        c[("network_hashrate", "adjustment_frac_per_day")] = "assumption: EndogenousHashrate default"
        c[("network_hashrate", "power_price_usd_per_mwh")] = "assumption: EndogenousHashrate default"
    return c


# --- helpers ---------------------------------------------------------------------------------------


def _returns(values: ArrayLike, name: str, minimum: int) -> NDArray[np.float64]:
    r = np.asarray(values, dtype=np.float64).ravel()
    if r.size < minimum:
        raise DataError(f"{name}: {r.size} values; the fit needs at least {minimum}")
    if not np.isfinite(r).all():
        raise DataError(f"{name}: {int((~np.isfinite(r)).sum())} values are not finite")
    return r


def _replace(obj, **changes):
    from dataclasses import replace

    return replace(obj, **changes)
