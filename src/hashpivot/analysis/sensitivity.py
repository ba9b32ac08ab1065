"""Which input an answer hangs on: a one-at-a-time tornado and global Sobol indices, both run as ONE sweep of the
scenario on common random numbers (``hashpivot.api.sweep``: in-process or on Dask, the same numbers).

Tornado: every numeric input the scenario sets (or those named) is moved to its low and then its high value, one at
a time, the others at their base value: ``2k + 1`` variants in zip mode, variant 0 the base. Each input's swing is
``metric(high) - metric(low)``, taken path by path on the same random numbers, with its Monte Carlo standard error
(:func:`hashpivot.analysis.decision_metric.paired_stat_difference`); a swing smaller than two standard errors is
"within noise" (no sign can be read from it). A relative ``--range`` moves an input by that fraction of its base
value, clipped to the field's bounds (a fraction stays in [0, 1]); an input at zero moves nothing relatively and is
left out unless given a range. Inputs whose moved values break a rule across fields (fleets drawing more than
their site) are left out of an automatic tornado with the reason, and refused when named.

Sobol: SALib's Saltelli/Sobol' sample (``SALib.sample.sobol``, second-order terms off: ``N (D + 2)`` variants) over
the inputs' ranges, each sample point a variant of one zip sweep, and ``SALib.analyze.sobol`` for first-order and
total indices with their bootstrap confidence intervals (Saltelli et al. 2010, "Variance based sensitivity analysis
of model output", Comput. Phys. Commun. 181, 259-270; SALib docs, salib.readthedocs.io). The metric of a variant
is its stat over the paths, so the indices split the variance of that stat over the inputs' ranges.

Pure: these functions take a sweep runner (``run_sweep(scenario, axes=..., mode="zip")`` returning an
``analysis.sweep.SweepResult``) and the scenario; the facade (:func:`hashpivot.api.sensitivity`) passes
``api.sweep``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from hashpivot.analysis.decision_metric import MetricSpec, paired_stat_difference, stat_value, variant_values
from hashpivot.errors import InputError, ScenarioError

#: Tables of a scenario that are not inputs of the answer: run settings (paths, seed, horizon, memory), the
#: compared policies and the sweep table (a decision tool runs the main policy and plan).
NOT_INPUTS = ("run", "compare", "compare_capacity", "sweep", "name", "description")
#: Default relative range of a tornado: each input -20 % / +20 % of its base value. [fraction]
DEFAULT_RANGE_FRAC = 0.20
#: A swing within this many standard errors of zero is "within noise". [count]
NOISE_SE = 2.0
#: Most Sobol' base samples (N); the sweep then runs N (D + 2) variants. [count]
MAX_SOBOL_BASE = 4096

SweepRunner = Callable[..., Any]


def within_noise(difference: float, standard_error: float) -> bool:
    """Whether a difference cannot be told from Monte Carlo noise: within :data:`NOISE_SE` standard errors of zero
    (a zero difference always is; a difference with no standard error, from fewer than two paths, too).

    >>> within_noise(3.0, 2.0), within_noise(5.0, 2.0), within_noise(0.0, 0.0), within_noise(1e-9, 0.0)
    (True, False, True, False)
    """
    if not math.isfinite(standard_error):
        return True
    return abs(difference) <= NOISE_SE * standard_error


@dataclass(frozen=True)
class InputRange:
    """An input of a sensitivity analysis: its dotted path, base value and the low and high it is moved to (in the
    field's unit); ``note`` says when a bound clipped a value or rounding moved it."""

    path: str
    base: float
    low: float
    high: float
    note: str = ""


def scenario_inputs(scenario) -> list[str]:
    """Dotted paths of every numeric input the scenario itself sets (the keys its TOML gave, ``exclude_unset``),
    except run settings, compared policies and the sweep table (:data:`NOT_INPUTS`); list items by name."""
    data = scenario.model_dump(mode="python", exclude_unset=True)
    out: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in ("name", "kind"):
                    walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, dict):
                    walk(item, f"{path}.{item.get('name') or i}")
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            out.append(path)

    walk({k: v for k, v in data.items() if k not in NOT_INPUTS}, "")
    return out


def _field(scenario, path: str):
    """(model holding the field, field name) of a dotted path (list items by name or index); a path that names no
    field of a table: ScenarioError naming it and what is allowed."""
    from hashpivot.scenarios.paths import step_into

    parts = path.split(".")
    data: Any = scenario.model_dump(mode="python")
    node: Any = scenario
    for i, key in enumerate(parts):
        data = step_into(data, key, ".".join(parts[: i + 1]))  # raises, naming the path, where it names nothing
        if i == len(parts) - 1:
            break
        if isinstance(node, (list, tuple)):
            names = [getattr(item, "name", None) for item in node]
            node = node[names.index(key)] if key in names else node[int(key)]
        else:
            node = getattr(node, key)
    if not isinstance(node, BaseModel) or parts[-1] not in type(node).model_fields:
        raise ScenarioError(f"{path}: names no field of a table; allowed: a numeric field such as "
                            "company.sites.<name>.power_price_usd_per_mwh")
    return node, parts[-1]


def base_value(scenario, path: str) -> float | int:
    """The numeric value of the field at ``path``; a path that names no field, or a field that is not a number
    (a kind, a name, unset): ScenarioError naming it."""
    node, name = _field(scenario, path)
    value = getattr(node, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{path} = {value!r} is not a number; allowed: a numeric field of the scenario")
    return value


def field_bounds(scenario, path: str) -> tuple[float, bool, float, bool]:
    """``(low, low inclusive, high, high inclusive)`` that the schema allows the field at ``path`` (its ``ge``,
    ``gt``, ``le``, ``lt``; -inf/inf where it states none). [unit of the field]"""
    import annotated_types as at

    node, name = _field(scenario, path)
    low, low_in, high, high_in = -math.inf, True, math.inf, True
    for item in type(node).model_fields[name].metadata:
        if isinstance(item, at.Ge):
            low, low_in = float(item.ge), True
        elif isinstance(item, at.Gt):
            low, low_in = float(item.gt), False
        elif isinstance(item, at.Le):
            high, high_in = float(item.le), True
        elif isinstance(item, at.Lt):
            high, high_in = float(item.lt), False
    return low, low_in, high, high_in


def _clip(value: float, base: float, bounds: tuple[float, bool, float, bool]) -> tuple[float, bool]:
    """``value`` inside ``bounds``: an inclusive bound itself, an exclusive one approached halfway from ``base``."""
    low, low_in, high, high_in = bounds
    if value < low or (value == low and not low_in):
        return (low if low_in else (base + low) / 2.0), True
    if value > high or (value == high and not high_in):
        return (high if high_in else (base + high) / 2.0), True
    return value, False


def input_range(scenario, path: str, range_frac: float = DEFAULT_RANGE_FRAC,
                low_high: tuple[float, float] | None = None) -> InputRange:
    """The :class:`InputRange` of one input: ``low_high`` as given (inside the field's bounds, low < high), or the
    base value -/+ ``range_frac`` of itself, clipped to the field's bounds; integer fields are rounded. A range that
    moves nothing (a base of zero, or a bound at the base on both sides) is an InputError."""
    base = base_value(scenario, path)
    is_int = isinstance(base, int)
    bounds = field_bounds(scenario, path)
    if low_high is not None:
        low, high = map(float, low_high)
        if not low < high:
            raise InputError(path, f"{low:g}:{high:g}", "a range LOW:HIGH with LOW < HIGH")
        for value in (low, high):
            if _clip(value, float(base), bounds)[1]:
                raise InputError(path, f"{low:g}:{high:g}", f"values the field allows ({_bounds_text(bounds)})")
        note = ""
    else:
        check_range_frac(range_frac)
        low, clip_low = _clip(base * (1.0 - range_frac), float(base), bounds)
        high, clip_high = _clip(base * (1.0 + range_frac), float(base), bounds)
        if base < 0:
            low, high = high, low
        note = "clipped to the field's bounds" if clip_low or clip_high else ""
    if is_int:
        rounded = (round(low), round(high))
        note = note or ("rounded to whole numbers" if rounded != (low, high) else "")
        low, high = rounded
    if not low < high:
        why = "its base value is 0" if base == 0 else "its bounds leave no room"
        raise InputError(path, base, f"a value a relative range can move ({why}); give it a range: "
                                     f"--input {path}=LOW:HIGH")
    return InputRange(path, base, low, high, note)


def check_range_frac(range_frac: float) -> None:
    """Refuse a relative range outside (0, 10] (0 moves nothing; 10 = -1000 % / +1000 %). [fraction]"""
    if not 0.0 < range_frac <= 10.0:
        raise InputError("--range", range_frac, "a fraction in (0, 10] (20% or 0.2)")


def _bounds_text(bounds: tuple[float, bool, float, bool]) -> str:
    low, low_in, high, high_in = bounds
    return f"{'>=' if low_in else '>'} {low:g} and {'<=' if high_in else '<'} {high:g}"


def input_ranges(scenario, inputs: Mapping[str, tuple[float, float] | None] | None = None,
                 range_frac: float = DEFAULT_RANGE_FRAC) -> tuple[list[InputRange], list[tuple[str, str]]]:
    """The ranges of the named ``inputs`` (path -> (low, high) or None for the relative range), or of every input
    the scenario sets, each checked by validating the scenario with its low and with its high value. Returns
    ``(ranges, left_out)``: an automatic list leaves out, with the reason, an input it cannot move (``left_out``:
    (path, reason)); a named input that cannot be moved raises the error naming it."""
    from hashpivot.scenarios.variants import with_values

    check_range_frac(range_frac)
    named = inputs is not None and len(inputs) > 0
    paths = list(inputs) if named else scenario_inputs(scenario)
    ranges, left_out = [], []
    for path in paths:
        try:
            r = input_range(scenario, path, range_frac, inputs.get(path) if named else None)
            for value in (r.low, r.high):
                with_values(scenario, {path: value}, f"{path} = {value!r}")
        except (InputError, ScenarioError) as exc:
            if named:
                raise
            left_out.append((path, str(exc)))
            continue
        ranges.append(r)
    if not ranges:
        raise InputError("--input", ", ".join(paths) or "none", "at least one numeric input that can be moved")
    return ranges, left_out


def tornado_axes(ranges: Sequence[InputRange]) -> dict[str, list]:
    """The zip axes of a tornado: ``2k + 1`` values per input, its base value everywhere but at ``2i + 1`` (its
    low) and ``2i + 2`` (its high); variant 0 is the base.

    >>> tornado_axes([InputRange("a", 1, 0, 2), InputRange("b", 5, 4, 6)])
    {'a': [1, 0, 2, 1, 1], 'b': [5, 5, 5, 4, 6]}
    """
    axes = {}
    for i, r in enumerate(ranges):
        values = [r.base] * (2 * len(ranges) + 1)
        values[2 * i + 1], values[2 * i + 2] = r.low, r.high
        axes[r.path] = values
    return axes


TORNADO_COLUMNS = ["input", "base", "low", "high", "metric_low", "metric_high", "swing", "swing_se",
                   "low_delta", "low_se", "high_delta", "high_se", "within_noise", "no_effect", "note"]


@dataclass(frozen=True)
class Tornado:
    """A tornado of one metric: ``table`` (:data:`TORNADO_COLUMNS`, one row per input, largest |swing| first;
    ``low_delta``/``high_delta`` are the metric at the input's low/high minus the base, each with its standard
    error; ``no_effect`` when the metric is the base's on every path at both ends, an input this scenario's runs do
    not read, such as a GPU market under a plan without GPUs), the ``base_value`` of the metric, and the inputs
    ``left_out`` with their reasons."""

    metric: MetricSpec
    base_value: float
    table: pd.DataFrame
    left_out: list[tuple[str, str]]
    n_paths: int


def tornado_table(sweep_result, ranges: Sequence[InputRange], metric: MetricSpec,
                  left_out: Sequence[tuple[str, str]] = ()) -> Tornado:
    """The :class:`Tornado` of ``metric`` from a tornado sweep (:func:`tornado_axes`, zip mode)."""
    values = variant_values(sweep_result, metric)
    if values.shape[0] != 2 * len(ranges) + 1:
        raise ValueError(f"the sweep has {values.shape[0]} variants; a tornado of {len(ranges)} inputs has "
                         f"{2 * len(ranges) + 1}")
    base = values[0]
    rows = []
    for i, r in enumerate(ranges):
        low, high = values[2 * i + 1], values[2 * i + 2]
        swing, swing_se = paired_stat_difference(high, low, metric.stat)
        low_d, low_se = paired_stat_difference(low, base, metric.stat)
        high_d, high_se = paired_stat_difference(high, base, metric.stat)
        noise = within_noise(swing, swing_se)
        idle = np.array_equal(low, base, equal_nan=True) and np.array_equal(high, base, equal_nan=True)
        rows.append((r.path, r.base, r.low, r.high, stat_value(low, metric.stat), stat_value(high, metric.stat),
                     swing, swing_se, low_d, low_se, high_d, high_se, bool(noise), idle, r.note))
    table = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
    table = table.reindex(table["swing"].abs().sort_values(ascending=False, kind="stable").index)
    return Tornado(metric, stat_value(base, metric.stat), table.reset_index(drop=True), list(left_out),
                   sweep_result.n_paths)


def no_effect_line(t: Tornado) -> str | None:
    """One sentence naming the inputs of ``t`` with no effect (``no_effect``), which the terminal's table and the
    report's chart leave out to give the room to those that move the answer; None when there is none."""
    idle = t.table.loc[t.table["no_effect"], "input"].tolist()
    if not idle:
        return None
    return (f"no effect on {t.metric.text}, the same on every path at both ends of its range "
            f"({len(idle)} input{'s' if len(idle) > 1 else ''}): {', '.join(idle)}")


def tornado(scenario, ranges: Sequence[InputRange], metrics: Sequence[MetricSpec], run_sweep: SweepRunner,
            left_out: Sequence[tuple[str, str]] = ()) -> tuple[list[Tornado], Any]:
    """Run the tornado sweep of ``ranges`` (one zip sweep, ``2k + 1`` variants) and return a :class:`Tornado`
    per metric and the sweep."""
    result = run_sweep(scenario.model_copy(update={"sweep": None}), axes=tornado_axes(ranges), mode="zip")
    return [tornado_table(result, ranges, m, left_out) for m in metrics], result


# --- Sobol indices ----------------------------------------------------------------------------------

SOBOL_COLUMNS = ["input", "low", "high", "s1", "s1_conf", "st", "st_conf"]
#: How far past what an index can take (0..1, total >= first order) an estimate may lie before
#: :func:`sobol_noise_line` calls it noise: 5 % of the variance (small negative first orders of an input that does
#: not matter are usual at any N). [fraction of the variance]
SOBOL_NOISE_TOLERANCE = 0.05


@dataclass(frozen=True)
class Sobol:
    """First-order (``s1``) and total (``st``) Sobol indices of one metric over the inputs' ranges, each with the
    half-width of its 95 % bootstrap confidence interval (``*_conf``), largest total index first; ``n_base``:
    Sobol' base samples N, ``n_evaluations`` = N (D + 2) variants. [fraction of the variance]"""

    metric: MetricSpec
    table: pd.DataFrame
    n_base: int
    n_evaluations: int
    n_paths: int
    variance: float


def sobol_problem(ranges: Sequence[InputRange]) -> dict[str, Any]:
    """SALib's problem definition of ``ranges``."""
    return {"num_vars": len(ranges), "names": [r.path for r in ranges], "bounds": [[r.low, r.high] for r in ranges]}


def check_sobol_base(n_base: int, n_inputs: int) -> None:
    """Refuse a Sobol' base sample size that is not a power of two >= 4 (the sequence's balance properties hold
    only then; SALib warns otherwise), or one whose N (D + 2) variants exceed the sweep's limit."""
    from hashpivot.scenarios.sweep import MAX_VARIANTS

    if n_base < 4 or n_base & (n_base - 1) or n_base > MAX_SOBOL_BASE:
        raise InputError("--sobol", n_base, f"a power of two from 4 to {MAX_SOBOL_BASE} (Sobol' base samples N)")
    if n_base * (n_inputs + 2) > MAX_VARIANTS:
        raise InputError("--sobol", n_base, f"N x (inputs + 2) <= {MAX_VARIANTS} variants ({n_inputs} inputs: "
                                            f"N <= {MAX_VARIANTS // (n_inputs + 2)})")


def sobol_sample(ranges: Sequence[InputRange], n_base: int, seed: int) -> list[dict[str, float | int]]:
    """The Saltelli/Sobol' sample of ``ranges`` (``SALib.sample.sobol.sample``, scrambled, no second-order terms):
    ``n_base (D + 2)`` points, as a dict per point; integer inputs are rounded."""
    from SALib.sample import sobol as sobol_sampler

    check_sobol_base(n_base, len(ranges))
    points = sobol_sampler.sample(sobol_problem(ranges), n_base, calc_second_order=False, scramble=True, seed=seed)
    ints = [isinstance(r.base, int) for r in ranges]
    return [{r.path: (round(float(x)) if is_int else float(x)) for r, x, is_int in zip(ranges, row, ints, strict=True)}
            for row in points]


def sobol_indices(sweep_result, ranges: Sequence[InputRange], metric: MetricSpec, n_base: int,
                  seed: int) -> Sobol:
    """The :class:`Sobol` indices of ``metric`` from a sweep of :func:`sobol_sample`'s points (in order)."""
    from SALib.analyze import sobol as sobol_analyzer

    values = variant_values(sweep_result, metric)
    y = np.array([stat_value(v, metric.stat) for v in values])
    if not np.isfinite(y).all():
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise InputError("--metric", metric.text, f"a metric defined on every sample (sample {bad} has none)")
    if float(np.var(y)) == 0.0:
        indices = {"S1": np.zeros(len(ranges)), "S1_conf": np.zeros(len(ranges)), "ST": np.zeros(len(ranges)),
                   "ST_conf": np.zeros(len(ranges))}  # no variance to split: no input matters
    else:
        # SALib seeds its bootstrap only with a truthy seed (seed 0 drew a new interval on every call): seed + 1
        indices = sobol_analyzer.analyze(sobol_problem(ranges), y, calc_second_order=False, conf_level=0.95,
                                         seed=seed + 1, print_to_console=False)
    table = pd.DataFrame({"input": [r.path for r in ranges], "low": [r.low for r in ranges],
                          "high": [r.high for r in ranges], "s1": indices["S1"], "s1_conf": indices["S1_conf"],
                          "st": indices["ST"], "st_conf": indices["ST_conf"]}, columns=SOBOL_COLUMNS)
    table = table.sort_values("st", ascending=False, kind="stable").reset_index(drop=True)
    return Sobol(metric, table, n_base, len(y), sweep_result.n_paths, float(np.var(y)))


def sobol_noise_line(t: Sobol) -> str | None:
    """A line when an estimate lies where no index can, by more than :data:`SOBOL_NOISE_TOLERANCE` (below 0 or
    above 1, or a total index below its first-order one): the sampling noise of a small N, or of the paths' own
    noise, whatever the bootstrap interval (at N = 4 it is itself a guess); else None."""
    rows, tol = t.table, SOBOL_NOISE_TOLERANCE
    outside = ((rows[["s1", "st"]] < -tol) | (rows[["s1", "st"]] > 1 + tol)).any(axis=1) | (
        rows["st"] < rows["s1"] - tol)
    if not outside.any():
        return None
    names = ", ".join(rows.loc[outside, "input"])
    return (f"Not yet an answer: {names} {'has' if outside.sum() == 1 else 'have'} estimates no Sobol index can "
            "take (below 0, above 1, or a total below its first order): the sampling noise of "
            f"N = {t.n_base} or of {t.n_paths:,} paths; a larger --sobol or --paths narrows it.")


def sobol(scenario, ranges: Sequence[InputRange], metrics: Sequence[MetricSpec], n_base: int, run_sweep: SweepRunner,
          seed: int = 0) -> tuple[list[Sobol], Any]:
    """Run the Sobol' sample of ``ranges`` as one zip sweep and return the :class:`Sobol` indices per metric and
    the sweep."""
    points = sobol_sample(ranges, n_base, seed)
    axes = {r.path: [p[r.path] for p in points] for r in ranges}
    result = run_sweep(scenario.model_copy(update={"sweep": None}), axes=axes, mode="zip")
    return [sobol_indices(result, ranges, m, n_base, seed) for m in metrics], result
