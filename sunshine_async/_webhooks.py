"""Webhook deliveries: checking ``X-API-Key`` and reading the body into typed events.

Pure functions and frozen models only: no I/O and no event loop, so any web framework
(sync or async) can call them. `sunshine_async.webhooks` is the public face.

The event and payload models follow the generated models' rules, so the one converter
reads them with no hook of their own: every field optional, unknown fields kept in
``extra``, fields sent as ``null`` named in ``nulls``, dates read as aware datetimes
(or kept as the text sent), open enums. The spec gives each event's payload inline,
which the generator does not turn into classes: they are written here, one per event,
and a test checks them against the spec's properties.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypeAlias, final

import attrs

from ._config import MAX_EXCERPT_CHARS
from ._converter import CONVERTER, describe_invalid
from ._exceptions import InvalidArgumentError, WebhookParseError, WebhookVerificationError
from ._generated.models import (
    Activity,
    AppSubSchema,
    ConversationMessageDeliveryPayload,
    ConversationTruncated,
    EventSubSchema,
    MessageWebhook,
    PostbackWebhook,
    Referral,
    SourceWebhook,
    SourceWithCampaignWebhook,
    User,
    UserTruncated,
    WebhookSubSchema,
)
from ._models import Client
from ._sansio import excerpt

__all__ = [
    "API_KEY_HEADER",
    "EVENT_TYPES",
    "ClientAddEvent",
    "ClientAddPayload",
    "ClientRemoveEvent",
    "ClientRemovePayload",
    "ClientUpdateEvent",
    "ClientUpdatePayload",
    "ConversationCreateEvent",
    "ConversationCreatePayload",
    "ConversationJoinEvent",
    "ConversationJoinPayload",
    "ConversationLeaveEvent",
    "ConversationLeavePayload",
    "ConversationMessageDeliveryChannelEvent",
    "ConversationMessageDeliveryFailureEvent",
    "ConversationMessageDeliveryFailurePayload",
    "ConversationMessageDeliveryUserEvent",
    "ConversationMessageEvent",
    "ConversationMessagePayload",
    "ConversationPostbackEvent",
    "ConversationPostbackPayload",
    "ConversationReadEvent",
    "ConversationReadPayload",
    "ConversationReferralEvent",
    "ConversationReferralPayload",
    "ConversationRemoveEvent",
    "ConversationRemovePayload",
    "ConversationTypingEvent",
    "ConversationTypingPayload",
    "HeadersLike",
    "MergedClients",
    "MergedConversations",
    "MergedUsers",
    "MessageDeliveryError",
    "SwitchboardAcceptControl",
    "SwitchboardAcceptControlFailure",
    "SwitchboardAcceptControlFailurePayload",
    "SwitchboardAcceptControlPayload",
    "SwitchboardOfferControl",
    "SwitchboardOfferControlFailure",
    "SwitchboardOfferControlFailurePayload",
    "SwitchboardOfferControlPayload",
    "SwitchboardPassControl",
    "SwitchboardPassControlFailure",
    "SwitchboardPassControlFailurePayload",
    "SwitchboardPassControlPayload",
    "SwitchboardReleaseControl",
    "SwitchboardReleaseControlPayload",
    "UnknownEvent",
    "UserMergeEvent",
    "UserMergePayload",
    "UserRemoveEvent",
    "UserRemovePayload",
    "UserUpdateEvent",
    "UserUpdatePayload",
    "WebhookDelivery",
    "WebhookEvent",
    "parse",
    "unwrap",
    "verify",
]

logger = logging.getLogger("sunshine_async.webhooks")

#: The header Sunshine puts the webhook's secret in (compared ignoring case).
API_KEY_HEADER: Final = "X-API-Key"

#: Request headers as web frameworks hand them out: a mapping (dict, `httpx.Headers`,
#: Starlette's ``Headers``, aiohttp's ``CIMultiDict``) or (name, value) pairs, as str or
#: bytes (an ASGI scope's raw ``headers``, Werkzeug's ``Headers``).
HeadersLike: TypeAlias = (
    Mapping[str, str]
    | Mapping[bytes, bytes]
    | Iterable[tuple[str, str]]
    | Iterable[tuple[bytes, bytes]]
)


def _extra() -> Any:
    return attrs.field(factory=dict, repr=False, eq=False)


def _nulls() -> Any:
    return attrs.field(default=frozenset(), repr=False, eq=False)


# --- payloads -----------------------------------------------------------------------
# One class per event, with the properties the spec gives that event's payload. A
# client is the SDK's own `Client` (open `ClientType`/`ClientStatus`), the same class
# `clients.list()` and `wait_for_link` return.


@final
@attrs.frozen(kw_only=True)
class ClientAddPayload:
    """What a ``client:add`` event carries: the new client, its user and why.

    ``reason`` is ``"channelLinking"``, ``"sdkLogin"`` or ``"authCode"`` (or a value
    newer than this SDK).

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    user: UserTruncated | None = None
    client: Client | None = None
    reason: str | None = None
    source: SourceWebhook | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ClientUpdatePayload:
    """What a ``client:update`` event carries: the client as it is now, and why.

    ``reason`` is ``"confirmed"``, ``"blocked"``, ``"unblocked"`` or ``"matched"``.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    user: UserTruncated | None = None
    client: Client | None = None
    reason: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ClientRemovePayload:
    """What a ``client:remove`` event carries: the removed client, and why.

    ``reason`` is ``"api"``, ``"linkCancelled"``, ``"linkFailed"``, ``"sdk"`` or
    ``"theft"``; ``error`` may say what failed.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    user: UserTruncated | None = None
    client: Client | None = None
    reason: str | None = None
    error: Mapping[str, object] | None = None
    source: SourceWebhook | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationCreatePayload:
    """What a ``conversation:create`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    creation_reason: str | None = None
    source: SourceWithCampaignWebhook | None = None
    user: User | None = None
    referral: Referral | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationJoinPayload:
    """What a ``conversation:join`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    user: UserTruncated | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationLeavePayload:
    """What a ``conversation:leave`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    user: UserTruncated | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationRemovePayload:
    """What a ``conversation:remove`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class MessageDeliveryError:
    """Why a message could not be delivered to a channel.

    .. versionadded:: 0.2
    """

    code: str | None = None
    message: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationMessageDeliveryFailurePayload:
    """What a ``conversation:message:delivery:failure`` event carries.

    .. versionadded:: 0.2
    """

    user: User | None = None
    conversation: ConversationTruncated | None = None
    message: Mapping[str, object] | None = None
    destination: Mapping[str, object] | None = None
    external_messages: Sequence[Mapping[str, object]] | None = None
    is_final_event: bool | None = None
    error: MessageDeliveryError | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationMessagePayload:
    """What a ``conversation:message`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    message: MessageWebhook | None = None
    recent_notifications: Sequence[MessageWebhook] | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationPostbackPayload:
    """What a ``conversation:postback`` event carries.

    .. versionadded:: 0.2
    """

    postback: PostbackWebhook | None = None
    conversation: ConversationTruncated | None = None
    user: User | None = None
    source: SourceWithCampaignWebhook | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationReadPayload:
    """What a ``conversation:read`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    activity: Activity | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationReferralPayload:
    """What a ``conversation:referral`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    user: User | None = None
    source: SourceWithCampaignWebhook | None = None
    referral: Referral | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationTypingPayload:
    """What a ``conversation:typing`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    activity: Activity | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardAcceptControlPayload:
    """What a ``switchboard:acceptControl`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    metadata: Mapping[str, object] | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardAcceptControlFailurePayload:
    """What a ``switchboard:acceptControl:failure`` event carries.

    .. versionadded:: 0.2
    """

    error: Mapping[str, object] | None = None
    conversation: ConversationTruncated | None = None
    metadata: Mapping[str, object] | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardOfferControlPayload:
    """What a ``switchboard:offerControl`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    metadata: Mapping[str, object] | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardOfferControlFailurePayload:
    """What a ``switchboard:offerControl:failure`` event carries.

    .. versionadded:: 0.2
    """

    error: Mapping[str, object] | None = None
    conversation: ConversationTruncated | None = None
    metadata: Mapping[str, object] | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardPassControlPayload:
    """What a ``switchboard:passControl`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    metadata: Mapping[str, object] | None = None
    reason: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardPassControlFailurePayload:
    """What a ``switchboard:passControl:failure`` event carries.

    .. versionadded:: 0.2
    """

    error: Mapping[str, object] | None = None
    conversation: ConversationTruncated | None = None
    metadata: Mapping[str, object] | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardReleaseControlPayload:
    """What a ``switchboard:releaseControl`` event carries.

    .. versionadded:: 0.2
    """

    conversation: ConversationTruncated | None = None
    metadata: Mapping[str, object] | None = None
    reason: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class MergedUsers:
    """The two users of a ``user:merge``: the one kept and the one merged into it.

    .. versionadded:: 0.2
    """

    surviving: User | None = None
    discarded: User | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class MergedConversations:
    """The two conversations of a ``user:merge``.

    .. versionadded:: 0.2
    """

    surviving: ConversationTruncated | None = None
    discarded: ConversationTruncated | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class MergedClients:
    """The two clients of a ``user:merge``.

    .. versionadded:: 0.2
    """

    surviving: Client | None = None
    discarded: Client | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class UserMergePayload:
    """What a ``user:merge`` event carries.

    .. versionadded:: 0.2
    """

    merged_users: MergedUsers | None = None
    merged_conversations: MergedConversations | None = None
    merged_clients: MergedClients | None = None
    discarded_metadata: Mapping[str, object] | None = None
    reason: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class UserUpdatePayload:
    """What a ``user:update`` event carries.

    .. versionadded:: 0.2
    """

    user: User | None = None
    reason: str | None = None
    source: SourceWebhook | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class UserRemovePayload:
    """What a ``user:remove`` event carries.

    .. versionadded:: 0.2
    """

    user: UserTruncated | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


# --- events -------------------------------------------------------------------------
# Each event has the envelope's id, type and createdAt, and its payload. ``payload`` is
# never None (absent or null, it is an empty payload), so ``event.payload.client`` needs
# no check first; ``type`` defaults to the event's own type.


@final
@attrs.frozen(kw_only=True)
class ClientAddEvent:
    """``client:add``: a client was created (a channel link started, or an SDK login).

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "client:add"
    created_at: datetime | str | None = None
    payload: ClientAddPayload = attrs.field(factory=ClientAddPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ClientUpdateEvent:
    """``client:update``: a client changed (the link was confirmed, blocked, ...).

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "client:update"
    created_at: datetime | str | None = None
    payload: ClientUpdatePayload = attrs.field(factory=ClientUpdatePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ClientRemoveEvent:
    """``client:remove``: a client is gone (the link failed or was cancelled, ...).

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "client:remove"
    created_at: datetime | str | None = None
    payload: ClientRemovePayload = attrs.field(factory=ClientRemovePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationCreateEvent:
    """``conversation:create``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:create"
    created_at: datetime | str | None = None
    payload: ConversationCreatePayload = attrs.field(factory=ConversationCreatePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationJoinEvent:
    """``conversation:join``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:join"
    created_at: datetime | str | None = None
    payload: ConversationJoinPayload = attrs.field(factory=ConversationJoinPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationLeaveEvent:
    """``conversation:leave``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:leave"
    created_at: datetime | str | None = None
    payload: ConversationLeavePayload = attrs.field(factory=ConversationLeavePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationRemoveEvent:
    """``conversation:remove``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:remove"
    created_at: datetime | str | None = None
    payload: ConversationRemovePayload = attrs.field(factory=ConversationRemovePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationMessageDeliveryChannelEvent:
    """``conversation:message:delivery:channel``: a message reached the channel.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:message:delivery:channel"
    created_at: datetime | str | None = None
    payload: ConversationMessageDeliveryPayload = attrs.field(
        factory=ConversationMessageDeliveryPayload
    )
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationMessageDeliveryFailureEvent:
    """``conversation:message:delivery:failure``: a message could not be delivered.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:message:delivery:failure"
    created_at: datetime | str | None = None
    payload: ConversationMessageDeliveryFailurePayload = attrs.field(
        factory=ConversationMessageDeliveryFailurePayload
    )
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationMessageDeliveryUserEvent:
    """``conversation:message:delivery:user``: the user's device received a message.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:message:delivery:user"
    created_at: datetime | str | None = None
    payload: ConversationMessageDeliveryPayload = attrs.field(
        factory=ConversationMessageDeliveryPayload
    )
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationMessageEvent:
    """``conversation:message``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:message"
    created_at: datetime | str | None = None
    payload: ConversationMessagePayload = attrs.field(factory=ConversationMessagePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationPostbackEvent:
    """``conversation:postback``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:postback"
    created_at: datetime | str | None = None
    payload: ConversationPostbackPayload = attrs.field(factory=ConversationPostbackPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationReadEvent:
    """``conversation:read``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:read"
    created_at: datetime | str | None = None
    payload: ConversationReadPayload = attrs.field(factory=ConversationReadPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationReferralEvent:
    """``conversation:referral``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:referral"
    created_at: datetime | str | None = None
    payload: ConversationReferralPayload = attrs.field(factory=ConversationReferralPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class ConversationTypingEvent:
    """``conversation:typing``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "conversation:typing"
    created_at: datetime | str | None = None
    payload: ConversationTypingPayload = attrs.field(factory=ConversationTypingPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardAcceptControl:
    """``switchboard:acceptControl``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "switchboard:acceptControl"
    created_at: datetime | str | None = None
    payload: SwitchboardAcceptControlPayload = attrs.field(factory=SwitchboardAcceptControlPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardAcceptControlFailure:
    """``switchboard:acceptControl:failure``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "switchboard:acceptControl:failure"
    created_at: datetime | str | None = None
    payload: SwitchboardAcceptControlFailurePayload = attrs.field(
        factory=SwitchboardAcceptControlFailurePayload
    )
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardOfferControl:
    """``switchboard:offerControl``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "switchboard:offerControl"
    created_at: datetime | str | None = None
    payload: SwitchboardOfferControlPayload = attrs.field(factory=SwitchboardOfferControlPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardOfferControlFailure:
    """``switchboard:offerControl:failure``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "switchboard:offerControl:failure"
    created_at: datetime | str | None = None
    payload: SwitchboardOfferControlFailurePayload = attrs.field(
        factory=SwitchboardOfferControlFailurePayload
    )
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardPassControl:
    """``switchboard:passControl``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "switchboard:passControl"
    created_at: datetime | str | None = None
    payload: SwitchboardPassControlPayload = attrs.field(factory=SwitchboardPassControlPayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardPassControlFailure:
    """``switchboard:passControl:failure``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "switchboard:passControl:failure"
    created_at: datetime | str | None = None
    payload: SwitchboardPassControlFailurePayload = attrs.field(
        factory=SwitchboardPassControlFailurePayload
    )
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class SwitchboardReleaseControl:
    """``switchboard:releaseControl``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "switchboard:releaseControl"
    created_at: datetime | str | None = None
    payload: SwitchboardReleaseControlPayload = attrs.field(
        factory=SwitchboardReleaseControlPayload
    )
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class UserMergeEvent:
    """``user:merge``: two users became one.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "user:merge"
    created_at: datetime | str | None = None
    payload: UserMergePayload = attrs.field(factory=UserMergePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class UserUpdateEvent:
    """``user:update``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "user:update"
    created_at: datetime | str | None = None
    payload: UserUpdatePayload = attrs.field(factory=UserUpdatePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class UserRemoveEvent:
    """``user:remove``.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str = "user:remove"
    created_at: datetime | str | None = None
    payload: UserRemovePayload = attrs.field(factory=UserRemovePayload)
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


@final
@attrs.frozen(kw_only=True)
class UnknownEvent:
    """An event this SDK cannot type, with its payload as raw JSON.

    Either its type is newer than this SDK version (Sunshine adds event types over
    time), or its type is known but its payload does not match that type's schema;
    then ``problem`` says where, and a warning is logged. Either way the delivery still
    parses, and no event is lost: ``payload`` is the decoded JSON object as it came.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str
    created_at: datetime | str | None = None
    payload: Mapping[str, object] | None = None
    #: Why a known type could not be typed (a JSON path and what was wrong), or None.
    problem: str | None = None
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


#: Any event a delivery holds: one of the 25 typed events, or `UnknownEvent`.
WebhookEvent: TypeAlias = (
    ClientAddEvent
    | ClientRemoveEvent
    | ClientUpdateEvent
    | ConversationCreateEvent
    | ConversationJoinEvent
    | ConversationLeaveEvent
    | ConversationRemoveEvent
    | ConversationMessageDeliveryChannelEvent
    | ConversationMessageDeliveryFailureEvent
    | ConversationMessageDeliveryUserEvent
    | ConversationMessageEvent
    | ConversationPostbackEvent
    | ConversationReadEvent
    | ConversationReferralEvent
    | ConversationTypingEvent
    | SwitchboardAcceptControl
    | SwitchboardAcceptControlFailure
    | SwitchboardOfferControl
    | SwitchboardOfferControlFailure
    | SwitchboardPassControl
    | SwitchboardPassControlFailure
    | SwitchboardReleaseControl
    | UserMergeEvent
    | UserUpdateEvent
    | UserRemoveEvent
    | UnknownEvent
)

_EVENT_CLASSES: Final[tuple[type[Any], ...]] = (
    ClientAddEvent,
    ClientRemoveEvent,
    ClientUpdateEvent,
    ConversationCreateEvent,
    ConversationJoinEvent,
    ConversationLeaveEvent,
    ConversationRemoveEvent,
    ConversationMessageDeliveryChannelEvent,
    ConversationMessageDeliveryFailureEvent,
    ConversationMessageDeliveryUserEvent,
    ConversationMessageEvent,
    ConversationPostbackEvent,
    ConversationReadEvent,
    ConversationReferralEvent,
    ConversationTypingEvent,
    SwitchboardAcceptControl,
    SwitchboardAcceptControlFailure,
    SwitchboardOfferControl,
    SwitchboardOfferControlFailure,
    SwitchboardPassControl,
    SwitchboardPassControlFailure,
    SwitchboardReleaseControl,
    UserMergeEvent,
    UserUpdateEvent,
    UserRemoveEvent,
)

#: Each known event class by its ``type`` (``"client:add"`` -> `ClientAddEvent`), taken
#: from the classes' own defaults so that the two cannot disagree.
EVENT_TYPES: Final[Mapping[str, type[WebhookEvent]]] = {
    str(attrs.fields_dict(cls)["type"].default): cls for cls in _EVENT_CLASSES
}


@final
@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """One POST from Sunshine: the app, the webhook, and one or more events.

    ``events`` keeps the order of the body. Deliveries are retried, so an event can
    arrive more than once: ``event.id`` is the key to deduplicate on.

    .. versionadded:: 0.2
    """

    app: AppSubSchema
    webhook: WebhookSubSchema
    events: tuple[WebhookEvent, ...] = ()
    extra: Mapping[str, object] = _extra()
    nulls: frozenset[str] = _nulls()


# --- verify -------------------------------------------------------------------------


def _secrets(secret: object) -> list[bytes]:
    """The accepted secrets, each hashed; refuses what cannot be a secret.

    No message here quotes a value: a mistake could put a real secret in it.
    """
    candidates: list[object]
    if isinstance(secret, str):
        candidates = [secret]
    elif isinstance(secret, bytes | bytearray | Mapping) or not isinstance(secret, Iterable):
        raise InvalidArgumentError(
            f"secret must be a str or an iterable of str, got {type(secret).__name__}"
        )
    else:
        candidates = list(secret)
        if not candidates:
            raise InvalidArgumentError("secret is empty: give at least one webhook secret")
    digests = []
    for index, candidate in enumerate(candidates):
        where = "secret" if isinstance(secret, str) else f"secret[{index}]"
        if not isinstance(candidate, str):
            raise InvalidArgumentError(f"{where} must be a str, got {type(candidate).__name__}")
        if not candidate:
            raise InvalidArgumentError(f"{where} is an empty string")
        digests.append(_digest(candidate.encode("utf-8")))
    return digests


def _digest(value: bytes) -> bytes:
    # compare_digest takes time by length when lengths differ: compared as digests, all
    # values have one length, so the time says nothing about the secret's length either
    return hashlib.sha256(value).digest()


def _received_keys(headers: object) -> list[bytes]:
    """Every ``X-API-Key`` value in ``headers``, names compared ignoring case."""
    pairs: Iterable[object]
    if isinstance(headers, Mapping):
        pairs = headers.items()
    elif isinstance(headers, str | bytes | bytearray) or not isinstance(headers, Iterable):
        raise InvalidArgumentError(
            f"headers must be a mapping or (name, value) pairs, got {type(headers).__name__}"
        )
    else:
        pairs = headers
    found: list[bytes] = []
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidArgumentError(
                f"headers must hold (name, value) pairs, got a {type(pair).__name__}"
            )
        name, value = pair
        if isinstance(name, bytes | bytearray):
            name = bytes(name).decode("latin-1")
        if not isinstance(name, str) or name.lower() != "x-api-key":
            continue
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif isinstance(value, bytearray | memoryview):
            value = bytes(value)
        elif not isinstance(value, bytes):
            raise InvalidArgumentError(
                f"the {API_KEY_HEADER} header must be str or bytes, got {type(value).__name__}"
            )
        # a header value has no surrounding whitespace (RFC 9110, 5.5)
        found.append(value.strip(b" \t"))
    return found


def verify(headers: HeadersLike, *, secret: str | Iterable[str]) -> None:
    """Check that a delivery carries one of the webhook's secrets in ``X-API-Key``.

    The header name is matched ignoring case, and the value is compared with every
    secret in constant time (as SHA-256 digests, so not even the length leaks), whether
    or not an earlier one matched. Pass several secrets while rotating: the old and the
    new one.

    Args:
        headers: The request headers: any mapping, or (name, value) pairs of str or
            bytes.
        secret: The webhook's secret (``hook.secret`` when it was created), or an
            iterable of them.

    Raises:
        WebhookVerificationError: the header is missing, given twice with different
            values, or matches no secret. The message never holds either value.
        InvalidArgumentError: ``secret`` is empty or not str, or ``headers`` has an odd
            shape; a programming error, raised before looking at the key.

    >>> verify({"x-api-key": "s3cret"}, secret=["old-secret", "s3cret"])
    >>> verify({"X-API-Key": "guess"}, secret="s3cret")
    Traceback (most recent call last):
    ...
    sunshine_async.WebhookVerificationError: the X-API-Key header matches no webhook secret

    .. versionadded:: 0.2
    """
    digests = _secrets(secret)
    received = _received_keys(headers)
    if not received:
        _refuse(f"the delivery has no {API_KEY_HEADER} header")
    if any(value != received[0] for value in received[1:]):
        _refuse(f"the delivery has several different {API_KEY_HEADER} headers")
    given = _digest(received[0])
    matched = False
    for expected in digests:
        # no short cut: every secret is compared, so the time does not say which matched
        matched |= hmac.compare_digest(given, expected)
    if not matched:
        _refuse(f"the {API_KEY_HEADER} header matches no webhook secret")


def _refuse(reason: str) -> None:
    logger.debug("webhook delivery refused: %s", reason)
    raise WebhookVerificationError(reason)


# --- parse --------------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _decode(body: object) -> object:
    if isinstance(body, memoryview | bytearray):
        body = bytes(body)
    if not isinstance(body, str | bytes):
        raise InvalidArgumentError(
            f"body must be the raw request body as bytes or str, got {type(body).__name__}"
        )
    try:
        # bytes: json detects UTF-8/16/32 itself, as RFC 8259 allows
        return json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise WebhookParseError("the webhook body is nested too deeply to read") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both are
        problem = excerpt(str(exc), MAX_EXCERPT_CHARS)
        raise WebhookParseError(f"the webhook body is not JSON: {problem}") from exc


def _kind(value: object) -> str:
    """A JSON value's kind for messages (never the value: it may be anything)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _problems(exc: Exception, where: str) -> str:
    """The converter's problems, with JSON paths from the root of the delivery."""
    return "; ".join(
        problem.replace(" @ $", f" @ $.{where}", 1) for problem in describe_invalid(exc)
    )


def _structure(value: object, cls: type[Any], where: str) -> Any:
    try:
        return CONVERTER.structure(value, cls)
    except Exception as exc:
        raise WebhookParseError(f"{where} is not valid: {_problems(exc, where)}") from exc


_EVENT_KEYS: Final = ("id", "type", "createdAt", "payload")


def _unknown(raw: dict[str, object], index: int, problem: str | None) -> UnknownEvent:
    """An `UnknownEvent` from the raw event; its id and date must still be right."""
    where = f"events[{index}]"
    event_type = str(raw["type"])
    head = {key: raw[key] for key in ("id", "createdAt") if key in raw}
    try:
        # the generated model of the fields every event shares: id, type, createdAt
        common = CONVERTER.structure(head, EventSubSchema)
    except Exception as exc:
        raise WebhookParseError(
            f"{where} ({event_type}) is not valid: {_problems(exc, where)}",
            index=index,
            event_type=event_type,
        ) from exc
    payload = raw.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise WebhookParseError(
            f"{where} ({event_type}) has a payload that is {_kind(payload)}, not an object",
            index=index,
            event_type=event_type,
        )
    return UnknownEvent(
        id=common.id,
        type=event_type,
        created_at=common.created_at,
        payload=payload,
        problem=problem,
        extra={key: value for key, value in raw.items() if key not in _EVENT_KEYS},
        nulls=frozenset(key for key in _EVENT_KEYS if key in raw and raw[key] is None),
    )


def _event(index: int, raw: object) -> WebhookEvent:
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise WebhookParseError(f"{where} is {_kind(raw)}, not an object", index=index)
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise WebhookParseError(f"{where} has no type", index=index)
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        return _unknown(raw, index, None)
    try:
        event: WebhookEvent = CONVERTER.structure(raw, cls)
    except Exception as exc:  # noqa: BLE001 - any failure of the converter: it does not fit
        # One odd field must not cost the whole delivery (answered 400, Sunshine drops
        # every event in it) nor this event: it is handed on untyped, saying why. The
        # spec's own conversation:referral example has a numeric user externalId.
        problem = _problems(exc, where)
        logger.warning(
            "webhook event %s (%s) does not match its schema; kept as UnknownEvent: %s",
            raw.get("id"),
            event_type,
            problem,
        )
        return _unknown(raw, index, problem)
    return event


def parse(body: bytes | bytearray | memoryview | str) -> WebhookDelivery:
    """Read a delivery's body into a `WebhookDelivery` of typed events.

    Lenient where the API may grow: an event type this version does not know becomes
    `UnknownEvent` with its raw payload, unknown fields are kept in ``extra``, an
    unknown enum value stays a plain str and a date that does not parse stays text. An
    event of a known type whose payload does not match that type's schema becomes an
    `UnknownEvent` too, with ``problem`` saying what is wrong (and a logged warning),
    so that one odd field costs neither the event nor the rest of the delivery.
    Strict about the shape: the body must be a JSON object with ``app`` and ``webhook``
    objects and an ``events`` array of objects that each have a ``type`` (and, if
    they have them, a string ``id`` and ``createdAt``).

    Args:
        body: The raw request body, as bytes (any UTF encoding) or str.

    Raises:
        WebhookParseError: the body is not JSON or not a delivery; the message says
            where (``events[2]``, with ``index`` and ``event_type`` set) and quotes at
            most a short excerpt.
        InvalidArgumentError: ``body`` is not bytes or str (a programming error).

    >>> delivery = parse(
    ...     '{"app": {"id": "a1"}, "webhook": {"id": "w1", "version": "v2"},'
    ...     ' "events": [{"id": "e1", "type": "client:update", "createdAt":'
    ...     ' "2021-08-27T15:53:06.744Z", "payload": {"reason": "confirmed",'
    ...     ' "client": {"id": "c1", "status": "active"}}}]}'
    ... )
    >>> event = delivery.events[0]
    >>> type(event).__name__, event.payload.reason, event.payload.client.status
    ('ClientUpdateEvent', 'confirmed', <ClientStatus.ACTIVE: 'active'>)

    .. versionadded:: 0.2
    """
    data = _decode(body)
    if not isinstance(data, dict):
        raise WebhookParseError(f"a webhook delivery is a JSON object, got {_kind(data)}")
    for key in ("app", "webhook"):
        if not isinstance(data.get(key), dict):
            found = "none" if key not in data else _kind(data[key])
            raise WebhookParseError(f"a webhook delivery has an {key!r} object, got {found}")
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        found = "none" if "events" not in data else _kind(raw_events)
        raise WebhookParseError(f"a webhook delivery has an 'events' array, got {found}")
    events = tuple(_event(index, raw) for index, raw in enumerate(raw_events))
    extra = {key: value for key, value in data.items() if key not in ("app", "webhook", "events")}
    return WebhookDelivery(
        app=_structure(data["app"], AppSubSchema, "app"),
        webhook=_structure(data["webhook"], WebhookSubSchema, "webhook"),
        events=events,
        extra=extra,
    )


def unwrap(
    body: bytes | bytearray | memoryview | str,
    headers: HeadersLike,
    *,
    secret: str | Iterable[str],
) -> WebhookDelivery:
    """`verify` the headers, then `parse` the body: the one call a handler needs.

    Nothing of the body is read before the key is checked.

    Raises:
        WebhookVerificationError: from `verify`; answer 401.
        WebhookParseError: from `parse`; answer 400 (Sunshine does not retry a 400).

    >>> delivery = unwrap(
    ...     b'{"app": {"id": "a1"}, "webhook": {"id": "w1"}, "events": []}',
    ...     {"X-Api-Key": "s3cret"},
    ...     secret="s3cret",
    ... )
    >>> delivery.app.id, delivery.events
    ('a1', ())

    .. versionadded:: 0.2
    """
    verify(headers, secret=secret)
    return parse(body)


# Resolve the string annotations while __module__ still names this module: the public
# `sunshine_async.webhooks` re-exports the classes under its own name.
for _cls in [value for value in list(globals().values()) if isinstance(value, type)]:
    if attrs.has(_cls) and _cls.__module__ == __name__:
        attrs.resolve_types(_cls, globals())
del _cls
