"""The engine lets glibc recycle its chunk arrays (``engine.memory``): a run maps no fresh pages for them."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

SECOND_RUN_FAULTS = """
import resource
from hashpivot.engine.run import simulate
from hashpivot.scenarios.toml import from_dict, load_preset
data = load_preset("rm1").model_dump(mode="python", exclude_none=True)
data["run"].update(n_paths=1024, horizon_days=3650, store_paths=0)
scenario = from_dict(data, "faults")
simulate(scenario, n_threads=2)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
simulate(scenario, n_threads=2)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults_of_a_second_run(tuning: str) -> int:
    env = {**os.environ, "HASHPIVOT_MALLOC_TUNING": tuning}
    out = subprocess.run([sys.executable, "-c", SECOND_RUN_FAULTS], env=env, capture_output=True, text=True,
                         check=True, timeout=600)
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not GLIBC, reason="malloc tuning is glibc's")
def test_a_run_recycles_its_chunk_arrays():
    """16 chunks of 64 paths x 3,651 days on two threads, a dozen arrays of 1.9 MB a chunk. Recycled, they cost
    no page faults (a few for Python's own objects); mapped afresh, each MB costs 256 faults of 4 KiB pages:
    about 22,000 in this run without the tuning."""
    assert page_faults_of_a_second_run("1") < 2_000


def test_the_tuning_can_be_switched_off():
    code = "from hashpivot.engine.memory import recycle_chunk_memory as r; print(r())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "HASHPIVOT_MALLOC_TUNING": "0"},
                         capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
