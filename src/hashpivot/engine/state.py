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

#: Debt tranches and covenants of a path (``engine.debt``), after the hedge fields at the end of the path state and
#: of the terminal columns, in this order. (name, meaning [unit])
DEBT_FIELDS = (
    ("tranche_debt_usd", "principal of the debt tranches outstanding [USD]"),
    ("tranche_interest_usd", "interest paid on the debt tranches since day 0 [USD]"),
    ("tranche_repaid_usd", "principal of tranches (and accelerated straight debt) repaid since day 0 [USD]"),
    ("refinance_count", "tranches refinanced at maturity since day 0 [count]"),
    ("covenant_breaches", "covenant tests failed since day 0 (one per covenant and test day) [count]"),
    ("first_breach_day", "day of the first covenant breach; -1 if none [day]"),
    ("debt_insolvent_day", "day the path became insolvent on a day debt principal fell due; -1 if not [day]"),
    ("margin_365_usd", "operating margin (EBITDA) of the trailing 365 days, kept for a leverage covenant [USD]"),
)
N_DEBT_FIELDS = len(DEBT_FIELDS)

#: The discounted cash flow of a path (``engine.stages.value_day``), at the very end of the path state (after the
#: debt fields). (name, meaning [unit])
VALUE_STATE = (
    ("discount_factor", "today's discount factor at the company's equity discount rate, 1 on day 0 [ratio]"),
    ("pv_flows_usd", "free cash flow to equity since day 0, each day's discounted to day 0 [USD]"),
    ("converted_usd", "convertible principal settled in new shares since day 0 (equity issued, not a flow) [USD]"),
)
#: What a path's discounted cash flow comes to (``engine.stages.store_value_terminal``), at the very end of the
#: terminal columns. (name, meaning [unit])
VALUE_FIELDS = (
    ("dcf_equity_usd", "equity value on day 0: cash and BTC at market on day 0, plus the discounted free cash flow "
                       "to equity and terminal value, not below 0 (limited liability) [USD]"),
    ("ev_usd", "enterprise value on day 0: the same before the floor, less day 0's cash and BTC, plus its debt "
               "[USD]"),
)

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
          for seg in SEGMENTS for field in SEGMENT_FIELDS) + HEDGE_FIELDS + DEBT_FIELDS + VALUE_STATE
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
#: Column of ``DEBT_FIELDS[i]``: ``S_DEBT0 + i``.
S_DEBT0 = S_HEDGE0 + N_HEDGE_FIELDS
(S_TRANCHE_DEBT_USD, S_TRANCHE_INTEREST_USD, S_TRANCHE_REPAID_USD, S_REFINANCE_COUNT, S_COVENANT_BREACHES,
 S_FIRST_BREACH_DAY, S_DEBT_INSOLVENT_DAY, S_MARGIN_365_USD) = range(S_DEBT0, S_DEBT0 + N_DEBT_FIELDS)
S_DISCOUNT_FACTOR, S_PV_FLOWS_USD, S_CONVERTED_USD = range(S_DEBT0 + N_DEBT_FIELDS, S_DEBT0 + N_DEBT_FIELDS + len(VALUE_STATE))
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
    ("upgraded_mw_days", "sum of upgraded MW x their upgrade day, for the mean age of the upgrade model's units "
     "[MW-days]"),
    ("margin_per_mw_usd", "the bought units' fleet (0 for the others): sum over the days it mined of its margin / "
                          "its active grid MW that day, what one MW active on all of them earned [USD/MW]"),
    ("next_payback_margin_per_mw_usd", "the bought units' fleet: the least margin_per_mw_usd at which a purchase "
                                       "mining and not yet paid back is paid back; inf if none [USD/MW]"),
)
(FS_ACTIVE_GRID_MW, FS_UPGRADED_GRID_MW, FS_CALLED_HOURS_THIS_YEAR, FS_PENDING_GRID_MW, FS_ENERGIZED_MW_DAYS,
 FS_NEGATIVE_DAYS, FS_RETIRED, FS_CAPEX_USD, FS_MARGIN_USD, FS_PAYBACK_DAY, FS_RESALE_USD, FS_UPGRADED_MW_DAYS,
 FS_MARGIN_PER_MW_USD, FS_NEXT_PAYBACK_MARGIN_PER_MW_USD) = range(len(FLEET_STATE))
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

#: Per debt tranche (rows), its state on a path (``engine.debt``). (name, meaning [unit])
DEBT_STATE = (
    ("principal_usd", "principal outstanding [USD]"),
    ("rate_per_year", "interest rate in force (the tranche's, plus the spread once refinanced) [1/year]"),
    ("maturity_day", "day the principal left is due [day]"),
    ("amortization_usd_per_day", "principal repaid each day before maturity [USD/day]"),
)
DS_PRINCIPAL_USD, DS_RATE_PER_YEAR, DS_MATURITY_DAY, DS_AMORTIZATION_USD_PER_DAY = range(len(DEBT_STATE))
N_DEBT_STATE = len(DEBT_STATE)

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

#: Per site (rows), its flows since day 0, kept only for a company of more than one site (with one, the site's
#: figures are the company's segments). (name, meaning [unit])
SITE_TOTALS = (
    ("mined_btc", "BTC its fleets mined [BTC]"),
    ("mining_revenue_usd", "BTC its fleets mined at each day's price, plus demand-response credits [USD]"),
    ("mining_opex_usd", "its fleets' power [USD]"),
    ("mining_capex_usd", "capex of its fleets' upgrades [USD]"),
    ("mining_mw_days", "its MW mining, summed over days [MW-days]"),
    ("ai_revenue_usd", "its AI/HPC projects' revenue [USD]"),
    ("ai_opex_usd", "its AI/HPC projects' opex [USD]"),
    ("ai_capex_usd", "its AI/HPC projects' capex [USD]"),
    ("ai_mw_days", "its MW earning from AI/HPC, summed over days [MW-days]"),
)
(ST_MINED_BTC, ST_MINING_REVENUE_USD, ST_MINING_OPEX_USD, ST_MINING_CAPEX_USD, ST_MINING_MW_DAYS, ST_AI_REVENUE_USD,
 ST_AI_OPEX_USD, ST_AI_CAPEX_USD, ST_AI_MW_DAYS) = range(len(SITE_TOTALS))
N_SITE_TOTALS = len(SITE_TOTALS)

#: Per site, with spin-offs, what it still holds on a path's last day (the terminal row carries them after the
#: spin-off snapshots): an entity's NAV counts them beside its net cash when NAV does (``nav_basis``). (name, meaning)
SITE_VALUES = (
    ("fleet_value_usd", "its fleets' resale value (engine.stages.fleet_value_usd) [USD]"),
    ("contracted_value_usd", "what its AI/HPC contracts still pay (engine.stages.contracted_value_usd) [USD]"),
)
SV_FLEET_VALUE_USD, SV_CONTRACTED_VALUE_USD = range(len(SITE_VALUES))
N_SITE_VALUES = len(SITE_VALUES)


def tracked_sites(n_sites: int, spin_offs: bool = False) -> int:
    """Sites whose flows the kernel keeps apart (``SITE_TOTALS``): every site of a company of several or with
    spin-offs, none of a company of one without (its segments are its site's figures, and the loop then pays
    nothing for it). [count]"""
    return n_sites if n_sites > 1 or spin_offs else 0


def terminal_width(n_sites: int, spin_offs: bool = False) -> int:
    """Columns of a terminal row: ``TERMINAL_COLUMNS``, then each tracked site's ``SITE_TOTALS`` (from
    ``T_SITE0``, site by site), then, with spin-offs, each site's ``SITE_TOTALS`` as they stood when its spin-off
    took effect (zeros for a site not spun off) and each site's ``SITE_VALUES`` on the last day. [count]"""
    sites = tracked_sites(n_sites, spin_offs)
    return len(TERMINAL_COLUMNS) + sites * N_SITE_TOTALS + (sites * (N_SITE_TOTALS + N_SITE_VALUES) if spin_offs else 0)


#: Per AI project (rows), its state on a path. Days are whole numbers held as floats. (name, meaning [unit])
PROJECT_STATE = (
    ("lease_rate_usd_per_kw_month", "a lease's rate in force (re-let or renewed at the market) [USD/kW-month]"),
    ("rent_usd_per_day", "a lease's daily rent in force, escalated, of its stabilised share let [USD/day]"),
    ("next_rent_day", "next day the rent must be recomputed; -1 before revenue starts [day]"),
    ("rate_from_day", "day the rate in force started; -1 before revenue starts [day]"),
    ("relet_day", "day the project earns again after a default; -1 if none [day]"),
    ("contract_lost", "1 once a GPU cloud's contract customer has defaulted [flag]"),
    ("let_from_day", "day a lease's current letting (and its lease-up) began; -1 before revenue starts [day]"),
    ("lease_up_days", "lease-up of the current letting: the first's or a re-let's [days]"),
    ("terms_ended", "a lease's term ends so far, each drawing its renewal [count]"),
)
(PS_LEASE_RATE_USD_PER_KW_MONTH, PS_RENT_USD_PER_DAY, PS_NEXT_RENT_DAY, PS_RATE_FROM_DAY, PS_RELET_DAY,
 PS_CONTRACT_LOST, PS_LET_FROM_DAY, PS_LEASE_UP_DAYS, PS_TERMS_ENDED) = range(len(PROJECT_STATE))
N_PROJECT_STATE = len(PROJECT_STATE)

#: Columns of the per-path terminal array: base stocks and flows, then revenue, opex, capex and MW-days per segment.
BASE_COLUMNS = (
    "btc_held", "cash_usd", "debt_usd", "shares", "nav_usd", "insolvent_day", "mined_btc", "sold_btc",
    "bought_btc", "equity_raised_usd", "btc_per_share", "capex_usd", "demand_response_usd", "credit_drawn_usd",
    "shutdown_saved_usd", "shutdown_forgone_btc", "demand_response_mwh", "contracted_value_usd",
    "growth_capex_usd", "resale_usd", "purchased_ehs", "retired_ehs", "fleet_value_usd",
)
(T_BTC, T_CASH, T_DEBT, T_SHARES, T_NAV, T_INSOLVENT_DAY, T_MINED, T_SOLD, T_BOUGHT, T_EQUITY_RAISED,
 T_BTC_PER_SHARE, T_CAPEX, T_DR, T_DRAWN, T_SHUTDOWN_SAVED_USD, T_SHUTDOWN_FORGONE_BTC,
 T_DEMAND_RESPONSE_MWH, T_CONTRACTED_VALUE_USD, T_GROWTH_CAPEX_USD, T_RESALE_USD, T_PURCHASED_EHS,
 T_RETIRED_EHS, T_FLEET_VALUE_USD) = range(len(BASE_COLUMNS))
T_SEGMENT0 = len(BASE_COLUMNS)
#: What each AI/HPC segment's contracts still pay at the horizon (``engine.stages.contracted_value_usd`` of its
#: projects; they sum to ``contracted_value_usd`` where NAV counts contracts): attributable NAV takes a part-owned
#: segment's other holders' share of them off. (name, meaning [unit])
CONTRACT_FIELDS = tuple((f"{seg}_contracted_value_usd", f"what the {seg} projects' contracts still pay at the "
                         "horizon, 0 on an insolvent path [USD]") for seg in SEGMENTS[1:])
TERMINAL_COLUMNS = BASE_COLUMNS + tuple(f"{seg}_{field}" for seg in SEGMENTS for field in SEGMENT_FIELDS) + tuple(
    name for name, _ in HEDGE_FIELDS) + tuple(name for name, _ in DEBT_FIELDS) + tuple(
    name for name, _ in VALUE_FIELDS) + tuple(name for name, _ in CONTRACT_FIELDS)
#: Column of ``HEDGE_FIELDS[i]`` in the terminal array: ``T_HEDGE0 + i``.
T_HEDGE0 = T_SEGMENT0 + len(SEGMENT_FIELDS) * N_SEGMENTS
#: Column of ``DEBT_FIELDS[i]`` in the terminal array: ``T_DEBT0 + i``.
T_DEBT0 = T_HEDGE0 + N_HEDGE_FIELDS
T_DCF_EQUITY_USD, T_EV_USD = range(T_DEBT0 + N_DEBT_FIELDS, T_DEBT0 + N_DEBT_FIELDS + len(VALUE_FIELDS))
#: Column of ``CONTRACT_FIELDS[k]`` (project kind code k, segment k + 1) in the terminal array: ``T_CONTRACT0 + k``.
T_CONTRACT0 = T_EV_USD + 1
#: First column of the tracked sites' ``SITE_TOTALS`` in a terminal row (see ``terminal_width``).
T_SITE0 = len(TERMINAL_COLUMNS)

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

#: Per purchase row of the growth policy (``engine.plan.n_purchase_slots``: one per purchase, the last holding that
#: purchase and every later one), its state on a path (``engine.stages.grow_fleet``). Its margin since it started
#: mining is ``energized_grid_mw x FS_MARGIN_PER_MW_USD - margin_base_usd`` (every MW of the bought units' fleet
#: earns alike). (name, meaning [unit])
PURCHASE_STATE = (
    ("order_day", "day of the (first) order, its capex paid; -1 while unused [day]"),
    ("ehs", "hashrate ordered [EH/s]"),
    ("capex_usd", "capex paid [USD]"),
    ("pending_grid_mw", "grid MW ordered and not yet energized [MW]"),
    ("energized_grid_mw", "grid MW mining (0 once its fleet is retired) [MW]"),
    ("energized_mw_days", "sum of its energized MW x their energize day, for its age [MW-days]"),
    ("margin_base_usd", "its energized MW x the fleet's margin_per_mw_usd on their energize days, less its margin "
                        "to a retirement [USD]"),
    ("payback_day", "first day its margin (with its share of resale proceeds) reached its capex; -1 before [day]"),
    ("resale_usd", "its share of the fleet's resale proceeds at retirement [USD]"),
)
(PU_ORDER_DAY, PU_EHS, PU_CAPEX_USD, PU_PENDING_GRID_MW, PU_ENERGIZED_GRID_MW, PU_ENERGIZED_MW_DAYS,
 PU_MARGIN_BASE_USD, PU_PAYBACK_DAY, PU_RESALE_USD) = range(len(PURCHASE_STATE))
N_PURCHASE_STATE = len(PURCHASE_STATE)

#: Per purchase row, the columns the terminal array carries after the tracked fleets' (``TRACKED_COLUMNS``) when a
#: growth policy is on: (name, meaning [unit]). A result names them ``purchase_<name>``, dims (policy, path,
#: purchase).
PURCHASE_COLUMNS = (
    ("order_day", "day of the order (the first of a last row holding several); -1 if no such purchase [day]"),
    ("ehs", "hashrate bought [EH/s]"),
    ("price_usd_per_th", "price paid: capex / TH/s bought [USD/(TH/s)]"),
    ("capex_usd", "capex paid [USD]"),
    ("margin_usd", "its mining revenue less power to the horizon [USD]"),
    ("payback_day", "first day its margin (with its share of resale proceeds) reached its capex; -1 if never [day]"),
    ("resale_usd", "its share of the proceeds of its fleet's retirement [USD]"),
    ("residual_usd", "its share of the resale value of the bought units still held at the horizon [USD]"),
)
(PC_ORDER_DAY, PC_EHS, PC_PRICE_USD_PER_TH, PC_CAPEX_USD, PC_MARGIN_USD, PC_PAYBACK_DAY, PC_RESALE_USD,
 PC_RESIDUAL_USD) = range(len(PURCHASE_COLUMNS))
N_PURCHASE_COLS = len(PURCHASE_COLUMNS)

#: Rows of the per-path monthly array: stocks at each month end (the fan charts' variables), then flows summed
#: from day 1 to each month end (``cumulative_<name>`` in a SimResult; a month's flow is the difference of two
#: month ends).
MONTHLY_STOCKS = ("nav_usd", "btc_held", "cash_usd", "btc_per_share", "nav_per_share_usd")
MONTHLY_FLOWS = ("mined_btc", "sold_btc", "mining_revenue_usd", "mining_opex_usd", "mining_mw_days",
                 "ai_revenue_usd", "ai_opex_usd", "ai_mw_days", "capex_usd")
MONTHLY_VARIABLES = MONTHLY_STOCKS + MONTHLY_FLOWS
(M_NAV, M_BTC, M_CASH, M_BTC_PER_SHARE, M_NAV_PER_SHARE, M_MINED, M_SOLD, M_MINING_REV, M_MINING_OPEX,
 M_MINING_MW_DAYS, M_AI_REV, M_AI_OPEX, M_AI_MW_DAYS, M_CAPEX) = range(len(MONTHLY_VARIABLES))
