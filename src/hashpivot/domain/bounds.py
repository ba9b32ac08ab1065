"""Upper bounds of the scenario schema: what is physically or economically possible, with room to spare.

Each bound is far beyond any company or market seen so far, so no sensible scenario meets it, yet small enough
that every sum and product the engine forms over a 100-year horizon stays finite in float64 (about 1.8e308):
inf, nan and absurd magnitudes (1e308 cash, 1e-300 shares) are refused with the bound named, instead of
running into inf/NaN results.
"""

from __future__ import annotations

import datetime as dt

#: The genesis block's date: no chain state exists before it. [date]
GENESIS_DATE = dt.date(2009, 1, 3)
#: Latest day 0 of a run: by 2100 the subsidy is below 0.001 BTC and report calendars end. [date]
LAST_START_DATE = dt.date(2100, 12, 31)
#: Longest horizon of a run (100 years), hence the latest day index any policy may name. [day]
MAX_DAY = 36_500
#: BTC price: 1e8 USD/BTC puts all 21 M BTC at 2.1e15 USD, over 20 times world GDP. [USD/BTC]
MAX_BTC_PRICE_USD = 1e8
#: Network or fleet hashrate: 1e6 EH/s is 1,000 times the 2025 network (about 1,000 EH/s). [EH/s]
MAX_HASHRATE_EHS = 1e6
#: BTC: the protocol's supply cap (21 million BTC). [BTC]
MAX_BTC = 21e6
#: BTC mined in a month: the whole network issues about 13,500 BTC a month after 2024; 1e6 allows the 2009
#: subsidy (50 BTC x 4,320 blocks = 216,000) with room to spare. [BTC]
MAX_BTC_PER_MONTH = 1e6
#: Cash, debt, facilities, principals: 1e13 USD (10 trillion) is above the market value of any company. [USD]
MAX_CASH_USD = 1e13
#: Daily flows (opex, purchases, issuance): 1e10 USD a day is 3.65e12 a year. [USD/day]
MAX_USD_PER_DAY = 1e10
#: Shares outstanding: at least one share; 1e12 is 50 times the count of the largest listed company. [shares]
MAX_SHARES = 1e12
#: Share price: 1e7 USD a share is over ten times the dearest share ever listed (Berkshire A). [USD/share]
MAX_SHARE_PRICE_USD = 1e7
#: MW moved from mining in one step: 100 GW is several times the power of the whole Bitcoin network. [MW]
MAX_SITE_MW = 100_000


def check_iso_date(field: str, value: object) -> str:
    """``value`` as an ISO date string ``YYYY-MM-DD`` between :data:`GENESIS_DATE` and :data:`LAST_START_DATE`
    (a TOML date is accepted and written back as text); anything else is a ValueError naming ``field``."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
        if day is None or len(value.strip()) != 10:
            raise ValueError(f"{field}={value!r} is not a date; allowed: an ISO date YYYY-MM-DD "
                             f"from {GENESIS_DATE} to {LAST_START_DATE}")
    else:
        raise ValueError(f"{field}={value!r} is not a date; allowed: an ISO date YYYY-MM-DD "
                         f"from {GENESIS_DATE} to {LAST_START_DATE}")
    if not GENESIS_DATE <= day <= LAST_START_DATE:
        raise ValueError(f"{field}={day.isoformat()} is outside the chain's range; allowed: "
                         f"from {GENESIS_DATE} (the genesis block) to {LAST_START_DATE}")
    return value if isinstance(value, str) else day.isoformat()
