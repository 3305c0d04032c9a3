"""The benchmark harness runs end to end (a tiny version): servers start and stop,
every contender that is installed returns the right counts. No timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.with_aiohttp
def test_quick_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.run import main
    finally:
        sys.path.remove(str(ROOT))
    out = tmp_path / "quick.json"
    assert main(["--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    # the SDK on each of its transports, and the bare clients it is compared with
    for contender in ("sdk-httpcore", "sdk-aiohttp", "sdk-trio", "httpx-bare", "aiohttp-bare"):
        assert f"  {contender} " in printed
    assert "Goals (issue 10) (--quick: shown, not judged):" in printed
    # every goal of issue 10 is reported, the memory walk included
    for number in "123456":
        assert f"INFO {number} " in printed or f"SKIP {number} " in printed, number
    assert "5,000 clients" in printed
    assert out.read_text().startswith("{")
