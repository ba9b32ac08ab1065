"""Where the answer flips: a metric (or its difference against an alternative) over a grid of two inputs, from the
simulation, with the frontier line where it crosses zero.

The grid is one zip sweep (``hashpivot.api.sweep``: in-process or on Dask, the same numbers) of ``n_x x n_y``
variants; the alternative (``against``) is either a treasury policy run beside the scenario's own in the same
sweep, or a variant ``PATH=VALUE`` run as a second sweep on the same seed, so that every cell's difference is taken
path by path on common random numbers. Each cell's decision is the sign of the metric (or of the difference), or
"within noise" when it lies within two standard errors of zero
(:func:`hashpivot.analysis.decision_metric.paired_stat_difference`). The frontier is the zero crossing of the cell
values along ``y`` for each ``x`` (and along ``x`` for each ``y``), interpolated linearly between the two cells
whose signs differ.

Where a closed form exists (:mod:`hashpivot.formulas.breakeven`: a fleet's break-even power price against the BTC
price on day 0 in a deterministic market), the simulated frontier lies on it (tests/test_breakeven_map.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hashpivot.analysis.decision_metric import MetricSpec, paired_stat_difference, stat_value, variant_values
from hashpivot.errors import InputError

#: Most grid points per axis (a 100 x 100 map is 10,000 variants, the sweep's limit).
MAX_POINTS = 100

CELL_COLUMNS = ["x", "y", "value", "against_value", "difference", "standard_error", "decision"]


@dataclass(frozen=True)
class GridAxis:
    """An axis of the map: the field at ``path`` over ``values`` (``n`` points from low to high, both included;
    integers rounded for an integer field). [unit of the field]"""

    path: str
    values: tuple


def grid_axis(path: str, low: float, high: float, n: int, is_int: bool = False) -> GridAxis:
    """``n`` points from ``low`` to ``high``, both included (rounded, and repeated points dropped, for an integer
    field).

    >>> grid_axis("company.sites.main.power_price_usd_per_mwh", 20, 80, 13).values[:3]
    (20.0, 25.0, 30.0)
    """
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise InputError(path, f"{low:g}:{high:g}:{n}", "LOW:HIGH:N with LOW < HIGH")
    if not 2 <= n <= MAX_POINTS:
        raise InputError(path, f"{low:g}:{high:g}:{n}", f"LOW:HIGH:N with N from 2 to {MAX_POINTS} points")
    points = np.linspace(low, high, n)
    values = tuple(dict.fromkeys(int(round(v)) for v in points)) if is_int else tuple(float(v) for v in points)
    return GridAxis(path, values)


@dataclass(frozen=True)
class BreakevenMap:
    """The map: ``cells`` (:data:`CELL_COLUMNS`, one row per grid cell, ``x`` varying slowest; ``difference`` is
    the metric minus the alternative's, or the metric itself without one, with its standard error; ``decision``:
    ``"scenario"``/``"against"`` (or ``"positive"``/``"negative"``) or ``"within noise"``), the frontier points
    ``frontier_y`` (x, y where the cells' value crosses 0 along y) and ``frontier_x`` (along x)."""

    x: GridAxis
    y: GridAxis
    metric: MetricSpec
    against: str | tuple[str, Any] | None
    cells: pd.DataFrame
    frontier_y: list[tuple[float, float]]
    frontier_x: list[tuple[float, float]]
    n_paths: int

    @property
    def against_text(self) -> str | None:
        return f"{self.against[0]}={self.against[1]}" if isinstance(self.against, tuple) else self.against

    def grid(self, column: str = "difference") -> np.ndarray:
        """``column`` as an array (x, y). [unit of the metric]"""
        return self.cells[column].to_numpy(float).reshape(len(self.x.values), len(self.y.values))

    def frontier_at(self, x: float) -> float | None:
        """The frontier's y at grid point ``x`` (None where the column does not cross 0). [unit of y]"""
        found = [fy for fx, fy in self.frontier_y if fx == x]
        return found[0] if found else None


def zero_crossings(along: Sequence[float], values: np.ndarray) -> list[float]:
    """Where ``values`` (over the points ``along``) crosses zero, interpolated linearly between the two points whose
    signs differ. Cells exactly at zero: a run of them between a positive and a negative cell is one crossing, at the
    run's middle; a run that only touches or leaves zero (a probability rising from 0) crosses at each end that
    borders a non-zero cell; a line at zero everywhere crosses nowhere (nothing flips).

    >>> zero_crossings([20.0, 40.0, 60.0], np.array([3.0, 1.0, -1.0]))
    [50.0]
    >>> zero_crossings([0.0, 1.0, 2.0, 3.0], np.array([0.0, 0.0, 0.1, 0.3]))
    [1.0]
    >>> zero_crossings([0.0, 1.0, 2.0], np.zeros(3))
    []
    """
    v = np.asarray(values, dtype=np.float64)
    out: list[float] = []
    i, n = 0, len(v)
    while i < n:
        if v[i] == 0.0:
            j = i
            while j + 1 < n and v[j + 1] == 0.0:
                j += 1
            left = v[i - 1] if i > 0 and np.isfinite(v[i - 1]) else 0.0
            right = v[j + 1] if j + 1 < n and np.isfinite(v[j + 1]) else 0.0
            if left * right < 0:
                out.append(float(along[i] + along[j]) / 2.0)
            else:
                ends = ([float(along[i])] if left != 0.0 else []) + ([float(along[j])] if right != 0.0 else [])
                out.extend(dict.fromkeys(ends))
            i = j + 1
            continue
        if i + 1 < n and np.isfinite(v[i]) and np.isfinite(v[i + 1]) and v[i] * v[i + 1] < 0:
            out.append(float(along[i] + (along[i + 1] - along[i]) * v[i] / (v[i] - v[i + 1])))
        i += 1
    return out


def map_axes(x: GridAxis, y: GridAxis) -> dict[str, list]:
    """The zip axes of the grid: x varying slowest.

    >>> map_axes(GridAxis("a", (1, 2)), GridAxis("b", (5, 6, 7)))
    {'a': [1, 1, 1, 2, 2, 2], 'b': [5, 6, 7, 5, 6, 7]}
    """
    return {x.path: [vx for vx in x.values for _ in y.values], y.path: [vy for _ in x.values for vy in y.values]}


def breakeven_map(scenario, x: GridAxis, y: GridAxis, metric: MetricSpec, run_sweep: Callable[..., Any], *,
                  against: str | tuple[str, Any] | None = None) -> tuple[BreakevenMap, list]:
    """The :class:`BreakevenMap` of ``metric`` over ``x`` by ``y``, against ``against`` (a treasury policy label or
    kind run beside the scenario's main policy, or ``(PATH, VALUE)``: the scenario with that field set, a second
    sweep on the same seed; None: the sign of the metric itself). Returns the map and the sweeps run."""
    from hashpivot.analysis.sensitivity import within_noise
    from hashpivot.scenarios.paths import step_into

    if x.path == y.path:
        raise InputError("--y", y.path, f"a field other than --x ({x.path})")
    base = scenario.model_copy(update={"sweep": None})
    axes = map_axes(x, y)
    sweeps = []
    if isinstance(against, tuple):
        from hashpivot.scenarios.variants import with_values

        path, value = against
        if path in (x.path, y.path):
            raise InputError("--against", f"{path}={value}", "a field other than the map's axes")
        data = base.model_dump(mode="python")
        for i, key in enumerate(path.split(".")):
            data = step_into(data, key, ".".join(path.split(".")[: i + 1]))  # names the path when it names nothing
        mine = run_sweep(base, axes=axes, mode="zip")
        other_base = with_values(base, {path: value}, f"--against {path}={value}")
        theirs = run_sweep(other_base, axes=axes, mode="zip")
        sweeps = [mine, theirs]
        values, other = variant_values(mine, metric), variant_values(theirs, metric)
        labels = ("scenario", "against")
    elif against is not None:
        main = base.policy.treasury.label
        if against == main:
            raise InputError("--against", against, f"a policy other than the scenario's own ({main})")
        result = run_sweep(base, axes=axes, mode="zip", policies=[main, against])
        sweeps = [result]
        values, other = variant_values(result, metric, 0), variant_values(result, metric, 1)
        labels = ("scenario", "against")
    else:
        result = run_sweep(base, axes=axes, mode="zip")
        sweeps = [result]
        values = variant_values(result, metric)
        other = None
        labels = ("positive", "negative")
    rows = []
    for k, (vx, vy) in enumerate(zip(axes[x.path], axes[y.path], strict=True)):
        mine = values[k]
        theirs = other[k] if other is not None else np.zeros_like(mine)
        diff, se = paired_stat_difference(mine, theirs, metric.stat)
        decision = "within noise" if within_noise(diff, se) else (labels[0] if diff > 0 else labels[1])
        rows.append((vx, vy, stat_value(mine, metric.stat),
                     stat_value(theirs, metric.stat) if other is not None else float("nan"), diff, se, decision))
    cells = pd.DataFrame(rows, columns=CELL_COLUMNS)
    grid = cells["difference"].to_numpy(float).reshape(len(x.values), len(y.values))
    frontier_y = [(float(vx), fy) for i, vx in enumerate(x.values) for fy in zero_crossings(y.values, grid[i])]
    frontier_x = [(fx, float(vy)) for j, vy in enumerate(y.values) for fx in zero_crossings(x.values, grid[:, j])]
    return BreakevenMap(x, y, metric, against, cells, frontier_y, frontier_x, sweeps[0].n_paths), sweeps

