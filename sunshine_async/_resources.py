"""Resources: ``session.apps[app_id].users[user].clients`` and what they can do.

Resource objects are cheap and hold ids only; each call goes through a `Requester` (the
`Session`), so this module never touches HTTP and never imports the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar, final, overload

import cattrs

from ._converter import CONVERTER, describe_invalid, structure_request
from ._exceptions import InvalidArgumentError, PaginationError
from ._models import (
    Client,
    ClientCreate,
    ClientListResponse,
    Confirmation,
    MatchCriteria,
    Target,
)
from ._sansio import (
    ApiResponse,
    check_id,
    clients_path,
    next_cursor,
    page_params,
    undecodable_response,
)
from ._types import JSONObject, Method, QueryParams

__all__ = [
    "AppResource",
    "AppsResource",
    "ClientIterator",
    "ClientPageIterator",
    "ClientsResource",
    "Requester",
    "UserResource",
    "UsersResource",
]

T = TypeVar("T")


class Requester(Protocol):
    """What resources need from a session: one JSON request, retried and checked."""

    async def request(
        self,
        method: Method,
        path: str,
        *,
        params: QueryParams = (),
        body: JSONObject | None = None,
    ) -> ApiResponse:
        """Send a request and return its successful response, or raise a `SunshineError`."""
        ...


def _decode(response: ApiResponse, cls: type[T], *, key: str | None = None) -> T:
    """Structure a response body (or one key of it) into ``cls``.

    Raises:
        ResponseValidationError: the body is not what the operation returns.
    """
    data = response.data if key is None else response.data.get(key)
    try:
        return CONVERTER.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        where = f" in {key!r}" if key else ""
        problems = "; ".join(describe_invalid(exc)) + where
        raise undecodable_response(
            response.status_code, response.headers, response.body, response.request, problems
        ) from exc


@final
class AppsResource:
    """``session.apps``: index it with an app id.

    .. versionadded:: 0.1
    """

    __slots__ = ("_requester",)

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def __getitem__(self, app_id: str) -> AppResource:
        return AppResource(self._requester, app_id)

    def __repr__(self) -> str:
        return "AppsResource()"


@final
class AppResource:
    """One app: ``session.apps[app_id]``.

    .. versionadded:: 0.1
    """

    __slots__ = ("_requester", "app_id")

    def __init__(self, requester: Requester, app_id: str) -> None:
        self._requester = requester
        self.app_id = check_id("app_id", app_id)

    @property
    def users(self) -> UsersResource:
        """The app's users; index with a user id or an external id."""
        return UsersResource(self._requester, self.app_id)

    def user(self, user_id_or_external_id: str, *, brand_id: str | None = None) -> UserResource:
        """One user; ``brand_id`` picks a brand-separated user addressed by external id."""
        return UserResource(self._requester, self.app_id, user_id_or_external_id, brand_id)

    def __repr__(self) -> str:
        return f"AppResource(app_id={self.app_id!r})"


@final
class UsersResource:
    """``session.apps[app_id].users``: index it with a user id or an external id.

    .. versionadded:: 0.1
    """

    __slots__ = ("_requester", "app_id")

    def __init__(self, requester: Requester, app_id: str) -> None:
        self._requester = requester
        self.app_id = app_id

    def __getitem__(self, user_id_or_external_id: str) -> UserResource:
        return UserResource(self._requester, self.app_id, user_id_or_external_id)

    def __repr__(self) -> str:
        return f"UsersResource(app_id={self.app_id!r})"


@final
class UserResource:
    """One user, by id or external id: ``session.apps[app_id].users[user]``.

    .. versionadded:: 0.1
    """

    __slots__ = ("_requester", "app_id", "brand_id", "user_id")

    def __init__(
        self,
        requester: Requester,
        app_id: str,
        user_id_or_external_id: str,
        brand_id: str | None = None,
    ) -> None:
        self._requester = requester
        self.app_id = app_id
        self.user_id = check_id("user_id_or_external_id", user_id_or_external_id)
        self.brand_id = None if brand_id is None else check_id("brand_id", brand_id)

    @property
    def clients(self) -> ClientsResource:
        """The user's clients."""
        return ClientsResource(self._requester, self.app_id, self.user_id, self.brand_id)

    def __repr__(self) -> str:
        brand = f", brand_id={self.brand_id!r}" if self.brand_id is not None else ""
        return f"UserResource(app_id={self.app_id!r}, user_id={self.user_id!r}{brand})"


@final
class ClientsResource:
    """A user's clients: create, list and remove them.

    Example::

        clients = session.apps[app_id].users["steveb@example.com"].clients
        async for client in clients.list():
            print(client.id, client.type, client.status)

    .. versionadded:: 0.1
    """

    __slots__ = ("_query", "_requester", "app_id", "brand_id", "user_id")

    def __init__(
        self,
        requester: Requester,
        app_id: str,
        user_id: str,
        brand_id: str | None = None,
    ) -> None:
        self._requester = requester
        self.app_id = app_id
        self.user_id = user_id
        self.brand_id = brand_id
        self._query: QueryParams = () if brand_id is None else (("brandId", brand_id),)

    def __repr__(self) -> str:
        brand = f", brand_id={self.brand_id!r}" if self.brand_id is not None else ""
        return f"ClientsResource(app_id={self.app_id!r}, user_id={self.user_id!r}{brand})"

    @overload
    async def create(self, body: ClientCreate | Mapping[str, object], /) -> Client: ...

    @overload
    async def create(
        self, *, match_criteria: MatchCriteria, confirmation: Confirmation, target: Target
    ) -> Client: ...

    async def create(
        self,
        body: ClientCreate | Mapping[str, object] | None = None,
        *,
        match_criteria: MatchCriteria | None = None,
        confirmation: Confirmation | None = None,
        target: Target | None = None,
    ) -> Client:
        """Start linking a channel to the user; returns the new client (status ``pending``).

        Pass the three parts as models, or one `ClientCreate`, or a mapping in the
        API's JSON shape (the JSON from the API docs can be pasted as a dict).

        The request is not retried after it may have reached the server (no idempotency
        key exists), so a create is never sent twice.

        Raises:
            InvalidArgumentError: the body is incomplete or invalid; nothing was sent.
            ApiError: the API refused it (`BadRequestError`, `NotFoundError`, ...).
        """
        keywords = {
            "match_criteria": match_criteria,
            "confirmation": confirmation,
            "target": target,
        }
        if body is not None:
            given = [name for name, value in keywords.items() if value is not None]
            if given:
                raise InvalidArgumentError(
                    f"pass a body or keyword arguments, not both (got body and {given[0]})"
                )
            request = structure_request(body, ClientCreate, name="body")
        else:
            missing = [name for name, value in keywords.items() if value is None]
            if missing:
                raise InvalidArgumentError(f"create() is missing {', '.join(missing)}")
            request = ClientCreate(
                match_criteria=match_criteria,  # type: ignore[arg-type]
                confirmation=confirmation,  # type: ignore[arg-type]
                target=target,  # type: ignore[arg-type]
            )
        response = await self._requester.request(
            "POST",
            clients_path(self.app_id, self.user_id),
            params=self._query,
            body=CONVERTER.unstructure(request),
        )
        return _decode(response, Client, key="client")

    async def remove(self, client: str | Client, /) -> None:
        """Remove a client (unlink the channel). Accepts a client id or a `Client`.

        Raises:
            NotFoundError: no such client (``client_not_found``).
            BadRequestError: the client is of type ``sdk``, which cannot be removed.
        """
        client_id = client.id if isinstance(client, Client) else client
        path = clients_path(self.app_id, self.user_id, check_id("client_id", client_id))
        await self._requester.request("DELETE", path, params=self._query)

    def list(
        self, *, page_size: int | None = None, after: str | None = None, before: str | None = None
    ) -> ClientIterator:
        """Every client of the user, one at a time, across as many pages as it takes.

        Use it with ``async for``. Each page is read whole before its first client is
        yielded, so leaving the loop early holds no connection open.

        Args:
            page_size: Clients per request, 1..100 (default 100).
            after: Start after this 24-character cursor.
            before: Walk backwards from this cursor, following ``beforeCursor``.

        Raises:
            InvalidArgumentError: at once, for a bad argument.
            PaginationError: while iterating, if the server's cursors would loop.
        """
        return ClientIterator(self.pages(page_size=page_size, after=after, before=before))

    def pages(
        self, *, page_size: int | None = None, after: str | None = None, before: str | None = None
    ) -> ClientPageIterator:
        """Like `list`, but yields each `ClientListResponse` page (``.clients``, ``.meta``)."""
        size, after, before = page_params(page_size, after, before)
        return ClientPageIterator(
            self._requester,
            clients_path(self.app_id, self.user_id),
            query=self._query,
            page_size=size,
            cursor=after if before is None else before,
            backwards=before is not None,
        )


@final
class ClientPageIterator:
    """Async iterator over pages of clients, following the cursors the server returns.

    Made by `ClientsResource.pages`. Not safe to share between concurrently running
    tasks; make one per task.

    .. versionadded:: 0.1
    """

    __slots__ = (
        "_backwards",
        "_cursor",
        "_done",
        "_error",
        "_path",
        "_query",
        "_requester",
        "_seen",
        "_size",
    )

    def __init__(
        self,
        requester: Requester,
        path: str,
        *,
        query: QueryParams,
        page_size: int,
        cursor: str | None,
        backwards: bool,
    ) -> None:
        self._requester = requester
        self._path = path
        self._query = query
        self._size = page_size
        self._cursor = cursor
        self._backwards = backwards
        self._seen: set[str] = set() if cursor is None else {cursor}
        self._done = False
        self._error: PaginationError | None = None

    def __aiter__(self) -> ClientPageIterator:
        return self

    async def __anext__(self) -> ClientListResponse:
        if self._error is not None:
            raise self._error
        if self._done:
            raise StopAsyncIteration
        params: list[tuple[str, str]] = []
        if self._cursor is not None:
            params.append(("page[before]" if self._backwards else "page[after]", self._cursor))
        params.append(("page[size]", str(self._size)))
        params.extend(self._query)
        response = await self._requester.request("GET", self._path, params=params)
        page = _decode(response, ClientListResponse)
        try:
            cursor = next_cursor(
                has_more=page.meta.has_more,
                after_cursor=page.meta.after_cursor,
                before_cursor=page.meta.before_cursor,
                backwards=self._backwards,
                seen=self._seen,
            )
        except PaginationError as exc:
            # hand out this page's clients first; the error comes on the next call
            self._error = exc
            return page
        if cursor is None:
            self._done = True
        else:
            self._seen.add(cursor)
            self._cursor = cursor
        return page


@final
class ClientIterator:
    """Async iterator over clients, a page at a time. Made by `ClientsResource.list`.

    .. versionadded:: 0.1
    """

    __slots__ = ("_index", "_items", "_pages")

    def __init__(self, pages: ClientPageIterator) -> None:
        self._pages = pages
        self._items: tuple[Client, ...] | list[Client] = ()
        self._index = 0

    def __aiter__(self) -> ClientIterator:
        return self

    async def __anext__(self) -> Client:
        while self._index >= len(self._items):
            page = await self._pages.__anext__()
            self._items = tuple(page.clients)
            self._index = 0
        item = self._items[self._index]
        self._index += 1
        return item
