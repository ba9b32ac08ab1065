"""The two day-loop kernels (engine.step): ``run_company`` is compiled without the optional stages (growth, sites
kept apart, spin-offs, debt) so that a company without them pays nothing for them; ``run_company_full`` has them.
A company without any of them must get the same bits from both, and the lean kernel must refuse a company that
needs the full one (its site columns would be left unwritten)."""

from __future__ import annotations

import numpy as np
import pytest

from hashpivot.engine import run as engine_run
from hashpivot.engine.plan import build_company
from hashpivot.engine.step import needs_full, run_company, run_company_full
from hashpivot.engine.state import tracked_sites
from hashpivot.scenarios.toml import from_dict, load_preset


def _small(name: str, **company):
    data = load_preset(name).model_dump(mode="python", exclude_none=True)
    data["run"].update(n_paths=40, horizon_days=900, store_paths=10, chunk_paths=40)
    data["company"].update(company)
    return from_dict(data, f"kernels {name}")


def _paths(sc, monkeypatch, kernel=None):
    if kernel is not None:
        monkeypatch.setattr(engine_run, "kernel_for", lambda arrays, n_tracked=0: kernel)
    out = engine_run.simulate_paths(sc, sc.treasury_policies(), sc.capacity_policies(), 0, sc.run.n_paths,
                                    check_invariants=True, n_threads=1)
    monkeypatch.undo()
    return out


# rm1: a lease and a conversion; default: economic shutdown and curtailment; corz_2024q2: leases with defaults
# and several capacity plans; hive_2024q2: a GPU cloud; ai_pivot: three capacity plans.
@pytest.mark.parametrize("name", ["rm1", "default", "corz_2024q2", "hive_2024q2", "ai_pivot"])
def test_full_kernel_gives_the_lean_kernels_bits_without_optional_stages(name, monkeypatch):
    sc = _small(name)
    arrays = [build_company(sc, plan) for plan in sc.capacity_policies()]
    n_tracked = tracked_sites(len(sc.company.sites), bool(sc.company.spin_offs))
    assert not any(needs_full(a, n_tracked) for a in arrays)
    lean = _paths(sc, monkeypatch)
    full = _paths(sc, monkeypatch, run_company_full)
    assert np.array_equal(lean.terminal, full.terminal, equal_nan=True)
    assert np.array_equal(lean.monthly, full.monthly, equal_nan=True)
    assert np.array_equal(lean.project_flows, full.project_flows, equal_nan=True)


def test_lean_kernel_refuses_a_company_with_debt(monkeypatch):
    sc = _small("rm1", debt=[{"name": "note", "kind": "note", "principal_usd": 1e6, "rate_per_year": 0.05,
                              "maturity_date": "2030-01-01"}])
    assert needs_full(build_company(sc, sc.policy.capacity), 0)
    with pytest.raises(ValueError, match="run_company_full"):
        _paths(sc, monkeypatch, run_company)
