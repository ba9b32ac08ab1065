"""Hardware catalog (hashpivot.domain.catalog): every row loads with a source, J/TH = W / TH within 2 %,
the required models of issue 4 are present or documented as unsourced in facts/README.md, the row
validators, the loaders' errors and the lookups."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from pydantic import ValidationError

from hashpivot.domain import catalog as cat
from hashpivot.domain.catalog import (
    AsicModel,
    GpuModel,
    asic_catalog,
    asic_model,
    gpu_catalog,
    gpu_model,
    parse_table,
)
from hashpivot.errors import DataError, InputError

#: The hardware list of issue 4, point 1 (family names as the CSVs spell them).
ISSUE_ASICS = {"Antminer S19j Pro", "Antminer S19 XP", "Antminer S21", "Antminer S21 Pro", "Antminer S21 XP",
               "Antminer T21", "Whatsminer M30S", "Whatsminer M50S", "Whatsminer M60S", "Whatsminer M66S"}
ISSUE_GPUS = {"A100", "H100 SXM", "H200", "B200", "GB200"}


#: The facts folder's README in the source tree (documentation, not package data).
README = Path(__file__).resolve().parents[1] / "src" / "hashpivot" / "domain" / "facts" / "README.md"


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def required_models() -> list[dict[str, str]]:
    """The rows of the README's 'Required models' table: model, table, status, note."""
    text = _readme()
    section = text.split("## Required models", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("model", "") or set(cells[0]) <= {"-", " "}:
            continue
        rows.append(dict(zip(("model", "table", "status", "note"), cells, strict=True)))
    return rows


ASIC_ROW = dict(name="Test 100T", family="Test", manufacturer="Maker", hashrate_ths=100.0, power_w=3000.0,
                efficiency_j_per_th=30.0, quoted_efficiency_j_per_th=30.0, is_power_derived=False, cooling="air",
                release_date="2021-06", confidence="low", source_urls=("https://example.org/spec",), notes="")
GPU_ROW = dict(name="Test GPU", family="Test", architecture="Arch", form_factor="SXM", memory_gb=80.0,
               memory_type="HBM3", tdp_w=700.0, server_name="Box", n_gpus_per_server=8, server_power_kw=10.2,
               unit="gpu", n_gpus_per_unit=1, price_usd=30_000.0, price_low_usd=25_000.0,
               price_high_usd=30_000.0, price_basis="estimate", release_date="2022", confidence="low",
               source_urls=("https://example.org/gpu",), notes="")


# --- every row loads, with a source -----------------------------------------------------------------

def test_catalogs_load_from_the_packaged_csvs():
    asics, gpus = asic_catalog(), gpu_catalog()
    assert len(asics) >= 10 and len(gpus) == 5
    assert all(isinstance(r, AsicModel) for r in asics) and all(isinstance(r, GpuModel) for r in gpus)
    assert asic_catalog() is asics and gpu_catalog() is gpus  # read once
    for filename in (cat.ASIC_FILE, cat.GPU_FILE):
        assert resources.files(cat.FACTS_PACKAGE).joinpath(filename).is_file()


@pytest.mark.parametrize("row", [*asic_catalog(), *gpu_catalog()], ids=lambda r: r.name)
def test_every_row_has_sources_and_a_confidence(row):
    assert row.source_urls, row.name
    assert all(re.match(r"^https?://\S+\.\S+", url) for url in row.source_urls), row.source_urls
    assert row.confidence in ("high", "medium", "low")
    assert len(row.notes) > 40, "the notes say what each source gives"
    assert re.match(r"^(19|20)\d\d(-(0[1-9]|1[0-2]))?$", row.release_date)


def test_names_are_unique_and_rows_are_frozen():
    for rows in (asic_catalog(), gpu_catalog()):
        names = [r.name.lower() for r in rows]
        assert len(names) == len(set(names))
    with pytest.raises(ValidationError):
        asic_catalog()[0].power_w = 1.0


# --- J/TH = W / TH within 2 % -----------------------------------------------------------------------

@pytest.mark.parametrize("row", asic_catalog(), ids=lambda r: r.name)
def test_efficiency_is_power_over_hashrate(row):
    computed = row.power_w / row.hashrate_ths
    assert row.efficiency_j_per_th == pytest.approx(computed, rel=0.02)
    assert row.efficiency_j_per_th == pytest.approx(computed, abs=0.005)  # stored rounded to 2 decimals
    if row.quoted_efficiency_j_per_th is not None and abs(row.quoted_efficiency_j_per_th / computed - 1) > 0.02:
        assert cat.MISMATCH_NOTE in row.notes.lower()
    if row.is_power_derived:
        assert row.power_w == pytest.approx(row.hashrate_ths * row.quoted_efficiency_j_per_th, rel=1e-9)


def test_hand_checked_rows():
    s19xp = asic_model("Antminer S19 XP 140T")
    assert (s19xp.hashrate_ths, s19xp.power_w) == (140.0, 3010.0)
    assert s19xp.power_w / s19xp.hashrate_ths == pytest.approx(21.5, rel=1e-12)  # 3010 / 140
    s21 = asic_model("Antminer S21 200T")
    assert s21.power_w == pytest.approx(200 * 17.5, rel=1e-12) and s21.is_power_derived
    assert asic_model("Antminer S21 Hyd 335T").cooling == "hydro"
    assert asic_model("Whatsminer M66S").cooling == "immersion"
    h100 = gpu_model("H100 SXM")
    assert h100.server_power_kw_per_gpu == pytest.approx(10.2 / 8, rel=1e-12)  # 1.275 kW, iren_per_mw.toml
    assert h100.price_usd_per_gpu == h100.price_usd
    gb200 = gpu_model("GB200")
    assert (gb200.unit, gb200.n_gpus_per_unit, gb200.n_gpus_per_server) == ("rack", 72, 72)
    assert gb200.price_usd_per_gpu == pytest.approx(3_000_000 / 72, rel=1e-12)
    assert gb200.server_power_kw_per_gpu == pytest.approx(120 / 72, rel=1e-12)
    b200 = gpu_model("B200")
    assert b200.server_power_kw == 14.3 and b200.memory_gb * 8 == pytest.approx(1440, rel=1e-12)
    assert "docs.nvidia.com" in " ".join(b200.source_urls)


@pytest.mark.parametrize("row", gpu_catalog(), ids=lambda r: r.name)
def test_gpu_rows_are_consistent(row):
    assert row.server_power_kw is not None and row.n_gpus_per_server is not None
    assert row.n_gpus_per_server * row.tdp_w <= 1000 * row.server_power_kw
    low = row.price_low_usd or row.price_usd
    high = row.price_high_usd or row.price_usd
    assert low <= row.price_usd <= high
    assert row.price_basis


# --- the required list is present or documented --------------------------------------------------------

def test_required_list_in_readme_is_issue_4s():
    rows = required_models()
    assert {r["model"] for r in rows if r["table"] == "asic"} == ISSUE_ASICS
    assert {r["model"] for r in rows if r["table"] == "gpu"} == ISSUE_GPUS
    assert {r["status"] for r in rows} <= {"sourced", "not sourced"}


@pytest.mark.parametrize("required", required_models(), ids=lambda r: r["model"])
def test_required_model_is_present_or_documented_unsourced(required):
    rows = asic_catalog() if required["table"] == "asic" else gpu_catalog()
    family = [r for r in rows if r.family == required["model"]]
    if required["status"] == "sourced":
        assert family, f"README says {required['model']!r} is sourced but the CSV has no row of that family"
        for row in family:
            assert f"`{row.name}`" in required["note"] or f"`{row.name.split()[-1]}`" in required["note"]
    else:
        assert not family, f"{required['model']!r} has rows but README says it is not sourced"
        assert len(required["note"]) > 40, "an unsourced model says why"
        assert required["model"] in _readme().split("## Not sourced", 1)[1]


def test_every_catalog_family_is_a_required_model_or_extra_variant():
    families = {r.family for r in asic_catalog()} | {r.family for r in gpu_catalog()}
    assert families <= ISSUE_ASICS | ISSUE_GPUS


# --- validators --------------------------------------------------------------------------------------

def test_valid_test_rows_pass():
    assert AsicModel.model_validate(ASIC_ROW).efficiency_j_per_th == 30.0
    assert GpuModel.model_validate(GPU_ROW).server_power_kw_per_gpu == pytest.approx(1.275)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"efficiency_j_per_th": 31.0}, "within 2%"),                 # 3.3 % off power / hashrate
        ({"quoted_efficiency_j_per_th": 29.0}, "efficiency mismatch"),  # quoted 3.3 % off, not explained
        ({"hashrate_ths": 0.0}, "greater than 0"),
        ({"power_w": -3000.0}, "greater than 0"),
        ({"source_urls": ()}, "at least one source URL"),
        ({"source_urls": ("www.example.org",)}, "http"),
        ({"cooling": "oil"}, "cooling"),
        ({"confidence": "certain"}, "confidence"),
        ({"release_date": "June 2021"}, "release_date"),
        ({"is_power_derived": True, "quoted_efficiency_j_per_th": None}, "is_power_derived"),
        ({"watts": 3000.0}, "watts"),                                # unknown keys are errors
    ],
)
def test_asic_validator_rejects(change, message):
    with pytest.raises(ValidationError, match=message):
        AsicModel.model_validate({**ASIC_ROW, **change})


def test_quoted_mismatch_is_allowed_when_the_notes_say_so():
    row = AsicModel.model_validate({**ASIC_ROW, "quoted_efficiency_j_per_th": 29.0,
                                    "notes": "Efficiency mismatch: the maker quotes 29 for the series."})
    assert row.quoted_efficiency_j_per_th == 29.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tdp_w": 1400.0}, "exceed server_power_kw"),                # 8 x 1400 W > 10.2 kW
        ({"server_power_kw": None}, "come together"),
        ({"n_gpus_per_unit": 72}, "n_gpus_per_unit=1"),
        ({"price_usd": 40_000.0}, "outside"),
        ({"price_usd": 0.0}, "greater than 0"),
        ({"source_urls": ()}, "at least one source URL"),
        ({"unit": "server"}, "unit"),
    ],
)
def test_gpu_validator_rejects(change, message):
    with pytest.raises(ValidationError, match=message):
        GpuModel.model_validate({**GPU_ROW, **change})


# --- the loader's errors -------------------------------------------------------------------------------

ASIC_HEADER = ",".join(AsicModel.model_fields)


def _asic_csv(*rows: str) -> str:
    return "\n".join([ASIC_HEADER, *rows]) + "\n"


GOOD = "Test 100T,Test,Maker,100,3000,30,30,false,air,2021,low,https://example.org/a https://example.org/b,ok"


def test_parse_table_reads_cells():
    (row,) = parse_table(_asic_csv(GOOD), AsicModel, "t.csv")
    assert row.source_urls == ("https://example.org/a", "https://example.org/b")
    assert row.is_power_derived is False and row.hashrate_ths == 100.0
    (blank,) = parse_table(_asic_csv(GOOD.replace(",30,false", ",,false")), AsicModel, "t.csv")
    assert blank.quoted_efficiency_j_per_th is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_asic_csv(GOOD, GOOD.replace("3000,30,30", "3000,36,30")), r"t\.csv line 3 \('Test 100T'\).*within 2%"),
        (_asic_csv(GOOD.replace(",https://example.org/a https://example.org/b,", ",,")),
         r"line 2 .*source_urls: Field required"),
        (_asic_csv(GOOD, GOOD), r"line 3: name 'Test 100T' repeats line 2"),
        (_asic_csv(), "no rows"),
        (ASIC_HEADER + ",extra\n", r"unknown columns \['extra'\]"),
    ],
)
def test_parse_table_errors_name_the_file_line_and_row(text, message):
    with pytest.raises(DataError, match=message):
        parse_table(text, AsicModel, "t.csv")


# --- lookups --------------------------------------------------------------------------------------------

def test_lookups_by_name_family_and_case():
    assert asic_model("Antminer S19j Pro 104T").hashrate_ths == 104
    assert asic_model("  antminer   s19j pro 104t ").name == "Antminer S19j Pro 104T"
    assert asic_model("Antminer S21 Pro").name == "Antminer S21 Pro 234T"  # the only row of its family
    assert gpu_model("h200 sxm").family == "H200"
    assert gpu_model("GB200").name == "GB200 NVL72"


def test_unknown_asic_names_the_model_and_the_allowed_names():
    with pytest.raises(InputError) as info:
        asic_model("Antminer S23")
    text = str(info.value)
    assert "asic_model='Antminer S23'" in text
    assert all(repr(r.name) in text for r in asic_catalog())
    assert info.value.name == "asic_model" and info.value.value == "Antminer S23"


def test_ambiguous_family_lists_its_variants():
    with pytest.raises(InputError) as info:
        asic_model("Antminer S19j Pro")
    text = str(info.value)
    assert "'Antminer S19j Pro 96T', 'Antminer S19j Pro 100T', 'Antminer S19j Pro 104T'" in text
    assert "Antminer S19 XP" not in text


def test_unknown_gpu_names_the_model_and_the_allowed_names():
    with pytest.raises(InputError) as info:
        gpu_model("H300")
    text = str(info.value)
    assert "gpu_model='H300'" in text
    assert all(repr(r.name) in text for r in gpu_catalog())
    with pytest.raises(InputError, match="gpu_model=None"):
        gpu_model(None)  # type: ignore[arg-type]


# --- units in the names and descriptions ----------------------------------------------------------------

SUFFIX_UNITS = [(r"_j_per_th$", "J/TH"), (r"_ths$", "TH/s"), (r"_kw$", "kW"), (r"_w$", "W"), (r"_gb$", "GB"),
                (r"_usd$", "USD"), (r"^n_", "count")]


@pytest.mark.parametrize("model", [AsicModel, GpuModel], ids=lambda m: m.__name__)
def test_fields_carry_their_unit(model):
    for name, field in model.model_fields.items():
        match = re.search(r"\[([^\[\]]+)\]$", (field.description or "").strip())
        assert match, f"{model.__name__}.{name}: description must end with a [unit]"
        numeric = any(t in str(field.annotation) for t in ("float", "int")) and "bool" not in str(field.annotation)
        if numeric:
            expected = next((unit for pattern, unit in SUFFIX_UNITS if re.search(pattern, name)), None)
            assert expected is not None, f"{model.__name__}.{name} has no unit suffix"
            assert expected in match.group(1), f"{model.__name__}.{name}: [{match.group(1)}] is not {expected}"
