"""io.netcdf: a result's Dataset written atomically as netCDF and read back unchanged."""

from __future__ import annotations

import xarray as xr
from store_helpers import tiny_result

from hashpivot import api
from hashpivot.io.netcdf import save_netcdf


def _no_temp_files(folder) -> None:
    assert [p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"] == []


def test_a_result_with_ai_projects_round_trips(tmp_path):
    result = api.run("rm1", n_paths=8, seed=3)
    assert result.dataset.sizes["project"] > 0
    path = save_netcdf(result.dataset, tmp_path / "runs" / "rm1.nc")
    assert path == tmp_path / "runs" / "rm1.nc"
    with xr.open_dataset(path, engine="h5netcdf") as back:
        xr.testing.assert_identical(back.load(), result.dataset)
    assert back.attrs["scenario_toml"] == result.scenario_toml
    _no_temp_files(path.parent)


def test_rewriting_replaces_the_file(tmp_path):
    path = tmp_path / "run.nc"
    path.write_text("not netCDF")
    save_netcdf(api.run("rm1", n_paths=4, seed=3).dataset, path)
    with xr.open_dataset(path, engine="h5netcdf") as back:
        assert back.sizes["path"] == 4
    _no_temp_files(tmp_path)


def test_a_result_without_ai_projects_round_trips(tmp_path):
    result = tiny_result()
    assert result.dataset.sizes["project"] == 0
    path = save_netcdf(result.dataset, tmp_path / "run.nc")
    # No engine named: what a user types; xarray finds the reader from the file.
    with xr.open_dataset(path) as back:
        xr.testing.assert_identical(back.load(), result.dataset)
    _no_temp_files(tmp_path)


def test_a_netcdf3_file_an_earlier_version_wrote_still_opens(tmp_path):
    result = api.run("rm1", n_paths=4, seed=3)
    path = tmp_path / "old.nc"
    result.dataset.to_netcdf(path, engine="scipy")  # what io.netcdf wrote before netCDF-4
    with xr.open_dataset(path) as back:
        xr.testing.assert_identical(back.load(), result.dataset)
