"""Tests for `sunshine_async._auth`: headers, minted JWTs and secrets kept out of sight."""

from __future__ import annotations

import base64

import jwt as pyjwt
import pytest

from sunshine_async import InvalidArgumentError, Session
from sunshine_async._auth import (
    BasicCredentials,
    JwtCredentials,
    MintedJwtCredentials,
    make_credentials,
)

from .conftest import KEY_ID, SECRET


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TestBasicCredentials:
    def test_header(self) -> None:
        """Basic auth: key id as user, secret as password."""
        header = BasicCredentials(KEY_ID, SECRET).authorization()
        assert header.startswith("Basic ")
        assert base64.b64decode(header[6:]).decode() == f"{KEY_ID}:{SECRET}"

    def test_repr_hides_secret(self) -> None:
        """The repr shows the key id only."""
        text = repr(BasicCredentials(KEY_ID, SECRET))
        assert KEY_ID in text
        assert SECRET not in text
        assert base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode() not in text


class TestJwtCredentials:
    def test_sent_as_given(self) -> None:
        """A given token is sent as Bearer, untouched and never decoded."""
        assert JwtCredentials("not.even.a-jwt").authorization() == "Bearer not.even.a-jwt"

    def test_repr_hides_token(self) -> None:
        """The token never appears in the repr."""
        assert "zq9-value" not in repr(JwtCredentials("zq9-value"))


class TestMintedJwtCredentials:
    def test_claims_and_header(self) -> None:
        """Minted tokens are HS256, kid = key id, scope as asked, a short exp."""
        clock = FakeClock(1_800_000_000.0)
        creds = MintedJwtCredentials(KEY_ID, SECRET, scope="account", clock=clock)
        token = creds.authorization().removeprefix("Bearer ")
        header = pyjwt.get_unverified_header(token)
        assert header["alg"] == "HS256"
        assert header["kid"] == KEY_ID
        claims = pyjwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
        assert claims["scope"] == "account"
        assert claims["exp"] == 1_800_000_000 + 600
        with pytest.raises(pyjwt.InvalidSignatureError):
            pyjwt.decode(
                token,
                "another-secret-of-enough-length-000",
                algorithms=["HS256"],
                options={"verify_exp": False},
            )

    def test_reused_then_renewed_before_expiry(self) -> None:
        """The token is cached, then replaced once less than a minute of it is left."""
        clock = FakeClock(1_800_000_000.0)
        creds = MintedJwtCredentials(KEY_ID, SECRET, clock=clock)
        first = creds.authorization()
        clock.now += 539
        assert creds.authorization() == first
        clock.now += 1  # 60 s before exp
        second = creds.authorization()
        assert second != first
        claims = pyjwt.decode(
            second.removeprefix("Bearer "),
            SECRET,
            algorithms=["HS256"],
            options={"verify_exp": False},
        )
        assert claims["exp"] == 1_800_000_540 + 600

    def test_scope_checked(self) -> None:
        """Only app, account and integration scopes exist for v2."""
        with pytest.raises(InvalidArgumentError, match="scope"):
            MintedJwtCredentials(KEY_ID, SECRET, scope="user")

    def test_repr_hides_secret_and_token(self) -> None:
        """Neither the secret nor a minted token shows in the repr."""
        creds = MintedJwtCredentials(KEY_ID, SECRET)
        token = creds.authorization()
        assert SECRET not in repr(creds)
        assert token.split()[1] not in repr(creds)


class TestMakeCredentials:
    def test_choices(self) -> None:
        """Each argument combination picks its credentials."""

        def make(**kw: object) -> object:
            args: dict[str, object] = {
                "key_id": None,
                "secret": None,
                "jwt": None,
                "use_jwt": False,
                "scope": "app",
                **kw,
            }
            return make_credentials(**args)  # type: ignore[arg-type]

        assert isinstance(make(key_id=KEY_ID, secret=SECRET), BasicCredentials)
        assert isinstance(make(jwt="t"), JwtCredentials)
        assert isinstance(make(key_id=KEY_ID, secret=SECRET, use_jwt=True), MintedJwtCredentials)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({}, "missing credentials: key_id and secret"),
            ({"key_id": KEY_ID}, "missing credentials: secret"),
            ({"secret": SECRET}, "missing credentials: key_id"),
            ({"jwt": "t", "key_id": KEY_ID, "secret": SECRET}, "not both"),
            ({"jwt": "t", "use_jwt": True}, "not both"),
            ({"key_id": KEY_ID, "secret": SECRET, "scope": "account"}, "use_jwt"),
            ({"key_id": "", "secret": SECRET}, "key_id"),
            ({"key_id": KEY_ID, "secret": ""}, "secret"),
            ({"jwt": ""}, "jwt"),
            ({"jwt": "eyJ.payload.sig\n"}, "jwt holds characters"),
            ({"jwt": "eyJ payload"}, "jwt holds characters"),
            ({"jwt": "tök.en"}, "jwt holds characters"),
            ({"jwt": "t", "scope": "account"}, "use_jwt"),
            ({"key_id": "app:x", "secret": SECRET}, "key_id holds characters"),
            ({"key_id": "app x", "secret": SECRET}, "key_id holds characters"),
            ({"key_id": KEY_ID, "secret": "s\ud800"}, "secret is not valid"),
        ],
    )
    def test_missing_or_conflicting(self, kwargs: dict[str, object], message: str) -> None:
        """Missing or conflicting credentials fail at construction with a clear message."""
        with pytest.raises(InvalidArgumentError, match=message) as info:
            Session(**kwargs)  # type: ignore[arg-type]
        assert SECRET not in str(info.value)

    def test_secret_of_wrong_type_not_echoed(self) -> None:
        """A bad secret is described by type, never echoed."""
        with pytest.raises(InvalidArgumentError) as info:
            BasicCredentials(KEY_ID, 12345)  # type: ignore[arg-type]
        assert "12345" not in str(info.value)
