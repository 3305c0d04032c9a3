"""The benchmark harness runs end to end (a tiny version): servers start and stop,
every contender that is installed returns the right counts. No timing is asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.with_aiohttp
def test_quick_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.contenders import sdk_transport_names
        from benchmarks.run import main
    finally:
        sys.path.remove(str(ROOT))
    out = tmp_path / "quick.json"
    assert main(["--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    # the SDK on each of its transports, and the bare clients it is compared with
    ran = ["sdk-httpcore", "sdk-aiohttp", "sdk-trio-httpcore", "httpx-bare", "aiohttp-bare"]
    if "h11" in sdk_transport_names():
        ran += ["sdk-h11", "sdk-trio-h11"]
    for contender in ran:
        assert f"  {contender} " in printed
    assert "Goals (--quick: shown, not judged):" in printed
    # every goal is reported, the memory walk included
    for number in "1234567":
        assert f"INFO {number} " in printed or f"SKIP {number} " in printed, number
    assert "5,000 clients" in printed
    report = json.loads(out.read_text())
    contenders = report["contenders"]
    assert "sdk-trio" not in contenders  # "auto" on trio is sdk-trio-h11, not a contender
    for contender in ran:
        assert contenders[contender]["skipped"] is None, contender
        assert report["times"]["users"][contender], contender
