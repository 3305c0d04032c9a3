"""Tests for `sunshine_async._urls`: base URLs, path segments, operation paths, queries.

Plain synchronous tests, no event loop.
"""

from __future__ import annotations

import httpx
import pytest

from sunshine_async import InvalidArgumentError
from sunshine_async._generated.operations import OPERATIONS
from sunshine_async._urls import (
    build_url,
    encode_query,
    normalize_base_url,
    operation_path,
    quote_segment,
)


def clients_path(app_id: str, user_id: str, client_id: str | None = None) -> str:
    """The Clients' paths, built from the operation table as the SDK builds them."""
    ids = {"appId": app_id, "userIdOrExternalId": user_id}
    if client_id is None:
        return operation_path(OPERATIONS["ListClients"], ids)
    return operation_path(OPERATIONS["RemoveClient"], {**ids, "clientId": client_id})


CURSOR = "5ebee0975ac5304b664a12fa"


class TestQuoteSegment:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("plain-id_1.x~", "plain-id_1.x~"),
            ("a/b", "a%2Fb"),
            ("a?b=c", "a%3Fb%3Dc"),
            ("a#b", "a%23b"),
            ("steve b", "steve%20b"),
            ("a+b", "a%2Bb"),
            ("100%", "100%25"),
            ("é", "%C3%A9"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("...", "%2E%2E%2E"),
            ("../etc", "..%2Fetc"),
        ],
    )
    def test_encodes_one_segment(self, value: str, expected: str) -> None:
        """Every reserved, space and non-ASCII character, and dot-only segments, are encoded."""
        assert quote_segment(value) == expected

    @pytest.mark.parametrize("hostile", ["../..", "a/../../b", "?x=1", "#frag", "a b/c"])
    def test_hostile_ids_stay_in_their_segment(self, hostile: str) -> None:
        """An id can never change which URL is called, even after httpx normalises it."""
        url = httpx.URL(build_url("https://h/sc", clients_path("app", hostile, "cli")))
        assert url.path.startswith("/sc/v2/apps/app/users/")
        assert url.raw_path.decode().split("/")[1:] == [
            "sc",
            "v2",
            "apps",
            "app",
            "users",
            quote_segment(hostile),
            "clients",
            "cli",
        ]
        assert url.query == b""
        assert url.fragment == ""


class TestUrls:
    def test_clients_paths_from_the_table(self) -> None:
        """The Clients' paths from the operation table follow the reference exactly."""
        assert clients_path("a", "u") == "/v2/apps/a/users/u/clients"
        assert clients_path("a", "u", "c") == "/v2/apps/a/users/u/clients/c"

    def test_encode_query_keeps_deep_object_keys(self) -> None:
        """Query keys are page[after]=…, never a JSON object; values are encoded."""
        query = encode_query([("page[after]", CURSOR), ("page[size]", "100"), ("brandId", "a&b")])
        assert query == f"page[after]={CURSOR}&page[size]=100&brandId=a%26b"

    @pytest.mark.parametrize("path", ["x.evil.example/v2", "@evil.example/v2", "/v2?x=1", "/v2#f"])
    def test_build_url_path_cannot_change_host(self, path: str) -> None:
        """A path that could change the host or add a query is refused."""
        with pytest.raises(InvalidArgumentError, match="path"):
            build_url("https://api.smooch.io", path)

    def test_build_url_with_prefix(self) -> None:
        """A base URL path prefix (/sc) comes before /v2."""
        url = build_url("https://acme.zendesk.com/sc", "/v2/x", [("page[size]", "5")])
        assert url == "https://acme.zendesk.com/sc/v2/x?page[size]=5"
        assert build_url("https://h", "/v2/x") == "https://h/v2/x"

    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("https://api.smooch.io", "https://api.smooch.io"),
            ("https://api.smooch.io/", "https://api.smooch.io"),
            ("https://acme.zendesk.com/sc/", "https://acme.zendesk.com/sc"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080/", "http://[::1]:8080"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://fake.test", "http://fake.test"),
        ],
    )
    def test_normalize_base_url(self, given: str, expected: str) -> None:
        """Trailing slashes go; the prefix stays."""
        assert normalize_base_url(given) == expected

    @pytest.mark.parametrize(
        "bad",
        [
            "api.smooch.io",
            "ftp://x",
            "https://h/?q=1",
            "https://user:pw@h",
            "",
            "https://",
            "https://[::1",
            "https://h:99999",
            "http://api.smooch.io",
            "http://10.0.0.5:8080",
        ],
    )
    def test_normalize_base_url_rejects(self, bad: str) -> None:
        """A base URL without scheme, with a query or with credentials is refused."""
        with pytest.raises(InvalidArgumentError):
            normalize_base_url(bad)
