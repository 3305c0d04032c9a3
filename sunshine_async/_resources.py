"""Resources: ``session.apps[app_id].users[user].clients`` and what they can do.

Resource objects are cheap and hold ids only; each call goes through a `Requester` (the
`Session`), so this module never touches HTTP and never imports the session.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, final, overload

from ._checks import check_id
from ._cursors import page_params
from ._exceptions import InvalidArgumentError
from ._generated.models import ClientCreate, ClientListResponse, Confirmation, Target
from ._generated.operations import OPERATIONS
from ._generated.resources import (
    AppKeysOperations,
    AppsOperations,
    AttachmentsOperations,
    ConversationActionsOperations,
    ConversationsOperations,
    DevicesOperations,
    IntegrationKeysOperations,
    IntegrationsOperations,
    MessagesOperations,
    ParticipantsOperations,
    SwitchboardIntegrationsOperations,
    SwitchboardsOperations,
    UserActionsOperations,
    UsersOperations,
    WebhooksOperations,
)
from ._generated.wire import ClientCreateJSON, ConfirmationJSON, MatchCriteriaInput, TargetJSON
from ._invoke import check_body
from ._linkwait import DEFAULT_LINK_TIMEOUT, DEFAULT_POLL_INTERVAL, wait_for_link
from ._models import UNSET, Client, Unset
from ._operation import Operation
from ._options import RequestOptions
from ._pagination import ItemIterator, PageIterator, decode
from ._raw import RawResponses, raw_call, raw_first_page
from ._requester import Requester
from ._types import QueryParams
from ._urls import operation_path

if TYPE_CHECKING:
    from ._linkwait import LinkWatcher

__all__ = [
    "AppKeysResource",
    "AppResource",
    "AppsResource",
    "AttachmentsResource",
    "ClientIterator",
    "ClientPageIterator",
    "ClientsResource",
    "ClientsWithRawResponse",
    "ConversationResource",
    "ConversationsResource",
    "DevicesResource",
    "IntegrationKeysResource",
    "IntegrationResource",
    "IntegrationsResource",
    "MessagesResource",
    "ParticipantsResource",
    "Requester",
    "SwitchboardIntegrationsResource",
    "SwitchboardResource",
    "SwitchboardsResource",
    "UserResource",
    "UsersResource",
    "WebhooksResource",
]


def _clients_of(page: ClientListResponse) -> Sequence[Client]:
    return page.clients


@final
class AppsResource(AppsOperations):
    """``session.apps``: the account's apps; index it with an app id to go below one.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2 ``create``, ``list``, ``get``, ``update``, ``delete``.
    """

    __slots__ = ()

    def __init__(self, requester: Requester) -> None:
        super().__init__(requester, {})

    def __getitem__(self, app_id: str) -> AppResource:
        return AppResource(self._requester, app_id)

    def __repr__(self) -> str:
        return "AppsResource()"


@final
class AppResource:
    """One app: ``session.apps[app_id]``, and the collections below it.

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

    @property
    def conversations(self) -> ConversationsResource:
        """The app's conversations; index with a conversation id."""
        return ConversationsResource(self._requester, self.app_id)

    @property
    def integrations(self) -> IntegrationsResource:
        """The app's integrations (channels); index with an integration id."""
        return IntegrationsResource(self._requester, self.app_id)

    @property
    def keys(self) -> AppKeysResource:
        """The app's API keys."""
        return AppKeysResource(self._requester, {"appId": self.app_id})

    @property
    def attachments(self) -> AttachmentsResource:
        """The app's attachments."""
        return AttachmentsResource(self._requester, {"appId": self.app_id})

    @property
    def switchboards(self) -> SwitchboardsResource:
        """The app's switchboards; index with a switchboard id."""
        return SwitchboardsResource(self._requester, {"appId": self.app_id})

    def __repr__(self) -> str:
        return f"AppResource(app_id={self.app_id!r})"


@final
class UsersResource(UsersOperations):
    """``session.apps[app_id].users``: index it with a user id or an external id.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2 ``create``, ``list``, ``get``, ``update``, ``delete``.
    """

    __slots__ = ("app_id",)

    def __init__(self, requester: Requester, app_id: str) -> None:
        super().__init__(requester, {"appId": app_id})
        self.app_id = app_id

    def __getitem__(self, user_id_or_external_id: str) -> UserResource:
        return UserResource(self._requester, self.app_id, user_id_or_external_id)

    def __repr__(self) -> str:
        return f"UsersResource(app_id={self.app_id!r})"


@final
class UserResource(UserActionsOperations):
    """One user, by id or external id: ``session.apps[app_id].users[user]``.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2 ``devices`` and ``delete_personal_information``.
    """

    __slots__ = ("app_id", "brand_id", "user_id")

    def __init__(
        self,
        requester: Requester,
        app_id: str,
        user_id_or_external_id: str,
        brand_id: str | None = None,
    ) -> None:
        user_id = check_id("user_id_or_external_id", user_id_or_external_id)
        if brand_id is not None and (not isinstance(brand_id, str) or not 1 <= len(brand_id) <= 24):
            raise InvalidArgumentError(f"brand_id must be 1 to 24 characters, got {brand_id!r}")
        brand = None if brand_id is None else check_id("brand_id", brand_id)
        # every call below this user names the brand too: devices and personal-data
        # deletion as much as clients, or they would reach the unbranded user
        super().__init__(
            requester,
            {"appId": app_id, "userIdOrExternalId": user_id},
            {} if brand is None else {"brandId": brand},
        )
        self.app_id = app_id
        self.user_id = user_id
        self.brand_id = brand

    @property
    def devices(self) -> DevicesResource:
        """The user's devices."""
        return DevicesResource(self._requester, self._bound, self._bound_query)

    @property
    def clients(self) -> ClientsResource:
        """The user's clients."""
        return ClientsResource(self._requester, self.app_id, self.user_id, self.brand_id)

    def __repr__(self) -> str:
        brand = f", brand_id={self.brand_id!r}" if self.brand_id is not None else ""
        return f"UserResource(app_id={self.app_id!r}, user_id={self.user_id!r}{brand})"


@final
class ConversationsResource(ConversationsOperations):
    """``session.apps[app_id].conversations``: index it with a conversation id.

    .. versionadded:: 0.2
    """

    __slots__ = ("app_id",)

    def __init__(self, requester: Requester, app_id: str) -> None:
        super().__init__(requester, {"appId": app_id})
        self.app_id = app_id

    def __getitem__(self, conversation_id: str) -> ConversationResource:
        return ConversationResource(self._requester, self.app_id, conversation_id)

    def __repr__(self) -> str:
        return f"ConversationsResource(app_id={self.app_id!r})"


@final
class ConversationResource(ConversationActionsOperations):
    """One conversation: ``session.apps[app_id].conversations[conversation_id]``.

    Its own methods (activity, switchboard control, ...) act on the conversation.

    .. versionadded:: 0.2
    """

    __slots__ = ("app_id", "conversation_id")

    def __init__(self, requester: Requester, app_id: str, conversation_id: str) -> None:
        conversation_id = check_id("conversation_id", conversation_id)
        super().__init__(requester, {"appId": app_id, "conversationId": conversation_id})
        self.app_id = app_id
        self.conversation_id = conversation_id

    @property
    def participants(self) -> ParticipantsResource:
        """The conversation's participants; ``join`` and ``leave`` too."""
        return ParticipantsResource(self._requester, self._bound)

    @property
    def messages(self) -> MessagesResource:
        """The conversation's messages."""
        return MessagesResource(self._requester, self.app_id, self.conversation_id)

    def __repr__(self) -> str:
        return (
            f"ConversationResource(app_id={self.app_id!r},"
            f" conversation_id={self.conversation_id!r})"
        )


@final
class MessagesResource(MessagesOperations):
    """A conversation's messages: post, list and delete them.

    .. versionadded:: 0.2
    """

    __slots__ = ()

    def __init__(self, requester: Requester, app_id: str, conversation_id: str) -> None:
        super().__init__(requester, {"appId": app_id, "conversationId": conversation_id})

    def __repr__(self) -> str:
        return f"MessagesResource({self._bound!r})"


@final
class IntegrationsResource(IntegrationsOperations):
    """``session.apps[app_id].integrations``: index it with an integration id.

    .. versionadded:: 0.2
    """

    __slots__ = ("app_id",)

    def __init__(self, requester: Requester, app_id: str) -> None:
        super().__init__(requester, {"appId": app_id})
        self.app_id = app_id

    def __getitem__(self, integration_id: str) -> IntegrationResource:
        return IntegrationResource(self._requester, self.app_id, integration_id)

    def __repr__(self) -> str:
        return f"IntegrationsResource(app_id={self.app_id!r})"


@final
class IntegrationResource:
    """One integration: ``session.apps[app_id].integrations[integration_id]``.

    .. versionadded:: 0.2
    """

    __slots__ = ("_requester", "app_id", "integration_id")

    def __init__(self, requester: Requester, app_id: str, integration_id: str) -> None:
        self._requester = requester
        self.app_id = app_id
        self.integration_id = check_id("integration_id", integration_id)

    @property
    def webhooks(self) -> WebhooksResource:
        """The integration's webhooks."""
        return WebhooksResource(self._requester, self.app_id, self.integration_id)

    @property
    def keys(self) -> IntegrationKeysResource:
        """The API keys of a custom integration."""
        return IntegrationKeysResource(
            self._requester, {"appId": self.app_id, "integrationId": self.integration_id}
        )

    def __repr__(self) -> str:
        return (
            f"IntegrationResource(app_id={self.app_id!r}, integration_id={self.integration_id!r})"
        )


@final
class WebhooksResource(WebhooksOperations):
    """An integration's webhooks: create, list, get, update and delete them.

    .. versionadded:: 0.2
    """

    __slots__ = ()

    def __init__(self, requester: Requester, app_id: str, integration_id: str) -> None:
        super().__init__(requester, {"appId": app_id, "integrationId": integration_id})

    def __repr__(self) -> str:
        return f"WebhooksResource({self._bound!r})"


@final
class AppKeysResource(AppKeysOperations):
    """``session.apps[app_id].keys``: the app's API keys.

    .. versionadded:: 0.2
    """

    __slots__ = ()


@final
class AttachmentsResource(AttachmentsOperations):
    """``session.apps[app_id].attachments``.

    .. versionadded:: 0.2
    """

    __slots__ = ()


@final
class DevicesResource(DevicesOperations):
    """``...users[user].devices``: the user's devices.

    .. versionadded:: 0.2
    """

    __slots__ = ()


@final
class ParticipantsResource(ParticipantsOperations):
    """``...conversations[id].participants``: list, join and leave.

    .. versionadded:: 0.2
    """

    __slots__ = ()


@final
class IntegrationKeysResource(IntegrationKeysOperations):
    """``...integrations[id].keys``: the API keys of a custom integration.

    .. versionadded:: 0.2
    """

    __slots__ = ()


@final
class SwitchboardsResource(SwitchboardsOperations):
    """``session.apps[app_id].switchboards``: index it with a switchboard id.

    .. versionadded:: 0.2
    """

    __slots__ = ()

    def __getitem__(self, switchboard_id: str) -> SwitchboardResource:
        return SwitchboardResource(
            self._requester,
            {**self._bound, "switchboardId": check_id("switchboard_id", switchboard_id)},
        )


@final
class SwitchboardResource:
    """One switchboard: ``session.apps[app_id].switchboards[switchboard_id]``.

    .. versionadded:: 0.2
    """

    __slots__ = ("_bound", "_requester")

    def __init__(self, requester: Requester, bound: Mapping[str, str]) -> None:
        self._requester = requester
        self._bound = dict(bound)

    @property
    def integrations(self) -> SwitchboardIntegrationsResource:
        """The switchboard's integrations."""
        return SwitchboardIntegrationsResource(self._requester, self._bound)


@final
class SwitchboardIntegrationsResource(SwitchboardIntegrationsOperations):
    """``...switchboards[id].integrations``.

    .. versionadded:: 0.2
    """

    __slots__ = ()


@final
class ClientsResource:
    """A user's clients: create, list and remove them, and wait for a link to end.

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

    def _path(self, operation: Operation, **more: str) -> str:
        """The operation's path for this user, from the table like every other path."""
        ids = {"appId": self.app_id, "userIdOrExternalId": self.user_id, **more}
        return operation_path(operation, ids)

    @property
    def with_raw_response(self) -> ClientsWithRawResponse:
        """``create``, ``remove`` and ``list``, each returning the `RawResponse`."""
        return ClientsWithRawResponse(self)

    @overload
    async def create(
        self,
        body: ClientCreate | ClientCreateJSON,
        *,
        options: RequestOptions | None = None,
    ) -> Client: ...

    @overload
    async def create(
        self,
        /,
        *,
        match_criteria: MatchCriteriaInput,
        confirmation: Confirmation | ConfirmationJSON,
        target: Target | TargetJSON,
        options: RequestOptions | None = None,
    ) -> Client: ...

    async def create(
        self,
        # positional or keyword: ``create(body={...})`` has always worked here
        body: ClientCreate | ClientCreateJSON | None = None,
        *,
        match_criteria: MatchCriteriaInput | Unset = UNSET,
        confirmation: Confirmation | ConfirmationJSON | Unset = UNSET,
        target: Target | TargetJSON | Unset = UNSET,
        options: RequestOptions | None = None,
    ) -> Client:
        """Start linking a channel to the user; returns the new client (status ``pending``).

        Pass the three parts as keywords (each a model, or a mapping in the API's JSON
        shape), or one `ClientCreate`, or one mapping of the whole body (the JSON from
        the API docs can be pasted as a dict). Either way the body is checked against
        the spec, at every depth, before anything is sent.

        The request is not retried after it may have reached the server (no idempotency
        key exists), so a create is never sent twice.

        Raises:
            InvalidArgumentError: the body is incomplete or invalid; nothing was sent.
            ApiError: the API refused it (`BadRequestError`, `NotFoundError`, ...).

        Example::

            client = await clients.create(
                match_criteria=MatchCriteriaWhatsapp(
                    integration_id=integration_id, phone_number="+15145555555"
                ),
                confirmation=Confirmation(type="immediate"),
                target=Target(conversation_id=conversation_id),
            )
        """
        operation = OPERATIONS["CreateClient"]
        fields = {"matchCriteria": match_criteria, "confirmation": confirmation, "target": target}
        response = await self._requester.request(
            "POST",
            self._path(operation),
            params=self._query,
            body=check_body(operation, body, fields),
            options=options,
            operation=operation,
        )
        return decode(response, Client, key="client")

    async def remove(
        self, client: str | Client, /, *, options: RequestOptions | None = None
    ) -> None:
        """Remove a client (unlink the channel). Accepts a client id or a `Client`.

        Raises:
            NotFoundError: no such client (``client_not_found``).
            BadRequestError: the client is of type ``sdk``, which cannot be removed.
        """
        client_id = client.id if isinstance(client, Client) else client
        operation = OPERATIONS["RemoveClient"]
        await self._requester.request(
            "DELETE",
            self._path(operation, clientId=check_id("client_id", client_id)),
            params=self._query,
            gone_code="client_not_found",
            options=options,
            operation=operation,
        )

    def list(
        self,
        *,
        page_size: int | None = None,
        after: str | None = None,
        before: str | None = None,
        options: RequestOptions | None = None,
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
        return ClientIterator(
            self.pages(page_size=page_size, after=after, before=before, options=options),
            _clients_of,
        )

    def pages(
        self,
        *,
        page_size: int | None = None,
        after: str | None = None,
        before: str | None = None,
        options: RequestOptions | None = None,
    ) -> ClientPageIterator:
        """Like `list`, but yields each `ClientListResponse` page (``.clients``, ``.meta``)."""
        size, after, before = page_params(page_size, after, before)
        operation = OPERATIONS["ListClients"]
        return ClientPageIterator(
            self._requester,
            self._path(operation),
            ClientListResponse,
            query=self._query,
            page_size=size,
            cursor=after if before is None else before,
            backwards=before is not None,
            operation=operation,
            options=options,
        )

    async def _find(self, client_id: str, *, options: RequestOptions | None) -> Client | None:
        """The user's client with this id, as the API has it now, or None."""
        async for candidate in self.list(options=options):
            if candidate.id == client_id:
                return candidate
        return None

    async def wait_for_link(
        self,
        client: str | Client,
        /,
        *,
        timeout: float = DEFAULT_LINK_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float | None = None,
        watcher: LinkWatcher | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        random: Callable[[], float] | None = None,
        options: RequestOptions | None = None,
    ) -> Client:
        """Wait until a client is no longer ``pending``, and return it as it is then.

        It polls the user's clients (every page) at once, then after ``poll_interval``
        seconds, each wait half as long again up to ``max_poll_interval``, with some
        randomness so that many waits do not poll together; ``client.status`` is then
        ``active`` (the link was confirmed) or ``blocked``. A poll that fails for a
        passing reason (5xx, 429, a timeout, a dropped connection, after the session's
        own retries) is tried again later; other errors (401, 404, ...) end the wait.
        With ``watcher=`` it polls nothing, and waits for a ``client:*`` webhook event
        about the client to reach that `webhooks.LinkWatcher` (fed from before the
        client is created; ``watcher.outcome(client.id).reason`` says why). Cancelling
        the calling task ends the wait at once, poll in flight included.

        Args:
            client: The `Client` (as `create` returned it) or its id.
            timeout: Seconds to wait in all; the deadline also ends a poll in flight.
            poll_interval: Seconds between the first two polls.
            max_poll_interval: The longest wait between polls (default: 30 seconds,
                or ``poll_interval`` if that is longer).
            watcher: Wait for webhook events fed to this `webhooks.LinkWatcher`.
            clock: For tests: the time in seconds (default `anyio.current_time`).
            sleep: For tests: how to wait (default `anyio.sleep`); it must advance
                ``clock`` by what it is given.
            random: For tests: the source of randomness, a float in [0, 1).
            options: Each poll's own settings (its timeout, retries, headers).

        Raises:
            InvalidArgumentError: a bad argument; raised before any request.
            LinkFailedError: the client is gone (the link failed or was cancelled, or
                there never was one); ``reason`` says why when a webhook event told it.
            LinkTimeoutError: still pending at the deadline (also a `TimeoutError`).
            ApiError: the API refused a poll for a reason that will not pass.

        Example::

            client = await clients.create(match_criteria=..., confirmation=..., target=...)
            client = await clients.wait_for_link(client, timeout=300.0)  # active or blocked

        .. versionadded:: 0.2
        """

        return await wait_for_link(
            functools.partial(self._find, options=options),
            client,
            limit=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            watcher=watcher,
            clock=clock,
            sleep=sleep,
            random=random,
        )


@final
class ClientsWithRawResponse(RawResponses):
    """`ClientsResource` methods that return the `RawResponse` of their call: ``list``
    fetches the first page only, and its ``.parse()`` gives that `ClientListResponse`.

    .. versionadded:: 0.2
    """

    __slots__ = ()

    create = raw_call(ClientsResource.create)
    remove = raw_call(ClientsResource.remove)
    list = raw_first_page(ClientsResource.list)


@final
class ClientPageIterator(PageIterator[ClientListResponse]):
    """Async iterator over pages of clients (`ClientListResponse`), made by
    `ClientsResource.pages`. See `PageIterator`.

    .. versionadded:: 0.1
    """

    __slots__ = ()


@final
class ClientIterator(ItemIterator[ClientListResponse, Client]):
    """Async iterator over clients, a page at a time. Made by `ClientsResource.list`.

    .. versionadded:: 0.1
    """

    __slots__ = ()
