"""The stages of a path-day, in the order ``engine.step.run_company`` calls them (see its docstring).

Each stage of the day is a small jitted function that numba inlines into the daily loop. The writers of a month's
row and of a path's last row (``store_month``, ``store_terminal``, ``store_growth_terminal``, with the valuation
they call) run once a month or once a path and are compiled once, as functions of their own (``_once_a_month``),
shared by both kernels. Inlined, they were about half of the kernels' compile: the warm-up took 306 s with them
inlined and 165 s with them called (2-core VM, 2026-12-07), and the RM1 and growth benchmarks moved by less than
their run-to-run noise (growth benchmark, one thread, best of 3: 8.28 / 8.92 s inlined, 8.59 / 8.99 s called). Each
reads and writes the columns of the path's state ``st`` (``engine.state.PATH_STATE``) that its docstring names, and
returns the day's flows it computes. A stage that computes a protocol or economic quantity calls the compiled twin
of the formula in ``engine.kernels`` (hashvalue, production, energy cost, break-even power price, lease rent, GPU
revenue), so each is written once. Inputs arrive as named tuples (``engine.step.MarketArrays``, ``CompanyInputs``)
and vectors with named columns (``engine.plan``, ``policies.treasury.TREASURY_PARAMS``).

The order of floating-point operations is the one the engine has always used: same seeds, same bits.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from hashpivot.engine import kernels as k
from hashpivot.engine.debt import D_PRINCIPAL_USD
from hashpivot.engine.market import norm_cdf
from hashpivot.engine.plan import (
    C_BTC_HELD,
    C_CASH_USD,
    C_CONTRACT_DISCOUNT_RATE_PER_YEAR,
    C_CREDIT_FACILITY_USD,
    C_CREDIT_RATE_PER_YEAR,
    C_DEBT_RATE_PER_YEAR,
    C_DEBT_USD,
    C_EQUITY_DISCOUNT_PER_DAY,
    C_FIXED_OPEX_USD_PER_DAY,
    C_LEASE_RATE_ELASTICITY_RATIO,
    C_NAV_COUNTS_CONTRACTS,
    C_SHARES,
    F_EHS_PER_GRID_MW,
    F_GRID_MW,
    F_NET_OF_POOL_FEE_FRAC,
    F_PUE_RATIO,
    F_SITE_INDEX,
    F_UPTIME_FRAC,
    G_CHECK_EVERY_DAYS,
    G_FLEET_ROW,
    G_FUNDING,
    G_KIND,
    G_LEAD_TIME_DAYS,
    G_LIFE_YEARS,
    G_MAX_EHS_PER_CHECK,
    G_MAX_PAYBACK_DAYS,
    G_MNAV_FLOOR_RATIO,
    G_MNAV_RATIO,
    G_PREMIUM_BETA,
    G_PRICE0_USD_PER_TH,
    G_PRICE_ELASTICITY,
    G_RESALE_ELASTICITY,
    G_RETIRE_AFTER_NEGATIVE_DAYS,
    G_SITE_FREE_GRID_MW,
    G_TARGET_EHS,
    F_GRID_J_PER_TH,
    L_AGE_YEARS,
    L_CAPEX_USD,
    L_ENERGIZE_DAY,
    L_ORDER_DAY,
    L_PRICE_NEW_USD_PER_TH,
    L_TRACKED,
    P_BUILD_DAYS,
    P_CAPEX_USD,
    P_CONTRACT_DAYS,
    P_CONTRACT_RATE_USD_PER_GPU_HOUR,
    P_CONTRACTED_BEFORE_DAYS,
    P_CONTRACTED_FRAC,
    P_DELAY_DAYS,
    P_EARNED_BEFORE_DAYS,
    P_DOWNTIME_DAYS,
    P_ESCALATOR_FRAC_PER_YEAR,
    P_GRID_MW,
    P_HAZARD_PER_DAY,
    P_INITIAL_OCCUPANCY_FRAC,
    P_IT_MW,
    P_KIND,
    P_LEASE_RATE_USD_PER_KW_MONTH,
    P_LEASE_UP_CONTRACTED,
    P_LEASE_UP_DAYS,
    P_N_GPUS,
    P_OPEX_FRAC_OF_REVENUE,
    P_OPEX_USD_PER_GPU_HOUR,
    P_POWER_PRICE_USD_PER_MWH,
    P_RELET_LEASE_UP_DAYS,
    P_RENEWAL_PROB,
    P_SITE_INDEX,
    P_SPOT_START_USD_PER_GPU_HOUR,
    P_STABILISED_OCCUPANCY_FRAC,
    P_TERM_DAYS,
    P_UTILISATION_FRAC,
    SITE_CURTAILABLE_FRAC,
    SITE_DEMAND_RESPONSE_CALL_FRAC,
    SITE_DEMAND_RESPONSE_CAP_HOURS_PER_YEAR,
    SITE_DEMAND_RESPONSE_USD_PER_MWH,
    SITE_SPIN_OFF_DAY,
    SITE_HOURLY_PRICE_VOL_LOG,
    SITE_POWER_PRICE_USD_PER_MWH,
    U_CAPEX_USD_PER_TH,
    U_EFFICIENCY_J_PER_TH,
    U_MAX_MW_PER_CHECK,
    U_MAX_PAYBACK_DAYS,
)
from hashpivot.engine.state import (
    N_SITE_TOTALS,
    N_SITE_VALUES,
    SV_CONTRACTED_VALUE_USD,
    SV_FLEET_VALUE_USD,
    ST_AI_CAPEX_USD,
    ST_AI_MW_DAYS,
    ST_AI_OPEX_USD,
    ST_AI_REVENUE_USD,
    ST_MINED_BTC,
    ST_MINING_CAPEX_USD,
    ST_MINING_MW_DAYS,
    ST_MINING_OPEX_USD,
    ST_MINING_REVENUE_USD,
    T_SITE0,
    FS_ACTIVE_GRID_MW,
    FS_CALLED_HOURS_THIS_YEAR,
    FS_CAPEX_USD,
    FS_ENERGIZED_MW_DAYS,
    FS_MARGIN_PER_MW_USD,
    FS_MARGIN_USD,
    FS_NEGATIVE_DAYS,
    FS_NEXT_PAYBACK_MARGIN_PER_MW_USD,
    FS_PAYBACK_DAY,
    FS_PENDING_GRID_MW,
    FS_RESALE_USD,
    FS_RETIRED,
    FS_UPGRADED_GRID_MW,
    FS_UPGRADED_MW_DAYS,
    M_AI_MW_DAYS,
    M_AI_OPEX,
    M_AI_REV,
    M_BTC,
    M_BTC_PER_SHARE,
    M_CAPEX,
    M_CASH,
    M_MINED,
    M_MINING_MW_DAYS,
    M_MINING_OPEX,
    M_MINING_REV,
    M_NAV,
    M_NAV_PER_SHARE,
    M_SOLD,
    N_SEGMENTS,
    PS_CONTRACT_LOST,
    PS_LEASE_RATE_USD_PER_KW_MONTH,
    PS_LEASE_UP_DAYS,
    PS_LET_FROM_DAY,
    PS_NEXT_RENT_DAY,
    PS_RATE_FROM_DAY,
    PS_RELET_DAY,
    PS_RENT_USD_PER_DAY,
    PS_TERMS_ENDED,
    S_BOUGHT_BTC,
    S_BTC_HELD,
    S_CAPEX_USD,
    S_CASH_USD,
    S_COLLATERAL_BTC,
    S_CONVERTED_USD,
    S_CONVERTIBLE_USD,
    S_CREDIT_DRAWN_USD,
    S_DEBT_USD,
    S_DEMAND_RESPONSE_MWH,
    S_DEMAND_RESPONSE_USD,
    S_DISCOUNT_FACTOR,
    S_EQUITY_RAISED_USD,
    S_FLEETS_AS_BUILT,
    S_GROWTH_CAPEX_USD,
    S_HASHPRICE0_USD_PER_TH_DAY,
    S_INSOLVENT_DAY,
    S_LOAN_USD,
    S_MINED_BTC,
    S_PRICE_COUNT_DAYS,
    S_PRICE_SUM_USD,
    S_PV_FLOWS_USD,
    S_PURCHASED_EHS,
    S_RESALE_USD,
    S_RETIRED_EHS,
    S_SEGMENT0,
    S_SHARES,
    S_SHUTDOWN_FORGONE_BTC,
    S_SHUTDOWN_SAVED_USD,
    S_SOLD_BTC,
    S_TRANCHE_DEBT_USD,
    SE_FULL_COST_USD,
    SE_FULL_MWH,
    SE_USED_COST_USD,
    SE_USED_MWH,
    SEG_CAPEX_USD,
    SEG_MW_DAYS,
    SEG_OPEX_USD,
    SEG_REVENUE_USD,
    T_BOUGHT,
    T_BTC,
    T_BTC_PER_SHARE,
    T_CAPEX,
    T_CASH,
    T_DEBT,
    T_CONTRACTED_VALUE_USD,
    T_DEMAND_RESPONSE_MWH,
    T_DR,
    T_DCF_EQUITY_USD,
    T_DRAWN,
    T_EQUITY_RAISED,
    T_EV_USD,
    T_CONTRACT0,
    T_FLEET_VALUE_USD,
    T_GROWTH_CAPEX_USD,
    T_PURCHASED_EHS,
    T_RESALE_USD,
    T_RETIRED_EHS,
    T_INSOLVENT_DAY,
    T_MINED,
    T_NAV,
    T_SEGMENT0,
    T_SHARES,
    T_SHUTDOWN_FORGONE_BTC,
    T_SHUTDOWN_SAVED_USD,
    T_SOLD,
    TR_CAPEX_USD,
    TR_MARGIN_USD,
    TR_PAYBACK_DAY,
    TR_RESALE_USD,
    TR_RESIDUAL_USD,
    N_TRACKED_COLS,
    N_PURCHASE_COLS,
    PC_CAPEX_USD,
    PC_EHS,
    PC_MARGIN_USD,
    PC_ORDER_DAY,
    PC_PAYBACK_DAY,
    PC_PRICE_USD_PER_TH,
    PC_RESALE_USD,
    PC_RESIDUAL_USD,
    PU_CAPEX_USD,
    PU_EHS,
    PU_ENERGIZED_GRID_MW,
    PU_ENERGIZED_MW_DAYS,
    PU_MARGIN_BASE_USD,
    PU_ORDER_DAY,
    PU_PAYBACK_DAY,
    PU_PENDING_GRID_MW,
    PU_RESALE_USD,
)
from hashpivot.policies.capacity import PROJECT_GPU_CLOUD
from hashpivot.policies.treasury import (
    BUY_WITH_CASH,
    BUY_WITH_CONVERTIBLE,
    BUY_WITH_EQUITY,
    SELL_ABOVE_AVERAGE,
    SELL_ALL,
    SELL_FRACTION,
    SELL_TO_COVER,
    TP_CASH_FLOOR_USD,
    TP_CONVERSION_PRICE_USD_PER_SHARE,
    TP_COUPON_RATE_PER_YEAR,
    TP_ISSUE_DAY,
    TP_ISSUE_USD_PER_DAY,
    TP_MAX_BUY_USD_PER_DAY,
    TP_MAX_DILUTION_RATIO,
    TP_MNAV_FLOOR_RATIO,
    TP_MNAV_RATIO,
    TP_PREMIUM_BETA,
    TP_PRINCIPAL_USD,
    TP_SELL_FRAC,
    TP_SELL_HOLDINGS_FRAC_PER_DAY,
    TP_SELL_PRODUCTION_FRAC,
    TP_TERM_DAYS,
    TP_THRESHOLD_RATIO,
)
from hashpivot.units import DAYS_PER_YEAR, HOURS_PER_DAY, MONTHS_PER_YEAR, TH_PER_EH

#: The writers of a month's row and a path's last row: compiled once as functions of their own, not inlined (see the
#: module docstring), with the kernels' error model (a division by zero gives inf or nan, as inlined).
_once_a_month = njit(nogil=True, error_model="numpy")

_DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR
_SEG_STRIDE = 4  # len(engine.state.SEGMENT_FIELDS)
_SEG_MINING = S_SEGMENT0  # the mining segment's block of the state


@njit(inline="always")
def _seg(g, field):
    """Column of segment ``g``'s ``field`` (``SEG_*``) in the path state."""
    return S_SEGMENT0 + _SEG_STRIDE * g + field


@njit(inline="always")
def nav_usd(st, btc_price_usd):
    """Net asset value: BTC x price + cash - debt - convertible principal - credit drawn, + collateral pledged x price
    - BTC-backed loans (``engine.hedges``) - debt tranches (``engine.debt``; all 0 without, which leaves the bits
    as they were). Reads ``S_BTC_HELD``, ``S_CASH_USD``, ``S_DEBT_USD``, ``S_CONVERTIBLE_USD``,
    ``S_CREDIT_DRAWN_USD``, ``S_COLLATERAL_BTC``, ``S_LOAN_USD``, ``S_TRANCHE_DEBT_USD``. [USD]"""
    return (st[S_BTC_HELD] * btc_price_usd + st[S_CASH_USD] - st[S_DEBT_USD] - st[S_CONVERTIBLE_USD]
            - st[S_CREDIT_DRAWN_USD] + st[S_COLLATERAL_BTC] * btc_price_usd - st[S_LOAN_USD]
            - st[S_TRANCHE_DEBT_USD])


# --- 1. market day ---------------------------------------------------------------------------------------------

@njit(inline="always")
def track_price_mean(st, market, p, t, window_days):
    """Fold today's BTC price into the mean that ``sell_above_average`` compares against: the trailing
    ``window_days`` (day 0 included until the window is full), or, with ``window_days = 0``, the days since the
    last halving. Writes ``S_PRICE_SUM_USD`` [USD] and ``S_PRICE_COUNT_DAYS`` [days]. Runs on every path, insolvent
    or not (the mean is a market fact)."""
    price = market.btc_price_usd
    if window_days > 0:
        st[S_PRICE_SUM_USD] += price[p, t]
        if t >= window_days:
            st[S_PRICE_SUM_USD] -= price[p, t - window_days]
        else:
            st[S_PRICE_COUNT_DAYS] += 1.0
    else:
        if market.subsidy_btc[p, t] != market.subsidy_btc[p, t - 1]:
            st[S_PRICE_SUM_USD] = 0.0
            st[S_PRICE_COUNT_DAYS] = 0.0
        st[S_PRICE_SUM_USD] += price[p, t]
        st[S_PRICE_COUNT_DAYS] += 1.0


# --- 2. production, energy and curtailment ---------------------------------------------------------------------

@njit(cache=True, nogil=True, error_model="numpy")
def curtailment(price_usd_per_mwh, breakeven_usd_per_mwh, hourly_log_sd):
    """(share of hours mined, mean price paid in them as a share of the day's mean price x share of hours).

    Hourly prices are lognormal with mean ``price`` and log-sd ``hourly_log_sd``; mining runs in the
    hours when the price is below break-even. With ``hourly_log_sd = 0`` the whole day runs or stops.
    """
    if breakeven_usd_per_mwh <= 0.0:
        return 0.0, 0.0
    if price_usd_per_mwh <= 0.0:
        return 1.0, 1.0
    if hourly_log_sd <= 0.0:
        run = 1.0 if price_usd_per_mwh <= breakeven_usd_per_mwh else 0.0
        return run, run
    mu = math.log(price_usd_per_mwh) - 0.5 * hourly_log_sd * hourly_log_sd
    d = (math.log(breakeven_usd_per_mwh) - mu) / hourly_log_sd
    return norm_cdf(d), norm_cdf(d - hourly_log_sd)


@njit(inline="always")
def convert_capacity(st, fs, company, p, t):
    """On the day a project's build starts, its grid MW stop mining: lowers ``FS_ACTIVE_GRID_MW`` of the fleets it
    takes from and clears ``S_FLEETS_AS_BUILT``."""
    for j in range(company.projects.shape[0]):
        if company.start_days[p, j] == t:
            for f in range(company.fleets.shape[0]):
                if company.removal_mw[j, f] != 0.0:
                    fs[f, FS_ACTIVE_GRID_MW] -= company.removal_mw[j, f]
                    st[S_FLEETS_AS_BUILT] = 0.0


@njit(inline="always")
def mine_units(grid_mw, ehs_per_grid_mw, fleet, fleets, sites, price_usd_per_mwh, hashvalue, btc_price_usd,
               called_frac):
    """(BTC mined [BTC], power cost [USD], demand-response credits [USD], MWh called off [MWh], power saved by
    switching off [USD], BTC not mined while off [BTC], share of its energy drawn [fraction]) today of ``grid_mw`` of one kind of unit of fleet row
    ``fleet``, at today's power price [USD/MWh] and hashvalue [BTC/(EH/s)/day].

    On a curtailable site the curtailable share runs only in the hours when power costs less than it earns (its
    break-even power price). A demand-response program calls that share off in ``called_frac`` of today's hours,
    the highest-priced ones (the grid's stress hours), and pays its credit on the called MWh; the called hours stop
    mining only where they reach below the hours already off at a loss. Those extra hours are costed at the mean
    price of the hours that run, a lower bound of what they cost (they are the dearest of them); exact with one
    price for the day."""
    uptime = fleets[fleet, F_UPTIME_FRAC]
    net = fleets[fleet, F_NET_OF_POOL_FEE_FRAC]
    site = int(fleets[fleet, F_SITE_INDEX])
    curtailable = sites[site, SITE_CURTAILABLE_FRAC]
    full_btc = k.btc_mined(uptime * net * grid_mw * ehs_per_grid_mw, hashvalue)
    full_cost = k.energy_cost_usd(k.energy_mwh_per_day(grid_mw, uptime), price_usd_per_mwh)
    if curtailable <= 0.0:
        return full_btc, full_cost, 0.0, 0.0, 0.0, 0.0, 1.0
    breakeven = k.breakeven_power_price_usd_per_mwh(k.btc_mined(net * ehs_per_grid_mw, hashvalue) * btc_price_usd)
    run, cost_share = curtailment(price_usd_per_mwh, breakeven, sites[site, SITE_HOURLY_PRICE_VOL_LOG])
    extra_off = called_frac - (1.0 - run)
    if extra_off > 0.0:
        cost_share -= extra_off * cost_share / run
        run -= extra_off
    called_mwh = k.energy_mwh_per_day(grid_mw, uptime) * curtailable * called_frac
    return (full_btc * ((1.0 - curtailable) + curtailable * run),
            full_cost * ((1.0 - curtailable) + curtailable * cost_share),
            called_mwh * sites[site, SITE_DEMAND_RESPONSE_USD_PER_MWH],
            called_mwh,
            full_cost * curtailable * (1.0 - cost_share),
            full_btc * curtailable * (1.0 - run),
            (1.0 - curtailable) + curtailable * run)


@njit(inline="always")
def called_share(fs, f, sites, site, t):
    """Share of day ``t``'s hours in which site ``site``'s demand-response program calls fleet ``f`` off: its call
    rate, within what is left of its yearly cap; counts the hours in ``FS_CALLED_HOURS_THIS_YEAR`` (the count
    restarts on each anniversary of the run's start). [fraction]"""
    rate = sites[site, SITE_DEMAND_RESPONSE_CALL_FRAC]
    if rate <= 0.0:
        return 0.0
    if int((t - 1) / DAYS_PER_YEAR) != int((t - 2) / DAYS_PER_YEAR):
        fs[f, FS_CALLED_HOURS_THIS_YEAR] = 0.0
    hours = min(rate * HOURS_PER_DAY, max(sites[site, SITE_DEMAND_RESPONSE_CAP_HOURS_PER_YEAR]
                                          - fs[f, FS_CALLED_HOURS_THIS_YEAR], 0.0))
    fs[f, FS_CALLED_HOURS_THIS_YEAR] += hours
    return hours / HOURS_PER_DAY


@njit(inline="always")
def mine_as_built(st, sts, company, market, pi, t, hashvalue, btc_price_usd, full):
    """(BTC mined [BTC], power cost [USD]) of fleets as built: a few multiplications by factors formed once per
    plan (``engine.plan.AsBuiltFleets``), in the general loop's order of operations (same bits). Adds the mining
    MW-days to the mining segment's ``mw_days`` and, with tracked sites (``sts`` has rows; only in the ``full``
    kernel, ``engine.step.run_company_full``), each fleet's flows to its site's."""
    ab = company.as_built
    mined = 0.0
    power = 0.0
    by_site = full and sts.shape[0] > 0
    for i in range(ab.built.size):
        b = k.btc_mined(ab.net_hashrate_ehs[i, t], hashvalue)
        c = k.energy_cost_usd(ab.energy_mwh_per_day[i], ab.power_price_usd_per_mwh[i] * market.power_price_index[pi, t])
        mined += b
        power += c
        mw = company.fleets[ab.built[i], F_GRID_MW]
        st[_SEG_MINING + SEG_MW_DAYS] += mw
        if by_site:
            add_site_mining(sts, int(company.fleets[ab.built[i], F_SITE_INDEX]), b, b * btc_price_usd, c, mw)
    return mined, power


@njit(inline="always")
def add_site_mining(sts, site, mined_btc, revenue_usd, power_usd, mw):
    """Add a fleet's day to its site's ``SITE_TOTALS`` (BTC mined, revenue [USD], power [USD], MW-days)."""
    sts[site, ST_MINED_BTC] += mined_btc
    sts[site, ST_MINING_REVENUE_USD] += revenue_usd
    sts[site, ST_MINING_OPEX_USD] += power_usd
    sts[site, ST_MINING_MW_DAYS] += mw


@njit(inline="always")
def mine_fleets(st, fs, sts, company, market, upgrade, pi, t, hashvalue, btc_price_usd, site_energy, full):
    """(BTC mined [BTC], power cost [USD], demand-response credits [USD], least productive fleet with old units
    (-1 if none), its EH/s per grid MW) today, fleet by fleet: converted MW take the old units first; upgraded
    units keep mining. Adds the mining MW-days to the mining segment's ``mw_days``; reads ``FLEET_STATE``. When
    ``site_energy`` has rows (a fixed-price power contract needs them: ``engine.hedges``) it sets each site's row
    (``SE_*``: energy at full use [MWh], energy drawn [MWh], their cost at today's price [USD]); with none it is
    not touched. With tracked sites (``sts`` has rows) each fleet's flows go to its site's ``SITE_TOTALS`` too; with
    ``full`` (a constant: True in ``engine.step.run_company_full``) each fleet's margin to its ``FS_MARGIN_USD`` and,
    for the bought units' fleet, that margin per active MW to its ``FS_MARGIN_PER_MW_USD``."""
    fleets, sites = company.fleets, company.sites
    by_site = full and sts.shape[0] > 0
    mined = 0.0
    power = 0.0
    dr = 0.0
    worst = -1
    worst_ehs_per_mw = 0.0
    track = site_energy.shape[0] > 0
    if track:
        site_energy[:, :] = 0.0
    grow_row = int(company.growth[G_FLEET_ROW]) if full else -1
    for f in range(fleets.shape[0]):
        mw = fs[f, FS_ACTIVE_GRID_MW]
        if mw <= 1e-12:
            continue
        fleet_margin = 0.0
        site = int(fleets[f, F_SITE_INDEX])
        st[_SEG_MINING + SEG_MW_DAYS] += mw
        if by_site:
            sts[site, ST_MINING_MW_DAYS] += mw
        mw_new = min(fs[f, FS_UPGRADED_GRID_MW], mw)
        mw_old = mw - mw_new
        price_mwh = sites[site, SITE_POWER_PRICE_USD_PER_MWH] * market.power_price_index[pi, t]
        called = called_share(fs, f, sites, site, t)
        ehs_per_mw_old = fleets[f, F_EHS_PER_GRID_MW] * company.derate[f, t]
        ehs_per_mw_new = 1.0 / (upgrade[U_EFFICIENCY_J_PER_TH] * fleets[f, F_PUE_RATIO]) if mw_new > 0.0 else 0.0
        for part in range(1 if mw_new <= 0.0 else 2):
            part_mw = mw_old if part == 0 else mw_new
            if part_mw <= 0.0:
                continue
            ehs_per_mw = ehs_per_mw_old if part == 0 else ehs_per_mw_new
            b, c, d, d_mwh, saved, forgone, used_frac = mine_units(part_mw, ehs_per_mw, f, fleets, sites, price_mwh,
                                                                   hashvalue, btc_price_usd, called)
            if track:
                full_mwh = k.energy_mwh_per_day(part_mw, fleets[f, F_UPTIME_FRAC])
                site_energy[site, SE_FULL_MWH] += full_mwh
                site_energy[site, SE_USED_MWH] += full_mwh * used_frac
                site_energy[site, SE_FULL_COST_USD] += k.energy_cost_usd(full_mwh, price_mwh)
                site_energy[site, SE_USED_COST_USD] += c
            mined += b
            power += c
            dr += d
            if full:
                fleet_margin += b * btc_price_usd + d - c
            if by_site:
                add_site_mining(sts, site, b, b * btc_price_usd + d, c, 0.0)
            st[S_DEMAND_RESPONSE_MWH] += d_mwh
            st[S_SHUTDOWN_SAVED_USD] += saved
            st[S_SHUTDOWN_FORGONE_BTC] += forgone
        if full:
            fs[f, FS_MARGIN_USD] += fleet_margin
            if f == grow_row:  # only the bought units' fleet reads it (its purchase rows' margins)
                fs[f, FS_MARGIN_PER_MW_USD] += fleet_margin / mw
        if mw_old > 1e-9 and (worst < 0 or ehs_per_mw_old < worst_ehs_per_mw):
            worst = f
            worst_ehs_per_mw = ehs_per_mw_old
    return mined, power, dr, worst, worst_ehs_per_mw


@njit(inline="always")
def upgrade_fleet(st, fs, sts, company, upgrade, worst, worst_ehs_per_mw, hashvalue, btc_price_usd, t, full):
    """Capex [USD] of replacing up to ``max_mw_per_check`` grid MW of the least productive fleet's old units with
    the upgrade model on day ``t`` when the new units' capex is paid back by their extra revenue within
    ``max_payback_days`` at today's hashvalue and price. Writes ``FS_UPGRADED_GRID_MW``, ``FS_UPGRADED_MW_DAYS``
    (for the new units' age in their resale value, ``fleet_value_usd``) and the mining segment's ``capex_usd``."""
    fleets = company.fleets
    f = worst
    ehs_new = 1.0 / (upgrade[U_EFFICIENCY_J_PER_TH] * fleets[f, F_PUE_RATIO])
    gain = k.btc_mined(fleets[f, F_UPTIME_FRAC] * fleets[f, F_NET_OF_POOL_FEE_FRAC] * (ehs_new - worst_ehs_per_mw),
                       hashvalue) * btc_price_usd
    capex_per_mw = ehs_new * TH_PER_EH * upgrade[U_CAPEX_USD_PER_TH]  # TH/s per MW x USD per TH/s
    capex = 0.0
    if gain > 0.0 and capex_per_mw / gain <= upgrade[U_MAX_PAYBACK_DAYS]:
        x = min(upgrade[U_MAX_MW_PER_CHECK], fs[f, FS_ACTIVE_GRID_MW] - fs[f, FS_UPGRADED_GRID_MW])
        if x > 0.0:
            fs[f, FS_UPGRADED_GRID_MW] += x
            fs[f, FS_UPGRADED_MW_DAYS] += x * t
            capex += x * capex_per_mw
            st[_SEG_MINING + SEG_CAPEX_USD] += x * capex_per_mw
            if full and sts.shape[0] > 0:
                sts[int(fleets[f, F_SITE_INDEX]), ST_MINING_CAPEX_USD] += x * capex_per_mw
    return capex


# --- 2b. growth: machines ordered, energized, retired and resold ------------------------------------------------

@njit(inline="always")
def _hashprice_usd_per_th_day(market, p, t):
    """Path ``p``'s hashprice on day ``t`` from its market arrays (blocks x (subsidy + fees) x price / TH/s).
    [USD/(TH/s)/day]"""
    return k.hashprice_usd_per_th_day(market.btc_price_usd[p, t], market.network_hashrate_ehs[p, t],
                                      market.subsidy_btc[p, t], market.fees_btc_per_block[p, t], market.blocks[p, t])


@njit(inline="always")
def day0_hashprice(st, market, p):
    """Path ``p``'s day-0 hashprice, the reference of ASIC prices: writes ``S_HASHPRICE0_USD_PER_TH_DAY``."""
    st[S_HASHPRICE0_USD_PER_TH_DAY] = _hashprice_usd_per_th_day(market, p, 0)


@njit(inline="always")
def start_growth(fs, orders, pur, company):
    """Day 0 of a path with growth on: scheduled additions wait for their energize day (no MW active), no order
    is pending, no purchase made (``pur``: the purchase rows), nothing is paid, earned or retired."""
    life = company.fleet_life
    for f in range(company.fleets.shape[0]):
        if life[f, L_ENERGIZE_DAY] != 0.0:
            fs[f, FS_ACTIVE_GRID_MW] = 0.0
    fs[:, FS_PENDING_GRID_MW] = 0.0
    fs[:, FS_ENERGIZED_MW_DAYS] = 0.0
    fs[:, FS_NEGATIVE_DAYS] = 0.0
    fs[:, FS_RETIRED] = 0.0
    fs[:, FS_CAPEX_USD] = 0.0
    fs[:, FS_MARGIN_USD] = 0.0
    fs[:, FS_PAYBACK_DAY] = -1.0
    fs[:, FS_RESALE_USD] = 0.0
    fs[:, FS_MARGIN_PER_MW_USD] = 0.0
    fs[:, FS_NEXT_PAYBACK_MARGIN_PER_MW_USD] = math.inf
    for i in range(orders.shape[0]):
        orders[i, 0] = -1.0
        orders[i, 1] = 0.0
        orders[i, 2] = -1.0
    pur[:, :] = 0.0
    for i in range(pur.shape[0]):
        pur[i, PU_ORDER_DAY] = -1.0
        pur[i, PU_PAYBACK_DAY] = -1.0


@njit(inline="always")
def energize_and_pay(st, fs, orders, pur, company, t):
    """Capex [USD] paid today for scheduled additions ordered today (``L_CAPEX_USD`` on ``L_ORDER_DAY``); the
    additions and the growth policy's orders whose energize day is today join the active MW (they mine from
    today), and their purchase rows' (``pur``). Writes ``FS_ACTIVE_GRID_MW``, ``FS_PENDING_GRID_MW``,
    ``FS_ENERGIZED_MW_DAYS``, ``FS_CAPEX_USD``, ``S_GROWTH_CAPEX_USD``, the mining segment's ``capex_usd`` and the
    purchase rows' MW (``PU_*``)."""
    life = company.fleet_life
    capex = 0.0
    for f in range(company.fleets.shape[0]):
        if life[f, L_ORDER_DAY] == t:
            capex += life[f, L_CAPEX_USD]
            fs[f, FS_CAPEX_USD] += life[f, L_CAPEX_USD]
        if life[f, L_ENERGIZE_DAY] == t and t > 0:
            fs[f, FS_ACTIVE_GRID_MW] = company.fleets[f, F_GRID_MW]
            fs[f, FS_ENERGIZED_MW_DAYS] = company.fleets[f, F_GRID_MW] * t
    g = int(company.growth[G_FLEET_ROW])
    energized = False
    for i in range(orders.shape[0]):
        if orders[i, 0] == t:
            mw = orders[i, 1]
            fs[g, FS_ACTIVE_GRID_MW] += mw
            fs[g, FS_PENDING_GRID_MW] -= mw
            fs[g, FS_ENERGIZED_MW_DAYS] += mw * t
            j = int(orders[i, 2])
            pur[j, PU_PENDING_GRID_MW] -= mw
            pur[j, PU_ENERGIZED_GRID_MW] += mw
            pur[j, PU_ENERGIZED_MW_DAYS] += mw * t
            pur[j, PU_MARGIN_BASE_USD] += mw * fs[g, FS_MARGIN_PER_MW_USD]  # it earns from today's mining on
            orders[i, 0] = -1.0
            orders[i, 1] = 0.0
            orders[i, 2] = -1.0
            energized = True
    if energized:
        _next_payback(fs, pur, g)
    st[S_GROWTH_CAPEX_USD] += capex
    st[_SEG_MINING + SEG_CAPEX_USD] += capex
    return capex


@njit(inline="always")
def _purchase_threshold(pur, j):
    """The bought units' ``FS_MARGIN_PER_MW_USD`` at which purchase row ``j`` (mining) is paid back: its margin
    ``energized MW x that - margin base`` plus its resale share reaches its capex. [USD/MW]"""
    return (pur[j, PU_CAPEX_USD] - pur[j, PU_RESALE_USD] + pur[j, PU_MARGIN_BASE_USD]) / pur[j, PU_ENERGIZED_GRID_MW]


@njit(cache=True, nogil=True, error_model="numpy")
def _next_payback(fs, pur, g):
    """Set the bought units' fleet ``g``'s ``FS_NEXT_PAYBACK_MARGIN_PER_MW_USD``: the least threshold
    (``_purchase_threshold``) of its purchase rows mining and not yet paid back; inf if none. The daily payback check
    then compares one number (``track_purchase_payback``)."""
    nxt = math.inf
    for j in range(pur.shape[0]):
        if pur[j, PU_ENERGIZED_GRID_MW] > 1e-12 and pur[j, PU_PAYBACK_DAY] < 0.0:
            nxt = min(nxt, _purchase_threshold(pur, j))
    fs[g, FS_NEXT_PAYBACK_MARGIN_PER_MW_USD] = nxt


@njit(inline="always")
def track_purchase_payback(fs, pur, g, t):
    """Mark ``PU_PAYBACK_DAY`` of each purchase row on the first day its margin since it started mining (with its
    resale share) reaches its capex; a day on which no row can be (the fleet's margin per MW below
    ``FS_NEXT_PAYBACK_MARGIN_PER_MW_USD``) costs one comparison."""
    if fs[g, FS_MARGIN_PER_MW_USD] >= fs[g, FS_NEXT_PAYBACK_MARGIN_PER_MW_USD]:
        _mark_paybacks(fs, pur, g, t)


@njit(cache=True, nogil=True, error_model="numpy")
def _mark_paybacks(fs, pur, g, t):
    """``track_purchase_payback``'s scan on a day a purchase row can be paid back (compiled apart: the other days
    run none of it)."""
    m = fs[g, FS_MARGIN_PER_MW_USD]
    for j in range(pur.shape[0]):
        if pur[j, PU_ENERGIZED_GRID_MW] > 1e-12 and pur[j, PU_PAYBACK_DAY] < 0.0 and m >= _purchase_threshold(pur, j):
            pur[j, PU_PAYBACK_DAY] = t
    _next_payback(fs, pur, g)


@njit(inline="always")
def _purchase_value_usd(pur, fleets, fleet_life, growth, g, j, t, hashprice_ratio):
    """What purchase row ``j``'s units mining on day ``t`` would sell for at their own age (from their MW-weighted
    energize day): ``formulas.fleet.resale_usd_per_th`` x their stock TH/s, the basis of their share of the bought
    units' fleet's resale. [USD]"""
    e = pur[j, PU_ENERGIZED_GRID_MW]
    if e <= 1e-12:
        return 0.0
    age = (t - pur[j, PU_ENERGIZED_MW_DAYS] / e) / DAYS_PER_YEAR
    th = e * fleets[g, F_EHS_PER_GRID_MW] * TH_PER_EH
    return th * k.resale_usd_per_th(fleet_life[g, L_PRICE_NEW_USD_PER_TH], age, growth[G_LIFE_YEARS],
                                    hashprice_ratio, growth[G_RESALE_ELASTICITY])


@njit(cache=True, nogil=True, error_model="numpy")
def _retire_purchases(fs, pur, fleets, fleet_life, growth, g, t, proceeds_usd, hashprice_ratio):
    """The bought units' fleet ``g`` is sold today for ``proceeds_usd``: each purchase row mining gets its share (its
    own value, ``_purchase_value_usd``, over the rows' sum), keeps its margin to today (``PU_MARGIN_BASE_USD``
    absorbs it) and stops; a row whose margin and resale now reach its capex is paid back today. Compiled apart:
    only a retirement day runs it."""
    m = fs[g, FS_MARGIN_PER_MW_USD]
    total = 0.0
    for j in range(pur.shape[0]):
        total += _purchase_value_usd(pur, fleets, fleet_life, growth, g, j, t, hashprice_ratio)
    for j in range(pur.shape[0]):
        e = pur[j, PU_ENERGIZED_GRID_MW]
        if e <= 1e-12:
            continue
        if total > 0.0:
            own = _purchase_value_usd(pur, fleets, fleet_life, growth, g, j, t, hashprice_ratio)
            pur[j, PU_RESALE_USD] += proceeds_usd * (own / total)
        pur[j, PU_MARGIN_BASE_USD] -= e * m
        pur[j, PU_ENERGIZED_GRID_MW] = 0.0
        pur[j, PU_ENERGIZED_MW_DAYS] = 0.0
        if pur[j, PU_PAYBACK_DAY] < 0.0 and pur[j, PU_RESALE_USD] - pur[j, PU_MARGIN_BASE_USD] >= pur[j, PU_CAPEX_USD]:
            pur[j, PU_PAYBACK_DAY] = t
    _next_payback(fs, pur, g)


@njit(inline="always")
def _age_years(fs, company, f, t):
    """Age of fleet ``f``'s units on day ``t``: day-0 fleets from their age on day 0, others from the day
    (MW-weighted for bought units) they were energized. [years]"""
    life = company.fleet_life
    if life[f, L_ENERGIZE_DAY] == 0.0:
        return life[f, L_AGE_YEARS] + t / DAYS_PER_YEAR
    mw = fs[f, FS_ACTIVE_GRID_MW]
    since = fs[f, FS_ENERGIZED_MW_DAYS] / mw if mw > 0.0 else t
    return (t - since) / DAYS_PER_YEAR


@njit(inline="always")
def resale_value_usd(fs, company, f, t, hashprice_ratio):
    """What fleet ``f``'s active units would sell for on day ``t`` (``formulas.fleet.resale_usd_per_th`` x their
    stock TH/s). [USD]"""
    g = company.growth
    th = fs[f, FS_ACTIVE_GRID_MW] * company.fleets[f, F_EHS_PER_GRID_MW] * TH_PER_EH
    return th * k.resale_usd_per_th(company.fleet_life[f, L_PRICE_NEW_USD_PER_TH], _age_years(fs, company, f, t),
                                    g[G_LIFE_YEARS], hashprice_ratio, g[G_RESALE_ELASTICITY])


@njit(inline="always")
def fleet_value_usd(st, fs, company, market, p, t, site):
    """What the fleets the company still holds on day ``t`` would resell for [USD] (those of site index ``site``
    only, or all with ``site`` -1): for each fleet, its active TH/s
    (grid MW still mining x its stock EH/s per grid MW; MW converted to AI/HPC, retired or sold count nothing) x
    ``formulas.fleet.resale_usd_per_th`` (its price new ``L_PRICE_NEW_USD_PER_TH``, its age on day ``t``
    (``_age_years``), the economic life ``G_LIFE_YEARS``, hashprice on day ``t`` / on day 0 from the path's own
    market arrays, the used-ASIC elasticity ``G_RESALE_ELASTICITY``); units put in by the upgrade policy count
    at the upgrade model's TH/s and price from the MW-weighted day they went in. Units ordered and not yet energized
    count nothing (a conservative choice: their deposit is not valued). An insolvent path counts 0: its fleets were
    sold with everything else on the day it failed (the proceeds, if any, are already in its cash). Runs once per
    path at the horizon (and at the stored paths' month ends), never in the day loop."""
    if st[S_INSOLVENT_DAY] >= 0:
        return 0.0
    fleets, g, up = company.fleets, company.growth, company.upgrade
    ratio = _hashprice_usd_per_th_day(market, p, t) / _hashprice_usd_per_th_day(market, p, 0)
    value = 0.0
    for f in range(fleets.shape[0]):
        mw = fs[f, FS_ACTIVE_GRID_MW]
        if mw <= 1e-12 or (site >= 0 and int(fleets[f, F_SITE_INDEX]) != site):
            continue
        mw_new = min(fs[f, FS_UPGRADED_GRID_MW], mw)
        if mw_new <= 0.0:
            value += resale_value_usd(fs, company, f, t, ratio)
            continue
        value += resale_value_usd(fs, company, f, t, ratio) * ((mw - mw_new) / mw)
        th_new = mw_new / (up[U_EFFICIENCY_J_PER_TH] * fleets[f, F_PUE_RATIO]) * TH_PER_EH
        since = fs[f, FS_UPGRADED_MW_DAYS] / fs[f, FS_UPGRADED_GRID_MW]
        value += th_new * k.resale_usd_per_th(up[U_CAPEX_USD_PER_TH], (t - since) / DAYS_PER_YEAR, g[G_LIFE_YEARS],
                                              ratio, g[G_RESALE_ELASTICITY])
    return value


@njit(inline="always")
def retire_fleets(st, fs, pur, company, market, pi, t, hashvalue, btc_price_usd):
    """Proceeds [USD] of the fleets retired today: a fleet whose margin running all its uptime (BTC it would mine
    at today's price less its energy at today's mean power price) has been negative for
    ``G_RETIRE_AFTER_NEGATIVE_DAYS`` consecutive days is sold at its resale value and stops from tomorrow.
    Writes ``FS_NEGATIVE_DAYS``, ``FS_RETIRED``, ``FS_RESALE_USD``, ``FS_ACTIVE_GRID_MW``, ``S_RESALE_USD`` and
    ``S_RETIRED_EHS``; the bought units' fleet's sale is shared among its purchase rows (``_retire_purchases``)."""
    fleets, sites = company.fleets, company.sites
    grow_row = int(company.growth[G_FLEET_ROW])
    limit = company.growth[G_RETIRE_AFTER_NEGATIVE_DAYS]
    resale = 0.0
    for f in range(fleets.shape[0]):
        mw = fs[f, FS_ACTIVE_GRID_MW]
        if mw <= 1e-12:
            continue
        uptime = fleets[f, F_UPTIME_FRAC]
        price_mwh = sites[int(fleets[f, F_SITE_INDEX]), SITE_POWER_PRICE_USD_PER_MWH] * market.power_price_index[pi, t]
        ehs = uptime * fleets[f, F_NET_OF_POOL_FEE_FRAC] * mw * fleets[f, F_EHS_PER_GRID_MW] * company.derate[f, t]
        margin = (k.btc_mined(ehs, hashvalue) * btc_price_usd
                  - k.energy_cost_usd(k.energy_mwh_per_day(mw, uptime), price_mwh))
        fs[f, FS_NEGATIVE_DAYS] = fs[f, FS_NEGATIVE_DAYS] + 1.0 if margin < 0.0 else 0.0
        if fs[f, FS_NEGATIVE_DAYS] >= limit:
            ratio = hashvalue * btc_price_usd / TH_PER_EH / st[S_HASHPRICE0_USD_PER_TH_DAY]
            value = resale_value_usd(fs, company, f, t, ratio)
            resale += value
            fs[f, FS_RESALE_USD] += value
            if f == grow_row:
                _retire_purchases(fs, pur, fleets, company.fleet_life, company.growth, f, t, value, ratio)
            st[S_RETIRED_EHS] += mw * fleets[f, F_EHS_PER_GRID_MW]
            fs[f, FS_ACTIVE_GRID_MW] = 0.0
            fs[f, FS_UPGRADED_GRID_MW] = 0.0
            fs[f, FS_ENERGIZED_MW_DAYS] = 0.0
            fs[f, FS_NEGATIVE_DAYS] = 0.0
            fs[f, FS_RETIRED] = 1.0
    st[S_RESALE_USD] += resale
    return resale


@njit(inline="always")
def grow_fleet(st, fs, orders, pur, company, market, p, pi, t, hashvalue, btc_price_usd):
    """(capex [USD], equity raised for it [USD]) of the units the growth policy orders today (``policies.growth``):
    on a decision day, when one TH/s of the model, at today's price (``formulas.fleet.asic_price_usd_per_th``:
    day-0 price x (hashprice / day-0 hashprice) ** elasticity), pays itself back by its margin at today's hashprice
    and power price within ``G_MAX_PAYBACK_DAYS``, order the least of ``G_MAX_EHS_PER_CHECK``, the site's empty MW,
    what is left to the target (``buy_toward_target``) and, funded from cash, what cash, BTC and the undrawn
    facility pay for. Funded by equity (``G_FUNDING`` 1), the capex is raised today by selling shares at
    ``atm_mnav_ratio`` x NAV per share, NAV at today's BTC price before today's flows (``nav_usd``); nothing is
    ordered while that NAV is not positive. The order energizes after its lead time (the next day at the
    earliest); it is the next purchase row's (the last row's once every other is used). Writes the order queue,
    the purchase rows (``PU_*``), ``FS_PENDING_GRID_MW``, ``FS_CAPEX_USD``, ``S_GROWTH_CAPEX_USD``,
    ``S_PURCHASED_EHS``, the mining segment's ``capex_usd`` and, funded by equity, ``S_SHARES``,
    ``S_EQUITY_RAISED_USD`` and ``S_CASH_USD`` (the proceeds, which the day's operating cash then pays out)."""
    g = company.growth
    if t % max(int(g[G_CHECK_EVERY_DAYS]), 1) != 0:
        return 0.0, 0.0
    return _order_units(st, fs, orders, pur, company.fleets, company.sites, g, company.fleet_life, company.scalars,
                        market.power_price_index[pi, t], market.btc_price_usd[p, 0], t, hashvalue, btc_price_usd)


@njit(cache=True, nogil=True, error_model="numpy")
def _order_units(st, fs, orders, pur, fleets, sites, g, fleet_life, scalars, power_index, btc_price_0_usd, t,
                 hashvalue, btc_price_usd):
    """``grow_fleet``'s decision on a decision day (see it), compiled apart so that the days between decisions run
    none of its code: today's power price index ``power_index`` [ratio], the path's day-0 BTC price
    ``btc_price_0_usd`` [USD]. Returns (capex [USD], equity raised [USD])."""
    row = int(g[G_FLEET_ROW])
    hashprice = hashvalue * btc_price_usd / TH_PER_EH
    price_th = k.asic_price_usd_per_th(g[G_PRICE0_USD_PER_TH], hashprice / st[S_HASHPRICE0_USD_PER_TH_DAY],
                                       g[G_PRICE_ELASTICITY])
    price_mwh = (sites[int(fleets[row, F_SITE_INDEX]), SITE_POWER_PRICE_USD_PER_MWH]
                 * power_index)
    margin = k.unit_margin_usd_per_th_day(hashprice, fleets[row, F_UPTIME_FRAC], fleets[row, F_NET_OF_POOL_FEE_FRAC],
                                          fleets[row, F_GRID_J_PER_TH], price_mwh)
    if not (margin > 0.0 and price_th <= g[G_MAX_PAYBACK_DAYS] * margin):
        return 0.0, 0.0
    ehs_per_mw = fleets[row, F_EHS_PER_GRID_MW]
    free_mw = g[G_SITE_FREE_GRID_MW] - fs[row, FS_ACTIVE_GRID_MW] - fs[row, FS_PENDING_GRID_MW]
    buy = min(g[G_MAX_EHS_PER_CHECK], free_mw * ehs_per_mw)
    if g[G_KIND] == 1.0:
        installed = 0.0
        life = fleet_life
        for f in range(fleets.shape[0]):
            # (a conversion after a retirement leaves a fleet's active MW below 0: it counts as none)
            mw = max(fs[f, FS_ACTIVE_GRID_MW], 0.0) + fs[f, FS_PENDING_GRID_MW]
            if life[f, L_ENERGIZE_DAY] > t and fs[f, FS_RETIRED] == 0.0:
                mw += fleets[f, F_GRID_MW]
            installed += mw * fleets[f, F_EHS_PER_GRID_MW]
        buy = min(buy, g[G_TARGET_EHS] - installed)
    equity = g[G_FUNDING] == 1.0
    nav = 0.0
    if equity:
        nav = nav_usd(st, btc_price_usd)
        if not nav > 0.0:
            return 0.0, 0.0
    else:
        liquid = (max(st[S_CASH_USD], 0.0) + st[S_BTC_HELD] * btc_price_usd
                  + max(scalars[C_CREDIT_FACILITY_USD] - st[S_CREDIT_DRAWN_USD], 0.0))
        if price_th > 0.0:
            buy = min(buy, liquid / (price_th * TH_PER_EH))
    if buy <= 1e-9:
        return 0.0, 0.0
    slot = -1
    for i in range(orders.shape[0]):
        if orders[i, 0] < 0.0:
            slot = i
            break
    if slot < 0:
        return 0.0, 0.0
    mw = buy / ehs_per_mw
    capex = buy * TH_PER_EH * price_th
    j = pur.shape[0] - 1  # the purchase row: the first unused, else the last (it holds every later purchase)
    for i in range(pur.shape[0]):
        if pur[i, PU_ORDER_DAY] < 0.0:
            j = i
            break
    if pur[j, PU_ORDER_DAY] < 0.0:
        pur[j, PU_ORDER_DAY] = t
    pur[j, PU_EHS] += buy
    pur[j, PU_CAPEX_USD] += capex
    pur[j, PU_PENDING_GRID_MW] += mw
    if pur[j, PU_ENERGIZED_GRID_MW] > 1e-12:  # a last row already mining: its threshold moved
        _next_payback(fs, pur, row)
    orders[slot, 0] = t + max(int(g[G_LEAD_TIME_DAYS]), 1)
    orders[slot, 1] = mw
    orders[slot, 2] = j
    fs[row, FS_PENDING_GRID_MW] += mw
    fs[row, FS_CAPEX_USD] += capex
    st[S_GROWTH_CAPEX_USD] += capex
    st[S_PURCHASED_EHS] += buy
    st[_SEG_MINING + SEG_CAPEX_USD] += capex
    raised = 0.0
    if equity:
        mnav = atm_mnav_ratio(g[G_MNAV_RATIO], g[G_PREMIUM_BETA], g[G_MNAV_FLOOR_RATIO], btc_price_usd,
                              btc_price_0_usd)
        st[S_SHARES] += capex / (mnav * nav / st[S_SHARES])
        st[S_EQUITY_RAISED_USD] += capex
        st[S_CASH_USD] += capex
        raised = capex
    return capex, raised


@njit(inline="always")
def track_payback(fs, company, t):
    """Marks ``FS_PAYBACK_DAY`` of each tracked fleet on the first day its margin since day 0 reaches its capex."""
    life = company.fleet_life
    for f in range(company.fleets.shape[0]):
        if life[f, L_TRACKED] >= 0.0 and fs[f, FS_PAYBACK_DAY] < 0.0 and fs[f, FS_CAPEX_USD] > 0.0 \
                and fs[f, FS_MARGIN_USD] + fs[f, FS_RESALE_USD] >= fs[f, FS_CAPEX_USD]:
            fs[f, FS_PAYBACK_DAY] = t


@_once_a_month
def store_growth_terminal(st, fs, pur, company, market, term, p, t, first_col):
    """Write path ``p``'s growth figures (``engine.state.TRACKED_COLUMNS`` per tracked fleet, from column
    ``first_col``, then ``PURCHASE_COLUMNS`` per purchase row) on its last day ``t``: capex, margin, payback day,
    resale, and the resale value of what is still held (a purchase row's: its share of its fleet's, as
    ``_retire_purchases`` shares proceeds)."""
    life = company.fleet_life
    hashprice = k.hashprice_usd_per_th_day(market.btc_price_usd[p, t], market.network_hashrate_ehs[p, t],
                                           market.subsidy_btc[p, t], market.fees_btc_per_block[p, t],
                                           market.blocks[p, t])
    ratio = hashprice / st[S_HASHPRICE0_USD_PER_TH_DAY]
    for f in range(company.fleets.shape[0]):
        j = int(life[f, L_TRACKED])
        if j < 0:
            continue
        c = first_col + N_TRACKED_COLS * j
        term[p, c + TR_CAPEX_USD] = fs[f, FS_CAPEX_USD]
        term[p, c + TR_MARGIN_USD] = fs[f, FS_MARGIN_USD]
        term[p, c + TR_PAYBACK_DAY] = fs[f, FS_PAYBACK_DAY]
        term[p, c + TR_RESALE_USD] = fs[f, FS_RESALE_USD]
        held = fs[f, FS_ACTIVE_GRID_MW] > 1e-12 and st[S_INSOLVENT_DAY] < 0
        term[p, c + TR_RESIDUAL_USD] = resale_value_usd(fs, company, f, t, ratio) if held else 0.0
    if pur.shape[0] == 0:
        return
    g = int(company.growth[G_FLEET_ROW])
    first = first_col + N_TRACKED_COLS * (int(life[g, L_TRACKED]) + 1)
    held_usd = 0.0
    total = 0.0
    if fs[g, FS_ACTIVE_GRID_MW] > 1e-12 and st[S_INSOLVENT_DAY] < 0:
        held_usd = resale_value_usd(fs, company, g, t, ratio)
        for j in range(pur.shape[0]):
            total += _purchase_value_usd(pur, company.fleets, life, company.growth, g, j, t, ratio)
    m = fs[g, FS_MARGIN_PER_MW_USD]
    for j in range(pur.shape[0]):
        c = first + N_PURCHASE_COLS * j
        term[p, c + PC_ORDER_DAY] = pur[j, PU_ORDER_DAY]
        term[p, c + PC_EHS] = pur[j, PU_EHS]
        term[p, c + PC_PRICE_USD_PER_TH] = pur[j, PU_CAPEX_USD] / (pur[j, PU_EHS] * TH_PER_EH) if pur[j, PU_EHS] > 0.0 \
            else 0.0
        term[p, c + PC_CAPEX_USD] = pur[j, PU_CAPEX_USD]
        term[p, c + PC_MARGIN_USD] = pur[j, PU_ENERGIZED_GRID_MW] * m - pur[j, PU_MARGIN_BASE_USD]
        term[p, c + PC_PAYBACK_DAY] = pur[j, PU_PAYBACK_DAY]
        term[p, c + PC_RESALE_USD] = pur[j, PU_RESALE_USD]
        own = _purchase_value_usd(pur, company.fleets, life, company.growth, g, j, t, ratio) if total > 0.0 else 0.0
        term[p, c + PC_RESIDUAL_USD] = held_usd * own / total if total > 0.0 else 0.0


@njit(inline="always")
def growth_after_mining(st, fs, orders, pur, company, market, p, pi, t, hashvalue, btc_price_usd):
    """(capex of today's orders [USD], proceeds of fleets sold today [USD], equity raised today for the orders
    [USD]) after the day's mining: retirement (``retire_fleets``) when on, the growth policy's decision
    (``grow_fleet``) when on, then each tracked fleet's payback (``track_payback``) and each purchase row's
    (``track_purchase_payback``). Only ``engine.step.run_company_full`` reaches it: a run without growth runs
    a kernel compiled without any of the growth stages."""
    resale = 0.0
    capex = 0.0
    raised = 0.0
    if company.growth[G_RETIRE_AFTER_NEGATIVE_DAYS] > 0.5:
        resale = retire_fleets(st, fs, pur, company, market, pi, t, hashvalue, btc_price_usd)
    if company.growth[G_KIND] > 0.5:
        capex, raised = grow_fleet(st, fs, orders, pur, company, market, p, pi, t, hashvalue, btc_price_usd)
        track_purchase_payback(fs, pur, int(company.growth[G_FLEET_ROW]), t)
    track_payback(fs, company, t)
    return capex, resale, raised


# --- 3. AI/HPC projects ----------------------------------------------------------------------------------------

@njit(inline="always")
def _relet_rate(company, market, j, gi, t):
    """A lease's rate when it is re-let or renewed at the market: its contract rate x GPU rent index ^ elasticity."""
    return (company.projects[j, P_LEASE_RATE_USD_PER_KW_MONTH]
            * market.gpu_rent_index[gi, t] ** company.scalars[C_LEASE_RATE_ELASTICITY_RATIO])


@njit(inline="always")
def gpu_cloud_day(ps, company, market, p, j, pi, gi, t, earn_day, in_downtime):
    """(revenue [USD], opex [USD]) of GPU cloud ``j`` today: contracted GPU-hours at the contract rent and the rest
    at spot while the contract runs; after a customer default the uncontracted share at spot during the downtime,
    then all hours at spot. Opex: the hall's power and the GPUs' other costs. Writes ``PS_CONTRACT_LOST`` and
    ``PS_RELET_DAY``."""
    pr = company.projects
    hazard = pr[j, P_HAZARD_PER_DAY]
    contract_on = ps[j, PS_CONTRACT_LOST] == 0.0 and (t - earn_day) < pr[j, P_CONTRACT_DAYS]
    if contract_on and hazard > 0.0 and company.tenant_u[p, j, t] < hazard:
        ps[j, PS_CONTRACT_LOST] = 1.0
        ps[j, PS_RELET_DAY] = t + int(pr[j, P_DOWNTIME_DAYS])
        contract_on = False
        in_downtime = True
    hours = k.gpu_hours_per_day(pr[j, P_N_GPUS], pr[j, P_UTILISATION_FRAC])
    spot = pr[j, P_SPOT_START_USD_PER_GPU_HOUR] * market.gpu_rent_index[gi, t]
    cf = pr[j, P_CONTRACTED_FRAC]
    if contract_on:
        rev = k.gpu_revenue_usd(hours, cf * pr[j, P_CONTRACT_RATE_USD_PER_GPU_HOUR] + (1.0 - cf) * spot)
    elif in_downtime:
        rev = k.gpu_revenue_usd(hours * (1.0 - cf), spot)
    else:
        rev = k.gpu_revenue_usd(hours, spot)
    # Power at the hall's contract price x the day's power index; other opex on every installed GPU-hour.
    op = (k.energy_cost_usd(k.energy_mwh_per_day(pr[j, P_GRID_MW], 1.0), pr[j, P_POWER_PRICE_USD_PER_MWH])
          * market.power_price_index[pi, t]
          + pr[j, P_OPEX_USD_PER_GPU_HOUR] * pr[j, P_N_GPUS] * HOURS_PER_DAY)
    return rev, op


@njit(inline="always")
def _let(ps, j, t, lease_up_days):
    """Lease ``j``'s letting (and its lease-up of ``lease_up_days``) begins on day ``t``: writes ``PS_LET_FROM_DAY``
    and ``PS_LEASE_UP_DAYS``."""
    ps[j, PS_LET_FROM_DAY] = t
    ps[j, PS_LEASE_UP_DAYS] = lease_up_days


@njit(inline="always")
def lease_occupancy(pr, ps, j, d):
    """Share of lease ``j``'s IT load let on day ``d`` of its current letting (``kernels.lease_occupancy_frac`` from
    ``PS_LET_FROM_DAY`` over ``PS_LEASE_UP_DAYS``). [fraction]"""
    return k.lease_occupancy_frac(pr[j, P_INITIAL_OCCUPANCY_FRAC], pr[j, P_STABILISED_OCCUPANCY_FRAC],
                                  ps[j, PS_LEASE_UP_DAYS], d - ps[j, PS_LET_FROM_DAY])


@njit(inline="always")
def _renews(ps, company, p, j):
    """Whether lease ``j``'s tenant renews at the term end being reached: always with ``renewal_prob`` 1 (no draw),
    else the path's next renewal uniform (``renewal_u[p, j, n]``, n = the term ends so far) is below it. Writes
    ``PS_TERMS_ENDED``."""
    prob = company.projects[j, P_RENEWAL_PROB]
    if prob >= 1.0:
        return True
    n = int(ps[j, PS_TERMS_ENDED])
    ps[j, PS_TERMS_ENDED] = n + 1.0
    return company.renewal_u[p, j, min(n, company.renewal_u.shape[2] - 1)] < prob


@njit(inline="always")
def lease_day(ps, company, market, p, j, gi, t, in_downtime):
    """(rent [USD], opex [USD]) of lease ``j`` today. A tenant default idles the MW for ``downtime_days`` (with
    none, the re-let's lease-up restarts today); at the end of the term the tenant renews at the market rate with
    probability ``renewal_prob`` (``_renews``), else it leaves: the MW idle for ``downtime_days`` and are then
    re-let like a default's. The rent is the full IT load's x the share let today (``lease_occupancy``: the
    lease-up from the letting's first day; ``PS_RENT_USD_PER_DAY`` holds the stabilised share's, so a day past the
    ramp reads it as it is); the daily rent is recomputed only when the rate (re)starts or turns a
    year older (the escalator steps at each anniversary). Opex is the operating share of the rent. Writes
    ``PROJECT_STATE``."""
    pr = company.projects
    hazard = pr[j, P_HAZARD_PER_DAY]
    if not in_downtime and hazard > 0.0 and company.tenant_u[p, j, t] < hazard:
        ps[j, PS_RELET_DAY] = t + int(pr[j, P_DOWNTIME_DAYS])
        in_downtime = ps[j, PS_RELET_DAY] > t
        if not in_downtime:
            _let(ps, j, t, pr[j, P_RELET_LEASE_UP_DAYS])
    if not in_downtime and t - ps[j, PS_RATE_FROM_DAY] >= pr[j, P_TERM_DAYS]:
        if _renews(ps, company, p, j):
            ps[j, PS_LEASE_RATE_USD_PER_KW_MONTH] = _relet_rate(company, market, j, gi, t)
            ps[j, PS_RATE_FROM_DAY] = t
            ps[j, PS_NEXT_RENT_DAY] = t
        else:
            ps[j, PS_RELET_DAY] = t + int(pr[j, P_DOWNTIME_DAYS])
            in_downtime = ps[j, PS_RELET_DAY] > t
            if not in_downtime:  # no downtime: re-let today
                ps[j, PS_LEASE_RATE_USD_PER_KW_MONTH] = _relet_rate(company, market, j, gi, t)
                ps[j, PS_RATE_FROM_DAY] = t
                ps[j, PS_NEXT_RENT_DAY] = t
                _let(ps, j, t, pr[j, P_RELET_LEASE_UP_DAYS])
    if in_downtime:
        rev = 0.0
    else:
        if t == ps[j, PS_NEXT_RENT_DAY]:
            ps[j, PS_RENT_USD_PER_DAY] = (k.lease_rent_usd_per_day(pr[j, P_IT_MW], ps[j, PS_LEASE_RATE_USD_PER_KW_MONTH])
                                          * pr[j, P_STABILISED_OCCUPANCY_FRAC])
            age_days = int(t - ps[j, PS_RATE_FROM_DAY])
            if pr[j, P_ESCALATOR_FRAC_PER_YEAR] != 0.0:
                ps[j, PS_RENT_USD_PER_DAY] = ps[j, PS_RENT_USD_PER_DAY] * k.escalation_factor(
                    pr[j, P_ESCALATOR_FRAC_PER_YEAR], age_days // 365)
            ps[j, PS_NEXT_RENT_DAY] = t + 365 - age_days % 365
        rev = ps[j, PS_RENT_USD_PER_DAY]  # of the stabilised share let
        if t < ps[j, PS_LET_FROM_DAY] + ps[j, PS_LEASE_UP_DAYS]:  # on the lease-up ramp
            rev = rev * (lease_occupancy(pr, ps, j, t) / pr[j, P_STABILISED_OCCUPANCY_FRAC])
    return rev, rev * pr[j, P_OPEX_FRAC_OF_REVENUE]


@njit(inline="always")
def ai_projects(st, ps, sts, company, market, p, t, pi, gi, m, store, project_flows, capex, full):
    """(AI revenue [USD], AI opex [USD], capex [USD]) today: each started project pays its capex evenly over its
    build (all on its start day without one), then earns from the day its build and delay are over. ``capex`` is
    the day's capex so far; the returned one adds the projects'. Writes the segments' ``revenue_usd``,
    ``opex_usd``, ``capex_usd`` and ``mw_days``, ``PROJECT_STATE``, and (``store``) the path's monthly project
    net cash flows in ``project_flows[p, j, m]``; with tracked sites (``sts`` has rows), each project's flows to its
    site's ``SITE_TOTALS``."""
    pr = company.projects
    by_site = full and sts.shape[0] > 0
    ai_rev = 0.0
    ai_opex = 0.0
    for j in range(pr.shape[0]):
        start = company.start_days[p, j]
        if start < 0 or t < start:
            continue
        build = int(pr[j, P_BUILD_DAYS])
        capex_j = 0.0
        if build > 0:
            if t < start + build:
                capex_j = pr[j, P_CAPEX_USD] / build
        elif t == start:
            capex_j = pr[j, P_CAPEX_USD]
        capex += capex_j
        seg = int(pr[j, P_KIND]) + 1
        st[_seg(seg, SEG_CAPEX_USD)] += capex_j
        site = int(pr[j, P_SITE_INDEX])
        if by_site:
            sts[site, ST_AI_CAPEX_USD] += capex_j
        if store:
            project_flows[p, j, m] -= capex_j
        earn = start + build + int(pr[j, P_DELAY_DAYS])
        if t < earn:
            continue
        st[_seg(seg, SEG_MW_DAYS)] += pr[j, P_GRID_MW]
        if by_site:
            sts[site, ST_AI_MW_DAYS] += pr[j, P_GRID_MW]
        # the real earn day: before day 1 for a project dated before the run (its term runs from then)
        earned_from = earn - pr[j, P_EARNED_BEFORE_DAYS]
        if ps[j, PS_NEXT_RENT_DAY] < 0:  # its first day of revenue
            ps[j, PS_RATE_FROM_DAY] = earned_from
            ps[j, PS_NEXT_RENT_DAY] = earn
            _let(ps, j, earned_from, pr[j, P_LEASE_UP_DAYS])
        in_downtime = ps[j, PS_RELET_DAY] > t
        gpu = int(pr[j, P_KIND]) == PROJECT_GPU_CLOUD
        if t == ps[j, PS_RELET_DAY] and not gpu:
            ps[j, PS_LEASE_RATE_USD_PER_KW_MONTH] = _relet_rate(company, market, j, gi, t)
            ps[j, PS_RATE_FROM_DAY] = t
            ps[j, PS_NEXT_RENT_DAY] = t
            _let(ps, j, t, pr[j, P_RELET_LEASE_UP_DAYS])
        if gpu:
            rev, op = gpu_cloud_day(ps, company, market, p, j, pi, gi, t, earned_from, in_downtime)
        else:
            rev, op = lease_day(ps, company, market, p, j, gi, t, in_downtime)
        st[_seg(seg, SEG_REVENUE_USD)] += rev
        st[_seg(seg, SEG_OPEX_USD)] += op
        if by_site:
            sts[site, ST_AI_REVENUE_USD] += rev
            sts[site, ST_AI_OPEX_USD] += op
        if store:
            project_flows[p, j, m] += rev - op
        ai_rev += rev
        ai_opex += op
    return ai_rev, ai_opex, capex


# --- 4. treasury: operating cash, financing, the policy's decision, runway floor ----------------------------------

@njit(inline="always")
def operating_cash(st, company, code, params, power, dr, ai_rev, ai_opex, capex):
    """(interest [USD], operating cash flow [USD]) today; adds the flow to ``S_CASH_USD``. Operating: AI net
    revenue and demand-response credits less power, fixed opex, capex and interest (straight debt, the drawn
    facility and a convertible's coupon, each at its yearly rate / 365). With growth on, the day's proceeds of
    retired fleets are added after it (``engine.step.operate_day``)."""
    coupon = st[S_CONVERTIBLE_USD] * params[TP_COUPON_RATE_PER_YEAR] * (code == BUY_WITH_CONVERTIBLE)
    interest = (st[S_DEBT_USD] * company.scalars[C_DEBT_RATE_PER_YEAR]
                + st[S_CREDIT_DRAWN_USD] * company.scalars[C_CREDIT_RATE_PER_YEAR] + coupon) / DAYS_PER_YEAR
    operating = -power - company.scalars[C_FIXED_OPEX_USD_PER_DAY] + dr + (ai_rev - ai_opex) - capex - interest
    st[S_CASH_USD] += operating
    return interest, operating


@njit(inline="always")
def _buy_btc(st, usd, btc_price_usd):
    """BTC bought with ``usd`` at today's price; moves cash into BTC. [BTC]"""
    b = usd / btc_price_usd
    st[S_BTC_HELD] += b
    st[S_CASH_USD] -= b * btc_price_usd
    return b


@njit(inline="always")
def atm_mnav_ratio(mnav_ratio, premium_beta, mnav_floor_ratio, btc_price_usd, btc_price_0_usd):
    """Share price / NAV per share of an at-the-market issuance today: ``max(mnav_floor_ratio, mnav_ratio x (price
    / day-0 price) ** premium_beta)`` (``policies.treasury.BuyWithEquity``; the growth policy's equity funding
    reuses it). [ratio]"""
    mnav = mnav_ratio
    if premium_beta != 0.0:
        mnav = mnav * (btc_price_usd / btc_price_0_usd) ** premium_beta
    return max(mnav_floor_ratio, mnav)


@njit(inline="always")
def finance(st, company, code, params, t, btc_price_usd, btc_price_0_usd):
    """(financing cash flow [USD], BTC bought [BTC]) today. A convertible note: issued on its day (the principal
    buys BTC), at maturity converted into shares if the share price (mNAV x NAV per share) reaches the conversion
    price, else repaid in cash. At-the-market equity: shares sold at mNAV x NAV per share, the proceeds buy BTC;
    the mNAV is ``max(mnav_floor_ratio, mnav_ratio x (price / day-0 price ``btc_price_0_usd``) ** premium_beta)``,
    and no day sells more shares than leave the count at ``max_dilution_ratio`` above day 0's (the day that reaches
    it sells only those left). Writes ``S_CONVERTIBLE_USD``, ``S_SHARES``, ``S_CASH_USD``, ``S_BTC_HELD``,
    ``S_EQUITY_RAISED_USD``, ``S_CONVERTED_USD``."""
    financing = 0.0
    bought = 0.0
    if code == BUY_WITH_CONVERTIBLE:
        issue_day = int(params[TP_ISSUE_DAY])
        if t == issue_day:
            st[S_CONVERTIBLE_USD] = params[TP_PRINCIPAL_USD]
            financing += st[S_CONVERTIBLE_USD]
            st[S_CASH_USD] += st[S_CONVERTIBLE_USD]
            bought += _buy_btc(st, st[S_CONVERTIBLE_USD], btc_price_usd)
        elif t == issue_day + int(params[TP_TERM_DAYS]) and st[S_CONVERTIBLE_USD] > 0:
            share_price = params[TP_MNAV_RATIO] * nav_usd(st, btc_price_usd) / st[S_SHARES]
            if share_price >= params[TP_CONVERSION_PRICE_USD_PER_SHARE]:
                st[S_SHARES] += st[S_CONVERTIBLE_USD] / params[TP_CONVERSION_PRICE_USD_PER_SHARE]
                st[S_CONVERTED_USD] += st[S_CONVERTIBLE_USD]
            else:
                financing -= st[S_CONVERTIBLE_USD]
                st[S_CASH_USD] -= st[S_CONVERTIBLE_USD]
            st[S_CONVERTIBLE_USD] = 0.0
    elif code == BUY_WITH_EQUITY:
        nav = nav_usd(st, btc_price_usd)
        issue = params[TP_ISSUE_USD_PER_DAY]
        cap = company.scalars[C_SHARES] * (1.0 + params[TP_MAX_DILUTION_RATIO])  # most shares ever outstanding
        if nav > 0 and st[S_SHARES] < cap and issue > 0:
            mnav = atm_mnav_ratio(params[TP_MNAV_RATIO], params[TP_PREMIUM_BETA], params[TP_MNAV_FLOOR_RATIO],
                                  btc_price_usd, btc_price_0_usd)
            share_price = mnav * nav / st[S_SHARES]
            # the day that reaches the cap sells only the shares left under it
            issue = min(issue, (cap - st[S_SHARES]) * share_price)
            st[S_SHARES] += issue / share_price
            financing += issue
            st[S_EQUITY_RAISED_USD] += issue
            st[S_CASH_USD] += issue
            bought += _buy_btc(st, issue, btc_price_usd)
    return financing, bought


@njit(cache=True, nogil=True, error_model="numpy")
def decide(code, params, price, ma, mined, btc_start, btc, cash, operating_usd, kept_usd, owed_usd):
    """Treasury decision of one day: (BTC to sell [BTC], USD of cash to spend on BTC [USD]). Pure: today's price and
    its mean [USD], the day's production, the BTC held at the start of the day and now [BTC], cash, the day's
    operating cash flow, the cash the runway floor keeps (``runway_target_usd``, 0 without one) and the credit
    facility drawn [USD]. ``buy_with_cash`` spends only cash above the higher of its floor and the runway's, net of
    the facility drawn (a competent treasurer repays a revolver before buying BTC with borrowed cash, and does not
    buy BTC that the runway floor would sell back the same day)."""
    sell = 0.0
    buy_usd = 0.0
    if code == SELL_ALL:
        sell = mined
    elif code == SELL_FRACTION:
        sell = params[TP_SELL_FRAC] * mined
    elif code == SELL_TO_COVER:
        sell = max(-operating_usd, 0.0) / price
    elif code == SELL_ABOVE_AVERAGE:
        if price > params[TP_THRESHOLD_RATIO] * ma:
            sell = params[TP_SELL_PRODUCTION_FRAC] * mined + params[TP_SELL_HOLDINGS_FRAC_PER_DAY] * btc_start
    elif code == BUY_WITH_CASH:
        spare = cash - owed_usd - max(params[TP_CASH_FLOOR_USD], kept_usd)
        buy_usd = min(max(spare, 0.0), params[TP_MAX_BUY_USD_PER_DAY])
    return min(sell, btc), buy_usd


@njit(inline="always")
def apply_treasury(st, code, params, btc_price_usd, mined, btc_start, operating, bought, kept_usd):
    """(BTC sold [BTC], BTC bought today in all [BTC]): the policy's decision (``decide``) at today's price;
    ``operating`` is the day's operating flow with every cost paid after it (the debt tranches' interest, a
    BTC-backed loan's), ``bought`` what financing bought, ``kept_usd`` the cash the runway floor keeps. Writes
    ``S_BTC_HELD`` and ``S_CASH_USD``; reads the price mean."""
    ma = st[S_PRICE_SUM_USD] / st[S_PRICE_COUNT_DAYS]
    sell, buy_usd = decide(code, params, btc_price_usd, ma, mined, btc_start, st[S_BTC_HELD], st[S_CASH_USD],
                           operating, kept_usd, st[S_CREDIT_DRAWN_USD])
    st[S_BTC_HELD] -= sell
    st[S_CASH_USD] += sell * btc_price_usd
    if buy_usd > 0:
        bought += _buy_btc(st, buy_usd, btc_price_usd)
    return sell, bought


@njit(inline="always")
def runway_target_usd(floor_months, daily_costs_usd):
    """Cash the runway floor keeps: ``floor_months`` of today's costs (``daily_costs_usd``: power, fixed opex, AI
    opex and interest, the debt tranches' and BTC-backed loans' included). [USD]"""
    return floor_months * _DAYS_PER_MONTH * daily_costs_usd


@njit(inline="always")
def keep_runway(st, target_usd, btc_price_usd, sold):
    """BTC sold in all today [BTC]: sells BTC until cash reaches ``target_usd`` (``runway_target_usd`` plus what the
    day still pays after the treasury: the tranches' interest, ``engine.debt.settle_debt``). Writes ``S_BTC_HELD``
    and ``S_CASH_USD``."""
    if st[S_CASH_USD] < target_usd:
        extra = min((target_usd - st[S_CASH_USD]) / btc_price_usd, st[S_BTC_HELD])
        st[S_BTC_HELD] -= extra
        st[S_CASH_USD] += extra * btc_price_usd
        sold += extra
    return sold


# --- 5. solvency, accounting ------------------------------------------------------------------------------------

@njit(inline="always")
def repay_facility(st, kept_usd, financing):
    """The financing flow with today's repayment [USD]: at the end of the day, cash above ``kept_usd`` (the runway
    floor's target, 0 without one) repays the drawn credit facility, as a revolver's cash sweep does: a draw
    covers a shortfall (capex, a loss) and is repaid once cash comes back, so it does not carry interest for
    the rest of the run while cash piles up. Writes ``S_CREDIT_DRAWN_USD`` and ``S_CASH_USD``."""
    repay = min(st[S_CREDIT_DRAWN_USD], max(st[S_CASH_USD] - kept_usd, 0.0))
    if repay > 0.0:
        st[S_CREDIT_DRAWN_USD] -= repay
        st[S_CASH_USD] -= repay
        financing -= repay
    return financing


@njit(inline="always")
def _draw(st, facility_usd, financing):
    """Draw the credit facility toward covering negative cash; returns the financing flow with the draw. [USD]"""
    draw = min(-st[S_CASH_USD], facility_usd - st[S_CREDIT_DRAWN_USD])
    st[S_CREDIT_DRAWN_USD] += draw
    st[S_CASH_USD] += draw
    return financing + draw


@njit(inline="always")
def cover_shortfall(st, company, sell_btc_first, btc_price_usd, t, sold, financing):
    """(BTC sold in all [BTC], financing flow [USD]): a cash shortfall is covered by selling BTC and drawing the
    credit facility, in the order the policy allows; if both cannot cover it the path is insolvent today (all BTC
    sold, cash stays negative). Writes ``S_BTC_HELD``, ``S_CASH_USD``, ``S_CREDIT_DRAWN_USD``,
    ``S_INSOLVENT_DAY``."""
    facility = company.scalars[C_CREDIT_FACILITY_USD]
    if st[S_CASH_USD] < 0 and not sell_btc_first:
        financing = _draw(st, facility, financing)
    if st[S_CASH_USD] < 0:
        need = -st[S_CASH_USD] / btc_price_usd
        if st[S_BTC_HELD] >= need:
            st[S_BTC_HELD] -= need
            sold += need
            st[S_CASH_USD] = 0.0
        else:
            sold += st[S_BTC_HELD]
            st[S_CASH_USD] += st[S_BTC_HELD] * btc_price_usd
            st[S_BTC_HELD] = 0.0
            financing = _draw(st, facility, financing)
            if st[S_CASH_USD] < 0:
                st[S_INSOLVENT_DAY] = t
    return sold, financing


@njit(inline="always")
def check_day(st, btc_prev, cash_prev, mined, sold, bought, operating, financing, btc_price_usd):
    """Raise unless ``btc = btc_prev + mined - sold + bought`` and ``cash = cash_prev + operating + financing +
    (sold - bought) x price`` (relative 1e-9), and the state is finite with BTC >= 0."""
    btc, cash = st[S_BTC_HELD], st[S_CASH_USD]
    btc_expected = btc_prev + mined - sold + bought
    cash_expected = cash_prev + operating + financing + (sold - bought) * btc_price_usd
    scale_btc = max(1.0, abs(btc_prev) + mined + sold + bought)
    scale_cash = max(1.0, abs(cash_prev) + abs(operating) + abs(financing) + (sold + bought) * btc_price_usd)
    if abs(btc - btc_expected) > 1e-9 * scale_btc:
        raise AssertionError("BTC not conserved")
    if abs(cash - cash_expected) > 1e-9 * scale_cash:
        raise AssertionError("cash not conserved")
    if not (np.isfinite(btc) and np.isfinite(cash) and np.isfinite(st[S_SHARES])) or btc < 0:
        raise AssertionError("non-finite or negative state")


@njit(inline="always")
def accumulate(st, mined, sold, bought, capex, dr, power, btc_price_usd):
    """Add the day's flows to the path's totals (``S_MINED_BTC`` ... ``S_DEMAND_RESPONSE_USD``) and mining's
    revenue (BTC mined at today's price plus demand-response credits) and opex (power) to its segment."""
    st[S_MINED_BTC] += mined
    st[S_SOLD_BTC] += sold
    st[S_BOUGHT_BTC] += bought
    st[S_CAPEX_USD] += capex
    st[S_DEMAND_RESPONSE_USD] += dr
    st[_SEG_MINING + SEG_REVENUE_USD] += mined * btc_price_usd + dr
    st[_SEG_MINING + SEG_OPEX_USD] += power


@njit(inline="always")
def _lease_value_usd(pr, ps, j, t, rate_per_year):
    """Present value on day ``t`` of lease ``j``'s contracted rent after ``t``, net of its operating share, while
    the tenant survives its default hazard: to the end of the term in force (from the earn day at the contract
    rate when the lease has not started earning), the rent stepping at each anniversary by the escalator; nothing
    while the MW stand idle after a default or a non-renewal (re-letting is not yet contracted). Only contracted
    occupancy counts: the share let by day ``t`` (on the earn day for a lease not yet earning), unless the lease-up
    is a signed schedule (``lease_up_contracted``): then each day of the ramp still to come counts at its
    occupancy, and the days after it at the stabilised share. [USD]"""
    if ps[j, PS_RELET_DAY] > t:
        return 0.0
    rate_from = ps[j, PS_RATE_FROM_DAY]
    rent0 = k.lease_rent_usd_per_day(pr[j, P_IT_MW], ps[j, PS_LEASE_RATE_USD_PER_KW_MONTH])
    term_end = rate_from + pr[j, P_TERM_DAYS]  # first day of the next term [day]
    net_frac = 1.0 - pr[j, P_OPEX_FRAC_OF_REVENUE]
    hazard = pr[j, P_HAZARD_PER_DAY]
    ramp_end = ps[j, PS_LET_FROM_DAY] + ps[j, PS_LEASE_UP_DAYS]  # first day at the stabilised share [day]
    first_level = t + 1  # first day valued at one level share let [day]
    ramp = 0.0
    if pr[j, P_LEASE_UP_CONTRACTED] != 0.0 and t + 1 < ramp_end:
        d = max(t + 1, ps[j, PS_LET_FROM_DAY])  # a lease not yet earning: from its earn day
        while d < ramp_end and d <= term_end - 1:
            rent = rent0 * k.escalation_factor(pr[j, P_ESCALATOR_FRAC_PER_YEAR], int((d - rate_from) // 365))
            ramp += k.daily_flow_pv(rent * net_frac * lease_occupancy(pr, ps, j, d), d - t, 1, rate_per_year, hazard)
            d += 1
        first_level = ramp_end
        level_frac = pr[j, P_STABILISED_OCCUPANCY_FRAC]
    else:
        level_frac = lease_occupancy(pr, ps, j, max(t, ps[j, PS_LET_FROM_DAY]))
    value = 0.0
    year = max(int((first_level - rate_from) // 365), 0)
    while True:
        first = max(first_level, rate_from + 365 * year)
        last = min(term_end - 1, rate_from + 365 * (year + 1) - 1)
        if last < first:
            break
        rent = rent0 * k.escalation_factor(pr[j, P_ESCALATOR_FRAC_PER_YEAR], year)
        value += k.daily_flow_pv(rent * net_frac, first - t, last - first + 1, rate_per_year, hazard)
        year += 1
    return value * level_frac + ramp


@njit(inline="always")
def contracted_value_usd(ps, company, market, p, t, site, kind):
    """Present value on day ``t`` of what the company's AI/HPC contracts (those at site index ``site`` only, or all
    with ``site`` -1; of project kind code ``kind`` only, or all with -1) still pay after ``t``, at the company's
    ``C_CONTRACT_DISCOUNT_RATE_PER_YEAR`` and each tenant's default hazard: a lease's rent of its contracted
    occupancy to the end of its term net of its operating share (``_lease_value_usd``); a GPU cloud's contracted
    GPU-hours to the end of its contract, net of their share of the hall's power (at day ``t``'s power index) and
    GPU opex; less the capex still to pay on builds under way or signed. A contract counts from the day it binds:
    its start, or for a lease that takes its mining MW at delivery the start of its build
    (``P_CONTRACTED_BEFORE_DAYS`` earlier), its capex then falling on the delivery day. Uncontracted spot revenue
    counts nothing. [USD]"""
    pr = company.projects
    rate = company.scalars[C_CONTRACT_DISCOUNT_RATE_PER_YEAR]
    pi = 0 if market.power_price_index.shape[0] == 1 else p
    value = 0.0
    for j in range(pr.shape[0]):
        start = company.start_days[p, j]
        if (start < 0 or start - pr[j, P_CONTRACTED_BEFORE_DAYS] > t
                or (site >= 0 and int(pr[j, P_SITE_INDEX]) != site) or (kind >= 0 and int(pr[j, P_KIND]) != kind)):
            continue
        build = int(pr[j, P_BUILD_DAYS])
        capex_days = max(build, 1)  # paid evenly over the build, or on its start day when it has none
        first_capex = max(t + 1, start)
        last_capex = start + capex_days - 1
        if last_capex >= first_capex:
            value -= k.daily_flow_pv(pr[j, P_CAPEX_USD] / capex_days, first_capex - t, last_capex - first_capex + 1,
                                     rate, 0.0)
        earn = start + build + int(pr[j, P_DELAY_DAYS])
        earned_from = earn - pr[j, P_EARNED_BEFORE_DAYS]  # the real earn day (before day 1 if dated before the run)
        if int(pr[j, P_KIND]) != PROJECT_GPU_CLOUD:
            if ps[j, PS_NEXT_RENT_DAY] < 0:  # not earning yet: the whole term (and lease-up) from its earn day
                ps[j, PS_RATE_FROM_DAY] = earned_from
                ps[j, PS_LET_FROM_DAY] = earned_from
                ps[j, PS_LEASE_UP_DAYS] = pr[j, P_LEASE_UP_DAYS]
                value += _lease_value_usd(pr, ps, j, t, rate)
                ps[j, PS_RATE_FROM_DAY] = -1.0
                ps[j, PS_LET_FROM_DAY] = -1.0
                ps[j, PS_LEASE_UP_DAYS] = 0.0
            else:
                value += _lease_value_usd(pr, ps, j, t, rate)
            continue
        if ps[j, PS_CONTRACT_LOST] != 0.0:
            continue
        first = max(t + 1, earn)
        n_days = int(earned_from) + int(pr[j, P_CONTRACT_DAYS]) - first
        cf = pr[j, P_CONTRACTED_FRAC]
        revenue = k.gpu_revenue_usd(k.gpu_hours_per_day(pr[j, P_N_GPUS], pr[j, P_UTILISATION_FRAC]),
                                    cf * pr[j, P_CONTRACT_RATE_USD_PER_GPU_HOUR])
        cost = cf * (k.energy_cost_usd(k.energy_mwh_per_day(pr[j, P_GRID_MW], 1.0), pr[j, P_POWER_PRICE_USD_PER_MWH])
                     * market.power_price_index[pi, t]
                     + pr[j, P_OPEX_USD_PER_GPU_HOUR] * pr[j, P_N_GPUS] * HOURS_PER_DAY)
        value += k.daily_flow_pv(revenue - cost, first - t, n_days, rate, pr[j, P_HAZARD_PER_DAY])
    return value


@njit(inline="always")
def reported_nav_usd(st, ps, fs, company, market, p, t, btc_price_usd):
    """(NAV [USD], contracted value [USD], fleets' resale value [USD]) on day ``t`` as a result reports it: the
    balance sheet's (``nav_usd``) plus, unless the company values at its balance sheet only
    (``C_NAV_COUNTS_CONTRACTS`` 0, RM1's definition), what its contracts still pay (``contracted_value_usd``) and
    what its fleets would resell for (``fleet_value_usd``); an insolvent path has stopped operating and its
    contracts and fleets count nothing."""
    nav = nav_usd(st, btc_price_usd)
    if company.scalars[C_NAV_COUNTS_CONTRACTS] == 0.0 or st[S_INSOLVENT_DAY] >= 0:
        return nav, 0.0, 0.0
    contracted = contracted_value_usd(ps, company, market, p, t, -1, -1)
    fleet = fleet_value_usd(st, fs, company, market, p, t, -1)
    return nav + contracted + fleet, contracted, fleet


@_once_a_month
def store_month(st, ps, fs, company, market, monthly, p, m, t):
    """Write month slot ``m`` (day ``t``) of stored path ``p``: month-end stocks (NAV as ``reported_nav_usd``)
    and the flows summed since day 0."""
    btc_price_usd = market.btc_price_usd[p, t]
    nav = reported_nav_usd(st, ps, fs, company, market, p, t, btc_price_usd)[0]
    monthly[p, M_NAV, m] = nav
    monthly[p, M_NAV_PER_SHARE, m] = nav / st[S_SHARES]
    monthly[p, M_BTC, m] = st[S_BTC_HELD]
    monthly[p, M_CASH, m] = st[S_CASH_USD]
    monthly[p, M_BTC_PER_SHARE, m] = st[S_BTC_HELD] / st[S_SHARES]
    monthly[p, M_MINED, m] = st[S_MINED_BTC]
    monthly[p, M_SOLD, m] = st[S_SOLD_BTC]
    monthly[p, M_MINING_REV, m] = st[_seg(0, SEG_REVENUE_USD)]
    monthly[p, M_MINING_OPEX, m] = st[_seg(0, SEG_OPEX_USD)]
    monthly[p, M_MINING_MW_DAYS, m] = st[_seg(0, SEG_MW_DAYS)]
    monthly[p, M_AI_REV, m] = st[_seg(1, SEG_REVENUE_USD)] + st[_seg(2, SEG_REVENUE_USD)] + st[_seg(3, SEG_REVENUE_USD)]
    monthly[p, M_AI_OPEX, m] = st[_seg(1, SEG_OPEX_USD)] + st[_seg(2, SEG_OPEX_USD)] + st[_seg(3, SEG_OPEX_USD)]
    monthly[p, M_AI_MW_DAYS, m] = st[_seg(1, SEG_MW_DAYS)] + st[_seg(2, SEG_MW_DAYS)] + st[_seg(3, SEG_MW_DAYS)]
    monthly[p, M_CAPEX, m] = st[S_CAPEX_USD]


@njit(inline="always")
def snapshot_sites(sts, snap, sites, t):
    """At the start of day ``t``, keep the totals of the sites whose spin-off takes effect that day
    (``SITE_SPIN_OFF_DAY``): the entity's flows are the totals less this snapshot."""
    for site in range(sites.shape[0]):
        if sites[site, SITE_SPIN_OFF_DAY] == t:
            for i in range(N_SITE_TOTALS):
                snap[site, i] = sts[site, i]


@_once_a_month
def store_terminal(st, ps, fs, sts, snap, company, market, term, p, t):
    """Write path ``p``'s row of the terminal array (``engine.state.TERMINAL_COLUMNS``, then the tracked sites'
    ``SITE_TOTALS`` from ``T_SITE0``, then, with spin-offs, their snapshots and each site's ``SITE_VALUES``: its
    fleets' resale value and its contracts' value, 0 on an insolvent path) on its last day ``t``. The fleets'
    resale value (``T_FLEET_VALUE_USD``, ``fleet_value_usd``) is written whatever the NAV basis (0 on an insolvent
    path): NAV adds it with ``nav_basis = "with_contracts"``, the DCF's terminal value always."""
    for site in range(sts.shape[0]):
        for i in range(N_SITE_TOTALS):
            term[p, T_SITE0 + site * N_SITE_TOTALS + i] = sts[site, i]
    after = T_SITE0 + sts.shape[0] * N_SITE_TOTALS
    for site in range(snap.shape[0]):
        for i in range(N_SITE_TOTALS):
            term[p, after + site * N_SITE_TOTALS + i] = snap[site, i]
    after += snap.shape[0] * N_SITE_TOTALS
    for site in range(snap.shape[0]):
        at = after + site * N_SITE_VALUES
        term[p, at + SV_FLEET_VALUE_USD] = fleet_value_usd(st, fs, company, market, p, t, site)  # 0 if insolvent
        term[p, at + SV_CONTRACTED_VALUE_USD] = (contracted_value_usd(ps, company, market, p, t, site, -1)
                                                 if st[S_INSOLVENT_DAY] < 0 else 0.0)
    for kind in range(N_SEGMENTS - 1):  # each AI/HPC segment's share of the contracts' value
        term[p, T_CONTRACT0 + kind] = (contracted_value_usd(ps, company, market, p, t, -1, kind)
                                       if st[S_INSOLVENT_DAY] < 0 else 0.0)
    nav, contracted, fleet = reported_nav_usd(st, ps, fs, company, market, p, t, market.btc_price_usd[p, t])
    if company.scalars[C_NAV_COUNTS_CONTRACTS] == 0.0:  # NAV left it out: the DCF and the column still count it
        fleet = fleet_value_usd(st, fs, company, market, p, t, -1)
    term[p, T_BTC] = st[S_BTC_HELD]
    term[p, T_CASH] = st[S_CASH_USD]
    term[p, T_DEBT] = st[S_DEBT_USD] + st[S_CONVERTIBLE_USD] + st[S_CREDIT_DRAWN_USD] + st[S_TRANCHE_DEBT_USD]
    term[p, T_SHARES] = st[S_SHARES]
    term[p, T_NAV] = nav
    term[p, T_CONTRACTED_VALUE_USD] = contracted
    term[p, T_INSOLVENT_DAY] = st[S_INSOLVENT_DAY]
    term[p, T_MINED] = st[S_MINED_BTC]
    term[p, T_SOLD] = st[S_SOLD_BTC]
    term[p, T_BOUGHT] = st[S_BOUGHT_BTC]
    term[p, T_EQUITY_RAISED] = st[S_EQUITY_RAISED_USD]
    term[p, T_BTC_PER_SHARE] = st[S_BTC_HELD] / st[S_SHARES]
    term[p, T_CAPEX] = st[S_CAPEX_USD]
    term[p, T_DR] = st[S_DEMAND_RESPONSE_USD]
    term[p, T_DRAWN] = st[S_CREDIT_DRAWN_USD]
    term[p, T_SHUTDOWN_SAVED_USD] = st[S_SHUTDOWN_SAVED_USD]
    term[p, T_SHUTDOWN_FORGONE_BTC] = st[S_SHUTDOWN_FORGONE_BTC]
    term[p, T_DEMAND_RESPONSE_MWH] = st[S_DEMAND_RESPONSE_MWH]
    term[p, T_GROWTH_CAPEX_USD] = st[S_GROWTH_CAPEX_USD]
    term[p, T_RESALE_USD] = st[S_RESALE_USD]
    term[p, T_PURCHASED_EHS] = st[S_PURCHASED_EHS]
    term[p, T_RETIRED_EHS] = st[S_RETIRED_EHS]
    term[p, T_FLEET_VALUE_USD] = fleet
    for i in range(_SEG_STRIDE * N_SEGMENTS):
        term[p, T_SEGMENT0 + i] = st[S_SEGMENT0 + i]
    store_value_terminal(st, ps, company, market, term, p, t, contracted, fleet)


# --- value: a discounted cash flow of the simulated flows -------------------------------------------------------

@njit(inline="always")
def store_value_terminal(st, ps, company, market, term, p, t, contracted_usd, fleet_usd):
    """Write path ``p``'s ``VALUE_FIELDS`` on its last day ``t`` from ``S_PV_FLOWS_USD`` (each operating day's free
    cash flow to equity, discounted at the company's equity rate by ``S_DISCOUNT_FACTOR``: the run loop's sum,
    ``engine.step``) and its terminal value: terminal value = what the AI/HPC contracts still
    pay (``contracted_usd`` when NAV counts them, else computed here; 0 on an insolvent path) + what the fleets
    still held would resell for (``fleet_usd``: ``fleet_value_usd``, 0 on an insolvent path) less every debt still
    owed (straight, convertible, credit drawn, BTC-backed loans, tranches); mining after the horizon counts nothing
    beyond the fleets' resale (their buyer's margin is in its price). Equity =
    day 0's cash + BTC at day 0's price + PV of the flows + discounted terminal value, floored at 0 (shareholders
    owe nothing past their equity); EV = the same unfloored, less day 0's cash and BTC, plus day 0's debt. [USD]"""
    if st[S_INSOLVENT_DAY] >= 0:
        contracted_usd = 0.0
    elif company.scalars[C_NAV_COUNTS_CONTRACTS] == 0.0 and company.projects.shape[0] > 0:
        contracted_usd = contracted_value_usd(ps, company, market, p, t, -1, -1)
    owed = st[S_DEBT_USD] + st[S_CONVERTIBLE_USD] + st[S_CREDIT_DRAWN_USD] + st[S_LOAN_USD] + st[S_TRANCHE_DEBT_USD]
    operations = st[S_PV_FLOWS_USD] + st[S_DISCOUNT_FACTOR] * (contracted_usd + fleet_usd - owed)
    opening = company.scalars[C_CASH_USD] + company.scalars[C_BTC_HELD] * market.btc_price_usd[p, 0]
    debt0 = company.scalars[C_DEBT_USD]
    for i in range(company.debt.shape[0]):
        debt0 += company.debt[i, D_PRINCIPAL_USD]
    term[p, T_DCF_EQUITY_USD] = max(opening + operations, 0.0)
    term[p, T_EV_USD] = operations + debt0
