"""Validation errors as the user reads them: one line per problem naming the source (a file, the command line),
the dotted TOML path, the value and what is allowed; an unknown key also lists the keys allowed there.

Takes the root model as an argument, so that :mod:`hashpivot.scenarios.schema` (``Scenario.replace``) and
:mod:`hashpivot.scenarios.toml` both use it without importing each other.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from hashpivot.errors import did_you_mean


def format_errors(exc: ValidationError, source: str, model: type[BaseModel]) -> str:
    """One line per problem of validating ``model`` (the root of the dotted paths): ``source: field.path = value:
    what is allowed``."""
    lines, seen_unions = [], set()
    for err in exc.errors(include_url=False):
        raw = err["loc"]
        # A value of a union of plain types (a sweep axis: float | int | bool | str) fails once per member, its loc
        # ending in the member's name: one line per value, the first member's message (the number's, first)
        if raw and _is_plain_member(raw[-1]):
            if raw[:-1] in seen_unions:
                continue
            seen_unions.add(raw[:-1])
            err = {**err, "loc": raw[:-1]}
        loc = ".".join(str(part) for part in _toml_path(model, err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, err["loc"][:-1])
            if allowed:
                msg = f"unknown key; {did_you_mean(err['loc'][-1], allowed)}allowed keys here: {', '.join(allowed)}"
        if err["type"] in ("missing",):
            lines.append(f"{source}: {loc}: required field is missing")
        elif not loc or (err["type"] == "value_error" and isinstance(err.get("input"), dict)):
            # A check across fields: its message names them, the whole table is no useful "value".
            lines.append(f"{source}: {loc + ': ' if loc else ''}{msg}")
        else:
            lines.append(f"{source}: {loc} = {_short(err.get('input'))}: {msg}")
    return "invalid scenario:\n  " + "\n  ".join(lines)


def _is_plain_member(part: Any) -> bool:
    """Whether a loc part is the name pydantic gives a plain-type member of a union (``float``, ``list[str]``)."""
    return isinstance(part, str) and (part in ("float", "int", "bool", "str") or part.startswith(("list[", "dict[")))


def _short(value: Any) -> str:
    """The value as the user wrote it, shortened: a date or time as TOML writes it (2000-01-01, not
    datetime.date(2000, 1, 1)), a boolean as true or false, else its repr. [text]"""
    import datetime as dt

    if isinstance(value, dt.date | dt.time):  # datetime is a date
        text = value.isoformat()
    elif isinstance(value, bool):
        text = str(value).lower()
    else:
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
