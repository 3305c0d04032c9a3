"""Checked by mypy only (never run): the public API's types are what users rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import sunshine_async
from sunshine_async import Client, ClientListResponse, Session, webhooks
from sunshine_async.testing import FakeSunshine
from sunshine_async.types import ClientCreateJSON


async def types_of_calls(session: Session) -> None:
    clients: sunshine_async.ClientsResource = session.apps["a"].users["u"].clients
    branded: sunshine_async.ClientsResource = session.apps["a"].user("u", brand_id="b").clients
    each: AsyncIterator[Client] = clients.list(page_size=10)
    pages: AsyncIterator[ClientListResponse] = branded.pages(after=None, before=None)
    created: Client = await clients.create(
        match_criteria=sunshine_async.MatchCriteriaWhatsapp(
            integration_id="i", phone_number="+1 514-555-5555"
        ),
        confirmation=sunshine_async.Confirmation(type="immediate"),
        target=sunshine_async.Target(conversation_id="c"),
    )
    pasted: ClientCreateJSON = {
        "matchCriteria": {"type": "whatsapp", "integrationId": "i", "phoneNumber": "+15145555555"},
        "confirmation": {"type": "immediate"},
        "target": {"conversationId": "c"},
    }
    from_json: Client = await clients.create(pasted)
    await clients.remove(created)
    async for client in each:
        kind: sunshine_async.ClientType | str | None = client.type
        status: sunshine_async.ClientStatus | str | None = client.status
        extra: Mapping[str, object] = client.extra
    async for page in pages:
        more: bool | None = page.meta.has_more
    del from_json, kind, status, extra, more


async def types_of_errors(session: Session) -> None:
    try:
        await session.apps["a"].users["u"].clients.remove("c")
    except sunshine_async.RateLimitError as error:
        wait: float | None = error.retry_after
        code: str | None = error.code
        status: int = error.status_code
        del wait, code, status


def types_of_fake() -> Session:
    fake = FakeSunshine()
    app: str = fake.add_app()
    user: str = fake.add_user(app)
    seeded: list[Client] = fake.add_clients(app, user, 3)
    del seeded
    return fake.session(max_retries=0)


async def types_of_link_tracking(session: Session, body: bytes) -> None:
    clients = session.apps["a"].users["u"].clients
    created: Client = await clients.create(
        match_criteria={"type": "twilio", "integrationId": "i", "phoneNumber": "+1 5"},
        confirmation={"type": "prompt"},
        target={"conversationId": "c"},
    )
    linked: Client = await clients.wait_for_link(created, timeout=60.0, poll_interval=1.0)
    watcher = sunshine_async.webhooks.LinkWatcher()
    by_webhook: Client = await clients.wait_for_link("client-id", watcher=watcher)
    delivery = sunshine_async.webhooks.unwrap(body, {"x-api-key": "k"}, secret=["a", "b"])
    for event in delivery.events:
        if isinstance(event, sunshine_async.webhooks.ClientUpdateEvent):
            client: Client | None = event.payload.client
            del client
    del linked, by_webhook


def types_of_webhook_events(body: bytes) -> None:
    for event in webhooks.parse(body).events:
        if isinstance(event, webhooks.ClientUpdateEvent):
            # the payload is never None and its client is the SDK's Client
            client: Client | None = event.payload.client
            reason: str | None = event.payload.reason
            del client, reason
        elif isinstance(event, webhooks.UserMergeEvent):
            merged: webhooks.MergedUsers | None = event.payload.merged_users
            del merged
        elif isinstance(event, webhooks.UnknownEvent):
            raw: Mapping[str, object] | None = event.payload
            del raw
