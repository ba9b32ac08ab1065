"""Treasury policies of the seed article, each a ``kind``.

- ``sell_all``: mine, sell, repeat (IREN funds its AI build this way).
- ``hold_all``: keep every mined sat (Riot since 2024).
- ``sell_fraction``: sell a fixed share of each day's production (HIVE funds GPUs this way).
- ``sell_to_cover_costs``: sell just enough BTC to pay the day's net operating outflow.
- ``sell_above_average``: sell production (and a slice of holdings) only when the price is above
  ``threshold_ratio`` x its trailing mean, or x its mean since the last halving.
- ``buy_with_cash``: hold production and buy BTC with cash above a floor (and the runway floor), net of the
  credit facility drawn.
- ``buy_with_equity``: at-the-market share issuance at ``mnav_ratio`` x NAV per share; proceeds buy BTC.
- ``buy_with_convertible``: issue a convertible note, buy BTC with the principal, pay coupons in cash;
  at maturity convert (share price >= conversion price) or repay; a path that cannot repay is insolvent
  (Marathon's route to 49,000+ BTC, the Strategy model).
- ``min_cash_runway``: hold, but keep N months of costs in cash by selling BTC.

Every policy also takes ``floor_runway_months``: the same cash floor composed on top of it
(e.g. ``hold_all`` + 6 months of runway).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import MAX_BTC_PRICE_USD, MAX_CASH_USD, MAX_DAY, MAX_SHARE_PRICE_USD, MAX_USD_PER_DAY

#: Every treasury parameter the engine reads, in packing order: (name, meaning [unit]). Each has one slot and one
#: meaning whatever the policy; a policy fills the slots its ``PARAMS`` name (the others stay 0) and every policy
#: fills the last two.
TREASURY_PARAMS = (
    ("sell_frac", "share of each day's production sold [fraction]"),
    ("threshold_ratio", "price / mean price that triggers sales [ratio]"),
    ("window_days", "trailing window of the mean price; 0 = since the last halving [days]"),
    ("sell_production_frac", "share of the day's production sold on a trigger day [fraction]"),
    ("sell_holdings_frac_per_day", "share of the day's opening BTC also sold on a trigger day [fraction/day]"),
    ("cash_floor_usd", "cash never spent on BTC [USD]"),
    ("max_buy_usd_per_day", "most cash spent on BTC in a day [USD/day]"),
    ("issue_usd_per_day", "at-the-market share sales per day [USD/day]"),
    ("mnav_ratio", "share price / NAV per share [ratio]"),
    ("max_dilution_ratio", "new shares at which issuance stops, as a multiple of the day-0 count [ratio]"),
    ("principal_usd", "principal of the convertible note [USD]"),
    ("coupon_rate_per_year", "cash coupon of the note [1/year]"),
    ("issue_day", "simulation day the note is issued [day]"),
    ("term_days", "days from the note's issue to its maturity [days]"),
    ("conversion_price_usd_per_share", "share price at which the note converts [USD/share]"),
    ("floor_runway_months", "months of operating costs always kept in cash [months]"),
    ("sell_btc_before_debt", "1: cover shortfalls by selling BTC before drawing the facility [flag]"),
    ("premium_beta", "elasticity of at-the-market issuance's mNAV to BTC price / its day-0 price [elasticity]"),
    ("mnav_floor_ratio", "lowest mNAV of at-the-market issuance [ratio]"),
    ("halving_mean_usd", "mean BTC price from the last halving to the day before day 0 [USD]"),
    ("halving_mean_days", "days from the last halving to the day before day 0 that mean covers [days]"),
)
(TP_SELL_FRAC, TP_THRESHOLD_RATIO, TP_WINDOW_DAYS, TP_SELL_PRODUCTION_FRAC, TP_SELL_HOLDINGS_FRAC_PER_DAY,
 TP_CASH_FLOOR_USD, TP_MAX_BUY_USD_PER_DAY, TP_ISSUE_USD_PER_DAY, TP_MNAV_RATIO, TP_MAX_DILUTION_RATIO,
 TP_PRINCIPAL_USD, TP_COUPON_RATE_PER_YEAR, TP_ISSUE_DAY, TP_TERM_DAYS, TP_CONVERSION_PRICE_USD_PER_SHARE,
 TP_FLOOR_RUNWAY_MONTHS, TP_SELL_BTC_BEFORE_DEBT, TP_PREMIUM_BETA, TP_MNAV_FLOOR_RATIO, TP_HALVING_MEAN_USD,
 TP_HALVING_MEAN_DAYS) = range(len(TREASURY_PARAMS))
N_PARAMS = len(TREASURY_PARAMS)
#: Parameters every policy fills.
COMMON_PARAMS = ("floor_runway_months", "sell_btc_before_debt")
_PARAM_INDEX = {name: i for i, (name, _) in enumerate(TREASURY_PARAMS)}

SELL_ALL, HOLD_ALL, SELL_FRACTION, SELL_TO_COVER, SELL_ABOVE_AVERAGE = 0, 1, 2, 3, 4
BUY_WITH_CASH, BUY_WITH_EQUITY, BUY_WITH_CONVERTIBLE, MIN_CASH_RUNWAY = 5, 6, 7, 8


class _Treasury(Model):
    code: ClassVar[int]
    #: The fields the engine reads for this kind, each in its slot of ``TREASURY_PARAMS`` (besides ``COMMON_PARAMS``).
    PARAMS: ClassVar[tuple[str, ...]] = ()
    name: str | None = Field(default=None, description="Label in tables and charts; defaults to the kind. [text]")
    floor_runway_months: float = Field(
        default=0.0, ge=0, le=120,
        description="Months of operating costs always kept in cash, refilled by selling BTC; 0 = none. [months]",
    )
    sell_btc_before_debt: bool = Field(
        default=True,
        description="Cover a cash shortfall (capex, losses) by selling BTC before drawing the company's credit "
        "facility; False = draw the facility first and sell BTC only when it is exhausted. [flag]",
    )

    @property
    def label(self) -> str:
        return self.name or self.kind  # type: ignore[attr-defined]

    def shown_fields(self) -> list[tuple[str, Any]]:
        """(name, value) of the fields that bear on what this policy does, in declaration order, for tables (its
        kind and name are the table's own columns)."""
        return [(name, getattr(self, name)) for name in type(self).model_fields if name not in ("kind", "name")]

    def params(self) -> NDArray[np.float64]:
        """Parameter vector read by the engine's jitted step: each field of ``PARAMS`` and ``COMMON_PARAMS`` in its
        slot of ``TREASURY_PARAMS``, the others 0. [the unit of each slot]"""
        out = np.zeros(N_PARAMS)
        for name in self.PARAMS + COMMON_PARAMS:
            out[_PARAM_INDEX[name]] = float(getattr(self, name))
        return out


class SellAll(_Treasury):
    kind: Literal["sell_all"] = "sell_all"
    code: ClassVar[int] = SELL_ALL


class HoldAll(_Treasury):
    kind: Literal["hold_all"] = "hold_all"
    code: ClassVar[int] = HOLD_ALL


class SellFraction(_Treasury):
    kind: Literal["sell_fraction"] = "sell_fraction"
    code: ClassVar[int] = SELL_FRACTION
    sell_frac: float = Field(default=0.5, ge=0, le=1, description="Share of each day's production sold. [fraction]")

    PARAMS: ClassVar[tuple[str, ...]] = ("sell_frac",)


class SellToCoverCosts(_Treasury):
    kind: Literal["sell_to_cover_costs"] = "sell_to_cover_costs"
    code: ClassVar[int] = SELL_TO_COVER


class SellAboveAverage(_Treasury):
    """Sell when ``price > threshold_ratio x mean(price)`` over the trailing ``window_days`` (today and
    day 0 included), or over the days since the last halving when ``window_days = 0``. RM1's policy. A run that
    starts after the halving has no prices of its own from before day 0: ``halving_mean_usd`` and
    ``halving_mean_days`` bring them (the chain table's mean from the halving to the day before the start, and
    how many days it covers), else the mean starts on day 0."""

    kind: Literal["sell_above_average"] = "sell_above_average"
    code: ClassVar[int] = SELL_ABOVE_AVERAGE
    threshold_ratio: float = Field(default=1.2, gt=0, le=100, description="Price / mean that triggers sales. [ratio]")
    window_days: int = Field(
        default=200, ge=0, le=3650, description="Trailing window of the mean; 0 = since the last halving. [days]"
    )
    sell_production_frac: float = Field(
        default=1.0, ge=0, le=1, description="Share of the day's production sold on a trigger day. [fraction]"
    )
    sell_holdings_frac_per_day: float = Field(
        default=0.0, ge=0, le=1,
        description="Share of the BTC held at the start of a trigger day also sold. [fraction/day]",
    )

    halving_mean_usd: float = Field(
        default=0.0, ge=0, le=MAX_BTC_PRICE_USD,
        description="With window_days = 0: the mean BTC price from the last halving to the day before the run's "
        "start (the chain table's); 0 with halving_mean_days 0: the run starts on the halving, or the mean starts "
        "on day 0. [USD]",
    )
    halving_mean_days: int = Field(
        default=0, ge=0, le=MAX_DAY,
        description="Days from the last halving to the day before the run's start that halving_mean_usd covers. "
        "[days]",
    )

    PARAMS: ClassVar[tuple[str, ...]] = (
        "threshold_ratio", "window_days", "sell_production_frac", "sell_holdings_frac_per_day", "halving_mean_usd",
        "halving_mean_days")

    def shown_fields(self) -> list[tuple[str, Any]]:
        # A trailing window's mean has no use for the mean since the halving: its two fields are 0 and unread
        unread = () if self.window_days == 0 else ("halving_mean_usd", "halving_mean_days")
        return [(name, value) for name, value in super().shown_fields() if name not in unread]

    @model_validator(mode="after")
    def _halving_mean_whole(self) -> SellAboveAverage:
        if (self.halving_mean_usd > 0) != (self.halving_mean_days > 0):
            raise ValueError(f"halving_mean_usd={self.halving_mean_usd:g} with halving_mean_days="
                             f"{self.halving_mean_days}; allowed: both > 0 (a mean and the days it covers) or both 0")
        if self.halving_mean_days > 0 and self.window_days != 0:
            raise ValueError(f"halving_mean_days={self.halving_mean_days} with window_days={self.window_days}; "
                             "allowed: a mean since the halving only with window_days = 0")
        return self


class BuyWithCash(_Treasury):
    """Hold production and each day buy BTC with the cash above the higher of ``cash_floor_usd`` and the runway
    floor (``floor_runway_months``), less any credit facility drawn, up to ``max_buy_usd_per_day``."""

    kind: Literal["buy_with_cash"] = "buy_with_cash"
    code: ClassVar[int] = BUY_WITH_CASH
    cash_floor_usd: float = Field(default=100e6, ge=0, le=MAX_CASH_USD, description="Cash never spent on BTC. [USD]")
    max_buy_usd_per_day: float = Field(default=5e6, ge=0, le=MAX_USD_PER_DAY, description="Most cash spent on BTC in a day. [USD/day]")

    PARAMS: ClassVar[tuple[str, ...]] = ("cash_floor_usd", "max_buy_usd_per_day")


#: A typical ``premium_beta`` (not the default, which is 0: a constant mNAV): Strategy's (MSTR) mNAV fell as BTC
#: fell in 2025, from about 1.5 at BTC near 118,000 USD (July-August 2025, the lowest since February 2024:
#: bbapi.viigoo.eu.org/en/square/post/28340033456010) to about 1.0 at BTC near 90,000 USD (late November 2025:
#: binance.bh/en-AE/square/post/33322776528042), log(1.0 / 1.5) / log(90 / 118) = 1.5; and from 1.195 at about
#: 107,800 USD (69 bn USD / 639,835 BTC, btccusa.com/en-US/square/cryptonewsT/1018584) to 1.0 at 90,000 USD, 1.0.
#: The fall from 3.4 (November 2024, BTC near 98,000 USD) to 1.0 is not a price effect alone (the price barely
#: moved; the premium decayed as other treasury companies copied the model), so it does not enter the estimate.
TYPICAL_PREMIUM_BETA = 1.25
#: Default share price / NAV per share of at-the-market issuance (``BuyWithEquity``; the growth policy's equity
#: funding takes the same). [ratio]
ATM_MNAV_RATIO = 1.5


class BuyWithEquity(_Treasury):
    """At-the-market issuance: each day sell ``issue_usd_per_day`` of new shares at mNAV x NAV per share and buy
    BTC with the proceeds. Above an mNAV of 1 this raises BTC per share (Strategy's 'BTC yield'); below 1 it
    dilutes. The mNAV on day t is ``max(mnav_floor_ratio, mnav_ratio x (S_t / S_0) ** premium_beta)``, S the BTC
    price: with ``premium_beta`` > 0 the premium compresses when BTC falls (the Strategy model's reflexivity:
    issuance dilutes most in the paths where BTC is down). Default 0, a constant mNAV; about 1-1.5 fits Strategy
    in 2025 (``TYPICAL_PREMIUM_BETA``)."""

    kind: Literal["buy_with_equity"] = "buy_with_equity"
    code: ClassVar[int] = BUY_WITH_EQUITY
    issue_usd_per_day: float = Field(default=2e6, ge=0, le=MAX_USD_PER_DAY, description="Share sales per day. [USD/day]")
    mnav_ratio: float = Field(default=ATM_MNAV_RATIO, gt=0, le=20, description="Share price / NAV per share. [ratio]")
    max_dilution_ratio: float = Field(
        default=0.5, ge=0, le=10, description="Stop issuing once new shares reach this multiple of the day-0 count. [ratio]"
    )

    premium_beta: float = Field(
        default=0.0, ge=0, le=20,
        description="Elasticity of the mNAV to the BTC price over its day-0 price: mNAV_t = max(mnav_floor_ratio, "
        "mnav_ratio x (S_t / S_0) ** premium_beta); 0 = constant mNAV (default); about 1-1.5 fits Strategy's "
        "2025 (docs/assumptions.md). [elasticity]",
    )
    mnav_floor_ratio: float = Field(
        default=0.0, ge=0, le=20,
        description="Lowest mNAV the premium compresses to; 0 = none (default, so premium_beta 0 keeps mnav_ratio). "
        "[ratio]",
    )

    PARAMS: ClassVar[tuple[str, ...]] = ("issue_usd_per_day", "mnav_ratio", "max_dilution_ratio", "premium_beta",
                                         "mnav_floor_ratio")


class BuyWithConvertible(_Treasury):
    """Issue a convertible note on ``issue_day``, buy BTC with the principal, pay the coupon daily in
    cash. On maturity convert into shares when the share price (``mnav_ratio`` x NAV per share) is at
    least the conversion price; otherwise repay the principal in cash, selling BTC as needed; a path
    that cannot repay is insolvent."""

    kind: Literal["buy_with_convertible"] = "buy_with_convertible"
    code: ClassVar[int] = BUY_WITH_CONVERTIBLE
    principal_usd: float = Field(default=1e9, gt=0, le=MAX_CASH_USD, description="Principal of the note. [USD]")
    coupon_rate_per_year: float = Field(default=0.0, ge=0, le=0.5, description="Cash coupon. [1/year]")
    issue_day: int = Field(default=1, ge=1, le=MAX_DAY, description="Simulation day the note is issued. [day]")
    term_days: int = Field(default=5 * 365, ge=1, le=MAX_DAY, description="Days from issue to maturity. [days]")
    conversion_price_usd_per_share: float = Field(
        default=25.0, gt=0, le=MAX_SHARE_PRICE_USD, description="Share price at which the note converts. [USD/share]"
    )
    mnav_ratio: float = Field(default=1.5, gt=0, le=20, description="Share price / NAV per share. [ratio]")

    PARAMS: ClassVar[tuple[str, ...]] = (
        "principal_usd", "coupon_rate_per_year", "issue_day", "term_days", "conversion_price_usd_per_share",
        "mnav_ratio")


class MinCashRunway(_Treasury):
    kind: Literal["min_cash_runway"] = "min_cash_runway"
    code: ClassVar[int] = MIN_CASH_RUNWAY
    floor_runway_months: float = Field(
        default=6.0, ge=0, le=120, description="Months of operating costs kept in cash. [months]"
    )


TreasuryPolicy = Annotated[
    SellAll | HoldAll | SellFraction | SellToCoverCosts | SellAboveAverage | BuyWithCash | BuyWithEquity
    | BuyWithConvertible | MinCashRunway,
    Field(discriminator="kind"),
]

#: Every treasury kind with its default parameters (``compare --policy KIND``).
TREASURY_KINDS: dict[str, type[_Treasury]] = {
    cls.model_fields["kind"].default: cls
    for cls in (SellAll, HoldAll, SellFraction, SellToCoverCosts, SellAboveAverage, BuyWithCash,
                BuyWithEquity, BuyWithConvertible, MinCashRunway)
}
