"""Keep numba's on-disk cache of the engine's kernels in step with the code they inline.

numba stamps each cached kernel with the modification time and size of the file that defines it, and nothing
else. ``run_company`` (engine/step.py) inlines the stages (engine/stages.py), the formulas' compiled twins
(formulas/, protocol.py) and the layouts' constants (engine/plan.py, engine/state.py, policies/); an edit to one of
those files alone would leave the cached machine code of the old arithmetic in use. Before the kernels are
defined, ``drop_stale_kernels`` compares a fingerprint of every file the kernels depend on with the one recorded
beside numba's cache and, when it differs, deletes the engine's cached kernels so that they compile again.
Installed releases never change their files, so this costs a few ``stat`` calls per process.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
#: Files whose code or constants the jitted kernels compile in (relative to the package).
KERNEL_SOURCES = (
    "protocol.py", "units.py", "formulas/ai.py", "formulas/finance.py", "formulas/hedges.py", "formulas/mining.py",
    "formulas/power.py", "engine/borrowed.py", "engine/hedges.py", "engine/kernels.py", "engine/market.py",
    "engine/plan.py", "engine/stages.py", "engine/state.py", "engine/step.py", "policies/capacity.py",
    "policies/hedges.py", "policies/treasury.py",
    "processes/fees.py", "processes/paths.py", "processes/random.py", "processes/ziggurat_tables.py",
)
#: numba's cache folders of the modules that define cached kernels.
CACHE_DIRS = ("engine/__pycache__", "processes/__pycache__")
STAMP_NAME = "hashpivot-kernel-sources.txt"


def fingerprint() -> str:
    """Hash of the path, modification time and size of every kernel source that exists."""
    digest = hashlib.sha256()
    for name in KERNEL_SOURCES:
        path = _PACKAGE / name
        if path.exists():
            st = path.stat()
            digest.update(f"{name}:{st.st_mtime_ns}:{st.st_size};".encode())
    return digest.hexdigest()


def drop_stale_kernels() -> bool:
    """Delete the engine's cached kernels when a kernel source changed since they were cached; True if it did.
    A cache folder that cannot be written is left alone (numba then uses its own fallback cache)."""
    stamp = _PACKAGE / CACHE_DIRS[0] / STAMP_NAME
    now = fingerprint()
    try:
        if stamp.exists() and stamp.read_text() == now:
            return False
        for folder in CACHE_DIRS:
            for cached in (_PACKAGE / folder).glob("*.nb[ic]"):
                cached.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(now)
    except OSError:
        return False
    return True
