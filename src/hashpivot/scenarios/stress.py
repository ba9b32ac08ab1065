"""Named stress cases applied to any scenario: each returns a new, validated scenario.

- ``tenant_default``: every AI project's tenant defaults with at least 30 % a year.
- ``build_delay``: every AI project's build takes 12 months longer (revenue later, capex unchanged).
- ``gpu_rent_crash``: GPU rents fall 60 % on day 1 (then follow the scenario's GPU rent process).
- ``hashrate_surge``: the network (and the difficulty) start 50 % higher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hashpivot.errors import ScenarioError, did_you_mean

Data = dict[str, Any]


def _projects(data: Data):
    plans = [data["policy"]["capacity"], *data.get("compare_capacity", [])]
    for plan in plans:
        steps = plan.get("conversions", []) if plan["kind"] == "hybrid" else [plan] if "project" in plan else []
        for step in steps:
            yield step["project"]


def _tenant_default(data: Data) -> None:
    for project in _projects(data):
        project["tenant_default_prob_per_year"] = max(project.get("tenant_default_prob_per_year", 0.0), 0.3)


def _build_delay(data: Data) -> None:
    for project in _projects(data):
        project["delay_days"] = project.get("delay_days", 0) + 365


def _gpu_rent_crash(data: Data) -> None:
    rent = data["market"].setdefault("gpu_rent", {"kind": "flat"})
    rent.update(shock_day=1, shock_frac=0.6)


def _hashrate_surge(data: Data) -> None:
    market = data["market"]
    market["network_hashrate"]["start_ehs"] *= 1.5
    difficulty = market.setdefault("difficulty", {})
    if difficulty.get("start_ehs") is not None:
        difficulty["start_ehs"] *= 1.5


STRESSES: dict[str, tuple[str, Callable[[Data], None]]] = {
    "tenant_default": ("AI tenants default with >= 30 %/year", _tenant_default),
    "build_delay": ("AI builds 12 months late", _build_delay),
    "gpu_rent_crash": ("GPU rents -60 % on day 1", _gpu_rent_crash),
    "hashrate_surge": ("network hashrate +50 %", _hashrate_surge),
}


def apply_stress(scenario, name: str):
    """The scenario under the stress ``name`` (see ``STRESSES``); its name gets a ``+name`` suffix."""
    from hashpivot.scenarios.toml import from_dict

    if name not in STRESSES:
        raise ScenarioError(f"stress={name!r} is unknown; {did_you_mean(name, STRESSES)}allowed: "
                            f"{', '.join(STRESSES)}")
    data = scenario.model_dump(mode="python", exclude_none=True)
    STRESSES[name][1](data)
    data["name"] = f"{scenario.name}+{name}"
    return from_dict(data, f"stress {name} on {scenario.name}")
