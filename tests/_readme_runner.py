"""Find the README's ```python blocks and run one as written, in a namespace a test gives.

The README is read each time `readme_blocks` is called, so a test always runs the
examples as they are now. Each block gets a stable id: its heading's slug and its place
under that heading (``"create-a-client-link-a-channel-2"``). Line numbers are kept, so
a traceback points into README.md.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import attrs

README: Final = Path(__file__).resolve().parents[1] / "README.md"

_HEADING = re.compile(r"#{1,6}\s+(.*?)\s*#*\s*")
_OPEN = re.compile(r"```python")
_CLOSE = re.compile(r"```")


@attrs.frozen
class Block:
    """One ```python block: where it is in the README, and its code as written."""

    id: str
    heading: str
    #: The README line of its first line of code (1-based).
    line: int
    code: str


def slug(heading: str) -> str:
    """A heading as an id: lowercase words joined by ``-`` (punctuation dropped)."""
    return "-".join(re.findall(r"[a-z0-9]+", heading.lower()))


def readme_blocks(path: Path = README) -> list[Block]:
    """Every ```python block of the README, in order, with its id.

    A fence may be indented (in a list item); its code is dedented.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    heading, count = "", 0
    fence: str | None = None  # "python", or another language, while inside a fence
    start = 0
    code: list[str] = []
    for number, text in enumerate(lines, start=1):
        if fence is not None:
            if not _CLOSE.fullmatch(text.strip()):
                code.append(text)
                continue
            if fence == "python":
                block_id = f"{slug(heading)}-{count}"
                source = textwrap.dedent("\n".join(code) + "\n")
                blocks.append(Block(block_id, heading, start, source))
            fence = None
        elif text.lstrip().startswith("```"):
            fence = "python" if _OPEN.fullmatch(text.strip()) else "other"
            if fence == "python":
                count += 1
            start, code = number + 1, []
        elif (match := _HEADING.fullmatch(text)) is not None:
            heading, count = match.group(1), 0
    if fence is not None:
        raise ValueError(f"README.md: the fence at line {start - 1} is never closed")
    return blocks


def block(block_id: str, path: Path = README) -> Block:
    """The README's block with this id, read now."""
    found = [b for b in readme_blocks(path) if b.id == block_id]
    if len(found) != 1:
        raise LookupError(f"README.md has {len(found)} python blocks with id {block_id!r}")
    return found[0]


def compiled(found: Block) -> Any:
    """The block's code object: top-level ``await`` allowed, README line numbers kept."""
    tree = compile(
        found.code,
        str(README),
        "exec",
        flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    ast.increment_lineno(tree, found.line - 1)
    return compile(
        tree, str(README), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )


def start(found: Block, namespace: dict[str, Any]) -> Any:
    """Run the block in ``namespace``; a coroutine to await when it has top-level ``await``."""
    return eval(compiled(found), namespace)  # noqa: S307 - our own README's examples


async def run(found: Block, namespace: dict[str, Any]) -> None:
    """Run the block as written in ``namespace``, awaiting it when it awaits."""
    result = start(found, namespace)
    if inspect.iscoroutine(result):
        await result
    else:
        assert result is None, result


def run_sync(found: Block, namespace: dict[str, Any]) -> None:
    """Run a block that has no top-level ``await`` (e.g. from a worker thread)."""
    result = start(found, namespace)
    if inspect.iscoroutine(result):
        result.close()
        raise AssertionError(f"block {found.id} awaits at top level: use run()")
    assert result is None, result


class Printed(list[str]):
    """A ``print`` for a block's namespace: keeps each printed line instead of writing it."""

    def __call__(self, *values: object, sep: str | None = " ", **_: object) -> None:
        self.append((" " if sep is None else sep).join(map(str, values)))


def typed_module(found: Iterable[Block], parameters: str, header: Iterable[str] = ()) -> str:
    """Blocks, in order, as the body of one async function that mypy can check.

    ``parameters`` declares, with their types, the names the blocks read from elsewhere
    (what a test's namespace gives them); ``header`` is the module's lines before the
    function (its imports). A block's top-level ``await`` is fine in an async function.
    """
    lines = [
        "from __future__ import annotations",
        *header,
        "",
        "",
        f"async def _blocks({parameters}) -> None:",
    ]
    for each in found:
        lines.append(textwrap.indent(each.code, "    "))
    lines.append("    return None")
    return "\n".join(lines) + "\n"
