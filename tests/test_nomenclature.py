"""docs/nomenclature.md is rendered from the scenario schema (the same walk as the units test) and is current."""

from __future__ import annotations

import difflib
from pathlib import Path

from hashpivot.scenarios.nomenclature import (
    REGENERATE,
    main,
    numeric_fields,
    render_nomenclature,
    schema_models,
)
from hashpivot.scenarios.schema import Scenario

DOC = Path(__file__).parents[1] / "docs" / "nomenclature.md"


def test_docs_nomenclature_is_the_rendered_schema():
    rendered = render_nomenclature()
    on_disk = DOC.read_text(encoding="utf-8")
    diff = "".join(list(difflib.unified_diff(on_disk.splitlines(True), rendered.splitlines(True),
                                             "docs/nomenclature.md", "render_nomenclature()"))[:40])
    assert on_disk == rendered, (
        f"docs/nomenclature.md is out of date with the scenario schema; regenerate it: {REGENERATE}\n{diff}"
    )


def test_the_document_says_how_to_regenerate_it_first():
    assert REGENERATE in "".join(render_nomenclature().splitlines(True)[:3])


def test_every_numeric_field_has_a_row_with_its_unit():
    """Each numeric field the units test checks appears in its model's table, under a path, with its unit."""
    text = render_nomenclature()
    paths = {entry.model.__name__: entry.paths[0] for entry in schema_models()}
    for model, name, field in numeric_fields():
        path = f"{paths[model]}.{name}".lstrip(".")
        row = next((line for line in text.splitlines() if line.startswith(f"| `{path}` |")), None)
        assert row is not None, f"{model}.{name}: no row for `{path}`"
        unit = field.description.rstrip().rsplit("[", 1)[1].rstrip("]")
        assert f"| {unit} |" in row, f"{model}.{name}: unit [{unit}] not in {row!r}"


def test_a_model_at_several_places_lists_each_and_kinds_are_named():
    entries = {entry.model.__name__: entry for entry in schema_models()}
    assert entries["Scenario"].paths == ("",)
    assert entries["Site"].paths == ("company.sites[]",)
    assert entries["SellAboveAverage"].paths == ("policy.treasury", "compare[]")
    assert set(entries["ColocationLease"].paths) == {
        "policy.capacity.project", "policy.capacity.conversions[].project", "compare_capacity[].project",
        "compare_capacity[].conversions[].project"}
    text = render_nomenclature()
    assert 'At `market.btc_price`, with `kind = "gbm"`.' in text
    assert "| `market.btc_price.vol_per_sqrt_day` | float | 1/sqrt(day) | [0, 0.5] | required |" in text
    assert "| `run.n_paths` | int | paths | [1, 100_000_000] | `1000` | Monte Carlo paths. |" in text


def test_rendering_follows_a_changed_schema():
    """The tables come from the models, not from a copy: a new model field shows up with its unit and bounds."""
    from pydantic import Field

    from hashpivot.domain.base import Model

    class Extra(Model):
        """A test model."""

        speed_ehs: float = Field(default=2.5, gt=0, le=10, description="How fast. [EH/s]")

    class Root(Model):
        extra: Extra = Field(default_factory=Extra)

    text = render_nomenclature(Root)
    assert "| `extra.speed_ehs` | float | EH/s | (0, 10] | `2.5` | How fast. |" in text
    assert "A test model." in text
    assert render_nomenclature(Scenario) == render_nomenclature()


def test_the_command_prints_or_writes_the_document(tmp_path, capsys):
    main([])
    assert capsys.readouterr().out == render_nomenclature()
    target = tmp_path / "nomenclature.md"
    main(["--write", str(target)])
    assert target.read_text(encoding="utf-8") == render_nomenclature()
