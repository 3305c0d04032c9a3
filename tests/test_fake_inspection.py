"""Tests for what a test reads back from `FakeSunshine`: the request log, the state
accessors, `reset`, and the documentation ``help()`` shows."""

from __future__ import annotations

import pydoc
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import sunshine_async
from sunshine_async._config import MAX_BODY_BYTES
from sunshine_async.testing import Delivery, FakeSunshine, RecordedRequest, Status
from sunshine_async.types import Custom, Whatsapp

from .conftest import EXAMPLE_BODY, example_body_for

APP = "5d8cff3cd55b040010928b5b"
USER = "user-1"
SECRET = "s3cr3t-that-must-never-leak-0123456789"


@pytest.fixture
def fake() -> FakeSunshine:
    fake = FakeSunshine(key_id="app_key_1", secret=SECRET)
    fake.add_user(APP, user_id=USER, external_id="steveb@example.com")
    return fake


class TestRequests:
    @pytest.mark.anyio
    async def test_records_headers_body_and_json(self, fake: FakeSunshine) -> None:
        """A request is kept with its headers, its body as sent and that body decoded."""
        conversation = fake.add_conversation(APP, USER)
        async with fake.session() as session:
            await session.apps[APP].users[USER].clients.create(example_body_for(conversation))
        (sent,) = fake.requests
        assert (sent.method, sent.path) == ("POST", f"/v2/apps/{APP}/users/{USER}/clients")
        assert sent.json == {**EXAMPLE_BODY, "target": {"conversationId": conversation}}
        assert isinstance(sent.body, bytes)
        assert sent.header("Content-Type") == "application/json"
        assert sent.header("user-agent") is not None
        assert sent.header("x-not-sent") is None
        assert all(name == name.lower() for name, _ in sent.headers)

    @pytest.mark.anyio
    @pytest.mark.parametrize(
        ("options", "shown"),
        [({}, "Basic <redacted>"), ({"use_jwt": True}, "Bearer <redacted>")],
        ids=["basic", "jwt"],
    )
    async def test_credentials_are_redacted(
        self, fake: FakeSunshine, options: dict[str, Any], shown: str
    ) -> None:
        """Authorization keeps its scheme only; the secret is in no record or repr."""
        async with fake.session(**options) as session:
            await session.apps[APP].users.get(USER)
        (sent,) = fake.requests
        assert sent.header("authorization") == shown
        assert SECRET not in repr(fake.requests)
        assert "eyJ" not in repr(fake.requests)  # no JWT either

    @pytest.mark.anyio
    async def test_other_secret_headers_are_redacted(self, fake: FakeSunshine) -> None:
        """X-API-Key, Proxy-Authorization and Cookie values are never kept."""
        async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as raw:
            await raw.get(
                "/v2/apps",
                headers={
                    "X-API-Key": SECRET,
                    "Proxy-Authorization": f"Basic {SECRET}",
                    "Cookie": f"session={SECRET}",
                    "X-Trace": "kept",
                },
            )
        (sent,) = fake.requests
        assert sent.header("x-api-key") == "<redacted>"
        assert sent.header("proxy-authorization") == "Basic <redacted>"
        assert sent.header("cookie") == "<redacted>"
        assert sent.header("x-trace") == "kept"
        assert SECRET not in repr(sent)

    @pytest.mark.anyio
    async def test_body_that_is_not_json(self, fake: FakeSunshine) -> None:
        """A body that is not JSON is kept as bytes, with ``json`` None."""
        async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as raw:
            await raw.post(f"/v2/apps/{APP}/users", content=b"\xffnot json")
            await raw.get(f"/v2/apps/{APP}/users")
        posted, got = fake.requests
        assert (posted.body, posted.json) == (b"\xffnot json", None)
        assert (got.body, got.json) == (b"", None)

    @pytest.mark.anyio
    async def test_oversized_body_is_kept_to_the_limit(self, fake: FakeSunshine) -> None:
        """A body over 100 KB is kept up to the limit."""
        body = b"x" * (MAX_BODY_BYTES + 10)
        async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as raw:
            await raw.post(f"/v2/apps/{APP}/users", content=body)
        (sent,) = fake.requests
        assert sent.body == body[:MAX_BODY_BYTES]

    @pytest.mark.anyio
    async def test_through_the_asgi_interface(self, fake: FakeSunshine) -> None:
        """Requests reaching the fake as an ASGI app (as when served) are kept the same."""
        async with fake.session(transport=httpx.ASGITransport(app=fake)) as session:
            await session.apps[APP].users.update(USER, profile={"givenName": "Steve"})
        (sent,) = fake.requests
        assert sent.method == "PATCH"
        assert sent.json == {"profile": {"givenName": "Steve"}}
        assert sent.header("authorization") == "Basic <redacted>"

    @pytest.mark.anyio
    async def test_refused_and_faulted_requests_are_kept(self, fake: FakeSunshine) -> None:
        """A request answered by an injected fault is in the log with its body."""
        fake.inject(Status(503), times=1)
        async with fake.session(max_retries=0) as session:
            with pytest.raises(sunshine_async.ServerError):
                await session.apps[APP].users.create(external_id="new@example.com")
        (sent,) = fake.requests
        assert sent.json == {"externalId": "new@example.com"}

    def test_defaults_keep_old_records_valid(self) -> None:
        """A record made with method, path and query only has no headers and no body."""
        record = RecordedRequest(method="GET", path="/", query=())
        assert (record.headers, record.body, record.json) == ((), b"", None)
        assert hash(record) == hash(RecordedRequest(method="GET", path="/", query=()))


class TestAccessors:
    @pytest.mark.anyio
    async def test_each_resource_reads_as_the_sdk_reads_it(self, fake: FakeSunshine) -> None:
        """Each accessor gives what the SDK reads from the API for the same records."""
        fake.add_clients(APP, USER, 2, type="sdk")  # sdk clients come with devices
        async with fake.session() as session:
            app = session.apps[APP]
            conversation = await app.conversations.create(
                type="personal", participants=[{"userId": USER}]
            )
            assert conversation.id is not None
            messages = app.conversations[conversation.id].messages
            await messages.post(author={"type": "business"}, content={"type": "text", "text": "hi"})
            custom = await app.integrations.create(
                type="custom",
                display_name="hooks",
                webhooks=[{"target": "https://example.com/a", "triggers": ["*"]}],
            )
            assert custom.id is not None
            await app.integrations[custom.id].webhooks.create(
                target="https://example.com/b", triggers=["client:add"]
            )
            whatsapp = fake.add_integration(APP, "whatsapp", phoneNumberId="1234")
            api = {
                "apps": [await session.apps.get(APP)],
                "users": [await app.users.get(USER)],
                "devices": [d async for d in app.users[USER].devices.list()],
                "conversations": [await app.conversations.get(conversation.id)],
                "participants": [
                    p async for p in app.conversations[conversation.id].participants.list()
                ],
                "messages": [m async for m in messages.list()],
                "integrations": [
                    await app.integrations.get(custom.id),
                    await app.integrations.get(whatsapp),
                ],
                "webhooks": [w async for w in app.integrations[custom.id].webhooks.list()],
            }
        mine: dict[str, list[Any]] = {
            "apps": fake.apps(),
            "users": fake.users(APP),
            "devices": fake.devices(APP, USER),
            "conversations": fake.conversations(APP),
            "participants": fake.participants(APP, conversation.id),
            "messages": fake.messages(APP, conversation.id),
            "integrations": fake.integrations(APP),
            "webhooks": fake.webhooks(APP, custom.id),
        }
        assert mine == api
        assert len(mine["devices"]) == 2
        assert len(mine["webhooks"]) == 2
        assert [type(i) for i in mine["integrations"]] == [Custom, Whatsapp]

    def test_filters(self, fake: FakeSunshine) -> None:
        """Conversations by participant, webhooks across an app's integrations."""
        fake.add_user(APP, user_id="user-2")
        mine = fake.add_conversation(APP, USER)
        fake.add_conversation(APP, "user-2")
        assert [c.id for c in fake.conversations(APP, "steveb@example.com")] == [mine]
        assert len(fake.conversations(APP)) == 2
        first = fake.add_integration(APP, "custom")
        second = fake.add_integration(APP, "custom")
        a = fake.add_webhook(APP, first, "https://example.com/a")
        b = fake.add_webhook(APP, second, "https://example.com/b")
        hooks = fake.webhooks(APP)
        assert [(h.id, h.secret) for h in hooks] == [(a.id, a.secret), (b.id, b.secret)]
        assert a.secret not in repr(hooks)

    @pytest.mark.parametrize(
        ("read", "missing"),
        [
            (lambda f: f.users("6" * 24), "App not found"),
            (lambda f: f.devices(APP, "nobody"), "User not found"),
            (lambda f: f.conversations(APP, "nobody"), "User not found"),
            (lambda f: f.participants(APP, "6" * 24), "Conversation not found"),
            (lambda f: f.messages(APP, "6" * 24), "Conversation not found"),
            (lambda f: f.integrations("6" * 24), "App not found"),
            (lambda f: f.webhooks(APP, "6" * 24), "Integration not found"),
            (lambda f: f.webhooks("6" * 24), "App not found"),
        ],
    )
    def test_unknown_ids(
        self, fake: FakeSunshine, read: Callable[[FakeSunshine], object], missing: str
    ) -> None:
        """An unknown app, user, conversation or integration raises KeyError, saying which."""
        with pytest.raises(KeyError, match=missing):
            read(fake)

    def test_empty(self) -> None:
        """A new fake has no apps."""
        assert FakeSunshine().apps() == []


class TestReset:
    @pytest.mark.anyio
    async def test_forgets_everything(self, fake: FakeSunshine) -> None:
        """State, requests, deliveries, their tries and faults all go; settings stay."""
        custom = fake.add_integration(APP, "custom")
        fake.add_webhook(APP, custom, "https://example.com/hooks")
        received: list[Delivery] = []
        fake.deliver_to(received.append)
        fake.add_conversation(APP, USER)
        async with fake.session() as session:
            await session.apps[APP].users.get(USER)
        fake.inject(Status(503))
        lists = (fake.requests, fake.deliveries, fake.delivery_attempts)
        assert all(lists)
        fake.add_conversation(APP, USER)  # a delivery not yet handed over

        fake.reset()

        assert lists == ([], [], [])
        assert (fake.requests, fake.deliveries, fake.delivery_attempts) == lists
        assert fake.apps() == []
        assert (fake.key_id, fake.secret) == ("app_key_1", SECRET)
        fake.add_user(APP, user_id=USER)
        async with fake.session() as session:  # no fault left
            await session.apps[APP].users.get(USER)
        await fake.deliver_pending()
        # the first change was handed over; the one pending at the reset never comes
        assert [d.event_types for d in received] == [["conversation:create"]]

    @pytest.mark.anyio
    async def test_keeps_the_receiver(self, fake: FakeSunshine) -> None:
        """After a reset, deliveries still reach the ``deliver_to`` receiver."""
        received: list[Delivery] = []
        fake.deliver_to(received.append)
        fake.reset()
        fake.add_user(APP, user_id=USER)
        custom = fake.add_integration(APP, "custom")
        fake.add_webhook(APP, custom, "https://example.com/hooks")
        fake.add_conversation(APP, USER)
        await fake.deliver_pending()
        assert [d.event_types for d in received] == [["conversation:create"]]


class TestHelp:
    def test_public_attributes_are_documented(self) -> None:
        """``help(FakeSunshine)`` shows every public attribute, with what it holds."""
        text = pydoc.plain(pydoc.render_doc(FakeSunshine))
        for name in ("requests", "deliveries", "delivery_attempts", "key_id", "secret"):
            assert name in text
        public = [name for name in vars(FakeSunshine()) if not name.startswith("_")]
        public += [name for name in dir(FakeSunshine) if not name.startswith("_")]
        assert [name for name in public if name not in text] == []
        assert "Every request received" in text
        assert "Each try at handing a delivery over" in text

    def test_recorded_request_fields_are_documented(self) -> None:
        """``help(RecordedRequest)`` names each field a test reads."""
        text = pydoc.plain(pydoc.render_doc(RecordedRequest))
        for name in ("method", "path", "query", "headers", "body", "json", "header"):
            assert f"{name}:" in text or f"{name}(" in text
