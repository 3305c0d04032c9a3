"""Calling any operation of the table: path, query and body, checked before sending.

The generated resources are thin: each method names its operation and hands its
arguments here. Pure functions build the request; `invoke` sends it through the
`Requester` (the Session), which owns retries, deadlines and errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ._exceptions import InvalidArgumentError
from ._operation import Operation
from ._sansio import ApiResponse, check_id, quote_segment
from ._types import JSONObject

if TYPE_CHECKING:
    from ._resources import Requester

__all__ = ["invoke", "operation_path", "operation_query"]


def operation_path(op: Operation, values: Mapping[str, str]) -> str:
    """The operation's path with each placeholder filled, one encoded segment each.

    >>> from sunshine_async._generated.operations import OPERATIONS
    >>> operation_path(OPERATIONS["GetUser"], {"appId": "a1", "userIdOrExternalId": "s b@x"})
    '/v2/apps/a1/users/s%20b%40x'

    Raises:
        InvalidArgumentError: a placeholder is missing, unknown, or not a usable id.
    """
    unknown = sorted(set(values) - set(op.path_params))
    if unknown:
        raise InvalidArgumentError(f"{op.id} has no path parameter {unknown[0]!r}")
    segments = []
    for segment in op.path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            if name not in values:
                raise InvalidArgumentError(f"{op.id} needs the path parameter {name!r}")
            segment = quote_segment(check_id(name, values[name]))
        segments.append(segment)
    return "/".join(segments)


def _text(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return ",".join(value)  # the API's lists in a query: filter[types]=a,b
    raise InvalidArgumentError(f"query parameter {name} cannot be {type(value).__name__}")


def operation_query(op: Operation, values: Mapping[str, object]) -> list[tuple[str, str]]:
    """The query pairs, in the table's order; a deepObject gives ``name[key]=value``.

    Raises:
        InvalidArgumentError: an unknown parameter or key, a required one missing, or a
            value that has no text form.
    """
    known = {param.name: param for param in op.query}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InvalidArgumentError(f"{op.id} has no query parameter {unknown[0]!r}")
    pairs: list[tuple[str, str]] = []
    for param in op.query:
        value = values.get(param.name)
        if value is None:
            if param.required:
                raise InvalidArgumentError(f"{op.id} needs the query parameter {param.name!r}")
            continue
        if param.keys:
            if not isinstance(value, Mapping):
                raise InvalidArgumentError(
                    f"query parameter {param.name} takes a mapping of {', '.join(param.keys)}"
                )
            for key, item in value.items():
                if key not in param.keys:
                    raise InvalidArgumentError(f"{param.name} has no key {key!r}")
                if item is not None:
                    pairs.append((f"{param.name}[{key}]", _text(f"{param.name}[{key}]", item)))
        else:
            pairs.append((param.name, _text(param.name, value)))
    return pairs


async def invoke(
    requester: Requester,
    op: Operation,
    *,
    path: Mapping[str, str],
    query: Mapping[str, object] | None = None,
    body: JSONObject | None = None,
) -> ApiResponse:
    """Send ``op`` with these values; returns the success or raises a `SunshineError`.

    Raises:
        InvalidArgumentError: before anything is sent, for any argument the operation
            does not take, or a required one missing.
    """
    if op.body_kind == "multipart":
        raise InvalidArgumentError(f"{op.id} uploads a file: it is not a JSON operation")
    if body is None and op.body_required:
        raise InvalidArgumentError(f"{op.id} needs a request body")
    if body is not None and op.body_kind is None:
        raise InvalidArgumentError(f"{op.id} takes no request body")
    return await requester.request(
        op.method,
        operation_path(op, path),
        params=operation_query(op, query or {}),
        body=body,
        gone_code=op.gone_code,
    )
