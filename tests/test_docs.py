"""Tests for the documentation site: `docs/`, `mkdocs.yml` and `codegen/docs.py`.

- The reference `codegen/docs.py` writes covers all 65 ``/v2`` operations, documents
  every public method of every collection, and each example call it shows compiles and
  names a real attribute path.
- The migration guide's table has a row for every method of the official SDK listed in
  ``docs/migration-official-methods.json``, and each call here exists and sends the same
  request (HTTP method and path) as the official method.
- Every ```python block of the guides compiles, every ``sunshine_async`` name it uses
  exists, and each page's blocks run in order, as written, against `FakeSunshine`, in
  one namespace per page (as a reader would run them, one after another), with checks of
  what they printed. A block whose first line is ``# not run: <why>`` is only compiled.
  Blocks read names the page says come from earlier (``session``, ``APP_ID``,
  ``INTEGRATION_ID``, ``fake``) from that namespace; a block that builds its own
  `Session` gets one bound to the fake, and ``anyio.run(main)`` runs ``main`` on the
  test's own loop from a worker thread. Nothing leaves the process.
- The same blocks, one function per page, pass ``mypy --strict`` (when mypy is
  installed), so a renamed argument or a wrong type fails before anyone runs them.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx
import pytest

import sunshine_async
from sunshine_async.testing import FakeSunshine

from . import _readme_runner as runner
from ._mypy import mypy_strict

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
OFFICIAL = DOCS / "migration-official-methods.json"
MIGRATION = DOCS / "migration.md"
GUIDES = sorted((DOCS / "guides").glob("*.md"))
#: Every hand-written page with Python in it (the reference is generated, and checked
#: through `codegen/docs.py` itself).
PAGES = [*GUIDES, MIGRATION, DOCS / "index.md"]

APP_ID = "5d8cff3cd55b040010928b5b"
STEVE = "steveb@example.com"
NOT_RUN = "# not run"


def load_codegen_docs() -> ModuleType:
    """``codegen/docs.py``, imported under a name no folder can shadow."""
    spec = importlib.util.spec_from_file_location(
        "sunshine_codegen_docs", ROOT / "codegen" / "docs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


codegen_docs = load_codegen_docs()


def blocks(page: Path) -> list[runner.Block]:
    return runner.readme_blocks(page)


def compiled(page: Path, found: runner.Block) -> Any:
    """The block's code: top-level ``await`` allowed, the page's line numbers kept."""
    tree = compile(
        found.code,
        str(page),
        "exec",
        flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    ast.increment_lineno(tree, found.line - 1)
    return compile(tree, str(page), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def resolve(call: str) -> tuple[object, str]:
    """The object and method a call such as ``session.apps[app_id].users.get(...)`` names.

    Walks the expression on a real `Session` (nothing is sent): each ``.name`` is an
    attribute, each ``[key]`` an index; the last name must be a method.
    """
    expression = ast.parse(call.strip(), mode="eval").body
    assert isinstance(expression, ast.Call), call
    chain: list[tuple[str, str]] = []
    node: ast.expr = expression.func
    while not isinstance(node, ast.Name):
        if isinstance(node, ast.Attribute):
            chain.append(("attr", node.attr))
            node = node.value
        elif isinstance(node, ast.Subscript):
            chain.append(("item", "id-" + ast.unparse(node.slice)))
            node = node.value
        else:
            raise AssertionError(f"{call}: {ast.dump(node)} is not an attribute or an index")
    assert node.id == "session", call
    obj: Any = sunshine_async.Session(key_id="app_docs", secret="docs")
    (last_kind, method), *rest = chain
    assert last_kind == "attr", call
    for kind, name in reversed(rest):
        obj = getattr(obj, name) if kind == "attr" else obj[name]
    assert callable(getattr(obj, method, None)), f"{call}: {type(obj).__name__}.{method}"
    return obj, method


# --- the reference ---


class TestReference:
    """`codegen/docs.py`: a page per collection, covering every operation."""

    def test_covers_every_v2_operation(self, tmp_path: Path) -> None:
        """All 65 /v2 operations have a documented method, and every page says it is
        generated."""
        written, done, total = codegen_docs.write(tmp_path)
        assert (done, total) == (65, 65)
        names = {path.name for path in written}
        assert {"index.md", "clients.md", "users.md", "token-info.md"} <= names
        for path in written:
            assert path.read_text().startswith("<!-- Generated by codegen/docs.py")
        assert "covers **65 of the 65**" in (tmp_path / "index.md").read_text()

    def test_runs_as_a_script(self, tmp_path: Path) -> None:
        """``python codegen/docs.py --out DIR`` writes the pages and reports 65/65."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "codegen" / "docs.py"), "--out", str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        assert "the reference covers 65/65 /v2 operations" in done.stdout
        assert (tmp_path / "clients.md").exists()

    def test_every_public_method_is_documented(self) -> None:
        """Each page lists exactly the public methods its class defines."""
        for page in codegen_docs.collections():
            if page.name == "TokenInfoOperations":
                assert [m.name for m in page.methods] == ["token_info"]
                continue
            if page.name == "ClientsResource":
                cls: type = sunshine_async.ClientsResource
            else:
                cls = getattr(
                    importlib.import_module("sunshine_async._generated.resources"), page.name
                )
            defined = {
                name
                for name, value in vars(cls).items()
                if not name.startswith("_") and inspect.isfunction(value)
            }
            assert {m.name for m in page.methods} == defined, page.name

    def test_routes_match_the_spec(self) -> None:
        """Each documented route is the one the method's own docstring names (the
        hand-written Clients are checked by the migration table and the fake)."""
        for page in codegen_docs.collections():
            for method in page.methods:
                if method.operation is None:
                    continue
                obj, name = resolve(f"{page.reached}.{method.name}()")
                doc = inspect.getdoc(getattr(obj, name)) or ""
                if page.name != "ClientsResource":
                    assert method.path in doc, (page.name, name)
                    assert method.http_method in doc, (page.name, name)
                assert method.path.startswith("/v2/")

    def test_examples_compile_and_resolve(self) -> None:
        """Every example call compiles and names a real method on the path it shows."""
        for page in codegen_docs.collections():
            for method in page.methods:
                compile(method.example, "<example>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
                call = re.search(r"(session[^\s(]*\([^\n]*\))", method.example)
                assert call is not None, method.example
                assert resolve(call.group(1))[1] == method.name


# --- the migration guide ---

ROW = re.compile(r"\| `(\w+Api)\.(\w+)` \| `([A-Z]+) ([^`]+)` \| (.+) \|")


def migration_rows() -> dict[tuple[str, str], tuple[str, str, str]]:
    """The table: (api, method) -> (HTTP method, path, the cell for here)."""
    rows: dict[tuple[str, str], tuple[str, str, str]] = {}
    for line in MIGRATION.read_text().splitlines():
        if (match := ROW.fullmatch(line.strip())) is not None:
            key = (match[1], match[2])
            assert key not in rows, key
            rows[key] = (match[3], match[4], match[5])
    return rows


def official_methods() -> list[dict[str, Any]]:
    methods: list[dict[str, Any]] = json.loads(OFFICIAL.read_text())["methods"]
    return methods


class TestMigration:
    """The migration guide's table against the official SDK's methods."""

    def test_data_lists_the_official_sdk(self) -> None:
        """The checked-in list is of 17.0.1, its 67 methods, twins left out."""
        data = json.loads(OFFICIAL.read_text())
        assert data["package"] == "sunshine-conversations-client"
        assert data["version"] == "17.0.1"
        assert len(data["methods"]) == 67
        for method in data["methods"]:
            assert not method["method"].endswith(tuple(data["skipped_twins"]))
            assert method["http_method"]
            assert method["path"]

    def test_data_is_current(self) -> None:
        """With the official SDK installed, the checked-in list is what it has now."""
        package = pytest.importorskip("sunshine_conversations_client")
        spec = importlib.util.spec_from_file_location(
            "sunshine_official_methods", ROOT / "codegen" / "official_methods.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.methods(package) == official_methods()

    def test_table_covers_every_official_method(self) -> None:
        """Each official method has exactly one row, with its own request."""
        rows = migration_rows()
        expected = {(m["api"], m["method"]): m for m in official_methods()}
        assert set(rows) == set(expected)
        for key, (http_method, path, _) in rows.items():
            assert (http_method, path) == (expected[key]["http_method"], expected[key]["path"])

    def test_calls_here_exist_and_send_the_same_request(self) -> None:
        """Every call here names a real method that sends the official method's request;
        only the OAuth methods, outside /v2, have none."""
        operations = codegen_docs.v2_operations()
        by_call = {
            f"{page.reached}.{m.name}": m
            for page in codegen_docs.collections()
            for m in page.methods
        }
        without = []
        for (api, name), (http_method, path, cell) in migration_rows().items():
            calls = re.findall(r"`(session[^`]*\))`", cell)
            if not calls:
                assert "no equivalent" in cell, (api, name)
                assert not path.startswith("/v2/")
                without.append(name)
                continue
            for call in calls:
                resolve(call)
                documented = by_call[call[: call.index("(")]]
                op = operations[documented.operation]
                assert (op["method"], op["path"]) == (http_method, path), call
        assert sorted(without) == ["authorize", "get_token", "revoke_access"]

    def test_covered_counts(self) -> None:
        """64 of the 67 official methods map to a call here, and 3 (OAuth) do not."""
        rows = migration_rows()
        mapped = [key for key, (_, _, cell) in rows.items() if "`session" in cell]
        assert (len(mapped), len(rows)) == (64, 67)


# --- the guides' code ---


def all_blocks() -> Iterator[tuple[Path, runner.Block]]:
    for page in PAGES:
        for found in blocks(page):
            yield page, found


class TestGuideBlocks:
    """Every ```python block of the hand-written pages compiles and names real things."""

    def test_pages_have_code(self) -> None:
        """Each guide has Python to run, and the nav lists every page."""
        for page in GUIDES:
            assert blocks(page), page.name
        nav = (ROOT / "mkdocs.yml").read_text()
        for page in DOCS.rglob("*.md"):
            relative = page.relative_to(DOCS).as_posix()
            if not relative.startswith("reference/"):
                assert relative in nav, relative

    @pytest.mark.parametrize(
        ("page", "found"),
        list(all_blocks()),
        ids=[f"{p.stem}-{b.id}" for p, b in all_blocks()],
    )
    def test_names_exist(self, page: Path, found: runner.Block) -> None:
        """Every ``sunshine_async`` attribute and import a block names exists."""
        tree = ast.parse(
            compile(
                found.code, str(page), "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
            )
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "sunshine_async"
            ):
                module = importlib.import_module(node.module or "")
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Attribute):
                dotted = ast.unparse(node)
                if re.fullmatch(r"sunshine_async(\.\w+)+", dotted):
                    obj: Any = sunshine_async
                    for part in dotted.split(".")[1:]:
                        obj = getattr(obj, part)  # AttributeError names what is missing
        compiled(page, found)


# --- running the guides against the fake ---


class ConfirmingTransport(httpx.AsyncBaseTransport):
    """The fake in process, with a customer who confirms each link as soon as it is asked."""

    CREATE = re.compile(r"/v2/apps/([^/]+)/users/([^/]+)/clients")

    def __init__(self, fake: FakeSunshine) -> None:
        self._fake = fake
        self._inner = fake.transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        path = request.url.raw_path.decode("ascii").partition("?")[0]
        made = self.CREATE.fullmatch(path)
        if request.method == "POST" and response.status_code == 201 and made:
            app, user = unquote(made[1]), unquote(made[2])
            for client in self._fake.clients(app, user):
                if client.status == "pending" and client.id:
                    self._fake.confirm_link(app, user, client.id)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


async def no_wait(seconds: float) -> None:
    """A retry policy's sleep that takes no time."""


class World:
    """The fake with what the guides assume: an app, Steve with three channels, a
    WhatsApp integration and a conversation."""

    def __init__(self) -> None:
        self.fake = FakeSunshine()
        self.app = self.fake.add_app(APP_ID)
        self.user = self.fake.add_user(self.app, external_id=STEVE)
        self.fake.add_clients(self.app, self.user, 3, status="active")
        self.whatsapp = self.fake.add_integration(self.app, "whatsapp")
        self.conversation = self.fake.add_conversation(self.app, self.user)
        self.sessions: list[sunshine_async.Session] = []

    def session(self, **settings: Any) -> sunshine_async.Session:
        """A session on the fake, keeping the settings a block gives (checked first by a
        real `Session`); credentials, URL and transport are the fake's."""
        if "key_id" not in settings and "jwt" not in settings:
            settings = {"key_id": "app_docs", "secret": "docs", **settings}
        REAL_SESSION(**settings)  # refuses what a real Session would refuse
        kept = {
            key: value
            for key, value in settings.items()
            if key
            in {
                "timeout",
                "connect_timeout",
                "max_connections",
                "pool_timeout",
                "retry",
                "max_retries",
                "max_response_bytes",
            }
        }
        if "retry" not in kept:
            kept["retry_sleep"] = no_wait
        made = self.fake.session(transport=ConfirmingTransport(self.fake), **kept)
        hooks = settings.get("hooks")
        for each in [] if hooks is None else [hooks] if not isinstance(hooks, list) else hooks:
            made.add_hooks(each)
        self.sessions.append(made)
        return made


REAL_SESSION = sunshine_async.Session


def calls_anyio_run(code: str) -> bool:
    tree = ast.parse(code)
    return any(
        isinstance(node, ast.Call) and ast.unparse(node.func) == "anyio.run"
        for node in ast.walk(tree)
    )


#: What each page's blocks must print, in order of the lines' first appearance: a page
#: that silently did nothing fails. Every page with runnable code has an entry.
PRINTS: dict[str, list[str]] = {
    "quickstart": ["user ", "channel ", "sent ", "found ", "integration ", "no such user: 404"],
    "linking": ["active", "settled: active", "on this page"],
    "webhooks": ["answered 200"],
    "testing": ["POST mailgun Basic <redacted>", "clients: mailgun", "heard ['ClientAddEvent']"],
    "reliability": [],
    "performance": ["custom"],
    "options": ["got ", "app ", "status 200 after 1 attempt", "observed [('GetUser', 200"],
    "migration": ["active"],
    "index": [],
}


async def run_page(page: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[World, dict[str, Any]]:
    """Run the page's blocks in order in one namespace, against a fresh fake."""
    world = World()

    def on_this_loop(func: Callable[..., Coroutine[Any, Any, Any]], *args: Any, **_: Any) -> Any:
        return anyio.from_thread.run(func, *args)

    monkeypatch.setattr(sunshine_async, "Session", world.session)
    monkeypatch.setattr(anyio, "run", on_this_loop)
    session = world.session()
    namespace: dict[str, Any] = {
        "__name__": "guide",
        "session": session,
        "APP_ID": world.app,
        "INTEGRATION_ID": world.whatsapp,
        "CONVERSATION_ID": world.conversation,
        "fake": world.fake,
        "print": runner.Printed(),
    }
    async with session:
        for found in blocks(page):
            if found.code.startswith(NOT_RUN):
                continue
            code = compiled(page, found)
            if calls_anyio_run(found.code):
                await anyio.to_thread.run_sync(eval, code, namespace)
                continue
            result = eval(code, namespace)  # noqa: S307 - our own documentation
            if inspect.iscoroutine(result):
                await result
    return world, namespace


class TestGuidesRun:
    """Each page's Python runs, in order, against the fake."""

    def test_every_page_has_a_check(self) -> None:
        """A page added with code gets its printed lines checked here."""
        assert {page.stem for page in PAGES} == set(PRINTS)

    @pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
    @pytest.mark.anyio
    async def test_page_runs(self, page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The page's blocks run as written and print what the page says they do."""
        world, namespace = await run_page(page, monkeypatch)
        printed: list[str] = list(namespace["print"])
        for expected in PRINTS[page.stem]:
            assert any(expected in line for line in printed), (expected, printed)
        if page.stem == "testing":  # the first test the page writes passes on a fresh fake
            await namespace["test_remove_blocked"](FakeSunshine())
        if page.stem == "options":
            assert namespace["observed"].is_closed
        if page.stem == "reliability":
            assert namespace["client"].id in {c.id for c in world.fake.clients(APP_ID, world.user)}
        for made in world.sessions:
            if not made.is_closed:
                await made.aclose()


# --- the build ---


class TestBuild:
    """How the site is built: pinned tools, a nox session, and CI."""

    def test_tools_are_pinned(self) -> None:
        """The docs session installs exact versions, and the test extra none of them."""
        noxfile = (ROOT / "noxfile.py").read_text()
        pins = re.search(r"DOCS = \((.*?)\)", noxfile, re.DOTALL)
        assert pins is not None
        requirements = re.findall(r'"([^"]+)"', pins.group(1))
        assert {r.split("==")[0] for r in requirements} >= {
            "mkdocs",
            "mkdocs-material",
            "mkdocstrings[python]",
        }
        for requirement in requirements:
            assert re.fullmatch(r"[\w\[\].-]+==[\w.]+", requirement), requirement
        assert "mkdocs" not in (ROOT / "pyproject.toml").read_text()

    def test_ci_builds_the_site_after_the_checks(self) -> None:
        """.ci/run builds the docs with nox after lint and typecheck."""
        lines = (ROOT / ".ci" / "run").read_text().splitlines()
        checks = lines.index(".venv-test/bin/nox -s lint typecheck")
        assert lines.index(".venv-test/bin/nox -s docs") > checks

    def test_readme_links_the_docs(self) -> None:
        """The README points to the documentation."""
        assert "(docs/index.md)" in (ROOT / "README.md").read_text()

    def test_strict(self) -> None:
        """The site is built with --strict, by its config and by the session."""
        assert "strict: true" in (ROOT / "mkdocs.yml").read_text()
        assert '"mkdocs", "build", "--strict"' in (ROOT / "noxfile.py").read_text()


class TestTestingGuide:
    """The tests the testing guide writes pass under pytest, through the plugin."""

    def test_its_tests_pass(self, pytester: pytest.Pytester) -> None:
        """The page's test functions, in one module, pass on asyncio and trio with the
        ``sunshine_fake`` fixture and marker the installed plugin provides."""
        page = DOCS / "guides" / "testing.md"
        found = [b.code for b in blocks(page) if "def test_" in b.code]
        assert len(found) >= 2
        pytester.makeconftest(
            "import pytest\n\n\n"
            "@pytest.fixture(params=['asyncio', 'trio'])\n"
            "def anyio_backend(request):\n"
            "    return request.param\n"
        )
        pytester.makepyfile(test_guide="\n\n".join(found))
        result = pytester.runpytest_subprocess("-p", "anyio", "-p", "no:asyncio", "-q")
        tests = sum(code.count("def test_") for code in found)
        result.assert_outcomes(passed=2 * tests)


# --- type-checking the guides' code ---

#: The names a page's blocks read from earlier in the page, as the test runs them.
PAGE_PARAMETERS = (
    "session: sunshine_async.Session, APP_ID: str, INTEGRATION_ID: str,"
    " CONVERSATION_ID: str, fake: FakeSunshine"
)


def typed_module(page: Path) -> str:
    """The page's blocks, in order, as the body of one async function mypy can check."""
    return runner.typed_module(
        (b for b in blocks(page) if not b.code.startswith(NOT_RUN)),
        PAGE_PARAMETERS,
        ["import sunshine_async", "from sunshine_async.testing import FakeSunshine"],
    )


class TestGuidesTypeCheck:
    """mypy --strict accepts every guide's code, as one function per page."""

    def test_mypy(self, tmp_path: Path) -> None:
        """Each page's blocks type-check against the SDK's annotations, under plain
        ``--strict``: an id a response always has is a ``str``, and a field that may be
        missing is read with the check a reader's own code would need."""
        for page in PAGES:
            if any(not b.code.startswith(NOT_RUN) for b in blocks(page)):
                (tmp_path / f"guide_{page.stem}.py").write_text(typed_module(page))
        # the SDK's own modules are checked by the typecheck session, with its flags
        report, status = mypy_strict(
            sorted(tmp_path.glob("guide_*.py")),
            tmp_path / ".mypy_cache",
            flags=["--follow-imports=silent"],
        )
        assert status == 0, report

    def test_nothing_is_silenced(self) -> None:
        """No block of a page needs a cast or an ignore to pass."""
        for page, found in all_blocks():
            assert "type: ignore" not in found.code, (page.name, found.id)
            assert "cast(" not in found.code, (page.name, found.id)
