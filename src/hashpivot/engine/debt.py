"""The debt stage of a path-day (``engine.step``: after the treasury, before the shortfall is covered), and the
layouts of the float arrays it reads: the company's ``[[company.debt]]`` tranches and ``[[company.covenants]]``
(``scenarios.schema.DebtTranche``, ``Covenant``), packed by :func:`pack_debt` and :func:`pack_covenants`.

Each tranche is a row of ``DEBT_COLUMNS``; its state on a path a row of ``engine.state.DEBT_STATE``; the path's
totals are the ``engine.state.DEBT_FIELDS`` columns of its state. The stage pays cash only (interest,
amortisation, principal at maturity or on acceleration: one line, ``debt cash``); the BTC sold and the facility
drawn to pay it are ``stages.cover_shortfall``'s, which runs next and marks the path insolvent when even they
cannot cover the cash. So the day's cash identity reads

    cash = cash before + operating + financing + hedge cash + debt cash + (sold - bought) x price

and a company without tranches or covenants has empty arrays: the stage is skipped and the day runs as before, bit
for bit.

Order of the stage on day ``t``: (1) the day's operating margin joins the trailing 365 days (only with a leverage
covenant); (2) each tranche pays interest on its opening principal at its rate / 365, and a term loan before its
maturity its daily amortisation; (3) while any tranche or the straight debt is outstanding, the covenants are tested
on their test days and on a maturity day: each failed test is a breach (counted, the first day kept); a breach
blocks refinancing today, and one of a covenant with ``on_breach = "accelerate"`` makes all debt due today;
(4) each tranche due today (maturity or acceleration) is repaid from what the company can raise today (cash + BTC
held at the day's price + the facility's headroom), and what it cannot is refinanced at its rate + spread for the
refinancing term if it can be (a spread set, no breach today, not accelerated); a tranche with ``on_maturity =
"refinance"`` refinances all of it when it can. What is neither leaves cash negative, and the path is insolvent today.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from hashpivot.engine.state import (
    DS_AMORTIZATION_USD_PER_DAY,
    DS_MATURITY_DAY,
    DS_PRINCIPAL_USD,
    DS_RATE_PER_YEAR,
    N_DEBT_FIELDS,
    S_BTC_HELD,
    S_CASH_USD,
    S_CONVERTIBLE_USD,
    S_COVENANT_BREACHES,
    S_CREDIT_DRAWN_USD,
    S_DEBT0,
    S_DEBT_USD,
    S_FIRST_BREACH_DAY,
    S_LOAN_USD,
    S_MARGIN_365_USD,
    S_REFINANCE_COUNT,
    S_TRANCHE_DEBT_USD,
    S_TRANCHE_INTEREST_USD,
    S_TRANCHE_REPAID_USD,
    T_DEBT0,
)
from hashpivot.units import DAYS_PER_YEAR

#: Codes of a tranche's kind (``DebtTranche.kind``) and of a covenant's metric (``Covenant.metric``).
TERM_LOAN, NOTE = 0, 1
MIN_LIQUIDITY, MAX_LEVERAGE = 0, 1
#: Days of the trailing operating margin a leverage covenant reads. [days]
LEVERAGE_WINDOW_DAYS = 365

#: Tranche columns, in packing order: (name, meaning [unit]). One row per tranche.
DEBT_COLUMNS = (
    ("kind", "0 term loan (amortises linearly), 1 note (bullet) [code]"),
    ("principal_usd", "principal outstanding on day 0 [USD]"),
    ("rate_per_year", "cash interest [1/year]"),
    ("maturity_day", "day the principal left is due [day]"),
    ("amortization_usd_per_day", "principal a term loan repays each day before maturity [USD/day]"),
    ("amortization_frac_per_year", "share of the principal a refinanced term loan repays a year; 0 = the straight "
     "line to its new maturity [fraction/year]"),
    ("can_refinance", "1: the lender refinances at maturity when the covenants hold [flag]"),
    ("refinance_spread_per_year", "spread over the rate of a refinanced tranche [1/year]"),
    ("refinance_term_days", "term of a refinanced tranche [days]"),
    ("refinance_first", "1: refinance the whole principal when allowed; 0: repay what can be repaid [flag]"),
)
(D_KIND, D_PRINCIPAL_USD, D_RATE_PER_YEAR, D_MATURITY_DAY, D_AMORTIZATION_USD_PER_DAY, D_AMORTIZATION_FRAC_PER_YEAR,
 D_CAN_REFINANCE, D_REFINANCE_SPREAD_PER_YEAR, D_REFINANCE_TERM_DAYS, D_REFINANCE_FIRST) = range(len(DEBT_COLUMNS))
N_DEBT_COLS = len(DEBT_COLUMNS)

#: Covenant columns, in packing order. One row per covenant.
COVENANT_COLUMNS = (
    ("metric", "0 minimum liquidity, 1 maximum leverage [code]"),
    ("threshold", "limit: USD of liquidity, or net debt / trailing operating margin [USD or ratio]"),
    ("test_every_days", "days between tests [days]"),
    ("accelerate", "1: a breach makes all debt due at once [flag]"),
)
CV_METRIC, CV_THRESHOLD, CV_TEST_EVERY_DAYS, CV_ACCELERATE = range(len(COVENANT_COLUMNS))
N_COVENANT_COLS = len(COVENANT_COLUMNS)


def pack_debt(scenario) -> NDArray[np.float64]:
    """The company's tranches as rows of ``DEBT_COLUMNS`` (shape (tranches, columns); (0, columns) without). A term
    loan's daily amortisation: ``amortization_frac_per_year`` x principal / 365, or principal / maturity day (the
    straight line to zero) when it is None. [row units]"""
    start = scenario.run.start_date
    rows = []
    for d in scenario.company.debt:
        maturity = d.maturity_day(start)
        frac = d.amortization_frac_per_year
        if d.kind == "note":
            amort = 0.0
        else:
            amort = d.principal_usd / maturity if frac is None else frac * d.principal_usd / DAYS_PER_YEAR
        rows.append([
            TERM_LOAN if d.kind == "term_loan" else NOTE, d.principal_usd, d.rate_per_year, maturity, amort,
            frac or 0.0, 0.0 if d.refinance_spread_per_year is None else 1.0, d.refinance_spread_per_year or 0.0,
            d.refinance_term_days, 1.0 if d.on_maturity == "refinance" else 0.0,
        ])
    return np.array(rows, dtype=np.float64).reshape(len(rows), N_DEBT_COLS)


def pack_covenants(scenario) -> NDArray[np.float64]:
    """The company's covenants as rows of ``COVENANT_COLUMNS`` ((0, columns) without). [row units]"""
    rows = [[MIN_LIQUIDITY if c.metric == "min_liquidity_usd" else MAX_LEVERAGE, c.threshold, c.test_every_days,
             1.0 if c.on_breach == "accelerate" else 0.0] for c in scenario.company.covenants]
    return np.array(rows, dtype=np.float64).reshape(len(rows), N_COVENANT_COLS)


def margin_window_days(covenants: NDArray[np.float64]) -> int:
    """Days of operating margin a path keeps: ``LEVERAGE_WINDOW_DAYS`` with a leverage covenant, else 0. [days]"""
    return LEVERAGE_WINDOW_DAYS if np.any(covenants[:, CV_METRIC] == MAX_LEVERAGE) else 0


# --- the stage ----------------------------------------------------------------------------------------------------

@njit(inline="always")
def start_debt(st, ds, debt, window):
    """Day 0 of a path: each tranche's state from its row (``DEBT_STATE``), their principal in
    ``S_TRANCHE_DEBT_USD``, no margin in the window."""
    st[S_TRANCHE_DEBT_USD] = 0.0
    for d in range(debt.shape[0]):
        st[S_TRANCHE_DEBT_USD] += debt[d, D_PRINCIPAL_USD]
        ds[d, DS_PRINCIPAL_USD] = debt[d, D_PRINCIPAL_USD]
        ds[d, DS_RATE_PER_YEAR] = debt[d, D_RATE_PER_YEAR]
        ds[d, DS_MATURITY_DAY] = debt[d, D_MATURITY_DAY]
        ds[d, DS_AMORTIZATION_USD_PER_DAY] = debt[d, D_AMORTIZATION_USD_PER_DAY]
    window[:] = 0.0


@njit(inline="always")
def total_debt_usd(st):
    """All debt of the path: straight debt, tranches, convertible, facility drawn and BTC-backed loans. [USD]"""
    return (st[S_DEBT_USD] + st[S_TRANCHE_DEBT_USD] + st[S_CONVERTIBLE_USD] + st[S_CREDIT_DRAWN_USD]
            + st[S_LOAN_USD])


@njit(inline="always")
def covenant_holds(st, covenants, c, btc_price_usd, t):
    """True when covenant ``c`` holds on day ``t``: liquidity (cash + BTC held x price) at least its threshold;
    or net debt (all debt - cash) at most its threshold x the trailing 365 days' operating margin, annualised while
    fewer days have run (net debt <= 0 always holds; a margin <= 0 with net debt fails)."""
    threshold = covenants[c, CV_THRESHOLD]
    if int(covenants[c, CV_METRIC]) == MIN_LIQUIDITY:
        return st[S_CASH_USD] + st[S_BTC_HELD] * btc_price_usd >= threshold
    net_debt = total_debt_usd(st) - st[S_CASH_USD]
    if net_debt <= 0.0:
        return True
    n_days = min(t, LEVERAGE_WINDOW_DAYS)
    margin_per_year = st[S_MARGIN_365_USD] * DAYS_PER_YEAR / n_days
    return margin_per_year > 0.0 and net_debt <= threshold * margin_per_year


@njit(inline="always")
def _raisable_usd(st, btc_price_usd, facility_usd):
    """What the company can pay today: cash + BTC held at the day's price + the facility's headroom. [USD]"""
    return st[S_CASH_USD] + st[S_BTC_HELD] * btc_price_usd + facility_usd - st[S_CREDIT_DRAWN_USD]


@njit(inline="always")
def _day_interest_usd(ds, d):
    """A day's interest on tranche ``d``'s opening principal. [USD]"""
    return ds[d, DS_PRINCIPAL_USD] * ds[d, DS_RATE_PER_YEAR] / DAYS_PER_YEAR


@njit(inline="always")
def interest_due_usd(ds):
    """Today's interest on the debt tranches still owed: what ``settle_debt`` pays today, which the treasury's
    costs count (``sell_to_cover_costs``, the runway floor). [USD]"""
    total = 0.0
    for d in range(ds.shape[0]):
        if ds[d, DS_PRINCIPAL_USD] > 0.0:
            total += _day_interest_usd(ds, d)
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def settle_debt(st, ds, window, debt, covenants, facility_usd, btc_price_usd, t, margin_usd):
    """(debt cash [USD], True when debt principal fell due today) of day ``t`` (see the module docstring), at the
    day's BTC price [USD] with today's operating margin ``margin_usd`` [USD] and the facility's size [USD]. Adds the
    cash to ``S_CASH_USD``; writes the ``DEBT_FIELDS`` columns, ``S_DEBT_USD`` when accelerated, ``DEBT_STATE`` and
    the margin ``window``.

    Not inlined, like ``engine.hedges.settle_hedges``: a company without debt tranches or covenants never calls it."""
    cash = 0.0
    if window.shape[0] > 0:
        i = (t - 1) % window.shape[0]
        st[S_MARGIN_365_USD] += margin_usd - window[i]
        window[i] = margin_usd
    maturity_today = False
    for d in range(debt.shape[0]):
        principal = ds[d, DS_PRINCIPAL_USD]
        if principal <= 0.0:
            continue
        interest = _day_interest_usd(ds, d)
        st[S_TRANCHE_INTEREST_USD] += interest
        cash -= interest
        if t < ds[d, DS_MATURITY_DAY]:
            amort = min(ds[d, DS_AMORTIZATION_USD_PER_DAY], principal)
            if amort > 0.0:
                ds[d, DS_PRINCIPAL_USD] = principal - amort
                st[S_TRANCHE_DEBT_USD] -= amort
                st[S_TRANCHE_REPAID_USD] += amort
                cash -= amort
        elif t == ds[d, DS_MATURITY_DAY]:
            maturity_today = True
    st[S_CASH_USD] += cash
    breached = False
    accelerate = False
    if covenants.shape[0] > 0 and st[S_DEBT_USD] + st[S_TRANCHE_DEBT_USD] > 0.0:
        for c in range(covenants.shape[0]):
            if not (maturity_today or t % int(covenants[c, CV_TEST_EVERY_DAYS]) == 0):
                continue
            if not covenant_holds(st, covenants, c, btc_price_usd, t):
                breached = True
                st[S_COVENANT_BREACHES] += 1.0
                if st[S_FIRST_BREACH_DAY] < 0.0:
                    st[S_FIRST_BREACH_DAY] = t
                if covenants[c, CV_ACCELERATE] > 0.5:
                    accelerate = True
    due = False
    for d in range(debt.shape[0]):
        principal = ds[d, DS_PRINCIPAL_USD]
        if principal <= 0.0 or not (accelerate or t == ds[d, DS_MATURITY_DAY]):
            continue
        due = True
        refinance = 0.0
        if debt[d, D_CAN_REFINANCE] > 0.5 and not breached:
            if debt[d, D_REFINANCE_FIRST] > 0.5:
                refinance = principal
            else:
                refinance = max(principal - max(_raisable_usd(st, btc_price_usd, facility_usd), 0.0), 0.0)
        repay = principal - refinance
        st[S_CASH_USD] -= repay
        cash -= repay
        st[S_TRANCHE_REPAID_USD] += repay
        st[S_TRANCHE_DEBT_USD] -= repay
        ds[d, DS_PRINCIPAL_USD] = refinance
        if refinance > 0.0:
            term = debt[d, D_REFINANCE_TERM_DAYS]
            st[S_REFINANCE_COUNT] += 1.0
            ds[d, DS_RATE_PER_YEAR] += debt[d, D_REFINANCE_SPREAD_PER_YEAR]
            ds[d, DS_MATURITY_DAY] = t + term
            if int(debt[d, D_KIND]) == TERM_LOAN:
                frac = debt[d, D_AMORTIZATION_FRAC_PER_YEAR]
                ds[d, DS_AMORTIZATION_USD_PER_DAY] = (refinance / term if frac <= 0.0
                                                      else frac * refinance / DAYS_PER_YEAR)
    outstanding = 0.0
    for d in range(debt.shape[0]):
        outstanding += ds[d, DS_PRINCIPAL_USD]
    st[S_TRANCHE_DEBT_USD] = outstanding  # the sum itself, so that a tranche repaid leaves no rounding behind
    if accelerate and st[S_DEBT_USD] > 0.0:  # the straight debt falls due with the tranches
        due = True
        repay = st[S_DEBT_USD]
        st[S_CASH_USD] -= repay
        cash -= repay
        st[S_TRANCHE_REPAID_USD] += repay
        st[S_DEBT_USD] = 0.0
    return cash, due


@njit(inline="always")
def store_debt_terminal(st, term, p):
    """Write path ``p``'s ``DEBT_FIELDS`` columns of the terminal array."""
    for i in range(N_DEBT_FIELDS):
        term[p, T_DEBT0 + i] = st[S_DEBT0 + i]
