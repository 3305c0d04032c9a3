"""The README's Python examples are valid code that uses only real names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import sunshine_async
import sunshine_async.webhooks

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_has_examples() -> None:
    """The README shows code for each call."""
    text = "\n".join(BLOCKS)
    for call in (
        "clients.create(",
        "clients.list(",
        "clients.pages(",
        "clients.remove(",
        "clients.wait_for_link(",
        "webhooks.unwrap(",
    ):
        assert call in text


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_block_compiles_and_names_exist(block: str) -> None:
    """Each block parses (top-level await allowed) and every sunshine_async.X exists."""
    tree = compile(
        block, "<README>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "sunshine_async"
        ):
            assert hasattr(sunshine_async, node.attr), node.attr
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "webhooks"
        ):
            assert hasattr(sunshine_async.webhooks, node.attr), node.attr


@pytest.mark.anyio
async def test_testing_section_runs() -> None:
    """The "Testing your code" example is a working test."""
    (block,) = [b for b in BLOCKS if "async def test_remove_blocked" in b]
    namespace: dict[str, object] = {}
    exec(compile(block, "<README>", "exec"), namespace)  # noqa: S102 - our own README
    test = namespace["test_remove_blocked"]
    assert callable(test)
    await test()
