"""codegen/census.py, the closing note's figures: the generated surface has no untyped
body field, no required field a caller may leave out, and no id that may be None."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_generated_surface_is_typed() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "codegen" / "census.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert lines["body fields"].endswith("untyped: 0"), done.stdout
    assert lines["required body fields"].endswith("a caller may leave out: 0"), done.stdout
    assert lines["model ids"].endswith("Optional: 0"), done.stdout
    assert int(lines["body fields"].split(",")[0]) > 150  # the census saw the methods
