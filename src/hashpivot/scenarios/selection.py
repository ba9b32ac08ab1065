"""Which capacity plans and treasury policies of a scenario to run, by label (or a treasury kind with its defaults).

Used by ``hashpivot.api`` and by the workers of ``hashpivot.parallel`` (a task names its plans and policies by
label).
"""

from __future__ import annotations

from collections.abc import Sequence

from hashpivot.errors import ScenarioError, did_you_mean
from hashpivot.scenarios.schema import Scenario


def select_capacity(scenario: Scenario, selectors: Sequence[str] | None) -> list:
    """Capacity plans named by ``selectors`` (labels of the scenario's plans); None: all of them."""
    from hashpivot.policies.capacity import capacity_label

    available = {capacity_label(p): p for p in scenario.capacity_policies()}
    if not selectors:
        return list(available.values())
    unknown = [s for s in selectors if s not in available]
    if unknown:
        raise ScenarioError(f"capacity={unknown[0]!r} is unknown; {did_you_mean(unknown[0], available)}allowed: "
                            f"{', '.join(available)}")
    return [available[s] for s in dict.fromkeys(selectors)]


def select_policies(scenario: Scenario, selectors: Sequence[str] | None) -> list:
    """Treasury policies named by ``selectors``: a label of the scenario's policies (main or
    ``[[compare]]``), or a policy kind with its default parameters. None: all of the scenario's."""
    from hashpivot.policies.treasury import TREASURY_KINDS

    available = {p.label: p for p in scenario.treasury_policies()}
    if not selectors:
        return list(available.values())
    chosen = []
    for sel in selectors:
        if sel in available:
            chosen.append(available[sel])
        elif sel in TREASURY_KINDS:
            chosen.append(TREASURY_KINDS[sel]())
        else:
            raise ScenarioError(
                f"policy={sel!r} is unknown; {did_you_mean(sel, [*available, *TREASURY_KINDS])}allowed: a policy "
                "of the scenario "
                f"({', '.join(available)}) or a kind ({', '.join(TREASURY_KINDS)})"
            )
    labels = [p.label for p in chosen]
    if len(set(labels)) != len(labels):
        raise ScenarioError(f"policy: each policy may be named once, got {labels}")
    return chosen
