"""Tests for the import layers of `sunshine_async`: no cycle, and no import upward.

Every ``from .x import``, ``from sunshine_async.x import``, ``import sunshine_async.x``
and ``from . import x`` is an edge, wherever it stands: at module level, in a function,
or under ``if TYPE_CHECKING:``. The one type-only edge allowed to close a loop is
`_exceptions` naming `_models.Client` for mypy, as httpx's own ``_exceptions`` does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sunshine_async

PACKAGE = Path(sunshine_async.__file__).resolve().parent

#: the hand-written modules below the resources: they import none of the others
CORE = frozenset(
    {
        "_aiohttp",
        "_h11",
        "_auth",
        "_bodies",
        "_checks",
        "_config",
        "_converter",
        "_cursors",
        "_decoding",
        "_engine",
        "_exceptions",
        "_hooks",
        "_json",
        "_models",
        "_operation",
        "_options",
        "_pagination",
        "_raw",
        "_requester",
        "_responses",
        "_retry",
        "_text",
        "_transport",
        "_types",
        "_urls",
        "_validate",
        "_version",
    }
)
#: the hand-written modules above both the core and the generated code
UPPER = frozenset(
    {
        "__init__",
        "_invoke",
        "_linkwait",
        "_resources",
        "_session",
        "_webhooks",
        "otel",
        "types",
        "webhooks",
    }
)
#: type-only edges (under TYPE_CHECKING) that may close a loop, with why
ALLOWED_TYPE_ONLY = frozenset({("_exceptions", "_models")})


def _module_name(path: Path) -> str:
    """``_generated/models.py`` -> ``_generated.models``; ``_session.py`` -> ``_session``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts)


def _target(name: str) -> str:
    """The node an imported module counts as: ``_generated.x`` stays whole."""
    parts = name.split(".")
    if parts[0] == "_generated" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """The ids of the import nodes inside an ``if TYPE_CHECKING:`` block."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                found.update(id(sub) for sub in ast.walk(inner))
    return found


def edges(*, type_only: bool = True) -> dict[str, set[str]]:
    """Each module of the package (testing/ left out) and the package modules it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "testing" in path.relative_to(PACKAGE).parts:
            continue
        name = _module_name(path)
        package = name.rsplit(".", 1)[0] if "." in name else ""
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = set() if type_only else _type_checking_nodes(tree)
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                deps.update(
                    _target(alias.name.removeprefix("sunshine_async."))
                    for alias in node.names
                    if alias.name.startswith("sunshine_async.")
                )
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package if node.level == 1 else ""
                    module = ".".join(p for p in (base, node.module or "") if p)
                elif (node.module or "").startswith("sunshine_async."):
                    module = (node.module or "").removeprefix("sunshine_async.")
                else:
                    continue
                if module:
                    deps.add(_target(module))
                else:  # from . import x
                    deps.update(_target(alias.name) for alias in node.names)
        deps.discard(name)
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A loop in the graph as the list of its modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


class TestLayers:
    """The layers: core, then generated, then the resources and the public modules."""

    def test_every_module_has_a_layer(self) -> None:
        """Each hand-written module is named as core or upper, so a new one is placed."""
        hand_written = {name for name in edges() if not name.startswith("_generated")}
        assert hand_written == CORE | UPPER

    def test_core_imports_neither_generated_nor_upper(self) -> None:
        """No core module imports the generated code or a module above, even for types."""
        graph = edges()
        upward = {
            (name, dep)
            for name in CORE
            for dep in graph[name]
            if dep.startswith("_generated") or dep in UPPER
        }
        assert upward == set()

    def test_no_cycle_at_runtime(self) -> None:
        """The imports that run, hand-written and generated, form no loop."""
        assert find_cycle(edges(type_only=False)) is None

    def test_no_cycle_with_type_imports(self) -> None:
        """Counting TYPE_CHECKING imports too, no loop but the one allowed type-only edge."""
        graph = edges()
        for source, target in ALLOWED_TYPE_ONLY:
            graph[source].discard(target)
        assert find_cycle(graph) is None

    def test_allowed_type_only_edges_are_type_only(self) -> None:
        """Each allowed edge exists only under TYPE_CHECKING, never at runtime."""
        runtime = edges(type_only=False)
        assert all(target not in runtime[source] for source, target in ALLOWED_TYPE_ONLY)


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module and of its classes and functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


class TestOnePathBuilder:
    """Every request path comes from the operation table through `_urls.operation_path`."""

    def test_no_hand_written_module_formats_a_v2_path(self) -> None:
        """No string outside a docstring holds ``/v2/`` in the hand-written modules."""
        found = []
        for path in sorted(PACKAGE.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docs = _docstrings(tree)
            found += [
                f"{path.name}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "/v2" in node.value
                and id(node) not in docs
            ]
        assert found == []

    def test_clients_paths_come_from_the_table(self) -> None:
        """The Clients' paths are the table's CreateClient, ListClients and RemoveClient."""
        from sunshine_async._generated.operations import OPERATIONS
        from sunshine_async._resources import ClientsResource

        clients = ClientsResource(object(), "a 1", "u/2")  # type: ignore[arg-type]
        assert clients._path(OPERATIONS["ListClients"]) == "/v2/apps/a%201/users/u%2F2/clients"
        assert clients._path(OPERATIONS["CreateClient"]) == clients._path(OPERATIONS["ListClients"])
        removed = clients._path(OPERATIONS["RemoveClient"], clientId="c")
        assert removed == "/v2/apps/a%201/users/u%2F2/clients/c"


class TestFunctionLength:
    """Hand-written functions stay short enough to read at once."""

    def test_no_hand_written_function_over_80_lines(self) -> None:
        """No function in the hand-written modules spans more than 80 lines, docstring included."""
        long = []
        for path in sorted(PACKAGE.glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                    if (node.end_lineno or start) - start + 1 > 80:
                        long.append(f"{path.name}:{node.lineno} {node.name}")
        assert long == []
