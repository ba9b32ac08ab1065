"""``SimResult``: what a run produced, with the scenario, seed and version that made it.

- ``dataset`` (xarray): per-path terminal values, dims (policy, path); monthly series of the stored
  paths, dims (policy, sample, date); monthly market series, dims (sample, date).
- ``summary`` (pandas, tidy): columns policy, metric, stat, value.
- ``win_rate`` (pandas): share of paths on which the row policy ends with a higher NAV per share than
  the column policy, on common random numbers.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from hashpivot import __version__
from hashpivot.engine.state import (
    MONTHLY_STOCKS,
    MONTHLY_VARIABLES,
    T_BTC_PER_SHARE,
    T_INSOLVENT_DAY,
    T_NAV,
    T_SHARES,
    TERMINAL_COLUMNS,
)
from hashpivot.policies.capacity import SEGMENTS, capacity_label

AI_SEGMENTS = SEGMENTS[1:]

QUANTILES = {"p5": 0.05, "p50": 0.50, "p95": 0.95}
CVAR_TAIL_FRAC = 0.05


def cvar(values: np.ndarray, tail_frac: float = CVAR_TAIL_FRAC) -> float:
    """Mean of the worst ``tail_frac`` of ``values`` (at least one value). [same unit]

    >>> cvar(np.arange(100.0))
    2.0
    """
    k = max(1, int(np.floor(tail_frac * values.size)))
    return float(np.mean(np.partition(values, k - 1)[:k]))


@dataclass(frozen=True)
class SimResult:
    dataset: xr.Dataset
    summary: pd.DataFrame
    win_rate: pd.DataFrame
    scenario_toml: str
    seed: int
    version: str

    @property
    def policies(self) -> list[str]:
        return [str(p) for p in self.dataset["policy"].values]

    @classmethod
    def from_arrays(cls, scenario, combos, terminal, monthly, market_monthly, month_days,
                    project_flows=None, project_info=None) -> SimResult:
        """Build the result of ``engine.run.simulate``; ``combos`` are its (capacity plan, treasury policy) pairs,
        ``project_flows`` the monthly net cash flows of each combo's AI projects on the stored paths and
        ``project_info`` each combo's (project labels, company arrays)."""
        from hashpivot.scenarios.toml import to_toml

        several_plans = len({capacity_label(plan) for plan, _ in combos}) > 1
        labels = [f"{capacity_label(plan)} / {policy.label}" if several_plans else policy.label
                  for plan, policy in combos]
        run = scenario.run
        dates = pd.Timestamp(run.start_date) + pd.to_timedelta(month_days, unit="D")
        data: dict[str, tuple] = {}
        for j, name in enumerate(TERMINAL_COLUMNS):
            col = terminal[:, :, j]
            data[name] = (("policy", "path"), col.astype(np.int64) if j == T_INSOLVENT_DAY else col)
        btc_per_share_0 = scenario.company.btc_held / scenario.company.shares_outstanding
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            data["btc_yield_frac"] = (
                ("policy", "path"),
                terminal[:, :, T_BTC_PER_SHARE] / btc_per_share_0 - 1.0 if btc_per_share_0 > 0
                else np.full(terminal.shape[:2], np.nan),
            )
            for seg in SEGMENTS:
                rev, opex, mw_days = (data[f"{seg}_{f}"][1] for f in ("revenue_usd", "opex_usd", "mw_days"))
                data[f"{seg}_margin_usd_per_mw_day"] = (("policy", "path"),
                                                        np.where(mw_days > 0, (rev - opex) / mw_days, np.nan))
                data[f"{seg}_margin_frac"] = (("policy", "path"), np.where(rev > 0, (rev - opex) / rev, np.nan))
                data[f"{seg}_revenue_usd_per_mw_day"] = (("policy", "path"),
                                                         np.where(mw_days > 0, rev / mw_days, np.nan))
            ai = [sum(data[f"{seg}_{f}"][1] for seg in AI_SEGMENTS) for f in ("revenue_usd", "opex_usd", "mw_days")]
            data["ai_margin_usd_per_mw_day"] = (("policy", "path"), np.where(ai[2] > 0, (ai[0] - ai[1]) / ai[2], np.nan))
        # Attributable figures: the company's share of each segment; the minority's share of each segment's
        # cumulative net cash (revenue - opex - capex) comes off NAV.
        own = scenario.company.ownership_frac
        minority = np.zeros(terminal.shape[:2])
        for seg in SEGMENTS:
            frac = own.get(seg, 1.0)
            net = data[f"{seg}_revenue_usd"][1] - data[f"{seg}_opex_usd"][1] - data[f"{seg}_capex_usd"][1]
            data[f"{seg}_attributable_margin_usd"] = (("policy", "path"),
                                                      frac * (data[f"{seg}_revenue_usd"][1] - data[f"{seg}_opex_usd"][1]))
            minority += (1.0 - frac) * net
        data["attributable_nav_usd"] = (("policy", "path"), terminal[:, :, T_NAV] - minority)
        # Convenience totals (RM1's outputs): mining power bill, AI net revenue and AI MW-days.
        data["power_cost_usd"] = data["mining_opex_usd"]
        data["ai_net_usd"] = (("policy", "path"), ai[0] - ai[1])
        data["ai_mw_days"] = (("policy", "path"), ai[2])
        for j, name in enumerate(MONTHLY_VARIABLES):
            prefix = "monthly_" if name in MONTHLY_STOCKS else "cumulative_"
            data[f"{prefix}{name}"] = (("policy", "sample", "date"), monthly[:, :, j, :])
        for j, name in enumerate(("btc_price_usd", "network_hashrate_ehs", "hashprice_usd_per_th_day")):
            data[f"monthly_{name}"] = (("sample", "date"), market_monthly[j])
        n_proj = 0 if project_flows is None else project_flows.shape[2]
        project_labels = np.full((len(combos), n_proj), "", dtype=object)
        project_mw = np.zeros((len(combos), n_proj))
        project_capex = np.zeros((len(combos), n_proj))
        for i, (names, arrays) in enumerate(project_info or []):
            for j, name in enumerate(names):
                project_labels[i, j] = name
                project_mw[i, j] = arrays.projects[j, 1]
                project_capex[i, j] = arrays.projects[j, 7]
        if n_proj:
            data["project_net_cash_usd"] = (("policy", "sample", "project", "date"), project_flows)
        toml_text = to_toml(scenario)
        ds = xr.Dataset(
            data,
            coords={"policy": labels, "path": np.arange(run.n_paths), "sample": np.arange(monthly.shape[1]),
                    "date": dates, "day": ("date", month_days),
                    "capacity": ("policy", [capacity_label(plan) for plan, _ in combos]),
                    "treasury": ("policy", [policy.label for _, policy in combos]),
                    "project": np.arange(n_proj),
                    "project_label": (("policy", "project"), project_labels.astype(str)),
                    "project_mw": (("policy", "project"), project_mw),
                    "project_capex_usd": (("policy", "project"), project_capex)},
            attrs={"scenario_toml": toml_text, "seed": run.seed, "version": __version__},
        )
        summary = _summary(ds, run.horizon_days)
        win = _win_rate(terminal[:, :, T_NAV] / terminal[:, :, T_SHARES], labels)
        return cls(ds, summary, win, toml_text, run.seed, __version__)

    def save_netcdf(self, path: str | Path) -> Path:
        """Write the dataset atomically (temporary file, then ``os.replace``). Returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            self.dataset.to_netcdf(tmp, engine="scipy")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path


def _stats(values: np.ndarray) -> dict[str, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"mean": float("nan"), **{k: float("nan") for k in QUANTILES}}
    # Values near the float range (a BTC yield from a subnormal start) may sum to inf: that is the honest mean.
    with np.errstate(over="ignore", invalid="ignore"):
        qs = np.quantile(finite, list(QUANTILES.values()))
        mean = float(finite.mean())
    return {"mean": mean, **dict(zip(QUANTILES, map(float, qs), strict=True))}


def _summary(ds: xr.Dataset, horizon_days: int) -> pd.DataFrame:
    rows = []
    for label in ds["policy"].values:
        sub = ds.sel(policy=label)
        metrics = ["nav_usd", "attributable_nav_usd", "btc_held", "btc_per_share", "cash_usd", "btc_yield_frac", "mined_btc", "capex_usd",
                   "ai_margin_usd_per_mw_day"]
        for seg in SEGMENTS:
            metrics += [f"{seg}_margin_usd_per_mw_day", f"{seg}_revenue_usd_per_mw_day", f"{seg}_margin_frac"]
        for metric in metrics:
            for stat, value in _stats(sub[metric].values).items():
                rows.append((label, metric, stat, value))
        days = sub["insolvent_day"].values
        is_insolvent = days >= 0
        rows.append((label, "insolvency", "probability", float(is_insolvent.mean())))
        rows.append((label, "insolvency", "mean_day",
                     float(days[is_insolvent].mean()) if is_insolvent.any() else float("nan")))
        rows.append((label, "nav_usd", "cvar5", cvar(sub["nav_usd"].values)))
        rows += _project_rows(sub, label)
    return pd.DataFrame(rows, columns=["policy", "metric", "stat", "value"])


def _project_rows(sub: xr.Dataset, label: str) -> list[tuple]:
    """Per AI project: capex per MW, and IRR and payback over the stored paths (monthly cash flows)."""
    from hashpivot.formulas.finance import irr_per_period, payback_periods

    rows: list[tuple] = []
    if "project_net_cash_usd" not in sub:
        return rows
    for j in range(sub.sizes["project"]):
        name = str(sub["project_label"].values[j])
        if not name or sub.sizes["sample"] == 0:
            continue
        flows = sub["project_net_cash_usd"].isel(project=j).values  # (sample, month)
        flows = flows[:, 1:]  # slot 0 is day 0, which has no flows
        with np.errstate(invalid="ignore", over="ignore"):
            irr_year = (1.0 + irr_per_period(flows)) ** 12 - 1.0
        payback_years = payback_periods(flows) / 12.0
        mw = float(sub["project_mw"].values[j])
        rows.append((label, f"{name}.capex_usd_per_mw", "value", float(sub["project_capex_usd"].values[j]) / mw))
        for stat, value in _stats(irr_year).items():
            rows.append((label, f"{name}.irr_frac_per_year", stat, value))
        rows.append((label, f"{name}.irr_frac_per_year", "defined_share", float(np.isfinite(irr_year).mean())))
        for stat, value in _stats(np.where(np.isfinite(payback_years), payback_years, np.nan)).items():
            rows.append((label, f"{name}.payback_years", stat, value))
        rows.append((label, f"{name}.payback_years", "paid_back_share", float(np.isfinite(payback_years).mean())))
    return rows


def _win_rate(score: np.ndarray, labels: list[str]) -> pd.DataFrame:
    n = len(labels)
    out = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if i != j:
                out[i, j] = float(np.mean(score[i] > score[j]))
    return pd.DataFrame(out, index=pd.Index(labels, name="policy"), columns=pd.Index(labels, name="versus"))
