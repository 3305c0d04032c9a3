"""Tests for `sunshine_async._raw`: ``with_raw_response`` on every resource."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import httpx
import pytest

import sunshine_async as sa
from sunshine_async import RawResponse, Session
from sunshine_async import _resources as navigation
from sunshine_async._generated import resources as generated
from sunshine_async.types import User

from .conftest import APP_ID, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

USER = {"id": "5963c0d619a30a2e00de36b8", "externalId": USER_ID}
CLIENT = {"id": "5ebee0975ac5304b664a12fa", "type": "whatsapp", "status": "active"}
RATE_LIMIT = {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "99"}


class Answers(httpx.AsyncBaseTransport):
    """Answers with the given (status, body) pairs in turn, then the last one again."""

    def __init__(self, *answers: tuple[int, object]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return httpx.Response(status, json=body, headers=RATE_LIMIT)


async def no_wait(delay: float) -> None:
    """The retry policy's sleep in tests: returns at once."""


def make_session(*answers: tuple[int, object]) -> tuple[Session, Answers]:
    transport = Answers(*answers)
    retry = sa.RetryPolicy(sleep=no_wait)
    return Session(key_id=KEY_ID, secret=SECRET, transport=transport, retry=retry), transport


class TestRawResponse:
    async def test_get_gives_status_headers_and_the_typed_result(self) -> None:
        """users.with_raw_response.get(u): status, rate-limit headers, timing, parse()."""
        session, _ = make_session((200, {"user": USER}))
        async with session:
            raw = await session.apps[APP_ID].users.with_raw_response.get(USER_ID)
        assert raw.status_code == 200
        assert raw.headers["x-ratelimit-remaining"] == "99"
        assert raw.attempts == 1
        assert raw.elapsed >= 0.0
        assert raw.request.method == "GET"
        assert raw.request.url.endswith("/users/steveb%40example.com")
        user = raw.parse()
        assert isinstance(user, User)
        assert user.external_id == USER_ID
        assert raw.json() == {"user": USER}
        assert b"externalId" in raw.content

    async def test_attempts_count_the_retries(self) -> None:
        """Two 503s then a 200: three attempts, the last one's status."""
        session, transport = make_session((503, {}), (503, {}), (200, {"user": USER}))
        async with session:
            raw = await session.apps[APP_ID].users.with_raw_response.get(USER_ID)
        assert (raw.attempts, raw.status_code, len(transport.requests)) == (3, 200, 3)

    async def test_an_error_status_still_raises(self) -> None:
        """A 404 raises NotFoundError as without with_raw_response (it has the headers)."""
        session, _ = make_session((404, {"errors": [{"code": "user_not_found"}]}))
        async with session:
            with pytest.raises(sa.NotFoundError) as caught:
                await session.apps[APP_ID].users.with_raw_response.get(USER_ID)
        assert caught.value.headers["x-ratelimit-remaining"] == "99"

    async def test_a_body_that_does_not_decode_fails_in_parse(self) -> None:
        """A 200 whose body is not a user: the raw response comes, parse() raises."""
        session, _ = make_session((200, {"user": ["not", "a", "user"]}))
        async with session:
            raw = await session.apps[APP_ID].users.with_raw_response.get(USER_ID)
        assert raw.status_code == 200
        with pytest.raises(sa.ResponseValidationError):
            raw.parse()

    async def test_delete_parses_to_none(self) -> None:
        """A call that returns nothing gives None from parse()."""
        session, _ = make_session((200, {}))
        async with session:
            raw = await session.apps[APP_ID].users.with_raw_response.delete(USER_ID)
        assert raw.parse() is None

    async def test_list_gives_the_first_page_only(self) -> None:
        """list() on with_raw_response fetches one page; parse() gives that page."""
        page = {"clients": [CLIENT], "meta": {"hasMore": True, "afterCursor": "a" * 24}}
        session, transport = make_session((200, page))
        async with session:
            clients = session.apps[APP_ID].users[USER_ID].clients
            raw = await clients.with_raw_response.list(page_size=1)
        first = raw.parse()
        assert isinstance(first, sa.ClientListResponse)
        assert [c.id for c in first.clients] == [CLIENT["id"]]
        assert len(transport.requests) == 1

    async def test_a_list_the_api_does_not_page(self) -> None:
        """For a list fetched once, parse() gives the tuple of its items."""
        session, _ = make_session((200, {"users": [USER]}))
        async with session:
            raw = await session.apps[APP_ID].users.with_raw_response.list(email=USER_ID)
        (user,) = raw.parse()
        assert user.id == USER["id"]

    async def test_clients_create_and_remove(self) -> None:
        """The hand-written Clients methods have raw forms too."""
        session, transport = make_session((201, {"client": CLIENT}), (200, {}))
        async with session:
            clients = session.apps[APP_ID].users[USER_ID].clients
            made = await clients.with_raw_response.create(
                match_criteria={
                    "type": "whatsapp",
                    "integrationId": "582dedf230e788746891281a",
                    "phoneNumber": "+15145555555",
                },
                confirmation={"type": "immediate"},
                target={"conversationId": "c"},
            )
            removed = await clients.with_raw_response.remove(CLIENT["id"])
        assert (made.status_code, made.parse().id) == (201, CLIENT["id"])
        assert removed.parse() is None
        assert [r.method for r in transport.requests] == ["POST", "DELETE"]

    async def test_with_options_and_raw_together(self) -> None:
        """A view's resources have with_raw_response, and per-call options pass through."""
        session, transport = make_session((200, {"user": USER}))
        async with session:
            view = session.with_options(headers={"X-Trace": "t"})
            raw = await view.apps[APP_ID].users.with_raw_response.get(
                USER_ID, options=sa.RequestOptions(timeout=3.0)
            )
        assert raw.status_code == 200
        assert transport.requests[0].headers["x-trace"] == "t"
        assert transport.requests[0].extensions["timeout"]["read"] == 3.0

    async def test_no_secret_where_the_request_is_shown(self) -> None:
        """The reprs of the raw response and its request info hold no credential."""
        session, _ = make_session((200, {"user": USER}))
        async with session:
            raw = await session.apps[APP_ID].users.with_raw_response.get(USER_ID)
        authorization = session._credentials.authorization()
        for text in (repr(raw), str(raw), repr(raw.request), str(raw.request)):
            assert SECRET not in text
            assert authorization.split()[1] not in text
        assert repr(raw).startswith("RawResponse(status_code=200, request='GET /v2/apps/")

    async def test_the_resource_is_left_as_it_was(self) -> None:
        """A raw call works on a copy: the resource itself still calls the Session."""
        session, _ = make_session((200, {"user": USER}))
        async with session:
            users = session.apps[APP_ID].users
            await users.with_raw_response.get(USER_ID)
            assert users._requester is session
            assert isinstance(await users.get(USER_ID), User)


class TestEveryResource:
    @staticmethod
    def operations_classes() -> Sequence[type]:
        return [
            getattr(generated, name)
            for name in generated.__all__
            if name.endswith("Operations") and name != "TokenInfoOperations"
        ] + [sa.ClientsResource]

    def test_every_method_has_a_raw_form(self) -> None:
        """Each operations class offers with_raw_response with every one of its calls."""
        for cls in self.operations_classes():
            raw_class = inspect.signature(cls.with_raw_response.fget).return_annotation  # type: ignore[attr-defined]
            raw_cls = getattr(generated, raw_class, None) or getattr(navigation, raw_class)
            public = {
                name
                for name, value in vars(cls).items()
                if callable(value) and not name.startswith("_")
            } - {"pages", "wait_for_link"}
            assert public <= set(vars(raw_cls)), cls.__name__

    def test_the_raw_response_type_is_public(self) -> None:
        """RawResponse is exported, with a public module path."""
        assert RawResponse.__module__ == "sunshine_async"
