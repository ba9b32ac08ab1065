"""A simulation result's Dataset as a netCDF-4 file (HDF5, written through h5netcdf).

netCDF-4 rather than scipy's netCDF3: netCDF3 reads a zero-length dimension (a result with no AI project, no
fleet addition, no purchase) back as the unlimited one, so such a file did not open again. A netCDF3 file an
earlier version wrote still opens with ``xarray.open_dataset`` (its engine is detected from the file).

Written atomically: a temporary file in the target's folder, then ``os.replace``, so a reader never sees
half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xarray as xr


def save_netcdf(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``dataset`` (e.g. ``SimResult.dataset``) to ``path`` atomically; the folder is created if
    needed. Returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        # xarray writes to a path (not a buffer), so a result too large for memory still streams to disk.
        dataset.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
