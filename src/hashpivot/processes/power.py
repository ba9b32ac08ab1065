"""Power price index applied to every site's contract price: ``flat`` (the contract holds) or
``seasonal`` (a yearly cycle, e.g. ERCOT summer peaks, with daily lognormal noise of mean 1)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from hashpivot.domain.base import Model
from hashpivot.processes.random import standard_normals


class FlatPower(Model):
    """Every site pays its contract price every day."""

    kind: Literal["flat"] = "flat"

    def index(self, seed: int, first_path: int, n_paths: int, n_days: int, start: date) -> NDArray[np.float64]:
        """Multiplier of the contract price. [ratio], shape (1, n_days + 1) (the same on every path)."""
        return np.ones((1, n_days + 1))


class SeasonalPower(Model):
    """``index[t] = (1 + amplitude cos(2 pi (doy - peak_doy) / 365.25)) exp(s z - s^2/2)``."""

    kind: Literal["seasonal"] = "seasonal"
    amplitude_frac: float = Field(default=0.2, ge=0, lt=1, description="Half peak-to-trough swing. [fraction]")
    peak_day_of_year: int = Field(default=213, ge=1, le=366, description="Day of year of the peak. [day]")
    vol_per_sqrt_day: float = Field(default=0.0, ge=0, le=2, description="Daily lognormal noise. [1/sqrt(day)]")

    def index(self, seed: int, first_path: int, n_paths: int, n_days: int, start: date) -> NDArray[np.float64]:
        """Multiplier of the contract price. [ratio], shape (n_paths or 1, n_days + 1)."""
        doy = np.array(
            [(np.datetime64(start, "D") + t).astype(object).timetuple().tm_yday for t in range(n_days + 1)],
            dtype=np.float64,
        )
        season = 1.0 + self.amplitude_frac * np.cos(2 * np.pi * (doy - self.peak_day_of_year) / 365.25)
        if self.vol_per_sqrt_day == 0:
            return season[None, :]
        s = self.vol_per_sqrt_day
        z = standard_normals(seed, first_path, n_paths, "power_price", n_days + 1)
        return season[None, :] * np.exp(s * z - 0.5 * s * s)


PowerPriceProcess = Annotated[FlatPower | SeasonalPower, Field(discriminator="kind")]
