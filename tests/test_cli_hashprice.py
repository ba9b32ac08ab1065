"""The `hashpivot hashprice` command and the CLI's shared error handling."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hashpivot.analysis.hashprice import (
    find_halvings,
    halving_window,
    period_stats,
    recompute_hashprice_usd_per_th_day,
)
from hashpivot.cli import app
from hashpivot.cli.common import exit_on_error
from hashpivot.cli.hashprice import ARTICLE_CLAIM
from hashpivot.errors import DataError, InputError, ScenarioError
from hashpivot.io import ATTRIBUTION, load_chain_history
from cli_helpers import assert_bad_input as _assert_bad_input

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.delenv("HASHPIVOT_DATA", raising=False)
    return CliRunner()


def _run(runner: CliRunner, *args: str):
    return runner.invoke(app, ["hashprice", *args])


# --- success ---------------------------------------------------------------------------------------


def test_writes_html_and_png(runner, make_chain_csv, tmp_path):
    data = make_chain_csv()
    out = tmp_path / "report"
    result = _run(runner, "--data", str(data), "--around-halving", "4", "--before-days", "20",
                  "--after-days", "10", "--out", str(out))
    assert result.exit_code == 0, result.output
    html = (out / "hashprice.html").read_text()
    png = (out / "hashprice.png").read_bytes()
    assert png.startswith(PNG_MAGIC)
    assert ATTRIBUTION.encode() in png  # PNG text metadata; it is also drawn on the image
    assert ATTRIBUTION in html
    assert "Plotly.newPlot" in html
    assert 'src="http' not in html  # plotly.js is inlined: the page opens offline
    history = load_chain_history(data)
    daily = recompute_hashprice_usd_per_th_day(history)
    assert json.dumps(float(daily.iloc[0])) in html  # the series itself is in the page
    assert json.dumps(float(daily.iloc[-1])) in html
    assert "halving 4 (2024-03-31)" in html
    assert sorted(p.name for p in out.iterdir()) == ["hashprice.html", "hashprice.png"]
    # human output: the numbers, the article's claim, the attribution
    window = halving_window(history, 4, 20, 10)
    assert f"{window.before.mean_daily_hashprice_usd_per_th_day:.4g}" in result.stdout
    assert f"{window.after.mean_daily_hashprice_usd_per_th_day:.4g}" in result.stdout
    assert f"{window.mean_daily_change_frac * 100:+.1f} %" in result.stdout
    assert ARTICLE_CLAIM in result.stdout
    assert ATTRIBUTION in result.stdout
    assert result.stderr == ""


def test_without_a_halving_prints_the_period(runner, make_chain_csv, tmp_path):
    data = make_chain_csv()
    result = _run(runner, "--data", str(data), "--from", "2024-03-10", "--to", "2024-03-20",
                  "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    stats = period_stats(load_chain_history(data).loc["2024-03-10":"2024-03-20"])
    assert "2024-03-10..2024-03-20 (11 days)" in result.stdout
    assert f"{stats.mean_daily_hashprice_usd_per_th_day:.4g}" in result.stdout
    assert ATTRIBUTION in result.stdout
    assert (tmp_path / "o" / "hashprice.png").read_bytes().startswith(PNG_MAGIC)


def test_data_from_the_environment(runner, make_chain_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("HASHPIVOT_DATA", str(make_chain_csv()))
    result = _run(runner, "--out", str(tmp_path / "o"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["period"]["n_days"] == 60


def test_json_has_the_same_numbers(runner, make_chain_csv, tmp_path):
    data = make_chain_csv()
    out = tmp_path / "o"
    result = _run(runner, "--data", str(data), "--around-halving", "4", "--before-days", "20",
                  "--after-days", "10", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # stdout holds the JSON and nothing else
    history = load_chain_history(data)
    window = halving_window(history, 4, 20, 10)
    assert payload["window"] == window.to_dict()
    assert payload["window"]["before"]["mean_daily_hashprice_usd_per_th_day"] == (
        window.before.mean_daily_hashprice_usd_per_th_day
    )
    assert payload["period"] == period_stats(history).to_dict()
    assert payload["halvings"] == [h.to_dict() for h in find_halvings(history)]
    assert payload["attribution"] == ATTRIBUTION
    assert payload["article_claim"] == ARTICLE_CLAIM
    assert payload["files"] == {"html": str(out / "hashprice.html"),
                                "png": str(out / "hashprice.png")}
    assert Path(payload["files"]["png"]).read_bytes().startswith(PNG_MAGIC)


def test_json_without_a_halving(runner, make_chain_csv, tmp_path):
    result = _run(runner, "--data", str(make_chain_csv()), "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["window"] is None


@pytest.mark.shared_data
def test_halving_4_on_the_shared_table(runner, shared_csv, tmp_path):
    result = _run(runner, "--data", str(shared_csv), "--around-halving", "4",
                  "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    window = json.loads(result.stdout)["window"]
    assert (window["before_days"], window["after_days"]) == (365, 60)
    assert window["halving"]["date"] == "2024-04-20"
    assert window == halving_window(load_chain_history(shared_csv), 4, 365, 60).to_dict()


# --- bad input: exit 2, one sentence, no traceback -------------------------------------------------


def test_nonexistent_data_file(runner, tmp_path):
    missing = tmp_path / "missing.csv"
    _assert_bad_input(_run(runner, "--data", str(missing), "--out", str(tmp_path / "o")),
                      str(missing), "does not exist")
    assert not (tmp_path / "o").exists()


def test_no_data_given(runner, tmp_path):
    _assert_bad_input(_run(runner, "--out", str(tmp_path)), "--data PATH", "HASHPIVOT_DATA")


def test_unknown_halving(runner, make_chain_csv, tmp_path):
    line = _assert_bad_input(
        _run(runner, "--data", str(make_chain_csv()), "--around-halving", "9", "--out", str(tmp_path)),
        "--around-halving 9",
    )
    assert "4 (2024-03-31)" in line


def test_from_after_to(runner, make_chain_csv, tmp_path):
    _assert_bad_input(
        _run(runner, "--data", str(make_chain_csv()), "--from", "2024-04-10", "--to", "2024-03-10",
             "--out", str(tmp_path)),
        "--from 2024-04-10", "2024-03-10",
    )


def test_malformed_date_option(runner, make_chain_csv, tmp_path):
    _assert_bad_input(
        _run(runner, "--data", str(make_chain_csv()), "--to", "10/03/2024", "--out", str(tmp_path)),
        "--to 10/03/2024", "YYYY-MM-DD",
    )


def test_window_outside_the_data(runner, make_chain_csv, tmp_path):
    _assert_bad_input(
        _run(runner, "--data", str(make_chain_csv()), "--around-halving", "4", "--out", str(tmp_path)),
        "365 days before halving 4", "30 days before it are available",
    )


def test_bad_window_length(runner, make_chain_csv, tmp_path):
    _assert_bad_input(
        _run(runner, "--data", str(make_chain_csv()), "--around-halving", "4", "--before-days", "0",
             "--out", str(tmp_path)),
        "--before-days 0",
    )


def test_malformed_table(runner, make_chain_csv, tmp_path):
    def edit(rows):
        rows[3]["fees_btc"] = "lots"

    data = make_chain_csv(edit=edit)
    _assert_bad_input(_run(runner, "--data", str(data), "--out", str(tmp_path)),
                      str(data), "'fees_btc'", "2024-03-04")


def test_bad_option_type_exits_2(runner, tmp_path):
    result = _run(runner, "--around-halving", "four", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--around-halving" in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(runner, tmp_path):
    result = _run(runner, "--data", str(tmp_path / "missing.csv"), "--debug")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert "DataError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")


def test_unexpected_failure_exits_1(runner, make_chain_csv, tmp_path, monkeypatch):
    import hashpivot.report

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hashpivot.report, "write_hashprice_charts", broken)
    result = _run(runner, "--data", str(make_chain_csv()), "--out", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: unexpected RuntimeError: disk on fire (rerun with --debug for the traceback)"
    )
    assert "Traceback" not in result.output


# --- the reusable helper ---------------------------------------------------------------------------


@pytest.mark.parametrize("error", [DataError("bad table"), ScenarioError("bad scenario"),
                                   InputError("x", 3, "> 5")])
def test_exit_on_error_maps_hashpivot_errors_to_2(error, capsys):
    with pytest.raises(typer.Exit) as info, exit_on_error():
        raise error
    assert info.value.exit_code == 2
    assert capsys.readouterr().err == f"error: {error}.\n"


def test_exit_on_error_names_options(capsys):
    with pytest.raises(typer.Exit) as info, exit_on_error(option_names={"x": "--ex"}):
        raise InputError("x", 3, "> 5")
    assert info.value.exit_code == 2
    assert capsys.readouterr().err == "error: --ex 3 is invalid: allowed > 5.\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_error_on_a_terminal_is_wrapped_at_its_width_and_one_line_when_piped(monkeypatch, capsys):
    """A long error reads in an 80-column terminal: wrapped at spaces, continuation lines under the sentence's
    start, every word kept in order; piped (capsys is not a terminal) it is one line, for grep and logs."""
    words = [f"run.start_height=840000 word{i}" for i in range(12)]
    message = " ".join(words)  # 12 x 31 + 11 = 383 characters
    with pytest.raises(typer.Exit), exit_on_error():
        raise ScenarioError(message)
    assert capsys.readouterr().err == f"error: {message}.\n"

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(typer.Exit), exit_on_error():
        raise ScenarioError(message)
    lines = terminal.getvalue().rstrip("\n").split("\n")
    assert len(lines) >= 5 and all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("error: ") and all(line.startswith(" " * 7) for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == f"error: {message}."
    # an error of several problems, one per line (a scenario's validation): each starts a line of its own there
    terminal.seek(0)
    terminal.truncate()
    with pytest.raises(typer.Exit), exit_on_error():
        raise ScenarioError("invalid scenario:\n  a.toml: run.n_paths = 0: too few\n  a.toml: run.seed = -1: negative")
    assert terminal.getvalue() == ("error: invalid scenario:\n       a.toml: run.n_paths = 0: too few\n"
                                   "       a.toml: run.seed = -1: negative.\n")


def test_exit_on_error_lets_exits_through():
    with pytest.raises(typer.Exit) as info, exit_on_error():
        raise typer.Exit(0)
    assert info.value.exit_code == 0


def test_exit_on_error_other_failures_exit_1(capsys):
    with pytest.raises(typer.Exit) as info, exit_on_error(debug=True):
        raise KeyError("k")
    assert info.value.exit_code == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1] == "error: unexpected KeyError: 'k'."


@pytest.mark.parametrize("option", ["--before-days", "--after-days"])
def test_a_window_without_its_halving_is_refused(runner, option, tmp_path, make_chain_csv):
    """--before-days and --after-days shape the --around-halving comparison; alone they would be dropped unsaid."""
    out = runner.invoke(app, ["hashprice", "--data", str(make_chain_csv()), option, "10", "--out", str(tmp_path)])
    _assert_bad_input(out, f"{option} 10 is given without --around-halving")
