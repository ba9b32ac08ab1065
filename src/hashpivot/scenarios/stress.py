"""Named stress cases applied to a scenario: each returns a new, validated scenario; one that would change nothing
in it (an AI stress on a scenario without AI projects) is refused, naming those that act on it.

- ``tenant_default``: every AI project's tenant defaults with at least 30 % a year.
- ``build_delay``: every AI project's build takes 12 months longer (revenue later, capex unchanged).
- ``gpu_rent_crash``: GPU rents fall 60 % on day 1 (then follow the scenario's GPU rent process).
- ``hashrate_surge``: the network (and the difficulty) start 50 % higher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

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


def _any_project(data: Data) -> bool:
    return any(True for _ in _projects(data))


def _any_gpu_cloud(data: Data) -> bool:
    return any(project.get("kind") == "gpu_cloud" for project in _projects(data))


_AI_PROJECT = "an AI project in a capacity plan (policy.capacity or [[compare_capacity]])"


class Stress(NamedTuple):
    """A stress case: what it does (in words), the edit it makes to a scenario's data, and, where not every
    scenario has what it acts on, the test that one has it and that thing in words."""

    description: str
    apply: Callable[[Data], None]
    acts_on: Callable[[Data], bool] | None = None
    needs: str = ""


STRESSES: dict[str, Stress] = {
    "tenant_default": Stress("AI tenants default with >= 30 %/year", _tenant_default, _any_project, _AI_PROJECT),
    "build_delay": Stress("AI builds 12 months late", _build_delay, _any_project, _AI_PROJECT),
    "gpu_rent_crash": Stress("GPU rents -60 % on day 1", _gpu_rent_crash, _any_gpu_cloud,
                             "a gpu_cloud project in a capacity plan (GPUs that pay rent)"),
    "hashrate_surge": Stress("network hashrate +50 %", _hashrate_surge),
}


def apply_stress(scenario, name: str):
    """The scenario under the stress ``name`` (see ``STRESSES``); its name gets a ``+name`` suffix."""
    from hashpivot.scenarios.toml import from_dict

    if name not in STRESSES:
        raise ScenarioError(f"stress={name!r} is unknown; {did_you_mean(name, STRESSES)}allowed: "
                            f"{', '.join(STRESSES)}")
    data = scenario.model_dump(mode="python", exclude_none=True)
    stress = STRESSES[name]
    if stress.acts_on is not None and not stress.acts_on(data):  # changing nothing, it would read as a robust answer
        acting = [n for n, s in STRESSES.items() if s.acts_on is None or s.acts_on(data)]
        raise ScenarioError(f"stress={name!r} changes nothing in {scenario.name}: it acts on {stress.needs}, and the "
                            f"scenario has none; allowed: {', '.join(acting)}")
    stress.apply(data)
    data["name"] = f"{scenario.name}+{name}"
    return from_dict(data, f"stress {name} on {scenario.name}")
