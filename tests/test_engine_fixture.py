"""Same seeds, same bits: every preset's summary and win rates equal the ones recorded before the engine's step
was restaged into stages (issue 11; the fixture was recorded on main at c8e4b33, before any change to the kernel).

Re-record only when a change is meant to move published numbers, and say so in the commit:
``.venv/bin/python tests/test_engine_fixture.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from hashpivot import api
from hashpivot.scenarios.toml import preset_names

FIXTURE = Path(__file__).parent / "fixtures" / "summary_before_restaging.json"
#: Three chunks of the default 64 paths, the last one partial; a seed of its own.
N_PATHS, SEED = 130, 11


def _value(x: float) -> float | str:
    """JSON keeps floats exactly (shortest round-trip repr); NaN and infinities as text."""
    return x if math.isfinite(x) else repr(float(x))


def summary_payload(preset: str) -> dict:
    """Summary rows and win-rate matrix of every policy and plan of ``preset`` at ``N_PATHS`` paths."""
    result = api.run(preset, n_paths=N_PATHS, seed=SEED)
    rows = [[str(p), str(m), str(s), _value(float(v))] for p, m, s, v in result.summary.itertuples(index=False)]
    win = {str(i): {str(j): _value(float(v)) for j, v in row.items()} for i, row in result.win_rate.iterrows()}
    return {"summary": rows, "win_rate": win}


@pytest.mark.parametrize("preset", sorted(preset_names()))
def test_summary_is_bit_identical_to_the_recorded_one(preset: str) -> None:
    expected = json.loads(FIXTURE.read_text())[preset]
    got = json.loads(json.dumps(summary_payload(preset)))
    assert got == expected


def test_fixture_covers_every_preset() -> None:
    assert sorted(json.loads(FIXTURE.read_text())) == sorted(preset_names())


if __name__ == "__main__":
    payload = {name: summary_payload(name) for name in sorted(preset_names())}
    FIXTURE.write_text(json.dumps(payload, indent=0, sort_keys=True) + "\n")
    print(f"recorded {len(payload)} presets into {FIXTURE}")
