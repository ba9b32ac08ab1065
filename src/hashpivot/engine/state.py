"""Named layouts of the engine's per-path arrays, declared once with their units.

- ``PATH_STATE``: a path's state while its days run (``S_*``), one float64 vector per path; the stages of
  ``engine.stages`` read and write the columns their docstrings name.
- ``FLEET_STATE`` (``FS_*``) and ``PROJECT_STATE`` (``PS_*``): the per-fleet and per-project part of that state.
- ``TERMINAL_COLUMNS`` (``T_*``): what a path ends with, one row per path.
- ``MONTHLY_VARIABLES`` (``M_*``): month-end stocks and cumulative flows of the stored paths.
"""

from __future__ import annotations

from hashpivot.policies.capacity import SEGMENTS

N_SEGMENTS = len(SEGMENTS)
#: Flows kept per segment (mining, then each AI/HPC project kind), in this order.
SEGMENT_FIELDS = ("revenue_usd", "opex_usd", "capex_usd", "mw_days")
SEG_REVENUE_USD, SEG_OPEX_USD, SEG_CAPEX_USD, SEG_MW_DAYS = range(len(SEGMENT_FIELDS))
_SEGMENT_UNITS = {"revenue_usd": "USD", "opex_usd": "USD", "capex_usd": "USD", "mw_days": "MW-days"}

#: Hedges and BTC-backed loans of a path (``engine.hedges``), at the end of the path state and of the terminal
#: columns, in this order: stocks, then flows summed since day 0. (name, meaning [unit])
HEDGE_FIELDS = (
    ("collateral_btc", "BTC pledged to lenders, apart from the BTC held [BTC]"),
    ("loan_usd", "BTC-backed loans outstanding [USD]"),
    ("forward_settled_usd", "hashprice forwards' monthly settlements received (negative: paid) since day 0 [USD]"),
    ("option_payoff_usd", "BTC options' payoffs at expiry received (a collar's call: paid) since day 0 [USD]"),
    ("option_premium_usd", "BTC options' net premiums paid since day 0 [USD]"),
    ("loan_interest_usd", "interest paid on BTC-backed loans since day 0 [USD]"),
    ("margin_calls", "days a loan reached its margin-call LTV since day 0 [count]"),
    ("liquidated_btc", "collateral sold by lenders since day 0 [BTC]"),
    ("power_hedge_usd", "fixed-price power: (market - contract price) x contracted MWh drawn since day 0 [USD]"),
    ("brokerage_usd", "fixed-price power: contracted MWh not drawn, resold at (market - contract price) since day 0 "
                      "[USD]"),
)
N_HEDGE_FIELDS = len(HEDGE_FIELDS)

#: A path's state: stocks at the end of the day so far, flows summed since day 0. (name, meaning [unit])
PATH_STATE = (
    ("btc_held", "BTC held [BTC]"),
    ("cash_usd", "cash, negative only on an insolvent path [USD]"),
    ("debt_usd", "straight debt [USD]"),
    ("convertible_usd", "convertible principal outstanding [USD]"),
    ("credit_drawn_usd", "credit facility drawn [USD]"),
    ("shares", "shares outstanding [shares]"),
    ("insolvent_day", "day the path became insolvent; -1 while it operates [day]"),
    ("price_sum_usd", "sum of the BTC prices in the window of sell_above_average's mean [USD]"),
    ("price_count_days", "days in that sum [days]"),
    ("mined_btc", "BTC mined since day 0 [BTC]"),
    ("sold_btc", "BTC sold since day 0 [BTC]"),
    ("bought_btc", "BTC bought since day 0 [BTC]"),
    ("equity_raised_usd", "at-the-market equity raised since day 0 [USD]"),
    ("capex_usd", "capex paid since day 0 [USD]"),
    ("demand_response_usd", "demand-response credits earned since day 0 [USD]"),
    ("fleets_as_built", "1 while no MW has been converted, upgraded or made curtailable (the fast path) [flag]"),
    ("shutdown_saved_usd", "power not bought while machines were off, since day 0 [USD]"),
    ("shutdown_forgone_btc", "BTC not mined while machines were off, since day 0 [BTC]"),
    ("demand_response_mwh", "MWh called off by demand-response programs since day 0 [MWh]"),
    ("growth_capex_usd", "capex of scheduled additions and bought units since day 0 [USD]"),
    ("resale_usd", "proceeds of retired fleets sold since day 0 [USD]"),
    ("purchased_ehs", "hashrate ordered by the growth policy since day 0 [EH/s]"),
    ("retired_ehs", "hashrate retired and sold since day 0 [EH/s]"),
    ("hashprice0_usd_per_th_day", "day-0 hashprice of the path, the ASIC prices' reference [USD/(TH/s)/day]"),
) + tuple((f"{seg}_{field}", f"{seg}: {field} since day 0 [{_SEGMENT_UNITS[field]}]")
          for seg in SEGMENTS for field in SEGMENT_FIELDS) + HEDGE_FIELDS
(S_BTC_HELD, S_CASH_USD, S_DEBT_USD, S_CONVERTIBLE_USD, S_CREDIT_DRAWN_USD, S_SHARES, S_INSOLVENT_DAY,
 S_PRICE_SUM_USD, S_PRICE_COUNT_DAYS, S_MINED_BTC, S_SOLD_BTC, S_BOUGHT_BTC, S_EQUITY_RAISED_USD, S_CAPEX_USD,
 S_DEMAND_RESPONSE_USD, S_FLEETS_AS_BUILT, S_SHUTDOWN_SAVED_USD, S_SHUTDOWN_FORGONE_BTC,
 S_DEMAND_RESPONSE_MWH, S_GROWTH_CAPEX_USD, S_RESALE_USD, S_PURCHASED_EHS, S_RETIRED_EHS,
 S_HASHPRICE0_USD_PER_TH_DAY) = range(24)
#: Column of segment g's ``SEGMENT_FIELDS[i]``: ``S_SEGMENT0 + len(SEGMENT_FIELDS) * g + i``.
S_SEGMENT0 = S_HASHPRICE0_USD_PER_TH_DAY + 1
#: Column of ``HEDGE_FIELDS[i]``: ``S_HEDGE0 + i``.
S_HEDGE0 = S_SEGMENT0 + len(SEGMENT_FIELDS) * N_SEGMENTS
(S_COLLATERAL_BTC, S_LOAN_USD, S_FORWARD_SETTLED_USD, S_OPTION_PAYOFF_USD, S_OPTION_PREMIUM_USD,
 S_LOAN_INTEREST_USD, S_MARGIN_CALLS, S_LIQUIDATED_BTC, S_POWER_HEDGE_USD, S_BROKERAGE_USD) = range(
    S_HEDGE0, S_HEDGE0 + N_HEDGE_FIELDS)
N_STATE = len(PATH_STATE)

#: Per fleet (rows), its state on a path. (name, meaning [unit])
FLEET_STATE = (
    ("active_grid_mw", "grid MW still mining (not converted to AI) [MW]"),
    ("upgraded_grid_mw", "grid MW replaced by the upgrade model [MW]"),
    ("called_hours_this_year", "hours its site's demand-response program has called in this year of the run "
     "[hours]"),
    ("pending_grid_mw", "grid MW ordered and not yet energized (the bought units' fleet) [MW]"),
    ("energized_mw_days", "sum of energized MW x their energize day, for the mean age of bought units [MW-days]"),
    ("negative_days", "consecutive days its margin running has been negative [days]"),
    ("retired", "1 once the fleet has been retired and sold [flag]"),
    ("capex_usd", "capex paid for it since day 0 [USD]"),
    ("margin_usd", "its mining revenue less power since day 0 [USD]"),
    ("payback_day", "first day its margin since day 0 reached its capex; -1 before [day]"),
    ("resale_usd", "proceeds of its sale at retirement [USD]"),
)
(FS_ACTIVE_GRID_MW, FS_UPGRADED_GRID_MW, FS_CALLED_HOURS_THIS_YEAR, FS_PENDING_GRID_MW, FS_ENERGIZED_MW_DAYS,
 FS_NEGATIVE_DAYS, FS_RETIRED, FS_CAPEX_USD, FS_MARGIN_USD, FS_PAYBACK_DAY, FS_RESALE_USD) = range(len(FLEET_STATE))
N_FLEET_STATE = len(FLEET_STATE)

#: Per hedge (rows), its state on a path (``engine.hedges``). (name, meaning [unit])
HEDGE_STATE = (
    ("accrued_usd", "a forward's accrual since its last settlement [USD]"),
    ("notional_btc", "BTC covered by the option in force [BTC]"),
    ("put_strike_usd", "strike of the put in force [USD]"),
    ("call_strike_usd", "strike of the call sold in force; 0 if none [USD]"),
    ("expiry_day", "expiry of the option in force; -1 if none [day]"),
    ("loan_usd", "a loan's principal outstanding [USD]"),
    ("collateral_btc", "BTC pledged to a loan [BTC]"),
)
(HS_ACCRUED_USD, HS_NOTIONAL_BTC, HS_PUT_STRIKE_USD, HS_CALL_STRIKE_USD, HS_EXPIRY_DAY, HS_LOAN_USD,
 HS_COLLATERAL_BTC) = range(len(HEDGE_STATE))
N_HEDGE_STATE = len(HEDGE_STATE)

#: Per site (rows), its mining energy today, kept only while a fixed-price power contract needs it
#: (``engine.stages.mine_fleets``). (name, meaning [unit])
SITE_ENERGY = (
    ("full_mwh", "energy of the site's mining MW running every hour at their uptime [MWh]"),
    ("used_mwh", "energy they drew (curtailed hours off) [MWh]"),
    ("full_cost_usd", "cost of the full energy at today's mean price [USD]"),
    ("used_cost_usd", "cost of the energy drawn, at the prices of the hours drawn [USD]"),
)
SE_FULL_MWH, SE_USED_MWH, SE_FULL_COST_USD, SE_USED_COST_USD = range(len(SITE_ENERGY))
N_SITE_ENERGY = len(SITE_ENERGY)

#: Per AI project (rows), its state on a path. Days are whole numbers held as floats. (name, meaning [unit])
PROJECT_STATE = (
    ("lease_rate_usd_per_kw_month", "a lease's rate in force (re-let or renewed at the market) [USD/kW-month]"),
    ("rent_usd_per_day", "a lease's daily rent in force, escalated [USD/day]"),
    ("next_rent_day", "next day the rent must be recomputed; -1 before revenue starts [day]"),
    ("rate_from_day", "day the rate in force started; -1 before revenue starts [day]"),
    ("relet_day", "day the project earns again after a default; -1 if none [day]"),
    ("contract_lost", "1 once a GPU cloud's contract customer has defaulted [flag]"),
)
(PS_LEASE_RATE_USD_PER_KW_MONTH, PS_RENT_USD_PER_DAY, PS_NEXT_RENT_DAY, PS_RATE_FROM_DAY, PS_RELET_DAY,
 PS_CONTRACT_LOST) = range(len(PROJECT_STATE))
N_PROJECT_STATE = len(PROJECT_STATE)

#: Columns of the per-path terminal array: base stocks and flows, then revenue, opex, capex and MW-days per segment.
BASE_COLUMNS = (
    "btc_held", "cash_usd", "debt_usd", "shares", "nav_usd", "insolvent_day", "mined_btc", "sold_btc",
    "bought_btc", "equity_raised_usd", "btc_per_share", "capex_usd", "demand_response_usd", "credit_drawn_usd",
    "shutdown_saved_usd", "shutdown_forgone_btc", "demand_response_mwh", "contracted_value_usd",
    "growth_capex_usd", "resale_usd", "purchased_ehs", "retired_ehs",
)
(T_BTC, T_CASH, T_DEBT, T_SHARES, T_NAV, T_INSOLVENT_DAY, T_MINED, T_SOLD, T_BOUGHT, T_EQUITY_RAISED,
 T_BTC_PER_SHARE, T_CAPEX, T_DR, T_DRAWN, T_SHUTDOWN_SAVED_USD, T_SHUTDOWN_FORGONE_BTC,
 T_DEMAND_RESPONSE_MWH, T_CONTRACTED_VALUE_USD, T_GROWTH_CAPEX_USD, T_RESALE_USD, T_PURCHASED_EHS,
 T_RETIRED_EHS) = range(len(BASE_COLUMNS))
T_SEGMENT0 = len(BASE_COLUMNS)
TERMINAL_COLUMNS = BASE_COLUMNS + tuple(f"{seg}_{field}" for seg in SEGMENTS for field in SEGMENT_FIELDS) + tuple(
    name for name, _ in HEDGE_FIELDS)
#: Column of ``HEDGE_FIELDS[i]`` in the terminal array: ``T_HEDGE0 + i``.
T_HEDGE0 = T_SEGMENT0 + len(SEGMENT_FIELDS) * N_SEGMENTS

#: Per tracked fleet (scheduled additions, then the growth policy's bought units), the columns the terminal array
#: carries after ``TERMINAL_COLUMNS`` when growth is on: (name, meaning [unit]).
TRACKED_COLUMNS = (
    ("capex_usd", "capex paid for it [USD]"),
    ("margin_usd", "its mining revenue less power to the horizon [USD]"),
    ("payback_day", "first day its margin reached its capex; -1 if never [day]"),
    ("resale_usd", "proceeds of its sale if retired [USD]"),
    ("residual_usd", "resale value of its units still held at the horizon [USD]"),
)
TR_CAPEX_USD, TR_MARGIN_USD, TR_PAYBACK_DAY, TR_RESALE_USD, TR_RESIDUAL_USD = range(len(TRACKED_COLUMNS))
N_TRACKED_COLS = len(TRACKED_COLUMNS)

#: Rows of the per-path monthly array: stocks at each month end (the fan charts' variables), then flows summed
#: from day 1 to each month end (``cumulative_<name>`` in a SimResult; a month's flow is the difference of two
#: month ends).
MONTHLY_STOCKS = ("nav_usd", "btc_held", "cash_usd", "btc_per_share")
MONTHLY_FLOWS = ("mined_btc", "sold_btc", "mining_revenue_usd", "mining_opex_usd", "mining_mw_days",
                 "ai_revenue_usd", "ai_opex_usd", "ai_mw_days", "capex_usd")
MONTHLY_VARIABLES = MONTHLY_STOCKS + MONTHLY_FLOWS
(M_NAV, M_BTC, M_CASH, M_BTC_PER_SHARE, M_MINED, M_SOLD, M_MINING_REV, M_MINING_OPEX, M_MINING_MW_DAYS,
 M_AI_REV, M_AI_OPEX, M_AI_MW_DAYS, M_CAPEX) = range(len(MONTHLY_VARIABLES))
