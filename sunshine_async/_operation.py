"""`Operation`: what the SDK knows of one API operation, as the generated table lists it.

The table itself (`_generated/operations.py`) is written by ``codegen/generate.py``
from the official OpenAPI spec; this module only defines its shape.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, final

import attrs

from ._types import Method

__all__ = ["BodyKind", "Operation", "QueryParam"]

#: How a request body is sent.
BodyKind: TypeAlias = Literal["json", "multipart"]


@final
@attrs.frozen(kw_only=True)
class QueryParam:
    """One query parameter: ``page`` (deepObject: ``page[after]=…``) or a plain one."""

    name: str
    required: bool = False
    #: For a deepObject parameter, the keys it may carry (``after``, ``before``, ``size``).
    keys: tuple[str, ...] = ()
    #: The value the spec gives when none is passed.
    default: str | None = None


@final
@attrs.frozen(kw_only=True)
class Operation:
    """One operation of the API: how to call it and how to read what it returns."""

    #: The spec's operationId, e.g. ``"ListClients"``.
    id: str
    method: Method
    #: The path with ``{placeholders}``, e.g. ``/v2/apps/{appId}/users``.
    path: str
    #: The placeholders of ``path``, in order.
    path_params: tuple[str, ...]
    query: tuple[QueryParam, ...] = ()
    #: The schema of the request body (None: no body).
    body: str | None = None
    body_kind: BodyKind | None = None
    body_required: bool = False
    #: The success status the spec gives (200 or 201).
    status: int = 200
    #: The schema of the success body, when it names one.
    response: str | None = None
    #: The one key of the success body that holds the result (``"client"``), if any.
    response_key: str | None = None
    #: The schema of that key's value.
    response_key_schema: str | None = None
    #: For a list: the key of the array of items (``"clients"``).
    items_key: str | None = None
    #: Whether it is a cursor-paginated list (``page`` in, ``meta`` cursors out).
    paginated: bool = False
    #: For a DELETE: the 404 code that means the target is already gone.
    gone_code: str | None = None
