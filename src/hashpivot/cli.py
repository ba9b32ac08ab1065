"""The ``hashpivot`` command line (typer). Commands parse input, call the library and print;
they compute nothing a test would need to check.

Exit codes: 0 success, 2 bad input (one clear sentence, no traceback unless ``--debug``),
1 any other failure.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="hashpivot",
    help="Strategy lab for Bitcoin miners: hashprice, treasury policies, AI/HPC conversion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Console-script entry point."""
    app()
