"""Tests for `sunshine_async._hooks`: what a Session calls around each attempt."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anyio
import httpx
import pytest

import sunshine_async as sa
from sunshine_async import Hooks, RequestEvent, Session

from .conftest import APP_ID, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

APP = {"app": {"id": APP_ID}}
CLIENT = {"id": "5ebee0975ac5304b664a12fa", "type": "whatsapp", "status": "active"}


class Answers(httpx.AsyncBaseTransport):
    """Answers with the given statuses in turn (then 200), or raises what is given."""

    def __init__(self, statuses: Sequence[int | Exception] = (), body: object = APP) -> None:
        self.statuses = list(statuses)
        self.body = body
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        answer = self.statuses.pop(0) if self.statuses else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json=self.body if answer < 300 else {})


async def no_wait(delay: float) -> None:
    """The retry policy's sleep in tests: returns at once."""


class Journal:
    """Hooks that write down each call: (hook, attempt, status) and the events."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int | None]] = []
        self.events: list[RequestEvent] = []

    def hooks(self, *, coroutines: bool = False) -> Hooks:
        def make(name: str) -> object:
            def write(event: RequestEvent) -> None:
                self.calls.append((name, event.attempt, event.status_code))
                self.events.append(event)

            async def write_later(event: RequestEvent) -> None:
                await anyio.lowlevel.checkpoint()
                write(event)

            return write_later if coroutines else write

        return Hooks(
            on_request=make("request"),  # type: ignore[arg-type]
            on_response=make("response"),  # type: ignore[arg-type]
            on_error=make("error"),  # type: ignore[arg-type]
            on_retry=make("retry"),  # type: ignore[arg-type]
        )


def make_session(transport: Answers, hooks: Hooks | Sequence[Hooks], **settings: object) -> Session:
    return Session(
        key_id=KEY_ID,
        secret=SECRET,
        transport=transport,
        retry=sa.RetryPolicy(
            max_retries=settings.pop("max_retries", 2),  # type: ignore[arg-type]
            sleep=no_wait,
            random=lambda: 1.0,
        ),
        hooks=hooks,
        **settings,  # type: ignore[arg-type]
    )


class TestOncePerAttempt:
    @pytest.mark.parametrize("coroutines", [False, True], ids=["functions", "coroutines"])
    async def test_retries_included(self, coroutines: bool) -> None:
        """Two 503s then a 200: each attempt has on_request then on_error or
        on_response, and each retry an on_retry; coroutines are awaited."""
        journal = Journal()
        async with make_session(Answers([503, 503]), journal.hooks(coroutines=coroutines)) as s:
            await s.apps.get(APP_ID)
        assert journal.calls == [
            ("request", 1, None),
            ("error", 1, 503),
            ("retry", 1, 503),
            ("request", 2, None),
            ("error", 2, 503),
            ("retry", 2, 503),
            ("request", 3, None),
            ("response", 3, 200),
        ]

    async def test_what_an_event_holds(self) -> None:
        """Method, operation id, path template, server, attempt, status, duration; the
        retry's delay; one event object per attempt."""
        journal = Journal()
        async with make_session(Answers([503]), journal.hooks()) as session:
            await session.apps.get(APP_ID)
        first, second = journal.events[0], journal.events[-1]
        assert first is journal.events[1] is journal.events[2]
        assert (first.method, first.operation_id, first.path_template) == (
            "GET",
            "GetApp",
            "/v2/apps/{appId}",
        )
        assert (first.server_address, first.server_port) == ("api.smooch.io", 443)
        assert isinstance(first.error, sa.ServerError)
        assert first.retry_delay == 0.5
        assert second.attempt == 2
        assert second.error is None
        assert second.duration is not None
        assert second.duration >= 0.0

    async def test_no_response_is_an_error_without_status(self) -> None:
        """A refused connection: on_error with no status and the ApiConnectionError."""
        journal = Journal()
        transport = Answers([httpx.ConnectError("refused")])
        async with make_session(transport, journal.hooks(), max_retries=0) as session:
            with pytest.raises(sa.ApiConnectionError):
                await session.apps.get(APP_ID)
        assert journal.calls == [("request", 1, None), ("error", 1, None)]
        assert isinstance(journal.events[0].error, sa.ApiConnectionError)

    async def test_clients_have_operation_ids(self) -> None:
        """The hand-written Clients methods name their operations."""
        journal = Journal()
        body = {"client": CLIENT, "clients": [CLIENT], "meta": {}}
        async with make_session(Answers(body=body), journal.hooks()) as session:
            clients = session.apps[APP_ID].users[USER_ID].clients
            await clients.create(
                match_criteria={
                    "type": "whatsapp",
                    "integrationId": "582dedf230e788746891281a",
                    "phoneNumber": "+15145555555",
                },
                confirmation={"type": "immediate"},
                target={"conversationId": "c"},
            )
            async for _ in clients.list():
                pass
            await clients.remove(CLIENT["id"])
        seen = [(e.operation_id, e.path_template) for e in journal.events[::2]]
        path = "/v2/apps/{appId}/users/{userIdOrExternalId}/clients"
        assert seen == [
            ("CreateClient", path),
            ("ListClients", path),
            ("RemoveClient", path + "/{clientId}"),
        ]

    async def test_a_direct_request_has_no_template(self) -> None:
        """Session.request called with a path of its own: no operation, no template."""
        journal = Journal()
        async with make_session(Answers(), journal.hooks()) as session:
            await session.request("GET", f"/v2/apps/{APP_ID}")
        assert (journal.events[0].operation_id, journal.events[0].path_template) == (None, None)

    async def test_events_hold_no_secret_and_no_id(self) -> None:
        """Neither the credentials nor the ids of the call appear in any event."""
        journal = Journal()
        answers = Answers([503], body={"user": {"id": "5963c0d619a30a2e00de36b8"}})
        async with make_session(answers, journal.hooks()) as session:
            await session.apps[APP_ID].users.get(USER_ID)
        authorization = session._credentials.authorization()
        for event in journal.events:
            text = repr(event)
            for secret in (SECRET, authorization, APP_ID, USER_ID, "steveb%40example.com"):
                assert secret not in text

    async def test_several_hooks_objects_and_add_hooks(self) -> None:
        """Hooks given as a list, and more added later, are all called, in order."""
        first, second, third = Journal(), Journal(), Journal()
        async with make_session(Answers(), [first.hooks(), second.hooks()]) as session:
            session.add_hooks(third.hooks())
            await session.apps.get(APP_ID)
        assert (
            first.calls
            == second.calls
            == third.calls
            == [
                ("request", 1, None),
                ("response", 1, 200),
            ]
        )

    def test_bad_hooks_are_refused(self) -> None:
        """A hook that is not callable, or hooks= that are not Hooks, fail at once."""
        with pytest.raises(sa.InvalidArgumentError, match="on_request must be callable"):
            Hooks(on_request="print")  # type: ignore[arg-type]
        with pytest.raises(sa.InvalidArgumentError, match="must be Hooks"):
            Session(key_id=KEY_ID, secret=SECRET, hooks=[print])  # type: ignore[list-item]


class TestAHookThatRaises:
    @pytest.mark.parametrize("where", ["on_request", "on_response", "on_error", "on_retry"])
    async def test_the_request_goes_on(self, where: str, caplog: pytest.LogCaptureFixture) -> None:
        """Every hook raising, sync or async: each request still succeeds, the slot is
        given back (one slot, many requests), and a warning names the hook, not a secret."""

        def broken(event: RequestEvent) -> None:
            raise RuntimeError(f"hook failed on attempt {event.attempt}")

        async def broken_later(event: RequestEvent) -> None:
            await anyio.lowlevel.checkpoint()
            raise ValueError("async hook failed")

        hooks = [Hooks(**{where: broken}), Hooks(**{where: broken_later})]
        transport = Answers([503, 503])
        async with make_session(transport, hooks, max_connections=1) as session:
            for _ in range(5):
                assert (await session.apps.get(APP_ID)).id == APP_ID
        assert transport.count == 7
        warnings = [r for r in caplog.records if "hook" in r.getMessage()]
        assert warnings
        assert all(r.levelno == logging.WARNING for r in warnings)
        assert any("broken_later" in r.getMessage() for r in warnings)
        assert SECRET not in caplog.text
        assert session._credentials.authorization() not in caplog.text

    async def test_cancellation_passes_through_a_hook(self) -> None:
        """A hook that waits is cancelled with its request, which then ends."""
        entered = anyio.Event()

        async def stuck(event: RequestEvent) -> None:
            if not entered.is_set():  # the first request only
                entered.set()
                await anyio.sleep_forever()

        async with make_session(Answers(), Hooks(on_request=stuck)) as session:
            async with anyio.create_task_group() as tg:
                tg.start_soon(session.apps.get, APP_ID)
                await entered.wait()
                tg.cancel_scope.cancel()
            assert (await session.apps.get(APP_ID)).id == APP_ID  # the pool is whole
