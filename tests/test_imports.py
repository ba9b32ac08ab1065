"""`import hashpivot` and the CLI stay light: heavy libraries load inside the functions that need them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numba", "plotly", "xarray", "scipy", "statsmodels", "arch", "duckdb", "streamlit", "matplotlib")


@pytest.mark.parametrize("module", ["hashpivot", "hashpivot.cli"])
def test_import_loads_no_heavy_library(module):
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                           text=True).stdout))
    assert not [name for name in HEAVY if name in loaded]
