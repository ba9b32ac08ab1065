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

from hashpivot.analysis.summary import win_rate_matrix, win_share

#: Per-path finals kept for every variant (dims variant, policy, path).
FINAL_METRICS = ("nav_usd", "nav_per_share_usd", "btc_per_share", "btc_held", "cash_usd", "mined_btc",
                 "mining_margin_usd_per_mw_day", "ai_margin_usd_per_mw_day", "is_insolvent")
#: Metrics whose paired differences against the baseline are reported (``is_insolvent``: its mean is the
#: probability).
DIFFERENCE_METRICS = ("nav_usd", "nav_per_share_usd", "btc_per_share", "is_insolvent")
DIFFERENCE_COLUMNS = ["variant", "policy", "metric", "mean_difference", "standard_error", "n_paths"]
#: Variants up to which the run store gets the win rate of every pair of variants; past it, of each against the
#: baseline (the matrix grows as variants squared: 2,500 cells at 50).
MAX_WIN_RATE_VARIANTS = 50


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
    (variant, policy, path) when the per-path finals were kept (``attrs["per_path"] == "finals"``; not for a sweep
    whose finals would not fit in memory, ``"none"``), ``win_rate_vs_baseline`` (variant, policy: the share of
    paths on which the variant's NAV per share beats the baseline's first policy's) [fraction], one coordinate per
    axis on ``variant`` and ``policy_label`` (variant, policy); ``differences``: paired differences of
    ``DIFFERENCE_METRICS`` against ``baseline_index``."""

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

    @property
    def n_paths(self) -> int:
        return int(self.dataset.attrs["n_paths"])

    def labels(self) -> list[str]:
        """One label per variant: its axis values (``power_price_usd_per_mwh=35, treasury_kind=hold_all``)."""
        return [", ".join(f"{self.axes[p]}={v}" for p, v in values.items()) for values in self.values]

    def last_days(self) -> list[str]:
        """Each variant's last simulated day, ``run.start_date + run.horizon_days`` (either of them an axis or the
        base scenario's), ISO dates."""
        run = self.scenario.run
        return [(pd.Timestamp(values.get("run.start_date", run.start_date))
                 + pd.Timedelta(days=int(values.get("run.horizon_days", run.horizon_days)))).date().isoformat()
                for values in self.values]

    def horizons_note(self) -> str | None:
        """A sentence saying the variants end on different days (a sweep over ``run.horizon_days`` or
        ``run.start_date``), so that no one reads a terminal figure of one against another's as the swept input's
        effect alone; None when they all end on the same day."""
        days = self.last_days()
        distinct = sorted(set(days))
        if len(distinct) < 2:
            return None
        shown = (", ".join(f"v{i} on {d}" for i, d in enumerate(days)) if len(days) <= 6
                 else f"from {distinct[0]} to {distinct[-1]}")
        return (f"The variants end on different days ({shown}): each figure is at its own horizon, so a difference "
                "between two of them holds the days one runs past the other, not only the swept input.")

    def table(self, metric: str = "nav_usd", stat: str = "mean") -> pd.DataFrame:
        """One row per (variant, policy): the axis values and ``metric``'s ``stat``."""
        rows = self.summary[(self.summary["metric"] == metric) & (self.summary["stat"] == stat)]
        return rows.drop(columns=["metric", "stat"]).reset_index(drop=True)

    def as_run(self) -> SweepRun:
        """The sweep as one run of the run store: one row label per (variant, policy), ``v<i>: <axis values> /
        <policy>``; the win rate of NAV per share between variants on common random numbers (first policy)."""
        from hashpivot.scenarios.toml import to_toml

        names = self.labels()
        label = {(i, p): f"v{i}: {names[i]} / {p}"
                 for i in range(self.n_variants) for p in self.dataset["policy_label"].values[i]}
        summary = self.summary.assign(policy=[label[(v, p)] for v, p in zip(self.summary["variant"],
                                                                             self.summary["policy"], strict=True)])
        firsts = [label[(i, self.dataset["policy_label"].values[i][0])] for i in range(self.n_variants)]
        everyone = list(label.values())
        if "nav_per_share_usd" in self.dataset and self.n_variants <= MAX_WIN_RATE_VARIANTS:
            wins = win_rate_matrix(self.dataset["nav_per_share_usd"].values[:, 0, :], firsts)
        else:  # every variant against the baseline only: a matrix of all pairs grows as variants squared
            wins = pd.DataFrame(np.nan, index=pd.Index(firsts, name="policy"), columns=pd.Index(firsts, name="versus"))
            base = firsts[self.baseline_index]
            for i, name in enumerate(firsts):
                if name != base:
                    wins.loc[name, base] = float(self.dataset["win_rate_vs_baseline"].values[i, 0])
        return SweepRun(self.scenario, everyone, summary[["policy", "metric", "stat", "value"]],
                        wins.reindex(index=everyone, columns=everyone), to_toml(self.scenario), self.seed,
                        self.version, self.dataset)

    def _repr_html_(self) -> str:
        return (f"<p>sweep of {self.scenario.name}: {self.n_variants} variants, "
                f"{self.n_paths:,} paths each, seed {self.seed}</p>" + self.table().to_html(index=False))


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
    """Gathers each variant's ``SimResult`` as it completes (in any order) and keeps only its summary, and either
    its per-path finals (``keep_paths``) or, for a sweep too big for that, its paired differences and win rate
    against the baseline, taken on arrival (a variant that arrives before the baseline waits for it: the executor
    runs the baseline's tasks first, so few wait)."""

    def __init__(self, axes: Mapping[str, str], values: Sequence[dict[str, Any]], baseline_index: int = 0,
                 keep_paths: bool = True):
        self.axes = dict(axes)
        self.values = list(values)
        self.baseline_index = baseline_index
        self.keep_paths = keep_paths
        self._summaries: dict[int, pd.DataFrame] = {}
        self._finals: dict[int, dict[str, np.ndarray]] = {}
        self._policies: dict[int, list[str]] = {}
        self._rows: dict[int, list[tuple]] = {}
        self._wins: dict[int, list[float]] = {}
        self._n_paths = 0

    def add(self, index: int, result) -> None:
        summary = result.summary.copy()
        summary.insert(0, "variant", index)
        for i, (path, name) in enumerate(self.axes.items()):
            summary.insert(1 + i, name, [self.values[index][path]] * len(summary))
        self._summaries[index] = summary
        self._policies[index] = list(result.policies)
        self._n_paths = int(result.dataset.sizes["path"])
        values = finals(result.dataset)
        if self.keep_paths:
            self._finals[index] = values
            return
        self._finals[index] = {m: values[m] for m in DIFFERENCE_METRICS}
        if self.baseline_index not in self._finals:
            return  # waits for the baseline
        waiting = [i for i in self._finals if i not in self._rows]  # this one; every waiting one with the baseline
        for i in waiting:
            self._against_baseline(i)
        for i in waiting:
            if i != self.baseline_index:
                del self._finals[i]

    def _against_baseline(self, i: int) -> None:
        base = self._finals[self.baseline_index]
        rows, wins = [], []
        for j, policy in enumerate(self._policies[i]):
            for metric in DIFFERENCE_METRICS:
                rows.append((i, policy, metric, *paired_difference(self._finals[i][metric][j], base[metric][j])))
            wins.append(win_share(self._finals[i]["nav_per_share_usd"][j], base["nav_per_share_usd"][0]))
        self._rows[i], self._wins[i] = rows, wins

    def result(self, baseline_index: int, scenario, seed: int, version: str) -> SweepResult:
        if baseline_index != self.baseline_index:
            raise ValueError(f"baseline_index={baseline_index}; the collector was made for {self.baseline_index}")
        n = len(self.values)
        missing = sorted(set(range(n)) - set(self._summaries))
        if missing:
            raise ValueError(f"variants {missing[:5]} have no result")
        n_pol = {len(p) for p in self._policies.values()}
        if len(n_pol) != 1:
            raise ValueError(f"variants run different numbers of policies {sorted(n_pol)}; allowed: the same number")
        if self.keep_paths:
            for i in range(n):
                self._against_baseline(i)
            data = {name: (("variant", "policy", "path"), np.stack([self._finals[i][name] for i in range(n)]))
                    for name in FINAL_METRICS}
        else:
            data = {}
        coords = {"variant": np.arange(n),
                  "policy_label": (("variant", "policy"), np.array([self._policies[i] for i in range(n)], dtype=str))}
        for path, name in self.axes.items():
            coords[name] = ("variant", [self.values[i][path] for i in range(n)])
        data["win_rate_vs_baseline"] = (("variant", "policy"), np.array([self._wins[i] for i in range(n)]))
        dataset = xr.Dataset(data, coords=coords, attrs={"seed": seed, "version": version, "n_paths": self._n_paths,
                                                         "baseline_index": baseline_index,
                                                         "per_path": "finals" if self.keep_paths else "none"})
        rows = [row for i in range(n) for row in self._rows[i]]
        summary = pd.concat([self._summaries[i] for i in range(n)], ignore_index=True)
        return SweepResult(self.axes, self.values, summary, dataset, pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS),
                           baseline_index, scenario, seed, version)


def keeps_paths(n_variants: int, n_policies: int, n_paths: int, limit_bytes: float) -> bool:
    """Whether a sweep's per-path finals (``FINAL_METRICS`` x 8 B per path, policy and variant) fit in a quarter of
    ``limit_bytes`` (the rest is for the variants being merged and the summary's work).

    >>> keeps_paths(24, 1, 10_000, 8e9), keeps_paths(1_000, 1, 100_000, 8e9)
    (True, False)
    """
    return len(FINAL_METRICS) * 8.0 * n_variants * n_policies * n_paths <= limit_bytes / 4
