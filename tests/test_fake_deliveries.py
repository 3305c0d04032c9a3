"""The fake's webhook deliveries: in process, and POSTed over loopback with retries.

Every event the fake delivers is checked against the spec's event schema for its type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sunshine_async.testing import Delivery, FakeSunshine, serve_in_thread
from sunshine_async.testing._server import ServerThread
from sunshine_async.testing._spec import SPEC, schema_problems
from sunshine_async.types import ClientCreateJSON

from .conftest import example_body_for

pytestmark = pytest.mark.anyio

APP = "5d8cff3cd55b040010928b5b"
USER = "user-1"
#: event type -> the schema of its event (each event schema's title is its type)
_EVENT_SCHEMAS = {
    schema["title"]: name
    for name, schema in SPEC["components"]["schemas"].items()
    if ":" in schema.get("title", "")
}


def events_of(delivery: Delivery) -> list[dict[str, Any]]:
    """The events of a delivery, each checked against its type's schema in the spec."""
    body = delivery.json()
    assert set(body) == {"app", "webhook", "events"}
    assert body["webhook"]["version"] == "v2"
    for event in body["events"]:
        assert schema_problems(_EVENT_SCHEMAS[event["type"]], event) == [], event
    events: list[dict[str, Any]] = body["events"]
    return events


def seeded(
    *, user: str = USER, external_id: bool = False, **options: Any
) -> tuple[FakeSunshine, str, str]:
    """A fake with a user, a conversation, and a custom integration to hang webhooks on.

    The user is ``user`` by id, or by external id with ``external_id=True``.
    """
    fake = FakeSunshine(**options)
    if external_id:
        fake.add_user(APP, external_id=user)
    else:
        fake.add_user(APP, user_id=user)
    conversation = fake.add_conversation(APP, user)
    custom = fake.add_integration(
        APP, "custom", webhooks=[{"target": "https://example.com", "triggers": ["*"]}]
    )
    return fake, conversation, custom


def link_body(conversation: str) -> ClientCreateJSON:
    return example_body_for(conversation)


async def test_create_confirm_and_fail_are_delivered() -> None:
    """client:add on create, client:update on confirm, client:remove on failure."""
    fake, conversation, custom = seeded()
    async with fake.session() as session:
        hooks = session.apps[APP].integrations[custom].webhooks
        hook = await hooks.create(
            target="https://example.com/hooks",
            triggers=["client:add", "client:update", "client:remove"],
        )
        clients = session.apps[APP].users[USER].clients
        first = await clients.create(link_body(conversation))
        second = await clients.create(link_body(conversation))
    assert first.id is not None
    assert second.id is not None
    confirmed = fake.confirm_link(APP, USER, first.id)
    assert confirmed.status == "active"
    assert confirmed.linked_at is not None
    fake.fail_link(APP, USER, second.id, reason="linkCancelled")
    assert [c.id for c in fake.clients(APP, USER)] == [first.id]

    deliveries = [d for d in fake.deliveries if d.webhook_id == hook.id]
    assert [d.event_types for d in deliveries] == [
        ["client:add"],
        ["client:add"],
        ["client:update"],
        ["client:remove"],
    ]
    for delivery in deliveries:
        assert dict(delivery.headers)["x-api-key"] == hook.secret
        assert delivery.target == "https://example.com/hooks"
    add, _, update, remove = (events_of(d)[0] for d in deliveries)
    assert add["payload"]["client"]["status"] == "pending"
    assert add["payload"]["conversation"]["id"] == conversation
    assert (update["payload"]["reason"], update["payload"]["client"]["status"]) == (
        "confirmed",
        "active",
    )
    assert update["payload"]["conversation"]["id"] == conversation
    assert (remove["payload"]["reason"], remove["payload"]["client"]["id"]) == (
        "linkCancelled",
        second.id,
    )
    ids = [event["id"] for d in fake.deliveries for event in d.json()["events"]]
    assert len(ids) == len(set(ids))


async def test_triggers_choose_the_events() -> None:
    """A webhook gets only the events its triggers name; ``*`` gets every one."""
    fake, conversation, custom = seeded()
    only_remove = fake.add_webhook(APP, custom, "https://example.com/r", ["client:remove"])
    everything = fake.add_webhook(APP, custom, "https://example.com/all")
    async with fake.session() as session:
        app = session.apps[APP]
        created = await app.users[USER].clients.create(link_body(conversation))
        await app.conversations[conversation].messages.post(
            author={"type": "business"}, content={"type": "text", "text": "Welcome"}
        )
        await app.users[USER].clients.remove(str(created.id))
    kinds = {
        hook.id: [t for d in fake.deliveries if d.webhook_id == hook.id for t in d.event_types]
        for hook in (only_remove, everything)
    }
    assert kinds[only_remove.id] == ["client:remove"]
    assert kinds[everything.id] == ["client:add", "conversation:message", "client:remove"]
    for delivery in fake.deliveries:
        events_of(delivery)


async def test_conversation_events() -> None:
    """Creating, joining, leaving and deleting conversations are reported."""
    fake, _, custom = seeded()
    hook = fake.add_webhook(APP, custom, "https://example.com/c")
    async with fake.session() as session:
        app = session.apps[APP]
        other = await app.users.create(external_id="other")
        conv = await app.conversations.create(type="sdkGroup", participants=[{"userId": USER}])
        assert conv.id is not None
        await app.conversations[conv.id].participants.join(user_id=str(other.id))
        await app.conversations[conv.id].participants.leave(user_id=str(other.id))
        await app.conversations.delete(conv.id)
        await app.users.delete("other")
    types = [t for d in fake.deliveries if d.webhook_id == hook.id for t in d.event_types]
    assert types == [
        "conversation:create",
        "conversation:join",
        "conversation:leave",
        "conversation:remove",
        "user:remove",
    ]
    for delivery in fake.deliveries:
        events_of(delivery)


def test_link_helpers_refuse_unknown_clients() -> None:
    """confirm_link and fail_link name what is missing."""
    fake, _, _ = seeded()
    with pytest.raises(KeyError, match="Client not found"):
        fake.confirm_link(APP, USER, "0" * 24)
    with pytest.raises(KeyError, match="User not found"):
        fake.fail_link(APP, "ghost", "0" * 24)
    with pytest.raises(ValueError, match="reason"):
        fake.fail_link(APP, USER, "0" * 24, reason="")
    whatsapp = fake.add_integration(APP, "whatsapp")
    with pytest.raises(ValueError, match="custom"):
        fake.add_webhook(APP, whatsapp, "https://example.com")


class Receiver:
    """An ASGI webhook receiver that answers with the statuses it is given, in turn."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, body))
        status = self.statuses[min(len(self.received), len(self.statuses)) - 1]
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def receiver_url(request: pytest.FixtureRequest) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(request.param)
    server = ServerThread(receiver, "127.0.0.1", 0, quiet=True)  # type: ignore[arg-type]
    server.start()
    try:
        yield receiver, server.url + "/hooks"
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("receiver_url", "attempts"),
    [
        ([200], [200]),
        ([500, 503, 200], [500, 503, 200]),
        ([500], [500] * 6),
        ([404], [404]),
        ([500, 406], [500, 406]),
    ],
    indirect=["receiver_url"],
    ids=["ok", "retried-then-ok", "five-retries", "404-final", "406-final"],
)
async def test_served_fake_posts_deliveries(
    receiver_url: tuple[Receiver, str], attempts: list[int]
) -> None:
    """Served, the fake POSTs each delivery, retrying as Sunshine does (at most 5 more)."""
    receiver, url = receiver_url
    fake, conversation, custom = seeded(delivery_retry_pause=0)
    hook = fake.add_webhook(APP, custom, url, ["client:add"])
    with serve_in_thread(fake) as base_url:
        async with fake.session(base_url=base_url, transport="httpcore") as session:
            await session.apps[APP].users[USER].clients.create(link_body(conversation))
    # leaving serve_in_thread lets the queued deliveries finish
    assert [a.status for a in fake.delivery_attempts] == attempts
    assert len(receiver.received) == len(attempts)
    headers, body = receiver.received[0]
    assert headers["x-api-key"] == hook.secret
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["events"][0]["type"] == "client:add"
    assert body == fake.deliveries[-1].body


async def test_unreachable_target_is_tried_six_times() -> None:
    """A target that refuses connections is tried once and retried five times."""
    fake, conversation, custom = seeded(delivery_retry_pause=0)
    fake.add_webhook(APP, custom, "http://127.0.0.1:9/nothing-listens", ["client:add"])
    with serve_in_thread(fake) as base_url:
        async with fake.session(base_url=base_url, transport="httpcore") as session:
            await session.apps[APP].users[USER].clients.create(link_body(conversation))
    assert [a.status for a in fake.delivery_attempts] == [None] * 6
    assert {a.error for a in fake.delivery_attempts} == {"ConnectError"}
