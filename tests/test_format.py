"""One formatter and one vocabulary (issue 16, point 4): the same number reads the same in the report, the CLI
and the dashboard, and the CLI's comparison fits an 80-column terminal with whole policy names."""

from __future__ import annotations

import math

import pytest
from cli_helpers import assert_fits_columns, small_scenario_toml
from typer.testing import CliRunner

from hashpivot.cli import app
from hashpivot.format import COMPARISON_METRICS, fmt_btc, fmt_metric, fmt_number, fmt_pct, fmt_usd, unit_of
from hashpivot.policies.capacity import capacity_label
from hashpivot.scenarios.toml import load_preset

PATHS = "40"


@pytest.fixture
def small_scenario(tmp_path):
    """The default preset shortened to one year, as a TOML file."""
    return small_scenario_toml(tmp_path)


def test_usd_scales_to_three_significant_digits_and_never_prints_1000_of_a_unit():
    # 16,260,000,000 USD = 16.26 B -> three significant digits 16.3 B; 999,999 USD rounds to 1.00 M, not '1000 k'.
    assert [fmt_usd(v) for v in (16.26e9, 999_999.0, -489_400.0, 950.0, math.nan, None)] == [
        "16.3 B", "1.00 M", "-489 k", "950", "—", "—"]


def test_metric_is_formatted_by_the_unit_in_its_label():
    assert unit_of("NAV CVaR 5% [USD]") == "USD"
    assert fmt_metric("NAV median [USD]", 403_400_000.0) == "403 M"
    assert fmt_metric("P(insolvent) [fraction]", 0.404) == "40.4 %"
    assert fmt_metric("BTC held median [BTC]", 6537.4) == "6,537"
    # 0.0002 BTC per share = 20,000 sats (1 BTC = 10^8 sat)
    assert fmt_metric("BTC per share median [sats]", 0.0002) == "20,000"
    # a rate with a compound unit: a plain number, thousands separated (never 1.303e+04)
    assert fmt_metric("mining margin median [USD/MW-day]", 13_030.4) == "13,030"
    assert fmt_metric("mean insolvency day [day]", 1234.6) == "1,235"
    assert fmt_number(0.0012345) == "0.001234"
    assert fmt_btc(12.345) == "12.35"
    assert fmt_pct(-1.0, signed=True) == "-100.0 %"


def test_every_terminal_column_has_a_unit_and_a_unique_short_header():
    shown = [m for m in COMPARISON_METRICS if m.priority > 0]
    assert all(unit_of(m.label) for m in COMPARISON_METRICS)
    assert len({m.short for m in shown}) == len(shown)
    assert len({(m.metric, m.stat) for m in COMPARISON_METRICS}) == len(COMPARISON_METRICS)


def _table_lines(stdout: str) -> list[str]:
    """The lines of the comparison grid, the first table printed (rich draws its rows between vertical bars and
    closes it with a line starting '└'; the value table follows)."""
    lines = stdout.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("└"))
    return [line for line in lines[:end] if line.startswith(("│", "┃"))]


def test_compare_fits_80_columns_with_whole_policy_names_and_wide_shows_every_column(small_scenario):
    runner = CliRunner()
    policies = [p.label for p in load_preset("default").treasury_policies()]
    narrow = runner.invoke(app, ["compare", str(small_scenario), "--paths", PATHS, "--no-store"],
                           env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    assert_fits_columns(narrow.stdout)
    rows = _table_lines(narrow.stdout)
    first_cells = [line.split("│")[1].strip() for line in rows if line.startswith("│")]
    assert first_cells == policies  # one line per policy, each name whole (no '…', no wrapped second line)
    assert "…" not in "".join(rows)
    assert "--wide" in narrow.stdout  # says what it left out and how to see it
    wide = runner.invoke(app, ["compare", str(small_scenario), "--paths", PATHS, "--no-store", "--wide"],
                         env={"COLUMNS": "80"})
    assert wide.exit_code == 0, wide.output
    header = "".join(line for line in wide.stdout.splitlines() if line.startswith("┃"))
    # The default scenario has no AI capacity: its AI column is all missing and left out; every other one shows.
    for m in COMPARISON_METRICS:
        if m.priority > 0 and not m.metric.startswith("ai_"):
            for word in m.short.split():  # a header may wrap onto two lines
                assert word in header, m.short
    assert [line.split("│")[1].strip() for line in _table_lines(wide.stdout) if line.startswith("│")] == policies


def test_plan_and_policy_labels_wrap_at_their_spaces_so_the_risk_columns_stay_in_80_columns():
    """ai_pivot's rows are 'plan / policy' (up to 36 characters): whole on one line they left room for three figure
    columns. Wrapped at their spaces (never inside a name) the grid keeps four: NAV p50, NAV p5 (which ranks before
    the per-MW margins: the answer above the grid states what a MW earns), P(insolv.) and the mining margin."""
    scenario = load_preset("ai_pivot")
    labels = [f"{capacity_label(plan)} / {policy.label}" for plan in scenario.capacity_policies()
              for policy in scenario.treasury_policies()]
    result = CliRunner().invoke(app, ["compare", "ai_pivot", "--paths", PATHS, "--no-store"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert_fits_columns(result.stdout)
    rows = _table_lines(result.stdout)
    header = " ".join(line for line in rows if line.startswith("┃"))
    for short in ("NAV p50", "NAV p5", "P(insolv.)", "mining p50"):  # whole labels left room for three of them
        assert short in header, short
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in rows if line.startswith("│")]
    joined = []
    for cell in cells:  # a wrapped label's second line has every figure cell empty
        if joined and not any(cell[1:]):
            joined[-1] += " " + cell[0]
        else:
            joined.append(cell[0])
    assert joined == labels and len(cells) > len(labels)  # whole names, some on two lines
    assert "…" not in "".join(rows)
    lines = result.stdout.splitlines()
    grid = lines[:next(i for i, line in enumerate(lines) if line.startswith("└"))]
    assert sum(line.startswith("├") for line in grid) == len(scenario.capacity_policies()) - 1  # a rule per plan


def test_a_path_longer_than_the_terminal_is_printed_whole_on_a_line_of_its_own(tmp_path):
    # rich folds a word longer than the console mid-word; a folded path cannot be copied. The CLI's console wraps
    # plain lines at spaces only, with or without (style-free) markup, and leaves styled markup to rich.
    from rich.markup import escape

    from hashpivot.cli.common import rich_console

    deep = tmp_path / ("x" * 30) / ("y" * 30) / "runs.duckdb"
    console = rich_console()
    console.width = 40
    with console.capture() as capture:
        console.print(f"recorded as run 2 in {deep} (hashpivot runs show 2)")
        console.print(escape(f"market: {tmp_path}/[draft]/market.toml"), markup=True)
        console.print(f"wrote {deep}", markup=False)
    lines = capture.get().splitlines()
    assert lines[:3] == ["recorded as run 2 in", str(deep), "(hashpivot runs show 2)"]
    assert f"{tmp_path}/[draft]/market.toml" in lines  # an escaped bracket is text, not a style
    assert lines[-2:] == ["wrote", str(deep)]


def test_every_command_lists_a_one_sentence_summary():
    """The command lists (`hashpivot --help`, `hashpivot runs --help`, ...) show each command's first help
    paragraph: it must be one line of the docstring, or the list breaks it mid-sentence where the source wraps."""
    import typer.main

    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            first = (sub.help or "").strip().split("\n\n")[0]
            yield " ".join([*path, name]), first
            yield from walk(sub, [*path, name])

    commands = dict(walk(typer.main.get_command(app), []))
    assert {"calc", "option", "runs check", "data update"} <= set(commands)
    wrapped = {name: first for name, first in commands.items() if "\n" in first or not first}
    assert not wrapped, wrapped


def test_every_commands_help_wraps_its_paragraphs_at_the_terminals_width():
    """typer keeps the line breaks inside every help paragraph after the first, so a docstring wrapped at the
    source's width broke mid-sentence in `--help` (`hashpivot option --help` ended a line at "switching machines
    off"); rendered at 80 columns, each paragraph's lines but its last run to near the width."""
    import typer.main
    from typer.testing import CliRunner

    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            yield [*path, name]
            yield from walk(sub, [*path, name])

    short = {}
    for path in walk(typer.main.get_command(app), []):
        out = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"}).stdout.splitlines()
        start = next(i for i, line in enumerate(out) if "Usage:" in line) + 1
        prose = [line.rstrip() for line in out[start:next(i for i, line in enumerate(out) if "╭" in line)]]
        paragraphs = [[]]
        for line in prose:
            paragraphs[-1].append(line) if line.strip() else paragraphs.append([])
        for para in paragraphs:
            # a line that ends 25+ columns short of the width while its paragraph goes on was broken by the source
            short.update({" ".join(path): line for line in para[:-1] if len(line) < 80 - 25})
    assert not short, short


def test_a_fitted_table_wraps_its_key_columns_without_cutting_a_word():
    """rich narrows wrapping columns alike and cuts a word longer than its share with an ellipsis; the fitted table
    narrows the widest first, never below its longest word (the run store's diff in 80 columns cut
    'sell_monthly_production' to 'sell_monthly_product…')."""
    from rich.console import Console

    from hashpivot.cli.common import fitted_table

    rows = [["corsicana_site_lease / sell_monthly_production", "mining margin median [USD/MW-day]", "-200 M",
             "-47.4 M", "+111.1 %"], ["all_mining / hold_all", "NAV CVaR 5% [USD]", "615", "668", "+8.7 %"]]
    columns = [("policy", "left", 0), ("metric", "left", 0), ("run 1", "right", 0), ("run 2", "right", 0),
               ("change", "right", 0)]
    grid, dropped = fitted_table("diff", columns, rows, 80, wrap=(0, 1), sections_by=0)
    console = Console(width=80, record=True, highlight=False)
    console.print(grid)
    text = console.export_text()
    assert dropped == [] and "…" not in text and all(len(line) <= 80 for line in text.splitlines())
    assert "sell_monthly_production" in text and "[USD/MW-day]" in text
    assert sum(line.startswith("├") for line in text.splitlines()) == 1  # a rule between the two policies


def test_one_path_is_one_path():
    from hashpivot.cli.common import comparison_title

    assert comparison_title(1, 7, 1) == "1 path, seed 7, 1 policy"
    assert comparison_title(2_000, 7, 3) == "2,000 paths, seed 7, 3 policies on the same random numbers"
