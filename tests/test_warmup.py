"""``make`` compiles the kernels once after installing (``python -m hashpivot.engine.warmup``)."""

from __future__ import annotations

import subprocess
import sys

from hashpivot.engine.market import chain_kernel
from hashpivot.engine.step import run_company, run_company_full
from hashpivot.processes.random import _fill


def test_warm_up_leaves_every_kernel_compiled_for_the_engine_types():
    result = subprocess.run([sys.executable, "-m", "hashpivot.engine.warmup"], capture_output=True, text=True,
                            check=True, timeout=600)
    assert "engine kernels compiled and cached in" in result.stdout
    # In this process too: one run through the engine types leaves one signature per kernel.
    from hashpivot.engine.warmup import warm_up

    assert warm_up() > 0
    for kernel in (chain_kernel, run_company, run_company_full, _fill):
        assert len(kernel.signatures) == 1, kernel.__name__
