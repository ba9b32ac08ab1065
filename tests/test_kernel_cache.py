"""numba's cached kernels are dropped when a file they compile in changes (hashpivot.kernel_cache)."""

from __future__ import annotations

import os

from hashpivot import kernel_cache


def test_kernel_sources_exist():
    for name in kernel_cache.KERNEL_SOURCES:
        assert (kernel_cache._PACKAGE / name).is_file(), name


def test_an_edited_source_drops_the_cached_kernels(tmp_path, monkeypatch):
    package = tmp_path / "hashpivot"
    for name in ("formulas/mining.py", "engine/step.py"):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text("x = 1\n")
    cache = package / "engine/__pycache__"
    cache.mkdir()
    monkeypatch.setattr(kernel_cache, "_PACKAGE", package)
    monkeypatch.setattr(kernel_cache, "KERNEL_SOURCES", ("formulas/mining.py", "engine/step.py"))
    monkeypatch.setattr(kernel_cache, "CACHE_DIRS", ("engine/__pycache__",))
    assert kernel_cache.drop_stale_kernels()  # no stamp yet: whatever is cached is of unknown sources
    (cache / "step.run_company-1.py311.nbi").write_text("index")
    (cache / "step.run_company-1.py311.1.nbc").write_text("code")
    (cache / "step.cpython-311.pyc").write_text("bytecode")
    assert not kernel_cache.drop_stale_kernels()  # nothing changed: the cache stays
    assert (cache / "step.run_company-1.py311.nbi").exists()
    # an edit of a file the kernel inlines (not the kernel's own file): the cache goes, bytecode stays
    formula = package / "formulas/mining.py"
    formula.write_text("x = 2  # a changed formula\n")
    os.utime(formula, ns=(formula.stat().st_atime_ns, formula.stat().st_mtime_ns + 1_000_000))
    assert kernel_cache.drop_stale_kernels()
    assert sorted(p.name for p in cache.iterdir()) == [kernel_cache.STAMP_NAME, "step.cpython-311.pyc"]
