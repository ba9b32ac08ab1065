"""The scenario language: every input of a run, validated, frozen, round-trippable to TOML."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import (
    GENESIS_DATE,
    LAST_START_DATE,
    MAX_BTC,
    MAX_BTC_PER_MONTH,
    MAX_CASH_USD,
    MAX_DAY,
    MAX_HASHRATE_EHS,
    MAX_SHARES,
    MAX_USD_PER_DAY,
    check_iso_date,
)
from hashpivot.domain.heights import estimated_height, height_tolerance_blocks
from hashpivot.errors import ScenarioError
from hashpivot.policies.capacity import (
    AllMining,
    CapacityPolicy,
    NoUpgrade,
    UpgradePolicy,
    capacity_label,
    converted_mw,
    take_mining_mw,
    resolve_dates,
)
from hashpivot.policies.growth import FleetAddition, GrowthPolicy, NoGrowth, Retirement, resolve_addition_dates
from hashpivot.policies.hedges import Hedge, hedge_label
from hashpivot.policies.treasury import HoldAll, TreasuryPolicy
from hashpivot.processes.fees import LognormalFees
from hashpivot.processes.gpu import FlatGpuRent, GpuRentProcess
from hashpivot.processes.hashrate import NetworkHashrateProcess
from hashpivot.processes.power import FlatPower, PowerPriceProcess
from hashpivot.processes.price import BtcPriceProcess
from hashpivot.protocol import RETARGET_INTERVAL_BLOCKS
from hashpivot.scenarios.sweep import SweepSpec


class RunConfig(Model):
    start_date: date = Field(
        ge=GENESIS_DATE, le=LAST_START_DATE,
        description="Calendar date of day 0, from the genesis block (2009-01-03) to 2100-12-31 (beyond it the "
        "subsidy is near zero and calendars of reports stop). [date]",
    )
    start_height: int = Field(
        ge=0, le=6_930_000,
        description="Block height at the start of day 1, near the chain's on start_date (within 90 days of blocks "
        "and 10 % of the days after 2024-04-20). [blocks]",
    )
    horizon_days: int = Field(ge=1, le=36_500, description="Days simulated after day 0. [days]")
    n_paths: int = Field(default=1000, ge=1, le=100_000_000, description="Monte Carlo paths. [paths]")
    seed: int = Field(default=20240420, ge=0, le=2**63 - 1, description="Seed of every random stream. [integer]")
    chunk_paths: int = Field(
        default=64, ge=1, le=1_000_000,
        description="Paths simulated together; bounds memory (64 keeps a chunk's market arrays in cache). [paths]",
    )
    store_paths: int = Field(
        default=2000, ge=0, le=1_000_000,
        description="Paths whose monthly series are kept (fan charts); all paths keep terminal values. [paths]",
    )

    @model_validator(mode="after")
    def _height_matches_date(self) -> RunConfig:
        # The height sets when the next halving falls: a height copied from a run of another year would halve the
        # subsidy years early or late without a word (domain.heights: the estimate and its tolerance), at the
        # start of day 1 as the height is given
        day_1 = self.start_date + timedelta(days=1)
        expected = estimated_height(day_1)
        tolerance = height_tolerance_blocks(day_1)
        if abs(self.start_height - expected) > tolerance:
            raise ValueError(
                f"run.start_height={self.start_height} with run.start_date={self.start_date.isoformat()}: the chain "
                f"stood near block {expected:,} on day 1 (halving dates, then 144 blocks a day); allowed: a height "
                f"within {tolerance:,} blocks of it, {max(0, expected - tolerance):,} .. {expected + tolerance:,} "
                "(set both together: the height decides when the next halving falls)")
        return self


class DifficultyConfig(Model):
    """Where the difficulty starts and where its 2016-block period stands on day 0."""

    start_ehs: float | None = Field(
        default=None, gt=0, le=MAX_HASHRATE_EHS,
        description="Hashrate implied by the difficulty on day 0; None = network hashrate. [EH/s]"
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
    gpu_rent: GpuRentProcess = Field(default_factory=FlatGpuRent)
    difficulty: DifficultyConfig = Field(default_factory=DifficultyConfig)
    n_halvings_max: int = Field(
        default=64, ge=0, le=64,
        description="Halvings applied at most; 64 = the protocol. RM1 keeps 1.5625 BTC after block "
        "1,050,000, i.e. 5. [halvings]",
    )


#: What a site's power contract lets the miner do with power it does not draw.
POWER_CONTRACTS = ("flexible", "take_or_pay")


class Site(Model):
    """A powered site. Hourly power prices are lognormal around the day's mean price (contract price x the
    market power index) with log-sd ``hourly_price_vol_log`` (0: one price for the whole day); the
    ``curtailable_frac`` of its mining load stops in the hours (or days) when power costs more than it earns. A
    demand-response program (ERCOT-style) calls that load off in a share ``demand_response_call_frac`` of hours, the
    day's highest-priced, up to ``demand_response_cap_hours_per_year``, and pays ``demand_response_usd_per_mwh`` on
    the MWh it calls, whether or not the machines would have been off anyway; economic curtailment outside called
    hours earns only the power it saves.

    Economic shutdown is the default (``curtailable_frac`` 1 under a ``flexible`` contract): a competent operator
    switches machines off when they lose money on power, as every listed miner reports doing (Riot, for one,
    curtails in ERCOT's summer peaks and reports the power credits it earns; docs/assumptions.md). A
    ``take_or_pay`` contract pays for its power whether drawn or not, so switching off saves nothing and the
    machines run (``curtailable_frac`` 0); state it where a site has one."""

    @model_validator(mode="before")
    @classmethod
    def _shutdown_by_contract(cls, data):
        if not isinstance(data, dict) or "curtailable_frac" in data:
            return data
        return {**data, "curtailable_frac": 0.0 if data.get("power_contract") == "take_or_pay" else 1.0}

    @model_validator(mode="after")
    def _take_or_pay_runs(self) -> Site:
        if self.power_contract == "take_or_pay" and self.curtailable_frac > 0:
            raise ValueError(
                f"company.sites.{self.name}.curtailable_frac={self.curtailable_frac:g} with power_contract = "
                "\"take_or_pay\"; allowed: 0 (a take-or-pay contract pays for the power whether drawn or not, so "
                "switching off saves nothing), or power_contract = \"flexible\""
            )
        return self

    @model_validator(mode="after")
    def _credits_need_calls(self) -> Site:
        if self.demand_response_usd_per_mwh > 0 and (self.demand_response_call_frac <= 0
                                                     or self.curtailable_frac <= 0):
            field, value = (("demand_response_call_frac", self.demand_response_call_frac)
                            if self.demand_response_call_frac <= 0 else ("curtailable_frac", self.curtailable_frac))
            raise ValueError(
                f"company.sites.{self.name}.{field}={value:g} with demand_response_usd_per_mwh = "
                f"{self.demand_response_usd_per_mwh:g}: a program pays only on the MWh it calls off the curtailable "
                "load; allowed: demand_response_call_frac and curtailable_frac above 0, or no credit"
            )
        return self

    name: str = Field(min_length=1, description="Site name, unique in the company. [text]")
    power_mw: float = Field(gt=0, le=10_000, description="Grid capacity of the site. [MW]")
    power_price_usd_per_mwh: float = Field(ge=0, le=1000, description="Mean power price paid. [USD/MWh]")
    cooling: Literal["air", "hydro", "immersion"] = Field(default="air", description="Cooling of the miners. [kind]")
    pue_ratio: float = Field(default=1.0, ge=1, le=3, description="Facility power / miners' power. [ratio]")
    power_contract: Literal["flexible", "take_or_pay"] = Field(
        default="flexible", description="flexible: power not drawn is not paid for (switching off saves its cost); "
        "take_or_pay: contracted power is paid for whether drawn or not. [kind]",
    )
    curtailable_frac: float = Field(
        ge=0, le=1, description="Share of the mining load that switches off in the hours (or days) when power costs "
        "more than it earns; default 1 under a flexible contract (economic shutdown), 0 under take-or-pay. [fraction]"
    )
    hourly_price_vol_log: float = Field(
        default=0.0, ge=0, le=3, description="Log-sd of hourly prices around the day's mean. [log USD/MWh]"
    )
    demand_response_usd_per_mwh: float = Field(
        default=0.0, ge=0, le=10_000, description="Credit per MWh of curtailable mining load a demand-response "
        "program calls off (paid on called MWh only, not on economic curtailment). [USD/MWh]"
    )
    demand_response_call_frac: float = Field(
        default=0.0, ge=0, le=1, description="Share of hours in which the site's demand-response program calls its "
        "curtailable load off, taken as the day's highest-price hours. [fraction]"
    )
    demand_response_cap_hours_per_year: float = Field(
        default=8760.0, ge=0, le=8760, description="Most hours a year the program calls (and pays); the count "
        "restarts on each anniversary of the run's start. [hours/year]"
    )


class Fleet(Model):
    name: str = Field(min_length=1, description="Fleet name, unique in the company. [text]")
    site: str = Field(min_length=1, description="Name of the site that powers this fleet. [text]")
    hashrate_ehs: float = Field(gt=0, le=10_000, description="Installed hashrate at stock settings. [EH/s]")
    efficiency_j_per_th: float = Field(gt=0, le=500, description="Energy per terahash at stock settings. [J/TH]")
    uptime_frac: float = Field(default=0.97, ge=0, le=1, description="Share of the day the fleet hashes. [fraction]")
    pool_fee_frac: float = Field(default=0.02, ge=0, le=1, description="Mining pool fee. [fraction]")
    overclock_frac: float = Field(
        default=0.0, ge=0, le=1, description="Extra hashrate from overclocking (immersion sites only). [fraction]"
    )
    overclock_efficiency_penalty_frac: float = Field(
        default=0.0, ge=0, le=1, description="J/TH increase that overclocking costs. [fraction]"
    )
    age_years: float = Field(
        default=0.0, ge=0, le=20, description="Age of the units on day 0, the basis of their wear in the resale "
        "value at the horizon (a fleet bought over years: its hashrate-weighted mean age). [years]",
    )
    price_new_usd_per_th: float | None = Field(
        default=None, ge=0, le=1000,
        description="Price the units cost new, the basis of their resale value (formulas.fleet.resale_usd_per_th); "
        "default: policy.retirement.fleet_price_new_usd_per_th (14, S21 pre-orders of 2023-10). [USD/(TH/s)]",
    )
    derate_frac_per_year: float = Field(
        default=0.0, ge=0, le=0.5, description="Hashrate lost per year of age, at the same power. [fraction/year]"
    )

    @property
    def effective_hashrate_ehs(self) -> float:
        """Hashrate after overclocking. [EH/s]"""
        return self.hashrate_ehs * (1.0 + self.overclock_frac)

    @property
    def effective_efficiency_j_per_th(self) -> float:
        """J/TH after overclocking. [J/TH]"""
        return self.efficiency_j_per_th * (1.0 + self.overclock_efficiency_penalty_frac)

    @property
    def power_mw(self) -> float:
        """Power the miners draw at full uptime: EH/s x J/TH (1 EH/s at 1 J/TH = 1 MW), before PUE. [MW]"""
        return self.effective_hashrate_ehs * self.effective_efficiency_j_per_th


#: The most decimals a published figure may carry (``btc_decimals``, ``hashrate_decimals``): a millionth of an
#: EH/s is a TH/s; no company publishes finer. [decimals]
MAX_PUBLISHED_DECIMALS = 6


def written_decimals(value: float | int | str) -> int:
    """Decimals a figure is written with: a string as written ("10.940" -> 3, "10" -> 0), an integer 0, a float
    its shortest repr ("10.0" -> 1, 9.414 -> 3, 1e-05 -> 5). [decimals]

    >>> written_decimals(9.2), written_decimals(27.4), written_decimals(10.0), written_decimals(10)
    (1, 1, 1, 0)
    >>> written_decimals("10.940"), written_decimals(" 230 "), written_decimals(1e-05), written_decimals(2e16)
    (3, 0, 5, 0)
    """
    from decimal import Decimal, InvalidOperation

    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return 0
    text = value.strip() if isinstance(value, str) else repr(float(value))
    try:
        exponent = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return 0  # not a number: the field's own validation names it
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _decimals_as_written(data: Any, value_field: str, decimals_field: str) -> Any:
    """Before validation: where ``decimals_field`` is not given and ``value_field`` arrives as an integer or as
    text (a CSV cell), record the decimals it is written with, which the float it becomes no longer shows."""
    if isinstance(data, dict) and data.get(decimals_field) is None:
        raw = data.get(value_field)
        if isinstance(raw, (int, str)) and not isinstance(raw, bool):
            return {**data, decimals_field: written_decimals(raw)}
    return data


def _check_inferred_decimals(value: float, decimals: int | None, value_field: str, decimals_field: str,
                             month: str) -> None:
    """A float whose shortest repr has more than MAX_PUBLISHED_DECIMALS decimals (0.1 + 0.2) and no explicit count
    is not a published figure: say so, naming the field, rather than read a precision nobody published."""
    if decimals is None and written_decimals(value) > MAX_PUBLISHED_DECIMALS:
        raise ValueError(f"month {month!r}: {value_field}={value!r} is written with {written_decimals(value)} "
                         f"decimals; allowed: at most {MAX_PUBLISHED_DECIMALS} (round it as published, or set "
                         f"{decimals_field} to the decimals published, 0..{MAX_PUBLISHED_DECIMALS})")


class ReportedProduction(Model):
    """A month of production the company reported, for side-by-side comparison in a replay."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Calendar month, YYYY-MM. [month]")
    mined_btc: float = Field(ge=0, le=MAX_BTC_PER_MONTH, description="BTC the company reported mining that month. [BTC]")
    n_blocks_won: int | None = Field(
        default=None, ge=0, le=10_000,
        description="Blocks its own pool found that month, where it reports them (MARA); the direct test of block "
        "luck. [blocks]",
    )
    btc_decimals: int | None = Field(
        default=None, ge=0, le=MAX_PUBLISHED_DECIMALS, strict=True,
        description="Decimals of mined_btc as the company published it ('230 BTC': 0, '269.5 BTC': 1); the replay "
        "reads the figure as mined_btc -/+ half a unit of its last digit. Default: the decimals the value is written "
        "with (an integer: 0; a float: its shortest repr, 269.5 -> 1, 230.0 -> 1). [decimals]",
    )
    source: str = Field(min_length=1, description="Where the figure comes from (URL, document, date). [text]")

    @model_validator(mode="before")
    @classmethod
    def _btc_decimals_as_written(cls, data: Any) -> Any:
        return _decimals_as_written(data, "mined_btc", "btc_decimals")

    @model_validator(mode="after")
    def _btc_decimals_allowed(self) -> ReportedProduction:
        _check_inferred_decimals(self.mined_btc, self.btc_decimals, "mined_btc", "btc_decimals", self.month)
        return self

    @property
    def published_btc_decimals(self) -> int:
        """Decimals of mined_btc as published: ``btc_decimals``, else those of its shortest repr. [decimals]"""
        return self.btc_decimals if self.btc_decimals is not None else written_decimals(self.mined_btc)


#: Kinds of a reported hashrate: the month's average operating hashrate, or the hashrate energized
#: (plugged in) or deployed (installed) at the month's end.
HASHRATE_KINDS = ("average_operating", "energized_month_end", "deployed_month_end")


def _from_published_unit(data: dict) -> dict:
    """A reported row saved with the former ``published_unit_ehs`` (the published figure's unit in EH/s: 0.1, 0.001)
    read as its ``hashrate_decimals`` (1, 3), so that a file saved before the field was renamed still loads; a unit
    that is not a power of ten below 1 EH/s is refused, naming it."""
    data = dict(data)
    unit = data.pop("published_unit_ehs")
    if unit is None or "hashrate_decimals" in data:
        return data
    decimals = round(-math.log10(unit)) if isinstance(unit, (int, float)) and unit > 0 else -1
    if not 0 <= decimals <= MAX_PUBLISHED_DECIMALS or not math.isclose(unit, 10.0 ** -decimals, rel_tol=1e-9):
        raise ValueError(f"published_unit_ehs={unit!r} (the former name of hashrate_decimals); allowed: a power of ten "
                         f"from 1 to 1e-{MAX_PUBLISHED_DECIMALS} EH/s, or hashrate_decimals "
                         f"(0..{MAX_PUBLISHED_DECIMALS})")
    data["hashrate_decimals"] = decimals
    return data


class HashrateReported(Model):
    """A month of hashrate the company reported (its monthly production update), for replays."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Calendar month, YYYY-MM. [month]")
    hashrate_ehs: float = Field(ge=0, le=10_000, description="Self-mining hashrate reported. [EH/s]")
    hashrate_decimals: int | None = Field(
        default=None, ge=0, le=MAX_PUBLISHED_DECIMALS, strict=True,
        description="Decimals of hashrate_ehs (in EH/s) as the company published it ('9.2 EH/s': 1, '29.0 EH/s': 1, "
        "'10,940 PH/s' = 10.940 EH/s: 3); the replay reads the figure as hashrate_ehs -/+ half a unit of its last "
        "digit. Default: the decimals the value is written with (an integer: 0; a float: its shortest repr, 9.2 -> 1, "
        "29.0 -> 1, 10.94 -> 2; a --hashrate CSV cell as written). [decimals]",
    )
    kind: Literal["average_operating", "energized_month_end", "deployed_month_end"] = Field(
        description="What the figure measures: average_operating over the month, or energized/deployed at "
        "the month's end. [kind]"
    )
    source: str = Field(min_length=1, description="Publisher, date and link of the figure. [text]")
    curtailed_frac: float = Field(
        default=0.0, ge=0, lt=1,
        description="Share of the month's hours the company reported its fleet curtailed (demand response, economic "
        "curtailment), where the hashrate figure does not already net it out: a month-end energized or deployed "
        "figure, or an average taken over the hours it ran; the replay then expects (1 - curtailed_frac) x what the "
        "hashrate earns. An 'average operating hash rate' over the whole month already nets curtailment out and takes "
        "none (docs/assumptions.md, Riot). [fraction]",
    )
    curtailed_source: str | None = Field(
        default=None, min_length=1,
        description="Publisher, date and link of the curtailment reported, and the arithmetic where it is derived "
        "(curtailed MWh / (MW x the month's hours)); required when curtailed_frac > 0. [text]",
    )

    @model_validator(mode="before")
    @classmethod
    def _hashrate_decimals_as_written(cls, data: Any) -> Any:
        if isinstance(data, dict) and "published_unit_ehs" in data:
            data = _from_published_unit(data)
        return _decimals_as_written(data, "hashrate_ehs", "hashrate_decimals")

    @model_validator(mode="after")
    def _hashrate_decimals_allowed(self) -> HashrateReported:
        _check_inferred_decimals(self.hashrate_ehs, self.hashrate_decimals, "hashrate_ehs", "hashrate_decimals",
                                 self.month)
        return self

    @property
    def published_hashrate_decimals(self) -> int:
        """Decimals of hashrate_ehs as published: ``hashrate_decimals``, else those of its shortest repr.
        [decimals]"""
        return self.hashrate_decimals if self.hashrate_decimals is not None else written_decimals(self.hashrate_ehs)

    @model_validator(mode="after")
    def _curtailment_sourced(self) -> HashrateReported:
        if self.curtailed_frac > 0 and not self.curtailed_source:
            raise ValueError(f"hashrate_reported month {self.month!r}: curtailed_frac={self.curtailed_frac} has no "
                             "curtailed_source; allowed: a curtailment with its source (publisher, date, link)")
        return self


#: Kinds of a debt tranche: a term loan amortises linearly, a note repays its principal at maturity (bullet).
DEBT_KINDS = ("term_loan", "note")
#: What a tranche does on its maturity day when the company could repay it (``DebtTranche.on_maturity``).
MATURITY_ACTIONS = ("repay", "refinance")
#: Covenant metrics: liquidity (cash + BTC held, unpledged, at the day's price) at least the threshold [USD]; net
#: debt over the trailing 365 days' operating margin (annualised) at most the threshold [ratio].
COVENANT_METRICS = ("min_liquidity_usd", "max_leverage")
#: What a covenant breach does besides blocking refinancing (``Covenant.on_breach``).
BREACH_ACTIONS = ("block_refinancing", "accelerate")
#: Days between covenant tests by default: a quarter (365 / 4, rounded down), as the WhiteHawk credit agreement of
#: Stronghold Digital Mining tests its leverage at each quarter end (SEC 8-K exhibit 99.1, 2023-02,
#: sec.gov/Archives/edgar/data/1856028/000114036123004861/ny20006440x9_ex99-1.htm). [days]
QUARTER_DAYS = 91


class DebtTranche(Model):
    """A tranche of debt outstanding on day 0 (``[[company.debt]]``), with a maturity. Interest is paid in cash each
    day at ``rate_per_year`` / 365 on the day's opening principal. A ``term_loan`` also repays principal each day
    (linear amortisation: ``amortization_frac_per_year`` of the day-0 principal a year, / 365 a day; by default the
    straight line that reaches zero on the maturity day); a ``note`` repays all of it on the maturity day (bullet).
    Real term loans amortise monthly or quarterly (Stronghold's WhiteHawk loan about 1.6 M USD a month, SEC 8-K
    exhibit 99.1, 2023-02); the engine is daily, so the same principal is repaid a day at a time.

    On the maturity day what is left is repaid from cash, then by selling BTC and drawing the credit facility (in
    the order the treasury policy allows); what the company cannot repay is refinanced at ``rate_per_year +
    refinance_spread_per_year`` for ``refinance_term_days`` if the tranche can be refinanced (a spread is set) and
    every covenant holds that day; otherwise the path is insolvent that day. With ``on_maturity = "refinance"`` the
    whole principal is refinanced whenever it can be (the company keeps its BTC)."""

    name: str = Field(min_length=1, description="Tranche name, unique in the company. [text]")
    kind: Literal["term_loan", "note"] = Field(
        description="term_loan: amortises linearly to its maturity; note: the principal is repaid at maturity "
        "(bullet). [kind]"
    )
    principal_usd: float = Field(ge=0, le=MAX_CASH_USD, description="Principal outstanding on day 0. [USD]")
    rate_per_year: float = Field(ge=0, le=1, description="Cash interest on the principal. [1/year]")
    maturity_date: date = Field(
        ge=GENESIS_DATE, le=date(2200, 12, 31),
        description="Calendar date the principal left is due; after run.start_date. [date]",
    )
    amortization_frac_per_year: float | None = Field(
        default=None, ge=0, le=1,
        description="Term loans: share of the day-0 principal repaid a year, paid daily; None = the straight line "
        "that reaches zero at maturity. Notes: none. [fraction/year]",
    )
    refinance_spread_per_year: float | None = Field(
        default=None, ge=0, le=1,
        description="Spread over rate_per_year at which the lender refinances the tranche at maturity when every "
        "covenant holds; None = the tranche cannot be refinanced (it must be repaid). [1/year]",
    )
    refinance_term_days: int = Field(
        default=3 * 365, ge=1, le=MAX_DAY,
        description="Term of a refinanced tranche, from its refinancing day; default three years, the term of "
        "Stronghold's WhiteHawk secured loan (36 months, 2022-10). [days]",
    )
    on_maturity: Literal["repay", "refinance"] = Field(
        default="repay",
        description="repay: repay from cash and BTC, refinance only what cannot be repaid; refinance: refinance "
        "the whole principal when allowed. [kind]",
    )

    @model_validator(mode="after")
    def _amortises_if_term_loan(self) -> DebtTranche:
        if self.kind == "note" and self.amortization_frac_per_year:
            raise ValueError(
                f"company.debt.{self.name}.amortization_frac_per_year={self.amortization_frac_per_year:g} with kind "
                "= \"note\"; allowed: none (a note repays its principal at maturity), or kind = \"term_loan\""
            )
        return self

    def maturity_day(self, start_date: date) -> int:
        """Day index of the maturity date counted from ``start_date`` (day 0). [day]

        >>> DebtTranche(name="n", kind="note", principal_usd=1.0, rate_per_year=0.0,
        ...             maturity_date=date(2024, 6, 3)).maturity_day(date(2024, 4, 20))
        44
        """
        return (self.maturity_date - start_date).days


class Covenant(Model):
    """A financial covenant of the company's debt (``[[company.covenants]]``), tested every ``test_every_days``
    (day ``test_every_days``, twice that, ...) and on each maturity day while a tranche or the straight debt is
    outstanding. ``min_liquidity_usd``: cash + BTC held (unpledged) at the day's price must stay at least
    ``threshold`` [USD], as Stronghold's WhiteHawk agreement requires 'unrestricted cash plus Bitcoin' of 2.5-7.5 M
    USD at all times; ``max_leverage``: net debt (all debt less cash) over the operating margin of the trailing 365
    days (annualised while the run is younger; EBITDA before capex and interest) must stay at most ``threshold``
    [ratio], as the same agreement tests net debt to EBITDA at 4.0 x each quarter (SEC 8-K exhibit 99.1, 2023-02,
    sec.gov/Archives/edgar/data/1856028/000114036123004861/ny20006440x9_ex99-1.htm). Net debt over a margin rather
    than debt over NAV: a miner's NAV is mostly its BTC at market, which the BTC-backed loans' LTV already tests,
    while a lender of a term loan sizes it to the cash flows that service it. A breach blocks refinancing that day;
    ``on_breach = "accelerate"`` makes every tranche and the straight debt due at once."""

    @model_validator(mode="after")
    def _names_missing_metric(self) -> Covenant:
        if self.metric is None:
            raise ValueError(
                "company.covenants: a covenant with no metric; allowed: metric = "
                + " or ".join(f'"{m}"' for m in COVENANT_METRICS)
            )
        return self

    name: str = Field(default="", description="Label in the results; default: the metric and its row. [text]")
    metric: Literal["min_liquidity_usd", "max_leverage"] | None = Field(
        default=None,
        description="Required. min_liquidity_usd: cash + free BTC at market >= threshold [USD]; max_leverage: net "
        "debt / trailing 365-day operating margin <= threshold [ratio]. [kind]",
    )
    threshold: float = Field(ge=0, le=MAX_CASH_USD, description="Limit of the metric: USD for min_liquidity_usd, a ratio for max_leverage. [unit of the metric]")
    test_every_days: int = Field(
        default=QUARTER_DAYS, ge=1, le=MAX_DAY,
        description="Days between tests; default 91, a quarter (Stronghold's WhiteHawk agreement tests quarterly). "
        "[days]",
    )
    on_breach: Literal["block_refinancing", "accelerate"] = Field(
        default="block_refinancing",
        description="block_refinancing: a breach only blocks refinancing on its day; accelerate: the debt is due at "
        "once. [kind]",
    )


class SpinOff(Model):
    """Sites moved on ``on_date`` into an entity of which the company keeps ``retained_frac`` (Hut 8 kept 80 % of
    American Bitcoin, its spun-off mining business, ir.hut8.com news of 2025-03-31). From that date the sites' flows
    (their fleets' mining, their AI/HPC projects) are the entity's: the company still consolidates them (it controls
    the entity), and its attributable figures take the other holders' share of the entity's NAV off. The entity's
    NAV: the net cash its sites made since the spin-off (revenue - opex - capex; *assumption*: it starts with no
    cash, BTC or debt of its own and the overheads stay with the parent), plus, where the company's NAV counts them
    (``nav_basis = "with_contracts"``), what its sites still hold at the horizon: their fleets' resale value and
    what their AI/HPC contracts still pay. The stake is valued at that NAV or at a stated multiple of the entity's
    EH/s or MW (``valuation``)."""

    name: str = Field(min_length=1, description="The entity's name. [text]")
    on_date: date = Field(description="Day the sites pass to the entity; a date before run.start_date: from day 1. [date]")
    sites: Annotated[list[str], Field(min_length=1)] = Field(description="Sites moved into the entity. [names]")
    retained_frac: float = Field(gt=0, le=1, description="Share of the entity the company keeps. [fraction]")
    valuation: Literal["nav", "ev_per_ehs", "ev_per_mw"] = Field(
        default="nav", description="How the stake is valued: the entity's own NAV, or multiple_usd x its self-mining "
        "EH/s on day 0 or x its sites' grid MW. [kind]",
    )
    multiple_usd: float | None = Field(
        default=None, gt=0, le=1e12, description="The multiple, with valuation ev_per_ehs or ev_per_mw (e.g. a "
        "peer's in domain/facts/peer_multiples.csv). [USD per EH/s or per MW]",
    )
    source: str = Field(default="", description="Where the terms come from. [text]")

    @model_validator(mode="after")
    def _multiple_with_its_kind(self) -> SpinOff:
        if self.valuation != "nav" and self.multiple_usd is None:
            raise ValueError(f"company.spin_offs.{self.name}.multiple_usd is missing with valuation = "
                             f"{self.valuation!r}; allowed: a multiple > 0, or valuation = \"nav\"")
        if self.valuation == "nav" and self.multiple_usd is not None:
            raise ValueError(f"company.spin_offs.{self.name}.multiple_usd={self.multiple_usd:g} with valuation = "
                             "\"nav\"; allowed: no multiple, or valuation ev_per_ehs / ev_per_mw")
        return self


class Company(Model):
    name: str = Field(default="Company", min_length=1, description="Company name. [text]")
    sites: Annotated[list[Site], Field(min_length=1)]
    fleets: Annotated[list[Fleet], Field(min_length=1)]
    btc_held: float = Field(default=0.0, ge=0, le=MAX_BTC, description="BTC on the balance sheet on day 0. [BTC]")
    cash_usd: float = Field(default=0.0, ge=0, le=MAX_CASH_USD, description="Cash on day 0. [USD]")
    debt_usd: float = Field(default=0.0, ge=0, le=MAX_CASH_USD, description="Straight debt outstanding (interest only). [USD]")
    debt_rate_per_year: float = Field(default=0.0, ge=0, le=1, description="Cash interest on the debt. [1/year]")
    debt: list[DebtTranche] = Field(
        default_factory=list,
        description="Tranches of debt with maturities (term loans, notes); none by default. [list]",
    )
    covenants: list[Covenant] = Field(
        default_factory=list, description="Financial covenants of the debt; none by default. [list]"
    )
    credit_facility_usd: float = Field(
        default=0.0, ge=0, le=MAX_CASH_USD,
        description="Undrawn credit facility that covers cash shortfalls (e.g. capex); repaid from cash as "
        "credit_repaid_from_cash says. [USD]"
    )
    credit_rate_per_year: float = Field(
        default=0.10, ge=0, le=1, description="Cash interest on the drawn facility. [1/year]"
    )
    credit_repaid_from_cash: bool = Field(
        default=True,
        description="True: the facility is a revolver, each day's cash above the runway floor repays what is "
        "drawn (a treasurer does not pay interest on a draw while cash piles up); False: term funding (notes, a "
        "prepayment) that stays drawn to the horizon. [flag]",
    )
    shares_outstanding: float = Field(default=1e8, ge=1, le=MAX_SHARES, description="Shares outstanding on day 0. [shares]")
    fixed_opex_usd_per_day: float = Field(default=0.0, ge=0, le=MAX_USD_PER_DAY, description="Overheads paid every day. [USD/day]")
    nav_basis: Literal["with_contracts", "balance_sheet"] = Field(
        default="with_contracts", description="with_contracts: NAV is BTC at market + cash - debt plus what the AI/HPC "
        "contracts still pay, discounted (a lease with years left is worth its remaining rent, not zero); "
        "balance_sheet: BTC at market + cash - debt only (RM1's definition). [kind]",
    )
    contract_discount_rate_per_year: float = Field(
        default=0.0775, ge=0, le=1, description="Discount rate of contracted AI/HPC flows in NAV; default the 7.75 % "
        "coupon of TeraWulf's senior secured notes backed by its Fluidstack/Google-backstopped leases (WULF Compute "
        "8-K, 2025-10, stocktitan.net/sec-filings/WULF/8-k-terawulf-inc-reports-material-event-28195fa94c50.html), "
        "the market's yield on a miner's contracted hosting rent. [1/year]",
    )
    equity_discount_rate_per_year: float = Field(
        default=0.16, ge=0, le=1, description="Discount rate of the free cash flow to equity in the DCF value "
        "(dcf_equity_usd, ev_usd); default by CAPM: 4.3 % (the 10-year US Treasury yield through 2025, FRED DGS10) "
        "+ beta 2.5 x 4.6 % market risk premium (MARA's beta 1.9-3.0 and the 4.6 % premium in valueinvesting.io's "
        "MARA valuations of 2024-12 to 2025-10), so 15.8 %, rounded up. [1/year]",
    )
    spin_offs: list[SpinOff] = Field(
        default_factory=list, description="Sites spun off into entities the company keeps a share of. [list]"
    )
    reported_production: list[ReportedProduction] = Field(
        default_factory=list, description="Monthly production the company reported (for replays). [list]"
    )
    hashrate_reported: list[HashrateReported] = Field(
        default_factory=list, description="Monthly self-mining hashrate the company reported (for replays). [list]"
    )
    payout_scheme: Literal["fpps", "pps_plus", "own_pool"] = Field(
        default="fpps",
        description="How the pool pays: fpps/pps_plus pay the expectation of the hashrate, own_pool takes the "
        "luck of the blocks found. [kind]",
    )
    fleet_additions: list[FleetAddition] = Field(
        default_factory=list, description="Machines ordered on given dates: capex on the order date, hashing "
        "after their lead time (policies.growth). [list]"
    )
    ownership_frac: dict[Literal["mining", "colocation_lease", "site_lease", "gpu_cloud"],
                         Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=dict,
        description="Share of each segment the company owns (Hut 8 keeps 80 % of American Bitcoin's mining); "
        "figures are consolidated, attributable ones scale by it; missing = 1. [fraction]",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Company:
        for segment, frac in self.ownership_frac.items():
            if not 0.0 < frac <= 1.0:
                raise ValueError(f"company.ownership_frac.{segment}={frac}: allowed a fraction in (0, 1]")
        for field in ("hashrate_reported", "reported_production"):
            months = [r.month for r in getattr(self, field)]
            twice = sorted({m for m in months if months.count(m) > 1})
            if twice:
                raise ValueError(f"company.{field}: month {twice[0]!r} is listed twice; allowed: one row per month")
        debt_names = [d.name for d in self.debt]
        if len(set(debt_names)) != len(debt_names):
            raise ValueError(f"company.debt: tranche names must be unique, got {debt_names}")
        site_names = [s.name for s in self.sites]
        if len(set(site_names)) != len(site_names):
            raise ValueError(f"company.sites: site names must be unique, got {site_names}")
        if self.spin_offs and self.ownership_frac:
            raise ValueError("company.ownership_frac and company.spin_offs are both set; allowed: one of them (a "
                             "share of a segment from day 0, or named sites spun off on a date), not both, which "
                             "would count the other holders twice")
        spun: dict[str, str] = {}
        if len({x.name for x in self.spin_offs}) != len(self.spin_offs):
            raise ValueError(f"company.spin_offs: names {[x.name for x in self.spin_offs]} repeat; allowed: unique")
        for x in self.spin_offs:
            for site in x.sites:
                if site not in site_names:
                    raise ValueError(f"company.spin_offs.{x.name}.sites: {site!r}; allowed: a site of the company "
                                     f"({', '.join(site_names)})")
                if site in spun:
                    raise ValueError(f"company.spin_offs.{x.name}.sites: {site!r} is already spun off into "
                                     f"{spun[site]!r}; allowed: a site in one spin-off")
                spun[site] = x.name
        fleet_names = [f.name for f in self.fleets]
        if len(set(fleet_names)) != len(fleet_names):
            raise ValueError(f"company.fleets: fleet names must be unique, got {fleet_names}")
        for f in self.fleets:
            if f.site not in site_names:
                raise ValueError(f"company.fleets: fleet {f.name!r} has site={f.site!r}; allowed: {site_names}")
        sites = {s.name: s for s in self.sites}
        for f in self.fleets:
            if (f.overclock_frac or f.overclock_efficiency_penalty_frac) and sites[f.site].cooling != "immersion":
                raise ValueError(
                    f"company.fleets: fleet {f.name!r} is overclocked on site {f.site!r} cooled by "
                    f"{sites[f.site].cooling!r}; allowed: overclocking on immersion-cooled sites only"
                )
        for s in self.sites:
            load = self.site_load_mw(s.name)
            if load > s.power_mw * (1 + 1e-9):
                raise ValueError(
                    f"company.sites: site {s.name!r} has power_mw={s.power_mw:g} but its fleets draw "
                    f"{load:g} MW; allowed: fleets' hashrate x J/TH x PUE <= power_mw"
                )
        self._additions_fit(site_names)
        return self

    def addition_labels(self) -> list[str]:
        """Labels of the fleet additions, in order: their name, else addition_<n>."""
        return [a.name or f"addition_{i + 1}" for i, a in enumerate(self.fleet_additions)]

    def _additions_fit(self, site_names: list[str]) -> None:
        labels = self.addition_labels()
        if len(set(labels)) != len(labels) or set(labels) & {f.name for f in self.fleets}:
            raise ValueError(f"company.fleet_additions: labels {labels} repeat or name a fleet; allowed: unique "
                             "names (set `name`)")
        load = {s.name: self.site_load_mw(s.name) for s in self.sites}
        pue = {s.name: s.pue_ratio for s in self.sites}
        power = {s.name: s.power_mw for s in self.sites}
        for label, a in zip(labels, self.fleet_additions, strict=True):
            if a.site not in site_names:
                raise ValueError(f"company.fleet_additions.{label}.site={a.site!r}; allowed: a site of the company "
                                 f"({', '.join(site_names)})")
            load[a.site] += a.hashrate_ehs * a.efficiency_j_per_th * pue[a.site]
            if load[a.site] > power[a.site] * (1 + 1e-9):
                raise ValueError(
                    f"company.fleet_additions.{label}: hashrate_ehs={a.hashrate_ehs:g} at {a.efficiency_j_per_th:g} "
                    f"J/TH brings site {a.site!r} to {load[a.site]:g} MW; allowed: fleets and additions' hashrate x "
                    f"J/TH x PUE <= power_mw={power[a.site]:g}"
                )

    def installed_ehs(self) -> float:
        """Hashrate of the fleets on day 0, overclocking included. [EH/s]"""
        return sum(f.effective_hashrate_ehs for f in self.fleets)

    def site_load_mw(self, site: str) -> float:
        """Grid power the fleets of ``site`` draw, PUE included. [MW]"""
        pue = next(s.pue_ratio for s in self.sites if s.name == site)
        return sum(f.power_mw for f in self.fleets if f.site == site) * pue

    def fleets_at_grid(self) -> list[tuple[float, float]]:
        """Each fleet's grid power and grid efficiency, its site's PUE included: what a conversion takes from it
        (the validator and engine.plan take the same MW). [(MW, J/TH)]"""
        pue = {site.name: site.pue_ratio for site in self.sites}
        return [(f.power_mw * pue[f.site], f.effective_efficiency_j_per_th * pue[f.site]) for f in self.fleets]

    @property
    def mining_mw(self) -> float:
        """Grid power of all fleets, PUE included. [MW]"""
        return sum(self.site_load_mw(s.name) for s in self.sites)


class PolicyConfig(Model):
    treasury: TreasuryPolicy = Field(default_factory=HoldAll)
    capacity: CapacityPolicy = Field(default_factory=AllMining)
    upgrade: UpgradePolicy = Field(default_factory=NoUpgrade)
    growth: GrowthPolicy = Field(default_factory=NoGrowth)
    retirement: Retirement = Field(default_factory=Retirement)


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
    compare_capacity: list[CapacityPolicy] = Field(
        default_factory=list, description="Capacity plans compared with the main one. [list]"
    )
    sweep: SweepSpec | None = Field(
        default=None, description="Variants of this scenario run side by side (``hashpivot sweep``). [table]"
    )
    hedges: list[Hedge] = Field(
        default_factory=list,
        description="Hedges and BTC-backed loans held under every plan and policy (policies.hedges). [list]",
    )

    def replace(self, path: str, value: Any) -> Scenario:
        """A validated copy with the field at dotted ``path`` set to ``value``; list items by ``name`` or index
        (``company.sites.main.power_price_usd_per_mwh``, :mod:`hashpivot.scenarios.paths`). A bad path or value
        raises a ``ScenarioError`` naming the path, the value and what is allowed. A ``[sweep]`` table is dropped
        (the copy is one variant).

        >>> from hashpivot.scenarios.toml import load_preset
        >>> load_preset("rm1").replace("company.sites.main.power_price_usd_per_mwh", 38).company.sites[0].power_price_usd_per_mwh
        38.0
        """
        from pydantic import ValidationError

        from hashpivot.scenarios.paths import apply_values
        from hashpivot.scenarios.validation import format_errors

        where = f"{path} = {value!r}"
        try:
            data = apply_values(self.model_dump(mode="python"), {path: value})
            return type(self).model_validate(data)
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        except ValidationError as exc:
            raise ScenarioError(f"{where}: {format_errors(exc, f'{self.name} with {where}', type(self))}") from None

    @model_validator(mode="before")
    @classmethod
    def _dates_to_days(cls, data):
        # Conversions dated by the calendar become day indices here, when the scenario is built for a run:
        # the engine stays date-free.
        if not isinstance(data, dict) or not isinstance(data.get("run"), dict) or "start_date" not in data["run"]:
            return data
        start = data["run"]["start_date"]
        try:
            check_iso_date("run.start_date", start)
        except ValueError:
            return data  # the field's own validation names it (a start date like 'yesterday' or 2024-02-30)
        out = dict(data)
        if isinstance(out.get("policy"), dict) and "capacity" in out["policy"]:
            out["policy"] = {**out["policy"], "capacity": resolve_dates(out["policy"]["capacity"], start)}
        if isinstance(out.get("compare_capacity"), list):
            out["compare_capacity"] = [resolve_dates(p, start) for p in out["compare_capacity"]]
        if isinstance(out.get("company"), dict) and "fleet_additions" in out["company"]:
            out["company"] = {**out["company"],
                              "fleet_additions": resolve_addition_dates(out["company"]["fleet_additions"], start)}
        return out

    @model_validator(mode="after")
    def _capacity_fits(self) -> Scenario:
        for where, plan in self._labelled_capacity():
            total = converted_mw(plan)
            if total > self.company.mining_mw * (1 + 1e-9):
                raise ValueError(
                    f"{where}: converts {total:g} MW; allowed: at most the company's mining MW "
                    f"({self.company.mining_mw:g})"
                )
            sites = {site.name: self.company.site_load_mw(site.name) for site in self.company.sites}
            by_site: dict[str, float] = {}
            for step in plan.steps():
                if step.site is not None:
                    if step.site not in sites:
                        raise ValueError(f"{where}: site={step.site!r}; allowed: a site of the company "
                                         f"({', '.join(sites)})")
                    by_site[step.site] = by_site.get(step.site, 0.0) + step.mw
                    if by_site[step.site] > sites[step.site] * (1 + 1e-9):
                        raise ValueError(
                            f"{where}: converts {by_site[step.site]:g} MW of site {step.site!r}; allowed: at most "
                            f"its mining MW ({sites[step.site]:g})")
                if getattr(step, "day", 0) > self.run.horizon_days:
                    raise ValueError(
                        f"{where}: day={step.day} is after the horizon; allowed: <= run.horizon_days="
                        f"{self.run.horizon_days}"
                    )
            # In the engine's order: a step naming no site takes the least efficient fleets of any site first, so
            # a later step naming that site may find its MW gone (engine.plan takes them the same way).
            grid = self.company.fleets_at_grid()
            steps = list(plan.steps())
            _, short = take_mining_mw([mw for mw, _ in grid], [j_per_th for _, j_per_th in grid],
                                      [f.site for f in self.company.fleets], [(step.mw, step.site) for step in steps])
            for i, (step, missing) in enumerate(zip(steps, short, strict=True)):
                if missing > 0.0:
                    name = step.name or f"step {i + 1}"
                    raise ValueError(
                        f"{where}: {name} converts {step.mw:g} MW of site {step.site!r} but only "
                        f"{step.mw - missing:g} MW of it still mine after the steps before it (a step naming no "
                        "site takes the least efficient fleets of any site first); allowed: at most that, or name "
                        "each step's site")
        labels = [p.label for p in self.treasury_policies()]
        if len(set(labels)) != len(labels):
            raise ValueError(
                f"compare: policy labels {labels} repeat; allowed: unique labels (set `name` on policies of the same kind)"
            )
        for pol in self.treasury_policies():  # a note issued after the horizon would silently do nothing
            if getattr(pol, "issue_day", 0) > self.run.horizon_days:
                raise ValueError(f"{pol.label}: issue_day={pol.issue_day} is after the horizon; allowed: <= "
                                 f"run.horizon_days={self.run.horizon_days}")
        self._hedges_fit()
        self._growth_fits()
        for x in self.company.spin_offs:
            if (x.on_date - self.run.start_date).days > self.run.horizon_days:
                raise ValueError(f"company.spin_offs.{x.name}.on_date={x.on_date.isoformat()}: after the horizon; "
                                 f"allowed: a date up to run.start_date + run.horizon_days={self.run.horizon_days}")
        for d in self.company.debt:
            if d.maturity_date <= self.run.start_date:
                raise ValueError(
                    f"company.debt.{d.name}.maturity_date={d.maturity_date.isoformat()}; allowed: after "
                    f"run.start_date={self.run.start_date.isoformat()}"
                )
        cap_labels = [capacity_label(p) for p in self.capacity_policies()]
        if len(set(cap_labels)) != len(cap_labels):
            raise ValueError(
                f"compare_capacity: plan labels {cap_labels} repeat; allowed: unique labels (set `name`)"
            )
        return self

    def _growth_fits(self) -> None:
        company = self.company
        for label, a in zip(company.addition_labels(), company.fleet_additions, strict=True):
            if a.day is None or a.day < 1 or a.day > self.run.horizon_days:
                raise ValueError(
                    f"company.fleet_additions.{label}.on_date={a.on_date.isoformat()}: day {a.day} of the run; "
                    f"allowed: a date after run.start_date={self.run.start_date.isoformat()} and within the horizon "
                    f"(days 1 to run.horizon_days={self.run.horizon_days})"
                )
        growth = self.policy.growth
        if growth.kind == "none":
            return
        sites = [s.name for s in company.sites]
        if growth.site not in sites:
            raise ValueError(f"policy.growth.site={growth.site!r}; allowed: a site of the company ({', '.join(sites)})")
        if growth.kind == "buy_toward_target":
            today = company.installed_ehs() + sum(a.hashrate_ehs for a in company.fleet_additions)
            if growth.target_ehs < today * (1 - 1e-12):
                raise ValueError(
                    f"policy.growth.target_ehs={growth.target_ehs:g}; allowed: at least the company's hashrate "
                    f"with its scheduled additions ({today:g} EH/s)"
                )

    def _hedges_fit(self) -> None:
        labels = [hedge_label(h, i) for i, h in enumerate(self.hedges)]
        if len(set(labels)) != len(labels):
            raise ValueError(f"hedges: labels {labels} repeat; allowed: unique labels (set `name`)")
        sites = [s.name for s in self.company.sites]
        for label, h in zip(labels, self.hedges, strict=True):
            if getattr(h, "site", None) is not None and h.site not in sites:
                raise ValueError(f"hedges.{label}.site={h.site!r}; allowed: a site of the company ({', '.join(sites)})")
            if h.end_day > self.run.horizon_days:
                rolls = f" x (1 + n_rolls={h.n_periods - 1})" if h.n_periods > 1 else ""
                raise ValueError(
                    f"hedges.{label}.tenor_days={h.tenor_days}: start_day={h.start_day} + tenor_days{rolls} = "
                    f"{h.end_day} is after the horizon; allowed: an end <= run.horizon_days={self.run.horizon_days}"
                )

    def _labelled_capacity(self) -> list[tuple[str, object]]:
        return [("policy.capacity", self.policy.capacity)] + [
            (f"compare_capacity.{i}", p) for i, p in enumerate(self.compare_capacity)
        ]

    def capacity_policies(self) -> list:
        """The main capacity plan followed by the compared ones."""
        return [self.policy.capacity, *self.compare_capacity]

    def treasury_policies(self) -> list:
        """The main treasury policy followed by the compared ones."""
        return [self.policy.treasury, *self.compare]
