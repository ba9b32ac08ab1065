"""Options of the calibration (no heavy imports: the CLI reads them at start-up)."""

from __future__ import annotations

from typing import Literal

PriceKind = Literal["gbm", "bootstrap", "regime"]
HashrateKind = Literal["lognormal", "endogenous"]
PRICE_KINDS: tuple[str, ...] = ("gbm", "bootstrap", "regime")
HASHRATE_KINDS: tuple[str, ...] = ("lognormal", "endogenous")

#: Default first day of the calibration window: the third halving (block 630,000). [date]
DEFAULT_SINCE = "2020-05-11"
