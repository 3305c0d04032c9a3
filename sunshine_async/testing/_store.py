"""The fake's state, as plain JSON-shaped dicts, and its pagination rules.

Pure: no I/O, no event loop, and none of the SDK's models: what the fake stores and
renders is the API's JSON, written here from the spec. Failures that the API answers
with an error status are raised as `ApiFailure`, which the server core turns into a
response.

Ids come from one counter and are 24 lowercase hex characters, like MongoDB ObjectIds,
so sorting them as strings sorts them in creation order. Ids double as the pagination
cursors: a page after cursor ``X`` holds the items whose id is greater than ``X``, so
adding or removing items between pages never skips or repeats one.

Every change that Sunshine reports by webhook is also recorded as an event (`Event`),
for the server to deliver.
"""

from __future__ import annotations

import bisect
import copy
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final, Generic, TypeVar

import attrs

from ._operations import PAGE_RULES

__all__ = [
    "API_DEFAULT_PAGE_SIZE",
    "ApiFailure",
    "Event",
    "Page",
    "PageQuery",
    "Store",
    "paginate",
    "parse_page_query",
]

JSON = dict[str, Any]

#: The API's own page size when ``page[size]`` is not given.
API_DEFAULT_PAGE_SIZE: Final = PAGE_RULES.size_default
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


def _not_found(what: str, code: str | None = None) -> ApiFailure:
    return ApiFailure(404, code or f"{what.lower()}_not_found", f"{what} not found")


# --- pagination ---------------------------------------------------------------------------


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
        if cursor is not None and len(cursor) != PAGE_RULES.cursor_length:
            raise _bad_page()
    size = API_DEFAULT_PAGE_SIZE
    size_text = given.get("page[size]")
    if size_text is not None:
        if _SIZE.fullmatch(size_text) is None:
            raise _bad_page()
        size = int(size_text)
        if not PAGE_RULES.size_min <= size <= PAGE_RULES.size_max:
            raise _bad_page()
    return PageQuery(size=size, after=after, before=before)


@attrs.frozen
class Page:
    """One page of items and where the walk can go from it."""

    items: tuple[JSON, ...]
    #: More items in the direction walked (forward, or backward with ``before``).
    has_more: bool
    #: The page's last id, when items exist after the page.
    after_cursor: str | None
    #: The page's first id, when items exist before the page.
    before_cursor: str | None


def paginate(ids: Sequence[str], render: Callable[[str], JSON], query: PageQuery) -> Page:
    """Cut one page out of the items whose ids ``ids`` are sorted ascending.

    ``render`` gives the item of an id, as a copy of its own; only the page's ids are
    rendered. ``after=X`` gives the first ``size`` items with an id greater than ``X``;
    ``before=X`` the last ``size`` items with an id less than ``X``, still in ascending
    order; neither gives the first ``size`` items.
    """
    if query.before is not None:
        end = bisect.bisect_left(ids, query.before)
        start = max(0, end - query.size)
    else:
        start = 0 if query.after is None else bisect.bisect_right(ids, query.after)
        end = min(len(ids), start + query.size)
    page = tuple(render(key) for key in ids[start:end])
    more_before = bool(page) and start > 0
    more_after = bool(page) and end < len(ids)
    return Page(
        items=page,
        has_more=more_before if query.before is not None else more_after,
        after_cursor=ids[end - 1] if more_after else None,
        before_cursor=ids[start] if more_before else None,
    )


_T = TypeVar("_T")


class Ordered(Generic[_T]):
    """Records by id, kept in id (= creation) order for paging."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.by_id: dict[str, _T] = {}

    def add(self, key: str, value: _T) -> _T:
        index = bisect.bisect_left(self.ids, key)
        self.ids.insert(index, key)
        self.by_id[key] = value
        return value

    def get(self, key: str) -> _T | None:
        return self.by_id.get(key)

    def pop(self, key: str) -> _T:
        value = self.by_id.pop(key)
        del self.ids[bisect.bisect_left(self.ids, key)]
        return value

    def values(self) -> Iterator[_T]:
        return (self.by_id[key] for key in self.ids)

    def __len__(self) -> int:
        return len(self.ids)


def _page_of(
    records: Ordered[_T],
    query: PageQuery,
    render: Callable[[_T], JSON],
    keep: Callable[[_T], bool] | None = None,
) -> Page:
    """One page of ``records`` (those ``keep`` accepts), each rendered by ``render``."""
    ids = records.ids if keep is None else [k for k in records.ids if keep(records.by_id[k])]
    return paginate(ids, lambda key: render(records.by_id[key]), query)


# --- the records ----------------------------------------------------------------------------


@attrs.define
class _User:
    data: JSON
    clients: Ordered[JSON] = attrs.Factory(Ordered)
    devices: Ordered[JSON] = attrs.Factory(Ordered)
    #: client id -> the conversation its link was asked for (``target.conversationId``)
    link_targets: dict[str, str] = attrs.Factory(dict)


@attrs.define
class _Conversation:
    data: JSON
    #: participant id -> participant
    participants: Ordered[JSON] = attrs.Factory(Ordered)
    messages: Ordered[JSON] = attrs.Factory(Ordered)


@attrs.define
class _Integration:
    data: JSON
    webhooks: Ordered[JSON] = attrs.Factory(Ordered)


@attrs.define
class _App:
    data: JSON
    users: Ordered[_User] = attrs.Factory(Ordered)
    by_external_id: dict[str, _User] = attrs.Factory(dict)
    conversations: Ordered[_Conversation] = attrs.Factory(Ordered)
    integrations: Ordered[_Integration] = attrs.Factory(Ordered)


@attrs.frozen
class Event:
    """Something Sunshine reports by webhook: its app, trigger type and payload."""

    app_id: str
    type: str
    payload: JSON
    #: the ISO time it happened
    created_at: str
    id: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _user_view(user: _User) -> JSON:
    return copy.deepcopy(user.data)


def _truncated_user(user: _User) -> JSON:
    data = {"id": user.data["id"]}
    if user.data.get("externalId") is not None:
        data["externalId"] = user.data["externalId"]
    return data


class Store:
    """Apps and everything in them, in memory."""

    def __init__(self, *, clock: Callable[[], str] = _now) -> None:
        self._counter = 0
        self._apps: Ordered[_App] = Ordered()
        self._clock = clock
        #: Events not yet taken by `take_events`, oldest first.
        self._events: list[Event] = []

    def new_id(self) -> str:
        """A fresh 24-character lowercase hex id, greater than every earlier one."""
        self._counter += 1
        return f"{_ID_PREFIX:08x}{self._counter:016x}"

    def take_events(self) -> list[Event]:
        """The events recorded since the last call, oldest first."""
        events, self._events = self._events, []
        return events

    def _emit(self, app: _App, type: str, payload: JSON) -> None:
        self._events.append(
            Event(
                app_id=app.data["id"],
                type=type,
                payload=copy.deepcopy(payload),
                created_at=self._clock(),
                id=self.new_id(),
            )
        )

    # --- apps ---

    def app(self, app_id: str) -> _App:
        app = self._apps.get(app_id)
        if app is None:
            raise _not_found("App")
        return app

    def create_app(self, body: Mapping[str, Any], app_id: str | None = None) -> JSON:
        app_id = self.new_id() if app_id is None else app_id
        if self._apps.get(app_id) is not None:
            raise ApiFailure(409, "conflict", "App already exists")
        data: JSON = {
            "id": app_id,
            "displayName": body.get("displayName", f"App {app_id}"),
            "subdomain": f"app-{app_id[-6:]}",
            "settings": copy.deepcopy(body.get("settings") or {}),
            "metadata": copy.deepcopy(body.get("metadata")),
        }
        self._apps.add(app_id, _App(data))
        return copy.deepcopy(data)

    def get_app(self, app_id: str) -> JSON:
        return copy.deepcopy(self.app(app_id).data)

    def token_app(self) -> JSON | None:
        """The app the fake's one key answers for in ``tokenInfo``: the oldest one."""
        app = next(self._apps.values(), None)
        return None if app is None else copy.deepcopy(app.data)

    def apps_page(self, query: PageQuery) -> Page:
        return _page_of(self._apps, query, lambda app: copy.deepcopy(app.data))

    def apps(self) -> list[JSON]:
        """Every app, oldest first."""
        return [copy.deepcopy(app.data) for app in self._apps.values()]

    def update_app(self, app_id: str, body: Mapping[str, Any]) -> JSON:
        app = self.app(app_id)
        _patch(app.data, body, merge=("settings",))
        return copy.deepcopy(app.data)

    def delete_app(self, app_id: str) -> None:
        self.app(app_id)
        self._apps.pop(app_id)

    # --- users ---

    def user(self, app_id: str, user: str) -> tuple[_App, _User]:
        """A user by id or external id."""
        app = self.app(app_id)
        found = app.users.get(user) or app.by_external_id.get(user)
        if found is None:
            raise _not_found("User")
        return app, found

    def create_user(self, app_id: str, body: Mapping[str, Any], user_id: str | None = None) -> JSON:
        app = self.app(app_id)
        external_id = body.get("externalId")
        if external_id is not None and external_id in app.by_external_id:
            raise ApiFailure(409, "conflict", "User already exists")
        user_id = self.new_id() if user_id is None else user_id
        if app.users.get(user_id) is not None:
            raise ApiFailure(409, "conflict", "User already exists")
        data: JSON = {"id": user_id}
        if external_id is not None:
            data["externalId"] = external_id
        data.update(
            {
                "signedUpAt": body.get("signedUpAt", self._clock()),
                "toBeRetained": body.get("toBeRetained", False),
                "profile": copy.deepcopy(body.get("profile") or {}),
                "metadata": copy.deepcopy(body.get("metadata") or {}),
                "identities": [],
            }
        )
        user = app.users.add(user_id, _User(data))
        if external_id is not None:
            app.by_external_id[external_id] = user
        _refresh_identities(user)
        return _user_view(user)

    def get_user(self, app_id: str, user: str) -> JSON:
        return _user_view(self.user(app_id, user)[1])

    def update_user(self, app_id: str, user: str, body: Mapping[str, Any]) -> JSON:
        _, found = self.user(app_id, user)
        _patch(found.data, body, merge=("profile",))
        _refresh_identities(found)
        return _user_view(found)

    def delete_user(self, app_id: str, user: str) -> None:
        app, found = self.user(app_id, user)
        app.users.pop(found.data["id"])
        external_id = found.data.get("externalId")
        if external_id is not None:
            app.by_external_id.pop(external_id, None)
        for conversation in app.conversations.values():
            for participant in list(conversation.participants.values()):
                if participant["userId"] == found.data["id"]:
                    conversation.participants.pop(participant["id"])
        self._emit(app, "user:remove", {"user": _truncated_user(found)})

    def delete_personal_information(self, app_id: str, user: str) -> JSON:
        _, found = self.user(app_id, user)
        found.data["profile"] = {}
        found.data["metadata"] = {}
        found.data["identities"] = []
        return _user_view(found)

    def users(self, app_id: str) -> list[JSON]:
        """Every user of an app, oldest first."""
        return [_user_view(user) for user in self.app(app_id).users.values()]

    def users_by_email(self, app_id: str, email: str) -> list[JSON]:
        app = self.app(app_id)
        return [
            _user_view(user)
            for user in app.users.values()
            if any(i.get("value") == email for i in user.data.get("identities", ()))
        ]

    # --- clients ---

    def add_clients(self, app_id: str, user: str, n: int, *, type: str, status: str) -> list[JSON]:
        """Give a user ``n`` new clients of one type and status; returns them."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be an int >= 0, got {n!r}")
        app, found = self.user(app_id, user)
        added = []
        for _ in range(n):
            client_id = self.new_id()
            client: JSON = {"id": client_id, "type": type, "status": status}
            if type == "sdk":
                # the API leaves out what a client does not have
                self._add_device(found, client)
            else:
                client["integrationId"] = self._integration_of_type(app, type)
                client["externalId"] = _external_id(type, int(client_id[-16:], 16))
            added.append(copy.deepcopy(found.clients.add(client_id, client)))
        return added

    def create_client(self, app_id: str, user: str, body: Mapping[str, Any]) -> JSON:
        """Start linking a channel: a new ``pending`` client of the criteria's type."""
        app, found = self.user(app_id, user)
        criteria = body["matchCriteria"]
        kind = criteria["type"]
        external_id = criteria.get("address") if kind == "mailgun" else criteria.get("phoneNumber")
        client: JSON = {
            "id": self.new_id(),
            "type": kind,
            "status": "pending",
            "integrationId": criteria["integrationId"],
            "externalId": external_id,
        }
        found.clients.add(client["id"], client)
        found.link_targets[client["id"]] = body["target"]["conversationId"]
        self._emit(
            app,
            "client:add",
            {
                "conversation": self._target_of(app, found, client["id"]),
                "user": _truncated_user(found),
                "client": copy.deepcopy(client),
                "reason": "channelLinking",
                "source": {"type": "api"},
            },
        )
        return copy.deepcopy(client)

    def client(self, app_id: str, user: str, client_id: str) -> tuple[_App, _User, JSON]:
        app, found = self.user(app_id, user)
        client = found.clients.get(client_id)
        if client is None:
            raise _not_found("Client")
        return app, found, client

    def remove_client(
        self, app_id: str, user: str, client_id: str, *, reason: str = "api", force: bool = False
    ) -> JSON:
        """Remove a client; returns it. ``force``: an sdk client too (a failed link).

        Raises:
            ApiFailure: 404 for an unknown app, user or client; 400 for an sdk client.
        """
        app, found, client = self.client(app_id, user, client_id)
        if client["type"] == "sdk" and not force:
            raise ApiFailure(400, "bad_request", "Cannot remove a client of type 'sdk'")
        found.clients.pop(client_id)
        self._emit(
            app,
            "client:remove",
            {
                "conversation": self._target_of(app, found, client_id),
                "user": _truncated_user(found),
                "client": copy.deepcopy(client),
                "reason": reason,
                "error": None,
            },
        )
        found.link_targets.pop(client_id, None)
        return copy.deepcopy(client)

    def set_client_status(
        self, app_id: str, user: str, client_id: str, status: str, *, reason: str
    ) -> JSON:
        """Change a client's status (a link confirmed, blocked...) and report it."""
        app, found, client = self.client(app_id, user, client_id)
        client["status"] = status
        if status == "active" and client.get("linkedAt") is None:
            client["linkedAt"] = self._clock()
        payload: JSON = {
            "user": _truncated_user(found),
            "client": copy.deepcopy(client),
            "reason": reason,
        }
        conversation = self._target_of(app, found, client_id)
        if conversation is not None:
            payload["conversation"] = conversation
        self._emit(app, "client:update", payload)
        return copy.deepcopy(client)

    @staticmethod
    def _target_of(app: _App, user: _User, client_id: str) -> JSON | None:
        """The truncated conversation a client's link targets, when it still exists."""
        conversation = app.conversations.get(user.link_targets.get(client_id, ""))
        return None if conversation is None else _truncated_conversation(conversation)

    def clients_page(self, app_id: str, user: str, query: PageQuery) -> Page:
        _, found = self.user(app_id, user)
        return _page_of(found.clients, query, copy.deepcopy)

    def clients(self, app_id: str, user: str) -> list[JSON]:
        """A user's current clients, oldest first."""
        _, found = self.user(app_id, user)
        return [copy.deepcopy(client) for client in found.clients.values()]

    # --- devices ---

    def _add_device(self, user: _User, client: JSON) -> None:
        device_id = self.new_id()
        user.devices.add(
            device_id,
            {
                "id": device_id,
                "type": "web",
                "guid": f"guid-{device_id}",
                "clientId": client["id"],
                "status": "active",
                "integrationId": self.new_id(),
                "lastSeen": self._clock(),
                "info": {},
                "appVersion": "1.0.0",
            },
        )

    def devices(self, app_id: str, user: str) -> list[JSON]:
        _, found = self.user(app_id, user)
        return [copy.deepcopy(device) for device in found.devices.values()]

    def device(self, app_id: str, user: str, device_id: str) -> JSON:
        _, found = self.user(app_id, user)
        device = found.devices.get(device_id)
        if device is None:
            raise _not_found("Device")
        return copy.deepcopy(device)

    # --- conversations and participants ---

    def conversation(self, app_id: str, conversation_id: str) -> tuple[_App, _Conversation]:
        app = self.app(app_id)
        conversation = app.conversations.get(conversation_id)
        if conversation is None:
            raise _not_found("Conversation")
        return app, conversation

    def _participant_user(self, app: _App, ref: Mapping[str, Any]) -> _User:
        user_id, external_id = ref.get("userId"), ref.get("userExternalId")
        found = app.users.get(user_id) if user_id is not None else None
        if found is None and external_id is not None:
            found = app.by_external_id.get(external_id)
        if found is None:
            raise _not_found("User")
        return found

    def create_conversation(self, app_id: str, body: Mapping[str, Any]) -> JSON:
        app = self.app(app_id)
        users = [self._participant_user(app, ref) for ref in body.get("participants") or ()]
        if body["type"] == "personal" and len(users) > 1:
            raise ApiFailure(400, "bad_request", "A personal conversation has one participant")
        now = self._clock()
        data: JSON = {
            "id": self.new_id(),
            "type": body["type"],
            "metadata": copy.deepcopy(body.get("metadata") or {}),
            "isDefault": False,
            "displayName": body.get("displayName"),
            "description": body.get("description"),
            "iconUrl": body.get("iconUrl"),
            "businessLastRead": None,
            "lastUpdatedAt": now,
            "createdAt": now,
        }
        conversation = app.conversations.add(data["id"], _Conversation(data))
        for user in users:
            self._join(conversation, user)
        self._emit(
            app,
            "conversation:create",
            {
                "conversation": _truncated_conversation(conversation),
                "creationReason": "none",
                "source": {"type": "api"},
            },
        )
        return copy.deepcopy(data)

    def _join(self, conversation: _Conversation, user: _User) -> JSON:
        for existing in conversation.participants.values():
            if existing["userId"] == user.data["id"]:
                return existing
        participant_id = self.new_id()
        participant: JSON = {
            "id": participant_id,
            "userId": user.data["id"],
            "unreadCount": 0,
            "clientAssociations": [],
        }
        if user.data.get("externalId") is not None:
            participant["userExternalId"] = user.data["externalId"]
        return conversation.participants.add(participant_id, participant)

    def conversations_page(
        self, app_id: str, query: PageQuery, *, user_id: str | None, user_external_id: str | None
    ) -> Page:
        app = self.app(app_id)
        ref = {"userId": user_id, "userExternalId": user_external_id}
        user = self._participant_user(app, ref)

        def has_user(conversation: _Conversation) -> bool:
            return any(p["userId"] == user.data["id"] for p in conversation.participants.values())

        return _page_of(app.conversations, query, lambda c: copy.deepcopy(c.data), has_user)

    def conversations(self, app_id: str, user: str | None = None) -> list[JSON]:
        """An app's conversations (those ``user`` takes part in, when given), oldest first."""
        app = self.app(app_id)
        found = None if user is None else self.user(app_id, user)[1]
        return [
            copy.deepcopy(conversation.data)
            for conversation in app.conversations.values()
            if found is None
            or any(p["userId"] == found.data["id"] for p in conversation.participants.values())
        ]

    def participants(self, app_id: str, conversation_id: str) -> list[JSON]:
        """A conversation's participants, in the order they joined."""
        _, conversation = self.conversation(app_id, conversation_id)
        return [copy.deepcopy(p) for p in conversation.participants.values()]

    def messages(self, app_id: str, conversation_id: str) -> list[JSON]:
        """A conversation's messages, oldest first."""
        _, conversation = self.conversation(app_id, conversation_id)
        return [copy.deepcopy(m) for m in conversation.messages.values()]

    def get_conversation(self, app_id: str, conversation_id: str) -> JSON:
        return copy.deepcopy(self.conversation(app_id, conversation_id)[1].data)

    def update_conversation(
        self, app_id: str, conversation_id: str, body: Mapping[str, Any]
    ) -> JSON:
        _, conversation = self.conversation(app_id, conversation_id)
        _patch(conversation.data, body)
        conversation.data["lastUpdatedAt"] = self._clock()
        return copy.deepcopy(conversation.data)

    def delete_conversation(self, app_id: str, conversation_id: str) -> None:
        app, conversation = self.conversation(app_id, conversation_id)
        if conversation.data.get("isDefault"):
            raise ApiFailure(
                400,
                "bad_request",
                f"Conversation {conversation_id} cannot be deleted because it is the default.",
            )
        app.conversations.pop(conversation_id)
        self._emit(
            app,
            "conversation:remove",
            {"conversation": _truncated_conversation(conversation)},
        )

    def join(self, app_id: str, conversation_id: str, body: Mapping[str, Any]) -> JSON:
        app, conversation = self.conversation(app_id, conversation_id)
        user = self._participant_user(app, body)
        participant = copy.deepcopy(self._join(conversation, user))
        self._emit(
            app,
            "conversation:join",
            {"conversation": _truncated_conversation(conversation), "user": _truncated_user(user)},
        )
        return participant

    def leave(self, app_id: str, conversation_id: str, body: Mapping[str, Any]) -> None:
        app, conversation = self.conversation(app_id, conversation_id)
        for participant in list(conversation.participants.values()):
            if (
                participant["id"] == body.get("participantId")
                or participant["userId"] == body.get("userId")
                or participant.get("userExternalId", object()) == body.get("userExternalId")
            ):
                conversation.participants.pop(participant["id"])
                self._emit(
                    app,
                    "conversation:leave",
                    {
                        "conversation": _truncated_conversation(conversation),
                        "user": _truncated_user(app.users.by_id[participant["userId"]])
                        if participant["userId"] in app.users.by_id
                        else {"id": participant["userId"]},
                    },
                )
                return
        raise ApiFailure(404, "not_found", "User is not a member of the conversation")

    def participants_page(self, app_id: str, conversation_id: str, query: PageQuery) -> Page:
        _, conversation = self.conversation(app_id, conversation_id)
        return _page_of(conversation.participants, query, copy.deepcopy)

    # --- messages ---

    def post_message(self, app_id: str, conversation_id: str, body: Mapping[str, Any]) -> JSON:
        app, conversation = self.conversation(app_id, conversation_id)
        author: JSON = copy.deepcopy(dict(body["author"]))
        user = None
        if author["type"] == "user":
            if "userId" not in author and "userExternalId" not in author:
                raise ApiFailure(
                    400, "bad_request", "author should have required property 'userId'"
                )
            user = self._participant_user(app, author)
            author["userId"] = user.data["id"]
        message: JSON = {
            "id": self.new_id(),
            "received": self._clock(),
            "author": author,
            "content": copy.deepcopy(dict(body["content"])),
            "source": {"type": "api:conversations"},
        }
        if body.get("metadata") is not None:
            message["metadata"] = copy.deepcopy(body["metadata"])
        conversation.messages.add(message["id"], message)
        conversation.data["lastUpdatedAt"] = message["received"]
        # every message is reported, the business's own included, as Sunshine does
        self._emit(
            app,
            "conversation:message",
            {
                "conversation": _truncated_conversation(conversation),
                "message": copy.deepcopy(message),
            },
        )
        return copy.deepcopy(message)

    def messages_page(self, app_id: str, conversation_id: str, query: PageQuery) -> Page:
        _, conversation = self.conversation(app_id, conversation_id)
        return _page_of(conversation.messages, query, copy.deepcopy)

    def delete_messages(self, app_id: str, conversation_id: str) -> None:
        _, conversation = self.conversation(app_id, conversation_id)
        conversation.messages = Ordered()

    def delete_message(self, app_id: str, conversation_id: str, message_id: str) -> None:
        _, conversation = self.conversation(app_id, conversation_id)
        if conversation.messages.get(message_id) is None:
            raise ApiFailure(404, "not_found", "Message not found")
        conversation.messages.pop(message_id)

    # --- integrations and their webhooks ---

    def integration(self, app_id: str, integration_id: str) -> tuple[_App, _Integration]:
        app = self.app(app_id)
        integration = app.integrations.get(integration_id)
        if integration is None:
            raise _not_found("Integration")
        return app, integration

    def create_integration(
        self,
        app_id: str,
        body: Mapping[str, Any],
        integration_id: str | None = None,
        *,
        register_webhooks: bool = True,
    ) -> JSON:
        """Add an integration; a custom one's ``webhooks`` are made as `create_webhook`
        makes them (id, secret, deliveries), unless ``register_webhooks`` is false."""
        app = self.app(app_id)
        data: JSON = {"status": "active", **copy.deepcopy(dict(body))}
        data["id"] = integration_id or self.new_id()
        data.setdefault("displayName", None)
        integration = app.integrations.add(data["id"], _Integration(data))
        if register_webhooks and data["type"] == "custom" and body.get("webhooks"):
            data["webhooks"] = [self._add_webhook(integration, hook) for hook in body["webhooks"]]
        return copy.deepcopy(data)

    def _integration_of_type(self, app: _App, kind: str) -> str:
        for integration in app.integrations.values():
            if integration.data["type"] == kind:
                return str(integration.data["id"])
        return str(self.create_integration(app.data["id"], {"type": kind})["id"])

    def get_integration(self, app_id: str, integration_id: str) -> JSON:
        return copy.deepcopy(self.integration(app_id, integration_id)[1].data)

    def integrations(self, app_id: str) -> list[JSON]:
        """Every integration of an app, oldest first."""
        return [copy.deepcopy(i.data) for i in self.app(app_id).integrations.values()]

    def integrations_page(self, app_id: str, query: PageQuery, types: Iterable[str] | None) -> Page:
        app = self.app(app_id)
        wanted = None if types is None else frozenset(types)
        return _page_of(
            app.integrations,
            query,
            lambda i: copy.deepcopy(i.data),
            None if wanted is None else (lambda i: i.data["type"] in wanted),
        )

    def update_integration(self, app_id: str, integration_id: str, body: Mapping[str, Any]) -> JSON:
        _, integration = self.integration(app_id, integration_id)
        _patch(integration.data, body)
        return copy.deepcopy(integration.data)

    def delete_integration(self, app_id: str, integration_id: str) -> None:
        app, _ = self.integration(app_id, integration_id)
        app.integrations.pop(integration_id)

    def create_webhook(self, app_id: str, integration_id: str, body: Mapping[str, Any]) -> JSON:
        _, integration = self.integration(app_id, integration_id)
        if integration.data["type"] != "custom":
            raise ApiFailure(403, "forbidden", "Forbidden")
        return self._add_webhook(integration, body)

    def _add_webhook(self, integration: _Integration, body: Mapping[str, Any]) -> JSON:
        webhook: JSON = {
            "id": self.new_id(),
            "version": "v2",
            "target": body["target"],
            "triggers": list(body["triggers"]),
            "includeFullUser": body.get("includeFullUser", False),
            "includeFullSource": body.get("includeFullSource", False),
            "secret": secrets.token_hex(16),
        }
        integration.webhooks.add(webhook["id"], webhook)
        return copy.deepcopy(webhook)

    def webhook(
        self, app_id: str, integration_id: str, webhook_id: str
    ) -> tuple[_Integration, JSON]:
        _, integration = self.integration(app_id, integration_id)
        webhook = integration.webhooks.get(webhook_id)
        if webhook is None:
            raise ApiFailure(404, "not_found", "Resource not found")
        return integration, webhook

    def get_webhook(self, app_id: str, integration_id: str, webhook_id: str) -> JSON:
        return copy.deepcopy(self.webhook(app_id, integration_id, webhook_id)[1])

    def webhooks(self, app_id: str, integration_id: str) -> list[JSON]:
        _, integration = self.integration(app_id, integration_id)
        return [copy.deepcopy(hook) for hook in integration.webhooks.values()]

    def update_webhook(
        self, app_id: str, integration_id: str, webhook_id: str, body: Mapping[str, Any]
    ) -> JSON:
        _, webhook = self.webhook(app_id, integration_id, webhook_id)
        _patch(webhook, body)
        return copy.deepcopy(webhook)

    def delete_webhook(self, app_id: str, integration_id: str, webhook_id: str) -> None:
        integration, _ = self.webhook(app_id, integration_id, webhook_id)
        integration.webhooks.pop(webhook_id)

    def all_webhooks(self, app_id: str) -> list[JSON]:
        """Every webhook of an app, across its integrations (404 for no such app)."""
        self.app(app_id)
        return self.webhooks_for(app_id)

    def webhooks_for(self, app_id: str) -> list[JSON]:
        """Every webhook of an app, across its integrations."""
        app = self._apps.get(app_id)
        if app is None:
            return []
        return [
            copy.deepcopy(hook)
            for integration in app.integrations.values()
            for hook in integration.webhooks.values()
        ]


def _truncated_conversation(conversation: _Conversation) -> JSON:
    return {"id": conversation.data["id"], "type": conversation.data["type"]}


def _refresh_identities(user: _User) -> None:
    email = (user.data.get("profile") or {}).get("email")
    user.data["identities"] = (
        [{"type": "email", "value": email, "verification": "unverified"}] if email else []
    )


def _patch(target: JSON, body: Mapping[str, Any], *, merge: tuple[str, ...] = ()) -> None:
    """Apply a PATCH body: given fields replace; ``merge`` fields merge one level down."""
    for key, value in body.items():
        if key in merge and isinstance(value, Mapping) and isinstance(target.get(key), dict):
            target[key].update(copy.deepcopy(dict(value)))
        else:
            target[key] = copy.deepcopy(value)


def _external_id(kind: str, number: int) -> str:
    if kind in _PHONE_TYPES:
        return f"+1555{number % 10_000_000:07d}"
    if kind == "mailgun":
        return f"user{number}@example.com"
    return f"{kind}-user-{number}"
