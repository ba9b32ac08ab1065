"""Base class of every configuration model: frozen, strict about unknown keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Frozen model that rejects unknown keys (a misspelt key is an error, never ignored) and non-finite floats."""

    # allow_inf_nan=False: no quantity of the world is infinite or undefined; inf and nan in a TOML file
    # (valid TOML floats) are refused with the field named instead of running into inf/NaN results.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)
