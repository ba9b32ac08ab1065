"""Transaction fees per block: lognormal around a median, with occasional spikes (Ordinals,
Runes and BRC-20 days such as 2023-05-08 and 2024-04-20 in the chain table)."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from numba import njit
from numpy.typing import NDArray
from pydantic import Field

from hashpivot.domain.base import Model
from hashpivot.processes.random import standard_normals, uniforms


class LognormalFees(Model):
    """``F[t] = median exp(sigma z) x (spike_ratio if a spike happens that day)``."""

    kind: Literal["lognormal"] = "lognormal"
    median_btc_per_block: float = Field(ge=0, le=50, description="Median fees per block. [BTC/block]")
    vol_log: float = Field(default=0.5, ge=0, le=5, description="Log standard deviation of daily fees. [log BTC]")
    spike_prob_per_day: float = Field(default=0.0, ge=0, le=1, description="Probability of a fee spike. [1/day]")
    spike_ratio: float = Field(default=1.0, ge=1, le=1000, description="Fee multiple on a spike day. [ratio]")

    def simulate(self, seed: int, first_path: int, n_paths: int, n_days: int) -> NDArray[np.float64]:
        """Fees per block. [BTC/block], shape (n_paths, n_days + 1); column 0 is the median."""
        n_u = n_days if self.spike_prob_per_day > 0 else 0
        # the spike days from a part of their own: behind the normals, day t's uniform moved with the horizon
        z = standard_normals(seed, first_path, n_paths, "fees", n_days)
        u = uniforms(seed, first_path, n_paths, "fees", n_u, part=1)
        out = np.empty((n_paths, n_days + 1))
        _log_fee_ratio(self.vol_log, self.spike_prob_per_day, np.log(self.spike_ratio), z, u, out)
        np.exp(out, out=out)  # numpy's SIMD exp
        out *= self.median_btc_per_block
        return out


@njit(cache=True, nogil=True, error_model="numpy")
def _log_fee_ratio(vol, spike_prob, log_spike_ratio, z, u, out):
    """``out[:, 0] = 0``, ``out[:, t] = vol z[:, t-1] (+ log spike ratio when u[:, t-1] < spike_prob)``."""
    for i in range(z.shape[0]):
        out[i, 0] = 0.0
        for j in range(z.shape[1]):
            x = vol * z[i, j]
            if u.shape[1] and u[i, j] < spike_prob:
                x += log_spike_ratio
            out[i, j + 1] = x


FeesProcess = Annotated[LognormalFees, Field(discriminator="kind")]
