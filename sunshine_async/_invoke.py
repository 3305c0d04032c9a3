"""Calling any operation of the table: path, query and body, checked before sending.

The generated resources are thin: each method names its operation and hands its
arguments here. Pure functions build the request; `invoke` sends it through the
`Requester` (the Session), which owns retries, deadlines and errors.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

import attrs
import cattrs

from . import _validate as validate
from ._bodies import encode_multipart
from ._converter import CONVERTER, describe_invalid
from ._cursors import page_params
from ._exceptions import InvalidArgumentError
from ._generated.rules import BODIES, RULES
from ._models import Unset
from ._operation import Operation
from ._options import RequestOptions
from ._pagination import ItemIterator, PageIterator
from ._pagination import P as PageT
from ._responses import ApiResponse, unexpected_body
from ._text import short_repr
from ._types import JSONObject
from ._urls import operation_path

if TYPE_CHECKING:
    from ._requester import Requester

__all__ = [
    "OperationsBase",
    "check_body",
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


def check_body(op: Operation, body: object, fields: Mapping[str, object]) -> JSONObject:
    """The JSON body of ``op`` from one mapping or model, or from keyword fields, checked.

    Keyword fields (keyed by their JSON names) left `UNSET` are not sent; ``None`` is sent
    as ``null``. Models become their JSON at any depth. Then the body is checked, at
    every depth, by the spec's rules (``_generated/rules.py``): an unknown or misspelled
    key, a missing required one, a value of the wrong type or out of bounds is refused
    here, naming its JSON path, before anything is sent.

    Raises:
        InvalidArgumentError: what is wrong, each problem with its JSON path.
    """
    models: list[object] = []
    given = _given_body(body, fields, models)
    if op.body_required and not given:
        raise InvalidArgumentError(f"{op.id} needs a request body")
    rule = BODIES.get(op.id)
    if rule is not None:
        if models:  # a model the API returned, sent back: as a request would have it
            given = validate.sendable(given, rule, RULES)  # type: ignore[assignment]
        validate.check_body(given, rule, RULES, what=op.id)
    # checked against the spec's rules: JSON values only (the rules know no others)
    return cast("JSONObject", given)


def _given_body(
    body: object, fields: Mapping[str, object], models: list[object]
) -> dict[str, object]:
    """A body from a mapping, a model or keyword fields (never both), as the API's JSON;
    ``models`` gets each model met on the way."""
    given = {
        key: _wire(value, models, 0)
        for key, value in fields.items()
        if not isinstance(value, Unset)
    }
    if body is not None:
        if given:
            raise InvalidArgumentError(
                f"pass a body or keyword arguments, not both (got body and {next(iter(given))})"
            )
        body = _wire(body, models, 0)
        if not isinstance(body, Mapping):
            raise InvalidArgumentError(
                f"body must be a model or a mapping, got {type(body).__name__}"
            )
        # a model's JSON stays marked as one (`sendable` reads the mark)
        given = body if isinstance(body, validate.ModelJSON) else dict(body)
    return given


def _wire(value: object, models: list[object], depth: int) -> object:
    """A value as the API's JSON: models (at any depth of a list or a mapping) turned into
    their JSON objects, dates into ISO-8601 text, everything else as it is (it is
    checked as JSON next)."""
    if depth > validate.MAX_DEPTH:
        raise InvalidArgumentError(f"the body is nested more than {validate.MAX_DEPTH} levels")
    if attrs.has(type(value)):
        models.append(value)
        return validate.ModelJSON(CONVERTER.unstructure(value))
    if isinstance(value, datetime):
        return CONVERTER.unstructure(value)
    if isinstance(value, list | tuple):
        return [_wire(item, models, depth + 1) for item in value]
    if isinstance(value, Mapping):
        return {key: _wire(item, models, depth + 1) for key, item in value.items()}
    return value


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
    page_type: type[PageT],
    *,
    path: Mapping[str, str],
    query: Mapping[str, object],
    page_size: int | None,
    after: str | None,
    before: str | None,
    options: RequestOptions | None = None,
) -> PageIterator[PageT]:
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
) -> ItemIterator[tuple[T, ...], T]:
    """The items of a list that is not paginated: fetched once, on first use (its one
    page is the tuple of its items)."""
    pages = _OncePages(requester, op, path, query, key, item, options)
    return ItemIterator(pages, lambda page: page)  # type: ignore[arg-type]
