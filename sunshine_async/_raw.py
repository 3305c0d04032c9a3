"""`RawResponse`: a call's HTTP response as it came, next to its typed result.

``resource.with_raw_response.get(...)`` runs the same method on a copy of the resource
whose requests are recorded on the way through; nothing changes in the Session, and
a call that is not raw pays nothing for this.
"""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, final

from ._exceptions import ResponseValidationError

if TYPE_CHECKING:
    import httpx

    from ._exceptions import RequestInfo
    from ._operation import Operation
    from ._options import RequestOptions
    from ._requester import Requester
    from ._responses import ApiResponse
    from ._types import JSONObject, JSONValue, Method, QueryParams

__all__ = ["RawResponse", "RawResponses", "raw_call", "raw_first_page"]

T = TypeVar("T")
P = ParamSpec("P")
Owner = TypeVar("Owner")
Page_co = TypeVar("Page_co", covariant=True)


@final
class RawResponse(Generic[T]):
    """The HTTP response of one call: status, headers, timing, and its typed result.

    Made by ``with_raw_response``: ``await users.with_raw_response.get(user_id)``. An
    error status still raises its `ApiError` (which has the status and headers too).
    Its repr shows the method and path, never a header (the request's credentials are
    not kept at all).

    .. versionadded:: 0.2
    """

    __slots__ = ("_error", "_parsed", "_response", "elapsed")

    def __init__(
        self,
        response: ApiResponse,
        elapsed: float,
        parsed: T | None,
        error: ResponseValidationError | None = None,
    ) -> None:
        self._response = response
        self._parsed = parsed
        self._error = error
        #: Seconds from sending the first attempt to the end of reading the last one's
        #: body, waits between retries included.
        self.elapsed = elapsed

    @property
    def status_code(self) -> int:
        """The HTTP status (2xx)."""
        return self._response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers, rate-limit headers (``X-RateLimit-*``) included."""
        return self._response.headers

    @property
    def attempts(self) -> int:
        """How many attempts the call took (1 when it was not retried)."""
        return self._response.attempts

    @property
    def request(self) -> RequestInfo:
        """The method and URL of the request (never its headers)."""
        return self._response.request

    @property
    def content(self) -> bytes:
        """The body as it came (after decompression)."""
        return self._response.body

    def json(self) -> dict[str, JSONValue]:
        """The body as a JSON object (``{}`` for an empty body)."""
        return self._response.data

    def parse(self) -> T:
        """The typed result the method returns without ``with_raw_response``.

        Raises:
            ResponseValidationError: the body is not the shape the call returns.
        """
        if self._error is not None:
            raise self._error
        return self._parsed  # type: ignore[return-value]

    def __repr__(self) -> str:
        request = self._response.request
        return (
            f"RawResponse(status_code={self.status_code}, request='{request.method}"
            f" {request.target}', attempts={self.attempts}, elapsed={self.elapsed:.3f})"
        )


class _Recorder:
    """A requester that passes requests on and keeps the last response and its time."""

    __slots__ = ("_inner", "elapsed", "response")

    def __init__(self, inner: Requester) -> None:
        self._inner = inner
        self.response: ApiResponse | None = None
        self.elapsed = 0.0

    async def request(
        self,
        method: Method,
        path: str,
        *,
        params: QueryParams = (),
        body: JSONObject | None = None,
        gone_code: str | None = None,
        raw: tuple[bytes, str] | None = None,
        options: RequestOptions | None = None,
        operation: Operation | None = None,
    ) -> ApiResponse:
        started = time.perf_counter()
        response = await self._inner.request(
            method,
            path,
            params=params,
            body=body,
            gone_code=gone_code,
            raw=raw,
            options=options,
            operation=operation,
        )
        self.elapsed = time.perf_counter() - started
        self.response = response
        return response


class _Listing(Protocol[Page_co]):
    """What a ``list()`` returns (an `ItemIterator`): its pages can be read one by one."""

    @property
    def pages(self) -> AsyncIterator[Page_co]: ...


class HasRequester(Protocol):
    """A resource: what sends its requests (a copy of it may be given another)."""

    _requester: Requester


class RawResponses:
    """Base of each resource's ``with_raw_response``: its methods, returning raw."""

    __slots__ = ("_of",)

    def __init__(self, of: HasRequester) -> None:
        self._of = of

    def _recording(self) -> tuple[Any, _Recorder]:
        """A copy of the resource whose requests go through a recorder."""
        recorder = _Recorder(self._of._requester)
        clone = copy.copy(self._of)
        clone._requester = recorder
        return clone, recorder

    def __repr__(self) -> str:
        return f"{self._of!r}.with_raw_response"


def _name(method: Callable[..., object], fn: Callable[..., object], what: str) -> None:
    method.__name__ = fn.__name__
    method.__qualname__ = f"with_raw_response.{fn.__name__}"
    method.__doc__ = f"``{fn.__name__}()``, returning {what}."


def raw_call(
    fn: Callable[Concatenate[Owner, P], Awaitable[T]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, RawResponse[T]]]:
    """The method ``fn``, made to return the `RawResponse` of its request."""

    async def method(self: RawResponses, /, *args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        clone, recorder = self._recording()
        try:
            parsed = await fn(clone, *args, **kwargs)
        except ResponseValidationError as exc:
            if recorder.response is None:  # the body was not JSON: nothing to show
                raise
            return RawResponse(recorder.response, recorder.elapsed, None, exc)
        assert recorder.response is not None
        return RawResponse(recorder.response, recorder.elapsed, parsed)

    _name(method, fn, "the `RawResponse`; ``.parse()`` gives the result")
    return method


def raw_first_page(
    fn: Callable[Concatenate[Owner, P], _Listing[Page_co]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, RawResponse[Page_co]]]:
    """A ``list`` method, made to fetch its first page only and return its `RawResponse`.

    ``.parse()`` gives that page: the list response model (its items and ``meta``), or
    for a list the API does not page, the tuple of items.
    """

    async def method(
        self: RawResponses, /, *args: P.args, **kwargs: P.kwargs
    ) -> RawResponse[Page_co]:
        clone, recorder = self._recording()
        items = fn(clone, *args, **kwargs)
        try:
            page = await items.pages.__anext__()
        except ResponseValidationError as exc:
            if recorder.response is None:
                raise
            return RawResponse(recorder.response, recorder.elapsed, None, exc)
        assert recorder.response is not None
        return RawResponse(recorder.response, recorder.elapsed, page)

    _name(method, fn, "the `RawResponse` of the first page; ``.parse()`` gives the page")
    return method
