"""Every file in examples/ runs against the fake server, does what it says, and passes
``mypy --strict`` as written."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import trio

from sunshine_async.testing import FakeSunshine

from ._mypy import mypy_strict

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def clean_env() -> dict[str, str]:
    """The environment without SUNSHINE_* settings, with the repo importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUNSHINE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES.parent), env.get("PYTHONPATH")]))
    return env


def run_script(
    script: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run examples/<script> in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        env=clean_env() if env is None else env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def load(name: str) -> Any:
    """Import examples/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestQuickstart:
    @pytest.mark.anyio
    async def test_tour_on_the_fake(self) -> None:
        """Creates two clients, lists 23 over 3 pages, removes one, shows the typed 404."""
        lines = await load("quickstart").with_fake()
        text = "\n".join(lines)
        assert "created whatsapp client" in text
        assert "created mailgun client" in text
        assert "listed 23 clients in 3 pages" in text
        assert "removing it again: NotFoundError: 404 client_not_found" in text
        assert lines[-1] == "22 clients left"

    def test_runs_as_the_main_job(self) -> None:
        """`python examples/quickstart.py` with no credentials prints the table and exits 0."""
        done = run_script("quickstart.py")
        assert done.returncode == 0, done.stderr
        assert "embedded fake server" in done.stdout
        lines = done.stdout.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("id "))
        assert lines[header].split() == ["id", "type", "status", "external", "id"]
        assert len(lines[header + 2 : header + 25]) == 23
        assert done.stderr == ""

    def test_partial_credentials_refused(self) -> None:
        """Some but not all credentials: a clear message and exit code 2."""
        env = clean_env()
        env["SUNSHINE_KEY_ID"] = "app_x"
        done = run_script("quickstart.py", env=env)
        assert done.returncode == 2
        assert "SUNSHINE_KEY_SECRET" in done.stderr


def test_asyncio_service() -> None:
    """Workers sharing one Session link every valid job; the bad one fails alone."""
    service = load("asyncio_service")
    fake = FakeSunshine()
    app = fake.add_app()
    users = [fake.add_user(app) for _ in range(12)]
    jobs = [service.LinkJob(u, f"+1 514-555-{n:04d}", "c" * 24) for n, u in enumerate(users)]
    jobs.append(service.LinkJob("nobody", "+1 514-555-9999", "c" * 24))

    async def run() -> Any:
        async with fake.session() as session:
            return await service.run_service(session, app, "i" * 24, jobs)

    results = asyncio.run(run())  # the example is asyncio-only by design
    assert len(results.linked) == 12
    assert [job.user_id for job, _ in results.failed] == ["nobody"]
    assert "NotFoundError" in results.failed[0][1]
    assert results.unknown == []
    assert all(len(fake.clients(app, u)) == 1 for u in users)


def test_asyncio_service_reports_unknown_fates() -> None:
    """A create whose response is lost is reported as unknown, not as failed or linked."""
    from sunshine_async.testing import DropConnection

    service = load("asyncio_service")
    fake = FakeSunshine()
    app = fake.add_app()
    users = [fake.add_user(app) for _ in range(3)]
    jobs = [service.LinkJob(u, f"+1 514-555-{n:04d}", "c" * 24) for n, u in enumerate(users)]
    fake.inject(DropConnection(), times=1)  # handled, but the answer never comes

    async def run() -> Any:
        async with fake.session() as session:
            return await service.run_service(session, app, "i" * 24, jobs)

    results = asyncio.run(run())
    assert len(results.linked) == 2
    assert results.failed == []
    assert len(results.unknown) == 1
    # the unknown one did happen: that is why it must be checked before a retry
    assert all(len(fake.clients(app, u)) == 1 for u in users)


def test_trio_export(tmp_path: Path) -> None:
    """Every client of every user is written once, with a progress line per user."""
    export = load("trio_export")
    fake = FakeSunshine()
    app = fake.add_app()
    users = [fake.add_user(app) for _ in range(9)]
    for n, user in enumerate(users):
        fake.add_clients(app, user, 37 * n)
    out = tmp_path / "clients.jsonl"
    progress: list[str] = []

    async def run() -> int:
        async with fake.session() as session:
            count: int = await export.export_clients(
                session, app, users, out, concurrency=3, progress=progress.append
            )
            return count

    count = trio.run(run)  # the example is trio-only by design
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    expected = {c.id for u in users for c in fake.clients(app, u)}
    assert count == len(rows) == len(expected) == 37 * sum(range(9))
    assert {r["id"] for r in rows} == expected
    assert all(r["appId"] == app for r in rows)
    assert len(progress) == 9
    assert progress[-1] == f"9/9 users, {count} clients"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "check", ["check_removes_only_stale_clients", "check_survives_a_flaky_api"]
)
async def test_testing_with_fake(check: str) -> None:
    """The checks the testing example shows pass on both backends."""
    await getattr(load("testing_with_fake"), check)()


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("asyncio_service.py", "linked 20 channels, 1 failed"),
        ("trio_export.py", "wrote 2640 clients"),
        ("testing_with_fake.py", "ok  check_survives_a_flaky_api"),
    ],
)
def test_examples_run_as_scripts(tmp_path: Path, script: str, expected: str) -> None:
    """Each example's own entry point runs against the fake and exits 0."""
    done = run_script(script, str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout + done.stderr


def run_mypy(target: Path, cache: Path) -> tuple[str, int]:
    """``mypy --strict`` with the repository's config, as a user's own CI would run it."""
    return mypy_strict([target], cache)


class TestTypes:
    """The examples pass ``mypy --strict`` with no cast and no ``# type: ignore``: what
    a user copies type-checks in their own strict project."""

    def test_examples_pass_mypy_strict(self, tmp_path: Path) -> None:
        report, status = run_mypy(EXAMPLES, tmp_path / "cache")
        count = len(list(EXAMPLES.glob("*.py")))
        assert status == 0, report
        assert f"Success: no issues found in {count} source files" in report, report

    def test_no_casts_or_ignores(self) -> None:
        """Nothing is silenced: the examples type-check as written."""
        for path in sorted(EXAMPLES.glob("*.py")):
            text = path.read_text(encoding="utf-8")
            assert "type: ignore" not in text, path.name
            assert "cast(" not in text, path.name

    def test_the_check_can_fail(self, tmp_path: Path) -> None:
        """Not vacuous: a file like the examples (outside any package, so no override of
        the config's applies) with a body missing a required field fails."""
        bad = tmp_path / "examples" / "missing_field.py"
        bad.parent.mkdir()
        bad.write_text(
            "import sunshine_async\n"
            "\n"
            "\n"
            "async def link(clients: sunshine_async.ClientsResource) -> None:\n"
            '    await clients.create(confirmation={"type": "immediate"})\n'
        )
        report, status = run_mypy(bad.parent, tmp_path / "cache")
        assert status == 1, report
        assert "missing_field.py:5: error:" in report, report
