"""mypy over `tests/type_tests/resources.py`: the typed surface of every resource.

That module is never run. Its valid calls must type-check, and each of its
``# type: ignore[code]`` comments must still be needed (``--warn-unused-ignores``), so a
signature that starts accepting a missing field, a misspelled key or a wrong enum value
fails here. mypy needs no event loop: these tests are plain functions, run once (not once
per async backend), and skipped where mypy is not installed.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

from ._mypy import mypy_strict

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "tests" / "type_tests" / "resources.py"


def run_mypy(target: Path, cache: Path) -> tuple[str, int]:
    """mypy --strict, each ``# type: ignore`` held to be needed."""
    return mypy_strict([target], cache, flags=["--warn-unused-ignores"])


def test_resources_type_check(tmp_path: Path) -> None:
    started = time.monotonic()
    report, status = run_mypy(RESOURCES, tmp_path / "cache")
    took = time.monotonic() - started
    assert status == 0, f"mypy failed on {RESOURCES.name} ({took:.1f} s):\n{report}"
    assert "Success: no issues found in 1 source file" in report, report


def test_the_harness_reports_errors(tmp_path: Path) -> None:
    """Not vacuous: a call without a required field is an error, so is an unneeded ignore."""
    target = tmp_path / "missing_field.py"
    target.write_text(
        textwrap.dedent(
            """\
            from sunshine_async import Session


            async def check(session: Session) -> None:
                webhooks = session.apps["a"].integrations["i"].webhooks
                await webhooks.create(target="https://example.com/hook")
                await webhooks.create(target="t", triggers=[])  # type: ignore[call-overload]
            """
        )
    )
    report, status = run_mypy(target, tmp_path / "cache")
    assert status == 1, report
    # the webhook without its triggers, on its own line
    assert 'missing_field.py:6: error: No overload variant of "create"' in report, report
    assert "[call-overload]" in report, report
    # and an ignore on a call that is fine is reported, which is what gives the
    # ignores of resources.py their meaning
    assert 'missing_field.py:7: error: Unused "type: ignore" comment' in report, report
    assert "Found 2 errors in 1 file" in report, report
