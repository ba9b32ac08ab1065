"""The scenario schema as a nomenclature: every field of every model a scenario TOML can hold, with its
dotted TOML path, type, unit, bounds and default, rendered as the Markdown of ``docs/nomenclature.md``.

    python -m hashpivot.scenarios.nomenclature           # print the Markdown
    python -m hashpivot.scenarios.nomenclature --write   # rewrite docs/nomenclature.md

One walk of the schema (``schema_models``) serves this document and the test that every numeric field
carries its unit in its name and its description (``tests/test_scenarios.py``), and ``UNIT_RULES`` are
both what that test enforces and the suffix table printed here. A unit is the bracket that ends a field's
description (``"Grid capacity of the site. [MW]"``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from hashpivot.scenarios.schema import Scenario

#: Where ``--write`` puts the document by default: ``docs/`` of the repository holding this source tree.
DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "nomenclature.md"
REGENERATE = "python -m hashpivot.scenarios.nomenclature --write"

#: Unit-bearing name endings (first match wins) and what the ``[unit]`` of the description must then contain.
#: Built from DESIGN.md section 2 and the fields the schema has.
UNIT_RULES: list[tuple[str, str]] = [
    (r"_usd_per_[a-z_]+$", "USD/"),       # rates: rate_usd_per_kw_month, capex_usd_per_mw, ...
    (r"_btc_per_[a-z_]+$", "BTC/"),       # median_btc_per_block
    (r"_kw_per_[a-z_]+$", "kW/"),
    (r"_mw_per_[a-z_]+$", "MW"),          # max_mw_per_check
    (r"_ehs_per_[a-z_]+$", "EH/s"),       # max_ehs_per_check (growth)
    (r"_j_per_th$", "J/TH"),
    (r"_per_sqrt_day$", "/sqrt(day)"),    # volatilities
    (r"_per_sqrt_year$", "/sqrt(year)"),  # implied volatilities (hedges)
    (r"_per_day$", "/day"),               # drifts, probabilities, fractions per day
    (r"_per_year$", "/year"),
    (r"_usd$", "USD"),
    (r"_btc$", "BTC"),
    (r"_ehs$", "EH/s"),
    (r"_phs$", "PH/s"),
    (r"_mwh$", "MWh"),
    (r"(^|_)mw$", "MW"),
    (r"_frac(_of_[a-z]+)?$", "fraction"),  # opex_frac_of_revenue: a fraction of a named base
    (r"_ratio$", "ratio"),
    (r"_beta$", "elasticity"),             # premium_beta: d log(mNAV) / d log(BTC price)
    (r"_elasticity$", "ratio"),            # price_elasticity: d log(ASIC price) / d log(hashprice)
    (r"_prob$", "probability"),            # renewal_prob
    (r"_days$", "days"),
    (r"(^|_)day(_of_year)?$", "day"),      # a day index (issue_day, ConvertOnDay.day, peak_day_of_year)
    (r"_months$", "months"),
    (r"_years$", "years"),
    (r"_blocks$", "blocks"),
    (r"_paths$", "paths"),
    (r"_height$", "block"),
    (r"_log$", "log"),                     # natural-log units: jump_mean_log
    (r"_index$", "index"),                 # a position in a list: sweep.baseline_index
    (r"_decimals$", "decimals"),           # digits after the point of a published figure: hashrate_decimals
    (r"^n_", ""),                          # counts: n_paths, n_halvings_max
]
#: Unit first, as DESIGN.md's own example ``btc_held``.
UNIT_FIRST = {"btc_held": "BTC", "shares_outstanding": "shares"}
#: Identifiers, not quantities (like ``kind``): no unit to carry.
IDENTIFIERS = {"seed"}
#: Mappings from other fields' dotted paths to values in those fields' units (``sweep.ranges``): the description
#: says so with ``[unit of the field]``.
IN_UNITS_OF_OTHER_FIELDS = {"ranges": "unit of the field", "threshold": "unit of the metric"}

INTRO = """\
Names carry their units (DESIGN.md section 2). Dimensions: `path`, `day` (coordinate `date`), `month`,
`scenario`, `policy`, `site`. Flows are amounts during a day; stocks are end-of-day values.
"""

#: Market arrays and result variables: names of the engine and its results, not of the schema, so stated here.
RESULT_VARIABLES: list[tuple[str, str, str]] = [
    ("`btc_price_usd`", "BTC price (close)", "USD/BTC"),
    ("`network_hashrate_ehs`", "network hashrate", "EH/s"),
    ("`difficulty_ehs`", "hashrate implied by the difficulty (difficulty x 2^32 / 600 s)", "EH/s"),
    ("`blocks`", "blocks found in a day", "blocks"),
    ("`subsidy_btc`", "block subsidy", "BTC/block"),
    ("`fees_btc_per_block`", "transaction fees per block", "BTC/block"),
    ("`hashprice_usd_per_th_day`", "revenue of 1 TH/s for a day", "USD/(TH/s)/day"),
    ("`power_mw`, `mining_mw`", "power drawn / mining power", "MW"),
    ("`btc_held`, `cash_usd`, `debt_usd`, `shares`", "end-of-day stocks", "BTC, USD, USD, shares"),
    ("`nav_usd`", "BTC x price + cash - debt - convertible principal, + what contracts still pay and the fleets' "
     "resale value (nav_basis with_contracts)", "USD"),
    ("`fleet_value_usd`", "resale value at the horizon of the fleets still held (TH/s x price new x (1 - age / "
     "life) x hashprice ratio ^ elasticity; 0 on an insolvent path), in NAV and the DCF's terminal value", "USD"),
    ("`btc_per_share`, `btc_yield_frac`", "BTC per share, its relative change since day 0", "BTC/share, fraction"),
    ("`mined_btc`, `sold_btc`, `bought_btc`", "flows summed over the horizon", "BTC"),
    ("`insolvent_day`", "day a path became insolvent, -1 if never", "day"),
    ("`mining_margin_usd_per_mw_day`, `ai_margin_usd_per_mw_day`", "margin per MW per operating day", "USD/MW-day"),
]


@dataclass(frozen=True)
class SchemaModel:
    """A model a scenario can hold, with every dotted TOML table where it may appear (``[]``: an array of
    tables, as ``[[company.sites]]``; the empty path is the scenario's top level)."""

    model: type[BaseModel]
    paths: tuple[str, ...]


def leaf_types(annotation: Any) -> list[Any]:
    """The concrete types inside Annotated, Optional/Union, list[...], tuple[...] and dict[...] annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return leaf_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, dict):
        return [leaf for arg in typing.get_args(annotation) for leaf in leaf_types(arg)]
    if origin is typing.Literal:
        return []
    return [annotation]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _child_suffix(annotation: Any) -> str:
    """How a field's sub-tables are addressed: ``[]`` for an array of tables, ``[key]`` for a keyed table."""
    origin = typing.get_origin(_unwrap(annotation))
    return "[]" if origin in (list, tuple) else "[key]" if origin is dict else ""


def schema_models(root: type[BaseModel] = Scenario) -> list[SchemaModel]:
    """Every model reachable from ``root`` through its fields (nested, union, list and dict members), in the
    order a depth-first walk over the fields first reaches them, each with all its TOML paths."""
    paths: dict[type[BaseModel], list[str]] = {}

    def visit(model: type[BaseModel], path: str, ancestors: tuple[type[BaseModel], ...]) -> None:
        paths.setdefault(model, [])
        if path not in paths[model]:
            paths[model].append(path)
        if model in ancestors:  # a recursive schema: list the path, do not walk it forever
            return
        for name, field in model.model_fields.items():
            child_path = f"{path}.{name}".lstrip(".") + _child_suffix(field.annotation)
            for t in leaf_types(field.annotation):
                if _is_model(t):
                    visit(t, child_path, (*ancestors, model))

    visit(root, "", ())
    return [SchemaModel(model, tuple(p)) for model, p in paths.items()]


def reachable_models(root: type[BaseModel] = Scenario) -> list[type[BaseModel]]:
    """The models of ``schema_models``, in the same order."""
    return [entry.model for entry in schema_models(root)]


def numeric_fields(root: type[BaseModel] = Scenario) -> list[tuple[str, str, FieldInfo]]:
    """(model name, field name, field) of every int or float field (not bool) of the reachable models."""
    out = []
    for model in reachable_models(root):
        for name, field in model.model_fields.items():
            leaves = leaf_types(field.annotation)
            if any(t in (int, float) for t in leaves) and bool not in leaves:
                out.append((model.__name__, name, field))
    return out


def split_unit(description: str | None) -> tuple[str, str | None]:
    """(text, unit) of a field description ending in ``[unit]``; unit None when it has none."""
    text = (description or "").strip()
    match = re.search(r"\s*\[([^\[\]]+)\]$", text)
    return (text[: match.start()], match.group(1)) if match else (text, None)


def _number(x: Any, grouped: bool = False) -> str:
    """A bound or default as TOML would write it; ``grouped``: long integers in groups of three (``36_500``)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return f"{x:_}" if grouped and abs(x) >= 10_000 else str(x)
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return f"{int(x):_}.0" if grouped and abs(x) >= 10_000 else repr(x)
    return repr(x)


def type_label(annotation: Any) -> str:
    """A field's type in words: ``float``, ``float, optional``, ``"gbm"``, ``table (A, B)``, ``array of ...``."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " or ".join(f'`"{v}"`' if isinstance(v, str) else f"`{v}`" for v in typing.get_args(annotation))
    if origin in (list, tuple):
        items = ", ".join(type_label(a) for a in typing.get_args(annotation) if a is not Ellipsis)
        return "array of " + (items.replace("table (", "tables (", 1) if items.startswith("table (") else items)
    if origin is dict:
        key, value = typing.get_args(annotation)
        keys = typing.get_args(_unwrap(key)) if typing.get_origin(_unwrap(key)) is typing.Literal else ()
        by = f" keyed by {', '.join(f'`{k}`' for k in keys)}" if keys else ""
        return f"table of {type_label(value)}{by}"
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if all(_is_model(a) for a in rest):
            label = f"table ({', '.join(a.__name__ for a in rest)})" if len(rest) > 1 else f"table ({rest[0].__name__})"
        else:
            label = " or ".join(type_label(a) for a in rest)
        return f"{label}, optional" if len(rest) < len(args) else label
    if _is_model(annotation):
        return f"table ({annotation.__name__})"
    return getattr(annotation, "__name__", str(annotation))


def bounds_label(field: FieldInfo) -> str:
    """A field's constraints: ``[0, 1]``, ``(0, 1000]``, ``>= 0``, ``length >= 1``, ``matches ...``."""
    low = high = None
    parts = []
    for m in field.metadata:
        if hasattr(m, "ge") or hasattr(m, "gt"):
            low = ("[", m.ge) if hasattr(m, "ge") else ("(", m.gt)
        elif hasattr(m, "le") or hasattr(m, "lt"):
            high = ("]", m.le) if hasattr(m, "le") else (")", m.lt)
        elif hasattr(m, "min_length"):
            parts.append(f"length >= {m.min_length}")
        elif hasattr(m, "max_length"):
            parts.append(f"length <= {m.max_length}")
        elif getattr(m, "pattern", None):
            parts.append(f"matches `{m.pattern}`")
    if low and high:
        interval = f"{low[0]}{_number(low[1], True)}, {_number(high[1], True)}{high[0]}"
    elif low:
        interval = f"{'>=' if low[0] == '[' else '>'} {_number(low[1], True)}"
    elif high:
        interval = f"{'<=' if high[0] == ']' else '<'} {_number(high[1], True)}"
    else:
        interval = ""
    return "; ".join(p for p in [interval, *parts] if p)


def default_label(field: FieldInfo) -> str:
    """A field's default as a TOML value, ``required`` when it has none, ``unset`` for None."""
    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        kind = getattr(value, "kind", None)
        return f'`kind = "{kind}"`' if kind is not None else "its defaults"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, (list, tuple)):
        return "`[]`" if not value else f"`{list(value)}`"
    if isinstance(value, dict):
        return "`{}`" if not value else f"`{value}`"
    if isinstance(value, dt.date):
        return f"`{value.isoformat()}`"
    return f"`{_number(value)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _first_paragraph(model: type[BaseModel]) -> str:
    """The model's own docstring (not an inherited one), first paragraph, on one line."""
    doc = model.__dict__.get("__doc__") or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def _model_section(entry: SchemaModel) -> list[str]:
    model = entry.model
    kind = model.model_fields.get("kind")
    where = ", ".join(f"`{p}`" if p else "the top level" for p in entry.paths)
    lines = [f"### {model.__name__}", ""]
    # A kind with a default picks this model out of a union; a required kind is one of the model's own fields.
    picks = kind is not None and kind.default is not PydanticUndefined
    lines.append(f"At {where}" + (f', with `kind = "{kind.default}"`.' if picks else "."))
    doc = _first_paragraph(model)
    if doc:
        lines += ["", doc]
    lines += ["", "| TOML path | type | unit | bounds | default | description |", "|---|---|---|---|---|---|"]
    first = entry.paths[0]
    for name, field in model.model_fields.items():
        text, unit = split_unit(field.description)
        path = f"{first}.{name}" if first else name
        row = [f"`{path}`", type_label(field.annotation), unit or "", bounds_label(field), default_label(field), text]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return [*lines, ""]


def _suffix_section() -> list[str]:
    lines = ["## Unit suffixes", "",
             "A numeric field's name ends in its unit; the first matching ending below decides what its "
             "description's `[unit]` must contain (checked by `tests/test_scenarios.py`). Also unit-first: "
             + ", ".join(f"`{n}` ({u})" for n, u in UNIT_FIRST.items()) + "; identifiers without a unit: "
             + ", ".join(f"`{n}`" for n in sorted(IDENTIFIERS)) + "; in other fields' units: "
             + ", ".join(f"`{n}`" for n in sorted(IN_UNITS_OF_OTHER_FIELDS)) + ".", "",
             "| name ends (regular expression) | `[unit]` contains |", "|---|---|"]
    lines += [f"| `{_cell(pattern)}` | {f'`{unit}`' if unit else '(a count)'} |" for pattern, unit in UNIT_RULES]
    return [*lines, ""]


def render_nomenclature(root: type[BaseModel] = Scenario) -> str:
    """The Markdown of ``docs/nomenclature.md``: the naming rules, the engine's result variables and one table
    per schema model (every field's dotted TOML path, type, unit, bounds, default and description)."""
    lines = [f"<!-- Generated from the scenario schema: regenerate with `{REGENERATE}`.",
             "Edit the schema's field descriptions or src/hashpivot/scenarios/nomenclature.py, not this file:",
             "tests/test_nomenclature.py fails when the two differ. -->",
             "", "# Nomenclature", "", *INTRO.splitlines(), ""]
    lines += ["## Result and market variables", "", "| name | meaning | unit |", "|---|---|---|"]
    lines += [f"| {name} | {meaning} | {unit} |" for name, meaning, unit in RESULT_VARIABLES]
    lines += ["", *_suffix_section()]
    lines += ["## Scenario fields", "",
              "One table per model a scenario TOML can hold, in the order of the schema. A path with `[]` is an "
              "array of tables (`[[company.sites]]`); a model that may appear at several places is listed once, "
              "its rows under the first. Bounds: `[` `]` inclusive, `(` `)` exclusive. A field whose type is a "
              "table is a sub-table: its own section follows.", ""]
    for entry in schema_models(root):
        lines += _model_section(entry)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print docs/nomenclature.md from the scenario schema.")
    parser.add_argument("--write", nargs="?", const=str(DOC_PATH), default=None, metavar="PATH",
                        help=f"write it instead of printing (default path: {DOC_PATH})")
    args = parser.parse_args(argv)
    text = render_nomenclature()
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
