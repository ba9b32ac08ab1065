"""Read and write scenarios as TOML. Errors name the file, the dotted field, the value and what is
allowed; an unknown key also lists the keys allowed there."""

from __future__ import annotations

import tomllib
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from hashpivot.errors import ScenarioError
from hashpivot.scenarios.schema import Scenario

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
        f"scenario={str(path)!r} is neither a file nor a preset; allowed: a TOML file or one of {preset_names()}"
    )


def preset_names() -> list[str]:
    """Names of the scenario presets shipped with hashpivot."""
    files = resources.files(PRESET_PACKAGE).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def load_preset(name: str) -> Scenario:
    """Load the preset ``name`` (see ``preset_names``)."""
    if name not in preset_names():
        raise ScenarioError(f"preset={name!r} is unknown; allowed: {preset_names()}")
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
    """One line per problem: ``source: field.path = value: what is allowed``."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in _toml_path(Scenario, err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(Scenario, err["loc"][:-1])
            if allowed:
                msg = f"unknown key; allowed keys here: {', '.join(allowed)}"
        if err["type"] in ("missing",):
            lines.append(f"{source}: {loc}: required field is missing")
        elif not loc or (err["type"] == "value_error" and isinstance(err.get("input"), dict)):
            # A check across fields: its message names them, the whole table is no useful "value".
            lines.append(f"{source}: {loc + ': ' if loc else ''}{msg}")
        else:
            lines.append(f"{source}: {loc} = {_short(err.get('input'))}: {msg}")
    return "invalid scenario:\n  " + "\n  ".join(lines)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _toml_path(model: type[BaseModel], loc: tuple) -> list:
    """``loc`` without the discriminator tags pydantic inserts after a tagged union (the ``kind`` value is not
    a key the user wrote: ``policy.treasury.sell_fraction.sel_frac`` -> ``policy.treasury.sel_frac``)."""
    path: list = []
    current: Any = model
    for part in loc:
        tp = _unwrap(current) if current is not None else None
        args = [_unwrap(a) for a in typing.get_args(tp)] if tp is not None else []
        tagged = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel) and "kind" in a.model_fields
                  and a.model_fields["kind"].default == part]
        if len(args) > 1 and tagged:
            current = tagged[0]
            continue
        path.append(part)
        current = _step(current, part) if current is not None else None
    return path


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model found at ``loc`` (following lists and ``kind`` tags)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _step(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(str(part))
        return field.annotation if field else None
    origin = typing.get_origin(tp)
    args = [_unwrap(a) for a in typing.get_args(tp)]
    if origin is list and isinstance(part, int):
        return args[0]
    if args:  # a union: pick the member whose `kind` tag is `part`, or the only model member
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        for m in models:
            kind = m.model_fields.get("kind")
            if kind is not None and kind.default == part:
                return m
        if len(models) == 1:
            return _step(models[0], part)
    return None
