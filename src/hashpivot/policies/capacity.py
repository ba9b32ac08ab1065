"""Capacity: where the megawatts go. AI/HPC projects (each a ``kind``) and the capacity policies that
decide when mining megawatts move to them.

Projects:
- ``colocation_lease`` (Core Scientific hosting CoreWeave): we lease critical IT load to a tenant at a rate per
  kW-month with a yearly escalator; the tenant pays its own power (pass-through), we pay fit-out capex and a
  share of revenue as opex. The tenant may default (a daily hazard) or not renew at a term end
  (``renewal_prob``); the MW then sit idle for ``downtime_days`` and are re-let at the market rate of that day
  (see ``market.gpu_rent``). The share let (occupancy) ramps linearly from ``initial_occupancy_frac`` to
  ``stabilised_occupancy_frac`` over ``lease_up_days`` from the earn day, and over ``relet_lease_up_days`` after a
  re-let; rent and our operating share scale with it, the MW-days count the whole built hall. The defaults (all let
  from the earn day, always renews) are a single-tenant build-to-suit lease signed before delivery, as CoreWeave's
  at Core Scientific; a multi-tenant or speculative hall in North America would start near 0.7 let (72-73 % of the
  capacity under construction preleased, JLL North America Data Center Report year-end 2024 and H1 2025) and
  stabilise near 0.97 (vacancy 2.6 % then 2.3 %, same reports) over 12 to 24 months (an assumption; see
  docs/assumptions.md, "Lease-up and vacancy").
- ``site_lease`` (Riot's Corsicana): powered land and shell; the same mechanics at a lower rate and little capex.
- ``gpu_cloud`` (Hut 8 Highrise, HIVE, IREN): we own GPUs, pay their capex and power, and rent GPU-hours: a
  contracted share at a fixed rate for the contract term, the rest (and all after the term) at the spot rate,
  which follows the ``market.gpu_rent`` process.

Policies:
- ``all_mining``: every megawatt keeps mining.
- ``convert_on_day``: move ``mw`` of mining to ``project`` on ``day``, optionally in ``n_tranches`` spaced
  ``tranche_spacing_days`` apart.
- ``convert_when_hashprice_below``: the same, triggered on each path on the first day hashprice has stayed
  below ``threshold_usd_per_th_day`` for ``for_days`` days.
- ``hybrid``: several such steps (e.g. a lease now and a GPU cloud if hashprice stays low).

A converted MW stops mining on the day its build starts, pays the project's capex evenly over the build, and
earns from the day the build (plus any delay) completes. Converted MW come out of the least efficient fleets
first (highest J/TH), in the order the steps are listed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import MAX_DAY, MAX_SITE_MW
from hashpivot.domain.catalog import gpu_model as gpu_model_row
from hashpivot.units import DAYS_PER_YEAR, KW_PER_MW

PROJECT_COLOCATION, PROJECT_SITE_LEASE, PROJECT_GPU_CLOUD = 0, 1, 2
SEGMENTS = ("mining", "colocation_lease", "site_lease", "gpu_cloud")


def whole_days(years: float) -> int:
    """A contract's term in whole days: ``years`` x 365, to the nearest day (half a day up). The engine pays a term
    day by day and values what is left of it by whole days, so both count the same days (a 0.5-year contract is 183
    days in both; before 2026-12-07 the engine paid 183 and valued 182). [days]"""
    return int(years * DAYS_PER_YEAR + 0.5)


class _Lease(Model):
    rate_usd_per_kw_month: float = Field(gt=0, le=1000, description="Rent per kW of critical IT load. [USD/kW-month]")
    escalator_frac_per_year: float = Field(default=0.0, ge=0, le=0.2, description="Yearly rent escalator. [fraction/year]")
    term_years: float = Field(
        default=12.0, gt=0, le=50, description="Lease term; afterwards it renews at the market rate. [years]"
    )
    opex_frac_of_revenue: float = Field(default=0.1, ge=0, le=1, description="Our operating cost share. [fraction]")
    capex_usd_per_mw: float = Field(default=2e6, ge=0, le=50e6, description="Our capex per leased IT MW. [USD/MW]")
    pue_ratio: float = Field(
        default=1.0, ge=1, le=3,
        description="Grid MW taken from mining per leased IT MW (facility overhead). [ratio]",
    )
    build_days: int = Field(default=0, ge=0, le=3650, description="Build time from conversion to revenue. [days]")
    delay_days: int = Field(default=0, ge=0, le=3650, description="Extra delay of the build (stress). [days]")
    tenant_default_prob_per_year: float = Field(
        default=0.0, ge=0, le=1, description="Probability the tenant defaults within a year. [1/year]"
    )
    downtime_days: int = Field(default=180, ge=0, le=3650, description="Idle days after a default. [days]")
    takes_mining_mw_at: Literal["build_start", "delivery"] = Field(
        default="build_start",
        description="When the leased MW stop mining, as the contract says: when the build starts, or when the MW "
        "are delivered (the miners move elsewhere meanwhile; capex then falls on the delivery day; a dated "
        "conversion only). [kind]",
    )
    initial_occupancy_frac: float = Field(
        default=1.0, gt=0, le=1,
        description="Share of the IT load let on the earn day (and on a re-let's first day). [fraction]",
    )
    stabilised_occupancy_frac: float = Field(
        default=1.0, gt=0, le=1,
        description="Share of the IT load let once the lease-up is over (a multi-tenant hall's structural "
        "vacancy below 1). [fraction]",
    )
    lease_up_days: int = Field(
        default=0, ge=0, le=3650,
        description="Days from the earn day over which the share let ramps linearly from initial to stabilised "
        "occupancy; 0: stabilised from the earn day. [days]",
    )
    relet_lease_up_days: int | None = Field(
        default=None, ge=0, le=3650,
        description="Lease-up of a re-let after a tenant leaves (a default or a non-renewal, after the downtime); "
        "None: lease_up_days. [days]",
    )
    renewal_prob: float = Field(
        default=1.0, ge=0, le=1,
        description="Probability the tenant renews at the end of each term (at the market rate); otherwise it "
        "leaves and the hall goes through downtime_days, then a re-let's lease-up. [probability]",
    )
    lease_up_contracted: bool = Field(
        default=False,
        description="True: the lease-up is a signed schedule, and contracted value counts the ramp's future "
        "occupancy; False: speculative, only the share let so far counts. [flag]",
    )

    #: The engine's project columns (``engine.plan.PROJECT_COLUMNS``) a lease fills beyond the common ones.
    ENGINE_COLUMNS: ClassVar[tuple[str, ...]] = (
        "lease_rate_usd_per_kw_month", "escalator_frac_per_year", "term_days", "opex_frac_of_revenue", "capex_usd",
        "initial_occupancy_frac", "stabilised_occupancy_frac", "lease_up_days", "relet_lease_up_days",
        "renewal_prob", "lease_up_contracted",
    )

    @model_validator(mode="after")
    def _ramp_rises(self) -> _Lease:
        if self.initial_occupancy_frac > self.stabilised_occupancy_frac:
            raise ValueError(
                f"initial_occupancy_frac={self.initial_occupancy_frac!r} is above stabilised_occupancy_frac="
                f"{self.stabilised_occupancy_frac!r}; allowed: 0 < initial_occupancy_frac <= "
                "stabilised_occupancy_frac <= 1 (a lease-up ramps up)")
        return self

    def engine_columns(self, grid_mw: float, first_site_price_usd_per_mwh: float) -> dict[str, float]:
        """The values of ``ENGINE_COLUMNS`` for a tranche of ``grid_mw``. [units of each column]"""
        return {
            "lease_rate_usd_per_kw_month": self.rate_usd_per_kw_month,
            "escalator_frac_per_year": self.escalator_frac_per_year,
            "term_days": max(whole_days(self.term_years), 1),
            "opex_frac_of_revenue": self.opex_frac_of_revenue,
            "capex_usd": grid_mw / self.pue_ratio * self.capex_usd_per_mw,
            "initial_occupancy_frac": self.initial_occupancy_frac,
            "stabilised_occupancy_frac": self.stabilised_occupancy_frac,
            "lease_up_days": self.lease_up_days,
            "relet_lease_up_days": self.lease_up_days if self.relet_lease_up_days is None else self.relet_lease_up_days,
            "renewal_prob": self.renewal_prob,
            "lease_up_contracted": 1.0 if self.lease_up_contracted else 0.0,
        }


class ColocationLease(_Lease):
    """Lease of critical IT load to an AI tenant (Core Scientific hosting CoreWeave)."""

    kind: Literal["colocation_lease"] = "colocation_lease"
    code: ClassVar[int] = PROJECT_COLOCATION


class SiteLease(_Lease):
    """Lease of a powered site (land, substation, shell) to a tenant who builds the data centre (Riot's Corsicana)."""

    kind: Literal["site_lease"] = "site_lease"
    code: ClassVar[int] = PROJECT_SITE_LEASE
    capex_usd_per_mw: float = Field(default=0.1e6, ge=0, le=50e6, description="Our capex per leased MW. [USD/MW]")
    opex_frac_of_revenue: float = Field(default=0.05, ge=0, le=1, description="Our operating cost share. [fraction]")


class GpuCloud(Model):
    """GPU-as-a-service on owned GPUs (Hut 8 Highrise, HIVE, IREN)."""

    kind: Literal["gpu_cloud"] = "gpu_cloud"
    code: ClassVar[int] = PROJECT_GPU_CLOUD
    gpu_model: str = Field(
        default="H100 SXM", min_length=1,
        description="GPU model: a name of the hardware catalog (domain/facts), or any name with an explicit "
        "server_power_kw_per_gpu. [text]",
    )
    server_power_kw_per_gpu: float | None = Field(
        default=None, gt=0, le=20,
        description="IT power per GPU with its share of the server; None = the catalog's server power / GPUs "
        "(DGX H100: 10.2 kW / 8 = 1.275). [kW/GPU]",
    )
    pue_ratio: float = Field(default=1.3, ge=1, le=3, description="Facility power / IT power. [ratio]")
    capex_usd_per_gpu: float = Field(
        default=40_000.0, ge=0, le=1e6, description="GPU, server share, network and fit-out per GPU. [USD/GPU]"
    )
    depreciation_years: float = Field(default=5.0, gt=0, le=20, description="Straight-line life (non-cash). [years]")
    utilisation_frac: float = Field(default=0.9, ge=0, le=1, description="Share of GPU-hours rented. [fraction]")
    contracted_frac: float = Field(
        default=0.8, ge=0, le=1, description="Share of rented GPU-hours on the fixed contract. [fraction]"
    )
    contract_rate_usd_per_gpu_hour: float = Field(
        default=2.5, ge=0, le=100, description="Fixed contract price. [USD/GPU-hour]"
    )
    contract_years: float = Field(default=5.0, ge=0, le=20, description="Length of the fixed contract. [years]")
    spot_start_usd_per_gpu_hour: float = Field(
        default=2.99, ge=0, le=100,
        description="Spot price of this GPU on day 0; then it follows market.gpu_rent. [USD/GPU-hour]",
    )
    opex_usd_per_gpu_hour: float = Field(
        default=0.10, ge=0, le=20, description="Non-power operating cost per installed GPU-hour. [USD/GPU-hour]"
    )
    power_price_usd_per_mwh: float | None = Field(
        default=None, ge=0, le=1000, description="Power price of the GPU hall; None = the first site's. [USD/MWh]"
    )
    build_days: int = Field(default=180, ge=0, le=3650, description="Build time from conversion to revenue. [days]")
    delay_days: int = Field(default=0, ge=0, le=3650, description="Extra delay of the build (stress). [days]")
    tenant_default_prob_per_year: float = Field(
        default=0.0, ge=0, le=1, description="Probability the contract customer defaults within a year. [1/year]"
    )
    downtime_days: int = Field(default=90, ge=0, le=3650, description="Days until the GPUs are re-rented at spot. [days]")

    #: The engine's project columns (``engine.plan.PROJECT_COLUMNS``) a GPU cloud fills beyond the common ones.
    ENGINE_COLUMNS: ClassVar[tuple[str, ...]] = (
        "contract_rate_usd_per_gpu_hour", "opex_usd_per_gpu_hour", "capex_usd", "n_gpus", "contracted_frac",
        "utilisation_frac", "contract_days", "spot_start_usd_per_gpu_hour", "power_price_usd_per_mwh",
    )

    def engine_columns(self, grid_mw: float, first_site_price_usd_per_mwh: float) -> dict[str, float]:
        """The values of ``ENGINE_COLUMNS`` for a tranche of ``grid_mw``; the GPU hall pays the first site's power
        price unless it states its own. [units of each column]"""
        n_gpus = grid_mw * self.n_gpus_per_grid_mw
        return {
            "contract_rate_usd_per_gpu_hour": self.contract_rate_usd_per_gpu_hour,
            "opex_usd_per_gpu_hour": self.opex_usd_per_gpu_hour,
            "capex_usd": n_gpus * self.capex_usd_per_gpu,
            "n_gpus": n_gpus,
            "contracted_frac": self.contracted_frac,
            "utilisation_frac": self.utilisation_frac,
            "contract_days": whole_days(self.contract_years),
            "spot_start_usd_per_gpu_hour": self.spot_start_usd_per_gpu_hour,
            "power_price_usd_per_mwh": (first_site_price_usd_per_mwh if self.power_price_usd_per_mwh is None
                                        else self.power_price_usd_per_mwh),
        }

    @model_validator(mode="after")
    def _power_known(self) -> GpuCloud:
        # Without an explicit power the GPU must be in the catalog (InputError names the allowed models).
        if self.server_power_kw_per_gpu is None and not gpu_model_row(self.gpu_model).server_power_kw:
            raise ValueError(f"gpu_model={self.gpu_model!r} has no server power in the catalog; "
                             "allowed: set server_power_kw_per_gpu")
        return self

    @property
    def kw_per_gpu(self) -> float:
        """IT power per GPU, server share included. [kW/GPU]"""
        if self.server_power_kw_per_gpu is not None:
            return self.server_power_kw_per_gpu
        row = gpu_model_row(self.gpu_model)
        return row.server_power_kw / row.n_gpus_per_server

    @property
    def n_gpus_per_grid_mw(self) -> float:
        """GPUs one grid MW powers: 1000 kW / (kW per GPU x PUE). [GPU/MW]"""
        return KW_PER_MW / (self.kw_per_gpu * self.pue_ratio)


AiProject = Annotated[ColocationLease | SiteLease | GpuCloud, Field(discriminator="kind")]


class _Conversion(Model):
    name: str | None = Field(default=None, description="Label in tables and charts. [text]")
    mw: float = Field(gt=0, le=MAX_SITE_MW, description="Grid megawatts moved from mining (all tranches together). [MW]")
    project: AiProject
    n_tranches: int = Field(default=1, ge=1, le=50, description="Equal tranches the conversion is staged in. [count]")
    tranche_spacing_days: int = Field(default=90, ge=0, le=3650, description="Days between tranches. [days]")
    site: str | None = Field(
        default=None, description="Site whose mining MW convert (its least efficient fleets first); its results "
        "count there. None: the least efficient fleets of any site. [name]",
    )

    def steps(self) -> list:
        return [self]


class ConvertOnDay(_Conversion):
    """Move ``mw`` megawatts of mining to ``project`` from simulation day ``day``, or from the calendar date
    ``on_date`` (a company's contract): the scenario then sets ``day`` from ``run.start_date`` (see
    :func:`resolve_dates`), so a run starting later does not move the conversion. A date before day 1 gives
    ``day`` <= 0: the build began before the run and the engine starts it on day 1 with the build time left."""

    kind: Literal["convert_on_day"] = "convert_on_day"
    day: int = Field(default=0, ge=-MAX_DAY, le=MAX_DAY,
                     description="Simulation day the first tranche's build starts (day 0 = run.start_date). [day]")
    on_date: date | None = Field(
        default=None, description="Calendar date the first tranche's build starts; sets day when given. [date]"
    )

    @model_validator(mode="after")
    def _day_or_date(self) -> ConvertOnDay:
        if self.on_date is None and self.day < 1:
            raise ValueError(f"convert_on_day: day={self.day}; allowed: day >= 1, or on_date (a calendar date)")
        return self


class ConvertWhenHashpriceBelow(_Conversion):
    """Convert on the first day hashprice has stayed below a threshold for ``for_days`` days (per path)."""

    kind: Literal["convert_when_hashprice_below"] = "convert_when_hashprice_below"
    threshold_usd_per_th_day: float = Field(gt=0, le=10, description="Hashprice trigger. [USD/(TH/s)/day]")
    for_days: int = Field(default=30, ge=1, le=3650, description="Consecutive days below the trigger. [days]")
    earliest_day: int = Field(
        default=1, ge=1, le=MAX_DAY,
        description="First day the build may start: the hashprice run may complete the day before. [day]",
    )

    @model_validator(mode="after")
    def _takes_mw_when_triggered(self) -> ConvertWhenHashpriceBelow:
        # A trigger converts because mining earns too little: its MW stop mining on the day it fires. Taking them
        # at delivery instead was read nowhere for a trigger, so it is refused rather than silently dropped.
        if getattr(self.project, "takes_mining_mw_at", "build_start") == "delivery":
            raise ValueError("convert_when_hashprice_below: project.takes_mining_mw_at='delivery'; allowed: "
                             "'build_start' (the MW stop mining when the trigger fires), or a dated conversion "
                             "(convert_on_day) for a lease whose MW leave mining when delivered")
        return self


ConversionStep = Annotated[ConvertOnDay | ConvertWhenHashpriceBelow, Field(discriminator="kind")]


class AllMining(Model):
    """Every megawatt keeps mining."""

    kind: Literal["all_mining"] = "all_mining"
    name: str | None = Field(default=None, description="Label in tables and charts. [text]")

    def steps(self) -> list:
        return []


class Hybrid(Model):
    """Several conversion steps; the MW not converted keep mining."""

    kind: Literal["hybrid"] = "hybrid"
    name: str | None = Field(default=None, description="Label in tables and charts. [text]")
    conversions: Annotated[list[ConversionStep], Field(min_length=1)]

    def steps(self) -> list:
        return list(self.conversions)


CapacityPolicy = Annotated[
    AllMining | ConvertOnDay | ConvertWhenHashpriceBelow | Hybrid, Field(discriminator="kind")
]


class NoUpgrade(Model):
    """The fleets stay as they are."""

    kind: Literal["none"] = "none"


class UpgradeOnPayback(Model):
    """Every ``check_every_days``, replace up to ``max_mw_per_check`` of the least efficient fleet's units with
    a new model when the new units' capex is paid back by their extra margin within ``max_payback_months``
    at that day's hashprice (same megawatts, more TH/s). Capex is paid in cash (then BTC, then debt)."""

    kind: Literal["payback"] = "payback"
    efficiency_j_per_th: float = Field(gt=0, le=500, description="Efficiency of the new model. [J/TH]")
    capex_usd_per_th: float = Field(gt=0, le=1000, description="Price of the new model per TH/s. [USD/(TH/s)]")
    max_payback_months: float = Field(default=18.0, gt=0, le=120, description="Payback to accept. [months]")
    max_mw_per_check: float = Field(default=20.0, gt=0, le=10_000, description="MW replaced per check. [MW]")
    check_every_days: int = Field(default=30, ge=1, le=3650, description="Days between checks. [days]")


UpgradePolicy = Annotated[NoUpgrade | UpgradeOnPayback, Field(discriminator="kind")]


def capacity_label(policy) -> str:
    """Label of a capacity policy in tables and charts."""
    return policy.name or policy.kind


def converted_mw(policy) -> float:
    """Grid MW the policy takes from mining in total. [MW]"""
    return sum(step.mw for step in policy.steps())


def take_mining_mw(fleet_mw, fleet_j_per_th, fleet_site, conversions):
    """Which fleets each conversion takes its MW from, in the order listed: the least efficient fleets first (grid
    J/TH, ties in fleet order), of the conversion's site when it names one (``None``: any site's). ``fleet_mw``:
    each fleet's grid MW free to convert; ``fleet_site``: its site; ``conversions``: (grid MW, site or None) pairs.
    Returns (MW taken, a list of conversions x fleets; the MW each conversion could not find, which is 0 unless the
    steps before it took what it names). [MW]

    >>> take_mining_mw([60.0, 100.0], [30.0, 20.0], ["b", "a"], [(100.0, None), (60.0, "b")])[1]
    [0.0, 60.0]
    """
    order = sorted(range(len(fleet_mw)), key=lambda f: -fleet_j_per_th[f])  # sorted() is stable
    left = [float(mw) for mw in fleet_mw]
    taken, short = [], []
    for mw, site in conversions:
        row = [0.0] * len(left)
        need = float(mw)
        for f in order:
            if need <= 1e-12:
                break
            if site is not None and fleet_site[f] != site:
                continue
            row[f] = min(need, left[f])
            left[f] -= row[f]
            need -= row[f]
        taken.append(row)
        short.append(need if need > 1e-9 * max(float(mw), 1.0) else 0.0)
    return taken, short


def resolve_dates(plan: Any, start_date: date | str) -> Any:
    """A capacity plan (a model or its dict) whose ``convert_on_day`` steps with an ``on_date`` carry the day
    index of that date counted from ``start_date`` (day 0). Other plans and steps come back unchanged. [plan]

    >>> resolve_dates({"kind": "convert_on_day", "on_date": "2024-06-03", "mw": 1.0}, "2024-04-20")["day"]
    44
    """
    start = date.fromisoformat(start_date) if isinstance(start_date, str) else start_date
    if isinstance(plan, Model):
        return type(plan).model_validate(resolve_dates(plan.model_dump(mode="python", exclude_none=True), start))
    if not isinstance(plan, dict):
        return plan
    if plan.get("kind") == "hybrid" and isinstance(plan.get("conversions"), list):
        return {**plan, "conversions": [resolve_dates(step, start) for step in plan["conversions"]]}
    when = plan.get("on_date")
    if plan.get("kind") == "convert_on_day" and when is not None:
        when = date.fromisoformat(when) if isinstance(when, str) else when
        return {**plan, "day": (when - start).days}
    return plan
