"""The notebook API (issue 16, point 5): the package root offers load/run/compare/replay/sweep lazily, presets by
company alias, ``Scenario.replace`` returns a validated copy, results show a summary in Jupyter, and
``examples/quickstart.ipynb`` runs top to bottom (nbclient) so it never rots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import hashpivot
from hashpivot import api
from hashpivot.errors import ScenarioError
from hashpivot.scenarios.toml import load_preset

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"
SHARED_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "btc_daily.csv"


def test_the_package_root_offers_the_facade():
    for name in ("load", "run", "compare", "replay", "sweep"):
        assert getattr(hashpivot, name) is getattr(api, name)
        assert name in dir(hashpivot)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        hashpivot.nothing  # noqa: B018


def test_a_company_alias_loads_its_halving_preset():
    # riot -> the first preset named riot_* in sorted order: riot_2024q2 sorts before riot_latest.
    assert hashpivot.load("riot") == load_preset("riot_2024q2")
    with pytest.raises(ScenarioError, match="nobody"):
        hashpivot.load("nobody")


def test_replace_returns_a_validated_copy_and_names_a_bad_value():
    rm1 = load_preset("rm1")
    cheaper = rm1.replace("company.sites.main.power_price_usd_per_mwh", 38)
    assert cheaper.company.sites[0].power_price_usd_per_mwh == 38.0
    assert rm1.company.sites[0].power_price_usd_per_mwh != 38.0  # the original is unchanged
    assert cheaper.replace("company.sites.main.power_price_usd_per_mwh",
                           rm1.company.sites[0].power_price_usd_per_mwh) == rm1
    with pytest.raises(ScenarioError) as bad:
        rm1.replace("company.sites.main.power_price_usd_per_mwh", -5)
    message = str(bad.value)
    assert "company.sites.main.power_price_usd_per_mwh = -5" in message and "greater than or equal to 0" in message
    with pytest.raises(ScenarioError, match="names no item; allowed: main"):
        rm1.replace("company.sites.nowhere.power_price_usd_per_mwh", 38)
    # a near miss is guessed: of a list's names, and of a table's fields
    with pytest.raises(ScenarioError, match="names no item; did you mean main[?] allowed: main"):
        rm1.replace("company.sites.mainn.power_price_usd_per_mwh", 38)
    with pytest.raises(ScenarioError, match="main.power_price_usd_per_mw: names no field; did you mean "
                                            "power_price_usd_per_mwh[?] allowed: "):
        rm1.replace("company.sites.main.power_price_usd_per_mw", 38)


def test_a_result_shows_its_answer_and_table_in_jupyter():
    sc = load_preset("default").replace("run.horizon_days", 365)
    result = hashpivot.compare(sc, n_paths=40, policies=["sell_all", "hold_all"])
    page = result._repr_html_()
    for line in result.glance().lines():
        head, _, tail = line.partition(": ")
        assert f"<b>{head}:</b> {tail}".replace("'", "&#x27;") in page
    assert page.index("What a MW earns") < page.index("<table")
    for policy in ("sell_all", "hold_all"):
        assert f"<th>{policy}</th>" in page


@pytest.mark.slow
def test_the_quickstart_notebook_runs_top_to_bottom(monkeypatch, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    if SHARED_CSV.is_file():
        monkeypatch.setenv("HASHPIVOT_DATA", str(SHARED_CSV))
    # The kernel imports this checkout's hashpivot (the tests' sources come first on its path too).
    src = str(Path(hashpivot.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("What a MW earns" in h for h in html)  # the compare cell's summary
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "company.sites.rockdale.power_price_usd_per_mwh = -5" in printed  # the bad value, named
