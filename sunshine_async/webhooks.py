"""Receive Sunshine Conversations webhooks: check the key, read typed events.

Sunshine POSTs each delivery to a webhook's target as JSON: the app, the webhook, and
one or more events, with the webhook's secret in the ``X-API-Key`` header (no HMAC
and no timestamp). Three pure functions, with no I/O and no event loop, so they fit
any web framework, sync or async:

- `verify` checks ``X-API-Key`` against one secret or several (while rotating: a
  webhook's secret cannot change, so rotating means a new webhook, and for a while
  two valid secrets), in constant time;
- `parse` reads the body into a `WebhookDelivery` whose ``events`` are typed
  (`ClientAddEvent`, `ClientUpdateEvent`, `ClientRemoveEvent`, ... or `UnknownEvent`
  for a type this version does not know);
- `unwrap` does both, the key first.

>>> from sunshine_async import webhooks
>>> body = (
...     b'{"app": {"id": "5d8cff3cd55b040010928b5b"},'
...     b' "webhook": {"id": "612905a67821c3f206d6909f", "version": "v2"},'
...     b' "events": [{"id": "61290a62c64b3af1ff868714", "type": "client:remove",'
...     b' "createdAt": "2021-08-27T15:53:16.591Z",'
...     b' "payload": {"reason": "linkFailed", "client": {"id": "c1", "status": "pending"}}}]}'
... )
>>> delivery = webhooks.unwrap(body, {"X-API-Key": "s3cret"}, secret=["old", "s3cret"])
>>> for event in delivery.events:
...     if isinstance(event, webhooks.ClientRemoveEvent):
...         print(event.id, event.payload.client.id, event.payload.reason)
61290a62c64b3af1ff868714 c1 linkFailed

Writing a handler:

- **Answer fast.** Sunshine does not wait long for an answer, and retries a delivery
  that gets none, or an error. Verify and parse (both quick), hand the events to a
  queue or a background task, and answer 200 at once; do the work after.
- **Deduplicate by event id.** Because deliveries are retried, the same event can
  arrive twice (or out of order). Keep the ids you have handled for a while (a set
  with expiry, a unique key in your database) and skip those you have seen.
- **Map the errors to statuses.** `WebhookVerificationError` -> 401 and
  `WebhookParseError` -> 400: Sunshine does not retry those, which is right for a
  request that will never be accepted.
- **TLS only.** The secret travels in a header: give Sunshine an ``https`` target.

A Starlette handler that feeds link outcomes to waiting tasks (see `LinkWatcher`)::

    from starlette.responses import Response
    from sunshine_async import WebhookParseError, WebhookVerificationError, webhooks

    links = webhooks.LinkWatcher()
    seen: set[str] = set()   # a real service bounds and expires this

    async def receive(request):
        try:
            delivery = webhooks.unwrap(await request.body(), request.headers, secret=SECRETS)
        except WebhookVerificationError:
            return Response(status_code=401)
        except WebhookParseError:
            return Response(status_code=400)
        fresh = [e for e in delivery.events if e.id not in seen]
        seen.update(e.id for e in fresh if e.id)
        links.feed(fresh)            # wakes clients.wait_for_link(..., watcher=links)
        queue.put_nowait(fresh)      # the rest of the work happens elsewhere
        return Response(status_code=200)

.. versionadded:: 0.2
"""

from __future__ import annotations

from ._exceptions import WebhookParseError as WebhookParseError
from ._exceptions import WebhookVerificationError as WebhookVerificationError
from ._generated.models import ClientAddEvent as ClientAddEvent
from ._generated.models import ClientAddPayload as ClientAddPayload
from ._generated.models import ClientRemoveEvent as ClientRemoveEvent
from ._generated.models import ClientRemovePayload as ClientRemovePayload
from ._generated.models import ClientUpdateEvent as ClientUpdateEvent
from ._generated.models import ClientUpdatePayload as ClientUpdatePayload
from ._generated.models import ConversationCreateEvent as ConversationCreateEvent
from ._generated.models import ConversationCreatePayload as ConversationCreatePayload
from ._generated.models import ConversationJoinEvent as ConversationJoinEvent
from ._generated.models import ConversationJoinPayload as ConversationJoinPayload
from ._generated.models import ConversationLeaveEvent as ConversationLeaveEvent
from ._generated.models import ConversationLeavePayload as ConversationLeavePayload
from ._generated.models import (
    ConversationMessageDeliveryChannelEvent as ConversationMessageDeliveryChannelEvent,
)
from ._generated.models import (
    ConversationMessageDeliveryFailureEvent as ConversationMessageDeliveryFailureEvent,
)
from ._generated.models import (
    ConversationMessageDeliveryFailurePayload as ConversationMessageDeliveryFailurePayload,
)
from ._generated.models import (
    ConversationMessageDeliveryFailurePayloadError as MessageDeliveryError,
)
from ._generated.models import (
    ConversationMessageDeliveryUserEvent as ConversationMessageDeliveryUserEvent,
)
from ._generated.models import ConversationMessageEvent as ConversationMessageEvent
from ._generated.models import ConversationMessagePayload as ConversationMessagePayload
from ._generated.models import ConversationPostbackEvent as ConversationPostbackEvent
from ._generated.models import ConversationPostbackPayload as ConversationPostbackPayload
from ._generated.models import ConversationReadEvent as ConversationReadEvent
from ._generated.models import ConversationReadPayload as ConversationReadPayload
from ._generated.models import ConversationReferralEvent as ConversationReferralEvent
from ._generated.models import ConversationReferralPayload as ConversationReferralPayload
from ._generated.models import ConversationRemoveEvent as ConversationRemoveEvent
from ._generated.models import ConversationRemovePayload as ConversationRemovePayload
from ._generated.models import ConversationTypingEvent as ConversationTypingEvent
from ._generated.models import ConversationTypingPayload as ConversationTypingPayload
from ._generated.models import SwitchboardAcceptControl as SwitchboardAcceptControl
from ._generated.models import SwitchboardAcceptControlFailure as SwitchboardAcceptControlFailure
from ._generated.models import (
    SwitchboardAcceptControlFailurePayload as SwitchboardAcceptControlFailurePayload,
)
from ._generated.models import SwitchboardAcceptControlPayload as SwitchboardAcceptControlPayload
from ._generated.models import SwitchboardOfferControl as SwitchboardOfferControl
from ._generated.models import SwitchboardOfferControlFailure as SwitchboardOfferControlFailure
from ._generated.models import (
    SwitchboardOfferControlFailurePayload as SwitchboardOfferControlFailurePayload,
)
from ._generated.models import SwitchboardOfferControlPayload as SwitchboardOfferControlPayload
from ._generated.models import SwitchboardPassControl as SwitchboardPassControl
from ._generated.models import SwitchboardPassControlFailure as SwitchboardPassControlFailure
from ._generated.models import (
    SwitchboardPassControlFailurePayload as SwitchboardPassControlFailurePayload,
)
from ._generated.models import SwitchboardPassControlPayload as SwitchboardPassControlPayload
from ._generated.models import SwitchboardReleaseControl as SwitchboardReleaseControl
from ._generated.models import SwitchboardReleaseControlPayload as SwitchboardReleaseControlPayload
from ._generated.models import UserMergeEvent as UserMergeEvent
from ._generated.models import UserMergePayload as UserMergePayload
from ._generated.models import UserMergePayloadMergedClients as MergedClients
from ._generated.models import UserMergePayloadMergedConversations as MergedConversations
from ._generated.models import UserMergePayloadMergedUsers as MergedUsers
from ._generated.models import UserRemoveEvent as UserRemoveEvent
from ._generated.models import UserRemovePayload as UserRemovePayload
from ._generated.models import UserUpdateEvent as UserUpdateEvent
from ._generated.models import UserUpdatePayload as UserUpdatePayload
from ._linkwait import LinkOutcome as LinkOutcome
from ._linkwait import LinkWatcher as LinkWatcher
from ._webhooks import API_KEY_HEADER as API_KEY_HEADER
from ._webhooks import EVENT_TYPES as EVENT_TYPES
from ._webhooks import HeadersLike as HeadersLike
from ._webhooks import UnknownEvent as UnknownEvent
from ._webhooks import WebhookDelivery as WebhookDelivery
from ._webhooks import WebhookEvent as WebhookEvent
from ._webhooks import parse as parse
from ._webhooks import unwrap as unwrap
from ._webhooks import verify as verify

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
    "LinkOutcome",
    "LinkWatcher",
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
    "WebhookParseError",
    "WebhookVerificationError",
    "parse",
    "unwrap",
    "verify",
]

# Reprs, tracebacks and pickles name this module (sunshine_async.webhooks.ClientAddEvent)
# for every class exported under its own name; a class exported under a shorter name
# (MergedUsers) keeps its own module, where pickle finds it by its own name. The
# exceptions keep the package's own path, where they are exported too.
_PRIVATE = ("_webhooks", "_linkwait", "_generated.models")
for _name in __all__:
    _obj = globals()[_name]
    if (
        isinstance(_obj, type)
        and _obj.__name__ == _name
        and _obj.__module__.removeprefix("sunshine_async.") in _PRIVATE
    ):
        _obj.__module__ = __name__
del _name, _obj
