"""The README's Python examples run as written (issue 12, point 5), so that they never rot: every ```python block
of the README is executed; the one that starts a LocalCluster is marked slow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_the_readme_has_python_examples():
    blocks = python_blocks()
    assert len(blocks) >= 2
    assert any("api.sweep(" in b for b in blocks) and any("client=client" in b for b in blocks)


@pytest.mark.parametrize("code", [pytest.param(b, marks=pytest.mark.slow, id=f"block{i}") if "connect(" in b
                                  else pytest.param(b, id=f"block{i}") for i, b in enumerate(python_blocks())])
def test_each_readme_example_runs(code, capsys, monkeypatch):
    from conftest import SHARED_CSV

    index = python_blocks().index(code)
    if "replay(" in code:  # a replay reads the real chain table, as a user's HASHPIVOT_DATA would give it
        if not SHARED_CSV.exists():
            pytest.skip("needs ../shared/data/btc_daily.csv")
        monkeypatch.setenv("HASHPIVOT_DATA", str(SHARED_CSV))
    exec(compile(code, f"README.md python block {index}", "exec"), {})
    if "print(" in code:
        assert capsys.readouterr().out.strip(), "an example prints what it computed"
