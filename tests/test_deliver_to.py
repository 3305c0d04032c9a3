"""Tests for `FakeSunshine.deliver_to`: webhook deliveries handed to an app in process.

The first test is the issue's "done when": only the ``sunshine_fake`` fixture and
``deliver_to`` run ``examples/webhook_receiver.py`` end to end, with no socket and no
server, on both backends.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import anyio
import pytest

from sunshine_async.testing import Delivery, FakeSunshine
from sunshine_async.testing import _delivery as delivery_module
from sunshine_async.types import ClientCreateJSON

from .test_examples import load

pytestmark = pytest.mark.anyio

APP = "5d8cff3cd55b040010928b5b"
USER = "user-1"
TARGET = "https://hooks.example.com/sunshine/webhooks"
LINK_TRIGGERS = ["client:add", "client:update", "client:remove"]
#: The integrations the marker seeds: the channel clients link, and one for webhooks.
SEEDED = pytest.mark.sunshine_fake(
    users={USER: {"external_id": "steveb@example.com"}},
    integrations=["whatsapp", {"type": "custom", "display_name": "link events"}],
)

Scope = MutableMapping[str, Any]


def custom_integration(fake: FakeSunshine) -> str:
    (custom,) = [i.id for i in fake.integrations(APP) if i.type == "custom" and i.id]
    return custom


def whatsapp_integration(fake: FakeSunshine) -> str:
    (whatsapp,) = [i.id for i in fake.integrations(APP) if i.type == "whatsapp" and i.id]
    return whatsapp


def link_body(fake: FakeSunshine, conversation: str) -> ClientCreateJSON:
    return {
        "matchCriteria": {
            "type": "whatsapp",
            "integrationId": whatsapp_integration(fake),
            "phoneNumber": "+15145555555",
        },
        "confirmation": {"type": "prompt"},
        "target": {"conversationId": conversation},
    }


class AnswerLost:
    """ASGI middleware: the app gets the first delivery, but Sunshine gets a 503.

    As when the receiver's answer is lost on the way back, so the delivery is retried.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lost = False

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if self.lost:
            await self.app(scope, receive, send)
            return
        self.lost = True

        async def swallow(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                await send({**message, "status": 503})
            else:
                await send(message)

        await self.app(scope, receive, swallow)


@SEEDED
async def test_webhook_receiver_example_end_to_end(
    sunshine_fake: FakeSunshine, caplog: pytest.LogCaptureFixture
) -> None:
    """A link's request and confirmation reach the example receiver in process; a
    repeated delivery's events are skipped."""
    fake = sunshine_fake
    caplog.set_level(logging.INFO, logger="webhook_receiver")
    hook = fake.add_webhook(APP, custom_integration(fake), TARGET, LINK_TRIGGERS)
    receiver = load("webhook_receiver").WebhookReceiver([hook.secret])
    fake.deliver_to(AnswerLost(receiver))
    conversation = fake.add_conversation(APP, USER)

    async with fake.session() as session:
        client = await session.apps[APP].users[USER].clients.create(link_body(fake, conversation))
        # handed over before the create got its answer: no waiting
        assert receiver.outcomes == [f"client {client.id} requested: pending"]
        assert client.id is not None
        fake.confirm_link(APP, USER, client.id)
        await fake.deliver_pending()

    assert receiver.outcomes == [
        f"client {client.id} requested: pending",
        f"client {client.id} confirmed: active",
    ]
    # the first answer was lost: Sunshine tried again, and the receiver skipped the repeat
    assert [a.status for a in fake.delivery_attempts] == [503, 200, 200]
    assert [d.event_types for d in fake.deliveries] == [["client:add"], ["client:update"]]
    assert "seen already" in caplog.text
    assert hook.secret not in caplog.text


@SEEDED
async def test_wrong_secret_is_refused_once(sunshine_fake: FakeSunshine) -> None:
    """A receiver that answers 401 gets no second try."""
    fake = sunshine_fake
    fake.add_webhook(APP, custom_integration(fake), TARGET, LINK_TRIGGERS)
    receiver = load("webhook_receiver").WebhookReceiver(["not-the-secret"])
    fake.deliver_to(receiver)
    conversation = fake.add_conversation(APP, USER)
    async with fake.session() as session:
        await session.apps[APP].users[USER].clients.create(link_body(fake, conversation))
    assert [a.status for a in fake.delivery_attempts] == [401]
    assert receiver.outcomes == []


def hooked(**options: Any) -> FakeSunshine:
    """A fake whose app has a webhook for every event."""
    fake = FakeSunshine(**options)
    fake.add_user(APP, user_id=USER)
    custom = fake.add_integration(APP, "custom")
    fake.add_webhook(APP, custom, TARGET, ["*"])
    return fake


def make_change(fake: FakeSunshine) -> None:
    """One change that makes one delivery (conversation:create)."""
    fake.add_conversation(APP, USER)


class TestReceivers:
    async def test_asgi_app_gets_a_post(self) -> None:
        """An ASGI app gets a POST to the target's path, with the delivery's headers and body."""
        fake = hooked()
        seen: list[tuple[Scope, bytes]] = []

        async def app(scope: Scope, receive: Any, send: Any) -> None:
            message = await receive()
            seen.append((scope, message["body"]))
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        fake.deliver_to(app)
        make_change(fake)
        await fake.deliver_pending()
        (delivery,) = fake.deliveries
        ((scope, body),) = seen
        assert (scope["method"], scope["path"]) == ("POST", "/sunshine/webhooks")
        assert body == delivery.body
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        assert headers["x-api-key"] == dict(delivery.headers)["x-api-key"]
        assert headers["content-type"] == "application/json"

    async def test_disconnect_comes_after_the_answer(self) -> None:
        """An app listening for the client to go away while it answers hears it only
        once the whole answer is sent, as from a real server."""
        fake = hooked()
        heard: list[str] = []

        async def app(scope: Scope, receive: Any, send: Any) -> None:
            await receive()

            async def listen() -> None:
                heard.append((await receive())["type"])

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(listen)
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await anyio.lowlevel.checkpoint()
                heard.append("first part")
                await send({"type": "http.response.body", "body": b"{", "more_body": True})
                await anyio.lowlevel.checkpoint()
                heard.append("last part")
                await send({"type": "http.response.body", "body": b"}"})

        fake.deliver_to(app)
        make_change(fake)
        await fake.deliver_pending()
        assert heard == ["first part", "last part", "http.disconnect"]
        assert [a.status for a in fake.delivery_attempts] == [200]

    async def test_plain_and_async_callables(self) -> None:
        """A callable gets each Delivery; None answers 200, an int is the status."""
        fake = hooked()
        got: list[Delivery] = []

        def plain(delivery: Delivery) -> None:
            got.append(delivery)

        async def later(delivery: Delivery) -> int:
            await anyio.lowlevel.checkpoint()
            got.append(delivery)
            return 204

        fake.deliver_to(plain)
        make_change(fake)
        await fake.deliver_pending()
        fake.deliver_to(later)
        make_change(fake)
        await fake.deliver_pending()
        assert got == fake.deliveries
        assert [a.status for a in fake.delivery_attempts] == [200, 204]

    async def test_handed_over_by_the_next_request(self) -> None:
        """Changes made by the fake's helpers reach the receiver with the next request."""
        fake = hooked()
        got: list[Delivery] = []
        fake.deliver_to(got.append)
        make_change(fake)
        assert got == []
        async with fake.session() as session:
            await session.apps[APP].users.get(USER)
        assert got == fake.deliveries

    async def test_through_the_asgi_interface(self) -> None:
        """Requests sent to the fake as an ASGI app hand deliveries over too."""
        import httpx

        fake = hooked()
        got: list[Delivery] = []
        fake.deliver_to(got.append)
        transport = httpx.ASGITransport(app=fake)
        async with fake.session(transport=transport) as session:
            await session.apps[APP].conversations.create(type="personal")
        assert len(got) == 1
        assert got[0].event_types == ["conversation:create"]

    async def test_receiver_may_call_the_fake(self) -> None:
        """A receiver that sends requests to the fake does not deadlock; what those
        requests change is handed over afterwards, in order."""
        fake = hooked()
        conversation = fake.add_conversation(APP, USER)
        fake.deliveries.clear()
        got: list[list[str]] = []

        async def reply(delivery: Delivery) -> None:
            got.append(delivery.event_types)
            if delivery.event_types == ["conversation:join"]:
                async with fake.session() as session:
                    messages = session.apps[APP].conversations[conversation].messages
                    await messages.post(
                        author={"type": "business"}, content={"type": "text", "text": "hi"}
                    )

        fake.deliver_to(reply)
        async with fake.session() as session:
            await session.apps[APP].conversations[conversation].participants.join(user_id=USER)
        assert got == [["conversation:join"], ["conversation:message"]]

    async def test_none_stops(self) -> None:
        """``deliver_to(None)`` stops handing deliveries over; they are still recorded."""
        fake = hooked()
        got: list[Delivery] = []
        fake.deliver_to(got.append)
        fake.deliver_to(None)
        make_change(fake)
        await fake.deliver_pending()
        assert got == []
        assert len(fake.deliveries) == 1
        assert fake.delivery_attempts == []

    @pytest.mark.parametrize(
        "receiver", [None.__class__, "app", lambda a, b: None, lambda: None], ids=repr
    )
    def test_what_is_not_a_receiver(self, receiver: Any) -> None:
        """Neither an ASGI app nor a one-argument callable is refused at once."""
        with pytest.raises(TypeError, match="ASGI app"):
            FakeSunshine().deliver_to(receiver)

    @pytest.mark.parametrize("pause", [-1.0, float("nan")])
    def test_bad_pause(self, pause: float) -> None:
        """A negative pause is refused."""
        with pytest.raises(ValueError, match="retry_pause"):
            FakeSunshine().deliver_to(lambda delivery: None, retry_pause=pause)


class TestRetries:
    @staticmethod
    async def tried(answers: list[int | None], **options: Any) -> list[int | None]:
        """The statuses of the tries of one delivery, the receiver answering ``answers``
        in turn (None: it raises)."""
        fake = hooked(**options)
        queue = list(answers)

        def receiver(delivery: Delivery) -> int:
            answer = queue.pop(0) if queue else 200
            if answer is None:
                raise RuntimeError("the receiver broke")
            return answer

        fake.deliver_to(receiver)
        make_change(fake)
        await fake.deliver_pending()
        return [a.status for a in fake.delivery_attempts]

    async def test_until_accepted(self) -> None:
        """A failed try is tried again, until the receiver accepts it."""
        assert await self.tried([500, 503]) == [500, 503, 200]

    async def test_five_retries_at_most(self) -> None:
        """After the first try and five more, the delivery is given up."""
        assert await self.tried([503] * 10) == [503] * 6

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 406])
    async def test_refused_for_good(self, status: int) -> None:
        """400, 401, 403, 404 and 406 are never tried again."""
        assert await self.tried([status]) == [status]

    async def test_a_failing_callable_is_a_failed_try(self) -> None:
        """An exception in a callable counts as no answer, recorded by type, not text."""
        fake = hooked()

        def broken(delivery: Delivery) -> None:
            raise RuntimeError(dict(delivery.headers)["x-api-key"])

        fake.deliver_to(broken)
        make_change(fake)
        await fake.deliver_pending()
        assert [(a.status, a.error) for a in fake.delivery_attempts] == [(None, "RuntimeError")] * 6

    async def test_a_failing_asgi_app_answers_500(self) -> None:
        """An exception in an ASGI app answers 500, which is retried."""
        fake = hooked()

        async def broken(scope: Scope, receive: Any, send: Any) -> None:
            raise RuntimeError("boom")

        fake.deliver_to(broken)
        make_change(fake)
        await fake.deliver_pending()
        assert [a.status for a in fake.delivery_attempts] == [500] * 6

    async def test_no_pause_by_default(self) -> None:
        """In process, tries follow each other without waiting."""
        pauses: list[float] = []

        async def sleep(seconds: float) -> None:
            pauses.append(seconds)

        assert await self.tried([503, 503], sleep=sleep) == [503, 503, 200]
        assert pauses == []

    async def test_pauses_use_the_fakes_sleep(self) -> None:
        """With ``retry_pause``, pauses double from it, waited by the fake's sleep."""
        pauses: list[float] = []

        async def sleep(seconds: float) -> None:
            pauses.append(seconds)

        fake = hooked(sleep=sleep)
        fake.deliver_to(lambda delivery: 503, retry_pause=0.5)
        make_change(fake)
        await fake.deliver_pending()
        assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0]

    async def test_a_try_that_hangs_times_out(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A receiver that never answers fails that try, and the next one is made."""
        monkeypatch.setattr(delivery_module, "_ATTEMPT_TIMEOUT", 0.01)
        fake = hooked()
        hung = False

        async def receiver(delivery: Delivery) -> None:
            nonlocal hung
            if not hung:
                hung = True
                await anyio.sleep_forever()

        fake.deliver_to(receiver)
        make_change(fake)
        await fake.deliver_pending()
        assert [(a.status, a.error) for a in fake.delivery_attempts] == [
            (None, "timeout"),
            (200, None),
        ]

    async def test_secret_in_no_repr(self) -> None:
        """A delivery's repr (and so an attempt's) hides the webhook secret."""
        fake = hooked()
        fake.deliver_to(lambda delivery: 200)
        make_change(fake)
        await fake.deliver_pending()
        secret = dict(fake.deliveries[0].headers)["x-api-key"]
        assert secret not in repr(fake.deliveries)
        assert secret not in repr(fake.delivery_attempts)
        assert "<redacted>" in repr(fake.deliveries[0])
