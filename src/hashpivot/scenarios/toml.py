"""Read and write scenarios as TOML. Errors name the file, the dotted field, the value and what is
allowed; an unknown key also lists the keys allowed there."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from hashpivot.errors import ScenarioError, did_you_mean
from hashpivot.scenarios.schema import Scenario
from hashpivot.scenarios.validation import format_errors

PRESET_PACKAGE = "hashpivot.scenarios.presets"


def to_toml(scenario: Scenario) -> str:
    """TOML text that ``from_toml`` turns back into an equal scenario."""
    return tomli_w.dumps(scenario.model_dump(mode="python", exclude_none=True))


def from_toml(text: str, source: str = "<string>") -> Scenario:
    """Parse and validate TOML text; ``source`` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from exc
    return from_dict(data, source)


def from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a plain mapping into a ``Scenario``."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file, or a preset by name (``rm1``, ``default``) when no such file exists."""
    p = Path(path)
    if p.is_file():
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{p}: cannot read the scenario file: {exc}") from exc
        return from_toml(text, str(p))
    if p.suffix == "" and str(path) in preset_names():
        return load_preset(str(path))
    raise ScenarioError(
        f"scenario={str(path)!r} is neither a file nor a preset; {did_you_mean(path, preset_names())}allowed: a "
        f"TOML file or one of {preset_names()}, or a company's name for its first preset (riot: riot_2024q2)"
    )


def preset_names() -> list[str]:
    """Names of the scenario presets shipped with hashpivot."""
    files = resources.files(PRESET_PACKAGE).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def load_preset(name: str) -> Scenario:
    """Load the preset ``name`` (see ``preset_names``)."""
    if name not in preset_names():
        raise ScenarioError(f"preset={name!r} is unknown; {did_you_mean(name, preset_names())}allowed: "
                            f"{preset_names()}")
    text = resources.files(PRESET_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return from_toml(text, f"preset {name}")


def resolve_company(name: str) -> str:
    """The scenario a company name stands for, as ``load_scenario`` takes it: ``name`` itself when it is a
    scenario file or a preset; else the company's halving preset, the first preset ``name_*`` in sorted
    order (the ``_2024q2`` presets sort before the ``_latest`` ones); else ``name`` unchanged, which
    ``load_scenario`` then refuses with the list of presets.

    >>> resolve_company("riot"), resolve_company("riot_latest"), resolve_company("nobody")
    ('riot_2024q2', 'riot_latest', 'nobody')
    """
    if Path(name).is_file() or name in preset_names():
        return name
    matches = sorted(p for p in preset_names() if p.startswith(f"{name}_"))
    return matches[0] if matches else name


def format_validation_error(exc: ValidationError, source: str) -> str:
    """One line per problem of a scenario: ``source: field.path = value: what is allowed``
    (:func:`hashpivot.scenarios.validation.format_errors` with ``Scenario`` as the root)."""
    return format_errors(exc, source, Scenario)
