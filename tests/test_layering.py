"""The import layering of ``src/hashpivot``, read from the source with ``ast`` (nothing is imported).

Every ``import`` and ``from ... import`` (absolute or relative, at module level or inside functions and
classes; ``if TYPE_CHECKING:`` blocks skipped, since they never run) that names a hashpivot module is an
arrow from the importing module to it. A package's ``__init__`` is a node of its own: ``from hashpivot.io
import x`` is an arrow to ``hashpivot.io``, and to ``hashpivot.io.x`` as well when ``x`` is a submodule.

The graph must have no cycle (but the one known CLI cycle below, removed on another branch) and none of
the arrows that :data:`RULES` forbids:

- ``io`` (disk and network) imports no ``analysis``, ``report``, ``cli*``, ``dashboard`` or ``api``;
- ``analysis`` takes data, it does not load or draw it: no ``io``, ``report``, ``cli*``, ``dashboard``,
  ``api``;
- ``engine`` imports no ``io``, ``cli*``, ``dashboard``, ``report`` or ``api``;
- ``formulas`` imports only ``protocol``, ``units``, ``errors`` and ``formulas`` itself.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "hashpivot"

@dataclass(frozen=True)
class Rule:
    """Arrows out of the modules matching ``source``: ``forbidden`` targets, or when ``only`` is set, every
    target not matching one of ``only``. A pattern ``a.b`` matches ``a.b`` and its submodules; ``a.b*``
    matches every module whose name starts with ``a.b`` (``hashpivot.cli``, ``hashpivot.cli_runs``,
    ``hashpivot.cli.runs``)."""

    source: str
    why: str
    forbidden: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None

    def violated_by(self, target: str) -> bool:
        if self.only is not None:
            return not any(matches(target, p) for p in self.only)
        return any(matches(target, p) for p in self.forbidden)


_UPPER = ("hashpivot.cli*", "hashpivot.dashboard", "hashpivot.api")
RULES: tuple[Rule, ...] = (
    Rule("hashpivot.io", "io touches disk and network; it is handed what it writes",
         forbidden=("hashpivot.analysis", "hashpivot.report", *_UPPER)),
    Rule("hashpivot.analysis", "analysis takes data, it does not load it (nor draw it)",
         forbidden=("hashpivot.io", "hashpivot.report", *_UPPER)),
    Rule("hashpivot.engine", "the engine computes; the callers load, write and show",
         forbidden=("hashpivot.io", "hashpivot.report", *_UPPER)),
    Rule("hashpivot.formulas", "formulas are pure: protocol constants, units and errors only",
         only=("hashpivot.protocol", "hashpivot.units", "hashpivot.errors", "hashpivot.formulas")),
)


def matches(module: str, pattern: str) -> bool:
    """Whether ``module`` is ``pattern`` or inside it (see :class:`Rule`)."""
    if pattern.endswith("*"):
        return module.startswith(pattern[:-1])
    return module == pattern or module.startswith(pattern + ".")


# --- reading the source ----------------------------------------------------------------------------


def module_files(src: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """Every module of ``package`` under ``src``: dotted name -> (file, whether it is a package's ``__init__``)."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_init = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_init else parts)] = (path, is_init)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements anywhere under ``node`` that run: the bodies of ``if TYPE_CHECKING:`` are skipped
    (their ``else`` is kept)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.orelse:
                yield from _import_nodes(ast.Module(body=[statement], type_ignores=[]))
        else:
            yield from _import_nodes(child)


def imports_of(module: str, path: Path, is_init: bool, modules: Mapping[str, object],
               package: str = PACKAGE) -> tuple[set[str], list[str]]:
    """The modules of ours that ``module`` (file ``path``) imports, and the imports naming ``package`` that
    resolve to no module of it (a misspelt or removed module, or a name the reader gets wrong)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module if is_init else module.rpartition(".")[0]  # the package that relative imports start from
    targets: set[str] = set()
    unknown: list[str] = []

    def ours(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    def add(name: str, line: int) -> None:
        # What follows ``import`` or ``from`` must be a module (Python imports it), never an attribute.
        if name in modules:
            targets.add(name)
        else:
            unknown.append(f"line {line}: {name}")

    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if ours(alias.name):
                    add(alias.name, node.lineno)
            continue
        if node.level:
            parts = here.split(".")
            source = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        if not ours(source):
            continue
        add(source, node.lineno)
        for alias in node.names:
            if f"{source}.{alias.name}" in modules:  # ``from package import submodule``
                targets.add(f"{source}.{alias.name}")
    targets.discard(module)
    return targets, unknown


def import_graph(src: Path = SRC, package: str = PACKAGE) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Arrows of ``package``: module -> the modules of ours it imports; and each module's unresolved imports."""
    modules = module_files(src, package)
    graph: dict[str, set[str]] = {}
    unresolved: dict[str, list[str]] = {}
    for name, (path, is_init) in modules.items():
        graph[name], missing = imports_of(name, path, is_init, modules, package)
        if missing:
            unresolved[name] = missing
    return graph, unresolved


# --- checking the graph ----------------------------------------------------------------------------


def strongly_connected(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of ``graph`` with more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def a_cycle(graph: Mapping[str, set[str]], component: set[str], start: str) -> list[str]:
    """A shortest cycle from ``start`` through modules of ``component`` back to it: [start, b, ..., start]."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph.get(v, ())):
            if w == start:
                back = [v]
                while back[-1] != start:
                    back.append(came_from[back[-1]])
                return [*reversed(back), start]
            if w in component and w not in came_from:
                came_from[w] = v
                queue.append(w)
    raise AssertionError(f"{start} is on no cycle within {sorted(component)}")


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle ([a, b, ..., a]) per group of modules that import each other."""
    return [a_cycle(graph, c, min(c)) for c in strongly_connected(graph)]


def forbidden_arrows(graph: Mapping[str, set[str]], rules: tuple[Rule, ...] = RULES) -> list[str]:
    """Every arrow a rule forbids, as 'source -> target (why)'."""
    return [f"{source} -> {target} ({rule.why})"
            for source in sorted(graph) for rule in rules if matches(source, rule.source)
            for target in sorted(graph[source]) if rule.violated_by(target)]


# --- the tests --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph_and_unresolved() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    return import_graph()


def test_the_graph_covers_the_package(graph_and_unresolved):
    graph, unresolved = graph_and_unresolved
    assert {"hashpivot", "hashpivot.io", "hashpivot.io.store", "hashpivot.engine.result", "hashpivot.api"} <= set(graph)
    assert "hashpivot.analysis.summary" in graph["hashpivot.engine.result"]  # a module-level import
    assert "hashpivot.io.cache" in graph["hashpivot.io.history"]  # an import inside a function
    assert unresolved == {}, f"imports naming no module of hashpivot: {unresolved}"


def test_no_import_cycle(graph_and_unresolved):
    graph, _ = graph_and_unresolved
    found = cycles(graph)
    assert found == [], "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_no_forbidden_arrow(graph_and_unresolved):
    graph, _ = graph_and_unresolved
    found = forbidden_arrows(graph)
    assert found == [], "forbidden imports:\n" + "\n".join(found)


# --- the checker itself finds what it must ---------------------------------------------------------


def test_the_checker_reports_each_cycle():
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a", "p.d"}, "p.d": set(), "p.x": {"p.y"}, "p.y": {"p.x"}}
    assert cycles(graph) == [["p.a", "p.b", "p.c", "p.a"], ["p.x", "p.y", "p.x"]]
    assert cycles({"p.a": {"p.b"}, "p.b": set()}) == []


def test_the_checker_reports_forbidden_arrows():
    graph = {
        "hashpivot.io.export": {"hashpivot.analysis.fan", "hashpivot.errors"},
        "hashpivot.io": {"hashpivot.cli_runs"},
        "hashpivot.engine.result": {"hashpivot.analysis.summary", "hashpivot.report.sim_report"},
        "hashpivot.formulas.mining": {"hashpivot.units", "hashpivot.formulas._validate", "hashpivot"},
        "hashpivot.report.sim_report": {"hashpivot.io"},
    }
    found = forbidden_arrows(graph)
    assert [f.split(" (")[0] for f in found] == [
        "hashpivot.engine.result -> hashpivot.report.sim_report",
        "hashpivot.formulas.mining -> hashpivot",
        "hashpivot.io -> hashpivot.cli_runs",
        "hashpivot.io.export -> hashpivot.analysis.fan",
    ]
    assert matches("hashpivot.cli.runs", "hashpivot.cli*") and not matches("hashpivot.io2", "hashpivot.io")


def test_the_reader_resolves_relative_function_level_and_package_imports(tmp_path):
    pkg = tmp_path / "hashpivot"
    (pkg / "io").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "errors.py").write_text("")
    (pkg / "io" / "__init__.py").write_text("from .history import load\n")
    (pkg / "io" / "history.py").write_text(
        "from typing import TYPE_CHECKING\nimport numpy\n"
        "if TYPE_CHECKING:\n    from hashpivot.api import run\nelse:\n    from ..errors import E\n"
        "def f():\n    from hashpivot.io import cache, history\n    import hashpivot.io.store as s\n"
        "class C:\n    def g(self):\n        from . import store\n"
    )
    (pkg / "io" / "cache.py").write_text("from hashpivot.io.history import f\nfrom hashpivot.nowhere import x\n")
    (pkg / "io" / "store.py").write_text("")
    (pkg / "api.py").write_text("")
    graph, unresolved = import_graph(tmp_path, "hashpivot")
    assert graph["hashpivot.io"] == {"hashpivot.io.history"}
    # TYPE_CHECKING skipped, its else kept; the package init and each submodule named; no self-arrow
    assert graph["hashpivot.io.history"] == {"hashpivot.errors", "hashpivot.io", "hashpivot.io.cache",
                                             "hashpivot.io.store"}
    assert graph["hashpivot.io.cache"] == {"hashpivot.io.history"}
    assert unresolved == {"hashpivot.io.cache": ["line 2: hashpivot.nowhere"]}
    assert cycles(graph) == [["hashpivot.io", "hashpivot.io.history", "hashpivot.io"]]
