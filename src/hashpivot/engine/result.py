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
from hashpivot.engine.plan import P_CAPEX_USD, P_IT_MW, purchase_labels, tracked_labels
from hashpivot.engine.state import (
    MONTHLY_STOCKS,
    MONTHLY_VARIABLES,
    PURCHASE_COLUMNS,
    T_BTC_PER_SHARE,
    T_INSOLVENT_DAY,
    T_NAV,
    T_SHARES,
    SITE_TOTALS,
    N_SITE_VALUES,
    SITE_VALUES,
    T_SITE0,
    TERMINAL_COLUMNS,
    terminal_width,
    tracked_sites,
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
#: Between the capacity plan and the treasury policy in a result's policy label, when the run compared several plans.
LABEL_SEPARATOR = " / "


def split_label(label: str) -> tuple[str | None, str]:
    """(capacity plan, treasury policy) of a result's policy label: ``"plan / policy"`` when the run compared
    several plans, else the policy alone with plan None.

    >>> split_label("lease_200mw / sell_all"), split_label("hold_all")
    (('lease_200mw', 'sell_all'), (None, 'hold_all'))
    """
    plan, separator, policy = label.rpartition(LABEL_SEPARATOR)
    return (plan, policy) if separator else (None, label)


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

    @property
    def purchase_returns(self):
        """Returns of the growth policy's purchases by ordinal (1st, 2nd ...), per policy
        (:func:`hashpivot.analysis.growth.purchase_returns_frame`: share of paths that made it, median order day and
        date, median EH/s and price paid, mean capex, median payback from the order day [months], share paid back,
        mean ROI to the horizon [fraction]); empty without a growth policy. [table]"""
        from hashpivot.analysis.growth import purchase_returns_frame

        return purchase_returns_frame(self.dataset, self.scenario.run.start_date)

    def glance(self, insolvency_limit_frac: float | None = None):
        """The answer at a glance (:func:`hashpivot.analysis.glance.glance`): what a MW earns, the best policy under
        the insolvency limit (its default when None) with its paired win rate, and why failing paths fail."""
        from hashpivot.analysis.glance import INSOLVENCY_LIMIT_FRAC, glance

        return glance(self, INSOLVENCY_LIMIT_FRAC if insolvency_limit_frac is None else insolvency_limit_frac)

    def _repr_html_(self) -> str:
        """Jupyter's view: the run's facts, the answer at a glance and the comparison table (one formatter)."""
        import html

        from hashpivot.analysis.compare import comparison_cells
        from hashpivot.format import fmt_count, html_topic_line

        several = "policies on the same random numbers" if len(self.policies) > 1 else "policy"
        facts = (f"{self.scenario.name}: {fmt_count(int(self.dataset.sizes['path']), 'path')}, seed {self.seed}, "
                 f"{len(self.policies)} {several}, hashpivot {self.version}")
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
        labels = [f"{capacity_label(plan)}{LABEL_SEPARATOR}{policy.label}" if several_plans else policy.label
                  for plan, policy in combos]
        run = scenario.run
        dates = pd.Timestamp(run.start_date) + pd.to_timedelta(month_days, unit="D")
        def dims(name: str, values: np.ndarray) -> tuple[str, ...]:
            if values.ndim == 2:
                return ("policy", "path")
            third = ("entity" if name.startswith("entity_") else "addition" if name.startswith("addition_")
                     else "purchase" if name.startswith("purchase_") else "site")
            return ("policy", "path", third)

        data: dict[str, tuple] = {name: (dims(name, values), values) for name, values in per_path.items()}
        for j, name in enumerate(MONTHLY_VARIABLES):
            prefix = "monthly_" if name in MONTHLY_STOCKS else "cumulative_"
            data[f"{prefix}{name}"] = (("policy", "sample", "date"), monthly[:, :, j, :])
        for j, name in enumerate(("btc_price_usd", "network_hashrate_ehs", "hashprice_usd_per_th_day")):
            data[f"monthly_{name}"] = (("sample", "date"), market_monthly[j])
        n_proj = 0 if project_flows is None else project_flows.shape[2]
        project_labels = np.full((len(combos), n_proj), "", dtype=object)
        project_it_mw = np.zeros((len(combos), n_proj))
        project_capex = np.zeros((len(combos), n_proj))
        project_start = np.full((len(combos), n_proj), -1, dtype=np.int64)
        for i, (names, arrays) in enumerate(project_info or []):
            for j, name in enumerate(names):
                project_labels[i, j] = name
                project_it_mw[i, j] = arrays.projects[j, P_IT_MW]
                project_capex[i, j] = arrays.projects[j, P_CAPEX_USD]
                start = arrays.specs[j].fixed_start_day
                if start is not None:  # a dated conversion; a hashprice trigger's day differs by path
                    project_start[i, j] = start
        if n_proj:
            data["project_net_cash_usd"] = (("policy", "sample", "project", "date"), project_flows)
        toml_text = to_toml(scenario)
        ds = xr.Dataset(
            data,
            coords={"policy": labels, "path": np.arange(run.n_paths), "sample": np.arange(monthly.shape[1]),
                    "site": [s.name for s in scenario.company.sites],
                    "entity": [x.name for x in scenario.company.spin_offs],
                    "date": dates, "day": ("date", month_days),
                    "capacity": ("policy", [capacity_label(plan) for plan, _ in combos]),
                    "treasury": ("policy", [policy.label for _, policy in combos]),
                    "project": np.arange(n_proj),
                    "project_label": (("policy", "project"), project_labels.astype(str)),
                    "project_it_mw": (("policy", "project"), project_it_mw),
                    "project_capex_usd": (("policy", "project"), project_capex),
                    "project_start_day": (("policy", "project"), project_start),
                    "addition": list(tracked_labels(scenario)),
                    "purchase": list(purchase_labels(scenario))},
            attrs={"scenario_toml": toml_text, "seed": run.seed, "version": __version__, "per_path": kept,
                   "n_hedges": len(scenario.hedges),
                   "n_debt": len(scenario.company.debt) + len(scenario.company.covenants)},
        )
        return cls(dataset=ds, summary=summary_frame(ds), win_rate=win_rate_frame(ds), scenario_toml=toml_text,
                   seed=run.seed, version=__version__, scenario=scenario)


def site_metrics(scenario, terminal: np.ndarray, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each site's flows per path, (policy, path, site) arrays named ``site_<SITE_TOTALS name>``, from the tracked
    sites' columns of ``terminal`` (a company of several sites) or, for a company of one site, from its segments
    (``data``: the terminal columns by name), which are that site's figures; with spin-offs, also each site's
    ``SITE_TOTALS`` when its spin-off took effect (``site_<name>_before_spin_off``) and what it still holds on the
    last day (``site_<SITE_VALUES name>``). [units of each name]"""
    names = [name for name, _ in SITE_TOTALS]
    n_sites = len(scenario.company.sites)
    if tracked_sites(n_sites, bool(scenario.company.spin_offs)):
        width = n_sites * len(names)
        block = terminal[:, :, T_SITE0:T_SITE0 + width].reshape(terminal.shape[0], terminal.shape[1], n_sites,
                                                                 len(names))
        out = {f"site_{name}": block[:, :, :, i] for i, name in enumerate(names)}
        if scenario.company.spin_offs:
            snap = terminal[:, :, T_SITE0 + width:T_SITE0 + 2 * width].reshape(block.shape)
            out |= {f"site_{name}_before_spin_off": snap[:, :, :, i] for i, name in enumerate(names)}
            at = T_SITE0 + 2 * width
            held = terminal[:, :, at:at + n_sites * N_SITE_VALUES].reshape(*block.shape[:3], N_SITE_VALUES)
            out |= {f"site_{name}": held[:, :, :, i] for i, (name, _) in enumerate(SITE_VALUES)}
        return out
    one = {
        "mined_btc": data["mined_btc"], "mining_revenue_usd": data["mining_revenue_usd"],
        "mining_opex_usd": data["mining_opex_usd"], "mining_capex_usd": data["mining_capex_usd"],
        "mining_mw_days": data["mining_mw_days"],
        **{f"ai_{f}": sum(data[f"{seg}_{f}"] for seg in AI_SEGMENTS) for f in ("revenue_usd", "opex_usd",
                                                                                "capex_usd", "mw_days")},
    }
    return {f"site_{name}": one[name][:, :, None] for name in names}


def entity_metrics(scenario, data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each spin-off's figures per path, (policy, path, entity) arrays (none without spin-offs): its sites' revenue,
    opex, capex and margin since it took effect (``entity_*_usd``: totals less the snapshot of ``site_metrics``),
    what its sites still hold on the last day (``entity_fleet_value_usd``, ``entity_contracted_value_usd``: its
    fleets' resale value and its contracts' value, as the company's NAV counts them), its NAV (``entity_nav_usd``:
    the net cash its sites made since then, revenue - opex - capex, plus those two where the company's NAV counts
    them, ``nav_basis = "with_contracts"``; the schema's ``SpinOff`` states the assumption), the company's share of
    that NAV (``entity_retained_nav_usd``) and its stake at the spin-off's valuation (``entity_stake_usd``: that
    share, or the retained fraction x the multiple x the entity's day-0 self-mining EH/s or its sites' grid MW).
    [USD]"""
    company = scenario.company
    if not company.spin_offs:
        return {}
    index = {s.name: i for i, s in enumerate(company.sites)}
    since = {name: data[f"site_{name}"] - data[f"site_{name}_before_spin_off"]
             for name in ("mining_revenue_usd", "mining_opex_usd", "mining_capex_usd", "ai_revenue_usd",
                          "ai_opex_usd", "ai_capex_usd")}
    keys = ("revenue", "opex", "capex", "fleet", "contracted", "nav", "retained", "stake")
    cols: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    counts_held = company.nav_basis == "with_contracts"
    for x in company.spin_offs:
        rows = [index[s] for s in x.sites]
        revenue = sum(since[f"{seg}_revenue_usd"][:, :, rows].sum(axis=2) for seg in ("mining", "ai"))
        opex = sum(since[f"{seg}_opex_usd"][:, :, rows].sum(axis=2) for seg in ("mining", "ai"))
        capex = sum(since[f"{seg}_capex_usd"][:, :, rows].sum(axis=2) for seg in ("mining", "ai"))
        fleet = data["site_fleet_value_usd"][:, :, rows].sum(axis=2)
        contracted = data["site_contracted_value_usd"][:, :, rows].sum(axis=2)
        nav = revenue - opex - capex + ((fleet + contracted) if counts_held else 0.0)
        if x.valuation == "nav":
            stake = x.retained_frac * nav
        else:
            size = (sum(f.hashrate_ehs for f in company.fleets if f.site in x.sites) if x.valuation == "ev_per_ehs"
                    else sum(s.power_mw for s in company.sites if s.name in x.sites))
            stake = np.full(nav.shape, x.retained_frac * x.multiple_usd * size)
        values = (revenue, opex, capex, fleet, contracted, nav, x.retained_frac * nav, stake)
        for key, value in zip(keys, values, strict=True):
            cols[key].append(value)
    names = {"revenue": "entity_revenue_usd", "opex": "entity_opex_usd", "capex": "entity_capex_usd",
             "fleet": "entity_fleet_value_usd", "contracted": "entity_contracted_value_usd",
             "nav": "entity_nav_usd", "retained": "entity_retained_nav_usd", "stake": "entity_stake_usd"}
    return {names[k]: np.stack(v, axis=2) for k, v in cols.items()}


def path_metrics(scenario, terminal: np.ndarray) -> dict[str, np.ndarray]:
    """Every per-path variable of a result, each (policy, path), from the engine's terminal array (policy, path,
    ``TERMINAL_COLUMNS``): the terminal columns themselves (``insolvent_day`` as int64), NAV per share, BTC yield, each
    segment's margin and revenue per MW-day [USD/MW-day] and margin fraction, the AI margin per MW-day, the
    attributable figures and RM1's convenience totals. [units of each name]"""
    data: dict[str, np.ndarray] = {}
    for j, name in enumerate(TERMINAL_COLUMNS):  # the tracked sites' columns follow (``site_metrics``)
        col = terminal[:, :, j]
        data[name] = col.astype(np.int64) if j == T_INSOLVENT_DAY else col
    btc_per_share_0 = scenario.company.btc_held / scenario.company.shares_outstanding
    data["nav_per_share_usd"] = terminal[:, :, T_NAV] / terminal[:, :, T_SHARES]
    # Per day-0 share: equity issued later is not a flow of the DCF (``engine.stages.value_day``).
    data["dcf_per_share_usd"] = data["dcf_equity_usd"] / scenario.company.shares_outstanding
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
    data |= site_metrics(scenario, terminal, data)
    # Attributable figures: the company's share of each segment; the minority's share of each segment's
    # cumulative net cash (revenue - opex - capex) comes off NAV, and, where NAV counts them (``nav_basis =
    # "with_contracts"``), its share of mining's fleets at their resale value and of each AI/HPC segment's
    # contracts' value.
    own = scenario.company.ownership_frac
    minority = np.zeros(terminal.shape[:2])
    if scenario.company.nav_basis == "with_contracts":
        minority += (1.0 - own.get("mining", 1.0)) * data["fleet_value_usd"]
        for seg in SEGMENTS[1:]:  # and its share of what a part-owned AI/HPC segment's contracts still pay
            minority += (1.0 - own.get(seg, 1.0)) * data[f"{seg}_contracted_value_usd"]
    for seg in SEGMENTS:
        frac = own.get(seg, 1.0)
        net = data[f"{seg}_revenue_usd"] - data[f"{seg}_opex_usd"] - data[f"{seg}_capex_usd"]
        data[f"{seg}_attributable_margin_usd"] = frac * (data[f"{seg}_revenue_usd"] - data[f"{seg}_opex_usd"])
        minority += (1.0 - frac) * net
    entities = entity_metrics(scenario, data)
    data |= entities
    if entities:
        minority += ((1.0 - np.array([x.retained_frac for x in scenario.company.spin_offs]))
                     * entities["entity_nav_usd"]).sum(axis=2)
    data["attributable_nav_usd"] = terminal[:, :, T_NAV] - minority
    # Convenience totals (RM1's outputs): mining power bill, AI net revenue and AI MW-days.
    data["power_cost_usd"] = data["mining_opex_usd"]
    data["ai_net_usd"] = ai[0] - ai[1]
    data["ai_mw_days"] = ai[2]
    # Returns of each scheduled addition and of the growth policy's bought units (policy, path, addition).
    labels = tracked_labels(scenario)
    first = terminal_width(len(scenario.company.sites), bool(scenario.company.spin_offs))  # after the sites' blocks
    if labels and terminal.shape[2] > first:
        extra = terminal[:, :, first:first + len(labels) * len(TRACKED_COLUMNS)].reshape(
            terminal.shape[0], terminal.shape[1], len(labels), len(TRACKED_COLUMNS))
        for j, (name, _) in enumerate(TRACKED_COLUMNS):
            data[f"addition_{name}"] = extra[:, :, :, j]
        # Then each purchase row of the growth policy (policy, path, purchase): ``engine.state.PURCHASE_COLUMNS``.
        rows = purchase_labels(scenario)
        at = first + len(labels) * len(TRACKED_COLUMNS)
        if rows and terminal.shape[2] >= at + len(rows) * len(PURCHASE_COLUMNS):
            block = terminal[:, :, at:at + len(rows) * len(PURCHASE_COLUMNS)].reshape(
                terminal.shape[0], terminal.shape[1], len(rows), len(PURCHASE_COLUMNS))
            for j, (name, _) in enumerate(PURCHASE_COLUMNS):
                data[f"purchase_{name}"] = block[:, :, :, j]
    # Hedges' net cash: what forwards, options and fixed-price power paid in, less premiums and loan interest.
    data["hedge_net_usd"] = (data["forward_settled_usd"] + data["option_payoff_usd"] - data["option_premium_usd"]
                             - data["loan_interest_usd"] + data["power_hedge_usd"] + data["brokerage_usd"])
    return data
