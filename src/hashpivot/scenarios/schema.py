"""The scenario language: every input of a run, validated, frozen, round-trippable to TOML."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from hashpivot.domain.base import Model
from hashpivot.policies.capacity import AllMining, CapacityPolicy
from hashpivot.policies.treasury import HoldAll, TreasuryPolicy
from hashpivot.processes.fees import LognormalFees
from hashpivot.processes.hashrate import NetworkHashrateProcess
from hashpivot.processes.power import FlatPower, PowerPriceProcess
from hashpivot.processes.price import BtcPriceProcess
from hashpivot.protocol import RETARGET_INTERVAL_BLOCKS


class RunConfig(Model):
    start_date: date = Field(description="Calendar date of day 0. [date]")
    start_height: int = Field(ge=0, le=6_930_000, description="Block height at the start of day 1. [blocks]")
    horizon_days: int = Field(ge=1, le=36_500, description="Days simulated after day 0. [days]")
    n_paths: int = Field(default=1000, ge=1, le=100_000_000, description="Monte Carlo paths. [paths]")
    seed: int = Field(default=20240420, ge=0, le=2**63 - 1, description="Seed of every random stream. [integer]")
    chunk_paths: int = Field(
        default=1000, ge=1, le=1_000_000, description="Paths simulated together; bounds memory. [paths]"
    )
    store_paths: int = Field(
        default=2000, ge=0, le=1_000_000,
        description="Paths whose monthly series are kept (fan charts); all paths keep terminal values. [paths]",
    )


class DifficultyConfig(Model):
    """Where the difficulty starts and where its 2016-block period stands on day 0."""

    start_ehs: float | None = Field(
        default=None, gt=0, description="Hashrate implied by the difficulty on day 0; None = network hashrate. [EH/s]"
    )
    phase_blocks: int | None = Field(
        default=None, ge=0, lt=RETARGET_INTERVAL_BLOCKS,
        description="Blocks already mined in the current retarget period on day 0; None = start_height mod 2016. [blocks]",
    )

    def retarget_phase_blocks(self, start_height: int) -> int:
        return start_height % RETARGET_INTERVAL_BLOCKS if self.phase_blocks is None else self.phase_blocks


class MarketConfig(Model):
    btc_price: BtcPriceProcess
    network_hashrate: NetworkHashrateProcess
    fees: LognormalFees
    power_price: PowerPriceProcess = Field(default_factory=FlatPower)
    difficulty: DifficultyConfig = Field(default_factory=DifficultyConfig)
    n_halvings_max: int = Field(
        default=64, ge=0, le=64,
        description="Halvings applied at most; 64 = the protocol. RM1 keeps 1.5625 BTC after block "
        "1,050,000, i.e. 5. [halvings]",
    )


class Site(Model):
    name: str = Field(min_length=1, description="Site name, unique in the company. [text]")
    power_mw: float = Field(gt=0, le=10_000, description="Grid capacity of the site. [MW]")
    power_price_usd_per_mwh: float = Field(ge=0, le=1000, description="Contract power price. [USD/MWh]")


class Fleet(Model):
    name: str = Field(min_length=1, description="Fleet name, unique in the company. [text]")
    site: str = Field(min_length=1, description="Name of the site that powers this fleet. [text]")
    hashrate_ehs: float = Field(gt=0, le=10_000, description="Installed hashrate. [EH/s]")
    efficiency_j_per_th: float = Field(gt=0, le=500, description="Energy per terahash. [J/TH]")
    uptime_frac: float = Field(default=0.97, ge=0, le=1, description="Share of the day the fleet hashes. [fraction]")
    pool_fee_frac: float = Field(default=0.02, ge=0, le=1, description="Mining pool fee. [fraction]")

    @property
    def power_mw(self) -> float:
        """Power drawn at full uptime: EH/s x J/TH (1 EH/s at 1 J/TH = 1 MW). [MW]"""
        return self.hashrate_ehs * self.efficiency_j_per_th


class Company(Model):
    name: str = Field(default="Company", min_length=1, description="Company name. [text]")
    sites: Annotated[list[Site], Field(min_length=1)]
    fleets: Annotated[list[Fleet], Field(min_length=1)]
    btc_held: float = Field(default=0.0, ge=0, description="BTC on the balance sheet on day 0. [BTC]")
    cash_usd: float = Field(default=0.0, ge=0, description="Cash on day 0. [USD]")
    debt_usd: float = Field(default=0.0, ge=0, description="Straight debt outstanding (interest only). [USD]")
    debt_rate_per_year: float = Field(default=0.0, ge=0, le=1, description="Cash interest on the debt. [1/year]")
    shares_outstanding: float = Field(default=1e8, gt=0, description="Shares outstanding on day 0. [shares]")
    fixed_opex_usd_per_day: float = Field(default=0.0, ge=0, description="Overheads paid every day. [USD/day]")

    @model_validator(mode="after")
    def _consistent(self) -> Company:
        site_names = [s.name for s in self.sites]
        if len(set(site_names)) != len(site_names):
            raise ValueError(f"company.sites: site names must be unique, got {site_names}")
        fleet_names = [f.name for f in self.fleets]
        if len(set(fleet_names)) != len(fleet_names):
            raise ValueError(f"company.fleets: fleet names must be unique, got {fleet_names}")
        for f in self.fleets:
            if f.site not in site_names:
                raise ValueError(f"company.fleets: fleet {f.name!r} has site={f.site!r}; allowed: {site_names}")
        for s in self.sites:
            load = sum(f.power_mw for f in self.fleets if f.site == s.name)
            if load > s.power_mw * (1 + 1e-9):
                raise ValueError(
                    f"company.sites: site {s.name!r} has power_mw={s.power_mw:g} but its fleets draw "
                    f"{load:g} MW; allowed: fleets' hashrate x J/TH <= power_mw"
                )
        return self

    @property
    def mining_mw(self) -> float:
        return sum(f.power_mw for f in self.fleets)


class PolicyConfig(Model):
    treasury: TreasuryPolicy = Field(default_factory=HoldAll)
    capacity: CapacityPolicy = Field(default_factory=AllMining)


class Scenario(Model):
    """A complete run: ``[run]``, ``[market]``, ``[company]``, ``[policy]`` and the policies to
    ``[[compare]]`` side by side on the same random numbers."""

    name: str = Field(default="scenario", description="Scenario name. [text]")
    description: str = Field(default="", description="What the scenario represents, in words. [text]")
    run: RunConfig
    market: MarketConfig
    company: Company
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    compare: list[TreasuryPolicy] = Field(
        default_factory=list, description="Treasury policies compared with the main one. [list]"
    )

    @model_validator(mode="after")
    def _capacity_fits(self) -> Scenario:
        cap = self.policy.capacity
        if getattr(cap, "mw", 0) > self.company.mining_mw * (1 + 1e-9):
            raise ValueError(
                f"policy.capacity.mw={cap.mw:g} is more than the company mines with "
                f"({self.company.mining_mw:g} MW); allowed: <= {self.company.mining_mw:g}"
            )
        if getattr(cap, "day", 0) > self.run.horizon_days:
            raise ValueError(
                f"policy.capacity.day={cap.day} is after the horizon; allowed: <= run.horizon_days={self.run.horizon_days}"
            )
        labels = [p.label for p in self.treasury_policies()]
        if len(set(labels)) != len(labels):
            raise ValueError(
                f"compare: policy labels {labels} repeat; allowed: unique labels (set `name` on policies of the same kind)"
            )
        return self

    def treasury_policies(self) -> list:
        """The main treasury policy followed by the compared ones."""
        return [self.policy.treasury, *self.compare]
