"""The result of a sweep: every summary metric per variant and policy, per-path finals with a ``variant``
dimension, and paired differences against a baseline variant with their standard errors.

Variants run on the same random numbers (common random numbers), so path ``i`` of one variant and path ``i`` of
another face the same prices, hashrate and fees; the difference of a metric between two variants is taken path by
path and its standard error is ``sd(differences) / sqrt(paths)``, far smaller than that of two independent means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

#: Per-path finals kept for every variant (dims variant, policy, path).
FINAL_METRICS = ("nav_usd", "nav_per_share_usd", "btc_per_share", "btc_held", "cash_usd", "mined_btc",
                 "mining_margin_usd_per_mw_day", "ai_margin_usd_per_mw_day", "is_insolvent")
#: Metrics whose paired differences against the baseline are reported (``is_insolvent``: its mean is the
#: probability).
DIFFERENCE_METRICS = ("nav_usd", "nav_per_share_usd", "btc_per_share", "is_insolvent")
DIFFERENCE_COLUMNS = ["variant", "policy", "metric", "mean_difference", "standard_error", "n_paths"]


def finals(dataset: xr.Dataset) -> dict[str, np.ndarray]:
    """The ``FINAL_METRICS`` of a ``SimResult.dataset``, each (policy, path). [units of each name]"""
    with np.errstate(divide="ignore", invalid="ignore"):
        nav_per_share = dataset["nav_usd"].values / dataset["shares"].values
    out = {"nav_per_share_usd": nav_per_share, "is_insolvent": (dataset["insolvent_day"].values >= 0).astype(float)}
    for name in FINAL_METRICS:
        if name not in out:
            out[name] = dataset[name].values
    return out


def paired_difference(values: np.ndarray, baseline: np.ndarray) -> tuple[float, float, int]:
    """(mean difference, its standard error, paths used) of ``values - baseline`` over the paths where both are
    finite. [unit of the values]

    >>> paired_difference(np.array([3.0, 5.0, 7.0]), np.array([1.0, 2.0, 3.0]))
    (3.0, 0.5773502691896258, 3)
    """
    d = values - baseline
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan"), float("nan"), 0
    se = float(np.std(d, ddof=1) / np.sqrt(d.size)) if d.size > 1 else float("nan")
    return float(d.mean()), se, int(d.size)


@dataclass(frozen=True)
class SweepResult:
    """A sweep's results. ``axes``: dotted field path -> coordinate name; ``values``: each variant's axis values;
    ``summary``: tidy (variant, <coordinates>, policy, metric, stat, value); ``dataset``: ``FINAL_METRICS``
    (variant, policy, path) with one coordinate per axis on ``variant`` and ``policy_label`` (variant, policy);
    ``differences``: paired differences of ``DIFFERENCE_METRICS`` against ``baseline_index``."""

    axes: dict[str, str]
    values: list[dict[str, Any]]
    summary: pd.DataFrame
    dataset: xr.Dataset
    differences: pd.DataFrame
    baseline_index: int
    scenario: Any
    seed: int
    version: str

    @property
    def n_variants(self) -> int:
        return len(self.values)

    def labels(self) -> list[str]:
        """One label per variant: its axis values (``power_price_usd_per_mwh=35, treasury_kind=hold_all``)."""
        return [", ".join(f"{self.axes[p]}={v}" for p, v in values.items()) for values in self.values]

    def table(self, metric: str = "nav_usd", stat: str = "mean") -> pd.DataFrame:
        """One row per (variant, policy): the axis values and ``metric``'s ``stat``."""
        rows = self.summary[(self.summary["metric"] == metric) & (self.summary["stat"] == stat)]
        return rows.drop(columns=["metric", "stat"]).reset_index(drop=True)

    def as_run(self) -> SweepRun:
        """The sweep as one run of the run store: one row label per (variant, policy), ``v<i>: <axis values> /
        <policy>``; the win rate of NAV per share between variants on common random numbers (first policy)."""
        from hashpivot.analysis.summary import win_rate_matrix
        from hashpivot.scenarios.toml import to_toml

        names = self.labels()
        label = {(i, p): f"v{i}: {names[i]} / {p}"
                 for i in range(self.n_variants) for p in self.dataset["policy_label"].values[i]}
        summary = self.summary.assign(policy=[label[(v, p)] for v, p in zip(self.summary["variant"],
                                                                             self.summary["policy"], strict=True)])
        firsts = [label[(i, self.dataset["policy_label"].values[i][0])] for i in range(self.n_variants)]
        score = self.dataset["nav_per_share_usd"].values[:, 0, :]
        return SweepRun(self.scenario, list(label.values()), summary[["policy", "metric", "stat", "value"]],
                        win_rate_matrix(score, firsts).reindex(index=list(label.values()),
                                                               columns=list(label.values())),
                        to_toml(self.scenario), self.seed, self.version, self.dataset)

    def _repr_html_(self) -> str:
        return (f"<p>sweep of {self.scenario.name}: {self.n_variants} variants, "
                f"{self.dataset.sizes['path']:,} paths each, seed {self.seed}</p>" + self.table().to_html(index=False))


@dataclass(frozen=True)
class SweepRun:
    """What the run store records of a sweep (the attributes ``RunStore.save_run`` reads of a ``SimResult``)."""

    scenario: Any
    policies: list[str]
    summary: pd.DataFrame
    win_rate: pd.DataFrame
    scenario_toml: str
    seed: int
    version: str
    dataset: xr.Dataset


class SweepCollector:
    """Gathers each variant's ``SimResult`` as it completes (in any order) and keeps only its summary and finals."""

    def __init__(self, axes: Mapping[str, str], values: Sequence[dict[str, Any]]):
        self.axes = dict(axes)
        self.values = list(values)
        self._summaries: dict[int, pd.DataFrame] = {}
        self._finals: dict[int, dict[str, np.ndarray]] = {}
        self._policies: dict[int, list[str]] = {}

    def add(self, index: int, result) -> None:
        summary = result.summary.copy()
        summary.insert(0, "variant", index)
        for i, (path, name) in enumerate(self.axes.items()):
            summary.insert(1 + i, name, [self.values[index][path]] * len(summary))
        self._summaries[index] = summary
        self._finals[index] = finals(result.dataset)
        self._policies[index] = list(result.policies)

    def result(self, baseline_index: int, scenario, seed: int, version: str) -> SweepResult:
        n = len(self.values)
        missing = sorted(set(range(n)) - set(self._summaries))
        if missing:
            raise ValueError(f"variants {missing[:5]} have no result")
        n_pol = {len(p) for p in self._policies.values()}
        if len(n_pol) != 1:
            raise ValueError(f"variants run different numbers of policies {sorted(n_pol)}; allowed: the same number")
        data = {name: (("variant", "policy", "path"), np.stack([self._finals[i][name] for i in range(n)]))
                for name in FINAL_METRICS}
        coords = {"variant": np.arange(n),
                  "policy_label": (("variant", "policy"), np.array([self._policies[i] for i in range(n)], dtype=str))}
        for path, name in self.axes.items():
            coords[name] = ("variant", [self.values[i][path] for i in range(n)])
        dataset = xr.Dataset(data, coords=coords, attrs={"seed": seed, "version": version,
                                                         "baseline_index": baseline_index})
        rows = []
        for i in range(n):
            for j, policy in enumerate(self._policies[i]):
                for metric in DIFFERENCE_METRICS:
                    mean, se, used = paired_difference(self._finals[i][metric][j],
                                                       self._finals[baseline_index][metric][j])
                    rows.append((i, policy, metric, mean, se, used))
        summary = pd.concat([self._summaries[i] for i in range(n)], ignore_index=True)
        return SweepResult(self.axes, self.values, summary, dataset, pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS),
                           baseline_index, scenario, seed, version)
