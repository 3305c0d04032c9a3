"""Tests for `sunshine_async._resources`: the wire format of create, list, pages and remove."""

from __future__ import annotations

import gc
import inspect
import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import respx

import sunshine_async as sa
from sunshine_async import Session

from .conftest import APP_ID, BASE_URL, EXAMPLE_BODY, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

CLIENTS_PATH = f"/v2/apps/{APP_ID}/users/steveb%40example.com/clients"
CLIENT_JSON = {
    "id": "5ebee0975ac5304b664a12fa",
    "type": "whatsapp",
    "status": "pending",
    "integrationId": "582dedf230e788746891281a",
    "externalId": "15145555555",
}


def cursor(n: int) -> str:
    """The n-th fake 24-character cursor (the id of client n)."""
    return f"{n:024x}"


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with Session(key_id=KEY_ID, secret=SECRET, max_retries=0) as s:
        yield s


@pytest.fixture
def clients(session: Session) -> sa.ClientsResource:
    return session.apps[APP_ID].users[USER_ID].clients


def paginate(total: int) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect serving `total` clients with real cursor semantics."""
    ids = [cursor(n) for n in range(1, total + 1)]

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        size = int(params.get("page[size]", "25"))
        if "page[before]" in params:
            end = ids.index(params["page[before]"])
            start = max(0, end - size)
        else:
            start = ids.index(params["page[after]"]) + 1 if "page[after]" in params else 0
            end = min(total, start + size)
        page = ids[start:end]
        backwards = "page[before]" in params
        meta: dict[str, object] = {"hasMore": start > 0 if backwards else end < total}
        if page and end < total:
            meta["afterCursor"] = page[-1]
        if page and start > 0:
            meta["beforeCursor"] = page[0]
        return httpx.Response(
            200,
            json={"clients": [{"id": i, "type": "sdk"} for i in page], "meta": meta, "links": {}},
        )

    return handler


class TestResourceObjects:
    async def test_reprs_show_ids_only(self, session: Session) -> None:
        """Resources are cheap objects whose reprs show their ids."""
        user = session.apps[APP_ID].users[USER_ID]
        assert repr(session.apps[APP_ID]) == f"AppResource(app_id='{APP_ID}')"
        assert repr(user) == f"UserResource(app_id='{APP_ID}', user_id='{USER_ID}')"
        assert repr(user.clients) == f"ClientsResource(app_id='{APP_ID}', user_id='{USER_ID}')"
        branded = session.apps[APP_ID].user(USER_ID, brand_id="b1")
        assert "brand_id='b1'" in repr(branded.clients)
        assert SECRET not in repr(user.clients)

    @pytest.mark.parametrize("bad", ["", None, 42])
    async def test_ids_validated(self, session: Session, bad: object) -> None:
        """Empty or non-str ids raise InvalidArgumentError (a ValueError) at once."""
        with pytest.raises(ValueError, match="app_id"):
            session.apps[bad]  # type: ignore[index]
        with pytest.raises(ValueError, match="user_id_or_external_id"):
            session.apps[APP_ID].users[bad]  # type: ignore[index]
        if bad is not None:  # None means "no brand"
            with pytest.raises(ValueError, match="brand_id"):
                session.apps[APP_ID].user(USER_ID, brand_id=bad)  # type: ignore[arg-type]


class TestCreate:
    async def test_with_models(self, api: respx.MockRouter, clients: sa.ClientsResource) -> None:
        """create() POSTs the camelCase body and returns the typed Client."""
        route = api.post(CLIENTS_PATH).respond(201, json={"client": CLIENT_JSON})
        client = await clients.create(
            match_criteria=sa.MatchCriteriaWhatsapp(
                integration_id="582dedf230e788746891281a",
                phone_number="+15145555555",
                primary=True,
            ),
            confirmation=sa.Confirmation(type="immediate"),
            target=sa.Target(conversation_id="029c31f25a21b47effd7be90"),
        )
        request = route.calls.last.request
        assert request.method == "POST"
        assert request.url == BASE_URL + CLIENTS_PATH
        assert json.loads(request.content) == EXAMPLE_BODY
        assert request.headers["content-type"] == "application/json"
        assert client == sa.Client(
            id="5ebee0975ac5304b664a12fa",
            type=sa.ClientType.WHATSAPP,
            status=sa.ClientStatus.PENDING,
            integration_id="582dedf230e788746891281a",
            external_id="15145555555",
        )

    async def test_with_pasted_json(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """A mapping in the API's JSON shape is checked and sent as the same JSON."""
        route = api.post(CLIENTS_PATH).respond(201, json={"client": CLIENT_JSON})
        await clients.create(EXAMPLE_BODY)
        assert json.loads(route.calls.last.request.content) == EXAMPLE_BODY

    async def test_with_client_create(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """A ready ClientCreate is sent as it is."""
        route = api.post(CLIENTS_PATH).respond(201, json={"client": CLIENT_JSON})
        body = sa.CONVERTER.structure(EXAMPLE_BODY, sa.ClientCreate)
        await clients.create(body)
        assert json.loads(route.calls.last.request.content) == EXAMPLE_BODY

    async def test_brand_id_query(self, api: respx.MockRouter, session: Session) -> None:
        """brand_id adds brandId to the query."""
        route = api.post(CLIENTS_PATH, params={"brandId": "br 1"}).respond(
            201, json={"client": CLIENT_JSON}
        )
        await session.apps[APP_ID].user(USER_ID, brand_id="br 1").clients.create(EXAMPLE_BODY)
        assert route.calls.last.request.url.query == b"brandId=br%201"

    @pytest.mark.parametrize(
        ("args", "kwargs", "message"),
        [
            ((), {}, "CreateClient needs a request body"),
            ((EXAMPLE_BODY,), {"target": sa.Target(conversation_id="c")}, "not both"),
            (({"matchCriteria": {}},), {}, "body: needs the field 'confirmation'"),
            (("text",), {}, "a model or a mapping"),
        ],
    )
    async def test_bad_input_sends_nothing(
        self,
        clients: sa.ClientsResource,
        args: tuple[object, ...],
        kwargs: dict[str, object],
        message: str,
    ) -> None:
        """Bad input raises InvalidArgumentError before any request (respx would fail)."""
        with respx.mock(assert_all_mocked=True) as router:
            with pytest.raises(sa.InvalidArgumentError, match=message):
                await clients.create(*args, **kwargs)  # type: ignore[call-overload]
            assert not router.calls

    async def test_bad_response_is_a_validation_error(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """A 201 without a client object: ResponseValidationError, never a failed status."""
        api.post(CLIENTS_PATH).respond(201, json={"clients": []})
        with pytest.raises(sa.ResponseValidationError, match="unexpected response body") as info:
            await clients.create(EXAMPLE_BODY)
        assert not isinstance(info.value, sa.ApiError)
        assert info.value.status_code == 201
        assert info.value.body == b'{"clients":[]}'
        assert api.calls.call_count == 1


class TestRemove:
    async def test_delete(self, api: respx.MockRouter, clients: sa.ClientsResource) -> None:
        """remove() sends DELETE to the client's URL and returns None on 200 {}."""
        route = api.delete(f"{CLIENTS_PATH}/{cursor(7)}").respond(200, json={})
        await clients.remove(cursor(7))
        assert route.calls.last.request.method == "DELETE"

    async def test_accepts_client(self, api: respx.MockRouter, clients: sa.ClientsResource) -> None:
        """A Client object can be passed instead of its id."""
        route = api.delete(f"{CLIENTS_PATH}/{cursor(7)}").respond(200, json={})
        await clients.remove(sa.Client(id=cursor(7)))
        assert route.called

    async def test_not_found(self, api: respx.MockRouter, clients: sa.ClientsResource) -> None:
        """404 client_not_found is a NotFoundError with a one-line message."""
        api.delete(f"{CLIENTS_PATH}/{cursor(7)}").respond(
            404, json={"errors": [{"code": "client_not_found", "title": "Client not found"}]}
        )
        with pytest.raises(sa.NotFoundError) as info:
            await clients.remove(cursor(7))
        assert str(info.value) == (
            f"404 client_not_found: Client not found (DELETE {CLIENTS_PATH}/{cursor(7)})"
        )

    async def test_sdk_client(self, api: respx.MockRouter, clients: sa.ClientsResource) -> None:
        """Removing an sdk client is a BadRequestError."""
        api.delete(f"{CLIENTS_PATH}/{cursor(7)}").respond(
            400,
            json={
                "errors": [{"code": "bad_request", "title": "Cannot remove a client of type 'sdk'"}]
            },
        )
        with pytest.raises(sa.BadRequestError, match="type 'sdk'"):
            await clients.remove(cursor(7))

    @pytest.mark.parametrize("bad", ["", None, sa.Client()])
    async def test_bad_id(self, clients: sa.ClientsResource, bad: object) -> None:
        """An empty id (or a Client without one) is refused before sending."""
        with pytest.raises(sa.InvalidArgumentError, match="client_id"):
            await clients.remove(bad)  # type: ignore[arg-type]

    @pytest.mark.parametrize("dots", [".", "..", "..."])
    async def test_dot_only_ids_refused(self, session: Session, dots: str) -> None:
        """A normalizing proxy would make "..%2E" a dot segment: refused before sending."""
        with respx.mock(assert_all_mocked=True) as router:
            with pytest.raises(sa.InvalidArgumentError, match="dots only"):
                await session.apps["app"].users["user-1"].clients.remove(dots)
            with pytest.raises(sa.InvalidArgumentError, match="dots only"):
                session.apps["app"].users[dots]
            with pytest.raises(sa.InvalidArgumentError, match="dots only"):
                session.apps[dots]
            assert not router.calls

    @pytest.mark.parametrize(
        ("hostile", "encoded"),
        [
            ("../../apps/other", "..%2F..%2Fapps%2Fother"),
            ("a?x=1#f", "a%3Fx%3D1%23f"),
            ("ünï cödé", "%C3%BCn%C3%AF%20c%C3%B6d%C3%A9"),
        ],
    )
    async def test_hostile_ids_encoded(self, session: Session, hostile: str, encoded: str) -> None:
        """Hostile ids reach the server as one encoded segment each, never another URL."""
        with respx.mock(assert_all_mocked=True) as router:
            route = router.delete(url__regex=r".*").respond(200, json={})
            await session.apps[hostile].users[hostile].clients.remove(hostile)
            url = route.calls.last.request.url
        assert url.raw_path == f"/v2/apps/{encoded}/users/{encoded}/clients/{encoded}".encode()
        assert url.host == "api.smooch.io"


class TestList:
    async def test_follows_after_cursor(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """Follows page[after] until hasMore is false, yielding every client once."""
        route = api.get(CLIENTS_PATH).mock(side_effect=paginate(250))
        ids = [c.id async for c in clients.list()]
        assert ids == [cursor(n) for n in range(1, 251)]
        queries = [call.request.url.query.decode() for call in route.calls]
        assert queries == [
            "page[size]=100",
            f"page[after]={cursor(100)}&page[size]=100",
            f"page[after]={cursor(200)}&page[size]=100",
        ]

    async def test_walks_backwards(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """With before=, follows beforeCursor page by page towards the start."""
        api.get(CLIENTS_PATH).mock(side_effect=paginate(100))
        pages = [
            [c.id for c in page.clients]
            async for page in clients.pages(page_size=30, before=cursor(91))
        ]
        assert [len(p) for p in pages] == [30, 30, 30]
        assert pages[0] == [cursor(n) for n in range(61, 91)]
        assert pages[-1][0] == cursor(1)

    @pytest.mark.parametrize("size", [1, 7, 100])
    async def test_many_pages(
        self, api: respx.MockRouter, clients: sa.ClientsResource, size: int
    ) -> None:
        """Any page size walks every client exactly once."""
        api.get(CLIENTS_PATH).mock(side_effect=paginate(123))
        ids = [c.id async for c in clients.list(page_size=size)]
        assert ids == [cursor(n) for n in range(1, 124)]

    async def test_starts_after(self, api: respx.MockRouter, clients: sa.ClientsResource) -> None:
        """after= starts the walk after that cursor."""
        api.get(CLIENTS_PATH).mock(side_effect=paginate(10))
        assert [c.id async for c in clients.list(after=cursor(8))] == [cursor(9), cursor(10)]

    async def test_pages_are_typed(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """pages() yields ClientListResponse objects with meta and links."""
        api.get(CLIENTS_PATH).mock(side_effect=paginate(3))
        pages = [page async for page in clients.pages(page_size=2)]
        assert all(isinstance(p, sa.ClientListResponse) for p in pages)
        assert pages[0].meta == sa.Meta(has_more=True, after_cursor=cursor(2))
        assert pages[1].meta.has_more is False

    async def test_empty(self, api: respx.MockRouter, clients: sa.ClientsResource) -> None:
        """An empty list response (every part optional) yields nothing."""
        api.get(CLIENTS_PATH).respond(200, json={})
        assert [c async for c in clients.list()] == []

    async def test_is_an_iterator_object(self, clients: sa.ClientsResource) -> None:
        """list() and pages() return iterator objects, not async generators."""
        iterator = clients.list()
        assert iterator.__aiter__() is iterator
        made_objects: tuple[object, ...] = (iterator, clients.pages())
        for made in made_objects:
            assert not inspect.isasyncgen(made)
            assert hasattr(made, "__anext__")

    async def test_early_break_fetches_no_more(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """Breaking out after one item leaves nothing open and no warning (warnings are errors)."""
        route = api.get(CLIENTS_PATH).mock(side_effect=paginate(250))
        async for client in clients.list():
            assert client.id == cursor(1)
            break
        gc.collect()
        assert route.call_count == 1

    async def test_missing_cursor_raises_after_the_page(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """hasMore without a cursor yields the page's clients, then a PaginationError."""
        api.get(CLIENTS_PATH).respond(
            200, json={"clients": [{"id": cursor(1)}], "meta": {"hasMore": True}}
        )
        iterator = clients.list()
        assert (await iterator.__anext__()).id == cursor(1)
        with pytest.raises(sa.PaginationError, match="no afterCursor"):
            await iterator.__anext__()

    async def test_repeated_cursor_raises(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """A server that returns the same cursor again is stopped, not followed forever."""
        route = api.get(CLIENTS_PATH).respond(
            200,
            json={
                "clients": [{"id": cursor(1)}],
                "meta": {"hasMore": True, "afterCursor": cursor(1)},
            },
        )
        with pytest.raises(sa.PaginationError, match="second time"):
            async for _ in clients.list():
                pass
        assert route.call_count == 2

    async def test_query_is_never_json(
        self, api: respx.MockRouter, clients: sa.ClientsResource
    ) -> None:
        """The page object is sent as deepObject keys, never as page={...}."""
        route = api.get(CLIENTS_PATH).mock(side_effect=paginate(150))
        [c async for c in clients.list()]
        for call in route.calls:
            assert "page" not in call.request.url.params
            assert b"%7B" not in call.request.url.query

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"page_size": 0},
            {"page_size": 101},
            {"after": cursor(1), "before": cursor(2)},
            {"after": "short"},
            {"before": "x" * 25},
        ],
    )
    async def test_bad_arguments_before_any_request(
        self, clients: sa.ClientsResource, kwargs: dict[str, object]
    ) -> None:
        """Bad list arguments raise when list()/pages() is called, before any request."""
        with respx.mock(assert_all_mocked=True) as router:
            with pytest.raises(sa.InvalidArgumentError):
                clients.list(**kwargs)  # type: ignore[arg-type]
            with pytest.raises(sa.InvalidArgumentError):
                clients.pages(**kwargs)  # type: ignore[arg-type]
            assert not router.calls
