"""The formulas' arithmetic compiled for the engine's jitted stages: one definition, used by both.

Each name below is numba's inlined compilation of the ``*_unchecked`` function of the same name in
``hashpivot.protocol`` or ``hashpivot.formulas`` (the checked, public formulas call those same functions), so a
consensus rule or an economic quantity is written once. ``tests/test_engine_vs_formulas.py`` checks a run day by
day against the public formulas.
"""

from __future__ import annotations

from numba import njit

import hashpivot.protocol as protocol
from hashpivot.formulas import ai, finance, fleet, hedges, mining, power


def _inline(function):
    # inline="always": numba inlines the function's IR into each caller, so the stages pay no call.
    return njit(inline="always")(function)


# protocol
subsidy_sats = _inline(protocol.subsidy_sats_unchecked)
expected_blocks_per_day = _inline(protocol.expected_blocks_per_day_unchecked)
retarget_difficulty_ehs = _inline(protocol.retarget_difficulty_ehs_unchecked)
# mining
hashprice_usd_per_th_day = _inline(mining.hashprice_usd_per_th_day_unchecked)
hashvalue_btc_per_ehs_day = _inline(mining.hashvalue_btc_per_ehs_day_unchecked)
btc_mined = _inline(mining.btc_mined_unchecked)
breakeven_power_price_usd_per_mwh = _inline(mining.breakeven_power_price_usd_per_mwh_unchecked)
# fleet growth and resale
asic_price_usd_per_th = _inline(fleet.asic_price_usd_per_th_unchecked)
resale_usd_per_th = _inline(fleet.resale_usd_per_th_unchecked)
unit_margin_usd_per_th_day = _inline(fleet.unit_margin_usd_per_th_day_unchecked)
# power
energy_mwh_per_day = _inline(power.energy_mwh_per_day_unchecked)
energy_cost_usd = _inline(power.energy_cost_usd_unchecked)
# AI/HPC
lease_rent_usd_per_day = _inline(ai.lease_rent_usd_per_day_unchecked)
escalation_factor = _inline(ai.escalation_factor_unchecked)
lease_occupancy_frac = _inline(ai.lease_occupancy_frac_unchecked)
gpu_hours_per_day = _inline(ai.gpu_hours_per_day_unchecked)
gpu_revenue_usd = _inline(ai.gpu_revenue_usd_unchecked)
# finance
daily_flow_pv = _inline(finance.daily_flow_pv_unchecked)
# hedges (scalars)
forward_day_usd = _inline(hedges.forward_day_usd_unchecked)
put_payoff_usd = _inline(hedges.put_payoff_usd_unchecked)
call_payoff_usd = _inline(hedges.call_payoff_usd_unchecked)
