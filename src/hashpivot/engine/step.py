"""One company's days on one chunk of paths: the jitted daily step.

Order of a day ``t`` on a path that is still operating (fixed; RM1's order):

1. Production: ``mined = production_ehs / H x blocks x (subsidy + fees)`` joins the BTC held.
2. Operating cash: ``cash += -power x index - fixed opex + (AI revenue - AI opex) - capex - interest``
   (straight debt interest and convertible coupons, both daily = yearly rate / 365).
3. Financing: convertible issue (cash in, principal buys BTC) or maturity (convert if the share price,
   ``mnav_ratio x NAV per share``, reaches the conversion price, else repay in cash); at-the-market
   equity (shares out, BTC bought with the proceeds).
4. Treasury decision (``decide``): BTC sold at today's price, cash added; cash spent on BTC.
5. Runway floor: sell BTC until cash covers ``floor_runway_months`` of operating costs.
6. Solvency: if cash < 0, sell ``-cash / price`` BTC (cash -> 0) when the BTC held covers it; otherwise
   the path is insolvent that day: all BTC is sold, cash stays negative, and from the next day the
   company no longer operates (no production, costs or revenue; its BTC, cash and shares stay frozen).

With ``check`` on, every day asserts ``btc = btc_prev + mined - sold + bought`` and
``cash = cash_prev + operating + financing + (sold - bought) x price`` (relative 1e-9), finite values
and BTC >= 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hashpivot.policies.treasury import (
    BUY_WITH_CASH,
    BUY_WITH_CONVERTIBLE,
    BUY_WITH_EQUITY,
    FLOOR,
    SELL_ABOVE_AVERAGE,
    SELL_ALL,
    SELL_FRACTION,
    SELL_TO_COVER,
)
from hashpivot.units import DAYS_PER_YEAR, MONTHS_PER_YEAR

# Columns of the per-path terminal array.
T_BTC, T_CASH, T_DEBT, T_SHARES, T_NAV, T_INSOLVENT_DAY = 0, 1, 2, 3, 4, 5
T_MINED, T_SOLD, T_BOUGHT, T_MINING_REVENUE, T_POWER, T_MINING_MW_DAYS = 6, 7, 8, 9, 10, 11
T_AI_NET, T_AI_MW_DAYS, T_EQUITY_RAISED, T_BTC_PER_SHARE = 12, 13, 14, 15
TERMINAL_COLUMNS = (
    "btc_held", "cash_usd", "debt_usd", "shares", "nav_usd", "insolvent_day",
    "mined_btc", "sold_btc", "bought_btc", "mining_revenue_usd", "power_cost_usd", "mining_mw_days",
    "ai_net_usd", "ai_mw_days", "equity_raised_usd", "btc_per_share",
)
# Rows of the per-path monthly array.
M_NAV, M_BTC, M_CASH, M_BTC_PER_SHARE = 0, 1, 2, 3
MONTHLY_VARIABLES = ("nav_usd", "btc_held", "cash_usd", "btc_per_share")

_DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def run_company(
    price, hashrate, fees, blocks, subsidy, power_index,
    production_ehs, mining_mw, power_cost, ai_mw, ai_revenue, ai_opex, capex, fixed_opex,
    btc0, cash0, debt0, debt_rate, shares0,
    code, params, month_days, n_store, check,
    term, monthly,
):
    """Simulate every path of a chunk; write per-path terminal values into ``term`` (paths, columns)
    and monthly values of the first ``n_store`` paths into ``monthly`` (n_store, variables, months)."""
    n_paths, n_cols = price.shape
    n_days = n_cols - 1
    window = int(params[1]) if code == SELL_ABOVE_AVERAGE else 0
    floor_months = params[FLOOR]
    shared_index = power_index.shape[0] == 1
    for p in range(n_paths):
        pi = 0 if shared_index else p
        btc = btc0
        cash = cash0
        debt = debt0
        conv = 0.0
        shares = shares0
        insolvent_day = -1
        ma_sum = price[p, 0]
        ma_count = 1
        mined_tot = sold_tot = bought_tot = rev_tot = power_tot = mw_days = 0.0
        ai_net_tot = ai_mw_days = equity_tot = 0.0
        m = 0
        if p < n_store and month_days[0] == 0:
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
                # 1. production
                mined = production_ehs[t] / hashrate[p, t] * blocks[p, t] * (subsidy[p, t] + fees[p, t])
                btc += mined
                # 2. operating cash
                power = power_cost[t] * power_index[pi, t]
                ai_net = ai_revenue[t] - ai_opex[t]
                interest = (debt * debt_rate + conv * params[1] * (code == BUY_WITH_CONVERTIBLE)) / DAYS_PER_YEAR
                operating = -power - fixed_opex[t] + ai_net - capex[t] - interest
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
                        nav = btc * s + cash - debt - conv
                        share_price = params[5] * nav / shares
                        if share_price >= params[4]:
                            shares += conv / params[4]
                        else:
                            financing -= conv
                            cash -= conv
                        conv = 0.0
                elif code == BUY_WITH_EQUITY:
                    nav = btc * s + cash - debt
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
                    daily_costs = power + fixed_opex[t] + ai_opex[t] + interest
                    target = floor_months * _DAYS_PER_MONTH * daily_costs
                    if cash < target:
                        extra = min((target - cash) / s, btc)
                        btc -= extra
                        cash += extra * s
                        sold += extra
                # 6. solvency
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
                rev_tot += mined * s
                power_tot += power
                mw_days += mining_mw[t]
                ai_net_tot += ai_net
                ai_mw_days += ai_mw[t]
            if m < month_days.shape[0] and t == month_days[m]:
                if p < n_store:
                    monthly[p, M_NAV, m] = btc * s + cash - debt - conv
                    monthly[p, M_BTC, m] = btc
                    monthly[p, M_CASH, m] = cash
                    monthly[p, M_BTC_PER_SHARE, m] = btc / shares
                m += 1
        s = price[p, n_days]
        term[p, T_BTC] = btc
        term[p, T_CASH] = cash
        term[p, T_DEBT] = debt + conv
        term[p, T_SHARES] = shares
        term[p, T_NAV] = btc * s + cash - debt - conv
        term[p, T_INSOLVENT_DAY] = insolvent_day
        term[p, T_MINED] = mined_tot
        term[p, T_SOLD] = sold_tot
        term[p, T_BOUGHT] = bought_tot
        term[p, T_MINING_REVENUE] = rev_tot
        term[p, T_POWER] = power_tot
        term[p, T_MINING_MW_DAYS] = mw_days
        term[p, T_AI_NET] = ai_net_tot
        term[p, T_AI_MW_DAYS] = ai_mw_days
        term[p, T_EQUITY_RAISED] = equity_tot
        term[p, T_BTC_PER_SHARE] = btc / shares
