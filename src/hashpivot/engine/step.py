"""One company's days on one chunk of paths: the jitted daily loop, calling the stages of ``engine.stages``.

Order of a day ``t`` on a path that is still operating (fixed; RM1's order):

1. Market day (``track_price_mean``, then the day's hashvalue): on every path, insolvent or not.
2. Production, energy and curtailment (``convert_capacity``, ``mine_as_built`` or ``mine_fleets``,
   ``upgrade_fleet``): each fleet mines with its megawatts less those converted to AI projects whose build has
   started; on curtailable sites the curtailable share mines only in the hours when power (lognormal around the
   day's mean) costs less than it earns (the power saved and the BTC not mined are counted), and a
   demand-response program calls it off in its share of the dearest hours, up to a cap a year, paying its credit
   on the called MWh. Production
   ``mined = uptime x (1 - pool fee) x hashrate x hashvalue`` joins the BTC held.
3. AI projects (``ai_projects``): capex evenly over the build, then leases at their escalated rate x the share let
   on their lease-up ramp (re-let at the market rate on a new ramp after a tenant default or a non-renewal and its
   downtime, renewed at the market rate at the end of the term), GPU clouds their contracted
   and spot GPU-hours, less power and opex.
   Hedges (``engine.hedges.settle_hedges``, only when the scenario has ``[[hedges]]``): hashprice forwards accrue
   and settle at month ends, options settle at expiry and are (re)bought, BTC-backed loans pay interest, meet
   margin calls (pledging BTC, repaying from cash, else the lender liquidates collateral) and mature, fixed-price
   power settles its saving and its resold power (energy brokerage); the hedge cash joins cash, and collateral
   moves between the BTC held and the lenders.
4. Treasury: operating cash (``operating_cash``: ``cash += -power - fixed opex + demand response + (AI revenue -
   AI opex) - capex - interest``); financing (``finance``: a convertible's issue or maturity, at-the-market
   equity); the policy's decision (``apply_treasury``: BTC sold at today's price, cash spent on BTC); the runway
   floor (``keep_runway``: sell BTC until cash covers ``floor_runway_months`` of costs). The costs the treasury
   covers (``sell_to_cover_costs``, the floor) include the interest paid outside the operating flow: the debt
   tranches' (paid next) and BTC-backed loans' (paid in the hedge cash).
   Debt (``engine.debt.settle_debt``, only when the company has ``[[company.debt]]`` or ``[[company.covenants]]``):
   tranches pay interest and amortise, covenants are tested on their days, and a tranche due (maturity or
   acceleration) is repaid from cash (the BTC sales and facility draws it needs come next) or refinanced.
5. Solvency (``cover_shortfall``): a cash shortfall is covered by selling BTC and drawing the credit facility, in
   the order the policy allows; if both cannot cover it the path is insolvent that day: all BTC is sold, cash stays
   negative, and from the next day the company no longer operates (its BTC, cash and shares stay frozen). A
   drawn credit facility that is a revolver (``credit_repaid_from_cash``) is then repaid from the cash above the
   runway floor (``repay_facility``).
6. Accounting (``check_day`` when ``check``, ``accumulate``, the discounted flow, ``store_month``): with ``check`` on,
   every day asserts
   ``btc = btc_prev + mined - sold + bought`` and ``cash = cash_prev + operating + financing + (sold - bought) x
   price`` (relative 1e-9), finite values and BTC >= 0; with hedges, ``+ released`` BTC and ``+ hedge cash``, and
   ``collateral = collateral_prev - released - liquidated`` (``engine.hedges.check_hedges``); with debt, ``+ debt
   cash``. The loop adds the day's free cash flow to equity, discounted at the company's equity rate (the factor
   advances on every day, insolvent or not), so that the last day values the path (``store_value_terminal``:
   ``dcf_equity_usd``, ``ev_usd``).

Inputs are named tuples of arrays (``MarketArrays``, ``CompanyInputs``, ``Outputs``) and vectors with named
columns (``engine.plan``, ``policies.treasury``); the path's state is a vector with named columns
(``engine.state``) and the ``Workspace``'s arrays, and nothing else: a call over the first days can leave every
path's state in a ``Handover`` for a call over the rest, and the two give one call's bits.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from hashpivot.engine import debt as dbt
from hashpivot.engine import hedges as hg
from hashpivot.engine import kernels as k
from hashpivot.engine.borrowed import borrowed
from hashpivot.engine import stages
from hashpivot.engine.plan import (
    AsBuiltFleets,
    C_BTC_HELD,
    C_CASH_USD,
    C_CREDIT_FACILITY_USD,
    C_CREDIT_REPAID_FROM_CASH,
    C_DEBT_USD,
    C_EQUITY_DISCOUNT_PER_DAY,
    C_FIXED_OPEX_USD_PER_DAY,
    C_SHARES,
    F_GRID_MW,
    G_ENABLED,
    P_KIND,
    P_LEASE_RATE_USD_PER_KW_MONTH,
    P_RENEWAL_PROB,
    U_CHECK_EVERY_DAYS,
    U_ENABLED,
)
from hashpivot.engine.state import terminal_width as state_terminal_width
from hashpivot.engine.state import (
    FS_ACTIVE_GRID_MW,
    FS_CALLED_HOURS_THIS_YEAR,
    FS_UPGRADED_GRID_MW,
    N_DEBT_STATE,
    N_FLEET_STATE,
    N_HEDGE_STATE,
    N_PROJECT_STATE,
    N_PURCHASE_COLS,
    N_PURCHASE_STATE,
    N_SITE_ENERGY,
    N_SITE_TOTALS,
    N_SITE_VALUES,
    N_STATE,
    N_TRACKED_COLS,
    T_SITE0,
    PS_CONTRACT_LOST,
    PS_LEASE_RATE_USD_PER_KW_MONTH,
    PS_LEASE_UP_DAYS,
    PS_LET_FROM_DAY,
    PS_NEXT_RENT_DAY,
    PS_RATE_FROM_DAY,
    PS_RELET_DAY,
    PS_RENT_USD_PER_DAY,
    PS_TERMS_ENDED,
    S_BTC_HELD,
    S_CASH_USD,
    S_COLLATERAL_BTC,
    S_DEBT_INSOLVENT_DAY,
    S_DEBT_USD,
    S_CONVERTED_USD,
    S_CREDIT_DRAWN_USD,
    S_DISCOUNT_FACTOR,
    S_EQUITY_RAISED_USD,
    S_FIRST_BREACH_DAY,
    S_FLEETS_AS_BUILT,
    S_INSOLVENT_DAY,
    S_LOAN_INTEREST_USD,
    S_PRICE_COUNT_DAYS,
    S_PRICE_SUM_USD,
    S_PV_FLOWS_USD,
    S_SHARES,
)
from hashpivot.policies.capacity import PROJECT_GPU_CLOUD
from hashpivot.policies.hedges import FIXED_POWER
from hashpivot.policies.treasury import (
    SELL_ABOVE_AVERAGE,
    TP_FLOOR_RUNWAY_MONTHS,
    TP_HALVING_MEAN_DAYS,
    TP_HALVING_MEAN_USD,
    TP_SELL_BTC_BEFORE_DEBT,
    TP_WINDOW_DAYS,
)

#: The exogenous arrays of a chunk, shape (paths, days + 1); the two indices may have one shared row.
MarketArrays = namedtuple("MarketArrays", (
    "btc_price_usd", "network_hashrate_ehs", "fees_btc_per_block", "blocks", "subsidy_btc",
    "power_price_index", "gpu_rent_index",
))
#: The company under one capacity plan (``engine.plan.CompanyArrays``, its fast path's factors in ``as_built``:
#: ``engine.plan.AsBuiltFleets``) and its per-path inputs: ``start_days`` (paths, projects; -1 = never) and
#: ``tenant_u`` (daily uniforms of tenant defaults, paths x projects x days + 1, or (1, 1, 1) when nothing can
#: default); ``renewal_u`` (uniforms of lease renewals, paths x projects x term ends, or (1, 1, 1) when every lease
#: renews: ``engine.run._renewal_uniforms``); ``hedges``: the scenario's hedges (``engine.hedges.HEDGE_COLUMNS``
#: rows; none: 0 rows); ``debt`` and ``covenants``: the company's debt tranches and covenants (``engine.debt`` rows;
#: none: 0 rows); ``growth`` and ``fleet_life``: the growth parameters and each fleet's life (``engine.plan``).
CompanyInputs = namedtuple("CompanyInputs", (
    "fleets", "derate", "upgrade", "sites", "projects", "removal_mw", "scalars", "as_built", "start_days", "tenant_u",
    "hedges", "debt", "covenants", "growth", "fleet_life", "renewal_u",
))
#: Where the kernel writes: ``terminal`` (paths, TERMINAL_COLUMNS), ``monthly`` (stored paths, MONTHLY_VARIABLES,
#: months) and ``project_flows`` (stored paths, projects, months: AI projects' monthly net cash flows, zeroed by the
#: caller).
Outputs = namedtuple("Outputs", ("terminal", "monthly", "project_flows"))
#: The kernel's scratch, owned by the caller: the path's state (``engine.state.PATH_STATE``), its fleets'
#: (fleets, ``FLEET_STATE``), its projects' (projects, ``PROJECT_STATE``) and its hedges' (hedges, ``HEDGE_STATE``).
#: ``site_energy`` (sites, ``SITE_ENERGY``) is the day's energy by site, kept only for fixed-price power (else 0 rows);
#: ``debt_state`` (tranches, ``DEBT_STATE``) and ``margin_window`` (the trailing days' operating margin a leverage
#: covenant reads, ``engine.debt.LEVERAGE_WINDOW_DAYS`` of them, else none); ``site_totals`` (tracked sites,
#: ``SITE_TOTALS``) are each site's flows since day 0, kept for a company of several sites or with spin-offs
#: (``engine.state.tracked_sites``; else 0 rows); ``site_snapshot`` the same as they stood when each site's spin-off
#: took effect (sites, with spin-offs; else 0 rows); ``orders`` (slots, 3): the growth policy's orders waiting for
#: their lead time, (energize day or -1, grid MW, purchase row); ``purchases`` (purchase rows,
#: ``engine.state.PURCHASE_STATE``): each purchase's state (0 rows without a growth policy).
Workspace = namedtuple("Workspace", ("path_state", "fleet_state", "project_state", "hedge_state", "site_energy",
                                     "debt_state", "margin_window", "site_totals", "site_snapshot", "orders",
                                     "purchases"))


def new_workspace(n_fleets: int, n_projects: int, n_hedges: int = 0, n_energy_sites: int = 0, n_tranches: int = 0,
                  n_margin_days: int = 0, n_tracked_sites: int = 0, n_snapshot_sites: int = 0,
                  n_order_slots: int = 0, n_purchase_slots: int = 0) -> Workspace:
    """A ``Workspace`` for a company of ``n_fleets`` fleets, ``n_projects`` projects and ``n_hedges`` hedges;
    ``n_energy_sites``: its sites when a fixed-price power contract needs their energy, else 0; ``n_tranches`` debt
    tranches and ``n_margin_days`` days of margin kept for a leverage covenant (``engine.debt.margin_window_days``);
    ``n_tracked_sites``: its sites when their flows are kept apart (``engine.state.tracked_sites``), else 0;
    ``n_snapshot_sites``: its sites when it has spin-offs, else 0; ``n_order_slots``: the growth policy's pending
    orders (``engine.plan.CompanyArrays.n_order_slots``); ``n_purchase_slots``: its purchase rows
    (``engine.plan.CompanyArrays.n_purchase_slots``)."""
    return Workspace(np.empty(N_STATE), np.empty((n_fleets, N_FLEET_STATE)), np.empty((n_projects, N_PROJECT_STATE)),
                     np.empty((n_hedges, N_HEDGE_STATE)), np.zeros((n_energy_sites, N_SITE_ENERGY)),
                     np.empty((n_tranches, N_DEBT_STATE)), np.zeros(n_margin_days),
                     np.zeros((n_tracked_sites, N_SITE_TOTALS)), np.zeros((n_snapshot_sites, N_SITE_TOTALS)),
                     np.zeros((n_order_slots, 3)), np.zeros((n_purchase_slots, N_PURCHASE_STATE)))


#: Every path's state between two spans of days of one chunk (``run_company``'s ``handover``): each of the
#: ``Workspace``'s arrays with a leading axis of paths. A call that runs days ``1 .. h - 1`` writes it, and a call
#: that runs days ``h ..`` on the same inputs and outputs reads it: together they give the bits of one call over every
#: day (tests/test_engine_properties.py), so no state of a path lives outside these arrays. With 0 paths: none, for
#: a call that runs every day.
Handover = namedtuple("Handover", Workspace._fields)


def new_handover(work: Workspace, n_paths: int) -> Handover:
    """A ``Handover`` of ``n_paths`` paths for ``work``'s shapes (``no_handover``: 0 paths)."""
    return Handover(*(np.zeros((n_paths, *a.shape)) for a in work))


def no_handover(work: Workspace) -> Handover:
    """The ``Handover`` of a call that runs every day: 0 paths."""
    return new_handover(work, 0)


def every_day(n_cols: int) -> np.ndarray:
    """The ``days`` of a call that runs every day of a market of ``n_cols`` columns (day 0 and days 1 .. n_cols -
    1): ``[1, n_cols]``."""
    return np.array([1, n_cols], dtype=np.int64)


@njit(inline="always")
def _save_path(work, handover, p):
    """Copy path ``p``'s state from the ``Workspace`` to row ``p`` of the ``Handover``."""
    handover.path_state[p, :] = work.path_state
    handover.fleet_state[p, :, :] = work.fleet_state
    handover.project_state[p, :, :] = work.project_state
    handover.hedge_state[p, :, :] = work.hedge_state
    handover.site_energy[p, :, :] = work.site_energy
    handover.debt_state[p, :, :] = work.debt_state
    handover.margin_window[p, :] = work.margin_window
    handover.site_totals[p, :, :] = work.site_totals
    handover.site_snapshot[p, :, :] = work.site_snapshot
    handover.orders[p, :, :] = work.orders
    handover.purchases[p, :, :] = work.purchases


@njit(inline="always")
def _load_path(work, handover, p):
    """Copy row ``p`` of the ``Handover`` into the ``Workspace``: path ``p``'s state as a previous span left it."""
    work.path_state[:] = handover.path_state[p]
    work.fleet_state[:, :] = handover.fleet_state[p]
    work.project_state[:, :] = handover.project_state[p]
    work.hedge_state[:, :] = handover.hedge_state[p]
    work.site_energy[:, :] = handover.site_energy[p]
    work.debt_state[:, :] = handover.debt_state[p]
    work.margin_window[:] = handover.margin_window[p]
    work.site_totals[:, :] = handover.site_totals[p]
    work.site_snapshot[:, :] = handover.site_snapshot[p]
    work.orders[:, :] = handover.orders[p]
    work.purchases[:, :] = handover.purchases[p]


@njit(inline="always")
def _borrow_all(market, company, params, month_days, out, work):
    """Borrowed views (``engine.borrowed``) of every array the kernel reads or writes: stages then pass them around
    without reference counting."""
    b = borrowed
    ab = company.as_built
    market = MarketArrays(b(market.btc_price_usd), b(market.network_hashrate_ehs), b(market.fees_btc_per_block),
                          b(market.blocks), b(market.subsidy_btc), b(market.power_price_index),
                          b(market.gpu_rent_index))
    as_built = AsBuiltFleets(b(ab.built), b(ab.net_hashrate_ehs), b(ab.energy_mwh_per_day),
                             b(ab.power_price_usd_per_mwh), ab.possible)
    company = CompanyInputs(b(company.fleets), b(company.derate), b(company.upgrade), b(company.sites),
                            b(company.projects), b(company.removal_mw), b(company.scalars), as_built,
                            b(company.start_days), b(company.tenant_u), b(company.hedges), b(company.debt),
                            b(company.covenants), b(company.growth), b(company.fleet_life), b(company.renewal_u))
    out = Outputs(b(out.terminal), b(out.monthly), b(out.project_flows))
    work = Workspace(b(work.path_state), b(work.fleet_state), b(work.project_state), b(work.hedge_state),
                     b(work.site_energy), b(work.debt_state), b(work.margin_window), b(work.site_totals),
                     b(work.site_snapshot), b(work.orders), b(work.purchases))
    return market, company, b(params), b(month_days), out, work


@njit(inline="always")
def start_path(st, fs, ps, sts, company, market, p):
    """Day 0 of path ``p``: the company's opening balance sheet, every fleet as built, no project started, no
    site's flow yet (``sts``: the tracked sites' totals)."""
    st[:] = 0.0
    sts[:, :] = 0.0
    st[S_BTC_HELD] = company.scalars[C_BTC_HELD]
    st[S_CASH_USD] = company.scalars[C_CASH_USD]
    st[S_DEBT_USD] = company.scalars[C_DEBT_USD]
    st[S_SHARES] = company.scalars[C_SHARES]
    st[S_INSOLVENT_DAY] = -1.0
    st[S_FIRST_BREACH_DAY] = -1.0
    st[S_DEBT_INSOLVENT_DAY] = -1.0
    st[S_PRICE_SUM_USD] = market.btc_price_usd[p, 0]
    st[S_PRICE_COUNT_DAYS] = 1.0
    st[S_FLEETS_AS_BUILT] = 1.0 if company.as_built.possible else 0.0
    st[S_DISCOUNT_FACTOR] = 1.0
    fs[:, :] = 0.0
    fs[:, FS_ACTIVE_GRID_MW] = company.fleets[:, F_GRID_MW]
    for j in range(company.projects.shape[0]):
        ps[j, PS_LEASE_RATE_USD_PER_KW_MONTH] = company.projects[j, P_LEASE_RATE_USD_PER_KW_MONTH]
        ps[j, PS_RENT_USD_PER_DAY] = 0.0
        ps[j, PS_NEXT_RENT_DAY] = -1.0
        ps[j, PS_RATE_FROM_DAY] = -1.0
        ps[j, PS_RELET_DAY] = -1.0
        ps[j, PS_CONTRACT_LOST] = 0.0
        ps[j, PS_LET_FROM_DAY] = -1.0
        ps[j, PS_LEASE_UP_DAYS] = 0.0
        ps[j, PS_TERMS_ENDED] = 0.0


@njit(inline="always")
def operate_day(st, fs, ps, hs, se, ds, win, sts, orders, pur, company, market, code, params, p, t, m, month_days,
                out, full):
    """Stages 2-6 of day ``t`` on operating path ``p`` (see the module docstring); ``m`` is the month slot and
    ``month_days`` the day index of each month slot."""
    pi = 0 if market.power_price_index.shape[0] == 1 else p
    gi = 0 if market.gpu_rent_index.shape[0] == 1 else p
    s = market.btc_price_usd[p, t]
    btc_prev = st[S_BTC_HELD]
    cash_prev = st[S_CASH_USD]
    hashvalue = k.hashvalue_btc_per_ehs_day(market.network_hashrate_ehs[p, t], market.subsidy_btc[p, t],
                                            market.fees_btc_per_block[p, t], market.blocks[p, t])
    stages.convert_capacity(st, fs, company, p, t)
    dr = 0.0
    capex = 0.0
    resale = 0.0
    raised = 0.0
    if full:
        capex = stages.energize_and_pay(st, fs, orders, pur, company, t)
    if st[S_FLEETS_AS_BUILT] > 0.5:
        mined, power = stages.mine_as_built(st, sts, company, market, pi, t, hashvalue, s, full)
    else:
        mined, power, dr, worst, worst_ehs = stages.mine_fleets(st, fs, sts, company, market, company.upgrade, pi, t,
                                                                hashvalue, s, se, full)
        every = max(int(company.upgrade[U_CHECK_EVERY_DAYS]), 1)
        if company.upgrade[U_ENABLED] > 0.5 and worst >= 0 and t % every == 0:
            capex += stages.upgrade_fleet(st, fs, sts, company, company.upgrade, worst, worst_ehs, hashvalue, s, t,
                                          full)
        if full:
            bought, resale, raised = stages.growth_after_mining(st, fs, orders, pur, company, market, p, pi, t,
                                                                hashvalue, s)
            capex += bought
    store = p < out.monthly.shape[0]
    ai_rev, ai_opex, capex = stages.ai_projects(st, ps, sts, company, market, p, t, pi, gi, m, store,
                                                out.project_flows, capex, full)
    st[S_BTC_HELD] += mined
    hedge_cash = 0.0
    released = 0.0
    liquidated = 0.0
    loan_interest = 0.0  # BTC-backed loans' interest today, paid in the hedge cash: a cost of the day all the same
    if company.hedges.shape[0] > 0:
        month_end = m < month_days.shape[0] and t == month_days[m]
        loan_interest = -st[S_LOAN_INTEREST_USD]
        hedge_cash, released, liquidated = hg.settle_hedges(
            st, hs, company.hedges, market.btc_price_usd[p, t], market.network_hashrate_ehs[p, t],
            market.subsidy_btc[p, t], market.fees_btc_per_block[p, t], market.blocks[p, t], t, month_end, se)
        loan_interest += st[S_LOAN_INTEREST_USD]
    interest, operating = stages.operating_cash(st, company, code, params, power, dr, ai_rev, ai_opex, capex)
    if full:  # the proceeds of fleets sold today join the operating cash (nothing to add on a run without growth)
        operating += resale
        st[S_CASH_USD] += resale
    financing, bought = stages.finance(st, company, code, params, t, s, market.btc_price_usd[p, 0])
    if full:  # shares sold today for an equity-funded purchase (0 otherwise): a financing flow
        financing += raised
    # the tranches' interest, paid after the treasury (settle_debt), is one of the day's costs all the same
    tranche_interest = dbt.interest_due_usd(ds) if full and company.debt.shape[0] > 0 else 0.0
    floor_months = params[TP_FLOOR_RUNWAY_MONTHS]
    runway = 0.0
    if floor_months > 0:
        daily_costs = (power + company.scalars[C_FIXED_OPEX_USD_PER_DAY] + ai_opex + interest + tranche_interest
                       + loan_interest)
        runway = stages.runway_target_usd(floor_months, daily_costs)
    cash_floor = runway + tranche_interest  # the runway kept, and today's tranche interest still to pay [USD]
    sold, bought = stages.apply_treasury(st, code, params, s, mined, btc_prev,
                                         operating - tranche_interest - loan_interest, bought, cash_floor)
    if floor_months > 0:
        sold = stages.keep_runway(st, cash_floor, s, sold)
    debt_cash = 0.0
    debt_due = False
    if full and (company.debt.shape[0] > 0 or company.covenants.shape[0] > 0):
        margin = mined * s + dr - power - company.scalars[C_FIXED_OPEX_USD_PER_DAY] + ai_rev - ai_opex
        debt_cash, debt_due = dbt.settle_debt(st, ds, win, company.debt, company.covenants,
                                              company.scalars[C_CREDIT_FACILITY_USD], s, t, margin)
    sold, financing = stages.cover_shortfall(st, company, params[TP_SELL_BTC_BEFORE_DEBT] > 0.5, s, t, sold,
                                             financing)
    if st[S_CREDIT_DRAWN_USD] > 0.0 and company.scalars[C_CREDIT_REPAID_FROM_CASH] > 0.5:
        financing = stages.repay_facility(st, runway, financing)
    if debt_due and st[S_INSOLVENT_DAY] == t:
        st[S_DEBT_INSOLVENT_DAY] = t
    return (btc_prev, cash_prev, mined, sold, bought, operating, financing, capex, dr, power, hedge_cash + debt_cash,
            released, liquidated)


@njit(cache=True, nogil=True, error_model="numpy")
def run_company(market, company, code, params, month_days, check, out, work, days, handover):
    """Simulate every path of a chunk: ``market`` (``MarketArrays``), ``company`` (``CompanyInputs``), treasury
    policy ``code`` with its ``params`` (``policies.treasury.TREASURY_PARAMS``), the day index of each month slot
    ``month_days``; writes ``out`` (``Outputs``; the first ``out.monthly.shape[0]`` paths are stored), using
    ``work`` (``Workspace``) as scratch. ``days`` ``[first, end]`` (int64) are the days it runs, ``first .. end - 1``
    (``every_day``: all of them); a call that starts after day 1 takes each path's state from ``handover``
    (``Handover``), one that ends before the last day leaves it there and writes no terminal row. This kernel is
    compiled without the optional stages (growth, sites kept apart, spin-offs, debt tranches and covenants:
    ``needs_full``), so a company without them pays nothing for them; one with any of them runs in
    ``run_company_full``."""
    if (company.growth[G_ENABLED] > 0.5 or work.site_totals.shape[0] > 0 or work.site_snapshot.shape[0] > 0
            or company.debt.shape[0] > 0 or company.covenants.shape[0] > 0):
        raise ValueError("run_company: an optional stage is on (growth, sites kept apart, spin-offs or debt); "
                         "allowed: run_company_full (engine.step.kernel_for)")
    _run_paths(market, company, code, params, month_days, check, out, work, days, handover, False)


@njit(cache=True, nogil=True, error_model="numpy")
def run_company_full(market, company, code, params, month_days, check, out, work, days, handover):
    """``run_company`` with the optional stages: fleet additions, the growth policy, retirement and their returns;
    each site's flows (``Workspace.site_totals``) and their spin-off snapshots; debt tranches and covenants (each
    still runs only when the company has it)."""
    _run_paths(market, company, code, params, month_days, check, out, work, days, handover, True)


def needs_full(arrays, n_tracked_sites: int) -> bool:
    """Whether a plan's packed arrays (``engine.plan.CompanyArrays``) need ``run_company_full``: growth on, sites
    kept apart (``n_tracked_sites``: ``engine.state.tracked_sites``, spin-offs included), debt tranches or
    covenants."""
    return bool(arrays.growth[G_ENABLED] > 0.5 or n_tracked_sites > 0 or len(arrays.debt) or len(arrays.covenants))


def kernel_for(arrays, n_tracked_sites: int = 0):
    """The kernel that runs a plan's packed arrays: ``run_company_full`` when it ``needs_full``, else
    ``run_company``."""
    return run_company_full if needs_full(arrays, n_tracked_sites) else run_company


@njit(inline="always")
def _run_paths(market, company, code, params, month_days, check, out, work, days, handover, full):
    """The daily loop of ``run_company`` (see it); ``full`` is a constant of each kernel, so the one compiled
    with False has none of the optional stages in it."""
    market, company, params, month_days, out, work = _borrow_all(market, company, params, month_days, out, work)
    st, fs, ps, hs, se = work.path_state, work.fleet_state, work.project_state, work.hedge_state, work.site_energy
    ds, win, sts, snap = work.debt_state, work.margin_window, work.site_totals, work.site_snapshot
    orders, pur = work.orders, work.purchases
    # the growth policy's columns follow the sites' (``engine.state.terminal_width``)
    n_terminal = T_SITE0 + (sts.shape[0] + snap.shape[0]) * N_SITE_TOTALS + snap.shape[0] * N_SITE_VALUES
    n_paths, n_cols = market.btc_price_usd.shape
    window = int(params[TP_WINDOW_DAYS]) if code == SELL_ABOVE_AVERAGE else 0
    n_store = out.monthly.shape[0]
    discount_per_day = company.scalars[C_EQUITY_DISCOUNT_PER_DAY]
    spin_offs = full and snap.shape[0] > 0
    first_day, end_day = days[0], days[1]
    if not 1 <= first_day < end_day <= n_cols:
        raise ValueError("days: [first, end] with 1 <= first < end <= the market's columns; allowed: "
                         "engine.step.every_day")
    resumed, handed_on = first_day > 1, end_day < n_cols
    if (resumed or handed_on) and handover.path_state.shape[0] < n_paths:
        raise ValueError("a span of days short of the whole run needs a handover of every path; allowed: "
                         "engine.step.new_handover")
    for p in range(n_paths):
        m = 0  # the month slot of the next month end
        if resumed:
            _load_path(work, handover, p)
            while m < month_days.shape[0] and month_days[m] < first_day:
                m += 1
        else:
            start_path(st, fs, ps, sts, company, market, p)
            if window == 0 and code == SELL_ABOVE_AVERAGE:  # the mean since the halving holds its days before day 0
                st[S_PRICE_SUM_USD] += params[TP_HALVING_MEAN_USD] * params[TP_HALVING_MEAN_DAYS]
                st[S_PRICE_COUNT_DAYS] += params[TP_HALVING_MEAN_DAYS]
            snap[:, :] = 0.0
            if full:
                stages.day0_hashprice(st, market, p)
                stages.start_growth(fs, orders, pur, company)
            hg.start_hedges(hs)
            dbt.start_debt(st, ds, company.debt, win)
            if month_days[0] == 0:  # day 0 is slot 0 on every path, stored or not (hedges read the month ends)
                if p < n_store:
                    stages.store_month(st, ps, fs, company, market, out.monthly, p, 0, 0)
                m = 1
        # Kept in locals in the loop (its hottest lines), in the state between spans: the discount factor, the
        # discounted flows, and the equity issued as of the last operating day (1, 0 and 0 from start_path).
        discount = st[S_DISCOUNT_FACTOR]
        pv_flows = st[S_PV_FLOWS_USD]
        equity_prev = st[S_EQUITY_RAISED_USD] + st[S_CONVERTED_USD]
        for t in range(first_day, end_day):
            stages.track_price_mean(st, market, p, t, window)
            discount *= discount_per_day
            if spin_offs:
                stages.snapshot_sites(sts, snap, company.sites, t)
            if st[S_INSOLVENT_DAY] < 0:
                collateral_prev = st[S_COLLATERAL_BTC] if check else 0.0
                (btc_prev, cash_prev, mined, sold, bought, operating, financing, capex, dr, power, hedge_cash,
                 released, liquidated) = operate_day(st, fs, ps, hs, se, ds, win, sts, orders, pur, company, market,
                                                     code, params, p, t, m, month_days, out, full)
                if check:
                    # Hedges move BTC between the BTC held and collateral (released) and cash (hedge_cash): with
                    # both 0 (no hedges) this is the check as it always was.
                    stages.check_day(st, btc_prev + released, cash_prev, mined, sold, bought, operating,
                                     financing + hedge_cash, market.btc_price_usd[p, t])
                    hg.check_hedges(st, collateral_prev, released, liquidated)
                stages.accumulate(st, mined, sold, bought, capex, dr, power, market.btc_price_usd[p, t])
                # The day's free cash flow to equity, discounted (engine.stages.store_value_terminal reads the sum):
                # BTC mined at the day's price + operating cash + net borrowing + hedge cash, less the BTC lenders
                # liquidated; equity issued (for cash or a convertible's principal) and BTC traded at market are not
                # flows. Kept in locals: the loop's hottest lines.
                equity = st[S_EQUITY_RAISED_USD] + st[S_CONVERTED_USD]
                pv_flows += discount * ((mined - liquidated) * market.btc_price_usd[p, t] + operating + financing
                                        + hedge_cash - (equity - equity_prev))
                equity_prev = equity
            if m < month_days.shape[0] and t == month_days[m]:
                if p < n_store:
                    stages.store_month(st, ps, fs, company, market, out.monthly, p, m, t)
                m += 1
        st[S_DISCOUNT_FACTOR] = discount
        st[S_PV_FLOWS_USD] = pv_flows
        if handed_on:
            _save_path(work, handover, p)
            continue
        stages.store_terminal(st, ps, fs, sts, snap, company, market, out.terminal, p, n_cols - 1)
        hg.store_hedge_terminal(st, out.terminal, p)
        dbt.store_debt_terminal(st, out.terminal, p)
        if full:
            stages.store_growth_terminal(st, fs, pur, company, market, out.terminal, p, n_cols - 1, n_terminal)


def company_inputs(arrays, start_days, tenant_u, renewal_u=None) -> CompanyInputs:
    """``CompanyInputs`` of a plan's packed arrays (``engine.plan.CompanyArrays``) and a chunk's per-path inputs
    (``renewal_u`` None: every lease renews, as when none has ``renewal_prob`` below 1)."""
    if renewal_u is None:
        leases = arrays.projects[:, P_KIND] != PROJECT_GPU_CLOUD
        if np.any(arrays.projects[leases, P_RENEWAL_PROB] < 1.0):
            raise ValueError("a lease with renewal_prob < 1 needs its renewal uniforms (engine.run._renewal_uniforms)")
        renewal_u = np.ones((1, 1, 1))
    return CompanyInputs(arrays.fleets, arrays.derate, arrays.upgrade, arrays.sites, arrays.projects,
                         arrays.removal_mw, arrays.scalars, arrays.as_built, start_days, tenant_u, arrays.hedges,
                         arrays.debt, arrays.covenants, arrays.growth, arrays.fleet_life, renewal_u)


def terminal_width(arrays, n_sites: int, spin_offs: bool = False) -> int:
    """Columns of a plan's terminal rows: ``TERMINAL_COLUMNS`` and the sites' blocks (``engine.state.
    terminal_width``), then ``TRACKED_COLUMNS`` per tracked fleet (scheduled additions and the growth policy's
    bought units) when growth is on, then ``PURCHASE_COLUMNS`` per purchase row with a growth policy."""
    return (state_terminal_width(n_sites, spin_offs) + N_TRACKED_COLS * len(arrays.tracked_labels)
            + N_PURCHASE_COLS * arrays.n_purchase_slots)


def market_arrays(mk) -> MarketArrays:
    """``MarketArrays`` of a ``engine.market.MarketChunk``."""
    return MarketArrays(mk.btc_price_usd, mk.network_hashrate_ehs, mk.fees_btc_per_block, mk.blocks, mk.subsidy_btc,
                        mk.power_price_index, mk.gpu_rent_index)


def energy_sites(arrays) -> int:
    """Rows of a ``Workspace``'s ``site_energy`` for a plan's packed arrays: its sites when it holds a fixed-price
    power contract, else 0 (the mining stage then keeps no energy by site)."""
    return len(arrays.sites) if np.any(arrays.hedges[:, hg.H_KIND] == FIXED_POWER) else 0
