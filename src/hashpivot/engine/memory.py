"""Let glibc recycle the engine's chunk arrays instead of mapping fresh pages for each chunk.

A chunk's arrays are a few MB each. glibc's malloc serves such blocks with ``mmap`` until its dynamic threshold
has learnt from a large enough ``free``, so a process's first run maps, zero-fills and faults in every chunk's
arrays afresh: 2 million page faults and 4.2 s of kernel time in the first 100,000-path RM1 run on two cores,
against 0.3 s in the next run of the same process. Fixing the threshold up front (32 MiB, glibc's maximum for a
dynamic threshold on 64-bit: ``DEFAULT_MMAP_THRESHOLD_MAX`` in malloc.c) and keeping freed memory in the heap
(trim threshold 256 MiB) makes the first run as fast as the next (mallopt(3)).

Process-wide and glibc-only: elsewhere (macOS, musl) nothing happens. Set ``HASHPIVOT_MALLOC_TUNING=0`` to leave
malloc alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024

_tuned: bool | None = None  # None until the first call; find_library runs ldconfig, so try once per process


def recycle_chunk_memory() -> bool:
    """Tune glibc's malloc once per process (see the module docstring); return whether it is tuned."""
    global _tuned
    if _tuned is None:
        _tuned = _tune()
    return _tuned


def _tune() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("HASHPIVOT_MALLOC_TUNING", "1") == "0":
        return False
    name = ctypes.util.find_library("c")
    if name is None or "libc.so" not in name:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; musl's stub returns 0 and changes nothing.
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
