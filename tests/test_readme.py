"""Every Python example of the README runs as written, against the fake (issue #14).

Each ```python block is read from README.md when the test runs (never copied here) and
run as it stands: a block with top-level ``await`` is compiled with
``PyCF_ALLOW_TOP_LEVEL_AWAIT`` and awaited. A fragment gets the names it uses from
elsewhere (``session``, ``clients``, ``APP_ID``, ``body``, ``headers``, ...) from a
namespace built from the fake's state, and ``print`` in that namespace records what the
block prints. Each block is one test case, by the id of its heading and place
(``tests/_readme_runner.py``), and each checks what the block did, so a block that
silently does nothing fails. A block that builds its own ``Session`` gets one bound to
the fake (``sunshine_async.Session`` patched); ``anyio.run(main)`` runs ``main`` on the
test's own event loop, from a worker thread. Nothing leaves the process.

The same blocks, in order, as the body of one async function (the names they take from
elsewhere as its typed parameters), pass plain ``mypy --strict``, with no cast and no
ignore (`TestTypeCheck`).
"""

from __future__ import annotations

import ast
import logging
import queue
import re
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx
import pytest

import sunshine_async
import sunshine_async.webhooks
from sunshine_async import webhooks
from sunshine_async.testing import FakeSunshine, RefuseConnection, Status

from . import _readme_runner as readme
from ._mypy import mypy_strict
from .conftest import APP_ID, KEY_ID

ROOT = Path(__file__).resolve().parents[1]

#: The user most examples are about.
STEVE = "steveb@example.com"
#: The integration ids the create examples name.
README_WHATSAPP = "582dedf230e788746891281a"
README_MAILGUN = "5e3b1c2a5f4a1f0010a1b2c3"

Namespace = dict[str, Any]
Check = Callable[[readme.Block, pytest.MonkeyPatch], Awaitable[None]]
#: Each case by its id: the README block's id, or ``block-id/variant`` for the same
#: block run again in another situation (another answer, another error).
CASES: dict[str, tuple[str, Check]] = {}


def register(block_id: str, check: Check, variant: str | None = None) -> Check:
    case = block_id if variant is None else f"{block_id}/{variant}"
    assert case not in CASES, case
    CASES[case] = (block_id, check)
    return check


def checks(block_id: str) -> Callable[[Check], Check]:
    """Register the check that runs the README block ``block_id`` and judges it."""

    def decorate(check: Check) -> Check:
        return register(block_id, check)

    return decorate


class World:
    """The fake with what most examples assume: an app, Steve, his channels and a chat."""

    def __init__(self, fake: FakeSunshine | None = None) -> None:
        self.fake = FakeSunshine() if fake is None else fake
        self.app = self.fake.add_app(APP_ID)
        self.user = self.fake.add_user(self.app, external_id=STEVE)
        self.whatsapp = self.fake.add_integration(
            self.app, "whatsapp", integration_id=README_WHATSAPP
        )
        self.mailgun = self.fake.add_integration(self.app, "mailgun", integration_id=README_MAILGUN)
        self.conversation = self.fake.add_conversation(self.app, self.user)

    def namespace(self, session: sunshine_async.Session, **names: Any) -> Namespace:
        """The names the README's fragments use, bound to this world."""
        return {
            "sunshine_async": sunshine_async,
            "webhooks": webhooks,
            "Session": sunshine_async.Session,
            "session": session,
            "APP_ID": self.app,
            "user_id": self.user,
            "INTEGRATION_ID": self.whatsapp,
            "conversation_id": self.conversation,
            "clients": session.apps[self.app].users[STEVE].clients,
            "print": readme.Printed(),  # records what the block prints
            **names,
        }


def printed(namespace: Namespace) -> list[str]:
    lines = namespace["print"]
    assert isinstance(lines, readme.Printed)
    return list(lines)


# --- A session ---


@checks("a-session-1")
async def _a_session(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole program: its Session (the README's key) lists Steve's clients."""
    world = World(FakeSunshine(key_id=KEY_ID, secret="..."))
    seeded = world.fake.add_clients(world.app, world.user, 3)
    made: list[sunshine_async.Session] = []

    def session_on_the_fake(**settings: Any) -> sunshine_async.Session:
        made.append(world.fake.session(**settings))  # its key, secret, and the fake's URL
        return made[-1]

    def on_this_loop(func: Callable[..., Coroutine[Any, Any, Any]], *args: Any, **_: Any) -> Any:
        # anyio.run(main) from the block's worker thread: main runs on the test's loop
        return anyio.from_thread.run(func, *args)

    monkeypatch.setattr(sunshine_async, "Session", session_on_the_fake)
    monkeypatch.setattr(anyio, "run", on_this_loop)
    lines = readme.Printed()
    namespace: Namespace = {"print": lines}
    await anyio.to_thread.run_sync(readme.run_sync, found, namespace)

    assert namespace["APP_ID"] == world.app
    assert len(made) == 1
    assert made[0].is_closed
    assert lines == [f"{c.id} whatsapp active" for c in seeded]
    assert world.fake.requests[0].path == f"/v2/apps/{APP_ID}/users/steveb%40example.com/clients"


@checks("a-session-2")
async def _credentials(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each way to give credentials makes a Session that holds them (none is opened)."""
    made: list[sunshine_async.Session] = []

    def recorded(**settings: Any) -> sunshine_async.Session:
        made.append(sunshine_async.Session(**settings))  # nothing is sent when made
        return made[-1]

    await readme.run(found, {"Session": recorded})

    basic, given, minted = made
    assert "BasicCredentials(key_id='app_...'" in repr(basic)
    assert "JwtCredentials(<token hidden>)" in repr(given)
    assert "MintedJwtCredentials(key_id='app_...', scope='app')" in repr(minted)
    assert all(not session.is_closed and session.transport is None for session in made)
    # The basic one is sent as is to a fake holding that key. The other two cannot be
    # sent: "eyJ..." is a placeholder, not a token the fake could verify, and minting
    # with the 3-byte secret "..." makes PyJWT warn (an error under this suite).
    fake = FakeSunshine(key_id="app_...", secret="...")
    world = World(fake)
    async with fake.session(key_id="app_...", secret="...") as session:
        user = await session.apps[world.app].users.get(STEVE)
    assert user.id == world.user


# --- Create a client (link a channel) ---


@checks("create-a-client-link-a-channel-1")
async def _create_typed(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The typed create makes a pending WhatsApp client for that number."""
    world = World()
    async with world.fake.session() as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)

    client = namespace["client"]
    assert isinstance(client, sunshine_async.Client)
    (stored,) = world.fake.clients(world.app, world.user)
    assert stored.id == client.id
    assert (stored.type, stored.status) == ("whatsapp", "pending")
    assert (stored.integration_id, stored.external_id) == (README_WHATSAPP, "+15145555555")
    assert printed(namespace) == [f"{client.id} pending"]


@checks("create-a-client-link-a-channel-2")
async def _confirmation(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The prompt confirmation with a message is built, and the fake takes it in a create."""
    world = World()
    async with world.fake.session() as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)

        confirmation = namespace["confirmation"]
        assert isinstance(confirmation, sunshine_async.Confirmation)
        assert confirmation.type == "prompt"
        message = confirmation.message
        assert isinstance(message, sunshine_async.MessagePost)
        assert isinstance(message.content, sunshine_async.TextMessage)
        assert message.content.text == "Link your WhatsApp to this conversation?"
        # checked by the fake against the spec's schema, as the API would
        client = await namespace["clients"].create(
            match_criteria=sunshine_async.MatchCriteriaWhatsapp(
                integration_id=world.whatsapp, phone_number="+15145555555"
            ),
            confirmation=confirmation,
            target=sunshine_async.Target(conversation_id=world.conversation),
        )
    assert [c.id for c in world.fake.clients(world.app, world.user)] == [client.id]


@checks("create-a-client-link-a-channel-3")
async def _create_from_json(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The create from pasted JSON makes a pending Mailgun client for that address."""
    world = World()
    async with world.fake.session() as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)

    client = namespace["client"]
    assert isinstance(client, sunshine_async.Client)
    (stored,) = world.fake.clients(world.app, world.user)
    assert stored.id == client.id
    assert (stored.type, stored.status) == ("mailgun", "pending")
    assert (stored.integration_id, stored.external_id) == (README_MAILGUN, STEVE)


# --- List clients ---


@checks("list-clients-1")
async def _list(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """All 120 clients, then 3 typed pages of 50, then a walk back from a cursor."""
    world = World()
    seeded = world.fake.add_clients(world.app, world.user, 120)
    async with world.fake.session() as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)

    lines = printed(namespace)
    assert lines[:120] == [f"{c.id} whatsapp active {c.last_seen}" for c in seeded]
    pages = [line.split() for line in lines[120:]]
    assert pages == [
        ["50", "True", seeded[49].id],
        ["50", "True", seeded[99].id],
        ["20", "False", "None"],
    ]
    backwards = [
        r for r in world.fake.requests if ("page[before]", "5ebee0975ac5304b664a12fa") in r.query
    ]
    assert len(backwards) == 1


# --- Remove a client ---


@checks("remove-a-client-1")
async def _remove(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client is gone from the fake; the others stay."""
    world = World()
    first, second = world.fake.add_clients(world.app, world.user, 2)
    async with world.fake.session() as session:
        await readme.run(found, world.namespace(session, client=first))

    assert [c.id for c in world.fake.clients(world.app, world.user)] == [second.id]


# --- A brand-separated user ---


@checks("a-brand-separated-user-1")
async def _brand(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """``clients`` is that user's, and every request it makes names the brand."""
    world = World()
    world.fake.add_user(world.app, external_id="customer-42")
    seeded = world.fake.add_clients(world.app, "customer-42", 2)
    async with world.fake.session() as session:
        namespace = world.namespace(session, clients=None)
        await readme.run(found, namespace)
        clients = namespace["clients"]
        assert isinstance(clients, sunshine_async.ClientsResource)
        assert (clients.user_id, clients.brand_id) == ("customer-42", "8a4c1c9e2f")
        listed = [c.id async for c in clients.list()]

    assert listed == [c.id for c in seeded]
    assert ("brandId", "8a4c1c9e2f") in world.fake.requests[-1].query


# --- Users, conversations, messages, integrations, webhooks ---


@checks("users-conversations-messages-integrations-webhooks-1")
async def _collections(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """Steve is made and read back, the chat gets its message, the webhook its secret."""
    fake = FakeSunshine()
    app = fake.add_app(APP_ID)
    whatsapp = fake.add_integration(app, "whatsapp")
    fake.add_integration(app, "mailgun")
    custom = fake.add_integration(app, "custom")  # webhooks belong to custom integrations
    async with fake.session() as session:
        namespace: Namespace = {
            "session": session,
            "APP_ID": app,
            "INTEGRATION_ID": custom,
            "print": readme.Printed(),
        }
        await readme.run(found, namespace)

    user, conv, sent, hook = (namespace[name] for name in ("user", "conv", "sent", "hook"))
    assert user.external_id == STEVE
    assert user.profile is not None
    assert user.profile.given_name == "Steve"
    assert conv.type == "personal"
    (message,) = sent  # the messages posted
    assert message.content.text == "Welcome!"
    # users.list(email=...) finds no one: Steve was given no email, only an external id
    assert printed(namespace) == [f"{whatsapp} whatsapp", hook.secret]
    # what it printed is what deliveries carry in X-API-Key
    client = fake.add_clients(app, STEVE, 1, status="pending")[0]
    fake.confirm_link(app, STEVE, client.id or "")
    (delivery,) = fake.deliveries
    assert delivery.target == "https://example.com/hooks"
    assert ("x-api-key", hook.secret) in delivery.headers
    assert delivery.event_types == ["client:update"]


@checks("users-conversations-messages-integrations-webhooks-2")
async def _integrations(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The custom integration is made with its webhook, typed as Custom; token info."""
    fake = FakeSunshine()
    app = fake.add_app(APP_ID)
    async with fake.session() as session:
        namespace: Namespace = {
            "session": session,
            "app": session.apps[app],
            "print": readme.Printed(),
        }
        await readme.run(found, namespace)
    made = namespace["made"]
    assert isinstance(made, sunshine_async.types.Custom)
    assert made.id is not None
    assert made.webhooks is not None
    async with fake.session() as session:
        again = await session.apps[app].integrations.get(made.id)
    assert isinstance(again, sunshine_async.types.Custom)
    assert again.display_name == "link events"
    secret = made.webhooks[0].secret
    assert secret is not None
    assert printed(namespace) == [f"{made.id} {secret}", app]
    assert secret not in repr(made)


# --- Models and their JSON ---


@checks("models-and-their-json-1")
async def _models(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model and its JSON are the same profile; the user reads back from its JSON;
    the pasted JSON's typo is refused by its path, with nothing sent."""
    world = World()
    async with world.fake.session() as session:
        namespace = world.namespace(session, app=session.apps[world.app])
        await readme.run(found, namespace)

    user = namespace["user"]
    assert isinstance(user, sunshine_async.User)
    assert user.profile is not None
    assert (user.profile.given_name, user.profile.email) == ("Steve", STEVE)
    (updated,) = world.fake.users(world.app)
    assert updated.profile is not None
    assert updated.profile.given_name == "Steve"
    shown, refused = printed(namespace)
    assert shown == user.to_json()
    assert refused == (
        "invalid CreateUser body: body.profile.givenname: unknown field (did you mean 'givenName'?)"
    )
    # the update was sent; the create with the typo never was
    assert [r.method for r in world.fake.requests] == ["PATCH"]


# --- Link a channel and follow it ---


class Customer(httpx.AsyncBaseTransport):
    """The fake, with a customer who answers each link request as soon as it is made."""

    CREATE = re.compile(r"/v2/apps/([^/]+)/users/([^/]+)/clients")

    def __init__(self, fake: FakeSunshine, answer: Callable[[str, str, str], object]) -> None:
        self._fake = fake
        self._inner = fake.transport()
        self._answer = answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        path = request.url.raw_path.decode("ascii").partition("?")[0]
        made = self.CREATE.fullmatch(path)
        if request.method == "POST" and response.status_code == 201 and made:
            app, user = unquote(made[1]), unquote(made[2])
            for client in self._fake.clients(app, user):
                if client.status == "pending" and client.id:
                    self._answer(app, user, client.id)
        return response


def link_case(answer: str, printed_lines: list[str], left: list[str]) -> Check:
    """The polling example, the customer answering with ``fake.<answer>``."""

    async def check(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
        world = World()
        customer = Customer(world.fake, getattr(world.fake, answer))
        async with world.fake.session(transport=customer) as session:
            namespace = world.namespace(session, clients=None)
            await readme.run(found, namespace)

        assert printed(namespace) == printed_lines
        assert [c.status for c in world.fake.clients(world.app, world.user)] == left
        (create,) = [r for r in world.fake.requests if r.method == "POST"]
        assert create.path == f"/v2/apps/{APP_ID}/users/{world.user}/clients"

    return check


# the customer confirms: the wait returns the active client; blocks, or lets the link
# fail (the client is removed): the wait returns it blocked, or LinkFailedError is caught
register("link-a-channel-and-follow-it-1", link_case("confirm_link", ["active"], ["active"]))
for _answer, _lines, _variant in [
    ("block_link", ["blocked"], "blocked"),
    ("fail_link", [], "failed"),
]:
    register("link-a-channel-and-follow-it-1", link_case(_answer, _lines, _lines), _variant)


def delivered(world: World) -> tuple[webhooks.WebhookDelivery, bytes, dict[str, str], str]:
    """A real delivery of a confirmed link: its parsed form, body, headers and client id."""
    custom = world.fake.add_integration(world.app, "custom")
    world.fake.add_webhook(
        world.app,
        custom,
        "https://example.com/hooks",
        ["client:add", "client:update", "client:remove"],
    )
    (client,) = world.fake.add_clients(world.app, world.user, 1, status="pending")
    assert client.id is not None
    world.fake.confirm_link(world.app, world.user, client.id)
    (delivery,) = world.fake.deliveries
    headers = dict(delivery.headers)
    parsed = webhooks.unwrap(delivery.body, headers, secret=headers["x-api-key"])
    return parsed, delivery.body, headers, client.id


def receiver_case(key: str | None, body: bytes | None, status: int) -> Check:
    """The receiving example, given the fake's real delivery of a confirmed link.

    The example accepts the secrets "old-secret" and "new-secret": they stand for the
    webhook's secrets, so the delivery carries ``key`` as its ``X-API-Key`` (``None``
    leaves the key the fake sent, which is neither). ``body`` replaces the body.
    """

    async def check(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
        world = World()
        parsed, sent, headers, client_id = delivered(world)
        if key is not None:
            headers["x-api-key"] = key
        (event,) = parsed.events
        seen: set[str] = set()
        links = webhooks.LinkWatcher()
        work: queue.Queue[list[webhooks.WebhookEvent]] = queue.Queue()
        namespace: Namespace = {
            "body": sent if body is None else body,
            "headers": headers,
            "seen": seen,
            "links": links,
            "queue": work,
        }
        await readme.run(found, namespace)

        assert namespace["status"] == status
        if status != 200:
            assert links.outcome(client_id) is None
            assert work.empty()
            return
        assert [e.id for e in work.get_nowait()] == [event.id]
        outcome = links.outcome(client_id)
        assert outcome is not None
        assert (outcome.reason, outcome.linked) == ("confirmed", True)
        # the same delivery again, its event seen already: nothing new to do
        seen.add(str(event.id))
        await readme.run(found, namespace)
        assert namespace["status"] == 200
        assert work.get_nowait() == []

    return check


# 200, the outcome reaches `links` and the events the queue; with either secret; 401 for
# another webhook's key; 400 for a body that is not JSON
register("link-a-channel-and-follow-it-2", receiver_case("new-secret", None, 200))
register("link-a-channel-and-follow-it-2", receiver_case("old-secret", None, 200), "old-secret")
register("link-a-channel-and-follow-it-2", receiver_case(None, None, 401), "wrong-key")
register(
    "link-a-channel-and-follow-it-2",
    receiver_case("new-secret", b'{"events": "not a list"', 400),
    "not-json",
)


# --- Per-call settings, raw responses, hooks ---


async def no_wait(delay: float) -> None:
    """The retry policy's sleep: backoff costs no time."""


@checks("per-call-settings-1")
async def _per_call(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The view gets Steve; the list sends its header on every page it asks for."""
    world = World()
    (client,) = world.fake.add_clients(world.app, world.user, 1)
    async with world.fake.session() as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)
    assert namespace["user"].id == world.user
    assert namespace["quick"].options.max_retries == 0
    assert printed(namespace) == [client.id]
    get, listed = world.fake.requests
    assert "x-request-id" not in dict(get.headers)
    assert dict(listed.headers)["x-request-id"] == "nightly-42"


@checks("raw-responses-1")
async def _raw(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """Status, attempts and a header print; parse() gives the user and the first page."""
    world = World()
    world.fake.add_clients(world.app, world.user, 2)
    async with world.fake.session() as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)
    assert namespace["user"].id == world.user
    assert isinstance(namespace["page"], sunshine_async.ClientListResponse)
    assert printed(namespace) == ["200 1 application/json", "2 False"]


@checks("hooks-logs-metrics-and-traces-1")
async def _logging_hooks(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Session it builds logs one line per attempt: the 503, then the 200."""
    world = World(FakeSunshine(key_id="app_...", secret="..."))

    def session_on_the_fake(**settings: Any) -> sunshine_async.Session:
        return world.fake.session(retry_sleep=no_wait, **settings)

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("myservice.sunshine")
    handler = Keep()
    logger.addHandler(handler)
    monkeypatch.setattr(logger, "level", logging.INFO)
    try:
        namespace: Namespace = {"sunshine_async": sunshine_async, "Session": session_on_the_fake}
        await readme.run(found, namespace)
        world.fake.inject(Status(503), times=1)
        async with namespace["session"] as session:
            await session.apps[world.app].users.get(STEVE)
    finally:
        logger.removeHandler(handler)
    path = "/v2/apps/{appId}/users/{userIdOrExternalId}"
    assert [line.rsplit(" in ", 1)[0] for line in lines] == [
        f"GET {path} #1: 503",
        f"GET {path} #2: 200",
    ]


@checks("hooks-logs-metrics-and-traces-2")
async def _metrics_hooks(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 503 then a 200: two attempts counted by outcome, one retry, two latencies."""
    world = World()
    world.fake.inject(Status(503), times=1)
    async with world.fake.session(retry_sleep=no_wait) as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)
    assert printed(namespace) == [
        "{('GetUser', '503'): 1, ('GetUser', '200'): 1} {'GetUser': 1}",
    ]
    assert len(namespace["latency"]["GetUser"]) == 2


@checks("hooks-logs-metrics-and-traces-3")
async def _tracing_hooks(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """One client span for the get, through the provider the block sets up."""
    from opentelemetry.sdk.trace import export
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    monkeypatch.setattr(export, "ConsoleSpanExporter", lambda: exporter)
    world = World()
    async with world.fake.session() as session:
        namespace = world.namespace(session)
        await readme.run(found, namespace)
    (span,) = exporter.get_finished_spans()
    assert span.name == "GET /v2/apps/{appId}/users/{userIdOrExternalId}"
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 200


# --- Errors ---


NOT_FOUND = "404 client_not_found: Client not found"


def errors_case(
    fault: Status | RefuseConnection | None, existing: bool, expected: list[str]
) -> Check:
    """The errors example removing a client (``existing``, or not), ``fault`` injected once."""

    async def check(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
        world = World()
        (client,) = world.fake.add_clients(world.app, world.user, 1)
        client_id = client.id if existing else "5ebee0975ac5304b664a12fa"
        if fault is not None:
            world.fake.inject(fault, times=1)
        async with world.fake.session(max_retries=0) as session:
            namespace = world.namespace(session, client_id=client_id)
            await readme.run(found, namespace)

        lines = printed(namespace)
        if expected == [NOT_FOUND]:
            assert len(lines) == 2
            assert lines[0].startswith(f"{NOT_FOUND} (DELETE /v2/apps/{APP_ID}/")
            assert lines[1].startswith("404 ")
            assert f"/clients/{client_id}" in lines[1]
        else:
            assert lines == expected
        gone = existing and fault is None
        assert len(world.fake.clients(world.app, world.user)) == (0 if gone else 1)
        (delete,) = world.fake.requests  # sent once (max_retries=0), refused or not
        assert (delete.method, delete.path.rpartition("/")[2]) == ("DELETE", client_id)

    return check


# each error lands in its branch and none escapes: 404 prints the error and its parts,
# 429 the wait asked; a 5xx (ApiError) and no connection print nothing; a client that
# is there is removed
register("errors-1", errors_case(None, False, [NOT_FOUND]))
register("errors-1", errors_case(Status(429, retry_after=2), True, ["retry in 2.0"]), "429")
register("errors-1", errors_case(Status(503), True, []), "503")
register("errors-1", errors_case(RefuseConnection(), True, []), "no-connection")
register("errors-1", errors_case(None, True, []), "removed")


# --- Testing your code ---


@checks("testing-your-code-1")
async def _testing(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example is a working test: it defines ``test_remove_blocked``, which passes."""
    namespace: Namespace = {}
    await readme.run(found, namespace)
    test = namespace["test_remove_blocked"]
    assert callable(test)
    assert test.pytestmark[0].name == "anyio"
    await test()


def _plugin_fake(test: Any) -> FakeSunshine:
    """The ``sunshine_fake`` fixture's value for ``test``: seeded by its marker."""
    from sunshine_async.testing import pytest_plugin

    (marker,) = [m for m in test.pytestmark if m.name == pytest_plugin.MARKER]
    fake = FakeSunshine()
    pytest_plugin._seed(fake, marker.kwargs)
    return fake


@checks("testing-your-code-2")
async def _testing_plugin(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example is a test using the plugin's fixture and marker, and it passes."""
    namespace: Namespace = {}
    await readme.run(found, namespace)
    test = namespace["test_lists_blocked"]
    assert [m.name for m in test.pytestmark] == ["anyio", "sunshine_fake"]
    await test(_plugin_fake(test))


@checks("testing-your-code-3")
async def _testing_deliver_to(found: readme.Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example hands link events to the example receiver in process, and passes."""
    from .test_examples import load

    # the names the block before it imported, and the receiver it says is yours
    namespace: Namespace = {
        "pytest": pytest,
        "FakeSunshine": FakeSunshine,
        "WebhookReceiver": load("webhook_receiver").WebhookReceiver,
    }
    await readme.run(found, namespace)
    test = namespace["test_links_reach_my_receiver"]
    fake = _plugin_fake(test)
    await test(fake)
    assert len(fake.delivery_attempts) == 2


# --- every block ---


def test_every_block_is_checked() -> None:
    """Each ```python block of the README has its check here, and each check its block."""
    checked = list(dict.fromkeys(block_id for block_id, _ in CASES.values()))
    assert [b.id for b in readme.readme_blocks()] == checked


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.anyio
async def test_block_runs(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README block runs as written against the fake and does what it says."""
    block_id, check = CASES[case]
    await check(readme.block(block_id), monkeypatch)


def test_has_examples() -> None:
    """The README shows code for each call."""
    text = "\n".join(b.code for b in readme.readme_blocks())
    for call in (
        "clients.create(",
        "clients.list(",
        "clients.pages(",
        "clients.remove(",
        "clients.wait_for_link(",
        "webhooks.unwrap(",
    ):
        assert call in text


@pytest.mark.parametrize("found", readme.readme_blocks(), ids=lambda b: b.id)
def test_block_names_exist(found: readme.Block) -> None:
    """Every ``sunshine_async.X`` and ``webhooks.X`` a block names exists."""
    tree = compile(
        found.code,
        "<README>",
        "exec",
        flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    modules = {"sunshine_async": sunshine_async, "webhooks": sunshine_async.webhooks}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            assert hasattr(modules[node.value.id], node.attr), node.attr


# --- type-checking the blocks ---

#: The names the README's fragments read from elsewhere, typed as the checks above give
#: them (``WebhookReceiver`` is the one of examples/webhook_receiver.py).
README_PARAMETERS = (
    "session: Session, clients: sunshine_async.ClientsResource, APP_ID: str,"
    " user_id: str, INTEGRATION_ID: str, conversation_id: str, client_id: str,"
    " body: bytes, headers: dict[str, str], seen: set[str], links: webhooks.LinkWatcher,"
    " queue: Queue[list[webhooks.WebhookEvent]],"
    " WebhookReceiver: type[webhook_receiver.WebhookReceiver]"
)
#: What the README's fragments take as imported (the first block imports them).
README_HEADER = [
    "from queue import Queue",
    "",
    "import webhook_receiver",
    "",
    "import sunshine_async",
    "from sunshine_async import Session, webhooks",
]


def readme_mypy(module: str, tmp_path: Path) -> tuple[str, int]:
    """``mypy --strict`` on ``module`` as a file of its own, examples/ importable."""
    target = tmp_path / "readme_blocks.py"
    target.write_text(module)
    # the SDK's own modules are checked by the typecheck session, with its flags
    flags = ["--follow-imports=silent"]
    return mypy_strict([target], tmp_path / ".mypy_cache", flags=flags, path=[ROOT / "examples"])


class TestTypeCheck:
    """mypy --strict accepts every README block, as the body of one async function."""

    def test_mypy(self, tmp_path: Path) -> None:
        """The blocks type-check as written, in order, under plain ``--strict``: an id a
        response always has is a ``str``, and the fields that may be missing are read
        with the check a reader's own code needs."""
        found = readme.readme_blocks()
        module = readme.typed_module(found, README_PARAMETERS, README_HEADER)
        report, status = readme_mypy(module, tmp_path)
        assert status == 0, report
        assert "Success: no issues found in 1 source file" in report, report

    def test_nothing_is_silenced(self) -> None:
        """No block needs a cast or an ignore to pass."""
        for found in readme.readme_blocks():
            assert "type: ignore" not in found.code, found.id
            assert "cast(" not in found.code, found.id

    def test_the_check_can_fail(self, tmp_path: Path) -> None:
        """Not vacuous: a block whose body misses a required field, or reads an optional
        field without a check, fails."""
        bad = readme.Block(
            "bad-1",
            "bad",
            1,
            'await clients.create(confirmation={"type": "immediate"})\n'
            'user = await session.apps[APP_ID].users.get("x")\n'
            "print(user.profile.given_name)\n",
        )
        found = [*readme.readme_blocks(), bad]
        module = readme.typed_module(found, README_PARAMETERS, README_HEADER)
        report, status = readme_mypy(module, tmp_path)
        assert status == 1, report
        assert "Found 2 errors in 1 file" in report, report
        assert '"None" of "Profile | None" has no attribute "given_name"' in report, report
