"""Running ``mypy --strict`` on code a test wrote or keeps (type tests, README blocks,
guides, examples, docstring examples): one way, in a process of its own.

A process of its own, because mypy changes the interpreter it runs in (it raises the
recursion limit); the repository's config, so that the flags are the project's; and a
cache in the test's temporary directory, so that the checkout's ``.mypy_cache`` is not
touched. A test that calls it is skipped where mypy is not installed, but in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def mypy_strict(
    targets: Sequence[Path],
    cache: Path,
    *,
    flags: Sequence[str] = (),
    path: Sequence[Path] = (),
) -> tuple[str, int]:
    """mypy's report (its output and errors) and its exit status on ``targets``.

    ``flags`` are more of mypy's options; ``path`` are directories to import from
    (``MYPYPATH``), beside this checkout, whose ``sunshine_async`` is the one checked.
    """
    if not os.environ.get("CI"):  # in CI (the test extra has it) a missing mypy fails
        pytest.importorskip("mypy")
    env = {**os.environ, "MYPYPATH": os.pathsep.join(map(str, path))} if path else None
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(cache),
            "--show-error-codes",
            "--no-color-output",
            *flags,
            *map(str, targets),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    return checked.stdout + checked.stderr, checked.returncode
