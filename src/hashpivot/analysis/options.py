"""The real option to convert mining megawatts to an AI/HPC lease at any month of a window, priced by least-squares
Monte Carlo (``formulas.lsm``) on the engine's own paths (issue 15, point 4).

On each path, converting ``mw`` at month k of the window (k = 0 is now) gives up the mining margin those MW earn from
k on and pays the lease's capex at k; the lease earns its rent, net of its operating share, from ``k + lead_months``
for its term. What the engine's NAV counts, this counts: flows within the run's horizon, and at the horizon what the
lease still pays (its remaining rent, discounted, as ``engine.stages.contracted_value_usd``). The mining margin of
the converted MW is the engine's own, path by path: the difference between the all-mining plan and the same plan
with ``mw`` converted on day 1 (the least efficient fleets first, economic shutdown included), on the same random
numbers. Everything is discounted at the company's ``contract_discount_rate_per_year`` to month 0.

Exercising is worth ``payoff[p, k]`` (USD at time 0); the future mining margin is not known at k, so the pricer
regresses the payoff as well as the continuation on what is known at k (the month's hashprice) and never looks
ahead. Results: the option's value, the value of converting now on every path, the value of waiting
(their difference), the exercise boundary in hashprice per month, and the probability and months of exercise.

Assumptions, stated: the lease's tenant pays every month (its default risk is the scenario's, at the engine's
level, not here); the lease's rent is the project's contract rate with its escalator; the window's months are the
run's month ends; a conversion decided at month k stops mining at once (the build's lead time earns nothing).
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field

import numpy as np

from hashpivot.errors import InputError
from hashpivot.formulas.lsm import LsmResult, lsm_price
from hashpivot.units import DAYS_PER_YEAR, MONTHS_PER_YEAR

#: Default lead time from the decision to the lease's first rent: Core Scientific's first CoreWeave halls were
#: delivered about 9-10 months after the June 2024 signing (first colocation revenue in Q2 2025, see the
#: corz presets' sources); an assumption for a generic conversion. [months]
DEFAULT_LEAD_MONTHS = 9


@dataclass(frozen=True)
class ConversionTerms:
    """The AI lease a conversion signs: rent [USD/kW-month] on critical IT load (grid MW / PUE), its yearly
    escalator [fraction/year], term [years], operating share of rent [fraction] and capex [USD per MW of IT
    load], per the same MW as a scenario's lease (``policies.capacity.ColocationLease.capex_usd_per_mw``)."""

    rate_usd_per_kw_month: float
    escalator_frac_per_year: float
    term_years: float
    opex_frac_of_revenue: float
    capex_usd_per_mw: float
    pue_ratio: float


@dataclass(frozen=True)
class ConversionOption:
    """The option's valuation (money in USD at time 0) and what it rests on."""

    mw: float
    window_months: int
    lead_months: int
    discount_rate_per_year: float
    terms: ConversionTerms
    lsm: LsmResult
    month_dates: list[str]
    n_paths: int
    #: months of the run (month ends after day 0) the payoffs count
    n_months: int
    #: the scenario valued (what the run store records with the result)
    scenario: object = field(default=None, repr=False, compare=False)

    @property
    def value_usd(self) -> float:
        return self.lsm.value

    @property
    def convert_now_usd(self) -> float:
        return self.lsm.exercise_now_value

    @property
    def waiting_usd(self) -> float:
        return self.lsm.waiting_value

    def as_run(self):
        """What the run store records: the option's figures as summary rows of one "policy", the option."""
        return _as_run(self.scenario, f"option to convert {self.mw:g} MW", {
            "option_value_usd": self.value_usd, "option_standard_error_usd": self.lsm.standard_error,
            "convert_now_usd": self.convert_now_usd, "waiting_usd": self.waiting_usd,
            "exercise_probability_frac": self.lsm.exercise_probability()}, self.n_paths)

    def to_dict(self) -> dict:
        counts = self.lsm.exercise_date_counts()
        return {
            "mw": self.mw, "window_months": self.window_months, "lead_months": self.lead_months,
            "discount_rate_per_year": self.discount_rate_per_year, "n_paths": self.n_paths,
            "n_months": self.n_months,
            "terms": self.terms.__dict__,
            "value_usd": self.value_usd, "standard_error_usd": self.lsm.standard_error,
            "convert_now_usd": self.convert_now_usd, "waiting_usd": self.waiting_usd,
            "exercise_probability": self.lsm.exercise_probability(),
            "exercise_months": [{"month": i, "date": self.month_dates[i], "paths": int(c),
                                 "boundary_hashprice_usd_per_th_day": _finite(self.lsm.boundary[i])}
                                for i, c in enumerate(counts)],
        }


def _as_run(scenario, label: str, figures: dict[str, float], n_paths: int):
    """A result the run store records (``analysis.sweep.SweepRun``): ``figures`` as rows (``label``, name,
    "value", figure)."""
    import pandas as pd
    import xarray as xr

    from hashpivot._version import __version__
    from hashpivot.analysis.sweep import SweepRun
    from hashpivot.scenarios.toml import to_toml

    summary = pd.DataFrame([(label, name, "value", float(v)) for name, v in figures.items()],
                           columns=["policy", "metric", "stat", "value"])
    return SweepRun(scenario, [label], summary, pd.DataFrame([[np.nan]], index=[label], columns=[label]),
                    to_toml(scenario), int(scenario.run.seed), __version__, xr.Dataset(attrs={"n_paths": n_paths}))


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def lease_net_by_month(terms: ConversionTerms, mw: float, start_month: int, n_months: int) -> np.ndarray:
    """The lease's rent net of its operating share in each month 0 .. n_months - 1 of the run for a lease first
    paying in month ``start_month`` [USD/month]: IT MW x 1,000 kW x rate, stepping by the escalator each
    12 months of the lease, for its term."""
    months = np.arange(n_months)
    age = months - start_month
    term_months = int(round(terms.term_years * MONTHS_PER_YEAR))
    on = (age >= 0) & (age < term_months)
    rent = mw / terms.pue_ratio * 1_000.0 * terms.rate_usd_per_kw_month
    return np.where(on, rent * (1.0 + terms.escalator_frac_per_year) ** np.maximum(age // 12, 0)
                    * (1.0 - terms.opex_frac_of_revenue), 0.0)


def lease_value_after(terms: ConversionTerms, mw: float, start_month: int, horizon_month: int,
                      monthly_rate: float) -> float:
    """Present value at the horizon month of the lease's net rent in the months after it [USD]."""
    term_months = int(round(terms.term_years * MONTHS_PER_YEAR))
    end = start_month + term_months
    if end <= horizon_month + 1:
        return 0.0
    months = np.arange(max(horizon_month + 1, start_month), end)
    flows = lease_net_by_month(terms, mw, start_month, end)[months]
    return float(np.sum(flows * (1.0 + monthly_rate) ** -(months - horizon_month)))


def conversion_payoffs(mining_margin_usd: np.ndarray, terms: ConversionTerms, mw: float, window_months: int,
                       lead_months: int, rate_per_year: float) -> np.ndarray:
    """Present value at month 0 of converting at each month of the window on each path (paths, window) [USD]:
    the lease's net rent from ``k + lead_months`` within the horizon plus its value after it, less the capex at k,
    less the mining margin of the converted MW from month k on (``mining_margin_usd``: paths x months, the margin
    earned in each month of the run)."""
    n_paths, n_months = mining_margin_usd.shape
    monthly = (1.0 + rate_per_year) ** (1.0 / MONTHS_PER_YEAR) - 1.0
    discount = (1.0 + monthly) ** -np.arange(n_months, dtype=np.float64)
    # mining margin forgone from month k on: suffix sums of the discounted margin
    forgone = np.cumsum((mining_margin_usd * discount)[:, ::-1], axis=1)[:, ::-1]
    out = np.empty((n_paths, window_months))
    horizon = n_months - 1
    for k in range(window_months):
        lease = lease_net_by_month(terms, mw, k + lead_months, n_months)
        lease_pv = float(np.sum(lease * discount)) + lease_value_after(terms, mw, k + lead_months, horizon,
                                                                       monthly) * discount[horizon]
        out[:, k] = lease_pv - terms.capex_usd_per_mw * mw / terms.pue_ratio * discount[k] - forgone[:, k]
    return out


def monthly_flows(cumulative: np.ndarray) -> np.ndarray:
    """Each month's flow from month-end cumulative values (..., slots), the first slot being day 0. [same unit]"""
    return np.diff(np.asarray(cumulative, dtype=np.float64), axis=-1)


def value_conversion(scenario, mw: float, window_months: int, lead_months: int = DEFAULT_LEAD_MONTHS,
                     terms: ConversionTerms | None = None, *, treasury: str | None = None,
                     simulate=None) -> ConversionOption:
    """Value the option to convert ``mw`` grid MW of the scenario's mining to an AI lease at any month of the
    first ``window_months`` (see the module docstring). ``terms`` default to the scenario's main capacity plan's
    lease when it has one, else a colocation lease at the schema's defaults; ``simulate(scenario, plans)`` runs the
    engine (default ``engine.run.simulate``) and must store every path's monthly series."""
    from hashpivot.policies.capacity import AllMining, ColocationLease, ConvertOnDay

    simulate = simulate or _main_policy
    mining_mw = scenario.company.mining_mw
    if not 0 < mw <= mining_mw:
        raise InputError("convert_mw", mw, f"a number of MW in (0, {mining_mw:g}], the company's mining MW")
    horizon_months = int(scenario.run.horizon_days / DAYS_PER_YEAR * MONTHS_PER_YEAR)
    if horizon_months < 1:  # no window can fit: say what would, not "an integer in [1, 0]"
        raise InputError("run.horizon_days", scenario.run.horizon_days,
                         f"at least {math.ceil(DAYS_PER_YEAR / MONTHS_PER_YEAR)} days (one whole month) for a "
                         "conversion window of 1 month or more")
    if not 1 <= window_months <= horizon_months:
        raise InputError("window_months", window_months, f"an integer in [1, {horizon_months}], the run's months")
    if not 0 <= lead_months <= 120:
        raise InputError("lead_months", lead_months, "an integer in [0, 120]")
    if terms is None:
        terms = _terms_of(scenario, ColocationLease)
    project = ColocationLease(rate_usd_per_kw_month=terms.rate_usd_per_kw_month,
                              escalator_frac_per_year=terms.escalator_frac_per_year, term_years=terms.term_years,
                              opex_frac_of_revenue=terms.opex_frac_of_revenue, capex_usd_per_mw=0.0,
                              pue_ratio=terms.pue_ratio)
    run = scenario.run.model_copy(update={"store_paths": scenario.run.n_paths})
    sc = scenario.model_copy(update={"run": run})
    plans = [AllMining(), ConvertOnDay(day=1, mw=mw, project=project, name="converted")]
    ds = simulate(sc, plans).dataset
    margin = monthly_flows(ds["cumulative_mining_revenue_usd"].values - ds["cumulative_mining_opex_usd"].values)
    given_up = margin[0] - margin[1]  # (paths, months): the converted MW's own mining margin, path by path
    payoffs = conversion_payoffs(given_up, terms, mw, window_months, lead_months,
                                 scenario.company.contract_discount_rate_per_year)
    # The state is the month's hashprice: what a TH earns in USD, all that mining's margin depends on (the BTC
    # price enters through it), so the exercise region is "hashprice below a boundary"
    hashprice = ds["monthly_hashprice_usd_per_th_day"].values[:, :window_months].astype(np.float64)
    result = lsm_price(payoffs, hashprice, payoff_is_known=False, boundary_side="below")
    dates = [str(d)[:10] for d in ds["date"].values[:window_months]]
    return ConversionOption(mw, window_months, lead_months, scenario.company.contract_discount_rate_per_year,
                            terms, result, dates, int(ds.sizes["sample"]), int(given_up.shape[1]), scenario)


def _main_policy(scenario, plans):
    """``scenario`` under its main treasury policy and ``plans`` (``engine.run.simulate``): the default runner of
    the valuations here."""
    from hashpivot.engine.run import simulate

    return simulate(scenario, [scenario.treasury_policies()[0]], capacity=plans)


def _terms_of(scenario, default_kind) -> ConversionTerms:
    """The lease terms of the scenario's first conversion to a lease, else a ``default_kind`` lease's defaults."""
    for plan in scenario.capacity_policies():
        for step in plan.steps():
            project = step.project
            if getattr(project, "kind", "") in ("colocation_lease", "site_lease"):
                return _terms(project)
    # 121.5 USD/kW-month: Core Scientific / CoreWeave's 200 MW (domain/facts/ai_leases.csv, 121.53)
    return _terms(default_kind(rate_usd_per_kw_month=121.5))


def _terms(project) -> ConversionTerms:
    return ConversionTerms(project.rate_usd_per_kw_month, project.escalator_frac_per_year, project.term_years,
                           project.opex_frac_of_revenue, project.capex_usd_per_mw, project.pue_ratio)


@dataclass(frozen=True)
class ShutdownOption:
    """The value of running the fleets with the right to switch off when power costs more than they earn, against
    running them every day, on the same random numbers (money in USD at time 0, discounted monthly)."""

    with_option_usd: float
    always_on_usd: float
    standard_error_usd: float
    discount_rate_per_year: float
    n_paths: int
    n_months: int
    #: paths on which the right to switch off was worth something (the machines stopped on some day)
    used_frac: float
    #: the scenario valued (what the run store records with the result)
    scenario: object = field(default=None, repr=False, compare=False)

    @property
    def value_usd(self) -> float:
        """The option: the fleets' discounted mining margin with it less without it. [USD]"""
        return self.with_option_usd - self.always_on_usd

    def as_run(self):
        """What the run store records: the figures as summary rows of one "policy", the shutdown option."""
        return _as_run(self.scenario, "shutdown option", {
            "with_option_usd": self.with_option_usd, "always_on_usd": self.always_on_usd,
            "option_value_usd": self.value_usd, "option_standard_error_usd": self.standard_error_usd,
            "used_frac": self.used_frac}, self.n_paths)

    def to_dict(self) -> dict:
        return {"with_option_usd": self.with_option_usd, "always_on_usd": self.always_on_usd,
                "value_usd": self.value_usd, "standard_error_usd": self.standard_error_usd,
                "used_frac": self.used_frac, "discount_rate_per_year": self.discount_rate_per_year,
                "n_paths": self.n_paths, "n_months": self.n_months}


def value_shutdown(scenario, *, simulate=None) -> ShutdownOption:
    """Value the fleets' right to switch off at a loss (issue 15, point 4): the mining margin (revenue less power
    and the fleets' opex) of the scenario's fleets, all mining, under its sites' economic shutdown and with every
    machine on every day (``scenarios.variants.machines_always_on``), on the same random numbers, each month
    discounted to month 0 at the company's ``contract_discount_rate_per_year``.

    The engine decides each day (or hour) whether a fleet runs, and a day off costs nothing to undo, so the right is
    a strip of one-day calls on the fleet's revenue struck at its power cost (Yaish and Zohar, "Pricing ASICs for
    Cryptocurrency Mining", 2020): no regression is needed, the engine's paths price it exactly
    (``formulas.lsm.shutdown_strip_value_usd`` is the same sum on given revenue and cost). A path that goes insolvent
    stops mining in both runs from that day, as the engine runs it."""
    from hashpivot.policies.capacity import AllMining
    from hashpivot.scenarios.variants import machines_always_on

    simulate = simulate or _main_policy
    always_on = machines_always_on(scenario)
    if always_on is None:
        names = ", ".join(site.name for site in scenario.company.sites)
        raise InputError(f"company.sites.{scenario.company.sites[0].name}.curtailable_frac", 0,
                         f"above 0 on some site ({names}) under a flexible power contract: no machine may switch "
                         "off, so the right to is worth nothing")
    margins = []
    for sc in (scenario, always_on):
        run = sc.run.model_copy(update={"store_paths": sc.run.n_paths})
        ds = simulate(sc.model_copy(update={"run": run}), [AllMining()]).dataset.isel(policy=0)
        margins.append(monthly_flows(ds["cumulative_mining_revenue_usd"].values
                                     - ds["cumulative_mining_opex_usd"].values))
    rate = scenario.company.contract_discount_rate_per_year
    n_months = margins[0].shape[1]
    discount = (1.0 + rate) ** (-np.arange(n_months, dtype=np.float64) / MONTHS_PER_YEAR)
    with_opt, on = ((m * discount).sum(axis=1) for m in margins)
    diff = with_opt - on
    se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else float("nan")
    return ShutdownOption(float(with_opt.mean()), float(on.mean()), se, rate, int(diff.size), int(n_months),
                          float(np.mean(diff > 1e-9 * np.maximum(np.abs(on), 1.0))), scenario)
