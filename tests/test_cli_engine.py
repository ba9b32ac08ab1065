"""`hashpivot run` and `hashpivot compare`: success, --json, bad input (exit 2, one clear line)."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_bad_input, small_scenario_toml
from typer.testing import CliRunner

from hashpivot.cli import app
from hashpivot.scenarios.toml import load_preset

PATHS = "40"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def small_scenario(tmp_path):
    """The default preset shortened to one year, as a TOML file."""
    return small_scenario_toml(tmp_path)


def test_compare_json_lists_selected_policies_with_consistent_numbers(runner, small_scenario):
    result = runner.invoke(app, ["compare", str(small_scenario), "--paths", PATHS, "--policy", "sell_all",
                                 "--policy", "hold_all", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["policies"] == ["sell_all", "hold_all"]
    assert payload["n_paths"] == 40
    rows = {(r["policy"], r["metric"], r["stat"]): r["value"] for r in payload["summary"]}
    # sell_all sells every mined BTC and never buys: it ends with at most the BTC it started with.
    assert rows[("sell_all", "btc_held", "p95")] <= 10_000.0 + 1e-6
    # hold_all keeps what it mines unless forced to sell: on the median path it holds more than sell_all.
    assert rows[("hold_all", "btc_held", "p50")] >= rows[("sell_all", "btc_held", "p50")]
    win = payload["win_rate"]
    assert win["sell_all"]["hold_all"] + win["hold_all"]["sell_all"] <= 1.0 + 1e-12


def test_compare_prints_a_row_per_policy(runner, small_scenario):
    result = runner.invoke(app, ["compare", str(small_scenario), "--paths", PATHS])
    assert result.exit_code == 0, result.output
    policies = [p.label for p in load_preset("default").treasury_policies()]
    for label in policies:
        assert label in result.stdout


def test_run_uses_the_main_policy_and_the_seed(runner, small_scenario):
    first = runner.invoke(app, ["run", str(small_scenario), "--paths", PATHS, "--seed", "7", "--json"])
    second = runner.invoke(app, ["run", str(small_scenario), "--paths", PATHS, "--seed", "7", "--json"])
    other = runner.invoke(app, ["run", str(small_scenario), "--paths", PATHS, "--seed", "8", "--json"])
    assert first.exit_code == second.exit_code == other.exit_code == 0, first.output
    a, b, c = (json.loads(r.stdout) for r in (first, second, other))
    assert a["policies"] == ["sell_all"] and a["seed"] == 7
    assert a["summary"] == b["summary"]
    assert a["summary"] != c["summary"]


def test_run_accepts_a_preset_name(runner):
    result = runner.invoke(app, ["run", "rm1", "--paths", "20", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["policies"] == ["hold_above_average"]


def test_unknown_policy_is_bad_input(runner, small_scenario):
    result = runner.invoke(app, ["compare", str(small_scenario), "--paths", PATHS, "--policy", "sell_everything"])
    line = assert_bad_input(result, "sell_everything", "allowed", "hold_all")
    assert "did you mean" not in line  # far from every policy: no guess
    # a near miss of a policy, a capacity plan, a preset and a stress is guessed before the list
    for args, guess in ((["compare", str(small_scenario), "--policy", "hold_al"], "hold_all"),
                        (["compare", str(small_scenario), "--capacity", "all_minin"], "all_mining"),
                        (["run", "riot_lates"], "riot_latest"),
                        (["compare", str(small_scenario), "--stress", "tenant_defualt"], "tenant_default")):
        assert_bad_input(runner.invoke(app, [*args, "--paths", PATHS, "--no-store"]), f"did you mean {guess}? allowed")


def test_invalid_scenario_names_file_field_value_and_limit(runner, small_scenario):
    small_scenario.write_text(small_scenario.read_text().replace("uptime_frac = 0.97", "uptime_frac = 1.5", 1))
    result = runner.invoke(app, ["run", str(small_scenario), "--paths", PATHS])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    err = result.stderr
    assert str(small_scenario) in err
    assert "company.fleets.0.uptime_frac" in err and "1.5" in err and "less than or equal to 1" in err


def test_missing_scenario_is_bad_input(runner, tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.toml")])
    assert_bad_input(result, "nope.toml", "preset")


def test_bad_path_count_is_bad_input(runner, small_scenario):
    result = runner.invoke(app, ["run", str(small_scenario), "--paths", "0"])
    assert_bad_input(result, "run.n_paths", "0", "greater than or equal to 1")


def test_compare_shows_insolvency_with_economic_shutdown_beside_machines_always_on(tmp_path):
    """Issue 13: the default scenario switches machines off at a loss; compare prints, and the report tabulates, each
    policy's insolvency probability beside the same run with machines always on (a twin built by hand here)."""
    import json

    from typer.testing import CliRunner

    from hashpivot import api
    from hashpivot.cli import app

    args = ["compare", "default", "--paths", "128", "--policy", "sell_all", "--policy", "hold_all", "--no-store"]
    out = CliRunner().invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    always_on = json.loads(out.stdout)["insolvency_always_on"]
    sc = api.load("default", n_paths=128)
    data = sc.model_dump(mode="python", exclude_none=True)
    for site in data["company"]["sites"]:
        site["curtailable_frac"] = 0.0
    from hashpivot.scenarios.toml import from_dict

    twin = api.run(from_dict(data, "always on"), policies=["sell_all", "hold_all"])
    want = twin.summary.query("metric == 'insolvency' and stat == 'probability'").set_index("policy")["value"]
    assert always_on == {p: float(want[p]) for p in ("sell_all", "hold_all")}
    human = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "r")], env={"COLUMNS": "120"})
    assert human.exit_code == 0, human.output
    assert "(in brackets: the same paths, machines always on)" in human.stdout
    page = (tmp_path / "r" / "report.html").read_text()
    assert 'id="shutdown-vs-always-on"' in page and "machines always on" in page
    rm1 = CliRunner().invoke(app, ["compare", "rm1", "--paths", "64", "--no-store", "--json"])
    assert json.loads(rm1.stdout)["insolvency_always_on"] is None  # RM1's machines never switch off


def test_a_chain_table_named_for_a_run_that_needs_none_must_exist(tmp_path):
    """The default preset's GBM price needs no chain table; a --data naming a file that is not there is still the
    user's mistake (a typo in a path), so it is refused naming the path, not dropped."""
    from cli_helpers import assert_bad_input

    missing = tmp_path / "chain.csv"
    out = CliRunner().invoke(app, ["run", "default", "--paths", "64", "--no-store", "--data", str(missing)])
    assert_bad_input(out, str(missing), "does not exist")


@pytest.mark.parametrize("command", [["run", "default"], ["compare", "default"], ["sweep", "default"]])
def test_a_name_for_a_run_that_is_not_recorded_is_refused(command):
    """--name labels the run in the store; with --no-store nothing is stored, so the name would be dropped unsaid."""
    from cli_helpers import assert_bad_input

    out = CliRunner().invoke(app, [*command, "--paths", "64", "--no-store", "--name", "q3 plan"])
    assert_bad_input(out, "--name 'q3 plan' is given with --no-store")


def test_stderr_off_a_terminal_holds_no_progress_bar_residue():
    # rich's transient bar, off a terminal, left an empty line on stderr after every run
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "from hashpivot.cli import main; main()", "run", "default", "--paths",
                          "8", "--no-store"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
