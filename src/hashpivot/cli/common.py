"""What the command modules of :mod:`hashpivot.cli` share: error handling and exit codes, the typer
option types used by several commands, number formatters, JSON output, the progress bar, and the
comparison printer of ``run``, ``compare`` and ``runs show``.

Exit codes: 0 success; 2 bad input (one clear sentence, no traceback unless ``--debug``): a bad value, a bad
path (``--out`` naming a file, a path under a file), a bad date, bad file content, a damaged store; 1 a fault
of the environment (permissions, disk full, unreachable network, a busy store) with a sentence, or a bug
("unexpected ..."); 130 interrupted (Ctrl-C), nothing half-written.

This module imports nothing from :mod:`hashpivot.cli` (every command module imports it), and no heavy
library at import time: pandas, rich and the rest load inside the functions that need them.
"""

from __future__ import annotations

import errno
import json
import sys
import unicodedata
import traceback
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from hashpivot.errors import HashpivotError, InputError
from hashpivot.format import fmt_metric, fmt_usd  # the one formatter; re-exported for the commands

# --- error handling -------------------------------------------------------------------------------

#: Exit code for bad input: hashpivot errors (DataError, InputError, ScenarioError) and bad options.
EXIT_BAD_INPUT = 2
#: Exit code for a fault of the environment or a bug.
EXIT_FAILURE = 1
#: Exit code after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130

#: OSErrors a user causes by naming a path: exit 2. Other OSErrors are the environment's: exit 1.
_PATH_ERRORS = (FileExistsError, NotADirectoryError, IsADirectoryError, FileNotFoundError)
#: Type names of date errors raised by pandas (matched by name: pandas is not imported here).
_DATE_ERRORS = ("DateParseError", "OutOfBoundsDatetime")

_PASS_THROUGH = (typer.Exit, typer.Abort, typer.exceptions.TyperException)


@contextmanager
def exit_on_error(debug: bool = False, option_names: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a command's body: turn failures into an exit code and one sentence on stderr.

    HashpivotError -> exit 2, anything else -> exit 1; with ``debug`` the traceback is printed to
    stderr too. ``option_names`` maps library argument names to the command's options (e.g.
    ``{"date_from": "--from"}``) so that an InputError names the option the user typed.
    typer/click exits and usage errors pass through unchanged (click exits 2 on bad options).

    Usage::

        with exit_on_error(debug, {"halving_n": "--around-halving"}):
            ...
    """
    try:
        yield
    except _PASS_THROUGH:
        raise
    except HashpivotError as exc:
        fail(exc, EXIT_BAD_INPUT, debug, _message(exc, option_names or {}))
    except KeyboardInterrupt as exc:
        fail(exc, EXIT_INTERRUPTED, debug, "interrupted (Ctrl-C): stopped before writing any result or file")
    except Exception as exc:  # noqa: BLE001 - the last line of defence of a command
        code, text = classify_error(exc)
        if code == EXIT_FAILURE and text.startswith("unexpected") and not debug:
            text += " (rerun with --debug for the traceback)"
        fail(exc, code, debug, text)


def classify_error(exc: Exception) -> tuple[int, str]:
    """The exit code and sentence of an error that is not a HashpivotError: a path the user named that cannot
    be used (exit 2), a date pandas cannot read (exit 2), a fault of the environment (exit 1), else a bug
    (exit 1, 'unexpected ...')."""
    if isinstance(exc, _PATH_ERRORS):
        return EXIT_BAD_INPUT, (f"path {_filename(exc)} cannot be used: {_reason(exc)}; allowed: a folder, or a "
                                "new path whose parents are folders (not files)")
    if type(exc).__name__ in _DATE_ERRORS:
        return EXIT_BAD_INPUT, f"{exc} is not a date; allowed: an ISO date YYYY-MM-DD"
    if type(exc).__name__ == "StoreBusyError":  # another process holds the store: retry later
        return EXIT_FAILURE, str(exc)
    if isinstance(exc, PermissionError):
        return EXIT_FAILURE, f"permission denied on {_filename(exc)}; check the owner and mode of the file or folder"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EXIT_FAILURE, f"disk full writing {_filename(exc)}; free some space and run again"
    if isinstance(exc, (ConnectionError, TimeoutError)) or type(exc).__name__ in ("URLError", "gaierror"):
        return EXIT_FAILURE, f"the network could not be reached ({_reason(exc)}); check the connection"
    if isinstance(exc, OSError):
        return EXIT_FAILURE, f"the system refused an operation on {_filename(exc)}: {_reason(exc)}"
    return EXIT_FAILURE, f"unexpected {type(exc).__name__}: {exc}"


def _filename(exc: BaseException) -> str:
    name = getattr(exc, "filename", None)
    return repr(str(name)) if name is not None else "a file"


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _message(exc: HashpivotError, option_names: Mapping[str, str]) -> str:
    if isinstance(exc, InputError) and exc.name in option_names:
        return f"{option_names[exc.name]} {exc.value} is invalid: allowed {exc.allowed}"
    return str(exc)


def fail(exc: BaseException, code: int, debug: bool, text: str) -> NoReturn:
    """Exit with ``code`` after printing ``text`` as one sentence ('error: ...') on stderr, and the
    traceback of ``exc`` before it with ``debug``. On a terminal the sentence is wrapped at its width
    (``wrap_prose``: at spaces, a value never split) and each line of a several-problem error (a scenario's
    validation) starts a line of its own; piped or captured, it stays one line, for grep and logs."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    lines = [" ".join(line.split()) for line in printable(text).split("\n") if line.strip()] or ["failed"]
    if not lines[-1].endswith((".", "!", "?", ")")):
        lines[-1] += "."
    if sys.stderr.isatty():  # each problem of a several-line error on its own line(s), under the first
        import shutil

        width, indent = shutil.get_terminal_size().columns, " " * len("error: ")
        text = "\n".join(wrap_prose(("error: " if i == 0 else indent) + line, width, indent=indent)
                         for i, line in enumerate(lines))
    else:  # one line: the problems after a heading ("invalid scenario:") parted by semicolons, sentences by spaces
        text = "error: " + lines[0]
        for before, line in zip(lines, lines[1:]):
            text += (" " if before.endswith((":", ".", ";")) else "; ") + line
    typer.echo(text, err=True)
    raise typer.Exit(code) from None


def refuse_without(needed: str, given: Sequence[tuple[str, bool]], debug: bool) -> None:
    """Exit 2 naming the first option of ``given`` ((as shown, whether given) pairs) that is given: it only shapes
    what ``needed`` does, and without it would be dropped unsaid."""
    for shown, present in given:
        if present:
            fail(ValueError(shown), EXIT_BAD_INPUT, debug, f"{shown} is given without {needed}; allowed: "
                 f"{shown.split()[0]} with {needed}")


def comparison_title(n_paths: int, seed: int, n_policies: int) -> str:
    """The title of a comparison grid: its paths, seed and policies (on the same random numbers when several). [text]"""
    from hashpivot.format import fmt_count

    policies = f"{n_policies} policies on the same random numbers" if n_policies > 1 else "1 policy"
    return f"{fmt_count(n_paths, 'path')}, seed {seed}, {policies}"


def printable(text: object) -> str:
    """``text`` as it may be printed to a terminal: control characters (escape codes, carriage returns, bells;
    Unicode category C except newlines and tabs) shown as ``\\xNN`` escapes, so a name can neither hide nor
    restyle output. Names are stored as given; every printer of the CLI passes them through here."""
    return "".join(ch if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
                   else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def rich_text(text: object) -> str:
    """``printable(text)`` with rich's markup escaped, for names printed through a rich console or table."""
    from rich.markup import escape

    return escape(printable(text))


def check_out_dir(out: Path | None, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that is an existing file or lies under a file. [path]"""
    if out is None:
        return
    from hashpivot.errors import InputError

    for part in (out, *out.parents):
        if part.exists():
            if not part.is_dir():
                what = "is a file" if part == out else f"lies under the file {part}"
                raise InputError(option, str(out), f"a folder or a new path ({out} {what})")
            return


# --- options shared by several commands -----------------------------------------------------------

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the results as JSON on stdout (and nothing else).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", metavar="PATH",
                 help="Run store file (DuckDB). Default: $HASHPIVOT_STORE, else ~/.hashpivot/runs.duckdb."),
]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Do not record this run in the run store.")]
NameOpt = Annotated[str | None, typer.Option("--name", metavar="TEXT", help="Name of the run in the run store.")]
DataOpt = Annotated[
    Path | None, typer.Option("--data", metavar="PATH", help="Chain table for bootstrap prices (default $HASHPIVOT_DATA).")
]
#: ``--data`` of the commands that read the chain table itself (a replay, a deal's mining margin on its dates).
ChainDataOpt = Annotated[
    Path | None, typer.Option("--data", metavar="PATH", help="The chain table (default $HASHPIVOT_DATA).")
]
CheckOpt = Annotated[bool, typer.Option("--check", help="Assert BTC and cash conservation every day (slower).")]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", metavar="N", help="Run on a local Dask cluster of N worker processes (same numbers)."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", metavar="ADDRESS",
                 help="Run on the Dask cluster at tcp://HOST:PORT (default $HASHPIVOT_SCHEDULER); same numbers."),
]


# --- output -----------------------------------------------------------------------------------------


def echo_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout; NaN and infinities are an error (callers map them to
    null first)."""
    typer.echo(json.dumps(payload, indent=2, allow_nan=False))


#: Where a line of prose must not break: between a number and its percent sign ("-2.3 %").
_UNIT_GLUE = (" %", "\xa0%")


def wrap_prose(text: str, width: int, indent: str = "") -> str:
    """``text`` wrapped at ``width`` columns at spaces only, never between a number and its ``%`` (rich wraps at
    every space, so "-2.3 %" could end a line with "-2.3" and start the next with "%"), nor at a hyphen (a minus
    sign). Each line of ``text`` is wrapped on its own; one that fits is left as it is (its spaces included); a
    wrapped line's continuation lines start with ``indent``. [text]

    >>> print(wrap_prose("a fall of -2.3 % a year", 14))  # rich: "a fall of -2.3" / "% a year"
    a fall of
    -2.3 % a year
    >>> print(wrap_prose("ours: 0.055 USD per TH/s", 14, indent="      "))
    ours: 0.055
          USD per
          TH/s
    """
    import textwrap

    # textwrap breaks only at ASCII whitespace: a no-break space holds the number and its sign together
    glued = text.replace(*_UNIT_GLUE)
    lines = [textwrap.fill(line, width, break_on_hyphens=False, break_long_words=False, subsequent_indent=indent)
             if len(line) > width else line for line in glued.split("\n")]
    return "\n".join(lines).replace(_UNIT_GLUE[1], _UNIT_GLUE[0])


def parse_fraction(text: str, option: str) -> float:
    """A fraction given as ``20%`` or ``0.2`` (every fraction option takes both). [fraction]

    >>> parse_fraction("20%", "--range"), parse_fraction("0.05", "--range")
    (0.2, 0.05)
    """
    from hashpivot.errors import InputError

    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise InputError(option, text, "a fraction such as 20% or 0.2") from None
    if value != value:
        raise InputError(option, text, "a fraction such as 20% or 0.2")
    return value


def parse_share(text: str, option: str, below_1: bool = False) -> float:
    """``parse_fraction`` of a share: in [0, 1] (in [0, 1) with ``below_1``), else an InputError naming ``option``
    and what is allowed in both forms. [fraction]

    >>> parse_share("40%", "--rent-drop"), parse_share("1", "--insolvency-limit")
    (0.4, 1.0)
    """
    from hashpivot.errors import InputError

    value = parse_fraction(text, option)
    if not (0.0 <= value < 1.0 if below_1 else 0.0 <= value <= 1.0):
        raise InputError(option, text, "a fraction in [0, 1) (0 % to below 100 %)" if below_1
                         else "a fraction in [0, 1] (0 % to 100 %)")
    return value


def rich_console():
    """A rich console on stdout without rich's automatic highlighting (numbers and paths stay uncoloured). A line of
    plain text (a ``str`` printed with ``markup=False``, or one whose markup carries no style, only escapes) is
    wrapped by ``wrap_prose``: at spaces only, so a path longer than the terminal stays whole on a line of its own
    (rich would fold it mid-name, and a folded path cannot be copied); ``print(..., indent="    ")`` starts its
    continuation lines with that indent. Tables and styled markup keep rich's wrapping."""
    from rich.console import Console

    class _ProseConsole(Console):
        def print(self, *objects, indent: str = "", **kwargs):
            if len(objects) == 1 and isinstance(objects[0], str) and not kwargs.get("soft_wrap"):
                plain = objects[0]
                if kwargs.get("markup") is not False:
                    rendered = self.render_str(plain, markup=True, highlight=False)
                    plain = None if rendered.spans or rendered.style else rendered.plain
                if plain is not None:
                    objects = (wrap_prose(plain, self.width, indent=indent),)
                    kwargs.update(markup=False, soft_wrap=True)
            super().print(*objects, **kwargs)

    return _ProseConsole(highlight=False)


@contextmanager
def progress_bar(label: str, total_paths: int, quiet: bool, unit: str = "paths") -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr ('``label`` ... done/total paths', gone when finished; hidden when ``quiet``,
    i.e. with --json); yields the ``progress(done, total)`` callback that ``api.run`` takes. ``unit`` names what is
    counted (``tasks`` on a Dask cluster, ``variants`` in a sweep)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    # The label goes in as a task field, not into the column's template, so braces in a name stay text. Off a
    # terminal (stderr to a file or a pipe) there is no bar to draw: rich would leave an empty line there.
    console = Console(stderr=True)
    with Progress(TextColumn("{task.fields[label]}"), BarColumn(),
                  TextColumn("{task.completed:,}/{task.total:,} " + unit),
                  TimeElapsedColumn(), console=console, disable=quiet or not console.is_terminal,
                  transient=True) as bar:
        task = bar.add_task("run", total=total_paths, label=label)
        yield lambda done, total: bar.update(task, completed=done, total=total)


# --- number formatters: one set for the report, the CLI and the dashboard (hashpivot.format) ---------

def fmt_signed_pct(frac: float) -> str:
    """A change given as a fraction, in signed percent: 0.123 -> '+12.3 %'."""
    from hashpivot.format import fmt_pct

    return fmt_pct(frac, signed=True)


# --- the comparison of policies (run, compare, runs show) -------------------------------------------

WideOpt = Annotated[bool, typer.Option("--wide", help="Show every column of the table, however wide the terminal "
                                                       "(by default the least important are dropped to fit).")]


def fitted_table(title: str, columns: Sequence[tuple[str, str, int]], rows: Sequence[Sequence[str]], width: int,
                 wide: bool = False, wrap: Collection[int] = (), sections_by: int | None = None,
                 groups: Sequence[str] | None = None):
    """A rich table that fits ``width`` characters without cutting a cell: ``columns`` are (header, justify,
    priority) with priority 0 always kept (names) and the highest dropped first until the table fits (none dropped
    when ``wide``); ``rows`` are already-formatted cells, one per column. Cells wrap only in the columns of index
    in ``wrap`` (a row's key, such as a long policy label, which may take two lines rather than go), and there at
    spaces only: the table fits when those columns fit their longest word. With ``sections_by``, a rule is drawn
    between consecutive rows that differ in that column (the rows of one policy together); with ``groups`` (a key
    per row), between consecutive rows whose keys differ. Returns the table and the headers it dropped (in column
    order)."""
    from rich.console import Console
    from rich.table import Table

    def build(keep: list[int], words_on_lines: bool = False) -> Table:
        # words_on_lines: the wrapping columns' cells a word a line, so that the table measures as narrow as
        # wrapping can make it (rich's own minimum takes every column's longest word)
        grid = Table(title=rich_text(title), header_style="bold")
        fixed = {} if words_on_lines or wide else _wrapped_widths(keep)
        for j in keep:
            header, justify, _priority = columns[j]
            grid.add_column(header, justify=justify, no_wrap=j not in wrap, width=fixed.get(j))
        for i, row in enumerate(rows):
            last_of_group = i + 1 < len(rows) and (
                (sections_by is not None and rows[i + 1][sections_by] != row[sections_by])
                or (groups is not None and groups[i + 1] != groups[i]))
            grid.add_row(*("\n".join(row[j].split(" ")) if words_on_lines and j in wrap else row[j] for j in keep),
                         end_section=last_of_group)
        return grid

    def _wrapped_widths(keep: list[int]) -> dict[int, int]:
        # rich narrows the widest wrapping columns alike, below a long word's length (it then cuts the word with
        # an ellipsis); instead the widest is narrowed first, each never below its longest word
        from rich.cells import cell_len
        from rich.text import Text

        def lines(j: int) -> list[str]:
            return [line for cell in (columns[j][0], *(row[j] for row in rows))
                    for line in Text.from_markup(cell).plain.split("\n")]

        widths = {j: max(cell_len(line) for line in lines(j)) for j in keep}
        excess = sum(widths.values()) + 3 * len(keep) + 1 - width  # a cell's padding and its rule: 3 columns
        if excess <= 0:
            return {}  # fits whole: rich wraps nothing
        floor = {j: max(cell_len(w) for line in lines(j) for w in line.split(" ")) for j in keep if j in wrap}
        while excess > 0:
            slack = [j for j in floor if widths[j] > floor[j]]
            if not slack:
                break
            widest = max(slack, key=lambda j: widths[j])
            widths[widest] -= 1
            excess -= 1
        return {j: widths[j] for j in floor}

    keep = list(range(len(columns)))
    measure = Console(width=10_000, highlight=False)
    while not wide and measure.measure(build(keep, words_on_lines=True)).maximum > width:
        droppable = [j for j in keep if columns[j][2] > 0]
        if not droppable:
            break
        keep.remove(max(reversed(droppable), key=lambda j: columns[j][2]))
    return build(keep), [columns[j][0].replace("\n", " ") for j in range(len(columns)) if j not in keep]


def print_fitted(console, grid, dropped: Sequence[str], wide: bool) -> None:
    """Print a :func:`fitted_table`: with ``wide``, as wide as it is (longer lines than the terminal, never
    squeezed); else say which columns it left out and how to see them."""
    from rich.console import Console

    if wide:
        needed = Console(width=10_000).measure(grid).maximum
        Console(width=max(console.width, needed), file=console.file, highlight=False).print(grid)
        return
    console.print(grid)
    if dropped:
        console.print(f"not shown at this width: {', '.join(dropped)} (--wide shows them; --json carries "
                      "every figure)", markup=False)


def comparison_grid(summary, policies: list[str], title: str, width: int, wide: bool = False):
    """The terminal comparison grid (a row per policy, whole names; a 'plan / policy' label wraps at its spaces
    when the grid would otherwise drop a column for it) and the headers it left out: the columns of
    :data:`hashpivot.format.COMPARISON_METRICS` with a terminal priority, all-missing ones left out, fitted to
    ``width`` by :func:`fitted_table`."""
    from hashpivot.analysis.compare import comparison_table
    from hashpivot.engine.result import split_label
    from hashpivot.format import COMPARISON_METRICS

    table = comparison_table(summary)
    metrics = [m for m in COMPARISON_METRICS if m.priority > 0 and m.label in table.index
               and any(v == v for v in table.loc[m.label])]
    columns = [("policy", "left", 0), *((m.short, "right", m.priority) for m in metrics)]
    rows = [[rich_text(p), *(fmt_metric(m.label, table.at[m.label, p]) for m in metrics)] for p in table.columns]
    plans = [split_label(str(p))[0] for p in table.columns]
    return fitted_table(title, columns, rows, width, wide, wrap=(0,), groups=plans if len(set(plans)) > 1 else None)


def print_comparison(console, summary, win_rate, policies: list[str], title: str, wide: bool = False) -> None:
    """The terminal comparison grid (a row per policy, fitted to the console's width unless ``wide``) and each
    policy's mean win rate."""
    grid, dropped = comparison_grid(summary, policies, title, console.width, wide)
    print_fitted(console, grid, dropped, wide)
    if len(policies) > 1:
        best = win_rate.mean(axis=1).sort_values(ascending=False)
        console.print("share of paths each policy beats the others on NAV per share (mean over rivals): "
                      + ", ".join(f"{printable(p)} {v * 100:.0f} %" for p, v in best.items()), markup=False)


def win_rate_json(win_rate) -> dict[str, dict[str, float | None]]:
    """The win-rate matrix as plain JSON (NaN on the diagonal -> null)."""
    from hashpivot.io.export import json_value

    return {str(r): {str(c): json_value(float(v)) for c, v in cols.items()}
            for r, cols in win_rate.to_dict(orient="index").items()}
