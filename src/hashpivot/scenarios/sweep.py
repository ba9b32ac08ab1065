"""The ``[sweep]`` table of a scenario: named axes over its fields by dotted path, as a grid or a list of variants,
and optionally quasi-random samples over ranges.

```toml
[sweep]
mode = "grid"                 # "grid": every combination of the axes; "zip": the i-th value of every axis
[sweep.axes]
"company.sites.main.power_price_usd_per_mwh" = [35, 45, 55]
"policy.treasury.kind" = ["sell_all", "hold_all"]
# and/or samples over ranges (scipy.stats.qmc), crossed with the axes' variants:
# n_samples = 16
# method = "sobol"            # or "lhs"
# [sweep.ranges]
# "market.btc_price.vol_per_sqrt_day" = [0.02, 0.04]
```

A path steps through tables by key and through lists of named items (sites, fleets, conversions) by name or by
index. A ``kind`` axis replaces its table with that kind's defaults. ``hashpivot.scenarios.variants`` expands the
table into validated scenarios.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from hashpivot.domain.base import Model

#: Most variants one sweep may expand to.
MAX_VARIANTS = 10_000
AxisValue = float | int | bool | str


class SweepSpec(Model):
    """Axes and ranges of a sweep; every variant runs on the same random numbers (common random numbers)."""

    mode: Literal["grid", "zip"] = Field(
        default="grid", description="grid: every combination of the axes' values; zip: the i-th of each. [text]")
    axes: dict[str, list[AxisValue]] = Field(
        default_factory=dict, description="Dotted field path -> the values it takes. [list]")
    n_samples: int | None = Field(
        default=None, ge=2, le=MAX_VARIANTS,
        description="Quasi-random samples over ``ranges`` (crossed with the axes' variants); None = none. [count]")
    method: Literal["sobol", "lhs"] = Field(
        default="sobol", description="Sampler over the ranges: scrambled Sobol or Latin hypercube. [text]")
    ranges: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Dotted field path -> [low, high] of its samples. [unit of the field]")
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="Seed of the sampler (not of the paths). [integer]")
    baseline_index: int = Field(
        default=0, ge=0, le=MAX_VARIANTS - 1, description="Variant the paired differences are taken against. [index]")

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if not self.axes and not self.ranges:
            raise ValueError("sweep: no axis and no range; allowed: at least one entry in sweep.axes or sweep.ranges")
        for path, values in self.axes.items():
            if not values:
                raise ValueError(f"sweep.axes.{path} = []: allowed: at least one value")
        if self.mode == "zip":
            lengths = {path: len(v) for path, v in self.axes.items()}
            if len(set(lengths.values())) > 1:
                raise ValueError(f"sweep.axes: lengths {lengths} differ; allowed: equal lengths with mode = \"zip\"")
        for path, (low, high) in self.ranges.items():
            if not low < high:
                raise ValueError(f"sweep.ranges.{path} = [{low}, {high}]: allowed: low < high")
        if self.ranges and self.n_samples is None:
            raise ValueError("sweep.ranges given without sweep.n_samples; allowed: n_samples >= 2 with ranges")
        if self.n_samples is not None and not self.ranges:
            raise ValueError(f"sweep.n_samples = {self.n_samples} without sweep.ranges; allowed: ranges to sample")
        overlap = sorted(set(self.axes) & set(self.ranges))
        if overlap:
            raise ValueError(f"sweep: {overlap[0]} is both an axis and a range; allowed: one of them")
        return self

    @property
    def n_variants(self) -> int:
        """How many variants the sweep expands to."""
        n = 1
        if self.axes:
            sizes = [len(v) for v in self.axes.values()]
            n = sizes[0] if self.mode == "zip" else math.prod(sizes)
        return n * (self.n_samples or 1)
