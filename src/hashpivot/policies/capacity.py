"""Capacity policies: where the megawatts go. ``all_mining`` keeps every MW on ASICs;
``convert_on_day`` moves MW from mining to an AI/HPC project on a given simulation day.

Converted MW come out of the least efficient fleets first (highest J/TH), as an operator would
retire its worst machines. A converted MW stops mining on the conversion day, pays the project's
capex that day and earns from that day on (RM1's convention; build times arrive with the capacity issue).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hashpivot.domain.base import Model


class ColocationLease(Model):
    """Lease of critical IT load to an AI tenant (Core Scientific hosting CoreWeave)."""

    kind: Literal["colocation_lease"] = "colocation_lease"
    rate_usd_per_kw_month: float = Field(gt=0, le=1000, description="Rent per kW of critical IT load. [USD/kW-month]")
    opex_frac_of_revenue: float = Field(default=0.1, ge=0, le=1, description="Operating cost share. [fraction]")
    capex_usd_per_mw: float = Field(default=2e6, ge=0, le=50e6, description="Fit-out capex per MW. [USD/MW]")


AiProject = Annotated[ColocationLease, Field(discriminator="kind")]


class AllMining(Model):
    """Every megawatt keeps mining."""

    kind: Literal["all_mining"] = "all_mining"
    name: str | None = Field(default=None, description="Label in tables and charts. [text]")


class ConvertOnDay(Model):
    """Move ``mw`` megawatts of mining to ``project`` on simulation day ``day``."""

    kind: Literal["convert_on_day"] = "convert_on_day"
    name: str | None = Field(default=None, description="Label in tables and charts. [text]")
    day: int = Field(ge=1, description="Simulation day of the conversion. [day]")
    mw: float = Field(gt=0, description="Mining megawatts converted. [MW]")
    project: AiProject


CapacityPolicy = Annotated[AllMining | ConvertOnDay, Field(discriminator="kind")]
