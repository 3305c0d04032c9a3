"""Tests for `sunshine_async.testing.FakeSunshine`, driven through the SDK itself."""

from __future__ import annotations

import base64
import inspect
import random
import sys
import time
from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import anyio
import httpx
import jwt
import pytest

import sunshine_async
from sunshine_async import Session
from sunshine_async.testing import (
    DropConnection,
    FakeSunshine,
    Latency,
    RecordedRequest,
    RefuseConnection,
    Status,
    serve_in_thread,
)
from sunshine_async.types import ClientCreateJSON

from .conftest import EXAMPLE_BODY

pytestmark = pytest.mark.anyio

APP = "5d8cff3cd55b040010928b5b"
USER = "user-1"
PATH = f"/v2/apps/{APP}/users/{USER}/clients"
# long enough that PyJWT does not warn about the HMAC key
LONG_SECRET = "a-fake-secret-that-is-long-enough-for-hs256"
LAST_CURSOR = "f" * 24


@pytest.fixture
def fake() -> FakeSunshine:
    """A fake with one app and one user, no clients."""
    server = FakeSunshine()
    server.add_user(APP, user_id=USER)
    return server


@pytest.fixture
async def raw(fake: FakeSunshine) -> AsyncIterator[httpx.AsyncClient]:
    """Plain httpx against the fake, for requests the SDK would refuse to send."""
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=fake.base_url, auth=(fake.key_id, fake.secret)
    ) as client:
        yield client


def errors_of(response: httpx.Response) -> list[tuple[str, str]]:
    """The (code, title) pairs of an error response, after checking its shape."""
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert set(data) == {"errors"}
    return [(e["code"], e["title"]) for e in data["errors"]]


def ids(clients: list[sunshine_async.Client]) -> list[str]:
    """The ids of some clients, as plain strings."""
    return [c.id for c in clients if c.id is not None]


class Recorder:
    """An async sleep that returns at once and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class TestSeeding:
    """The helpers that fill and inspect the fake's state."""

    def test_ids_are_ordered_hex(self, fake: FakeSunshine) -> None:
        """Generated ids are 24 lowercase hex characters, increasing in creation order."""
        app = fake.add_app()
        user = fake.add_user(app)
        made = ids(fake.add_clients(app, user, 20))
        for value in [app, user, *made]:
            assert len(value) == 24
            assert value == value.lower()
            int(value, 16)
        assert made == sorted(made)
        assert app < user < made[0]
        assert ids(fake.clients(app, user)) == made

    def test_user_by_external_id(self, fake: FakeSunshine) -> None:
        """A user is reachable by its id and by its external id."""
        user = fake.add_user(APP, external_id="steveb@example.com")
        fake.add_clients(APP, "steveb@example.com", 2)
        assert fake.clients(APP, user) == fake.clients(APP, "steveb@example.com")
        assert len(fake.clients(APP, user)) == 2

    def test_add_user_creates_app(self) -> None:
        """add_user creates a missing app."""
        fake = FakeSunshine()
        assert fake.add_user("new-app", user_id="u") == "u"
        assert fake.clients("new-app", "u") == []

    def test_duplicates_are_refused(self, fake: FakeSunshine) -> None:
        """A taken app id, user id or external id raises ValueError."""
        fake.add_user(APP, user_id="u2", external_id="e2")
        with pytest.raises(ValueError, match="exists"):
            fake.add_app(APP)
        with pytest.raises(ValueError, match="exists"):
            fake.add_user(APP, user_id="u2")
        with pytest.raises(ValueError, match="taken"):
            fake.add_user(APP, external_id="e2")

    def test_unknown_app_or_user(self, fake: FakeSunshine) -> None:
        """Seeding or inspecting an unknown app or user raises KeyError."""
        with pytest.raises(KeyError, match="App not found"):
            fake.clients("nope", USER)
        with pytest.raises(KeyError, match="User not found"):
            fake.add_clients(APP, "nope", 1)

    def test_client_kinds(self, fake: FakeSunshine) -> None:
        """Seeded clients carry their type, status and channel-shaped external ids."""
        (mail,) = fake.add_clients(APP, USER, 1, type="mailgun", status="pending")
        (sdk,) = fake.add_clients(APP, USER, 1, type="sdk")
        (future,) = fake.add_clients(APP, USER, 1, type="hologram", status="dreaming")
        assert mail.type == sunshine_async.ClientType.MAILGUN
        assert mail.status == sunshine_async.ClientStatus.PENDING
        assert mail.external_id is not None
        assert "@" in mail.external_id
        assert sdk.integration_id is None
        assert sdk.external_id is None
        assert (future.type, future.status) == ("hologram", "dreaming")

    def test_bad_count(self, fake: FakeSunshine) -> None:
        """A negative client count raises ValueError."""
        with pytest.raises(ValueError, match="n must be"):
            fake.add_clients(APP, USER, -1)

    async def test_lifespan(self, fake: FakeSunshine) -> None:
        """The app completes the ASGI lifespan protocol."""
        incoming: list[MutableMapping[str, Any]] = [
            {"type": "lifespan.startup"},
            {"type": "lifespan.shutdown"},
        ]
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> MutableMapping[str, Any]:
            return incoming.pop(0)

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await fake({"type": "lifespan"}, receive, send)
        assert [m["type"] for m in sent] == [
            "lifespan.startup.complete",
            "lifespan.shutdown.complete",
        ]


class TestLifecycle:
    """Create, list and remove through the SDK."""

    async def test_full_lifecycle(self, fake: FakeSunshine) -> None:
        """A created client is pending, listed, then removed."""
        async with fake.session() as session:
            clients = session.apps[APP].users[USER].clients
            created = await clients.create(
                match_criteria=sunshine_async.MatchCriteriaWhatsapp(
                    integration_id="582dedf230e788746891281a", phone_number="+1 212-555-2368"
                ),
                confirmation=sunshine_async.Confirmation(type="immediate"),
                target=sunshine_async.Target(conversation_id="029c31f25a21b47effd7be90"),
            )
            assert created.type == "whatsapp"
            assert created.status == "pending"
            assert created.integration_id == "582dedf230e788746891281a"
            assert created.external_id == "+1 212-555-2368"
            assert created.display_name is None
            assert [c async for c in clients.list()] == [created]
            assert fake.clients(APP, USER) == [created]
            await clients.remove(created)
            assert [c async for c in clients.list()] == []

    async def test_create_from_mapping_and_mailgun(self, fake: FakeSunshine) -> None:
        """A mailgun create from a JSON-shaped dict gets the address as external id."""
        body: ClientCreateJSON = {
            "matchCriteria": {"type": "mailgun", "integrationId": "i1", "address": "a@b.co"},
            "confirmation": EXAMPLE_BODY["confirmation"],
            "target": EXAMPLE_BODY["target"],
        }
        async with fake.session() as session:
            created = await session.apps[APP].users[USER].clients.create(body)
        assert (created.type, created.external_id) == ("mailgun", "a@b.co")

    async def test_create_response_shape(self, raw: httpx.AsyncClient) -> None:
        """Create answers 201 with exactly the documented client fields."""
        response = await raw.post(PATH, json=EXAMPLE_BODY)
        assert response.status_code == 201
        client = response.json()["client"]
        assert set(client) == {"id", "type", "status", "integrationId", "externalId"}
        assert client["status"] == "pending"

    async def test_remove_answers_empty_object(
        self, fake: FakeSunshine, raw: httpx.AsyncClient
    ) -> None:
        """Remove answers 200 with {} (not 204)."""
        (client,) = fake.add_clients(APP, USER, 1)
        response = await raw.delete(f"{PATH}/{client.id}")
        assert (response.status_code, response.json()) == (200, {})

    async def test_awkward_external_id(self, fake: FakeSunshine) -> None:
        """An external id with '/', '?', '#', '%' and spaces is one path segment."""
        odd = "a/b?c#d e%2F.."
        fake.add_user(APP, external_id=odd)
        seeded = fake.add_clients(APP, odd, 3)
        async with fake.session() as session:
            clients = session.apps[APP].users[odd].clients
            assert [c async for c in clients.list()] == seeded
            await clients.remove(seeded[0].id or "")
        assert fake.clients(APP, odd) == seeded[1:]
        assert fake.requests[0].path == f"/v2/apps/{APP}/users/a%2Fb%3Fc%23d%20e%252F../clients"

    async def test_unknown_types_reach_the_sdk(self, fake: FakeSunshine) -> None:
        """A type and status the SDK does not know come back as plain strings."""
        fake.add_clients(APP, USER, 1, type="hologram", status="dreaming")
        async with fake.session() as session:
            (client,) = [c async for c in session.apps[APP].users[USER].clients.list()]
        assert (client.type, client.status) == ("hologram", "dreaming")
        assert not isinstance(client.type, sunshine_async.ClientType)


async def walk_forward(
    fake: FakeSunshine, page_size: int, *, user: str = USER
) -> list[sunshine_async.ClientListResponse]:
    """Every page from the start, following afterCursor."""
    async with fake.session() as session:
        clients = session.apps[APP].users[user].clients
        return [page async for page in clients.pages(page_size=page_size)]


async def walk_backward(fake: FakeSunshine, page_size: int) -> list[str]:
    """Every id from the end, following beforeCursor, put back in ascending order."""
    found: list[str] = []
    async with fake.session() as session:
        clients = session.apps[APP].users[USER].clients
        async for page in clients.pages(page_size=page_size, before=LAST_CURSOR):
            page_ids = ids(list(page.clients))
            assert page_ids == sorted(page_ids)
            found[:0] = page_ids
    return found


class TestPagination:
    async def test_resume_from_cursor(self, fake: FakeSunshine) -> None:
        """A walk stopped half-way resumes from its cursor: nothing missed, nothing twice."""
        seeded = ids(fake.add_clients(APP, USER, 250))
        async with fake.session() as session:
            clients = session.apps[APP].users[USER].clients
            first = clients.list(page_size=100)
            seen = [(await first.__anext__()).id for _ in range(100)]
            resume = first.pages.cursor
            assert resume is not None
            seen += [c.id async for c in clients.list(after=resume)]
            done = clients.pages()
            assert done.cursor is None
            _ = [p async for p in done]
            assert done.cursor is None  # nothing left to resume
        assert seen == seeded

    """Cursor pagination, as section 3 of the reference describes it."""

    @pytest.mark.parametrize("page_size", [100, 37])
    async def test_thousands_forward_and_backward(self, fake: FakeSunshine, page_size: int) -> None:
        """3000 clients are walked both ways with nothing lost or repeated."""
        expected = ids(fake.add_clients(APP, USER, 3000))
        pages = await walk_forward(fake, page_size)
        forward = [c.id for page in pages for c in page.clients]
        assert forward == expected
        assert len(pages) == -(-3000 // page_size)
        assert await walk_backward(fake, page_size) == expected

    @pytest.mark.parametrize("page_size", [1, 2, 3, 24, 25, 64, 99, 100])
    async def test_page_sizes(self, fake: FakeSunshine, page_size: int) -> None:
        """Page sizes across 1..100 walk 150 clients exactly, both ways."""
        expected = ids(fake.add_clients(APP, USER, 150))
        pages = await walk_forward(fake, page_size)
        assert all(len(p.clients) == page_size for p in pages[:-1])
        assert 1 <= len(pages[-1].clients) <= page_size
        assert [c.id for p in pages for c in p.clients] == expected
        assert await walk_backward(fake, page_size) == expected

    async def test_every_page_size(self, fake: FakeSunshine) -> None:
        """Each page size from 1 to 100 walks 12 clients exactly, both ways."""
        expected = ids(fake.add_clients(APP, USER, 12))
        for page_size in range(1, 101):
            pages = await walk_forward(fake, page_size)
            assert [c.id for p in pages for c in p.clients] == expected, page_size
            assert await walk_backward(fake, page_size) == expected, page_size

    async def test_meta_and_links(self, fake: FakeSunshine) -> None:
        """Cursors and links appear exactly when there is a page on that side."""
        made = ids(fake.add_clients(APP, USER, 5))
        first, middle, last = await walk_forward(fake, 2)
        assert (first.meta.has_more, first.meta.after_cursor, first.meta.before_cursor) == (
            True,
            made[1],
            None,
        )
        assert first.links.next == (f"{fake.base_url}{PATH}?page[after]={made[1]}&page[size]=2")
        assert first.links.prev is None
        assert (middle.meta.after_cursor, middle.meta.before_cursor) == (made[3], made[2])
        assert middle.links.prev == f"{fake.base_url}{PATH}?page[before]={made[2]}&page[size]=2"
        assert (last.meta.has_more, last.meta.after_cursor, last.meta.before_cursor) == (
            False,
            None,
            made[4],
        )
        assert last.links.next is None

    async def test_backward_has_more(self, fake: FakeSunshine, raw: httpx.AsyncClient) -> None:
        """With page[before], hasMore tells whether more lie further back."""
        made = ids(fake.add_clients(APP, USER, 5))
        response = await raw.get(PATH, params={"page[before]": made[3], "page[size]": "2"})
        data = response.json()
        assert [c["id"] for c in data["clients"]] == made[1:3]
        assert data["meta"] == {
            "hasMore": True,
            "afterCursor": made[2],
            "beforeCursor": made[1],
        }
        response = await raw.get(PATH, params={"page[before]": made[2], "page[size]": "5"})
        data = response.json()
        assert [c["id"] for c in data["clients"]] == made[:2]
        assert data["meta"] == {"hasMore": False, "afterCursor": made[1]}
        assert "prev" not in data["links"]

    async def test_default_page_size(self, fake: FakeSunshine, raw: httpx.AsyncClient) -> None:
        """Without page[size] a page holds 25 clients."""
        fake.add_clients(APP, USER, 30)
        data = (await raw.get(PATH)).json()
        assert len(data["clients"]) == 25
        assert data["meta"]["hasMore"] is True

    async def test_links_can_be_followed(self, fake: FakeSunshine, raw: httpx.AsyncClient) -> None:
        """links.next is an absolute URL that fetches the next page."""
        made = ids(fake.add_clients(APP, USER, 7))
        first = (await raw.get(PATH, params={"page[size]": "3"})).json()
        second = (await raw.get(first["links"]["next"])).json()
        assert [c["id"] for c in second["clients"]] == made[3:6]
        back = (await raw.get(second["links"]["prev"])).json()
        assert [c["id"] for c in back["clients"]] == made[:3]

    async def test_empty_and_past_the_end(self, fake: FakeSunshine, raw: httpx.AsyncClient) -> None:
        """No clients, or a cursor past the end, give an empty last page."""
        data = (await raw.get(PATH)).json()
        assert data == {"clients": [], "meta": {"hasMore": False}, "links": {}}
        fake.add_clients(APP, USER, 2)
        data = (await raw.get(PATH, params={"page[after]": LAST_CURSOR})).json()
        assert data["clients"] == []
        assert data["meta"] == {"hasMore": False}

    async def test_cursor_of_a_removed_client(self, fake: FakeSunshine) -> None:
        """A cursor still works after its client was removed."""
        made = ids(fake.add_clients(APP, USER, 6))
        async with fake.session() as session:
            clients = session.apps[APP].users[USER].clients
            await clients.remove(made[2])
            rest = [c.id async for c in clients.list(after=made[2])]
        assert rest == made[3:]

    async def test_forward_with_changes_between_pages(self, fake: FakeSunshine) -> None:
        """Adding and removing clients between pages skips or repeats nothing."""
        rng = random.Random(7)
        existing = ids(fake.add_clients(APP, USER, 400))
        removed_unseen: set[str] = set()
        seen: list[str] = []
        async with fake.session() as session:
            clients = session.apps[APP].users[USER].clients
            async for page in clients.pages(page_size=23):
                seen.extend(c.id for c in page.clients if c.id is not None)
                if not page.meta.has_more:
                    break
                current = ids(fake.clients(APP, USER))
                ahead = [i for i in current if i > seen[-1]]
                behind = [i for i in current if i <= seen[-1]]
                for client_id in rng.sample(ahead, min(3, len(ahead))):
                    await clients.remove(client_id)
                    removed_unseen.add(client_id)
                for client_id in rng.sample(behind, min(2, len(behind))):
                    await clients.remove(client_id)
                existing += ids(fake.add_clients(APP, USER, 4))
        assert len(seen) == len(set(seen))
        assert seen == sorted(seen)
        assert set(seen) == set(existing) - removed_unseen

    async def test_backward_with_changes_between_pages(self, fake: FakeSunshine) -> None:
        """Walking backwards, changes between pages skip or repeat nothing either."""
        rng = random.Random(11)
        existing = ids(fake.add_clients(APP, USER, 400))
        removed_unseen: set[str] = set()
        seen: list[str] = []
        async with fake.session() as session:
            clients = session.apps[APP].users[USER].clients
            async for page in clients.pages(page_size=31, before=LAST_CURSOR):
                seen[:0] = ids(list(page.clients))
                if not page.meta.has_more:
                    break
                current = ids(fake.clients(APP, USER))
                ahead = [i for i in current if i < seen[0]]
                for client_id in rng.sample(ahead, min(3, len(ahead))):
                    await clients.remove(client_id)
                    removed_unseen.add(client_id)
                fake.add_clients(APP, USER, 4)  # newer ids: behind a backward walk
        assert seen == sorted(set(seen))
        assert set(seen) == set(existing) - removed_unseen


class TestCreateErrors:
    """Create requests the fake refuses."""

    @pytest.mark.parametrize(
        ("content", "title"),
        [
            (b'{"matchCriteria": ', "not valid JSON"),
            (b"[1, 2]", "must be a JSON object"),
            (b'"text"', "must be a JSON object"),
            (b'{"a":' * 15_000 + b"1" + b"}" * 15_000, "nested too deeply"),  # < 100 kB
        ],
    )
    async def test_not_a_json_object(
        self, raw: httpx.AsyncClient, content: bytes, title: str
    ) -> None:
        """A body that is not a JSON object is a 400 bad_request saying so."""
        response = await raw.post(
            PATH, content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        ((code, message),) = errors_of(response)
        assert code == "bad_request"
        assert title in message

    async def test_each_problem_is_an_error(self, raw: httpx.AsyncClient) -> None:
        """A body failing the spec's schema lists one error per problem, worded like the API."""
        body = {
            "matchCriteria": {"type": "whatsapp", "integrationId": "i", "phoneNumber": "555"},
            "confirmation": {"type": "immediate"},
            "target": {},
        }
        response = await raw.post(PATH, json=body)
        assert response.status_code == 400
        errors = errors_of(response)
        assert {code for code, _ in errors} == {"bad_request"}
        assert [title for _, title in errors] == [
            'matchCriteria.phoneNumber should match pattern "^\\+"',
            "target should have required property 'conversationId'",
        ]

    @pytest.mark.parametrize(
        "body",
        [
            {**EXAMPLE_BODY, "matchCriteria": {"type": "pigeon", "integrationId": "i"}},
            {**EXAMPLE_BODY, "target": {"conversationId": 5}},
            {key: value for key, value in EXAMPLE_BODY.items() if key != "confirmation"},
        ],
        ids=["unknown-type", "wrong-type", "missing-field"],
    )
    async def test_invalid_bodies(self, raw: httpx.AsyncClient, body: dict[str, object]) -> None:
        """Whatever the spec's clientCreate schema refuses is a 400."""
        response = await raw.post(PATH, json=body)
        assert response.status_code == 400
        assert errors_of(response)[0][0] == "bad_request"

    async def test_body_over_100_kb(self, fake: FakeSunshine, raw: httpx.AsyncClient) -> None:
        """A body over 100 kB is a 400 and creates nothing."""
        body = {**EXAMPLE_BODY, "padding": "x" * 100_001}
        response = await raw.post(PATH, json=body)
        assert response.status_code == 400
        assert "larger than 100 kB" in errors_of(response)[0][1]
        assert fake.clients(APP, USER) == []

    @pytest.mark.parametrize(
        ("app", "user", "code"),
        [("unknown-app", USER, "app_not_found"), (APP, "unknown-user", "user_not_found")],
    )
    async def test_not_found(self, fake: FakeSunshine, app: str, user: str, code: str) -> None:
        """Creating for an unknown app or user is a 404 with its own code."""
        async with fake.session() as session:
            with pytest.raises(sunshine_async.NotFoundError) as caught:
                await session.apps[app].users[user].clients.create(EXAMPLE_BODY)
        assert caught.value.code == code


class TestListErrors:
    """List requests the fake refuses."""

    @pytest.mark.parametrize(
        "params",
        [
            {"page[after]": "a" * 24, "page[before]": "b" * 24},
            {"page[size]": "0"},
            {"page[size]": "101"},
            {"page[size]": "-1"},
            {"page[size]": "2.5"},
            {"page[size]": "ten"},
            {"page[size]": ""},
            {"page[size]": "9" * 5000},
            {"page[after]": "a" * 23},
            {"page[before]": "b" * 25},
            {"page[after]": ""},
            (("page[size]", "5"), ("page[size]", "6")),
        ],
    )
    async def test_invalid_page_query(
        self, raw: httpx.AsyncClient, params: dict[str, str] | tuple[tuple[str, str], ...]
    ) -> None:
        """Bad page parameters are a 400 'Invalid page query parameters'."""
        response = await raw.get(PATH, params=params)
        assert response.status_code == 400
        assert errors_of(response) == [("bad_request", "Invalid page query parameters")]

    async def test_unknown_keys_are_ignored(
        self, fake: FakeSunshine, raw: httpx.AsyncClient
    ) -> None:
        """A page object sent as JSON is ignored, as the API ignores it."""
        fake.add_clients(APP, USER, 30)
        response = await raw.get(PATH, params={"page": '{"after": "x"}', "brandId": "b"})
        assert response.status_code == 200
        data = response.json()
        assert len(data["clients"]) == 25
        assert "&page[size]=25&" in data["links"]["next"]
        assert data["links"]["next"].endswith("&brandId=b")

    @pytest.mark.parametrize(
        ("app", "user", "code"),
        [("unknown-app", USER, "app_not_found"), (APP, "unknown-user", "user_not_found")],
    )
    async def test_not_found(self, fake: FakeSunshine, app: str, user: str, code: str) -> None:
        """Listing an unknown app's or user's clients is a 404 with its own code."""
        async with fake.session() as session:
            with pytest.raises(sunshine_async.NotFoundError) as caught:
                await session.apps[app].users[user].clients.list().__anext__()
        assert caught.value.code == code


class TestRemoveErrors:
    """Remove requests the fake refuses."""

    async def test_unknown_client(self, fake: FakeSunshine) -> None:
        """Removing an unknown client is a 404 client_not_found."""
        async with fake.session() as session:
            with pytest.raises(sunshine_async.NotFoundError) as caught:
                await session.apps[APP].users[USER].clients.remove("0" * 24)
        assert caught.value.errors == [
            sunshine_async.ErrorDetail(code="client_not_found", title="Client not found")
        ]

    async def test_sdk_client(self, fake: FakeSunshine) -> None:
        """An sdk client cannot be removed: 400, and it stays."""
        (sdk,) = fake.add_clients(APP, USER, 1, type="sdk")
        async with fake.session() as session:
            with pytest.raises(sunshine_async.BadRequestError) as caught:
                await session.apps[APP].users[USER].clients.remove(sdk)
        assert caught.value.errors == [
            sunshine_async.ErrorDetail(
                code="bad_request", title="Cannot remove a client of type 'sdk'"
            )
        ]
        assert fake.clients(APP, USER) == [sdk]

    async def test_unknown_user(self, fake: FakeSunshine) -> None:
        """Removing a client of an unknown user is a 404 user_not_found."""
        async with fake.session() as session:
            with pytest.raises(sunshine_async.NotFoundError) as caught:
                await session.apps[APP].users["ghost"].clients.remove("0" * 24)
        assert caught.value.code == "user_not_found"


class TestRouting:
    """Paths and methods outside the three endpoints."""

    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/v2/unknown",
            f"/v2/apps/{APP}/users/{USER}/friends",
            f"/v1/apps/{APP}/users/{USER}/clients",
            f"{PATH}/",
            f"{PATH}/x/y",
            f"/v2/apps//users/{USER}/clients",
        ],
    )
    async def test_unknown_route(self, raw: httpx.AsyncClient, path: str) -> None:
        """A path that is no operation of the spec is a 404 not_found."""
        response = await raw.get(path)
        assert response.status_code == 404
        assert errors_of(response)[0][0] == "not_found"

    @pytest.mark.parametrize(
        ("method", "path", "allow"),
        [
            ("PUT", PATH, "GET, POST"),
            ("DELETE", PATH, "GET, POST"),
            ("GET", f"{PATH}/{'0' * 24}", "DELETE"),
            ("PATCH", f"{PATH}/{'0' * 24}", "DELETE"),
        ],
    )
    async def test_wrong_method(
        self, raw: httpx.AsyncClient, method: str, path: str, allow: str
    ) -> None:
        """A wrong method is a 405 in the error shape, with an Allow header."""
        response = await raw.request(method, path)
        assert response.status_code == 405
        assert response.headers["allow"] == allow
        assert errors_of(response)[0][0] == "method_not_allowed"

    async def test_root_path(self, fake: FakeSunshine) -> None:
        """Mounted under a root path (like Zendesk's /sc), routes and links keep it."""
        fake.add_clients(APP, USER, 3)
        transport = httpx.ASGITransport(app=fake, root_path="/sc")
        session = Session(
            key_id=fake.key_id,
            secret=fake.secret,
            base_url="https://acme.zendesk.com/sc",
            transport=transport,
        )
        async with session:
            pages = [p async for p in session.apps[APP].users[USER].clients.pages(page_size=2)]
        assert pages[0].links.next is not None
        assert pages[0].links.next.startswith(f"https://acme.zendesk.com/sc{PATH}?")


def basic(key_id: str, secret: str) -> str:
    """A Basic Authorization header value."""
    return "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()


def token(secret: str = LONG_SECRET, *, kid: str = "app_fake_key", **claims: object) -> str:
    """An HS256 JWT with the given kid and claims (scope app unless told)."""
    payload = {"scope": "app", **claims}
    return jwt.encode(payload, secret, algorithm="HS256", headers={"kid": kid})


class TestAuth:
    """Basic and Bearer authentication."""

    @pytest.mark.parametrize(
        ("authorization", "title"),
        [
            (None, "Missing Authorization header"),
            (basic("app_fake_key", "wrong"), "Invalid key id or secret"),
            (basic("app_other", "fake-secret"), "Invalid key id or secret"),
            ("Basic !!!not-base64", "Malformed Basic credentials"),
            ("Basic \u00e9t\u00e9", "Malformed Basic credentials"),  # not ASCII at all
            ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "Malformed Basic credentials"),
            ("Digest abc", "Authorization must be Basic or Bearer"),
            ("Bearer not-a-jwt", "Invalid JWT"),
        ],
    )
    async def test_rejected(
        self, fake: FakeSunshine, authorization: str | None, title: str
    ) -> None:
        """Missing or wrong credentials are a 401 unauthorized."""
        # latin-1 bytes: httpx refuses a non-ASCII str header, a server still gets them
        headers: dict[bytes, bytes] = (
            {} if authorization is None else {b"authorization": authorization.encode("latin-1")}
        )
        async with httpx.AsyncClient(
            transport=fake.transport(), base_url=fake.base_url, headers=headers
        ) as client:
            response = await client.get(PATH)
        assert response.status_code == 401
        ((code, message),) = errors_of(response)
        assert code == "unauthorized"
        assert title in message

    async def test_wrong_secret_through_sdk(self, fake: FakeSunshine) -> None:
        """The SDK raises AuthenticationError for a wrong secret."""
        async with fake.session(secret="wrong", max_retries=0) as session:
            with pytest.raises(sunshine_async.AuthenticationError) as caught:
                await session.apps[APP].users[USER].clients.list().__anext__()
        assert caught.value.code == "unauthorized"

    async def test_valid_basic(self, fake: FakeSunshine) -> None:
        """The configured key id and secret get in with Basic auth."""
        fake.add_clients(APP, USER, 2)
        async with fake.session() as session:
            assert len([c async for c in session.apps[APP].users[USER].clients.list()]) == 2

    @pytest.mark.parametrize(
        ("key_id", "scope"),
        [("app_fake_key", "app"), ("act_fake_key", "account"), ("int_fake_key", "integration")],
    )
    async def test_minted_jwt(self, key_id: str, scope: sunshine_async._types.Scope) -> None:
        """Session(use_jwt=True) gets in with the scope that matches the key's type."""
        fake = FakeSunshine(key_id=key_id, secret=LONG_SECRET)
        fake.add_user(APP, user_id=USER)
        fake.add_clients(APP, USER, 3)
        async with fake.session(use_jwt=True, scope=scope) as session:
            assert len([c async for c in session.apps[APP].users[USER].clients.list()]) == 3

    @pytest.mark.parametrize("scope", ["account", "integration"])
    async def test_jwt_scope_must_match_key(self, scope: sunshine_async._types.Scope) -> None:
        """An app_ key's token with another scope is refused, as the API does."""
        fake = FakeSunshine(secret=LONG_SECRET)
        fake.add_user(APP, user_id=USER)
        async with fake.session(use_jwt=True, scope=scope, max_retries=0) as session:
            with pytest.raises(sunshine_async.AuthenticationError, match="scoped tokens"):
                await session.apps[APP].users[USER].clients.list().__anext__()

    @pytest.mark.parametrize(
        ("jwt_token", "title"),
        [
            (token(kid="app_other"), "kid"),
            (token(scope="user"), "scope"),
            (token("another-secret-that-is-long-enough-for-hs256"), "Invalid JWT"),
            (token(exp=int(time.time()) - 60), "Invalid JWT"),
            (jwt.encode({"scope": "app"}, None, algorithm="none"), "Invalid JWT"),
        ],
        ids=["wrong-kid", "user-scope", "wrong-secret", "expired", "unsigned"],
    )
    async def test_bad_jwt(self, jwt_token: str, title: str) -> None:
        """A JWT with the wrong kid, scope or signature, or expired, is a 401."""
        fake = FakeSunshine(secret=LONG_SECRET)
        fake.add_user(APP, user_id=USER)
        async with fake.session(jwt=jwt_token, max_retries=0) as session:
            with pytest.raises(sunshine_async.AuthenticationError) as caught:
                await session.apps[APP].users[USER].clients.list().__anext__()
        assert title in caught.value.errors[0].title

    async def test_short_secret_jwt_is_checked_quietly(self, fake: FakeSunshine) -> None:
        """A token signed with the short default secret is accepted without a warning."""
        with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
            short = token(fake.secret)
        async with fake.session(jwt=short) as session:
            assert [c async for c in session.apps[APP].users[USER].clients.list()] == []

    async def test_bearer_without_pyjwt(
        self, fake: FakeSunshine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without PyJWT, Bearer tokens get a 401 that says PyJWT is needed."""
        monkeypatch.setitem(sys.modules, "jwt", None)
        async with fake.session(jwt=token()) as session:
            with pytest.raises(sunshine_async.AuthenticationError) as caught:
                await session.apps[APP].users[USER].clients.list().__anext__()
        assert "PyJWT" in caught.value.errors[0].title


class TestFaults:
    """Injected latency, statuses and broken connections."""

    async def test_latency_uses_the_sleep_function(self) -> None:
        """Latency calls the injected sleep, for the next N requests only."""
        recorder = Recorder()
        fake = FakeSunshine(sleep=recorder)
        fake.add_user(APP, user_id=USER)
        fake.inject(Latency(1.5), times=2)
        fake.inject(Latency(0.25), times=1)
        async with fake.session() as session:
            clients = session.apps[APP].users[USER].clients
            for _ in range(3):
                assert [c async for c in clients.list()] == []
        assert recorder.calls == [1.75, 1.5]

    async def test_latency_holds_the_response(self) -> None:
        """A response waits for as long as the sleep function does."""
        entered, release = anyio.Event(), anyio.Event()

        async def blocking_sleep(seconds: float) -> None:
            entered.set()
            await release.wait()

        fake = FakeSunshine(sleep=blocking_sleep)
        fake.add_user(APP, user_id=USER)
        fake.add_clients(APP, USER, 2)
        fake.inject(Latency(30))
        results: list[int] = []
        async with fake.session() as session:
            clients = session.apps[APP].users[USER].clients

            async def list_them() -> None:
                results.append(len([c async for c in clients.list()]))

            with anyio.fail_after(5):
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(list_them)
                    await entered.wait()
                    assert results == []
                    release.set()
        assert results == [2]

    async def test_429_then_success(self, fake: FakeSunshine) -> None:
        """A 429 with Retry-After is retried by the SDK after the asked delay."""
        fake.add_clients(APP, USER, 3)
        fake.inject(Status(429, retry_after=3), times=1)
        waits = Recorder()
        async with fake.session(retry_sleep=waits) as session:
            assert len([c async for c in session.apps[APP].users[USER].clients.list()]) == 3
        assert waits.calls == [3.0]
        assert [r.method for r in fake.requests] == ["GET", "GET"]

    async def test_429_shape(self, fake: FakeSunshine, raw: httpx.AsyncClient) -> None:
        """An injected 429 has the error shape, code too_many_requests and Retry-After."""
        fake.inject(Status(429, retry_after=2.5), times=1)
        response = await raw.get(PATH)
        assert response.status_code == 429
        assert response.headers["retry-after"] == "2.5"
        assert errors_of(response)[0][0] == "too_many_requests"

    async def test_429_without_retries(self, fake: FakeSunshine) -> None:
        """With retries off, the SDK raises RateLimitError carrying retry_after."""
        fake.inject(Status(429, retry_after=7))
        async with fake.session(max_retries=0) as session:
            with pytest.raises(sunshine_async.RateLimitError) as caught:
                await session.apps[APP].users[USER].clients.list().__anext__()
        assert caught.value.retry_after == 7.0
        assert caught.value.code == "too_many_requests"

    async def test_503_until_cleared(self, fake: FakeSunshine) -> None:
        """A 503 on every request exhausts the retries; clear_faults ends it."""
        fake.inject(Status(503))
        async with fake.session(max_retries=2, retry_sleep=Recorder()) as session:
            clients = session.apps[APP].users[USER].clients
            with pytest.raises(sunshine_async.ServerError) as caught:
                await clients.list().__anext__()
            assert caught.value.status_code == 503
            assert caught.value.code == "server_error"
            assert len(fake.requests) == 3
            fake.clear_faults()
            assert [c async for c in clients.list()] == []

    async def test_status_creates_nothing(self, fake: FakeSunshine) -> None:
        """A request answered by an injected status is not handled."""
        fake.inject(Status(500), times=1)
        async with fake.session() as session:
            with pytest.raises(sunshine_async.ServerError):
                await session.apps[APP].users[USER].clients.create(EXAMPLE_BODY)
        assert fake.clients(APP, USER) == []

    async def test_drop_get_is_retried(self, fake: FakeSunshine) -> None:
        """A dropped GET is retried by the SDK and succeeds."""
        fake.add_clients(APP, USER, 4)
        fake.inject(DropConnection(), times=1)
        async with fake.session(retry_sleep=Recorder()) as session:
            assert len([c async for c in session.apps[APP].users[USER].clients.list()]) == 4
        assert [r.method for r in fake.requests] == ["GET", "GET"]

    async def test_drop_post_is_not_retried(self, fake: FakeSunshine) -> None:
        """A dropped POST is not retried: the client exists once, the caller sees an error."""
        fake.inject(DropConnection(), times=1)
        async with fake.session(retry_sleep=Recorder()) as session:
            with pytest.raises(sunshine_async.ApiConnectionError) as caught:
                await session.apps[APP].users[USER].clients.create(EXAMPLE_BODY)
        assert isinstance(caught.value.__cause__, httpx.ReadError)
        assert [r.method for r in fake.requests] == ["POST"]
        (created,) = fake.clients(APP, USER)
        assert created.status == "pending"

    async def test_refused_post_is_retried(self, fake: FakeSunshine) -> None:
        """A refused POST never reached the app, so the SDK sends it again."""
        fake.inject(RefuseConnection(), times=1)
        async with fake.session(retry_sleep=Recorder()) as session:
            created = await session.apps[APP].users[USER].clients.create(EXAMPLE_BODY)
        assert fake.clients(APP, USER) == [created]
        assert [r.method for r in fake.requests] == ["POST", "POST"]

    async def test_refused_without_retries(self, fake: FakeSunshine) -> None:
        """With retries off, a refused connection is an ApiConnectionError from ConnectError."""
        fake.inject(RefuseConnection())
        async with fake.session(max_retries=0) as session:
            with pytest.raises(sunshine_async.ApiConnectionError) as caught:
                await session.apps[APP].users[USER].clients.list().__anext__()
        assert isinstance(caught.value.__cause__, httpx.ConnectError)

    @staticmethod
    async def statuses(seed: int, *, times: int | None = None) -> list[int]:
        """The statuses of 60 requests to a fake failing a third of them."""
        fake = FakeSunshine(seed=seed)
        fake.add_user(APP, user_id=USER)
        fake.inject(Status(503), rate=1 / 3, times=times)
        async with httpx.AsyncClient(
            transport=fake.transport(), base_url=fake.base_url, auth=(fake.key_id, fake.secret)
        ) as client:
            return [(await client.get(PATH)).status_code for _ in range(60)]

    async def test_rate_is_reproducible(self) -> None:
        """The same seed fails the same requests; another seed fails others."""
        first, again, other = await self.statuses(1), await self.statuses(1), await self.statuses(2)
        assert first == again
        assert first != other
        assert 5 < first.count(503) < 40

    async def test_rate_with_times(self) -> None:
        """rate and times together fire at random, but only that many times."""
        assert (await self.statuses(3, times=4)).count(503) == 4

    @pytest.mark.parametrize(
        ("call", "error"),
        [
            (lambda f: f.inject(Latency(1), times=0), ValueError),
            (lambda f: f.inject(Latency(1), times=True), TypeError),
            (lambda f: f.inject(Latency(1), rate=1.5), ValueError),
            (lambda f: f.inject("latency"), TypeError),
            (lambda f: Latency(-1), ValueError),
            (lambda f: Status(200), ValueError),
            (lambda f: Status(429, retry_after=float("nan")), ValueError),
        ],
    )
    def test_bad_injections(self, call: object, error: type[Exception]) -> None:
        """Nonsense faults and injection settings are refused."""
        assert callable(call)
        with pytest.raises(error):
            call(FakeSunshine())


class TestRequestLog:
    """fake.requests."""

    async def test_records_everything(self, fake: FakeSunshine) -> None:
        """Every request is logged, rejected and refused ones too, path raw, query decoded."""
        (client,) = fake.add_clients(APP, USER, 1)
        async with fake.session(max_retries=0) as session:
            clients = session.apps[APP].users["a b"].clients
            with pytest.raises(sunshine_async.NotFoundError):
                await clients.list(after="5" * 24).__anext__()
            fake.inject(RefuseConnection(), times=1)
            with pytest.raises(sunshine_async.ApiConnectionError):
                await session.apps[APP].users[USER].clients.remove(client)
        async with fake.session(secret="nope") as session:
            with pytest.raises(sunshine_async.AuthenticationError):
                await session.apps[APP].users[USER].clients.create(EXAMPLE_BODY)
        assert [(r.method, r.path, r.query) for r in fake.requests] == [
            (
                "GET",
                f"/v2/apps/{APP}/users/a%20b/clients",
                (("page[after]", "5" * 24), ("page[size]", "100")),
            ),
            ("DELETE", f"{PATH}/{client.id}", ()),
            ("POST", PATH, ()),
        ]
        assert fake.requests[2].json == EXAMPLE_BODY

    def test_recorded_request_is_frozen(self) -> None:
        """RecordedRequest is immutable and hashable."""
        record = RecordedRequest(method="GET", path="/", query=())
        assert hash(record) == hash(RecordedRequest(method="GET", path="/", query=()))
        with pytest.raises(AttributeError):
            record.method = "POST"  # type: ignore[misc]


@pytest.fixture
def served(fake: FakeSunshine) -> Iterator[str]:
    """The fake served on a loopback socket; yields its base URL."""
    with serve_in_thread(fake) as url:
        yield url


class TestOverSocket:
    """The same fake served by uvicorn on 127.0.0.1."""

    async def test_lifecycle(self, fake: FakeSunshine, served: str) -> None:
        """Create, list (with links on the served host) and remove over a real socket."""
        assert served.startswith("http://127.0.0.1:")
        fake.add_clients(APP, USER, 150)
        async with Session(key_id=fake.key_id, secret=fake.secret, base_url=served) as session:
            clients = session.apps[APP].users[USER].clients
            created = await clients.create(EXAMPLE_BODY)
            pages = [p async for p in clients.pages()]
            assert pages[0].links.next is not None
            assert pages[0].links.next.startswith(f"{served}{PATH}?page[after]=")
            listed = [c for p in pages for c in p.clients]
            assert len(listed) == 151
            assert listed[-1] == created
            await clients.remove(created)
        assert len(fake.clients(APP, USER)) == 150

    async def test_errors(self, fake: FakeSunshine, served: str) -> None:
        """Error statuses and auth failures come through the socket intact."""
        async with Session(key_id=fake.key_id, secret="wrong", base_url=served) as session:
            with pytest.raises(sunshine_async.AuthenticationError):
                await session.apps[APP].users[USER].clients.list().__anext__()
        async with Session(key_id=fake.key_id, secret=fake.secret, base_url=served) as session:
            with pytest.raises(sunshine_async.NotFoundError) as caught:
                await session.apps[APP].users["nobody"].clients.remove("0" * 24)
        assert caught.value.code == "user_not_found"

    async def test_drop_connection(self, fake: FakeSunshine, served: str) -> None:
        """A dropped connection is seen as broken, and a GET is retried."""
        fake.add_clients(APP, USER, 3)
        fake.inject(DropConnection(), times=1)
        quick = sunshine_async.RetryPolicy(sleep=Recorder())
        async with Session(
            key_id=fake.key_id, secret=fake.secret, base_url=served, retry=quick
        ) as session:
            assert len([c async for c in session.apps[APP].users[USER].clients.list()]) == 3
        fake.inject(DropConnection(), times=1)
        async with Session(
            key_id=fake.key_id, secret=fake.secret, base_url=served, max_retries=0
        ) as session:
            with pytest.raises(sunshine_async.ApiConnectionError):
                await session.apps[APP].users[USER].clients.list().__anext__()
        assert len(fake.requests) == 3

    async def test_refuse_connection(self, fake: FakeSunshine, served: str) -> None:
        """Over a socket, RefuseConnection breaks the connection without handling the request."""
        fake.inject(RefuseConnection(), times=1)
        quick = sunshine_async.RetryPolicy(sleep=Recorder())
        async with Session(
            key_id=fake.key_id, secret=fake.secret, base_url=served, retry=quick
        ) as session:
            with pytest.raises(sunshine_async.ApiConnectionError):
                await session.apps[APP].users[USER].clients.create(EXAMPLE_BODY)
            assert fake.clients(APP, USER) == []
            created = await session.apps[APP].users[USER].clients.create(EXAMPLE_BODY)
        assert fake.clients(APP, USER) == [created]


def test_session_signature_follows_session() -> None:
    """FakeSunshine.session takes every Session argument (plus retry_sleep), same defaults."""
    own = inspect.signature(sunshine_async.Session).parameters
    fake = dict(inspect.signature(FakeSunshine.session).parameters)
    fake.pop("self")
    assert fake.pop("retry_sleep").default is None
    assert list(fake) == list(own)
    for name in ("use_jwt", "scope", "timeout", "max_retries"):
        assert fake[name].default == own[name].default


@pytest.mark.anyio
async def test_retry_sleep_replaces_backoff() -> None:
    """retry_sleep receives the backoff delays instead of anyio.sleep."""
    fake = FakeSunshine()
    app = fake.add_app()
    user = fake.add_user(app)
    fake.inject(Status(503), times=2)
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    async with fake.session(retry_sleep=record) as session:
        assert [c async for c in session.apps[app].users[user].clients.list()] == []
    assert len(delays) == 2


@pytest.mark.anyio
async def test_base_url_with_path_prefix() -> None:
    """A Zendesk-style base URL (/sc prefix) works through fake.session(), links included."""
    fake = FakeSunshine(base_url="https://acme.zendesk.com/sc")
    app = fake.add_app()
    user = fake.add_user(app)
    fake.add_clients(app, user, 5)
    async with fake.session() as session:
        pages = [p async for p in session.apps[app].users[user].clients.pages(page_size=2)]
    assert [len(p.clients) for p in pages] == [2, 2, 1]
    assert pages[0].links.next is not None
    assert pages[0].links.next.startswith(f"https://acme.zendesk.com/sc/v2/apps/{app}/")
    assert fake.requests[0].path.startswith("/sc/v2/apps/")


@pytest.mark.anyio
async def test_stacked_statuses_take_turns() -> None:
    """Two Status faults with times=1 hit two requests, one each, in order."""
    fake = FakeSunshine()
    app = fake.add_app()
    user = fake.add_user(app)
    fake.inject(Status(503), times=1)
    fake.inject(Status(429, retry_after=0), times=1)
    async with fake.session(max_retries=0) as session:
        clients = session.apps[app].users[user].clients
        with pytest.raises(sunshine_async.ServerError):
            await clients.list().__anext__()
        with pytest.raises(sunshine_async.RateLimitError):
            await clients.list().__anext__()
        assert [c async for c in clients.list()] == []
