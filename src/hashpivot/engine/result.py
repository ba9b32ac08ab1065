"""``SimResult``: what a run produced, with the scenario, seed and version that made it.

The engine builds the Dataset from its arrays here; the statistics (summary, win rates) come from
:mod:`hashpivot.analysis.summary`, and files are written by :mod:`hashpivot.io` (``io.netcdf``, ``io.store``).

- ``dataset`` (xarray): per-path terminal values, dims (policy, path); monthly series of the stored
  paths, dims (policy, sample, date); monthly market series, dims (sample, date).
- ``summary`` (pandas, tidy): columns policy, metric, stat, value.
- ``win_rate`` (pandas): share of paths on which the row policy ends with a higher NAV per share than
  the column policy, on common random numbers.
- ``scenario``: the validated :class:`~hashpivot.scenarios.schema.Scenario` that was run;
  ``scenario_toml`` is its TOML text (also the dataset's ``scenario_toml`` attribute), kept for the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from hashpivot._version import __version__
from hashpivot.analysis.summary import SUMMARY_INPUTS, summary_frame, win_rate_frame
from hashpivot.engine.plan import P_CAPEX_USD, P_GRID_MW, tracked_labels
from hashpivot.engine.state import (
    MONTHLY_STOCKS,
    MONTHLY_VARIABLES,
    T_BTC_PER_SHARE,
    T_INSOLVENT_DAY,
    T_NAV,
    T_SHARES,
    TERMINAL_COLUMNS,
    TRACKED_COLUMNS,
)
from hashpivot.policies.capacity import SEGMENTS, capacity_label

if TYPE_CHECKING:
    from hashpivot.scenarios.schema import Scenario

AI_SEGMENTS = SEGMENTS[1:]
#: Per-path variables a result keeps when it keeps only the finals (``kept="finals"``: a run on Dask whose full
#: per-path arrays would not fit on the client, and every sweep): what its summary, win rates, sweep finals and
#: report's insolvency curves read.
FINALS = SUMMARY_INPUTS


@dataclass(frozen=True)
class SimResult:
    dataset: xr.Dataset
    summary: pd.DataFrame
    win_rate: pd.DataFrame
    scenario_toml: str
    seed: int
    version: str
    scenario: Scenario

    @property
    def policies(self) -> list[str]:
        return [str(p) for p in self.dataset["policy"].values]

    @property
    def addition_returns(self):
        """Returns of each fleet addition and of the growth policy's purchases, per policy
        (:func:`hashpivot.analysis.growth.addition_returns_frame`: capex [USD], mean and median payback [months],
        share paid back, mean and median ROI to the horizon [fraction]); empty without growth. [table]"""
        from hashpivot.analysis.growth import addition_returns_frame

        return addition_returns_frame(self.dataset)

    def glance(self, insolvency_limit_frac: float | None = None):
        """The answer at a glance (:func:`hashpivot.analysis.glance.glance`): what a MW earns, the best policy under
        the insolvency limit (its default when None) with its paired win rate, and why failing paths fail."""
        from hashpivot.analysis.glance import INSOLVENCY_LIMIT_FRAC, glance

        return glance(self, INSOLVENCY_LIMIT_FRAC if insolvency_limit_frac is None else insolvency_limit_frac)

    def _repr_html_(self) -> str:
        """Jupyter's view: the run's facts, the answer at a glance and the comparison table (one formatter)."""
        import html

        from hashpivot.analysis.compare import comparison_cells
        from hashpivot.format import html_topic_line

        facts = (f"{self.scenario.name}: {int(self.dataset.sizes['path']):,} paths, seed {self.seed}, "
                 f"{len(self.policies)} policies on the same random numbers, hashpivot {self.version}")
        items = "".join(f"<li>{html_topic_line(line)}</li>" for line in self.glance().lines())
        return (f"<div><p><b>{html.escape(facts)}</b></p><ul>{items}</ul>"
                f"{comparison_cells(self.summary).to_html()}</div>")

    @classmethod
    def from_arrays(cls, scenario, combos, terminal, monthly, market_monthly, month_days,
                    project_flows=None, project_info=None) -> SimResult:
        """Build the result of ``engine.run.simulate``; ``combos`` are its (capacity plan, treasury policy) pairs,
        ``project_flows`` the monthly net cash flows of each combo's AI projects on the stored paths and
        ``project_info`` each combo's (project labels, company arrays)."""
        return cls.from_path_data(scenario, combos, path_metrics(scenario, terminal), monthly, market_monthly,
                                  month_days, project_flows, project_info)

    @classmethod
    def from_path_data(cls, scenario, combos, per_path, monthly, market_monthly, month_days,
                       project_flows=None, project_info=None, kept: str = "all") -> SimResult:
        """Build a result from its per-path variables (name -> (policy, path) array, as :func:`path_metrics`
        gives them, or the :data:`FINALS` subset of them when ``kept`` is ``"finals"``) and its stored paths'
        monthly series."""
        from hashpivot.scenarios.toml import to_toml

        several_plans = len({capacity_label(plan) for plan, _ in combos}) > 1
        labels = [f"{capacity_label(plan)} / {policy.label}" if several_plans else policy.label
                  for plan, policy in combos]
        run = scenario.run
        dates = pd.Timestamp(run.start_date) + pd.to_timedelta(month_days, unit="D")
        data: dict[str, tuple] = {name: (("policy", "path", "addition") if values.ndim == 3 else ("policy", "path"),
                                         values) for name, values in per_path.items()}
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
                project_mw[i, j] = arrays.projects[j, P_GRID_MW]
                project_capex[i, j] = arrays.projects[j, P_CAPEX_USD]
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
                    "project_capex_usd": (("policy", "project"), project_capex),
                    "addition": list(tracked_labels(scenario))},
            attrs={"scenario_toml": toml_text, "seed": run.seed, "version": __version__, "per_path": kept,
                   "n_hedges": len(scenario.hedges)},
        )
        return cls(dataset=ds, summary=summary_frame(ds), win_rate=win_rate_frame(ds), scenario_toml=toml_text,
                   seed=run.seed, version=__version__, scenario=scenario)


def path_metrics(scenario, terminal: np.ndarray) -> dict[str, np.ndarray]:
    """Every per-path variable of a result, each (policy, path), from the engine's terminal array (policy, path,
    ``TERMINAL_COLUMNS``): the terminal columns themselves (``insolvent_day`` as int64), NAV per share, BTC yield, each
    segment's margin and revenue per MW-day [USD/MW-day] and margin fraction, the AI margin per MW-day, the
    attributable figures and RM1's convenience totals. [units of each name]"""
    data: dict[str, np.ndarray] = {}
    for j, name in enumerate(TERMINAL_COLUMNS):
        col = terminal[:, :, j]
        data[name] = col.astype(np.int64) if j == T_INSOLVENT_DAY else col
    btc_per_share_0 = scenario.company.btc_held / scenario.company.shares_outstanding
    data["nav_per_share_usd"] = terminal[:, :, T_NAV] / terminal[:, :, T_SHARES]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        data["btc_yield_frac"] = (terminal[:, :, T_BTC_PER_SHARE] / btc_per_share_0 - 1.0 if btc_per_share_0 > 0
                                  else np.full(terminal.shape[:2], np.nan))
        for seg in SEGMENTS:
            rev, opex, mw_days = (data[f"{seg}_{f}"] for f in ("revenue_usd", "opex_usd", "mw_days"))
            data[f"{seg}_margin_usd_per_mw_day"] = np.where(mw_days > 0, (rev - opex) / mw_days, np.nan)
            data[f"{seg}_margin_frac"] = np.where(rev > 0, (rev - opex) / rev, np.nan)
            data[f"{seg}_revenue_usd_per_mw_day"] = np.where(mw_days > 0, rev / mw_days, np.nan)
        ai = [sum(data[f"{seg}_{f}"] for seg in AI_SEGMENTS) for f in ("revenue_usd", "opex_usd", "mw_days")]
        data["ai_margin_usd_per_mw_day"] = np.where(ai[2] > 0, (ai[0] - ai[1]) / ai[2], np.nan)
    # Attributable figures: the company's share of each segment; the minority's share of each segment's
    # cumulative net cash (revenue - opex - capex) comes off NAV.
    own = scenario.company.ownership_frac
    minority = np.zeros(terminal.shape[:2])
    for seg in SEGMENTS:
        frac = own.get(seg, 1.0)
        net = data[f"{seg}_revenue_usd"] - data[f"{seg}_opex_usd"] - data[f"{seg}_capex_usd"]
        data[f"{seg}_attributable_margin_usd"] = frac * (data[f"{seg}_revenue_usd"] - data[f"{seg}_opex_usd"])
        minority += (1.0 - frac) * net
    data["attributable_nav_usd"] = terminal[:, :, T_NAV] - minority
    # Convenience totals (RM1's outputs): mining power bill, AI net revenue and AI MW-days.
    data["power_cost_usd"] = data["mining_opex_usd"]
    data["ai_net_usd"] = ai[0] - ai[1]
    data["ai_mw_days"] = ai[2]
    # Returns of each scheduled addition and of the growth policy's bought units (policy, path, addition).
    labels = tracked_labels(scenario)
    if labels and terminal.shape[2] > len(TERMINAL_COLUMNS):
        extra = terminal[:, :, len(TERMINAL_COLUMNS):].reshape(terminal.shape[0], terminal.shape[1], len(labels),
                                                                len(TRACKED_COLUMNS))
        for j, (name, _) in enumerate(TRACKED_COLUMNS):
            data[f"addition_{name}"] = extra[:, :, :, j]
    # Hedges' net cash: what forwards, options and fixed-price power paid in, less premiums and loan interest.
    data["hedge_net_usd"] = (data["forward_settled_usd"] + data["option_payoff_usd"] - data["option_premium_usd"]
                             - data["loan_interest_usd"] + data["power_hedge_usd"] + data["brokerage_usd"])
    return data
