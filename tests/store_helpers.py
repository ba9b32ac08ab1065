"""Tiny scenarios and their results, shared by the run-store, export and runs-CLI tests.

Results are cached per process (simulating is the slow part); tests must not mutate them.
"""

from __future__ import annotations

import functools
import pickle
from pathlib import Path

from hashpivot import api
from hashpivot.scenarios.schema import Scenario
from hashpivot.scenarios.toml import from_dict, load_preset, to_toml

N_PATHS = 24
HORIZON_DAYS = 75
POLICIES = ("sell_all", "hold_all", "sell_fraction")


def tiny_scenario(seed: int = 11, drift: float | None = None, vol: float | None = None) -> Scenario:
    """The default preset cut to 75 days, 24 paths and three treasury policies, with optional changes."""
    data = load_preset("default").model_dump(mode="python")
    data["run"].update(horizon_days=HORIZON_DAYS, n_paths=N_PATHS, store_paths=N_PATHS, chunk_paths=N_PATHS,
                       seed=seed)
    data["compare"] = [p for p in data["compare"] if (p.get("name") or p["kind"]) in POLICIES]
    if drift is not None:
        data["market"]["btc_price"]["drift_per_day"] = drift
    if vol is not None:
        data["market"]["btc_price"]["vol_per_sqrt_day"] = vol
    return from_dict(data, "tiny test scenario")


@functools.cache
def tiny_result(seed: int = 11, drift: float | None = None, vol: float | None = None):
    """``api.run`` of :func:`tiny_scenario` (cached)."""
    return api.run(tiny_scenario(seed, drift, vol))


def save(store, result, name: str | None = None) -> int:
    """Record ``result`` in the run store ``store`` with its monthly fan table, as the CLI's ``record_run``
    does; returns the run id."""
    from hashpivot.analysis.fan import fan_frame

    return store.save_run(result, fan_frame(result.dataset), name=name)


def write_tiny_toml(path: Path, **changes) -> Path:
    path.write_text(to_toml(tiny_scenario(**changes)), encoding="utf-8")
    return path


def pickle_result(result, path: Path) -> Path:
    """Pickle a result for a child process (which then saves it without simulating)."""
    path.write_bytes(pickle.dumps(result))
    return path
