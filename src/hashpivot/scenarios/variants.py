"""A scenario's variants: set a field by its dotted path (``Scenario.replace``-style), and expand a ``[sweep]``
table into validated scenarios, every one checked before anything runs.

A path steps through tables by key and through lists of named items by their ``name`` (``company.sites.main``) or
by index (``policy.capacity.conversions.0.mw``). Setting ``...kind`` replaces that table with the new kind's
defaults (its other keys belong to the old kind). An axis that names no field, or a value of the wrong type or out
of range, raises a ``ScenarioError`` naming the axis, the value and what is allowed.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from hashpivot.errors import ScenarioError
from hashpivot.scenarios.paths import apply_values, set_path, step_into
from hashpivot.scenarios.schema import Scenario
from hashpivot.scenarios.sweep import SweepSpec
from hashpivot.scenarios.toml import from_dict


@dataclass(frozen=True)
class ScenarioVariant:
    """One variant of a sweep: its index, the value of each axis (by dotted path) and its validated scenario."""

    index: int
    values: dict[str, Any]
    scenario: Scenario


def with_values(scenario: Scenario, values: dict[str, Any], source: str) -> Scenario:
    """A validated copy of ``scenario`` with each dotted path set to its value (no ``[sweep]`` table); see
    :func:`hashpivot.scenarios.paths.apply_values`."""
    return from_dict(apply_values(scenario.model_dump(mode="python"), values), source)


def replace(scenario: Scenario, path: str, value: Any) -> Scenario:
    """A validated copy of ``scenario`` with the field at dotted ``path`` set to ``value``
    (:meth:`Scenario.replace <hashpivot.scenarios.schema.Scenario.replace>`)."""
    return scenario.replace(path, value)


def machines_always_on(scenario: Scenario) -> Scenario | None:
    """``scenario`` with every site's machines running every day (``curtailable_frac`` 0): the assumption the
    engine made before economic shutdown became the default, shown beside it so that a user sees what switching
    off at a loss is worth. None when no site of ``scenario`` switches off."""
    sites = scenario.company.sites
    if not any(site.curtailable_frac > 0 for site in sites):
        return None
    return with_values(scenario, {f"company.sites.{site.name}.curtailable_frac": 0.0 for site in sites},
                       "machines always on")


def hedges_only(scenario: Scenario, keep: int | None = None) -> Scenario:
    """``scenario`` without its ``[[hedges]]`` (``keep`` None), or with hedge ``keep`` alone: the twins that show,
    on the same random numbers, what the hedges (or one of them) cost and buy."""
    kept = [] if keep is None else [scenario.hedges[keep].model_dump(mode="python", exclude_none=True)]
    return with_values(scenario, {"hedges": kept}, "unhedged" if keep is None else f"hedge {keep} alone")


def _field_type_is_int(scenario: Scenario, path: str) -> bool:
    node: Any = scenario.model_dump(mode="python")
    for i, key in enumerate(path.split(".")):
        node = step_into(node, key, ".".join(path.split(".")[: i + 1]))
    return isinstance(node, int) and not isinstance(node, bool)


def _samples(spec: SweepSpec, scenario: Scenario) -> list[dict[str, Any]]:
    """``spec.n_samples`` points over ``spec.ranges`` from scipy's scrambled Sobol or Latin hypercube sampler."""
    if not spec.ranges:
        return [{}]
    from scipy.stats import qmc

    paths = list(spec.ranges)
    sampler = (qmc.Sobol(len(paths), scramble=True, seed=spec.seed) if spec.method == "sobol"
               else qmc.LatinHypercube(len(paths), seed=spec.seed))
    unit = sampler.random(spec.n_samples)
    lows = [spec.ranges[p][0] for p in paths]
    highs = [spec.ranges[p][1] for p in paths]
    points = qmc.scale(unit, lows, highs)
    ints = [_field_type_is_int(scenario, p) for p in paths]
    return [{p: (round(float(x)) if is_int else float(x)) for p, x, is_int in zip(paths, row, ints, strict=True)}
            for row in points]


def expand(scenario: Scenario, spec: SweepSpec | None = None) -> list[ScenarioVariant]:
    """Every variant of ``spec`` (default: the scenario's ``[sweep]`` table), validated; the first error names its
    axis and value. Axis order and value order give the variant order (the last axis varies fastest)."""
    spec = spec or scenario.sweep
    if spec is None:
        raise ScenarioError(f"{scenario.name}: no [sweep] table and no axis given; allowed: a [sweep] table or --set")
    if spec.n_variants > 10_000:
        raise ScenarioError(f"sweep: {spec.n_variants} variants; allowed: at most 10000")
    for path in (*spec.axes, *spec.ranges):
        # path i of every variant is the same draw (common random numbers): the variants share their count and
        # their seed, or their differences would not be paired
        if path in ("run.n_paths", "run.seed"):
            option = "--paths N" if path == "run.n_paths" else "--seed S"
            raise ScenarioError(f"sweep axis {path}: the variants of a sweep run on the same paths, so they share "
                                f"one {path.split('.')[1]}; allowed: an axis over another field, with {option} (or "
                                f"{path} in the scenario) for all of them")
    paths = list(spec.axes)
    if spec.mode == "zip":
        combos = [dict(zip(paths, row, strict=True)) for row in zip(*spec.axes.values(), strict=True)]
    else:
        combos = [dict(zip(paths, row, strict=True)) for row in itertools.product(*spec.axes.values())]
    for path in paths:  # an axis that names no field fails once, before any value is tried
        if path.rsplit(".", 1)[0] + ".kind" in paths and not path.endswith(".kind"):
            continue  # a field of a kind swept beside it: each variant's validation names it if its kind lacks it
        set_path(copy.deepcopy(scenario.model_dump(mode="python")), path, spec.axes[path][0])
    samples = _samples(spec, scenario)
    out = []
    for combo in combos:
        for sample in samples:
            values = {**combo, **sample}
            label = ", ".join(f"{p} = {v!r}" for p, v in values.items())
            try:
                sc = with_values(scenario, values, f"sweep variant {len(out)} ({label})")
            except ScenarioError as exc:
                raise ScenarioError(f"sweep axis {label}: {exc}") from None
            out.append(ScenarioVariant(len(out), values, sc))
    if not 0 <= spec.baseline_index < len(out):
        raise ScenarioError(f"sweep.baseline_index = {spec.baseline_index}; allowed: 0..{len(out) - 1}")
    return out


def coordinate_names(paths: list[str], reserved: Collection[str] = ()) -> dict[str, str]:
    """A short, unique coordinate name per axis path: its last key (``power_price_usd_per_mwh``), with its
    table's key before ``kind`` (``treasury_kind``), or more of the path when two would clash or a name is
    ``reserved`` (a result variable such as ``btc_held``: a coordinate may not share its name); a name never starts
    at a list index (``sites_0_...``, not ``0_...``, which is no Python name).

    >>> coordinate_names(["company.sites.main.power_price_usd_per_mwh", "policy.treasury.kind"])
    {'company.sites.main.power_price_usd_per_mwh': 'power_price_usd_per_mwh', 'policy.treasury.kind': 'treasury_kind'}
    >>> coordinate_names(["company.btc_held"], reserved={"btc_held"})
    {'company.btc_held': 'company_btc_held'}
    >>> list(coordinate_names(["company.btc_held", "company.sites.0.power_price_usd_per_mwh"],
    ...                       reserved={"btc_held"}).values())
    ['company_btc_held', 'sites_0_power_price_usd_per_mwh']
    """
    out: dict[str, str] = {}
    for depth in range(1, 6):
        names = {}
        for p in paths:
            parts = p.split(".")
            take = max(depth, 2) if parts[-1] == "kind" else depth
            while take < len(parts) and parts[-take].isdigit():
                take += 1
            names[p] = "_".join(parts[-take:])
        if len(set(names.values())) == len(names) and not set(names.values()) & set(reserved):
            return names
        out = names
    return {p: p.replace(".", "_") for p in paths} if len(set(out.values())) < len(out) else out
