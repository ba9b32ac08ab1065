"""GPU rental price index: ``flat`` or ``generational`` (prices fall with each new GPU generation).

The index starts at 1 on day 0 and multiplies each GPU cloud project's spot price. Colocation re-let
rates follow it with an elasticity (``lease_rate_elasticity_ratio``): AI compute demand drives both, leases less.
Sources of the decline (H100): rented above 8 USD/h in 2023, about 2.99 in October 2024 and about 1.70 in
October 2025, as quoted by the seed article (issue 4); ln(1.70 / 2.99) = -0.56 per year.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import MAX_DAY
from hashpivot.processes.paths import levels_from_log_steps
from hashpivot.processes.random import standard_normals


class _GpuRent(Model):
    lease_rate_elasticity_ratio: float = Field(
        default=0.5, ge=0, le=2, description="Re-let lease rate = contract rate x index^elasticity. [ratio]"
    )
    shock_day: int | None = Field(
        default=None, ge=1, le=MAX_DAY, description="Day of a one-off fall of rents (a stress); None = none. [day]"
    )
    shock_frac: float = Field(default=0.0, ge=0, lt=1, description="Size of the one-off fall. [fraction]")

    def _shocked(self, index: NDArray[np.float64]) -> NDArray[np.float64]:
        if self.shock_day is not None and self.shock_frac > 0:
            index[:, self.shock_day :] *= 1.0 - self.shock_frac
        return index


class FlatGpuRent(_GpuRent):
    """GPU rents stay at their day-0 level (apart from a stress shock)."""

    kind: Literal["flat"] = "flat"

    def index(self, seed: int, first_path: int, n_paths: int, n_days: int) -> NDArray[np.float64]:
        """Rent index. [ratio], shape (1, n_days + 1)."""
        return self._shocked(np.ones((1, n_days + 1)))


class GenerationalGpuRent(_GpuRent):
    """``I[t] = I[t-1] exp(drift - vol^2/2 + vol z)``, times ``1 - generation_drop_frac`` on each new
    generation's launch day (every ``generation_every_days`` from ``first_generation_day``)."""

    kind: Literal["generational"] = "generational"
    drift_per_day: float = Field(default=-0.0008, ge=-0.05, le=0.05, description="Log drift between launches. [1/day]")
    vol_per_sqrt_day: float = Field(default=0.01, ge=0, le=0.5, description="Daily volatility. [1/sqrt(day)]")
    generation_every_days: int = Field(default=730, ge=30, le=3650, description="Days between generations. [days]")
    first_generation_day: int = Field(default=365, ge=1, le=MAX_DAY, description="Day of the next generation's launch. [day]")
    generation_drop_frac: float = Field(
        default=0.25, ge=0, lt=1, description="Fall of the rent index on a launch day. [fraction]"
    )

    def index(self, seed: int, first_path: int, n_paths: int, n_days: int) -> NDArray[np.float64]:
        """Rent index. [ratio], shape (n_paths, n_days + 1)."""
        z = standard_normals(seed, first_path, n_paths, "gpu_rent", n_days)
        s = self.vol_per_sqrt_day
        log_step = self.drift_per_day - 0.5 * s * s + s * z
        days = np.arange(1, n_days + 1)
        is_launch = (days >= self.first_generation_day) & (
            (days - self.first_generation_day) % self.generation_every_days == 0
        )
        log_step += np.where(is_launch, np.log1p(-self.generation_drop_frac), 0.0)
        return self._shocked(levels_from_log_steps(1.0, log_step))


GpuRentProcess = Annotated[FlatGpuRent | GenerationalGpuRent, Field(discriminator="kind")]
