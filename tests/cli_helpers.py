"""Assertions shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path


def assert_bad_input(result, *words: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr starting 'error:', no traceback; returns the line."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def assert_fits_columns(stdout: str, width: int = 80) -> None:
    """Every line of ``stdout`` fits ``width`` columns, but a line that is one word: a path longer than the terminal,
    which the CLI prints whole on a line of its own (a folded path cannot be copied)."""
    too_wide = [line for line in stdout.splitlines() if len(line) > width and " " in line.strip()]
    assert not too_wide, too_wide


def small_scenario_toml(directory: Path) -> Path:
    """The default preset shortened to one year, written as ``small.toml`` in ``directory``."""
    from hashpivot.scenarios.toml import load_preset, to_toml

    text = to_toml(load_preset("default")).replace("horizon_days = 3650", "horizon_days = 365")
    path = directory / "small.toml"
    path.write_text(text)
    return path
