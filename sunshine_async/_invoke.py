"""Calling any operation of the table: path, query and body, checked before sending.

The generated resources are thin: each method names its operation and hands its
arguments here. Pure functions build the request; `invoke` sends it through the
`Requester` (the Session), which owns retries, deadlines and errors.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import cattrs

from ._bodies import encode_multipart
from ._config import MAX_PROBLEMS_SHOWN
from ._converter import CONVERTER, camel_case, describe_invalid, json_field_names, problems_in
from ._cursors import page_params
from ._exceptions import InvalidArgumentError
from ._generated.bounds import BOUNDS
from ._models import Unset
from ._operation import Operation
from ._options import RequestOptions
from ._pagination import ItemIterator, PageIterator
from ._responses import ApiResponse, unexpected_body
from ._text import short_repr
from ._types import JSONObject
from ._urls import is_absolute_url, operation_path

if TYPE_CHECKING:
    from ._requester import Requester

__all__ = [
    "OperationsBase",
    "check_body",
    "check_loose_body",
    "check_tagged_body",
    "decode_items",
    "decode_object",
    "invoke",
    "list_once",
    "list_pages",
    "operation_query",
]


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
            if param.required and all(item is None for item in value.values()):
                keys = ", ".join(param.keys)
                raise InvalidArgumentError(f"{op.id} needs one of {keys} (in {param.name!r})")
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
    upload: tuple[str, bytes | BinaryIO, str, str] | None = None,
    options: RequestOptions | None = None,
) -> ApiResponse:
    """Send ``op`` with these values; returns the success or raises a `SunshineError`.

    ``upload`` is the one file of a multipart operation: (field, bytes or a binary
    file object, file name, content type). A file object is read whole first, so that
    a retry sends the same bytes. ``options`` are the call's own settings.

    Raises:
        InvalidArgumentError: before anything is sent, for any argument the operation
            does not take, or a required one missing.
    """
    if (upload is not None) != (op.body_kind == "multipart"):
        raise InvalidArgumentError(
            f"{op.id} uploads a file: pass one" if upload is None else f"{op.id} is not an upload"
        )
    if body is None and op.body_required and upload is None:
        raise InvalidArgumentError(f"{op.id} needs a request body")
    if body is not None and op.body_kind != "json":
        raise InvalidArgumentError(f"{op.id} takes no request body")
    raw = None
    if upload is not None:
        field, source, filename, content_type = upload
        data = source if isinstance(source, bytes) else source.read()
        if not isinstance(data, bytes):
            raise InvalidArgumentError("the file to upload must be bytes or opened in binary mode")
        raw = encode_multipart(
            field,
            data,
            filename=filename,
            content_type=content_type,
            boundary=f"sunshine-{secrets.token_hex(16)}",
        )
    return await requester.request(
        op.method,
        operation_path(op, path),
        params=operation_query(op, query or {}),
        body=body,
        gone_code=op.gone_code,
        raw=raw,
        options=options,
        operation=op,
    )


T = TypeVar("T")
P = TypeVar("P")


class OperationsBase:
    """What every generated operations class holds: the requester, the ids above it, and
    the query values they fix (a brand-separated user's ``brandId``)."""

    __slots__ = ("_bound", "_bound_query", "_requester")

    def __init__(
        self,
        requester: Requester,
        bound: Mapping[str, str],
        bound_query: Mapping[str, str] | None = None,
    ) -> None:
        self._requester = requester
        self._bound = dict(bound)
        self._bound_query = dict(bound_query or {})

    def _known(self, name: str, given: str | None) -> str | None:
        """A query value: the one given, else the one the object above fixed.

        Raises:
            InvalidArgumentError: both are set and differ (the call would reach another
                brand's user than the object names).
        """
        known = self._bound_query.get(name)
        if given is not None and known is not None and given != known:
            raise InvalidArgumentError(
                f"{name} {short_repr(given)} differs from the {short_repr(known)} this user has"
            )
        return known if given is None else given


def check_body(
    op: Operation,
    model: type[Any],
    required: Sequence[str],
    body: Mapping[str, object] | None,
    fields: Mapping[str, object],
) -> dict[str, object]:
    """The JSON body from a mapping (the API's shape) or keyword fields, checked.

    Keyword fields left `UNSET` are not sent; ``None`` is sent as ``null``. Unknown
    fields, missing required ones and values of the wrong JSON type are refused here,
    before anything is sent.
    """
    given = _given_body(op, required, body, fields, json_field_names(model))
    _check_model(op, model, given, op.body)
    return given


def check_tagged_body(
    op: Operation,
    subtypes: Mapping[str, tuple[type[Any], Sequence[str]]],
    body: Mapping[str, object] | None,
    fields: Mapping[str, object],
) -> dict[str, object]:
    """The JSON body of an operation that takes one of several subtypes, by ``type``.

    The keyword fields are every subtype's together; the body is then checked as the
    subtype its ``type`` names (``custom`` needs ``webhooks``, ``twilio`` an
    ``accountSid``), with that subtype's required fields and bounds.
    """
    known = set().union(*(json_field_names(model) for model, _ in subtypes.values()))
    given = _given_body(op, (), body, fields, known)
    tag = given.get("type")
    if tag is None:
        raise InvalidArgumentError(f"{op.id} needs the field 'type'")
    if not isinstance(tag, str) or tag not in subtypes:
        allowed = ", ".join(map(repr, subtypes))
        raise InvalidArgumentError(f"{op.id}: type must be one of {allowed}, got {short_repr(tag)}")
    model, required = subtypes[tag]
    names = json_field_names(model)
    foreign = sorted(set(given) - names)
    if foreign:
        raise InvalidArgumentError(f"{op.id} of type {tag!r} has no field {foreign[0]!r}")
    missing = [name for name in required if name not in given]
    if missing:
        raise InvalidArgumentError(f"{op.id} of type {tag!r} needs the field {missing[0]!r}")
    schema = model.__name__[:1].lower() + model.__name__[1:]  # codegen's naming, undone
    _check_model(op, model, given, schema)
    return given


def _check_model(
    op: Operation, model: type[Any], given: Mapping[str, object], schema: str | None
) -> None:
    """Refuse a body that does not read as ``model`` or breaks the bounds of ``schema``."""
    try:
        read = CONVERTER.structure(given, model)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        problems = "; ".join(describe_invalid(exc))
        raise InvalidArgumentError(f"invalid {op.id} body: {problems}") from None
    # the models read a server's odd value leniently (kept, and recorded): what a
    # caller sends must have none
    found = problems_in(read)
    if found:
        shown = "; ".join(found[:MAX_PROBLEMS_SHOWN])
        raise InvalidArgumentError(f"invalid {op.id} body: {shown}")
    _check_bounds(op, given, schema)


def _check_bounds(op: Operation, given: Mapping[str, object], schema: str | None) -> None:
    """Refuse a body outside the bounds the spec sets for its schema."""
    if schema is None:
        return
    problem = bounds_problem(schema, given, "$")
    if problem is not None:
        raise InvalidArgumentError(f"invalid {op.id} body: {problem}")


def _value_problem(checks: Mapping[str, Any], value: object, where: str) -> str | None:
    """What is wrong with one value under the spec's bounds, or None."""
    if isinstance(value, str):
        if "enum" in checks and value not in checks["enum"]:
            allowed = ", ".join(map(repr, checks["enum"]))
            return f"{where} must be one of {allowed}, got {short_repr(value)}"
        if len(value) < checks.get("minLength", 0):
            return f"{where} must be at least {checks['minLength']} characters"
        if "maxLength" in checks and len(value) > checks["maxLength"]:
            return f"{where} must be at most {checks['maxLength']} characters, got {len(value)}"
        if checks.get("uri") and not is_absolute_url(value):
            return f"{where} must be an absolute URL, got {short_repr(value)}"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in checks and value < checks["minimum"]:
            return f"{where} must be at least {checks['minimum']}, got {value}"
        if "maximum" in checks and value > checks["maximum"]:
            return f"{where} must be at most {checks['maximum']}, got {value}"
    elif isinstance(value, list):
        if len(value) < checks.get("minItems", 0):
            return f"{where} must hold at least {checks['minItems']} items"
        if "maxItems" in checks and len(value) > checks["maxItems"]:
            return f"{where} must hold at most {checks['maxItems']} items, got {len(value)}"
        items = checks.get("items")
        if items:
            for index, item in enumerate(value):
                problem = _value_problem(items, item, f"{where}[{index}]")
                if problem is not None:
                    return problem
    elif isinstance(value, Mapping) and "object" in checks:
        return bounds_problem(checks["object"], value, where)
    return None


def check_loose_body(
    op: Operation,
    required: Sequence[str],
    body: Mapping[str, object] | None,
    fields: Mapping[str, object],
) -> dict[str, object]:
    """The JSON body of an operation whose schema is no one model, checked.

    For a union of object shapes (join a conversation by user id *or* external id) or
    an object the spec writes inline: the keyword fields are all the shapes' fields
    together. Unknown and missing fields are refused; which shape the body takes is
    the API's to judge.
    """
    given = _given_body(op, required, body, fields, {camel_case(name) for name in fields})
    if op.body_required and not given:
        raise InvalidArgumentError(f"{op.id} needs a request body")
    _check_bounds(op, given, op.body)
    return given


def _given_body(
    op: Operation,
    required: Sequence[str],
    body: Mapping[str, object] | None,
    fields: Mapping[str, object],
    known: set[str],
) -> dict[str, object]:
    """A body from a mapping or from keyword fields (never both), its field names checked."""
    given = {
        camel_case(name): value for name, value in fields.items() if not isinstance(value, Unset)
    }
    if body is not None:
        if given:
            raise InvalidArgumentError(
                f"pass a body or keyword arguments, not both (got body and {next(iter(given))})"
            )
        if not isinstance(body, Mapping):
            raise InvalidArgumentError(f"body must be a mapping, got {type(body).__name__}")
        given = dict(body)
    unknown = sorted(set(given) - known)
    if unknown and known:
        raise InvalidArgumentError(f"{op.id} has no field {unknown[0]!r}")
    missing = [name for name in required if name not in given]
    if missing:
        raise InvalidArgumentError(f"{op.id} needs the field {missing[0]!r}")
    return given


def bounds_problem(schema: str, value: Mapping[str, object], where: str) -> str | None:
    """The first field of ``value`` outside the bounds the spec sets for ``schema``."""
    fields = BOUNDS.get(schema, {})
    for key, item in value.items():
        checks = fields.get(key)
        if checks is not None and item is not None:
            problem = _value_problem(checks, item, f"{where}.{key}")
            if problem is not None:
                return problem
    return None


def decode_items(response: ApiResponse, key: str, item: type[T]) -> tuple[T, ...]:
    """The list under ``key`` of a response body, each item structured into ``item``."""
    data = response.data.get(key)
    if not isinstance(data, list):
        raise unexpected_body(response, f"expected a JSON array in {key!r}")
    try:
        return tuple(CONVERTER.structure(entry, item) for entry in data)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        problems = "; ".join(describe_invalid(exc))
        raise unexpected_body(response, f"{problems} in {key!r}") from exc


def decode_object(response: ApiResponse, key: str) -> dict[str, object]:
    """The JSON object under ``key`` of a response body, as it is."""
    data = response.data.get(key)
    if not isinstance(data, dict):
        raise unexpected_body(response, f"expected a JSON object in {key!r}")
    return data


def list_pages(
    requester: Requester,
    op: Operation,
    page_type: type[P],
    *,
    path: Mapping[str, str],
    query: Mapping[str, object],
    page_size: int | None,
    after: str | None,
    before: str | None,
    options: RequestOptions | None = None,
) -> PageIterator[Any]:
    """The pages of a paginated operation, following its cursors."""
    size, after, before = page_params(page_size, after, before)
    extra = operation_query(op, {k: v for k, v in query.items() if k != "page"})
    return PageIterator(
        requester,
        operation_path(op, path),
        page_type,
        query=extra,
        page_size=size,
        cursor=after if before is None else before,
        backwards=before is not None,
        operation=op,
        options=options,
    )


class _OncePages:
    """An async iterator that yields the one page of a list that is not paginated."""

    __slots__ = ("_done", "_items", "_key", "_op", "_options", "_path", "_query", "_requester")

    def __init__(
        self,
        requester: Requester,
        op: Operation,
        path: Mapping[str, str],
        query: Mapping[str, object],
        key: str,
        item: type[Any],
        options: RequestOptions | None,
    ) -> None:
        self._requester = requester
        self._options = options
        self._op = op
        self._path = path
        self._query = query
        self._key = key
        self._items = item
        self._done = False

    @property
    def cursor(self) -> None:
        """Always None: a list the API does not page has nowhere to resume from."""
        return None

    def __aiter__(self) -> _OncePages:
        return self

    async def __anext__(self) -> tuple[Any, ...]:
        if self._done:
            raise StopAsyncIteration
        self._done = True
        response = await invoke(
            self._requester, self._op, path=self._path, query=self._query, options=self._options
        )
        return decode_items(response, self._key, self._items)


def list_once(
    requester: Requester,
    op: Operation,
    item: type[T],
    *,
    key: str,
    path: Mapping[str, str],
    query: Mapping[str, object],
    options: RequestOptions | None = None,
) -> ItemIterator[Any, T]:
    """The items of a list that is not paginated: fetched once, on first use."""
    pages = _OncePages(requester, op, path, query, key, item, options)
    return ItemIterator(pages, lambda page: page)  # type: ignore[arg-type]
