"""Base class of every configuration model: frozen, strict about unknown keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Frozen model that rejects unknown keys (a misspelt key is an error, never ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)
