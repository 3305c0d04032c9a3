"""The operations of the official spec, as the fake routes and answers them.

Read from ``openapi-facts.json`` when the fake is imported, never from the SDK's
generated table: the fake is the oracle the SDK is tested against, so a mistake the
generator makes must not reach the fake by the same road. Everything the fake needs
to route a request and shape its answer is derived here from the spec's own words:

- the route: method, path template, its parameters in order;
- the query parameters (path-level ones included), a deepObject's keys, and which are
  required;
- the request body's media type and whether it is required;
- the statuses the operation documents, and its success status;
- where the result goes in a success body: the one key of the response schema
  (``{"integration": {...}}``), or, for a list with ``meta`` and ``links``, its items.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs

from ._spec import SPEC

__all__ = ["OPERATIONS", "PAGE_RULES", "BodyKind", "Operation", "PageRules", "QueryParam"]

BodyKind: TypeAlias = Literal["json", "multipart"]
_METHODS: Final = ("get", "put", "post", "patch", "delete")
_PARAMETER_PREFIX: Final = "#/components/parameters/"
_SCHEMA_PREFIX: Final = "#/components/schemas/"
# the two keys every paginated list carries beside its items
_PAGE_ENVELOPE: Final = frozenset({"meta", "links"})


@attrs.frozen(kw_only=True)
class QueryParam:
    """One query parameter of an operation."""

    name: str
    required: bool = False
    #: A deepObject's keys (``page[after]``): the properties of its schema.
    keys: tuple[str, ...] = ()
    #: The spec's default, as text (a required parameter with one may be left out).
    default: str | None = None


@attrs.frozen(kw_only=True)
class Operation:
    """One operation of the spec: its route, inputs and the shape of its success."""

    id: str
    method: str
    #: The path template, e.g. ``/v2/apps/{appId}/users``.
    path: str
    #: The template's parameters, in order.
    path_params: tuple[str, ...]
    query: tuple[QueryParam, ...] = ()
    body_kind: BodyKind | None = None
    body_required: bool = False
    #: Every status the spec documents for it.
    statuses: frozenset[int] = frozenset()
    #: The success status (the lowest 2xx or 3xx documented).
    status: int = 200
    #: The one key of a success body that holds the result (``"integration"``).
    response_key: str | None = None
    #: Whether that key holds an array (``PostMessage`` answers ``messages: [...]``).
    response_key_is_array: bool = False
    #: For a paginated list: the key of its items (``"clients"``).
    items_key: str | None = None

    @property
    def paginated(self) -> bool:
        return any(param.name == "page" for param in self.query)


@attrs.frozen(kw_only=True)
class PageRules:
    """The bounds of a ``page[...]`` query, from the spec's ``page`` schema."""

    cursor_length: int
    size_min: int
    size_max: int
    size_default: int


def _deref(node: Mapping[str, Any]) -> dict[str, Any]:
    """A schema, followed through ``$ref`` and through an ``allOf`` of one member."""
    seen = 0
    current: dict[str, Any] = dict(node)
    # every step moves to another named schema or one level in: the spec is finite
    while seen < 64:
        seen += 1
        ref = current.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_PREFIX):
            current = SPEC["components"]["schemas"][ref.removeprefix(_SCHEMA_PREFIX)]
        elif len(current.get("allOf", ())) == 1 and "properties" not in current:
            current = current["allOf"][0]
        else:
            return current
    raise ValueError(f"the spec's schema {node!r} does not resolve")


def _parameter(node: Mapping[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        found: dict[str, Any] = SPEC["components"]["parameters"][
            ref.removeprefix(_PARAMETER_PREFIX)
        ]
        return found
    return dict(node)


def _query_param(node: Mapping[str, Any]) -> QueryParam:
    schema = _deref(node.get("schema", {}))
    default = schema.get("default")
    keys = tuple(schema.get("properties", ())) if node.get("style") == "deepObject" else ()
    return QueryParam(
        name=node["name"],
        required=bool(node.get("required", False)),
        keys=keys,
        default=None if default is None else str(default),
    )


def _body(operation: Mapping[str, Any]) -> tuple[BodyKind | None, bool]:
    body = operation.get("requestBody")
    if body is None:
        return None, False
    content = body.get("content", {})
    kind: BodyKind = "multipart" if "multipart/form-data" in content else "json"
    return kind, bool(body.get("required", False))


def _result_keys(operation: Mapping[str, Any], status: int) -> tuple[str | None, bool, str | None]:
    """(response key, whether it holds an array, items key) of a success body's schema."""
    content = operation["responses"][str(status)].get("content", {}).get("application/json")
    if content is None or "schema" not in content:
        return None, False, None
    properties: dict[str, Any] = _deref(content["schema"]).get("properties", {})
    names = set(properties)
    if names > _PAGE_ENVELOPE and len(names) == len(_PAGE_ENVELOPE) + 1:
        (items,) = names - _PAGE_ENVELOPE
        return None, False, items
    if len(names) == 1:
        (key,) = names
        return key, _deref(properties[key]).get("type") == "array", None
    return None, False, None


def _operation(path: str, method: str, item: Mapping[str, Any]) -> Operation:
    operation = item[method]
    parameters = [
        _parameter(p) for p in (*item.get("parameters", ()), *operation.get("parameters", ()))
    ]
    statuses = frozenset(int(code) for code in operation["responses"] if code.isdigit())
    status = min(code for code in statuses if 200 <= code < 400)
    body_kind, body_required = _body(operation)
    response_key, is_array, items_key = _result_keys(operation, status)
    return Operation(
        id=operation["operationId"],
        method=method.upper(),
        path=path,
        path_params=tuple(segment[1:-1] for segment in path.split("/") if segment.startswith("{")),
        query=tuple(_query_param(p) for p in parameters if p.get("in") == "query"),
        body_kind=body_kind,
        body_required=body_required,
        statuses=statuses,
        status=status,
        response_key=response_key,
        response_key_is_array=is_array,
        items_key=items_key,
    )


def _read() -> dict[str, Operation]:
    found = {}
    for path, item in SPEC["paths"].items():
        for method in _METHODS:
            if method in item:
                operation = _operation(path, method, item)
                found[operation.id] = operation
    return found


def _page_rules() -> PageRules:
    properties = SPEC["components"]["schemas"]["page"]["properties"]
    after, size = properties["after"], properties["size"]
    if after["minLength"] != after["maxLength"]:
        raise ValueError("the spec's page cursors no longer have one length")
    return PageRules(
        cursor_length=after["minLength"],
        size_min=size["minimum"],
        size_max=size["maximum"],
        size_default=size["default"],
    )


#: Every operation of the spec, by operationId, in the spec's order.
OPERATIONS: Final = _read()
#: What a ``page[...]`` query may hold.
PAGE_RULES: Final = _page_rules()
