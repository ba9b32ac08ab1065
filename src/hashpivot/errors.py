"""Errors raised by hashpivot. Each message names the field, the value and what is allowed."""


class HashpivotError(Exception):
    """Base class of every error hashpivot raises on purpose."""


class InputError(HashpivotError, ValueError):
    """A function argument outside its allowed range."""

    def __init__(self, name: str, value: object, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name}={_short(value)} is invalid: allowed {allowed}")


class ScenarioError(HashpivotError, ValueError):
    """A scenario (TOML or model) that does not validate."""


class DataError(HashpivotError, ValueError):
    """A data table that is missing, malformed or inconsistent."""


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
