"""Same seeds, same bits: every preset's summary and win rates equal the recorded ones.

First recorded on main at c8e4b33, before the engine's step was restaged into stages (issue 11); every kernel change
since kept those bits. Re-recorded on 2026-12-06 with no change to the engine, under the libraries a fresh install
took that day (numpy 2.4.6, pandas 3.1.1, numba 0.68.1), whose arithmetic moved 7 of rm1's 130 summary figures by
1e-16..2e-16 relative and the default preset's by at most 6e-13 of a figure near zero; and with ties in the win
rates (``analysis.summary.beats``), where rounding had decided up to 5 of 130 paths. Re-recorded on 2026-12-07
because the numbers were meant to move: fee spikes, a regime price's jumps and switches, and each project's tenant
and renewal draws came from parts of their streams of their own (``processes.random``), so that a day's draws no
longer move with the horizon; every preset but rm1 (no fee spikes) moved within noise. The fixture keeps the versions
it was recorded with: under the same versions the test demands the same bits; under others (a fresh install takes
the newest libraries the bounds allow) each figure must agree to 1e-9 of the largest figure of its metric in the
preset, which a library's rounding meets and a change to the model does not.

Re-record only when a change is meant to move published numbers, or the libraries moved, and say so in the commit:
``.venv/bin/python tests/test_engine_fixture.py``.
"""

from __future__ import annotations

import json
import math
from importlib.metadata import version
from pathlib import Path

import pytest

from hashpivot import api
from hashpivot.scenarios.toml import preset_names

FIXTURE = Path(__file__).parent / "fixtures" / "preset_summaries.json"  # first recorded before the restaging (issue 11)
#: Three chunks of the default 64 paths, the last one partial; a seed of its own.
N_PATHS, SEED = 130, 11
#: The libraries whose arithmetic the figures go through (the kernels: numba, llvmlite; the summary: numpy, pandas).
LIBRARIES = ("numpy", "pandas", "numba", "llvmlite")
#: Agreement asked of each figure under other library versions, as a fraction of its metric's largest |figure|.
CROSS_VERSION_TOL = 1e-9


def library_versions() -> dict[str, str]:
    return {name: version(name) for name in LIBRARIES}


def _value(x: float) -> float | str:
    """JSON keeps floats exactly (shortest round-trip repr); NaN and infinities as text."""
    return x if math.isfinite(x) else repr(float(x))


def summary_payload(preset: str) -> dict:
    """Summary rows and win-rate matrix of every policy and plan of ``preset`` at ``N_PATHS`` paths."""
    result = api.run(preset, n_paths=N_PATHS, seed=SEED)
    rows = [[str(p), str(m), str(s), _value(float(v))] for p, m, s, v in result.summary.itertuples(index=False)]
    win = {str(i): {str(j): _value(float(v)) for j, v in row.items()} for i, row in result.win_rate.iterrows()}
    return {"summary": rows, "win_rate": win}


def _close(got, expected, scale: float) -> bool:
    """Figures agree: the same text for NaN and infinities, else within ``CROSS_VERSION_TOL`` x ``scale``."""
    if isinstance(got, str) or isinstance(expected, str):
        return got == expected
    return abs(got - expected) <= CROSS_VERSION_TOL * scale


def agrees_across_versions(got: dict, expected: dict) -> list[str]:
    """The figures of ``got`` that do not agree with ``expected`` to ``CROSS_VERSION_TOL`` of the largest |figure| of
    their metric (win rates: of 1); empty when all do. Rows are matched by (policy, metric, statistic)."""
    want = {tuple(row[:3]): row[3] for row in expected["summary"]}
    have = {tuple(row[:3]): row[3] for row in got["summary"]}
    if set(want) != set(have):
        return [f"rows differ: {sorted(set(want) ^ set(have))[:5]}"]
    scale: dict[str, float] = {}
    for (_, metric, _), value in want.items():
        if not isinstance(value, str):
            scale[metric] = max(scale.get(metric, 0.0), abs(value))
    bad = [f"{key}: {have[key]!r} against {value!r}" for key, value in want.items()
           if not _close(have[key], value, scale.get(key[1], 0.0))]
    if got["win_rate"].keys() != expected["win_rate"].keys():
        return [*bad, "win-rate rows differ"]
    for i, row in expected["win_rate"].items():
        bad += [f"win_rate[{i}][{j}]: {got['win_rate'][i].get(j)!r} against {value!r}" for j, value in row.items()
                if j not in got["win_rate"][i] or not _close(got["win_rate"][i][j], value, 1.0)]
    return bad


def test_the_cross_version_check_catches_a_change_of_the_model() -> None:
    expected = {"summary": [["hold", "nav_usd", "mean", 2.0e9], ["hold", "nav_usd", "p5", -27454.46300259331],
                            ["hold", "btc_yield_frac", "mean", "nan"]], "win_rate": {"hold": {"hold": 0.5}}}
    rounding = json.loads(json.dumps(expected))
    rounding["summary"][0][3] = 2.0e9 * (1 + 2e-16)
    rounding["summary"][1][3] = -27454.46300257672  # default's sell_all p5 NAV: as recorded before, as computed on 2026-12-06
    assert agrees_across_versions(rounding, expected) == []
    # 1 USD of 2 billion passes (5e-10); 10 USD (5e-9) is a change; so is a NaN that became a number.
    moved = json.loads(json.dumps(expected))
    moved["summary"][1][3] += 10.0
    assert len(agrees_across_versions(moved, expected)) == 1
    moved["summary"][2][3] = 0.0
    moved["win_rate"]["hold"]["hold"] = 0.5 + 1e-6
    assert len(agrees_across_versions(moved, expected)) == 3


@pytest.mark.parametrize("preset", sorted(preset_names()))
def test_summary_is_bit_identical_to_the_recorded_one(preset: str) -> None:
    fixture = json.loads(FIXTURE.read_text())
    expected = fixture["presets"][preset]
    got = json.loads(json.dumps(summary_payload(preset)))
    if fixture["recorded_with"] == library_versions():
        assert got == expected
    else:
        assert agrees_across_versions(got, expected) == []


def test_fixture_covers_every_preset() -> None:
    fixture = json.loads(FIXTURE.read_text())
    assert sorted(fixture["presets"]) == sorted(preset_names())
    assert sorted(fixture["recorded_with"]) == sorted(LIBRARIES)


if __name__ == "__main__":
    payload = {"recorded_with": library_versions(),
               "presets": {name: summary_payload(name) for name in sorted(preset_names())}}
    FIXTURE.write_text(json.dumps(payload, indent=0, sort_keys=True) + "\n")
    print(f"recorded {len(payload['presets'])} presets into {FIXTURE} under {payload['recorded_with']}")
