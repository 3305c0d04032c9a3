"""Shared fixtures: both anyio backends, always, and a strict respx router."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import respx

from sunshine_async.types import ClientCreateJSON

BASE_URL = "https://api.smooch.io"
APP_ID = "5d8cff3cd55b040010928b5b"
USER_ID = "steveb@example.com"
KEY_ID = "app_5d8cff3cd55b040010928b5c"
SECRET = "s3cr3t-that-must-never-leak-0123456789"


def example_body_for(conversation: str) -> ClientCreateJSON:
    """The reference's example body, linking to ``conversation``."""
    return {
        "matchCriteria": EXAMPLE_BODY["matchCriteria"],
        "confirmation": EXAMPLE_BODY["confirmation"],
        "target": {"conversationId": conversation},
    }


#: The create body the reference gives as its example.
EXAMPLE_BODY: ClientCreateJSON = {
    "matchCriteria": {
        "type": "whatsapp",
        "integrationId": "582dedf230e788746891281a",
        "primary": True,
        "phoneNumber": "+15145555555",
    },
    "confirmation": {"type": "immediate"},
    "target": {"conversationId": "029c31f25a21b47effd7be90"},
}


@pytest.fixture(
    params=[
        pytest.param(("asyncio", {"debug": True}), id="asyncio"),
        pytest.param(("trio", {}), id="trio"),
    ]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """Every async test runs on asyncio (debug mode) and on trio; neither may vanish."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=["h11", "httpcore", "aiohttp"])
def transport(request: pytest.FixtureRequest, anyio_backend: tuple[str, object]) -> str:
    """Each transport the running backend can use (aiohttp is asyncio only)."""
    if request.param == "aiohttp" and anyio_backend[0] != "asyncio":
        pytest.skip("aiohttp runs on asyncio only")
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _h11_unless_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """ "auto" picks the SDK's h11 transport unless a test is marked ``with_aiohttp``.

    So every loopback test that does not name a transport runs on h11 on both loops
    (under respx "auto" picks httpcore, which the mock replaces). A test marked
    ``with_aiohttp`` sees the real
    choice (aiohttp on asyncio when installed and httpx is not mocked), as a user's
    Session would.
    """
    if request.node.get_closest_marker("with_aiohttp") is None:
        monkeypatch.setattr("sunshine_async._transport.aiohttp_installed", lambda: False)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """A respx router for the default base URL that fails on any unmocked or unused route."""
    with respx.mock(base_url=BASE_URL, assert_all_called=True, assert_all_mocked=True) as router:
        yield router


@pytest.fixture(autouse=True)
def _recursion_limit_kept() -> Iterator[None]:
    """Each test starts with the interpreter's recursion limit as it was.

    The type tests run mypy in this process, and mypy raises the limit for itself; a
    test after them that sends JSON nested past the usual limit (the fake's and the
    webhook parser's "nested too deeply") would otherwise see it parse.
    """
    limit = sys.getrecursionlimit()
    yield
    sys.setrecursionlimit(limit)
