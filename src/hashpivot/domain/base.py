"""Base class of every configuration model: frozen, strict about unknown keys and about booleans."""

from __future__ import annotations

import typing
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


@cache
def _takes_bool(annotation: Any) -> bool:
    """Whether a field's type admits a boolean (``bool``, or a union or annotation holding it). [flag]"""
    if annotation is bool:
        return True
    args = typing.get_args(annotation)
    return any(_takes_bool(a) for a in args) if args else annotation is Any


class Model(BaseModel):
    """Frozen model that rejects unknown keys (a misspelt key is an error, never ignored), non-finite floats and a
    boolean given for a number or a name."""

    # allow_inf_nan=False: no quantity of the world is infinite or undefined; inf and nan in a TOML file
    # (valid TOML floats) are refused with the field named instead of running into inf/NaN results.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, data: Any) -> Any:
        # pydantic reads true as 1 for a number (horizon_days = true ran a one-day horizon): refuse it, naming it
        if isinstance(data, dict):
            for name, value in data.items():
                field = cls.model_fields.get(name) if isinstance(name, str) else None
                if isinstance(value, bool) and field is not None and not _takes_bool(field.annotation):
                    raise ValueError(f"{name}={str(value).lower()} is a boolean; allowed: a value of its type "
                                     "(a number, a name or a date), not true or false")
        return data
