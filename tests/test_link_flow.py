"""Issue 9 end to end: link a channel, follow it by webhook and by waiting.

The examples `link_whatsapp.py` and `webhook_receiver.py` run against the fake; real
deliveries travel over loopback sockets from the served fake to the receiver.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from sunshine_async import webhooks
from sunshine_async.testing import FakeSunshine, serve_in_thread
from sunshine_async.testing._server import ServerThread

from .test_examples import load, run_script
from .test_fake_deliveries import link_body
from .test_fake_deliveries import seeded as seeded_fake

pytestmark = pytest.mark.anyio

APP = "5d8cff3cd55b040010928b5b"
USER = "steveb@example.com"
SECRET_OLD = "old-secret-0123456789"


class FakeClock:
    """Time that moves only when slept in, at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await anyio.lowlevel.checkpoint()


def seeded() -> tuple[FakeSunshine, str, str]:
    """A fake with a user known by external id, its conversation, a custom integration."""
    return seeded_fake(user=USER, external_id=True, delivery_retry_pause=0)


# --- the linking example -------------------------------------------------------------


async def test_link_whatsapp_on_the_fake() -> None:
    """User, integration, conversation, link, wait, welcome: every step on the fake."""
    lines = await load("link_whatsapp").with_fake("+15145550000", "jane@example.com")
    text = "\n".join(lines)
    assert "user jane@example.com is " in text
    assert "asked to link +15145550000" in text
    assert " is pending" in text
    assert lines[-3].endswith("is active")
    assert lines[-2] == "welcome message posted"
    assert lines[-1] == "webhook deliveries: client:add, client:update"


def test_link_whatsapp_runs_as_a_script() -> None:
    """`python examples/link_whatsapp.py` with no credentials runs the flow and exits 0."""
    done = run_script("link_whatsapp.py")
    assert done.returncode == 0, done.stderr
    assert "welcome message posted" in done.stdout
    assert done.stderr == ""


# --- the receiver example ------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[tuple[Any, str]]:
    """The example receiver, served on loopback; yields it and its delivery URL."""
    module = load("webhook_receiver")
    app = module.WebhookReceiver([SECRET_OLD, "placeholder"])
    server = ServerThread(app, "127.0.0.1", 0, quiet=True)
    server.start()
    try:
        yield app, server.url + app.path
    finally:
        server.stop()


async def test_receiver_gets_real_deliveries(receiver: tuple[Any, str]) -> None:
    """create -> client:add, confirm_link -> client:update, fail_link -> client:remove.

    The served fake POSTs each delivery to the receiver over loopback; the receiver
    accepts the webhook's secret (one of two, as while rotating) and logs each outcome;
    meanwhile ``wait_for_link`` over a socket sees the link become active.
    """
    app, url = receiver
    fake, conversation, custom = seeded()
    hook = fake.add_webhook(APP, custom, url, ["client:add", "client:update", "client:remove"])
    app.secrets[1] = hook.secret  # the new secret of a rotation
    clock = FakeClock()
    with serve_in_thread(fake) as base_url:
        async with fake.session(base_url=base_url, transport="httpcore") as session:
            clients = session.apps[APP].users[USER].clients
            kept = await clients.create(link_body(conversation))
            lost = await clients.create(link_body(conversation))
            assert kept.id is not None
            assert lost.id is not None
            fake.confirm_link(APP, USER, kept.id)
            fake.fail_link(APP, USER, lost.id, reason="linkFailed")
            linked = await clients.wait_for_link(kept, clock=clock, sleep=clock.sleep)
    assert linked.status == "active"
    # leaving serve_in_thread has let the queued deliveries finish
    assert [a.status for a in fake.delivery_attempts] == [200] * 4
    assert app.outcomes == [
        f"client {kept.id} requested: pending",
        f"client {lost.id} requested: pending",
        f"client {kept.id} confirmed: active",
        f"client {lost.id} removed: linkFailed",
    ]


async def test_receiver_refuses_and_deduplicates(receiver: tuple[Any, str]) -> None:
    """Wrong key 401, not a delivery 400, a repeated event is logged once."""
    app, url = receiver
    fake, conversation, custom = seeded()
    fake.add_webhook(APP, custom, "https://example.com/unused", ["client:add"])
    async with fake.session() as session:
        await session.apps[APP].users[USER].clients.create(link_body(conversation))
    (delivery,) = fake.deliveries
    good = {"x-api-key": SECRET_OLD, "content-type": "application/json"}
    async with httpx.AsyncClient(trust_env=False) as client:
        assert (await client.post(url, content=delivery.body, headers=good)).status_code == 200
        assert (await client.post(url, content=delivery.body, headers=good)).status_code == 200
        wrong = {**good, "x-api-key": "nope"}
        assert (await client.post(url, content=delivery.body, headers=wrong)).status_code == 401
        missing = {"content-type": "application/json"}
        assert (await client.post(url, content=delivery.body, headers=missing)).status_code == 401
        assert (await client.post(url, content=b"{", headers=good)).status_code == 400
        assert (await client.get(url)).status_code == 405
        assert (await client.post(url + "x", content=b"{}", headers=good)).status_code == 404
        too_big = b" " * (app.max_body + 1)
        assert (await client.post(url, content=too_big, headers=good)).status_code == 413
    (event,) = delivery.json()["events"]
    assert app.outcomes == [f"client {event['payload']['client']['id']} requested: pending"]


async def test_wait_for_link_fed_by_deliveries() -> None:
    """A LinkWatcher fed with the fake's deliveries ends the wait, with the reason."""
    fake, conversation, custom = seeded()
    hook = fake.add_webhook(APP, custom, "https://example.com/h", ["client:update"])
    assert hook.secret is not None
    watcher = webhooks.LinkWatcher()
    async with fake.session() as session:
        clients = session.apps[APP].users[USER].clients
        client = await clients.create(link_body(conversation))
        assert client.id is not None
        result: list[Any] = []

        async def wait() -> None:
            result.append(await clients.wait_for_link(client, watcher=watcher, timeout=30))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(wait)
            await anyio.wait_all_tasks_blocked()
            fake.block_link(APP, USER, client.id)
            for delivery in fake.deliveries:
                headers = dict(delivery.headers)
                watcher.feed(webhooks.unwrap(delivery.body, headers, secret=hook.secret))
    assert [c.status for c in result] == ["blocked"]
    outcome = watcher.outcome(client.id)
    assert outcome is not None
    assert outcome.reason == "blocked"


def test_delivered_bodies_parse_to_typed_events() -> None:
    """What the fake delivers, the SDK's parser reads into typed events."""
    fake, _, custom = seeded()
    hook = fake.add_webhook(APP, custom, "https://example.com/h")
    client_id = fake.add_clients(APP, USER, 1, status="pending")[0].id
    assert client_id is not None
    fake.confirm_link(APP, USER, client_id)
    fake.fail_link(APP, USER, client_id, reason="theft")
    events = [
        event
        for delivery in fake.deliveries
        if delivery.webhook_id == hook.id
        for event in webhooks.parse(delivery.body).events
    ]
    assert [type(e).__name__ for e in events] == ["ClientUpdateEvent", "ClientRemoveEvent"]
    update, remove = events
    assert isinstance(update, webhooks.ClientUpdateEvent)
    assert isinstance(remove, webhooks.ClientRemoveEvent)
    assert update.payload.reason == "confirmed"
    assert remove.payload.reason == "theft"
    assert json.loads(fake.deliveries[-1].body)["app"]["id"] == APP
