"""The hedge stage of a path-day (``engine.step``: after production and AI projects, before the treasury), and the
layout of the float array it reads: a scenario's ``[[hedges]]`` (``policies.hedges``) packed by
``engine.plan.pack_hedges``.

Each hedge is a row of ``HEDGE_COLUMNS``; its state on a path is a row of ``engine.state.HEDGE_STATE``; the
path's totals are the ``engine.state.HEDGE_FIELDS`` columns of its state. The stage moves cash (settlements,
premiums, interest, loan draws and repayments: one line, ``hedge cash``) and moves BTC between the BTC held and
the collateral pledged to lenders (``released``: returned minus pledged); a lender's liquidation sells collateral
to repay its loan, no cash changes hands. So the day's identities read

    BTC held   = BTC held before + mined - sold + bought + released
    collateral = collateral before - released - liquidated
    cash       = cash before + operating + financing + hedge cash + (sold - bought) x price

and ``check_hedges`` asserts the second (``stages.check_day`` the others). A scenario without hedges has an
empty array: the stage is skipped and the day runs as before, bit for bit.

Premiums are priced once per hedge when packed (``engine.plan``), not on the path: Black-Scholes prices scale with spot (a put struck at
``ratio x S`` costs ``S x put(1, ratio)``), so a premium per unit of spot, and a zero-cost collar's call strike
ratio, hold on every path and at every roll.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from hashpivot.engine import kernels as k
from hashpivot.engine.state import (
    HS_ACCRUED_USD,
    HS_CALL_STRIKE_USD,
    HS_COLLATERAL_BTC,
    HS_EXPIRY_DAY,
    HS_LOAN_USD,
    HS_NOTIONAL_BTC,
    HS_PUT_STRIKE_USD,
    N_HEDGE_FIELDS,
    S_BROKERAGE_USD,
    S_BTC_HELD,
    S_CASH_USD,
    S_COLLATERAL_BTC,
    S_FORWARD_SETTLED_USD,
    S_HEDGE0,
    S_LIQUIDATED_BTC,
    S_LOAN_INTEREST_USD,
    S_LOAN_USD,
    S_MARGIN_CALLS,
    S_OPTION_PAYOFF_USD,
    S_OPTION_PREMIUM_USD,
    S_POWER_HEDGE_USD,
    SE_FULL_COST_USD,
    SE_FULL_MWH,
    SE_USED_COST_USD,
    SE_USED_MWH,
    T_HEDGE0,
)
from hashpivot.policies.hedges import BTC_BACKED_LOAN, FIXED_POWER, HASHPRICE_FORWARD
from hashpivot.units import DAYS_PER_YEAR, TH_PER_PH

#: Hedge columns, in packing order: (name, meaning [unit]). One row per hedge; a kind fills the columns it reads.
HEDGE_COLUMNS = (
    ("kind", "policies.hedges code: 0 hashprice forward, 1 BTC put, 2 BTC collar, 3 BTC-backed loan [code]"),
    ("start_day", "day the hedge is struck [day]"),
    ("tenor_days", "days from a strike to its expiry or maturity [days]"),
    ("end_day", "last day: the last expiry or the maturity [day]"),
    ("notional", "PH/s sold forward, BTC covered (0: a share of the treasury) or USD borrowed [PH/s, BTC or USD]"),
    ("treasury_frac", "share of the BTC held on an inception day that an option covers [fraction]"),
    ("strike_usd_per_ph_day", "a forward's fixed hashprice [USD/PH/day]"),
    ("put_strike_ratio", "put strike / spot at inception [ratio]"),
    ("call_strike_ratio", "strike of the call sold / spot at inception; 0 = none [ratio]"),
    ("premium_per_spot_ratio", "net premium per BTC covered / spot at inception [ratio]"),
    ("rate_per_year", "a loan's interest rate [1/year]"),
    ("initial_ltv_frac", "a loan's LTV when struck and after a cure [fraction]"),
    ("margin_call_ltv_frac", "a loan's margin-call LTV [fraction]"),
    ("site_index", "row of a fixed-price power contract's site [index]"),
    ("load_frac", "share of the site's mining energy contracted [fraction]"),
    ("price_usd_per_mwh", "fixed price of the contracted power [USD/MWh]"),
    ("release_ltv_frac", "a loan's LTV below which excess collateral returns to the BTC held; 0 = never [fraction]"),
)
(H_KIND, H_START_DAY, H_TENOR_DAYS, H_END_DAY, H_NOTIONAL, H_TREASURY_FRAC, H_STRIKE_USD_PER_PH_DAY,
 H_PUT_STRIKE_RATIO, H_CALL_STRIKE_RATIO, H_PREMIUM_PER_SPOT_RATIO, H_RATE_PER_YEAR, H_INITIAL_LTV_FRAC,
 H_MARGIN_CALL_LTV_FRAC, H_SITE_INDEX, H_LOAD_FRAC, H_PRICE_USD_PER_MWH, H_RELEASE_LTV_FRAC) = range(len(HEDGE_COLUMNS))
N_HEDGE_COLS = len(HEDGE_COLUMNS)


# --- the stage ----------------------------------------------------------------------------------------------------

@njit(inline="always")
def start_hedges(hs):
    """Day 0 of a path: no hedge struck yet (``HEDGE_STATE`` rows)."""
    hs[:, :] = 0.0
    hs[:, HS_EXPIRY_DAY] = -1.0


@njit(inline="always")
def _option_day(st, hs, hedges, h, t, s):
    """Cash of option ``h`` today [USD]: at an expiry the payoff (a collar's call less), then on its start day or at
    an expiry before its end the next option bought at today's spot, its premium paid. Writes ``S_OPTION_*``."""
    cash = 0.0
    if t == hs[h, HS_EXPIRY_DAY]:
        n = hs[h, HS_NOTIONAL_BTC]
        payoff = k.put_payoff_usd(n, hs[h, HS_PUT_STRIKE_USD], s)
        if hs[h, HS_CALL_STRIKE_USD] > 0.0:
            payoff -= k.call_payoff_usd(n, hs[h, HS_CALL_STRIKE_USD], s)
        st[S_OPTION_PAYOFF_USD] += payoff
        cash += payoff
        hs[h, HS_EXPIRY_DAY] = -1.0
    if t == hedges[h, H_START_DAY] or (hs[h, HS_EXPIRY_DAY] < 0.0 and t > hedges[h, H_START_DAY]
                                         and t < hedges[h, H_END_DAY]
                                         and (t - hedges[h, H_START_DAY]) % hedges[h, H_TENOR_DAYS] == 0.0):
        frac = hedges[h, H_TREASURY_FRAC]
        n = frac * st[S_BTC_HELD] if frac > 0.0 else hedges[h, H_NOTIONAL]
        hs[h, HS_NOTIONAL_BTC] = n
        hs[h, HS_PUT_STRIKE_USD] = hedges[h, H_PUT_STRIKE_RATIO] * s
        hs[h, HS_CALL_STRIKE_USD] = hedges[h, H_CALL_STRIKE_RATIO] * s
        hs[h, HS_EXPIRY_DAY] = t + hedges[h, H_TENOR_DAYS]
        premium = n * s * hedges[h, H_PREMIUM_PER_SPOT_RATIO]
        st[S_OPTION_PREMIUM_USD] += premium
        cash -= premium
    return cash


@njit(inline="always")
def _pledge(st, hs, h, btc):
    """Move ``btc`` from the BTC held to loan ``h``'s collateral."""
    st[S_BTC_HELD] -= btc
    st[S_COLLATERAL_BTC] += btc
    hs[h, HS_COLLATERAL_BTC] += btc


@njit(inline="always")
def _loan_day(st, hs, hedges, h, t, s):
    """(cash [USD], BTC released to the BTC held [BTC], BTC liquidated [BTC]) of loan ``h`` today.

    Start: borrow the principal against BTC pledged at the initial LTV (all the BTC held, and a principal cut to
    its initial LTV, when that is less). Each later day: interest; at maturity the loan is repaid from cash and the
    collateral released; before it, a loan at or above its margin-call LTV is a margin call, cured back to the
    initial LTV by pledging BTC held, then by repaying from cash above zero; the rest the lender liquidates, selling
    collateral at today's price until the initial LTV is back; when that takes all of it, the deficiency left is
    repaid from cash at once. A loan whose LTV has fallen below its release LTV (when set) returns the collateral
    above the initial LTV to the BTC held (as Ledn's excess collateral redemption does). Writes the loan columns of
    ``st`` and ``hs``."""
    cash = 0.0
    released = 0.0
    liquidated = 0.0
    ltv0 = hedges[h, H_INITIAL_LTV_FRAC]
    if t == hedges[h, H_START_DAY]:
        principal = hedges[h, H_NOTIONAL]
        need = principal / (ltv0 * s)
        if need > st[S_BTC_HELD]:
            need = st[S_BTC_HELD]
            principal = ltv0 * need * s
        _pledge(st, hs, h, need)
        released -= need
        hs[h, HS_LOAN_USD] = principal
        st[S_LOAN_USD] += principal
        cash += principal
        return cash, released, liquidated
    loan = hs[h, HS_LOAN_USD]
    if t <= hedges[h, H_START_DAY] or t > hedges[h, H_END_DAY] or loan <= 0.0:
        return cash, released, liquidated
    interest = loan * hedges[h, H_RATE_PER_YEAR] / DAYS_PER_YEAR
    st[S_LOAN_INTEREST_USD] += interest
    cash -= interest
    coll = hs[h, HS_COLLATERAL_BTC]
    if t == hedges[h, H_END_DAY]:
        cash -= loan
        st[S_LOAN_USD] -= loan
        hs[h, HS_LOAN_USD] = 0.0
        st[S_BTC_HELD] += coll
        st[S_COLLATERAL_BTC] -= coll
        hs[h, HS_COLLATERAL_BTC] = 0.0
        released += coll
        return cash, released, liquidated
    if loan < hedges[h, H_RELEASE_LTV_FRAC] * coll * s:
        excess = coll - loan / (ltv0 * s)
        st[S_BTC_HELD] += excess
        st[S_COLLATERAL_BTC] -= excess
        hs[h, HS_COLLATERAL_BTC] = coll - excess
        released += excess
        return cash, released, liquidated
    if loan < hedges[h, H_MARGIN_CALL_LTV_FRAC] * coll * s:
        return cash, released, liquidated
    st[S_MARGIN_CALLS] += 1.0
    post = min(loan / (ltv0 * s) - coll, st[S_BTC_HELD])
    if post > 0.0:
        _pledge(st, hs, h, post)
        released -= post
        coll += post
    repay = min(loan - ltv0 * coll * s, max(st[S_CASH_USD] + cash, 0.0))
    if repay > 0.0:
        cash -= repay
        loan -= repay
    excess = loan - ltv0 * coll * s
    if excess > 1e-9 * loan:
        sell = min(excess / (s * (1.0 - ltv0)), coll)
        loan -= sell * s
        coll -= sell
        liquidated += sell
        st[S_LIQUIDATED_BTC] += sell
        st[S_COLLATERAL_BTC] -= sell
        hs[h, HS_COLLATERAL_BTC] = coll
        if coll <= 0.0:  # all collateral sold: the deficiency is due at once, from cash
            cash -= loan
            loan = 0.0
    st[S_LOAN_USD] -= hs[h, HS_LOAN_USD] - loan
    hs[h, HS_LOAN_USD] = loan
    return cash, released, liquidated


@njit(inline="always")
def _power_day(st, hedges, h, site_energy):
    """Cash of fixed-price power contract ``h`` today [USD]: on the contracted share of the site's energy drawn,
    (price paid at the market - contract price) x MWh (``S_POWER_HEDGE_USD``); on the contracted MWh not drawn
    (curtailed hours, downtime), resold at the market, (market - contract price) x MWh (``S_BROKERAGE_USD``).
    Together: (the day's mean market price - contract price) x contracted MWh."""
    site = int(hedges[h, H_SITE_INDEX])
    share = hedges[h, H_LOAD_FRAC]
    price = hedges[h, H_PRICE_USD_PER_MWH]
    full_mwh, used_mwh = site_energy[site, SE_FULL_MWH], site_energy[site, SE_USED_MWH]
    saving = share * (site_energy[site, SE_USED_COST_USD] - price * used_mwh)
    brokerage = share * (site_energy[site, SE_FULL_COST_USD] - site_energy[site, SE_USED_COST_USD]
                         - price * (full_mwh - used_mwh))
    st[S_POWER_HEDGE_USD] += saving
    st[S_BROKERAGE_USD] += brokerage
    return saving + brokerage


@njit(cache=True, nogil=True, error_model="numpy")
def settle_hedges(st, hs, hedges, btc_price_usd, network_hashrate_ehs, subsidy_btc, fees_btc_per_block, blocks, t,
                  month_end, site_energy):
    """(hedge cash [USD], BTC released to the BTC held [BTC], BTC liquidated [BTC]) of every hedge on day ``t`` of a
    path, at that day's market (BTC price [USD], network hashrate [EH/s], subsidy [BTC], fees [BTC/block], blocks):
    forwards accrue ``notional x (strike - hashprice)`` on each day they cover and settle at each calendar
    month end (``month_end``) and on their last day; fixed-price power settles each day it covers from the sites'
    energy of the day (``site_energy``, ``engine.state.SITE_ENERGY``); options and loans as ``_option_day`` and
    ``_loan_day``. Adds the cash to ``S_CASH_USD``; writes the ``HEDGE_FIELDS`` columns and ``HEDGE_STATE``.

    Not inlined, unlike the other stages: a day without hedges never calls it, so its code stays out of the daily
    loop (inlined, RM1 ran 7 % or more slower in an interleaved benchmark). Its arrays arrive borrowed
    (``engine.borrowed``)."""
    s = btc_price_usd
    cash = 0.0
    released = 0.0
    liquidated = 0.0
    for h in range(hedges.shape[0]):
        kind = int(hedges[h, H_KIND])
        if t < hedges[h, H_START_DAY] or t > hedges[h, H_END_DAY]:
            continue
        if kind == HASHPRICE_FORWARD:
            if t > hedges[h, H_START_DAY]:
                hp_ph = k.hashprice_usd_per_th_day(s, network_hashrate_ehs, subsidy_btc, fees_btc_per_block,
                                                   blocks) * TH_PER_PH
                hs[h, HS_ACCRUED_USD] += k.forward_day_usd(hedges[h, H_NOTIONAL], hedges[h, H_STRIKE_USD_PER_PH_DAY],
                                                           hp_ph)
                if month_end or t == hedges[h, H_END_DAY]:
                    st[S_FORWARD_SETTLED_USD] += hs[h, HS_ACCRUED_USD]
                    cash += hs[h, HS_ACCRUED_USD]
                    hs[h, HS_ACCRUED_USD] = 0.0
        elif kind == FIXED_POWER:
            if t > hedges[h, H_START_DAY]:
                cash += _power_day(st, hedges, h, site_energy)
        elif kind == BTC_BACKED_LOAN:
            c, r, q = _loan_day(st, hs, hedges, h, t, s)
            cash += c
            released += r
            liquidated += q
        else:
            cash += _option_day(st, hs, hedges, h, t, s)
    st[S_CASH_USD] += cash
    return cash, released, liquidated


@njit(inline="always")
def check_hedges(st, collateral_prev, released, liquidated):
    """Raise unless ``collateral = collateral_prev - released - liquidated`` (relative 1e-9) and the loans' state is
    finite with collateral >= 0."""
    coll = st[S_COLLATERAL_BTC]
    scale = max(1.0, abs(collateral_prev) + abs(released) + liquidated)
    if abs(coll - (collateral_prev - released - liquidated)) > 1e-9 * scale:
        raise AssertionError("collateral not conserved")
    if not (np.isfinite(coll) and np.isfinite(st[S_LOAN_USD])) or coll < -1e-9 * scale:
        raise AssertionError("non-finite or negative collateral")


@njit(inline="always")
def store_hedge_terminal(st, term, p):
    """Write path ``p``'s ``HEDGE_FIELDS`` columns of the terminal array."""
    for i in range(N_HEDGE_FIELDS):
        term[p, T_HEDGE0 + i] = st[S_HEDGE0 + i]
