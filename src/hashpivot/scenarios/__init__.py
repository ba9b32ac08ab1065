"""Scenarios: TOML validated into frozen pydantic models (schema.py), loading and presets (load.py)."""

from hashpivot.scenarios.schema import Scenario

__all__ = ["Scenario"]
