"""Tests for a `Session` given no credentials: it reads them from the environment."""

from __future__ import annotations

import base64

import httpx
import pytest

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async._auth import credentials_from_env

from .conftest import APP_ID, KEY_ID, SECRET

pytestmark = pytest.mark.anyio

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImFwcCJ9.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1sZWFr"
VARIABLES = ("SUNSHINE_KEY_ID", "SUNSHINE_KEY_SECRET", "SUNSHINE_JWT", "SUNSHINE_BASE_URL")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def recording_transport(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"app": {"id": APP_ID}})

    return httpx.MockTransport(answer)


class TestSessionFromEnvironment:
    async def test_key_and_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """SUNSHINE_KEY_ID and SUNSHINE_KEY_SECRET become HTTP basic credentials."""
        monkeypatch.setenv("SUNSHINE_KEY_ID", KEY_ID)
        monkeypatch.setenv("SUNSHINE_KEY_SECRET", SECRET)
        seen: list[httpx.Request] = []
        async with Session(transport=recording_transport(seen)) as session:
            await session.apps.get(APP_ID)
        expected = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()
        assert seen[0].headers["authorization"] == f"Basic {expected}"
        assert str(seen[0].url).startswith(sa.DEFAULT_BASE_URL + "/v2/")

    async def test_jwt_and_base_url(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """SUNSHINE_JWT is sent as Bearer, to SUNSHINE_BASE_URL."""
        monkeypatch.setenv("SUNSHINE_JWT", JWT)
        monkeypatch.setenv("SUNSHINE_BASE_URL", "https://acme.zendesk.com/sc/")
        seen: list[httpx.Request] = []
        async with Session(transport=recording_transport(seen)) as session:
            assert session.base_url == "https://acme.zendesk.com/sc"
            await session.apps.get(APP_ID)
        assert seen[0].headers["authorization"] == f"Bearer {JWT}"
        assert str(seen[0].url) == f"https://acme.zendesk.com/sc/v2/apps/{APP_ID}"

    def test_a_given_base_url_wins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """base_url= passed to Session() is kept over SUNSHINE_BASE_URL."""
        monkeypatch.setenv("SUNSHINE_JWT", JWT)
        monkeypatch.setenv("SUNSHINE_BASE_URL", "https://acme.zendesk.com/sc")
        session = Session(base_url="https://api.eu-1.smooch.io")
        assert session.base_url == "https://api.eu-1.smooch.io"

    def test_given_credentials_ignore_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With credentials passed, no variable is read (not even the base URL)."""
        monkeypatch.setenv("SUNSHINE_JWT", JWT)
        monkeypatch.setenv("SUNSHINE_BASE_URL", "https://acme.zendesk.com/sc")
        session = Session(key_id=KEY_ID, secret=SECRET)
        assert session.base_url == sa.DEFAULT_BASE_URL
        assert "Basic" in type(session._credentials).__name__

    def test_nothing_set(self) -> None:
        """No variable at all: InvalidArgumentError naming every variable to set."""
        with pytest.raises(sa.InvalidArgumentError) as caught:
            Session()
        text = str(caught.value)
        for name in ("SUNSHINE_KEY_ID", "SUNSHINE_KEY_SECRET", "SUNSHINE_JWT"):
            assert name in text
        assert caught.value.may_have_reached_server is False

    def test_half_a_key_names_the_missing_variable_not_the_value(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Only the secret set: the key id's variable is named; the secret is not shown."""
        monkeypatch.setenv("SUNSHINE_KEY_SECRET", SECRET)
        with pytest.raises(sa.InvalidArgumentError, match="lacks SUNSHINE_KEY_ID ") as caught:
            Session()
        assert SECRET not in str(caught.value)
        assert SECRET not in repr(caught.value)

    def test_both_kinds_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A JWT and a key together are ambiguous: refused, quoting neither."""
        monkeypatch.setenv("SUNSHINE_JWT", JWT)
        monkeypatch.setenv("SUNSHINE_KEY_ID", KEY_ID)
        monkeypatch.setenv("SUNSHINE_KEY_SECRET", SECRET)
        with pytest.raises(sa.InvalidArgumentError, match="only one kind") as caught:
            Session()
        assert JWT not in str(caught.value)
        assert SECRET not in str(caught.value)

    def test_a_bad_value_is_named_by_its_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A JWT with a newline: the variable is named, its value never quoted."""
        bad = JWT + "\nX-Injected: 1"
        monkeypatch.setenv("SUNSHINE_JWT", bad)
        with pytest.raises(sa.InvalidArgumentError, match="SUNSHINE_JWT") as caught:
            Session()
        assert JWT not in str(caught.value)

    def test_a_bad_base_url_is_named_by_its_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A base URL holding a password: the variable is named, the URL never quoted."""
        monkeypatch.setenv("SUNSHINE_JWT", JWT)
        monkeypatch.setenv("SUNSHINE_BASE_URL", "ftp://user:hunter2@example.com")
        with pytest.raises(sa.InvalidArgumentError, match="SUNSHINE_BASE_URL") as caught:
            Session()
        assert "hunter2" not in str(caught.value)

    def test_empty_variables_count_as_unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """An empty SUNSHINE_JWT is not a token."""
        monkeypatch.setenv("SUNSHINE_JWT", "")
        with pytest.raises(sa.InvalidArgumentError, match="lacks"):
            Session()


class TestCredentialsFromEnv:
    def test_reads_a_plain_mapping(self) -> None:
        """The function reads any mapping, so it needs no real environment."""
        found = credentials_from_env({"SUNSHINE_KEY_ID": KEY_ID, "SUNSHINE_KEY_SECRET": SECRET})
        assert found == (KEY_ID, SECRET, None, None)
