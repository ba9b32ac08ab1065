"""BTC price processes, each a ``kind``: ``gbm``, ``bootstrap`` (block bootstrap of history), ``regime``
(two-state Markov switching with optional jumps).

Each returns prices of shape (paths, days + 1); column 0 is the start price, column t the close of
simulated day t. Draws come from each path's ``btc_price`` stream only.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, field_validator

from hashpivot.domain.base import Model
from hashpivot.domain.bounds import MAX_BTC_PRICE_USD, check_iso_date
from hashpivot.errors import ScenarioError
from hashpivot.processes.paths import levels_from_log_steps, levels_from_normals
from hashpivot.processes.random import standard_normals, uniforms


class GbmPrice(Model):
    """Geometric Brownian motion: ``S[t] = S[t-1] exp((mu - sigma^2/2) + sigma z)``."""

    kind: Literal["gbm"] = "gbm"
    start_usd: float = Field(gt=0, le=MAX_BTC_PRICE_USD, description="BTC price on day 0. [USD/BTC]")
    drift_per_day: float = Field(
        ge=-0.05, le=0.05, description="Arithmetic drift mu; E[S_t] = S_0 exp(mu t). [1/day]"
    )
    vol_per_sqrt_day: float = Field(ge=0, le=0.5, description="Volatility sigma of daily log returns. [1/sqrt(day)]")

    def simulate(
        self, seed: int, first_path: int, n_paths: int, n_days: int, history_log_returns: NDArray | None = None
    ) -> NDArray[np.float64]:
        """Price paths. [USD/BTC], shape (n_paths, n_days + 1)."""
        z = standard_normals(seed, first_path, n_paths, "btc_price", n_days)
        sigma = self.vol_per_sqrt_day
        return levels_from_normals(self.start_usd, self.drift_per_day - 0.5 * sigma * sigma, sigma, z)


class BootstrapPrice(Model):
    """Block bootstrap of historical daily log returns (moving blocks, uniform starts).

    The history is taken from the chain table (``io.history``) from ``since`` on; returns are
    re-centred to ``drift_per_day`` when it is given (their historical mean is replaced), so the
    scenario, not the sample, decides the trend while the sample keeps its fat tails and clustering.
    """

    kind: Literal["bootstrap"] = "bootstrap"
    start_usd: float = Field(gt=0, le=MAX_BTC_PRICE_USD, description="BTC price on day 0. [USD/BTC]")
    block_days: int = Field(default=30, ge=1, le=3650, description="Length of each resampled block. [days]")
    since: str = Field(
        default="2016-01-01",
        description="First historical day used, ISO date YYYY-MM-DD from 2009-01-03 (genesis); the chain table "
        "must hold block_days + 1 returns from it on (checked when the table is loaded). [date]",
    )
    drift_per_day: float | None = Field(
        default=None, ge=-0.05, le=0.05,
        description="Mean daily log return after re-centring; None keeps the sample's. [1/day]",
    )

    @field_validator("since", mode="before")
    @classmethod
    def _since_is_a_date(cls, value: object) -> str:
        # Checked here, not when the table is read: text like 'yesterday' used to reach a pandas comparison.
        return check_iso_date("since", value)

    def simulate(
        self, seed: int, first_path: int, n_paths: int, n_days: int, history_log_returns: NDArray | None = None
    ) -> NDArray[np.float64]:
        """Price paths. [USD/BTC], shape (n_paths, n_days + 1)."""
        if history_log_returns is None:
            raise ScenarioError(
                "market.btc_price.kind='bootstrap' needs the historical chain table: pass --data PATH "
                "or set HASHPIVOT_DATA"
            )
        r = np.asarray(history_log_returns, dtype=np.float64)
        if r.size < self.block_days + 1:
            raise ScenarioError(
                f"market.btc_price.block_days={self.block_days} is invalid: allowed at most "
                f"{r.size - 1} (the history from {self.since} has {r.size} returns)"
            )
        if self.drift_per_day is not None:
            r = r - r.mean() + self.drift_per_day
        n_blocks = -(-n_days // self.block_days)
        u = uniforms(seed, first_path, n_paths, "btc_price", n_blocks)
        starts = np.floor(u * (r.size - self.block_days + 1)).astype(np.int64)
        idx = (starts[:, :, None] + np.arange(self.block_days)).reshape(n_paths, -1)[:, :n_days]
        return levels_from_log_steps(self.start_usd, r[idx])


class RegimePrice(Model):
    """Two-state (bull/bear) Markov-switching log returns with optional Merton jumps.

    Each day the state switches with its transition probability, then the log return is
    ``mu_s - sigma_s^2/2 + sigma_s z`` plus, with probability ``jump_prob_per_day``, a normal jump
    ``N(jump_mean_log, jump_vol_log)``. Draws per path, each array from a part of the ``btc_price`` stream of its
    own (``processes.random``) so that a day's draws do not move with the horizon: days normals (diffusion, part 0),
    days normals (jump size, part 1), days uniforms (switch, part 2; jump occurrence, part 3), one uniform (the
    start state, part 4).
    """

    kind: Literal["regime"] = "regime"
    start_usd: float = Field(gt=0, le=MAX_BTC_PRICE_USD, description="BTC price on day 0. [USD/BTC]")
    bull_drift_per_day: float = Field(ge=-0.05, le=0.05, description="Drift in the bull state. [1/day]")
    bull_vol_per_sqrt_day: float = Field(ge=0, le=0.5, description="Volatility in the bull state. [1/sqrt(day)]")
    bear_drift_per_day: float = Field(ge=-0.05, le=0.05, description="Drift in the bear state. [1/day]")
    bear_vol_per_sqrt_day: float = Field(ge=0, le=0.5, description="Volatility in the bear state. [1/sqrt(day)]")
    bull_to_bear_prob_per_day: float = Field(ge=0, le=1, description="Daily switch probability bull->bear. [1/day]")
    bear_to_bull_prob_per_day: float = Field(ge=0, le=1, description="Daily switch probability bear->bull. [1/day]")
    start_bull_frac: float = Field(
        default=1.0, ge=0, le=1, description="Probability of starting in the bull state. [fraction]"
    )
    jump_prob_per_day: float = Field(default=0.0, ge=0, le=1, description="Daily jump probability. [1/day]")
    jump_mean_log: float = Field(default=0.0, ge=-2, le=2, description="Mean log jump size. [log return]")
    jump_vol_log: float = Field(default=0.0, ge=0, le=2, description="Std of log jump size. [log return]")

    def simulate(
        self, seed: int, first_path: int, n_paths: int, n_days: int, history_log_returns: NDArray | None = None
    ) -> NDArray[np.float64]:
        """Price paths. [USD/BTC], shape (n_paths, n_days + 1)."""
        z_diff = standard_normals(seed, first_path, n_paths, "btc_price", n_days)
        z_jump = standard_normals(seed, first_path, n_paths, "btc_price", n_days, part=1)
        u_switch = uniforms(seed, first_path, n_paths, "btc_price", n_days, part=2)
        u_jump = uniforms(seed, first_path, n_paths, "btc_price", n_days, part=3)
        u_start = uniforms(seed, first_path, n_paths, "btc_price", 1, part=4)[:, 0]
        is_bull = u_start < self.start_bull_frac
        log_ret = np.empty((n_paths, n_days))
        for t in range(n_days):
            leave = np.where(is_bull, self.bull_to_bear_prob_per_day, self.bear_to_bull_prob_per_day)
            is_bull = is_bull ^ (u_switch[:, t] < leave)
            mu = np.where(is_bull, self.bull_drift_per_day, self.bear_drift_per_day)
            sig = np.where(is_bull, self.bull_vol_per_sqrt_day, self.bear_vol_per_sqrt_day)
            log_ret[:, t] = mu - 0.5 * sig * sig + sig * z_diff[:, t]
        jumps = (u_jump < self.jump_prob_per_day) * (self.jump_mean_log + self.jump_vol_log * z_jump)
        return levels_from_log_steps(self.start_usd, log_ret + jumps)


BtcPriceProcess = Annotated[GbmPrice | BootstrapPrice | RegimePrice, Field(discriminator="kind")]
