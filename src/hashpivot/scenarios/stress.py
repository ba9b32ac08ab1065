"""Named stress cases applied to a scenario: each returns a new, validated scenario; one that would change nothing
in it (an AI stress on a scenario without AI projects) is refused, naming those that act on it.

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


def _any_project(data: Data) -> bool:
    return any(True for _ in _projects(data))


def _any_gpu_cloud(data: Data) -> bool:
    return any(project.get("kind") == "gpu_cloud" for project in _projects(data))


#: What a stress acts on, where not every scenario has it: (has it, what it needs, in words).
NEEDS: dict[str, tuple[Callable[[Data], bool], str]] = {
    "tenant_default": (_any_project, "an AI project in a capacity plan (policy.capacity or [[compare_capacity]])"),
    "build_delay": (_any_project, "an AI project in a capacity plan (policy.capacity or [[compare_capacity]])"),
    "gpu_rent_crash": (_any_gpu_cloud, "a gpu_cloud project in a capacity plan (GPUs that pay rent)"),
}


def apply_stress(scenario, name: str):
    """The scenario under the stress ``name`` (see ``STRESSES``); its name gets a ``+name`` suffix."""
    from hashpivot.scenarios.toml import from_dict

    if name not in STRESSES:
        raise ScenarioError(f"stress={name!r} is unknown; {did_you_mean(name, STRESSES)}allowed: "
                            f"{', '.join(STRESSES)}")
    data = scenario.model_dump(mode="python", exclude_none=True)
    needs = NEEDS.get(name)
    if needs is not None and not needs[0](data):  # a stress that changes nothing would read as a robust answer
        acting = [n for n in STRESSES if n not in NEEDS or NEEDS[n][0](data)]
        raise ScenarioError(f"stress={name!r} changes nothing in {scenario.name}: it acts on {needs[1]}, and the "
                            f"scenario has none; allowed: {', '.join(acting)}")
    STRESSES[name][1](data)
    data["name"] = f"{scenario.name}+{name}"
    return from_dict(data, f"stress {name} on {scenario.name}")
