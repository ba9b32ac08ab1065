"""`import hashpivot` and the CLI stay light: heavy libraries load inside the functions that need them. The CLI
package (src/hashpivot/cli/, read with `ast`) has no import loop, no command module imports the app, and no
function is longer than 120 lines."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

HEAVY = ("pandas", "numba", "plotly", "xarray", "scipy", "statsmodels", "arch", "duckdb", "streamlit", "matplotlib")


@pytest.mark.parametrize("module", ["hashpivot", "hashpivot.cli"])
def test_import_loads_no_heavy_library(module):
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                           text=True).stdout))
    assert not [name for name in HEAVY if name in loaded]


# --- the CLI package's import graph (issue 11): no loop, and no command module imports the app ------

CLI_DIR = Path(__file__).resolve().parents[1] / "src" / "hashpivot" / "cli"
CLI_PACKAGE = "hashpivot.cli"
#: The app module and the package (whose __init__ re-exports the app): no command module may import either.
APP_MODULES = {"entry", "__init__"}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported_names(tree: ast.AST) -> Iterator[str]:
    """Dotted names of what a module of :data:`CLI_PACKAGE` imports, anywhere in it (module level and inside
    functions), relative imports resolved, ``if TYPE_CHECKING:`` bodies skipped, and ``import_module("...")``
    calls with a constant name. ``from X import y`` yields ``X.y`` only (``y`` is a submodule or a name of
    ``X``: the caller decides)."""
    package_parts = CLI_PACKAGE.split(".")  # "." is the package for each of its modules, __init__ included
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package_parts[: len(package_parts) - (node.level - 1)]
                base = ".".join(parent + ([base] if base else []))
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__")))):
            yield node.args[0].value
        stack.extend(ast.iter_child_nodes(node))


def _cli_edges(source: str, module: str, modules: set[str]) -> set[str]:
    """The modules of the CLI package (names in ``modules``; ``__init__`` for the package itself) that
    ``module`` imports."""
    edges = set()
    for name in _imported_names(ast.parse(source)):
        if name == CLI_PACKAGE:
            edges.add("__init__")
        elif name.startswith(f"{CLI_PACKAGE}."):
            head = name.removeprefix(f"{CLI_PACKAGE}.").split(".")[0]
            # "from hashpivot.cli import app" names the package's re-export, not a submodule
            edges.add(head if head in modules else "__init__")
    edges.discard(module)
    return edges


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (module -> modules it imports) as a path, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":  # nxt is on the current path: a loop back to it
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt, path + [nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def _cli_graph() -> dict[str, set[str]]:
    modules = {p.stem for p in CLI_DIR.glob("*.py")}
    return {m: _cli_edges((CLI_DIR / f"{m}.py").read_text(encoding="utf-8"), m, modules) for m in modules}


def test_no_cli_command_module_imports_the_app_and_no_cli_import_loop():
    graph = _cli_graph()
    commands = set(graph) - APP_MODULES - {"common"}
    assert commands >= {"hashprice", "simulate", "replay", "runs", "dashboard", "claims", "calibrate", "data"}
    assert graph["entry"] >= commands  # the app registers every command module (and the parse saw them)
    upward = {m: sorted(graph[m] & APP_MODULES) for m in set(graph) - APP_MODULES if graph[m] & APP_MODULES}
    assert not upward, f"command modules that import the app: {upward}"
    assert _cycle(graph) is None, f"import loop in hashpivot.cli: {' -> '.join(_cycle(graph))}"


def test_the_cli_import_check_sees_function_relative_and_dynamic_imports_and_skips_type_checking():
    modules = {"__init__", "entry", "common", "runs"}
    source = textwrap.dedent("""
        from typing import TYPE_CHECKING
        from . import common
        if TYPE_CHECKING:
            from hashpivot.cli.entry import app
        def f():
            from hashpivot.cli import app
        def g():
            import importlib
            importlib.import_module("hashpivot.cli.entry")
    """)
    assert _cli_edges(source, "runs", modules) == {"common", "__init__", "entry"}
    typed_only = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hashpivot.cli.entry import app\n"
    assert _cli_edges(typed_only, "runs", modules) == set()
    assert _cli_edges("from . import common\nfrom .common import fail\n", "runs", modules) == {"common"}
    assert _cli_edges("from hashpivot import cli\n", "runs", modules) == {"__init__"}
    assert _cli_edges("from .. import api\nimport hashpivot.cli.entry as e\n", "runs", modules) == {"entry"}
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


#: The longest function allowed in the CLI package [lines, decorators and docstring included].
MAX_CLI_FUNCTION_LINES = 120


def test_no_cli_function_is_longer_than_120_lines():
    too_long = []
    for path in sorted(CLI_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - first + 1 > MAX_CLI_FUNCTION_LINES:
                    too_long.append(f"{path.name}:{node.name} ({node.end_lineno - first + 1} lines)")
    assert not too_long, too_long
