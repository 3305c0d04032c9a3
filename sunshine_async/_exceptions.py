"""Every exception the SDK raises, in one place.

The tree::

    SunshineError
    ├── InvalidArgumentError (also ValueError)  bad input, raised before any request
    ├── SessionClosedError (also RuntimeError)  the Session was closed
    ├── WrongEventLoopError (also RuntimeError) the Session was used in another event loop
    ├── PaginationError                         the server's cursors would loop forever
    ├── ResponseTooLargeError                   a response body over max_response_bytes
    ├── ResponseValidationError                 a success whose body does not decode
    ├── WebhookVerificationError                a delivery's X-API-Key is missing or wrong
    ├── WebhookParseError (also ValueError)     a webhook body is not a delivery
    ├── LinkFailedError                         wait_for_link: the client is gone
    ├── LinkTimeoutError (also TimeoutError)    wait_for_link: the deadline passed
    ├── ApiConnectionError                      the request got no HTTP response
    │   └── ApiTimeoutError                     ... because it ran out of time
    │       └── PoolTimeoutError                ... waiting for a free connection slot
    └── ApiError                                the API answered with an error
        ├── BadRequestError        400
        ├── AuthenticationError    401
        ├── PermissionDeniedError  403
        ├── NotFoundError          404
        ├── ConflictError          409
        ├── RateLimitError         429
        └── ServerError            5xx

Catch `SunshineError` for everything, `ApiError` for every answer the API refused,
or one of its subclasses for a single status. Every one of them says, in
``may_have_reached_server``, whether the server may have acted on the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    import httpx

    from ._models import Client

__all__ = [
    "ApiConnectionError",
    "ApiError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorDetail",
    "InvalidArgumentError",
    "LinkFailedError",
    "LinkTimeoutError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "RateLimitError",
    "RequestInfo",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "SessionClosedError",
    "SunshineError",
    "WebhookParseError",
    "WebhookVerificationError",
    "WrongEventLoopError",
]


@attrs.frozen(kw_only=True)
class ErrorDetail:
    """One entry of the API's ``errors`` list: a snake_case ``code`` and a human ``title``.

    .. versionadded:: 0.1
    """

    code: str
    title: str


@attrs.frozen(kw_only=True)
class RequestInfo:
    """The method and URL of the request an error belongs to (never its headers).

    .. versionadded:: 0.1
    """

    method: str
    url: str

    @property
    def target(self) -> str:
        """The path and query of the URL, as shown in error messages."""
        scheme_end = self.url.find("://")
        path_start = self.url.find("/", scheme_end + 3 if scheme_end >= 0 else 0)
        return self.url[path_start:] if path_start >= 0 else "/"


def _rebuild(
    cls: type[BaseException], args: tuple[object, ...], state: dict[str, object]
) -> object:
    """Unpickle an exception whose __init__ takes keyword-only arguments."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class SunshineError(Exception):
    """Base class of every exception raised by sunshine-async.

    Attributes:
        may_have_reached_server: Whether the server may have received (and acted on)
            the request this error ends. False when nothing was sent (a bad argument,
            no free connection slot, a closed Session); True for every answer of the
            API and when a request's fate is unknown. A create that fails with True
            may have been made: look before sending it again.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2 ``may_have_reached_server`` on every error.
    """

    #: Overridden by the errors that come from the server, or set per instance.
    may_have_reached_server: bool = False

    def __reduce__(self) -> tuple[object, ...]:
        # subclasses take keyword-only arguments, which pickle (process pools, task
        # queues) cannot pass: rebuild from the message and the attributes instead
        return (_rebuild, (type(self), self.args, self.__dict__))


class InvalidArgumentError(SunshineError, ValueError):
    """An argument is invalid; raised before any request is sent.

    The message names the argument or field and says what was expected.

    .. versionadded:: 0.1
    """


class SessionClosedError(SunshineError, RuntimeError):
    """The `Session` was closed and cannot send requests any more.

    When `Session.aclose` ended a request in flight, ``may_have_reached_server`` says
    whether that request had been sent; otherwise it is False.

    .. versionadded:: 0.1
    """

    def __init__(self, message: str, *, may_have_reached_server: bool = False) -> None:
        super().__init__(message)
        self.may_have_reached_server = may_have_reached_server


class WrongEventLoopError(SunshineError, RuntimeError):
    """A `Session` was used in an event loop other than the one it opened in.

    A Session's connections belong to the event loop that was running when it opened
    (its ``async with``, or its first request). Create the Session inside the loop
    that uses it (one per ``anyio.run``/``asyncio.run``). Nothing was sent.

    .. versionadded:: 0.2
    """


class PaginationError(SunshineError):
    """The server's pagination would never end (no cursor, or a cursor seen before).

    Raised from a page the server sent, so ``may_have_reached_server`` is True.

    .. versionadded:: 0.1
    """

    may_have_reached_server = True


class ApiConnectionError(SunshineError):
    """The request got no HTTP response: DNS, connect, TLS or a dropped connection.

    Attributes:
        request: Method and URL of the request.
        may_have_reached_server: False when the request provably never left this
            machine (the connection could not be made, or no slot was free), so the
            server cannot have acted on it; True when it may have been received and
            acted on, e.g. a create whose response was lost. A create that fails with
            True may have created the client: list the user's clients to find out.

    The underlying exception (httpx's, or the deadline's `TimeoutError`) is ``__cause__``.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2 ``may_have_reached_server``.
    """

    def __init__(
        self, message: str, *, request: RequestInfo, may_have_reached_server: bool = True
    ) -> None:
        super().__init__(message)
        self.request = request
        self.may_have_reached_server = may_have_reached_server


class ApiTimeoutError(ApiConnectionError):
    """The request took longer than the session's ``timeout``.

    .. versionadded:: 0.1
    """


class PoolTimeoutError(ApiTimeoutError):
    """No connection slot came free within the session's ``pool_timeout``.

    The request was never sent (``may_have_reached_server`` is False) and is not
    retried: the wait was the time the caller allowed.

    .. versionadded:: 0.2
    """


class ResponseTooLargeError(SunshineError):
    """The response body, decompressed, was larger than the session's ``max_response_bytes``.

    The SDK stopped reading and closed the connection. The server did answer, so a
    create may have succeeded. Not retried.

    Attributes:
        status_code: The HTTP status of the refused response.
        limit: The limit in bytes that was exceeded.
        request: Method and URL of the request.

    .. versionadded:: 0.2
    """

    may_have_reached_server = True

    def __init__(self, message: str, *, status_code: int, limit: int, request: RequestInfo) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.limit = limit
        self.request = request


class ResponseValidationError(SunshineError):
    """The API answered with a success whose body does not decode: not a JSON object,
    or not the shape the operation returns. The request did succeed.

    Attributes:
        status_code: The HTTP status (2xx).
        headers: The response headers.
        request: Method and URL of the request.
        body: The start of the raw body (at most 64 kB), to see what came.

    .. versionadded:: 0.2
    """

    may_have_reached_server = True

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        headers: httpx.Headers,
        request: RequestInfo,
        body: bytes = b"",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.headers = headers
        self.request = request
        self.body = body


class WebhookVerificationError(SunshineError):
    """A webhook delivery's ``X-API-Key`` header is missing or matches no secret.

    Raised by `webhooks.verify` (and `webhooks.unwrap`) before the body is read; answer
    the request with 401. The message never holds the received value or a secret.

    .. versionadded:: 0.2
    """


class WebhookParseError(SunshineError, ValueError):
    """A webhook body is not JSON, or not the shape of a delivery.

    Raised by `webhooks.parse` (and `webhooks.unwrap`); answer the request with 400,
    which Sunshine does not retry. The message says where the problem is and quotes
    at most a short excerpt of the body.

    Attributes:
        index: The position in ``events`` of the event that failed, or None when the
            envelope itself is wrong.
        event_type: That event's ``type``, when it has one.

    .. versionadded:: 0.2
    """

    def __init__(
        self, message: str, *, index: int | None = None, event_type: str | None = None
    ) -> None:
        super().__init__(message)
        self.index = index
        self.event_type = event_type


class LinkFailedError(SunshineError):
    """`ClientsResource.wait_for_link`: the client is gone, so the link did not happen.

    The link failed, was cancelled, or the client was removed before it was confirmed.

    Attributes:
        client_id: The client that was waited for.
        reason: Why, when a ``client:remove`` webhook event said so (``"linkFailed"``,
            ``"linkCancelled"``, ``"api"``, ...); None when polling found it missing.
        client: The client as last seen (pending), or None.

    .. versionadded:: 0.2
    """

    may_have_reached_server = True

    def __init__(
        self,
        message: str,
        *,
        client_id: str,
        reason: str | None = None,
        client: Client | None = None,
    ) -> None:
        super().__init__(message)
        self.client_id = client_id
        self.reason = reason
        self.client = client


class LinkTimeoutError(SunshineError, TimeoutError):
    """`ClientsResource.wait_for_link`: the client was still pending at the deadline.

    Also a builtin `TimeoutError`, so ``except TimeoutError`` catches it.

    Attributes:
        client_id: The client that was waited for.
        timeout: The seconds that were allowed.
        client: The client as last seen (still pending), or None if no poll succeeded.

    When the last poll failed for a passing reason (a 5xx, a timeout), its error is
    ``__cause__``.

    .. versionadded:: 0.2
    """

    may_have_reached_server = True

    def __init__(
        self, message: str, *, client_id: str, timeout: float, client: Client | None = None
    ) -> None:
        super().__init__(message)
        self.client_id = client_id
        self.timeout = timeout
        self.client = client


class ApiError(SunshineError):
    """The API answered with a status that is not a success.

    Attributes:
        status_code: The HTTP status.
        errors: The ``errors`` of the body as `ErrorDetail` objects; empty when the
            body held none (an HTML page from a proxy, say).
        headers: The response headers, kept because the API documents no request id.
        request: Method and URL of the request (its headers, and so its
            credentials, are not kept).
        body: The raw body (at most 64 kB are read of an error response).
        retry_after: Seconds the server asked to wait (``Retry-After``), or None.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2 ``body`` and ``retry_after`` on every status.
    """

    may_have_reached_server = True

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        errors: Sequence[ErrorDetail] = (),
        headers: httpx.Headers,
        request: RequestInfo,
        body: bytes = b"",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.errors = list(errors)
        self.headers = headers
        self.request = request
        self.body = body
        self.retry_after = retry_after

    @property
    def code(self) -> str | None:
        """The first error's code (``"client_not_found"``), or None when there is none."""
        return self.errors[0].code if self.errors else None


class BadRequestError(ApiError):
    """400: the API rejected the request's content or query.

    .. versionadded:: 0.1
    """


class AuthenticationError(ApiError):
    """401: missing, wrong or expired credentials.

    .. versionadded:: 0.1
    """


class PermissionDeniedError(ApiError):
    """403: the credentials may not do this.

    .. versionadded:: 0.1
    """


class NotFoundError(ApiError):
    """404: the app, user or client does not exist.

    .. versionadded:: 0.1
    """


class ConflictError(ApiError):
    """409: the request conflicts with the current state.

    .. versionadded:: 0.1
    """


class RateLimitError(ApiError):
    """429: too many requests; ``retry_after`` says how long the server asked to wait.

    .. versionadded:: 0.1
    """


class ServerError(ApiError):
    """5xx: the API failed.

    .. versionadded:: 0.1
    """


# Resolve annotations while __module__ still names this module (the package re-exports).
attrs.resolve_types(ErrorDetail)
attrs.resolve_types(RequestInfo)
