"""`Requester`: the one thing resources and pagers need from a session, as a protocol.

Resources, pagers and raw responses are typed against this, not against `Session`,
so that none of them imports the session and the session imports none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ._operation import Operation
    from ._options import RequestOptions
    from ._responses import ApiResponse
    from ._types import JSONObject, Method, QueryParams

__all__ = ["Requester"]


class Requester(Protocol):
    """What resources need from a session: one JSON request, retried and checked."""

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
        """Send a request and return its successful response, or raise a `SunshineError`."""
        ...
