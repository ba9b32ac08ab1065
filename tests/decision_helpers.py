"""Small scenarios for the decision tools' tests (sensitivity, optimisation, break-even maps), written out in full
so that every figure a test expects follows from the TOML by hand."""

from __future__ import annotations

from pathlib import Path

#: A 1-year miner that holds every BTC: GBM price (mean S0 exp(mu t)), lognormal network hashrate, flat power,
#: a large cash pile and no overheads (so no path is ever insolvent and no BTC is ever sold).
HOLDER_TOML = """\
name = "holder"
[run]
start_date = 2024-04-20
start_height = 840000
horizon_days = {horizon_days}
n_paths = {n_paths}
seed = 7
chunk_paths = 64
store_paths = 0
[market.btc_price]
kind = "gbm"
start_usd = 60000.0
drift_per_day = {drift_per_day}
vol_per_sqrt_day = {vol_per_sqrt_day}
[market.network_hashrate]
kind = "lognormal"
start_ehs = 600.0
growth_per_day = 0.0
vol_per_sqrt_day = {hashrate_vol}
[market.fees]
kind = "lognormal"
median_btc_per_block = 0.0
vol_log = 0.0
[market.power_price]
kind = "flat"
[market.difficulty]
start_ehs = 600.0
[company]
# NAV on the balance sheet: the tests' hand figures count the lease's rent within the horizon only
nav_basis = "balance_sheet"
btc_held = 10000.0
cash_usd = 1000000000.0
shares_outstanding = 100000000.0
[[company.sites]]
name = "main"
power_mw = 200.0
power_price_usd_per_mwh = 40.0
curtailable_frac = 0.0
[[company.fleets]]
name = "fleet"
site = "main"
hashrate_ehs = 10.0
efficiency_j_per_th = 20.0
uptime_frac = 1.0
pool_fee_frac = 0.0
[policy.treasury]
kind = "hold_all"
"""


def holder_toml(directory: Path, *, n_paths: int = 400, horizon_days: int = 365, drift_per_day: float = 0.0005,
                vol_per_sqrt_day: float = 0.03, hashrate_vol: float = 0.0, extra: str = "") -> Path:
    """The holder scenario as ``holder.toml`` in ``directory`` (``extra``: TOML appended, e.g. a capacity plan)."""
    path = directory / "holder.toml"
    path.write_text(HOLDER_TOML.format(n_paths=n_paths, horizon_days=horizon_days, drift_per_day=drift_per_day,
                                       vol_per_sqrt_day=vol_per_sqrt_day, hashrate_vol=hashrate_vol) + extra)
    return path


#: A lease of IT MW at the schema's highest rate, no capex, no build time: 1,000 USD/kW-month is 1e6 USD per
#: MW-month, about 32,900 USD per MW-day (x 12 / 365), 29,600 after its 10 % opex; the holder's 20 J/TH fleet earns
#: about 1 MW = 50,000 TH/s x 0.045 USD/TH/day = 2,250 USD per MW-day at 60,000 USD/BTC less 960 of power.
LEASE_TOML = """
[policy.capacity]
kind = "convert_on_day"
day = 1
mw = 100.0
[policy.capacity.project]
kind = "colocation_lease"
rate_usd_per_kw_month = 1000.0
capex_usd_per_mw = 0.0
opex_frac_of_revenue = 0.1
"""
