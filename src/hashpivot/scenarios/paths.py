"""Set a field of a scenario's plain data (``model_dump``) by its dotted path, in place; no validation here.

A path steps through tables by key and through lists of named items by their ``name`` (``company.sites.main``) or
by index (``policy.capacity.conversions.0.mw``). Setting ``...kind`` replaces that table with the new kind's
defaults (its other keys belong to the old kind). A path that names no field raises a ``ScenarioError`` naming it
and what is allowed. Used by :meth:`hashpivot.scenarios.schema.Scenario.replace` and
:mod:`hashpivot.scenarios.variants` (sweeps); imports no scenario model, so both may use it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hashpivot.domain.heights import estimated_height
from hashpivot.errors import ScenarioError, did_you_mean


def step_into(node: Any, key: str, walked: str) -> Any:
    if isinstance(node, dict):
        if key not in node:
            keys = sorted(node)
            raise ScenarioError(f"{walked}: names no field; {did_you_mean(key, keys)}allowed: "
                                f"{', '.join(keys) or 'none'}")
        return node[key]
    if isinstance(node, list):
        names = [item.get("name") for item in node if isinstance(item, dict)]
        if key in names:
            return node[names.index(key)]
        if key.isdigit() and int(key) < len(node):
            return node[int(key)]
        named = [str(n) for n in names if n]
        allowed = ", ".join(named) or f"0..{len(node) - 1}"
        raise ScenarioError(f"{walked}: names no item; {did_you_mean(key, named)}allowed: {allowed} (or an index below "
                            f"{len(node)})")
    raise ScenarioError(f"{walked}: {type(node).__name__} value has no fields; allowed: a path to a table's field")


def set_path(data: dict[str, Any], path: str, value: Any, fresh: set[int] | None = None) -> None:
    """Set the field at dotted ``path`` of a scenario's plain data (``model_dump``) to ``value``, in place. Setting
    a ``kind`` empties its table (the new kind's defaults apply) and, with ``fresh`` (a set of table ids), marks the
    table so that fields of the new kind can be set in it next (the scenario's validation then refuses any that
    the kind does not have)."""
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise ScenarioError(f"{path!r}: names no field; allowed: a dotted path such as run.n_paths")
    node = data
    for i, key in enumerate(parts[:-1]):
        node = step_into(node, key, ".".join(parts[: i + 1]))
    last = parts[-1]
    if not isinstance(node, dict) or (last not in node and (fresh is None or id(node) not in fresh)):
        step_into(node, last, path)  # raises with what is allowed
    if last == "kind":
        node.clear()
        if fresh is not None:
            fresh.add(id(node))
    node[last] = value


def _label(table: dict[str, Any]) -> str:
    return table.get("name") or table.get("kind", "")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None  # the scenario's validation names the field and what is allowed


def _height_moved_with_date(run: dict[str, Any], new_start: Any) -> int | None:
    """``run.start_height`` moved by as many blocks as :func:`~hashpivot.domain.heights.estimated_height` counts
    from the old ``run.start_date`` to ``new_start`` (144 a day after 2024-04-20): the old height's offset from the
    estimate is kept, so a variant of a preset read off the chain stays as close to the chain. None when either
    date is not a date (validation then names it)."""
    old, new = _as_date(run.get("start_date")), _as_date(new_start)
    if old is None or new is None or not isinstance(run.get("start_height"), int):
        return None
    one_day = dt.timedelta(days=1)  # the height is the start of day 1's
    moved = run["start_height"] + estimated_height(new + one_day) - estimated_height(old + one_day)
    return max(0, moved)


def apply_values(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a scenario's plain data, changed in place and returned) with each dotted path set to its value and
    no ``[sweep]`` table. When a value changes the main treasury policy or capacity plan, a compared one with the
    same label is dropped (it would be the same policy twice). A ``run.start_date`` set without
    ``run.start_height`` moves the height with it (:func:`_height_moved_with_date`): the height decides when the
    next halving falls, and a date alone would otherwise be refused for a height of another day."""
    data["sweep"] = None
    if "run.start_date" in values and "run.start_height" not in values and isinstance(data.get("run"), dict):
        height = _height_moved_with_date(data["run"], values["run.start_date"])
        if height is not None:
            values = {**values, "run.start_height": height}
    fresh: set[int] = set()
    # kinds first: a field of a new kind (policy.treasury.threshold_ratio beside policy.treasury.kind) goes into
    # the table the kind has just emptied
    for path in sorted(values, key=lambda p: not p.endswith(".kind")):
        set_path(data, path, values[path], fresh)
    main_policy, main_plan = _label(data["policy"]["treasury"]), _label(data["policy"]["capacity"])
    data["compare"] = [p for p in data["compare"] if _label(p) != main_policy]
    data["compare_capacity"] = [p for p in data["compare_capacity"] if _label(p) != main_plan]
    return data
