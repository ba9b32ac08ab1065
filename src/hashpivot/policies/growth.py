"""Growth and capital allocation: machines bought on a schedule (``[[company.fleet_additions]]``), machines
bought by a rule (``[policy.growth]``) and machines retired and resold (``[policy.retirement]``).

Everything here is off by default: no addition, ``growth.kind = "none"``, ``retire_after_negative_days = 0``.

Funding: the capex is paid on the order day out of the day's cash; a shortfall is covered as the treasury policy
covers any other (``engine.stages.cover_shortfall``): by default by selling BTC, then by drawing the credit
facility (``sell_btc_before_debt = false``: the facility first). A growth policy with ``funding = "equity"``
instead raises each purchase's capex that day by at-the-market issuance: new shares sold at mNAV x NAV per share
(NAV at that day's BTC price before the day's flows), the mNAV compressing with the BTC price as
``buy_with_equity``'s does (``mnav_ratio``, ``premium_beta``, ``mnav_floor_ratio``); cash and BTC are left as they
were (MARA, Riot and CleanSpark funded 2023-2024 fleet growth by ATM programs of 750-800 M USD:
docs/assumptions.md). The units hash and draw power from the order day + ``lead_time_days``.

Sourced defaults (docs/assumptions.md, "Growth and resale"):

- ``lead_time_days`` 90: Bitmain sells its new models on pre-order, paid up front, delivered two to three months
  later (CoinDesk 2020-08-06, 'Bitmain is delaying bitcoin miner shipments'); CleanSpark's S21 pre-order of
  October 2023 shipped from January 2024 (TheMinerMag 2023-10-11).
- ASIC price elasticity to hashprice 1.0: Hashrate Index's under-38 J/TH tier fell from 119.25 USD/TH (2021-05-07)
  to 15.71 USD/TH (2022-12-25) while hashprice fell from about 0.38 to 0.06 USD/TH/day: ln(7.59) / ln(6.3) = 1.1
  over the cycle; 2023-2024 saw a short-run decoupling (prices flat while BTC rose 75 %).
- Economic life 5 years: straight-line wear to zero resale; the S19 generation (2020) was resold for little by
  2024-2025 as S21s replaced it.
- New price 14 USD/TH of the fleets on day 0 (their resale basis): the S21 pre-orders of CleanSpark and Iris
  Energy in October 2023 (14 USD/TH, TheMinerMag 2023-10-11).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import MAX_DAY, MAX_HASHRATE_EHS
from hashpivot.policies.treasury import ATM_MNAV_RATIO

#: Order-to-energize time of a batch of new ASICs (pre-order to hashing). [days]
LEAD_TIME_DAYS = 90
#: Elasticity of the price per TH/s of new ASICs to hashprice. [ratio]
ASIC_PRICE_ELASTICITY = 1.0
#: Economic life of an ASIC: its resale value falls straight-line to 0 over it. [years]
ASIC_LIFE_YEARS = 5.0
#: New price of the day-0 fleets' units, their resale basis: S21 pre-orders, October 2023. [USD/(TH/s)]
FLEET_PRICE_NEW_USD_PER_TH = 14.0
#: Uptime and pool fee of bought units: those of a ``Fleet`` by default. [fraction]
UPTIME_FRAC, POOL_FEE_FRAC = 0.97, 0.02
#: ``funding`` kinds' codes in ``engine.plan.G_FUNDING``.
FUNDING_CODES = {"cash_then_btc": 0, "equity": 1}


class FleetAddition(Model):
    """A batch of machines ordered on ``on_date``: its capex, ``hashrate_ehs`` x 1e6 TH/s x ``price_usd_per_th``,
    is paid on the order day; it hashes and draws power from the order day + ``lead_time_days`` on site ``site``
    (whose ``power_mw`` must hold it with the fleets already there). The scenario sets ``day`` from
    ``run.start_date``."""

    name: str | None = Field(default=None, description="Label in tables; default addition_<n>. [text]")
    on_date: date = Field(description="Calendar date of the order (capex paid); after run.start_date. [date]")
    day: int | None = Field(default=None, ge=-MAX_DAY, le=MAX_DAY,
                            description="Simulation day of the order, set from on_date. [day]")
    site: str = Field(min_length=1, description="Site that powers the new machines. [text]")
    hashrate_ehs: float = Field(gt=0, le=10_000, description="Hashrate added at stock settings. [EH/s]")
    efficiency_j_per_th: float = Field(gt=0, le=500, description="Energy per terahash of the new units. [J/TH]")
    price_usd_per_th: float = Field(ge=0, le=1000, description="Price paid per TH/s. [USD/(TH/s)]")
    lead_time_days: int = Field(
        default=LEAD_TIME_DAYS, ge=0, le=3650,
        description="Order to energize; default 90 (Bitmain pre-orders deliver in 2-3 months). [days]",
    )
    uptime_frac: float = Field(default=UPTIME_FRAC, ge=0, le=1, description="Share of the day the units hash. [fraction]")
    pool_fee_frac: float = Field(default=POOL_FEE_FRAC, ge=0, le=1, description="Mining pool fee. [fraction]")

    @property
    def capex_usd(self) -> float:
        """EH/s x 1e6 TH/s per EH/s x USD per TH/s. [USD]"""
        return self.hashrate_ehs * 1e6 * self.price_usd_per_th


class NoGrowth(Model):
    """No machines bought by a rule."""

    kind: Literal["none"] = "none"


class _Buy(Model):
    site: str = Field(min_length=1, description="Site whose empty MW receive the bought units. [text]")
    efficiency_j_per_th: float = Field(gt=0, le=500, description="Efficiency of the model bought. [J/TH]")
    price_usd_per_th: float = Field(
        gt=0, le=1000, description="Price of the model on day 0; then x (hashprice / day-0 hashprice) ** "
        "price_elasticity. [USD/(TH/s)]",
    )
    price_elasticity: float = Field(
        default=ASIC_PRICE_ELASTICITY, ge=0, le=5,
        description="Elasticity of the ASIC price to hashprice; default 1 (Hashrate Index 2021-2022). [ratio]",
    )
    payback_months: float = Field(default=18.0, gt=0, le=120, description="Longest payback bought. [months]")
    check_every_days: int = Field(default=30, ge=1, le=3650, description="Days between decisions. [days]")
    max_ehs_per_check: float = Field(default=2.0, gt=0, le=10_000, description="Most EH/s ordered a decision. [EH/s]")
    lead_time_days: int = Field(default=LEAD_TIME_DAYS, ge=0, le=3650, description="Order to energize. [days]")
    uptime_frac: float = Field(default=UPTIME_FRAC, ge=0, le=1, description="Share of the day the units hash. [fraction]")
    pool_fee_frac: float = Field(default=POOL_FEE_FRAC, ge=0, le=1, description="Mining pool fee. [fraction]")
    funding: Literal["cash_then_btc", "equity"] = Field(
        default="cash_then_btc",
        description="How a purchase is paid: cash_then_btc (cash, a shortfall covered by BTC sales and the facility "
        "in the treasury policy's order; default) or equity (at-the-market shares at mNAV x NAV per share that "
        "day). [kind]",
    )
    mnav_ratio: float = Field(
        default=ATM_MNAV_RATIO, gt=0, le=20,
        description="funding = equity: share price / NAV per share on day 0; default 1.5, buy_with_equity's. [ratio]",
    )
    premium_beta: float = Field(
        default=0.0, ge=0, le=20,
        description="funding = equity: mNAV_t = max(mnav_floor_ratio, mnav_ratio x (S_t / S_0) ** premium_beta), "
        "S the BTC price; 0 = constant mNAV (default, as buy_with_equity). [elasticity]",
    )
    mnav_floor_ratio: float = Field(
        default=0.0, ge=0, le=20,
        description="funding = equity: lowest mNAV the premium compresses to; 0 = none (default). [ratio]",
    )


class BuyTowardTarget(_Buy):
    """Every ``check_every_days``, order up to ``max_ehs_per_check`` of a model when one unit's payback (its
    price that day over its daily margin at that day's hashprice and power price) is within ``payback_months``,
    until the company's hashrate (installed and on order) reaches ``target_ehs`` or ``site`` is full. Funding
    (``funding``): cash first, then BTC sales, then the credit facility (the treasury policy's order), a decision
    ordering no more than cash, BTC and the undrawn facility together pay for; or at-the-market equity (no such
    limit while NAV is positive)."""

    kind: Literal["buy_toward_target"] = "buy_toward_target"
    target_ehs: float = Field(gt=0, le=MAX_HASHRATE_EHS, description="Hashrate to grow to. [EH/s]")


class FillSite(_Buy):
    """Build out the empty MW of ``site`` with the payback rule of ``buy_toward_target`` (no hashrate target).
    Funding as ``buy_toward_target``'s (``funding``)."""

    kind: Literal["fill_site"] = "fill_site"


GrowthPolicy = Annotated[NoGrowth | BuyTowardTarget | FillSite, Field(discriminator="kind")]


class Retirement(Model):
    """A fleet whose daily margin running (BTC it would mine at the day's price less its power at the day's mean
    price) stays negative for ``retire_after_negative_days`` consecutive days is retired and sold at
    ``formulas.fleet.resale_usd_per_th``: its new price x (1 - age / life_years)^+ x (hashprice / day-0
    hashprice) ** price_elasticity. 0 days: never (the default keeps the numbers of a run without it)."""

    retire_after_negative_days: int = Field(
        default=0, ge=0, le=MAX_DAY, description="Consecutive days of negative margin before a fleet is sold; 0 = "
        "never. [days]",
    )
    life_years: float = Field(default=ASIC_LIFE_YEARS, gt=0, le=30,
                              description="Economic life: resale falls straight-line to 0 over it. [years]")
    price_elasticity: float = Field(default=ASIC_PRICE_ELASTICITY, ge=0, le=5,
                                    description="Elasticity of used-ASIC prices to hashprice. [ratio]")
    fleet_price_new_usd_per_th: float = Field(
        default=FLEET_PRICE_NEW_USD_PER_TH, ge=0, le=1000,
        description="New price of the day-0 fleets' units, the basis of their resale (retirement and the fleets' "
        "value at the horizon), where a fleet states no price_new_usd_per_th (additions use their own price); default "
        "14 (S21 pre-orders, 2023-10). [USD/(TH/s)]",
    )


def resolve_addition_dates(additions: Any, start_date: date | str) -> Any:
    """A list of fleet additions (dicts or models) whose ``day`` is the day index of its ``on_date`` counted from
    ``start_date`` (day 0); anything else comes back unchanged. [list]

    >>> resolve_addition_dates([{"on_date": "2024-06-03"}], "2024-04-20")[0]["day"]
    44
    """
    if not isinstance(additions, list):
        return additions
    start = date.fromisoformat(start_date) if isinstance(start_date, str) else start_date
    out = []
    for item in additions:
        if isinstance(item, Model):
            item = item.model_dump(mode="python")
        if isinstance(item, dict) and item.get("on_date") is not None:
            when = item["on_date"]
            try:
                when = date.fromisoformat(when) if isinstance(when, str) else when
                item = {**item, "day": (when - start).days}
            except (TypeError, ValueError):
                pass  # the field's own validation names it
        out.append(item)
    return out
