"""The ``hashpivot`` command line (typer). ``app`` and ``main``, the console-script entry point
(``hashpivot = "hashpivot.cli:main"`` in pyproject.toml), come from :mod:`hashpivot.cli.entry`.

The package's modules, in import order (each imports only modules listed before it, so there is no
import loop and no command module imports the app; tests/test_imports.py checks it):

- :mod:`~hashpivot.cli.common`: error handling and exit codes, shared options, formatters, JSON output;
- one module per command group: :mod:`~hashpivot.cli.hashprice`, :mod:`~hashpivot.cli.simulate`
  (run, compare, margins), :mod:`~hashpivot.cli.replay`, :mod:`~hashpivot.cli.runs` (runs, report,
  presets), :mod:`~hashpivot.cli.dashboard`, :mod:`~hashpivot.cli.claims`,
  :mod:`~hashpivot.cli.calibrate`, :mod:`~hashpivot.cli.data`, :mod:`~hashpivot.cli.decide` (sensitivity, optimize,
  breakeven);
- :mod:`~hashpivot.cli.entry`: the app, which registers every command.

Importing it loads no heavy library (numba, pandas, plotly...): the commands import them when they run.
"""

from hashpivot.cli.entry import app, main

__all__ = ["app", "main"]
