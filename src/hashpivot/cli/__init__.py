"""The ``hashpivot`` command line (typer): ``app`` and ``main``, the console-script entry point
(``hashpivot = "hashpivot.cli:main"`` in pyproject.toml). The app lives in :mod:`hashpivot.cli.entry`."""

from hashpivot.cli.entry import app, main

__all__ = ["app", "main"]
