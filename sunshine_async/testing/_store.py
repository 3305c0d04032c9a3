"""The fake's state (apps, their users, the users' clients) and its pagination rules.

Pure: no I/O, no event loop. Failures that the API would answer with an error status
are raised as `ApiFailure`, which the ASGI app turns into a response.

Ids come from one counter and are 24 lowercase hex characters, like MongoDB ObjectIds,
so sorting them as strings sorts them in creation order. Client ids double as the
pagination cursors: a page after cursor ``X`` holds the clients whose id is greater than
``X``, so adding or removing clients between pages never skips or repeats one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Final

import attrs

from sunshine_async._config import (
    CURSOR_LENGTH,
    PAGE_SIZE_MAX,
    PAGE_SIZE_MIN,
)
from sunshine_async._converter import CONVERTER
from sunshine_async._models import (
    Client,
    ClientCreate,
    ClientStatus,
    ClientType,
    MatchCriteriaMailgun,
)
from sunshine_async._sansio import check_id

__all__ = [
    "API_DEFAULT_PAGE_SIZE",
    "ApiFailure",
    "Page",
    "PageQuery",
    "Store",
    "paginate",
    "parse_page_query",
]

#: The API's own page size when ``page[size]`` is not given.
API_DEFAULT_PAGE_SIZE: Final = 25
_ID_PREFIX: Final = 0x5F5E1000  # the "timestamp" part of every generated id
_PAGE_KEYS: Final = ("page[after]", "page[before]", "page[size]")
_INVALID_PAGE: Final = "Invalid page query parameters"
_SIZE = re.compile(r"[0-9]{1,6}")
_PHONE_TYPES: Final = frozenset({"whatsapp", "twilio", "messagebird"})


class ApiFailure(Exception):
    """A request the API would refuse: its status and the ``errors`` of the body."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        *,
        more: Sequence[tuple[str, str]] = (),
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(f"{status} {code}: {title}")
        self.status = status
        self.errors: tuple[tuple[str, str], ...] = ((code, title), *more)
        self.headers = tuple(headers)


def _bad_page() -> ApiFailure:
    return ApiFailure(400, "bad_request", _INVALID_PAGE)


# --- pagination -------------------------------------------------------------------------


@attrs.frozen
class PageQuery:
    """A checked ``page[...]`` query: the size and at most one cursor."""

    size: int = API_DEFAULT_PAGE_SIZE
    after: str | None = None
    before: str | None = None


def parse_page_query(pairs: Sequence[tuple[str, str]]) -> PageQuery:
    """Read ``page[after]``, ``page[before]`` and ``page[size]`` from decoded query pairs.

    Other keys are ignored, as the API ignores them.

    Raises:
        ApiFailure: 400 ``bad_request`` "Invalid page query parameters" for a repeated
            key, both cursors, a cursor that is not 24 characters, or a size that is not
            an integer from 1 to 100.
    """
    given: dict[str, str] = {}
    for key, value in pairs:
        if key in _PAGE_KEYS:
            if key in given:
                raise _bad_page()
            given[key] = value
    after, before = given.get("page[after]"), given.get("page[before]")
    if after is not None and before is not None:
        raise _bad_page()
    for cursor in (after, before):
        if cursor is not None and len(cursor) != CURSOR_LENGTH:
            raise _bad_page()
    size = API_DEFAULT_PAGE_SIZE
    size_text = given.get("page[size]")
    if size_text is not None:
        if _SIZE.fullmatch(size_text) is None:
            raise _bad_page()
        size = int(size_text)
        if not PAGE_SIZE_MIN <= size <= PAGE_SIZE_MAX:
            raise _bad_page()
    return PageQuery(size=size, after=after, before=before)


@attrs.frozen
class Page:
    """One page of clients and where the walk can go from it."""

    clients: tuple[Client, ...]
    #: More clients in the direction walked (forward, or backward with ``before``).
    has_more: bool
    #: The page's last id, when clients exist after the page.
    after_cursor: str | None
    #: The page's first id, when clients exist before the page.
    before_cursor: str | None


def paginate(ids: Sequence[str], clients: Sequence[Client], query: PageQuery) -> Page:
    """Cut one page out of ``clients``, whose ids ``ids`` are sorted ascending.

    ``after=X`` gives the first ``size`` clients with an id greater than ``X``;
    ``before=X`` the last ``size`` clients with an id less than ``X``, still in ascending
    order; neither gives the first ``size`` clients.
    """
    if query.before is not None:
        end = bisect.bisect_left(ids, query.before)
        start = max(0, end - query.size)
    else:
        start = 0 if query.after is None else bisect.bisect_right(ids, query.after)
        end = min(len(ids), start + query.size)
    items = tuple(clients[start:end])
    more_before = bool(items) and start > 0
    more_after = bool(items) and end < len(ids)
    return Page(
        clients=items,
        has_more=more_before if query.before is not None else more_after,
        after_cursor=ids[end - 1] if more_after else None,
        before_cursor=ids[start] if more_before else None,
    )


# --- state ----------------------------------------------------------------------------


@attrs.define
class _User:
    id: str
    external_id: str | None
    # parallel lists, both in ascending id (= creation) order
    ids: list[str] = attrs.Factory(list)
    clients: list[Client] = attrs.Factory(list)


@attrs.define
class _App:
    id: str
    users: dict[str, _User] = attrs.Factory(dict)
    by_external_id: dict[str, _User] = attrs.Factory(dict)
    integrations: dict[str, str] = attrs.Factory(dict)


def _open_type(value: ClientType | str) -> ClientType | str:
    result: ClientType | str = CONVERTER.structure(value, ClientType | str)  # type: ignore[arg-type]
    return result


def _open_status(value: ClientStatus | str) -> ClientStatus | str:
    result: ClientStatus | str = CONVERTER.structure(value, ClientStatus | str)  # type: ignore[arg-type]
    return result


class Store:
    """Apps -> users -> clients, in memory."""

    def __init__(self) -> None:
        self._counter = 0
        self._apps: dict[str, _App] = {}

    def new_id(self) -> str:
        """A fresh 24-character lowercase hex id, greater than every earlier one."""
        self._counter += 1
        return f"{_ID_PREFIX:08x}{self._counter:016x}"

    # --- seeding ---

    def add_app(self, app_id: str | None = None) -> str:
        """Create an app; returns its id (generated when not given)."""
        app_id = self.new_id() if app_id is None else check_id("app_id", app_id)
        if app_id in self._apps:
            raise ValueError(f"app {app_id!r} exists already")
        self._apps[app_id] = _App(app_id)
        return app_id

    def add_user(
        self, app_id: str, *, user_id: str | None = None, external_id: str | None = None
    ) -> str:
        """Create a user (and its app, when missing); returns the user's id."""
        app = self._apps.get(app_id)
        if app is None:
            app = self._apps[self.add_app(app_id)]
        user_id = self.new_id() if user_id is None else check_id("user_id", user_id)
        if external_id is not None:
            check_id("external_id", external_id)
        if user_id in app.users:
            raise ValueError(f"user {user_id!r} exists already in app {app_id!r}")
        if external_id is not None and external_id in app.by_external_id:
            raise ValueError(f"external id {external_id!r} is taken in app {app_id!r}")
        user = _User(user_id, external_id)
        app.users[user_id] = user
        if external_id is not None:
            app.by_external_id[external_id] = user
        return user_id

    def add_clients(
        self,
        app_id: str,
        user: str,
        n: int,
        *,
        type: ClientType | str,
        status: ClientStatus | str,
    ) -> list[Client]:
        """Give a user ``n`` new clients of one type and status; returns them."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be an int >= 0, got {n!r}")
        app, found = self._find(app_id, user)
        kind, state = _open_type(check_id("type", type)), _open_status(status)
        added = []
        for _ in range(n):
            client_id = self.new_id()
            if kind == ClientType.SDK:
                integration_id = external_id = None
            else:
                integration_id = self._integration(app, str(kind))
                external_id = self._external_id(str(kind), int(client_id[-16:], 16))
            added.append(
                self._append(
                    found,
                    Client(
                        id=client_id,
                        type=kind,
                        status=state,
                        integration_id=integration_id,
                        external_id=external_id,
                    ),
                )
            )
        return added

    # --- what the endpoints do ---

    def create_client(self, app_id: str, user: str, request: ClientCreate) -> Client:
        """Start linking a channel: a new ``pending`` client of the criteria's type."""
        _, found = self._find(app_id, user)
        criteria = request.match_criteria
        external_id = (
            criteria.address
            if isinstance(criteria, MatchCriteriaMailgun)
            else criteria.phone_number
        )
        client = Client(
            id=self.new_id(),
            type=_open_type(criteria.type),
            status=ClientStatus.PENDING,
            integration_id=criteria.integration_id,
            external_id=external_id,
        )
        return self._append(found, client)

    def remove_client(self, app_id: str, user: str, client_id: str) -> Client:
        """Remove a client; returns it.

        Raises:
            ApiFailure: 404 for an unknown app, user or client; 400 for an sdk client.
        """
        _, found = self._find(app_id, user)
        index = bisect.bisect_left(found.ids, client_id)
        if index == len(found.ids) or found.ids[index] != client_id:
            raise ApiFailure(404, "client_not_found", "Client not found")
        client = found.clients[index]
        if client.type == ClientType.SDK:
            raise ApiFailure(400, "bad_request", "Cannot remove a client of type 'sdk'")
        del found.ids[index]
        del found.clients[index]
        return client

    def page(self, app_id: str, user: str, query: PageQuery) -> Page:
        """One page of a user's clients."""
        _, found = self._find(app_id, user)
        return paginate(found.ids, found.clients, query)

    def clients(self, app_id: str, user: str) -> list[Client]:
        """A user's current clients, oldest first."""
        _, found = self._find(app_id, user)
        return list(found.clients)

    # --- helpers ---

    def _find(self, app_id: str, user: str) -> tuple[_App, _User]:
        app = self._apps.get(app_id)
        if app is None:
            raise ApiFailure(404, "app_not_found", "App not found")
        found = app.users.get(user) or app.by_external_id.get(user)
        if found is None:
            raise ApiFailure(404, "user_not_found", "User not found")
        return app, found

    def _append(self, user: _User, client: Client) -> Client:
        assert client.id is not None
        # ids only grow, so appending keeps both lists sorted
        user.ids.append(client.id)
        user.clients.append(client)
        return client

    def _integration(self, app: _App, kind: str) -> str:
        if kind not in app.integrations:
            app.integrations[kind] = self.new_id()
        return app.integrations[kind]

    @staticmethod
    def _external_id(kind: str, number: int) -> str:
        if kind in _PHONE_TYPES:
            return f"+1555{number % 10_000_000:07d}"
        if kind == ClientType.MAILGUN:
            return f"user{number}@example.com"
        return f"{kind}-user-{number}"
