"""Hedges and financing of a scenario (``[[hedges]]``): one table per instrument, chosen by ``kind``.

- ``hashprice_forward``: sell ``notional_phs`` PH/s of hashprice at a fixed USD/PH/day for ``tenor_days``,
  a non-deliverable forward settled in cash at each calendar month end against the engine's hashprice on the
  path (Luxor's hashrate forwards settle monthly in cash or BTC against its Hashprice Index:
  luxor.tech/hashrate-forwards).
- ``btc_put`` and ``btc_collar``: European options on a notional of BTC (fixed, or a share of the BTC held on the
  inception day), strikes as ratios of that day's spot, cash settled at expiry; the premium is paid at
  inception at Black-Scholes (``formulas.black_scholes``) from an implied volatility and a rate; a collar's call
  strike is solved for zero cost when not given; ``n_rolls`` more options follow, each bought at the expiry of
  the last at the day's spot.
- ``btc_backed_loan``: borrow ``principal_usd`` against BTC pledged at ``initial_ltv_frac``; a day on which the
  loan reaches ``margin_call_ltv_frac`` of the collateral's value is a margin call: the company restores the
  initial LTV by pledging free BTC, then by repaying from cash; what it cannot cure the lender liquidates,
  selling collateral at that day's price until the initial LTV is back. When the price has risen so far that the
  LTV is below ``release_ltv_frac`` (if the loan has one), the collateral above the initial LTV returns to the BTC
  held (Ledn's "excess collateral redemption": below 30 % LTV, back to a 45 % target; help.ledn.io, "How to redeem
  excess collateral"); without one the collateral stays pledged to maturity. At maturity the loan is repaid from
  cash and the collateral returns.
- ``fixed_power``: ``load_frac`` of a site's mining energy bought at a fixed USD/MWh for ``tenor_days``, with the
  right to sell contracted power back at the market price in any hour (as Riot does in ERCOT, reporting the
  proceeds as power credits in its monthly production updates, e.g. 4.7 M USD in June 2024): against the floating price each day saves
  ``(market - contract) x contracted MWh``; the part on MWh drawn is the power hedge's line, the part on MWh resold
  in curtailed hours (energy brokerage) its own line. The contracted volume follows the site's mining MW at their
  uptime (MW converted to AI leave it); curtailment still follows the market price, the power's opportunity cost.

Every instrument ends by the horizon (``start_day + tenor_days x (1 + n_rolls) <= run.horizon_days``: checked by
the scenario), so terminal NAV holds no open position to mark. Packing: ``engine.plan.pack_hedges``; the stage:
``engine.hedges``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import MAX_BTC, MAX_CASH_USD, MAX_DAY
from hashpivot.units import DAYS_PER_YEAR

HASHPRICE_FORWARD, BTC_PUT, BTC_COLLAR, BTC_BACKED_LOAN, FIXED_POWER = range(5)

#: Default implied volatility of BTC options [1/sqrt(year)]: the default scenario's realised volatility
#: (0.0325 per sqrt(day) x sqrt(365) = 0.62, Coin Metrics 2020-05..2024-04) rounded to 0.60; an operator
#: quotes the day's implied vol instead (Deribit's DVOL index of 30-day implied volatility,
#: insights.deribit.com/exchange-updates/dvol-deribit-implied-volatility-index/; about 37-44 in late 2025, and
#: 0.45 realised since the halving: docs/assumptions.md says why the default stays at the paths' volatility).
DEFAULT_IMPLIED_VOL_PER_YEAR = 0.60
#: Default continuously compounded USD rate [1/year]: US Treasury bills near 5.2 % in April 2024 (fed funds
#: target 5.25-5.50 %, federalreserve.gov, decision of 2024-03-20); an assumption.
DEFAULT_RATE_PER_YEAR = 0.05


class _Hedge(Model):
    name: str = Field(default="", description="Label in the results; default: the kind and its row. [text]")
    start_day: int = Field(default=1, ge=1, le=MAX_DAY, description="Simulation day the hedge is struck. [day]")
    tenor_days: int = Field(ge=1, le=MAX_DAY, description="Days from the start to expiry or maturity. [days]")
    source: str = Field(
        default="assumption", min_length=1,
        description="Where the terms come from (a deal, a quote, a filing), or 'assumption'. [text]",
    )

    code: ClassVar[int]

    @property
    def n_periods(self) -> int:
        """Tenors the hedge runs (1 + its rolls). [count]"""
        return 1 + int(getattr(self, "n_rolls", 0))

    @property
    def end_day(self) -> int:
        """Last day of the hedge: its last expiry or maturity. [day]"""
        return self.start_day + self.tenor_days * self.n_periods


class HashpriceForward(_Hedge):
    """Sell ``notional_phs`` PH/s of hashprice at ``strike_usd_per_ph_day`` (default: the starting hashprice,
    ``engine.plan.starting_hashprice_usd_per_ph_day``). Each day from ``start_day`` to the last accrues
    ``notional x (strike - hashprice)``; the sum is paid (or owed) at each calendar month end and on the last
    day. [USD]"""

    kind: Literal["hashprice_forward"] = "hashprice_forward"
    code: ClassVar[int] = HASHPRICE_FORWARD
    notional_phs: float = Field(gt=0, le=1e9, description="Hashrate sold forward. [PH/s]")
    strike_usd_per_ph_day: float | None = Field(
        default=None, gt=0, le=1e7,
        description="Fixed hashprice; None = the starting hashprice of the scenario. [USD/PH/day]",
    )


class _BtcOption(_Hedge):
    notional_btc: float | None = Field(
        default=None, gt=0, le=MAX_BTC, description="BTC covered; or set treasury_frac. [BTC]"
    )
    treasury_frac: float | None = Field(
        default=None, gt=0, le=1,
        description="Share of the BTC held on each inception day that is covered; or set notional_btc. [fraction]",
    )
    put_strike_ratio: float = Field(gt=0, le=10, description="Put strike / spot on the inception day. [ratio]")
    implied_vol_per_sqrt_year: float = Field(
        default=DEFAULT_IMPLIED_VOL_PER_YEAR, gt=0, le=5,
        description="Implied volatility that prices the premium (default 0.60; see docs/assumptions.md). [1/sqrt(year)]",
    )
    rate_per_year: float = Field(
        default=DEFAULT_RATE_PER_YEAR, ge=-0.1, le=1, description="USD rate that prices the premium. [1/year]"
    )
    n_rolls: int = Field(
        default=0, ge=0, le=1000,
        description="Further options bought at each expiry at the day's spot, same ratios and tenor. [count]",
    )

    @property
    def tenor_years(self) -> float:
        """Tenor of one option. [years]"""
        return self.tenor_days / DAYS_PER_YEAR

    def premium_per_spot_ratio(self) -> float:
        """Net premium per BTC covered / spot at inception: the put, less the call a collar sells. Black-Scholes
        prices scale with spot, so this ratio holds on every path and at every roll. [ratio]"""
        from hashpivot.formulas.black_scholes import put_price_usd

        return float(put_price_usd(1.0, self.put_strike_ratio, self.rate_per_year, self.implied_vol_per_sqrt_year,
                                   self.tenor_years))

    @model_validator(mode="after")
    def _one_notional(self):
        if (self.notional_btc is None) == (self.treasury_frac is None):
            raise ValueError(
                f"hedges.{self.name or self.kind}: notional_btc={self.notional_btc}, treasury_frac="
                f"{self.treasury_frac}; allowed: exactly one of them"
            )
        return self


class BtcPut(_BtcOption):
    """Buy a European put on BTC struck at ``put_strike_ratio`` x the inception day's spot; pays
    ``notional x max(strike - price, 0)`` in cash at expiry. [USD]"""

    kind: Literal["btc_put"] = "btc_put"
    code: ClassVar[int] = BTC_PUT


class BtcCollar(_BtcOption):
    """Buy the put and sell a call struck at ``call_strike_ratio`` x spot (default: the strike whose call is worth
    the put, a zero-cost collar); at expiry pays the put's payoff less ``notional x max(price - call strike, 0)``.
    [USD]"""

    kind: Literal["btc_collar"] = "btc_collar"
    code: ClassVar[int] = BTC_COLLAR
    call_strike_ratio: float | None = Field(
        default=None, gt=0, le=100, description="Call strike / spot; None = zero cost. [ratio]"
    )

    def solved_call_strike_ratio(self) -> float:
        """The call strike / spot: ``call_strike_ratio``, or the zero-cost one (``formulas.black_scholes``). [ratio]"""
        from hashpivot.formulas.black_scholes import collar_call_strike_usd

        if self.call_strike_ratio is not None:
            return float(self.call_strike_ratio)
        return float(collar_call_strike_usd(1.0, self.put_strike_ratio, self.rate_per_year,
                                            self.implied_vol_per_sqrt_year, self.tenor_years))

    def premium_per_spot_ratio(self) -> float:
        """The put's premium less the call's, per BTC covered / spot (about 0 for a zero-cost collar). [ratio]"""
        from hashpivot.formulas.black_scholes import call_price_usd

        call = call_price_usd(1.0, self.solved_call_strike_ratio(), self.rate_per_year,
                              self.implied_vol_per_sqrt_year, self.tenor_years)
        return super().premium_per_spot_ratio() - float(call)

    @model_validator(mode="after")
    def _call_above_put(self):
        if self.call_strike_ratio is not None and self.call_strike_ratio <= self.put_strike_ratio:
            raise ValueError(
                f"hedges.{self.name or self.kind}.call_strike_ratio={self.call_strike_ratio:g}; allowed: above "
                f"put_strike_ratio={self.put_strike_ratio:g}"
            )
        return self


class BtcBackedLoan(_Hedge):
    """Borrow ``principal_usd`` on ``start_day`` against BTC pledged at ``initial_ltv_frac`` of its value; pay
    ``rate_per_year`` / 365 a day in cash; margin calls and liquidation as the module says; repay at maturity."""

    kind: Literal["btc_backed_loan"] = "btc_backed_loan"
    code: ClassVar[int] = BTC_BACKED_LOAN
    principal_usd: float = Field(gt=0, le=MAX_CASH_USD, description="Amount borrowed. [USD]")
    rate_per_year: float = Field(ge=0, le=1, description="Cash interest on the loan. [1/year]")
    initial_ltv_frac: float = Field(
        gt=0, lt=1, description="Loan / collateral value when struck and after a cure. [fraction]"
    )
    margin_call_ltv_frac: float = Field(gt=0, lt=1, description="Loan / collateral value of a margin call. [fraction]")
    release_ltv_frac: float | None = Field(
        default=None, gt=0, lt=1, description="Loan / collateral value below which the collateral above the initial "
        "LTV returns to the BTC held (the lender's terms; none: it stays pledged to maturity). [fraction]"
    )

    @model_validator(mode="after")
    def _call_above_initial(self):
        if self.margin_call_ltv_frac <= self.initial_ltv_frac:
            raise ValueError(
                f"hedges.{self.name or self.kind}.margin_call_ltv_frac={self.margin_call_ltv_frac:g}; allowed: "
                f"above initial_ltv_frac={self.initial_ltv_frac:g}"
            )
        if self.release_ltv_frac is not None and self.release_ltv_frac >= self.initial_ltv_frac:
            raise ValueError(
                f"hedges.{self.name or self.kind}.release_ltv_frac={self.release_ltv_frac:g}; allowed: below "
                f"initial_ltv_frac={self.initial_ltv_frac:g} (collateral returns only once the LTV has fallen)"
            )
        return self


class FixedPower(_Hedge):
    """Buy ``load_frac`` of ``site``'s mining energy at ``price_usd_per_mwh`` on each of the ``tenor_days`` after
    ``start_day`` (see the module docstring). [USD]"""

    kind: Literal["fixed_power"] = "fixed_power"
    code: ClassVar[int] = FIXED_POWER
    site: str = Field(min_length=1, description="Name of the site whose power is contracted. [text]")
    load_frac: float = Field(gt=0, le=1, description="Share of the site's mining energy contracted. [fraction]")
    price_usd_per_mwh: float = Field(ge=0, le=1000, description="Fixed price of the contracted power. [USD/MWh]")


Hedge = Annotated[HashpriceForward | BtcPut | BtcCollar | BtcBackedLoan | FixedPower, Field(discriminator="kind")]


def hedge_label(hedge, index: int) -> str:
    """A hedge's label: its ``name``, else its kind and its 1-based row (``btc_put_2``)."""
    return hedge.name or f"{hedge.kind}_{index + 1}"
