"""codegen/docstrings.json, the hand-written text of the generated methods' docstrings.

Every operation of codegen/resources.json has an entry, every operations class an
example that parses, and every error named is one the SDK exports.
"""

from __future__ import annotations

import ast
import builtins
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import sunshine_async

from ._mypy import mypy_strict

ROOT = Path(__file__).resolve().parents[1]
DOCSTRINGS = ROOT / "codegen" / "docstrings.json"
RESOURCES = ROOT / "codegen" / "resources.json"

# the errors a docstring may tell the caller to catch (api-surface: one per status)
ALLOWED_RAISES = {
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InvalidArgumentError",
}


def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


DOCS = _load(DOCSTRINGS)
CLASSES = {name: spec for name, spec in _load(RESOURCES).items() if name != "_"}
OPERATION_IDS = sorted({op for spec in CLASSES.values() for op in spec["methods"].values()})


def test_layout() -> None:
    assert set(DOCS) == {"_", "operations", "resources"}
    assert isinstance(DOCS["_"], str)
    assert DOCS["_"].strip()


def test_every_operation_has_an_entry() -> None:
    missing = sorted(set(OPERATION_IDS) - set(DOCS["operations"]))
    assert missing == []


def test_no_entry_for_an_unknown_operation() -> None:
    unknown = sorted(set(DOCS["operations"]) - set(OPERATION_IDS))
    assert unknown == []


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_operation_entry(operation_id: str) -> None:
    entry = DOCS["operations"][operation_id]
    assert set(entry) == {"summary", "params", "returns", "raises"}
    summary = entry["summary"]
    assert isinstance(summary, str)
    assert summary.strip()
    assert len(summary) < 400
    assert isinstance(entry["returns"], str)
    assert entry["returns"].strip()
    for table in ("params", "raises"):
        assert isinstance(entry[table], dict)
        for key, phrase in entry[table].items():
            assert isinstance(key, str)
            assert key
            assert isinstance(phrase, str)
            assert phrase.strip(), f"{operation_id} {table}[{key!r}] is empty"


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_raises_are_exported_errors(operation_id: str) -> None:
    for name in DOCS["operations"][operation_id]["raises"]:
        assert name in ALLOWED_RAISES, f"{operation_id}: {name} is not one of {ALLOWED_RAISES}"
        assert name in sunshine_async.__all__
        error = getattr(sunshine_async, name)
        assert isinstance(error, type)
        assert issubclass(error, sunshine_async.SunshineError)


def test_every_class_has_an_example() -> None:
    assert set(DOCS["resources"]) == set(CLASSES)


@pytest.mark.parametrize("class_name", sorted(CLASSES))
def test_example_parses(class_name: str) -> None:
    example = DOCS["resources"][class_name]
    assert isinstance(example, str)
    lines = example.splitlines()
    assert 1 <= len(lines) <= 12
    assert not any(line.lstrip().startswith((">>>", "...")) for line in lines)
    ast.parse("async def _():\n" + textwrap.indent(example, "    "))


def _free_names(code: str) -> list[str]:
    """The names an example uses without binding them (``session``, ``app_id``, ...)."""
    tree = ast.parse("async def _():\n" + textwrap.indent(code, "    "))
    bound = {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
    }
    used = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    known = set(dir(builtins))
    return sorted({name for name in used if name not in bound and name not in known} - {"_"})


def test_examples_type_check(tmp_path: Path) -> None:
    """Every class example passes mypy --strict, as the body of a function whose free names
    are its parameters: a session, ids as str, models from `sunshine_async.types`."""
    models = set(sunshine_async.types.__all__)
    blocks = ["from sunshine_async import Session", "from sunshine_async.types import *", ""]
    for index, (name, code) in enumerate(sorted(DOCS["resources"].items())):
        free = [n for n in _free_names(code) if n not in models and n != "Session"]
        params = ", ".join(f"{n}: Session" if n == "session" else f"{n}: str" for n in free)
        blocks += [
            f"async def example_{index}({params}) -> None:  # {name}",
            textwrap.indent(code, "    "),
            "",
        ]
    target = tmp_path / "examples.py"
    target.write_text("\n".join(blocks) + "\n", encoding="utf-8")
    report, status = mypy_strict([target], tmp_path / "cache")
    assert status == 0, report + "\n" + target.read_text(encoding="utf-8")
