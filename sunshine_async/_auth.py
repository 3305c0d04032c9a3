"""Credentials: each kind turns into an ``Authorization`` header value.

No I/O and no event loop. Secrets live only in private slots, and every repr shows the
key id at most: a session, a log line or a traceback never prints a secret or a token.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Mapping
from typing import Protocol, final

from ._config import JWT_LIFETIME, JWT_RENEW_MARGIN, JWT_SCOPES
from ._exceptions import InvalidArgumentError

__all__ = [
    "BasicCredentials",
    "Credentials",
    "JwtCredentials",
    "MintedJwtCredentials",
    "credentials_from_env",
    "make_credentials",
]

#: The environment variables `Session()` reads when it is given no credentials.
ENV_KEY_ID = "SUNSHINE_KEY_ID"
ENV_KEY_SECRET = "SUNSHINE_KEY_SECRET"  # noqa: S105 (a variable's name)
ENV_JWT = "SUNSHINE_JWT"
ENV_BASE_URL = "SUNSHINE_BASE_URL"


class Credentials(Protocol):
    """Anything that can give the value of the ``Authorization`` header."""

    def authorization(self) -> str:
        """The header value to send now."""
        ...


# what may appear in an Authorization header; a JWT is base64url parts joined by dots
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]+")
_KEY_ID = re.compile(r"[\x21-\x39\x3b-\x7e]+")  # printable ASCII, no ':' or space


def _require_text(name: str, value: object, pattern: re.Pattern[str] | None = None) -> str:
    # the value itself may be a secret: messages name only its type or what is wrong
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(f"{name} must be a non-empty str, got {type(value).__name__}")
    if pattern is not None and pattern.fullmatch(value) is None:
        raise InvalidArgumentError(
            f"{name} holds characters it cannot hold (whitespace, a newline, ':' or non-ASCII?)"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"{name} is not valid Unicode text") from None
    return value


@final
class BasicCredentials:
    """HTTP basic auth: the key id as user name, the key secret as password."""

    __slots__ = ("_header", "key_id")

    def __init__(self, key_id: str, secret: str) -> None:
        self.key_id = _require_text("key_id", key_id, _KEY_ID)
        token = base64.b64encode(f"{key_id}:{_require_text('secret', secret)}".encode())
        self._header = "Basic " + token.decode("ascii")

    def authorization(self) -> str:
        return self._header

    def __repr__(self) -> str:
        return f"BasicCredentials(key_id={self.key_id!r})"


@final
class JwtCredentials:
    """A JWT the caller made: sent as given (``Bearer``), never decoded."""

    __slots__ = ("_header",)

    def __init__(self, token: str) -> None:
        self._header = "Bearer " + _require_text("jwt", token, _TOKEN)

    def authorization(self) -> str:
        return self._header

    def __repr__(self) -> str:
        return "JwtCredentials(<token hidden>)"


@final
class MintedJwtCredentials:
    """HS256 JWTs signed with the key secret, minted on demand and renewed before expiry.

    Args:
        key_id: The API key id; it goes in the token header as ``kid``.
        secret: The key secret, used only to sign.
        scope: ``"app"``, ``"account"`` or ``"integration"``, matching the key's type.
        lifetime: Seconds until a minted token expires.
        clock: Returns the current Unix time; tests pass a fake one.
    """

    __slots__ = (
        "_clock",
        "_encode",
        "_expires_at",
        "_header",
        "_lifetime",
        "_secret",
        "key_id",
        "scope",
    )

    def __init__(
        self,
        key_id: str,
        secret: str,
        *,
        scope: str = "app",
        lifetime: int = JWT_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key_id = _require_text("key_id", key_id, _KEY_ID)
        self._secret = _require_text("secret", secret)
        if scope not in JWT_SCOPES:
            raise InvalidArgumentError(
                f"scope must be one of {', '.join(map(repr, JWT_SCOPES))}, got {scope!r}"
            )
        if lifetime <= JWT_RENEW_MARGIN:
            raise InvalidArgumentError(
                f"lifetime must be more than {JWT_RENEW_MARGIN} seconds, got {lifetime}"
            )
        try:
            import jwt
        except ImportError:
            raise InvalidArgumentError(
                "use_jwt=True needs PyJWT: pip install 'sunshine-async[jwt]'"
            ) from None
        self._encode = jwt.encode
        self.scope = scope
        self._lifetime = lifetime
        self._clock = clock
        self._header = ""
        self._expires_at = 0.0

    def authorization(self) -> str:
        now = self._clock()
        if now >= self._expires_at - JWT_RENEW_MARGIN:
            expires_at = int(now) + self._lifetime
            token = self._encode(
                {"scope": self.scope, "exp": expires_at},
                self._secret,
                algorithm="HS256",
                headers={"kid": self.key_id},
            )
            self._header = f"Bearer {token}"
            self._expires_at = float(expires_at)
        return self._header

    def __repr__(self) -> str:
        return f"MintedJwtCredentials(key_id={self.key_id!r}, scope={self.scope!r})"


def make_credentials(
    *,
    key_id: str | None,
    secret: str | None,
    jwt: str | None,
    use_jwt: bool,
    scope: str,
) -> Credentials:
    """Pick the credentials for the arguments `Session` was given, or say what is wrong."""
    if jwt is not None:
        if key_id is not None or secret is not None or use_jwt:
            raise InvalidArgumentError("pass either jwt= or key_id= and secret=, not both")
        if scope != "app":
            raise InvalidArgumentError("scope= applies only with use_jwt=True")
        return JwtCredentials(jwt)
    if key_id is None or secret is None:
        missing = " and ".join(n for n, v in (("key_id", key_id), ("secret", secret)) if v is None)
        raise InvalidArgumentError(
            f"missing credentials: {missing} (pass key_id= and secret=, or jwt=)"
        )
    if use_jwt:
        return MintedJwtCredentials(key_id, secret, scope=scope)
    if scope != "app":
        raise InvalidArgumentError("scope= applies only with use_jwt=True")
    return BasicCredentials(key_id, secret)


def credentials_from_env(
    environ: Mapping[str, str],
) -> tuple[str | None, str | None, str | None, str | None]:
    """``(key_id, secret, jwt, base_url)`` from the environment, for a bare `Session()`.

    ``SUNSHINE_JWT``, or ``SUNSHINE_KEY_ID`` with ``SUNSHINE_KEY_SECRET``; and
    ``SUNSHINE_BASE_URL`` when set. An empty variable counts as unset. Messages name
    the variables, never what they hold.

    >>> credentials_from_env({"SUNSHINE_JWT": "eyJ.a.b"})
    (None, None, 'eyJ.a.b', None)

    Raises:
        InvalidArgumentError: no credentials are set, half of a key is, or both kinds.
    """

    def read(name: str) -> str | None:
        return environ.get(name) or None

    key_id, secret, jwt = read(ENV_KEY_ID), read(ENV_KEY_SECRET), read(ENV_JWT)
    wanted = f"set {ENV_KEY_ID} and {ENV_KEY_SECRET}, or {ENV_JWT}"
    if jwt is not None and (key_id is not None or secret is not None):
        raise InvalidArgumentError(
            f"Session() was given no credentials and the environment has both {ENV_JWT}"
            f" and {ENV_KEY_ID}/{ENV_KEY_SECRET}: set only one kind"
        )
    if jwt is None:
        missing = [n for n, v in ((ENV_KEY_ID, key_id), (ENV_KEY_SECRET, secret)) if v is None]
        if missing:
            raise InvalidArgumentError(
                "missing credentials: key_id and secret (or jwt) were not passed, and the"
                f" environment lacks {' and '.join(missing)} ({wanted})"
            )
    return key_id, secret, jwt, read(ENV_BASE_URL)
