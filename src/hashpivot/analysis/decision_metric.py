"""The metric a decision tool reads from a sweep (``METRIC:STAT``), and its paired differences on common random
numbers with their Monte Carlo standard errors and bootstrap intervals.

The vocabulary is the summary's (:mod:`hashpivot.analysis.summary`): a per-path metric of
:data:`hashpivot.analysis.sweep.FINAL_METRICS` (those a sweep keeps per path) with a stat ``mean``, ``p5``,
``p50``, ``p95`` or ``cvar5`` (mean of the worst 5 % of paths), or ``insolvency:probability``. Every value is
taken from the per-path finals of a variant, so that two variants' difference can be taken path by path: on common
random numbers path ``i`` of both faces the same market, and the difference's standard error is far smaller than
that of two independent estimates.

- :func:`parse_metric`: ``"nav_usd:mean"`` -> :class:`MetricSpec`; anything else an InputError listing what is
  allowed.
- :func:`stat_value`: the stat of one variant's per-path values. [unit of the metric]
- :func:`paired_stat_difference`: ``stat(a) - stat(b)`` and its standard error (analytic for a mean or a
  probability, a paired bootstrap over paths for a quantile or a CVaR).
- :func:`paired_bootstrap_ci`: a percentile interval of ``stat(a) - stat(b)`` by resampling paths jointly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashpivot.analysis.summary import CVAR_TAIL_FRAC, QUANTILES, SUMMARY_METRICS, cvar
from hashpivot.analysis.sweep import FINAL_METRICS
from hashpivot.errors import InputError

#: Stats of a per-path metric that a decision tool can read.
PATH_STATS: tuple[str, ...] = ("mean", *QUANTILES, "cvar5")
#: Per-path metrics a sweep keeps, under their summary names (``nav_per_share_usd`` too: the sweep's own).
PATH_METRIC_NAMES: tuple[str, ...] = tuple(m for m in FINAL_METRICS if m != "is_insolvent")
#: Unit of each per-path variable, as a label's brackets name it (``hashpivot.format.fmt_metric``).
UNITS = {"nav_usd": "USD", "nav_per_share_usd": "USD", "cash_usd": "USD", "btc_held": "BTC", "mined_btc": "BTC",
         "btc_per_share": "BTC/share", "mining_margin_usd_per_mw_day": "USD/MW-day",
         "ai_margin_usd_per_mw_day": "USD/MW-day", "is_insolvent": "fraction"}
#: Bootstrap resamples behind a quantile's or a CVaR's standard error and every bootstrap interval.
N_BOOTSTRAP = 400
#: Seed of the bootstrap's resampling (fixed: the same inputs give the same interval). [integer]
BOOTSTRAP_SEED = 20240420


@dataclass(frozen=True)
class MetricSpec:
    """A metric of the summary and its stat over paths: ``nav_usd:mean``, ``nav_usd:cvar5``,
    ``insolvency:probability``. ``variable``: the sweep's per-path variable it reads."""

    metric: str
    stat: str

    @property
    def variable(self) -> str:
        return "is_insolvent" if self.metric == "insolvency" else self.metric

    @property
    def text(self) -> str:
        return f"{self.metric}:{self.stat}"

    @property
    def unit(self) -> str:
        """The unit of the value, as a label's brackets name it (``hashpivot.format.fmt_metric``). [text]"""
        return UNITS.get(self.variable, "")

    @property
    def label(self) -> str:
        """``nav_usd:mean [USD]``, for tables and figures. [text]"""
        return f"{self.text} [{self.unit}]" if self.unit else self.text


def allowed_metrics() -> list[str]:
    """Every ``METRIC:STAT`` a decision tool accepts, in the summary's order.

    >>> allowed_metrics()[:3], allowed_metrics()[-1]
    (['nav_usd:mean', 'nav_usd:p5', 'nav_usd:p50'], 'insolvency:probability')
    """
    order = [m for m in SUMMARY_METRICS if m in PATH_METRIC_NAMES]
    order += [m for m in PATH_METRIC_NAMES if m not in order]
    return [f"{m}:{s}" for m in order for s in PATH_STATS] + ["insolvency:probability"]


def parse_metric(text: str, option: str = "--metric") -> MetricSpec:
    """``METRIC:STAT`` as a :class:`MetricSpec` (``METRIC`` alone means its mean; ``insolvency`` its probability);
    anything not in :func:`allowed_metrics` is an InputError naming it and listing what is allowed.

    >>> parse_metric("nav_usd:cvar5"), parse_metric("insolvency").text
    (MetricSpec(metric='nav_usd', stat='cvar5'), 'insolvency:probability')
    """
    metric, _, stat = text.strip().partition(":")
    stat = stat or ("probability" if metric == "insolvency" else "mean")
    spec = MetricSpec(metric, stat)
    if spec.text not in allowed_metrics():
        names = ", ".join(PATH_METRIC_NAMES)
        raise InputError(option, text, f"METRIC:STAT with METRIC one of {names} and STAT one of "
                                       f"{', '.join(PATH_STATS)}, or insolvency:probability")
    return spec


def stat_value(values: np.ndarray, stat: str) -> float:
    """``stat`` of ``values`` (one per path) over its finite values: mean (of an indicator: the probability),
    a quantile of :data:`QUANTILES` (numpy's linear interpolation, as the summary), or ``cvar5``, the mean of the
    worst :data:`CVAR_TAIL_FRAC` of paths. NaN when no value is finite. [unit of the values]

    >>> v = np.arange(100.0)
    >>> stat_value(v, "mean"), stat_value(v, "p50"), stat_value(v, "cvar5")  # cvar5: mean of 0..4
    (49.5, 49.5, 2.0)
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan")
    if stat in ("mean", "probability"):
        return float(finite.mean())
    if stat == "cvar5":
        return cvar(finite, CVAR_TAIL_FRAC)
    return float(np.quantile(finite, QUANTILES[stat]))


def _stat_rows(values: np.ndarray, stat: str) -> np.ndarray:
    """``stat`` of each row of ``values`` (resample, path), every value finite. [unit of the values]"""
    if stat in ("mean", "probability"):
        return values.mean(axis=1)
    if stat == "cvar5":
        k = max(1, int(np.floor(CVAR_TAIL_FRAC * values.shape[1])))
        return np.partition(values, k - 1, axis=1)[:, :k].mean(axis=1)
    return np.quantile(values, QUANTILES[stat], axis=1)


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    both = np.isfinite(a) & np.isfinite(b)
    return a[both], b[both]


def _bootstrap_differences(a: np.ndarray, b: np.ndarray, stat: str, n_boot: int, seed: int) -> np.ndarray:
    """``stat(a[idx]) - stat(b[idx])`` for ``n_boot`` resamples ``idx`` of the paths (the same for both: paired).
    Resampled in blocks so memory stays at about 32 MB however many paths. [unit of the values]"""
    rng = np.random.default_rng(seed)
    n = a.size
    out = np.empty(n_boot)
    per_block = max(1, 4_000_000 // max(n, 1))
    for start in range(0, n_boot, per_block):
        stop = min(n_boot, start + per_block)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = _stat_rows(a[idx], stat) - _stat_rows(b[idx], stat)
    return out


def paired_stat_difference(a: np.ndarray, b: np.ndarray, stat: str, n_boot: int = N_BOOTSTRAP,
                           seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """``(stat(a) - stat(b), its standard error)`` of two variants' per-path values on common random numbers, over
    the paths where both are finite. A mean's (or a probability's) standard error is ``sd(a - b) / sqrt(n)``; a
    quantile's or a CVaR's is the standard deviation of ``n_boot`` paired bootstrap differences. [unit of the values]

    >>> paired_stat_difference(np.array([3.0, 5.0, 7.0]), np.array([1.0, 2.0, 3.0]), "mean")  # d = 2, 3, 4
    (3.0, 0.5773502691896258)
    """
    a, b = _pairs(np.asarray(a, float), np.asarray(b, float))
    if a.size < 2:
        return (float(a[0] - b[0]) if a.size else float("nan")), float("nan")
    difference = stat_value(a, stat) - stat_value(b, stat)
    if stat in ("mean", "probability"):
        return difference, float(np.std(a - b, ddof=1) / np.sqrt(a.size))
    return difference, float(np.std(_bootstrap_differences(a, b, stat, n_boot, seed), ddof=1))


def paired_bootstrap_ci(a: np.ndarray, b: np.ndarray, stat: str, level: float = 0.95, n_boot: int = N_BOOTSTRAP,
                        seed: int = BOOTSTRAP_SEED) -> tuple[float, float, float]:
    """``(stat(a) - stat(b), low, high)``: the difference and its ``level`` percentile interval from ``n_boot``
    paired bootstrap resamples of the paths (both variants resampled on the same paths, so the interval is that of
    the difference on common random numbers). [unit of the values]"""
    a, b = _pairs(np.asarray(a, float), np.asarray(b, float))
    if a.size < 2:
        return float("nan"), float("nan"), float("nan")
    draws = _bootstrap_differences(a, b, stat, n_boot, seed)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return stat_value(a, stat) - stat_value(b, stat), float(low), float(high)


def variant_values(sweep_result, spec: MetricSpec, policy: int = 0) -> np.ndarray:
    """The per-path values of ``spec``'s variable for every variant of a sweep, under its ``policy``-th policy
    (variant, path). [unit of the metric]"""
    dataset = sweep_result.dataset
    if dataset.attrs.get("per_path") != "finals":
        raise InputError("paths", sweep_result.n_paths, "a sweep small enough to keep its per-path finals in memory")
    return np.asarray(dataset[spec.variable].values[:, policy, :], dtype=float)
