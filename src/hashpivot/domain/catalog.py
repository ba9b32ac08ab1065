"""Hardware catalog: Bitcoin ASIC miners and data-centre GPUs, read from sourced fact tables.

The rows live in ``domain/facts/asic_models.csv`` and ``domain/facts/gpu_models.csv`` (package data), and the
announced miner/AI leases behind the presets' lease rates in ``domain/facts/ai_leases.csv``; the
columns, units, sources policy and what could not be sourced are in ``domain/facts/README.md``. Every row
carries its source URLs, a confidence grade and notes. The loaders validate each row on read and raise
``DataError`` naming the file, the line and the row; the lookups raise ``InputError`` naming the model
asked for and the names allowed.

>>> s19xp = asic_model("Antminer S19 XP 140T")
>>> round(s19xp.power_w / s19xp.hashrate_ths, 2)  # 3010 W / 140 TH/s
21.5
>>> gpu_model("H100 SXM").server_power_kw_per_gpu  # DGX H100: 10.2 kW / 8 GPUs
1.275
"""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib import resources
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator, model_validator

from hashpivot.domain.base import Model
from hashpivot.errors import DataError, InputError

FACTS_PACKAGE = "hashpivot.domain.facts"
ASIC_FILE = "asic_models.csv"
GPU_FILE = "gpu_models.csv"
LEASE_FILE = "ai_leases.csv"
PEER_FILE = "peer_multiples.csv"
#: Largest relative gap allowed between a stored efficiency and power / hashrate, and between the computed
#: efficiency and the one a source quotes (a larger quoted gap must be explained in the notes).
EFFICIENCY_REL_TOL = 0.02
#: The phrase a row's notes must contain when the quoted efficiency differs from power / hashrate.
MISMATCH_NOTE = "efficiency mismatch"

Confidence = Literal["high", "medium", "low"]
Cooling = Literal["air", "hydro", "immersion"]
_RELEASE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def _check_urls(urls: tuple[str, ...]) -> tuple[str, ...]:
    if not urls:
        raise ValueError("every row needs at least one source URL")
    bad = [u for u in urls if not re.match(r"^https?://\S+$", u)]
    if bad:
        raise ValueError(f"source URLs must start with http:// or https://, got {bad}")
    return urls


class AsicModel(Model):
    """One ASIC miner as sold (one hashrate bin and cooling variant), with its sources."""

    name: str = Field(min_length=1, description="Unique row name: model and hashrate bin. [text]")
    family: str = Field(min_length=1, description="Model family as named in issue 4, e.g. Antminer S21. [text]")
    manufacturer: str = Field(min_length=1, description="Maker, e.g. Bitmain or MicroBT. [text]")
    hashrate_ths: float = Field(gt=0, le=10_000, description="Nominal hashrate of one unit. [TH/s]")
    power_w: float = Field(gt=0, le=50_000, description="Power at the wall of one unit. [W]")
    efficiency_j_per_th: float = Field(gt=0, le=500, description="power_w / hashrate_ths, rounded. [J/TH]")
    quoted_efficiency_j_per_th: float | None = Field(
        default=None, gt=0, le=500, description="Efficiency as a source quotes it, if any. [J/TH]")
    is_power_derived: bool = Field(
        description="True when power_w = hashrate_ths x quoted efficiency (no source quotes the watts). [bool]")
    cooling: Cooling = Field(description="How the unit is cooled: air, hydro or immersion. [text]")
    release_date: str = Field(pattern=_RELEASE_PATTERN,
                              description="Announcement or release, YYYY[-MM[-DD]]; details in notes. [date]")
    confidence: Confidence = Field(
        description="high = manufacturer, medium = reputable secondary, low = weak page(s). [text]")
    source_urls: tuple[str, ...] = Field(description="Where every value of the row comes from. [URL]")
    notes: str = Field(default="", description="What each source says, derivations and conflicts. [text]")

    _urls = field_validator("source_urls")(_check_urls)

    @model_validator(mode="after")
    def _consistent(self) -> AsicModel:
        computed = self.power_w / self.hashrate_ths
        if abs(self.efficiency_j_per_th - computed) > EFFICIENCY_REL_TOL * computed:
            raise ValueError(f"efficiency_j_per_th={self.efficiency_j_per_th} is not power_w / hashrate_ths = "
                             f"{computed:.4g} within {EFFICIENCY_REL_TOL:.0%}")
        quoted = self.quoted_efficiency_j_per_th
        if quoted is not None and abs(quoted - computed) > EFFICIENCY_REL_TOL * computed \
                and MISMATCH_NOTE not in self.notes.lower():
            raise ValueError(f"quoted_efficiency_j_per_th={quoted} differs from power_w / hashrate_ths = "
                             f"{computed:.4g} by more than {EFFICIENCY_REL_TOL:.0%} and the notes do not say "
                             f"{MISMATCH_NOTE!r}")
        if self.is_power_derived and quoted is None:
            raise ValueError("is_power_derived=True needs the quoted_efficiency_j_per_th it was derived from")
        return self


class GpuModel(Model):
    """One data-centre GPU (or, for GB200, one NVL72 rack) with its server power and a typical price."""

    name: str = Field(min_length=1, description="Unique row name. [text]")
    family: str = Field(min_length=1, description="Model family as named in issue 4, e.g. H100 SXM. [text]")
    architecture: str = Field(min_length=1, description="NVIDIA architecture. [text]")
    form_factor: str = Field(min_length=1, description="Module or system form factor. [text]")
    memory_gb: float = Field(gt=0, le=10_000, description="GPU memory per GPU. [GB]")
    memory_type: str = Field(min_length=1, description="Memory technology, e.g. HBM3e. [text]")
    tdp_w: float = Field(gt=0, le=5_000, description="Maximum board power of one GPU. [W]")
    server_name: str | None = Field(default=None, description="The server or rack the power figure is for. [text]")
    n_gpus_per_server: int | None = Field(default=None, gt=0, le=1_000, description="GPUs in that server. [count]")
    server_power_kw: float | None = Field(default=None, gt=0, le=2_000,
                                          description="Maximum power of that whole server or rack. [kW]")
    unit: Literal["gpu", "rack"] = Field(description="What price_usd buys: one GPU or one rack. [text]")
    n_gpus_per_unit: int = Field(gt=0, le=1_000, description="GPUs in one priced unit. [count]")
    price_usd: float = Field(gt=0, le=1e8, description="Typical price of one unit (estimate, see basis). [USD]")
    price_low_usd: float | None = Field(default=None, gt=0, le=1e8, description="Low end of quoted prices. [USD]")
    price_high_usd: float | None = Field(default=None, gt=0, le=1e8, description="High end of quoted prices. [USD]")
    price_basis: str = Field(min_length=1, description="Where the price comes from and what kind it is. [text]")
    release_date: str = Field(pattern=_RELEASE_PATTERN,
                              description="Announcement or release, YYYY[-MM[-DD]]; details in notes. [date]")
    confidence: Confidence = Field(
        description="Of the power and memory specs: high = manufacturer, medium = secondary, low = weak. [text]")
    source_urls: tuple[str, ...] = Field(description="Where every value of the row comes from. [URL]")
    notes: str = Field(default="", description="What each source says, derivations and conflicts. [text]")

    _urls = field_validator("source_urls")(_check_urls)

    @model_validator(mode="after")
    def _consistent(self) -> GpuModel:
        server = (self.server_name, self.n_gpus_per_server, self.server_power_kw)
        if any(v is None for v in server) and any(v is not None for v in server):
            raise ValueError("server_name, n_gpus_per_server and server_power_kw come together or not at all")
        if self.server_power_kw is not None and self.n_gpus_per_server is not None \
                and self.n_gpus_per_server * self.tdp_w > 1000 * self.server_power_kw:
            raise ValueError(f"{self.n_gpus_per_server} GPUs x {self.tdp_w} W exceed server_power_kw="
                             f"{self.server_power_kw}")
        if self.unit == "gpu" and self.n_gpus_per_unit != 1:
            raise ValueError(f"unit='gpu' needs n_gpus_per_unit=1, got {self.n_gpus_per_unit}")
        low = self.price_low_usd if self.price_low_usd is not None else self.price_usd
        high = self.price_high_usd if self.price_high_usd is not None else self.price_usd
        if not low <= self.price_usd <= high:
            raise ValueError(f"price_usd={self.price_usd} is outside [price_low_usd={self.price_low_usd}, "
                             f"price_high_usd={self.price_high_usd}]")
        return self

    @property
    def price_usd_per_gpu(self) -> float:
        """Typical price per GPU (a rack's price shared over its GPUs). [USD]"""
        return self.price_usd / self.n_gpus_per_unit

    @property
    def server_power_kw_per_gpu(self) -> float | None:
        """Server (or rack) maximum power per GPU, host and network included. [kW]"""
        if self.server_power_kw is None or self.n_gpus_per_server is None:
            return None
        return self.server_power_kw / self.n_gpus_per_server


class AiLeaseDeal(Model):
    """An announced lease of data-centre capacity by a miner to an AI tenant, with its sources (the facts behind the
    presets' lease rates; :func:`rate_usd_per_kw_month` is the flat rate that earns the announced value)."""

    name: str = Field(min_length=1, description="Unique row name: lessor, tenant and MW. [text]")
    lessor: str = Field(min_length=1, description="The company that leases out the capacity. [text]")
    tenant: str = Field(min_length=1, description="The tenant (and its backer where announced). [text]")
    announced_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day the deal was announced. [date]")
    contract_value_usd: float = Field(gt=0, le=1e12, description="Announced revenue over the base term. [USD]")
    it_load_mw: float = Field(gt=0, le=10_000, description="Leased capacity as announced (see mw_basis). [MW]")
    term_years: float = Field(gt=0, le=50, description="Base term of the lease. [years]")
    mw_basis: Literal["critical_it", "capacity"] = Field(
        description="What the MW count: critical IT load, or capacity not stated as IT load. [kind]")
    escalator: str = Field(min_length=1, description="The escalator as announced, or 'not stated'. [text]")
    confidence: Confidence = Field(description="Source quality (domain/facts/README.md). [grade]")
    source_urls: tuple[str, ...] = Field(description="Pages the row was read from. [URLs]")
    notes: str = Field(min_length=1, description="What each source says. [text]")

    _urls = field_validator("source_urls")(_check_urls)

    @property
    def rate_usd_per_kw_month(self) -> float:
        """Flat rate that earns the announced value: value / (kW x 12 months x years). [USD/kW-month]"""
        from hashpivot.formulas.ai import contract_rate_usd_per_kw_month

        return float(contract_rate_usd_per_kw_month(self.contract_value_usd, self.it_load_mw, self.term_years))


class PeerMultiple(Model):
    """A stated valuation multiple of listed miners or of their AI/HPC capacity, with its sources: what the market or
    an analyst pays per EH/s or per MW, beside which a simulated DCF value is shown (``analysis.valuation``)."""

    name: str = Field(min_length=1, description="Unique row name: who, what measure. [text]")
    measure: Literal["market_cap_per_ehs", "ev_per_ehs", "equity_per_mw"] = Field(
        description="What the figure divides: market capitalisation or EV by self-mining EH/s, or equity value by MW "
                    "(the notes say gross or critical IT). [kind]")
    low_usd: float = Field(gt=0, le=1e12, description="Low end of the stated range (the value when one). [USD per unit]")
    high_usd: float = Field(gt=0, le=1e12, description="High end of the stated range. [USD per unit]")
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Day the figure was stated. [date]")
    confidence: Confidence = Field(description="Source quality (domain/facts/README.md). [grade]")
    source_urls: tuple[str, ...] = Field(description="Pages the row was read from. [URLs]")
    notes: str = Field(min_length=1, description="What each source says, and the arithmetic. [text]")

    _urls = field_validator("source_urls")(_check_urls)

    @model_validator(mode="after")
    def _ordered(self) -> PeerMultiple:
        if self.high_usd < self.low_usd:
            raise ValueError(f"high_usd={self.high_usd:g} is below low_usd={self.low_usd:g}; allowed: high >= low")
        return self


RowModel = TypeVar("RowModel", AsicModel, GpuModel, AiLeaseDeal, PeerMultiple)


def parse_table(text: str, model: type[RowModel], filename: str) -> tuple[RowModel, ...]:
    """Validate the rows of a catalog CSV. Empty cells are missing values; ``source_urls`` is space-separated.

    Raises ``DataError`` naming the file, the line and the row for a malformed row or a repeated name.
    """
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or ()) - set(model.model_fields)
    if unknown:
        raise DataError(f"{filename}: unknown columns {sorted(unknown)}; allowed {list(model.model_fields)}")
    rows: list[RowModel] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        data: dict[str, object] = {key: value.strip() for key, value in row.items()
                                   if key is not None and value is not None and value.strip() != ""}
        if "source_urls" in data:
            data["source_urls"] = tuple(str(data["source_urls"]).split())
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors())
            raise DataError(f"{filename} line {line} ({row.get('name')!r}): {problems}") from exc
        key = _normalise(item.name)
        if key in seen:
            raise DataError(f"{filename} line {line}: name {item.name!r} repeats line {seen[key]}")
        seen[key] = line
        rows.append(item)
    if not rows:
        raise DataError(f"{filename}: no rows")
    return tuple(rows)


def _read(filename: str) -> str:
    return resources.files(FACTS_PACKAGE).joinpath(filename).read_text(encoding="utf-8")


@functools.cache
def asic_catalog() -> tuple[AsicModel, ...]:
    """Every sourced ASIC row of ``domain/facts/asic_models.csv``, validated, in file order."""
    return parse_table(_read(ASIC_FILE), AsicModel, ASIC_FILE)


@functools.cache
def gpu_catalog() -> tuple[GpuModel, ...]:
    """Every sourced GPU row of ``domain/facts/gpu_models.csv``, validated, in file order."""
    return parse_table(_read(GPU_FILE), GpuModel, GPU_FILE)


@functools.cache
def ai_lease_deals() -> tuple[AiLeaseDeal, ...]:
    """Every sourced lease of ``domain/facts/ai_leases.csv``, validated, in file order."""
    return parse_table(_read(LEASE_FILE), AiLeaseDeal, LEASE_FILE)


@functools.cache
def peer_multiples() -> tuple[PeerMultiple, ...]:
    """Every sourced valuation multiple of ``domain/facts/peer_multiples.csv``, validated, in file order."""
    return parse_table(_read(PEER_FILE), PeerMultiple, PEER_FILE)


def asic_model(name: str) -> AsicModel:
    """The ASIC row called ``name`` (case and spacing ignored), or the only row of the family ``name``."""
    return _lookup(asic_catalog(), name, "asic_model")


def gpu_model(name: str) -> GpuModel:
    """The GPU row called ``name`` (case and spacing ignored), or the only row of the family ``name``."""
    return _lookup(gpu_catalog(), name, "gpu_model")


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def _lookup(rows: tuple[RowModel, ...], name: object, what: str) -> RowModel:
    names = ", ".join(repr(r.name) for r in rows)
    if not isinstance(name, str):
        raise InputError(what, name, f"a model name, one of {names}")
    key = _normalise(name)
    for row in rows:
        if _normalise(row.name) == key:
            return row
    family = [r for r in rows if _normalise(r.family) == key]
    if len(family) == 1:
        return family[0]
    if family:
        raise InputError(what, name, f"one variant of that family: {', '.join(repr(r.name) for r in family)}")
    raise InputError(what, name, f"one of {names}")
