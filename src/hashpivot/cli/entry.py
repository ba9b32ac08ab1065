"""The ``hashpivot`` typer app: every command and command group registered in the order of ``--help``,
and :func:`main`, the console-script entry point (``hashpivot = "hashpivot.cli:main"``).

This is the only module of :mod:`hashpivot.cli` that imports the command modules; none of them imports
it. Commands parse input, call the library and print; they compute nothing a test would need to check.
"""

from __future__ import annotations

import typer

from hashpivot.cli.calc import calc
from hashpivot.cli.calibrate import calibrate_command
from hashpivot.cli.claims import claims
from hashpivot.cli.dashboard import dashboard
from hashpivot.cli.deal import deal
from hashpivot.cli.option import option
from hashpivot.cli.decide import breakeven, optimize, sensitivity
from hashpivot.cli.data import data_app
from hashpivot.cli.hashprice import hashprice
from hashpivot.cli.replay import replay
from hashpivot.cli.runs import presets_app, report, runs_app
from hashpivot.cli.simulate import compare, margins, run
from hashpivot.cli.sweep import sweep

app = typer.Typer(
    name="hashpivot",
    help="Strategy lab for Bitcoin miners: hashprice, treasury policies, AI/HPC conversion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Strategy lab for Bitcoin miners: hashprice, treasury policies, AI/HPC conversion."""


app.command("hashprice")(hashprice)
app.command("run")(run)
app.command("compare")(compare)
app.command("sweep")(sweep)  # variants of a scenario on the same random numbers, in-process or on Dask
app.command("sensitivity")(sensitivity)  # tornado and Sobol indices: which input the answer hangs on
app.command("optimize")(optimize)  # the best decision on common random numbers, or 'within noise'
app.command("breakeven")(breakeven)  # where the answer flips over a grid of two inputs, with the frontier
app.command("margins")(margins)
app.command("calc")(calc)  # the mining calculator: hashprice today, break-evens, cost to mine, over a horizon
app.add_typer(runs_app, name="runs")  # stored runs: list, show, diff, delete
app.add_typer(presets_app, name="presets")
app.command("report")(report)  # a stored run exported: html, xlsx, csv, parquet
app.command("dashboard")(dashboard)
app.command("replay")(replay)
app.command("claims")(claims)  # the article's claims checked
app.command("deal")(deal)  # a lease deal's terms beside mining
app.command("option")(option)  # the real option to convert MW to AI within a window
app.command("calibrate")(calibrate_command)  # fit the market to the chain history
app.add_typer(data_app, name="data")  # live data: update, status


def _unwrap_help(typer_app: typer.Typer) -> None:
    """Each command's help (its docstring) with the line breaks inside a paragraph taken out: typer keeps those
    of every paragraph after the first, so a docstring wrapped at the source's width broke mid-sentence in the
    terminal's help; rich wraps each paragraph at the terminal's width instead. Paragraphs stay apart."""
    import inspect

    for info in typer_app.registered_commands:
        text = info.help or inspect.getdoc(info.callback) or ""
        info.help = "\n\n".join(" ".join(p.split()) for p in text.split("\n\n"))
    for group in typer_app.registered_groups:
        _unwrap_help(group.typer_instance)


_unwrap_help(app)


def main() -> None:
    """Console-script entry point."""
    app()
