"""The company as packed arrays for the jitted step: fleets, sites, AI projects and which fleet megawatts
each project takes; and, per chunk of paths, the day each project's build starts.

A capacity plan's steps expand into projects (one per tranche). Static facts go into small float arrays;
what depends on the path (the start day of a hashprice-triggered conversion) is computed from the
market chunk before the step runs.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from hashpivot.policies.capacity import (
    ConvertOnDay,
    ConvertWhenHashpriceBelow,
    take_mining_mw,
)
from hashpivot.engine.debt import N_COVENANT_COLS, N_DEBT_COLS, pack_covenants, pack_debt
from hashpivot.engine.hedges import H_KIND, HEDGE_COLUMNS, N_HEDGE_COLS
from hashpivot.formulas.power import energy_mwh_per_day_unchecked
from hashpivot.policies.growth import FUNDING_CODES
from hashpivot.policies.hedges import BTC_COLLAR, BTC_PUT, FIXED_POWER, HASHPRICE_FORWARD
from hashpivot.units import DAYS_PER_YEAR

#: Fleet columns, in packing order: (name, meaning [unit]). One row per fleet.
FLEET_COLUMNS = (
    ("net_hashrate_ehs", "uptime x (1 - pool fee) x effective hashrate [EH/s]"),
    ("grid_mw", "power drawn from the grid, the site's PUE included [MW]"),
    ("ehs_per_grid_mw", "effective hashrate per grid MW [EH/s per MW]"),
    ("uptime_frac", "share of the day the units run [fraction]"),
    ("site_index", "row of the fleet's site in the site array [index]"),
    ("grid_j_per_th", "effective efficiency with the site's PUE [J/TH]"),
    ("net_of_pool_fee_frac", "1 - pool fee [fraction]"),
    ("pue_ratio", "the site's facility power / IT power [ratio]"),
)
(F_NET_HASHRATE_EHS, F_GRID_MW, F_EHS_PER_GRID_MW, F_UPTIME_FRAC, F_SITE_INDEX, F_GRID_J_PER_TH,
 F_NET_OF_POOL_FEE_FRAC, F_PUE_RATIO) = range(len(FLEET_COLUMNS))
N_FLEET_COLS = len(FLEET_COLUMNS)

#: Site columns, in packing order. One row per site.
SITE_COLUMNS = (
    ("power_price_usd_per_mwh", "contract power price, scaled each day by the power price index [USD/MWh]"),
    ("curtailable_frac", "share of the site's load that stops in hours above break-even [fraction]"),
    ("hourly_price_vol_log", "log-sd of hourly prices around the day's mean [log]"),
    ("demand_response_usd_per_mwh", "credit per MWh a demand-response program calls off [USD/MWh]"),
    ("demand_response_call_frac", "share of hours the program calls, the day's highest-priced [fraction]"),
    ("demand_response_cap_hours_per_year", "most hours a year the program calls [hours/year]"),
    ("spin_off_day", "day the site passes to a spin-off (its flows from then are the entity's); -1: never [day]"),
)
(SITE_POWER_PRICE_USD_PER_MWH, SITE_CURTAILABLE_FRAC, SITE_HOURLY_PRICE_VOL_LOG,
 SITE_DEMAND_RESPONSE_USD_PER_MWH, SITE_DEMAND_RESPONSE_CALL_FRAC,
 SITE_DEMAND_RESPONSE_CAP_HOURS_PER_YEAR, SITE_SPIN_OFF_DAY) = range(len(SITE_COLUMNS))
N_SITE_COLS = len(SITE_COLUMNS)

#: AI project columns, in packing order. One row per project (a tranche of a conversion step); every column
#: has one unit, and a kind fills only the columns its ``ENGINE_COLUMNS`` declare (the others stay 0).
PROJECT_COLUMNS = (
    ("kind", "0 colocation lease, 1 site lease, 2 GPU cloud (policies.capacity codes) [code]"),
    ("grid_mw", "grid MW taken from mining [MW]"),
    ("it_mw", "critical IT load: grid MW / PUE [MW]"),
    ("lease_rate_usd_per_kw_month", "lease rent per kW of IT load [USD/kW-month]"),
    ("escalator_frac_per_year", "yearly rent escalator [fraction/year]"),
    ("term_days", "lease term, then it renews at the market rate [days]"),
    ("opex_frac_of_revenue", "a lease's operating cost share of its rent [fraction]"),
    ("capex_usd", "capex of the project, paid evenly over the build [USD]"),
    ("build_days", "days from the build's start to revenue [days]"),
    ("delay_days", "extra delay of the build [days]"),
    ("hazard_per_day", "daily probability that the tenant or customer defaults [1/day]"),
    ("downtime_days", "idle days after a default [days]"),
    ("n_gpus", "GPUs of a GPU cloud [GPUs]"),
    ("contracted_frac", "share of rented GPU-hours on the fixed contract [fraction]"),
    ("utilisation_frac", "share of GPU-hours rented [fraction]"),
    ("contract_days", "length of the GPU contract [days]"),
    ("spot_start_usd_per_gpu_hour", "spot rent on day 0, then x the GPU rent index [USD/GPU-hour]"),
    ("power_price_usd_per_mwh", "power price of the GPU hall, x the power price index [USD/MWh]"),
    ("contract_rate_usd_per_gpu_hour", "fixed contract rent [USD/GPU-hour]"),
    ("opex_usd_per_gpu_hour", "non-power operating cost per installed GPU-hour [USD/GPU-hour]"),
    ("site_index", "row of the project's site: its conversion's site, else the site giving it the most MW [index]"),
    ("initial_occupancy_frac", "a lease's share of IT load let on its first day (and a re-let's) [fraction]"),
    ("stabilised_occupancy_frac", "a lease's share of IT load let after its lease-up [fraction]"),
    ("lease_up_days", "days over which a lease's occupancy ramps from initial to stabilised [days]"),
    ("relet_lease_up_days", "the same ramp after a re-let [days]"),
    ("renewal_prob", "probability a lease's tenant renews at each term's end [probability]"),
    ("lease_up_contracted", "1: contracted value counts the lease-up's future occupancy; 0: the share let [flag]"),
    ("earned_before_days", "days a project dated before the run had earned by day 1: its term, escalator, lease-up "
     "and contract count from its real earn day, 1 - this [days]"),
    ("contracted_before_days", "days before its start a project's contract binds: a lease that takes its mining "
     "MW at delivery is signed when its build begins, and its contracted value counts from then [days]"),
)
(P_KIND, P_GRID_MW, P_IT_MW, P_LEASE_RATE_USD_PER_KW_MONTH, P_ESCALATOR_FRAC_PER_YEAR, P_TERM_DAYS,
 P_OPEX_FRAC_OF_REVENUE, P_CAPEX_USD, P_BUILD_DAYS, P_DELAY_DAYS, P_HAZARD_PER_DAY, P_DOWNTIME_DAYS, P_N_GPUS,
 P_CONTRACTED_FRAC, P_UTILISATION_FRAC, P_CONTRACT_DAYS, P_SPOT_START_USD_PER_GPU_HOUR, P_POWER_PRICE_USD_PER_MWH,
 P_CONTRACT_RATE_USD_PER_GPU_HOUR, P_OPEX_USD_PER_GPU_HOUR, P_SITE_INDEX, P_INITIAL_OCCUPANCY_FRAC,
 P_STABILISED_OCCUPANCY_FRAC, P_LEASE_UP_DAYS, P_RELET_LEASE_UP_DAYS, P_RENEWAL_PROB,
 P_LEASE_UP_CONTRACTED, P_EARNED_BEFORE_DAYS, P_CONTRACTED_BEFORE_DAYS) = range(len(PROJECT_COLUMNS))
N_PROJECT_COLS = len(PROJECT_COLUMNS)
#: Columns every project fills, whatever its kind.
PROJECT_COMMON_COLUMNS = ("kind", "grid_mw", "it_mw", "build_days", "delay_days", "hazard_per_day", "downtime_days",
                          "site_index", "earned_before_days", "contracted_before_days")

#: The fleet-upgrade policy's parameters, in packing order (``policy.upgrade``).
UPGRADE_PARAMS = (
    ("enabled", "1 when the payback policy is on, else 0 [flag]"),
    ("efficiency_j_per_th", "efficiency of the new model [J/TH]"),
    ("capex_usd_per_th", "price of the new model [USD/(TH/s)]"),
    ("max_payback_days", "payback to accept [days]"),
    ("max_mw_per_check", "MW replaced per check [MW]"),
    ("check_every_days", "days between checks [days]"),
)
(U_ENABLED, U_EFFICIENCY_J_PER_TH, U_CAPEX_USD_PER_TH, U_MAX_PAYBACK_DAYS, U_MAX_MW_PER_CHECK,
 U_CHECK_EVERY_DAYS) = range(len(UPGRADE_PARAMS))

#: Growth, fleet additions and retirement (``policies.growth``), in packing order; all 0 when off but
#: ``life_years`` and ``resale_elasticity`` (with ``fleet_row`` -1), which every run fills: the fleets' resale value
#: at the horizon reads them.
GROWTH_PARAMS = (
    ("enabled", "1 when fleet additions, a growth policy or retirement is on, else 0 [flag]"),
    ("kind", "growth policy: 0 none, 1 buy_toward_target, 2 fill_site [code]"),
    ("target_ehs", "hashrate buy_toward_target grows to [EH/s]"),
    ("max_payback_days", "longest payback bought [days]"),
    ("check_every_days", "days between growth decisions [days]"),
    ("max_ehs_per_check", "most hashrate ordered a decision [EH/s]"),
    ("price0_usd_per_th", "price of the bought model on day 0 [USD/(TH/s)]"),
    ("price_elasticity", "elasticity of the bought model's price to hashprice [ratio]"),
    ("lead_time_days", "order to energize of bought units [days]"),
    ("site_free_grid_mw", "grid MW of the growth site left by its fleets and scheduled additions [MW]"),
    ("fleet_row", "row of the bought units' fleet in the fleet array; -1 without a growth policy [index]"),
    ("retire_after_negative_days", "consecutive days of negative margin before a fleet is sold; 0 never [days]"),
    ("life_years", "economic life of an ASIC for its resale [years]"),
    ("resale_elasticity", "elasticity of used-ASIC prices to hashprice [ratio]"),
    ("funding", "how the growth policy pays: 0 cash then BTC sales, 1 at-the-market equity "
                "(policies.growth.FUNDING_CODES) [code]"),
    ("mnav_ratio", "equity funding: share price / NAV per share on day 0 [ratio]"),
    ("premium_beta", "equity funding: elasticity of the mNAV to the BTC price over its day-0 price [elasticity]"),
    ("mnav_floor_ratio", "equity funding: lowest mNAV [ratio]"),
)
(G_ENABLED, G_KIND, G_TARGET_EHS, G_MAX_PAYBACK_DAYS, G_CHECK_EVERY_DAYS, G_MAX_EHS_PER_CHECK, G_PRICE0_USD_PER_TH,
 G_PRICE_ELASTICITY, G_LEAD_TIME_DAYS, G_SITE_FREE_GRID_MW, G_FLEET_ROW, G_RETIRE_AFTER_NEGATIVE_DAYS,
 G_LIFE_YEARS, G_RESALE_ELASTICITY, G_FUNDING, G_MNAV_RATIO, G_PREMIUM_BETA, G_MNAV_FLOOR_RATIO) = range(
    len(GROWTH_PARAMS))
#: Growth policy kinds' codes (``G_KIND``).
GROWTH_KINDS = {"none": 0, "buy_toward_target": 1, "fill_site": 2}

#: Per fleet (rows, as ``FLEET_COLUMNS``), when it came and what it cost: the growth stages read it when
#: ``G_ENABLED``; every run reads ``price_new_usd_per_th`` and ``age_years`` for the fleets' resale value at the
#: horizon.
FLEET_LIFE_COLUMNS = (
    ("order_day", "day its capex is paid; -1 for fleets of day 0 and the bought units' fleet [day]"),
    ("energize_day", "day it starts hashing; 0 for fleets of day 0, -1 for the bought units' fleet [day]"),
    ("capex_usd", "capex paid on the order day [USD]"),
    ("price_new_usd_per_th", "price new, the basis of its resale [USD/(TH/s)]"),
    ("age_years", "age of its units on day 0 (fleets of day 0; others are new when energized) [years]"),
    ("tracked", "its row in the returns of additions and purchases; -1 for fleets of day 0 [index]"),
)
L_ORDER_DAY, L_ENERGIZE_DAY, L_CAPEX_USD, L_PRICE_NEW_USD_PER_TH, L_AGE_YEARS, L_TRACKED = range(
    len(FLEET_LIFE_COLUMNS))
N_FLEET_LIFE_COLS = len(FLEET_LIFE_COLUMNS)

#: The company's scalars, in packing order.
COMPANY_SCALARS = (
    ("btc_held", "BTC held on day 0 [BTC]"),
    ("cash_usd", "cash on day 0 [USD]"),
    ("debt_usd", "straight debt on day 0 [USD]"),
    ("debt_rate_per_year", "interest on the straight debt [1/year]"),
    ("shares", "shares outstanding on day 0 [shares]"),
    ("credit_facility_usd", "size of the credit facility [USD]"),
    ("credit_rate_per_year", "interest on drawn credit [1/year]"),
    ("fixed_opex_usd_per_day", "overheads paid every operating day [USD/day]"),
    ("lease_rate_elasticity_ratio", "elasticity of re-let lease rates to the GPU rent index [ratio]"),
    ("contract_discount_rate_per_year", "discount rate of what contracts still pay at a NAV date [1/year]"),
    ("nav_counts_contracts", "1: NAV adds what contracts still pay; 0: balance sheet only [flag]"),
    ("equity_discount_per_day", "one day's discount factor at the equity discount rate, (1 + r) ** (-1/365) "
                                "[ratio]"),
    ("credit_repaid_from_cash", "1: each day's cash above the runway floor repays the drawn facility (a revolver); "
                                "0: a draw stays drawn (term funding) [flag]"),
)
(C_BTC_HELD, C_CASH_USD, C_DEBT_USD, C_DEBT_RATE_PER_YEAR, C_SHARES, C_CREDIT_FACILITY_USD, C_CREDIT_RATE_PER_YEAR,
 C_FIXED_OPEX_USD_PER_DAY, C_LEASE_RATE_ELASTICITY_RATIO, C_CONTRACT_DISCOUNT_RATE_PER_YEAR,
 C_NAV_COUNTS_CONTRACTS, C_EQUITY_DISCOUNT_PER_DAY, C_CREDIT_REPAID_FROM_CASH) = range(len(COMPANY_SCALARS))


#: Most rows of the growth policy's purchases a result keeps per path: the first ``MAX_PURCHASE_ROWS - 1`` purchases
#: each have their own, and the last row holds that purchase and every later one together (the kernel's width is
#: fixed). 24 monthly decisions are two years of buying. [count]
MAX_PURCHASE_ROWS = 24


def n_purchase_slots(kind_code: int, horizon_days: int, check_every_days: int) -> int:
    """Purchase rows of a growth policy: the decision days of the horizon (``horizon_days // check_every_days``,
    at most one purchase each), capped at ``MAX_PURCHASE_ROWS``; 0 without a growth policy. [count]

    >>> n_purchase_slots(1, 3650, 30), n_purchase_slots(2, 120, 30), n_purchase_slots(0, 3650, 30)
    (24, 4, 0)
    """
    if kind_code == 0:
        return 0
    return max(1, min(horizon_days // max(check_every_days, 1), MAX_PURCHASE_ROWS))


def purchase_labels(scenario) -> tuple[str, ...]:
    """Labels of the growth policy's purchase rows: ``1st``, ``2nd`` ... and, when later purchases share the last
    row (the horizon has more decision days than ``MAX_PURCHASE_ROWS``), ``24th and later``; () without one."""
    g = scenario.policy.growth
    if g.kind == "none":
        return ()
    possible = scenario.run.horizon_days // g.check_every_days
    n = n_purchase_slots(GROWTH_KINDS[g.kind], scenario.run.horizon_days, g.check_every_days)
    labels = [_ordinal(i + 1) for i in range(n)]
    if possible > n:
        labels[-1] += " and later"
    return tuple(labels)


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th`` ... ``11th`` ... ``21st``. [text]

    >>> [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 24)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '24th']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def names(columns: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The names of a column declaration, in packing order."""
    return tuple(name for name, _ in columns)


def pack(columns: tuple[tuple[str, str], ...], values: dict[str, float]) -> NDArray[np.float64]:
    """A row in the order of ``columns`` from ``values`` by name; a column not named stays 0 (the engine never
    reads it for that row). A name that is not a column is a programming error."""
    index = {name: i for i, name in enumerate(names(columns))}
    row = np.zeros(len(columns))
    for name, value in values.items():
        row[index[name]] = value
    return row


#: Factors of the fleets as built, formed once per plan so that a day of a path whose fleets nothing has touched (no
#: MW converted, no upgrade, no curtailable site) is a few multiplications: the rows of the fleets with MW
#: (``built``), their net hashrate by day (uptime x (1 - pool fee) x EH/s, derated) [EH/s], their energy
#: [MWh/day] and their site's contract power price [USD/MWh]; ``possible`` is False when an upgrade policy or a
#: curtailable site rules the fast path out. The factors follow the general loop's order of operations, so both
#: paths give the same bits.
AsBuiltFleets = namedtuple("AsBuiltFleets", ("built", "net_hashrate_ehs", "energy_mwh_per_day",
                                             "power_price_usd_per_mwh", "possible"))


def as_built_fleets(fleets, derate, sites, upgrade) -> AsBuiltFleets:
    """``AsBuiltFleets`` of packed fleets (``FLEET_COLUMNS``), their derate (fleets, days + 1), sites and upgrade."""
    built = np.flatnonzero(fleets[:, F_GRID_MW] > 1e-12).astype(np.int64)
    rows = fleets[built]
    net_mw = rows[:, F_UPTIME_FRAC] * rows[:, F_NET_OF_POOL_FEE_FRAC] * rows[:, F_GRID_MW]
    net_ehs = net_mw[:, None] * (rows[:, F_EHS_PER_GRID_MW][:, None] * derate[built])
    site = rows[:, F_SITE_INDEX].astype(np.int64)
    curtailable = bool(np.any(sites[fleets[:, F_SITE_INDEX].astype(np.int64), SITE_CURTAILABLE_FRAC] > 0.0))
    return AsBuiltFleets(
        built, np.ascontiguousarray(net_ehs), energy_mwh_per_day_unchecked(rows[:, F_GRID_MW], rows[:, F_UPTIME_FRAC]),
        np.ascontiguousarray(sites[site, SITE_POWER_PRICE_USD_PER_MWH]),
        not (upgrade[U_ENABLED] > 0.5) and not curtailable,
    )


@dataclass(frozen=True)
class ProjectSpec:
    """One project instance (a tranche of a conversion step) and how its start day is found."""

    label: str
    project: object
    mw: float
    day: int | None  # fixed start day, or None when triggered by hashprice
    threshold_usd_per_th_day: float
    for_days: int
    earliest_day: int
    offset_days: int
    #: Build time to use instead of the project's (a build begun before day 1, or MW taken at delivery). [days]
    build_days: int | None = None
    #: The site whose mining MW the project takes (its conversion's ``site``); None: any site's. [name]
    site: str | None = None
    #: Delay to use instead of the project's (what is left of it for a project dated before the run). [days]
    delay_days: int | None = None
    #: Days a project dated before the run had already earned by day 1 (``_fixed_start``). [days]
    earned_before_days: int = 0
    #: Share of the project's capex still to pay in the run: what was paid before day 1 is sunk. [fraction]
    capex_frac: float = 1.0
    #: Days before its start the contract binds (a lease taking its MW at delivery: signed at its build's start). [days]
    contracted_before_days: int = 0

    @property
    def fixed_start_day(self) -> int | None:
        """Build start day of a dated tranche; None for one triggered by hashprice (its day differs by path). [day]"""
        return None if self.day is None else self.day + self.offset_days


@dataclass(frozen=True)
class CompanyArrays:
    fleets: NDArray[np.float64]
    #: Hashrate per MW relative to new, by fleet and day: (1 - derate)^(age in years). Shape (fleets, days + 1).
    derate: NDArray[np.float64]
    #: Upgrade policy, in the order of ``UPGRADE_PARAMS``.
    upgrade: NDArray[np.float64]
    sites: NDArray[np.float64]
    projects: NDArray[np.float64]
    removal_mw: NDArray[np.float64]  # (projects, fleets) grid MW each project takes from each fleet
    specs: tuple[ProjectSpec, ...]
    #: The company's scalars, in the order of ``COMPANY_SCALARS``.
    scalars: NDArray[np.float64]
    #: The fleets as built (``AsBuiltFleets``): the fast path's factors.
    as_built: AsBuiltFleets
    #: The scenario's hedges, rows of ``engine.hedges.HEDGE_COLUMNS`` (none: shape (0, columns)).
    hedges: NDArray[np.float64] = field(default_factory=lambda: _no_hedges())
    #: The company's debt tranches, rows of ``engine.debt.DEBT_COLUMNS`` (none: shape (0, columns)).
    debt: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, N_DEBT_COLS)))
    #: The company's covenants, rows of ``engine.debt.COVENANT_COLUMNS`` (none: shape (0, columns)).
    covenants: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, N_COVENANT_COLS)))
    #: Growth, additions and retirement, in the order of ``GROWTH_PARAMS`` (all 0 when off).
    growth: NDArray[np.float64] = field(default_factory=lambda: np.zeros(len(GROWTH_PARAMS)))
    #: Per fleet, ``FLEET_LIFE_COLUMNS``.
    fleet_life: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, N_FLEET_LIFE_COLS)))
    #: Labels of the tracked fleets (scheduled additions, then the bought units), in ``L_TRACKED`` order.
    tracked_labels: tuple[str, ...] = ()

    @property
    def n_order_slots(self) -> int:
        """Orders of the growth policy that can wait for their lead time at once (0 without one). [count]"""
        if self.growth[G_KIND] == 0:
            return 0
        return int(self.growth[G_LEAD_TIME_DAYS] // max(self.growth[G_CHECK_EVERY_DAYS], 1.0)) + 2

    @property
    def n_purchase_slots(self) -> int:
        """Rows of the growth policy's purchases in a terminal row (``n_purchase_slots``; 0 without one). [count]"""
        if self.growth[G_KIND] == 0:
            return 0
        return n_purchase_slots(int(self.growth[G_KIND]), self.derate.shape[1] - 1, int(self.growth[G_CHECK_EVERY_DAYS]))

    @property
    def fixed_opex_usd_per_day(self) -> float:
        return float(self.scalars[C_FIXED_OPEX_USD_PER_DAY])

    def start_days(self, market) -> NDArray[np.int64]:
        """Build start day of each project on each path of a ``MarketChunk``, shape (paths, projects); -1 = never
        (a lease that takes its MW at delivery: its delivery day, which may fall after the horizon when it was
        signed within it). Hashprice is computed only when a project is triggered by it."""
        n_paths, n_cols = market.btc_price_usd.shape
        n_days = n_cols - 1
        out = np.full((n_paths, len(self.specs)), -1, dtype=np.int64)
        hashprice_usd_per_th_day = None
        for k, spec in enumerate(self.specs):
            start = spec.fixed_start_day
            if start is not None:
                # a lease signed in the run but delivered after it keeps its day: its contract counts from signing
                out[:, k] = start if start - spec.contracted_before_days <= n_days else -1
                continue
            if hashprice_usd_per_th_day is None:
                hashprice_usd_per_th_day = market.hashprice_usd_per_th_day()
            below = (hashprice_usd_per_th_day[:, 1:] < spec.threshold_usd_per_th_day).astype(np.int64)
            run = np.cumsum(below, axis=1)
            n = spec.for_days
            window = run.copy()
            window[:, n:] -= run[:, :-n]
            days = np.arange(1, n_days + 1)
            # Decided at the end of the day the run completes; the build starts the next day, on earliest_day at
            # the soonest (so the decision may fall on the day before it).
            hit = (window >= n) & (days + 1 >= spec.earliest_day)[None, :]
            first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 2, -1)
            start = np.where(first > 0, first + spec.offset_days, -1)
            out[:, k] = np.where((start > 0) & (start <= n_days), start, -1)
        return out


def _no_hedges() -> NDArray[np.float64]:
    return np.zeros((0, N_HEDGE_COLS))


def starting_hashprice_usd_per_ph_day(scenario) -> float:
    """Hashprice on day 0 as an operator quotes it when striking a forward: 144 blocks x (subsidy at the start
    height + median fees) x the starting BTC price / the starting network hashrate. [USD/PH/day]

    On the default scenario: 144 x (3.125 + 0.20) x 64,907.99 / 615.5 EH/s = 50.49 USD/PH/day.
    """
    m = scenario.market
    return quoted_hashprice_usd_per_ph_day(m.btc_price.start_usd, m.network_hashrate.start_ehs,
                                           scenario.run.start_height, m.fees.median_btc_per_block)


def quoted_hashprice_usd_per_ph_day(btc_price_usd: float, network_hashrate_ehs: float, height: int,
                                    fees_btc_per_block: float) -> float:
    """Hashprice as an operator quotes it for a forward: 144 blocks x (the subsidy at ``height`` + fees per block)
    x price / network hashrate. [USD/PH/day]"""
    from hashpivot.formulas.mining import hashprice_usd_per_ph_day, hashprice_usd_per_th_day
    from hashpivot.protocol import subsidy_btc

    th = hashprice_usd_per_th_day(btc_price_usd, network_hashrate_ehs, float(subsidy_btc(height)), fees_btc_per_block)
    return float(hashprice_usd_per_ph_day(th))


def pack_hedges(scenario) -> NDArray[np.float64]:
    """The scenario's hedges as rows of ``HEDGE_COLUMNS`` (shape (hedges, columns); (0, columns) without)."""
    rows = []
    for h in scenario.hedges:
        row = {"kind": h.code, "start_day": h.start_day, "tenor_days": h.tenor_days, "end_day": h.end_day}
        if h.code == HASHPRICE_FORWARD:
            strike = h.strike_usd_per_ph_day
            row |= {"notional": h.notional_phs,
                    "strike_usd_per_ph_day": starting_hashprice_usd_per_ph_day(scenario) if strike is None else strike}
        elif h.code in (BTC_PUT, BTC_COLLAR):
            row |= {"notional": h.notional_btc or 0.0, "treasury_frac": h.treasury_frac or 0.0,
                    "put_strike_ratio": h.put_strike_ratio, "premium_per_spot_ratio": h.premium_per_spot_ratio()}
            if h.code == BTC_COLLAR:
                row["call_strike_ratio"] = h.solved_call_strike_ratio()
        elif h.code == FIXED_POWER:
            row |= {"site_index": [s.name for s in scenario.company.sites].index(h.site), "load_frac": h.load_frac,
                    "price_usd_per_mwh": h.price_usd_per_mwh}
        else:
            row |= {"notional": h.principal_usd, "rate_per_year": h.rate_per_year,
                    "initial_ltv_frac": h.initial_ltv_frac, "margin_call_ltv_frac": h.margin_call_ltv_frac,
                    "release_ltv_frac": h.release_ltv_frac or 0.0}
        rows.append(pack(HEDGE_COLUMNS, row))
    return np.array(rows, dtype=np.float64).reshape(len(rows), N_HEDGE_COLS)


def _expand(plan) -> list[ProjectSpec]:
    specs = []
    for i, step in enumerate(plan.steps()):
        base = step.name or f"{step.project.kind}_{i + 1}"
        for j in range(step.n_tranches):
            label = base if step.n_tranches == 1 else f"{base}_t{j + 1}"
            if isinstance(step, ConvertOnDay):
                start, build, delay, earned, capex_frac, contracted = _fixed_start(step, j * step.tranche_spacing_days)
                specs.append(ProjectSpec(label, step.project, step.mw / step.n_tranches, start, 0.0, 0, 0, 0, build,
                                         step.site, delay, earned, capex_frac, contracted))
            else:
                assert isinstance(step, ConvertWhenHashpriceBelow)
                specs.append(ProjectSpec(label, step.project, step.mw / step.n_tranches, None,
                                         step.threshold_usd_per_th_day, step.for_days, step.earliest_day,
                                         j * step.tranche_spacing_days, site=step.site))
    return specs


def _fixed_start(step, offset_days: int) -> tuple[int, int | None, int | None, int, float, int]:
    """(start day, build days or None for the project's own, delay days or None for the project's own, days earned
    before day 1, share of the capex still to pay, days before the start its contract binds) of a dated tranche. A
    lease that takes its mining MW at delivery starts (stops mining) when its build ends and has no build left (its
    capex is paid on that day); it is signed when its build begins (day 1 at the latest). A start before
    day 1 (a build begun before the run) starts on day 1 with what is left of its build and delay, and pays only the
    capex of the build days left: what was paid before day 1 is sunk, in the opening cash. A project that was
    already earning on day 1 earns from day 1 and counts its term, escalator anniversaries, lease-up and contract
    from its real earn day (``earned_before_days`` before day 1), so a replay or a later start date does not
    restart a lease signed years before."""
    project = step.project
    start = step.day + offset_days
    signed = max(1, start)
    build = project.build_days
    capex_frac = 1.0
    if getattr(project, "takes_mining_mw_at", "build_start") == "delivery":
        start, build = start + build, 0
    earn = start + build + project.delay_days  # the real first day of revenue [day]
    if start < 1:
        left = max(0, start + build - 1)  # build days on or after day 1
        capex_frac = left / build if build > 0 else 0.0
        build, start = left, 1
    delay = max(0, earn - start - build)
    return (start, None if build == project.build_days else build, None if delay == project.delay_days else delay,
            max(0, 1 - earn), capex_frac, max(0, start - signed))


def _hazard_per_day(prob_per_year: float) -> float:
    return 1.0 - (1.0 - prob_per_year) ** (1.0 / DAYS_PER_YEAR)


def _project_row(spec: ProjectSpec, site_price_usd_per_mwh: float, site_index: int) -> NDArray[np.float64]:
    """The project's row of ``PROJECT_COLUMNS``: the columns every project fills, then those its kind declares;
    ``site_price_usd_per_mwh`` is the power price of the hall (a GPU cloud's), ``site_index`` its site's row."""
    p = spec.project
    common = {
        "kind": p.code, "grid_mw": spec.mw, "it_mw": spec.mw / p.pue_ratio,
        "build_days": p.build_days if spec.build_days is None else spec.build_days,
        "delay_days": p.delay_days if spec.delay_days is None else spec.delay_days,
        "hazard_per_day": _hazard_per_day(p.tenant_default_prob_per_year),
        "downtime_days": p.downtime_days, "site_index": site_index, "earned_before_days": spec.earned_before_days,
        "contracted_before_days": spec.contracted_before_days,
    }
    own = p.engine_columns(spec.mw, site_price_usd_per_mwh)
    own["capex_usd"] = own["capex_usd"] * spec.capex_frac  # a build begun before the run: the rest of its capex
    if set(own) != set(p.ENGINE_COLUMNS) or set(common) != set(PROJECT_COMMON_COLUMNS):
        raise AssertionError(f"{p.kind}.engine_columns() fills {sorted(own)}, declares {p.ENGINE_COLUMNS}")
    return pack(PROJECT_COLUMNS, common | own)


def spin_off_day(spin_off, start_date) -> int:
    """The first day whose flows are the entity's: ``on_date``'s day index from ``start_date`` (day 0), at least 1
    (a spin-off dated on or before the run's start owns every simulated day). [day]"""
    return max(1, (spin_off.on_date - start_date).days)


def build_company(scenario, plan) -> CompanyArrays:
    """Packed arrays of ``scenario.company`` under the capacity ``plan``."""
    company = scenario.company
    site_index = {s.name: i for i, s in enumerate(company.sites)}
    spin_day = {site: spin_off_day(x, scenario.run.start_date) for x in company.spin_offs for site in x.sites}
    sites = np.array([pack(SITE_COLUMNS, {**{name: getattr(s, name) for name in names(SITE_COLUMNS)[:-1]},
                                          "spin_off_day": spin_day.get(s.name, -1)})
                      for s in company.sites], dtype=np.float64)
    fleets = np.zeros((len(company.fleets), N_FLEET_COLS))
    for i, (f, (mw, grid_j_per_th)) in enumerate(zip(company.fleets, company.fleets_at_grid(), strict=True)):
        ehs = f.effective_hashrate_ehs
        fleets[i] = pack(FLEET_COLUMNS, {
            "net_hashrate_ehs": f.uptime_frac * (1 - f.pool_fee_frac) * ehs, "grid_mw": mw, "ehs_per_grid_mw": ehs / mw,
            "uptime_frac": f.uptime_frac, "site_index": site_index[f.site],
            "grid_j_per_th": grid_j_per_th, "net_of_pool_fee_frac": 1 - f.pool_fee_frac,
            "pue_ratio": company.sites[site_index[f.site]].pue_ratio,
        })
    fleets, fleet_life, growth, tracked = _grow(scenario, fleets, site_index)
    specs = _expand(plan)
    # Take converted MW from the least efficient fleets first (of the conversion's site when it names one), in the
    # order the steps are listed.
    free = fleets[:, F_GRID_MW].copy()
    free[len(company.fleets):] = 0.0  # conversions take the fleets of day 0, not machines still to come
    taken, short = take_mining_mw(free, fleets[:, F_GRID_J_PER_TH], fleets[:, F_SITE_INDEX].astype(int).tolist(),
                                  [(spec.mw, None if spec.site is None else site_index[spec.site]) for spec in specs])
    if any(short):  # the scenario's validator refuses such a plan; a plan built in code must not mine twice
        raise ValueError(f"capacity plan: {[s.label for s, m in zip(specs, short, strict=True) if m]} find less mining "
                         "MW than they convert")
    removal = np.array(taken, dtype=np.float64).reshape(len(specs), len(fleets))
    rows = []
    for k, spec in enumerate(specs):
        if spec.site is not None:
            site = site_index[spec.site]
        elif removal.shape[1]:
            site = int(fleets[int(np.argmax(removal[k])), F_SITE_INDEX])
        else:
            site = 0
        # A GPU hall draws its site's power; a conversion that names no site keeps the first site's price (the
        # hall's site is not stated).
        price = company.sites[site if spec.site is not None else 0].power_price_usd_per_mwh
        rows.append(_project_row(spec, price, site))
    projects = np.array(rows, dtype=np.float64).reshape(len(specs), N_PROJECT_COLS)
    days = np.arange(scenario.run.horizon_days + 1) / DAYS_PER_YEAR
    derate = np.array([(1.0 - f.derate_frac_per_year) ** (f.age_years + days) for f in company.fleets]
                      + [np.ones_like(days)] * (len(fleets) - len(company.fleets)))
    up = scenario.policy.upgrade
    upgrade = np.zeros(len(UPGRADE_PARAMS))
    if up.kind == "payback":
        upgrade = pack(UPGRADE_PARAMS, {
            "enabled": 1.0, "efficiency_j_per_th": up.efficiency_j_per_th, "capex_usd_per_th": up.capex_usd_per_th,
            "max_payback_days": up.max_payback_months * DAYS_PER_YEAR / 12, "max_mw_per_check": up.max_mw_per_check,
            "check_every_days": up.check_every_days,
        })
    scalars = pack(COMPANY_SCALARS, {
        "btc_held": company.btc_held, "cash_usd": company.cash_usd, "debt_usd": company.debt_usd,
        "debt_rate_per_year": company.debt_rate_per_year, "shares": company.shares_outstanding,
        "credit_facility_usd": company.credit_facility_usd, "credit_rate_per_year": company.credit_rate_per_year,
        "fixed_opex_usd_per_day": company.fixed_opex_usd_per_day,
        "lease_rate_elasticity_ratio": scenario.market.gpu_rent.lease_rate_elasticity_ratio,
        "contract_discount_rate_per_year": company.contract_discount_rate_per_year,
        "nav_counts_contracts": 1.0 if company.nav_basis == "with_contracts" else 0.0,
        "equity_discount_per_day": (1.0 + company.equity_discount_rate_per_year) ** (-1.0 / DAYS_PER_YEAR),
        "credit_repaid_from_cash": 1.0 if company.credit_repaid_from_cash else 0.0,
    })
    hedges = pack_hedges(scenario)
    as_built = as_built_fleets(fleets, derate, sites, upgrade)
    if np.any(hedges[:, H_KIND] == FIXED_POWER):  # a power contract reads each site's energy: the general loop
        as_built = as_built._replace(possible=False)
    if growth[G_ENABLED] > 0.5:  # machines come and go: the general loop
        as_built = as_built._replace(possible=False)
    return CompanyArrays(fleets, derate, upgrade, sites, projects, removal, tuple(specs), scalars, as_built, hedges,
                         pack_debt(scenario), pack_covenants(scenario), growth, fleet_life, tracked)


def _fleet_row(pue: float, ehs: float, j_per_th: float, uptime: float, pool_fee: float, site: int,
               grid_mw: float) -> NDArray[np.float64]:
    return pack(FLEET_COLUMNS, {
        "net_hashrate_ehs": uptime * (1 - pool_fee) * ehs, "grid_mw": grid_mw, "ehs_per_grid_mw": 1.0 / (j_per_th * pue),
        "uptime_frac": uptime, "site_index": site, "grid_j_per_th": j_per_th * pue, "net_of_pool_fee_frac": 1 - pool_fee,
        "pue_ratio": pue,
    })


def tracked_labels(scenario) -> tuple[str, ...]:
    """Labels of the fleets whose returns a run reports: the scheduled additions, then ``growth_<kind>`` for the
    growth policy's bought units; () when growth is off."""
    company, policy = scenario.company, scenario.policy
    on = (bool(company.fleet_additions) or policy.growth.kind != "none"
          or policy.retirement.retire_after_negative_days > 0)
    if not on:
        return ()
    return tuple(company.addition_labels()) + ((f"growth_{policy.growth.kind}",) if policy.growth.kind != "none"
                                               else ())


def _grow(scenario, fleets, site_index):
    """(fleets with the scheduled additions and the bought units' fleet appended, ``FLEET_LIFE_COLUMNS`` rows,
    ``GROWTH_PARAMS``, labels of the tracked fleets). Without additions, growth or retirement: the fleets as they
    are and every parameter 0."""
    company, policy = scenario.company, scenario.policy
    retire, growth_policy = policy.retirement, policy.growth
    n0 = len(company.fleets)
    life = np.zeros((n0, N_FLEET_LIFE_COLS))
    life[:, L_ORDER_DAY] = -1.0
    life[:, L_TRACKED] = -1.0
    life[:, L_PRICE_NEW_USD_PER_TH] = [retire.fleet_price_new_usd_per_th if f.price_new_usd_per_th is None
                                       else f.price_new_usd_per_th for f in company.fleets]
    life[:, L_AGE_YEARS] = [f.age_years for f in company.fleets]
    params = np.zeros(len(GROWTH_PARAMS))
    params[G_FLEET_ROW] = -1.0
    # The resale inputs, on every run: the terminal NAV and the DCF count the fleets still held at their resale
    # value (engine.stages.fleet_value_usd), growth or not.
    params[G_LIFE_YEARS] = retire.life_years
    params[G_RESALE_ELASTICITY] = retire.price_elasticity
    on = bool(company.fleet_additions) or growth_policy.kind != "none" or retire.retire_after_negative_days > 0
    if not on:
        return fleets, life, params, ()
    rows, lives, labels = [fleets], [life], list(company.addition_labels())
    for i, a in enumerate(company.fleet_additions):
        s = site_index[a.site]
        pue = company.sites[s].pue_ratio
        rows.append(_fleet_row(pue, a.hashrate_ehs, a.efficiency_j_per_th, a.uptime_frac, a.pool_fee_frac, s,
                               a.hashrate_ehs * a.efficiency_j_per_th * pue)[None, :])
        lives.append(pack(FLEET_LIFE_COLUMNS, {
            "order_day": a.day, "energize_day": a.day + a.lead_time_days, "capex_usd": a.capex_usd,
            "price_new_usd_per_th": a.price_usd_per_th, "age_years": 0.0, "tracked": i})[None, :])
    params[G_ENABLED] = 1.0
    params[G_RETIRE_AFTER_NEGATIVE_DAYS] = retire.retire_after_negative_days
    if growth_policy.kind != "none":
        g = growth_policy
        s = site_index[g.site]
        site = company.sites[s]
        used = company.site_load_mw(g.site) + sum(a.hashrate_ehs * a.efficiency_j_per_th * site.pue_ratio
                                                  for a in company.fleet_additions if a.site == g.site)
        row = n0 + len(company.fleet_additions)
        rows.append(_fleet_row(site.pue_ratio, 0.0, g.efficiency_j_per_th, g.uptime_frac, g.pool_fee_frac, s,
                               0.0)[None, :])
        lives.append(pack(FLEET_LIFE_COLUMNS, {
            "order_day": -1.0, "energize_day": -1.0, "capex_usd": 0.0, "price_new_usd_per_th": g.price_usd_per_th,
            "age_years": 0.0, "tracked": len(labels)})[None, :])
        labels.append(f"growth_{g.kind}")
        params[G_KIND] = GROWTH_KINDS[g.kind]
        params[G_TARGET_EHS] = getattr(g, "target_ehs", 0.0)
        params[G_MAX_PAYBACK_DAYS] = g.payback_months * DAYS_PER_YEAR / 12
        params[G_CHECK_EVERY_DAYS] = g.check_every_days
        params[G_MAX_EHS_PER_CHECK] = g.max_ehs_per_check
        params[G_PRICE0_USD_PER_TH] = g.price_usd_per_th
        params[G_PRICE_ELASTICITY] = g.price_elasticity
        params[G_LEAD_TIME_DAYS] = g.lead_time_days
        params[G_SITE_FREE_GRID_MW] = max(site.power_mw - used, 0.0)
        params[G_FLEET_ROW] = row
        params[G_FUNDING] = FUNDING_CODES[g.funding]
        params[G_MNAV_RATIO] = g.mnav_ratio
        params[G_PREMIUM_BETA] = g.premium_beta
        params[G_MNAV_FLOOR_RATIO] = g.mnav_floor_ratio
    assert tuple(labels) == tracked_labels(scenario)
    return np.vstack(rows), np.vstack(lives), params, tuple(labels)

