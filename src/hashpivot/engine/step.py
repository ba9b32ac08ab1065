"""One company's days on one chunk of paths: the jitted daily step.

Order of a day ``t`` on a path that is still operating (fixed; RM1's order):

1. Capacity: each fleet mines with its megawatts less those converted to AI projects whose build has
   started; on curtailable sites the curtailable share mines only in the hours when power (lognormal
   around the day's mean) costs less than it earns, and earns demand-response credits for the rest.
   Production ``mined = uptime x (1 - pool fee) x hashrate / H x blocks x (subsidy + fees)`` joins the BTC held.
   AI projects pay capex evenly over their build, then earn: leases at their escalated rate (re-let at the
   market rate after a tenant default and its downtime, or at the end of the term), GPU clouds their
   contracted and spot GPU-hours, less power and opex.
2. Operating cash: ``cash += -power - fixed opex + demand response + (AI revenue - AI opex) - capex - interest``
   (straight debt interest and convertible coupons, both daily = yearly rate / 365).
3. Financing: convertible issue (cash in, principal buys BTC) or maturity (convert if the share price,
   ``mnav_ratio x NAV per share``, reaches the conversion price, else repay in cash); at-the-market
   equity (shares out, BTC bought with the proceeds).
4. Treasury decision (``decide``): BTC sold at today's price, cash added; cash spent on BTC.
5. Runway floor: sell BTC until cash covers ``floor_runway_months`` of operating costs.
6. Solvency: a cash shortfall is covered by selling BTC and drawing the credit facility, in the order the
   treasury policy allows (``sell_btc_before_debt``); if both together cannot cover it, the path is insolvent that day: all BTC is sold, cash stays negative, and from the next day the
   company no longer operates (no production, costs or revenue; its BTC, cash and shares stay frozen).

With ``check`` on, every day asserts ``btc = btc_prev + mined - sold + bought`` and
``cash = cash_prev + operating + financing + (sold - bought) x price`` (relative 1e-9), finite values
and BTC >= 0.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from hashpivot.engine.market import norm_cdf
from hashpivot.engine.plan import (
    F_EHS_PER_MW,
    F_MW,
    F_NET,
    F_PUE,
    F_SITE,
    F_UPTIME,
    P_BUILD_DAYS,
    P_CAPEX,
    P_CONTRACT_DAYS,
    P_CONTRACT_FRAC,
    P_DELAY_DAYS,
    P_DOWNTIME_DAYS,
    P_ESCALATOR,
    P_HAZARD_PER_DAY,
    P_IT_MW,
    P_KIND,
    P_MW,
    P_N_GPUS,
    P_OPEX,
    P_POWER_PRICE,
    P_RATE,
    P_SPOT0,
    P_TERM_DAYS,
    P_UTILISATION,
    S_CURTAILABLE,
    S_DR_CREDIT,
    S_HOURLY_LOG_SD,
    S_PRICE,
)
from hashpivot.policies.capacity import PROJECT_GPU_CLOUD, SEGMENTS

from hashpivot.policies.treasury import (
    BUY_WITH_CASH,
    BUY_WITH_CONVERTIBLE,
    BUY_WITH_EQUITY,
    FLOOR,
    SELL_ABOVE_AVERAGE,
    SELL_BTC_FIRST,
    SELL_ALL,
    SELL_FRACTION,
    SELL_TO_COVER,
)
from hashpivot.units import DAYS_PER_YEAR, HOURS_PER_DAY, KW_PER_MW, MONTHS_PER_YEAR

# Columns of the per-path terminal array: base stocks and flows, then revenue, opex and MW-days per segment.
BASE_COLUMNS = (
    "btc_held", "cash_usd", "debt_usd", "shares", "nav_usd", "insolvent_day", "mined_btc", "sold_btc",
    "bought_btc", "equity_raised_usd", "btc_per_share", "capex_usd", "demand_response_usd", "credit_drawn_usd",
)
(T_BTC, T_CASH, T_DEBT, T_SHARES, T_NAV, T_INSOLVENT_DAY, T_MINED, T_SOLD, T_BOUGHT, T_EQUITY_RAISED,
 T_BTC_PER_SHARE, T_CAPEX, T_DR, T_DRAWN) = range(len(BASE_COLUMNS))
SEGMENT_FIELDS = ("revenue_usd", "opex_usd", "capex_usd", "mw_days")
T_SEGMENT0 = len(BASE_COLUMNS)
TERMINAL_COLUMNS = BASE_COLUMNS + tuple(f"{seg}_{field}" for seg in SEGMENTS for field in SEGMENT_FIELDS)
N_SEGMENTS = len(SEGMENTS)
# Rows of the per-path monthly array.
# Stocks at each month end (the fan charts' variables), then flows summed from day 1 to each month end
# (``cumulative_<name>`` in a SimResult; a month's flow is the difference of two month ends).
MONTHLY_STOCKS = ("nav_usd", "btc_held", "cash_usd", "btc_per_share")
MONTHLY_FLOWS = ("mined_btc", "sold_btc", "mining_revenue_usd", "mining_opex_usd", "mining_mw_days",
                 "ai_revenue_usd", "ai_opex_usd", "ai_mw_days", "capex_usd")
MONTHLY_VARIABLES = MONTHLY_STOCKS + MONTHLY_FLOWS
(M_NAV, M_BTC, M_CASH, M_BTC_PER_SHARE, M_MINED, M_SOLD, M_MINING_REV, M_MINING_OPEX, M_MINING_MW_DAYS,
 M_AI_REV, M_AI_OPEX, M_AI_MW_DAYS, M_CAPEX) = range(len(MONTHLY_VARIABLES))

_DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR


@njit(cache=True, nogil=True, error_model="numpy")
def decide(code, params, price, ma, mined, btc_start, btc, cash, operating_usd):
    """Treasury decision of one day: (BTC to sell, USD of cash to spend on BTC). Pure."""
    sell = 0.0
    buy_usd = 0.0
    if code == SELL_ALL:
        sell = mined
    elif code == SELL_FRACTION:
        sell = params[0] * mined
    elif code == SELL_TO_COVER:
        sell = max(-operating_usd, 0.0) / price
    elif code == SELL_ABOVE_AVERAGE:
        if price > params[0] * ma:
            sell = params[2] * mined + params[3] * btc_start
    elif code == BUY_WITH_CASH:
        buy_usd = min(max(cash - params[0], 0.0), params[1])
    return min(sell, btc), buy_usd


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


@njit(cache=True, nogil=True, error_model="numpy")
def _mine(mw, ehs_per_mw, uptime, net, price_mwh, curtailable, hourly_log_sd, dr_credit, btc_per_ehs, btc_price):
    """(BTC mined, power cost USD, demand-response credits USD) of ``mw`` megawatts of one kind of unit today."""
    full_btc = uptime * net * mw * ehs_per_mw * btc_per_ehs
    full_cost = uptime * mw * HOURS_PER_DAY * price_mwh
    if curtailable <= 0.0:
        return full_btc, full_cost, 0.0
    # Break-even power price: net revenue of the MWh one megawatt of these units uses.
    breakeven = net * ehs_per_mw * btc_per_ehs * btc_price / HOURS_PER_DAY
    run, cost_share = curtailment(price_mwh, breakeven, hourly_log_sd)
    return (full_btc * ((1.0 - curtailable) + curtailable * run),
            full_cost * ((1.0 - curtailable) + curtailable * cost_share),
            uptime * mw * HOURS_PER_DAY * curtailable * (1.0 - run) * dr_credit)


@njit(cache=True, nogil=True, error_model="numpy")
def run_company(
    price, hashrate, fees, blocks, subsidy, power_index, gpu_index, lease_elasticity,
    fleets, derate, upgrade, sites, projects, removal, start_days, tenant_u, fixed_opex,
    btc0, cash0, debt0, debt_rate, shares0, facility, facility_rate,
    code, params, month_days, n_store, check,
    term, monthly, project_flows,
):
    """Simulate every path of a chunk; write per-path terminal values into ``term`` (paths, columns),
    monthly values of the first ``n_store`` paths into ``monthly`` (n_store, variables, months) and their
    AI projects' net cash flows (revenue - opex - capex) by month into ``project_flows`` (n_store, projects,
    months; zeroed by the caller)."""
    n_paths, n_cols = price.shape
    n_days = n_cols - 1
    n_fleets = fleets.shape[0]
    n_proj = projects.shape[0]
    window = int(params[1]) if code == SELL_ABOVE_AVERAGE else 0
    floor_months = params[FLOOR]
    sell_btc_first = params[SELL_BTC_FIRST] > 0.5
    shared_index = power_index.shape[0] == 1
    shared_gpu = gpu_index.shape[0] == 1
    rate_base = np.empty(n_proj)
    lease_rev = np.zeros(n_proj)
    next_step = np.empty(n_proj, dtype=np.int64)  # next day a lease's rent must be recomputed
    rate_from = np.empty(n_proj, dtype=np.int64)
    relet_day = np.empty(n_proj, dtype=np.int64)
    contract_lost = np.empty(n_proj, dtype=np.bool_)
    seg_rev = np.empty(N_SEGMENTS)
    seg_opex = np.empty(N_SEGMENTS)
    seg_capex = np.empty(N_SEGMENTS)
    seg_mw = np.empty(N_SEGMENTS)
    upgraded = np.empty(n_fleets)
    active_mw = np.empty(n_fleets)
    upgrade_on = upgrade[0] > 0.5
    new_j_per_th = upgrade[1] if upgrade_on else 1.0
    upgrade_every = max(int(upgrade[5]), 1)
    best_ehs_per_mw = 0.0
    # While a path's fleets are as built (no megawatts converted, no upgrade, no curtailment), each fleet's
    # day is a few multiplications whose path-independent factors are formed here once per chunk, in the
    # general loop's order of operations so that both give the same bits.
    fleets_as_built = not upgrade_on
    for f in range(n_fleets):
        if sites[int(fleets[f, F_SITE]), S_CURTAILABLE] > 0.0:
            fleets_as_built = False
    built = np.array([f for f in range(n_fleets) if fleets[f, F_MW] > 1e-12], dtype=np.int64)
    built_net_ehs = np.empty((built.size, n_cols))  # uptime x (1 - pool fee) x EH/s of each fleet [EH/s]
    built_mw_hours = np.empty(built.size)  # uptime x MW x 24 h [MWh/day]
    built_price = np.empty(built.size)  # the fleet's site contract price [USD/MWh]
    for i in range(built.size):
        f = built[i]
        net_mw = fleets[f, F_UPTIME] * fleets[f, F_NET] * fleets[f, F_MW]
        for t in range(n_cols):
            built_net_ehs[i, t] = net_mw * (fleets[f, F_EHS_PER_MW] * derate[f, t])
        built_mw_hours[i] = fleets[f, F_UPTIME] * fleets[f, F_MW] * HOURS_PER_DAY
        built_price[i] = sites[int(fleets[f, F_SITE]), S_PRICE]
    for p in range(n_paths):
        pi = 0 if shared_index else p
        gi = 0 if shared_gpu else p
        btc = btc0
        cash = cash0
        debt = debt0
        conv = 0.0
        drawn = 0.0
        shares = shares0
        insolvent_day = -1
        ma_sum = price[p, 0]
        ma_count = 1
        mined_tot = sold_tot = bought_tot = equity_tot = capex_tot = dr_tot = 0.0
        seg_rev[:] = 0.0
        seg_opex[:] = 0.0
        seg_capex[:] = 0.0
        seg_mw[:] = 0.0
        upgraded[:] = 0.0
        active_mw[:] = fleets[:, F_MW]
        as_built = fleets_as_built
        for k in range(n_proj):
            rate_base[k] = projects[k, P_RATE]
            rate_from[k] = -1
            next_step[k] = -1
            relet_day[k] = -1
            contract_lost[k] = False
        m = 0
        if p < n_store and month_days[0] == 0:
            monthly[p, :, 0] = 0.0
            monthly[p, M_NAV, 0] = btc * price[p, 0] + cash - debt
            monthly[p, M_BTC, 0] = btc
            monthly[p, M_CASH, 0] = cash
            monthly[p, M_BTC_PER_SHARE, 0] = btc / shares
            m = 1
        for t in range(1, n_cols):
            s = price[p, t]
            # Mean price for sell_above_average: trailing window, or since the last halving (window 0).
            if window > 0:
                ma_sum += s
                if t >= window:
                    ma_sum -= price[p, t - window]
                else:
                    ma_count += 1
            else:
                if subsidy[p, t] != subsidy[p, t - 1]:
                    ma_sum = 0.0
                    ma_count = 0
                ma_sum += s
                ma_count += 1
            if insolvent_day < 0:
                btc_prev = btc
                cash_prev = cash
                # 1. capacity: mining by fleet (with curtailment), then AI projects
                btc_per_ehs = blocks[p, t] * (subsidy[p, t] + fees[p, t]) / hashrate[p, t]
                mined = 0.0
                power = 0.0
                dr = 0.0
                capex = 0.0
                worst = -1
                for k in range(n_proj):
                    if start_days[p, k] == t:
                        for f in range(n_fleets):
                            if removal[k, f] != 0.0:
                                active_mw[f] -= removal[k, f]
                                as_built = False
                if as_built:
                    for i in range(built.size):
                        mined += built_net_ehs[i, t] * btc_per_ehs
                        power += built_mw_hours[i] * (built_price[i] * power_index[pi, t])
                        seg_mw[0] += fleets[built[i], F_MW]
                for f in range(0 if as_built else n_fleets):
                    mw = active_mw[f]
                    if mw <= 1e-12:
                        continue
                    seg_mw[0] += mw
                    # Conversions take the old units first; upgraded units keep mining.
                    mw_new = min(upgraded[f], mw)
                    mw_old = mw - mw_new
                    site = int(fleets[f, F_SITE])
                    price_mwh = sites[site, S_PRICE] * power_index[pi, t]
                    ehs_per_mw_old = fleets[f, F_EHS_PER_MW] * derate[f, t]
                    for part in range(1 if mw_new <= 0.0 else 2):
                        part_mw = mw_old if part == 0 else mw_new
                        if part_mw <= 0.0:
                            continue
                        ehs_per_mw = ehs_per_mw_old if part == 0 else 1.0 / (new_j_per_th * fleets[f, F_PUE])
                        b, c, d = _mine(part_mw, ehs_per_mw, fleets[f, F_UPTIME], fleets[f, F_NET], price_mwh,
                                        sites[site, S_CURTAILABLE], sites[site, S_HOURLY_LOG_SD],
                                        sites[site, S_DR_CREDIT], btc_per_ehs, s)
                        mined += b
                        power += c
                        dr += d
                    if mw_old > 1e-9 and (worst < 0 or ehs_per_mw_old < best_ehs_per_mw):
                        worst = f
                        best_ehs_per_mw = ehs_per_mw_old
                # Fleet upgrade: replace the least productive units when the new model pays back in time.
                if upgrade_on and worst >= 0 and t % upgrade_every == 0:
                    f = worst
                    ehs_new = 1.0 / (new_j_per_th * fleets[f, F_PUE])
                    gain = (fleets[f, F_UPTIME] * fleets[f, F_NET] * (ehs_new - best_ehs_per_mw) * btc_per_ehs * s)
                    capex_per_mw = ehs_new * 1e6 * upgrade[2]
                    if gain > 0.0 and capex_per_mw / gain <= upgrade[3]:
                        x = min(upgrade[4], active_mw[f] - upgraded[f])
                        if x > 0.0:
                            upgraded[f] += x
                            capex += x * capex_per_mw
                            seg_capex[0] += x * capex_per_mw
                ai_rev = 0.0
                ai_opex = 0.0
                for k in range(n_proj):
                    st = start_days[p, k]
                    if st < 0 or t < st:
                        continue
                    build = int(projects[k, P_BUILD_DAYS])
                    capex_k = 0.0
                    if build > 0:
                        if t < st + build:
                            capex_k = projects[k, P_CAPEX] / build
                    elif t == st:
                        capex_k = projects[k, P_CAPEX]
                    capex += capex_k
                    seg_capex[int(projects[k, P_KIND]) + 1] += capex_k
                    if p < n_store:
                        project_flows[p, k, m] -= capex_k
                    earn = st + build + int(projects[k, P_DELAY_DAYS])
                    if t < earn:
                        continue
                    seg = int(projects[k, P_KIND]) + 1
                    seg_mw[seg] += projects[k, P_MW]
                    if rate_from[k] < 0:
                        rate_from[k] = earn
                        next_step[k] = earn
                    in_downtime = relet_day[k] > t
                    if t == relet_day[k] and int(projects[k, P_KIND]) != PROJECT_GPU_CLOUD:
                        rate_base[k] = projects[k, P_RATE] * gpu_index[gi, t] ** lease_elasticity
                        rate_from[k] = t
                        next_step[k] = t
                    hazard = projects[k, P_HAZARD_PER_DAY]
                    gpu = int(projects[k, P_KIND]) == PROJECT_GPU_CLOUD
                    if gpu:
                        contract_on = (not contract_lost[k]) and (t - earn) < projects[k, P_CONTRACT_DAYS]
                        if contract_on and hazard > 0.0 and tenant_u[p, k, t] < hazard:
                            contract_lost[k] = True
                            relet_day[k] = t + int(projects[k, P_DOWNTIME_DAYS])
                            contract_on = False
                            in_downtime = True
                        hours = projects[k, P_N_GPUS] * HOURS_PER_DAY * projects[k, P_UTILISATION]
                        spot = projects[k, P_SPOT0] * gpu_index[gi, t]
                        cf = projects[k, P_CONTRACT_FRAC]
                        if contract_on:
                            rev = hours * (cf * projects[k, P_RATE] + (1.0 - cf) * spot)
                        elif in_downtime:
                            rev = hours * (1.0 - cf) * spot
                        else:
                            rev = hours * spot
                        op = (projects[k, P_MW] * HOURS_PER_DAY * projects[k, P_POWER_PRICE] * power_index[pi, t]
                              + projects[k, P_OPEX] * projects[k, P_N_GPUS] * HOURS_PER_DAY)
                    else:
                        if not in_downtime and hazard > 0.0 and tenant_u[p, k, t] < hazard:
                            relet_day[k] = t + int(projects[k, P_DOWNTIME_DAYS])
                            in_downtime = relet_day[k] > t
                        if not in_downtime and t - rate_from[k] >= projects[k, P_TERM_DAYS]:
                            rate_base[k] = projects[k, P_RATE] * gpu_index[gi, t] ** lease_elasticity
                            rate_from[k] = t
                            next_step[k] = t
                        if in_downtime:
                            rev = 0.0
                        else:
                            if t == next_step[k]:
                                # The day's rent changes only when a lease (re)starts or turns a year older.
                                lease_rev[k] = (projects[k, P_IT_MW] * KW_PER_MW * rate_base[k] * MONTHS_PER_YEAR
                                                / DAYS_PER_YEAR)
                                if projects[k, P_ESCALATOR] != 0.0:
                                    lease_rev[k] *= (1.0 + projects[k, P_ESCALATOR]) ** ((t - rate_from[k]) // 365)
                                next_step[k] = t + 365 - (t - rate_from[k]) % 365
                            rev = lease_rev[k]
                        op = rev * projects[k, P_OPEX]
                    seg_rev[seg] += rev
                    seg_opex[seg] += op
                    if p < n_store:
                        project_flows[p, k, m] += rev - op
                    ai_rev += rev
                    ai_opex += op
                btc += mined
                # 2. operating cash
                interest = (debt * debt_rate + drawn * facility_rate
                            + conv * params[1] * (code == BUY_WITH_CONVERTIBLE)) / DAYS_PER_YEAR
                operating = -power - fixed_opex + dr + (ai_rev - ai_opex) - capex - interest
                cash += operating
                # 3. financing
                financing = 0.0
                bought = 0.0
                if code == BUY_WITH_CONVERTIBLE:
                    if t == int(params[2]):
                        conv = params[0]
                        financing += conv
                        cash += conv
                        b = conv / s
                        bought += b
                        btc += b
                        cash -= b * s
                    elif t == int(params[2]) + int(params[3]) and conv > 0:
                        nav = btc * s + cash - debt - conv - drawn
                        share_price = params[5] * nav / shares
                        if share_price >= params[4]:
                            shares += conv / params[4]
                        else:
                            financing -= conv
                            cash -= conv
                        conv = 0.0
                elif code == BUY_WITH_EQUITY:
                    nav = btc * s + cash - debt - drawn
                    if nav > 0 and shares < shares0 * (1.0 + params[2]) and params[0] > 0:
                        shares += params[0] / (params[1] * nav / shares)
                        financing += params[0]
                        equity_tot += params[0]
                        cash += params[0]
                        b = params[0] / s
                        bought += b
                        btc += b
                        cash -= b * s
                # 4. treasury decision
                sell, buy_usd = decide(code, params, s, ma_sum / ma_count, mined, btc_prev, btc, cash, operating)
                btc -= sell
                cash += sell * s
                if buy_usd > 0:
                    b = buy_usd / s
                    bought += b
                    btc += b
                    cash -= b * s
                sold = sell
                # 5. runway floor
                if floor_months > 0:
                    daily_costs = power + fixed_opex + ai_opex + interest
                    target = floor_months * _DAYS_PER_MONTH * daily_costs
                    if cash < target:
                        extra = min((target - cash) / s, btc)
                        btc -= extra
                        cash += extra * s
                        sold += extra
                # 6. solvency: BTC sales and facility draws, in the order the policy allows
                if cash < 0 and not sell_btc_first:
                    draw = min(-cash, facility - drawn)
                    drawn += draw
                    financing += draw
                    cash += draw
                if cash < 0:
                    need = -cash / s
                    if btc >= need:
                        btc -= need
                        sold += need
                        cash = 0.0
                    else:
                        sold += btc
                        cash += btc * s
                        btc = 0.0
                        draw = min(-cash, facility - drawn)
                        drawn += draw
                        financing += draw
                        cash += draw
                        if cash < 0:
                            insolvent_day = t
                if check:
                    btc_expected = btc_prev + mined - sold + bought
                    cash_expected = cash_prev + operating + financing + (sold - bought) * s
                    scale_btc = max(1.0, abs(btc_prev) + mined + sold + bought)
                    scale_cash = max(1.0, abs(cash_prev) + abs(operating) + abs(financing) + (sold + bought) * s)
                    if abs(btc - btc_expected) > 1e-9 * scale_btc:
                        raise AssertionError("BTC not conserved")
                    if abs(cash - cash_expected) > 1e-9 * scale_cash:
                        raise AssertionError("cash not conserved")
                    if not (np.isfinite(btc) and np.isfinite(cash) and np.isfinite(shares)) or btc < 0:
                        raise AssertionError("non-finite or negative state")
                mined_tot += mined
                sold_tot += sold
                bought_tot += bought
                capex_tot += capex
                dr_tot += dr
                seg_rev[0] += mined * s + dr
                seg_opex[0] += power
            if m < month_days.shape[0] and t == month_days[m]:
                if p < n_store:
                    monthly[p, M_NAV, m] = btc * s + cash - debt - conv - drawn
                    monthly[p, M_BTC, m] = btc
                    monthly[p, M_CASH, m] = cash
                    monthly[p, M_BTC_PER_SHARE, m] = btc / shares
                    monthly[p, M_MINED, m] = mined_tot
                    monthly[p, M_SOLD, m] = sold_tot
                    monthly[p, M_MINING_REV, m] = seg_rev[0]
                    monthly[p, M_MINING_OPEX, m] = seg_opex[0]
                    monthly[p, M_MINING_MW_DAYS, m] = seg_mw[0]
                    monthly[p, M_AI_REV, m] = seg_rev[1] + seg_rev[2] + seg_rev[3]
                    monthly[p, M_AI_OPEX, m] = seg_opex[1] + seg_opex[2] + seg_opex[3]
                    monthly[p, M_AI_MW_DAYS, m] = seg_mw[1] + seg_mw[2] + seg_mw[3]
                    monthly[p, M_CAPEX, m] = capex_tot
                m += 1
        s = price[p, n_days]
        term[p, T_BTC] = btc
        term[p, T_CASH] = cash
        term[p, T_DEBT] = debt + conv + drawn
        term[p, T_SHARES] = shares
        term[p, T_NAV] = btc * s + cash - debt - conv - drawn
        term[p, T_INSOLVENT_DAY] = insolvent_day
        term[p, T_MINED] = mined_tot
        term[p, T_SOLD] = sold_tot
        term[p, T_BOUGHT] = bought_tot
        term[p, T_EQUITY_RAISED] = equity_tot
        term[p, T_BTC_PER_SHARE] = btc / shares
        term[p, T_CAPEX] = capex_tot
        term[p, T_DR] = dr_tot
        term[p, T_DRAWN] = drawn
        for g in range(N_SEGMENTS):
            term[p, T_SEGMENT0 + 4 * g] = seg_rev[g]
            term[p, T_SEGMENT0 + 4 * g + 1] = seg_opex[g]
            term[p, T_SEGMENT0 + 4 * g + 2] = seg_capex[g]
            term[p, T_SEGMENT0 + 4 * g + 3] = seg_mw[g]
