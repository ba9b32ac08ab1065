"""Network hashrate processes, each a ``kind``: ``lognormal`` (exogenous growth) and ``endogenous``
(hashrate answers hashprice against the network's marginal cost).

The endogenous model follows the profitability-threshold idea of the Cambridge Bitcoin Electricity
Consumption Index (CBECI, ccaf.io/cbnsi/cbeci/methodology): a machine runs while its power cost
``J/TH x 24 h x power price`` is below hashprice. The installed fleet's efficiency is lognormal around
a median that improves each year; the share whose cost exceeds yesterday's hashprice switches off;
new capacity arrives ``lag_days`` after margins are high.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import MAX_HASHRATE_EHS
from hashpivot.processes.paths import levels_from_normals
from hashpivot.processes.random import standard_normals


class LognormalHashrate(Model):
    """``H[t] = H[t-1] exp(g + s z)``: median growth ``g`` per day, log volatility ``s``."""

    kind: Literal["lognormal"] = "lognormal"
    start_ehs: float = Field(gt=0, le=MAX_HASHRATE_EHS, description="Network hashrate on day 0. [EH/s]")
    growth_per_day: float = Field(ge=-0.05, le=0.05, description="Log growth g of the median path. [1/day]")
    vol_per_sqrt_day: float = Field(ge=0, le=0.5, description="Volatility s of daily log changes. [1/sqrt(day)]")

    def simulate(self, seed: int, first_path: int, n_paths: int, n_days: int) -> NDArray[np.float64]:
        """Hashrate paths. [EH/s], shape (n_paths, n_days + 1)."""
        z = standard_normals(seed, first_path, n_paths, "network_hashrate", n_days)
        return levels_from_normals(self.start_ehs, self.growth_per_day, self.vol_per_sqrt_day, z)


class EndogenousHashrate(Model):
    """Hashrate that responds to hashprice (profitability threshold + lagged capacity additions).

    Installed capacity ``I[t] = I[t-1] exp(g + beta max(0, ln(hp[t-lag] / c_med)) + s z)`` where
    ``c_med`` is the power cost of the median machine per TH/s per day; running hashrate
    ``H[t] = I[t] x r[t]`` where the running share ``r`` closes ``adjustment_frac_per_day`` of its gap
    to the profitable share ``Phi((ln e* - ln e_med[t]) / sd)`` each day, with break-even efficiency
    ``e* = hp[t-1] x 1e6 / (24 x power price)``. The simulation happens in the market kernel because
    hashprice depends on difficulty and blocks.
    """

    kind: Literal["endogenous"] = "endogenous"
    start_ehs: float = Field(gt=0, le=MAX_HASHRATE_EHS, description="Running network hashrate on day 0. [EH/s]")
    growth_per_day: float = Field(
        ge=-0.05, le=0.05, description="Installed-capacity log growth when margins are thin. [1/day]"
    )
    vol_per_sqrt_day: float = Field(ge=0, le=0.5, description="Volatility of installed capacity. [1/sqrt(day)]")
    response_per_day: float = Field(
        default=0.002, ge=0, le=0.1,
        description="Extra log growth per unit of log margin of the median machine. [1/day]",
    )
    lag_days: int = Field(default=90, ge=1, le=730, description="Delay from margin to new capacity. [days]")
    median_efficiency_j_per_th: float = Field(
        default=28.0, gt=0, le=200, description="Median efficiency of the running fleet on day 0. [J/TH]"
    )
    efficiency_vol_log: float = Field(
        default=0.35, gt=0, le=3, description="Log standard deviation of fleet efficiency. [log J/TH]"
    )
    efficiency_gain_per_year: float = Field(
        default=0.10, ge=0, lt=1, description="Yearly fall of the median J/TH as old machines retire. [1/year]"
    )
    power_price_usd_per_mwh: float = Field(
        default=45.0, gt=0, le=1000, description="Power price the marginal network miner pays. [USD/MWh]"
    )
    adjustment_frac_per_day: float = Field(
        default=0.05, gt=0, le=1,
        description="Share of the gap to the profitable share closed each day; 1 = instant switching, which "
        "with the 2016-block retarget makes hashrate whipsaw. [fraction/day]",
    )


NetworkHashrateProcess = Annotated[LognormalHashrate | EndogenousHashrate, Field(discriminator="kind")]
